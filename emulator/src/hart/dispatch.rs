//! Threaded dispatch of micro-ops: every op carries its handler, and each
//! handler ends by calling the next op's handler in tail position (a jump:
//! one indirect branch per op, each predicted on its own, with the hart,
//! the run's context and the op in registers). A block's way out (a taken
//! branch, a jump, its `Exit`) enters the block it links to straight from
//! the handler (`chain`), for up to `CHAIN` instructions; anything else
//! returns to `run_chain`, which looks the next block up. So even where
//! the compiler did not turn the calls into jumps, the host stack would
//! hold at most a frame per instruction of those `CHAIN`.

use super::csr::{MSTATUS_FS, SSTATUS};
use super::execute::{alu, alu_w, branch_taken, sign_extend};
use super::fpu::{self, nan_box};
use super::insn::{AmoOp, CsrOp, FpBinOp, FpFmt, Width, AMO_OPS};
use super::mem::{read_at, write_at};
use super::uop::{
    access_of, alu_handler, alu_of, cond_of, kind_of, link, link_len, link_offset, run_of,
    run_span, spin_amo, Kind, Op, CSR_UIMM, MAX_RUN, NO_LINK,
};
use super::{Exception, Hart, PRV_S};
use crate::bus::Bus;
use crate::history::{History, HISTORY_CAP};
use std::ptr::null;

/// What a handler returns when its block is left: the op that left it (a
/// taken branch, a jump, the `Exit`) and the pc it leads to; or, when the
/// run is over, a null op and the instructions the run used.
pub type Ret = (*const Op, u64);

/// A micro-op's handler: it runs `op` and everything after it in its block.
pub type Handler = fn(&mut Hart, &mut Cx, *const Op) -> Ret;

/// The state of a run shared by the handlers.
pub struct Cx {
    bus: *mut Bus,
    /// The pc of the running block's first instruction.
    base: u64,
    /// `retired` when the run began.
    r0: u64,
    /// Instructions of the blocks finished in this run.
    done: u64,
    /// How many instructions handlers may run before `run_chain` looks
    /// again: the run's budget, or fewer (a bound on the host stack if
    /// calls between handlers stay calls).
    limit: u64,
    /// The arena's first op.
    ops0: *const Op,
    /// The history's record of a block in the running page, but for its pc
    /// and length.
    hmeta: u64,
}

/// Instructions handlers may run, block to block, before `run_chain`
/// takes over again. Shorter than `link_len(NO_LINK)`.
const CHAIN: u64 = 1024;
const _: () = assert!(CHAIN < link_len(NO_LINK));

impl Cx {
    /// The bus. SAFETY (every use): `run_chain` took it as `&mut Bus` for
    /// the whole run and uses it only through here.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    fn bus(&self) -> &mut Bus {
        unsafe { &mut *self.bus }
    }

    /// The index of `op` in the running block.
    #[inline(always)]
    fn index(&self, op: *const Op) -> u64 {
        // SAFETY: handlers only see ops of the running block.
        unsafe { (*op).idx as u64 }
    }

    /// The pc of `o`.
    #[inline(always)]
    fn pc(&self, o: &Op) -> u64 {
        self.base.wrapping_add(o.off as u64)
    }

    /// The pc after `o`.
    #[inline(always)]
    fn next_pc(&self, o: &Op) -> u64 {
        self.base.wrapping_add((o.off + o.len as u16) as u64)
    }
}

/// Runs the op after `op`. SAFETY: every block ends with an `Exit` (and a
/// `Stop` stands in for the first op beyond the budget), neither of which
/// gets here, so the next op is in the block.
#[inline(always)]
fn next(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let n = unsafe { op.add(1) };
    unsafe { ((*n).f)(h, cx, n) }
}

/// Register reads and writes. SAFETY: ops hold register numbers below 32
/// (`lower` masks them).
#[inline(always)]
fn x(h: &Hart, r: u8) -> u64 {
    *unsafe { h.x.get_unchecked(r as usize) }
}

/// Writes x`r`, which is not x0: lowering turned writes of x0 into Nops,
/// and loads and jumps writing x0 have handlers of their own (`handler`).
#[inline(always)]
fn set(h: &mut Hart, r: u8, v: u64) {
    *unsafe { h.x.get_unchecked_mut(r as usize) } = v;
}

/// Writes x`r`, which may be x0 (the slow load path, AMOs).
#[inline(always)]
fn set0(h: &mut Hart, r: u8, v: u64) {
    set(h, r, v);
    h.x[0] = 0;
}

// Handlers call no function with a result in memory: a frame slot would
// keep the compiler from making the call to the next handler a jump. What
// needs one (slow paths, traps) is in a function of its own returning
// `Option<u64>`: Some(instructions used) when the run ends.

/// Ends the run after the first `n` instructions of the running block
/// (recording them in the history), which made `mem` TLB lookups; returns
/// the instructions the run used.
#[inline(always)]
fn end_in_block(h: &mut Hart, cx: &Cx, n: u64, mem: u8) -> u64 {
    h.history.push(cx.base, cx.hmeta | n << 48);
    h.mmu.lookups += mem as u64;
    cx.done + n
}

/// The op at `op` retired and the run loop must look: pc at `pc`.
#[inline(never)]
fn leave(h: &mut Hart, cx: &mut Cx, op: *const Op, pc: u64) -> Option<u64> {
    let o = unsafe { &*op };
    let k = cx.index(op);
    h.pc = pc;
    h.retired = cx.r0 + cx.done + k + 1;
    Some(end_in_block(h, cx, k + 1, o.nmem + o.is_mem() as u8))
}

/// The op at `op` trapped with `e`: nothing of it happened.
#[cold]
#[inline(never)]
fn fault(h: &mut Hart, cx: &mut Cx, op: *const Op, e: Exception) -> Option<u64> {
    let o = unsafe { &*op };
    let k = cx.index(op);
    h.pc = cx.pc(o);
    h.retired = cx.r0 + cx.done + k;
    h.exception(e);
    Some(end_in_block(h, cx, k + 1, o.nmem + o.is_mem() as u8))
}

/// Whether the run must end after an op that wrote memory or reached a
/// device: a device access, or a write to a page holding cached code
/// (`run_chain` no longer checks for those between blocks).
#[inline(always)]
fn after(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Option<u64> {
    if h.mmio_accessed || !h.blocks.fresh(&cx.bus().ram) {
        return leave(h, cx, op, cx.next_pc(unsafe { &*op }));
    }
    None
}

/// Leaves the block at `op`, `n` of its instructions retired, for the
/// block at `to`: straight into it when `op` links it and it fits the
/// limit (which no `NO_LINK` does); otherwise back to `run_chain`.
#[inline(never)]
fn chain(h: &mut Hart, cx: &mut Cx, op: *const Op, n: u64, to: u64) -> Ret {
    let o = unsafe { &*op };
    let l = o.link;
    let len = link_len(l);
    let done = cx.done + n;
    if done + len > cx.limit {
        return (op, to);
    }
    cx.done = done;
    h.mmu.lookups += o.nmem as u64;
    h.history.push(cx.base, cx.hmeta | n << 48);
    cx.base = to;
    // SAFETY: links name blocks in the arena.
    let bp = unsafe { cx.ops0.byte_add(link_offset(l)) };
    unsafe { ((*bp).f)(h, cx, bp) }
}

/// Runs the next op unless `end` says the run ended.
#[inline(always)]
fn then(h: &mut Hart, cx: &mut Cx, op: *const Op, end: Option<u64>) -> Ret {
    match end {
        Some(used) => (null(), used),
        None => next(h, cx, op),
    }
}

/// The decoded instruction of `op`.
#[inline(always)]
fn decoded(h: &Hart, op: *const Op) -> super::insn::Decoded {
    // SAFETY: `op` is in the arena, whose ops and insns are index-aligned.
    let i = unsafe { op.offset_from(h.blocks.ops.as_ptr()) } as usize;
    h.blocks.insns[i]
}

/// An integer op of kind `K` (`uop::alu_of`): the ALU operation the
/// decoder's instruction names, as `execute` does it.
pub fn alu_op<const K: u8>(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    set(h, o.rd, alu_value(kind_of(K), h, o));
    next(h, cx, op)
}

/// What the integer op `o` of kind `k` computes.
#[inline(always)]
fn alu_value(k: Kind, h: &Hart, o: &Op) -> u64 {
    let Some((f, w, imm)) = alu_of(k) else {
        unreachable!("{k:?} is no integer op");
    };
    let b = if imm {
        o.imm as i64 as u64
    } else {
        x(h, o.rs2)
    };
    if w {
        alu_w(f, x(h, o.rs1), b)
    } else {
        alu(f, x(h, o.rs1), b)
    }
}

fn lui(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    set(h, o.rd, o.imm as i64 as u64);
    next(h, cx, op)
}

fn auipc(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    set(h, o.rd, cx.pc(o).wrapping_add(o.imm as i64 as u64));
    next(h, cx, op)
}

/// The target of a JAL or taken branch.
#[inline(always)]
fn target(cx: &Cx, o: &Op) -> u64 {
    cx.base.wrapping_add(o.imm as i64 as u64)
}

// JAL and JALR with rd x0 (j, jr, ret) have handlers of their own; these
// have an rd to write.
fn jal(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    set(h, o.rd, cx.next_pc(o));
    chain(h, cx, op, cx.index(op) + 1, target(cx, o))
}

fn j(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    chain(h, cx, op, cx.index(op) + 1, target(cx, o))
}

fn jalr(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    let to = x(h, o.rs1).wrapping_add(o.imm as i64 as u64) & !1;
    set(h, o.rd, cx.next_pc(o));
    (op, to)
}

fn jr(h: &mut Hart, _: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    (op, x(h, o.rs1).wrapping_add(o.imm as i64 as u64) & !1)
}

/// A branch of kind `K`: into the block at its target when taken.
fn branch<const K: u8>(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    let Some(c) = cond_of(kind_of(K)) else {
        unreachable!("{:?} is no branch", kind_of(K));
    };
    if branch_taken(c, x(h, o.rs1), x(h, o.rs2)) {
        return chain(h, cx, op, cx.index(op) + 1, target(cx, o));
    }
    next(h, cx, op)
}

/// The effective address of a load or store.
#[inline(always)]
fn ea(h: &Hart, o: &Op) -> u64 {
    x(h, o.rs1).wrapping_add(o.imm as i64 as u64)
}

/// The value `v` loaded with width `w` for rd.
#[inline(always)]
fn extend(v: u64, w: Width, signed: bool) -> u64 {
    if signed {
        sign_extend(v, w.bytes())
    } else {
        v
    }
}

// Loads and stores take a TLB hit inline; only the slow path can reach a
// device, and a device access ends the run.
// Their handlers make no call but tail calls (which would keep registers
// to save on the fast path too): the slow path is a handler of its own.
macro_rules! loads {
    ($($name:ident: $w:expr, $signed:expr;)*) => {$(
        fn $name(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
            let o = unsafe { &*op };
            match h.load_fast(ea(h, o), $w) {
                Some(v) => {
                    set(h, o.rd, extend(v, $w, $signed));
                    next(h, cx, op)
                }
                None => load_miss(h, cx, op, $w, $signed),
            }
        }
    )*};
}

loads! {
    lb: Width::B, true;
    lh: Width::H, true;
    lw: Width::W, true;
    ld: Width::D, false;
    lbu: Width::B, false;
    lhu: Width::H, false;
    lwu: Width::W, false;
}

/// A load into x0: only its access (a trap, a device's side effect)
/// counts, so it takes the slow path.
fn load_x0(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let (w, signed) = access_of(unsafe { (*op).kind }).unwrap_or((Width::D, false));
    load_miss(h, cx, op, w, signed)
}

#[inline(never)]
fn load_miss(h: &mut Hart, cx: &mut Cx, op: *const Op, w: Width, signed: bool) -> Ret {
    let end = load_slow(h, cx, op, w, signed);
    then(h, cx, op, end)
}

#[inline(never)]
fn load_slow(h: &mut Hart, cx: &mut Cx, op: *const Op, w: Width, signed: bool) -> Option<u64> {
    let o = unsafe { &*op };
    match h.load_slow(cx.bus(), ea(h, o), w) {
        Ok(v) => set0(h, o.rd, extend(v, w, signed)),
        Err(e) => return fault(h, cx, op, e),
    }
    after(h, cx, op)
}

macro_rules! stores {
    ($($name:ident: $w:expr;)*) => {$(
        fn $name(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
            let o = unsafe { &*op };
            if h.store_fast(ea(h, o), $w, x(h, o.rs2)) {
                return next(h, cx, op);
            }
            store_miss(h, cx, op, $w)
        }
    )*};
}

stores! {
    sb: Width::B;
    sh: Width::H;
    sw: Width::W;
    sd: Width::D;
}

/// A store the fast path did not do.
#[inline(never)]
fn store_miss(h: &mut Hart, cx: &mut Cx, op: *const Op, w: Width) -> Ret {
    let end = store_slow(h, cx, op, w);
    then(h, cx, op, end)
}

#[inline(never)]
fn store_slow(h: &mut Hart, cx: &mut Cx, op: *const Op, w: Width) -> Option<u64> {
    let o = unsafe { &*op };
    if let Err(e) = h.store_slow(cx.bus(), ea(h, o), w, x(h, o.rs2)) {
        return fault(h, cx, op, e);
    }
    after(h, cx, op)
}

// A run of loads or stores through one base register (`uop::fuse`) takes
// one TLB lookup when its accesses share the first one's page; otherwise
// its first op goes alone and the others follow.

/// The host address of the base register of the run starting at `o`, when
/// the TLB lets every access of the run through (`write` for stores): its
/// first access's lookup checks its page and alignment, and with it every
/// other access's alignment; the span must then stay in that page.
#[inline(always)]
fn run_base(h: &Hart, o: &Op, w: Width, write: bool) -> Option<u64> {
    let (_, below, room) = run_span(o.link);
    let imm = o.imm as i64 as u64;
    let va = x(h, o.rs1).wrapping_add(imm);
    let p = h.tlb_host(va, w, write)? as u64;
    if (va & 0xfff).wrapping_add(below as u64) > room {
        return None;
    }
    Some(p.wrapping_sub(imm))
}

/// The run of `N` loads or stores starting at `op` (of width `w`, stores
/// when `write`): `each` does the access of each op at its host address
/// when `run_base` lets the whole run through; otherwise `one` does the
/// first op alone.
#[inline(always)]
fn run_of_ops<const N: usize>(
    h: &mut Hart,
    cx: &mut Cx,
    op: *const Op,
    (w, write): (Width, bool),
    one: Handler,
    each: impl Fn(&mut Hart, &Op, u64),
) -> Ret {
    let Some(base) = run_base(h, unsafe { &*op }, w, write) else {
        return one(h, cx, op);
    };
    for j in 0..N {
        // SAFETY: the run's `N` ops are in its block; `run_base` found each
        // address in a RAM page the TLB lets these accesses through (for
        // stores, never a page holding cached code).
        let oj = unsafe { &*op.add(j) };
        each(h, oj, base.wrapping_add(oj.imm as i64 as u64));
    }
    next(h, cx, unsafe { op.add(N - 1) })
}

// One handler per kind and length (`N`), the loop unrolled.
macro_rules! load_runs {
    ($($name:ident: $one:ident, $w:expr, $signed:expr;)*) => {$(
        fn $name<const N: usize>(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
            run_of_ops::<N>(h, cx, op, ($w, false), $one, |h, o, a| {
                // SAFETY: `run_of_ops` gives addresses in RAM.
                let v = unsafe { read_at(a as *const u8, $w) };
                set(h, o.rd, extend(v, $w, $signed));
            })
        }
    )*};
}

load_runs! {
    lb_run: lb, Width::B, true;
    lh_run: lh, Width::H, true;
    lw_run: lw, Width::W, true;
    ld_run: ld, Width::D, false;
    lbu_run: lbu, Width::B, false;
    lhu_run: lhu, Width::H, false;
    lwu_run: lwu, Width::W, false;
}

macro_rules! store_runs {
    ($($name:ident: $one:ident, $w:expr;)*) => {$(
        fn $name<const N: usize>(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
            run_of_ops::<N>(h, cx, op, ($w, true), $one, |h, o, a| {
                // SAFETY: `run_of_ops` gives addresses in RAM.
                unsafe { write_at(a as *mut u8, $w, x(h, o.rs2)) };
            })
        }
    )*};
}

store_runs! {
    sb_run: sb, Width::B;
    sh_run: sh, Width::H;
    sw_run: sw, Width::W;
    sd_run: sd, Width::D;
}

/// The handler of an op starting a run of `n` (2 to `MAX_RUN`) loads or
/// stores of kind `k` (`uop::fuse`).
pub fn run_handler(k: Kind, n: usize) -> Option<Handler> {
    macro_rules! by_len {
        ($f:ident) => {
            match n {
                2 => $f::<2>,
                3 => $f::<3>,
                4 => $f::<4>,
                5 => $f::<5>,
                6 => $f::<6>,
                7 => $f::<7>,
                8 => $f::<8>,
                9 => $f::<9>,
                10 => $f::<10>,
                11 => $f::<11>,
                12 => $f::<12>,
                13 => $f::<13>,
                14 => $f::<14>,
                15 => $f::<15>,
                _ => $f::<MAX_RUN>,
            }
        };
    }
    Some(match k {
        Kind::Lb => by_len!(lb_run),
        Kind::Lh => by_len!(lh_run),
        Kind::Lw => by_len!(lw_run),
        Kind::Ld => by_len!(ld_run),
        Kind::Lbu => by_len!(lbu_run),
        Kind::Lhu => by_len!(lhu_run),
        Kind::Lwu => by_len!(lwu_run),
        Kind::Sb => by_len!(sb_run),
        Kind::Sh => by_len!(sh_run),
        Kind::Sw => by_len!(sw_run),
        Kind::Sd => by_len!(sd_run),
        _ => return None,
    })
}

// Pairs of integer ops (`uop::fuse`): one handler does both, a dispatch
// less.

/// The op at `op` then the next, integer ops of kinds `A` and `B`.
fn pair<const A: u8, const B: u8>(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    // SAFETY: a pair's second op is in its block.
    let (o, p) = unsafe { (&*op, &*op.add(1)) };
    set(h, o.rd, alu_value(kind_of(A), h, o));
    set(h, p.rd, alu_value(kind_of(B), h, p));
    next(h, cx, unsafe { op.add(1) })
}

/// The handler of an op of kind `a` followed by one of kind `b`, when
/// both are among the integer ops worth pairing.
pub fn pair_handler(a: Kind, b: Kind) -> Option<Handler> {
    macro_rules! seconds {
        ($a:ident; $($b:ident)*) => {
            match b {
                $(Kind::$b => Some(pair::<{ Kind::$a as u8 }, { Kind::$b as u8 }> as Handler),)*
                _ => None,
            }
        };
    }
    macro_rules! firsts {
        ($($a:ident)*) => {
            match a {
                $(Kind::$a => seconds!($a; Add Sub Mul And Or Xor Sll Srl Sltu Addw Subw Addi Andi Ori Xori
                    Sltiu Slli Srli Srai Addiw Slliw Srliw Sraiw),)*
                _ => None,
            }
        };
    }
    firsts!(Add Sub Mul And Or Xor Sll Srl Sltu Addw Subw Addi Andi Ori Xori Sltiu Slli Srli Srai Addiw
        Slliw Srliw Sraiw)
}

/// F and D instructions are illegal while mstatus.FS is Off.
#[inline(always)]
fn fs_off(h: &Hart) -> bool {
    h.csr.mstatus & MSTATUS_FS == 0
}

#[cold]
fn illegal(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Option<u64> {
    let raw = decoded(h, op).raw;
    fault(h, cx, op, Exception::Illegal(raw))
}

/// FLW..FSD that the fast path did not do.
#[inline(never)]
fn fp_miss(h: &mut Hart, cx: &mut Cx, op: *const Op, w: Width) -> Ret {
    let o = unsafe { &*op };
    let end = fp_mem(h, cx, op, w, o.kind == Kind::Fsw || o.kind == Kind::Fsd);
    then(h, cx, op, end)
}

/// FLW, FLD, FSW and FSD.
#[inline(never)]
fn fp_mem(h: &mut Hart, cx: &mut Cx, op: *const Op, w: Width, store: bool) -> Option<u64> {
    let o = unsafe { &*op };
    if fs_off(h) {
        return illegal(h, cx, op);
    }
    let va = ea(h, o);
    if store {
        if let Err(e) = h.store(cx.bus(), va, w, h.f[(o.rs2 & 31) as usize]) {
            return fault(h, cx, op, e);
        }
    } else {
        match h.load(cx.bus(), va, w) {
            Ok(v) => {
                h.f[(o.rd & 31) as usize] = if w == Width::W { nan_box(v as u32) } else { v };
                h.csr.mstatus |= MSTATUS_FS;
            }
            Err(e) => return fault(h, cx, op, e),
        }
    }
    after(h, cx, op)
}

/// `fpu::binop` kept out of the handlers (its soft-float path uses the
/// frame).
#[inline(never)]
fn binop(f: FpBinOp, fmt: FpFmt, a: u64, b: u64, rm: u8) -> (u64, u8) {
    fpu::binop(f, fmt, a, b, rm)
}

/// LR, SC and the AMOs the fast path does not do.
#[inline(never)]
fn atomic_op(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Option<u64> {
    let d = decoded(h, op);
    if let Err(e) = h.execute_atomic(&d, cx.bus()) {
        return fault(h, cx, op, e);
    }
    after(h, cx, op)
}

/// Other F and D instructions, through `Hart::execute_fp`.
#[inline(never)]
fn fp_op(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Option<u64> {
    let d = decoded(h, op);
    if let Err(e) = h.execute_fp(&d, cx.bus()) {
        return fault(h, cx, op, e);
    }
    None
}

/// Anything else, through `Hart::execute`.
#[inline(never)]
fn slow_op(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Option<u64> {
    let d = decoded(h, op);
    let k = enter_slow(h, cx, op);
    let done = h.execute(&d, cx.bus());
    after_slow(h, cx, op, k, done)
}

/// The operation of the `Csr` op `o`: `imm` bits 13:12.
#[inline(always)]
fn csr_kind(o: &Op) -> CsrOp {
    match o.imm >> 12 & 3 {
        0 => CsrOp::Rw,
        1 => CsrOp::Rs,
        _ => CsrOp::Rc,
    }
}

/// The source of the `Csr` op `o`: x[rs1], or `rs1` itself when `imm`
/// bit 14 says it holds an immediate.
#[inline(always)]
fn csr_src(h: &Hart, o: &Op) -> u64 {
    if o.imm & CSR_UIMM != 0 {
        o.rs1 as u64
    } else {
        x(h, o.rs1)
    }
}

/// CSRRW..CSRRCI, as `execute` runs them, without its dispatch: the CSR
/// in `imm` bits 11:0 (`csr_kind`, `csr_src` read the rest).
#[inline(never)]
fn csr_op(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Option<u64> {
    let o = unsafe { &*op };
    let k = enter_slow(h, cx, op);
    let raw = decoded(h, op).raw;
    let done = h.csr_insn(
        raw,
        csr_kind(o),
        o.rd,
        o.imm as u16 & 0xfff,
        csr_src(h, o),
        o.rs1 != 0,
    );
    if done.is_ok() {
        h.pc = cx.next_pc(o);
    }
    after_slow(h, cx, op, k, done)
}

/// CSRRW..CSRRCI of sstatus, which kernels read and write in every
/// interrupt-off section: from S- or M-mode (where it is always allowed)
/// as `csr_insn` does it, but without its general lookups; a write that
/// leaves an interrupt to take ends the run. From U-mode, the general path
/// (which traps).
fn csr_sstatus(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    if h.prv < PRV_S {
        return csr(h, cx, op);
    }
    if matches!(csr_kind(o), CsrOp::Rw) || o.rs1 != 0 {
        return sstatus_write(h, cx, op);
    }
    set0(h, o.rd, h.sstatus());
    next(h, cx, op)
}

/// The writing half of `csr_sstatus` (its call to `csr_write` would make
/// the reads save registers too).
#[inline(never)]
fn sstatus_write(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    let (old, src) = (h.sstatus(), csr_src(h, o));
    let new = match csr_kind(o) {
        CsrOp::Rw => src,
        CsrOp::Rs => old | src,
        CsrOp::Rc => old & !src,
    };
    h.csr_write(SSTATUS, new);
    set0(h, o.rd, old);
    if h.csr.mip & h.csr.mie != 0 {
        return interrupt_check(h, cx, op);
    }
    next(h, cx, op)
}

/// After the CSR write at `op`: ends the run when it left an interrupt to
/// take.
#[inline(never)]
fn interrupt_check(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let end = if h.pending_interrupt().is_some() {
        leave(h, cx, op, cx.next_pc(unsafe { &*op }))
    } else {
        None
    };
    then(h, cx, op, end)
}

/// Sets pc and `retired` as a slow op at `op` expects them; returns its
/// index in its block.
#[inline(always)]
fn enter_slow(h: &mut Hart, cx: &mut Cx, op: *const Op) -> u64 {
    let k = cx.index(op);
    h.pc = cx.pc(unsafe { &*op });
    h.retired = cx.r0 + cx.done + k;
    k
}

/// After the slow op at `op`, index `k`, did its work (`done`): takes its
/// trap, or retires it; Some(instructions used) when the run ends.
#[inline(always)]
fn after_slow(
    h: &mut Hart,
    cx: &mut Cx,
    op: *const Op,
    k: u64,
    done: Result<(), Exception>,
) -> Option<u64> {
    if let Err(e) = done {
        h.exception(e);
    } else {
        h.retired += 1;
        // A slow op ending its block (system, satp) ends the run, and so
        // does one leaving an interrupt to take.
        let ends = unsafe { (*op.add(1)).kind } == Kind::Exit;
        if !(ends
            || h.mmio_accessed
            || !h.blocks.fresh(&cx.bus().ram)
            || h.wfi
            || (h.csr.mip & h.csr.mie != 0 && h.pending_interrupt().is_some()))
        {
            return None;
        }
    }
    Some(end_in_block(h, cx, k + 1, unsafe { (*op).nmem }))
}

/// Handlers of ops whose work is a function of their own. Never inlined:
/// other handlers that fall back on them reach them by a jump.
macro_rules! through {
    ($($name:ident: |$h:ident, $cx:ident, $op:ident| $body:expr;)*) => {$(
        #[inline(never)]
        fn $name($h: &mut Hart, $cx: &mut Cx, $op: *const Op) -> Ret {
            let end = $body;
            then($h, $cx, $op, end)
        }
    )*};
}

// FLW..FSD take a TLB hit inline, with FS on.
macro_rules! fp_loads {
    ($($name:ident: $w:expr, |$v:ident| $box:expr;)*) => {$(
        fn $name(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
            let o = unsafe { &*op };
            if !fs_off(h) {
                if let Some($v) = h.load_fast(ea(h, o), $w) {
                    h.f[(o.rd & 31) as usize] = $box;
                    h.csr.mstatus |= MSTATUS_FS;
                    return next(h, cx, op);
                }
            }
            fp_miss(h, cx, op, $w)
        }
    )*};
}

fp_loads! {
    flw: Width::W, |v| nan_box(v as u32);
    fld: Width::D, |v| v;
}

macro_rules! fp_stores {
    ($($name:ident: $w:expr;)*) => {$(
        fn $name(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
            let o = unsafe { &*op };
            if !fs_off(h) && h.store_fast(ea(h, o), $w, h.f[(o.rs2 & 31) as usize]) {
                return next(h, cx, op);
            }
            fp_miss(h, cx, op, $w)
        }
    )*};
}

fp_stores! {
    fsw: Width::W;
    fsd: Width::D;
}

// FADD..FDIV as `execute_fp` runs them: FS Off, then a reserved rounding
// mode, are illegal.
macro_rules! fp_bins {
    ($($name:ident: $op:expr, $fmt:expr;)*) => {$(
        fn $name(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
            let o = unsafe { &*op };
            if fs_off(h) {
                let end = illegal(h, cx, op);
                return then(h, cx, op, end);
            }
            let Some(rm) = h.resolve_rm(o.imm as u8) else {
                let end = illegal(h, cx, op);
                return then(h, cx, op, end);
            };
            let (a, b) = (h.f[(o.rs1 & 31) as usize], h.f[(o.rs2 & 31) as usize]);
            let (v, flags) = binop($op, $fmt, a, b, rm);
            h.f[(o.rd & 31) as usize] = v;
            h.csr.fflags |= flags;
            h.csr.mstatus |= MSTATUS_FS;
            next(h, cx, op)
        }
    )*};
}

fp_bins! {
    fadd_s: FpBinOp::Add, FpFmt::S;
    fsub_s: FpBinOp::Sub, FpFmt::S;
    fmul_s: FpBinOp::Mul, FpFmt::S;
    fdiv_s: FpBinOp::Div, FpFmt::S;
    fadd_d: FpBinOp::Add, FpFmt::D;
    fsub_d: FpBinOp::Sub, FpFmt::D;
    fmul_d: FpBinOp::Mul, FpFmt::D;
    fdiv_d: FpBinOp::Div, FpFmt::D;
}

through! {
    atomic: |h, cx, op| atomic_op(h, cx, op);
    fp: |h, cx, op| fp_op(h, cx, op);
    slow: |h, cx, op| slow_op(h, cx, op);
    csr: |h, cx, op| csr_op(h, cx, op);
}

// An AMO on a TLB hit runs straight in RAM, one handler per operation and
// width; the rest (misses, misalignment, devices) through `execute_atomic`.
macro_rules! amos {
    ($($name:ident: $amo:expr, $w:expr, $mask:expr;)*) => {$(
        fn $name(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
            let o = unsafe { &*op };
            match h.amo_fast($amo, $w, x(h, o.rs1), x(h, o.rs2) & $mask) {
                Some(old) => {
                    set0(h, o.rd, old);
                    next(h, cx, op)
                }
                None => atomic(h, cx, op),
            }
        }
    )*};
}

amos! {
    amoswap_w: AmoOp::Swap, Width::W, 0xffff_ffff;
    amoadd_w: AmoOp::Add, Width::W, 0xffff_ffff;
    amoxor_w: AmoOp::Xor, Width::W, 0xffff_ffff;
    amoand_w: AmoOp::And, Width::W, 0xffff_ffff;
    amoor_w: AmoOp::Or, Width::W, 0xffff_ffff;
    amomin_w: AmoOp::Min, Width::W, 0xffff_ffff;
    amomax_w: AmoOp::Max, Width::W, 0xffff_ffff;
    amominu_w: AmoOp::Minu, Width::W, 0xffff_ffff;
    amomaxu_w: AmoOp::Maxu, Width::W, 0xffff_ffff;
    amoswap_d: AmoOp::Swap, Width::D, u64::MAX;
    amoadd_d: AmoOp::Add, Width::D, u64::MAX;
    amoxor_d: AmoOp::Xor, Width::D, u64::MAX;
    amoand_d: AmoOp::And, Width::D, u64::MAX;
    amoor_d: AmoOp::Or, Width::D, u64::MAX;
    amomin_d: AmoOp::Min, Width::D, u64::MAX;
    amomax_d: AmoOp::Max, Width::D, u64::MAX;
    amominu_d: AmoOp::Minu, Width::D, u64::MAX;
    amomaxu_d: AmoOp::Maxu, Width::D, u64::MAX;
}

/// The AMO handler of operation `amo` on words (`d` false) or doublewords.
fn amo_handler(amo: AmoOp, d: bool) -> Handler {
    match (amo, d) {
        (AmoOp::Swap, false) => amoswap_w,
        (AmoOp::Add, false) => amoadd_w,
        (AmoOp::Xor, false) => amoxor_w,
        (AmoOp::And, false) => amoand_w,
        (AmoOp::Or, false) => amoor_w,
        (AmoOp::Min, false) => amomin_w,
        (AmoOp::Max, false) => amomax_w,
        (AmoOp::Minu, false) => amominu_w,
        (AmoOp::Maxu, false) => amomaxu_w,
        (AmoOp::Swap, true) => amoswap_d,
        (AmoOp::Add, true) => amoadd_d,
        (AmoOp::Xor, true) => amoxor_d,
        (AmoOp::And, true) => amoand_d,
        (AmoOp::Or, true) => amoor_d,
        (AmoOp::Min, true) => amomin_d,
        (AmoOp::Max, true) => amomax_d,
        (AmoOp::Minu, true) => amominu_d,
        (AmoOp::Maxu, true) => amomaxu_d,
    }
}

fn nop(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    next(h, cx, op)
}

/// Not an instruction: the end of a block.
fn exit(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    chain(h, cx, op, cx.index(op), cx.pc(unsafe { &*op }))
}

/// Not an instruction: the budget ends before it.
fn stop(h: &mut Hart, cx: &mut Cx, op: *const Op) -> Ret {
    let o = unsafe { &*op };
    let k = cx.index(op);
    h.pc = cx.pc(o);
    h.retired = cx.r0 + cx.done + k;
    (null(), end_in_block(h, cx, k, o.nmem))
}

/// The handler of ops of kind `k` with immediate `imm` (for AMOs, the
/// operation's index in `AMO_OPS`) and destination `rd`. Loads and jumps
/// writing x0 have handlers of their own: the others' need not keep x0.
pub fn handler(k: Kind, imm: i32, rd: u8) -> Handler {
    let amo = || AMO_OPS[imm as usize % AMO_OPS.len()];
    if k == Kind::Csr && imm & 0xfff == SSTATUS as i32 {
        return csr_sstatus;
    }
    if rd == 0 {
        match k {
            Kind::Lb | Kind::Lh | Kind::Lw | Kind::Ld | Kind::Lbu | Kind::Lhu | Kind::Lwu => {
                return load_x0
            }
            Kind::Jal => return j,
            Kind::Jalr => return jr,
            _ => {}
        }
    }
    match k {
        Kind::Lui => lui,
        Kind::Auipc => auipc,
        Kind::Jal => jal,
        Kind::Jalr => jalr,
        Kind::Beq => branch::<{ Kind::Beq as u8 }>,
        Kind::Bne => branch::<{ Kind::Bne as u8 }>,
        Kind::Blt => branch::<{ Kind::Blt as u8 }>,
        Kind::Bge => branch::<{ Kind::Bge as u8 }>,
        Kind::Bltu => branch::<{ Kind::Bltu as u8 }>,
        Kind::Bgeu => branch::<{ Kind::Bgeu as u8 }>,
        Kind::Lb => lb,
        Kind::Lh => lh,
        Kind::Lw => lw,
        Kind::Ld => ld,
        Kind::Lbu => lbu,
        Kind::Lhu => lhu,
        Kind::Lwu => lwu,
        Kind::Sb => sb,
        Kind::Sh => sh,
        Kind::Sw => sw,
        Kind::Sd => sd,
        Kind::Flw => flw,
        Kind::Fld => fld,
        Kind::Fsw => fsw,
        Kind::Fsd => fsd,
        Kind::FaddS => fadd_s,
        Kind::FsubS => fsub_s,
        Kind::FmulS => fmul_s,
        Kind::FdivS => fdiv_s,
        Kind::FaddD => fadd_d,
        Kind::FsubD => fsub_d,
        Kind::FmulD => fmul_d,
        Kind::FdivD => fdiv_d,
        Kind::AmoW => amo_handler(amo(), false),
        Kind::AmoD => amo_handler(amo(), true),
        Kind::Atomic => atomic,
        Kind::Fp => fp,
        Kind::Nop => nop,
        Kind::Slow => slow,
        Kind::Csr => csr,
        Kind::Exit => exit,
        Kind::Stop => stop,
        // The integer ops; any other kind would go through `execute`.
        _ => alu_handler(k).unwrap_or(slow),
    }
}

impl Hart {
    /// Runs the cached block `start..start + len` of the arena, whose first
    /// instruction is at pc in the RAM page at `page_pa`, and then the cached
    /// blocks it leads to, up to `max` (> 0) instructions. Returns how many
    /// were used (retired, or the last one trapped), leaving pc, `retired`
    /// and any trap as `execute` one at a time would.
    #[inline(always)]
    pub(super) fn run_ops(
        &mut self,
        bus: &mut Bus,
        start: usize,
        len: usize,
        page_pa: u64,
        max: u64,
    ) -> u64 {
        if len as u64 <= max {
            return self.run_chain(bus, start, page_pa, max);
        }
        // The budget ends inside this block: a Stop stands in for the first
        // op beyond it while the block runs. No chained block can reach it:
        // this block is longer than the budget.
        // A run of loads or stores reaching over it goes one op at a time.
        let i = start + max as usize;
        let op = self.blocks.ops[i];
        let covers = |j: usize| j + run_of(&self.blocks.ops[j]) > i;
        let head = match self.blocks.ops[i].is_mem() {
            true => (i.saturating_sub(MAX_RUN).max(start)..i).find(|&j| covers(j)),
            false => Some(i - 1).filter(|&j| j >= start && covers(j)),
        };
        let head_op = head.map(|j| self.blocks.ops[j]);
        if let Some(j) = head {
            let o = &mut self.blocks.ops[j];
            o.set_kind(o.kind);
        }
        let o = &mut self.blocks.ops[i];
        (o.kind, o.f) = (Kind::Stop, stop);
        let used = self.run_chain(bus, start, page_pa, max);
        self.blocks.ops[i] = op;
        if let (Some(j), Some(o)) = (head, head_op) {
            self.blocks.ops[j] = o;
        }
        used
    }

    /// `run_ops` once the first block fits the budget. Interrupts need no
    /// look in between blocks: mip and mie change only by slow ops, which
    /// end the run. It stops at anything the run loop must see: a slow op
    /// ending its block, a trap, a device access, a jump to an uncached
    /// block or page, a block longer than the budget left.
    fn run_chain(&mut self, bus: &mut Bus, start: usize, mut page_pa: u64, max: u64) -> u64 {
        let ops0: *mut Op = self.blocks.ops.as_mut_ptr();
        // SAFETY (every use of `ops0` and the ops below): the arena holds
        // every block that `get` or `lookup` returned or a link names, and is
        // neither grown nor cleared while blocks run (only `get` builds or
        // clears it; flushes wait for it).
        // The running block's first op.
        let mut bp: *const Op = unsafe { ops0.add(start) };
        let mut cx = Cx {
            bus,
            base: self.pc,
            r0: self.retired,
            done: 0,
            limit: 0,
            ops0,
            hmeta: History::meta(page_pa, 0, self.prv),
        };
        let mut spin = None;
        loop {
            cx.limit = max.min(cx.done + CHAIN);
            let (exit, to) = unsafe { ((*bp).f)(self, &mut cx, bp) };
            if exit.is_null() {
                return to;
            }
            let exit = exit as *mut Op;
            // SAFETY: a handler returns an op of the running block.
            let e = unsafe { &mut *exit };
            let n = cx.index(exit) + (e.kind != Kind::Exit) as u64;
            cx.done += n;
            self.mmu.lookups += e.nmem as u64;
            self.history.push(cx.base, cx.hmeta | n << 48);
            if e.spin && to == cx.base {
                self.spin(&mut cx, bp, e, &mut spin, max);
            }
            // Chain to the next block while it is cached and fits the
            // budget: through the exit's link or the block cache in this
            // page, through the fetch TLB elsewhere.
            let base = cx.base;
            let l = if e.link != NO_LINK {
                e.link
            } else if (to ^ base) >> 12 == 0 {
                match self.blocks.lookup(page_pa | (to & 0xfff)) {
                    Some((s, l)) => {
                        let l = link(s, l);
                        // A JALR's target varies: never cached. A block
                        // that may spin comes back here each time round.
                        if e.kind != Kind::Jalr && !e.spin {
                            e.link = l;
                        }
                        l
                    }
                    None => NO_LINK,
                }
            } else if let Some(pp) = self.mmu.lookup_code(to) {
                self.mmu.lookups += 1;
                match self.blocks.lookup(pp | (to & 0xfff)) {
                    Some((s, l)) => {
                        page_pa = pp;
                        cx.hmeta = History::meta(page_pa, 0, self.prv);
                        link(s, l)
                    }
                    None => NO_LINK,
                }
            } else {
                NO_LINK
            };
            let next_len = link_len(l);
            if l == NO_LINK || cx.done + next_len > max {
                self.pc = to;
                self.retired = cx.r0 + cx.done;
                return cx.done;
            }
            cx.base = to;
            bp = unsafe { ops0.byte_add(link_offset(l)) };
        }
    }

    /// At the end of an iteration of a block that may spin (`uop::may_spin`),
    /// first op `bp`, by the branch `e`: when it left its AMO's word (if it
    /// has one) as the last iteration (`last`) left it, and walked no page
    /// table, every further iteration will do the same as this one (only
    /// this hart runs until the run ends), so the run skips as many as it
    /// would run before looking again (`run_chain`, within `max`), counting
    /// them (their TLB lookups and, up to its size, the history's records)
    /// as if they ran.
    #[inline(never)]
    fn spin(&mut self, cx: &mut Cx, bp: *const Op, e: &Op, last: &mut Option<Spin>, max: u64) {
        let len = cx.index(e) + 1;
        // SAFETY: `bp` is the running block's first op, `e` one of its
        // ops, and an `Exit` closes the block.
        let ops = unsafe { std::slice::from_raw_parts(bp, len as usize) };
        let word = match spin_amo(ops) {
            Some(a) => {
                let w = if a.kind == Kind::AmoW {
                    Width::W
                } else {
                    Width::D
                };
                match self.tlb_host(x(self, a.rs1), w, false) {
                    // SAFETY: as for `Hart::load_fast`.
                    Some(p) => unsafe { read_at(p, w) },
                    None => {
                        *last = None;
                        return;
                    }
                }
            }
            None => 0,
        };
        let now = Spin {
            done: cx.done,
            word,
            lookups: self.mmu.lookups,
            misses: self.mmu.misses,
        };
        let Some(l) = last
            .take()
            .filter(|l| l.done + len == now.done && l.word == now.word && l.misses == now.misses)
        else {
            *last = Some(now);
            return;
        };
        let block = (len..).find(|&i| unsafe { (*bp.add(i as usize)).kind } == Kind::Exit);
        let block = block.unwrap_or(len);
        if cx.done + block > max {
            return;
        }
        let skip = (max - block - cx.done) / len + 1;
        cx.done += skip * len;
        self.mmu.lookups += skip * (now.lookups - l.lookups);
        for _ in 0..skip.min(HISTORY_CAP as u64) {
            self.history.push(cx.base, cx.hmeta | len << 48);
        }
    }
}

/// What an iteration of a block that may spin left.
pub(super) struct Spin {
    /// Instructions the run had done then.
    done: u64,
    /// The word its AMO addresses (0 without one).
    word: u64,
    /// The TLB's lookups and walks by then.
    lookups: u64,
    misses: u64,
}
