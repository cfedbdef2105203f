//! mstatus.MPRV: M-mode loads, stores and AMOs translated and checked as
//! MPP's mode (S or U) would see them, with SUM and MXR, A/D update and
//! page-fault tval; fetches stay untranslated; MPP = M or MPRV = 0 is physical.
#![no_std]
#![no_main]

use guests::check::eq;
use guests::csr::{cause, mstatus};
use guests::trap::Mode;
use guests::vm::*;

const SUM: u64 = mstatus::SUM;
const MXR: u64 = mstatus::MXR;

#[no_mangle]
extern "C" fn guest_main() {
    let vm = Vm::new();
    let (s_va, u_va, sx_va, ux_va, ad_va) = (
        TEST_VA + 50 * PAGE,
        TEST_VA + 51 * PAGE,
        TEST_VA + 52 * PAGE,
        TEST_VA + 53 * PAGE,
        TEST_VA + 54 * PAGE,
    );
    let (sp, up, xp) = (data_page(), data_page(), data_page());
    vm.map4k(s_va, sp, R | W | A | D);
    vm.map4k(u_va, up, R | W | U | A | D);
    vm.map4k(sx_va, xp, X | A | D);
    vm.map4k(ux_va, xp, X | U | A | D);
    // The code runs from a supervisor-only page: with MPP = U every M fetch
    // would fault if MPRV applied to fetches.
    vm.activate(Mode::S);

    let m = MAGIC_OFF;
    // MPP = S.
    expect_ok(
        "S load",
        access_mprv(Mode::S, 0, Kind::Load, s_va + m),
        MAGIC ^ sp,
    );
    expect_ok(
        "S store",
        access_mprv(Mode::S, 0, Kind::Store, s_va + 0x300),
        0,
    );
    eq("S store landed", peek(sp + 0x300), STORE_VAL);
    expect_ok(
        "S amo",
        access_mprv(Mode::S, 0, Kind::Amo, s_va + 0x300),
        STORE_VAL,
    );
    eq("S amo landed", peek(sp + 0x300), STORE_VAL + 1);
    let r = access_mprv(Mode::S, 0, Kind::Load, u_va + m);
    expect_fault("S load of U page", r, cause::LOAD_PAGE, u_va + m);
    let r = access_mprv(Mode::S, SUM, Kind::Load, u_va + m);
    expect_ok("S load of U page with SUM", r, MAGIC ^ up);
    let r = access_mprv(Mode::S, 0, Kind::Load, sx_va + m);
    expect_fault("S load of X page", r, cause::LOAD_PAGE, sx_va + m);
    let r = access_mprv(Mode::S, MXR, Kind::Load, sx_va + m);
    expect_ok("S load of X page with MXR", r, MAGIC ^ xp);
    let r = access_mprv(Mode::S, MXR, Kind::Store, sx_va + 0x300);
    expect_fault("S store to X page", r, cause::STORE_PAGE, sx_va + 0x300);

    // MPP = U.
    expect_ok(
        "U load",
        access_mprv(Mode::U, 0, Kind::Load, u_va + m),
        MAGIC ^ up,
    );
    expect_ok(
        "U store",
        access_mprv(Mode::U, 0, Kind::Store, u_va + 0x300),
        0,
    );
    eq("U store landed", peek(up + 0x300), STORE_VAL);
    let r = access_mprv(Mode::U, SUM, Kind::Load, s_va + m);
    expect_fault("U load of S page", r, cause::LOAD_PAGE, s_va + m);
    let r = access_mprv(Mode::U, SUM, Kind::Store, s_va + 0x300);
    expect_fault("U store to S page", r, cause::STORE_PAGE, s_va + 0x300);
    let r = access_mprv(Mode::U, MXR, Kind::Load, ux_va + m);
    expect_ok("U load of X page with MXR", r, MAGIC ^ xp);

    // Unmapped and non-canonical virtual addresses.
    let r = access_mprv(Mode::S, 0, Kind::Load, TEST_VA + 60 * PAGE);
    expect_fault("unmapped", r, cause::LOAD_PAGE, TEST_VA + 60 * PAGE);
    let r = access_mprv(Mode::S, 0, Kind::Store, s_va | 1 << 40);
    expect_fault("non-canonical", r, cause::STORE_PAGE, s_va | 1 << 40);

    // A/D update through MPRV.
    let ap = data_page();
    vm.map4k(ad_va, ap, R | W);
    sfence_all();
    expect_ok(
        "A/D store",
        access_mprv(Mode::S, 0, Kind::Store, ad_va + 0x300),
        0,
    );
    eq(
        "MPRV store sets A and D",
        peek(vm.l0_slot(ad_va)),
        pte(ap, V | R | W | A | D),
    );

    // MPP = M: no translation, so a test VA is a physical address with no
    // device behind it.
    let r = access_mprv(Mode::M, 0, Kind::Load, sp + m);
    expect_ok("MPP=M physical", r, MAGIC ^ sp);
    let r = access_mprv(Mode::M, 0, Kind::Load, s_va + m);
    expect_fault("MPP=M untranslated", r, cause::LOAD_ACCESS, s_va + m);

    // Bare satp: MPRV with MPP = S is physical too.
    bare();
    let r = access_mprv(Mode::S, 0, Kind::Load, up + m);
    expect_ok("Bare MPP=S physical", r, MAGIC ^ up);
    eq(
        "MPRV off afterwards",
        guests::csrr!(mstatus) & mstatus::MPRV,
        0,
    );
    guests::check::pass("mprv");
}
