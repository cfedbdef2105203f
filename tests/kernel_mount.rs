// The kernel checks its superblock against the disk at mount: a file system
// whose regions do not fit the disk, or do not follow each other, is refused
// with a panic that says why, instead of hanging or corrupting the disk.

use std::process::Command;

/// Boots the bundled kernel on the bundled image with the superblock's
/// 32-bit field at byte `field` set to `value`; returns the panic line.
fn mount(field: usize, value: u32) -> String {
    mount_with(&[(1024 + field, value)])
}

/// Boots the bundled kernel on the bundled image with the 32-bit words at
/// the given byte offsets changed; returns the panic line.
fn mount_with(words: &[(usize, u32)]) -> String {
    run_with(words, &[])
}

/// As `mount_with`, typing `commands` at the shell's prompts.
fn run_with(words: &[(usize, u32)], commands: &[&str]) -> String {
    let mut img = images::FS_IMG.to_vec();
    for &(at, value) in words {
        img[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }
    let (field, value) = words[0];
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
        .args(commands.iter().flat_map(|c| ["--run", c]))
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

#[test]
fn a_log_header_naming_metadata_is_refused() {
    let sb = images::fsck::Image::parse(images::FS_IMG)
        .unwrap()
        .superblock();
    let head = sb.logstart as usize * 1024;
    for block in [0, 1, sb.logstart + 1, sb.size] {
        assert_eq!(
            mount_with(&[(head, 1), (head + 4, block)]),
            format!("invalid file system: the log names block {block}")
        );
    }
    // A count past the log is an empty log, as xv6 treats a corrupt count.
    let mut img = images::FS_IMG.to_vec();
    img[head..head + 8].copy_from_slice(&[sb.nlog.to_le_bytes(), [0; 4]].concat());
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rvcow-mount-{}-count.img", std::process::id()));
    std::fs::write(&path, &img).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(["--smp", "1", "--snapshot", "--expect", "$ "])
        .args(["--max-insns", "100000000", "--drive"])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// Blocks a corrupt bitmap or inode hands out inside the metadata are
/// refused when allocated or written, instead of deadlocking the commit on
/// a log block's buffer (a fuzz case hung so) or overwriting the superblock.
#[test]
fn metadata_blocks_are_never_allocated_or_logged() {
    let sb = images::fsck::Image::parse(images::FS_IMG)
        .unwrap()
        .superblock();
    let bitmap = sb.bmapstart as usize * 1024;
    let first = images::FS_IMG[bitmap] as u32;
    assert_eq!(
        run_with(&[(bitmap, first & !0xf0)], &["echo hello > new"]),
        "balloc: the bitmap frees metadata block 4"
    );
    // README's first block moved into the log, or onto the superblock.
    let readme_addr0 = sb.inodestart as usize * 1024 + 2 * 64 + 12;
    for block in [sb.logstart + 2, 1] {
        assert_eq!(
            run_with(&[(readme_addr0, block)], &["echo hello >> README"]),
            format!("log_write: block {block} is not in the file system's inodes, bitmap or data")
        );
    }
}
