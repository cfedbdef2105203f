//! Sv39 hardware A/D update (Svadu behaviour, as QEMU): leaves created with
//! A = D = 0 get A on any access and D on stores and AMOs, written to the PTE
//! in memory; denied accesses leave the PTE alone; pointer PTEs never change.
#![no_std]
#![no_main]

use guests::check::eq;
use guests::trap::Mode;
use guests::vm::*;

/// Maps 4 KiB page `slot` of the test region afresh with `flags` (A and D
/// clear), flushes, and returns the VA and the PTE's physical address.
fn fresh(vm: &Vm, slot: u64, flags: u64, mode: Mode) -> (u64, u64) {
    let va = TEST_VA + slot * PAGE;
    vm.map4k(va, data_page(), flags);
    vm.activate(mode);
    (va, vm.l0_slot(va))
}

fn leaves_4k(vm: &Vm) {
    let rw = V | R | W | X;
    let (va, p) = fresh(vm, 30, R | W | X, Mode::S);
    let pa = pte_pa(peek(p));
    expect_ok(
        "load",
        access(Mode::S, Kind::Load, va + MAGIC_OFF),
        MAGIC ^ pa,
    );
    eq("load sets A only", peek(p), pte(pa, rw | A));
    // The translation may now be cached with D = 0: a store must still set D.
    expect_ok(
        "store after load",
        access(Mode::S, Kind::Store, va + 0x300),
        0,
    );
    eq("store sets D", peek(p), pte(pa, rw | A | D));

    let (va, p) = fresh(vm, 31, R | W, Mode::S);
    let pa = pte_pa(peek(p));
    expect_ok(
        "first access a store",
        access(Mode::S, Kind::Store, va + 0x300),
        0,
    );
    eq("store sets A and D", peek(p), pte(pa, V | R | W | A | D));

    let (va, p) = fresh(vm, 32, R | W, Mode::S);
    let pa = pte_pa(peek(p));
    expect_ok("amo", access(Mode::S, Kind::Amo, va + 0x300), 0);
    eq("amo sets A and D", peek(p), pte(pa, V | R | W | A | D));

    let (va, p) = fresh(vm, 33, X, Mode::S);
    let pa = pte_pa(peek(p));
    expect_ok("fetch", access(Mode::S, Kind::Fetch, va), FETCH_RESULT);
    eq("fetch sets A only", peek(p), pte(pa, V | X | A));

    let (va, p) = fresh(vm, 34, R | W | U, Mode::U);
    let pa = pte_pa(peek(p));
    expect_ok(
        "U load",
        access(Mode::U, Kind::Load, va + MAGIC_OFF),
        MAGIC ^ pa,
    );
    eq("U load sets A", peek(p), pte(pa, V | R | W | U | A));
    expect_ok("U store", access(Mode::U, Kind::Store, va + 0x300), 0);
    eq("U store sets D", peek(p), pte(pa, V | R | W | U | A | D));
}

fn denied_and_cleared(vm: &Vm) {
    // A store the leaf does not allow: fault, PTE untouched.
    let (va, p) = fresh(vm, 35, R, Mode::S);
    let before = peek(p);
    expect_fault(
        "store to read-only",
        access(Mode::S, Kind::Store, va + 8),
        15,
        va + 8,
    );
    eq("denied store leaves the PTE", peek(p), before);
    // A U-mode load of a supervisor page: fault, PTE untouched.
    let (va, p) = fresh(vm, 36, R | W, Mode::U);
    let before = peek(p);
    expect_fault(
        "U load of S page",
        access(Mode::U, Kind::Load, va + 8),
        13,
        va + 8,
    );
    eq("denied load leaves the PTE", peek(p), before);

    // Software clears A and D and fences: the next accesses set them again.
    let (va, p) = fresh(vm, 37, R | W, Mode::S);
    let pa = pte_pa(peek(p));
    expect_ok("store", access(Mode::S, Kind::Store, va + 0x300), 0);
    eq("A and D set", peek(p), pte(pa, V | R | W | A | D));
    poke(p, pte(pa, V | R | W));
    sfence_va(va);
    expect_ok(
        "load after clear",
        access(Mode::S, Kind::Load, va + MAGIC_OFF),
        MAGIC ^ pa,
    );
    eq("A set again", peek(p), pte(pa, V | R | W | A));
    expect_ok(
        "store after clear",
        access(Mode::S, Kind::Store, va + 0x300),
        0,
    );
    eq("D set again", peek(p), pte(pa, V | R | W | A | D));
}

fn superpage(vm: &Vm) {
    let va = TEST_VA + 4 * MEGA;
    let p = vm.l1_slot(va);
    poke(p, pte(BIG_PA, V | R | W));
    fill_data(BIG_PA + PAGE);
    vm.activate(Mode::S);
    expect_ok(
        "2M load",
        access(Mode::S, Kind::Load, va + PAGE + MAGIC_OFF),
        MAGIC ^ (BIG_PA + PAGE),
    );
    eq("2M load sets A", peek(p), pte(BIG_PA, V | R | W | A));
    expect_ok("2M store", access(Mode::S, Kind::Store, va + 0x1f_f000), 0);
    eq("2M store sets D", peek(p), pte(BIG_PA, V | R | W | A | D));
}

#[no_mangle]
extern "C" fn guest_main() {
    let vm = Vm::new();
    leaves_4k(&vm);
    denied_and_cleared(&vm);
    superpage(&vm);
    // The walk's pointer PTEs are never written.
    eq(
        "root pointer untouched",
        peek(vm.s_root + 3 * 8),
        pte(vm.l1, V),
    );
    eq("L1 pointer untouched", peek(vm.l1), pte(vm.l0, V));
    guests::check::pass("sv39_ad");
}
