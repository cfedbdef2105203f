//! Prints a greeting and exits with status 0 through the test finisher.
#![no_std]
#![no_main]

use guests::println;

#[no_mangle]
extern "C" fn guest_main() {
    println!("hello from rvcow");
}
