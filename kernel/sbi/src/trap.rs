// M-mode traps: SBI calls (ecall from S-mode) and IPIs (machine software
// interrupts). Anything else is a firmware bug: reported, then the board stops.

use crate::hart::{self, HARTS};
use crate::{riscv, sbi, uart, STACK_SIZE};
use core::sync::atomic::Ordering;

/// The registers of the interrupted hart, x0..x31 (x0 unused).
#[repr(C)]
pub struct Frame {
    pub x: [usize; 32],
}

const FRAME_SIZE: usize = core::mem::size_of::<Frame>();

core::arch::global_asm!(
    r#"
    .attribute arch, "rv64gc"
    .section .text
    .globl sbi_trap_entry
    .align 4
sbi_trap_entry:
    # mscratch holds this hart's M-mode stack top; swap it with the S sp.
    csrrw sp, mscratch, sp
    addi sp, sp, -{frame}
    sd x1, 8(sp)
    sd x3, 24(sp)
    sd x4, 32(sp)
    sd x5, 40(sp)
    sd x6, 48(sp)
    sd x7, 56(sp)
    sd x8, 64(sp)
    sd x9, 72(sp)
    sd x10, 80(sp)
    sd x11, 88(sp)
    sd x12, 96(sp)
    sd x13, 104(sp)
    sd x14, 112(sp)
    sd x15, 120(sp)
    sd x16, 128(sp)
    sd x17, 136(sp)
    sd x18, 144(sp)
    sd x19, 152(sp)
    sd x20, 160(sp)
    sd x21, 168(sp)
    sd x22, 176(sp)
    sd x23, 184(sp)
    sd x24, 192(sp)
    sd x25, 200(sp)
    sd x26, 208(sp)
    sd x27, 216(sp)
    sd x28, 224(sp)
    sd x29, 232(sp)
    sd x30, 240(sp)
    sd x31, 248(sp)
    csrr t0, mscratch
    sd t0, 16(sp)
    mv a0, sp
    call sbi_trap_handler
    addi t0, sp, {frame}
    csrw mscratch, t0
    ld x1, 8(sp)
    ld x3, 24(sp)
    ld x4, 32(sp)
    ld x5, 40(sp)
    ld x6, 48(sp)
    ld x7, 56(sp)
    ld x8, 64(sp)
    ld x9, 72(sp)
    ld x10, 80(sp)
    ld x11, 88(sp)
    ld x12, 96(sp)
    ld x13, 104(sp)
    ld x14, 112(sp)
    ld x15, 120(sp)
    ld x16, 128(sp)
    ld x17, 136(sp)
    ld x18, 144(sp)
    ld x19, 152(sp)
    ld x20, 160(sp)
    ld x21, 168(sp)
    ld x22, 176(sp)
    ld x23, 184(sp)
    ld x24, 192(sp)
    ld x25, 200(sp)
    ld x26, 208(sp)
    ld x27, 216(sp)
    ld x28, 224(sp)
    ld x29, 232(sp)
    ld x30, 240(sp)
    ld x31, 248(sp)
    ld sp, 16(sp)
    mret
"#,
    frame = const FRAME_SIZE,
);

extern "C" {
    fn sbi_trap_entry();
}

const CAUSE_INTERRUPT: usize = 1 << 63;
const IRQ_M_SOFT: usize = 3;
const ECALL_FROM_S: usize = 9;

/// Sets up this hart's M-mode state: traps to `sbi_trap_entry` on its own stack.
pub fn init_hart(hartid: usize) {
    let base = core::ptr::addr_of!(crate::sbi_stacks) as usize;
    let entry = sbi_trap_entry as *const () as usize;
    riscv::setup_delegation(entry, base + (hartid + 1) * STACK_SIZE);
}

/// Handles one trap into M-mode; `f` is the interrupted context, written back
/// on return.
#[no_mangle]
extern "C" fn sbi_trap_handler(f: &mut Frame) {
    let hartid = riscv::r_mhartid();
    match riscv::r_mcause() {
        c if c == CAUSE_INTERRUPT | IRQ_M_SOFT => hart::serve_pending(hartid),
        ECALL_FROM_S => {
            riscv::w_mepc(riscv::r_mepc() + 4);
            let (a0, a1) = sbi::ecall(hartid, f);
            f.x[10] = a0;
            f.x[11] = a1;
        }
        cause => {
            uart::print_fmt(format_args!(
                "sbi: hart {hartid}: unexpected trap: mcause {cause:#x} mepc {:#x} mtval {:#x}\n",
                riscv::r_mepc(),
                riscv::r_mtval()
            ));
            riscv::finisher_fail(1);
        }
    }
}

/// Stops this hart (HSM hart_stop) until another starts it again, then makes
/// the trap return go to the requested address in S-mode.
pub fn stop_and_restart(hartid: usize, f: &mut Frame) {
    HARTS[hartid].state.store(hart::STOPPED, Ordering::Release);
    let (addr, opaque) = hart::wait_for_start(hartid);
    let s = riscv::r_mstatus() & !(riscv::MSTATUS_MPP | riscv::MSTATUS_MPIE | riscv::MSTATUS_SIE);
    riscv::w_mstatus(s | riscv::MSTATUS_MPP_S);
    riscv::w_mepc(addr);
    riscv::sfence_vma();
    f.x[10] = hartid;
    f.x[11] = opaque;
    // SAFETY: the payload restarts with translation off, as hart_start requires.
    unsafe { core::arch::asm!("csrw satp, zero") };
}
