//! Trap handling for the guest programs: M- and S-level entry vectors (direct
//! and vectored) that save every register in a `Frame`, a per-hart record of
//! the traps taken, and `run_in` to call a function in U, S or M mode.
//!
//! Default policy of both handlers: record the trap; an interrupt runs the
//! installed hook or else is masked in mie/sie; an exception resumes after the
//! faulting instruction, or at `ra` for a fetch fault (the test called a bad
//! address). The `run_in` exit is an ecall with a7 = `EXIT_MAGIC`.

use crate::csr::{cause, mstatus};
use crate::{csrc, csrr, csrs, csrw, MAX_HARTS, STACK_SIZE};
use core::cell::UnsafeCell;

/// a7 value of the ecall with which a `run_in` function returns to M-mode.
pub const EXIT_MAGIC: u64 = 0x5256_434f_5745_5849;
/// Size of the M and S trap stacks at the top of each hart's stack.
pub const TRAP_STACK: usize = 0x1000;

/// Privilege modes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u64)]
pub enum Mode {
    U = 0,
    S = 1,
    M = 3,
}

/// The registers of the interrupted code; handlers may change them.
#[repr(C)]
pub struct Frame {
    /// x0..x31 (x0 unused); x2 is the interrupted sp.
    pub x: [u64; 32],
    /// Vector slot taken: -1 for a direct-mode entry, else the slot number.
    pub vector: i64,
    pad: u64,
}

/// One trap as its handler saw it.
#[derive(Clone, Copy, Default, Debug)]
pub struct Trap {
    /// mcause or scause.
    pub cause: u64,
    /// mtval or stval.
    pub tval: u64,
    /// mepc or sepc.
    pub epc: u64,
    /// mstatus (M handler) or sstatus (S handler) at entry.
    pub status: u64,
    /// 3 when the M handler took it, 1 for the S handler.
    pub level: u64,
    /// Mode the trap came from (MPP or SPP).
    pub from: u64,
    /// Vector slot (-1 = direct entry).
    pub vector: i64,
}

/// A trap hook: returns true when it handled the trap completely.
pub type Hook = fn(&mut Frame, &Trap) -> bool;

/// Saved M-mode context of a `run_in` call (layout used by `enter_mode`).
#[repr(C)]
struct Ctx {
    ra: u64,
    sp: u64,
    s: [u64; 12],
    sscratch: u64,
    mie: u64,
}

const LOG: usize = 16;

struct HartTraps {
    count: usize,
    last: Trap,
    log: [u64; LOG],
    ctx: Ctx,
    m_hook: Option<Hook>,
    s_hook: Option<Hook>,
}

struct PerHart(UnsafeCell<[HartTraps; MAX_HARTS]>);

// SAFETY: each hart touches only its own slot.
unsafe impl Sync for PerHart {}

const EMPTY: HartTraps = HartTraps {
    count: 0,
    last: Trap {
        cause: 0,
        tval: 0,
        epc: 0,
        status: 0,
        level: 0,
        from: 0,
        vector: 0,
    },
    log: [0; LOG],
    ctx: Ctx {
        ra: 0,
        sp: 0,
        s: [0; 12],
        sscratch: 0,
        mie: 0,
    },
    m_hook: None,
    s_hook: None,
};

static HARTS: PerHart = PerHart(UnsafeCell::new([EMPTY; MAX_HARTS]));

/// This hart's trap state. Hart id is read from `tp`, which `_start` sets and
/// nothing else changes, so S and U code can find it too.
fn me() -> &'static mut HartTraps {
    let id: usize;
    // SAFETY: reading tp.
    unsafe { core::arch::asm!("mv {0}, tp", out(reg) id) };
    // SAFETY: one hart, one slot; the handlers and the test never run at once.
    unsafe { &mut (*HARTS.0.get())[id % MAX_HARTS] }
}

/// Number of traps taken since the last `reset`.
pub fn count() -> usize {
    me().count
}

/// The last trap taken.
pub fn last() -> Trap {
    me().last
}

/// Causes of the first traps since the last `reset`, in order.
pub fn causes() -> &'static [u64] {
    let t = me();
    &t.log[..t.count.min(LOG)]
}

/// Forgets the traps taken so far.
pub fn reset() {
    let t = me();
    t.count = 0;
    t.last = Trap::default();
}

/// Installs (or removes) this hart's M-level hook.
pub fn set_m_hook(h: Option<Hook>) {
    me().m_hook = h;
}

/// Installs (or removes) this hart's S-level hook.
pub fn set_s_hook(h: Option<Hook>) {
    me().s_hook = h;
}

extern "C" {
    fn enter_mode(ctx: *mut Ctx, mode: u64, f: usize, arg: u64) -> u64;
    /// Direct-mode M trap entry (mtvec mode 0).
    pub fn m_trap_vector();
    /// Vectored M table (mtvec = address | 1).
    pub fn m_vector_table();
    /// Direct-mode S trap entry.
    pub fn s_trap_vector();
    /// Vectored S table.
    pub fn s_vector_table();
}

/// Calls `f(arg)` in `mode` (from M-mode) and returns its result, whatever
/// traps happen meanwhile; M's mstatus.MIE is kept across the call.
pub fn run_in(mode: Mode, f: extern "C" fn(u64) -> u64, arg: u64) -> u64 {
    let t = me();
    let id: usize;
    // SAFETY: reading tp.
    unsafe { core::arch::asm!("mv {0}, tp", out(reg) id) };
    t.ctx.sscratch = crate::stack_top(id) - TRAP_STACK as u64;
    t.ctx.mie = csrr!(mstatus) & mstatus::MIE;
    // SAFETY: enter_mode returns here through the EXIT_MAGIC ecall with every
    // callee-saved register restored from ctx.
    unsafe { enter_mode(&mut t.ctx, mode as u64, f as usize, arg) }
}

/// Length of the instruction at `pc` (2 or 4), read as the trapped mode sees it.
fn insn_len_m(pc: u64) -> u64 {
    let low: u16;
    // SAFETY: MPRV|MXR reads with the translation and rights of the trapped
    // mode (MPP); a test never lets this read fault.
    unsafe {
        core::arch::asm!(
            "csrs mstatus, {bits}",
            "lhu {low}, 0({pc})",
            "csrc mstatus, {bits}",
            bits = in(reg) mstatus::MPRV | mstatus::MXR,
            low = out(reg) low,
            pc = in(reg) pc,
        );
    }
    if low & 3 == 3 {
        4
    } else {
        2
    }
}

fn insn_len_s(pc: u64) -> u64 {
    // SAFETY: the S handler runs on identity-mapped code (or Bare).
    let low = unsafe { (pc as *const u16).read_volatile() };
    if low & 3 == 3 {
        4
    } else {
        2
    }
}

fn record(t: &mut HartTraps, trap: Trap) {
    if t.count < LOG {
        t.log[t.count] = trap.cause;
    }
    t.count += 1;
    t.last = trap;
}

/// Resume point after an exception: the next instruction, or the caller of a
/// function whose fetch faulted.
fn resume_pc(f: &Frame, trap: &Trap, len: fn(u64) -> u64) -> u64 {
    match trap.cause {
        cause::FETCH_MISALIGNED | cause::FETCH_ACCESS | cause::FETCH_PAGE => f.x[1],
        _ => trap.epc + len(trap.epc),
    }
}

#[no_mangle]
extern "C" fn m_trap(f: &mut Frame) {
    let status = csrr!(mstatus);
    let trap = Trap {
        cause: csrr!(mcause),
        tval: csrr!(mtval),
        epc: csrr!(mepc),
        status,
        level: 3,
        from: (status & mstatus::MPP) >> 11,
        vector: f.vector,
    };
    let t = me();
    let is_exit = matches!(trap.cause, cause::ECALL_U | cause::ECALL_S | cause::ECALL_M)
        && f.x[17] == EXIT_MAGIC;
    if is_exit {
        // Longjmp to the run_in caller in M-mode with a0 kept.
        f.x[1] = t.ctx.ra;
        f.x[2] = t.ctx.sp;
        f.x[8] = t.ctx.s[0];
        f.x[9] = t.ctx.s[1];
        f.x[18..28].copy_from_slice(&t.ctx.s[2..12]);
        csrw!(mepc, t.ctx.ra);
        csrs!(mstatus, mstatus::MPP);
        csrc!(mstatus, mstatus::MPIE);
        csrs!(mstatus, if t.ctx.mie != 0 { mstatus::MPIE } else { 0 });
        return;
    }
    record(t, trap);
    if let Some(hook) = t.m_hook {
        if hook(f, &trap) {
            return;
        }
    }
    if trap.cause & cause::INTERRUPT != 0 {
        csrc!(mie, 1 << (trap.cause & 63));
    } else {
        csrw!(mepc, resume_pc(f, &trap, insn_len_m));
    }
}

#[no_mangle]
extern "C" fn s_trap(f: &mut Frame) {
    let status = csrr!(sstatus);
    let trap = Trap {
        cause: csrr!(scause),
        tval: csrr!(stval),
        epc: csrr!(sepc),
        status,
        level: 1,
        from: (status & mstatus::SPP) >> 8,
        vector: f.vector,
    };
    let t = me();
    if trap.cause == cause::ECALL_U && f.x[17] == EXIT_MAGIC {
        // Pass the run_in exit on to M-mode; this handler's frame is dropped.
        // SAFETY: the M handler longjmps and never returns here.
        unsafe {
            core::arch::asm!("ecall", in("a0") f.x[10], in("a7") EXIT_MAGIC, options(noreturn))
        }
    }
    record(t, trap);
    if let Some(hook) = t.s_hook {
        if hook(f, &trap) {
            return;
        }
    }
    if trap.cause & cause::INTERRUPT != 0 {
        csrc!(sie, 1 << (trap.cause & 63));
    } else {
        csrw!(sepc, resume_pc(f, &trap, insn_len_s));
    }
}

/// Sets mstatus.MPP to `mode`.
pub fn set_mpp(mode: Mode) {
    csrc!(mstatus, mstatus::MPP);
    csrs!(mstatus, (mode as u64) << 11);
}

/// Byte offset of the vector field in `Frame`.
const VEC: usize = 32 * 8;
/// Size of `Frame` (keeps sp 16-byte aligned).
const FRAME: usize = core::mem::size_of::<Frame>();

core::arch::global_asm!(
    r#"
    .macro SAVE_REST
    sd x1, 8(sp)
    sd x3, 24(sp)
    sd x4, 32(sp)
    .irp r, 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\r, \r*8(sp)
    .endr
    .endm
    .macro LOAD_REST
    ld x1, 8(sp)
    ld x3, 24(sp)
    ld x4, 32(sp)
    .irp r, 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\r, \r*8(sp)
    .endr
    .endm

    .macro TRAP_ENTRY lvl, slot
    csrrw sp, \lvl\()scratch, sp
    addi sp, sp, -{frame}
    sd t0, 40(sp)
    li t0, \slot
    j \lvl\()_trap_common
    .endm

    .macro TRAP_COMMON lvl
\lvl\()_trap_common:
    sd t0, {vec}(sp)
    SAVE_REST
    csrr t0, \lvl\()scratch
    sd t0, 16(sp)
    mv a0, sp
    call \lvl\()_trap
    LOAD_REST
    addi t0, sp, {frame}
    csrw \lvl\()scratch, t0
    ld t0, 40(sp)
    ld sp, 16(sp)
    \lvl\()ret
    .endm

    .section .text.trap, "ax"
    .balign 64
    .globl m_trap_vector
m_trap_vector:
    TRAP_ENTRY m, -1
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
m_vec_\n:
    TRAP_ENTRY m, \n
    .endr
    TRAP_COMMON m

    .balign 64
    .globl s_trap_vector
s_trap_vector:
    TRAP_ENTRY s, -1
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
s_vec_\n:
    TRAP_ENTRY s, \n
    .endr
    TRAP_COMMON s

    .option push
    .option norvc
    .balign 256
    .globl m_vector_table
m_vector_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    j m_vec_\n
    .endr
    .balign 256
    .globl s_vector_table
s_vector_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    j s_vec_\n
    .endr
    .option pop

    # enter_mode(ctx, mode, f, arg): saves the callee-saved registers in ctx,
    # then mrets to f(arg) in `mode` with ra = lower_exit.
    .globl enter_mode
enter_mode:
    sd ra, 0(a0)
    sd sp, 8(a0)
    sd s0, 16(a0)
    sd s1, 24(a0)
    .irp r, 2,3,4,5,6,7,8,9,10,11
    sd s\r, (16+\r*8)(a0)
    .endr
    ld t0, 112(a0)
    csrw sscratch, t0
    li t0, 0x1800
    csrc mstatus, t0
    slli t1, a1, 11
    csrs mstatus, t1
    csrw mepc, a2
    mv a0, a3
    la ra, lower_exit
    mret

    .globl lower_exit
lower_exit:
    li a7, {magic}
    ecall
    j lower_exit
"#,
    frame = const FRAME,
    vec = const VEC,
    magic = const EXIT_MAGIC,
);

const _: () = assert!(core::mem::offset_of!(Ctx, sscratch) == 112);
const _: () = assert!(FRAME.is_multiple_of(16) && STACK_SIZE > 4 * TRAP_STACK);
