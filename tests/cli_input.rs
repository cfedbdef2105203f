// Input rvcow must refuse in one line or accept: odd option values, files
// that are not regular, oversized images, ELFs with corrupt extras.

use std::path::PathBuf;
use std::process::{Command, Output};

fn rvcow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(args)
        .output()
        .expect("rvcow runs")
}

/// Asserts a failed run with exit status `code` and exactly one stderr line.
fn one_line_error(out: &Output, code: i32) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "expected one line, got: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err.trim_end().to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rvcow-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn temp_file(name: &str, bytes: &[u8]) -> String {
    let p = scratch(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

fn guest(name: &str) -> String {
    images::guest(name).to_str().unwrap().to_string()
}

#[test]
fn corrupt_section_headers_warn_and_boot() {
    let mut elf = std::fs::read(guest("hello")).unwrap();
    elf[40..48].copy_from_slice(&u64::MAX.to_le_bytes()); // e_shoff
    let path = temp_file("noshdr.elf", &elf);
    let out = rvcow(&[&path, "--max-insns", "1000000"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from rvcow\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "rvcow: warning: {path}: symbols not read: section header 0 lies outside the file\n"
        )
    );
}
