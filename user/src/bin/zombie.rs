// zombie: create a zombie process that must be reparented at exit.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn main(_args: Args) -> i32 {
    if fork() > 0 {
        sleep(5); // Let the child exit before the parent.
    }
    0
}
