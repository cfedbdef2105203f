//! Write-ahead redo log, letting concurrent file-system system calls commit atomically.
//!
//! A log transaction contains the updates of multiple FS system calls. The
//! logging system only commits when there are no FS system calls active, so
//! there is never any reasoning required about whether a commit might write an
//! uncommitted system call's updates to disk.
//!
//! A system call calls begin_op()/end_op() to mark its start and end. Usually
//! begin_op() just increments the count of in-progress FS system calls and
//! returns; but if it thinks the log is close to running out, it sleeps until
//! the last outstanding end_op() commits.
//!
//! The on-disk log format: a header block holding the count n and the block
//! numbers of blocks A, B, C, ...; then block A, block B, block C, ...
//! Log appends are synchronous.

use abi::fs::{SuperBlock, BSIZE};
use abi::param::{LOGSIZE, MAXOPBLOCKS};

use crate::fs::bio::{bpin, bread, bunpin, bwrite, Buf};
use crate::proc::{sleep, wakeup};
use crate::spinlock::SpinLock;

/// Contents of the header block, used both for the on-disk header block and
/// to keep track in memory of logged block numbers before commit.
#[derive(Clone, Copy)]
struct LogHeader {
    n: usize,
    block: [u32; LOGSIZE],
}

struct Log {
    start: u32,
    size: u32,
    /// Blocks a transaction may hold: [first, end), the inodes, bitmap and data.
    first: u32,
    end: u32,
    /// How many FS sys calls are executing.
    outstanding: usize,
    /// In commit(), please wait.
    committing: bool,
    dev: u32,
    lh: LogHeader,
}

static LOG: SpinLock<Log> = SpinLock::new(
    "log",
    Log {
        start: 0,
        size: 0,
        first: 0,
        end: 0,
        outstanding: 0,
        committing: false,
        dev: 0,
        lh: LogHeader {
            n: 0,
            block: [0; LOGSIZE],
        },
    },
);

const _: () = assert!(4 * (LOGSIZE + 1) <= BSIZE, "initlog: too big logheader");

// Sleep channel of begin_op waiters.
fn log_chan() -> usize {
    core::ptr::addr_of!(LOG) as usize
}

/// Set up the log from the superblock of device dev, and replay any committed
/// transaction that a crash left behind.
pub fn initlog(dev: u32, sb: &SuperBlock) {
    {
        let mut log = LOG.lock();
        log.start = sb.logstart;
        log.size = sb.nlog;
        log.first = sb.inodestart;
        log.end = sb.size;
        log.dev = dev;
    }
    recover_from_log(dev, sb);
}

// Copy committed blocks from the log to their home location.
fn install_trans(dev: u32, start: u32, lh: &LogHeader, recovering: bool) {
    for (tail, &blockno) in lh.block[..lh.n].iter().enumerate() {
        let lbuf = bread(dev, start + tail as u32 + 1); // read log block
        let mut dbuf = bread(dev, blockno); // read dst
        dbuf.data_mut().copy_from_slice(lbuf.data()); // copy block to dst
        bwrite(&mut dbuf); // write dst to disk
        if !recovering {
            bunpin(&dbuf);
        }
    }
}

// Read the log header from disk into a LogHeader. A count larger than the log
// (a corrupt header) is treated as an empty log.
fn read_head(dev: u32, start: u32) -> LogHeader {
    let buf = bread(dev, start);
    let word = |i: usize| u32::from_le_bytes(buf.data()[4 * i..4 * i + 4].try_into().unwrap());
    let mut lh = LogHeader {
        n: word(0) as usize,
        block: [0; LOGSIZE],
    };
    if lh.n > LOGSIZE {
        lh.n = 0;
    }
    for i in 0..lh.n {
        lh.block[i] = word(i + 1);
    }
    lh
}

// Write the header to disk. This is the true point at which the current
// transaction commits.
fn write_head(dev: u32, start: u32, lh: &LogHeader) {
    let mut buf = bread(dev, start);
    let data = buf.data_mut();
    data[0..4].copy_from_slice(&(lh.n as u32).to_le_bytes());
    for i in 0..lh.n {
        data[4 * (i + 1)..4 * (i + 2)].copy_from_slice(&lh.block[i].to_le_bytes());
    }
    bwrite(&mut buf);
}

// Replay a committed transaction, then clear the log. Panics when the header
// names a block outside the inodes, bitmap and data (a corrupt file system):
// installing it would overwrite the boot block, the superblock or the log.
fn recover_from_log(dev: u32, sb: &SuperBlock) {
    let start = sb.logstart;
    let mut lh = read_head(dev, start);
    if lh.n >= sb.nlog as usize {
        lh.n = 0;
    }
    for &b in &lh.block[..lh.n] {
        if b < sb.inodestart || b >= sb.size {
            panic!("invalid file system: the log names block {}", b);
        }
    }
    install_trans(dev, start, &lh, true); // if committed, copy from log to disk
    lh.n = 0;
    write_head(dev, start, &lh); // clear the log
}

/// Called at the start of each FS system call: waits while a commit is under
/// way or while this operation might exhaust the log space.
pub fn begin_op() {
    let mut log = LOG.lock();
    loop {
        if log.committing || log.lh.n + (log.outstanding + 1) * MAXOPBLOCKS > LOGSIZE {
            log = sleep(log_chan(), log);
        } else {
            log.outstanding += 1;
            break;
        }
    }
}

/// Called at the end of each FS system call; commits if this was the last
/// outstanding operation.
pub fn end_op() {
    let commit_now = {
        let mut log = LOG.lock();
        log.outstanding -= 1;
        if log.committing {
            panic!("log.committing");
        }
        if log.outstanding == 0 {
            log.committing = true;
            true
        } else {
            // begin_op() may be waiting for log space, and decrementing
            // log.outstanding has decreased the amount of reserved space.
            wakeup(log_chan());
            false
        }
    };

    if commit_now {
        // call commit without holding locks, since not allowed to sleep with
        // locks. committing keeps everyone else out of the header meanwhile.
        let (dev, start, lh) = {
            let log = LOG.lock();
            (log.dev, log.start, log.lh)
        };
        commit(dev, start, &lh);
        let mut log = LOG.lock();
        log.lh.n = 0;
        log.committing = false;
        wakeup(log_chan());
    }
}

// Copy modified blocks from cache to log.
fn write_log(dev: u32, start: u32, lh: &LogHeader) {
    for (tail, &blockno) in lh.block[..lh.n].iter().enumerate() {
        let mut to = bread(dev, start + tail as u32 + 1); // log block
        let from = bread(dev, blockno); // cache block
        to.data_mut().copy_from_slice(from.data());
        bwrite(&mut to); // write the log
    }
}

// Write the transaction lh to the log, commit it, install it, clear the log.
fn commit(dev: u32, start: u32, lh: &LogHeader) {
    if lh.n > 0 {
        write_log(dev, start, lh); // Write modified blocks from cache to log
        write_head(dev, start, lh); // Write header to disk -- the real commit
        install_trans(dev, start, lh, false); // Now install writes to home locations
        let empty = LogHeader {
            n: 0,
            block: [0; LOGSIZE],
        };
        write_head(dev, start, &empty); // Erase the transaction from the log
    }
}

/// The caller has modified b's data and is done with the buffer: record the
/// block number and pin it in the cache; commit()/write_log() will do the
/// disk write. Replaces bwrite(); a typical use is:
///   let mut bp = bread(...); modify bp.data_mut(); log_write(&bp); brelse(bp);
pub fn log_write(b: &Buf) {
    let mut log = LOG.lock();
    if log.lh.n >= LOGSIZE || log.lh.n as u32 + 1 >= log.size {
        panic!("too big a transaction");
    }
    if log.outstanding < 1 {
        panic!("log_write outside of trans");
    }
    // A corrupt inode or bitmap can name the boot block, the superblock or
    // the log itself; committing such a block would deadlock on its buffer.
    if b.blockno() < log.first || b.blockno() >= log.end {
        panic!(
            "log_write: block {} is not in the file system's inodes, bitmap or data",
            b.blockno()
        );
    }
    let n = log.lh.n;
    // log absorption: a block already in this transaction takes no new slot.
    if !log.lh.block[..n].contains(&b.blockno()) {
        log.lh.block[n] = b.blockno();
        log.lh.n += 1;
        bpin(b);
    }
}
