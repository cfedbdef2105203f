//! Reference vectors: every F/D operation over 2^20 generated cases each, bit
//! for bit and flag for flag against the results Berkeley SoftFloat 3 gave.
//!
//! The inputs come from `vectors_gen.rs` (seeded, so they are not stored).
//! `vectors/digests.bin` holds, per operation, one 32-bit digest of the
//! (result, flags) of each block of `BLOCK` cases; `vectors/spelled.bin`
//! holds the results of each operation's first `SPELLED` cases in full, so a
//! failure there names the input, the expected and the actual result. The
//! cases cycle through the five rounding modes (case `i` rounds with
//! `i % 5`). The data was written by a test of commit 73d5375 (removed with
//! SoftFloat), when these paths still ran Berkeley SoftFloat 3 built with its
//! RISC-V specialisation, as Spike uses it.

use super::vectors_gen::{Case, Gen};
use super::*;
use FpFmt::{D, S};

/// Cases per operation.
const CASES: usize = 1 << 20;
/// Cases per digest.
const BLOCK: usize = 1024;
/// Leading cases per operation stored in full.
const SPELLED: usize = 2048;

const DIGESTS: &[u8] = include_bytes!("vectors/digests.bin");
const SPELLED_RESULTS: &[u8] = include_bytes!("vectors/spelled.bin");

/// One operation in one format.
#[derive(Clone, Copy, Debug)]
enum Op {
    Bin(FpBinOp, FpFmt),
    Fma(FmaOp, FpFmt),
    Sqrt(FpFmt),
    Cmp(FpCmp, FpFmt),
    Class(FpFmt),
    ToInt(IntFmt, FpFmt),
    FromInt(IntFmt, FpFmt),
    /// FCVT to the format given from the other one.
    Cvt(FpFmt),
}

/// Every operation, in the order of the stored data.
fn ops() -> Vec<Op> {
    let mut v = Vec::new();
    for f in [S, D] {
        for o in FpBinOp::ALL {
            v.push(Op::Bin(o, f));
        }
        for o in [FmaOp::Madd, FmaOp::Msub, FmaOp::Nmsub, FmaOp::Nmadd] {
            v.push(Op::Fma(o, f));
        }
        v.push(Op::Sqrt(f));
        for o in [FpCmp::Eq, FpCmp::Lt, FpCmp::Le] {
            v.push(Op::Cmp(o, f));
        }
        v.push(Op::Class(f));
        for i in [IntFmt::W, IntFmt::Wu, IntFmt::L, IntFmt::Lu] {
            v.push(Op::ToInt(i, f));
        }
        for i in [IntFmt::W, IntFmt::Wu, IntFmt::L, IntFmt::Lu] {
            v.push(Op::FromInt(i, f));
        }
        v.push(Op::Cvt(f));
    }
    v
}

impl Op {
    /// The format of the operands.
    fn input_fmt(self) -> FpFmt {
        match self {
            Op::Cvt(S) => D,
            Op::Cvt(D) => S,
            Op::Bin(_, f) | Op::Fma(_, f) | Op::Sqrt(f) | Op::Cmp(_, f) => f,
            Op::Class(f) | Op::ToInt(_, f) | Op::FromInt(_, f) => f,
        }
    }

    /// Case `i` of this operation, drawn from `g`.
    fn case(self, g: &mut Gen, i: usize) -> Case {
        let f = self.input_fmt();
        let rm = (i % 5) as u8;
        let (a, b, c) = match self {
            Op::Bin(..) | Op::Cmp(..) => {
                let a = g.float(f);
                (a, g.partner(f, a), 0)
            }
            Op::Fma(..) => {
                let (a, b) = (g.float(f), g.float(f));
                let b = if g.next() & 3 == 0 {
                    g.partner(f, a)
                } else {
                    b
                };
                (a, b, g.addend(f, a, b))
            }
            Op::Sqrt(_) => (g.radicand(f), 0, 0),
            Op::Class(_) => (g.float(f), 0, 0),
            Op::ToInt(..) => (g.float_for_int(f), 0, 0),
            Op::FromInt(int, f) => {
                let p = if f == S { 24 } else { 53 };
                return Case {
                    a: g.int(int, p),
                    b: 0,
                    c: 0,
                    rm,
                };
            }
            Op::Cvt(S) => (g.narrow_operand(), 0, 0),
            Op::Cvt(D) => (g.float(S), 0, 0),
        };
        Case {
            a: g.reg(f, a),
            b: g.reg(f, b),
            c: g.reg(f, c),
            rm,
        }
    }

    /// The result of this operation on case `c` (soft-float paths only).
    fn run(self, c: &Case) -> (u64, u8) {
        match self {
            Op::Bin(o, f) => match f {
                S => soft_binop_s(o, c.a, c.b, c.rm),
                D => soft_binop_d(o, c.a, c.b, c.rm),
            },
            Op::Fma(o, f) => fma(o, f, c.a, c.b, c.c, c.rm),
            Op::Sqrt(f) => match f {
                S => soft_sqrt_s(c.a, c.rm),
                D => soft_sqrt_d(c.a, c.rm),
            },
            Op::Cmp(o, f) => cmp(o, f, c.a, c.b),
            Op::Class(f) => (class(f, c.a), 0),
            Op::ToInt(i, f) => cvt_to_int(i, f, c.a, c.rm),
            Op::FromInt(i, f) => cvt_from_int(i, f, c.a, c.rm),
            Op::Cvt(to) => cvt_fmt(to, c.a, c.rm),
        }
    }

    /// Bytes of a result stored in full: results that are NaN-boxed singles
    /// or sign-extended words keep their low 4 bytes.
    fn width(self) -> usize {
        match self {
            Op::Cmp(..) => 1,
            Op::Class(_) => 2,
            Op::ToInt(IntFmt::W | IntFmt::Wu, _) => 4,
            Op::ToInt(..) => 8,
            Op::Bin(_, f) | Op::Fma(_, f) | Op::Sqrt(f) | Op::FromInt(_, f) | Op::Cvt(f) => {
                if f == S {
                    4
                } else {
                    8
                }
            }
        }
    }

    /// The full result from its stored low `width` bytes.
    fn widen(self, v: u64) -> u64 {
        match (self, self.width()) {
            (Op::ToInt(..), 4) => v as i32 as i64 as u64,
            (_, 4) => nan_box(v as u32),
            _ => v,
        }
    }

    /// The seed of this operation's input stream.
    fn seed(index: usize) -> u64 {
        0x5eed_0000_0000_0000 ^ (index as u64).wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn soft_binop_s(op: FpBinOp, a: u64, b: u64, rm: u8) -> (u64, u8) {
    soft_binop::<Single>(op, a, b, rm)
}

fn soft_binop_d(op: FpBinOp, a: u64, b: u64, rm: u8) -> (u64, u8) {
    soft_binop::<Double>(op, a, b, rm)
}

fn soft_sqrt_s(a: u64, rm: u8) -> (u64, u8) {
    soft_sqrt::<Single>(a, rm)
}

fn soft_sqrt_d(a: u64, rm: u8) -> (u64, u8) {
    soft_sqrt::<Double>(a, rm)
}

/// One step of the block digest: a multiply-xorshift mix of `v` into `h`.
fn mix(h: u64, v: u64) -> u64 {
    let x = (h ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^ (x >> 29)
}

/// The digest of a block's results.
fn digest(results: &[(u64, u8)]) -> u32 {
    let h = results
        .iter()
        .fold(0x0123_4567_89ab_cdef, |h, &(v, f)| mix(mix(h, v), f as u64));
    (h ^ (h >> 32)) as u32
}

/// Cases with their results.
type Results = Vec<(Case, (u64, u8))>;

/// Runs every case of operation number `index`: its results' block digests
/// and its first `SPELLED` results.
fn compute(index: usize, op: Op) -> (Vec<u32>, Results) {
    let mut g = Gen::new(Op::seed(index));
    let mut digests = Vec::with_capacity(CASES / BLOCK);
    let mut spelled = Vec::with_capacity(SPELLED);
    let mut block = Vec::with_capacity(BLOCK);
    for i in 0..CASES {
        let c = op.case(&mut g, i);
        let r = op.run(&c);
        if i < SPELLED {
            spelled.push((c, r));
        }
        block.push(r);
        if block.len() == BLOCK {
            digests.push(digest(&block));
            block.clear();
        }
    }
    (digests, spelled)
}

/// Byte offset of operation `index`'s full results in `spelled.bin`.
fn spelled_offset(all: &[Op], index: usize) -> usize {
    all[..index].iter().map(|o| SPELLED * (o.width() + 1)).sum()
}

/// Checks operations `first..first + n` against the stored data; panics
/// naming the first failing case (or block, beyond the spelled-out cases).
fn check(first: usize, n: usize) {
    let all = ops();
    let per_op = CASES / BLOCK * 4;
    assert_eq!(DIGESTS.len(), all.len() * per_op);
    assert_eq!(SPELLED_RESULTS.len(), spelled_offset(&all, all.len()));
    for (index, &op) in all.iter().enumerate().skip(first).take(n) {
        let (digests, spelled) = compute(index, op);
        let mut at = spelled_offset(&all, index);
        for (i, (c, got)) in spelled.iter().enumerate() {
            let w = op.width();
            let mut raw = [0u8; 8];
            raw[..w].copy_from_slice(&SPELLED_RESULTS[at..at + w]);
            let want = (op.widen(u64::from_le_bytes(raw)), SPELLED_RESULTS[at + w]);
            at += w + 1;
            assert_eq!(
                *got, want,
                "{op:?} case {i}: a {:#018x} b {:#018x} c {:#018x} rm {}: \
                 got {:#018x} flags {:#04x}, want {:#018x} flags {:#04x}",
                c.a, c.b, c.c, c.rm, got.0, got.1, want.0, want.1
            );
        }
        let stored = &DIGESTS[index * per_op..(index + 1) * per_op];
        for (k, d) in digests.iter().enumerate() {
            let want = u32::from_le_bytes(stored[k * 4..k * 4 + 4].try_into().unwrap());
            assert_eq!(
                *d,
                want,
                "{op:?}: a result or flag differs in cases {}..{} (block {k}); \
                 the first {SPELLED} cases match",
                k * BLOCK,
                (k + 1) * BLOCK
            );
        }
    }
}

#[test]
fn vectors_single() {
    check(0, ops().len() / 2);
}

#[test]
fn vectors_double() {
    check(ops().len() / 2, ops().len() / 2);
}
