//! Helpers the whole-stack tests share: the fuzz targets' case count and
//! seed, and a scratch directory holding the bundled image.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fuzz convention: `RVCOW_FUZZ_CASES` cases (`default_cases` when
/// unset) from seed `RVCOW_FUZZ_SEED` (16 when unset). Panics on a value
/// that is not a number.
pub fn cases_and_seed(default_cases: u64) -> (u64, u64) {
    (
        env_u64("RVCOW_FUZZ_CASES", default_cases),
        env_u64("RVCOW_FUZZ_SEED", 16),
    )
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a number")),
        Err(_) => default,
    }
}

/// A fresh directory under target/tmp, named for `tag` and this process,
/// holding the bundled kernel.elf and fs.img (written by `rvcow --dump-image`).
pub fn dumped_image(tag: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("rvcow-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .arg("--dump-image")
        .arg(&dir)
        .output()
        .expect("rvcow runs");
    assert!(out.status.success(), "{out:?}");
    dir
}

/// Reads a running rvcow's console from `out` into `console` until `done`
/// holds for what it has read; panics, with the console, if rvcow ends first.
pub fn read_until(out: &mut impl std::io::Read, console: &mut String, done: impl Fn(&str) -> bool) {
    let mut buf = [0; 4096];
    while !done(console) {
        let n = out.read(&mut buf).unwrap();
        assert!(n > 0, "rvcow ended early:\n{console}");
        console.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}
