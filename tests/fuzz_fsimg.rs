// Fuzz target fs_img: mutations of the bundled fs.img (superblock fields,
// inodes, directory entries, bitmap, log header, metadata bytes; the programs
// the case runs are left whole) booted by the bundled kernel. Each case must
// end at the shell's prompt after the commands, with a guest panic or
// refusal that says why, or with a user process the kernel still runs or
// kills; never a host panic, never a kernel hang (the instruction budget
// running out with the kernel stuck). RVCOW_FUZZ_CASES and RVCOW_FUZZ_SEED
// set the number of cases and the seed.

use std::path::Path;
use std::process::Command;

const BSIZE: usize = 1024;
/// Instruction budget of one case: the boot and the commands take about 30
/// million on the bundled image.
const BUDGET: &str = "300000000";
/// The commands each case types, one per prompt, and the line the last one prints.
const COMMANDS: [&str; 5] = [
    "ls",
    "cat README",
    "echo hello > new",
    "mkdir d",
    "echo fuzz-done",
];
const DONE: &str = "\nfuzz-done\n$ ";
/// The last command as the console echoes it.
const TYPED: &str = "$ echo fuzz-done\n";

mod common;

fn u32_at(img: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(img[at..at + 4].try_into().unwrap())
}

/// A value worth trying for a 32-bit field that was `old`.
fn value(rng: &mut fastrand::Rng, old: u32) -> u32 {
    match rng.u8(0..8) {
        0 => 0,
        1 => 1,
        2 => u32::MAX,
        3 => old.wrapping_add(1),
        4 => old.wrapping_sub(1),
        5 => old.wrapping_mul(2),
        6 => rng.u32(0..4096),
        _ => rng.u32(..),
    }
}

/// The inode numbers of the programs a case runs (init, the shell and the
/// commands): mutating their contents would test those programs, not the
/// file system.
fn ran_programs() -> Vec<u32> {
    let img = images::fsck::Image::parse(images::FS_IMG).unwrap();
    ["init", "sh", "ls", "cat", "echo", "mkdir"]
        .iter()
        .map(|p| img.lookup(p).unwrap())
        .collect()
}

/// Sets the 32-bit field at `at` to a random value; returns what it did.
fn put(rng: &mut fastrand::Rng, img: &mut [u8], at: usize, what: String) -> String {
    let v = value(rng, u32_at(img, at));
    img[at..at + 4].copy_from_slice(&v.to_le_bytes());
    format!("{what} = {v:#x}")
}

/// Applies one random mutation to `img`; returns what it did.
fn mutate(rng: &mut fastrand::Rng, img: &mut [u8]) -> String {
    // Where things are, from the unmutated image.
    let orig = images::FS_IMG;
    let sb = BSIZE;
    let (ninodes, logstart, inodestart, bmapstart) = (
        u32_at(orig, sb + 12) as usize,
        u32_at(orig, sb + 20) as usize,
        u32_at(orig, sb + 24) as usize,
        u32_at(orig, sb + 28) as usize,
    );
    match rng.u8(0..6) {
        0 => {
            const FIELDS: [&str; 8] = [
                "magic",
                "size",
                "nblocks",
                "ninodes",
                "nlog",
                "logstart",
                "inodestart",
                "bmapstart",
            ];
            let f = rng.usize(0..8);
            put(rng, img, sb + 4 * f, format!("superblock.{}", FIELDS[f]))
        }
        1 => {
            // An inode field (type, major, minor and nlink are u16: mutate in
            // pairs), not of a program the case runs.
            let run = ran_programs();
            let inum = loop {
                let i = rng.usize(1..ninodes.clamp(2, 64));
                if !run.contains(&(i as u32)) {
                    break i;
                }
            };
            let at = inodestart * BSIZE + inum * 64;
            let word = rng.usize(0..16);
            put(rng, img, at + 4 * word, format!("inode {inum} word {word}"))
        }
        2 => {
            // A root directory entry: its inode number or a name byte.
            let root = inodestart * BSIZE + 64;
            let block = u32_at(orig, root + 12) as usize;
            let at = block * BSIZE + 16 * rng.usize(0..BSIZE / 16);
            if rng.bool() {
                let v = rng.u16(..);
                img[at..at + 2].copy_from_slice(&v.to_le_bytes());
                format!("root dirent at {at:#x}: inum = {v}")
            } else {
                let i = rng.usize(2..16);
                img[at + i] = rng.u8(..);
                format!("root dirent at {at:#x}: name byte {i} = {:#x}", img[at + i])
            }
        }
        3 => {
            let at = bmapstart * BSIZE + rng.usize(0..256);
            img[at] = rng.u8(..);
            format!("bitmap byte {at:#x} = {:#x}", img[at])
        }
        4 => {
            // The log header: a count and block numbers, so recovery runs.
            let at = logstart * BSIZE;
            let n = rng.u32(0..32);
            img[at..at + 4].copy_from_slice(&n.to_le_bytes());
            let i = rng.usize(1..=n.max(1) as usize);
            put(
                rng,
                img,
                at + 4 * i,
                format!("log header n = {n}, block {i}"),
            )
        }
        _ => {
            // A byte of the metadata or of the root directory's block.
            let root = u32_at(orig, inodestart * BSIZE + 64 + 12) as usize;
            let datastart = (u32_at(orig, sb + 4) - u32_at(orig, sb + 8)) as usize;
            let at = match rng.usize(0..datastart + 1) {
                b if b == datastart => root * BSIZE + rng.usize(0..BSIZE),
                b => b * BSIZE + rng.usize(0..BSIZE),
            };
            img[at] = rng.u8(..);
            format!("byte {at:#x} = {:#x}", img[at])
        }
    }
}

/// How one case ended, when it ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// Every command ran and the last printed its line.
    Prompt,
    /// Every command was typed and the shell came back to its prompt.
    ShellIdle,
    /// The shell could not run (exec failed, or it was killed) and init
    /// kept starting it.
    NoShell,
    /// A user program loops in U-mode until the budget runs out.
    UserLoop,
    /// `cat README` reads the console, which README has become.
    ReadsConsole,
    /// The kernel panicked (or refused the file system) with a message.
    GuestPanic,
}

/// Boots the image at `path` and classifies the run; Err describes a failure.
fn boot(path: &Path) -> Result<Outcome, String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rvcow"));
    cmd.args([
        "--smp",
        "1",
        "--snapshot",
        "--max-insns",
        BUDGET,
        "--history",
        "8",
    ]);
    cmd.args(["--expect", DONE]).arg("--drive").arg(path);
    for c in COMMANDS {
        cmd.args(["--run", c]);
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    let console = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    let tail = |s: &str| {
        s.chars()
            .rev()
            .take(600)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<String>()
    };
    match out.status.code() {
        Some(0) => Ok(Outcome::Prompt),
        // A command failed (a program's file was damaged) and the shell is
        // back at its prompt, idle until the budget ran out.
        Some(124) if console.contains(TYPED) && console.ends_with("\n$ ") => Ok(Outcome::ShellIdle),
        // A user program runs on and on (its code or data came from a
        // damaged block): the kernel still schedules it.
        Some(124)
            if err.contains("rvcow: last 8 instructions of hart 0:\n")
                && err
                    .lines()
                    .filter(|l| l.starts_with("core   0: "))
                    .all(|l| l.starts_with("core   0: 0 ")) =>
        {
            Ok(Outcome::UserLoop)
        }
        // README names a device (a damaged inode was reused for the console
        // at boot, as ls shows): cat waits for console input.
        Some(124)
            if console.ends_with("$ cat README\n")
                && console
                    .lines()
                    .any(|l| l.split_whitespace().take(2).eq(["README", "3"])) =>
        {
            Ok(Outcome::ReadsConsole)
        }
        // The shell's program was damaged: init starts it again and again,
        // and each time it fails to exec or is killed, which the console says.
        Some(124)
            if console.matches("init: starting sh\n").count() >= 3
                && (console.contains("init: exec sh failed\n")
                    || console.contains("usertrap()")) =>
        {
            Ok(Outcome::NoShell)
        }
        // The panic line may follow other output on its console line (then
        // rvcow sees only the power-off that ends the panic).
        Some(1)
            if (err.starts_with("rvcow: guest kernel panicked: ")
                || err.starts_with("rvcow: guest powered off (status 1)"))
                && console.contains("panic: ") =>
        {
            Ok(Outcome::GuestPanic)
        }
        code => Err(format!(
            "exit {code:?}\n--- console (end)\n{}\n--- stderr (end)\n{}",
            tail(&console),
            tail(&err)
        )),
    }
}

#[test]
fn fuzz_fs_img() {
    let (cases, seed) = common::cases_and_seed(20);
    println!("fuzz fs_img: {cases} cases, seed {seed}");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rvcow-fuzz-fsimg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut outcomes = std::collections::BTreeMap::new();
    for case in 0..cases {
        let mut img = images::FS_IMG.to_vec();
        let what: Vec<String> = (0..rng.usize(1..=3))
            .map(|_| mutate(&mut rng, &mut img))
            .collect();
        let path = dir.join(format!("case{case}.img"));
        std::fs::write(&path, &img).unwrap();
        match boot(&path) {
            Ok(o) => *outcomes.entry(o).or_insert(0) += 1,
            Err(e) => panic!(
                "case {case} (seed {seed}, kept at {}): {}\n{e}",
                path.display(),
                what.join("; ")
            ),
        }
        std::fs::remove_file(&path).unwrap();
    }
    println!("fuzz fs_img: outcomes {outcomes:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
