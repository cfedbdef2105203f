//! Runs a guest test program of tests/guests under the rvcow binary and
//! reports its exit status and console output.

use std::process::Command;

/// Instruction budget of one guest test program.
pub const MAX_INSNS: &str = "50000000";

/// The outcome of one rvcow run.
pub struct Run {
    /// Exit status (None when killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Both streams, for assertion messages.
    pub fn dump(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs guest program `name` with the default budget and `extra` arguments.
pub fn run(name: &str, extra: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .arg(images::guest(name))
        .args(["--max-insns", MAX_INSNS])
        .args(extra)
        .output()
        .expect("cannot start rvcow");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a self-checking program and asserts that it passed every one of its
/// `checks` (its closing line names the count, so none was skipped).
pub fn assert_passes(name: &str, checks: u32, extra: &[&str]) {
    let r = run(name, extra);
    let verdict = format!("{name}: {checks} checks passed");
    assert_eq!(r.code, Some(0), "{name} failed\n{}", r.dump());
    assert!(
        r.stdout.lines().any(|l| l == verdict),
        "{name}: no line `{verdict}`\n{}",
        r.dump()
    );
    assert!(!r.stdout.contains("FAIL"), "{name}\n{}", r.dump());
}
