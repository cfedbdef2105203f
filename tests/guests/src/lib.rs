//! Runtime of the bare-metal guest test programs: entry for every hart, console
//! output on the virt UART, traps, checks, and the verdict through the SiFive
//! test finisher at 0x100000.
#![no_std]

pub mod check;
pub mod csr;
pub mod devtree;
pub mod fdt;
pub mod mix;
pub mod plic;
pub mod trap;
pub mod virtio;
pub mod vm;

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicUsize, Ordering};

/// UART0 transmit holding register.
const UART0: *mut u8 = 0x1000_0000 as *mut u8;
/// SiFive test finisher.
const FINISHER: *mut u32 = 0x10_0000 as *mut u32;
/// CLINT base: msip[h] at +4h, mtimecmp[h] at +0x4000 + 8h, mtime at +0xbff8.
pub const CLINT: u64 = 0x200_0000;
/// Per-hart stack size (see guest.ld): the M trap stack, the S trap stack,
/// then the normal stack, from the top down.
pub const STACK_SIZE: usize = 0x8000;
/// Harts with a stack (see guest.ld).
pub const MAX_HARTS: usize = 8;

core::arch::global_asm!(
    r#"
    .section .text.init
    .globl _start
_start:
    csrr tp, mhartid
    la sp, _stack_top
    slli t1, tp, {stack_shift}
    sub sp, sp, t1
    csrw mscratch, sp
    li t1, {trap_stack}
    sub sp, sp, t1
    csrw sscratch, sp
    sub sp, sp, t1
    la t1, m_trap_vector
    csrw mtvec, t1
    la t1, s_trap_vector
    csrw stvec, t1
    # One PMP region over all of memory, so that S and U may run (QEMU
    # faults every S/U access while no PMP entry is active).
    li t1, -1
    srli t1, t1, 10
    csrw pmpaddr0, t1
    li t1, 0x0f
    csrw pmpcfg0, t1
    # FP on (Initial) for Rust code; isa_fp turns it off on purpose.
    li t1, 1 << 13
    csrs mstatus, t1
    bnez tp, 2f
    la t1, {dtb}
    sd a1, 0(t1)
    call guest_main
    j exit_pass
    # Secondary harts sleep until hart 0 publishes an entry point.
2:  li t1, 1 << 3
    csrs mie, t1
3:  la t1, {secondary}
    ld t1, 0(t1)
    bnez t1, 4f
    wfi
    j 3b
    # Consume the wake-up IPI (it may still be on its way), then enter.
4:  csrr t2, mip
    andi t2, t2, 1 << 3
    bnez t2, 6f
    wfi
    j 4b
6:  li t2, {clint}
    slli t3, tp, 2
    add t2, t2, t3
    sw zero, 0(t2)
    mv a0, tp
    jalr t1
5:  wfi
    j 5b
"#,
    stack_shift = const STACK_SIZE.trailing_zeros(),
    trap_stack = const trap::TRAP_STACK,
    secondary = sym SECONDARY,
    dtb = sym fdt::DTB,
    clint = const CLINT,
);

/// Entry point of the secondary harts (0 while they sleep).
static SECONDARY: AtomicUsize = AtomicUsize::new(0);

extern "C" {
    static _stack_top: u8;
}

/// Top of hart `id`'s stack region (its M trap stack).
pub fn stack_top(id: usize) -> u64 {
    // SAFETY: only the address of the linker symbol is taken.
    let top = unsafe { &_stack_top as *const u8 as u64 };
    top - (id * STACK_SIZE) as u64
}

/// This hart's id (kept in tp by `_start`).
pub fn hart_id() -> usize {
    let id: usize;
    // SAFETY: reading tp.
    unsafe { core::arch::asm!("mv {0}, tp", out(reg) id) };
    id
}

/// Starts every secondary hart in `entry(hartid)` (M-mode, own stack), waking
/// them with a software interrupt that each consumes (msip cleared) before
/// `entry` runs. `harts` is how many harts the machine has.
pub fn start_secondaries(entry: extern "C" fn(usize), harts: usize) {
    SECONDARY.store(entry as usize, Ordering::Release);
    for h in 1..harts {
        set_msip(h, true);
    }
}

/// Raises or clears hart `h`'s machine software interrupt.
pub fn set_msip(h: usize, on: bool) {
    // SAFETY: msip[h] is a 32-bit CLINT register.
    unsafe { ((CLINT + 4 * h as u64) as *mut u32).write_volatile(on as u32) }
}

/// Writes hart `h`'s mtimecmp.
pub fn set_mtimecmp(h: usize, t: u64) {
    // SAFETY: mtimecmp[h] is a 64-bit CLINT register.
    unsafe { ((CLINT + 0x4000 + 8 * h as u64) as *mut u64).write_volatile(t) }
}

/// Reads mtime from the CLINT.
pub fn mtime() -> u64 {
    // SAFETY: mtime is a 64-bit CLINT register.
    unsafe { ((CLINT + 0xbff8) as *const u64).read_volatile() }
}

/// True when running on QEMU rather than rvcow: QEMU's default CPU has the H
/// extension in misa, rvcow's does not. Only used to accept QEMU's documented
/// deviations from the spec; rvcow is always held to the spec.
pub fn on_qemu() -> bool {
    csrr!(misa) & (1 << 7) != 0
}

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
    let word = if code == 0 {
        0x5555
    } else {
        0x3333 | (code as u32) << 16
    };
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
    exit(255)
}
