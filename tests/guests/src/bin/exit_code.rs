//! Prints a line and exits with status 42 through the test finisher: the
//! emulator must pass a guest's exit code through.
#![no_std]
#![no_main]

use guests::println;

#[no_mangle]
extern "C" fn guest_main() {
    println!("exiting with 42");
    guests::exit(42);
}
