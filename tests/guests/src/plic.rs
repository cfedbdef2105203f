//! The virt machine's PLIC and 16550 UART registers, for the interrupt
//! programs. Context 2h is hart h's M-mode context, 2h + 1 its S-mode one.

/// PLIC base.
pub const PLIC: u64 = 0x0c00_0000;
/// UART0 base (PLIC source 10).
pub const UART: u64 = 0x1000_0000;
pub const UART_IRQ: u32 = 10;

pub const RBR: u64 = 0;
pub const THR: u64 = 0;
pub const IER: u64 = 1;
pub const IIR: u64 = 2;
pub const FCR: u64 = 2;
pub const LCR: u64 = 3;
pub const LSR: u64 = 5;

pub const IER_RDI: u8 = 1;
pub const IER_THRI: u8 = 2;
pub const IIR_NONE: u8 = 1;
pub const IIR_THRI: u8 = 2;
pub const IIR_RDI: u8 = 4;
pub const LSR_DR: u8 = 1;
pub const LSR_THRE: u8 = 0x20;

fn r32(a: u64) -> u32 {
    // SAFETY: PLIC registers are 32-bit MMIO.
    unsafe { (a as *const u32).read_volatile() }
}

fn w32(a: u64, v: u32) {
    // SAFETY: PLIC registers are 32-bit MMIO.
    unsafe { (a as *mut u32).write_volatile(v) }
}

/// Sets the priority of source `irq`.
pub fn set_priority(irq: u32, p: u32) {
    w32(PLIC + 4 * irq as u64, p);
}

/// Reads the priority of source `irq`.
pub fn priority(irq: u32) -> u32 {
    r32(PLIC + 4 * irq as u64)
}

/// Whether source `irq` is pending.
pub fn pending(irq: u32) -> bool {
    r32(PLIC + 0x1000 + 4 * (irq / 32) as u64) >> (irq % 32) & 1 != 0
}

/// Enables (or disables) source `irq` for context `ctx`.
pub fn enable(ctx: u32, irq: u32, on: bool) {
    let a = PLIC + 0x2000 + 0x80 * ctx as u64 + 4 * (irq / 32) as u64;
    let bit = 1 << (irq % 32);
    w32(a, if on { r32(a) | bit } else { r32(a) & !bit });
}

/// Sets the priority threshold of context `ctx`.
pub fn set_threshold(ctx: u32, t: u32) {
    w32(PLIC + 0x20_0000 + 0x1000 * ctx as u64, t);
}

/// Claims the best pending source of context `ctx` (0 when none).
pub fn claim(ctx: u32) -> u32 {
    r32(PLIC + 0x20_0004 + 0x1000 * ctx as u64)
}

/// Completes source `irq` for context `ctx`.
pub fn complete(ctx: u32, irq: u32) {
    w32(PLIC + 0x20_0004 + 0x1000 * ctx as u64, irq);
}

/// Reads UART register `off`.
pub fn uart_read(off: u64) -> u8 {
    // SAFETY: the UART's registers are bytes.
    unsafe { ((UART + off) as *const u8).read_volatile() }
}

/// Writes UART register `off`.
pub fn uart_write(off: u64, v: u8) {
    // SAFETY: the UART's registers are bytes.
    unsafe { ((UART + off) as *mut u8).write_volatile(v) }
}
