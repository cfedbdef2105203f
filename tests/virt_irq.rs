// Interrupt guest programs under rvcow: PLIC and UART interrupts with console
// input piped into stdin, and a 100-virtual-second sleep that must cost only
// a few instructions.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn plic_uart_interrupts_and_echoed_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .arg(images::guest("plic_uart"))
        .args(["--max-insns", "50000000"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rvcow runs");
    child.stdin.take().unwrap().write_all(b"ping\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        "plic_uart: type a line\necho: ping\nplic_uart: 25 checks passed\n"
    );
}

#[test]
fn sleeping_100_virtual_seconds_skips_time() {
    // 1e9 ticks of 10 MHz time inside a budget of 5e7 instructions, on every
    // hart count: idle harts must not make time cost instructions.
    for smp in ["1", "3"] {
        let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
            .arg(images::guest("sleep"))
            .args(["--smp", smp, "--max-insns", "50000000"])
            .output()
            .expect("rvcow runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let first = stdout.lines().next().unwrap_or("");
        let ticks: u64 = first
            .strip_prefix("sleep: ")
            .and_then(|r| r.split(' ').next())
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("no tick count in {first:?}"));
        assert!((1_000_000_000..1_100_000_000).contains(&ticks), "{first}");
        assert!(stdout.ends_with("sleep: 7 checks passed\n"), "{stdout}");
    }
}
