//! Crashes on purpose, for the crash-history tests: by default it prints a
//! kernel-style `panic: ` line and spins; with `mtrap` in the kernel command
//! line (`--append mtrap`) it clears mtvec and executes an illegal
//! instruction, an unhandled trap in M-mode.
#![no_std]
#![no_main]

use guests::println;

/// Whether the device tree blob at `fdt` contains `needle` (the bootargs).
fn fdt_contains(fdt: *const u8, needle: &[u8]) -> bool {
    // SAFETY: the reset ROM passes the address of the device tree, in RAM;
    // its header's second big-endian word is its total size.
    let blob = unsafe {
        let size = u32::from_be_bytes(*(fdt.add(4) as *const [u8; 4])) as usize;
        core::slice::from_raw_parts(fdt, size)
    };
    blob.windows(needle.len()).any(|w| w == needle)
}

#[inline(never)]
fn unhandled_trap() -> ! {
    // SAFETY: deliberately leaves M-mode without a trap handler and traps.
    unsafe { core::arch::asm!("csrw mtvec, zero", "unimp", options(noreturn)) }
}

#[inline(never)]
fn spin_forever() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

#[inline(never)]
fn deliberate_panic(depth: u32) -> ! {
    println!("panic: deliberate crash at depth {depth}");
    // A kernel-style backtrace: return addresses, one per line (made up here:
    // 4 bytes into spin_forever and 8 into guest_main), for rvcow to symbolize.
    println!("backtrace:");
    println!("{:#x}", spin_forever as usize + 4);
    println!("{:#x}", guest_main as usize + 8);
    spin_forever()
}

#[no_mangle]
extern "C" fn guest_main(_hartid: usize, fdt: *const u8) {
    if fdt_contains(fdt, b"mtrap") {
        unhandled_trap();
    }
    deliberate_panic(3);
}
