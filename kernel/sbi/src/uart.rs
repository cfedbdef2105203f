// The 16550 UART at 0x10000000, polled: the SBI console of early boot.

use core::fmt::{self, Write};

const UART0: usize = 0x1000_0000;
const RBR: usize = 0; // receive buffer (read)
const THR: usize = 0; // transmit holding (write)
const LSR: usize = 5; // line status
const LSR_DR: u8 = 1 << 0; // a byte is waiting
const LSR_THRE: u8 = 1 << 5; // THR can take a byte

fn reg(r: usize) -> *mut u8 {
    (UART0 + r) as *mut u8
}

/// Sends one byte, waiting for room.
pub fn putc(b: u8) {
    // SAFETY: the UART's registers are byte-wide MMIO at the virt board's address.
    unsafe {
        while reg(LSR).read_volatile() & LSR_THRE == 0 {}
        reg(THR).write_volatile(b);
    }
}

/// A received byte, if one is waiting.
pub fn getc() -> Option<u8> {
    // SAFETY: as in putc.
    unsafe { (reg(LSR).read_volatile() & LSR_DR != 0).then(|| reg(RBR).read_volatile()) }
}

struct Uart;

impl Write for Uart {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes().for_each(putc);
        Ok(())
    }
}

/// Prints to the console (firmware messages).
pub fn print_fmt(args: fmt::Arguments) {
    let _ = Uart.write_fmt(args);
}
