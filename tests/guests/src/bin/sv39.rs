//! Sv39 translation: 4 KiB, 2 MiB and 1 GiB pages, misaligned superpages,
//! every R/W/X/U combination from S and U with SUM and MXR, A/D update, fault
//! causes and tval, SFENCE.VMA making a changed PTE visible, and MPRV.
#![no_std]
#![no_main]

use core::arch::asm;
use guests::check::{any, eq};
use guests::csr::{cause, mstatus};
use guests::trap::{self, run_in, set_mpp, Mode};
use guests::{csrc, csrr, csrs, csrw};

const V: u64 = 1;
const R: u64 = 2;
const W: u64 = 4;
const X: u64 = 8;
const U: u64 = 16;
const A: u64 = 64;
const D: u64 = 128;

#[repr(C, align(4096))]
struct Table([u64; 512]);

static mut ROOT: Table = Table([0; 512]);
static mut L1: Table = Table([0; 512]);
static mut L0: Table = Table([0; 512]);
static mut PAGES: [Table; 4] = [const { Table([0; 512]) }; 4];

/// Physical scratch regions for the superpages (far above the program).
const MEGA_PA: u64 = 0x8420_0000;
const GIGA_OFF: u64 = 0x0400_0000;

// Virtual addresses under test.
const VA_A: u64 = 0x4000_0000;
const VA_B: u64 = 0x4000_1000;
const VA_PERM: u64 = 0x4000_5000;
const VA_AD: u64 = 0x4000_6000;
const VA_MEGA: u64 = 0x4020_0000;
const VA_MEGA_BAD: u64 = 0x4040_0000;
const VA_WALK_FAULT: u64 = 0x4060_0000;
const VA_GIGA: u64 = 0x0000_0000;
const VA_GIGA_BAD: u64 = 0xc000_0000;
const VA_NONCANON: u64 = 0x0000_0040_0000_0000;

fn pa<T>(p: *const T) -> u64 {
    p as u64
}

fn root() -> &'static mut [u64; 512] {
    // SAFETY: only hart 0 runs; the tables are plain memory.
    unsafe { &mut (*core::ptr::addr_of_mut!(ROOT)).0 }
}
fn l1() -> &'static mut [u64; 512] {
    // SAFETY: as root().
    unsafe { &mut (*core::ptr::addr_of_mut!(L1)).0 }
}
fn l0() -> &'static mut [u64; 512] {
    // SAFETY: as root().
    unsafe { &mut (*core::ptr::addr_of_mut!(L0)).0 }
}
fn page(i: usize) -> *mut u64 {
    // SAFETY: as root().
    unsafe { (*core::ptr::addr_of_mut!(PAGES))[i].0.as_mut_ptr() }
}

fn pte(pa: u64, flags: u64) -> u64 {
    (pa >> 12) << 10 | flags
}

fn sfence() {
    // SAFETY: a full TLB flush from M-mode.
    unsafe { asm!("sfence.vma") };
}

fn phys_read(pa: u64) -> u64 {
    // SAFETY: M-mode physical read of RAM.
    unsafe { (pa as *const u64).read_volatile() }
}

fn phys_write(pa: u64, v: u64) {
    // SAFETY: M-mode physical write to RAM owned by this program.
    unsafe { (pa as *mut u64).write_volatile(v) }
}

/// Sets the code gigapage (identity, 0x8000_0000) for S (U=0) or U (U=1).
fn code_for(mode: Mode) {
    let u = if mode == Mode::U { U } else { 0 };
    root()[2] = pte(0x8000_0000, V | R | W | X | A | D | u);
    sfence();
}

extern "C" fn load(va: u64) -> u64 {
    let v: u64;
    // SAFETY: the access under test; a fault is recorded and skipped.
    unsafe { asm!("li {v}, -1", "ld {v}, 0({a})", a = in(reg) va, v = out(reg) v) };
    v
}

extern "C" fn store(va: u64) -> u64 {
    // SAFETY: as load.
    unsafe { asm!("sd {v}, 0({a})", a = in(reg) va, v = in(reg) 0x5a5a_5a5au64) };
    0
}

extern "C" fn fetch(va: u64) -> u64 {
    // SAFETY: calls a `ret` at va; a fetch fault resumes at ra.
    unsafe { asm!("jalr {0}", in(reg) va, out("ra") _, clobber_abi("C")) };
    0
}

/// Runs `f(va)` in `mode`; returns (cause of the one trap or u64::MAX, result).
fn attempt(mode: Mode, f: extern "C" fn(u64) -> u64, va: u64) -> (u64, u64) {
    code_for(mode);
    trap::reset();
    let r = run_in(mode, f, va);
    match trap::count() {
        0 => (u64::MAX, r),
        _ => (trap::last().cause, r),
    }
}

/// Checks that `f(va)` in `mode` faults with `want` and tval = va.
fn faults(what: &str, mode: Mode, f: extern "C" fn(u64) -> u64, va: u64, want: u64) {
    let (c, _) = attempt(mode, f, va);
    eq(what, c, want);
    eq(what, trap::last().tval, va);
    eq(what, trap::count() as u64, 1);
}

fn setup() {
    for i in 0..4 {
        for j in 0..512 {
            // SAFETY: inside PAGES[i].
            unsafe {
                page(i)
                    .add(j)
                    .write_volatile((0xa000 + i as u64) << 12 | j as u64)
            };
        }
    }
    root()[0] = pte(0x8000_0000, V | R | W | A | D);
    root()[1] = pte(pa(l1().as_ptr()), V);
    root()[3] = pte(0x8000_0000 + (1 << 21), V | R | W | A | D);
    l1()[0] = pte(pa(l0().as_ptr()), V);
    l1()[1] = pte(MEGA_PA, V | R | W | A | D);
    l1()[2] = pte(MEGA_PA + 0x1000, V | R | W | A | D);
    l1()[3] = pte(0, V);
    l0()[0] = pte(pa(page(0)), V | R | W | A | D);
    l0()[1] = pte(pa(page(1)), V | R | W | A | D);
    l0()[4] = pte(pa(page(0)), V);
    code_for(Mode::S);
    csrw!(satp, 8 << 60 | pa(root().as_ptr()) >> 12);
    eq("satp holds Sv39", csrr!(satp) >> 60, 8);
}

fn page_sizes() {
    eq(
        "4K page",
        attempt(Mode::S, load, VA_A + 16).1,
        phys_read(pa(page(0)) + 16),
    );
    eq(
        "4K page 2",
        attempt(Mode::S, load, VA_B + 8).1,
        phys_read(pa(page(1)) + 8),
    );
    phys_write(MEGA_PA + 0x1f_fff8, 0x2222);
    eq(
        "2M page",
        attempt(Mode::S, load, VA_MEGA + 0x1f_fff8).1,
        0x2222,
    );
    phys_write(0x8000_0000 + GIGA_OFF + 0x12_3450, 0x3333);
    eq(
        "1G page",
        attempt(Mode::S, load, VA_GIGA + GIGA_OFF + 0x12_3450).1,
        0x3333,
    );
    faults(
        "misaligned 2M page",
        Mode::S,
        load,
        VA_MEGA_BAD + 8,
        cause::LOAD_PAGE,
    );
    faults(
        "misaligned 1G page",
        Mode::S,
        load,
        VA_GIGA_BAD + 8,
        cause::LOAD_PAGE,
    );
    faults(
        "invalid PTE",
        Mode::S,
        load,
        VA_A + 0x2000,
        cause::LOAD_PAGE,
    );
    faults(
        "non-leaf at level 0",
        Mode::S,
        store,
        VA_A + 0x4000,
        cause::STORE_PAGE,
    );
    faults(
        "non-canonical address",
        Mode::S,
        load,
        VA_NONCANON,
        cause::LOAD_PAGE,
    );
    faults(
        "unmapped root slot",
        Mode::U,
        fetch,
        0x1_0000_0000,
        cause::FETCH_PAGE,
    );
    // A walk that reads a PTE where no device is: access fault (priv spec
    // §4.3.2 step 2). QEMU 7.2 reports a page fault instead.
    let want = if guests::on_qemu() {
        cause::LOAD_PAGE
    } else {
        cause::LOAD_ACCESS
    };
    faults(
        "walk into unmapped memory",
        Mode::S,
        load,
        VA_WALK_FAULT,
        want,
    );
}

#[derive(Clone, Copy, PartialEq)]
enum Access {
    Load,
    Store,
    Fetch,
}

/// The spec's verdict (priv spec §4.3.2 steps 3, 5, 6) for one access.
fn allowed(flags: u64, mode: Mode, sum: bool, mxr: bool, access: Access) -> bool {
    if flags & V == 0 || (flags & W != 0 && flags & R == 0) {
        return false;
    }
    let user = flags & U != 0;
    match mode {
        Mode::U if !user => return false,
        Mode::S if user && (access == Access::Fetch || !sum) => return false,
        _ => {}
    }
    match access {
        Access::Load => flags & R != 0 || (mxr && flags & X != 0),
        Access::Store => flags & W != 0,
        Access::Fetch => flags & X != 0,
    }
}

fn permissions() {
    let perm_pa = pa(page(2));
    let perms = [0, R, R | W, X, R | X, R | W | X, W, W | X];
    for perm in perms {
        for u in [0, U] {
            let flags = V | A | D | perm | u;
            l0()[5] = pte(perm_pa, flags);
            for mode in [Mode::S, Mode::U] {
                for (sum, mxr) in [(false, false), (true, false), (false, true), (true, true)] {
                    csrc!(mstatus, mstatus::SUM | mstatus::MXR);
                    csrs!(
                        mstatus,
                        if sum { mstatus::SUM } else { 0 } | if mxr { mstatus::MXR } else { 0 }
                    );
                    for (access, f, off, fault) in [
                        (
                            Access::Load,
                            load as extern "C" fn(u64) -> u64,
                            8,
                            cause::LOAD_PAGE,
                        ),
                        (Access::Store, store, 16, cause::STORE_PAGE),
                        (Access::Fetch, fetch, 0, cause::FETCH_PAGE),
                    ] {
                        // A `ret` at offset 0 for the fetches.
                        phys_write(perm_pa, 0x0000_8067);
                        // SAFETY: the page now holds code.
                        unsafe { asm!("fence.i") };
                        let (c, v) = attempt(mode, f, VA_PERM + off);
                        if allowed(flags, mode, sum, mxr, access) {
                            eq("permitted access", c, u64::MAX);
                            if access == Access::Load {
                                eq("permitted load value", v, phys_read(perm_pa + 8));
                            }
                        } else {
                            eq("denied access: cause", c, fault);
                            eq("denied access: tval", trap::last().tval, VA_PERM + off);
                        }
                    }
                }
            }
        }
    }
    csrc!(mstatus, mstatus::SUM | mstatus::MXR);
}

fn accessed_dirty() {
    let ad_pa = pa(page(3));
    l0()[6] = pte(ad_pa, V | R | W);
    sfence();
    attempt(Mode::S, load, VA_AD);
    eq("load sets A", l0()[6] & (A | D), A);
    attempt(Mode::S, store, VA_AD + 8);
    eq("store sets D", l0()[6] & (A | D), A | D);
    eq("store landed", phys_read(ad_pa + 8), 0x5a5a_5a5a);
    l0()[6] = pte(ad_pa, V | R);
    sfence();
    faults(
        "store to read-only leaves D",
        Mode::S,
        store,
        VA_AD,
        cause::STORE_PAGE,
    );
    eq("no D on a faulting store", l0()[6] & D, 0);
}

fn sfence_vma() {
    // Remap VA_A from page 0 to page 1: after SFENCE.VMA the new page is seen.
    let (p0, p1) = (pa(page(0)), pa(page(1)));
    eq("old mapping", attempt(Mode::S, load, VA_A).1, phys_read(p0));
    l0()[0] = pte(p1, V | R | W | A | D);
    // Before the fence either translation may be used.
    trap::reset();
    let v = run_in(Mode::S, load, VA_A);
    any(
        "before the fence: old or new",
        v,
        &[phys_read(p0), phys_read(p1)],
    );
    // SAFETY: flush of one address from M-mode.
    unsafe { asm!("sfence.vma {0}, zero", in(reg) VA_A) };
    trap::reset();
    eq(
        "after sfence.vma addr: new mapping",
        run_in(Mode::S, load, VA_A),
        phys_read(p1),
    );
    // Unmapping: after the fence the access faults.
    l0()[0] = 0;
    sfence();
    trap::reset();
    run_in(Mode::S, load, VA_A);
    eq(
        "unmapped after the fence",
        trap::last().cause,
        cause::LOAD_PAGE,
    );
    l0()[0] = pte(p0, V | R | W | A | D);
    // A satp write with another root (and ASID) switches address spaces.
    extern "C" fn swap_satp(new: u64) -> u64 {
        let old = csrr!(satp);
        csrw!(satp, new);
        // SAFETY: the flush S-mode must issue after changing satp.
        unsafe { asm!("sfence.vma") };
        let v = load(VA_A);
        csrw!(satp, old);
        // SAFETY: as above.
        unsafe { asm!("sfence.vma") };
        v
    }
    static mut ROOT2: Table = Table([0; 512]);
    // SAFETY: hart 0 only.
    let root2 = unsafe { &mut (*core::ptr::addr_of_mut!(ROOT2)).0 };
    root2.copy_from_slice(root());
    static mut L1B: Table = Table([0; 512]);
    // SAFETY: hart 0 only.
    let l1b = unsafe { &mut (*core::ptr::addr_of_mut!(L1B)).0 };
    l1b[0] = pte(VA_MEGA_PA_FOR_ROOT2, V | R | W | A | D);
    root2[1] = pte(pa(l1b.as_ptr()), V);
    phys_write(VA_MEGA_PA_FOR_ROOT2, 0x4444);
    sfence();
    code_for(Mode::S);
    root2[2] = root()[2];
    trap::reset();
    let new = 8 << 60 | 1 << 44 | pa(root2.as_ptr()) >> 12;
    eq(
        "another root via satp",
        run_in(Mode::S, swap_satp, new),
        0x4444,
    );
    eq("no trap switching satp", trap::count() as u64, 0);
    eq(
        "back to the first root",
        attempt(Mode::S, load, VA_A).1,
        phys_read(p0),
    );
    let before = csrr!(satp);
    csrw!(satp, 5 << 60 | 5);
    eq(
        "satp: a reserved MODE write is ignored",
        csrr!(satp),
        before,
    );
}

/// A 2 MiB-aligned region used by the second address space.
const VA_MEGA_PA_FOR_ROOT2: u64 = 0x8440_0000;

fn mprv() {
    let mprv_load = |mpp: Mode, va: u64| {
        set_mpp(mpp);
        trap::reset();
        let v: u64;
        // SAFETY: an M-mode load with MPRV: translated as MPP; a fault is
        // taken in M and skipped.
        unsafe {
            asm!("csrs mstatus, {m}", "li {v}, -1", "ld {v}, 0({a})", "csrc mstatus, {m}",
                m = in(reg) mstatus::MPRV, a = in(reg) va, v = out(reg) v)
        };
        v
    };
    code_for(Mode::S);
    eq(
        "MPRV with MPP=S translates",
        mprv_load(Mode::S, VA_B),
        phys_read(pa(page(1))),
    );
    eq("MPRV with MPP=S: no trap", trap::count() as u64, 0);
    mprv_load(Mode::U, VA_B);
    eq(
        "MPRV with MPP=U on a supervisor page",
        trap::last().cause,
        cause::LOAD_PAGE,
    );
    eq("MPRV fault tval", trap::last().tval, VA_B);
    eq("MPRV fault taken in M", trap::last().level, 3);
    l0()[1] |= U;
    sfence();
    eq(
        "MPRV with MPP=U on a user page",
        mprv_load(Mode::U, VA_B),
        phys_read(pa(page(1))),
    );
    mprv_load(Mode::S, VA_B);
    eq(
        "MPRV with MPP=S, SUM=0, user page",
        trap::last().cause,
        cause::LOAD_PAGE,
    );
    csrs!(mstatus, mstatus::SUM);
    eq(
        "MPRV with MPP=S, SUM=1, user page",
        mprv_load(Mode::S, VA_B),
        phys_read(pa(page(1))),
    );
    csrc!(mstatus, mstatus::SUM);
    l0()[1] &= !U;
    sfence();
    set_mpp(Mode::M);
    eq(
        "MPRV with MPP=M: physical",
        mprv_load(Mode::M, pa(page(1)) + 8),
        phys_read(pa(page(1)) + 8),
    );
}

#[no_mangle]
extern "C" fn guest_main() {
    setup();
    page_sizes();
    permissions();
    accessed_dirty();
    sfence_vma();
    mprv();
    csrw!(satp, 0);
    guests::check::pass("sv39");
}
