// Sleep and wakeup on channels: the one way kernel code waits for an event.
// Drivers, pipes, the log and the console depend on this, not on the process table.

use crate::proc::{myproc, sched, ProcState, PROCS};
use crate::spinlock::SpinLockGuard;

/// A wait channel: any address that names the event (xv6's `void *chan`).
pub type Chan = usize;

/// Atomically releases the lock held by `guard` and sleeps on `chan`;
/// reacquires the lock when awakened and returns its new guard.
pub fn sleep<'a, T>(chan: Chan, guard: SpinLockGuard<'a, T>) -> SpinLockGuard<'a, T> {
    let p = myproc();
    let lk = guard.lock_ref();
    // Must acquire p.lock in order to change p.state and then call sched.
    // Once we hold p.lock, we can be guaranteed that we won't miss any wakeup
    // (wakeup locks p.lock), so it's okay to release lk.
    let mut pg = p.lock.lock();
    drop(guard);

    // Go to sleep.
    pg.chan = chan;
    pg.state = ProcState::Sleeping;
    let mut pg = sched(pg);
    // Tidy up.
    pg.chan = 0;

    // Reacquire original lock.
    drop(pg);
    lk.lock()
}

/// Wakes up all processes sleeping on `chan`. Must be called without any p.lock.
pub fn wakeup(chan: Chan) {
    let me = crate::proc::try_myproc();
    for p in PROCS.iter() {
        if me.is_some_and(|m| core::ptr::eq(m, p)) {
            continue;
        }
        let mut g = p.lock.lock();
        if g.state == ProcState::Sleeping && g.chan == chan {
            g.state = ProcState::Runnable;
        }
    }
}
