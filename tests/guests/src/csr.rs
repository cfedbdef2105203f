//! CSR access macros: `csrr!(mstatus)`, `csrw!(mtvec, v)`, `csrs!`, `csrc!`,
//! `csrrw!`; a CSR is named by its assembler name or its number (`0x14d`).

/// Reads a CSR.
#[macro_export]
macro_rules! csrr {
    ($csr:tt) => {{
        let v: u64;
        // SAFETY: reading a CSR has no memory effects; a trap is the test's business.
        unsafe { core::arch::asm!(concat!("csrr {0}, ", stringify!($csr)), out(reg) v) };
        v
    }};
}

/// Writes a CSR.
#[macro_export]
macro_rules! csrw {
    ($csr:tt, $v:expr) => {{
        let v: u64 = $v;
        // SAFETY: CSR writes are what the guest programs test.
        unsafe { core::arch::asm!(concat!("csrw ", stringify!($csr), ", {0}"), in(reg) v) };
    }};
}

/// Sets the bits of `$v` in a CSR.
#[macro_export]
macro_rules! csrs {
    ($csr:tt, $v:expr) => {{
        let v: u64 = $v;
        // SAFETY: CSR writes are what the guest programs test.
        unsafe { core::arch::asm!(concat!("csrs ", stringify!($csr), ", {0}"), in(reg) v) };
    }};
}

/// Clears the bits of `$v` in a CSR.
#[macro_export]
macro_rules! csrc {
    ($csr:tt, $v:expr) => {{
        let v: u64 = $v;
        // SAFETY: CSR writes are what the guest programs test.
        unsafe { core::arch::asm!(concat!("csrc ", stringify!($csr), ", {0}"), in(reg) v) };
    }};
}

/// Swaps a CSR with `$v`, returning the old value.
#[macro_export]
macro_rules! csrrw {
    ($csr:tt, $v:expr) => {{
        let v: u64 = $v;
        let old: u64;
        // SAFETY: CSR writes are what the guest programs test.
        unsafe { core::arch::asm!(concat!("csrrw {0}, ", stringify!($csr), ", {1}"), out(reg) old, in(reg) v) };
        old
    }};
}

/// mstatus fields.
pub mod mstatus {
    pub const SIE: u64 = 1 << 1;
    pub const MIE: u64 = 1 << 3;
    pub const SPIE: u64 = 1 << 5;
    pub const MPIE: u64 = 1 << 7;
    pub const SPP: u64 = 1 << 8;
    pub const MPP: u64 = 3 << 11;
    pub const FS: u64 = 3 << 13;
    pub const MPRV: u64 = 1 << 17;
    pub const SUM: u64 = 1 << 18;
    pub const MXR: u64 = 1 << 19;
    pub const TVM: u64 = 1 << 20;
    pub const TW: u64 = 1 << 21;
    pub const TSR: u64 = 1 << 22;
    pub const SD: u64 = 1 << 63;
}

/// Interrupt numbers (bit positions in mip/mie, codes in mcause).
pub mod irq {
    pub const SSI: u64 = 1;
    pub const MSI: u64 = 3;
    pub const STI: u64 = 5;
    pub const MTI: u64 = 7;
    pub const SEI: u64 = 9;
    pub const MEI: u64 = 11;
}

/// Exception causes.
pub mod cause {
    pub const FETCH_MISALIGNED: u64 = 0;
    pub const FETCH_ACCESS: u64 = 1;
    pub const ILLEGAL: u64 = 2;
    pub const BREAKPOINT: u64 = 3;
    pub const LOAD_MISALIGNED: u64 = 4;
    pub const LOAD_ACCESS: u64 = 5;
    pub const STORE_MISALIGNED: u64 = 6;
    pub const STORE_ACCESS: u64 = 7;
    pub const ECALL_U: u64 = 8;
    pub const ECALL_S: u64 = 9;
    pub const ECALL_M: u64 = 11;
    pub const FETCH_PAGE: u64 = 12;
    pub const LOAD_PAGE: u64 = 13;
    pub const STORE_PAGE: u64 = 15;
    /// mcause bit 63: the trap is an interrupt.
    pub const INTERRUPT: u64 = 1 << 63;
}
