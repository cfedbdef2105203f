//! rvcow: boot a RISC-V kernel on an emulated QEMU `virt` machine.

mod session;
mod terminal;

use clap::Parser;
use emulator::devices::Disk;
use emulator::gdb::GdbEnd;
use emulator::history;
use emulator::machine::{BootError, Config, Machine};
use emulator::symbols::Symbols;
use emulator::trace::{self, Filter, Tracer, Window};
use session::{Outcome, Session, SessionConfig};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

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

    /// Initial ramdisk, placed in RAM as QEMU's `-initrd` (/chosen/linux,initrd-*).
    #[arg(long, value_name = "FILE")]
    initrd: Option<PathBuf>,

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

    /// Tie mtime to the host clock instead of retired instructions (not deterministic).
    #[arg(long)]
    realtime: bool,

    /// Print every retired instruction (Spike's --log-commits shape) to stderr.
    #[arg(long, help_heading = "Debugging")]
    trace: bool,

    /// Print every trap and interrupt to stderr.
    #[arg(long, help_heading = "Debugging")]
    trace_traps: bool,

    /// Trace only these harts (comma-separated ids).
    #[arg(
        long,
        value_name = "IDS",
        value_delimiter = ',',
        help_heading = "Debugging"
    )]
    trace_harts: Vec<usize>,

    /// Trace only these privileges (comma-separated: u, s, m).
    #[arg(long, value_name = "PRIVS", help_heading = "Debugging")]
    trace_priv: Option<String>,

    /// Trace only pcs in a symbol's extent or in START..END (repeatable).
    #[arg(long, value_name = "SYMBOL|START..END", help_heading = "Debugging")]
    trace_range: Vec<String>,

    /// Skip the first N traced instructions (after the other filters).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        help_heading = "Debugging"
    )]
    trace_start: u64,

    /// Trace M instructions, then stop tracing (after the other filters).
    #[arg(long, value_name = "M", help_heading = "Debugging")]
    trace_count: Option<u64>,

    /// Write the trace to PATH instead of stderr; `%h` in PATH gives one file per hart.
    #[arg(long, value_name = "PATH", help_heading = "Debugging")]
    trace_file: Option<String>,

    /// ELF of a user program whose symbols name U-mode addresses (repeatable).
    #[arg(long, value_name = "ELF", help_heading = "Debugging")]
    symbols: Vec<PathBuf>,

    /// Instructions per hart printed when the guest crashes or the run stops
    /// on an error or a limit (0: none; at most 1024).
    #[arg(long, value_name = "N", default_value_t = history::HISTORY_DEFAULT, help_heading = "Debugging")]
    history: usize,

    /// Print run statistics to stderr at exit.
    #[arg(long, help_heading = "Debugging")]
    stats: bool,

    /// Serve gdb on 127.0.0.1:PORT (each hart a thread).
    #[arg(long, value_name = "PORT", help_heading = "Debugging")]
    gdb: Option<u16>,

    /// With --gdb: wait for gdb before the first instruction.
    #[arg(short = 'S', requires = "gdb", help_heading = "Debugging")]
    wait_gdb: bool,
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
    let symbols = Arc::new(load_symbols(&args, &kernel)?);
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
    // An S-mode payload without --bios gets rvcow's own SBI firmware, as QEMU
    // gives it its bundled OpenSBI.
    let own_sbi = args.bios.is_none() && emulator::boot::is_linux_image(&kernel);
    let bios = match own_sbi {
        true => Some(images::SBI_FIRMWARE.to_vec()),
        false => bios,
    };
    let initrd = match &args.initrd {
        Some(p) => Some(read_initrd(p, args.memory << 20)?),
        None => None,
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
        initrd,
        reserve_bios: own_sbi,
    };
    let mut machine = Machine::new(cfg).map_err(|e| match e {
        BootError::Config(msg) => msg,
        BootError::Kernel(msg) => format!("{kernel_name}: {msg}"),
        BootError::Bios(msg) => match &args.bios {
            Some(p) => format!("{}: {msg}", p.display()),
            None => format!("rvcow's SBI firmware: {msg}"),
        },
        BootError::Initrd(msg) => match &args.initrd {
            Some(p) => format!("{}: {msg}", p.display()),
            None => msg,
        },
    })?;
    if args.realtime {
        machine.set_realtime();
    }
    let mut traces = setup_trace(&args, &mut machine, &symbols)?;
    let started = Instant::now();
    if let Some(port) = args.gdb {
        let (mut machine, end) =
            emulator::gdb::serve(machine, port, args.wait_gdb, args.run.is_empty());
        for t in &mut traces {
            let _ = t.flush();
        }
        let code = match end? {
            GdbEnd::Exited(c) => c,
            GdbEnd::Killed => 0,
        };
        if let Some(msg) = history::fatal_trap(&machine, &symbols) {
            eprintln!("rvcow: {msg}");
            print_history(&machine, &symbols, args.history);
        }
        finish(&mut machine, &args, started);
        return Ok(ExitCode::from(code));
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
    let mut outcome = session.run(&mut machine);
    drop(raw);
    for t in &mut traces {
        let _ = t.flush();
    }
    if let Some(msg) = history::fatal_trap(&machine, &symbols) {
        outcome = Outcome::Failed(msg);
    }
    let code = match &outcome {
        Outcome::Exit(code) => *code,
        Outcome::Matched => 0,
        Outcome::Failed(msg) => {
            eprintln!("rvcow: {msg}");
            1
        }
        Outcome::Panic { line, backtrace } => {
            eprintln!("rvcow: guest kernel panicked: {line}");
            if !backtrace.is_empty() {
                eprintln!("rvcow: backtrace:");
            }
            for &ra in backtrace {
                // A return address follows its call: name the call's function.
                match symbols.lookup(ra.wrapping_sub(1), emulator::hart::PRV_S) {
                    Some((name, off)) => eprintln!("  {ra:#018x} <{name}+{:#x}>", off + 1),
                    None => eprintln!("  {ra:#018x}"),
                }
            }
            1
        }
        Outcome::Limit(msg) => {
            eprintln!("rvcow: {msg}");
            EXIT_LIMIT
        }
    };
    // A crash, a hang or a limit shows what the harts did last; a guest that
    // powered off cleanly did nothing wrong.
    let crashed = match &outcome {
        Outcome::Failed(msg) => !msg.starts_with("guest powered off"),
        Outcome::Panic { .. } | Outcome::Limit(_) => true,
        _ => false,
    };
    if crashed {
        print_history(&machine, &symbols, args.history);
    }
    finish(&mut machine, &args, started);
    Ok(ExitCode::from(code))
}

/// Writes the disk back and prints `--stats`.
fn finish(machine: &mut Machine, args: &Args, started: Instant) {
    if let Err(e) = machine.flush_disk() {
        eprintln!("rvcow: writing the disk image back failed: {e}");
    }
    if args.stats {
        eprint!("{}", emulator::stats::report(machine, started.elapsed()));
    }
}

/// The kernel's symbols and those of every `--symbols` ELF.
fn load_symbols(args: &Args, kernel: &[u8]) -> Result<Symbols, String> {
    let mut s = Symbols::new();
    // A kernel without a symbol table is fine; a malformed one failed to boot already.
    let _ = s.add_kernel(kernel);
    for p in &args.symbols {
        let bytes = std::fs::read(p).map_err(|e| format!("{}: {}", p.display(), io_reason(&e)))?;
        s.add_user(&bytes)
            .map_err(|e| format!("{}: {e}", p.display()))?;
    }
    if args.kernel.is_none() && args.symbols.is_empty() {
        add_bundled_programs(&mut s);
    }
    Ok(s)
}

/// The symbols of every program on the bundled file system (they keep their
/// symbol tables), so traces of the bundled xv6 name user code too.
fn add_bundled_programs(s: &mut Symbols) {
    let Ok(img) = images::fsck::Image::parse(images::FS_IMG) else {
        return;
    };
    let Ok(root) = img.dir_entries(abi::fs::ROOTINO) else {
        return;
    };
    for (_, name) in root {
        if let Ok(bytes) = img.read_file(&format!("/{name}")) {
            if bytes.starts_with(b"\x7fELF") {
                let _ = s.add_user(&bytes);
            }
        }
    }
}

/// Installs the tracers `--trace*` ask for; returns their outputs, to flush.
fn setup_trace(
    args: &Args,
    m: &mut Machine,
    symbols: &Arc<Symbols>,
) -> Result<Vec<SharedWriter>, String> {
    let filtered = !args.trace_harts.is_empty()
        || args.trace_priv.is_some()
        || !args.trace_range.is_empty()
        || args.trace_start != 0
        || args.trace_count.is_some()
        || args.trace_file.is_some();
    if !(args.trace || args.trace_traps) {
        if filtered {
            return Err("the --trace-* options need --trace or --trace-traps".into());
        }
        return Ok(Vec::new());
    }
    if let Some(&h) = args.trace_harts.iter().find(|&&h| h >= m.harts.len()) {
        return Err(format!(
            "--trace-harts {h}: there are {} harts",
            m.harts.len()
        ));
    }
    let mut filter = Filter {
        privs: args
            .trace_priv
            .as_deref()
            .map(trace::parse_privs)
            .transpose()?,
        ranges: Vec::new(),
    };
    for r in &args.trace_range {
        filter.ranges.push(trace::parse_range(r, symbols)?);
    }
    let window = Arc::new(Window::new(args.trace_start, args.trace_count));
    let open = |path: &str| -> Result<SharedWriter, String> {
        let f = std::fs::File::create(path).map_err(|e| format!("{path}: {}", io_reason(&e)))?;
        Ok(SharedWriter::new(Box::new(f)))
    };
    // One buffered stream for all harts, so lines keep their order; or one per hart.
    let shared = match &args.trace_file {
        Some(p) if !p.contains("%h") => open(p)?,
        Some(_) => SharedWriter::new(Box::new(std::io::sink())),
        None => SharedWriter::new(Box::new(std::io::stderr())),
    };
    let mut outputs = vec![shared.clone()];
    for h in &mut m.harts {
        let id = h.id() as usize;
        if !args.trace_harts.is_empty() && !args.trace_harts.contains(&id) {
            continue;
        }
        let out = match &args.trace_file {
            Some(p) if p.contains("%h") => open(&p.replace("%h", &id.to_string()))?,
            _ => shared.clone(),
        };
        outputs.push(out.clone());
        let t = Tracer::new(Box::new(out), args.trace, args.trace_traps)
            .with_filter(filter.clone())
            .with_window(window.clone())
            .with_symbols(symbols.clone());
        h.set_trace(Some(Box::new(t)));
    }
    Ok(outputs)
}

/// The crash history of the harts that halted on an unhandled trap, or of
/// every hart.
fn print_history(m: &Machine, symbols: &Symbols, n: usize) {
    if n == 0 {
        return;
    }
    let halted = m.harts.iter().any(|h| h.halted());
    let mut err = std::io::stderr().lock();
    for h in m.harts.iter().filter(|h| !halted || h.halted()) {
        let _ =
            err.write_all(history::report(h.id(), &h.history, n, &m.bus.ram, symbols).as_bytes());
    }
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

/// A buffered writer shared by the harts' tracers.
#[derive(Clone)]
struct SharedWriter(Arc<Mutex<BufWriter<Box<dyn Write + Send>>>>);

impl SharedWriter {
    fn new(w: Box<dyn Write + Send>) -> SharedWriter {
        SharedWriter(Arc::new(Mutex::new(BufWriter::new(w))))
    }
}

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

/// The contents of the `--initrd` file: a regular file no larger than RAM,
/// sized before it is read.
fn read_initrd(path: &std::path::Path, ram_size: u64) -> Result<Vec<u8>, String> {
    let name = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{name}: {}", io_reason(&e)))?;
    if !meta.is_file() {
        return Err(format!("{name}: not a regular file"));
    }
    if meta.len() > ram_size {
        return Err(format!(
            "{name}: initrd of {} bytes does not fit in {} MiB of RAM",
            meta.len(),
            ram_size >> 20
        ));
    }
    std::fs::read(path).map_err(|e| format!("{name}: {}", io_reason(&e)))
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
