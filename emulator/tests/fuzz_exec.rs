// Fuzz target `exec`: random instruction streams in M, S and U mode (with
// a garbage Sv39 page table in some), run once through the fast path
// (cached blocks) and once stepped (the slow path commit tracing runs): the
// final architectural state and memory must be the same, and nothing may
// panic. RVCOW_FUZZ_CASES and RVCOW_FUZZ_SEED choose the cases.

use emulator::hart::Hart;
use emulator::machine::{Config, Event, Machine};
use emulator::trace::Tracer;

const BASE: u64 = 0x8000_0000;
const HANDLER: u64 = 0x400;
const CONSTS: u64 = 0x600;
const BODY: u64 = 0x1000;
const DATA: u64 = 0x3000;
const ROOT: u64 = 0x10000;
const IMAGE: usize = 0x11000;
/// Instructions each case runs (all harts).
const INSNS: u64 = 12_000;

fn cases_and_seed(default_cases: u64) -> (u64, u64) {
    let var = |n: &str| std::env::var(n).ok().and_then(|v| v.parse().ok());
    (
        var("RVCOW_FUZZ_CASES").unwrap_or(default_cases),
        var("RVCOW_FUZZ_SEED").unwrap_or(16),
    )
}

fn i_type(op: u32, rd: u32, f3: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
}

fn ld(rd: u32, rs1: u32, off: i32) -> u32 {
    i_type(0x03, rd, 3, rs1, off)
}

fn csrw(csr: u32, rs1: u32) -> u32 {
    i_type(0x73, 0, 1, rs1, csr as i32)
}

fn csrr(rd: u32, csr: u32) -> u32 {
    i_type(0x73, rd, 2, 0, csr as i32)
}

fn csrrw(rd: u32, csr: u32, rs1: u32) -> u32 {
    i_type(0x73, rd, 1, rs1, csr as i32)
}

const MRET: u32 = 0x3020_0073;
const T0: u32 = 5;
const T1: u32 = 6;

/// Major opcodes, to make most random words decode to something.
const OPCODES: [u32; 22] = [
    0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x47, 0x4b, 0x4f,
    0x53, 0x63, 0x67, 0x6f, 0x73, 0x13,
];

/// One case: the image (prologue, trap handler, random body, data, page
/// table), its privilege and whether it translates.
fn program(rng: &mut fastrand::Rng) -> (Vec<u8>, u8, bool) {
    let mut img = vec![0u8; IMAGE];
    let put = |img: &mut Vec<u8>, at: u64, w: u32| {
        img[at as usize..at as usize + 4].copy_from_slice(&w.to_le_bytes())
    };
    let prv = [0u8, 1, 3][rng.usize(..3)];
    let sv39 = prv != 3 && rng.bool();
    // Constants: mtvec, mstatus, satp, mepc, pmpaddr0, then x1..x31.
    let mut consts = vec![
        BASE + HANDLER,
        (1 << 13) | ((prv as u64) << 11),
        if sv39 {
            (8 << 60) | ((BASE + ROOT) >> 12)
        } else {
            0
        },
        BASE + BODY,
        u64::MAX >> 10,
    ];
    for _ in 1..32 {
        consts.push(match rng.u8(..4) {
            0 => rng.u64(..),
            1 => rng.u64(..64),
            _ => BASE + DATA + rng.u64(..0x1000),
        });
    }
    for (i, c) in consts.iter().enumerate() {
        img[CONSTS as usize + 8 * i..][..8].copy_from_slice(&c.to_le_bytes());
    }
    // Prologue: t0 = BASE; CSRs from the constants; the registers; mret.
    let mut code = vec![0x0000_0297]; // auipc t0, 0
    for (i, csr) in [0x305, 0x300, 0x180, 0x341, 0x3b0].iter().enumerate() {
        code.push(ld(T1, T0, CONSTS as i32 + 8 * i as i32));
        code.push(csrw(*csr, T1));
    }
    code.push(i_type(0x13, T1, 0, 0, 0x1f)); // pmpcfg0: NAPOT RWX
    code.push(csrw(0x3a0, T1));
    for r in (1..32).filter(|&r| r != T0) {
        code.push(ld(r, T0, CONSTS as i32 + 8 * (4 + r as i32)));
    }
    code.push(ld(T0, T0, CONSTS as i32 + 8 * (4 + T0 as i32)));
    code.push(MRET);
    for (i, w) in code.iter().enumerate() {
        put(&mut img, 4 * i as u64, *w);
    }
    // Any trap: skip 4 bytes and return to the mode that trapped.
    let handler = [
        csrrw(T0, 0x340, T0),
        csrr(T0, 0x341),
        i_type(0x13, T0, 0, T0, 4),
        csrw(0x341, T0),
        csrrw(T0, 0x340, T0),
        MRET,
    ];
    for (i, w) in handler.iter().enumerate() {
        put(&mut img, HANDLER + 4 * i as u64, *w);
    }
    // The body: random 32-bit words (most with a real major opcode) and
    // random 16-bit ones.
    let mut at = BODY;
    while at < DATA - 4 {
        if rng.u8(..4) == 0 {
            let h = rng.u16(..);
            let h = if h & 3 == 3 { h & !1 } else { h };
            img[at as usize..at as usize + 2].copy_from_slice(&h.to_le_bytes());
            at += 2;
        } else {
            let w = rng.u32(..);
            let w = if rng.u8(..8) == 0 {
                w | 3
            } else {
                (w & !0x7f) | OPCODES[rng.usize(..OPCODES.len())]
            };
            put(&mut img, at, w);
            at += 4;
        }
    }
    rng.fill(&mut img[DATA as usize..ROOT as usize]);
    // A page table of garbage, but for the gigapage of the image (mostly).
    rng.fill(&mut img[ROOT as usize..]);
    if rng.u8(..8) != 0 {
        let u = if prv == 0 { 1 << 4 } else { 0 };
        let pte = ((BASE >> 12) << 10) | 0xcf | u; // D A X W R V
        img[ROOT as usize + 16..][..8].copy_from_slice(&pte.to_le_bytes());
    }
    (elf(&img), prv, sv39)
}

/// An ELF64 RISC-V executable holding `image` at BASE.
fn elf(image: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; 120];
    v[..4].copy_from_slice(b"\x7fELF");
    (v[4], v[5], v[6]) = (2, 1, 1);
    v[16..18].copy_from_slice(&2u16.to_le_bytes());
    v[18..20].copy_from_slice(&243u16.to_le_bytes());
    v[20..24].copy_from_slice(&1u32.to_le_bytes());
    v[24..32].copy_from_slice(&BASE.to_le_bytes());
    v[32..40].copy_from_slice(&64u64.to_le_bytes());
    v[52..54].copy_from_slice(&64u16.to_le_bytes());
    v[54..56].copy_from_slice(&56u16.to_le_bytes());
    v[56..58].copy_from_slice(&1u16.to_le_bytes());
    v[64..68].copy_from_slice(&1u32.to_le_bytes());
    v[68..72].copy_from_slice(&7u32.to_le_bytes());
    v[72..80].copy_from_slice(&120u64.to_le_bytes());
    v[80..88].copy_from_slice(&BASE.to_le_bytes());
    v[88..96].copy_from_slice(&BASE.to_le_bytes());
    v[96..104].copy_from_slice(&(image.len() as u64).to_le_bytes());
    v[104..112].copy_from_slice(&(image.len() as u64).to_le_bytes());
    v.extend_from_slice(image);
    v
}

fn board(kernel: Vec<u8>, harts: usize) -> Machine {
    Machine::new(Config {
        ram_size: 16 << 20,
        harts,
        kernel,
        bios: None,
        disk: None,
        virtio_modern: false,
        bootargs: None,
        initrd: None,
        reserve_bios: false,
    })
    .expect("the fuzz image loads")
}

/// Registers, pc, instructions retired, privilege, halt and the CSRs a
/// random stream may change.
type State = (Vec<u64>, Vec<u64>, u64, u64, u8, bool, Vec<Option<u64>>);

fn state(h: &Hart) -> State {
    let csrs = [
        0x001, 0x002, 0x100, 0x104, 0x105, 0x106, 0x140, 0x141, 0x142, 0x143, 0x144, 0x180, 0x300,
        0x302, 0x303, 0x304, 0x305, 0x306, 0x340, 0x341, 0x342, 0x343, 0x344, 0xb02,
    ]
    .iter()
    .map(|&c| h.csr_read_debug(c))
    .collect();
    (
        h.x.to_vec(),
        h.f.to_vec(),
        h.pc,
        h.instret(),
        h.prv(),
        h.halted(),
        csrs,
    )
}

#[test]
fn fuzz_exec() {
    let (cases, seed) = cases_and_seed(100);
    println!("fuzz exec: {cases} cases, seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut modes = [0u64; 4];
    let (mut retired, mut executed, mut halted) = (0, 0, 0);
    for case in 0..cases {
        let (image, prv, sv39) = program(&mut rng);
        modes[prv as usize] += 1;
        let harts = 1 + rng.usize(..2);
        let mut fast = board(image.clone(), harts);
        let mut slow = board(image, harts);
        for h in &mut slow.harts {
            h.set_trace(Some(Box::new(Tracer::new(
                Box::new(std::io::sink()),
                true,
                false,
            ))));
        }
        let what = format!("case {case} (seed {seed}, prv {prv}, sv39 {sv39})");
        while fast.executed < INSNS {
            let (ef, es) = (fast.run(3000), slow.run(3000));
            assert_eq!(ef, es, "{what}: event");
            assert_eq!(
                (fast.retired, fast.executed),
                (slow.retired, slow.executed),
                "{what}"
            );
            for (a, b) in fast.harts.iter().zip(&slow.harts) {
                assert_eq!(state(a), state(b), "{what}: hart state");
            }
            if matches!(ef, Event::Finished(_) | Event::Deadlock | Event::Idle) {
                break;
            }
        }
        assert!(fast.bus.ram.data == slow.bus.ram.data, "{what}: memory");
        retired += fast.retired;
        executed += fast.executed;
        halted += fast.harts.iter().filter(|h| h.halted()).count();
        assert_eq!(fast.take_output(), slow.take_output(), "{what}: console");
    }
    println!(
        "fuzz exec: M {}, S {}, U {} cases; {retired} of {executed} instructions retired; {halted} harts halted",
        modes[3], modes[1], modes[0]
    );
}
