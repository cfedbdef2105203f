// Physical page allocator, with per-page reference counts for copy-on-write fork.
// Allocates whole 4096-byte pages for user processes, kernel stacks, page-table
// pages and pipe buffers.

use core::ptr;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::memlayout::{KERNBASE, PHYSTOP};
use crate::riscv::{pgroundup, PGSIZE};
use crate::spinlock::SpinLock;

extern "C" {
    /// First address after kernel. Defined by kernel.ld.
    static end: u8;
}

/// A free page, linked through its first word.
struct Run {
    next: *mut Run,
}

struct Kmem {
    freelist: *mut Run,
    /// Pages on the free list.
    nfree: usize,
}

// SAFETY: the free pages the list links belong to the allocator alone.
unsafe impl Send for Kmem {}

static KMEM: SpinLock<Kmem> = SpinLock::new(
    "kmem",
    Kmem {
        freelist: ptr::null_mut(),
        nfree: 0,
    },
);

const NPAGES: usize = (PHYSTOP - KERNBASE) / PGSIZE;

/// Reference count of each physical page, by page number from KERNBASE: 1 when
/// kalloc hands it out, one more for each extra mapping; 0 while free.
static REFCNT: [AtomicU32; NPAGES] = [const { AtomicU32::new(0) }; NPAGES];

/// The refcount slot of physical address `pa`; panics if the allocator does
/// not own it (a kernel bug, never user input).
fn slot(pa: usize) -> &'static AtomicU32 {
    if !pa.is_multiple_of(PGSIZE) || pa < kernel_end() || pa >= PHYSTOP {
        panic!("kalloc: bad pa {:#x}", pa);
    }
    &REFCNT[(pa - KERNBASE) / PGSIZE]
}

/// First allocatable physical address.
fn kernel_end() -> usize {
    pgroundup(ptr::addr_of!(end) as usize)
}

/// Hands every page in [end, PHYSTOP) to the allocator. Hart 0, once, at boot.
/// (No junk fill here: these pages were never handed out.)
pub fn kinit() {
    let mut kmem = KMEM.lock();
    let mut pa = kernel_end();
    while pa + PGSIZE <= PHYSTOP {
        push(&mut kmem, pa as *mut u8);
        pa += PGSIZE;
    }
}

/// Puts the page at `pa`, whose count is 0, on the free list.
fn push(kmem: &mut Kmem, pa: *mut u8) {
    let r = pa as *mut Run;
    // SAFETY: r is a whole free page owned by the allocator.
    unsafe { (*r).next = kmem.freelist };
    kmem.freelist = r;
    kmem.nfree += 1;
}

/// Drops one reference to the page of physical memory at `pa`, which normally
/// should have been returned by kalloc(); the page is freed when the last
/// reference goes.
pub fn kfree(pa: *mut u8) {
    let old = slot(pa as usize).fetch_sub(1, Ordering::AcqRel);
    if old == 0 {
        panic!("kfree: page {:#x} is already free", pa as usize);
    }
    if old > 1 {
        return;
    }
    // SAFETY: the last reference is gone, so this hart owns the page. Fill with
    // junk to catch dangling refs.
    unsafe { ptr::write_bytes(pa, 1, PGSIZE) };
    push(&mut KMEM.lock(), pa);
}

/// Allocates one 4096-byte page of physical memory with reference count 1.
/// Returns None if the memory cannot be allocated.
pub fn kalloc() -> Option<*mut u8> {
    let mut kmem = KMEM.lock();
    let r = kmem.freelist;
    if r.is_null() {
        return None;
    }
    // SAFETY: r is the head of the free list, a page the allocator owns.
    kmem.freelist = unsafe { (*r).next };
    kmem.nfree -= 1;
    drop(kmem);
    // (It still holds kfree's junk, so callers that need zeros must zero it.)
    slot(r as usize).store(1, Ordering::Release);
    Some(r as *mut u8)
}

/// Adds a reference to the allocated page at `pa` (a new mapping of it).
pub fn incref(pa: usize) {
    let old = slot(pa).fetch_add(1, Ordering::AcqRel);
    if old == 0 {
        panic!("incref: page {:#x} is free", pa);
    }
}

/// Number of references to the page at `pa`.
pub fn refcnt(pa: usize) -> u32 {
    slot(pa).load(Ordering::Acquire)
}

/// Number of free pages (the SYS_FREEPAGES extension, for leak tests).
pub fn freepages() -> usize {
    KMEM.lock().nfree
}
