// The RISC-V Platform Level Interrupt Controller (PLIC).

use core::ptr::{read_volatile, write_volatile};

use crate::memlayout::{plic_sclaim, plic_senable, plic_spriority, PLIC, UART0_IRQ, VIRTIO0_IRQ};
use crate::spinlock::cpuid;

fn write(addr: usize, v: u32) {
    // SAFETY: addr is a PLIC register, mapped in the kernel page table.
    unsafe { write_volatile(addr as *mut u32, v) };
}

fn read(addr: usize) -> u32 {
    // SAFETY: addr is a PLIC register, mapped in the kernel page table.
    unsafe { read_volatile(addr as *const u32) }
}

/// Sets desired IRQ priorities non-zero (otherwise disabled). Hart 0, once.
pub fn plicinit() {
    write(PLIC + UART0_IRQ as usize * 4, 1);
    write(PLIC + VIRTIO0_IRQ as usize * 4, 1);
}

/// Enables the uart and virtio IRQs for this hart's S-mode, at threshold 0.
pub fn plicinithart() {
    let hart = cpuid();
    write(plic_senable(hart), (1 << UART0_IRQ) | (1 << VIRTIO0_IRQ));
    write(plic_spriority(hart), 0);
}

/// Asks the PLIC what interrupt we should serve; 0 if none.
pub fn plic_claim() -> u32 {
    read(plic_sclaim(cpuid()))
}

/// Tells the PLIC we've served this IRQ.
pub fn plic_complete(irq: u32) {
    write(plic_sclaim(cpuid()), irq);
}
