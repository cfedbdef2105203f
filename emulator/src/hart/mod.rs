//! A RISC-V RV64GC hart: registers, privilege, CSRs, and the execution loop.

pub mod csr;
pub mod decode;
pub mod disasm;
pub mod fpu;
pub mod insn;
pub mod rvc;
