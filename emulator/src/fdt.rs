//! The device tree blob describing the machine.
