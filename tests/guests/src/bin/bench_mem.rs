//! Benchmark: a memory-bound kernel in S-mode with Sv39 on (random reads
//! and writes over 2 MiB, copies, strided sums over 512 pages);
//! prints instructions retired and a checksum.
#![no_std]
#![no_main]

use core::hint::black_box;
use guests::println;

/// 2 MiB of data: 512 pages of 4 KiB.
const WORDS: usize = 256 * 1024;

#[repr(C, align(4096))]
struct Buf([u64; WORDS]);

static mut BUF: Buf = Buf([0; WORDS]);

/// The kernel proper, run in S-mode: `rounds` passes over the buffer.
extern "C" fn kernel(rounds: u64) -> u64 {
    // SAFETY: only hart 0 runs, and only this function touches BUF.
    let buf = unsafe { &mut (*core::ptr::addr_of_mut!(BUF)).0 };
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for (i, w) in buf.iter_mut().enumerate() {
        *w = i as u64 ^ x;
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
    }
    let mut sum = 0u64;
    for _ in 0..rounds {
        // Random read-modify-writes.
        for _ in 0..WORDS / 2 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (x >> 40) as usize % WORDS;
            buf[i] = buf[i].wrapping_add(x >> 7);
            sum = sum.wrapping_add(buf[(i * 7) % WORDS]);
        }
        // A copy of the first half onto the second, bytewise every 8th word.
        let (lo, hi) = buf.split_at_mut(WORDS / 2);
        for (d, s) in hi.iter_mut().zip(lo.iter()) {
            *d = s.rotate_left(3);
        }
        // Strided sums with 32-bit and 8-bit loads.
        let bytes = unsafe { core::slice::from_raw_parts(buf.as_ptr() as *const u8, WORDS * 8) };
        let mut j = 0;
        while j < bytes.len() {
            sum = sum.wrapping_add(bytes[j] as u64);
            j += 61;
        }
        let halves = unsafe { core::slice::from_raw_parts(buf.as_ptr() as *const u32, WORDS * 2) };
        for h in halves.iter().step_by(5) {
            sum ^= *h as u64;
        }
    }
    sum
}

#[no_mangle]
extern "C" fn guest_main() {
    let (sum, insns) = guests::vm::run_in_sv39(kernel, black_box(40));
    println!("bench_mem: {} instructions, checksum {:#018x}", insns, sum);
}
