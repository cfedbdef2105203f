// The kernel's file system on a real image file: stressfs leaves an image that fsck
// finds consistent, and a run stopped in the middle of stressfs (a power cut) leaves
// one that the next boot recovers from its log.

use images::fsck::{fsck, FsReport, Image};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory (under target/tmp) holding the bundled fs.img, written by `rvcow --dump-image`.
mod common;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        Scratch(common::dumped_image(&format!("kernel-{name}")))
    }

    fn img(&self) -> PathBuf {
        self.0.join("fs.img")
    }

    /// A copy of the image at its current state, named `name`.
    fn copy(&self, name: &str) -> PathBuf {
        let to = self.0.join(name);
        std::fs::copy(self.img(), &to).unwrap();
        to
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Boots the bundled kernel on one hart with `drive`, types `command` and runs until
/// `expect` appears or `budget` instructions have run.
fn run(drive: &Path, command: &str, expect: &str, budget: u64) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(["--smp", "1", "--run", command, "--expect", expect])
        .args(["--max-insns", &budget.to_string()])
        .arg("--drive")
        .arg(drive)
        .output()
        .expect("rvcow runs")
}

fn console(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const STRESSFS_DONE: &str = "read\nread\nread\nread\nread\n$ ";
const STRESSFS_FILES: [&str; 5] = [
    "stressfs0",
    "stressfs1",
    "stressfs2",
    "stressfs3",
    "stressfs4",
];

/// fsck of the image file, with its message on failure.
fn check(img: &Path) -> FsReport {
    let bytes = std::fs::read(img).unwrap();
    fsck(&bytes).unwrap_or_else(|e| panic!("{}: {e}", img.display()))
}

/// Each stressfs file present holds only whole 512-byte writes of 'a' (each write is
/// one transaction), at most the 20 it makes.
fn check_stressfs_files(img: &Path) -> usize {
    let image = Image::parse(&std::fs::read(img).unwrap()).unwrap();
    let mut total = 0;
    for name in STRESSFS_FILES {
        let Ok(data) = image.read_file(name) else {
            continue;
        };
        assert!(
            data.len() % 512 == 0 && data.len() <= 20 * 512,
            "{name}: {} bytes",
            data.len()
        );
        assert!(
            data.iter().all(|&b| b == b'a'),
            "{name} holds more than 'a'"
        );
        total += data.len();
    }
    total
}

/// stressfs on an image file: every write reaches it, and fsck finds it consistent,
/// holding exactly the bundled files, the console init makes at first boot and
/// stressfs's five files.
#[test]
fn stressfs_leaves_a_consistent_image() {
    let scratch = Scratch::new("stressfs");
    let before = check(&scratch.img());
    let out = run(&scratch.img(), "stressfs", STRESSFS_DONE, 200_000_000);
    assert_eq!(out.status.code(), Some(0), "{}", console(&out));
    let after = check(&scratch.img());
    assert_eq!(after.replayed, 0);
    let mut root = before.root.clone();
    root.push("console".into());
    root.extend(STRESSFS_FILES.map(String::from));
    assert_eq!(after.root, root);
    assert_eq!(after.inodes, before.inodes + 6);
    assert_eq!(after.blocks, before.blocks + 5 * 10);
    let image = Image::parse(&std::fs::read(scratch.img()).unwrap()).unwrap();
    for name in STRESSFS_FILES {
        assert_eq!(
            image.read_file(name).unwrap(),
            vec![b'a'; 20 * 512],
            "{name}"
        );
    }
}

/// Power cuts at fixed instruction counts through stressfs (about 5 to 22 million
/// instructions into the run on one hart): each image is consistent once its
/// committed log is replayed; booting on it again recovers the log, after which the
/// image is consistent as it stands. At least one cut must land between a commit
/// and its installation, so that recovery really runs.
#[test]
fn power_cut_during_stressfs_recovers() {
    let scratch = Scratch::new("crash");
    let mut recovered = 0;
    let mut written = Vec::new();
    for cut in (6..=21).map(|m| m * 1_000_000) {
        let img = scratch.copy(&format!("cut{cut}.img"));
        let out = run(&img, "stressfs", STRESSFS_DONE, cut);
        assert_eq!(
            out.status.code(),
            Some(124),
            "cut at {cut}: {}",
            console(&out)
        );
        assert!(
            console(&out).contains("stressfs starting\n"),
            "cut at {cut}"
        );
        let cut_report = check(&img);
        let out = run(&img, "echo recovered", "\nrecovered\n$ ", 50_000_000);
        assert_eq!(
            out.status.code(),
            Some(0),
            "reboot after {cut}: {}",
            console(&out)
        );
        let report = check(&img);
        assert_eq!(report.replayed, 0, "the kernel left its log after {cut}");
        assert_eq!(report.root, cut_report.root, "cut at {cut}");
        assert_eq!(report.inodes, cut_report.inodes, "cut at {cut}");
        assert_eq!(report.blocks, cut_report.blocks, "cut at {cut}");
        written.push(check_stressfs_files(&img));
        if cut_report.replayed > 0 {
            recovered += 1;
        }
        std::fs::remove_file(&img).unwrap();
    }
    assert!(recovered > 0, "no cut left a committed log to recover");
    // Later cuts keep more, and some cut falls in the middle of stressfs's writes.
    assert!(written.windows(2).all(|w| w[0] <= w[1]), "{written:?}");
    assert!(
        written.iter().any(|&n| n > 0 && n < 5 * 20 * 512),
        "{written:?}"
    );
}
