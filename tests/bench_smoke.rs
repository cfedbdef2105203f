// The benchmark's guest programs run under rvcow and print their checksum
// (the values QEMU 7.2 prints too). Nothing here is timed.

use std::process::Command;

/// Runs bench program `name` on one hart; returns its console line.
fn run(name: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args([
            images::guest(name).to_str().unwrap(),
            "--smp",
            "1",
            "--max-insns",
            "1000000000",
        ])
        .output()
        .expect("rvcow runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Checks `line` is "NAME: N instructions, checksum SUM" with N > 0.
fn check(name: &str, line: &str, sum: &str) {
    let rest = line
        .strip_prefix(&format!("{name}: "))
        .unwrap_or_else(|| panic!("{name} printed {line:?}"));
    let (count, tail) = rest.split_once(" instructions, checksum ").unwrap();
    assert!(count.parse::<u64>().unwrap() > 1_000_000, "{line}");
    assert_eq!(tail, format!("{sum}\n"), "{name}");
}

#[test]
fn bench_programs_print_their_checksums() {
    for (name, sum) in [
        ("bench_int", "0xea95ca07b567101a"),
        ("bench_mem", "0xd4ff5d584e710ce6"),
        ("bench_mix", "0xfc15"),
        ("bench_mix_sv39", "0xfc15"),
        ("bench_fp", "0x2f9efc889cbee2e6"),
    ] {
        check(name, &run(name), sum);
    }
}
