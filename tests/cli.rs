// Bad input on the command line: one line naming the file and the reason, and a
// non-zero exit, never a panic.

use std::path::PathBuf;
use std::process::{Command, Output};

fn rvcow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(args)
        .output()
        .expect("rvcow runs")
}

/// Asserts a failed run with exit status 1 and exactly one stderr line.
fn one_line_error(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "expected one line, got: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err.trim_end().to_string()
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rvcow-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A minimal ELF64 with one PT_LOAD of 4 bytes at `addr`.
fn elf(class: u8, machine: u16, addr: u64, entry: u64) -> Vec<u8> {
    let mut v = vec![0u8; 120];
    v[..4].copy_from_slice(b"\x7fELF");
    v[4] = class;
    v[5] = 1;
    v[6] = 1;
    v[16..18].copy_from_slice(&2u16.to_le_bytes());
    v[18..20].copy_from_slice(&machine.to_le_bytes());
    v[20..24].copy_from_slice(&1u32.to_le_bytes());
    v[24..32].copy_from_slice(&entry.to_le_bytes());
    v[32..40].copy_from_slice(&64u64.to_le_bytes());
    v[52..54].copy_from_slice(&64u16.to_le_bytes());
    v[54..56].copy_from_slice(&56u16.to_le_bytes());
    v[56..58].copy_from_slice(&1u16.to_le_bytes());
    v[64..68].copy_from_slice(&1u32.to_le_bytes());
    v[72..80].copy_from_slice(&120u64.to_le_bytes());
    v[80..88].copy_from_slice(&addr.to_le_bytes());
    v[88..96].copy_from_slice(&addr.to_le_bytes());
    v[96..104].copy_from_slice(&4u64.to_le_bytes());
    v[104..112].copy_from_slice(&4u64.to_le_bytes());
    v.extend_from_slice(&[0x6f, 0, 0, 0]); // j .
    v
}

#[test]
fn missing_file() {
    let out = rvcow(&["/nonexistent"]);
    assert_eq!(one_line_error(&out), "rvcow: /nonexistent: no such file");
}

#[test]
fn a_directory() {
    let out = rvcow(&["/"]);
    assert_eq!(one_line_error(&out), "rvcow: /: is a directory");
}

#[test]
fn not_an_elf() {
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let out = rvcow(&[readme]);
    assert_eq!(
        one_line_error(&out),
        format!("rvcow: {readme}: not an ELF file")
    );
}

#[test]
fn elf_of_other_machines() {
    let rv32 = temp_file("rv32.elf", &elf(1, 243, 0x8000_0000, 0x8000_0000));
    let out = rvcow(&[rv32.to_str().unwrap()]);
    assert!(one_line_error(&out).ends_with("rv32.elf: 32-bit ELF, but rvcow runs RV64 only"));
    let x86 = temp_file("x86.elf", &elf(2, 62, 0x8000_0000, 0x8000_0000));
    let out = rvcow(&[x86.to_str().unwrap()]);
    assert!(one_line_error(&out).ends_with("x86.elf: ELF for machine X86_64 (62), not RISC-V"));
}

#[test]
fn segment_or_entry_outside_ram() {
    let low = temp_file("low.elf", &elf(2, 243, 0x1000, 0x8000_0000));
    let out = rvcow(&[low.to_str().unwrap()]);
    assert!(one_line_error(&out).ends_with(
        "low.elf: segment at 0x1000 (size 0x4) lies outside RAM 0x80000000..0x88000000"
    ));
    let entry = temp_file("entry.elf", &elf(2, 243, 0x8000_0000, 0x9000_0000));
    let out = rvcow(&[entry.to_str().unwrap()]);
    assert!(one_line_error(&out)
        .ends_with("entry.elf: entry point 0x90000000 lies outside RAM 0x80000000..0x88000000"));
    // The same image fits when RAM is larger.
    let high = temp_file("high.elf", &elf(2, 243, 0x8800_0000, 0x8800_0000));
    let out = rvcow(&[high.to_str().unwrap()]);
    assert!(one_line_error(&out).contains("outside RAM 0x80000000..0x88000000"));
    let out = rvcow(&[high.to_str().unwrap(), "-m", "256", "--max-insns", "1000"]);
    assert_eq!(
        out.status.code(),
        Some(124),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn memory_size_out_of_range() {
    let ok = temp_file("ok.elf", &elf(2, 243, 0x8000_0000, 0x8000_0000));
    let out = rvcow(&[ok.to_str().unwrap(), "-m", "1"]);
    assert_eq!(
        one_line_error(&out),
        "rvcow: -m 1: RAM must be 16 to 8192 MiB"
    );
    let out = rvcow(&[ok.to_str().unwrap(), "-m", "64G"]);
    assert_eq!(
        one_line_error(&out),
        "rvcow: -m 65536: RAM must be 16 to 8192 MiB"
    );
    let out = rvcow(&[ok.to_str().unwrap(), "--smp", "9"]);
    assert_eq!(
        one_line_error(&out),
        "rvcow: --smp 9 is out of range: 1 to 8 harts"
    );
}

#[test]
fn instruction_limit_is_reported() {
    let spin = temp_file("spin.elf", &elf(2, 243, 0x8000_0000, 0x8000_0000));
    let out = rvcow(&[
        spin.to_str().unwrap(),
        "--max-insns",
        "100000",
        "--smp",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(124));
    // The limit message, then what the hart did last (the history).
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines().next(),
        Some("rvcow: instruction limit of 100000 reached"),
        "{err}"
    );
    assert!(
        err.contains("core   0: 3 0x0000000080000000 (0x0000006f)  ; jal zero,0x80000000"),
        "{err}"
    );
}

#[test]
fn bad_drive_images() {
    let ok = temp_file("drive-ok.elf", &elf(2, 243, 0x8000_0000, 0x8000_0000));
    let out = rvcow(&[ok.to_str().unwrap(), "--drive", "/nonexistent.img"]);
    assert_eq!(
        one_line_error(&out),
        "rvcow: /nonexistent.img: no such file"
    );
    let odd = temp_file("odd.img", &[0u8; 700]);
    let out = rvcow(&[ok.to_str().unwrap(), "--drive", odd.to_str().unwrap()]);
    assert!(one_line_error(&out).ends_with("odd.img: size 700 is not a multiple of 512 bytes"));
    let out = rvcow(&[ok.to_str().unwrap(), "--drive", "/"]);
    assert!(one_line_error(&out).starts_with("rvcow: /: "));
    let out = rvcow(&[ok.to_str().unwrap(), "-global", "virtio-mmio.bogus=1"]);
    assert_eq!(
        one_line_error(&out),
        "rvcow: -global virtio-mmio.bogus=1: unsupported property"
    );
}
