//! Sv39 address translation: the page-table walk and a software TLB.
//!
//! The TLB caches, per 4 KiB virtual page, the RAM offset of the page for
//! loads and stores (RAM pages only) and the physical page for fetches. Each
//! entry records which accesses the walk allowed without a further A/D
//! update, so a hit needs no permission check. Flushing bumps an epoch kept in
//! the tag's top bits, so it costs nothing per entry.

use crate::bus::Bus;
use crate::hart::Exception;

/// The kind of access being translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Exec,
}

const PTE_V: u64 = 1 << 0;
const PTE_R: u64 = 1 << 1;
const PTE_W: u64 = 1 << 2;
const PTE_X: u64 = 1 << 3;
const PTE_U: u64 = 1 << 4;
const PTE_A: u64 = 1 << 6;
const PTE_D: u64 = 1 << 7;
const PPN_MASK: u64 = (1 << 44) - 1;
const PAGE: u64 = 0x1000;

/// The outcome of a walk: the physical address and which accesses the
/// mapping permits as it now stands (write only once D is set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leaf {
    pub pa: u64,
    pub r: bool,
    pub w: bool,
    pub x: bool,
}

/// What the walk depends on besides the address: satp, the effective
/// privilege of the access, mstatus.SUM and mstatus.MXR.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub satp: u64,
    pub prv: u8,
    pub sum: bool,
    pub mxr: bool,
}

fn page_fault(acc: Access, va: u64) -> Exception {
    match acc {
        Access::Read => Exception::LoadPage(va),
        Access::Write => Exception::StorePage(va),
        Access::Exec => Exception::InstrPage(va),
    }
}

fn access_fault(acc: Access, va: u64) -> Exception {
    match acc {
        Access::Read => Exception::LoadAccess(va),
        Access::Write => Exception::StoreAccess(va),
        Access::Exec => Exception::InstrAccess(va),
    }
}

/// Translates `va` for `acc` (priv spec §4.3.2), updating A and D in memory.
/// M-mode and Bare give the identity. Page tables must be in RAM: a walk
/// that touches anything else is an access fault.
pub fn translate(bus: &mut Bus, va: u64, acc: Access, ctx: &Ctx) -> Result<Leaf, Exception> {
    if ctx.prv == 3 || ctx.satp >> 60 == 0 {
        return Ok(Leaf {
            pa: va,
            r: true,
            w: true,
            x: true,
        });
    }
    // Bits 63:39 must all equal bit 38.
    if (((va << 25) as i64) >> 25) as u64 != va {
        return Err(page_fault(acc, va));
    }
    // Step 1: a = satp.ppn × PAGESIZE, i = LEVELS − 1.
    let mut a = (ctx.satp & PPN_MASK) * PAGE;
    let mut level = 2;
    let (pte, pte_off) = loop {
        // Step 2: pte = a + va.vpn[i] × PTESIZE; not RAM is an access fault.
        let vpn = (va >> (12 + 9 * level)) & 0x1ff;
        let Some(off) = bus.ram.offset(a + vpn * 8, 8) else {
            return Err(access_fault(acc, va));
        };
        let pte = u64::from_le_bytes(bus.ram.data[off..off + 8].try_into().unwrap_or([0; 8]));
        // Step 3: invalid, W without R, or reserved bits 63:54 set.
        if pte & PTE_V == 0 || (pte & PTE_R == 0 && pte & PTE_W != 0) || pte >> 54 != 0 {
            return Err(page_fault(acc, va));
        }
        // Step 4: a leaf has R or X; otherwise descend.
        if pte & (PTE_R | PTE_X) != 0 {
            break (pte, off);
        }
        if level == 0 {
            return Err(page_fault(acc, va));
        }
        level -= 1;
        a = ((pte >> 10) & PPN_MASK) * PAGE;
    };
    // Step 5: permissions, with U against the privilege, SUM and MXR.
    let u = pte & PTE_U != 0;
    let (data_ok, exec_ok) = match ctx.prv {
        0 => (u, u),
        _ => (!u || ctx.sum, !u),
    };
    let r = data_ok && (pte & PTE_R != 0 || (ctx.mxr && pte & PTE_X != 0));
    let w = data_ok && pte & PTE_W != 0;
    let x = exec_ok && pte & PTE_X != 0;
    let allowed = match acc {
        Access::Read => r,
        Access::Write => w,
        Access::Exec => x,
    };
    if !allowed {
        return Err(page_fault(acc, va));
    }
    // Step 6: a misaligned superpage.
    let ppn = (pte >> 10) & PPN_MASK;
    if ppn & ((1 << (9 * level)) - 1) != 0 {
        return Err(page_fault(acc, va));
    }
    // Step 7 (Svadu): set A, and D on a store, in memory.
    let mut new = pte | PTE_A;
    if acc == Access::Write {
        new |= PTE_D;
    }
    if new != pte {
        bus.ram.data[pte_off..pte_off + 8].copy_from_slice(&new.to_le_bytes());
        bus.ram.stored(pte_off);
    }
    // Step 8: the physical address, with superpage low bits from va.
    let low = (1u64 << (12 + 9 * level)) - 1;
    Ok(Leaf {
        pa: ((ppn * PAGE) & !low) | (va & low),
        r,
        w: w && new & PTE_D != 0,
        x,
    })
}

/// Entries of each TLB: 4 MiB of reach, as the kernel's direct map and
/// superpage-mapped programs touch many 4 KiB pages.
const TLB_SIZE: usize = 1024;
/// A tag is a virtual page's address with the epoch in bits 11:3: a data
/// lookup keeps the access's alignment bits (2:0) of the address, so a
/// misaligned access never matches and the slow path takes it.
const EPOCH_ONE: u64 = 1 << 3;
const EPOCH_MASK: u64 = 0xff8;

/// The data TLB, an array per field (so a lookup indexes each with the
/// slot times 8, which x86 addressing does for free).
struct DataTlb {
    tag_r: [u64; TLB_SIZE],
    tag_w: [u64; TLB_SIZE],
    /// The offset in RAM's data of the page, less its virtual address:
    /// added to an address in the page, its offset in RAM's data.
    add: [u64; TLB_SIZE],
}

#[derive(Clone, Copy)]
struct CodeEntry {
    tag: u64,
    /// Physical address of the page.
    pa: u64,
}

/// The software TLB: direct-mapped, separate for data and fetches.
pub struct Mmu {
    data: Box<DataTlb>,
    code: Box<[CodeEntry; TLB_SIZE]>,
    key: u64,
    /// Lookups made and walks done, for `--stats`. Lookups are counted by
    /// the callers (the fast path counts a block's at once).
    pub lookups: u64,
    pub misses: u64,
}

impl Default for Mmu {
    fn default() -> Self {
        Mmu::new()
    }
}

impl Mmu {
    pub fn new() -> Mmu {
        Mmu {
            data: Box::new(DataTlb {
                tag_r: [0; TLB_SIZE],
                tag_w: [0; TLB_SIZE],
                add: [0; TLB_SIZE],
            }),
            code: Box::new([CodeEntry { tag: 0, pa: 0 }; TLB_SIZE]),
            key: EPOCH_ONE,
            lookups: 0,
            misses: 0,
        }
    }

    /// Forgets every translation (SFENCE.VMA, satp, privilege or mstatus changes).
    pub fn flush(&mut self) {
        self.key = (self.key + EPOCH_ONE) & EPOCH_MASK;
        if self.key == 0 {
            self.data.tag_r.fill(0);
            self.data.tag_w.fill(0);
            self.code.iter_mut().for_each(|e| e.tag = 0);
            self.key = EPOCH_ONE;
        }
    }

    #[inline(always)]
    fn slot(va: u64) -> usize {
        (va >> 12) as usize & (TLB_SIZE - 1)
    }

    /// The tag an access of `size` bytes (a power of two up to 8) at `va`
    /// matches: its page's only when it is aligned.
    #[inline(always)]
    fn tag(&self, va: u64, size: u64) -> u64 {
        va & (!0xfff | (size - 1)) | self.key
    }

    /// RAM offset of `va`, when a load of `size` bytes (a power of two up
    /// to 8, aligned) may proceed there.
    #[inline(always)]
    pub fn read_offset(&self, va: u64, size: u64) -> Option<u64> {
        let i = Self::slot(va);
        if self.data.tag_r[i] == self.tag(va, size) {
            Some(self.data.add[i].wrapping_add(va))
        } else {
            None
        }
    }

    /// RAM offset of `va`, when a store of `size` bytes (a power of two up
    /// to 8, aligned) may proceed there.
    #[inline(always)]
    pub fn write_offset(&self, va: u64, size: u64) -> Option<u64> {
        let i = Self::slot(va);
        if self.data.tag_w[i] == self.tag(va, size) {
            Some(self.data.add[i].wrapping_add(va))
        } else {
            None
        }
    }

    /// Physical page of `va` for fetches.
    #[inline(always)]
    pub fn lookup_code(&self, va: u64) -> Option<u64> {
        let e = &self.code[Self::slot(va)];
        if e.tag == self.tag(va, 1) {
            Some(e.pa)
        } else {
            None
        }
    }

    /// Caches a data translation of `va` to the RAM page at offset `off`.
    pub fn fill_data(&mut self, va: u64, off: u64, r: bool, w: bool) {
        let (tag, i) = (self.tag(va, 1), Self::slot(va));
        self.data.tag_r[i] = if r { tag } else { 0 };
        self.data.tag_w[i] = if w { tag } else { 0 };
        self.data.add[i] = off.wrapping_sub(va & !0xfff);
    }

    /// Caches a fetch translation of `va` to the physical page `pa`.
    pub fn fill_code(&mut self, va: u64, pa: u64) {
        self.code[Self::slot(va)] = CodeEntry {
            tag: self.tag(va, 1),
            pa,
        };
    }
}

#[cfg(test)]
#[path = "mmu_tests.rs"]
mod tests;
