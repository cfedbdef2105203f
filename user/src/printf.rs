// xv6's user printf: %d %l %x %p %s %c %%, one write per character.

use crate::syscall::write;
use core::ffi::CStr;

const DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// One printf argument. Integers convert from every integer type, strings from
/// &str, &[u8] (up to a NUL) and &CStr.
#[derive(Clone, Copy)]
pub enum Arg<'a> {
    /// A signed integer (%d, %x use its low 32 bits, %l and %p all 64).
    Int(i64),
    /// A string (%s).
    Str(&'a [u8]),
}

macro_rules! int_arg {
    ($($t:ty)*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(v: $t) -> Self {
                Arg::Int(v as i64)
            }
        }
    )*};
}
int_arg!(i8 i16 i32 i64 isize u8 u16 u32 u64 usize);

impl From<char> for Arg<'_> {
    fn from(c: char) -> Self {
        Arg::Int(c as i64)
    }
}

impl<T> From<*const T> for Arg<'_> {
    fn from(p: *const T) -> Self {
        Arg::Int(p as usize as i64)
    }
}

impl<T> From<*mut T> for Arg<'_> {
    fn from(p: *mut T) -> Self {
        Arg::Int(p as usize as i64)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(s.as_bytes())
    }
}

impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(s: &'a [u8]) -> Self {
        Arg::Str(s)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Arg<'a> {
    fn from(s: &'a [u8; N]) -> Self {
        Arg::Str(s)
    }
}

impl<'a> From<&'a CStr> for Arg<'a> {
    fn from(s: &'a CStr) -> Self {
        Arg::Str(s.to_bytes())
    }
}

impl<'a> From<&'a alloc::string::String> for Arg<'a> {
    fn from(s: &'a alloc::string::String) -> Self {
        Arg::Str(s.as_bytes())
    }
}

fn printint(putc: &mut impl FnMut(u8), x: u64, base: u64, neg: bool) {
    let mut buf = [0u8; 24];
    let mut i = 0;
    let mut x = x;
    loop {
        buf[i] = DIGITS[(x % base) as usize];
        i += 1;
        x /= base;
        if x == 0 {
            break;
        }
    }
    if neg {
        buf[i] = b'-';
        i += 1;
    }
    while i > 0 {
        i -= 1;
        putc(buf[i]);
    }
}

fn printptr(putc: &mut impl FnMut(u8), x: u64) {
    putc(b'0');
    putc(b'x');
    for i in (0..16).rev() {
        putc(DIGITS[((x >> (i * 4)) & 0xf) as usize]);
    }
}

/// Prints `fmt` to `fd` one write per character, as xv6 does (see format).
pub fn vprintf(fd: i32, fmt: &str, args: &[Arg]) {
    format(fmt, args, &mut |c| {
        write(fd, &[c]);
    });
}

/// Formats `fmt`, replacing each % directive with the next argument, and hands each
/// byte to putc. A missing argument prints as 0 or "(null)", an unknown directive
/// prints as itself.
pub fn format(fmt: &str, args: &[Arg], putc: &mut impl FnMut(u8)) {
    let mut args = args.iter();
    let mut pct = false;
    for &c in fmt.as_bytes() {
        if !pct {
            if c == b'%' {
                pct = true;
            } else {
                putc(c);
            }
            continue;
        }
        pct = false;
        let arg = match c {
            b'd' | b'l' | b'x' | b'p' | b's' | b'c' => args.next().copied(),
            _ => None,
        };
        let int = match arg {
            Some(Arg::Int(v)) => v,
            _ => 0,
        };
        match c {
            b'd' => printint(
                putc,
                (int as i32).unsigned_abs() as u64,
                10,
                (int as i32) < 0,
            ),
            b'l' => printint(putc, int as u64, 10, false),
            b'x' => printint(putc, int as u32 as u64, 16, false),
            b'p' => printptr(putc, int as u64),
            b's' => match arg {
                Some(Arg::Str(s)) => s.iter().take_while(|&&b| b != 0).for_each(|&b| putc(b)),
                _ => b"(null)".iter().for_each(|&b| putc(b)),
            },
            b'c' => putc(int as u8),
            b'%' => putc(b'%'),
            _ => {
                putc(b'%');
                putc(c);
            }
        }
    }
}

/// xv6's printf to standard output: `printf!("%s: %d\n", name, n)`.
#[macro_export]
macro_rules! printf {
    ($fmt:expr $(, $arg:expr)* $(,)?) => {
        $crate::printf::vprintf(1, $fmt, &[$($crate::printf::Arg::from($arg)),*])
    };
}

/// xv6's fprintf: `fprintf!(2, "usage: %s\n", prog)`.
#[macro_export]
macro_rules! fprintf {
    ($fd:expr, $fmt:expr $(, $arg:expr)* $(,)?) => {
        $crate::printf::vprintf($fd, $fmt, &[$($crate::printf::Arg::from($arg)),*])
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    fn fmt(f: &str, args: &[Arg]) -> Vec<u8> {
        let mut out = Vec::new();
        format(f, args, &mut |c| out.push(c));
        out
    }

    #[test]
    fn integers_as_xv6_prints_them() {
        assert_eq!(
            fmt("%d %d %d", &[0.into(), (-42).into(), i32::MIN.into()]),
            b"0 -42 -2147483648"
        );
        assert_eq!(fmt("%x %x", &[255.into(), (-1i32).into()]), b"FF FFFFFFFF");
        assert_eq!(fmt("%l", &[u64::MAX.into()]), b"18446744073709551615");
        assert_eq!(fmt("%p", &[0x8000_0000usize.into()]), b"0x0000000080000000");
        assert_eq!(fmt("%d", &[747i64.into()]), b"747");
    }

    #[test]
    fn strings_chars_and_odd_directives() {
        assert_eq!(fmt("test %s: ", &["copyin".into()]), b"test copyin: ");
        assert_eq!(fmt("[%s]", &[b"ab\0cd".into()]), b"[ab]");
        assert_eq!(fmt("%s|%d", &[]), b"(null)|0");
        assert_eq!(fmt("%c%c", &['o'.into(), b'k'.into()]), b"ok");
        assert_eq!(fmt("100%% %q", &[]), b"100% %q");
        assert_eq!(fmt("%s", &[1.into()]), b"(null)");
    }
}
