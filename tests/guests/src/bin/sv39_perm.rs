//! Sv39 permissions: every R/W/X/U combination of a 4 KiB leaf, loaded,
//! stored, AMO'd and fetched from S and U mode, under each setting of SUM
//! and MXR, against the privileged spec's rules (§4.3.1, §4.3.2 step 6).
#![no_std]
#![no_main]

use guests::check::is;
use guests::csr::mstatus;
use guests::trap::Mode;
use guests::vm::*;
use guests::{csrc, csrs, println};

/// Whether the spec lets a `kind` access from `mode` through a leaf with
/// permission bits `perm` (R/W/X/U) under SUM and MXR.
fn allowed(perm: u64, mode: Mode, sum: bool, mxr: bool, kind: Kind) -> bool {
    let (r, w, x, u) = (perm & R != 0, perm & W != 0, perm & X != 0, perm & U != 0);
    if w && !r {
        return false; // reserved encoding
    }
    match mode {
        Mode::U if !u => return false,
        Mode::S if u && (kind == Kind::Fetch || !sum) => return false,
        _ => {}
    }
    match kind {
        Kind::Load => r || (mxr && x),
        Kind::Store | Kind::Amo => w,
        Kind::Fetch => x,
    }
}

/// The page-fault cause of a denied access. QEMU 7.2 performs an AMO's read
/// first and reports a load page fault (13) when the read alone is denied; the
/// spec (and rvcow) always report a store/AMO page fault (15).
fn fault_cause(perm: u64, mode: Mode, sum: bool, mxr: bool, kind: Kind) -> u64 {
    if kind == Kind::Amo && guests::on_qemu() && !allowed(perm, mode, sum, mxr, Kind::Load) {
        return Kind::Load.page_fault();
    }
    kind.page_fault()
}

/// Offset within the page that each kind of probe touches.
fn offset(kind: Kind) -> u64 {
    match kind {
        Kind::Load => MAGIC_OFF,
        Kind::Store => 0x300,
        Kind::Amo => 0x308,
        Kind::Fetch => 0,
    }
}

/// Runs one probe and returns whether it matched the spec, printing a line
/// when it did not.
fn probe(vm: &Vm, page: u64, perm: u64, mode: Mode, sum: bool, mxr: bool, kind: Kind) -> bool {
    let va = TEST_VA + 20 * PAGE;
    fill_data(page);
    poke(page + 0x308, 41);
    poke(vm.l0_slot(va), pte(page, V | A | D | perm));
    vm.activate(mode);
    csrc!(mstatus, mstatus::SUM | mstatus::MXR);
    csrs!(
        mstatus,
        if sum { mstatus::SUM } else { 0 } | if mxr { mstatus::MXR } else { 0 }
    );
    let addr = va + offset(kind);
    let r = access(mode, kind, addr);
    csrc!(mstatus, mstatus::SUM | mstatus::MXR);
    let want_ok = allowed(perm, mode, sum, mxr, kind);
    let good = match (r, want_ok) {
        (Ok(v), true) => match kind {
            Kind::Load => v == MAGIC ^ page,
            Kind::Store => peek(page + 0x300) == STORE_VAL,
            Kind::Amo => v == 41 && peek(page + 0x308) == 42,
            Kind::Fetch => v == FETCH_RESULT,
        },
        (Err(t), false) => t.cause == fault_cause(perm, mode, sum, mxr, kind) && t.tval == addr,
        _ => false,
    };
    if !good {
        println!(
            "perm {}{}{}{} mode {:?} sum {} mxr {} {:?}: spec says {}, got {:x?}",
            if perm & R != 0 { 'r' } else { '-' },
            if perm & W != 0 { 'w' } else { '-' },
            if perm & X != 0 { 'x' } else { '-' },
            if perm & U != 0 { 'u' } else { '-' },
            mode,
            sum as u8,
            mxr as u8,
            kind,
            if want_ok { "ok" } else { "page fault" },
            r.map_err(|t| (t.cause, t.tval)),
        );
    }
    good
}

#[no_mangle]
extern "C" fn guest_main() {
    let vm = Vm::new();
    let page = alloc_page();
    let mut total = 0;
    for mode in [Mode::S, Mode::U] {
        for kind in [Kind::Load, Kind::Store, Kind::Amo, Kind::Fetch] {
            let mut bad = 0;
            for bits in 0..16u64 {
                let perm = (bits & 7) << 1 | (bits >> 3) << 4;
                for sum in [false, true] {
                    for mxr in [false, true] {
                        total += 1;
                        if !probe(&vm, page, perm, mode, sum, mxr, kind) {
                            bad += 1;
                        }
                    }
                }
            }
            is("permission matrix row matches the spec", bad == 0);
        }
    }
    println!("sv39_perm: {total} combinations");
    guests::check::pass("sv39_perm");
}
