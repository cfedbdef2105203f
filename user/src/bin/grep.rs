// grep: print lines matching a pattern. Only supports ^ . * $ operators.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn grep(pattern: &[u8], fd: i32) {
    let mut buf = [0u8; 1024];
    let mut m = 0;
    loop {
        let room = buf.len() - m - 1;
        let n = read(fd, &mut buf[m..m + room]);
        if n <= 0 {
            break;
        }
        m += n as usize;
        let mut p = 0;
        while let Some(q) = buf[p..m].iter().position(|&c| c == b'\n') {
            let line = &buf[p..p + q];
            if matches(pattern, line) {
                write(1, &buf[p..=p + q]);
            }
            p += q + 1;
        }
        buf.copy_within(p..m, 0);
        m -= p;
    }
}

fn main(args: Args) -> i32 {
    if args.len() <= 1 {
        fprintf!(2, "usage: grep pattern [file ...]\n");
        exit(1);
    }
    let pattern = args.arg(1);
    if args.len() <= 2 {
        grep(pattern, 0);
        return 0;
    }
    for a in args.iter().skip(2) {
        let fd = open(a, O_RDONLY);
        if fd < 0 {
            printf!("grep: cannot open %s\n", a);
            exit(1);
        }
        grep(pattern, fd);
        close(fd);
    }
    0
}

// Regexp matcher from Kernighan & Pike, The Practice of Programming, chapter 9.
// Strings end at their slice end, as the C ones end at NUL.

fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// True when re matches somewhere in text.
fn matches(re: &[u8], text: &[u8]) -> bool {
    if at(re, 0) == b'^' {
        return matchhere(&re[1..], text);
    }
    // Must look at the empty string too.
    (0..=text.len()).any(|i| matchhere(re, &text[i..]))
}

/// True when re matches at the beginning of text.
fn matchhere(re: &[u8], text: &[u8]) -> bool {
    if re.is_empty() {
        return true;
    }
    if at(re, 1) == b'*' {
        return matchstar(re[0], &re[2..], text);
    }
    if re[0] == b'$' && re.len() == 1 {
        return text.is_empty();
    }
    if !text.is_empty() && (re[0] == b'.' || re[0] == text[0]) {
        return matchhere(&re[1..], &text[1..]);
    }
    false
}

/// True when c*re matches at the beginning of text (a * matches zero or more).
fn matchstar(c: u8, re: &[u8], text: &[u8]) -> bool {
    let mut i = 0;
    loop {
        if matchhere(re, &text[i..]) {
            return true;
        }
        if i < text.len() && (text[i] == c || c == b'.') {
            i += 1;
        } else {
            return false;
        }
    }
}
