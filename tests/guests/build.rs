// Links every guest test program at the start of virt's RAM, except the S-mode
// programs (`smode_*`), which SBI firmware starts at 0x80200000.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let bins = std::fs::read_dir(format!("{dir}/src/bin")).expect("src/bin lists the programs");
    for entry in bins {
        let path = entry.expect("src/bin is readable").path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let script = match name.starts_with("smode_") {
            true => "smode.ld",
            false => "guest.ld",
        };
        println!("cargo:rustc-link-arg-bin={name}=-T{dir}/{script}");
    }
    println!("cargo:rerun-if-changed={dir}/guest.ld");
    println!("cargo:rerun-if-changed={dir}/smode.ld");
    println!("cargo:rerun-if-changed={dir}/src/bin");
}
