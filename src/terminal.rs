// Raw mode for the host terminal while the guest owns the console, restored on
// every exit path (drop, and a panic hook for panics).

use rustix::termios::{self, OptionalActions, Termios};
use std::sync::Mutex;

/// The settings to restore, shared with the panic hook.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

/// While alive, stdin is in raw mode (when it is a terminal).
pub struct RawMode {
    active: bool,
}

impl RawMode {
    /// Puts stdin in raw mode if it is a terminal; otherwise does nothing.
    pub fn enter() -> RawMode {
        let stdin = rustix::stdio::stdin();
        if !termios::isatty(stdin) {
            return RawMode { active: false };
        }
        let Ok(saved) = termios::tcgetattr(stdin) else {
            return RawMode { active: false };
        };
        let mut raw = saved.clone();
        raw.make_raw();
        // Keep output post-processing so the guest's bare \n still returns the carriage.
        raw.output_modes = saved.output_modes;
        if termios::tcsetattr(stdin, OptionalActions::Now, &raw).is_err() {
            return RawMode { active: false };
        }
        *SAVED.lock().unwrap_or_else(|e| e.into_inner()) = Some(saved);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        RawMode { active: true }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.active {
            restore();
        }
    }
}

/// Puts the terminal back as it was before [`RawMode::enter`].
pub fn restore() {
    if let Some(saved) = SAVED.lock().unwrap_or_else(|e| e.into_inner()).take() {
        let _ = termios::tcsetattr(rustix::stdio::stdin(), OptionalActions::Now, &saved);
    }
}
