//! Exact-format tests of commit-log and trap lines.

use std::sync::{Arc, Mutex};

use super::*;
use crate::hart::csr::MSTATUS_FS;
use crate::hart::decode::decode_any;
use crate::hart::tests::{setup, BASE};
use crate::hart::Exit;

/// A writer into a buffer the test keeps a handle on.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[test]
fn trap_lines() {
    assert_eq!(
        trap_line(0, false, 2, 0xffff_ffff, 0x8000_0010, 3, 1),
        "trap core 0: exception illegal_instruction (2) tval 0x00000000ffffffff epc 0x0000000080000010 M->S"
    );
    assert_eq!(
        trap_line(2, true, 5, 0, 0x1234, 0, 1),
        "trap core 2: interrupt supervisor_timer (5) epc 0x0000000000001234 U->S"
    );
}

#[test]
fn commit_log_of_a_small_program() {
    let words: [u32; 7] = [
        0x00000297, // auipc t0,0x0
        0x30529373, // csrrw t1,mtvec,t0
        0x00a5b023, // sd a0,0(a1)
        0x0005b603, // ld a2,0(a1)
        0x00a5a023, // sw a0,0(a1)
        0x00a5a6af, // amoadd.w a3,a0,(a1)
        0x18b57653, // fdiv.s fa2,fa0,fa1
    ];
    let (mut h, mut bus) = setup(&words);
    // c.li a0,5 then ecall, after the 32-bit words.
    bus.ram.data[28..30].copy_from_slice(&0x4515u16.to_le_bytes());
    bus.ram.data[30..34].copy_from_slice(&0x0000_0073u32.to_le_bytes());
    h.x[10] = 0x1122_3344_5566_7788;
    h.x[11] = BASE + 0x800;
    h.f[10] = crate::hart::fpu::nan_box(0x3f80_0000);
    h.f[11] = crate::hart::fpu::nan_box(0);
    h.csr.mstatus |= MSTATUS_FS;
    let out = Shared::default();
    h.set_trace(Some(Box::new(Tracer::new(
        Box::new(out.clone()),
        true,
        true,
    ))));
    assert_eq!(h.run(&mut bus, 9), Exit::Budget);
    let expect = [
        "core   0: 3 0x0000000080000000 (0x00000297) x5  0x0000000080000000  ; auipc t0,0x0",
        "core   0: 3 0x0000000080000004 (0x30529373) x6  0x0000000000000000 c773_mtvec 0x0000000080000000  ; csrrw t1,mtvec,t0",
        "core   0: 3 0x0000000080000008 (0x00a5b023) mem 0x0000000080000800 0x1122334455667788  ; sd a0,0(a1)",
        "core   0: 3 0x000000008000000c (0x0005b603) x12 0x1122334455667788 mem 0x0000000080000800  ; ld a2,0(a1)",
        "core   0: 3 0x0000000080000010 (0x00a5a023) mem 0x0000000080000800 0x55667788  ; sw a0,0(a1)",
        "core   0: 3 0x0000000080000014 (0x00a5a6af) x13 0x0000000055667788 mem 0x0000000080000800 mem 0x0000000080000800 0xaaccef10  ; amoadd.w a3,a0,(a1)",
        "core   0: 3 0x0000000080000018 (0x18b57653) f12 0xffffffff7f800000 c1_fflags 0x0000000000000008  ; fdiv.s fa2,fa0,fa1",
        "core   0: 3 0x000000008000001c (0x4515) x10 0x0000000000000005  ; c.li a0,5",
        "trap core 0: exception machine_ecall (11) tval 0x0000000000000000 epc 0x000000008000001e M->M",
    ];
    assert_eq!(out.text(), expect.join("\n") + "\n");
}

#[test]
fn trap_only_tracing_keeps_the_fast_path() {
    let (mut h, mut bus) = setup(&[0x0000_0073]);
    let out = Shared::default();
    h.set_trace(Some(Box::new(Tracer::new(
        Box::new(out.clone()),
        false,
        true,
    ))));
    h.run(&mut bus, 1);
    assert_eq!(
        out.text(),
        "trap core 0: exception machine_ecall (11) tval 0x0000000000000000 epc 0x0000000080000000 M->M\n"
    );
    assert_eq!(h.block_stats(), (0, 1));
}

fn tracer(out: &Shared) -> Tracer {
    Tracer::new(Box::new(out.clone()), true, false)
}

const ADDI1: u32 = 0x00108093; // addi ra,ra,1

#[test]
fn window_skips_then_shows_then_leaves_the_slow_path() {
    let (mut h, mut bus) = setup(&[ADDI1; 8]);
    let out = Shared::default();
    let w = Arc::new(Window::new(2, Some(3)));
    h.set_trace(Some(Box::new(tracer(&out).with_window(w))));
    assert_eq!(h.run(&mut bus, 8), Exit::Budget);
    let lines: Vec<String> = out.text().lines().map(str::to_string).collect();
    assert_eq!(
        lines,
        vec![
            "core   0: 3 0x0000000080000008 (0x00108093) x1  0x0000000000000003  ; addi ra,ra,1",
            "core   0: 3 0x000000008000000c (0x00108093) x1  0x0000000000000004  ; addi ra,ra,1",
            "core   0: 3 0x0000000080000010 (0x00108093) x1  0x0000000000000005  ; addi ra,ra,1",
        ]
    );
    // After the window, the hart runs cached blocks again.
    assert!(!h.hooked);
    assert_eq!(h.x[1], 8);
    assert_eq!(h.block_stats().1, 1);
}

#[test]
fn filters_by_privilege_and_range_and_symbols_are_appended() {
    let out = Shared::default();
    let filter = Filter {
        privs: Some(1 << 3),
        ranges: vec![(BASE + 4, BASE + 8)],
    };
    let mut syms = crate::symbols::Symbols::new();
    let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    syms.add_kernel(&exe).unwrap();
    let (start, _) = syms.extent("emulator::symbols::Symbols::extent").unwrap();
    let (mut h, mut bus) = setup(&[ADDI1; 4]);
    h.set_trace(Some(Box::new(tracer(&out).with_filter(filter))));
    h.run(&mut bus, 4);
    assert_eq!(
        out.text(),
        "core   0: 3 0x0000000080000004 (0x00108093) x1  0x0000000000000002  ; addi ra,ra,1\n"
    );
    // A pc inside a symbol gets `<name+0xoff>` after the disassembly, in
    // the kernel's table for S and M, the user programs' for U.
    let out = Shared::default();
    let mut t = tracer(&out).with_symbols(Arc::new(syms));
    t.commit("line".into(), start + 4, 3, &decode_any(0x13));
    t.commit("user".into(), start + 4, 0, &decode_any(0x13));
    assert_eq!(
        out.text(),
        "line <emulator::symbols::Symbols::extent+0x4>\nuser\n"
    );
    // The privilege filter drops U-mode for an `s,m` list.
    let f = Filter {
        privs: Some(parse_privs("s,m").unwrap()),
        ranges: vec![],
    };
    assert!(f.admits(0, 1) && f.admits(0, 3) && !f.admits(0, 0));
    assert!(parse_privs("x").is_err());
}

#[test]
fn range_specs_parse() {
    let syms = crate::symbols::Symbols::new();
    assert_eq!(
        parse_range("0x8000_0000..0x8000_2000", &syms),
        Ok((0x8000_0000, 0x8000_2000))
    );
    assert_eq!(parse_range("16..32", &syms), Ok((16, 32)));
    assert!(parse_range("0x20..0x10", &syms).is_err());
    assert_eq!(
        parse_range("usertrap", &syms),
        Err("--trace-range usertrap: no such symbol".into())
    );
}

#[test]
fn history_is_kept_on_the_fast_path_and_a_trap_loop_halts_the_hart() {
    // mtvec stays 0 (nothing there): an illegal instruction traps to 0, the
    // fetch at 0 faults at the vector, again and again.
    let (mut h, mut bus) = setup(&[ADDI1, ADDI1, 0]);
    assert_eq!(h.run(&mut bus, 100), Exit::Wfi);
    assert!(h.halted() && h.idle());
    let last: Vec<(u64, u32)> = h
        .history
        .last(3, &bus.ram)
        .iter()
        .map(|e| (e.pc, e.raw))
        .collect();
    assert_eq!(last, vec![(BASE, ADDI1), (BASE + 4, ADDI1), (BASE + 8, 0)]);
    assert_eq!(h.block_stats().1, 1);
    // A halted hart stays put, interrupts or not.
    h.csr.mie = !0;
    h.set_irq(1 << 3, true);
    assert_eq!(h.run(&mut bus, 100), Exit::Wfi);
    assert_eq!(h.pc, 0);
}

#[test]
fn one_fault_at_the_vector_is_not_a_loop() {
    // An ecall traps to a handler that runs: nothing halts.
    let (mut h, mut bus) = setup(&[ECALL_, ADDI1, ADDI1, ADDI1]);
    h.csr.mtvec = BASE + 4;
    assert_eq!(h.run(&mut bus, 3), Exit::Budget);
    assert!(!h.halted());
    assert_eq!(h.x[1], 2);
}

const ECALL_: u32 = 0x0000_0073;
