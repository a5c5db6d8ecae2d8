//! Sort benchmarks: grades and sorts of 10M random floats and of 10M longs
//! spread over 40 bits (keys whose every byte varies: the bucket grade),
//! and of 10M longs below 100,000 (three radix passes), beside std's
//! unstable sort of the same floats.
//!
//! Run: `cargo bench -p benches --bench sort -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;

use benches::xorshift;
use criterion::{Criterion, criterion_group, criterion_main};
use qengine::{Interp, Sym, Value, Vector};

// The console's allocator (counting, huge pages for large blocks), so these
// numbers are what `borf` does.
#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

const N: usize = 10_000_000;

fn sort(c: &mut Criterion) {
    let mut it = Interp::new();
    let rnd = xorshift(N, 0x2545_F491_4F6C_DD1D);
    let f: Vec<f64> = rnd
        .iter()
        .map(|&r| (r >> 11) as f64 / (1u64 << 53) as f64)
        .collect();
    let wide: Vec<i64> = rnd.iter().map(|&r| (r >> 24) as i64).collect();
    let narrow: Vec<i64> = rnd.iter().map(|&r| (r % 100_000) as i64).collect();
    it.set_global(Sym::new("f"), Value::Vector(Vector::floats(f.clone())));
    it.set_global(Sym::new("w"), Value::Vector(Vector::longs(wide)));
    it.set_global(Sym::new("n"), Value::Vector(Vector::longs(narrow)));

    let mut g = c.benchmark_group("sort_10M");
    g.sample_size(10);
    g.bench_function("plain_rust_sort_unstable_floats", |b| {
        b.iter(|| {
            let mut v = black_box(&f).clone();
            v.sort_unstable_by(f64::total_cmp);
            v
        })
    });
    for q in [
        "iasc f", "asc f", "idesc f", "desc f", "iasc w", "asc w", "iasc n", "asc n",
    ] {
        g.bench_function(q.replace(' ', "_"), |b| {
            b.iter(|| it.eval_text(black_box(q)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, sort);
criterion_main!(benches);
