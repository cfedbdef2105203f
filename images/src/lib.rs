//! The guest that rvcow boots by default, built for riscv64gc-unknown-none-elf by
//! this crate's build script: the kernel ELF, the SBI firmware, the xv6 file system image with the user
//! programs, and the guest test programs. Also the host mkfs and fsck for that image.

use std::path::PathBuf;

pub mod fsck;
pub mod mkfs;

/// The bundled kernel ELF.
pub static KERNEL_ELF: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kernel.elf"));

/// Path of the bundled kernel ELF in the build tree.
pub const KERNEL_ELF_PATH: &str = env!("RVCOW_KERNEL_ELF");

/// rvcow's SBI firmware (kernel/sbi), an M-mode ELF linked at 0x80000000: what
/// an S-mode payload such as a Linux `Image` boots on when no `--bios` is given.
pub static SBI_FIRMWARE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/sbi.elf"));

/// The bundled xv6 file system image: README and the user programs (made by mkfs).
pub static FS_IMG: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/fs.img"));

/// Path of the bundled fs.img in the build tree.
pub const FS_IMG_PATH: &str = env!("RVCOW_FS_IMG");

/// Directory holding the guest test programs (bins of tests/guests).
pub const GUEST_DIR: &str = env!("RVCOW_GUEST_DIR");

/// Directory holding the user programs as built (with their symbols).
pub const USER_DIR: &str = env!("RVCOW_USER_DIR");

/// Path of the guest test program `name` (a bin of tests/guests).
pub fn guest(name: &str) -> PathBuf {
    PathBuf::from(GUEST_DIR).join(name)
}
