//! Tests of the gdb stub's machine side: interleaving, stops, memory, registers.

use super::*;
use crate::machine::Config;

/// Every hart: s0 = 0x80010000; t2 = 1; loop { amoadd.w t1,t2,(s0); t3 += t1 }.
/// What each hart accumulates depends on the interleaving.
const PROG: [u32; 5] = [
    0x0001_0417,
    0x0010_0393,
    0x0074_232f,
    0x006e_0e33,
    0xff9f_f06f,
];

/// A minimal ELF64 RISC-V executable holding `prog` at 0x80000000.
fn elf(prog: &[u32]) -> Vec<u8> {
    let code: Vec<u8> = prog.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut v = vec![0u8; 120];
    v[..4].copy_from_slice(b"\x7fELF");
    (v[4], v[5], v[6]) = (2, 1, 1);
    v[16..18].copy_from_slice(&2u16.to_le_bytes());
    v[18..20].copy_from_slice(&243u16.to_le_bytes());
    v[20..24].copy_from_slice(&1u32.to_le_bytes());
    v[24..32].copy_from_slice(&0x8000_0000u64.to_le_bytes());
    v[32..40].copy_from_slice(&64u64.to_le_bytes());
    v[52..54].copy_from_slice(&64u16.to_le_bytes());
    v[54..56].copy_from_slice(&56u16.to_le_bytes());
    v[56..58].copy_from_slice(&1u16.to_le_bytes());
    v[64..68].copy_from_slice(&1u32.to_le_bytes());
    v[68..72].copy_from_slice(&7u32.to_le_bytes());
    v[72..80].copy_from_slice(&120u64.to_le_bytes());
    v[80..88].copy_from_slice(&0x8000_0000u64.to_le_bytes());
    v[88..96].copy_from_slice(&0x8000_0000u64.to_le_bytes());
    v[96..104].copy_from_slice(&(code.len() as u64).to_le_bytes());
    v[104..112].copy_from_slice(&(code.len() as u64).to_le_bytes());
    v.extend_from_slice(&code);
    v
}

fn machine(prog: &[u32]) -> Machine {
    Machine::new(Config {
        ram_size: 16 << 20,
        harts: 3,
        kernel: elf(prog),
        bios: None,
        disk: None,
        virtio_modern: false,
        bootargs: None,
        initrd: None,
        reserve_bios: false,
    })
    .unwrap()
}

/// Stops hart 1 before every 997th instruction and hart 2 after every
/// 1499th, like a debugger with breakpoints and steps.
#[derive(Default)]
struct Pester {
    last: Option<(usize, u64)>,
    stops: u32,
}

impl Monitor for Pester {
    fn slow(&self, h: usize) -> bool {
        h != 0
    }
    fn before(&mut self, h: usize, hart: &Hart) -> bool {
        let at = (h, hart.instret());
        let stop = h == 1 && hart.instret().is_multiple_of(997) && self.last != Some(at);
        if stop {
            self.last = Some(at);
            self.stops += 1;
        }
        stop
    }
    fn after(&mut self, h: usize, hart: &Hart, _: Option<&Pre>) -> bool {
        let stop = h == 2 && hart.instret().is_multiple_of(1499);
        self.stops += stop as u32;
        stop
    }
}

fn state(m: &Machine) -> Vec<(u64, u64, [u64; 32])> {
    m.harts.iter().map(|h| (h.pc, h.instret(), h.x)).collect()
}

#[test]
fn stops_and_steps_keep_the_interleaving_of_run() {
    const TARGET: u64 = 60_000;
    let mut free = machine(&PROG);
    assert_eq!(free.run(TARGET), Event::Budget);
    let mut watched = machine(&PROG);
    let (mut cur, mut mon) = (Cursor::default(), Pester::default());
    loop {
        let left = TARGET.saturating_sub(watched.retired);
        match watched.run_monitored(&mut cur, left, &mut mon) {
            Stop::Hart(_) => continue,
            Stop::Board(ev) => {
                assert_eq!(ev, Event::Budget);
                break;
            }
        }
    }
    assert!(mon.stops > 20, "{} stops", mon.stops);
    assert_eq!(watched.retired, free.retired);
    assert_eq!(state(&watched), state(&free));
    // The harts did interleave: each saw the counter others moved.
    let counter = |m: &Machine| m.bus.ram.slice(0x8001_0000, 4).unwrap().to_vec();
    assert_eq!(counter(&watched), counter(&free));
}

#[test]
fn breakpoints_steps_and_watchpoints_stop_where_gdb_expects() {
    let mut m = machine(&PROG);
    let mut cur = Cursor::default();
    let mut dbg = Debugger {
        breakpoints: vec![0x8000_000c],
        ..Debugger::default()
    };
    // Hart 0 reaches `add` first: it runs before the others in a round.
    assert_eq!(m.run_monitored(&mut cur, 1 << 20, &mut dbg), Stop::Hart(0));
    assert_eq!(dbg.reason, Some(MultiThreadStopReason::SwBreak(tid(0))));
    assert_eq!(m.harts[0].pc, 0x8000_000c);
    // Step hart 0 past it, skipping the breakpoint it stands on.
    dbg.breakpoints.clear();
    dbg.step = Some(0);
    dbg.skip = Some((0, 0x8000_000c));
    assert_eq!(m.run_monitored(&mut cur, 1 << 20, &mut dbg), Stop::Hart(0));
    assert_eq!(m.harts[0].pc, 0x8000_0010);
    // A write watchpoint on the counter stops after the amoadd.
    dbg.step = None;
    dbg.watchpoints.push((0x8001_0000, 4, WatchKind::Write));
    assert_eq!(m.run_monitored(&mut cur, 1 << 20, &mut dbg), Stop::Hart(0));
    assert_eq!(
        dbg.reason,
        Some(MultiThreadStopReason::Watch {
            tid: tid(0),
            kind: WatchKind::Write,
            addr: 0x8001_0000
        })
    );
    assert_eq!(m.harts[0].pc, 0x8000_000c);
}

#[test]
fn memory_goes_through_the_page_table() {
    let mut m = machine(&PROG);
    // A root table at 0x80100000 maps va 0x40000000 (a 1 GiB gigapage,
    // level 2 index 1) to 0x80000000.
    let root = 0x8010_0000u64;
    let pte = (0x8000_0000u64 >> 12) << 10 | 0b1111;
    m.bus
        .ram
        .slice_mut(root + 8, 8)
        .unwrap()
        .copy_from_slice(&pte.to_le_bytes());
    let h = &mut m.harts[1];
    h.csr.satp = 8 << 60 | root >> 12;
    h.prv = 1;
    let mut buf = [0u8; 4];
    assert_eq!(read_virt(&mut m, 1, 0x4000_0008, &mut buf), 4);
    assert_eq!(u32::from_le_bytes(buf), PROG[2]);
    // Unmapped: nothing read. Hart 0 (M-mode) reads physical memory.
    assert_eq!(read_virt(&mut m, 1, 0x8000_0000, &mut buf), 0);
    assert_eq!(read_virt(&mut m, 0, 0x8000_0008, &mut buf), 4);
    assert_eq!(u32::from_le_bytes(buf), PROG[2]);
    // Writes land in RAM through the same walk, and the reset ROM reads.
    assert!(write_virt(&mut m, 1, 0x4000_0100, &[1, 2, 3]));
    assert_eq!(m.bus.ram.slice(0x8000_0100, 3).unwrap(), [1, 2, 3]);
    assert!(!write_virt(&mut m, 1, 0x1000, &[0]));
    assert_eq!(read_virt(&mut m, 0, 0x1000, &mut buf), 4);
    assert_eq!(u32::from_le_bytes(buf), 0x0000_0297);
}

#[test]
fn registers_serialize_in_target_description_order() {
    let mut r = Regs::default();
    r.x[1] = 0x1122;
    r.pc = 0x8000_0000;
    r.fflags = 0x1f;
    r.frm = 2;
    r.prv = 3;
    let mut bytes = Vec::new();
    r.gdb_serialize(|b| bytes.push(b.unwrap()));
    assert_eq!(bytes.len(), 65 * 8 + 3 * 4 + CSRS.len() * 8 + 8);
    assert_eq!(bytes[8..10], [0x22, 0x11]);
    assert_eq!(bytes[256..264], 0x8000_0000u64.to_le_bytes());
    assert_eq!(
        bytes[65 * 8..65 * 8 + 12],
        [0x1f, 0, 0, 0, 2, 0, 0, 0, 0x5f, 0, 0, 0]
    );
    assert_eq!(bytes[bytes.len() - 8], 3);
    let mut back = Regs::default();
    back.gdb_deserialize(&bytes).unwrap();
    assert_eq!(
        (back.x, back.pc, back.fflags, back.frm),
        (r.x, r.pc, 0x1f, 2)
    );
    assert!(target_xml().contains("regnum=\"4161\""));
}
