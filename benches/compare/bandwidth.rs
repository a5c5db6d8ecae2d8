//! Memory bandwidth of this machine, for the comparative benchmark (issue 6):
//! a plain Rust sum over an in-memory `i64` array much larger than the
//! caches, on one thread and on all cores. Best of several runs.
//!
//! `cargo run --release -p benches --example bandwidth [-- MEGABYTES]`

use std::hint::black_box;
use std::time::Instant;

/// The sum of a slice with eight independent accumulators (the compiler
/// vectorises this into wide adds; one accumulator would be latency-bound).
fn sum(xs: &[i64]) -> i64 {
    let mut acc = [0i64; 8];
    let mut chunks = xs.chunks_exact(8);
    for c in &mut chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a = a.wrapping_add(x);
        }
    }
    let tail: i64 = chunks.remainder().iter().fold(0, |a, &x| a.wrapping_add(x));
    acc.iter().fold(tail, |a, &x| a.wrapping_add(x))
}

/// Best wall-clock seconds of `reps` runs of `sum` over `xs` split into
/// `threads` parts, each summed by its own thread.
fn best(xs: &[i64], threads: usize, reps: usize) -> f64 {
    let part = xs.len().div_ceil(threads);
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t0 = Instant::now();
        let total: i64 = std::thread::scope(|s| {
            let hs: Vec<_> = xs
                .chunks(part)
                .map(|c| s.spawn(move || sum(black_box(c))))
                .collect();
            hs.into_iter()
                .map(|h| h.join().unwrap_or(0))
                .fold(0, i64::wrapping_add)
        });
        black_box(total);
        best = best.min(t0.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1024);
    let n = mb * (1 << 20) / 8;
    // filled (not zero pages), so every read touches real memory
    let xs: Vec<i64> = (0..n as i64).collect();
    let bytes = (n * 8) as f64;
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let t1 = best(&xs, 1, 5);
    let tn = best(&xs, cores, 5);
    let g1 = bytes / t1 / 1e9;
    let gn = bytes / tn / 1e9;
    println!(
        "memory bandwidth (plain Rust sum of {n} i64, {mb} MiB, best of 5): \
         1 thread {g1:.1} GB/s ({:.1} ms), {cores} threads {gn:.1} GB/s ({:.1} ms)",
        t1 * 1e3,
        tn * 1e3
    );
    println!("SUMMARY {g1:.1} GB/s (1 thread), {gn:.1} GB/s ({cores} threads)");
}
