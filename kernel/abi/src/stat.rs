//! struct stat as returned by fstat (xv6 kernel/stat.h).

/// Directory.
pub const T_DIR: i16 = 1;
/// Regular file.
pub const T_FILE: i16 = 2;
/// Device.
pub const T_DEVICE: i16 = 3;

/// Layout identical to xv6's C struct (24 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    /// File system's disk device.
    pub dev: i32,
    /// Inode number.
    pub ino: u32,
    /// Type of file.
    pub typ: i16,
    /// Number of links to file.
    pub nlink: i16,
    /// Size of file in bytes.
    pub size: u64,
}

const _: () = assert!(core::mem::size_of::<Stat>() == 24);
