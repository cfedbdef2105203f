//! WARL behaviour, views and access checks of the CSRs.

use super::*;
use crate::hart::tests::{setup, BASE};

fn hart() -> Hart {
    Hart::new(0)
}

#[test]
fn misa_and_ids_are_read_only() {
    let mut h = hart();
    assert!(h.csr_allowed(MISA, true));
    h.csr_write(MISA, 0);
    assert_eq!(h.csr_value(MISA), Some(MISA_VALUE));
    assert!(!h.csr_allowed(MHARTID, true));
    assert!(h.csr_allowed(MHARTID, false));
    assert_eq!(h.csr_value(MCONFIGPTR), Some(0));
    assert_eq!(h.csr_value(MVENDORID), Some(0));
    // No debug triggers: tselect exists (software probes it) and reads 0.
    h.csr_write(TSELECT, 1);
    assert_eq!(h.csr_value(TSELECT), Some(0));
    assert_eq!(h.csr_value(TSELECT + 1), Some(0));
    assert_eq!(h.csr_value(0x7a4), None);
}

#[test]
fn mtvec_ignores_reserved_modes() {
    let mut h = hart();
    h.csr_write(MTVEC, 0x8000_0101);
    assert_eq!(h.csr_value(MTVEC), Some(0x8000_0101));
    h.csr_write(MTVEC, 0x8000_0202);
    h.csr_write(MTVEC, 0x8000_0303);
    assert_eq!(h.csr_value(MTVEC), Some(0x8000_0101));
    h.csr_write(STVEC, 0x9000_0003);
    assert_eq!(h.csr_value(STVEC), Some(0));
}

#[test]
fn satp_accepts_bare_and_sv39_only() {
    let mut h = hart();
    let sv39 = 8 << 60 | 0xffff << 44 | 0x80123;
    h.csr_write(SATP, sv39);
    assert_eq!(h.csr_value(SATP), Some(sv39));
    h.csr_write(SATP, 9 << 60 | 0x80000);
    h.csr_write(SATP, 10 << 60 | 0x80000);
    assert_eq!(h.csr_value(SATP), Some(sv39));
    h.csr_write(SATP, 0);
    assert_eq!(h.csr_value(SATP), Some(0));
}

#[test]
fn sstatus_is_a_view_of_mstatus() {
    let mut h = hart();
    h.csr_write(
        MSTATUS,
        MSTATUS_MIE | MSTATUS_SIE | MSTATUS_TVM | MSTATUS_SUM,
    );
    assert_eq!(
        h.csr_value(SSTATUS),
        Some(MSTATUS_SIE | MSTATUS_SUM | 2 << 32)
    );
    // Writing sstatus cannot touch M-only bits.
    h.csr_write(SSTATUS, u64::MAX);
    let m = h.csr_value(MSTATUS).unwrap();
    assert_eq!(
        m,
        0xa_0000_0000
            | MSTATUS_MIE
            | MSTATUS_TVM
            | MSTATUS_SIE
            | MSTATUS_SPIE
            | MSTATUS_SPP
            | MSTATUS_FS
            | MSTATUS_SUM
            | MSTATUS_MXR
            | MSTATUS_SD
    );
    h.csr_write(SSTATUS, 0);
    assert_eq!(
        h.csr_value(MSTATUS),
        Some(0xa_0000_0000 | MSTATUS_MIE | MSTATUS_TVM)
    );
    // SXL/UXL are read-only; MPP = 2 is not a legal value and is dropped.
    h.csr_write(MSTATUS, 1 << 11);
    h.csr_write(MSTATUS, 2 << 11);
    assert_eq!(h.csr_value(MSTATUS), Some(0xa_0000_0000 | 1 << 11));
}

#[test]
fn fs_gates_fp_csrs_and_sd_follows_dirty() {
    let mut h = hart();
    assert!(!h.csr_allowed(FFLAGS, false));
    assert!(!h.csr_allowed(FCSR, true));
    h.csr_write(MSTATUS, 1 << 13); // FS = Initial
    assert!(h.csr_allowed(FRM, true));
    assert_eq!(h.csr_value(MSTATUS).unwrap() >> 63, 0);
    h.csr_write(FCSR, 0xff);
    assert_eq!(
        (h.csr_value(FRM), h.csr_value(FFLAGS)),
        (Some(7), Some(0x1f))
    );
    let m = h.csr_value(MSTATUS).unwrap();
    assert_eq!((m & MSTATUS_FS, m >> 63), (MSTATUS_FS, 1));
    assert_eq!(h.csr_value(SSTATUS).unwrap() >> 63, 1);
}

#[test]
fn interrupt_registers_and_their_s_views() {
    let mut h = hart();
    h.csr_write(MIE, u64::MAX);
    assert_eq!(h.csr.mie, 0xaaa);
    h.csr_write(MIDELEG, u64::MAX);
    assert_eq!(h.csr.mideleg, 0x222);
    assert_eq!(h.csr_value(SIE), Some(0x222));
    h.csr_write(SIE, 0);
    assert_eq!(h.csr.mie, 0x888);
    // mip: SSIP, STIP, SEIP writable by M; MTIP is not.
    h.csr_write(MIP, u64::MAX);
    assert_eq!(h.csr.mip, MIP_SSIP | MIP_STIP | MIP_SEIP);
    // sip: only SSIP is writable, and only when delegated.
    h.csr_write(SIP, 0);
    assert_eq!(h.csr.mip, MIP_STIP | MIP_SEIP);
    assert_eq!(h.csr_value(SIP), Some(MIP_STIP | MIP_SEIP));
    h.csr_write(MIDELEG, 0);
    h.csr_write(SIP, MIP_SSIP);
    assert_eq!(h.csr.mip & MIP_SSIP, 0);
    assert_eq!(h.csr_value(SIP), Some(0));
}

#[test]
fn seip_is_software_bit_or_plic_line() {
    let (mut h, mut bus) = setup(&[]);
    h.set_irq(MIP_SEIP, true);
    assert_eq!(h.csr.mip, MIP_SEIP);
    // csrrc mip, SSIP must not latch the PLIC's SEIP into the software bit.
    // csrrci x0,mip,2
    crate::hart::tests::load(&mut bus, BASE, &[0x34417073]);
    h.run(&mut bus, 1);
    h.set_irq(MIP_SEIP, false);
    assert_eq!(h.csr.mip, 0);
    h.csr_write(MIP, MIP_SEIP);
    h.set_irq(MIP_SEIP, false);
    assert_eq!(h.csr.mip, MIP_SEIP);
}

#[test]
fn medeleg_mepc_and_pmp() {
    let mut h = hart();
    h.csr_write(MEDELEG, 0xffff);
    assert_eq!(h.csr_value(MEDELEG), Some(0xb3ff));
    h.csr_write(MEPC, 0x8000_0003);
    h.csr_write(SEPC, 0x8000_0005);
    assert_eq!((h.csr.mepc, h.csr.sepc), (0x8000_0002, 0x8000_0004));
    h.csr_write(PMPADDR0, u64::MAX);
    h.csr_write(PMPCFG0, 0x0f);
    h.csr_write(PMPADDR0 + 63, 0x1234);
    assert_eq!(h.csr_value(PMPADDR0), Some(0x3f_ffff_ffff_ffff));
    assert_eq!(h.csr_value(PMPCFG0), Some(0x0f));
    assert_eq!(h.csr_value(PMPADDR63), Some(0x1234));
    assert_eq!(h.csr_value(PMPCFG0 + 1), None);
    assert_eq!(h.csr_value(PMPCFG0 + 14), Some(0));
    assert!(!h.csr_allowed(PMPCFG0 + 3, false));
}

#[test]
fn counters_are_gated_by_counteren() {
    let mut h = hart();
    h.prv = PRV_S;
    assert!(!h.csr_allowed(CYCLE, false));
    assert!(!h.csr_allowed(MSTATUS, false));
    h.csr.mcounteren = 0b101;
    assert!(h.csr_allowed(CYCLE, false) && h.csr_allowed(INSTRET, false));
    assert!(!h.csr_allowed(TIME, false));
    h.prv = PRV_U;
    assert!(!h.csr_allowed(CYCLE, false));
    h.csr.scounteren = 1;
    assert!(h.csr_allowed(CYCLE, false));
    assert!(!h.csr_allowed(INSTRET, false));
    assert!(!h.csr_allowed(SSTATUS, false));
    // User counters are read-only even in M.
    h.prv = PRV_M;
    assert!(!h.csr_allowed(CYCLE, true));
    assert!(h.csr_allowed(MCYCLE, true));
}

#[test]
fn satp_access_under_tvm() {
    let mut h = hart();
    h.csr.mstatus |= MSTATUS_TVM;
    assert!(h.csr_allowed(SATP, true));
    h.prv = PRV_S;
    assert!(!h.csr_allowed(SATP, false));
    h.csr.mstatus &= !MSTATUS_TVM;
    assert!(h.csr_allowed(SATP, true));
}

#[test]
fn stimecmp_drives_stip_with_sstc() {
    let mut h = hart();
    h.prv = PRV_S;
    assert!(!h.csr_allowed(STIMECMP, false));
    h.csr.mcounteren = 2;
    assert!(!h.csr_allowed(STIMECMP, false));
    h.prv = PRV_M;
    assert!(h.csr_allowed(STIMECMP, true));
    // Without STCE, STIP is M's to write.
    h.csr_write(MIP, MIP_STIP);
    assert_eq!(h.csr.mip, MIP_STIP);
    h.csr_write(STIMECMP, 1000);
    h.csr_write(MENVCFG, MENVCFG_STCE);
    assert_eq!(h.csr.mip, 0);
    assert_eq!(h.stimecmp_deadline(), Some(1000));
    h.set_time(999);
    assert_eq!(h.csr.mip, 0);
    h.set_time(1000);
    assert_eq!(h.csr.mip, MIP_STIP);
    h.csr_write(MIP, 0);
    assert_eq!(h.csr.mip, MIP_STIP);
    h.csr_write(STIMECMP, 5000);
    assert_eq!(h.csr.mip, 0);
    h.prv = PRV_S;
    assert!(h.csr_allowed(STIMECMP, true));
    assert_eq!(h.csr_value(MENVCFG), Some(MENVCFG_STCE | MENVCFG_ADUE));
}

#[test]
fn csr_names_for_traces() {
    let mut s = String::new();
    for c in [MTVEC, SATP, PMPADDR0 + 3, MHPMCOUNTER3 + 1, FFLAGS] {
        write_name(c, &mut s);
        s.push(' ');
    }
    assert_eq!(s, "mtvec satp pmpaddr3 mhpmcounter4 fflags ");
}

#[test]
fn sstatus_instructions_are_illegal_only_from_u_mode() {
    use crate::hart::insn::CsrOp;
    use crate::hart::Exception;
    // csrr a0,sstatus, then csrs sstatus,a1 with a1 = SIE.
    let (read, set) = (0x1000_2573, 0x1005_a073);
    let mut h = hart();
    h.prv = PRV_U;
    assert_eq!(
        h.csr_insn(read, CsrOp::Rs, 10, SSTATUS, 0, false),
        Err(Exception::Illegal(read))
    );
    assert_eq!(
        h.csr_insn(set, CsrOp::Rs, 0, SSTATUS, 2, true),
        Err(Exception::Illegal(set))
    );
    h.prv = PRV_S;
    assert_eq!(h.csr_insn(set, CsrOp::Rs, 0, SSTATUS, 2, true), Ok(()));
    assert_eq!(h.csr_insn(read, CsrOp::Rs, 10, SSTATUS, 0, false), Ok(()));
    assert_eq!(h.x[10] & 2, 2);
}
