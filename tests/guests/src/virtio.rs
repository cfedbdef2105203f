//! A polling virtio-mmio block driver for the guest programs: legacy (version
//! 1: GuestPageSize, QueuePFN) and modern (version 2: split queue addresses,
//! VIRTIO_F_VERSION_1), one 8-entry queue, one request at a time.

use core::cell::UnsafeCell;
use core::sync::atomic::{fence, Ordering};

/// virtio-mmio slot 0 of the virt machine (IRQ 1).
pub const SLOT0: u64 = 0x1000_1000;
/// Distance between virtio-mmio slots.
pub const SLOT_STRIDE: u64 = 0x1000;

pub const MAGIC_VALUE: u64 = 0x000;
pub const VERSION: u64 = 0x004;
pub const DEVICE_ID: u64 = 0x008;
pub const VENDOR_ID: u64 = 0x00c;
pub const DEVICE_FEATURES: u64 = 0x010;
pub const DEVICE_FEATURES_SEL: u64 = 0x014;
pub const DRIVER_FEATURES: u64 = 0x020;
pub const DRIVER_FEATURES_SEL: u64 = 0x024;
pub const GUEST_PAGE_SIZE: u64 = 0x028;
pub const QUEUE_SEL: u64 = 0x030;
pub const QUEUE_NUM_MAX: u64 = 0x034;
pub const QUEUE_NUM: u64 = 0x038;
pub const QUEUE_ALIGN: u64 = 0x03c;
pub const QUEUE_PFN: u64 = 0x040;
pub const QUEUE_READY: u64 = 0x044;
pub const QUEUE_NOTIFY: u64 = 0x050;
pub const INTERRUPT_STATUS: u64 = 0x060;
pub const INTERRUPT_ACK: u64 = 0x064;
pub const STATUS: u64 = 0x070;
pub const QUEUE_DESC_LOW: u64 = 0x080;
pub const QUEUE_DESC_HIGH: u64 = 0x084;
pub const QUEUE_DRIVER_LOW: u64 = 0x090;
pub const QUEUE_DRIVER_HIGH: u64 = 0x094;
pub const QUEUE_DEVICE_LOW: u64 = 0x0a0;
pub const QUEUE_DEVICE_HIGH: u64 = 0x0a4;
pub const CONFIG_GENERATION: u64 = 0x0fc;
pub const CONFIG: u64 = 0x100;

/// "virt" little-endian.
pub const MAGIC: u32 = 0x7472_6976;

pub const STATUS_ACKNOWLEDGE: u32 = 1;
pub const STATUS_DRIVER: u32 = 2;
pub const STATUS_DRIVER_OK: u32 = 4;
pub const STATUS_FEATURES_OK: u32 = 8;
pub const STATUS_NEEDS_RESET: u32 = 64;
pub const STATUS_FAILED: u32 = 128;

pub const F_BLK_FLUSH: u64 = 1 << 9;
pub const F_VERSION_1: u64 = 1 << 32;

pub const T_IN: u32 = 0;
pub const T_OUT: u32 = 1;
pub const T_FLUSH: u32 = 4;
pub const T_GET_ID: u32 = 8;

pub const S_OK: u8 = 0;
pub const S_IOERR: u8 = 1;
pub const S_UNSUPP: u8 = 2;

/// Entries in the queue (and descriptors in its table).
pub const NUM: usize = 8;
pub const DESC_NEXT: u16 = 1;
pub const DESC_WRITE: u16 = 2;
pub const DESC_INDIRECT: u16 = 4;

/// A split-virtqueue descriptor.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Desc {
    pub addr: u64,
    pub len: u32,
    pub flags: u16,
    pub next: u16,
}

/// Descriptor table and available ring in the first page, used ring at the
/// start of the second: the legacy layout for QueueAlign = 4096.
#[repr(C, align(4096))]
struct Ring {
    desc: [Desc; NUM],
    avail_flags: u16,
    avail_idx: u16,
    avail_ring: [u16; NUM],
    used_event: u16,
    _pad: [u8; 4096 - 16 * NUM - 6 - 2 * NUM],
    used_flags: u16,
    used_idx: u16,
    used_ring: [[u32; 2]; NUM],
    avail_event: u16,
}

#[repr(C)]
struct Header {
    kind: u32,
    reserved: u32,
    sector: u64,
}

struct Shared {
    ring: Ring,
    header: Header,
    status: u8,
}

struct Static(UnsafeCell<Shared>);

// SAFETY: only hart 0 drives the device, one request at a time.
unsafe impl Sync for Static {}

static SHARED: Static = Static(UnsafeCell::new(Shared {
    ring: Ring {
        desc: [Desc {
            addr: 0,
            len: 0,
            flags: 0,
            next: 0,
        }; NUM],
        avail_flags: 0,
        avail_idx: 0,
        avail_ring: [0; NUM],
        used_event: 0,
        _pad: [0; 4096 - 16 * NUM - 6 - 2 * NUM],
        used_flags: 0,
        used_idx: 0,
        used_ring: [[0; 2]; NUM],
        avail_event: 0,
    },
    header: Header {
        kind: 0,
        reserved: 0,
        sector: 0,
    },
    status: 0xff,
}));

/// Reads the 32-bit register at `off` of the slot at `base`.
pub fn reg(base: u64, off: u64) -> u32 {
    // SAFETY: virtio-mmio registers are 32-bit MMIO.
    unsafe { ((base + off) as *const u32).read_volatile() }
}

/// Writes the 32-bit register at `off` of the slot at `base`.
pub fn set_reg(base: u64, off: u64, v: u32) {
    // SAFETY: virtio-mmio registers are 32-bit MMIO.
    unsafe { ((base + off) as *mut u32).write_volatile(v) }
}

/// Why `Blk::init` gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitError {
    NotVirtio,
    NotBlock,
    FeaturesRejected,
    QueueTooSmall,
}

/// The outcome of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// Completed with this status byte.
    Status(u8),
    /// The device set DEVICE_NEEDS_RESET instead of completing it.
    NeedsReset,
    /// Neither within the polling budget.
    Timeout,
}

/// A driven block device.
pub struct Blk {
    pub base: u64,
    /// 1 = legacy, 2 = modern.
    pub version: u32,
    /// All 64 offered feature bits.
    pub device_features: u64,
    /// The accepted feature bits.
    pub features: u64,
    /// Capacity in 512-byte sectors, from config space.
    pub capacity: u64,
    used_seen: u16,
}

impl Blk {
    /// Resets and initializes the block device at `base` (driver status
    /// sequence of virtio 1.x §3.1, legacy §4.2.4), accepting only FLUSH (and
    /// VERSION_1 on a modern device).
    pub fn init(base: u64) -> Result<Blk, InitError> {
        if reg(base, MAGIC_VALUE) != MAGIC {
            return Err(InitError::NotVirtio);
        }
        let version = reg(base, VERSION);
        if !(version == 1 || version == 2) {
            return Err(InitError::NotVirtio);
        }
        if reg(base, DEVICE_ID) != 2 {
            return Err(InitError::NotBlock);
        }
        set_reg(base, STATUS, 0);
        let mut status = STATUS_ACKNOWLEDGE | STATUS_DRIVER;
        set_reg(base, STATUS, STATUS_ACKNOWLEDGE);
        set_reg(base, STATUS, status);
        set_reg(base, DEVICE_FEATURES_SEL, 0);
        let low = reg(base, DEVICE_FEATURES) as u64;
        set_reg(base, DEVICE_FEATURES_SEL, 1);
        let high = reg(base, DEVICE_FEATURES) as u64;
        let device_features = high << 32 | low;
        let mut features = device_features & F_BLK_FLUSH;
        if version == 2 {
            features |= device_features & F_VERSION_1;
        }
        set_reg(base, DRIVER_FEATURES_SEL, 0);
        set_reg(base, DRIVER_FEATURES, features as u32);
        set_reg(base, DRIVER_FEATURES_SEL, 1);
        set_reg(base, DRIVER_FEATURES, (features >> 32) as u32);
        status |= STATUS_FEATURES_OK;
        set_reg(base, STATUS, status);
        if version == 2 && reg(base, STATUS) & STATUS_FEATURES_OK == 0 {
            return Err(InitError::FeaturesRejected);
        }

        // SAFETY: the device is reset, so nothing else reads the ring now.
        let sh = unsafe { &mut *SHARED.0.get() };
        sh.ring.avail_idx = 0;
        sh.ring.used_idx = 0;
        let ring = &sh.ring as *const Ring as u64;
        if version == 1 {
            set_reg(base, GUEST_PAGE_SIZE, 4096);
        }
        set_reg(base, QUEUE_SEL, 0);
        if (reg(base, QUEUE_NUM_MAX) as usize) < NUM {
            return Err(InitError::QueueTooSmall);
        }
        set_reg(base, QUEUE_NUM, NUM as u32);
        if version == 1 {
            set_reg(base, QUEUE_ALIGN, 4096);
            set_reg(base, QUEUE_PFN, (ring >> 12) as u32);
        } else {
            let avail = ring + 16 * NUM as u64;
            let used = ring + 4096;
            set_reg(base, QUEUE_DESC_LOW, ring as u32);
            set_reg(base, QUEUE_DESC_HIGH, (ring >> 32) as u32);
            set_reg(base, QUEUE_DRIVER_LOW, avail as u32);
            set_reg(base, QUEUE_DRIVER_HIGH, (avail >> 32) as u32);
            set_reg(base, QUEUE_DEVICE_LOW, used as u32);
            set_reg(base, QUEUE_DEVICE_HIGH, (used >> 32) as u32);
            set_reg(base, QUEUE_READY, 1);
        }
        status |= STATUS_DRIVER_OK;
        set_reg(base, STATUS, status);
        let capacity = (reg(base, CONFIG + 4) as u64) << 32 | reg(base, CONFIG) as u64;
        Ok(Blk {
            base,
            version,
            device_features,
            features,
            capacity,
            used_seen: 0,
        })
    }

    /// Submits a request of `kind` for `sector` with data at physical
    /// address `data` of `len` bytes (none when `len` is 0; the device writes
    /// it unless `kind` is OUT), and polls for at most `budget` rounds.
    pub fn request(&mut self, kind: u32, sector: u64, data: u64, len: u32, budget: u64) -> Done {
        // SAFETY: the previous request has completed (or the device was
        // reset), so the device does not touch the ring while we fill it.
        let sh = unsafe { &mut *SHARED.0.get() };
        sh.header = Header {
            kind,
            reserved: 0,
            sector,
        };
        sh.status = 0xff;
        let hdr = &sh.header as *const Header as u64;
        let st = &sh.status as *const u8 as u64;
        sh.ring.desc[0] = Desc {
            addr: hdr,
            len: 16,
            flags: DESC_NEXT,
            next: 1,
        };
        let mut last = 1;
        if len > 0 {
            let flags = DESC_NEXT | if kind == T_OUT { 0 } else { DESC_WRITE };
            sh.ring.desc[1] = Desc {
                addr: data,
                len,
                flags,
                next: 2,
            };
            last = 2;
        }
        sh.ring.desc[last] = Desc {
            addr: st,
            len: 1,
            flags: DESC_WRITE,
            next: 0,
        };
        self.kick_and_wait(st as *const u8, budget)
    }

    /// Submits a chain whose second descriptor links back to the first (a
    /// loop a device must detect) and polls for at most `budget` rounds.
    pub fn request_looped(&mut self, budget: u64) -> Done {
        // SAFETY: as in `request`.
        let sh = unsafe { &mut *SHARED.0.get() };
        sh.header = Header {
            kind: T_OUT,
            reserved: 0,
            sector: 0,
        };
        sh.ring.desc[0] = Desc {
            addr: &sh.header as *const Header as u64,
            len: 16,
            flags: DESC_NEXT,
            next: 1,
        };
        sh.ring.desc[1] = Desc {
            addr: &sh.header as *const Header as u64,
            len: 16,
            flags: DESC_NEXT,
            next: 0,
        };
        self.kick_and_wait(&sh.status, budget)
    }

    /// Submits a chain laid out by the caller: `descs` fill the descriptor
    /// table from entry 0 (at most [`NUM`]), whose head is entry 0; polls
    /// for at most `budget` rounds. A completion reports the byte at `status`.
    pub fn submit(&mut self, descs: &[Desc], status: *const u8, budget: u64) -> Done {
        // SAFETY: as in `request`.
        let sh = unsafe { &mut *SHARED.0.get() };
        sh.ring.desc[..descs.len()].copy_from_slice(descs);
        self.kick_and_wait(status, budget)
    }

    /// Makes descriptor 0 available, notifies, and polls for the completion.
    fn kick_and_wait(&mut self, status: *const u8, budget: u64) -> Done {
        // SAFETY: the device only reads what is made available below.
        let sh = unsafe { &mut *SHARED.0.get() };
        let slot = sh.ring.avail_idx as usize % NUM;
        sh.ring.avail_ring[slot] = 0;
        fence(Ordering::SeqCst);
        // SAFETY: the device reads avail_idx; volatile keeps the store ordered.
        unsafe {
            core::ptr::write_volatile(&mut sh.ring.avail_idx, sh.ring.avail_idx.wrapping_add(1))
        };
        fence(Ordering::SeqCst);
        set_reg(self.base, QUEUE_NOTIFY, 0);
        for _ in 0..budget {
            // SAFETY: the device writes used_idx; volatile rereads it.
            let used = unsafe { core::ptr::read_volatile(&sh.ring.used_idx) };
            if used != self.used_seen {
                fence(Ordering::SeqCst);
                self.used_seen = used;
                // SAFETY: the device wrote the status byte before used_idx.
                return Done::Status(unsafe { core::ptr::read_volatile(status) });
            }
            if reg(self.base, STATUS) & STATUS_NEEDS_RESET != 0 {
                return Done::NeedsReset;
            }
        }
        Done::Timeout
    }

    /// The used-ring entry of the last completion: (descriptor id, length).
    pub fn last_used(&self) -> (u32, u32) {
        // SAFETY: read after the completion was observed.
        let sh = unsafe { &*SHARED.0.get() };
        let e = sh.ring.used_ring[(self.used_seen.wrapping_sub(1)) as usize % NUM];
        (e[0], e[1])
    }

    /// Reads and acknowledges InterruptStatus; returns what it read.
    pub fn ack_interrupt(&self) -> u32 {
        let isr = reg(self.base, INTERRUPT_STATUS);
        set_reg(self.base, INTERRUPT_ACK, isr);
        isr
    }

    /// Resets the device (status 0).
    pub fn reset(&self) {
        set_reg(self.base, STATUS, 0);
    }
}
