//! Disassembler over the decoder.

use super::insn::Decoded;

/// The assembly text of `d` at `pc`.
pub fn disasm(d: &Decoded, pc: u64) -> String {
    let _ = pc;
    format!("{:?}", d.insn)
}
