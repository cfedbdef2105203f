//! The decoded instruction: every RV64GC instruction, compressed forms included,
//! decodes once into this compact enum, which drives execution, tracing and
//! disassembly alike.

/// An integer or floating-point register number, 0..=31.
pub type Reg = u8;

/// Integer ALU operations of OP, OP-IMM, OP-32 and OP-IMM-32 (and M).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluOp {
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
}

/// Access width of loads, stores, LR/SC and AMOs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    B,
    H,
    W,
    D,
}

impl Width {
    /// Size in bytes.
    pub const fn bytes(self) -> u8 {
        match self {
            Width::B => 1,
            Width::H => 2,
            Width::W => 4,
            Width::D => 8,
        }
    }
}

/// Branch conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    Eq,
    Ne,
    Lt,
    Ge,
    Ltu,
    Geu,
}

/// AMO operations (A extension).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmoOp {
    Swap,
    Add,
    Xor,
    And,
    Or,
    Min,
    Max,
    Minu,
    Maxu,
}

/// Every AMO operation, indexed by `op as usize`.
pub const AMO_OPS: [AmoOp; 9] = [
    AmoOp::Swap,
    AmoOp::Add,
    AmoOp::Xor,
    AmoOp::And,
    AmoOp::Or,
    AmoOp::Min,
    AmoOp::Max,
    AmoOp::Minu,
    AmoOp::Maxu,
];

/// Zicsr operations: CSRRW(I), CSRRS(I), CSRRC(I).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrOp {
    Rw,
    Rs,
    Rc,
}

/// Floating-point format: single (F) or double (D).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpFmt {
    S,
    D,
}

/// Two-operand floating-point operations. `Add..=Div` round with `rm`;
/// the others ignore it (it is part of their encoding, not a rounding mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpBinOp {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
    SgnJ,
    SgnJn,
    SgnJx,
}

impl FpBinOp {
    /// Every operation, in declaration order.
    pub const ALL: [FpBinOp; 9] = [
        FpBinOp::Add,
        FpBinOp::Sub,
        FpBinOp::Mul,
        FpBinOp::Div,
        FpBinOp::Min,
        FpBinOp::Max,
        FpBinOp::SgnJ,
        FpBinOp::SgnJn,
        FpBinOp::SgnJx,
    ];
}

/// Floating-point comparisons writing 0/1 to an integer register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpCmp {
    Eq,
    Lt,
    Le,
}

/// Fused multiply-add family: rs1*rs2 ± rs3, optionally negated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FmaOp {
    /// rs1*rs2 + rs3
    Madd,
    /// rs1*rs2 - rs3
    Msub,
    /// -(rs1*rs2) + rs3
    Nmsub,
    /// -(rs1*rs2) - rs3
    Nmadd,
}

/// Integer side of FCVT: W (i32), WU (u32), L (i64), LU (u64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntFmt {
    W,
    Wu,
    L,
    Lu,
}

/// A decoded instruction. Immediates are sign-extended already (shift amounts
/// and CSR `uimm` are unsigned). `rm` is the 3-bit rounding-mode field as
/// encoded (7 = dynamic, 5 and 6 reserved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insn {
    Lui {
        rd: Reg,
        imm: i32,
    },
    Auipc {
        rd: Reg,
        imm: i32,
    },
    Jal {
        rd: Reg,
        imm: i32,
    },
    Jalr {
        rd: Reg,
        rs1: Reg,
        imm: i32,
    },
    Branch {
        cond: Cond,
        rs1: Reg,
        rs2: Reg,
        imm: i32,
    },
    Load {
        width: Width,
        signed: bool,
        rd: Reg,
        rs1: Reg,
        imm: i32,
    },
    Store {
        width: Width,
        rs1: Reg,
        rs2: Reg,
        imm: i32,
    },
    /// OP-IMM (`w` = OP-IMM-32). For shifts `imm` is the shift amount.
    OpImm {
        op: AluOp,
        w: bool,
        rd: Reg,
        rs1: Reg,
        imm: i32,
    },
    /// OP and M (`w` = OP-32).
    Op {
        op: AluOp,
        w: bool,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
    },
    Fence,
    FenceI,
    Ecall,
    Ebreak,
    Mret,
    Sret,
    Wfi,
    SfenceVma {
        rs1: Reg,
        rs2: Reg,
    },
    /// CSRRW/CSRRS/CSRRC with a register source.
    Csr {
        op: CsrOp,
        rd: Reg,
        rs1: Reg,
        csr: u16,
    },
    /// CSRRWI/CSRRSI/CSRRCI; `uimm` is the 5-bit zero-extended immediate.
    CsrImm {
        op: CsrOp,
        rd: Reg,
        uimm: u8,
        csr: u16,
    },
    /// LR.W / LR.D (`width` is W or D).
    Lr {
        width: Width,
        rd: Reg,
        rs1: Reg,
        aq: bool,
        rl: bool,
    },
    /// SC.W / SC.D.
    Sc {
        width: Width,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        aq: bool,
        rl: bool,
    },
    /// AMO*.W / AMO*.D.
    Amo {
        op: AmoOp,
        width: Width,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        aq: bool,
        rl: bool,
    },
    /// FLW / FLD.
    FLoad {
        fmt: FpFmt,
        rd: Reg,
        rs1: Reg,
        imm: i32,
    },
    /// FSW / FSD.
    FStore {
        fmt: FpFmt,
        rs1: Reg,
        rs2: Reg,
        imm: i32,
    },
    /// FMADD/FMSUB/FNMSUB/FNMADD.S/.D.
    Fma {
        op: FmaOp,
        fmt: FpFmt,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        rs3: Reg,
        rm: u8,
    },
    /// FADD..FDIV, FMIN/FMAX, FSGNJ*. For FMIN/FMAX/FSGNJ* `rm` holds funct3.
    FBin {
        op: FpBinOp,
        fmt: FpFmt,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        rm: u8,
    },
    FSqrt {
        fmt: FpFmt,
        rd: Reg,
        rs1: Reg,
        rm: u8,
    },
    /// FEQ/FLT/FLE: integer `rd`.
    FCmp {
        op: FpCmp,
        fmt: FpFmt,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
    },
    /// FCLASS: integer `rd`.
    FClass {
        fmt: FpFmt,
        rd: Reg,
        rs1: Reg,
    },
    /// FCVT.{W,WU,L,LU}.{S,D}: float `rs1` to integer `rd`.
    FCvtToInt {
        to: IntFmt,
        fmt: FpFmt,
        rd: Reg,
        rs1: Reg,
        rm: u8,
    },
    /// FCVT.{S,D}.{W,WU,L,LU}: integer `rs1` to float `rd`.
    FCvtFromInt {
        from: IntFmt,
        fmt: FpFmt,
        rd: Reg,
        rs1: Reg,
        rm: u8,
    },
    /// FCVT.S.D (`to` = S) and FCVT.D.S (`to` = D).
    FCvtFmt {
        to: FpFmt,
        rd: Reg,
        rs1: Reg,
        rm: u8,
    },
    /// FMV.X.W / FMV.X.D: float bits to integer `rd` (W sign-extends).
    FMvToInt {
        fmt: FpFmt,
        rd: Reg,
        rs1: Reg,
    },
    /// FMV.W.X / FMV.D.X: integer bits to float `rd` (W NaN-boxes).
    FMvFromInt {
        fmt: FpFmt,
        rd: Reg,
        rs1: Reg,
    },
    /// Any reserved or unsupported encoding; holds the raw bits (16 bits for
    /// a compressed one) for mtval.
    Illegal(u32),
}

/// One cached decoded instruction: the instruction, its raw bits (for traces
/// and mtval) and its length in bytes (2 or 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub insn: Insn,
    pub raw: u32,
    pub len: u8,
}
