//! F and D arithmetic over Berkeley SoftFloat 3 (as Spike), on raw register bits.
//!
//! Every function takes and returns raw 64-bit f-register contents: singles are
//! NaN-boxed on output, and a single input that is not properly NaN-boxed reads
//! as the canonical NaN. `rm` is a resolved rounding mode (RNE 0, RTZ 1, RDN 2,
//! RUP 3, RMM 4); the hart resolves dynamic mode 7 from `frm` and raises illegal
//! instruction for reserved modes before calling here. The returned `u8` holds
//! the exception flags to accrue into `fflags` (NV 0x10, DZ 0x08, OF 0x04,
//! UF 0x02, NX 0x01).

use super::insn::{FmaOp, FpBinOp, FpCmp, FpFmt, IntFmt};

pub const NV: u8 = 0x10;
pub const DZ: u8 = 0x08;
pub const OF: u8 = 0x04;
pub const UF: u8 = 0x02;
pub const NX: u8 = 0x01;

/// A single in the low 32 bits of a 64-bit register, upper bits all ones.
pub const fn nan_box(s: u32) -> u64 {
    0xffff_ffff_0000_0000 | s as u64
}

/// The single held by a register: its low 32 bits when properly NaN-boxed,
/// else the canonical NaN 0x7fc00000.
pub const fn unbox(r: u64) -> u32 {
    if r >> 32 == 0xffff_ffff {
        r as u32
    } else {
        0x7fc0_0000
    }
}

/// FADD/FSUB/FMUL/FDIV/FMIN/FMAX/FSGNJ/FSGNJN/FSGNJX.
pub fn binop(op: FpBinOp, fmt: FpFmt, a: u64, b: u64, rm: u8) -> (u64, u8) {
    let _ = (op, fmt, a, b, rm);
    unimplemented!("fpu::binop")
}

/// FMADD/FMSUB/FNMSUB/FNMADD with a single rounding.
pub fn fma(op: FmaOp, fmt: FpFmt, a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    let _ = (op, fmt, a, b, c, rm);
    unimplemented!("fpu::fma")
}

/// FSQRT.
pub fn sqrt(fmt: FpFmt, a: u64, rm: u8) -> (u64, u8) {
    let _ = (fmt, a, rm);
    unimplemented!("fpu::sqrt")
}

/// FEQ/FLT/FLE: 0 or 1 for the integer register.
pub fn cmp(op: FpCmp, fmt: FpFmt, a: u64, b: u64) -> (u64, u8) {
    let _ = (op, fmt, a, b);
    unimplemented!("fpu::cmp")
}

/// FCLASS: the one-hot class mask for the integer register.
pub fn class(fmt: FpFmt, a: u64) -> u64 {
    let _ = (fmt, a);
    unimplemented!("fpu::class")
}

/// FCVT.{W,WU,L,LU}.{S,D}: saturating, NV on out-of-range and NaN; the result
/// is the integer register value (32-bit results sign-extended).
pub fn cvt_to_int(to: IntFmt, fmt: FpFmt, a: u64, rm: u8) -> (u64, u8) {
    let _ = (to, fmt, a, rm);
    unimplemented!("fpu::cvt_to_int")
}

/// FCVT.{S,D}.{W,WU,L,LU}: `x` is the integer register value.
pub fn cvt_from_int(from: IntFmt, fmt: FpFmt, x: u64, rm: u8) -> (u64, u8) {
    let _ = (from, fmt, x, rm);
    unimplemented!("fpu::cvt_from_int")
}

/// FCVT.S.D (`to` = S) and FCVT.D.S (`to` = D).
pub fn cvt_fmt(to: FpFmt, a: u64, rm: u8) -> (u64, u8) {
    let _ = (to, a, rm);
    unimplemented!("fpu::cvt_fmt")
}
