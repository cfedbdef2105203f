// M-mode CSR access and the board's fixed addresses (QEMU virt's memory map).

use core::arch::asm;

/// SiFive test finisher: 0x5555 powers off, 0x7777 resets, (code << 16) | 0x3333 fails.
pub const TEST_FINISHER: usize = 0x10_0000;
/// CLINT msip registers, one 32-bit word per hart.
pub const CLINT_MSIP: usize = 0x200_0000;

pub const MIP_SSIP: usize = 1 << 1;
pub const MIP_MSIP: usize = 1 << 3;
pub const MIP_STIP: usize = 1 << 5;
pub const MIP_SEIP: usize = 1 << 9;

pub const MSTATUS_MPP: usize = 3 << 11;
pub const MSTATUS_MPP_S: usize = 1 << 11;
pub const MSTATUS_MPIE: usize = 1 << 7;
pub const MSTATUS_SIE: usize = 1 << 1;

/// menvcfg.STCE: S-mode timer compare (Sstc) on.
const MENVCFG_STCE: usize = 1 << 63;

macro_rules! csr_read {
    ($read:ident, $csr:literal) => {
        #[inline(always)]
        pub fn $read() -> usize {
            let v: usize;
            // SAFETY: reading this CSR in M-mode has no side effect.
            unsafe { asm!(concat!("csrr {}, ", $csr), out(reg) v) };
            v
        }
    };
}

macro_rules! csr_write {
    ($write:ident, $csr:literal) => {
        #[inline(always)]
        pub fn $write(v: usize) {
            // SAFETY: the firmware owns M-mode state; callers pass valid values.
            unsafe { asm!(concat!("csrw ", $csr, ", {}"), in(reg) v) };
        }
    };
}

csr_read!(r_mhartid, "mhartid");
csr_read!(r_mstatus, "mstatus");
csr_write!(w_mstatus, "mstatus");
csr_read!(r_mepc, "mepc");
csr_write!(w_mepc, "mepc");
csr_read!(r_mcause, "mcause");
csr_read!(r_mtval, "mtval");
csr_read!(r_mie, "mie");
csr_write!(w_mie, "mie");
csr_write!(w_stimecmp, "stimecmp");
csr_read!(r_mvendorid, "mvendorid");
csr_read!(r_marchid, "marchid");
csr_read!(r_mimpid, "mimpid");

/// Sets `bits` in mip.
pub fn set_mip(bits: usize) {
    // SAFETY: only writable S-level bits are set.
    unsafe { asm!("csrs mip, {}", in(reg) bits) };
}

/// The per-hart machine state an S-mode payload expects: exceptions and S
/// interrupts delegated, counters and Sstc open to S-mode, all memory
/// accessible through PMP entry 0, and `mtvec` at the trap entry.
pub fn setup_delegation(trap_entry: usize, stack_top: usize) {
    // Everything but ecalls from S- and M-mode goes to S-mode.
    let medeleg: usize = 0xffff & !((1 << 9) | (1 << 10) | (1 << 11));
    // SAFETY: these writes configure M-mode state the firmware owns.
    unsafe {
        asm!(
            "csrw medeleg, {medeleg}",
            "csrw mideleg, {mideleg}",
            "csrw mcounteren, {all}",
            "csrw menvcfg, {envcfg}",
            "csrw pmpaddr0, {all}",
            "csrw pmpcfg0, {napot}",
            "csrw mtvec, {tvec}",
            "csrw mscratch, {stack}",
            "csrw satp, zero",
            medeleg = in(reg) medeleg,
            mideleg = in(reg) MIP_SSIP | MIP_STIP | MIP_SEIP,
            all = in(reg) usize::MAX,
            envcfg = in(reg) MENVCFG_STCE,
            napot = in(reg) 0x1f, // NAPOT, R, W, X
            tvec = in(reg) trap_entry,
            stack = in(reg) stack_top,
        );
    }
    w_mie(r_mie() | MIP_MSIP);
}

/// Drops to S-mode at `addr` with a0 = `hartid`, a1 = `arg`, translation off
/// and S interrupts disabled (SBI spec, HSM hart_start).
pub fn enter_s_mode(hartid: usize, addr: usize, arg: usize) -> ! {
    let s = r_mstatus() & !(MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_SIE);
    w_mstatus(s | MSTATUS_MPP_S);
    w_mepc(addr);
    // SAFETY: mret to the payload; this hart's M-mode stack is free again
    // (mscratch points at its top).
    unsafe {
        asm!("csrw satp, zero", "sfence.vma", "mret", in("a0") hartid, in("a1") arg,
             options(noreturn));
    }
}

/// Raises or clears hart `h`'s machine software interrupt.
pub fn set_msip(h: usize, on: bool) {
    let p = (CLINT_MSIP + 4 * h) as *mut u32;
    // SAFETY: the CLINT's msip words are 32-bit MMIO registers.
    unsafe { p.write_volatile(on as u32) };
}

/// Writes the test finisher.
fn finisher(v: u32) -> ! {
    // SAFETY: the finisher is a 32-bit MMIO register; the write ends or resets the machine.
    unsafe { (TEST_FINISHER as *mut u32).write_volatile(v) };
    loop {
        // SAFETY: waiting for the board to act on the write.
        unsafe { asm!("wfi") };
    }
}

/// Powers the board off (exit status 0).
pub fn finisher_pass() -> ! {
    finisher(0x5555)
}

/// Resets the board.
pub fn finisher_reset() -> ! {
    finisher(0x7777)
}

/// Stops the board with a failure `code`.
pub fn finisher_fail(code: u16) -> ! {
    finisher(((code as u32) << 16) | 0x3333)
}

/// Flushes this hart's address translation caches.
pub fn sfence_vma() {
    // SAFETY: a fence has no effect on memory contents.
    unsafe { asm!("sfence.vma") };
}

/// Synchronizes this hart's instruction fetches with earlier stores.
pub fn fence_i() {
    // SAFETY: a fence has no effect on memory contents.
    unsafe { asm!("fence.i") };
}

/// Waits for an interrupt (pending in mip & mie, whatever mstatus.MIE says).
pub fn wfi() {
    // SAFETY: WFI only pauses the hart.
    unsafe { asm!("wfi") };
}
