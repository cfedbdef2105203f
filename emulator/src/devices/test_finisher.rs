//! SiFive test finisher (QEMU hw/misc/sifive_test.c): the guest's power switch.

use crate::bus::{Device, Fault};

/// What the guest asked the finisher to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
    /// 0x5555: power off, exit status 0.
    Pass,
    /// 0x3333 | code << 16: power off with exit status `code` (0 means status 0, as QEMU).
    Fail(u16),
    /// 0x7777: full system reset.
    Reset,
}

const PASS: u64 = 0x5555;
const FAIL: u64 = 0x3333;
const RESET: u64 = 0x7777;

/// The finisher latches the last command written to offset 0 until the board takes it.
#[derive(Default)]
pub struct TestFinisher {
    pending: Option<Finish>,
}

impl TestFinisher {
    pub fn new() -> TestFinisher {
        TestFinisher::default()
    }

    /// The command written since the last call, if any.
    pub fn take(&mut self) -> Option<Finish> {
        self.pending.take()
    }
}

// Only 16- and 32-bit naturally aligned accesses are valid, as in QEMU's region.
fn valid(offset: u64, size: u8) -> bool {
    (size == 2 || size == 4) && offset.is_multiple_of(size as u64)
}

impl Device for TestFinisher {
    fn read(&mut self, offset: u64, size: u8) -> Result<u64, Fault> {
        if valid(offset, size) {
            Ok(0)
        } else {
            Err(Fault)
        }
    }

    fn write(&mut self, offset: u64, size: u8, val: u64) -> Result<(), Fault> {
        if !valid(offset, size) {
            return Err(Fault);
        }
        if offset != 0 {
            return Ok(());
        }
        let val = if size == 2 {
            val & 0xffff
        } else {
            val & 0xffff_ffff
        };
        let code = (val >> 16) as u16;
        match val & 0xffff {
            PASS => self.pending = Some(Finish::Pass),
            FAIL => self.pending = Some(Finish::Fail(code)),
            RESET => self.pending = Some(Finish::Reset),
            other => log::debug!("test finisher: ignored command {other:#x}"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        let mut t = TestFinisher::new();
        assert_eq!(t.take(), None);
        t.write(0, 4, 0x5555).unwrap();
        assert_eq!(t.take(), Some(Finish::Pass));
        assert_eq!(t.take(), None);
        t.write(0, 4, 0x002a_3333).unwrap();
        assert_eq!(t.take(), Some(Finish::Fail(42)));
        t.write(0, 4, 0x3333).unwrap();
        assert_eq!(t.take(), Some(Finish::Fail(0)));
        t.write(0, 2, 0x7777).unwrap();
        assert_eq!(t.take(), Some(Finish::Reset));
        // A 16-bit write carries no code.
        t.write(0, 2, 0x0005_3333).unwrap();
        assert_eq!(t.take(), Some(Finish::Fail(0)));
    }

    #[test]
    fn ignored_writes_and_reads() {
        let mut t = TestFinisher::new();
        t.write(0, 4, 0x1234).unwrap();
        t.write(4, 4, 0x5555).unwrap();
        assert_eq!(t.take(), None);
        assert_eq!(t.read(0, 4), Ok(0));
        assert_eq!(t.read(2, 2), Ok(0));
    }

    #[test]
    fn bad_sizes_fault() {
        let mut t = TestFinisher::new();
        assert_eq!(t.write(0, 1, 0x55), Err(Fault));
        assert_eq!(t.write(0, 8, 0x5555), Err(Fault));
        assert_eq!(t.write(2, 4, 0x5555), Err(Fault));
        assert_eq!(t.read(0, 1), Err(Fault));
        assert_eq!(t.read(0, 8), Err(Fault));
        assert_eq!(t.take(), None);
    }
}
