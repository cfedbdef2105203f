//! PLIC (QEMU hw/intc/sifive_plic.c as configured by virt): 96 sources, two contexts per hart.
//!
//! Context 2h is hart h's M-mode (MEIP), context 2h+1 its S-mode (SEIP). The
//! board reports device lines with [`Plic::set_level`] and reads the outputs
//! with [`Plic::meip`] and [`Plic::seip`].

use crate::bus::{Device, Fault};

/// Number of interrupt sources, including the never-firing source 0.
pub const NSOURCES: u32 = 96;
const WORDS: usize = (NSOURCES / 32) as usize;
/// Priorities and thresholds are 3-bit WARL.
const PRIO_MASK: u32 = 7;

const PENDING: u64 = 0x1000;
const ENABLE: u64 = 0x2000;
const ENABLE_STRIDE: u64 = 0x80;
const CONTEXT: u64 = 0x20_0000;
const CONTEXT_STRIDE: u64 = 0x1000;

pub struct Plic {
    /// Priority of each source; slot 96 is backed but never fires, as on QEMU 7.2.
    priority: [u32; NSOURCES as usize + 1],
    pending: [u32; WORDS],
    claimed: [u32; WORDS],
    enable: Vec<[u32; WORDS]>,
    threshold: Vec<u32>,
    /// The output line of each context, recomputed after every change.
    line: Vec<bool>,
}

impl Plic {
    /// A PLIC at reset for `nharts` harts (2 contexts each): everything 0.
    pub fn new(nharts: usize) -> Plic {
        let nctx = 2 * nharts;
        Plic {
            priority: [0; NSOURCES as usize + 1],
            pending: [0; WORDS],
            claimed: [0; WORDS],
            enable: vec![[0; WORDS]; nctx],
            threshold: vec![0; nctx],
            line: vec![false; nctx],
        }
    }

    /// Gateway: a device reports its line. High sets the source pending (even
    /// while claimed); low changes nothing, only a claim clears pending.
    pub fn set_level(&mut self, irq: u32, level: bool) {
        if level && irq > 0 && irq < NSOURCES {
            self.pending[(irq / 32) as usize] |= 1 << (irq % 32);
            self.update();
        }
    }

    /// Hart `hart`'s machine external interrupt line (context 2·hart).
    pub fn meip(&self, hart: usize) -> bool {
        self.line.get(2 * hart).copied().unwrap_or(false)
    }

    /// Hart `hart`'s supervisor external interrupt line (context 2·hart + 1).
    pub fn seip(&self, hart: usize) -> bool {
        self.line.get(2 * hart + 1).copied().unwrap_or(false)
    }

    /// Whether source `irq` is pending.
    pub fn is_pending(&self, irq: u32) -> bool {
        irq < NSOURCES && self.pending[(irq / 32) as usize] & (1 << (irq % 32)) != 0
    }

    // The highest-priority source that is pending, enabled for `ctx`, not
    // claimed and above the threshold (ties go to the lowest id); 0 if none.
    fn best(&self, ctx: usize) -> u32 {
        let mut best = 0;
        let mut best_prio = self.threshold[ctx];
        for w in 0..WORDS {
            let mut bits = self.pending[w] & !self.claimed[w] & self.enable[ctx][w];
            while bits != 0 {
                let irq = w as u32 * 32 + bits.trailing_zeros();
                bits &= bits - 1;
                if self.priority[irq as usize] > best_prio {
                    best = irq;
                    best_prio = self.priority[irq as usize];
                }
            }
        }
        best
    }

    fn update(&mut self) {
        for ctx in 0..self.line.len() {
            self.line[ctx] = self.best(ctx) != 0;
        }
    }

    fn claim(&mut self, ctx: usize) -> u32 {
        let irq = self.best(ctx);
        if irq != 0 {
            let (w, bit) = ((irq / 32) as usize, 1 << (irq % 32));
            self.pending[w] &= !bit;
            self.claimed[w] |= bit;
        }
        self.update();
        irq
    }

    fn complete(&mut self, irq: u64) {
        if irq < NSOURCES as u64 {
            self.claimed[(irq / 32) as usize] &= !(1 << (irq % 32));
            self.update();
        }
    }

    // The context and word of an enable-register offset, if that register exists.
    fn enable_slot(&self, offset: u64) -> Option<(usize, usize)> {
        let rel = offset.checked_sub(ENABLE)?;
        let ctx = usize::try_from(rel / ENABLE_STRIDE).ok()?;
        let word = (rel % ENABLE_STRIDE / 4) as usize;
        (ctx < self.enable.len() && word < WORDS).then_some((ctx, word))
    }

    // The context and register (0 threshold, 4 claim) of a context offset.
    fn context_slot(&self, offset: u64) -> Option<(usize, u64)> {
        let rel = offset.checked_sub(CONTEXT)?;
        let ctx = usize::try_from(rel / CONTEXT_STRIDE).ok()?;
        (ctx < self.threshold.len()).then_some((ctx, rel % CONTEXT_STRIDE))
    }
}

impl Device for Plic {
    fn read(&mut self, offset: u64, size: u8) -> Result<u64, Fault> {
        if size != 4 || !offset.is_multiple_of(4) {
            return Err(Fault);
        }
        let v = if offset < PENDING {
            self.priority
                .get((offset / 4) as usize)
                .copied()
                .unwrap_or(0)
        } else if offset < ENABLE {
            self.pending
                .get(((offset - PENDING) / 4) as usize)
                .copied()
                .unwrap_or(0)
        } else if let Some((ctx, w)) = self.enable_slot(offset) {
            self.enable[ctx][w]
        } else {
            match self.context_slot(offset) {
                Some((ctx, 0)) => self.threshold[ctx],
                Some((ctx, 4)) => self.claim(ctx),
                _ => 0,
            }
        };
        Ok(v as u64)
    }

    fn write(&mut self, offset: u64, size: u8, val: u64) -> Result<(), Fault> {
        if size != 4 || !offset.is_multiple_of(4) {
            return Err(Fault);
        }
        let val = val as u32;
        if offset < PENDING {
            let i = (offset / 4) as usize;
            if i > 0 && i < self.priority.len() {
                self.priority[i] = val & PRIO_MASK;
                self.update();
            }
        } else if offset < ENABLE {
            // Pending bits are read-only.
        } else if let Some((ctx, w)) = self.enable_slot(offset) {
            self.enable[ctx][w] = val;
            self.update();
        } else {
            match self.context_slot(offset) {
                Some((ctx, 0)) => {
                    self.threshold[ctx] = val & PRIO_MASK;
                    self.update();
                }
                Some((_, 4)) => self.complete(val as u64),
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // xv6's S-mode context registers of hart h.
    fn s_enable(h: u64) -> u64 {
        0x2080 + 0x100 * h
    }
    fn s_threshold(h: u64) -> u64 {
        0x20_1000 + 0x2000 * h
    }
    fn s_claim(h: u64) -> u64 {
        0x20_1004 + 0x2000 * h
    }

    #[test]
    fn priority_registers_are_3_bit_warl() {
        let mut p = Plic::new(1);
        p.write(40, 4, 0xff).unwrap();
        assert_eq!(p.read(40, 4), Ok(7));
        p.write(40, 4, 9).unwrap();
        assert_eq!(p.read(40, 4), Ok(1));
        // Source 0 reads 0 and ignores writes; 0x180 is backed; beyond reads 0.
        p.write(0, 4, 5).unwrap();
        assert_eq!(p.read(0, 4), Ok(0));
        p.write(0x180, 4, 3).unwrap();
        assert_eq!(p.read(0x180, 4), Ok(3));
        p.write(0x184, 4, 3).unwrap();
        assert_eq!(p.read(0x184, 4), Ok(0));
    }

    #[test]
    fn only_aligned_32_bit_accesses() {
        let mut p = Plic::new(1);
        assert_eq!(p.read(40, 8), Err(Fault));
        assert_eq!(p.read(40, 1), Err(Fault));
        assert_eq!(p.write(40, 2, 1), Err(Fault));
        assert_eq!(p.write(42, 4, 1), Err(Fault));
        assert_eq!(p.read(40, 4), Ok(0));
    }

    #[test]
    fn claim_complete_cycle_like_xv6() {
        let mut p = Plic::new(2);
        p.write(10 * 4, 4, 1).unwrap(); // UART priority
        p.write(4, 4, 1).unwrap(); // virtio priority
        p.write(s_enable(1), 4, (1 << 10) | (1 << 1)).unwrap();
        assert_eq!(p.read(s_enable(1), 4), Ok(0x402));
        p.write(s_threshold(1), 4, 0).unwrap();
        p.set_level(10, true);
        assert_eq!(p.read(0x1000, 4), Ok(1 << 10));
        assert!(p.is_pending(10));
        assert!(p.seip(1));
        assert!(!p.seip(0) && !p.meip(1) && !p.meip(0));
        // Claim clears pending and lowers the line.
        assert_eq!(p.read(s_claim(1), 4), Ok(10));
        assert!(!p.is_pending(10));
        assert!(!p.seip(1));
        // High again while claimed: pending, but not delivered until complete.
        p.set_level(10, true);
        assert!(p.is_pending(10));
        assert!(!p.seip(1));
        assert_eq!(p.read(s_claim(1), 4), Ok(0));
        p.write(s_claim(1), 4, 10).unwrap();
        assert!(p.seip(1));
        assert_eq!(p.read(s_claim(1), 4), Ok(10));
        p.write(s_claim(1), 4, 10).unwrap();
        // A low level does not clear pending; nothing is left.
        p.set_level(1, true);
        p.set_level(1, false);
        assert!(p.seip(1));
        assert_eq!(p.read(s_claim(1), 4), Ok(1));
        p.write(s_claim(1), 4, 1).unwrap();
        assert!(!p.seip(1));
        assert_eq!(p.read(s_claim(1), 4), Ok(0));
    }

    #[test]
    fn priorities_thresholds_and_ties() {
        let mut p = Plic::new(1);
        p.write(0x2000, 4, u32::MAX as u64).unwrap(); // M context enables all
        for irq in [3, 5, 7] {
            p.set_level(irq, true);
        }
        // Priority 0 never interrupts.
        assert!(!p.meip(0));
        assert_eq!(p.read(0x20_0004, 4), Ok(0));
        for irq in [3, 5, 7] {
            p.write(irq as u64 * 4, 4, 2).unwrap();
        }
        p.write(7 * 4, 4, 3).unwrap();
        assert!(p.meip(0));
        p.write(0x20_0000, 4, 3).unwrap();
        assert_eq!(p.read(0x20_0000, 4), Ok(3));
        assert!(!p.meip(0));
        p.write(0x20_0000, 4, 0xa).unwrap(); // WARL: 2
        assert_eq!(p.read(0x20_0000, 4), Ok(2));
        assert!(p.meip(0));
        assert_eq!(p.read(0x20_0004, 4), Ok(7));
        // Threshold 2 hides the priority-2 sources from claim too.
        assert_eq!(p.read(0x20_0004, 4), Ok(0));
        p.write(0x20_0000, 4, 1).unwrap();
        // Equal priorities: lowest id first.
        assert_eq!(p.read(0x20_0004, 4), Ok(3));
        assert_eq!(p.read(0x20_0004, 4), Ok(5));
        assert_eq!(p.read(0x1000, 4), Ok(0));
    }

    #[test]
    fn complete_and_gateway_edge_cases() {
        let mut p = Plic::new(1);
        p.write(0x2080 + 8, 4, 1 << 31).unwrap(); // S context, source 95
        p.write(95 * 4, 4, 1).unwrap();
        p.set_level(95, true);
        assert!(p.seip(0));
        assert_eq!(p.read(0x20_1004, 4), Ok(95));
        // Completing a source >= 96 is ignored; completing by any context works.
        p.write(0x20_1004, 4, 96 + 95).unwrap();
        p.set_level(95, true);
        assert!(!p.seip(0));
        p.write(0x20_0004, 4, 95).unwrap();
        assert!(p.seip(0));
        // Sources 0 and >= 96 never become pending; pending is read-only.
        p.set_level(0, true);
        p.set_level(96, true);
        p.write(0x1000, 4, 0xffff_ffff).unwrap();
        assert_eq!(p.read(0x1000, 4), Ok(0));
        assert_eq!(p.read(0x1008, 4), Ok(1 << 31));
        assert_eq!(p.read(0x100c, 4), Ok(0));
    }

    #[test]
    fn absent_contexts_and_words_read_zero() {
        let mut p = Plic::new(1);
        // Enable word 3 does not exist; context 2 does not exist.
        p.write(0x200c, 4, 1).unwrap();
        assert_eq!(p.read(0x200c, 4), Ok(0));
        p.write(0x2100, 4, 1).unwrap();
        assert_eq!(p.read(0x2100, 4), Ok(0));
        p.write(0x20_2000, 4, 1).unwrap();
        assert_eq!(p.read(0x20_2000, 4), Ok(0));
        assert_eq!(p.read(0x20_2004, 4), Ok(0));
        assert_eq!(p.read(0x20_0008, 4), Ok(0));
        assert_eq!(p.read(0x5f_fffc, 4), Ok(0));
        assert!(!p.meip(1) && !p.seip(1));
    }
}
