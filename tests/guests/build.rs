// Links every guest test program at the start of virt's RAM.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg=-T{dir}/guest.ld");
    println!("cargo:rerun-if-changed={dir}/guest.ld");
}
