//! The disk image behind virtio-blk: an in-memory copy for reads, guest
//! writes passed through to the file as each request completes.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
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

/// When guest writes reach the image file: QEMU's `-drive cache=` modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Cache {
    /// Each write is handed to the host OS as its request completes, so it
    /// survives a killed rvcow; a guest FLUSH is an fsync (QEMU's default).
    #[default]
    Writeback,
    /// As `Writeback`, and every write is also synced before it completes.
    Writethrough,
    /// Writes stay in memory and reach the file when rvcow exits; a guest
    /// FLUSH is ignored. Fast, and lost if rvcow is killed.
    Unsafe,
}

impl Cache {
    /// The mode named as in QEMU's `cache=` option.
    pub fn parse(s: &str) -> Result<Cache, String> {
        match s {
            "writeback" => Ok(Cache::Writeback),
            "writethrough" => Ok(Cache::Writethrough),
            "unsafe" => Ok(Cache::Unsafe),
            _ => Err(format!(
                "'{s}' is not a cache mode (writeback, writethrough or unsafe)"
            )),
        }
    }
}

/// Writes `buf` at byte `off` with `pwrite`, sector by sector in effect: on a
/// short or failed write, the sector it stopped in gets its `old` bytes back,
/// so the file holds whole old or whole new sectors. Returns the bytes of new
/// data written (a multiple of [`SECTOR`]) and the error that stopped it.
fn write_sectors(
    mut pwrite: impl FnMut(&[u8], u64) -> io::Result<usize>,
    buf: &[u8],
    old: &[u8],
    off: u64,
) -> (usize, io::Result<()>) {
    let mut done = 0;
    let err = loop {
        if done == buf.len() {
            return (done, Ok(()));
        }
        match pwrite(&buf[done..], off + done as u64) {
            Ok(0) => break io::Error::from(io::ErrorKind::WriteZero),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break e,
        }
    };
    let whole = done - done % SECTOR;
    let mut back = whole;
    while back < done {
        match pwrite(&old[back..done], off + back as u64) {
            Ok(0) => break,
            Ok(n) => back += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    (whole, Err(err))
}

/// A block device image, held in memory for reads. With a file behind it,
/// guest writes reach the file as the [`Cache`] mode says, unless the disk
/// is a snapshot.
pub struct Disk {
    data: Vec<u8>,
    file: Option<File>,
    path: PathBuf,
    cache: Cache,
    /// Unsafe mode: one bit per sector written since the last flush.
    dirty: Vec<u64>,
    any_dirty: bool,
    /// The first write to the file that failed, as a one-line message.
    error: Option<String>,
    /// Bytes the guest read, for --stats.
    pub bytes_read: u64,
    /// Bytes the guest wrote, for --stats.
    pub bytes_written: u64,
}

impl Disk {
    /// Opens the image at `path`, in [`Cache::Writeback`] mode. With
    /// `snapshot` the file is only read and never written. Errors name the
    /// file and the reason.
    pub fn open(path: &Path, snapshot: bool) -> Result<Disk, String> {
        let name = path.display();
        // A FIFO or a device is refused before it is opened: opening a FIFO
        // with no writer blocks.
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            return Err(format!("{name}: not a regular file"));
        }
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

    /// The same disk in cache mode `cache`.
    pub fn with_cache(mut self, cache: Cache) -> Disk {
        self.cache = cache;
        self
    }

    /// An in-memory disk with no file behind it (e.g. a copy of a bundled
    /// image). A trailing partial sector is not addressable.
    pub fn from_bytes(data: Vec<u8>) -> Disk {
        let sectors = data.len() / SECTOR;
        Disk {
            data,
            file: None,
            path: PathBuf::new(),
            cache: Cache::default(),
            dirty: vec![0; sectors.div_ceil(64)],
            any_dirty: false,
            error: None,
            bytes_read: 0,
            bytes_written: 0,
        }
    }

    /// Capacity in 512-byte sectors.
    pub fn sectors(&self) -> u64 {
        (self.data.len() / SECTOR) as u64
    }

    /// The current contents, as the guest sees them.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The byte range of `len` bytes at `sector`, if it lies inside the disk.
    fn range(&self, sector: u64, len: usize) -> Option<std::ops::Range<usize>> {
        let start = usize::try_from(sector.checked_mul(SECTOR as u64)?).ok()?;
        let end = start.checked_add(len)?;
        (end <= self.sectors() as usize * SECTOR).then_some(start..end)
    }

    /// Whether `len` bytes at `sector` lie inside the disk.
    pub(crate) fn fits(&self, sector: u64, len: usize) -> bool {
        self.range(sector, len).is_some()
    }

    /// The bytes of `len` at `sector` for reading, or None when out of range.
    pub(crate) fn read_at(&mut self, sector: u64, len: usize) -> Option<&[u8]> {
        let r = self.range(sector, len)?;
        self.bytes_read += len as u64;
        Some(&self.data[r])
    }

    /// Writes `src` (whole sectors) at `sector`: to memory, and through to
    /// the file unless the mode is unsafe. False when the range is outside
    /// the disk or the file write failed (the first failure is kept for
    /// [`Disk::error`]); the file then holds whole old or new sectors, and
    /// memory matches it.
    pub(crate) fn write(&mut self, sector: u64, src: &[u8]) -> bool {
        let Some(r) = self.range(sector, src.len()) else {
            return false;
        };
        self.bytes_written += src.len() as u64;
        let file = match (&self.file, self.cache) {
            (Some(f), Cache::Writeback | Cache::Writethrough) => f,
            _ => {
                self.data[r.clone()].copy_from_slice(src);
                for s in r.start / SECTOR..r.end.div_ceil(SECTOR) {
                    self.dirty[s / 64] |= 1 << (s % 64);
                }
                self.any_dirty |= !src.is_empty();
                return true;
            }
        };
        let old = &self.data[r.clone()];
        let (n, mut done) = write_sectors(|b, o| file.write_at(b, o), src, old, r.start as u64);
        if done.is_ok() && self.cache == Cache::Writethrough {
            done = file.sync_data();
        }
        self.data[r.start..r.start + n].copy_from_slice(&src[..n]);
        match done {
            Ok(()) => true,
            Err(e) => {
                let msg = format!(
                    "{}: cannot write: {} (the guest got an I/O error)",
                    self.path.display(),
                    reason(&e)
                );
                log::warn!("{msg}");
                self.error.get_or_insert(msg);
                false
            }
        }
    }

    /// A guest FLUSH: syncs the file (an fsync), except in unsafe mode, which
    /// ignores it as QEMU's does. Nothing to do without a file. A failure is
    /// kept for [`Disk::error`], as a failed write is.
    pub fn flush(&mut self) -> io::Result<()> {
        let done = match &self.file {
            Some(f) if self.cache != Cache::Unsafe => f.sync_data(),
            _ => Ok(()),
        };
        if let Err(e) = &done {
            let msg = format!("{}: cannot sync: {}", self.path.display(), reason(e));
            self.error.get_or_insert(msg);
        }
        done
    }

    /// At exit: writes the sectors unsafe mode kept in memory, then syncs
    /// the file. Errors (and an earlier failed write) name the file.
    pub fn sync(&mut self) -> Result<(), String> {
        let name = self.path.display().to_string();
        let Some(file) = &self.file else {
            return Ok(());
        };
        let fail = |e: io::Error| format!("{name}: cannot write: {}", reason(&e));
        if self.any_dirty {
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
                let (from, to) = (start * SECTOR, s * SECTOR);
                let mut old = vec![0; to - from];
                file.read_exact_at(&mut old, from as u64).map_err(fail)?;
                let pwrite = |b: &[u8], o| file.write_at(b, o);
                write_sectors(pwrite, &self.data[from..to], &old, from as u64)
                    .1
                    .map_err(fail)?;
            }
            self.dirty.fill(0);
            self.any_dirty = false;
        }
        file.sync_data().map_err(fail)?;
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// The first guest write that failed to reach the file, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
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
    fn writes_reach_the_file_as_they_complete() {
        for cache in [Cache::Writeback, Cache::Writethrough] {
            let p = temp("rw.img", &[0; 4 * 512]);
            let mut d = Disk::open(&p, false).unwrap().with_cache(cache);
            assert_eq!(d.sectors(), 4);
            assert!(d.write(1, &[0xaa; 512]));
            assert_eq!(&std::fs::read(&p).unwrap()[512..1024], &[0xaa; 512][..]);
            assert!(d.write(3, &[0xbb; 512]));
            d.flush().unwrap();
            let f = std::fs::read(&p).unwrap();
            assert_eq!(&f[..512], &[0; 512][..]);
            assert_eq!(&f[512..1024], &[0xaa; 512][..]);
            assert_eq!(&f[1024..1536], &[0; 512][..]);
            assert_eq!(&f[1536..], &[0xbb; 512][..]);
            assert_eq!(d.read_at(1, 512).unwrap(), &[0xaa; 512][..]);
            assert_eq!((d.bytes_read, d.bytes_written), (512, 1024));
            assert!(d.read_at(4, 512).is_none());
            assert!(!d.write(3, &[0; 1024]));
            assert!(d.read_at(u64::MAX, 512).is_none());
            assert_eq!(d.path(), p.as_path());
            assert_eq!(d.sync(), Ok(()));
        }
    }

    #[test]
    fn unsafe_writes_reach_the_file_only_at_exit() {
        let p = temp("unsafe.img", &[0; 4 * 512]);
        let mut d = Disk::open(&p, false).unwrap().with_cache(Cache::Unsafe);
        assert!(d.write(1, &[0xaa; 512]));
        assert!(d.write(3, &[0xbb; 512]));
        d.flush().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), vec![0; 2048]);
        assert_eq!(d.sync(), Ok(()));
        let f = std::fs::read(&p).unwrap();
        assert_eq!(&f[..512], &[0; 512][..]);
        assert_eq!(&f[512..1024], &[0xaa; 512][..]);
        assert_eq!(&f[1536..], &[0xbb; 512][..]);
    }

    #[test]
    fn snapshot_never_writes_the_file() {
        let p = temp("snap.img", &[7; 1024]);
        let mut d = Disk::open(&p, true).unwrap();
        assert!(d.write(0, &[1; 1024]));
        d.flush().unwrap();
        assert_eq!(d.sync(), Ok(()));
        assert_eq!(std::fs::read(&p).unwrap(), vec![7; 1024]);
        assert_eq!(d.bytes(), &[1; 1024][..]);
    }

    #[test]
    fn in_memory_disk() {
        let mut d = Disk::from_bytes(vec![3; 1100]);
        assert_eq!(d.sectors(), 2);
        assert!(d.read_at(2, 1).is_none());
        assert!(d.write(0, &[9; 512]));
        d.flush().unwrap();
        assert_eq!(d.bytes()[0], 9);
    }

    /// A device that takes at most `room` bytes, `chunk` at a time, then
    /// fails as a full disk does.
    fn full_device(
        file: &mut [u8],
        room: usize,
        chunk: usize,
        b: &[u8],
        off: u64,
    ) -> io::Result<usize> {
        let off = off as usize;
        let n = b.len().min(chunk).min(room.saturating_sub(off));
        if n == 0 {
            return Err(io::Error::from_raw_os_error(28));
        }
        file[off..off + n].copy_from_slice(&b[..n]);
        Ok(n)
    }

    #[test]
    fn a_failed_write_leaves_whole_sectors() {
        // New data stops 700 bytes in, in the middle of sector 1: sector 0
        // is new, sector 1 gets its old bytes back, sector 2 is untouched.
        let old = vec![0x11; 3 * 512];
        let mut file = old.clone();
        let new = vec![0x22; 3 * 512];
        let (n, r) = write_sectors(|b, o| full_device(&mut file, 700, 300, b, o), &new, &old, 0);
        assert_eq!(n, 512);
        assert_eq!(r.unwrap_err().raw_os_error(), Some(28));
        assert_eq!(&file[..512], &new[..512]);
        assert_eq!(&file[512..], &old[512..]);
    }

    #[test]
    fn a_write_that_fits_is_whole() {
        let mut file = vec![0; 2048];
        let (n, r) = write_sectors(
            |b, o| full_device(&mut file, 2048, 100, b, o),
            &[5; 1024],
            &[0; 1024],
            512,
        );
        assert_eq!((n, r.is_ok()), (1024, true));
        assert_eq!(&file[512..1536], &[5; 1024][..]);
        assert_eq!(&file[1536..], &[0; 512][..]);
    }
}
