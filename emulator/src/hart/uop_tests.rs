// The fast path (cached blocks of micro-ops) against the slow path (one
// instruction at a time, as commit tracing runs): same instruction stream.

use super::*;
use crate::devices::Disk;
use crate::hart::Hart;
use crate::machine::{Config, Machine};
use crate::trace::Tracer;

fn board(kernel: Vec<u8>, harts: usize, disk: bool) -> Machine {
    Machine::new(Config {
        ram_size: 128 << 20,
        harts,
        kernel,
        bios: None,
        disk: disk.then(|| Disk::from_bytes(images::FS_IMG.to_vec())),
        virtio_modern: false,
        bootargs: None,
        initrd: None,
        reserve_bios: false,
    })
    .unwrap()
}

/// Registers, pc, instructions retired, privilege and trap CSRs of a hart.
type State = (Vec<u64>, Vec<u64>, u64, u64, u8, Vec<Option<u64>>);

/// Everything architectural about a hart that the stream decides.
fn state(h: &Hart) -> State {
    let csrs = [
        0x300, 0x341, 0x342, 0x343, 0x100, 0x141, 0x142, 0x143, 0x180, 0x344,
    ]
    .iter()
    .map(|&c| h.csr_read_debug(c))
    .collect();
    (h.x.to_vec(), h.f.to_vec(), h.pc, h.retired, h.prv, csrs)
}

/// Runs `insns` instructions of `kernel` twice, fast and stepped, and
/// asserts both end in the same state with the same console output, which
/// is returned.
fn same_stream(kernel: &[u8], harts: usize, disk: bool, insns: u64) -> String {
    let mut fast = board(kernel.to_vec(), harts, disk);
    let mut slow = board(kernel.to_vec(), harts, disk);
    for h in &mut slow.harts {
        h.set_trace(Some(Box::new(Tracer::new(
            Box::new(std::io::sink()),
            true,
            false,
        ))));
        assert!(h.hooked);
    }
    let (mut out_f, mut out_s) = (Vec::new(), Vec::new());
    while fast.retired < insns {
        let (ef, es) = (fast.run(200_000), slow.run(200_000));
        assert_eq!(ef, es, "event at {}", fast.retired);
        out_f.extend(fast.take_output());
        out_s.extend(slow.take_output());
        assert_eq!(fast.retired, slow.retired);
        for (a, b) in fast.harts.iter().zip(&slow.harts) {
            assert_eq!(state(a), state(b), "hart {} at {}", a.id, fast.retired);
        }
        if let crate::machine::Event::Finished(_) = ef {
            break;
        }
    }
    assert_eq!(
        String::from_utf8_lossy(&out_f),
        String::from_utf8_lossy(&out_s)
    );
    String::from_utf8_lossy(&out_f).into_owned()
}

#[test]
fn xv6_boot_runs_the_same_fast_and_stepped() {
    let out = same_stream(images::KERNEL_ELF, 3, true, 4_000_000);
    assert!(out.contains("xv6"), "{out}");
}

#[test]
fn bench_programs_run_the_same_fast_and_stepped() {
    for name in ["bench_mix", "bench_mem", "bench_fp"] {
        let elf = std::fs::read(images::guest(name)).unwrap();
        same_stream(&elf, 1, false, 1_500_000);
    }
    for name in [
        "isa_int",
        "isa_amo",
        "isa_fp",
        "sv39",
        "priv_traps",
        "smp_amo",
    ] {
        let elf = std::fs::read(images::guest(name)).unwrap();
        let out = same_stream(&elf, 2, false, 50_000_000);
        assert!(out.contains("checks passed"), "{name}: {out}");
    }
}

#[test]
fn lowering_keeps_offsets_and_maps_x0_writes() {
    // addi x0,x0,0 at offset 6 does nothing; addi x1,x0,1 is an Addi.
    let d = crate::hart::decode::decode_any(0x00000013);
    let op = lower(&d, 6);
    assert_eq!((op.kind, op.rd, op.off, op.len), (Kind::Nop, 0, 6, 4));
    let op = lower(&crate::hart::decode::decode_any(0x00100093), 8);
    assert_eq!((op.kind, op.rd, op.imm, op.off), (Kind::Addi, 1, 1, 8));
    // ld x0,0(a1) still loads (it may fault).
    let op = lower(&crate::hart::decode::decode_any(0x0005b003), 0);
    assert_eq!((op.kind, op.rd, op.rs1), (Kind::Ld, 0, 11));
    // c.j is a Jal with rd 0 and length 2.
    let d = crate::hart::decode::decode_any(0xa001);
    assert_eq!(lower(&d, 0).kind, Kind::Jal);
    assert_eq!(lower(&d, 0).len, 2);
    // csrr a0,mhartid is csrrs a0,mhartid,x0; csrwi sscratch,5 is
    // csrrwi x0,sscratch,5, its immediate in rs1.
    let d = crate::hart::decode::decode_any(0xf1402573);
    let op = lower(&d, 0);
    assert_eq!(
        (op.kind, op.rd, op.rs1, op.imm),
        (Kind::Csr, 10, 0, 0xf14 | 1 << 12)
    );
    let d = crate::hart::decode::decode_any(0x1402d073);
    let op = lower(&d, 0);
    assert_eq!(
        (op.kind, op.rd, op.rs1, op.imm),
        (Kind::Csr, 0, 5, 0x140 | crate::hart::uop::CSR_UIMM)
    );
    // wfi is slow.
    let d = crate::hart::decode::decode_any(0x10500073);
    assert_eq!(lower(&d, 0).kind, Kind::Slow);
    // fadd.d f1,f2,f3,dyn has its own op, the rounding mode in imm; fmin.d
    // goes through execute_fp.
    let op = lower(&crate::hart::decode::decode_any(0x023170d3), 0);
    assert_eq!(
        (op.kind, op.rd, op.rs1, op.rs2, op.imm),
        (Kind::FaddD, 1, 2, 3, 7)
    );
    let d = crate::hart::decode::decode_any(0x2a3100d3);
    assert!(matches!(
        d.insn,
        Insn::FBin {
            op: crate::hart::insn::FpBinOp::Min,
            ..
        }
    ));
    assert_eq!(lower(&d, 0).kind, Kind::Fp);
    // amoadd.w x5,x6,(x7) names its operation by its index in AMO_OPS.
    let op = lower(&crate::hart::decode::decode_any(0x0063a2af), 0);
    assert_eq!((op.kind, op.rd, op.rs1, op.rs2), (Kind::AmoW, 5, 7, 6));
    assert_eq!(
        crate::hart::insn::AMO_OPS[op.imm as usize],
        crate::hart::insn::AmoOp::Add
    );
    for (i, o) in crate::hart::insn::AMO_OPS.iter().enumerate() {
        assert_eq!(*o as usize, i);
    }
}

/// Lowers the instructions `raw`, 4 bytes apart, and fuses them as a block.
fn fused(raw: &[u32]) -> Vec<Op> {
    let mut ops: Vec<Op> = raw
        .iter()
        .enumerate()
        .map(|(i, &r)| lower(&crate::hart::decode::decode_any(r), 4 * i as u16))
        .collect();
    fuse(&mut ops);
    ops
}

/// How many ops each op starts a run of.
fn runs(raw: &[u32]) -> Vec<usize> {
    fused(raw).iter().map(run_of).collect()
}

fn ld(rd: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32) & 0xfff) << 20 | rs1 << 15 | 3 << 12 | rd << 7 | 0x03
}

fn sd(rs2: u32, rs1: u32, imm: i32) -> u32 {
    let i = imm as u32 & 0xfff;
    (i >> 5) << 25 | rs2 << 20 | rs1 << 15 | 3 << 12 | (i & 0x1f) << 7 | 0x23
}

#[test]
fn fusing_finds_runs_of_one_kind_through_one_base() {
    // Loads through s0 (x8) at any offsets equal modulo 8, stores through sp.
    assert_eq!(
        runs(&[ld(10, 8, 0), ld(11, 8, 16), ld(12, 8, -8)]),
        [3, 1, 1]
    );
    assert_eq!(
        runs(&[sd(1, 2, 8), sd(8, 2, 0), sd(9, 2, -2048)]),
        [3, 1, 1]
    );
    // Another base, offsets not equal modulo the width, another kind
    // (lw), something else in between: no run.
    assert_eq!(runs(&[ld(10, 8, 0), ld(11, 9, 8)]), [1, 1]);
    assert_eq!(runs(&[ld(10, 8, 0), ld(11, 8, 4)]), [1, 1]);
    let lw = 0x0044_2583; // lw a1,4(s0)
    assert_eq!(runs(&[ld(10, 8, 0), lw]), [1, 1]);
    assert_eq!(runs(&[ld(10, 8, 0), 0x00000013, ld(11, 8, 8)]), [1, 1, 1]);
    // A load writing the base ends its run; one writing x0 is in none.
    assert_eq!(runs(&[ld(10, 8, 0), ld(8, 8, 8), ld(11, 8, 16)]), [2, 1, 1]);
    assert_eq!(runs(&[ld(8, 8, 0), ld(11, 8, 8)]), [1, 1]);
    assert_eq!(runs(&[ld(10, 8, 0), ld(0, 8, 8)]), [1, 1]);
    assert_eq!(runs(&[ld(0, 8, 0), ld(10, 8, 8), ld(11, 8, 16)]), [1, 2, 1]);
    // At most MAX_RUN ops in a run.
    let many: Vec<u32> = (0..MAX_RUN as i32 + 3).map(|i| sd(1, 2, 8 * i)).collect();
    assert_eq!(runs(&many)[0], MAX_RUN);
    assert_eq!(runs(&many)[MAX_RUN], 3);
    // The span: lowest offset relative to the first op's, and the room
    // left in a page.
    let ops = fused(&[ld(10, 8, 16), ld(11, 8, 0), ld(12, 8, 40)]);
    assert_eq!(run_span(ops[0].link), (3, -16, 0xfff - 47));
    assert_eq!(ops[1].link, NO_LINK);
}

#[test]
fn fusing_pairs_integer_ops_outside_runs() {
    let addi = |rd: u32, rs1: u32, imm: u32| imm << 20 | rs1 << 15 | rd << 7 | 0x13;
    let add = |rd: u32, rs1: u32, rs2: u32| rs2 << 20 | rs1 << 15 | rd << 7 | 0x33;
    assert_eq!(
        runs(&[addi(1, 0, 1), add(2, 1, 1), addi(3, 0, 3)]),
        [2, 1, 1]
    );
    assert_eq!(
        runs(&[addi(1, 0, 1), add(2, 1, 1), addi(3, 0, 3), add(4, 3, 3)]),
        [2, 1, 2, 1]
    );
    assert_eq!(
        runs(&[ld(10, 8, 0), ld(11, 8, 8), add(2, 10, 11), add(3, 2, 2)]),
        [2, 1, 2, 1]
    );
    // A write of x0 is a Nop, lui no op of a pair.
    assert_eq!(runs(&[addi(0, 0, 0), add(2, 1, 1)]), [1, 1]);
    assert_eq!(runs(&[0x000010b7, add(2, 1, 1)]), [1, 1]);
}
