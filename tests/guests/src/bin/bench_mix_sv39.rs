//! Benchmark: the CoreMark-like mix of `bench_mix` (`guests::mix`) in
//! S-mode with Sv39 on: CPU-bound code whose every fetch, load and store
//! is translated; prints instructions retired and a checksum.
#![no_std]
#![no_main]

use core::hint::black_box;
use guests::trap::{run_in, Mode};
use guests::vm::Vm;
use guests::{csrr, println};

extern "C" fn kernel(iterations: u64) -> u64 {
    guests::mix::run(iterations as u32) as u64
}

#[no_mangle]
extern "C" fn guest_main() {
    let vm = Vm::new();
    vm.activate(Mode::S);
    let start = csrr!(minstret);
    let crc = run_in(Mode::S, kernel, black_box(16_000));
    let insns = csrr!(minstret) - start;
    guests::vm::bare();
    println!("bench_mix_sv39: {} instructions, checksum {:#06x}", insns, crc);
}
