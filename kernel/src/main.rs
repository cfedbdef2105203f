//! The rvcow kernel. Entry: every hart parks until the kernel proper lands.
#![no_std]
#![no_main]

core::arch::global_asm!(
    r#"
    .section .text.entry
    .globl _entry
_entry:
    wfi
    j _entry
"#
);

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
