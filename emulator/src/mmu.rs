//! Sv39 address translation.
