//! Round trips of every q type through Arrow IPC (file and stream, disk
//! and bytes) and Parquet (every compression), with nulls and empty
//! tables; projection and row-group selection; statistics.

use std::path::PathBuf;

use qarrow::convert::table_to_batch;
use qarrow::ipc::{self, Compression as IpcCompression, Format};
use qarrow::parquet::{self, Compression, ParquetFile, ParquetRead, ParquetWrite};
use qarrow::{ReadOptions, WriteOptions};
use qcore::{Atom, Sym, Ty, Value, VecData, Vector, sentinel};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qarrow-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Vector(x), Value::Vector(y)) => {
            x.ty() == y.ty()
                && x.len() == y.len()
                && match (x.data(), y.data()) {
                    (VecData::F64(p), VecData::F64(q)) => p
                        .iter()
                        .zip(q.iter())
                        .all(|(a, b)| a == b || (a.is_nan() && b.is_nan())),
                    (VecData::F32(p), VecData::F32(q)) => p
                        .iter()
                        .zip(q.iter())
                        .all(|(a, b)| a == b || (a.is_nan() && b.is_nan())),
                    (p, q) => p == q,
                }
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same(a, b))
        }
        (Value::Table(x), Value::Table(y)) => {
            x.names == y.names
                && x.columns.len() == y.columns.len()
                && x.columns
                    .iter()
                    .zip(y.columns.iter())
                    .all(|(a, b)| same(a, b))
        }
        (Value::Dict(x), Value::Dict(y)) => same(&x.keys, &y.keys) && same(&x.values, &y.values),
        _ => false,
    }
}

fn vec_of(ty: Ty, atoms: &[Atom]) -> Value {
    Value::Vector(Vector::from_atoms(ty, atoms).expect("atoms of the type"))
}

/// Every q type, with nulls, infinities and ordinary items.
fn every_type() -> Value {
    use Atom::*;
    let s = Value::string;
    let cols: Vec<(&str, Value)> = vec![
        (
            "b",
            vec_of(Ty::Bool, &[Bool(true), Bool(false), Bool(true)]),
        ),
        (
            "g",
            vec_of(Ty::Guid, &[Guid([7; 16]), Guid([0; 16]), Guid([1; 16])]),
        ),
        ("x", vec_of(Ty::Byte, &[Byte(0), Byte(255), Byte(16)])),
        (
            "h",
            vec_of(
                Ty::Short,
                &[Short(1), Short(sentinel::NH), Short(sentinel::WH)],
            ),
        ),
        (
            "i",
            vec_of(Ty::Int, &[Int(1), Int(sentinel::NI), Int(-sentinel::WI)]),
        ),
        (
            "j",
            vec_of(Ty::Long, &[Long(1), Long(sentinel::NJ), Long(sentinel::WJ)]),
        ),
        (
            "e",
            vec_of(Ty::Real, &[Real(1.5), Real(f32::NAN), Real(f32::INFINITY)]),
        ),
        (
            "f",
            vec_of(
                Ty::Float,
                &[Float(-2.25), Float(f64::NAN), Float(f64::NEG_INFINITY)],
            ),
        ),
        ("c", vec_of(Ty::Char, &[Char(b'a'), Char(b' '), Char(b'z')])),
        (
            "s",
            vec_of(
                Ty::Symbol,
                &[
                    Symbol(Sym::new("ibm")),
                    Symbol(Sym::EMPTY),
                    Symbol(Sym::new("msft")),
                ],
            ),
        ),
        (
            "p",
            vec_of(
                Ty::Timestamp,
                &[
                    Timestamp(1),
                    Timestamp(sentinel::NJ),
                    Timestamp(sentinel::WJ),
                ],
            ),
        ),
        (
            "m",
            vec_of(Ty::Month, &[Month(0), Month(sentinel::NI), Month(-13)]),
        ),
        (
            "d",
            vec_of(
                Ty::Date,
                &[Date(8766), Date(sentinel::NI), Date(-sentinel::WI)],
            ),
        ),
        (
            "z",
            vec_of(
                Ty::Datetime,
                &[Datetime(1.5), Datetime(f64::NAN), Datetime(-365.25)],
            ),
        ),
        (
            "n",
            vec_of(
                Ty::Timespan,
                &[Timespan(12), Timespan(sentinel::NJ), Timespan(sentinel::WJ)],
            ),
        ),
        (
            "u",
            vec_of(Ty::Minute, &[Minute(61), Minute(sentinel::NI), Minute(0)]),
        ),
        (
            "v",
            vec_of(
                Ty::Second,
                &[Second(3661), Second(sentinel::NI), Second(59)],
            ),
        ),
        (
            "t",
            vec_of(Ty::Time, &[Time(45_296_789), Time(sentinel::NI), Time(0)]),
        ),
        ("str", Value::list(vec![s("hello"), s(""), s("wörld")])),
        (
            "lj",
            Value::list(vec![
                Value::Vector(Vector::longs(vec![1, sentinel::NJ])),
                Value::Vector(Vector::longs(vec![])),
                Value::Vector(Vector::longs(vec![3])),
            ]),
        ),
        (
            "lf",
            Value::list(vec![
                Value::Vector(Vector::floats(vec![1.5])),
                Value::Vector(Vector::floats(vec![f64::NAN, 2.0])),
                Value::Vector(Vector::floats(vec![])),
            ]),
        ),
    ];
    let (names, columns): (Vec<Sym>, Vec<Value>) =
        cols.into_iter().map(|(n, c)| (Sym::new(n), c)).unzip();
    Value::table(names, columns)
}

fn empty_of(t: &Value) -> Value {
    let Value::Table(t) = t else { panic!("table") };
    let cols = t
        .columns
        .iter()
        .map(|c| match c {
            Value::Vector(v) => Value::Vector(Vector::empty(v.ty())),
            _ => Value::list(vec![]),
        })
        .collect();
    Value::table(t.names.clone(), cols)
}

#[test]
fn ipc_file_and_stream_round_trip_every_type() {
    let t = every_type();
    let w = WriteOptions::default();
    let r = ReadOptions::default();
    for format in [Format::File, Format::Stream] {
        for c in [
            IpcCompression::None,
            IpcCompression::Lz4,
            IpcCompression::Zstd,
        ] {
            let bytes = ipc::to_bytes(&t, format, c, &w).expect("write");
            assert_eq!(ipc::sniff(&bytes), format);
            let back = ipc::from_bytes(&bytes, None, &r).expect("read");
            assert!(same(&t, &back), "{format:?} {c:?}");
            let p = tmp(&format!("t-{format:?}-{c:?}.arrow"));
            ipc::write_path(&p, &t, format, c, &w).expect("write file");
            assert!(same(&t, &ipc::read_path(&p, None, &r).expect("read file")));
        }
    }
    // projection, in the order asked for
    let bytes = ipc::to_bytes(&t, Format::File, IpcCompression::None, &w).expect("write");
    let cols = vec!["s".to_string(), "j".to_string()];
    let Value::Table(p) = ipc::from_bytes(&bytes, Some(&cols), &r).expect("read") else {
        panic!()
    };
    assert_eq!(p.names, vec![Sym::new("s"), Sym::new("j")]);
    let e = ipc::from_bytes(&bytes, Some(&["nope".to_string()]), &r).unwrap_err();
    assert_eq!(e.name, "nope");
}

#[test]
fn parquet_round_trips_every_type_and_compression() {
    let t = every_type();
    let r = ParquetRead::default();
    for c in [
        Compression::None,
        Compression::Snappy,
        Compression::Zstd,
        Compression::Lz4,
        Compression::Gzip,
    ] {
        let w = ParquetWrite {
            compression: c,
            ..Default::default()
        };
        let p = tmp(&format!("t-{c:?}.parquet"));
        parquet::write(&p, &t, &w).expect("write");
        let back = parquet::read(&p, &r).expect("read");
        assert!(same(&t, &back), "{c:?}\n{t:?}\n{back:?}");
        let bytes = parquet::to_bytes(&t, &w).expect("bytes");
        assert!(same(
            &t,
            &parquet::from_bytes(&bytes, &r).expect("read bytes")
        ));
    }
    // plain-string symbols read back as symbols (borf's type letter)
    let w = ParquetWrite {
        arrow: WriteOptions {
            sym_dictionary: false,
        },
        ..Default::default()
    };
    let p = tmp("plain-syms.parquet");
    parquet::write(&p, &t, &w).expect("write");
    assert!(same(&t, &parquet::read(&p, &r).expect("read")));
}

#[test]
fn empty_tables_round_trip() {
    let t = empty_of(&every_type());
    let p = tmp("empty.parquet");
    parquet::write(&p, &t, &ParquetWrite::default()).expect("write");
    let back = parquet::read(&p, &ParquetRead::default()).expect("read");
    assert!(same(&t, &back), "{back:?}");
    let bytes = ipc::to_bytes(
        &t,
        Format::Stream,
        IpcCompression::None,
        &WriteOptions::default(),
    )
    .expect("ipc");
    assert!(same(
        &t,
        &ipc::from_bytes(&bytes, None, &ReadOptions::default()).expect("read")
    ));
}

#[test]
fn parquet_projection_row_groups_and_stats() {
    let n = 10_000i64;
    let t = Value::table(
        vec![Sym::new("a"), Sym::new("b"), Sym::new("c")],
        vec![
            Value::Vector(Vector::longs((0..n).collect())),
            Value::Vector(Vector::floats((0..n).map(|i| i as f64 / 2.0).collect())),
            Value::Vector(Vector::from_i32(
                Ty::Date,
                (0..n).map(|i| (i / 1000) as i32).collect(),
            )),
        ],
    );
    let p = tmp("groups.parquet");
    parquet::write(
        &p,
        &t,
        &ParquetWrite {
            row_group_rows: 1000,
            ..Default::default()
        },
    )
    .expect("write");
    let f = ParquetFile::open(&p).expect("open");
    assert_eq!(f.row_group_rows(), vec![1000; 10]);
    let read = ParquetRead {
        columns: Some(vec!["c".into(), "a".into()]),
        row_groups: Some(vec![2, 7]),
        ..Default::default()
    };
    let Value::Table(got) = f.read(&read).expect("read") else {
        panic!()
    };
    assert_eq!(got.names, vec![Sym::new("c"), Sym::new("a")]);
    let a = got.columns[1].clone();
    let want: Vec<i64> = (2000..3000).chain(7000..8000).collect();
    assert!(same(&a, &Value::Vector(Vector::longs(want))));
    let stats = f
        .stats(&["c".to_string()], &ReadOptions::default())
        .expect("stats");
    let (mins, maxs, _) = &stats[0];
    assert!(same(
        mins,
        &Value::Vector(Vector::from_i32(Ty::Date, (0..10).collect()))
    ));
    assert!(same(
        maxs,
        &Value::Vector(Vector::from_i32(Ty::Date, (0..10).collect()))
    ));
    assert_eq!(
        f.read(&ParquetRead {
            row_groups: Some(vec![10]),
            ..Default::default()
        })
        .unwrap_err()
        .name,
        "index"
    );
    // a progress callback sees every row
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let s2 = seen.clone();
    let read = ParquetRead {
        progress: Some(std::sync::Arc::new(move |done, total| {
            assert!(done <= total);
            s2.fetch_max(done, std::sync::atomic::Ordering::Relaxed);
        })),
        ..Default::default()
    };
    assert_eq!(f.read(&read).expect("read").count(), n as usize);
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), n as usize);
}

#[test]
fn keyed_tables_survive_parquet() {
    let k = Value::table(
        vec![Sym::new("k")],
        vec![Value::Vector(Vector::syms(vec![
            Sym::new("a"),
            Sym::new("b"),
        ]))],
    );
    let v = Value::table(
        vec![Sym::new("v")],
        vec![Value::Vector(Vector::longs(vec![1, 2]))],
    );
    let kt = Value::dict(k, v);
    let p = tmp("keyed.parquet");
    parquet::write(&p, &kt, &ParquetWrite::default()).expect("write");
    assert!(same(
        &kt,
        &parquet::read(&p, &ParquetRead::default()).expect("read")
    ));
    let batch = table_to_batch(&kt, &WriteOptions::default()).expect("batch");
    assert_eq!(batch.num_columns(), 2);
}

/// Row groups are encoded in parallel and appended in order, the last one
/// short; a column whose values are mostly distinct is written without a
/// dictionary, a low-cardinality one with it, and both read back equal.
#[test]
fn parquet_parallel_row_groups_and_dictionary_choice() {
    let n = 10_001i64;
    let syms = ["a", "b", "c"];
    let t = Value::table(
        vec![Sym::new("id"), Sym::new("s")],
        vec![
            Value::Vector(Vector::longs((0..n).map(|i| i * 7).collect())),
            Value::Vector(Vector::syms(
                (0..n).map(|i| Sym::new(syms[(i % 3) as usize])).collect(),
            )),
        ],
    );
    let p = tmp("parallel.parquet");
    let w = ParquetWrite {
        row_group_rows: 1000,
        ..Default::default()
    };
    parquet::write(&p, &t, &w).expect("write");
    let f = ParquetFile::open(&p).expect("open");
    let mut want = vec![1000; 10];
    want.push(1);
    assert_eq!(f.row_group_rows(), want);
    assert!(same(&f.read(&ParquetRead::default()).expect("read"), &t));
    let file = std::fs::File::open(&p).expect("open");
    let meta = ::parquet::file::reader::FileReader::metadata(
        &::parquet::file::serialized_reader::SerializedFileReader::new(file).expect("reader"),
    )
    .clone();
    let group = meta.row_group(0);
    assert!(group.column(0).dictionary_page_offset().is_none());
    assert!(group.column(1).dictionary_page_offset().is_some());
}

/// Row groups longer than a read batch: each chunk arrives in several
/// batches, converted into the final columns at their offsets; nulls,
/// symbols from one dictionary per chunk and strings (joined at the end)
/// all come back in order.
#[test]
fn parquet_row_groups_of_several_batches() {
    let n = 250_003i64;
    let syms = ["x", "yy", "zzz", ""];
    let t = Value::table(
        vec![Sym::new("a"), Sym::new("s"), Sym::new("c")],
        vec![
            Value::Vector(Vector::longs(
                (0..n)
                    .map(|i| if i % 7 == 0 { i64::MIN } else { i * 3 })
                    .collect(),
            )),
            Value::Vector(Vector::syms(
                (0..n).map(|i| Sym::new(syms[(i % 4) as usize])).collect(),
            )),
            Value::list(
                (0..n)
                    .map(|i| Value::Vector(Vector::from_u8(Ty::Char, i.to_string().into_bytes())))
                    .collect(),
            ),
        ],
    );
    let p = tmp("batches.parquet");
    let w = ParquetWrite {
        row_group_rows: 100_000,
        ..Default::default()
    };
    parquet::write(&p, &t, &w).expect("write");
    let f = ParquetFile::open(&p).expect("open");
    assert_eq!(f.row_group_rows(), vec![100_000, 100_000, 50_003]);
    assert!(same(&f.read(&ParquetRead::default()).expect("read"), &t));
    let read = ParquetRead {
        columns: Some(vec!["s".into(), "a".into()]),
        row_groups: Some(vec![2, 0]),
        ..Default::default()
    };
    let Value::Table(got) = f.read(&read).expect("read") else {
        panic!("not a table")
    };
    let want: Vec<i64> = (200_000..n)
        .chain(0..100_000)
        .map(|i| if i % 7 == 0 { i64::MIN } else { i * 3 })
        .collect();
    assert!(same(&got.columns[1], &Value::Vector(Vector::longs(want))));
    let want: Vec<Sym> = (200_000..n)
        .chain(0..100_000)
        .map(|i| Sym::new(syms[(i % 4) as usize]))
        .collect();
    assert!(same(&got.columns[0], &Value::Vector(Vector::syms(want))));
}
