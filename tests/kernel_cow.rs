// Copy-on-write fork inside rvcow: cowcheck's reference-count checks on 1 and 3
// harts, a fork/exec/exit storm on 3 harts, and the free page count across a
// usertests load. Every run is bounded by an instruction budget.

use std::process::Command;

/// Boots the bundled kernel on `smp` harts, types `commands` one per prompt and stops
/// when `expect` appears within `budget` instructions. Returns the console from the
/// first prompt on; the run must succeed and the kernel must not panic.
fn session(smp: u32, commands: &[&str], expect: &str, budget: u64) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rvcow"));
    cmd.args(["--smp", &smp.to_string(), "--expect", expect]);
    cmd.args(["--max-insns", &budget.to_string()]);
    for c in commands {
        cmd.args(["--run", c]);
    }
    let out = cmd.output().expect("rvcow runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}\nconsole:\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panic"), "{text}");
    let start = text.find("init: starting sh\n").expect("the shell started");
    text[start + "init: starting sh\n".len()..].to_string()
}

/// The numbers printed by `cowcheck free` lines, in order.
fn free_counts(text: &str) -> Vec<u32> {
    text.lines()
        .filter_map(|l| l.strip_prefix("free pages: "))
        .map(|n| n.parse().expect("a page count"))
        .collect()
}

const COWCHECK: &str = "$ cowcheck\n\
    cowcheck child first: ok\n\
    cowcheck parent first: ok\n\
    cowcheck grandchildren: ok\n\
    cowcheck isolation: ok\n\
    cowcheck copyout: ok\n\
    cowcheck sbrk: ok\n\
    cowcheck exec: ok\n\
    ALL COWCHECK PASSED\n$ ";

#[test]
fn cowcheck_on_1_hart() {
    let text = session(1, &["cowcheck"], "ALL COWCHECK PASSED\n$ ", 60_000_000);
    assert_eq!(text, COWCHECK);
}

#[test]
fn cowcheck_on_3_harts() {
    let text = session(3, &["cowcheck"], "ALL COWCHECK PASSED\n$ ", 60_000_000);
    assert_eq!(text, COWCHECK);
}

/// Six workers fork, exec, orphan and exit 100 rounds each on 3 harts: no panic, no
/// hang, and the free page count after the storm equals the count before it.
#[test]
fn forkstorm_on_3_harts() {
    let text = session(
        3,
        &[
            "cowcheck free",
            "forkstorm 100 6",
            "cowcheck free",
            "echo done",
        ],
        "\ndone\n$ ",
        400_000_000,
    );
    let free = free_counts(&text);
    assert_eq!(free.len(), 2, "{text}");
    assert_eq!(free[0], free[1], "pages lost in the storm:\n{text}");
    assert!(free[0] > 30_000, "{text}");
    assert_eq!(
        text,
        format!(
            "$ cowcheck free\nfree pages: {0}\n$ forkstorm 100 6\nforkstorm: ok\n\
             $ cowcheck free\nfree pages: {0}\n$ echo done\ndone\n$ ",
            free[0]
        )
    );
}

/// A mixed load gives back every page: usertests' sbrkmuch (growth to a 100 MiB break
/// and back) and kernmem (40 children killed reading kernel memory), each run as
/// `usertests NAME` (which counts free pages itself, at a cost of about a billion
/// instructions), then badcalls and a small fork storm.
#[test]
fn mixed_load_loses_no_pages() {
    let text = session(
        1,
        &[
            "cowcheck free",
            "usertests sbrkmuch",
            "usertests kernmem",
            "badcalls",
            "forkstorm 20 4",
            "cowcheck free",
            "echo done",
        ],
        "\ndone\n$ ",
        5_000_000_000,
    );
    let free = free_counts(&text);
    assert_eq!(free.len(), 2, "{text}");
    assert_eq!(free[0], free[1], "pages lost under load:\n{text}");
    for t in ["sbrkmuch", "kernmem"] {
        let run = &text[text.find(&format!("$ usertests {t}\n")).expect(t)..];
        let verdict = run.find("ALL TESTS PASSED\n").expect(t);
        assert!(
            run[..verdict].starts_with(&format!("$ usertests {t}\nusertests starting\ntest {t}: "))
                && run[..verdict].ends_with("OK\n"),
            "{t}:\n{text}"
        );
        assert!(!run[..verdict].contains("FAILED"), "{t}:\n{text}");
    }
    assert!(
        text.contains("\nbadcalls: ok\n$ forkstorm 20 4\nforkstorm: ok\n"),
        "{text}"
    );
}
