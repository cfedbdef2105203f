//! Self-checking privileged-architecture guest programs (tests/guests) run
//! under rvcow: traps, delegation, xRET, CSR WARL, interrupts and counters;
//! and the negative control that proves a failing guest fails the run.

mod guest_util;

use guest_util::{assert_passes, run};

#[test]
fn priv_traps() {
    // One more check than under QEMU: mret to U clears MPRV.
    assert_passes("priv_traps", 166, &[]);
}

#[test]
fn irq_timer() {
    // Two more checks than under QEMU: exact minstret/instret counts.
    assert_passes("irq_timer", 50, &[]);
}

#[test]
fn irq_timer_on_one_hart() {
    assert_passes("irq_timer", 50, &["--smp", "1"]);
}

#[test]
fn negative_control_fails_with_its_check_number() {
    let r = run("negative", &[]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(
        r.stdout
            .contains("FAIL 2: deliberately false: got 0x1, want 0x2\n"),
        "{}",
        r.dump()
    );
    assert!(!r.stdout.contains("checks passed"), "{}", r.dump());
}

#[test]
fn guest_exit_code_passes_through() {
    let r = run("exit_code", &[]);
    assert_eq!(r.code, Some(42), "{}", r.dump());
    assert!(r.stdout.contains("exiting with 42\n"), "{}", r.dump());
}

#[test]
fn instruction_budget_stops_a_spinning_guest() {
    // irq_timer cannot finish in 1000 instructions: rvcow must stop it with a
    // non-zero status, not report a pass.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .arg(images::guest("irq_timer"))
        .args(["--max-insns", "1000"])
        .output()
        .expect("cannot start rvcow");
    assert!(!out.status.success(), "a guest cut short must not pass");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("checks passed"));
}
