//! Unit tests of the 32-bit decoder: riscv-opcodes MATCH/MASK table, overlap check, pinned and illegal encodings.

use super::*;

// MATCH/MASK of every RV64G 32-bit instruction, as riscv-opcodes generates them
// for Spike's encoding.h (name, match, mask).
const TABLE: &[(&str, u32, u32)] = &[
    ("lui", 0x0000_0037, 0x0000_007f),
    ("auipc", 0x0000_0017, 0x0000_007f),
    ("jal", 0x0000_006f, 0x0000_007f),
    ("jalr", 0x0000_0067, 0x0000_707f),
    ("beq", 0x0000_0063, 0x0000_707f),
    ("bne", 0x0000_1063, 0x0000_707f),
    ("blt", 0x0000_4063, 0x0000_707f),
    ("bge", 0x0000_5063, 0x0000_707f),
    ("bltu", 0x0000_6063, 0x0000_707f),
    ("bgeu", 0x0000_7063, 0x0000_707f),
    ("lb", 0x0000_0003, 0x0000_707f),
    ("lh", 0x0000_1003, 0x0000_707f),
    ("lw", 0x0000_2003, 0x0000_707f),
    ("ld", 0x0000_3003, 0x0000_707f),
    ("lbu", 0x0000_4003, 0x0000_707f),
    ("lhu", 0x0000_5003, 0x0000_707f),
    ("lwu", 0x0000_6003, 0x0000_707f),
    ("sb", 0x0000_0023, 0x0000_707f),
    ("sh", 0x0000_1023, 0x0000_707f),
    ("sw", 0x0000_2023, 0x0000_707f),
    ("sd", 0x0000_3023, 0x0000_707f),
    ("addi", 0x0000_0013, 0x0000_707f),
    ("slti", 0x0000_2013, 0x0000_707f),
    ("sltiu", 0x0000_3013, 0x0000_707f),
    ("xori", 0x0000_4013, 0x0000_707f),
    ("ori", 0x0000_6013, 0x0000_707f),
    ("andi", 0x0000_7013, 0x0000_707f),
    ("slli", 0x0000_1013, 0xfc00_707f),
    ("srli", 0x0000_5013, 0xfc00_707f),
    ("srai", 0x4000_5013, 0xfc00_707f),
    ("add", 0x0000_0033, 0xfe00_707f),
    ("sub", 0x4000_0033, 0xfe00_707f),
    ("sll", 0x0000_1033, 0xfe00_707f),
    ("slt", 0x0000_2033, 0xfe00_707f),
    ("sltu", 0x0000_3033, 0xfe00_707f),
    ("xor", 0x0000_4033, 0xfe00_707f),
    ("srl", 0x0000_5033, 0xfe00_707f),
    ("sra", 0x4000_5033, 0xfe00_707f),
    ("or", 0x0000_6033, 0xfe00_707f),
    ("and", 0x0000_7033, 0xfe00_707f),
    ("addiw", 0x0000_001b, 0x0000_707f),
    ("slliw", 0x0000_101b, 0xfe00_707f),
    ("srliw", 0x0000_501b, 0xfe00_707f),
    ("sraiw", 0x4000_501b, 0xfe00_707f),
    ("addw", 0x0000_003b, 0xfe00_707f),
    ("subw", 0x4000_003b, 0xfe00_707f),
    ("sllw", 0x0000_103b, 0xfe00_707f),
    ("srlw", 0x0000_503b, 0xfe00_707f),
    ("sraw", 0x4000_503b, 0xfe00_707f),
    ("fence", 0x0000_000f, 0x0000_707f),
    ("fence.i", 0x0000_100f, 0x0000_707f),
    ("ecall", 0x0000_0073, 0xffff_ffff),
    ("ebreak", 0x0010_0073, 0xffff_ffff),
    ("sret", 0x1020_0073, 0xffff_ffff),
    ("mret", 0x3020_0073, 0xffff_ffff),
    ("wfi", 0x1050_0073, 0xffff_ffff),
    ("sfence.vma", 0x1200_0073, 0xfe00_7fff),
    ("csrrw", 0x0000_1073, 0x0000_707f),
    ("csrrs", 0x0000_2073, 0x0000_707f),
    ("csrrc", 0x0000_3073, 0x0000_707f),
    ("csrrwi", 0x0000_5073, 0x0000_707f),
    ("csrrsi", 0x0000_6073, 0x0000_707f),
    ("csrrci", 0x0000_7073, 0x0000_707f),
    ("mul", 0x0200_0033, 0xfe00_707f),
    ("mulh", 0x0200_1033, 0xfe00_707f),
    ("mulhsu", 0x0200_2033, 0xfe00_707f),
    ("mulhu", 0x0200_3033, 0xfe00_707f),
    ("div", 0x0200_4033, 0xfe00_707f),
    ("divu", 0x0200_5033, 0xfe00_707f),
    ("rem", 0x0200_6033, 0xfe00_707f),
    ("remu", 0x0200_7033, 0xfe00_707f),
    ("mulw", 0x0200_003b, 0xfe00_707f),
    ("divw", 0x0200_403b, 0xfe00_707f),
    ("divuw", 0x0200_503b, 0xfe00_707f),
    ("remw", 0x0200_603b, 0xfe00_707f),
    ("remuw", 0x0200_703b, 0xfe00_707f),
    ("lr.w", 0x1000_202f, 0xf9f0_707f),
    ("sc.w", 0x1800_202f, 0xf800_707f),
    ("amoswap.w", 0x0800_202f, 0xf800_707f),
    ("amoadd.w", 0x0000_202f, 0xf800_707f),
    ("amoxor.w", 0x2000_202f, 0xf800_707f),
    ("amoand.w", 0x6000_202f, 0xf800_707f),
    ("amoor.w", 0x4000_202f, 0xf800_707f),
    ("amomin.w", 0x8000_202f, 0xf800_707f),
    ("amomax.w", 0xa000_202f, 0xf800_707f),
    ("amominu.w", 0xc000_202f, 0xf800_707f),
    ("amomaxu.w", 0xe000_202f, 0xf800_707f),
    ("lr.d", 0x1000_302f, 0xf9f0_707f),
    ("sc.d", 0x1800_302f, 0xf800_707f),
    ("amoswap.d", 0x0800_302f, 0xf800_707f),
    ("amoadd.d", 0x0000_302f, 0xf800_707f),
    ("amoxor.d", 0x2000_302f, 0xf800_707f),
    ("amoand.d", 0x6000_302f, 0xf800_707f),
    ("amoor.d", 0x4000_302f, 0xf800_707f),
    ("amomin.d", 0x8000_302f, 0xf800_707f),
    ("amomax.d", 0xa000_302f, 0xf800_707f),
    ("amominu.d", 0xc000_302f, 0xf800_707f),
    ("amomaxu.d", 0xe000_302f, 0xf800_707f),
    ("flw", 0x0000_2007, 0x0000_707f),
    ("fsw", 0x0000_2027, 0x0000_707f),
    ("fld", 0x0000_3007, 0x0000_707f),
    ("fsd", 0x0000_3027, 0x0000_707f),
    ("fmadd.s", 0x0000_0043, 0x0600_007f),
    ("fmsub.s", 0x0000_0047, 0x0600_007f),
    ("fnmsub.s", 0x0000_004b, 0x0600_007f),
    ("fnmadd.s", 0x0000_004f, 0x0600_007f),
    ("fmadd.d", 0x0200_0043, 0x0600_007f),
    ("fmsub.d", 0x0200_0047, 0x0600_007f),
    ("fnmsub.d", 0x0200_004b, 0x0600_007f),
    ("fnmadd.d", 0x0200_004f, 0x0600_007f),
    ("fadd.s", 0x0000_0053, 0xfe00_007f),
    ("fsub.s", 0x0800_0053, 0xfe00_007f),
    ("fmul.s", 0x1000_0053, 0xfe00_007f),
    ("fdiv.s", 0x1800_0053, 0xfe00_007f),
    ("fadd.d", 0x0200_0053, 0xfe00_007f),
    ("fsub.d", 0x0a00_0053, 0xfe00_007f),
    ("fmul.d", 0x1200_0053, 0xfe00_007f),
    ("fdiv.d", 0x1a00_0053, 0xfe00_007f),
    ("fsqrt.s", 0x5800_0053, 0xfff0_007f),
    ("fsqrt.d", 0x5a00_0053, 0xfff0_007f),
    ("fsgnj.s", 0x2000_0053, 0xfe00_707f),
    ("fsgnjn.s", 0x2000_1053, 0xfe00_707f),
    ("fsgnjx.s", 0x2000_2053, 0xfe00_707f),
    ("fsgnj.d", 0x2200_0053, 0xfe00_707f),
    ("fsgnjn.d", 0x2200_1053, 0xfe00_707f),
    ("fsgnjx.d", 0x2200_2053, 0xfe00_707f),
    ("fmin.s", 0x2800_0053, 0xfe00_707f),
    ("fmax.s", 0x2800_1053, 0xfe00_707f),
    ("fmin.d", 0x2a00_0053, 0xfe00_707f),
    ("fmax.d", 0x2a00_1053, 0xfe00_707f),
    ("fcvt.s.d", 0x4010_0053, 0xfff0_007f),
    ("fcvt.d.s", 0x4200_0053, 0xfff0_007f),
    ("feq.s", 0xa000_2053, 0xfe00_707f),
    ("flt.s", 0xa000_1053, 0xfe00_707f),
    ("fle.s", 0xa000_0053, 0xfe00_707f),
    ("feq.d", 0xa200_2053, 0xfe00_707f),
    ("flt.d", 0xa200_1053, 0xfe00_707f),
    ("fle.d", 0xa200_0053, 0xfe00_707f),
    ("fcvt.w.s", 0xc000_0053, 0xfff0_007f),
    ("fcvt.wu.s", 0xc010_0053, 0xfff0_007f),
    ("fcvt.l.s", 0xc020_0053, 0xfff0_007f),
    ("fcvt.lu.s", 0xc030_0053, 0xfff0_007f),
    ("fcvt.w.d", 0xc200_0053, 0xfff0_007f),
    ("fcvt.wu.d", 0xc210_0053, 0xfff0_007f),
    ("fcvt.l.d", 0xc220_0053, 0xfff0_007f),
    ("fcvt.lu.d", 0xc230_0053, 0xfff0_007f),
    ("fcvt.s.w", 0xd000_0053, 0xfff0_007f),
    ("fcvt.s.wu", 0xd010_0053, 0xfff0_007f),
    ("fcvt.s.l", 0xd020_0053, 0xfff0_007f),
    ("fcvt.s.lu", 0xd030_0053, 0xfff0_007f),
    ("fcvt.d.w", 0xd200_0053, 0xfff0_007f),
    ("fcvt.d.wu", 0xd210_0053, 0xfff0_007f),
    ("fcvt.d.l", 0xd220_0053, 0xfff0_007f),
    ("fcvt.d.lu", 0xd230_0053, 0xfff0_007f),
    ("fmv.x.w", 0xe000_0053, 0xfff0_707f),
    ("fclass.s", 0xe000_1053, 0xfff0_707f),
    ("fmv.x.d", 0xe200_0053, 0xfff0_707f),
    ("fclass.d", 0xe200_1053, 0xfff0_707f),
    ("fmv.w.x", 0xf000_0053, 0xfff0_707f),
    ("fmv.d.x", 0xf200_0053, 0xfff0_707f),
];

#[test]
fn pinned_encodings() {
    // addi a0,a0,1
    assert_eq!(
        decode(0x0015_0513),
        Insn::OpImm {
            op: AluOp::Add,
            w: false,
            rd: 10,
            rs1: 10,
            imm: 1
        }
    );
    // addi a0,a0,-1
    assert_eq!(
        decode(0xfff5_0513),
        Insn::OpImm {
            op: AluOp::Add,
            w: false,
            rd: 10,
            rs1: 10,
            imm: -1
        }
    );
    // auipc t0,0x0
    assert_eq!(decode(0x0000_0297), Insn::Auipc { rd: 5, imm: 0 });
    // lui a5,0x80000
    assert_eq!(
        decode(0x8000_07b7),
        Insn::Lui {
            rd: 15,
            imm: i32::MIN
        }
    );
    // jal ra,-4 (0xffdff0ef)
    assert_eq!(decode(0xffdf_f0ef), Insn::Jal { rd: 1, imm: -4 });
    // beq a0,a1,-8 (0xfeb50ce3)
    assert_eq!(
        decode(0xfeb5_0ce3),
        Insn::Branch {
            cond: Cond::Eq,
            rs1: 10,
            rs2: 11,
            imm: -8
        }
    );
    // sd ra,-8(sp) (0xfe113c23)
    assert_eq!(
        decode(0xfe11_3c23),
        Insn::Store {
            width: Width::D,
            rs1: 2,
            rs2: 1,
            imm: -8
        }
    );
    // srai a0,a0,63 (0x43f55513)
    assert_eq!(
        decode(0x43f5_5513),
        Insn::OpImm {
            op: AluOp::Sra,
            w: false,
            rd: 10,
            rs1: 10,
            imm: 63
        }
    );
    // csrrw zero,mtvec,t0 (0x30529073)
    assert_eq!(
        decode(0x3052_9073),
        Insn::Csr {
            op: CsrOp::Rw,
            rd: 0,
            rs1: 5,
            csr: 0x305
        }
    );
    // csrrsi a0,mstatus,8 (0x30046573)
    assert_eq!(
        decode(0x3004_6573),
        Insn::CsrImm {
            op: CsrOp::Rs,
            rd: 10,
            uimm: 8,
            csr: 0x300
        }
    );
    assert_eq!(decode(0x0000_0073), Insn::Ecall);
    assert_eq!(decode(0x0010_0073), Insn::Ebreak);
    assert_eq!(decode(0x3020_0073), Insn::Mret);
    assert_eq!(decode(0x1020_0073), Insn::Sret);
    assert_eq!(decode(0x1050_0073), Insn::Wfi);
    assert_eq!(decode(0x1200_0073), Insn::SfenceVma { rs1: 0, rs2: 0 });
    assert_eq!(decode(0x0ff0_000f), Insn::Fence);
    assert_eq!(decode(0x8330_000f), Insn::Fence); // fence.tso
    assert_eq!(decode(0x0100_000f), Insn::Fence); // pause
    assert_eq!(decode(0x0000_100f), Insn::FenceI);
}

#[test]
fn illegal_encodings() {
    for raw in [
        0x0000_0000u32,
        0xffff_ffff,
        0x0000_007f,
        0x0400_5013, // srli with imm[11:6] = 1
        0x0200_101b, // slliw with shamt[5] set
        0x4000_1013, // slli with funct6 = 0x10
        0x0000_2067, // jalr funct3 = 2
        0x0000_2063, // branch funct3 = 2
        0x0000_7003, // load funct3 = 7
        0x0000_4023, // store funct3 = 4
        0x4000_1033, // sll with funct7 = 0x20
        0x0400_0033, // funct7 = 2
        0x0200_103b, // mulhw does not exist
        0x0010_0173, // ebreak with rd set
        0x1200_00f3, // sfence.vma with rd set
        0x1050_8073, // wfi with rs1 set
        0x0000_4073, // SYSTEM funct3 = 4
        0x1010_202f, // lr.w with rs2 = 1
    ] {
        assert_eq!(decode(raw), Insn::Illegal(raw), "{raw:#010x}");
    }
}

// FENCE.TSO and PAUSE are FENCEs with fixed fields: they overlap FENCE by
// design (Spike's overlap_list.h), so they are pinned apart from TABLE.
const FENCE_SPECIALS: &[(&str, u32)] = &[("fence.tso", 0x8330_000f), ("pause", 0x0100_000f)];

fn sx(v: u32, bits: u32) -> i32 {
    ((v << (32 - bits)) as i32) >> (32 - bits)
}

// The Insn that the instruction `name` with bits `raw` must decode to,
// built from the manual's field layout (unprivileged spec §2.3, §13-§16).
fn expected(name: &str, raw: u32) -> Insn {
    let rd = (raw >> 7 & 31) as Reg;
    let rs1 = (raw >> 15 & 31) as Reg;
    let rs2 = (raw >> 20 & 31) as Reg;
    let rs3 = (raw >> 27) as Reg;
    let rm = (raw >> 12 & 7) as u8;
    let imm_i = sx(raw >> 20, 12);
    let imm_s = sx((raw >> 25) << 5 | (raw >> 7 & 31), 12);
    let imm_b = sx(
        (raw >> 31) << 12 | (raw >> 7 & 1) << 11 | (raw >> 25 & 63) << 5 | (raw >> 8 & 15) << 1,
        13,
    );
    let imm_j = sx(
        (raw >> 31) << 20
            | (raw >> 12 & 255) << 12
            | (raw >> 20 & 1) << 11
            | (raw >> 21 & 1023) << 1,
        21,
    );
    let imm_u = (raw >> 12 << 12) as i32;
    let shamt = (raw >> 20 & 63) as i32;
    let aq = raw >> 26 & 1 == 1;
    let rl = raw >> 25 & 1 == 1;
    let fmt = |s: &str| if s.ends_with('d') { FpFmt::D } else { FpFmt::S };
    let width = |s: &str| if s.ends_with('d') { Width::D } else { Width::W };
    let int_fmt = |s: &str| match s {
        "w" => IntFmt::W,
        "wu" => IntFmt::Wu,
        "l" => IntFmt::L,
        _ => IntFmt::Lu,
    };
    let alu = |s: &str| match s {
        "add" => AluOp::Add,
        "sub" => AluOp::Sub,
        "sll" => AluOp::Sll,
        "slt" => AluOp::Slt,
        "sltu" => AluOp::Sltu,
        "xor" => AluOp::Xor,
        "srl" => AluOp::Srl,
        "sra" => AluOp::Sra,
        "or" => AluOp::Or,
        "and" => AluOp::And,
        "mul" => AluOp::Mul,
        "mulh" => AluOp::Mulh,
        "mulhsu" => AluOp::Mulhsu,
        "mulhu" => AluOp::Mulhu,
        "div" => AluOp::Div,
        "divu" => AluOp::Divu,
        "rem" => AluOp::Rem,
        _ => AluOp::Remu,
    };
    let load = |width, signed| Insn::Load {
        width,
        signed,
        rd,
        rs1,
        imm: imm_i,
    };
    let store = |width| Insn::Store {
        width,
        rs1,
        rs2,
        imm: imm_s,
    };
    let branch = |cond| Insn::Branch {
        cond,
        rs1,
        rs2,
        imm: imm_b,
    };
    let fbin = |op, f| Insn::FBin {
        op,
        fmt: f,
        rd,
        rs1,
        rs2,
        rm,
    };
    let (base, suffix) = name.split_once('.').unwrap_or((name, ""));
    match name {
        "lui" => Insn::Lui { rd, imm: imm_u },
        "auipc" => Insn::Auipc { rd, imm: imm_u },
        "jal" => Insn::Jal { rd, imm: imm_j },
        "jalr" => Insn::Jalr {
            rd,
            rs1,
            imm: imm_i,
        },
        "beq" => branch(Cond::Eq),
        "bne" => branch(Cond::Ne),
        "blt" => branch(Cond::Lt),
        "bge" => branch(Cond::Ge),
        "bltu" => branch(Cond::Ltu),
        "bgeu" => branch(Cond::Geu),
        "lb" => load(Width::B, true),
        "lh" => load(Width::H, true),
        "lw" => load(Width::W, true),
        "ld" => load(Width::D, true),
        "lbu" => load(Width::B, false),
        "lhu" => load(Width::H, false),
        "lwu" => load(Width::W, false),
        "sb" => store(Width::B),
        "sh" => store(Width::H),
        "sw" => store(Width::W),
        "sd" => store(Width::D),
        "slli" | "srli" | "srai" | "slliw" | "srliw" | "sraiw" => Insn::OpImm {
            op: alu(&name.replace("iw", "").replace('i', "")),
            w: name.ends_with('w'),
            rd,
            rs1,
            imm: if name.ends_with('w') {
                shamt & 31
            } else {
                shamt
            },
        },
        "addi" | "slti" | "sltiu" | "xori" | "ori" | "andi" | "addiw" => Insn::OpImm {
            op: alu(&name.replace("iw", "").replace('i', "")),
            w: name.ends_with('w'),
            rd,
            rs1,
            imm: imm_i,
        },
        "fence" => Insn::Fence,
        "fence.i" => Insn::FenceI,
        "ecall" => Insn::Ecall,
        "ebreak" => Insn::Ebreak,
        "sret" => Insn::Sret,
        "mret" => Insn::Mret,
        "wfi" => Insn::Wfi,
        "sfence.vma" => Insn::SfenceVma { rs1, rs2 },
        _ if base.starts_with("csrr") => {
            let op = match &base[4..5] {
                "w" => CsrOp::Rw,
                "s" => CsrOp::Rs,
                _ => CsrOp::Rc,
            };
            let csr = (raw >> 20) as u16;
            if base.ends_with('i') {
                Insn::CsrImm {
                    op,
                    rd,
                    uimm: rs1,
                    csr,
                }
            } else {
                Insn::Csr { op, rd, rs1, csr }
            }
        }
        "lr.w" | "lr.d" => Insn::Lr {
            width: width(suffix),
            rd,
            rs1,
            aq,
            rl,
        },
        "sc.w" | "sc.d" => Insn::Sc {
            width: width(suffix),
            rd,
            rs1,
            rs2,
            aq,
            rl,
        },
        _ if base.starts_with("amo") => Insn::Amo {
            op: match &base[3..] {
                "swap" => AmoOp::Swap,
                "add" => AmoOp::Add,
                "xor" => AmoOp::Xor,
                "and" => AmoOp::And,
                "or" => AmoOp::Or,
                "min" => AmoOp::Min,
                "max" => AmoOp::Max,
                "minu" => AmoOp::Minu,
                _ => AmoOp::Maxu,
            },
            width: width(suffix),
            rd,
            rs1,
            rs2,
            aq,
            rl,
        },
        "flw" | "fld" => Insn::FLoad {
            fmt: fmt(name),
            rd,
            rs1,
            imm: imm_i,
        },
        "fsw" | "fsd" => Insn::FStore {
            fmt: fmt(name),
            rs1,
            rs2,
            imm: imm_s,
        },
        _ if matches!(base, "fmadd" | "fmsub" | "fnmsub" | "fnmadd") => {
            let op = match base {
                "fmadd" => FmaOp::Madd,
                "fmsub" => FmaOp::Msub,
                "fnmsub" => FmaOp::Nmsub,
                _ => FmaOp::Nmadd,
            };
            Insn::Fma {
                op,
                fmt: fmt(suffix),
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            }
        }
        _ if matches!(
            base,
            "fadd" | "fsub" | "fmul" | "fdiv" | "fmin" | "fmax" | "fsgnj" | "fsgnjn" | "fsgnjx"
        ) =>
        {
            let op = match base {
                "fadd" => FpBinOp::Add,
                "fsub" => FpBinOp::Sub,
                "fmul" => FpBinOp::Mul,
                "fdiv" => FpBinOp::Div,
                "fmin" => FpBinOp::Min,
                "fmax" => FpBinOp::Max,
                "fsgnj" => FpBinOp::SgnJ,
                "fsgnjn" => FpBinOp::SgnJn,
                _ => FpBinOp::SgnJx,
            };
            fbin(op, fmt(suffix))
        }
        _ if base == "fsqrt" => Insn::FSqrt {
            fmt: fmt(suffix),
            rd,
            rs1,
            rm,
        },
        _ if matches!(base, "feq" | "flt" | "fle") => Insn::FCmp {
            op: match base {
                "feq" => FpCmp::Eq,
                "flt" => FpCmp::Lt,
                _ => FpCmp::Le,
            },
            fmt: fmt(suffix),
            rd,
            rs1,
            rs2,
        },
        _ if base == "fclass" => Insn::FClass {
            fmt: fmt(suffix),
            rd,
            rs1,
        },
        "fcvt.s.d" => Insn::FCvtFmt {
            to: FpFmt::S,
            rd,
            rs1,
            rm,
        },
        "fcvt.d.s" => Insn::FCvtFmt {
            to: FpFmt::D,
            rd,
            rs1,
            rm,
        },
        "fmv.x.w" | "fmv.x.d" => Insn::FMvToInt {
            fmt: fmt(name),
            rd,
            rs1,
        },
        "fmv.w.x" => Insn::FMvFromInt {
            fmt: FpFmt::S,
            rd,
            rs1,
        },
        "fmv.d.x" => Insn::FMvFromInt {
            fmt: FpFmt::D,
            rd,
            rs1,
        },
        _ if base == "fcvt" => {
            let (a, b) = suffix.split_once('.').unwrap();
            if a == "s" || a == "d" {
                Insn::FCvtFromInt {
                    from: int_fmt(b),
                    fmt: fmt(a),
                    rd,
                    rs1,
                    rm,
                }
            } else {
                Insn::FCvtToInt {
                    to: int_fmt(a),
                    fmt: fmt(b),
                    rd,
                    rs1,
                    rm,
                }
            }
        }
        _ => Insn::Op {
            op: alu(name.trim_end_matches('w')),
            w: name.ends_with('w'),
            rd,
            rs1,
            rs2,
        },
    }
}

// A small xorshift generator: deterministic operand samples.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
}

// The TABLE entries that `raw` matches.
fn matches(raw: u32) -> impl Iterator<Item = &'static str> {
    TABLE
        .iter()
        .filter(move |&&(_, m, k)| raw & k == m)
        .map(|&(n, _, _)| n)
}

#[test]
fn no_two_table_entries_overlap() {
    for (i, &(a, ma, ka)) in TABLE.iter().enumerate() {
        assert_eq!(ma & !ka, 0, "{a}: match has bits outside its mask");
        for &(b, mb, kb) in &TABLE[i + 1..] {
            assert_ne!(ma & kb & ka, mb & ka & kb, "{a} overlaps {b}");
        }
    }
    assert_eq!(TABLE.len(), 160);
}

#[test]
fn every_table_entry_decodes_with_sampled_operands() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for &(name, m, k) in TABLE {
        // All operand bits clear, all set, then random fills.
        let mut samples = vec![m, m | !k];
        samples.extend((0..64).map(|_| m | (rng.next() & !k)));
        for raw in samples {
            assert_eq!(decode(raw), expected(name, raw), "{name} {raw:#010x}");
        }
    }
    for &(name, raw) in FENCE_SPECIALS {
        assert_eq!(decode(raw), Insn::Fence, "{name}");
    }
}

#[test]
fn flipping_a_fixed_bit_leaves_the_instruction() {
    // Flipping any bit of an entry's mask gives another entry or Illegal.
    for &(name, m, k) in TABLE {
        for b in 0..32 {
            if k >> b & 1 == 0 {
                continue;
            }
            let raw = m ^ (1 << b);
            match matches(raw).next() {
                Some(other) => {
                    assert_ne!(other, name);
                    assert_eq!(decode(raw), expected(other, raw), "{other} {raw:#010x}");
                }
                None => assert_eq!(decode(raw), Insn::Illegal(raw), "{name} ^ bit {b}"),
            }
        }
    }
}

#[test]
fn random_words_decode_as_the_table_says() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut legal = 0;
    for _ in 0..1_000_000 {
        let raw = rng.next() | 3;
        let mut names = matches(raw);
        match names.next() {
            Some(name) => {
                assert_eq!(names.next(), None);
                assert_eq!(decode(raw), expected(name, raw), "{name} {raw:#010x}");
                legal += 1;
            }
            None => assert_eq!(decode(raw), Insn::Illegal(raw), "{raw:#010x}"),
        }
    }
    assert!(legal > 100_000, "only {legal} legal samples");
}
