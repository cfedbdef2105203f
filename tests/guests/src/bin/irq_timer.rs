//! Interrupts and counters: CLINT mtimecmp raises MTIP, msip raises MSIP, WFI
//! wakes on a pending enabled interrupt, Sstc stimecmp (menvcfg.STCE) raises
//! a supervisor timer interrupt in S-mode, the priority order of several
//! pending interrupts, and cycle/instret/time advancing. stimecmp is CSR
//! 0x14d, named by number.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};
use guests::check::{eq, is};
use guests::csr::{cause, irq, mstatus};
use guests::trap::{self, run_in, Frame, Mode, Trap};
use guests::{csrc, csrr, csrs, csrw, mtime, set_msip, set_mtimecmp};

const STCE: u64 = 1 << 63;
/// Spin iterations before a wait is declared hung.
const SPIN: u64 = 20_000_000;

/// mtime seen by the last timer interrupt hook.
static SEEN: AtomicU64 = AtomicU64::new(0);

fn int(code: u64) -> u64 {
    cause::INTERRUPT | code
}

/// M hook: silences whichever interrupt came, recording mtime for timers.
fn m_hook(_: &mut Frame, t: &Trap) -> bool {
    match t.cause {
        c if c == int(irq::MTI) => {
            SEEN.store(mtime(), Ordering::Relaxed);
            set_mtimecmp(0, u64::MAX);
        }
        c if c == int(irq::MSI) => set_msip(0, false),
        c if c == int(irq::SSI) => csrc!(mip, 1 << irq::SSI),
        c if c == int(irq::STI) => csrc!(mip, 1 << irq::STI),
        _ => return false,
    }
    true
}

/// S hook: a supervisor timer interrupt pushes stimecmp out.
fn s_hook(_: &mut Frame, t: &Trap) -> bool {
    if t.cause == int(irq::STI) {
        SEEN.store(csrr!(time), Ordering::Relaxed);
        csrw!(0x14d, u64::MAX);
        return true;
    }
    false
}

/// Spins with interrupts enabled until a trap arrives; returns the spins.
fn wait_for_trap() -> u64 {
    let mut n = 0;
    while trap::count() == 0 && n < SPIN {
        n += 1;
    }
    n
}

fn machine_timer() {
    set_mtimecmp(0, u64::MAX);
    eq(
        "MTIP low with mtimecmp = max",
        csrr!(mip) & (1 << irq::MTI),
        0,
    );
    let deadline = mtime() + 1000;
    set_mtimecmp(0, deadline);
    eq(
        "MTIP low before the deadline",
        csrr!(mip) & (1 << irq::MTI),
        0,
    );
    let mut n = 0;
    while csrr!(mip) & (1 << irq::MTI) == 0 && n < SPIN {
        n += 1;
    }
    is("MTIP rises", csrr!(mip) & (1 << irq::MTI) != 0);
    is("MTIP not before the deadline", mtime() >= deadline);
    eq("no trap while MIE=0", trap::count() as u64, 0);
    csrs!(mie, 1 << irq::MTI);
    trap::reset();
    csrs!(mstatus, mstatus::MIE);
    wait_for_trap();
    csrc!(mstatus, mstatus::MIE);
    eq("machine timer interrupt", trap::last().cause, int(irq::MTI));
    eq("taken once", trap::count() as u64, 1);
    is(
        "interrupt at or after the deadline",
        SEEN.load(Ordering::Relaxed) >= deadline,
    );
    eq(
        "MTIP cleared by mtimecmp write",
        csrr!(mip) & (1 << irq::MTI),
        0,
    );
    eq(
        "MPIE holds the old MIE",
        trap::last().status & mstatus::MPIE,
        mstatus::MPIE,
    );

    // A deadline in the past raises MTIP at once.
    set_mtimecmp(0, 0);
    is(
        "mtimecmp in the past: MTIP",
        csrr!(mip) & (1 << irq::MTI) != 0,
    );
    set_mtimecmp(0, u64::MAX);
    csrc!(mie, 1 << irq::MTI);
}

fn software() {
    // SAFETY: msip[0] of the CLINT.
    let msip = || unsafe { (guests::CLINT as *const u32).read_volatile() };
    set_msip(0, true);
    eq("msip reads 1", msip() as u64, 1);
    is("MSIP pending", csrr!(mip) & (1 << irq::MSI) != 0);
    csrs!(mie, 1 << irq::MSI);
    trap::reset();
    csrs!(mstatus, mstatus::MIE);
    wait_for_trap();
    csrc!(mstatus, mstatus::MIE);
    eq(
        "machine software interrupt",
        trap::last().cause,
        int(irq::MSI),
    );
    eq("msip cleared", msip() as u64, 0);
    eq("MSIP cleared", csrr!(mip) & (1 << irq::MSI), 0);
    csrc!(mie, 1 << irq::MSI);

    // Interrupts are taken in U-mode even with mstatus.MIE = 0.
    set_msip(0, true);
    csrs!(mie, 1 << irq::MSI);
    trap::reset();
    extern "C" fn spin_u(_: u64) -> u64 {
        let mut n = 0u64;
        while n < 1000 {
            n = core::hint::black_box(n + 1);
        }
        n
    }
    run_in(Mode::U, spin_u, 0);
    eq(
        "MSI taken in U with MIE=0",
        trap::last().cause,
        int(irq::MSI),
    );
    eq("MSI from U: MPP", trap::last().from, 0);
    csrc!(mie, 1 << irq::MSI);
}

fn wfi() {
    // WFI with MIE=0 wakes on a pending enabled interrupt and takes no trap.
    let deadline = mtime() + 5000;
    set_mtimecmp(0, deadline);
    csrs!(mie, 1 << irq::MTI);
    trap::reset();
    // SAFETY: WFI stalls until MTIP.
    unsafe { core::arch::asm!("wfi") };
    is("WFI waits for the timer", mtime() >= deadline);
    is("WFI wake: MTIP pending", csrr!(mip) & (1 << irq::MTI) != 0);
    eq("WFI with MIE=0 takes no trap", trap::count() as u64, 0);
    // With MIE=1 the interrupt is taken right after the wfi.
    let deadline = mtime() + 5000;
    set_mtimecmp(0, deadline);
    let after: u64;
    // SAFETY: the timer interrupt is taken at the label after wfi.
    unsafe {
        core::arch::asm!("la {0}, 1f", "csrsi mstatus, 8", "wfi", "1: csrci mstatus, 8", out(reg) after)
    };
    eq("WFI then interrupt", trap::last().cause, int(irq::MTI));
    eq("interrupt epc after wfi", trap::last().epc, after);
    is(
        "woke at the deadline",
        SEEN.load(Ordering::Relaxed) >= deadline,
    );
    csrc!(mie, 1 << irq::MTI);
}

extern "C" fn s_timer(_: u64) -> u64 {
    let deadline = csrr!(time) + 2000;
    csrw!(0x14d, deadline);
    let pending_before = csrr!(sip) & (1 << irq::STI);
    csrs!(sie, 1 << irq::STI);
    csrs!(sstatus, mstatus::SIE);
    wait_for_trap();
    csrc!(sstatus, mstatus::SIE);
    pending_before | deadline << 8
}

fn sstc() {
    // Without STCE, stimecmp is illegal in S; STIP is writable by M.
    csrw!(menvcfg, 0);
    csrw!(mcounteren, 0b10);
    extern "C" fn read_stimecmp(_: u64) -> u64 {
        csrr!(0x14d)
    }
    trap::reset();
    run_in(Mode::S, read_stimecmp, 0);
    eq(
        "stimecmp in S without STCE",
        trap::last().cause,
        cause::ILLEGAL,
    );
    csrs!(mip, 1 << irq::STI);
    is(
        "STIP writable by M without STCE",
        csrr!(mip) & (1 << irq::STI) != 0,
    );
    csrc!(mip, 1 << irq::STI);

    csrw!(menvcfg, STCE);
    eq("menvcfg.STCE", csrr!(menvcfg) & STCE, STCE);
    csrw!(0x14d, u64::MAX);
    eq("stimecmp reads back", csrr!(0x14d), u64::MAX);
    eq(
        "STIP low with stimecmp = max",
        csrr!(mip) & (1 << irq::STI),
        0,
    );
    csrw!(mideleg, 1 << irq::STI);
    csrs!(mie, 1 << irq::STI);
    trap::set_s_hook(Some(s_hook));
    trap::reset();
    let r = run_in(Mode::S, s_timer, 0);
    eq("STIP low before the deadline", r & 0xff, 0);
    eq(
        "supervisor timer interrupt",
        trap::last().cause,
        int(irq::STI),
    );
    eq("taken in S", trap::last().level, 1);
    eq("taken once", trap::count() as u64, 1);
    is(
        "at or after stimecmp",
        SEEN.load(Ordering::Relaxed) >= r >> 8,
    );
    eq(
        "STIP cleared by stimecmp write",
        csrr!(mip) & (1 << irq::STI),
        0,
    );
    csrw!(0x14d, 0);
    is(
        "stimecmp in the past: STIP",
        csrr!(mip) & (1 << irq::STI) != 0,
    );
    csrw!(0x14d, u64::MAX);
    trap::set_s_hook(None);
    csrc!(mie, 1 << irq::STI);
    csrw!(mideleg, 0);
    csrw!(menvcfg, 0);
    csrw!(mcounteren, 0);
}

fn priority() {
    // MSI, MTI, SSI and STI all pending and enabled, none delegated: taken
    // in the order MEI > MSI > MTI > SEI > SSI > STI.
    set_msip(0, true);
    set_mtimecmp(0, 0);
    csrs!(mip, 1 << irq::SSI | 1 << irq::STI);
    csrs!(
        mie,
        1 << irq::MSI | 1 << irq::MTI | 1 << irq::SSI | 1 << irq::STI
    );
    trap::reset();
    csrs!(mstatus, mstatus::MIE);
    csrc!(mstatus, mstatus::MIE);
    let mut want = [int(irq::MSI), int(irq::MTI), int(irq::SSI), int(irq::STI)];
    if guests::on_qemu() {
        // QEMU 7.2 without AIA takes the lowest-numbered pending interrupt
        // first (ctz of mip & mie), not the priv spec's order.
        want = [int(irq::SSI), int(irq::MSI), int(irq::STI), int(irq::MTI)];
    }
    eq("four interrupts taken", trap::count() as u64, 4);
    for (i, w) in want.iter().enumerate() {
        eq(
            "priority order",
            trap::causes().get(i).copied().unwrap_or(0),
            *w,
        );
    }
    csrw!(mie, 0);
}

fn counters() {
    let (c0, i0, t0) = (csrr!(mcycle), csrr!(minstret), csrr!(time));
    let mut x = 0u64;
    for k in 0..10_000u64 {
        x = core::hint::black_box(x + k);
    }
    let (c1, i1, t1) = (csrr!(mcycle), csrr!(minstret), csrr!(time));
    is("mcycle advances", c1 > c0);
    is("minstret advances by at least the loop", i1 - i0 >= 10_000);
    is("time advances", t1 > t0);
    eq("cycle is mcycle's view", (csrr!(cycle) >= c1) as u64, 1);
    let (m0, t, m1) = (mtime(), csrr!(time), mtime());
    is("time CSR is CLINT mtime", m0 <= t && t <= m1);
    if !guests::on_qemu() {
        // Retired-instruction count is exact (QEMU 7.2 without -icount
        // derives minstret from host ticks).
        let (a, b): (u64, u64);
        // SAFETY: counter reads around ten nops.
        unsafe {
            core::arch::asm!("csrr {0}, minstret", ".rept 10", "nop", ".endr", "csrr {1}, minstret", out(reg) a, out(reg) b)
        };
        eq("minstret counts exactly", b - a, 11);
        let (a, b): (u64, u64);
        // SAFETY: instret (Zicntr) view around five nops.
        unsafe {
            core::arch::asm!("rdinstret {0}", ".rept 5", "nop", ".endr", "rdinstret {1}", out(reg) a, out(reg) b)
        };
        eq("instret counts exactly", b - a, 6);
    }
    // QEMU counts host ticks, so a few thousand pass between the two CSRs.
    let bound = if guests::on_qemu() { 10_000_000 } else { 10 };
    csrw!(minstret, 0);
    is("minstret is writable", csrr!(minstret) < bound);
    csrw!(mcycle, 0);
    is("mcycle is writable", csrr!(mcycle) < bound);
}

#[no_mangle]
extern "C" fn guest_main() {
    csrw!(mie, 0);
    trap::set_m_hook(Some(m_hook));
    set_mtimecmp(0, u64::MAX);
    machine_timer();
    software();
    wfi();
    sstc();
    priority();
    counters();
    guests::check::pass("irq_timer");
}
