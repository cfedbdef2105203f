//! Tests of the run loop, traps, interrupts, WFI and memory through tiny programs.

use super::csr::*;
use super::*;
use crate::bus::{Device, Fault, Ram};

pub(crate) const BASE: u64 = 0x8000_0000;
pub(crate) const NOP: u32 = 0x00000013;
pub(crate) const ECALL: u32 = 0x00000073;
pub(crate) const MRET: u32 = 0x30200073;
pub(crate) const SRET: u32 = 0x10200073;
pub(crate) const WFI: u32 = 0x10500073;
/// jal x0, . (spin)
pub(crate) const SPIN: u32 = 0x0000006f;
const DEV: u64 = 0x1000_0000;

/// A device register that remembers the last write.
pub(crate) struct Reg(pub u64);
impl Device for Reg {
    fn read(&mut self, _offset: u64, _size: u8) -> Result<u64, Fault> {
        Ok(self.0)
    }
    fn write(&mut self, _offset: u64, _size: u8, val: u64) -> Result<(), Fault> {
        self.0 = val;
        Ok(())
    }
}

/// Read-only memory as a device, like the boot ROM.
struct Rom(Vec<u8>);
impl Device for Rom {
    fn read(&mut self, offset: u64, size: u8) -> Result<u64, Fault> {
        let o = offset as usize;
        let b = self.0.get(o..o + size as usize).ok_or(Fault)?;
        Ok(b.iter().rev().fold(0, |v, &x| v << 8 | x as u64))
    }
    fn write(&mut self, _offset: u64, _size: u8, _val: u64) -> Result<(), Fault> {
        Ok(())
    }
}

/// Writes `words` at physical `pa`.
pub(crate) fn load(bus: &mut Bus, pa: u64, words: &[u32]) {
    for (i, w) in words.iter().enumerate() {
        let s = bus.ram.slice_mut(pa + 4 * i as u64, 4).expect("in RAM");
        s.copy_from_slice(&w.to_le_bytes());
    }
}

/// A hart at BASE in M-mode over 4 MiB of RAM holding `prog`, and a `Reg` at DEV.
pub(crate) fn setup(prog: &[u32]) -> (Hart, Bus) {
    let mut bus = Bus::new(Ram::new(BASE, 4 << 20));
    bus.insert("reg", DEV, 0x100, Box::new(Reg(0))).unwrap();
    load(&mut bus, BASE, prog);
    let mut h = Hart::new(0);
    h.reset_to(BASE, 0, 0, 0);
    (h, bus)
}

fn mpp(h: &Hart) -> u64 {
    (h.csr.mstatus & MSTATUS_MPP) >> 11
}

#[test]
fn reset_state_matches_qemu_virt() {
    let mut h = Hart::new(2);
    assert_eq!((h.pc, h.prv()), (0x1000, PRV_M));
    assert_eq!(h.csr_read_debug(MSTATUS), Some(0x0000_000a_0000_0000));
    assert_eq!(h.csr_read_debug(MISA), Some(0x8000_0000_0014_112d));
    assert_eq!(h.csr_read_debug(MHARTID), Some(2));
    assert_eq!(h.csr_read_debug(0x7c0), None);
    h.reset_to(BASE, 2, 0x87e0_0000, 0x1028);
    assert_eq!(
        (h.pc, h.x[10], h.x[11], h.x[12]),
        (BASE, 2, 0x87e0_0000, 0x1028)
    );
    assert_eq!(h.csr_read_debug(MTVEC), Some(0));
    assert_eq!(h.csr_read_debug(MINSTRET), Some(0));
}

#[test]
fn budget_is_exact_even_mid_block() {
    // addi x1,x0,1; addi x2,x1,2; addi x3,x2,3; addi x4,x3,4; spin
    let (mut h, mut bus) = setup(&[0x00100093, 0x00208113, 0x00310193, 0x00418213, SPIN]);
    assert_eq!(h.run(&mut bus, 3), Exit::Budget);
    assert_eq!((h.instret(), h.pc), (3, BASE + 12));
    assert_eq!((h.x[3], h.x[4]), (6, 0));
    assert_eq!(h.run(&mut bus, 10), Exit::Budget);
    assert_eq!((h.instret(), h.pc, h.x[4]), (13, BASE + 16, 10));
    assert_eq!(h.csr_read_debug(MINSTRET), Some(13));
}

#[test]
fn a_budget_cut_leaves_the_cached_block_as_it_was() {
    let (mut h, mut bus) = setup(&[0x00100093, 0x00208113, 0x00310193, 0x00418213, SPIN]);
    let before = h
        .blocks
        .get(&mut bus.ram, BASE)
        .map(|(s, l)| h.blocks.ops[s..=s + l].to_vec());
    assert!(before.as_ref().is_some_and(|ops| ops.len() == 6));
    assert_eq!(h.run(&mut bus, 2), Exit::Budget);
    let after = h
        .blocks
        .get(&mut bus.ram, BASE)
        .map(|(s, l)| h.blocks.ops[s..=s + l].to_vec());
    assert_eq!(before, after);
    assert_eq!((h.instret(), h.pc, h.x[2]), (2, BASE + 8, 3));
}

#[test]
fn a_loop_runs_through_its_link_and_a_csr_read_stays_in_the_block() {
    // addi x1,x0,100; loop: csrr x5,mhartid; addi x1,x1,-1; bnez x1,loop; spin
    let (mut h, mut bus) = setup(&[0x06400093, 0xf14022f3, 0xfff08093, 0xfe009ce3, SPIN]);
    assert_eq!(h.run(&mut bus, 1 + 3 * 100), Exit::Budget);
    assert_eq!((h.x[1], h.pc, h.instret()), (0, BASE + 16, 301));
    // Two blocks decoded (from BASE, and the loop from BASE + 4, whose
    // branch links to its own block); the run loop looked the loop up
    // once more, to run its last pass, cut short by the budget.
    assert_eq!(h.block_stats(), (1, 2));
    let (s, l) = h.blocks.get(&mut bus.ram, BASE + 4).unwrap();
    assert_eq!(l, 4);
    assert_eq!(h.blocks.ops[s + 2].kind, uop::Kind::Bne);
    assert_eq!(h.blocks.ops[s + 2].link, uop::link(s, l));
}

#[test]
fn ecall_traps_to_mtvec() {
    let (mut h, mut bus) = setup(&[NOP, ECALL]);
    h.csr_write(MTVEC, BASE + 0x100);
    h.csr_write(MTVAL, 0x55);
    assert_eq!(h.run(&mut bus, 2), Exit::Budget);
    assert_eq!((h.pc, h.prv(), h.instret()), (BASE + 0x100, PRV_M, 1));
    assert_eq!(h.csr.mcause, 11);
    assert_eq!(h.csr.mepc, BASE + 4);
    assert_eq!(h.csr.mtval, 0);
    assert_eq!(mpp(&h), 3);
    assert_eq!(h.stats.exceptions[11], 1);
}

#[test]
fn illegal_and_ebreak_tvals() {
    let (mut h, mut bus) = setup(&[0xffff_ffff, 0x0010_0073, 0x0000_0004]);
    h.csr_write(MTVEC, BASE + 0x100);
    load(&mut bus, BASE + 0x100, &[SPIN]);
    h.run(&mut bus, 1);
    assert_eq!((h.csr.mcause, h.csr.mtval), (2, 0xffff_ffff));
    h.pc = BASE + 4;
    h.run(&mut bus, 1);
    assert_eq!(
        (h.csr.mcause, h.csr.mtval, h.csr.mepc),
        (3, BASE + 4, BASE + 4)
    );
    // A reserved compressed encoding (c.addi4spn with zero immediate): 16 bits of tval.
    h.pc = BASE + 8;
    h.run(&mut bus, 1);
    assert_eq!((h.csr.mcause, h.csr.mtval), (2, 0x0004));
    // A CSR write to a read-only CSR.
    load(&mut bus, BASE + 12, &[0xf1409073]);
    h.pc = BASE + 12;
    h.run(&mut bus, 1);
    assert_eq!((h.csr.mcause, h.csr.mtval), (2, 0xf1409073));
}

/// Drops to privilege `prv` at `pc` through MRET (at BASE).
fn enter(h: &mut Hart, bus: &mut Bus, prv: u8, pc: u64) {
    load(bus, BASE, &[MRET]);
    h.pc = BASE;
    h.csr.mstatus = (h.csr.mstatus & !MSTATUS_MPP) | (prv as u64) << 11;
    h.csr.mepc = pc;
    assert_eq!(h.run(bus, 1), Exit::Budget);
    assert_eq!((h.prv(), h.pc), (prv, pc));
}

#[test]
fn ecall_from_u_is_delegated_to_s() {
    let (mut h, mut bus) = setup(&[]);
    load(&mut bus, BASE + 0x10, &[ECALL]);
    h.csr_write(MEDELEG, 1 << 8);
    h.csr_write(STVEC, BASE + 0x200);
    h.csr_write(MTVEC, BASE + 0x300);
    h.csr.mstatus |= MSTATUS_SIE;
    enter(&mut h, &mut bus, PRV_U, BASE + 0x10);
    h.run(&mut bus, 1);
    assert_eq!((h.prv(), h.pc), (PRV_S, BASE + 0x200));
    assert_eq!((h.csr.scause, h.csr.sepc, h.csr.stval), (8, BASE + 0x10, 0));
    let st = h.csr.mstatus;
    assert_eq!(
        st & (MSTATUS_SPP | MSTATUS_SIE | MSTATUS_SPIE),
        MSTATUS_SPIE
    );
    // From S, ecall (cause 9) is not delegated: it goes to M with MPP = S.
    load(&mut bus, BASE + 0x200, &[ECALL]);
    h.run(&mut bus, 1);
    assert_eq!((h.prv(), h.pc, h.csr.mcause), (PRV_M, BASE + 0x300, 9));
    assert_eq!((mpp(&h), h.csr.mepc), (1, BASE + 0x200));
    // M-mode traps are never delegated.
    h.csr_write(MEDELEG, 0xffff);
    assert_eq!(h.csr.medeleg, 0xb3ff);
    load(&mut bus, BASE + 0x300, &[ECALL]);
    h.run(&mut bus, 1);
    assert_eq!((h.prv(), h.csr.mcause), (PRV_M, 11));
}

#[test]
fn mret_and_sret_restore_state() {
    let (mut h, mut bus) = setup(&[]);
    h.csr.mstatus |= MSTATUS_MPIE | MSTATUS_MPRV;
    enter(&mut h, &mut bus, PRV_S, BASE + 0x40);
    let st = h.csr.mstatus;
    assert_eq!(
        st & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPRV | MSTATUS_MPP),
        MSTATUS_MIE | MSTATUS_MPIE
    );
    // SRET from S to U: SIE = SPIE, SPIE = 1, SPP = U.
    h.csr.mstatus |= MSTATUS_SPIE;
    h.csr.sepc = BASE + 0x80;
    load(&mut bus, BASE + 0x40, &[SRET]);
    h.run(&mut bus, 1);
    assert_eq!((h.prv(), h.pc), (PRV_U, BASE + 0x80));
    assert_eq!(
        h.csr.mstatus & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP),
        MSTATUS_SIE | MSTATUS_SPIE
    );
    // SRET and MRET are illegal in U.
    h.csr.mtvec = BASE + 0x300;
    load(&mut bus, BASE + 0x80, &[SRET, MRET]);
    h.run(&mut bus, 1);
    assert_eq!(
        (h.csr.mcause, h.csr.mtval, h.prv()),
        (2, SRET as u64, PRV_M)
    );
}

#[test]
fn tsr_tw_and_tvm_trap_in_s() {
    let (mut h, mut bus) = setup(&[]);
    h.csr.mtvec = BASE + 0x300;
    h.csr.mstatus |= MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM;
    // sret, wfi, sfence.vma, csrr a0,satp: each illegal in S.
    for (i, insn) in [SRET, WFI, 0x1200_0073, 0x1800_2573]
        .into_iter()
        .enumerate()
    {
        let pc = BASE + 0x40 + 4 * i as u64;
        load(&mut bus, pc, &[insn]);
        enter(&mut h, &mut bus, PRV_S, pc);
        h.run(&mut bus, 1);
        assert_eq!(
            (h.csr.mcause, h.csr.mtval, h.csr.mepc),
            (2, insn as u64, pc),
            "{insn:#x}"
        );
    }
    // WFI in U is illegal even without TW.
    h.csr.mstatus &= !MSTATUS_TW;
    load(&mut bus, BASE + 0x60, &[WFI]);
    enter(&mut h, &mut bus, PRV_U, BASE + 0x60);
    h.run(&mut bus, 1);
    assert_eq!(h.csr.mcause, 2);
}

#[test]
fn interrupt_priority_and_vectoring() {
    let (mut h, mut bus) = setup(&[SPIN]);
    h.csr_write(MTVEC, (BASE + 0x100) | 1);
    load(&mut bus, BASE + 0x100, &[SPIN; 16]);
    h.csr_write(MIE, 0xaaa);
    h.csr.mstatus |= MSTATUS_MIE;
    h.set_irq(MIP_MTIP | MIP_MSIP | MIP_MEIP, true);
    h.csr_write(MIP, MIP_SSIP | MIP_STIP);
    let expect = [11, 3, 7, 1, 5];
    let clear = [MIP_MEIP, MIP_MSIP, MIP_MTIP, MIP_SSIP, MIP_STIP];
    for (cause, bit) in expect.into_iter().zip(clear) {
        h.pc = BASE;
        h.csr.mstatus |= MSTATUS_MIE;
        h.run(&mut bus, 1);
        assert_eq!(h.csr.mcause, 1 << 63 | cause);
        assert_eq!(h.pc, BASE + 0x100 + 4 * cause, "vectored");
        assert_eq!(h.csr.mepc, BASE);
        if bit & (MIP_SSIP | MIP_STIP) != 0 {
            h.csr.mip &= !bit;
        } else {
            h.set_irq(bit, false);
        }
    }
    assert_eq!(h.stats.interrupts[7], 1);
}

#[test]
fn interrupts_respect_privilege_and_delegation() {
    let (mut h, mut bus) = setup(&[]);
    load(&mut bus, BASE + 0x40, &[SPIN]);
    h.csr_write(MTVEC, BASE + 0x100);
    h.csr_write(STVEC, BASE + 0x200);
    load(&mut bus, BASE + 0x100, &[SPIN]);
    load(&mut bus, BASE + 0x200, &[SPIN]);
    h.csr_write(MIE, MIP_STIP | MIP_MTIP | MIP_SEIP);
    h.csr_write(MIDELEG, MIP_STIP | MIP_SEIP);
    // In M, a delegated S interrupt is never taken.
    h.csr.mstatus |= MSTATUS_MIE | MSTATUS_SIE;
    h.csr_write(MIP, MIP_STIP);
    h.pc = BASE + 0x40;
    h.run(&mut bus, 2);
    assert_eq!(h.pc, BASE + 0x40);
    // In U, it is taken into S even with SIE clear.
    h.csr.mstatus &= !(MSTATUS_SIE | MSTATUS_MIE);
    enter(&mut h, &mut bus, PRV_U, BASE + 0x40);
    h.run(&mut bus, 1);
    assert_eq!(
        (h.prv(), h.pc, h.csr.scause),
        (PRV_S, BASE + 0x200, 1 << 63 | 5)
    );
    assert_eq!(h.csr.sepc, BASE + 0x40);
    // In S with SIE clear, S interrupts wait; an M interrupt is taken (MIE ignored below M).
    h.set_irq(MIP_SEIP, true);
    h.run(&mut bus, 1);
    assert_eq!((h.prv(), h.pc), (PRV_S, BASE + 0x200));
    h.set_irq(MIP_MTIP, true);
    h.run(&mut bus, 1);
    assert_eq!(
        (h.prv(), h.pc, h.csr.mcause),
        (PRV_M, BASE + 0x100, 1 << 63 | 7)
    );
    assert_eq!(mpp(&h), 1);
}

#[test]
fn csr_write_enabling_interrupts_ends_the_block() {
    // csrrsi x0,mstatus,8; addi x1,x0,1
    let (mut h, mut bus) = setup(&[0x30046073, 0x00100093]);
    h.csr_write(MTVEC, BASE + 0x100);
    load(&mut bus, BASE + 0x100, &[SPIN]);
    h.csr_write(MIE, MIP_MTIP);
    h.set_irq(MIP_MTIP, true);
    h.run(&mut bus, 2);
    assert_eq!((h.x[1], h.csr.mepc, h.pc), (0, BASE + 4, BASE + 0x100));
}

#[test]
fn sstatus_write_enabling_interrupts_ends_the_block_in_s_mode() {
    // At BASE + 0x40, in S: csrr x2,sstatus; csrsi sstatus,2 (SIE);
    // addi x1,x0,1. STIP is pending, enabled and delegated.
    let (mut h, mut bus) = setup(&[]);
    load(&mut bus, BASE + 0x40, &[0x10002173, 0x10016073, 0x00100093]);
    h.csr_write(STVEC, BASE + 0x200);
    load(&mut bus, BASE + 0x200, &[SPIN]);
    h.csr_write(MIE, MIP_STIP);
    h.csr_write(MIDELEG, MIP_STIP);
    h.csr_write(MIP, MIP_STIP);
    enter(&mut h, &mut bus, PRV_S, BASE + 0x40);
    h.run(&mut bus, 3);
    // The read saw SIE clear; the interrupt came right after the write.
    assert_eq!(h.x[2] & 2, 0);
    assert_eq!((h.x[1], h.csr.sepc, h.pc), (0, BASE + 0x48, BASE + 0x200));
    assert_eq!(h.csr.scause, 1 << 63 | 5);
}

#[test]
fn an_amo_into_the_running_block_ends_the_run_and_the_new_code_runs() {
    // auipc x1,0; addi x1,x1,20; lui x2,0x100; sw x0,8(x1) (a store into
    // the page, which puts it in the TLB and ends the run);
    // amoadd.w x0,x2,(x1), a TLB hit; addi x3,x0,1 (which the AMO turns
    // into addi x3,x0,2); spin; a data word.
    let (mut h, mut bus) = setup(&[
        0x00000097, 0x01408093, 0x00100137, 0x0000a423, 0x0020a02f, 0x00100193, SPIN, 0,
    ]);
    h.run(&mut bus, 6);
    assert_eq!((h.x[3], h.pc), (2, BASE + 24));
}

#[test]
fn a_store_into_the_running_block_ends_the_run_and_the_new_code_runs() {
    // auipc x1,0; addi x1,x1,24; x2 = 0x00200193 (addi x3,x0,2);
    // sw x0,8(x1) (puts the page in the TLB, ends the run); sw x2,0(x1), a
    // TLB hit rewriting the next instruction, addi x3,x0,1; spin; data.
    let (mut h, mut bus) = setup(&[
        0x00000097, 0x01808093, 0x00200137, 0x19310113, 0x0000a423, 0x0020a023, 0x00100193, SPIN, 0,
    ]);
    h.run(&mut bus, 7);
    assert_eq!((h.x[3], h.pc), (2, BASE + 28));
}

#[test]
fn a_store_through_an_entry_filled_before_its_page_held_code_is_seen() {
    // At BASE: sw x0,0x100(x5) (puts page P = x5 in the TLB, writable,
    // while it holds no code); jalr x0,0(x5). At P: sw x2,8(x5), which
    // rewrites addi x3,x0,1 into addi x3,x0,2; nop; addi x3,x0,1; spin.
    let (mut h, mut bus) = setup(&[0x1002a023, 0x00028067]);
    let p = BASE + 0x1000;
    load(&mut bus, p, &[0x0022a423, NOP, 0x00100193, SPIN]);
    (h.x[2], h.x[5]) = (0x00200193, p);
    h.run(&mut bus, 5);
    assert_eq!((h.x[3], h.pc), (2, p + 12));
}

#[test]
fn a_store_through_an_entry_another_hart_filled_before_code_is_seen() {
    // Hart 1 at BASE: sw x0,0x100(x5), putting page P in its TLB; then
    // sw x2,8(x5), rewriting P's addi x3,x0,1 into addi x3,x0,2. Hart 0
    // at P: nop; nop; addi x3,x0,1; jal x0,P.
    let (mut h0, mut bus) = setup(&[0x1002a023, 0x0022a423, SPIN]);
    let p = BASE + 0x1000;
    load(&mut bus, p, &[NOP, NOP, 0x00100193, 0xff5ff06f]);
    let mut h1 = Hart::new(1);
    h1.reset_to(BASE, 1, 0, 0);
    (h1.x[2], h1.x[5]) = (0x00200193, p);
    h1.run(&mut bus, 1);
    // Hart 0 makes P a page of cached code, then hart 1 writes it.
    h0.pc = p;
    h0.run(&mut bus, 4);
    assert_eq!((h0.x[3], h0.pc), (1, p));
    h1.run(&mut bus, 1);
    h0.run(&mut bus, 3);
    assert_eq!((h0.x[3], h0.pc), (2, p + 12));
}

#[test]
fn a_run_of_stores_into_the_running_block_ends_the_run_and_the_new_code_runs() {
    // auipc x1,0; then one run of stores through x1 (`uop::fuse`):
    // sw x0,36(x1); sw x2,24(x1), rewriting addi x4,x0,1 into
    // addi x4,x0,2; sw x3,28(x1), rewriting addi x5,x0,1 into
    // addi x5,x0,3. Then nop; addi x4,x0,1; addi x5,x0,1; spin; data.
    let (mut h, mut bus) = setup(&[
        0x00000097, 0x0200a223, 0x0020ac23, 0x0030ae23, NOP, NOP, 0x00100213, 0x00100293, SPIN, 0,
    ]);
    (h.x[2], h.x[3]) = (0x00200213, 0x00300293);
    h.run(&mut bus, 8);
    assert_eq!((h.x[4], h.x[5], h.pc), (2, 3, BASE + 32));
}

#[test]
fn a_budget_ending_inside_a_pair_of_ops_stops_there() {
    // addi x1,x0,1; addi x2,x0,2 (one handler, `uop::fuse`); spin.
    let (mut h, mut bus) = setup(&[0x00100093, 0x00200113, SPIN]);
    assert_eq!(h.run(&mut bus, 1), Exit::Budget);
    assert_eq!((h.x[1], h.x[2], h.pc, h.instret()), (1, 0, BASE + 4, 1));
    assert_eq!(h.run(&mut bus, 2), Exit::Budget);
    assert_eq!((h.x[2], h.pc, h.instret()), (2, BASE + 8, 3));
}

#[test]
fn the_history_holds_what_ran_of_blocks_left_by_a_branch() {
    // 0: addi x1,x1,1; beq x0,x0,12 (always, from the middle of its
    // block); addi x2,x0,2 (never runs); 12: blt x1,x4,0 (x4 = 3); spin.
    let (mut h, mut bus) = setup(&[0x00108093, 0x00000463, 0x00200113, 0xfe40cae3, SPIN]);
    h.x[4] = 3;
    h.run(&mut bus, 10);
    assert_eq!(h.x[2], 0);
    let pcs: Vec<u64> = h
        .history
        .last(10, &bus.ram)
        .iter()
        .map(|e| e.pc - BASE)
        .collect();
    assert_eq!(pcs, [0, 4, 12, 0, 4, 12, 0, 4, 12, 16]);
}

#[test]
fn wfi_idles_until_an_interrupt_is_pending() {
    // wfi; addi x1,x0,1; spin
    let (mut h, mut bus) = setup(&[WFI, 0x00100093, SPIN]);
    h.csr_write(MIE, MIP_MTIP);
    assert_eq!(h.run(&mut bus, 100), Exit::Wfi);
    assert!(h.idle());
    assert_eq!((h.pc, h.instret()), (BASE + 4, 1));
    assert_eq!(h.run(&mut bus, 100), Exit::Wfi);
    assert_eq!(h.instret(), 1);
    // Pending but globally disabled (MIE = 0): the hart resumes without a trap.
    h.set_irq(MIP_MTIP, true);
    assert!(!h.idle());
    assert_eq!(h.run(&mut bus, 1), Exit::Budget);
    assert_eq!((h.x[1], h.pc), (1, BASE + 8));
    // With something pending, WFI is a nop.
    h.pc = BASE;
    assert_eq!(h.run(&mut bus, 2), Exit::Budget);
    assert_eq!(h.pc, BASE + 8);
}

#[test]
fn mmio_write_exits_and_bad_addresses_fault() {
    // sw a0,0(a1); addi x1,x0,1; lw a2,0(a1)
    let (mut h, mut bus) = setup(&[0x00a5a023, 0x00100093, 0x0005a603]);
    h.csr_write(MTVEC, BASE + 0x100);
    load(&mut bus, BASE + 0x100, &[SPIN]);
    h.x[10] = 0x1234_5678;
    h.x[11] = DEV;
    assert_eq!(h.run(&mut bus, 100), Exit::Mmio);
    assert_eq!((h.instret(), h.pc), (1, BASE + 4));
    assert_eq!(bus.device_mut::<Reg>().unwrap().0, 0x1234_5678);
    // Unmapped: store access fault 7, then load access fault 5, tval = address.
    h.x[11] = 0x2000_0000;
    h.pc = BASE;
    h.run(&mut bus, 1);
    assert_eq!(
        (h.csr.mcause, h.csr.mtval, h.csr.mepc),
        (7, 0x2000_0000, BASE)
    );
    h.pc = BASE + 8;
    h.run(&mut bus, 1);
    assert_eq!((h.csr.mcause, h.csr.mtval), (5, 0x2000_0000));
    // Fetch from nowhere: instruction access fault 1.
    h.pc = 0x3000_0000;
    h.run(&mut bus, 1);
    assert_eq!(
        (h.csr.mcause, h.csr.mtval, h.csr.mepc),
        (1, 0x3000_0000, 0x3000_0000)
    );
}

#[test]
fn fetch_from_a_device_runs_uncached() {
    // addi x1,x1,1 three times in a ROM at 0x1000.
    let (mut h, mut bus) = setup(&[]);
    let rom = [0x0010_8093u32; 3]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    bus.insert("rom", 0x1000, 0x1000, Box::new(Rom(rom)))
        .unwrap();
    h.pc = 0x1000;
    assert_eq!(h.run(&mut bus, 3), Exit::Budget);
    assert_eq!((h.x[1], h.pc), (3, 0x100c));
}

#[test]
fn store_into_cached_code_is_seen_without_fence() {
    // addi x1,x0,1; sw a0,0(a1); jal x0,.-8
    let (mut h, mut bus) = setup(&[0x00100093, 0x00a5a023, 0xff9ff06f]);
    h.x[10] = 0x00200093; // addi x1,x0,2
    h.x[11] = BASE;
    h.run(&mut bus, 4);
    assert_eq!((h.x[1], h.pc), (2, BASE + 4));
}

#[test]
fn straddling_instruction_executes() {
    let (mut h, mut bus) = setup(&[]);
    // addi x1,x0,7 split across the page boundary at BASE + 0x1000.
    bus.ram.data[0xffe..0x1002].copy_from_slice(&0x0070_0093u32.to_le_bytes());
    h.pc = BASE + 0xffe;
    h.run(&mut bus, 1);
    assert_eq!((h.x[1], h.pc), (7, BASE + 0x1002));
}

#[test]
fn misaligned_accesses_complete_across_pages() {
    // sd a0,0(a1); ld a2,0(a1); lh a3,1(a1)
    let (mut h, mut bus) = setup(&[0x00a5b023, 0x0005b603, 0x00159683]);
    h.x[10] = 0x8877_6655_4433_2211;
    h.x[11] = BASE + 0x1ffd;
    h.run(&mut bus, 3);
    assert_eq!(h.x[12], 0x8877_6655_4433_2211);
    assert_eq!(h.x[13], 0x3322);
    assert_eq!(
        bus.ram.data[0x1ffd..0x2005],
        0x8877_6655_4433_2211u64.to_le_bytes()
    );
    // Misaligned and across a device boundary: byte-wise through the bus.
    h.x[11] = DEV + 1;
    h.pc = BASE;
    assert_eq!(h.run(&mut bus, 1), Exit::Mmio);
    assert_eq!(bus.device_mut::<Reg>().unwrap().0, 0x88);
}

#[test]
fn lr_sc_and_amos() {
    // lr.w a0,(a1); sc.w a2,a3,(a1); amoadd.d a4,a3,(a1); amoswap.w a5,a3,(a1);
    // amomin.w a6,a3,(a1); amomaxu.d a7,a3,(a1)
    let prog = [
        0x1005a52f, 0x18d5a62f, 0x00d5b72f, 0x08d5a7af, 0x80d5a82f, 0xe0d5b8af,
    ];
    let (mut h, mut bus) = setup(&prog);
    let data = BASE + 0x800;
    bus.ram.data[0x800..0x808].copy_from_slice(&0xffff_fff0u64.to_le_bytes());
    h.x[11] = data;
    h.x[13] = 5;
    h.run(&mut bus, 2);
    assert_eq!((h.x[10], h.x[12]), (0xffff_ffff_ffff_fff0, 0));
    assert_eq!(bus.read(data, 8), Ok(5));
    // A dropped reservation fails SC and leaves memory alone.
    h.pc = BASE;
    h.run(&mut bus, 1);
    h.drop_reservation();
    h.x[13] = 9;
    h.run(&mut bus, 1);
    assert_eq!((h.x[12], bus.read(data, 8)), (1, Ok(5)));
    // amoadd.d: 5 + 9.
    h.run(&mut bus, 1);
    assert_eq!((h.x[14], bus.read(data, 8)), (5, Ok(14)));
    // amoswap.w of a negative word sign-extends the old value.
    bus.write(data, 8, 0x8000_0000).unwrap();
    h.x[13] = (-3i64) as u64;
    h.run(&mut bus, 1);
    assert_eq!(
        (h.x[15], bus.read(data, 8)),
        (0xffff_ffff_8000_0000, Ok(0xffff_fffd))
    );
    // amomin.w compares signed 32-bit: min(-3, 7) = -3 stays.
    h.x[13] = 7;
    h.run(&mut bus, 1);
    assert_eq!(
        (h.x[16], bus.read(data, 4)),
        ((-3i64) as u64, Ok(0xffff_fffd))
    );
    // amomaxu.d: max(0xfffffffd, 7) unsigned.
    h.run(&mut bus, 1);
    assert_eq!(bus.read(data, 8), Ok(0xffff_fffd));
}

#[test]
fn misaligned_lr_and_amo_trap() {
    let (mut h, mut bus) = setup(&[0x1005a52f, 0x00d5b72f, 0x18d5a62f]);
    h.csr_write(MTVEC, BASE + 0x100);
    h.x[11] = BASE + 0x802;
    h.run(&mut bus, 1);
    assert_eq!((h.csr.mcause, h.csr.mtval), (4, BASE + 0x802));
    h.pc = BASE + 4;
    h.run(&mut bus, 1);
    assert_eq!((h.csr.mcause, h.csr.mtval), (6, BASE + 0x802));
    h.pc = BASE + 8;
    h.run(&mut bus, 1);
    assert_eq!((h.csr.mcause, h.csr.mtval), (6, BASE + 0x802));
}

#[test]
fn counters_and_time() {
    // csrr a0,cycle; csrr a0,time; csrr a0,instret (each into a0 then moved by the test)
    let (mut h, mut bus) = setup(&[0xc0002573, 0xc0102573, 0xc0202573]);
    h.set_time(12345);
    h.run(&mut bus, 1);
    assert_eq!(h.x[10], 0);
    h.run(&mut bus, 1);
    assert_eq!(h.x[10], 12345);
    h.run(&mut bus, 1);
    assert_eq!(h.x[10], 2);
    // mcountinhibit and mhpm counters hold/ignore, cycle follows retirement.
    assert_eq!(h.csr_read_debug(MCYCLE), Some(3));
    assert_eq!(h.csr_read_debug(0xc03), Some(0));
}

#[test]
fn loads_and_jumps_into_x0_keep_x0_and_still_trap() {
    // auipc x4,0; lw x0,0(x4) twice (loads of a nonzero word from RAM,
    // the second a TLB hit); lui x1,0x10; lw x0,0(x1) (no RAM at 0x10000:
    // a load access fault); mtvec is BASE + 0x100, where jal x0 and jalr
    // x0 run.
    let (mut h, mut bus) = setup(&[
        0x00000217, 0x00022003, 0x00022003, 0x000100b7, 0x0000a003, SPIN,
    ]);
    // At BASE + 0x100: auipc x2,0; addi x2,x2,12; j +8; spin; jalr x0,0(x2).
    load(
        &mut bus,
        BASE + 0x100,
        &[0x00000117, 0x00c10113, 0x0080006f, SPIN, 0x00010067],
    );
    h.csr_write(MTVEC, BASE + 0x100);
    h.run(&mut bus, 5);
    assert_eq!(h.csr_read_debug(MCAUSE), Some(5));
    assert_eq!((h.pc, h.x[0]), (BASE + 0x100, 0));
    // j +8 skips the spin; jalr x0,0(x2) lands on it at BASE + 0x10c.
    h.run(&mut bus, 4);
    assert_eq!((h.pc, h.x[0], h.x[2]), (BASE + 0x10c, 0, BASE + 0x10c));
}

#[test]
fn a_spinning_hart_runs_its_budget_out_as_it_would_one_by_one() {
    // Spinning on a held lock: fence; amoor.w a3,a2,(a0); andi a3,a3,255;
    // bnez a3,.-12. The lock word, in another page, is 1 (held); a2 = 1.
    let (mut h, mut bus) = setup(&[0x0100000f, 0x40c526af, 0x0ff6f693, 0xfe069ae3, SPIN]);
    let lock = BASE + 0x1000;
    load(&mut bus, lock, &[1]);
    (h.x[10], h.x[12]) = (lock, 1);
    assert_eq!(h.run(&mut bus, 1001), Exit::Budget);
    assert_eq!((h.instret(), h.pc, h.x[13]), (1001, BASE + 4, 1));
    assert_eq!(h.tlb_stats(), (250, 2));
    // Released by another hart: the next iteration takes it.
    load(&mut bus, lock, &[0]);
    h.run(&mut bus, 4);
    assert_eq!((h.instret(), h.pc, h.x[13]), (1005, BASE + 16, 0));
}

#[test]
fn a_loop_changing_memory_each_time_round_is_not_skipped() {
    // amoadd.w a3,a2,(a0); bne a3,a4,.-4: counts the word up to a4 = 300.
    let (mut h, mut bus) = setup(&[0x00c526af, 0xfee69ee3, SPIN]);
    let word = BASE + 0x1000;
    (h.x[10], h.x[12], h.x[14]) = (word, 1, 300);
    h.run(&mut bus, 1000);
    let v = bus.ram.slice(word, 4).unwrap();
    assert_eq!(u32::from_le_bytes(v.try_into().unwrap()), 301);
    assert_eq!((h.x[13], h.pc), (300, BASE + 8));
    // amoadd.w x0,a2,(a0); beq x0,x0,.-4: the registers stay, the word
    // does not.
    let (mut h, mut bus) = setup(&[0x00c5202f, 0xfe000ee3]);
    (h.x[10], h.x[12]) = (word, 1);
    h.run(&mut bus, 1000);
    let v = bus.ram.slice(word, 4).unwrap();
    assert_eq!(u32::from_le_bytes(v.try_into().unwrap()), 500);
}
