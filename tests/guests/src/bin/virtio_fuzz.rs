//! Fuzz target virtio: random descriptor chains from a seed, sent to the
//! virtio-blk device in slot 0. Well-formed requests must get the status a
//! model of the device predicts (and reads the model's data); malformed ones
//! (buffers outside RAM, huge or zero lengths, loops, next past the queue,
//! indirect descriptors, readable after writable, a read-only status) an
//! error status or DEVICE_NEEDS_RESET; random chains any answer but silence.
//! Only successful writes may change the disk: at the end the program reads
//! the whole disk back against its model and prints the model's FNV-1a hash,
//! which the host compares with the image file.
//!
//! The disk (made by the host test) has 64 sectors; byte `i` of sector `s` is
//! `fill(s, i)`, except that sector 0 starts with "RVCOWFUZ", the seed and
//! the number of cases (little-endian u64s).
#![no_std]
#![no_main]

use core::cell::UnsafeCell;
use guests::check::{any, eq, is, pass};
use guests::println;
use guests::virtio::*;

/// Polling rounds allowed per request.
const BUDGET: u64 = 2_000_000;
/// Sectors on the disk.
const CAP: usize = 64;
/// Most well-formed writes target [WINDOW, WINDOW + 32); none sector 0.
const WINDOW: u64 = 8;
/// Physical address with no device behind it.
const NOWHERE: u64 = 0x9000_0000;
/// Bytes of the data area the chains' buffers point into.
const DATA: usize = 8192;

/// The disk's initial byte `i` of sector `s`.
fn fill(s: usize, i: usize) -> u8 {
    (s * 13 + i * 5 + 7) as u8
}

/// The model of the disk first, so that no buffer of a chain (all at or
/// after `hdr`, at most 4 KiB past the data area) can reach it.
#[repr(C, align(4096))]
struct Mem {
    shadow: [u8; CAP * 512],
    hdr: [u8; 16],
    status: [u8; 8],
    data: [u8; DATA],
    guard: [u8; 4096],
}

struct Shared(UnsafeCell<Mem>);

// SAFETY: hart 0 alone runs this program and touches the memory between requests.
unsafe impl Sync for Shared {}

static MEM: Shared = Shared(UnsafeCell::new(Mem {
    shadow: [0; CAP * 512],
    hdr: [0; 16],
    status: [0; 8],
    data: [0; DATA],
    guard: [0; 4096],
}));

fn mem() -> &'static mut Mem {
    // SAFETY: the device only touches it while a request is outstanding.
    unsafe { &mut *MEM.0.get() }
}

/// xorshift64*: the program's only source of randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// How a request is damaged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Damage {
    None,
    OutsideRam,
    Huge,
    ZeroStatus,
    Loop,
    NextPastQueue,
    Indirect,
    ReadAfterWrite,
    StatusReadOnly,
    Random,
}

const DAMAGES: [Damage; 12] = [
    Damage::None,
    Damage::None,
    Damage::None,
    Damage::None,
    Damage::OutsideRam,
    Damage::Huge,
    Damage::ZeroStatus,
    Damage::Loop,
    Damage::NextPastQueue,
    Damage::Indirect,
    Damage::ReadAfterWrite,
    Damage::StatusReadOnly,
];

/// Counts of the answers, for the closing line.
#[derive(Default)]
struct Tally {
    ok: u32,
    ioerr: u32,
    unsupp: u32,
    reset: u32,
}

/// A chain being built.
struct Chain {
    descs: [Desc; NUM],
    n: usize,
}

impl Chain {
    fn push(&mut self, addr: u64, len: u32, flags: u16) {
        self.descs[self.n] = Desc {
            addr,
            len,
            flags,
            next: self.n as u16 + 1,
        };
        self.n += 1;
    }

    /// Ends the chain: the last descriptor has no NEXT.
    fn close(&mut self) {
        self.descs[self.n - 1].flags &= !DESC_NEXT;
    }
}

fn header(h: &mut [u8; 16], kind: u32, sector: u64) {
    h[..4].copy_from_slice(&kind.to_le_bytes());
    h[4..8].fill(0);
    h[8..].copy_from_slice(&sector.to_le_bytes());
}

/// Runs one case and checks the device's answer against the model (the
/// device is reinitialized after DEVICE_NEEDS_RESET).
fn case(blk: &mut Blk, rng: &mut Rng, tally: &mut Tally) {
    let m = mem();
    let damage = if rng.below(8) == 0 {
        Damage::Random
    } else {
        rng.pick(&DAMAGES)
    };
    if damage == Damage::Random {
        return random_chain(blk, rng, tally);
    }
    let kind = rng.pick(&[T_IN, T_IN, T_OUT, T_OUT, T_OUT, T_FLUSH, T_GET_ID, 99]);
    let mut segs = [(0usize, 0u32); 3];
    let nseg = rng.below(4) as usize;
    let mut at = 0;
    let mut total = 0u64;
    for s in segs.iter_mut().take(nseg) {
        let len = match rng.below(4) {
            0 => rng.below(1100) as u32,
            1 => 0,
            _ => 512 * (1 + rng.below(2) as u32),
        };
        *s = (at, len);
        at += len as usize + rng.below(64) as usize;
        total += len as u64;
    }
    let sectors = total.div_ceil(512);
    let sector = match rng.below(4) {
        0 => CAP as u64 - rng.below(4),
        1 => rng.next(),
        _ => WINDOW + rng.below(32 - sectors),
    };
    header(&mut m.hdr, kind, sector);
    let writes_data = kind != T_OUT && kind != T_FLUSH;
    if writes_data {
        m.data[..at].fill(0xee);
    } else {
        for w in m.data[..at.next_multiple_of(8)].chunks_mut(8) {
            w.copy_from_slice(&rng.next().to_le_bytes());
        }
    }
    m.status[0] = 0xff;
    let data = m.data.as_ptr() as u64;
    let mut c = Chain {
        descs: [Desc::default(); NUM],
        n: 0,
    };
    c.push(m.hdr.as_ptr() as u64, 16, DESC_NEXT);
    let data_flags = DESC_NEXT | if writes_data { DESC_WRITE } else { 0 };
    for &(off, len) in &segs[..nseg] {
        c.push(data + off as u64, len, data_flags);
    }
    let status = m.status.as_ptr() as u64;
    c.push(status, 1, DESC_WRITE | DESC_NEXT);
    let last = c.n - 1;
    let victim = 1 + rng.below(c.n as u64 - 1) as usize;
    match damage {
        Damage::None | Damage::Random => c.close(),
        Damage::OutsideRam => {
            c.close();
            let i = rng.below(last as u64) as usize;
            c.descs[i].addr = rng.pick(&[NOWHERE, 0x8800_0000 - 8, 0, u64::MAX - 4]);
            c.descs[i].len = c.descs[i].len.max(16);
        }
        Damage::Huge => {
            c.close();
            c.descs[rng.below(last as u64) as usize].len =
                rng.pick(&[u32::MAX, 0x8000_0000, 0x1000_0000]);
        }
        Damage::ZeroStatus => {
            c.close();
            c.descs[last].len = 0;
        }
        Damage::Loop => c.descs[last].next = rng.below(c.n as u64) as u16,
        Damage::NextPastQueue => {
            c.close();
            let i = rng.below(last as u64) as usize;
            c.descs[i].next = NUM as u16 + rng.below(0x1_0000 - NUM as u64) as u16;
        }
        Damage::Indirect => {
            c.close();
            c.descs[victim.min(last)].flags |= DESC_INDIRECT;
        }
        Damage::ReadAfterWrite => {
            c.close();
            // A readable buffer right after the (writable) status byte.
            c.descs[last].flags |= DESC_NEXT;
            c.push(data, 16, 0);
        }
        Damage::StatusReadOnly => {
            c.close();
            c.descs[last].flags &= !DESC_WRITE;
        }
    }
    let done = blk.submit(&c.descs[..c.n], m.status.as_ptr(), BUDGET);
    record(done, tally);
    if damage != Damage::None {
        any(
            "a damaged chain is refused",
            answer(done),
            &[S_IOERR as u64, RESET],
        );
        if done == Done::NeedsReset {
            *blk = reinit(blk);
        }
        return;
    }
    // The model: the device's checks, in its order.
    let fits = sector
        .checked_mul(512)
        .and_then(|b| b.checked_add(total))
        .is_some_and(|end| end <= (CAP * 512) as u64);
    let want = match kind {
        T_IN | T_OUT if !total.is_multiple_of(512) || !fits => S_IOERR,
        T_IN | T_OUT | T_FLUSH | T_GET_ID => S_OK,
        _ => S_UNSUPP,
    };
    eq("status of a well-formed request", answer(done), want as u64);
    if want != S_OK || !(kind == T_IN || kind == T_OUT) {
        return;
    }
    let disk = &mut m.shadow[(sector * 512) as usize..][..total as usize];
    let mut pos = 0;
    for &(off, len) in &segs[..nseg] {
        let buf = &m.data[off..off + len as usize];
        let part = &mut disk[pos..pos + len as usize];
        if kind == T_IN {
            is("read data matches the model", buf == part);
        } else if kind == T_OUT {
            part.copy_from_slice(buf);
        }
        pos += len as usize;
    }
}

/// NUM descriptors with random addresses (the header, the data area,
/// outside RAM), lengths, flags and links. The header's type is never OUT
/// and the data area holds 0xee, so no such chain may change the disk.
fn random_chain(blk: &mut Blk, rng: &mut Rng, tally: &mut Tally) {
    let m = mem();
    let kind = rng.pick(&[T_IN, T_FLUSH, T_GET_ID, 99, 0xeeee_eeee]);
    header(&mut m.hdr, kind, rng.next());
    m.data.fill(0xee);
    // The whole table, so that no link reaches an entry of an earlier case.
    let mut descs = [Desc::default(); NUM];
    for d in descs.iter_mut() {
        *d = Desc {
            addr: match rng.below(4) {
                0 => m.hdr.as_ptr() as u64,
                1 => m.data.as_ptr() as u64 + rng.below(DATA as u64 - 1024),
                2 => NOWHERE,
                _ => rng.next() | 1 << 63,
            },
            len: {
                let any = rng.below(4096) as u32;
                rng.pick(&[0, 1, 16, 512, 1024, any, u32::MAX])
            },
            flags: rng.below(8) as u16,
            next: rng.below(NUM as u64 + 2) as u16,
        };
    }
    let done = blk.submit(&descs, m.status.as_ptr(), BUDGET);
    record(done, tally);
    is("a random chain is answered", done != Done::Timeout);
    if done == Done::NeedsReset {
        *blk = reinit(blk);
    }
}

/// NEEDS_RESET as an answer code beside the status bytes.
const RESET: u64 = 0x100;

fn answer(done: Done) -> u64 {
    match done {
        Done::Status(s) => s as u64,
        Done::NeedsReset => RESET,
        Done::Timeout => 0x200,
    }
}

fn record(done: Done, t: &mut Tally) {
    match done {
        Done::Status(S_OK) => t.ok += 1,
        Done::Status(S_UNSUPP) => t.unsupp += 1,
        Done::Status(_) => t.ioerr += 1,
        Done::NeedsReset => t.reset += 1,
        Done::Timeout => {}
    }
}

fn init() -> Blk {
    match Blk::init(SLOT0) {
        Ok(b) => b,
        Err(e) => {
            println!("virtio init: {e:?}");
            guests::exit(200);
        }
    }
}

fn reinit(blk: &Blk) -> Blk {
    blk.reset();
    init()
}

/// Reads the whole disk back, 8 sectors at a time, against the model.
fn check_disk(blk: &mut Blk) {
    let m = mem();
    for s in (0..CAP).step_by(8) {
        m.data[..4096].fill(0);
        m.status[0] = 0xff;
        let done = blk.request(T_IN, s as u64, m.data.as_ptr() as u64, 4096, BUDGET);
        eq("read back", answer(done), S_OK as u64);
        is(
            "the disk holds what the model wrote",
            m.data[..4096] == m.shadow[s * 512..(s + 8) * 512],
        );
    }
}

#[no_mangle]
extern "C" fn guest_main() {
    let mut blk = init();
    let m = mem();
    for s in 0..CAP {
        for i in 0..512 {
            m.shadow[s * 512 + i] = fill(s, i);
        }
    }
    let done = blk.request(T_IN, 0, m.data.as_ptr() as u64, 512, BUDGET);
    eq("read sector 0", answer(done), S_OK as u64);
    is("sector 0 header", &m.data[..8] == b"RVCOWFUZ");
    let seed = u64::from_le_bytes(m.data[8..16].try_into().unwrap());
    let cases = u64::from_le_bytes(m.data[16..24].try_into().unwrap());
    m.shadow[..24].copy_from_slice(&m.data[..24]);
    let mut rng = Rng(seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut tally = Tally::default();
    for _ in 0..cases {
        case(&mut blk, &mut rng, &mut tally);
    }
    let mut blk = reinit(&blk);
    check_disk(&mut blk);
    let hash = m.shadow.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    println!(
        "virtio_fuzz: version {} {cases} cases: ok {}, ioerr {}, unsupp {}, needs reset {}",
        blk.version, tally.ok, tally.ioerr, tally.unsupp, tally.reset
    );
    println!("virtio_fuzz: disk fnv1a {hash:#018x}");
    pass("virtio_fuzz")
}
