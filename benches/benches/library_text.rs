//! Builtin library benchmarks (strings and time): `like` over 1M symbols
//! and `xbar` over 10M timestamps.
//!
//! Run: `cargo bench -p benches --bench library_text -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use qengine::{Interp, Sym, Value, Vector};

// The console's allocator (counting, huge pages for large blocks), so these
// numbers are what `borf` does.
#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

fn setup() -> Interp {
    let mut it = Interp::new();
    // 1M symbols drawn from 1000 distinct names.
    let names: Vec<Sym> = (0..1000)
        .map(|i| Sym::new(&format!("sym{i:04}x")))
        .collect();
    let s: Vec<Sym> = (0..1_000_000usize)
        .map(|i| names[(i * 7919) % names.len()])
        .collect();
    it.set_global(Sym::new("s"), Value::Vector(Vector::syms(s)));
    // 10M timestamps one day apart from 2024.01.01, spaced 8.64 ms.
    let start: i64 = 8766 * 86_400_000_000_000;
    let p: Vec<i64> = (0..10_000_000i64).map(|i| start + i * 8_640_000).collect();
    it.set_global(
        Sym::new("p"),
        Value::Vector(Vector::from_i64(qengine::Ty::Timestamp, p)),
    );
    it
}

fn library(c: &mut Criterion) {
    let mut it = setup();
    let mut g = c.benchmark_group("library_text");
    g.sample_size(10);
    g.bench_function("like_1M_syms_prefix", |b| {
        b.iter(|| it.eval_text(black_box("s like \"sym1*\"")).unwrap())
    });
    g.bench_function("like_1M_syms_general", |b| {
        b.iter(|| it.eval_text(black_box("s like \"sym?[0-4]*x\"")).unwrap())
    });
    g.bench_function("xbar_10M_timestamps", |b| {
        b.iter(|| it.eval_text(black_box("0D00:05 xbar p")).unwrap())
    });
    g.finish();
}

criterion_group!(benches, library);
criterion_main!(benches);
