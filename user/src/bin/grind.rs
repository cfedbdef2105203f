// grind: run random system calls in parallel forever.
#![no_std]
#![no_main]

extern crate alloc;

use ulib::*;

entry!(main);

/// Park and Miller's minimal standard generator, as FreeBSD's do_rand: returns a
/// value in [0, 0x7ffffffd] and advances ctx.
fn do_rand(ctx: &mut u64) -> i32 {
    // Transform to [1, 0x7ffffffe]; compute (7^5 * x) mod (2^31 - 1) without overflow.
    let x = (*ctx % 0x7fff_fffe) as i64 + 1;
    let (hi, lo) = (x / 127773, x % 127773);
    let mut x = 16807 * lo - 2836 * hi;
    if x < 0 {
        x += 0x7fff_ffff;
    }
    x -= 1; // Transform to [0, 0x7ffffffd].
    *ctx = x as u64;
    x as i32
}

fn fail(msg: &str) -> ! {
    printf!("%s", msg);
    exit(1)
}

/// fork, or exit(1) with grind's message.
fn fork_or_die() -> i32 {
    let pid = fork();
    if pid < 0 {
        fail("grind: fork failed\n");
    }
    pid
}

fn go(which_child: i32, mut rand_next: u64) -> ! {
    let mut fd = -1;
    let mut buf = alloc::vec![0u8; 999];
    let break0 = sbrk(0);
    let mut iters: u64 = 0;

    mkdir(c"grindir");
    if chdir(c"grindir") != 0 {
        fail("grind: chdir grindir failed\n");
    }
    chdir(c"/");

    loop {
        iters += 1;
        if iters.is_multiple_of(500) {
            write(1, if which_child != 0 { b"B" } else { b"A" });
        }
        match do_rand(&mut rand_next) % 23 {
            1 => {
                close(open(c"grindir/../a", O_CREATE | O_RDWR));
            }
            2 => {
                close(open(c"grindir/../grindir/../b", O_CREATE | O_RDWR));
            }
            3 => {
                unlink(c"grindir/../a");
            }
            4 => {
                if chdir(c"grindir") != 0 {
                    fail("grind: chdir grindir failed\n");
                }
                unlink(c"../b");
                chdir(c"/");
            }
            5 => {
                close(fd);
                fd = open(c"/grindir/../a", O_CREATE | O_RDWR);
            }
            6 => {
                close(fd);
                fd = open(c"/./grindir/./../b", O_CREATE | O_RDWR);
            }
            7 => {
                write(fd, &buf);
            }
            8 => {
                read(fd, &mut buf);
            }
            9 => {
                mkdir(c"grindir/../a");
                close(open(c"a/../a/./a", O_CREATE | O_RDWR));
                unlink(c"a/a");
            }
            10 => {
                mkdir(c"/../b");
                close(open(c"grindir/../b/b", O_CREATE | O_RDWR));
                unlink(c"b/b");
            }
            11 => {
                unlink(c"b");
                link(c"../grindir/./../a", c"../b");
            }
            12 => {
                unlink(c"../grindir/../a");
                link(c".././b", c"/grindir/../a");
            }
            13 => {
                if fork_or_die() == 0 {
                    exit(0);
                }
                wait(None);
            }
            14 => {
                if fork_or_die() == 0 {
                    fork();
                    fork();
                    exit(0);
                }
                wait(None);
            }
            15 => {
                sbrk(6011);
            }
            16 if sbrk(0) > break0 => {
                sbrk(-((sbrk(0) - break0) as i32));
            }
            17 => {
                let pid = fork_or_die();
                if pid == 0 {
                    close(open(c"a", O_CREATE | O_RDWR));
                    exit(0);
                }
                if chdir(c"../grindir/..") != 0 {
                    fail("grind: chdir failed\n");
                }
                kill(pid);
                wait(None);
            }
            18 => {
                if fork_or_die() == 0 {
                    kill(getpid());
                    exit(0);
                }
                wait(None);
            }
            19 => {
                let mut fds = [0i32; 2];
                if pipe(&mut fds) < 0 {
                    fail("grind: pipe failed\n");
                }
                if fork_or_die() == 0 {
                    fork();
                    fork();
                    if write(fds[1], b"x") != 1 {
                        printf!("grind: pipe write failed\n");
                    }
                    let mut c = [0u8];
                    if read(fds[0], &mut c) != 1 {
                        printf!("grind: pipe read failed\n");
                    }
                    exit(0);
                }
                close(fds[0]);
                close(fds[1]);
                wait(None);
            }
            20 => {
                if fork_or_die() == 0 {
                    unlink(c"a");
                    mkdir(c"a");
                    chdir(c"a");
                    unlink(c"../a");
                    open(c"x", O_CREATE | O_RDWR);
                    unlink(c"x");
                    exit(0);
                }
                wait(None);
            }
            21 => check_create(),
            22 => echo_pipeline(),
            _ => {}
        }
    }
}

/// Creating a file should always succeed: there are free inodes, descriptors, blocks.
fn check_create() {
    unlink(c"c");
    let fd1 = open(c"c", O_CREATE | O_RDWR);
    if fd1 < 0 {
        fail("grind: create c failed\n");
    }
    if write(fd1, b"x") != 1 {
        fail("grind: write c failed\n");
    }
    let mut st = Stat::default();
    if fstat(fd1, &mut st) != 0 {
        fail("grind: fstat failed\n");
    }
    if st.size != 1 {
        printf!("grind: fstat reports wrong size %d\n", st.size as i32);
        exit(1);
    }
    if st.ino > 200 {
        printf!("grind: fstat reports crazy i-number %d\n", st.ino);
        exit(1);
    }
    close(fd1);
    unlink(c"c");
}

/// echo hi | cat, by hand.
fn echo_pipeline() {
    let (mut aa, mut bb) = ([0i32; 2], [0i32; 2]);
    if pipe(&mut aa) < 0 || pipe(&mut bb) < 0 {
        fprintf!(2, "grind: pipe failed\n");
        exit(1);
    }
    let pid1 = fork();
    if pid1 == 0 {
        close(bb[0]);
        close(bb[1]);
        close(aa[0]);
        close(1);
        if dup(aa[1]) != 1 {
            fprintf!(2, "grind: dup failed\n");
            exit(1);
        }
        close(aa[1]);
        exec(c"grindir/../echo", &[c"echo", c"hi"]);
        fprintf!(2, "grind: echo: not found\n");
        exit(2);
    } else if pid1 < 0 {
        fprintf!(2, "grind: fork failed\n");
        exit(3);
    }
    let pid2 = fork();
    if pid2 == 0 {
        close(aa[1]);
        close(bb[0]);
        close(0);
        if dup(aa[0]) != 0 {
            fprintf!(2, "grind: dup failed\n");
            exit(4);
        }
        close(aa[0]);
        close(1);
        if dup(bb[1]) != 1 {
            fprintf!(2, "grind: dup failed\n");
            exit(5);
        }
        close(bb[1]);
        exec(c"/cat", &[c"cat"]);
        fprintf!(2, "grind: cat: not found\n");
        exit(6);
    } else if pid2 < 0 {
        fprintf!(2, "grind: fork failed\n");
        exit(7);
    }
    close(aa[0]);
    close(aa[1]);
    close(bb[1]);
    let mut buf = [0u8; 4];
    for i in 0..3 {
        read(bb[0], &mut buf[i..i + 1]);
    }
    close(bb[0]);
    let (mut st1, mut st2) = (0, 0);
    wait(Some(&mut st1));
    wait(Some(&mut st2));
    if st1 != 0 || st2 != 0 || strbytes(&buf) != b"hi\n" {
        printf!(
            "grind: exec pipeline failed %d %d \"%s\"\n",
            st1,
            st2,
            &buf[..]
        );
        exit(1);
    }
}

fn iter() -> ! {
    unlink(c"a");
    unlink(c"b");

    let pid1 = fork_or_die();
    if pid1 == 0 {
        go(0, 31);
    }
    let pid2 = fork_or_die();
    if pid2 == 0 {
        go(1, 7177);
    }
    let mut st1 = -1;
    wait(Some(&mut st1));
    if st1 != 0 {
        kill(pid1);
        kill(pid2);
    }
    let mut st2 = -1;
    wait(Some(&mut st2));
    exit(0)
}

fn main(_args: Args) -> i32 {
    loop {
        let pid = fork();
        if pid == 0 {
            iter();
        }
        if pid > 0 {
            wait(None);
        }
        sleep(20);
    }
}
