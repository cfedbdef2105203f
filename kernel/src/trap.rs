// Traps: system calls, device interrupts and exceptions, from user and kernel mode.

use core::ptr;

use crate::chan::wakeup;
use crate::memlayout::{TRAMPOLINE, UART0_IRQ, VIRTIO0_IRQ};
use crate::plic::{plic_claim, plic_complete};
use crate::proc::{exit, myproc, try_myproc, yield_};
use crate::riscv::*;
use crate::spinlock::{cpuid, SpinLock};
use crate::syscall::syscall;
use crate::trampoline::{userret, uservec};
use crate::uart::uartintr;
use crate::virtio_disk::virtio_disk_intr;
use crate::vm::{cow_fault, trampoline_pa};

/// Ticks since boot (about 100 ms each), guarded by its lock; sleepers wait on TICKS_CHAN.
pub static TICKS: SpinLock<u32> = SpinLock::new("time", 0);

/// The wait channel of the ticks counter.
pub fn ticks_chan() -> usize {
    ptr::addr_of!(TICKS) as usize
}

/// Timer interval in `time` units: about 1/10th second at QEMU's 10 MHz.
pub const TIMER_INTERVAL: usize = 1_000_000;

const SCAUSE_INTERRUPT: usize = 1 << 63;
const SCAUSE_SSI: usize = SCAUSE_INTERRUPT | 1;
const SCAUSE_STI: usize = SCAUSE_INTERRUPT | 5;
const SCAUSE_SEI: usize = SCAUSE_INTERRUPT | 9;
const SCAUSE_ECALL_U: usize = 8;
const SCAUSE_STORE_PAGE_FAULT: usize = 15;

core::arch::global_asm!(
    r#"
    .section .text
    .globl kernelvec
    .align 4
kernelvec:
    # interrupts and exceptions while in supervisor mode come here.
    # make room to save registers.
    addi sp, sp, -256

    # save caller-saved registers (and s0, for backtraces through traps).
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd gp, 16(sp)
    sd tp, 24(sp)
    sd t0, 32(sp)
    sd t1, 40(sp)
    sd t2, 48(sp)
    sd a0, 72(sp)
    sd a1, 80(sp)
    sd a2, 88(sp)
    sd a3, 96(sp)
    sd a4, 104(sp)
    sd a5, 112(sp)
    sd a6, 120(sp)
    sd a7, 128(sp)
    sd t3, 216(sp)
    sd t4, 224(sp)
    sd t5, 232(sp)
    sd t6, 240(sp)

    # call the Rust trap handler in trap.rs
    call kerneltrap

    # restore registers.
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld gp, 16(sp)
    # not tp (contains hartid), in case we moved CPUs
    ld t0, 32(sp)
    ld t1, 40(sp)
    ld t2, 48(sp)
    ld a0, 72(sp)
    ld a1, 80(sp)
    ld a2, 88(sp)
    ld a3, 96(sp)
    ld a4, 104(sp)
    ld a5, 112(sp)
    ld a6, 120(sp)
    ld a7, 128(sp)
    ld t3, 216(sp)
    ld t4, 224(sp)
    ld t5, 232(sp)
    ld t6, 240(sp)

    addi sp, sp, 256

    # return to whatever we were doing in the kernel.
    sret
"#
);

extern "C" {
    fn kernelvec();
}

/// Nothing global to set up (TICKS is statically initialized); kept for xv6's boot order.
pub fn trapinit() {}

/// Sets up to take exceptions and traps while in the kernel.
pub fn trapinithart() {
    w_stvec(kernelvec as *const () as usize);
}

/// Handles an interrupt, exception, or system call from user space. Called
/// from trampoline.rs.
#[no_mangle]
pub extern "C" fn usertrap() -> ! {
    if r_sstatus() & SSTATUS_SPP != 0 {
        panic!("usertrap: not from user mode");
    }

    // send interrupts and exceptions to kerneltrap(), since we're now in the kernel.
    w_stvec(kernelvec as *const () as usize);

    let p = myproc();
    let d = p.data();

    // save user program counter.
    d.tf().epc = r_sepc();

    let scause = r_scause();
    let mut which_dev = Intr::None;
    if scause == SCAUSE_ECALL_U {
        // system call
        if p.killed() {
            exit(-1);
        }
        // sepc points to the ecall instruction, but we want to return to the
        // next instruction.
        d.tf().epc += 4;
        // an interrupt will change sepc, scause, and sstatus, so enable only
        // now that we're done with those registers.
        intr_on();
        syscall();
    } else if scause == SCAUSE_STORE_PAGE_FAULT && cow_fault(d.pagetable, r_stval()).is_ok() {
        // a store to a copy-on-write page, now private and writable.
    } else {
        which_dev = devintr(scause);
        if which_dev == Intr::None {
            crate::println!(
                "usertrap(): unexpected scause {:#x} pid={}",
                scause,
                p.pid()
            );
            crate::println!("            sepc={:#x} stval={:#x}", r_sepc(), r_stval());
            p.setkilled();
        }
    }

    if p.killed() {
        exit(-1);
    }

    // give up the CPU if this is a timer interrupt.
    if which_dev == Intr::Timer {
        yield_();
    }

    usertrapret();
}

/// Returns to user space.
pub fn usertrapret() -> ! {
    let p = myproc();
    let d = p.data();

    // we're about to switch the destination of traps from kerneltrap() to
    // usertrap(), so turn off interrupts until we're back in user space, where
    // usertrap() is correct.
    intr_off();

    // send syscalls, interrupts, and exceptions to uservec in trampoline.rs
    let (uservec_pa, userret_pa) = (
        ptr::addr_of!(uservec) as usize,
        ptr::addr_of!(userret) as usize,
    );
    let tramp = trampoline_pa();
    let trampoline_uservec = TRAMPOLINE + (uservec_pa - tramp);
    w_stvec(trampoline_uservec);

    // set up trapframe values that uservec will need when the process next
    // traps into the kernel.
    let tf = d.tf();
    tf.kernel_satp = r_satp(); // kernel page table
    tf.kernel_sp = d.kstack + crate::memlayout::KSTACK_SIZE; // process's kernel stack
    tf.kernel_trap = usertrap as *const () as usize;
    tf.kernel_hartid = r_tp(); // hartid for cpuid()

    // set up the registers that trampoline.rs's sret will use to get to user space.
    // set S Previous Privilege mode to User.
    let mut x = r_sstatus();
    x &= !SSTATUS_SPP; // clear SPP to 0 for user mode
    x |= SSTATUS_SPIE; // enable interrupts in user mode
    w_sstatus(x);

    // set S Exception Program Counter to the saved user pc.
    w_sepc(tf.epc);

    // tell trampoline.rs the user page table to switch to.
    let satp = make_satp(d.pagetable as usize);

    // jump to userret in trampoline.rs at the top of memory, which switches to
    // the user page table, restores user registers, and switches to user mode
    // with sret.
    let trampoline_userret = TRAMPOLINE + (userret_pa - tramp);
    // SAFETY: userret is mapped at this address in both page tables; it never returns.
    let f: extern "C" fn(usize) -> ! = unsafe { core::mem::transmute(trampoline_userret) };
    f(satp)
}

/// Interrupts and exceptions from kernel code go here via kernelvec, on
/// whatever the current kernel stack is.
#[no_mangle]
pub extern "C" fn kerneltrap() {
    let sepc = r_sepc();
    let sstatus = r_sstatus();
    let scause = r_scause();

    if sstatus & SSTATUS_SPP == 0 {
        panic!("kerneltrap: not from supervisor mode");
    }
    if intr_get() {
        panic!("kerneltrap: interrupts enabled");
    }

    let which_dev = devintr(scause);
    if which_dev == Intr::None {
        // interrupt or trap from an unknown source
        panic!(
            "kerneltrap: scause={:#x} sepc={:#x} stval={:#x}",
            scause,
            sepc,
            r_stval()
        );
    }

    // give up the CPU if this is a timer interrupt.
    if which_dev == Intr::Timer && try_myproc().is_some() {
        yield_();
    }

    // the yield() may have caused some traps to occur, so restore trap
    // registers for use by kernelvec's sepc instruction.
    w_sepc(sepc);
    w_sstatus(sstatus);
}

/// Handles a timer interrupt: counts a tick (hart 0) and asks for the next one.
fn clockintr() {
    if cpuid() == 0 {
        let mut ticks = TICKS.lock();
        *ticks = ticks.wrapping_add(1);
        wakeup(ticks_chan());
        drop(ticks);
    }
    // ask for the next timer interrupt. this also clears the interrupt request.
    w_stimecmp(r_time() + TIMER_INTERVAL);
}

/// What kind of interrupt a trap was.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Intr {
    /// Not a recognized interrupt.
    None,
    /// A device (PLIC) interrupt or a stray software interrupt.
    Device,
    /// A timer interrupt.
    Timer,
}

/// Checks if it's an external interrupt or timer interrupt, and handles it.
fn devintr(scause: usize) -> Intr {
    match scause {
        SCAUSE_SEI => {
            // this is a supervisor external interrupt, via PLIC.
            // irq indicates which device interrupted.
            let irq = plic_claim();
            if irq == UART0_IRQ {
                uartintr();
            } else if irq == VIRTIO0_IRQ {
                virtio_disk_intr();
            } else if irq != 0 {
                crate::println!("unexpected interrupt irq={}", irq);
            }
            // the PLIC allows each device to raise at most one interrupt at a
            // time; tell the PLIC the device is now allowed to interrupt again.
            if irq != 0 {
                plic_complete(irq);
            }
            Intr::Device
        }
        SCAUSE_STI => {
            // timer interrupt.
            clockintr();
            Intr::Timer
        }
        SCAUSE_SSI => {
            // a stray software interrupt: acknowledge it.
            w_sip(r_sip() & !SIE_SSIE);
            Intr::Device
        }
        _ => Intr::None,
    }
}
