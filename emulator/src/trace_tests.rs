//! Exact-format tests of commit-log and trap lines.

use std::sync::{Arc, Mutex};

use super::*;
use crate::hart::csr::MSTATUS_FS;
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
    h.trace = Some(Box::new(Tracer::new(Box::new(out.clone()), true, true)));
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
    h.trace = Some(Box::new(Tracer::new(Box::new(out.clone()), false, true)));
    h.run(&mut bus, 1);
    assert_eq!(
        out.text(),
        "trap core 0: exception machine_ecall (11) tval 0x0000000000000000 epc 0x0000000080000000 M->M\n"
    );
    assert_eq!(h.block_stats(), (0, 1));
}
