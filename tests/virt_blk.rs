// virtio-blk guest program under rvcow, legacy and modern: the program writes
// a pattern, and these tests check the image file on the host afterwards (and
// that --snapshot leaves it untouched).

use std::path::PathBuf;
use std::process::{Command, Output};

const SECTORS: usize = 128;

/// Byte `i` of sector `s` as the virtio_blk program writes it.
fn pattern(s: usize, i: usize) -> u8 {
    (s * 31 + i * 7 + (i >> 8)) as u8
}

/// The image the program expects: 128 zero sectors, sector 0 starting with
/// "RVCOWBLK" and the capacity.
fn image(name: &str) -> (PathBuf, Vec<u8>) {
    let mut bytes = vec![0u8; SECTORS * 512];
    bytes[..8].copy_from_slice(b"RVCOWBLK");
    bytes[8..16].copy_from_slice(&(SECTORS as u64).to_le_bytes());
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rvcow-virt-blk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

/// The image after the program ran: the pattern in sectors 2..=5 and 9.
fn written(mut bytes: Vec<u8>) -> Vec<u8> {
    for s in [2, 3, 4, 5, 9] {
        for i in 0..512 {
            bytes[s * 512 + i] = pattern(s, i);
        }
    }
    bytes
}

fn run(drive: &PathBuf, extra: &[&str]) -> (Output, String) {
    let path = images::guest("virtio_blk");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rvcow"));
    cmd.arg(path)
        .arg("--drive")
        .arg(drive)
        .args(["--max-insns", "50000000"])
        .args(extra);
    let out = cmd.output().expect("rvcow runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "virtio_blk failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out, stdout)
}

/// The lines the program prints, for `version` 1 or 2.
fn transcript(version: u32, checks: u32) -> String {
    let features = if version == 1 { "0x244" } else { "0x100000244" };
    format!(
        "virtio_blk: version {version} capacity 128 features {features}\n\
         descriptor outside RAM: Status(1)\n\
         looped chain: NeedsReset\n\
         virtio_blk: {checks} checks passed\n"
    )
}

#[test]
fn legacy_writes_reach_the_file() {
    let (path, bytes) = image("legacy.img");
    let (_, stdout) = run(&path, &[]);
    assert_eq!(stdout, transcript(1, 46));
    let after = std::fs::read(&path).unwrap();
    assert!(
        after == written(bytes),
        "image contents differ from the program's writes"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn modern_writes_reach_the_file() {
    let (path, bytes) = image("modern.img");
    let (_, stdout) = run(&path, &["--virtio-modern"]);
    assert_eq!(stdout, transcript(2, 48));
    let after = std::fs::read(&path).unwrap();
    assert!(
        after == written(bytes),
        "image contents differ from the program's writes"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn qemu_spelling_selects_modern() {
    let (path, _) = image("global.img");
    let (_, stdout) = run(&path, &["-global", "virtio-mmio.force-legacy=false"]);
    assert_eq!(stdout, transcript(2, 48));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn snapshot_leaves_the_file_untouched() {
    for (name, extra) in [
        ("snap1.img", &[][..]),
        ("snap2.img", &["--virtio-modern"][..]),
    ] {
        let (path, bytes) = image(name);
        let mut args = vec!["--snapshot"];
        args.extend_from_slice(extra);
        run(&path, &args);
        let after = std::fs::read(&path).unwrap();
        assert!(after == bytes, "--snapshot changed {name}");
        std::fs::remove_file(&path).unwrap();
    }
}
