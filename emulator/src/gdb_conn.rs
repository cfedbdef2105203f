//! The TCP connection to gdb, for the gdb stub (gdb.rs): gdbstub's
//! connection over a TcpStream, whose blocking read also watches the stop flag.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use gdbstub::conn::{Connection, ConnectionExt};

use super::POLL;

/// The connection to gdb. Its blocking read gives up when the stop flag is
/// set, so a signal ends a session that waits for gdb's next packet.
pub(super) struct Conn {
    pub(super) s: TcpStream,
    pub(super) stop: Arc<AtomicBool>,
}

impl Connection for Conn {
    type Error = std::io::Error;

    fn write(&mut self, byte: u8) -> std::io::Result<()> {
        Write::write_all(&mut self.s, &[byte])
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        Write::write_all(&mut self.s, buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Write::flush(&mut self.s)
    }

    fn on_session_start(&mut self) -> std::io::Result<()> {
        self.s.set_nodelay(true)
    }
}

impl ConnectionExt for Conn {
    fn read(&mut self) -> std::io::Result<u8> {
        use std::io::ErrorKind;
        self.s.set_nonblocking(false)?;
        self.s.set_read_timeout(Some(POLL))?;
        let mut b = [0u8];
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Err(std::io::Error::new(ErrorKind::Interrupted, "stopped"));
            }
            match Read::read(&mut self.s, &mut b) {
                Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                Ok(_) => return Ok(b[0]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        ConnectionExt::peek(&mut self.s)
    }
}
