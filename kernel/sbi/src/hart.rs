// Per-hart firmware state: HSM state, the start request of hart_start, and the
// IPI requests other harts leave for this one.

use crate::riscv;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Harts the firmware serves (rvcow's --smp limit).
pub const MAX_HARTS: usize = 8;

// HSM states (SBI spec §9).
pub const STARTED: usize = 0;
pub const STOPPED: usize = 1;
pub const START_PENDING: usize = 2;

// IPI requests, bits of `Hart::pending`.
/// Raise the supervisor software interrupt (sbi_send_ipi).
pub const REQ_SSIP: usize = 1 << 0;
/// Execute FENCE.I (remote_fence_i).
pub const REQ_FENCE_I: usize = 1 << 1;
/// Execute SFENCE.VMA (remote_sfence_vma*).
pub const REQ_SFENCE_VMA: usize = 1 << 2;

pub struct Hart {
    /// The hart reached the firmware: it exists.
    pub present: AtomicBool,
    pub state: AtomicUsize,
    pub start_addr: AtomicUsize,
    pub opaque: AtomicUsize,
    /// REQ_* bits not yet served.
    pub pending: AtomicUsize,
}

#[allow(clippy::declare_interior_mutable_const)]
const HART: Hart = Hart {
    present: AtomicBool::new(false),
    state: AtomicUsize::new(STOPPED),
    start_addr: AtomicUsize::new(0),
    opaque: AtomicUsize::new(0),
    pending: AtomicUsize::new(0),
};

pub static HARTS: [Hart; MAX_HARTS] = [HART; MAX_HARTS];

/// Hart `h`'s state, if it exists.
pub fn hart(h: usize) -> Option<&'static Hart> {
    HARTS.get(h).filter(|s| s.present.load(Ordering::Acquire))
}

/// Parks this (stopped) hart until hart_start asks it to run; returns where
/// and with which a1. IPI requests meanwhile are served (a stopped hart has no
/// TLB to fence, so they are only acknowledged).
pub fn wait_for_start(hartid: usize) -> (usize, usize) {
    let me = &HARTS[hartid];
    loop {
        if me.state.load(Ordering::Acquire) == START_PENDING {
            let addr = me.start_addr.load(Ordering::Relaxed);
            let opaque = me.opaque.load(Ordering::Relaxed);
            riscv::set_msip(hartid, false);
            me.pending.store(0, Ordering::Release);
            me.state.store(STARTED, Ordering::Release);
            return (addr, opaque);
        }
        riscv::set_msip(hartid, false);
        me.pending.store(0, Ordering::Release);
        riscv::wfi();
    }
}

/// Leaves the `req` bits for each hart of `targets` and interrupts it; waits
/// until every started target served fence requests (serving this hart's own
/// requests meanwhile, so two harts fencing each other cannot deadlock).
pub fn send(me: usize, targets: impl Iterator<Item = usize> + Clone, req: usize) {
    for h in targets.clone() {
        if h == me {
            continue;
        }
        HARTS[h].pending.fetch_or(req, Ordering::AcqRel);
        riscv::set_msip(h, true);
    }
    if targets.clone().any(|h| h == me) {
        serve(me, req);
    }
    if req & (REQ_FENCE_I | REQ_SFENCE_VMA) == 0 {
        return;
    }
    for h in targets {
        let t = &HARTS[h];
        while h != me
            && t.pending.load(Ordering::Acquire) & req != 0
            && t.state.load(Ordering::Acquire) == STARTED
        {
            serve_pending(me);
        }
    }
}

/// Serves the IPI requests left for this hart.
pub fn serve_pending(me: usize) {
    riscv::set_msip(me, false);
    let req = HARTS[me].pending.swap(0, Ordering::AcqRel);
    serve(me, req);
}

fn serve(_me: usize, req: usize) {
    if req & REQ_SFENCE_VMA != 0 {
        riscv::sfence_vma();
    }
    if req & REQ_FENCE_I != 0 {
        riscv::fence_i();
    }
    if req & REQ_SSIP != 0 {
        riscv::set_mip(riscv::MIP_SSIP);
    }
}
