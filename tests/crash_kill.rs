// Crash consistency at the host level: rvcow is killed with SIGKILL at seeded
// random instants during stressfs on a --drive image. Every image then holds
// a consistent file system once its committed log is replayed, the next boot
// recovers that log and leaves the image consistent as it stands, and each
// file is whole writes, all five once stressfs has finished.
// RVCOW_FUZZ_CASES kills (default 20) from seed RVCOW_FUZZ_SEED.

use images::fsck::{fsck, FsReport, Image};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const STRESSFS_FILES: [&str; 5] = [
    "stressfs0",
    "stressfs1",
    "stressfs2",
    "stressfs3",
    "stressfs4",
];

mod common;

/// Runs stressfs on `img`, waits until it has printed `reads` of its "read"
/// lines (each after one process's file is written and closed, though maybe
/// not yet committed: the log commits a group of system calls when the last
/// ends) or, with `reads` 6, until the shell's prompt after it, then for
/// `delay`, and kills rvcow with SIGKILL. Returns the console.
fn kill_during_stressfs(img: &Path, reads: usize, delay: Duration) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args([
            "--smp",
            "1",
            "--run",
            "stressfs",
            "--max-insns",
            "100000000000",
        ])
        .arg("--drive")
        .arg(img)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("rvcow runs");
    let mut out = child.stdout.take().unwrap();
    let mut console = String::new();
    common::read_until(&mut out, &mut console, |c| {
        match c.split_once("stressfs starting\n") {
            Some((_, after)) if reads > 5 => after.ends_with("read\n$ "),
            Some((_, after)) => after.matches("read\n").count() >= reads,
            None => false,
        }
    });
    std::thread::sleep(delay);
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status:?}");
    console
}

/// fsck of the image file (after replaying a committed log), with its
/// message on failure.
fn check(img: &Path, what: &str) -> FsReport {
    let bytes = std::fs::read(img).unwrap();
    fsck(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// The stressfs files in the image: each holds only whole 512-byte writes of
/// 'a' (a write is one transaction). Returns how many are complete.
fn stressfs_files(img: &Path, what: &str) -> usize {
    let image = Image::parse(&std::fs::read(img).unwrap()).unwrap();
    let mut complete = 0;
    for name in STRESSFS_FILES {
        let Ok(data) = image.read_file(name) else {
            continue;
        };
        assert!(
            data.len() % 512 == 0 && data.len() <= 20 * 512 && data.iter().all(|&b| b == b'a'),
            "{what}: {name} holds {} bytes, not whole writes of 'a'",
            data.len()
        );
        complete += (data.len() == 20 * 512) as usize;
    }
    complete
}

#[test]
fn sigkill_during_stressfs_leaves_a_recoverable_image() {
    let (kills, seed) = common::cases_and_seed(20);
    println!("fuzz crash_kill: {kills} cases, seed {seed}");
    let dir = common::dumped_image("crash-kill");
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut replayed, mut with_files) = (0, 0);
    for k in 0..kills {
        // The first kill comes after stressfs has finished, when all its
        // files must be in the image.
        let reads = if k == 0 { 6 } else { rng.usize(0..=6) };
        let delay = Duration::from_micros(rng.u64(0..30_000));
        let what = format!("kill {k} (seed {seed}) after {reads} markers and {delay:?}");
        let img = dir.join(format!("kill{k}.img"));
        std::fs::copy(dir.join("fs.img"), &img).unwrap();
        kill_during_stressfs(&img, reads, delay);
        let at_kill = check(&img, &what);
        let complete = stressfs_files(&img, &what);
        if reads > 5 {
            assert_eq!(complete, 5, "{what}: files complete");
        }
        let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
            .args(["--smp", "1", "--run", "echo recovered"])
            .args(["--expect", "\nrecovered\n$ ", "--max-insns", "100000000"])
            .arg("--drive")
            .arg(&img)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{what}: reboot: {out:?}");
        let after = check(&img, &what);
        assert_eq!(after.replayed, 0, "{what}: the kernel left its log");
        assert_eq!(after.root, at_kill.root, "{what}");
        assert_eq!(after.inodes, at_kill.inodes, "{what}");
        assert_eq!(after.blocks, at_kill.blocks, "{what}");
        assert_eq!(stressfs_files(&img, &what), complete, "{what}");
        replayed += (at_kill.replayed > 0) as usize;
        with_files += (complete > 0) as usize;
        std::fs::remove_file(&img).unwrap();
    }
    println!(
        "fuzz crash_kill: {kills} kills, {replayed} left a committed log to replay, \
         {with_files} had complete stressfs files"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
