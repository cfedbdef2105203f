// SIGTERM, SIGINT and SIGHUP end a run cleanly: their handlers only set a
// flag, which the run loops check between slices of guest instructions.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// The signals that end a run, with their names.
const SIGNALS: [(i32, &str); 3] = [
    (signal_hook::consts::SIGTERM, "SIGTERM"),
    (signal_hook::consts::SIGINT, "SIGINT"),
    (signal_hook::consts::SIGHUP, "SIGHUP"),
];

/// What the handlers set: the flag the run loops watch, and which signal came.
#[derive(Clone, Default)]
pub struct Stop {
    pub flag: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

impl Stop {
    /// Installs the handlers. Fails (with one line) only if the OS refuses them.
    pub fn install() -> Result<Stop, String> {
        let stop = Stop::default();
        for (sig, name) in SIGNALS {
            signal_hook::flag::register_usize(sig, stop.signal.clone(), sig as usize)
                .and_then(|_| signal_hook::flag::register(sig, stop.flag.clone()))
                .map_err(|e| format!("cannot handle {name}: {e}"))?;
        }
        Ok(stop)
    }

    /// The signal that asked rvcow to stop, if one did.
    pub fn signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            n => Some(n as i32),
        }
    }

    /// The line rvcow prints as it stops for the signal that came, and its
    /// exit status (128 + the signal's number, as a shell reports a death
    /// by signal).
    pub fn report(&self) -> (String, u8) {
        let sig = self.signal().unwrap_or(signal_hook::consts::SIGTERM);
        let name = SIGNALS
            .iter()
            .find(|&&(s, _)| s == sig)
            .map_or("a signal", |&(_, n)| n);
        (format!("terminating on {name}"), (128 + sig) as u8)
    }
}
