//! Control and status registers: numbers, reset values, access checks, WARL writes.

use std::fmt::Write;

use super::{Hart, PRV_M, PRV_S, PRV_U};

pub const FFLAGS: u16 = 0x001;
pub const FRM: u16 = 0x002;
pub const FCSR: u16 = 0x003;
pub const CYCLE: u16 = 0xc00;
pub const TIME: u16 = 0xc01;
pub const INSTRET: u16 = 0xc02;
pub const HPMCOUNTER3: u16 = 0xc03;
pub const HPMCOUNTER31: u16 = 0xc1f;
pub const SSTATUS: u16 = 0x100;
pub const SIE: u16 = 0x104;
pub const STVEC: u16 = 0x105;
pub const SCOUNTEREN: u16 = 0x106;
pub const SENVCFG: u16 = 0x10a;
pub const SSCRATCH: u16 = 0x140;
pub const SEPC: u16 = 0x141;
pub const SCAUSE: u16 = 0x142;
pub const STVAL: u16 = 0x143;
pub const SIP: u16 = 0x144;
pub const STIMECMP: u16 = 0x14d;
pub const SATP: u16 = 0x180;
pub const MSTATUS: u16 = 0x300;
pub const MISA: u16 = 0x301;
pub const MEDELEG: u16 = 0x302;
pub const MIDELEG: u16 = 0x303;
pub const MIE: u16 = 0x304;
pub const MTVEC: u16 = 0x305;
pub const MCOUNTEREN: u16 = 0x306;
pub const MENVCFG: u16 = 0x30a;
pub const MCOUNTINHIBIT: u16 = 0x320;
pub const MHPMEVENT3: u16 = 0x323;
pub const MHPMEVENT31: u16 = 0x33f;
pub const MSCRATCH: u16 = 0x340;
pub const MEPC: u16 = 0x341;
pub const MCAUSE: u16 = 0x342;
pub const MTVAL: u16 = 0x343;
pub const MIP: u16 = 0x344;
pub const PMPCFG0: u16 = 0x3a0;
pub const PMPCFG15: u16 = 0x3af;
pub const PMPADDR0: u16 = 0x3b0;
pub const PMPADDR63: u16 = 0x3ef;
pub const MCYCLE: u16 = 0xb00;
pub const MINSTRET: u16 = 0xb02;
pub const MHPMCOUNTER3: u16 = 0xb03;
pub const MHPMCOUNTER31: u16 = 0xb1f;
/// Sdtrig: no triggers; tselect and tdata1..3 read 0 and ignore writes.
pub const TSELECT: u16 = 0x7a0;
pub const TDATA3: u16 = 0x7a3;
pub const MVENDORID: u16 = 0xf11;
pub const MARCHID: u16 = 0xf12;
pub const MIMPID: u16 = 0xf13;
pub const MHARTID: u16 = 0xf14;
pub const MCONFIGPTR: u16 = 0xf15;

pub const MSTATUS_SIE: u64 = 1 << 1;
pub const MSTATUS_MIE: u64 = 1 << 3;
pub const MSTATUS_SPIE: u64 = 1 << 5;
pub const MSTATUS_MPIE: u64 = 1 << 7;
pub const MSTATUS_SPP: u64 = 1 << 8;
pub const MSTATUS_MPP: u64 = 3 << 11;
pub const MSTATUS_FS: u64 = 3 << 13;
pub const MSTATUS_MPRV: u64 = 1 << 17;
pub const MSTATUS_SUM: u64 = 1 << 18;
pub const MSTATUS_MXR: u64 = 1 << 19;
pub const MSTATUS_TVM: u64 = 1 << 20;
pub const MSTATUS_TW: u64 = 1 << 21;
pub const MSTATUS_TSR: u64 = 1 << 22;
pub const MSTATUS_SD: u64 = 1 << 63;
/// SXL = UXL = 2 (64-bit), read-only.
const MSTATUS_XL: u64 = 0xa_0000_0000;
/// mstatus bits M-mode may write.
const MSTATUS_WMASK: u64 = MSTATUS_SIE
    | MSTATUS_MIE
    | MSTATUS_SPIE
    | MSTATUS_MPIE
    | MSTATUS_SPP
    | MSTATUS_MPP
    | MSTATUS_FS
    | MSTATUS_MPRV
    | MSTATUS_SUM
    | MSTATUS_MXR
    | MSTATUS_TVM
    | MSTATUS_TW
    | MSTATUS_TSR;
/// sstatus bits S-mode may write.
const SSTATUS_WMASK: u64 =
    MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR;
/// sstatus view of mstatus: the writable bits, UXL and SD.
const SSTATUS_RMASK: u64 = SSTATUS_WMASK | (3 << 32) | MSTATUS_SD;
/// mstatus bits that change how loads and stores translate.
const MSTATUS_XLATE: u64 = MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_SUM | MSTATUS_MXR;

pub const MIP_SSIP: u64 = 1 << 1;
pub const MIP_MSIP: u64 = 1 << 3;
pub const MIP_STIP: u64 = 1 << 5;
pub const MIP_MTIP: u64 = 1 << 7;
pub const MIP_SEIP: u64 = 1 << 9;
pub const MIP_MEIP: u64 = 1 << 11;
/// Interrupt-enable bits that exist.
const MIE_MASK: u64 = 0xaaa;
/// Delegable interrupts.
const MIDELEG_MASK: u64 = MIP_SSIP | MIP_STIP | MIP_SEIP;
/// Delegable exceptions: 0..=15 except 10 and 14 (reserved) and 11 (ecall
/// from M, read-only zero per the spec).
const MEDELEG_MASK: u64 = 0xb3ff;

pub const MENVCFG_FIOM: u64 = 1;
pub const MENVCFG_ADUE: u64 = 1 << 61;
pub const MENVCFG_STCE: u64 = 1 << 63;

/// RV64IMAFDCSU, read-only.
pub const MISA_VALUE: u64 = 0x8000_0000_0014_112d;
/// satp MODE values (bits 63:60).
pub const SATP_BARE: u64 = 0;
pub const SATP_SV39: u64 = 8;
/// pmpaddr holds bits 55:2 of an address.
const PMPADDR_MASK: u64 = (1 << 54) - 1;

/// CSR state that is not a pure view of another register.
pub struct Csrs {
    /// Without SD, which is computed on read.
    pub mstatus: u64,
    pub medeleg: u64,
    pub mideleg: u64,
    pub mie: u64,
    /// Effective pending bits: software-written SSIP/STIP, hardware lines,
    /// and SEIP = `seip_sw | seip_hw`.
    pub mip: u64,
    pub seip_sw: bool,
    pub seip_hw: bool,
    pub mtvec: u64,
    pub stvec: u64,
    pub mepc: u64,
    pub sepc: u64,
    pub mcause: u64,
    pub scause: u64,
    pub mtval: u64,
    pub stval: u64,
    pub mscratch: u64,
    pub sscratch: u64,
    pub mcounteren: u64,
    pub scounteren: u64,
    pub mcountinhibit: u64,
    pub menvcfg: u64,
    pub senvcfg: u64,
    pub satp: u64,
    pub stimecmp: u64,
    pub fflags: u8,
    pub frm: u8,
    pub pmpcfg: [u64; 8],
    pub pmpaddr: [u64; 64],
    /// mcycle = retired + mcycle_off; minstret = retired + minstret_off.
    pub mcycle_off: u64,
    pub minstret_off: u64,
}

impl Csrs {
    /// Reset values as QEMU virt (MACHINE.md §10).
    pub fn new() -> Csrs {
        Csrs {
            mstatus: MSTATUS_XL,
            medeleg: 0,
            mideleg: 0,
            mie: 0,
            mip: 0,
            seip_sw: false,
            seip_hw: false,
            mtvec: 0,
            stvec: 0,
            mepc: 0,
            sepc: 0,
            mcause: 0,
            scause: 0,
            mtval: 0,
            stval: 0,
            mscratch: 0,
            sscratch: 0,
            mcounteren: 0,
            scounteren: 0,
            mcountinhibit: 0,
            menvcfg: MENVCFG_ADUE,
            senvcfg: 0,
            satp: 0,
            stimecmp: 0,
            fflags: 0,
            frm: 0,
            pmpcfg: [0; 8],
            pmpaddr: [0; 64],
            mcycle_off: 0,
            minstret_off: 0,
        }
    }
}

impl Default for Csrs {
    fn default() -> Self {
        Csrs::new()
    }
}

impl Hart {
    /// sstatus as software reads it.
    #[inline(always)]
    pub(crate) fn sstatus(&self) -> u64 {
        self.mstatus() & SSTATUS_RMASK
    }

    /// mstatus as software reads it (SD computed from FS).
    pub(crate) fn mstatus(&self) -> u64 {
        let s = self.csr.mstatus;
        if s & MSTATUS_FS == MSTATUS_FS {
            s | MSTATUS_SD
        } else {
            s
        }
    }

    /// The value of `csr`, None when it does not exist. No checks, no side effects.
    pub(crate) fn csr_value(&self, csr: u16) -> Option<u64> {
        let c = &self.csr;
        let retired = self.retired;
        Some(match csr {
            FFLAGS => c.fflags as u64,
            FRM => c.frm as u64,
            FCSR => ((c.frm as u64) << 5) | c.fflags as u64,
            CYCLE | MCYCLE => retired.wrapping_add(c.mcycle_off),
            TIME => self.time,
            INSTRET | MINSTRET => retired.wrapping_add(c.minstret_off),
            HPMCOUNTER3..=HPMCOUNTER31 | MHPMCOUNTER3..=MHPMCOUNTER31 => 0,
            MHPMEVENT3..=MHPMEVENT31 => 0,
            SSTATUS => self.sstatus(),
            SIE => c.mie & c.mideleg,
            STVEC => c.stvec,
            SCOUNTEREN => c.scounteren,
            SENVCFG => c.senvcfg,
            SSCRATCH => c.sscratch,
            SEPC => c.sepc,
            SCAUSE => c.scause,
            STVAL => c.stval,
            SIP => c.mip & c.mideleg,
            STIMECMP => c.stimecmp,
            SATP => c.satp,
            MSTATUS => self.mstatus(),
            MISA => MISA_VALUE,
            MEDELEG => c.medeleg,
            MIDELEG => c.mideleg,
            MIE => c.mie,
            MTVEC => c.mtvec,
            MCOUNTEREN => c.mcounteren,
            MENVCFG => c.menvcfg,
            MCOUNTINHIBIT => c.mcountinhibit,
            MSCRATCH => c.mscratch,
            MEPC => c.mepc,
            MCAUSE => c.mcause,
            MTVAL => c.mtval,
            MIP => c.mip,
            PMPCFG0..=PMPCFG15 if csr & 1 == 0 => c.pmpcfg[(csr - PMPCFG0) as usize / 2],
            PMPADDR0..=PMPADDR63 => c.pmpaddr[(csr - PMPADDR0) as usize],
            MVENDORID | MARCHID | MIMPID | MCONFIGPTR | TSELECT..=TDATA3 => 0,
            MHARTID => self.id,
            _ => return None,
        })
    }

    /// Whether the current privilege may access `csr` (read, and write when
    /// `write`): existence, privilege level, read-only, then the per-CSR
    /// gates (FS, counter enables, TVM, Sstc), as TinyEMU does up front.
    pub(crate) fn csr_allowed(&self, csr: u16, write: bool) -> bool {
        if self.csr_value(csr).is_none()
            || self.prv < ((csr >> 8) & 3) as u8
            || (write && csr >> 10 == 3)
        {
            return false;
        }
        let c = &self.csr;
        match csr {
            FFLAGS | FRM | FCSR => c.mstatus & MSTATUS_FS != 0,
            CYCLE..=HPMCOUNTER31 => {
                let bit = 1 << (csr - CYCLE);
                (self.prv == PRV_M || c.mcounteren & bit != 0)
                    && (self.prv != PRV_U || c.scounteren & bit != 0)
            }
            SATP => !(self.prv == PRV_S && c.mstatus & MSTATUS_TVM != 0),
            STIMECMP => {
                self.prv == PRV_M || (c.mcounteren & 2 != 0 && c.menvcfg & MENVCFG_STCE != 0)
            }
            _ => true,
        }
    }

    /// Writes `val` to an existing, permitted `csr` with its WARL rules and
    /// side effects (TLB flush, STIP, FS dirty).
    pub(crate) fn csr_write(&mut self, csr: u16, val: u64) {
        let c = &mut self.csr;
        match csr {
            FFLAGS => c.fflags = val as u8 & 0x1f,
            FRM => c.frm = val as u8 & 7,
            FCSR => {
                c.fflags = val as u8 & 0x1f;
                c.frm = (val >> 5) as u8 & 7;
            }
            MCYCLE => c.mcycle_off = val.wrapping_sub(self.retired),
            MINSTRET => c.minstret_off = val.wrapping_sub(self.retired),
            MHPMCOUNTER3..=MHPMCOUNTER31 | MHPMEVENT3..=MHPMEVENT31 | TSELECT..=TDATA3 => {}
            SSTATUS => {
                let v = (c.mstatus & !SSTATUS_WMASK) | (val & SSTATUS_WMASK);
                self.set_mstatus(v);
            }
            MSTATUS => {
                let mut v = (c.mstatus & !MSTATUS_WMASK) | (val & MSTATUS_WMASK);
                if v & MSTATUS_MPP == 2 << 11 {
                    v = (v & !MSTATUS_MPP) | (c.mstatus & MSTATUS_MPP);
                }
                self.set_mstatus(v);
            }
            SIE => c.mie = (c.mie & !c.mideleg) | (val & c.mideleg & MIE_MASK),
            MIE => c.mie = val & MIE_MASK,
            SIP => {
                let m = c.mideleg & MIP_SSIP;
                c.mip = (c.mip & !m) | (val & m);
            }
            MIP => {
                let mut m = MIP_SSIP;
                if c.menvcfg & MENVCFG_STCE == 0 {
                    m |= MIP_STIP;
                }
                c.mip = (c.mip & !m) | (val & m);
                c.seip_sw = val & MIP_SEIP != 0;
                self.update_seip();
            }
            STVEC if val & 3 < 2 => c.stvec = val,
            MTVEC if val & 3 < 2 => c.mtvec = val,
            SCOUNTEREN => c.scounteren = val & 0xffff_ffff,
            MCOUNTEREN => c.mcounteren = val & 0xffff_ffff,
            MCOUNTINHIBIT => c.mcountinhibit = val & 0xffff_fffd,
            SENVCFG => c.senvcfg = val & MENVCFG_FIOM,
            MENVCFG => {
                c.menvcfg = (val & (MENVCFG_FIOM | MENVCFG_STCE)) | MENVCFG_ADUE;
                self.update_stip();
            }
            SSCRATCH => c.sscratch = val,
            MSCRATCH => c.mscratch = val,
            SEPC => c.sepc = val & !1,
            MEPC => c.mepc = val & !1,
            SCAUSE => c.scause = val,
            MCAUSE => c.mcause = val,
            STVAL => c.stval = val,
            MTVAL => c.mtval = val,
            STIMECMP => {
                c.stimecmp = val;
                self.update_stip();
            }
            SATP => {
                let mode = val >> 60;
                if mode == SATP_BARE || mode == SATP_SV39 {
                    c.satp = val;
                    self.mmu.flush();
                }
            }
            MEDELEG => c.medeleg = val & MEDELEG_MASK,
            MIDELEG => c.mideleg = val & MIDELEG_MASK,
            PMPCFG0..=PMPCFG15 => c.pmpcfg[(csr - PMPCFG0) as usize / 2] = val,
            PMPADDR0..=PMPADDR63 => c.pmpaddr[(csr - PMPADDR0) as usize] = val & PMPADDR_MASK,
            _ => {}
        }
        if matches!(csr, FFLAGS | FRM | FCSR) {
            self.csr.mstatus |= MSTATUS_FS;
        }
    }

    /// Sets mstatus (SD excluded), flushing the TLB when translation changes.
    fn set_mstatus(&mut self, v: u64) {
        if (v ^ self.csr.mstatus) & MSTATUS_XLATE != 0 {
            self.mmu.flush();
        }
        self.csr.mstatus = v;
    }

    /// mip.SEIP is the software-written bit ORed with the PLIC's S line.
    pub(crate) fn update_seip(&mut self) {
        let c = &mut self.csr;
        if c.seip_sw || c.seip_hw {
            c.mip |= MIP_SEIP;
        } else {
            c.mip &= !MIP_SEIP;
        }
    }

    /// With Sstc on, STIP follows `time >= stimecmp`.
    pub(crate) fn update_stip(&mut self) {
        let c = &mut self.csr;
        if c.menvcfg & MENVCFG_STCE != 0 {
            if self.time >= c.stimecmp {
                c.mip |= MIP_STIP;
            } else {
                c.mip &= !MIP_STIP;
            }
        }
    }
}

/// Appends the name of `csr` (as Spike's commit log spells it) to `out`.
pub fn write_name(csr: u16, out: &mut String) {
    let name = match csr {
        FFLAGS => "fflags",
        FRM => "frm",
        FCSR => "fcsr",
        CYCLE => "cycle",
        TIME => "time",
        INSTRET => "instret",
        SSTATUS => "sstatus",
        SIE => "sie",
        STVEC => "stvec",
        SCOUNTEREN => "scounteren",
        SENVCFG => "senvcfg",
        SSCRATCH => "sscratch",
        SEPC => "sepc",
        SCAUSE => "scause",
        STVAL => "stval",
        SIP => "sip",
        STIMECMP => "stimecmp",
        SATP => "satp",
        MSTATUS => "mstatus",
        MISA => "misa",
        MEDELEG => "medeleg",
        MIDELEG => "mideleg",
        MIE => "mie",
        MTVEC => "mtvec",
        MCOUNTEREN => "mcounteren",
        MENVCFG => "menvcfg",
        MCOUNTINHIBIT => "mcountinhibit",
        MSCRATCH => "mscratch",
        MEPC => "mepc",
        MCAUSE => "mcause",
        MTVAL => "mtval",
        MIP => "mip",
        MCYCLE => "mcycle",
        MINSTRET => "minstret",
        MVENDORID => "mvendorid",
        MARCHID => "marchid",
        MIMPID => "mimpid",
        MHARTID => "mhartid",
        MCONFIGPTR => "mconfigptr",
        HPMCOUNTER3..=HPMCOUNTER31 => {
            let _ = write!(out, "hpmcounter{}", csr - CYCLE);
            return;
        }
        MHPMCOUNTER3..=MHPMCOUNTER31 => {
            let _ = write!(out, "mhpmcounter{}", csr - MCYCLE);
            return;
        }
        MHPMEVENT3..=MHPMEVENT31 => {
            let _ = write!(out, "mhpmevent{}", csr - MCOUNTINHIBIT);
            return;
        }
        PMPCFG0..=PMPCFG15 => {
            let _ = write!(out, "pmpcfg{}", csr - PMPCFG0);
            return;
        }
        PMPADDR0..=PMPADDR63 => {
            let _ = write!(out, "pmpaddr{}", csr - PMPADDR0);
            return;
        }
        _ => {
            let _ = write!(out, "csr{csr:#x}");
            return;
        }
    };
    out.push_str(name);
}

#[cfg(test)]
#[path = "csr_tests.rs"]
mod tests;
