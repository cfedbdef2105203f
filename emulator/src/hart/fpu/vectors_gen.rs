//! The reference vectors' inputs: a seeded stream weighted toward special values.
//!
//! Every operand comes from `Gen`, a fixed pseudo-random stream, so the inputs
//! of case `i` of an operation are the same on every machine and need not be
//! stored. About half the operands are special: zeros, subnormals, the edges
//! of the normal range, infinities, quiet and signalling NaNs with payloads,
//! improperly boxed singles, the edges of each integer conversion's range and
//! just beyond, short significands (exact results and rounding ties) and
//! operands close to each other (cancellation); the rest are random bits.

use super::nan_box;
use crate::hart::insn::{FpFmt, IntFmt};

/// One case: up to three operands (raw register values) and a resolved `rm`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Case {
    pub a: u64,
    pub b: u64,
    pub c: u64,
    pub rm: u8,
}

/// The generator: splitmix64.
pub(super) struct Gen(u64);

/// (exponent bits, fraction bits) of a format.
fn widths(fmt: FpFmt) -> (u32, u32) {
    match fmt {
        FpFmt::S => (8, 23),
        FpFmt::D => (11, 52),
    }
}

/// The raw encoding of sign/biased exponent/fraction in `fmt`.
fn pack(fmt: FpFmt, sign: u64, exp: u64, frac: u64) -> u64 {
    let (eb, fb) = widths(fmt);
    (sign & 1) << (eb + fb) | (exp & ((1 << eb) - 1)) << fb | (frac & ((1 << fb) - 1))
}

/// The mask of every bit of a raw value of `fmt`.
fn all(fmt: FpFmt) -> u64 {
    let (eb, fb) = widths(fmt);
    u64::MAX >> (63 - eb - fb)
}

/// The biased exponent field of raw `v`.
fn exp_of(fmt: FpFmt, v: u64) -> u64 {
    let (eb, fb) = widths(fmt);
    (v >> fb) & ((1 << eb) - 1)
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A fraction field of `fb` bits: zero, all ones, short (a few leading
    /// bits, so results are exact or ties), a tie pattern, or random.
    fn frac(&mut self, fb: u32) -> u64 {
        let mask = (1u64 << fb) - 1;
        let k = self.below(fb as u64) as u32;
        match self.below(8) {
            0 => 0,
            1 => mask,
            2 | 3 => self.next() & mask & !(mask >> k),
            4 => (self.next() & mask & !(mask >> k)) | (1 << (fb - k - 1)),
            5 => self.next() & (mask >> k),
            _ => self.next() & mask,
        }
    }

    /// `v` moved by a few units in the last place, now and then.
    fn nudge(&mut self, v: u64) -> u64 {
        match self.below(8) {
            0 => v.wrapping_add(1 + self.below(3)),
            1 => v.wrapping_sub(1 + self.below(3)),
            _ => v,
        }
    }

    /// A special value of `fmt` with sign `sign`.
    fn special(&mut self, fmt: FpFmt, sign: u64) -> u64 {
        let (eb, fb) = widths(fmt);
        let emax = (1u64 << eb) - 1;
        let bias = emax >> 1;
        let mask = (1u64 << fb) - 1;
        let quiet = 1u64 << (fb - 1);
        let (exp, frac) = match self.below(18) {
            0 => (0, 0),
            1 => (0, 1),
            2 => (0, mask),
            3 => (1, 0),
            4 => (emax - 1, mask),
            5 => (bias, 0),
            6 => (emax, 0),
            7 => (emax, quiet),
            8 => (emax, quiet | self.next() & mask),
            9 => (emax, (self.next() & (mask >> 1)).max(1)),
            10 => (emax, 1),
            11 => (bias + 31, 0),
            12 => (bias + 32, 0),
            13 => (bias + 63, 0),
            14 => (bias + 64, 0),
            15 => (bias - 1, 0),
            16 => (bias, quiet),
            _ => (bias + fb as u64 + 1, 0),
        };
        pack(fmt, sign, exp, frac)
    }

    /// A raw operand of `fmt`, weighted toward special values.
    pub fn float(&mut self, fmt: FpFmt) -> u64 {
        let (eb, fb) = widths(fmt);
        let emax = (1u64 << eb) - 1;
        let bias = emax >> 1;
        let p = fb as u64 + 1;
        let sign = self.next() & 1;
        let v = match self.below(16) {
            0..=3 => self.special(fmt, sign),
            4 | 5 => pack(fmt, sign, 0, self.frac(fb)),
            6 => pack(fmt, sign, 1 + self.below(p + 2), self.frac(fb)),
            7 => pack(fmt, sign, emax - 1 - self.below(p + 2), self.frac(fb)),
            8 | 9 => pack(fmt, sign, bias - 2 + self.below(69), self.frac(fb)),
            10 | 11 => pack(
                fmt,
                sign,
                bias - p - 2 + self.below(2 * p + 5),
                self.frac(fb),
            ),
            12 | 13 => pack(fmt, sign, 1 + self.below(emax - 1), self.frac(fb)),
            _ => return self.next() & all(fmt),
        };
        self.nudge(v) & all(fmt)
    }

    /// The register holding raw `v` of `fmt`: singles are NaN-boxed, but one
    /// in 64 is boxed improperly (upper bits zero, nearly all ones, random).
    pub fn reg(&mut self, fmt: FpFmt, v: u64) -> u64 {
        match fmt {
            FpFmt::D => v,
            FpFmt::S => match self.below(192) {
                0 => v,
                1 => 0xffff_fffe_0000_0000 | v,
                2 => (self.next() & 0x7fff_ffff_0000_0000) | v,
                _ => nan_box(v as u32),
            },
        }
    }

    /// A second operand for `a`: independent, or related to it (negated,
    /// a few ulps away, same exponent, or exponent a little apart).
    pub fn partner(&mut self, fmt: FpFmt, a: u64) -> u64 {
        let (eb, fb) = widths(fmt);
        let sign_bit = 1u64 << (eb + fb);
        let p = fb as u64 + 1;
        let sign = self.next() & 1;
        match self.below(8) {
            0..=3 => self.float(fmt),
            4 => a ^ sign_bit,
            5 => (self.nudge(a) ^ (sign * sign_bit)) & all(fmt),
            6 => pack(fmt, sign, exp_of(fmt, a), self.frac(fb)),
            _ => {
                let k = self.below(p + 4);
                let e = exp_of(fmt, a);
                let e = if self.next() & 1 == 0 {
                    e + k
                } else {
                    e.saturating_sub(k)
                };
                pack(fmt, sign, e.min((1 << eb) - 1), self.frac(fb))
            }
        }
    }

    /// The addend for product `a * b`: independent, close to minus the
    /// product (cancellation), or of an exponent near the product's.
    pub fn addend(&mut self, fmt: FpFmt, a: u64, b: u64) -> u64 {
        let (eb, fb) = widths(fmt);
        let sign_bit = 1u64 << (eb + fb);
        let bias = (1u64 << (eb - 1)) - 1;
        let p = fb as u64 + 1;
        match self.below(4) {
            0 | 1 => self.float(fmt),
            2 => {
                // The host product is IEEE round-to-nearest-even everywhere;
                // a NaN product (whose payload hosts differ on) is replaced.
                let prod = match fmt {
                    FpFmt::S => {
                        let x = f32::from_bits(a as u32) * f32::from_bits(b as u32);
                        if x.is_nan() {
                            0
                        } else {
                            x.to_bits() as u64
                        }
                    }
                    FpFmt::D => {
                        let x = f64::from_bits(a) * f64::from_bits(b);
                        if x.is_nan() {
                            0
                        } else {
                            x.to_bits()
                        }
                    }
                };
                let prod = self.nudge(prod) & all(fmt);
                prod ^ if self.next() & 1 == 0 { sign_bit } else { 0 }
            }
            _ => {
                let e = (exp_of(fmt, a) + exp_of(fmt, b)).saturating_sub(bias);
                let e = (e + self.below(2 * p + 4)).saturating_sub(p + 2);
                let sign = self.next() & 1;
                pack(fmt, sign, e.min((1 << eb) - 1), self.frac(fb))
            }
        }
    }

    /// A square-root operand: often an exact square, mostly non-negative.
    pub fn radicand(&mut self, fmt: FpFmt) -> u64 {
        let (eb, fb) = widths(fmt);
        let sign_bit = 1u64 << (eb + fb);
        match self.below(4) {
            0 => {
                let bias = (1u64 << (eb - 1)) - 1;
                let short =
                    self.next() & ((1u64 << fb) - 1) & !(((1u64 << fb) - 1) >> (fb / 2 - 1));
                let root = pack(fmt, 0, bias - 40 + self.below(80), short);
                match fmt {
                    FpFmt::S => {
                        let r = f32::from_bits(root as u32);
                        (r * r).to_bits() as u64
                    }
                    FpFmt::D => {
                        let r = f64::from_bits(root);
                        (r * r).to_bits()
                    }
                }
            }
            1 => self.float(fmt),
            _ => self.float(fmt) & !sign_bit,
        }
    }

    /// An operand for a conversion to an integer: mostly magnitudes from
    /// 2^-3 to 2^66, so every range edge and the rounding of small values
    /// (halves, quarters) is well covered.
    pub fn float_for_int(&mut self, fmt: FpFmt) -> u64 {
        let (eb, fb) = widths(fmt);
        let bias = (1u64 << (eb - 1)) - 1;
        if self.below(2) == 0 {
            return self.float(fmt);
        }
        let sign = self.next() & 1;
        let e = match self.below(4) {
            0 => bias + [30, 31, 32, 62, 63, 64][self.below(6) as usize],
            1 => bias - 3 + self.below(6),
            _ => bias - 3 + self.below(70),
        };
        let v = pack(fmt, sign, e, self.frac(fb));
        self.nudge(v) & all(fmt)
    }

    /// An integer register value for FCVT from integer format `int` to a
    /// format of `p` significant bits: edges of the integer ranges, values of
    /// every bit length, either sign, and ties (p + 1 significant bits ending
    /// in a one). For W and WU the upper half is random or the sign extension.
    pub fn int(&mut self, int: IntFmt, p: u32) -> u64 {
        let bits = match int {
            IntFmt::W | IntFmt::Wu => 32,
            IntFmt::L | IntFmt::Lu => 64,
        };
        let v = match self.below(6) {
            0 => {
                let table = [
                    0u64,
                    1,
                    u64::MAX,
                    i32::MIN as i64 as u64,
                    i32::MAX as u64,
                    u32::MAX as u64,
                    1 << 31,
                    1 << 32,
                    i64::MIN as u64,
                    i64::MAX as u64,
                    1 << 24,
                    1 << 53,
                    (1 << 25) - 1,
                    (1 << 54) - 1,
                ];
                let t = table[self.below(table.len() as u64) as usize];
                self.nudge(t)
            }
            1 => self.next() >> self.below(64),
            2 => (self.next() >> self.below(64)).wrapping_neg(),
            3 if bits > p + 1 => {
                let m = (self.next() >> (63 - p)) | 1 | (1 << p);
                let m = m << self.below((bits - p) as u64);
                if self.next() & 1 == 0 {
                    m
                } else {
                    m.wrapping_neg()
                }
            }
            _ => self.next(),
        };
        if bits == 32 {
            match self.below(3) {
                0 => v as i32 as i64 as u64,
                1 => v as u32 as u64,
                _ => v,
            }
        } else {
            v
        }
    }

    /// A double to narrow to single: around the single's range edges and
    /// with ties and near-ties in the 29 bits that are rounded away.
    pub fn narrow_operand(&mut self) -> u64 {
        if self.below(2) == 0 {
            return self.float(FpFmt::D);
        }
        let sign = self.next() & 1;
        let e = match self.below(3) {
            0 => 1023 - 155 + self.below(36),
            1 => 1023 + 120 + self.below(11),
            _ => 1023 - 3 + self.below(7),
        };
        let mut frac = self.frac(52);
        if self.below(2) == 0 {
            frac = (frac & !((1 << 29) - 1)) | (1 << 28);
        }
        self.nudge(pack(FpFmt::D, sign, e, frac))
    }
}
