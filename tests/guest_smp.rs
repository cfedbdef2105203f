//! Multi-hart guest programs run under rvcow: exact AMO and LR/SC totals,
//! IPIs through msip, WFI idle skip over 100 virtual seconds, and
//! deterministic interleaving (two traced runs are identical).

mod guest_util;

use guest_util::{assert_passes, run};

#[test]
fn smp_amo_on_three_harts() {
    assert_passes("smp_amo", 4, &["--smp", "3"]);
    assert!(run("smp_amo", &["--smp", "3"])
        .stdout
        .contains("smp_amo: 3 harts\n"));
}

#[test]
fn smp_amo_on_eight_harts() {
    assert_passes("smp_amo", 4, &["--smp", "8"]);
}

#[test]
fn ipi_on_three_harts() {
    // 1 + 2 per answering hart + 1 + 1 per missing hart of the 8 slots.
    assert_passes("ipi", 11, &["--smp", "3"]);
}

#[test]
fn ipi_on_eight_harts() {
    assert_passes("ipi", 16, &["--smp", "8"]);
}

#[test]
fn sleep_100s_skips_idle_time() {
    // The program itself asserts 10^9 ticks passed in one WFI costing under
    // 1000 instructions; the 50M-instruction budget bounds the run.
    assert_passes("sleep_100s", 4, &["--smp", "3"]);
}

#[test]
fn smp_trace_is_deterministic() {
    let a = run("smp_amo", &["--smp", "3", "--trace"]);
    let b = run("smp_amo", &["--smp", "3", "--trace"]);
    assert_eq!(a.code, Some(0), "{}", a.dump());
    assert!(
        a.stdout.len() + a.stderr.len() > 100_000,
        "the trace is missing"
    );
    assert!(
        a.stdout == b.stdout && a.stderr == b.stderr,
        "two runs of one SMP guest traced differently"
    );
}
