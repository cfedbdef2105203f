//! Numbered self-checks: every check gets the next number; the first that
//! fails prints a line naming it and exits with its number (capped at 255,
//! the widest status a host shell sees).

use core::sync::atomic::{AtomicU16, Ordering};

static NEXT: AtomicU16 = AtomicU16::new(0);

/// Number of the check that runs next.
pub fn next() -> u16 {
    NEXT.load(Ordering::Relaxed) + 1
}

/// Takes the next check number.
fn take() -> u16 {
    NEXT.fetch_add(1, Ordering::Relaxed) + 1
}

/// Fails check `n`: prints `FAIL n: what ...` and exits with `n`.
fn fail(n: u16, what: &str, detail: core::fmt::Arguments) -> ! {
    crate::println!("FAIL {n}: {what}{detail}");
    crate::exit(n.min(255))
}

/// Checks that `got == want`.
pub fn eq(what: &str, got: u64, want: u64) {
    let n = take();
    if got != want {
        fail(n, what, format_args!(": got {got:#x}, want {want:#x}"));
    }
}

/// Checks that `cond` holds.
pub fn is(what: &str, cond: bool) {
    let n = take();
    if !cond {
        fail(n, what, format_args!(""));
    }
}

/// Checks that `got` is one of `want` (for behaviour the spec leaves open).
pub fn any(what: &str, got: u64, want: &[u64]) {
    let n = take();
    if !want.contains(&got) {
        fail(
            n,
            what,
            format_args!(": got {got:#x}, want one of {want:x?}"),
        );
    }
}

/// Prints the verdict line and passes.
pub fn pass(program: &str) -> ! {
    crate::println!("{program}: {} checks passed", NEXT.load(Ordering::Relaxed));
    crate::exit(0)
}
