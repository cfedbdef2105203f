// Process-related system calls: fork exit wait kill getpid sbrk sleep uptime,
// and the freepages and halt extensions.

use crate::chan::sleep;
use crate::kalloc::freepages;
use crate::printf::poweroff;
use crate::proc::{exit, fork, growproc, kill, myproc, wait};
use crate::syscall::{argaddr, argint};
use crate::trap::{ticks_chan, TICKS};

/// -1 as a system call result.
const ERR: u64 = u64::MAX;

pub fn sys_exit() -> u64 {
    exit(argint(0))
}

pub fn sys_getpid() -> u64 {
    myproc().pid() as u64
}

pub fn sys_fork() -> u64 {
    fork() as i64 as u64
}

pub fn sys_wait() -> u64 {
    wait(argaddr(0)) as i64 as u64
}

/// Grows (or shrinks) memory by n bytes; returns the old size, or -1.
pub fn sys_sbrk() -> u64 {
    let n = argint(0);
    let addr = myproc().data().sz;
    if growproc(n as isize).is_err() {
        return ERR;
    }
    addr as u64
}

/// Sleeps for n clock ticks; -1 if killed meanwhile.
pub fn sys_sleep() -> u64 {
    let n = argint(0).max(0) as u32;
    let mut ticks = TICKS.lock();
    let ticks0 = *ticks;
    while ticks.wrapping_sub(ticks0) < n {
        if myproc().killed() {
            return ERR;
        }
        ticks = sleep(ticks_chan(), ticks);
    }
    0
}

pub fn sys_kill() -> u64 {
    kill(argint(0)) as i64 as u64
}

/// Returns how many clock tick interrupts have occurred since start.
pub fn sys_uptime() -> u64 {
    *TICKS.lock() as u64
}

/// Extension: the number of free physical pages.
pub fn sys_freepages() -> u64 {
    freepages() as u64
}

/// Extension: powers the machine off with exit status n (0 is success).
pub fn sys_halt() -> u64 {
    poweroff(argint(0))
}
