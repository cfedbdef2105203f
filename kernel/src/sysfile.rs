//! File-system system calls: mostly argument checking, since we don't trust
//! user code, and calls into file.rs and fs/.

use core::ptr;

use abi::fcntl::{O_CREATE, O_RDWR, O_TRUNC, O_WRONLY};
use abi::fs::DIRSIZ;
use abi::param::{MAXARG, MAXPATH, NDEV, NOFILE};
use abi::stat::{T_DEVICE, T_DIR, T_FILE};

use crate::exec::exec;
use crate::file::{
    filealloc, fileclose, filedup, fileread, filestat, filewrite, FileKind, FileRef,
};
use crate::fs::log::{begin_op, end_op};
use crate::fs::{dirlink, dirlookup, ialloc, ilock, iput, isdirempty, itrunc, iunlockput, iupdate};
use crate::fs::{namecmp, namei, nameiparent, writei, InodeGuard, InodeRef, DIRENT_SIZE};
use crate::kalloc::{kalloc, kfree};
use crate::pipe::pipealloc;
use crate::proc::myproc;
use crate::riscv::PGSIZE;
use crate::syscall::{argaddr, argint, argstr, fetchaddr, fetchstr};
use crate::vm::copyout;

/// The system call return value for failure (-1).
const ERR: u64 = u64::MAX;

// A system call result: the count, or -1.
fn ret(r: Result<usize, ()>) -> u64 {
    r.map_or(ERR, |n| n as u64)
}

// Fetch the nth word-sized system call argument as a file descriptor and
// return both the descriptor and the corresponding open file.
fn argfd(n: usize) -> Result<(usize, &'static FileRef), ()> {
    let fd = usize::try_from(argint(n)).map_err(|_| ())?;
    if fd >= NOFILE {
        return Err(());
    }
    let f = myproc().data().ofile[fd].as_ref().ok_or(())?;
    Ok((fd, f))
}

// Allocate a file descriptor for the given file. Takes over the file reference
// from the caller on success; gives it back when every descriptor is in use.
fn fdalloc(f: FileRef) -> Result<usize, FileRef> {
    let ofile = &mut myproc().data().ofile;
    match ofile.iter().position(|o| o.is_none()) {
        Some(fd) => {
            ofile[fd] = Some(f);
            Ok(fd)
        }
        None => Err(f),
    }
}

// Fetch the nth argument as a path into buf; returns the path without its NUL.
fn argpath(n: usize, buf: &mut [u8; MAXPATH]) -> Result<&[u8], ()> {
    let len = argstr(n, buf)?;
    Ok(&buf[..len])
}

/// dup(fd): a new descriptor for the same open file.
pub fn sys_dup() -> u64 {
    let Ok((_, f)) = argfd(0) else { return ERR };
    let f = filedup(f);
    match fdalloc(f) {
        Ok(fd) => fd as u64,
        Err(f) => {
            fileclose(f);
            ERR
        }
    }
}

/// read(fd, buf, n).
pub fn sys_read() -> u64 {
    let p = argaddr(1);
    let n = argint(2);
    let Ok((_, f)) = argfd(0) else { return ERR };
    let Ok(n) = usize::try_from(n) else {
        return ERR;
    };
    ret(fileread(f, p, n))
}

/// write(fd, buf, n).
pub fn sys_write() -> u64 {
    let p = argaddr(1);
    let n = argint(2);
    let Ok((_, f)) = argfd(0) else { return ERR };
    let Ok(n) = usize::try_from(n) else {
        return ERR;
    };
    ret(filewrite(f, p, n))
}

/// close(fd).
pub fn sys_close() -> u64 {
    let Ok((fd, _)) = argfd(0) else { return ERR };
    if let Some(f) = myproc().data().ofile[fd].take() {
        fileclose(f);
    }
    0
}

/// fstat(fd, struct stat *st).
pub fn sys_fstat() -> u64 {
    let st = argaddr(1); // user pointer to struct stat
    let Ok((_, f)) = argfd(0) else { return ERR };
    ret(filestat(f, st).map(|()| 0))
}

/// link(old, new): create the path new as a link to the same inode as old.
pub fn sys_link() -> u64 {
    let mut oldbuf = [0; MAXPATH];
    let mut newbuf = [0; MAXPATH];
    let (Ok(old), Ok(new)) = (argpath(0, &mut oldbuf), argpath(1, &mut newbuf)) else {
        return ERR;
    };

    begin_op();
    let Some(ip) = namei(old) else {
        end_op();
        return ERR;
    };

    let mut g = ilock(&ip);
    if g.typ == T_DIR {
        iunlockput(g, ip);
        end_op();
        return ERR;
    }
    g.nlink += 1;
    iupdate(&g);
    drop(g);

    let mut name = [0; DIRSIZ];
    if let Some(dp) = nameiparent(new, &mut name) {
        let mut dg = ilock(&dp);
        let ok = dg.dev() == ip.dev() && dirlink(&mut dg, &name, ip.inum()).is_ok();
        iunlockput(dg, dp);
        if ok {
            iput(ip);
            end_op();
            return 0;
        }
    }

    let mut g = ilock(&ip);
    g.nlink -= 1;
    iupdate(&g);
    iunlockput(g, ip);
    end_op();
    ERR
}

/// unlink(path): remove a directory entry, freeing the inode with its last link.
pub fn sys_unlink() -> u64 {
    let mut buf = [0; MAXPATH];
    let Ok(path) = argpath(0, &mut buf) else {
        return ERR;
    };

    begin_op();
    let mut name = [0; DIRSIZ];
    let Some(dp) = nameiparent(path, &mut name) else {
        end_op();
        return ERR;
    };
    let mut dg = ilock(&dp);
    let r = unlink_in(&mut dg, &name);
    iunlockput(dg, dp);
    end_op();
    ret(r.map(|()| 0))
}

// Remove entry name from the locked directory dp (sys_unlink's body).
fn unlink_in(dp: &mut InodeGuard, name: &[u8; DIRSIZ]) -> Result<(), ()> {
    // Cannot unlink "." or "..".
    if namecmp(name, b".") || namecmp(name, b"..") {
        return Err(());
    }
    let (ip, off) = dirlookup(dp, name).ok_or(())?;
    let mut g = ilock(&ip);

    if g.nlink < 1 {
        panic!("unlink: nlink < 1");
    }
    if g.typ == T_DIR && !isdirempty(&mut g) {
        iunlockput(g, ip);
        return Err(());
    }

    let empty = [0u8; DIRENT_SIZE];
    if writei(dp, false, empty.as_ptr() as usize, off, DIRENT_SIZE as u32) != Ok(DIRENT_SIZE) {
        panic!("unlink: writei");
    }
    if g.typ == T_DIR {
        dp.nlink -= 1;
        iupdate(dp);
    }

    g.nlink -= 1;
    iupdate(&g);
    iunlockput(g, ip);
    Ok(())
}

// Create an inode of type typ at path and return it locked, or return the
// existing file there when creating a T_FILE over a file or device. None on
// failure.
fn create(path: &[u8], typ: i16, major: i16, minor: i16) -> Option<(InodeGuard, InodeRef)> {
    let mut name = [0; DIRSIZ];
    let dp = nameiparent(path, &mut name)?;
    let mut dg = ilock(&dp);

    if let Some((ip, _)) = dirlookup(&mut dg, &name) {
        iunlockput(dg, dp);
        let g = ilock(&ip);
        if typ == T_FILE && (g.typ == T_FILE || g.typ == T_DEVICE) {
            return Some((g, ip));
        }
        iunlockput(g, ip);
        return None;
    }

    let Some(ip) = ialloc(dg.dev(), typ) else {
        iunlockput(dg, dp);
        return None;
    };

    let mut g = ilock(&ip);
    g.major = major;
    g.minor = minor;
    g.nlink = 1;
    iupdate(&g);

    // Create . and .. entries (no nlink++ for ".": avoid cyclic ref count),
    // then the entry in the parent.
    let ok = (typ != T_DIR
        || (dirlink(&mut g, b".", ip.inum()).is_ok() && dirlink(&mut g, b"..", dp.inum()).is_ok()))
        && dirlink(&mut dg, &name, ip.inum()).is_ok();
    if !ok {
        // something went wrong. de-allocate ip.
        g.nlink = 0;
        iupdate(&g);
        iunlockput(g, ip);
        iunlockput(dg, dp);
        return None;
    }

    if typ == T_DIR {
        // now that success is guaranteed:
        dg.nlink += 1; // for ".."
        iupdate(&dg);
    }
    iunlockput(dg, dp);
    Some((g, ip))
}

/// open(path, omode): a descriptor for the file at path, created with
/// O_CREATE, truncated with O_TRUNC.
pub fn sys_open() -> u64 {
    let omode = argint(1) as u32;
    let mut buf = [0; MAXPATH];
    let Ok(path) = argpath(0, &mut buf) else {
        return ERR;
    };

    begin_op();

    let (mut g, ip) = if omode & O_CREATE != 0 {
        let Some(gi) = create(path, T_FILE, 0, 0) else {
            end_op();
            return ERR;
        };
        gi
    } else {
        let Some(ip) = namei(path) else {
            end_op();
            return ERR;
        };
        let g = ilock(&ip);
        if g.typ == T_DIR && omode != 0 {
            iunlockput(g, ip);
            end_op();
            return ERR;
        }
        (g, ip)
    };

    if g.typ == T_DEVICE && !(0..NDEV as i16).contains(&g.major) {
        iunlockput(g, ip);
        end_op();
        return ERR;
    }

    let typ = g.typ;
    let readable = omode & O_WRONLY == 0;
    let writable = omode & (O_WRONLY | O_RDWR) != 0;
    let kind = if typ == T_DEVICE {
        FileKind::Device { ip, major: g.major }
    } else {
        FileKind::Inode(ip)
    };
    let f = match filealloc(kind, readable, writable) {
        Ok(f) => f,
        Err(kind) => {
            drop(g);
            if let FileKind::Inode(ip) | FileKind::Device { ip, .. } = kind {
                iput(ip);
            }
            end_op();
            return ERR;
        }
    };
    let fd = match fdalloc(f) {
        Ok(fd) => fd,
        Err(f) => {
            drop(g);
            end_op();
            fileclose(f); // puts the inode, in a transaction of its own
            return ERR;
        }
    };

    if omode & O_TRUNC != 0 && typ == T_FILE {
        itrunc(&mut g);
    }
    drop(g);
    end_op();
    fd as u64
}

/// mkdir(path).
pub fn sys_mkdir() -> u64 {
    let mut buf = [0; MAXPATH];
    begin_op();
    let Some((g, ip)) = argpath(0, &mut buf)
        .ok()
        .and_then(|path| create(path, T_DIR, 0, 0))
    else {
        end_op();
        return ERR;
    };
    iunlockput(g, ip);
    end_op();
    0
}

/// mknod(path, major, minor): create a device file.
pub fn sys_mknod() -> u64 {
    let mut buf = [0; MAXPATH];
    begin_op();
    let major = argint(1) as i16;
    let minor = argint(2) as i16;
    let Some((g, ip)) = argpath(0, &mut buf)
        .ok()
        .and_then(|path| create(path, T_DEVICE, major, minor))
    else {
        end_op();
        return ERR;
    };
    iunlockput(g, ip);
    end_op();
    0
}

/// chdir(path): change the current directory.
pub fn sys_chdir() -> u64 {
    let mut buf = [0; MAXPATH];
    begin_op();
    let Some(ip) = argpath(0, &mut buf).ok().and_then(namei) else {
        end_op();
        return ERR;
    };
    let g = ilock(&ip);
    if g.typ != T_DIR {
        iunlockput(g, ip);
        end_op();
        return ERR;
    }
    drop(g);
    let d = myproc().data();
    if let Some(old) = d.cwd.replace(ip) {
        iput(old);
    }
    end_op();
    0
}

/// Pages holding exec's argument strings, freed when dropped.
struct ArgPages {
    pages: [*mut u8; MAXARG],
    lens: [usize; MAXARG],
    argc: usize,
}

impl ArgPages {
    // The argument strings, without their NULs.
    fn strings(&self) -> [&[u8]; MAXARG] {
        let mut v: [&[u8]; MAXARG] = [&[]; MAXARG];
        for ((s, &page), &len) in v
            .iter_mut()
            .zip(&self.pages)
            .zip(&self.lens)
            .take(self.argc)
        {
            // SAFETY: page is a kalloc'd page we own, holding len bytes.
            *s = unsafe { core::slice::from_raw_parts(page, len) };
        }
        v
    }
}

impl Drop for ArgPages {
    fn drop(&mut self) {
        for &p in &self.pages[..self.argc] {
            kfree(p);
        }
    }
}

// Copy the user's argv array at uargv (NULL-terminated, at most MAXARG - 1
// strings of less than a page each) into fresh pages.
fn fetchargs(uargv: usize) -> Result<ArgPages, ()> {
    let mut a = ArgPages {
        pages: [ptr::null_mut(); MAXARG],
        lens: [0; MAXARG],
        argc: 0,
    };
    for i in 0..MAXARG {
        let uarg = fetchaddr(uargv.wrapping_add(8 * i))?;
        if uarg == 0 {
            return Ok(a);
        }
        let page = kalloc().ok_or(())?;
        a.pages[i] = page;
        a.argc = i + 1;
        // SAFETY: a fresh page that we own until ArgPages drops it.
        let buf = unsafe { core::slice::from_raw_parts_mut(page, PGSIZE) };
        a.lens[i] = fetchstr(uarg, buf)?;
    }
    Err(())
}

/// exec(path, argv): replace the process's image with the program at path.
pub fn sys_exec() -> u64 {
    let uargv = argaddr(1);
    let mut buf = [0; MAXPATH];
    let Ok(path) = argpath(0, &mut buf) else {
        return ERR;
    };
    let Ok(args) = fetchargs(uargv) else {
        return ERR;
    };
    let argv = args.strings();
    ret(exec(path, &argv[..args.argc]))
}

/// pipe(int fds[2]): a pipe, its read end in fds[0] and its write end in fds[1].
pub fn sys_pipe() -> u64 {
    let fdarray = argaddr(0); // user pointer to array of two integers
    let Ok((rf, wf)) = pipealloc() else {
        return ERR;
    };
    let fd0 = match fdalloc(rf) {
        Ok(fd) => fd,
        Err(rf) => {
            fileclose(rf);
            fileclose(wf);
            return ERR;
        }
    };
    let fd1 = match fdalloc(wf) {
        Ok(fd) => fd,
        Err(wf) => {
            if let Some(rf) = myproc().data().ofile[fd0].take() {
                fileclose(rf);
            }
            fileclose(wf);
            return ERR;
        }
    };
    let d = myproc().data();
    let mut fds = [0u8; 8];
    fds[0..4].copy_from_slice(&(fd0 as i32).to_le_bytes());
    fds[4..8].copy_from_slice(&(fd1 as i32).to_le_bytes());
    if copyout(d.pagetable, fdarray, &fds).is_err() {
        for fd in [fd0, fd1] {
            if let Some(f) = d.ofile[fd].take() {
                fileclose(f);
            }
        }
        return ERR;
    }
    0
}
