//! PLIC and UART interrupts: the THR-empty interrupt through the M context
//! (claim = 10, complete), priority against threshold, the S context driving
//! SEIP and a delegated S-mode external interrupt, then receive interrupts:
//! the program echoes one line typed on the console (the host test pipes
//! "ping\n" into stdin) as "echo: ping".
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use guests::check::{eq, is};
use guests::csr::{cause, irq, mstatus};
use guests::plic::*;
use guests::trap::{self, run_in, Frame, Mode, Trap};
use guests::{csrc, csrr, csrs, println};

const M_CTX: u32 = 0;
const S_CTX: u32 = 1;
const MEIP: u64 = 1 << irq::MEI;
const SEIP: u64 = 1 << irq::SEI;
/// Polling rounds before an expected level change counts as missing.
const ROUNDS: u64 = 100_000;

static CLAIMED: AtomicU32 = AtomicU32::new(0);
static IIR_SEEN: AtomicU32 = AtomicU32::new(0);

/// Polls until `cond` holds, for at most `ROUNDS` rounds.
fn wait_for(cond: impl Fn() -> bool) -> bool {
    (0..ROUNDS).any(|_| cond())
}

/// Claims from `ctx`, reads IIR (which retires a THR-empty interrupt), turns
/// the UART's interrupts off and completes.
fn service(ctx: u32) {
    let id = claim(ctx);
    CLAIMED.store(id, Ordering::Relaxed);
    IIR_SEEN.store(uart_read(IIR) as u32, Ordering::Relaxed);
    uart_write(IER, 0);
    complete(ctx, id);
}

fn m_hook(_: &mut Frame, t: &Trap) -> bool {
    if t.cause != cause::INTERRUPT | irq::MEI {
        return false;
    }
    service(M_CTX);
    true
}

fn s_hook(_: &mut Frame, t: &Trap) -> bool {
    if t.cause != cause::INTERRUPT | irq::SEI {
        return false;
    }
    service(S_CTX);
    true
}

/// In S-mode: enables S external interrupts and waits for the hook to claim.
extern "C" fn s_wait(_: u64) -> u64 {
    csrs!(sie, SEIP);
    csrs!(sstatus, mstatus::SIE);
    for _ in 0..ROUNDS {
        let c = CLAIMED.load(Ordering::Relaxed);
        if c != 0 {
            return c as u64;
        }
    }
    0
}

fn thr_empty_m() {
    set_priority(UART_IRQ, 1);
    eq("priority reads back", priority(UART_IRQ) as u64, 1);
    enable(M_CTX, UART_IRQ, true);
    set_threshold(M_CTX, 0);
    eq("nothing to claim yet", claim(M_CTX) as u64, 0);
    uart_write(IER, IER_THRI);
    is("UART source pending", wait_for(|| pending(UART_IRQ)));
    is("MEIP raised", wait_for(|| csrr!(mip) & MEIP != 0));

    trap::set_m_hook(Some(m_hook));
    trap::reset();
    csrs!(mie, MEIP);
    csrs!(mstatus, mstatus::MIE);
    wait_for(|| trap::count() != 0);
    csrc!(mstatus, mstatus::MIE);
    eq("one M external interrupt", trap::count() as u64, 1);
    eq("its cause", trap::last().cause, cause::INTERRUPT | irq::MEI);
    eq("claim = UART", CLAIMED.load(Ordering::Relaxed) as u64, 10);
    eq(
        "IIR said THR empty",
        IIR_SEEN.load(Ordering::Relaxed) as u64 & 0xf,
        IIR_THRI as u64,
    );
    is("MEIP dropped", wait_for(|| csrr!(mip) & MEIP == 0));
    eq("nothing left to claim", claim(M_CTX) as u64, 0);
    eq(
        "IIR: no interrupt",
        uart_read(IIR) as u64 & 0xf,
        IIR_NONE as u64,
    );
}

fn threshold() {
    set_threshold(M_CTX, 1);
    uart_write(IER, IER_THRI);
    is(
        "source pending under threshold",
        wait_for(|| pending(UART_IRQ)),
    );
    is(
        "priority 1 <= threshold 1: no MEIP",
        !wait_for(|| csrr!(mip) & MEIP != 0),
    );
    set_priority(UART_IRQ, 2);
    is(
        "priority 2 > threshold 1: MEIP",
        wait_for(|| csrr!(mip) & MEIP != 0),
    );
    CLAIMED.store(0, Ordering::Relaxed);
    service(M_CTX);
    eq(
        "claim by polling",
        CLAIMED.load(Ordering::Relaxed) as u64,
        10,
    );
    set_threshold(M_CTX, 0);
    enable(M_CTX, UART_IRQ, false);
}

fn s_context() {
    enable(S_CTX, UART_IRQ, true);
    set_threshold(S_CTX, 0);
    uart_write(IER, IER_THRI);
    is(
        "SEIP raised by the S context",
        wait_for(|| csrr!(mip) & SEIP != 0),
    );
    is(
        "MEIP stays low (M context disabled)",
        csrr!(mip) & MEIP == 0,
    );

    csrs!(mideleg, SEIP);
    trap::set_s_hook(Some(s_hook));
    trap::reset();
    CLAIMED.store(0, Ordering::Relaxed);
    let got = run_in(Mode::S, s_wait, 0);
    csrc!(mie, SEIP);
    eq("S claim = UART", got, 10);
    eq("one S external interrupt", trap::count() as u64, 1);
    eq("taken by the S handler", trap::last().level, 1);
    eq("its cause", trap::last().cause, cause::INTERRUPT | irq::SEI);
    is("SEIP dropped", wait_for(|| csrr!(mip) & SEIP == 0));
    enable(S_CTX, UART_IRQ, false);
    csrc!(mideleg, SEIP);
}

static LINE: [AtomicU32; 32] = [const { AtomicU32::new(0) }; 32];
static LEN: AtomicU32 = AtomicU32::new(0);

/// Drains the receive FIFO into LINE and ORs the IIR it saw into IIR_SEEN
/// (a claim may find the FIFO already drained by an earlier one).
fn rx_hook(_: &mut Frame, t: &Trap) -> bool {
    if t.cause != cause::INTERRUPT | irq::MEI {
        return false;
    }
    let id = claim(M_CTX);
    IIR_SEEN.fetch_or(uart_read(IIR) as u32 & 0xf, Ordering::Relaxed);
    while uart_read(LSR) & LSR_DR != 0 {
        let c = uart_read(RBR) as u32;
        let n = LEN.load(Ordering::Relaxed) as usize;
        if n < LINE.len() {
            LINE[n].store(c, Ordering::Relaxed);
            LEN.store(n as u32 + 1, Ordering::Relaxed);
        }
    }
    complete(M_CTX, id);
    true
}

fn receive() {
    // FCR is left alone: changing it clears the receive FIFO, and the host
    // may have typed already.
    enable(M_CTX, UART_IRQ, true);
    trap::set_m_hook(Some(rx_hook));
    trap::reset();
    IIR_SEEN.store(0, Ordering::Relaxed);
    uart_write(IER, IER_RDI);
    println!("plic_uart: type a line");
    csrs!(mie, MEIP);
    csrs!(mstatus, mstatus::MIE);
    loop {
        let n = LEN.load(Ordering::Relaxed) as usize;
        if n > 0 && LINE[n - 1].load(Ordering::Relaxed) == b'\n' as u32 || n == LINE.len() {
            break;
        }
        // SAFETY: waits for the next interrupt.
        unsafe { core::arch::asm!("wfi") };
    }
    csrc!(mstatus, mstatus::MIE);
    uart_write(IER, 0);
    let n = LEN.load(Ordering::Relaxed) as usize;
    let mut line = [0u8; 32];
    for (i, c) in line[..n].iter_mut().enumerate() {
        *c = LINE[i].load(Ordering::Relaxed) as u8;
    }
    let text = core::str::from_utf8(&line[..n]).unwrap_or("?").trim_end();
    println!("echo: {text}");
    is("received interrupts", trap::count() >= 1);
    // Some interrupt saw "data ready" (4) or "character timeout" (0xc).
    eq(
        "IIR said data ready",
        IIR_SEEN.load(Ordering::Relaxed) as u64 & 0x4,
        IIR_RDI as u64,
    );
    is("line is ping", text == "ping");
}

#[no_mangle]
extern "C" fn guest_main() {
    thr_empty_m();
    threshold();
    s_context();
    receive();
    guests::check::pass("plic_uart");
}
