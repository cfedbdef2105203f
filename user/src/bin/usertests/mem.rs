// usertests: memory tests (sbrk, bad pointers to system calls, faults that must kill).

use crate::{die, raw};
use abi::param::PGSIZE;
use abi::syscall::{SYS_EXEC, SYS_LINK, SYS_OPEN, SYS_PIPE, SYS_READ, SYS_UNLINK, SYS_WRITE};
use core::ptr::{read_volatile, write_volatile};
use ulib::*;

const MAXVA: usize = 1 << 38;
const KERNBASE: usize = 0x8000_0000;
const SBRK_FAILED: usize = usize::MAX;
const BAD_ADDRS: [usize; 2] = [0x8000_0000, 0xffff_ffff_ffff_ffff];

fn poke(a: usize, v: u8) {
    // SAFETY: the tests store only to memory they own or to addresses that must fault.
    unsafe { write_volatile(a as *mut u8, v) }
}

fn peek(a: usize) -> u8 {
    // SAFETY: the tests load only from memory they own or from addresses that must fault.
    unsafe { read_volatile(a as *const u8) }
}

/// Forks a child that runs f, which must be killed; the parent exits 1 otherwise.
fn child_must_die(s: &str, f: impl FnOnce()) {
    let pid = fork();
    if pid < 0 {
        die!("%s: fork failed\n", s);
    }
    if pid == 0 {
        f();
        exit(1);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    if xstatus != -1 {
        // Did the kernel kill the child?
        exit(1);
    }
}

/// User code must not be able to write to addresses above MAXVA.
pub fn maxvaplus(s: &str) {
    let mut a = MAXVA;
    while a != 0 {
        child_must_die(s, || {
            poke(a, 99);
            printf!("%s: oops wrote %x\n", s, a);
        });
        a <<= 1;
    }
}

/// Can the kernel read the kernel's memory on a user's behalf?
pub fn kernmem(s: &str) {
    for a in (KERNBASE..KERNBASE + 2_000_000).step_by(50000) {
        child_must_die(s, || {
            printf!("%s: oops could read %x = %x\n", s, a, peek(a));
        });
    }
}

/// What if you pass ridiculous pointers to system calls that read user memory?
pub fn copyin(_s: &str) {
    for addr in BAD_ADDRS {
        let fd = open(c"copyin1", O_CREATE | O_WRONLY);
        if fd < 0 {
            die!("open(copyin1) failed\n");
        }
        let n = raw(SYS_WRITE, fd as usize, addr, 8192);
        if n >= 0 {
            die!("write(fd, %p, 8192) returned %d, not -1\n", addr, n);
        }
        close(fd);
        unlink(c"copyin1");

        let n = raw(SYS_WRITE, 1, addr, 8192);
        if n > 0 {
            die!("write(1, %p, 8192) returned %d, not -1 or 0\n", addr, n);
        }

        let mut fds = [0i32; 2];
        if pipe(&mut fds) < 0 {
            die!("pipe() failed\n");
        }
        let n = raw(SYS_WRITE, fds[1] as usize, addr, 8192);
        if n > 0 {
            die!("write(pipe, %p, 8192) returned %d, not -1 or 0\n", addr, n);
        }
        close(fds[0]);
        close(fds[1]);
    }
}

/// What if you pass ridiculous pointers to system calls that write user memory?
pub fn copyout(_s: &str) {
    for addr in BAD_ADDRS {
        let fd = open(c"README", O_RDONLY);
        if fd < 0 {
            die!("open(README) failed\n");
        }
        let n = raw(SYS_READ, fd as usize, addr, 8192);
        if n > 0 {
            die!("read(fd, %p, 8192) returned %d, not -1 or 0\n", addr, n);
        }
        close(fd);

        let mut fds = [0i32; 2];
        if pipe(&mut fds) < 0 {
            die!("pipe() failed\n");
        }
        if write(fds[1], b"x") != 1 {
            die!("pipe write failed\n");
        }
        let n = raw(SYS_READ, fds[0] as usize, addr, 8192);
        if n > 0 {
            die!("read(pipe, %p, 8192) returned %d, not -1 or 0\n", addr, n);
        }
        close(fds[0]);
        close(fds[1]);
    }
}

/// What if you pass ridiculous string pointers to system calls?
pub fn copyinstr1(_s: &str) {
    for addr in BAD_ADDRS {
        let fd = raw(SYS_OPEN, addr, (O_CREATE | O_WRONLY) as usize, 0);
        if fd >= 0 {
            die!("open(%p) returned %d, not -1\n", addr, fd);
        }
    }
}

/// A NULL-terminated argv {"xx", 0} for raw exec calls.
fn xx_argv() -> [usize; 2] {
    [c"xx".as_ptr() as usize, 0]
}

/// Path system calls on the string at p must all fail.
fn path_calls_fail(p: usize, shown: &[u8]) {
    let ret = raw(SYS_UNLINK, p, 0, 0);
    if ret != -1 {
        die!("unlink(%s) returned %d, not -1\n", shown, ret);
    }
    let fd = raw(SYS_OPEN, p, (O_CREATE | O_WRONLY) as usize, 0);
    if fd != -1 {
        die!("open(%s) returned %d, not -1\n", shown, fd);
    }
    let ret = raw(SYS_LINK, p, p, 0);
    if ret != -1 {
        die!("link(%s, %s) returned %d, not -1\n", shown, shown, ret);
    }
    let argv = xx_argv();
    let ret = raw(SYS_EXEC, p, argv.as_ptr() as usize, 0);
    if ret != -1 {
        die!("exec(%s) returned %d, not -1\n", shown, fd);
    }
}

/// What if a string argument is exactly the size of the kernel buffer it is copied
/// into, so that the NUL would fall just beyond its end?
pub fn copyinstr2(_s: &str) {
    let mut b = [b'x'; abi::param::MAXPATH + 1];
    b[abi::param::MAXPATH] = 0;
    path_calls_fail(b.as_ptr() as usize, &b);

    let pid = fork();
    if pid < 0 {
        die!("fork failed\n");
    }
    if pid == 0 {
        let mut big = alloc::vec![b'x'; PGSIZE + 1];
        big[PGSIZE] = 0;
        let arg = CStr::from_bytes_with_nul(&big).unwrap_or(c"");
        let ret = exec(c"echo", &[arg, arg, arg]);
        if ret != -1 {
            die!("exec(echo, BIG) returned %d, not -1\n", ret);
        }
        exit(747); // OK
    }
    let mut st = 0;
    wait(Some(&mut st));
    if st != 747 {
        die!("exec(echo, BIG) succeeded, should have failed\n");
    }
}

/// What if a string argument crosses over the end of the last user page?
pub fn copyinstr3(_s: &str) {
    sbrk(8192);
    let top = sbrk(0);
    if !top.is_multiple_of(PGSIZE) {
        sbrk((PGSIZE - top % PGSIZE) as i32);
    }
    let top = sbrk(0);
    if !top.is_multiple_of(PGSIZE) {
        die!("oops\n");
    }
    let b = top - 1;
    poke(b, b'x');
    path_calls_fail(b, b"x");
}

/// The kernel must refuse to read or write user memory that sbrk gave back.
pub fn rwsbrk(_s: &str) {
    let a = sbrk(8192);
    if a == SBRK_FAILED {
        die!("sbrk(rwsbrk) failed\n");
    }
    if sbrk(-8192) == SBRK_FAILED {
        die!("sbrk(rwsbrk) shrink failed\n");
    }
    let fd = open(c"rwsbrk", O_CREATE | O_WRONLY);
    if fd < 0 {
        die!("open(rwsbrk) failed\n");
    }
    let n = raw(SYS_WRITE, fd as usize, a + 4096, 1024);
    if n >= 0 {
        die!("write(fd, %p, 1024) returned %d, not -1\n", a + 4096, n);
    }
    close(fd);
    unlink(c"rwsbrk");

    let fd = open(c"README", O_RDONLY);
    if fd < 0 {
        die!("open(rwsbrk) failed\n");
    }
    let n = raw(SYS_READ, fd as usize, a + 4096, 10);
    if n >= 0 {
        die!("read(fd, %p, 10) returned %d, not -1\n", a + 4096, n);
    }
    close(fd);
    exit(0);
}

/// Regression test: copyin(), copyout() and copyinstr() used to cast the virtual page
/// address to uint, which with wild arguments caused kernel page faults.
pub fn pgbug(_s: &str) {
    let argv = [0usize];
    raw(SYS_EXEC, 0xeaeb0b5b00002f5e, argv.as_ptr() as usize, 0);
    raw(SYS_PIPE, 0xeaeb0b5b00002f5e, 0, 0);
    exit(0);
}

/// Forks f in a child and waits for it, ignoring its status.
fn in_child(f: impl FnOnce()) {
    let pid = fork();
    if pid < 0 {
        die!("fork failed\n");
    }
    if pid == 0 {
        f();
        exit(0);
    }
    wait(None);
}

/// Regression test: does the kernel panic if a process sbrk()s its size to less than a
/// page, or zero, or reduces the break too little to free a page?
pub fn sbrkbugs(_s: &str) {
    in_child(|| {
        // Free all user memory; the return to user space then faults.
        let sz = sbrk(0) as i32;
        sbrk(-sz);
    });
    in_child(|| {
        // Set the break to somewhere in the very first page.
        let sz = sbrk(0) as i32;
        sbrk(-(sz - 3500));
    });
    in_child(|| {
        // Set the break in the middle of a page, then reduce it a little.
        sbrk((10 * 4096 + 2048) - sbrk(0) as i32);
        sbrk(-10);
    });
    exit(0);
}

/// Regression test: does exec() leak memory when an argument is invalid?
pub fn badarg(_s: &str) {
    let argv = [0xffff_ffffusize, 0];
    for _ in 0..50000 {
        raw(
            SYS_EXEC,
            c"echo".as_ptr() as usize,
            argv.as_ptr() as usize,
            0,
        );
    }
    exit(0);
}

/// exec() must clean up when it runs out of memory, not panic.
pub fn execout(_s: &str) {
    for avail in 0..15 {
        let pid = fork();
        if pid < 0 {
            die!("fork failed\n");
        } else if pid == 0 {
            // Allocate all of memory.
            loop {
                let a = sbrk(4096);
                if a == SBRK_FAILED {
                    break;
                }
                poke(a + 4096 - 1, 1);
            }
            // Free a few pages, to let exec() make some progress.
            for _ in 0..avail {
                sbrk(-4096);
            }
            close(1);
            exec(c"echo", &[c"echo", c"x"]);
            exit(0);
        } else {
            wait(None);
        }
    }
    exit(0);
}

pub fn argptest(s: &str) {
    let fd = open(c"init", O_RDONLY);
    if fd < 0 {
        die!("%s: open failed\n", s);
    }
    raw(SYS_READ, fd as usize, sbrk(0) - 1, usize::MAX);
    close(fd);
}

static mut UNINIT: [u8; 10000] = [0; 10000];

/// Does uninitialized data start out zero?
pub fn bsstest(s: &str) {
    let p = core::ptr::addr_of!(UNINIT) as usize;
    if (0..10000).any(|i| peek(p + i) != 0) {
        die!("%s: bss test failed\n", s);
    }
}

pub fn sbrkbasic(s: &str) {
    const TOOMUCH: usize = 1024 * 1024 * 1024;
    // Does sbrk() return the expected failure value?
    let pid = fork();
    if pid < 0 {
        die!("fork failed in sbrkbasic\n");
    }
    if pid == 0 {
        let a = sbrk(TOOMUCH as i32);
        if a == SBRK_FAILED {
            // It's OK if this fails.
            exit(0);
        }
        for b in (a..a + TOOMUCH).step_by(4096) {
            poke(b, 99);
        }
        // Either sbrk(TOOMUCH) fails or (with lazy allocation) a fault kills us.
        exit(1);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    if xstatus == 1 {
        die!("%s: too much memory allocated!\n", s);
    }

    // Can one sbrk() less than a page?
    let mut a = sbrk(0);
    for i in 0..5000 {
        let b = sbrk(1);
        if b != a {
            die!("%s: sbrk test failed %d %x %x\n", s, i, a, b);
        }
        poke(b, 1);
        a = b + 1;
    }
    let pid = fork();
    if pid < 0 {
        die!("%s: sbrk test fork failed\n", s);
    }
    sbrk(1);
    let c = sbrk(1);
    if c != a + 1 {
        die!("%s: sbrk test failed post-fork\n", s);
    }
    if pid == 0 {
        exit(0);
    }
    wait(Some(&mut xstatus));
    exit(xstatus);
}

pub fn sbrkmuch(s: &str) {
    const BIG: usize = 100 * 1024 * 1024;
    let oldbrk = sbrk(0);

    // Can one grow the address space to something big?
    let a = sbrk(0);
    let amt = BIG - a;
    let p = sbrk(amt as i32);
    if p != a {
        die!(
            "%s: sbrk test failed to grow big address space; enough phys mem?\n",
            s
        );
    }
    // Touch each page to make sure it exists.
    let eee = sbrk(0);
    for pp in (a..eee).step_by(4096) {
        poke(pp, 1);
    }
    let lastaddr = BIG - 1;
    poke(lastaddr, 99);

    // Can one de-allocate?
    let a = sbrk(0);
    let c = sbrk(-(PGSIZE as i32));
    if c == SBRK_FAILED {
        die!("%s: sbrk could not deallocate\n", s);
    }
    let c = sbrk(0);
    if c != a - PGSIZE {
        die!(
            "%s: sbrk deallocation produced wrong address, a %x c %x\n",
            s,
            a,
            c
        );
    }

    // Can one re-allocate that page?
    let a = sbrk(0);
    let c = sbrk(PGSIZE as i32);
    if c != a || sbrk(0) != a + PGSIZE {
        die!("%s: sbrk re-allocation failed, a %x c %x\n", s, a, c);
    }
    if peek(lastaddr) == 99 {
        // Should be zero.
        die!("%s: sbrk de-allocation didn't really deallocate\n", s);
    }

    let a = sbrk(0);
    let c = sbrk(-((sbrk(0) - oldbrk) as i32));
    if c != a {
        die!("%s: sbrk downsize failed, a %x c %x\n", s, a, c);
    }
}

/// If we run the system out of memory, does it clean up the last failed allocation?
pub fn sbrkfail(s: &str) {
    const BIG: usize = 100 * 1024 * 1024;
    let mut fds = [0i32; 2];
    if pipe(&mut fds) != 0 {
        die!("%s: pipe() failed\n", s);
    }
    let mut pids = [0i32; 10];
    for p in pids.iter_mut() {
        *p = fork();
        if *p == 0 {
            // Allocate a lot of memory, then sit around until killed.
            sbrk((BIG - sbrk(0)) as i32);
            write(fds[1], b"x");
            loop {
                sleep(1000);
            }
        }
        if *p != -1 {
            let mut scratch = [0u8];
            read(fds[0], &mut scratch);
        }
    }
    // If those failed allocations freed the pages they did allocate, this works.
    let c = sbrk(PGSIZE as i32);
    for &p in pids.iter().filter(|&&p| p != -1) {
        kill(p);
        wait(None);
    }
    if c == SBRK_FAILED {
        die!("%s: failed sbrk leaked memory\n", s);
    }

    // Test running fork with the above allocated page.
    let pid = fork();
    if pid < 0 {
        die!("%s: fork failed\n", s);
    }
    if pid == 0 {
        // Allocate a lot of memory: this should page fault and not complete.
        let a = sbrk(0);
        sbrk(10 * BIG as i32);
        let mut n: i32 = 0;
        for i in (0..10 * BIG).step_by(PGSIZE) {
            n = n.wrapping_add(peek(a + i) as i8 as i32);
        }
        die!("%s: allocate a lot of memory succeeded %d\n", s, n);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    if xstatus != -1 && xstatus != 2 {
        exit(1);
    }
}

/// Reads and writes from and to sbrk-allocated memory.
pub fn sbrkarg(s: &str) {
    let a = sbrk(PGSIZE as i32);
    let fd = open(c"sbrk", O_CREATE | O_WRONLY);
    unlink(c"sbrk");
    if fd < 0 {
        die!("%s: open sbrk failed\n", s);
    }
    if raw(SYS_WRITE, fd as usize, a, PGSIZE) < 0 {
        die!("%s: write sbrk failed\n", s);
    }
    close(fd);

    // Test writes to allocated memory.
    let a = sbrk(PGSIZE as i32);
    if raw(SYS_PIPE, a, 0, 0) != 0 {
        die!("%s: pipe() failed\n", s);
    }
}

/// If the process size was a bit past a page boundary and then shrunk a bit below it,
/// can the kernel still copyin() from addresses in the last page?
pub fn sbrklast(_s: &str) {
    let top = sbrk(0);
    if !top.is_multiple_of(4096) {
        sbrk((4096 - top % 4096) as i32);
    }
    sbrk(4096);
    sbrk(10);
    sbrk(-20);
    let top = sbrk(0);
    let p = top - 64;
    poke(p, b'x');
    poke(p + 1, 0);
    let fd = raw(SYS_OPEN, p, (O_RDWR | O_CREATE) as usize, 0);
    raw(SYS_WRITE, fd as usize, p, 1);
    close(fd);
    let fd = raw(SYS_OPEN, p, O_RDWR as usize, 0);
    poke(p, 0);
    raw(SYS_READ, fd as usize, p, 1);
    if peek(p) != b'x' {
        exit(1);
    }
}

/// Does sbrk handle signed int32 wrap-around with negative arguments?
pub fn sbrk8000(_s: &str) {
    sbrk(0x8000_0004u32 as i32);
    let top = sbrk(0);
    poke(top - 1, peek(top - 1).wrapping_add(1));
}

pub fn validatetest(s: &str) {
    let hi = 1100 * 1024;
    for p in (0..=hi).step_by(PGSIZE) {
        // Try to crash the kernel by passing in a bad string pointer.
        if raw(SYS_LINK, c"nosuchfile".as_ptr() as usize, p, 0) != -1 {
            die!("%s: link should not succeed\n", s);
        }
    }
}

/// There must be an invalid page beneath the user stack, to catch stack overflow.
pub fn stacktest(s: &str) {
    let pid = fork();
    if pid == 0 {
        let sp: usize;
        // SAFETY: reads the stack pointer only.
        unsafe { core::arch::asm!("mv {}, sp", out(reg) sp) };
        // This load should trap.
        die!("%s: stacktest: read below stack %p\n", s, peek(sp - PGSIZE));
    } else if pid < 0 {
        die!("%s: fork failed\n", s);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    if xstatus == -1 {
        // The kernel killed the child.
        exit(0);
    }
    exit(xstatus);
}

/// Allocate all memory with malloc, free it, and allocate again.
pub fn mem(_s: &str) {
    let pid = fork();
    if pid == 0 {
        let mut m1: *mut u8 = core::ptr::null_mut();
        loop {
            let m2 = malloc(10001);
            if m2.is_null() {
                break;
            }
            // SAFETY: m2 is a fresh 10001-byte block; its first word links the chain.
            unsafe { (m2 as *mut *mut u8).write(m1) };
            m1 = m2;
        }
        while !m1.is_null() {
            // SAFETY: m1 heads the chain of live blocks built above.
            let m2 = unsafe { (m1 as *mut *mut u8).read() };
            // SAFETY: m1 came from malloc and is freed once.
            unsafe { free(m1) };
            m1 = m2;
        }
        let m1 = malloc(1024 * 20);
        if m1.is_null() {
            die!("couldn't allocate mem?!!\n");
        }
        // SAFETY: m1 came from malloc.
        unsafe { free(m1) };
        exit(0);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    if xstatus == -1 {
        // Probably a page fault, so maybe the lazy lab: OK.
        exit(0);
    }
    exit(xstatus);
}
