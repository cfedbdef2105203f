// Fuzz target `elf`: mutations of real ELFs (the bundled kernel, test
// guests) through the ELF and raw-image loaders, in process (Machine::new
// as kernel and as firmware, and the symbol reader) and a handful through
// the binary. Every case boots or is refused in one line, never a panic;
// an ELF whose header and program headers are intact always loads.
// RVCOW_FUZZ_CASES and RVCOW_FUZZ_SEED choose the cases.

use emulator::machine::{BootError, Config, Machine};
use emulator::symbols::Symbols;
use std::process::Command;

fn cases_and_seed(default_cases: u64) -> (u64, u64) {
    let var = |n: &str| std::env::var(n).ok().and_then(|v| v.parse().ok());
    (
        var("RVCOW_FUZZ_CASES").unwrap_or(default_cases),
        var("RVCOW_FUZZ_SEED").unwrap_or(16),
    )
}

/// The ELFs mutated: the bundled kernel and a few test guests.
fn sources() -> Vec<Vec<u8>> {
    let mut v = vec![images::KERNEL_ELF.to_vec()];
    for g in ["hello", "exit_code", "isa_int"] {
        v.push(std::fs::read(images::guest(g)).unwrap());
    }
    v
}

fn boot(kernel: Vec<u8>, bios: Option<Vec<u8>>) -> Result<Machine, BootError> {
    Machine::new(Config {
        ram_size: 128 << 20,
        harts: 1,
        kernel,
        bios,
        disk: None,
        virtio_modern: false,
        bootargs: None,
        initrd: None,
        reserve_bios: false,
    })
}

fn u16_at(b: &[u8], o: usize) -> usize {
    u16::from_le_bytes([b[o], b[o + 1]]) as usize
}

/// The program header table's extent in `elf`.
fn phdrs(elf: &[u8]) -> std::ops::Range<usize> {
    let phoff = u64::from_le_bytes(elf[32..40].try_into().unwrap()) as usize;
    phoff..phoff + 56 * u16_at(elf, 56)
}

/// Values that sit on the edges loaders get wrong.
fn edgy(rng: &mut fastrand::Rng, len: usize) -> u64 {
    let picks = [
        0,
        1,
        2,
        0x7f,
        0xff,
        0xffff,
        0xffff_ffff,
        u64::MAX,
        i64::MAX as u64,
        0x8000_0000,
        0x87ff_ffff,
        0x8800_0000,
        0x8000_0000 - 1,
        len as u64,
        len as u64 + 1,
        rng.u64(..),
    ];
    picks[rng.usize(..picks.len())]
}

/// One to four mutations of `src`: bit flips, random bytes, edge values
/// written over fields (half of them in the ELF or program headers),
/// truncation, bytes inserted or removed.
fn mutate(rng: &mut fastrand::Rng, src: &[u8]) -> Vec<u8> {
    let mut v = src.to_vec();
    let headers = phdrs(src).end.min(src.len());
    for _ in 0..rng.usize(1..=4) {
        if v.len() < 16 {
            break;
        }
        let at = if rng.bool() {
            rng.usize(..headers.min(v.len()))
        } else {
            rng.usize(..v.len())
        };
        match rng.u8(..6) {
            0 => v[at] ^= 1 << rng.u8(..8),
            1 => v[at] = rng.u8(..),
            2 | 3 => {
                let width = [2, 4, 8][rng.usize(..3)];
                let at = at.min(v.len() - width) & !(width - 1);
                let val = edgy(rng, v.len()).to_le_bytes();
                v[at..at + width].copy_from_slice(&val[..width]);
            }
            4 => v.truncate(rng.usize(..v.len())),
            _ => {
                if rng.bool() {
                    let n = rng.usize(1..64);
                    v.splice(at..at, std::iter::repeat_n(rng.u8(..), n));
                } else {
                    let end = (at + rng.usize(1..64)).min(v.len());
                    v.drain(at..end);
                }
            }
        }
    }
    v
}

/// A mutation that leaves the loader's inputs alone: the identity, type,
/// machine, entry and program header fields of the ELF header and the
/// program header table; anything else (section headers, symbols, the
/// segments' bytes) may change.
fn mutate_extras(rng: &mut fastrand::Rng, src: &[u8]) -> Vec<u8> {
    let mut v = src.to_vec();
    let ph = phdrs(src);
    let kept = |i: usize| {
        i < 6
            || (16..20).contains(&i)
            || (24..40).contains(&i)
            || (56..58).contains(&i)
            || ph.contains(&i)
    };
    for _ in 0..rng.usize(1..=16) {
        let at = rng.usize(..v.len());
        if kept(at) {
            continue;
        }
        v[at] = if rng.bool() {
            rng.u8(..)
        } else {
            edgy(rng, v.len()) as u8
        };
    }
    v
}

#[test]
fn fuzz_elf() {
    let (cases, seed) = cases_and_seed(600);
    println!("fuzz elf: {cases} cases, seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let srcs = sources();
    let loaded: Vec<_> = srcs
        .iter()
        .map(|s| boot(s.clone(), None).unwrap().loaded)
        .collect();
    let raw_kernel = vec![0x6f, 0, 0, 0]; // j .
    let (mut booted, mut refused, mut fw_booted, mut fw_refused) = (0, 0, 0, 0);
    let mut intact = 0;
    for case in 0..cases {
        let which = rng.usize(..srcs.len());
        let src = &srcs[which];
        let what = format!("case {case} (seed {seed})");
        if case % 4 == 3 {
            let img = mutate_extras(&mut rng, src);
            let m = boot(img.clone(), None)
                .unwrap_or_else(|e| panic!("{what}: intact program headers refused: {e:?}"));
            assert_eq!(m.loaded.entry, loaded[which].entry, "{what}");
            assert_eq!(
                (m.loaded.lowest, m.loaded.highest),
                (loaded[which].lowest, loaded[which].highest),
                "{what}"
            );
            let _ = Symbols::new().add_kernel(&img);
            intact += 1;
            continue;
        }
        let img = mutate(&mut rng, src);
        let _ = Symbols::new().add_kernel(&img);
        let _ = Symbols::new().add_user(&img);
        match boot(img.clone(), None) {
            Ok(_) => booted += 1,
            Err(BootError::Kernel(msg)) => {
                assert!(!msg.contains('\n') && !msg.is_empty(), "{what}: {msg}");
                refused += 1;
            }
            Err(e) => panic!("{what}: {e:?}"),
        }
        // The same bytes as firmware, ELF or raw, with a raw kernel after it.
        match boot(raw_kernel.clone(), Some(img)) {
            Ok(_) => fw_booted += 1,
            Err(BootError::Bios(msg) | BootError::Kernel(msg)) => {
                assert!(!msg.contains('\n') && !msg.is_empty(), "{what}: {msg}");
                fw_refused += 1;
            }
            Err(e) => panic!("{what}: {e:?}"),
        }
    }
    println!(
        "fuzz elf: kernel {booted} booted, {refused} refused; firmware {fw_booted} booted, {fw_refused} refused; {intact} with intact program headers all loaded"
    );
}

#[test]
fn fuzz_elf_through_the_binary() {
    let (cases, seed) = cases_and_seed(600);
    // A handful: one process per case.
    let cases = (cases / 50).max(1);
    println!("fuzz elf_binary: {cases} cases, seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed ^ 0xe1f);
    let srcs = sources();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rvcow-fuzz-elf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for case in 0..cases {
        let src = &srcs[rng.usize(1..srcs.len())];
        let path = dir.join(format!("case{case}.elf"));
        std::fs::write(&path, mutate(&mut rng, src)).unwrap();
        let path = path.to_str().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
            .args([path, "--smp", "1", "--max-insns", "20000", "--history", "0"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let what = format!("case {case} (seed {seed}): {err}");
        assert!(!err.contains("panicked"), "{what}");
        let code = out
            .status
            .code()
            .unwrap_or_else(|| panic!("{what}: killed"));
        // Refused: one line naming the file. Booted: whatever the guest did.
        if err.starts_with(&format!("rvcow: {path}: ")) && !err.contains("warning") {
            assert_eq!((code, err.lines().count()), (1, 1), "{what}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
