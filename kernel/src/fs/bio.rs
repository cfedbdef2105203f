//! Buffer cache: NBUF sleep-locked copies of disk blocks, recycled least recently used first.
//!
//! The cache lets one process at a time use a block (the buffer's sleep lock), and
//! keeps popular blocks in memory so that they need not be re-read. Interface:
//! `bread` returns a locked buffer holding the block's contents; after changing
//! the data, call `bwrite` to write it to disk; `brelse` (or dropping the `Buf`)
//! releases it. Do not keep a buffer longer than necessary.

use core::sync::atomic::{AtomicBool, Ordering};

use abi::fs::BSIZE;
use abi::param::NBUF;

use crate::sleeplock::{SleepLock, SleepLockGuard};
use crate::spinlock::SpinLock;
use crate::virtio_disk::virtio_disk_rw;

/// Identity and use count of one cache slot; guarded by the `BCACHE` lock.
#[derive(Clone, Copy)]
struct BufMeta {
    /// Whether dev and blockno name a block (false until first use).
    named: bool,
    dev: u32,
    blockno: u32,
    refcnt: u32,
    /// Value of `clock` at the last release: smaller is less recently used.
    lastuse: u64,
}

struct Bcache {
    meta: [BufMeta; NBUF],
    clock: u64,
}

static BCACHE: SpinLock<Bcache> = SpinLock::new(
    "bcache",
    Bcache {
        meta: [BufMeta {
            named: false,
            dev: 0,
            blockno: 0,
            refcnt: 0,
            lastuse: 0,
        }; NBUF],
        clock: 0,
    },
);

/// The block contents; each slot's sleep lock is held by the one user of the buffer.
static DATA: [SleepLock<[u8; BSIZE]>; NBUF] =
    [const { SleepLock::new("buffer", [0; BSIZE]) }; NBUF];

/// Whether a slot holds its block's contents. Cleared under `BCACHE` when a slot
/// is recycled (nobody holds it then), set by `bread` under the slot's sleep lock.
static VALID: [AtomicBool; NBUF] = [const { AtomicBool::new(false) }; NBUF];

/// A locked buffer holding one disk block.
pub struct Buf {
    id: usize,
    dev: u32,
    blockno: u32,
    data: SleepLockGuard<'static, [u8; BSIZE]>,
}

impl Buf {
    /// Block number on the device.
    pub fn blockno(&self) -> u32 {
        self.blockno
    }

    /// Device number.
    pub fn dev(&self) -> u32 {
        self.dev
    }

    /// The block's bytes.
    pub fn data(&self) -> &[u8; BSIZE] {
        &self.data
    }

    /// The block's bytes, for changing; `bwrite` or `log_write` must follow.
    pub fn data_mut(&mut self) -> &mut [u8; BSIZE] {
        &mut self.data
    }
}

impl Drop for Buf {
    // brelse: give up the buffer; it becomes the most recently used one.
    // The sleep lock (the `data` field) is released right after this body.
    fn drop(&mut self) {
        BCACHE.lock().unref(self.id);
    }
}

impl Bcache {
    // Drop one reference to slot id; the last one makes it the most recently used.
    fn unref(&mut self, id: usize) {
        self.clock += 1;
        let clock = self.clock;
        let m = &mut self.meta[id];
        m.refcnt -= 1;
        if m.refcnt == 0 {
            m.lastuse = clock;
        }
    }
}

/// Initialise the buffer cache (everything is statically initialised; kept for xv6's boot order).
pub fn binit() {}

// Look through the cache for block `blockno` on device `dev`; if not found,
// recycle the least recently used unreferenced slot. Returns the slot, with its
// reference taken but not yet locked. Panics when every buffer is in use,
// which the log's admission control in begin_op rules out.
fn bget(dev: u32, blockno: u32) -> usize {
    let mut bc = BCACHE.lock();

    // Is the block already cached?
    if let Some(i) = bc
        .meta
        .iter()
        .position(|m| m.named && m.dev == dev && m.blockno == blockno)
    {
        bc.meta[i].refcnt += 1;
        return i;
    }

    // Not cached: recycle the least recently used unused buffer.
    let Some(i) = (0..NBUF)
        .filter(|&i| bc.meta[i].refcnt == 0)
        .min_by_key(|&i| bc.meta[i].lastuse)
    else {
        panic!("bget: no buffers");
    };
    bc.meta[i] = BufMeta {
        named: true,
        dev,
        blockno,
        refcnt: 1,
        lastuse: 0,
    };
    VALID[i].store(false, Ordering::Release);
    i
}

/// Return a locked buffer with the contents of the indicated block.
pub fn bread(dev: u32, blockno: u32) -> Buf {
    let id = bget(dev, blockno);
    let mut b = Buf {
        id,
        dev,
        blockno,
        data: DATA[id].lock(),
    };
    if !VALID[id].load(Ordering::Acquire) {
        virtio_disk_rw(blockno, &mut b.data, false);
        VALID[id].store(true, Ordering::Release);
    }
    b
}

/// Write b's contents to disk. The caller holds b (its sleep lock).
pub fn bwrite(b: &mut Buf) {
    virtio_disk_rw(b.blockno, &mut b.data, true);
}

/// Release a locked buffer (the same as dropping it).
pub fn brelse(b: Buf) {
    drop(b);
}

/// Keep b's slot in the cache after release, until `bunpin` (the log holds
/// blocks this way until they are installed).
pub fn bpin(b: &Buf) {
    BCACHE.lock().meta[b.id].refcnt += 1;
}

/// Undo one `bpin`.
pub fn bunpin(b: &Buf) {
    BCACHE.lock().unref(b.id);
}
