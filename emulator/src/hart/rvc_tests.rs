//! Unit tests of the RVC decoder: every halfword against its 32-bit expansion.

use super::*;
use crate::hart::decode::decode;

// Gathers an immediate from `h` as the ISA manual's RVC tables write it:
// `spec` lists, from instruction bit `top` downwards, which immediate bits
// the fields hold ("5:4|9:6|2|3" at bits 12..5 is C.ADDI4SPN's nzuimm).
fn gather(h: u16, top: u32, spec: &str) -> u32 {
    let mut pos = top as i32;
    let mut v = 0;
    for field in spec.split('|') {
        let (hi, lo) = match field.split_once(':') {
            Some((a, b)) => (a.parse::<i32>().unwrap(), b.parse::<i32>().unwrap()),
            None => (field.parse().unwrap(), field.parse().unwrap()),
        };
        for b in (lo..=hi).rev() {
            v |= ((h as u32 >> pos) & 1) << b;
            pos -= 1;
        }
    }
    v
}

fn sx(v: u32, sign_bit: u32) -> u32 {
    let s = 31 - sign_bit;
    (((v << s) as i32) >> s) as u32
}

// 32-bit encoders of the base formats.
fn enc_i(op: u32, f3: u32, rd: u32, rs1: u32, imm: u32) -> u32 {
    imm << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
}
fn enc_r(op: u32, f3: u32, f7: u32, rd: u32, rs1: u32, rs2: u32) -> u32 {
    f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
}
fn enc_s(op: u32, f3: u32, rs1: u32, rs2: u32, imm: u32) -> u32 {
    (imm >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1f) << 7 | op
}
fn enc_b(f3: u32, rs1: u32, imm: u32) -> u32 {
    (imm >> 12 & 1) << 31
        | (imm >> 5 & 0x3f) << 25
        | rs1 << 15
        | f3 << 12
        | (imm >> 1 & 0xf) << 8
        | (imm >> 11 & 1) << 7
        | 0x63
}
fn enc_j(rd: u32, imm: u32) -> u32 {
    (imm >> 20 & 1) << 31
        | (imm >> 1 & 0x3ff) << 21
        | (imm >> 11 & 1) << 20
        | (imm >> 12 & 0xff) << 12
        | rd << 7
        | 0x6f
}

// The 32-bit instruction that `h` expands to, from the manual's RVC tables
// (unprivileged spec §16.8), or None when `h` is reserved.
fn expand(h: u16) -> Option<u32> {
    let h32 = h as u32;
    let f3 = h32 >> 13;
    let rd = h32 >> 7 & 31;
    let rs2 = h32 >> 2 & 31;
    let rdp = 8 + (h32 >> 2 & 7);
    let rs1p = 8 + (h32 >> 7 & 7);
    let ci = sx(gather(h, 12, "5") | gather(h, 6, "4:0"), 5) & 0xfff;
    let shamt = gather(h, 12, "5") | gather(h, 6, "4:0");
    Some(match (h32 & 3, f3) {
        (0, 0) => {
            let imm = gather(h, 12, "5:4|9:6|2|3");
            if imm == 0 {
                return None;
            }
            enc_i(0x13, 0, rdp, 2, imm)
        }
        (0, 1) => enc_i(
            0x07,
            3,
            rdp,
            rs1p,
            gather(h, 12, "5:3") | gather(h, 6, "7:6"),
        ),
        (0, 2) => enc_i(
            0x03,
            2,
            rdp,
            rs1p,
            gather(h, 12, "5:3") | gather(h, 6, "2|6"),
        ),
        (0, 3) => enc_i(
            0x03,
            3,
            rdp,
            rs1p,
            gather(h, 12, "5:3") | gather(h, 6, "7:6"),
        ),
        (0, 5) => enc_s(
            0x27,
            3,
            rs1p,
            rdp,
            gather(h, 12, "5:3") | gather(h, 6, "7:6"),
        ),
        (0, 6) => enc_s(
            0x23,
            2,
            rs1p,
            rdp,
            gather(h, 12, "5:3") | gather(h, 6, "2|6"),
        ),
        (0, 7) => enc_s(
            0x23,
            3,
            rs1p,
            rdp,
            gather(h, 12, "5:3") | gather(h, 6, "7:6"),
        ),
        (1, 0) => enc_i(0x13, 0, rd, rd, ci),
        (1, 1) if rd != 0 => enc_i(0x1b, 0, rd, rd, ci),
        (1, 2) => enc_i(0x13, 0, rd, 0, ci),
        (1, 3) if rd == 2 => {
            let imm = gather(h, 12, "9") | gather(h, 6, "4|6|8:7|5");
            if imm == 0 {
                return None;
            }
            enc_i(0x13, 0, 2, 2, sx(imm, 9) & 0xfff)
        }
        (1, 3) => {
            let imm = gather(h, 12, "17") | gather(h, 6, "16:12");
            if imm == 0 {
                return None;
            }
            sx(imm, 17) & 0xffff_f000 | rd << 7 | 0x37
        }
        (1, 4) => match h32 >> 10 & 3 {
            0 => enc_i(0x13, 5, rs1p, rs1p, shamt),
            1 => enc_i(0x13, 5, rs1p, rs1p, 0x400 | shamt),
            2 => enc_i(0x13, 7, rs1p, rs1p, ci),
            _ => {
                let (op, f3, f7) = match (h32 >> 12 & 1, h32 >> 5 & 3) {
                    (0, 0) => (0x33, 0, 0x20),
                    (0, 1) => (0x33, 4, 0),
                    (0, 2) => (0x33, 6, 0),
                    (0, 3) => (0x33, 7, 0),
                    (1, 0) => (0x3b, 0, 0x20),
                    (1, 1) => (0x3b, 0, 0),
                    _ => return None,
                };
                enc_r(op, f3, f7, rs1p, rs1p, rdp)
            }
        },
        (1, 5) => enc_j(0, sx(gather(h, 12, "11|4|9:8|10|6|7|3:1|5"), 11)),
        (1, 6) => enc_b(
            0,
            rs1p,
            sx(gather(h, 12, "8|4:3") | gather(h, 6, "7:6|2:1|5"), 8),
        ),
        (1, 7) => enc_b(
            1,
            rs1p,
            sx(gather(h, 12, "8|4:3") | gather(h, 6, "7:6|2:1|5"), 8),
        ),
        (2, 0) => enc_i(0x13, 1, rd, rd, shamt),
        (2, 1) => enc_i(0x07, 3, rd, 2, gather(h, 12, "5") | gather(h, 6, "4:3|8:6")),
        (2, 2) if rd != 0 => enc_i(0x03, 2, rd, 2, gather(h, 12, "5") | gather(h, 6, "4:2|7:6")),
        (2, 3) if rd != 0 => enc_i(0x03, 3, rd, 2, gather(h, 12, "5") | gather(h, 6, "4:3|8:6")),
        (2, 4) => match (h32 >> 12 & 1, rd, rs2) {
            (0, 0, 0) => return None,
            (0, _, 0) => enc_i(0x67, 0, 0, rd, 0),
            (0, _, _) => enc_r(0x33, 0, 0, rd, 0, rs2),
            (1, 0, 0) => 0x0010_0073,
            (1, _, 0) => enc_i(0x67, 0, 1, rd, 0),
            _ => enc_r(0x33, 0, 0, rd, rd, rs2),
        },
        (2, 5) => enc_s(0x27, 3, 2, rs2, gather(h, 12, "5:3|8:6")),
        (2, 6) => enc_s(0x23, 2, 2, rs2, gather(h, 12, "5:2|7:6")),
        (2, 7) => enc_s(0x23, 3, 2, rs2, gather(h, 12, "5:3|8:6")),
        _ => return None,
    })
}

#[test]
fn every_halfword_matches_its_expansion() {
    let mut legal = 0;
    for h in 0..=u16::MAX {
        if h & 3 == 3 {
            continue;
        }
        match expand(h) {
            Some(w) => {
                let want = decode(w);
                assert_ne!(
                    want,
                    Insn::Illegal(w),
                    "{h:#06x} expands to illegal {w:#010x}"
                );
                assert_eq!(decode_compressed(h), want, "{h:#06x} vs {w:#010x}");
                legal += 1;
            }
            None => assert_eq!(decode_compressed(h), Insn::Illegal(h as u32), "{h:#06x}"),
        }
    }
    // 49152 halfwords in quadrants 0-2; the reserved ones counted by hand:
    // addi4spn nzuimm=0 (8 rd' values), quadrant 0 funct3=4 (2048),
    // addiw rd=0 (64), addi16sp imm=0 (1), lui imm=0 (31), CA reserved
    // (2 x 64), lwsp/ldsp rd=0 (2 x 64), jr rs1=0 (1).
    assert_eq!(legal, 49152 - 8 - 2048 - 64 - 1 - 31 - 128 - 128 - 1);
}

#[test]
fn pinned_compressed() {
    assert_eq!(decode_compressed(0), Insn::Illegal(0));
    // c.nop
    assert_eq!(
        decode_compressed(0x0001),
        Insn::OpImm {
            op: AluOp::Add,
            w: false,
            rd: 0,
            rs1: 0,
            imm: 0
        }
    );
    // c.addi4spn a0,sp,16 (0x0808)
    assert_eq!(
        decode_compressed(0x0808),
        Insn::OpImm {
            op: AluOp::Add,
            w: false,
            rd: 10,
            rs1: 2,
            imm: 16
        }
    );
    // c.addi16sp sp,-48 (0x7179)
    assert_eq!(
        decode_compressed(0x7179),
        Insn::OpImm {
            op: AluOp::Add,
            w: false,
            rd: 2,
            rs1: 2,
            imm: -48
        }
    );
    // c.sdsp ra,40(sp) (0xf406)
    assert_eq!(
        decode_compressed(0xf406),
        Insn::Store {
            width: Width::D,
            rs1: 2,
            rs2: 1,
            imm: 40
        }
    );
    // c.ldsp ra,40(sp) (0x70a2)
    assert_eq!(
        decode_compressed(0x70a2),
        Insn::Load {
            width: Width::D,
            signed: true,
            rd: 1,
            rs1: 2,
            imm: 40
        }
    );
    // c.jr ra (0x8082)
    assert_eq!(
        decode_compressed(0x8082),
        Insn::Jalr {
            rd: 0,
            rs1: 1,
            imm: 0
        }
    );
    // c.ebreak
    assert_eq!(decode_compressed(0x9002), Insn::Ebreak);
    // c.j -2 (0xbffd)
    assert_eq!(decode_compressed(0xbffd), Insn::Jal { rd: 0, imm: -2 });
    // c.beqz a0,+4 (0xc111)
    assert_eq!(
        decode_compressed(0xc111),
        Insn::Branch {
            cond: Cond::Eq,
            rs1: 10,
            rs2: 0,
            imm: 4
        }
    );
    // c.lui a0,0xfffff (0x757d)
    assert_eq!(decode_compressed(0x757d), Insn::Lui { rd: 10, imm: -4096 });
    // c.addiw a0,-1 (0x357d)
    assert_eq!(
        decode_compressed(0x357d),
        Insn::OpImm {
            op: AluOp::Add,
            w: true,
            rd: 10,
            rs1: 10,
            imm: -1
        }
    );
}

// MATCH/MASK of every RV64C instruction (riscv-opcodes rv_c, rv64_c, rv_c_d).
const TABLE: &[(&str, u16, u16)] = &[
    ("c.addi4spn", 0x0000, 0xe003),
    ("c.fld", 0x2000, 0xe003),
    ("c.lw", 0x4000, 0xe003),
    ("c.ld", 0x6000, 0xe003),
    ("c.fsd", 0xa000, 0xe003),
    ("c.sw", 0xc000, 0xe003),
    ("c.sd", 0xe000, 0xe003),
    ("c.nop", 0x0001, 0xef83),
    ("c.addi", 0x0001, 0xe003),
    ("c.addiw", 0x2001, 0xe003),
    ("c.li", 0x4001, 0xe003),
    ("c.addi16sp", 0x6101, 0xef83),
    ("c.lui", 0x6001, 0xe003),
    ("c.srli", 0x8001, 0xec03),
    ("c.srai", 0x8401, 0xec03),
    ("c.andi", 0x8801, 0xec03),
    ("c.sub", 0x8c01, 0xfc63),
    ("c.xor", 0x8c21, 0xfc63),
    ("c.or", 0x8c41, 0xfc63),
    ("c.and", 0x8c61, 0xfc63),
    ("c.subw", 0x9c01, 0xfc63),
    ("c.addw", 0x9c21, 0xfc63),
    ("c.j", 0xa001, 0xe003),
    ("c.beqz", 0xc001, 0xe003),
    ("c.bnez", 0xe001, 0xe003),
    ("c.slli", 0x0002, 0xe003),
    ("c.fldsp", 0x2002, 0xe003),
    ("c.lwsp", 0x4002, 0xe003),
    ("c.ldsp", 0x6002, 0xe003),
    ("c.jr", 0x8002, 0xf07f),
    ("c.mv", 0x8002, 0xf003),
    ("c.ebreak", 0x9002, 0xffff),
    ("c.jalr", 0x9002, 0xf07f),
    ("c.add", 0x9002, 0xf003),
    ("c.fsdsp", 0xa002, 0xe003),
    ("c.swsp", 0xc002, 0xe003),
    ("c.sdsp", 0xe002, 0xe003),
];

// Overlaps that the RVC encoding has by design (Spike's overlap_list.h):
// the more specific form is carved out of the general one.
const OVERLAPS: &[(&str, &str)] = &[
    ("c.nop", "c.addi"),
    ("c.addi16sp", "c.lui"),
    ("c.jr", "c.mv"),
    ("c.ebreak", "c.jalr"),
    ("c.ebreak", "c.add"),
    ("c.jalr", "c.add"),
];

#[test]
fn rvc_table_overlaps_only_by_design() {
    for (i, &(a, ma, ka)) in TABLE.iter().enumerate() {
        assert_eq!(ma & !ka, 0, "{a}");
        for &(b, mb, kb) in &TABLE[i + 1..] {
            if ma & kb & ka == mb & ka & kb {
                assert!(OVERLAPS.contains(&(a, b)), "{a} overlaps {b}");
            }
        }
    }
}

#[test]
fn halfwords_outside_the_rvc_table_are_illegal() {
    let mut outside = 0;
    for h in 0..=u16::MAX {
        if h & 3 == 3 {
            continue;
        }
        if !TABLE.iter().any(|&(_, m, k)| h & k == m) {
            assert_eq!(decode_compressed(h), Insn::Illegal(h as u32), "{h:#06x}");
            outside += 1;
        }
    }
    // Quadrant 0 funct3 = 4 and the two reserved CA slots.
    assert_eq!(outside, 2048 + 2 * 64);
}
