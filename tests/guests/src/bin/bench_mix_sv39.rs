//! Benchmark: the CoreMark-like mix of `bench_mix` (`guests::mix`) in
//! S-mode with Sv39 on: CPU-bound code whose every fetch, load and store
//! is translated; prints instructions retired and a checksum.
#![no_std]
#![no_main]

use core::hint::black_box;
use guests::println;

extern "C" fn kernel(iterations: u64) -> u64 {
    guests::mix::run(iterations as u32) as u64
}

#[no_mangle]
extern "C" fn guest_main() {
    let (crc, insns) = guests::vm::run_in_sv39(kernel, black_box(16_000));
    println!(
        "bench_mix_sv39: {} instructions, checksum {:#06x}",
        insns, crc
    );
}
