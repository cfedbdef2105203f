//! IEEE 754 binary32/binary64 arithmetic in software, with RISC-V's choices.
//!
//! Values are raw encodings (a single in the low 32 bits); results come with
//! the exception flags they raise. RISC-V's choices where IEEE 754 leaves
//! one: tininess is detected after rounding, UF is raised only with NX, every
//! NaN result is the canonical NaN (NV when an operand is a signalling NaN),
//! and integer conversions saturate as the ISA manual's FCVT table says.
//!
//! Finite non-zero values are unpacked to `sig * 2^exp` with an integer
//! significand, worked on exactly in u128 (a bit shifted out of a right shift
//! is "jammed" into the lowest bit, far below the rounding position), and
//! rounded once by `round_pack`.

use super::{DZ, NV, NX, OF, UF};
use core::cmp::Ordering;

/// A binary interchange format, given by its field widths.
pub trait Format {
    const EXP_BITS: u32;
    const FRAC_BITS: u32;
    /// The exponent bias.
    const BIAS: i32 = (1 << (Self::EXP_BITS - 1)) - 1;
    /// The all-ones exponent field of infinities and NaNs.
    const EXP_MAX: u64 = (1 << Self::EXP_BITS) - 1;
    const SIGN: u64 = 1 << (Self::EXP_BITS + Self::FRAC_BITS);
    const FRAC_MASK: u64 = (1 << Self::FRAC_BITS) - 1;
    /// The quiet bit of a NaN.
    const QUIET: u64 = 1 << (Self::FRAC_BITS - 1);
    const INF: u64 = Self::EXP_MAX << Self::FRAC_BITS;
    /// The largest finite magnitude.
    const MAX: u64 = Self::INF - 1;
    /// RISC-V's canonical NaN: positive, quiet, zero payload.
    const CANON: u64 = Self::INF | Self::QUIET;
}

/// binary32: the F extension's single.
pub struct Single;
/// binary64: the D extension's double.
pub struct Double;

impl Format for Single {
    const EXP_BITS: u32 = 8;
    const FRAC_BITS: u32 = 23;
}

impl Format for Double {
    const EXP_BITS: u32 = 11;
    const FRAC_BITS: u32 = 52;
}

/// An unpacked value, without its sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    Nan {
        signaling: bool,
    },
    Inf,
    Zero,
    /// `sig * 2^exp`, `sig` non-zero.
    Finite {
        exp: i32,
        sig: u64,
    },
}

/// The sign and value of raw encoding `x`.
pub fn unpack<F: Format>(x: u64) -> (bool, Val) {
    let sign = x & F::SIGN != 0;
    let e = (x >> F::FRAC_BITS) & F::EXP_MAX;
    let f = x & F::FRAC_MASK;
    let min_exp = 1 - F::BIAS - F::FRAC_BITS as i32;
    let v = if e == F::EXP_MAX {
        if f == 0 {
            Val::Inf
        } else {
            Val::Nan {
                signaling: f & F::QUIET == 0,
            }
        }
    } else if e == 0 {
        if f == 0 {
            Val::Zero
        } else {
            Val::Finite {
                exp: min_exp,
                sig: f,
            }
        }
    } else {
        Val::Finite {
            exp: min_exp + e as i32 - 1,
            sig: f | 1 << F::FRAC_BITS,
        }
    };
    (sign, v)
}

/// Whether raw `x` is a NaN, and whether a signalling one.
pub fn nan_kind<F: Format>(x: u64) -> Option<bool> {
    match unpack::<F>(x).1 {
        Val::Nan { signaling } => Some(signaling),
        _ => None,
    }
}

/// The sign bit of `F` when `sign`.
fn sign_bit<F: Format>(sign: bool) -> u64 {
    if sign {
        F::SIGN
    } else {
        0
    }
}

/// The canonical NaN, with NV when an operand was a signalling NaN.
fn nan<F: Format>(invalid: bool) -> (u64, u8) {
    (F::CANON, if invalid { NV } else { 0 })
}

/// An exact zero that is a sum of opposite-signed terms: -0 in RDN, else +0.
fn cancelled_zero<F: Format>(rm: u8) -> (u64, u8) {
    (sign_bit::<F>(rm == 2), 0)
}

/// `sig >> sh` rounded in mode `rm` for a value of sign `sign`, and whether
/// any bit was lost. `sh` is at least 1; bit 0 of `sig` may be a jammed bit.
pub fn round_shift(sig: u128, sh: u32, sign: bool, rm: u8) -> (u128, bool) {
    let (q, half, inexact) = match sh {
        0 => (sig, Ordering::Less, false),
        1..=127 => {
            let rem = sig & ((1 << sh) - 1);
            (sig >> sh, rem.cmp(&(1 << (sh - 1))), rem != 0)
        }
        128 => (0, sig.cmp(&(1 << 127)), sig != 0),
        _ => (0, Ordering::Less, sig != 0),
    };
    let up = match rm {
        1 => false,
        2 => sign && inexact,
        3 => !sign && inexact,
        4 => half != Ordering::Less,
        _ => half == Ordering::Greater || (half == Ordering::Equal && q & 1 == 1),
    };
    (q + up as u128, inexact)
}

/// The result of an overflow in mode `rm`: infinity, or the largest finite
/// value when the mode rounds toward zero from this side.
fn overflow<F: Format>(sign: bool, rm: u8) -> (u64, u8) {
    let to_inf = match rm {
        1 => false,
        2 => sign,
        3 => !sign,
        _ => true,
    };
    let mag = if to_inf { F::INF } else { F::MAX };
    (sign_bit::<F>(sign) | mag, OF | NX)
}

/// Rounds `sig * 2^exp` (`sig` non-zero, any jammed bit at least two bits
/// below the format's precision once normalised) to `F` in mode `rm`.
pub fn round_pack<F: Format>(sign: bool, exp: i32, sig: u128, rm: u8) -> (u64, u8) {
    let p = F::FRAC_BITS + 1;
    let lz = sig.leading_zeros();
    let sig = sig << lz;
    // The value is in [2^e, 2^(e+1)); its exponent field if normal:
    let e = exp - lz as i32 + 127;
    let biased = e + F::BIAS;
    let sb = sign_bit::<F>(sign);
    if biased >= 1 {
        if biased as u64 >= F::EXP_MAX {
            return overflow::<F>(sign, rm);
        }
        let (q, inexact) = round_shift(sig, 128 - p, sign, rm);
        // q includes the hidden bit: adding it carries into the exponent,
        // and a q of 2^p carries once more.
        let raw = ((biased as u64 - 1) << F::FRAC_BITS) + q as u64;
        if raw >= F::INF {
            return overflow::<F>(sign, rm);
        }
        (sb | raw, if inexact { NX } else { 0 })
    } else {
        // Tiny unless rounding to p bits with an unbounded exponent reaches
        // the smallest normal (possible only just below it).
        let tiny = biased < 0 || round_shift(sig, 128 - p, sign, rm).0 < 1 << p;
        let (q, inexact) = round_shift(sig, 128 - p + (1 - biased) as u32, sign, rm);
        // q <= 2^(p-1): a carry into the exponent field is the smallest normal.
        let flags = match (inexact, tiny) {
            (false, _) => 0,
            (true, false) => NX,
            (true, true) => NX | UF,
        };
        (sb | q as u64, flags)
    }
}

/// A non-zero finite term `sig * 2^exp` with its sign.
#[derive(Clone, Copy)]
struct Term {
    sign: bool,
    exp: i32,
    sig: u128,
}

/// The exactly rounded sum of two non-zero terms of at most 106 bits each.
fn add_terms<F: Format>(x: Term, y: Term, rm: u8) -> (u64, u8) {
    // Both with their top bit at bit 125: the carry of a sum fits.
    let norm = |t: Term| {
        let sh = t.sig.leading_zeros() as i32 - 2;
        Term {
            sig: t.sig << sh,
            exp: t.exp - sh,
            ..t
        }
    };
    let (mut x, mut y) = (norm(x), norm(y));
    if x.exp < y.exp {
        core::mem::swap(&mut x, &mut y);
    }
    // Shifting y right loses bits only when it is more than 20 places
    // smaller (its lowest bit is at bit 20 or above); then x - y keeps its top
    // bit at 124 or above and the jammed bit is far below the rounding point.
    let d = (x.exp - y.exp) as u32;
    let ys = match d {
        0 => y.sig,
        1..=126 => (y.sig >> d) | (y.sig & ((1 << d) - 1) != 0) as u128,
        _ => 1,
    };
    if x.sign == y.sign {
        return round_pack::<F>(x.sign, x.exp, x.sig + ys, rm);
    }
    match x.sig.cmp(&ys) {
        Ordering::Equal => cancelled_zero::<F>(rm),
        Ordering::Greater => round_pack::<F>(x.sign, x.exp, x.sig - ys, rm),
        Ordering::Less => round_pack::<F>(y.sign, x.exp, ys - x.sig, rm),
    }
}

/// a + b.
pub fn add<F: Format>(a: u64, b: u64, rm: u8) -> (u64, u8) {
    let ((sa, va), (sb, vb)) = (unpack::<F>(a), unpack::<F>(b));
    match (va, vb) {
        (Val::Nan { signaling: x }, Val::Nan { signaling: y }) => nan::<F>(x || y),
        (Val::Nan { signaling }, _) | (_, Val::Nan { signaling }) => nan::<F>(signaling),
        (Val::Inf, Val::Inf) if sa != sb => nan::<F>(true),
        (Val::Inf, _) => (a, 0),
        (_, Val::Inf) => (b, 0),
        (Val::Zero, Val::Zero) if sa != sb => cancelled_zero::<F>(rm),
        (Val::Zero, _) => (b, 0),
        (_, Val::Zero) => (a, 0),
        (Val::Finite { exp: ea, sig: ma }, Val::Finite { exp: eb, sig: mb }) => add_terms::<F>(
            Term {
                sign: sa,
                exp: ea,
                sig: ma as u128,
            },
            Term {
                sign: sb,
                exp: eb,
                sig: mb as u128,
            },
            rm,
        ),
    }
}

/// a - b.
pub fn sub<F: Format>(a: u64, b: u64, rm: u8) -> (u64, u8) {
    add::<F>(a, b ^ F::SIGN, rm)
}

/// a * b.
pub fn mul<F: Format>(a: u64, b: u64, rm: u8) -> (u64, u8) {
    let ((sa, va), (sb, vb)) = (unpack::<F>(a), unpack::<F>(b));
    let sign = sa != sb;
    match (va, vb) {
        (Val::Nan { signaling: x }, Val::Nan { signaling: y }) => nan::<F>(x || y),
        (Val::Nan { signaling }, _) | (_, Val::Nan { signaling }) => nan::<F>(signaling),
        (Val::Inf, Val::Zero) | (Val::Zero, Val::Inf) => nan::<F>(true),
        (Val::Inf, _) | (_, Val::Inf) => (sign_bit::<F>(sign) | F::INF, 0),
        (Val::Zero, _) | (_, Val::Zero) => (sign_bit::<F>(sign), 0),
        (Val::Finite { exp: ea, sig: ma }, Val::Finite { exp: eb, sig: mb }) => {
            round_pack::<F>(sign, ea + eb, ma as u128 * mb as u128, rm)
        }
    }
}

/// a / b.
pub fn div<F: Format>(a: u64, b: u64, rm: u8) -> (u64, u8) {
    let ((sa, va), (sb, vb)) = (unpack::<F>(a), unpack::<F>(b));
    let sign = sa != sb;
    match (va, vb) {
        (Val::Nan { signaling: x }, Val::Nan { signaling: y }) => nan::<F>(x || y),
        (Val::Nan { signaling }, _) | (_, Val::Nan { signaling }) => nan::<F>(signaling),
        (Val::Inf, Val::Inf) | (Val::Zero, Val::Zero) => nan::<F>(true),
        (Val::Inf, _) => (sign_bit::<F>(sign) | F::INF, 0),
        (_, Val::Inf) | (Val::Zero, _) => (sign_bit::<F>(sign), 0),
        (_, Val::Zero) => (sign_bit::<F>(sign) | F::INF, DZ),
        (Val::Finite { exp: ea, sig: ma }, Val::Finite { exp: eb, sig: mb }) => {
            // Both significands with their top bit at bit 63: the quotient
            // of the dividend shifted up 64 more has 64 or 65 bits.
            let (la, lb) = (ma.leading_zeros(), mb.leading_zeros());
            let n = ((ma << la) as u128) << 64;
            let d = (mb << lb) as u128;
            let q = (n / d) | !n.is_multiple_of(d) as u128;
            let exp = ea - la as i32 - (eb - lb as i32) - 64;
            round_pack::<F>(sign, exp, q, rm)
        }
    }
}

/// The integer square root of `n`: the largest r with r * r <= n.
pub fn isqrt(n: u128) -> u128 {
    // The double estimate is within a relative 2^-52; one Newton step
    // brings it within one, and the loops settle it exactly.
    let mut r = (n as f64).sqrt() as u128;
    if r > 0 {
        r = (r + n / r) >> 1;
    }
    while r.checked_mul(r).is_none_or(|s| s > n) {
        r -= 1;
    }
    while (r + 1).checked_mul(r + 1).is_some_and(|s| s <= n) {
        r += 1;
    }
    r
}

/// sqrt(a).
pub fn sqrt<F: Format>(a: u64, rm: u8) -> (u64, u8) {
    match unpack::<F>(a) {
        (_, Val::Nan { signaling }) => nan::<F>(signaling),
        (_, Val::Zero) | (false, Val::Inf) => (a, 0),
        (true, _) => nan::<F>(true),
        (false, Val::Finite { exp, sig }) => {
            // An even exponent and a significand of 127 or 128 bits: its
            // root has 64 bits.
            let mut sh = sig.leading_zeros() + 64;
            if (exp - sh as i32) % 2 != 0 {
                sh -= 1;
            }
            let n = (sig as u128) << sh;
            let r = isqrt(n);
            let root = r | (r * r != n) as u128;
            round_pack::<F>(false, (exp - sh as i32) / 2, root, rm)
        }
    }
}

/// a * b + c with a single rounding.
pub fn mul_add<F: Format>(a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    let ((sa, va), (sb, vb), (sc, vc)) = (unpack::<F>(a), unpack::<F>(b), unpack::<F>(c));
    let sp = sa != sb;
    let inf_times_zero = matches!((va, vb), (Val::Inf, Val::Zero) | (Val::Zero, Val::Inf));
    let snan = [va, vb, vc].contains(&Val::Nan { signaling: true });
    let any_nan = [va, vb, vc].iter().any(|v| matches!(v, Val::Nan { .. }));
    if any_nan || inf_times_zero {
        // inf * 0 is invalid even with a quiet NaN addend.
        return nan::<F>(snan || inf_times_zero);
    }
    let (Val::Finite { exp: ea, sig: ma }, Val::Finite { exp: eb, sig: mb }) = (va, vb) else {
        // The product is infinite or zero (not both: inf * 0 is out).
        return if va == Val::Inf || vb == Val::Inf {
            if vc == Val::Inf && sc != sp {
                nan::<F>(true)
            } else {
                (sign_bit::<F>(sp) | F::INF, 0)
            }
        } else if vc != Val::Zero {
            (c, 0)
        } else if sp == sc {
            (sign_bit::<F>(sp), 0)
        } else {
            cancelled_zero::<F>(rm)
        };
    };
    let prod = Term {
        sign: sp,
        exp: ea + eb,
        sig: ma as u128 * mb as u128,
    };
    match vc {
        Val::Finite { exp, sig } => add_terms::<F>(
            prod,
            Term {
                sign: sc,
                exp,
                sig: sig as u128,
            },
            rm,
        ),
        Val::Inf => (c, 0),
        _ => round_pack::<F>(prod.sign, prod.exp, prod.sig, rm),
    }
}

/// a == b, quiet: NV only for a signalling NaN operand.
pub fn eq<F: Format>(a: u64, b: u64) -> (bool, u8) {
    match (nan_kind::<F>(a), nan_kind::<F>(b)) {
        (None, None) => (a == b || (a | b) & !F::SIGN == 0, 0),
        (x, y) => (
            false,
            if x == Some(true) || y == Some(true) {
                NV
            } else {
                0
            },
        ),
    }
}

/// a < b for two non-NaN values (-0 == +0).
pub fn lt_ordered<F: Format>(a: u64, b: u64) -> bool {
    let (sa, sb) = (a & F::SIGN != 0, b & F::SIGN != 0);
    if sa != sb {
        sa && (a | b) & !F::SIGN != 0
    } else {
        a != b && (sa != (a < b))
    }
}

/// a < b, signalling: NV for any NaN operand.
pub fn lt<F: Format>(a: u64, b: u64) -> (bool, u8) {
    if nan_kind::<F>(a).is_some() || nan_kind::<F>(b).is_some() {
        return (false, NV);
    }
    (lt_ordered::<F>(a, b), 0)
}

/// a <= b, signalling: NV for any NaN operand.
pub fn le<F: Format>(a: u64, b: u64) -> (bool, u8) {
    if nan_kind::<F>(a).is_some() || nan_kind::<F>(b).is_some() {
        return (false, NV);
    }
    (!lt_ordered::<F>(b, a), 0)
}

/// Integer side of a conversion: bits and signedness.
#[derive(Clone, Copy)]
pub struct Int {
    pub bits: u32,
    pub signed: bool,
}

/// a converted to integer `int` in mode `rm`, as the ISA's FCVT table says:
/// NaN and too-large values saturate to the largest value, too-small ones to
/// the smallest, with NV and no NX; in range, NX when inexact. The result is
/// the integer's bits, sign-extended to 64 when signed.
pub fn to_int<F: Format>(a: u64, int: Int, rm: u8) -> (u64, u8) {
    let (sign, v) = unpack::<F>(a);
    let (max, min) = match int.signed {
        true => ((1u64 << (int.bits - 1)) - 1, (1u128 << (int.bits - 1))),
        false => (u64::MAX >> (64 - int.bits), 0),
    };
    let sext = |x: u64| ((x << (64 - int.bits)) as i64 >> (64 - int.bits)) as u64;
    let low = if int.signed { sext(min as u64) } else { 0 };
    let (mag, inexact) = match v {
        Val::Nan { .. } => return (sext(max), NV),
        Val::Inf => return (if sign { low } else { sext(max) }, NV),
        Val::Zero => return (0, 0),
        Val::Finite { exp, sig } if exp >= 0 => {
            if exp > 64 {
                (u128::MAX, false)
            } else {
                ((sig as u128) << exp, false)
            }
        }
        Val::Finite { exp, sig } => round_shift(sig as u128, (-exp) as u32, sign, rm),
    };
    if sign && mag > min {
        return (low, NV);
    }
    if !sign && mag > max as u128 {
        return (sext(max), NV);
    }
    let x = if sign {
        (mag as u64).wrapping_neg()
    } else {
        mag as u64
    };
    (sext(x), if inexact { NX } else { 0 })
}

/// Integer `x` (sign and magnitude) converted to `F` in mode `rm`.
pub fn from_int<F: Format>(sign: bool, mag: u64, rm: u8) -> (u64, u8) {
    if mag == 0 {
        return (0, 0);
    }
    round_pack::<F>(sign, 0, mag as u128, rm)
}

/// a in format `A` converted to format `B` in mode `rm`.
pub fn convert<A: Format, B: Format>(a: u64, rm: u8) -> (u64, u8) {
    match unpack::<A>(a) {
        (_, Val::Nan { signaling }) => nan::<B>(signaling),
        (s, Val::Inf) => (sign_bit::<B>(s) | B::INF, 0),
        (s, Val::Zero) => (sign_bit::<B>(s), 0),
        (s, Val::Finite { exp, sig }) => round_pack::<B>(s, exp, sig as u128, rm),
    }
}

/// The FCLASS bit number: 0..9 for -inf, -normal, -subnormal, -0, +0,
/// +subnormal, +normal, +inf, signalling NaN, quiet NaN.
pub fn class<F: Format>(a: u64) -> u32 {
    let (sign, v) = unpack::<F>(a);
    let e = (a >> F::FRAC_BITS) & F::EXP_MAX;
    let k = match v {
        Val::Nan { signaling: true } => return 8,
        Val::Nan { signaling: false } => return 9,
        Val::Inf => 0,
        Val::Finite { .. } if e != 0 => 1,
        Val::Finite { .. } => 2,
        Val::Zero => 3,
    };
    if sign {
        k
    } else {
        7 - k
    }
}
