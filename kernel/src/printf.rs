// Formatted console output for the kernel, panics with a backtrace, and power off.

use core::fmt::{self, Write};
use core::ptr::write_volatile;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::memlayout::{kstack, KERNBASE, KSTACK_PAGES, KSTACK_SIZE, PHYSTOP, TEST, TRAPFRAME};
use crate::param::NPROC;
use crate::riscv::{intr_off, r_fp, wfi, PGSIZE};
use crate::spinlock::{cpuid, SpinLock};
use crate::uart::uartputc_sync;

/// Set once a hart panics: other harts' console output freezes.
pub static PANICKED: AtomicBool = AtomicBool::new(false);

/// The hart that panicked (valid once PANICKED is set).
static PANIC_HART: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Serializes printing so lines from different harts do not interleave.
static PR: SpinLock<()> = SpinLock::new("pr", ());

/// Exit status the machine powers off with after a kernel panic.
pub const PANIC_EXIT: i32 = 1;

/// Is this hart the one printing a panic? (Its output must get through.)
pub fn panicking_here() -> bool {
    PANIC_HART.load(Ordering::Relaxed) == cpuid()
}

struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            uartputc_sync(b);
        }
        Ok(())
    }
}

/// Prints formatted text to the console, under the print lock.
pub fn _print(args: fmt::Arguments<'_>) {
    let _g = PR.lock();
    let _ = Console.write_fmt(args);
}

/// Prints to the console, like xv6's printf.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::printf::_print(format_args!($($arg)*)) };
}

/// Prints a line to the console (a bare `\n` ends it).
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::printf::_print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Powers the machine off through the SiFive test finisher: status 0 passes,
/// any other value fails with that exit code.
pub fn poweroff(status: i32) -> ! {
    let v = if status == 0 {
        0x5555
    } else {
        0x3333 | ((status as u32 & 0xffff) << 16)
    };
    // SAFETY: TEST is the finisher's register, mapped in the kernel page table.
    unsafe { write_volatile(TEST as *mut u32, v) };
    loop {
        wfi();
    }
}

/// Can a kernel frame record at `a` (8 bytes) be read without faulting?
fn readable(a: usize) -> bool {
    if !a.is_multiple_of(8) {
        return false;
    }
    if (KERNBASE..PHYSTOP).contains(&a) {
        return true;
    }
    let lo = kstack(NPROC - 1);
    (lo..TRAPFRAME).contains(&a) && (a - lo) % ((KSTACK_PAGES + 1) * PGSIZE) < KSTACK_SIZE
}

/// Prints the return addresses of the kernel call stack, from frame pointers.
fn backtrace(out: &mut Console) {
    let _ = writeln!(out, "backtrace:");
    let mut fp = r_fp();
    for _ in 0..64 {
        if fp < 16 || !readable(fp - 16) {
            break;
        }
        // SAFETY: both words are in mapped kernel memory (checked above).
        let (ra, prev) = unsafe { (*((fp - 8) as *const usize), *((fp - 16) as *const usize)) };
        if ra == 0 {
            break;
        }
        let _ = writeln!(out, "{:#x}", ra);
        if prev <= fp {
            break;
        }
        fp = prev;
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    intr_off();
    let hart = cpuid();
    if PANICKED.swap(true, Ordering::AcqRel) {
        if PANIC_HART.load(Ordering::Relaxed) == hart {
            // a panic while reporting a panic.
            poweroff(PANIC_EXIT);
        }
        // another hart is already reporting: stop here.
        loop {
            wfi();
        }
    }
    PANIC_HART.store(hart, Ordering::Relaxed);
    let mut out = Console;
    let _ = write!(out, "panic: {}", info.message());
    if let Some(loc) = info.location() {
        let _ = write!(out, " ({}:{})", loc.file(), loc.line());
    }
    let _ = writeln!(out, " on hart {}", hart);
    backtrace(&mut out);
    poweroff(PANIC_EXIT)
}
