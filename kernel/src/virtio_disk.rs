//! Driver for QEMU's virtio-mmio block device, legacy (version 1) or modern (version 2).
//!
//! qemu ... -drive file=fs.img,if=none,format=raw,id=x0
//!          -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
//! (add `-global virtio-mmio.force-legacy=false` for the modern interface).
//! Both interfaces share the ring layout below; only queue setup differs.

use core::cell::UnsafeCell;
use core::mem::size_of;
use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use core::sync::atomic::{fence, Ordering};

use abi::fs::BSIZE;

use crate::memlayout::VIRTIO0;
use crate::proc::{sleep, wakeup};
use crate::riscv::PGSIZE;
use crate::spinlock::SpinLock;

// virtio mmio control registers, from qemu virtio_mmio.h and the virtio spec §4.2.2.
const MMIO_MAGIC_VALUE: usize = 0x000; // 0x74726976
const MMIO_VERSION: usize = 0x004; // 1 is legacy, 2 is modern
const MMIO_DEVICE_ID: usize = 0x008; // device type; 1 is net, 2 is disk
const MMIO_DEVICE_FEATURES: usize = 0x010;
const MMIO_DRIVER_FEATURES: usize = 0x020;
const MMIO_GUEST_PAGE_SIZE: usize = 0x028; // legacy only: page size for QueuePFN
const MMIO_QUEUE_SEL: usize = 0x030; // select queue, write-only
const MMIO_QUEUE_NUM_MAX: usize = 0x034; // max size of current queue, read-only
const MMIO_QUEUE_NUM: usize = 0x038; // size of current queue, write-only
const MMIO_QUEUE_ALIGN: usize = 0x03c; // legacy only: used ring alignment, write-only
const MMIO_QUEUE_PFN: usize = 0x040; // legacy only: physical page number of the queue
const MMIO_QUEUE_READY: usize = 0x044; // modern only: ready bit
const MMIO_QUEUE_NOTIFY: usize = 0x050; // write-only
const MMIO_INTERRUPT_STATUS: usize = 0x060; // read-only
const MMIO_INTERRUPT_ACK: usize = 0x064; // write-only
const MMIO_STATUS: usize = 0x070; // read/write
const MMIO_QUEUE_DESC_LOW: usize = 0x080; // modern only: descriptor table address
const MMIO_QUEUE_DESC_HIGH: usize = 0x084;
const MMIO_DRIVER_DESC_LOW: usize = 0x090; // modern only: available ring address
const MMIO_DRIVER_DESC_HIGH: usize = 0x094;
const MMIO_DEVICE_DESC_LOW: usize = 0x0a0; // modern only: used ring address
const MMIO_DEVICE_DESC_HIGH: usize = 0x0a4;
const MMIO_CONFIG: usize = 0x100; // device configuration space: virtio_blk_config

// Status register bits, from qemu virtio_config.h.
const CONFIG_S_ACKNOWLEDGE: u32 = 1;
const CONFIG_S_DRIVER: u32 = 2;
const CONFIG_S_DRIVER_OK: u32 = 4;
const CONFIG_S_FEATURES_OK: u32 = 8;

// Device feature bits.
const BLK_F_RO: u32 = 5; // Disk is read-only
const BLK_F_SCSI: u32 = 7; // Supports scsi command passthru
const BLK_F_CONFIG_WCE: u32 = 11; // Writeback mode available in config
const BLK_F_MQ: u32 = 12; // support more than one vq
const F_ANY_LAYOUT: u32 = 27;
const RING_F_INDIRECT_DESC: u32 = 28;
const RING_F_EVENT_IDX: u32 = 29;

/// This many virtio descriptors; must be a power of two.
const NUM: usize = 8;

const VRING_DESC_F_NEXT: u16 = 1; // chained with another descriptor
const VRING_DESC_F_WRITE: u16 = 2; // device writes (vs read)

const VIRTIO_BLK_T_IN: u32 = 0; // read the disk
const VIRTIO_BLK_T_OUT: u32 = 1; // write the disk

/// A single descriptor, from the spec.
#[repr(C)]
#[derive(Clone, Copy)]
struct VirtqDesc {
    addr: u64,
    len: u32,
    flags: u16,
    next: u16,
}

/// The (entire) avail ring, from the spec.
#[repr(C)]
struct VirtqAvail {
    flags: u16,
    /// The driver will write ring[idx] next.
    idx: u16,
    /// Descriptor numbers of chain heads.
    ring: [u16; NUM],
    unused: u16,
}

/// One entry in the "used" ring, with which the device tells the driver about
/// completed requests.
#[repr(C)]
#[derive(Clone, Copy)]
struct VirtqUsedElem {
    /// Index of start of completed descriptor chain.
    id: u32,
    len: u32,
}

#[repr(C)]
struct VirtqUsed {
    flags: u16,
    /// The device increments idx when it adds a ring[] entry.
    idx: u16,
    ring: [VirtqUsedElem; NUM],
}

/// The format of the first descriptor in a disk request, followed by two more
/// descriptors: the block data and a one-byte status.
#[repr(C)]
#[derive(Clone, Copy)]
struct VirtioBlkReq {
    typ: u32,
    reserved: u32,
    sector: u64,
}

const DESC_BYTES: usize = NUM * size_of::<VirtqDesc>();
const AVAIL_BYTES: usize = size_of::<VirtqAvail>();

/// Memory the device reads and writes. The first two pages are laid out as a
/// legacy queue (descriptors, then the avail ring, then the used ring on the
/// next page), which a modern device accepts as three separate addresses too.
#[repr(C, align(4096))]
struct Dma {
    /// A set (not a ring) of descriptors, with which the driver tells the device
    /// where to read and write individual disk operations.
    desc: [VirtqDesc; NUM],
    /// A ring in which the driver writes descriptor numbers that it would like
    /// the device to process (only chain heads).
    avail: VirtqAvail,
    _pad: [u8; PGSIZE - DESC_BYTES - AVAIL_BYTES],
    /// A ring in which the device writes descriptor numbers that it has
    /// finished processing (just the head of each chain).
    used: VirtqUsed,
    /// Disk command headers, one-for-one with descriptors, for convenience.
    ops: [VirtioBlkReq; NUM],
    /// Status byte of each request, indexed by the chain head; the device writes 0 on success.
    status: [u8; NUM],
}

/// Shared with the device: touched only through raw pointers with volatile
/// accesses, by a hart holding the `DISK` lock.
struct DmaCell(UnsafeCell<Dma>);

// SAFETY: every access goes through raw pointers while holding the DISK lock.
unsafe impl Sync for DmaCell {}

static DMA: DmaCell = DmaCell(UnsafeCell::new(Dma {
    desc: [VirtqDesc {
        addr: 0,
        len: 0,
        flags: 0,
        next: 0,
    }; NUM],
    avail: VirtqAvail {
        flags: 0,
        idx: 0,
        ring: [0; NUM],
        unused: 0,
    },
    _pad: [0; PGSIZE - DESC_BYTES - AVAIL_BYTES],
    used: VirtqUsed {
        flags: 0,
        idx: 0,
        ring: [VirtqUsedElem { id: 0, len: 0 }; NUM],
    },
    ops: [VirtioBlkReq {
        typ: 0,
        reserved: 0,
        sector: 0,
    }; NUM],
    status: [0; NUM],
}));

/// The driver's own book-keeping.
struct Disk {
    /// Is a descriptor free?
    free: [bool; NUM],
    /// We've looked this far in used.ring.
    used_idx: u16,
    /// Is the request whose chain starts at this descriptor still with the device?
    busy: [bool; NUM],
}

static DISK: SpinLock<Disk> = SpinLock::new(
    "virtio_disk",
    Disk {
        free: [false; NUM],
        used_idx: 0,
        busy: [false; NUM],
    },
);

// Read the virtio mmio register at offset r.
fn reg_read(r: usize) -> u32 {
    // SAFETY: VIRTIO0 is the device's register window, mapped in the kernel page table.
    unsafe { read_volatile((VIRTIO0 + r) as *const u32) }
}

// Write the virtio mmio register at offset r.
fn reg_write(r: usize, v: u32) {
    // SAFETY: VIRTIO0 is the device's register window, mapped in the kernel page table.
    unsafe { write_volatile((VIRTIO0 + r) as *mut u32, v) }
}

fn dma() -> *mut Dma {
    DMA.0.get()
}

/// The disk's capacity in 512-byte sectors, from its configuration space.
pub fn virtio_disk_capacity() -> u64 {
    (reg_read(MMIO_CONFIG + 4) as u64) << 32 | reg_read(MMIO_CONFIG) as u64
}

/// Find the virtio disk, negotiate features and set up queue 0, with the
/// legacy or the modern interface according to the device's Version register.
/// Panics when there is no usable disk.
pub fn virtio_disk_init() {
    let version = reg_read(MMIO_VERSION);
    if reg_read(MMIO_MAGIC_VALUE) != 0x7472_6976
        || !(version == 1 || version == 2)
        || reg_read(MMIO_DEVICE_ID) != 2
    {
        panic!("could not find virtio disk");
    }

    // reset device
    let mut status = 0;
    reg_write(MMIO_STATUS, status);

    // set ACKNOWLEDGE status bit
    status |= CONFIG_S_ACKNOWLEDGE;
    reg_write(MMIO_STATUS, status);

    // set DRIVER status bit
    status |= CONFIG_S_DRIVER;
    reg_write(MMIO_STATUS, status);

    // negotiate features
    let mut features = reg_read(MMIO_DEVICE_FEATURES);
    for bit in [
        BLK_F_RO,
        BLK_F_SCSI,
        BLK_F_CONFIG_WCE,
        BLK_F_MQ,
        F_ANY_LAYOUT,
        RING_F_EVENT_IDX,
        RING_F_INDIRECT_DESC,
    ] {
        features &= !(1 << bit);
    }
    reg_write(MMIO_DRIVER_FEATURES, features);

    // tell device that feature negotiation is complete.
    status |= CONFIG_S_FEATURES_OK;
    reg_write(MMIO_STATUS, status);

    // re-read status to ensure FEATURES_OK is set (a legacy device has no such step).
    if version == 2 && reg_read(MMIO_STATUS) & CONFIG_S_FEATURES_OK == 0 {
        panic!("virtio disk FEATURES_OK unset");
    }

    if version == 1 {
        reg_write(MMIO_GUEST_PAGE_SIZE, PGSIZE as u32);
    }

    // initialize queue 0.
    reg_write(MMIO_QUEUE_SEL, 0);

    // ensure queue 0 is not in use.
    if version == 2 && reg_read(MMIO_QUEUE_READY) != 0 {
        panic!("virtio disk should not be ready");
    }

    // check maximum queue size.
    let max = reg_read(MMIO_QUEUE_NUM_MAX);
    if max == 0 {
        panic!("virtio disk has no queue 0");
    }
    if (max as usize) < NUM {
        panic!("virtio disk max queue too short");
    }

    // set queue size.
    reg_write(MMIO_QUEUE_NUM, NUM as u32);

    // write physical addresses (the kernel maps RAM one to one).
    let d = dma();
    if version == 1 {
        reg_write(MMIO_QUEUE_ALIGN, PGSIZE as u32);
        reg_write(MMIO_QUEUE_PFN, (d as usize / PGSIZE) as u32);
    } else {
        // SAFETY: only addresses inside the static DMA area are computed.
        let (desc, avail, used) = unsafe {
            (
                addr_of!((*d).desc) as u64,
                addr_of!((*d).avail) as u64,
                addr_of!((*d).used) as u64,
            )
        };
        reg_write(MMIO_QUEUE_DESC_LOW, desc as u32);
        reg_write(MMIO_QUEUE_DESC_HIGH, (desc >> 32) as u32);
        reg_write(MMIO_DRIVER_DESC_LOW, avail as u32);
        reg_write(MMIO_DRIVER_DESC_HIGH, (avail >> 32) as u32);
        reg_write(MMIO_DEVICE_DESC_LOW, used as u32);
        reg_write(MMIO_DEVICE_DESC_HIGH, (used >> 32) as u32);

        // queue is ready.
        reg_write(MMIO_QUEUE_READY, 1);
    }

    // all NUM descriptors start out unused.
    DISK.lock().free = [true; NUM];

    // tell device we're completely ready.
    status |= CONFIG_S_DRIVER_OK;
    reg_write(MMIO_STATUS, status);

    // plic.rs and trap.rs arrange for interrupts from VIRTIO0_IRQ.
}

impl Disk {
    // Find a free descriptor, mark it non-free, return its index.
    fn alloc_desc(&mut self) -> Option<usize> {
        let i = self.free.iter().position(|&f| f)?;
        self.free[i] = false;
        Some(i)
    }

    // Mark a descriptor as free, and wake those waiting for one.
    fn free_desc(&mut self, i: usize) {
        if self.free[i] {
            panic!("free_desc");
        }
        // SAFETY: the DISK lock (held through &mut self) serializes descriptor access.
        unsafe {
            write_volatile(
                addr_of_mut!((*dma()).desc[i]),
                VirtqDesc {
                    addr: 0,
                    len: 0,
                    flags: 0,
                    next: 0,
                },
            )
        };
        self.free[i] = true;
        wakeup(free_chan());
    }

    // Free a chain of descriptors.
    fn free_chain(&mut self, mut i: usize) {
        loop {
            // SAFETY: the DISK lock (held through &mut self) serializes descriptor access.
            let desc = unsafe { read_volatile(addr_of!((*dma()).desc[i])) };
            self.free_desc(i);
            if desc.flags & VRING_DESC_F_NEXT == 0 {
                break;
            }
            i = desc.next as usize;
        }
    }

    // Allocate three descriptors (they need not be contiguous); disk transfers
    // always use three descriptors. None when fewer than three are free.
    fn alloc3_desc(&mut self) -> Option<[usize; 3]> {
        let mut idx = [0; 3];
        for i in 0..3 {
            match self.alloc_desc() {
                Some(d) => idx[i] = d,
                None => {
                    for &d in &idx[..i] {
                        self.free_desc(d);
                    }
                    return None;
                }
            }
        }
        Some(idx)
    }
}

// Sleep channel of those waiting for free descriptors.
fn free_chan() -> usize {
    addr_of!(DISK) as usize
}

// Sleep channel of the request whose chain starts at descriptor id.
fn done_chan(id: usize) -> usize {
    // SAFETY: only the address is computed; nothing is read.
    unsafe { addr_of!((*dma()).status[id]) as usize }
}

/// Read (write = false) or write block `blockno` to or from `data`, sleeping
/// until the device has finished. Panics if the device reports an error.
pub fn virtio_disk_rw(blockno: u32, data: &mut [u8; BSIZE], write: bool) {
    let sector = blockno as u64 * (BSIZE / 512) as u64;

    let mut disk = DISK.lock();

    // the spec's Section 5.2 says that legacy block operations use three
    // descriptors: one for type/reserved/sector, one for the data, one for a
    // 1-byte status result.
    let idx = loop {
        if let Some(idx) = disk.alloc3_desc() {
            break idx;
        }
        disk = sleep(free_chan(), disk);
    };

    // format the three descriptors; qemu's virtio-blk.c reads them.
    let d = dma();
    let typ = if write {
        VIRTIO_BLK_T_OUT
    } else {
        VIRTIO_BLK_T_IN
    };
    // SAFETY: we hold the DISK lock, and descriptors idx are ours until freed;
    // the device reads them only after the avail ring names them below.
    unsafe {
        write_volatile(
            addr_of_mut!((*d).ops[idx[0]]),
            VirtioBlkReq {
                typ,
                reserved: 0,
                sector,
            },
        );
        write_volatile(
            addr_of_mut!((*d).desc[idx[0]]),
            VirtqDesc {
                addr: addr_of!((*d).ops[idx[0]]) as u64,
                len: size_of::<VirtioBlkReq>() as u32,
                flags: VRING_DESC_F_NEXT,
                next: idx[1] as u16,
            },
        );
        write_volatile(
            addr_of_mut!((*d).desc[idx[1]]),
            VirtqDesc {
                addr: data.as_mut_ptr() as u64,
                len: BSIZE as u32,
                // device reads data on a write, writes it on a read
                flags: VRING_DESC_F_NEXT | if write { 0 } else { VRING_DESC_F_WRITE },
                next: idx[2] as u16,
            },
        );
        write_volatile(addr_of_mut!((*d).status[idx[0]]), 0xff); // device writes 0 on success
        write_volatile(
            addr_of_mut!((*d).desc[idx[2]]),
            VirtqDesc {
                addr: addr_of!((*d).status[idx[0]]) as u64,
                len: 1,
                flags: VRING_DESC_F_WRITE, // device writes the status
                next: 0,
            },
        );
    }

    // record the request for virtio_disk_intr().
    disk.busy[idx[0]] = true;

    // SAFETY: we hold the DISK lock; the driver alone writes the avail ring.
    unsafe {
        // tell the device the first index in our chain of descriptors.
        let ai = read_volatile(addr_of!((*d).avail.idx));
        write_volatile(
            addr_of_mut!((*d).avail.ring[ai as usize % NUM]),
            idx[0] as u16,
        );
        fence(Ordering::SeqCst);
        // tell the device another avail ring entry is available.
        write_volatile(addr_of_mut!((*d).avail.idx), ai.wrapping_add(1));
    }
    fence(Ordering::SeqCst);

    reg_write(MMIO_QUEUE_NOTIFY, 0); // value is queue number

    // Wait for virtio_disk_intr() to say request has finished.
    while disk.busy[idx[0]] {
        disk = sleep(done_chan(idx[0]), disk);
    }

    // SAFETY: we hold the DISK lock and the device is done with this request.
    let status = unsafe { read_volatile(addr_of!((*d).status[idx[0]])) };
    if status != 0 {
        panic!("virtio_disk_rw: status {} for block {}", status, blockno);
    }
    disk.free_chain(idx[0]);
}

/// The disk interrupt: mark completed requests done and wake their waiters.
pub fn virtio_disk_intr() {
    let mut disk = DISK.lock();

    // the device won't raise another interrupt until we tell it we've seen
    // this interrupt, which the following line does. this may race with the
    // device writing new entries to the "used" ring, in which case we may
    // process the new completion entries in this interrupt, and have nothing
    // to do in the next interrupt, which is harmless.
    reg_write(MMIO_INTERRUPT_ACK, reg_read(MMIO_INTERRUPT_STATUS) & 0x3);

    fence(Ordering::SeqCst);

    // the device increments used.idx when it adds an entry to the used ring.
    let d = dma();
    loop {
        // SAFETY: the device writes used.idx; a volatile read sees its latest value.
        let used = unsafe { read_volatile(addr_of!((*d).used.idx)) };
        if disk.used_idx == used {
            break;
        }
        fence(Ordering::SeqCst);
        let slot = disk.used_idx as usize % NUM;
        // SAFETY: as above; the entry is complete once used.idx covers it.
        let id = unsafe { read_volatile(addr_of!((*d).used.ring[slot].id)) } as usize;
        if id < NUM && disk.busy[id] {
            disk.busy[id] = false; // disk is done with the request
            wakeup(done_chan(id));
        }
        disk.used_idx = disk.used_idx.wrapping_add(1);
    }
}
