// Links the firmware at 0x80000000 with sbi.ld.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg=-T{dir}/sbi.ld");
    println!("cargo:rerun-if-changed={dir}/sbi.ld");
}
