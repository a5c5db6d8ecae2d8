//! Arrow and Parquet benchmarks: handing a 10M-row table (a long and a
//! float column, no nulls) to Arrow — what `borf.q(...).pl()` does before
//! Polars takes the buffers — and writing a 2M-row trades-shaped table as
//! Parquet (row groups encoded in parallel).
//!
//! Run: `cargo bench -p benches --bench arrow -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;

use benches::xorshift;
use criterion::{Criterion, criterion_group, criterion_main};
use qarrow::WriteOptions;
use qarrow::convert::table_to_batch;
use qarrow::parquet::{self, ParquetWrite};
use qcore::{Sym, Ty, Value, Vector};

#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

fn hand_over(c: &mut Criterion) {
    const N: usize = 10_000_000;
    let rnd = xorshift(N, 0x2545_F491_4F6C_DD1D);
    let t = Value::table(
        vec![Sym::new("size"), Sym::new("price")],
        vec![
            Value::Vector(Vector::longs(
                rnd.iter().map(|&r| (r % 1000) as i64).collect(),
            )),
            Value::Vector(Vector::floats(
                rnd.iter().map(|&r| (r >> 11) as f64 / 1e12).collect(),
            )),
        ],
    );
    let mut g = c.benchmark_group("arrow_10M");
    g.sample_size(20);
    g.bench_function("table_to_batch_long_float", |b| {
        b.iter(|| table_to_batch(black_box(&t), &WriteOptions::default()).expect("batch"))
    });
    g.finish();
}

fn parquet_write(c: &mut Criterion) {
    const N: usize = 2_000_000;
    let rnd = xorshift(N, 0x9E37_79B9_7F4A_7C15);
    let syms = [
        "AAPL", "MSFT", "GOOG", "IBM", "AMZN", "META", "NVDA", "TSLA",
    ];
    let mut time: Vec<i64> = rnd
        .iter()
        .map(|&r| (r % 23_400_000_000_000) as i64)
        .collect();
    time.sort_unstable();
    let t = Value::table(
        vec![
            Sym::new("sym"),
            Sym::new("time"),
            Sym::new("price"),
            Sym::new("size"),
        ],
        vec![
            Value::Vector(Vector::syms(
                rnd.iter()
                    .map(|&r| Sym::new(syms[(r % 8) as usize]))
                    .collect(),
            )),
            Value::Vector(Vector::from_i64(Ty::Timestamp, time)),
            Value::Vector(Vector::floats(
                rnd.iter()
                    .map(|&r| 100.0 + (r >> 11) as f64 / 1e15)
                    .collect(),
            )),
            Value::Vector(Vector::longs(
                rnd.iter().map(|&r| (r % 1000) as i64).collect(),
            )),
        ],
    );
    let dir = std::env::temp_dir().join(format!("borf-bench-arrow-{}", std::process::id()));
    let path = dir.join("trades.parquet");
    let mut g = c.benchmark_group("parquet_2M");
    g.sample_size(10);
    g.bench_function("write_trades_snappy", |b| {
        b.iter(|| parquet::write(&path, black_box(&t), &ParquetWrite::default()).expect("write"))
    });
    g.finish();
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, hand_over, parquet_write);
criterion_main!(benches);
