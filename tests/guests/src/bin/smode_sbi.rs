//! An S-mode payload (a raw Image, as Linux's) that calls every SBI extension
//! rvcow's firmware serves and checks the results: base, DBCN and the legacy
//! console, TIME, IPI, RFENCE, HSM and SRST. Needs 2 harts. It passes by
//! powering off through SRST shutdown (exit 0); the first failing check writes
//! its number to the test finisher.
#![no_std]
#![no_main]

use core::arch::asm;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicUsize, Ordering};

core::arch::global_asm!(
    r#"
    .section .text.head, "ax"
    .globl _head
_head:
    # The RISC-V Linux Image header (Documentation/arch/riscv/boot-image-header.rst).
    .option push
    .option norvc
    j _boot
    .option pop
    .word 0
    .dword 0x200000
    .dword _image_end - _head
    .dword 0
    .word 2
    .word 0
    .dword 0
    .ascii "RISCV\0\0\0"
    .ascii "RSC\x05"
    .word 0
_boot:
    la sp, _stack_top
    call smode_main
1:  wfi
    j 1b
    # hart_start lands here: a0 = hartid, a1 = opaque.
    .globl _secondary
_secondary:
    la sp, _stack_top
    slli t0, a0, 14
    sub sp, sp, t0
    call smode_secondary
2:  wfi
    j 2b
"#
);

extern "C" {
    fn _secondary();
}

// SBI extension ids and errors (SBI spec v2.0).
const EID_BASE: usize = 0x10;
const EID_TIME: usize = 0x5449_4d45;
const EID_IPI: usize = 0x73_5049;
const EID_RFENCE: usize = 0x5246_4e43;
const EID_HSM: usize = 0x48_534d;
const EID_SRST: usize = 0x5352_5354;
const EID_DBCN: usize = 0x4442_434e;
const LEGACY_PUTCHAR: usize = 0x01;
const ERR_INVALID_PARAM: isize = -3;
const ERR_ALREADY_AVAILABLE: isize = -6;
const HSM_STARTED: usize = 0;
const HSM_STOPPED: usize = 1;

const SIP_SSIP: usize = 1 << 1;
const SIP_STIP: usize = 1 << 5;

/// One SBI call; returns (error, value).
fn sbi(eid: usize, fid: usize, a0: usize, a1: usize, a2: usize) -> (isize, usize) {
    let (err, val): (usize, usize);
    // SAFETY: an ecall to the SBI firmware, which preserves all but a0 and a1.
    unsafe {
        asm!("ecall", inlateout("a0") a0 => err, inlateout("a1") a1 => val,
             in("a2") a2, in("a6") fid, in("a7") eid);
    }
    (err as isize, val)
}

/// Prints through the legacy console_putchar (failure reports: DBCN may be
/// what failed).
struct Legacy;

impl Write for Legacy {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            sbi(LEGACY_PUTCHAR, 0, b as usize, 0, 0);
        }
        Ok(())
    }
}

/// Prints through DBCN console_write.
struct Dbcn;

impl Write for Dbcn {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let (err, wrote) = sbi(EID_DBCN, 0, s.len(), s.as_ptr() as usize, 0);
        if err != 0 || wrote != s.len() {
            let n = CHECKS.load(Ordering::Relaxed) + 1;
            fail(
                n,
                "DBCN console_write",
                format_args!("error {err}, wrote {wrote}"),
            );
        }
        Ok(())
    }
}

/// Whether the firmware has DBCN (OpenSBI before 1.3 has not).
static HAS_DBCN: AtomicUsize = AtomicUsize::new(0);

/// Prints through DBCN when the firmware has it, else the legacy console.
macro_rules! println {
    ($($t:tt)*) => {{
        let _ = match HAS_DBCN.load(Ordering::Relaxed) {
            0 => writeln!(Legacy, $($t)*),
            _ => writeln!(Dbcn, $($t)*),
        };
    }};
}

static CHECKS: AtomicUsize = AtomicUsize::new(0);

/// Stops the board with status `n` through the SiFive test finisher (not SRST,
/// which is under test).
fn fail(n: usize, what: &str, detail: fmt::Arguments) -> ! {
    let _ = writeln!(Legacy, "FAIL {n}: {what}: {detail}");
    // SAFETY: the finisher is a 32-bit MMIO register the firmware leaves to S-mode.
    unsafe { (0x10_0000 as *mut u32).write_volatile(((n.min(255) as u32) << 16) | 0x3333) };
    loop {
        core::hint::spin_loop();
    }
}

/// Checks that `got == want`.
fn eq(what: &str, got: u64, want: u64) {
    let n = CHECKS.fetch_add(1, Ordering::Relaxed) + 1;
    if got != want {
        fail(n, what, format_args!("got {got:#x}, want {want:#x}"));
    }
}

fn is(what: &str, cond: bool) {
    eq(what, cond as u64, 1);
}

fn sip() -> usize {
    let v: usize;
    // SAFETY: reading sip.
    unsafe { asm!("csrr {}, sip", out(reg) v) };
    v
}

fn clear_sip(bits: usize) {
    // SAFETY: only SSIP is writable from S-mode; clearing it acknowledges an IPI.
    unsafe { asm!("csrc sip, {}", in(reg) bits) };
}

fn set_sie(bits: usize) {
    // SAFETY: enabling interrupts in sie while sstatus.SIE stays 0: WFI wakes
    // on them but no trap is taken.
    unsafe { asm!("csrs sie, {}", in(reg) bits) };
}

fn time() -> u64 {
    let t: u64;
    // SAFETY: reading the time counter.
    unsafe { asm!("rdtime {}", out(reg) t) };
    t
}

fn wfi() {
    // SAFETY: waits for an enabled interrupt to be pending.
    unsafe { asm!("wfi") };
}

/// What the secondary hart reports: the opaque value it was started with,
/// then 1 once it received an IPI.
static OPAQUE: AtomicUsize = AtomicUsize::new(0);
static GOT_IPI: AtomicUsize = AtomicUsize::new(0);

#[no_mangle]
extern "C" fn smode_main(hartid: usize, _fdt: usize) -> ! {
    eq("booted on hart 0", hartid as u64, 0);

    // Base: version, ids and extension probes.
    let (err, ver) = sbi(EID_BASE, 0, 0, 0, 0);
    eq("get_spec_version error", err as u64, 0);
    is("spec version >= 0.2", ver >= 2 && ver >> 24 <= 0x7f);
    for fid in 1..=6 {
        eq("base call error", sbi(EID_BASE, fid, 0, 0, 0).0 as u64, 0);
    }
    for eid in [EID_TIME, EID_IPI, EID_RFENCE, EID_HSM, EID_SRST] {
        let (err, avail) = sbi(EID_BASE, 3, eid, 0, 0);
        eq("probe_extension error", err as u64, 0);
        is("extension present", avail != 0);
    }
    let (err, dbcn) = sbi(EID_BASE, 3, EID_DBCN, 0, 0);
    eq("probe_extension(DBCN) error", err as u64, 0);
    HAS_DBCN.store(dbcn, Ordering::Relaxed);
    eq(
        "probe of an unknown extension",
        sbi(EID_BASE, 3, 0x0bad_0bad, 0, 0).1 as u64,
        0,
    );

    // Consoles: the legacy putchar, then DBCN write_byte and write.
    for b in b"legacy " {
        eq(
            "console_putchar",
            sbi(LEGACY_PUTCHAR, 0, *b as usize, 0, 0).0 as u64,
            0,
        );
    }
    if dbcn != 0 {
        eq(
            "DBCN write_byte",
            sbi(EID_DBCN, 2, b'+' as usize, 0, 0).0 as u64,
            0,
        );
        println!(" dbcn console");
    } else {
        println!("(no DBCN) console");
    }

    // TIME: the timer fires at the deadline and set_timer far ahead clears it.
    set_sie(SIP_STIP);
    let deadline = time() + 1000;
    eq(
        "set_timer",
        sbi(EID_TIME, 0, deadline as usize, 0, 0).0 as u64,
        0,
    );
    is(
        "no timer interrupt before its deadline",
        sip() & SIP_STIP == 0 || time() >= deadline,
    );
    while sip() & SIP_STIP == 0 {
        wfi();
    }
    is("timer interrupt at the deadline", time() >= deadline);
    sbi(EID_TIME, 0, usize::MAX, 0, 0);
    eq("set_timer(-1) clears STIP", (sip() & SIP_STIP) as u64, 0);

    // IPI to itself: SSIP pending on return.
    eq("send_ipi to self", sbi(EID_IPI, 0, 1, 0, 0).0 as u64, 0);
    is("self IPI raised SSIP", sip() & SIP_SSIP != 0);
    clear_sip(SIP_SSIP);
    eq(
        "send_ipi to a hart that does not exist",
        sbi(EID_IPI, 0, 1, 7, 0).0 as u64,
        ERR_INVALID_PARAM as u64,
    );

    // HSM: hart 1 waits stopped; start it, it reports, then IPI and stop it.
    eq(
        "hart 1 status",
        sbi(EID_HSM, 2, 1, 0, 0).1 as u64,
        HSM_STOPPED as u64,
    );
    eq(
        "hart 0 status",
        sbi(EID_HSM, 2, 0, 0, 0).1 as u64,
        HSM_STARTED as u64,
    );
    eq(
        "status of hart 9",
        sbi(EID_HSM, 2, 9, 0, 0).0 as u64,
        ERR_INVALID_PARAM as u64,
    );
    eq(
        "hart_start of a started hart",
        sbi(EID_HSM, 0, 0, _secondary as *const () as usize, 0).0 as u64,
        ERR_ALREADY_AVAILABLE as u64,
    );
    eq(
        "hart_start(1)",
        sbi(EID_HSM, 0, 1, _secondary as *const () as usize, 0x5eed).0 as u64,
        0,
    );
    while OPAQUE.load(Ordering::Acquire) == 0 {
        core::hint::spin_loop();
    }
    eq(
        "hart 1 got its opaque value",
        OPAQUE.load(Ordering::Acquire) as u64,
        0x5eed,
    );

    // RFENCE on both harts (hart 1 is started and waiting).
    eq("remote_fence_i", sbi(EID_RFENCE, 0, 3, 0, 0).0 as u64, 0);
    let (err, _) = sbi(EID_RFENCE, 1, 3, 0, 0);
    eq("remote_sfence_vma", err as u64, 0);
    eq(
        "remote_sfence_vma (all harts)",
        sbi(EID_RFENCE, 1, 0, usize::MAX, 0).0 as u64,
        0,
    );

    // IPI to hart 1, which then stops itself.
    eq("send_ipi to hart 1", sbi(EID_IPI, 0, 1, 1, 0).0 as u64, 0);
    while sbi(EID_HSM, 2, 1, 0, 0).1 != HSM_STOPPED {
        core::hint::spin_loop();
    }
    eq(
        "hart 1 received the IPI",
        GOT_IPI.load(Ordering::Acquire) as u64,
        1,
    );

    println!(
        "smode_sbi: {} checks passed",
        CHECKS.load(Ordering::Relaxed)
    );
    // SRST shutdown: powers off with status 0.
    sbi(EID_SRST, 0, 0, 0, 0);
    fail(255, "SRST shutdown returned", format_args!(""))
}

/// Hart 1, started by hart_start: reports, waits for an IPI, stops.
#[no_mangle]
extern "C" fn smode_secondary(_hartid: usize, opaque: usize) -> ! {
    OPAQUE.store(opaque, Ordering::Release);
    set_sie(SIP_SSIP);
    while sip() & SIP_SSIP == 0 {
        wfi();
    }
    clear_sip(SIP_SSIP);
    GOT_IPI.store(1, Ordering::Release);
    sbi(EID_HSM, 1, 0, 0, 0);
    fail(254, "hart_stop returned", format_args!(""))
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    fail(253, "panic", format_args!(""))
}
