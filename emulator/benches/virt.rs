// Benchmark: xv6 workloads and CPU-bound guest programs under rvcow and,
// when installed, QEMU (TCG and -icount shift=0); prints one table.
//
// `cargo bench -p emulator [-- FILTER...]`: rows whose name contains a
// FILTER run (all without one). BENCH_RUNS sets the runs per cell (default
// 3, median quoted); BENCH_QEMU=0 leaves QEMU out, BENCH_ICOUNT=0 its
// -icount column (usertests takes QEMU's icount mode over 20 minutes).
// RVCOW_LINUX names a directory holding a Linux `Image` and
// `initramfs.cpio.gz` (README, Booting Linux): the Linux rows time boot to
// the busybox prompt, on rvcow's own SBI firmware or OpenSBI's fw_jump, and
// under QEMU with its bundled OpenSBI.

use emulator::devices::{Disk, Finish};
use emulator::machine::{Config, Event, Machine};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One measurement: wall and CPU seconds, instructions retired (rvcow only).
#[derive(Clone, Copy, Default)]
struct Sample {
    wall: f64,
    cpu: f64,
    insns: u64,
}

/// A workload: an xv6 session or a bare-metal program.
enum Work {
    Xv6 {
        harts: usize,
        cmd: Option<&'static str>,
        expect: &'static str,
    },
    Bare(&'static str),
    /// Linux (RVCOW_LINUX) to the busybox prompt, -m 512; OpenSBI's fw_jump
    /// as --bios, or rvcow's own firmware.
    Linux {
        harts: usize,
        opensbi: bool,
    },
}

const OPENSBI_JUMP: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf";
/// The busybox shell's prompt as root.
const LINUX_PROMPT: &str = "~ # ";

/// The Image and initramfs of RVCOW_LINUX.
fn linux_files() -> Result<(std::path::PathBuf, std::path::PathBuf), String> {
    let dir = std::env::var_os("RVCOW_LINUX").ok_or("RVCOW_LINUX is not set")?;
    let dir = std::path::PathBuf::from(dir);
    Ok((dir.join("Image"), dir.join("initramfs.cpio.gz")))
}

/// The board of a Linux row under rvcow.
fn linux_config(harts: usize, opensbi: bool) -> Result<Config, String> {
    let (image, initrd) = linux_files()?;
    let read = |p: &std::path::Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let bios = match opensbi {
        true => read(std::path::Path::new(OPENSBI_JUMP))?,
        false => images::SBI_FIRMWARE.to_vec(),
    };
    Ok(Config {
        ram_size: 512 << 20,
        harts,
        kernel: read(&image)?,
        bios: Some(bios),
        disk: None,
        virtio_modern: false,
        bootargs: Some("console=ttyS0".into()),
        initrd: Some(read(&initrd)?),
        reserve_bios: !opensbi,
    })
}

struct Row {
    name: &'static str,
    work: Work,
}

const ROWS: &[Row] = &[
    Row {
        name: "boot to prompt (3 harts)",
        work: Work::Xv6 {
            harts: 3,
            cmd: None,
            expect: "$ ",
        },
    },
    Row {
        name: "cowtest (3 harts)",
        work: Work::Xv6 {
            harts: 3,
            cmd: Some("cowtest"),
            expect: "ALL COW TESTS PASSED",
        },
    },
    Row {
        name: "usertests (1 hart)",
        work: Work::Xv6 {
            harts: 1,
            cmd: Some("usertests"),
            expect: "ALL TESTS PASSED",
        },
    },
    Row {
        name: "usertests (3 harts)",
        work: Work::Xv6 {
            harts: 3,
            cmd: Some("usertests"),
            expect: "ALL TESTS PASSED",
        },
    },
    Row {
        name: "Linux boot (1 hart)",
        work: Work::Linux {
            harts: 1,
            opensbi: false,
        },
    },
    Row {
        name: "Linux boot (3 harts)",
        work: Work::Linux {
            harts: 3,
            opensbi: false,
        },
    },
    Row {
        name: "Linux boot (3, OpenSBI)",
        work: Work::Linux {
            harts: 3,
            opensbi: true,
        },
    },
    Row {
        name: "bench_int",
        work: Work::Bare("bench_int"),
    },
    Row {
        name: "bench_mem (Sv39)",
        work: Work::Bare("bench_mem"),
    },
    Row {
        name: "bench_mix",
        work: Work::Bare("bench_mix"),
    },
    Row {
        name: "bench_mix (Sv39)",
        work: Work::Bare("bench_mix_sv39"),
    },
    Row {
        name: "bench_fp",
        work: Work::Bare("bench_fp"),
    },
];

/// Seconds of CPU used by this process and by its waited-for children.
fn cpu_times() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name: utime is field 14, cstime field 17.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|s| s.parse().unwrap_or(0.0))
        .collect();
    if f.len() < 4 {
        return (0.0, 0.0);
    }
    // USER_HZ is 100 on every Linux ABI.
    ((f[0] + f[1]) / 100.0, (f[2] + f[3]) / 100.0)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Runs `w` once under rvcow, through the library as `rvcow --run` would.
fn rvcow(w: &Work) -> Result<Sample, String> {
    let bare = |kernel, harts, disk| Config {
        ram_size: 128 << 20,
        harts,
        kernel,
        bios: None,
        disk,
        virtio_modern: false,
        bootargs: None,
        initrd: None,
        reserve_bios: false,
    };
    let cfg = match w {
        Work::Xv6 { harts, .. } => bare(
            images::KERNEL_ELF.to_vec(),
            *harts,
            Some(Disk::from_bytes(images::FS_IMG.to_vec())),
        ),
        Work::Bare(name) => bare(
            std::fs::read(images::guest(name)).map_err(|e| format!("{name}: {e}"))?,
            1,
            None,
        ),
        Work::Linux { harts, opensbi } => linux_config(*harts, *opensbi)?,
    };
    let (cpu0, _) = cpu_times();
    let start = Instant::now();
    let mut m = Machine::new(cfg).map_err(|e| format!("{e:?}"))?;
    let mut out = Vec::new();
    let mut input: Vec<u8> = Vec::new();
    let mut typed = false;
    loop {
        while let Some(&b) = input.first() {
            if !m.push_input(b) {
                break;
            }
            input.remove(0);
        }
        let ev = m.run(2_000_000);
        out.extend(m.take_output());
        match w {
            Work::Xv6 { cmd, expect, .. } => {
                if contains(&out, expect.as_bytes()) && (cmd.is_none() || typed) {
                    break;
                }
                if let (Some(c), false) = (cmd, typed) {
                    if out.ends_with(b"$ ") {
                        input.extend(c.bytes().chain([b'\n']));
                        typed = true;
                    }
                }
            }
            Work::Linux { .. } => {
                if contains(&out, LINUX_PROMPT.as_bytes()) {
                    break;
                }
            }
            Work::Bare(_) => {}
        }
        match ev {
            Event::Finished(Finish::Pass) if matches!(w, Work::Bare(_)) => break,
            Event::Finished(f) => return Err(format!("guest finished with {f:?}")),
            Event::Tohost(c) => return Err(format!("guest wrote tohost {c}")),
            Event::Deadlock => return Err("guest deadlocked".into()),
            _ => {}
        }
        if start.elapsed() > Duration::from_secs(1800) {
            return Err("timeout".into());
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let (cpu1, _) = cpu_times();
    if let Work::Bare(name) = w {
        let text = String::from_utf8_lossy(&out);
        if !text.contains("checksum") {
            return Err(format!("{name} printed no checksum: {text}"));
        }
    }
    Ok(Sample {
        wall,
        cpu: cpu1 - cpu0,
        insns: m.retired,
    })
}

/// Runs `w` once under QEMU (with `-icount shift=0` when `icount`).
fn qemu(w: &Work, icount: bool) -> Result<Sample, String> {
    let mut args: Vec<String> = [
        "-machine",
        "virt",
        "-bios",
        "none",
        "-m",
        "128M",
        "-nographic",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if icount {
        args.extend(["-icount".into(), "shift=0".into()]);
    }
    let (expect, cmd) = match w {
        Work::Xv6 { harts, cmd, expect } => {
            args.extend([
                "-smp".into(),
                harts.to_string(),
                "-kernel".into(),
                images::KERNEL_ELF_PATH.into(),
                "-global".into(),
                "virtio-mmio.force-legacy=false".into(),
                "-drive".into(),
                format!("file={},if=none,format=raw,id=x0", images::FS_IMG_PATH),
                "-device".into(),
                "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0".into(),
                "-snapshot".into(),
            ]);
            (Some(*expect), *cmd)
        }
        Work::Bare(name) => {
            args.extend([
                "-smp".into(),
                "1".into(),
                "-kernel".into(),
                images::guest(name).to_string_lossy().into_owned(),
            ]);
            (None, None)
        }
        // QEMU boots its bundled OpenSBI (fw_dynamic) in both Linux rows.
        Work::Linux { harts, .. } => {
            let (image, initrd) = linux_files()?;
            args.retain(|a| !["-bios", "none", "-m", "128M"].contains(&a.as_str()));
            args.extend(
                [
                    "-m",
                    "512M",
                    "-smp",
                    &harts.to_string(),
                    "-append",
                    "console=ttyS0",
                ]
                .map(String::from),
            );
            args.extend(["-kernel".into(), image.to_string_lossy().into_owned()]);
            args.extend(["-initrd".into(), initrd.to_string_lossy().into_owned()]);
            (Some(LINUX_PROMPT), None)
        }
    };
    let (_, c0) = cpu_times();
    let start = Instant::now();
    let mut child = Command::new("qemu-system-riscv64")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("qemu-system-riscv64: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut stdin = child.stdin.take();
    let mut out = Vec::new();
    let mut typed = false;
    let deadline = start + Duration::from_secs(1200);
    let result = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(chunk) => out.extend(chunk),
            Err(_) => break None,
        }
        let Some(pat) = expect else { continue };
        if contains(&out, pat.as_bytes()) && (cmd.is_none() || typed) {
            break Some(start.elapsed().as_secs_f64());
        }
        if let (Some(c), false, Some(s)) = (cmd, typed, stdin.as_mut()) {
            if out.ends_with(b"$ ") {
                let _ = s.write_all(format!("{c}\n").as_bytes());
                let _ = s.flush();
                typed = true;
            }
        }
    };
    let wall = match (result, expect) {
        (Some(t), _) => {
            let _ = child.kill();
            t
        }
        (None, None) => start.elapsed().as_secs_f64(),
        (None, Some(p)) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no '{p}' in 1200 s"));
        }
    };
    drop(stdin);
    let status = child.wait().map_err(|e| e.to_string())?;
    if expect.is_none() && !status.success() {
        return Err(format!("QEMU exited with {status}"));
    }
    if let Work::Bare(name) = w {
        if name.starts_with("bench_") && !contains(&out, b"checksum") {
            return Err("QEMU run printed no checksum".into());
        }
    }
    let (_, c1) = cpu_times();
    Ok(Sample {
        wall,
        cpu: c1 - c0,
        insns: 0,
    })
}

/// The median of `runs` samples of `f` (by wall time).
fn median(runs: usize, mut f: impl FnMut() -> Result<Sample, String>) -> Result<Sample, String> {
    let mut v = (0..runs).map(|_| f()).collect::<Result<Vec<_>, _>>()?;
    v.sort_by(|a, b| a.wall.total_cmp(&b.wall));
    Ok(v[v.len() / 2])
}

fn have_qemu() -> bool {
    Command::new("qemu-system-riscv64")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let qemu_on = std::env::var("BENCH_QEMU").map_or(true, |v| v != "0") && have_qemu();
    let icount_on = std::env::var("BENCH_ICOUNT").map_or(true, |v| v != "0");
    // QEMU's own start and exit, taken off its bare-metal rows.
    let qemu_base = |icount| {
        median(runs, || qemu(&Work::Bare("hello"), icount))
            .map(|s| s.wall)
            .unwrap_or(0.0)
    };
    let (base, base_ic) = if qemu_on {
        (qemu_base(false), qemu_base(true))
    } else {
        (0.0, 0.0)
    };
    println!("rvcow benchmark: {runs} run(s) per cell, median; times in seconds (wall / CPU)");
    if qemu_on {
        println!(
            "QEMU bare-metal rows have QEMU's start-up ({base:.3} s TCG, {base_ic:.3} s icount) taken off; x = QEMU time / rvcow time"
        );
    } else {
        println!("QEMU left out (BENCH_QEMU=0, or qemu-system-riscv64 not found)");
    }
    println!(
        "{:<26} {:>15} {:>14} {:>8} | {:>15} {:>6} | {:>15} {:>6}",
        "workload", "rvcow", "instructions", "MIPS", "QEMU TCG", "x", "QEMU icount", "x"
    );
    for row in ROWS {
        if !filters.is_empty() && !filters.iter().any(|f| row.name.contains(f.as_str())) {
            continue;
        }
        let r = match median(runs, || rvcow(&row.work)) {
            Ok(s) => s,
            Err(e) => {
                println!("{:<26} rvcow failed: {e}", row.name);
                continue;
            }
        };
        let mut line = format!(
            "{:<26} {:>7.3} / {:>5.2} {:>14} {:>8.0}",
            row.name,
            r.wall,
            r.cpu,
            r.insns,
            r.insns as f64 / r.wall / 1e6
        );
        if qemu_on {
            for (icount, b) in [(false, base), (true, base_ic)] {
                if icount && !icount_on {
                    line.push_str(&format!(" | {:>22}", "skipped"));
                    continue;
                }
                let cell = match median(runs, || qemu(&row.work, icount)) {
                    Ok(q) => {
                        let t = if matches!(row.work, Work::Bare(_)) {
                            (q.wall - b).max(1e-3)
                        } else {
                            q.wall
                        };
                        format!(" | {:>7.3} / {:>5.2} {:>6.2}", t, q.cpu, t / r.wall)
                    }
                    Err(e) => format!(" | {:>22}", e.chars().take(22).collect::<String>()),
                };
                line.push_str(&cell);
            }
        }
        println!("{line}");
    }
}
