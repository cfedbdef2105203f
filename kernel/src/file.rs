//! Open files: the system-wide file table, reference counted, and the device switch.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, Ordering};

use abi::fs::BSIZE;
use abi::param::{MAXOPBLOCKS, NDEV, NFILE};
use abi::stat::Stat;

use crate::fs::log::{begin_op, end_op};
use crate::fs::{ilock, iput, readi, stati, writei, InodeRef};
use crate::pipe::{pipeclose, piperead, pipewrite};
use crate::proc::myproc;
use crate::spinlock::SpinLock;
use crate::vm::copyout;

/// What an open file refers to.
pub enum FileKind {
    /// One end of pipe number .0 (see pipe.rs).
    Pipe(usize),
    /// A file or directory; reads and writes move the file offset.
    Inode(InodeRef),
    /// A device inode, read and written through devsw[major].
    Device { ip: InodeRef, major: i16 },
}

/// An open file (xv6's `struct file`, less the reference count, which lives
/// in the file table).
pub struct File {
    kind: FileKind,
    readable: bool,
    writable: bool,
    /// Offset of the next read or write (FileKind::Inode); only read or
    /// written while holding the inode's lock.
    off: AtomicU32,
}

impl File {
    /// Can the file be read?
    pub fn readable(&self) -> bool {
        self.readable
    }

    /// Can the file be written?
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// What the file refers to.
    pub fn kind(&self) -> &FileKind {
        &self.kind
    }
}

/// A counted reference to an open file (xv6's `struct file *`): obtained from
/// filealloc or filedup, given back with fileclose.
pub struct FileRef(usize);

/// Reference counts of the file table; a slot with count 0 is free.
static FTABLE: SpinLock<[u32; NFILE]> = SpinLock::new("ftable", [0; NFILE]);

/// The file table's entries. A slot is written only under FTABLE when its
/// count goes from 0 to 1 (filealloc) or from 1 to 0 (fileclose); while its
/// count is positive it does not change (but for the atomic offset), so the
/// holders of references read it freely.
struct FileSlot(UnsafeCell<Option<File>>);

// SAFETY: writes happen only under FTABLE with no references outstanding,
// as described above; otherwise the slot is shared read-only.
unsafe impl Sync for FileSlot {}

static FILES: [FileSlot; NFILE] = [const { FileSlot(UnsafeCell::new(None)) }; NFILE];

/// Reads up to n bytes from a device into dst (a user address if user_dst).
pub type DevRead = fn(user_dst: bool, dst: usize, n: usize) -> Result<usize, ()>;
/// Writes n bytes from src (a user address if user_src) to a device.
pub type DevWrite = fn(user_src: bool, src: usize, n: usize) -> Result<usize, ()>;

/// Map major device number to device functions.
#[derive(Clone, Copy)]
pub struct Devsw {
    pub read: DevRead,
    pub write: DevWrite,
}

static DEVSW: SpinLock<[Option<Devsw>; NDEV]> = SpinLock::new("devsw", [None; NDEV]);

/// Register the read and write functions of device `major` (consoleinit does
/// this for CONSOLE). Panics on a major number outside 0..NDEV.
pub fn devsw_register(major: usize, read: DevRead, write: DevWrite) {
    DEVSW.lock()[major] = Some(Devsw { read, write });
}

// The device functions for major, if registered.
fn devsw(major: i16) -> Option<Devsw> {
    let major = usize::try_from(major).ok()?;
    *DEVSW.lock().get(major)?
}

/// Initialise the file table (statically initialised; kept for xv6's boot order).
pub fn fileinit() {}

/// Allocate a file structure for kind, with one reference. When the table is
/// full, gives kind back (so that the caller can release what it holds).
pub fn filealloc(kind: FileKind, readable: bool, writable: bool) -> Result<FileRef, FileKind> {
    let mut ftable = FTABLE.lock();
    let Some(i) = ftable.iter().position(|&r| r == 0) else {
        return Err(kind);
    };
    ftable[i] = 1;
    let f = File {
        kind,
        readable,
        writable,
        off: AtomicU32::new(0),
    };
    // SAFETY: the count was 0, so nobody holds a reference to the slot, and
    // FTABLE is held.
    unsafe { *FILES[i].0.get() = Some(f) };
    Ok(FileRef(i))
}

impl FileRef {
    /// The open file.
    pub fn file(&self) -> &File {
        // SAFETY: this reference keeps the count positive, so the slot holds
        // a file and does not change (see FileSlot).
        match unsafe { &*FILES[self.0].0.get() } {
            Some(f) => f,
            None => panic!("file: empty slot"),
        }
    }
}

/// Increment the reference count for file f; returns the new reference.
pub fn filedup(f: &FileRef) -> FileRef {
    let mut ftable = FTABLE.lock();
    if ftable[f.0] < 1 {
        panic!("filedup");
    }
    ftable[f.0] += 1;
    FileRef(f.0)
}

/// Close file f: decrement the reference count, and release the pipe end or
/// inode when it reaches 0.
pub fn fileclose(f: FileRef) {
    let file = {
        let mut ftable = FTABLE.lock();
        if ftable[f.0] < 1 {
            panic!("fileclose");
        }
        ftable[f.0] -= 1;
        if ftable[f.0] > 0 {
            return;
        }
        // SAFETY: the count just fell to 0 (ours was the last reference) and
        // FTABLE is held, so nobody else reads or writes the slot.
        unsafe { (*FILES[f.0].0.get()).take() }
    };
    let Some(file) = file else {
        panic!("fileclose: empty slot");
    };
    match file.kind {
        FileKind::Pipe(pi) => pipeclose(pi, file.writable),
        FileKind::Inode(ip) | FileKind::Device { ip, .. } => {
            begin_op();
            iput(ip);
            end_op();
        }
    }
}

/// The 24 bytes of xv6's `struct stat` for st.
pub fn stat_bytes(st: &Stat) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[0..4].copy_from_slice(&st.dev.to_le_bytes());
    b[4..8].copy_from_slice(&st.ino.to_le_bytes());
    b[8..10].copy_from_slice(&st.typ.to_le_bytes());
    b[10..12].copy_from_slice(&st.nlink.to_le_bytes());
    b[16..24].copy_from_slice(&st.size.to_le_bytes());
    b
}

/// Get metadata about file f into the struct stat at user address addr.
/// Err for a pipe or a bad address.
pub fn filestat(f: &FileRef, addr: usize) -> Result<(), ()> {
    match &f.file().kind {
        FileKind::Inode(ip) | FileKind::Device { ip, .. } => {
            let st = stati(&ilock(ip));
            copyout(myproc().data().pagetable, addr, &stat_bytes(&st))
        }
        FileKind::Pipe(_) => Err(()),
    }
}

/// Read up to n bytes from file f to user virtual address addr. Returns the
/// number of bytes read (0 at end of file), or Err.
pub fn fileread(f: &FileRef, addr: usize, n: usize) -> Result<usize, ()> {
    let file = f.file();
    if !file.readable {
        return Err(());
    }
    match &file.kind {
        FileKind::Pipe(pi) => piperead(*pi, addr, n),
        FileKind::Device { major, .. } => (devsw(*major).ok_or(())?.read)(true, addr, n),
        FileKind::Inode(ip) => {
            let mut g = ilock(ip);
            let off = file.off.load(Ordering::Relaxed);
            let r = readi(&mut g, true, addr, off, n.min(u32::MAX as usize) as u32)?;
            file.off.store(off + r as u32, Ordering::Relaxed);
            Ok(r)
        }
    }
}

/// Write n bytes from user virtual address addr to file f. Returns n, or Err
/// if not everything could be written.
pub fn filewrite(f: &FileRef, addr: usize, n: usize) -> Result<usize, ()> {
    let file = f.file();
    if !file.writable {
        return Err(());
    }
    match &file.kind {
        FileKind::Pipe(pi) => pipewrite(*pi, addr, n),
        FileKind::Device { major, .. } => (devsw(*major).ok_or(())?.write)(true, addr, n),
        FileKind::Inode(ip) => {
            // write a few blocks at a time to avoid exceeding the maximum log
            // transaction size, including i-node, indirect block, allocation
            // blocks, and 2 blocks of slop for non-aligned writes.
            let max = ((MAXOPBLOCKS - 1 - 1 - 2) / 2) * BSIZE;
            let mut i = 0;
            while i < n {
                let n1 = (n - i).min(max);
                begin_op();
                let mut g = ilock(ip);
                let off = file.off.load(Ordering::Relaxed);
                let r = writei(&mut g, true, addr.wrapping_add(i), off, n1 as u32);
                if let Ok(r) = r {
                    file.off.store(off + r as u32, Ordering::Relaxed);
                }
                drop(g);
                end_op();
                if r != Ok(n1) {
                    // error from writei
                    return Err(());
                }
                i += n1;
            }
            Ok(n)
        }
    }
}
