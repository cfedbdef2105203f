//! The soft-float's RISC-V specifics, on raw encodings.

use super::soft::*;
use super::{NV, NX, OF, UF};

const RNE: u8 = 0;
const RTZ: u8 = 1;
const RDN: u8 = 2;
const RUP: u8 = 3;
const RMM: u8 = 4;

const ONE_D: u64 = 0x3ff0_0000_0000_0000;
const MIN_NORMAL_D: u64 = 0x0010_0000_0000_0000;
const NEG_D: u64 = 1 << 63;
const W: Int = Int {
    bits: 32,
    signed: true,
};
const WU: Int = Int {
    bits: 32,
    signed: false,
};
const LU: Int = Int {
    bits: 64,
    signed: false,
};

#[test]
fn tininess_is_detected_after_rounding() {
    // 2^-1022 (1 - 2^-54): rounded to 53 bits with an unbounded exponent it
    // is 2^-1022, so it is not tiny where rounding goes up: NX without UF.
    let (exp, sig) = (-1022 - 54, (1u128 << 54) - 1);
    assert_eq!(
        round_pack::<Double>(false, exp, sig, RNE),
        (MIN_NORMAL_D, NX)
    );
    assert_eq!(
        round_pack::<Double>(false, exp, sig, RUP),
        (MIN_NORMAL_D, NX)
    );
    // Rounding down it stays below: the largest subnormal, tiny and inexact.
    let max_sub = MIN_NORMAL_D - 1;
    assert_eq!(
        round_pack::<Double>(false, exp, sig, RTZ),
        (max_sub, UF | NX)
    );
    // 2^-126 - 2^-150 is tiny even though it rounds (a tie, to even) to the
    // smallest normal single: its 24-bit rounding is exact and below 2^-126.
    let near = mul::<Single>(0x3f7f_ffff, 0x0080_0000, RNE);
    assert_eq!(near, (0x0080_0000, UF | NX));
    // An exact subnormal result raises nothing.
    assert_eq!(
        mul::<Single>(0x0080_0000, 0x3f00_0000, RNE),
        (0x0040_0000, 0)
    );
}

#[test]
fn nan_results_are_canonical() {
    let snan = 0x7ff0_0000_0000_0001;
    let qnan = 0xfff8_dead_beef_0000;
    assert_eq!(add::<Double>(snan, ONE_D, RNE), (Double::CANON, NV));
    assert_eq!(add::<Double>(qnan, ONE_D, RNE), (Double::CANON, 0));
    assert_eq!(sqrt::<Double>(NEG_D | ONE_D, RNE), (Double::CANON, NV));
    assert_eq!(
        convert::<Single, Double>(0xff80_0001, RNE),
        (Double::CANON, NV)
    );
    assert_eq!(convert::<Double, Single>(qnan, RNE), (0x7fc0_0000, 0));
    // inf * 0 is invalid even when the addend is a quiet NaN.
    let inf = Double::INF;
    assert_eq!(mul_add::<Double>(inf, 0, qnan, RNE), (Double::CANON, NV));
    assert_eq!(mul_add::<Double>(inf, ONE_D, qnan, RNE), (Double::CANON, 0));
}

#[test]
fn fma_rounds_once() {
    // (1 + 2^-52)^2 - (1 + 2^-51) = 2^-104 exactly; rounding the product
    // first would give 0.
    let a = ONE_D + 1;
    let c = NEG_D | (ONE_D + 2);
    assert_eq!(mul_add::<Double>(a, a, c, RNE), (0x3970_0000_0000_0000, 0));
    // Exact cancellation is -0 in RDN and +0 in the other modes.
    assert_eq!(
        mul_add::<Double>(ONE_D, ONE_D, NEG_D | ONE_D, RDN),
        (NEG_D, 0)
    );
    assert_eq!(mul_add::<Double>(ONE_D, ONE_D, NEG_D | ONE_D, RUP), (0, 0));
    assert_eq!(mul_add::<Double>(0, ONE_D, NEG_D, RDN), (NEG_D, 0));
    assert_eq!(mul_add::<Double>(0, ONE_D, NEG_D, RNE), (0, 0));
    assert_eq!(mul_add::<Double>(NEG_D, ONE_D, NEG_D, RNE), (NEG_D, 0));
    // A product far below the addend still sets NX and rounds by mode.
    let tiny = 0x0000_0000_0000_0001;
    assert_eq!(mul_add::<Double>(tiny, tiny, ONE_D, RUP), (ONE_D + 1, NX));
    assert_eq!(mul_add::<Double>(tiny, tiny, ONE_D, RNE), (ONE_D, NX));
}

#[test]
fn rmm_rounds_ties_away_from_zero() {
    // 2^24 + 1 is a tie between 2^24 and 2^24 + 2 in a single.
    let tie = (1 << 24) + 1;
    assert_eq!(from_int::<Single>(false, tie, RMM), (0x4b80_0001, NX));
    assert_eq!(from_int::<Single>(true, tie, RMM), (0xcb80_0001, NX));
    assert_eq!(from_int::<Single>(false, tie, RNE), (0x4b80_0000, NX));
    // 2.5 to integer: 3 away, 2 to even.
    let two_and_half = 0x4004_0000_0000_0000;
    assert_eq!(to_int::<Double>(two_and_half, W, RMM), (3, NX));
    assert_eq!(to_int::<Double>(two_and_half, W, RNE), (2, NX));
    assert_eq!(
        to_int::<Double>(NEG_D | two_and_half, W, RMM),
        (-3i64 as u64, NX)
    );
}

#[test]
fn fcvt_saturates_with_nv_only() {
    let nan = Double::CANON;
    assert_eq!(to_int::<Double>(nan, W, RNE), (0x7fff_ffff, NV));
    assert_eq!(to_int::<Double>(NEG_D | nan, WU, RNE), (u64::MAX, NV));
    assert_eq!(to_int::<Double>(NEG_D | Double::INF, WU, RNE), (0, NV));
    assert_eq!(
        to_int::<Double>(NEG_D | Double::INF, W, RNE),
        (0xffff_ffff_8000_0000, NV)
    );
    // 2^31 is one past the largest W; -2^31 is the smallest.
    let two_31 = 0x41e0_0000_0000_0000;
    assert_eq!(to_int::<Double>(two_31, W, RNE), (0x7fff_ffff, NV));
    assert_eq!(
        to_int::<Double>(NEG_D | two_31, W, RNE),
        (0xffff_ffff_8000_0000, 0)
    );
    assert_eq!(
        to_int::<Double>(two_31, WU, RNE),
        (0xffff_ffff_8000_0000, 0)
    );
    // -0.5 to unsigned: 0 and NX when it rounds to zero, NV when to -1.
    let neg_half = 0xbfe0_0000_0000_0000;
    assert_eq!(to_int::<Double>(neg_half, WU, RTZ), (0, NX));
    assert_eq!(to_int::<Double>(neg_half, WU, RDN), (0, NV));
    assert_eq!(
        to_int::<Double>(0x43f0_0000_0000_0000, LU, RNE),
        (u64::MAX, NV)
    );
    assert_eq!(
        to_int::<Single>(0x5f7f_ffff, LU, RNE),
        (0xffff_ff00_0000_0000, 0)
    );
}

#[test]
fn overflow_goes_to_infinity_or_max_by_mode() {
    let max = Double::MAX;
    let want = [
        (RNE, Double::INF),
        (RTZ, max),
        (RDN, max),
        (RUP, Double::INF),
    ];
    for (rm, v) in want {
        assert_eq!(add::<Double>(max, max, rm), (v, OF | NX), "rm {rm}");
    }
    assert_eq!(
        add::<Double>(NEG_D | max, NEG_D | max, RUP),
        (NEG_D | max, OF | NX)
    );
    assert_eq!(
        add::<Double>(NEG_D | max, NEG_D | max, RMM),
        (NEG_D | Double::INF, OF | NX)
    );
}

#[test]
fn square_roots() {
    assert_eq!(
        sqrt::<Double>(0x4000_0000_0000_0000, RNE),
        (0x3ff6_a09e_667f_3bcd, NX)
    );
    assert_eq!(
        sqrt::<Double>(0x4000_0000_0000_0000, RUP),
        (0x3ff6_a09e_667f_3bcd, NX)
    );
    assert_eq!(
        sqrt::<Double>(0x4000_0000_0000_0000, RTZ),
        (0x3ff6_a09e_667f_3bcc, NX)
    );
    assert_eq!(
        sqrt::<Double>(0x4010_0000_0000_0000, RNE),
        (0x4000_0000_0000_0000, 0)
    );
    assert_eq!(sqrt::<Double>(NEG_D, RNE), (NEG_D, 0));
    // The smallest subnormal: 2^-1074 has root 2^-537.
    assert_eq!(sqrt::<Double>(1, RNE), (0x1e60_0000_0000_0000, 0));
    assert_eq!(sqrt::<Single>(1, RNE), (0x1a35_04f3, NX));
}

#[test]
fn integer_square_root_is_exact() {
    for n in [0u128, 1, 2, 3, 4, 1 << 126, (1 << 126) + 1, u128::MAX] {
        let r = super::soft::isqrt(n);
        assert!(r * r <= n, "{n}");
        assert!((r + 1).checked_mul(r + 1).is_none_or(|s| s > n), "{n}");
    }
    let r = (1u128 << 64) - 3;
    assert_eq!(super::soft::isqrt(r * r - 1), r - 1);
    assert_eq!(super::soft::isqrt(r * r), r);
}
