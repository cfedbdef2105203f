//! F and D on spec-derived vectors: exact result bits and fflags for every
//! rounding mode (static and through frm), NV/DZ/OF/UF/NX, tininess after
//! rounding, the canonical NaN, NaN-boxing, FMIN/FMAX on signed zeros and
//! NaNs, FCVT saturation, FCLASS, FMA's single rounding, C.FLD/C.FSD forms,
//! and mstatus.FS (Off makes FP illegal, writes make it Dirty), reserved rm.
#![no_std]
#![no_main]

use core::arch::asm;
use guests::check::eq;
use guests::csr::{cause, mstatus};
use guests::trap;
use guests::{csrc, csrr, csrs, csrw};

const NV: u64 = 0x10;
const DZ: u64 = 0x08;
const OF: u64 = 0x04;
const UF: u64 = 0x02;
const NX: u64 = 0x01;

// Single-precision bit patterns.
const ONE: u64 = 0x3f80_0000;
const TWO: u64 = 0x4000_0000;
const THREE: u64 = 0x4040_0000;
const HALF: u64 = 0x3f00_0000;
const M_ONE: u64 = 0xbf80_0000;
const P_ZERO: u64 = 0;
const N_ZERO: u64 = 0x8000_0000;
const INF: u64 = 0x7f80_0000;
const N_INF: u64 = 0xff80_0000;
const QNAN: u64 = 0x7fc0_0000;
const SNAN: u64 = 0x7f80_0001;
const MAX: u64 = 0x7f7f_ffff;
const MIN_NORM: u64 = 0x0080_0000;
const MIN_SUB: u64 = 0x0000_0001;
/// 2^-24 and 1.5 * 2^-24: half an ulp of 1.0 and three quarters of one.
const EPS: u64 = 0x3380_0000;
const EPS_1_5: u64 = 0x33c0_0000;

// Double-precision bit patterns.
const D_ONE: u64 = 0x3ff0_0000_0000_0000;
const D_THREE: u64 = 0x4008_0000_0000_0000;
const D_M_ONE: u64 = 0xbff0_0000_0000_0000;
const D_EPS: u64 = 0x3ca0_0000_0000_0000; // 2^-53
const D_QNAN: u64 = 0x7ff8_0000_0000_0000;
const D_SNAN: u64 = 0x7ff0_0000_0000_0001;
const D_INF: u64 = 0x7ff0_0000_0000_0000;
const D_MAX: u64 = 0x7fef_ffff_ffff_ffff;
const D_N_ZERO: u64 = 0x8000_0000_0000_0000;

/// A single in a 64-bit FP register, NaN-boxed.
const fn boxed(x: u64) -> u64 {
    0xffff_ffff_0000_0000 | x
}

/// Single-precision operation on ft0..ft2 (loaded boxed from a, b, c) with an
/// FP result in ft3; returns (ft3 as 64 bits, fflags).
macro_rules! sf {
    ($op:literal, $a:expr, $b:expr, $c:expr) => {
        fp!("fmv.w.x", concat!($op, "\nfmv.x.d {r}, ft3"), $a, $b, $c)
    };
    ($op:literal, $a:expr, $b:expr) => {
        sf!($op, $a, $b, 0)
    };
    ($op:literal, $a:expr) => {
        sf!($op, $a, 0, 0)
    };
}

/// Single-precision operation writing the integer register {r}.
macro_rules! si {
    ($op:literal, $a:expr, $b:expr) => {
        fp!("fmv.w.x", $op, $a, $b, 0)
    };
    ($op:literal, $a:expr) => {
        fp!("fmv.w.x", $op, $a, 0, 0)
    };
}

/// Double-precision operation on ft0..ft2 with an FP result in ft3.
macro_rules! df {
    ($op:literal, $a:expr, $b:expr, $c:expr) => {
        fp!("fmv.d.x", concat!($op, "\nfmv.x.d {r}, ft3"), $a, $b, $c)
    };
    ($op:literal, $a:expr, $b:expr) => {
        df!($op, $a, $b, 0)
    };
    ($op:literal, $a:expr) => {
        df!($op, $a, 0, 0)
    };
}

/// Double-precision operation writing the integer register {r}.
macro_rules! di {
    ($op:literal, $a:expr, $b:expr) => {
        fp!("fmv.d.x", $op, $a, $b, 0)
    };
    ($op:literal, $a:expr) => {
        fp!("fmv.d.x", $op, $a, 0, 0)
    };
}

macro_rules! fp {
    ($mv:literal, $op:expr, $a:expr, $b:expr, $c:expr) => {{
        let (r, fl): (u64, u64);
        // SAFETY: FP register arithmetic; fflags is cleared first.
        unsafe {
            asm!(
                "csrw fflags, zero",
                concat!($mv, " ft0, {a}"),
                concat!($mv, " ft1, {b}"),
                concat!($mv, " ft2, {c}"),
                $op,
                "csrr {fl}, fflags",
                a = in(reg) $a as u64,
                b = in(reg) $b as u64,
                c = in(reg) $c as u64,
                r = lateout(reg) r,
                fl = lateout(reg) fl,
                out("ft0") _, out("ft1") _, out("ft2") _, out("ft3") _,
            )
        };
        (r, fl)
    }};
}

/// Checks a (result, flags) pair.
fn is(what: &str, got: (u64, u64), want: u64, flags: u64) {
    eq(what, got.0, want);
    eq(what, got.1, flags);
}

fn rounding_static() {
    // 1 + 2^-24 is a tie between 1.0 and its successor.
    is(
        "fadd.s tie rne",
        sf!("fadd.s ft3, ft0, ft1, rne", ONE, EPS),
        boxed(ONE),
        NX,
    );
    is(
        "fadd.s tie rtz",
        sf!("fadd.s ft3, ft0, ft1, rtz", ONE, EPS),
        boxed(ONE),
        NX,
    );
    is(
        "fadd.s tie rdn",
        sf!("fadd.s ft3, ft0, ft1, rdn", ONE, EPS),
        boxed(ONE),
        NX,
    );
    is(
        "fadd.s tie rup",
        sf!("fadd.s ft3, ft0, ft1, rup", ONE, EPS),
        boxed(ONE + 1),
        NX,
    );
    is(
        "fadd.s tie rmm",
        sf!("fadd.s ft3, ft0, ft1, rmm", ONE, EPS),
        boxed(ONE + 1),
        NX,
    );
    let (n1, ne) = (M_ONE, EPS | N_ZERO);
    is(
        "fadd.s -tie rne",
        sf!("fadd.s ft3, ft0, ft1, rne", n1, ne),
        boxed(M_ONE),
        NX,
    );
    is(
        "fadd.s -tie rtz",
        sf!("fadd.s ft3, ft0, ft1, rtz", n1, ne),
        boxed(M_ONE),
        NX,
    );
    is(
        "fadd.s -tie rdn",
        sf!("fadd.s ft3, ft0, ft1, rdn", n1, ne),
        boxed(M_ONE + 1),
        NX,
    );
    is(
        "fadd.s -tie rup",
        sf!("fadd.s ft3, ft0, ft1, rup", n1, ne),
        boxed(M_ONE),
        NX,
    );
    is(
        "fadd.s -tie rmm",
        sf!("fadd.s ft3, ft0, ft1, rmm", n1, ne),
        boxed(M_ONE + 1),
        NX,
    );
    // 1 + 1.5 * 2^-24 is above the tie.
    is(
        "fadd.s above tie rne",
        sf!("fadd.s ft3, ft0, ft1, rne", ONE, EPS_1_5),
        boxed(ONE + 1),
        NX,
    );
    is(
        "fadd.s above tie rtz",
        sf!("fadd.s ft3, ft0, ft1, rtz", ONE, EPS_1_5),
        boxed(ONE),
        NX,
    );
    // 1 + 3 * 2^-24 ties between 1 + 2^-23 (odd) and 1 + 2^-22 (even).
    is(
        "fadd.s odd tie rne",
        sf!("fadd.s ft3, ft0, ft1, rne", ONE + 1, EPS),
        boxed(ONE + 2),
        NX,
    );
    is(
        "fadd.s odd tie rmm",
        sf!("fadd.s ft3, ft0, ft1, rmm", ONE + 1, EPS),
        boxed(ONE + 2),
        NX,
    );
    is(
        "fadd.s odd tie rtz",
        sf!("fadd.s ft3, ft0, ft1, rtz", ONE + 1, EPS),
        boxed(ONE + 1),
        NX,
    );
    is(
        "fadd.s exact",
        sf!("fadd.s ft3, ft0, ft1, rne", ONE, TWO),
        boxed(THREE),
        0,
    );
    // x - x is +0 except in rdn, where it is -0.
    is(
        "fsub.s x-x rne",
        sf!("fsub.s ft3, ft0, ft1, rne", THREE, THREE),
        boxed(P_ZERO),
        0,
    );
    is(
        "fsub.s x-x rdn",
        sf!("fsub.s ft3, ft0, ft1, rdn", THREE, THREE),
        boxed(N_ZERO),
        0,
    );
    // 1/3 = 0x3eaaaaab in rne and rup, 0x3eaaaaaa in rtz and rdn.
    is(
        "fdiv.s 1/3 rne",
        sf!("fdiv.s ft3, ft0, ft1, rne", ONE, THREE),
        boxed(0x3eaa_aaab),
        NX,
    );
    is(
        "fdiv.s 1/3 rtz",
        sf!("fdiv.s ft3, ft0, ft1, rtz", ONE, THREE),
        boxed(0x3eaa_aaaa),
        NX,
    );
    is(
        "fdiv.s 1/3 rdn",
        sf!("fdiv.s ft3, ft0, ft1, rdn", ONE, THREE),
        boxed(0x3eaa_aaaa),
        NX,
    );
    is(
        "fdiv.s 1/3 rup",
        sf!("fdiv.s ft3, ft0, ft1, rup", ONE, THREE),
        boxed(0x3eaa_aaab),
        NX,
    );
    is(
        "fdiv.s -1/3 rdn",
        sf!("fdiv.s ft3, ft0, ft1, rdn", M_ONE, THREE),
        boxed(0xbeaa_aaab),
        NX,
    );
    // sqrt(2) = 0x3fb504f3 (rne; the exact value is below the midpoint).
    is(
        "fsqrt.s 2 rne",
        sf!("fsqrt.s ft3, ft0, rne", TWO),
        boxed(0x3fb5_04f3),
        NX,
    );
    is(
        "fsqrt.s 2 rup",
        sf!("fsqrt.s ft3, ft0, rup", TWO),
        boxed(0x3fb5_04f4),
        NX,
    );
    is(
        "fsqrt.s 4",
        sf!("fsqrt.s ft3, ft0", 0x4080_0000),
        boxed(TWO),
        0,
    );
    // Doubles: 1 + 2^-53 is a tie.
    is(
        "fadd.d tie rne",
        df!("fadd.d ft3, ft0, ft1, rne", D_ONE, D_EPS),
        D_ONE,
        NX,
    );
    is(
        "fadd.d tie rup",
        df!("fadd.d ft3, ft0, ft1, rup", D_ONE, D_EPS),
        D_ONE + 1,
        NX,
    );
    is(
        "fadd.d tie rmm",
        df!("fadd.d ft3, ft0, ft1, rmm", D_ONE, D_EPS),
        D_ONE + 1,
        NX,
    );
    is(
        "fadd.d tie rdn",
        df!("fadd.d ft3, ft0, ft1, rdn", D_ONE, D_EPS),
        D_ONE,
        NX,
    );
    is(
        "fadd.d -tie rdn",
        df!("fadd.d ft3, ft0, ft1, rdn", D_M_ONE, D_EPS | D_N_ZERO),
        D_M_ONE + 1,
        NX,
    );
    is(
        "fdiv.d 1/3 rne",
        df!("fdiv.d ft3, ft0, ft1, rne", D_ONE, D_THREE),
        0x3fd5_5555_5555_5555,
        NX,
    );
    is(
        "fdiv.d 1/3 rup",
        df!("fdiv.d ft3, ft0, ft1, rup", D_ONE, D_THREE),
        0x3fd5_5555_5555_5556,
        NX,
    );
    is(
        "fsqrt.d 2",
        df!("fsqrt.d ft3, ft0, rne", 0x4000_0000_0000_0000u64),
        0x3ff6_a09e_667f_3bcd,
        NX,
    );
}

fn rounding_dynamic() {
    // (frm, 1 + 2^-24, -1 - 2^-24) for every mode through frm.
    let want = [
        (0, ONE, M_ONE),
        (1, ONE, M_ONE),
        (2, ONE, M_ONE + 1),
        (3, ONE + 1, M_ONE),
        (4, ONE + 1, M_ONE + 1),
    ];
    for (rm, pos, neg) in want {
        csrw!(frm, rm);
        eq("frm reads back", csrr!(frm), rm);
        is(
            "fadd.s dyn",
            sf!("fadd.s ft3, ft0, ft1, dyn", ONE, EPS),
            boxed(pos),
            NX,
        );
        is(
            "fadd.s dyn negative",
            sf!("fadd.s ft3, ft0, ft1", M_ONE, EPS | N_ZERO),
            boxed(neg),
            NX,
        );
    }
    csrw!(frm, 3);
    is(
        "fcvt.w.s dyn rup",
        si!("fcvt.w.s {r}, ft0", 0x4020_0000),
        3,
        NX,
    );
    is(
        "static rm beats frm",
        si!("fcvt.w.s {r}, ft0, rtz", 0x4020_0000),
        2,
        NX,
    );
    csrw!(frm, 0);
    csrw!(fcsr, 0xffff);
    eq("fcsr keeps 8 bits", csrr!(fcsr), 0xff);
    eq("frm is fcsr[7:5]", csrr!(frm), 7);
    eq("fflags is fcsr[4:0]", csrr!(fflags), 0x1f);
    csrw!(fcsr, 0);
    // Flags accrue until cleared.
    let fl: u64;
    // SAFETY: two FP operations, flags read at the end.
    unsafe {
        asm!("csrw fflags, zero", "fmv.w.x ft0, {one}", "fmv.w.x ft1, zero", "fdiv.s ft2, ft0, ft1", "fdiv.s ft2, ft1, ft1", "csrr {fl}, fflags",
            one = in(reg) ONE, fl = out(reg) fl, out("ft0") _, out("ft1") _, out("ft2") _)
    };
    eq("fflags accrue DZ then NV", fl, DZ | NV);
}

fn exceptions() {
    is(
        "1/+0",
        sf!("fdiv.s ft3, ft0, ft1", ONE, P_ZERO),
        boxed(INF),
        DZ,
    );
    is(
        "-1/+0",
        sf!("fdiv.s ft3, ft0, ft1", M_ONE, P_ZERO),
        boxed(N_INF),
        DZ,
    );
    is(
        "1/-0",
        sf!("fdiv.s ft3, ft0, ft1", ONE, N_ZERO),
        boxed(N_INF),
        DZ,
    );
    is(
        "0/0",
        sf!("fdiv.s ft3, ft0, ft1", P_ZERO, P_ZERO),
        boxed(QNAN),
        NV,
    );
    is(
        "inf-inf",
        sf!("fsub.s ft3, ft0, ft1", INF, INF),
        boxed(QNAN),
        NV,
    );
    is(
        "inf*0",
        sf!("fmul.s ft3, ft0, ft1", INF, P_ZERO),
        boxed(QNAN),
        NV,
    );
    is("sqrt(-1)", sf!("fsqrt.s ft3, ft0", M_ONE), boxed(QNAN), NV);
    is(
        "sqrt(-0)",
        sf!("fsqrt.s ft3, ft0", N_ZERO),
        boxed(N_ZERO),
        0,
    );
    is(
        "sNaN+1: canonical NaN, NV",
        sf!("fadd.s ft3, ft0, ft1", SNAN, ONE),
        boxed(QNAN),
        NV,
    );
    is(
        "qNaN payload is not propagated",
        sf!("fadd.s ft3, ft0, ft1", 0xffc0_1234u64, ONE),
        boxed(QNAN),
        0,
    );
    is(
        "1/inf",
        sf!("fdiv.s ft3, ft0, ft1", ONE, INF),
        boxed(P_ZERO),
        0,
    );
    // Overflow: max * 2.
    is(
        "overflow rne",
        sf!("fmul.s ft3, ft0, ft1, rne", MAX, TWO),
        boxed(INF),
        OF | NX,
    );
    is(
        "overflow rtz",
        sf!("fmul.s ft3, ft0, ft1, rtz", MAX, TWO),
        boxed(MAX),
        OF | NX,
    );
    is(
        "overflow rdn",
        sf!("fmul.s ft3, ft0, ft1, rdn", MAX, TWO),
        boxed(MAX),
        OF | NX,
    );
    is(
        "overflow rup",
        sf!("fmul.s ft3, ft0, ft1, rup", MAX, TWO),
        boxed(INF),
        OF | NX,
    );
    is(
        "-overflow rdn",
        sf!("fmul.s ft3, ft0, ft1, rdn", MAX | N_ZERO, TWO),
        boxed(N_INF),
        OF | NX,
    );
    is(
        "-overflow rup",
        sf!("fmul.s ft3, ft0, ft1, rup", MAX | N_ZERO, TWO),
        boxed(MAX | N_ZERO),
        OF | NX,
    );
    is(
        "-overflow rmm",
        sf!("fmul.s ft3, ft0, ft1, rmm", MAX | N_ZERO, TWO),
        boxed(N_INF),
        OF | NX,
    );
    // Underflow: an exact subnormal result raises nothing.
    is(
        "exact subnormal",
        sf!("fmul.s ft3, ft0, ft1", MIN_NORM, HALF),
        boxed(0x0040_0000),
        0,
    );
    is(
        "min_sub/2 rne",
        sf!("fmul.s ft3, ft0, ft1, rne", MIN_SUB, HALF),
        boxed(P_ZERO),
        UF | NX,
    );
    is(
        "min_sub/2 rup",
        sf!("fmul.s ft3, ft0, ft1, rup", MIN_SUB, HALF),
        boxed(MIN_SUB),
        UF | NX,
    );
    is(
        "min_sub/2 rmm",
        sf!("fmul.s ft3, ft0, ft1, rmm", MIN_SUB, HALF),
        boxed(MIN_SUB),
        UF | NX,
    );
    // (1 - 2^-24) * 2^-126 is tiny and inexact in the subnormal format.
    is(
        "tiny tie rne",
        sf!("fmul.s ft3, ft0, ft1, rne", 0x3f7f_ffffu64, MIN_NORM),
        boxed(MIN_NORM),
        UF | NX,
    );
    // (1 - 2^-23)(1 + 2^-23) 2^-126 = (1 - 2^-46) 2^-126 rounds to 2^-126 with
    // an unbounded exponent: not tiny after rounding, so no UF.
    is(
        "tininess after rounding",
        sf!("fmul.s ft3, ft0, ft1, rne", 0x3f7f_fffeu64, MIN_NORM + 1),
        boxed(MIN_NORM),
        NX,
    );
    is(
        "tiny in rtz",
        sf!("fmul.s ft3, ft0, ft1, rtz", 0x3f7f_fffeu64, MIN_NORM + 1),
        boxed(0x007f_ffff),
        UF | NX,
    );
    is(
        "double overflow",
        df!("fmul.d ft3, ft0, ft1", D_MAX, 0x4000_0000_0000_0000u64),
        D_INF,
        OF | NX,
    );
    is("double 0/0", df!("fdiv.d ft3, ft0, ft1", 0, 0), D_QNAN, NV);
    is(
        "double sNaN",
        df!("fmul.d ft3, ft0, ft1", D_SNAN, D_ONE),
        D_QNAN,
        NV,
    );
    is(
        "double min_sub/2",
        df!("fmul.d ft3, ft0, ft1", 1, 0x3fe0_0000_0000_0000u64),
        0,
        UF | NX,
    );
}

fn fma() {
    // (1 + 2^-23)(1 - 2^-23) - 1 = -2^-46 exactly; a separate multiply
    // rounds the product to 1.0 first.
    is(
        "fmul.s rounds",
        sf!("fmul.s ft3, ft0, ft1", ONE + 1, 0x3f7f_fffeu64),
        boxed(ONE),
        NX,
    );
    is(
        "fmadd.s single rounding",
        sf!("fmadd.s ft3, ft0, ft1, ft2", ONE + 1, 0x3f7f_fffeu64, M_ONE),
        boxed(0xa880_0000),
        0,
    );
    is(
        "fmadd.s 2*3+1",
        sf!("fmadd.s ft3, ft0, ft1, ft2", TWO, THREE, ONE),
        boxed(0x40e0_0000),
        0,
    );
    is(
        "fmsub.s 2*3-1",
        sf!("fmsub.s ft3, ft0, ft1, ft2", TWO, THREE, ONE),
        boxed(0x40a0_0000),
        0,
    );
    is(
        "fnmsub.s -(2*3)+1",
        sf!("fnmsub.s ft3, ft0, ft1, ft2", TWO, THREE, ONE),
        boxed(0xc0a0_0000),
        0,
    );
    is(
        "fnmadd.s -(2*3)-1",
        sf!("fnmadd.s ft3, ft0, ft1, ft2", TWO, THREE, ONE),
        boxed(0xc0e0_0000),
        0,
    );
    is(
        "fma inf*0+qNaN is NV",
        sf!("fmadd.s ft3, ft0, ft1, ft2", INF, P_ZERO, QNAN),
        boxed(QNAN),
        NV,
    );
    is(
        "fma x*y+qNaN",
        sf!("fmadd.s ft3, ft0, ft1, ft2", TWO, THREE, QNAN),
        boxed(QNAN),
        0,
    );
    is(
        "fma inf-inf",
        sf!("fmadd.s ft3, ft0, ft1, ft2", INF, ONE, N_INF),
        boxed(QNAN),
        NV,
    );
    // The sum of +0 product and -0 is +0, but -0 in rdn.
    is(
        "fma 0*1 + -0 rne",
        sf!("fmadd.s ft3, ft0, ft1, ft2, rne", P_ZERO, ONE, N_ZERO),
        boxed(P_ZERO),
        0,
    );
    is(
        "fma 0*1 + -0 rdn",
        sf!("fmadd.s ft3, ft0, ft1, ft2, rdn", P_ZERO, ONE, N_ZERO),
        boxed(N_ZERO),
        0,
    );
    is(
        "fmadd.d single rounding",
        df!(
            "fmadd.d ft3, ft0, ft1, ft2",
            D_ONE + 1,
            0x3fef_ffff_ffff_fffeu64,
            D_M_ONE
        ),
        0xb970_0000_0000_0000,
        0,
    );
}

fn min_max_compare() {
    is(
        "fmin -0,+0",
        sf!("fmin.s ft3, ft0, ft1", N_ZERO, P_ZERO),
        boxed(N_ZERO),
        0,
    );
    is(
        "fmin +0,-0",
        sf!("fmin.s ft3, ft0, ft1", P_ZERO, N_ZERO),
        boxed(N_ZERO),
        0,
    );
    is(
        "fmax -0,+0",
        sf!("fmax.s ft3, ft0, ft1", N_ZERO, P_ZERO),
        boxed(P_ZERO),
        0,
    );
    is(
        "fmin qNaN,1",
        sf!("fmin.s ft3, ft0, ft1", QNAN, ONE),
        boxed(ONE),
        0,
    );
    is(
        "fmax 1,qNaN",
        sf!("fmax.s ft3, ft0, ft1", ONE, QNAN),
        boxed(ONE),
        0,
    );
    is(
        "fmin sNaN,1: NV",
        sf!("fmin.s ft3, ft0, ft1", SNAN, ONE),
        boxed(ONE),
        NV,
    );
    is(
        "fmax NaN,NaN: canonical",
        sf!("fmax.s ft3, ft0, ft1", 0x7fc0_0042u64, SNAN),
        boxed(QNAN),
        NV,
    );
    is(
        "fmin -inf,1",
        sf!("fmin.s ft3, ft0, ft1", N_INF, ONE),
        boxed(N_INF),
        0,
    );
    is(
        "fmin.d -0,+0",
        df!("fmin.d ft3, ft0, ft1", 0, D_N_ZERO),
        D_N_ZERO,
        0,
    );
    is(
        "fmax.d qNaN,qNaN",
        df!("fmax.d ft3, ft0, ft1", D_QNAN, D_QNAN | 5),
        D_QNAN,
        0,
    );
    is(
        "feq qNaN: quiet",
        si!("feq.s {r}, ft0, ft1", QNAN, ONE),
        0,
        0,
    );
    is("feq sNaN: NV", si!("feq.s {r}, ft0, ft1", SNAN, ONE), 0, NV);
    is("flt qNaN: NV", si!("flt.s {r}, ft0, ft1", QNAN, ONE), 0, NV);
    is("fle qNaN: NV", si!("fle.s {r}, ft0, ft1", ONE, QNAN), 0, NV);
    is(
        "feq -0,+0",
        si!("feq.s {r}, ft0, ft1", N_ZERO, P_ZERO),
        1,
        0,
    );
    is(
        "flt -0,+0",
        si!("flt.s {r}, ft0, ft1", N_ZERO, P_ZERO),
        0,
        0,
    );
    is(
        "fle -0,+0",
        si!("fle.s {r}, ft0, ft1", N_ZERO, P_ZERO),
        1,
        0,
    );
    is("flt -1,1", si!("flt.s {r}, ft0, ft1", M_ONE, ONE), 1, 0);
    is("flt.d", di!("flt.d {r}, ft0, ft1", D_M_ONE, D_ONE), 1, 0);
    is(
        "feq.d qNaN",
        di!("feq.d {r}, ft0, ft1", D_QNAN, D_QNAN),
        0,
        0,
    );
    is(
        "fsgnj.s",
        sf!("fsgnj.s ft3, ft0, ft1", ONE, N_ZERO),
        boxed(M_ONE),
        0,
    );
    is(
        "fsgnjn.s",
        sf!("fsgnjn.s ft3, ft0, ft1", M_ONE, M_ONE),
        boxed(ONE),
        0,
    );
    is(
        "fsgnjx.s",
        sf!("fsgnjx.s ft3, ft0, ft1", M_ONE, 0xc000_0000u64),
        boxed(ONE),
        0,
    );
    is(
        "fsgnj.s does not quiet a sNaN",
        sf!("fsgnj.s ft3, ft0, ft1", SNAN, N_ZERO),
        boxed(SNAN | N_ZERO),
        0,
    );
    is(
        "fsgnjx.d",
        df!("fsgnjx.d ft3, ft0, ft1", D_M_ONE, D_M_ONE),
        D_ONE,
        0,
    );
}

fn conversions() {
    // Every rounding mode on 2.5 and -2.5.
    let p = 0x4020_0000u64;
    let n = 0xc020_0000u64;
    is("fcvt.w.s 2.5 rne", si!("fcvt.w.s {r}, ft0, rne", p), 2, NX);
    is("fcvt.w.s 2.5 rtz", si!("fcvt.w.s {r}, ft0, rtz", p), 2, NX);
    is("fcvt.w.s 2.5 rdn", si!("fcvt.w.s {r}, ft0, rdn", p), 2, NX);
    is("fcvt.w.s 2.5 rup", si!("fcvt.w.s {r}, ft0, rup", p), 3, NX);
    is("fcvt.w.s 2.5 rmm", si!("fcvt.w.s {r}, ft0, rmm", p), 3, NX);
    is(
        "fcvt.w.s -2.5 rne",
        si!("fcvt.w.s {r}, ft0, rne", n),
        -2i64 as u64,
        NX,
    );
    is(
        "fcvt.w.s -2.5 rtz",
        si!("fcvt.w.s {r}, ft0, rtz", n),
        -2i64 as u64,
        NX,
    );
    is(
        "fcvt.w.s -2.5 rdn",
        si!("fcvt.w.s {r}, ft0, rdn", n),
        -3i64 as u64,
        NX,
    );
    is(
        "fcvt.w.s -2.5 rup",
        si!("fcvt.w.s {r}, ft0, rup", n),
        -2i64 as u64,
        NX,
    );
    is(
        "fcvt.w.s -2.5 rmm",
        si!("fcvt.w.s {r}, ft0, rmm", n),
        -3i64 as u64,
        NX,
    );
    // Saturation: out of range and NaN raise NV only.
    is(
        "fcvt.w.s 3e9",
        si!("fcvt.w.s {r}, ft0, rtz", 0x4f32_d05eu64),
        0x7fff_ffff,
        NV,
    );
    is(
        "fcvt.w.s -inf",
        si!("fcvt.w.s {r}, ft0, rtz", N_INF),
        0xffff_ffff_8000_0000,
        NV,
    );
    is(
        "fcvt.w.s NaN",
        si!("fcvt.w.s {r}, ft0, rtz", QNAN),
        0x7fff_ffff,
        NV,
    );
    is(
        "fcvt.w.s -NaN",
        si!("fcvt.w.s {r}, ft0, rtz", 0xffc0_0000u64),
        0x7fff_ffff,
        NV,
    );
    is(
        "fcvt.wu.s 3e9 sign-extends",
        si!("fcvt.wu.s {r}, ft0, rtz", 0x4f32_d05eu64),
        0xffff_ffff_b2d0_5e00,
        0,
    );
    is("fcvt.wu.s -1", si!("fcvt.wu.s {r}, ft0, rtz", M_ONE), 0, NV);
    is(
        "fcvt.wu.s -0.5 rtz",
        si!("fcvt.wu.s {r}, ft0, rtz", 0xbf00_0000u64),
        0,
        NX,
    );
    is(
        "fcvt.wu.s NaN",
        si!("fcvt.wu.s {r}, ft0, rtz", QNAN),
        u64::MAX,
        NV,
    );
    is(
        "fcvt.wu.s inf",
        si!("fcvt.wu.s {r}, ft0, rtz", INF),
        u64::MAX,
        NV,
    );
    is(
        "fcvt.l.s NaN",
        si!("fcvt.l.s {r}, ft0, rtz", SNAN),
        i64::MAX as u64,
        NV,
    );
    is(
        "fcvt.l.s -inf",
        si!("fcvt.l.s {r}, ft0, rtz", N_INF),
        1 << 63,
        NV,
    );
    is(
        "fcvt.lu.s inf",
        si!("fcvt.lu.s {r}, ft0, rtz", INF),
        u64::MAX,
        NV,
    );
    is(
        "fcvt.lu.s -inf",
        si!("fcvt.lu.s {r}, ft0, rtz", N_INF),
        0,
        NV,
    );
    is(
        "fcvt.l.d -2^63 exact",
        di!("fcvt.l.d {r}, ft0, rtz", 0xc3e0_0000_0000_0000u64),
        1 << 63,
        0,
    );
    is(
        "fcvt.l.d 2^63",
        di!("fcvt.l.d {r}, ft0, rtz", 0x43e0_0000_0000_0000u64),
        i64::MAX as u64,
        NV,
    );
    is(
        "fcvt.lu.d -0",
        di!("fcvt.lu.d {r}, ft0, rtz", D_N_ZERO),
        0,
        0,
    );
    // 2^31 - 0.5: rne rounds to 2^31 (out of range), rtz to 2^31 - 1.
    let big = 0x41df_ffff_ffe0_0000u64;
    is(
        "fcvt.w.d tie out of range",
        di!("fcvt.w.d {r}, ft0, rne", big),
        0x7fff_ffff,
        NV,
    );
    is(
        "fcvt.w.d rtz",
        di!("fcvt.w.d {r}, ft0, rtz", big),
        0x7fff_ffff,
        NX,
    );
    is(
        "fcvt.wu.d 2^32-1",
        di!("fcvt.wu.d {r}, ft0, rtz", 0x41ef_ffff_ffe0_0000u64),
        u64::MAX,
        0,
    );
    // Integer to float.
    is(
        "fcvt.s.w max",
        sf!("fcvt.s.w ft3, {a}, rne", 0x7fff_ffffu64),
        boxed(0x4f00_0000),
        NX,
    );
    is(
        "fcvt.s.w max rtz",
        sf!("fcvt.s.w ft3, {a}, rtz", 0x7fff_ffffu64),
        boxed(0x4eff_ffff),
        NX,
    );
    is(
        "fcvt.s.w ignores upper bits",
        sf!("fcvt.s.w ft3, {a}", 0x1_ffff_ffffu64),
        boxed(M_ONE),
        0,
    );
    is(
        "fcvt.s.wu",
        sf!("fcvt.s.wu ft3, {a}, rne", 0xffff_ffffu64),
        boxed(0x4f80_0000),
        NX,
    );
    is(
        "fcvt.s.l -1",
        sf!("fcvt.s.l ft3, {a}", u64::MAX),
        boxed(M_ONE),
        0,
    );
    is(
        "fcvt.s.lu max",
        sf!("fcvt.s.lu ft3, {a}, rdn", u64::MAX),
        boxed(0x5f7f_ffff),
        NX,
    );
    is(
        "fcvt.d.l min",
        df!("fcvt.d.l ft3, {a}", 1u64 << 63),
        0xc3e0_0000_0000_0000,
        0,
    );
    is(
        "fcvt.d.wu",
        df!("fcvt.d.wu ft3, {a}", 0xffff_ffffu64),
        0x41ef_ffff_ffe0_0000,
        0,
    );
    is(
        "fcvt.d.lu rup",
        df!("fcvt.d.lu ft3, {a}, rup", u64::MAX - 1),
        0x43f0_0000_0000_0000,
        NX,
    );
    // Between formats.
    is(
        "fcvt.d.s exact",
        df!("fcvt.d.s ft3, ft0", boxed(ONE + 1)),
        0x3ff0_0000_2000_0000,
        0,
    );
    is(
        "fcvt.d.s sNaN",
        df!("fcvt.d.s ft3, ft0", boxed(SNAN)),
        D_QNAN,
        NV,
    );
    is(
        "fcvt.s.d 1+2^-30 rne",
        df!("fcvt.s.d ft3, ft0, rne", 0x3ff0_0000_0040_0000u64),
        boxed(ONE),
        NX,
    );
    is(
        "fcvt.s.d 1+2^-30 rup",
        df!("fcvt.s.d ft3, ft0, rup", 0x3ff0_0000_0040_0000u64),
        boxed(ONE + 1),
        NX,
    );
    is(
        "fcvt.s.d overflow",
        df!("fcvt.s.d ft3, ft0, rne", D_MAX),
        boxed(INF),
        OF | NX,
    );
    is(
        "fcvt.s.d overflow rtz",
        df!("fcvt.s.d ft3, ft0, rtz", D_MAX),
        boxed(MAX),
        OF | NX,
    );
    is(
        "fcvt.s.d NaN",
        df!("fcvt.s.d ft3, ft0", D_QNAN | 0x1234),
        boxed(QNAN),
        0,
    );
}

fn classify() {
    let s = [
        (N_INF, 1),
        (M_ONE, 2),
        (0x8000_0001, 4),
        (N_ZERO, 8),
        (P_ZERO, 16),
        (MIN_SUB, 32),
        (ONE, 64),
        (INF, 128),
        (SNAN, 256),
        (QNAN, 512),
    ];
    for (x, class) in s {
        is("fclass.s", si!("fclass.s {r}, ft0", x), class, 0);
    }
    let d = [
        (0xfff0_0000_0000_0000u64, 1),
        (D_M_ONE, 2),
        (D_N_ZERO | 1, 4),
        (D_N_ZERO, 8),
        (0, 16),
        (1, 32),
        (D_ONE, 64),
        (D_INF, 128),
        (D_SNAN, 256),
        (D_QNAN, 512),
    ];
    for (x, class) in d {
        is("fclass.d", di!("fclass.d {r}, ft0", x), class, 0);
    }
}

fn nan_boxing() {
    // An improperly boxed single reads as the canonical NaN.
    is(
        "unboxed input to fadd.s",
        fp!(
            "fmv.d.x",
            "fadd.s ft3, ft0, ft1\nfmv.x.d {r}, ft3",
            ONE,
            boxed(ONE),
            0
        ),
        boxed(QNAN),
        0,
    );
    is(
        "unboxed input to fsgnjn.s",
        fp!(
            "fmv.d.x",
            "fsgnjn.s ft3, ft0, ft1\nfmv.x.d {r}, ft3",
            ONE,
            boxed(ONE),
            0
        ),
        boxed(0xffc0_0000),
        0,
    );
    is(
        "unboxed input to fclass.s",
        fp!(
            "fmv.d.x",
            "fclass.s {r}, ft0",
            0x0000_0001_3f80_0000u64,
            0,
            0
        ),
        512,
        0,
    );
    is(
        "fmv.x.w ignores boxing",
        fp!(
            "fmv.d.x",
            "fmv.x.w {r}, ft0",
            0x0000_0000_8000_0000u64,
            0,
            0
        ),
        0xffff_ffff_8000_0000,
        0,
    );
    is(
        "fmv.w.x boxes",
        fp!(
            "fmv.w.x",
            "fmv.x.d {r}, ft0",
            0x1234_5678_3f80_0000u64,
            0,
            0
        ),
        boxed(ONE),
        0,
    );
    let mut m = [0u64; 2];
    let p = m.as_mut_ptr();
    let (loaded, ld2): (u64, u64);
    // SAFETY: flw/fsw/fld/fsd and their C forms within m.
    unsafe {
        asm!(
            "li {t}, -1",
            "sd {t}, 0(a0)",
            "li {t}, 0x3f800000",
            "sw {t}, 0(a0)",
            "flw fa1, 0(a0)",
            "fmv.x.d {l}, fa1",
            "fmv.d.x fa2, {d}",
            "c.fsd fa2, 8(a0)",
            "c.fld fa3, 8(a0)",
            "fmv.x.d {l2}, fa3",
            "fsw fa1, 12(a0)",
            t = out(reg) _,
            l = out(reg) loaded,
            d = in(reg) D_THREE,
            l2 = out(reg) ld2,
            in("a0") p,
            out("fa1") _, out("fa2") _, out("fa3") _,
        )
    };
    eq("flw boxes", loaded, boxed(ONE));
    eq("c.fsd/c.fld", ld2, D_THREE);
    eq(
        "fsw stores 32 bits",
        m[1],
        D_THREE & 0xffff_ffff | ONE << 32,
    );
    m[0] = D_M_ONE;
    let r: u64;
    // SAFETY: a 16-byte frame below sp, restored before the block ends.
    unsafe {
        asm!(
            "addi sp, sp, -16",
            "fmv.d.x fa4, {v}",
            "c.fsdsp fa4, 8(sp)",
            "c.fldsp fa5, 8(sp)",
            "addi sp, sp, 16",
            "fmv.x.d {r}, fa5",
            v = in(reg) m[0],
            r = out(reg) r,
            out("fa4") _, out("fa5") _,
        )
    };
    eq("c.fsdsp/c.fldsp", r, D_M_ONE);
}

// Probes for fs_and_rm, 4-byte encodings at known addresses.
core::arch::global_asm!(
    ".globl fp_probe_add, fp_probe_csr, fp_probe_rm5, fp_probe_dyn",
    ".option push",
    ".option norvc",
    ".option arch, +d",
    "fp_probe_add: fadd.s ft0, ft0, ft0, rne",
    "ret",
    "fp_probe_csr: csrr a0, fflags",
    "ret",
    "fp_probe_rm5: .4byte 0x00005053",
    "ret",
    "fp_probe_dyn: fadd.s ft0, ft0, ft0, dyn",
    "ret",
    ".option pop",
);

/// FS=Off makes every FP instruction and fcsr access illegal; writes make
/// FS Dirty; reserved rounding modes are illegal.
fn fs_and_rm() {
    extern "C" {
        fn fp_probe_add();
        fn fp_probe_csr();
        fn fp_probe_rm5();
        fn fp_probe_dyn();
    }
    let call = |f: unsafe extern "C" fn()| {
        trap::reset();
        // SAFETY: the probes only touch ft0 and a0, which are caller-saved.
        unsafe { f() };
        trap::last()
    };
    csrc!(mstatus, mstatus::FS);
    let t = call(fp_probe_add);
    eq("FS=Off: fadd.s illegal", t.cause, cause::ILLEGAL);
    eq("FS=Off: tval", t.tval, 0x0000_0053);
    eq(
        "FS=Off: fflags illegal",
        call(fp_probe_csr).cause,
        cause::ILLEGAL,
    );
    eq("FS=Off: fflags tval", trap::last().tval, 0x0010_2573);
    eq("FS stays Off", csrr!(mstatus) & mstatus::FS, 0);
    csrs!(mstatus, 1 << 13);
    call(fp_probe_add);
    eq("FS=Initial: fadd.s runs", trap::count() as u64, 0);
    eq(
        "fadd.s makes FS Dirty",
        csrr!(mstatus) & mstatus::FS,
        mstatus::FS,
    );
    eq("SD follows Dirty", csrr!(mstatus) >> 63, 1);
    csrc!(mstatus, mstatus::FS);
    csrs!(mstatus, 2 << 13);
    csrw!(fflags, 0);
    eq(
        "fflags write makes FS Dirty",
        csrr!(mstatus) & mstatus::FS,
        mstatus::FS,
    );
    let t = call(fp_probe_rm5);
    eq("rm=5 illegal", t.cause, cause::ILLEGAL);
    eq("rm=5 tval", t.tval, 0x5053);
    csrw!(frm, 5);
    eq(
        "dyn with frm=5 illegal",
        call(fp_probe_dyn).cause,
        cause::ILLEGAL,
    );
    csrw!(frm, 6);
    eq(
        "dyn with frm=6 illegal",
        call(fp_probe_dyn).cause,
        cause::ILLEGAL,
    );
    csrw!(frm, 0);
    call(fp_probe_dyn);
    eq("dyn with frm=0 runs", trap::count() as u64, 0);
}

#[no_mangle]
extern "C" fn guest_main() {
    csrw!(fcsr, 0);
    rounding_static();
    rounding_dynamic();
    exceptions();
    fma();
    min_max_compare();
    conversions();
    classify();
    nan_boxing();
    fs_and_rm();
    guests::check::pass("isa_fp");
}
