// Processes: the process table, per-hart scheduler, fork, exit, wait and kill.

use core::cell::{Cell, UnsafeCell};
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use crate::file::{fileclose, filedup, FileRef};
use crate::fs::log::{begin_op, end_op};
use crate::fs::{fsinit, idup, iput, namei, InodeRef};
use crate::kalloc::{kalloc, kfree};
use crate::memlayout::{kstack, KSTACK_PAGES, KSTACK_SIZE, TRAMPOLINE, TRAPFRAME};
use crate::param::{NCPU, NOFILE, NPROC, ROOTDEV};
use crate::riscv::{intr_get, intr_off, intr_on, wfi, PageTable, PGSIZE, PTE_R, PTE_W, PTE_X};
use crate::spinlock::{self, cpuid, pop_off, push_off, SpinLock, SpinLockGuard};
use crate::swtch::swtch;
use crate::trap::usertrapret;
use crate::vm::{
    copyin, copyout, kvmmap, mappages, trampoline_pa, uvmalloc, uvmcopy, uvmcreate, uvmdealloc,
    uvmfirst, uvmfree, uvmunmap,
};

pub use crate::chan::{sleep, wakeup};

/// Saved registers for kernel context switches.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Context {
    pub ra: usize,
    pub sp: usize,
    // callee-saved
    pub s: [usize; 12],
}

impl Context {
    const fn zero() -> Self {
        Context {
            ra: 0,
            sp: 0,
            s: [0; 12],
        }
    }
}

/// Per-hart state.
pub struct Cpu {
    /// The process running on this cpu, or null.
    proc: Cell<*const Proc>,
    /// swtch() here to enter scheduler().
    context: UnsafeCell<Context>,
}

// SAFETY: each hart touches only its own Cpu, with interrupts off.
unsafe impl Sync for Cpu {}

static CPUS: [Cpu; NCPU] = [const {
    Cpu {
        proc: Cell::new(ptr::null()),
        context: UnsafeCell::new(Context::zero()),
    }
}; NCPU];

/// Per-process data for the trap handling code in trampoline.rs. Sits in a page
/// by itself just under the trampoline page in the user page table; not
/// specially mapped in the kernel page table. uservec saves user registers in
/// the trapframe, then initializes registers from the trapframe's kernel_sp,
/// kernel_hartid and kernel_satp, and jumps to kernel_trap. usertrapret() and
/// userret set up the trapframe's kernel_*, restore user registers from the
/// trapframe, switch to the user page table, and enter user space. The layout
/// is xv6's, which the trampoline depends on.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TrapFrame {
    /*   0 */ pub kernel_satp: usize, // kernel page table
    /*   8 */ pub kernel_sp: usize, // top of process's kernel stack
    /*  16 */ pub kernel_trap: usize, // usertrap()
    /*  24 */ pub epc: usize, // saved user program counter
    /*  32 */ pub kernel_hartid: usize, // saved kernel tp
    /*  40 */ pub ra: usize,
    /*  48 */ pub sp: usize,
    /*  56 */ pub gp: usize,
    /*  64 */ pub tp: usize,
    /*  72 */ pub t0: usize,
    /*  80 */ pub t1: usize,
    /*  88 */ pub t2: usize,
    /*  96 */ pub s0: usize,
    /* 104 */ pub s1: usize,
    /* 112 */ pub a0: usize,
    /* 120 */ pub a1: usize,
    /* 128 */ pub a2: usize,
    /* 136 */ pub a3: usize,
    /* 144 */ pub a4: usize,
    /* 152 */ pub a5: usize,
    /* 160 */ pub a6: usize,
    /* 168 */ pub a7: usize,
    /* 176 */ pub s2: usize,
    /* 184 */ pub s3: usize,
    /* 192 */ pub s4: usize,
    /* 200 */ pub s5: usize,
    /* 208 */ pub s6: usize,
    /* 216 */ pub s7: usize,
    /* 224 */ pub s8: usize,
    /* 232 */ pub s9: usize,
    /* 240 */ pub s10: usize,
    /* 248 */ pub s11: usize,
    /* 256 */ pub t3: usize,
    /* 264 */ pub t4: usize,
    /* 272 */ pub t5: usize,
    /* 280 */ pub t6: usize,
}

const _: () = assert!(core::mem::size_of::<TrapFrame>() == 288);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProcState {
    Unused,
    Used,
    Sleeping,
    Runnable,
    Running,
    Zombie,
}

/// The fields of a process that p.lock protects.
pub struct ProcInner {
    /// Process state.
    pub state: ProcState,
    /// If non-zero, sleeping on chan.
    pub chan: usize,
    /// Exit status to be returned to parent's wait.
    pub xstate: i32,
}

/// The fields private to a process: only the process itself touches them
/// (and allocproc/freeproc, holding p.lock, while no one else can).
pub struct ProcData {
    /// Virtual address of kernel stack.
    pub kstack: usize,
    /// Size of process memory (bytes).
    pub sz: usize,
    /// User page table.
    pub pagetable: PageTable,
    /// Data page for trampoline.rs.
    pub trapframe: *mut TrapFrame,
    /// swtch() here to run process.
    pub context: Context,
    /// Open files.
    pub ofile: [Option<FileRef>; NOFILE],
    /// Current directory.
    pub cwd: Option<InodeRef>,
    /// Process name (debugging), NUL-padded.
    pub name: [u8; 16],
}

impl ProcData {
    /// The process's trapframe.
    #[allow(clippy::mut_from_ref)]
    pub fn tf(&self) -> &mut TrapFrame {
        // SAFETY: a live process always has a trapframe page, private to it.
        unsafe { &mut *self.trapframe }
    }

    /// Sets the debugging name from the last path element `s` (exec uses it).
    pub fn set_name(&mut self, s: &[u8]) {
        let n = s.len().min(self.name.len() - 1);
        self.name = [0; 16];
        self.name[..n].copy_from_slice(&s[..n]);
    }

    /// The process's name as text.
    pub fn name_str(&self) -> &str {
        let n = self
            .name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(self.name.len());
        core::str::from_utf8(&self.name[..n]).unwrap_or("?")
    }
}

/// Per-process state.
pub struct Proc {
    pub lock: SpinLock<ProcInner>,
    /// Process ID (written under p.lock by allocproc, read anywhere).
    pid: AtomicI32,
    /// If true, have been killed.
    killed: AtomicBool,
    /// wait_lock must be held when using this: the parent process.
    parent: Cell<*const Proc>,
    data: UnsafeCell<ProcData>,
}

// SAFETY: every field is either atomic, under p.lock, under WAIT_LOCK (parent),
// or private to the process (data), as documented on each.
unsafe impl Sync for Proc {}

impl Proc {
    const fn new() -> Self {
        Proc {
            lock: SpinLock::new(
                "proc",
                ProcInner {
                    state: ProcState::Unused,
                    chan: 0,
                    xstate: 0,
                },
            ),
            pid: AtomicI32::new(0),
            killed: AtomicBool::new(false),
            parent: Cell::new(ptr::null()),
            data: UnsafeCell::new(ProcData {
                kstack: 0,
                sz: 0,
                pagetable: ptr::null_mut(),
                trapframe: ptr::null_mut(),
                context: Context::zero(),
                ofile: [const { None }; NOFILE],
                cwd: None,
                name: [0; 16],
            }),
        }
    }

    /// Process ID.
    pub fn pid(&self) -> i32 {
        self.pid.load(Ordering::Relaxed)
    }

    /// Has the process been killed?
    pub fn killed(&self) -> bool {
        self.killed.load(Ordering::Relaxed)
    }

    /// Marks the process killed; it exits at its next return to user space.
    pub fn setkilled(&self) {
        self.killed.store(true, Ordering::Relaxed);
    }

    /// The process's private fields. Only the process itself may call this
    /// (or the holder of p.lock while the process is not running).
    #[allow(clippy::mut_from_ref)]
    pub fn data(&self) -> &mut ProcData {
        // SAFETY: per the contract, the caller is the only one touching data.
        unsafe { &mut *self.data.get() }
    }

    /// The parent, read under wait_lock.
    fn parent(&self, _wait_lock: &SpinLockGuard<'_, ()>) -> *const Proc {
        self.parent.get()
    }

    /// Sets the parent, under wait_lock.
    fn set_parent(&self, _wait_lock: &SpinLockGuard<'_, ()>, pp: *const Proc) {
        self.parent.set(pp);
    }
}

/// The process table.
pub static PROCS: [Proc; NPROC] = [const { Proc::new() }; NPROC];

/// The first user process.
static INITPROC: AtomicI32 = AtomicI32::new(0);

static NEXTPID: SpinLock<i32> = SpinLock::new("nextpid", 1);

/// Helps ensure that wakeups of wait()ing parents are not lost. Helps obey the
/// memory model when using p.parent. Must be acquired before any p.lock.
static WAIT_LOCK: SpinLock<()> = SpinLock::new("wait_lock", ());

/// Allocates a page for each process's kernel stack. Maps it high in memory,
/// followed by an invalid guard page.
pub fn proc_mapstacks(kpgtbl: PageTable) {
    for i in 0..NPROC {
        let va = kstack(i);
        for k in 0..KSTACK_PAGES {
            let pa = kalloc().expect("proc_mapstacks: kalloc");
            kvmmap(kpgtbl, va + k * PGSIZE, pa as usize, PGSIZE, PTE_R | PTE_W);
        }
    }
}

/// Initializes the proc table. Hart 0, once.
pub fn procinit() {
    for (i, p) in PROCS.iter().enumerate() {
        p.data().kstack = kstack(i);
    }
}

/// This hart's cpu struct. Interrupts must be disabled.
pub fn mycpu() -> &'static Cpu {
    &CPUS[cpuid()]
}

/// The current process, or None in the scheduler and at boot.
pub fn try_myproc() -> Option<&'static Proc> {
    push_off();
    let p = mycpu().proc.get();
    pop_off();
    // SAFETY: non-null entries point into PROCS, which is 'static.
    unsafe { p.as_ref() }
}

/// The current process. Must be called from process context.
pub fn myproc() -> &'static Proc {
    try_myproc().expect("myproc: no process")
}

fn allocpid() -> i32 {
    let mut n = NEXTPID.lock();
    let pid = *n;
    *n += 1;
    pid
}

/// Looks in the process table for an UNUSED proc. If found, initializes state
/// required to run in the kernel, and returns with p.lock held. If there are no
/// free procs, or a memory allocation fails, returns None.
fn allocproc() -> Option<(&'static Proc, SpinLockGuard<'static, ProcInner>)> {
    for p in PROCS.iter() {
        let mut g = p.lock.lock();
        if g.state != ProcState::Unused {
            continue;
        }
        p.pid.store(allocpid(), Ordering::Relaxed);
        p.killed.store(false, Ordering::Relaxed);
        g.state = ProcState::Used;
        let d = p.data();

        // Allocate a trapframe page.
        let Some(tf) = kalloc() else {
            freeproc(p, &mut g);
            return None;
        };
        d.trapframe = tf as *mut TrapFrame;

        // An empty user page table.
        let Some(pt) = proc_pagetable(p) else {
            freeproc(p, &mut g);
            return None;
        };
        d.pagetable = pt;

        // Set up new context to start executing at forkret, which returns to user space.
        d.context = Context::zero();
        d.context.ra = forkret as *const () as usize;
        d.context.sp = d.kstack + KSTACK_SIZE;
        return Some((p, g));
    }
    None
}

/// Frees a proc structure and the data hanging from it, including user pages.
/// p.lock must be held.
fn freeproc(p: &Proc, g: &mut ProcInner) {
    let d = p.data();
    if !d.trapframe.is_null() {
        kfree(d.trapframe as *mut u8);
    }
    d.trapframe = ptr::null_mut();
    if !d.pagetable.is_null() {
        proc_freepagetable(d.pagetable, d.sz);
    }
    d.pagetable = ptr::null_mut();
    d.sz = 0;
    d.name = [0; 16];
    p.pid.store(0, Ordering::Relaxed);
    p.parent.set(ptr::null());
    p.killed.store(false, Ordering::Relaxed);
    g.chan = 0;
    g.xstate = 0;
    g.state = ProcState::Unused;
}

/// Creates a user page table for a given process, with no user memory, but
/// with trampoline and trapframe pages. None if out of memory.
pub fn proc_pagetable(p: &Proc) -> Option<PageTable> {
    let pagetable = uvmcreate()?;
    // map the trampoline code (for system call return) at the highest user
    // virtual address. only the supervisor uses it, on the way to/from user
    // space, so not PTE_U.
    if mappages(
        pagetable,
        TRAMPOLINE,
        PGSIZE,
        trampoline_pa(),
        PTE_R | PTE_X,
    )
    .is_err()
    {
        uvmfree(pagetable, 0);
        return None;
    }
    // map the trapframe page just below the trampoline page.
    if mappages(
        pagetable,
        TRAPFRAME,
        PGSIZE,
        p.data().trapframe as usize,
        PTE_R | PTE_W,
    )
    .is_err()
    {
        uvmunmap(pagetable, TRAMPOLINE, 1, false);
        uvmfree(pagetable, 0);
        return None;
    }
    Some(pagetable)
}

/// Frees a process's page table, and frees the physical memory it refers to.
pub fn proc_freepagetable(pagetable: PageTable, sz: usize) {
    uvmunmap(pagetable, TRAMPOLINE, 1, false);
    uvmunmap(pagetable, TRAPFRAME, 1, false);
    uvmfree(pagetable, sz);
}

// The first user program: exec("/init", {"/init", 0}); then exit forever.
core::arch::global_asm!(
    r#"
    .section .rodata.initcode, "a"
    .option push
    .option norelax
    .globl initcode_start, initcode_end
    .p2align 3
initcode_start:
    lla a0, init
    lla a1, argv
    li a7, {sys_exec}
    ecall
1:
    li a7, {sys_exit}
    ecall
    j 1b
init:
    .string "/init"
    .p2align 3
argv:
    .quad init - initcode_start
    .quad 0
initcode_end:
    .option pop
"#,
    sys_exec = const abi::syscall::SYS_EXEC,
    sys_exit = const abi::syscall::SYS_EXIT,
);

extern "C" {
    static initcode_start: u8;
    static initcode_end: u8;
}

/// The bytes of the first user program.
fn initcode() -> &'static [u8] {
    let start = ptr::addr_of!(initcode_start);
    let len = ptr::addr_of!(initcode_end) as usize - start as usize;
    // SAFETY: the two labels delimit the initcode bytes in .rodata.
    unsafe { core::slice::from_raw_parts(start, len) }
}

/// Sets up the first user process.
pub fn userinit() {
    let (p, mut g) = allocproc().expect("userinit: allocproc");
    INITPROC.store(p.pid(), Ordering::Relaxed);
    let d = p.data();

    // allocate one user page and copy initcode's instructions and data into it.
    uvmfirst(d.pagetable, initcode());
    d.sz = PGSIZE;

    // prepare for the very first "return" from kernel to user.
    d.tf().epc = 0; // user program counter
    d.tf().sp = PGSIZE; // user stack pointer

    d.set_name(b"initcode");
    d.cwd = namei(b"/");
    g.state = ProcState::Runnable;
}

/// Grows or shrinks user memory by `n` bytes. Err when out of memory or past
/// the user address space.
pub fn growproc(n: isize) -> Result<(), ()> {
    let d = myproc().data();
    let sz = d.sz;
    if n > 0 {
        let newsz = sz.checked_add(n as usize).ok_or(())?;
        d.sz = uvmalloc(d.pagetable, sz, newsz, PTE_W)?;
    } else if n < 0 {
        let newsz = sz.checked_sub(n.unsigned_abs()).ok_or(())?;
        d.sz = uvmdealloc(d.pagetable, sz, newsz);
    }
    Ok(())
}

/// Creates a new process, copying the parent (copy-on-write). Sets up the
/// child kernel stack to return as if from the fork() system call. Returns the
/// child's pid, or -1.
pub fn fork() -> i32 {
    let p = myproc();
    let pd = p.data();

    // Allocate process.
    let Some((np, mut ng)) = allocproc() else {
        return -1;
    };
    let nd = np.data();

    // Share user memory from parent to child.
    if uvmcopy(pd.pagetable, nd.pagetable, pd.sz).is_err() {
        freeproc(np, &mut ng);
        return -1;
    }
    nd.sz = pd.sz;

    // copy saved user registers.
    *nd.tf() = *pd.tf();
    // Cause fork to return 0 in the child.
    nd.tf().a0 = 0;

    // increment reference counts on open file descriptors.
    for (nf, f) in nd.ofile.iter_mut().zip(pd.ofile.iter()) {
        *nf = f.as_ref().map(filedup);
    }
    nd.cwd = pd.cwd.as_ref().map(idup);
    nd.name = pd.name;

    let pid = np.pid();
    drop(ng);

    let wl = WAIT_LOCK.lock();
    np.set_parent(&wl, p);
    drop(wl);

    np.lock.lock().state = ProcState::Runnable;
    pid
}

/// Passes p's abandoned children to init. Caller must hold wait_lock.
fn reparent(p: &Proc, wl: &SpinLockGuard<'_, ()>) {
    let init = initproc();
    for pp in PROCS.iter() {
        if ptr::eq(pp.parent(wl), p) {
            pp.set_parent(wl, init);
            wakeup(init as usize);
        }
    }
}

fn initproc() -> *const Proc {
    let pid = INITPROC.load(Ordering::Relaxed);
    PROCS
        .iter()
        .find(|p| p.pid() == pid)
        .map_or(ptr::null(), |p| p as *const Proc)
}

/// Exits the current process. Does not return. An exited process remains in
/// the zombie state until its parent calls wait().
pub fn exit(status: i32) -> ! {
    let p = myproc();
    if ptr::eq(p, initproc()) {
        panic!("init exiting");
    }
    let d = p.data();

    // Close all open files.
    for f in d.ofile.iter_mut() {
        if let Some(f) = f.take() {
            fileclose(f);
        }
    }

    begin_op();
    if let Some(ip) = d.cwd.take() {
        iput(ip);
    }
    end_op();

    let wl = WAIT_LOCK.lock();

    // Give any children to init.
    reparent(p, &wl);

    // Parent might be sleeping in wait().
    wakeup(p.parent(&wl) as usize);

    let mut g = p.lock.lock();
    g.xstate = status;
    g.state = ProcState::Zombie;
    drop(wl);

    // Jump into the scheduler, never to return.
    sched(g);
    panic!("zombie exit");
}

/// Waits for a child process to exit and returns its pid, storing its exit
/// status at user address `addr` unless 0. Returns -1 if this process has no
/// children (or is killed, or `addr` is bad).
pub fn wait(addr: usize) -> i32 {
    let p = myproc();
    let mut wl = WAIT_LOCK.lock();
    loop {
        // Scan through table looking for exited children.
        let mut havekids = false;
        for pp in PROCS.iter() {
            if !ptr::eq(pp.parent(&wl), p) {
                continue;
            }
            // make sure the child isn't still in exit() or swtch().
            let mut g = pp.lock.lock();
            havekids = true;
            if g.state == ProcState::Zombie {
                let pid = pp.pid();
                if addr != 0 && copyout(p.data().pagetable, addr, &g.xstate.to_ne_bytes()).is_err()
                {
                    return -1;
                }
                freeproc(pp, &mut g);
                return pid;
            }
        }
        // No point waiting if we don't have any children.
        if !havekids || p.killed() {
            return -1;
        }
        // Wait for a child to exit.
        wl = sleep(p as *const Proc as usize, wl);
    }
}

/// Per-hart process scheduler. Each hart calls scheduler() after setting
/// itself up. Scheduler never returns. It loops, doing:
///  - choose a process to run.
///  - swtch to start running that process.
///  - eventually that process transfers control via swtch back to the scheduler.
pub fn scheduler() -> ! {
    let c = mycpu();
    c.proc.set(ptr::null());
    loop {
        // The most recent process to run may have had interrupts turned off;
        // enable them to avoid a deadlock if all processes are waiting. Then
        // turn them back off to avoid a possible race between an interrupt and wfi.
        intr_on();
        intr_off();

        let mut found = false;
        for p in PROCS.iter() {
            let mut g = p.lock.lock();
            if g.state == ProcState::Runnable {
                // Switch to chosen process. It is the process's job to release
                // its lock and then reacquire it before jumping back to us.
                g.state = ProcState::Running;
                c.proc.set(p);
                // SAFETY: both contexts are live; p.lock is held across the switch.
                unsafe { swtch(c.context.get(), &p.data().context) };
                // Process is done running for now.
                c.proc.set(ptr::null());
                found = true;
            }
            drop(g);
        }
        if !found {
            // nothing to run; stop running on this hart until an interrupt.
            wfi();
        }
    }
}

/// Switches to scheduler. Must hold only p.lock (its guard is `g`) and have
/// changed p.state. Saves and restores intena because intena is a property of
/// this kernel thread, not this CPU. Returns the guard when the process runs again.
pub fn sched(g: SpinLockGuard<'static, ProcInner>) -> SpinLockGuard<'static, ProcInner> {
    let p = myproc();
    if !p.lock.holding() {
        panic!("sched p->lock");
    }
    if spinlock::noff() != 1 {
        panic!("sched locks");
    }
    if g.state == ProcState::Running {
        panic!("sched running");
    }
    if intr_get() {
        panic!("sched interruptible");
    }
    let intena = spinlock::intena();
    // SAFETY: both contexts are live; p.lock is held across the switch.
    unsafe { swtch(&mut p.data().context, mycpu().context.get()) };
    spinlock::set_intena(intena);
    g
}

/// Gives up the CPU for one scheduling round.
pub fn yield_() {
    let p = myproc();
    let mut g = p.lock.lock();
    g.state = ProcState::Runnable;
    drop(sched(g));
}

/// A fork child's very first scheduling by scheduler() will swtch to forkret.
extern "C" fn forkret() {
    static FIRST: AtomicBool = AtomicBool::new(true);

    // Still holding p.lock from scheduler.
    // SAFETY: the scheduler's guard for this acquisition was handed to us.
    unsafe { myproc().lock.force_unlock() };

    if FIRST.swap(false, Ordering::AcqRel) {
        // File system initialization must be run in the context of a regular
        // process (e.g., because it calls sleep), and thus cannot be run from main().
        fsinit(ROOTDEV);
    }
    usertrapret();
}

/// Kills the process with the given pid. The victim won't exit until it tries
/// to return to user space (see usertrap()). Returns 0, or -1 if no such
/// process. init cannot be killed: its exit would halt the system.
pub fn kill(pid: i32) -> i32 {
    if pid == INITPROC.load(Ordering::Relaxed) {
        return -1;
    }
    for p in PROCS.iter() {
        let mut g = p.lock.lock();
        if p.pid() == pid && g.state != ProcState::Unused {
            p.setkilled();
            if g.state == ProcState::Sleeping {
                // Wake process from sleep().
                g.state = ProcState::Runnable;
            }
            return 0;
        }
    }
    -1
}

/// Copies to either a user address, or kernel address, depending on
/// `user_dst`. Err on a bad user address.
pub fn either_copyout(user_dst: bool, dst: usize, src: &[u8]) -> Result<(), ()> {
    if user_dst {
        copyout(myproc().data().pagetable, dst, src)
    } else {
        // SAFETY: kernel callers pass a kernel buffer of at least src.len() bytes.
        unsafe { ptr::copy(src.as_ptr(), dst as *mut u8, src.len()) };
        Ok(())
    }
}

/// Copies from either a user address, or kernel address, depending on
/// `user_src`. Err on a bad user address.
pub fn either_copyin(dst: &mut [u8], user_src: bool, src: usize) -> Result<(), ()> {
    if user_src {
        copyin(myproc().data().pagetable, dst, src)
    } else {
        // SAFETY: kernel callers pass a kernel buffer of at least dst.len() bytes.
        unsafe { ptr::copy(src as *const u8, dst.as_mut_ptr(), dst.len()) };
        Ok(())
    }
}

/// Prints a process listing to the console, for debugging. Runs when the user
/// types ^P on the console. No lock to avoid wedging a stuck machine further.
pub fn procdump() {
    crate::println!();
    for p in PROCS.iter() {
        // SAFETY: a racy read for debugging only, as in xv6.
        let state = unsafe { p.lock.get_mut_unchecked() }.state;
        let s = match state {
            ProcState::Unused => continue,
            ProcState::Used => "used  ",
            ProcState::Sleeping => "sleep ",
            ProcState::Runnable => "runble",
            ProcState::Running => "run   ",
            ProcState::Zombie => "zombie",
        };
        crate::println!("{} {} {}", p.pid(), s, p.data().name_str());
    }
}
