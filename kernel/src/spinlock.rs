// Mutual exclusion spin locks whose guards keep interrupts off while held.

use core::cell::{Cell, UnsafeCell};
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::param::NCPU;
use crate::riscv::{intr_get, intr_off, intr_on, r_tp};

/// Per-hart interrupt-disable nesting, for push_off/pop_off.
struct IntrState {
    /// Depth of push_off() nesting.
    noff: Cell<u32>,
    /// Were interrupts enabled before the outermost push_off()?
    intena: Cell<bool>,
}

// SAFETY: each hart touches only its own entry, with interrupts off.
unsafe impl Sync for IntrState {}

static INTR: [IntrState; NCPU] = [const {
    IntrState {
        noff: Cell::new(0),
        intena: Cell::new(false),
    }
}; NCPU];

/// This hart's id, kept in tp. Must be called with interrupts disabled, to
/// prevent a race with the process being moved to a different CPU.
#[inline]
pub fn cpuid() -> usize {
    r_tp()
}

/// Like intr_off(), but matched: it takes two pop_off()s to undo two push_off()s.
/// If interrupts are initially off, then push_off, pop_off leaves them off.
pub fn push_off() {
    let old = intr_get();
    intr_off();
    let s = &INTR[cpuid()];
    if s.noff.get() == 0 {
        s.intena.set(old);
    }
    s.noff.set(s.noff.get() + 1);
}

/// Undoes one push_off(); re-enables interrupts after the outermost one if
/// they were on before it.
pub fn pop_off() {
    let s = &INTR[cpuid()];
    if intr_get() {
        panic!("pop_off - interruptible");
    }
    if s.noff.get() < 1 {
        panic!("pop_off");
    }
    s.noff.set(s.noff.get() - 1);
    if s.noff.get() == 0 && s.intena.get() {
        intr_on();
    }
}

/// Depth of push_off nesting on this hart (sched checks it is exactly 1).
pub fn noff() -> u32 {
    INTR[cpuid()].noff.get()
}

/// Were interrupts enabled before this hart's outermost push_off()?
pub fn intena() -> bool {
    INTR[cpuid()].intena.get()
}

/// Restores intena after a context switch (it belongs to the kernel thread).
pub fn set_intena(v: bool) {
    INTR[cpuid()].intena.set(v);
}

/// A spin lock protecting a value of type T.
pub struct SpinLock<T> {
    locked: AtomicBool,
    /// Name of lock, for debugging.
    name: &'static str,
    /// The hart holding the lock, plus one (0 when free).
    cpu: AtomicUsize,
    data: UnsafeCell<T>,
}

// SAFETY: the lock serializes all access to `data`.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: moving the lock moves the data it owns.
unsafe impl<T: Send> Send for SpinLock<T> {}

/// Proof of holding a SpinLock; releases it (and pops interrupts) on drop.
pub struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

impl<T> SpinLock<T> {
    /// A new, unlocked lock named `name` around `v`.
    pub const fn new(name: &'static str, v: T) -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
            name,
            cpu: AtomicUsize::new(0),
            data: UnsafeCell::new(v),
        }
    }

    /// Acquires the lock, spinning until it is free. Interrupts stay off
    /// on this hart until the guard is dropped.
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        push_off();
        if self.holding() {
            panic!("acquire {}", self.name);
        }
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        self.cpu.store(cpuid() + 1, Ordering::Relaxed);
        SpinLockGuard { lock: self }
    }

    /// Is this hart holding the lock? Interrupts must be off.
    pub fn holding(&self) -> bool {
        self.locked.load(Ordering::Relaxed) && self.cpu.load(Ordering::Relaxed) == cpuid() + 1
    }

    /// Releases the lock without a guard, for a kernel thread that inherits a
    /// lock acquired on its behalf (forkret).
    ///
    /// # Safety
    /// The caller must own the acquisition: no guard for it may be dropped later.
    pub unsafe fn force_unlock(&self) {
        if !self.holding() {
            panic!("release {}", self.name);
        }
        self.cpu.store(0, Ordering::Relaxed);
        self.locked.store(false, Ordering::Release);
        pop_off();
    }

    /// Access to the data without locking.
    ///
    /// # Safety
    /// The caller must guarantee no concurrent access (single-hart boot, or
    /// a field documented as readable without the lock).
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn get_mut_unchecked(&self) -> &mut T {
        // SAFETY: the caller guarantees exclusive access.
        unsafe { &mut *self.data.get() }
    }
}

impl<'a, T> SpinLockGuard<'a, T> {
    /// The lock this guard holds (sleep releases and re-takes it).
    pub fn lock_ref(&self) -> &'a SpinLock<T> {
        self.lock
    }
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the lock is held.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held, so access is exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        if !self.lock.holding() {
            panic!("release {}", self.lock.name);
        }
        self.lock.cpu.store(0, Ordering::Relaxed);
        self.lock.locked.store(false, Ordering::Release);
        pop_off();
    }
}
