// Debugging as a product: filtered symbolized traces, per-hart trace files,
// the crash history, --stats, and the gdb stub (raw RSP, and gdb-multiarch
// when installed).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use emulator::symbols::Symbols;

fn rvcow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("rvcow runs")
}

fn guest(name: &str) -> String {
    images::guest(name).to_str().unwrap().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn symbol(elf: &str, name: &str) -> u64 {
    let mut s = Symbols::new();
    s.add_kernel(&std::fs::read(elf).unwrap()).unwrap();
    s.extent(name).unwrap().0
}

/// The trace lines of `hello` on one hart with `extra` options.
fn hello_trace(extra: &[&str]) -> Vec<String> {
    let g = guest("hello");
    let mut args = vec![g.as_str(), "--smp", "1", "--trace", "--max-insns", "100000"];
    args.extend_from_slice(extra);
    let out = rvcow(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stderr(&out).lines().map(str::to_string).collect()
}

#[test]
fn trace_window_with_symbols() {
    // The reset ROM has no symbol: its lines stay exactly Spike's plus the
    // disassembly; program lines end in `<symbol+0xoff>`.
    assert_eq!(
        hello_trace(&["--trace-count", "1"]),
        ["core   0: 3 0x0000000000001000 (0x00000297) x5  0x0000000000001000  ; auipc t0,0x0"]
    );
    // The ROM runs 6 instructions; then the program's first three.
    let start = symbol(&guest("hello"), "_start");
    let lines = hello_trace(&["--trace-start", "6", "--trace-count", "3"]);
    assert_eq!(lines.len(), 3);
    for (i, suffix) in ["<_start>", "<_start+0x4>", "<_start+0x8>"]
        .iter()
        .enumerate()
    {
        let pc = format!("core   0: 3 0x{:016x} (0x", start + 4 * i as u64);
        assert!(lines[i].starts_with(&pc), "{}", lines[i]);
        assert!(lines[i].ends_with(&format!(" {suffix}")), "{}", lines[i]);
    }
    assert!(lines[0].contains("  ; csrrs "), "{}", lines[0]);
}

#[test]
fn trace_filters_by_privilege_and_range() {
    // Everything `hello` runs is M-mode.
    assert!(hello_trace(&["--trace-priv", "u,s"]).is_empty());
    assert_eq!(
        hello_trace(&["--trace-priv", "m", "--trace-count", "7"]).len(),
        7
    );
    let main = symbol(&guest("hello"), "guest_main");
    let lines = hello_trace(&["--trace-range", "guest_main", "--trace-count", "2"]);
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with(&format!("core   0: 3 0x{main:016x} ")),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with(" <guest_main>"), "{}", lines[0]);
    assert!(lines[1].contains(" <guest_main+0x"), "{}", lines[1]);
    let range = format!("0x{:x}..0x{:x}", 0x1000, 0x1008);
    let lines = hello_trace(&["--trace-range", &range]);
    assert_eq!(lines.len(), 2);
    assert!(lines[1].starts_with("core   0: 3 0x0000000000001004 "));
}

#[test]
fn trace_per_hart_files_and_hart_filter() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rvcow-debug-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("trace-%h.log");
    // `crash` panics on hart 0 and spins: the limit ends the run, after
    // harts 1 and 2 went through the reset ROM and _start.
    let g = guest("crash");
    let out = rvcow(&[
        &g,
        "--smp",
        "3",
        "--trace",
        "--trace-file",
        path.to_str().unwrap(),
        "--max-insns",
        "20000",
        "--history",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(124), "{}", stderr(&out));
    assert_eq!(stderr(&out), "rvcow: instruction limit of 20000 reached\n");
    for h in 0..3 {
        let text = std::fs::read_to_string(dir.join(format!("trace-{h}.log"))).unwrap();
        let prefix = format!("core{h:4}: 3 0x");
        assert!(!text.is_empty(), "hart {h} traced nothing");
        assert!(
            text.lines().all(|l| l.starts_with(&prefix)),
            "hart {h}: {text}"
        );
    }
    // Harts 1 and 2 park in WFI in _start.
    let one = std::fs::read_to_string(dir.join("trace-1.log")).unwrap();
    let last = one.lines().last().unwrap();
    assert!(last.contains("  ; wfi <_start+0x"), "{one}");
    let out = rvcow(&[
        &g,
        "--trace",
        "--trace-harts",
        "2",
        "--max-insns",
        "20000",
        "--history",
        "0",
    ]);
    let err = stderr(&out);
    assert!(!err.is_empty());
    let (limit, trace) = err.split_at(err.find("rvcow: instruction limit").unwrap());
    assert!(
        !limit.is_empty() && limit.lines().all(|l| l.starts_with("core   2: ")),
        "{err}"
    );
    assert_eq!(trace, "rvcow: instruction limit of 20000 reached\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_guest_panic_prints_the_history() {
    let out = rvcow(&[
        &guest("crash"),
        "--history",
        "4",
        "--max-insns",
        "100000000",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "rvcow: guest kernel panicked: panic: deliberate crash at depth 3"
    );
    // The backtrace the guest printed, symbolized (a return address names
    // the function of its call, at ra - 1), then the history.
    assert_eq!(lines[1], "rvcow: backtrace:");
    assert!(
        lines[2].starts_with("  0x00000000800") && lines[2].ends_with(" <crash::spin_forever+0x4>"),
        "{err}"
    );
    assert!(
        lines[3].starts_with("  0x00000000800") && lines[3].ends_with(" <guest_main+0x8>"),
        "{err}"
    );
    assert_eq!(lines[4], "rvcow: last 4 instructions of hart 0:");
    for l in &lines[5..9] {
        assert!(l.starts_with("core   0: 3 0x"), "{l}");
        assert!(l.contains(" <crash::spin_forever"), "{l}");
    }
}

#[test]
fn an_unhandled_m_mode_trap_prints_the_history() {
    let out = rvcow(&[
        &guest("crash"),
        "--append",
        "mtrap",
        "--max-insns",
        "100000000",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "rvcow: hart 0: unhandled exception in M-mode: instruction_access_fault (1), tval 0x0, at mtvec 0x0"
    );
    assert_eq!(lines[1], "rvcow: last 16 instructions of hart 0:");
    assert_eq!(lines.len(), 18, "{err}");
    let trap = symbol(&guest("crash"), "crash::unhandled_trap");
    assert_eq!(
        lines[16],
        format!("core   0: 3 0x{trap:016x} (0x30501073)  ; csrrw zero,mtvec,zero <crash::unhandled_trap>")
    );
    assert_eq!(
        lines[17],
        format!(
            "core   0: 3 0x{:016x} (0x0000)  ; c.unimp <crash::unhandled_trap+0x4>",
            trap + 4
        )
    );
}

#[test]
fn stats_rows_add_up() {
    let out = rvcow(&[
        &guest("crash"),
        "--append",
        "mtrap",
        "--stats",
        "--smp",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let start = err.find("rvcow: statistics\n").expect("a statistics table");
    let table: Vec<&str> = err[start..].lines().skip(1).collect();
    let cells = |name: &str| -> Vec<String> {
        let row = table
            .iter()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row {name}: {err}"));
        row[name.len()..]
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(cells(""), ["hart", "0", "hart", "1"]);
    let num = |v: &[String], h: usize| v[h].parse::<u64>().unwrap();
    let traps = cells("traps");
    let illegal = cells("  illegal_instruction");
    let fetch = cells("  instruction_access_fault");
    // Hart 0: one illegal instruction, then two faults at mtvec = 0 before
    // the loop is recognized; hart 1 sleeps in WFI.
    assert_eq!((num(&illegal, 0), num(&fetch, 0)), (1, 2));
    assert_eq!(num(&traps, 0), num(&illegal, 0) + num(&fetch, 0));
    assert_eq!(num(&traps, 1), 0);
    let insns = cells("instructions");
    let total: u64 = cells("total instructions")[0].parse().unwrap();
    assert_eq!(num(&insns, 0) + num(&insns, 1), total);
    for row in ["MIPS", "TLB hit rate", "block cache hit rate"] {
        assert_eq!(cells(row).len(), 2, "{row}");
    }
    assert_eq!(cells("disk read"), ["0", "bytes"]);
    assert_eq!(cells("disk written"), ["0", "bytes"]);
    assert!(cells("wall time")[0].parse::<f64>().unwrap() > 0.0);
}

/// A free TCP port on 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `rvcow --gdb PORT -S` on `elf`, once it listens.
fn gdb_server(elf: &str, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args([elf, "--gdb", &port.to_string(), "-S"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert_eq!(
        line,
        format!("rvcow: waiting for gdb on 127.0.0.1:{port}\n")
    );
    child
}

/// A minimal GDB remote-protocol client.
struct Rsp(TcpStream);

impl Rsp {
    fn connect(port: u16) -> Rsp {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        Rsp(s)
    }

    /// Sends `cmd` and returns the reply's payload.
    fn ask(&mut self, cmd: &str) -> String {
        let sum = cmd.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        write!(self.0, "${cmd}#{sum:02x}").unwrap();
        let mut reply = Vec::new();
        let mut b = [0u8];
        loop {
            self.0.read_exact(&mut b).unwrap();
            match b[0] {
                b'+' if reply.is_empty() => continue,
                b'#' => break,
                c => reply.push(c),
            }
        }
        let mut sum = [0u8; 2];
        self.0.read_exact(&mut sum).unwrap();
        self.0.write_all(b"+").unwrap();
        // Undo the run-length encoding: `X*N` is X repeated N - 29 more times.
        let mut text = Vec::new();
        let mut i = usize::from(reply.first() == Some(&b'$'));
        while i < reply.len() {
            if reply[i] == b'*' && i + 1 < reply.len() {
                let last = *text.last().unwrap();
                text.extend(std::iter::repeat_n(last, reply[i + 1] as usize - 29));
                i += 2;
            } else {
                text.push(reply[i]);
                i += 1;
            }
        }
        String::from_utf8(text).unwrap()
    }

    /// The pc of the current general-register thread (`g`, register 32).
    fn pc(&mut self) -> u64 {
        let g = self.ask("g");
        let hex = &g[32 * 16..33 * 16];
        u64::from_str_radix(hex, 16).unwrap().swap_bytes()
    }
}

#[test]
fn gdb_protocol_breakpoint_step_memory_threads() {
    let elf = guest("hello");
    let main = symbol(&elf, "guest_main");
    let port = free_port();
    let mut child = gdb_server(&elf, port);
    let mut gdb = Rsp::connect(port);
    assert!(gdb
        .ask("qSupported:swbreak+;hwbreak+;vContSupported+")
        .contains("PacketSize="));
    assert!(gdb.ask("?").starts_with('T'));
    assert_eq!(gdb.ask("qfThreadInfo"), "m01,02,03");
    assert_eq!(gdb.ask("qsThreadInfo"), "l");
    assert_eq!(gdb.ask("Hg1"), "OK");
    // Nothing ran: every hart waits at QEMU's reset vector.
    assert_eq!(gdb.pc(), 0x1000);
    // The target description, read in chunks.
    let mut xml = String::new();
    loop {
        let part = gdb.ask(&format!(
            "qXfer:features:read:target.xml:{:x},400",
            xml.len()
        ));
        xml.push_str(&part[1..]);
        if part.starts_with('l') {
            break;
        }
    }
    assert!(xml.contains("<architecture>riscv:rv64</architecture>"));
    assert!(xml.contains("<reg name=\"ft0\" bitsize=\"64\" type=\"ieee_double\" regnum=\"33\"/>"));
    assert!(xml.contains("<reg name=\"mstatus\" bitsize=\"64\" type=\"int\" regnum=\"833\"/>"));
    assert_eq!(gdb.ask(&format!("Z0,{main:x},2")), "OK");
    let stop = gdb.ask("vCont;c");
    assert!(
        stop.starts_with("T05") && stop.contains("swbreak"),
        "{stop}"
    );
    assert!(
        stop.contains("thread:01;") || stop.contains("thread:1;"),
        "{stop}"
    );
    assert_eq!(gdb.pc(), main);
    // The instruction there, read through hart 0's translation (Bare).
    let m = gdb.ask(&format!("m{main:x},4"));
    assert_eq!(m.len(), 8);
    assert_eq!(
        u8::from_str_radix(&m[..2], 16).unwrap() & 0x7f,
        0x17,
        "auipc: {m}"
    );
    assert_eq!(gdb.ask(&format!("z0,{main:x},2")), "OK");
    let stop = gdb.ask("vCont;s:1");
    assert!(stop.starts_with("T05"), "{stop}");
    assert_eq!(gdb.pc(), main + 4);
    // Hart 1 is a thread of its own, still in the reset ROM or _start.
    assert_eq!(gdb.ask("Hg2"), "OK");
    let pc1 = gdb.pc();
    assert!(pc1 == 0x1000 || pc1 >= 0x8000_0000, "{pc1:#x}");
    assert_eq!(gdb.ask("m1000,4"), "97020000");
    // Continue to the end: the guest powers off with status 0.
    assert_eq!(gdb.ask("vCont;c"), "W00");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, "hello from rvcow\n");
}

fn need_gdb() {
    let ok = Command::new("gdb-multiarch")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "gdb-multiarch is not installed (apt-get install gdb-multiarch)"
    );
}

#[test]
#[ignore = "needs gdb-multiarch"]
fn gdb_multiarch_on_the_bundled_kernel() {
    need_gdb();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(["--gdb", &port.to_string(), "-S"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(
        line,
        format!("rvcow: waiting for gdb on 127.0.0.1:{port}\n")
    );
    let out = Command::new("gdb-multiarch")
        .args(["-batch", "-nx"])
        .args(["-ex", &format!("file {}", images::KERNEL_ELF_PATH)])
        .args(["-ex", &format!("target remote :{port}")])
        .args(["-ex", "break main", "-ex", "c", "-ex", "bt"])
        .args(["-ex", "info threads", "-ex", "p $priv", "-ex", "kill"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Thread 1 hit Breakpoint 1, "), "{text}");
    assert!(text.contains(" kernel::main () at src/main.rs:"), "{text}");
    assert!(text.contains("Thread 1.1 (hart 0 S-mode)"), "{text}");
    assert!(
        text.contains("Thread 1.2 (hart 1 M-mode) 0x0000000000001000 in ?? ()"),
        "{text}"
    );
    assert!(text.contains("$1 = 1\n"), "{text}");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
#[ignore = "needs gdb-multiarch"]
fn gdb_multiarch_session() {
    need_gdb();
    let elf = guest("hello");
    let port = free_port();
    let mut child = gdb_server(&elf, port);
    let started = Instant::now();
    let out = Command::new("gdb-multiarch")
        .args(["-batch", "-nx"])
        .args(["-ex", &format!("file {elf}")])
        .args(["-ex", &format!("target remote :{port}")])
        .args(["-ex", "break guest_main", "-ex", "c", "-ex", "bt"])
        .args([
            "-ex",
            "info threads",
            "-ex",
            "x/4i $pc",
            "-ex",
            "p/x $mhartid",
        ])
        .args(["-ex", "kill"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("hit Breakpoint 1, hello::guest_main () at src/bin/hello.rs"),
        "{text}"
    );
    assert!(text.contains("#0  hello::guest_main ()"), "{text}");
    assert!(text.contains("in _start ()"), "{text}");
    assert!(text.contains("Thread 1.1 (hart 0 M-mode)"), "{text}");
    assert!(text.contains("Thread 1.3 (hart 2 M-mode)"), "{text}");
    assert!(text.contains("=> 0x"), "{text}");
    assert!(text.contains("<hello::guest_main>:\tauipc"), "{text}");
    assert!(text.contains("$1 = 0x0"), "{text}");
    let _ = child.kill();
    let _ = child.wait();
    assert!(started.elapsed() < Duration::from_secs(120));
}
