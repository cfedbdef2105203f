//! Mask ROM at 0x1000: QEMU's reset vector (hw/riscv/boot.c) and fw_dynamic_info.

use crate::bus::{Device, Fault};

/// Read-only bytes; reads past the contents return 0 and writes are dropped.
pub struct Rom {
    bytes: Vec<u8>,
}

impl Rom {
    pub fn new(bytes: Vec<u8>) -> Rom {
        Rom { bytes }
    }

    /// The contents.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl Device for Rom {
    fn read(&mut self, offset: u64, size: u8) -> Result<u64, Fault> {
        let mut b = [0u8; 8];
        for (i, v) in b.iter_mut().take(size as usize).enumerate() {
            let at = offset.saturating_add(i as u64);
            *v = usize::try_from(at)
                .ok()
                .and_then(|at| self.bytes.get(at))
                .copied()
                .unwrap_or(0);
        }
        Ok(u64::from_le_bytes(b))
    }

    fn write(&mut self, _offset: u64, _size: u8, _val: u64) -> Result<(), Fault> {
        Ok(())
    }
}

/// fw_dynamic_info magic ("OSBI") and version, as OpenSBI's fw_dynamic.h.
const FW_DYNAMIC_MAGIC: u64 = 0x4942_534f;
const FW_DYNAMIC_VERSION: u64 = 2;
/// fw_dynamic_info.next_mode: S-mode.
const NEXT_MODE_S: u64 = 1;

/// The MROM QEMU builds for an RV64 virt machine: ten words that set
/// a0 = mhartid, a1 = `fdt_addr`, a2 = 0x1028 and jump to `start`, followed
/// by fw_dynamic_info at 0x1028 whose next_addr is `fw_dynamic` (the kernel
/// entry; `None` when no kernel is loaded, which QEMU writes as 0).
pub fn reset_vector(start: u64, fdt_addr: u64, fw_dynamic: Option<u64>) -> Vec<u8> {
    let words: [u32; 10] = [
        0x0000_0297, // auipc t0, 0
        0x0282_8613, // addi  a2, t0, 40
        0xf140_2573, // csrr  a0, mhartid
        0x0202_b583, // ld    a1, 32(t0)
        0x0182_b283, // ld    t0, 24(t0)
        0x0002_8067, // jr    t0
        start as u32,
        (start >> 32) as u32,
        fdt_addr as u32,
        (fdt_addr >> 32) as u32,
    ];
    let info: [u64; 6] = [
        FW_DYNAMIC_MAGIC,
        FW_DYNAMIC_VERSION,
        fw_dynamic.unwrap_or(0),
        NEXT_MODE_S,
        0, // options
        0, // boot_hart
    ];
    let mut rom = Vec::with_capacity(40 + 48);
    for w in words {
        rom.extend_from_slice(&w.to_le_bytes());
    }
    for v in info {
        rom.extend_from_slice(&v.to_le_bytes());
    }
    rom
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(rom: &[u8], addr: usize) -> u32 {
        u32::from_le_bytes(rom[addr - 0x1000..addr - 0x1000 + 4].try_into().unwrap())
    }

    fn dword(rom: &[u8], addr: usize) -> u64 {
        u64::from_le_bytes(rom[addr - 0x1000..addr - 0x1000 + 8].try_into().unwrap())
    }

    #[test]
    fn reset_vector_matches_qemu() {
        let rom = reset_vector(0x8000_0000, 0x87e0_0000, Some(0x8020_0000));
        assert_eq!(rom.len(), 0x58);
        let code = [
            0x0000_0297,
            0x0282_8613,
            0xf140_2573,
            0x0202_b583,
            0x0182_b283,
            0x0002_8067,
        ];
        for (i, w) in code.iter().enumerate() {
            assert_eq!(word(&rom, 0x1000 + 4 * i), *w, "word {i}");
        }
        assert_eq!(dword(&rom, 0x1018), 0x8000_0000);
        assert_eq!(dword(&rom, 0x1020), 0x87e0_0000);
        assert_eq!(dword(&rom, 0x1028), 0x4942_534f);
        assert_eq!(dword(&rom, 0x1030), 2);
        assert_eq!(dword(&rom, 0x1038), 0x8020_0000);
        assert_eq!(dword(&rom, 0x1040), 1);
        assert_eq!(dword(&rom, 0x1048), 0);
        assert_eq!(dword(&rom, 0x1050), 0);
        let none = reset_vector(0x8000_0000, 0x87e0_0000, None);
        assert_eq!(dword(&none, 0x1038), 0);
    }

    #[test]
    fn high_addresses_split_into_words() {
        let rom = reset_vector(0x1_2345_6789, 0xabcd_ef01_2345_6000, None);
        assert_eq!(word(&rom, 0x1018), 0x2345_6789);
        assert_eq!(word(&rom, 0x101c), 0x1);
        assert_eq!(word(&rom, 0x1020), 0x2345_6000);
        assert_eq!(word(&rom, 0x1024), 0xabcd_ef01);
    }

    #[test]
    fn reads_and_dropped_writes() {
        let mut r = Rom::new(vec![0x11, 0x22, 0x33, 0x44]);
        assert_eq!(r.read(0, 4), Ok(0x4433_2211));
        assert_eq!(r.read(2, 4), Ok(0x4433));
        assert_eq!(r.read(1, 1), Ok(0x22));
        assert_eq!(r.read(0x100, 8), Ok(0));
        assert_eq!(r.read(u64::MAX, 8), Ok(0));
        r.write(0, 4, 0xdead_beef).unwrap();
        assert_eq!(r.read(0, 8), Ok(0x4433_2211));
        assert_eq!(r.bytes(), &[0x11, 0x22, 0x33, 0x44]);
    }
}
