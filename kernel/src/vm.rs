// Page tables: the kernel's direct map, user address spaces, copy-on-write fork,
// and copying between kernel and user memory.

use core::ptr;

use crate::kalloc::{incref, kalloc, kfree, refcnt};
use crate::memlayout::{KERNBASE, PHYSTOP, PLIC, TEST, TRAMPOLINE, UART0, VIRTIO0};
use crate::proc::proc_mapstacks;
use crate::riscv::*;

extern "C" {
    /// kernel.ld sets this to end of kernel code.
    static etext: u8;
    /// trampoline.rs's page, placed by kernel.ld.
    static trampoline: u8;
}

/// The kernel's page table, shared by every hart.
static mut KERNEL_PAGETABLE: PageTable = ptr::null_mut();

/// Physical address of the trampoline code.
pub fn trampoline_pa() -> usize {
    ptr::addr_of!(trampoline) as usize
}

/// Makes a direct-map page table for the kernel.
fn kvmmake() -> PageTable {
    let kpgtbl = kalloc().expect("kvmmake") as PageTable;
    // SAFETY: a fresh page.
    unsafe { ptr::write_bytes(kpgtbl as *mut u8, 0, PGSIZE) };
    let etext_pa = ptr::addr_of!(etext) as usize;

    // The test finisher, to power off.
    kvmmap(kpgtbl, TEST, TEST, PGSIZE, PTE_R | PTE_W);
    // uart registers
    kvmmap(kpgtbl, UART0, UART0, PGSIZE, PTE_R | PTE_W);
    // virtio mmio disk interface
    kvmmap(kpgtbl, VIRTIO0, VIRTIO0, PGSIZE, PTE_R | PTE_W);
    // PLIC
    kvmmap(kpgtbl, PLIC, PLIC, 0x40_0000, PTE_R | PTE_W);
    // map kernel text executable and read-only.
    kvmmap(
        kpgtbl,
        KERNBASE,
        KERNBASE,
        etext_pa - KERNBASE,
        PTE_R | PTE_X,
    );
    // map kernel data and the physical RAM we'll make use of.
    kvmmap(
        kpgtbl,
        etext_pa,
        etext_pa,
        PHYSTOP - etext_pa,
        PTE_R | PTE_W,
    );
    // map the trampoline for trap entry/exit to the highest virtual address in the kernel.
    kvmmap(kpgtbl, TRAMPOLINE, trampoline_pa(), PGSIZE, PTE_R | PTE_X);
    // allocate and map a kernel stack for each process.
    proc_mapstacks(kpgtbl);
    kpgtbl
}

/// Initializes the one kernel page table. Hart 0, once.
pub fn kvminit() {
    let pt = kvmmake();
    // SAFETY: single hart at boot; other harts read it only after main publishes it.
    unsafe { KERNEL_PAGETABLE = pt };
}

/// Switches this hart's page-table register to the kernel's page table, and
/// enables paging.
pub fn kvminithart() {
    // wait for any previous writes to the page table memory to finish.
    sfence_vma();
    // SAFETY: written once by kvminit before any hart gets here.
    let pt = unsafe { KERNEL_PAGETABLE };
    w_satp(make_satp(pt as usize));
    // flush stale entries from the TLB.
    sfence_vma();
}

/// Returns the address of the PTE in page table `pagetable` that corresponds to
/// virtual address `va`. If `alloc`, creates any required page-table pages.
/// None if va >= MAXVA, or the PTE is absent and !alloc or kalloc fails.
///
/// The risc-v Sv39 scheme has three levels of page-table pages. A page-table
/// page contains 512 64-bit PTEs. A 64-bit virtual address is split into five
/// fields:
///   39..63 -- must be zero.
///   30..38 -- 9 bits of level-2 index.
///   21..29 -- 9 bits of level-1 index.
///   12..20 -- 9 bits of level-0 index.
///    0..11 -- 12 bits of byte offset within the page.
pub fn walk(mut pagetable: PageTable, va: usize, alloc: bool) -> Option<*mut Pte> {
    if va >= MAXVA {
        return None;
    }
    for level in [2, 1] {
        // SAFETY: pagetable is a page-table page and px() < 512.
        let pte = unsafe { pagetable.add(px(level, va)) };
        // SAFETY: pte points into a live page-table page.
        let e = unsafe { *pte };
        if e & PTE_V != 0 {
            pagetable = pte2pa(e) as PageTable;
        } else {
            if !alloc {
                return None;
            }
            let page = kalloc()?;
            // SAFETY: a fresh page, now a page-table page.
            unsafe {
                ptr::write_bytes(page, 0, PGSIZE);
                *pte = pa2pte(page as usize) | PTE_V;
            }
            pagetable = page as PageTable;
        }
    }
    // SAFETY: a level-0 page-table page and px() < 512.
    Some(unsafe { pagetable.add(px(0, va)) })
}

/// Looks up a virtual address and returns the physical address, or None if it
/// is not mapped or not a user page. Can only be used to look up user pages.
pub fn walkaddr(pagetable: PageTable, va: usize) -> Option<usize> {
    let pte = walk(pagetable, va, false)?;
    // SAFETY: walk returned a live PTE.
    let e = unsafe { *pte };
    if e & PTE_V == 0 || e & PTE_U == 0 {
        return None;
    }
    Some(pte2pa(e))
}

/// Adds a mapping to the kernel page table. Only used when booting; does not
/// flush the TLB or enable paging.
pub fn kvmmap(kpgtbl: PageTable, va: usize, pa: usize, sz: usize, perm: Pte) {
    if mappages(kpgtbl, va, sz, pa, perm).is_err() {
        panic!("kvmmap");
    }
}

/// Creates PTEs for virtual addresses starting at `va` that refer to physical
/// addresses starting at `pa`. `va` and `size` might not be page-aligned.
/// Err if walk() couldn't allocate a needed page-table page.
pub fn mappages(
    pagetable: PageTable,
    va: usize,
    size: usize,
    mut pa: usize,
    perm: Pte,
) -> Result<(), ()> {
    if size == 0 {
        panic!("mappages: size");
    }
    let mut a = pgrounddown(va);
    let last = pgrounddown(va + size - 1);
    loop {
        let pte = walk(pagetable, a, true).ok_or(())?;
        // SAFETY: walk returned a live PTE.
        unsafe {
            if *pte & PTE_V != 0 {
                panic!("mappages: remap {:#x}", a);
            }
            *pte = pa2pte(pa) | perm | PTE_V;
        }
        if a == last {
            return Ok(());
        }
        a += PGSIZE;
        pa += PGSIZE;
    }
}

/// Removes `npages` of mappings starting from `va`, which must be page-aligned
/// and mapped. Optionally drops the physical memory's reference (freeing it
/// when it was the last).
pub fn uvmunmap(pagetable: PageTable, va: usize, npages: usize, do_free: bool) {
    if !va.is_multiple_of(PGSIZE) {
        panic!("uvmunmap: not aligned");
    }
    for a in (va..va + npages * PGSIZE).step_by(PGSIZE) {
        let Some(pte) = walk(pagetable, a, false) else {
            panic!("uvmunmap: walk")
        };
        // SAFETY: walk returned a live PTE.
        let e = unsafe { *pte };
        if e & PTE_V == 0 {
            panic!("uvmunmap: not mapped");
        }
        if pte_flags(e) == PTE_V {
            panic!("uvmunmap: not a leaf");
        }
        if do_free {
            kfree(pte2pa(e) as *mut u8);
        }
        // SAFETY: a live PTE.
        unsafe { *pte = 0 };
    }
}

/// Creates an empty user page table. None if out of memory.
pub fn uvmcreate() -> Option<PageTable> {
    let page = kalloc()?;
    // SAFETY: a fresh page.
    unsafe { ptr::write_bytes(page, 0, PGSIZE) };
    Some(page as PageTable)
}

/// Loads the user initcode into address 0 of pagetable, for the very first
/// process. `src.len()` must be less than a page.
pub fn uvmfirst(pagetable: PageTable, src: &[u8]) {
    if src.len() >= PGSIZE {
        panic!("uvmfirst: more than a page");
    }
    let mem = kalloc().expect("uvmfirst");
    // SAFETY: a fresh page, large enough for src.
    unsafe {
        ptr::write_bytes(mem, 0, PGSIZE);
        ptr::copy_nonoverlapping(src.as_ptr(), mem, src.len());
    }
    if mappages(
        pagetable,
        0,
        PGSIZE,
        mem as usize,
        PTE_W | PTE_R | PTE_X | PTE_U,
    )
    .is_err()
    {
        panic!("uvmfirst: mappages");
    }
}

/// Allocates PTEs and physical memory to grow a process from `oldsz` to
/// `newsz`, which need not be page aligned. Returns the new size, or Err (with
/// nothing left allocated) when out of memory or past the user address space.
pub fn uvmalloc(pagetable: PageTable, oldsz: usize, newsz: usize, xperm: Pte) -> Result<usize, ()> {
    if newsz < oldsz {
        return Ok(oldsz);
    }
    if newsz > crate::memlayout::TRAPFRAME {
        return Err(());
    }
    let oldsz = pgroundup(oldsz);
    for a in (oldsz..newsz).step_by(PGSIZE) {
        let Some(mem) = kalloc() else {
            uvmdealloc(pagetable, a, oldsz);
            return Err(());
        };
        // SAFETY: a fresh page.
        unsafe { ptr::write_bytes(mem, 0, PGSIZE) };
        if mappages(pagetable, a, PGSIZE, mem as usize, PTE_R | PTE_U | xperm).is_err() {
            kfree(mem);
            uvmdealloc(pagetable, a, oldsz);
            return Err(());
        }
    }
    Ok(newsz)
}

/// Deallocates user pages to bring the process size from `oldsz` to `newsz`,
/// which need not be page-aligned, nor less than oldsz. Returns the new size.
pub fn uvmdealloc(pagetable: PageTable, oldsz: usize, newsz: usize) -> usize {
    if newsz >= oldsz {
        return oldsz;
    }
    if pgroundup(newsz) < pgroundup(oldsz) {
        let npages = (pgroundup(oldsz) - pgroundup(newsz)) / PGSIZE;
        uvmunmap(pagetable, pgroundup(newsz), npages, true);
    }
    newsz
}

/// Recursively frees page-table pages. All leaf mappings must already have
/// been removed.
fn freewalk(pagetable: PageTable) {
    // there are 2^9 = 512 PTEs in a page table.
    for i in 0..512 {
        // SAFETY: i < 512 in a live page-table page.
        let e = unsafe { *pagetable.add(i) };
        if e & PTE_V != 0 && e & (PTE_R | PTE_W | PTE_X) == 0 {
            // this PTE points to a lower-level page table.
            freewalk(pte2pa(e) as PageTable);
            // SAFETY: as above.
            unsafe { *pagetable.add(i) = 0 };
        } else if e & PTE_V != 0 {
            panic!("freewalk: leaf");
        }
    }
    kfree(pagetable as *mut u8);
}

/// Frees user memory pages, then frees page-table pages.
pub fn uvmfree(pagetable: PageTable, sz: usize) {
    if sz > 0 {
        uvmunmap(pagetable, 0, pgroundup(sz) / PGSIZE, true);
    }
    freewalk(pagetable);
}

/// Given a parent process's page table, shares its memory with a child's page
/// table: copy-on-write. Writable pages become read-only with PTE_COW in both,
/// and each page gains a reference. Err (child's mappings undone) if out of
/// memory for page-table pages.
pub fn uvmcopy(old: PageTable, new: PageTable, sz: usize) -> Result<(), ()> {
    for i in (0..sz).step_by(PGSIZE) {
        let pte = match walk(old, i, false) {
            // SAFETY: walk returned a live PTE.
            Some(pte) if unsafe { *pte } & PTE_V != 0 => pte,
            _ => panic!("uvmcopy: page not present"),
        };
        // SAFETY: a live PTE of the parent, which is this hart's process.
        let mut e = unsafe { *pte };
        if e & PTE_W != 0 {
            e = (e & !PTE_W) | PTE_COW;
            // SAFETY: as above.
            unsafe { *pte = e };
        }
        let pa = pte2pa(e);
        if mappages(new, i, PGSIZE, pa, pte_flags(e) & !PTE_V).is_err() {
            uvmunmap(new, 0, i / PGSIZE, true);
            sfence_vma();
            return Err(());
        }
        incref(pa);
    }
    // the parent's pages lost PTE_W.
    sfence_vma();
    Ok(())
}

/// Resolves a store to the copy-on-write page holding `va`: copies the page
/// (or, when this page table holds the only reference, reuses it) and maps it
/// writable. Err if `va` is not a user COW page or memory is exhausted.
pub fn cow_fault(pagetable: PageTable, va: usize) -> Result<(), ()> {
    let va = pgrounddown(va);
    let pte = walk(pagetable, va, false).ok_or(())?;
    // SAFETY: walk returned a live PTE.
    let e = unsafe { *pte };
    if e & PTE_V == 0 || e & PTE_U == 0 || e & PTE_COW == 0 {
        return Err(());
    }
    let pa = pte2pa(e);
    let flags = (pte_flags(e) | PTE_W) & !PTE_COW;
    if refcnt(pa) == 1 {
        // SAFETY: as above.
        unsafe { *pte = pa2pte(pa) | flags };
    } else {
        let mem = kalloc().ok_or(())?;
        // SAFETY: mem is a fresh page and pa a mapped user page.
        unsafe {
            ptr::copy_nonoverlapping(pa as *const u8, mem, PGSIZE);
            *pte = pa2pte(mem as usize) | flags;
        }
        kfree(pa as *mut u8);
    }
    sfence_vma();
    Ok(())
}

/// Marks a PTE invalid for user access. Used by exec for the user stack guard page.
pub fn uvmclear(pagetable: PageTable, va: usize) {
    let Some(pte) = walk(pagetable, va, false) else {
        panic!("uvmclear")
    };
    // SAFETY: walk returned a live PTE.
    unsafe { *pte &= !PTE_U };
}

/// Copies from kernel to user: `src` to virtual address `dstva` in a given page
/// table, breaking copy-on-write sharing first. Err on any address that is not
/// a writable (or COW) user page.
pub fn copyout(pagetable: PageTable, mut dstva: usize, mut src: &[u8]) -> Result<(), ()> {
    while !src.is_empty() {
        let va0 = pgrounddown(dstva);
        let pte = walk(pagetable, va0, false).ok_or(())?;
        // SAFETY: walk returned a live PTE.
        let e = unsafe { *pte };
        if e & PTE_V == 0 || e & PTE_U == 0 {
            return Err(());
        }
        if e & PTE_W == 0 {
            if e & PTE_COW == 0 {
                return Err(());
            }
            cow_fault(pagetable, va0)?;
        }
        // SAFETY: the PTE is live (cow_fault may have changed it).
        let pa0 = pte2pa(unsafe { *pte });
        let off = dstva - va0;
        let n = (PGSIZE - off).min(src.len());
        // SAFETY: pa0 is a writable user page; off + n <= PGSIZE.
        unsafe { ptr::copy(src.as_ptr(), (pa0 + off) as *mut u8, n) };
        src = &src[n..];
        dstva = va0 + PGSIZE;
    }
    Ok(())
}

/// Copies from user to kernel: `dst.len()` bytes from virtual address `srcva`
/// in a given page table. Err on any address that is not a user page.
pub fn copyin(pagetable: PageTable, dst: &mut [u8], mut srcva: usize) -> Result<(), ()> {
    let mut done = 0;
    while done < dst.len() {
        let va0 = pgrounddown(srcva);
        let pa0 = walkaddr(pagetable, va0).ok_or(())?;
        let off = srcva - va0;
        let n = (PGSIZE - off).min(dst.len() - done);
        // SAFETY: pa0 is a mapped user page; off + n <= PGSIZE.
        unsafe { ptr::copy((pa0 + off) as *const u8, dst.as_mut_ptr().add(done), n) };
        done += n;
        srcva = va0 + PGSIZE;
    }
    Ok(())
}

/// Copies a null-terminated string from user to kernel: bytes from virtual
/// address `srcva` into `dst`, until a '\0' (stored too) or `dst` is full.
/// Returns the string's length without the '\0'; Err on a bad address or if
/// no '\0' fits in `dst`.
pub fn copyinstr(pagetable: PageTable, dst: &mut [u8], mut srcva: usize) -> Result<usize, ()> {
    let mut done = 0;
    while done < dst.len() {
        let va0 = pgrounddown(srcva);
        let pa0 = walkaddr(pagetable, va0).ok_or(())?;
        let off = srcva - va0;
        let n = (PGSIZE - off).min(dst.len() - done);
        for i in 0..n {
            // SAFETY: pa0 is a mapped user page; off + i < PGSIZE.
            let c = unsafe { *((pa0 + off + i) as *const u8) };
            dst[done] = c;
            if c == 0 {
                return Ok(done);
            }
            done += 1;
        }
        srcva = va0 + PGSIZE;
    }
    Err(())
}
