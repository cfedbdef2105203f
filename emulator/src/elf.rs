//! ELF loading: PT_LOAD segments of an ELF64 RISC-V executable into RAM, at their
//! physical addresses (as QEMU's `-kernel` does), plus the symbols the board needs.

use crate::bus::Ram;
use goblin::elf::{header, program_header, Elf};
use std::fmt;

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
    NotRiscv(u16),
    NotExecutable,
    NoSegments,
    SegmentOutsideRam {
        addr: u64,
        size: u64,
        ram: (u64, u64),
    },
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
            ElfError::NotRiscv(m) => write!(
                f,
                "ELF for machine {} ({m}), not RISC-V",
                header::machine_to_str(*m)
            ),
            ElfError::NotExecutable => write!(f, "not an executable ELF (e_type is not EXEC)"),
            ElfError::NoSegments => write!(f, "ELF has no loadable segments"),
            ElfError::SegmentOutsideRam { addr, size, ram } => write!(
                f,
                "segment at {addr:#x} (size {size:#x}) lies outside RAM {:#x}..{:#x}",
                ram.0, ram.1
            ),
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

/// Checks `bytes` is an ELF64 RISC-V executable whose segments and entry lie in
/// RAM, then copies its segments into `ram` (zero-filling .bss).
pub fn load(bytes: &[u8], ram: &mut Ram) -> Result<Loaded, ElfError> {
    if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
        return Err(ElfError::NotElf);
    }
    if bytes.len() > 4 && bytes[4] == header::ELFCLASS32 {
        return Err(ElfError::Not64Bit);
    }
    let elf = Elf::parse(bytes).map_err(|e| ElfError::Malformed(e.to_string()))?;
    if !elf.is_64 {
        return Err(ElfError::Not64Bit);
    }
    if elf.header.e_machine != header::EM_RISCV {
        return Err(ElfError::NotRiscv(elf.header.e_machine));
    }
    if elf.header.e_type != header::ET_EXEC {
        return Err(ElfError::NotExecutable);
    }
    let ram_range = (ram.base, ram.base + ram.data.len() as u64);
    let segments: Vec<_> = elf
        .program_headers
        .iter()
        .filter(|ph| ph.p_type == program_header::PT_LOAD && ph.p_memsz > 0)
        .collect();
    if segments.is_empty() {
        return Err(ElfError::NoSegments);
    }
    // Check everything before writing anything.
    for ph in &segments {
        if ph.p_filesz > ph.p_memsz {
            return Err(ElfError::Malformed(format!(
                "segment at {:#x} has file size {:#x} above memory size {:#x}",
                ph.p_paddr, ph.p_filesz, ph.p_memsz
            )));
        }
        let in_file = ph
            .p_offset
            .checked_add(ph.p_filesz)
            .is_some_and(|end| end <= bytes.len() as u64);
        if !in_file {
            return Err(ElfError::Malformed(format!(
                "segment at {:#x} extends past the end of the file (truncated?)",
                ph.p_paddr
            )));
        }
        if ram.offset(ph.p_paddr, ph.p_memsz).is_none() {
            return Err(ElfError::SegmentOutsideRam {
                addr: ph.p_paddr,
                size: ph.p_memsz,
                ram: ram_range,
            });
        }
    }
    if ram.offset(elf.entry, 2).is_none() {
        return Err(ElfError::EntryOutsideRam {
            entry: elf.entry,
            ram: ram_range,
        });
    }
    for ph in &segments {
        let dst = ram
            .slice_mut(ph.p_paddr, ph.p_memsz as usize)
            .expect("checked above");
        let (file_part, zero_part) = dst.split_at_mut(ph.p_filesz as usize);
        file_part
            .copy_from_slice(&bytes[ph.p_offset as usize..(ph.p_offset + ph.p_filesz) as usize]);
        zero_part.fill(0);
    }
    let tohost = elf
        .syms
        .iter()
        .find(|s| elf.strtab.get_at(s.st_name) == Some("tohost"))
        .map(|s| s.st_value);
    Ok(Loaded {
        entry: elf.entry,
        lowest: segments.iter().map(|p| p.p_paddr).min().unwrap_or(0),
        highest: segments
            .iter()
            .map(|p| p.p_paddr + p.p_memsz)
            .max()
            .unwrap_or(0),
        tohost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF64 executable: one PT_LOAD of `code` at `addr`, entry `entry`.
    fn elf(class: u8, machine: u16, addr: u64, entry: u64, code: &[u8], memsz: u64) -> Vec<u8> {
        let mut v = vec![0u8; 64 + 56];
        v[..4].copy_from_slice(b"\x7fELF");
        v[4] = class;
        v[5] = 1; // little-endian
        v[6] = 1; // version
        v[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        v[18..20].copy_from_slice(&machine.to_le_bytes());
        v[20..24].copy_from_slice(&1u32.to_le_bytes());
        v[24..32].copy_from_slice(&entry.to_le_bytes());
        v[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
        v[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
        v[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
        v[56..58].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
        let ph = &mut v[64..];
        ph[0..4].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        ph[4..8].copy_from_slice(&7u32.to_le_bytes());
        ph[8..16].copy_from_slice(&120u64.to_le_bytes()); // p_offset
        ph[16..24].copy_from_slice(&addr.to_le_bytes());
        ph[24..32].copy_from_slice(&addr.to_le_bytes());
        ph[32..40].copy_from_slice(&(code.len() as u64).to_le_bytes());
        ph[40..48].copy_from_slice(&memsz.to_le_bytes());
        v.extend_from_slice(code);
        v
    }

    fn ram() -> Ram {
        let mut r = Ram::new(0x8000_0000, 0x10000);
        r.data.fill(0xaa);
        r
    }

    #[test]
    fn loads_segment_and_zero_fills_bss() {
        let mut r = ram();
        let img = elf(
            2,
            header::EM_RISCV,
            0x8000_1000,
            0x8000_1000,
            &[1, 2, 3, 4],
            8,
        );
        let l = load(&img, &mut r).unwrap();
        assert_eq!(
            l,
            Loaded {
                entry: 0x8000_1000,
                lowest: 0x8000_1000,
                highest: 0x8000_1008,
                tohost: None
            }
        );
        assert_eq!(
            r.slice(0x8000_1000, 9).unwrap(),
            &[1, 2, 3, 4, 0, 0, 0, 0, 0xaa]
        );
    }

    #[test]
    fn rejects_bad_images() {
        let mut r = ram();
        assert_eq!(load(b"#!/bin/sh\n", &mut r), Err(ElfError::NotElf));
        assert_eq!(load(b"", &mut r), Err(ElfError::NotElf));
        let x86 = elf(2, header::EM_X86_64, 0x8000_0000, 0x8000_0000, &[0; 4], 4);
        assert_eq!(
            load(&x86, &mut r),
            Err(ElfError::NotRiscv(header::EM_X86_64))
        );
        assert!(load(&x86, &mut r)
            .unwrap_err()
            .to_string()
            .contains("not RISC-V"));
        let rv32 = elf(1, header::EM_RISCV, 0x8000_0000, 0x8000_0000, &[0; 4], 4);
        assert_eq!(load(&rv32, &mut r), Err(ElfError::Not64Bit));
        let low = elf(2, header::EM_RISCV, 0x1000, 0x8000_0000, &[0; 4], 4);
        assert!(matches!(
            load(&low, &mut r),
            Err(ElfError::SegmentOutsideRam { addr: 0x1000, .. })
        ));
        let past_end = elf(2, header::EM_RISCV, 0x8000_fff0, 0x8000_fff0, &[0; 4], 0x20);
        assert!(matches!(
            load(&past_end, &mut r),
            Err(ElfError::SegmentOutsideRam { .. })
        ));
        let entry = elf(2, header::EM_RISCV, 0x8000_0000, 0x9000_0000, &[0; 4], 4);
        assert!(matches!(
            load(&entry, &mut r),
            Err(ElfError::EntryOutsideRam {
                entry: 0x9000_0000,
                ..
            })
        ));
        let mut truncated = elf(2, header::EM_RISCV, 0x8000_0000, 0x8000_0000, &[0; 64], 64);
        truncated.truncate(130);
        assert!(matches!(
            load(&truncated, &mut r),
            Err(ElfError::Malformed(_))
        ));
        // Nothing was written by the failed loads.
        assert!(r.data.iter().all(|&b| b == 0xaa));
    }
}
