//! q to Arrow: one q column (vector or general list) to one Arrow array
//! and its field.
//!
//! Values whose bytes Arrow can use as they are (longs, ints, shorts,
//! floats, reals, bytes, timespans, seconds, times, guids, and the bytes
//! of a char vector) are handed over without copying: the Arrow buffer
//! keeps the q buffer alive. Types whose epoch or unit differs
//! (timestamps, dates, months, datetimes, minutes) need one pass.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::ptr::NonNull;
use std::sync::Arc;

use arrow_array::types::*;
use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, DictionaryArray, FixedSizeBinaryArray, GenericListArray,
    LargeBinaryArray, LargeStringArray, PrimitiveArray, StringArray,
};
use arrow_buffer::{
    ArrowNativeType, BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer,
};
use arrow_schema::{DataType, Field};
use qcore::{Buf, QResult, Ty, Value, VecData, Vector, calendar, sentinel};
use rayon::prelude::*;

use super::{EPOCH_DAYS, EPOCH_MS, EPOCH_NS, QTYPE_KEY, WriteOptions, arrow_error, unmappable};

/// An Arrow buffer over a q buffer's items, sharing them: the Arrow side
/// holds a reference to the q buffer, which is copy-on-write, so neither
/// side can change the items under the other.
fn shared<T: Copy + Send + Sync + 'static>(b: &Buf<T>) -> Buffer {
    let bytes = std::mem::size_of_val::<[T]>(b);
    match NonNull::new(b.as_ptr() as *mut u8) {
        // SAFETY: the pointer and length describe `b`'s items, which stay
        // valid and unchanged while the owner (a clone of `b`) lives.
        Some(ptr) if bytes > 0 => unsafe {
            Buffer::from_custom_allocation(ptr, bytes, Arc::new(AssertUnwindSafe(b.clone())))
        },
        // an empty buffer, aligned for any item type
        _ => arrow_buffer::MutableBuffer::new(0).into(),
    }
}

/// A typed Arrow buffer sharing a q buffer.
fn shared_scalar<T: ArrowNativeType + Send + Sync + 'static>(b: &Buf<T>) -> ScalarBuffer<T> {
    ScalarBuffer::new(shared(b), 0, b.len())
}

/// The validity bitmap of items where `is_null` (q's null of the item
/// type) is false; `None` when nothing is null (Arrow's cheaper form).
/// A buffer known null-free ([`Buf::known_no_nulls`]: a Parquet column
/// without nulls, `til`, `n?m`, rows of those picked by a where clause)
/// costs nothing; otherwise the check is made at memory speed (blocks
/// tested without a branch per item, so the compiler vectorises the fold;
/// a long column's blocks on all cores), and a check that finds no null
/// is kept with the buffer, so the next hand-over of it is free.
fn validity<T: Copy + Send + Sync>(
    buf: &Buf<T>,
    is_null: impl Fn(T) -> bool + Sync,
) -> Option<NullBuffer> {
    const PARALLEL: usize = 1 << 20;
    if buf.known_no_nulls() {
        return None;
    }
    let items: &[T] = buf;
    let any_null = |block: &[T]| {
        block
            .chunks(256)
            .any(|c| c.iter().fold(false, |seen, &x| seen | is_null(x)))
    };
    let has_null = if items.len() >= PARALLEL {
        items.par_chunks(1 << 16).any(any_null)
    } else {
        any_null(items)
    };
    if !has_null {
        buf.set_no_nulls();
        return None;
    }
    Some(NullBuffer::new(BooleanBuffer::collect_bool(
        items.len(),
        |i| !is_null(items[i]),
    )))
}

/// Shifts q items to Arrow's epoch or unit: nulls become Arrow nulls,
/// q's infinities the extremes of the Arrow type, and an item that does
/// not fit is `'type` naming the column.
fn shifted_i64(
    column: &str,
    items: &Buf<i64>,
    f: impl Fn(i64) -> Option<i64>,
) -> QResult<(ScalarBuffer<i64>, Option<NullBuffer>)> {
    let mut out = Vec::with_capacity(items.len());
    for &x in items.iter() {
        out.push(match x {
            sentinel::NJ => 0,
            sentinel::WJ => i64::MAX,
            x if x == -sentinel::WJ => -i64::MAX,
            x => {
                f(x).ok_or_else(|| unmappable(column, format!("item {x} outside the Arrow range")))?
            }
        });
    }
    Ok((out.into(), validity(items, |x| x == sentinel::NJ)))
}

/// As [`shifted_i64`] for 32-bit items.
fn shifted_i32(
    column: &str,
    items: &Buf<i32>,
    f: impl Fn(i32) -> Option<i32>,
) -> QResult<(ScalarBuffer<i32>, Option<NullBuffer>)> {
    let mut out = Vec::with_capacity(items.len());
    for &x in items.iter() {
        out.push(match x {
            sentinel::NI => 0,
            sentinel::WI => i32::MAX,
            x if x == -sentinel::WI => -i32::MAX,
            x => {
                f(x).ok_or_else(|| unmappable(column, format!("item {x} outside the Arrow range")))?
            }
        });
    }
    Ok((out.into(), validity(items, |x| x == sentinel::NI)))
}

/// A field with borf's q type letter in its metadata.
fn tagged(name: &str, dt: DataType, letter: &str) -> Field {
    let mut m = HashMap::new();
    m.insert(QTYPE_KEY.to_string(), letter.to_string());
    Field::new(name, dt, true).with_metadata(m)
}

fn plain(name: &str, array: ArrayRef) -> (Field, ArrayRef) {
    (Field::new(name, array.data_type().clone(), true), array)
}

fn with_letter(name: &str, array: ArrayRef, letter: &str) -> (Field, ArrayRef) {
    (tagged(name, array.data_type().clone(), letter), array)
}

/// One q column (a vector or a general list) as a field named `name` and
/// its Arrow array. Atoms, dictionaries, functions and mixed lists are
/// `'type`.
pub fn value_to_array(name: &str, v: &Value, opts: &WriteOptions) -> QResult<(Field, ArrayRef)> {
    match v {
        Value::Vector(vec) => vector_array(name, vec, opts),
        Value::List(items) => list_array(name, items, opts),
        other => Err(unmappable(
            name,
            format!("a value of type {}", other.type_code()),
        )),
    }
}

fn vector_array(name: &str, v: &Vector, opts: &WriteOptions) -> QResult<(Field, ArrayRef)> {
    Ok(match (v.ty(), v.data()) {
        (Ty::Bool, VecData::U8(b)) => {
            let bits = BooleanBuffer::collect_bool(b.len(), |i| b[i] != 0);
            plain(name, Arc::new(BooleanArray::new(bits, None)))
        }
        (Ty::Guid, VecData::Guid(b)) => {
            let nulls = validity(b, |g| g == [0u8; 16]);
            let a = FixedSizeBinaryArray::try_new(16, shared(b), nulls).map_err(arrow_error)?;
            plain(name, Arc::new(a))
        }
        (Ty::Byte, VecData::U8(b)) => plain(
            name,
            Arc::new(PrimitiveArray::<UInt8Type>::new(shared_scalar(b), None)),
        ),
        (Ty::Short, VecData::I16(b)) => plain(
            name,
            Arc::new(PrimitiveArray::<Int16Type>::new(
                shared_scalar(b),
                validity(b, |x| x == sentinel::NH),
            )),
        ),
        (Ty::Int, VecData::I32(b)) => plain(
            name,
            Arc::new(PrimitiveArray::<Int32Type>::new(
                shared_scalar(b),
                validity(b, |x| x == sentinel::NI),
            )),
        ),
        (Ty::Long, VecData::I64(b)) => plain(
            name,
            Arc::new(PrimitiveArray::<Int64Type>::new(
                shared_scalar(b),
                validity(b, |x| x == sentinel::NJ),
            )),
        ),
        (Ty::Real, VecData::F32(b)) => plain(
            name,
            Arc::new(PrimitiveArray::<Float32Type>::new(
                shared_scalar(b),
                validity(b, |x: f32| x.is_nan()),
            )),
        ),
        (Ty::Float, VecData::F64(b)) => plain(
            name,
            Arc::new(PrimitiveArray::<Float64Type>::new(
                shared_scalar(b),
                validity(b, |x: f64| x.is_nan()),
            )),
        ),
        (Ty::Char, VecData::U8(b)) => {
            // one string of one char per item, over the char bytes themselves
            let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(1usize, b.len()));
            let array: ArrayRef = if b.is_ascii() {
                Arc::new(StringArray::new(offsets, shared(b), None))
            } else {
                Arc::new(BinaryArray::new(offsets, shared(b), None))
            };
            with_letter(name, array, "c")
        }
        (Ty::Symbol, VecData::Sym(b)) => symbol_array(name, b, opts)?,
        (Ty::Timestamp, VecData::I64(b)) => {
            let (vals, nulls) = shifted_i64(name, b, |x| x.checked_add(EPOCH_NS))?;
            plain(
                name,
                Arc::new(PrimitiveArray::<TimestampNanosecondType>::new(vals, nulls)),
            )
        }
        (Ty::Month, VecData::I32(b)) => {
            let (vals, nulls) = shifted_i32(name, b, |m| {
                let (y, mm) = (
                    2000 + i64::from(m.div_euclid(12)),
                    m.rem_euclid(12) as u32 + 1,
                );
                i32::try_from(calendar::days_from_civil(y, mm, 1))
                    .ok()?
                    .checked_add(EPOCH_DAYS)
            })?;
            with_letter(
                name,
                Arc::new(PrimitiveArray::<Date32Type>::new(vals, nulls)),
                "m",
            )
        }
        (Ty::Date, VecData::I32(b)) => {
            let (vals, nulls) = shifted_i32(name, b, |d| d.checked_add(EPOCH_DAYS))?;
            plain(
                name,
                Arc::new(PrimitiveArray::<Date32Type>::new(vals, nulls)),
            )
        }
        (Ty::Datetime, VecData::F64(b)) => {
            let mut out = Vec::with_capacity(b.len());
            for &z in b.iter() {
                out.push(if z.is_nan() {
                    0
                } else if z == f64::INFINITY {
                    i64::MAX
                } else if z == f64::NEG_INFINITY {
                    -i64::MAX
                } else {
                    let ms = (z * 86_400_000.0).round();
                    if ms.abs() >= 9.0e18 {
                        return Err(unmappable(
                            name,
                            format!("datetime {z} outside the Arrow range"),
                        ));
                    }
                    (ms as i64)
                        .checked_add(EPOCH_MS)
                        .ok_or_else(|| unmappable(name, "a datetime outside the Arrow range"))?
                });
            }
            let nulls = validity(b, |z: f64| z.is_nan());
            with_letter(
                name,
                Arc::new(PrimitiveArray::<TimestampMillisecondType>::new(
                    out.into(),
                    nulls,
                )),
                "z",
            )
        }
        (Ty::Timespan, VecData::I64(b)) => plain(
            name,
            Arc::new(PrimitiveArray::<DurationNanosecondType>::new(
                shared_scalar(b),
                validity(b, |x| x == sentinel::NJ),
            )),
        ),
        (Ty::Minute, VecData::I32(b)) => {
            let (vals, nulls) = shifted_i32(name, b, |m| m.checked_mul(60))?;
            with_letter(
                name,
                Arc::new(PrimitiveArray::<Time32SecondType>::new(vals, nulls)),
                "u",
            )
        }
        (Ty::Second, VecData::I32(b)) => plain(
            name,
            Arc::new(PrimitiveArray::<Time32SecondType>::new(
                shared_scalar(b),
                validity(b, |x| x == sentinel::NI),
            )),
        ),
        (Ty::Time, VecData::I32(b)) => plain(
            name,
            Arc::new(PrimitiveArray::<Time32MillisecondType>::new(
                shared_scalar(b),
                validity(b, |x| x == sentinel::NI),
            )),
        ),
        (ty, _) => return Err(unmappable(name, format!("a {} vector", ty.name()))),
    })
}

/// Symbols: dictionary-encoded by default (each distinct symbol's text
/// once), else plain strings tagged `s`. The null symbol is an Arrow null.
fn symbol_array(
    name: &str,
    syms: &Buf<qcore::Sym>,
    opts: &WriteOptions,
) -> QResult<(Field, ArrayRef)> {
    let nulls = validity(syms, |s: qcore::Sym| s.is_null());
    if !opts.sym_dictionary {
        let strs: Vec<&str> = syms.iter().map(|s| s.as_str()).collect();
        let a = if strs.iter().map(|s| s.len()).sum::<usize>() < i32::MAX as usize {
            Arc::new(StringArray::new(
                OffsetBuffer::from_lengths(strs.iter().map(|s| s.len())),
                Buffer::from_vec(strs.concat().into_bytes()),
                nulls,
            )) as ArrayRef
        } else {
            Arc::new(LargeStringArray::new(
                OffsetBuffer::from_lengths(strs.iter().map(|s| s.len())),
                Buffer::from_vec(strs.concat().into_bytes()),
                nulls,
            ))
        };
        return Ok(with_letter(name, a, "s"));
    }
    // Dense local ids by symbol id: symbol ids are small integers, so a
    // table indexed by id beats hashing on long columns.
    let max = syms.iter().map(|s| s.0).max().unwrap_or(0) as usize;
    let mut slot = vec![-1i32; max + 1];
    let mut dict: Vec<&str> = Vec::new();
    let mut keys = Vec::with_capacity(syms.len());
    for &s in syms.iter() {
        let k = &mut slot[s.0 as usize];
        if *k < 0 {
            *k = i32::try_from(dict.len()).map_err(arrow_error)?;
            dict.push(s.as_str());
        }
        keys.push(*k);
    }
    let values = StringArray::new(
        OffsetBuffer::from_lengths(dict.iter().map(|s| s.len())),
        Buffer::from_vec(dict.concat().into_bytes()),
        None,
    );
    let keys = PrimitiveArray::<Int32Type>::new(keys.into(), nulls);
    let a = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values)).map_err(arrow_error)?;
    Ok(plain(name, Arc::new(a)))
}

/// A general list column: strings (every item a char vector) as `Utf8`
/// (`Binary` when not UTF-8) tagged `C`; byte vectors as `Binary`; any
/// other list whose items are all vectors of one type (or lists that map
/// alike) as an Arrow `List` of that type (`LargeList` past 2^31 items).
/// An empty general list is an empty string column.
fn list_array(
    name: &str,
    items: &Arc<Vec<Value>>,
    opts: &WriteOptions,
) -> QResult<(Field, ArrayRef)> {
    let all_ty = |t: Ty| {
        items
            .iter()
            .all(|x| matches!(x, Value::Vector(v) if v.ty() == t))
    };
    if items.is_empty() || all_ty(Ty::Char) {
        return bytes_array(name, items, true);
    }
    if all_ty(Ty::Byte) {
        return bytes_array(name, items, false);
    }
    // every item a list of one kind: flatten, convert the items, offsets
    let mut lens = Vec::with_capacity(items.len());
    let first_ty = match &items[0] {
        Value::Vector(v) => Some(v.ty()),
        Value::List(_) => None,
        other => {
            return Err(unmappable(
                name,
                format!("a mixed list holding type {}", other.type_code()),
            ));
        }
    };
    for x in items.iter() {
        match (x, first_ty) {
            (Value::Vector(v), Some(t)) if v.ty() == t => lens.push(v.len()),
            (Value::List(l), None) => lens.push(l.len()),
            _ => return Err(unmappable(name, "a mixed list (items of different types)")),
        }
    }
    let flat = match first_ty {
        Some(t) => {
            let mut data = VecData::empty(t.repr());
            let total: usize = lens.iter().sum();
            qcore::check_alloc(total, t.width())?;
            append_vectors(&mut data, items, total);
            Value::Vector(Vector::new(t, data).ok_or_else(qcore::QError::type_)?)
        }
        None => {
            let mut all = Vec::with_capacity(lens.iter().sum());
            for x in items.iter() {
                if let Value::List(l) = x {
                    all.extend(l.iter().cloned());
                }
            }
            Value::list(all)
        }
    };
    let (child_field, child) = value_to_array("item", &flat, opts)?;
    let child_field = Arc::new(child_field);
    let total: usize = lens.iter().sum();
    let array: ArrayRef = if total < i32::MAX as usize {
        Arc::new(
            GenericListArray::<i32>::try_new(
                child_field,
                OffsetBuffer::from_lengths(lens),
                child,
                None,
            )
            .map_err(arrow_error)?,
        )
    } else {
        Arc::new(
            GenericListArray::<i64>::try_new(
                child_field,
                OffsetBuffer::from_lengths(lens),
                child,
                None,
            )
            .map_err(arrow_error)?,
        )
    };
    Ok(plain(name, array))
}

/// Appends the items of every vector in `items` (all of `data`'s width).
fn append_vectors(data: &mut VecData, items: &[Value], total: usize) {
    macro_rules! extend {
        ($b:ident, $as:ident) => {{
            let out = $b.make_mut();
            out.reserve(total);
            for x in items {
                if let Value::Vector(v) = x {
                    if let Some(s) = v.$as() {
                        out.extend_from_slice(s);
                    }
                }
            }
        }};
    }
    match data {
        VecData::U8(b) => extend!(b, as_u8),
        VecData::I16(b) => extend!(b, as_i16),
        VecData::I32(b) => extend!(b, as_i32),
        VecData::I64(b) => extend!(b, as_i64),
        VecData::F32(b) => extend!(b, as_f32),
        VecData::F64(b) => extend!(b, as_f64),
        VecData::Guid(b) => extend!(b, as_guid),
        VecData::Sym(b) => extend!(b, as_sym),
    }
}

/// Strings (`text`) or byte vectors as one variable-width Arrow column.
fn bytes_array(name: &str, items: &[Value], text: bool) -> QResult<(Field, ArrayRef)> {
    let total: usize = items.iter().map(Value::count).sum();
    qcore::check_alloc(total, 1)?;
    let mut bytes = Vec::with_capacity(total);
    let mut lens = Vec::with_capacity(items.len());
    // each item must be UTF-8 on its own for a string column
    let mut utf8 = text;
    for x in items {
        if let Value::Vector(v) = x {
            let s = v.as_u8().unwrap_or(&[]);
            utf8 = utf8 && (s.is_ascii() || std::str::from_utf8(s).is_ok());
            bytes.extend_from_slice(s);
            lens.push(s.len());
        }
    }
    let large = total >= i32::MAX as usize;
    let values = Buffer::from_vec(bytes);
    let array: ArrayRef = match (utf8, large) {
        (true, false) => Arc::new(
            StringArray::try_new(OffsetBuffer::from_lengths(lens), values, None)
                .map_err(arrow_error)?,
        ),
        (true, true) => Arc::new(
            LargeStringArray::try_new(OffsetBuffer::from_lengths(lens), values, None)
                .map_err(arrow_error)?,
        ),
        (false, false) => Arc::new(BinaryArray::new(
            OffsetBuffer::from_lengths(lens),
            values,
            None,
        )),
        (false, true) => Arc::new(LargeBinaryArray::new(
            OffsetBuffer::from_lengths(lens),
            values,
            None,
        )),
    };
    Ok(if text {
        with_letter(name, array, "C")
    } else {
        plain(name, array)
    })
}
