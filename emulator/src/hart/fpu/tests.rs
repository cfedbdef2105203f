//! Spec-derived vectors for the F and D helpers: exact bits and exact flags.

use super::*;
use FpFmt::{D, S};

const RNE: u8 = 0;
const RTZ: u8 = 1;
const RDN: u8 = 2;
const RUP: u8 = 3;
const RMM: u8 = 4;
const MODES: [u8; 5] = [RNE, RTZ, RDN, RUP, RMM];

/// A boxed single.
fn s(bits: u32) -> u64 {
    nan_box(bits)
}

#[track_caller]
fn check(got: (u64, u8), want: (u64, u8)) {
    assert_eq!(
        got, want,
        "got {:#018x} flags {:#04x}, want {:#018x} flags {:#04x}",
        got.0, got.1, want.0, want.1
    );
}

const ONE_S: u32 = 0x3f80_0000;
const TWO_S: u32 = 0x4000_0000;
const THREE_S: u32 = 0x4040_0000;
const HALF_S: u32 = 0x3f00_0000;
const MAX_S: u32 = 0x7f7f_ffff;
const MIN_NORMAL_S: u32 = 0x0080_0000;
const INF_S: u32 = 0x7f80_0000;
const QNAN_S: u32 = 0x7fc0_0000;
const SNAN_S: u32 = 0x7f80_0001;
const ONE_D: u64 = 0x3ff0_0000_0000_0000;
const TWO_D: u64 = 0x4000_0000_0000_0000;
const THREE_D: u64 = 0x4008_0000_0000_0000;
const MAX_D: u64 = 0x7fef_ffff_ffff_ffff;
const INF_D: u64 = 0x7ff0_0000_0000_0000;
const QNAN_D: u64 = CANONICAL_NAN_D;
const SNAN_D: u64 = 0x7ff0_0000_0000_0001;
const NEG_D: u64 = 1 << 63;
const NEG_S: u32 = 1 << 31;
const BOXED_CANON: u64 = 0xffff_ffff_7fc0_0000;

#[test]
fn nan_boxing_of_single_inputs() {
    assert_eq!(unbox(nan_box(ONE_S)), ONE_S);
    for r in [
        0x0000_0000_3f80_0000,
        0x7fff_ffff_3f80_0000,
        0xffff_fffe_3f80_0000,
    ] {
        assert_eq!(unbox(r), CANONICAL_NAN_S);
        // An improperly boxed input is the canonical (quiet) NaN: no NV.
        check(binop(FpBinOp::Add, S, r, s(ONE_S), RNE), (BOXED_CANON, 0));
        assert_eq!(class(S, r), 1 << 9);
        check(cvt_fmt(D, r, RNE), (QNAN_D, 0));
        check(binop(FpBinOp::Min, S, r, s(TWO_S), RNE), (s(TWO_S), 0));
    }
}

#[test]
fn thirds_in_every_rounding_mode() {
    // 1/3 = 1.0101..b x 2^-2: the single's 24th bit is followed by 1010..,
    // above half an ulp; the double's 53rd bit is followed by 0101.., below.
    let s_up = [
        0x3eaa_aaab,
        0x3eaa_aaaa,
        0x3eaa_aaaa,
        0x3eaa_aaab,
        0x3eaa_aaab,
    ];
    let d_up = [
        0x3fd5_5555_5555_5555,
        0x3fd5_5555_5555_5555,
        0x3fd5_5555_5555_5555,
    ];
    let d_all = [
        d_up[0],
        d_up[1],
        d_up[2],
        0x3fd5_5555_5555_5556,
        0x3fd5_5555_5555_5555,
    ];
    for (i, rm) in MODES.into_iter().enumerate() {
        check(
            binop(FpBinOp::Div, S, s(ONE_S), s(THREE_S), rm),
            (s(s_up[i]), NX),
        );
        check(binop(FpBinOp::Div, D, ONE_D, THREE_D, rm), (d_all[i], NX));
        // 2/3: same significands, exponent one higher.
        check(
            binop(FpBinOp::Div, S, s(TWO_S), s(THREE_S), rm),
            (s(s_up[i] + (1 << 23)), NX),
        );
        check(
            binop(FpBinOp::Div, D, TWO_D, THREE_D, rm),
            (d_all[i] + (1 << 52), NX),
        );
    }
    // Negated: RDN and RUP swap roles, RTZ still truncates.
    let s_neg = [
        0xbeaa_aaab,
        0xbeaa_aaaa,
        0xbeaa_aaab,
        0xbeaa_aaaa,
        0xbeaa_aaab,
    ];
    let d_neg = [
        0xbfd5_5555_5555_5555,
        0xbfd5_5555_5555_5555,
        0xbfd5_5555_5555_5556,
        0xbfd5_5555_5555_5555,
        0xbfd5_5555_5555_5555,
    ];
    for (i, rm) in MODES.into_iter().enumerate() {
        check(
            binop(FpBinOp::Div, S, s(ONE_S | NEG_S), s(THREE_S), rm),
            (s(s_neg[i]), NX),
        );
        check(
            binop(FpBinOp::Div, D, ONE_D, THREE_D | NEG_D, rm),
            (d_neg[i], NX),
        );
        let two_thirds = s(s_neg[i] + (1 << 23));
        check(
            binop(FpBinOp::Div, S, s(TWO_S | NEG_S), s(THREE_S), rm),
            (two_thirds, NX),
        );
    }
}

#[test]
fn ties_and_near_ties() {
    // 1 + 2^-24 is exactly half an ulp above 1.0; 1 + 2^-25 is below half.
    let tie = 0x3380_0000;
    let below = 0x3300_0000;
    let want_tie = [ONE_S, ONE_S, ONE_S, ONE_S + 1, ONE_S + 1];
    let want_below = [ONE_S, ONE_S, ONE_S, ONE_S + 1, ONE_S];
    for (i, rm) in MODES.into_iter().enumerate() {
        check(
            binop(FpBinOp::Add, S, s(ONE_S), s(tie), rm),
            (s(want_tie[i]), NX),
        );
        check(
            binop(FpBinOp::Add, S, s(ONE_S), s(below), rm),
            (s(want_below[i]), NX),
        );
    }
    // The double tie 1 + 2^-53, below it by subtraction: -1 - 2^-53.
    let tie_d = 0x3ca0_0000_0000_0000;
    let want = [ONE_D, ONE_D, ONE_D, ONE_D + 1, ONE_D + 1];
    let want_neg = [ONE_D, ONE_D, ONE_D + 1, ONE_D, ONE_D + 1];
    for (i, rm) in MODES.into_iter().enumerate() {
        check(binop(FpBinOp::Add, D, ONE_D, tie_d, rm), (want[i], NX));
        let neg = binop(FpBinOp::Sub, D, ONE_D | NEG_D, tie_d, rm);
        check(neg, (want_neg[i] | NEG_D, NX));
    }
    // Exact results raise nothing.
    check(
        binop(FpBinOp::Add, S, s(ONE_S), s(TWO_S), RNE),
        (s(THREE_S), 0),
    );
    check(
        binop(FpBinOp::Mul, D, TWO_D, THREE_D, RDN),
        (0x4018_0000_0000_0000, 0),
    );
}

#[test]
fn overflow_to_infinity_or_max_finite() {
    // max * 2: to inf when rounding away, to max finite when toward zero.
    let pos_s = [INF_S, MAX_S, MAX_S, INF_S, INF_S];
    let neg_s = [INF_S, MAX_S, INF_S, MAX_S, INF_S];
    let pos_d = [INF_D, MAX_D, MAX_D, INF_D, INF_D];
    for (i, rm) in MODES.into_iter().enumerate() {
        check(
            binop(FpBinOp::Mul, S, s(MAX_S), s(TWO_S), rm),
            (s(pos_s[i]), OF | NX),
        );
        let neg = binop(FpBinOp::Mul, S, s(MAX_S | NEG_S), s(TWO_S), rm);
        check(neg, (s(neg_s[i] | NEG_S), OF | NX));
        check(
            binop(FpBinOp::Add, D, MAX_D, MAX_D, rm),
            (pos_d[i], OF | NX),
        );
    }
    // Doubles narrowed to singles overflow the same way.
    let big = 0x7e37_e43c_8800_759c; // 1e300
    for (i, rm) in MODES.into_iter().enumerate() {
        check(cvt_fmt(S, big, rm), (s(pos_s[i]), OF | NX));
    }
    // Infinity itself is exact: no OF.
    check(
        binop(FpBinOp::Mul, S, s(INF_S), s(TWO_S), RNE),
        (s(INF_S), 0),
    );
}

#[test]
fn underflow_is_detected_after_rounding() {
    // (1 - 2^-23)(1 + 2^-23) 2^-126 = (1 - 2^-46) 2^-126: tiny before
    // rounding, but rounding to 24 bits with an unbounded exponent gives
    // 2^-126, so in RNE the result is the smallest normal and UF stays clear.
    let a = s(0x3f7f_fffe);
    let b = s(MIN_NORMAL_S + 1);
    check(binop(FpBinOp::Mul, S, a, b, RNE), (s(MIN_NORMAL_S), NX));
    check(binop(FpBinOp::Mul, S, a, b, RUP), (s(MIN_NORMAL_S), NX));
    // Toward zero it stays below 2^-126: tiny and inexact, so UF.
    check(binop(FpBinOp::Mul, S, a, b, RTZ), (s(0x007f_ffff), UF | NX));
    // (1 - 2^-24) 2^-126 rounds to itself with an unbounded exponent (tiny)
    // yet the subnormal result rounds up to the smallest normal: UF is set.
    let c = s(0x3f7f_ffff);
    let m = s(MIN_NORMAL_S);
    check(
        binop(FpBinOp::Mul, S, c, m, RNE),
        (s(MIN_NORMAL_S), UF | NX),
    );
    // Doubles: (1 - 2^-52)(1 + 2^-52) 2^-1022.
    let a = 0x3fef_ffff_ffff_fffe;
    let b = 0x0010_0000_0000_0001;
    check(
        binop(FpBinOp::Mul, D, a, b, RNE),
        (0x0010_0000_0000_0000, NX),
    );
    check(
        binop(FpBinOp::Mul, D, a, b, RTZ),
        (0x000f_ffff_ffff_ffff, UF | NX),
    );
}

#[test]
fn subnormals() {
    // Exact subnormal arithmetic raises nothing (UF needs inexactness).
    check(binop(FpBinOp::Add, S, s(1), s(1), RNE), (s(2), 0));
    check(binop(FpBinOp::Sub, D, 3, 1, RNE), (2, 0));
    // 3 * 2^-149 * 0.5 = 1.5 ulp: a tie.
    let want = [2, 1, 1, 2, 2];
    for (i, rm) in MODES.into_iter().enumerate() {
        check(
            binop(FpBinOp::Mul, S, s(3), s(HALF_S), rm),
            (s(want[i]), UF | NX),
        );
    }
    // Half the smallest subnormal: a tie between 0 and 2^-149.
    let want = [0, 0, 0, 1, 1];
    for (i, rm) in MODES.into_iter().enumerate() {
        check(
            binop(FpBinOp::Mul, S, s(1), s(HALF_S), rm),
            (s(want[i]), UF | NX),
        );
        check(
            binop(FpBinOp::Div, D, 1, TWO_D, rm),
            (want[i] as u64, UF | NX),
        );
    }
    // Negative: RDN rounds away from zero, and zero keeps its sign.
    let neg = binop(FpBinOp::Mul, S, s(1 | NEG_S), s(HALF_S), RDN);
    check(neg, (s(1 | NEG_S), UF | NX));
    let neg = binop(FpBinOp::Mul, S, s(1 | NEG_S), s(HALF_S), RUP);
    check(neg, (s(NEG_S), UF | NX));
    // Narrowing 2^-150 to single is the same tie.
    check(cvt_fmt(S, 0x3690_0000_0000_0000, RNE), (s(0), UF | NX));
    check(cvt_fmt(S, 0x3690_0000_0000_0000, RUP), (s(1), UF | NX));
    // Widening a subnormal single is exact.
    check(cvt_fmt(D, s(1), RNE), (0x36a0_0000_0000_0000, 0));
}

#[test]
fn invalid_and_divide_by_zero() {
    let neg_one_s = s(ONE_S | NEG_S);
    check(sqrt(S, neg_one_s, RNE), (BOXED_CANON, NV));
    check(sqrt(D, ONE_D | NEG_D, RNE), (QNAN_D, NV));
    check(sqrt(S, s(NEG_S), RNE), (s(NEG_S), 0));
    check(sqrt(D, 0x4010_0000_0000_0000, RNE), (TWO_D, 0));
    check(sqrt(S, s(TWO_S), RNE), (s(0x3fb5_04f3), NX));
    check(sqrt(S, s(TWO_S), RTZ), (s(0x3fb5_04f3), NX));
    check(sqrt(D, TWO_D, RNE), (0x3ff6_a09e_667f_3bcd, NX));
    check(sqrt(D, TWO_D, RUP), (0x3ff6_a09e_667f_3bcd, NX));
    check(sqrt(D, TWO_D, RDN), (0x3ff6_a09e_667f_3bcc, NX));
    check(binop(FpBinOp::Div, S, s(ONE_S), s(0), RNE), (s(INF_S), DZ));
    check(
        binop(FpBinOp::Div, D, ONE_D | NEG_D, 0, RNE),
        (INF_D | NEG_D, DZ),
    );
    check(
        binop(FpBinOp::Div, D, ONE_D, NEG_D, RNE),
        (INF_D | NEG_D, DZ),
    );
    check(binop(FpBinOp::Div, S, s(0), s(0), RNE), (BOXED_CANON, NV));
    check(binop(FpBinOp::Div, D, INF_D, INF_D, RNE), (QNAN_D, NV));
    check(
        binop(FpBinOp::Sub, S, s(INF_S), s(INF_S), RNE),
        (BOXED_CANON, NV),
    );
    check(
        binop(FpBinOp::Add, D, INF_D, INF_D | NEG_D, RNE),
        (QNAN_D, NV),
    );
    check(binop(FpBinOp::Mul, D, INF_D, 0, RNE), (QNAN_D, NV));
    // inf / 0 is inf without DZ (the dividend is not finite).
    check(binop(FpBinOp::Div, S, s(INF_S), s(0), RNE), (s(INF_S), 0));
}

#[test]
fn nan_results_are_canonical() {
    // Payloads and signs of NaN inputs never reach the result.
    let payload_s = s(0xffc1_2345);
    check(
        binop(FpBinOp::Add, S, payload_s, s(ONE_S), RNE),
        (BOXED_CANON, 0),
    );
    check(
        binop(FpBinOp::Mul, S, s(SNAN_S), s(ONE_S), RNE),
        (BOXED_CANON, NV),
    );
    check(
        binop(FpBinOp::Div, S, s(ONE_S), s(0xff80_0001), RNE),
        (BOXED_CANON, NV),
    );
    check(
        binop(FpBinOp::Sub, D, 0xfff8_dead_0000_0001, ONE_D, RNE),
        (QNAN_D, 0),
    );
    check(binop(FpBinOp::Add, D, ONE_D, SNAN_D, RNE), (QNAN_D, NV));
    check(sqrt(D, SNAN_D, RNE), (QNAN_D, NV));
    check(sqrt(S, s(0x7fc0_0001), RNE), (BOXED_CANON, 0));
    check(cvt_fmt(S, 0x7ff8_0000_1234_5678, RNE), (BOXED_CANON, 0));
    check(cvt_fmt(S, SNAN_D, RNE), (BOXED_CANON, NV));
    check(cvt_fmt(D, s(SNAN_S), RNE), (QNAN_D, NV));
    check(cvt_fmt(D, s(0xffc0_0001), RNE), (QNAN_D, 0));
}

#[test]
fn min_max_signed_zeros_and_nans() {
    let (min, max) = (FpBinOp::Min, FpBinOp::Max);
    let (pz, nz) = (s(0), s(NEG_S));
    check(binop(min, S, pz, nz, RNE), (nz, 0));
    check(binop(min, S, nz, pz, RNE), (nz, 0));
    check(binop(max, S, pz, nz, RNE), (pz, 0));
    check(binop(max, S, nz, pz, RNE), (pz, 0));
    check(binop(min, D, 0, NEG_D, RNE), (NEG_D, 0));
    check(binop(max, D, NEG_D, 0, RNE), (0, 0));
    check(binop(min, S, s(ONE_S), s(TWO_S), RNE), (s(ONE_S), 0));
    check(binop(max, S, s(ONE_S), s(TWO_S), RNE), (s(TWO_S), 0));
    check(binop(min, D, INF_D | NEG_D, ONE_D, RNE), (INF_D | NEG_D, 0));
    check(
        binop(max, D, THREE_D | NEG_D, TWO_D | NEG_D, RNE),
        (TWO_D | NEG_D, 0),
    );
    // One NaN: the other operand; NV only when that NaN signals.
    check(binop(min, S, s(QNAN_S), s(ONE_S), RNE), (s(ONE_S), 0));
    check(binop(max, S, s(ONE_S), s(0xffc0_0000), RNE), (s(ONE_S), 0));
    check(binop(min, S, s(SNAN_S), s(ONE_S), RNE), (s(ONE_S), NV));
    check(binop(max, D, TWO_D, SNAN_D, RNE), (TWO_D, NV));
    check(binop(min, D, QNAN_D, NEG_D, RNE), (NEG_D, 0));
    // Two NaNs: the canonical NaN, whatever their payloads.
    check(
        binop(min, S, s(0x7fc0_0001), s(0xffc0_0002), RNE),
        (BOXED_CANON, 0),
    );
    check(binop(max, S, s(SNAN_S), s(QNAN_S), RNE), (BOXED_CANON, NV));
    check(
        binop(max, D, 0x7ff8_0000_0000_0042, QNAN_D | NEG_D, RNE),
        (QNAN_D, 0),
    );
    check(binop(min, D, SNAN_D, SNAN_D, RNE), (QNAN_D, NV));
}

#[test]
fn sign_injection_is_bit_work() {
    let (j, jn, jx) = (FpBinOp::SgnJ, FpBinOp::SgnJn, FpBinOp::SgnJx);
    let neg_two = s(TWO_S | NEG_S);
    check(binop(j, S, s(ONE_S), neg_two, RNE), (s(ONE_S | NEG_S), 0));
    check(binop(jn, S, s(ONE_S), neg_two, RNE), (s(ONE_S), 0));
    check(binop(jx, S, s(ONE_S | NEG_S), neg_two, RNE), (s(ONE_S), 0));
    check(binop(jx, S, s(ONE_S), neg_two, RNE), (s(ONE_S | NEG_S), 0));
    // NaNs keep their payloads and raise nothing, signaling or not.
    check(
        binop(jn, S, s(SNAN_S), s(SNAN_S), RNE),
        (s(SNAN_S | NEG_S), 0),
    );
    check(binop(j, D, SNAN_D, NEG_D, RNE), (SNAN_D | NEG_D, 0));
    check(
        binop(jx, D, 0xfff8_0000_0000_0042, NEG_D, RNE),
        (0x7ff8_0000_0000_0042, 0),
    );
    // FNEG of an improperly boxed single negates the canonical NaN.
    let bad = 0x0000_0000_3f80_0000;
    check(binop(jn, S, bad, bad, RNE), (s(0xffc0_0000), 0));
    check(binop(j, S, bad, s(ONE_S), RNE), (s(QNAN_S), 0));
}

#[test]
fn compares() {
    let (eq, lt, le) = (FpCmp::Eq, FpCmp::Lt, FpCmp::Le);
    check(cmp(eq, S, s(ONE_S), s(ONE_S)), (1, 0));
    check(cmp(eq, S, s(0), s(NEG_S)), (1, 0));
    check(cmp(lt, S, s(NEG_S), s(0)), (0, 0));
    check(cmp(le, S, s(NEG_S), s(0)), (1, 0));
    check(cmp(lt, D, ONE_D, TWO_D), (1, 0));
    check(cmp(lt, D, TWO_D, ONE_D), (0, 0));
    check(cmp(le, D, INF_D | NEG_D, INF_D), (1, 0));
    // FEQ is quiet: NV only for signaling NaNs.
    check(cmp(eq, S, s(QNAN_S), s(ONE_S)), (0, 0));
    check(cmp(eq, S, s(QNAN_S), s(QNAN_S)), (0, 0));
    check(cmp(eq, S, s(SNAN_S), s(ONE_S)), (0, NV));
    check(cmp(eq, D, ONE_D, SNAN_D), (0, NV));
    // FLT and FLE signal on any NaN.
    check(cmp(lt, S, s(QNAN_S), s(ONE_S)), (0, NV));
    check(cmp(le, D, ONE_D, QNAN_D), (0, NV));
    check(cmp(le, D, QNAN_D, QNAN_D), (0, NV));
    check(cmp(lt, D, SNAN_D, ONE_D), (0, NV));
    // An improperly boxed single is a quiet NaN.
    check(cmp(eq, S, 0x3f80_0000, 0x3f80_0000), (0, 0));
    check(cmp(le, S, 0x3f80_0000, s(ONE_S)), (0, NV));
}

#[test]
fn class_of_every_kind() {
    let singles = [
        (INF_S | NEG_S, 0),
        (ONE_S | NEG_S, 1),
        (0x8000_0001, 2),
        (NEG_S, 3),
        (0, 4),
        (0x007f_ffff, 5),
        (MIN_NORMAL_S, 6),
        (INF_S, 7),
        (SNAN_S, 8),
        (0xffbf_ffff, 8),
        (QNAN_S, 9),
        (0xffc0_0001, 9),
    ];
    for (bits, k) in singles {
        assert_eq!(class(S, s(bits)), 1 << k, "single {bits:#x}");
    }
    let doubles = [
        (INF_D | NEG_D, 0),
        (MAX_D | NEG_D, 1),
        (0x800f_ffff_ffff_ffff, 2),
        (NEG_D, 3),
        (0, 4),
        (1, 5),
        (ONE_D, 6),
        (INF_D, 7),
        (SNAN_D, 8),
        (QNAN_D, 9),
    ];
    for (bits, k) in doubles {
        assert_eq!(class(D, bits), 1 << k, "double {bits:#x}");
    }
}

#[test]
fn fma_single_rounding_and_signs() {
    // (1 + 2^-23)(1 - 2^-23) = 1 - 2^-46 exactly; a separate multiply would
    // round it to 1 and the sum to 0.
    let (a, b) = (s(0x3f80_0001), s(0x3f7f_fffe));
    let (one, neg_one) = (s(ONE_S), s(ONE_S | NEG_S));
    check(binop(FpBinOp::Mul, S, a, b, RNE), (one, NX));
    check(fma(FmaOp::Madd, S, a, b, neg_one, RNE), (s(0xa880_0000), 0));
    check(fma(FmaOp::Msub, S, a, b, one, RNE), (s(0xa880_0000), 0));
    check(fma(FmaOp::Nmsub, S, a, b, one, RNE), (s(0x2880_0000), 0));
    check(
        fma(FmaOp::Nmadd, S, a, b, neg_one, RNE),
        (s(0x2880_0000), 0),
    );
    // Doubles: (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104.
    let (a, b) = (ONE_D + 1, 0x3fef_ffff_ffff_fffe);
    check(
        fma(FmaOp::Madd, D, a, b, ONE_D | NEG_D, RNE),
        (0xb970_0000_0000_0000, 0),
    );
    check(
        fma(FmaOp::Nmadd, D, a, b, ONE_D | NEG_D, RNE),
        (0x3970_0000_0000_0000, 0),
    );
    // Inexact sums round once: 1*1 + 2^-24 is a tie.
    let tie = s(0x3380_0000);
    check(fma(FmaOp::Madd, S, one, one, tie, RNE), (one, NX));
    check(fma(FmaOp::Madd, S, one, one, tie, RMM), (s(ONE_S + 1), NX));
    check(
        fma(FmaOp::Nmadd, S, one, one, tie, RDN),
        (s((ONE_S + 1) | NEG_S), NX),
    );
}

#[test]
fn fma_zeros_infinities_and_nans() {
    let (pz, nz, one) = (s(0), s(NEG_S), s(ONE_S));
    // 0*1 + -0 = +0 in every mode but RDN, where it is -0.
    check(fma(FmaOp::Madd, S, pz, one, nz, RNE), (pz, 0));
    check(fma(FmaOp::Madd, S, pz, one, nz, RDN), (nz, 0));
    // -(0*1) - 0 = -0 + -0 = -0.
    check(fma(FmaOp::Nmadd, S, pz, one, pz, RNE), (nz, 0));
    check(fma(FmaOp::Nmsub, D, 0, ONE_D, 0, RNE), (0, 0));
    // 0 * inf + c is invalid even when c is a quiet NaN.
    check(
        fma(FmaOp::Madd, S, pz, s(INF_S), s(QNAN_S), RNE),
        (BOXED_CANON, NV),
    );
    check(fma(FmaOp::Nmadd, D, INF_D, 0, QNAN_D, RNE), (QNAN_D, NV));
    check(
        fma(FmaOp::Madd, D, INF_D, ONE_D, INF_D | NEG_D, RNE),
        (QNAN_D, NV),
    );
    check(fma(FmaOp::Msub, D, INF_D, ONE_D, INF_D, RNE), (QNAN_D, NV));
    check(fma(FmaOp::Madd, D, INF_D, ONE_D, INF_D, RNE), (INF_D, 0));
    // A quiet NaN operand otherwise gives the canonical NaN quietly.
    check(
        fma(FmaOp::Madd, S, s(0xffc0_0001), one, one, RNE),
        (BOXED_CANON, 0),
    );
    check(fma(FmaOp::Madd, D, ONE_D, ONE_D, SNAN_D, RNE), (QNAN_D, NV));
    // Overflow through the product.
    check(
        fma(FmaOp::Madd, S, s(MAX_S), s(TWO_S), pz, RTZ),
        (s(MAX_S), OF | NX),
    );
    check(fma(FmaOp::Madd, D, MAX_D, TWO_D, 0, RNE), (INF_D, OF | NX));
}

#[test]
fn cvt_to_int_rounding() {
    let two_and_half = s(0x4020_0000);
    let want = [2u64, 2, 2, 3, 3];
    let want_neg = [-2i64, -2, -3, -2, -3];
    for (i, rm) in MODES.into_iter().enumerate() {
        for to in [IntFmt::W, IntFmt::L] {
            check(cvt_to_int(to, S, two_and_half, rm), (want[i], NX));
            let neg = cvt_to_int(to, D, 0xc004_0000_0000_0000, rm);
            check(neg, (want_neg[i] as u64, NX));
        }
        check(cvt_to_int(IntFmt::Wu, S, two_and_half, rm), (want[i], NX));
        check(
            cvt_to_int(IntFmt::Lu, D, 0x4004_0000_0000_0000, rm),
            (want[i], NX),
        );
    }
    check(
        cvt_to_int(IntFmt::W, S, s(ONE_S | NEG_S), RNE),
        (u64::MAX, 0),
    );
    check(cvt_to_int(IntFmt::L, D, NEG_D, RNE), (0, 0));
}

#[test]
fn cvt_to_int_saturation_table() {
    // ISA manual, FCVT to integer: out-of-range and infinite inputs saturate,
    // NaN gives the largest positive value, all with NV alone.
    let w_min = (i32::MIN as i64) as u64;
    let w_max = i32::MAX as u64;
    let wu_max = u64::MAX; // 0xffffffff sign-extended
    let l_min = i64::MIN as u64;
    let l_max = i64::MAX as u64;
    let table: [(u64, [u64; 4]); 6] = [
        (INF_D | NEG_D, [w_min, 0, l_min, 0]),
        (0xc4b0_0000_0000_0000, [w_min, 0, l_min, 0]), // -2^76
        (0x44b0_0000_0000_0000, [w_max, wu_max, l_max, u64::MAX]), // 2^76
        (INF_D, [w_max, wu_max, l_max, u64::MAX]),
        (QNAN_D, [w_max, wu_max, l_max, u64::MAX]),
        (QNAN_D | NEG_D, [w_max, wu_max, l_max, u64::MAX]),
    ];
    let fmts = [IntFmt::W, IntFmt::Wu, IntFmt::L, IntFmt::Lu];
    for (d, wants) in table {
        for (to, want) in fmts.into_iter().zip(wants) {
            check(cvt_to_int(to, D, d, RNE), (want, NV));
            let single = cvt_fmt(S, d, RNE).0;
            check(cvt_to_int(to, S, single, RTZ), (want, NV));
        }
    }
    check(cvt_to_int(IntFmt::L, S, s(SNAN_S), RNE), (l_max, NV));
    check(cvt_to_int(IntFmt::W, S, 0x1234, RNE), (w_max, NV));
}

#[test]
fn cvt_to_int_range_edges() {
    // 3e9 fits WU (sign-extended from bit 31) but not W.
    let three_e9 = s(0x4f32_d05e);
    check(
        cvt_to_int(IntFmt::W, S, three_e9, RNE),
        (i32::MAX as u64, NV),
    );
    check(
        cvt_to_int(IntFmt::Wu, S, three_e9, RNE),
        (0xffff_ffff_b2d0_5e00, 0),
    );
    check(cvt_to_int(IntFmt::L, S, three_e9, RNE), (3_000_000_000, 0));
    // -2^31 is in range for W; 2^31 is not.
    check(
        cvt_to_int(IntFmt::W, S, s(0xcf00_0000), RNE),
        (0xffff_ffff_8000_0000, 0),
    );
    check(
        cvt_to_int(IntFmt::W, S, s(0x4f00_0000), RNE),
        (0x7fff_ffff, NV),
    );
    // 2^31 - 0.5 rounds to 2^31 (out of range, NV only) or down to 2^31 - 1.
    let d = 0x41df_ffff_ffe0_0000;
    check(cvt_to_int(IntFmt::W, D, d, RNE), (0x7fff_ffff, NV));
    check(cvt_to_int(IntFmt::W, D, d, RTZ), (0x7fff_ffff, NX));
    // -2^31 - 0.5 rounds to -2^31 (in range) or to -2^31 - 1 (out).
    let d = 0xc1e0_0000_0010_0000;
    check(
        cvt_to_int(IntFmt::W, D, d, RNE),
        (0xffff_ffff_8000_0000, NX),
    );
    check(
        cvt_to_int(IntFmt::W, D, d, RDN),
        (0xffff_ffff_8000_0000, NV),
    );
    // u32::MAX is in range for WU; 2^32 saturates to the same bits with NV.
    check(
        cvt_to_int(IntFmt::Wu, D, 0x41ef_ffff_ffe0_0000, RNE),
        (u64::MAX, 0),
    );
    check(
        cvt_to_int(IntFmt::Wu, D, 0x41f0_0000_0000_0000, RNE),
        (u64::MAX, NV),
    );
    // 2^63: out of range for L, in range for LU; 2^64 out for both.
    check(
        cvt_to_int(IntFmt::L, D, 0x43e0_0000_0000_0000, RNE),
        (i64::MAX as u64, NV),
    );
    check(
        cvt_to_int(IntFmt::Lu, D, 0x43e0_0000_0000_0000, RNE),
        (1 << 63, 0),
    );
    check(
        cvt_to_int(IntFmt::Lu, D, 0x43f0_0000_0000_0000, RNE),
        (u64::MAX, NV),
    );
    check(
        cvt_to_int(IntFmt::L, D, 0xc3e0_0000_0000_0000, RNE),
        (i64::MIN as u64, 0),
    );
}

#[test]
fn cvt_negative_to_unsigned() {
    let neg_half = s(HALF_S | NEG_S);
    // Rounds to 0: only NX. Rounds to -1: 0 with NV.
    for to in [IntFmt::Wu, IntFmt::Lu] {
        check(cvt_to_int(to, S, neg_half, RNE), (0, NX));
        check(cvt_to_int(to, S, neg_half, RUP), (0, NX));
        check(cvt_to_int(to, S, neg_half, RTZ), (0, NX));
        check(cvt_to_int(to, S, neg_half, RDN), (0, NV));
        check(cvt_to_int(to, S, neg_half, RMM), (0, NV));
        check(cvt_to_int(to, D, ONE_D | NEG_D, RNE), (0, NV));
        check(cvt_to_int(to, D, NEG_D, RNE), (0, 0));
    }
}

#[test]
fn cvt_from_int_vectors() {
    use super::cvt_from_int as from;
    // W reads the low 32 bits as signed; WU as unsigned.
    check(from(IntFmt::W, S, u64::MAX, RNE), (s(ONE_S | NEG_S), 0));
    check(from(IntFmt::W, D, 0x1234_5678_0000_0001, RNE), (ONE_D, 0));
    check(
        from(IntFmt::Wu, D, 0xffff_ffff, RNE),
        (0x41ef_ffff_ffe0_0000, 0),
    );
    check(from(IntFmt::Wu, S, 0xffff_ffff, RNE), (s(0x4f80_0000), NX));
    check(from(IntFmt::Wu, S, 0xffff_ffff, RTZ), (s(0x4f7f_ffff), NX));
    check(from(IntFmt::W, S, 0, RNE), (s(0), 0));
    // 2^24 + 1 is a tie for singles.
    let want = [
        0x4b80_0000,
        0x4b80_0000,
        0x4b80_0000,
        0x4b80_0001,
        0x4b80_0001,
    ];
    let want_neg = [
        0x4b80_0000,
        0x4b80_0000,
        0x4b80_0001,
        0x4b80_0000,
        0x4b80_0001,
    ];
    for (i, rm) in MODES.into_iter().enumerate() {
        check(from(IntFmt::W, S, (1 << 24) + 1, rm), (s(want[i]), NX));
        let neg = from(IntFmt::L, S, (-(1i64 << 24) - 1) as u64, rm);
        check(neg, (s(want_neg[i] | NEG_S), NX));
    }
    // 2^53 + 1 is a tie for doubles.
    check(
        from(IntFmt::L, D, (1 << 53) + 1, RNE),
        (0x4340_0000_0000_0000, NX),
    );
    check(
        from(IntFmt::L, D, (1 << 53) + 1, RUP),
        (0x4340_0000_0000_0001, NX),
    );
    check(
        from(IntFmt::L, S, i64::MIN as u64, RNE),
        (s(0xdf00_0000), 0),
    );
    check(
        from(IntFmt::L, D, i64::MIN as u64, RNE),
        (0xc3e0_0000_0000_0000, 0),
    );
    check(
        from(IntFmt::Lu, D, u64::MAX, RNE),
        (0x43f0_0000_0000_0000, NX),
    );
    check(
        from(IntFmt::Lu, D, u64::MAX, RTZ),
        (0x43ef_ffff_ffff_ffff, NX),
    );
    check(from(IntFmt::Lu, S, 1 << 63, RNE), (s(0x5f00_0000), 0));
}

#[test]
fn cvt_between_formats() {
    let third_d = 0x3fd5_5555_5555_5555;
    let want = [
        0x3eaa_aaab,
        0x3eaa_aaaa,
        0x3eaa_aaaa,
        0x3eaa_aaab,
        0x3eaa_aaab,
    ];
    for (i, rm) in MODES.into_iter().enumerate() {
        check(cvt_fmt(S, third_d, rm), (s(want[i]), NX));
    }
    check(cvt_fmt(D, s(0x3eaa_aaab), RNE), (0x3fd5_5555_6000_0000, 0));
    check(cvt_fmt(S, ONE_D, RNE), (s(ONE_S), 0));
    check(cvt_fmt(S, NEG_D, RNE), (s(NEG_S), 0));
    check(cvt_fmt(D, s(INF_S | NEG_S), RNE), (INF_D | NEG_D, 0));
    check(cvt_fmt(S, MAX_D | NEG_D, RUP), (s(MAX_S | NEG_S), OF | NX));
}

#[test]
fn every_op_returns_boxed_singles() {
    let (one, two) = (s(ONE_S), s(TWO_S));
    for op in FpBinOp::ALL {
        assert_eq!(binop(op, S, one, two, RNE).0 >> 32, 0xffff_ffff, "{op:?}");
    }
    assert_eq!(fma(FmaOp::Madd, S, one, two, one, RNE).0, s(THREE_S));
    assert_eq!(sqrt(S, s(0x4080_0000), RNE).0, two);
    assert_eq!(cvt_from_int(IntFmt::Lu, S, 3, RNE).0, s(THREE_S));
}
