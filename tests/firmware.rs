// Firmware as QEMU loads it: OpenSBI (Debian's `opensbi` package, installed by
// .ci/run) at 0x80000000 starts a raw S-mode payload at 0x80200000, which prints
// through the SBI console and shuts down through SBI SRST.

use std::path::Path;
use std::process::Command;

const OPENSBI: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic";

/// An S-mode program (raw, position-independent): prints a line with the legacy
/// SBI console_putchar (a7 = 1), then calls SRST system_reset(shutdown).
const PAYLOAD: [u8; 72] = [
    0x17, 0x04, 0x00, 0x00, // auipc s0,0x0
    0x13, 0x04, 0xc4, 0x02, // addi  s0,s0,44
    0x03, 0x45, 0x04, 0x00, // lbu   a0,0(s0)
    0x11, 0xc5, // c.beqz a0,+20
    0x85, 0x48, // c.li   a7,1
    0x73, 0x00, 0x00, 0x00, // ecall
    0x05, 0x04, // c.addi s0,1
    0xcd, 0xbf, // c.j    -16
    0xb7, 0x58, 0x52, 0x53, // lui   a7,0x53525
    0x9b, 0x88, 0x48, 0x35, // addiw a7,a7,852 ("SRST")
    0x01, 0x48, // c.li a6,0
    0x01, 0x45, // c.li a0,0 (shutdown)
    0x81, 0x45, // c.li a1,0
    0x73, 0x00, 0x00, 0x00, // ecall
    0x01, 0xa0, // c.j .
    b'h', b'e', b'l', b'l', b'o', b' ', b'f', b'r', b'o', b'm', b' ', b'S', b'-', b'm', b'o', b'd',
    b'e', b' ', b'v', b'i', b'a', b' ', b'S', b'B', b'I', b'\n', 0, 0,
];

fn boot_opensbi(firmware: &str, smp: &str) {
    let fw = Path::new(OPENSBI).join(firmware);
    assert!(
        fw.exists(),
        "{} is missing: apt-get install opensbi (.ci/run does)",
        fw.display()
    );
    let payload = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "rvcow-sbi-payload-{}-{firmware}.bin",
        std::process::id()
    ));
    std::fs::write(&payload, PAYLOAD).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args([
            "--bios",
            fw.to_str().unwrap(),
            payload.to_str().unwrap(),
            "--smp",
            smp,
            "--max-insns",
            "400000000",
        ])
        .output()
        .unwrap();
    // OpenSBI's console turns \n into \r\n.
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Platform Name             : riscv-virtio,qemu\n"),
        "{text}"
    );
    assert!(
        text.contains("Domain0 Next Address      : 0x0000000080200000\n"),
        "{text}"
    );
    assert!(
        text.contains("Domain0 Next Mode         : S-mode\n"),
        "{text}"
    );
    assert!(text.ends_with("hello from S-mode via SBI\n"), "{text}");
}

#[test]
#[ignore = "needs opensbi (fw_jump.elf)"]
fn opensbi_fw_jump_starts_an_s_mode_payload() {
    boot_opensbi("fw_jump.elf", "1");
}

#[test]
#[ignore = "needs opensbi (fw_dynamic.elf)"]
fn opensbi_fw_dynamic_reads_the_reset_rom_info_on_3_harts() {
    boot_opensbi("fw_dynamic.elf", "3");
    // fw_dynamic takes next_addr from the ROM's fw_dynamic_info (a2).
}
