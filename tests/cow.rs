// The MIT 6.S081 copy-on-write lab's own tests, cowtest and usertests, inside
// rvcow on 1 and 3 harts, bounded by instruction budgets.

use std::process::{Command, Output};

/// usertests' 62 tests, in run order (USERTESTS.md §4).
const USERTESTS: [&str; 62] = [
    "MAXVAplus",
    "manywrites",
    "execout",
    "copyin",
    "copyout",
    "copyinstr1",
    "copyinstr2",
    "copyinstr3",
    "rwsbrk",
    "truncate1",
    "truncate2",
    "truncate3",
    "reparent2",
    "pgbug",
    "sbrkbugs",
    "badarg",
    "reparent",
    "twochildren",
    "forkfork",
    "forkforkfork",
    "argptest",
    "createdelete",
    "linkunlink",
    "linktest",
    "unlinkread",
    "concreate",
    "subdir",
    "fourfiles",
    "sharedfd",
    "dirtest",
    "exectest",
    "bigargtest",
    "bigwrite",
    "bsstest",
    "sbrkbasic",
    "sbrkmuch",
    "kernmem",
    "sbrkfail",
    "sbrkarg",
    "sbrklast",
    "sbrk8000",
    "validatetest",
    "stacktest",
    "opentest",
    "writetest",
    "writebig",
    "createtest",
    "openiput",
    "exitiput",
    "iput",
    "mem",
    "pipe1",
    "killstatus",
    "preempt",
    "exitwait",
    "rmdot",
    "fourteen",
    "bigfile",
    "dirfile",
    "iref",
    "forktest",
    "bigdir",
];

fn boot(smp: u32, command: &str, expect: &str, budget: u64) -> (String, Output) {
    let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args([
            "--smp",
            &smp.to_string(),
            "--run",
            command,
            "--expect",
            expect,
        ])
        .args(["--max-insns", &budget.to_string()])
        .output()
        .expect("rvcow runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}\nconsole:\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let start = text.find("$ ").expect("a prompt");
    (text[start..].to_string(), out)
}

fn cowtest(smp: u32) {
    let (text, _) = boot(smp, "cowtest", "ALL COW TESTS PASSED\n$ ", 20_000_000_000);
    assert_eq!(
        text,
        "$ cowtest\nsimple: ok\nsimple: ok\nthree: ok\nthree: ok\nthree: ok\nfile: ok\nALL COW TESTS PASSED\n$ "
    );
}

#[test]
fn cowtest_on_1_hart() {
    cowtest(1);
}

#[test]
fn cowtest_on_3_harts() {
    cowtest(3);
}

fn usertests(smp: u32) {
    let (text, _) = boot(smp, "usertests", "ALL TESTS PASSED\n$ ", 120_000_000_000);
    assert!(
        text.starts_with("$ usertests\nusertests starting\n"),
        "{text}"
    );
    assert!(!text.contains("FAILED"), "{text}");
    assert!(!text.contains("panic"), "{text}");
    // Every test ran, in order, and passed; kernel messages (usertrap for the
    // tests that fault on purpose) may appear between a name and its verdict.
    let mut rest = text.as_str();
    for name in USERTESTS {
        let header = format!("test {name}: ");
        let at = rest
            .find(&header)
            .unwrap_or_else(|| panic!("test {name} did not run in order:\n{text}"));
        rest = &rest[at + header.len()..];
        let verdict = rest
            .find("OK\n")
            .unwrap_or_else(|| panic!("test {name} has no verdict:\n{text}"));
        assert!(
            !rest[..verdict].contains("test "),
            "test {name} printed no OK before the next test:\n{text}"
        );
        rest = &rest[verdict + 3..];
    }
    assert_eq!(rest, "ALL TESTS PASSED\n$ ");
}

#[test]
fn usertests_on_1_hart() {
    usertests(1);
}

#[test]
fn usertests_on_3_harts() {
    usertests(3);
}
