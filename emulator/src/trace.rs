//! Instruction and trap tracing, in the shape of Spike's `--log-commits`
//! (MACHINE.md §9), plus one line per trap or interrupt; with filters by
//! privilege and address, a window in traced instructions, and symbols.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::hart::csr;
use crate::hart::disasm::disasm;
use crate::hart::insn::{CsrOp, Decoded, FpFmt, Insn};
use crate::hart::trap::cause_name;
use crate::hart::Hart;
use crate::symbols::Symbols;

/// Which instructions a commit trace shows (the hart filter is the board's:
/// a hart without a tracer shows nothing).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Bit `1 << prv` set for each privilege shown; None shows all.
    pub privs: Option<u8>,
    /// Address ranges `[start, end)` of the pc shown; empty shows all.
    pub ranges: Vec<(u64, u64)>,
}

impl Filter {
    /// Whether an instruction at `pc` in privilege `prv` is shown.
    pub fn admits(&self, pc: u64, prv: u8) -> bool {
        self.privs.is_none_or(|m| m & (1 << prv) != 0)
            && (self.ranges.is_empty() || self.ranges.iter().any(|&(a, b)| a <= pc && pc < b))
    }
}

/// The window of shown instructions, shared by every hart's tracer: the
/// first `start` instructions that pass the filters are skipped, the next
/// `count` are shown, and then commit tracing stops.
#[derive(Debug)]
pub struct Window {
    start: u64,
    count: Option<u64>,
    seen: AtomicU64,
}

impl Window {
    /// Skips `start` traced instructions, then shows `count` (None: all).
    pub fn new(start: u64, count: Option<u64>) -> Window {
        Window {
            start,
            count,
            seen: AtomicU64::new(0),
        }
    }

    /// Counts one filtered instruction; whether it is shown.
    fn admit(&self) -> bool {
        let n = self.seen.fetch_add(1, Ordering::Relaxed);
        n >= self.start && self.count.is_none_or(|c| n - self.start < c)
    }

    /// Whether every instruction of the window has been shown.
    fn done(&self) -> bool {
        self.count
            .is_some_and(|c| self.seen.load(Ordering::Relaxed) >= self.start.saturating_add(c))
    }
}

/// Where a hart's trace goes, and what it shows.
pub struct Tracer {
    out: Box<dyn Write + Send>,
    /// One line per retired instruction (forces the slow stepping path).
    pub commits: bool,
    /// One line per trap and interrupt.
    pub traps: bool,
    filter: Filter,
    window: Option<Arc<Window>>,
    symbols: Option<Arc<Symbols>>,
}

impl Tracer {
    pub fn new(out: Box<dyn Write + Send>, commits: bool, traps: bool) -> Tracer {
        Tracer {
            out,
            commits,
            traps,
            filter: Filter::default(),
            window: None,
            symbols: None,
        }
    }

    /// Shows only the instructions `filter` admits.
    pub fn with_filter(mut self, filter: Filter) -> Tracer {
        self.filter = filter;
        self
    }

    /// Shows only the instructions of the (shared) window.
    pub fn with_window(mut self, window: Arc<Window>) -> Tracer {
        self.window = Some(window);
        self
    }

    /// Appends `<symbol+0xoff>` to commit and trap lines.
    pub fn with_symbols(mut self, symbols: Arc<Symbols>) -> Tracer {
        self.symbols = Some(symbols);
        self
    }

    /// Writes one line (a newline is added); write errors are ignored.
    pub fn write_line(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
    }

    /// Whether an instruction at `pc` in `prv` passes the filters (before it runs).
    pub(crate) fn wants(&self, pc: u64, prv: u8) -> bool {
        self.filter.admits(pc, prv)
    }

    /// Whether instructions in privilege `prv` may be shown.
    pub(crate) fn wants_prv(&self, prv: u8) -> bool {
        self.filter.privs.is_none_or(|m| m & (1 << prv) != 0)
    }

    /// Whether the window is over, so commit tracing can stop for good.
    pub(crate) fn window_done(&self) -> bool {
        self.window.as_ref().is_some_and(|w| w.done())
    }

    /// Writes the commit line of a retired, filtered instruction if the
    /// window shows it, with its symbol.
    pub(crate) fn commit(&mut self, mut line: String, pc: u64, prv: u8, d: &Decoded) {
        if self.window.as_ref().is_some_and(|w| !w.admit()) {
            return;
        }
        if let Some(s) = &self.symbols {
            s.annotate_code(pc, prv, d.raw, d.len, &mut line);
        }
        self.write_line(&line);
    }

    /// Logs a trap from privilege `from` to `to`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn trap(
        &mut self,
        hart: u64,
        interrupt: bool,
        cause: u64,
        tval: u64,
        epc: u64,
        from: u8,
        to: u8,
    ) {
        let mut line = trap_line(hart, interrupt, cause, tval, epc, from, to);
        if let Some(s) = &self.symbols {
            s.annotate(epc, from, &mut line);
        }
        self.write_line(&line);
    }
}

/// Parses a `--trace-priv` list (`u`, `s`, `m`, comma-separated) into a mask
/// of `1 << prv` bits.
pub fn parse_privs(list: &str) -> Result<u8, String> {
    let mut mask = 0;
    for p in list.split(',') {
        mask |= match p.trim() {
            "u" | "U" => 1 << 0,
            "s" | "S" => 1 << 1,
            "m" | "M" => 1 << 3,
            other => return Err(format!("--trace-priv {other}: expected u, s or m")),
        };
    }
    Ok(mask)
}

/// Parses a `--trace-range`: `START..END` (hex with 0x, or decimal; `_`
/// allowed) or a symbol name, whose extent `symbols` gives.
pub fn parse_range(spec: &str, symbols: &Symbols) -> Result<(u64, u64), String> {
    if let Some((a, b)) = spec.split_once("..") {
        let (a, b) = (parse_addr(a)?, parse_addr(b)?);
        if a >= b {
            return Err(format!("--trace-range {spec}: empty range"));
        }
        return Ok((a, b));
    }
    symbols
        .extent(spec)
        .ok_or_else(|| format!("--trace-range {spec}: no such symbol"))
}

/// A number in hex (`0x` prefix) or decimal, with `_` separators allowed.
pub fn parse_addr(s: &str) -> Result<u64, String> {
    let t: String = s.trim().chars().filter(|&c| c != '_').collect();
    let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse(),
    };
    v.map_err(|_| format!("'{s}' is not an address"))
}

fn prv_letter(p: u8) -> char {
    match p {
        0 => 'U',
        1 => 'S',
        _ => 'M',
    }
}

/// `trap core 0: exception illegal_instruction (2) tval 0x... epc 0x... M->S`,
/// or for an interrupt `trap core 0: interrupt supervisor_timer (5) epc 0x... U->S`.
pub fn trap_line(
    hart: u64,
    interrupt: bool,
    cause: u64,
    tval: u64,
    epc: u64,
    from: u8,
    to: u8,
) -> String {
    let name = cause_name(interrupt, cause);
    let (f, t) = (prv_letter(from), prv_letter(to));
    if interrupt {
        format!("trap core {hart}: interrupt {name} ({cause}) epc 0x{epc:016x} {f}->{t}")
    } else {
        format!(
            "trap core {hart}: exception {name} ({cause}) tval 0x{tval:016x} epc 0x{epc:016x} {f}->{t}"
        )
    }
}

/// What the commit line needs from before an instruction executes: the
/// memory it touches, computed from the source registers.
pub struct Pre {
    load: Option<(u64, u8)>,
    store: Option<(u64, u64, u8)>,
    had_reservation: bool,
    fflags: u8,
}

fn width_bytes(fmt: FpFmt) -> u8 {
    match fmt {
        FpFmt::S => 4,
        FpFmt::D => 8,
    }
}

fn mask(v: u64, bytes: u8) -> u64 {
    if bytes >= 8 {
        v
    } else {
        v & ((1 << (8 * bytes)) - 1)
    }
}

impl Pre {
    /// The address and size of the instruction's load, if any.
    pub fn load(&self) -> Option<(u64, u8)> {
        self.load
    }

    /// The address and size of the instruction's store, if any.
    pub fn store(&self) -> Option<(u64, u8)> {
        self.store.map(|(a, _, b)| (a, b))
    }

    /// Captures the addresses and store values of `d` at the hart's state.
    pub fn capture(h: &Hart, d: &Decoded) -> Pre {
        let x = |r: u8| h.x[r as usize & 31];
        let addr = |r: u8, imm: i32| x(r).wrapping_add(imm as i64 as u64);
        let mut p = Pre {
            load: None,
            store: None,
            had_reservation: h.reservation.is_some(),
            fflags: h.csr.fflags,
        };
        match d.insn {
            Insn::Load {
                width, rs1, imm, ..
            } => p.load = Some((addr(rs1, imm), width.bytes())),
            Insn::FLoad { fmt, rs1, imm, .. } => p.load = Some((addr(rs1, imm), width_bytes(fmt))),
            Insn::Store {
                width,
                rs1,
                rs2,
                imm,
            } => p.store = Some((addr(rs1, imm), mask(x(rs2), width.bytes()), width.bytes())),
            Insn::FStore { fmt, rs1, rs2, imm } => {
                let b = width_bytes(fmt);
                p.store = Some((addr(rs1, imm), mask(h.f[rs2 as usize & 31], b), b));
            }
            Insn::Lr { width, rs1, .. } => p.load = Some((x(rs1), width.bytes())),
            Insn::Sc {
                width, rs1, rs2, ..
            } => p.store = Some((x(rs1), mask(x(rs2), width.bytes()), width.bytes())),
            Insn::Amo {
                width, rs1, rs2, ..
            } => {
                p.load = Some((x(rs1), width.bytes()));
                p.store = Some((x(rs1), mask(x(rs2), width.bytes()), width.bytes()));
            }
            _ => {}
        }
        p
    }
}

/// The integer register an instruction writes, if any.
fn int_rd(i: &Insn) -> Option<u8> {
    match *i {
        Insn::Lui { rd, .. }
        | Insn::Auipc { rd, .. }
        | Insn::Jal { rd, .. }
        | Insn::Jalr { rd, .. }
        | Insn::Load { rd, .. }
        | Insn::OpImm { rd, .. }
        | Insn::Op { rd, .. }
        | Insn::Csr { rd, .. }
        | Insn::CsrImm { rd, .. }
        | Insn::Lr { rd, .. }
        | Insn::Sc { rd, .. }
        | Insn::Amo { rd, .. }
        | Insn::FCmp { rd, .. }
        | Insn::FClass { rd, .. }
        | Insn::FCvtToInt { rd, .. }
        | Insn::FMvToInt { rd, .. } => Some(rd),
        _ => None,
    }
}

/// The f-register an instruction writes, if any.
fn fp_rd(i: &Insn) -> Option<u8> {
    match *i {
        Insn::FLoad { rd, .. }
        | Insn::Fma { rd, .. }
        | Insn::FBin { rd, .. }
        | Insn::FSqrt { rd, .. }
        | Insn::FCvtFromInt { rd, .. }
        | Insn::FCvtFmt { rd, .. }
        | Insn::FMvFromInt { rd, .. } => Some(rd),
        _ => None,
    }
}

/// The CSR an instruction wrote, if any.
fn csr_written(i: &Insn) -> Option<u16> {
    match *i {
        Insn::Csr { op, rs1, csr, .. } if op == CsrOp::Rw || rs1 != 0 => Some(csr),
        Insn::CsrImm { op, uimm, csr, .. } if op == CsrOp::Rw || uimm != 0 => Some(csr),
        _ => None,
    }
}

/// Whether the instruction is an F/D computation that may raise flags.
fn raises_fp_flags(i: &Insn) -> bool {
    matches!(
        i,
        Insn::Fma { .. }
            | Insn::FBin { .. }
            | Insn::FSqrt { .. }
            | Insn::FCmp { .. }
            | Insn::FCvtToInt { .. }
            | Insn::FCvtFromInt { .. }
            | Insn::FCvtFmt { .. }
    )
}

/// The commit-log line of `d`, which retired at `pc` in privilege `prv`;
/// `h` is the hart after it executed.
pub fn commit_line(h: &Hart, d: &Decoded, pre: &Pre, pc: u64, prv: u8) -> String {
    let mut s = String::with_capacity(128);
    let _ = write!(s, "core{:4}: {} 0x{:016x} (", h.id(), prv, pc);
    let _ = if d.len == 2 {
        write!(s, "0x{:04x})", d.raw & 0xffff)
    } else {
        write!(s, "0x{:08x})", d.raw)
    };
    if let Some(rd) = int_rd(&d.insn).filter(|&r| r != 0) {
        let _ = write!(s, " x{:<2} 0x{:016x}", rd, h.x[rd as usize & 31]);
    }
    if let Some(rd) = fp_rd(&d.insn) {
        let _ = write!(s, " f{:<2} 0x{:016x}", rd, h.f[rd as usize & 31]);
    }
    if let Some(c) = csr_written(&d.insn) {
        let _ = write!(s, " c{c}_");
        csr::write_name(c, &mut s);
        let _ = write!(s, " 0x{:016x}", h.csr_read_debug(c).unwrap_or(0));
    } else if raises_fp_flags(&d.insn) && h.csr.fflags != pre.fflags {
        let _ = write!(s, " c1_fflags 0x{:016x}", h.csr.fflags);
    }
    if let Some((a, _)) = pre.load {
        let _ = write!(s, " mem 0x{a:016x}");
    }
    if let Some((a, v, bytes)) = pre.store {
        let stored = match d.insn {
            Insn::Sc { rd, .. } if rd != 0 => h.x[rd as usize] == 0,
            Insn::Sc { .. } => pre.had_reservation,
            _ => true,
        };
        if stored {
            let v = match d.insn {
                Insn::Amo { .. } => mask(h.amo_stored, bytes),
                _ => v,
            };
            let _ = write!(s, " mem 0x{a:016x} 0x{v:0w$x}", w = 2 * bytes as usize);
        }
    }
    let _ = write!(s, "  ; {}", disasm(d, pc));
    s
}

#[cfg(test)]
#[path = "trace_tests.rs"]
mod tests;
