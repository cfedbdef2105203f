//! Instruction semantics: one short arm per family (RV64I, M, Zicsr,
//! privileged), with the arithmetic in pure helpers. Memory, atomics and
//! floating point live in execute_mem.rs and execute_fp.rs.

use super::csr::{MSTATUS_TVM, MSTATUS_TW};
use super::insn::{AluOp, Cond, CsrOp, Decoded, Insn};
use super::{Exception, Hart, PRV_S, PRV_U};
use crate::bus::Bus;

/// 64-bit ALU operation (OP, OP-IMM and M). Division follows the spec's
/// table: x/0 = -1, x%0 = x, MIN/-1 = MIN, MIN%-1 = 0.
pub fn alu(op: AluOp, a: u64, b: u64) -> u64 {
    let (sa, sb) = (a as i64, b as i64);
    match op {
        AluOp::Add => a.wrapping_add(b),
        AluOp::Sub => a.wrapping_sub(b),
        AluOp::Sll => a << (b & 63),
        AluOp::Slt => (sa < sb) as u64,
        AluOp::Sltu => (a < b) as u64,
        AluOp::Xor => a ^ b,
        AluOp::Srl => a >> (b & 63),
        AluOp::Sra => (sa >> (b & 63)) as u64,
        AluOp::Or => a | b,
        AluOp::And => a & b,
        AluOp::Mul => a.wrapping_mul(b),
        AluOp::Mulh => ((sa as i128 * sb as i128) >> 64) as u64,
        AluOp::Mulhsu => ((sa as i128 * b as i128) >> 64) as u64,
        AluOp::Mulhu => ((a as u128 * b as u128) >> 64) as u64,
        AluOp::Div => match sb {
            0 => u64::MAX,
            _ => sa.wrapping_div(sb) as u64,
        },
        AluOp::Divu => a.checked_div(b).unwrap_or(u64::MAX),
        AluOp::Rem => match sb {
            0 => a,
            _ => sa.wrapping_rem(sb) as u64,
        },
        AluOp::Remu => a.checked_rem(b).unwrap_or(a),
    }
}

/// 32-bit ALU operation (OP-32, OP-IMM-32, M's W forms): operates on the low
/// 32 bits and sign-extends the 32-bit result.
pub fn alu_w(op: AluOp, a: u64, b: u64) -> u64 {
    let (a, b) = (a as u32, b as u32);
    let (sa, sb) = (a as i32, b as i32);
    let r = match op {
        AluOp::Add => a.wrapping_add(b),
        AluOp::Sub => a.wrapping_sub(b),
        AluOp::Sll => a << (b & 31),
        AluOp::Srl => a >> (b & 31),
        AluOp::Sra => (sa >> (b & 31)) as u32,
        AluOp::Mul => a.wrapping_mul(b),
        AluOp::Div => match sb {
            0 => u32::MAX,
            _ => sa.wrapping_div(sb) as u32,
        },
        AluOp::Divu => a.checked_div(b).unwrap_or(u32::MAX),
        AluOp::Rem => match sb {
            0 => a,
            _ => sa.wrapping_rem(sb) as u32,
        },
        AluOp::Remu => a.checked_rem(b).unwrap_or(a),
        // Not encodable as W forms; the decoder never produces them.
        _ => alu(op, a as u64, b as u64) as u32,
    };
    r as i32 as i64 as u64
}

/// Whether a branch with condition `c` is taken.
pub fn branch_taken(c: Cond, a: u64, b: u64) -> bool {
    match c {
        Cond::Eq => a == b,
        Cond::Ne => a != b,
        Cond::Lt => (a as i64) < (b as i64),
        Cond::Ge => (a as i64) >= (b as i64),
        Cond::Ltu => a < b,
        Cond::Geu => a >= b,
    }
}

impl Hart {
    /// Executes `d` at `self.pc`. On success pc moves on (or jumps); on an
    /// exception nothing architectural has changed and pc still points at it.
    #[inline(always)]
    pub(crate) fn execute(&mut self, d: &Decoded, bus: &mut Bus) -> Result<(), Exception> {
        let pc = self.pc;
        let next = pc.wrapping_add(d.len as u64);
        match d.insn {
            Insn::Op {
                op,
                w,
                rd,
                rs1,
                rs2,
            } => {
                let (a, b) = (self.xr(rs1), self.xr(rs2));
                self.set_x(rd, if w { alu_w(op, a, b) } else { alu(op, a, b) });
            }
            Insn::OpImm {
                op,
                w,
                rd,
                rs1,
                imm,
            } => {
                let (a, b) = (self.xr(rs1), imm as i64 as u64);
                self.set_x(rd, if w { alu_w(op, a, b) } else { alu(op, a, b) });
            }
            Insn::Lui { rd, imm } => self.set_x(rd, imm as i64 as u64),
            Insn::Auipc { rd, imm } => self.set_x(rd, pc.wrapping_add(imm as i64 as u64)),
            Insn::Jal { rd, imm } => {
                self.set_x(rd, next);
                self.pc = pc.wrapping_add(imm as i64 as u64);
                return Ok(());
            }
            Insn::Jalr { rd, rs1, imm } => {
                let target = self.xr(rs1).wrapping_add(imm as i64 as u64) & !1;
                self.set_x(rd, next);
                self.pc = target;
                return Ok(());
            }
            Insn::Branch {
                cond,
                rs1,
                rs2,
                imm,
            } => {
                if branch_taken(cond, self.xr(rs1), self.xr(rs2)) {
                    self.pc = pc.wrapping_add(imm as i64 as u64);
                    return Ok(());
                }
            }
            Insn::Load {
                width,
                signed,
                rd,
                rs1,
                imm,
            } => {
                let va = self.xr(rs1).wrapping_add(imm as i64 as u64);
                self.mmu.lookups += 1;
                let v = self.load(bus, va, width)?;
                self.set_x(
                    rd,
                    if signed {
                        sign_extend(v, width.bytes())
                    } else {
                        v
                    },
                );
            }
            Insn::Store {
                width,
                rs1,
                rs2,
                imm,
            } => {
                let va = self.xr(rs1).wrapping_add(imm as i64 as u64);
                self.mmu.lookups += 1;
                self.store(bus, va, width, self.xr(rs2))?;
            }
            Insn::Fence => {}
            Insn::FenceI => {}
            Insn::Ecall => return Err(Exception::Ecall(self.prv)),
            Insn::Ebreak => return Err(Exception::Breakpoint(pc)),
            Insn::Mret => return self.mret(d.raw),
            Insn::Sret => return self.sret(d.raw),
            Insn::Wfi => {
                let tw = self.csr.mstatus & MSTATUS_TW != 0;
                if self.prv == PRV_U || (self.prv == PRV_S && tw) {
                    return Err(Exception::Illegal(d.raw));
                }
                if self.csr.mip & self.csr.mie == 0 {
                    self.wfi = true;
                }
            }
            Insn::SfenceVma { .. } => {
                let tvm = self.csr.mstatus & MSTATUS_TVM != 0;
                if self.prv == PRV_U || (self.prv == PRV_S && tvm) {
                    return Err(Exception::Illegal(d.raw));
                }
                self.mmu.flush();
            }
            Insn::Csr { op, rd, rs1, csr } => {
                let src = self.xr(rs1);
                self.csr_insn(d.raw, op, rd, csr, src, rs1 != 0)?;
            }
            Insn::CsrImm { op, rd, uimm, csr } => {
                self.csr_insn(d.raw, op, rd, csr, uimm as u64, uimm != 0)?;
            }
            Insn::Lr { .. } | Insn::Sc { .. } | Insn::Amo { .. } => self.execute_atomic(d, bus)?,
            Insn::Illegal(bits) => return Err(Exception::Illegal(bits)),
            _ => self.execute_fp(d, bus)?,
        }
        self.pc = next;
        Ok(())
    }

    /// CSRRW/CSRRS/CSRRC (and the immediate forms). `nonzero_src` tells
    /// whether CSRRS/CSRRC write at all (rs1 = x0 / uimm = 0 do not).
    pub(super) fn csr_insn(
        &mut self,
        raw: u32,
        op: CsrOp,
        rd: u8,
        csr: u16,
        src: u64,
        nonzero_src: bool,
    ) -> Result<(), Exception> {
        let write = op == CsrOp::Rw || nonzero_src;
        if !self.csr_allowed(csr, write) {
            return Err(Exception::Illegal(raw));
        }
        let old = self.csr_value(csr).unwrap_or(0);
        if write {
            // Only the software-written SEIP takes part in a read-modify-write of mip.
            let base = if csr == super::csr::MIP {
                (old & !super::csr::MIP_SEIP)
                    | if self.csr.seip_sw {
                        super::csr::MIP_SEIP
                    } else {
                        0
                    }
            } else {
                old
            };
            let new = match op {
                CsrOp::Rw => src,
                CsrOp::Rs => base | src,
                CsrOp::Rc => base & !src,
            };
            // An instret/cycle write is what the next instruction reads.
            let new = if matches!(csr, super::csr::MINSTRET | super::csr::MCYCLE) {
                new.wrapping_sub(1)
            } else {
                new
            };
            self.csr_write(csr, new);
        }
        self.set_x(rd, old);
        Ok(())
    }
}

/// Sign-extends the low `bytes` bytes of `v`.
pub fn sign_extend(v: u64, bytes: u8) -> u64 {
    let shift = 64 - 8 * bytes as u32;
    (((v << shift) as i64) >> shift) as u64
}

#[cfg(test)]
#[path = "execute_tests.rs"]
mod tests;
