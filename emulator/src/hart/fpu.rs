//! F and D arithmetic over Berkeley SoftFloat 3 (as Spike), on raw register bits.
//!
//! Every function takes and returns raw 64-bit f-register contents: singles are
//! NaN-boxed on output, and a single input that is not properly NaN-boxed reads
//! as the canonical NaN. `rm` is a resolved rounding mode (RNE 0, RTZ 1, RDN 2,
//! RUP 3, RMM 4); the hart resolves dynamic mode 7 from `frm` and raises illegal
//! instruction for reserved modes before calling here (any other value rounds
//! as RNE). The returned `u8` holds the exception flags to accrue into `fflags`
//! (NV 0x10, DZ 0x08, OF 0x04, UF 0x02, NX 0x01).
//!
//! SoftFloat keeps its rounding mode and flags in C globals; softfloat-sys
//! builds them `_Thread_local`, so every call below sets the mode and clears the
//! flags of its own thread first and reads them back after, and harts or tests
//! on different threads never see each other's state.

use super::insn::{FmaOp, FpBinOp, FpCmp, FpFmt, IntFmt};
use softfloat_wrapper::{ExceptionFlags, Float, RoundingMode, F32, F64};

mod fast;

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

/// A format as SoftFloat sees it, with the register (boxing) convention.
trait Fmt: Float + Copy {
    /// The host type for the fast path.
    type Host: fast::Host;
    /// The sign bit of the raw encoding.
    const SIGN: u64;
    /// The canonical NaN, raw.
    const CANON: u64;
    /// Reads a register: the value it holds in this format.
    fn get(r: u64) -> Self;
    /// The value of raw encoding `raw` (no boxing).
    fn from_raw(raw: u64) -> Self;
    /// The raw encoding, zero-extended.
    fn raw(self) -> u64;
    /// The register contents that hold this value.
    fn put(self) -> u64;
}

impl Fmt for F32 {
    type Host = f32;
    const SIGN: u64 = 1 << 31;
    const CANON: u64 = CANONICAL_NAN_S as u64;
    fn get(r: u64) -> Self {
        F32::from_bits(unbox(r))
    }
    fn from_raw(raw: u64) -> Self {
        F32::from_bits(raw as u32)
    }
    fn raw(self) -> u64 {
        self.to_bits() as u64
    }
    fn put(self) -> u64 {
        nan_box(self.to_bits())
    }
}

impl Fmt for F64 {
    type Host = f64;
    const SIGN: u64 = 1 << 63;
    const CANON: u64 = CANONICAL_NAN_D;
    fn get(r: u64) -> Self {
        F64::from_bits(r)
    }
    fn from_raw(raw: u64) -> Self {
        F64::from_bits(raw)
    }
    fn raw(self) -> u64 {
        self.to_bits()
    }
    fn put(self) -> u64 {
        self.to_bits()
    }
}

/// The SoftFloat rounding mode for a resolved RISC-V `rm`.
fn mode(rm: u8) -> RoundingMode {
    match rm {
        1 => RoundingMode::TowardZero,
        2 => RoundingMode::TowardNegative,
        3 => RoundingMode::TowardPositive,
        4 => RoundingMode::TiesToAway,
        _ => RoundingMode::TiesToEven,
    }
}

/// Runs `f` with this thread's SoftFloat flags cleared and returns its value
/// with the flags it raised (SoftFloat's flag bits are RISC-V's fflags bits).
#[inline]
fn flagged<T>(f: impl FnOnce() -> T) -> (T, u8) {
    ExceptionFlags::from_bits(0).set();
    let v = f();
    let mut flags = ExceptionFlags::default();
    flags.get();
    (v, flags.to_bits() & 0x1f)
}

/// FADD/FSUB/FMUL/FDIV/FMIN/FMAX/FSGNJ/FSGNJN/FSGNJX.
pub fn binop(op: FpBinOp, fmt: FpFmt, a: u64, b: u64, rm: u8) -> (u64, u8) {
    match fmt {
        FpFmt::S => binop_in::<F32>(op, a, b, rm),
        FpFmt::D => binop_in::<F64>(op, a, b, rm),
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

/// `binop` entirely in SoftFloat.
fn soft_binop<T: Fmt>(op: FpBinOp, a: u64, b: u64, rm: u8) -> (u64, u8) {
    let (x, y, r) = (T::get(a), T::get(b), mode(rm));
    match op {
        FpBinOp::Add => flagged(|| x.add(y, r).put()),
        FpBinOp::Sub => flagged(|| x.sub(y, r).put()),
        FpBinOp::Mul => flagged(|| x.mul(y, r).put()),
        FpBinOp::Div => flagged(|| x.div(y, r).put()),
        FpBinOp::Min => min_max(x, y, false),
        FpBinOp::Max => min_max(x, y, true),
        FpBinOp::SgnJ => (sign_inject(x, y.raw()), 0),
        FpBinOp::SgnJn => (sign_inject(x, !y.raw()), 0),
        FpBinOp::SgnJx => (sign_inject(x, x.raw() ^ y.raw()), 0),
    }
}

/// `x` with the sign bit taken from `sign` (FSGNJ*): pure bit work, no flags,
/// NaN payloads kept.
fn sign_inject<T: Fmt>(x: T, sign: u64) -> u64 {
    T::from_raw((x.raw() & !T::SIGN) | (sign & T::SIGN)).put()
}

/// FMIN/FMAX as IEEE 754-2019 minimumNumber/maximumNumber: -0 < +0, a NaN
/// operand yields the other one, two NaNs the canonical NaN; NV only when an
/// input is a signaling NaN.
fn min_max<T: Fmt>(x: T, y: T, max: bool) -> (u64, u8) {
    let flags = if x.is_signaling_nan() || y.is_signaling_nan() {
        NV
    } else {
        0
    };
    let v = match (x.is_nan(), y.is_nan()) {
        (true, true) => T::from_raw(T::CANON),
        (true, false) => y,
        (false, true) => x,
        (false, false) => {
            let x_below = x.lt_quiet(y) || (x.is_zero() && y.is_zero() && x.is_negative());
            if x_below == max {
                y
            } else {
                x
            }
        }
    };
    (v.put(), flags)
}

/// FMADD/FMSUB/FNMSUB/FNMADD with a single rounding.
pub fn fma(op: FmaOp, fmt: FpFmt, a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    match fmt {
        FpFmt::S => fma_in::<F32>(op, a, b, c, rm),
        FpFmt::D => fma_in::<F64>(op, a, b, c, rm),
    }
}

fn fma_in<T: Fmt>(op: FmaOp, a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    let (x, y, z, r) = (T::get(a), T::get(b), T::get(c), mode(rm));
    // Negating an operand flips its sign bit only, exactly as Spike does.
    let (x, z) = match op {
        FmaOp::Madd => (x, z),
        FmaOp::Msub => (x, z.neg()),
        FmaOp::Nmsub => (x.neg(), z),
        FmaOp::Nmadd => (x.neg(), z.neg()),
    };
    flagged(|| x.fused_mul_add(y, z, r).put())
}

/// FSQRT.
pub fn sqrt(fmt: FpFmt, a: u64, rm: u8) -> (u64, u8) {
    match fmt {
        FpFmt::S => sqrt_in::<F32>(a, rm),
        FpFmt::D => sqrt_in::<F64>(a, rm),
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

/// `sqrt` entirely in SoftFloat.
fn soft_sqrt<T: Fmt>(a: u64, rm: u8) -> (u64, u8) {
    let r = mode(rm);
    flagged(|| T::get(a).sqrt(r).put())
}

/// FEQ/FLT/FLE: 0 or 1 for the integer register.
pub fn cmp(op: FpCmp, fmt: FpFmt, a: u64, b: u64) -> (u64, u8) {
    match fmt {
        FpFmt::S => cmp_in::<F32>(op, a, b),
        FpFmt::D => cmp_in::<F64>(op, a, b),
    }
}

/// FEQ is quiet (NV on signaling NaNs only); FLT and FLE signal on any NaN.
fn cmp_in<T: Fmt>(op: FpCmp, a: u64, b: u64) -> (u64, u8) {
    let (x, y) = (T::get(a), T::get(b));
    let (v, flags) = match op {
        FpCmp::Eq => flagged(|| x.eq(y)),
        FpCmp::Lt => flagged(|| x.lt(y)),
        FpCmp::Le => flagged(|| x.le(y)),
    };
    (v as u64, flags)
}

/// FCLASS: the one-hot class mask for the integer register.
pub fn class(fmt: FpFmt, a: u64) -> u64 {
    match fmt {
        FpFmt::S => class_of(F32::get(a)),
        FpFmt::D => class_of(F64::get(a)),
    }
}

/// Bits 0..9: -inf, -normal, -subnormal, -0, +0, +subnormal, +normal, +inf,
/// signaling NaN, quiet NaN.
fn class_of<T: Fmt>(x: T) -> u64 {
    let bit = if x.is_nan() {
        if x.is_signaling_nan() {
            8
        } else {
            9
        }
    } else if x.is_negative_infinity() {
        0
    } else if x.is_negative_normal() {
        1
    } else if x.is_negative_subnormal() {
        2
    } else if x.is_negative_zero() {
        3
    } else if x.is_positive_zero() {
        4
    } else if x.is_positive_subnormal() {
        5
    } else if x.is_positive_normal() {
        6
    } else {
        7
    };
    1 << bit
}

/// FCVT.{W,WU,L,LU}.{S,D}: saturating, NV on out-of-range and NaN; the result
/// is the integer register value (32-bit results sign-extended).
pub fn cvt_to_int(to: IntFmt, fmt: FpFmt, a: u64, rm: u8) -> (u64, u8) {
    match fmt {
        FpFmt::S => to_int(to, F32::get(a), rm),
        FpFmt::D => to_int(to, F64::get(a), rm),
    }
}

/// SoftFloat's RISC-V specialisation already saturates as the ISA manual's
/// FCVT table says (NaN to the largest positive value, negatives to 0 for
/// the unsigned forms) and raises NX only for in-range inexact results.
fn to_int<T: Fmt>(to: IntFmt, x: T, rm: u8) -> (u64, u8) {
    let r = mode(rm);
    flagged(|| match to {
        IntFmt::W => x.to_i32(r, true) as i64 as u64,
        IntFmt::Wu => x.to_u32(r, true) as i32 as i64 as u64,
        IntFmt::L => x.to_i64(r, true) as u64,
        IntFmt::Lu => x.to_u64(r, true),
    })
}

/// FCVT.{S,D}.{W,WU,L,LU}: `x` is the integer register value.
pub fn cvt_from_int(from: IntFmt, fmt: FpFmt, x: u64, rm: u8) -> (u64, u8) {
    match fmt {
        FpFmt::S => from_int::<F32>(from, x, rm),
        FpFmt::D => from_int::<F64>(from, x, rm),
    }
}

fn from_int<T: Fmt>(from: IntFmt, x: u64, rm: u8) -> (u64, u8) {
    let r = mode(rm);
    flagged(|| {
        match from {
            IntFmt::W => T::from_i32(x as i32, r),
            IntFmt::Wu => T::from_u32(x as u32, r),
            IntFmt::L => T::from_i64(x as i64, r),
            IntFmt::Lu => T::from_u64(x, r),
        }
        .put()
    })
}

/// FCVT.S.D (`to` = S) and FCVT.D.S (`to` = D).
pub fn cvt_fmt(to: FpFmt, a: u64, rm: u8) -> (u64, u8) {
    let r = mode(rm);
    match to {
        FpFmt::S => flagged(|| F64::get(a).to_f32(r).put()),
        FpFmt::D => flagged(|| F32::get(a).to_f64(r).put()),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fast;
#[cfg(test)]
mod vectors;
#[cfg(test)]
mod vectors_gen;
