//! Sv39 page tables for the MMU guest programs: PTE bits, a pool of tables and
//! pages, a standard test address space, and probes that make one access in
//! U, S or M (under MPRV) and report the value or the trap.

use crate::csr::mstatus;
use crate::trap::{self, run_in, Mode, Trap};
use crate::{csrc, csrr, csrs, csrw};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

pub const V: u64 = 1 << 0;
pub const R: u64 = 1 << 1;
pub const W: u64 = 1 << 2;
pub const X: u64 = 1 << 3;
pub const U: u64 = 1 << 4;
pub const G: u64 = 1 << 5;
pub const A: u64 = 1 << 6;
pub const D: u64 = 1 << 7;

/// satp MODE field for Sv39.
pub const SATP_SV39: u64 = 8 << 60;
pub const PAGE: u64 = 0x1000;
pub const MEGA: u64 = 0x20_0000;
pub const GIGA: u64 = 0x4000_0000;

/// Start of the test region (root entry 3): 4 KiB leaves at `TEST_VA + i * PAGE`
/// (level-0 table under L1 entry 0), 2 MiB leaves at `TEST_VA + j * MEGA` (j >= 1).
pub const TEST_VA: u64 = 0xc000_0000;
/// A 1 GiB test leaf goes in root entry 4.
pub const GIGA_VA: u64 = 0x1_0000_0000;
/// 2 MiB-aligned physical memory above the program, for superpage tests.
pub const BIG_PA: u64 = 0x8060_0000;
/// Value at offset `MAGIC_OFF` of every data page (xor its physical address).
pub const MAGIC: u64 = 0x5256_434f_5700_0000;
pub const MAGIC_OFF: u64 = 0x100;
/// What a fetch probe's code page returns (`li a0, 0x123; ret`).
pub const FETCH_RESULT: u64 = 0x123;

const POOL_PAGES: usize = 48;

#[repr(C, align(4096))]
struct Pool(UnsafeCell<[[u64; 512]; POOL_PAGES]>);

// SAFETY: pages are handed out once each by an atomic bump index.
unsafe impl Sync for Pool {}

static POOL: Pool = Pool(UnsafeCell::new([[0; 512]; POOL_PAGES]));
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Returns the physical address of a fresh zeroed 4 KiB page; panics when the
/// pool is exhausted (a bug in the test program).
pub fn alloc_page() -> u64 {
    let i = NEXT.fetch_add(1, Ordering::Relaxed);
    assert!(i < POOL_PAGES, "vm page pool exhausted");
    // SAFETY: page i is handed out only once.
    let page = unsafe { &mut (*POOL.0.get())[i] };
    page.fill(0);
    page.as_ptr() as u64
}

/// A PTE mapping physical address `pa` with `flags`.
pub fn pte(pa: u64, flags: u64) -> u64 {
    (pa >> 12) << 10 | flags
}

/// The physical address a PTE points at.
pub fn pte_pa(pte: u64) -> u64 {
    (pte >> 10) << 12
}

/// Reads the 64-bit word at physical address `pa` (from M-mode).
pub fn peek(pa: u64) -> u64 {
    // SAFETY: the programs only peek at RAM they own (pool pages, tables).
    unsafe { (pa as *const u64).read_volatile() }
}

/// Writes the 64-bit word at physical address `pa` (from M-mode).
pub fn poke(pa: u64, v: u64) {
    // SAFETY: the programs only poke RAM they own (pool pages, tables, BIG_PA).
    unsafe { (pa as *mut u64).write_volatile(v) }
}

/// A fresh data page: `MAGIC ^ pa` at `MAGIC_OFF`, and at offset 0 code that
/// returns `FETCH_RESULT`, so the page serves loads, stores and fetches.
pub fn data_page() -> u64 {
    let pa = alloc_page();
    fill_data(pa);
    pa
}

/// Writes the data-page contents (see `data_page`) at `pa`.
pub fn fill_data(pa: u64) {
    // addi a0, zero, 0x123; jalr zero, 0(ra)
    poke(pa, 0x0000_8067_1230_0513);
    poke(pa + MAGIC_OFF, MAGIC ^ pa);
    // SAFETY: makes the code just written visible to fetches.
    unsafe { core::arch::asm!("fence.i") };
}

/// The standard address space: code and data identity-mapped by a 1 GiB leaf
/// at 0x8000_0000 (supervisor-only in `s_root`, user in `u_root`, so that
/// probes run in either mode), and the test region under `TEST_VA`, shared by
/// both roots.
pub struct Vm {
    pub s_root: u64,
    pub u_root: u64,
    /// L1 table of the test region.
    pub l1: u64,
    /// L0 table under L1 entry 0.
    pub l0: u64,
}

impl Vm {
    /// Builds the standard address space (satp untouched).
    pub fn new() -> Vm {
        let vm = Vm {
            s_root: alloc_page(),
            u_root: alloc_page(),
            l1: alloc_page(),
            l0: alloc_page(),
        };
        let code = pte(0x8000_0000, V | R | W | X | A | D);
        poke(vm.s_root + 2 * 8, code);
        poke(vm.u_root + 2 * 8, code | U);
        vm.set_root(TEST_VA, pte(vm.l1, V));
        poke(vm.l1, pte(vm.l0, V));
        vm
    }

    /// Sets the root entry covering `va` in both roots.
    pub fn set_root(&self, va: u64, e: u64) {
        let i = (va >> 30) & 511;
        poke(self.s_root + i * 8, e);
        poke(self.u_root + i * 8, e);
    }

    /// Physical address of the L1 entry for `va` in the test region.
    pub fn l1_slot(&self, va: u64) -> u64 {
        self.l1 + ((va >> 21) & 511) * 8
    }

    /// Physical address of the L0 entry for `va` (under L1 entry 0).
    pub fn l0_slot(&self, va: u64) -> u64 {
        self.l0 + ((va >> 12) & 511) * 8
    }

    /// Maps 4 KiB page `va` of the test region to `pa` with `flags` (V added).
    pub fn map4k(&self, va: u64, pa: u64, flags: u64) {
        poke(self.l0_slot(va), pte(pa, flags | V));
    }

    /// The root that probes in `mode` run under.
    pub fn root_for(&self, mode: Mode) -> u64 {
        if mode == Mode::U {
            self.u_root
        } else {
            self.s_root
        }
    }

    /// Switches satp to the root for `mode` (ASID 0) and flushes the TLB.
    pub fn activate(&self, mode: Mode) {
        csrw!(satp, SATP_SV39 | self.root_for(mode) >> 12);
        sfence_all();
    }
}

impl Default for Vm {
    fn default() -> Self {
        Self::new()
    }
}

/// SFENCE.VMA zero, zero.
pub fn sfence_all() {
    // SAFETY: a TLB flush has no other effect.
    unsafe { core::arch::asm!("sfence.vma zero, zero") };
}

/// SFENCE.VMA va, zero.
pub fn sfence_va(va: u64) {
    // SAFETY: a TLB flush has no other effect.
    unsafe { core::arch::asm!("sfence.vma {0}, zero", in(reg) va) };
}

/// SFENCE.VMA zero, asid.
pub fn sfence_asid(asid: u64) {
    // SAFETY: a TLB flush has no other effect.
    unsafe { core::arch::asm!("sfence.vma zero, {0}", in(reg) asid) };
}

/// Turns translation off (satp = Bare).
pub fn bare() {
    csrw!(satp, 0);
    sfence_all();
}

/// Runs `f(arg)` in S-mode with Sv39 on (a fresh `Vm`), translation off
/// again after; returns its result and the instructions it retired.
pub fn run_in_sv39(f: extern "C" fn(u64) -> u64, arg: u64) -> (u64, u64) {
    let vm = Vm::new();
    vm.activate(Mode::S);
    let start = csrr!(minstret);
    let result = run_in(Mode::S, f, arg);
    let insns = csrr!(minstret) - start;
    bare();
    (result, insns)
}

/// Kinds of access a probe makes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Load,
    Store,
    Fetch,
    Amo,
}

impl Kind {
    /// The page-fault cause this kind of access raises.
    pub fn page_fault(self) -> u64 {
        match self {
            Kind::Load => 13,
            Kind::Store | Kind::Amo => 15,
            Kind::Fetch => 12,
        }
    }

    /// The access-fault cause this kind of access raises.
    pub fn access_fault(self) -> u64 {
        match self {
            Kind::Load => 5,
            Kind::Store | Kind::Amo => 7,
            Kind::Fetch => 1,
        }
    }
}

/// The value store probes write.
pub const STORE_VAL: u64 = 0x5354_4f52_4544_2121;

extern "C" fn load_probe(va: u64) -> u64 {
    // SAFETY: the access under test; a fault is recorded and skipped.
    unsafe { (va as *const u64).read_volatile() }
}

extern "C" fn store_probe(va: u64) -> u64 {
    // SAFETY: the access under test; a fault is recorded and skipped.
    unsafe { (va as *mut u64).write_volatile(STORE_VAL) };
    0
}

extern "C" fn amo_probe(va: u64) -> u64 {
    let old: u64;
    // SAFETY: the access under test; a fault is recorded and skipped.
    unsafe { core::arch::asm!("amoadd.d {0}, {1}, ({2})", out(reg) old, in(reg) 1u64, in(reg) va) };
    old
}

/// Makes one `kind` access to `va` in `mode` (U or S; satp as it stands) and
/// returns the value read (or fetched code's result), or the trap it took.
pub fn access(mode: Mode, kind: Kind, va: u64) -> Result<u64, Trap> {
    trap::reset();
    let v = match kind {
        Kind::Load => run_in(mode, load_probe, va),
        Kind::Store => run_in(mode, store_probe, va),
        Kind::Amo => run_in(mode, amo_probe, va),
        Kind::Fetch => {
            // SAFETY: run_in only enters the function pointer by mret, with a
            // fetch fault (the case under test) recorded and returned from.
            let f: extern "C" fn(u64) -> u64 = unsafe { core::mem::transmute(va as usize) };
            run_in(mode, f, 0)
        }
    };
    if trap::count() == 0 {
        Ok(v)
    } else {
        Err(trap::last())
    }
}

/// Makes one `kind` (load, store or AMO) access to `va` from M-mode with
/// mstatus.MPRV set, MPP = `mpp` and the extra mstatus bits `bits` (SUM, MXR).
pub fn access_mprv(mpp: Mode, bits: u64, kind: Kind, va: u64) -> Result<u64, Trap> {
    trap::reset();
    let set = mstatus::MPRV | bits | (mpp as u64) << 11;
    let clear = mstatus::MPRV | mstatus::MPP | mstatus::SUM | mstatus::MXR;
    let mut v: u64 = 0;
    csrc!(mstatus, mstatus::MPP);
    // SAFETY: between the two csr writes only the access under test touches
    // memory; a fault in it resumes at the csrc that turns MPRV off again.
    unsafe {
        match kind {
            Kind::Load => core::arch::asm!(
                "csrs mstatus, {set}", "ld {v}, 0({va})", "csrc mstatus, {clear}",
                set = in(reg) set, clear = in(reg) clear, va = in(reg) va, v = inout(reg) v),
            Kind::Store => core::arch::asm!(
                "csrs mstatus, {set}", "sd {s}, 0({va})", "csrc mstatus, {clear}",
                set = in(reg) set, clear = in(reg) clear, va = in(reg) va, s = in(reg) STORE_VAL),
            Kind::Amo => core::arch::asm!(
                "csrs mstatus, {set}", "amoadd.d {v}, {one}, ({va})", "csrc mstatus, {clear}",
                set = in(reg) set, clear = in(reg) clear, va = in(reg) va, one = in(reg) 1u64,
                v = out(reg) v),
            Kind::Fetch => panic!("MPRV does not apply to fetches"),
        }
    }
    csrs!(mstatus, mstatus::MPP);
    if trap::count() == 0 {
        Ok(v)
    } else {
        Err(trap::last())
    }
}

/// Checks that `r` is a trap with `cause` and tval `va`.
pub fn expect_fault(what: &str, r: Result<u64, Trap>, cause: u64, va: u64) {
    match r {
        Ok(v) => {
            crate::println!("{what}: no trap, value {v:#x}");
            crate::check::is(what, false);
        }
        Err(t) => {
            crate::check::eq(what, t.cause, cause);
            crate::check::eq(what, t.tval, va);
        }
    }
}

/// Checks that `r` succeeded with value `want`.
pub fn expect_ok(what: &str, r: Result<u64, Trap>, want: u64) {
    match r {
        Ok(v) => crate::check::eq(what, v, want),
        Err(t) => {
            crate::println!(
                "{what}: trap cause {} tval {:#x} epc {:#x}",
                t.cause,
                t.tval,
                t.epc
            );
            crate::check::is(what, false);
        }
    }
}

/// Reads satp (for WARL checks).
pub fn satp() -> u64 {
    csrr!(satp)
}
