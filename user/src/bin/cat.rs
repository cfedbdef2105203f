// cat: copy files (or standard input) to standard output.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn cat(fd: i32) {
    let mut buf = [0u8; 512];
    loop {
        let n = read(fd, &mut buf);
        if n <= 0 {
            if n < 0 {
                fprintf!(2, "cat: read error\n");
                exit(1);
            }
            return;
        }
        if write(1, &buf[..n as usize]) != n {
            fprintf!(2, "cat: write error\n");
            exit(1);
        }
    }
}

fn main(args: Args) -> i32 {
    if args.len() <= 1 {
        cat(0);
        return 0;
    }
    for a in args.iter().skip(1) {
        let fd = open(a, O_RDONLY);
        if fd < 0 {
            fprintf!(2, "cat: cannot open %s\n", a);
            exit(1);
        }
        cat(fd);
        close(fd);
    }
    0
}
