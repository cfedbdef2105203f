//! The user library: system call stubs over the shared ABI.
#![no_std]

pub use abi;
