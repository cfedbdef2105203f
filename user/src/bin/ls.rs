// ls: list files, xv6's format: name padded to DIRSIZ, type, inode number, size.
#![no_std]
#![no_main]

use abi::fs::{Dirent, DIRSIZ};
use ulib::*;

entry!(main);

/// The last path component, blank-padded to DIRSIZ (left as is when longer).
fn fmtname(path: &[u8]) -> CStrBuf<512> {
    let start = path.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
    let p = &path[start..];
    let mut b = CStrBuf::from(p);
    if p.len() < DIRSIZ {
        while b.len() < DIRSIZ {
            b.push_byte(b' ');
        }
    }
    b
}

fn ls(path: &CStr) {
    let fd = open(path, O_RDONLY);
    if fd < 0 {
        fprintf!(2, "ls: cannot open %s\n", path);
        return;
    }
    let mut st = Stat::default();
    if fstat(fd, &mut st) < 0 {
        fprintf!(2, "ls: cannot stat %s\n", path);
        close(fd);
        return;
    }
    match st.typ {
        T_FILE => {
            let name = fmtname(path.to_bytes());
            printf!("%s %d %d %l\n", name.as_bytes(), st.typ, st.ino, st.size);
        }
        T_DIR => {
            let mut buf = CStrBuf::<512>::new();
            if path.to_bytes().len() + 1 + DIRSIZ + 1 > 512 {
                printf!("ls: path too long\n");
            } else {
                buf.push(path.to_bytes());
                buf.push_byte(b'/');
                let base = buf.len();
                let mut de = [0u8; core::mem::size_of::<Dirent>()];
                while read(fd, &mut de) == de.len() as i32 {
                    if de[0] == 0 && de[1] == 0 {
                        continue;
                    }
                    buf.truncate(base);
                    buf.push(&de[2..]);
                    if stat(buf.as_cstr(), &mut st) < 0 {
                        printf!("ls: cannot stat %s\n", buf.as_bytes());
                        continue;
                    }
                    let name = fmtname(buf.as_bytes());
                    printf!("%s %d %d %d\n", name.as_bytes(), st.typ, st.ino, st.size);
                }
            }
        }
        _ => {}
    }
    close(fd);
}

fn main(args: Args) -> i32 {
    if args.len() < 2 {
        ls(c".");
        return 0;
    }
    for a in args.iter().skip(1) {
        ls(a);
    }
    0
}
