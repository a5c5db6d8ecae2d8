//! Storage benches: `\l` of a partitioned database, and `select sum size
//! from trade` over its mapped rows (reported as GB/s of the column read).
//!
//! The database (10 date partitions of 1M rows each, one long column
//! `size`, 10M rows = 80 MB) is generated once under
//! `target/bench_storage/` and reused; `BORF_BENCH_ROWS` changes the rows
//! per partition (e.g. 10000000 for 100M rows, 800 MB).
//!
//! Partitions in parallel (issue 6): a second database of 20 date
//! partitions of 500k rows (`sym` `p#` over 100 symbols, `time`, `price`,
//! `size`; 10M rows, written once with `.Q.dpft` under
//! `target/bench_storage/parts20`), queried by sym over a date range, by
//! date, and with a where clause over every partition.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qengine::Interp;

// The console's allocator (counting, huge pages for large blocks), so these
// numbers are what `borf` does.
#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

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
        b.iter(|| it.eval_text("select sum size from trade").expect("select"))
    });
    g.finish();
}

/// The 20-partition database (written unless it is already there).
fn ensure_parts_db() -> PathBuf {
    let db = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join("target/bench_storage/parts20");
    if db.join("2024.01.20/trade/.d").exists() {
        return db;
    }
    let mut it = Interp::new();
    it.eval_text(&format!(
        "n:500000; syms:`$\"s\",/:string til 100; \
         mk:{{[d] trade::([] sym:n?syms; time:09:30:00.000+n?23400000; price:100+0.01*n?10000; size:1+n?1000); \
         .Q.dpft[`:{};d;`sym;`trade]}}; mk each 2024.01.01+til 20",
        db.display()
    ))
    .expect("write partitions");
    db
}

fn bench_parts(c: &mut Criterion) {
    let db = ensure_parts_db();
    let mut it = Interp::new();
    it.run_line(&format!("\\l {}", db.display())).expect("load");
    let mut g = c.benchmark_group("partitions");
    g.measurement_time(Duration::from_secs(5));
    g.sample_size(20);
    for q in [
        "select sum size, max price by sym from trade where date within 2024.01.03 2024.01.18",
        "select count i by date from trade",
        "select sum size, max price by date from trade where sym=`s1",
        "select sum size, n:count i from trade where date within 2024.01.03 2024.01.18, size>500",
        "select sum size by sym from trade where price>195",
        "select from trade where size>998",
    ] {
        g.bench_function(format!("{q} (20x500k)"), |b| {
            b.iter(|| it.eval_text(q).expect("select"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench, bench_parts);
criterion_main!(benches);
