//! Tests of virtio_blk.rs: a small driver in the style of xv6's virtio_disk.c.

use super::*;
use crate::devices::disk::Cache;

const RAM: u64 = 0x8000_0000;
const QUEUE: u64 = RAM + 0x1_0000; // page-aligned queue area
const BUF: u64 = RAM + 0x2_0000; // request headers, data and status bytes
const NUM: u32 = 8;

struct Driver {
    ram: Ram,
    dev: VirtioBlk,
    rings: Rings,
    avail_idx: u16,
    used_seen: u16,
}

fn rd(d: &mut VirtioBlk, off: u64) -> u32 {
    d.read(off, 4).unwrap() as u32
}

fn wr(d: &mut VirtioBlk, off: u64, val: u32) {
    d.write(off, 4, val as u64).unwrap();
}

fn disk(sectors: usize) -> Disk {
    let bytes = (0..sectors * SECTOR).map(|i| (i / SECTOR) as u8).collect();
    Disk::from_bytes(bytes)
}

/// xv6's legacy initialisation sequence; returns where the rings are.
fn init_legacy(dev: &mut VirtioBlk, align: u32) -> Rings {
    wr(dev, R_STATUS, STATUS_ACKNOWLEDGE);
    wr(dev, R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    let f = rd(dev, R_DEVICE_FEATURES);
    wr(dev, R_DRIVER_FEATURES, f & !(1 << 9));
    wr(dev, R_STATUS, 0xb);
    wr(dev, R_GUEST_PAGE_SIZE, 4096);
    wr(dev, R_QUEUE_SEL, 0);
    assert_eq!(rd(dev, R_QUEUE_NUM_MAX), 1024);
    wr(dev, R_QUEUE_NUM, NUM);
    wr(dev, R_QUEUE_ALIGN, align);
    wr(dev, R_QUEUE_PFN, (QUEUE >> 12) as u32);
    wr(dev, R_STATUS, 0xf);
    let avail = QUEUE + 16 * NUM as u64;
    let used = (avail + 4 + 2 * NUM as u64).next_multiple_of(align as u64);
    Rings {
        desc: QUEUE,
        avail,
        used,
    }
}

impl Driver {
    /// xv6 (2021) legacy initialisation, with QueueAlign `align`.
    fn legacy(disk: Disk, align: u32) -> Driver {
        let mut dev = VirtioBlk::new(disk, false);
        let rings = init_legacy(&mut dev, align);
        Driver::with(dev, rings)
    }

    /// xv6 (2022+) modern initialisation, rings at separate pages.
    fn modern(disk: Disk) -> Driver {
        let mut dev = VirtioBlk::new(disk, true);
        wr(&mut dev, R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        wr(&mut dev, R_DEVICE_FEATURES_SEL, 1);
        assert_eq!(rd(&mut dev, R_DEVICE_FEATURES), 1);
        wr(&mut dev, R_DEVICE_FEATURES_SEL, 0);
        let f = rd(&mut dev, R_DEVICE_FEATURES);
        wr(&mut dev, R_DRIVER_FEATURES_SEL, 0);
        wr(&mut dev, R_DRIVER_FEATURES, f);
        wr(&mut dev, R_DRIVER_FEATURES_SEL, 1);
        wr(&mut dev, R_DRIVER_FEATURES, 1);
        wr(&mut dev, R_STATUS, 0xb);
        assert_eq!(rd(&mut dev, R_STATUS), 0xb);
        wr(&mut dev, R_QUEUE_SEL, 0);
        assert_eq!(rd(&mut dev, R_QUEUE_READY), 0);
        wr(&mut dev, R_QUEUE_NUM, NUM);
        let rings = Rings {
            desc: QUEUE,
            avail: QUEUE + 0x1000,
            used: QUEUE + 0x2000,
        };
        for (lo, v) in [
            (R_QUEUE_DESC_LOW, rings.desc),
            (R_QUEUE_DRIVER_LOW, rings.avail),
            (R_QUEUE_DEVICE_LOW, rings.used),
        ] {
            wr(&mut dev, lo, v as u32);
            wr(&mut dev, lo + 4, (v >> 32) as u32);
        }
        wr(&mut dev, R_QUEUE_READY, 1);
        assert_eq!(rd(&mut dev, R_QUEUE_READY), 1);
        wr(&mut dev, R_STATUS, 0xf);
        Driver::with(dev, rings)
    }

    fn with(dev: VirtioBlk, rings: Rings) -> Driver {
        Driver {
            ram: Ram::new(RAM, 0x4_0000),
            dev,
            rings,
            avail_idx: 0,
            used_seen: 0,
        }
    }

    fn put(&mut self, pa: u64, bytes: &[u8]) {
        self.ram
            .slice_mut(pa, bytes.len())
            .unwrap()
            .copy_from_slice(bytes);
    }

    fn get(&self, pa: u64, len: usize) -> Vec<u8> {
        self.ram.slice(pa, len).unwrap().to_vec()
    }

    fn u16_at(&self, pa: u64) -> u16 {
        u16::from_le_bytes(self.get(pa, 2).try_into().unwrap())
    }

    fn u32_at(&self, pa: u64) -> u32 {
        u32::from_le_bytes(self.get(pa, 4).try_into().unwrap())
    }

    fn header(&mut self, pa: u64, kind: u32, sector: u64) {
        let mut h = [0u8; 16];
        h[..4].copy_from_slice(&kind.to_le_bytes());
        h[8..].copy_from_slice(&sector.to_le_bytes());
        self.put(pa, &h);
    }

    /// Writes descriptors `first..` for `chain` (addr, len, write) and makes the head available.
    fn offer(&mut self, first: u16, chain: &[(u64, u32, bool)]) {
        for (k, &(addr, len, write)) in chain.iter().enumerate() {
            let i = first + k as u16;
            let last = k + 1 == chain.len();
            let flags = if write { DESC_F_WRITE } else { 0 } | if last { 0 } else { DESC_F_NEXT };
            let mut d = [0u8; 16];
            d[..8].copy_from_slice(&addr.to_le_bytes());
            d[8..12].copy_from_slice(&len.to_le_bytes());
            d[12..14].copy_from_slice(&flags.to_le_bytes());
            d[14..].copy_from_slice(&(i + 1).to_le_bytes());
            self.put(self.rings.desc + 16 * i as u64, &d);
        }
        let slot = (self.avail_idx as u32 % NUM) as u64;
        self.put(self.rings.avail + 4 + 2 * slot, &first.to_le_bytes());
        self.avail_idx = self.avail_idx.wrapping_add(1);
        self.put(self.rings.avail + 2, &self.avail_idx.to_le_bytes());
    }

    /// QueueNotify, then the board's process call.
    fn kick(&mut self) {
        wr(&mut self.dev, R_QUEUE_NOTIFY, 0);
        assert!(self.dev.notified());
        self.dev.process(&mut self.ram);
        assert!(!self.dev.notified());
    }

    /// The next used element (id, len).
    fn used(&mut self) -> (u32, u32) {
        assert_eq!(
            self.u16_at(self.rings.used + 2),
            self.used_seen.wrapping_add(1)
        );
        let e = self.rings.used + 4 + 8 * (self.used_seen as u32 % NUM) as u64;
        self.used_seen = self.used_seen.wrapping_add(1);
        (self.u32_at(e), self.u32_at(e + 4))
    }

    /// One request with a 16-byte header, one data buffer and a status byte.
    fn request(&mut self, kind: u32, sector: u64, data: u64, len: u32, write: bool) -> u8 {
        self.header(BUF, kind, sector);
        self.put(BUF + 16, &[0xee]);
        self.offer(
            0,
            &[(BUF, 16, false), (data, len, write), (BUF + 16, 1, true)],
        );
        self.kick();
        let (id, used_len) = self.used();
        assert_eq!(id, 0);
        assert_eq!(used_len, if write { len + 1 } else { 1 });
        self.get(BUF + 16, 1)[0]
    }

    fn ack(&mut self) {
        let s = rd(&mut self.dev, R_INTERRUPT_STATUS);
        wr(&mut self.dev, R_INTERRUPT_ACK, s & 3);
        assert!(!self.dev.irq_level());
    }
}

const DATA: u64 = BUF + 0x1000;

#[test]
fn legacy_registers() {
    let mut d = VirtioBlk::new(disk(3), false);
    assert_eq!(rd(&mut d, R_MAGIC), 0x7472_6976);
    assert_eq!(rd(&mut d, R_VERSION), 1);
    assert_eq!(rd(&mut d, R_DEVICE_ID), 2);
    assert_eq!(rd(&mut d, R_VENDOR_ID), 0x554d_4551);
    assert_eq!(
        rd(&mut d, R_DEVICE_FEATURES),
        (1 << 2) | (1 << 6) | (1 << 9)
    );
    wr(&mut d, R_DEVICE_FEATURES_SEL, 1);
    assert_eq!(rd(&mut d, R_DEVICE_FEATURES), 0);
    // Config space: capacity (also as one 8-byte access), seg_max, blk_size, num_queues.
    assert_eq!(d.read(0x100, 8), Ok(3));
    assert_eq!(rd(&mut d, 0x100), 3);
    assert_eq!(rd(&mut d, 0x104), 0);
    assert_eq!(rd(&mut d, 0x10c), 254);
    assert_eq!(rd(&mut d, 0x114), 512);
    assert_eq!(d.read(0x115, 1), Ok(2));
    assert_eq!(d.read(0x122, 2), Ok(1));
    assert_eq!(rd(&mut d, 0x124), 0xffff_ffff);
    assert_eq!(d.read(0x122, 4), Ok(0xffff_ffff));
    assert_eq!(rd(&mut d, 0x13c), 0xffff_ffff);
    assert_eq!(d.read(0x1ff, 1), Ok(0xff));
    // Config space is read-only.
    wr(&mut d, 0x100, 99);
    assert_eq!(rd(&mut d, 0x100), 3);
    // Modern-only registers read 0; wrong sizes read 0; past 0x200 faults.
    assert_eq!(rd(&mut d, R_QUEUE_READY), 0);
    assert_eq!(rd(&mut d, R_CONFIG_GENERATION), 0);
    assert_eq!(d.read(R_MAGIC, 2), Ok(0));
    assert_eq!(d.read(R_MAGIC, 8), Ok(0x1_7472_6976));
    assert_eq!(d.read(0x200, 4), Err(Fault));
    assert_eq!(d.write(0xffc, 4, 0), Err(Fault));
    // Only queue 0 exists.
    assert_eq!(rd(&mut d, R_QUEUE_NUM_MAX), 1024);
    wr(&mut d, R_QUEUE_SEL, 1);
    assert_eq!(rd(&mut d, R_QUEUE_NUM_MAX), 0);
    wr(&mut d, R_QUEUE_PFN, 0x80010);
    assert_eq!(rd(&mut d, R_QUEUE_PFN), 0);
    wr(&mut d, R_QUEUE_SEL, 0);
    wr(&mut d, R_GUEST_PAGE_SIZE, 4096);
    wr(&mut d, R_QUEUE_PFN, 0x80010);
    assert_eq!(rd(&mut d, R_QUEUE_PFN), 0x80010);
    // Read-only registers ignore writes; status holds what is written.
    wr(&mut d, R_MAGIC, 0);
    wr(&mut d, R_INTERRUPT_STATUS, 3);
    assert_eq!(rd(&mut d, R_MAGIC), 0x7472_6976);
    assert_eq!(rd(&mut d, R_INTERRUPT_STATUS), 0);
    wr(&mut d, R_STATUS, 0x1ff);
    assert_eq!(rd(&mut d, R_STATUS), 0xff);
    // Writing status 0 resets the transport.
    wr(&mut d, R_STATUS, 0);
    assert_eq!(rd(&mut d, R_QUEUE_PFN), 0);
    assert_eq!(d.driver_features(), 0);
}

#[test]
fn legacy_write_then_read_back() {
    let mut drv = Driver::legacy(disk(8), 4096);
    assert_eq!(drv.dev.driver_features(), (1 << 2) | (1 << 6));
    drv.put(DATA, &[0x5a; 1024]);
    assert_eq!(drv.request(T_OUT, 2, DATA, 1024, false), S_OK);
    assert_eq!(rd(&mut drv.dev, R_INTERRUPT_STATUS), 1);
    assert!(drv.dev.irq_level());
    drv.ack();
    assert_eq!(&drv.dev.disk().bytes()[1024..2048], &[0x5a; 1024][..]);
    assert_eq!(drv.dev.disk().bytes()[2048], 4);
    assert_eq!(drv.request(T_IN, 1, DATA + 0x1000, 1536, true), S_OK);
    let got = drv.get(DATA + 0x1000, 1536);
    assert_eq!(&got[..512], &[1; 512][..]);
    assert_eq!(&got[512..], &[0x5a; 1024][..]);
    assert_eq!(drv.dev.disk().bytes_read, 1536);
    assert_eq!(drv.dev.disk().bytes_written, 1024);
    assert!(drv.dev.irq_level());
}

#[test]
fn irq_reports() {
    let mut drv = Driver::legacy(disk(2), 4096);
    drv.dev.take_irq_report();
    assert_eq!(drv.request(T_IN, 1, DATA, 512, true), S_OK);
    assert!(drv.dev.take_irq_report());
    assert!(!drv.dev.take_irq_report());
    // Register reads do not re-report; an ACK does, even of nothing.
    rd(&mut drv.dev, R_INTERRUPT_STATUS);
    rd(&mut drv.dev, R_STATUS);
    assert!(!drv.dev.take_irq_report());
    wr(&mut drv.dev, R_INTERRUPT_ACK, 0);
    assert!(drv.dev.take_irq_report());
    assert!(drv.dev.irq_level());
    drv.ack();
    assert!(drv.dev.take_irq_report());
    // A kick with nothing available completes nothing and reports nothing.
    drv.kick();
    assert!(!drv.dev.take_irq_report());
}

#[test]
fn legacy_queue_align_places_used_ring() {
    // 8 descriptors (128 bytes) + avail (20 bytes) = 148, aligned to 64: 192.
    let mut drv = Driver::legacy(disk(2), 64);
    assert_eq!(drv.rings.used, QUEUE + 192);
    assert_eq!(drv.request(T_IN, 1, DATA, 512, true), S_OK);
    assert_eq!(drv.get(DATA, 512), vec![1; 512]);
}

#[test]
fn modern_requests_and_registers() {
    let mut drv = Driver::modern(disk(4));
    assert_eq!(rd(&mut drv.dev, R_VERSION), 2);
    assert_eq!(
        drv.dev.driver_features(),
        (1 << 32) | (1 << 2) | (1 << 6) | (1 << 9)
    );
    // Legacy-only registers are ignored.
    assert_eq!(rd(&mut drv.dev, R_QUEUE_PFN), 0);
    wr(&mut drv.dev, R_QUEUE_PFN, 0);
    assert_eq!(rd(&mut drv.dev, R_STATUS), 0xf);
    assert_eq!(rd(&mut drv.dev, R_CONFIG_GENERATION), 0);
    drv.put(DATA, &[0x11; 512]);
    assert_eq!(drv.request(T_OUT, 3, DATA, 512, false), S_OK);
    assert_eq!(drv.request(T_IN, 3, DATA + 512, 512, true), S_OK);
    assert_eq!(drv.get(DATA + 512, 512), vec![0x11; 512]);
    // Ring registers written after QueueReady do not move the live queue.
    wr(&mut drv.dev, R_QUEUE_DESC_LOW, 0x1234);
    assert_eq!(drv.request(T_IN, 0, DATA, 512, true), S_OK);
    assert_eq!(drv.get(DATA, 512), vec![0; 512]);
    // QueueReady 0 stops the queue.
    wr(&mut drv.dev, R_QUEUE_READY, 0);
    drv.offer(0, &[(BUF, 16, false), (BUF + 16, 1, true)]);
    drv.kick();
    assert_eq!(drv.u16_at(drv.rings.used + 2), 3);
}

#[test]
fn flush_get_id_and_unsupported() {
    let mut drv = Driver::legacy(disk(2), 4096);
    assert_eq!(drv.request(T_GET_ID, 0, DATA, 512, true), S_OK);
    let id = drv.get(DATA, 21);
    assert_eq!(&id[..16], b"rvcow-virtio-blk");
    assert_eq!(&id[16..20], &[0; 4]);
    // Only 20 bytes are written.
    assert_eq!(id[20], 0);
    drv.put(DATA, &[0x77; 32]);
    assert_eq!(drv.request(T_GET_ID, 0, DATA, 8, true), S_OK);
    assert_eq!(drv.get(DATA, 9), b"rvcow-vi\x77");
    // FLUSH has no data buffer.
    drv.header(BUF, T_FLUSH, 0);
    drv.offer(0, &[(BUF, 16, false), (BUF + 16, 1, true)]);
    drv.kick();
    assert_eq!(drv.used(), (0, 1));
    assert_eq!(drv.get(BUF + 16, 1)[0], S_OK);
    // DISCARD (11) is not offered.
    drv.header(BUF, 11, 0);
    drv.offer(0, &[(BUF, 16, false), (BUF + 16, 1, true)]);
    drv.kick();
    assert_eq!(drv.used(), (0, 1));
    assert_eq!(drv.get(BUF + 16, 1)[0], S_UNSUPP);
}

/// A 4-sector image file for the cache-mode tests.
fn image_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rvcow-vblk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, vec![0u8; 2048]).unwrap();
    path
}

/// Sends a FLUSH and returns its status.
fn flush(drv: &mut Driver) -> u8 {
    drv.header(BUF, T_FLUSH, 0);
    drv.offer(0, &[(BUF, 16, false), (BUF + 16, 1, true)]);
    drv.kick();
    drv.used();
    drv.get(BUF + 16, 1)[0]
}

#[test]
fn writes_reach_the_image_file_as_they_complete() {
    let path = image_file("writeback.img");
    let mut drv = Driver::legacy(Disk::open(&path, false).unwrap(), 4096);
    drv.put(DATA, &[0x42; 512]);
    assert_eq!(drv.request(T_OUT, 1, DATA, 512, false), S_OK);
    let file = std::fs::read(&path).unwrap();
    assert_eq!(&file[512..1024], &[0x42; 512][..]);
    assert_eq!(&file[1024..], &[0; 1024][..]);
    assert_eq!(flush(&mut drv), S_OK);
}

#[test]
fn unsafe_cache_writes_at_exit_only() {
    let path = image_file("unsafe.img");
    let disk = Disk::open(&path, false).unwrap().with_cache(Cache::Unsafe);
    let mut drv = Driver::legacy(disk, 4096);
    drv.put(DATA, &[0x42; 512]);
    assert_eq!(drv.request(T_OUT, 1, DATA, 512, false), S_OK);
    assert_eq!(flush(&mut drv), S_OK);
    assert_eq!(std::fs::read(&path).unwrap(), vec![0u8; 2048]);
    assert_eq!(drv.dev.disk_mut().sync(), Ok(()));
    assert_eq!(&std::fs::read(&path).unwrap()[512..1024], &[0x42; 512][..]);
}

#[test]
fn any_layout_chains() {
    let mut drv = Driver::legacy(disk(4), 4096);
    // Header and data in one readable buffer.
    drv.header(DATA, T_OUT, 2);
    drv.put(DATA + 16, &[9; 512]);
    drv.offer(0, &[(DATA, 528, false), (BUF + 16, 1, true)]);
    drv.kick();
    assert_eq!(drv.used(), (0, 1));
    assert_eq!(drv.get(BUF + 16, 1)[0], S_OK);
    assert_eq!(&drv.dev.disk().bytes()[1024..1536], &[9; 512][..]);
    // Data and status byte in one writable buffer; header split in two.
    drv.header(BUF, T_IN, 2);
    drv.offer(
        2,
        &[
            (BUF, 4, false),
            (BUF + 4, 12, false),
            (DATA + 0x800, 513, true),
        ],
    );
    drv.kick();
    assert_eq!(drv.used(), (2, 513));
    assert_eq!(drv.get(DATA + 0x800, 512), vec![9; 512]);
    assert_eq!(drv.get(DATA + 0xa00, 1)[0], S_OK);
}

#[test]
fn bad_requests_complete_with_ioerr() {
    let mut drv = Driver::legacy(disk(4), 4096);
    // Past the end of the disk, and straddling it.
    assert_eq!(drv.request(T_IN, 4, DATA, 512, true), S_IOERR);
    assert_eq!(drv.request(T_OUT, 3, DATA, 1024, false), S_IOERR);
    assert_eq!(drv.request(T_IN, u64::MAX, DATA, 512, true), S_IOERR);
    // Not a whole number of sectors.
    assert_eq!(drv.request(T_IN, 0, DATA, 100, true), S_IOERR);
    // Data buffer outside RAM, status byte inside.
    assert_eq!(drv.request(T_IN, 0, 0x1000, 512, true), S_IOERR);
    assert_eq!(drv.request(T_OUT, 0, RAM + 0x3_ff00, 512, false), S_IOERR);
    // Header too short.
    drv.header(BUF, T_IN, 0);
    drv.offer(0, &[(BUF, 8, false), (BUF + 16, 1, true)]);
    drv.kick();
    assert_eq!(drv.used(), (0, 1));
    assert_eq!(drv.get(BUF + 16, 1)[0], S_IOERR);
    // The disk was never touched and the device still works.
    assert_eq!(drv.dev.disk().bytes_written, 0);
    assert_eq!(rd(&mut drv.dev, R_STATUS), 0xf);
    assert_eq!(drv.request(T_IN, 3, DATA, 512, true), S_OK);
    assert_eq!(drv.get(DATA, 512), vec![3; 512]);
}

// Makes the device unusable with `setup`, checks NEEDS_RESET, then resets and reuses it.
fn breaks_device(setup: impl FnOnce(&mut Driver)) {
    let mut drv = Driver::legacy(disk(2), 4096);
    setup(&mut drv);
    drv.kick();
    assert_eq!(rd(&mut drv.dev, R_STATUS), 0xf | STATUS_NEEDS_RESET);
    assert_eq!(drv.u16_at(drv.rings.used + 2), 0);
    assert_eq!(rd(&mut drv.dev, R_INTERRUPT_STATUS), INT_CONFIG_CHANGE);
    // Further requests are not processed until reset.
    drv.offer(0, &[(BUF, 16, false), (BUF + 16, 1, true)]);
    drv.kick();
    assert_eq!(drv.u16_at(drv.rings.used + 2), 0);
    wr(&mut drv.dev, R_STATUS, 0);
    assert!(!drv.dev.irq_level());
    assert_eq!(rd(&mut drv.dev, R_STATUS), 0);
    // The driver starts over with fresh rings.
    drv.ram.slice_mut(QUEUE, 0x2000).unwrap().fill(0);
    drv.avail_idx = 0;
    drv.used_seen = 0;
    init_legacy(&mut drv.dev, 4096);
    assert_eq!(drv.request(T_IN, 1, DATA, 512, true), S_OK);
}

#[test]
fn status_byte_outside_ram_needs_reset() {
    breaks_device(|d| {
        d.header(BUF, T_IN, 0);
        d.offer(0, &[(BUF, 16, false), (DATA, 512, true), (0x2000, 1, true)]);
    });
}

#[test]
fn looping_chain_needs_reset() {
    breaks_device(|d| {
        d.header(BUF, T_IN, 0);
        d.offer(0, &[(BUF, 16, false), (DATA, 512, true)]);
        // Descriptor 1 points back at 0.
        d.put(
            d.rings.desc + 16 + 12,
            &(DESC_F_NEXT | DESC_F_WRITE).to_le_bytes(),
        );
        d.put(d.rings.desc + 16 + 14, &0u16.to_le_bytes());
    });
}

#[test]
fn next_index_past_queue_needs_reset() {
    breaks_device(|d| {
        d.header(BUF, T_IN, 0);
        d.offer(0, &[(BUF, 16, false), (BUF + 16, 1, true)]);
        d.put(d.rings.desc + 12, &DESC_F_NEXT.to_le_bytes());
        d.put(d.rings.desc + 14, &(NUM as u16).to_le_bytes());
    });
}

#[test]
fn readable_after_writable_needs_reset() {
    breaks_device(|d| {
        d.header(BUF, T_OUT, 0);
        d.offer(
            0,
            &[(BUF, 16, false), (BUF + 16, 1, true), (DATA, 512, false)],
        );
    });
}

#[test]
fn avail_index_jump_needs_reset() {
    breaks_device(|d| {
        d.put(d.rings.avail + 2, &(NUM as u16 + 1).to_le_bytes());
    });
}

#[test]
fn rings_outside_ram_need_reset() {
    let mut dev = VirtioBlk::new(disk(1), true);
    wr(&mut dev, R_QUEUE_NUM, 4);
    wr(&mut dev, R_QUEUE_DRIVER_LOW, 0x1000);
    wr(&mut dev, R_QUEUE_READY, 1);
    wr(&mut dev, R_STATUS, 0xf);
    let mut ram = Ram::new(RAM, 0x1000);
    wr(&mut dev, R_QUEUE_NOTIFY, 0);
    dev.process(&mut ram);
    assert_eq!(dev.status(), 0xf | STATUS_NEEDS_RESET);
    assert_eq!(rd(&mut dev, R_CONFIG_GENERATION), 1);
    assert!(dev.irq_level());
}

#[test]
fn notify_of_other_queue_and_no_interrupt_flag() {
    let mut drv = Driver::legacy(disk(2), 4096);
    wr(&mut drv.dev, R_QUEUE_NOTIFY, 1);
    assert!(!drv.dev.notified());
    // The driver asks for no interrupt: the request completes silently.
    drv.put(drv.rings.avail, &AVAIL_F_NO_INTERRUPT.to_le_bytes());
    assert_eq!(drv.request(T_IN, 1, DATA, 512, true), S_OK);
    assert_eq!(rd(&mut drv.dev, R_INTERRUPT_STATUS), 0);
    assert!(!drv.dev.irq_level());
}

#[test]
fn queue_pfn_zero_resets() {
    let mut drv = Driver::legacy(disk(2), 4096);
    assert_eq!(drv.request(T_IN, 1, DATA, 512, true), S_OK);
    wr(&mut drv.dev, R_QUEUE_PFN, 0);
    assert_eq!(rd(&mut drv.dev, R_STATUS), 0);
    assert_eq!(rd(&mut drv.dev, R_INTERRUPT_STATUS), 0);
    // No queue any more: a kick does nothing.
    drv.offer(1, &[(BUF, 16, false), (BUF + 16, 1, true)]);
    drv.kick();
    assert_eq!(drv.u16_at(drv.rings.used + 2), 1);
}

#[test]
fn empty_slot() {
    for (modern, version) in [(false, 1u64), (true, 2)] {
        let mut e = VirtioEmpty { modern };
        assert_eq!(e.read(R_MAGIC, 4), Ok(0x7472_6976));
        assert_eq!(e.read(R_VERSION, 4), Ok(version));
        assert_eq!(e.read(R_DEVICE_ID, 4), Ok(0));
        assert_eq!(e.read(R_VENDOR_ID, 4), Ok(0x554d_4551));
        assert_eq!(e.read(R_MAGIC, 1), Ok(0x76));
        assert_eq!(e.read(R_MAGIC, 8), Ok(version << 32 | 0x7472_6976));
        assert_eq!(e.read(R_QUEUE_NUM_MAX, 4), Ok(0));
        assert_eq!(e.read(0x100, 4), Ok(0));
        e.write(R_STATUS, 4, 1).unwrap();
        assert_eq!(e.read(R_STATUS, 4), Ok(0));
        assert!(!e.irq_level());
        assert_eq!(e.read(0x200, 4), Err(Fault));
        assert_eq!(e.write(0x200, 4, 0), Err(Fault));
    }
}
