//! The user library (xv6's ulib, usys, printf and umalloc): system call stubs over the
//! shared ABI, xv6-style printf, a K&R heap on sbrk, string helpers and the program entry.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod printf;
mod syscall;
mod ulib;
mod umalloc;

pub use abi;
pub use abi::fcntl::{O_CREATE, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY};
pub use abi::stat::{Stat, T_DEVICE, T_DIR, T_FILE};
pub use core::ffi::CStr;
pub use printf::Arg;
pub use syscall::*;
pub use ulib::*;
pub use umalloc::{free, malloc};
