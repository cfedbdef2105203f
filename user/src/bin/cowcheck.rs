// cowcheck: self-checking tests of copy-on-write fork and its page reference counts
// (exit orders, isolation of writes, copyout into COW pages, sbrk, exec), each of which
// leaves the free page count where it found it. `cowcheck free` prints that count.
#![no_std]
#![no_main]

use core::ptr::{addr_of_mut, read_volatile, write_volatile};
use ulib::*;

entry!(main);

const PGSIZE: usize = 4096;
/// Heap pages grown once at start, shared by every check.
const HEAP_PAGES: usize = 8;
/// Ticks to wait for init to reap orphans before calling a page lost.
const SETTLE_TICKS: i32 = 100;

/// Memory of its own pages.
#[repr(C, align(4096))]
struct Page<T>(T);

static mut DATA: Page<[u8; PGSIZE]> = Page([0x5a; PGSIZE]);
static mut BSS: Page<[u8; 2 * PGSIZE]> = Page([0; 2 * PGSIZE]);

/// A run of this process's memory: base address and length.
#[derive(Clone, Copy)]
struct Region(usize, usize);

impl Region {
    /// Stores v in every byte.
    fn fill(self, v: u8) {
        for a in self.0..self.0 + self.1 {
            // SAFETY: the region is memory of this process that nothing else references.
            unsafe { write_volatile(a as *mut u8, v) };
        }
    }

    /// True when every byte holds v.
    fn holds(self, v: u8) -> bool {
        // SAFETY: as in fill.
        (self.0..self.0 + self.1).all(|a| unsafe { read_volatile(a as *const u8) } == v)
    }

    /// Stores v in the first byte of every page (one COW fault per page).
    fn touch(self, v: u8) {
        for a in (self.0..self.0 + self.1).step_by(PGSIZE) {
            // SAFETY: as in fill.
            unsafe { write_volatile(a as *mut u8, v) };
        }
    }
}

/// The memory the checks write: stack, heap, data and bss.
struct Mem {
    all: [Region; 4],
    heap: Region,
}

impl Mem {
    fn fill(&self, v: u8) {
        self.all.iter().for_each(|r| r.fill(v));
    }

    fn holds(&self, v: u8) -> bool {
        self.all.iter().all(|r| r.holds(v))
    }
}

fn fail(what: &str) -> ! {
    printf!("FAILED: %s\n", what);
    exit(1)
}

fn check(ok: bool, what: &str) {
    if !ok {
        fail(what);
    }
}

fn passed(name: &str) {
    printf!("cowcheck %s: ok\n", name);
}

fn xfork() -> i32 {
    let pid = fork();
    check(pid >= 0, "fork");
    pid
}

fn xpipe() -> [i32; 2] {
    let mut fds = [0; 2];
    check(pipe(&mut fds) == 0, "pipe");
    fds
}

/// Waits for child `pid` and requires exit status 0.
fn reap(pid: i32, what: &str) {
    let mut status = -1;
    check(wait(Some(&mut status)) == pid, what);
    check(status == 0, what);
}

/// Sends one byte down fd.
fn signal(fd: i32) {
    check(write(fd, b"s") == 1, "signal");
}

/// Waits for one byte from fd.
fn await_signal(fd: i32) {
    let mut c = [0u8];
    check(read(fd, &mut c) == 1, "await signal");
}

/// Reads fd until every writer has closed it.
fn await_eof(fd: i32) {
    let mut c = [0u8];
    while read(fd, &mut c) > 0 {}
}

/// Waits (a tick at a time) for init to reap orphans until the free count is `base`.
fn settle(base: i32, what: &str) {
    for _ in 0..SETTLE_TICKS {
        if freepages() == base {
            return;
        }
        sleep(1);
    }
    fail(what);
}

/// The child writes and exits first; its parent reaps it, then writes its own pages,
/// which it again owns alone, at no cost in pages.
fn child_first(m: &Mem) {
    let base = freepages();
    let pid = xfork();
    if pid == 0 {
        m.fill(1);
        exit(0);
    }
    reap(pid, "child first: child");
    check(freepages() == base, "child first: pages lost");
    m.fill(2);
    check(
        freepages() == base,
        "child first: the sole owner's writes cost pages",
    );
    passed("child first");
}

/// The parent exits while its child still shares its pages; init reaps the orphan.
fn parent_first(m: &Mem) {
    let base = freepages();
    let fds = xpipe();
    let pid = xfork();
    if pid == 0 {
        if xfork() == 0 {
            close(fds[1]);
            await_eof(fds[0]);
            m.fill(3);
            check(m.holds(3), "parent first: orphan's memory");
            exit(0);
        }
        exit(0);
    }
    close(fds[0]);
    close(fds[1]);
    reap(pid, "parent first: parent");
    settle(base, "parent first: pages lost");
    passed("parent first");
}

/// Three generations: a grandchild reaped by its parent, another orphaned, and the
/// first process writing while they all share its pages.
fn grandchildren(m: &Mem) {
    let base = freepages();
    let fds = xpipe();
    let pid = xfork();
    if pid == 0 {
        let g1 = xfork();
        if g1 == 0 {
            m.fill(4);
            exit(0);
        }
        if xfork() == 0 {
            close(fds[1]);
            await_eof(fds[0]);
            check(
                !m.holds(6),
                "grandchildren: the child's writes reached the orphan",
            );
            m.heap.touch(5);
            exit(0);
        }
        reap(g1, "grandchildren: first grandchild");
        m.fill(6);
        exit(0);
    }
    close(fds[0]);
    close(fds[1]);
    m.fill(7);
    reap(pid, "grandchildren: child");
    settle(base, "grandchildren: pages lost");
    check(
        m.holds(7),
        "grandchildren: the descendants' writes reached the parent",
    );
    passed("grandchildren");
}

/// Writes in stack, heap, data and bss pages stay in the process that made them,
/// both ways.
fn isolation(m: &Mem) {
    let base = freepages();
    m.fill(10);
    let to_child = xpipe();
    let to_parent = xpipe();
    let pid = xfork();
    if pid == 0 {
        check(m.holds(10), "isolation: child sees the parent's memory");
        m.fill(11);
        signal(to_parent[1]);
        await_signal(to_child[0]);
        check(
            m.holds(11),
            "isolation: the parent's writes reached the child",
        );
        exit(0);
    }
    await_signal(to_parent[0]);
    check(
        m.holds(10),
        "isolation: the child's writes reached the parent",
    );
    m.fill(12);
    signal(to_child[1]);
    reap(pid, "isolation: child");
    check(m.holds(12), "isolation: parent's memory");
    for fd in to_child.into_iter().chain(to_parent) {
        close(fd);
    }
    check(freepages() == base, "isolation: pages lost");
    passed("isolation");
}

/// The kernel's copyout (pipe and file reads) into a COW page copies it first, so
/// the data lands only in the reader.
fn copyout() {
    let base = freepages();
    // SAFETY: BSS is only reached through raw pointers in this program.
    let buf = unsafe { addr_of_mut!(BSS.0) as *mut u8 };
    let page = Region(buf as usize, PGSIZE);
    // SAFETY: buf points to BSS's first page.
    let bytes = unsafe { core::slice::from_raw_parts_mut(buf, 8) };
    page.fill(b'x');
    let p = xpipe();
    let go = xpipe();

    // A child reads from a pipe into its copy.
    let pid = xfork();
    if pid == 0 {
        check(read(p[0], bytes) == 6, "copyout: child's pipe read");
        check(
            &bytes[..6] == b"parent" && bytes[6] == b'x',
            "copyout: child's data",
        );
        exit(0);
    }
    check(write(p[1], b"parent") == 6, "copyout: pipe write");
    reap(pid, "copyout: pipe into the child");
    check(
        page.holds(b'x'),
        "copyout: the child's pipe read reached the parent",
    );

    // The parent reads from a pipe while the child still shares the page.
    let pid = xfork();
    if pid == 0 {
        check(write(p[1], b"child!") == 6, "copyout: pipe write");
        await_signal(go[0]);
        check(
            page.holds(b'x'),
            "copyout: the parent's pipe read reached the child",
        );
        exit(0);
    }
    check(read(p[0], bytes) == 6, "copyout: parent's pipe read");
    check(&bytes[..6] == b"child!", "copyout: parent's data");
    signal(go[1]);
    reap(pid, "copyout: pipe into the parent");

    // A file read (readi's copyout) into the child's copy.
    page.fill(b'x');
    let pid = xfork();
    if pid == 0 {
        let fd = open(c"README", O_RDONLY);
        check(fd >= 0, "copyout: open README");
        check(read(fd, bytes) == 8, "copyout: file read");
        check(bytes == b"This is ", "copyout: file data");
        exit(0);
    }
    reap(pid, "copyout: file into the child");
    check(
        page.holds(b'x'),
        "copyout: the child's file read reached the parent",
    );
    for fd in p.into_iter().chain(go) {
        close(fd);
    }
    check(freepages() == base, "copyout: pages lost");
    passed("copyout");
}

/// sbrk'd memory is shared across fork: the first write to each page costs exactly
/// one page while another process shares it and none once the other process has its
/// own copy, whichever of parent and child writes first; a child's own sbrk and
/// shrink leave the parent's heap alone. Each process counts pages while the other
/// sleeps.
fn sbrk_shared(m: &Mem) {
    let base = freepages();
    m.heap.fill(20);
    let to_child = xpipe();
    let to_parent = xpipe();
    // Pages the first write of v to each heap page costs; then the whole heap holds v.
    let copies = |v: u8| {
        let f0 = freepages();
        m.heap.touch(v);
        let n = f0 - freepages();
        m.heap.fill(v);
        n
    };

    // The parent writes first.
    let pid = xfork();
    if pid == 0 {
        check(m.heap.holds(20), "sbrk: child sees the parent's heap");
        signal(to_parent[1]);
        await_signal(to_child[0]);
        check(
            copies(21) == 0,
            "sbrk: the child's writes to pages it owned alone cost pages",
        );
        check(m.heap.holds(21), "sbrk: child's heap");
        let more = sbrk(2 * PGSIZE as i32);
        check(more == m.heap.0 + m.heap.1, "sbrk: child's sbrk");
        Region(more, 2 * PGSIZE).fill(22);
        check(
            sbrk(-(3 * PGSIZE as i32)) == more + 2 * PGSIZE,
            "sbrk: child's shrink",
        );
        exit(0);
    }
    await_signal(to_parent[0]);
    check(copies(23) == HEAP_PAGES as i32, "sbrk: parent's copies");
    signal(to_child[1]);
    reap(pid, "sbrk: child");
    check(m.heap.holds(23), "sbrk: parent's heap");

    // The child writes first.
    let pid = xfork();
    if pid == 0 {
        await_signal(to_child[0]);
        check(copies(24) == HEAP_PAGES as i32, "sbrk: child's copies");
        signal(to_parent[1]);
        await_signal(to_child[0]);
        exit(0);
    }
    signal(to_child[1]);
    await_signal(to_parent[0]);
    check(
        copies(25) == 0,
        "sbrk: the parent's writes to pages it owned alone cost pages",
    );
    signal(to_child[1]);
    reap(pid, "sbrk: child");
    check(m.heap.holds(25), "sbrk: parent's heap");
    for fd in to_child.into_iter().chain(to_parent) {
        close(fd);
    }
    check(freepages() == base, "sbrk: pages lost");
    passed("sbrk");
}

/// Decimal digits of a non-negative n as a C string.
fn decimal(n: i32) -> CStrBuf<12> {
    let mut d = [0u8; 11];
    let mut i = d.len();
    let mut n = n.max(0) as u32;
    loop {
        i -= 1;
        d[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    CStrBuf::from(&d[i..])
}

/// A child that execs drops its references to the pages it shared: afterwards the
/// parent writes all of its memory at no cost in pages.
fn exec_releases(m: &Mem, argv0: &CStr) {
    let base = freepages();
    let ready = xpipe();
    let go = xpipe();
    let pid = xfork();
    if pid == 0 {
        let (w, r) = (decimal(ready[1]), decimal(go[0]));
        exec(argv0, &[argv0, c"execed", w.as_cstr(), r.as_cstr()]);
        fail("exec: exec");
    }
    await_signal(ready[0]);
    let f0 = freepages();
    m.fill(30);
    check(freepages() == f0, "exec: pages still shared after exec");
    signal(go[1]);
    reap(pid, "exec: child");
    for fd in ready.into_iter().chain(go) {
        close(fd);
    }
    check(freepages() == base, "exec: pages lost");
    passed("exec");
}

/// The exec'd child of exec_releases: signals on fd argv[2], waits on argv[3].
fn execed(args: &Args) -> i32 {
    signal(atoi(args.arg(2)));
    await_signal(atoi(args.arg(3)));
    0
}

fn main(args: Args) -> i32 {
    match args.arg(1) {
        b"execed" => return execed(&args),
        b"free" => {
            printf!("free pages: %d\n", freepages());
            return 0;
        }
        _ => {}
    }
    let argv0 = args.get(0).unwrap_or(c"cowcheck");
    let start = freepages();
    check(start > 0, "freepages");
    let heap = sbrk((HEAP_PAGES * PGSIZE) as i32);
    check(heap != usize::MAX, "sbrk");
    let mut stack = [0u8; 512];
    let stack = Region(core::hint::black_box(stack.as_mut_ptr()) as usize, 512);
    // SAFETY: only the address is taken; the checks reach DATA and BSS through it.
    let (data, bss) = unsafe { (addr_of_mut!(DATA.0) as usize, addr_of_mut!(BSS.0) as usize) };
    let heap = Region(heap, HEAP_PAGES * PGSIZE);
    let m = Mem {
        all: [stack, heap, Region(data, PGSIZE), Region(bss, 2 * PGSIZE)],
        heap,
    };
    child_first(&m);
    parent_first(&m);
    grandchildren(&m);
    isolation(&m);
    copyout();
    sbrk_shared(&m);
    exec_releases(&m, argv0);
    check(m.holds(30), "memory after the checks");
    check(
        sbrk(-((HEAP_PAGES * PGSIZE) as i32)) == heap.0 + heap.1,
        "sbrk shrink",
    );
    printf!("ALL COWCHECK PASSED\n");
    0
}
