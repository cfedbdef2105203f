//! The devices of QEMU's virt machine.
