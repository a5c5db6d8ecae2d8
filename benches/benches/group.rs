//! Grouping benchmarks at 10M rows (issue 15, "groups on all cores"):
//! `group`, grouped aggregates by a symbol (exact and ordered
//! aggregates), by a key computed by a dictionary lookup, by `sums
//! differ`, and `fby`. The thread sweep is the same command with
//! `RAYON_NUM_THREADS=1` and `=2` (rayon's global pool is every kernel's
//! pool).
//!
//! Run: `cargo bench -p benches --bench group -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use qengine::Interp;

// The console's allocator (counting, huge pages for large blocks), so these
// numbers are what `borf` does.
#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

/// The queries, by name.
const QUERIES: &[(&str, &str)] = &[
    ("group_sym", "group t`sym"),
    ("group_long", "group t`size"),
    ("sum_by_sym", "select sum size by sym from t"),
    ("avg_by_sym", "select avg price by sym from t"),
    ("wavg_by_sym", "select size wavg price by sym from t"),
    (
        "seven_aggs_by_sym",
        "select sum size, avg price, max price, min size, first price, last size, count i by sym from t",
    ),
    (
        "by_dict_lookup",
        "select sum size, avg price by exnames ex from t",
    ),
    (
        "by_sums_differ",
        "select sum size by g:sums differ sym from t",
    ),
    ("fby_max", "select from t where price=(max;price) fby sym"),
    ("fby_avg", "select from t where size>(avg;size) fby sym"),
    ("fby_sums_per_row", "(sums;t`size) fby t`sym"),
];

fn group(c: &mut Criterion) {
    let mut it = Interp::new();
    for line in [
        "n:10000000",
        "syms:`$\"s\",/:string til 100",
        "exnames:\"ABCDNPQZ\"!`amex`bats`chx`edgx`nyse`arca`nasdaq`bx",
        "t:([]sym:n?syms;ex:n?\"ABCDNPQZ\";price:n?100f;size:n?1000)",
    ] {
        it.eval_text(line).expect("setup");
    }
    let mut g = c.benchmark_group("group_10M");
    g.sample_size(10);
    for (name, q) in QUERIES {
        g.bench_function(*name, |b| b.iter(|| it.eval_text(black_box(q)).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, group);
criterion_main!(benches);
