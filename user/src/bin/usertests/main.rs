// usertests: the 2021 xv6 lab's system call tests. `usertests` runs all 62 in order,
// `usertests NAME` one of them, `-c`/`-C` loop forever; each test runs in a child and
// the runner prints OK or FAILED, then checks that no free pages were lost.
#![no_std]
#![no_main]

extern crate alloc;

mod files;
mod fs;
mod mem;
mod procs;

use ulib::*;

entry!(main);

/// Size of the shared scratch buffer: (MAXOPBLOCKS+2)*BSIZE.
pub const BUFSZ: usize = (abi::param::MAXOPBLOCKS + 2) * abi::fs::BSIZE;

static mut BUF: [u8; BUFSZ] = [0; BUFSZ];

/// The global scratch buffer `buf` of the C tests (each test runs in its own process).
#[allow(clippy::mut_from_ref)]
pub fn buf() -> &'static mut [u8; BUFSZ] {
    // SAFETY: single-threaded program; tests never hold two references at once.
    unsafe { &mut *core::ptr::addr_of_mut!(BUF) }
}

/// A system call with raw arguments, for the tests that hand the kernel bad pointers.
pub fn raw(n: usize, a0: usize, a1: usize, a2: usize) -> i32 {
    // SAFETY: the addresses are either the program's own buffers or ones the kernel
    // must reject; a kernel that writes through them fails the test visibly.
    unsafe { syscall(n, a0, a1, a2, 0, 0, 0) as i32 }
}

/// Prints like printf and exits with status 1.
#[macro_export]
macro_rules! die {
    ($($t:tt)*) => {{
        ulib::printf!($($t)*);
        ulib::exit(1)
    }};
}

/// A short file name built from bytes.
pub fn name(b: &[u8]) -> CStrBuf<32> {
    CStrBuf::from(b)
}

type Test = fn(&str);

const TESTS: &[(Test, &str)] = &[
    (mem::maxvaplus, "MAXVAplus"),
    (files::manywrites, "manywrites"),
    (mem::execout, "execout"),
    (mem::copyin, "copyin"),
    (mem::copyout, "copyout"),
    (mem::copyinstr1, "copyinstr1"),
    (mem::copyinstr2, "copyinstr2"),
    (mem::copyinstr3, "copyinstr3"),
    (mem::rwsbrk, "rwsbrk"),
    (files::truncate1, "truncate1"),
    (files::truncate2, "truncate2"),
    (files::truncate3, "truncate3"),
    (procs::reparent2, "reparent2"),
    (mem::pgbug, "pgbug"),
    (mem::sbrkbugs, "sbrkbugs"),
    (mem::badarg, "badarg"),
    (procs::reparent, "reparent"),
    (procs::twochildren, "twochildren"),
    (procs::forkfork, "forkfork"),
    (procs::forkforkfork, "forkforkfork"),
    (mem::argptest, "argptest"),
    (files::createdelete, "createdelete"),
    (files::linkunlink, "linkunlink"),
    (files::linktest, "linktest"),
    (files::unlinkread, "unlinkread"),
    (files::concreate, "concreate"),
    (fs::subdir, "subdir"),
    (files::fourfiles, "fourfiles"),
    (files::sharedfd, "sharedfd"),
    (fs::dirtest, "dirtest"),
    (procs::exectest, "exectest"),
    (procs::bigargtest, "bigargtest"),
    (files::bigwrite, "bigwrite"),
    (mem::bsstest, "bsstest"),
    (mem::sbrkbasic, "sbrkbasic"),
    (mem::sbrkmuch, "sbrkmuch"),
    (mem::kernmem, "kernmem"),
    (mem::sbrkfail, "sbrkfail"),
    (mem::sbrkarg, "sbrkarg"),
    (mem::sbrklast, "sbrklast"),
    (mem::sbrk8000, "sbrk8000"),
    (mem::validatetest, "validatetest"),
    (mem::stacktest, "stacktest"),
    (files::opentest, "opentest"),
    (files::writetest, "writetest"),
    (files::writebig, "writebig"),
    (files::createtest, "createtest"),
    (fs::openiputtest, "openiput"),
    (fs::exitiputtest, "exitiput"),
    (fs::iputtest, "iput"),
    (mem::mem, "mem"),
    (procs::pipe1, "pipe1"),
    (procs::killstatus, "killstatus"),
    (procs::preempt, "preempt"),
    (procs::exitwait, "exitwait"),
    (fs::rmdot, "rmdot"),
    (fs::fourteen, "fourteen"),
    (files::bigfile, "bigfile"),
    (fs::dirfile, "dirfile"),
    (fs::iref, "iref"),
    (procs::forktest, "forktest"),
    (fs::bigdir, "bigdir"), // slow
];

/// Runs f in a child process; true when the child exits with status 0.
fn run(f: Test, s: &str) -> bool {
    printf!("test %s: ", s);
    let pid = fork();
    if pid < 0 {
        printf!("runtest: fork error\n");
        exit(1);
    }
    if pid == 0 {
        f(s);
        exit(0);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    if xstatus != 0 {
        printf!("FAILED\n");
    } else {
        printf!("OK\n");
    }
    xstatus == 0
}

/// Counts free memory by having a child sbrk page after page until it fails, and
/// report each page through a pipe. Returns the number of pages.
fn countfree() -> i32 {
    let mut fds = [0i32; 2];
    if pipe(&mut fds) < 0 {
        printf!("pipe() failed in countfree()\n");
        exit(1);
    }
    let pid = fork();
    if pid < 0 {
        printf!("fork failed in countfree()\n");
        exit(1);
    }
    if pid == 0 {
        close(fds[0]);
        loop {
            let a = sbrk(4096);
            if a == usize::MAX {
                break;
            }
            // Modify the memory to make sure it's really allocated.
            // SAFETY: sbrk just gave us this page.
            unsafe { core::ptr::write_volatile((a + 4095) as *mut u8, 1) };
            // Report back one more page.
            if write(fds[1], b"x") != 1 {
                printf!("write() failed in countfree()\n");
                exit(1);
            }
        }
        exit(0);
    }
    close(fds[1]);
    let mut n = 0;
    loop {
        let mut c = [0u8];
        let cc = read(fds[0], &mut c);
        if cc < 0 {
            printf!("read() failed in countfree()\n");
            exit(1);
        }
        if cc == 0 {
            break;
        }
        n += 1;
    }
    close(fds[0]);
    wait(None);
    n
}

fn main(args: Args) -> i32 {
    let mut continuous = 0;
    let mut justone = None;
    if args.len() == 2 && args.arg(1) == b"-c" {
        continuous = 1;
    } else if args.len() == 2 && args.arg(1) == b"-C" {
        continuous = 2;
    } else if args.len() == 2 && args.arg(1).first() != Some(&b'-') {
        justone = Some(args.arg(1));
    } else if args.len() > 1 {
        printf!("Usage: usertests [-c] [testname]\n");
        exit(1);
    }

    if continuous != 0 {
        printf!("continuous usertests starting\n");
        loop {
            let free0 = countfree();
            if !TESTS.iter().all(|&(f, s)| run(f, s)) {
                printf!("SOME TESTS FAILED\n");
                if continuous != 2 {
                    exit(1);
                }
            }
            let free1 = countfree();
            if free1 < free0 {
                printf!("FAILED -- lost %d free pages\n", free0 - free1);
                if continuous != 2 {
                    exit(1);
                }
            }
        }
    }

    printf!("usertests starting\n");
    let free0 = countfree();
    let mut fail = false;
    for &(f, s) in TESTS {
        if justone.is_none_or(|j| j == s.as_bytes()) && !run(f, s) {
            fail = true;
        }
    }
    if fail {
        printf!("SOME TESTS FAILED\n");
        return 1;
    }
    let free1 = countfree();
    if free1 < free0 {
        printf!(
            "FAILED -- lost some free pages %d (out of %d)\n",
            free1,
            free0
        );
        return 1;
    }
    printf!("ALL TESTS PASSED\n");
    0
}
