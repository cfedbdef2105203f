//! Tests of the ELF loader: what loads, what is refused and why.

use super::*;

const RISCV: u16 = EM_RISCV;
const X86_64: u16 = 62;

/// A minimal ELF64 executable: one PT_LOAD of `code` at `addr`, entry `entry`.
fn elf(class: u8, machine: u16, addr: u64, entry: u64, code: &[u8], memsz: u64) -> Vec<u8> {
    elf_segs(class, machine, entry, &[(addr, code, memsz)])
}

/// An ELF64 executable with one PT_LOAD per (address, bytes, memory size).
fn elf_segs(class: u8, machine: u16, entry: u64, segs: &[(u64, &[u8], u64)]) -> Vec<u8> {
    let mut v = vec![0u8; 64 + 56 * segs.len()];
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
    v[56..58].copy_from_slice(&(segs.len() as u16).to_le_bytes()); // e_phnum
    for (i, &(addr, code, memsz)) in segs.iter().enumerate() {
        let off = v.len() as u64;
        let ph = &mut v[64 + 56 * i..];
        ph[0..4].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        ph[4..8].copy_from_slice(&7u32.to_le_bytes());
        ph[8..16].copy_from_slice(&off.to_le_bytes()); // p_offset
        ph[16..24].copy_from_slice(&addr.to_le_bytes());
        ph[24..32].copy_from_slice(&addr.to_le_bytes());
        ph[32..40].copy_from_slice(&(code.len() as u64).to_le_bytes());
        ph[40..48].copy_from_slice(&memsz.to_le_bytes());
        v.extend_from_slice(code);
    }
    v
}

/// Appends a symbol table with `syms` (name, value) and its string table,
/// plus the section headers (null, .symtab, .strtab).
fn with_symbols(mut v: Vec<u8>, syms: &[(&str, u64)]) -> Vec<u8> {
    let mut strtab = vec![0u8];
    let mut symtab = vec![0u8; 24];
    for &(name, value) in syms {
        let mut s = [0u8; 24];
        s[0..4].copy_from_slice(&(strtab.len() as u32).to_le_bytes());
        s[4] = 1; // STT_OBJECT
        s[6..8].copy_from_slice(&1u16.to_le_bytes());
        s[8..16].copy_from_slice(&value.to_le_bytes());
        s[16..24].copy_from_slice(&8u64.to_le_bytes());
        symtab.extend_from_slice(&s);
        strtab.extend_from_slice(name.as_bytes());
        strtab.push(0);
    }
    let sym_off = v.len() as u64;
    v.extend_from_slice(&symtab);
    let str_off = v.len() as u64;
    v.extend_from_slice(&strtab);
    let shoff = v.len() as u64;
    v.extend_from_slice(&[0; 64]);
    for (kind, link, off, size) in [
        (2u32, 2u32, sym_off, symtab.len() as u64),
        (3, 0, str_off, strtab.len() as u64),
    ] {
        let mut sh = [0u8; 64];
        sh[4..8].copy_from_slice(&kind.to_le_bytes());
        sh[24..32].copy_from_slice(&off.to_le_bytes());
        sh[32..40].copy_from_slice(&size.to_le_bytes());
        sh[40..44].copy_from_slice(&link.to_le_bytes());
        v.extend_from_slice(&sh);
    }
    v[40..48].copy_from_slice(&shoff.to_le_bytes());
    v[58..60].copy_from_slice(&64u16.to_le_bytes());
    v[60..62].copy_from_slice(&3u16.to_le_bytes());
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
    let img = elf(2, RISCV, 0x8000_1000, 0x8000_1000, &[1, 2, 3, 4], 8);
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
    let x86 = elf(2, X86_64, 0x8000_0000, 0x8000_0000, &[0; 4], 4);
    assert_eq!(load(&x86, &mut r), Err(ElfError::NotRiscv(X86_64)));
    assert!(load(&x86, &mut r)
        .unwrap_err()
        .to_string()
        .contains("not RISC-V"));
    let rv32 = elf(1, RISCV, 0x8000_0000, 0x8000_0000, &[0; 4], 4);
    assert_eq!(load(&rv32, &mut r), Err(ElfError::Not64Bit));
    let low = elf(2, RISCV, 0x1000, 0x8000_0000, &[0; 4], 4);
    assert!(matches!(
        load(&low, &mut r),
        Err(ElfError::SegmentOutsideRam { addr: 0x1000, .. })
    ));
    let past_end = elf(2, RISCV, 0x8000_fff0, 0x8000_fff0, &[0; 4], 0x20);
    assert!(matches!(
        load(&past_end, &mut r),
        Err(ElfError::SegmentOutsideRam { .. })
    ));
    let entry = elf(2, RISCV, 0x8000_0000, 0x9000_0000, &[0; 4], 4);
    assert!(matches!(
        load(&entry, &mut r),
        Err(ElfError::EntryOutsideRam {
            entry: 0x9000_0000,
            ..
        })
    ));
    let mut truncated = elf(2, RISCV, 0x8000_0000, 0x8000_0000, &[0; 64], 64);
    truncated.truncate(130);
    assert!(matches!(
        load(&truncated, &mut r),
        Err(ElfError::Malformed(_))
    ));
    let headers_cut = &elf(2, RISCV, 0x8000_0000, 0x8000_0000, &[0; 4], 4)[..100];
    assert_eq!(
        load(headers_cut, &mut r).unwrap_err().to_string(),
        "malformed ELF: the file ends inside the program headers (truncated?)"
    );
    assert_eq!(
        load(&headers_cut[..40], &mut r).unwrap_err().to_string(),
        "malformed ELF: the file ends inside the ELF header (truncated?)"
    );
    // Nothing was written by the failed loads.
    assert!(r.data.iter().all(|&b| b == 0xaa));
}

#[test]
fn big_endian_and_overlapping_segments_are_refused() {
    let mut r = ram();
    let mut be = elf(2, RISCV, 0x8000_0000, 0x8000_0000, &[0; 4], 4);
    be[5] = 2;
    be[18..20].copy_from_slice(&RISCV.to_be_bytes());
    assert_eq!(load(&be, &mut r), Err(ElfError::BigEndian));
    let code = [0u8; 0x20];
    let overlap = elf_segs(
        2,
        RISCV,
        0x8000_0000,
        &[(0x8000_1010, &code, 0x20), (0x8000_1000, &code, 0x20)],
    );
    assert_eq!(
        load(&overlap, &mut r).unwrap_err().to_string(),
        "segments at 0x80001000 and 0x80001010 overlap"
    );
    // Touching is not overlapping.
    let touching = elf_segs(
        2,
        RISCV,
        0x8000_0000,
        &[(0x8000_1020, &code, 0x20), (0x8000_1000, &code, 0x20)],
    );
    let l = load(&touching, &mut r).unwrap();
    assert_eq!((l.lowest, l.highest), (0x8000_1000, 0x8000_1040));
}

#[test]
fn ranges_are_half_open() {
    let mut r = ram();
    // The last byte of RAM is in RAM, one past it is not.
    let last = elf(2, RISCV, 0x8000_0000, 0x8000_ffff, &[0; 4], 4);
    assert_eq!(load(&last, &mut r).unwrap().entry, 0x8000_ffff);
    let past = elf(2, RISCV, 0x8000_0000, 0x8001_0000, &[0; 4], 4);
    assert!(matches!(
        load(&past, &mut r),
        Err(ElfError::EntryOutsideRam { .. })
    ));
    let at_end = elf(2, RISCV, 0x8000_fffc, 0x8000_0000, &[1; 4], 4);
    assert_eq!(load(&at_end, &mut r).unwrap().highest, 0x8001_0000);
}

#[test]
fn symbols_are_optional() {
    let base = elf(2, RISCV, 0x8000_0000, 0x8000_0000, &[0; 4], 4);
    let good = with_symbols(
        base.clone(),
        &[("main", 0x8000_0000), ("tohost", 0x8000_0100)],
    );
    let h = header(&good).unwrap();
    let names: Vec<_> = symbols(&good, &h)
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.value))
        .collect();
    assert_eq!(
        names,
        [
            ("".to_string(), 0),
            ("main".to_string(), 0x8000_0000),
            ("tohost".to_string(), 0x8000_0100)
        ]
    );
    assert_eq!(load(&good, &mut ram()).unwrap().tohost, Some(0x8000_0100));
    // Section headers past the end, a symbol table past the end, a string
    // table link to nowhere: the symbols are lost, the image still loads.
    let mut cut = good.clone();
    cut.truncate(good.len() - 10);
    let mut far = good.clone();
    far[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
    let mut bad_link = good.clone();
    let link_at = good.len() - 128 + 40;
    bad_link[link_at..link_at + 4].copy_from_slice(&9u32.to_le_bytes());
    for img in [cut, far, bad_link] {
        let h = header(&img).unwrap();
        assert!(symbols(&img, &h).is_err());
        let l = load(&img, &mut ram()).unwrap();
        assert_eq!((l.entry, l.tohost), (0x8000_0000, None));
    }
    // No section headers at all: no symbols, no error.
    assert_eq!(symbols(&base, &header(&base).unwrap()), Ok(Vec::new()));
}
