// Whole-stack tests: boot the bundled kernel with the bundled file system,
// type commands at the shell prompt, and assert the exact console transcript.

use std::process::{Command, Output};

/// Instructions a short shell session may take (boot is about 100 million).
const SHELL_BUDGET: &str = "3000000000";

/// Boots the bundled kernel on `smp` harts, types `commands` one per prompt,
/// and stops when `expect` appears.
fn boot(smp: u32, commands: &[&str], expect: &str, budget: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rvcow"));
    cmd.args([
        "--smp",
        &smp.to_string(),
        "--expect",
        expect,
        "--max-insns",
        budget,
    ]);
    for c in commands {
        cmd.args(["--run", c]);
    }
    cmd.output().expect("rvcow runs")
}

/// The console transcript after the boot banner, from the first prompt on.
fn session(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}\nconsole:\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panic"), "{text}");
    let start =
        text.find("init: starting sh\n").expect("the shell started") + "init: starting sh\n".len();
    text[start..].to_string()
}

fn boot_banner(smp: u32) -> String {
    let mut s = String::from("\nxv6 kernel is booting\n\n");
    for h in 1..smp {
        s += &format!("hart {h} starting\n");
    }
    s + "init: starting sh\n"
}

#[test]
fn boots_to_the_prompt_on_1_and_3_harts() {
    for smp in [1, 3] {
        let out = boot(smp, &["echo booted"], "\nbooted\n$ ", SHELL_BUDGET);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            text,
            format!("{}$ echo booted\nbooted\n$ ", boot_banner(smp))
        );
    }
}

/// `ls` lists README and every program, each with the size of the binary built.
#[test]
fn ls_lists_every_program() {
    let out = boot(3, &["ls"], "console        3", SHELL_BUDGET);
    let text = session(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("$ ls"));
    let mut rows = Vec::new();
    for line in lines.take_while(|l| !l.starts_with("console")) {
        let name = line[..14].trim_end().to_string();
        let fields: Vec<u64> = line[14..]
            .split_whitespace()
            .map(|f| f.parse().unwrap())
            .collect();
        rows.push((name, fields));
    }
    let programs = [
        "cat",
        "echo",
        "forktest",
        "grep",
        "init",
        "kill",
        "ln",
        "ls",
        "mkdir",
        "rm",
        "sh",
        "stressfs",
        "usertests",
        "grind",
        "wc",
        "zombie",
        "cowtest",
        "badcalls",
        "cowcheck",
        "forkstorm",
        "sleep",
    ];
    let mut expected = vec![".".to_string(), "..".to_string(), "README".to_string()];
    expected.extend(programs.iter().map(|p| p.to_string()));
    assert_eq!(
        rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        expected
    );
    let readme = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/user/README")).unwrap();
    for (i, (name, f)) in rows.iter().enumerate() {
        let (typ, inum, size) = (f[0], f[1], f[2]);
        match name.as_str() {
            "." | ".." => assert_eq!((typ, inum), (1, 1), "{name}"),
            "README" => assert_eq!((typ, inum, size), (2, 2, readme.len() as u64)),
            prog => {
                let built = std::fs::metadata(format!("{}/{prog}", images::USER_DIR))
                    .unwrap()
                    .len();
                assert_eq!((typ, inum, size), (2, i as u64, built), "{prog}");
            }
        }
    }
}

#[test]
fn redirection_pipes_and_directories() {
    let readme = String::from_utf8(
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/user/README")).unwrap(),
    )
    .unwrap();
    let xv6_lines: Vec<&str> = readme
        .split_inclusive('\n')
        .filter(|l| l.contains("xv6"))
        .collect();
    let words: usize = xv6_lines.iter().map(|l| l.split_whitespace().count()).sum();
    let bytes: usize = xv6_lines.iter().map(|l| l.len()).sum();
    let out = boot(
        3,
        &[
            "echo hello > f",
            "cat f",
            "cat README | grep xv6 | wc",
            "mkdir d",
            "cd d",
            "/echo x > y",
            "/ls",
            "/cat y",
            "cd ..",
            "rm f",
            "cat f",
        ],
        "cat: cannot open f\n$ ",
        SHELL_BUDGET,
    );
    let expected = format!(
        "$ echo hello > f\n$ cat f\nhello\n$ cat README | grep xv6 | wc\n{} {words} {bytes} \n\
         $ mkdir d\n$ cd d\n$ /echo x > y\n$ /ls\n.              1 26 48\n..             1 1 1024\n\
         y              2 27 2\n$ /cat y\nx\n$ cd ..\n$ rm f\n$ cat f\ncat: cannot open f\n$ ",
        xv6_lines.len()
    );
    assert_eq!(session(&out), expected);
}

#[test]
fn forktest_and_stressfs() {
    let out = boot(3, &["forktest"], "fork test OK\n$ ", SHELL_BUDGET);
    assert_eq!(session(&out), "$ forktest\nfork test\nfork test OK\n$ ");
    // One hart: the five processes print in turn.
    let out = boot(
        1,
        &["stressfs"],
        "read\nread\nread\nread\nread\n$ ",
        SHELL_BUDGET,
    );
    let mut expected = String::from("$ stressfs\nstressfs starting\n");
    for i in 0..5 {
        expected += &format!("write {i}\n");
    }
    expected += "read\nread\nread\nread\nread\n$ ";
    assert_eq!(session(&out), expected);
    // Three harts: xv6's printf writes a byte at a time, so the lines interleave,
    // but every byte of every line is there.
    let out = boot(
        3,
        &["stressfs"],
        "read\nread\nread\nread\nread\n$ ",
        SHELL_BUDGET,
    );
    let text = session(&out);
    let writes = &text["$ stressfs\nstressfs starting\n".len()..text.find("read\n").unwrap()];
    let mut got: Vec<char> = writes.chars().collect();
    let mut want: Vec<char> = (0..5)
        .flat_map(|i| format!("write {i}\n").chars().collect::<Vec<_>>())
        .collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "{text}");
}

/// `kill` ends a sleeping process; init reaps it and the orphaned zombie of
/// `zombie`. ^P (procdump) shows the process table each time.
#[test]
fn kill_a_sleeping_process_and_reap_zombies() {
    let out = boot(
        3,
        &[
            "sleep 1000 &",
            "\u{10}",
            "kill 4",
            "\u{10}",
            "zombie",
            "\u{10}",
            "echo end",
        ],
        "\nend\n$ ",
        SHELL_BUDGET,
    );
    assert_eq!(
        session(&out),
        "$ sleep 1000 &\n$ \n1 sleep  init\n2 sleep  sh\n4 sleep  sleep\n\n\
         $ kill 4\n$ \n1 sleep  init\n2 sleep  sh\n\n\
         $ zombie\n$ \n1 sleep  init\n2 sleep  sh\n\n$ echo end\nend\n$ "
    );
}

/// grind (random system calls from several processes) runs on 3 harts for a
/// fixed instruction budget without a kernel panic or a failure message.
#[test]
fn grind_survives_a_fixed_budget() {
    let out = boot(3, &["grind"], "never printed", "1500000000");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(124), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines().next(),
        Some("rvcow: instruction limit of 1500000000 reached before 'never printed' appeared"),
        "{err}"
    );
    assert!(text.contains("$ grind\n"), "{text}");
    for bad in ["panic", "grind: fail", "usertrap", "FAILED"] {
        assert!(!text.contains(bad), "{bad}: {text}");
    }
}

/// A user-mode trace of the bundled system names user code: rvcow reads the
/// programs' symbols from the bundled file system and tells the programs (all
/// linked at 0) apart by the instruction bytes.
#[test]
fn user_mode_trace_names_the_bundled_programs() {
    let out = Command::new(env!("CARGO_BIN_EXE_rvcow"))
        .args([
            "--smp",
            "1",
            "--trace",
            "--trace-priv",
            "u",
            "--trace-count",
            "3000",
        ])
        .args([
            "--run",
            "ls",
            "--expect",
            "README",
            "--max-insns",
            SHELL_BUDGET,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let trace = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = trace.lines().collect();
    assert_eq!(lines.len(), 3000, "{trace}");
    assert!(
        lines.iter().all(|l| l.starts_with("core   0: 0 0x")),
        "{trace}"
    );
    assert!(lines.iter().any(|l| l.contains(" <init::main+")), "{trace}");
    assert!(lines.iter().any(|l| l.contains(" <sh::")), "{trace}");
}
