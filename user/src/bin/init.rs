// init: the first user program. Opens the console, starts sh and restarts it when it
// exits, and reaps orphans.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn main(_args: Args) -> i32 {
    if open(c"console", O_RDWR) < 0 {
        mknod(c"console", abi::param::CONSOLE, 0);
        open(c"console", O_RDWR);
    }
    dup(0); // stdout
    dup(0); // stderr

    loop {
        printf!("init: starting sh\n");
        let pid = fork();
        if pid < 0 {
            printf!("init: fork failed\n");
            exit(1);
        }
        if pid == 0 {
            exec(c"sh", &[c"sh"]);
            printf!("init: exec sh failed\n");
            exit(1);
        }
        loop {
            // Returns when the shell exits, or when a parentless process exits.
            let wpid = wait(None);
            if wpid == pid {
                break;
            } else if wpid < 0 {
                printf!("init: wait returned an error\n");
                exit(1);
            }
        }
    }
}
