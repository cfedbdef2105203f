// rvcow in QEMU's place: the exact argument lists of the labs' `make qemu` and
// `make qemu-gdb`, a client that does what the labs' gradelib.py does, and
// signals that end a run with the disk written.

use images::fsck::Image;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};

/// Instructions enough to boot the bundled kernel and run a command or two
/// (it reaches `$ ` in about 8 million).
const BUDGET: &str = "400000000";

/// A directory holding the bundled kernel.elf and fs.img, as
/// `rvcow --dump-image` writes them; removed at the end.
struct Lab(PathBuf);

impl Lab {
    fn new(name: &str) -> Lab {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("rvcow-qemu-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
            .arg("--dump-image")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        Lab(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }

    /// The QEMUOPTS of the 2021 labs' Makefile (CPUS=3), with our files.
    fn qemuopts(&self) -> Vec<String> {
        format!(
            "-machine virt -bios none -kernel {} -m 128M -smp 3 -nographic \
             -drive file={},if=none,format=raw,id=x0 \
             -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
            self.path("kernel.elf"),
            self.path("fs.img")
        )
        .split_whitespace()
        .map(str::to_string)
        .collect()
    }

    /// The file `name` in the root directory of the lab's fs.img, if there.
    fn file(&self, name: &str) -> Option<Vec<u8>> {
        let bytes = std::fs::read(self.path("fs.img")).unwrap();
        Image::parse(&bytes).unwrap().read_file(name).ok()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rvcow(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `make qemu` of the 2021 labs, and of the 2022-2024 labs (which add
/// `-global virtio-mmio.force-legacy=false`), reaches the shell's prompt.
#[test]
fn make_qemu_argument_list_reaches_the_prompt() {
    let lab = Lab::new("qemu");
    for extra in [&[][..], &["-global", "virtio-mmio.force-legacy=false"]] {
        let mut args = lab.qemuopts();
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(["--expect", "init: starting sh\n$ ", "--max-insns", BUDGET].map(String::from));
        let out = rvcow(&args);
        let console = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{console}\n{out:?}");
        assert!(console.ends_with("init: starting sh\n$ "), "{console}");
    }
}

/// A running rvcow whose console is read by a thread, byte by byte.
struct Running {
    child: Child,
    stdin: ChildStdin,
    console: Receiver<u8>,
    seen: String,
}

impl Running {
    fn start(args: &[String]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rvcow"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, console) = mpsc::channel();
        std::thread::spawn(move || {
            let mut b = [0u8; 1];
            while stdout.read(&mut b).is_ok_and(|n| n == 1) {
                if tx.send(b[0]).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            stdin,
            console,
            seen: String::new(),
        }
    }

    /// Reads the console until it ends with `text`; panics if rvcow closes
    /// its output first.
    fn wait_for(&mut self, text: &str) {
        while !self.seen.ends_with(text) {
            match self.console.recv() {
                Ok(b) => self.seen.push(b as char),
                Err(_) => panic!("console closed before {text:?}: {}", self.seen),
            }
        }
    }

    /// Types `line` and a newline; what the console showed so far is forgotten.
    fn type_line(&mut self, line: &str) {
        self.seen.clear();
        self.stdin.write_all(line.as_bytes()).unwrap();
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Sends `signal` (as kill(1) names it) and waits: the exit status and stderr.
    fn signal(mut self, signal: &str) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args([format!("-{signal}"), pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (status.code(), err)
    }
}

/// A free TCP port on 127.0.0.1 (free when this returns).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Connects to rvcow's gdb stub, retrying while rvcow starts up.
fn connect(run: &mut Running, port: u16) -> TcpStream {
    loop {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            return s;
        }
        if let Some(status) = run.child.try_wait().unwrap() {
            panic!("rvcow exited ({status}) before gdb could connect");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// gdb's remote protocol packet for `cmd`.
fn packet(cmd: &str) -> String {
    let sum = cmd.bytes().fold(0u8, |s, b| s.wrapping_add(b));
    format!("${cmd}#{sum:02x}")
}

/// What the labs' gradelib.py does with `make qemu-gdb`: connect to the gdb
/// stub with its own minimal client, send `c` (and nothing else), type a
/// command at `$ `, then terminate. rvcow exits with 128+SIGTERM, and the
/// file the command wrote is in the image.
#[test]
fn gradelib_client_continues_types_and_terminates() {
    let lab = Lab::new("gradelib");
    let port = free_port();
    let mut args = lab.qemuopts();
    // `make qemu-gdb`: QEMUOPTS, then -S and the QEMUGDB the Makefile chose.
    args.extend(["-S".to_string(), "-gdb".into(), format!("tcp::{port}")]);
    args.extend(["--max-insns", BUDGET].map(String::from));
    let mut run = Running::start(&args);
    let mut gdb = connect(&mut run, port);
    gdb.write_all(packet("c").as_bytes()).unwrap();
    run.wait_for("init: starting sh\n$ ");
    run.type_line("echo hi > f");
    run.wait_for("$ ");
    // Writes reach the file as each request completes (QEMU's default
    // cache mode), so the file is there before the run ends, and stays.
    let (code, err) = run.signal("TERM");
    assert_eq!(code, Some(128 + 15), "{err}");
    assert!(err.ends_with("rvcow: terminating on SIGTERM\r\n"), "{err}");
    drop(gdb);
    assert_eq!(lab.file("f").as_deref(), Some(&b"hi\n"[..]));
}

/// SIGHUP (the terminal closed) and SIGINT end a run without gdb the same
/// way: the disk is written and the status is 128+signal.
#[test]
fn hangup_and_interrupt_write_the_disk() {
    for (signal, number) in [("HUP", 1), ("INT", 2)] {
        let lab = Lab::new(signal);
        let mut args = lab.qemuopts();
        args.extend(["--max-insns", BUDGET].map(String::from));
        let mut run = Running::start(&args);
        run.wait_for("init: starting sh\n$ ");
        run.type_line("echo bye > g");
        run.wait_for("$ ");
        let (code, err) = run.signal(signal);
        assert_eq!(code, Some(128 + number), "{signal}: {err}");
        assert!(
            err.ends_with(&format!("rvcow: terminating on SIG{signal}\r\n")),
            "{err}"
        );
        assert_eq!(lab.file("g").as_deref(), Some(&b"bye\n"[..]), "{signal}");
    }
}

/// Options QEMU has and rvcow cannot honour (the net lab's) get one line and
/// exit status 1; `-help` has the `-gdb` line the Makefiles grep for.
#[test]
fn unsupported_options_and_help() {
    let lab = Lab::new("net");
    let mut args = lab.qemuopts();
    args.extend(
        "-netdev user,id=net0,hostfwd=udp::26099-:2000 -object filter-dump,id=net0,netdev=net0,file=packets.pcap"
            .split_whitespace()
            .map(str::to_string),
    );
    let out = rvcow(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        err,
        "rvcow: -netdev: unsupported option (rvcow -help lists the QEMU options it takes)\n"
    );
    let out = rvcow(&["-help".into()]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.lines().any(|l| l.starts_with("-gdb tcp::PORT")),
        "{help}"
    );
}

/// `make qemu-gdb` and gdb-multiarch with the lab's `.gdbinit` (its lines,
/// with our kernel for `symbol-file kernel/kernel`): gdb stops at a
/// breakpoint, continues to the next, and kills the run.
/// Needs gdb-multiarch (CI installs it and runs ignored tests), as
/// tests/debug.rs's gdb sessions do.
#[test]
#[ignore = "needs gdb-multiarch"]
fn gdb_multiarch_with_the_labs_gdbinit() {
    let gdb = Command::new("gdb-multiarch").arg("--version").output();
    assert!(
        gdb.is_ok_and(|o| o.status.success()),
        "gdb-multiarch is not installed (apt-get install gdb-multiarch)"
    );
    let lab = Lab::new("gdbinit");
    let port = free_port();
    let gdbinit = lab.0.join(".gdbinit");
    std::fs::write(
        &gdbinit,
        format!(
            "set confirm off\nset architecture riscv:rv64\ntarget remote 127.0.0.1:{port}\n\
             symbol-file {}\nset disassemble-next-line auto\nset riscv use-compressed-breakpoints yes\n",
            lab.path("kernel.elf")
        ),
    )
    .unwrap();
    let mut args = lab.qemuopts();
    args.extend(["-S".to_string(), "-gdb".into(), format!("tcp::{port}")]);
    let mut run = Running::start(&args);
    // gdb's `target remote` does not retry: wait until the stub listens.
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(run.child.stderr.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(
        line,
        format!("rvcow: waiting for gdb on 127.0.0.1:{port}\n")
    );
    let out = Command::new("gdb-multiarch")
        .args(["-batch", "-nx", "-x"])
        .arg(&gdbinit)
        .args(["-ex", "break main", "-ex", "continue", "-ex", "delete"])
        .args(["-ex", "break usertrap", "-ex", "continue", "-ex", "bt 2"])
        .args(["-ex", "kill"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Thread 1 hit Breakpoint 1, "), "{text}");
    assert!(text.contains(" hit Breakpoint 2, "), "{text}");
    assert!(
        text.contains(" kernel::trap::usertrap () at src/trap.rs:"),
        "{text}"
    );
    let status = run.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "gdb's kill ends the run");
}

/// As with QEMU's stub, a gdb client that goes away leaves the guest running,
/// and the next one can connect (a student quits gdb and starts it again).
#[test]
fn gdb_can_connect_again() {
    let lab = Lab::new("reconnect");
    let port = free_port();
    let mut args = lab.qemuopts();
    args.extend(["-S".to_string(), "-gdb".into(), format!("tcp::{port}")]);
    args.extend(["--max-insns", BUDGET].map(String::from));
    let mut run = Running::start(&args);
    let mut gdb = connect(&mut run, port);
    gdb.write_all(packet("c").as_bytes()).unwrap();
    drop(gdb);
    run.wait_for("init: starting sh\n$ ");
    let mut gdb = connect(&mut run, port);
    // A stub that never answers fails the test instead of hanging it.
    gdb.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    // The new client stops the guest with `?` and reads the stop reply.
    gdb.write_all(packet("?").as_bytes()).unwrap();
    let mut reply = Vec::new();
    let mut b = [0u8; 1];
    while !reply.ends_with(b"#") {
        assert_eq!(gdb.read(&mut b).unwrap(), 1, "stub closed: {reply:?}");
        reply.push(b[0]);
    }
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("+$T"), "{reply}");
    let (code, err) = run.signal("TERM");
    assert_eq!(code, Some(143), "{err}");
}

/// An ELF64 with one PT_LOAD of `code` at 0x8000_0000, its entry.
fn bare_elf(code: &[u32]) -> Vec<u8> {
    let base = 0x8000_0000u64;
    let size = (code.len() * 4) as u64;
    let mut v = vec![0u8; 120];
    v[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x00");
    v[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    v[18..20].copy_from_slice(&243u16.to_le_bytes()); // EM_RISCV
    v[20..24].copy_from_slice(&1u32.to_le_bytes());
    v[24..32].copy_from_slice(&base.to_le_bytes());
    v[32..40].copy_from_slice(&64u64.to_le_bytes());
    v[52..54].copy_from_slice(&64u16.to_le_bytes());
    v[54..56].copy_from_slice(&56u16.to_le_bytes());
    v[56..58].copy_from_slice(&1u16.to_le_bytes());
    v[64..68].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    v[68..72].copy_from_slice(&7u32.to_le_bytes());
    v[72..80].copy_from_slice(&120u64.to_le_bytes());
    v[80..88].copy_from_slice(&base.to_le_bytes());
    v[88..96].copy_from_slice(&base.to_le_bytes());
    v[96..104].copy_from_slice(&size.to_le_bytes());
    v[104..112].copy_from_slice(&size.to_le_bytes());
    code.iter()
        .for_each(|w| v.extend_from_slice(&w.to_le_bytes()));
    v
}

/// `-no-reboot`: a guest that resets the machine (QEMU's test finisher,
/// 0x7777) ends the run with status 0; without it, the machine reboots and
/// the guest resets it again until the instruction limit.
#[test]
fn no_reboot_exits_on_reset() {
    let lab = Lab::new("reset");
    let elf = lab.0.join("reset.elf");
    std::fs::write(
        &elf,
        bare_elf(&[
            0x0010_02b7, // lui t0, 0x100        (the test finisher)
            0x0000_7337, // lui t1, 0x7
            0x7773_0313, // addi t1, t1, 0x777   (FINISHER_RESET)
            0x0062_a023, // sw t1, 0(t0)
            0x0000_006f, // j .
        ]),
    )
    .unwrap();
    let elf = elf.display().to_string();
    // Each reboot clears RAM: a small one, and a few reboots only.
    let mut args: Vec<String> = format!("-machine virt -bios none -kernel {elf} -m 16M -nographic")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    args.extend(["--max-insns", "100"].map(String::from));
    assert_eq!(rvcow(&args).status.code(), Some(124));
    args.push("-no-reboot".into());
    let out = rvcow(&args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}
