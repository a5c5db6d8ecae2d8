//! As-of join benchmarks (issue 15, "aj in parallel by key"): `aj` of 1M
//! and of 10M trades against 10M quotes over 100 symbols, with one and
//! with two exact keys. The thread sweep is the same command with
//! `RAYON_NUM_THREADS=1` and `=2`.
//!
//! Run: `cargo bench -p benches --bench aj -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use qengine::Interp;

// The console's allocator (counting, huge pages for large blocks), so these
// numbers are what `borf` does.
#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

fn aj(c: &mut Criterion) {
    let mut it = Interp::new();
    for line in [
        "n:10000000",
        "syms:`$\"s\",/:string til 100",
        "q:([]sym:n?syms;ex:n?\"AB\";time:asc 09:30:00.000+n?23400000;bid:n?100f;ask:n?100f)",
        "t1:([]sym:1000000?syms;ex:1000000?\"AB\";time:asc 09:30:00.000+1000000?23400000;price:1000000?100f)",
        "t10:([]sym:n?syms;ex:n?\"AB\";time:asc 09:30:00.000+n?23400000;price:n?100f)",
    ] {
        it.eval_text(line).expect("setup");
    }
    let mut g = c.benchmark_group("aj");
    g.sample_size(10);
    for (name, q) in [
        ("aj_1M_10M", "aj[`sym`time;t1;q]"),
        ("aj_10M_10M", "aj[`sym`time;t10;q]"),
        ("aj_two_keys_10M_10M", "aj[`sym`ex`time;t10;q]"),
    ] {
        g.bench_function(name, |b| b.iter(|| it.eval_text(black_box(q)).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, aj);
criterion_main!(benches);
