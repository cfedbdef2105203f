//! Negative control: one true check, then a false one on purpose, so that the
//! host test sees exit status 2 and proves a failing guest fails the harness.
#![no_std]
#![no_main]

use guests::check::eq;

#[no_mangle]
extern "C" fn guest_main() {
    eq("one plus one", 1 + core::hint::black_box(1), 2);
    eq("deliberately false", core::hint::black_box(1), 2);
    guests::check::pass("negative");
}
