// The console session: runs the machine, copies its console to stdout, types
// `--run` commands at each prompt, watches for `--expect`, and enforces limits.

use emulator::devices::Finish;
use emulator::machine::{Event, Machine};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Instructions per `Machine::run` call between looks at the console.
const CHUNK: u64 = 2_000_000;
/// Instructions a panicking kernel gets to finish printing its backtrace.
const PANIC_GRACE: u64 = 20_000_000;
/// Ctrl-A, the escape key of the console (as QEMU's).
const CTRL_A: u8 = 0x01;

pub struct SessionConfig {
    /// Lines to type, one at each prompt.
    pub commands: Vec<String>,
    /// Text whose appearance ends the run with success.
    pub expect: Option<String>,
    /// The prompt `commands` wait for.
    pub prompt: String,
    /// Wall-time limit.
    pub timeout: Option<Duration>,
    /// Instruction limit (all harts).
    pub max_insns: Option<u64>,
    /// Forward the host's stdin to the guest.
    pub stdin: bool,
    /// A failure outside the machine (a trace that cannot be written): once
    /// set, the run ends with it.
    pub failed: Arc<OnceLock<String>>,
    /// End the run when the guest resets (QEMU's `-no-reboot`).
    pub no_reboot: bool,
    /// Set by a signal handler: the run ends with [`Outcome::Stopped`].
    pub stop: Arc<AtomicBool>,
}

/// How a session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The guest powered off with this status.
    Exit(u8),
    /// `--expect` matched.
    Matched,
    /// The guest kernel panicked: its `panic: ` line and the return addresses
    /// of the backtrace it printed.
    Panic { line: String, backtrace: Vec<u64> },
    /// The guest failed in a way that has no status of its own (a hang).
    Failed(String),
    /// The time or instruction limit ran out.
    Limit(String),
    /// The stop flag was set (the host asked rvcow to stop).
    Stopped,
}

pub struct Session {
    cfg: SessionConfig,
    /// Bytes to type, fed as fast as the UART's FIFO drains.
    input: VecDeque<u8>,
    next_command: usize,
    /// Console output since the last command was typed (for the prompt).
    since_command: Vec<u8>,
    /// The end of the console output (for --expect).
    tail: Vec<u8>,
    stdin: Option<Receiver<u8>>,
    escape: bool,
    /// The first line of a kernel panic, and the instruction count it appeared at.
    panic: Option<(String, u64)>,
    /// When the session started (for `--timeout`).
    started: Instant,
}

impl Session {
    pub fn new(cfg: SessionConfig) -> Session {
        let stdin = cfg.stdin.then(spawn_stdin_reader);
        Session {
            cfg,
            input: VecDeque::new(),
            next_command: 0,
            since_command: Vec::new(),
            tail: Vec::new(),
            stdin,
            escape: false,
            panic: None,
            started: Instant::now(),
        }
    }

    /// Runs `m` until the guest powers off, `--expect` matches, or a limit ends it.
    pub fn run(mut self, m: &mut Machine) -> Outcome {
        m.set_insn_limit(self.cfg.max_insns);
        loop {
            self.feed(m);
            let mut chunk = CHUNK;
            if let Some(max) = self.cfg.max_insns {
                chunk = chunk.min(max.saturating_sub(m.executed)).max(1);
            }
            let event = m.run(chunk);
            if let Some(done) = self.after(m, Some(event)) {
                return done;
            }
        }
    }

    /// Types pending input as fast as the UART's FIFO drains.
    pub fn feed(&mut self, m: &mut Machine) {
        while let Some(&b) = self.input.front() {
            if !m.push_input(b) {
                break;
            }
            self.input.pop_front();
        }
    }

    /// After a run of `m` that ended with `event` (None: a debugger stopped
    /// it): copies the console out, looks at how the guest ended, reads host
    /// input and checks the limits. The outcome when the session is over.
    pub fn after(&mut self, m: &mut Machine, event: Option<Event>) -> Option<Outcome> {
        let out = m.take_output();
        if !out.is_empty() {
            let mut stdout = std::io::stdout();
            let _ = stdout.write_all(&out);
            let _ = stdout.flush();
            if let Some(done) = self.observe(&out, m.executed) {
                return Some(done);
            }
        }
        match event {
            Some(Event::Finished(Finish::Pass)) => return Some(self.powered_off(0)),
            Some(Event::Finished(Finish::Fail(code))) => return Some(self.powered_off(code as u8)),
            Some(Event::Tohost(code)) => {
                return Some(self.powered_off(if code == 0 { 0 } else { (code as u8).max(1) }))
            }
            Some(Event::Deadlock) => {
                if let Some(done) = self.wait_for_input(None) {
                    return Some(done);
                }
            }
            Some(Event::Idle) => {
                if self.stdin.is_some() && self.input.is_empty() {
                    if let Some(done) = self.wait_for_input(Some(Duration::from_millis(10))) {
                        return Some(done);
                    }
                }
            }
            Some(Event::Finished(Finish::Reset)) if self.cfg.no_reboot => {
                return Some(Outcome::Exit(0))
            }
            Some(Event::Finished(Finish::Reset) | Event::Budget) | None => {}
        }
        if let Some(done) = self.poll_stdin() {
            return Some(done);
        }
        if self.cfg.stop.load(Ordering::Relaxed) {
            return Some(Outcome::Stopped);
        }
        if let Some((_, at)) = &self.panic {
            if m.executed >= at + PANIC_GRACE {
                return self.panicked();
            }
        }
        if let Some(msg) = self.cfg.failed.get() {
            return Some(Outcome::Failed(msg.clone()));
        }
        if m.harts.iter().any(|h| h.halted()) {
            return Some(Outcome::Failed("a hart halted".into()));
        }
        self.limit(m)
    }

    /// The limit outcome once `--max-insns` or `--timeout` ran out.
    fn limit(&self, m: &Machine) -> Option<Outcome> {
        if let Some(max) = self.cfg.max_insns {
            if m.executed >= max {
                return Some(Outcome::Limit(format!(
                    "instruction limit of {max} reached{}",
                    self.waiting_for()
                )));
            }
        }
        let t = self.cfg.timeout?;
        (self.started.elapsed() >= t).then(|| {
            Outcome::Limit(format!(
                "timeout after {} s{}",
                t.as_secs_f64(),
                self.waiting_for()
            ))
        })
    }

    /// When `--timeout` runs out, if it is set.
    pub fn deadline(&self) -> Option<Instant> {
        self.started.checked_add(self.cfg.timeout?)
    }

    /// Looks at new console output: --expect, the prompt, kernel panics.
    fn observe(&mut self, out: &[u8], retired: u64) -> Option<Outcome> {
        self.since_command.extend_from_slice(out);
        self.tail.extend_from_slice(out);
        if let Some(pat) = &self.cfg.expect {
            if contains(&self.tail, pat.as_bytes()) {
                return Some(Outcome::Matched);
            }
        }
        if self.panic.is_none() {
            if let Some(line) = find_panic(&self.tail) {
                self.panic = Some((line, retired));
            }
        }
        let keep = 4096 + self.cfg.expect.as_ref().map_or(0, String::len);
        if self.tail.len() > 2 * keep {
            self.tail.drain(..self.tail.len() - keep);
        }
        if self.next_command < self.cfg.commands.len()
            && self.input.is_empty()
            && ends_with_prompt(&self.since_command, self.cfg.prompt.as_bytes())
        {
            let cmd = &self.cfg.commands[self.next_command];
            self.next_command += 1;
            self.input.extend(cmd.bytes().chain(std::iter::once(b'\n')));
            self.since_command.clear();
        }
        None
    }

    /// The panic seen on the console, with the backtrace printed after it.
    fn panicked(&self) -> Option<Outcome> {
        let (line, _) = self.panic.as_ref()?;
        let text = String::from_utf8_lossy(&self.tail);
        let after = text.rsplit_once(line.as_str()).map_or("", |(_, rest)| rest);
        let backtrace = after
            .lines()
            .skip_while(|l| l.trim() != "backtrace:")
            .skip(1)
            .map_while(|l| u64::from_str_radix(l.trim().strip_prefix("0x")?, 16).ok())
            .collect();
        Some(Outcome::Panic {
            line: line.clone(),
            backtrace,
        })
    }

    fn powered_off(&self, code: u8) -> Outcome {
        if let Some(p) = self.panicked() {
            return p;
        }
        match &self.cfg.expect {
            Some(pat) => Outcome::Failed(format!(
                "guest powered off (status {code}) before '{pat}' appeared"
            )),
            None => Outcome::Exit(code),
        }
    }

    fn waiting_for(&self) -> String {
        match &self.cfg.expect {
            Some(pat) => format!(" before '{pat}' appeared"),
            None => String::new(),
        }
    }

    /// Every hart sleeps: wait for a host key (up to `limit`), or give up when
    /// no input can ever come.
    fn wait_for_input(&mut self, limit: Option<Duration>) -> Option<Outcome> {
        if !self.input.is_empty() {
            return None;
        }
        let Some(rx) = &self.stdin else {
            return match limit {
                Some(_) => None,
                None if self.panic.is_some() => self.panicked(),
                None => Some(Outcome::Failed(format!(
                    "every hart waits in WFI with no timer armed and no input to come{}",
                    self.waiting_for()
                ))),
            };
        };
        // A wait without limit still wakes up now and then, for the stop flag.
        let got = rx
            .recv_timeout(limit.unwrap_or(Duration::from_millis(50)))
            .map_err(|e| e == RecvTimeoutError::Disconnected);
        match got {
            Ok(b) => self.key(b),
            Err(true) => {
                self.stdin = None;
                if limit.is_none() {
                    return self.wait_for_input(None);
                }
                None
            }
            Err(false) => None,
        }
    }

    fn poll_stdin(&mut self) -> Option<Outcome> {
        loop {
            let Some(rx) = &self.stdin else { return None };
            match rx.try_recv() {
                Ok(b) => {
                    if let Some(done) = self.key(b) {
                        return Some(done);
                    }
                }
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => self.stdin = None,
            }
        }
    }

    /// One byte from the host: Ctrl-A escapes (X quits, H helps, A sends
    /// Ctrl-A), anything else goes to the guest.
    fn key(&mut self, b: u8) -> Option<Outcome> {
        if self.escape {
            self.escape = false;
            match b {
                b'x' | b'X' => {
                    eprintln!("\r\nrvcow: terminated (Ctrl-A X)\r");
                    return Some(Outcome::Exit(0));
                }
                b'h' | b'H' => eprint!("\r\nC-a h    print this help\r\nC-a x    exit emulator\r\nC-a c    reserved for the monitor\r\nC-a C-a  send C-a\r\n"),
                CTRL_A | b'a' => self.input.push_back(CTRL_A),
                _ => {}
            }
            return None;
        }
        if b == CTRL_A {
            self.escape = true;
        } else {
            self.input.push_back(b);
        }
        None
    }
}

fn spawn_stdin_reader() -> Receiver<u8> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin().lock();
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 || buf[..n].iter().any(|&b| tx.send(b).is_err()) {
                break;
            }
        }
    });
    rx
}

/// Whether `text` ends with `prompt`, ignoring terminal control sequences
/// after it (busybox's line editor asks for the cursor position, `ESC [ 6 n`,
/// right after printing its prompt).
fn ends_with_prompt(text: &[u8], prompt: &[u8]) -> bool {
    let mut t = text;
    loop {
        if t.ends_with(prompt) {
            return true;
        }
        // Strip one trailing CSI sequence: ESC '[' parameters, a final byte.
        let Some(esc) = t.iter().rposition(|&b| b == 0x1b) else {
            return false;
        };
        let seq = &t[esc + 1..];
        let csi = seq.len() >= 2
            && seq[0] == b'['
            && seq[1..seq.len() - 1]
                .iter()
                .all(|b| b.is_ascii_digit() || *b == b';' || *b == b'?')
            && seq[seq.len() - 1].is_ascii_alphabetic();
        if !csi {
            return false;
        }
        t = &t[..esc];
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The line of a kernel panic message (`panic: ...` at the start of a line).
fn find_panic(text: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(text);
    let line = s.lines().find(|l| l.starts_with("panic: "))?;
    Some(line.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_prompt_followed_by_a_cursor_query_is_a_prompt() {
        use super::ends_with_prompt;
        assert!(ends_with_prompt(b"\n~ # ", b"# "));
        assert!(ends_with_prompt(b"\n~ # \x1b[6n", b"# "));
        assert!(ends_with_prompt(b"\n~ # \x1b[6n\x1b[1;5H", b"# "));
        assert!(!ends_with_prompt(b"\n~ # ls\x1b[6n", b"# "));
        assert!(!ends_with_prompt(b"\n~ # \x1b[6", b"# "));
        assert!(!ends_with_prompt(b"\x1b", b"# "));
    }

    use super::*;

    fn session(commands: &[&str], expect: Option<&str>) -> Session {
        Session::new(SessionConfig {
            commands: commands.iter().map(|s| s.to_string()).collect(),
            expect: expect.map(str::to_string),
            prompt: "$ ".into(),
            timeout: None,
            max_insns: None,
            failed: Arc::default(),
            stdin: false,
            no_reboot: false,
            stop: Arc::default(),
        })
    }

    #[test]
    fn types_one_command_per_prompt() {
        let mut s = session(&["ls", "echo hi"], None);
        assert_eq!(s.observe(b"init: starting sh\n", 0), None);
        assert!(s.input.is_empty());
        s.observe(b"$ ", 0);
        assert_eq!(s.input.iter().copied().collect::<Vec<_>>(), b"ls\n");
        // The echo of the command and its output are not a prompt.
        s.input.clear();
        s.observe(b"ls\nREADME 2 2 1024\n", 0);
        assert!(s.input.is_empty());
        s.observe(b"$ ", 0);
        assert_eq!(s.input.iter().copied().collect::<Vec<_>>(), b"echo hi\n");
        s.input.clear();
        s.observe(b"echo hi\nhi\n$ ", 0);
        assert!(s.input.is_empty());
    }

    #[test]
    fn expect_matches_across_chunks_and_panics_are_seen() {
        let mut s = session(&[], Some("ALL TESTS PASSED"));
        assert_eq!(s.observe(b"ALL TESTS PA", 0), None);
        assert_eq!(s.observe(b"SSED\n", 0), Some(Outcome::Matched));
        let mut s = session(&[], Some("never"));
        s.observe(b"hart 1 starting\npanic: kfree\nbacktrace:\n", 7);
        assert_eq!(s.panic, Some(("panic: kfree".to_string(), 7)));
        assert_eq!(
            s.powered_off(3),
            Outcome::Panic {
                line: "panic: kfree".into(),
                backtrace: vec![]
            }
        );
        s.observe(b"0x80001234\n0x80005678\n$ not an address\n", 9);
        assert_eq!(
            s.powered_off(3),
            Outcome::Panic {
                line: "panic: kfree".into(),
                backtrace: vec![0x8000_1234, 0x8000_5678]
            }
        );
        let s = session(&[], Some("x"));
        assert_eq!(
            s.powered_off(0),
            Outcome::Failed("guest powered off (status 0) before 'x' appeared".into())
        );
        assert_eq!(session(&[], None).powered_off(42), Outcome::Exit(42));
    }

    #[test]
    fn ctrl_a_escapes() {
        let mut s = session(&[], None);
        assert_eq!(s.key(b'l'), None);
        assert_eq!(s.key(CTRL_A), None);
        assert_eq!(s.key(CTRL_A), None);
        assert_eq!(
            s.input.iter().copied().collect::<Vec<_>>(),
            vec![b'l', CTRL_A]
        );
        assert_eq!(s.key(CTRL_A), None);
        assert_eq!(s.key(b'x'), Some(Outcome::Exit(0)));
    }
}
