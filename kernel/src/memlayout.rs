// Physical memory layout of QEMU virt (hw/riscv/virt.c) and the kernel's virtual map.
//
// 00001000 -- boot ROM, provided by qemu
// 00100000 -- SiFive test finisher (power off)
// 02000000 -- CLINT
// 0C000000 -- PLIC
// 10000000 -- uart0
// 10001000 -- virtio disk
// 80000000 -- boot ROM jumps here in machine mode; -kernel loads the kernel here
// unused RAM after 80000000.
//
// The kernel uses physical memory thus:
// 80000000 -- entry.rs, then kernel text and data
// end -- start of kernel page allocation area
// PHYSTOP -- end of RAM used by the kernel

use crate::riscv::{MAXVA, PGSIZE};

/// SiFive test finisher: 0x5555 powers off, 0x3333 | code << 16 fails with code.
pub const TEST: usize = 0x10_0000;

pub const UART0: usize = 0x1000_0000;
pub const UART0_IRQ: u32 = 10;

pub const VIRTIO0: usize = 0x1000_1000;
pub const VIRTIO0_IRQ: u32 = 1;

pub const PLIC: usize = 0x0c00_0000;
pub const PLIC_PRIORITY: usize = PLIC;
pub const PLIC_PENDING: usize = PLIC + 0x1000;
/// Supervisor-mode interrupt enable bits of a hart's S context.
pub const fn plic_senable(hart: usize) -> usize {
    PLIC + 0x2080 + hart * 0x100
}
/// Supervisor-mode priority threshold of a hart's S context.
pub const fn plic_spriority(hart: usize) -> usize {
    PLIC + 0x20_1000 + hart * 0x2000
}
/// Supervisor-mode claim/complete register of a hart's S context.
pub const fn plic_sclaim(hart: usize) -> usize {
    PLIC + 0x20_1004 + hart * 0x2000
}

/// The kernel expects there to be RAM for use by the kernel and user pages
/// from physical address 0x80000000 to PHYSTOP.
pub const KERNBASE: usize = 0x8000_0000;
pub const PHYSTOP: usize = KERNBASE + 128 * 1024 * 1024;

/// Map the trampoline page to the highest address, in both user and kernel space.
pub const TRAMPOLINE: usize = MAXVA - PGSIZE;

/// Pages in each process's kernel stack.
pub const KSTACK_PAGES: usize = 4;
/// Bytes in each process's kernel stack.
pub const KSTACK_SIZE: usize = KSTACK_PAGES * PGSIZE;

/// Kernel stacks sit beneath the trampoline, each below an invalid guard page.
pub const fn kstack(p: usize) -> usize {
    TRAMPOLINE - (p + 1) * (KSTACK_PAGES + 1) * PGSIZE
}

// User memory layout. Address zero first:
//   text, original data and bss, fixed-size stack, expandable heap,
//   ..., TRAPFRAME (p->trapframe, used by the trampoline), TRAMPOLINE.
pub const TRAPFRAME: usize = TRAMPOLINE - PGSIZE;
