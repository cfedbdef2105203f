// forkstorm [rounds] [workers]: workers fork, exec, orphan and exit children as fast
// as they can for the given number of rounds; then every page must be free again.
#![no_std]
#![no_main]

use core::ptr::write_volatile;
use ulib::*;

entry!(main);

const PGSIZE: usize = 4096;
const ROUNDS: i32 = 20;
const WORKERS: i32 = 4;
/// Heap pages the main process grows before the storm, shared by everyone.
const HEAP_PAGES: usize = 4;
/// Ticks to wait for init to reap the last orphans.
const SETTLE_TICKS: i32 = 200;

fn fail(what: &str) -> ! {
    printf!("forkstorm: FAILED: %s\n", what);
    exit(1)
}

fn check(ok: bool, what: &str) {
    if !ok {
        fail(what);
    }
}

fn xfork() -> i32 {
    let pid = fork();
    check(pid >= 0, "fork");
    pid
}

/// Waits for child `pid` and requires exit status `want`.
fn reap(pid: i32, want: i32) {
    let mut status = -1;
    check(wait(Some(&mut status)) == pid, "wait");
    check(status == want, "child's exit status");
}

/// Writes v into the first `pages` pages from `base` (COW faults when shared).
fn touch(base: usize, pages: usize, v: u8) {
    for a in (base..base + pages * PGSIZE).step_by(PGSIZE) {
        // SAFETY: the caller owns these pages (the shared heap or its own sbrk).
        unsafe { write_volatile(a as *mut u8, v) };
    }
}

/// One worker's storm: each round forks in one of four shapes, chosen by round.
fn worker(w: i32, rounds: i32, heap: usize, argv0: &CStr) -> ! {
    for r in 0..rounds {
        let v = (w * rounds + r) as u8;
        match (w + r) % 4 {
            0 => {
                // A child writes the shared heap and exits with a status.
                let pid = xfork();
                if pid == 0 {
                    touch(heap, HEAP_PAGES, v);
                    exit(r);
                }
                touch(heap, 1, v);
                reap(pid, r);
            }
            1 => {
                // A child execs a leaf that grows its own memory.
                let pid = xfork();
                if pid == 0 {
                    exec(argv0, &[argv0, c"leaf"]);
                    fail("exec");
                }
                reap(pid, 0);
            }
            2 => {
                // A child leaves an orphan writing the heap for init to reap.
                let pid = xfork();
                if pid == 0 {
                    if xfork() == 0 {
                        touch(heap, HEAP_PAGES, v);
                        exit(0);
                    }
                    exit(0);
                }
                reap(pid, 0);
            }
            _ => {
                // Two children at once, one writing, one exiting at once.
                let a = xfork();
                if a == 0 {
                    touch(heap, 2, v);
                    exit(0);
                }
                let b = xfork();
                if b == 0 {
                    exit(0);
                }
                for _ in 0..2 {
                    let mut status = -1;
                    let pid = wait(Some(&mut status));
                    check((pid == a || pid == b) && status == 0, "wait for two");
                }
            }
        }
    }
    exit(0)
}

/// The exec'd leaf: grows, writes and exits.
fn leaf() -> i32 {
    let p = sbrk((2 * PGSIZE) as i32);
    check(p != usize::MAX, "leaf sbrk");
    touch(p, 2, 1);
    0
}

/// argv[i] as a number, or `dflt` when absent.
fn number(args: &Args, i: usize, dflt: i32) -> i32 {
    match args.arg(i) {
        [] => dflt,
        s => atoi(s),
    }
}

fn main(args: Args) -> i32 {
    if args.arg(1) == b"leaf" {
        return leaf();
    }
    let rounds = number(&args, 1, ROUNDS);
    let workers = number(&args, 2, WORKERS);
    let argv0 = args.get(0).unwrap_or(c"forkstorm");
    let heap = sbrk((HEAP_PAGES * PGSIZE) as i32);
    check(heap != usize::MAX, "sbrk");
    touch(heap, HEAP_PAGES, 0);
    let base = freepages();

    for w in 0..workers {
        if xfork() == 0 {
            worker(w, rounds, heap, argv0);
        }
    }
    for _ in 0..workers {
        let mut status = -1;
        check(wait(Some(&mut status)) > 0, "wait for a worker");
        check(status == 0, "a worker failed");
    }
    for _ in 0..SETTLE_TICKS {
        if freepages() == base {
            printf!("forkstorm: ok\n");
            return 0;
        }
        sleep(1);
    }
    fail("pages lost")
}
