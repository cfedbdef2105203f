// Fuzz target `cli`: random and mutated argument vectors of rvcow's own
// options through the argument parser and the checks before boot (runs
// are short: --max-insns is small). Each ends in success or an error with
// status 1 or 2, one line for a command line that does not parse; never a
// panic, never a hang. RVCOW_FUZZ_CASES and RVCOW_FUZZ_SEED choose the cases.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod common;
use common::cases_and_seed;

/// The scratch directory rvcow runs in, holding the files the arguments
/// name: a guest, a non-ELF, an empty file, a disk. Arguments name them by
/// relative paths, so that whatever rvcow writes stays in the directory.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn new() -> Files {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("rvcow-fuzz-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(images::guest("hello"), dir.join("hello.elf")).unwrap();
        std::fs::write(dir.join("text.txt"), b"not an ELF\n").unwrap();
        std::fs::write(dir.join("empty.bin"), b"").unwrap();
        std::fs::write(dir.join("disk.img"), [0u8; 4096]).unwrap();
        Files { dir }
    }

    /// A path to read, or with `write`, one rvcow may create or write.
    fn path(&self, rng: &mut fastrand::Rng, write: bool) -> String {
        let mut v = vec![
            "./hello.elf",
            "./text.txt",
            "./empty.bin",
            "./disk.img",
            "./out0",
            "./out1/",
            "./%h.trace",
            ".",
            "",
            "/dev/null",
            "/dev/full",
        ];
        if !write {
            v.extend(["/nonexistent", "/", "/dev/zero"]);
        }
        pick(rng, &v).to_string()
    }
}

fn pick<'a>(rng: &mut fastrand::Rng, v: &[&'a str]) -> &'a str {
    v[rng.usize(..v.len())]
}

fn number(rng: &mut fastrand::Rng) -> String {
    let v = [
        "0",
        "1",
        "3",
        "8",
        "9",
        "16",
        "-1",
        "1000",
        "8192",
        "8193",
        "64G",
        "1M",
        "0x10",
        "1e3",
        "nan",
        "inf",
        "1e300",
        "0.5",
        "18446744073709551616",
        "17592186044432",
        "x",
        "",
    ];
    match rng.u8(..8) {
        0 => rng.u64(..).to_string(),
        _ => pick(rng, &v).to_string(),
    }
}

fn text(rng: &mut fastrand::Rng) -> String {
    match rng.u8(..4) {
        0 => String::new(),
        1 => (0..rng.usize(1..20))
            .map(|_| rng.u8(32..127) as char)
            .collect(),
        _ => pick(
            rng,
            &[
                "hello",
                "$ ",
                "echo hi",
                "0x80000000..0x80001000",
                "main",
                "5..1",
                "u,s,m",
                "x",
                "0,1",
                "virtio-mmio.force-legacy=false",
                "virtio-mmio.bogus=1",
                "console=ttyS0",
                "\u{e9}\u{1f600}",
            ],
        )
        .to_string(),
    }
}

/// One random argument vector.
fn argv(rng: &mut fastrand::Rng, f: &Files) -> Vec<String> {
    let mut v = Vec::new();
    if rng.u8(..4) != 0 {
        v.push(f.path(rng, false));
    }
    for _ in 0..rng.usize(..6) {
        let opt = pick(
            rng,
            &[
                "-m",
                "--memory",
                "--smp",
                "-smp",
                "--drive",
                "--snapshot",
                "--virtio-modern",
                "--global",
                "-global",
                "--bios",
                "-bios",
                "--append",
                "-append",
                "--run",
                "--expect",
                "--prompt",
                "--timeout",
                "--max-insns",
                "--realtime",
                "--trace",
                "--trace-traps",
                "--trace-harts",
                "--trace-priv",
                "--trace-range",
                "--trace-start",
                "--trace-count",
                "--trace-file",
                "--symbols",
                "--history",
                "--stats",
                "--gdb",
                "-S",
                "--dump-image",
                "--help",
                "--version",
                "--bogus",
                "-x",
                "--",
            ],
        );
        match opt {
            // The limits: valid values keep the run short.
            "--timeout" | "--max-insns" => {
                v.push(opt.into());
                let short = [
                    "0",
                    "1",
                    "1000",
                    "300000",
                    "0.5",
                    "-1",
                    "nan",
                    "inf",
                    "1e300",
                    "x",
                    "",
                    "18446744073709551616",
                ];
                v.push(pick(rng, &short).into());
            }
            "-m" | "--memory" | "--smp" | "-smp" | "--trace-start" | "--trace-count"
            | "--history" => {
                v.push(opt.into());
                v.push(number(rng));
            }
            "--drive" | "--bios" | "-bios" | "--trace-file" | "--symbols" | "--dump-image" => {
                v.push(opt.into());
                let write = matches!(opt, "--drive" | "--trace-file" | "--dump-image");
                v.push(if rng.u8(..8) == 0 {
                    "none".into()
                } else {
                    f.path(rng, write)
                });
            }
            "--global" | "-global" | "--append" | "-append" | "--run" | "--expect" | "--prompt"
            | "--trace-harts" | "--trace-priv" | "--trace-range" => {
                v.push(opt.into());
                v.push(text(rng));
            }
            "--gdb" => {
                v.push(opt.into());
                v.push(pick(rng, &["0", "1", "99999", "x"]).into());
            }
            // Waits for gdb: only with a wall-time limit.
            "-S" => v.extend(["-S".into(), "--timeout".into(), "0.3".into()]),
            _ => v.push(opt.into()),
        }
    }
    // Now and then a character of an argument changes; never into a `/`
    // nor in an absolute path, so that rvcow writes only in its directory.
    if !v.is_empty() && rng.u8(..6) == 0 {
        let i = rng.usize(..v.len());
        let mut chars: Vec<char> = v[i].chars().collect();
        if !chars.is_empty() && chars[0] != '/' {
            let at = rng.usize(..chars.len());
            chars[at] = match rng.u8(32..127) {
                b'/' => '_',
                c => c as char,
            };
        }
        v[i] = chars.into_iter().collect();
    }
    // Runs stay short.
    if !v.iter().any(|a| a == "--max-insns") {
        v.extend(["--max-insns".into(), "300000".into()]);
    }
    v
}

/// Runs rvcow with `args`; None when it did not end within 60 s.
fn run(dir: &Path, args: &[String]) -> Option<Output> {
    let child = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => Some(out.unwrap()),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            None
        }
    }
}

#[test]
fn fuzz_cli() {
    let (cases, seed) = cases_and_seed(100);
    println!("fuzz cli: {cases} cases, seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let files = Files::new();
    let mut by_status = std::collections::BTreeMap::new();
    for case in 0..cases {
        let args = argv(&mut rng, &files);
        let what = format!("case {case} (seed {seed}): rvcow {args:?}");
        let out = run(&files.dir, &args).unwrap_or_else(|| panic!("{what}: hangs"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{what}: {err}");
        let code = out
            .status
            .code()
            .unwrap_or_else(|| panic!("{what}: killed"));
        assert_ne!(code, 101, "{what}: {err}");
        if code == 2 {
            assert_eq!(err.lines().count(), 1, "{what}: {err}");
            assert!(err.starts_with("rvcow: "), "{what}: {err}");
        }
        // No run starts without a kernel: one line naming what is wrong.
        if code == 1 && out.stdout.is_empty() && err.lines().count() == 1 {
            assert!(err.starts_with("rvcow: "), "{what}: {err}");
        }
        *by_status.entry(code).or_insert(0) += 1;
    }
    std::fs::remove_dir_all(&files.dir).unwrap();
    println!("fuzz cli: exit statuses {by_status:?}");
}
