//! The initrd as QEMU hands it over: /chosen names its bounds with one cell
//! each, and the bytes between them are the file's. Prints the bounds and an
//! FNV-1a hash of the contents, which the host test compares with the file's.
#![no_std]
#![no_main]

use guests::check::{eq, is};
use guests::devtree::{be32, Fdt};
use guests::println;

#[no_mangle]
extern "C" fn guest_main(_hartid: u64, dtb: u64) {
    let Ok(f) = Fdt::at(dtb) else {
        println!("initrd: no device tree");
        guests::exit(200);
    };
    let start = f.prop("/chosen", "linux,initrd-start").unwrap_or(&[]);
    let end = f.prop("/chosen", "linux,initrd-end").unwrap_or(&[]);
    eq("linux,initrd-start is one cell", start.len() as u64, 4);
    eq("linux,initrd-end is one cell", end.len() as u64, 4);
    let (start, end) = (be32(start, 0) as u64, be32(end, 0) as u64);
    is(
        "the initrd lies below the device tree",
        start < end && end <= dtb,
    );
    // SAFETY: the range is RAM the board filled with the initrd.
    let bytes = unsafe { core::slice::from_raw_parts(start as *const u8, (end - start) as usize) };
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash = (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    println!("initrd: {start:#x}..{end:#x} fnv1a {hash:#018x}");
    guests::check::pass("initrd");
}
