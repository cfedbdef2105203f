//! Decoded-block cache keyed by physical address.
//!
//! A block is a run of instructions decoded once from one RAM page: it ends at
//! the page's end, after `MAX_BLOCK` instructions, or after a jump or an
//! instruction that may change privilege, translation or interrupt state.
//! Conditional branches are exits from the middle of a block. The decoded
//! instructions and their micro-ops live in one arena, each block closed by
//! an `Exit` op; a direct-mapped table maps a physical address to its block.
//! Branches, jumps and exits cache the block they lead to in the same page
//! (a link), so a hot loop runs from block to block without a lookup. The
//! whole cache is dropped (an epoch bump, and an arena reset at the next
//! lookup, so a running block is never changed under it) when the arena is
//! full. When RAM's code generation moved because some page holding cached
//! code was written, only that page's blocks are dropped (their slots), as
//! long as RAM's log of clobbered pages reaches back; links never leave a
//! page, so a block of a dropped page is reached again only through a
//! lookup, which rebuilds it. FENCE.I drops nothing: the cache follows every
//! write to a page it decoded, so it never holds stale code.

use super::csr::SATP;
use super::decode::decode_any;
use super::insn::{Decoded, Insn};
use super::uop::{fuse, lower, may_spin, Op};
use crate::bus::Ram;

/// Longest block, in instructions.
pub const MAX_BLOCK: usize = 64;
const SLOTS: usize = 1 << 17;
const ARENA: usize = 1 << 19;
// Links (`uop::link`) hold arena offsets in 32 bits.
const _: () = assert!(ARENA * size_of::<Op>() <= 1 << 32);

#[derive(Clone, Copy)]
struct Slot {
    pa: u64,
    epoch: u64,
    start: u32,
    len: u32,
}

/// The cache of one hart.
pub struct BlockCache {
    slots: Vec<Slot>,
    /// Decoded instructions of every cached block.
    pub insns: Vec<Decoded>,
    /// Their micro-ops, index for index, and each block's closing `Exit`
    /// (with a copy of the block's last instruction beside it in `insns`).
    pub ops: Vec<Op>,
    epoch: u64,
    /// The arena is to be emptied at the next lookup.
    stale: bool,
    seen_gen: u64,
    /// Lookups served from the cache, and blocks decoded.
    pub hits: u64,
    pub misses: u64,
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache::new()
    }
}

/// The slot of the block at `pa`: its halfword index, with the bits above
/// the table's span folded in so that code 256 KiB apart does not collide.
/// A page's halfwords take 2048 slots in a row, from `slot_of(page)`.
#[inline(always)]
fn slot_of(pa: u64) -> usize {
    let h = (pa >> 1) as usize;
    (h ^ (h >> 17 << 11)) & (SLOTS - 1)
}

/// Whether a block ends after `i`: jumps, system instructions, and
/// accesses to satp (the instructions after them may be fetched from
/// elsewhere). Other CSR accesses end the run only when they leave an
/// interrupt pending and enabled (the run loop takes it).
pub fn ends_block(i: &Insn) -> bool {
    matches!(
        i,
        Insn::Jal { .. }
            | Insn::Jalr { .. }
            | Insn::Csr { csr: SATP, .. }
            | Insn::CsrImm { csr: SATP, .. }
            | Insn::Ecall
            | Insn::Ebreak
            | Insn::Mret
            | Insn::Sret
            | Insn::Wfi
            | Insn::SfenceVma { .. }
            | Insn::FenceI
            | Insn::Illegal(_)
    )
}

impl BlockCache {
    pub fn new() -> BlockCache {
        BlockCache {
            slots: vec![
                Slot {
                    pa: 0,
                    epoch: 0,
                    start: 0,
                    len: 0
                };
                SLOTS
            ],
            insns: Vec::with_capacity(ARENA),
            ops: Vec::with_capacity(ARENA),
            epoch: 1,
            stale: false,
            seen_gen: 0,
            hits: 0,
            misses: 0,
        }
    }

    /// Drops every cached block (the arena itself at the next lookup).
    pub fn flush(&mut self) {
        self.epoch += 1;
        self.stale = true;
    }

    /// The block at physical address `pa` as (first index in `insns`,
    /// length), decoding it when absent. None when `pa` is not in RAM or its
    /// first instruction straddles the page end (the caller steps it).
    #[inline]
    pub fn get(&mut self, ram: &mut Ram, pa: u64) -> Option<(usize, usize)> {
        if ram.code_gen != self.seen_gen {
            self.drop_clobbered(ram);
        }
        if self.stale {
            self.stale = false;
            self.insns.clear();
            self.ops.clear();
        }
        let i = slot_of(pa);
        let s = self.slots[i];
        if s.pa == pa && s.epoch == self.epoch {
            self.hits += 1;
            return Some((s.start as usize, s.len as usize));
        }
        self.build(ram, pa, i)
    }

    /// The cached block at `pa`, if any (nothing is decoded).
    #[inline(always)]
    pub fn lookup(&self, pa: u64) -> Option<(usize, usize)> {
        let s = self.slots[slot_of(pa)];
        (s.pa == pa && s.epoch == self.epoch).then_some((s.start as usize, s.len as usize))
    }

    /// Drops the blocks of the pages written since the last look, or every
    /// block when RAM's log does not reach back that far.
    #[cold]
    fn drop_clobbered(&mut self, ram: &Ram) {
        match ram.clobbered_since(self.seen_gen) {
            Some(pages) => {
                for off in pages {
                    let page = ram.base + off as u64;
                    // A page's 2048 halfword addresses map to 2048 slots in a row.
                    let first = slot_of(page);
                    for i in first..first + 2048 {
                        let s = &mut self.slots[i];
                        if s.pa & !0xfff == page {
                            s.epoch = 0;
                        }
                    }
                }
            }
            None => self.flush(),
        }
        self.seen_gen = ram.code_gen;
    }

    /// Whether no page holding cached code was written since the last `get`.
    #[inline(always)]
    pub fn fresh(&self, ram: &Ram) -> bool {
        ram.code_gen == self.seen_gen
    }

    /// Decodes the block at `pa` into the arena and slot `slot`.
    fn build(&mut self, ram: &mut Ram, pa: u64, slot: usize) -> Option<(usize, usize)> {
        let off = ram.offset(pa, 2)?;
        let page_end = ((pa | 0xfff) + 1 - pa) as usize + off;
        let end = page_end.min(ram.data.len());
        if self.insns.len() + MAX_BLOCK + 1 > ARENA {
            self.epoch += 1;
            self.insns.clear();
            self.ops.clear();
        }
        let start = self.insns.len();
        let mut o = off;
        let mut nmem = 0u8;
        while o + 2 <= end && self.insns.len() - start < MAX_BLOCK {
            let lo = u16::from_le_bytes([ram.data[o], ram.data[o + 1]]) as u32;
            let raw = if lo & 3 == 3 {
                if o + 4 > end {
                    break;
                }
                lo | (u16::from_le_bytes([ram.data[o + 2], ram.data[o + 3]]) as u32) << 16
            } else {
                lo
            };
            let d = decode_any(raw);
            let mut op = lower(&d, (o - off) as u16);
            op.nmem = nmem;
            op.idx = (self.insns.len() - start) as u8;
            nmem += op.is_mem() as u8;
            self.insns.push(d);
            self.ops.push(op);
            o += d.len as usize;
            if ends_block(&d.insn) {
                break;
            }
        }
        let len = self.insns.len() - start;
        if len == 0 {
            return None;
        }
        fuse(&mut self.ops[start..]);
        for i in start..start + len {
            self.ops[i].spin = may_spin(&self.ops[start..=i]);
        }
        self.insns.push(self.insns[start + len - 1]);
        self.ops.push(Op::exit(len as u8, (o - off) as u16, nmem));
        self.misses += 1;
        ram.mark_code(off);
        self.slots[slot] = Slot {
            pa,
            epoch: self.epoch,
            start: start as u32,
            len: len as u32,
        };
        Some((start, len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::CLOBBER_LOG;

    fn ram_with(words: &[u32]) -> Ram {
        let mut r = Ram::new(0x8000_0000, 0x4000);
        for (i, w) in words.iter().enumerate() {
            r.data[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        r
    }

    #[test]
    fn block_ends_after_a_jump_and_is_cached() {
        // addi x1,x0,1; lw x2,0(x1); beq x0,x0,0; jal x0,0; addi x3,x0,3
        let mut r = ram_with(&[0x00100093, 0x0000a103, 0x00000063, 0x0000006f, 0x00300193]);
        let mut c = BlockCache::new();
        assert_eq!(c.get(&mut r, 0x8000_0000), Some((0, 4)));
        assert!(matches!(c.insns[2].insn, Insn::Branch { .. }));
        // The Exit after the jal: the fifth op, falling through to offset
        // 16, one load before it.
        assert_eq!(c.ops[4], Op::exit(4, 16, 1));
        assert_eq!((c.ops[1].nmem, c.ops[2].nmem), (0, 1));
        assert_eq!((c.ops[1].idx, c.ops[2].idx, c.ops[3].idx), (1, 2, 3));
        assert_eq!(c.get(&mut r, 0x8000_0000), Some((0, 4)));
        assert_eq!((c.hits, c.misses), (1, 1));
        assert!(r.is_code(0));
        // A block starting mid-way is its own block, after the first's Exit.
        assert_eq!(c.get(&mut r, 0x8000_0004), Some((5, 3)));
    }

    #[test]
    fn write_to_code_page_invalidates() {
        let mut r = ram_with(&[0x00100093, 0x0000006f]);
        let mut c = BlockCache::new();
        assert_eq!(c.get(&mut r, 0x8000_0000), Some((0, 2)));
        // Turn the first instruction into a jump through the DMA path.
        r.slice_mut(0x8000_0000, 4)
            .unwrap()
            .copy_from_slice(&0x0000006fu32.to_le_bytes());
        // Rebuilt after the old block and its Exit.
        assert_eq!(c.get(&mut r, 0x8000_0000), Some((3, 1)));
        assert_eq!(c.misses, 2);
    }

    #[test]
    fn a_write_drops_only_its_pages_blocks_while_the_log_reaches() {
        let mut r = Ram::new(0x8000_0000, 0x1000 * (CLOBBER_LOG + 2));
        let jal = 0x0000006fu32.to_le_bytes();
        for page in 0..CLOBBER_LOG + 2 {
            r.data[page << 12..(page << 12) + 4].copy_from_slice(&jal);
        }
        let mut c = BlockCache::new();
        let (a, b) = (0x8000_0000, 0x8000_1000);
        assert_eq!(c.get(&mut r, a), Some((0, 1)));
        assert_eq!(c.get(&mut r, b), Some((2, 1)));
        // A write into page a leaves page b's block cached.
        r.note_write(0x10, 4);
        assert_eq!(c.get(&mut r, b), Some((2, 1)));
        assert_eq!(c.get(&mut r, a), Some((4, 1)));
        assert_eq!((c.hits, c.misses), (1, 3));
        // More clobbers than the log holds: every block goes.
        for page in 2..CLOBBER_LOG + 2 {
            assert_eq!(
                c.get(&mut r, 0x8000_0000 + (page << 12) as u64).map(|_| ()),
                Some(())
            );
        }
        for page in 2..CLOBBER_LOG + 2 {
            r.note_write(page << 12, 4);
        }
        r.note_write(0, 4);
        assert_eq!(c.get(&mut r, b), Some((0, 1)));
    }

    #[test]
    fn block_stops_at_page_end_and_straddlers_are_refused() {
        let mut r = Ram::new(0x8000_0000, 0x2000);
        // nop at 0xff8, nop at 0xffc, then a 32-bit nop's low half at 0x1ffe.
        r.data[0xff8..0xffc].copy_from_slice(&0x00000013u32.to_le_bytes());
        r.data[0xffc..0x1000].copy_from_slice(&0x00000013u32.to_le_bytes());
        r.data[0x1ffe..0x2000].copy_from_slice(&0x0013u16.to_le_bytes());
        let mut c = BlockCache::new();
        assert_eq!(c.get(&mut r, 0x8000_0ff8), Some((0, 2)));
        assert_eq!(c.get(&mut r, 0x8000_1ffe), None);
        assert_eq!(c.get(&mut r, 0x9000_0000), None);
    }
}
