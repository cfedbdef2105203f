//! The rvcow kernel: xv6-riscv in Rust, with copy-on-write fork.
#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
// xv6 has one error value (-1): kernel functions fail with Err(()).
#![allow(clippy::result_unit_err)]
// Page tables and physical pages are raw pointers by design (xv6's pagetable_t,
// kalloc's void *); the functions that take them own that memory.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod chan;
pub mod console;
pub mod entry;
pub mod exec;
pub mod file;
pub mod fs;
pub mod kalloc;
pub mod memlayout;
pub mod param;
pub mod pipe;
pub mod plic;
pub mod printf;
pub mod proc;
pub mod riscv;
pub mod sleeplock;
pub mod spinlock;
pub mod start;
pub mod swtch;
pub mod syscall;
pub mod sysfile;
pub mod sysproc;
pub mod trampoline;
pub mod trap;
pub mod uart;
pub mod virtio_disk;
pub mod vm;

use core::sync::atomic::{AtomicBool, Ordering};

use crate::spinlock::cpuid;

static STARTED: AtomicBool = AtomicBool::new(false);

/// start() jumps here in supervisor mode on all harts. Hart 0 initializes the
/// kernel, then every hart enters its scheduler.
#[no_mangle]
pub extern "C" fn main() -> ! {
    if cpuid() == 0 {
        console::consoleinit();
        println!();
        println!("xv6 kernel is booting");
        println!();
        kalloc::kinit(); // physical page allocator
        vm::kvminit(); // create kernel page table
        vm::kvminithart(); // turn on paging
        proc::procinit(); // process table
        trap::trapinit(); // trap vectors
        trap::trapinithart(); // install kernel trap vector
        plic::plicinit(); // set up interrupt controller
        plic::plicinithart(); // ask PLIC for device interrupts
        fs::bio::binit(); // buffer cache
        fs::iinit(); // inode table
        file::fileinit(); // file table
        virtio_disk::virtio_disk_init(); // emulated hard disk
        proc::userinit(); // first user process
        STARTED.store(true, Ordering::Release);
    } else {
        while !STARTED.load(Ordering::Acquire) {
            core::hint::spin_loop();
        }
        println!("hart {} starting", cpuid());
        vm::kvminithart(); // turn on paging
        trap::trapinithart(); // install kernel trap vector
        plic::plicinithart(); // ask PLIC for device interrupts
    }
    proc::scheduler()
}
