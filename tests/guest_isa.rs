//! Self-checking ISA guest programs (tests/guests) run under rvcow: RV64IM
//! and C, the A extension, F and D.

mod guest_util;

use guest_util::assert_passes;

#[test]
fn isa_int() {
    assert_passes("isa_int", 115, &[]);
}

#[test]
fn isa_amo() {
    // Three more checks than under QEMU: the misaligned SC trap.
    assert_passes("isa_amo", 59, &[]);
}

#[test]
fn isa_fp() {
    assert_passes("isa_fp", 391, &[]);
}

#[test]
fn isa_int_on_one_hart() {
    assert_passes("isa_int", 115, &["--smp", "1"]);
}
