//! Benchmark: an F/D kernel (double matrix products, a single-precision
//! n-body step with square roots and divisions); prints instructions retired
//! and a checksum of the result bits.
#![no_std]
#![no_main]

use core::hint::black_box;
use guests::{csrr, println};

const N: usize = 24;

/// c = a * b for N x N doubles, `rounds` times with a feedback step.
fn matmul(rounds: usize) -> u64 {
    let mut a = [[0f64; N]; N];
    let mut b = [[0f64; N]; N];
    let mut c = [[0f64; N]; N];
    for i in 0..N {
        for j in 0..N {
            a[i][j] = (i * N + j) as f64 / 7.0 - 3.0;
            b[i][j] = (j as f64 - i as f64) * 0.25 + 1.0;
        }
    }
    for _ in 0..rounds {
        for i in 0..N {
            for j in 0..N {
                let mut s = 0.0;
                for k in 0..N {
                    s += a[i][k] * b[k][j];
                }
                c[i][j] = s;
            }
        }
        for i in 0..N {
            for j in 0..N {
                a[i][j] = c[i][j] / (1.0 + c[i][j].abs());
            }
        }
    }
    let mut h = 0u64;
    for row in &a {
        for v in row {
            h = h.rotate_left(5) ^ v.to_bits();
        }
    }
    h
}

/// A few single-precision n-body steps.
fn nbody(steps: usize) -> u64 {
    const B: usize = 16;
    let mut pos = [[0f32; 3]; B];
    let mut vel = [[0f32; 3]; B];
    for (i, p) in pos.iter_mut().enumerate() {
        let f = i as f32;
        *p = [f * 1.5, f * 0.5 - 4.0, (f * 0.75) % 3.0];
    }
    for _ in 0..steps {
        for i in 0..B {
            let mut acc = [0f32; 3];
            for j in 0..B {
                if i == j {
                    continue;
                }
                let d = [
                    pos[j][0] - pos[i][0],
                    pos[j][1] - pos[i][1],
                    pos[j][2] - pos[i][2],
                ];
                let r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] + 0.01;
                let inv = 1.0 / (r2 * sqrt(r2));
                for k in 0..3 {
                    acc[k] += d[k] * inv;
                }
            }
            for k in 0..3 {
                vel[i][k] += acc[k] * 0.001;
            }
        }
        for i in 0..B {
            for k in 0..3 {
                pos[i][k] += vel[i][k] * 0.001;
            }
        }
    }
    pos.iter()
        .flatten()
        .fold(0u64, |h, v| h.rotate_left(7) ^ v.to_bits() as u64)
}

/// fsqrt.s.
fn sqrt(x: f32) -> f32 {
    let r: f32;
    // SAFETY: a register-only FP instruction.
    unsafe { core::arch::asm!("fsqrt.s {0}, {1}", out(freg) r, in(freg) x) };
    r
}

#[no_mangle]
extern "C" fn guest_main() {
    let start = csrr!(minstret);
    let sum = matmul(black_box(600)) ^ nbody(black_box(6_000)).rotate_left(32);
    let insns = csrr!(minstret) - start;
    println!("bench_fp: {} instructions, checksum {:#018x}", insns, sum);
}
