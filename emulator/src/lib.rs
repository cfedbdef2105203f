//! rvcow's emulator: QEMU's RISC-V `virt` machine (`-bios none`) in one library.
//!
//! The board is assembled in [`machine`]; harts live in [`hart`], devices in
//! [`devices`], and everything a hart can reach physically goes through [`bus`].

pub mod boot;
pub mod bus;
pub mod devices;
pub mod elf;
pub mod fdt;
pub mod gdb;
pub mod hart;
pub mod history;
pub mod machine;
pub mod mmu;
pub mod stats;
pub mod symbols;
pub mod trace;
