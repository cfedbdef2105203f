//! WFI idle skip: hart 0 sleeps 100 virtual seconds (10^9 ticks of the
//! 10 MHz timebase) in WFI while the other harts sleep too. Under rvcow time
//! jumps to the deadline, so the sleep costs few instructions.
#![no_std]
#![no_main]

use guests::check::is;
use guests::csr::irq;
use guests::{csrr, csrw, mtime, println, set_mtimecmp};

/// 100 s at 10 MHz.
const TICKS: u64 = 1_000_000_000;

#[no_mangle]
extern "C" fn guest_main() {
    csrw!(mie, 1 << irq::MTI);
    let (t0, i0) = (mtime(), csrr!(minstret));
    set_mtimecmp(0, t0 + TICKS);
    let mut wakes = 0u64;
    while mtime() < t0 + TICKS {
        // SAFETY: MIE is 0; WFI returns once MTIP is pending.
        unsafe { core::arch::asm!("wfi") };
        wakes += 1;
    }
    let (t1, i1) = (mtime(), csrr!(minstret));
    set_mtimecmp(0, u64::MAX);
    println!(
        "slept {} ticks in {} instructions, {} wakes",
        t1 - t0,
        i1 - i0,
        wakes
    );
    is("100 virtual seconds passed", t1 - t0 >= TICKS);
    is("time CSR agrees", csrr!(time) >= t1);
    if !guests::on_qemu() {
        // Idle skip: the deadline is reached in one WFI and a handful of
        // instructions (QEMU's minstret counts host ticks instead).
        is("one WFI sleeps to the deadline", wakes == 1);
        is("the sleep costs few instructions", i1 - i0 < 1000);
    }
    guests::check::pass("sleep_100s");
}
