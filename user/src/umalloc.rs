// Memory allocator by Kernighan and Ritchie (The C Programming Language, 2nd ed.,
// section 8.7), as xv6's umalloc, and the Rust global allocator on top of it.

use crate::syscall::sbrk;
#[cfg(not(test))]
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::{self, null_mut};

/// A free-list block header; blocks are measured in headers (16 bytes).
#[repr(C, align(16))]
struct Header {
    ptr: *mut Header,
    size: usize,
}

const HSIZE: usize = core::mem::size_of::<Header>();

struct Heap {
    base: Header,
    freep: *mut Header,
}

struct HeapCell(UnsafeCell<Heap>);

// SAFETY: user programs are single-threaded; the heap is never shared between threads.
unsafe impl Sync for HeapCell {}

static HEAP: HeapCell = HeapCell(UnsafeCell::new(Heap {
    base: Header {
        ptr: null_mut(),
        size: 0,
    },
    freep: null_mut(),
}));

fn heap() -> *mut Heap {
    HEAP.0.get()
}

/// Returns a block from malloc to the free list, merging it with its neighbours.
///
/// # Safety
/// `ap` must come from malloc and not have been freed since.
pub unsafe fn free(ap: *mut u8) {
    // SAFETY: ap was returned by malloc, so a header precedes it, and every free-list
    // pointer refers to a live header in memory sbrk gave us.
    unsafe {
        let h = heap();
        let bp = (ap as *mut Header).sub(1);
        let mut p = (*h).freep;
        while !(bp > p && bp < (*p).ptr) {
            if p >= (*p).ptr && (bp > p || bp < (*p).ptr) {
                break;
            }
            p = (*p).ptr;
        }
        if bp.add((*bp).size) == (*p).ptr {
            (*bp).size += (*(*p).ptr).size;
            (*bp).ptr = (*(*p).ptr).ptr;
        } else {
            (*bp).ptr = (*p).ptr;
        }
        if p.add((*p).size) == bp {
            (*p).size += (*bp).size;
            (*p).ptr = (*bp).ptr;
        } else {
            (*p).ptr = bp;
        }
        (*h).freep = p;
    }
}

/// Asks sbrk for at least `nu` units (64 KiB minimum) and frees them into the list.
/// Returns the free list, or null when sbrk fails.
unsafe fn morecore(nu: usize) -> *mut Header {
    let nu = nu.max(4096);
    let pad = sbrk(0).wrapping_neg() % HSIZE;
    let Ok(bytes) = i32::try_from(nu * HSIZE + pad) else {
        return null_mut();
    };
    let p = sbrk(bytes);
    if p == usize::MAX {
        return null_mut();
    }
    let p = p + pad;
    let hp = p as *mut Header;
    // SAFETY: sbrk just gave us nu * HSIZE bytes at hp, 16-aligned thanks to pad.
    unsafe {
        (*hp).size = nu;
        free(hp.add(1) as *mut u8);
        (*heap()).freep
    }
}

/// Allocates `nbytes` (16-byte aligned); returns null when memory runs out.
pub fn malloc(nbytes: usize) -> *mut u8 {
    let nunits = nbytes.div_ceil(HSIZE) + 1;
    // SAFETY: single-threaded access to the heap; the list only links headers we own.
    unsafe {
        let h = heap();
        let mut prevp = (*h).freep;
        if prevp.is_null() {
            let base = ptr::addr_of_mut!((*h).base);
            (*base).ptr = base;
            (*base).size = 0;
            (*h).freep = base;
            prevp = base;
        }
        let mut p = (*prevp).ptr;
        loop {
            if (*p).size >= nunits {
                if (*p).size == nunits {
                    (*prevp).ptr = (*p).ptr;
                } else {
                    (*p).size -= nunits;
                    p = p.add((*p).size);
                    (*p).size = nunits;
                }
                (*h).freep = prevp;
                return p.add(1) as *mut u8;
            }
            if p == (*h).freep {
                p = morecore(nunits);
                if p.is_null() {
                    return null_mut();
                }
            }
            prevp = p;
            p = (*p).ptr;
        }
    }
}

/// The Rust global allocator: malloc and free; alignments above 16 are refused.
#[cfg(not(test))]
struct Umalloc;

// SAFETY: malloc returns 16-aligned blocks of at least the size asked, or null.
#[cfg(not(test))]
unsafe impl GlobalAlloc for Umalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() > HSIZE {
            return null_mut();
        }
        malloc(layout.size())
    }

    unsafe fn dealloc(&self, p: *mut u8, _layout: Layout) {
        // SAFETY: p came from alloc above.
        unsafe { free(p) }
    }
}

#[cfg(not(test))]
#[global_allocator]
static ALLOCATOR: Umalloc = Umalloc;
