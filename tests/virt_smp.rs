// Multi-hart guest programs under rvcow: exact atomic totals across harts,
// inter-processor interrupts, and byte-identical traces of two runs.

use std::process::{Command, Output};

fn rvcow(name: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .arg(images::guest(name))
        .args(args)
        .output()
        .expect("rvcow runs")
}

fn assert_pass(name: &str, out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn amoadd_and_lr_sc_totals_are_exact() {
    for smp in ["1", "4", "8"] {
        let out = rvcow("smp_counters", &["--smp", smp, "--max-insns", "50000000"]);
        let stdout = assert_pass("smp_counters", &out);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{stdout}");
        assert_eq!(lines[0], format!("smp_counters: {smp} harts"));
        assert!(lines[1].ends_with(" failed SCs"), "{stdout}");
        assert_eq!(lines[2], "smp_counters: 3 checks passed");
    }
}

#[test]
fn msip_interrupts_each_hart() {
    for (smp, checks) in [("2", 10), ("4", 28)] {
        let out = rvcow("smp_ipi", &["--smp", smp, "--max-insns", "50000000"]);
        assert_eq!(
            assert_pass("smp_ipi", &out),
            format!("smp_ipi: {smp} harts\nsmp_ipi: {checks} checks passed\n")
        );
    }
}

#[test]
fn smp_traces_are_identical_across_runs() {
    let args = ["--smp", "3", "--trace", "--max-insns", "50000000"];
    let first = rvcow("smp_counters", &args);
    let second = rvcow("smp_counters", &args);
    let stdout = assert_pass("smp_counters", &first);
    assert_eq!(stdout, assert_pass("smp_counters", &second));
    // Every hart retired instructions: the trace interleaves all three.
    let trace = String::from_utf8_lossy(&first.stderr);
    for hart in 0..3 {
        assert!(
            trace.contains(&format!("core   {hart}: ")),
            "hart {hart} missing"
        );
    }
    assert!(first.stderr.len() > 1_000_000, "trace too short");
    assert!(first.stderr == second.stderr, "traces differ between runs");
}
