//! Exceptions and interrupts: causes, delegation, trap entry, MRET/SRET.

use super::csr::{
    MIP_MEIP, MIP_MSIP, MIP_MTIP, MIP_SEIP, MIP_SSIP, MIP_STIP, MSTATUS_MIE, MSTATUS_MPIE,
    MSTATUS_MPP, MSTATUS_MPRV, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP,
};
use super::{Hart, PRV_M, PRV_S, PRV_U};

/// A synchronous exception raised by an instruction, with its `tval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// Cause 1: fetch from a physical address nothing answers.
    InstrAccess(u64),
    /// Cause 2: the instruction bits (16 bits for a compressed one).
    Illegal(u32),
    /// Cause 3: EBREAK; tval is its pc.
    Breakpoint(u64),
    /// Cause 4: misaligned LR.
    LoadMisaligned(u64),
    /// Cause 5.
    LoadAccess(u64),
    /// Cause 6: misaligned SC or AMO.
    StoreMisaligned(u64),
    /// Cause 7.
    StoreAccess(u64),
    /// Causes 8, 9, 11: ECALL from the given privilege.
    Ecall(u8),
    /// Cause 12.
    InstrPage(u64),
    /// Cause 13.
    LoadPage(u64),
    /// Cause 15.
    StorePage(u64),
}

impl Exception {
    /// The mcause/scause code.
    pub fn cause(self) -> u64 {
        match self {
            Exception::InstrAccess(_) => 1,
            Exception::Illegal(_) => 2,
            Exception::Breakpoint(_) => 3,
            Exception::LoadMisaligned(_) => 4,
            Exception::LoadAccess(_) => 5,
            Exception::StoreMisaligned(_) => 6,
            Exception::StoreAccess(_) => 7,
            Exception::Ecall(prv) => 8 + prv as u64,
            Exception::InstrPage(_) => 12,
            Exception::LoadPage(_) => 13,
            Exception::StorePage(_) => 15,
        }
    }

    /// The mtval/stval value.
    pub fn tval(self) -> u64 {
        match self {
            Exception::Illegal(bits) => bits as u64,
            Exception::Ecall(_) => 0,
            Exception::InstrAccess(a)
            | Exception::Breakpoint(a)
            | Exception::LoadMisaligned(a)
            | Exception::LoadAccess(a)
            | Exception::StoreMisaligned(a)
            | Exception::StoreAccess(a)
            | Exception::InstrPage(a)
            | Exception::LoadPage(a)
            | Exception::StorePage(a) => a,
        }
    }
}

/// Interrupt causes in priority order (priv spec §3.1.9): MEI, MSI, MTI, SEI, SSI, STI.
const IRQ_PRIORITY: [u64; 6] = [11, 3, 7, 9, 1, 5];

/// The name of an exception (`interrupt` false) or interrupt cause, for trap logs.
pub fn cause_name(interrupt: bool, cause: u64) -> &'static str {
    if interrupt {
        match cause {
            1 => "supervisor_software",
            3 => "machine_software",
            5 => "supervisor_timer",
            7 => "machine_timer",
            9 => "supervisor_external",
            11 => "machine_external",
            _ => "unknown",
        }
    } else {
        match cause {
            0 => "instruction_address_misaligned",
            1 => "instruction_access_fault",
            2 => "illegal_instruction",
            3 => "breakpoint",
            4 => "load_address_misaligned",
            5 => "load_access_fault",
            6 => "store_address_misaligned",
            7 => "store_access_fault",
            8 => "user_ecall",
            9 => "supervisor_ecall",
            11 => "machine_ecall",
            12 => "instruction_page_fault",
            13 => "load_page_fault",
            15 => "store_page_fault",
            _ => "unknown",
        }
    }
}

impl Hart {
    /// Takes exception `e` raised by the instruction at `self.pc`.
    pub(crate) fn take_exception(&mut self, e: Exception) {
        self.stats.exceptions[e.cause() as usize & 15] += 1;
        self.trap(false, e.cause(), e.tval());
    }

    /// The highest-priority interrupt that is pending, enabled and not
    /// masked at the current privilege (priv spec §3.1.9), if any.
    pub(crate) fn pending_interrupt(&self) -> Option<u64> {
        let pending = self.csr.mip & self.csr.mie;
        if pending == 0 {
            return None;
        }
        let mstatus = self.csr.mstatus;
        let m_on = self.prv < PRV_M || mstatus & MSTATUS_MIE != 0;
        let s_on = self.prv < PRV_S || (self.prv == PRV_S && mstatus & MSTATUS_SIE != 0);
        let m = if m_on { pending & !self.csr.mideleg } else { 0 };
        let s = if s_on { pending & self.csr.mideleg } else { 0 };
        let take = if m != 0 { m } else { s };
        IRQ_PRIORITY.into_iter().find(|&i| take & (1 << i) != 0)
    }

    /// Takes the highest-priority enabled interrupt, if any; true when taken.
    pub(crate) fn take_interrupt(&mut self) -> bool {
        match self.pending_interrupt() {
            Some(irq) => {
                self.stats.interrupts[irq as usize & 15] += 1;
                self.trap(true, irq, 0);
                true
            }
            None => false,
        }
    }

    /// Trap entry (priv spec §3.1.6.1, §4.1.1): picks M or S by delegation,
    /// saves pc/cause/tval, stacks the interrupt enable, jumps to the vector.
    fn trap(&mut self, interrupt: bool, cause: u64, tval: u64) {
        let from = self.prv;
        let deleg = if interrupt {
            self.csr.mideleg
        } else {
            self.csr.medeleg
        };
        let to_s = from <= PRV_S && (deleg >> cause) & 1 != 0;
        let mcause = cause | (interrupt as u64) << 63;
        let st = self.csr.mstatus;
        let (tvec, to) = if to_s {
            self.csr.scause = mcause;
            self.csr.sepc = self.pc;
            self.csr.stval = tval;
            let mut s = st & !(MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SIE);
            if st & MSTATUS_SIE != 0 {
                s |= MSTATUS_SPIE;
            }
            if from == PRV_S {
                s |= MSTATUS_SPP;
            }
            self.csr.mstatus = s;
            (self.csr.stvec, PRV_S)
        } else {
            self.csr.mcause = mcause;
            self.csr.mepc = self.pc;
            self.csr.mtval = tval;
            let mut s = st & !(MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MIE);
            if st & MSTATUS_MIE != 0 {
                s |= MSTATUS_MPIE;
            }
            s |= (from as u64) << 11;
            self.csr.mstatus = s;
            (self.csr.mtvec, PRV_M)
        };
        let epc = self.pc;
        self.pc = if interrupt && tvec & 3 == 1 {
            (tvec & !3).wrapping_add(4 * cause)
        } else {
            tvec & !3
        };
        self.set_prv(to);
        self.wfi = false;
        if let Some(t) = self.trace.as_mut() {
            if t.traps {
                t.trap(self.id, interrupt, cause, tval, epc, from, to);
            }
        }
    }

    /// MRET (priv spec §3.3.2): legal in M only.
    pub(crate) fn mret(&mut self, raw: u32) -> Result<(), Exception> {
        if self.prv != PRV_M {
            return Err(Exception::Illegal(raw));
        }
        let st = self.csr.mstatus;
        let mpp = ((st & MSTATUS_MPP) >> 11) as u8;
        let mut s = st & !(MSTATUS_MIE | MSTATUS_MPP);
        if st & MSTATUS_MPIE != 0 {
            s |= MSTATUS_MIE;
        }
        s |= MSTATUS_MPIE;
        if mpp != PRV_M {
            s &= !MSTATUS_MPRV;
        }
        self.csr.mstatus = s;
        self.pc = self.csr.mepc;
        self.set_prv(mpp);
        Ok(())
    }

    /// SRET: legal in M, and in S unless mstatus.TSR.
    pub(crate) fn sret(&mut self, raw: u32) -> Result<(), Exception> {
        let tsr = self.csr.mstatus & super::csr::MSTATUS_TSR != 0;
        if self.prv < PRV_S || (self.prv == PRV_S && tsr) {
            return Err(Exception::Illegal(raw));
        }
        let st = self.csr.mstatus;
        let spp = if st & MSTATUS_SPP != 0 { PRV_S } else { PRV_U };
        let mut s = st & !(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV);
        if st & MSTATUS_SPIE != 0 {
            s |= MSTATUS_SIE;
        }
        s |= MSTATUS_SPIE;
        self.csr.mstatus = s;
        self.pc = self.csr.sepc;
        self.set_prv(spp);
        Ok(())
    }

    /// Changes privilege; translation depends on it, so the TLB goes.
    pub(crate) fn set_prv(&mut self, prv: u8) {
        if prv != self.prv {
            self.prv = prv;
            self.mmu.flush();
        }
    }
}

/// Hardware-driven interrupt bits the board may raise with [`Hart::set_irq`].
pub const HW_IRQS: u64 = MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_MEIP;

/// Interrupt bits software can have pending at S level.
pub const S_IRQS: u64 = MIP_SSIP | MIP_STIP | MIP_SEIP;
