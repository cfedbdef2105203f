//! Decoder of 32-bit instructions into [`Insn`]: one match on opcode, then funct fields.

use super::insn::{
    AluOp, AmoOp, Cond, CsrOp, Decoded, FmaOp, FpBinOp, FpCmp, FpFmt, Insn, IntFmt, Reg, Width,
};

// Field extractors of the base instruction formats (unprivileged spec §2.2, §2.3).
#[inline]
fn rd(raw: u32) -> Reg {
    ((raw >> 7) & 31) as Reg
}
#[inline]
fn rs1(raw: u32) -> Reg {
    ((raw >> 15) & 31) as Reg
}
#[inline]
fn rs2(raw: u32) -> Reg {
    ((raw >> 20) & 31) as Reg
}
#[inline]
fn rs3(raw: u32) -> Reg {
    (raw >> 27) as Reg
}
#[inline]
fn funct3(raw: u32) -> u32 {
    (raw >> 12) & 7
}
#[inline]
fn funct7(raw: u32) -> u32 {
    raw >> 25
}
#[inline]
fn i_imm(raw: u32) -> i32 {
    (raw as i32) >> 20
}
#[inline]
fn s_imm(raw: u32) -> i32 {
    (((raw as i32) >> 25) << 5) | ((raw >> 7) & 0x1f) as i32
}
#[inline]
fn b_imm(raw: u32) -> i32 {
    (((raw as i32) >> 31) << 12)
        | (((raw >> 7) & 1) << 11) as i32
        | (((raw >> 25) & 0x3f) << 5) as i32
        | (((raw >> 8) & 0xf) << 1) as i32
}
#[inline]
fn u_imm(raw: u32) -> i32 {
    (raw & 0xffff_f000) as i32
}
#[inline]
fn j_imm(raw: u32) -> i32 {
    (((raw as i32) >> 31) << 20)
        | (raw & 0x000f_f000) as i32
        | (((raw >> 20) & 1) << 11) as i32
        | (((raw >> 21) & 0x3ff) << 1) as i32
}

/// Decodes one 32-bit instruction (low two bits 0b11). Every reserved or
/// non-RV64GC encoding gives `Insn::Illegal(raw)`.
pub fn decode(raw: u32) -> Insn {
    let ill = Insn::Illegal(raw);
    let (rd, rs1, rs2, f3) = (rd(raw), rs1(raw), rs2(raw), funct3(raw));
    match raw & 0x7f {
        0x37 => Insn::Lui {
            rd,
            imm: u_imm(raw),
        },
        0x17 => Insn::Auipc {
            rd,
            imm: u_imm(raw),
        },
        0x6f => Insn::Jal {
            rd,
            imm: j_imm(raw),
        },
        0x67 if f3 == 0 => Insn::Jalr {
            rd,
            rs1,
            imm: i_imm(raw),
        },
        0x63 => {
            let cond = match f3 {
                0 => Cond::Eq,
                1 => Cond::Ne,
                4 => Cond::Lt,
                5 => Cond::Ge,
                6 => Cond::Ltu,
                7 => Cond::Geu,
                _ => return ill,
            };
            Insn::Branch {
                cond,
                rs1,
                rs2,
                imm: b_imm(raw),
            }
        }
        0x03 => {
            let width = match f3 {
                0 | 4 => Width::B,
                1 | 5 => Width::H,
                2 | 6 => Width::W,
                3 => Width::D,
                _ => return ill,
            };
            Insn::Load {
                width,
                signed: f3 & 4 == 0,
                rd,
                rs1,
                imm: i_imm(raw),
            }
        }
        0x23 => {
            let width = match f3 {
                0 => Width::B,
                1 => Width::H,
                2 => Width::W,
                3 => Width::D,
                _ => return ill,
            };
            Insn::Store {
                width,
                rs1,
                rs2,
                imm: s_imm(raw),
            }
        }
        0x13 => op_imm(raw, false),
        0x1b => op_imm(raw, true),
        0x33 => op(raw, false),
        0x3b => op(raw, true),
        // FENCE ignores fm/pred/succ/rs1/rd (FENCE.TSO, PAUSE included);
        // FENCE.I ignores imm/rs1/rd (unprivileged spec §2.7, Zifencei).
        0x0f => match f3 {
            0 => Insn::Fence,
            1 => Insn::FenceI,
            _ => ill,
        },
        0x73 => system(raw),
        0x2f => amo(raw),
        0x07 | 0x27 => {
            let fmt = match f3 {
                2 => FpFmt::S,
                3 => FpFmt::D,
                _ => return ill,
            };
            if raw & 0x20 == 0 {
                Insn::FLoad {
                    fmt,
                    rd,
                    rs1,
                    imm: i_imm(raw),
                }
            } else {
                Insn::FStore {
                    fmt,
                    rs1,
                    rs2,
                    imm: s_imm(raw),
                }
            }
        }
        0x43 | 0x47 | 0x4b | 0x4f => {
            let op = match raw & 0x7f {
                0x43 => FmaOp::Madd,
                0x47 => FmaOp::Msub,
                0x4b => FmaOp::Nmsub,
                _ => FmaOp::Nmadd,
            };
            let fmt = match (raw >> 25) & 3 {
                0 => FpFmt::S,
                1 => FpFmt::D,
                _ => return ill,
            };
            Insn::Fma {
                op,
                fmt,
                rd,
                rs1,
                rs2,
                rs3: rs3(raw),
                rm: f3 as u8,
            }
        }
        0x53 => op_fp(raw),
        _ => ill,
    }
}

// OP-IMM (`w` false) and OP-IMM-32 (`w` true). RV64 shifts take a 6-bit
// shamt, the W forms a 5-bit one.
fn op_imm(raw: u32, w: bool) -> Insn {
    let (rd, rs1, imm) = (rd(raw), rs1(raw), i_imm(raw));
    let shamt_bits = if w { 5 } else { 6 };
    let shamt = (raw >> 20) & ((1 << shamt_bits) - 1);
    let upper = (raw >> 20) >> shamt_bits;
    let (op, imm) = match (funct3(raw), w) {
        (0, _) => (AluOp::Add, imm),
        (2, false) => (AluOp::Slt, imm),
        (3, false) => (AluOp::Sltu, imm),
        (4, false) => (AluOp::Xor, imm),
        (6, false) => (AluOp::Or, imm),
        (7, false) => (AluOp::And, imm),
        (1, _) if upper == 0 => (AluOp::Sll, shamt as i32),
        (5, _) if upper == 0 => (AluOp::Srl, shamt as i32),
        (5, _) if upper == 0x400 >> shamt_bits => (AluOp::Sra, shamt as i32),
        _ => return Insn::Illegal(raw),
    };
    Insn::OpImm {
        op,
        w,
        rd,
        rs1,
        imm,
    }
}

// OP and M (`w` false), OP-32 and M's W forms (`w` true).
fn op(raw: u32, w: bool) -> Insn {
    let op = match (funct7(raw), funct3(raw), w) {
        (0x00, 0, _) => AluOp::Add,
        (0x20, 0, _) => AluOp::Sub,
        (0x00, 1, _) => AluOp::Sll,
        (0x00, 2, false) => AluOp::Slt,
        (0x00, 3, false) => AluOp::Sltu,
        (0x00, 4, false) => AluOp::Xor,
        (0x00, 5, _) => AluOp::Srl,
        (0x20, 5, _) => AluOp::Sra,
        (0x00, 6, false) => AluOp::Or,
        (0x00, 7, false) => AluOp::And,
        (0x01, 0, _) => AluOp::Mul,
        (0x01, 1, false) => AluOp::Mulh,
        (0x01, 2, false) => AluOp::Mulhsu,
        (0x01, 3, false) => AluOp::Mulhu,
        (0x01, 4, _) => AluOp::Div,
        (0x01, 5, _) => AluOp::Divu,
        (0x01, 6, _) => AluOp::Rem,
        (0x01, 7, _) => AluOp::Remu,
        _ => return Insn::Illegal(raw),
    };
    Insn::Op {
        op,
        w,
        rd: rd(raw),
        rs1: rs1(raw),
        rs2: rs2(raw),
    }
}

// SYSTEM: the funct3=0 forms must match their exact encodings; funct3 1-3
// and 5-7 are Zicsr.
fn system(raw: u32) -> Insn {
    let (rd, rs1) = (rd(raw), rs1(raw));
    let csr = (raw >> 20) as u16;
    let op = match funct3(raw) & 3 {
        1 => CsrOp::Rw,
        2 => CsrOp::Rs,
        3 => CsrOp::Rc,
        _ => {
            return match raw {
                0x0000_0073 => Insn::Ecall,
                0x0010_0073 => Insn::Ebreak,
                0x1020_0073 => Insn::Sret,
                0x3020_0073 => Insn::Mret,
                0x1050_0073 => Insn::Wfi,
                _ if raw & 0xfe00_7fff == 0x1200_0073 => Insn::SfenceVma { rs1, rs2: rs2(raw) },
                _ => Insn::Illegal(raw),
            }
        }
    };
    if funct3(raw) & 4 == 0 {
        Insn::Csr { op, rd, rs1, csr }
    } else {
        Insn::CsrImm {
            op,
            rd,
            uimm: rs1,
            csr,
        }
    }
}

// AMO: LR/SC/AMO*.W/.D with aq/rl; LR requires rs2 = 0.
fn amo(raw: u32) -> Insn {
    let ill = Insn::Illegal(raw);
    let width = match funct3(raw) {
        2 => Width::W,
        3 => Width::D,
        _ => return ill,
    };
    let (rd, rs1, rs2) = (rd(raw), rs1(raw), rs2(raw));
    let aq = raw & (1 << 26) != 0;
    let rl = raw & (1 << 25) != 0;
    let op = match raw >> 27 {
        0b00010 if rs2 == 0 => {
            return Insn::Lr {
                width,
                rd,
                rs1,
                aq,
                rl,
            }
        }
        0b00011 => {
            return Insn::Sc {
                width,
                rd,
                rs1,
                rs2,
                aq,
                rl,
            }
        }
        0b00001 => AmoOp::Swap,
        0b00000 => AmoOp::Add,
        0b00100 => AmoOp::Xor,
        0b01100 => AmoOp::And,
        0b01000 => AmoOp::Or,
        0b10000 => AmoOp::Min,
        0b10100 => AmoOp::Max,
        0b11000 => AmoOp::Minu,
        0b11100 => AmoOp::Maxu,
        _ => return ill,
    };
    Insn::Amo {
        op,
        width,
        rd,
        rs1,
        rs2,
        aq,
        rl,
    }
}

// OP-FP for F and D: funct7 holds the operation in bits 31:27 and the format
// in bits 26:25; rs2 and funct3 select sub-operations.
fn op_fp(raw: u32) -> Insn {
    let ill = Insn::Illegal(raw);
    let fmt = match (raw >> 25) & 3 {
        0 => FpFmt::S,
        1 => FpFmt::D,
        _ => return ill,
    };
    let (rd, rs1, rs2, f3) = (rd(raw), rs1(raw), rs2(raw), funct3(raw));
    let rm = f3 as u8;
    let bin = |op| Insn::FBin {
        op,
        fmt,
        rd,
        rs1,
        rs2,
        rm,
    };
    let int_fmt = match rs2 {
        0 => Some(IntFmt::W),
        1 => Some(IntFmt::Wu),
        2 => Some(IntFmt::L),
        3 => Some(IntFmt::Lu),
        _ => None,
    };
    match (raw >> 27, f3) {
        (0b00000, _) => bin(FpBinOp::Add),
        (0b00001, _) => bin(FpBinOp::Sub),
        (0b00010, _) => bin(FpBinOp::Mul),
        (0b00011, _) => bin(FpBinOp::Div),
        (0b00100, 0) => bin(FpBinOp::SgnJ),
        (0b00100, 1) => bin(FpBinOp::SgnJn),
        (0b00100, 2) => bin(FpBinOp::SgnJx),
        (0b00101, 0) => bin(FpBinOp::Min),
        (0b00101, 1) => bin(FpBinOp::Max),
        (0b01011, _) if rs2 == 0 => Insn::FSqrt { fmt, rd, rs1, rm },
        // FCVT.S.D has fmt S and rs2 = 1 (D); FCVT.D.S has fmt D and rs2 = 0 (S).
        (0b01000, _) if rs2 == (fmt == FpFmt::S) as Reg => Insn::FCvtFmt {
            to: fmt,
            rd,
            rs1,
            rm,
        },
        (0b10100, 0) => Insn::FCmp {
            op: FpCmp::Le,
            fmt,
            rd,
            rs1,
            rs2,
        },
        (0b10100, 1) => Insn::FCmp {
            op: FpCmp::Lt,
            fmt,
            rd,
            rs1,
            rs2,
        },
        (0b10100, 2) => Insn::FCmp {
            op: FpCmp::Eq,
            fmt,
            rd,
            rs1,
            rs2,
        },
        (0b11000, _) => match int_fmt {
            Some(to) => Insn::FCvtToInt {
                to,
                fmt,
                rd,
                rs1,
                rm,
            },
            None => ill,
        },
        (0b11010, _) => match int_fmt {
            Some(from) => Insn::FCvtFromInt {
                from,
                fmt,
                rd,
                rs1,
                rm,
            },
            None => ill,
        },
        (0b11100, 0) if rs2 == 0 => Insn::FMvToInt { fmt, rd, rs1 },
        (0b11100, 1) if rs2 == 0 => Insn::FClass { fmt, rd, rs1 },
        (0b11110, 0) if rs2 == 0 => Insn::FMvFromInt { fmt, rd, rs1 },
        _ => ill,
    }
}

/// Decodes the instruction whose first 16 bits are the low half of `raw`:
/// a compressed one when its low two bits are not 0b11, else all 32 bits.
pub fn decode_any(raw: u32) -> Decoded {
    if raw & 3 == 3 {
        Decoded {
            insn: decode(raw),
            raw,
            len: 4,
        }
    } else {
        let half = raw as u16;
        Decoded {
            insn: super::rvc::decode_compressed(half),
            raw: half as u32,
            len: 2,
        }
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
