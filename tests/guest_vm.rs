//! The Sv39 guest program (tests/guests/src/bin/sv39.rs) run under rvcow:
//! page sizes, permissions with SUM/MXR, A/D, faults, SFENCE.VMA, MPRV.

mod guest_util;

use guest_util::assert_passes;

#[test]
fn sv39() {
    assert_passes("sv39", 774, &[]);
}
