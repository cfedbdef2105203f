// cowtest: the 2021 xv6 copy-on-write lab's tests: simple (twice), three (three
// times), file; then "ALL COW TESTS PASSED".
#![no_std]
#![no_main]

use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use ulib::*;

entry!(main);

/// PHYSTOP - KERNBASE on virt with -m 128M.
const PHYS_SIZE: usize = 128 * 1024 * 1024;
const SBRK_FAILED: usize = usize::MAX;

fn store(a: usize, v: i32) {
    // SAFETY: a lies in memory sbrk gave this process.
    unsafe { write_volatile(a as *mut i32, v) }
}

fn load(a: usize) -> i32 {
    // SAFETY: a lies in memory sbrk gave this process.
    unsafe { read_volatile(a as *const i32) }
}

/// Allocate more than half of physical memory, then fork: this fails without
/// copy-on-write.
fn simpletest() {
    let sz = (PHYS_SIZE / 3) * 2;
    printf!("simple: ");
    let p = sbrk(sz as i32);
    if p == SBRK_FAILED {
        printf!("sbrk(%d) failed\n", sz);
        exit(-1);
    }
    for q in (p..p + sz).step_by(4096) {
        store(q, getpid());
    }
    let pid = fork();
    if pid < 0 {
        printf!("fork() failed\n");
        exit(-1);
    }
    if pid == 0 {
        exit(0);
    }
    wait(None);
    if sbrk(-(sz as i32)) == SBRK_FAILED {
        printf!("sbrk(-%d) failed\n", sz);
        exit(-1);
    }
    printf!("ok\n");
}

/// Three processes have written the same memory: copies stay isolated and are freed.
fn threetest() {
    let sz = PHYS_SIZE / 4;
    printf!("three: ");
    let p = sbrk(sz as i32);
    if p == SBRK_FAILED {
        printf!("sbrk(%d) failed\n", sz);
        exit(-1);
    }
    let pid1 = fork();
    if pid1 < 0 {
        printf!("fork failed\n");
        exit(-1);
    }
    if pid1 == 0 {
        let pid2 = fork();
        if pid2 < 0 {
            printf!("fork failed");
            exit(-1);
        }
        if pid2 == 0 {
            let end = p + (sz / 5) * 4;
            for q in (p..end).step_by(4096) {
                store(q, getpid());
            }
            for q in (p..end).step_by(4096) {
                if load(q) != getpid() {
                    printf!("wrong content\n");
                    exit(-1);
                }
            }
            exit(-1);
        }
        for q in (p..p + sz / 2).step_by(4096) {
            store(q, 9999);
        }
        exit(0);
    }
    for q in (p..p + sz).step_by(4096) {
        store(q, getpid());
    }
    wait(None);
    sleep(1);
    for q in (p..p + sz).step_by(4096) {
        if load(q) != getpid() {
            printf!("wrong content\n");
            exit(-1);
        }
    }
    if sbrk(-(sz as i32)) == SBRK_FAILED {
        printf!("sbrk(-%d) failed\n", sz);
        exit(-1);
    }
    printf!("ok\n");
}

/// A page of its own (the C test pads its globals with junk arrays for this).
#[repr(C, align(4096))]
struct Page<T>(T);

static mut FDS: Page<[i32; 2]> = Page([0; 2]);
static mut BUF: Page<[u8; 4096]> = Page([0; 4096]);

/// The kernel's copyout into a COW-shared page must copy it first.
fn filetest() {
    printf!("file: ");
    // SAFETY: single-threaded; FDS and BUF are only reached through these pointers.
    let (fds, buf) = unsafe { (&mut *addr_of_mut!(FDS.0), addr_of_mut!(BUF.0) as *mut u8) };
    // SAFETY: buf points to BUF's 4096 bytes.
    unsafe { write_volatile(buf, 99) };

    for i in 0..4i32 {
        if pipe(fds) != 0 {
            printf!("pipe() failed\n");
            exit(-1);
        }
        let pid = fork();
        if pid < 0 {
            printf!("fork failed\n");
            exit(-1);
        }
        if pid == 0 {
            sleep(1);
            // SAFETY: the kernel writes 4 bytes into BUF.
            let n = unsafe {
                syscall(
                    abi::syscall::SYS_READ,
                    fds[0] as usize,
                    buf as usize,
                    4,
                    0,
                    0,
                    0,
                )
            };
            if n != 4 {
                printf!("error: read failed\n");
                exit(1);
            }
            sleep(1);
            // SAFETY: BUF is 4096-aligned, so an i32 load from it is aligned.
            let j = unsafe { read_volatile(buf as *const i32) };
            if j != i {
                printf!("error: read the wrong value\n");
                exit(1);
            }
            exit(0);
        }
        if write(fds[1], &i.to_ne_bytes()) != 4 {
            printf!("error: write failed\n");
            exit(-1);
        }
    }
    for _ in 0..4 {
        let mut xstatus = 0;
        wait(Some(&mut xstatus));
        if xstatus != 0 {
            exit(1);
        }
    }
    // SAFETY: buf points to BUF.
    if unsafe { read_volatile(addr_of!(BUF.0) as *const u8) } != 99 {
        printf!("error: child overwrote parent\n");
        exit(1);
    }
    printf!("ok\n");
}

fn main(_args: Args) -> i32 {
    simpletest();
    // Check that the first simpletest() freed the physical memory.
    simpletest();
    threetest();
    threetest();
    threetest();
    filetest();
    printf!("ALL COW TESTS PASSED\n");
    0
}
