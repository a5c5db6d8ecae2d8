//! Round trips of every q type through Arrow arrays, with nulls and
//! empty columns, and the Arrow-side layouts other readers see.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use qcore::{Atom, Sym, Ty, Value, VecData, Vector, sentinel};

use super::*;

/// Equality of q values with NaN equal to NaN (q's float null).
pub(crate) fn same(a: &Value, b: &Value) -> bool {
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
                && x.columns
                    .iter()
                    .zip(y.columns.iter())
                    .all(|(a, b)| same(a, b))
        }
        (Value::Dict(x), Value::Dict(y)) => same(&x.keys, &y.keys) && same(&x.values, &y.values),
        (Value::Nil, Value::Nil) => true,
        _ => false,
    }
}

fn v(ty: Ty, atoms: &[Atom]) -> Value {
    Value::Vector(Vector::from_atoms(ty, atoms).expect("atoms of the type"))
}

fn s(x: &str) -> Value {
    Value::string(x)
}

/// One column of every q type, each with a null (where q has one), an
/// infinity where it has one, and ordinary items.
pub(crate) fn every_type() -> Value {
    use Atom::*;
    let g1 = [7u8; 16];
    let cols: Vec<(&str, Value)> = vec![
        ("b", v(Ty::Bool, &[Bool(true), Bool(false), Bool(true)])),
        ("g", v(Ty::Guid, &[Guid(g1), Guid([0; 16]), Guid([1; 16])])),
        ("x", v(Ty::Byte, &[Byte(0), Byte(255), Byte(16)])),
        (
            "h",
            v(
                Ty::Short,
                &[Short(1), Short(sentinel::NH), Short(sentinel::WH)],
            ),
        ),
        (
            "i",
            v(Ty::Int, &[Int(1), Int(sentinel::NI), Int(-sentinel::WI)]),
        ),
        (
            "j",
            v(Ty::Long, &[Long(1), Long(sentinel::NJ), Long(sentinel::WJ)]),
        ),
        (
            "e",
            v(Ty::Real, &[Real(1.5), Real(f32::NAN), Real(f32::INFINITY)]),
        ),
        (
            "f",
            v(
                Ty::Float,
                &[Float(-2.25), Float(f64::NAN), Float(f64::NEG_INFINITY)],
            ),
        ),
        ("c", v(Ty::Char, &[Char(b'a'), Char(b' '), Char(b'z')])),
        (
            "s",
            v(
                Ty::Symbol,
                &[
                    Symbol(Sym::new("ibm")),
                    Symbol(Sym::EMPTY),
                    Symbol(Sym::new("ibm")),
                ],
            ),
        ),
        (
            "p",
            v(
                Ty::Timestamp,
                &[
                    Timestamp(1),
                    Timestamp(sentinel::NJ),
                    Timestamp(-780_000_000_000_000_000),
                ],
            ),
        ),
        (
            "m",
            v(Ty::Month, &[Month(0), Month(sentinel::NI), Month(-13)]),
        ),
        (
            "d",
            v(
                Ty::Date,
                &[Date(8766), Date(sentinel::NI), Date(sentinel::WI)],
            ),
        ),
        (
            "z",
            v(
                Ty::Datetime,
                &[Datetime(1.5), Datetime(f64::NAN), Datetime(-365.25)],
            ),
        ),
        (
            "n",
            v(
                Ty::Timespan,
                &[
                    Timespan(12),
                    Timespan(sentinel::NJ),
                    Timespan(-sentinel::WJ),
                ],
            ),
        ),
        (
            "u",
            v(Ty::Minute, &[Minute(61), Minute(sentinel::NI), Minute(0)]),
        ),
        (
            "v",
            v(
                Ty::Second,
                &[Second(3661), Second(sentinel::NI), Second(59)],
            ),
        ),
        (
            "t",
            v(Ty::Time, &[Time(45_296_789), Time(sentinel::NI), Time(0)]),
        ),
        ("str", Value::list(vec![s("hello"), s(""), s("wörld")])),
        (
            "bytes",
            Value::list(vec![
                Value::Vector(Vector::from_u8(Ty::Byte, vec![1, 2])),
                Value::Vector(Vector::from_u8(Ty::Byte, vec![])),
                Value::Vector(Vector::from_u8(Ty::Byte, vec![255])),
            ]),
        ),
        (
            "lj",
            Value::list(vec![
                Value::Vector(Vector::longs(vec![1, sentinel::NJ])),
                Value::Vector(Vector::longs(vec![])),
                Value::Vector(Vector::longs(vec![3])),
            ]),
        ),
        (
            "ls",
            Value::list(vec![
                Value::Vector(Vector::syms(vec![Sym::new("a"), Sym::EMPTY])),
                Value::Vector(Vector::syms(vec![])),
                Value::Vector(Vector::syms(vec![Sym::new("b")])),
            ]),
        ),
        (
            "lstr",
            Value::list(vec![
                Value::list(vec![s("ab"), s("c")]),
                Value::list(vec![]),
                Value::list(vec![s("")]),
            ]),
        ),
        (
            "lld",
            Value::list(vec![
                Value::list(vec![Value::Vector(Vector::from_i32(Ty::Date, vec![1, 2]))]),
                Value::list(vec![]),
                Value::list(vec![Value::Vector(Vector::from_i32(Ty::Date, vec![]))]),
            ]),
        ),
    ];
    let (names, columns): (Vec<Sym>, Vec<Value>) =
        cols.into_iter().map(|(n, c)| (Sym::new(n), c)).unzip();
    Value::table(names, columns)
}

/// The first `n` rows of a table (an empty table keeps its column types).
fn head(t: &Value, n: usize) -> Value {
    let Value::Table(t) = t else { panic!("table") };
    let cols = t
        .columns
        .iter()
        .map(|c| match c {
            Value::Vector(v) => {
                let atoms: Vec<Atom> = (0..n).map(|i| v.get(i)).collect();
                Value::Vector(Vector::from_atoms(v.ty(), &atoms).expect("same type"))
            }
            Value::List(l) => Value::list(l[..n].to_vec()),
            other => other.clone(),
        })
        .collect();
    Value::table(t.names.clone(), cols)
}

fn round_trip(t: &Value, w: &WriteOptions) -> Value {
    let batch = table_to_batch(t, w).expect("to arrow");
    batch_to_table(&batch, &ReadOptions::default()).expect("from arrow")
}

#[test]
fn every_type_round_trips_with_nulls() {
    let t = every_type();
    for w in [
        WriteOptions::default(),
        WriteOptions {
            sym_dictionary: false,
        },
    ] {
        let back = round_trip(&t, &w);
        assert!(same(&t, &back), "{t:?}\n{back:?}");
    }
}

#[test]
fn empty_columns_round_trip() {
    let t = head(&every_type(), 0);
    let back = round_trip(&t, &WriteOptions::default());
    // general-list columns of no rows read back as empty general lists
    let (Value::Table(a), Value::Table(b)) = (&t, &back) else {
        panic!()
    };
    for (x, y) in a.columns.iter().zip(b.columns.iter()) {
        assert_eq!(x.count(), 0);
        assert_eq!(y.count(), 0);
        if let Value::Vector(x) = x {
            assert!(
                matches!(y, Value::Vector(y) if y.ty() == x.ty()),
                "{x:?} {y:?}"
            );
        }
    }
}

#[test]
fn arrow_layout_is_what_other_readers_expect() {
    let batch = table_to_batch(&every_type(), &WriteOptions::default()).expect("to arrow");
    let dt = |n: &str| {
        batch
            .schema()
            .field_with_name(n)
            .expect("field")
            .data_type()
            .clone()
    };
    use arrow_schema::TimeUnit::*;
    assert_eq!(dt("b"), DataType::Boolean);
    assert_eq!(dt("g"), DataType::FixedSizeBinary(16));
    assert_eq!(dt("x"), DataType::UInt8);
    assert_eq!(dt("j"), DataType::Int64);
    assert_eq!(
        dt("s"),
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    );
    assert_eq!(dt("p"), DataType::Timestamp(Nanosecond, None));
    assert_eq!(dt("d"), DataType::Date32);
    assert_eq!(dt("m"), DataType::Date32);
    assert_eq!(dt("z"), DataType::Timestamp(Millisecond, None));
    assert_eq!(dt("n"), DataType::Duration(Nanosecond));
    assert_eq!(dt("u"), DataType::Time32(Second));
    assert_eq!(dt("v"), DataType::Time32(Second));
    assert_eq!(dt("t"), DataType::Time32(Millisecond));
    assert_eq!(dt("str"), DataType::Utf8);
    assert_eq!(dt("bytes"), DataType::Binary);
    // q nulls are Arrow nulls; values are on Arrow's epoch
    let j = batch.column_by_name("j").expect("j");
    assert!(j.is_null(1) && j.is_valid(0));
    let p = batch.column_by_name("p").expect("p");
    let p = p
        .as_any()
        .downcast_ref::<arrow_array::TimestampNanosecondArray>()
        .expect("ts");
    assert_eq!(p.value(0), EPOCH_NS + 1);
    let d = batch.column_by_name("d").expect("d");
    let d = d
        .as_any()
        .downcast_ref::<arrow_array::Date32Array>()
        .expect("date");
    assert_eq!(d.value(0), 8766 + EPOCH_DAYS); // 2024.01.01
    let m = batch.column_by_name("m").expect("m");
    let m = m
        .as_any()
        .downcast_ref::<arrow_array::Date32Array>()
        .expect("date");
    assert_eq!(m.value(2), EPOCH_DAYS - 396); // 1998.12.01, 13 months before 2000.01.01
}

#[test]
fn longs_are_shared_both_ways() {
    let xs = Vector::longs((0..1000).collect());
    let ptr = xs.as_i64().expect("longs").as_ptr();
    let a = vector_to_array(&Value::Vector(xs), &WriteOptions::default()).expect("to arrow");
    let a64 = a
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .expect("i64");
    assert_eq!(a64.values().as_ptr(), ptr);
    let back = array_to_vector(a.as_ref(), &ReadOptions::default()).expect("back");
    let Value::Vector(back) = back else { panic!() };
    assert_eq!(back.as_i64().expect("longs").as_ptr(), ptr);
}

#[test]
fn arrow_nulls_without_a_q_null_fill_documented_values() {
    let b: ArrayRef = Arc::new(arrow_array::BooleanArray::from(vec![Some(true), None]));
    let x: ArrayRef = Arc::new(arrow_array::UInt8Array::from(vec![None, Some(3)]));
    let st: ArrayRef = Arc::new(arrow_array::StringArray::from(vec![None, Some("a")]));
    let o = ReadOptions::default();
    assert!(same(
        &array_to_vector(b.as_ref(), &o).unwrap(),
        &Value::Vector(Vector::bools(vec![true, false]))
    ));
    assert!(same(
        &array_to_vector(x.as_ref(), &o).unwrap(),
        &Value::Vector(Vector::from_u8(Ty::Byte, vec![0, 3]))
    ));
    assert!(same(
        &array_to_vector(st.as_ref(), &o).unwrap(),
        &Value::list(vec![s(""), s("a")])
    ));
    let syms = ReadOptions {
        strings_as_symbols: true,
        ..Default::default()
    };
    assert!(same(
        &array_to_vector(st.as_ref(), &syms).unwrap(),
        &Value::Vector(Vector::syms(vec![Sym::EMPTY, Sym::new("a")]))
    ));
}

#[test]
fn foreign_types_map_to_the_nearest_faithful_q_type() {
    let o = ReadOptions::default();
    let i8s: ArrayRef = Arc::new(arrow_array::Int8Array::from(vec![Some(-1), None]));
    assert!(same(
        &array_to_vector(i8s.as_ref(), &o).unwrap(),
        &Value::Vector(Vector::from_i16(vec![-1, sentinel::NH]))
    ));
    let u32s: ArrayRef = Arc::new(arrow_array::UInt32Array::from(vec![4_000_000_000u32]));
    assert!(same(
        &array_to_vector(u32s.as_ref(), &o).unwrap(),
        &Value::Vector(Vector::longs(vec![4_000_000_000]))
    ));
    let us: ArrayRef = Arc::new(arrow_array::TimestampMicrosecondArray::from(vec![
        Some(946_684_800_000_001),
        None,
    ]));
    assert!(same(
        &array_to_vector(us.as_ref(), &o).unwrap(),
        &Value::Vector(Vector::from_i64(Ty::Timestamp, vec![1000, sentinel::NJ]))
    ));
    let t64: ArrayRef = Arc::new(arrow_array::Time64MicrosecondArray::from(vec![1]));
    assert!(same(
        &array_to_vector(t64.as_ref(), &o).unwrap(),
        &Value::Vector(Vector::from_i64(Ty::Timespan, vec![1000]))
    ));
    let large: ArrayRef = Arc::new(arrow_array::LargeStringArray::from(vec!["ab"]));
    assert!(same(
        &array_to_vector(large.as_ref(), &o).unwrap(),
        &Value::list(vec![s("ab")])
    ));
    let view: ArrayRef = Arc::new(arrow_array::StringViewArray::from(vec![
        "a long string past twelve bytes",
    ]));
    assert!(same(
        &array_to_vector(view.as_ref(), &o).unwrap(),
        &Value::list(vec![s("a long string past twelve bytes")])
    ));
    let d8: ArrayRef = Arc::new(
        arrow_array::DictionaryArray::<arrow_array::types::Int8Type>::try_new(
            arrow_array::Int8Array::from(vec![Some(1), None, Some(0)]),
            Arc::new(arrow_array::StringArray::from(vec!["x", "y"])),
        )
        .unwrap(),
    );
    assert!(same(
        &array_to_vector(d8.as_ref(), &o).unwrap(),
        &Value::Vector(Vector::syms(vec![Sym::new("y"), Sym::EMPTY, Sym::new("x")]))
    ));
}

#[test]
fn unfaithful_mappings_are_q_errors() {
    let o = ReadOptions::default();
    let clash: ArrayRef = Arc::new(arrow_array::Int64Array::from(vec![i64::MIN]));
    assert_eq!(
        array_to_vector(clash.as_ref(), &o).unwrap_err().name,
        "type"
    );
    let dec: ArrayRef = Arc::new(
        arrow_array::Decimal128Array::from(vec![1i128])
            .with_precision_and_scale(10, 2)
            .unwrap(),
    );
    let e = array_to_vector(dec.as_ref(), &o).unwrap_err();
    assert_eq!(e.name, "type");
    assert!(e.detail.as_deref().unwrap_or("").contains("Decimal128"));
    let big: ArrayRef = Arc::new(arrow_array::UInt64Array::from(vec![u64::MAX]));
    assert_eq!(array_to_vector(big.as_ref(), &o).unwrap_err().name, "type");
    let early: ArrayRef = Arc::new(arrow_array::TimestampNanosecondArray::from(vec![
        i64::MIN + 5,
    ]));
    assert_eq!(
        array_to_vector(early.as_ref(), &o).unwrap_err().name,
        "type"
    );
    // mixed lists and non-list values cannot be columns
    let mixed = Value::list(vec![Value::long(1), s("a")]);
    assert_eq!(
        vector_to_array(&mixed, &WriteOptions::default())
            .unwrap_err()
            .name,
        "type"
    );
    assert_eq!(
        vector_to_array(&Value::long(1), &WriteOptions::default())
            .unwrap_err()
            .name,
        "type"
    );
    // q timestamps past 2262 do not fit Arrow's nanoseconds since 1970
    let late = Value::Vector(Vector::from_i64(Ty::Timestamp, vec![sentinel::WJ - 1]));
    assert_eq!(
        vector_to_array(&late, &WriteOptions::default())
            .unwrap_err()
            .name,
        "type"
    );
}

#[test]
fn keyed_tables_keep_their_keys() {
    let k = Value::table(
        vec![Sym::new("k")],
        vec![Value::Vector(Vector::longs(vec![1, 2]))],
    );
    let vals = Value::table(
        vec![Sym::new("v")],
        vec![Value::Vector(Vector::floats(vec![0.5, 1.5]))],
    );
    let kt = Value::dict(k, vals);
    let batch = table_to_batch(&kt, &WriteOptions::default()).unwrap();
    assert_eq!(
        batch.schema().metadata().get(KEYS_KEY).map(String::as_str),
        Some("1")
    );
    assert_eq!(batch.num_columns(), 2);
    let back = batch_to_table(&batch, &ReadOptions::default()).unwrap();
    assert!(same(&kt, &back));
}

#[test]
fn batches_concatenate() {
    let t = every_type();
    let b = table_to_batch(&t, &WriteOptions::default()).unwrap();
    let back = batches_to_table(
        b.schema().as_ref(),
        &[b.clone(), b.slice(1, 2)],
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(back.count(), 5);
    let _unused: Option<RecordBatch> = None;
}
