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

/// A minimal ELF64 RISC-V executable: `j .` at 0x80000000.
fn spin_elf() -> Vec<u8> {
    let mut v = vec![0u8; 120];
    v[..4].copy_from_slice(b"\x7fELF");
    (v[4], v[5], v[6]) = (2, 1, 1);
    v[16..18].copy_from_slice(&2u16.to_le_bytes());
    v[18..20].copy_from_slice(&243u16.to_le_bytes());
    v[20..24].copy_from_slice(&1u32.to_le_bytes());
    v[24..32].copy_from_slice(&0x8000_0000u64.to_le_bytes());
    v[32..40].copy_from_slice(&64u64.to_le_bytes());
    v[52..54].copy_from_slice(&64u16.to_le_bytes());
    v[54..56].copy_from_slice(&56u16.to_le_bytes());
    v[56..58].copy_from_slice(&1u16.to_le_bytes());
    v[64..68].copy_from_slice(&1u32.to_le_bytes());
    v[68..72].copy_from_slice(&7u32.to_le_bytes());
    v[72..80].copy_from_slice(&120u64.to_le_bytes());
    v[80..88].copy_from_slice(&0x8000_0000u64.to_le_bytes());
    v[88..96].copy_from_slice(&0x8000_0000u64.to_le_bytes());
    v[96..104].copy_from_slice(&4u64.to_le_bytes());
    v[104..112].copy_from_slice(&4u64.to_le_bytes());
    v.extend_from_slice(&[0x6f, 0, 0, 0]);
    v
}

/// The `total instructions` of a `--stats` report.
fn total_insns(out: &Output) -> u64 {
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find_map(|l| l.strip_prefix("total instructions"))
        .unwrap_or_else(|| panic!("no statistics: {err}"));
    line.trim().parse().unwrap()
}

#[test]
fn max_insns_is_exact() {
    let spin = temp_file("spin.elf", &spin_elf());
    for (n, smp) in [("0", "3"), ("1", "3"), ("7", "1"), ("2500", "3")] {
        let out = rvcow(&[&spin, "--max-insns", n, "--smp", smp, "--stats"]);
        assert_eq!(out.status.code(), Some(124));
        assert_eq!(
            total_insns(&out),
            n.parse::<u64>().unwrap(),
            "--max-insns {n}"
        );
    }
    // The one instruction is the first of the reset ROM.
    let out = rvcow(&[&spin, "--max-insns", "1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rvcow: last 1 instructions of hart 0:\ncore   0: 3 0x0000000000001000 (0x00000297)  ; auipc t0,0x0\n"),
        "{err}"
    );
    // A guest that would power off within its first round does not.
    let out = rvcow(&[&guest("exit_code"), "--max-insns", "0"]);
    assert_eq!(out.status.code(), Some(124));
    assert!(out.stdout.is_empty());
}

#[test]
fn odd_option_values_are_refused_in_one_line() {
    let spin = temp_file("opts.elf", &spin_elf());
    for t in ["-1", "nan", "inf", "1e300", "-0.5", "x"] {
        let out = rvcow(&[&spin, &format!("--timeout={t}"), "--max-insns", "10"]);
        assert_eq!(
            one_line_error(&out, 2),
            format!("rvcow: invalid value '{t}' for '--timeout <SECS>': '{t}' is not a number of seconds (0 or more) (see --help)")
        );
    }
    // 17592186044432 MiB is 16 MiB more than 2^64 bytes.
    let out = rvcow(&[&spin, "-m", "17592186044432"]);
    assert_eq!(
        one_line_error(&out, 1),
        "rvcow: -m 17592186044432: RAM must be 16 to 8192 MiB"
    );
    let out = rvcow(&[&spin, "-m", "18014398509481984G"]);
    assert!(
        one_line_error(&out, 2).ends_with("'18014398509481984G' is too large a size (see --help)")
    );
    let out = rvcow(&[&spin, "--expect", ""]);
    assert_eq!(
        one_line_error(&out, 2),
        "rvcow: a value is required for '--expect <PATTERN>' but none was supplied (see --help)"
    );
    let out = rvcow(&[&spin, "--no-such-option"]);
    assert_eq!(
        one_line_error(&out, 2),
        "rvcow: unexpected argument '--no-such-option' found; to pass '--no-such-option' as a value, use '-- --no-such-option' (see --help)"
    );
    // Help and version are no errors; --version answers as QEMU does (the
    // labs' Makefiles read it), -V as rvcow.
    let out = rvcow(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("QEMU emulator version 7.2.0 (rvcow "));
    let out = rvcow(&["-V"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("rvcow "));
}

#[test]
fn only_regular_files_are_read() {
    let spin = temp_file("regular.elf", &spin_elf());
    let fifo = scratch("fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let fifo = fifo.to_str().unwrap();
    // A FIFO with no writer would block any read, and its open too.
    for args in [
        vec![fifo],
        vec![&spin, "--bios", fifo],
        vec![&spin, "--symbols", fifo],
        vec![&spin, "--drive", fifo],
        vec![&spin, "--snapshot", "--drive", fifo],
        vec!["/dev/zero"],
        vec!["/dev/urandom"],
        vec![&spin, "--bios", "/dev/null"],
    ] {
        let out = rvcow(&args);
        let name = args.last().unwrap();
        assert_eq!(
            one_line_error(&out, 1),
            format!("rvcow: {name}: not a regular file")
        );
    }
    let empty = temp_file("empty.bin", b"");
    let out = rvcow(&[&spin, "--bios", &empty]);
    assert_eq!(
        one_line_error(&out, 1),
        format!("rvcow: {empty}: empty file: nothing to run")
    );
}

#[test]
fn files_larger_than_ram_are_not_read() {
    // A sparse file: 3 GiB that take no disk space, and would take 3 GiB of
    // memory to read.
    let big = scratch("sparse.bin");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(3 << 30).unwrap();
    let big = big.to_str().unwrap();
    let out = rvcow(&[big]);
    assert_eq!(
        one_line_error(&out, 1),
        format!("rvcow: {big}: 3221225472 bytes is larger than 128 MiB of RAM")
    );
    let spin = temp_file("small.elf", &spin_elf());
    let out = rvcow(&[&spin, "-m", "16", "--bios", big]);
    assert_eq!(
        one_line_error(&out, 1),
        format!("rvcow: {big}: 3221225472 bytes is larger than 16 MiB of RAM")
    );
    let out = rvcow(&[&spin, "--symbols", big]);
    assert_eq!(
        one_line_error(&out, 1),
        format!("rvcow: {big}: 3221225472 bytes is larger than 1024 MiB")
    );
    std::fs::remove_file(big).unwrap();
}

#[test]
fn smaller_errors_name_the_file() {
    let file = temp_file("not-a-dir", b"x");
    let out = rvcow(&["--dump-image", &file]);
    assert_eq!(
        one_line_error(&out, 1),
        format!("rvcow: --dump-image {file}: exists and is not a directory")
    );
    // A trace that cannot be written ends the run.
    let spin = temp_file("trace.elf", &spin_elf());
    let out = rvcow(&[
        &spin,
        "--trace",
        "--trace-file",
        "/dev/full",
        "--max-insns",
        "100000000",
    ]);
    assert_eq!(
        one_line_error(&out, 1),
        "rvcow: /dev/full: cannot write the trace: No space left on device"
    );
    // A FIFO nobody reads would block the open.
    let fifo = scratch("trace-fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let fifo = fifo.to_str().unwrap();
    let out = rvcow(&[&spin, "--trace", "--trace-file", fifo, "--max-insns", "10"]);
    assert_eq!(
        one_line_error(&out, 1),
        format!("rvcow: {fifo}: a FIFO with no reader")
    );
}

#[test]
fn usage_errors_are_one_line_with_what_is_missing() {
    // -S is QEMU's too: without a gdb port it is an option rvcow cannot honour.
    let out = rvcow(&["-S"]);
    assert_eq!(
        one_line_error(&out, 1),
        "rvcow: -S: needs -gdb or -s (rvcow has no monitor to continue from)"
    );
    let out = rvcow(&["--max-insn", "5"]);
    assert_eq!(
        one_line_error(&out, 2),
        "rvcow: unexpected argument '--max-insn' found; a similar argument exists: '--max-insns' (see --help)"
    );
}
