//! Host-FPU fast path: RNE arithmetic on operands well inside the normal range.
//!
//! The host's f32/f64 operations are IEEE 754 correctly rounded to nearest,
//! even, like the soft-float in RNE; what the host does not report is the flags.
//! This path takes only operands and results whose magnitudes lie in
//! [2^-LIM, 2^LIM) (LIM = 60 for singles, 500 for doubles): there nothing
//! overflows, underflows or divides by zero, no NaN appears, and the rounding
//! error is exactly representable, so NX is "the error-free transform's
//! remainder is non-zero". Anything else returns `None` and goes to the soft-float.
//! `tests_fast.rs` checks it against the soft-float on millions of operands.

use super::{nan_box, NX};
use crate::hart::insn::FpBinOp;
use core::ops::{Add, Div, Mul, Neg, Sub};

/// A host float type with its range test and register convention.
pub(super) trait Host:
    Copy
    + Default
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// Reads a register if it holds a value of magnitude in range.
    fn get(r: u64) -> Option<Self>;
    /// The register contents holding `self` if its magnitude is in range.
    fn put(self) -> Option<u64>;
    fn sqrt(self) -> Self;
    /// Whether `a * b != c` for an in-range product, exactly.
    fn mul_ne(a: Self, b: Self, c: Self) -> bool;
}

/// Whether biased exponent field `e` (of a format with bias `bias`) is in
/// [bias - lim, bias + lim): zero, subnormals, infinities and NaNs are not.
const fn exp_in_range(e: u64, bias: u64, lim: u64) -> bool {
    e >= bias - lim && e < bias + lim
}

fn in_range_s(v: f32) -> bool {
    exp_in_range((v.to_bits() >> 23) as u64 & 0xff, 127, 60)
}

fn in_range_d(v: f64) -> bool {
    exp_in_range((v.to_bits() >> 52) & 0x7ff, 1023, 500)
}

impl Host for f32 {
    fn get(r: u64) -> Option<Self> {
        let v = f32::from_bits(r as u32);
        (r >> 32 == 0xffff_ffff && in_range_s(v)).then_some(v)
    }
    fn put(self) -> Option<u64> {
        in_range_s(self).then(|| nan_box(self.to_bits()))
    }
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
    fn mul_ne(a: Self, b: Self, c: Self) -> bool {
        // A product of two 24-bit significands is exact in a double.
        a as f64 * b as f64 != c as f64
    }
}

impl Host for f64 {
    fn get(r: u64) -> Option<Self> {
        let v = f64::from_bits(r);
        in_range_d(v).then_some(v)
    }
    fn put(self) -> Option<u64> {
        in_range_d(self).then_some(self.to_bits())
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    fn mul_ne(a: Self, b: Self, c: Self) -> bool {
        // With c the rounded product a*b, or the dividend of the rounded
        // quotient c/b = a, or the radicand of a = b = sqrt(c), a*b - c is
        // representable (the classic error-free transforms) unless it would
        // underflow; its quantum is at least about |c| 2^-106 >= 2^-606, far
        // above the subnormal range, so the fused result is exact.
        a.mul_add(b, -c) != 0.0
    }
}

/// NX when `inexact`.
fn nx(inexact: bool) -> u8 {
    if inexact {
        NX
    } else {
        0
    }
}

/// FADD/FSUB/FMUL/FDIV in RNE, or `None` when the soft-float must decide.
pub(super) fn binop<T: Host>(op: FpBinOp, a: u64, b: u64) -> Option<(u64, u8)> {
    let (x, y) = (T::get(a)?, T::get(b)?);
    match op {
        FpBinOp::Add => add(x, y),
        FpBinOp::Sub => add(x, -y),
        FpBinOp::Mul => {
            let p = x * y;
            Some((p.put()?, nx(T::mul_ne(x, y, p))))
        }
        FpBinOp::Div => {
            // x = q y + rem exactly; rem != 0 iff q is inexact.
            let q = x / y;
            Some((q.put()?, nx(T::mul_ne(q, y, x))))
        }
        _ => None,
    }
}

/// a + b with Knuth's TwoSum: `err` is exactly a + b - s.
fn add<T: Host>(a: T, b: T) -> Option<(u64, u8)> {
    let s = a + b;
    let bb = s - a;
    let err = (a - (s - bb)) + (b - bb);
    Some((s.put()?, nx(err != T::default())))
}

/// FSQRT in RNE, or `None` when the soft-float must decide.
pub(super) fn sqrt<T: Host>(a: u64) -> Option<(u64, u8)> {
    let x = T::get(a)?;
    if x < T::default() {
        return None;
    }
    let r = x.sqrt();
    Some((r.put()?, nx(T::mul_ne(r, r, x))))
}
