//! rvcow: boot a RISC-V kernel on an emulated QEMU `virt` machine.

mod qemu;
mod session;
mod signals;
mod terminal;

use clap::{CommandFactory, Parser};
use emulator::devices::{Cache, Disk};
use emulator::gdb::GdbEnd;
use emulator::history;
use emulator::machine::{BootError, Config, Event, Machine};
use emulator::symbols::{Symbols, SymbolsError};
use emulator::trace::{self, Filter, Tracer, Window};
use session::{Outcome, Session, SessionConfig};
use std::cell::RefCell;
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Exit status when a run ends on its time or instruction limit.
const EXIT_LIMIT: u8 = 124;
/// Exit status for bad input (missing or malformed files, bad option values).
const EXIT_BAD_INPUT: u8 = 1;
/// Exit status for a command line that does not parse (clap's).
const EXIT_USAGE: u8 = 2;
/// RAM sizes the board takes, in MiB.
const RAM_MIB: std::ops::RangeInclusive<u64> = 16..=8192;
/// Largest `--symbols` file read.
const MAX_SYMBOLS_FILE: u64 = 1 << 30;

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

    /// When --drive writes reach the file (QEMU's cache=): writeback (as each
    /// request completes; FLUSH is fsync), writethrough (each write synced),
    /// unsafe (in memory until rvcow exits).
    #[arg(long, value_name = "MODE", default_value = "writeback", value_parser = Cache::parse)]
    cache: Cache,

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
    #[arg(long, value_name = "PATTERN", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    expect: Option<String>,

    /// The shell prompt that --run waits for.
    #[arg(long, default_value = "$ ")]
    prompt: String,

    /// Give up after this many seconds of wall time.
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    timeout: Option<Duration>,

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

    /// Exit when the guest resets instead of rebooting it (QEMU's -no-reboot).
    #[arg(long)]
    no_reboot: bool,
}

fn parse_mib(s: &str) -> Result<u64, String> {
    let (num, mul) = match s.strip_suffix(['G', 'g']) {
        Some(n) => (n, 1024),
        None => (s.strip_suffix(['M', 'm']).unwrap_or(s), 1),
    };
    let n = num
        .parse::<u64>()
        .map_err(|_| format!("'{s}' is not a size in MiB"))?;
    n.checked_mul(mul)
        .ok_or_else(|| format!("'{s}' is too large a size"))
}

/// `--timeout`: seconds, finite and not negative.
fn parse_secs(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .and_then(|v| Duration::try_from_secs_f64(v).ok())
        .ok_or_else(|| format!("'{s}' is not a number of seconds (0 or more)"))
}

fn main() -> ExitCode {
    // gdbstub logs each odd packet, which then ends the session with a line.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn,gdbstub=off"))
        .init();
    // QEMU's options (rvcow can stand in for qemu-system-riscv64) become rvcow's own.
    let argv = match qemu::translate(std::env::args_os().collect(), &Args::command()) {
        Ok(qemu::Translated::Run(argv)) => argv,
        Ok(qemu::Translated::Print(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("rvcow: {msg}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let args = match Args::try_parse_from(argv) {
        Ok(args) => args,
        Err(e) => return usage_error(e),
    };
    match run(args) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("rvcow: {msg}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Prints `--help` and `--version`, or a command line that does not parse in
/// one line, with exit status 2.
fn usage_error(e: clap::Error) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    // clap's message without its usage lines, joined into one.
    let text = e.render().to_string();
    let parts: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = parts.join(" ").replace(" tip: ", "; ");
    let line = line.strip_prefix("error: ").unwrap_or(&line);
    eprintln!("rvcow: {line} (see --help)");
    ExitCode::from(EXIT_USAGE)
}

fn run(args: Args) -> Result<ExitCode, String> {
    if let Some(dir) = &args.dump_image {
        dump_image(dir)?;
        return Ok(ExitCode::SUCCESS);
    }
    if !RAM_MIB.contains(&args.memory) {
        return Err(format!(
            "-m {}: RAM must be {} to {} MiB",
            args.memory,
            RAM_MIB.start(),
            RAM_MIB.end()
        ));
    }
    let ram_size = args.memory << 20;
    let (kernel_name, kernel) = match &args.kernel {
        Some(path) => (path.display().to_string(), read_input(path, ram_size)?),
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
        Some(p) if p.as_os_str() != "none" => Some(read_input(p, ram_size)?),
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
        Some(path) => Some(Disk::open(path, args.snapshot)?.with_cache(args.cache)),
        // The bundled image is used copy-on-write in memory: a run never
        // dirties the build output.
        None if args.kernel.is_none() => Some(Disk::from_bytes(images::FS_IMG.to_vec())),
        None => None,
    };
    let (symbols, warnings) = load_symbols(&args, &kernel_name, &kernel)?;
    let symbols = Arc::new(symbols);
    let cfg = Config {
        ram_size,
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
    // After the boot checks, so that a kernel refused gets one line.
    for w in warnings {
        eprintln!("rvcow: warning: {w}");
    }
    if args.realtime {
        machine.set_realtime();
    }
    // The first trace write that failed, which ends the run.
    let trace_failed = Arc::new(OnceLock::new());
    let mut traces = setup_trace(&args, &mut machine, &symbols, &trace_failed)?;
    let stop = signals::Stop::install()?;
    let started = Instant::now();
    let session = Session::new(SessionConfig {
        commands: args.run.clone(),
        expect: args.expect.clone(),
        prompt: args.prompt.clone(),
        timeout: args.timeout,
        max_insns: args.max_insns,
        stdin: args.run.is_empty(),
        failed: trace_failed.clone(),
        no_reboot: args.no_reboot,
        stop: stop.flag.clone(),
    });
    let (mut machine, mut outcome) = match args.gdb {
        Some(port) => {
            machine.set_insn_limit(args.max_insns);
            let ended = Rc::new(RefCell::new(None));
            let console = GdbConsole {
                session,
                ended: ended.clone(),
            };
            // The console is the guest's under gdb too (as QEMU's -nographic).
            let raw = args.run.is_empty().then(terminal::RawMode::enter);
            let (mut machine, end) = emulator::gdb::serve(
                machine,
                port,
                args.wait_gdb,
                Box::new(console),
                stop.flag.clone(),
            );
            drop(raw);
            let end = match end {
                Ok(end) => end,
                // The session failed (a packet gdbstub cannot parse): the
                // disk is still brought up to date before the error's exit.
                Err(msg) => {
                    eprintln!("rvcow: {msg}");
                    let code = finish(&mut machine, &args, started, EXIT_BAD_INPUT);
                    return Ok(ExitCode::from(code));
                }
            };
            let outcome = match (ended.take(), end) {
                (Some(outcome), _) => outcome,
                (None, GdbEnd::Exited(c)) => Outcome::Exit(c),
                (None, GdbEnd::Killed) => Outcome::Exit(0),
                (None, GdbEnd::Stopped) => Outcome::Stopped,
            };
            (machine, outcome)
        }
        None => {
            let raw = args.run.is_empty().then(terminal::RawMode::enter);
            let outcome = session.run(&mut machine);
            drop(raw);
            (machine, outcome)
        }
    };
    for t in &mut traces {
        let _ = t.flush();
    }
    if let Some(msg) = history::fatal_trap(&machine, &symbols) {
        outcome = Outcome::Failed(msg);
    }
    // A trace lost is the run's failure, whatever the guest did.
    if let Some(msg) = trace_failed.get() {
        eprintln!("rvcow: {msg}");
        let code = finish(&mut machine, &args, started, EXIT_BAD_INPUT);
        return Ok(ExitCode::from(code));
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
        Outcome::Stopped => stopped(&stop),
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
    let code = finish(&mut machine, &args, started, code);
    Ok(ExitCode::from(code))
}

/// The session as gdb's console: its limits hold with gdb attached, and
/// the outcome that ended the run is kept for the exit status.
struct GdbConsole {
    session: Session,
    ended: Rc<RefCell<Option<Outcome>>>,
}

impl emulator::gdb::Console for GdbConsole {
    fn feed(&mut self, m: &mut Machine) {
        self.session.feed(m);
    }

    fn after(&mut self, m: &mut Machine, event: Option<Event>) -> Option<u8> {
        let outcome = self.session.after(m, event)?;
        let status = match &outcome {
            Outcome::Exit(c) => *c,
            Outcome::Matched => 0,
            Outcome::Limit(_) => EXIT_LIMIT,
            Outcome::Failed(_) | Outcome::Panic { .. } | Outcome::Stopped => 1,
        };
        *self.ended.borrow_mut() = Some(outcome);
        Some(status)
    }

    fn deadline(&self) -> Option<Instant> {
        self.session.deadline()
    }
}

/// Says which signal stopped the run; returns the exit status for it.
fn stopped(stop: &signals::Stop) -> u8 {
    let (line, code) = stop.report();
    eprintln!("\r\nrvcow: {line}\r");
    code
}

/// Brings the disk file up to date and prints `--stats`; returns the exit
/// status, `code` or 1 when a write to the disk file failed.
fn finish(machine: &mut Machine, args: &Args, started: Instant, code: u8) -> u8 {
    let disk = machine.flush_disk();
    if args.stats {
        eprint!("{}", emulator::stats::report(machine, started.elapsed()));
    }
    match disk {
        Ok(()) => code,
        Err(msg) => {
            eprintln!("rvcow: {msg}");
            code.max(1)
        }
    }
}

/// The kernel's symbols and those of every `--symbols` ELF, and warnings
/// for symbol tables that cannot be read (symbols are optional).
fn load_symbols(
    args: &Args,
    kernel_name: &str,
    kernel: &[u8],
) -> Result<(Symbols, Vec<String>), String> {
    let mut s = Symbols::new();
    let mut warnings = Vec::new();
    // A kernel that is no ELF (a raw image) has no symbols.
    if let Err(e @ SymbolsError::Unreadable(_)) = s.add_kernel(kernel) {
        warnings.push(format!("{kernel_name}: {e}"));
    }
    for p in &args.symbols {
        let bytes = read_input(p, MAX_SYMBOLS_FILE)?;
        match s.add_user(&bytes) {
            Ok(()) => {}
            Err(e @ SymbolsError::Unreadable(_)) => warnings.push(format!("{}: {e}", p.display())),
            Err(e) => return Err(format!("{}: {e}", p.display())),
        }
    }
    if args.kernel.is_none() && args.symbols.is_empty() {
        add_bundled_programs(&mut s);
    }
    Ok((s, warnings))
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
    failed: &Arc<OnceLock<String>>,
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
        let fail = |e: std::io::Error| match e.raw_os_error() {
            Some(n) if n == rustix::io::Errno::NXIO.raw_os_error() => {
                format!("{path}: a FIFO with no reader")
            }
            _ => format!("{path}: {}", io_reason(&e)),
        };
        // Opened without blocking (a FIFO with no reader fails at once),
        // then written with blocking writes.
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(path)
            .map_err(fail)?;
        rustix::fs::fcntl_setfl(&f, rustix::fs::OFlags::empty()).map_err(|e| fail(e.into()))?;
        Ok(SharedWriter::new(Box::new(f), path, failed))
    };
    // One buffered stream for all harts, so lines keep their order; or one per hart.
    let shared = match &args.trace_file {
        Some(p) if !p.contains("%h") => open(p)?,
        Some(_) => SharedWriter::new(Box::new(std::io::sink()), "", failed),
        None => SharedWriter::new(Box::new(std::io::stderr()), "stderr", failed),
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

/// Reads an input file (kernel, firmware, symbols): a regular file of at
/// most `limit` bytes, checked before anything is read. Opening never
/// blocks (a FIFO without a writer).
fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let name = path.display();
    let fail = |e: std::io::Error| format!("{name}: {}", io_reason(&e));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(fail)?;
    let meta = file.metadata().map_err(fail)?;
    if meta.is_dir() {
        return Err(format!("{name}: is a directory"));
    }
    if !meta.is_file() {
        return Err(format!("{name}: not a regular file"));
    }
    let too_big = |len: u64| {
        format!(
            "{name}: {len} bytes is larger than {} MiB{}",
            limit >> 20,
            if limit == MAX_SYMBOLS_FILE {
                ""
            } else {
                " of RAM"
            }
        )
    };
    if meta.len() > limit {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(fail)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Writes the bundled kernel.elf and fs.img into `dir`, for use with QEMU.
fn dump_image(dir: &std::path::Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!(
            "--dump-image {}: exists and is not a directory",
            dir.display()
        ));
    }
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

/// A buffered writer shared by the harts' tracers. Its first write error is
/// kept in `failed` (one line naming the output).
#[derive(Clone)]
struct SharedWriter {
    out: Arc<Mutex<BufWriter<Box<dyn Write + Send>>>>,
    name: Arc<str>,
    failed: Arc<OnceLock<String>>,
}

impl SharedWriter {
    fn new(w: Box<dyn Write + Send>, name: &str, failed: &Arc<OnceLock<String>>) -> SharedWriter {
        SharedWriter {
            out: Arc::new(Mutex::new(BufWriter::new(w))),
            name: name.into(),
            failed: failed.clone(),
        }
    }

    fn note<T>(&self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            let _ = self.failed.set(format!(
                "{}: cannot write the trace: {}",
                self.name,
                io_reason(e)
            ));
        }
        r
    }
}

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self
            .out
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write(buf);
        self.note(r)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.out.lock().unwrap_or_else(|e| e.into_inner()).flush();
        self.note(r)
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
        _ => {
            let text = e.to_string();
            match text.split_once(" (os error") {
                Some((reason, _)) => reason.to_string(),
                None => text,
            }
        }
    }
}
