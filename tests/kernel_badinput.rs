// Bad input to the bundled kernel: badcalls (exec of non-programs, system calls with
// bad pointers, children killed for bad accesses) prints its exact transcript, with
// xv6's usertrap lines, and the shell carries on.

use std::process::Command;

/// Boots the bundled kernel on `smp` harts, types `commands` one per prompt and stops
/// when `expect` appears. Returns the console from the first prompt on.
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
    let start = text.find("init: starting sh\n").expect("the shell started");
    text[start + "init: starting sh\n".len()..].to_string()
}

fn u16_at(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap()) as usize
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// The value of symbol `name` in the ELF64 file `elf` (from its .symtab).
fn symbol(elf: &[u8], name: &str) -> u64 {
    let (shoff, shentsize, shnum) = (
        u64_at(elf, 0x28) as usize,
        u16_at(elf, 0x3a),
        u16_at(elf, 0x3c),
    );
    let section = |i: usize| &elf[shoff + i * shentsize..shoff + (i + 1) * shentsize];
    let symtab = (0..shnum)
        .map(section)
        .find(|s| u32_at(s, 4) == 2)
        .expect("a symbol table");
    let strtab = section(u32_at(symtab, 0x28));
    let strings = &elf[u64_at(strtab, 0x18) as usize..][..u64_at(strtab, 0x20) as usize];
    let syms = &elf[u64_at(symtab, 0x18) as usize..][..u64_at(symtab, 0x20) as usize];
    syms.chunks_exact(24)
        .find(|sym| {
            let s = &strings[u32_at(sym, 0)..];
            &s[..s.iter().position(|&c| c == 0).unwrap()] == name.as_bytes()
        })
        .map(|sym| u64_at(sym, 8))
        .unwrap_or_else(|| panic!("no symbol {name}"))
}

/// Where exec puts the guard page of program `elf`: at the end of its loaded
/// segments rounded up to a page (the stack page follows).
fn guard_page(elf: &[u8]) -> u64 {
    let (phoff, phentsize, phnum) = (
        u64_at(elf, 0x20) as usize,
        u16_at(elf, 0x36),
        u16_at(elf, 0x38),
    );
    let end = (0..phnum)
        .map(|i| &elf[phoff + i * phentsize..])
        .filter(|ph| u32_at(ph, 0) == 1)
        .map(|ph| u64_at(ph, 0x10) + u64_at(ph, 0x28))
        .max()
        .expect("a loadable segment");
    end.next_multiple_of(4096)
}

/// badcalls' transcript. The shell is pid 2 and badcalls pid 3; its first child
/// (pid 4) is the zombie of the bad waits, then children 5..10 fault in turn.
fn expected_badcalls() -> String {
    let elf = std::fs::read(format!("{}/badcalls", images::USER_DIR)).unwrap();
    let load = symbol(&elf, "badcalls_load");
    let store = symbol(&elf, "badcalls_store");
    let guard = guard_page(&elf);
    let faults = [
        (0xd, load, 0x8000_0000u64),
        (0xd, load, 1 << 38),
        (0xd, load, 1 << 63),
        (0xf, store, guard),
        (0xf, store, (1 << 38) - 4096),
        (0xc, 0x4000_0000, 0x4000_0000),
    ];
    let mut s = String::from("$ badcalls\nbadcalls: exec ok\nbadcalls: pointers ok\n");
    for (i, (scause, sepc, stval)) in faults.into_iter().enumerate() {
        s += &format!(
            "usertrap(): unexpected scause {scause:#x} pid={}\n            sepc={sepc:#x} stval={stval:#x}\n",
            5 + i
        );
    }
    s + "badcalls: ok\n$ echo carry on\ncarry on\n$ "
}

#[test]
fn badcalls_on_1_hart() {
    let text = session(
        1,
        &["badcalls", "echo carry on"],
        "\ncarry on\n$ ",
        60_000_000,
    );
    assert_eq!(text, expected_badcalls());
}

#[test]
fn badcalls_on_3_harts() {
    let text = session(
        3,
        &["badcalls", "echo carry on"],
        "\ncarry on\n$ ",
        60_000_000,
    );
    assert_eq!(text, expected_badcalls());
}

#[test]
fn symbol_and_guard_page_of_a_user_program() {
    let elf = std::fs::read(format!("{}/badcalls", images::USER_DIR)).unwrap();
    assert_eq!(symbol(&elf, "_start"), 0);
    let load = symbol(&elf, "badcalls_load");
    assert!(load > 0 && load < guard_page(&elf));
    assert_eq!(guard_page(&elf) % 4096, 0);
}
