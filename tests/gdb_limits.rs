// The run's limits (--max-insns, --timeout, --expect) hold under --gdb, with
// or without gdb attached; --gdb 0 names the port it bound; bad packets are
// refused without ending the session.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

fn guest(name: &str) -> String {
    images::guest(name).to_str().unwrap().to_string()
}

/// `rvcow ARGS --gdb 0`, once it listens; its port.
fn serve(args: &[&str]) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args(args)
        .args(["--gdb", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let port = line
        .strip_prefix("rvcow: waiting for gdb on 127.0.0.1:")
        .and_then(|p| p.trim().parse::<u16>().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert_ne!(port, 0);
    // Hand the rest of stderr back for the test to read.
    child.stderr = None;
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
        eprint!("{rest}");
    });
    (child, port)
}

fn finish(mut child: Child) -> Output {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "rvcow hangs");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends one packet and returns the reply's payload.
fn ask(s: &mut TcpStream, cmd: &str) -> String {
    let sum = cmd.bytes().fold(0u8, |a, b| a.wrapping_add(b));
    write!(s, "${cmd}#{sum:02x}").unwrap();
    let mut reply = Vec::new();
    let mut b = [0u8];
    loop {
        s.read_exact(&mut b).unwrap();
        match b[0] {
            b'+' if reply.is_empty() => continue,
            b'$' if reply.is_empty() => continue,
            b'#' => break,
            c => reply.push(c),
        }
    }
    let mut sum = [0u8; 2];
    s.read_exact(&mut sum).unwrap();
    s.write_all(b"+").unwrap();
    // Undo the run-length encoding: `X*N` is X repeated N - 29 more times.
    let mut text = Vec::new();
    let mut i = 0;
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

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s
}

#[test]
fn limits_hold_without_a_client() {
    // The guest runs while no gdb is attached; the limit ends it.
    let (child, _) = serve(&[&guest("hello"), "--max-insns", "100", "--history", "0"]);
    let out = finish(child);
    assert_eq!(out.status.code(), Some(124));
    // With -S nothing runs, but the wall-time limit still holds.
    let started = Instant::now();
    let (child, _) = serve(&[&guest("hello"), "-S", "--timeout", "0.5", "--history", "0"]);
    let out = finish(child);
    assert_eq!(out.status.code(), Some(124));
    assert!(started.elapsed() >= Duration::from_millis(500));
    // --expect ends the run as without gdb.
    let (child, _) = serve(&[&guest("hello"), "--expect", "from rvcow"]);
    let out = finish(child);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from rvcow\n");
}

#[test]
fn limits_hold_with_a_client() {
    // Continuing runs into the instruction limit: gdb sees the run end.
    let (child, port) = serve(&[
        &guest("hello"),
        "-S",
        "--max-insns",
        "100",
        "--history",
        "0",
    ]);
    let mut gdb = connect(port);
    assert!(ask(&mut gdb, "?").starts_with('T'));
    assert_eq!(ask(&mut gdb, "vCont;c"), "W7c");
    let out = finish(child);
    assert_eq!(out.status.code(), Some(124));
    // A machine gdb holds stopped still ends at the timeout.
    let (child, port) = serve(&[&guest("hello"), "-S", "--timeout", "1", "--history", "0"]);
    let mut gdb = connect(port);
    assert!(ask(&mut gdb, "?").starts_with('T'));
    let out = finish(child);
    assert_eq!(out.status.code(), Some(124));
}

#[test]
fn bad_checksums_are_refused_and_reads_cut_to_one_reply() {
    let (child, port) = serve(&[&guest("hello"), "-S", "--history", "0"]);
    let mut gdb = connect(port);
    // A bad checksum gets `-` and the session goes on.
    gdb.write_all(b"$?#00").unwrap();
    let mut b = [0u8];
    gdb.read_exact(&mut b).unwrap();
    assert_eq!(b[0], b'-');
    assert!(ask(&mut gdb, "?").starts_with('T'));
    // A read of 4 GiB gets one reply's worth (4 KiB), not a stream of 8 GiB.
    let m = ask(&mut gdb, "m80000000,ffffffff");
    assert_eq!(m.len(), 2 * 0x1000);
    assert_eq!(ask(&mut gdb, "vCont;c"), "W00");
    let out = finish(child);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn run_types_commands_under_gdb() {
    // The bundled xv6 with no gdb attached: --run types at the prompt and
    // --expect sees the command's output (not its echo).
    let (child, _) = serve(&["--run", "echo gdb run", "--expect", "\ngdb run\n"]);
    let out = finish(child);
    assert_eq!(out.status.code(), Some(0));
    let console = String::from_utf8_lossy(&out.stdout);
    assert!(console.contains("$ echo gdb run\ngdb run\n"), "{console}");
}

#[test]
fn a_session_gdb_cannot_parse_still_writes_the_disk() {
    // With --cache unsafe the writes wait in memory for the end of the run:
    // a session that ends on a packet gdbstub cannot parse must still write
    // them back before its one-line error.
    let dir = common::dumped_image("gdb-unsafe");
    let img = dir.join("fs.img");
    let img = img.to_str().unwrap();
    let (mut child, port) = serve(&[
        "--drive",
        img,
        "--cache",
        "unsafe",
        "--run",
        "echo hi > f",
        "--max-insns",
        "2000000000",
        "--history",
        "0",
    ]);
    // Wait for the shell's prompt after the command.
    let mut out = child.stdout.take().unwrap();
    let mut console = String::new();
    common::read_until(&mut out, &mut console, |c| c.contains("$ echo hi > f\n$ "));
    let mut s = connect(port);
    // An `m` packet without its length: gdbstub cannot parse it.
    s.write_all(b"$m0#9d").unwrap();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(1));
    let bytes = std::fs::read(img).unwrap();
    let image = images::fsck::Image::parse(&bytes).unwrap();
    assert_eq!(image.read_file("/f").unwrap(), b"hi\n");
}
