// System call stubs: one ecall, and a typed wrapper per xv6 system call.

use abi::stat::Stat;
use abi::syscall::*;
#[cfg(target_arch = "riscv64")]
use core::arch::asm;
use core::ffi::CStr;

/// Traps into the kernel with system call `n` and arguments a0..a5; returns a0.
///
/// # Safety
/// The kernel may write through any pointer argument: the caller vouches that such
/// writes cannot break the program's own memory (tests pass deliberately bad pointers).
#[cfg(target_arch = "riscv64")]
#[inline(always)]
pub unsafe fn syscall(
    n: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> isize {
    let ret: isize;
    // SAFETY: the caller upholds the contract above; ecall clobbers only a0.
    unsafe {
        asm!("ecall", inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2, in("a3") a3,
             in("a4") a4, in("a5") a5, in("a7") n, options(nostack));
    }
    ret
}

/// On a host build (unit tests) there is no kernel: every system call fails with -1.
///
/// # Safety
/// Always safe; unsafe only to match the riscv64 signature.
#[cfg(not(target_arch = "riscv64"))]
pub unsafe fn syscall(
    _n: usize,
    _a0: usize,
    _a1: usize,
    _a2: usize,
    _a3: usize,
    _a4: usize,
    _a5: usize,
) -> isize {
    -1
}

fn sys0(n: usize) -> i32 {
    // SAFETY: no pointer arguments.
    unsafe { syscall(n, 0, 0, 0, 0, 0, 0) as i32 }
}

fn sys1(n: usize, a0: usize) -> i32 {
    // SAFETY: callers pass pointers only to memory the kernel may read or fill.
    unsafe { syscall(n, a0, 0, 0, 0, 0, 0) as i32 }
}

fn sys2(n: usize, a0: usize, a1: usize) -> i32 {
    // SAFETY: callers pass pointers only to memory the kernel may read or fill.
    unsafe { syscall(n, a0, a1, 0, 0, 0, 0) as i32 }
}

fn sys3(n: usize, a0: usize, a1: usize, a2: usize) -> i32 {
    // SAFETY: callers pass pointers only to memory the kernel may read or fill.
    unsafe { syscall(n, a0, a1, a2, 0, 0, 0) as i32 }
}

/// Creates a process; returns the child's pid to the parent, 0 to the child, -1 on failure.
pub fn fork() -> i32 {
    sys0(SYS_FORK)
}

/// Ends the calling process with `status` (a full int, as wait sees it).
pub fn exit(status: i32) -> ! {
    sys1(SYS_EXIT, status as isize as usize);
    unreachable!()
}

/// Waits for a child to exit; stores its status in `status` when given. Returns the
/// child's pid, or -1 when there is no child.
pub fn wait(status: Option<&mut i32>) -> i32 {
    let p = status.map_or(0, |s| s as *mut i32 as usize);
    sys1(SYS_WAIT, p)
}

/// Creates a pipe: fds[0] is the read end, fds[1] the write end. Returns 0 or -1.
pub fn pipe(fds: &mut [i32; 2]) -> i32 {
    sys1(SYS_PIPE, fds.as_mut_ptr() as usize)
}

/// Reads up to buf.len() bytes; returns the count, 0 at end of file, -1 on error.
pub fn read(fd: i32, buf: &mut [u8]) -> i32 {
    sys3(SYS_READ, fd as usize, buf.as_mut_ptr() as usize, buf.len())
}

/// Writes buf; returns the count written or -1.
pub fn write(fd: i32, buf: &[u8]) -> i32 {
    sys3(SYS_WRITE, fd as usize, buf.as_ptr() as usize, buf.len())
}

/// Closes a file descriptor; returns 0 or -1.
pub fn close(fd: i32) -> i32 {
    sys1(SYS_CLOSE, fd as usize)
}

/// Marks process `pid` killed; returns 0 or -1 when there is no such process.
pub fn kill(pid: i32) -> i32 {
    sys1(SYS_KILL, pid as usize)
}

/// Replaces the process image with program `path` and arguments `argv` (at most
/// MAXARG of them); returns -1 on failure and does not return on success.
pub fn exec(path: &CStr, argv: &[&CStr]) -> i32 {
    let mut ptrs = [core::ptr::null::<u8>(); abi::param::MAXARG + 1];
    if argv.len() > abi::param::MAXARG {
        return -1;
    }
    for (p, a) in ptrs.iter_mut().zip(argv) {
        *p = a.as_ptr().cast();
    }
    sys2(SYS_EXEC, path.as_ptr() as usize, ptrs.as_ptr() as usize)
}

/// Opens (or with O_CREATE creates) `path`; returns a file descriptor or -1.
pub fn open(path: &CStr, flags: u32) -> i32 {
    sys2(SYS_OPEN, path.as_ptr() as usize, flags as usize)
}

/// Creates a device file; returns 0 or -1.
pub fn mknod(path: &CStr, major: i16, minor: i16) -> i32 {
    sys3(
        SYS_MKNOD,
        path.as_ptr() as usize,
        major as usize,
        minor as usize,
    )
}

/// Removes a directory entry; returns 0 or -1.
pub fn unlink(path: &CStr) -> i32 {
    sys1(SYS_UNLINK, path.as_ptr() as usize)
}

/// Fills `st` with the metadata of the open file `fd`; returns 0 or -1.
pub fn fstat(fd: i32, st: &mut Stat) -> i32 {
    sys2(SYS_FSTAT, fd as usize, st as *mut Stat as usize)
}

/// Makes `new` another name for `old`; returns 0 or -1.
pub fn link(old: &CStr, new: &CStr) -> i32 {
    sys2(SYS_LINK, old.as_ptr() as usize, new.as_ptr() as usize)
}

/// Creates a directory; returns 0 or -1.
pub fn mkdir(path: &CStr) -> i32 {
    sys1(SYS_MKDIR, path.as_ptr() as usize)
}

/// Changes the current directory; returns 0 or -1.
pub fn chdir(path: &CStr) -> i32 {
    sys1(SYS_CHDIR, path.as_ptr() as usize)
}

/// Duplicates `fd` onto the lowest free descriptor; returns it or -1.
pub fn dup(fd: i32) -> i32 {
    sys1(SYS_DUP, fd as usize)
}

/// The calling process's pid.
pub fn getpid() -> i32 {
    sys0(SYS_GETPID)
}

/// Grows (or with n < 0 shrinks) memory by n bytes; returns the old break, or
/// usize::MAX (xv6's (char*)-1) on failure.
pub fn sbrk(n: i32) -> usize {
    // SAFETY: no pointer arguments.
    unsafe { syscall(SYS_SBRK, n as isize as usize, 0, 0, 0, 0, 0) as usize }
}

/// Sleeps for n clock ticks; returns 0, or -1 when killed meanwhile.
pub fn sleep(n: i32) -> i32 {
    sys1(SYS_SLEEP, n as usize)
}

/// Clock ticks since boot.
pub fn uptime() -> i32 {
    sys0(SYS_UPTIME)
}

/// rvcow extension: the number of free physical pages (-1 on a kernel without it).
pub fn freepages() -> i32 {
    sys0(SYS_FREEPAGES)
}

/// rvcow extension: powers the machine off with `status` (returns -1 on a kernel without it).
pub fn halt(status: i32) -> i32 {
    sys1(SYS_HALT, status as usize)
}
