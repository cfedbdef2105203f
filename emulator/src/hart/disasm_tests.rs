//! Tests of the disassembler: pinned texts, and every form against GNU objdump.

use super::*;
use crate::hart::decode::decode_any;
use std::collections::HashMap;
use std::process::Command;

const OBJDUMP: &str = "riscv64-unknown-elf-objdump";
const BASE: u64 = 0x8000_0000;

fn dis(raw: u32, pc: u64) -> String {
    disasm(&decode_any(raw), pc)
}

#[test]
fn pinned_texts() {
    let cases: &[(u32, &str)] = &[
        (0x0015_0513, "addi a0,a0,1"),
        (0xfff0_0513, "addi a0,zero,-1"),
        (0x0035_1513, "slli a0,a0,0x3"),
        (0x43f5_5513, "srai a0,a0,0x3f"),
        (0x8000_07b7, "lui a5,0x80000"),
        (0x0000_0297, "auipc t0,0x0"),
        (0x0100_00ef, "jal ra,0x80000010"),
        (0xffdf_f0ef, "jal ra,0x7ffffffc"),
        (0x8000_00e7, "jalr ra,-2048(zero)"),
        (0xfeb5_0ce3, "beq a0,a1,0x7ffffff8"),
        (0xfe11_3c23, "sd ra,-8(sp)"),
        (0x0081_3503, "ld a0,8(sp)"),
        (0x0081_6503, "lwu a0,8(sp)"),
        (0x3052_9073, "csrrw zero,mtvec,t0"),
        (0x3004_6573, "csrrsi a0,mstatus,8"),
        (0x7ff0_2573, "csrrs a0,0x7ff,zero"),
        (0x3b00_2573, "csrrs a0,pmpaddr0,zero"),
        (0xc000_1073, "unimp"),
        (0x0ff0_000f, "fence iorw,iorw"),
        (0x8330_000f, "fence.tso"),
        (0x0100_000f, "fence w,unknown"),
        (0x0000_100f, "fence.i"),
        (0x0000_0073, "ecall"),
        (0x0010_0073, "ebreak"),
        (0x3020_0073, "mret"),
        (0x1020_0073, "sret"),
        (0x1050_0073, "wfi"),
        (0x12b5_0073, "sfence.vma a0,a1"),
        (0x00c5_a52f, "amoadd.w a0,a2,(a1)"),
        (0x1605_b52f, "lr.d.aqrl a0,(a1)"),
        (0x1eb6_352f, "sc.d.aqrl a0,a1,(a2)"),
        (0x02b5_0533, "mul a0,a0,a1"),
        (0x02b5_453b, "divw a0,a0,a1"),
        (0x00b5_0553, "fadd.s fa0,fa0,fa1,rne"),
        (0x00b5_7553, "fadd.s fa0,fa0,fa1"),
        (0x00b5_5553, "fadd.s fa0,fa0,fa1,unknown"),
        (0x6ac5_8543, "fmadd.d fa0,fa1,fa2,fa3,rne"),
        (0xd205_0553, "fcvt.d.w fa0,a0"),
        (0x4015_8553, "fcvt.s.d fa0,fa1,rne"),
        (0x4205_8553, "fcvt.d.s fa0,fa1"),
        (0xc005_7553, "fcvt.w.s a0,fa0"),
        (0xe205_0553, "fmv.x.d a0,fa0"),
        (0xe005_1553, "fclass.s a0,fa0"),
        (0xa2b5_2553, "feq.d a0,fa0,fa1"),
        (0x0005_3507, "fld fa0,0(a0)"),
        (0x00a5_3427, "fsd fa0,8(a0)"),
        (0x0000_0000, "c.unimp"),
        (0x0000_0001, "c.addi zero,0"),
        (0x0000_0808, "c.addi4spn a0,sp,16"),
        (0x0000_7179, "c.addi16sp sp,-48"),
        (0x0000_f406, "c.sdsp ra,40(sp)"),
        (0x0000_70a2, "c.ldsp ra,40(sp)"),
        (0x0000_8082, "c.jr ra"),
        (0x0000_9082, "c.jalr ra"),
        (0x0000_852e, "c.mv a0,a1"),
        (0x0000_952e, "c.add a0,a1"),
        (0x0000_9002, "c.ebreak"),
        (0x0000_bffd, "c.j 0x7ffffffe"),
        (0x0000_c111, "c.beqz a0,0x80000004"),
        (0x0000_757d, "c.lui a0,0xfffff"),
        (0x0000_357d, "c.addiw a0,-1"),
        (0x0000_0002, "c.slli64 zero"),
        (0x0000_8001, "c.srli64 s0"),
        (0x0000_9c21, "c.addw s0,s0"),
        (0x0000_3ffc, "c.fld fa5,248(a5)"),
        (0x0000_8000, ".2byte 0x8000"),
        (0x0000_6101, ".2byte 0x6101"),
        (0x0000_007f, ".4byte 0x7f"),
    ];
    for &(raw, want) in cases {
        assert_eq!(dis(raw, BASE), want, "{raw:#010x}");
    }
}

// Encodings that binutils 2.40 prints as `.4byte`/`.2byte` (or decodes)
// differently from the ISA manual, which we follow: FENCE with nonzero
// rd/rs1/fm (the manual says implementations ignore them), FENCE.I with
// nonzero fields (ignored likewise), FCVT.D.S/.D.W/.D.WU with a nonzero rm
// (newer binutils print the rm), and the reserved C.ADDI16SP with imm 0.
fn binutils_differs(raw: u32) -> bool {
    let fcvt_exact = [0x4200_0053, 0xd200_0053, 0xd210_0053];
    match raw & 0x7f {
        0x0f if raw >> 12 & 7 == 0 => {
            raw & 0x000f_8f80 != 0 || (raw >> 28 != 0 && raw != 0x8330_000f)
        }
        0x0f => raw != 0x0000_100f,
        0x53 => fcvt_exact.contains(&(raw & 0xfff0_007f)) && raw >> 12 & 7 != 0,
        _ => raw == 0x6101,
    }
}

// A small xorshift generator for operand fields.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
}

// Every compressed halfword, every SYSTEM/MISC-MEM special, and random
// words of each RV64G major opcode that decode to an instruction.
fn sample_words() -> Vec<u32> {
    let mut words: Vec<u32> = (0..=u16::MAX as u32).filter(|h| h & 3 != 3).collect();
    words.extend([
        0x0000_0073,
        0x0010_0073,
        0x1020_0073,
        0x3020_0073,
        0x1050_0073,
        0x8330_000f,
        0x0000_100f,
        0xc000_1073,
    ]);
    let opcodes = [
        0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x47, 0x4b,
        0x4f, 0x53, 0x63, 0x67, 0x6f, 0x73,
    ];
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for op in opcodes {
        let mut n = 0;
        while n < 3000 {
            let mut raw = rng.next() & !0x7f | op;
            if op == 0x0f {
                raw &= !0xf00f_8f80; // fm, rs1 and rd zero: pred/succ vary
            }
            if op == 0x73 && raw >> 12 & 7 == 0 {
                raw &= 0xfe0f_ffff; // sfence.vma with random rs1/rs2
            }
            if !matches!(decode_any(raw).insn, Insn::Illegal(_)) {
                words.push(raw);
                n += 1;
            }
        }
    }
    words.retain(|&w| !binutils_differs(w));
    words
}

// Runs objdump over `words` laid out from BASE; returns address → text with
// the mnemonic and operands separated by one space and comments removed.
fn objdump(words: &[u32]) -> Option<HashMap<u64, String>> {
    let mut bin = Vec::new();
    for &w in words {
        if w & 3 == 3 {
            bin.extend_from_slice(&w.to_le_bytes());
        } else {
            bin.extend_from_slice(&(w as u16).to_le_bytes());
        }
    }
    let path = std::env::temp_dir().join(format!("rvcow-disasm-{}.bin", std::process::id()));
    std::fs::write(&path, &bin).expect("write temp file");
    let out = Command::new(OBJDUMP)
        .args(["-b", "binary", "-m", "riscv:rv64", "-M", "no-aliases", "-D"])
        .arg(format!("--adjust-vma={BASE:#x}"))
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let out = out.ok()?;
    assert!(
        out.status.success(),
        "{OBJDUMP} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "    80000000:\t00150513          \taddi\ta0,a0,1"
        let mut parts = line.trim_start().splitn(3, '\t');
        let (Some(addr), Some(_hex), Some(text)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Some(addr) = addr
            .strip_suffix(':')
            .and_then(|a| u64::from_str_radix(a, 16).ok())
        else {
            continue;
        };
        let text = text
            .split(" #")
            .next()
            .unwrap()
            .split("\t#")
            .next()
            .unwrap();
        map.insert(addr, text.trim_end().replacen('\t', " ", 1));
    }
    Some(map)
}

#[test]
#[ignore = "needs riscv64-unknown-elf-objdump"]
fn matches_objdump_on_every_form() {
    let words = sample_words();
    let Some(theirs) = objdump(&words) else {
        panic!("{OBJDUMP} not found on PATH (install binutils-riscv64-unknown-elf)");
    };
    let mut pc = BASE;
    let mut bad = Vec::new();
    for &w in &words {
        let ours = dis(w, pc);
        match theirs.get(&pc) {
            Some(t) if *t == ours => {}
            t => bad.push(format!("{pc:#x} {w:#010x}: objdump {t:?}, ours {ours:?}")),
        }
        pc += if w & 3 == 3 { 4 } else { 2 };
    }
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        words.len(),
        bad[..bad.len().min(40)].join("\n")
    );
    assert!(words.len() > 100_000);
}
