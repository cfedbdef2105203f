// Long-term locks for processes: the holder may sleep (disk I/O) while holding one.

use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};

use crate::chan::{sleep, wakeup};
use crate::proc::myproc;
use crate::spinlock::SpinLock;

struct LockState {
    /// Is the lock held?
    locked: bool,
    /// Process holding lock.
    pid: i32,
}

/// A lock that sleeps while waiting, protecting a value of type T.
pub struct SleepLock<T> {
    /// spinlock protecting this sleep lock
    lk: SpinLock<LockState>,
    data: UnsafeCell<T>,
}

// SAFETY: the lock serializes all access to `data`.
unsafe impl<T: Send> Sync for SleepLock<T> {}
// SAFETY: moving the lock moves the data it owns.
unsafe impl<T: Send> Send for SleepLock<T> {}

/// Proof of holding a SleepLock; releases it on drop.
pub struct SleepLockGuard<'a, T> {
    lock: &'a SleepLock<T>,
}

impl<T> SleepLock<T> {
    /// A new, unlocked sleep lock named `name` around `v`.
    pub const fn new(name: &'static str, v: T) -> Self {
        SleepLock {
            lk: SpinLock::new(
                name,
                LockState {
                    locked: false,
                    pid: 0,
                },
            ),
            data: UnsafeCell::new(v),
        }
    }

    /// Acquires the lock, sleeping while another process holds it. Must be
    /// called from a process.
    pub fn lock(&self) -> SleepLockGuard<'_, T> {
        let mut g = self.lk.lock();
        while g.locked {
            g = sleep(self as *const Self as usize, g);
        }
        g.locked = true;
        g.pid = myproc().pid();
        SleepLockGuard { lock: self }
    }

    /// Does the current process hold this lock?
    pub fn holding(&self) -> bool {
        let g = self.lk.lock();
        g.locked && g.pid == myproc().pid()
    }

    /// Access to the data without locking.
    ///
    /// # Safety
    /// The caller must guarantee no concurrent access.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn get_mut_unchecked(&self) -> &mut T {
        // SAFETY: the caller guarantees exclusive access.
        unsafe { &mut *self.data.get() }
    }
}

impl<'a, T> SleepLockGuard<'a, T> {
    /// The lock this guard holds.
    pub fn lock_ref(&self) -> &'a SleepLock<T> {
        self.lock
    }
}

impl<T> Deref for SleepLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the lock is held.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for SleepLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held, so access is exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for SleepLockGuard<'_, T> {
    fn drop(&mut self) {
        let mut g = self.lock.lk.lock();
        g.locked = false;
        g.pid = 0;
        wakeup(self.lock as *const SleepLock<T> as usize);
    }
}
