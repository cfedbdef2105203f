// Program entry and arguments, the panic handler, and xv6's ulib helpers
// (gets, atoi, stat, string building).

use crate::syscall::{close, fstat, open, read};
use abi::fcntl::O_RDONLY;
use abi::stat::Stat;
use core::ffi::{c_char, CStr};

/// The program's arguments, as exec laid them out on the user stack (a0 = argc, a1 = argv).
#[derive(Clone, Copy)]
pub struct Args {
    argc: usize,
    argv: *const *const c_char,
}

impl Args {
    /// Wraps the registers `_start` received.
    ///
    /// # Safety
    /// `argv` must point to `argc` valid NUL-terminated strings that live forever.
    pub unsafe fn new(argc: usize, argv: *const *const c_char) -> Args {
        Args { argc, argv }
    }

    /// argc.
    pub fn len(&self) -> usize {
        self.argc
    }

    /// True when there is not even argv[0].
    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }

    /// argv[i] as a C string, or None past the end.
    pub fn get(&self, i: usize) -> Option<&'static CStr> {
        if i >= self.argc {
            return None;
        }
        // SAFETY: Args::new's contract: argv[0..argc] are valid C strings.
        unsafe { Some(CStr::from_ptr(*self.argv.add(i))) }
    }

    /// argv[i]'s bytes without the NUL; empty past the end.
    pub fn arg(&self, i: usize) -> &'static [u8] {
        self.get(i).map_or(&[], CStr::to_bytes)
    }

    /// Iterates over argv[0..argc].
    pub fn iter(&self) -> impl Iterator<Item = &'static CStr> + '_ {
        (0..self.argc).filter_map(|i| self.get(i))
    }
}

/// Defines the program entry `_start`, which calls `main(Args) -> i32` and exits
/// with its result: `ulib::entry!(main);`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        #[link_section = ".text.entry"]
        extern "C" fn _start(argc: usize, argv: *const *const core::ffi::c_char) -> ! {
            // SAFETY: the kernel's exec passes argc and a NUL-terminated argv in a0/a1.
            let args = unsafe { $crate::Args::new(argc, argv) };
            $crate::exit($main(args))
        }
    };
}

#[cfg(not(test))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let msg = info.message().as_str().unwrap_or("");
    crate::fprintf!(2, "panic: %s", msg);
    if let Some(loc) = info.location() {
        crate::fprintf!(2, " at %s:%d", loc.file(), loc.line());
    }
    crate::syscall::write(2, b"\n");
    crate::syscall::exit(1)
}

/// Reads one line from fd 0 into buf (xv6's gets); see getline.
pub fn gets(buf: &mut [u8]) -> &[u8] {
    getline(0, buf)
}

/// Reads one line from fd into buf, one byte at a time, keeping the newline (or
/// carriage return); stops at buf.len() - 1 bytes, leaving room for xv6's NUL, which
/// is also stored. Returns the line without the NUL (empty at end of input).
pub fn getline(fd: i32, buf: &mut [u8]) -> &[u8] {
    let mut i = 0;
    while i + 1 < buf.len() {
        let mut c = [0u8];
        if read(fd, &mut c) < 1 {
            break;
        }
        buf[i] = c[0];
        i += 1;
        if c[0] == b'\n' || c[0] == b'\r' {
            break;
        }
    }
    if i < buf.len() {
        buf[i] = 0;
    }
    &buf[..i]
}

/// xv6's atoi: the leading decimal digits of s (0 when there are none).
pub fn atoi(s: &[u8]) -> i32 {
    let mut n: i32 = 0;
    for &c in s.iter().take_while(|c| c.is_ascii_digit()) {
        n = n.wrapping_mul(10).wrapping_add((c - b'0') as i32);
    }
    n
}

/// Fills st with the metadata of the file at path; returns 0 or -1.
pub fn stat(path: &CStr, st: &mut Stat) -> i32 {
    let fd = open(path, O_RDONLY);
    if fd < 0 {
        return -1;
    }
    let r = fstat(fd, st);
    close(fd);
    r
}

/// The bytes of s up to (not including) the first NUL.
pub fn strbytes(s: &[u8]) -> &[u8] {
    let n = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    &s[..n]
}

/// A C string built in a fixed buffer of N bytes (the NUL included), for paths.
#[derive(Clone)]
pub struct CStrBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Default for CStrBuf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> CStrBuf<N> {
    /// An empty string.
    pub const fn new() -> Self {
        CStrBuf {
            buf: [0; N],
            len: 0,
        }
    }

    /// A string holding `s` (cut at its first NUL, truncated to fit).
    pub fn from(s: &[u8]) -> Self {
        let mut b = Self::new();
        b.push(s);
        b
    }

    /// Appends s (cut at its first NUL); returns false, appending what fits, when it
    /// does not fit.
    pub fn push(&mut self, s: &[u8]) -> bool {
        let s = strbytes(s);
        let room = N - 1 - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s[..n]);
        self.len += n;
        self.buf[self.len] = 0;
        n == s.len()
    }

    /// Appends one byte (not NUL); returns false when full.
    pub fn push_byte(&mut self, c: u8) -> bool {
        self.push(&[c])
    }

    /// Cuts the string to `len` bytes.
    pub fn truncate(&mut self, len: usize) {
        if len < self.len {
            self.len = len;
            self.buf[len] = 0;
        }
    }

    /// The length without the NUL.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes without the NUL.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The string as a &CStr for system calls.
    pub fn as_cstr(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.buf[..=self.len]).unwrap_or(c"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_reads_leading_digits() {
        assert_eq!(atoi(b"123"), 123);
        assert_eq!(atoi(b"42abc"), 42);
        assert_eq!(atoi(b"-5"), 0);
        assert_eq!(atoi(b""), 0);
    }

    #[test]
    fn cstrbuf_builds_c_strings() {
        let mut b = CStrBuf::<8>::new();
        assert!(b.push(b"ab"));
        assert!(b.push_byte(b'/'));
        assert_eq!(b.as_cstr().to_bytes_with_nul(), b"ab/\0");
        assert!(!b.push(b"cdefgh"));
        assert_eq!(b.as_bytes(), b"ab/cdef");
        b.truncate(2);
        assert_eq!(b.as_cstr(), c"ab");
        assert_eq!(CStrBuf::<16>::from(b"x\0yz").as_bytes(), b"x");
        assert_eq!(strbytes(b"dd\0\0"), b"dd");
    }
}
