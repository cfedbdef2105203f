// usertests: process tests (fork, exit, wait, kill, exec, pipes, preemption).

use crate::{buf, die, BUFSZ};
use abi::param::MAXARG;
use ulib::*;

/// Regression test: does reparent() violate the parent-then-child locking order when
/// giving away a child to init, so that exit() deadlocks against init's wait()?
pub fn reparent2(_s: &str) {
    for _ in 0..800 {
        let pid1 = fork();
        if pid1 < 0 {
            die!("fork failed\n");
        }
        if pid1 == 0 {
            fork();
            fork();
            exit(0);
        }
        wait(None);
    }
    exit(0);
}

/// Races in the reparenting code that handles a parent exiting with live children.
pub fn reparent(s: &str) {
    let master_pid = getpid();
    for _ in 0..200 {
        let pid = fork();
        if pid < 0 {
            die!("%s: fork failed\n", s);
        }
        if pid != 0 {
            if wait(None) != pid {
                die!("%s: wait wrong pid\n", s);
            }
        } else {
            let pid2 = fork();
            if pid2 < 0 {
                kill(master_pid);
                exit(1);
            }
            exit(0);
        }
    }
    exit(0);
}

/// What if two children exit() at the same time?
pub fn twochildren(s: &str) {
    for _ in 0..1000 {
        let pid1 = fork();
        if pid1 < 0 {
            die!("%s: fork failed\n", s);
        }
        if pid1 == 0 {
            exit(0);
        }
        let pid2 = fork();
        if pid2 < 0 {
            die!("%s: fork failed\n", s);
        }
        if pid2 == 0 {
            exit(0);
        }
        wait(None);
        wait(None);
    }
}

/// Concurrent forks to try to expose locking bugs.
pub fn forkfork(s: &str) {
    const N: usize = 2;
    for _ in 0..N {
        let pid = fork();
        if pid < 0 {
            die!("%s: fork failed", s);
        }
        if pid == 0 {
            for _ in 0..200 {
                let pid1 = fork();
                if pid1 < 0 {
                    exit(1);
                }
                if pid1 == 0 {
                    exit(0);
                }
                wait(None);
            }
            exit(0);
        }
    }
    for _ in 0..N {
        let mut xstatus = 0;
        wait(Some(&mut xstatus));
        if xstatus != 0 {
            die!("%s: fork in child failed", s);
        }
    }
}

pub fn forkforkfork(s: &str) {
    unlink(c"stopforking");
    let pid = fork();
    if pid < 0 {
        die!("%s: fork failed", s);
    }
    if pid == 0 {
        loop {
            let fd = open(c"stopforking", O_RDONLY);
            if fd >= 0 {
                exit(0);
            }
            if fork() < 0 {
                close(open(c"stopforking", O_CREATE | O_RDWR));
            }
        }
    }
    sleep(20); // two seconds
    close(open(c"stopforking", O_CREATE | O_RDWR));
    wait(None);
    sleep(10); // one second
}

pub fn exectest(s: &str) {
    let mut b = [0u8; 3];
    unlink(c"echo-ok");
    let pid = fork();
    if pid < 0 {
        die!("%s: fork failed\n", s);
    }
    if pid == 0 {
        close(1);
        let fd = open(c"echo-ok", O_CREATE | O_WRONLY);
        if fd < 0 {
            die!("%s: create failed\n", s);
        }
        if fd != 1 {
            die!("%s: wrong fd\n", s);
        }
        if exec(c"echo", &[c"echo", c"OK"]) < 0 {
            die!("%s: exec echo failed\n", s);
        }
        // Won't get here.
    }
    let mut xstatus = 0;
    if wait(Some(&mut xstatus)) != pid {
        printf!("%s: wait failed!\n", s);
    }
    if xstatus != 0 {
        exit(xstatus);
    }
    let fd = open(c"echo-ok", O_RDONLY);
    if fd < 0 {
        die!("%s: open failed\n", s);
    }
    if read(fd, &mut b[..2]) != 2 {
        die!("%s: read failed\n", s);
    }
    unlink(c"echo-ok");
    if b[0] == b'O' && b[1] == b'K' {
        exit(0);
    }
    die!("%s: wrong output\n", s);
}

/// Does exec return an error if the arguments are larger than a page, or does it
/// write below the stack and wreck the instructions and data?
pub fn bigargtest(s: &str) {
    unlink(c"bigarg-ok");
    let pid = fork();
    if pid == 0 {
        let mut big = [b' '; 221];
        big[..21].copy_from_slice(b"bigargs test: failed\n");
        big[220] = 0;
        let arg = CStr::from_bytes_with_nul(&big).unwrap_or(c"");
        let args = [arg; MAXARG - 1];
        exec(c"echo", &args);
        close(open(c"bigarg-ok", O_CREATE));
        exit(0);
    } else if pid < 0 {
        die!("%s: bigargtest: fork failed\n", s);
    }
    let mut xstatus = 0;
    wait(Some(&mut xstatus));
    if xstatus != 0 {
        exit(xstatus);
    }
    let fd = open(c"bigarg-ok", O_RDONLY);
    if fd < 0 {
        die!("%s: bigarg test failed!\n", s);
    }
    close(fd);
}

/// Simple fork and pipe read/write.
pub fn pipe1(s: &str) {
    const N: usize = 5;
    const SZ: usize = 1033;
    let mut fds = [0i32; 2];
    if pipe(&mut fds) != 0 {
        die!("%s: pipe() failed\n", s);
    }
    let pid = fork();
    let mut seq: u32 = 0;
    let b = buf();
    if pid == 0 {
        close(fds[0]);
        for _ in 0..N {
            for c in &mut b[..SZ] {
                *c = seq as u8;
                seq += 1;
            }
            if write(fds[1], &b[..SZ]) != SZ as i32 {
                die!("%s: pipe1 oops 1\n", s);
            }
        }
        exit(0);
    } else if pid > 0 {
        close(fds[1]);
        let mut total = 0;
        let mut cc = 1;
        loop {
            let n = read(fds[0], &mut b[..cc]);
            if n <= 0 {
                break;
            }
            for &c in &b[..n as usize] {
                if c != seq as u8 {
                    printf!("%s: pipe1 oops 2\n", s);
                    return;
                }
                seq += 1;
            }
            total += n;
            cc = (cc * 2).min(BUFSZ);
        }
        if total != (N * SZ) as i32 {
            die!("%s: pipe1 oops 3 total %d\n", s, total);
        }
        close(fds[0]);
        let mut xstatus = 0;
        wait(Some(&mut xstatus));
        exit(xstatus);
    } else {
        die!("%s: fork() failed\n", s);
    }
}

/// A killed child's exit status is -1.
pub fn killstatus(s: &str) {
    for _ in 0..100 {
        let pid1 = fork();
        if pid1 < 0 {
            die!("%s: fork failed\n", s);
        }
        if pid1 == 0 {
            loop {
                getpid();
            }
        }
        sleep(1);
        kill(pid1);
        let mut xst = 0;
        wait(Some(&mut xst));
        if xst != -1 {
            die!("%s: status should be -1\n", s);
        }
    }
    exit(0);
}

fn spin() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Meant to be run with at most two CPUs.
pub fn preempt(s: &str) {
    let pid1 = fork();
    if pid1 < 0 {
        die!("%s: fork failed", s);
    }
    if pid1 == 0 {
        spin();
    }
    let pid2 = fork();
    if pid2 < 0 {
        die!("%s: fork failed\n", s);
    }
    if pid2 == 0 {
        spin();
    }
    let mut pfds = [0i32; 2];
    pipe(&mut pfds);
    let pid3 = fork();
    if pid3 < 0 {
        die!("%s: fork failed\n", s);
    }
    if pid3 == 0 {
        close(pfds[0]);
        if write(pfds[1], b"x") != 1 {
            printf!("%s: preempt write error", s);
        }
        close(pfds[1]);
        spin();
    }
    close(pfds[1]);
    if read(pfds[0], buf()) != 1 {
        printf!("%s: preempt read error", s);
        return;
    }
    close(pfds[0]);
    printf!("kill... ");
    kill(pid1);
    kill(pid2);
    kill(pid3);
    printf!("wait... ");
    wait(None);
    wait(None);
    wait(None);
}

/// Try to find any races between exit and wait.
pub fn exitwait(s: &str) {
    for i in 0..100 {
        let pid = fork();
        if pid < 0 {
            die!("%s: fork failed\n", s);
        }
        if pid != 0 {
            let mut xstate = 0;
            if wait(Some(&mut xstate)) != pid {
                die!("%s: wait wrong pid\n", s);
            }
            if i != xstate {
                die!("%s: wait wrong exit status\n", s);
            }
        } else {
            exit(i);
        }
    }
}

/// Fork fails gracefully: inside the bigger usertests binary memory runs out first.
pub fn forktest(s: &str) {
    const N: i32 = 1000;
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
    if n == 0 {
        die!("%s: no fork at all!\n", s);
    }
    if n == N {
        die!("%s: fork claimed to work 1000 times!\n", s);
    }
    while n > 0 {
        if wait(None) < 0 {
            die!("%s: wait stopped early\n", s);
        }
        n -= 1;
    }
    if wait(None) != -1 {
        die!("%s: wait got too many\n", s);
    }
}
