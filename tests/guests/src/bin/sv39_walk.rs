//! Sv39 page walks: 4 KiB, 2 MiB and 1 GiB leaves, misaligned superpages,
//! invalid and reserved PTEs, non-canonical addresses, access faults on the
//! target and on the walk, and satp WARL. Every fault checks cause and tval.
#![no_std]
#![no_main]

use guests::check::{eq, is};
use guests::csr::cause;
use guests::trap::Mode;
use guests::vm::*;

extern "C" {
    static _end: u8;
}

/// Physical address with no device behind it (past the end of 128 MiB of RAM).
const NOWHERE: u64 = 0x9000_0000;

/// Checks that all three kinds of access to `va` in S-mode fault with `cause`
/// (per kind) and tval = va.
fn all_fault(what: &str, va: u64, cause: fn(Kind) -> u64) {
    for kind in [Kind::Load, Kind::Store, Kind::Fetch] {
        expect_fault(what, access(Mode::S, kind, va), cause(kind), va);
    }
}

fn small_pages(vm: &Vm) {
    let p = data_page();
    let va = TEST_VA + 5 * PAGE;
    vm.map4k(va, p, R | W | X | A | D);
    vm.activate(Mode::S);
    expect_ok(
        "4K load",
        access(Mode::S, Kind::Load, va + MAGIC_OFF),
        MAGIC ^ p,
    );
    expect_ok("4K store", access(Mode::S, Kind::Store, va + 0x208), 0);
    eq("4K store reached memory", peek(p + 0x208), STORE_VAL);
    expect_ok("4K fetch", access(Mode::S, Kind::Fetch, va), FETCH_RESULT);

    // A second virtual page aliasing the same frame sees the store.
    let alias = TEST_VA + 511 * PAGE;
    vm.map4k(alias, p, R | W | A | D);
    vm.activate(Mode::S);
    expect_ok(
        "alias load",
        access(Mode::S, Kind::Load, alias + 0x208),
        STORE_VAL,
    );

    // U-mode through the same level-0 table.
    let q = data_page();
    vm.map4k(TEST_VA + 6 * PAGE, q, R | W | X | U | A | D);
    vm.activate(Mode::U);
    let uva = TEST_VA + 6 * PAGE;
    expect_ok(
        "U 4K load",
        access(Mode::U, Kind::Load, uva + MAGIC_OFF),
        MAGIC ^ q,
    );
    expect_ok(
        "U 4K fetch",
        access(Mode::U, Kind::Fetch, uva),
        FETCH_RESULT,
    );
}

fn superpages(vm: &Vm) {
    // 2 MiB leaf in L1 entry 1.
    let va = TEST_VA + MEGA;
    poke(vm.l1_slot(va), pte(BIG_PA, V | R | W | X | A | D));
    fill_data(BIG_PA + 5 * PAGE);
    fill_data(BIG_PA + MEGA - PAGE);
    vm.activate(Mode::S);
    expect_ok(
        "2M load page 5",
        access(Mode::S, Kind::Load, va + 5 * PAGE + MAGIC_OFF),
        MAGIC ^ (BIG_PA + 5 * PAGE),
    );
    expect_ok(
        "2M load last page",
        access(Mode::S, Kind::Load, va + MEGA - PAGE + MAGIC_OFF),
        MAGIC ^ (BIG_PA + MEGA - PAGE),
    );
    expect_ok(
        "2M fetch",
        access(Mode::S, Kind::Fetch, va + 5 * PAGE),
        FETCH_RESULT,
    );
    expect_ok("2M store", access(Mode::S, Kind::Store, va + 0x1238), 0);
    eq("2M store reached memory", peek(BIG_PA + 0x1238), STORE_VAL);

    // 1 GiB leaf in root entry 4 over RAM.
    vm.set_root(GIGA_VA, pte(0x8000_0000, V | R | W | X | A | D));
    vm.activate(Mode::S);
    let off = BIG_PA - 0x8000_0000 + 5 * PAGE;
    expect_ok(
        "1G load",
        access(Mode::S, Kind::Load, GIGA_VA + off + MAGIC_OFF),
        MAGIC ^ (BIG_PA + 5 * PAGE),
    );
    expect_ok(
        "1G fetch",
        access(Mode::S, Kind::Fetch, GIGA_VA + off),
        FETCH_RESULT,
    );

    // Misaligned superpages: PPN bits below the leaf's level must be zero.
    let va = TEST_VA + 2 * MEGA + 5 * PAGE;
    poke(vm.l1_slot(va), pte(BIG_PA + PAGE, V | R | W | X | A | D));
    vm.activate(Mode::S);
    all_fault("misaligned 2M", va, Kind::page_fault);
    let va = GIGA_VA + GIGA + 0x1230;
    vm.set_root(va, pte(0x8000_0000 + MEGA, V | R | W | X | A | D));
    vm.activate(Mode::S);
    all_fault("misaligned 1G", va, Kind::page_fault);
}

fn bad_ptes(vm: &Vm) {
    let p = data_page();
    let va = TEST_VA + 7 * PAGE;
    poke(vm.l0_slot(va), pte(p, R | W | X | A | D));
    vm.activate(Mode::S);
    all_fault("V=0 leaf", va + 8, Kind::page_fault);

    poke(vm.l0_slot(va), pte(p, V | W | A | D));
    vm.activate(Mode::S);
    all_fault("W without R", va + 8, Kind::page_fault);
    poke(vm.l0_slot(va), pte(p, V | W | X | A | D));
    vm.activate(Mode::S);
    all_fault("W|X without R", va + 8, Kind::page_fault);

    // A pointer PTE at level 0 has nowhere to go.
    poke(vm.l0_slot(va), pte(p, V));
    vm.activate(Mode::S);
    all_fault("pointer at level 0", va + 8, Kind::page_fault);

    // Unmapped root entry, canonical upper-half address.
    all_fault(
        "unmapped root entry",
        0xffff_ffc0_0000_1000,
        Kind::page_fault,
    );
}

fn non_canonical(vm: &Vm) {
    let p = data_page();
    vm.map4k(TEST_VA, p, R | W | X | A | D);
    vm.activate(Mode::S);
    expect_ok(
        "canonical twin",
        access(Mode::S, Kind::Load, TEST_VA + MAGIC_OFF),
        MAGIC ^ p,
    );
    // Bits 63..39 must equal bit 38: these share their low 39 bits with TEST_VA.
    for va in [
        TEST_VA | 1 << 39,
        TEST_VA | 1 << 63,
        TEST_VA | 1 << 38,
        TEST_VA | 0xffff_ff80_0000_0000,
    ] {
        all_fault("non-canonical", va + MAGIC_OFF, Kind::page_fault);
    }
}

fn access_faults(vm: &Vm) {
    // Leaf pointing at physical memory no device claims.
    let va = TEST_VA + 9 * PAGE;
    vm.map4k(va, NOWHERE, R | W | X | A | D);
    vm.activate(Mode::S);
    all_fault("leaf to nowhere", va + 0x10, Kind::access_fault);

    // A walk that reaches such memory (spec: access fault).
    let va = TEST_VA + 3 * MEGA + 0x10;
    poke(vm.l1_slot(va), pte(NOWHERE, V));
    vm.activate(Mode::S);
    if guests::on_qemu() {
        // QEMU 7.2 reports a page fault when the PTE read fails.
        all_fault("walk to nowhere (QEMU)", va, Kind::page_fault);
    } else {
        all_fault("walk to nowhere", va, Kind::access_fault);
    }
}

fn satp_warl(vm: &Vm) {
    let sv39 = SATP_SV39 | vm.s_root >> 12;
    guests::csrw!(satp, sv39);
    eq("satp Sv39 reads back", satp(), sv39);
    guests::csrw!(satp, 5 << 60 | 0x1234);
    eq("satp reserved mode ignored", satp(), sv39);
    guests::csrw!(satp, 0);
    eq("satp Bare", satp(), 0);
    sfence_all();
    // Bare in S-mode: physical addresses.
    let p = data_page();
    expect_ok(
        "Bare S load",
        access(Mode::S, Kind::Load, p + MAGIC_OFF),
        MAGIC ^ p,
    );
    expect_fault(
        "Bare S nowhere",
        access(Mode::S, Kind::Load, NOWHERE),
        cause::LOAD_ACCESS,
        NOWHERE,
    );
}

#[no_mangle]
extern "C" fn guest_main() {
    // SAFETY: only the linker symbol's address is taken.
    let end = unsafe { &_end as *const u8 as u64 };
    is("program ends below BIG_PA", end <= BIG_PA);
    let vm = Vm::new();
    small_pages(&vm);
    superpages(&vm);
    bad_ptes(&vm);
    non_canonical(&vm);
    access_faults(&vm);
    satp_warl(&vm);
    guests::check::pass("sv39_walk");
}
