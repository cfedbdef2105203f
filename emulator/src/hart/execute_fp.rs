//! The F and D extensions: FS gating, rounding modes, NaN-boxing, fflags;
//! the arithmetic itself is in fpu.rs.

use super::csr::MSTATUS_FS;
use super::fpu;
use super::insn::{Decoded, FpBinOp, FpFmt, Insn, Width};
use super::{Exception, Hart};
use crate::bus::Bus;

impl Hart {
    /// Resolves the `rm` field: 7 reads frm; 5, 6 (or frm holding 5..7)
    /// are reserved (None).
    #[inline(always)]
    pub(crate) fn resolve_rm(&self, rm: u8) -> Option<u8> {
        let rm = if rm == 7 { self.csr.frm } else { rm };
        (rm < 5).then_some(rm)
    }

    /// `resolve_rm`, a reserved mode being an illegal instruction.
    fn rounding(&self, rm: u8, raw: u32) -> Result<u8, Exception> {
        self.resolve_rm(rm).ok_or(Exception::Illegal(raw))
    }

    /// Writes f-register `rd` and marks the FP state dirty.
    fn set_f(&mut self, rd: u8, v: u64) {
        self.f[rd as usize & 31] = v;
        self.csr.mstatus |= MSTATUS_FS;
    }

    /// Writes an FP result and accrues its exception flags.
    fn set_f_flags(&mut self, rd: u8, (v, flags): (u64, u8)) {
        self.set_f(rd, v);
        self.csr.fflags |= flags;
    }

    /// Writes an integer result of an FP instruction and accrues its flags.
    fn set_x_flags(&mut self, rd: u8, (v, flags): (u64, u8)) {
        self.set_x(rd, v);
        if flags != 0 {
            self.csr.fflags |= flags;
            self.csr.mstatus |= MSTATUS_FS;
        }
    }

    fn fr(&self, r: u8) -> u64 {
        self.f[r as usize & 31]
    }

    /// Every F/D instruction; illegal while mstatus.FS is Off.
    pub(crate) fn execute_fp(&mut self, d: &Decoded, bus: &mut Bus) -> Result<(), Exception> {
        if self.csr.mstatus & MSTATUS_FS == 0 {
            return Err(Exception::Illegal(d.raw));
        }
        let raw = d.raw;
        match d.insn {
            Insn::FLoad { fmt, rd, rs1, imm } => {
                let va = self.xr(rs1).wrapping_add(imm as i64 as u64);
                self.mmu.lookups += 1;
                let v = match fmt {
                    FpFmt::S => fpu::nan_box(self.load(bus, va, Width::W)? as u32),
                    FpFmt::D => self.load(bus, va, Width::D)?,
                };
                self.set_f(rd, v);
            }
            Insn::FStore { fmt, rs1, rs2, imm } => {
                let va = self.xr(rs1).wrapping_add(imm as i64 as u64);
                let w = if fmt == FpFmt::S { Width::W } else { Width::D };
                self.mmu.lookups += 1;
                self.store(bus, va, w, self.fr(rs2))?;
            }
            Insn::Fma {
                op,
                fmt,
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => {
                let rm = self.rounding(rm, raw)?;
                let r = fpu::fma(op, fmt, self.fr(rs1), self.fr(rs2), self.fr(rs3), rm);
                self.set_f_flags(rd, r);
            }
            Insn::FBin {
                op,
                fmt,
                rd,
                rs1,
                rs2,
                rm,
            } => {
                // For MIN/MAX/SGNJ* the field is funct3, not a rounding mode.
                let rm = match op {
                    FpBinOp::Add | FpBinOp::Sub | FpBinOp::Mul | FpBinOp::Div => {
                        self.rounding(rm, raw)?
                    }
                    _ => rm,
                };
                let r = fpu::binop(op, fmt, self.fr(rs1), self.fr(rs2), rm);
                self.set_f_flags(rd, r);
            }
            Insn::FSqrt { fmt, rd, rs1, rm } => {
                let rm = self.rounding(rm, raw)?;
                let r = fpu::sqrt(fmt, self.fr(rs1), rm);
                self.set_f_flags(rd, r);
            }
            Insn::FCmp {
                op,
                fmt,
                rd,
                rs1,
                rs2,
            } => {
                let r = fpu::cmp(op, fmt, self.fr(rs1), self.fr(rs2));
                self.set_x_flags(rd, r);
            }
            Insn::FClass { fmt, rd, rs1 } => {
                let v = fpu::class(fmt, self.fr(rs1));
                self.set_x(rd, v);
            }
            Insn::FCvtToInt {
                to,
                fmt,
                rd,
                rs1,
                rm,
            } => {
                let rm = self.rounding(rm, raw)?;
                let r = fpu::cvt_to_int(to, fmt, self.fr(rs1), rm);
                self.set_x_flags(rd, r);
            }
            Insn::FCvtFromInt {
                from,
                fmt,
                rd,
                rs1,
                rm,
            } => {
                let rm = self.rounding(rm, raw)?;
                let r = fpu::cvt_from_int(from, fmt, self.xr(rs1), rm);
                self.set_f_flags(rd, r);
            }
            Insn::FCvtFmt { to, rd, rs1, rm } => {
                let rm = self.rounding(rm, raw)?;
                let r = fpu::cvt_fmt(to, self.fr(rs1), rm);
                self.set_f_flags(rd, r);
            }
            Insn::FMvToInt { fmt, rd, rs1 } => {
                let v = self.fr(rs1);
                let v = match fmt {
                    FpFmt::S => v as u32 as i32 as i64 as u64,
                    FpFmt::D => v,
                };
                self.set_x(rd, v);
            }
            Insn::FMvFromInt { fmt, rd, rs1 } => {
                let v = self.xr(rs1);
                let v = match fmt {
                    FpFmt::S => fpu::nan_box(v as u32),
                    FpFmt::D => v,
                };
                self.set_f(rd, v);
            }
            _ => return Err(Exception::Illegal(raw)),
        }
        Ok(())
    }
}
