//! Board assembly: RAM and devices at the virt memory map, and the run loop.
