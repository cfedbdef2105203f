// RISC-V privileged-architecture access: CSRs, interrupts, Sv39 page-table entries.

use core::arch::asm;

/// Reads a CSR by number or name.
macro_rules! csrr {
    ($csr:literal) => {{
        let v: usize;
        // SAFETY: reading a CSR has no memory effects.
        unsafe { asm!(concat!("csrr {}, ", $csr), out(reg) v) };
        v
    }};
}

/// Writes a CSR by number or name.
macro_rules! csrw {
    ($csr:literal, $v:expr) => {{
        let v: usize = $v;
        // SAFETY: callers are the privileged setup and trap code, which own these CSRs.
        unsafe { asm!(concat!("csrw ", $csr, ", {}"), in(reg) v) };
    }};
}

/// Which hart (core) is this? Machine mode only.
#[inline]
pub fn r_mhartid() -> usize {
    csrr!("mhartid")
}

pub const MSTATUS_MPP_MASK: usize = 3 << 11;
pub const MSTATUS_MPP_S: usize = 1 << 11;
pub const MSTATUS_MIE: usize = 1 << 3;

#[inline]
pub fn r_mstatus() -> usize {
    csrr!("mstatus")
}
#[inline]
pub fn w_mstatus(x: usize) {
    csrw!("mstatus", x)
}
/// Machine exception program counter: where mret goes.
#[inline]
pub fn w_mepc(x: usize) {
    csrw!("mepc", x)
}

pub const SSTATUS_SPP: usize = 1 << 8;
pub const SSTATUS_SPIE: usize = 1 << 5;
pub const SSTATUS_SIE: usize = 1 << 1;

#[inline]
pub fn r_sstatus() -> usize {
    csrr!("sstatus")
}
#[inline]
pub fn w_sstatus(x: usize) {
    csrw!("sstatus", x)
}
#[inline]
pub fn r_sip() -> usize {
    csrr!("sip")
}
#[inline]
pub fn w_sip(x: usize) {
    csrw!("sip", x)
}

pub const SIE_SEIE: usize = 1 << 9;
pub const SIE_STIE: usize = 1 << 5;
pub const SIE_SSIE: usize = 1 << 1;

#[inline]
pub fn r_sie() -> usize {
    csrr!("sie")
}
#[inline]
pub fn w_sie(x: usize) {
    csrw!("sie", x)
}

pub const MIE_STIE: usize = 1 << 5;

#[inline]
pub fn r_mie() -> usize {
    csrr!("mie")
}
#[inline]
pub fn w_mie(x: usize) {
    csrw!("mie", x)
}
#[inline]
pub fn r_sepc() -> usize {
    csrr!("sepc")
}
#[inline]
pub fn w_sepc(x: usize) {
    csrw!("sepc", x)
}
#[inline]
pub fn w_medeleg(x: usize) {
    csrw!("medeleg", x)
}
#[inline]
pub fn w_mideleg(x: usize) {
    csrw!("mideleg", x)
}
/// Supervisor trap-vector base address; low two bits are the mode.
#[inline]
pub fn w_stvec(x: usize) {
    csrw!("stvec", x)
}
#[inline]
pub fn w_pmpcfg0(x: usize) {
    csrw!("pmpcfg0", x)
}
#[inline]
pub fn w_pmpaddr0(x: usize) {
    csrw!("pmpaddr0", x)
}
/// Machine environment configuration (bit 63 STCE enables stimecmp).
#[inline]
pub fn r_menvcfg() -> usize {
    csrr!("0x30a")
}
#[inline]
pub fn w_menvcfg(x: usize) {
    csrw!("0x30a", x)
}
#[inline]
pub fn r_mcounteren() -> usize {
    csrr!("mcounteren")
}
#[inline]
pub fn w_mcounteren(x: usize) {
    csrw!("mcounteren", x)
}
/// Supervisor timer compare (Sstc).
#[inline]
pub fn w_stimecmp(x: usize) {
    csrw!("0x14d", x)
}
/// The machine timer, readable from S-mode once mcounteren.TM is set.
#[inline]
pub fn r_time() -> usize {
    csrr!("time")
}

/// Sv39 paging mode in satp.
pub const SATP_SV39: usize = 8 << 60;

/// The satp value selecting the page table at physical address `pagetable`.
#[inline]
pub fn make_satp(pagetable: usize) -> usize {
    SATP_SV39 | (pagetable >> 12)
}
#[inline]
pub fn w_satp(x: usize) {
    csrw!("satp", x)
}
#[inline]
pub fn r_satp() -> usize {
    csrr!("satp")
}
#[inline]
pub fn r_scause() -> usize {
    csrr!("scause")
}
#[inline]
pub fn r_stval() -> usize {
    csrr!("stval")
}

/// Enables device interrupts.
#[inline]
pub fn intr_on() {
    w_sstatus(r_sstatus() | SSTATUS_SIE);
}
/// Disables device interrupts.
#[inline]
pub fn intr_off() {
    w_sstatus(r_sstatus() & !SSTATUS_SIE);
}
/// Are device interrupts enabled?
#[inline]
pub fn intr_get() -> bool {
    r_sstatus() & SSTATUS_SIE != 0
}

/// The current frame pointer (s0).
#[inline]
pub fn r_fp() -> usize {
    let v: usize;
    // SAFETY: reads a register.
    unsafe { asm!("mv {}, s0", out(reg) v) };
    v
}
/// The thread pointer, which holds this hart's id in the kernel.
#[inline]
pub fn r_tp() -> usize {
    let v: usize;
    // SAFETY: reads a register.
    unsafe { asm!("mv {}, tp", out(reg) v) };
    v
}
#[inline]
pub fn w_tp(x: usize) {
    // SAFETY: tp is reserved for the hart id; nothing else uses it.
    unsafe { asm!("mv tp, {}", in(reg) x) };
}

/// Flushes all TLB entries.
#[inline]
pub fn sfence_vma() {
    // SAFETY: the zero, zero form flushes all TLB entries; no memory effects.
    unsafe { asm!("sfence.vma zero, zero") };
}

/// Waits for an interrupt.
#[inline]
pub fn wfi() {
    // SAFETY: wfi only pauses the hart.
    unsafe { asm!("wfi") };
}

pub const PGSIZE: usize = 4096;
pub const PGSHIFT: usize = 12;

#[inline]
pub const fn pgroundup(sz: usize) -> usize {
    (sz + PGSIZE - 1) & !(PGSIZE - 1)
}
#[inline]
pub const fn pgrounddown(a: usize) -> usize {
    a & !(PGSIZE - 1)
}

/// A page-table entry.
pub type Pte = u64;
/// A page table: a physical page of 512 PTEs (null when absent).
pub type PageTable = *mut Pte;

pub const PTE_V: Pte = 1 << 0;
pub const PTE_R: Pte = 1 << 1;
pub const PTE_W: Pte = 1 << 2;
pub const PTE_X: Pte = 1 << 3;
/// User can access.
pub const PTE_U: Pte = 1 << 4;
/// Copy-on-write page: shared read-only after fork (RSW bit 8).
pub const PTE_COW: Pte = 1 << 8;

/// Shifts a physical address to the right place for a PTE.
#[inline]
pub const fn pa2pte(pa: usize) -> Pte {
    ((pa >> 12) << 10) as Pte
}
#[inline]
pub const fn pte2pa(pte: Pte) -> usize {
    ((pte >> 10) << 12) as usize
}
#[inline]
pub const fn pte_flags(pte: Pte) -> Pte {
    pte & 0x3ff
}

/// Extracts the three 9-bit page table indices from a virtual address.
#[inline]
pub const fn px(level: usize, va: usize) -> usize {
    (va >> (PGSHIFT + 9 * level)) & 0x1ff
}

/// One beyond the highest possible virtual address. MAXVA is actually one bit
/// less than the max allowed by Sv39, to avoid having to sign-extend virtual
/// addresses that have the high bit set.
pub const MAXVA: usize = 1 << (9 + 9 + 9 + 12 - 1);
