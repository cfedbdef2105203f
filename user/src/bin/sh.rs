// sh: xv6's shell. Pipes, redirection (< > >>), lists (;), background (&), parentheses,
// and the cd builtin.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use ulib::*;

entry!(main);

const MAXARGS: usize = 10;
const WHITESPACE: &[u8] = b" \t\r\n\x0b";
const SYMBOLS: &[u8] = b"<|>&;()";

/// A parsed command; words are slices of the input line.
enum Cmd<'a> {
    Exec(Vec<&'a [u8]>),
    Redir {
        cmd: Box<Cmd<'a>>,
        file: &'a [u8],
        mode: u32,
        fd: i32,
    },
    Pipe(Box<Cmd<'a>>, Box<Cmd<'a>>),
    List(Box<Cmd<'a>>, Box<Cmd<'a>>),
    Back(Box<Cmd<'a>>),
}

/// Prints s and exits with status 1.
fn panic(s: &str) -> ! {
    fprintf!(2, "%s\n", s);
    exit(1)
}

/// Forks, or panics on failure.
fn fork1() -> i32 {
    let pid = fork();
    if pid == -1 {
        panic("fork");
    }
    pid
}

/// A NUL-terminated copy of a word.
fn cstring(w: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(w.len() + 1);
    v.extend_from_slice(w);
    v.push(0);
    v
}

fn as_cstr(v: &[u8]) -> &CStr {
    CStr::from_bytes_until_nul(v).unwrap_or(c"")
}

/// Executes cmd. Never returns.
fn runcmd(cmd: &Cmd) -> ! {
    match cmd {
        Cmd::Exec(argv) => {
            if argv.is_empty() {
                exit(1);
            }
            let owned: Vec<Vec<u8>> = argv.iter().map(|w| cstring(w)).collect();
            let args: Vec<&CStr> = owned.iter().map(|v| as_cstr(v)).collect();
            exec(args[0], &args);
            fprintf!(2, "exec %s failed\n", args[0]);
        }
        Cmd::Redir {
            cmd,
            file,
            mode,
            fd,
        } => {
            close(*fd);
            let f = cstring(file);
            if open(as_cstr(&f), *mode) < 0 {
                fprintf!(2, "open %s failed\n", *file);
                exit(1);
            }
            runcmd(cmd);
        }
        Cmd::List(left, right) => {
            if fork1() == 0 {
                runcmd(left);
            }
            wait(None);
            runcmd(right);
        }
        Cmd::Pipe(left, right) => {
            let mut p = [0i32; 2];
            if pipe(&mut p) < 0 {
                panic("pipe");
            }
            if fork1() == 0 {
                close(1);
                dup(p[1]);
                close(p[0]);
                close(p[1]);
                runcmd(left);
            }
            if fork1() == 0 {
                close(0);
                dup(p[0]);
                close(p[0]);
                close(p[1]);
                runcmd(right);
            }
            close(p[0]);
            close(p[1]);
            wait(None);
            wait(None);
        }
        Cmd::Back(cmd) => {
            if fork1() == 0 {
                runcmd(cmd);
            }
        }
    }
    exit(0)
}

/// Prints the prompt and reads a line into buf; None at end of input.
fn getcmd(buf: &mut [u8]) -> Option<usize> {
    fprintf!(2, "$ ");
    buf.fill(0);
    let n = gets(buf).len();
    if buf[0] == 0 {
        return None;
    }
    Some(n)
}

fn main(_args: Args) -> i32 {
    let mut buf = [0u8; 100];

    // Ensure that three file descriptors are open.
    loop {
        let fd = open(c"console", O_RDWR);
        if fd < 0 {
            break;
        }
        if fd >= 3 {
            close(fd);
            break;
        }
    }

    // Read and run input commands.
    while let Some(n) = getcmd(&mut buf) {
        if buf.starts_with(b"cd ") {
            // Chdir must be called by the parent, not the child.
            buf[n - 1] = 0; // chop \n
            let dir = as_cstr(&buf[3..]);
            if chdir(dir) < 0 {
                fprintf!(2, "cannot cd %s\n", dir);
            }
            continue;
        }
        if fork1() == 0 {
            let line = strbytes(&buf);
            runcmd(&parsecmd(line));
        }
        wait(None);
    }
    0
}

// Parsing.

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    /// The byte at the cursor, 0 at the end (as C's NUL).
    fn cur(&self) -> u8 {
        self.s.get(self.pos).copied().unwrap_or(0)
    }

    fn skip_white(&mut self) {
        while self.pos < self.s.len() && WHITESPACE.contains(&self.s[self.pos]) {
            self.pos += 1;
        }
    }

    /// Consumes one token: returns its kind (a symbol, '+' for >>, 'a' for a word,
    /// 0 at the end) and its text.
    fn gettoken(&mut self) -> (u8, &'a [u8]) {
        self.skip_white();
        let start = self.pos;
        let mut ret = self.cur();
        match ret {
            0 => {}
            b'|' | b'(' | b')' | b';' | b'&' | b'<' => self.pos += 1,
            b'>' => {
                self.pos += 1;
                if self.cur() == b'>' {
                    ret = b'+';
                    self.pos += 1;
                }
            }
            _ => {
                ret = b'a';
                while self.pos < self.s.len()
                    && !WHITESPACE.contains(&self.cur())
                    && !SYMBOLS.contains(&self.cur())
                {
                    self.pos += 1;
                }
            }
        }
        let tok = &self.s[start..self.pos];
        self.skip_white();
        (ret, tok)
    }

    /// Skips whitespace; true when the next byte is one of toks.
    fn peek(&mut self, toks: &[u8]) -> bool {
        self.skip_white();
        let c = self.cur();
        c != 0 && toks.contains(&c)
    }

    fn parseline(&mut self) -> Cmd<'a> {
        let mut cmd = self.parsepipe();
        while self.peek(b"&") {
            self.gettoken();
            cmd = Cmd::Back(Box::new(cmd));
        }
        if self.peek(b";") {
            self.gettoken();
            cmd = Cmd::List(Box::new(cmd), Box::new(self.parseline()));
        }
        cmd
    }

    fn parsepipe(&mut self) -> Cmd<'a> {
        let mut cmd = self.parseexec();
        if self.peek(b"|") {
            self.gettoken();
            cmd = Cmd::Pipe(Box::new(cmd), Box::new(self.parsepipe()));
        }
        cmd
    }

    /// Parses redirections (< > >>) into redirs, in order.
    fn parseredirs(&mut self, redirs: &mut Vec<Redir<'a>>) {
        while self.peek(b"<>") {
            let (tok, _) = self.gettoken();
            let (kind, file) = self.gettoken();
            if kind != b'a' {
                panic("missing file for redirection");
            }
            let (mode, fd) = match tok {
                b'<' => (O_RDONLY, 0),
                b'>' => (O_WRONLY | O_CREATE | O_TRUNC, 1),
                _ => (O_WRONLY | O_CREATE, 1), // >>
            };
            redirs.push(Redir { file, mode, fd });
        }
    }

    fn parseblock(&mut self) -> Cmd<'a> {
        if !self.peek(b"(") {
            panic("parseblock");
        }
        self.gettoken();
        let cmd = self.parseline();
        if !self.peek(b")") {
            panic("syntax - missing )");
        }
        self.gettoken();
        let mut redirs = Vec::new();
        self.parseredirs(&mut redirs);
        wrap(cmd, redirs)
    }

    fn parseexec(&mut self) -> Cmd<'a> {
        if self.peek(b"(") {
            return self.parseblock();
        }
        let mut argv = Vec::new();
        let mut redirs = Vec::new();
        self.parseredirs(&mut redirs);
        while !self.peek(b"|)&;") {
            let (tok, word) = self.gettoken();
            if tok == 0 {
                break;
            }
            if tok != b'a' {
                panic("syntax");
            }
            argv.push(word);
            if argv.len() >= MAXARGS {
                panic("too many args");
            }
            self.parseredirs(&mut redirs);
        }
        wrap(Cmd::Exec(argv), redirs)
    }
}

/// One redirection: open file with mode as fd.
struct Redir<'a> {
    file: &'a [u8],
    mode: u32,
    fd: i32,
}

/// Wraps cmd in its redirections, the first parsed innermost (as xv6 nests them).
fn wrap<'a>(cmd: Cmd<'a>, redirs: Vec<Redir<'a>>) -> Cmd<'a> {
    redirs.into_iter().fold(cmd, |cmd, r| Cmd::Redir {
        cmd: Box::new(cmd),
        file: r.file,
        mode: r.mode,
        fd: r.fd,
    })
}

/// Parses a whole line; prints the leftovers and panics on a syntax error.
fn parsecmd(s: &[u8]) -> Cmd<'_> {
    let mut p = Parser { s, pos: 0 };
    let cmd = p.parseline();
    p.peek(b"");
    if p.pos != s.len() {
        fprintf!(2, "leftovers: %s\n", &s[p.pos..]);
        panic("syntax");
    }
    cmd
}
