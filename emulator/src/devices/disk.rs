//! The disk image behind virtio-blk: held in memory, written back on flush.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// An I/O error as a short lowercase reason, without the "(os error N)" tail.
fn reason(e: &io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text.to_string(),
    }
}

/// Bytes per sector, the unit of virtio-blk addresses.
pub const SECTOR: usize = 512;

/// A block device image. Writes land in memory; [`Disk::flush`] (and a
/// guest FLUSH request) writes the changed sectors back to the file, unless
/// the disk is a snapshot or has no file.
pub struct Disk {
    data: Vec<u8>,
    file: Option<File>,
    path: PathBuf,
    /// One bit per sector written since the last flush.
    dirty: Vec<u64>,
    any_dirty: bool,
    /// Bytes the guest read, for --stats.
    pub bytes_read: u64,
    /// Bytes the guest wrote, for --stats.
    pub bytes_written: u64,
}

impl Disk {
    /// Opens the image at `path`. With `snapshot` the file is only read and
    /// never written. Errors name the file and the reason.
    pub fn open(path: &Path, snapshot: bool) -> Result<Disk, String> {
        let name = path.display();
        let mut file = OpenOptions::new()
            .read(true)
            .write(!snapshot)
            .open(path)
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => format!("{name}: no such file"),
                io::ErrorKind::PermissionDenied if !snapshot => {
                    format!("{name}: cannot open for writing: permission denied (try --snapshot)")
                }
                _ => format!("{name}: cannot open: {}", reason(&e)),
            })?;
        let meta = file
            .metadata()
            .map_err(|e| format!("{name}: cannot read: {}", reason(&e)))?;
        if !meta.is_file() {
            return Err(format!("{name}: not a regular file"));
        }
        if meta.len() % SECTOR as u64 != 0 {
            return Err(format!(
                "{name}: size {} is not a multiple of {SECTOR} bytes",
                meta.len()
            ));
        }
        let mut data = Vec::new();
        file.read_to_end(&mut data)
            .map_err(|e| format!("{name}: cannot read: {}", reason(&e)))?;
        if data.len() % SECTOR != 0 {
            return Err(format!("{name}: changed size while being read"));
        }
        let mut disk = Disk::from_bytes(data);
        disk.file = (!snapshot).then_some(file);
        disk.path = path.to_path_buf();
        Ok(disk)
    }

    /// An in-memory disk with no file behind it (e.g. a copy of a bundled
    /// image). A trailing partial sector is not addressable.
    pub fn from_bytes(data: Vec<u8>) -> Disk {
        let sectors = data.len() / SECTOR;
        Disk {
            data,
            file: None,
            path: PathBuf::new(),
            dirty: vec![0; sectors.div_ceil(64)],
            any_dirty: false,
            bytes_read: 0,
            bytes_written: 0,
        }
    }

    /// Capacity in 512-byte sectors.
    pub fn sectors(&self) -> u64 {
        (self.data.len() / SECTOR) as u64
    }

    /// The current contents, including writes not yet flushed.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The byte range of `len` bytes at `sector`, if it lies inside the disk.
    fn range(&self, sector: u64, len: usize) -> Option<std::ops::Range<usize>> {
        let start = usize::try_from(sector.checked_mul(SECTOR as u64)?).ok()?;
        let end = start.checked_add(len)?;
        (end <= self.sectors() as usize * SECTOR).then_some(start..end)
    }

    /// The bytes of `len` at `sector` for reading, or None when out of range.
    pub(crate) fn read_at(&mut self, sector: u64, len: usize) -> Option<&[u8]> {
        let r = self.range(sector, len)?;
        self.bytes_read += len as u64;
        Some(&self.data[r])
    }

    /// The bytes of `len` at `sector` for writing (marked dirty), or None when out of range.
    pub(crate) fn write_at(&mut self, sector: u64, len: usize) -> Option<&mut [u8]> {
        let r = self.range(sector, len)?;
        for s in r.start / SECTOR..r.end.div_ceil(SECTOR) {
            self.dirty[s / 64] |= 1 << (s % 64);
        }
        self.any_dirty |= len > 0;
        self.bytes_written += len as u64;
        Some(&mut self.data[r])
    }

    /// Writes every sector changed since the last flush to the file and syncs
    /// it; nothing to do for snapshots and in-memory disks.
    pub fn flush(&mut self) -> io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        if !self.any_dirty {
            return Ok(());
        }
        let sectors = self.data.len() / SECTOR;
        let dirty = |s: usize| self.dirty[s / 64] & (1 << (s % 64)) != 0;
        let mut s = 0;
        while s < sectors {
            if !dirty(s) {
                s += 1;
                continue;
            }
            let start = s;
            while s < sectors && dirty(s) {
                s += 1;
            }
            file.seek(SeekFrom::Start((start * SECTOR) as u64))?;
            file.write_all(&self.data[start * SECTOR..s * SECTOR])?;
        }
        file.sync_data()?;
        self.dirty.fill(0);
        self.any_dirty = false;
        Ok(())
    }

    /// The image's path (empty for an in-memory disk).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rvcow-disk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn open_errors_name_file_and_reason() {
        let missing = std::env::temp_dir().join("rvcow-no-such-image.img");
        let e = Disk::open(&missing, false).err().unwrap();
        assert_eq!(e, format!("{}: no such file", missing.display()));
        let odd = temp("odd.img", &[0; 700]);
        let e = Disk::open(&odd, true).err().unwrap();
        assert_eq!(
            e,
            format!("{}: size 700 is not a multiple of 512 bytes", odd.display())
        );
        let dir = std::env::temp_dir();
        let e = Disk::open(&dir, true).err().unwrap();
        assert_eq!(e, format!("{}: not a regular file", dir.display()));
        let e = Disk::open(&dir, false).err().unwrap();
        assert_eq!(e, format!("{}: cannot open: is a directory", dir.display()));
    }

    #[test]
    fn writes_reach_the_file_only_on_flush() {
        let p = temp("rw.img", &[0; 4 * 512]);
        let mut d = Disk::open(&p, false).unwrap();
        assert_eq!(d.sectors(), 4);
        d.write_at(1, 512).unwrap().fill(0xaa);
        d.write_at(3, 512).unwrap().fill(0xbb);
        assert_eq!(std::fs::read(&p).unwrap(), vec![0; 2048]);
        d.flush().unwrap();
        let f = std::fs::read(&p).unwrap();
        assert_eq!(&f[..512], &[0; 512][..]);
        assert_eq!(&f[512..1024], &[0xaa; 512][..]);
        assert_eq!(&f[1024..1536], &[0; 512][..]);
        assert_eq!(&f[1536..], &[0xbb; 512][..]);
        assert_eq!(d.read_at(1, 512).unwrap(), &[0xaa; 512][..]);
        assert_eq!((d.bytes_read, d.bytes_written), (512, 1024));
        assert!(d.read_at(4, 512).is_none());
        assert!(d.write_at(3, 1024).is_none());
        assert!(d.read_at(u64::MAX, 512).is_none());
        assert_eq!(d.path(), p.as_path());
    }

    #[test]
    fn snapshot_never_writes_the_file() {
        let p = temp("snap.img", &[7; 1024]);
        let mut d = Disk::open(&p, true).unwrap();
        d.write_at(0, 1024).unwrap().fill(1);
        d.flush().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), vec![7; 1024]);
        assert_eq!(d.bytes(), &[1; 1024][..]);
    }

    #[test]
    fn in_memory_disk() {
        let mut d = Disk::from_bytes(vec![3; 1100]);
        assert_eq!(d.sectors(), 2);
        assert!(d.read_at(2, 1).is_none());
        d.write_at(0, 512).unwrap()[0] = 9;
        d.flush().unwrap();
        assert_eq!(d.bytes()[0], 9);
    }
}
