// fsck: check an xv6 file system image (`cargo run -p images --example fsck -- fs.img`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: fsck fs.img");
        return ExitCode::FAILURE;
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("fsck: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match images::fsck::fsck(&bytes) {
        Ok(r) => {
            println!(
                "{path}: clean: {} inodes, {} data blocks in use, {} log blocks replayed; root: {}",
                r.inodes,
                r.blocks,
                r.replayed,
                r.root.join(" ")
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::FAILURE
        }
    }
}
