//! rvcow: boot a RISC-V kernel on an emulated QEMU `virt` machine.

mod session;
mod terminal;

use clap::Parser;
use emulator::devices::Disk;
use emulator::machine::{BootError, Config, Machine};
use emulator::trace::Tracer;
use session::{Outcome, Session, SessionConfig};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// Exit status when a run ends on its time or instruction limit.
const EXIT_LIMIT: u8 = 124;
/// Exit status for bad input (missing or malformed files, bad options).
const EXIT_BAD_INPUT: u8 = 1;

#[derive(Parser, Debug)]
#[command(
    name = "rvcow",
    version,
    about = "A RISC-V virt machine and the xv6 copy-on-write kernel it boots"
)]
struct Args {
    /// Kernel or bare-metal ELF to boot (as QEMU's `-kernel` with `-bios none`);
    /// without it, the bundled xv6 kernel boots with the bundled file system.
    kernel: Option<PathBuf>,

    /// Write the bundled kernel.elf and fs.img into this directory and exit.
    #[arg(long, value_name = "DIR")]
    dump_image: Option<PathBuf>,

    /// RAM size in MiB (suffixes M and G accepted).
    #[arg(short = 'm', long = "memory", default_value = "128", value_parser = parse_mib)]
    memory: u64,

    /// Number of harts.
    #[arg(long, default_value_t = 3)]
    smp: usize,

    /// Disk image for the virtio block device in slot 0.
    #[arg(long)]
    drive: Option<PathBuf>,

    /// Keep the --drive file untouched: writes stay in memory.
    #[arg(long)]
    snapshot: bool,

    /// Use the modern (version 2) virtio-mmio transport instead of legacy.
    #[arg(long)]
    virtio_modern: bool,

    /// QEMU-style device property; `virtio-mmio.force-legacy=false` is --virtio-modern.
    #[arg(long = "global", value_name = "PROP")]
    global: Vec<String>,

    /// Firmware loaded at 0x80000000 (e.g. OpenSBI fw_jump or fw_dynamic); `none` is the default.
    #[arg(long, value_name = "FILE")]
    bios: Option<PathBuf>,

    /// Kernel command line (/chosen/bootargs).
    #[arg(long)]
    append: Option<String>,

    /// Type this line at the next prompt (repeatable: one per prompt).
    #[arg(long = "run", value_name = "CMDS")]
    run: Vec<String>,

    /// Exit 0 as soon as this text appears on the console.
    #[arg(long, value_name = "PATTERN")]
    expect: Option<String>,

    /// The shell prompt that --run waits for.
    #[arg(long, default_value = "$ ")]
    prompt: String,

    /// Give up after this many seconds of wall time.
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,

    /// Give up after this many retired instructions (all harts).
    #[arg(long, value_name = "N")]
    max_insns: Option<u64>,

    /// Print every retired instruction (Spike's --log-commits shape) to stderr.
    #[arg(long)]
    trace: bool,

    /// Print every trap and interrupt to stderr.
    #[arg(long)]
    trace_traps: bool,
}

fn parse_mib(s: &str) -> Result<u64, String> {
    let (num, mul) = match s.strip_suffix(['G', 'g']) {
        Some(n) => (n, 1024),
        None => (s.strip_suffix(['M', 'm']).unwrap_or(s), 1),
    };
    num.parse::<u64>()
        .map(|n| n * mul)
        .map_err(|_| format!("'{s}' is not a size in MiB"))
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    // QEMU spells some options with one dash.
    let argv = std::env::args_os().map(|a| match a.to_str() {
        Some("-global") => "--global".into(),
        Some("-bios") => "--bios".into(),
        Some("-append") => "--append".into(),
        Some("-smp") => "--smp".into(),
        _ => a,
    });
    let args = Args::parse_from(argv);
    match run(args) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("rvcow: {msg}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn run(args: Args) -> Result<ExitCode, String> {
    if let Some(dir) = &args.dump_image {
        dump_image(dir)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (kernel_name, kernel) = match &args.kernel {
        Some(path) => {
            let name = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| format!("{name}: {}", io_reason(&e)))?;
            (name, bytes)
        }
        None => ("bundled kernel".to_string(), images::KERNEL_ELF.to_vec()),
    };
    let mut virtio_modern = args.virtio_modern;
    for g in &args.global {
        match g.as_str() {
            "virtio-mmio.force-legacy=false" => virtio_modern = true,
            "virtio-mmio.force-legacy=true" => virtio_modern = false,
            _ => return Err(format!("-global {g}: unsupported property")),
        }
    }
    let bios = match &args.bios {
        Some(p) if p.as_os_str() != "none" => {
            Some(std::fs::read(p).map_err(|e| format!("{}: {}", p.display(), io_reason(&e)))?)
        }
        _ => None,
    };
    let disk = match &args.drive {
        Some(path) => Some(Disk::open(path, args.snapshot)?),
        // The bundled image is used copy-on-write in memory: a run never
        // dirties the build output.
        None if args.kernel.is_none() => Some(Disk::from_bytes(images::FS_IMG.to_vec())),
        None => None,
    };
    let cfg = Config {
        ram_size: args.memory << 20,
        harts: args.smp,
        kernel,
        bios,
        disk,
        virtio_modern,
        bootargs: args.append.clone(),
    };
    let mut machine = Machine::new(cfg).map_err(|e| match e {
        BootError::Config(msg) => msg,
        BootError::Kernel(msg) => format!("{kernel_name}: {msg}"),
        BootError::Bios(msg) => format!("{}: {msg}", args.bios.as_ref().unwrap().display()),
    })?;
    if args.trace || args.trace_traps {
        // One buffered stream for all harts, so lines keep their order.
        let out = SharedWriter(Arc::new(Mutex::new(BufWriter::new(std::io::stderr()))));
        for h in &mut machine.harts {
            h.trace = Some(Box::new(Tracer::new(
                Box::new(out.clone()),
                args.trace,
                args.trace_traps,
            )));
        }
    }
    let session = Session::new(SessionConfig {
        commands: args.run.clone(),
        expect: args.expect.clone(),
        prompt: args.prompt.clone(),
        timeout: args.timeout.map(std::time::Duration::from_secs_f64),
        max_insns: args.max_insns,
        stdin: args.run.is_empty(),
    });
    let raw = args.run.is_empty().then(terminal::RawMode::enter);
    let outcome = session.run(&mut machine);
    drop(raw);
    if let Err(e) = machine.flush_disk() {
        eprintln!("rvcow: writing the disk image back failed: {e}");
    }
    Ok(match outcome {
        Outcome::Exit(code) => ExitCode::from(code),
        Outcome::Matched => ExitCode::SUCCESS,
        Outcome::Failed(msg) => {
            eprintln!("rvcow: {msg}");
            ExitCode::from(1)
        }
        Outcome::Limit(msg) => {
            eprintln!("rvcow: {msg}");
            ExitCode::from(EXIT_LIMIT)
        }
    })
}

/// Writes the bundled kernel.elf and fs.img into `dir`, for use with QEMU.
fn dump_image(dir: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {}", dir.display(), io_reason(&e)))?;
    for (name, bytes) in [
        ("kernel.elf", images::KERNEL_ELF),
        ("fs.img", images::FS_IMG),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| format!("{}: {}", path.display(), io_reason(&e)))?;
        println!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    Ok(())
}

/// A writer shared by the harts' tracers.
#[derive(Clone)]
struct SharedWriter(Arc<Mutex<BufWriter<std::io::Stderr>>>);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

/// The reason of an I/O error, without Rust's "(os error N)" suffix.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => e.to_string(),
    }
}
