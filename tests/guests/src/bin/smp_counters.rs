//! SMP atomics: every hart (as many as the device tree lists) adds 1 to one
//! counter 10000 times with AMOADD.W and to another 10000 times with an
//! LR.W/SC.W loop; hart 0 waits for all and checks both totals exactly.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use guests::check::{eq, is};
use guests::println;

const ITERS: u32 = 10_000;
/// Rounds hart 0 waits for the others before giving up.
const WAIT_ROUNDS: u64 = 50_000_000;

static AMO: AtomicU32 = AtomicU32::new(0);
static LRSC: AtomicU32 = AtomicU32::new(0);
static SC_FAILS: AtomicU32 = AtomicU32::new(0);
static DONE: AtomicUsize = AtomicUsize::new(0);

/// The work of one hart.
fn work() {
    let amo = AMO.as_ptr();
    let lrsc = LRSC.as_ptr();
    let mut fails: u32 = 0;
    for _ in 0..ITERS {
        // SAFETY: an atomic add to a static counter.
        unsafe {
            core::arch::asm!("amoadd.w zero, {one}, ({p})", one = in(reg) 1, p = in(reg) amo)
        };
    }
    for _ in 0..ITERS {
        // SAFETY: an LR/SC increment of a static counter; t counts failed SCs.
        unsafe {
            core::arch::asm!(
                "1: lr.w {v}, ({p})",
                "addiw {v}, {v}, 1",
                "sc.w {t}, {v}, ({p})",
                "beqz {t}, 2f",
                "addiw {f}, {f}, 1",
                "j 1b",
                "2:",
                p = in(reg) lrsc,
                v = out(reg) _,
                t = out(reg) _,
                f = inout(reg) fails,
            )
        };
    }
    SC_FAILS.fetch_add(fails, Ordering::Relaxed);
    DONE.fetch_add(1, Ordering::Release);
}

extern "C" fn secondary(hart: usize) {
    guests::set_msip(hart, false);
    work();
}

#[no_mangle]
extern "C" fn guest_main(_hartid: u64, dtb: u64) {
    let harts = guests::devtree::hart_count(dtb);
    println!("smp_counters: {harts} harts");
    guests::start_secondaries(secondary, harts);
    work();
    let all = (0..WAIT_ROUNDS).any(|_| DONE.load(Ordering::Acquire) == harts);
    if !all {
        println!(
            "only {} of {harts} harts finished",
            DONE.load(Ordering::Acquire)
        );
    }
    is("every hart finished", all);
    eq(
        "AMOADD.W total",
        AMO.load(Ordering::Relaxed) as u64,
        harts as u64 * ITERS as u64,
    );
    eq(
        "LR/SC total",
        LRSC.load(Ordering::Relaxed) as u64,
        harts as u64 * ITERS as u64,
    );
    println!(
        "smp_counters: {} failed SCs",
        SC_FAILS.load(Ordering::Relaxed)
    );
    guests::check::pass("smp_counters");
}
