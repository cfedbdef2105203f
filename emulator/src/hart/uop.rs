//! The fast path: decoded instructions lowered into narrow micro-ops (one
//! flat opcode byte, registers, immediate, offset in the block, a link to
//! the next block), and the loop that runs cached blocks of them, following
//! links from block to block. Integer ops, loads and stores, FADD..FDIV and
//! the atomics run here; anything uncommon (CSRs, system, other floating
//! point) runs through `execute` or `execute_fp`.

use super::csr::MSTATUS_FS;
use super::execute::{alu, alu_w, sign_extend};
use super::fpu::{self, nan_box};
use super::insn::{AluOp, Cond, Decoded, FpBinOp, FpFmt, Insn, Width, AMO_OPS};
use super::Exception;
use super::Hart;
use crate::bus::Bus;
use crate::history::History;

/// Flat opcodes of the micro-ops: one jump-table dispatch per instruction.
/// Everything up to `Auipc` only writes rd and cannot trap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    Addw,
    Subw,
    Sllw,
    Srlw,
    Sraw,
    Mulw,
    Divw,
    Divuw,
    Remw,
    Remuw,
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Addiw,
    Slliw,
    Srliw,
    Sraiw,
    Lui,
    Auipc,
    Jal,
    Jalr,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    Lb,
    Lh,
    Lw,
    Ld,
    Lbu,
    Lhu,
    Lwu,
    Sb,
    Sh,
    Sw,
    Sd,
    Flw,
    Fld,
    Fsw,
    Fsd,
    /// FADD..FDIV in single and double precision, the rounding mode in `imm`.
    FaddS,
    FsubS,
    FmulS,
    FdivS,
    FaddD,
    FsubD,
    FmulD,
    FdivD,
    /// AMOs of a word or doubleword, the operation's index in `AMO_OPS` in
    /// `imm`; a TLB miss goes through `Hart::execute_atomic`.
    AmoW,
    AmoD,
    /// LR and SC, through `Hart::execute_atomic`.
    Atomic,
    /// Other F/D instructions, through `Hart::execute_fp`.
    Fp,
    Nop,
    /// Runs the block's `Decoded` through `Hart::execute`.
    Slow,
    /// Not an instruction: the end of a block, falling through to `off`.
    Exit,
    /// Not an instruction: put in place of the first op beyond the budget,
    /// it ends the run before that op.
    Stop,
}

/// No block linked yet.
pub const NO_LINK: u32 = u32::MAX;

/// A link to a cached block: its first op's index in the arena and its
/// length (at most `MAX_BLOCK`, so 7 bits).
#[inline(always)]
pub fn link(start: usize, len: usize) -> u32 {
    (start as u32) << 7 | len as u32
}

/// One micro-op. `off` is the instruction's byte offset from the block's
/// first instruction (blocks never leave a page), `len` its length, `nmem`
/// the loads and stores before it in its block (TLB lookups, for
/// `--stats`). `link` caches the block a taken branch or jump, or an
/// `Exit`, leads to when it is in the same page (`NO_LINK` until known).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    pub kind: Kind,
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    pub imm: i32,
    pub off: u16,
    pub len: u8,
    pub nmem: u8,
    pub link: u32,
}

impl Op {
    /// The `Exit` closing a block whose instructions end `off` bytes in,
    /// after `nmem` loads and stores.
    pub fn exit(off: u16, nmem: u8) -> Op {
        Op {
            kind: Kind::Exit,
            rd: 0,
            rs1: 0,
            rs2: 0,
            imm: 0,
            off,
            len: 0,
            nmem,
            link: NO_LINK,
        }
    }

    /// Whether the op loads or stores through the TLB.
    pub fn is_mem(&self) -> bool {
        (Kind::Lb as u8..=Kind::Fsd as u8).contains(&(self.kind as u8))
    }
}

fn reg_kind(op: AluOp, w: bool) -> Kind {
    use AluOp as A;
    match (op, w) {
        (A::Add, false) => Kind::Add,
        (A::Sub, false) => Kind::Sub,
        (A::Sll, false) => Kind::Sll,
        (A::Slt, false) => Kind::Slt,
        (A::Sltu, false) => Kind::Sltu,
        (A::Xor, false) => Kind::Xor,
        (A::Srl, false) => Kind::Srl,
        (A::Sra, false) => Kind::Sra,
        (A::Or, false) => Kind::Or,
        (A::And, false) => Kind::And,
        (A::Mul, false) => Kind::Mul,
        (A::Mulh, false) => Kind::Mulh,
        (A::Mulhsu, false) => Kind::Mulhsu,
        (A::Mulhu, false) => Kind::Mulhu,
        (A::Div, false) => Kind::Div,
        (A::Divu, false) => Kind::Divu,
        (A::Rem, false) => Kind::Rem,
        (A::Remu, false) => Kind::Remu,
        (A::Add, true) => Kind::Addw,
        (A::Sub, true) => Kind::Subw,
        (A::Sll, true) => Kind::Sllw,
        (A::Srl, true) => Kind::Srlw,
        (A::Sra, true) => Kind::Sraw,
        (A::Mul, true) => Kind::Mulw,
        (A::Div, true) => Kind::Divw,
        (A::Divu, true) => Kind::Divuw,
        (A::Rem, true) => Kind::Remw,
        (A::Remu, true) => Kind::Remuw,
        _ => Kind::Slow,
    }
}

fn imm_kind(op: AluOp, w: bool) -> Kind {
    use AluOp as A;
    match (op, w) {
        (A::Add, false) => Kind::Addi,
        (A::Slt, false) => Kind::Slti,
        (A::Sltu, false) => Kind::Sltiu,
        (A::Xor, false) => Kind::Xori,
        (A::Or, false) => Kind::Ori,
        (A::And, false) => Kind::Andi,
        (A::Sll, false) => Kind::Slli,
        (A::Srl, false) => Kind::Srli,
        (A::Sra, false) => Kind::Srai,
        (A::Add, true) => Kind::Addiw,
        (A::Sll, true) => Kind::Slliw,
        (A::Srl, true) => Kind::Srliw,
        (A::Sra, true) => Kind::Sraiw,
        _ => Kind::Slow,
    }
}

/// Lowers `d`, found `off` bytes into its block, to a micro-op.
pub fn lower(d: &Decoded, off: u16) -> Op {
    let (kind, rd, rs1, rs2, imm) = match d.insn {
        Insn::Op {
            op,
            w,
            rd,
            rs1,
            rs2,
        } => (reg_kind(op, w), rd, rs1, rs2, 0),
        Insn::OpImm {
            op,
            w,
            rd,
            rs1,
            imm,
        } => (imm_kind(op, w), rd, rs1, 0, imm),
        Insn::Lui { rd, imm } => (Kind::Lui, rd, 0, 0, imm),
        Insn::Auipc { rd, imm } => (Kind::Auipc, rd, 0, 0, imm),
        Insn::Jal { rd, imm } => (Kind::Jal, rd, 0, 0, imm),
        Insn::Jalr { rd, rs1, imm } => (Kind::Jalr, rd, rs1, 0, imm),
        Insn::Branch {
            cond,
            rs1,
            rs2,
            imm,
        } => {
            let k = match cond {
                Cond::Eq => Kind::Beq,
                Cond::Ne => Kind::Bne,
                Cond::Lt => Kind::Blt,
                Cond::Ge => Kind::Bge,
                Cond::Ltu => Kind::Bltu,
                Cond::Geu => Kind::Bgeu,
            };
            (k, 0, rs1, rs2, imm)
        }
        Insn::Load {
            width,
            signed,
            rd,
            rs1,
            imm,
        } => {
            let k = match (width, signed) {
                (Width::B, true) => Kind::Lb,
                (Width::H, true) => Kind::Lh,
                (Width::W, true) => Kind::Lw,
                (Width::D, _) => Kind::Ld,
                (Width::B, false) => Kind::Lbu,
                (Width::H, false) => Kind::Lhu,
                (Width::W, false) => Kind::Lwu,
            };
            (k, rd, rs1, 0, imm)
        }
        Insn::Store {
            width,
            rs1,
            rs2,
            imm,
        } => {
            let k = match width {
                Width::B => Kind::Sb,
                Width::H => Kind::Sh,
                Width::W => Kind::Sw,
                Width::D => Kind::Sd,
            };
            (k, 0, rs1, rs2, imm)
        }
        Insn::FLoad { fmt, rd, rs1, imm } => {
            let k = if fmt == FpFmt::S {
                Kind::Flw
            } else {
                Kind::Fld
            };
            (k, rd, rs1, 0, imm)
        }
        Insn::FStore { fmt, rs1, rs2, imm } => {
            let k = if fmt == FpFmt::S {
                Kind::Fsw
            } else {
                Kind::Fsd
            };
            (k, 0, rs1, rs2, imm)
        }
        Insn::FBin {
            op: op @ (FpBinOp::Add | FpBinOp::Sub | FpBinOp::Mul | FpBinOp::Div),
            fmt,
            rd,
            rs1,
            rs2,
            rm,
        } => {
            let k = match (op, fmt) {
                (FpBinOp::Add, FpFmt::S) => Kind::FaddS,
                (FpBinOp::Sub, FpFmt::S) => Kind::FsubS,
                (FpBinOp::Mul, FpFmt::S) => Kind::FmulS,
                (FpBinOp::Div, FpFmt::S) => Kind::FdivS,
                (FpBinOp::Add, FpFmt::D) => Kind::FaddD,
                (FpBinOp::Sub, FpFmt::D) => Kind::FsubD,
                (FpBinOp::Mul, FpFmt::D) => Kind::FmulD,
                _ => Kind::FdivD,
            };
            (k, rd, rs1, rs2, rm as i32)
        }
        Insn::Fma { .. }
        | Insn::FBin { .. }
        | Insn::FSqrt { .. }
        | Insn::FCmp { .. }
        | Insn::FClass { .. }
        | Insn::FCvtToInt { .. }
        | Insn::FCvtFromInt { .. }
        | Insn::FCvtFmt { .. }
        | Insn::FMvToInt { .. }
        | Insn::FMvFromInt { .. } => (Kind::Fp, 0, 0, 0, 0),
        Insn::Fence => (Kind::Nop, 0, 0, 0, 0),
        Insn::Amo {
            op,
            width,
            rd,
            rs1,
            rs2,
            ..
        } => {
            let k = if width == Width::W {
                Kind::AmoW
            } else {
                Kind::AmoD
            };
            (k, rd, rs1, rs2, op as i32)
        }
        Insn::Lr { .. } | Insn::Sc { .. } => (Kind::Atomic, 0, 0, 0, 0),
        _ => (Kind::Slow, 0, 0, 0, 0),
    };
    // Writes of x0 by instructions that cannot trap do nothing.
    let kind = if rd == 0 && kind as u8 <= Kind::Auipc as u8 {
        Kind::Nop
    } else {
        kind
    };
    Op {
        kind,
        rd: rd & 31,
        rs1: rs1 & 31,
        rs2: rs2 & 31,
        imm,
        off,
        len: d.len,
        nmem: 0,
        link: NO_LINK,
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
            return self.run_chain(bus, start, len, page_pa, max);
        }
        // The budget ends inside this block: a Stop stands in for the first
        // op beyond it while the block runs. No chained block can reach it:
        // this block is longer than the budget.
        let i = start + max as usize;
        let kind = std::mem::replace(&mut self.blocks.ops[i].kind, Kind::Stop);
        let used = self.run_chain(bus, start, len, page_pa, max);
        self.blocks.ops[i].kind = kind;
        used
    }

    /// `run_ops` once the first block fits the budget. Interrupts need no
    /// look in between blocks: mip and mie change only by slow ops, which
    /// end the run. It stops at anything the run loop must see: a slow op
    /// ending its block, a trap, a device access, a jump to an uncached
    /// block or page, a block longer than the budget left.
    #[inline(always)]
    fn run_chain(
        &mut self,
        bus: &mut Bus,
        start: usize,
        len: usize,
        mut page_pa: u64,
        max: u64,
    ) -> u64 {
        let r0 = self.retired;
        let mut base = self.pc;
        // Instructions of the blocks finished in this run.
        let mut done = 0u64;
        let ops0: *mut Op = self.blocks.ops.as_mut_ptr();
        // SAFETY (every use of `ops0`, `bp` and `p` below): the arena holds
        // every block that `get` or `lookup` returned or a link names, and is
        // neither grown nor cleared while blocks run (only `get` builds or
        // clears it; flushes wait for it). Every block ends with an `Exit`
        // op, and a `Stop` stands in for the first op beyond the budget, so
        // `p` never passes the end of its block.
        let mut bp = unsafe { ops0.add(start) };
        let mut p = bp;
        // The crash history's record of a block, but for its pc and length.
        let mut hmeta = History::meta(page_pa, 0, self.prv);
        self.history
            .push(base, hmeta | (base & 0xfff) | (len as u64) << 48);
        // Index in its block of the op being run.
        macro_rules! k {
            () => {
                (unsafe { p.offset_from(bp) } as u64 - 1)
            };
        }
        // SAFETY (x!, set!, set0!): ops hold register numbers below 32
        // (`lower` masks them).
        macro_rules! x {
            ($r:expr) => {
                *unsafe { self.x.get_unchecked($r as usize) }
            };
        }
        // Lowering turned writes of x0 into Nops, except for loads and jumps.
        macro_rules! set {
            ($r:expr, $v:expr) => {{
                let v = $v;
                *unsafe { self.x.get_unchecked_mut($r as usize) } = v;
            }};
        }
        macro_rules! set0 {
            ($r:expr, $v:expr) => {{
                let v = $v;
                *unsafe { self.x.get_unchecked_mut($r as usize) } = v;
                self.x[0] = 0;
            }};
        }
        macro_rules! rr {
            ($op:ident, |$a:ident, $b:ident| $e:expr) => {{
                let ($a, $b) = (x!($op.rs1), x!($op.rs2));
                set!($op.rd, $e)
            }};
        }
        macro_rules! ri {
            ($op:ident, |$a:ident, $b:ident| $e:expr) => {{
                let ($a, $b) = (x!($op.rs1), $op.imm as i64 as u64);
                set!($op.rd, $e)
            }};
        }
        macro_rules! w {
            ($e:expr) => {
                $e as i32 as i64 as u64
            };
        }
        // Ends the run having used `$used` instructions, the TLB lookups
        // of the current block's first `$nmem` being counted.
        macro_rules! finish {
            ($used:expr, $nmem:expr) => {{
                self.mmu.lookups += $nmem as u64;
                return $used;
            }};
        }
        // The current op retired and the run loop must look: pc at `$pc`.
        macro_rules! leave {
            ($op:ident, $pc:expr) => {{
                let k = k!();
                self.pc = $pc;
                self.retired = r0 + done + k + 1;
                self.history.cut_block(k as u32 + 1);
                finish!(done + k + 1, $op.nmem + $op.is_mem() as u8);
            }};
        }
        // The current op trapped: nothing of it happened, pc points at it.
        macro_rules! fault {
            ($op:ident, $e:expr) => {{
                let k = k!();
                self.pc = base.wrapping_add($op.off as u64);
                self.retired = r0 + done + k;
                self.exception($e);
                self.history.cut_block(k as u32 + 1);
                finish!(done + k + 1, $op.nmem + $op.is_mem() as u8);
            }};
        }
        macro_rules! next {
            ($op:ident) => {
                base.wrapping_add(($op.off + $op.len as u16) as u64)
            };
        }
        // Only the slow path can reach a device.
        macro_rules! load {
            ($op:ident, $w:expr, |$v:ident| $ext:expr) => {{
                let va = x!($op.rs1).wrapping_add($op.imm as i64 as u64);
                if let Some($v) = self.load_fast(bus, va, $w) {
                    set0!($op.rd, $ext);
                } else {
                    match self.load_slow(bus, va, $w) {
                        Ok($v) => set0!($op.rd, $ext),
                        Err(e) => fault!($op, e),
                    }
                    if self.mmio_accessed {
                        leave!($op, next!($op));
                    }
                }
            }};
        }
        macro_rules! store {
            ($op:ident, $w:expr) => {{
                let va = x!($op.rs1).wrapping_add($op.imm as i64 as u64);
                let v = x!($op.rs2);
                if !self.store_fast(bus, va, $w, v) {
                    if let Err(e) = self.store_slow(bus, va, $w, v) {
                        fault!($op, e);
                    }
                    if self.mmio_accessed {
                        leave!($op, next!($op));
                    }
                }
            }};
        }
        // The decoded instruction of the op being run.
        macro_rules! decoded {
            () => {
                self.blocks.insns[unsafe { p.offset_from(ops0) } as usize - 1]
            };
        }
        // F and D are illegal while mstatus.FS is Off.
        macro_rules! fs_on {
            ($op:ident) => {
                if self.csr.mstatus & MSTATUS_FS == 0 {
                    fault!($op, Exception::Illegal(decoded!().raw));
                }
            };
        }
        // LR, SC and AMOs the fast path does not do.
        macro_rules! atomic {
            ($op:ident) => {{
                let d = decoded!();
                if let Err(e) = self.execute_atomic(&d, bus) {
                    fault!($op, e);
                }
                if self.mmio_accessed {
                    leave!($op, next!($op));
                }
            }};
        }
        // FADD..FDIV as `execute_fp` runs them: FS Off, then a reserved
        // rounding mode, are illegal.
        macro_rules! fbin {
            ($op:ident, $f:expr, $fmt:expr) => {{
                fs_on!($op);
                let Some(rm) = self.resolve_rm($op.imm as u8) else {
                    fault!($op, Exception::Illegal(decoded!().raw));
                };
                let (a, b) = (
                    self.f[($op.rs1 & 31) as usize],
                    self.f[($op.rs2 & 31) as usize],
                );
                let (v, flags) = fpu::binop($f, $fmt, a, b, rm);
                self.f[($op.rd & 31) as usize] = v;
                self.csr.fflags |= flags;
                self.csr.mstatus |= MSTATUS_FS;
            }};
        }
        loop {
            // The block's way out: the op holding the link to follow (null
            // for none), where it leads, how many of the block's
            // instructions retired, and the TLB lookups they made.
            let (exit, to, n, nmem): (*mut Op, u64, u64, u8) = 'block: loop {
                let op = unsafe { &*p };
                p = unsafe { p.add(1) };
                macro_rules! branch {
                    (|$a:ident, $b:ident| $c:expr) => {{
                        let ($a, $b) = (x!(op.rs1), x!(op.rs2));
                        if $c {
                            let to = base
                                .wrapping_add(op.off as u64)
                                .wrapping_add(op.imm as i64 as u64);
                            break 'block (unsafe { p.sub(1) }, to, k!() + 1, op.nmem);
                        }
                    }};
                }
                match op.kind {
                    Kind::Add => rr!(op, |a, b| a.wrapping_add(b)),
                    Kind::Sub => rr!(op, |a, b| a.wrapping_sub(b)),
                    Kind::Sll => rr!(op, |a, b| a << (b & 63)),
                    Kind::Slt => rr!(op, |a, b| ((a as i64) < (b as i64)) as u64),
                    Kind::Sltu => rr!(op, |a, b| (a < b) as u64),
                    Kind::Xor => rr!(op, |a, b| a ^ b),
                    Kind::Srl => rr!(op, |a, b| a >> (b & 63)),
                    Kind::Sra => rr!(op, |a, b| ((a as i64) >> (b & 63)) as u64),
                    Kind::Or => rr!(op, |a, b| a | b),
                    Kind::And => rr!(op, |a, b| a & b),
                    Kind::Mul => rr!(op, |a, b| a.wrapping_mul(b)),
                    Kind::Mulh => rr!(op, |a, b| alu(AluOp::Mulh, a, b)),
                    Kind::Mulhsu => rr!(op, |a, b| alu(AluOp::Mulhsu, a, b)),
                    Kind::Mulhu => rr!(op, |a, b| alu(AluOp::Mulhu, a, b)),
                    Kind::Div => rr!(op, |a, b| alu(AluOp::Div, a, b)),
                    Kind::Divu => rr!(op, |a, b| alu(AluOp::Divu, a, b)),
                    Kind::Rem => rr!(op, |a, b| alu(AluOp::Rem, a, b)),
                    Kind::Remu => rr!(op, |a, b| alu(AluOp::Remu, a, b)),
                    Kind::Addw => rr!(op, |a, b| w!(a.wrapping_add(b) as u32)),
                    Kind::Subw => rr!(op, |a, b| w!(a.wrapping_sub(b) as u32)),
                    Kind::Sllw => rr!(op, |a, b| w!((a as u32) << (b & 31))),
                    Kind::Srlw => rr!(op, |a, b| w!((a as u32) >> (b & 31))),
                    Kind::Sraw => rr!(op, |a, b| w!((a as i32) >> (b & 31))),
                    Kind::Mulw => rr!(op, |a, b| w!((a as u32).wrapping_mul(b as u32))),
                    Kind::Divw => rr!(op, |a, b| alu_w(AluOp::Div, a, b)),
                    Kind::Divuw => rr!(op, |a, b| alu_w(AluOp::Divu, a, b)),
                    Kind::Remw => rr!(op, |a, b| alu_w(AluOp::Rem, a, b)),
                    Kind::Remuw => rr!(op, |a, b| alu_w(AluOp::Remu, a, b)),
                    Kind::Addi => ri!(op, |a, b| a.wrapping_add(b)),
                    Kind::Slti => ri!(op, |a, b| ((a as i64) < (b as i64)) as u64),
                    Kind::Sltiu => ri!(op, |a, b| (a < b) as u64),
                    Kind::Xori => ri!(op, |a, b| a ^ b),
                    Kind::Ori => ri!(op, |a, b| a | b),
                    Kind::Andi => ri!(op, |a, b| a & b),
                    Kind::Slli => ri!(op, |a, b| a << (b & 63)),
                    Kind::Srli => ri!(op, |a, b| a >> (b & 63)),
                    Kind::Srai => ri!(op, |a, b| ((a as i64) >> (b & 63)) as u64),
                    Kind::Addiw => ri!(op, |a, b| w!(a.wrapping_add(b) as u32)),
                    Kind::Slliw => ri!(op, |a, b| w!((a as u32) << (b & 31))),
                    Kind::Srliw => ri!(op, |a, b| w!((a as u32) >> (b & 31))),
                    Kind::Sraiw => ri!(op, |a, b| w!((a as i32) >> (b & 31))),
                    Kind::Lui => set!(op.rd, op.imm as i64 as u64),
                    Kind::Auipc => set!(
                        op.rd,
                        base.wrapping_add(op.off as u64)
                            .wrapping_add(op.imm as i64 as u64)
                    ),
                    Kind::Jal => {
                        let pc = base.wrapping_add(op.off as u64);
                        set0!(op.rd, pc.wrapping_add(op.len as u64));
                        let to = pc.wrapping_add(op.imm as i64 as u64);
                        break 'block (unsafe { p.sub(1) }, to, k!() + 1, op.nmem);
                    }
                    Kind::Jalr => {
                        let to = x!(op.rs1).wrapping_add(op.imm as i64 as u64) & !1;
                        set0!(op.rd, next!(op));
                        break 'block (std::ptr::null_mut(), to, k!() + 1, op.nmem);
                    }
                    Kind::Beq => branch!(|a, b| a == b),
                    Kind::Bne => branch!(|a, b| a != b),
                    Kind::Blt => branch!(|a, b| (a as i64) < (b as i64)),
                    Kind::Bge => branch!(|a, b| (a as i64) >= (b as i64)),
                    Kind::Bltu => branch!(|a, b| a < b),
                    Kind::Bgeu => branch!(|a, b| a >= b),
                    Kind::Lb => load!(op, Width::B, |v| sign_extend(v, 1)),
                    Kind::Lh => load!(op, Width::H, |v| sign_extend(v, 2)),
                    Kind::Lw => load!(op, Width::W, |v| sign_extend(v, 4)),
                    Kind::Ld => load!(op, Width::D, |v| v),
                    Kind::Lbu => load!(op, Width::B, |v| v),
                    Kind::Lhu => load!(op, Width::H, |v| v),
                    Kind::Lwu => load!(op, Width::W, |v| v),
                    Kind::Sb => store!(op, Width::B),
                    Kind::Sh => store!(op, Width::H),
                    Kind::Sw => store!(op, Width::W),
                    Kind::Sd => store!(op, Width::D),
                    Kind::Flw | Kind::Fld => {
                        fs_on!(op);
                        let va = x!(op.rs1).wrapping_add(op.imm as i64 as u64);
                        let w = if op.kind == Kind::Flw {
                            Width::W
                        } else {
                            Width::D
                        };
                        match self.load(bus, va, w) {
                            Ok(v) => {
                                let v = if w == Width::W { nan_box(v as u32) } else { v };
                                self.f[(op.rd & 31) as usize] = v;
                                self.csr.mstatus |= MSTATUS_FS;
                            }
                            Err(e) => fault!(op, e),
                        }
                        if self.mmio_accessed {
                            leave!(op, next!(op));
                        }
                    }
                    Kind::Fsw | Kind::Fsd => {
                        fs_on!(op);
                        let va = x!(op.rs1).wrapping_add(op.imm as i64 as u64);
                        let w = if op.kind == Kind::Fsw {
                            Width::W
                        } else {
                            Width::D
                        };
                        if let Err(e) = self.store(bus, va, w, self.f[(op.rs2 & 31) as usize]) {
                            fault!(op, e);
                        }
                        if self.mmio_accessed {
                            leave!(op, next!(op));
                        }
                    }
                    Kind::FaddS => fbin!(op, FpBinOp::Add, FpFmt::S),
                    Kind::FsubS => fbin!(op, FpBinOp::Sub, FpFmt::S),
                    Kind::FmulS => fbin!(op, FpBinOp::Mul, FpFmt::S),
                    Kind::FdivS => fbin!(op, FpBinOp::Div, FpFmt::S),
                    Kind::FaddD => fbin!(op, FpBinOp::Add, FpFmt::D),
                    Kind::FsubD => fbin!(op, FpBinOp::Sub, FpFmt::D),
                    Kind::FmulD => fbin!(op, FpBinOp::Mul, FpFmt::D),
                    Kind::FdivD => fbin!(op, FpBinOp::Div, FpFmt::D),
                    Kind::AmoW | Kind::AmoD => {
                        let (width, mask) = if op.kind == Kind::AmoW {
                            (Width::W, 0xffff_ffff)
                        } else {
                            (Width::D, u64::MAX)
                        };
                        let amo = AMO_OPS[op.imm as usize % AMO_OPS.len()];
                        match self.amo_fast(bus, amo, width, x!(op.rs1), x!(op.rs2) & mask) {
                            Some(old) => set0!(op.rd, old),
                            None => atomic!(op),
                        }
                    }
                    Kind::Atomic => atomic!(op),
                    Kind::Fp => {
                        let d = decoded!();
                        if let Err(e) = self.execute_fp(&d, bus) {
                            fault!(op, e);
                        }
                    }
                    Kind::Nop => {}
                    Kind::Slow => {
                        let d = decoded!();
                        let k = k!();
                        self.pc = base.wrapping_add(op.off as u64);
                        self.retired = r0 + done + k;
                        if let Err(e) = self.execute(&d, bus) {
                            self.exception(e);
                            self.history.cut_block(k as u32 + 1);
                            finish!(done + k + 1, op.nmem);
                        }
                        self.retired += 1;
                        // A slow op ending its block (system, satp) ends the
                        // run, and so does one leaving an interrupt to take.
                        if unsafe { (*p).kind } == Kind::Exit
                            || self.mmio_accessed
                            || self.wfi
                            || (self.csr.mip & self.csr.mie != 0
                                && self.pending_interrupt().is_some())
                        {
                            self.history.cut_block(k as u32 + 1);
                            finish!(done + k + 1, op.nmem);
                        }
                    }
                    Kind::Exit => {
                        let to = base.wrapping_add(op.off as u64);
                        break 'block (unsafe { p.sub(1) }, to, k!(), op.nmem);
                    }
                    Kind::Stop => {
                        let k = k!();
                        self.pc = base.wrapping_add(op.off as u64);
                        self.retired = r0 + done + k;
                        self.history.cut_block(k as u32);
                        finish!(done + k, op.nmem);
                    }
                }
            };
            done += n;
            self.mmu.lookups += nmem as u64;
            // Chain to the next block while it is cached, fits the budget
            // and no code was written: through the exit's link or the block
            // cache in this page, through the fetch TLB elsewhere.
            let l = if !self.blocks.fresh(&bus.ram) {
                NO_LINK
            } else if !exit.is_null() && unsafe { (*exit).link } != NO_LINK {
                unsafe { (*exit).link }
            } else if (to ^ base) >> 12 == 0 {
                match self.blocks.lookup(page_pa | (to & 0xfff)) {
                    Some((s, l)) => {
                        let l = link(s, l);
                        if !exit.is_null() {
                            unsafe { (*exit).link = l };
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
                        hmeta = History::meta(page_pa, 0, self.prv);
                        link(s, l)
                    }
                    None => NO_LINK,
                }
            } else {
                NO_LINK
            };
            let next_len = (l & 127) as u64;
            if l == NO_LINK || done + next_len > max {
                self.pc = to;
                self.retired = r0 + done;
                finish!(done, 0);
            }
            base = to;
            bp = unsafe { ops0.add((l >> 7) as usize) };
            p = bp;
            self.history
                .push(base, hmeta | (base & 0xfff) | next_len << 48);
        }
    }
}

#[cfg(test)]
#[path = "uop_tests.rs"]
mod tests;
