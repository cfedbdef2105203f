//! ALU edge cases and F/D gating, NaN-boxing and rounding-mode checks.

use super::*;
use crate::hart::csr::{FRM, MSTATUS, MSTATUS_FS, MSTATUS_SD, MTVEC};
use crate::hart::insn::AmoOp;
use crate::hart::tests::{load, setup, BASE, SPIN};

const MIN: u64 = 1 << 63;
const NEG1: u64 = u64::MAX;

#[test]
fn division_edge_cases() {
    assert_eq!(alu(AluOp::Div, 7, 0), NEG1);
    assert_eq!(alu(AluOp::Divu, 7, 0), NEG1);
    assert_eq!(alu(AluOp::Rem, 7, 0), 7);
    assert_eq!(alu(AluOp::Remu, 7, 0), 7);
    assert_eq!(alu(AluOp::Div, MIN, NEG1), MIN);
    assert_eq!(alu(AluOp::Rem, MIN, NEG1), 0);
    assert_eq!(alu(AluOp::Div, (-7i64) as u64, 2), (-3i64) as u64);
    assert_eq!(alu(AluOp::Rem, (-7i64) as u64, 2), NEG1);
    // W forms: 32-bit semantics, sign-extended results.
    assert_eq!(alu_w(AluOp::Div, 7, 0), NEG1);
    assert_eq!(alu_w(AluOp::Divu, 7, 0), NEG1);
    assert_eq!(alu_w(AluOp::Remu, 0x1_0000_0007, 0), 7);
    assert_eq!(alu_w(AluOp::Div, 0x8000_0000, NEG1), 0xffff_ffff_8000_0000);
    assert_eq!(alu_w(AluOp::Rem, 0x8000_0000, NEG1), 0);
    assert_eq!(alu_w(AluOp::Divu, 0xffff_fffe, 1), NEG1 - 1);
}

#[test]
fn shifts_and_w_forms() {
    assert_eq!(alu(AluOp::Sll, 1, 63), MIN);
    assert_eq!(alu(AluOp::Sll, 1, 64), 1);
    assert_eq!(alu(AluOp::Srl, MIN, 63), 1);
    assert_eq!(alu(AluOp::Sra, MIN, 63), NEG1);
    assert_eq!(alu_w(AluOp::Sll, 1, 31), 0xffff_ffff_8000_0000);
    assert_eq!(alu_w(AluOp::Sll, 1, 32), 1);
    assert_eq!(alu_w(AluOp::Srl, 0xffff_ffff_8000_0000, 31), 1);
    assert_eq!(alu_w(AluOp::Srl, 0x8000_0000, 0), 0xffff_ffff_8000_0000);
    assert_eq!(alu_w(AluOp::Sra, 0x8000_0000, 31), NEG1);
    assert_eq!(alu_w(AluOp::Add, 0x7fff_ffff, 1), 0xffff_ffff_8000_0000);
    assert_eq!(alu_w(AluOp::Sub, 0, 1), NEG1);
    assert_eq!(alu_w(AluOp::Mul, 0x10000, 0x10000), 0);
}

#[test]
fn multiply_high_and_compares() {
    assert_eq!(alu(AluOp::Mulh, NEG1, NEG1), 0);
    assert_eq!(alu(AluOp::Mulhu, NEG1, NEG1), NEG1 - 1);
    assert_eq!(alu(AluOp::Mulhsu, NEG1, NEG1), NEG1);
    assert_eq!(alu(AluOp::Mulh, MIN, MIN), 1 << 62);
    assert_eq!(alu(AluOp::Slt, NEG1, 0), 1);
    assert_eq!(alu(AluOp::Sltu, NEG1, 0), 0);
    assert!(branch_taken(Cond::Lt, NEG1, 0));
    assert!(!branch_taken(Cond::Ltu, NEG1, 0));
    assert!(branch_taken(Cond::Geu, NEG1, 0));
    assert_eq!(sign_extend(0x80, 1), 0xffff_ffff_ffff_ff80);
    assert_eq!(sign_extend(0x7fff, 2), 0x7fff);
}

#[test]
fn amo_arithmetic() {
    use crate::hart::execute_mem::amo_result;
    assert_eq!(amo_result(AmoOp::Min, true, 0xffff_fffd, 7), 0xffff_fffd);
    assert_eq!(amo_result(AmoOp::Minu, true, 0xffff_fffd, 7), 7);
    assert_eq!(amo_result(AmoOp::Max, false, NEG1, 1), 1);
    assert_eq!(amo_result(AmoOp::Maxu, false, NEG1, 1), NEG1);
    assert_eq!(amo_result(AmoOp::Xor, false, 0b1100, 0b1010), 0b0110);
}

#[test]
fn fp_is_illegal_while_fs_is_off() {
    // fmv.w.x fa1,a0; csrr a0,fflags
    let (mut h, mut bus) = setup(&[0xf00505d3, 0x00102573]);
    h.csr_write(MTVEC, BASE + 0x100);
    load(&mut bus, BASE + 0x100, &[SPIN]);
    h.run(&mut bus, 1);
    assert_eq!((h.csr.mcause, h.csr.mtval), (2, 0xf00505d3));
    h.pc = BASE + 4;
    h.run(&mut bus, 1);
    assert_eq!((h.csr.mcause, h.csr.mtval), (2, 0x00102573));
}

#[test]
fn moves_nan_box_and_mark_dirty() {
    // flw fa0,0(a1); fmv.x.w a0,fa0; fmv.w.x fa1,a0; fsw fa0,4(a1); fmv.x.d a2,fa1
    let prog = [0x0005a507, 0xe0050553, 0xf00505d3, 0x00a5a227, 0xe2058653];
    let (mut h, mut bus) = setup(&prog);
    h.csr_write(MSTATUS, 1 << 13);
    bus.ram.data[0x800..0x804].copy_from_slice(&0xbf80_0000u32.to_le_bytes());
    h.x[11] = BASE + 0x800;
    h.run(&mut bus, 5);
    assert_eq!(h.f[10], 0xffff_ffff_bf80_0000);
    assert_eq!(h.x[10], 0xffff_ffff_bf80_0000, "FMV.X.W sign-extends");
    assert_eq!(h.f[11], 0xffff_ffff_bf80_0000);
    assert_eq!(bus.read(BASE + 0x804, 4), Ok(0xbf80_0000));
    assert_eq!(h.x[12], 0xffff_ffff_bf80_0000);
    let m = h.csr_value(MSTATUS).unwrap();
    assert_eq!((m & MSTATUS_FS, m & MSTATUS_SD), (MSTATUS_FS, MSTATUS_SD));
}

#[test]
fn reserved_rounding_modes_are_illegal() {
    // fadd.s fa2,fa0,fa1 with rm 5, 6, and 7 (dynamic) while frm = 5..7.
    let (mut h, mut bus) = setup(&[0x00b55653, 0x00b56653, 0x00b57653]);
    h.csr_write(MTVEC, BASE + 0x100);
    load(&mut bus, BASE + 0x100, &[SPIN]);
    h.csr_write(MSTATUS, 1 << 13);
    for (pc, raw) in [(BASE, 0x00b55653), (BASE + 4, 0x00b56653)] {
        h.pc = pc;
        h.run(&mut bus, 1);
        assert_eq!((h.csr.mcause, h.csr.mtval, h.csr.mepc), (2, raw, pc));
    }
    for frm in 5..8 {
        h.csr_write(FRM, frm);
        h.pc = BASE + 8;
        h.run(&mut bus, 1);
        assert_eq!((h.csr.mcause, h.csr.mepc), (2, BASE + 8));
    }
    assert_eq!(h.f[12], 0, "nothing written");
}
