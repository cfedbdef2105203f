//! Ring buffer of the last instructions each hart executed (pc, raw bits,
//! privilege), recorded on the fast path at the cost of one store per
//! instruction and printed, symbolized, when the guest crashes.

use crate::hart::csr;
use crate::hart::decode::decode_any;
use crate::hart::disasm::disasm;
use crate::hart::trap::cause_name;
use crate::machine::Machine;
use crate::symbols::Symbols;
use std::fmt::Write as _;

/// Instructions each hart remembers; `--history N` prints up to this many.
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

/// The ring of one hart.
pub struct History {
    buf: Box<[Entry; HISTORY_CAP]>,
    /// Instructions recorded so far; the next goes at `pos % HISTORY_CAP`.
    pos: u64,
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
            buf: Box::new([Entry::default(); HISTORY_CAP]),
            pos: 0,
        }
    }

    /// Records an instruction about to execute.
    #[inline(always)]
    pub fn record(&mut self, pc: u64, raw: u32, prv: u8) {
        self.buf[self.pos as usize % HISTORY_CAP] = Entry { pc, raw, prv };
        self.pos += 1;
    }

    /// The last `n` (at most [`HISTORY_CAP`]) recorded instructions, oldest first.
    pub fn last(&self, n: usize) -> Vec<Entry> {
        let n = n.min(HISTORY_CAP).min(self.pos as usize);
        (self.pos - n as u64..self.pos)
            .map(|i| self.buf[i as usize % HISTORY_CAP])
            .collect()
    }

    /// Forgets everything (at reset).
    pub fn clear(&mut self) {
        self.pos = 0;
    }
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
    symbols.annotate(e.pc, e.prv, &mut s);
    s
}

/// The report of one hart's last `n` instructions: a heading line, then
/// one line per instruction, the last one executed at the bottom.
pub fn report(hart: u64, h: &History, n: usize, symbols: &Symbols) -> String {
    let entries = h.last(n);
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
        let mut h = History::new();
        assert!(h.last(4).is_empty());
        for i in 0..(HISTORY_CAP as u64 + 3) {
            h.record(0x8000_0000 + 4 * i, 0x13, 3);
        }
        let last = h.last(3);
        let pcs: Vec<u64> = last.iter().map(|e| e.pc).collect();
        let top = 0x8000_0000 + 4 * (HISTORY_CAP as u64 + 2);
        assert_eq!(pcs, vec![top - 8, top - 4, top]);
        assert_eq!(h.last(5000).len(), HISTORY_CAP);
        h.clear();
        assert!(h.last(1).is_empty());
    }

    #[test]
    fn report_is_symbolized_commit_shaped() {
        let mut h = History::new();
        h.record(0x8000_0000, 0x0000_0297, 3);
        h.record(0x8000_0004, 0x4515, 1);
        let s = report(2, &h, 16, &Symbols::new());
        assert_eq!(
            s,
            "rvcow: last 2 instructions of hart 2:\n\
             core   2: 3 0x0000000080000000 (0x00000297)  ; auipc t0,0x0\n\
             core   2: 1 0x0000000080000004 (0x4515)  ; c.li a0,5\n"
        );
    }
}
