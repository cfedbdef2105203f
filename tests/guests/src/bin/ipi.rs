//! Inter-processor interrupts through CLINT msip: hart 0 interrupts each
//! other hart in turn; each answers with an IPI back, which wakes hart 0
//! from WFI.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};
use guests::check::eq;
use guests::csr::{cause, irq, mstatus};
use guests::trap::{self, Frame, Trap};
use guests::{csrs, csrw, hart_id, println, set_msip, MAX_HARTS};

const SPIN: u64 = 50_000_000;

static READY: AtomicU64 = AtomicU64::new(0);
static REPLIES: AtomicU64 = AtomicU64::new(0);
/// IPIs received by each hart.
static GOT: [AtomicU64; MAX_HARTS] = [const { AtomicU64::new(0) }; MAX_HARTS];

/// Every hart's M hook: a software interrupt is an IPI; clear it and count
/// it; a secondary answers hart 0.
fn on_ipi(_: &mut Frame, t: &Trap) -> bool {
    if t.cause != cause::INTERRUPT | irq::MSI {
        return false;
    }
    let me = hart_id();
    set_msip(me, false);
    GOT[me].fetch_add(1, Ordering::SeqCst);
    if me == 0 {
        REPLIES.fetch_add(1, Ordering::SeqCst);
    } else {
        set_msip(0, true);
    }
    true
}

extern "C" fn secondary(_hart: usize) {
    trap::set_m_hook(Some(on_ipi));
    csrw!(mie, 1 << irq::MSI);
    csrs!(mstatus, mstatus::MIE);
    READY.fetch_add(1, Ordering::SeqCst);
    loop {
        // SAFETY: sleeping until the next IPI.
        unsafe { core::arch::asm!("wfi") };
    }
}

#[no_mangle]
extern "C" fn guest_main() {
    let Some(n) = guests::fdt::hart_count() else {
        println!("FAIL: no device tree in a1");
        guests::exit(100);
    };
    println!("ipi: {n} harts");
    trap::set_m_hook(Some(on_ipi));
    guests::start_secondaries(secondary, n);
    let mut spins = 0;
    while READY.load(Ordering::SeqCst) < n as u64 - 1 && spins < SPIN {
        spins += 1;
    }
    eq(
        "every secondary is ready",
        READY.load(Ordering::SeqCst),
        n as u64 - 1,
    );
    csrw!(mie, 1 << irq::MSI);
    for (h, got) in GOT.iter().enumerate().take(n).skip(1) {
        set_msip(h, true);
        // Sleep until hart h answers: its reply wakes this WFI (MIE=0, so the
        // reply cannot slip in between the check and the WFI), and is then
        // taken in the window that follows.
        let mut wakes = 0;
        while REPLIES.load(Ordering::SeqCst) < h as u64 && wakes < SPIN {
            // SAFETY: MIE is set inside the window only.
            unsafe { core::arch::asm!("wfi", "csrsi mstatus, 8", "csrci mstatus, 8") };
            wakes += 1;
        }
        eq("hart answered", REPLIES.load(Ordering::SeqCst), h as u64);
        eq("hart got exactly one IPI", got.load(Ordering::SeqCst), 1);
    }
    eq(
        "hart 0 got one reply per hart",
        GOT[0].load(Ordering::SeqCst),
        n as u64 - 1,
    );
    for got in GOT.iter().skip(n) {
        eq("no IPI to a missing hart", got.load(Ordering::SeqCst), 0);
    }
    guests::check::pass("ipi");
}
