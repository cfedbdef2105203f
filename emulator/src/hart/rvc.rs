//! Decoder of 16-bit compressed (RVC) instructions into the same [`Insn`].

use super::insn::Insn;

/// Decodes one compressed instruction into its 32-bit equivalent.
pub fn decode_compressed(raw: u16) -> Insn {
    Insn::Illegal(raw as u32)
}
