// System call dispatch, and fetching system call arguments from user space.

use abi::syscall::*;

use crate::proc::myproc;
use crate::sysfile::*;
use crate::sysproc::*;
use crate::vm::{copyin, copyinstr};

/// Fetches the usize at `addr` from the current process. Err if `addr` is
/// outside the process's memory.
pub fn fetchaddr(addr: usize) -> Result<usize, ()> {
    let d = myproc().data();
    // both tests needed, in case of overflow
    if addr >= d.sz
        || addr
            .checked_add(core::mem::size_of::<usize>())
            .is_none_or(|e| e > d.sz)
    {
        return Err(());
    }
    let mut b = [0u8; 8];
    copyin(d.pagetable, &mut b, addr)?;
    Ok(usize::from_ne_bytes(b))
}

/// Fetches the NUL-terminated string at `addr` from the current process into
/// `buf`. Returns the length of the string, not including the NUL; Err on a
/// bad address or a string that does not fit.
pub fn fetchstr(addr: usize, buf: &mut [u8]) -> Result<usize, ()> {
    copyinstr(myproc().data().pagetable, buf, addr)
}

/// The raw value of system call argument `n` (0..=5).
fn argraw(n: usize) -> usize {
    let tf = myproc().data().tf();
    match n {
        0 => tf.a0,
        1 => tf.a1,
        2 => tf.a2,
        3 => tf.a3,
        4 => tf.a4,
        5 => tf.a5,
        _ => panic!("argraw"),
    }
}

/// Fetches the nth 32-bit system call argument.
pub fn argint(n: usize) -> i32 {
    argraw(n) as i32
}

/// Retrieves an argument as a pointer. Doesn't check for legality, since
/// copyin/copyout will do that.
pub fn argaddr(n: usize) -> usize {
    argraw(n)
}

/// Fetches the nth word-sized system call argument as a NUL-terminated string
/// into `buf`. Returns the string length (without NUL); Err if bad or too long.
pub fn argstr(n: usize, buf: &mut [u8]) -> Result<usize, ()> {
    fetchstr(argaddr(n), buf)
}

/// A system call handler: its result goes to the user's a0 (-1 as u64::MAX).
type Handler = fn() -> u64;

/// The handler for system call `num`, if there is one.
fn handler(num: usize) -> Option<Handler> {
    Some(match num {
        SYS_FORK => sys_fork,
        SYS_EXIT => sys_exit,
        SYS_WAIT => sys_wait,
        SYS_PIPE => sys_pipe,
        SYS_READ => sys_read,
        SYS_KILL => sys_kill,
        SYS_EXEC => sys_exec,
        SYS_FSTAT => sys_fstat,
        SYS_CHDIR => sys_chdir,
        SYS_DUP => sys_dup,
        SYS_GETPID => sys_getpid,
        SYS_SBRK => sys_sbrk,
        SYS_SLEEP => sys_sleep,
        SYS_UPTIME => sys_uptime,
        SYS_OPEN => sys_open,
        SYS_WRITE => sys_write,
        SYS_MKNOD => sys_mknod,
        SYS_UNLINK => sys_unlink,
        SYS_LINK => sys_link,
        SYS_MKDIR => sys_mkdir,
        SYS_CLOSE => sys_close,
        SYS_FREEPAGES => sys_freepages,
        SYS_HALT => sys_halt,
        _ => return None,
    })
}

/// Runs the system call the current process asked for (number in a7) and
/// stores its result in a0. Unknown numbers print a message and return -1.
pub fn syscall() {
    let p = myproc();
    let tf = p.data().tf();
    let num = tf.a7;
    match handler(num) {
        Some(f) => {
            let r = f();
            // exec replaces the trapframe's registers; p's tf is still the one to write.
            p.data().tf().a0 = r as usize;
        }
        None => {
            crate::println!(
                "{} {}: unknown sys call {}",
                p.pid(),
                p.data().name_str(),
                num
            );
            tf.a0 = usize::MAX;
        }
    }
}
