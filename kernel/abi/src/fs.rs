//! On-disk file system format (xv6 kernel/fs.h). Both the kernel and mkfs use these.
//!
//! Disk layout:
//! [ boot block | super block | log | inode blocks | free bit map | data blocks ]

/// Block size.
pub const BSIZE: usize = 1024;
/// Root i-number.
pub const ROOTINO: u32 = 1;
/// Superblock magic.
pub const FSMAGIC: u32 = 0x1020_3040;
/// Direct block addresses per inode.
pub const NDIRECT: usize = 12;
/// Block addresses in the indirect block.
pub const NINDIRECT: usize = BSIZE / core::mem::size_of::<u32>();
/// Largest file, in blocks.
pub const MAXFILE: usize = NDIRECT + NINDIRECT;
/// Inodes per block.
pub const IPB: usize = BSIZE / core::mem::size_of::<Dinode>();
/// Bitmap bits per block.
pub const BPB: usize = BSIZE * 8;
/// Directory entry name length.
pub const DIRSIZ: usize = 14;

/// The superblock describes the disk layout; it lives in block 1.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SuperBlock {
    /// Must be FSMAGIC.
    pub magic: u32,
    /// Size of file system image (blocks).
    pub size: u32,
    /// Number of data blocks.
    pub nblocks: u32,
    /// Number of inodes.
    pub ninodes: u32,
    /// Number of log blocks.
    pub nlog: u32,
    /// Block number of first log block.
    pub logstart: u32,
    /// Block number of first inode block.
    pub inodestart: u32,
    /// Block number of first free map block.
    pub bmapstart: u32,
}

/// On-disk inode structure (64 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dinode {
    /// File type (stat::T_*), 0 when free.
    pub typ: i16,
    /// Major device number (T_DEVICE only).
    pub major: i16,
    /// Minor device number (T_DEVICE only).
    pub minor: i16,
    /// Number of links to inode in file system.
    pub nlink: i16,
    /// Size of file (bytes).
    pub size: u32,
    /// Data block addresses.
    pub addrs: [u32; NDIRECT + 1],
}

/// Directory entry (16 bytes). A directory is a file of these.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dirent {
    /// Inode number, 0 when the slot is free.
    pub inum: u16,
    /// Name, NUL-padded, not NUL-terminated when DIRSIZ long.
    pub name: [u8; DIRSIZ],
}

/// Block containing inode i.
pub const fn iblock(inum: u32, sb: &SuperBlock) -> u32 {
    inum / IPB as u32 + sb.inodestart
}

/// Block of free map containing bit for block b.
pub const fn bblock(b: u32, sb: &SuperBlock) -> u32 {
    b / BPB as u32 + sb.bmapstart
}

const _: () = assert!(core::mem::size_of::<Dinode>() == 64);
const _: () = assert!(core::mem::size_of::<Dirent>() == 16);
const _: () = assert!(core::mem::size_of::<SuperBlock>() == 32);
