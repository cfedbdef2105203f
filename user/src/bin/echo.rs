// echo: print the arguments, separated by spaces.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn main(args: Args) -> i32 {
    for i in 1..args.len() {
        write(1, args.arg(i));
        if i + 1 < args.len() {
            write(1, b" ");
        } else {
            write(1, b"\n");
        }
    }
    0
}
