// Low-level driver routines for the 16550a UART: an interrupt-driven transmit
// ring for processes, a synchronous path for kernel printf, and receive interrupts.

use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::Ordering;

use crate::chan::{sleep, wakeup};
use crate::console::consoleintr;
use crate::memlayout::UART0;
use crate::printf::PANICKED;
use crate::spinlock::{pop_off, push_off, SpinLock};

// the UART control registers. some have different meanings for read vs write.
// see http://byterunner.com/16550.html
const RHR: usize = 0; // receive holding register (for input bytes)
const THR: usize = 0; // transmit holding register (for output bytes)
const IER: usize = 1; // interrupt enable register
const IER_RX_ENABLE: u8 = 1 << 0;
const IER_TX_ENABLE: u8 = 1 << 1;
const FCR: usize = 2; // FIFO control register
const FCR_FIFO_ENABLE: u8 = 1 << 0;
const FCR_FIFO_CLEAR: u8 = 3 << 1; // clear the content of the two FIFOs
const LCR: usize = 3; // line control register
const LCR_EIGHT_BITS: u8 = 3;
const LCR_BAUD_LATCH: u8 = 1 << 7; // special mode to set baud rate
const LSR: usize = 5; // line status register
const LSR_RX_READY: u8 = 1 << 0; // input is waiting to be read from RHR
const LSR_TX_IDLE: u8 = 1 << 5; // THR can accept another character to send

fn read_reg(reg: usize) -> u8 {
    // SAFETY: UART0 + reg is a UART register, mapped at the same address before and after paging.
    unsafe { read_volatile((UART0 + reg) as *const u8) }
}

fn write_reg(reg: usize, v: u8) {
    // SAFETY: as in read_reg.
    unsafe { write_volatile((UART0 + reg) as *mut u8, v) };
}

const UART_TX_BUF_SIZE: usize = 32;

/// The transmit output buffer.
struct Tx {
    buf: [u8; UART_TX_BUF_SIZE],
    /// write next to buf[w % UART_TX_BUF_SIZE]
    w: usize,
    /// read next from buf[r % UART_TX_BUF_SIZE]
    r: usize,
}

static UART_TX: SpinLock<Tx> = SpinLock::new(
    "uart",
    Tx {
        buf: [0; UART_TX_BUF_SIZE],
        w: 0,
        r: 0,
    },
);

/// The wait channel of writers waiting for room in the ring.
fn tx_chan() -> usize {
    core::ptr::addr_of!(UART_TX) as usize
}

/// Sets up the UART: 38.4K baud, 8 bits, FIFOs, TX and RX interrupts.
pub fn uartinit() {
    // disable interrupts.
    write_reg(IER, 0x00);
    // special mode to set baud rate.
    write_reg(LCR, LCR_BAUD_LATCH);
    // LSB for baud rate of 38.4K.
    write_reg(0, 0x03);
    // MSB for baud rate of 38.4K.
    write_reg(1, 0x00);
    // leave set-baud mode, and set word length to 8 bits, no parity.
    write_reg(LCR, LCR_EIGHT_BITS);
    // reset and enable FIFOs.
    write_reg(FCR, FCR_FIFO_ENABLE | FCR_FIFO_CLEAR);
    // enable transmit and receive interrupts.
    write_reg(IER, IER_TX_ENABLE | IER_RX_ENABLE);
}

/// Adds a character to the output buffer and tells the UART to start sending
/// if it isn't already. Blocks (sleeps) if the output buffer is full, so it
/// cannot be called from interrupts; it's only suitable for use by write().
pub fn uartputc(c: u8) {
    let mut tx = UART_TX.lock();
    if PANICKED.load(Ordering::Relaxed) {
        loop {
            core::hint::spin_loop();
        }
    }
    while tx.w == tx.r + UART_TX_BUF_SIZE {
        // buffer is full. wait for uartstart() to open up space in the buffer.
        tx = sleep(tx_chan(), tx);
    }
    let w = tx.w;
    tx.buf[w % UART_TX_BUF_SIZE] = c;
    tx.w += 1;
    uartstart(&mut tx);
}

/// An alternate version of uartputc() that doesn't use interrupts, for use by
/// kernel printf() and to echo characters. It spins waiting for the uart's
/// output register to be empty.
pub fn uartputc_sync(c: u8) {
    push_off();
    if PANICKED.load(Ordering::Relaxed) && !crate::printf::panicking_here() {
        loop {
            core::hint::spin_loop();
        }
    }
    // wait for Transmit Holding Empty to be set in LSR.
    while read_reg(LSR) & LSR_TX_IDLE == 0 {
        core::hint::spin_loop();
    }
    write_reg(THR, c);
    pop_off();
}

/// If the UART is idle, and a character is waiting in the transmit buffer,
/// sends it. Caller must hold the uart lock. Called from both the top- and
/// bottom-half.
fn uartstart(tx: &mut Tx) {
    loop {
        if tx.w == tx.r {
            // transmit buffer is empty.
            return;
        }
        if read_reg(LSR) & LSR_TX_IDLE == 0 {
            // the UART transmit holding register is full, so we cannot give it
            // another byte. it will interrupt when it's ready for a new byte.
            return;
        }
        let c = tx.buf[tx.r % UART_TX_BUF_SIZE];
        tx.r += 1;
        // maybe uartputc() is waiting for space in the buffer.
        wakeup(tx_chan());
        write_reg(THR, c);
    }
}

/// Reads one input character from the UART; None if none is waiting.
fn uartgetc() -> Option<u8> {
    if read_reg(LSR) & LSR_RX_READY != 0 {
        // input data is ready.
        Some(read_reg(RHR))
    } else {
        None
    }
}

/// Handles a uart interrupt, raised because input has arrived, or the uart is
/// ready for more output, or both. Called from devintr().
pub fn uartintr() {
    // read and process incoming characters.
    while let Some(c) = uartgetc() {
        consoleintr(c);
    }
    // send buffered characters.
    let mut tx = UART_TX.lock();
    uartstart(&mut tx);
}
