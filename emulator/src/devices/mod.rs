//! The devices of QEMU's virt machine and where they sit (hw/riscv/virt.c `virt_memmap`).

pub mod clint;
pub mod disk;
pub mod plic;
pub mod rom;
pub mod test_finisher;
pub mod uart16550;
pub mod virtio_blk;

pub use clint::Clint;
pub use disk::{Cache, Disk};
pub use plic::Plic;
pub use rom::Rom;
pub use test_finisher::{Finish, TestFinisher};
pub use uart16550::Uart;
pub use virtio_blk::{VirtioBlk, VirtioEmpty};

/// Mask ROM with the reset vector and fw_dynamic_info.
pub const MROM: u64 = 0x1000;
pub const MROM_SIZE: u64 = 0xf000;
/// SiFive test finisher (power off, reset).
pub const TEST: u64 = 0x10_0000;
pub const TEST_SIZE: u64 = 0x1000;
/// Core-local interruptor: msip, mtimecmp, mtime.
pub const CLINT: u64 = 0x200_0000;
pub const CLINT_SIZE: u64 = 0x1_0000;
/// Platform-level interrupt controller.
pub const PLIC: u64 = 0xc00_0000;
pub const PLIC_SIZE: u64 = 0x60_0000;
/// 16550A UART (the console).
pub const UART0: u64 = 0x1000_0000;
pub const UART0_SIZE: u64 = 0x100;
/// First virtio-mmio slot; slot `i` is at `VIRTIO0 + i * VIRTIO_SIZE`.
pub const VIRTIO0: u64 = 0x1000_1000;
pub const VIRTIO_SIZE: u64 = 0x1000;
/// Number of virtio-mmio slots.
pub const VIRTIO_COUNT: usize = 8;
/// Main memory.
pub const DRAM: u64 = 0x8000_0000;
/// Default RAM size (`-m 128M`).
pub const DEFAULT_RAM_SIZE: u64 = 128 << 20;

/// PLIC source of the UART.
pub const UART0_IRQ: u32 = 10;
/// PLIC source of virtio slot 0; slot `i` uses `VIRTIO_IRQ + i`.
pub const VIRTIO_IRQ: u32 = 1;

/// Base address of virtio-mmio slot `slot`.
pub const fn virtio_base(slot: usize) -> u64 {
    VIRTIO0 + slot as u64 * VIRTIO_SIZE
}

/// PLIC source of virtio-mmio slot `slot`.
pub const fn virtio_irq(slot: usize) -> u32 {
    VIRTIO_IRQ + slot as u32
}
