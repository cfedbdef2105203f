//! Control and status registers.
