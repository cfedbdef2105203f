//! The gdb connection as gdbstub reads it, with packets checked first as
//! QEMU's stub checks them: a packet with a bad checksum is refused with `-`
//! (gdb sends it again) instead of ending the session, and a memory read
//! larger than one reply is cut to one reply (gdb takes a shorter answer).
//! A blocking read also watches the stop flag (a signal ends a session that
//! waits for gdb's next packet) and the run's wall-time deadline.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use gdbstub::conn::{Connection, ConnectionExt};

use super::POLL;

/// Largest memory read (`m`) answered, in bytes (QEMU's packet size).
const MAX_READ: u64 = 0x1000;
/// A packet longer than this is passed on unchecked (gdbstub refuses it).
const MAX_PACKET: usize = 1 << 16;

/// A TCP connection to gdb whose packets are checked before gdbstub sees them.
pub struct GdbConn {
    stream: TcpStream,
    /// Bytes received, not yet checked (an incomplete packet).
    raw: Vec<u8>,
    /// Bytes checked, for gdbstub to read.
    ready: VecDeque<u8>,
    /// Set when the host asks rvcow to stop: a blocking read gives up.
    stop: Arc<AtomicBool>,
    /// A blocking read gives up at this time (the run's wall-time limit).
    deadline: Option<Instant>,
}

impl GdbConn {
    pub fn new(stream: TcpStream, stop: Arc<AtomicBool>, deadline: Option<Instant>) -> GdbConn {
        GdbConn {
            stream,
            raw: Vec::new(),
            ready: VecDeque::new(),
            stop,
            deadline,
        }
    }

    /// Receives what has arrived (at least one byte when `block`), and
    /// checks the packets completed. A blocking wait looks at the stop flag
    /// and the deadline every POLL, and fails when either has come.
    fn fill(&mut self, block: bool) -> std::io::Result<()> {
        self.stream.set_nonblocking(!block)?;
        if block {
            self.stream.set_read_timeout(Some(POLL))?;
        }
        let mut buf = [0u8; 4096];
        loop {
            if block && self.stop.load(Ordering::Relaxed) {
                return Err(std::io::Error::new(ErrorKind::Interrupted, "stopped"));
            }
            if block && self.deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(ErrorKind::TimedOut.into());
            }
            match Read::read(&mut self.stream, &mut buf) {
                Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    self.raw.extend_from_slice(&buf[..n]);
                    return self.check();
                }
                Err(e) if !block && e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e)
                    if block
                        && matches!(
                            e.kind(),
                            ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                        ) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Moves complete packets (and bytes between packets: acks, Ctrl-C)
    /// from `raw` to `ready`.
    fn check(&mut self) -> std::io::Result<()> {
        loop {
            let Some(start) = self.raw.iter().position(|&b| b == b'$') else {
                self.ready.extend(self.raw.drain(..));
                return Ok(());
            };
            self.ready.extend(self.raw.drain(..start));
            let Some(hash) = self.raw.iter().position(|&b| b == b'#') else {
                if self.raw.len() > MAX_PACKET {
                    self.ready.extend(self.raw.drain(..));
                }
                return Ok(());
            };
            if self.raw.len() < hash + 3 {
                return Ok(());
            }
            let packet: Vec<u8> = self.raw.drain(..hash + 3).collect();
            let body = &packet[1..hash];
            let sum = std::str::from_utf8(&packet[hash + 1..])
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok());
            if sum != Some(checksum(body)) {
                Write::write_all(&mut self.stream, b"-")?;
                continue;
            }
            match cut_read(body) {
                Some(body) => {
                    self.ready.push_back(b'$');
                    self.ready.extend(body.bytes());
                    self.ready
                        .extend(format!("#{:02x}", checksum(body.as_bytes())).bytes());
                }
                None => self.ready.extend(packet),
            }
        }
    }
}

fn checksum(body: &[u8]) -> u8 {
    body.iter().fold(0u8, |a, &b| a.wrapping_add(b))
}

/// `m ADDR,LEN` with LEN above MAX_READ, cut to MAX_READ; None for any
/// other packet.
fn cut_read(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body.strip_prefix(b"m")?).ok()?;
    let (addr, len) = text.split_once(',')?;
    let len = u64::from_str_radix(len, 16).ok()?;
    (len > MAX_READ).then(|| format!("m{addr},{MAX_READ:x}"))
}

impl Connection for GdbConn {
    type Error = std::io::Error;

    fn write(&mut self, byte: u8) -> Result<(), Self::Error> {
        Write::write_all(&mut self.stream, &[byte])
    }

    fn write_all(&mut self, buf: &[u8]) -> Result<(), Self::Error> {
        Write::write_all(&mut self.stream, buf)
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Write::flush(&mut self.stream)
    }

    fn on_session_start(&mut self) -> Result<(), Self::Error> {
        self.stream.set_nodelay(true)
    }
}

impl ConnectionExt for GdbConn {
    fn read(&mut self) -> Result<u8, Self::Error> {
        loop {
            if let Some(b) = self.ready.pop_front() {
                return Ok(b);
            }
            self.fill(true)?;
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, Self::Error> {
        if self.ready.is_empty() {
            self.fill(false)?;
        }
        Ok(self.ready.front().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_cut_to_one_reply() {
        assert_eq!(
            cut_read(b"m80000000,ffffffff").as_deref(),
            Some("m80000000,1000")
        );
        assert_eq!(cut_read(b"m80000000,1000"), None);
        assert_eq!(cut_read(b"M80000000,ffffffff:00"), None);
        assert_eq!(cut_read(b"m80000000"), None);
    }
}
