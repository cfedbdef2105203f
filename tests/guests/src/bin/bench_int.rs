//! Benchmark: an integer and branch kernel (Collatz walks, xorshift bit
//! counting, a sieve); prints instructions retired and a checksum.
#![no_std]
#![no_main]

use core::hint::black_box;
use guests::{csrr, println};

/// Sum over 1..n of each number's Collatz path length, mixed.
fn collatz(n: u64) -> u64 {
    let mut sum = 0u64;
    for i in 1..n {
        let mut x = i;
        let mut steps = 0u64;
        while x != 1 {
            x = if x & 1 == 0 { x >> 1 } else { 3 * x + 1 };
            steps += 1;
        }
        sum = sum.wrapping_mul(31).wrapping_add(steps);
    }
    sum
}

/// Population counts of an xorshift sequence, done bit by bit.
fn popcounts(n: u64, seed: u64) -> u64 {
    let mut x = seed;
    let mut total = 0u64;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut v = x;
        while v != 0 {
            v &= v - 1;
            total += 1;
        }
    }
    total
}

/// Primes below `N` by the sieve of Eratosthenes.
fn sieve() -> u64 {
    const N: usize = 1 << 16;
    let mut composite = [false; N];
    let mut count = 0;
    for i in 2..N {
        if !composite[i] {
            count += 1;
            let mut j = i * i;
            while j < N {
                composite[j] = true;
                j += i;
            }
        }
    }
    count
}

#[no_mangle]
extern "C" fn guest_main() {
    let start = csrr!(minstret);
    let mut sum = collatz(black_box(100_000));
    sum = sum
        .wrapping_mul(0x9e37_79b9)
        .wrapping_add(popcounts(black_box(200_000), 0x1234_5678));
    for _ in 0..black_box(40) {
        sum = sum.wrapping_mul(7).wrapping_add(sieve());
    }
    let insns = csrr!(minstret) - start;
    println!("bench_int: {} instructions, checksum {:#018x}", insns, sum);
}
