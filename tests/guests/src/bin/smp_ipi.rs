//! Inter-processor interrupts through CLINT msip: hart 0 interrupts each
//! other hart in turn; only that hart takes a machine software interrupt,
//! clears its msip and answers with an IPI to hart 0. Then all at once.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use guests::check::{eq, is};
use guests::csr::{cause, irq, mstatus};
use guests::trap::{self, Frame, Trap};
use guests::{csrs, println, CLINT, MAX_HARTS};

const MSIP: u64 = 1 << irq::MSI;
const WAIT_ROUNDS: u64 = 10_000_000;

static READY: [AtomicBool; MAX_HARTS] = [const { AtomicBool::new(false) }; MAX_HARTS];
static TAKEN: [AtomicU32; MAX_HARTS] = [const { AtomicU32::new(0) }; MAX_HARTS];
static REPLIES: AtomicU32 = AtomicU32::new(0);

fn msip(h: usize) -> u32 {
    // SAFETY: msip[h] is a 32-bit CLINT register.
    unsafe { ((CLINT + 4 * h as u64) as *const u32).read_volatile() }
}

/// Secondary harts: count the IPI, clear it, answer hart 0.
fn secondary_hook(_: &mut Frame, t: &Trap) -> bool {
    if t.cause != cause::INTERRUPT | irq::MSI {
        return false;
    }
    let me = guests::hart_id();
    guests::set_msip(me, false);
    TAKEN[me].fetch_add(1, Ordering::Release);
    guests::set_msip(0, true);
    true
}

/// Hart 0: count the answer and clear it.
fn hart0_hook(_: &mut Frame, t: &Trap) -> bool {
    if t.cause != cause::INTERRUPT | irq::MSI {
        return false;
    }
    guests::set_msip(0, false);
    REPLIES.fetch_add(1, Ordering::Release);
    true
}

extern "C" fn secondary(hart: usize) {
    guests::set_msip(hart, false);
    trap::set_m_hook(Some(secondary_hook));
    csrs!(mie, MSIP);
    csrs!(mstatus, mstatus::MIE);
    READY[hart].store(true, Ordering::Release);
    loop {
        // SAFETY: waits for the next interrupt.
        unsafe { core::arch::asm!("wfi") };
    }
}

fn wait(cond: impl Fn() -> bool) -> bool {
    (0..WAIT_ROUNDS).any(|_| cond())
}

#[no_mangle]
extern "C" fn guest_main(_hartid: u64, dtb: u64) {
    let harts = guests::devtree::hart_count(dtb);
    println!("smp_ipi: {harts} harts");
    is("at least two harts", harts >= 2);
    trap::set_m_hook(Some(hart0_hook));
    csrs!(mie, MSIP);
    csrs!(mstatus, mstatus::MIE);
    guests::start_secondaries(secondary, harts);
    for ready in &READY[1..harts] {
        is("secondary ready", wait(|| ready.load(Ordering::Acquire)));
    }
    let taken = &TAKEN[1..harts];
    let total: u32 = taken.iter().map(|t| t.load(Ordering::Relaxed)).sum();
    eq("no IPI taken yet", total as u64, 0);
    for (i, target) in taken.iter().enumerate() {
        let h = i + 1;
        guests::set_msip(h, true);
        is(
            "target took the IPI",
            wait(|| target.load(Ordering::Acquire) == 1),
        );
        is(
            "hart 0 got the answer",
            wait(|| REPLIES.load(Ordering::Acquire) == h as u32),
        );
        eq("target cleared its msip", msip(h) as u64, 0);
        for (j, other) in taken.iter().enumerate() {
            let want = (j <= i) as u64;
            eq(
                "only the target took it",
                other.load(Ordering::Relaxed) as u64,
                want,
            );
        }
    }
    for h in 1..harts {
        guests::set_msip(h, true);
    }
    for target in taken {
        is(
            "broadcast taken",
            wait(|| target.load(Ordering::Acquire) == 2),
        );
    }
    // Answers may coalesce: msip is one bit, not a counter.
    is(
        "answers to the broadcast",
        wait(|| REPLIES.load(Ordering::Acquire) > harts as u32 - 1),
    );
    eq("msip[0] clear", msip(0) as u64 & 1, 0);
    guests::check::pass("smp_ipi");
}
