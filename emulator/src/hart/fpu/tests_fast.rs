//! The host fast path against the soft-float: same bits and flags wherever it answers.

use super::*;

/// xorshift64*: a fixed stream, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A float of `exp_bits`/`frac_bits` with its biased exponent within
    /// `spread` of `center`, and a significand that is random, short (so
    /// results are often exact or ties), or all ones.
    fn float(&mut self, frac_bits: u32, center: u64, spread: u64) -> u64 {
        let r = self.next();
        let exp = (center + r % (2 * spread + 1)).saturating_sub(spread);
        let frac_mask = (1u64 << frac_bits) - 1;
        let frac = match (r >> 32) % 4 {
            0 => frac_mask,
            1 => self.next() & frac_mask & !((1 << (frac_bits - 3)) - 1),
            _ => self.next() & frac_mask,
        };
        let sign = (r >> 40) & 1;
        (sign << (frac_bits + if frac_bits == 23 { 8 } else { 11 })) | (exp << frac_bits) | frac
    }
}

/// Runs `n` random operand pairs through the fast path and the soft-float, and
/// returns how many the fast path answered as exact and as inexact.
fn compare(fmt: FpFmt, op: Option<FpBinOp>, n: usize, seed: u64) -> (usize, usize) {
    let mut rng = Rng(seed);
    let (mut exact, mut inexact) = (0, 0);
    for i in 0..n {
        // Centers inside the fast range and straddling each of its edges.
        let (a, b) = match fmt {
            FpFmt::S => {
                let c = [127, 67, 187, 127][i % 4];
                (
                    nan_box(rng.float(23, c, 64) as u32),
                    nan_box(rng.float(23, c, 64) as u32),
                )
            }
            FpFmt::D => {
                let c = [1023, 523, 1523, 1023][i % 4];
                (rng.float(52, c, 520), rng.float(52, c, 520))
            }
        };
        // Same exponents often: cancellation and exact sums.
        let b = if i % 3 == 0 {
            b ^ (a & (0xff << 56)) ^ (b & (0xff << 56))
        } else {
            b
        };
        let (fast, soft) = match (fmt, op) {
            (FpFmt::S, Some(op)) => (
                fast::binop::<f32>(op, a, b),
                soft_binop::<Single>(op, a, b, 0),
            ),
            (FpFmt::D, Some(op)) => (
                fast::binop::<f64>(op, a, b),
                soft_binop::<Double>(op, a, b, 0),
            ),
            (FpFmt::S, None) => (fast::sqrt::<f32>(a), soft_sqrt::<Single>(a, 0)),
            (FpFmt::D, None) => (fast::sqrt::<f64>(a), soft_sqrt::<Double>(a, 0)),
        };
        if let Some(fast) = fast {
            assert_eq!(fast, soft, "{fmt:?} {op:?} {a:#018x} {b:#018x}");
            match fast.1 {
                0 => exact += 1,
                _ => inexact += 1,
            }
        }
    }
    (exact, inexact)
}

#[test]
fn fast_path_matches_soft_float() {
    let ops = [
        Some(FpBinOp::Add),
        Some(FpBinOp::Sub),
        Some(FpBinOp::Mul),
        Some(FpBinOp::Div),
        None,
    ];
    for (k, op) in ops.into_iter().enumerate() {
        for fmt in [FpFmt::S, FpFmt::D] {
            let n = 400_000;
            let (exact, inexact) = compare(fmt, op, n, 0x9e37_79b9_7f4a_7c15 + k as u64);
            // The path must really be taken, both ways, for this to prove anything.
            assert!(inexact > n / 10, "{fmt:?} {op:?}: {inexact} inexact of {n}");
            assert!(exact > n / 1000, "{fmt:?} {op:?}: {exact} exact of {n}");
        }
    }
}

#[test]
fn fast_path_declines_edges() {
    let add = FpBinOp::Add;
    // Out-of-range operands and results, NaNs, zeros and bad boxes go to the soft-float.
    assert_eq!(
        fast::binop::<f64>(add, 0x7ff0_0000_0000_0000, 0x3ff0_0000_0000_0000),
        None
    );
    assert_eq!(
        fast::binop::<f64>(add, 0x7ff8_0000_0000_0000, 0x3ff0_0000_0000_0000),
        None
    );
    assert_eq!(fast::binop::<f64>(add, 0, 0x3ff0_0000_0000_0000), None);
    assert_eq!(
        fast::binop::<f64>(FpBinOp::Sub, 0x3ff0_0000_0000_0000, 0x3ff0_0000_0000_0000),
        None
    );
    assert_eq!(
        fast::binop::<f32>(add, 0x3f80_0000, nan_box(0x3f80_0000)),
        None
    );
    let big = nan_box(0x5d80_0000); // 2^60: just out of range
    assert_eq!(
        fast::binop::<f32>(FpBinOp::Mul, big, nan_box(0x3f80_0000)),
        None
    );
    let near = nan_box(0x5d00_0000); // 2^59
    assert_eq!(
        fast::binop::<f32>(FpBinOp::Mul, near, nan_box(0x4000_0000)),
        None
    );
    assert_eq!(fast::sqrt::<f32>(nan_box(0xbf80_0000)), None);
    assert_eq!(
        fast::binop::<f64>(FpBinOp::Min, 0x3ff0_0000_0000_0000, 0x3ff0_0000_0000_0000),
        None
    );
    // In range it answers, with the flags the soft-float gives.
    let third = fast::binop::<f32>(FpBinOp::Div, nan_box(0x3f80_0000), nan_box(0x4040_0000));
    assert_eq!(third, Some((nan_box(0x3eaa_aaab), NX)));
    let four = fast::sqrt::<f64>(0x4030_0000_0000_0000);
    assert_eq!(four, Some((0x4010_0000_0000_0000, 0)));
    let tie = fast::binop::<f64>(add, 0x3ff0_0000_0000_0000, 0x3ca0_0000_0000_0000);
    assert_eq!(tie, Some((0x3ff0_0000_0000_0000, NX)));
}
