// The kernel's first instructions: every hart arrives at _entry in machine mode
// (QEMU's -kernel loads us at 0x80000000) and gets its own boot stack.

use crate::param::NCPU;

/// Bytes of boot stack per hart (the scheduler later runs on it).
pub const STACK_SIZE: usize = 16384;

#[repr(C, align(16))]
pub struct Stacks([u8; STACK_SIZE * NCPU]);

/// The boot stacks, one per hart.
#[no_mangle]
pub static mut stack0: Stacks = Stacks([0; STACK_SIZE * NCPU]);

core::arch::global_asm!(
    r#"
    .attribute arch, "rv64gc"
    .section .text.entry, "ax"
    .globl _entry
_entry:
    # harts beyond NCPU park forever.
    csrr a1, mhartid
    li a0, {ncpu}
    bgeu a1, a0, 2f
    # sp = stack0 + (hartid + 1) * STACK_SIZE
    la sp, stack0
    li a0, {stack_size}
    addi a1, a1, 1
    mul a0, a0, a1
    add sp, sp, a0
    # no caller frame: backtraces stop here.
    li s0, 0
    # jump to start() in start.rs
    call start
2:
    wfi
    j 2b
"#,
    ncpu = const NCPU,
    stack_size = const STACK_SIZE,
);
