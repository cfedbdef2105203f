// Kernel limits: the guest ABI's (xv6 kernel/param.h), defined once in abi.

pub use abi::param::*;
