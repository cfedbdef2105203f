// badcalls: bad input must fail cleanly: exec of files that are not programs, system
// calls with bad pointers (kernel, unmapped, guard page, at and above MAXVA, wrapping
// or straddling the end of memory), and children killed for touching bad addresses.
#![no_std]
#![no_main]

use abi::syscall::*;
use core::arch::global_asm;
use ulib::*;

entry!(main);

const PGSIZE: usize = 4096;
const KERNBASE: usize = 0x8000_0000;
const MAXVA: usize = 1 << 38;
const TRAMPOLINE: usize = MAXVA - PGSIZE;
const TRAPFRAME: usize = TRAMPOLINE - PGSIZE;
/// Far above this program's memory: never mapped.
const UNMAPPED: usize = 0x4000_0000;

// The faulting accesses, at addresses the host test finds in the symbol table.
global_asm!(
    ".section .text.badcalls_fault, \"ax\"",
    ".globl badcalls_load",
    "badcalls_load:",
    "ld a0, 0(a0)",
    "ret",
    ".globl badcalls_store",
    "badcalls_store:",
    "sd zero, 0(a0)",
    "ret",
);

extern "C" {
    fn badcalls_load(addr: usize) -> usize;
    fn badcalls_store(addr: usize);
}

fn fail(what: &str) -> ! {
    printf!("FAILED: %s\n", what);
    exit(1)
}

fn check(ok: bool, what: &str) {
    if !ok {
        fail(what);
    }
}

/// System call n with raw (possibly bad) arguments.
fn sys(n: usize, a0: usize, a1: usize, a2: usize) -> isize {
    // SAFETY: the kernel must reject bad pointers; good ones point to memory that
    // this program does not otherwise use while the call runs.
    unsafe { syscall(n, a0, a1, a2, 0, 0, 0) }
}

/// exec(path, argv) with a raw argv pointer.
fn exec_raw(path: usize, argv: usize) -> isize {
    sys(SYS_EXEC, path, argv, 0)
}

/// exec of files that are not programs fails and leaves this process running.
fn bad_exec() {
    let argv = [c"echo".as_ptr() as usize, 0];
    let argv = argv.as_ptr() as usize;
    for path in [c"README", c".", c"nosuchprogram"] {
        check(
            exec_raw(path.as_ptr() as usize, argv) == -1,
            "exec of a non-program",
        );
    }

    // An ELF cut after its header and part of the first program header.
    let mut head = [0u8; 100];
    let fd = open(c"/echo", O_RDONLY);
    check(fd >= 0, "open /echo");
    check(read(fd, &mut head) == 100, "read /echo");
    close(fd);
    check(head[..4] == *b"\x7fELF", "/echo is an ELF file");
    let fd = open(c"badelf", O_CREATE | O_WRONLY | O_TRUNC);
    check(fd >= 0 && write(fd, &head) == 100, "write badelf");
    close(fd);
    check(
        exec_raw(c"badelf".as_ptr() as usize, argv) == -1,
        "exec of a truncated ELF",
    );
    check(unlink(c"badelf") == 0, "unlink badelf");
    printf!("badcalls: exec ok\n");
}

/// Every system call that takes a pointer rejects `bad`, whose first byte is not
/// this process's. `file` is open read-write at its end, `rd` is README, `p` an
/// empty pipe; an exited child waits to be reaped.
fn bad_pointer(bad: usize, file: i32, rd: i32, p: [i32; 2], what: &str) {
    let fd = |f: i32| f as usize;
    check(sys(SYS_READ, fd(rd), bad, 16) == -1, what);
    check(sys(SYS_WRITE, fd(file), bad, 16) == -1, what);
    check(sys(SYS_FSTAT, fd(rd), bad, 0) == -1, what);
    check(sys(SYS_OPEN, bad, O_RDONLY as usize, 0) == -1, what);
    check(sys(SYS_OPEN, bad, O_CREATE as usize, 0) == -1, what);
    check(sys(SYS_MKDIR, bad, 0, 0) == -1, what);
    check(sys(SYS_CHDIR, bad, 0, 0) == -1, what);
    check(sys(SYS_UNLINK, bad, 0, 0) == -1, what);
    check(sys(SYS_LINK, bad, c"x".as_ptr() as usize, 0) == -1, what);
    check(
        sys(SYS_LINK, c"README".as_ptr() as usize, bad, 0) == -1,
        what,
    );
    check(sys(SYS_MKNOD, bad, 1, 0) == -1, what);
    check(sys(SYS_PIPE, bad, 0, 0) == -1, what);
    check(exec_raw(bad, [bad, 0].as_ptr() as usize) == -1, what);
    check(exec_raw(c"echo".as_ptr() as usize, bad) == -1, what);
    let argv = [c"echo".as_ptr() as usize, bad, 0];
    check(
        exec_raw(c"echo".as_ptr() as usize, argv.as_ptr() as usize) == -1,
        what,
    );
    check(sys(SYS_WAIT, bad, 0, 0) == -1, what);
    // Console and pipes return the bytes copied before the bad one, as in xv6.
    check(sys(SYS_WRITE, 1, bad, 16) == 0, what);
    check(sys(SYS_WRITE, fd(p[1]), bad, 16) == 0, what);
    check(write(p[1], b"abc") == 3, what);
    check(sys(SYS_READ, fd(p[0]), bad, 3) == 0, what);
    let mut abc = [0u8; 3];
    check(read(p[0], &mut abc) == 3 && abc == *b"abc", what);
}

/// System calls with bad pointers return -1 (console and pipe transfers 0) and leak
/// neither pages nor file descriptors; a failed wait leaves the zombie to a good one.
fn bad_pointers() {
    let base = freepages();
    let lowfd = dup(0);
    close(lowfd);
    let zombie = fork();
    if zombie == 0 {
        exit(7);
    }
    check(zombie > 0, "fork");
    let file = open(c"badcalls.tmp", O_CREATE | O_RDWR);
    check(
        file >= 0 && write(file, b"0123456789abcdef") == 16,
        "badcalls.tmp",
    );
    let rd = open(c"README", O_RDONLY);
    check(rd >= 0, "open README");
    let mut p = [0; 2];
    check(pipe(&mut p) == 0, "pipe");

    let local = 0u8;
    let guard = (&local as *const u8 as usize & !(PGSIZE - 1)) - PGSIZE;
    let bad = [
        (KERNBASE, "kernel address"),
        (KERNBASE + 0x10_0000, "kernel text"),
        (UNMAPPED, "unmapped address"),
        (guard, "guard page"),
        (TRAPFRAME, "trapframe"),
        (TRAMPOLINE, "trampoline"),
        (MAXVA, "MAXVA"),
        (MAXVA + PGSIZE, "above MAXVA"),
        (1 << 63, "non-canonical address"),
        (usize::MAX - 7, "wrapping the end of the address space"),
    ];
    for (addr, what) in bad {
        bad_pointer(addr, file, rd, p, what);
    }

    // Buffers and strings that start in this process's last page and run off its end.
    let old = sbrk(PGSIZE as i32);
    check(old != usize::MAX, "sbrk");
    let end = old + PGSIZE;
    let last = end - 8;
    // SAFETY: last..end is the end of the page sbrk just gave this process.
    unsafe { core::ptr::write_bytes(last as *mut u8, b'z', 8) };
    let what = "straddling the end of memory";
    check(sys(SYS_READ, rd as usize, last, 16) == -1, what);
    check(sys(SYS_WRITE, file as usize, last, 16) == -1, what);
    check(sys(SYS_FSTAT, rd as usize, last, 0) == -1, what);
    check(sys(SYS_OPEN, last, O_RDONLY as usize, 0) == -1, what);
    check(sys(SYS_PIPE, end - 4, 0, 0) == -1, what);
    check(sys(SYS_WAIT, end - 2, 0, 0) == -1, what);
    check(exec_raw(last, [last, 0].as_ptr() as usize) == -1, what);
    check(exec_raw(c"echo".as_ptr() as usize, last) == -1, what);
    check(sbrk(-(PGSIZE as i32)) == end, "sbrk shrink");

    let mut status = 0;
    check(
        wait(Some(&mut status)) == zombie && status == 7,
        "wait after bad waits",
    );
    let mut st = Stat::default();
    check(
        fstat(file, &mut st) == 0 && st.size == 16,
        "badcalls.tmp size",
    );
    for f in [file, rd, p[0], p[1]] {
        close(f);
    }
    let mut back = [0u8; 32];
    let f = open(c"badcalls.tmp", O_RDONLY);
    check(f >= 0 && read(f, &mut back) == 16, "badcalls.tmp read");
    check(back[..16] == *b"0123456789abcdef", "badcalls.tmp contents");
    close(f);
    check(unlink(c"badcalls.tmp") == 0, "unlink badcalls.tmp");
    check(dup(0) == lowfd, "file descriptors leaked");
    close(lowfd);
    check(freepages() == base, "pages leaked");
    printf!("badcalls: pointers ok\n");
}

/// A child that touches `addr` (by `how`) is killed with status -1.
fn killed(how: fn(usize), addr: usize) {
    let pid = fork();
    check(pid >= 0, "fork");
    if pid == 0 {
        how(addr);
        fail("a bad access did not kill the child");
    }
    let mut status = 0;
    check(
        wait(Some(&mut status)) == pid,
        "wait for the faulting child",
    );
    check(status == -1, "the faulting child's exit status");
}

fn load(addr: usize) {
    // SAFETY: deliberately bad: the kernel kills this process.
    unsafe { badcalls_load(addr) };
}

fn store(addr: usize) {
    // SAFETY: deliberately bad: the kernel kills this process.
    unsafe { badcalls_store(addr) };
}

fn jump(addr: usize) {
    // SAFETY: deliberately bad: fetching at addr faults and the kernel kills this process.
    let f: extern "C" fn() = unsafe { core::mem::transmute(addr) };
    f();
}

/// Loads, stores and jumps to addresses that are not the process's kill it, with
/// xv6's usertrap message; the kernel and this process carry on.
fn bad_accesses() {
    let base = freepages();
    let local = 0u8;
    let guard = (&local as *const u8 as usize & !(PGSIZE - 1)) - PGSIZE;
    killed(load, KERNBASE);
    killed(load, MAXVA);
    killed(load, 1 << 63);
    killed(store, guard);
    killed(store, TRAMPOLINE);
    killed(jump, UNMAPPED);
    check(freepages() == base, "pages leaked by killed children");
}

fn main(_args: Args) -> i32 {
    bad_exec();
    bad_pointers();
    bad_accesses();
    printf!("badcalls: ok\n");
    0
}
