// sleep: pause for the given number of clock ticks (the util lab's program).
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn main(args: Args) -> i32 {
    if args.len() != 2 {
        fprintf!(2, "usage: sleep ticks\n");
        exit(1);
    }
    sleep(atoi(args.arg(1)));
    0
}
