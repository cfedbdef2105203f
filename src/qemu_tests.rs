// Unit tests of the QEMU command line (qemu.rs).

use super::*;
use crate::Args;
use clap::{CommandFactory, Parser};

fn tr(args: &[&str]) -> Result<Translated, String> {
    let argv = std::iter::once("rvcow")
        .chain(args.iter().copied())
        .map(OsString::from)
        .collect();
    translate(argv, &Args::command())
}

/// The rvcow arguments (after the program name) that `args` become.
fn run(args: &[&str]) -> Vec<String> {
    match tr(args) {
        Ok(Translated::Run(v)) => v[1..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        other => panic!("{args:?} gave {other:?}"),
    }
}

fn err(args: &[&str]) -> String {
    match tr(args) {
        Err(e) => {
            assert_eq!(e.lines().count(), 1, "{e}");
            e
        }
        other => panic!("{args:?} gave {other:?}"),
    }
}

#[test]
fn each_option_form() {
    assert_eq!(run(&["-machine", "virt"]), Vec::<String>::new());
    assert_eq!(run(&["-M", "virt"]), Vec::<String>::new());
    assert_eq!(run(&["-bios", "none"]), ["--bios", "none"]);
    assert_eq!(run(&["-bios", "fw.bin"]), ["--bios", "fw.bin"]);
    assert_eq!(run(&["-kernel", "k"]), ["--smp", "1", "--", "k"]);
    assert_eq!(run(&["-initrd", "rd"]), ["--initrd", "rd"]);
    assert_eq!(run(&["-append", "a b"]), ["--append", "a b"]);
    assert_eq!(run(&["-m", "128M"]), ["--memory", "128M"]);
    assert_eq!(run(&["-m", "128"]), ["--memory", "128"]);
    assert_eq!(run(&["-m", "size=1G"]), ["--memory", "1G"]);
    assert_eq!(run(&["-smp", "3"]), ["--smp", "3"]);
    assert_eq!(run(&["-smp", "cpus=2"]), ["--smp", "2"]);
    assert_eq!(run(&["-nographic"]), Vec::<String>::new());
    assert_eq!(run(&["-serial", "mon:stdio"]), Vec::<String>::new());
    assert_eq!(
        run(&[
            "-drive",
            "file=fs.img,if=none,format=raw,id=x0",
            "-device",
            "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0"
        ]),
        ["--drive", "fs.img"]
    );
    assert_eq!(
        run(&["-global", "virtio-mmio.force-legacy=false"]),
        ["--global", "virtio-mmio.force-legacy=false"]
    );
    assert_eq!(
        run(&["-global", "virtio-mmio.force-legacy=true"]),
        ["--global", "virtio-mmio.force-legacy=true"]
    );
    assert_eq!(run(&["-snapshot"]), ["--snapshot"]);
    assert_eq!(run(&["-no-reboot"]), ["--no-reboot"]);
    assert_eq!(run(&["-S", "-s"]), ["-S", "--gdb", "1234"]);
    assert_eq!(run(&["-gdb", "tcp::26000"]), ["--gdb", "26000"]);
    assert_eq!(run(&["-gdb", "tcp:localhost:26000"]), ["--gdb", "26000"]);
    assert_eq!(run(&["-gdb", "tcp:127.0.0.1:26000"]), ["--gdb", "26000"]);
    assert_eq!(run(&["-cpu", "rv64"]), Vec::<String>::new());
}

#[test]
fn help_and_version() {
    let Ok(Translated::Print(help)) = tr(&["-help"]) else {
        panic!("-help prints");
    };
    // The xv6 Makefiles run `$(QEMU) -help | grep -q '^-gdb'`.
    assert!(help.lines().any(|l| l.starts_with("-gdb")), "{help}");
    for v in ["-version", "--version"] {
        let Ok(Translated::Print(text)) = tr(&[v]) else {
            panic!("{v} prints");
        };
        // The 2023+ labs' check-qemu-version reads this line.
        assert!(
            text.starts_with("QEMU emulator version 7.2.0 (rvcow "),
            "{text}"
        );
    }
}

#[test]
fn lab_make_qemu_gdb_line() {
    // The 2021 labs' `make qemu-gdb`, word for word.
    let line = "-machine virt -bios none -kernel kernel/kernel -m 128M -smp 3 -nographic \
                -drive file=fs.img,if=none,format=raw,id=x0 \
                -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 -S -gdb tcp::26000";
    let args: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        run(&args),
        [
            "--bios",
            "none",
            "--memory",
            "128M",
            "--smp",
            "3",
            "-S",
            "--gdb",
            "26000",
            "--drive",
            "fs.img",
            "--",
            "kernel/kernel"
        ]
    );
}

#[test]
fn rvcow_options_pass_through() {
    assert_eq!(
        run(&[
            "k.elf",
            "--smp",
            "2",
            "--run",
            "-x",
            "--expect=-y",
            "-m128",
            "-S",
            "--gdb=1"
        ]),
        [
            "k.elf",
            "--smp",
            "2",
            "--run",
            "-x",
            "--expect=-y",
            "-m128",
            "-S",
            "--gdb=1"
        ]
    );
    assert_eq!(run(&["--timeout", "-1"]), ["--timeout", "-1"]);
    assert_eq!(run(&["--", "-kernel"]), ["--", "-kernel"]);
    assert_eq!(
        run(&[
            "-drive",
            "file=a.img,id=d,snapshot=on",
            "-device",
            "virtio-blk-device,drive=d,bus=virtio-mmio-bus.0"
        ]),
        ["--drive", "a.img", "--snapshot"]
    );
    // ",," is a comma inside a value.
    assert_eq!(
        run(&[
            "-drive",
            "file=a,,b.img,id=d",
            "-device",
            "virtio-blk-device,drive=d,bus=virtio-mmio-bus.0"
        ]),
        ["--drive", "a,b.img"]
    );
    // A drive no device uses is no disk, as in QEMU.
    assert_eq!(
        run(&["-drive", "file=a.img,if=none,id=d"]),
        Vec::<String>::new()
    );
}

#[test]
fn unsupported_options_get_one_line() {
    for (args, start) in [
        (&["-netdev", "user,id=net0,hostfwd=udp::26099-:2000"][..], "-netdev: unsupported option"),
        (&["-object", "filter-dump,id=net0,netdev=net0,file=packets.pcap"], "-object: unsupported option"),
        (&["-device", "e1000,netdev=net0,bus=pcie.0"], "-device e1000: unsupported device"),
        (&["-monitor", "stdio"], "-monitor: unsupported option"),
        (&["-x"], "-x: unsupported option"),
        (&["-machine", "sifive_u"], "-machine sifive_u: unsupported machine"),
        (&["-cpu", "sifive-u54"], "-cpu sifive-u54: unsupported"),
        (&["-serial", "pty"], "-serial pty: unsupported"),
        (&["-smp", "4,sockets=2"], "-smp 4,sockets=2: only N or cpus=N"),
        (&["-m", "128M,slots=2"], "-m 128M,slots=2: only a size"),
        (&["-gdb", "unix:/tmp/s"], "-gdb unix:/tmp/s: rvcow serves gdb as tcp::PORT"),
        (&["-gdb", "tcp:10.0.0.1:1234"], "-gdb tcp:10.0.0.1:1234: rvcow serves"),
        (&["-gdb", "tcp::99999"], "-gdb tcp::99999: rvcow serves"),
        (&["-drive", "file=a.img,if=virtio"], "-drive file=a.img,if=virtio: 'if=virtio' is not supported"),
        (&["-drive", "file=a.img,format=qcow2,id=d"], "-drive file=a.img,format=qcow2,id=d: 'format=qcow2'"),
        (&["-drive", "if=none,id=d"], "-drive if=none,id=d: needs file= and id="),
        (
            &["-drive", "file=a,id=d", "-device", "virtio-blk-device,drive=d,bus=virtio-mmio-bus.1"],
            "-device virtio-blk-device,drive=d,bus=virtio-mmio-bus.1: rvcow's disk is on virtio-mmio-bus.0",
        ),
        (&["-device", "virtio-blk-device,drive=nope,bus=virtio-mmio-bus.0"], "-device virtio-blk-device,drive=nope: no -drive with id=nope"),
        (&["-S"], "-S: needs -gdb or -s"),
        (&["-kernel"], "-kernel: needs a value"),
    ] {
        let e = err(args);
        assert!(e.starts_with(start), "{args:?}: {e}");
    }
}

/// Fuzz target: seeded random QEMU-style command lines (lab lines mutated,
/// and tokens drawn from QEMU's and rvcow's options). Each one gives a
/// one-line error or arguments that clap then parses, never a panic.
/// `RVCOW_FUZZ_CASES` (default 20000) and `RVCOW_FUZZ_SEED` (default 15) set
/// the run.
#[test]
fn fuzz_qemu_cli() {
    use std::os::unix::ffi::OsStringExt;
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let cases = env("RVCOW_FUZZ_CASES", 20_000);
    let seed = env("RVCOW_FUZZ_SEED", 15);
    let mut rng = fastrand::Rng::with_seed(seed);
    let lab: Vec<&str> =
        "-machine virt -bios none -kernel kernel/kernel -m 128M -smp 3 -nographic \
        -global virtio-mmio.force-legacy=false -drive file=fs.img,if=none,format=raw,id=x0 \
        -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 -S -gdb tcp::26000"
            .split_whitespace()
            .collect();
    let tokens = [
        "-machine",
        "-M",
        "-bios",
        "-kernel",
        "-initrd",
        "-append",
        "-m",
        "-smp",
        "-nographic",
        "-serial",
        "-drive",
        "-device",
        "-global",
        "-snapshot",
        "-no-reboot",
        "-S",
        "-s",
        "-gdb",
        "-cpu",
        "-help",
        "-version",
        "-netdev",
        "-object",
        "-h",
        "-V",
        "--",
        "-",
        "--smp",
        "--run",
        "--expect=x",
        "--gdb",
        "--memory",
        "--trace-range",
        "--bogus",
        "virt",
        "none",
        "128M",
        "0",
        "cpus=2",
        "size=1G",
        "tcp::1",
        "tcp:localhost:65535",
        "tcp::",
        "mon:stdio",
        "file=a,,b,id=x0",
        "if=none,id=",
        "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
        "virtio-blk-device,bus=virtio-mmio-bus.99999999999",
        ",,,",
        "=",
        "rv64",
        "-m128",
        "-1",
    ];
    let mut checked = 0u64;
    for _ in 0..cases {
        let mut argv: Vec<OsString> = if rng.bool() {
            lab.iter().map(OsString::from).collect()
        } else {
            Vec::new()
        };
        for _ in 0..rng.usize(0..8) {
            let i = rng.usize(0..=argv.len());
            match rng.u8(0..6) {
                0 if !argv.is_empty() => {
                    argv.remove(i.min(argv.len() - 1));
                }
                1 => {
                    let len = rng.usize(0..6);
                    let bytes: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
                    argv.insert(i, OsString::from_vec(bytes));
                }
                2 if !argv.is_empty() => {
                    // Change one character of a token.
                    let j = i.min(argv.len() - 1);
                    let mut b = argv[j].clone().into_vec();
                    if !b.is_empty() {
                        let k = rng.usize(0..b.len());
                        b[k] = *b"-,=:.0x\xff".get(rng.usize(0..8)).unwrap_or(&b'a');
                    }
                    argv[j] = OsString::from_vec(b);
                }
                _ => argv.insert(i, tokens[rng.usize(0..tokens.len())].into()),
            }
        }
        argv.insert(0, "rvcow".into());
        match translate(argv.clone(), &Args::command()) {
            Err(e) => assert!(!e.is_empty() && !e.contains('\n'), "{argv:?}: {e:?}"),
            Ok(Translated::Print(text)) => assert!(!text.is_empty()),
            Ok(Translated::Run(v)) => {
                assert_eq!(v[0], "rvcow", "{argv:?}");
                let _ = Args::try_parse_from(v);
                checked += 1;
            }
        }
    }
    // The generator reaches past the translation, not only its errors.
    assert!(cases < 1000 || checked > cases / 10, "{checked} of {cases}");
}
