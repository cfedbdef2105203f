//! The device tree handed over in a1: placed where QEMU places it (the last
//! 2 MiB-aligned slot below the end of RAM, 0x87e00000 for -m 128), a valid
//! blob, and the nodes a kernel or OpenSBI reads, per hart and per device.
//! Run with -m 128.
#![no_std]
#![no_main]

use guests::check::{eq, is};
use guests::devtree::{be32, be64, Fdt, Path};
use guests::println;

const MIB: u64 = 1 << 20;

fn str_is(what: &str, got: Option<&str>, want: &str) {
    if got != Some(want) {
        println!("{what}: got {got:?}, want {want:?}");
    }
    is(what, got == Some(want));
}

/// Checks a `reg` property of (address, size) pairs with 2 cells each.
fn reg_is(what: &str, f: &Fdt, path: &str, addr: u64, size: u64) {
    let r = f.prop(path, "reg").unwrap_or(&[]);
    eq(what, r.len() as u64, 16);
    eq(what, be64(r, 0), addr);
    eq(what, be64(r, 8), size);
}

fn cpus(f: &Fdt) -> usize {
    eq(
        "timebase-frequency",
        f.prop("/cpus", "timebase-frequency")
            .map_or(0, |v| be32(v, 0)) as u64,
        10_000_000,
    );
    let n = f.count_children("/cpus", "cpu@");
    println!("fdt: {n} harts");
    is("at least one hart", n >= 1);
    for h in 0..n {
        let path = Path::new("/cpus/cpu@").hex(h as u64);
        let p = path.as_str();
        str_is("cpu device_type", f.prop_str(p, "device_type"), "cpu");
        eq(
            "cpu reg",
            f.prop(p, "reg").map_or(99, |v| be32(v, 0)) as u64,
            h as u64,
        );
        str_is("cpu status", f.prop_str(p, "status"), "okay");
        str_is("cpu compatible", f.prop_str(p, "compatible"), "riscv");
        let isa = f.prop_str(p, "riscv,isa").unwrap_or("");
        is(
            "riscv,isa is rv64imafdc...",
            isa.starts_with("rv64imafd") && isa.contains('c'),
        );
        let mmu = f.prop_str(p, "mmu-type").unwrap_or("");
        if guests::on_qemu() {
            is("mmu-type (QEMU)", mmu.starts_with("riscv,sv"));
        } else {
            str_is("mmu-type", Some(mmu), "riscv,sv39");
        }
    }
    n
}

/// Checks that `interrupts-extended` of `path` lists, for each hart in order,
/// its cpu-intc phandle with each of `irqs`.
fn ext_interrupts(what: &str, f: &Fdt, path: &str, harts: usize, irqs: &[u32]) {
    let v = f.prop(path, "interrupts-extended").unwrap_or(&[]);
    eq(what, v.len() as u64, (harts * irqs.len() * 8) as u64);
    for h in 0..harts {
        let path = Path::new("/cpus/cpu@")
            .hex(h as u64)
            .str("/interrupt-controller");
        let intc = path.as_str();
        str_is(
            "cpu-intc compatible",
            f.prop_str(intc, "compatible"),
            "riscv,cpu-intc",
        );
        is(
            "cpu-intc is an interrupt-controller",
            f.prop(intc, "interrupt-controller").is_some(),
        );
        let phandle = f.prop(intc, "phandle").map_or(0, |v| be32(v, 0));
        is("cpu-intc phandle", phandle != 0);
        for (i, &irq) in irqs.iter().enumerate() {
            let at = (h * irqs.len() + i) * 8;
            eq(what, be32(v, at) as u64, phandle as u64);
            eq(what, be32(v, at + 4) as u64, irq as u64);
        }
    }
}

fn soc(f: &Fdt, harts: usize) {
    str_is(
        "soc compatible",
        f.prop_str("/soc", "compatible"),
        "simple-bus",
    );
    reg_is("clint reg", f, "/soc/clint@2000000", 0x200_0000, 0x1_0000);
    ext_interrupts("clint interrupts", f, "/soc/clint@2000000", harts, &[3, 7]);
    let plic = "/soc/plic@c000000";
    reg_is("plic reg", f, plic, 0xc00_0000, 0x60_0000);
    is(
        "plic interrupt-controller",
        f.prop(plic, "interrupt-controller").is_some(),
    );
    let ndev = f.prop(plic, "riscv,ndev").map_or(0, |v| be32(v, 0));
    is("plic riscv,ndev covers source 10", ndev >= 10);
    ext_interrupts("plic interrupts", f, plic, harts, &[11, 9]);
    let plic_phandle = f.prop(plic, "phandle").map_or(0, |v| be32(v, 0));

    let serial = "/soc/serial@10000000";
    str_is(
        "serial compatible",
        f.prop_str(serial, "compatible"),
        "ns16550a",
    );
    reg_is("serial reg", f, serial, 0x1000_0000, 0x100);
    eq(
        "serial irq",
        f.prop(serial, "interrupts").map_or(0, |v| be32(v, 0)) as u64,
        10,
    );
    eq(
        "serial parent",
        f.prop(serial, "interrupt-parent").map_or(0, |v| be32(v, 0)) as u64,
        plic_phandle as u64,
    );

    for n in 1..=8u64 {
        let path = Path::new("/soc/virtio_mmio@").hex(0x1000_0000 + n * 0x1000);
        let p = path.as_str();
        str_is(
            "virtio compatible",
            f.prop_str(p, "compatible"),
            "virtio,mmio",
        );
        reg_is("virtio reg", f, p, 0x1000_0000 + n * 0x1000, 0x1000);
        eq(
            "virtio irq",
            f.prop(p, "interrupts").map_or(0, |v| be32(v, 0)) as u64,
            n,
        );
    }

    let test = "/soc/test@100000";
    reg_is("test reg", f, test, 0x10_0000, 0x1000);
    let compat = f.prop(test, "compatible").unwrap_or(&[]);
    is(
        "test compatible sifive,test0",
        compat.split(|&c| c == 0).any(|s| s == b"sifive,test0"),
    );
    let test_phandle = f.prop(test, "phandle").map_or(0, |v| be32(v, 0));
    for (node, compat, value) in [
        ("/poweroff", "syscon-poweroff", 0x5555),
        ("/reboot", "syscon-reboot", 0x7777),
    ] {
        str_is("syscon compatible", f.prop_str(node, "compatible"), compat);
        eq(
            "syscon value",
            f.prop(node, "value").map_or(0, |v| be32(v, 0)) as u64,
            value,
        );
        eq(
            "syscon regmap",
            f.prop(node, "regmap").map_or(0, |v| be32(v, 0)) as u64,
            test_phandle as u64,
        );
    }
}

#[no_mangle]
extern "C" fn guest_main(_hartid: u64, dtb: u64) {
    println!("fdt: a1 = {dtb:#x}");
    let f = match Fdt::at(dtb) {
        Ok(f) => f,
        Err(e) => {
            println!("fdt: {e}");
            guests::exit(200);
        }
    };
    is(
        "structure block well formed",
        f.walk(&mut |_, _| {}).is_ok(),
    );
    let size = be32(f.bytes(), 4) as u64;
    reg_is("memory reg", &f, "/memory@80000000", 0x8000_0000, 128 * MIB);
    str_is(
        "memory device_type",
        f.prop_str("/memory@80000000", "device_type"),
        "memory",
    );
    // QEMU: ALIGN_DOWN(min(dram_end, 3 GiB) - fdt_size, 2 MiB).
    let end = (0x8000_0000 + 128 * MIB).min(0xc000_0000);
    eq("blob address", dtb, (end - size) & !(2 * MIB - 1));
    str_is(
        "root compatible",
        f.prop_str("/", "compatible"),
        "riscv-virtio",
    );
    str_is("model", f.prop_str("/", "model"), "riscv-virtio,qemu");
    eq(
        "#address-cells",
        f.prop("/", "#address-cells").map_or(0, |v| be32(v, 0)) as u64,
        2,
    );
    eq(
        "#size-cells",
        f.prop("/", "#size-cells").map_or(0, |v| be32(v, 0)) as u64,
        2,
    );
    let harts = cpus(&f);
    soc(&f, harts);
    str_is(
        "stdout-path",
        f.prop_str("/chosen", "stdout-path"),
        "/soc/serial@10000000",
    );
    guests::check::pass("fdt");
}
