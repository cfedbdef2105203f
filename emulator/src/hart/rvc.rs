//! Decoder of 16-bit compressed (RVC) instructions into the same [`Insn`] as their 32-bit expansions.

use super::insn::{AluOp, Cond, FpFmt, Insn, Reg, Width};

// Bits hi..=lo of `raw`, shifted down.
#[inline]
fn bits(raw: u16, hi: u32, lo: u32) -> u32 {
    (raw as u32 >> lo) & ((1 << (hi - lo + 1)) - 1)
}

// Bit `from` of `raw`, moved to bit `to`.
#[inline]
fn bit(raw: u16, from: u32, to: u32) -> u32 {
    ((raw as u32 >> from) & 1) << to
}

// Sign-extends the low `n` bits of `v`.
#[inline]
fn sext(v: u32, n: u32) -> i32 {
    ((v << (32 - n)) as i32) >> (32 - n)
}

// Full register fields (bits 11:7 and 6:2) and the 3-bit x8..x15 fields
// (bits 9:7 and 4:2).
#[inline]
fn r_hi(raw: u16) -> Reg {
    bits(raw, 11, 7) as Reg
}
#[inline]
fn r_lo(raw: u16) -> Reg {
    bits(raw, 6, 2) as Reg
}
#[inline]
fn rp_hi(raw: u16) -> Reg {
    8 + bits(raw, 9, 7) as Reg
}
#[inline]
fn rp_lo(raw: u16) -> Reg {
    8 + bits(raw, 4, 2) as Reg
}

// The 6-bit immediate imm[5] = bit 12, imm[4:0] = bits 6:2 (CI format).
#[inline]
fn ci_imm(raw: u16) -> u32 {
    bit(raw, 12, 5) | bits(raw, 6, 2)
}

// Offsets of C.LW/C.SW (uimm[5:3|2|6]) and C.LD/C.SD/C.FLD/C.FSD (uimm[5:3|7:6]).
#[inline]
fn cl_w_off(raw: u16) -> i32 {
    (bits(raw, 12, 10) << 3 | bit(raw, 6, 2) | bit(raw, 5, 6)) as i32
}
#[inline]
fn cl_d_off(raw: u16) -> i32 {
    (bits(raw, 12, 10) << 3 | bits(raw, 6, 5) << 6) as i32
}

// The C.J offset[11|4|9:8|10|6|7|3:1|5].
fn cj_off(raw: u16) -> i32 {
    let v = bit(raw, 12, 11)
        | bit(raw, 11, 4)
        | bits(raw, 10, 9) << 8
        | bit(raw, 8, 10)
        | bit(raw, 7, 6)
        | bit(raw, 6, 7)
        | bits(raw, 5, 3) << 1
        | bit(raw, 2, 5);
    sext(v, 12)
}

// The C.BEQZ/C.BNEZ offset[8|4:3] (bits 12:10), [7:6|2:1|5] (bits 6:2).
fn cb_off(raw: u16) -> i32 {
    let v = bit(raw, 12, 8)
        | bits(raw, 11, 10) << 3
        | bits(raw, 6, 5) << 6
        | bits(raw, 4, 3) << 1
        | bit(raw, 2, 5);
    sext(v, 9)
}

/// Decodes one compressed instruction into the `Insn` of its 32-bit
/// expansion (unprivileged spec §16). Hints decode as the instruction they
/// are encoded as; reserved encodings, the all-zero halfword included, give
/// `Insn::Illegal(raw)`.
pub fn decode_compressed(raw: u16) -> Insn {
    match raw & 3 {
        0 => quadrant0(raw),
        1 => quadrant1(raw),
        2 => quadrant2(raw),
        _ => Insn::Illegal(raw as u32),
    }
}

// Quadrant 0: C.ADDI4SPN and the register-based loads and stores.
fn quadrant0(raw: u16) -> Insn {
    let (rs1, rd) = (rp_hi(raw), rp_lo(raw));
    let (w_off, d_off) = (cl_w_off(raw), cl_d_off(raw));
    match raw >> 13 {
        0 => {
            // nzuimm[5:4|9:6|2|3]
            let imm =
                bits(raw, 12, 11) << 4 | bits(raw, 10, 7) << 6 | bit(raw, 6, 2) | bit(raw, 5, 3);
            if imm == 0 {
                return Insn::Illegal(raw as u32);
            }
            Insn::OpImm {
                op: AluOp::Add,
                w: false,
                rd,
                rs1: 2,
                imm: imm as i32,
            }
        }
        1 => Insn::FLoad {
            fmt: FpFmt::D,
            rd,
            rs1,
            imm: d_off,
        },
        2 => Insn::Load {
            width: Width::W,
            signed: true,
            rd,
            rs1,
            imm: w_off,
        },
        3 => Insn::Load {
            width: Width::D,
            signed: true,
            rd,
            rs1,
            imm: d_off,
        },
        5 => Insn::FStore {
            fmt: FpFmt::D,
            rs1,
            rs2: rd,
            imm: d_off,
        },
        6 => Insn::Store {
            width: Width::W,
            rs1,
            rs2: rd,
            imm: w_off,
        },
        7 => Insn::Store {
            width: Width::D,
            rs1,
            rs2: rd,
            imm: d_off,
        },
        _ => Insn::Illegal(raw as u32),
    }
}

// Quadrant 1: immediates, C.LUI/C.ADDI16SP, the CA/CB arithmetic, jumps and branches.
fn quadrant1(raw: u16) -> Insn {
    let ill = Insn::Illegal(raw as u32);
    let rd = r_hi(raw);
    let imm = sext(ci_imm(raw), 6);
    let op_imm = |op, w, rd, rs1, imm| Insn::OpImm {
        op,
        w,
        rd,
        rs1,
        imm,
    };
    match raw >> 13 {
        0 => op_imm(AluOp::Add, false, rd, rd, imm),
        1 if rd != 0 => op_imm(AluOp::Add, true, rd, rd, imm),
        2 => op_imm(AluOp::Add, false, rd, 0, imm),
        3 if rd == 2 => {
            // nzimm[9|4|6|8:7|5]
            let v = bit(raw, 12, 9)
                | bit(raw, 6, 4)
                | bit(raw, 5, 6)
                | bits(raw, 4, 3) << 7
                | bit(raw, 2, 5);
            if v == 0 {
                return ill;
            }
            op_imm(AluOp::Add, false, 2, 2, sext(v, 10))
        }
        3 if imm != 0 => Insn::Lui { rd, imm: imm << 12 },
        4 => {
            let rd = rp_hi(raw);
            let shamt = ci_imm(raw) as i32;
            match bits(raw, 11, 10) {
                0 => op_imm(AluOp::Srl, false, rd, rd, shamt),
                1 => op_imm(AluOp::Sra, false, rd, rd, shamt),
                2 => op_imm(AluOp::And, false, rd, rd, imm),
                _ => {
                    let op = match (bit(raw, 12, 2) | bits(raw, 6, 5)) as u8 {
                        0 => (AluOp::Sub, false),
                        1 => (AluOp::Xor, false),
                        2 => (AluOp::Or, false),
                        3 => (AluOp::And, false),
                        4 => (AluOp::Sub, true),
                        5 => (AluOp::Add, true),
                        _ => return ill,
                    };
                    Insn::Op {
                        op: op.0,
                        w: op.1,
                        rd,
                        rs1: rd,
                        rs2: rp_lo(raw),
                    }
                }
            }
        }
        5 => Insn::Jal {
            rd: 0,
            imm: cj_off(raw),
        },
        6 | 7 => Insn::Branch {
            cond: if raw >> 13 == 6 { Cond::Eq } else { Cond::Ne },
            rs1: rp_hi(raw),
            rs2: 0,
            imm: cb_off(raw),
        },
        _ => ill,
    }
}

// Quadrant 2: C.SLLI, the stack-pointer loads and stores, C.JR/C.MV/C.EBREAK/C.JALR/C.ADD.
fn quadrant2(raw: u16) -> Insn {
    let ill = Insn::Illegal(raw as u32);
    let (rd, rs2) = (r_hi(raw), r_lo(raw));
    // uimm[5] = bit 12 with uimm[4:2|7:6] (W) or uimm[4:3|8:6] (D) in bits 6:2.
    let lw_off = (bit(raw, 12, 5) | bits(raw, 6, 4) << 2 | bits(raw, 3, 2) << 6) as i32;
    let ld_off = (bit(raw, 12, 5) | bits(raw, 6, 5) << 3 | bits(raw, 4, 2) << 6) as i32;
    // uimm[5:2|7:6] (W) or uimm[5:3|8:6] (D) in bits 12:7.
    let sw_off = (bits(raw, 12, 9) << 2 | bits(raw, 8, 7) << 6) as i32;
    let sd_off = (bits(raw, 12, 10) << 3 | bits(raw, 9, 7) << 6) as i32;
    match raw >> 13 {
        0 => Insn::OpImm {
            op: AluOp::Sll,
            w: false,
            rd,
            rs1: rd,
            imm: ci_imm(raw) as i32,
        },
        1 => Insn::FLoad {
            fmt: FpFmt::D,
            rd,
            rs1: 2,
            imm: ld_off,
        },
        2 if rd != 0 => Insn::Load {
            width: Width::W,
            signed: true,
            rd,
            rs1: 2,
            imm: lw_off,
        },
        3 if rd != 0 => Insn::Load {
            width: Width::D,
            signed: true,
            rd,
            rs1: 2,
            imm: ld_off,
        },
        4 => match (raw >> 12 & 1, rd, rs2) {
            (0, 0, 0) => ill,
            (0, _, 0) => Insn::Jalr {
                rd: 0,
                rs1: rd,
                imm: 0,
            },
            (0, _, _) => Insn::Op {
                op: AluOp::Add,
                w: false,
                rd,
                rs1: 0,
                rs2,
            },
            (_, 0, 0) => Insn::Ebreak,
            (_, _, 0) => Insn::Jalr {
                rd: 1,
                rs1: rd,
                imm: 0,
            },
            _ => Insn::Op {
                op: AluOp::Add,
                w: false,
                rd,
                rs1: rd,
                rs2,
            },
        },
        5 => Insn::FStore {
            fmt: FpFmt::D,
            rs1: 2,
            rs2,
            imm: sd_off,
        },
        6 => Insn::Store {
            width: Width::W,
            rs1: 2,
            rs2,
            imm: sw_off,
        },
        7 => Insn::Store {
            width: Width::D,
            rs1: 2,
            rs2,
            imm: sd_off,
        },
        _ => ill,
    }
}

#[cfg(test)]
#[path = "rvc_tests.rs"]
mod tests;
