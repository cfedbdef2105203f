// forktest: test that fork fails gracefully. Tiny, so that the limit can be the
// process table.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

const N: i32 = 1000;

fn forktest() {
    write(1, b"fork test\n");
    let mut n = 0;
    while n < N {
        let pid = fork();
        if pid < 0 {
            break;
        }
        if pid == 0 {
            exit(0);
        }
        n += 1;
    }
    if n == N {
        write(1, b"fork claimed to work N times!\n");
        exit(1);
    }
    while n > 0 {
        if wait(None) < 0 {
            write(1, b"wait stopped early\n");
            exit(1);
        }
        n -= 1;
    }
    if wait(None) != -1 {
        write(1, b"wait got too many\n");
        exit(1);
    }
    write(1, b"fork test OK\n");
}

fn main(_args: Args) -> i32 {
    forktest();
    0
}
