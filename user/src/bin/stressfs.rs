// stressfs: five processes write and read back files at once.
#![no_std]
#![no_main]

use ulib::*;

entry!(main);

fn main(_args: Args) -> i32 {
    let mut path = *b"stressfs0\0";
    let mut data = [b'a'; 512];

    printf!("stressfs starting\n");
    let mut i = 0;
    while i < 4 {
        if fork() > 0 {
            break;
        }
        i += 1;
    }
    printf!("write %d\n", i);

    path[8] += i as u8;
    let path = CStr::from_bytes_with_nul(&path).unwrap_or(c"stressfs");
    let fd = open(path, O_CREATE | O_RDWR);
    for _ in 0..20 {
        write(fd, &data);
    }
    close(fd);

    printf!("read\n");
    let fd = open(path, O_RDONLY);
    for _ in 0..20 {
        read(fd, &mut data);
    }
    close(fd);

    wait(None);
    0
}
