//! Benchmark: a CoreMark-like mix (`guests::mix`) in M-mode, no
//! translation; prints instructions retired and a checksum.
#![no_std]
#![no_main]

use core::hint::black_box;
use guests::{csrr, println};

#[no_mangle]
extern "C" fn guest_main() {
    let start = csrr!(minstret);
    let crc = guests::mix::run(black_box(16_000));
    let insns = csrr!(minstret) - start;
    println!("bench_mix: {} instructions, checksum {:#06x}", insns, crc);
}
