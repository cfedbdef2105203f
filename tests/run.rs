// Headless runs of bare-metal guests: console output, exit status, --expect,
// limits, and the instruction trace.

use std::process::{Command, Output};

fn rvcow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(args)
        .output()
        .expect("rvcow runs")
}

fn guest(name: &str) -> String {
    images::guest(name).to_str().unwrap().to_string()
}

#[test]
fn prints_and_exits_with_the_guest_status() {
    let out = rvcow(&[&guest("hello"), "--max-insns", "1000000"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from rvcow\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rvcow(&[&guest("exit_code"), "--max-insns", "1000000"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "exiting with 42\n");
    assert_eq!(out.status.code(), Some(42));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn expect_ends_the_run_early_or_fails_clearly() {
    let out = rvcow(&[
        &guest("exit_code"),
        "--expect",
        "with 4",
        "--max-insns",
        "1000000",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let out = rvcow(&[
        &guest("hello"),
        "--expect",
        "goodbye",
        "--max-insns",
        "1000000",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "rvcow: guest powered off (status 0) before 'goodbye' appeared\n"
    );
}

#[test]
fn trace_is_spike_shaped() {
    let out = rvcow(&[
        &guest("hello"),
        "--smp",
        "1",
        "--trace",
        "--max-insns",
        "1000000",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let trace = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = trace.lines().collect();
    // The reset ROM of QEMU virt, then the program's first instruction.
    assert_eq!(
        lines[0],
        "core   0: 3 0x0000000000001000 (0x00000297) x5  0x0000000000001000  ; auipc t0,0x0"
    );
    assert_eq!(
        lines[1],
        "core   0: 3 0x0000000000001004 (0x02828613) x12 0x0000000000001028  ; addi a2,t0,40"
    );
    assert_eq!(lines[2], "core   0: 3 0x0000000000001008 (0xf1402573) x10 0x0000000000000000  ; csrrs a0,mhartid,zero");
    assert!(lines[3].starts_with("core   0: 3 0x000000000000100c (0x0202b583) x11 0x0000000087e00000 mem 0x0000000000001020  ; ld a1,32(t0)"), "{}", lines[3]);
    assert!(
        lines[5].starts_with("core   0: 3 0x0000000000001014 (0x00028067)  ; jalr zero,0(t0)"),
        "{}",
        lines[5]
    );
    assert!(
        lines[6].starts_with("core   0: 3 0x0000000080000000 "),
        "{}",
        lines[6]
    );
    // A store to the UART shows its address and value.
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" mem 0x0000000010000000 0x68")),
        "no store of 'h' to the UART in the trace"
    );
    // Every line has the same shape.
    for l in &lines {
        assert!(l.starts_with("core   0: 3 0x"), "{l}");
        assert!(l.contains("  ; "), "{l}");
    }
    // The trace is deterministic.
    let again = rvcow(&[
        &guest("hello"),
        "--smp",
        "1",
        "--trace",
        "--max-insns",
        "1000000",
    ]);
    assert_eq!(again.stderr, out.stderr);
}
