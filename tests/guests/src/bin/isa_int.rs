//! RV64I and M edge cases: division by zero and overflow, mulh signs, shift
//! amounts, W-form sign extension, lui/auipc, branches, link values, load
//! extension, misaligned loads and stores, and the C forms (explicit `c.`
//! mnemonics, so the assembler must emit the compressed encodings).
#![no_std]
#![no_main]

use core::arch::asm;
use guests::check::eq;

const MIN: u64 = 1 << 63;
const M1: u64 = u64::MAX;

/// Register-register instruction `$insn rd, a, b`.
macro_rules! rr {
    ($insn:literal, $a:expr, $b:expr) => {{
        let r: u64;
        // SAFETY: pure register arithmetic.
        unsafe { asm!(concat!($insn, " {r}, {a}, {b}"), r = lateout(reg) r, a = in(reg) $a as u64, b = in(reg) $b as u64) };
        r
    }};
}

/// Register-immediate instruction `$insn rd, a, imm`.
macro_rules! ri {
    ($insn:literal, $a:expr, $imm:literal) => {{
        let r: u64;
        // SAFETY: pure register arithmetic.
        unsafe { asm!(concat!($insn, " {r}, {a}, ", $imm), r = lateout(reg) r, a = in(reg) $a as u64) };
        r
    }};
}

/// Compressed two-operand form `$insn a0, a1` (rd = rs1 = a0).
macro_rules! c2 {
    ($insn:literal, $a:expr, $b:expr) => {{
        let r: u64;
        // SAFETY: pure register arithmetic.
        unsafe { asm!(concat!($insn, " a0, a1"), inout("a0") $a as u64 => r, in("a1") $b as u64) };
        r
    }};
}

/// Compressed immediate form `$insn a0, imm` (rd = rs1 = a0).
macro_rules! c1 {
    ($insn:literal, $a:expr, $imm:literal) => {{
        let r: u64;
        // SAFETY: pure register arithmetic.
        unsafe { asm!(concat!($insn, " a0, ", $imm), inout("a0") $a as u64 => r) };
        r
    }};
}

fn div_rem() {
    eq("div by zero", rr!("div", 7, 0), M1);
    eq("divu by zero", rr!("divu", 7, 0), M1);
    eq("rem by zero", rr!("rem", -7i64, 0), -7i64 as u64);
    eq("remu by zero", rr!("remu", 7, 0), 7);
    eq("div MIN/-1", rr!("div", MIN, M1), MIN);
    eq("rem MIN/-1", rr!("rem", MIN, M1), 0);
    eq("div rounds toward zero", rr!("div", -7i64, 2), -3i64 as u64);
    eq("rem takes the dividend's sign", rr!("rem", -7i64, 2), M1);
    eq("rem with negative divisor", rr!("rem", 7, -2i64), 1);
    eq("divu large", rr!("divu", M1, 2), M1 >> 1);
    eq("divw by zero", rr!("divw", 7, 0), M1);
    eq("divuw by zero", rr!("divuw", 7, 0), M1);
    eq(
        "remw by zero sign-extends",
        rr!("remw", 0x1_8000_0000u64, 0),
        0xffff_ffff_8000_0000,
    );
    eq(
        "remuw by zero sign-extends",
        rr!("remuw", 0x1_8000_0000u64, 0),
        0xffff_ffff_8000_0000,
    );
    eq(
        "divw MIN/-1",
        rr!("divw", 0x8000_0000u64, M1),
        0xffff_ffff_8000_0000,
    );
    eq("remw MIN/-1", rr!("remw", 0x8000_0000u64, M1), 0);
    eq(
        "divw ignores upper bits",
        rr!("divw", 0x1234_5678_0000_0010u64, 0xff_0000_0004u64),
        4,
    );
    eq("divuw of 0xffffffff/1", rr!("divuw", 0xffff_ffffu64, 1), M1);
}

fn mul() {
    eq("mul wraps", rr!("mul", MIN | 3, 2), 6);
    eq("mulh -1*-1", rr!("mulh", M1, M1), 0);
    eq("mulh MIN*MIN", rr!("mulh", MIN, MIN), 1 << 62);
    eq("mulh MIN*-1", rr!("mulh", MIN, M1), 0);
    eq("mulh -1*1", rr!("mulh", M1, 1), M1);
    eq("mulhu max*max", rr!("mulhu", M1, M1), M1 - 1);
    eq("mulhsu -1*max", rr!("mulhsu", M1, M1), M1);
    eq("mulhsu 2*2^63", rr!("mulhsu", 2, MIN), 1);
    eq("mulhsu MIN*2", rr!("mulhsu", MIN, 2), M1);
    eq(
        "mulw sign-extends",
        rr!("mulw", 0x7fff_ffffu64, 2),
        0xffff_ffff_ffff_fffe,
    );
    eq(
        "mulw ignores upper bits",
        rr!("mulw", 0xffff_0000_0000_0003u64, 0x1_0000_0005u64),
        15,
    );
}

fn shifts() {
    eq("sll by 63", rr!("sll", 1, 63), MIN);
    eq("sll uses 6 bits", rr!("sll", 1, 65), 2);
    eq("srl by 63", rr!("srl", MIN, 63), 1);
    eq("sra by 63", rr!("sra", MIN, 63), M1);
    eq("slli 63", ri!("slli", 3, "63"), MIN);
    eq("srai 63", ri!("srai", MIN, "63"), M1);
    eq("srli 63", ri!("srli", M1, "63"), 1);
    eq("sllw by 31", rr!("sllw", 1, 31), 0xffff_ffff_8000_0000);
    eq("sllw uses 5 bits", rr!("sllw", 1, 33), 2);
    eq(
        "srlw of negative word",
        rr!("srlw", 0xffff_ffff_8000_0000u64, 31),
        1,
    );
    eq(
        "srlw by 0 sign-extends",
        rr!("srlw", 0x8000_0000u64, 0),
        0xffff_ffff_8000_0000,
    );
    eq("sraw by 31", rr!("sraw", 0x8000_0000u64, 31), M1);
    eq(
        "sraiw",
        ri!("sraiw", 0x0000_0000_8000_0000u64, "4"),
        0xffff_ffff_f800_0000,
    );
    eq(
        "srliw",
        ri!("srliw", 0xffff_ffff_8000_0000u64, "4"),
        0x0800_0000,
    );
    eq(
        "slliw sign-extends",
        ri!("slliw", 0x1_4000_0000u64, "1"),
        0xffff_ffff_8000_0000,
    );
}

fn words_and_upper() {
    eq(
        "addw overflow",
        rr!("addw", 0x7fff_ffffu64, 1),
        0xffff_ffff_8000_0000,
    );
    eq(
        "subw",
        rr!("subw", 0, 0x8000_0000u64),
        0xffff_ffff_8000_0000,
    );
    eq(
        "addiw sext.w",
        ri!("addiw", 0x1234_5678_9abc_def0u64, "0"),
        0xffff_ffff_9abc_def0,
    );
    eq("addi negative", ri!("addi", 0, "-2048"), -2048i64 as u64);
    eq("slti", ri!("slti", M1, "0"), 1);
    eq("sltiu -1 as unsigned max", ri!("sltiu", 5, "-1"), 1);
    eq("sltu", rr!("sltu", M1, 1), 0);
    eq("slt", rr!("slt", M1, 1), 1);
    eq("xori -1 is not", ri!("xori", 0x0f0fu64, "-1"), !0x0f0fu64);
    let (lui, lui_pos): (u64, u64);
    // SAFETY: register loads of constants.
    unsafe { asm!("lui {0}, 0x80000", "lui {1}, 0x7ffff", out(reg) lui, out(reg) lui_pos) };
    eq("lui sign-extends", lui, 0xffff_ffff_8000_0000);
    eq("lui positive", lui_pos, 0x7fff_f000);
    let (auipc, here): (u64, u64);
    // SAFETY: pc-relative address arithmetic.
    unsafe { asm!("1: auipc {0}, 1", "la {1}, 1b", out(reg) auipc, out(reg) here) };
    eq("auipc", auipc, here + 0x1000);
}

fn branches_and_links() {
    /// Returns 1 when the branch is taken.
    macro_rules! br {
        ($insn:literal, $a:expr, $b:expr) => {{
            let r: u64;
            // SAFETY: local control flow only.
            unsafe {
                asm!(concat!("li {r}, 1\n", $insn, " {a}, {b}, 1f\nli {r}, 0\n1:"),
                    r = out(reg) r, a = in(reg) $a as u64, b = in(reg) $b as u64)
            };
            r
        }};
    }
    eq("blt signed", br!("blt", M1, 1), 1);
    eq("bltu unsigned", br!("bltu", M1, 1), 0);
    eq("bge equal", br!("bge", 5, 5), 1);
    eq("bge signed", br!("bge", 1, M1), 1);
    eq("bgeu", br!("bgeu", 1, M1), 0);
    eq("beq", br!("beq", MIN, MIN), 1);
    eq("bne", br!("bne", MIN, MIN), 0);

    let (link, after): (u64, u64);
    // SAFETY: local jumps.
    unsafe {
        asm!(".option push", ".option norvc", "jal {0}, 1f", "2: nop", "1: la {1}, 2b", ".option pop", out(reg) link, out(reg) after)
    };
    eq("jal links pc+4", link, after);
    let (link, after): (u64, u64);
    // SAFETY: jalr to an odd address: bit 0 is cleared.
    unsafe {
        asm!(".option push", ".option norvc", "la {1}, 1f", "addi {1}, {1}, 1", "jalr {0}, 0({1})", "2: nop", "1: la {1}, 2b", ".option pop",
            out(reg) link, out(reg) after)
    };
    eq("jalr clears bit 0 and links pc+4", link, after);
    let (link, after): (u64, u64);
    // SAFETY: jalr with rd == rs1 uses the old rs1.
    unsafe {
        asm!(".option push", ".option norvc", "la {0}, 1f", "jalr {0}, 0({0})", "2: nop", "1: la {1}, 2b", ".option pop", out(reg) link, out(reg) after)
    };
    eq("jalr rd == rs1", link, after);
    let (link, after): (u64, u64);
    // SAFETY: c.jalr links pc+2.
    unsafe {
        asm!("la a1, 1f", "c.jalr a1", "2: c.nop", "1: la {1}, 2b", "mv {0}, ra", out(reg) link, out(reg) after, out("a1") _, out("ra") _)
    };
    eq("c.jalr links pc+2", link, after);
}

#[repr(align(16))]
struct Buf([u8; 32]);

fn loads_and_stores() {
    let mut b = Buf([0; 32]);
    b.0[..8].copy_from_slice(&[0x80, 0xff, 0x00, 0x80, 0xff, 0xff, 0xff, 0x7f]);
    let p = b.0.as_mut_ptr() as u64;
    macro_rules! ld {
        ($insn:literal, $off:literal) => {{
            let r: u64;
            // SAFETY: p points at b.
            unsafe { asm!(concat!($insn, " {r}, ", $off, "({p})"), r = out(reg) r, p = in(reg) p) };
            r
        }};
    }
    eq("lb sign-extends", ld!("lb", 0), 0xffff_ffff_ffff_ff80);
    eq("lbu zero-extends", ld!("lbu", 0), 0x80);
    eq("lh sign-extends", ld!("lh", 2), 0xffff_ffff_ffff_8000);
    eq("lhu zero-extends", ld!("lhu", 2), 0x8000);
    eq("lw sign-extends", ld!("lw", 0), 0xffff_ffff_8000_ff80);
    eq("lwu zero-extends", ld!("lwu", 0), 0x8000_ff80);
    eq("ld", ld!("ld", 0), 0x7fff_ffff_8000_ff80);
    eq("misaligned lh", ld!("lh", 1), 0x00ff);
    eq("misaligned lw", ld!("lw", 3), 0xffff_ffff_ffff_ff80);
    eq("misaligned ld", ld!("ld", 1), 0x007f_ffff_ff80_00ff);
    eq("misaligned lwu across 8 bytes", ld!("lwu", 6), 0x0000_7fff);
    // SAFETY: stores into b.
    unsafe {
        asm!("sd {v}, 9({p})", "sw {v}, 19({p})", "sh {v}, 25({p})", "sb {v}, 31({p})", v = in(reg) 0x1122_3344_5566_7788u64, p = in(reg) p)
    };
    eq(
        "misaligned sd",
        u64::from_le_bytes(b.0[9..17].try_into().unwrap()),
        0x1122_3344_5566_7788,
    );
    eq(
        "misaligned sw",
        u32::from_le_bytes(b.0[19..23].try_into().unwrap()) as u64,
        0x5566_7788,
    );
    eq(
        "misaligned sh",
        u16::from_le_bytes(b.0[25..27].try_into().unwrap()) as u64,
        0x7788,
    );
    eq("sb", b.0[31] as u64, 0x88);
    eq(
        "bytes around stores untouched",
        (b.0[8] | b.0[17] | b.0[18] | b.0[23] | b.0[24] | b.0[27]) as u64,
        0,
    );
    let w: u64;
    // SAFETY: x0 destination discards the load; the store of x0 writes 0.
    unsafe {
        asm!("lw x0, 0({p})", "sd x0, 0({p})", "ld {w}, 0({p})", p = in(reg) p, w = out(reg) w)
    };
    eq("store of x0 writes zero", w, 0);
}

fn compressed() {
    eq("c.li", c1!("c.li", 0, "-32"), -32i64 as u64);
    eq("c.addi", c1!("c.addi", 10, "-11"), M1);
    eq(
        "c.addiw sign-extends",
        c1!("c.addiw", 0x7fff_ffffu64, "1"),
        0xffff_ffff_8000_0000,
    );
    eq(
        "c.lui sign-extends",
        c1!("c.lui", 0, "0xfffe0"),
        0xffff_ffff_fffe_0000,
    );
    eq("c.slli 63", c1!("c.slli", 1, "63"), MIN);
    eq("c.srli", c1!("c.srli", MIN, "63"), 1);
    eq("c.srai", c1!("c.srai", MIN, "63"), M1);
    eq("c.andi", c1!("c.andi", 0xffu64, "-16"), 0xf0);
    eq("c.sub", c2!("c.sub", 1, 2), M1);
    eq("c.xor", c2!("c.xor", 0xf0u64, 0xffu64), 0x0f);
    eq("c.or", c2!("c.or", 0xf0u64, 0x0fu64), 0xff);
    eq("c.and", c2!("c.and", 0xf0u64, 0x3cu64), 0x30);
    eq(
        "c.subw",
        c2!("c.subw", 0, 0x8000_0000u64),
        0xffff_ffff_8000_0000,
    );
    eq(
        "c.addw",
        c2!("c.addw", 0x7fff_ffffu64, 1),
        0xffff_ffff_8000_0000,
    );
    eq("c.mv", c2!("c.mv", 0, 0x1234u64), 0x1234);
    eq("c.add", c2!("c.add", 0x1000u64, 0x234u64), 0x1234);

    let mut m = [0u64; 4];
    let p = m.as_mut_ptr() as u64;
    let (a, b, c): (u64, u64, u64);
    // SAFETY: loads and stores within m.
    unsafe {
        asm!(
            "c.sd a1, 8(a0)",
            "c.sw a1, 16(a0)",
            "c.lw a2, 8(a0)",
            "c.ld a3, 16(a0)",
            "c.lw a4, 20(a0)",
            inout("a0") p => _,
            in("a1") 0x8765_4321_8000_0001u64,
            out("a2") a,
            out("a3") b,
            out("a4") c,
        )
    };
    eq("c.sd/c.lw sign-extends", a, 0xffff_ffff_8000_0001);
    eq("c.sw writes 4 bytes", b, 0x8000_0001);
    eq("c.lw of zero word", c, 0);

    let (a, b, sp_delta): (u64, u64, u64);
    // SAFETY: a 64-byte frame below sp, restored before the block ends.
    unsafe {
        asm!(
            "mv {old}, sp",
            "c.addi16sp sp, -64",
            "sub {d}, {old}, sp",
            "c.sdsp {v}, 56(sp)",
            "c.swsp {v}, 0(sp)",
            "c.ldsp {a}, 56(sp)",
            "c.lwsp {b}, 0(sp)",
            "c.addi4spn a0, sp, 8",
            "c.addi16sp sp, 64",
            "sub a0, a0, {old}",
            old = out(reg) _,
            d = out(reg) sp_delta,
            v = in(reg) 0x0123_4567_89ab_cdefu64,
            a = out(reg) a,
            b = out(reg) b,
            out("a0") _,
        )
    };
    eq("c.addi16sp", sp_delta, 64);
    eq("c.sdsp/c.ldsp", a, 0x0123_4567_89ab_cdef);
    eq("c.swsp/c.lwsp sign-extends", b, 0xffff_ffff_89ab_cdef);

    let r: u64;
    // SAFETY: c.addi4spn result relative to sp.
    unsafe { asm!("c.addi4spn a0, sp, 1020", "sub a0, a0, sp", out("a0") r) };
    eq("c.addi4spn", r, 1020);

    /// c.beqz/c.bnez on a0; returns 1 when taken.
    macro_rules! cbr {
        ($insn:literal, $a:expr) => {{
            let r: u64;
            // SAFETY: local control flow only.
            unsafe { asm!("li {r}, 1", concat!($insn, " a0, 1f"), "li {r}, 0", "1:", r = out(reg) r, in("a0") $a as u64) };
            r
        }};
    }
    eq("c.beqz taken", cbr!("c.beqz", 0), 1);
    eq("c.beqz not taken", cbr!("c.beqz", MIN), 0);
    eq("c.bnez taken", cbr!("c.bnez", MIN), 1);
    eq("c.bnez not taken", cbr!("c.bnez", 0), 0);
    let r: u64;
    // SAFETY: c.j and c.jr skip the li.
    unsafe {
        asm!("li {r}, 1", "c.j 1f", "li {r}, 2", "1: la a1, 2f", "c.jr a1", "li {r}, 3", "2:", r = out(reg) r, out("a1") _)
    };
    eq("c.j and c.jr", r, 1);
}

/// The C forms above must really be 16-bit: c.addiw at a known label.
fn compressed_encoding() {
    let (start, end): (u64, u64);
    // SAFETY: address arithmetic over two labels.
    unsafe {
        asm!("1: c.addiw a0, 1", "c.add a0, a0", "2:", "la {0}, 1b", "la {1}, 2b", out(reg) start, out(reg) end, out("a0") _)
    };
    eq("two C instructions take 4 bytes", end - start, 4);
    // SAFETY: reading our own code.
    let half = unsafe { (start as *const u16).read() };
    eq("c.addiw a0, 1 encoding", half as u64, 0x2505);
    let z: u64;
    // SAFETY: writes to x0 are discarded.
    unsafe { asm!("li {0}, 5", "add x0, {0}, {0}", "c.li {0}, 3", "mv {0}, x0", out(reg) z) };
    eq("x0 stays zero", z, 0);
}

#[no_mangle]
extern "C" fn guest_main() {
    div_rem();
    mul();
    shifts();
    words_and_upper();
    branches_and_links();
    loads_and_stores();
    compressed();
    compressed_encoding();
    guests::check::pass("isa_int");
}
