//! F and D arithmetic on raw register bits: a host-FPU fast path, else our
//! own soft-float (`soft.rs`).
//!
//! Every function takes and returns raw 64-bit f-register contents: singles are
//! NaN-boxed on output, and a single input that is not properly NaN-boxed reads
//! as the canonical NaN. `rm` is a resolved rounding mode (RNE 0, RTZ 1, RDN 2,
//! RUP 3, RMM 4); the hart resolves dynamic mode 7 from `frm` and raises illegal
//! instruction for reserved modes before calling here (any other value rounds
//! as RNE). The returned `u8` holds the exception flags to accrue into `fflags`
//! (NV 0x10, DZ 0x08, OF 0x04, UF 0x02, NX 0x01).

use super::insn::{FmaOp, FpBinOp, FpCmp, FpFmt, IntFmt};
use soft::{Double, Format, Single};

mod fast;
mod soft;

pub const NV: u8 = 0x10;
pub const DZ: u8 = 0x08;
pub const OF: u8 = 0x04;
pub const UF: u8 = 0x02;
pub const NX: u8 = 0x01;

/// The canonical single NaN, as raw bits.
pub const CANONICAL_NAN_S: u32 = 0x7fc0_0000;
/// The canonical double NaN, as raw bits.
pub const CANONICAL_NAN_D: u64 = 0x7ff8_0000_0000_0000;

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
        CANONICAL_NAN_S
    }
}

/// A format with its register (boxing) convention.
trait Fmt: Format {
    /// The host type for the fast path.
    type Host: fast::Host;
    /// Reads a register: the raw value it holds in this format.
    fn get(r: u64) -> u64;
    /// The register contents that hold raw value `raw`.
    fn put(raw: u64) -> u64;
}

impl Fmt for Single {
    type Host = f32;
    fn get(r: u64) -> u64 {
        unbox(r) as u64
    }
    fn put(raw: u64) -> u64 {
        nan_box(raw as u32)
    }
}

impl Fmt for Double {
    type Host = f64;
    fn get(r: u64) -> u64 {
        r
    }
    fn put(raw: u64) -> u64 {
        raw
    }
}

/// A soft-float result boxed for the register.
fn put<T: Fmt>((raw, flags): (u64, u8)) -> (u64, u8) {
    (T::put(raw), flags)
}

/// FADD/FSUB/FMUL/FDIV/FMIN/FMAX/FSGNJ/FSGNJN/FSGNJX.
pub fn binop(op: FpBinOp, fmt: FpFmt, a: u64, b: u64, rm: u8) -> (u64, u8) {
    match fmt {
        FpFmt::S => binop_in::<Single>(op, a, b, rm),
        FpFmt::D => binop_in::<Double>(op, a, b, rm),
    }
}

fn binop_in<T: Fmt>(op: FpBinOp, a: u64, b: u64, rm: u8) -> (u64, u8) {
    let arith = matches!(
        op,
        FpBinOp::Add | FpBinOp::Sub | FpBinOp::Mul | FpBinOp::Div
    );
    if rm == 0 && arith {
        if let Some(v) = fast::binop::<T::Host>(op, a, b) {
            return v;
        }
    }
    soft_binop::<T>(op, a, b, rm)
}

/// `binop` entirely in soft-float.
fn soft_binop<T: Fmt>(op: FpBinOp, a: u64, b: u64, rm: u8) -> (u64, u8) {
    let (x, y) = (T::get(a), T::get(b));
    match op {
        FpBinOp::Add => put::<T>(soft::add::<T>(x, y, rm)),
        FpBinOp::Sub => put::<T>(soft::sub::<T>(x, y, rm)),
        FpBinOp::Mul => put::<T>(soft::mul::<T>(x, y, rm)),
        FpBinOp::Div => put::<T>(soft::div::<T>(x, y, rm)),
        FpBinOp::Min => min_max::<T>(x, y, false),
        FpBinOp::Max => min_max::<T>(x, y, true),
        FpBinOp::SgnJ => (sign_inject::<T>(x, y), 0),
        FpBinOp::SgnJn => (sign_inject::<T>(x, !y), 0),
        FpBinOp::SgnJx => (sign_inject::<T>(x, x ^ y), 0),
    }
}

/// `x` with the sign bit taken from `sign` (FSGNJ*): pure bit work, no flags,
/// NaN payloads kept.
fn sign_inject<T: Fmt>(x: u64, sign: u64) -> u64 {
    T::put((x & !T::SIGN) | (sign & T::SIGN))
}

/// FMIN/FMAX as IEEE 754-2019 minimumNumber/maximumNumber: -0 < +0, a NaN
/// operand yields the other one, two NaNs the canonical NaN; NV only when an
/// input is a signaling NaN.
fn min_max<T: Fmt>(x: u64, y: u64, max: bool) -> (u64, u8) {
    let (nx, ny) = (soft::nan_kind::<T>(x), soft::nan_kind::<T>(y));
    let flags = if nx == Some(true) || ny == Some(true) {
        NV
    } else {
        0
    };
    let v = match (nx.is_some(), ny.is_some()) {
        (true, true) => T::CANON,
        (true, false) => y,
        (false, true) => x,
        (false, false) => {
            let x_below = soft::lt_ordered::<T>(x, y) || (x == T::SIGN && y == 0);
            if x_below == max {
                y
            } else {
                x
            }
        }
    };
    (T::put(v), flags)
}

/// FMADD/FMSUB/FNMSUB/FNMADD with a single rounding.
pub fn fma(op: FmaOp, fmt: FpFmt, a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    match fmt {
        FpFmt::S => fma_in::<Single>(op, a, b, c, rm),
        FpFmt::D => fma_in::<Double>(op, a, b, c, rm),
    }
}

fn fma_in<T: Fmt>(op: FmaOp, a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    let (x, y, z) = (T::get(a), T::get(b), T::get(c));
    // Negating an operand flips its sign bit only, exactly as Spike does.
    let (x, z) = match op {
        FmaOp::Madd => (x, z),
        FmaOp::Msub => (x, z ^ T::SIGN),
        FmaOp::Nmsub => (x ^ T::SIGN, z),
        FmaOp::Nmadd => (x ^ T::SIGN, z ^ T::SIGN),
    };
    put::<T>(soft::mul_add::<T>(x, y, z, rm))
}

/// FSQRT.
pub fn sqrt(fmt: FpFmt, a: u64, rm: u8) -> (u64, u8) {
    match fmt {
        FpFmt::S => sqrt_in::<Single>(a, rm),
        FpFmt::D => sqrt_in::<Double>(a, rm),
    }
}

fn sqrt_in<T: Fmt>(a: u64, rm: u8) -> (u64, u8) {
    if rm == 0 {
        if let Some(v) = fast::sqrt::<T::Host>(a) {
            return v;
        }
    }
    soft_sqrt::<T>(a, rm)
}

/// `sqrt` entirely in soft-float.
fn soft_sqrt<T: Fmt>(a: u64, rm: u8) -> (u64, u8) {
    put::<T>(soft::sqrt::<T>(T::get(a), rm))
}

/// FEQ/FLT/FLE: 0 or 1 for the integer register.
pub fn cmp(op: FpCmp, fmt: FpFmt, a: u64, b: u64) -> (u64, u8) {
    match fmt {
        FpFmt::S => cmp_in::<Single>(op, a, b),
        FpFmt::D => cmp_in::<Double>(op, a, b),
    }
}

/// FEQ is quiet (NV on signaling NaNs only); FLT and FLE signal on any NaN.
fn cmp_in<T: Fmt>(op: FpCmp, a: u64, b: u64) -> (u64, u8) {
    let (x, y) = (T::get(a), T::get(b));
    let (v, flags) = match op {
        FpCmp::Eq => soft::eq::<T>(x, y),
        FpCmp::Lt => soft::lt::<T>(x, y),
        FpCmp::Le => soft::le::<T>(x, y),
    };
    (v as u64, flags)
}

/// FCLASS: the one-hot class mask for the integer register (bits 0..9:
/// -inf, -normal, -subnormal, -0, +0, +subnormal, +normal, +inf, signaling
/// NaN, quiet NaN).
pub fn class(fmt: FpFmt, a: u64) -> u64 {
    1 << match fmt {
        FpFmt::S => soft::class::<Single>(Single::get(a)),
        FpFmt::D => soft::class::<Double>(Double::get(a)),
    }
}

/// The integer side of FCVT as `soft` sees it.
fn int_of(f: IntFmt) -> soft::Int {
    let (bits, signed) = match f {
        IntFmt::W => (32, true),
        IntFmt::Wu => (32, false),
        IntFmt::L => (64, true),
        IntFmt::Lu => (64, false),
    };
    soft::Int { bits, signed }
}

/// FCVT.{W,WU,L,LU}.{S,D}: saturating as the ISA manual's FCVT table says
/// (NaN to the largest positive value, negatives to 0 for the unsigned
/// forms), NV on out-of-range and NaN, NX only for in-range inexact results;
/// the result is the integer register value (32-bit results sign-extended).
pub fn cvt_to_int(to: IntFmt, fmt: FpFmt, a: u64, rm: u8) -> (u64, u8) {
    match fmt {
        FpFmt::S => soft::to_int::<Single>(Single::get(a), int_of(to), rm),
        FpFmt::D => soft::to_int::<Double>(Double::get(a), int_of(to), rm),
    }
}

/// FCVT.{S,D}.{W,WU,L,LU}: `x` is the integer register value.
pub fn cvt_from_int(from: IntFmt, fmt: FpFmt, x: u64, rm: u8) -> (u64, u8) {
    let (sign, mag) = match from {
        IntFmt::W => ((x as i32) < 0, (x as i32).unsigned_abs() as u64),
        IntFmt::Wu => (false, x as u32 as u64),
        IntFmt::L => ((x as i64) < 0, (x as i64).unsigned_abs()),
        IntFmt::Lu => (false, x),
    };
    match fmt {
        FpFmt::S => put::<Single>(soft::from_int::<Single>(sign, mag, rm)),
        FpFmt::D => put::<Double>(soft::from_int::<Double>(sign, mag, rm)),
    }
}

/// FCVT.S.D (`to` = S) and FCVT.D.S (`to` = D).
pub fn cvt_fmt(to: FpFmt, a: u64, rm: u8) -> (u64, u8) {
    match to {
        FpFmt::S => put::<Single>(soft::convert::<Double, Single>(Double::get(a), rm)),
        FpFmt::D => put::<Double>(soft::convert::<Single, Double>(Single::get(a), rm)),
    }
}

#[cfg(test)]
mod soft_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fast;
#[cfg(test)]
mod vectors;
#[cfg(test)]
mod vectors_gen;
