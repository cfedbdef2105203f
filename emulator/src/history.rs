//! Ring buffer of the last instructions each hart executed, printed,
//! symbolized, when the guest crashes. The fast path records one entry per
//! block as it leaves it (its pc, physical address and the instructions
//! that ran: a few stores per block), and the instructions are read back
//! from RAM when the history is printed.

use crate::bus::Ram;
use crate::hart::csr;
use crate::hart::decode::decode_any;
use crate::hart::disasm::disasm;
use crate::hart::trap::cause_name;
use crate::machine::Machine;
use crate::symbols::Symbols;
use std::fmt::Write as _;

/// Blocks (or single instructions) each hart remembers.
pub const HISTORY_CAP: usize = 1024;
/// How many instructions are printed when `--history` is not given.
pub const HISTORY_DEFAULT: usize = 16;

/// One executed instruction (it retired, or it trapped).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub pc: u64,
    /// The instruction bits (16 of them for a compressed instruction).
    pub raw: u32,
    /// Privilege it ran in: 0 U, 1 S, 3 M.
    pub prv: u8,
}

/// What the ring holds: `len` instructions of a block at physical address
/// `src` (its low 12 bits taken from `pc`, the same in both spaces), or
/// (`len` 0) one instruction whose bits are `src`, packed in `meta` as
/// src | len << 48 | prv << 56 (physical addresses and instructions fit in
/// 48 bits).
#[derive(Clone, Copy, Debug, Default)]
struct Run {
    pc: u64,
    meta: u64,
}

const SRC_MASK: u64 = (1 << 48) - 1;

impl Run {
    fn src(self) -> u64 {
        self.meta & SRC_MASK
    }
    fn len(self) -> u32 {
        (self.meta >> 48) as u32 & 0xff
    }
    fn prv(self) -> u8 {
        (self.meta >> 56) as u8
    }
}

/// The ring of one hart.
pub struct History {
    buf: Box<[Run; HISTORY_CAP]>,
    /// Runs recorded so far; the next goes at `pos % HISTORY_CAP`.
    pos: usize,
}

impl Default for History {
    fn default() -> Self {
        History::new()
    }
}

impl History {
    /// An empty ring.
    pub fn new() -> History {
        History {
            buf: Box::new([Run::default(); HISTORY_CAP]),
            pos: 0,
        }
    }

    /// Records that `len` instructions of the block at `pc` (physical `pa`) ran.
    #[inline(always)]
    pub fn record_block(&mut self, pc: u64, pa: u64, len: u32, prv: u8) {
        self.push(pc, Self::meta(pa, len, prv));
    }

    /// What [`History::record_block`] records beside the pc: the physical
    /// address (only its page counts), length and privilege packed (ORing
    /// in the length later is allowed).
    #[inline(always)]
    pub fn meta(pa: u64, len: u32, prv: u8) -> u64 {
        pa | (len as u64) << 48 | (prv as u64) << 56
    }

    /// Records a block at `pc` described by `meta` ([`History::meta`]).
    #[inline(always)]
    pub fn push(&mut self, pc: u64, meta: u64) {
        self.buf[self.pos % HISTORY_CAP] = Run { pc, meta };
        self.pos = self.pos.wrapping_add(1);
    }

    /// Records one instruction, fetched outside the block cache.
    pub fn record(&mut self, pc: u64, raw: u32, prv: u8) {
        self.buf[self.pos % HISTORY_CAP] = Run {
            pc,
            meta: raw as u64 | (prv as u64) << 56,
        };
        self.pos = self.pos.wrapping_add(1);
    }

    /// The last `n` instructions, oldest first; blocks are read back from
    /// `ram` (code rewritten since shows as it is now).
    pub fn last(&self, n: usize, ram: &Ram) -> Vec<Entry> {
        let mut out = Vec::new();
        let kept = self.pos.min(HISTORY_CAP);
        for i in (self.pos - kept..self.pos).rev() {
            if out.len() >= n {
                break;
            }
            let r = self.buf[i % HISTORY_CAP];
            let prv = r.prv();
            if r.len() == 0 {
                out.push(Entry {
                    pc: r.pc,
                    raw: r.src() as u32,
                    prv,
                });
                continue;
            }
            let mut block = Vec::new();
            let (mut pc, mut pa) = (r.pc, r.src() & !0xfff | r.pc & 0xfff);
            for _ in 0..r.len() {
                let Some(raw) = read_insn(ram, pa) else { break };
                block.push(Entry { pc, raw, prv });
                let len = if raw & 3 == 3 { 4 } else { 2 };
                pc = pc.wrapping_add(len);
                pa += len;
            }
            out.extend(block.into_iter().rev());
        }
        out.truncate(n);
        out.reverse();
        out
    }

    /// Forgets everything (at reset).
    pub fn clear(&mut self) {
        self.pos = 0;
    }
}

/// The instruction at physical address `pa` in RAM.
fn read_insn(ram: &Ram, pa: u64) -> Option<u32> {
    let lo = u16::from_le_bytes(ram.slice(pa, 2)?.try_into().ok()?) as u32;
    if lo & 3 != 3 {
        return Some(lo);
    }
    let hi = u16::from_le_bytes(ram.slice(pa + 2, 2)?.try_into().ok()?) as u32;
    Some(lo | hi << 16)
}

/// One history line, in the commit log's shape: `core   0: 3 0x… (0x…)  ; insn <sym+0xoff>`.
pub fn history_line(hart: u64, e: &Entry, symbols: &Symbols) -> String {
    let d = decode_any(e.raw);
    let mut s = format!("core{hart:4}: {} 0x{:016x} (", e.prv, e.pc);
    let _ = if d.len == 2 {
        write!(s, "0x{:04x})", e.raw & 0xffff)
    } else {
        write!(s, "0x{:08x})", e.raw)
    };
    let _ = write!(s, "  ; {}", disasm(&d, e.pc));
    symbols.annotate_code(e.pc, e.prv, d.raw, d.len, &mut s);
    s
}

/// The report of one hart's last `n` instructions: a heading line, then
/// one line per instruction, the last one executed at the bottom.
pub fn report(hart: u64, h: &History, n: usize, ram: &Ram, symbols: &Symbols) -> String {
    let entries = h.last(n, ram);
    let mut s = format!(
        "rvcow: last {} instructions of hart {hart}:\n",
        entries.len()
    );
    for e in &entries {
        s.push_str(&history_line(hart, e, symbols));
        s.push('\n');
    }
    s
}

/// The one-line message for the first hart that halted on an unhandled
/// trap in M-mode (its handler faults at its own first instruction), if any.
pub fn fatal_trap(m: &Machine, symbols: &Symbols) -> Option<String> {
    let h = m.harts.iter().find(|h| h.halted())?;
    let cause = h.csr_read_debug(csr::MCAUSE).unwrap_or(0);
    let mtvec = h.csr_read_debug(csr::MTVEC).unwrap_or(0);
    let mut s = format!(
        "hart {}: unhandled exception in M-mode: {} ({cause}), tval {:#x}, at mtvec {mtvec:#x}",
        h.id(),
        cause_name(false, cause),
        h.csr_read_debug(csr::MTVAL).unwrap_or(0),
    );
    symbols.annotate(mtvec & !3, 3, &mut s);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_the_last_entries_in_order() {
        let mut ram = Ram::new(0x8000_0000, 0x2000);
        // addi ra,ra,1 ×3, then c.li a0,5.
        for i in 0..3 {
            ram.data[4 * i..4 * i + 4].copy_from_slice(&0x0010_8093u32.to_le_bytes());
        }
        ram.data[12..14].copy_from_slice(&0x4515u16.to_le_bytes());
        let mut h = History::new();
        assert!(h.last(4, &ram).is_empty());
        for _ in 0..HISTORY_CAP {
            h.record(0x1000, 0x297, 3);
        }
        h.record_block(0x8000_0000, 0x8000_0000, 3, 1);
        h.record_block(0x8000_0008, 0x8000_0008, 2, 1);
        let got: Vec<(u64, u32)> = h.last(5, &ram).iter().map(|e| (e.pc, e.raw)).collect();
        assert_eq!(
            got,
            vec![
                (0x8000_0000, 0x0010_8093),
                (0x8000_0004, 0x0010_8093),
                (0x8000_0008, 0x0010_8093),
                (0x8000_0008, 0x0010_8093),
                (0x8000_000c, 0x4515),
            ]
        );
        assert_eq!(
            h.last(6, &ram)[0],
            Entry {
                pc: 0x1000,
                raw: 0x297,
                prv: 3
            }
        );
        assert_eq!(h.last(5000, &ram).len(), HISTORY_CAP - 2 + 5);
        h.clear();
        assert!(h.last(1, &ram).is_empty());
    }

    #[test]
    fn report_is_symbolized_commit_shaped() {
        let ram = Ram::new(0x8000_0000, 0x1000);
        let mut h = History::new();
        h.record(0x8000_0000, 0x0000_0297, 3);
        h.record(0x8000_0004, 0x4515, 1);
        let s = report(2, &h, 16, &ram, &Symbols::new());
        assert_eq!(
            s,
            "rvcow: last 2 instructions of hart 2:\n\
             core   2: 3 0x0000000080000000 (0x00000297)  ; auipc t0,0x0\n\
             core   2: 1 0x0000000080000004 (0x4515)  ; c.li a0,5\n"
        );
    }
}
