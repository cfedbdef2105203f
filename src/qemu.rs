// QEMU's command line: the qemu-system-riscv64 options that the xv6 Makefiles
// pass, turned into rvcow's own options before clap parses them.

use clap::Command;
use std::ffi::{OsStr, OsString};

/// The QEMU version whose command line and virt machine rvcow follows.
const QEMU_VERSION: &str = "7.2.0";
/// The gdb port of `-s`.
const DEFAULT_GDB_PORT: &str = "1234";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Translated {
    /// Run, with these arguments (program name first) for clap.
    Run(Vec<OsString>),
    /// Print this text and exit 0 (`-help`, `-version`).
    Print(String),
}

/// The disk of `-drive` and `-device virtio-blk-device`.
#[derive(Default)]
struct Drives {
    /// `-drive`: (id, file, snapshot=on).
    drives: Vec<(String, OsString, bool)>,
    /// `-device virtio-blk-device`: (drive id, virtio-mmio bus).
    disks: Vec<(String, u32)>,
}

/// Turns `argv` (program name first) into rvcow's own options. QEMU's
/// one-dash options become their rvcow equivalents; rvcow's own options (as
/// `cmd`, rvcow's clap command, describes them) pass through unchanged, so
/// both forms work whatever the program is called. Returns one line naming
/// the option for anything QEMU would take that rvcow cannot honour.
pub fn translate(argv: Vec<OsString>, cmd: &Command) -> Result<Translated, String> {
    // The error quotes the user's words: control characters are escaped to keep it one line.
    translate_args(argv, cmd).map_err(|e| {
        e.chars()
            .map(|c| match c.is_control() {
                true => c.escape_default().to_string(),
                false => c.to_string(),
            })
            .collect()
    })
}

fn translate_args(argv: Vec<OsString>, cmd: &Command) -> Result<Translated, String> {
    let mut it = argv.into_iter();
    let mut out: Vec<OsString> = it.next().into_iter().collect();
    let mut kernel: Option<OsString> = None;
    let mut drives = Drives::default();
    let (mut wait, mut gdb, mut smp) = (false, false, false);
    while let Some(arg) = it.next() {
        let Some(s) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if s == "--" {
            out.push(arg);
            out.extend(it.by_ref());
            break;
        }
        if let Some(long) = s.strip_prefix("--") {
            // rvcow's own option, with its value if it takes one.
            let name = long.split('=').next().unwrap_or(long);
            match name {
                "version" => return Ok(Translated::Print(version())),
                "gdb" => gdb = true,
                "smp" => smp = true,
                _ => {}
            }
            let takes_value = cmd
                .get_arguments()
                .find(|a| a.get_long() == Some(name))
                .is_some_and(|a| a.get_action().takes_values());
            out.push(arg.clone());
            if takes_value && !long.contains('=') {
                out.extend(it.next());
            }
            continue;
        }
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{s}: needs a value (rvcow --help lists the options)"))
        };
        match s {
            "-machine" | "-M" => {
                let v = utf8(s, value()?)?;
                if v != "virt" && v != "type=virt" {
                    return Err(format!(
                        "-machine {v}: unsupported machine (rvcow is QEMU's virt)"
                    ));
                }
            }
            "-bios" => out.extend(["--bios".into(), value()?]),
            "-kernel" => kernel = Some(value()?),
            "-initrd" => out.extend(["--initrd".into(), value()?]),
            "-append" => out.extend(["--append".into(), value()?]),
            "-m" => {
                let v = utf8(s, value()?)?;
                let size = v.strip_prefix("size=").unwrap_or(&v);
                if size.contains(',') {
                    return Err(format!("-m {v}: only a size is supported"));
                }
                out.extend(["--memory".into(), size.into()]);
            }
            "-smp" => {
                let v = utf8(s, value()?)?;
                let n = v.strip_prefix("cpus=").unwrap_or(&v);
                if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("-smp {v}: only N or cpus=N is supported"));
                }
                smp = true;
                out.extend(["--smp".into(), n.into()]);
            }
            "-nographic" => {}
            "-no-reboot" => out.push("--no-reboot".into()),
            "-serial" => {
                let v = utf8(s, value()?)?;
                if v != "mon:stdio" && v != "stdio" {
                    return Err(format!(
                        "-serial {v}: unsupported (the console is always on stdio)"
                    ));
                }
            }
            "-drive" => drives.drive(&utf8(s, value()?)?)?,
            "-device" => drives.device(&utf8(s, value()?)?)?,
            "-global" => out.extend(["--global".into(), value()?]),
            "-snapshot" => out.push("--snapshot".into()),
            "-S" => {
                wait = true;
                out.push(arg.clone());
            }
            "-s" => {
                gdb = true;
                out.extend(["--gdb".into(), DEFAULT_GDB_PORT.into()]);
            }
            "-gdb" => {
                gdb = true;
                let port = gdb_port(&utf8(s, value()?)?)?;
                out.extend(["--gdb".into(), port.into()]);
            }
            "-cpu" => {
                let v = utf8(s, value()?)?;
                if v != "rv64" {
                    return Err(format!("-cpu {v}: unsupported (rvcow is an rv64 hart)"));
                }
            }
            "-help" => return Ok(Translated::Print(help())),
            "-version" => return Ok(Translated::Print(version())),
            // rvcow's own short options: -h, -V, -S and -m (also as -m128).
            "-h" | "-V" => out.push(arg.clone()),
            _ if s.starts_with("-m") && s[2..].starts_with(|c: char| c.is_ascii_digit()) => {
                out.push(arg.clone())
            }
            _ if s.starts_with('-') && s.len() > 1 => {
                return Err(format!(
                    "{s}: unsupported option (rvcow -help lists the QEMU options it takes)"
                ));
            }
            _ => out.push(arg.clone()),
        }
    }
    if wait && !gdb {
        return Err("-S: needs -gdb or -s (rvcow has no monitor to continue from)".into());
    }
    if let Some(file) = drives.file()? {
        out.extend(["--drive".into(), file.0]);
        if file.1 {
            out.push("--snapshot".into());
        }
    }
    if let Some(k) = kernel {
        // QEMU's default is one hart; rvcow's own default (3) is for its bundled kernel.
        if !smp {
            out.extend(["--smp".into(), "1".into()]);
        }
        if out.iter().any(|a| a == "--") {
            return Err("-kernel: a kernel after `--` too".into());
        }
        out.extend(["--".into(), k]);
    }
    Ok(Translated::Run(out))
}

impl Drives {
    /// `-drive file=F,if=none,format=raw,id=ID` (also snapshot=on|off).
    fn drive(&mut self, spec: &str) -> Result<(), String> {
        let (mut file, mut id, mut snapshot) = (None, None, false);
        for (k, v) in props(spec) {
            match (k.as_str(), v.as_str()) {
                ("file", f) if !f.is_empty() => file = Some(OsString::from(f)),
                ("id", i) => id = Some(i.to_string()),
                ("if", "none") | ("format", "raw") | ("media", "disk") => {}
                ("snapshot", "on") => snapshot = true,
                ("snapshot", "off") => snapshot = false,
                _ => {
                    return Err(format!(
                        "-drive {spec}: '{k}={v}' is not supported (rvcow takes file=F,if=none,format=raw,id=ID)"
                    ))
                }
            }
        }
        match (file, id) {
            (Some(f), Some(i)) => {
                self.drives.push((i, f, snapshot));
                Ok(())
            }
            _ => Err(format!("-drive {spec}: needs file= and id=")),
        }
    }

    /// `-device virtio-blk-device,drive=ID,bus=virtio-mmio-bus.N`.
    fn device(&mut self, spec: &str) -> Result<(), String> {
        let mut parts = spec.splitn(2, ',');
        let driver = parts.next().unwrap_or("");
        if driver != "virtio-blk-device" {
            return Err(format!(
                "-device {driver}: unsupported device (rvcow has virtio-blk-device only)"
            ));
        }
        let (mut drive, mut bus) = (None, None);
        for (k, v) in props(parts.next().unwrap_or("")) {
            match k.as_str() {
                "drive" => drive = Some(v),
                "bus" => {
                    let n = v
                        .strip_prefix("virtio-mmio-bus.")
                        .and_then(|n| n.parse::<u32>().ok());
                    bus = Some(n.ok_or_else(|| format!("-device {spec}: bad bus '{v}'"))?);
                }
                _ => return Err(format!("-device {spec}: '{k}' is not supported")),
            }
        }
        match (drive, bus) {
            (Some(d), Some(0)) => {
                self.disks.push((d, 0));
                Ok(())
            }
            (Some(_), Some(n)) => Err(format!(
                "-device {spec}: rvcow's disk is on virtio-mmio-bus.0, not {n}"
            )),
            _ => Err(format!(
                "-device {spec}: needs drive=ID and bus=virtio-mmio-bus.0"
            )),
        }
    }

    /// The disk's file and whether it is a snapshot: None without a disk.
    fn file(self) -> Result<Option<(OsString, bool)>, String> {
        let [(id, _)] = &self.disks[..] else {
            return match self.disks.len() {
                0 => Ok(None),
                _ => Err("-device virtio-blk-device: rvcow has one disk".into()),
            };
        };
        // A drive with if=none and no device is unused, as in QEMU.
        self.drives
            .into_iter()
            .find(|(i, _, _)| i == id)
            .map(|(_, f, snap)| Some((f, snap)))
            .ok_or_else(|| format!("-device virtio-blk-device,drive={id}: no -drive with id={id}"))
    }
}

/// The port of `-gdb tcp::PORT` or `tcp:HOST:PORT` (HOST on this machine).
fn gdb_port(spec: &str) -> Result<String, String> {
    let bad = || format!("-gdb {spec}: rvcow serves gdb as tcp::PORT (on 127.0.0.1)");
    let rest = spec.strip_prefix("tcp:").ok_or_else(bad)?;
    let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
    if !matches!(host, "" | "localhost" | "127.0.0.1") {
        return Err(bad());
    }
    port.parse::<u16>().map_err(|_| bad())?;
    Ok(port.to_string())
}

/// QEMU's `key=value,key=value` (a `,,` is a comma inside a value).
fn props(spec: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = spec.chars().peekable();
    let mut push = |cur: &mut String| {
        if !cur.is_empty() {
            let (k, v) = cur.split_once('=').unwrap_or((cur.as_str(), ""));
            out.push((k.to_string(), v.to_string()));
            cur.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            ',' if chars.peek() == Some(&',') => {
                chars.next();
                cur.push(',');
            }
            ',' => push(&mut cur),
            _ => cur.push(c),
        }
    }
    push(&mut cur);
    out
}

fn utf8(opt: &str, v: OsString) -> Result<String, String> {
    v.into_string()
        .map_err(|v| format!("{opt} {}: not UTF-8", OsStr::new(&v).to_string_lossy()))
}

fn version() -> String {
    format!(
        "QEMU emulator version {QEMU_VERSION} (rvcow {}, a stand-in for qemu-system-riscv64)\n",
        env!("CARGO_PKG_VERSION")
    )
}

fn help() -> String {
    format!(
        "\
{}usage: rvcow [QEMU options]   (rvcow --help lists rvcow's own options)

-machine virt           QEMU's virt machine (the only one)
-bios none|FILE         firmware at 0x80000000 (default: none)
-kernel FILE            the kernel ELF (or raw image) to boot
-initrd FILE            an initial RAM disk
-append STR             the kernel command line
-m SIZE                 RAM in MiB (suffixes M and G)
-smp N|cpus=N           number of harts (default 1)
-nographic              accepted: the console is always on stdio
-serial mon:stdio       accepted: the console is always on stdio (Ctrl-A X quits)
-drive file=F,if=none,format=raw,id=ID
-device virtio-blk-device,drive=ID,bus=virtio-mmio-bus.0
                        the disk image F, on the first virtio-mmio transport
-global virtio-mmio.force-legacy=false|true
                        the modern (version 2) or legacy virtio-mmio transport
-snapshot               writes to the disk stay in memory
-no-reboot              exit when the guest resets
-S                      wait for gdb before the first instruction
-s                      shorthand for -gdb tcp::{DEFAULT_GDB_PORT}
-gdb tcp::PORT          serve gdb on 127.0.0.1:PORT
-cpu rv64               accepted: the harts are RV64GC
-help                   print this help
-version                print the version
",
        version()
    )
}

#[cfg(test)]
#[path = "qemu_tests.rs"]
mod tests;
