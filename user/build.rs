// Links every user program at virtual address 0 with user.ld, as xv6 does.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg-bins=-T{dir}/user.ld");
    println!("cargo:rerun-if-changed={dir}/user.ld");
}
