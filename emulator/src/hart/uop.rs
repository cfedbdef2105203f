//! The fast path's code: decoded instructions lowered into narrow
//! micro-ops (a handler, a flat kind, registers, immediate, offset in the
//! block, a link to the next block), which `dispatch` runs. Integer ops,
//! loads and stores, FADD..FDIV and the atomics have handlers of their own;
//! anything uncommon (CSRs, system, other floating point) runs through
//! `execute` or `execute_fp`.

use super::dispatch::{alu_op, handler, pair_handler, run_handler, Handler};
use super::insn::{AluOp, Cond, CsrOp, Decoded, FpBinOp, FpFmt, Insn, Width};

/// Flat opcodes of the micro-ops, each with its handler.
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
    /// JAL and the branches hold in `imm` their target's offset from the
    /// block's first instruction.
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
    /// CSRRW..CSRRCI (`dispatch::csr_op` says how `imm` holds them).
    Csr,
    /// Runs the block's `Decoded` through `Hart::execute`.
    Slow,
    /// Not an instruction: the end of a block, falling through to `off`.
    Exit,
    /// Not an instruction: put in place of the first op beyond the budget,
    /// it ends the run before that op.
    Stop,
}

/// Where a link holds its block's length.
const LEN_SHIFT: u32 = 48;

/// No block linked yet. All ones: its length, `link_len(NO_LINK)`, is
/// longer than any budget a handler chains within (`dispatch::CHAIN`).
pub const NO_LINK: u64 = u64::MAX;

/// A link to a cached block: the byte offset of its first op in the arena
/// (low 32 bits) and its length (at most `MAX_BLOCK`) at bit 48.
#[inline(always)]
pub fn link(start: usize, len: usize) -> u64 {
    (len as u64) << LEN_SHIFT | (start * size_of::<Op>()) as u64
}

/// The byte offset in the arena of the first op of the block linked by `l`.
#[inline(always)]
pub fn link_offset(l: u64) -> usize {
    l as u32 as usize
}

/// The length of the block linked by `l`.
#[inline(always)]
pub const fn link_len(l: u64) -> u64 {
    l >> LEN_SHIFT
}

/// One micro-op: its handler, and what the handler reads. `idx` is its
/// index in its block, `off` the instruction's byte offset from the block's
/// first instruction (blocks never leave a page), `len` its length, `nmem`
/// the loads and stores before it in its block (TLB lookups, for
/// `--stats`). `link` caches the block a taken branch or jump, or an
/// `Exit`, leads to when it is in the same page (`NO_LINK` until known);
/// in the first load or store of a run (`fuse`), the run's span.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    /// Runs the op and the rest of its block (`dispatch`); set with `kind`.
    pub f: Handler,
    pub kind: Kind,
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    pub imm: i32,
    pub off: u16,
    pub len: u8,
    pub nmem: u8,
    pub idx: u8,
    /// The branch closing a block that may spin (`may_spin`).
    pub spin: bool,
    pub link: u64,
}

impl Op {
    /// The `Exit` closing a block of `idx` instructions, which end `off`
    /// bytes in, after `nmem` loads and stores.
    pub fn exit(idx: u8, off: u16, nmem: u8) -> Op {
        Op {
            f: handler(Kind::Exit, 0, 0),
            kind: Kind::Exit,
            rd: 0,
            rs1: 0,
            rs2: 0,
            imm: 0,
            off,
            len: 0,
            nmem,
            idx,
            spin: false,
            link: NO_LINK,
        }
    }

    /// Makes the op one of kind `k`.
    pub fn set_kind(&mut self, k: Kind) {
        self.kind = k;
        self.f = handler(k, self.imm, self.rd);
    }

    /// Whether the op loads or stores through the TLB.
    pub fn is_mem(&self) -> bool {
        (Kind::Lb as u8..=Kind::Fsd as u8).contains(&(self.kind as u8))
    }
}

/// Ops are equal when they do the same: the handler follows the kind.
impl PartialEq for Op {
    fn eq(&self, o: &Op) -> bool {
        (self.kind, self.rd, self.rs1, self.rs2, self.imm) == (o.kind, o.rd, o.rs1, o.rs2, o.imm)
            && (
                self.off, self.len, self.nmem, self.idx, self.spin, self.link,
            ) == (o.off, o.len, o.nmem, o.idx, o.spin, o.link)
    }
}

impl Eq for Op {}

/// The integer ops with a kind of their own, each with what it does: its
/// ALU operation, whether it is a W form, whether its second operand is the
/// immediate. One list gives lowering (`alu_kind`), the handlers'
/// operation (`alu_of`) and the handlers (`alu_handler`).
macro_rules! alu_kinds {
    ($($k:ident = $op:ident $w:literal $imm:literal,)*) => {
        /// What an integer op of kind `k` does, if it is one (`alu_kinds`).
        #[inline(always)]
        pub const fn alu_of(k: Kind) -> Option<(AluOp, bool, bool)> {
            match k {
                $(Kind::$k => Some((AluOp::$op, $w, $imm)),)*
                _ => None,
            }
        }

        /// The kind of the integer op doing `op` (a W form when `w`) on
        /// a register, or an immediate when `imm`; `Slow` for none.
        fn alu_kind(op: AluOp, w: bool, imm: bool) -> Kind {
            $(if (op, w, imm) == (AluOp::$op, $w, $imm) {
                return Kind::$k;
            })*
            Kind::Slow
        }

        /// The handler of integer ops of kind `k`, if it is one.
        pub fn alu_handler(k: Kind) -> Option<Handler> {
            match k {
                $(Kind::$k => Some(alu_op::<{ Kind::$k as u8 }>),)*
                _ => None,
            }
        }
    };
}

alu_kinds! {
    Add = Add false false,
    Sub = Sub false false,
    Sll = Sll false false,
    Slt = Slt false false,
    Sltu = Sltu false false,
    Xor = Xor false false,
    Srl = Srl false false,
    Sra = Sra false false,
    Or = Or false false,
    And = And false false,
    Mul = Mul false false,
    Mulh = Mulh false false,
    Mulhsu = Mulhsu false false,
    Mulhu = Mulhu false false,
    Div = Div false false,
    Divu = Divu false false,
    Rem = Rem false false,
    Remu = Remu false false,
    Addw = Add true false,
    Subw = Sub true false,
    Sllw = Sll true false,
    Srlw = Srl true false,
    Sraw = Sra true false,
    Mulw = Mul true false,
    Divw = Div true false,
    Divuw = Divu true false,
    Remw = Rem true false,
    Remuw = Remu true false,
    Addi = Add false true,
    Slti = Slt false true,
    Sltiu = Sltu false true,
    Xori = Xor false true,
    Ori = Or false true,
    Andi = And false true,
    Slli = Sll false true,
    Srli = Srl false true,
    Srai = Sra false true,
    Addiw = Add true true,
    Slliw = Sll true true,
    Srliw = Srl true true,
    Sraiw = Sra true true,
}

/// The kind of `k` as a const generic argument carries it (`Kind as u8`).
#[inline(always)]
pub const fn kind_of(k: u8) -> Kind {
    assert!(k <= Kind::Stop as u8);
    // SAFETY: `Kind` is `repr(u8)` with values 0 to `Stop`, checked above.
    unsafe { std::mem::transmute::<u8, Kind>(k) }
}

/// The branch kind of condition `c` (`cond_of` the other way).
fn branch_kind(c: Cond) -> Kind {
    (Kind::Beq as u8..=Kind::Bgeu as u8)
        .map(kind_of)
        .find(|&k| cond_of(k) == Some(c))
        .unwrap_or(Kind::Slow)
}

/// The condition of a branch of kind `k`, if it is one.
#[inline(always)]
pub const fn cond_of(k: Kind) -> Option<Cond> {
    Some(match k {
        Kind::Beq => Cond::Eq,
        Kind::Bne => Cond::Ne,
        Kind::Blt => Cond::Lt,
        Kind::Bge => Cond::Ge,
        Kind::Bltu => Cond::Ltu,
        Kind::Bgeu => Cond::Geu,
        _ => return None,
    })
}

/// In a `Csr` op's `imm`: `rs1` holds an immediate.
pub const CSR_UIMM: i32 = 1 << 14;

/// A `Csr` op's `imm`: the CSR, the operation, whether `rs1` is an
/// immediate.
fn csr_imm(op: CsrOp, csr: u16, uimm: bool) -> i32 {
    let op = match op {
        CsrOp::Rw => 0,
        CsrOp::Rs => 1,
        CsrOp::Rc => 2,
    };
    (csr & 0xfff) as i32 | op << 12 | if uimm { CSR_UIMM } else { 0 }
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
        } => (alu_kind(op, w, false), rd, rs1, rs2, 0),
        Insn::OpImm {
            op,
            w,
            rd,
            rs1,
            imm,
        } => (alu_kind(op, w, true), rd, rs1, 0, imm),
        Insn::Lui { rd, imm } => (Kind::Lui, rd, 0, 0, imm),
        Insn::Auipc { rd, imm } => (Kind::Auipc, rd, 0, 0, imm),
        Insn::Jal { rd, imm } => (Kind::Jal, rd, 0, 0, imm.wrapping_add(off as i32)),
        Insn::Jalr { rd, rs1, imm } => (Kind::Jalr, rd, rs1, 0, imm),
        Insn::Branch {
            cond,
            rs1,
            rs2,
            imm,
        } => (branch_kind(cond), 0, rs1, rs2, imm.wrapping_add(off as i32)),
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
        Insn::Csr { op, rd, rs1, csr } => (Kind::Csr, rd, rs1, 0, csr_imm(op, csr, false)),
        Insn::CsrImm { op, rd, uimm, csr } => (Kind::Csr, rd, uimm, 0, csr_imm(op, csr, true)),
        _ => (Kind::Slow, 0, 0, 0, 0),
    };
    // Writes of x0 by instructions that cannot trap do nothing.
    let kind = if rd == 0 && kind as u8 <= Kind::Auipc as u8 {
        Kind::Nop
    } else {
        kind
    };
    Op {
        f: handler(kind, imm, rd & 31),
        kind,
        rd: rd & 31,
        rs1: rs1 & 31,
        rs2: rs2 & 31,
        imm,
        off,
        len: d.len,
        nmem: 0,
        idx: 0,
        spin: false,
        link: NO_LINK,
    }
}

/// Longest run of loads or stores one handler does (`fuse`).
pub const MAX_RUN: usize = 16;

/// The width of integer loads and stores of kind `k`, and whether a load
/// sign-extends.
pub fn access_of(k: Kind) -> Option<(Width, bool)> {
    Some(match k {
        Kind::Lb => (Width::B, true),
        Kind::Lh => (Width::H, true),
        Kind::Lw => (Width::W, true),
        Kind::Ld => (Width::D, false),
        Kind::Lbu | Kind::Sb => (Width::B, false),
        Kind::Lhu | Kind::Sh => (Width::H, false),
        Kind::Lwu | Kind::Sw => (Width::W, false),
        Kind::Sd => (Width::D, false),
        _ => return None,
    })
}

/// The access width of integer loads and stores of kind `k`, in bytes.
fn mem_width(k: Kind) -> Option<i32> {
    access_of(k).map(|(w, _)| w.bytes() as i32)
}

/// A run's span in its first op's `link`: how many ops (bits 7:0); the
/// lowest of their offsets from the base register less the first op's own
/// (bits 31:16, at most 0); and (bits 47:32) 0xfff less the span's length
/// in bytes less one. The run stays in the first op's page when that op's
/// address's page offset plus the lowest offset is, unsigned, at most the
/// latter.
#[inline(always)]
pub fn run_span(l: u64) -> (usize, i64, u64) {
    (
        l as u8 as usize,
        (l >> 16) as i16 as i64,
        (l >> 32) as u16 as u64,
    )
}

fn pack_span(n: usize, first: i32, lo: i32, hi: i32) -> u64 {
    n as u64 | ((lo - first) as u16 as u64) << 16 | ((0xfff - (hi - lo)) as u16 as u64) << 32
}

/// The run one handler can do from `ops[0]`: loads (or stores) of one
/// kind through one base register, every address aligned when the first
/// is (offsets equal modulo the width), all within 4 KiB, no load but the
/// last writing the base, none writing x0. Its length, and its lowest and
/// highest byte offsets from the base (12-bit immediates: they fit the
/// span's 16-bit fields).
fn run_len(ops: &[Op]) -> (usize, i32, i32) {
    let h = &ops[0];
    let Some(size) = mem_width(h.kind) else {
        return (1, 0, 0);
    };
    let load = h.kind as u8 <= Kind::Lwu as u8;
    if load && (h.rd == 0 || h.rd == h.rs1) {
        return (1, 0, 0);
    }
    let (mut lo, mut hi, mut n) = (h.imm, h.imm + size - 1, 1);
    while n < ops.len().min(MAX_RUN) {
        let o = &ops[n];
        if o.kind != h.kind || o.rs1 != h.rs1 || (o.imm - h.imm) % size != 0 || (load && o.rd == 0)
        {
            break;
        }
        let (l, e) = (lo.min(o.imm), hi.max(o.imm + size - 1));
        if e - l >= 0x1000 {
            break;
        }
        (lo, hi, n) = (l, e, n + 1);
        if load && o.rd == h.rs1 {
            break;
        }
    }
    (n, lo, hi)
}

/// Makes the first op of each run of loads or stores in the block `ops`
/// (its `Exit` left out) do the whole run at once: one TLB lookup for all
/// its accesses, when they turn out to share an entry; the op does just
/// its own otherwise, and the others follow one by one. Of two integer
/// ops in a row (outside runs), the first does both (`link` 2).
pub fn fuse(ops: &mut [Op]) {
    let mut i = 0;
    while i < ops.len() {
        let (n, lo, hi) = run_len(&ops[i..]);
        if n > 1 {
            if let Some(f) = run_handler(ops[i].kind, n) {
                ops[i].f = f;
                ops[i].link = pack_span(n, ops[i].imm, lo, hi);
            }
        } else if let Some(f) = ops
            .get(i + 1)
            .and_then(|b| pair_handler(ops[i].kind, b.kind))
        {
            ops[i].f = f;
            ops[i].link = 2;
            i += 1;
        }
        i += n;
    }
}

/// The ops an op's handler does (`fuse`): 1, or a run's or pair's length.
pub fn run_of(o: &Op) -> usize {
    let fused = mem_width(o.kind).is_some() || (o.kind as u8) <= Kind::Sraiw as u8;
    if fused && o.link != NO_LINK {
        o.link as u8 as usize
    } else {
        1
    }
}

/// Whether a block starting with `ops` (up to and including a branch
/// back to its first instruction) may spin there: its ops are integer
/// ones, loads, branches and at most one AMO, and no register they write
/// is read before it is written (so each time round computes the same
/// from the same memory). Memory then changes only by the AMO; so once an
/// iteration leaves the AMO's word as the one before left it, the
/// following ones do the same (`Hart::spin`), until something else runs.
pub fn may_spin(ops: &[Op]) -> bool {
    let is_branch = |o: &Op| (Kind::Beq as u8..=Kind::Bgeu as u8).contains(&(o.kind as u8));
    let Some(last) = ops.last() else {
        return false;
    };
    if !is_branch(last) || last.imm != 0 {
        return false;
    }
    let (mut amos, mut live_in, mut written) = (0, 0u32, 0u32);
    for o in ops {
        let (reads, writes) = match o.kind {
            Kind::Lui | Kind::Auipc => (0, true),
            k if k as u8 <= Kind::Sraiw as u8 && k as u8 >= Kind::Addi as u8 => (1 << o.rs1, true),
            k if k as u8 <= Kind::Remuw as u8 => (1 << o.rs1 | 1 << o.rs2, true),
            Kind::Nop => (0, false),
            Kind::Beq | Kind::Bne | Kind::Blt | Kind::Bge | Kind::Bltu | Kind::Bgeu => {
                (1 << o.rs1 | 1 << o.rs2, false)
            }
            Kind::Lb | Kind::Lh | Kind::Lw | Kind::Ld | Kind::Lbu | Kind::Lhu | Kind::Lwu => {
                (1 << o.rs1, true)
            }
            Kind::AmoW | Kind::AmoD => {
                amos += 1;
                (1 << o.rs1 | 1 << o.rs2, true)
            }
            _ => return false,
        };
        live_in |= reads & !written;
        if writes {
            written |= 1 << o.rd;
        }
    }
    amos <= 1 && (live_in & written) >> 1 == 0
}

/// The AMO of a block that may spin (`may_spin`), if it has one.
pub fn spin_amo(ops: &[Op]) -> Option<&Op> {
    ops.iter()
        .find(|o| matches!(o.kind, Kind::AmoW | Kind::AmoD))
}

#[cfg(test)]
#[path = "uop_tests.rs"]
mod tests;
