//! Decoder of 32-bit instructions into [`Insn`].

use super::insn::{Decoded, Insn};

/// Decodes one 32-bit instruction (low two bits 0b11).
pub fn decode(raw: u32) -> Insn {
    Insn::Illegal(raw)
}

/// Decodes the instruction whose first 16 bits are the low half of `raw`:
/// a compressed one when its low two bits are not 0b11, else all 32 bits.
pub fn decode_any(raw: u32) -> Decoded {
    if raw & 3 == 3 {
        Decoded {
            insn: decode(raw),
            raw,
            len: 4,
        }
    } else {
        let half = raw as u16;
        Decoded {
            insn: super::rvc::decode_compressed(half),
            raw: half as u32,
            len: 2,
        }
    }
}
