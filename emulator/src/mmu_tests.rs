//! Sv39 walks over hand-built page tables in RAM, and the TLB's invisibility.

use super::*;
use crate::bus::Ram;
use crate::hart::csr::{MSTATUS_MPRV, MSTATUS_SUM, MTVEC, SATP};
use crate::hart::insn::Width;
use crate::hart::tests::{load, setup, BASE, SPIN};
use crate::hart::{Exit, Hart, PRV_S, PRV_U};

const ROOT: u64 = BASE + 0x10_0000;
const T1: u64 = BASE + 0x10_1000;
const T0: u64 = BASE + 0x10_2000;
const PAGE4K: u64 = BASE + 0x20_3000;
const SATP_VAL: u64 = 8 << 60 | (ROOT >> 12);

fn pte(pa: u64, flags: u64) -> u64 {
    (pa >> 12) << 10 | flags
}

fn put(bus: &mut Bus, pa: u64, v: u64) {
    bus.ram
        .slice_mut(pa, 8)
        .unwrap()
        .copy_from_slice(&v.to_le_bytes());
}

fn get(bus: &Bus, pa: u64) -> u64 {
    u64::from_le_bytes(bus.ram.slice(pa, 8).unwrap().try_into().unwrap())
}

const V: u64 = PTE_V;
const RW: u64 = PTE_V | PTE_R | PTE_W;

/// va 0x1000 → PAGE4K (4 KiB, `flags`), va 0x20_0000 → BASE + 0x20_0000
/// (2 MiB, RW), va 0x40_0000 → a misaligned 2 MiB leaf, va 0x8000_0000 →
/// itself (1 GiB, RWX).
fn tables(bus: &mut Bus, flags: u64) {
    put(bus, ROOT, pte(T1, V));
    put(bus, ROOT + 2 * 8, pte(0x8000_0000, RW | PTE_X));
    put(bus, T1, pte(T0, V));
    put(bus, T1 + 8, pte(BASE + 0x20_0000, RW));
    put(bus, T1 + 2 * 8, pte(BASE + 0x1000, RW));
    put(bus, T0 + 8, pte(PAGE4K, flags));
}

fn bus() -> Bus {
    let mut b = Bus::new(Ram::new(BASE, 4 << 20));
    tables(&mut b, RW | PTE_X);
    b
}

fn ctx(prv: u8) -> Ctx {
    Ctx {
        satp: SATP_VAL,
        prv,
        sum: false,
        mxr: false,
    }
}

#[test]
fn walks_4k_2m_and_1g_pages() {
    let mut b = bus();
    let l = translate(&mut b, 0x1abc, Access::Read, &ctx(1)).unwrap();
    assert_eq!(
        l,
        Leaf {
            pa: PAGE4K + 0xabc,
            r: true,
            w: false,
            x: true
        }
    );
    let l = translate(&mut b, 0x2f_fff8, Access::Write, &ctx(1)).unwrap();
    assert_eq!(l.pa, BASE + 0x2f_fff8);
    assert!(l.w);
    let l = translate(&mut b, 0x8012_3456, Access::Exec, &ctx(1)).unwrap();
    assert_eq!(l.pa, 0x8012_3456);
    // M-mode and Bare translate to themselves.
    let l = translate(&mut b, 0x1abc, Access::Read, &ctx(3)).unwrap();
    assert_eq!(l.pa, 0x1abc);
    let bare = Ctx { satp: 0, ..ctx(1) };
    assert_eq!(
        translate(&mut b, 0x1abc, Access::Read, &bare).unwrap().pa,
        0x1abc
    );
}

#[test]
fn hardware_sets_accessed_and_dirty() {
    let mut b = bus();
    translate(&mut b, 0x1000, Access::Read, &ctx(1)).unwrap();
    assert_eq!(get(&b, T0 + 8), pte(PAGE4K, RW | PTE_X | PTE_A));
    translate(&mut b, 0x1000, Access::Write, &ctx(1)).unwrap();
    assert_eq!(get(&b, T0 + 8), pte(PAGE4K, RW | PTE_X | PTE_A | PTE_D));
    // Non-leaf entries are left alone.
    assert_eq!(get(&b, T1), pte(T0, V));
}

#[test]
fn faults_carry_cause_and_address() {
    let mut b = bus();
    // Misaligned 2 MiB superpage.
    assert_eq!(
        translate(&mut b, 0x40_0010, Access::Read, &ctx(1)),
        Err(Exception::LoadPage(0x40_0010))
    );
    // Unmapped (invalid PTE), for each access kind.
    assert_eq!(
        translate(&mut b, 0x5000, Access::Write, &ctx(1)),
        Err(Exception::StorePage(0x5000))
    );
    assert_eq!(
        translate(&mut b, 0x5000, Access::Exec, &ctx(1)),
        Err(Exception::InstrPage(0x5000))
    );
    // Non-canonical: bit 38 set but bits 63:39 clear.
    let va = 1 << 38;
    assert_eq!(
        translate(&mut b, va, Access::Read, &ctx(1)),
        Err(Exception::LoadPage(va))
    );
    // W without R is reserved.
    put(&mut b, T0 + 8, pte(PAGE4K, V | PTE_W));
    assert_eq!(
        translate(&mut b, 0x1000, Access::Read, &ctx(1)),
        Err(Exception::LoadPage(0x1000))
    );
    // Reserved high bits.
    put(&mut b, T0 + 8, pte(PAGE4K, RW) | 1 << 60);
    assert_eq!(
        translate(&mut b, 0x1000, Access::Read, &ctx(1)),
        Err(Exception::LoadPage(0x1000))
    );
    // A table outside RAM is an access fault.
    put(&mut b, T1, pte(0x1000_0000, V));
    assert_eq!(
        translate(&mut b, 0x1000, Access::Exec, &ctx(1)),
        Err(Exception::InstrAccess(0x1000))
    );
    let c = Ctx {
        satp: 8 << 60 | 0x10,
        ..ctx(1)
    };
    assert_eq!(
        translate(&mut b, 0x1000, Access::Write, &c),
        Err(Exception::StoreAccess(0x1000))
    );
}

#[test]
fn user_pages_sum_and_mxr() {
    let mut b = bus();
    put(&mut b, T0 + 8, pte(PAGE4K, RW | PTE_X | PTE_U));
    assert!(translate(&mut b, 0x1000, Access::Write, &ctx(0)).is_ok());
    assert_eq!(
        translate(&mut b, 0x1000, Access::Read, &ctx(1)),
        Err(Exception::LoadPage(0x1000))
    );
    let sum = Ctx {
        sum: true,
        ..ctx(1)
    };
    assert!(translate(&mut b, 0x1000, Access::Read, &sum).is_ok());
    // S never executes user pages, SUM or not.
    assert_eq!(
        translate(&mut b, 0x1000, Access::Exec, &sum),
        Err(Exception::InstrPage(0x1000))
    );
    // U never touches supervisor pages.
    assert_eq!(
        translate(&mut b, 0x20_0000, Access::Read, &ctx(0)),
        Err(Exception::LoadPage(0x20_0000))
    );
    // Execute-only: readable only with MXR; never writable.
    put(&mut b, T0 + 8, pte(PAGE4K, V | PTE_X));
    assert_eq!(
        translate(&mut b, 0x1000, Access::Read, &ctx(1)),
        Err(Exception::LoadPage(0x1000))
    );
    let mxr = Ctx {
        mxr: true,
        ..ctx(1)
    };
    assert!(translate(&mut b, 0x1000, Access::Read, &mxr).unwrap().r);
    assert_eq!(
        translate(&mut b, 0x1000, Access::Write, &mxr),
        Err(Exception::StorePage(0x1000))
    );
    // Read-only page: store page fault, and no D bit set.
    put(&mut b, T0 + 8, pte(PAGE4K, V | PTE_R));
    assert_eq!(
        translate(&mut b, 0x1000, Access::Write, &ctx(1)),
        Err(Exception::StorePage(0x1000))
    );
    assert_eq!(get(&b, T0 + 8) & PTE_D, 0);
}

/// A hart in S-mode with Sv39 on, code identity-mapped by the 1 GiB page.
fn s_mode(prog: &[u32]) -> (Hart, Bus) {
    let (mut h, mut bus) = setup(prog);
    tables(&mut bus, RW);
    h.csr_write(SATP, SATP_VAL);
    h.prv = PRV_S;
    (h, bus)
}

#[test]
fn sfence_vma_makes_pte_changes_visible() {
    // ld a0,0(a1); ld a3,0(a1); sfence.vma; ld a2,0(a1)
    let (mut h, mut bus) = s_mode(&[0x0005b503, 0x0005b683, 0x12000073, 0x0005b603]);
    put(&mut bus, PAGE4K, 111);
    put(&mut bus, PAGE4K + 0x1000, 222);
    h.x[11] = 0x1000;
    h.run(&mut bus, 1);
    put(&mut bus, T0 + 8, pte(PAGE4K + 0x1000, RW));
    h.run(&mut bus, 3);
    assert_eq!((h.x[10], h.x[13], h.x[12]), (111, 111, 222));
    let (hits, misses) = h.tlb_stats();
    assert!(hits >= 1 && misses >= 2, "{hits} {misses}");
}

#[test]
fn store_through_tlb_sets_dirty_once() {
    let (mut h, mut bus) = s_mode(&[]);
    assert_eq!(h.load(&mut bus, 0x1008, Width::D), Ok(0));
    assert_eq!(get(&bus, T0 + 8) & (PTE_A | PTE_D), PTE_A);
    h.store(&mut bus, 0x1008, Width::D, 0xabcd).unwrap();
    assert_eq!(get(&bus, T0 + 8) & (PTE_A | PTE_D), PTE_A | PTE_D);
    assert_eq!(get(&bus, PAGE4K + 8), 0xabcd);
    assert_eq!(h.load(&mut bus, 0x1008, Width::W), Ok(0xabcd));
}

#[test]
fn mprv_translates_m_mode_data_only() {
    let (mut h, mut bus) = setup(&[]);
    tables(&mut bus, RW);
    put(&mut bus, PAGE4K, 77);
    h.csr_write(SATP, SATP_VAL);
    h.csr.mstatus |= MSTATUS_MPRV | (PRV_S as u64) << 11;
    h.mmu.flush();
    assert_eq!(h.load(&mut bus, 0x1000, Width::D), Ok(77));
    // With MPP = U, a supervisor page faults, SUM or not.
    h.csr.mstatus &= !(3 << 11);
    h.mmu.flush();
    assert_eq!(
        h.load(&mut bus, 0x1000, Width::D),
        Err(Exception::LoadPage(0x1000))
    );
    h.csr.mstatus |= MSTATUS_SUM;
    assert_eq!(
        h.load(&mut bus, 0x1000, Width::D),
        Err(Exception::LoadPage(0x1000))
    );
}

#[test]
fn page_fault_traps_with_va_in_tval() {
    // ld a0,0(a1) from U at a user page; then a store to a read-only page.
    let (mut h, mut bus) = setup(&[]);
    tables(&mut bus, V | PTE_R | PTE_X | PTE_U);
    h.csr_write(SATP, SATP_VAL);
    h.csr_write(MTVEC, BASE + 0x100);
    load(&mut bus, BASE + 0x100, &[SPIN]);
    // Code at va 0x1000 (PAGE4K): ld a0,8(a1); sd a0,0(a1)
    load(&mut bus, PAGE4K, &[0x0085b503, 0x00a5b023]);
    put(&mut bus, PAGE4K + 0x10, 5);
    h.x[11] = 0x1008;
    h.prv = PRV_U;
    h.mmu.flush();
    h.pc = 0x1000;
    assert_eq!(h.run(&mut bus, 2), Exit::Budget);
    assert_eq!(h.x[10], 5);
    assert_eq!(
        (h.csr.mcause, h.csr.mtval, h.csr.mepc),
        (15, 0x1008, 0x1004)
    );
    // A fetch from an unmapped page.
    h.prv = PRV_U;
    h.mmu.flush();
    h.pc = 0x7000;
    h.run(&mut bus, 1);
    assert_eq!(
        (h.csr.mcause, h.csr.mtval, h.csr.mepc),
        (12, 0x7000, 0x7000)
    );
    assert_eq!(h.prv(), 3);
}

#[test]
fn tlb_hits_only_aligned_accesses_of_its_page() {
    let mut m = Mmu::new();
    let va = 0xffff_ffc0_1234_5000;
    m.fill_data(va, 0x7000, true, false, false);
    assert_eq!(m.read_offset(va + 0x18, 8), Some(0x7018));
    assert_eq!(m.read_offset(va + 0xffe, 2), Some(0x7ffe));
    // Misaligned, or another page, or a store to a read-only entry: miss.
    assert_eq!(m.read_offset(va + 0x1c, 8), None);
    assert_eq!(m.read_offset(va + 0xfff, 2), None);
    assert_eq!(m.read_offset(va + 0x1000, 1), None);
    assert_eq!(m.write_offset(va + 0x18, 8), None);
    // Any alignment when the size is 1 (the slow path's lookup).
    assert_eq!(m.read_offset(va + 0xfff, 1), Some(0x7fff));
}

#[test]
fn tlb_flushes_forget_entries_few_or_many() {
    let mut m = Mmu::new();
    // Page 0's tag is 0: an empty entry must not match it.
    assert_eq!(m.read_offset(0, 8), None);
    assert_eq!(m.write_offset(8, 8), None);
    assert_eq!(m.lookup_code(0), None);
    let va = 0x4000;
    for fills in [1, 2, 300, 1000] {
        m.fill_data(va, 0x2000, true, true, false);
        m.fill_code(va, 0x8000_2000);
        // Other pages (in other slots), enough to overflow the list of fills.
        for p in 1..fills {
            m.fill_data(va + p * 0x1000, 0x3000, true, true, false);
        }
        assert_eq!(m.write_offset(va + 8, 8), Some(0x2008));
        assert_eq!(m.lookup_code(va), Some(0x8000_2000));
        m.flush();
        assert_eq!(m.read_offset(va + 8, 8), None, "after {fills} fills");
        assert_eq!(m.write_offset(va + 8, 8), None, "after {fills} fills");
        assert_eq!(m.lookup_code(va), None, "after {fills} fills");
        assert_eq!(m.read_offset(va + 0x5000, 8), None, "after {fills} fills");
    }
}

/// ld a0,0(a1); ld a2,8(a1); ld a3,16(a1) (one run of loads, `uop::fuse`);
/// addi t0,t0,-1; bnez t0,.-16.
const LOAD_RUN: [u32; 5] = [0x0005b503, 0x0085b603, 0x0105b683, 0xfff28293, 0xfe0298e3];

#[test]
fn a_run_of_loads_reaching_into_the_next_page_reads_that_pages_mapping() {
    // va 0x2000 maps to a page far from PAGE4K (va 0x1000); the run starts
    // 8 bytes before it.
    let (mut h, mut bus) = s_mode(&LOAD_RUN);
    let far = BASE + 0x30_0000;
    put(&mut bus, T0 + 2 * 8, pte(far, RW));
    put(&mut bus, PAGE4K + 0xff8, 111);
    put(&mut bus, PAGE4K + 0x1000, 999);
    put(&mut bus, far, 222);
    put(&mut bus, far + 8, 333);
    (h.x[11], h.x[5]) = (0x1ff8, 2);
    // The second time round, the TLB has both pages.
    h.run(&mut bus, 10);
    assert_eq!((h.x[10], h.x[12], h.x[13], h.x[5]), (111, 222, 333, 0));
}

#[test]
fn a_run_of_loads_faulting_halfway_keeps_the_loads_before_it() {
    // va 0x2000 is unmapped: the run's second load faults.
    let (mut h, mut bus) = s_mode(&LOAD_RUN);
    h.csr_write(MTVEC, BASE + 0x100);
    load(&mut bus, BASE + 0x100, &[SPIN]);
    put(&mut bus, PAGE4K + 0xff8, 111);
    h.x[11] = 0x1ff8;
    // The first load alone puts va 0x1000 in the TLB.
    h.run(&mut bus, 1);
    (h.x[10], h.pc) = (0, BASE);
    h.run(&mut bus, 3);
    assert_eq!(
        (h.x[10], h.csr.mcause, h.csr.mtval, h.csr.mepc),
        (111, 13, 0x2000, BASE + 4)
    );
}

#[test]
fn a_budget_ending_inside_a_run_of_loads_stops_there() {
    let (mut h, mut bus) = s_mode(&LOAD_RUN);
    for i in 1..4 {
        put(&mut bus, PAGE4K + 8 * i, i);
    }
    (h.x[11], h.x[5]) = (0x1008, 1);
    // Once round the loop, which puts va 0x1000 in the TLB.
    h.run(&mut bus, 5);
    assert_eq!((h.x[10], h.x[12], h.x[13], h.pc), (1, 2, 3, BASE + 20));
    (h.x[10], h.x[12], h.x[13], h.pc) = (0, 0, 0, BASE);
    let before = h.instret();
    h.run(&mut bus, 2);
    assert_eq!((h.x[10], h.x[12], h.x[13], h.pc), (1, 2, 0, BASE + 8));
    assert_eq!(h.instret() - before, 2);
}
