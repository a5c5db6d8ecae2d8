//! Builtin library benchmarks, math and statistics: moving sums, deltas and
//! binary search over large vectors, each beside a plain Rust loop over the
//! same data.
//!
//! Run: `cargo bench -p benches --bench library_math -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use benches::xorshift;
use criterion::{Criterion, criterion_group, criterion_main};
use qengine::{Interp, Sym, Value, Vector};

// The console's allocator (counting, huge pages for large blocks), so these
// numbers are what `borf` does.
#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

const N: usize = 10_000_000;
const LOOKUPS: usize = 1_000_000;

fn plain_msum3(v: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(v.len());
    let mut acc = 0.0;
    for (i, &x) in v.iter().enumerate() {
        acc += x;
        if i >= 3 {
            acc -= v[i - 3];
        }
        out.push(acc);
    }
    out
}

fn plain_deltas(v: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(v.len());
    let mut prev = 0i64;
    for &x in v {
        out.push(x.wrapping_sub(prev));
        prev = x;
    }
    out
}

fn plain_bin(x: &[i64], y: &[i64]) -> Vec<i64> {
    y.iter()
        .map(|&k| x.partition_point(|&a| a <= k) as i64 - 1)
        .collect()
}

fn library_math(c: &mut Criterion) {
    let mut it = Interp::new();
    let rnd = xorshift(N, 0x2545_F491_4F6C_DD1D);
    let f: Vec<f64> = rnd
        .iter()
        .map(|&r| (r >> 11) as f64 / (1u64 << 53) as f64)
        .collect();
    let l: Vec<i64> = rnd.iter().map(|&r| (r % 1_000_000) as i64).collect();
    let mut sorted: Vec<i64> = rnd.iter().map(|&r| (r >> 4) as i64).collect();
    sorted.sort_unstable();
    let lookups: Vec<i64> = xorshift(LOOKUPS, 0x9E37_79B9_7F4A_7C15)
        .iter()
        .map(|&r| (r >> 4) as i64)
        .collect();
    it.set_global(Sym::new("f"), Value::Vector(Vector::floats(f.clone())));
    it.set_global(Sym::new("l"), Value::Vector(Vector::longs(l.clone())));
    it.set_global(Sym::new("s"), Value::Vector(Vector::longs(sorted.clone())));
    it.set_global(Sym::new("k"), Value::Vector(Vector::longs(lookups.clone())));

    let mut g = c.benchmark_group("library_math");
    g.sample_size(10);
    g.bench_function("plain_rust_msum3_10M_floats", |b| {
        b.iter(|| plain_msum3(black_box(&f)))
    });
    g.bench_function("borf_3_msum_10M_floats", |b| {
        b.iter(|| it.eval_text(black_box("3 msum f")).unwrap())
    });
    g.bench_function("plain_rust_deltas_10M_longs", |b| {
        b.iter(|| plain_deltas(black_box(&l)))
    });
    g.bench_function("borf_deltas_10M_longs", |b| {
        b.iter(|| it.eval_text(black_box("deltas l")).unwrap())
    });
    g.bench_function("plain_rust_bin_1M_in_10M", |b| {
        b.iter(|| plain_bin(black_box(&sorted), black_box(&lookups)))
    });
    g.bench_function("borf_bin_1M_in_10M", |b| {
        b.iter(|| it.eval_text(black_box("s bin k")).unwrap())
    });
    g.finish();
}

criterion_group!(benches, library_math);
criterion_main!(benches);
