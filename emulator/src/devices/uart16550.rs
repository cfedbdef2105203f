//! 16550A UART (QEMU hw/char/serial.c): the console.
//!
//! Transmission is instant: THR writes go to an output buffer the board drains
//! with [`Uart::take_output`]; the board feeds input with [`Uart::push_rx`].
//! Simplification: the character timeout (IIR 0x0c) is reported as soon as the
//! RX FIFO holds data below its trigger level, instead of four character times
//! later; a driver sees the same IIR value, only earlier.

use std::collections::VecDeque;

use crate::bus::{Device, Fault};

const IER_RDI: u8 = 0x01;
const IER_THRI: u8 = 0x02;
const IER_RLSI: u8 = 0x04;
const IER_MSI: u8 = 0x08;

const IIR_NO_INT: u8 = 0x01;
const IIR_MSI: u8 = 0x00;
const IIR_THRI: u8 = 0x02;
const IIR_RDI: u8 = 0x04;
const IIR_RLSI: u8 = 0x06;
const IIR_CTI: u8 = 0x0c;
const IIR_ID: u8 = 0x06;
const IIR_FE: u8 = 0xc0;

const FCR_FE: u8 = 0x01;
const FCR_RFR: u8 = 0x02;
const FCR_XFR: u8 = 0x04;

const LCR_DLAB: u8 = 0x80;
const MCR_LOOP: u8 = 0x10;
const MCR_OUT2: u8 = 0x08;

const LSR_DR: u8 = 0x01;
const LSR_OE: u8 = 0x02;
const LSR_BI: u8 = 0x10;
const LSR_INT_ANY: u8 = 0x1e;
const LSR_THRE: u8 = 0x20;
const LSR_TEMT: u8 = 0x40;

const MSR_DCD: u8 = 0x80;
const MSR_DSR: u8 = 0x20;
const MSR_CTS: u8 = 0x10;
const MSR_ANY_DELTA: u8 = 0x0f;

const FIFO_LEN: usize = 16;

pub struct Uart {
    divider: u16,
    rbr: u8,
    ier: u8,
    iir: u8,
    lcr: u8,
    mcr: u8,
    lsr: u8,
    msr: u8,
    scr: u8,
    fcr: u8,
    thr_ipending: bool,
    /// Set each time the interrupt is re-evaluated (QEMU re-reports its level then).
    irq_report: bool,
    rx: VecDeque<u8>,
    rx_trigger: usize,
    out: Vec<u8>,
}

impl Default for Uart {
    fn default() -> Uart {
        Uart::new()
    }
}

impl Uart {
    /// A UART in QEMU's reset state.
    pub fn new() -> Uart {
        Uart {
            divider: 12,
            rbr: 0,
            ier: 0,
            iir: IIR_NO_INT,
            lcr: 0,
            mcr: MCR_OUT2,
            lsr: LSR_TEMT | LSR_THRE,
            msr: MSR_DCD | MSR_DSR | MSR_CTS,
            scr: 0,
            fcr: 0,
            thr_ipending: false,
            irq_report: false,
            rx: VecDeque::with_capacity(FIFO_LEN),
            rx_trigger: 1,
            out: Vec::new(),
        }
    }

    /// Whether the UART re-evaluated its interrupt line since the last call.
    /// QEMU re-reports the level to the PLIC exactly then, and the PLIC gateway
    /// sets the source pending on every high report, so the board calls
    /// `plic.set_level(UART0_IRQ, uart.irq_level())` only when this is true.
    /// Reporting on every poll instead would re-pend a THR-empty interrupt that
    /// xv6 never clears (it does not read IIR) and storm its harts.
    pub fn take_irq_report(&mut self) -> bool {
        std::mem::take(&mut self.irq_report)
    }

    /// The bytes transmitted since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Writes the bytes transmitted since the last call to `out`.
    pub fn drain_output(&mut self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        out.write_all(&self.out)?;
        self.out.clear();
        Ok(())
    }

    /// Whether a byte from the host can be received now (no overrun in normal
    /// use). In loopback mode the serial input is disconnected.
    pub fn rx_ready(&self) -> bool {
        if self.mcr & MCR_LOOP != 0 {
            false
        } else if self.fcr & FCR_FE != 0 {
            self.rx.len() < FIFO_LEN
        } else {
            self.lsr & LSR_DR == 0
        }
    }

    /// Receives `b` from the host; false (and `b` dropped) when not [`Uart::rx_ready`].
    pub fn push_rx(&mut self, b: u8) -> bool {
        if !self.rx_ready() {
            return false;
        }
        self.receive(b);
        true
    }

    fn receive(&mut self, b: u8) {
        if self.fcr & FCR_FE != 0 {
            if self.rx.len() < FIFO_LEN {
                self.rx.push_back(b);
            } else {
                self.lsr |= LSR_OE;
            }
        } else {
            if self.lsr & LSR_DR != 0 {
                self.lsr |= LSR_OE;
            }
            self.rbr = b;
        }
        self.lsr |= LSR_DR;
        self.update_irq();
    }

    fn update_irq(&mut self) {
        let fifo = self.fcr & FCR_FE != 0;
        let data = self.lsr & LSR_DR != 0;
        let above_trigger = !fifo || self.rx.len() >= self.rx_trigger;
        let id = if self.ier & IER_RLSI != 0 && self.lsr & LSR_INT_ANY != 0 {
            IIR_RLSI
        } else if self.ier & IER_RDI != 0 && data && !above_trigger {
            IIR_CTI
        } else if self.ier & IER_RDI != 0 && data {
            IIR_RDI
        } else if self.ier & IER_THRI != 0 && self.thr_ipending {
            IIR_THRI
        } else if self.ier & IER_MSI != 0 && self.msr & MSR_ANY_DELTA != 0 {
            IIR_MSI
        } else {
            IIR_NO_INT
        };
        self.iir = id | (self.iir & 0xf0);
        self.irq_report = true;
    }

    fn write_thr(&mut self, b: u8) {
        self.thr_ipending = false;
        self.lsr &= !(LSR_THRE | LSR_TEMT);
        self.update_irq();
        // The byte leaves at once: the transmitter is empty again.
        self.lsr |= LSR_THRE | LSR_TEMT;
        self.thr_ipending = true;
        self.update_irq();
        if self.mcr & MCR_LOOP != 0 {
            self.receive(b);
        } else {
            self.out.push(b);
        }
    }

    fn write_fcr(&mut self, mut val: u8) {
        if (val ^ self.fcr) & FCR_FE != 0 {
            val |= FCR_XFR | FCR_RFR;
        }
        if val & FCR_RFR != 0 {
            self.lsr &= !(LSR_DR | LSR_BI);
            self.rx.clear();
        }
        if val & FCR_XFR != 0 {
            self.lsr |= LSR_THRE;
            self.thr_ipending = true;
        }
        self.fcr = val & 0xc9;
        if self.fcr & FCR_FE != 0 {
            self.iir |= IIR_FE;
            self.rx_trigger = [1, 4, 8, 14][(self.fcr >> 6) as usize];
        } else {
            self.iir &= !IIR_FE;
        }
        self.update_irq();
    }

    fn write_ier(&mut self, val: u8) {
        let changed = (self.ier ^ val) & 0x0f;
        self.ier = val & 0x0f;
        if changed & IER_THRI != 0 {
            self.thr_ipending = self.ier & IER_THRI != 0 && self.lsr & LSR_THRE != 0;
        }
        if changed != 0 {
            self.update_irq();
        }
    }

    fn read_rbr(&mut self) -> u8 {
        let b = if self.fcr & FCR_FE != 0 {
            let b = self.rx.pop_front().unwrap_or(0);
            if self.rx.is_empty() {
                self.lsr &= !(LSR_DR | LSR_BI);
            }
            b
        } else {
            self.lsr &= !(LSR_DR | LSR_BI);
            self.rbr
        };
        self.update_irq();
        b
    }

    fn read_msr(&mut self) -> u8 {
        if self.mcr & MCR_LOOP != 0 {
            // In loopback the modem outputs drive the inputs.
            ((self.mcr & 0x0c) << 4) | ((self.mcr & 0x02) << 3) | ((self.mcr & 0x01) << 5)
        } else {
            let v = self.msr;
            if v & MSR_ANY_DELTA != 0 {
                self.msr &= 0xf0;
                self.update_irq();
            }
            v
        }
    }

    fn read_reg(&mut self, reg: u64) -> u8 {
        let dlab = self.lcr & LCR_DLAB != 0;
        match reg {
            0 if dlab => self.divider as u8,
            0 => self.read_rbr(),
            1 if dlab => (self.divider >> 8) as u8,
            1 => self.ier,
            2 => {
                let v = self.iir;
                if v & IIR_ID == IIR_THRI {
                    self.thr_ipending = false;
                    self.update_irq();
                }
                v
            }
            3 => self.lcr,
            4 => self.mcr,
            5 => {
                let v = self.lsr;
                if v & (LSR_BI | LSR_OE) != 0 {
                    self.lsr &= !(LSR_BI | LSR_OE);
                    self.update_irq();
                }
                v
            }
            6 => self.read_msr(),
            _ => self.scr,
        }
    }

    fn write_reg(&mut self, reg: u64, val: u8) {
        let dlab = self.lcr & LCR_DLAB != 0;
        match reg {
            0 if dlab => self.divider = (self.divider & 0xff00) | val as u16,
            0 => self.write_thr(val),
            1 if dlab => self.divider = (self.divider & 0x00ff) | (val as u16) << 8,
            1 => self.write_ier(val),
            2 => self.write_fcr(val),
            3 => self.lcr = val,
            4 => self.mcr = val & 0x1f,
            5 | 6 => {}
            _ => self.scr = val,
        }
    }
}

/// The registers occupy 8 bytes (reg-shift 0): an access of any size reaches
/// the byte register at its address, but one that does not fit in those 8
/// bytes faults, as on QEMU 7.2.
fn in_window(offset: u64, size: u8) -> bool {
    offset < 8 && offset + size as u64 <= 8
}

impl Device for Uart {
    fn read(&mut self, offset: u64, size: u8) -> Result<u64, Fault> {
        if !in_window(offset, size) {
            return Err(Fault);
        }
        Ok(self.read_reg(offset) as u64)
    }

    fn write(&mut self, offset: u64, size: u8, val: u64) -> Result<(), Fault> {
        if !in_window(offset, size) {
            return Err(Fault);
        }
        self.write_reg(offset, val as u8);
        Ok(())
    }

    fn irq_level(&self) -> bool {
        self.iir & IIR_NO_INT == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rd(u: &mut Uart, reg: u64) -> u8 {
        u.read(reg, 1).unwrap() as u8
    }

    fn wr(u: &mut Uart, reg: u64, val: u8) {
        u.write(reg, 1, val as u64).unwrap();
    }

    // xv6's uartinit.
    fn xv6_init(u: &mut Uart) {
        wr(u, 1, 0x00);
        wr(u, 3, 0x80);
        wr(u, 0, 0x03);
        wr(u, 1, 0x00);
        wr(u, 3, 0x03);
        wr(u, 2, 0x07);
        wr(u, 1, 0x03);
    }

    #[test]
    fn irq_reports_follow_qemu_updates() {
        let mut u = Uart::new();
        xv6_init(&mut u);
        assert!(u.take_irq_report());
        assert!(!u.take_irq_report());
        // xv6's uartintr and uartstart only read LSR: no report, the line stays high.
        rd(&mut u, 5);
        wr(&mut u, 3, 3);
        wr(&mut u, 7, 1);
        assert!(!u.take_irq_report());
        assert!(u.irq_level());
        // A THR write, received data and reading RBR re-report.
        wr(&mut u, 0, b'x');
        assert!(u.take_irq_report());
        u.push_rx(b'y');
        assert!(u.take_irq_report());
        rd(&mut u, 0);
        assert!(u.take_irq_report());
        // Reading IIR re-reports only when it clears THR empty.
        assert_eq!(rd(&mut u, 2), 0xc2);
        assert!(u.take_irq_report());
        assert_eq!(rd(&mut u, 2), 0xc1);
        assert!(!u.take_irq_report());
    }

    #[test]
    fn reset_values() {
        let mut u = Uart::new();
        assert_eq!(rd(&mut u, 1), 0);
        assert_eq!(rd(&mut u, 2), 0x01);
        assert_eq!(rd(&mut u, 3), 0);
        assert_eq!(rd(&mut u, 4), 0x08);
        assert_eq!(rd(&mut u, 5), 0x60);
        assert_eq!(rd(&mut u, 6), 0xb0);
        assert_eq!(rd(&mut u, 7), 0);
        assert_eq!(rd(&mut u, 0), 0);
        wr(&mut u, 3, 0x80);
        assert_eq!(rd(&mut u, 0), 12);
        assert_eq!(rd(&mut u, 1), 0);
        assert!(!u.irq_level());
        assert!(u.rx_ready());
    }

    #[test]
    fn divisor_latch_and_scratch() {
        let mut u = Uart::new();
        wr(&mut u, 3, 0x83);
        wr(&mut u, 0, 0x34);
        wr(&mut u, 1, 0x12);
        assert_eq!(rd(&mut u, 0), 0x34);
        assert_eq!(rd(&mut u, 1), 0x12);
        assert!(u.take_output().is_empty());
        wr(&mut u, 3, 0x03);
        assert_eq!(rd(&mut u, 3), 0x03);
        assert_eq!(rd(&mut u, 1), 0);
        wr(&mut u, 7, 0x5a);
        assert_eq!(rd(&mut u, 7), 0x5a);
        // LSR and MSR ignore writes.
        wr(&mut u, 5, 0);
        wr(&mut u, 6, 0);
        assert_eq!(rd(&mut u, 5), 0x60);
        assert_eq!(rd(&mut u, 6), 0xb0);
    }

    #[test]
    fn xv6_init_leaves_thr_interrupt_asserted() {
        let mut u = Uart::new();
        xv6_init(&mut u);
        assert!(u.irq_level());
        assert_eq!(rd(&mut u, 2), 0xc2);
        // Reading IIR while it reports THR empty clears the pending flag.
        assert!(!u.irq_level());
        assert_eq!(rd(&mut u, 2), 0xc1);
        // Every THR write raises it again at once, and TX is instant.
        wr(&mut u, 0, b'h');
        wr(&mut u, 0, b'i');
        assert!(u.irq_level());
        assert_eq!(rd(&mut u, 5), 0x60);
        assert_eq!(u.take_output(), b"hi");
        assert!(u.take_output().is_empty());
        let mut sink = Vec::new();
        wr(&mut u, 0, b'!');
        u.drain_output(&mut sink).unwrap();
        assert_eq!(sink, b"!");
        assert!(u.take_output().is_empty());
    }

    #[test]
    fn ier_thri_edges_set_and_clear_pending() {
        let mut u = Uart::new();
        wr(&mut u, 1, IER_THRI);
        assert_eq!(rd(&mut u, 2), 0x02);
        assert_eq!(rd(&mut u, 2), 0x01);
        // Rewriting the same IER is not an edge.
        wr(&mut u, 1, IER_THRI);
        assert!(!u.irq_level());
        wr(&mut u, 1, 0);
        wr(&mut u, 1, IER_THRI);
        assert!(u.irq_level());
        wr(&mut u, 1, 0);
        assert!(!u.irq_level());
        wr(&mut u, 1, 0xff);
        assert_eq!(rd(&mut u, 1), 0x0f);
        // TX FIFO clear sets the pending flag.
        assert_eq!(rd(&mut u, 2), 0x02);
        assert!(!u.irq_level());
        wr(&mut u, 2, FCR_XFR);
        assert!(u.irq_level());
    }

    #[test]
    fn rx_with_fifo_and_priorities() {
        let mut u = Uart::new();
        xv6_init(&mut u);
        for b in 0..16u8 {
            assert!(u.rx_ready());
            assert!(u.push_rx(b'a' + b));
        }
        assert!(!u.rx_ready());
        assert!(!u.push_rx(b'z'));
        assert_eq!(rd(&mut u, 5) & (LSR_DR | LSR_OE), LSR_DR);
        // RX data outranks THR empty, and reading IIR then keeps THR pending.
        assert_eq!(rd(&mut u, 2), 0xc4);
        assert_eq!(rd(&mut u, 2), 0xc4);
        for b in 0..16u8 {
            assert_eq!(rd(&mut u, 0), b'a' + b);
        }
        assert_eq!(rd(&mut u, 5), 0x60);
        assert_eq!(rd(&mut u, 2), 0xc2);
        assert_eq!(rd(&mut u, 0), 0);
        assert!(!u.irq_level());
    }

    #[test]
    fn trigger_levels_and_character_timeout() {
        let mut u = Uart::new();
        wr(&mut u, 2, 0x81); // FIFO on, trigger 8
        wr(&mut u, 1, IER_RDI);
        for b in 0..7 {
            u.push_rx(b);
        }
        assert_eq!(rd(&mut u, 2), 0xcc);
        u.push_rx(7);
        assert_eq!(rd(&mut u, 2), 0xc4);
        wr(&mut u, 2, 0xc1); // trigger 14
                             // The write kept the FIFO on, so nothing was cleared.
        assert_eq!(rd(&mut u, 2), 0xcc);
        wr(&mut u, 2, 0x41 | FCR_RFR); // trigger 4, RX FIFO clear
        assert_eq!(rd(&mut u, 5) & LSR_DR, 0);
        assert_eq!(rd(&mut u, 2), 0xc1);
        for b in 0..4 {
            u.push_rx(b);
        }
        assert_eq!(rd(&mut u, 2), 0xc4);
        assert_eq!(rd(&mut u, 0), 0);
        assert_eq!(rd(&mut u, 2), 0xcc);
        // Turning the FIFO off flushes it.
        wr(&mut u, 2, 0);
        assert_eq!(rd(&mut u, 2), 0x01);
        assert_eq!(rd(&mut u, 5) & LSR_DR, 0);
    }

    #[test]
    fn rx_without_fifo_holds_one_byte() {
        let mut u = Uart::new();
        wr(&mut u, 1, IER_RDI);
        assert!(u.push_rx(b'x'));
        assert!(!u.rx_ready());
        assert!(!u.push_rx(b'y'));
        assert_eq!(rd(&mut u, 2), 0x04);
        assert_eq!(rd(&mut u, 0), b'x');
        assert_eq!(rd(&mut u, 2), 0x01);
        assert!(u.rx_ready());
    }

    #[test]
    fn loopback_overrun_and_line_status() {
        let mut u = Uart::new();
        wr(&mut u, 4, MCR_LOOP | 0x0f);
        assert_eq!(rd(&mut u, 4), 0x1f);
        assert_eq!(rd(&mut u, 6), 0xf0);
        wr(&mut u, 4, MCR_LOOP | 0x01);
        assert_eq!(rd(&mut u, 6), 0x20);
        assert!(!u.rx_ready());
        assert!(!u.push_rx(b'q'));
        wr(&mut u, 1, IER_RLSI | IER_RDI);
        wr(&mut u, 0, b'A');
        assert!(u.take_output().is_empty());
        assert_eq!(rd(&mut u, 2), 0x04);
        // A second byte with FIFOs off overruns: line status has top priority.
        wr(&mut u, 0, b'B');
        assert!(u.irq_level());
        assert_eq!(rd(&mut u, 2), 0x06);
        assert_eq!(rd(&mut u, 5), 0x63);
        assert_eq!(rd(&mut u, 5), 0x61);
        assert_eq!(rd(&mut u, 2), 0x04);
        assert_eq!(rd(&mut u, 0), b'B');
        wr(&mut u, 4, 0);
        assert_eq!(rd(&mut u, 6), 0xb0);
        wr(&mut u, 0, b'C');
        assert_eq!(u.take_output(), b"C");
    }

    #[test]
    fn access_sizes_and_window() {
        let mut u = Uart::new();
        u.write(6, 2, 0x1234_5678_9abc_def0).unwrap();
        u.write(7, 1, 0x1234_5678_9abc_def0).unwrap();
        assert_eq!(u.read(7, 1), Ok(0xf0));
        assert_eq!(u.read(4, 4), Ok(0x08));
        assert_eq!(u.read(0, 8), Ok(0));
        u.write(0, 8, 0x4142).unwrap();
        u.write(2, 2, 0x07).unwrap();
        assert_eq!(u.take_output(), b"B");
        assert_eq!(u.read(2, 1), Ok(0xc1));
        // Accesses must fit in the 8 register bytes.
        assert_eq!(u.read(5, 4), Err(Fault));
        assert_eq!(u.write(7, 2, 0), Err(Fault));
        assert_eq!(u.read(8, 1), Err(Fault));
        assert_eq!(u.write(0xff, 1, 0), Err(Fault));
        assert_eq!(u.read(7, 1), Ok(0xf0));
    }
}
