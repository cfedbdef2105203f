//! virtio-mmio block device (QEMU hw/virtio/virtio-mmio.c + virtio-blk), legacy and modern.
//!
//! QueueNotify only latches ([`VirtioBlk::notified`]); the board then calls
//! [`VirtioBlk::process`] with RAM, which runs every request the driver made
//! available. Guest memory is reached only through `Ram::slice`/`slice_mut`.

use crate::bus::{Device, Fault, Ram};
use crate::devices::disk::{Disk, SECTOR};

pub const MAGIC: u32 = 0x7472_6976;
pub const VENDOR: u32 = 0x554d_4551;
pub const DEVICE_BLOCK: u32 = 2;
/// QueueNumMax of every existing queue.
pub const QUEUE_NUM_MAX: u32 = 1024;
/// QEMU virtio-blk's default queue size, used until the driver sets QueueNum.
const QUEUE_SIZE_DEFAULT: u32 = 256;

// Transport registers.
const R_MAGIC: u64 = 0x000;
const R_VERSION: u64 = 0x004;
const R_DEVICE_ID: u64 = 0x008;
const R_VENDOR_ID: u64 = 0x00c;
const R_DEVICE_FEATURES: u64 = 0x010;
const R_DEVICE_FEATURES_SEL: u64 = 0x014;
const R_DRIVER_FEATURES: u64 = 0x020;
const R_DRIVER_FEATURES_SEL: u64 = 0x024;
const R_GUEST_PAGE_SIZE: u64 = 0x028;
const R_QUEUE_SEL: u64 = 0x030;
const R_QUEUE_NUM_MAX: u64 = 0x034;
const R_QUEUE_NUM: u64 = 0x038;
const R_QUEUE_ALIGN: u64 = 0x03c;
const R_QUEUE_PFN: u64 = 0x040;
const R_QUEUE_READY: u64 = 0x044;
const R_QUEUE_NOTIFY: u64 = 0x050;
const R_INTERRUPT_STATUS: u64 = 0x060;
const R_INTERRUPT_ACK: u64 = 0x064;
const R_STATUS: u64 = 0x070;
const R_QUEUE_DESC_LOW: u64 = 0x080;
const R_QUEUE_DESC_HIGH: u64 = 0x084;
const R_QUEUE_DRIVER_LOW: u64 = 0x090;
const R_QUEUE_DRIVER_HIGH: u64 = 0x094;
const R_QUEUE_DEVICE_LOW: u64 = 0x0a0;
const R_QUEUE_DEVICE_HIGH: u64 = 0x0a4;
const R_CONFIG_GENERATION: u64 = 0x0fc;
const R_CONFIG: u64 = 0x100;
/// The transport's register window; the rest of the 0x1000 slot faults.
const WINDOW: u64 = 0x200;

/// Device status bits.
pub const STATUS_ACKNOWLEDGE: u32 = 1;
pub const STATUS_DRIVER: u32 = 2;
pub const STATUS_DRIVER_OK: u32 = 4;
pub const STATUS_FEATURES_OK: u32 = 8;
pub const STATUS_NEEDS_RESET: u32 = 64;
pub const STATUS_FAILED: u32 = 128;

/// InterruptStatus bits.
pub const INT_USED_BUFFER: u32 = 1;
pub const INT_CONFIG_CHANGE: u32 = 2;

// Feature bits offered (a subset of QEMU 7.2's): blk SEG_MAX, BLK_SIZE, FLUSH,
// and VERSION_1 on the modern transport. No INDIRECT_DESC or EVENT_IDX; chains
// of any layout are accepted all the same.
const F_SEG_MAX: u64 = 1 << 2;
const F_BLK_SIZE: u64 = 1 << 6;
const F_FLUSH: u64 = 1 << 9;
const F_VERSION_1: u64 = 1 << 32;

const DESC_F_NEXT: u16 = 1;
const DESC_F_WRITE: u16 = 2;
const DESC_F_INDIRECT: u16 = 4;
const AVAIL_F_NO_INTERRUPT: u16 = 1;

/// Request types and status values.
pub const T_IN: u32 = 0;
pub const T_OUT: u32 = 1;
pub const T_FLUSH: u32 = 4;
pub const T_GET_ID: u32 = 8;
pub const S_OK: u8 = 0;
pub const S_IOERR: u8 = 1;
pub const S_UNSUPP: u8 = 2;

/// The serial number GET_ID returns (20 bytes, zero padded).
const SERIAL: &[u8] = b"rvcow-virtio-blk";
const ID_BYTES: usize = 20;
/// virtio_blk_config up to num_queues: QEMU sizes the config space by the
/// features offered, and the discard/write-zeroes fields need their features.
const CONFIG_LEN: usize = 0x24;

/// Registers below 0x100 take 32-bit accesses; an 8-byte access is two of
/// them (low address first); other sizes read 0 and are ignored, as in QEMU.
fn split_read(offset: u64, size: u8, mut read: impl FnMut(u64, u8) -> u64) -> u64 {
    if size == 8 {
        read(offset, 4) | read(offset + 4, 4) << 32
    } else {
        read(offset, size)
    }
}

fn split_write(offset: u64, size: u8, val: u64, mut write: impl FnMut(u64, u8, u32)) {
    if size == 8 {
        write(offset, 4, val as u32);
        write(offset + 4, 4, (val >> 32) as u32);
    } else {
        write(offset, size, val as u32);
    }
}

/// An empty virtio-mmio slot: magic, version and vendor read normally,
/// everything else reads 0 and writes are ignored.
pub struct VirtioEmpty {
    pub modern: bool,
}

impl Device for VirtioEmpty {
    fn read(&mut self, offset: u64, size: u8) -> Result<u64, Fault> {
        if offset >= WINDOW {
            return Err(Fault);
        }
        let version = if self.modern { 2 } else { 1 };
        Ok(split_read(offset, size, |off, size| {
            let v: u64 = match off {
                R_MAGIC => MAGIC as u64,
                R_VERSION => version,
                R_VENDOR_ID => VENDOR as u64,
                _ => 0,
            };
            v & (u64::MAX >> (64 - 8 * size as u32))
        }))
    }

    fn write(&mut self, offset: u64, _size: u8, _val: u64) -> Result<(), Fault> {
        if offset >= WINDOW {
            return Err(Fault);
        }
        Ok(())
    }
}

/// The addresses of a split virtqueue's three parts.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Rings {
    desc: u64,
    avail: u64,
    used: u64,
}

/// A device-side view of one descriptor's buffer.
#[derive(Clone, Copy, Debug)]
struct Seg {
    addr: u64,
    len: u32,
    write: bool,
}

/// Why a request cannot even be completed: the device needs a reset.
#[derive(Debug, PartialEq, Eq)]
struct Broken;

/// A virtio-blk device on a virtio-mmio transport (version 1 legacy or 2 modern).
pub struct VirtioBlk {
    disk: Disk,
    modern: bool,
    status: u32,
    interrupt_status: u32,
    config_generation: u32,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: [u32; 2],
    page_shift: u32,
    queue_sel: u32,
    queue_num: u32,
    queue_align: u32,
    /// Legacy queue address (bytes), from QueuePFN.
    queue_addr: u64,
    /// Modern: the registers as written, latched into `active` by QueueReady.
    staged: Rings,
    active: Rings,
    active_num: u32,
    ready: bool,
    last_avail: u16,
    used_idx: u16,
    notified: bool,
    /// Set each time the interrupt line is re-evaluated (QEMU re-reports it then).
    irq_report: bool,
    broken: bool,
    segs: Vec<Seg>,
    /// The data of an OUT request, gathered from its buffers.
    out_buf: Vec<u8>,
}

impl VirtioBlk {
    /// A block device backed by `disk`; `modern` selects transport version 2.
    pub fn new(disk: Disk, modern: bool) -> VirtioBlk {
        let mut d = VirtioBlk {
            disk,
            modern,
            status: 0,
            interrupt_status: 0,
            config_generation: 0,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: [0; 2],
            page_shift: 0,
            queue_sel: 0,
            queue_num: 0,
            queue_align: 0,
            queue_addr: 0,
            staged: Rings::default(),
            active: Rings::default(),
            active_num: 0,
            ready: false,
            last_avail: 0,
            used_idx: 0,
            notified: false,
            irq_report: false,
            broken: false,
            segs: Vec::new(),
            out_buf: Vec::new(),
        };
        d.reset();
        d
    }

    /// Device and transport reset (status 0, or QueuePFN 0 on legacy).
    pub fn reset(&mut self) {
        self.status = 0;
        self.interrupt_status = 0;
        self.device_features_sel = 0;
        self.driver_features_sel = 0;
        self.driver_features = [0; 2];
        self.page_shift = 0;
        self.queue_sel = 0;
        self.queue_num = QUEUE_SIZE_DEFAULT;
        self.queue_align = 4096;
        self.queue_addr = 0;
        self.staged = Rings::default();
        self.active = Rings::default();
        self.active_num = 0;
        self.ready = false;
        self.last_avail = 0;
        self.used_idx = 0;
        self.notified = false;
        self.irq_report = true;
        self.broken = false;
    }

    /// The disk, e.g. to flush it at exit or read its counters.
    pub fn disk(&self) -> &Disk {
        &self.disk
    }

    pub fn disk_mut(&mut self) -> &mut Disk {
        &mut self.disk
    }

    /// The device status register.
    pub fn status(&self) -> u32 {
        self.status
    }

    /// The InterruptStatus register.
    pub fn interrupt_status(&self) -> u32 {
        self.interrupt_status
    }

    /// The features the driver accepted (legacy: word 0 as written; modern:
    /// both words, latched by FEATURES_OK), masked by what the device offers.
    pub fn driver_features(&self) -> u64 {
        let f = (self.driver_features[1] as u64) << 32 | self.driver_features[0] as u64;
        f & self.device_features()
    }

    /// Whether the device re-evaluated its interrupt line since the last call
    /// (used buffers notified, InterruptACK, reset): the board then calls
    /// `plic.set_level(irq, dev.irq_level())`, as QEMU re-reports the level.
    pub fn take_irq_report(&mut self) -> bool {
        std::mem::take(&mut self.irq_report)
    }

    /// Whether the driver wrote QueueNotify since the last [`VirtioBlk::process`].
    pub fn notified(&self) -> bool {
        self.notified
    }

    fn device_features(&self) -> u64 {
        let blk = F_SEG_MAX | F_BLK_SIZE | F_FLUSH;
        if self.modern {
            blk | F_VERSION_1
        } else {
            blk
        }
    }

    fn config(&self) -> [u8; CONFIG_LEN] {
        let mut c = [0u8; CONFIG_LEN];
        c[0..8].copy_from_slice(&self.disk.sectors().to_le_bytes());
        c[0x0c..0x10].copy_from_slice(&(QUEUE_SIZE_DEFAULT - 2).to_le_bytes());
        c[0x14..0x18].copy_from_slice(&(SECTOR as u32).to_le_bytes());
        c[0x22..0x24].copy_from_slice(&1u16.to_le_bytes());
        c
    }

    // A config-space read; bytes past the structure read as all ones.
    fn read_config(&self, off: u64, size: u8) -> u64 {
        let c = self.config();
        let off = off as usize;
        if off + size as usize > CONFIG_LEN {
            return u64::MAX >> (64 - 8 * size as u32);
        }
        let mut b = [0u8; 8];
        b[..size as usize].copy_from_slice(&c[off..off + size as usize]);
        u64::from_le_bytes(b)
    }

    // The legacy queue layout: descriptors, avail ring, used ring aligned up.
    fn legacy_rings(&self) -> Rings {
        let n = self.queue_num as u64;
        let desc = self.queue_addr;
        let avail = desc.wrapping_add(16 * n);
        let align = (self.queue_align as u64).max(1);
        let end = avail.wrapping_add(4 + 2 * n);
        let used = end.div_ceil(align).wrapping_mul(align);
        Rings { desc, avail, used }
    }

    // The rings and size the device uses now, when the queue is live.
    fn live_queue(&self) -> Option<(Rings, u32)> {
        if self.modern {
            (self.ready && self.active_num > 0).then_some((self.active, self.active_num))
        } else {
            (self.queue_addr != 0 && self.queue_num > 0)
                .then(|| (self.legacy_rings(), self.queue_num))
        }
    }

    fn read_reg(&mut self, off: u64, size: u8) -> u32 {
        if size != 4 {
            return 0;
        }
        let q0 = self.queue_sel == 0;
        match off {
            R_MAGIC => MAGIC,
            R_VERSION => 1 + self.modern as u32,
            R_DEVICE_ID => DEVICE_BLOCK,
            R_VENDOR_ID => VENDOR,
            R_DEVICE_FEATURES => match (self.modern, self.device_features_sel) {
                (_, 0) => self.device_features() as u32,
                (true, 1) => (self.device_features() >> 32) as u32,
                _ => 0,
            },
            R_QUEUE_NUM_MAX if q0 => QUEUE_NUM_MAX,
            R_QUEUE_PFN if q0 && !self.modern => (self.queue_addr >> self.page_shift) as u32,
            R_QUEUE_READY if q0 && self.modern => self.ready as u32,
            R_INTERRUPT_STATUS => self.interrupt_status,
            R_STATUS => self.status,
            R_CONFIG_GENERATION if self.modern => self.config_generation,
            _ => 0,
        }
    }

    fn write_reg(&mut self, off: u64, size: u8, val: u32) {
        if size != 4 {
            return;
        }
        let q0 = self.queue_sel == 0;
        let legacy = !self.modern;
        let lo = |a: u64| (a & !0xffff_ffff) | val as u64;
        let hi = |a: u64| (a & 0xffff_ffff) | (val as u64) << 32;
        match off {
            R_DEVICE_FEATURES_SEL => self.device_features_sel = val,
            R_DRIVER_FEATURES if legacy => {
                if self.driver_features_sel == 0 {
                    self.driver_features[0] = val;
                }
            }
            R_DRIVER_FEATURES => {
                if let Some(w) = self
                    .driver_features
                    .get_mut(self.driver_features_sel as usize)
                {
                    *w = val;
                }
            }
            R_DRIVER_FEATURES_SEL => self.driver_features_sel = val,
            R_GUEST_PAGE_SIZE if legacy => {
                self.page_shift = if val == 0 { 0 } else { val.trailing_zeros() };
            }
            R_QUEUE_SEL => {
                if val < QUEUE_NUM_MAX {
                    self.queue_sel = val;
                }
            }
            R_QUEUE_NUM if q0 => {
                if val > 0 && val <= QUEUE_NUM_MAX {
                    self.queue_num = val;
                }
            }
            R_QUEUE_ALIGN if q0 && legacy => self.queue_align = val,
            R_QUEUE_PFN if legacy => {
                if val == 0 {
                    self.reset();
                } else if q0 {
                    self.queue_addr = (val as u64) << self.page_shift;
                }
            }
            R_QUEUE_READY if q0 && self.modern => {
                if val != 0 {
                    self.active = self.staged;
                    self.active_num = self.queue_num;
                    self.ready = true;
                } else {
                    self.ready = false;
                }
            }
            R_QUEUE_NOTIFY => {
                if val == 0 {
                    self.notified = true;
                }
            }
            R_INTERRUPT_ACK => {
                self.interrupt_status &= !val;
                self.irq_report = true;
            }
            R_STATUS => {
                if self.modern
                    && val & STATUS_FEATURES_OK != 0
                    && self.status & STATUS_FEATURES_OK == 0
                {
                    log::debug!("virtio-blk: driver features {:#x}", self.driver_features());
                }
                self.status = val & 0xff;
                if self.status == 0 {
                    self.reset();
                }
            }
            R_QUEUE_DESC_LOW if q0 && self.modern => self.staged.desc = lo(self.staged.desc),
            R_QUEUE_DESC_HIGH if q0 && self.modern => self.staged.desc = hi(self.staged.desc),
            R_QUEUE_DRIVER_LOW if q0 && self.modern => self.staged.avail = lo(self.staged.avail),
            R_QUEUE_DRIVER_HIGH if q0 && self.modern => self.staged.avail = hi(self.staged.avail),
            R_QUEUE_DEVICE_LOW if q0 && self.modern => self.staged.used = lo(self.staged.used),
            R_QUEUE_DEVICE_HIGH if q0 && self.modern => self.staged.used = hi(self.staged.used),
            _ => log::debug!("virtio-blk: ignored write {val:#x} at {off:#x}"),
        }
    }
}

impl Device for VirtioBlk {
    fn read(&mut self, offset: u64, size: u8) -> Result<u64, Fault> {
        if offset >= WINDOW {
            return Err(Fault);
        }
        Ok(split_read(offset, size, |off, size| {
            if off >= R_CONFIG {
                self.read_config(off - R_CONFIG, size)
            } else {
                self.read_reg(off, size) as u64
            }
        }))
    }

    fn write(&mut self, offset: u64, size: u8, val: u64) -> Result<(), Fault> {
        if offset >= WINDOW {
            return Err(Fault);
        }
        split_write(offset, size, val, |off, size, val| {
            // Config space is read-only: no CONFIG_WCE offered.
            if off < R_CONFIG {
                self.write_reg(off, size, val);
            }
        });
        Ok(())
    }

    fn irq_level(&self) -> bool {
        self.interrupt_status != 0
    }
}

fn read_u16(ram: &Ram, pa: u64) -> Option<u16> {
    ram.slice(pa, 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn write_bytes(ram: &mut Ram, pa: u64, bytes: &[u8]) -> Option<()> {
    ram.slice_mut(pa, bytes.len())?.copy_from_slice(bytes);
    Some(())
}

// Copies device-readable bytes, starting `skip` bytes into them, to `dst`.
// The segments were checked to lie in RAM.
fn gather(ram: &Ram, segs: &[Seg], mut skip: usize, mut dst: &mut [u8]) {
    for s in segs.iter().filter(|s| !s.write) {
        if dst.is_empty() {
            break;
        }
        let len = s.len as usize;
        if skip >= len {
            skip -= len;
            continue;
        }
        let n = (len - skip).min(dst.len());
        if let Some(src) = ram.slice(s.addr + skip as u64, n) {
            dst[..n].copy_from_slice(src);
        }
        dst = &mut dst[n..];
        skip = 0;
    }
}

// Copies `src` into the device-writable segments, from their start.
fn scatter(ram: &mut Ram, segs: &[Seg], mut src: &[u8]) {
    for s in segs.iter().filter(|s| s.write) {
        if src.is_empty() {
            break;
        }
        let n = (s.len as usize).min(src.len());
        if let Some(dst) = ram.slice_mut(s.addr, n) {
            dst.copy_from_slice(&src[..n]);
        }
        src = &src[n..];
    }
}

impl VirtioBlk {
    /// Runs every request made available since the last call: reads the
    /// chain, executes it on the disk, writes the status byte and a used
    /// element (len = every device-writable byte, as QEMU), then raises the
    /// used-buffer interrupt unless the driver suppressed it. A chain that
    /// cannot be completed (rings, descriptors or status byte outside RAM,
    /// a loop, bad ordering) sets DEVICE_NEEDS_RESET and stops the queue.
    pub fn process(&mut self, ram: &mut Ram) {
        self.notified = false;
        if self.broken {
            return;
        }
        let Some((rings, num)) = self.live_queue() else {
            return;
        };
        let mut completed = false;
        loop {
            let Some(avail_idx) = read_u16(ram, rings.avail.wrapping_add(2)) else {
                self.fail("avail ring outside RAM");
                break;
            };
            if avail_idx == self.last_avail {
                break;
            }
            if avail_idx.wrapping_sub(self.last_avail) as u32 > num {
                self.fail("avail index moved too far");
                break;
            }
            let slot = (self.last_avail as u32 % num) as u64;
            let head = read_u16(ram, rings.avail.wrapping_add(4 + 2 * slot));
            let done = head.ok_or(Broken).and_then(|h| {
                let len = self.execute(ram, rings.desc, num, h)?;
                self.push_used(ram, rings.used, num, h, len)
            });
            if done.is_err() {
                self.fail("malformed request");
                break;
            }
            self.last_avail = self.last_avail.wrapping_add(1);
            completed = true;
        }
        let suppressed = read_u16(ram, rings.avail).unwrap_or(0) & AVAIL_F_NO_INTERRUPT != 0;
        if completed && !suppressed {
            self.interrupt_status |= INT_USED_BUFFER;
            self.irq_report = true;
        }
    }

    fn fail(&mut self, why: &str) {
        log::warn!("virtio-blk: {why}; device needs reset");
        self.broken = true;
        self.status |= STATUS_NEEDS_RESET;
        self.interrupt_status |= INT_CONFIG_CHANGE;
        self.irq_report = true;
        self.config_generation = self.config_generation.wrapping_add(1);
    }

    fn push_used(
        &mut self,
        ram: &mut Ram,
        used: u64,
        num: u32,
        id: u16,
        len: u32,
    ) -> Result<(), Broken> {
        let slot = (self.used_idx as u32 % num) as u64;
        let mut elem = [0u8; 8];
        elem[..4].copy_from_slice(&(id as u32).to_le_bytes());
        elem[4..].copy_from_slice(&len.to_le_bytes());
        write_bytes(ram, used.wrapping_add(4 + 8 * slot), &elem).ok_or(Broken)?;
        self.used_idx = self.used_idx.wrapping_add(1);
        write_bytes(ram, used.wrapping_add(2), &self.used_idx.to_le_bytes()).ok_or(Broken)
    }

    // Collects the chain at `head` into `self.segs`: bounded by the queue size,
    // readable buffers before writable ones, no indirect tables.
    fn read_chain(&mut self, ram: &Ram, desc: u64, num: u32, head: u16) -> Result<(), Broken> {
        self.segs.clear();
        let mut i = head;
        loop {
            if i as u32 >= num || self.segs.len() as u32 >= num {
                return Err(Broken);
            }
            let d = ram
                .slice(desc.wrapping_add(16 * i as u64), 16)
                .ok_or(Broken)?;
            let addr = u64::from_le_bytes(d[0..8].try_into().unwrap_or_default());
            let len = u32::from_le_bytes(d[8..12].try_into().unwrap_or_default());
            let flags = u16::from_le_bytes([d[12], d[13]]);
            let next = u16::from_le_bytes([d[14], d[15]]);
            let write = flags & DESC_F_WRITE != 0;
            if flags & DESC_F_INDIRECT != 0 || (!write && self.segs.last().is_some_and(|s| s.write))
            {
                return Err(Broken);
            }
            self.segs.push(Seg { addr, len, write });
            if flags & DESC_F_NEXT == 0 {
                return Ok(());
            }
            i = next;
        }
    }

    // Executes one request; returns the used length.
    fn execute(&mut self, ram: &mut Ram, desc: u64, num: u32, head: u16) -> Result<u32, Broken> {
        self.read_chain(ram, desc, num, head)?;
        let last = *self.segs.last().ok_or(Broken)?;
        if !last.write || last.len == 0 {
            return Err(Broken);
        }
        let status_pa = last.addr.wrapping_add(last.len as u64 - 1);
        ram.slice(status_pa, 1).ok_or(Broken)?;
        let status = self.request(ram);
        write_bytes(ram, status_pa, &[status]).ok_or(Broken)?;
        let in_len: u64 = self
            .segs
            .iter()
            .filter(|s| s.write)
            .map(|s| s.len as u64)
            .sum();
        Ok(in_len.min(u32::MAX as u64) as u32)
    }

    // Runs the request in `self.segs` (status byte known to be in RAM); returns its status.
    fn request(&mut self, ram: &mut Ram) -> u8 {
        if self
            .segs
            .iter()
            .any(|s| ram.offset(s.addr, s.len as u64).is_none())
        {
            return S_IOERR;
        }
        let readable: u64 = self
            .segs
            .iter()
            .filter(|s| !s.write)
            .map(|s| s.len as u64)
            .sum();
        let writable: u64 = self
            .segs
            .iter()
            .filter(|s| s.write)
            .map(|s| s.len as u64)
            .sum();
        if readable < 16 {
            return S_IOERR;
        }
        let mut hdr = [0u8; 16];
        gather(ram, &self.segs, 0, &mut hdr);
        let kind = u32::from_le_bytes(hdr[0..4].try_into().unwrap_or_default());
        let sector = u64::from_le_bytes(hdr[8..16].try_into().unwrap_or_default());
        let data_in = (writable - 1) as usize;
        let data_out = (readable - 16) as usize;
        match kind {
            T_IN => {
                if !data_in.is_multiple_of(SECTOR) {
                    return S_IOERR;
                }
                match self.disk.read_at(sector, data_in) {
                    Some(src) => scatter(ram, &self.segs, src),
                    None => return S_IOERR,
                }
            }
            T_OUT => {
                if !data_out.is_multiple_of(SECTOR) {
                    return S_IOERR;
                }
                if !self.disk.fits(sector, data_out) {
                    return S_IOERR;
                }
                let mut buf = std::mem::take(&mut self.out_buf);
                buf.resize(data_out, 0);
                gather(ram, &self.segs, 16, &mut buf);
                let written = self.disk.write(sector, &buf);
                self.out_buf = buf;
                if !written {
                    return S_IOERR;
                }
            }
            T_FLUSH => {
                if let Err(e) = self.disk.flush() {
                    log::warn!("virtio-blk: flush of {}: {e}", self.disk.path().display());
                    return S_IOERR;
                }
            }
            T_GET_ID => {
                let mut id = [0u8; ID_BYTES];
                id[..SERIAL.len()].copy_from_slice(SERIAL);
                scatter(ram, &self.segs, &id[..data_in.min(ID_BYTES)]);
            }
            _ => return S_UNSUPP,
        }
        S_OK
    }
}

#[cfg(test)]
#[path = "virtio_blk_tests.rs"]
mod tests;
