// Fuzz target virtio: the guest program virtio_fuzz sends random descriptor
// chains (seeded) to virtio-blk, legacy and modern, and checks every answer
// against its model of the device; the image file must then hold exactly
// what the program's model says (its FNV-1a hash). RVCOW_FUZZ_CASES and
// RVCOW_FUZZ_SEED set the number of chains and the seed.

use std::process::Command;

const SECTORS: usize = 64;

mod common;

/// The image the program expects: byte `i` of sector `s` is `s*13 + i*5 + 7`,
/// and sector 0 starts with "RVCOWFUZ", the seed and the number of cases.
fn image(seed: u64, cases: u64) -> Vec<u8> {
    let mut img: Vec<u8> = (0..SECTORS * 512)
        .map(|b| ((b / 512) * 13 + (b % 512) * 5 + 7) as u8)
        .collect();
    img[..8].copy_from_slice(b"RVCOWFUZ");
    img[8..16].copy_from_slice(&seed.to_le_bytes());
    img[16..24].copy_from_slice(&cases.to_le_bytes());
    img
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn fuzz_virtio_chains() {
    let (cases, seed) = common::cases_and_seed(3000);
    println!("fuzz virtio: {cases} cases, seed {seed}");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rvcow-fuzz-virtio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (version, extra) in [(1, &[][..]), (2, &["--virtio-modern"][..])] {
        let path = dir.join(format!("v{version}.img"));
        let before = image(seed, cases);
        std::fs::write(&path, &before).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
            .arg(images::guest("virtio_fuzz"))
            .args(["--max-insns", &(100_000_000 + 50_000 * cases).to_string()])
            .arg("--drive")
            .arg(&path)
            .args(extra)
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        let console = String::from_utf8_lossy(&out.stdout);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "version {version}, seed {seed}:\n{console}{err}"
        );
        println!("{}", console.lines().next().unwrap_or_default());
        let after = std::fs::read(&path).unwrap();
        let line = format!("virtio_fuzz: disk fnv1a {:#018x}", fnv1a(&after));
        assert!(
            console.contains(&line),
            "version {version}: want {line}\n{console}"
        );
        assert!(after != before, "no write reached the file");
        assert_eq!(after[..24], before[..24], "sector 0's header changed");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
