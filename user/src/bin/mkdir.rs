// mkdir: create directories.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn main(args: Args) -> i32 {
    if args.len() < 2 {
        fprintf!(2, "Usage: mkdir files...\n");
        exit(1);
    }
    for a in args.iter().skip(1) {
        if mkdir(a) < 0 {
            fprintf!(2, "mkdir: %s failed to create\n", a);
            break;
        }
    }
    0
}
