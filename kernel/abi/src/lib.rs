//! The guest ABI of the rvcow kernel, shared by the kernel, the user library and
//! the host mkfs. Every value here is xv6-riscv's (2021 labs), so programs and
//! file-system images move between the two kernels unchanged.
#![no_std]

pub mod fcntl;
pub mod fs;
pub mod param;
pub mod stat;
pub mod syscall;
