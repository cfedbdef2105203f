// Console input and output, to the uart. Reads are line at a time.
// Implements special input characters:
//   newline -- end of line
//   control-h -- backspace
//   control-u -- kill line
//   control-d -- end of file
//   control-p -- print process list

use crate::chan::{sleep, wakeup};
use crate::file::devsw_register;
use crate::param::CONSOLE;
use crate::proc::{either_copyin, either_copyout, myproc, procdump};
use crate::spinlock::SpinLock;
use crate::uart::{uartinit, uartputc, uartputc_sync};

const BACKSPACE: u16 = 0x100;

/// Control-x.
const fn ctrl(x: u8) -> u8 {
    x - b'@'
}

/// Sends one character to the uart. Called by printf(), and to echo input
/// characters, but not from write().
fn consputc(c: u16) {
    if c == BACKSPACE {
        // if the user typed backspace, overwrite with a space.
        uartputc_sync(b'\x08');
        uartputc_sync(b' ');
        uartputc_sync(b'\x08');
    } else {
        uartputc_sync(c as u8);
    }
}

const INPUT_BUF_SIZE: usize = 128;

struct Cons {
    buf: [u8; INPUT_BUF_SIZE],
    /// Read index
    r: usize,
    /// Write index
    w: usize,
    /// Edit index
    e: usize,
}

static CONS: SpinLock<Cons> = SpinLock::new(
    "cons",
    Cons {
        buf: [0; INPUT_BUF_SIZE],
        r: 0,
        w: 0,
        e: 0,
    },
);

/// The wait channel of readers waiting for a line.
fn read_chan() -> usize {
    core::ptr::addr_of!(CONS) as usize
}

/// User write()s to the console go here: `n` bytes from `src` (a user address
/// if `user_src`). Returns the number of bytes written (short on a bad address).
pub fn consolewrite(user_src: bool, src: usize, n: usize) -> Result<usize, ()> {
    for i in 0..n {
        let mut c = [0u8];
        if either_copyin(&mut c, user_src, src + i).is_err() {
            return Ok(i);
        }
        uartputc(c[0]);
    }
    Ok(n)
}

/// User read()s from the console go here: copies (up to) a whole input line to
/// `dst` (a user address if `user_dst`), at most `n` bytes. Returns the number
/// of bytes read; Err if killed while waiting.
pub fn consoleread(user_dst: bool, mut dst: usize, n: usize) -> Result<usize, ()> {
    let target = n;
    let mut n = n;
    let mut cons = CONS.lock();
    while n > 0 {
        // wait until interrupt handler has put some input into cons.buf.
        while cons.r == cons.w {
            if myproc().killed() {
                return Err(());
            }
            cons = sleep(read_chan(), cons);
        }
        let c = cons.buf[cons.r % INPUT_BUF_SIZE];
        cons.r += 1;

        if c == ctrl(b'D') {
            // end-of-file
            if n < target {
                // Save ^D for next time, to make sure caller gets a 0-byte result.
                cons.r -= 1;
            }
            break;
        }

        // copy the input byte to the user-space buffer.
        if either_copyout(user_dst, dst, &[c]).is_err() {
            break;
        }
        dst += 1;
        n -= 1;

        if c == b'\n' {
            // a whole line has arrived, return to the user-level read().
            break;
        }
    }
    Ok(target - n)
}

/// The console input interrupt handler. uartintr() calls this for each input
/// character. Does erase/kill processing, appends to cons.buf, and wakes up
/// consoleread() if a whole line has arrived.
pub fn consoleintr(c: u8) {
    let mut cons = CONS.lock();
    match c {
        c if c == ctrl(b'P') => {
            // Print process list.
            drop(cons);
            procdump();
        }
        c if c == ctrl(b'U') => {
            // Kill line.
            while cons.e != cons.w && cons.buf[(cons.e - 1) % INPUT_BUF_SIZE] != b'\n' {
                cons.e -= 1;
                consputc(BACKSPACE);
            }
        }
        b'\x08' | b'\x7f' => {
            // Backspace or Delete key
            if cons.e != cons.w {
                cons.e -= 1;
                consputc(BACKSPACE);
            }
        }
        _ => {
            if c != 0 && cons.e - cons.r < INPUT_BUF_SIZE {
                let c = if c == b'\r' { b'\n' } else { c };
                // echo back to the user.
                consputc(c as u16);
                // store for consumption by consoleread().
                let e = cons.e;
                cons.buf[e % INPUT_BUF_SIZE] = c;
                cons.e += 1;
                if c == b'\n' || c == ctrl(b'D') || cons.e - cons.r == INPUT_BUF_SIZE {
                    // wake up consoleread() if a whole line (or end-of-file) has arrived.
                    cons.w = cons.e;
                    wakeup(read_chan());
                }
            }
        }
    }
}

/// Initializes the uart and connects read and write system calls on the
/// console device (major 1) to consoleread and consolewrite.
pub fn consoleinit() {
    uartinit();
    devsw_register(CONSOLE as usize, consoleread, consolewrite);
}
