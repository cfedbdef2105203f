// wc: count lines, words and bytes.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn wc(fd: i32, name: &[u8]) {
    let mut buf = [0u8; 512];
    let (mut l, mut w, mut c) = (0i32, 0i32, 0i32);
    let mut inword = false;
    let n = loop {
        let n = read(fd, &mut buf);
        if n <= 0 {
            break n;
        }
        for &b in &buf[..n as usize] {
            c += 1;
            if b == b'\n' {
                l += 1;
            }
            if b" \r\t\n\x0b".contains(&b) {
                inword = false;
            } else if !inword {
                w += 1;
                inword = true;
            }
        }
    };
    if n < 0 {
        printf!("wc: read error\n");
        exit(1);
    }
    printf!("%d %d %d %s\n", l, w, c, name);
}

fn main(args: Args) -> i32 {
    if args.len() <= 1 {
        wc(0, b"");
        return 0;
    }
    for a in args.iter().skip(1) {
        let fd = open(a, O_RDONLY);
        if fd < 0 {
            printf!("wc: cannot open %s\n", a);
            exit(1);
        }
        wc(fd, a.to_bytes());
        close(fd);
    }
    0
}
