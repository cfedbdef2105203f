// ln: make a hard link.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn main(args: Args) -> i32 {
    let (Some(old), Some(new), 3) = (args.get(1), args.get(2), args.len()) else {
        fprintf!(2, "Usage: ln old new\n");
        exit(1);
    };
    if link(old, new) < 0 {
        fprintf!(2, "link %s %s: failed\n", old, new);
    }
    0
}
