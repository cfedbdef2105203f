// The kernel checks its superblock against the disk at mount: a file system
// whose regions do not fit the disk, or do not follow each other, is refused
// with a panic that says why, instead of hanging or corrupting the disk.

use std::process::Command;

/// Boots the bundled kernel on the bundled image with the superblock's
/// 32-bit field at byte `field` set to `value`; returns the panic line.
fn mount(field: usize, value: u32) -> String {
    let mut img = images::FS_IMG.to_vec();
    img[1024 + field..1024 + field + 4].copy_from_slice(&value.to_le_bytes());
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "rvcow-mount-{}-{field}-{value}.img",
        std::process::id()
    ));
    std::fs::write(&path, &img).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args([
            "--smp",
            "1",
            "--snapshot",
            "--max-insns",
            "100000000",
            "--drive",
        ])
        .arg(&path)
        .args(["--history", "0"])
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let line = err.lines().next().unwrap_or_default();
    let line = line
        .strip_prefix("rvcow: guest kernel panicked: panic: ")
        .unwrap_or(line);
    line.split(" (src/").next().unwrap().to_string()
}

#[test]
fn a_bad_superblock_is_refused_at_mount() {
    let sb = images::fsck::Image::parse(images::FS_IMG)
        .unwrap()
        .superblock();
    let cases = [
        (0, 0x1234_5678, "invalid file system"),
        (4, 2001, "invalid file system: size larger than the disk"),
        (
            8,
            sb.size + 1,
            "invalid file system: more data blocks than blocks",
        ),
        (12, 0, "invalid file system: no root inode"),
        (12, 1, "invalid file system: no root inode"),
        (16, 1, "invalid file system: bad log"),
        (20, 1, "invalid file system: bad log"),
        (
            20,
            sb.inodestart,
            "invalid file system: log overlaps the inodes",
        ),
        (
            24,
            sb.bmapstart,
            "invalid file system: inodes overlap the bitmap",
        ),
        (
            12,
            u32::MAX,
            "invalid file system: inodes overlap the bitmap",
        ),
        (
            28,
            sb.size,
            "invalid file system: bitmap overlaps the data blocks",
        ),
        (
            8,
            sb.size,
            "invalid file system: bitmap overlaps the data blocks",
        ),
    ];
    for (field, value, want) in cases {
        assert_eq!(mount(field, value), want, "field {field} = {value}");
    }
}
