// usertests: directory tests (subdirectories, . and .., long names, inode references).

use crate::{buf, die, name};
use abi::param::NINODE;
use ulib::*;

pub fn subdir(s: &str) {
    unlink(c"ff");
    if mkdir(c"dd") != 0 {
        die!("%s: mkdir dd failed\n", s);
    }
    let fd = open(c"dd/ff", O_CREATE | O_RDWR);
    if fd < 0 {
        die!("%s: create dd/ff failed\n", s);
    }
    write(fd, b"ff");
    close(fd);

    if unlink(c"dd") >= 0 {
        die!("%s: unlink dd (non-empty dir) succeeded!\n", s);
    }
    if mkdir(c"/dd/dd") != 0 {
        die!("subdir mkdir dd/dd failed\n");
    }
    let fd = open(c"dd/dd/ff", O_CREATE | O_RDWR);
    if fd < 0 {
        die!("%s: create dd/dd/ff failed\n", s);
    }
    write(fd, b"FF");
    close(fd);

    let fd = open(c"dd/dd/../ff", O_RDONLY);
    if fd < 0 {
        die!("%s: open dd/dd/../ff failed\n", s);
    }
    let cc = read(fd, buf());
    if cc != 2 || buf()[0] != b'f' {
        die!("%s: dd/dd/../ff wrong content\n", s);
    }
    close(fd);

    if link(c"dd/dd/ff", c"dd/dd/ffff") != 0 {
        die!("link dd/dd/ff dd/dd/ffff failed\n");
    }
    if unlink(c"dd/dd/ff") != 0 {
        die!("%s: unlink dd/dd/ff failed\n", s);
    }
    if open(c"dd/dd/ff", O_RDONLY) >= 0 {
        die!("%s: open (unlinked) dd/dd/ff succeeded\n", s);
    }

    if chdir(c"dd") != 0 {
        die!("%s: chdir dd failed\n", s);
    }
    if chdir(c"dd/../../dd") != 0 {
        die!("%s: chdir dd/../../dd failed\n", s);
    }
    if chdir(c"dd/../../../dd") != 0 {
        die!("chdir dd/../../dd failed\n");
    }
    if chdir(c"./..") != 0 {
        die!("%s: chdir ./.. failed\n", s);
    }

    let fd = open(c"dd/dd/ffff", O_RDONLY);
    if fd < 0 {
        die!("%s: open dd/dd/ffff failed\n", s);
    }
    if read(fd, buf()) != 2 {
        die!("%s: read dd/dd/ffff wrong len\n", s);
    }
    close(fd);

    if open(c"dd/dd/ff", O_RDONLY) >= 0 {
        die!("%s: open (unlinked) dd/dd/ff succeeded!\n", s);
    }
    if open(c"dd/ff/ff", O_CREATE | O_RDWR) >= 0 {
        die!("%s: create dd/ff/ff succeeded!\n", s);
    }
    if open(c"dd/xx/ff", O_CREATE | O_RDWR) >= 0 {
        die!("%s: create dd/xx/ff succeeded!\n", s);
    }
    if open(c"dd", O_CREATE) >= 0 {
        die!("%s: create dd succeeded!\n", s);
    }
    if open(c"dd", O_RDWR) >= 0 {
        die!("%s: open dd rdwr succeeded!\n", s);
    }
    if open(c"dd", O_WRONLY) >= 0 {
        die!("%s: open dd wronly succeeded!\n", s);
    }
    if link(c"dd/ff/ff", c"dd/dd/xx") == 0 {
        die!("%s: link dd/ff/ff dd/dd/xx succeeded!\n", s);
    }
    if link(c"dd/xx/ff", c"dd/dd/xx") == 0 {
        die!("%s: link dd/xx/ff dd/dd/xx succeeded!\n", s);
    }
    if link(c"dd/ff", c"dd/dd/ffff") == 0 {
        die!("%s: link dd/ff dd/dd/ffff succeeded!\n", s);
    }
    if mkdir(c"dd/ff/ff") == 0 {
        die!("%s: mkdir dd/ff/ff succeeded!\n", s);
    }
    if mkdir(c"dd/xx/ff") == 0 {
        die!("%s: mkdir dd/xx/ff succeeded!\n", s);
    }
    if mkdir(c"dd/dd/ffff") == 0 {
        die!("%s: mkdir dd/dd/ffff succeeded!\n", s);
    }
    if unlink(c"dd/xx/ff") == 0 {
        die!("%s: unlink dd/xx/ff succeeded!\n", s);
    }
    if unlink(c"dd/ff/ff") == 0 {
        die!("%s: unlink dd/ff/ff succeeded!\n", s);
    }
    if chdir(c"dd/ff") == 0 {
        die!("%s: chdir dd/ff succeeded!\n", s);
    }
    if chdir(c"dd/xx") == 0 {
        die!("%s: chdir dd/xx succeeded!\n", s);
    }

    if unlink(c"dd/dd/ffff") != 0 {
        die!("%s: unlink dd/dd/ff failed\n", s);
    }
    if unlink(c"dd/ff") != 0 {
        die!("%s: unlink dd/ff failed\n", s);
    }
    if unlink(c"dd") == 0 {
        die!("%s: unlink non-empty dd succeeded!\n", s);
    }
    if unlink(c"dd/dd") < 0 {
        die!("%s: unlink dd/dd failed\n", s);
    }
    if unlink(c"dd") < 0 {
        die!("%s: unlink dd failed\n", s);
    }
}

pub fn dirtest(s: &str) {
    if mkdir(c"dir0") < 0 {
        die!("%s: mkdir failed\n", s);
    }
    if chdir(c"dir0") < 0 {
        die!("%s: chdir dir0 failed\n", s);
    }
    if chdir(c"..") < 0 {
        die!("%s: chdir .. failed\n", s);
    }
    if unlink(c"dir0") < 0 {
        die!("%s: unlink dir0 failed\n", s);
    }
}

/// Does chdir() call iput(p->cwd) in a transaction?
pub fn iputtest(s: &str) {
    if mkdir(c"iputdir") < 0 {
        die!("%s: mkdir failed\n", s);
    }
    if chdir(c"iputdir") < 0 {
        die!("%s: chdir iputdir failed\n", s);
    }
    if unlink(c"../iputdir") < 0 {
        die!("%s: unlink ../iputdir failed\n", s);
    }
    if chdir(c"/") < 0 {
        die!("%s: chdir / failed\n", s);
    }
}

/// Does exit() call iput(p->cwd) in a transaction?
pub fn exitiputtest(s: &str) {
    let pid = fork();
    if pid < 0 {
        die!("%s: fork failed\n", s);
    }
    if pid == 0 {
        if mkdir(c"iputdir") < 0 {
            die!("%s: mkdir failed\n", s);
        }
        if chdir(c"iputdir") < 0 {
            die!("%s: child chdir failed\n", s);
        }
        if unlink(c"../iputdir") < 0 {
            die!("%s: unlink ../iputdir failed\n", s);
        }
        exit(0);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    exit(xstatus);
}

/// Does the error path in open() for an attempt to write a directory call iput() in
/// a transaction?
pub fn openiputtest(s: &str) {
    if mkdir(c"oidir") < 0 {
        die!("%s: mkdir oidir failed\n", s);
    }
    let pid = fork();
    if pid < 0 {
        die!("%s: fork failed\n", s);
    }
    if pid == 0 {
        let fd = open(c"oidir", O_RDWR);
        if fd >= 0 {
            die!("%s: open directory for write succeeded\n", s);
        }
        exit(0);
    }
    sleep(1);
    if unlink(c"oidir") != 0 {
        die!("%s: unlink failed\n", s);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    exit(xstatus);
}

pub fn rmdot(s: &str) {
    if mkdir(c"dots") != 0 {
        die!("%s: mkdir dots failed\n", s);
    }
    if chdir(c"dots") != 0 {
        die!("%s: chdir dots failed\n", s);
    }
    if unlink(c".") == 0 {
        die!("%s: rm . worked!\n", s);
    }
    if unlink(c"..") == 0 {
        die!("%s: rm .. worked!\n", s);
    }
    if chdir(c"/") != 0 {
        die!("%s: chdir / failed\n", s);
    }
    if unlink(c"dots/.") == 0 {
        die!("%s: unlink dots/. worked!\n", s);
    }
    if unlink(c"dots/..") == 0 {
        die!("%s: unlink dots/.. worked!\n", s);
    }
    if unlink(c"dots") != 0 {
        die!("%s: unlink dots failed!\n", s);
    }
}

/// Names are cut to DIRSIZ (14).
pub fn fourteen(s: &str) {
    if mkdir(c"12345678901234") != 0 {
        die!("%s: mkdir 12345678901234 failed\n", s);
    }
    if mkdir(c"12345678901234/123456789012345") != 0 {
        die!("%s: mkdir 12345678901234/123456789012345 failed\n", s);
    }
    let fd = open(c"123456789012345/123456789012345/123456789012345", O_CREATE);
    if fd < 0 {
        die!(
            "%s: create 123456789012345/123456789012345/123456789012345 failed\n",
            s
        );
    }
    close(fd);
    let fd = open(c"12345678901234/12345678901234/12345678901234", O_RDONLY);
    if fd < 0 {
        die!(
            "%s: open 12345678901234/12345678901234/12345678901234 failed\n",
            s
        );
    }
    close(fd);
    if mkdir(c"12345678901234/12345678901234") == 0 {
        die!("%s: mkdir 12345678901234/12345678901234 succeeded!\n", s);
    }
    if mkdir(c"123456789012345/12345678901234") == 0 {
        die!("%s: mkdir 12345678901234/123456789012345 succeeded!\n", s);
    }
    // Clean up.
    unlink(c"123456789012345/12345678901234");
    unlink(c"12345678901234/12345678901234");
    unlink(c"12345678901234/12345678901234/12345678901234");
    unlink(c"123456789012345/123456789012345/123456789012345");
    unlink(c"12345678901234/123456789012345");
    unlink(c"12345678901234");
}

pub fn dirfile(s: &str) {
    let fd = open(c"dirfile", O_CREATE);
    if fd < 0 {
        die!("%s: create dirfile failed\n", s);
    }
    close(fd);
    if chdir(c"dirfile") == 0 {
        die!("%s: chdir dirfile succeeded!\n", s);
    }
    if open(c"dirfile/xx", O_RDONLY) >= 0 {
        die!("%s: create dirfile/xx succeeded!\n", s);
    }
    if open(c"dirfile/xx", O_CREATE) >= 0 {
        die!("%s: create dirfile/xx succeeded!\n", s);
    }
    if mkdir(c"dirfile/xx") == 0 {
        die!("%s: mkdir dirfile/xx succeeded!\n", s);
    }
    if unlink(c"dirfile/xx") == 0 {
        die!("%s: unlink dirfile/xx succeeded!\n", s);
    }
    if link(c"README", c"dirfile/xx") == 0 {
        die!("%s: link to dirfile/xx succeeded!\n", s);
    }
    if unlink(c"dirfile") != 0 {
        die!("%s: unlink dirfile failed!\n", s);
    }
    if open(c".", O_RDWR) >= 0 {
        die!("%s: open . for writing succeeded!\n", s);
    }
    let fd = open(c".", O_RDONLY);
    if write(fd, b"x") > 0 {
        die!("%s: write . succeeded!\n", s);
    }
    close(fd);
}

/// iput() is called at the end of namei(); also tests empty file names.
pub fn iref(s: &str) {
    for _ in 0..NINODE + 1 {
        if mkdir(c"irefd") != 0 {
            die!("%s: mkdir irefd failed\n", s);
        }
        if chdir(c"irefd") != 0 {
            die!("%s: chdir irefd failed\n", s);
        }
        mkdir(c"");
        link(c"README", c"");
        let fd = open(c"", O_CREATE);
        if fd >= 0 {
            close(fd);
        }
        let fd = open(c"xx", O_CREATE);
        if fd >= 0 {
            close(fd);
        }
        unlink(c"xx");
    }
    // Clean up.
    for _ in 0..NINODE + 1 {
        chdir(c"..");
        unlink(c"irefd");
    }
    chdir(c"/");
}

/// A directory that uses indirect blocks.
pub fn bigdir(s: &str) {
    const N: u32 = 500;
    unlink(c"bd");
    let fd = open(c"bd", O_CREATE);
    if fd < 0 {
        die!("%s: bigdir create failed\n", s);
    }
    close(fd);
    let nm = |i: u32| name(&[b'x', b'0' + (i / 64) as u8, b'0' + (i % 64) as u8]);
    for i in 0..N {
        if link(c"bd", nm(i).as_cstr()) != 0 {
            die!("%s: bigdir link(bd, %s) failed\n", s, nm(i).as_bytes());
        }
    }
    unlink(c"bd");
    for i in 0..N {
        if unlink(nm(i).as_cstr()) != 0 {
            die!("%s: bigdir unlink failed", s);
        }
    }
}
