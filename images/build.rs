// Builds the guest for riscv64gc-unknown-none-elf with a nested cargo: the kernel,
// rvcow's SBI firmware, the user programs and the guest test programs, then the
// xv6 file system image.

use std::env;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[allow(dead_code)]
#[path = "src/mkfs.rs"]
mod mkfs;

const TARGET: &str = "riscv64gc-unknown-none-elf";

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap().to_path_buf();
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let guest_target = guest_target_dir(&out);

    for dir in ["kernel", "user", "tests/guests"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    println!("cargo:rerun-if-env-changed=RVCOW_GUEST_PROFILE");

    ensure_target_installed();
    // One target dir per crate: their binaries share no namespace (the user
    // program `sleep` and the test program `sleep` are different programs).
    let bin_dir = |krate: &str| guest_target.join(krate).join(TARGET).join("release");
    for (krate, dir) in [
        ("kernel", "kernel"),
        ("sbi", "kernel/sbi"),
        ("user", "user"),
        ("guests", "tests/guests"),
    ] {
        nested_build(&root.join(dir), &guest_target.join(krate));
    }

    copy(&bin_dir("kernel").join("kernel"), &out.join("kernel.elf"));
    copy(&bin_dir("sbi").join("sbi"), &out.join("sbi.elf"));
    println!(
        "cargo:rustc-env=RVCOW_GUEST_DIR={}",
        bin_dir("guests").display()
    );
    println!(
        "cargo:rustc-env=RVCOW_USER_DIR={}",
        bin_dir("user").display()
    );
    println!(
        "cargo:rustc-env=RVCOW_KERNEL_ELF={}",
        out.join("kernel.elf").display()
    );

    let fs_img = out.join("fs.img");
    make_fs_img(&root.join("user"), &bin_dir("user"), &fs_img);
    println!("cargo:rustc-env=RVCOW_FS_IMG={}", fs_img.display());
}

/// The programs in xv6's Makefile order (UPROGS, then the cow lab's cowtest); other
/// programs of user/src/bin follow in name order.
const UPROGS: &[&str] = &[
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
];

/// Writes fs.img: user/README and every user program, named as on xv6 (`cat`, `sh`...).
fn make_fs_img(user: &Path, bin_dir: &Path, fs_img: &Path) {
    let bins = user.join("src/bin");
    let entries =
        fs::read_dir(&bins).unwrap_or_else(|e| panic!("cannot list {}: {e}", bins.display()));
    // A program is src/bin/NAME.rs or src/bin/NAME/main.rs.
    let mut names: Vec<String> = entries
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_str()?;
            match name.strip_suffix(".rs") {
                Some(stem) => Some(stem.to_string()),
                None => path.join("main.rs").exists().then(|| name.to_string()),
            }
        })
        .collect();
    names.sort_by_key(|n| {
        (
            UPROGS.iter().position(|u| u == n).unwrap_or(UPROGS.len()),
            n.clone(),
        )
    });

    let read =
        |p: &Path| fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
    let mut files = vec![("README".to_string(), read(&user.join("README")))];
    for name in names {
        let data = read(&bin_dir.join(&name));
        files.push((name, data));
    }
    let list: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let img = mkfs::mkfs(&list).unwrap_or_else(|e| panic!("{e}"));
    fs::write(fs_img, img).unwrap_or_else(|e| panic!("cannot write {}: {e}", fs_img.display()));
}

/// One target dir for every guest crate, beside the host profiles so that
/// `cargo build` and `cargo build --release` share it.
fn guest_target_dir(out: &Path) -> PathBuf {
    let build = out
        .ancestors()
        .find(|p| p.file_name() == Some(OsStr::new("build")));
    let profile_dir = build
        .and_then(Path::parent)
        .expect("OUT_DIR is not under target/<profile>/build");
    profile_dir
        .parent()
        .unwrap_or(profile_dir)
        .join("riscv-guest")
}

/// Installs the riscv target for the pinned toolchain when it is missing
/// (RUSTUP_AUTO_INSTALL=0 machines do not), or stops with the exact command.
fn ensure_target_installed() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .expect("cannot run rustc");
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib").join(TARGET).exists() {
        return;
    }
    let toolchain = env::var("RUSTUP_TOOLCHAIN").unwrap_or_else(|_| "1.95.0".into());
    let status = Command::new("rustup")
        .args(["target", "add", TARGET, "--toolchain", &toolchain])
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        panic!("the {TARGET} target is missing: run `rustup target add {TARGET} --toolchain {toolchain}`");
    }
}

/// `cargo build --release` of the guest crate in `dir`, with the outer build's
/// settings scrubbed so they cannot leak into the riscv build.
fn nested_build(dir: &Path, target_dir: &Path) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(dir)
        .args(["build", "--release", "--target", TARGET, "--target-dir"])
        .arg(target_dir)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"));
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        let keep = matches!(
            key.as_str(),
            "CARGO_HOME" | "CARGO_MAKEFLAGS" | "CARGO_TERM_COLOR"
        );
        let scrub = key.starts_with("CARGO_")
            || key.starts_with("RUSTC_")
            || matches!(
                key.as_str(),
                "RUSTFLAGS"
                    | "RUSTDOCFLAGS"
                    | "TARGET"
                    | "HOST"
                    | "PROFILE"
                    | "OPT_LEVEL"
                    | "DEBUG"
                    | "OUT_DIR"
                    | "NUM_JOBS"
            );
        if scrub && !keep {
            cmd.env_remove(&key);
        }
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo for {}: {e}", dir.display()));
    if !status.success() {
        panic!("building the guest crate {} failed", dir.display());
    }
}

fn copy(from: &Path, to: &Path) {
    fs::copy(from, to)
        .unwrap_or_else(|e| panic!("cannot copy {} to {}: {e}", from.display(), to.display()));
}
