// Machine-mode setup: delegate traps to supervisor mode, open physical memory,
// arm the Sstc timer, and mret into main() in supervisor mode.

use crate::riscv::*;
use crate::trap::TIMER_INTERVAL;

/// entry.rs jumps here in machine mode on the boot stack.
#[no_mangle]
pub extern "C" fn start() -> ! {
    // set M Previous Privilege mode to Supervisor, for mret.
    let mut x = r_mstatus();
    x &= !MSTATUS_MPP_MASK;
    x |= MSTATUS_MPP_S;
    w_mstatus(x);

    // set M Exception Program Counter to main, for mret.
    w_mepc(crate::main as *const () as usize);

    // disable paging for now.
    w_satp(0);

    // delegate all interrupts and exceptions to supervisor mode.
    w_medeleg(0xffff);
    w_mideleg(0xffff);
    w_sie(r_sie() | SIE_SEIE | SIE_STIE | SIE_SSIE);

    // configure Physical Memory Protection to give supervisor mode access to
    // all of physical memory.
    w_pmpaddr0(0x3f_ffff_ffff_ffff);
    w_pmpcfg0(0xf);

    // ask for clock interrupts.
    timerinit();

    // keep each CPU's hartid in its tp register, for cpuid().
    w_tp(r_mhartid());

    // switch to supervisor mode and jump to main(), with no caller frame
    // (backtraces stop at main).
    // SAFETY: mstatus.MPP and mepc are set up above; mret does not return here.
    unsafe { core::arch::asm!("li ra, 0", "li s0, 0", "mret", options(noreturn)) }
}

/// Asks each hart to generate supervisor timer interrupts (Sstc).
fn timerinit() {
    // enable supervisor-mode timer interrupts.
    w_mie(r_mie() | MIE_STIE);
    // enable the sstc extension (i.e. stimecmp).
    w_menvcfg(r_menvcfg() | (1 << 63));
    // allow supervisor to use stimecmp and time.
    w_mcounteren(r_mcounteren() | 2);
    // ask for the very first timer interrupt.
    w_stimecmp(r_time() + TIMER_INTERVAL);
}
