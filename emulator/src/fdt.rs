//! The device tree blob describing the machine, shaped like QEMU virt's (hw/riscv/virt.c).
//!
//! Nodes and properties come in the order QEMU's libfdt leaves them (reverse
//! creation order) and phandles are numbered as QEMU numbers them: per hart,
//! highest hartid first, the cpu node then its interrupt controller; then the
//! PLIC; then the test device. rvcow has no PCI, flash, fw-cfg, RTC or PMU, so
//! their nodes are absent.

use vm_fdt::FdtWriter;

use crate::devices::plic::NSOURCES;
use crate::devices::{
    virtio_base, virtio_irq, CLINT, CLINT_SIZE, DRAM, PLIC, PLIC_SIZE, TEST, TEST_SIZE, UART0,
    UART0_IRQ, UART0_SIZE, VIRTIO_COUNT, VIRTIO_SIZE,
};

/// The ISA string rvcow's harts implement.
pub const ISA: &str = "rv64imafdc_zicsr_zifencei_zicntr_sstc";
/// The timebase of mtime and the `time` CSR, as on QEMU.
pub const TIMEBASE_FREQUENCY: u32 = 10_000_000;
/// The UART clock QEMU advertises.
const UART_CLOCK: u32 = 3_686_400;

// Interrupt numbers on a hart's local interrupt controller.
const IRQ_M_SOFT: u32 = 3;
const IRQ_M_TIMER: u32 = 7;
const IRQ_S_EXT: u32 = 9;
const IRQ_M_EXT: u32 = 11;

/// What the device tree describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FdtConfig {
    pub nharts: usize,
    /// RAM size in bytes, at 0x8000_0000.
    pub ram_size: u64,
    /// The kernel command line (`/chosen/bootargs`).
    pub bootargs: Option<String>,
    pub isa: String,
    /// Number of virtio-mmio slots described (QEMU: 8).
    pub virtio_slots: usize,
    /// The initrd's `[start, end)` (`/chosen/linux,initrd-start/-end`).
    pub initrd: Option<(u64, u64)>,
    /// RAM the firmware keeps for itself, `(base, size)`: a `no-map`
    /// `/reserved-memory` node, as OpenSBI adds before starting the kernel.
    pub firmware: Option<(u64, u64)>,
}

impl FdtConfig {
    /// The virt machine with `nharts` harts and `ram_size` bytes of RAM.
    pub fn new(nharts: usize, ram_size: u64) -> FdtConfig {
        FdtConfig {
            nharts,
            ram_size,
            bootargs: None,
            isa: ISA.to_string(),
            virtio_slots: VIRTIO_COUNT,
            initrd: None,
            firmware: None,
        }
    }
}

/// Where QEMU (7.2–9.x) places the blob: ALIGN_DOWN(min(dram_end, 3 GiB) − len, 2 MiB).
pub fn fdt_addr(ram_size: u64, fdt_len: usize) -> u64 {
    let dram_end = DRAM.saturating_add(ram_size);
    let top = dram_end.min(3 << 30);
    top.saturating_sub(fdt_len as u64) & !((2 << 20) - 1)
}

// Phandles in QEMU's creation order.
struct Phandles {
    nharts: u32,
}

impl Phandles {
    fn cpu(&self, h: u32) -> u32 {
        1 + 2 * (self.nharts - 1 - h)
    }
    fn intc(&self, h: u32) -> u32 {
        self.cpu(h) + 1
    }
    fn plic(&self) -> u32 {
        2 * self.nharts + 1
    }
    fn test(&self) -> u32 {
        2 * self.nharts + 2
    }
}

// A `reg` of (address, size) with two cells each.
fn reg(base: u64, size: u64) -> [u64; 2] {
    [base, size]
}

// Strings in a blob end at the first NUL.
fn cstr(s: &str) -> &str {
    s.split('\0').next().unwrap_or("")
}

/// The device tree blob for `cfg`.
pub fn build(cfg: &FdtConfig) -> Vec<u8> {
    // Every name is a valid constant and every string is cut at NUL, so the
    // writer cannot fail.
    write(cfg).expect("device tree names and strings are valid")
}

fn write(cfg: &FdtConfig) -> Result<Vec<u8>, vm_fdt::Error> {
    let n = cfg.nharts as u32;
    let ph = Phandles { nharts: n };
    let mut f = FdtWriter::new()?;
    let root = f.begin_node("")?;
    f.property_u32("#address-cells", 2)?;
    f.property_u32("#size-cells", 2)?;
    f.property_string("compatible", "riscv-virtio")?;
    f.property_string("model", "riscv-virtio,qemu")?;

    if let Some((base, size)) = cfg.firmware {
        let resv = f.begin_node("reserved-memory")?;
        f.property_u32("#address-cells", 2)?;
        f.property_u32("#size-cells", 2)?;
        f.property_null("ranges")?;
        let fw = f.begin_node(&format!("mmode_resv0@{base:x}"))?;
        f.property_null("no-map")?;
        f.property_array_u64("reg", &reg(base, size))?;
        f.end_node(fw)?;
        f.end_node(resv)?;
    }

    let chosen = f.begin_node("chosen")?;
    // QEMU 7.2 writes the initrd bounds as one cell each, after bootargs
    // (so before it in the blob).
    if let Some((start, end)) = cfg.initrd {
        f.property_u32("linux,initrd-end", end as u32)?;
        f.property_u32("linux,initrd-start", start as u32)?;
    }
    if let Some(args) = &cfg.bootargs {
        f.property_string("bootargs", cstr(args))?;
    }
    f.property_string("stdout-path", &format!("/soc/serial@{UART0:x}"))?;
    f.end_node(chosen)?;

    for (name, value) in [("poweroff", 0x5555), ("reboot", 0x7777)] {
        let node = f.begin_node(name)?;
        f.property_u32("value", value)?;
        f.property_u32("offset", 0)?;
        f.property_u32("regmap", ph.test())?;
        f.property_string("compatible", &format!("syscon-{name}"))?;
        f.end_node(node)?;
    }

    let memory = f.begin_node(&format!("memory@{DRAM:x}"))?;
    f.property_string("device_type", "memory")?;
    f.property_array_u64("reg", &reg(DRAM, cfg.ram_size))?;
    f.end_node(memory)?;

    let cpus = f.begin_node("cpus")?;
    f.property_u32("#address-cells", 1)?;
    f.property_u32("#size-cells", 0)?;
    f.property_u32("timebase-frequency", TIMEBASE_FREQUENCY)?;
    for h in 0..n {
        let cpu = f.begin_node(&format!("cpu@{h}"))?;
        f.property_phandle(ph.cpu(h))?;
        f.property_string("device_type", "cpu")?;
        f.property_u32("reg", h)?;
        f.property_string("status", "okay")?;
        f.property_string("compatible", "riscv")?;
        f.property_string("riscv,isa", cstr(&cfg.isa))?;
        f.property_string("mmu-type", "riscv,sv39")?;
        let intc = f.begin_node("interrupt-controller")?;
        f.property_u32("#interrupt-cells", 1)?;
        f.property_null("interrupt-controller")?;
        f.property_string("compatible", "riscv,cpu-intc")?;
        f.property_phandle(ph.intc(h))?;
        f.end_node(intc)?;
        f.end_node(cpu)?;
    }
    let map = f.begin_node("cpu-map")?;
    let cluster = f.begin_node("cluster0")?;
    for h in 0..n {
        let core = f.begin_node(&format!("core{h}"))?;
        f.property_u32("cpu", ph.cpu(h))?;
        f.end_node(core)?;
    }
    f.end_node(cluster)?;
    f.end_node(map)?;
    f.end_node(cpus)?;

    let soc = f.begin_node("soc")?;
    f.property_u32("#address-cells", 2)?;
    f.property_u32("#size-cells", 2)?;
    f.property_string("compatible", "simple-bus")?;
    f.property_null("ranges")?;

    let serial = f.begin_node(&format!("serial@{UART0:x}"))?;
    f.property_u32("interrupts", UART0_IRQ)?;
    f.property_u32("interrupt-parent", ph.plic())?;
    f.property_u32("clock-frequency", UART_CLOCK)?;
    f.property_array_u64("reg", &reg(UART0, UART0_SIZE))?;
    f.property_string("compatible", "ns16550a")?;
    f.end_node(serial)?;

    let test = f.begin_node(&format!("test@{TEST:x}"))?;
    f.property_phandle(ph.test())?;
    f.property_array_u64("reg", &reg(TEST, TEST_SIZE))?;
    f.property_string_list(
        "compatible",
        vec![
            "sifive,test1".into(),
            "sifive,test0".into(),
            "syscon".into(),
        ],
    )?;
    f.end_node(test)?;

    for slot in (0..cfg.virtio_slots).rev() {
        let base = virtio_base(slot);
        let node = f.begin_node(&format!("virtio_mmio@{base:x}"))?;
        f.property_u32("interrupts", virtio_irq(slot))?;
        f.property_u32("interrupt-parent", ph.plic())?;
        f.property_array_u64("reg", &reg(base, VIRTIO_SIZE))?;
        f.property_string("compatible", "virtio,mmio")?;
        f.end_node(node)?;
    }

    let plic = f.begin_node(&format!("plic@{PLIC:x}"))?;
    f.property_phandle(ph.plic())?;
    f.property_u32("riscv,ndev", NSOURCES)?;
    f.property_array_u64("reg", &reg(PLIC, PLIC_SIZE))?;
    let cells: Vec<u32> = (0..n)
        .flat_map(|h| [ph.intc(h), IRQ_M_EXT, ph.intc(h), IRQ_S_EXT])
        .collect();
    f.property_array_u32("interrupts-extended", &cells)?;
    f.property_null("interrupt-controller")?;
    f.property_string_list(
        "compatible",
        vec!["sifive,plic-1.0.0".into(), "riscv,plic0".into()],
    )?;
    f.property_u32("#address-cells", 0)?;
    f.property_u32("#interrupt-cells", 1)?;
    f.end_node(plic)?;

    let clint = f.begin_node(&format!("clint@{CLINT:x}"))?;
    let cells: Vec<u32> = (0..n)
        .flat_map(|h| [ph.intc(h), IRQ_M_SOFT, ph.intc(h), IRQ_M_TIMER])
        .collect();
    f.property_array_u32("interrupts-extended", &cells)?;
    f.property_array_u64("reg", &reg(CLINT, CLINT_SIZE))?;
    f.property_string_list(
        "compatible",
        vec!["sifive,clint0".into(), "riscv,clint0".into()],
    )?;
    f.end_node(clint)?;

    f.end_node(soc)?;
    f.end_node(root)?;
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fdt::Fdt;

    fn u32s(bytes: &[u8]) -> Vec<u32> {
        bytes
            .chunks(4)
            .map(|c| u32::from_be_bytes(c.try_into().unwrap()))
            .collect()
    }

    fn prop<'a>(fdt: &'a Fdt<'a>, path: &str, name: &str) -> &'a [u8] {
        fdt.find_node(path)
            .unwrap_or_else(|| panic!("no node {path}"))
            .property(name)
            .unwrap_or_else(|| panic!("no {path}:{name}"))
            .value
    }

    fn cells(fdt: &Fdt, path: &str, name: &str) -> Vec<u32> {
        u32s(prop(fdt, path, name))
    }

    fn string<'a>(fdt: &'a Fdt<'a>, path: &str, name: &str) -> &'a str {
        let v = prop(fdt, path, name);
        assert_eq!(v.last(), Some(&0), "{path}:{name} is NUL-terminated");
        std::str::from_utf8(&v[..v.len() - 1]).unwrap()
    }

    fn children(fdt: &Fdt, path: &str) -> Vec<String> {
        fdt.find_node(path)
            .unwrap()
            .children()
            .map(|c| c.name.to_string())
            .collect()
    }

    #[test]
    fn fdt_addr_as_qemu() {
        assert_eq!(fdt_addr(128 << 20, 0x1000), 0x87e0_0000);
        assert_eq!(fdt_addr(256 << 20, 0x1000), 0x8fe0_0000);
        assert_eq!(fdt_addr(2 << 30, 0x1000), 0xbfe0_0000);
        assert_eq!(fdt_addr(8 << 30, 0x1000), 0xbfe0_0000);
        assert_eq!(fdt_addr(128 << 20, 0x20_0001), 0x87c0_0000);
    }

    #[test]
    fn every_node_and_property() {
        let mut cfg = FdtConfig::new(3, 128 << 20);
        cfg.bootargs = Some("console=ttyS0 root=/dev/vda".into());
        let blob = build(&cfg);
        let fdt = Fdt::new(&blob).unwrap();
        assert_eq!(fdt.total_size(), blob.len());
        assert_eq!(fdt.memory_reservations().count(), 0);

        let root = fdt.root();
        assert_eq!(root.model(), "riscv-virtio,qemu");
        assert_eq!(
            root.compatible().all().collect::<Vec<_>>(),
            ["riscv-virtio"]
        );
        assert_eq!(cells(&fdt, "/", "#address-cells"), [2]);
        assert_eq!(cells(&fdt, "/", "#size-cells"), [2]);
        assert_eq!(
            children(&fdt, "/"),
            [
                "chosen",
                "poweroff",
                "reboot",
                "memory@80000000",
                "cpus",
                "soc"
            ]
        );

        assert_eq!(fdt.chosen().bootargs(), Some("console=ttyS0 root=/dev/vda"));
        assert_eq!(fdt.chosen().stdout().unwrap().name, "serial@10000000");
        assert_eq!(
            string(&fdt, "/chosen", "stdout-path"),
            "/soc/serial@10000000"
        );

        for (node, value) in [("/poweroff", 0x5555), ("/reboot", 0x7777)] {
            assert_eq!(cells(&fdt, node, "value"), [value]);
            assert_eq!(cells(&fdt, node, "offset"), [0]);
            assert_eq!(cells(&fdt, node, "regmap"), [8]);
        }
        assert_eq!(string(&fdt, "/poweroff", "compatible"), "syscon-poweroff");
        assert_eq!(string(&fdt, "/reboot", "compatible"), "syscon-reboot");
        assert_eq!(fdt.find_phandle(8).unwrap().name, "test@100000");

        assert_eq!(string(&fdt, "/memory@80000000", "device_type"), "memory");
        let mem: Vec<_> = fdt.memory().regions().collect();
        assert_eq!(mem.len(), 1);
        assert_eq!(mem[0].starting_address as u64, 0x8000_0000);
        assert_eq!(mem[0].size, Some(128 << 20));

        assert_eq!(cells(&fdt, "/cpus", "#address-cells"), [1]);
        assert_eq!(cells(&fdt, "/cpus", "#size-cells"), [0]);
        assert_eq!(cells(&fdt, "/cpus", "timebase-frequency"), [10_000_000]);
        assert_eq!(
            children(&fdt, "/cpus"),
            ["cpu@0", "cpu@1", "cpu@2", "cpu-map"]
        );
        let cpus: Vec<_> = fdt.cpus().collect();
        assert_eq!(cpus.len(), 3);
        for (h, cpu) in cpus.iter().enumerate() {
            assert_eq!(cpu.ids().first(), h);
            assert_eq!(cpu.timebase_frequency(), 10_000_000);
            let path = format!("/cpus/cpu@{h}");
            let phandle = 5 - 2 * h as u32;
            assert_eq!(cells(&fdt, &path, "phandle"), [phandle]);
            assert_eq!(string(&fdt, &path, "device_type"), "cpu");
            assert_eq!(cells(&fdt, &path, "reg"), [h as u32]);
            assert_eq!(string(&fdt, &path, "status"), "okay");
            assert_eq!(string(&fdt, &path, "compatible"), "riscv");
            assert_eq!(string(&fdt, &path, "riscv,isa"), ISA);
            assert_eq!(string(&fdt, &path, "mmu-type"), "riscv,sv39");
            let intc = format!("{path}/interrupt-controller");
            assert_eq!(cells(&fdt, &intc, "#interrupt-cells"), [1]);
            assert_eq!(prop(&fdt, &intc, "interrupt-controller"), &[] as &[u8]);
            assert_eq!(string(&fdt, &intc, "compatible"), "riscv,cpu-intc");
            assert_eq!(cells(&fdt, &intc, "phandle"), [phandle + 1]);
            let core = format!("/cpus/cpu-map/cluster0/core{h}");
            assert_eq!(cells(&fdt, &core, "cpu"), [phandle]);
        }

        assert_eq!(cells(&fdt, "/soc", "#address-cells"), [2]);
        assert_eq!(cells(&fdt, "/soc", "#size-cells"), [2]);
        assert_eq!(string(&fdt, "/soc", "compatible"), "simple-bus");
        assert_eq!(prop(&fdt, "/soc", "ranges"), &[] as &[u8]);
        let mut soc = vec!["serial@10000000".to_string(), "test@100000".to_string()];
        soc.extend((1..=8).rev().map(|i| format!("virtio_mmio@1000{i}000")));
        soc.extend(["plic@c000000".to_string(), "clint@2000000".to_string()]);
        assert_eq!(children(&fdt, "/soc"), soc);

        let serial = "/soc/serial@10000000";
        assert_eq!(cells(&fdt, serial, "interrupts"), [10]);
        assert_eq!(cells(&fdt, serial, "interrupt-parent"), [7]);
        assert_eq!(cells(&fdt, serial, "clock-frequency"), [3_686_400]);
        assert_eq!(cells(&fdt, serial, "reg"), [0, 0x1000_0000, 0, 0x100]);
        assert_eq!(string(&fdt, serial, "compatible"), "ns16550a");

        let test = "/soc/test@100000";
        assert_eq!(cells(&fdt, test, "phandle"), [8]);
        assert_eq!(cells(&fdt, test, "reg"), [0, 0x10_0000, 0, 0x1000]);
        assert_eq!(
            prop(&fdt, test, "compatible"),
            b"sifive,test1\0sifive,test0\0syscon\0"
        );

        for i in 1..=8u32 {
            let node = format!("/soc/virtio_mmio@1000{i}000");
            assert_eq!(cells(&fdt, &node, "interrupts"), [i]);
            assert_eq!(cells(&fdt, &node, "interrupt-parent"), [7]);
            assert_eq!(
                cells(&fdt, &node, "reg"),
                [0, 0x1000_0000 + i * 0x1000, 0, 0x1000]
            );
            assert_eq!(string(&fdt, &node, "compatible"), "virtio,mmio");
        }

        let plic = "/soc/plic@c000000";
        assert_eq!(cells(&fdt, plic, "phandle"), [7]);
        assert_eq!(cells(&fdt, plic, "riscv,ndev"), [0x60]);
        assert_eq!(cells(&fdt, plic, "reg"), [0, 0xc00_0000, 0, 0x60_0000]);
        assert_eq!(
            cells(&fdt, plic, "interrupts-extended"),
            [6, 11, 6, 9, 4, 11, 4, 9, 2, 11, 2, 9]
        );
        assert_eq!(prop(&fdt, plic, "interrupt-controller"), &[] as &[u8]);
        assert_eq!(
            prop(&fdt, plic, "compatible"),
            b"sifive,plic-1.0.0\0riscv,plic0\0"
        );
        assert_eq!(cells(&fdt, plic, "#address-cells"), [0]);
        assert_eq!(cells(&fdt, plic, "#interrupt-cells"), [1]);

        let clint = "/soc/clint@2000000";
        assert_eq!(
            cells(&fdt, clint, "interrupts-extended"),
            [6, 3, 6, 7, 4, 3, 4, 7, 2, 3, 2, 7]
        );
        assert_eq!(cells(&fdt, clint, "reg"), [0, 0x200_0000, 0, 0x1_0000]);
        assert_eq!(
            prop(&fdt, clint, "compatible"),
            b"sifive,clint0\0riscv,clint0\0"
        );
    }

    #[test]
    fn one_and_eight_harts_large_ram() {
        let blob = build(&FdtConfig::new(1, 3 << 30));
        let fdt = Fdt::new(&blob).unwrap();
        assert_eq!(fdt.cpus().count(), 1);
        assert_eq!(cells(&fdt, "/cpus/cpu@0", "phandle"), [1]);
        assert_eq!(cells(&fdt, "/soc/plic@c000000", "phandle"), [3]);
        assert_eq!(
            cells(&fdt, "/soc/clint@2000000", "interrupts-extended"),
            [2, 3, 2, 7]
        );
        assert_eq!(
            cells(&fdt, "/memory@80000000", "reg"),
            [0, 0x8000_0000, 0, 0xc000_0000]
        );
        assert_eq!(fdt.chosen().bootargs(), None);
        assert!(fdt
            .find_node("/chosen")
            .unwrap()
            .property("bootargs")
            .is_none());

        let mut cfg = FdtConfig::new(8, 1 << 32);
        cfg.virtio_slots = 1;
        cfg.isa = "rv64imac".into();
        let blob = build(&cfg);
        let fdt = Fdt::new(&blob).unwrap();
        assert_eq!(fdt.cpus().count(), 8);
        assert_eq!(cells(&fdt, "/cpus/cpu@7", "phandle"), [1]);
        assert_eq!(cells(&fdt, "/cpus/cpu@0", "phandle"), [15]);
        assert_eq!(cells(&fdt, "/cpus/cpu-map/cluster0/core7", "cpu"), [1]);
        assert_eq!(cells(&fdt, "/soc/plic@c000000", "phandle"), [17]);
        assert_eq!(cells(&fdt, "/soc/test@100000", "phandle"), [18]);
        assert_eq!(cells(&fdt, "/reboot", "regmap"), [18]);
        assert_eq!(
            cells(&fdt, "/soc/plic@c000000", "interrupts-extended").len(),
            32
        );
        assert_eq!(string(&fdt, "/cpus/cpu@3", "riscv,isa"), "rv64imac");
        assert_eq!(
            cells(&fdt, "/memory@80000000", "reg"),
            [0, 0x8000_0000, 1, 0]
        );
        assert!(fdt.find_node("/soc/virtio_mmio@10001000").is_some());
        assert!(fdt.find_node("/soc/virtio_mmio@10002000").is_none());
    }

    #[test]
    fn nul_in_bootargs_is_cut() {
        let mut cfg = FdtConfig::new(1, 128 << 20);
        cfg.bootargs = Some("quiet\0junk".into());
        let blob = build(&cfg);
        let fdt = Fdt::new(&blob).unwrap();
        assert_eq!(fdt.chosen().bootargs(), Some("quiet"));
    }

    /// QEMU 7.2's `-machine virt -smp 3 -m 128M` tree (MACHINE.md appendix)
    /// without the devices rvcow lacks (pmu, fw-cfg, flash, platform bus, rtc,
    /// pci) and with rvcow's riscv,isa and mmu-type.
    const QEMU_TREE: &str = r#"/dts-v1/;

/ {
	#address-cells = <0x02>;
	#size-cells = <0x02>;
	compatible = "riscv-virtio";
	model = "riscv-virtio,qemu";

	chosen {
		stdout-path = "/soc/serial@10000000";
	};

	poweroff {
		value = <0x5555>;
		offset = <0x00>;
		regmap = <0x08>;
		compatible = "syscon-poweroff";
	};

	reboot {
		value = <0x7777>;
		offset = <0x00>;
		regmap = <0x08>;
		compatible = "syscon-reboot";
	};

	memory@80000000 {
		device_type = "memory";
		reg = <0x00 0x80000000 0x00 0x8000000>;
	};

	cpus {
		#address-cells = <0x01>;
		#size-cells = <0x00>;
		timebase-frequency = <0x989680>;

		cpu@0 {
			phandle = <0x05>;
			device_type = "cpu";
			reg = <0x00>;
			status = "okay";
			compatible = "riscv";
			riscv,isa = "rv64imafdc_zicsr_zifencei_zicntr_sstc";
			mmu-type = "riscv,sv39";

			interrupt-controller {
				#interrupt-cells = <0x01>;
				interrupt-controller;
				compatible = "riscv,cpu-intc";
				phandle = <0x06>;
			};
		};

		cpu@1 {
			phandle = <0x03>;
			device_type = "cpu";
			reg = <0x01>;
			status = "okay";
			compatible = "riscv";
			riscv,isa = "rv64imafdc_zicsr_zifencei_zicntr_sstc";
			mmu-type = "riscv,sv39";

			interrupt-controller {
				#interrupt-cells = <0x01>;
				interrupt-controller;
				compatible = "riscv,cpu-intc";
				phandle = <0x04>;
			};
		};

		cpu@2 {
			phandle = <0x01>;
			device_type = "cpu";
			reg = <0x02>;
			status = "okay";
			compatible = "riscv";
			riscv,isa = "rv64imafdc_zicsr_zifencei_zicntr_sstc";
			mmu-type = "riscv,sv39";

			interrupt-controller {
				#interrupt-cells = <0x01>;
				interrupt-controller;
				compatible = "riscv,cpu-intc";
				phandle = <0x02>;
			};
		};

		cpu-map {

			cluster0 {

				core0 {
					cpu = <0x05>;
				};

				core1 {
					cpu = <0x03>;
				};

				core2 {
					cpu = <0x01>;
				};
			};
		};
	};

	soc {
		#address-cells = <0x02>;
		#size-cells = <0x02>;
		compatible = "simple-bus";
		ranges;

		serial@10000000 {
			interrupts = <0x0a>;
			interrupt-parent = <0x07>;
			clock-frequency = "\08@";
			reg = <0x00 0x10000000 0x00 0x100>;
			compatible = "ns16550a";
		};

		test@100000 {
			phandle = <0x08>;
			reg = <0x00 0x100000 0x00 0x1000>;
			compatible = "sifive,test1\0sifive,test0\0syscon";
		};

		virtio_mmio@10008000 {
			interrupts = <0x08>;
			interrupt-parent = <0x07>;
			reg = <0x00 0x10008000 0x00 0x1000>;
			compatible = "virtio,mmio";
		};

		virtio_mmio@10007000 {
			interrupts = <0x07>;
			interrupt-parent = <0x07>;
			reg = <0x00 0x10007000 0x00 0x1000>;
			compatible = "virtio,mmio";
		};

		virtio_mmio@10006000 {
			interrupts = <0x06>;
			interrupt-parent = <0x07>;
			reg = <0x00 0x10006000 0x00 0x1000>;
			compatible = "virtio,mmio";
		};

		virtio_mmio@10005000 {
			interrupts = <0x05>;
			interrupt-parent = <0x07>;
			reg = <0x00 0x10005000 0x00 0x1000>;
			compatible = "virtio,mmio";
		};

		virtio_mmio@10004000 {
			interrupts = <0x04>;
			interrupt-parent = <0x07>;
			reg = <0x00 0x10004000 0x00 0x1000>;
			compatible = "virtio,mmio";
		};

		virtio_mmio@10003000 {
			interrupts = <0x03>;
			interrupt-parent = <0x07>;
			reg = <0x00 0x10003000 0x00 0x1000>;
			compatible = "virtio,mmio";
		};

		virtio_mmio@10002000 {
			interrupts = <0x02>;
			interrupt-parent = <0x07>;
			reg = <0x00 0x10002000 0x00 0x1000>;
			compatible = "virtio,mmio";
		};

		virtio_mmio@10001000 {
			interrupts = <0x01>;
			interrupt-parent = <0x07>;
			reg = <0x00 0x10001000 0x00 0x1000>;
			compatible = "virtio,mmio";
		};

		plic@c000000 {
			phandle = <0x07>;
			riscv,ndev = <0x60>;
			reg = <0x00 0xc000000 0x00 0x600000>;
			interrupts-extended = <0x06 0x0b 0x06 0x09 0x04 0x0b 0x04 0x09 0x02 0x0b 0x02 0x09>;
			interrupt-controller;
			compatible = "sifive,plic-1.0.0\0riscv,plic0";
			#address-cells = <0x00>;
			#interrupt-cells = <0x01>;
		};

		clint@2000000 {
			interrupts-extended = <0x06 0x03 0x06 0x07 0x04 0x03 0x04 0x07 0x02 0x03 0x02 0x07>;
			reg = <0x00 0x2000000 0x00 0x10000>;
			compatible = "sifive,clint0\0riscv,clint0";
		};
	};
};
"#;

    #[test]
    #[ignore = "needs dtc"]
    fn decompiles_like_qemu() {
        let path = std::env::temp_dir().join(format!("rvcow-fdt-{}.dtb", std::process::id()));
        std::fs::write(&path, build(&FdtConfig::new(3, 128 << 20))).unwrap();
        let out = std::process::Command::new("dtc")
            .args(["-q", "-I", "dtb", "-O", "dts"])
            .arg(&path)
            .output();
        let _ = std::fs::remove_file(&path);
        let out = out.expect("dtc not found on PATH (apt-get install device-tree-compiler)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap(), QEMU_TREE);
    }
}
