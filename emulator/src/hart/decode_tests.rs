//! Unit tests of the 32-bit decoder: pinned encodings and illegal forms.

use super::*;

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
