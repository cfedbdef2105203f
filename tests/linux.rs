// Linux to a busybox shell and back: Debian's riscv64 kernel with a busybox
// initramfs (.ci/run fetches them, README "Booting Linux" says how), when
// RVCOW_LINUX names the directory holding `Image` and `initramfs.cpio.gz`.
// Without it the test says so and passes: cargo test cannot download a kernel.

use std::path::PathBuf;
use std::process::Command;

const OPENSBI_JUMP: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf";
/// Boot to the prompt takes about 1.3 billion instructions on 2 harts.
const MAX_INSNS: &str = "6000000000";

/// The kernel and initramfs, or None (with a line saying the test is skipped).
fn linux() -> Option<(PathBuf, PathBuf)> {
    let Some(dir) = std::env::var_os("RVCOW_LINUX") else {
        eprintln!("skipped: RVCOW_LINUX is not set (see README, Booting Linux)");
        return None;
    };
    let dir = PathBuf::from(dir);
    let (image, initrd) = (dir.join("Image"), dir.join("initramfs.cpio.gz"));
    assert!(
        image.is_file() && initrd.is_file(),
        "RVCOW_LINUX={} must hold Image and initramfs.cpio.gz",
        dir.display()
    );
    Some((image, initrd))
}

/// Boots to the shell on 2 harts, runs `uname -a` and `poweroff -f`: the run
/// must end with status 0 through SBI system reset.
fn boots_and_powers_off(bios: &[&str]) {
    let Some((image, initrd)) = linux() else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(bios)
        .arg(&image)
        .arg("--initrd")
        .arg(&initrd)
        .args(["--smp", "2", "-m", "512", "--append", "console=ttyS0"])
        .args([
            "--prompt",
            "# ",
            "--run",
            "uname -a",
            "--run",
            "poweroff -f",
        ])
        .args(["--max-insns", MAX_INSNS])
        .output()
        .expect("cannot start rvcow");
    let text = String::from_utf8_lossy(&out.stdout);
    let dump = format!(
        "exit {:?}\n--- stdout\n{text}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{dump}");
    assert!(text.contains("smp: Brought up 1 node, 2 CPUs"), "{dump}");
    assert!(text.contains("riscv64 GNU/Linux"), "{dump}");
    assert!(text.contains("reboot: Power down"), "{dump}");
}

#[test]
fn linux_boots_on_rvcows_own_firmware() {
    boots_and_powers_off(&[]);
}

#[test]
#[ignore = "needs opensbi"]
fn linux_boots_on_opensbi() {
    boots_and_powers_off(&["--bios", OPENSBI_JUMP]);
}
