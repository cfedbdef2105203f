//! A RISC-V RV64GC hart: registers, privilege, CSRs, and the execution loop.
//!
//! `run` is the fast path: it translates the pc, finds (or decodes once) the
//! block of instructions at that physical address, and executes it, checking
//! interrupts and the budget between blocks. `step` is the slow path (one
//! instruction fetched and decoded afresh), used for fetches outside RAM,
//! instructions that straddle a page, and tracing.
//!
//! Debugging hooks cost the fast path one predictable branch per block
//! (`hooked`) and a few stores per block (the crash history).

pub mod block;
pub mod csr;
pub mod decode;
pub mod disasm;
mod dispatch;
mod execute;
mod execute_fp;
mod execute_mem;
pub mod fpu;
pub mod insn;
mod mem;
pub mod rvc;
pub mod trap;
pub mod uop;

use crate::bus::Bus;
use crate::history::History;
use crate::mmu::Mmu;
use crate::trace::{Pre, Tracer};
use block::BlockCache;
use csr::Csrs;
pub use trap::Exception;

pub const PRV_U: u8 = 0;
pub const PRV_S: u8 = 1;
pub const PRV_M: u8 = 3;

/// Why [`Hart::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The budget is used up.
    Budget,
    /// The hart is idle in WFI with nothing pending.
    Wfi,
    /// An instruction accessed a device register; the board should react now.
    Mmio,
}

/// Counts of traps taken, indexed by cause, for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct HartStats {
    pub exceptions: [u64; 16],
    pub interrupts: [u64; 16],
}

/// One hart.
pub struct Hart {
    pub x: [u64; 32],
    /// Raw 64-bit f-registers (singles NaN-boxed).
    pub f: [u64; 32],
    pub pc: u64,
    /// Instruction and trap tracing (set with [`Hart::set_trace`]).
    pub(crate) trace: Option<Box<Tracer>>,
    /// Run on the slow path, one instruction at a time (commit tracing).
    pub(crate) hooked: bool,
    /// The last instructions executed, for crash reports.
    pub history: History,
    /// Stopped for good by an unhandled trap in M-mode (a trap loop).
    pub(crate) halted: bool,
    /// `retired` when the last exception into M-mode at the trap vector
    /// itself was taken, if the last exception was one.
    vector_fault: Option<u64>,
    pub stats: HartStats,
    pub(crate) id: u64,
    pub(crate) prv: u8,
    pub(crate) csr: Csrs,
    pub(crate) mmu: Mmu,
    pub(crate) blocks: BlockCache,
    /// Instructions retired since creation (never reset).
    pub(crate) retired: u64,
    /// Physical address reserved by LR.
    pub(crate) reservation: Option<u64>,
    pub(crate) wfi: bool,
    /// The `time` CSR, as last given by the board.
    pub(crate) time: u64,
    /// Set by a load or store that reached a device.
    pub(crate) mmio_accessed: bool,
    /// The value the last AMO wrote, for the commit log.
    pub(crate) amo_stored: u64,
}

impl Hart {
    /// A hart in the reset state, at QEMU's reset vector 0x1000.
    pub fn new(hartid: u64) -> Hart {
        let mut h = Hart {
            x: [0; 32],
            f: [0; 32],
            pc: 0,
            trace: None,
            hooked: false,
            history: History::new(),
            halted: false,
            vector_fault: None,
            stats: HartStats::default(),
            id: hartid,
            prv: PRV_M,
            csr: Csrs::new(),
            mmu: Mmu::new(),
            blocks: BlockCache::new(),
            retired: 0,
            reservation: None,
            wfi: false,
            time: 0,
            mmio_accessed: false,
            amo_stored: 0,
        };
        h.reset_to(0x1000, hartid, 0, 0);
        h
    }

    /// Resets to the M-mode reset state (MACHINE.md §10) at `pc`, with a0..a2 set.
    pub fn reset_to(&mut self, pc: u64, a0: u64, a1: u64, a2: u64) {
        self.x = [0; 32];
        self.f = [0; 32];
        self.x[10] = a0;
        self.x[11] = a1;
        self.x[12] = a2;
        self.pc = pc;
        self.prv = PRV_M;
        self.csr = Csrs::new();
        self.csr.mcycle_off = self.retired.wrapping_neg();
        self.csr.minstret_off = self.retired.wrapping_neg();
        self.reservation = None;
        self.wfi = false;
        self.halted = false;
        self.vector_fault = None;
        self.history.clear();
        self.mmio_accessed = false;
        self.mmu.flush();
        self.blocks.flush();
    }

    /// Runs until `budget` instructions are used up, the hart idles in WFI,
    /// or a load or store reaches a device. An instruction that traps uses one unit
    /// of budget without retiring, so a trap loop still returns.
    pub fn run(&mut self, bus: &mut Bus, budget: u64) -> Exit {
        self.mmu.bind(bus.ram.data.as_ptr());
        self.mmu.protect_code(&bus.ram);
        if self.wfi {
            if self.halted || self.csr.mip & self.csr.mie == 0 {
                return Exit::Wfi;
            }
            self.wfi = false;
        }
        let mut left = budget;
        while left > 0 {
            if self.csr.mip & self.csr.mie != 0 {
                self.take_interrupt();
            }
            // Privilege changes end blocks, so a privilege the trace does not
            // show runs cached blocks.
            if self.hooked && self.trace.as_ref().is_some_and(|t| t.wants_prv(self.prv)) {
                self.step_slow(bus, false);
                left -= 1;
            } else {
                // Never more than `left` (saturating: a run past its budget
                // would be a bug, but must not wrap into a run without end).
                let used = self.run_block(bus, left);
                debug_assert!(used <= left, "{used} > {left}");
                left = left.saturating_sub(used);
            }
            if self.wfi {
                return Exit::Wfi;
            }
            if self.mmio_accessed {
                self.mmio_accessed = false;
                return Exit::Mmio;
            }
        }
        Exit::Budget
    }

    /// Executes up to `max` (> 0) instructions of the block at pc; returns
    /// how many it used (retired or trapped, at least 1).
    fn run_block(&mut self, bus: &mut Bus, max: u64) -> u64 {
        let pa = match self.fetch_pa(bus, self.pc) {
            Ok(pa) => pa,
            Err(e) => {
                self.exception(e);
                return 1;
            }
        };
        let Some((start, len)) = self.blocks.get(&mut bus.ram, pa) else {
            self.step(bus);
            return 1;
        };
        // The block may be the first in its page.
        self.mmu.protect_code(&bus.ram);
        self.run_ops(bus, start, len, pa & !0xfff, max)
    }

    /// Fetches, decodes and executes one instruction, taking any trap.
    fn step(&mut self, bus: &mut Bus) {
        match self.fetch(bus) {
            Ok(d) => {
                self.history.record(self.pc, d.raw, self.prv);
                match self.execute(&d, bus) {
                    Ok(()) => self.retired += 1,
                    Err(e) => self.exception(e),
                }
            }
            Err(e) => self.exception(e),
        }
    }

    /// `step` with the debugging hooks: a commit-log line for a retired
    /// instruction the tracer shows, and, when `accesses`, the memory the
    /// instruction touched (for watchpoints). None when it trapped.
    pub(crate) fn step_slow(&mut self, bus: &mut Bus, accesses: bool) -> Option<Pre> {
        self.mmu.bind(bus.ram.data.as_ptr());
        self.mmu.protect_code(&bus.ram);
        let (pc, prv) = (self.pc, self.prv);
        let d = match self.fetch(bus) {
            Ok(d) => d,
            Err(e) => {
                self.exception(e);
                return None;
            }
        };
        self.history.record(pc, d.raw, prv);
        let traced = self
            .trace
            .as_ref()
            .is_some_and(|t| t.commits && t.wants(pc, prv));
        let pre = (traced || accesses).then(|| Pre::capture(self, &d));
        if let Err(e) = self.execute(&d, bus) {
            self.exception(e);
            return None;
        }
        self.retired += 1;
        let line = match (traced, &pre) {
            (true, Some(p)) => Some(crate::trace::commit_line(self, &d, p, pc, prv)),
            _ => None,
        };
        if let Some(t) = self.trace.as_mut() {
            if let Some(line) = line {
                t.commit(line, pc, prv, &d);
            }
            if t.commits && t.window_done() {
                t.commits = false;
                self.hooked = false;
            }
        }
        pre
    }

    /// Takes exception `e`. An exception into M-mode raised at the M-mode
    /// trap vector itself, twice with nothing retired in between, halts the
    /// hart: it would loop forever.
    fn exception(&mut self, e: Exception) {
        let (pc, prv) = (self.pc, self.prv);
        self.take_exception(e);
        if prv == PRV_M && self.prv == PRV_M && self.pc == pc {
            if self.vector_fault == Some(self.retired) {
                self.halted = true;
                self.wfi = true;
            }
            self.vector_fault = Some(self.retired);
        } else {
            self.vector_fault = None;
        }
    }

    /// Installs (or removes) the hart's tracer; commit tracing moves the
    /// hart to the slow path.
    pub fn set_trace(&mut self, t: Option<Box<Tracer>>) {
        self.hooked = t.as_ref().is_some_and(|t| t.commits);
        self.trace = t;
    }

    /// Whether the hart stopped on an unhandled trap in M-mode: its trap
    /// handler faults at its first instruction, forever.
    pub fn halted(&self) -> bool {
        self.halted
    }

    /// Raises (`level` true) or lowers the hardware-driven bits of mip given
    /// in `bits`: MSIP 1<<3, MTIP 1<<7, SEIP 1<<9 (ORed with the software
    /// SEIP), MEIP 1<<11. Other bits are ignored.
    pub fn set_irq(&mut self, bits: u64, level: bool) {
        let direct = bits & (csr::MIP_MSIP | csr::MIP_MTIP | csr::MIP_MEIP);
        if level {
            self.csr.mip |= direct;
        } else {
            self.csr.mip &= !direct;
        }
        if bits & csr::MIP_SEIP != 0 {
            self.csr.seip_hw = level;
            self.update_seip();
        }
    }

    /// Sets the value of `time`; with Sstc on, STIP follows stimecmp.
    pub fn set_time(&mut self, mtime: u64) {
        self.time = mtime;
        self.update_stip();
    }

    /// The time at which stimecmp will raise STIP, when Sstc is on.
    pub fn stimecmp_deadline(&self) -> Option<u64> {
        (self.csr.menvcfg & csr::MENVCFG_STCE != 0).then_some(self.csr.stimecmp)
    }

    /// In WFI with no interrupt pending and enabled in mie.
    pub fn idle(&self) -> bool {
        self.wfi && (self.halted || self.csr.mip & self.csr.mie == 0)
    }

    /// Breaks the LR reservation (the board does it at the end of a quantum).
    pub fn drop_reservation(&mut self) {
        self.reservation = None;
    }

    /// Instructions retired since the hart was created.
    pub fn instret(&self) -> u64 {
        self.retired
    }

    /// Current privilege: 0 U, 1 S, 3 M.
    pub fn prv(&self) -> u8 {
        self.prv
    }

    /// The hart's id (mhartid).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The value of `csr` as software would read it, without any side effect
    /// or permission check; None when the CSR does not exist.
    pub fn csr_read_debug(&self, csr: u16) -> Option<u64> {
        self.csr_value(csr)
    }

    /// TLB (hits, walks) so far: lookups that needed no walk, and walks.
    pub fn tlb_stats(&self) -> (u64, u64) {
        let (lookups, walks) = (self.mmu.lookups, self.mmu.misses);
        (lookups.saturating_sub(walks), walks)
    }

    /// Decoded-block cache (hits, blocks decoded) so far.
    pub fn block_stats(&self) -> (u64, u64) {
        (self.blocks.hits, self.blocks.misses)
    }

    #[inline(always)]
    pub(crate) fn xr(&self, r: u8) -> u64 {
        self.x[r as usize & 31]
    }

    #[inline(always)]
    pub(crate) fn set_x(&mut self, r: u8, v: u64) {
        self.x[r as usize & 31] = v;
        self.x[0] = 0;
    }
}

#[cfg(test)]
#[path = "hart_tests.rs"]
pub(crate) mod tests;
