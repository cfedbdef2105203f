// rvcow's SBI firmware: every hart enters at 0x80000000 in M-mode, as QEMU's
// reset vector leaves it (a0 = hartid, a1 = device tree, a2 = fw_dynamic_info);
// the boot hart starts the S-mode payload, the others wait for HSM hart_start.

#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod hart;
mod riscv;
mod sbi;
mod trap;
mod uart;

use core::sync::atomic::Ordering;
use hart::{HARTS, MAX_HARTS};

/// Bytes of M-mode stack per hart.
pub const STACK_SIZE: usize = 16384;

#[repr(C, align(16))]
pub struct Stacks([u8; STACK_SIZE * MAX_HARTS]);

/// The M-mode stacks, one per hart; a hart's trap frame sits at the top of its own.
#[no_mangle]
pub static mut sbi_stacks: Stacks = Stacks([0; STACK_SIZE * MAX_HARTS]);

core::arch::global_asm!(
    r#"
    .attribute arch, "rv64gc"
    .section .text.entry, "ax"
    .globl _start
_start:
    csrr t0, mhartid
    li t1, {max_harts}
    bgeu t0, t1, 2f
    # sp = sbi_stacks + (hartid + 1) * STACK_SIZE
    la sp, sbi_stacks
    li t1, {stack_size}
    addi t2, t0, 1
    mul t1, t1, t2
    add sp, sp, t1
    li s0, 0
    mv a0, t0
    call sbi_main
2:
    wfi
    j 2b
"#,
    max_harts = const MAX_HARTS,
    stack_size = const STACK_SIZE,
);

/// fw_dynamic_info as OpenSBI's include/sbi/fw_dynamic.h lays it out.
#[repr(C)]
struct FwDynamicInfo {
    magic: usize,
    version: usize,
    next_addr: usize,
    next_mode: usize,
    options: usize,
    boot_hart: usize,
}

const FW_DYNAMIC_MAGIC: usize = 0x4942_534f;

/// Where the payload is when the reset vector passes no fw_dynamic_info: the
/// fw_jump address of QEMU's virt (the kernel's 2 MiB-aligned slot).
const DEFAULT_NEXT_ADDR: usize = 0x8020_0000;

/// The Rust entry of every hart, on its own M-mode stack. Never returns: the
/// hart ends up in S-mode at the payload (boot hart) or at a hart_start address.
#[no_mangle]
extern "C" fn sbi_main(hartid: usize, fdt: usize, info: *const FwDynamicInfo) -> ! {
    // SAFETY: the reset vector passes a2 = the ROM's fw_dynamic_info, readable
    // in M-mode; a reset vector that passes anything else fails the magic check.
    let (next_addr, boot_hart) = match unsafe { info.as_ref() } {
        Some(i) if i.magic == FW_DYNAMIC_MAGIC && i.next_addr != 0 => {
            let boot = if i.version >= 2 && i.boot_hart != usize::MAX {
                i.boot_hart
            } else {
                0
            };
            (i.next_addr, boot)
        }
        _ => (DEFAULT_NEXT_ADDR, 0),
    };
    trap::init_hart(hartid);
    let me = &HARTS[hartid];
    me.present.store(true, Ordering::Release);
    if hartid == boot_hart {
        me.state.store(hart::STARTED, Ordering::Release);
        riscv::enter_s_mode(hartid, next_addr, fdt)
    }
    let (addr, opaque) = hart::wait_for_start(hartid);
    riscv::enter_s_mode(hartid, addr, opaque)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    uart::print_fmt(format_args!("sbi: panic: {info}\n"));
    riscv::finisher_fail(1)
}
