//! SMP atomics: every hart adds to one counter with AMOADD and to another
//! with an LR/SC loop; the totals must be exact, and every hart must run.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};
use guests::check::eq;
use guests::println;

/// Increments per hart and per counter.
const K: u64 = 2000;
/// Spins before hart 0 declares the others hung.
const SPIN: u64 = 50_000_000;

static AMO_COUNTER: AtomicU64 = AtomicU64::new(0);
static LRSC_COUNTER: AtomicU64 = AtomicU64::new(0);
static RAN: AtomicU64 = AtomicU64::new(0);
static DONE: AtomicU64 = AtomicU64::new(0);

/// Adds 1 to LRSC_COUNTER with an lr.d/sc.d retry loop.
fn lrsc_inc() {
    // SAFETY: an LR/SC loop on a static counter.
    unsafe {
        core::arch::asm!(
            "1: lr.d {t}, ({a})",
            "addi {t}, {t}, 1",
            "sc.d {t}, {t}, ({a})",
            "bnez {t}, 1b",
            t = out(reg) _,
            a = in(reg) LRSC_COUNTER.as_ptr(),
        )
    };
}

fn work(hart: usize) {
    RAN.fetch_or(1 << hart, Ordering::SeqCst);
    for _ in 0..K {
        AMO_COUNTER.fetch_add(1, Ordering::Relaxed);
        lrsc_inc();
    }
    DONE.fetch_add(1, Ordering::SeqCst);
}

extern "C" fn secondary(hart: usize) {
    work(hart);
}

#[no_mangle]
extern "C" fn guest_main() {
    let Some(n) = guests::fdt::hart_count() else {
        println!("FAIL: no device tree in a1");
        guests::exit(100);
    };
    println!("smp_amo: {n} harts");
    guests::start_secondaries(secondary, n);
    work(0);
    let mut spins = 0;
    while DONE.load(Ordering::SeqCst) < n as u64 && spins < SPIN {
        spins += 1;
    }
    eq("every hart finished", DONE.load(Ordering::SeqCst), n as u64);
    eq("every hart ran", RAN.load(Ordering::SeqCst), (1 << n) - 1);
    eq(
        "amoadd total",
        AMO_COUNTER.load(Ordering::SeqCst),
        n as u64 * K,
    );
    eq(
        "lr/sc total",
        LRSC_COUNTER.load(Ordering::SeqCst),
        n as u64 * K,
    );
    guests::check::pass("smp_amo");
}
