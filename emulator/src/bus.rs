//! The physical address space: RAM plus memory-mapped devices at fixed ranges.

use std::any::Any;
use std::fmt;

/// A bus access that no device accepts (unmapped address, bad size or a
/// register that refuses it). The hart turns it into an access fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault;

/// A memory-mapped device. The board reaches a concrete device again through
/// [`Bus::device_mut`] (trait upcasting to `Any`).
pub trait Device: Any {
    /// Reads a register. `offset` is relative to the device base; `size` is 1, 2, 4 or 8.
    fn read(&mut self, offset: u64, size: u8) -> Result<u64, Fault>;
    /// Writes a register. `offset` is relative to the device base; `size` is 1, 2, 4 or 8.
    fn write(&mut self, offset: u64, size: u8, val: u64) -> Result<(), Fault>;
    /// The level of this device's interrupt line.
    fn irq_level(&self) -> bool {
        false
    }
}

/// Main memory: one contiguous block at `base`.
///
/// Pages that hold decoded (cached) instructions are marked in a bitmap; a
/// store into such a page clears its mark and bumps `code_gen`, which every
/// hart's block cache compares before using a cached block (and the page goes
/// in a log of the last `CLOBBER_LOG` clobbered pages, so that a cache drops
/// only those pages' blocks). A page newly
/// marked bumps `code_marks`, which every hart's TLB compares before its
/// stores (they take no look at the bitmap: a TLB entry lets stores
/// through only to pages without cached code).
pub struct Ram {
    pub base: u64,
    /// The bytes, never resized (TLB entries hold host addresses in them).
    pub data: Box<[u8]>,
    /// One bit per 4 KiB page of `data`: the page holds cached code.
    code: Vec<u64>,
    /// Bumped whenever a page holding cached code is written.
    pub code_gen: u64,
    /// Bumped whenever a page starts holding cached code.
    pub code_marks: u64,
    /// The page offsets of the last clobbers: the one that made `code_gen`
    /// g sits at `g % CLOBBER_LOG`.
    clobbered: [usize; CLOBBER_LOG],
}

/// Clobbered pages remembered: a block cache that missed more drops all.
pub const CLOBBER_LOG: usize = 64;

impl Ram {
    /// Zeroed RAM of `size` bytes at `base`.
    pub fn new(base: u64, size: usize) -> Ram {
        Ram {
            base,
            data: vec![0; size].into_boxed_slice(),
            code: vec![0; size.div_ceil(1 << 18)],
            code_gen: 0,
            code_marks: 0,
            clobbered: [0; CLOBBER_LOG],
        }
    }

    /// Marks the page holding data offset `off` as holding cached code.
    pub fn mark_code(&mut self, off: usize) {
        let (w, bit) = (&mut self.code[off >> 18], 1 << ((off >> 12) & 63));
        if *w & bit == 0 {
            *w |= bit;
            self.code_marks += 1;
        }
    }

    /// Whether the page holding data offset `off` holds cached code.
    #[inline(always)]
    pub fn is_code(&self, off: usize) -> bool {
        self.code
            .get(off >> 18)
            .is_some_and(|w| (w >> ((off >> 12) & 63)) & 1 != 0)
    }

    /// Notes a store at data offset `off`: if its page holds cached code,
    /// `clobber_code`.
    #[inline(always)]
    pub fn stored(&mut self, off: usize) {
        if self.is_code(off) {
            self.clobber_code(off);
        }
    }

    /// A write at data offset `off` hit a code page: unmark it and
    /// invalidate every hart's cached blocks.
    #[cold]
    pub fn clobber_code(&mut self, off: usize) {
        self.code[off >> 18] &= !(1 << ((off >> 12) & 63));
        self.code_gen += 1;
        self.clobbered[self.code_gen as usize % CLOBBER_LOG] = off & !0xfff;
    }

    /// The data offsets of the pages clobbered since `code_gen` was `since`,
    /// or None when the log no longer reaches back that far.
    pub fn clobbered_since(&self, since: u64) -> Option<impl Iterator<Item = usize> + '_> {
        (self.code_gen - since <= CLOBBER_LOG as u64)
            .then(|| (since + 1..=self.code_gen).map(|g| self.clobbered[g as usize % CLOBBER_LOG]))
    }

    /// Notes a write of `len` bytes at data offset `off` (DMA, loaders):
    /// invalidates cached code in any page it touches.
    pub fn note_write(&mut self, off: usize, len: usize) {
        if len == 0 {
            return;
        }
        for page in (off >> 12)..=((off + len - 1) >> 12) {
            self.stored(page << 12);
        }
    }

    /// Offset of `[pa, pa + len)` in `data`, or None when it is not all RAM.
    #[inline(always)]
    pub fn offset(&self, pa: u64, len: u64) -> Option<usize> {
        let off = pa.wrapping_sub(self.base);
        if off < self.data.len() as u64 && len <= self.data.len() as u64 - off {
            Some(off as usize)
        } else {
            None
        }
    }

    /// The bytes `[pa, pa + len)`, or None when they are not all RAM.
    pub fn slice(&self, pa: u64, len: usize) -> Option<&[u8]> {
        self.offset(pa, len as u64).map(|o| &self.data[o..o + len])
    }

    /// The bytes `[pa, pa + len)` for writing, or None when they are not all RAM.
    /// Cached code in those pages is invalidated.
    pub fn slice_mut(&mut self, pa: u64, len: usize) -> Option<&mut [u8]> {
        let o = self.offset(pa, len as u64)?;
        self.note_write(o, len);
        Some(&mut self.data[o..o + len])
    }
}

/// Error from [`Bus::insert`].
#[derive(Debug, PartialEq, Eq)]
pub enum MapError {
    /// The range is empty or wraps around the address space.
    BadRange { base: u64, len: u64 },
    /// The range overlaps RAM or another device.
    Overlap {
        base: u64,
        len: u64,
        with: &'static str,
    },
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::BadRange { base, len } => write!(f, "bad range {base:#x}+{len:#x}"),
            MapError::Overlap { base, len, with } => {
                write!(f, "range {base:#x}+{len:#x} overlaps {with}")
            }
        }
    }
}

struct Mapping {
    base: u64,
    len: u64,
    name: &'static str,
    dev: Box<dyn Device>,
}

/// RAM and the devices, each over a half-open range `base..base + len`.
pub struct Bus {
    pub ram: Ram,
    maps: Vec<Mapping>,
}

impl Bus {
    pub fn new(ram: Ram) -> Bus {
        Bus {
            ram,
            maps: Vec::new(),
        }
    }

    /// Maps `dev` at `base..base + len`; rejects empty, wrapping and overlapping ranges.
    pub fn insert(
        &mut self,
        name: &'static str,
        base: u64,
        len: u64,
        dev: Box<dyn Device>,
    ) -> Result<(), MapError> {
        let end = base.checked_add(len).filter(|_| len > 0);
        let Some(end) = end else {
            return Err(MapError::BadRange { base, len });
        };
        let overlaps = |b: u64, l: u64| base < b + l && b < end;
        if overlaps(self.ram.base, self.ram.data.len() as u64) {
            return Err(MapError::Overlap {
                base,
                len,
                with: "RAM",
            });
        }
        if let Some(m) = self.maps.iter().find(|m| overlaps(m.base, m.len)) {
            return Err(MapError::Overlap {
                base,
                len,
                with: m.name,
            });
        }
        self.maps.push(Mapping {
            base,
            len,
            name,
            dev,
        });
        self.maps.sort_by_key(|m| m.base);
        Ok(())
    }

    fn find(&mut self, pa: u64, size: u8) -> Option<(&mut Mapping, u64)> {
        let m = self
            .maps
            .iter_mut()
            .find(|m| pa >= m.base && pa - m.base < m.len)?;
        let off = pa - m.base;
        (off + size as u64 <= m.len).then_some((m, off))
    }

    /// Reads `size` (1, 2, 4 or 8) bytes at physical address `pa`, little-endian.
    pub fn read(&mut self, pa: u64, size: u8) -> Result<u64, Fault> {
        if let Some(o) = self.ram.offset(pa, size as u64) {
            let mut b = [0u8; 8];
            b[..size as usize].copy_from_slice(&self.ram.data[o..o + size as usize]);
            return Ok(u64::from_le_bytes(b));
        }
        let (m, off) = self.find(pa, size).ok_or(Fault)?;
        m.dev.read(off, size)
    }

    /// Writes the low `size` (1, 2, 4 or 8) bytes of `val` at physical address `pa`.
    pub fn write(&mut self, pa: u64, size: u8, val: u64) -> Result<(), Fault> {
        if let Some(o) = self.ram.offset(pa, size as u64) {
            self.ram.data[o..o + size as usize]
                .copy_from_slice(&val.to_le_bytes()[..size as usize]);
            return Ok(());
        }
        let (m, off) = self.find(pa, size).ok_or(Fault)?;
        m.dev.write(off, size, val)
    }

    /// The first device of type `T`, for the board to reach it directly.
    pub fn device_mut<T: Device>(&mut self) -> Option<&mut T> {
        self.maps
            .iter_mut()
            .find_map(|m| (&mut *m.dev as &mut dyn Any).downcast_mut::<T>())
    }

    /// The position of the first device of type `T`, for [`Bus::device_at`].
    pub fn index_of<T: Device>(&self) -> Option<usize> {
        self.maps
            .iter()
            .position(|m| (&*m.dev as &dyn Any).is::<T>())
    }

    /// The device at position `index` (from [`Bus::index_of`]) if it is a
    /// `T`, together with RAM (for DMA): one type check, no search.
    #[inline]
    pub fn device_at<T: Device>(&mut self, index: usize) -> Option<(&mut T, &mut Ram)> {
        let m = self.maps.get_mut(index)?;
        let dev = (&mut *m.dev as &mut dyn Any).downcast_mut::<T>()?;
        Some((dev, &mut self.ram))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Reg(u64);
    impl Device for Reg {
        fn read(&mut self, _offset: u64, _size: u8) -> Result<u64, Fault> {
            Ok(self.0)
        }
        fn write(&mut self, _offset: u64, _size: u8, val: u64) -> Result<(), Fault> {
            self.0 = val;
            Ok(())
        }
    }

    fn bus() -> Bus {
        Bus::new(Ram::new(0x8000_0000, 0x1000))
    }

    #[test]
    fn insert_rejects_overlap_and_empty_ranges() {
        let mut b = bus();
        b.insert("a", 0x1000, 0x100, Box::new(Reg(0))).unwrap();
        assert_eq!(
            b.insert("b", 0x10ff, 0x10, Box::new(Reg(0))),
            Err(MapError::Overlap {
                base: 0x10ff,
                len: 0x10,
                with: "a"
            })
        );
        assert!(b.insert("c", 0x0f00, 0x101, Box::new(Reg(0))).is_err());
        // Half-open: a device may start exactly where the previous one ends.
        b.insert("d", 0x1100, 0x100, Box::new(Reg(0))).unwrap();
        b.insert("e", 0x0f00, 0x100, Box::new(Reg(0))).unwrap();
        assert_eq!(
            b.insert("z", 0x2000, 0, Box::new(Reg(0))),
            Err(MapError::BadRange {
                base: 0x2000,
                len: 0
            })
        );
        assert!(b.insert("w", u64::MAX, 2, Box::new(Reg(0))).is_err());
        assert!(matches!(
            b.insert("r", 0x8000_0ff8, 0x10, Box::new(Reg(0))),
            Err(MapError::Overlap { with: "RAM", .. })
        ));
    }

    #[test]
    fn code_pages_invalidate_on_write() {
        let mut r = Ram::new(0x8000_0000, 0x10_0000);
        r.mark_code(0x3000);
        r.mark_code(0x4_5000);
        assert!(r.is_code(0x3ffc) && r.is_code(0x4_5000) && !r.is_code(0x4000));
        assert!(r.slice_mut(0x8000_1000, 0x1000).is_some());
        assert_eq!(r.code_gen, 0);
        // A slice reaching one byte into the code page invalidates it once.
        assert!(r.slice_mut(0x8000_2001, 0x1000).is_some());
        assert_eq!(r.code_gen, 1);
        assert!(!r.is_code(0x3000) && r.is_code(0x4_5000));
        assert!(r.slice_mut(0x8000_3000, 8).is_some());
        assert_eq!(r.code_gen, 1);
    }

    #[test]
    fn ram_and_device_accesses() {
        let mut b = bus();
        b.insert("reg", 0x1000, 0x100, Box::new(Reg(7))).unwrap();
        b.write(0x8000_0000, 8, 0x1122_3344_5566_7788).unwrap();
        assert_eq!(b.read(0x8000_0000, 4), Ok(0x5566_7788));
        assert_eq!(b.read(0x8000_0006, 2), Ok(0x1122));
        assert_eq!(b.read(0x1000, 4), Ok(7));
        b.write(0x10fc, 4, 9).unwrap();
        assert_eq!(b.read(0x1000, 8), Ok(9));
        assert_eq!(b.device_mut::<Reg>().map(|r| r.0), Some(9));
        let i = b.index_of::<Reg>().unwrap();
        assert_eq!(b.device_at::<Reg>(i).map(|(r, _)| r.0), Some(9));
        assert!(b.device_at::<Reg>(i + 1).is_none());
        // Unmapped, straddling the end of RAM, and straddling the end of a device.
        assert_eq!(b.read(0x5000, 4), Err(Fault));
        assert_eq!(b.read(0x8000_0ffc, 8), Err(Fault));
        assert_eq!(b.read(0x10fc, 8), Err(Fault));
        assert_eq!(b.write(0x7fff_fffc, 8, 0), Err(Fault));
    }
}
