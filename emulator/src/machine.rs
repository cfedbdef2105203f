//! Board assembly: RAM and devices at the virt memory map, and the run loop that
//! interleaves the harts deterministically and keeps virtual time.
//!
//! Harts run in turn for a fixed quantum of retired instructions. Time is
//! virtual: `mtime` advances by `QUANTUM / INSNS_PER_TICK` ticks each round
//! (10 MHz timebase, so a nominal 100 MIPS per hart), and when every hart
//! waits in WFI it jumps to the next timer deadline.

use crate::boot;
use crate::bus::{Bus, Device, Ram};
use crate::devices::{
    self, virtio_base, virtio_irq, Clint, Disk, Finish, Plic, Rom, TestFinisher, Uart, VirtioBlk,
    VirtioEmpty,
};
use crate::elf::{self, Loaded};
use crate::fdt::{self, FdtConfig};
use crate::hart::{Exit, Hart};

/// Instructions each hart runs before the next hart's turn.
pub const QUANTUM: u64 = 1000;
/// Retired instructions (per hart) per tick of the 10 MHz timebase.
pub const INSNS_PER_TICK: u64 = 10;
/// Largest number of harts (`--smp`).
pub const MAX_HARTS: usize = 8;

const MSIP: u64 = 1 << 3;
const MTIP: u64 = 1 << 7;
const SEIP: u64 = 1 << 9;
const MEIP: u64 = 1 << 11;

/// What the board is built from.
pub struct Config {
    /// RAM size in bytes.
    pub ram_size: u64,
    /// Number of harts.
    pub harts: usize,
    /// The kernel (or bare-metal program) ELF image.
    pub kernel: Vec<u8>,
    /// Firmware (`--bios`): ELF or raw binary at the start of RAM; the kernel
    /// then goes at its ELF addresses or, raw, at the next 2 MiB boundary.
    pub bios: Option<Vec<u8>>,
    /// The disk of virtio slot 0, if any.
    pub disk: Option<Disk>,
    /// Modern (version 2) virtio-mmio instead of legacy (version 1).
    pub virtio_modern: bool,
    /// `/chosen/bootargs`.
    pub bootargs: Option<String>,
    /// The initrd (`--initrd`), placed as QEMU places it.
    pub initrd: Option<Vec<u8>>,
    /// Describe the firmware's RAM as `/reserved-memory` (firmware that does
    /// not add the node itself, as OpenSBI does, such as rvcow's own).
    pub reserve_bios: bool,
}

/// Why a board cannot be built. The message is one line, without the file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BootError {
    /// A bad option (`-m`, `--smp`).
    Config(String),
    /// The kernel image cannot be loaded.
    Kernel(String),
    /// The firmware image cannot be loaded.
    Bios(String),
    /// The initrd does not fit.
    Initrd(String),
}

/// Why [`Machine::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The requested number of instructions retired.
    Budget,
    /// Every hart waits in WFI; the next `run` skips time to the next deadline.
    Idle,
    /// Every hart waits in WFI and no timer is armed: only input can wake them.
    Deadlock,
    /// The guest powered off through the test finisher (or reset it).
    Finished(Finish),
    /// A riscv-tests program wrote its verdict to `tohost`: 0 passes.
    Tohost(u64),
}

/// The whole `virt` board.
pub struct Machine {
    pub harts: Vec<Hart>,
    pub bus: Bus,
    pub loaded: Loaded,
    /// Where the device tree blob sits.
    pub fdt_addr: u64,
    /// Instructions retired by all harts.
    pub retired: u64,
    /// Instructions retired or trapped by all harts (what budgets count).
    pub executed: u64,
    /// Virtual time advanced with no instructions retired (idle skips), in ticks.
    pub skipped_ticks: u64,
    /// No run goes past this many executed instructions (`--max-insns`).
    insn_limit: u64,
    /// Console output not yet taken by [`Machine::take_output`].
    output: Vec<u8>,
    /// Instructions run in the current round towards the next tick.
    tick_credit: u64,
    /// With `--realtime`: mtime follows the host clock from this instant.
    realtime: Option<std::time::Instant>,
    /// Everything needed to reset.
    image: Vec<u8>,
    bios: Option<Vec<u8>>,
    /// The initrd and its address.
    initrd: Option<(u64, Vec<u8>)>,
    rom: Vec<u8>,
    fdt: Vec<u8>,
    /// Where the board's devices sit in the bus, found once.
    devs: Devs,
}

/// Positions of the board's devices in the bus ([`Bus::device_at`]).
#[derive(Clone, Copy)]
struct Devs {
    finisher: usize,
    clint: usize,
    plic: usize,
    uart: usize,
    /// The disk, when there is one.
    virtio: Option<usize>,
}

impl Machine {
    /// Builds the board and loads `cfg.kernel`; errors are one line (the caller
    /// adds the file name).
    pub fn new(cfg: Config) -> Result<Machine, BootError> {
        if !(1..=MAX_HARTS).contains(&cfg.harts) {
            return Err(BootError::Config(format!(
                "--smp {} is out of range: 1 to {MAX_HARTS} harts",
                cfg.harts
            )));
        }
        let mib = cfg.ram_size >> 20;
        if !(16..=8192).contains(&mib) || cfg.ram_size & 0xfffff != 0 {
            return Err(BootError::Config(format!(
                "-m {mib}: RAM must be 16 to 8192 MiB"
            )));
        }
        let mut ram = Ram::new(devices::DRAM, cfg.ram_size as usize);
        let (loaded, fw_dynamic) = load_images(&cfg.kernel, cfg.bios.as_deref(), &mut ram)?;
        let mut fdt_cfg = FdtConfig::new(cfg.harts, cfg.ram_size);
        fdt_cfg.bootargs = cfg.bootargs.clone();
        if cfg.reserve_bios && fw_dynamic.is_some() {
            fdt_cfg.firmware = Some((loaded.lowest, loaded.highest - loaded.lowest));
        }
        // The device tree's size does not depend on the initrd's bounds.
        fdt_cfg.initrd = cfg.initrd.as_ref().map(|_| (0, 0));
        let fdt_addr = fdt::fdt_addr(cfg.ram_size, fdt::build(&fdt_cfg).len());
        let initrd = match cfg.initrd {
            Some(bytes) => {
                let entry = fw_dynamic.unwrap_or(loaded.lowest);
                let (start, end) =
                    boot::place_initrd(entry, cfg.ram_size, bytes.len() as u64, fdt_addr)
                        .map_err(BootError::Initrd)?;
                fdt_cfg.initrd = Some((start, end));
                Some((start, bytes))
            }
            None => None,
        };
        let fdt = fdt::build(&fdt_cfg);
        if fdt_addr < loaded.highest {
            return Err(BootError::Kernel(format!(
                "image overlaps the device tree at {fdt_addr:#x}"
            )));
        }
        // The reset ROM jumps to the ELF entry. QEMU jumps to the start of RAM,
        // which is the entry of every kernel linked for `-bios none`.
        let rom = devices::rom::reset_vector(loaded.entry, fdt_addr, fw_dynamic);
        let mut bus = Bus::new(ram);
        let map =
            |r: Result<(), crate::bus::MapError>| r.expect("the virt memory map does not overlap");
        map(bus.insert(
            "mrom",
            devices::MROM,
            devices::MROM_SIZE,
            Box::new(Rom::new(rom.clone())),
        ));
        map(bus.insert(
            "test",
            devices::TEST,
            devices::TEST_SIZE,
            Box::new(TestFinisher::new()),
        ));
        map(bus.insert(
            "clint",
            devices::CLINT,
            devices::CLINT_SIZE,
            Box::new(Clint::new(cfg.harts)),
        ));
        map(bus.insert(
            "plic",
            devices::PLIC,
            devices::PLIC_SIZE,
            Box::new(Plic::new(cfg.harts)),
        ));
        map(bus.insert(
            "uart0",
            devices::UART0,
            devices::UART0_SIZE,
            Box::new(Uart::new()),
        ));
        let mut disk = cfg.disk;
        for slot in 0..devices::VIRTIO_COUNT {
            let base = virtio_base(slot);
            match disk.take() {
                Some(d) if slot == 0 => map(bus.insert(
                    "virtio-blk",
                    base,
                    devices::VIRTIO_SIZE,
                    Box::new(VirtioBlk::new(d, cfg.virtio_modern)),
                )),
                _ => map(bus.insert(
                    "virtio-empty",
                    base,
                    devices::VIRTIO_SIZE,
                    Box::new(VirtioEmpty {
                        modern: cfg.virtio_modern,
                    }),
                )),
            }
        }
        let found = "the virt board has its devices";
        let devs = Devs {
            finisher: bus.index_of::<TestFinisher>().expect(found),
            clint: bus.index_of::<Clint>().expect(found),
            plic: bus.index_of::<Plic>().expect(found),
            uart: bus.index_of::<Uart>().expect(found),
            virtio: bus.index_of::<VirtioBlk>(),
        };
        let harts = (0..cfg.harts as u64).map(Hart::new).collect();
        let mut m = Machine {
            harts,
            bus,
            loaded,
            fdt_addr,
            retired: 0,
            executed: 0,
            skipped_ticks: 0,
            insn_limit: u64::MAX,
            output: Vec::new(),
            tick_credit: 0,
            realtime: None,
            image: cfg.kernel,
            bios: cfg.bios,
            initrd,
            rom,
            fdt,
            devs,
        };
        // RAM is still all zeros: power on without clearing it again, which
        // would touch every page of guest memory.
        m.power_on();
        Ok(m)
    }

    /// System reset: every hart at the reset vector, RAM images re-copied (as
    /// QEMU re-copies its ROM blobs), devices keep their backing state.
    pub fn reset(&mut self) {
        self.bus.ram.data.fill(0);
        self.power_on();
    }

    /// The reset state over zeroed RAM: images loaded, harts at the reset
    /// vector, interrupt lines driven.
    fn power_on(&mut self) {
        self.loaded = load_images(&self.image, self.bios.as_deref(), &mut self.bus.ram)
            .expect("loaded once already")
            .0;
        if let Some((start, bytes)) = &self.initrd {
            self.bus
                .ram
                .slice_mut(*start, bytes.len())
                .expect("the initrd was placed in RAM")
                .copy_from_slice(bytes);
        }
        let fdt_dst = self
            .bus
            .ram
            .slice_mut(self.fdt_addr, self.fdt.len())
            .expect("FDT lies in RAM");
        fdt_dst.copy_from_slice(&self.fdt);
        if let Some(rom) = self.bus.device_mut::<Rom>() {
            *rom = Rom::new(self.rom.clone());
        }
        if let Some(v) = self.bus.device_mut::<VirtioBlk>() {
            v.reset();
        }
        for h in &mut self.harts {
            h.reset_to(devices::MROM, 0, 0, 0);
        }
        self.update_lines();
    }

    /// Ties mtime to the host clock (interactive use) instead of retired
    /// instructions; runs are then no longer deterministic.
    pub fn set_realtime(&mut self) {
        self.realtime = Some(std::time::Instant::now());
    }

    /// Stops every run once `limit` instructions have executed in all
    /// (`--max-insns`), to the instruction: the last turn is cut short.
    pub fn set_insn_limit(&mut self, limit: Option<u64>) {
        self.insn_limit = limit.unwrap_or(u64::MAX);
    }

    /// Console bytes the guest has written since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Offers one byte of console input; false when the UART's FIFO is full.
    pub fn push_input(&mut self, b: u8) -> bool {
        let ok = self.uart().push_rx(b);
        self.update_lines();
        ok
    }

    /// Whether the UART's receive FIFO has room for input.
    pub fn input_room(&mut self) -> bool {
        self.uart().rx_ready()
    }

    /// Brings the disk's file up to date and syncs it (at exit). The error,
    /// or an earlier guest write that failed, names the file.
    pub fn flush_disk(&mut self) -> Result<(), String> {
        match self.bus.device_mut::<VirtioBlk>() {
            Some(v) => v.disk_mut().sync(),
            None => Ok(()),
        }
    }

    fn uart(&mut self) -> &mut Uart {
        self.bus
            .device_at::<Uart>(self.devs.uart)
            .expect("the board has a UART")
            .0
    }

    fn clint(&mut self) -> &mut Clint {
        self.bus
            .device_at::<Clint>(self.devs.clint)
            .expect("the board has a CLINT")
            .0
    }

    fn plic(&mut self) -> &mut Plic {
        self.bus
            .device_at::<Plic>(self.devs.plic)
            .expect("the board has a PLIC")
            .0
    }

    /// Runs until about `insns` more instructions retire (whole rounds), the
    /// instruction limit, or an event the caller must see.
    pub fn run(&mut self, insns: u64) -> Event {
        // The idle skip at a round start is done by run_monitored.
        match self.run_monitored(&mut Cursor::default(), insns, &mut Unmonitored) {
            Stop::Board(ev) => ev,
            Stop::Hart(_) => unreachable!("an unmonitored run never stops at a hart"),
        }
    }

    fn all_idle(&self) -> bool {
        self.harts.iter().all(Hart::idle)
    }

    /// The earliest timer deadline after now, over mtimecmp and stimecmp.
    fn next_deadline(&mut self) -> Option<u64> {
        let now = self.clint().mtime();
        let clint = self.clint().next_deadline();
        let s = self
            .harts
            .iter()
            .filter_map(Hart::stimecmp_deadline)
            .filter(|&t| t > now)
            .min();
        [clint, s].into_iter().flatten().min()
    }

    fn skip_to(&mut self, t: u64) {
        let now = self.clint().mtime();
        if t > now {
            self.skipped_ticks += t - now;
            self.clint().advance(t - now);
        }
        self.update_lines();
    }

    fn advance_time(&mut self, insns: u64) {
        if let Some(start) = self.realtime {
            // mtime follows the host clock (100 ns per tick), never backwards.
            let host = (start.elapsed().as_nanos() / 100) as u64;
            let now = self.clint().mtime();
            self.clint().advance(host.saturating_sub(now));
            return;
        }
        self.tick_credit += insns;
        let ticks = self.tick_credit / INSNS_PER_TICK;
        self.tick_credit %= INSNS_PER_TICK;
        self.clint().advance(ticks);
    }

    /// Lets the devices react to what the harts did: power-off, disk requests,
    /// console output, HTIF; then recomputes every interrupt line.
    fn service(&mut self) -> Option<Event> {
        if let Some(f) = self
            .bus
            .device_at::<TestFinisher>(self.devs.finisher)
            .and_then(|(t, _)| t.take())
        {
            if f == Finish::Reset {
                self.reset();
            }
            return Some(Event::Finished(f));
        }
        if let Some((v, ram)) = self
            .devs
            .virtio
            .and_then(|i| self.bus.device_at::<VirtioBlk>(i))
        {
            if v.notified() {
                v.process(ram);
            }
        }
        let out = self.uart().take_output();
        self.output.extend_from_slice(&out);
        if let Some(code) = self.poll_tohost() {
            return Some(Event::Tohost(code));
        }
        self.update_lines();
        None
    }

    /// HTIF: a riscv-tests exit code written to `tohost` (device 0, command 0,
    /// bit 0 set), or a console byte (device 1, command 1).
    fn poll_tohost(&mut self) -> Option<u64> {
        let addr = self.loaded.tohost?;
        let v = self.bus.read(addr, 8).ok()?;
        if v == 0 {
            return None;
        }
        let (dev, cmd) = (v >> 56, (v >> 48) & 0xff);
        match (dev, cmd) {
            (0, 0) if v & 1 == 1 => return Some((v & 0xffff_ffff_ffff) >> 1),
            (1, 1) => self.output.push(v as u8),
            _ => log::warn!("ignoring HTIF request {v:#x}"),
        }
        let _ = self.bus.write(addr, 8, 0);
        None
    }

    /// Drives every hart's MSIP/MTIP/MEIP/SEIP and time from the devices.
    fn update_lines(&mut self) {
        // A device reports its line to the PLIC only when QEMU's would (after
        // register accesses that update it): a report of a high level sets the
        // source pending, and only a claim clears it.
        let uart = self.uart();
        let uart_report = uart.take_irq_report().then(|| uart.irq_level());
        let virtio_report = self
            .devs
            .virtio
            .and_then(|i| self.bus.device_at::<VirtioBlk>(i))
            .and_then(|(v, _)| v.take_irq_report().then(|| v.irq_level()));
        let plic = self.plic();
        if let Some(level) = uart_report {
            plic.set_level(devices::UART0_IRQ, level);
        }
        if let Some(level) = virtio_report {
            plic.set_level(virtio_irq(0), level);
        }
        let now = self.clint().mtime();
        for h in 0..self.harts.len() {
            let plic = self.plic();
            let (meip, seip) = (plic.meip(h), plic.seip(h));
            let clint = self.clint();
            let (msip, mtip) = (clint.msip(h), clint.mtip(h));
            let hart = &mut self.harts[h];
            hart.set_irq(MSIP, msip);
            hart.set_irq(MTIP, mtip);
            hart.set_irq(MEIP, meip);
            hart.set_irq(SEIP, seip);
            hart.set_time(now);
        }
    }
}

/// Loads the kernel (and firmware) into RAM as QEMU's virt does. Returns what the
/// reset vector starts (the kernel, or the firmware) and, with firmware, the
/// kernel's address for fw_dynamic_info.
fn load_images(
    kernel: &[u8],
    bios: Option<&[u8]>,
    ram: &mut Ram,
) -> Result<(Loaded, Option<u64>), BootError> {
    let Some(fw) = bios else {
        return Ok((
            elf::load(kernel, ram).map_err(|e| BootError::Kernel(e.to_string()))?,
            None,
        ));
    };
    let fw = load_elf_or_raw(fw, ram.base, ram).map_err(BootError::Bios)?;
    let kernel_base = fw.highest.next_multiple_of(2 << 20);
    let k = load_elf_or_raw(kernel, kernel_base, ram).map_err(BootError::Kernel)?;
    if k.lowest < fw.highest && fw.lowest < k.highest {
        return Err(BootError::Kernel(format!(
            "image at {:#x} overlaps the firmware",
            k.lowest
        )));
    }
    Ok((fw, Some(k.lowest)))
}

/// An ELF at its addresses, or anything else as a raw binary at `base`.
fn load_elf_or_raw(bytes: &[u8], base: u64, ram: &mut Ram) -> Result<Loaded, String> {
    if bytes.starts_with(b"\x7fELF") {
        return elf::load(bytes, ram).map_err(|e| e.to_string());
    }
    if bytes.is_empty() {
        return Err("empty file: nothing to run".into());
    }
    let end = base + bytes.len() as u64;
    let dst = ram.slice_mut(base, bytes.len()).ok_or_else(|| {
        format!(
            "raw image of {:#x} bytes at {base:#x} does not fit in RAM",
            bytes.len()
        )
    })?;
    dst.copy_from_slice(bytes);
    Ok(Loaded {
        entry: base,
        lowest: base,
        highest: end,
        tohost: None,
    })
}

// Debugger support (the debug helper's): `run`'s schedule, resumable and
// stoppable at any instruction, for the gdb stub.

/// Where a debugger-driven run stands in `run`'s round-robin schedule, so a
/// stop in the middle of a hart's quantum resumes exactly there.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cursor {
    /// The hart whose turn it is.
    hart: usize,
    /// Inside that hart's turn: instructions left of its quantum.
    turn: Option<u64>,
    /// Inside one `Hart::run` call of the turn: budget left of the call.
    call: Option<u64>,
    /// The call's exit, found just before a stop after an instruction.
    pending: Option<Exit>,
}

impl Cursor {
    /// Whether the schedule stands between two rounds.
    pub fn at_round_start(&self) -> bool {
        self.hart == 0 && self.turn.is_none()
    }
}

/// What a debugger watches while harts run.
pub trait Monitor {
    /// Whether hart `h` must run one instruction at a time.
    fn slow(&self, h: usize) -> bool;
    /// Called before hart `h` executes the instruction at its pc; true stops there.
    fn before(&mut self, h: usize, hart: &Hart) -> bool;
    /// Called after hart `h` executed an instruction; `accesses` holds its
    /// memory accesses when it retired. True stops after it.
    fn after(&mut self, h: usize, hart: &Hart, accesses: Option<&crate::trace::Pre>) -> bool;
}

/// The monitor of a plain [`Machine::run`]: watches nothing.
struct Unmonitored;

impl Monitor for Unmonitored {
    #[inline(always)]
    fn slow(&self, _h: usize) -> bool {
        false
    }
    fn before(&mut self, _h: usize, _hart: &Hart) -> bool {
        false
    }
    fn after(&mut self, _h: usize, _hart: &Hart, _accesses: Option<&crate::trace::Pre>) -> bool {
        false
    }
}

/// Why [`Machine::run_monitored`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// What [`Machine::run`] would have returned.
    Board(Event),
    /// The monitor stopped the machine at hart `h`.
    Hart(usize),
}

impl Machine {
    /// `run`, with the same interleaving of harts, resumable from `cur` and
    /// stoppable by `mon` before or after any instruction of a hart it
    /// marks slow; other harts run their cached blocks.
    pub fn run_monitored(&mut self, cur: &mut Cursor, insns: u64, mon: &mut impl Monitor) -> Stop {
        if cur.at_round_start() && self.all_idle() {
            match self.next_deadline() {
                Some(t) if self.realtime.is_some() => {
                    // Sleep towards the deadline in slices short enough for
                    // the console to stay responsive.
                    let now = self.clint().mtime();
                    let wait = (t.saturating_sub(now) * 100).min(10_000_000);
                    std::thread::sleep(std::time::Duration::from_nanos(wait));
                    self.advance_time(0);
                    self.update_lines();
                    if self.all_idle() {
                        return Stop::Board(Event::Idle);
                    }
                }
                Some(t) => self.skip_to(t),
                None => return Stop::Board(Event::Deadlock),
            }
        }
        // Trapping instructions count towards the target too, so a trap storm
        // that retires nothing still returns.
        let target = self.executed.saturating_add(insns);
        loop {
            while cur.hart < self.harts.len() {
                let h = cur.hart;
                let room = self.insn_limit.saturating_sub(self.executed);
                if room == 0 {
                    return Stop::Board(Event::Budget);
                }
                let mut left = cur.turn.unwrap_or(QUANTUM).min(room);
                cur.turn = Some(left);
                while left > 0 || cur.pending.is_some() {
                    let exit = if cur.pending.is_some() || cur.call.is_some() || mon.slow(h) {
                        match self.call_monitored(h, cur, mon) {
                            Some(exit) => exit,
                            None => return Stop::Hart(h),
                        }
                    } else {
                        let hart = &mut self.harts[h];
                        let before = hart.instret();
                        let exit = hart.run(&mut self.bus, left);
                        let ran = hart.instret() - before;
                        self.retired += ran;
                        // Budget means the whole turn was used, traps included.
                        self.executed += if exit == Exit::Budget {
                            left.max(ran)
                        } else {
                            ran
                        };
                        cur.turn = Some(left.saturating_sub(ran));
                        exit
                    };
                    left = cur.turn.unwrap_or(0);
                    match exit {
                        Exit::Budget | Exit::Wfi => break,
                        Exit::Mmio => {
                            if let Some(ev) = self.service() {
                                return Stop::Board(ev);
                            }
                        }
                    }
                }
                // Another hart may store next: break the reservation so an SC
                // after this point fails, as the LR/SC rules require.
                if self.harts.len() > 1 {
                    self.harts[h].drop_reservation();
                }
                cur.hart += 1;
                cur.turn = None;
            }
            cur.hart = 0;
            self.advance_time(QUANTUM);
            if let Some(ev) = self.service() {
                return Stop::Board(ev);
            }
            if self.all_idle() {
                return Stop::Board(Event::Idle);
            }
            if self.executed >= target {
                return Stop::Board(Event::Budget);
            }
        }
    }

    /// One `Hart::run(bus, turn)` call of hart `h`, an instruction at a time
    /// (as its slow path runs), resumed from `cur`; None when `mon` stopped it.
    fn call_monitored(
        &mut self,
        h: usize,
        cur: &mut Cursor,
        mon: &mut impl Monitor,
    ) -> Option<Exit> {
        if let Some(exit) = cur.pending.take() {
            return Some(exit);
        }
        let hart = &mut self.harts[h];
        let mut budget = match cur.call {
            Some(b) => b,
            None => {
                if hart.wfi {
                    if hart.halted || hart.csr.mip & hart.csr.mie == 0 {
                        return Some(Exit::Wfi);
                    }
                    hart.wfi = false;
                }
                cur.turn.unwrap_or(0)
            }
        };
        while budget > 0 {
            let hart = &mut self.harts[h];
            if hart.csr.mip & hart.csr.mie != 0 {
                hart.take_interrupt();
            }
            if mon.before(h, hart) {
                cur.call = Some(budget);
                return None;
            }
            let before = hart.instret();
            let accesses = hart.step_slow(&mut self.bus, true);
            let ran = hart.instret() - before;
            self.retired += ran;
            self.executed += 1;
            cur.turn = Some(cur.turn.unwrap_or(0).saturating_sub(ran));
            budget -= 1;
            let exit = if hart.wfi {
                Some(Exit::Wfi)
            } else if hart.mmio_accessed {
                hart.mmio_accessed = false;
                Some(Exit::Mmio)
            } else if budget == 0 {
                Some(Exit::Budget)
            } else {
                None
            };
            let stop = mon.after(h, &self.harts[h], accesses.as_ref());
            cur.call = exit.is_none().then_some(budget);
            if stop {
                cur.pending = exit;
                return None;
            }
            if exit.is_some() {
                return exit;
            }
        }
        cur.call = None;
        Some(Exit::Budget)
    }
}
