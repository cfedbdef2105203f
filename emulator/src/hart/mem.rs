//! The hart's memory accesses: TLB fast path straight into RAM, and the slow
//! path through the MMU and the bus (devices, misaligned and page-crossing).

use super::csr::{MSTATUS_MPP, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SUM};
use super::decode::decode_any;
use super::insn::{Decoded, Width};
use super::{Exception, Hart, PRV_M};
use crate::bus::Bus;
use crate::mmu::{self, Access, Ctx};

#[inline(always)]
fn bytes<const N: usize>(d: &[u8], o: usize) -> [u8; N] {
    d[o..o + N].try_into().unwrap_or([0; N])
}

/// Reads `w` bytes at `o` of RAM data, little-endian, zero-extended.
#[inline(always)]
pub(crate) fn read_le(d: &[u8], o: usize, w: Width) -> u64 {
    match w {
        Width::B => d[o] as u64,
        Width::H => u16::from_le_bytes(bytes(d, o)) as u64,
        Width::W => u32::from_le_bytes(bytes(d, o)) as u64,
        Width::D => u64::from_le_bytes(bytes(d, o)),
    }
}

/// Writes the low `w` bytes of `v` at `o` of RAM data.
#[inline(always)]
pub(crate) fn write_le(d: &mut [u8], o: usize, w: Width, v: u64) {
    match w {
        Width::B => d[o] = v as u8,
        Width::H => d[o..o + 2].copy_from_slice(&(v as u16).to_le_bytes()),
        Width::W => d[o..o + 4].copy_from_slice(&(v as u32).to_le_bytes()),
        Width::D => d[o..o + 8].copy_from_slice(&v.to_le_bytes()),
    }
}

/// Reads `w` bytes at `p`, little-endian, zero-extended.
///
/// # Safety
/// `p` must be valid for reads of `w` bytes.
#[inline(always)]
pub(crate) unsafe fn read_at(p: *const u8, w: Width) -> u64 {
    match w {
        Width::B => *p as u64,
        Width::H => u16::from_le(p.cast::<u16>().read_unaligned()) as u64,
        Width::W => u32::from_le(p.cast::<u32>().read_unaligned()) as u64,
        Width::D => u64::from_le(p.cast::<u64>().read_unaligned()),
    }
}

/// Writes the low `w` bytes of `v` at `p`, little-endian.
///
/// # Safety
/// `p` must be valid for writes of `w` bytes.
#[inline(always)]
pub(crate) unsafe fn write_at(p: *mut u8, w: Width, v: u64) {
    match w {
        Width::B => *p = v as u8,
        Width::H => p.cast::<u16>().write_unaligned((v as u16).to_le()),
        Width::W => p.cast::<u32>().write_unaligned((v as u32).to_le()),
        Width::D => p.cast::<u64>().write_unaligned(v.to_le()),
    }
}

/// The width of a `size`-byte access.
fn width_of(size: u64) -> Width {
    match size {
        1 => Width::B,
        2 => Width::H,
        4 => Width::W,
        _ => Width::D,
    }
}

impl Hart {
    /// Translation context of loads and stores (MPRV applies MPP in M-mode).
    fn data_ctx(&self) -> Ctx {
        let st = self.csr.mstatus;
        let prv = if self.prv == PRV_M && st & MSTATUS_MPRV != 0 {
            ((st & MSTATUS_MPP) >> 11) as u8
        } else {
            self.prv
        };
        Ctx {
            satp: self.csr.satp,
            prv,
            sum: st & MSTATUS_SUM != 0,
            mxr: st & MSTATUS_MXR != 0,
        }
    }

    /// Walks for a load or store at `va`, caching RAM pages in the TLB.
    pub(crate) fn translate_data(
        &mut self,
        bus: &mut Bus,
        va: u64,
        acc: Access,
    ) -> Result<u64, Exception> {
        let leaf = mmu::translate(bus, va, acc, &self.data_ctx())?;
        self.mmu.misses += 1;
        if let Some(off) = bus.ram.offset(leaf.pa & !0xfff, 0x1000) {
            self.mmu.bind(bus.ram.data.as_ptr());
            let code = bus.ram.is_code(off);
            self.mmu.fill_data(va, off as u64, leaf.r, leaf.w, code);
        }
        Ok(leaf.pa)
    }

    /// Physical address of a data access at `va`, through the TLB first.
    pub(crate) fn data_pa(
        &mut self,
        bus: &mut Bus,
        va: u64,
        acc: Access,
    ) -> Result<u64, Exception> {
        self.mmu.lookups += 1;
        self.data_pa_uncounted(bus, va, acc)
    }

    /// `data_pa` for an access of any alignment whose lookup the caller
    /// counted (the slow load and store paths, after the fast path missed).
    fn data_pa_uncounted(&mut self, bus: &mut Bus, va: u64, acc: Access) -> Result<u64, Exception> {
        let hit = match acc {
            Access::Write => self.mmu.write_offset(va, 1).or_else(|| {
                let off = self.mmu.write_code_offset(va)?;
                if !bus.ram.is_code(off as usize) {
                    self.mmu.unprotect(va);
                }
                Some(off)
            }),
            _ => self.mmu.read_offset(va, 1),
        };
        match hit {
            Some(off) => Ok(bus.ram.base + off),
            None => self.translate_data(bus, va, acc),
        }
    }

    /// Loads `w` bytes at `va`, zero-extended. Misaligned loads complete.
    /// The caller counts the TLB lookup.
    #[inline(always)]
    pub(crate) fn load(&mut self, bus: &mut Bus, va: u64, w: Width) -> Result<u64, Exception> {
        match self.load_fast(va, w) {
            Some(v) => Ok(v),
            None => self.load_slow(bus, va, w),
        }
    }

    /// The host address in RAM's data of an aligned `w`-byte access at `va`
    /// that the TLB allows (for stores and AMOs when `write`, loads
    /// otherwise); None when the slow path must decide (a miss, a misaligned
    /// access).
    #[inline(always)]
    pub(crate) fn tlb_host(&self, va: u64, w: Width, write: bool) -> Option<*mut u8> {
        let size = w.bytes() as u64;
        let host = if write {
            self.mmu.write_host(va, size)?
        } else {
            self.mmu.read_host(va, size)?
        };
        Some(host as *mut u8)
    }

    /// `load` when `tlb_host` has it (it then reaches RAM, never a device);
    /// None otherwise.
    #[inline(always)]
    pub(crate) fn load_fast(&self, va: u64, w: Width) -> Option<u64> {
        let p = self.tlb_host(va, w, false)?;
        // SAFETY: TLB data entries point into whole pages of the RAM data
        // they were bound to (`translate_data` fills them only so), which
        // `run` and `step_slow` bind to the bus they run with; RAM's length
        // never changes, and `tlb_host` keeps the access in its page.
        Some(unsafe { read_at(p, w) })
    }

    #[inline(never)]
    pub(crate) fn load_slow(&mut self, bus: &mut Bus, va: u64, w: Width) -> Result<u64, Exception> {
        let size = w.bytes() as u64;
        let last = va.wrapping_add(size - 1);
        // Misaligned accesses inside a cached page come here too.
        let pa = self.data_pa_uncounted(bus, va, Access::Read)?;
        if (va ^ last) >> 12 == 0 {
            if let Some(o) = bus.ram.offset(pa, size) {
                return Ok(read_le(&bus.ram.data, o, w));
            }
            // Device reads have side effects too (a PLIC claim, a UART RBR
            // pop): end the run so the board sees them at once.
            self.mmio_accessed = true;
            if pa % size == 0 {
                return bus
                    .read(pa, size as u8)
                    .map_err(|_| Exception::LoadAccess(va));
            }
            return (0..size).try_fold(0, |v, i| {
                let b = bus.read(pa + i, 1).map_err(|_| Exception::LoadAccess(va))?;
                Ok(v | b << (8 * i))
            });
        }
        let pa2 = self.translate_data(bus, last & !0xfff, Access::Read)?;
        (0..size).try_fold(0, |v, i| {
            let a = va.wrapping_add(i);
            let p = if (a ^ va) >> 12 == 0 {
                pa + i
            } else {
                pa2 + (a & 0xfff)
            };
            let b = bus.read(p, 1).map_err(|_| Exception::LoadAccess(a))?;
            Ok(v | b << (8 * i))
        })
    }

    /// Stores the low `w` bytes of `v` at `va`. Misaligned stores complete.
    /// The caller counts the TLB lookup.
    #[inline(always)]
    pub(crate) fn store(
        &mut self,
        bus: &mut Bus,
        va: u64,
        w: Width,
        v: u64,
    ) -> Result<(), Exception> {
        if self.store_fast(va, w, v) {
            return Ok(());
        }
        self.store_slow(bus, va, w, v)
    }

    /// `store` when `tlb_host` has it (it then reaches RAM, never a device
    /// nor a page holding cached code: `Mmu::protect_code`); whether it did.
    #[inline(always)]
    pub(crate) fn store_fast(&self, va: u64, w: Width, v: u64) -> bool {
        let Some(p) = self.tlb_host(va, w, true) else {
            return false;
        };
        // SAFETY: as for `load_fast`.
        unsafe { write_at(p, w, v) };
        true
    }

    #[inline(never)]
    pub(crate) fn store_slow(
        &mut self,
        bus: &mut Bus,
        va: u64,
        w: Width,
        v: u64,
    ) -> Result<(), Exception> {
        let size = w.bytes() as u64;
        let last = va.wrapping_add(size - 1);
        let pa = self.data_pa_uncounted(bus, va, Access::Write)?;
        if (va ^ last) >> 12 == 0 {
            if bus.ram.offset(pa, size).is_some() || pa % size == 0 {
                return self.store_pa(bus, pa, size, v, va);
            }
            for i in 0..size {
                self.store_pa(bus, pa + i, 1, v >> (8 * i), va)?;
            }
            return Ok(());
        }
        // Both pages are translated before any byte is written.
        let pa2 = self.translate_data(bus, last & !0xfff, Access::Write)?;
        for i in 0..size {
            let a = va.wrapping_add(i);
            let p = if (a ^ va) >> 12 == 0 {
                pa + i
            } else {
                pa2 + (a & 0xfff)
            };
            self.store_pa(bus, p, 1, v >> (8 * i), a)?;
        }
        Ok(())
    }

    /// Stores `size` bytes at physical `pa`: RAM (minding cached code) or a
    /// device (which ends the run with `Exit::Mmio`).
    pub(crate) fn store_pa(
        &mut self,
        bus: &mut Bus,
        pa: u64,
        size: u64,
        v: u64,
        va: u64,
    ) -> Result<(), Exception> {
        if let Some(o) = bus.ram.offset(pa, size) {
            write_le(&mut bus.ram.data, o, width_of(size), v);
            bus.ram.stored(o);
            return Ok(());
        }
        self.mmio_accessed = true;
        bus.write(pa, size as u8, v)
            .map_err(|_| Exception::StoreAccess(va))
    }

    /// Loads `size` bytes at physical `pa` for LR/AMO (`va` for faults).
    pub(crate) fn load_pa(
        &mut self,
        bus: &mut Bus,
        pa: u64,
        size: u64,
        acc: Access,
        va: u64,
    ) -> Result<u64, Exception> {
        if let Some(o) = bus.ram.offset(pa, size) {
            return Ok(read_le(&bus.ram.data, o, width_of(size)));
        }
        self.mmio_accessed = true;
        bus.read(pa, size as u8).map_err(|_| match acc {
            Access::Read => Exception::LoadAccess(va),
            _ => Exception::StoreAccess(va),
        })
    }

    /// Physical address of a fetch at `va`, through the code TLB.
    #[inline(always)]
    pub(crate) fn fetch_pa(&mut self, bus: &mut Bus, va: u64) -> Result<u64, Exception> {
        self.mmu.lookups += 1;
        if let Some(pa) = self.mmu.lookup_code(va) {
            return Ok(pa | (va & 0xfff));
        }
        let st = self.csr.mstatus;
        let ctx = Ctx {
            satp: self.csr.satp,
            prv: self.prv,
            sum: st & MSTATUS_SUM != 0,
            mxr: st & MSTATUS_MXR != 0,
        };
        let leaf = mmu::translate(bus, va, Access::Exec, &ctx)?;
        self.mmu.misses += 1;
        self.mmu.fill_code(va, leaf.pa & !0xfff);
        Ok(leaf.pa)
    }

    /// Fetches 16 bits at `va` (RAM or a device such as the boot ROM).
    fn fetch_half(&mut self, bus: &mut Bus, va: u64) -> Result<u32, Exception> {
        let pa = self.fetch_pa(bus, va)?;
        if let Some(o) = bus.ram.offset(pa, 2) {
            return Ok(read_le(&bus.ram.data, o, Width::H) as u32);
        }
        bus.read(pa, 2)
            .map(|v| v as u16 as u32)
            .map_err(|_| Exception::InstrAccess(va))
    }

    /// Fetches and decodes the instruction at pc, uncached; each half of a
    /// 32-bit instruction is translated on its own.
    pub(crate) fn fetch(&mut self, bus: &mut Bus) -> Result<Decoded, Exception> {
        let lo = self.fetch_half(bus, self.pc)?;
        if lo & 3 != 3 {
            return Ok(decode_any(lo));
        }
        let hi = self.fetch_half(bus, self.pc.wrapping_add(2))?;
        Ok(decode_any(lo | hi << 16))
    }
}
