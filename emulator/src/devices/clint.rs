//! CLINT (QEMU's ACLINT MSWI + MTIMER): per-hart msip and mtimecmp, and mtime.
//!
//! Time is virtual and owned by the board: it calls [`Clint::advance`] and reads
//! the lines with [`Clint::msip`] and [`Clint::mtip`].

use crate::bus::{Device, Fault};

const MSIP_END: u64 = 0x4000;
const MTIMECMP: u64 = 0x4000;
const MTIME: u64 = 0xbff8;
const MTIMER_END: u64 = 0xc000;

pub struct Clint {
    msip: Vec<bool>,
    mtimecmp: Vec<u64>,
    mtime: u64,
}

// Replaces the 32-bit half of `old` selected by `high` with `val`, or all of it for 8 bytes.
fn merge(old: u64, high: bool, size: u8, val: u64) -> u64 {
    match (high, size) {
        (false, 8) => val,
        (false, _) => (old & !0xffff_ffff) | (val & 0xffff_ffff),
        (true, _) => (old & 0xffff_ffff) | (val << 32),
    }
}

// A read of `v` at its low half (8 bytes gives all of it) or its high half.
fn half(v: u64, high: bool, size: u8) -> u64 {
    match (high, size) {
        (false, 8) => v,
        (false, _) => v & 0xffff_ffff,
        (true, _) => v >> 32,
    }
}

impl Clint {
    /// A CLINT for `nharts` harts at reset: msip clear, mtimecmp and mtime 0.
    pub fn new(nharts: usize) -> Clint {
        Clint {
            msip: vec![false; nharts],
            mtimecmp: vec![0; nharts],
            mtime: 0,
        }
    }

    /// The current value of mtime (the `time` CSR).
    pub fn mtime(&self) -> u64 {
        self.mtime
    }

    /// Moves time forward by `ticks` of the 10 MHz timebase.
    pub fn advance(&mut self, ticks: u64) {
        self.mtime = self.mtime.wrapping_add(ticks);
    }

    /// The machine software interrupt line of hart `h`.
    pub fn msip(&self, h: usize) -> bool {
        self.msip.get(h).copied().unwrap_or(false)
    }

    /// The machine timer interrupt line of hart `h`: mtime >= mtimecmp[h].
    pub fn mtip(&self, h: usize) -> bool {
        self.mtimecmp.get(h).is_some_and(|&c| self.mtime >= c)
    }

    /// The hart's mtimecmp.
    pub fn mtimecmp(&self, h: usize) -> u64 {
        self.mtimecmp.get(h).copied().unwrap_or(0)
    }

    /// The earliest mtimecmp still in the future, for skipping idle time.
    pub fn next_deadline(&self) -> Option<u64> {
        self.mtimecmp
            .iter()
            .copied()
            .filter(|&c| c > self.mtime)
            .min()
    }

    // The hart and half selected by an offset in the mtimecmp array.
    fn timecmp_slot(&self, offset: u64) -> Option<(usize, bool)> {
        let rel = offset.checked_sub(MTIMECMP)?;
        let h = usize::try_from(rel / 8).ok()?;
        (h < self.mtimecmp.len()).then_some((h, rel % 8 == 4))
    }
}

// MSWI takes aligned 32-bit accesses; MTIMER aligned 32- or 64-bit ones;
// 0xc000.. is not mapped. Anything else faults, as in QEMU.
fn valid(offset: u64, size: u8) -> bool {
    let ok_size = if offset < MSIP_END {
        size == 4
    } else if offset < MTIMER_END {
        size == 4 || size == 8
    } else {
        false
    };
    ok_size && offset.is_multiple_of(size as u64)
}

impl Device for Clint {
    fn read(&mut self, offset: u64, size: u8) -> Result<u64, Fault> {
        if !valid(offset, size) {
            return Err(Fault);
        }
        if offset < MSIP_END {
            return Ok(self.msip((offset / 4) as usize) as u64);
        }
        if let Some((h, high)) = self.timecmp_slot(offset) {
            return Ok(half(self.mtimecmp[h], high, size));
        }
        Ok(match offset {
            MTIME => half(self.mtime, false, size),
            o if o == MTIME + 4 => half(self.mtime, true, size),
            _ => 0,
        })
    }

    fn write(&mut self, offset: u64, size: u8, val: u64) -> Result<(), Fault> {
        if !valid(offset, size) {
            return Err(Fault);
        }
        if offset < MSIP_END {
            if let Some(m) = self.msip.get_mut((offset / 4) as usize) {
                *m = val & 1 != 0;
            }
        } else if let Some((h, high)) = self.timecmp_slot(offset) {
            self.mtimecmp[h] = merge(self.mtimecmp[h], high, size, val);
        } else if offset == MTIME {
            self.mtime = merge(self.mtime, false, size, val);
        } else if offset == MTIME + 4 {
            self.mtime = merge(self.mtime, true, size, val);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_state_has_mtip_raised() {
        let c = Clint::new(3);
        assert_eq!(c.mtime(), 0);
        for h in 0..3 {
            assert!(c.mtip(h));
            assert!(!c.msip(h));
        }
        assert!(!c.mtip(3));
        assert!(!c.msip(3));
        assert_eq!(c.next_deadline(), None);
    }

    #[test]
    fn msip_registers() {
        let mut c = Clint::new(2);
        c.write(4, 4, 0xffff_ffff).unwrap();
        assert!(c.msip(1));
        assert!(!c.msip(0));
        assert_eq!(c.read(4, 4), Ok(1));
        assert_eq!(c.read(0, 4), Ok(0));
        c.write(4, 4, 2).unwrap();
        assert!(!c.msip(1));
        // Beyond the harts: reads 0, writes ignored.
        c.write(8, 4, 1).unwrap();
        assert_eq!(c.read(8, 4), Ok(0));
        assert_eq!(c.read(0x3ffc, 4), Ok(0));
        // Wrong sizes and misalignment fault.
        assert_eq!(c.read(0, 8), Err(Fault));
        assert_eq!(c.write(0, 1, 1), Err(Fault));
        assert_eq!(c.write(0, 2, 1), Err(Fault));
        assert_eq!(c.write(2, 4, 1), Err(Fault));
        assert!(!c.msip(0));
    }

    #[test]
    fn mtimecmp_halves_and_mtip() {
        let mut c = Clint::new(2);
        c.write(0x4008, 8, 0x1_0000_0010).unwrap();
        assert_eq!(c.mtimecmp(1), 0x1_0000_0010);
        assert_eq!(c.read(0x4008, 8), Ok(0x1_0000_0010));
        assert_eq!(c.read(0x4008, 4), Ok(0x10));
        assert_eq!(c.read(0x400c, 4), Ok(1));
        assert!(!c.mtip(1));
        assert!(c.mtip(0));
        c.write(0x400c, 4, 0).unwrap();
        assert_eq!(c.mtimecmp(1), 0x10);
        c.write(0x4008, 4, 0xffff_ffff_0000_0020).unwrap();
        assert_eq!(c.mtimecmp(1), 0x20);
        assert_eq!(c.next_deadline(), Some(0x20));
        c.advance(0x1f);
        assert!(!c.mtip(1));
        c.advance(1);
        assert!(c.mtip(1));
        assert_eq!(c.next_deadline(), None);
        // Beyond the harts: reads 0, writes ignored; 16-bit accesses fault.
        c.write(0x4010, 8, 5).unwrap();
        assert_eq!(c.read(0x4010, 8), Ok(0));
        assert_eq!(c.read(0x4008, 2), Err(Fault));
        assert_eq!(c.write(0x4004, 8, 0), Err(Fault));
    }

    #[test]
    fn mtime_register() {
        let mut c = Clint::new(1);
        c.advance(0x1_2345_6789);
        assert_eq!(c.read(0xbff8, 8), Ok(0x1_2345_6789));
        assert_eq!(c.read(0xbff8, 4), Ok(0x2345_6789));
        assert_eq!(c.read(0xbffc, 4), Ok(1));
        c.write(0xbffc, 4, 7).unwrap();
        assert_eq!(c.mtime(), 0x7_2345_6789);
        c.write(0xbff8, 4, 0).unwrap();
        assert_eq!(c.mtime(), 0x7_0000_0000);
        c.write(0x4000, 8, 0x8_0000_0000).unwrap();
        assert!(!c.mtip(0));
        assert_eq!(c.next_deadline(), Some(0x8_0000_0000));
        c.write(0xbff8, 8, 0x9_0000_0000).unwrap();
        assert!(c.mtip(0));
        // Writing mtime backwards lowers MTIP again.
        c.write(0xbff8, 8, 5).unwrap();
        assert!(!c.mtip(0));
        // Unmapped holes read 0; past the MTIMER region faults.
        assert_eq!(c.read(0xbff0, 8), Ok(0));
        assert_eq!(c.read(0xc000, 4), Err(Fault));
        assert_eq!(c.write(0xfff8, 8, 0), Err(Fault));
    }
}
