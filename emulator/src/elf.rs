//! ELF loading: PT_LOAD segments of an ELF64 RISC-V executable into RAM, at their
//! physical addresses (as QEMU's `-kernel` does), plus the symbols the board needs.
//! Only the ELF header and the program headers decide whether a file loads;
//! section headers and the symbol table are optional extras, read leniently.

use crate::bus::Ram;
use goblin::elf::header::machine_to_str;
use std::fmt;

const EM_RISCV: u16 = 243;
const ET_EXEC: u16 = 2;
/// `p_type` of a loadable segment.
pub const PT_LOAD: u32 = 1;
const SHT_SYMTAB: u32 = 2;
const EHDR_SIZE: usize = 64;
const PHDR_SIZE: u64 = 56;
const SHDR_SIZE: u64 = 64;
const SYM_SIZE: u64 = 24;

/// What the board needs to know of a loaded image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// ELF entry point.
    pub entry: u64,
    /// Lowest physical address loaded.
    pub lowest: u64,
    /// One past the highest physical address loaded.
    pub highest: u64,
    /// Address of the `tohost` symbol (riscv-tests HTIF convention), if any.
    pub tohost: Option<u64>,
}

/// Why an image cannot be loaded. The Display form is one line, without the file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElfError {
    NotElf,
    Malformed(String),
    Not64Bit,
    BigEndian,
    NotRiscv(u16),
    NotExecutable,
    NoSegments,
    SegmentOutsideRam {
        addr: u64,
        size: u64,
        ram: (u64, u64),
    },
    SegmentsOverlap(u64, u64),
    EntryOutsideRam {
        entry: u64,
        ram: (u64, u64),
    },
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::NotElf => write!(f, "not an ELF file"),
            ElfError::Malformed(why) => write!(f, "malformed ELF: {why}"),
            ElfError::Not64Bit => write!(f, "32-bit ELF, but rvcow runs RV64 only"),
            ElfError::BigEndian => write!(f, "big-endian ELF, but RISC-V is little-endian"),
            ElfError::NotRiscv(m) => write!(
                f,
                "ELF for machine {} ({m}), not RISC-V",
                machine_to_str(*m)
            ),
            ElfError::NotExecutable => write!(f, "not an executable ELF (e_type is not EXEC)"),
            ElfError::NoSegments => write!(f, "ELF has no loadable segments"),
            ElfError::SegmentOutsideRam { addr, size, ram } => write!(
                f,
                "segment at {addr:#x} (size {size:#x}) lies outside RAM {:#x}..{:#x}",
                ram.0, ram.1
            ),
            ElfError::SegmentsOverlap(a, b) => {
                write!(f, "segments at {a:#x} and {b:#x} overlap")
            }
            ElfError::EntryOutsideRam { entry, ram } => {
                write!(
                    f,
                    "entry point {entry:#x} lies outside RAM {:#x}..{:#x}",
                    ram.0, ram.1
                )
            }
        }
    }
}

impl std::error::Error for ElfError {}

/// The ELF header fields rvcow reads, of a 64-bit little-endian file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub e_type: u16,
    pub machine: u16,
    pub entry: u64,
    phoff: u64,
    phnum: u16,
    shoff: u64,
    shnum: u16,
}

/// One program header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub p_type: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub paddr: u64,
    pub filesz: u64,
    pub memsz: u64,
}

/// One entry of the symbol table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub value: u64,
    pub size: u64,
    /// `st_info`'s type (STT_*).
    pub kind: u8,
    pub shndx: u16,
}

fn field<const N: usize>(b: &[u8], off: u64) -> Option<[u8; N]> {
    let o = usize::try_from(off).ok()?;
    b.get(o..o.checked_add(N)?)?.try_into().ok()
}

fn u16_at(b: &[u8], off: u64) -> Option<u16> {
    field(b, off).map(u16::from_le_bytes)
}

fn u32_at(b: &[u8], off: u64) -> Option<u32> {
    field(b, off).map(u32::from_le_bytes)
}

fn u64_at(b: &[u8], off: u64) -> Option<u64> {
    field(b, off).map(u64::from_le_bytes)
}

/// The ELF header of a 64-bit little-endian file (of any machine).
pub fn header(bytes: &[u8]) -> Result<Header, ElfError> {
    if !bytes.starts_with(b"\x7fELF") {
        return Err(ElfError::NotElf);
    }
    match bytes.get(4) {
        Some(2) => {}
        Some(1) => return Err(ElfError::Not64Bit),
        Some(c) => return Err(ElfError::Malformed(format!("unknown ELF class {c}"))),
        None => return Err(truncated("the ELF header")),
    }
    match bytes.get(5) {
        Some(1) => {}
        Some(2) => return Err(ElfError::BigEndian),
        Some(d) => return Err(ElfError::Malformed(format!("unknown data encoding {d}"))),
        None => return Err(truncated("the ELF header")),
    }
    if bytes.len() < EHDR_SIZE {
        return Err(truncated("the ELF header"));
    }
    let at16 = |o| u16_at(bytes, o).unwrap_or(0);
    let at64 = |o| u64_at(bytes, o).unwrap_or(0);
    Ok(Header {
        e_type: at16(16),
        machine: at16(18),
        entry: at64(24),
        phoff: at64(32),
        shoff: at64(40),
        phnum: at16(56),
        shnum: at16(60),
    })
}

fn truncated(what: &str) -> ElfError {
    ElfError::Malformed(format!("the file ends inside {what} (truncated?)"))
}

/// The program headers (`e_phentsize` is taken as 56, as QEMU does).
pub fn segments(bytes: &[u8], h: &Header) -> Result<Vec<Segment>, ElfError> {
    (0..h.phnum as u64)
        .map(|i| {
            let at = h.phoff.checked_add(i * PHDR_SIZE)?;
            field::<56>(bytes, at)?;
            let w = |o| u64_at(bytes, at + o).unwrap_or(0);
            Some(Segment {
                p_type: u32_at(bytes, at)?,
                offset: w(8),
                vaddr: w(16),
                paddr: w(24),
                filesz: w(32),
                memsz: w(40),
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| truncated("the program headers"))
}

/// Section `i`'s type and link, and its bytes when `data` (None when they
/// lie outside the file); the reason when its header lies outside the file.
fn section<'a>(
    bytes: &'a [u8],
    h: &Header,
    i: u64,
    data: bool,
) -> Result<(u32, u32, Option<&'a [u8]>), String> {
    let at = h
        .shoff
        .checked_add(i * SHDR_SIZE)
        .filter(|_| i < h.shnum as u64)
        .ok_or(format!("section {i} does not exist"))?;
    field::<64>(bytes, at).ok_or(format!("section header {i} lies outside the file"))?;
    let w = |o| u64_at(bytes, at + o).unwrap_or(0);
    let (kind, link) = (u32_at(bytes, at + 4), u32_at(bytes, at + 40));
    let body = data
        .then(|| {
            let (off, size) = (usize::try_from(w(24)).ok()?, usize::try_from(w(32)).ok()?);
            bytes.get(off..off.checked_add(size)?)
        })
        .flatten();
    Ok((kind.unwrap_or(0), link.unwrap_or(0), body))
}

/// The symbol table (the SHT_SYMTAB section and its string table): empty
/// when there is none, the reason when the section headers are corrupt.
/// Symbols whose names are not UTF-8 are left out.
pub fn symbols(bytes: &[u8], h: &Header) -> Result<Vec<Symbol>, String> {
    let mut table = None;
    for i in 0..h.shnum as u64 {
        if let (SHT_SYMTAB, link, data) = section(bytes, h, i, true)? {
            let data = data.ok_or(format!("symbol table (section {i}) lies outside the file"))?;
            table = Some((link, data));
            break;
        }
    }
    let Some((link, syms)) = table else {
        return Ok(Vec::new());
    };
    let (_, _, strtab) = section(bytes, h, link as u64, true)?;
    let strtab = strtab.ok_or(format!(
        "string table (section {link}) lies outside the file"
    ))?;
    let mut out = Vec::new();
    for s in syms.chunks_exact(SYM_SIZE as usize) {
        let name_at = u32_at(s, 0).unwrap_or(0) as usize;
        let Some(tail) = strtab.get(name_at..) else {
            continue;
        };
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        let Ok(name) = std::str::from_utf8(&tail[..end]) else {
            continue;
        };
        out.push(Symbol {
            name: name.to_string(),
            kind: s[4] & 0xf,
            shndx: u16_at(s, 6).unwrap_or(0),
            value: u64_at(s, 8).unwrap_or(0),
            size: u64_at(s, 16).unwrap_or(0),
        });
    }
    Ok(out)
}

/// Checks `bytes` is an ELF64 RISC-V executable whose segments lie in RAM
/// without overlapping and whose entry is in RAM, then copies its segments
/// into `ram` (zero-filling .bss). Section headers are not needed.
pub fn load(bytes: &[u8], ram: &mut Ram) -> Result<Loaded, ElfError> {
    let h = header(bytes)?;
    if h.machine != EM_RISCV {
        return Err(ElfError::NotRiscv(h.machine));
    }
    if h.e_type != ET_EXEC {
        return Err(ElfError::NotExecutable);
    }
    let ram_range = (ram.base, ram.base + ram.data.len() as u64);
    // Empty segments are skipped, as QEMU does.
    let mut segs: Vec<Segment> = segments(bytes, &h)?
        .into_iter()
        .filter(|p| p.p_type == PT_LOAD && p.memsz > 0)
        .collect();
    if segs.is_empty() {
        return Err(ElfError::NoSegments);
    }
    // Check everything before writing anything.
    for p in &segs {
        if p.filesz > p.memsz {
            return Err(ElfError::Malformed(format!(
                "segment at {:#x} has file size {:#x} above memory size {:#x}",
                p.paddr, p.filesz, p.memsz
            )));
        }
        let in_file = p
            .offset
            .checked_add(p.filesz)
            .is_some_and(|end| end <= bytes.len() as u64);
        if !in_file {
            return Err(ElfError::Malformed(format!(
                "segment at {:#x} extends past the end of the file (truncated?)",
                p.paddr
            )));
        }
        if ram.offset(p.paddr, p.memsz).is_none() {
            return Err(ElfError::SegmentOutsideRam {
                addr: p.paddr,
                size: p.memsz,
                ram: ram_range,
            });
        }
    }
    // In RAM, so `paddr + memsz` cannot wrap.
    segs.sort_by_key(|p| p.paddr);
    if let Some(w) = segs
        .windows(2)
        .find(|w| w[0].paddr + w[0].memsz > w[1].paddr)
    {
        return Err(ElfError::SegmentsOverlap(w[0].paddr, w[1].paddr));
    }
    if !(ram_range.0..ram_range.1).contains(&h.entry) {
        return Err(ElfError::EntryOutsideRam {
            entry: h.entry,
            ram: ram_range,
        });
    }
    for p in &segs {
        let dst = ram
            .slice_mut(p.paddr, p.memsz as usize)
            .expect("checked above");
        let (file_part, zero_part) = dst.split_at_mut(p.filesz as usize);
        let off = p.offset as usize;
        file_part.copy_from_slice(&bytes[off..off + p.filesz as usize]);
        zero_part.fill(0);
    }
    // A corrupt symbol table only loses the HTIF symbol.
    let tohost = symbols(bytes, &h)
        .unwrap_or_default()
        .iter()
        .find(|s| s.name == "tohost")
        .map(|s| s.value);
    Ok(Loaded {
        entry: h.entry,
        lowest: segs[0].paddr,
        highest: segs.iter().map(|p| p.paddr + p.memsz).max().unwrap_or(0),
        tohost,
    })
}

#[cfg(test)]
#[path = "elf_tests.rs"]
mod tests;
