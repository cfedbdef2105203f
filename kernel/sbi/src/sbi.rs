// The SBI calls, dispatched by rustsbi: base, TIME, IPI, RFENCE, HSM, SRST and
// DBCN; plus the legacy console (putchar, getchar) and shutdown it lacks.

use crate::hart;
use crate::trap::{self, Frame};
use crate::{riscv, uart};
use core::sync::atomic::Ordering;
use rustsbi::{HartMask, Physical, RustSBI, SbiRet};

// Legacy extensions (SBI v0.1) Linux's earlycon=sbi may still use.
const LEGACY_CONSOLE_PUTCHAR: usize = 0x01;
const LEGACY_CONSOLE_GETCHAR: usize = 0x02;
const LEGACY_SHUTDOWN: usize = 0x08;
const EID_HSM: usize = 0x48_534d;
const HSM_HART_STOP: usize = 1;

#[derive(RustSBI)]
struct Firmware {
    console: Console,
    timer: Timer,
    ipi: Ipi,
    fence: Fence,
    hsm: Hsm,
    reset: Reset,
    info: Info,
}

static FIRMWARE: Firmware = Firmware {
    console: Console,
    timer: Timer,
    ipi: Ipi,
    fence: Fence,
    hsm: Hsm,
    reset: Reset,
    info: Info,
};

/// Serves the SBI call in `f` (a7 = extension, a6 = function, a0..a5 = arguments);
/// returns the values for a0 and a1.
pub fn ecall(hartid: usize, f: &mut Frame) -> (usize, usize) {
    let (eid, fid) = (f.x[17], f.x[16]);
    let a = [f.x[10], f.x[11], f.x[12], f.x[13], f.x[14], f.x[15]];
    match eid {
        // Legacy calls return their value in a0 alone; a1 is left as it was.
        LEGACY_CONSOLE_PUTCHAR => {
            uart::putc(a[0] as u8);
            (0, f.x[11])
        }
        LEGACY_CONSOLE_GETCHAR => (uart::getc().map_or(usize::MAX, usize::from), f.x[11]),
        LEGACY_SHUTDOWN => riscv::finisher_pass(),
        // hart_stop returns only when the hart is started again, with the
        // registers hart_start gives.
        EID_HSM if fid == HSM_HART_STOP => {
            trap::stop_and_restart(hartid, f);
            (f.x[10], f.x[11])
        }
        _ => {
            let r = FIRMWARE.handle_ecall(eid, fid, a);
            (r.error, r.value)
        }
    }
}

/// The harts of a mask that exist.
fn harts_of(mask: HartMask) -> impl Iterator<Item = usize> + Clone {
    (0..hart::MAX_HARTS).filter(move |&h| mask.has_bit(h) && hart::hart(h).is_some())
}

/// Whether every hart the mask names exists (a base of -1 names all that do).
fn mask_valid(mask: HartMask) -> bool {
    let (bits, base) = mask.into_inner();
    if base == usize::MAX {
        return true;
    }
    (0..usize::BITS as usize)
        .filter(|i| bits >> i & 1 != 0)
        .all(|i| base.checked_add(i).and_then(hart::hart).is_some())
}

struct Console;

impl rustsbi::Console for Console {
    fn write(&self, bytes: Physical<&[u8]>) -> SbiRet {
        if bytes.phys_addr_hi() != 0 {
            return SbiRet::invalid_param();
        }
        let p = bytes.phys_addr_lo() as *const u8;
        for i in 0..bytes.num_bytes() {
            // SAFETY: M-mode reads physical memory directly; an address with no
            // memory behind it faults into the firmware's trap handler.
            uart::putc(unsafe { p.add(i).read_volatile() });
        }
        SbiRet::success(bytes.num_bytes())
    }

    fn read(&self, bytes: Physical<&mut [u8]>) -> SbiRet {
        if bytes.phys_addr_hi() != 0 {
            return SbiRet::invalid_param();
        }
        let p = bytes.phys_addr_lo() as *mut u8;
        let mut n = 0;
        while n < bytes.num_bytes() {
            let Some(b) = uart::getc() else { break };
            // SAFETY: as in write; the caller gave this buffer.
            unsafe { p.add(n).write_volatile(b) };
            n += 1;
        }
        SbiRet::success(n)
    }

    fn write_byte(&self, byte: u8) -> SbiRet {
        uart::putc(byte);
        SbiRet::success(0)
    }
}

struct Timer;

impl rustsbi::Timer for Timer {
    fn set_timer(&self, stime_value: u64) {
        // Sstc: the S-mode timer compare raises (and clears) STIP itself, as
        // OpenSBI does on harts with Sstc.
        riscv::w_stimecmp(stime_value as usize);
    }
}

struct Ipi;

impl rustsbi::Ipi for Ipi {
    fn send_ipi(&self, mask: HartMask) -> SbiRet {
        if !mask_valid(mask) {
            return SbiRet::invalid_param();
        }
        hart::send(riscv::r_mhartid(), harts_of(mask), hart::REQ_SSIP);
        SbiRet::success(0)
    }
}

struct Fence;

impl Fence {
    fn remote(&self, mask: HartMask, req: usize) -> SbiRet {
        if !mask_valid(mask) {
            return SbiRet::invalid_param();
        }
        hart::send(riscv::r_mhartid(), harts_of(mask), req);
        SbiRet::success(0)
    }
}

impl rustsbi::Fence for Fence {
    fn remote_fence_i(&self, mask: HartMask) -> SbiRet {
        self.remote(mask, hart::REQ_FENCE_I)
    }

    // A whole-TLB flush serves any address range or ASID.
    fn remote_sfence_vma(&self, mask: HartMask, _start: usize, _size: usize) -> SbiRet {
        self.remote(mask, hart::REQ_SFENCE_VMA)
    }

    fn remote_sfence_vma_asid(
        &self,
        mask: HartMask,
        _start: usize,
        _size: usize,
        _asid: usize,
    ) -> SbiRet {
        self.remote(mask, hart::REQ_SFENCE_VMA)
    }
}

struct Hsm;

impl rustsbi::Hsm for Hsm {
    fn hart_start(&self, hartid: usize, start_addr: usize, opaque: usize) -> SbiRet {
        let Some(h) = hart::hart(hartid) else {
            return SbiRet::invalid_param();
        };
        h.start_addr.store(start_addr, Ordering::Relaxed);
        h.opaque.store(opaque, Ordering::Relaxed);
        if h.state
            .compare_exchange(
                hart::STOPPED,
                hart::START_PENDING,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err()
        {
            return SbiRet::already_available();
        }
        riscv::set_msip(hartid, true);
        SbiRet::success(0)
    }

    // Served in `ecall`: stopping never returns to the caller.
    fn hart_stop(&self) -> SbiRet {
        SbiRet::failed()
    }

    fn hart_get_status(&self, hartid: usize) -> SbiRet {
        match hart::hart(hartid) {
            Some(h) => SbiRet::success(h.state.load(Ordering::Acquire)),
            None => SbiRet::invalid_param(),
        }
    }

    // Default retentive suspend: wait for an interrupt, then return.
    fn hart_suspend(&self, suspend_type: u32, _resume_addr: usize, _opaque: usize) -> SbiRet {
        if suspend_type != 0 {
            return SbiRet::not_supported();
        }
        riscv::wfi();
        SbiRet::success(0)
    }
}

struct Reset;

// SRST reset types (SBI spec §10).
const RESET_SHUTDOWN: u32 = 0;
const RESET_COLD: u32 = 1;
const RESET_WARM: u32 = 2;
const REASON_NONE: u32 = 0;

impl rustsbi::Reset for Reset {
    fn system_reset(&self, reset_type: u32, reset_reason: u32) -> SbiRet {
        match (reset_type, reset_reason) {
            (RESET_SHUTDOWN, REASON_NONE) => riscv::finisher_pass(),
            (RESET_SHUTDOWN, _) => riscv::finisher_fail(reset_reason as u16),
            (RESET_COLD | RESET_WARM, _) => riscv::finisher_reset(),
            _ => SbiRet::invalid_param(),
        }
    }
}

struct Info;

impl rustsbi::EnvInfo for Info {
    fn mvendorid(&self) -> usize {
        riscv::r_mvendorid()
    }
    fn marchid(&self) -> usize {
        riscv::r_marchid()
    }
    fn mimpid(&self) -> usize {
        riscv::r_mimpid()
    }
}
