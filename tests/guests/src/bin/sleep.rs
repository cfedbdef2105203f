//! WFI with a timer 100 virtual seconds ahead (10 MHz timebase: 1e9 ticks):
//! time advances by at least that much while (on rvcow) only a few
//! instructions retire; then a short timer taken as an interrupt.
#![no_std]
#![no_main]

use guests::check::{eq, is};
use guests::csr::{cause, irq, mstatus};
use guests::trap;
use guests::{csrc, csrr, csrs, println};

const MTIP: u64 = 1 << irq::MTI;
const SECOND: u64 = 10_000_000;

#[no_mangle]
extern "C" fn guest_main() {
    guests::set_mtimecmp(0, u64::MAX);
    is(
        "MTIP low with mtimecmp at the end of time",
        csrr!(mip) & MTIP == 0,
    );
    let t0 = csrr!(time);
    let i0 = csrr!(minstret);
    guests::set_mtimecmp(0, t0 + 100 * SECOND);
    csrs!(mie, MTIP);
    let mut wakeups = 0u64;
    while csrr!(mip) & MTIP == 0 {
        // SAFETY: waits for the timer (mstatus.MIE is off: no trap).
        unsafe { core::arch::asm!("wfi") };
        wakeups += 1;
    }
    let t1 = csrr!(time);
    let i1 = csrr!(minstret);
    println!(
        "sleep: {} ticks, {} instructions, {wakeups} wakeups",
        t1 - t0,
        i1 - i0
    );
    is("slept 100 virtual seconds", t1 - t0 >= 100 * SECOND);
    is("woke within 10 s of the deadline", t1 - t0 < 110 * SECOND);
    is("mtime agrees with time", guests::mtime() >= t1);
    if !guests::on_qemu() {
        // Time skipped, not spun: far fewer instructions than ticks.
        is("few instructions retired", i1 - i0 < 1_000_000);
    }

    // A short timer, taken as an interrupt.
    trap::reset();
    guests::set_mtimecmp(0, csrr!(time) + SECOND);
    is("MTIP low after rearming", csrr!(mip) & MTIP == 0);
    csrs!(mstatus, mstatus::MIE);
    while trap::count() == 0 {
        // SAFETY: waits for the timer interrupt.
        unsafe { core::arch::asm!("wfi") };
    }
    csrc!(mstatus, mstatus::MIE);
    eq(
        "timer interrupt",
        trap::last().cause,
        cause::INTERRUPT | irq::MTI,
    );
    guests::check::pass("sleep");
}
