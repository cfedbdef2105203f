//! Runtime of the bare-metal guest test programs: entry, console output on the
//! virt UART, and the verdict through the SiFive test finisher at 0x100000.
#![no_std]

use core::fmt::{self, Write};

/// UART0 transmit holding register.
const UART0: *mut u8 = 0x1000_0000 as *mut u8;
/// SiFive test finisher.
const FINISHER: *mut u32 = 0x10_0000 as *mut u32;
/// Per-hart stack size (see guest.ld).
pub const STACK_SIZE: usize = 0x4000;

core::arch::global_asm!(
    r#"
    .section .text.init
    .globl _start
_start:
    csrr t0, mhartid
    la sp, _stack_top
    slli t1, t0, {stack_shift}
    sub sp, sp, t1
    bnez t0, 1f
    call guest_main
    j exit_pass
1:  wfi
    j 1b
"#,
    stack_shift = const STACK_SIZE.trailing_zeros(),
);

/// Writes one byte to the console.
pub fn putc(c: u8) {
    // SAFETY: UART0 is the virt machine's 16550 THR; transmit is instant.
    unsafe { UART0.write_volatile(c) }
}

struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes().for_each(putc);
        Ok(())
    }
}

/// Formats to the console.
pub fn print(args: fmt::Arguments) {
    let _ = Console.write_fmt(args);
}

/// `print!` for guest programs.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::print(format_args!($($arg)*)) };
}

/// `println!` for guest programs.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => { $crate::print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Powers the machine off with `code` as the exit status (0 = pass).
pub fn exit(code: u16) -> ! {
    let word = if code == 0 { 0x5555 } else { 0x3333 | (code as u32) << 16 };
    // SAFETY: the finisher is a 32-bit register of the virt machine.
    unsafe { FINISHER.write_volatile(word) };
    loop {
        core::hint::spin_loop();
    }
}

#[no_mangle]
extern "C" fn exit_pass() -> ! {
    exit(0)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("guest panic: {info}");
    exit(1)
}
