// fsck: parses an xv6 file system image back and checks it is consistent (superblock,
// inodes, directory tree, link counts, bitmap against the blocks in use).

use crate::mkfs::{dinode_from, dirent_from, superblock_from};
use abi::fs::{
    Dinode, SuperBlock, BPB, BSIZE, DIRSIZ, FSMAGIC, IPB, MAXFILE, NDIRECT, NINDIRECT, ROOTINO,
};
use abi::param::LOGSIZE;
use abi::stat::{T_DEVICE, T_DIR, T_FILE};
use std::collections::BTreeMap;
use std::fmt;

/// What a consistent image holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsReport {
    /// The superblock.
    pub sb: SuperBlock,
    /// Allocated inodes.
    pub inodes: usize,
    /// Data blocks in use (file blocks and indirect blocks).
    pub blocks: usize,
    /// Names in the root directory (without "." and ".."), in directory order.
    pub root: Vec<String>,
    /// Log blocks replayed before checking (a committed transaction left in the log).
    pub replayed: usize,
}

/// The first inconsistency found, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsckError(pub String);

impl fmt::Display for FsckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fsck: {}", self.0)
    }
}

impl std::error::Error for FsckError {}

macro_rules! bad {
    ($($t:tt)*) => { return Err(FsckError(format!($($t)*))) };
}

/// A parsed image: the blocks (with any committed log replayed) and the superblock.
pub struct Image {
    img: Vec<u8>,
    sb: SuperBlock,
    replayed: usize,
}

impl Image {
    /// Parses and sanity-checks the superblock, then replays a committed log as the
    /// kernel's recover_from_log would.
    pub fn parse(bytes: &[u8]) -> Result<Image, FsckError> {
        if !bytes.len().is_multiple_of(BSIZE) || bytes.len() < 2 * BSIZE {
            bad!(
                "image size {} is not a whole number of {BSIZE}-byte blocks (at least 2)",
                bytes.len()
            );
        }
        let sb = superblock_from(&bytes[BSIZE..BSIZE + 32]);
        if sb.magic != FSMAGIC {
            bad!("bad superblock magic {:#x}", sb.magic);
        }
        let nblk = (bytes.len() / BSIZE) as u64;
        let ninodeblocks = (sb.ninodes as u64).div_ceil(IPB as u64);
        let nbitmap = (sb.size as u64).div_ceil(BPB as u64);
        let datastart = sb.size as u64 - (sb.nblocks as u64).min(sb.size as u64);
        let ok = sb.size as u64 <= nblk
            && sb.logstart >= 2
            && sb.nlog as usize >= 1
            && sb.logstart as u64 + sb.nlog as u64 <= sb.inodestart as u64
            && sb.inodestart as u64 + ninodeblocks <= sb.bmapstart as u64
            && sb.bmapstart as u64 + nbitmap <= datastart
            && sb.nblocks <= sb.size
            && sb.ninodes > ROOTINO;
        if !ok {
            bad!("inconsistent superblock {sb:?} for an image of {nblk} blocks");
        }
        let mut img = Image {
            img: bytes.to_vec(),
            sb,
            replayed: 0,
        };
        img.recover_from_log()?;
        Ok(img)
    }

    fn block(&self, b: u32) -> &[u8] {
        &self.img[b as usize * BSIZE..(b as usize + 1) * BSIZE]
    }

    /// Copies committed log blocks to their home locations (the header's n, then
    /// n block numbers, as xv6's log.c writes them).
    fn recover_from_log(&mut self) -> Result<(), FsckError> {
        let head = self.block(self.sb.logstart).to_vec();
        let word = |i: usize| u32::from_le_bytes(head[i * 4..i * 4 + 4].try_into().unwrap());
        let n = word(0) as usize;
        if n > LOGSIZE.min(self.sb.nlog as usize - 1) {
            bad!("log header counts {n} blocks");
        }
        for i in 0..n {
            let home = word(1 + i);
            if home >= self.sb.size {
                bad!("log entry {i} names block {home}, past the end");
            }
            let data = self.block(self.sb.logstart + 1 + i as u32).to_vec();
            self.img[home as usize * BSIZE..(home as usize + 1) * BSIZE].copy_from_slice(&data);
        }
        self.replayed = n;
        Ok(())
    }

    /// The superblock.
    pub fn superblock(&self) -> SuperBlock {
        self.sb
    }

    /// The on-disk inode inum.
    pub fn inode(&self, inum: u32) -> Dinode {
        let off = abi::fs::iblock(inum, &self.sb) as usize * BSIZE + (inum as usize % IPB) * 64;
        dinode_from(&self.img[off..off + 64])
    }

    fn datastart(&self) -> u32 {
        self.sb.size - self.sb.nblocks
    }

    /// The data blocks of inode d in file order (0 for holes), and its indirect block.
    fn blocks_of(&self, inum: u32, d: &Dinode) -> Result<(Vec<u32>, Option<u32>), FsckError> {
        let mut v: Vec<u32> = d.addrs[..NDIRECT].to_vec();
        let ind = d.addrs[NDIRECT];
        let check = |b: u32, what: &str| -> Result<(), FsckError> {
            if b != 0 && (b < self.datastart() || b >= self.sb.size) {
                bad!("inode {inum}: {what} block {b} is outside the data area");
            }
            Ok(())
        };
        for &b in &v {
            check(b, "direct")?;
        }
        check(ind, "indirect")?;
        if ind != 0 {
            let blk = self.block(ind);
            for i in 0..NINDIRECT {
                let b = u32::from_le_bytes(blk[i * 4..i * 4 + 4].try_into().unwrap());
                check(b, "data")?;
                v.push(b);
            }
        }
        Ok((v, (ind != 0).then_some(ind)))
    }

    /// The contents of inode inum (holes read as zeros).
    pub fn read_inode(&self, inum: u32) -> Result<Vec<u8>, FsckError> {
        let d = self.inode(inum);
        let (blocks, _) = self.blocks_of(inum, &d)?;
        let size = d.size as usize;
        if size > MAXFILE * BSIZE {
            bad!("inode {inum}: size {size} is larger than MAXFILE blocks");
        }
        let mut out = Vec::with_capacity(size);
        for i in 0..size.div_ceil(BSIZE) {
            let n = (size - i * BSIZE).min(BSIZE);
            match blocks.get(i).copied().unwrap_or(0) {
                0 => out.extend(std::iter::repeat_n(0, n)),
                b => out.extend_from_slice(&self.block(b)[..n]),
            }
        }
        Ok(out)
    }

    /// The entries (inum, name) of directory inode inum, free slots skipped.
    pub fn dir_entries(&self, inum: u32) -> Result<Vec<(u32, String)>, FsckError> {
        let data = self.read_inode(inum)?;
        if data.len() % 16 != 0 {
            bad!(
                "directory {inum}: size {} is not a multiple of 16",
                data.len()
            );
        }
        let mut v = Vec::new();
        for chunk in data.chunks(16) {
            let de = dirent_from(chunk);
            if de.inum == 0 {
                continue;
            }
            let len = de.name.iter().position(|&c| c == 0).unwrap_or(DIRSIZ);
            v.push((
                de.inum as u32,
                String::from_utf8_lossy(&de.name[..len]).into_owned(),
            ));
        }
        Ok(v)
    }

    /// Looks up an absolute or root-relative path; returns its inode number.
    pub fn lookup(&self, path: &str) -> Result<u32, FsckError> {
        let mut inum = ROOTINO;
        for name in path.split('/').filter(|s| !s.is_empty()) {
            let name = &name[..name.len().min(DIRSIZ)];
            if self.inode(inum).typ != T_DIR {
                bad!("{path}: not a directory on the way");
            }
            match self.dir_entries(inum)?.into_iter().find(|(_, n)| n == name) {
                Some((i, _)) => inum = i,
                None => bad!("{path}: no such file"),
            }
        }
        Ok(inum)
    }

    /// The contents of the file at path.
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>, FsckError> {
        self.read_inode(self.lookup(path)?)
    }

    /// Checks the whole image: every allocated inode reachable from the root, sane
    /// types and sizes, "." and ".." right, link counts equal to the names, no block
    /// used twice, and the bitmap equal to the metadata plus the blocks in use.
    pub fn check(&self) -> Result<FsReport, FsckError> {
        let sb = self.sb;
        let mut owner: BTreeMap<u32, u32> = BTreeMap::new();
        let mut inodes = 0;
        for inum in 1..sb.ninodes {
            let d = self.inode(inum);
            if d.typ == 0 {
                continue;
            }
            inodes += 1;
            if ![T_DIR, T_FILE, T_DEVICE].contains(&d.typ) {
                bad!("inode {inum}: bad type {}", d.typ);
            }
            if d.size as usize > MAXFILE * BSIZE {
                bad!(
                    "inode {inum}: size {} is larger than MAXFILE blocks",
                    d.size
                );
            }
            let (blocks, ind) = self.blocks_of(inum, &d)?;
            for b in blocks.into_iter().chain(ind).filter(|&b| b != 0) {
                if let Some(other) = owner.insert(b, inum) {
                    bad!("block {b} is used by inodes {other} and {inum}");
                }
            }
        }
        if self.inode(ROOTINO).typ != T_DIR {
            bad!("root inode {ROOTINO} is not a directory");
        }

        // Walk the tree from the root, counting names and ".." references.
        let mut links: BTreeMap<u32, i64> = BTreeMap::from([(ROOTINO, 1)]);
        let mut seen = vec![false; sb.ninodes as usize];
        let mut stack = vec![(ROOTINO, ROOTINO)];
        seen[ROOTINO as usize] = true;
        let mut root = Vec::new();
        while let Some((dir, parent)) = stack.pop() {
            let entries = self.dir_entries(dir)?;
            if entries.len() < 2
                || entries[0] != (dir, ".".into())
                || entries[1] != (parent, "..".into())
            {
                bad!("directory {dir}: does not start with . ({dir}) and .. ({parent})");
            }
            if dir != parent {
                *links.entry(parent).or_default() += 1;
            }
            for (inum, name) in entries.into_iter().skip(2) {
                if inum >= sb.ninodes {
                    bad!("directory {dir}: entry {name} names inode {inum}, past ninodes");
                }
                let d = self.inode(inum);
                if d.typ == 0 {
                    bad!("directory {dir}: entry {name} names free inode {inum}");
                }
                if name == "." || name == ".." {
                    bad!("directory {dir}: extra entry {name}");
                }
                if dir == ROOTINO {
                    root.push(name);
                }
                *links.entry(inum).or_default() += 1;
                if d.typ == T_DIR {
                    if seen[inum as usize] {
                        bad!("directory {inum} has two names");
                    }
                    stack.push((inum, dir));
                }
                seen[inum as usize] = true;
            }
        }
        for inum in 1..sb.ninodes {
            let d = self.inode(inum);
            if d.typ == 0 {
                continue;
            }
            if !seen[inum as usize] {
                bad!("inode {inum} is allocated but not in any directory");
            }
            let want = links.get(&inum).copied().unwrap_or(0);
            if d.nlink as i64 != want {
                bad!("inode {inum}: nlink {} but {want} links found", d.nlink);
            }
        }

        // The bitmap: metadata and used blocks set, everything else clear.
        let datastart = self.datastart();
        let nbits = (sb.size as usize).div_ceil(BPB) * BPB;
        for b in 0..nbits as u32 {
            let byte = self.block(sb.bmapstart + b / BPB as u32)[(b as usize % BPB) / 8];
            let set = byte & (1 << (b % 8)) != 0;
            let used = b < datastart || owner.contains_key(&b);
            if set != used {
                let what = if used {
                    "in use but free in the bitmap"
                } else {
                    "marked in the bitmap but unused"
                };
                bad!("block {b} is {what}");
            }
        }
        Ok(FsReport {
            sb,
            inodes,
            blocks: owner.len(),
            root,
            replayed: self.replayed,
        })
    }
}

/// Parses and checks an image (see Image::check).
pub fn fsck(bytes: &[u8]) -> Result<FsReport, FsckError> {
    Image::parse(bytes)?.check()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mkfs::{dinode_bytes, mkfs, superblock, MkfsError};

    fn sample() -> Vec<u8> {
        let big: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        mkfs(&[("README", b"hello xv6\n"), ("big", &big), ("empty", b"")]).unwrap()
    }

    #[test]
    fn mkfs_layout_is_xv6s() {
        let sb = superblock();
        assert_eq!(
            (sb.size, sb.nblocks, sb.ninodes, sb.nlog),
            (2000, 1954, 200, 30)
        );
        assert_eq!((sb.logstart, sb.inodestart, sb.bmapstart), (2, 32, 45));
        let img = sample();
        assert_eq!(img.len(), 2000 * BSIZE);
        assert_eq!(&img[BSIZE..BSIZE + 4], &FSMAGIC.to_le_bytes());
    }

    #[test]
    fn mkfs_then_fsck() {
        let img = sample();
        let r = fsck(&img).unwrap();
        assert_eq!(r.root, ["README", "big", "empty"]);
        assert_eq!(r.inodes, 4);
        // Root dir 1 block; README 1; big 20 blocks (12 direct + 8) plus the indirect block.
        assert_eq!(r.blocks, 1 + 1 + 20 + 1);
        assert_eq!(r.replayed, 0);
        let image = Image::parse(&img).unwrap();
        assert_eq!(image.read_file("/README").unwrap(), b"hello xv6\n");
        let big = image.read_file("big").unwrap();
        assert_eq!(big.len(), 20_000);
        assert!(big.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
        assert_eq!(image.read_file("empty").unwrap(), b"");
        assert_eq!(image.inode(ROOTINO).size, BSIZE as u32);
        assert!(image.read_file("nope").is_err());
    }

    #[test]
    fn mkfs_rejects_bad_input() {
        assert_eq!(mkfs(&[("a/b", b"")]), Err(MkfsError::BadName("a/b".into())));
        assert_eq!(
            mkfs(&[("123456789012345", b"")]),
            Err(MkfsError::BadName("123456789012345".into()))
        );
        assert_eq!(
            mkfs(&[("x", b""), ("x", b"")]),
            Err(MkfsError::Duplicate("x".into()))
        );
        let huge = vec![0u8; MAXFILE * BSIZE + 1];
        assert_eq!(
            mkfs(&[("huge", &huge)]),
            Err(MkfsError::TooBig("huge".into()))
        );
        let big = vec![1u8; MAXFILE * BSIZE];
        let many: Vec<(String, &[u8])> =
            (0..8).map(|i| (format!("f{i}"), big.as_slice())).collect();
        let list: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        assert_eq!(mkfs(&list), Err(MkfsError::Full));
    }

    fn inode_off(inum: u32) -> usize {
        let sb = superblock();
        abi::fs::iblock(inum, &sb) as usize * BSIZE + (inum as usize % IPB) * 64
    }

    fn corrupt(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut img = sample();
        f(&mut img);
        fsck(&img).unwrap_err().0
    }

    #[test]
    fn fsck_rejects_corrupted_images() {
        let sb = superblock();
        let bmap = sb.bmapstart as usize * BSIZE;
        let datastart = (sb.size - sb.nblocks) as usize;
        assert!(corrupt(|i| i[BSIZE] ^= 1).contains("magic"));
        assert!(corrupt(|i| i.truncate(1000 * BSIZE)).contains("superblock"));
        assert!(corrupt(|i| i.push(0)).contains("whole number"));
        // A used block cleared in the bitmap, and a free block set.
        assert!(
            corrupt(|i| i[bmap + datastart / 8] &= !(1 << (datastart % 8)))
                .contains("free in the bitmap")
        );
        assert!(corrupt(|i| i[bmap + 1999 / 8] |= 1 << (1999 % 8)).contains("block 1999 is marked"));
        // Wrong link count on README (inode 2).
        assert!(corrupt(|i| i[inode_off(2) + 6] = 2).contains("nlink"));
        // An allocated inode no directory names.
        assert!(corrupt(|i| {
            let d = Dinode {
                typ: T_FILE,
                nlink: 1,
                ..Default::default()
            };
            i[inode_off(9)..inode_off(9) + 64].copy_from_slice(&dinode_bytes(&d));
        })
        .contains("not in any directory"));
        // Two inodes sharing a block: README's block given to "empty" too.
        assert!(corrupt(|i| {
            let readme_block = i[inode_off(2) + 12..inode_off(2) + 16].to_vec();
            i[inode_off(4) + 12..inode_off(4) + 16].copy_from_slice(&readme_block);
            i[inode_off(4) + 8] = 1;
        })
        .contains("used by inodes"));
        // A block address outside the data area.
        assert!(corrupt(
            |i| i[inode_off(2) + 12..inode_off(2) + 16].copy_from_slice(&5u32.to_le_bytes())
        )
        .contains("outside"));
        // A directory entry naming a free inode.
        assert!(corrupt(|i| {
            let root =
                u32::from_le_bytes(i[inode_off(1) + 12..inode_off(1) + 16].try_into().unwrap())
                    as usize;
            i[root * BSIZE + 2 * 16] = 50;
        })
        .contains("free inode"));
        // A bad inode type.
        assert!(corrupt(|i| i[inode_off(3)] = 7).contains("bad type"));
    }

    #[test]
    fn fsck_replays_a_committed_log() {
        let mut img = sample();
        let sb = superblock();
        let readme = u32::from_le_bytes(
            img[inode_off(2) + 12..inode_off(2) + 16]
                .try_into()
                .unwrap(),
        );
        // Log header: one block, going to README's data block.
        let head = sb.logstart as usize * BSIZE;
        img[head..head + 4].copy_from_slice(&1u32.to_le_bytes());
        img[head + 4..head + 8].copy_from_slice(&readme.to_le_bytes());
        let logged = (sb.logstart as usize + 1) * BSIZE;
        img[logged..logged + 10].copy_from_slice(b"HELLO XV6\n");
        let image = Image::parse(&img).unwrap();
        assert_eq!(image.read_file("README").unwrap(), b"HELLO XV6\n");
        assert_eq!(image.check().unwrap().replayed, 1);
    }

    #[test]
    fn bundled_image_is_clean_and_complete() {
        let r = fsck(crate::FS_IMG).unwrap();
        let programs = [
            "cat",
            "echo",
            "forktest",
            "grep",
            "init",
            "kill",
            "ln",
            "ls",
            "mkdir",
            "rm",
            "sh",
            "stressfs",
            "usertests",
            "grind",
            "wc",
            "zombie",
            "cowtest",
            "badcalls",
            "cowcheck",
            "forkstorm",
            "sleep",
        ];
        assert_eq!(r.root[0], "README");
        assert_eq!(&r.root[1..], programs);
        let image = Image::parse(crate::FS_IMG).unwrap();
        assert!(String::from_utf8(image.read_file("README").unwrap())
            .unwrap()
            .contains("xv6"));
        for p in programs {
            let elf = image.read_file(p).unwrap();
            assert_eq!(&elf[..4], b"\x7fELF", "{p}");
            // RISC-V executable, entry _start at 0 (text linked at 0, as xv6's user.ld).
            assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), 243, "{p}");
            assert_eq!(
                u64::from_le_bytes(elf[24..32].try_into().unwrap()),
                0,
                "{p}"
            );
            assert_eq!(
                elf,
                std::fs::read(std::path::Path::new(crate::USER_DIR).join(p)).unwrap(),
                "{p}"
            );
        }
    }
}
