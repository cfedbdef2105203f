//! The gdb stub (`--gdb PORT`, `-S`): GDB's remote serial protocol over TCP
//! with the `gdbstub` crate. Each hart is a thread; registers are x0-x31, pc,
//! f0-f31, fflags/frm/fcsr, the main CSRs and the privilege (through a target
//! description); memory goes through the selected hart's page table.
//! Breakpoints are pc checks, so they cost nothing while none is set; the
//! harts keep `Machine::run`'s interleaving whatever gdb stops or steps.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use gdbstub::arch::{Arch, Registers};
use gdbstub::common::{Signal, Tid};
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::{run_blocking, DisconnectReason, GdbStub, MultiThreadStopReason};
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps,
    SwBreakpoint, SwBreakpointOps, WatchKind,
};
use gdbstub::target::ext::thread_extra_info::{ThreadExtraInfo, ThreadExtraInfoOps};
use gdbstub::target::{Target, TargetError, TargetResult};

use crate::devices::{self, Finish};
use crate::hart::{Hart, PRV_M};
use crate::machine::{Cursor, Event, Machine, Monitor, Stop};
use crate::trace::Pre;

#[path = "gdb_conn.rs"]
mod conn;
use conn::GdbConn;

/// Instructions run between looks at the connection (for Ctrl-C).
const SLICE: u64 = 100_000;
/// How long a wait for gdb (to connect, or for its next packet) sleeps
/// between looks at the stop flag.
pub(crate) const POLL: Duration = Duration::from_millis(20);

/// CSRs in the register file gdb sees, in ascending order (gdb's number is
/// 65 + the CSR's).
const CSRS: [(u16, &str); 21] = [
    (0x100, "sstatus"),
    (0x104, "sie"),
    (0x105, "stvec"),
    (0x140, "sscratch"),
    (0x141, "sepc"),
    (0x142, "scause"),
    (0x143, "stval"),
    (0x144, "sip"),
    (0x180, "satp"),
    (0x300, "mstatus"),
    (0x301, "misa"),
    (0x302, "medeleg"),
    (0x303, "mideleg"),
    (0x304, "mie"),
    (0x305, "mtvec"),
    (0x340, "mscratch"),
    (0x341, "mepc"),
    (0x342, "mcause"),
    (0x343, "mtval"),
    (0x344, "mip"),
    (0xf14, "mhartid"),
];

const XNAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
];

const FNAMES: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2",
    "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9",
    "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

/// The target description: GDB's riscv features with fixed register numbers.
fn target_xml() -> &'static str {
    static XML: OnceLock<String> = OnceLock::new();
    XML.get_or_init(|| {
        let mut s = String::from(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n\
             <target version=\"1.0\">\n<architecture>riscv:rv64</architecture>\n\
             <feature name=\"org.gnu.gdb.riscv.cpu\">\n",
        );
        for (i, n) in XNAMES.iter().enumerate() {
            let ty = match i {
                1 => "code_ptr",
                2..=4 => "data_ptr",
                _ => "int",
            };
            let _ = writeln!(s, "<reg name=\"{n}\" bitsize=\"64\" type=\"{ty}\" regnum=\"{i}\"/>");
        }
        s.push_str("<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n</feature>\n");
        s.push_str("<feature name=\"org.gnu.gdb.riscv.fpu\">\n");
        for (i, n) in FNAMES.iter().enumerate() {
            let _ = writeln!(
                s,
                "<reg name=\"{n}\" bitsize=\"64\" type=\"ieee_double\" regnum=\"{}\"/>",
                33 + i
            );
        }
        for (i, n) in ["fflags", "frm", "fcsr"].iter().enumerate() {
            let _ = writeln!(s, "<reg name=\"{n}\" bitsize=\"32\" type=\"int\" regnum=\"{}\"/>", 66 + i);
        }
        s.push_str("</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n");
        for (c, n) in CSRS {
            let _ = writeln!(s, "<reg name=\"{n}\" bitsize=\"64\" type=\"int\" regnum=\"{}\"/>", 65 + c as usize);
        }
        s.push_str(
            "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n\
             <reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"4161\"/>\n</feature>\n</target>\n",
        );
        s
    })
}

/// RV64GC as gdb sees it here.
pub enum Rv64 {}

impl Arch for Rv64 {
    type Usize = u64;
    type Registers = Regs;
    type BreakpointKind = usize;
    type RegId = gdbstub_arch::riscv::reg::id::RiscvRegId<u64>;

    fn target_description_xml() -> Option<&'static str> {
        Some(target_xml())
    }
}

/// The register file in the `g` packet's order (the target description's).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    pub x: [u64; 32],
    pub pc: u64,
    pub f: [u64; 32],
    pub fflags: u32,
    pub frm: u32,
    pub csrs: [u64; CSRS.len()],
    pub prv: u64,
}

impl Registers for Regs {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.pc
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        let mut put = |bytes: &[u8]| bytes.iter().for_each(|&b| write_byte(Some(b)));
        self.x.iter().for_each(|v| put(&v.to_le_bytes()));
        put(&self.pc.to_le_bytes());
        self.f.iter().for_each(|v| put(&v.to_le_bytes()));
        put(&self.fflags.to_le_bytes());
        put(&self.frm.to_le_bytes());
        put(&(self.frm << 5 | self.fflags).to_le_bytes());
        self.csrs.iter().for_each(|v| put(&v.to_le_bytes()));
        put(&self.prv.to_le_bytes());
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        let mut words = bytes.chunks(8);
        let mut next = || {
            words
                .next()
                .filter(|w| w.len() == 8)
                .map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8])))
                .ok_or(())
        };
        for i in 0..32 {
            self.x[i] = next()?;
        }
        self.pc = next()?;
        for i in 0..32 {
            self.f[i] = next()?;
        }
        let fp = bytes.get(65 * 8..65 * 8 + 8).ok_or(())?;
        self.fflags = u32::from_le_bytes(fp[0..4].try_into().map_err(|_| ())?) & 0x1f;
        self.frm = u32::from_le_bytes(fp[4..8].try_into().map_err(|_| ())?) & 7;
        Ok(())
    }
}

fn tid(h: usize) -> Tid {
    Tid::new(h + 1).unwrap_or(NonZeroUsize::MIN)
}

/// Breakpoints, watchpoints and what the last run stopped for.
#[derive(Default)]
pub struct Debugger {
    breakpoints: Vec<u64>,
    watchpoints: Vec<(u64, u64, WatchKind)>,
    /// The hart gdb asked to single-step.
    step: Option<usize>,
    /// A hart resuming at a breakpoint runs it once without stopping.
    skip: Option<(usize, u64)>,
    /// Why the monitor stopped the machine.
    reason: Option<MultiThreadStopReason<u64>>,
}

impl Debugger {
    fn watch_hit(&self, a: Option<(u64, u8)>, write: bool) -> Option<(WatchKind, u64)> {
        let (addr, len) = a?;
        self.watchpoints.iter().find_map(|&(w, wl, kind)| {
            let kinds = match kind {
                WatchKind::Write => write,
                WatchKind::Read => !write,
                WatchKind::ReadWrite => true,
            };
            (kinds && addr < w + wl.max(1) && w < addr + len as u64).then_some((kind, w))
        })
    }
}

impl Monitor for Debugger {
    fn slow(&self, h: usize) -> bool {
        !self.breakpoints.is_empty() || !self.watchpoints.is_empty() || self.step == Some(h)
    }

    fn before(&mut self, h: usize, hart: &Hart) -> bool {
        if let Some((sh, pc)) = self.skip {
            if sh == h {
                self.skip = None;
                if pc == hart.pc {
                    return false;
                }
            }
        }
        if self.breakpoints.contains(&hart.pc) {
            self.reason = Some(MultiThreadStopReason::SwBreak(tid(h)));
            return true;
        }
        false
    }

    fn after(&mut self, h: usize, hart: &Hart, accesses: Option<&Pre>) -> bool {
        if let Some(p) = accesses {
            let hit = self
                .watch_hit(p.store(), true)
                .or_else(|| self.watch_hit(p.load(), false));
            if let Some((kind, addr)) = hit {
                self.reason = Some(MultiThreadStopReason::Watch {
                    tid: tid(h),
                    kind,
                    addr,
                });
                return true;
            }
        }
        if hart.halted() {
            self.reason = Some(MultiThreadStopReason::SignalWithThread {
                tid: tid(h),
                signal: Signal::SIGSEGV,
            });
            return true;
        }
        if self.step == Some(h) {
            self.reason = Some(MultiThreadStopReason::SignalWithThread {
                tid: tid(h),
                signal: Signal::SIGTRAP,
            });
            return true;
        }
        false
    }
}

/// The physical address of `va` for hart `hart`'s data accesses as a
/// debugger sees them: physical in M-mode and with satp Bare, else an Sv39
/// walk that sets no A/D bits and ignores permissions. None when unmapped.
pub fn debug_translate(m: &Machine, hart: usize, va: u64) -> Option<u64> {
    let h = &m.harts[hart];
    let satp = h.csr.satp;
    if h.prv == PRV_M || satp >> 60 != 8 {
        return Some(va);
    }
    if (((va << 25) as i64) >> 25) as u64 != va {
        return None;
    }
    let mut a = (satp & ((1 << 44) - 1)) << 12;
    for level in (0..3).rev() {
        let vpn = (va >> (12 + 9 * level)) & 0x1ff;
        let pte = u64::from_le_bytes(m.bus.ram.slice(a + vpn * 8, 8)?.try_into().ok()?);
        if pte & 1 == 0 {
            return None;
        }
        let ppn = (pte >> 10) & ((1 << 44) - 1);
        if pte & 0b1010 != 0 {
            let low = (1u64 << (12 + 9 * level)) - 1;
            return Some(((ppn << 12) & !low) | (va & low));
        }
        a = ppn << 12;
    }
    None
}

/// Reads guest memory at `va` through hart `hart`'s translation (RAM and
/// the boot ROM: other device registers have side effects). Returns how
/// many bytes were read.
pub fn read_virt(m: &mut Machine, hart: usize, va: u64, buf: &mut [u8]) -> usize {
    let rom = devices::MROM..devices::MROM + devices::MROM_SIZE;
    for (i, b) in buf.iter_mut().enumerate() {
        let Some(pa) = debug_translate(m, hart, va.wrapping_add(i as u64)) else {
            return i;
        };
        *b = match m.bus.ram.slice(pa, 1) {
            Some(v) => v[0],
            None if rom.contains(&pa) => match m.bus.read(pa, 1) {
                Ok(v) => v as u8,
                Err(_) => return i,
            },
            None => return i,
        };
    }
    buf.len()
}

/// Writes guest memory at `va` through hart `hart`'s translation (RAM
/// only); cached code there is invalidated. False when some byte is not RAM.
pub fn write_virt(m: &mut Machine, hart: usize, va: u64, data: &[u8]) -> bool {
    for (i, &b) in data.iter().enumerate() {
        let Some(pa) = debug_translate(m, hart, va.wrapping_add(i as u64)) else {
            return false;
        };
        match m.bus.ram.slice_mut(pa, 1) {
            Some(d) => d[0] = b,
            None => return false,
        }
    }
    true
}

/// The console and the run's limits, which hold whether or not gdb is
/// attached (as a QEMU run's do).
pub trait Console {
    /// Before a slice: typed input into the UART.
    fn feed(&mut self, m: &mut Machine);
    /// After a slice that ended with `event` (None: gdb's stop, or nothing
    /// ran): console output, host input, the limits. The exit status when
    /// the run is over.
    fn after(&mut self, m: &mut Machine, event: Option<Event>) -> Option<u8>;
    /// When the run ends whatever happens (a wall-time limit), if ever.
    fn deadline(&self) -> Option<Instant>;
}

/// The machine under gdb's control, with its console.
pub struct GdbTarget {
    m: Machine,
    dbg: Debugger,
    cur: Cursor,
    /// The hart the last stop was reported for.
    last: usize,
    console: Box<dyn Console>,
    /// Set when the host asks rvcow to stop (a signal): the session ends.
    stop: Arc<AtomicBool>,
}

impl GdbTarget {
    /// A target over `m`, with `console` outside gdb's control.
    pub fn new(m: Machine, console: Box<dyn Console>) -> GdbTarget {
        GdbTarget {
            m,
            dbg: Debugger::default(),
            cur: Cursor::default(),
            last: 0,
            console,
            stop: Arc::default(),
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Runs one slice; the stop to report, if any. The console's end of the
    /// run (a limit, an awaited text) comes first.
    fn run_slice(&mut self) -> Option<MultiThreadStopReason<u64>> {
        self.console.feed(&mut self.m);
        let stop = self.m.run_monitored(&mut self.cur, SLICE, &mut self.dbg);
        let exited = |c: u8| Some(MultiThreadStopReason::Exited(c));
        let (reason, event) = match stop {
            Stop::Hart(h) => {
                self.last = h;
                (self.dbg.reason.take(), None)
            }
            Stop::Board(ev @ Event::Finished(Finish::Pass)) => (exited(0), Some(ev)),
            Stop::Board(ev @ Event::Finished(Finish::Fail(c))) => (exited(c as u8), Some(ev)),
            Stop::Board(ev @ Event::Tohost(c)) => {
                (exited(if c == 0 { 0 } else { (c as u8).max(1) }), Some(ev))
            }
            Stop::Board(Event::Deadlock) => {
                // Only input or gdb can wake the harts: wait for them.
                std::thread::sleep(Duration::from_millis(10));
                (None, Some(Event::Idle))
            }
            Stop::Board(ev) => (None, Some(ev)),
        };
        match self.console.after(&mut self.m, event) {
            Some(status) => exited(status),
            None => reason,
        }
    }

    /// The console's end of the run when nothing runs (waiting for gdb).
    fn idle_end(&mut self) -> Option<u8> {
        self.console.after(&mut self.m, None)
    }
}

fn hart_of(m: &Machine, t: Tid) -> Result<usize, TargetError<&'static str>> {
    let h = t.get() - 1;
    if h < m.harts.len() {
        Ok(h)
    } else {
        Err(TargetError::NonFatal)
    }
}

impl Target for GdbTarget {
    type Arch = Rv64;
    type Error = &'static str;

    fn base_ops(&mut self) -> BaseOps<'_, Rv64, &'static str> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    // Breakpoints are pc checks, not patched instructions.
    fn guard_rail_implicit_sw_breakpoints(&self) -> bool {
        true
    }
}

impl MultiThreadBase for GdbTarget {
    fn read_registers(&mut self, regs: &mut Regs, t: Tid) -> TargetResult<(), Self> {
        let h = &self.m.harts[hart_of(&self.m, t)?];
        regs.x = h.x;
        regs.pc = h.pc;
        regs.f = h.f;
        regs.fflags = h.csr.fflags as u32;
        regs.frm = h.csr.frm as u32;
        for (i, (c, _)) in CSRS.iter().enumerate() {
            regs.csrs[i] = h.csr_read_debug(*c).unwrap_or(0);
        }
        regs.prv = h.prv() as u64;
        Ok(())
    }

    fn write_registers(&mut self, regs: &Regs, t: Tid) -> TargetResult<(), Self> {
        let i = hart_of(&self.m, t)?;
        let h = &mut self.m.harts[i];
        h.x = regs.x;
        h.x[0] = 0;
        h.pc = regs.pc;
        h.f = regs.f;
        h.csr.fflags = regs.fflags as u8;
        h.csr.frm = regs.frm as u8;
        Ok(())
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], t: Tid) -> TargetResult<usize, Self> {
        let h = hart_of(&self.m, t)?;
        match read_virt(&mut self.m, h, start, data) {
            0 if !data.is_empty() => Err(TargetError::Errno(14)),
            n => Ok(n),
        }
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], t: Tid) -> TargetResult<(), Self> {
        let h = hart_of(&self.m, t)?;
        if write_virt(&mut self.m, h, start, data) {
            Ok(())
        } else {
            Err(TargetError::Errno(14))
        }
    }

    fn list_active_threads(&mut self, register: &mut dyn FnMut(Tid)) -> Result<(), &'static str> {
        (0..self.m.harts.len()).for_each(|h| register(tid(h)));
        Ok(())
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }

    fn support_thread_extra_info(&mut self) -> Option<ThreadExtraInfoOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadResume for GdbTarget {
    fn resume(&mut self) -> Result<(), &'static str> {
        let h = self.last;
        self.dbg.skip = Some((h, self.m.harts[h].pc));
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), &'static str> {
        self.dbg.step = None;
        Ok(())
    }

    fn set_resume_action_continue(
        &mut self,
        _t: Tid,
        _s: Option<Signal>,
    ) -> Result<(), &'static str> {
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadSchedulerLocking for GdbTarget {
    /// The other harts keep their turns even when gdb would hold them: the
    /// interleaving stays the one a run without gdb has.
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), &'static str> {
        Ok(())
    }
}

impl MultiThreadSingleStep for GdbTarget {
    fn set_resume_action_step(&mut self, t: Tid, _s: Option<Signal>) -> Result<(), &'static str> {
        // A thread that does not exist steps nothing (an error here would
        // end the session).
        if let Ok(h) = hart_of(&self.m, t) {
            self.dbg.step = Some(h);
        }
        Ok(())
    }
}

impl ThreadExtraInfo for GdbTarget {
    fn thread_extra_info(&self, t: Tid, buf: &mut [u8]) -> Result<usize, &'static str> {
        let h = &self.m.harts[t.get().saturating_sub(1).min(self.m.harts.len() - 1)];
        let mode = match h.prv() {
            0 => "U",
            1 => "S",
            _ => "M",
        };
        let state = if h.halted() {
            ", halted"
        } else if h.idle() {
            ", wfi"
        } else {
            ""
        };
        let s = format!("hart {} {mode}-mode{state}", h.id());
        let n = s.len().min(buf.len());
        buf[..n].copy_from_slice(&s.as_bytes()[..n]);
        Ok(n)
    }
}

impl Breakpoints for GdbTarget {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl GdbTarget {
    fn add_bp(&mut self, addr: u64) -> TargetResult<bool, Self> {
        if !self.dbg.breakpoints.contains(&addr) {
            self.dbg.breakpoints.push(addr);
        }
        Ok(true)
    }

    fn remove_bp(&mut self, addr: u64) -> TargetResult<bool, Self> {
        let before = self.dbg.breakpoints.len();
        self.dbg.breakpoints.retain(|&a| a != addr);
        Ok(self.dbg.breakpoints.len() != before)
    }
}

impl SwBreakpoint for GdbTarget {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.add_bp(addr)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.remove_bp(addr)
    }
}

impl HwBreakpoint for GdbTarget {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.add_bp(addr)
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.remove_bp(addr)
    }
}

impl HwWatchpoint for GdbTarget {
    fn add_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        self.dbg.watchpoints.push((addr, len, kind));
        Ok(true)
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        let found = self
            .dbg
            .watchpoints
            .iter()
            .position(|&(a, l, k)| a == addr && l == len && k == kind);
        if let Some(i) = found {
            self.dbg.watchpoints.remove(i);
        }
        Ok(found.is_some())
    }
}

enum EventLoop {}

impl run_blocking::BlockingEventLoop for EventLoop {
    type Target = GdbTarget;
    type Connection = GdbConn;
    type StopReason = MultiThreadStopReason<u64>;

    #[allow(clippy::type_complexity)]
    fn wait_for_stop_reason(
        target: &mut GdbTarget,
        conn: &mut GdbConn,
    ) -> Result<
        run_blocking::Event<MultiThreadStopReason<u64>>,
        run_blocking::WaitForStopReasonError<&'static str, std::io::Error>,
    > {
        loop {
            if target.stopping() {
                return Err(run_blocking::WaitForStopReasonError::Target("stopped"));
            }
            if ConnectionExt::peek(conn)
                .map(|b| b.is_some())
                .unwrap_or(true)
            {
                let byte = ConnectionExt::read(conn)
                    .map_err(run_blocking::WaitForStopReasonError::Connection)?;
                return Ok(run_blocking::Event::IncomingData(byte));
            }
            if let Some(reason) = target.run_slice() {
                return Ok(run_blocking::Event::TargetStopped(reason));
            }
        }
    }

    fn on_interrupt(
        target: &mut GdbTarget,
    ) -> Result<Option<MultiThreadStopReason<u64>>, &'static str> {
        Ok(Some(MultiThreadStopReason::SignalWithThread {
            tid: tid(target.last),
            signal: Signal::SIGINT,
        }))
    }
}

/// How a gdb session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GdbEnd {
    /// The guest powered off (or reported through tohost) with this status.
    Exited(u8),
    /// gdb killed the guest.
    Killed,
    /// The stop flag was set (the host asked rvcow to stop).
    Stopped,
}

/// Serves gdb on 127.0.0.1:`port`. With `wait` (`-S`) nothing runs before
/// gdb connects; otherwise the guest runs and stops when gdb connects. When
/// gdb detaches or its connection drops, the guest runs on and another gdb
/// may connect, as with QEMU's stub. Setting `stop` ends the session at
/// once, whatever state it is in ([`GdbEnd::Stopped`]). Gives the machine
/// back, with how the session ended or a one-line error.
pub fn serve(
    m: Machine,
    port: u16,
    wait: bool,
    console: Box<dyn Console>,
    stop: Arc<AtomicBool>,
) -> (Machine, Result<GdbEnd, String>) {
    let mut target = GdbTarget::new(m, console);
    target.stop = stop;
    let end = session(&mut target, port, wait);
    (target.m, end)
}

fn session(target: &mut GdbTarget, port: u16, wait: bool) -> Result<GdbEnd, String> {
    let err = |e: std::io::Error| format!("--gdb {port}: {e}");
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("--gdb {port}: cannot listen: {e}"))?;
    // With port 0 the system picks one: say which.
    let port = listener.local_addr().map_or(port, |a| a.port());
    eprintln!("rvcow: waiting for gdb on 127.0.0.1:{port}");
    listener.set_nonblocking(true).map_err(err)?;
    let mut wait = wait;
    // As QEMU's stub: when gdb detaches or its connection drops, the guest
    // runs on and the next gdb may connect.
    loop {
        let conn = loop {
            if target.stopping() {
                return Ok(GdbEnd::Stopped);
            }
            match listener.accept() {
                Ok((c, _)) => break c,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if wait {
                        // Nothing runs before gdb connects; the limits still hold.
                        std::thread::sleep(POLL);
                        if let Some(c) = target.idle_end() {
                            return Ok(GdbEnd::Exited(c));
                        }
                    } else if let Some(MultiThreadStopReason::Exited(c)) = target.run_slice() {
                        return Ok(GdbEnd::Exited(c));
                    }
                }
                Err(e) => return Err(err(e)),
            }
        };
        wait = false;
        conn.set_nonblocking(false).map_err(err)?;
        let _ = conn.set_nodelay(true);
        // While gdb holds the machine stopped, a wall-time limit still ends
        // the run: reading gdb's next packet gives up then.
        let deadline = target.console.deadline();
        let stub = GdbStub::new(GdbConn::new(conn, target.stop.clone(), deadline));
        match stub.run_blocking::<EventLoop>(target) {
            _ if target.stopping() => return Ok(GdbEnd::Stopped),
            Ok(DisconnectReason::TargetExited(c)) => return Ok(GdbEnd::Exited(c)),
            Ok(DisconnectReason::TargetTerminated(_)) => return Ok(GdbEnd::Exited(1)),
            Ok(DisconnectReason::Kill) => return Ok(GdbEnd::Killed),
            Ok(DisconnectReason::Disconnect) => {}
            Err(e) => {
                if let Some(c) = target.idle_end() {
                    return Ok(GdbEnd::Exited(c));
                }
                if !e.is_connection_error() {
                    // gdbstub's message, to its first sentence.
                    let e = e.to_string();
                    let first = e.split(". ").next().unwrap_or(&e);
                    return Err(format!("--gdb {port}: session ended: {first}"));
                }
            }
        }
        // gdb is gone: forget its breakpoints.
        target.dbg = Debugger::default();
    }
}

#[cfg(test)]
#[path = "gdb_tests.rs"]
mod tests;
