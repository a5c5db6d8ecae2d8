//! Storage benches: `\l` of a partitioned database, and `select sum size
//! from trade` over its mapped rows (reported as GB/s of the column read).
//!
//! The database (10 date partitions of 1M rows each, one long column
//! `size`, 10M rows = 80 MB) is generated once under
//! `target/bench_storage/` and reused; `BORF_BENCH_ROWS` changes the rows
//! per partition (e.g. 10000000 for 100M rows, 800 MB).

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qengine::Interp;

const PARTS: usize = 10;

fn rows() -> usize {
    std::env::var("BORF_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn db_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join("target/bench_storage");
    root.join(format!("db{}", rows() * PARTS))
}

/// Writes the database unless it is already there.
fn ensure_db() -> PathBuf {
    let db = db_dir();
    let n = rows();
    let last = db.join(format!("2024.01.{PARTS:02}")).join("trade/.d");
    if last.exists() {
        return db;
    }
    let bytes: Vec<u8> = (0..n as i64)
        .flat_map(|i| (i % 1000).to_le_bytes())
        .collect();
    for k in 0..PARTS {
        let dir = db.join(format!("2024.01.{:02}", k + 1)).join("trade");
        let cols = vec![(
            "size".to_string(),
            qstorage::splay::ColData::Flat {
                ty: 7,
                attr: 0,
                bytes: std::borrow::Cow::Borrowed(&bytes[..]),
            },
        )];
        qstorage::splay::write_splay(&dir, &cols).expect("write partition");
    }
    db
}

fn bench(c: &mut Criterion) {
    let db = ensure_db();
    let total = rows() * PARTS;
    let load = format!("\\l {}", db.display());
    let mut g = c.benchmark_group("storage");
    g.measurement_time(Duration::from_secs(5));
    g.bench_function(format!("\\l partitioned db ({total} rows)"), |b| {
        b.iter(|| {
            let mut it = Interp::new();
            it.run_line(&load).expect("load");
        })
    });
    let mut it = Interp::new();
    it.run_line(&load).expect("load");
    g.throughput(Throughput::Bytes((total * 8) as u64));
    g.bench_function(format!("select sum size from trade ({total} rows)"), |b| {
        b.iter(|| it.eval_str("select sum size from trade").expect("select"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
