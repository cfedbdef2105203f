// Fuzz target `gdb`: random and mutated remote-protocol packets to
// `rvcow --gdb` over TCP. Each packet gets an answer (a reply, or a NAK
// for a bad checksum) or ends the session cleanly (kill, detach, the guest
// powering off, or one line for a packet gdbstub cannot parse); never a
// panic, never a hang. RVCOW_FUZZ_CASES and
// RVCOW_FUZZ_SEED choose the cases.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

mod common;
use common::cases_and_seed;

/// A gdb server on the hello guest, its connection and its stderr.
struct Server {
    child: Child,
    conn: TcpStream,
    stderr: JoinHandle<String>,
}

fn start() -> Server {
    let hello = images::guest("hello");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .arg(hello)
        .args([
            "--gdb",
            "0",
            "-S",
            "--max-insns",
            "2000000",
            "--history",
            "0",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    let stderr = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
        rest
    });
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    conn.set_nodelay(true).unwrap();
    Server {
        child,
        conn,
        stderr,
    }
}

/// Waits for the server to exit; asserts it did without a panic, and
/// with one line when it ended on an error. Returns that line.
fn stop(mut s: Server, what: &str) -> Option<String> {
    drop(s.conn);
    let started = Instant::now();
    while s.child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what}: rvcow does not exit"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = s.child.wait().unwrap();
    let err = s.stderr.join().unwrap();
    assert!(!err.contains("panicked"), "{what}: {err}");
    let code = status
        .code()
        .unwrap_or_else(|| panic!("{what}: killed: {err}"));
    assert_ne!(code, 101, "{what}: {err}");
    let line = err.lines().find(|l| l.starts_with("rvcow: --gdb "))?;
    assert_eq!((code, err.lines().count()), (1, 1), "{what}: {err}");
    Some(line.to_string())
}

/// Up to `max` random bytes in hex.
fn hex(rng: &mut fastrand::Rng, max: usize) -> String {
    let n = rng.usize(..=max);
    (0..n).map(|_| format!("{:02x}", rng.u8(..))).collect()
}

fn addr(rng: &mut fastrand::Rng) -> String {
    let a = match rng.u8(..5) {
        0 => rng.u64(..),
        1 => 0x1000 + rng.u64(..0x100),
        2 => 0x8000_0000 + rng.u64(..0x10000),
        3 => 0x87ff_fff0 + rng.u64(..0x20),
        _ => rng.u64(..16),
    };
    format!("{a:x}")
}

fn len(rng: &mut fastrand::Rng) -> String {
    let n = match rng.u8(..4) {
        0 => 0,
        1 => rng.u64(..),
        2 => 0xffff_ffff,
        _ => rng.u64(1..64),
    };
    format!("{n:x}")
}

fn tid(rng: &mut fastrand::Rng) -> String {
    [
        "-1", "0", "1", "2", "3", "4", "ffffffff", "p1.1", "p1.-1", "zz",
    ][rng.usize(..10)]
    .to_string()
}

/// A packet payload from gdb's vocabulary with random arguments; run
/// control (continue, step, kill, detach) now and then.
fn packet(rng: &mut fastrand::Rng) -> String {
    let control = rng.u8(..50) == 0;
    if control {
        let t = tid(rng);
        return match rng.u8(..7) {
            0 => "c".into(),
            1 => "s".into(),
            2 => format!("vCont;s:{t}"),
            3 => format!("vCont;c:{t}"),
            4 => "k".into(),
            5 => "D".into(),
            _ => "vKill;1".into(),
        };
    }
    match rng.u8(..24) {
        0 => "?".into(),
        1 => "g".into(),
        2 => format!("G{}", hex(rng, 700)),
        3 => format!("p{:x}", rng.u64(..5000)),
        4 => format!("P{:x}={}", rng.u64(..5000), hex(rng, 12)),
        5 => format!("m{},{}", addr(rng), len(rng)),
        6 => {
            let data = hex(rng, 32);
            format!("M{},{:x}:{data}", addr(rng), data.len() / 2)
        }
        7 => format!("X{},{}:{}", addr(rng), len(rng), hex(rng, 4)),
        8 => format!("Z{},{},{}", rng.u8(..6), addr(rng), len(rng)),
        9 => format!("z{},{},{}", rng.u8(..6), addr(rng), len(rng)),
        10 => format!("Hg{}", tid(rng)),
        11 => format!("Hc{}", tid(rng)),
        12 => format!("T{}", tid(rng)),
        13 => "qC".into(),
        14 => "qfThreadInfo".into(),
        15 => "qsThreadInfo".into(),
        16 => "qAttached".into(),
        17 => "qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+".into(),
        18 => format!("qXfer:features:read:target.xml:{},{}", len(rng), len(rng)),
        19 => format!("qThreadExtraInfo,{}", tid(rng)),
        20 => format!("qRcmd,{}", hex(rng, 8)),
        21 => "vCont?".into(),
        22 => "vMustReplyEmpty".into(),
        _ => {
            let n = rng.usize(..40);
            (0..n)
                .map(|_| rng.u8(32..127) as char)
                .filter(|c| !matches!(c, '$' | '#' | '}'))
                .collect()
        }
    }
}

/// Mutates a payload now and then: random bytes changed, inserted or
/// removed (never the framing characters `$`, `#` and `}`).
fn mutate(rng: &mut fastrand::Rng, p: String) -> Vec<u8> {
    let mut v = p.into_bytes();
    if rng.u8(..4) != 0 {
        return v;
    }
    let byte = |rng: &mut fastrand::Rng| loop {
        let b = rng.u8(..);
        if !matches!(b, b'$' | b'#' | b'}') {
            return b;
        }
    };
    for _ in 0..rng.usize(1..4) {
        let at = rng.usize(..=v.len());
        match rng.u8(..3) {
            0 if at < v.len() => v[at] = byte(rng),
            1 => v.insert(at, byte(rng)),
            _ => v.truncate(at),
        }
    }
    v
}

/// What the server did with a packet.
enum Answer {
    Reply(Vec<u8>),
    Nak,
    /// The connection closed: the session is over.
    Closed,
}

/// Reads the answer to a packet: `+` then a reply packet, or `-`.
fn answer(conn: &mut TcpStream, what: &str) -> Answer {
    let mut b = [0u8];
    let mut reply = Vec::new();
    let mut inside = false;
    loop {
        match conn.read(&mut b) {
            Ok(0) => return Answer::Closed,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Answer::Closed,
            Err(e) => panic!("{what}: no answer: {e}"),
        }
        match (inside, b[0]) {
            (false, b'+') => {}
            (false, b'-') => return Answer::Nak,
            (false, b'$') => inside = true,
            (false, _) => {}
            (true, b'#') => {
                let mut sum = [0u8; 2];
                conn.read_exact(&mut sum).unwrap();
                let _ = conn.write_all(b"+");
                return Answer::Reply(reply);
            }
            (true, c) => reply.push(c),
        }
    }
}

#[test]
fn fuzz_gdb() {
    let (cases, seed) = cases_and_seed(1000);
    println!("fuzz gdb: {cases} cases, seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut server = start();
    let (mut replies, mut naks, mut sessions) = (0, 0, 1);
    let mut errors = std::collections::BTreeMap::new();
    for case in 0..cases {
        let payload = packet(&mut rng);
        let payload = mutate(&mut rng, payload);
        let good = rng.u8(..10) != 0;
        let sum = payload.iter().fold(0u8, |a, b| a.wrapping_add(*b));
        let sum = if good { sum } else { sum.wrapping_add(1) };
        let mut frame = vec![b'$'];
        frame.extend_from_slice(&payload);
        frame.extend_from_slice(format!("#{sum:02x}").as_bytes());
        let what = format!(
            "case {case} (seed {seed}): {}",
            String::from_utf8_lossy(&frame)
        );
        let sent = server.conn.write_all(&frame);
        let ended = match sent.map(|_| answer(&mut server.conn, &what)) {
            Ok(Answer::Reply(r)) => {
                assert!(good, "{what}: a reply for a bad checksum");
                replies += 1;
                // A stop reply for an exit or a detach's OK ends the session.
                matches!(r.first(), Some(b'W' | b'X')) || payload == b"D"
            }
            Ok(Answer::Nak) => {
                assert!(!good, "{what}: NAK for a good checksum");
                naks += 1;
                false
            }
            Ok(Answer::Closed) | Err(_) => true,
        };
        if ended {
            if let Some(line) = stop(server, &what) {
                // The kind of error, without its details.
                let kind = line.split("session ended: ").nth(1).unwrap_or(&line);
                let kind = kind
                    .split([':', '{', '('])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                *errors.entry(kind).or_insert(0) += 1;
            }
            server = start();
            sessions += 1;
        }
    }
    stop(server, "last session");
    println!("fuzz gdb: {replies} replies, {naks} NAKs, {sessions} sessions; sessions ended by an error: {errors:?}");
}
