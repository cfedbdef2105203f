//! Pipes: a PIPESIZE-byte ring buffer between a read end and a write end.

use abi::param::NFILE;

use crate::chan::{sleep, wakeup};
use crate::file::{filealloc, fileclose, FileKind, FileRef};
use crate::proc::myproc;
use crate::riscv::PGSIZE;
use crate::spinlock::SpinLock;
use crate::vm::{copyin, copyout};

/// Bytes buffered in a pipe.
pub const PIPESIZE: usize = 512;

/// Pipes in the system: each one holds two file table entries, so the file
/// table runs out first.
const NPIPE: usize = NFILE / 2;

struct Pipe {
    /// Is this slot allocated (some end still open)?
    inuse: bool,
    data: [u8; PIPESIZE],
    /// number of bytes read (wraps)
    nread: u32,
    /// number of bytes written (wraps)
    nwrite: u32,
    /// read fd is still open
    readopen: bool,
    /// write fd is still open
    writeopen: bool,
}

static PIPES: [SpinLock<Pipe>; NPIPE] = [const {
    SpinLock::new(
        "pipe",
        Pipe {
            inuse: false,
            data: [0; PIPESIZE],
            nread: 0,
            nwrite: 0,
            readopen: false,
            writeopen: false,
        },
    )
}; NPIPE];

// Sleep channels: readers wait on nread, writers on nwrite, as in xv6.
fn read_chan(pi: usize) -> usize {
    core::ptr::addr_of!(PIPES[pi]) as usize
}

fn write_chan(pi: usize) -> usize {
    read_chan(pi) + 1
}

/// Create a pipe: returns its read end and its write end, or Err when out of
/// pipes or file table entries.
pub fn pipealloc() -> Result<(FileRef, FileRef), ()> {
    let pi = PIPES
        .iter()
        .position(|p| {
            let mut g = p.lock();
            if g.inuse {
                return false;
            }
            g.inuse = true;
            g.readopen = true;
            g.writeopen = true;
            g.nread = 0;
            g.nwrite = 0;
            true
        })
        .ok_or(())?;
    let Ok(f0) = filealloc(FileKind::Pipe(pi), true, false) else {
        pipeclose(pi, false);
        pipeclose(pi, true);
        return Err(());
    };
    let Ok(f1) = filealloc(FileKind::Pipe(pi), false, true) else {
        fileclose(f0);
        pipeclose(pi, true);
        return Err(());
    };
    Ok((f0, f1))
}

/// Close one end of pipe pi; the pipe is freed when both ends are closed.
pub fn pipeclose(pi: usize, writable: bool) {
    let mut p = PIPES[pi].lock();
    if writable {
        p.writeopen = false;
        wakeup(read_chan(pi));
    } else {
        p.readopen = false;
        wakeup(write_chan(pi));
    }
    if !p.readopen && !p.writeopen {
        p.inuse = false;
    }
}

/// Write n bytes from user address addr into pipe pi, sleeping while it is
/// full. Returns the number of bytes written (fewer than n if addr becomes
/// bad), or Err if the read end is closed or the process is killed.
pub fn pipewrite(pi: usize, addr: usize, n: usize) -> Result<usize, ()> {
    let pr = myproc();
    let mut i = 0;
    let mut p = PIPES[pi].lock();
    while i < n {
        if !p.readopen || pr.killed() {
            return Err(());
        }
        let used = p.nwrite.wrapping_sub(p.nread) as usize;
        if used == PIPESIZE {
            wakeup(read_chan(pi));
            p = sleep(write_chan(pi), p);
        } else {
            // copy a run that stays within the ring, the free space and one user page.
            let start = p.nwrite as usize % PIPESIZE;
            let src = addr.wrapping_add(i);
            let m = (n - i)
                .min(PIPESIZE - used)
                .min(PIPESIZE - start)
                .min(PGSIZE - src % PGSIZE);
            if copyin(pr.data().pagetable, &mut p.data[start..start + m], src).is_err() {
                break;
            }
            p.nwrite = p.nwrite.wrapping_add(m as u32);
            i += m;
        }
    }
    wakeup(read_chan(pi));
    Ok(i)
}

/// Read up to n bytes from pipe pi to user address addr, sleeping while it is
/// empty and the write end open. Returns the number of bytes read (0 at end of
/// file), or Err if the process is killed while waiting.
pub fn piperead(pi: usize, addr: usize, n: usize) -> Result<usize, ()> {
    let pr = myproc();
    let mut p = PIPES[pi].lock();
    while p.nread == p.nwrite && p.writeopen {
        if pr.killed() {
            return Err(());
        }
        p = sleep(read_chan(pi), p);
    }
    let mut i = 0;
    while i < n && p.nread != p.nwrite {
        // copy a run that stays within the ring, the data and one user page.
        let start = p.nread as usize % PIPESIZE;
        let avail = p.nwrite.wrapping_sub(p.nread) as usize;
        let dst = addr.wrapping_add(i);
        let m = (n - i)
            .min(avail)
            .min(PIPESIZE - start)
            .min(PGSIZE - dst % PGSIZE);
        if copyout(pr.data().pagetable, dst, &p.data[start..start + m]).is_err() {
            break;
        }
        p.nread = p.nread.wrapping_add(m as u32);
        i += m;
    }
    wakeup(write_chan(pi));
    Ok(i)
}
