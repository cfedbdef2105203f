// rvcow's own SBI firmware and --initrd, with our own guest programs: an S-mode
// Image (tests/guests smode_sbi) that calls every SBI extension, booted by the
// bundled firmware and by Debian's OpenSBI; and an initrd checked from inside.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const OPENSBI_JUMP: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf";

/// The PT_LOAD segments of an ELF64 as one flat image from its lowest address,
/// as `objcopy -O binary` writes it (what a Linux `Image` is).
fn flat_image(elf: &[u8]) -> Vec<u8> {
    let u16_at = |o: usize| u16::from_le_bytes(elf[o..o + 2].try_into().unwrap()) as usize;
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().unwrap()) as usize;
    let (phoff, phentsize, phnum) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    let segs: Vec<(usize, usize, usize)> = (0..phnum)
        .map(|i| phoff + i * phentsize)
        .filter(|&p| u32::from_le_bytes(elf[p..p + 4].try_into().unwrap()) == 1)
        .map(|p| (u64_at(p + 0x18), u64_at(p + 8), u64_at(p + 0x20)))
        .filter(|&(_, _, filesz)| filesz > 0)
        .collect();
    let base = segs
        .iter()
        .map(|s| s.0)
        .min()
        .expect("the ELF has segments");
    let end = segs.iter().map(|s| s.0 + s.2).max().unwrap();
    let mut img = vec![0u8; end - base];
    for (paddr, off, filesz) in segs {
        img[paddr - base..paddr - base + filesz].copy_from_slice(&elf[off..off + filesz]);
    }
    img
}

/// Writes the smode_sbi guest as a raw Image; returns its path.
fn smode_image(tag: &str) -> PathBuf {
    let elf = std::fs::read(images::guest("smode_sbi")).unwrap();
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("smode_sbi-{}-{tag}.Image", std::process::id()));
    std::fs::write(&path, flat_image(&elf)).unwrap();
    path
}

fn rvcow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(args)
        .output()
        .expect("cannot start rvcow")
}

fn dump(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Boots the smode_sbi Image on 2 harts with `bios_args`; it must pass every
/// check and power off through SRST with status 0.
/// `dbcn` says whether the firmware must have DBCN (None: either way).
fn smode_sbi_passes(tag: &str, bios_args: &[&str], dbcn: Option<bool>) -> String {
    let image = smode_image(tag);
    let mut args = bios_args.to_vec();
    args.extend([
        image.to_str().unwrap(),
        "--smp",
        "2",
        "--max-insns",
        "400000000",
    ]);
    let out = rvcow(&args);
    let _ = std::fs::remove_file(&image);
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert_eq!(out.status.code(), Some(0), "{}", dump(&out));
    let has_dbcn = text.contains("legacy + dbcn console\n");
    if let Some(want) = dbcn {
        assert_eq!(has_dbcn, want, "{}", dump(&out));
    }
    let (console, checks) = match has_dbcn {
        true => ("legacy + dbcn console\n", 47),
        false => ("legacy (no DBCN) console\n", 46),
    };
    assert!(text.contains(console), "{}", dump(&out));
    let verdict = format!("smode_sbi: {checks} checks passed\n");
    assert!(text.ends_with(&verdict), "{}", dump(&out));
    text
}

#[test]
fn own_firmware_serves_every_sbi_extension() {
    let text = smode_sbi_passes("own", &[], Some(true));
    // The firmware itself prints nothing: the payload's output is all there is.
    assert!(text.starts_with("legacy + dbcn console\n"), "{text}");
}

#[test]
#[ignore = "needs opensbi"]
fn opensbi_serves_the_same_sbi_calls() {
    // OpenSBI before 1.3 (Debian bookworm's 1.1) has no DBCN.
    let text = smode_sbi_passes("opensbi", &["--bios", OPENSBI_JUMP], None);
    assert!(
        text.contains("Platform Name             : riscv-virtio,qemu\n"),
        "{text}"
    );
}

/// An initrd of `len` bytes of a fixed pattern, and its FNV-1a hash.
fn initrd_file(tag: &str, len: usize) -> (PathBuf, u64) {
    let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("initrd-{}-{tag}.bin", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    (path, hash)
}

#[test]
fn initrd_is_placed_as_qemu_places_it() {
    // -bios none, 128 MiB: half-way into RAM above the kernel at 0x80000000.
    // 512 MiB: 128 MiB above it.
    for (mem, start) in [("128", 0x8400_0000u64), ("512", 0x8800_0000)] {
        let (path, hash) = initrd_file(mem, 100_003);
        let kernel = images::guest("initrd");
        let out = rvcow(&[
            kernel.to_str().unwrap(),
            "--initrd",
            path.to_str().unwrap(),
            "-m",
            mem,
            "--max-insns",
            "50000000",
        ]);
        let _ = std::fs::remove_file(&path);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}", dump(&out));
        let want = format!(
            "initrd: {start:#x}..{:#x} fnv1a {hash:#018x}\n",
            start + 100_003
        );
        assert!(text.contains(&want), "want {want}{}", dump(&out));
        assert!(text.contains("initrd: 3 checks passed\n"), "{}", dump(&out));
    }
}

#[test]
fn an_initrd_that_does_not_fit_is_refused_in_one_line() {
    let kernel = images::guest("initrd");
    // 63 MiB from 0x84000000 runs into the device tree at 0x87e00000.
    let (path, _) = initrd_file("big", 63 << 20);
    let out = rvcow(&[kernel.to_str().unwrap(), "--initrd", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", dump(&out));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("does not fit below 0x87e00000"),
        "{}",
        dump(&out)
    );
    // A directory and a missing file are named, not read.
    let dir = env!("CARGO_TARGET_TMPDIR");
    let out = rvcow(&[kernel.to_str().unwrap(), "--initrd", dir]);
    assert_eq!(out.status.code(), Some(1), "{}", dump(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("rvcow: {dir}: not a regular file\n")
    );
    let out = rvcow(&[kernel.to_str().unwrap(), "--initrd", "/no/such/initrd"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "rvcow: /no/such/initrd: no such file\n"
    );
}
