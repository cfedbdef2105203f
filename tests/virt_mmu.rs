// Sv39 and device-tree guest programs under rvcow: each checks itself and
// reports through the test finisher; these tests assert status and transcript.

use std::process::{Command, Output};

fn rvcow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(args)
        .output()
        .expect("rvcow runs")
}

/// Runs guest program `name` with `extra` options and a 50M-instruction
/// budget; asserts exit status 0 and returns the console transcript.
fn pass(name: &str, extra: &[&str]) -> String {
    let path = images::guest(name);
    let mut args = vec![path.to_str().unwrap(), "--max-insns", "50000000"];
    args.extend_from_slice(extra);
    let out = rvcow(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name} failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn sv39_walks_superpages_and_faults() {
    assert_eq!(pass("sv39_walk", &[]), "sv39_walk: 100 checks passed\n");
}

#[test]
fn sv39_every_permission_combination() {
    assert_eq!(
        pass("sv39_perm", &["--smp", "1"]),
        "sv39_perm: 512 combinations\nsv39_perm: 8 checks passed\n"
    );
}

#[test]
fn sv39_hardware_updates_accessed_and_dirty() {
    assert_eq!(pass("sv39_ad", &[]), "sv39_ad: 32 checks passed\n");
}

#[test]
fn sfence_vma_makes_new_mappings_visible() {
    assert_eq!(pass("sfence", &[]), "sfence: 32 checks passed\n");
}

#[test]
fn mprv_translates_machine_loads_and_stores() {
    assert_eq!(pass("mprv", &[]), "mprv: 32 checks passed\n");
}

#[test]
fn device_tree_is_where_qemu_puts_it() {
    assert_eq!(
        pass("fdt", &["-m", "128"]),
        "fdt: a1 = 0x87e00000\nfdt: 3 harts\nfdt: 140 checks passed\n"
    );
    assert_eq!(
        pass("fdt", &["-m", "128", "--smp", "1"]),
        "fdt: a1 = 0x87e00000\nfdt: 1 harts\nfdt: 100 checks passed\n"
    );
}

#[test]
fn a_failing_mmu_check_fails_the_run() {
    // 64 MiB of RAM: the fdt program's memory-size check (number 4) fails.
    let path = images::guest("fdt");
    let out = rvcow(&[
        path.to_str().unwrap(),
        "-m",
        "64",
        "--max-insns",
        "50000000",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "fdt: a1 = 0x83e00000\nFAIL 4: memory reg: got 0x4000000, want 0x8000000\n"
    );
}
