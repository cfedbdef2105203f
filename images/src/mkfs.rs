// mkfs: writes an xv6 file system image (xv6 mkfs/mkfs.c's layout, byte for byte).
//
// Disk layout: [ boot block | super block | log | inode blocks | free bit map | data blocks ]

use abi::fs::{
    Dinode, Dirent, SuperBlock, BPB, BSIZE, DIRSIZ, FSMAGIC, IPB, MAXFILE, NDIRECT, NINDIRECT,
    ROOTINO,
};
use abi::param::{FSSIZE, LOGSIZE};
use abi::stat::{T_DIR, T_FILE};
use std::fmt;

/// Inodes in the image (xv6's NINODES).
pub const NINODES: u32 = 200;

/// Why mkfs could not write an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MkfsError {
    /// A file name is empty, longer than DIRSIZ, contains '/' or NUL, or is "." or "..".
    BadName(String),
    /// The same name was given twice.
    Duplicate(String),
    /// A file is larger than MAXFILE blocks.
    TooBig(String),
    /// The files do not fit in FSSIZE blocks or NINODES inodes.
    Full,
}

impl fmt::Display for MkfsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MkfsError::BadName(n) => write!(f, "mkfs: bad file name {n:?}"),
            MkfsError::Duplicate(n) => write!(f, "mkfs: {n} given twice"),
            MkfsError::TooBig(n) => write!(f, "mkfs: {n} is larger than {MAXFILE} blocks"),
            MkfsError::Full => write!(
                f,
                "mkfs: the files do not fit in {FSSIZE} blocks of {BSIZE} bytes"
            ),
        }
    }
}

impl std::error::Error for MkfsError {}

/// The superblock of an image made by mkfs.
pub fn superblock() -> SuperBlock {
    let nbitmap = FSSIZE / (BSIZE * 8) + 1;
    let ninodeblocks = NINODES as usize / IPB + 1;
    let nlog = LOGSIZE;
    let nmeta = 2 + nlog + ninodeblocks + nbitmap;
    SuperBlock {
        magic: FSMAGIC,
        size: FSSIZE as u32,
        nblocks: (FSSIZE - nmeta) as u32,
        ninodes: NINODES,
        nlog: nlog as u32,
        logstart: 2,
        inodestart: 2 + nlog as u32,
        bmapstart: (2 + nlog + ninodeblocks) as u32,
    }
}

/// Builds an image holding `files` (name, contents) in the root directory, in order,
/// as xv6's mkfs does: root directory first ("." and ".."), then each file's inode,
/// its directory entry and its blocks, then the bitmap.
pub fn mkfs(files: &[(&str, &[u8])]) -> Result<Vec<u8>, MkfsError> {
    let sb = superblock();
    let mut fs = Mkfs {
        img: vec![0; FSSIZE * BSIZE],
        sb,
        freeinode: 1,
        freeblock: FSSIZE as u32 - sb.nblocks,
    };
    fs.img[BSIZE..BSIZE + 32].copy_from_slice(&superblock_bytes(&sb));

    let rootino = fs.ialloc(T_DIR)?;
    assert_eq!(rootino, ROOTINO);
    fs.iappend(rootino, &dirent_bytes(rootino, b"."))?;
    fs.iappend(rootino, &dirent_bytes(rootino, b".."))?;

    for (i, &(name, data)) in files.iter().enumerate() {
        let bad = name.is_empty()
            || name.len() > DIRSIZ
            || name.contains(['/', '\0'])
            || name == "."
            || name == "..";
        if bad {
            return Err(MkfsError::BadName(name.into()));
        }
        if files[..i].iter().any(|&(n, _)| n == name) {
            return Err(MkfsError::Duplicate(name.into()));
        }
        if data.len() > MAXFILE * BSIZE {
            return Err(MkfsError::TooBig(name.into()));
        }
        let inum = fs.ialloc(T_FILE)?;
        fs.iappend(rootino, &dirent_bytes(inum, name.as_bytes()))?;
        fs.iappend(inum, data)?;
    }

    // Round the root directory's size up to the next block, as xv6's mkfs does.
    let mut din = fs.rinode(rootino);
    din.size = (din.size / BSIZE as u32 + 1) * BSIZE as u32;
    fs.winode(rootino, &din);

    fs.balloc(fs.freeblock);
    Ok(fs.img)
}

struct Mkfs {
    img: Vec<u8>,
    sb: SuperBlock,
    freeinode: u32,
    freeblock: u32,
}

impl Mkfs {
    fn block(&mut self, b: u32) -> &mut [u8] {
        let off = b as usize * BSIZE;
        &mut self.img[off..off + BSIZE]
    }

    fn inode_off(&self, inum: u32) -> usize {
        abi::fs::iblock(inum, &self.sb) as usize * BSIZE + (inum as usize % IPB) * 64
    }

    fn rinode(&self, inum: u32) -> Dinode {
        let off = self.inode_off(inum);
        dinode_from(&self.img[off..off + 64])
    }

    fn winode(&mut self, inum: u32, din: &Dinode) {
        let off = self.inode_off(inum);
        self.img[off..off + 64].copy_from_slice(&dinode_bytes(din));
    }

    /// Allocates the next inode with one link.
    fn ialloc(&mut self, typ: i16) -> Result<u32, MkfsError> {
        if self.freeinode >= self.sb.ninodes {
            return Err(MkfsError::Full);
        }
        let inum = self.freeinode;
        self.freeinode += 1;
        self.winode(
            inum,
            &Dinode {
                typ,
                nlink: 1,
                ..Default::default()
            },
        );
        Ok(inum)
    }

    /// The next free data block.
    fn next_block(&mut self) -> Result<u32, MkfsError> {
        if self.freeblock >= self.sb.size {
            return Err(MkfsError::Full);
        }
        self.freeblock += 1;
        Ok(self.freeblock - 1)
    }

    /// Appends data to inode inum, allocating blocks in order.
    fn iappend(&mut self, inum: u32, data: &[u8]) -> Result<(), MkfsError> {
        let mut din = self.rinode(inum);
        let mut off = din.size as usize;
        let mut p = data;
        while !p.is_empty() {
            let fbn = off / BSIZE;
            if fbn >= MAXFILE {
                return Err(MkfsError::Full);
            }
            let x = if fbn < NDIRECT {
                if din.addrs[fbn] == 0 {
                    din.addrs[fbn] = self.next_block()?;
                }
                din.addrs[fbn]
            } else {
                if din.addrs[NDIRECT] == 0 {
                    din.addrs[NDIRECT] = self.next_block()?;
                }
                let ind = din.addrs[NDIRECT];
                let slot = (fbn - NDIRECT) * 4;
                let mut x = u32::from_le_bytes(self.block(ind)[slot..slot + 4].try_into().unwrap());
                if x == 0 {
                    x = self.next_block()?;
                    self.block(ind)[slot..slot + 4].copy_from_slice(&x.to_le_bytes());
                }
                x
            };
            let start = off - fbn * BSIZE;
            let n1 = p.len().min(BSIZE - start);
            self.block(x)[start..start + n1].copy_from_slice(&p[..n1]);
            p = &p[n1..];
            off += n1;
        }
        din.size = off as u32;
        self.winode(inum, &din);
        Ok(())
    }

    /// Marks blocks 0..used in the (single) bitmap block.
    fn balloc(&mut self, used: u32) {
        assert!((used as usize) < BPB);
        let bmap = self.sb.bmapstart;
        let buf = self.block(bmap);
        for i in 0..used as usize {
            buf[i / 8] |= 1 << (i % 8);
        }
    }
}

const _: () = assert!(NINDIRECT == 256);

/// The superblock as it lies on disk (little-endian).
pub fn superblock_bytes(sb: &SuperBlock) -> [u8; 32] {
    let mut b = [0u8; 32];
    let fields = [
        sb.magic,
        sb.size,
        sb.nblocks,
        sb.ninodes,
        sb.nlog,
        sb.logstart,
        sb.inodestart,
        sb.bmapstart,
    ];
    for (i, v) in fields.iter().enumerate() {
        b[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }
    b
}

/// Parses an on-disk superblock.
pub fn superblock_from(b: &[u8]) -> SuperBlock {
    let f = |i: usize| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap());
    SuperBlock {
        magic: f(0),
        size: f(1),
        nblocks: f(2),
        ninodes: f(3),
        nlog: f(4),
        logstart: f(5),
        inodestart: f(6),
        bmapstart: f(7),
    }
}

/// A dinode as it lies on disk.
pub fn dinode_bytes(d: &Dinode) -> [u8; 64] {
    let mut b = [0u8; 64];
    b[0..2].copy_from_slice(&d.typ.to_le_bytes());
    b[2..4].copy_from_slice(&d.major.to_le_bytes());
    b[4..6].copy_from_slice(&d.minor.to_le_bytes());
    b[6..8].copy_from_slice(&d.nlink.to_le_bytes());
    b[8..12].copy_from_slice(&d.size.to_le_bytes());
    for (i, a) in d.addrs.iter().enumerate() {
        b[12 + i * 4..16 + i * 4].copy_from_slice(&a.to_le_bytes());
    }
    b
}

/// Parses an on-disk dinode (64 bytes).
pub fn dinode_from(b: &[u8]) -> Dinode {
    let h = |i: usize| i16::from_le_bytes([b[i], b[i + 1]]);
    let w = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    let mut d = Dinode {
        typ: h(0),
        major: h(2),
        minor: h(4),
        nlink: h(6),
        size: w(8),
        addrs: [0; NDIRECT + 1],
    };
    for (i, a) in d.addrs.iter_mut().enumerate() {
        *a = w(12 + i * 4);
    }
    d
}

/// A directory entry as it lies on disk; the name is cut to DIRSIZ and NUL-padded.
pub fn dirent_bytes(inum: u32, name: &[u8]) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0..2].copy_from_slice(&(inum as u16).to_le_bytes());
    let n = name.len().min(DIRSIZ);
    b[2..2 + n].copy_from_slice(&name[..n]);
    b
}

/// Parses an on-disk directory entry.
pub fn dirent_from(b: &[u8]) -> Dirent {
    let mut d = Dirent {
        inum: u16::from_le_bytes([b[0], b[1]]),
        name: [0; DIRSIZ],
    };
    d.name.copy_from_slice(&b[2..16]);
    d
}
