//! The A extension: LR/SC with a reservation, and AMOs (atomic by
//! construction, since harts interleave on one host thread).

use super::insn::{AmoOp, Decoded, Insn, Width};
use super::mem::{read_at, write_at};
use super::{Exception, Hart};
use crate::bus::Bus;
use crate::mmu::Access;

/// The value an AMO writes back, from the old memory value `m` and `x[rs2]`
/// (both already truncated to the width; `w` for 32-bit compares).
pub fn amo_result(op: AmoOp, w: bool, m: u64, x: u64) -> u64 {
    let (sm, sx) = if w {
        (m as i32 as i64, x as i32 as i64)
    } else {
        (m as i64, x as i64)
    };
    match op {
        AmoOp::Swap => x,
        AmoOp::Add => m.wrapping_add(x),
        AmoOp::Xor => m ^ x,
        AmoOp::And => m & x,
        AmoOp::Or => m | x,
        AmoOp::Min => {
            if sm < sx {
                m
            } else {
                x
            }
        }
        AmoOp::Max => {
            if sm > sx {
                m
            } else {
                x
            }
        }
        AmoOp::Minu => m.min(x),
        AmoOp::Maxu => m.max(x),
    }
}

/// The integer register value of a `width`-sized loaded word (W sign-extends).
fn extend(width: Width, v: u64) -> u64 {
    match width {
        Width::W => v as u32 as i32 as i64 as u64,
        _ => v,
    }
}

impl Hart {
    /// An AMO done in RAM when `va` is aligned and the TLB has the page
    /// writable (so RAM without cached code, and readable: W without R is
    /// reserved): the old value as rd receives it. None, having done
    /// nothing, otherwise (a misaligned `va` never hits the TLB). `x` is
    /// x[rs2] truncated to the width.
    #[inline(always)]
    pub(crate) fn amo_fast(&mut self, op: AmoOp, width: Width, va: u64, x: u64) -> Option<u64> {
        let p = self.tlb_host(va, width, true)?;
        self.mmu.lookups += 1;
        // SAFETY: as for `Hart::load_fast`.
        let m = unsafe { read_at(p, width) };
        let new = amo_result(op, width == Width::W, m, x);
        // SAFETY: as for `Hart::store_fast`.
        unsafe { write_at(p, width, new) };
        self.amo_stored = new;
        Some(extend(width, m))
    }

    /// LR, SC and AMO. Misaligned addresses raise load (LR) or store/AMO
    /// (SC, AMO) address-misaligned.
    pub(crate) fn execute_atomic(&mut self, d: &Decoded, bus: &mut Bus) -> Result<(), Exception> {
        match d.insn {
            Insn::Lr { width, rd, rs1, .. } => {
                let va = self.xr(rs1);
                let size = width.bytes() as u64;
                if !va.is_multiple_of(size) {
                    return Err(Exception::LoadMisaligned(va));
                }
                let pa = self.data_pa(bus, va, Access::Read)?;
                let v = self.load_pa(bus, pa, size, Access::Read, va)?;
                self.reservation = Some(pa);
                self.set_x(rd, extend(width, v));
            }
            Insn::Sc {
                width,
                rd,
                rs1,
                rs2,
                ..
            } => {
                let va = self.xr(rs1);
                let size = width.bytes() as u64;
                if !va.is_multiple_of(size) {
                    return Err(Exception::StoreMisaligned(va));
                }
                let pa = self.data_pa(bus, va, Access::Write)?;
                let ok = self.reservation == Some(pa);
                if ok {
                    self.store_pa(bus, pa, size, self.xr(rs2), va)?;
                }
                self.reservation = None;
                self.set_x(rd, !ok as u64);
            }
            Insn::Amo {
                op,
                width,
                rd,
                rs1,
                rs2,
                ..
            } => {
                let va = self.xr(rs1);
                let size = width.bytes() as u64;
                if !va.is_multiple_of(size) {
                    return Err(Exception::StoreMisaligned(va));
                }
                let mask = if width == Width::W {
                    0xffff_ffff
                } else {
                    u64::MAX
                };
                let x = self.xr(rs2) & mask;
                if let Some(old) = self.amo_fast(op, width, va, x) {
                    self.set_x(rd, old);
                    return Ok(());
                }
                let pa = self.data_pa(bus, va, Access::Write)?;
                let m = self.load_pa(bus, pa, size, Access::Write, va)?;
                let new = amo_result(op, width == Width::W, m, x);
                self.store_pa(bus, pa, size, new, va)?;
                self.amo_stored = new;
                self.set_x(rd, extend(width, m));
            }
            _ => {}
        }
        Ok(())
    }
}
