//! Disassembler over the decoder, printing what `riscv64-unknown-elf-objdump -d -M no-aliases` prints.

use super::insn::{
    AluOp, AmoOp, Cond, CsrOp, Decoded, FmaOp, FpBinOp, FpCmp, FpFmt, Insn, IntFmt, Width,
};
use core::fmt::Write;

const XREG: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
];

const FREG: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2",
    "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9",
    "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

// Rounding-mode names; 5 and 6 are reserved.
const RM: [&str; 8] = [
    "rne", "rtz", "rdn", "rup", "rmm", "unknown", "unknown", "dyn",
];

// FENCE predecessor/successor sets, 4 bits i,o,r,w.
const IORW: [&str; 16] = [
    "unknown", "w", "r", "rw", "o", "ow", "or", "orw", "i", "iw", "ir", "irw", "io", "iow", "ior",
    "iorw",
];

fn x(r: u8) -> &'static str {
    XREG[r as usize & 31]
}

fn f(r: u8) -> &'static str {
    FREG[r as usize & 31]
}

/// The assembly text of `d` at address `pc`: objdump's `-M no-aliases`
/// output with one space after the mnemonic and no trailing comment.
/// Reserved encodings print as objdump's `.2byte`/`.4byte` directives.
pub fn disasm(d: &Decoded, pc: u64) -> String {
    let mut s = String::new();
    if d.len == 2 {
        compressed(&mut s, d.raw as u16, &d.insn, pc);
    } else {
        full(&mut s, d.raw, &d.insn, pc);
    }
    s
}

// The mnemonic of an integer ALU operation, without the i/w suffixes.
fn alu_name(op: AluOp) -> &'static str {
    match op {
        AluOp::Add => "add",
        AluOp::Sub => "sub",
        AluOp::Sll => "sll",
        AluOp::Slt => "slt",
        AluOp::Sltu => "sltu",
        AluOp::Xor => "xor",
        AluOp::Srl => "srl",
        AluOp::Sra => "sra",
        AluOp::Or => "or",
        AluOp::And => "and",
        AluOp::Mul => "mul",
        AluOp::Mulh => "mulh",
        AluOp::Mulhsu => "mulhsu",
        AluOp::Mulhu => "mulhu",
        AluOp::Div => "div",
        AluOp::Divu => "divu",
        AluOp::Rem => "rem",
        AluOp::Remu => "remu",
    }
}

fn width_char(w: Width) -> char {
    match w {
        Width::B => 'b',
        Width::H => 'h',
        Width::W => 'w',
        Width::D => 'd',
    }
}

fn fmt_char(fmt: FpFmt) -> char {
    match fmt {
        FpFmt::S => 's',
        FpFmt::D => 'd',
    }
}

fn int_name(i: IntFmt) -> &'static str {
    match i {
        IntFmt::W => "w",
        IntFmt::Wu => "wu",
        IntFmt::L => "l",
        IntFmt::Lu => "lu",
    }
}

// The ",rm" operand objdump adds unless rm is dynamic.
fn rm_suffix(rm: u8) -> &'static str {
    match rm & 7 {
        7 => "",
        0 => ",rne",
        1 => ",rtz",
        2 => ",rdn",
        3 => ",rup",
        4 => ",rmm",
        _ => ",unknown",
    }
}

// The ",rm" of the exact conversions FCVT.D.S/.D.W/.D.WU, printed only when nonzero.
fn exact_rm_suffix(rm: u8) -> String {
    if rm == 0 {
        String::new()
    } else {
        format!(",{}", RM[rm as usize & 7])
    }
}

fn aqrl(raw: u32) -> &'static str {
    match (raw >> 25) & 3 {
        0 => "",
        1 => ".rl",
        2 => ".aq",
        _ => ".aqrl",
    }
}

// Appends the text of a 32-bit instruction.
fn full(s: &mut String, raw: u32, insn: &Insn, pc: u64) {
    let target = |imm: i32| pc.wrapping_add(imm as i64 as u64);
    let _ = match *insn {
        Insn::Lui { rd, imm } => write!(s, "lui {},{:#x}", x(rd), (imm as u32) >> 12),
        Insn::Auipc { rd, imm } => write!(s, "auipc {},{:#x}", x(rd), (imm as u32) >> 12),
        Insn::Jal { rd, imm } => write!(s, "jal {},{:#x}", x(rd), target(imm)),
        Insn::Jalr { rd, rs1, imm } => write!(s, "jalr {},{}({})", x(rd), imm, x(rs1)),
        Insn::Branch {
            cond,
            rs1,
            rs2,
            imm,
        } => {
            let mn = match cond {
                Cond::Eq => "beq",
                Cond::Ne => "bne",
                Cond::Lt => "blt",
                Cond::Ge => "bge",
                Cond::Ltu => "bltu",
                Cond::Geu => "bgeu",
            };
            write!(s, "{mn} {},{},{:#x}", x(rs1), x(rs2), target(imm))
        }
        Insn::Load {
            width,
            signed,
            rd,
            rs1,
            imm,
        } => {
            let u = if signed || width == Width::D { "" } else { "u" };
            let w = width_char(width);
            write!(s, "l{w}{u} {},{}({})", x(rd), imm, x(rs1))
        }
        Insn::Store {
            width,
            rs1,
            rs2,
            imm,
        } => write!(s, "s{} {},{}({})", width_char(width), x(rs2), imm, x(rs1)),
        Insn::OpImm {
            op,
            w,
            rd,
            rs1,
            imm,
        } => {
            let mn = match op {
                AluOp::Sltu => "sltiu",
                AluOp::Slt => "slti",
                AluOp::Add => "addi",
                AluOp::Xor => "xori",
                AluOp::Or => "ori",
                AluOp::And => "andi",
                AluOp::Sll => "slli",
                AluOp::Srl => "srli",
                _ => "srai",
            };
            let w = if w { "w" } else { "" };
            match op {
                AluOp::Sll | AluOp::Srl | AluOp::Sra => {
                    write!(s, "{mn}{w} {},{},{:#x}", x(rd), x(rs1), imm)
                }
                _ => write!(s, "{mn}{w} {},{},{}", x(rd), x(rs1), imm),
            }
        }
        Insn::Op {
            op,
            w,
            rd,
            rs1,
            rs2,
        } => {
            let w = if w { "w" } else { "" };
            write!(s, "{}{w} {},{},{}", alu_name(op), x(rd), x(rs1), x(rs2))
        }
        Insn::Fence if raw == 0x8330_000f => write!(s, "fence.tso"),
        Insn::Fence => write!(
            s,
            "fence {},{}",
            IORW[(raw >> 24) as usize & 15],
            IORW[(raw >> 20) as usize & 15]
        ),
        Insn::FenceI => write!(s, "fence.i"),
        Insn::Ecall => write!(s, "ecall"),
        Insn::Ebreak => write!(s, "ebreak"),
        Insn::Mret => write!(s, "mret"),
        Insn::Sret => write!(s, "sret"),
        Insn::Wfi => write!(s, "wfi"),
        Insn::SfenceVma { rs1, rs2 } => write!(s, "sfence.vma {},{}", x(rs1), x(rs2)),
        // csrrw zero,cycle,zero is the canonical 32-bit UNIMP.
        Insn::Csr { .. } if raw == 0xc000_1073 => write!(s, "unimp"),
        Insn::Csr { op, rd, rs1, csr } => write!(s, "csrr{} {},", csr_op(op), x(rd))
            .and_then(|_| csr_name(s, csr))
            .and_then(|_| write!(s, ",{}", x(rs1))),
        Insn::CsrImm { op, rd, uimm, csr } => write!(s, "csrr{}i {},", csr_op(op), x(rd))
            .and_then(|_| csr_name(s, csr))
            .and_then(|_| write!(s, ",{uimm}")),
        Insn::Lr { width, rd, rs1, .. } => {
            let w = width_char(width);
            write!(s, "lr.{w}{} {},({})", aqrl(raw), x(rd), x(rs1))
        }
        Insn::Sc {
            width,
            rd,
            rs1,
            rs2,
            ..
        } => {
            let w = width_char(width);
            write!(s, "sc.{w}{} {},{},({})", aqrl(raw), x(rd), x(rs2), x(rs1))
        }
        Insn::Amo {
            op,
            width,
            rd,
            rs1,
            rs2,
            ..
        } => {
            let mn = match op {
                AmoOp::Swap => "swap",
                AmoOp::Add => "add",
                AmoOp::Xor => "xor",
                AmoOp::And => "and",
                AmoOp::Or => "or",
                AmoOp::Min => "min",
                AmoOp::Max => "max",
                AmoOp::Minu => "minu",
                AmoOp::Maxu => "maxu",
            };
            let w = width_char(width);
            write!(
                s,
                "amo{mn}.{w}{} {},{},({})",
                aqrl(raw),
                x(rd),
                x(rs2),
                x(rs1)
            )
        }
        Insn::FLoad { fmt, rd, rs1, imm } => {
            let w = if fmt == FpFmt::S { 'w' } else { 'd' };
            write!(s, "fl{w} {},{}({})", f(rd), imm, x(rs1))
        }
        Insn::FStore { fmt, rs1, rs2, imm } => {
            let w = if fmt == FpFmt::S { 'w' } else { 'd' };
            write!(s, "fs{w} {},{}({})", f(rs2), imm, x(rs1))
        }
        Insn::Fma {
            op,
            fmt,
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => {
            let mn = match op {
                FmaOp::Madd => "fmadd",
                FmaOp::Msub => "fmsub",
                FmaOp::Nmsub => "fnmsub",
                FmaOp::Nmadd => "fnmadd",
            };
            let (t, rm) = (fmt_char(fmt), rm_suffix(rm));
            write!(s, "{mn}.{t} {},{},{},{}{rm}", f(rd), f(rs1), f(rs2), f(rs3))
        }
        Insn::FBin {
            op,
            fmt,
            rd,
            rs1,
            rs2,
            rm,
        } => {
            let (mn, rm) = match op {
                FpBinOp::Add => ("fadd", rm_suffix(rm)),
                FpBinOp::Sub => ("fsub", rm_suffix(rm)),
                FpBinOp::Mul => ("fmul", rm_suffix(rm)),
                FpBinOp::Div => ("fdiv", rm_suffix(rm)),
                FpBinOp::Min => ("fmin", ""),
                FpBinOp::Max => ("fmax", ""),
                FpBinOp::SgnJ => ("fsgnj", ""),
                FpBinOp::SgnJn => ("fsgnjn", ""),
                FpBinOp::SgnJx => ("fsgnjx", ""),
            };
            let t = fmt_char(fmt);
            write!(s, "{mn}.{t} {},{},{}{rm}", f(rd), f(rs1), f(rs2))
        }
        Insn::FSqrt { fmt, rd, rs1, rm } => {
            let (t, rm) = (fmt_char(fmt), rm_suffix(rm));
            write!(s, "fsqrt.{t} {},{}{rm}", f(rd), f(rs1))
        }
        Insn::FCmp {
            op,
            fmt,
            rd,
            rs1,
            rs2,
        } => {
            let mn = match op {
                FpCmp::Eq => "feq",
                FpCmp::Lt => "flt",
                FpCmp::Le => "fle",
            };
            write!(s, "{mn}.{} {},{},{}", fmt_char(fmt), x(rd), f(rs1), f(rs2))
        }
        Insn::FClass { fmt, rd, rs1 } => {
            write!(s, "fclass.{} {},{}", fmt_char(fmt), x(rd), f(rs1))
        }
        Insn::FCvtToInt {
            to,
            fmt,
            rd,
            rs1,
            rm,
        } => {
            let (i, t, rm) = (int_name(to), fmt_char(fmt), rm_suffix(rm));
            write!(s, "fcvt.{i}.{t} {},{}{rm}", x(rd), f(rs1))
        }
        Insn::FCvtFromInt {
            from,
            fmt,
            rd,
            rs1,
            rm,
        } => {
            let exact = fmt == FpFmt::D && matches!(from, IntFmt::W | IntFmt::Wu);
            let rm = if exact {
                exact_rm_suffix(rm)
            } else {
                rm_suffix(rm).to_string()
            };
            let (t, i) = (fmt_char(fmt), int_name(from));
            write!(s, "fcvt.{t}.{i} {},{}{rm}", f(rd), x(rs1))
        }
        Insn::FCvtFmt { to, rd, rs1, rm } => match to {
            FpFmt::S => write!(s, "fcvt.s.d {},{}{}", f(rd), f(rs1), rm_suffix(rm)),
            FpFmt::D => write!(s, "fcvt.d.s {},{}{}", f(rd), f(rs1), exact_rm_suffix(rm)),
        },
        Insn::FMvToInt { fmt, rd, rs1 } => {
            let t = if fmt == FpFmt::S { 'w' } else { 'd' };
            write!(s, "fmv.x.{t} {},{}", x(rd), f(rs1))
        }
        Insn::FMvFromInt { fmt, rd, rs1 } => {
            let t = if fmt == FpFmt::S { 'w' } else { 'd' };
            write!(s, "fmv.{t}.x {},{}", f(rd), x(rs1))
        }
        Insn::Illegal(raw) => write!(s, ".4byte {raw:#x}"),
    };
}

fn csr_op(op: CsrOp) -> &'static str {
    match op {
        CsrOp::Rw => "w",
        CsrOp::Rs => "s",
        CsrOp::Rc => "c",
    }
}

// Appends the text of a compressed instruction: the c. mnemonic comes from
// the halfword, the operands from its expansion.
fn compressed(s: &mut String, h: u16, insn: &Insn, pc: u64) {
    let target = |imm: i32| pc.wrapping_add(imm as i64 as u64);
    let funct3 = h >> 13;
    let _ = match (h & 3, funct3, *insn) {
        (_, _, Insn::Illegal(0)) => write!(s, "c.unimp"),
        (_, _, Insn::Illegal(raw)) => write!(s, ".2byte {raw:#x}"),
        (_, _, Insn::Ebreak) => write!(s, "c.ebreak"),
        (0, 0, Insn::OpImm { rd, imm, .. }) => write!(s, "c.addi4spn {},sp,{imm}", x(rd)),
        (
            _,
            _,
            Insn::Load {
                width,
                rd,
                rs1,
                imm,
                ..
            },
        ) => {
            let sp = if h & 3 == 2 { "sp" } else { "" };
            write!(
                s,
                "c.l{}{sp} {},{imm}({})",
                width_char(width),
                x(rd),
                x(rs1)
            )
        }
        (
            _,
            _,
            Insn::Store {
                width,
                rs1,
                rs2,
                imm,
            },
        ) => {
            let sp = if h & 3 == 2 { "sp" } else { "" };
            write!(
                s,
                "c.s{}{sp} {},{imm}({})",
                width_char(width),
                x(rs2),
                x(rs1)
            )
        }
        (_, _, Insn::FLoad { rd, rs1, imm, .. }) => {
            let sp = if h & 3 == 2 { "sp" } else { "" };
            write!(s, "c.fld{sp} {},{imm}({})", f(rd), x(rs1))
        }
        (_, _, Insn::FStore { rs1, rs2, imm, .. }) => {
            let sp = if h & 3 == 2 { "sp" } else { "" };
            write!(s, "c.fsd{sp} {},{imm}({})", f(rs2), x(rs1))
        }
        (1, 0, Insn::OpImm { rd, imm, .. }) => write!(s, "c.addi {},{imm}", x(rd)),
        (1, 1, Insn::OpImm { rd, imm, .. }) => write!(s, "c.addiw {},{imm}", x(rd)),
        (1, 2, Insn::OpImm { rd, imm, .. }) => write!(s, "c.li {},{imm}", x(rd)),
        (1, 3, Insn::OpImm { imm, .. }) => write!(s, "c.addi16sp sp,{imm}"),
        (_, _, Insn::Lui { rd, imm }) => {
            write!(s, "c.lui {},{:#x}", x(rd), (imm as u32 >> 12) & 0xfffff)
        }
        (_, _, Insn::OpImm { op, rd, imm, .. }) => {
            let mn = match op {
                AluOp::Sll => "slli",
                AluOp::Srl => "srli",
                AluOp::Sra => "srai",
                _ => "andi",
            };
            match (op, imm) {
                (AluOp::And, _) => write!(s, "c.andi {},{imm}", x(rd)),
                (_, 0) => write!(s, "c.{mn}64 {}", x(rd)),
                _ => write!(s, "c.{mn} {},{imm:#x}", x(rd)),
            }
        }
        (
            _,
            _,
            Insn::Op {
                op,
                w,
                rd,
                rs1,
                rs2,
            },
        ) => {
            let mn = match (op, w, rs1) {
                (AluOp::Add, false, 0) if h & 0x1000 == 0 => "mv",
                _ => alu_name(op),
            };
            let w = if w { "w" } else { "" };
            write!(s, "c.{mn}{w} {},{}", x(rd), x(rs2))
        }
        (_, _, Insn::Jalr { rd: 0, rs1, .. }) => write!(s, "c.jr {}", x(rs1)),
        (_, _, Insn::Jalr { rs1, .. }) => write!(s, "c.jalr {}", x(rs1)),
        (_, _, Insn::Jal { imm, .. }) => write!(s, "c.j {:#x}", target(imm)),
        (_, _, Insn::Branch { cond, rs1, imm, .. }) => {
            let mn = if cond == Cond::Eq { "c.beqz" } else { "c.bnez" };
            write!(s, "{mn} {},{:#x}", x(rs1), target(imm))
        }
        _ => write!(s, ".2byte {h:#x}"),
    };
}

// Appends the name of CSR `csr` as binutils knows it, or its number in hex.
fn csr_name(s: &mut String, csr: u16) -> core::fmt::Result {
    let n = csr & 0x1f;
    // Numbered families: counters, HPM events and PMP registers.
    match csr {
        0xc03..=0xc1f => return write!(s, "hpmcounter{n}"),
        0xc83..=0xc9f => return write!(s, "hpmcounter{n}h"),
        0xb03..=0xb1f => return write!(s, "mhpmcounter{n}"),
        0xb83..=0xb9f => return write!(s, "mhpmcounter{n}h"),
        0x323..=0x33f => return write!(s, "mhpmevent{n}"),
        0x723..=0x73f => return write!(s, "mhpmevent{n}h"),
        0x3a0..=0x3af => return write!(s, "pmpcfg{}", csr - 0x3a0),
        0x3b0..=0x3ef => return write!(s, "pmpaddr{}", csr - 0x3b0),
        _ => {}
    }
    let name = match csr {
        // Unprivileged: floating point, vector, entropy, counters.
        0x001 => "fflags",
        0x002 => "frm",
        0x003 => "fcsr",
        0x008 => "vstart",
        0x009 => "vxsat",
        0x00a => "vxrm",
        0x00f => "vcsr",
        0x015 => "seed",
        0xc00 => "cycle",
        0xc01 => "time",
        0xc02 => "instret",
        0xc20 => "vl",
        0xc21 => "vtype",
        0xc22 => "vlenb",
        0xc80 => "cycleh",
        0xc81 => "timeh",
        0xc82 => "instreth",
        // Supervisor.
        0x100 => "sstatus",
        0x104 => "sie",
        0x105 => "stvec",
        0x106 => "scounteren",
        0x10a => "senvcfg",
        0x10c => "sstateen0",
        0x10d => "sstateen1",
        0x10e => "sstateen2",
        0x10f => "sstateen3",
        0x114 => "sieh",
        0x140 => "sscratch",
        0x141 => "sepc",
        0x142 => "scause",
        0x143 => "stval",
        0x144 => "sip",
        0x14d => "stimecmp",
        0x150 => "siselect",
        0x151 => "sireg",
        0x154 => "siph",
        0x15c => "stopei",
        0x15d => "stimecmph",
        0x180 => "satp",
        0x5a8 => "scontext",
        0xda0 => "scountovf",
        0xdb0 => "stopi",
        // Virtual supervisor.
        0x200 => "vsstatus",
        0x204 => "vsie",
        0x205 => "vstvec",
        0x214 => "vsieh",
        0x240 => "vsscratch",
        0x241 => "vsepc",
        0x242 => "vscause",
        0x243 => "vstval",
        0x244 => "vsip",
        0x24d => "vstimecmp",
        0x250 => "vsiselect",
        0x251 => "vsireg",
        0x254 => "vsiph",
        0x25c => "vstopei",
        0x25d => "vstimecmph",
        0x280 => "vsatp",
        0xeb0 => "vstopi",
        // Hypervisor.
        0x600 => "hstatus",
        0x602 => "hedeleg",
        0x603 => "hideleg",
        0x604 => "hie",
        0x605 => "htimedelta",
        0x606 => "hcounteren",
        0x607 => "hgeie",
        0x608 => "hvien",
        0x609 => "hvictl",
        0x60a => "henvcfg",
        0x60c => "hstateen0",
        0x60d => "hstateen1",
        0x60e => "hstateen2",
        0x60f => "hstateen3",
        0x613 => "hidelegh",
        0x615 => "htimedeltah",
        0x618 => "hvienh",
        0x61a => "henvcfgh",
        0x61c => "hstateen0h",
        0x61d => "hstateen1h",
        0x61e => "hstateen2h",
        0x61f => "hstateen3h",
        0x643 => "htval",
        0x644 => "hip",
        0x645 => "hvip",
        0x646 => "hviprio1",
        0x647 => "hviprio2",
        0x64a => "htinst",
        0x655 => "hviph",
        0x656 => "hviprio1h",
        0x657 => "hviprio2h",
        0x680 => "hgatp",
        0x6a8 => "hcontext",
        0xe12 => "hgeip",
        // Machine.
        0x300 => "mstatus",
        0x301 => "misa",
        0x302 => "medeleg",
        0x303 => "mideleg",
        0x304 => "mie",
        0x305 => "mtvec",
        0x306 => "mcounteren",
        0x308 => "mvien",
        0x309 => "mvip",
        0x30a => "menvcfg",
        0x30c => "mstateen0",
        0x30d => "mstateen1",
        0x30e => "mstateen2",
        0x30f => "mstateen3",
        0x310 => "mstatush",
        0x313 => "midelegh",
        0x314 => "mieh",
        0x318 => "mvienh",
        0x319 => "mviph",
        0x31a => "menvcfgh",
        0x31c => "mstateen0h",
        0x31d => "mstateen1h",
        0x31e => "mstateen2h",
        0x31f => "mstateen3h",
        0x320 => "mcountinhibit",
        0x340 => "mscratch",
        0x341 => "mepc",
        0x342 => "mcause",
        0x343 => "mtval",
        0x344 => "mip",
        0x34a => "mtinst",
        0x34b => "mtval2",
        0x350 => "miselect",
        0x351 => "mireg",
        0x354 => "miph",
        0x35c => "mtopei",
        0x747 => "mseccfg",
        0x757 => "mseccfgh",
        0xb00 => "mcycle",
        0xb02 => "minstret",
        0xb80 => "mcycleh",
        0xb82 => "minstreth",
        0xf11 => "mvendorid",
        0xf12 => "marchid",
        0xf13 => "mimpid",
        0xf14 => "mhartid",
        0xf15 => "mconfigptr",
        0xfb0 => "mtopi",
        // Debug and trigger.
        0x7a0 => "tselect",
        0x7a1 => "tdata1",
        0x7a2 => "tdata2",
        0x7a3 => "tdata3",
        0x7a4 => "tinfo",
        0x7a5 => "tcontrol",
        0x7a8 => "mcontext",
        0x7aa => "mscontext",
        0x7b0 => "dcsr",
        0x7b1 => "dpc",
        0x7b2 => "dscratch0",
        0x7b3 => "dscratch1",
        _ => return write!(s, "{csr:#x}"),
    };
    s.push_str(name);
    Ok(())
}

#[cfg(test)]
#[path = "disasm_tests.rs"]
mod tests;
