//! SFENCE.VMA and satp: after a PTE changes, the old translation may linger
//! until a fence (the spec lets it), but after SFENCE.VMA (all, by address,
//! by ASID, from M or S) the new one is used; ASIDs keep address spaces apart
//! without a fence; TVM makes the fence and satp illegal in S.
#![no_std]
#![no_main]

use guests::check::{any, eq, is};
use guests::csr::{cause, mstatus};
use guests::trap::{self, run_in, Mode};
use guests::vm::*;
use guests::{csrc, csrr, csrs, csrw};

extern "C" fn s_sfence_va(va: u64) -> u64 {
    sfence_va(va);
    0
}

extern "C" fn s_write_satp(v: u64) -> u64 {
    csrw!(satp, v);
    0
}

fn load(va: u64) -> Result<u64, guests::trap::Trap> {
    access(Mode::S, Kind::Load, va + MAGIC_OFF)
}

/// Remaps `va` from page `a` to page `b` and checks the new mapping after
/// `fence`: the old one or the new one before it, only the new one after.
fn remap(what: &str, vm: &Vm, va: u64, fence: &dyn Fn()) {
    let (a, b) = (data_page(), data_page());
    vm.map4k(va, a, R | W | A | D);
    sfence_all();
    expect_ok(what, load(va), MAGIC ^ a);
    vm.map4k(va, b, R | W | A | D);
    let before = load(va).unwrap_or(0);
    any(what, before, &[MAGIC ^ a, MAGIC ^ b]);
    fence();
    expect_ok(what, load(va), MAGIC ^ b);
}

fn fences(vm: &Vm) {
    vm.activate(Mode::S);
    let va = TEST_VA + 40 * PAGE;
    remap("sfence.vma zero, zero", vm, va, &sfence_all);
    remap("sfence.vma va", vm, va, &|| sfence_va(va));
    remap("sfence.vma va (other offset)", vm, va, &|| {
        sfence_va(va + 0xff8)
    });
    remap("sfence.vma zero, asid", vm, va, &|| sfence_asid(0));
    remap("sfence.vma from S", vm, va, &|| {
        trap::reset();
        run_in(Mode::S, s_sfence_va, va);
        eq("S fence does not trap", trap::count() as u64, 0);
    });

    // Revoking a mapping: after the fence the access faults.
    let p = data_page();
    vm.map4k(va, p, R | A | D);
    sfence_all();
    expect_ok("before revoke", load(va), MAGIC ^ p);
    poke(vm.l0_slot(va), 0);
    sfence_va(va);
    expect_fault("revoked", load(va), cause::LOAD_PAGE, va + MAGIC_OFF);

    // Granting write: after the fence the store succeeds.
    vm.map4k(va, p, R | A | D);
    sfence_all();
    expect_fault(
        "read-only store",
        access(Mode::S, Kind::Store, va + 0x300),
        cause::STORE_PAGE,
        va + 0x300,
    );
    vm.map4k(va, p, R | W | A | D);
    sfence_va(va);
    expect_ok("granted store", access(Mode::S, Kind::Store, va + 0x300), 0);
    eq("granted store landed", peek(p + 0x300), STORE_VAL);
}

/// Two address spaces that map the same VA to different pages, told apart by
/// ASID alone (when the hart implements ASIDs).
fn asids(vm: &Vm) {
    csrw!(satp, SATP_SV39 | 0xffff << 44 | vm.s_root >> 12);
    let asid_mask = (csrr!(satp) >> 44) & 0xffff;
    if asid_mask & 3 != 3 {
        eq("ASIDLEN 0: no ASID bits", asid_mask, 0);
        return;
    }
    let other = Vm::new();
    let va = TEST_VA + 41 * PAGE;
    let (a, b) = (data_page(), data_page());
    vm.map4k(va, a, R | A | D);
    other.map4k(va, b, R | A | D);
    csrw!(satp, SATP_SV39 | 1 << 44 | vm.s_root >> 12);
    sfence_all();
    expect_ok("ASID 1", load(va), MAGIC ^ a);
    csrw!(satp, SATP_SV39 | 2 << 44 | other.s_root >> 12);
    expect_ok("ASID 2 without a fence", load(va), MAGIC ^ b);
    csrw!(satp, SATP_SV39 | 1 << 44 | vm.s_root >> 12);
    expect_ok("back to ASID 1", load(va), MAGIC ^ a);
    // Remap in ASID 1 and flush ASID 1 only.
    let c = data_page();
    vm.map4k(va, c, R | A | D);
    sfence_asid(1);
    expect_ok("ASID 1 after its fence", load(va), MAGIC ^ c);
    csrw!(satp, SATP_SV39 | 2 << 44 | other.s_root >> 12);
    expect_ok("ASID 2 unchanged", load(va), MAGIC ^ b);
    vm.activate(Mode::S);
}

fn tvm(vm: &Vm) {
    csrs!(mstatus, mstatus::TVM);
    trap::reset();
    run_in(Mode::S, s_sfence_va, 0);
    eq(
        "TVM: S sfence.vma illegal",
        trap::last().cause,
        cause::ILLEGAL,
    );
    trap::reset();
    run_in(Mode::S, s_write_satp, 0);
    eq(
        "TVM: S satp write illegal",
        trap::last().cause,
        cause::ILLEGAL,
    );
    is("TVM: satp kept", satp() == SATP_SV39 | vm.s_root >> 12);
    csrc!(mstatus, mstatus::TVM);
    vm.activate(Mode::U);
    trap::reset();
    run_in(Mode::U, s_sfence_va, 0);
    eq("U sfence.vma illegal", trap::last().cause, cause::ILLEGAL);
}

#[no_mangle]
extern "C" fn guest_main() {
    let vm = Vm::new();
    fences(&vm);
    asids(&vm);
    vm.activate(Mode::S);
    tvm(&vm);
    guests::check::pass("sfence");
}
