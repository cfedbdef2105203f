//! virtio-blk in slot 0, legacy or modern as the device says: features and
//! capacity, reads of the host's header sector, pattern writes read back,
//! flush, get-id, out-of-range and unsupported requests, a descriptor outside
//! RAM (IOERR or DEVICE_NEEDS_RESET, never a hang), then a reset and reuse.
//!
//! The disk (made by the host test) has 128 sectors; sector 0 holds "RVCOWBLK"
//! and the capacity as a little-endian u64. The program writes `pattern` to
//! sectors 2..=5 and 9, which the host checks afterwards; sector 12 is the
//! target of the bad request and must stay zero.
#![no_std]
#![no_main]

use core::cell::UnsafeCell;
use guests::check::{any, eq, is};
use guests::println;
use guests::virtio::*;

/// Byte `i` of sector `s` as the program writes it (the host test agrees).
fn pattern(s: u64, i: u64) -> u8 {
    (s * 31 + i * 7 + (i >> 8)) as u8
}

/// Polling rounds allowed per request.
const BUDGET: u64 = 2_000_000;
/// Physical address with no device behind it.
const NOWHERE: u64 = 0x9000_0000;
/// PLIC pending bits of sources 0..31.
const PLIC_PENDING: u64 = 0x0c00_1000;

#[repr(C, align(4096))]
struct Buf(UnsafeCell<[u8; 4096]>);

// SAFETY: hart 0 alone uses the buffers, between requests.
unsafe impl Sync for Buf {}

static WBUF: Buf = Buf(UnsafeCell::new([0; 4096]));
static RBUF: Buf = Buf(UnsafeCell::new([0; 4096]));

fn buf(b: &Buf) -> &'static mut [u8; 4096] {
    // SAFETY: the device is idle whenever the program touches a buffer.
    unsafe { &mut *b.0.get() }
}

fn addr(b: &Buf) -> u64 {
    b.0.get() as u64
}

/// Runs one request and checks that it completed with `want`.
fn req(what: &str, blk: &mut Blk, kind: u32, sector: u64, data: u64, len: u32, want: u8) {
    match blk.request(kind, sector, data, len, BUDGET) {
        Done::Status(s) => eq(what, s as u64, want as u64),
        other => {
            println!("{what}: {other:?}");
            is(what, false);
        }
    }
}

/// Reads `n` sectors from `sector` into RBUF.
fn read(what: &str, blk: &mut Blk, sector: u64, n: u32) -> &'static [u8] {
    buf(&RBUF).fill(0xee);
    req(what, blk, T_IN, sector, addr(&RBUF), 512 * n, S_OK);
    eq(
        "used length of a read",
        blk.last_used().1 as u64,
        512 * n as u64 + 1,
    );
    &buf(&RBUF)[..512 * n as usize]
}

fn write_pattern(blk: &mut Blk, sector: u64, n: u32) {
    let w = buf(&WBUF);
    for s in 0..n as u64 {
        for i in 0..512 {
            w[(s * 512 + i) as usize] = pattern(sector + s, i);
        }
    }
    req("write", blk, T_OUT, sector, addr(&WBUF), 512 * n, S_OK);
    eq("used length of a write", blk.last_used().1 as u64, 1);
}

fn check_pattern(what: &str, data: &[u8], sector: u64) {
    let bad = data
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b != pattern(sector + i as u64 / 512, i as u64 % 512))
        .count();
    eq(what, bad as u64, 0);
}

fn probe_slots() {
    eq("slot 0 magic", reg(SLOT0, MAGIC_VALUE) as u64, MAGIC as u64);
    eq("slot 0 is a block device", reg(SLOT0, DEVICE_ID) as u64, 2);
    for i in 1..8 {
        let base = SLOT0 + i * SLOT_STRIDE;
        eq(
            "empty slot magic",
            reg(base, MAGIC_VALUE) as u64,
            MAGIC as u64,
        );
        eq("empty slot device id", reg(base, DEVICE_ID) as u64, 0);
    }
}

/// Whether `outcome` is an acceptable answer to a malformed request: IOERR or
/// DEVICE_NEEDS_RESET. QEMU deviates in two ways the program tolerates only
/// on QEMU: a legacy device marks itself broken without telling the driver
/// (no completion), and DMA from unclaimed memory reads zeros and succeeds.
fn refused(outcome: Done, version: u32, dma_outside: bool) -> bool {
    match outcome {
        Done::Status(S_IOERR) | Done::NeedsReset => true,
        Done::Status(S_OK) => guests::on_qemu() && dma_outside,
        Done::Timeout => guests::on_qemu() && version == 1,
        Done::Status(_) => false,
    }
}

/// Resets and reinitializes the device after a malformed request.
fn reinit(blk: &Blk) -> Blk {
    blk.reset();
    eq("reset clears status", reg(SLOT0, STATUS) as u64, 0);
    match Blk::init(SLOT0) {
        Ok(b) => b,
        Err(e) => {
            println!("virtio re-init: {e:?}");
            guests::exit(201);
        }
    }
}

fn bad_requests(blk: Blk) -> Blk {
    let mut blk = blk;
    let outcome = blk.request(T_OUT, 12, NOWHERE, 2048, BUDGET);
    println!("descriptor outside RAM: {outcome:?}");
    is(
        "descriptor outside RAM refused",
        refused(outcome, blk.version, true),
    );
    let mut blk = reinit(&blk);
    let outcome = blk.request_looped(BUDGET);
    println!("looped chain: {outcome:?}");
    is("looped chain refused", refused(outcome, blk.version, false));
    reinit(&blk)
}

#[no_mangle]
extern "C" fn guest_main() {
    probe_slots();
    let mut blk = match Blk::init(SLOT0) {
        Ok(b) => b,
        Err(e) => {
            println!("virtio init: {e:?}");
            guests::exit(200);
        }
    };
    println!(
        "virtio_blk: version {} capacity {} features {:#x}",
        blk.version, blk.capacity, blk.device_features
    );
    any("version", blk.version as u64, &[1, 2]);
    is("FLUSH offered", blk.device_features & F_BLK_FLUSH != 0);
    if blk.version == 2 {
        is("VERSION_1 offered", blk.device_features & F_VERSION_1 != 0);
        eq(
            "config generation stable",
            reg(SLOT0, CONFIG_GENERATION) as u64,
            reg(SLOT0, CONFIG_GENERATION) as u64,
        );
    }

    let head = read("read sector 0", &mut blk, 0, 1);
    is("sector 0 header", &head[..8] == b"RVCOWBLK");
    let cap = u64::from_le_bytes(head[8..16].try_into().unwrap());
    eq("capacity matches the image", blk.capacity, cap);
    eq(
        "interrupt status: used buffer",
        blk.ack_interrupt() as u64 & 1,
        1,
    );
    // SAFETY: the PLIC pending word is a 32-bit register.
    let pending = unsafe { (PLIC_PENDING as *const u32).read_volatile() };
    eq("PLIC source 1 pending", (pending >> 1) as u64 & 1, 1);

    write_pattern(&mut blk, 2, 4);
    write_pattern(&mut blk, 9, 1);
    let data = read("read back 2..=5", &mut blk, 2, 4);
    check_pattern("sectors 2..=5 read back", data, 2);
    let data = read("read back 9", &mut blk, 9, 1);
    check_pattern("sector 9 read back", data, 9);
    req("flush", &mut blk, T_FLUSH, 0, 0, 0, S_OK);
    req("get id", &mut blk, T_GET_ID, 0, addr(&RBUF), 20, S_OK);
    let end = blk.capacity;
    req(
        "read past the end",
        &mut blk,
        T_IN,
        end,
        addr(&RBUF),
        512,
        S_IOERR,
    );
    req(
        "unsupported type",
        &mut blk,
        0x77,
        0,
        addr(&RBUF),
        512,
        S_UNSUPP,
    );
    blk.ack_interrupt();

    let mut blk = bad_requests(blk);
    let data = read("read after reset", &mut blk, 9, 1);
    check_pattern("sector 9 after reset", data, 9);
    req("final flush", &mut blk, T_FLUSH, 0, 0, 0, S_OK);
    guests::check::pass("virtio_blk");
}
