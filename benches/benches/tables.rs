//! Tables, functional qSQL and joins (issue "Dictionaries, tables, keyed
//! tables, qSQL and joins").
//!
//! Run: `cargo bench -p benches --bench tables` (`BORF_COMPILE=0`: the
//! interpreter instead of the compiled-expression core).
//!
//! Sizes: select-by over 10M rows / 100 syms; `aj` of 1M trades against 10M
//! quotes (as the issue asks); `wj` of 100k rows against 1M quotes.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use qcore::Table;
use qengine::{Interp, Sym, Value, Vector};

// The console's allocator (counting, huge pages for large blocks), so these
// numbers are what `borf` does.
#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

fn syms(n: usize, k: usize, seed: u64) -> Vec<Sym> {
    let names: Vec<Sym> = (0..k).map(|i| Sym::new(&format!("s{i}"))).collect();
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            names[(x % k as u64) as usize]
        })
        .collect()
}

fn table(names: &[&str], cols: Vec<Value>) -> Value {
    Value::Table(Arc::new(Table {
        names: names.iter().map(|s| Sym::new(s)).collect(),
        columns: cols,
    }))
}

fn set(it: &mut Interp, name: &str, v: Value) {
    it.set_global(Sym::new(name), v);
}

fn select_by(c: &mut Criterion) {
    let n = 10_000_000;
    let mut it = Interp::new();
    let size: Vec<i64> = (0..n as i64).map(|i| i % 1000).collect();
    let px: Vec<f64> = (0..n as i64)
        .map(|i| (i * 7919 % 10007) as f64 / 100.0)
        .collect();
    set(
        &mut it,
        "t",
        table(
            &["sym", "size", "px"],
            vec![
                Value::Vector(Vector::syms(syms(n, 100, 88172645463325252))),
                Value::Vector(Vector::longs(size)),
                Value::Vector(Vector::floats(px)),
            ],
        ),
    );
    let mut g = c.benchmark_group("qsql_10M");
    g.sample_size(10);
    g.bench_function("select_sum_size_by_sym", |b| {
        b.iter(|| {
            it.eval_text(black_box(
                "?[t;();(enlist`sym)!enlist`sym;(enlist`s)!enlist(sum;`size)]",
            ))
            .unwrap()
        })
    });
    g.bench_function("select_where_size_gt", |b| {
        b.iter(|| {
            it.eval_text(black_box("?[t;enlist(>;`size;900);0b;()]"))
                .unwrap()
        })
    });
    // two constraints (the second sees only the first's survivors) + sum
    g.bench_function("select_sum_where_two_constraints", |b| {
        b.iter(|| {
            it.eval_text(black_box(
                "?[t;((>;`size;100);(<;`px;50f));0b;(enlist`s)!enlist(sum;`size)]",
            ))
            .unwrap()
        })
    });
    // comparative Q8: a computed float*long column, then the top 10 by it
    g.bench_function("top10_desc_of_update_px_times_size", |b| {
        b.iter(|| {
            it.eval_text(black_box("select[10;>v] from update v:px*size from t"))
                .unwrap()
        })
    });
    g.finish();
}

/// Trades and quotes for `syms` symbols, sorted by time (quotes by sym
/// then time within the sym, as `aj` requires of its right argument).
fn market(it: &mut Interp, nt: usize, nq: usize) {
    let k = 100;
    let qs = syms(nq, k, 0x9E3779B97F4A7C15);
    let qt: Vec<i64> = (0..nq as i64).map(|i| i * 10).collect();
    let bid: Vec<f64> = (0..nq).map(|i| (i % 997) as f64 * 0.5).collect();
    let ts = syms(nt, k, 0x2545F4914F6CDD1D);
    let step = (nq * 10 / nt.max(1)) as i64;
    let tt: Vec<i64> = (0..nt as i64).map(|i| i * step + 3).collect();
    let px: Vec<f64> = (0..nt).map(|i| (i % 101) as f64).collect();
    set(
        it,
        "q",
        table(
            &["sym", "time", "bid"],
            vec![
                Value::Vector(Vector::syms(qs)),
                Value::Vector(Vector::from_i64(qengine::Ty::Timestamp, qt)),
                Value::Vector(Vector::floats(bid)),
            ],
        ),
    );
    set(
        it,
        "tr",
        table(
            &["sym", "time", "px"],
            vec![
                Value::Vector(Vector::syms(ts)),
                Value::Vector(Vector::from_i64(qengine::Ty::Timestamp, tt)),
                Value::Vector(Vector::floats(px)),
            ],
        ),
    );
}

fn joins(c: &mut Criterion) {
    let mut it = Interp::new();
    market(&mut it, 1_000_000, 10_000_000);
    let mut g = c.benchmark_group("joins");
    g.sample_size(10);
    g.bench_function("aj_1M_trades_10M_quotes", |b| {
        b.iter(|| it.eval_text(black_box("aj[`sym`time;tr;q]")).unwrap())
    });
    let mut it2 = Interp::new();
    market(&mut it2, 100_000, 1_000_000);
    it2.eval_text("w:(-1000+tr`time;tr`time)").unwrap();
    g.bench_function("wj_100k_1M_max_bid", |b| {
        b.iter(|| {
            it2.eval_text(black_box("wj[w;`sym`time;tr;(q;(max;`bid))]"))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, select_by, joins);
criterion_main!(benches);
