//! Core benchmarks of issue "The BorF core": vector kernels against a plain
//! Rust loop over the same data, interpreter loops, and the parser.
//!
//! Run: `cargo bench -p benches --bench core`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use qengine::{Interp, Value, Vector};

// The console's allocator (counting, huge pages for large blocks), so these
// numbers are what `borf` does.
#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

const N: usize = 10_000_000;

fn setup() -> Interp {
    let mut it = Interp::new();
    let x: Vec<i64> = (0..N as i64).collect();
    let y: Vec<i64> = (0..N as i64).rev().collect();
    it.set_global(qengine::Sym::new("x"), Value::Vector(Vector::longs(x)));
    it.set_global(qengine::Sym::new("y"), Value::Vector(Vector::longs(y)));
    let f: Vec<f64> = (0..N).map(|i| i as f64 * 0.25).collect();
    it.set_global(qengine::Sym::new("f"), Value::Vector(Vector::floats(f)));
    it
}

fn plain_sum(v: &[i64]) -> i64 {
    let mut s = 0i64;
    for &a in v {
        s = s.wrapping_add(a);
    }
    s
}

fn plain_add(a: &[i64], b: &[i64]) -> Vec<i64> {
    a.iter().zip(b).map(|(x, y)| x.wrapping_add(*y)).collect()
}

/// `f*x` as borf must compute it: the long converted, `0N` giving `0n`.
fn plain_mul_float_long(a: &[f64], b: &[i64]) -> Vec<f64> {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| x * if y == i64::MIN { f64::NAN } else { y as f64 })
        .collect()
}

fn kernels(c: &mut Criterion) {
    let mut it = setup();
    let raw_x: Vec<i64> = (0..N as i64).collect();
    let raw_y: Vec<i64> = (0..N as i64).rev().collect();
    let mut g = c.benchmark_group("kernels_10M");
    g.sample_size(20);
    g.bench_function("plain_rust_sum", |b| {
        b.iter(|| plain_sum(black_box(&raw_x)))
    });
    g.bench_function("borf_sum", |b| {
        b.iter(|| it.eval_text(black_box("sum x")).unwrap())
    });
    g.bench_function("plain_rust_add", |b| {
        b.iter(|| plain_add(black_box(&raw_x), black_box(&raw_y)))
    });
    g.bench_function("borf_add", |b| {
        b.iter(|| it.eval_text(black_box("x+y")).unwrap())
    });
    // mixed widths (float*long): the long side is converted chunk by chunk
    let raw_f: Vec<f64> = (0..N).map(|i| i as f64 * 0.25).collect();
    g.bench_function("plain_rust_float_times_long", |b| {
        b.iter(|| plain_mul_float_long(black_box(&raw_f), black_box(&raw_x)))
    });
    g.bench_function("borf_float_times_long", |b| {
        b.iter(|| it.eval_text(black_box("f*x")).unwrap())
    });
    g.bench_function("borf_til", |b| {
        b.iter(|| it.eval_text(black_box("til 10000000")).unwrap())
    });
    g.finish();
}

fn interpreter(c: &mut Criterion) {
    let mut it = Interp::new();
    let mut g = c.benchmark_group("interpreter");
    g.sample_size(10);
    g.bench_function("each_lambda_1M", |b| {
        b.iter(|| it.eval_text(black_box("{x+1} each til 1000000")).unwrap())
    });
    g.bench_function("do_1M_increment", |b| {
        b.iter(|| {
            it.eval_text(black_box("a:0; do[1000000; a+:1]; a"))
                .unwrap()
        })
    });
    // the same work with each and with peach on two secondary threads
    it.settings.threads_max = 2;
    it.settings.threads = 2;
    it.eval_text("pw:{sum sqrt til x}").unwrap();
    g.bench_function("each_8x2M_sqrt_sum", |b| {
        b.iter(|| it.eval_text(black_box("pw each 8#2000000")).unwrap())
    });
    g.bench_function("peach_8x2M_sqrt_sum_2_threads", |b| {
        b.iter(|| it.eval_text(black_box("pw peach 8#2000000")).unwrap())
    });
    g.finish();
}

fn script_10k() -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < 10_000 {
        s.push_str(&format!(
            "f{i}:{{[a;b] c:a*b+1; d:c-til 10; $[c>0;sum d;neg max d]}}\n\
             v{i}:2024.01.02 2024.01.03,`a`b`c,\"str\",1 2 3f / comment\n"
        ));
        i += 1;
    }
    s
}

fn parser(c: &mut Criterion) {
    let src = script_10k();
    c.bench_function("parse_10kB_script", |b| {
        b.iter(|| {
            for chunk in qparser::script::chunks(black_box(&src)) {
                black_box(qparser::parse(&chunk.text).ok());
            }
        })
    });
}

criterion_group!(benches, kernels, interpreter, parser);
criterion_main!(benches);
