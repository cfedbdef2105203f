//! Sv39 address translation: the page-table walk and a software TLB.
//!
//! The TLB caches, per 4 KiB virtual page, the host address of the page for
//! loads and stores (RAM pages only) and the physical page for fetches. Each
//! entry records which accesses the walk allowed without a further A/D
//! update, so a hit needs no permission check; stores never hit a page that
//! holds cached code. A flush invalidates the
//! entries filled since the last one, so it costs no more than their fills.

use crate::bus::{Bus, Ram};
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
/// A tag is a virtual page's address: a data lookup keeps the access's
/// alignment bits (2:0) of the address, so a misaligned access never
/// matches and the slow path takes it. Bits 11:3 of a lookup's tag are
/// always clear, so an entry holding `INVALID` never matches.
const INVALID: u64 = 0xff8;
/// A write entry's tag with `CODE` added: the page is writable but holds
/// cached code, so stores miss the fast path; the slow path finds the
/// translation here (`write_code_offset`) without a walk.
const CODE: u64 = 0x800;
/// How many fills a flush undoes one by one; beyond them it clears every
/// entry.
const FILLS: usize = 256;

/// The data TLB, an array per field (so a lookup indexes each with the
/// slot times 8, which x86 addressing does for free).
struct DataTlb {
    tag_r: [u64; TLB_SIZE],
    tag_w: [u64; TLB_SIZE],
    /// The host address of the page in RAM's data, less its virtual
    /// address: added to an address in the page, its host address.
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
    /// The slots filled since the last flush, while there are at most
    /// `FILLS` of them.
    filled: Vec<u16>,
    /// The host address of the RAM data the data entries point into
    /// (`bind`).
    ram: u64,
    /// `Ram::code_marks` when write entries last stopped pointing into
    /// pages holding code (`protect_code`).
    seen_marks: u64,
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
                tag_r: [INVALID; TLB_SIZE],
                tag_w: [INVALID; TLB_SIZE],
                add: [0; TLB_SIZE],
            }),
            code: Box::new(
                [CodeEntry {
                    tag: INVALID,
                    pa: 0,
                }; TLB_SIZE],
            ),
            filled: Vec::with_capacity(FILLS + 1),
            ram: 0,
            seen_marks: 0,
            lookups: 0,
            misses: 0,
        }
    }

    /// Makes the data entries point into the RAM data at `ram`, forgetting
    /// them all if they pointed elsewhere (a hart run with another bus).
    pub fn bind(&mut self, ram: *const u8) {
        if ram as u64 != self.ram {
            self.flush_all();
            self.ram = ram as u64;
        }
    }

    /// Forgets every translation, slot by slot.
    fn flush_all(&mut self) {
        self.data.tag_r.fill(INVALID);
        self.data.tag_w.fill(INVALID);
        self.code.iter_mut().for_each(|e| e.tag = INVALID);
        self.filled.clear();
    }

    /// Makes sure no write entry lets stores through to a page that holds
    /// cached code (`ram` marked pages since the last look).
    #[inline(always)]
    pub fn protect_code(&mut self, ram: &Ram) {
        if ram.code_marks != self.seen_marks {
            self.seen_marks = ram.code_marks;
            self.mark_code_entries(ram);
        }
    }

    fn mark_code_entries(&mut self, ram: &Ram) {
        for i in 0..TLB_SIZE {
            let t = self.data.tag_w[i];
            if t & INVALID == 0 {
                let host = self.data.add[i].wrapping_add(t & !0xfff);
                if ram.is_code(self.offset(host) as usize) {
                    self.data.tag_w[i] = t | CODE;
                }
            }
        }
    }

    /// Forgets every translation (SFENCE.VMA, satp, privilege or mstatus changes).
    pub fn flush(&mut self) {
        if self.filled.len() > FILLS {
            self.flush_all();
        } else {
            for &i in &self.filled {
                let i = i as usize;
                self.data.tag_r[i] = INVALID;
                self.data.tag_w[i] = INVALID;
                self.code[i].tag = INVALID;
            }
            self.filled.clear();
        }
    }

    /// Notes that slot `i` was filled, for `flush`.
    fn filled(&mut self, i: usize) {
        if self.filled.len() <= FILLS {
            self.filled.push(i as u16);
        }
    }

    #[inline(always)]
    fn slot(va: u64) -> usize {
        (va >> 12) as usize & (TLB_SIZE - 1)
    }

    /// The tag an access of `size` bytes (a power of two up to 8) at `va`
    /// matches: its page's only when it is aligned.
    #[inline(always)]
    fn tag(va: u64, size: u64) -> u64 {
        va & (!0xfff | (size - 1))
    }

    /// The host address of `va` in RAM's data, when a load of `size` bytes
    /// (a power of two up to 8, aligned) may proceed there.
    #[inline(always)]
    pub fn read_host(&self, va: u64, size: u64) -> Option<u64> {
        let i = Self::slot(va);
        if self.data.tag_r[i] == Self::tag(va, size) {
            Some(self.data.add[i].wrapping_add(va))
        } else {
            None
        }
    }

    /// The host address of `va` in RAM's data, when a store of `size`
    /// bytes (a power of two up to 8, aligned) may proceed there.
    #[inline(always)]
    pub fn write_host(&self, va: u64, size: u64) -> Option<u64> {
        let i = Self::slot(va);
        if self.data.tag_w[i] == Self::tag(va, size) {
            Some(self.data.add[i].wrapping_add(va))
        } else {
            None
        }
    }

    /// The offset in RAM's data of a host address `read_host` or
    /// `write_host` gave.
    #[inline(always)]
    pub fn offset(&self, host: u64) -> u64 {
        host.wrapping_sub(self.ram)
    }

    /// `read_host` as an offset in RAM's data.
    pub fn read_offset(&self, va: u64, size: u64) -> Option<u64> {
        self.read_host(va, size).map(|h| self.offset(h))
    }

    /// `write_host` as an offset in RAM's data.
    pub fn write_offset(&self, va: u64, size: u64) -> Option<u64> {
        self.write_host(va, size).map(|h| self.offset(h))
    }

    /// The offset in RAM's data of `va` when its page is writable but
    /// holds cached code (so `write_offset` misses it).
    pub fn write_code_offset(&self, va: u64) -> Option<u64> {
        let i = Self::slot(va);
        if self.data.tag_w[i] == Self::tag(va, 1) | CODE {
            Some(self.offset(self.data.add[i].wrapping_add(va)))
        } else {
            None
        }
    }

    /// Lets stores through to `va`'s page again (`write_code_offset` found
    /// it, and it no longer holds cached code).
    pub fn unprotect(&mut self, va: u64) {
        self.data.tag_w[Self::slot(va)] &= !CODE;
    }

    /// Physical page of `va` for fetches.
    #[inline(always)]
    pub fn lookup_code(&self, va: u64) -> Option<u64> {
        let e = &self.code[Self::slot(va)];
        if e.tag == Self::tag(va, 1) {
            Some(e.pa)
        } else {
            None
        }
    }

    /// Caches a data translation of `va` to the RAM page at offset `off`
    /// (of the RAM data `bind` gave), which holds cached code when `code`.
    pub fn fill_data(&mut self, va: u64, off: u64, r: bool, w: bool, code: bool) {
        let (tag, i) = (Self::tag(va, 1), Self::slot(va));
        self.data.tag_r[i] = if r { tag } else { INVALID };
        self.data.tag_w[i] = match (w, code) {
            (false, _) => INVALID,
            (true, false) => tag,
            (true, true) => tag | CODE,
        };
        self.data.add[i] = self.ram.wrapping_add(off).wrapping_sub(va & !0xfff);
        self.filled(i);
    }

    /// Caches a fetch translation of `va` to the physical page `pa`.
    pub fn fill_code(&mut self, va: u64, pa: u64) {
        let i = Self::slot(va);
        self.code[i] = CodeEntry {
            tag: Self::tag(va, 1),
            pa,
        };
        self.filled(i);
    }
}

#[cfg(test)]
#[path = "mmu_tests.rs"]
mod tests;
