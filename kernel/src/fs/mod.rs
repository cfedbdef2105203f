//! File system implementation: blocks, inodes, directories and path names.
//!
//! Five layers:
//!   + Blocks: allocator for raw disk blocks.
//!   + Log: crash recovery for multi-step updates (log.rs).
//!   + Files: inode allocator, reading, writing, metadata.
//!   + Directories: inode with special contents (list of other inodes!)
//!   + Names: paths like /usr/rtm/xv6/fs.c for convenient naming.
//!
//! This file contains the low-level file system manipulation routines. The
//! (higher-level) system call implementations are in sysfile.rs.

pub mod bio;
pub mod log;

use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicBool, Ordering};

use abi::fs::{bblock, iblock, Dinode, Dirent, SuperBlock, BPB, BSIZE, DIRSIZ, FSMAGIC, IPB};
use abi::fs::{MAXFILE, NDIRECT, NINDIRECT, ROOTINO};
use abi::param::{MAXOPBLOCKS, NINODE, ROOTDEV};
use abi::stat::{Stat, T_DIR};

use self::bio::{bread, brelse};
use self::log::{initlog, log_write};
use crate::proc::{either_copyin, either_copyout, myproc};
use crate::sleeplock::{SleepLock, SleepLockGuard};
use crate::spinlock::SpinLock;

/// Bytes in an on-disk directory entry.
pub const DIRENT_SIZE: usize = core::mem::size_of::<Dirent>();
/// Bytes in an on-disk inode.
const DINODE_SIZE: usize = core::mem::size_of::<Dinode>();

/// There should be one superblock per disk device, but we run with only one device.
static SB: SpinLock<SuperBlock> = SpinLock::new(
    "sb",
    SuperBlock {
        magic: 0,
        size: 0,
        nblocks: 0,
        ninodes: 0,
        nlog: 0,
        logstart: 0,
        inodestart: 0,
        bmapstart: 0,
    },
);

// A copy of the superblock (it does not change after fsinit).
fn sb() -> SuperBlock {
    *SB.lock()
}

fn get_u16(d: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([d[off], d[off + 1]])
}

fn get_u32(d: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([d[off], d[off + 1], d[off + 2], d[off + 3]])
}

fn put_u32(d: &mut [u8], off: usize, v: u32) {
    d[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

// Decode the superblock from the bytes of block 1.
fn decode_sb(d: &[u8]) -> SuperBlock {
    SuperBlock {
        magic: get_u32(d, 0),
        size: get_u32(d, 4),
        nblocks: get_u32(d, 8),
        ninodes: get_u32(d, 12),
        nlog: get_u32(d, 16),
        logstart: get_u32(d, 20),
        inodestart: get_u32(d, 24),
        bmapstart: get_u32(d, 28),
    }
}

// Decode an on-disk inode from its 64 bytes.
fn decode_dinode(d: &[u8]) -> Dinode {
    let mut addrs = [0; NDIRECT + 1];
    for (i, a) in addrs.iter_mut().enumerate() {
        *a = get_u32(d, 12 + 4 * i);
    }
    Dinode {
        typ: get_u16(d, 0) as i16,
        major: get_u16(d, 2) as i16,
        minor: get_u16(d, 4) as i16,
        nlink: get_u16(d, 6) as i16,
        size: get_u32(d, 8),
        addrs,
    }
}

// Encode an inode into its 64 on-disk bytes.
fn encode_dinode(di: &Dinode, d: &mut [u8]) {
    d[0..2].copy_from_slice(&di.typ.to_le_bytes());
    d[2..4].copy_from_slice(&di.major.to_le_bytes());
    d[4..6].copy_from_slice(&di.minor.to_le_bytes());
    d[6..8].copy_from_slice(&di.nlink.to_le_bytes());
    put_u32(d, 8, di.size);
    for (i, &a) in di.addrs.iter().enumerate() {
        put_u32(d, 12 + 4 * i, a);
    }
}

/// Read the super block of dev, check it, and start the log (recovering a
/// committed transaction left by a crash). Panics on an invalid file system.
pub fn fsinit(dev: u32) {
    let sb = {
        let bp = bread(dev, 1);
        decode_sb(bp.data())
    };
    if sb.magic != FSMAGIC {
        panic!("invalid file system");
    }
    let disk_blocks = crate::virtio_disk::virtio_disk_capacity() / (BSIZE as u64 / 512);
    if let Err(why) = check_sb(&sb, disk_blocks) {
        panic!("invalid file system: {}", why);
    }
    *SB.lock() = sb;
    initlog(dev, &sb);
}

/// Check that the regions the superblock describes lie in order inside the
/// file system, and the file system inside the disk's `disk_blocks`: boot
/// block, superblock, log (a header and at least one system call's blocks),
/// inodes (the root's among them), bitmap (a bit for every block), data.
fn check_sb(sb: &SuperBlock, disk_blocks: u64) -> Result<(), &'static str> {
    let size = sb.size as u64;
    let log_end = sb.logstart as u64 + sb.nlog as u64;
    let inode_blocks = (sb.ninodes as u64).div_ceil(IPB as u64);
    let bitmap_blocks = size.div_ceil(BPB as u64);
    if size > disk_blocks {
        return Err("size larger than the disk");
    }
    if sb.nblocks > sb.size {
        return Err("more data blocks than blocks");
    }
    if sb.ninodes <= ROOTINO {
        return Err("no root inode");
    }
    if sb.logstart < 2 || (sb.nlog as usize) <= MAXOPBLOCKS {
        return Err("bad log");
    }
    if log_end > sb.inodestart as u64 {
        return Err("log overlaps the inodes");
    }
    if sb.inodestart as u64 + inode_blocks > sb.bmapstart as u64 {
        return Err("inodes overlap the bitmap");
    }
    if sb.bmapstart as u64 + bitmap_blocks > size - sb.nblocks as u64 {
        return Err("bitmap overlaps the data blocks");
    }
    Ok(())
}

// Zero a block.
fn bzero(dev: u32, bno: u32) {
    let mut bp = bread(dev, bno);
    bp.data_mut().fill(0);
    log_write(&bp);
}

// Blocks.

// Allocate a zeroed disk block. Returns None if out of disk space.
fn balloc(dev: u32) -> Option<u32> {
    let sb = sb();
    for b in (0..sb.size).step_by(BPB) {
        let mut bp = bread(dev, bblock(b, &sb));
        for bi in 0..(BPB as u32).min(sb.size - b) {
            let m = 1u8 << (bi % 8);
            let byte = &mut bp.data_mut()[bi as usize / 8];
            if *byte & m == 0 {
                // Is block free?
                if b + bi < sb.size - sb.nblocks {
                    panic!("balloc: the bitmap frees metadata block {}", b + bi);
                }
                *byte |= m; // Mark block in use.
                log_write(&bp);
                brelse(bp);
                bzero(dev, b + bi);
                return Some(b + bi);
            }
        }
    }
    crate::println!("balloc: out of blocks");
    None
}

// Free a disk block.
fn bfree(dev: u32, b: u32) {
    let sb = sb();
    let mut bp = bread(dev, bblock(b, &sb));
    let bi = b as usize % BPB;
    let m = 1u8 << (bi % 8);
    let byte = &mut bp.data_mut()[bi / 8];
    if *byte & m == 0 {
        panic!("freeing free block");
    }
    *byte &= !m;
    log_write(&bp);
}

// Inodes.
//
// An inode describes a single unnamed file. The inode disk structure holds
// metadata: the file's type, its size, the number of links referring to it,
// and the list of blocks holding the file's content.
//
// The inodes are laid out sequentially on disk at sb.inodestart. Each inode
// has a number, indicating its position on the disk.
//
// The kernel keeps a table of in-use inodes in memory to provide a place for
// synchronizing access to inodes used by multiple processes. The in-memory
// inodes include book-keeping information that is not stored on disk: the
// reference count and valid.
//
// An inode and its in-memory representation go through a sequence of states
// before they can be used by the rest of the file system code.
//
// * Allocation: an inode is allocated if its type (on disk) is non-zero.
//   ialloc() allocates, and iput() frees if the reference and link counts
//   have fallen to zero.
//
// * Referencing in table: an entry in the inode table is free if its
//   reference count is zero. Otherwise it tracks the number of in-memory
//   pointers to the entry (open files and current directories). iget() finds
//   or creates a table entry and increments its count; iput() decrements it.
//
// * Valid: the information (type, size, &c) in an inode table entry is only
//   correct when valid is true. ilock() reads the inode from the disk and
//   sets valid, while iput() clears valid if the reference count has fallen
//   to zero.
//
// * Locked: file system code may only examine and modify the information in
//   an inode and its content if it has first locked the inode.
//
// Thus a typical sequence is:
//   let ip = iget(dev, inum)?;
//   let mut g = ilock(&ip);
//   ... examine and modify g.xxx ...
//   iunlock(g);
//   iput(ip);
//
// ilock() is separate from iget() so that system calls can get a long-term
// reference to an inode (as for an open file) and only lock it for short
// periods (e.g., in read()). The separation also helps avoid deadlock and
// races during pathname lookup. iget() increments the reference count so
// that the inode stays in the table and pointers to it remain valid.
//
// The ITABLE lock protects the allocation of table entries: dev, inum and the
// reference count. Each entry's sleep lock protects its copy of the disk
// inode; VALID is cleared under ITABLE while nobody holds the entry.

#[derive(Clone, Copy)]
struct InodeMeta {
    dev: u32,
    inum: u32,
    refcnt: u32,
}

static ITABLE: SpinLock<[InodeMeta; NINODE]> = SpinLock::new(
    "itable",
    [InodeMeta {
        dev: 0,
        inum: 0,
        refcnt: 0,
    }; NINODE],
);

const DINODE0: Dinode = Dinode {
    typ: 0,
    major: 0,
    minor: 0,
    nlink: 0,
    size: 0,
    addrs: [0; NDIRECT + 1],
};

/// Copies of the disk inodes, each under its entry's sleep lock.
static INODES: [SleepLock<Dinode>; NINODE] = [const { SleepLock::new("inode", DINODE0) }; NINODE];

/// Has the entry's inode been read from disk?
static VALID: [AtomicBool; NINODE] = [const { AtomicBool::new(false) }; NINODE];

/// A counted reference to an in-memory inode (xv6's `struct inode *`).
/// Obtained from iget/idup/namei/ialloc; must be given back with iput.
pub struct InodeRef {
    idx: usize,
    dev: u32,
    inum: u32,
}

impl InodeRef {
    /// Inode number.
    pub fn inum(&self) -> u32 {
        self.inum
    }

    /// Device number.
    pub fn dev(&self) -> u32 {
        self.dev
    }
}

/// A locked inode: its metadata (type, size, addrs...) read from disk, changeable
/// in place (call iupdate to write changes back). Unlocks when dropped.
pub struct InodeGuard {
    dev: u32,
    inum: u32,
    d: SleepLockGuard<'static, Dinode>,
}

impl InodeGuard {
    /// Inode number.
    pub fn inum(&self) -> u32 {
        self.inum
    }

    /// Device number.
    pub fn dev(&self) -> u32 {
        self.dev
    }
}

impl Deref for InodeGuard {
    type Target = Dinode;
    fn deref(&self) -> &Dinode {
        &self.d
    }
}

impl DerefMut for InodeGuard {
    fn deref_mut(&mut self) -> &mut Dinode {
        &mut self.d
    }
}

/// Initialise the inode table (statically initialised; kept for xv6's boot order).
pub fn iinit() {}

/// Allocate an inode on device dev, marking it allocated by giving it type
/// typ. Returns an unlocked but allocated and referenced inode, or None if
/// there is no free inode (on disk or in the table).
pub fn ialloc(dev: u32, typ: i16) -> Option<InodeRef> {
    let sb = sb();
    for inum in 1..sb.ninodes {
        let mut bp = bread(dev, iblock(inum, &sb));
        let off = (inum as usize % IPB) * DINODE_SIZE;
        let dip = &mut bp.data_mut()[off..off + DINODE_SIZE];
        if get_u16(dip, 0) == 0 {
            // a free inode
            let di = Dinode { typ, ..DINODE0 };
            encode_dinode(&di, dip);
            log_write(&bp); // mark it allocated on the disk
            brelse(bp);
            return iget(dev, inum);
        }
    }
    crate::println!("ialloc: no inodes");
    None
}

/// Copy a modified in-memory inode to disk. Must be called after every change
/// to a field that lives on disk, inside a transaction.
pub fn iupdate(ip: &InodeGuard) {
    let sb = sb();
    let mut bp = bread(ip.dev, iblock(ip.inum, &sb));
    let off = (ip.inum as usize % IPB) * DINODE_SIZE;
    encode_dinode(&ip.d, &mut bp.data_mut()[off..off + DINODE_SIZE]);
    log_write(&bp);
}

/// Find the inode with number inum on device dev and return a reference to
/// its in-memory copy, without locking it or reading it from disk. Returns
/// None (and prints a message) when the inode table is full.
pub fn iget(dev: u32, inum: u32) -> Option<InodeRef> {
    let mut itable = ITABLE.lock();

    // Is the inode already in the table?
    let mut empty = None;
    for (idx, m) in itable.iter_mut().enumerate() {
        if m.refcnt > 0 && m.dev == dev && m.inum == inum {
            m.refcnt += 1;
            return Some(InodeRef { idx, dev, inum });
        }
        if empty.is_none() && m.refcnt == 0 {
            // Remember empty slot.
            empty = Some(idx);
        }
    }

    // Recycle an inode entry.
    let Some(idx) = empty else {
        crate::println!("iget: no inodes");
        return None;
    };
    itable[idx] = InodeMeta {
        dev,
        inum,
        refcnt: 1,
    };
    VALID[idx].store(false, Ordering::Release);
    Some(InodeRef { idx, dev, inum })
}

/// Increment the reference count for ip; returns the new reference
/// (the `ip = idup(ip1)` idiom).
pub fn idup(ip: &InodeRef) -> InodeRef {
    ITABLE.lock()[ip.idx].refcnt += 1;
    InodeRef {
        idx: ip.idx,
        dev: ip.dev,
        inum: ip.inum,
    }
}

/// Lock the given inode, reading it from disk if necessary. Panics if the
/// disk inode is free or past the inode blocks (the file system is corrupt).
pub fn ilock(ip: &InodeRef) -> InodeGuard {
    let mut g = InodeGuard {
        dev: ip.dev,
        inum: ip.inum,
        d: INODES[ip.idx].lock(),
    };
    if !VALID[ip.idx].load(Ordering::Acquire) {
        let sb = sb();
        if ip.inum >= sb.ninodes {
            // A directory entry names an inode past the inode blocks.
            panic!("ilock: inode {} out of range", ip.inum);
        }
        let bp = bread(ip.dev, iblock(ip.inum, &sb));
        let off = (ip.inum as usize % IPB) * DINODE_SIZE;
        *g.d = decode_dinode(&bp.data()[off..off + DINODE_SIZE]);
        brelse(bp);
        VALID[ip.idx].store(true, Ordering::Release);
        if g.typ == 0 {
            panic!("ilock: no type");
        }
    }
    g
}

/// Unlock the given inode (the same as dropping the guard).
pub fn iunlock(ip: InodeGuard) {
    drop(ip);
}

/// Drop a reference to an in-memory inode. If that was the last reference,
/// the inode table entry can be recycled. If that was the last reference and
/// the inode has no links to it, free the inode (and its content) on disk.
/// All calls to iput() must be inside a transaction in case it has to free
/// the inode.
pub fn iput(ip: InodeRef) {
    let mut itable = ITABLE.lock();

    if itable[ip.idx].refcnt == 1 && VALID[ip.idx].load(Ordering::Acquire) {
        // ref == 1 means no other process can have ip locked, so this
        // sleep lock is free and taking it here won't block.
        let mut g = ilock_held(&ip);
        // Releasing a sleep lock wakes its sleepers, which takes process
        // locks; fork holds a process lock while it takes ITABLE (idup). So,
        // as in xv6, ITABLE is never held while the sleep lock is released.
        drop(itable);
        if g.nlink == 0 {
            // inode has no links and no other references: truncate and free.
            itrunc(&mut g);
            g.typ = 0;
            iupdate(&g);
            VALID[ip.idx].store(false, Ordering::Release);
        }
        drop(g);
        itable = ITABLE.lock();
    }

    itable[ip.idx].refcnt -= 1;
}

// Lock the entry of a valid inode without re-reading it (for iput).
fn ilock_held(ip: &InodeRef) -> InodeGuard {
    InodeGuard {
        dev: ip.dev,
        inum: ip.inum,
        d: INODES[ip.idx].lock(),
    }
}

/// Common idiom: unlock, then put.
pub fn iunlockput(g: InodeGuard, ip: InodeRef) {
    drop(g);
    iput(ip);
}

// Inode content
//
// The content (data) associated with each inode is stored in blocks on the
// disk. The first NDIRECT block numbers are listed in addrs[]. The next
// NINDIRECT blocks are listed in block addrs[NDIRECT].

// Return the disk block address of the nth block in inode ip, allocating one
// if there is none. Returns None if out of disk space.
fn bmap(ip: &mut InodeGuard, bn: usize) -> Option<u32> {
    if bn < NDIRECT {
        if ip.addrs[bn] == 0 {
            ip.addrs[bn] = balloc(ip.dev)?;
        }
        return Some(ip.addrs[bn]);
    }
    let bn = bn - NDIRECT;

    if bn < NINDIRECT {
        // Load indirect block, allocating if necessary.
        if ip.addrs[NDIRECT] == 0 {
            ip.addrs[NDIRECT] = balloc(ip.dev)?;
        }
        let mut bp = bread(ip.dev, ip.addrs[NDIRECT]);
        let mut addr = get_u32(bp.data(), 4 * bn);
        if addr == 0 {
            addr = balloc(ip.dev)?;
            put_u32(bp.data_mut(), 4 * bn, addr);
            log_write(&bp);
        }
        return Some(addr);
    }

    panic!("bmap: out of range");
}

/// Truncate inode (discard contents). Caller must hold the inode's lock.
pub fn itrunc(ip: &mut InodeGuard) {
    for i in 0..NDIRECT {
        if ip.addrs[i] != 0 {
            bfree(ip.dev, ip.addrs[i]);
            ip.addrs[i] = 0;
        }
    }

    if ip.addrs[NDIRECT] != 0 {
        let bp = bread(ip.dev, ip.addrs[NDIRECT]);
        for j in 0..NINDIRECT {
            let a = get_u32(bp.data(), 4 * j);
            if a != 0 {
                bfree(ip.dev, a);
            }
        }
        brelse(bp);
        bfree(ip.dev, ip.addrs[NDIRECT]);
        ip.addrs[NDIRECT] = 0;
    }

    ip.size = 0;
    iupdate(ip);
}

/// Copy stat information from inode. Caller must hold the inode's lock.
pub fn stati(ip: &InodeGuard) -> Stat {
    Stat {
        dev: ip.dev as i32,
        ino: ip.inum,
        typ: ip.typ,
        nlink: ip.nlink,
        size: ip.size as u64,
    }
}

/// Read n bytes at offset off of inode ip to dst, a user virtual address if
/// user_dst, else a kernel address. Caller must hold the inode's lock.
/// Returns the number of bytes read (short at end of file), or Err if the
/// copy to dst failed.
pub fn readi(
    ip: &mut InodeGuard,
    user_dst: bool,
    dst: usize,
    off: u32,
    n: u32,
) -> Result<usize, ()> {
    let size = ip.size;
    if off > size || off.checked_add(n).is_none() {
        return Ok(0);
    }
    let n = n.min(size - off) as usize;
    let mut off = off as usize;
    let mut tot = 0;
    while tot < n {
        let Some(addr) = bmap(ip, off / BSIZE) else {
            break;
        };
        let bp = bread(ip.dev, addr);
        let m = (n - tot).min(BSIZE - off % BSIZE);
        let start = off % BSIZE;
        either_copyout(
            user_dst,
            dst.wrapping_add(tot),
            &bp.data()[start..start + m],
        )?;
        tot += m;
        off += m;
    }
    Ok(tot)
}

/// Write n bytes from src (a user virtual address if user_src, else a kernel
/// address) to inode ip at offset off, growing the file as needed. Caller
/// must hold the inode's lock and be inside a transaction. Returns the number
/// of bytes written; fewer than n means an error (out of disk space or a bad
/// source address). Err for an offset beyond the end of file or a write
/// past the largest file size.
pub fn writei(
    ip: &mut InodeGuard,
    user_src: bool,
    src: usize,
    off: u32,
    n: u32,
) -> Result<usize, ()> {
    let end = off.checked_add(n).ok_or(())?;
    if off > ip.size || end as usize > MAXFILE * BSIZE {
        return Err(());
    }
    let n = n as usize;
    let mut off = off as usize;
    let mut tot = 0;
    while tot < n {
        let Some(addr) = bmap(ip, off / BSIZE) else {
            break;
        };
        let mut bp = bread(ip.dev, addr);
        let m = (n - tot).min(BSIZE - off % BSIZE);
        let start = off % BSIZE;
        if either_copyin(
            &mut bp.data_mut()[start..start + m],
            user_src,
            src.wrapping_add(tot),
        )
        .is_err()
        {
            break;
        }
        log_write(&bp);
        tot += m;
        off += m;
    }

    if off as u32 > ip.size {
        ip.size = off as u32;
    }

    // write the i-node back to disk even if the size didn't change because
    // the loop above might have called bmap() and added a new block to addrs[].
    iupdate(ip);

    Ok(tot)
}

// Directories

/// Compare two names as directory entries do: at most DIRSIZ bytes, ending at a NUL.
pub fn namecmp(s: &[u8], t: &[u8]) -> bool {
    let len = |x: &[u8]| {
        x.iter()
            .take(DIRSIZ)
            .position(|&c| c == 0)
            .unwrap_or(x.len().min(DIRSIZ))
    };
    s[..len(s)] == t[..len(t)]
}

// Read the directory entry at byte offset off of dp.
fn read_dirent(dp: &mut InodeGuard, off: u32) -> Dirent {
    let mut raw = [0u8; DIRENT_SIZE];
    match readi(
        dp,
        false,
        raw.as_mut_ptr() as usize,
        off,
        DIRENT_SIZE as u32,
    ) {
        Ok(DIRENT_SIZE) => {}
        _ => panic!("dirlookup read"),
    }
    let mut name = [0; DIRSIZ];
    name.copy_from_slice(&raw[2..]);
    Dirent {
        inum: get_u16(&raw, 0),
        name,
    }
}

// Find the entry called name in directory dp: its inode number and byte offset.
fn dirfind(dp: &mut InodeGuard, name: &[u8]) -> Option<(u32, u32)> {
    if dp.typ != T_DIR {
        panic!("dirlookup not DIR");
    }
    let mut off = 0;
    while off < dp.size {
        let de = read_dirent(dp, off);
        if de.inum != 0 && namecmp(name, &de.name) {
            return Some((de.inum as u32, off));
        }
        off += DIRENT_SIZE as u32;
    }
    None
}

/// Look for a directory entry called name in directory dp. If found, return
/// a reference to its inode and the byte offset of the entry. None also when
/// the inode table is full.
pub fn dirlookup(dp: &mut InodeGuard, name: &[u8]) -> Option<(InodeRef, u32)> {
    let (inum, off) = dirfind(dp, name)?;
    iget(dp.dev, inum).map(|ip| (ip, off))
}

/// Write a new directory entry (name, inum) into the directory dp.
/// Err if the name is already present or on failure (e.g. out of disk blocks).
pub fn dirlink(dp: &mut InodeGuard, name: &[u8], inum: u32) -> Result<(), ()> {
    // Check that name is not present.
    if dirfind(dp, name).is_some() {
        return Err(());
    }

    // Look for an empty dirent.
    let mut off = 0;
    while off < dp.size {
        if read_dirent(dp, off).inum == 0 {
            break;
        }
        off += DIRENT_SIZE as u32;
    }

    let mut raw = [0u8; DIRENT_SIZE];
    raw[0..2].copy_from_slice(&(inum as u16).to_le_bytes());
    let len = name
        .iter()
        .take(DIRSIZ)
        .position(|&c| c == 0)
        .unwrap_or(name.len().min(DIRSIZ));
    raw[2..2 + len].copy_from_slice(&name[..len]);
    match writei(dp, false, raw.as_ptr() as usize, off, DIRENT_SIZE as u32) {
        Ok(DIRENT_SIZE) => Ok(()),
        _ => Err(()),
    }
}

/// Is the directory dp empty except for "." and ".." ?
pub fn isdirempty(dp: &mut InodeGuard) -> bool {
    let mut off = 2 * DIRENT_SIZE as u32;
    while off < dp.size {
        if read_dirent(dp, off).inum != 0 {
            return false;
        }
        off += DIRENT_SIZE as u32;
    }
    true
}

// Paths

// Copy the next path element from path into name (NUL-padded, DIRSIZ bytes
// at most). Return the rest of the path following the copied element, with
// no leading slashes, so the caller can check for an empty rest to see if the
// name is the last one. If no name to remove, return None.
//
// Examples:
//   skipelem("a/bb/c", name) = "bb/c", setting name = "a"
//   skipelem("///a//bb", name) = "bb", setting name = "a"
//   skipelem("a", name) = "", setting name = "a"
//   skipelem("", name) = skipelem("////", name) = None
fn skipelem<'a>(path: &'a [u8], name: &mut [u8; DIRSIZ]) -> Option<&'a [u8]> {
    let start = path.iter().position(|&c| c != b'/')?;
    let path = &path[start..];
    let len = path.iter().position(|&c| c == b'/').unwrap_or(path.len());
    name.fill(0);
    let keep = len.min(DIRSIZ);
    name[..keep].copy_from_slice(&path[..keep]);
    let rest = &path[len..];
    let skip = rest.iter().position(|&c| c != b'/').unwrap_or(rest.len());
    Some(&rest[skip..])
}

// Look up and return the inode for a path name. If parent, return the inode
// for the parent and copy the final path element into name. Must be called
// inside a transaction since it calls iput().
fn namex(path: &[u8], parent: bool, name: &mut [u8; DIRSIZ]) -> Option<InodeRef> {
    let path = &path[..path.iter().position(|&c| c == 0).unwrap_or(path.len())];
    let mut ip = if path.first() == Some(&b'/') {
        iget(ROOTDEV, ROOTINO)?
    } else {
        idup(myproc().data().cwd.as_ref()?)
    };

    let mut path = path;
    while let Some(rest) = skipelem(path, name) {
        path = rest;
        let mut g = ilock(&ip);
        if g.typ != T_DIR {
            iunlockput(g, ip);
            return None;
        }
        if parent && path.is_empty() {
            // Stop one level early.
            drop(g);
            return Some(ip);
        }
        let Some((next, _)) = dirlookup(&mut g, name) else {
            iunlockput(g, ip);
            return None;
        };
        iunlockput(g, ip);
        ip = next;
    }
    if parent {
        iput(ip);
        return None;
    }
    Some(ip)
}

/// The inode named by path (relative to the current directory unless it
/// starts with '/'), or None. Inside a transaction.
pub fn namei(path: &[u8]) -> Option<InodeRef> {
    let mut name = [0; DIRSIZ];
    namex(path, false, &mut name)
}

/// The inode of the directory containing the last element of path, with that
/// element copied into name; None if there is no such directory or the path
/// has no last element. Inside a transaction.
pub fn nameiparent(path: &[u8], name: &mut [u8; DIRSIZ]) -> Option<InodeRef> {
    namex(path, true, name)
}
