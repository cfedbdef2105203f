// rm: remove files.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn main(args: Args) -> i32 {
    if args.len() < 2 {
        fprintf!(2, "Usage: rm files...\n");
        exit(1);
    }
    for a in args.iter().skip(1) {
        if unlink(a) < 0 {
            fprintf!(2, "rm: %s failed to delete\n", a);
            break;
        }
    }
    0
}
