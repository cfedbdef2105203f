// usertests: file tests (create, read, write, truncate, link, unlink, concurrency).

use crate::{buf, die, name, BUFSZ};
use abi::fs::{BSIZE, MAXFILE};
use ulib::*;

/// Concurrent writes to try to provoke deadlock in the virtio disk driver.
pub fn manywrites(s: &str) {
    let nchildren = 4;
    let howmany = 30; // increase to look for deadlock
    for ci in 0..nchildren {
        let pid = fork();
        if pid < 0 {
            die!("fork failed\n");
        }
        if pid == 0 {
            let n = name(&[b'b', b'a' + ci]);
            unlink(n.as_cstr());
            for _ in 0..howmany {
                for _ in 0..ci + 1 {
                    let fd = open(n.as_cstr(), O_CREATE | O_RDWR);
                    if fd < 0 {
                        die!("%s: cannot create %s\n", s, n.as_bytes());
                    }
                    let cc = write(fd, buf());
                    if cc != BUFSZ as i32 {
                        die!("%s: write(%d) ret %d\n", s, BUFSZ, cc);
                    }
                    close(fd);
                }
                unlink(n.as_cstr());
            }
            unlink(n.as_cstr());
            exit(0);
        }
    }
    for _ in 0..nchildren {
        let mut st = 0;
        wait(Some(&mut st));
        if st != 0 {
            exit(st);
        }
    }
    exit(0);
}

/// Test O_TRUNC.
pub fn truncate1(s: &str) {
    let mut b = [0u8; 32];
    unlink(c"truncfile");
    let fd1 = open(c"truncfile", O_CREATE | O_WRONLY | O_TRUNC);
    write(fd1, b"abcd");
    close(fd1);

    let fd2 = open(c"truncfile", O_RDONLY);
    let n = read(fd2, &mut b);
    if n != 4 {
        die!("%s: read %d bytes, wanted 4\n", s, n);
    }
    let fd1 = open(c"truncfile", O_WRONLY | O_TRUNC);

    let fd3 = open(c"truncfile", O_RDONLY);
    let n = read(fd3, &mut b);
    if n != 0 {
        printf!("aaa fd3=%d\n", fd3);
        die!("%s: read %d bytes, wanted 0\n", s, n);
    }
    let n = read(fd2, &mut b);
    if n != 0 {
        printf!("bbb fd2=%d\n", fd2);
        die!("%s: read %d bytes, wanted 0\n", s, n);
    }

    write(fd1, b"abcdef");
    let n = read(fd3, &mut b);
    if n != 6 {
        die!("%s: read %d bytes, wanted 6\n", s, n);
    }
    let n = read(fd2, &mut b);
    if n != 2 {
        die!("%s: read %d bytes, wanted 2\n", s, n);
    }
    unlink(c"truncfile");
    close(fd1);
    close(fd2);
    close(fd3);
}

/// Write to an open fd whose file has just been truncated: a write at an offset
/// beyond the end of the file, which fails on xv6 (unlike POSIX) without crashing.
pub fn truncate2(s: &str) {
    unlink(c"truncfile");
    let fd1 = open(c"truncfile", O_CREATE | O_TRUNC | O_WRONLY);
    write(fd1, b"abcd");
    let fd2 = open(c"truncfile", O_TRUNC | O_WRONLY);
    let n = write(fd1, b"x");
    if n != -1 {
        die!("%s: write returned %d, expected -1\n", s, n);
    }
    unlink(c"truncfile");
    close(fd1);
    close(fd2);
}

pub fn truncate3(s: &str) {
    close(open(c"truncfile", O_CREATE | O_TRUNC | O_WRONLY));
    let pid = fork();
    if pid < 0 {
        die!("%s: fork failed\n", s);
    }
    if pid == 0 {
        for _ in 0..100 {
            let mut b = [0u8; 32];
            let fd = open(c"truncfile", O_WRONLY);
            if fd < 0 {
                die!("%s: open failed\n", s);
            }
            let n = write(fd, b"1234567890");
            if n != 10 {
                die!("%s: write got %d, expected 10\n", s, n);
            }
            close(fd);
            let fd = open(c"truncfile", O_RDONLY);
            read(fd, &mut b);
            close(fd);
        }
        exit(0);
    }
    for _ in 0..150 {
        let fd = open(c"truncfile", O_CREATE | O_WRONLY | O_TRUNC);
        if fd < 0 {
            die!("%s: open failed\n", s);
        }
        let n = write(fd, b"xxx");
        if n != 3 {
            die!("%s: write got %d, expected 3\n", s, n);
        }
        close(fd);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    unlink(c"truncfile");
    exit(xstatus);
}

pub fn opentest(s: &str) {
    let fd = open(c"echo", O_RDONLY);
    if fd < 0 {
        die!("%s: open echo failed!\n", s);
    }
    close(fd);
    let fd = open(c"doesnotexist", O_RDONLY);
    if fd >= 0 {
        die!("%s: open doesnotexist succeeded!\n", s);
    }
}

pub fn writetest(s: &str) {
    const N: i32 = 100;
    const SZ: i32 = 10;
    let fd = open(c"small", O_CREATE | O_RDWR);
    if fd < 0 {
        die!("%s: error: creat small failed!\n", s);
    }
    for i in 0..N {
        if write(fd, b"aaaaaaaaaa") != SZ {
            die!("%s: error: write aa %d new file failed\n", s, i);
        }
        if write(fd, b"bbbbbbbbbb") != SZ {
            die!("%s: error: write bb %d new file failed\n", s, i);
        }
    }
    close(fd);
    let fd = open(c"small", O_RDONLY);
    if fd < 0 {
        die!("%s: error: open small failed!\n", s);
    }
    let i = read(fd, &mut buf()[..(N * SZ * 2) as usize]);
    if i != N * SZ * 2 {
        die!("%s: read failed\n", s);
    }
    close(fd);
    if unlink(c"small") < 0 {
        die!("%s: unlink small failed\n", s);
    }
}

fn block_index(b: &[u8]) -> i32 {
    i32::from_ne_bytes([b[0], b[1], b[2], b[3]])
}

pub fn writebig(s: &str) {
    let fd = open(c"big", O_CREATE | O_RDWR);
    if fd < 0 {
        die!("%s: error: creat big failed!\n", s);
    }
    let b = buf();
    for i in 0..MAXFILE as i32 {
        b[..4].copy_from_slice(&i.to_ne_bytes());
        if write(fd, &b[..BSIZE]) != BSIZE as i32 {
            die!("%s: error: write big file failed\n", s, i);
        }
    }
    close(fd);

    let fd = open(c"big", O_RDONLY);
    if fd < 0 {
        die!("%s: error: open big failed!\n", s);
    }
    let mut n = 0;
    loop {
        let i = read(fd, &mut b[..BSIZE]);
        if i == 0 {
            if n == MAXFILE as i32 - 1 {
                die!("%s: read only %d blocks from big", s, n);
            }
            break;
        } else if i != BSIZE as i32 {
            die!("%s: read failed %d\n", s, i);
        }
        if block_index(b) != n {
            die!("%s: read content of block %d is %d\n", s, n, block_index(b));
        }
        n += 1;
    }
    close(fd);
    if unlink(c"big") < 0 {
        die!("%s: unlink big failed\n", s);
    }
}

/// Many creates, followed by unlinks.
pub fn createtest(_s: &str) {
    const N: u8 = 52;
    for i in 0..N {
        close(open(name(&[b'a', b'0' + i]).as_cstr(), O_CREATE | O_RDWR));
    }
    for i in 0..N {
        unlink(name(&[b'a', b'0' + i]).as_cstr());
    }
}

/// Four processes write different files at the same time, to test block allocation.
pub fn fourfiles(_s: &str) {
    const N: usize = 12;
    const NCHILD: u8 = 4;
    const SZ: usize = 500;
    for pi in 0..NCHILD {
        let fname = name(&[b'f', b'0' + pi]);
        unlink(fname.as_cstr());
        let pid = fork();
        if pid < 0 {
            die!("fork failed\n");
        }
        if pid == 0 {
            let fd = open(fname.as_cstr(), O_CREATE | O_RDWR);
            if fd < 0 {
                die!("create failed\n");
            }
            buf()[..SZ].fill(b'0' + pi);
            for _ in 0..N {
                let n = write(fd, &buf()[..SZ]);
                if n != SZ as i32 {
                    die!("write failed %d\n", n);
                }
            }
            exit(0);
        }
    }
    for _ in 0..NCHILD {
        let mut xstatus = 0;
        wait(Some(&mut xstatus));
        if xstatus != 0 {
            exit(xstatus);
        }
    }
    for i in 0..NCHILD {
        let fname = name(&[b'f', b'0' + i]);
        let fd = open(fname.as_cstr(), O_RDONLY);
        let mut total = 0;
        loop {
            let n = read(fd, buf());
            if n <= 0 {
                break;
            }
            if buf()[..n as usize].iter().any(|&c| c != b'0' + i) {
                die!("wrong char\n");
            }
            total += n;
        }
        close(fd);
        if total != (N * SZ) as i32 {
            die!("wrong length %d\n", total);
        }
        unlink(fname.as_cstr());
    }
}

/// Four processes create and delete different files in the same directory.
pub fn createdelete(s: &str) {
    const N: u8 = 20;
    const NCHILD: u8 = 4;
    for pi in 0..NCHILD {
        let pid = fork();
        if pid < 0 {
            die!("fork failed\n");
        }
        if pid == 0 {
            for i in 0..N {
                let fd = open(name(&[b'p' + pi, b'0' + i]).as_cstr(), O_CREATE | O_RDWR);
                if fd < 0 {
                    die!("%s: create failed\n", s);
                }
                close(fd);
                if i > 0 && i % 2 == 0 && unlink(name(&[b'p' + pi, b'0' + i / 2]).as_cstr()) < 0 {
                    die!("%s: unlink failed\n", s);
                }
            }
            exit(0);
        }
    }
    for _ in 0..NCHILD {
        let mut xstatus = 0;
        wait(Some(&mut xstatus));
        if xstatus != 0 {
            exit(1);
        }
    }
    for i in 0..N {
        for pi in 0..NCHILD {
            let n = name(&[b'p' + pi, b'0' + i]);
            let fd = open(n.as_cstr(), O_RDONLY);
            if (i == 0 || i >= N / 2) && fd < 0 {
                die!("%s: oops createdelete %s didn't exist\n", s, n.as_bytes());
            } else if (1..N / 2).contains(&i) && fd >= 0 {
                die!("%s: oops createdelete %s did exist\n", s, n.as_bytes());
            }
            if fd >= 0 {
                close(fd);
            }
        }
    }
    // The lab's cleanup loop names ('p'+i, '0'+i): kept as it is.
    for i in 0..N {
        for _ in 0..NCHILD {
            unlink(name(&[b'p' + i, b'0' + i]).as_cstr());
        }
    }
}

/// Can I unlink a file and still read it?
pub fn unlinkread(s: &str) {
    const SZ: i32 = 5;
    let fd = open(c"unlinkread", O_CREATE | O_RDWR);
    if fd < 0 {
        die!("%s: create unlinkread failed\n", s);
    }
    write(fd, b"hello");
    close(fd);

    let fd = open(c"unlinkread", O_RDWR);
    if fd < 0 {
        die!("%s: open unlinkread failed\n", s);
    }
    if unlink(c"unlinkread") != 0 {
        die!("%s: unlink unlinkread failed\n", s);
    }
    let fd1 = open(c"unlinkread", O_CREATE | O_RDWR);
    write(fd1, b"yyy");
    close(fd1);

    if read(fd, buf()) != SZ {
        die!("%s: unlinkread read failed", s);
    }
    if buf()[0] != b'h' {
        die!("%s: unlinkread wrong data\n", s);
    }
    if write(fd, &buf()[..10]) != 10 {
        die!("%s: unlinkread write failed\n", s);
    }
    close(fd);
    unlink(c"unlinkread");
}

pub fn linktest(s: &str) {
    const SZ: i32 = 5;
    unlink(c"lf1");
    unlink(c"lf2");
    let fd = open(c"lf1", O_CREATE | O_RDWR);
    if fd < 0 {
        die!("%s: create lf1 failed\n", s);
    }
    if write(fd, b"hello") != SZ {
        die!("%s: write lf1 failed\n", s);
    }
    close(fd);

    if link(c"lf1", c"lf2") < 0 {
        die!("%s: link lf1 lf2 failed\n", s);
    }
    unlink(c"lf1");
    if open(c"lf1", O_RDONLY) >= 0 {
        die!("%s: unlinked lf1 but it is still there!\n", s);
    }
    let fd = open(c"lf2", O_RDONLY);
    if fd < 0 {
        die!("%s: open lf2 failed\n", s);
    }
    if read(fd, buf()) != SZ {
        die!("%s: read lf2 failed\n", s);
    }
    close(fd);

    if link(c"lf2", c"lf2") >= 0 {
        die!("%s: link lf2 lf2 succeeded! oops\n", s);
    }
    unlink(c"lf2");
    if link(c"lf2", c"lf1") >= 0 {
        die!("%s: link non-existent succeeded! oops\n", s);
    }
    if link(c".", c"lf1") >= 0 {
        die!("%s: link . lf1 succeeded! oops\n", s);
    }
}

/// Concurrent create/link/unlink of the same file.
pub fn concreate(s: &str) {
    const N: u8 = 40;
    for i in 0..N {
        let file = name(&[b'C', b'0' + i]);
        unlink(file.as_cstr());
        let pid = fork();
        if (pid != 0 && i % 3 == 1) || (pid == 0 && i % 5 == 1) {
            link(c"C0", file.as_cstr());
        } else {
            let fd = open(file.as_cstr(), O_CREATE | O_RDWR);
            if fd < 0 {
                die!("concreate create %s failed\n", file.as_bytes());
            }
            close(fd);
        }
        if pid == 0 {
            exit(0);
        }
        let mut xstatus = 0;
        wait(Some(&mut xstatus));
        if xstatus != 0 {
            exit(1);
        }
    }

    let mut fa = [false; N as usize];
    let fd = open(c".", O_RDONLY);
    let mut n = 0;
    let mut de = [0u8; 16];
    while read(fd, &mut de) > 0 {
        if de[0] == 0 && de[1] == 0 {
            continue;
        }
        let dname = &de[2..];
        if dname[0] == b'C' && dname[2] == 0 {
            let i = dname[1].wrapping_sub(b'0') as usize;
            if i >= fa.len() {
                die!("%s: concreate weird file %s\n", s, dname);
            }
            if fa[i] {
                die!("%s: concreate duplicate file %s\n", s, dname);
            }
            fa[i] = true;
            n += 1;
        }
    }
    close(fd);
    if n != N {
        die!("%s: concreate not enough files in directory listing\n", s);
    }

    for i in 0..N {
        let file = name(&[b'C', b'0' + i]);
        let pid = fork();
        if pid < 0 {
            die!("%s: fork failed\n", s);
        }
        if (i % 3 == 0 && pid == 0) || (i % 3 == 1 && pid != 0) {
            for _ in 0..6 {
                close(open(file.as_cstr(), O_RDONLY));
            }
        } else {
            for _ in 0..6 {
                unlink(file.as_cstr());
            }
        }
        if pid == 0 {
            exit(0);
        }
        wait(None);
    }
}

/// Another concurrent link/unlink/create test, to look for deadlocks.
pub fn linkunlink(s: &str) {
    unlink(c"x");
    let pid = fork();
    if pid < 0 {
        die!("%s: fork failed\n", s);
    }
    let mut x: u32 = if pid != 0 { 1 } else { 97 };
    for _ in 0..100 {
        x = x.wrapping_mul(1103515245).wrapping_add(12345);
        match x % 3 {
            0 => {
                close(open(c"x", O_RDWR | O_CREATE));
            }
            1 => {
                link(c"cat", c"x");
            }
            _ => {
                unlink(c"x");
            }
        }
    }
    if pid != 0 {
        wait(None);
    } else {
        exit(0);
    }
}

/// Two processes write to the same file descriptor: is the offset shared? Does inode
/// locking work?
pub fn sharedfd(s: &str) {
    const N: i32 = 1000;
    const SZ: usize = 10;
    unlink(c"sharedfd");
    let fd = open(c"sharedfd", O_CREATE | O_RDWR);
    if fd < 0 {
        die!("%s: cannot open sharedfd for writing", s);
    }
    let pid = fork();
    let mut b = [if pid == 0 { b'c' } else { b'p' }; SZ];
    for _ in 0..N {
        if write(fd, &b) != SZ as i32 {
            die!("%s: write sharedfd failed\n", s);
        }
    }
    if pid == 0 {
        exit(0);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    if xstatus != 0 {
        exit(xstatus);
    }
    close(fd);
    let fd = open(c"sharedfd", O_RDONLY);
    if fd < 0 {
        die!("%s: cannot open sharedfd for reading\n", s);
    }
    let (mut nc, mut np) = (0, 0);
    while read(fd, &mut b) > 0 {
        nc += b.iter().filter(|&&c| c == b'c').count() as i32;
        np += b.iter().filter(|&&c| c == b'p').count() as i32;
    }
    close(fd);
    unlink(c"sharedfd");
    if nc != N * SZ as i32 || np != N * SZ as i32 {
        die!("%s: nc/np test fails\n", s);
    }
    exit(0);
}

/// Writes that are larger than the log.
pub fn bigwrite(s: &str) {
    unlink(c"bigwrite");
    let mut sz = 499;
    while sz < BUFSZ {
        let fd = open(c"bigwrite", O_CREATE | O_RDWR);
        if fd < 0 {
            die!("%s: cannot create bigwrite\n", s);
        }
        for _ in 0..2 {
            let cc = write(fd, &buf()[..sz]);
            if cc != sz as i32 {
                die!("%s: write(%d) ret %d\n", s, sz, cc);
            }
        }
        close(fd);
        unlink(c"bigwrite");
        sz += 471;
    }
}

pub fn bigfile(s: &str) {
    const N: usize = 20;
    const SZ: usize = 600;
    unlink(c"bigfile.dat");
    let fd = open(c"bigfile.dat", O_CREATE | O_RDWR);
    if fd < 0 {
        die!("%s: cannot create bigfile", s);
    }
    let b = buf();
    for i in 0..N {
        b[..SZ].fill(i as u8);
        if write(fd, &b[..SZ]) != SZ as i32 {
            die!("%s: write bigfile failed\n", s);
        }
    }
    close(fd);

    let fd = open(c"bigfile.dat", O_RDONLY);
    if fd < 0 {
        die!("%s: cannot open bigfile\n", s);
    }
    let mut total = 0;
    let mut i = 0;
    loop {
        let cc = read(fd, &mut b[..SZ / 2]);
        if cc < 0 {
            die!("%s: read bigfile failed\n", s);
        }
        if cc == 0 {
            break;
        }
        if cc != (SZ / 2) as i32 {
            die!("%s: short read bigfile\n", s);
        }
        if b[0] as usize != i / 2 || b[SZ / 2 - 1] as usize != i / 2 {
            die!("%s: read bigfile wrong data\n", s);
        }
        total += cc;
        i += 1;
    }
    close(fd);
    if total != (N * SZ) as i32 {
        die!("%s: read bigfile wrong total\n", s);
    }
    unlink(c"bigfile.dat");
}
