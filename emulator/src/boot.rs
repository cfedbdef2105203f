//! Boot images beside the kernel ELF: Linux `Image` payloads and the initrd,
//! placed as QEMU's hw/riscv/boot.c places them.

/// The RISC-V Linux `Image` header's magics: "RISCV\0\0\0" at offset 48
/// (deprecated but still written) and "RSC\x05" at offset 56
/// (Documentation/arch/riscv/boot-image-header.rst).
const IMAGE_MAGIC: &[u8; 8] = b"RISCV\0\0\0";
const IMAGE_MAGIC2: &[u8; 4] = b"RSC\x05";

/// Whether `bytes` start with a RISC-V Linux `Image` header: an S-mode payload
/// that needs SBI firmware below it.
pub fn is_linux_image(bytes: &[u8]) -> bool {
    bytes.get(48..56) == Some(IMAGE_MAGIC) || bytes.get(56..60) == Some(IMAGE_MAGIC2)
}

/// Where QEMU's `riscv_load_initrd` (7.2–9.x) puts an initrd: half-way into RAM
/// for boards of less than 256 MiB, 128 MiB above the kernel otherwise.
pub fn initrd_start(kernel_entry: u64, ram_size: u64) -> u64 {
    kernel_entry + (ram_size / 2).min(128 << 20)
}

/// The initrd's extent `[start, end)` above `kernel_entry`, or why it does not
/// fit in RAM below `limit` (the device tree's address). One line.
pub fn place_initrd(
    kernel_entry: u64,
    ram_size: u64,
    len: u64,
    limit: u64,
) -> Result<(u64, u64), String> {
    let start = initrd_start(kernel_entry, ram_size);
    match start.checked_add(len) {
        Some(end) if end <= limit => Ok((start, end)),
        _ => Err(format!(
            "initrd of {len} bytes at {start:#x} does not fit below {limit:#x} \
             ({} MiB of RAM): give more with -m",
            ram_size >> 20
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_header_is_recognised_by_either_magic() {
        let mut b = vec![0u8; 64];
        assert!(!is_linux_image(&b));
        b[48..56].copy_from_slice(IMAGE_MAGIC);
        assert!(is_linux_image(&b));
        let mut b = vec![0u8; 64];
        b[56..60].copy_from_slice(IMAGE_MAGIC2);
        assert!(is_linux_image(&b));
        assert!(!is_linux_image(&b[..50]));
    }

    #[test]
    fn initrd_goes_where_qemu_puts_it() {
        // QEMU 7.2, -m 512 behind OpenSBI: linux,initrd-start = <0x88200000>.
        assert_eq!(initrd_start(0x8020_0000, 512 << 20), 0x8820_0000);
        // Below 256 MiB: half-way into RAM.
        assert_eq!(initrd_start(0x8000_0000, 128 << 20), 0x8400_0000);
        assert_eq!(
            place_initrd(0x8020_0000, 512 << 20, 0xfcfa4, 0x9fe0_0000),
            Ok((0x8820_0000, 0x882f_cfa4))
        );
        assert!(place_initrd(0x8000_0000, 128 << 20, 64 << 20, 0x87e0_0000).is_err());
        assert!(place_initrd(0x8000_0000, 128 << 20, u64::MAX, u64::MAX).is_err());
    }
}
