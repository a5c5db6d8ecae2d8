//! Arrow to q: one Arrow array (with its field, for borf's q type letter)
//! to one q column.
//!
//! A primitive array without nulls whose bytes q uses as they are (64-,
//! 32- and 16-bit integers, floats, reals, bytes, nanosecond durations,
//! `Time32` seconds and milliseconds) becomes a q vector over the Arrow
//! buffer itself, without a copy; with nulls, the items are copied once
//! and q's null written where Arrow has one. An item that equals q's null
//! sentinel but is valid in Arrow (a genuine `i64::MIN`) cannot be told
//! from a null in q, so it is `'type`, never silently a null.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrowPrimitiveType, PrimitiveArray};
use arrow_buffer::{ArrowNativeType, NullBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, TimeUnit};
use qcore::{Buf, Guid, QError, QResult, Sym, Ty, Value, VecData, Vector, calendar, sentinel};

use super::{EPOCH_DAYS, EPOCH_MS, EPOCH_NS, ReadOptions, arrow_error, qtype_of, unmappable};

/// A q buffer over an Arrow buffer's items, keeping the Arrow buffer alive.
fn foreign<T: ArrowNativeType + Copy + Send + Sync + 'static>(values: &ScalarBuffer<T>) -> Buf<T> {
    let owner: qcore::buf::ForeignOwner = Arc::new(values.clone());
    // SAFETY: a ScalarBuffer is aligned for T and holds `len` items that
    // never change (Arrow buffers are immutable); `owner` keeps them alive.
    unsafe { Buf::from_foreign(values.as_ptr(), values.len(), owner) }
}

fn vector(ty: Ty, data: VecData) -> QResult<Value> {
    Vector::new(ty, data)
        .map(Value::Vector)
        .ok_or_else(QError::type_)
}

/// The items of a primitive array as a q buffer: shared when nothing is
/// null, else copied with `null` at Arrow's nulls. A valid item equal to
/// `sentinel` is `'type`.
fn same_width<T: ArrowPrimitiveType>(
    column: &str,
    a: &PrimitiveArray<T>,
    null: T::Native,
    sentinel: Option<T::Native>,
) -> QResult<Buf<T::Native>>
where
    T::Native: Copy + Send + Sync + PartialEq + 'static,
{
    let values = a.values();
    let nulls = a.logical_nulls();
    if let Some(s) = sentinel {
        let clash = match &nulls {
            None => values.contains(&s),
            Some(n) => values.iter().zip(n.iter()).any(|(&x, ok)| ok && x == s),
        };
        if clash {
            return Err(unmappable(column, "a valid item equal to q's null"));
        }
    }
    Ok(match nulls {
        // no Arrow null and no valid item equal to q's null: the q vector
        // is known null-free, so handing it back to Arrow skips the scan
        None => foreign(values).with_no_nulls(sentinel.is_some()),
        Some(n) => {
            let mut out = values.to_vec();
            for (x, ok) in out.iter_mut().zip(n.iter()) {
                if !ok {
                    *x = null;
                }
            }
            Buf::from_vec(out)
        }
    })
}

/// Each item mapped by `f` (nulls to `null`), into a new q buffer.
fn mapped<T: ArrowPrimitiveType, U: Copy>(
    a: &PrimitiveArray<T>,
    null: U,
    f: impl Fn(T::Native) -> QResult<U>,
) -> QResult<Buf<U>> {
    let nulls = a.logical_nulls();
    let mut out = Vec::with_capacity(a.len());
    for (i, &x) in a.values().iter().enumerate() {
        out.push(match &nulls {
            Some(n) if n.is_null(i) => null,
            _ => f(x)?,
        });
    }
    Ok(Buf::from_vec(out))
}

/// An Arrow 64-bit count (times `mul`, less `off`) as a q item: Arrow's
/// extremes are q's infinities; a result q would read as null or
/// infinity, or one that overflows, is `'type`.
fn q_i64(column: &str, v: i64, mul: i64, off: i64) -> QResult<i64> {
    match v {
        i64::MAX => Ok(sentinel::WJ),
        v if v == -i64::MAX => Ok(-sentinel::WJ),
        v => v
            .checked_mul(mul)
            .and_then(|x| x.checked_sub(off))
            .filter(|&x| x != sentinel::NJ && x != sentinel::WJ && x != -sentinel::WJ)
            .ok_or_else(|| unmappable(column, format!("item {v} outside q's range"))),
    }
}

/// As [`q_i64`] for 32-bit days.
fn q_i32(column: &str, v: i32, off: i32) -> QResult<i32> {
    match v {
        i32::MAX => Ok(sentinel::WI),
        v if v == -i32::MAX => Ok(-sentinel::WI),
        v => v
            .checked_sub(off)
            .filter(|&x| x != sentinel::NI && x != sentinel::WI && x != -sentinel::WI)
            .ok_or_else(|| unmappable(column, format!("item {v} outside q's range"))),
    }
}

/// True when every item of a nanosecond timestamp array (nulls included:
/// their values are arbitrary) moves to q's epoch as a plain q timestamp,
/// neither overflowing nor landing on q's null or infinities.
fn fast_ns(a: &PrimitiveArray<TimestampNanosecondType>) -> bool {
    let lo = i64::MIN + 1 + EPOCH_NS;
    a.values().iter().all(|&v| v > lo && v < i64::MAX)
}

fn unit_ns(u: &TimeUnit) -> i64 {
    match u {
        TimeUnit::Second => 1_000_000_000,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1,
    }
}

/// Any primitive array's values as i64 counts (for the temporal types of
/// several units), with its nulls.
fn as_i64s(a: &dyn Array) -> Option<PrimitiveArray<Int64Type>> {
    macro_rules! widen {
        ($t:ty) => {
            a.as_primitive_opt::<$t>()
                .map(|p| p.reinterpret_cast::<Int64Type>())
        };
    }
    match a.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => widen!(TimestampSecondType),
        DataType::Timestamp(TimeUnit::Millisecond, _) => widen!(TimestampMillisecondType),
        DataType::Timestamp(TimeUnit::Microsecond, _) => widen!(TimestampMicrosecondType),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => widen!(TimestampNanosecondType),
        DataType::Duration(TimeUnit::Second) => widen!(DurationSecondType),
        DataType::Duration(TimeUnit::Millisecond) => widen!(DurationMillisecondType),
        DataType::Duration(TimeUnit::Microsecond) => widen!(DurationMicrosecondType),
        DataType::Duration(TimeUnit::Nanosecond) => widen!(DurationNanosecondType),
        DataType::Time64(TimeUnit::Microsecond) => widen!(Time64MicrosecondType),
        DataType::Time64(TimeUnit::Nanosecond) => widen!(Time64NanosecondType),
        DataType::Date64 => widen!(Date64Type),
        _ => None,
    }
}

/// One Arrow array as a q column: a vector, or a general list for strings,
/// binaries and Arrow lists. `field` gives the column's name (for errors)
/// and borf's q type letter. A type with no faithful q mapping (decimal,
/// struct, map, union, intervals) is `'type` naming the column.
pub fn array_to_value(field: &Field, a: &dyn Array, opts: &ReadOptions) -> QResult<Value> {
    array_to_value_with(field, a, opts, &mut SymDict::default())
}

/// The symbols of the last text dictionary converted, kept while the next
/// arrays of a column share it: a Parquet column chunk has one dictionary
/// and its reader hands the same dictionary array with every batch, so
/// its texts are interned once per chunk, not once per batch.
#[derive(Default)]
pub struct SymDict {
    values: Option<arrow_data::ArrayData>,
    syms: Vec<Sym>,
}

impl SymDict {
    /// The symbols of dictionary `values` (`items` its texts): the kept
    /// ones when `values` is the dictionary converted last (the same
    /// buffers; the kept `ArrayData` holds them alive, so equal pointers
    /// mean equal contents), else interned now.
    fn of(&mut self, values: &dyn Array, items: &Items) -> &[Sym] {
        let data = values.to_data();
        if !self.values.as_ref().is_some_and(|v| v.ptr_eq(&data)) {
            let vnulls = values.logical_nulls();
            self.syms = (0..values.len())
                .map(|i| match &vnulls {
                    Some(n) if n.is_null(i) => Sym::EMPTY,
                    _ => Sym::new(&String::from_utf8_lossy(items.get(i))),
                })
                .collect();
            self.values = Some(data);
        }
        &self.syms
    }
}

/// [`array_to_value`] for one of a sequence of arrays of the same column,
/// reusing the interned symbols of a shared dictionary (`dicts`).
pub fn array_to_value_with(
    field: &Field,
    a: &dyn Array,
    opts: &ReadOptions,
    dicts: &mut SymDict,
) -> QResult<Value> {
    let name = field.name().as_str();
    let letter = qtype_of(field);
    let bad =
        || QError::type_().with_detail(format!("column {name}: array does not match its type"));
    macro_rules! prim {
        ($t:ty) => {
            a.as_primitive_opt::<$t>().ok_or_else(bad)?
        };
    }
    Ok(match a.data_type() {
        DataType::Boolean => {
            let b = a.as_boolean_opt().ok_or_else(bad)?;
            let nulls = b.logical_nulls();
            let bits = b.values();
            let out: Vec<u8> = (0..b.len())
                .map(|i| u8::from(bits.value(i) && nulls.as_ref().is_none_or(|n| n.is_valid(i))))
                .collect();
            vector(Ty::Bool, VecData::U8(out.into()))?
        }
        DataType::UInt8 => vector(
            Ty::Byte,
            VecData::U8(same_width(name, prim!(UInt8Type), 0, None)?),
        )?,
        DataType::Int8 => vector(
            Ty::Short,
            VecData::I16(mapped(prim!(Int8Type), sentinel::NH, |x| Ok(i16::from(x)))?),
        )?,
        DataType::Int16 => vector(
            Ty::Short,
            VecData::I16(same_width(
                name,
                prim!(Int16Type),
                sentinel::NH,
                Some(sentinel::NH),
            )?),
        )?,
        DataType::UInt16 => vector(
            Ty::Int,
            VecData::I32(mapped(prim!(UInt16Type), sentinel::NI, |x| {
                Ok(i32::from(x))
            })?),
        )?,
        DataType::Int32 => vector(
            Ty::Int,
            VecData::I32(same_width(
                name,
                prim!(Int32Type),
                sentinel::NI,
                Some(sentinel::NI),
            )?),
        )?,
        DataType::UInt32 => vector(
            Ty::Long,
            VecData::I64(mapped(prim!(UInt32Type), sentinel::NJ, |x| {
                Ok(i64::from(x))
            })?),
        )?,
        DataType::Int64 => vector(
            Ty::Long,
            VecData::I64(same_width(
                name,
                prim!(Int64Type),
                sentinel::NJ,
                Some(sentinel::NJ),
            )?),
        )?,
        DataType::UInt64 => vector(
            Ty::Long,
            VecData::I64(mapped(prim!(UInt64Type), sentinel::NJ, |x| {
                i64::try_from(x).map_err(|_| unmappable(name, format!("item {x} past q's longs")))
            })?),
        )?,
        DataType::Float16 => vector(
            Ty::Real,
            VecData::F32(mapped(prim!(Float16Type), f32::NAN, |x| Ok(x.to_f32()))?),
        )?,
        DataType::Float32 => vector(
            Ty::Real,
            VecData::F32(same_width(name, prim!(Float32Type), f32::NAN, None)?),
        )?,
        DataType::Float64 => vector(
            Ty::Float,
            VecData::F64(same_width(name, prim!(Float64Type), f64::NAN, None)?),
        )?,
        DataType::Date32 if letter == Some('m') => vector(
            Ty::Month,
            VecData::I32(mapped(prim!(Date32Type), sentinel::NI, |d| {
                let days = q_i32(name, d, EPOCH_DAYS)?;
                if days.abs() == sentinel::WI {
                    return Ok(days);
                }
                let (y, m, _) = calendar::civil_from_days(i64::from(days));
                i32::try_from((y - 2000) * 12 + i64::from(m) - 1)
                    .map_err(|_| unmappable(name, "a month outside q's range"))
            })?),
        )?,
        DataType::Date32 => vector(
            Ty::Date,
            VecData::I32(mapped(prim!(Date32Type), sentinel::NI, |d| {
                q_i32(name, d, EPOCH_DAYS)
            })?),
        )?,
        DataType::Date64 => {
            let ms = as_i64s(a).ok_or_else(bad)?;
            vector(
                Ty::Date,
                VecData::I32(mapped(&ms, sentinel::NI, |v| {
                    let days = i32::try_from(v.div_euclid(86_400_000))
                        .map_err(|_| unmappable(name, "a date outside q's range"))?;
                    q_i32(name, days, EPOCH_DAYS)
                })?),
            )?
        }
        DataType::Timestamp(unit, _) if letter == Some('z') => {
            let v = as_i64s(a).ok_or_else(bad)?;
            let per_ms = unit_ns(unit) as f64 / 1e6;
            vector(
                Ty::Datetime,
                VecData::F64(mapped(&v, f64::NAN, |x| {
                    Ok(match x {
                        i64::MAX => f64::INFINITY,
                        x if x == -i64::MAX => f64::NEG_INFINITY,
                        x => (x as f64 * per_ms - EPOCH_MS as f64) / 86_400_000.0,
                    })
                })?),
            )?
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) if fast_ns(prim!(TimestampNanosecondType)) => {
            // every item shifts without overflow or collision: one tight pass
            let p = prim!(TimestampNanosecondType);
            let mut out: Vec<i64> = p.values().iter().map(|&v| v - EPOCH_NS).collect();
            let nulls = p.logical_nulls();
            if let Some(n) = &nulls {
                for (x, ok) in out.iter_mut().zip(n.iter()) {
                    if !ok {
                        *x = sentinel::NJ;
                    }
                }
            }
            // `fast_ns`: no item shifts onto q's null
            let out = Buf::from_vec(out).with_no_nulls(nulls.is_none());
            vector(Ty::Timestamp, VecData::I64(out))?
        }
        DataType::Timestamp(unit, _) => {
            let v = as_i64s(a).ok_or_else(bad)?;
            let mul = unit_ns(unit);
            vector(
                Ty::Timestamp,
                VecData::I64(mapped(&v, sentinel::NJ, |x| q_i64(name, x, mul, EPOCH_NS))?),
            )?
        }
        DataType::Duration(TimeUnit::Nanosecond) => vector(
            Ty::Timespan,
            VecData::I64(same_width(
                name,
                prim!(DurationNanosecondType),
                sentinel::NJ,
                Some(sentinel::NJ),
            )?),
        )?,
        DataType::Duration(unit) | DataType::Time64(unit) => {
            let v = as_i64s(a).ok_or_else(bad)?;
            let mul = unit_ns(unit);
            vector(
                Ty::Timespan,
                VecData::I64(mapped(&v, sentinel::NJ, |x| q_i64(name, x, mul, 0))?),
            )?
        }
        DataType::Time32(TimeUnit::Second) if letter == Some('u') => vector(
            Ty::Minute,
            VecData::I32(mapped(prim!(Time32SecondType), sentinel::NI, |s| {
                Ok(match s {
                    i32::MAX => sentinel::WI,
                    s if s == -i32::MAX => -sentinel::WI,
                    s => s.div_euclid(60),
                })
            })?),
        )?,
        DataType::Time32(TimeUnit::Second) => vector(
            Ty::Second,
            VecData::I32(same_width(
                name,
                prim!(Time32SecondType),
                sentinel::NI,
                Some(sentinel::NI),
            )?),
        )?,
        DataType::Time32(_) => vector(
            Ty::Time,
            VecData::I32(same_width(
                name,
                prim!(Time32MillisecondType),
                sentinel::NI,
                Some(sentinel::NI),
            )?),
        )?,
        DataType::FixedSizeBinary(16) => {
            let b = a.as_fixed_size_binary_opt().ok_or_else(bad)?;
            let nulls = b.logical_nulls();
            let mut out: Vec<Guid> = Vec::with_capacity(b.len());
            for i in 0..b.len() {
                let mut g = [0u8; 16];
                if nulls.as_ref().is_none_or(|n| n.is_valid(i)) {
                    g.copy_from_slice(b.value(i));
                }
                out.push(g);
            }
            vector(Ty::Guid, VecData::Guid(out.into()))?
        }
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => {
            let text = matches!(
                a.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            );
            let items = Items::of(a).ok_or_else(bad)?;
            let nulls = a.logical_nulls();
            match letter {
                Some('c') => chars(name, &items, nulls.as_ref())?,
                Some('s') => symbols(&items, nulls.as_ref()),
                Some('C') if !opts.strings_as_symbols => {
                    byte_lists(Ty::Char, &items, nulls.as_ref())
                }
                _ if text && (opts.strings_as_symbols || opts.plain_strings_as_symbols) => {
                    symbols(&items, nulls.as_ref())
                }
                _ if text => byte_lists(Ty::Char, &items, nulls.as_ref()),
                _ => byte_lists(Ty::Byte, &items, nulls.as_ref()),
            }
        }
        DataType::Dictionary(_, vt) => {
            let d = a.as_any_dictionary_opt().ok_or_else(bad)?;
            let values = d.values();
            if let Some(items) = Items::of(values.as_ref()).filter(|_| {
                matches!(
                    vt.as_ref(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) && letter != Some('C')
            }) {
                let dict = dicts.of(values.as_ref(), &items);
                let knulls = d.keys().logical_nulls();
                let i32_keys = d.keys().as_primitive_opt::<Int32Type>();
                let out: Vec<Sym> = if dict.is_empty() {
                    vec![Sym::EMPTY; d.len()]
                } else if let Some(k) = i32_keys {
                    // the common key type: no normalised copy of the keys
                    let mut out: Vec<Sym> = k
                        .values()
                        .iter()
                        .map(|&i| dict.get(i as usize).copied().unwrap_or(Sym::EMPTY))
                        .collect();
                    if let Some(n) = &knulls {
                        for (x, ok) in out.iter_mut().zip(n.iter()) {
                            if !ok {
                                *x = Sym::EMPTY;
                            }
                        }
                    }
                    out
                } else {
                    d.normalized_keys()
                        .iter()
                        .enumerate()
                        .map(|(i, &k)| match &knulls {
                            Some(n) if n.is_null(i) => Sym::EMPTY,
                            _ => dict[k],
                        })
                        .collect()
                };
                vector(Ty::Symbol, VecData::Sym(out.into()))?
            } else {
                // other dictionaries: decode, then convert the plain array
                let idx: Vec<Option<u64>> = {
                    let knulls = d.keys().logical_nulls();
                    let nk = if values.is_empty() {
                        vec![0; d.len()]
                    } else {
                        d.normalized_keys()
                    };
                    nk.iter()
                        .enumerate()
                        .map(|(i, &k)| match &knulls {
                            Some(n) if n.is_null(i) => None,
                            _ => Some(k as u64),
                        })
                        .collect()
                };
                let idx = arrow_array::UInt64Array::from(idx);
                let plain =
                    arrow_select::take::take(values.as_ref(), &idx, None).map_err(arrow_error)?;
                let f = Field::new(name, plain.data_type().clone(), true)
                    .with_metadata(field.metadata().clone());
                array_to_value_with(&f, plain.as_ref(), opts, dicts)?
            }
        }
        DataType::List(child) => {
            let l = a.as_list_opt::<i32>().ok_or_else(bad)?;
            let offs: Vec<usize> = l.value_offsets().iter().map(|&o| o as usize).collect();
            split_list(child, l.values().as_ref(), &offs, l.logical_nulls(), opts)?
        }
        DataType::LargeList(child) => {
            let l = a.as_list_opt::<i64>().ok_or_else(bad)?;
            let offs: Vec<usize> = l.value_offsets().iter().map(|&o| o as usize).collect();
            split_list(child, l.values().as_ref(), &offs, l.logical_nulls(), opts)?
        }
        DataType::FixedSizeList(child, n) => {
            let l = a.as_fixed_size_list_opt().ok_or_else(bad)?;
            let n = *n as usize;
            let offs: Vec<usize> = (0..=l.len()).map(|i| i * n).collect();
            split_list(child, l.values().as_ref(), &offs, l.logical_nulls(), opts)?
        }
        DataType::Null => Value::list(vec![Value::Nil; a.len()]),
        DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => {
            return Err(unmappable(
                name,
                format!("{} (cast it to a float or an integer first)", a.data_type()),
            ));
        }
        other => return Err(unmappable(name, other)),
    })
}

/// Variable- or fixed-width byte items of any of Arrow's binary layouts.
enum Items<'a> {
    S32(&'a arrow_array::StringArray),
    S64(&'a arrow_array::LargeStringArray),
    SV(&'a arrow_array::StringViewArray),
    B32(&'a arrow_array::BinaryArray),
    B64(&'a arrow_array::LargeBinaryArray),
    BV(&'a arrow_array::BinaryViewArray),
    Fixed(&'a arrow_array::FixedSizeBinaryArray),
}

impl<'a> Items<'a> {
    fn of(a: &'a dyn Array) -> Option<Items<'a>> {
        Some(match a.data_type() {
            DataType::Utf8 => Items::S32(a.as_string_opt::<i32>()?),
            DataType::LargeUtf8 => Items::S64(a.as_string_opt::<i64>()?),
            DataType::Utf8View => Items::SV(a.as_string_view_opt()?),
            DataType::Binary => Items::B32(a.as_binary_opt::<i32>()?),
            DataType::LargeBinary => Items::B64(a.as_binary_opt::<i64>()?),
            DataType::BinaryView => Items::BV(a.as_binary_view_opt()?),
            DataType::FixedSizeBinary(_) => Items::Fixed(a.as_fixed_size_binary_opt()?),
            _ => return None,
        })
    }

    fn len(&self) -> usize {
        match self {
            Items::S32(a) => a.len(),
            Items::S64(a) => a.len(),
            Items::SV(a) => a.len(),
            Items::B32(a) => a.len(),
            Items::B64(a) => a.len(),
            Items::BV(a) => a.len(),
            Items::Fixed(a) => a.len(),
        }
    }

    fn get(&self, i: usize) -> &'a [u8] {
        match self {
            Items::S32(a) => a.value(i).as_bytes(),
            Items::S64(a) => a.value(i).as_bytes(),
            Items::SV(a) => a.value(i).as_bytes(),
            Items::B32(a) => a.value(i),
            Items::B64(a) => a.value(i),
            Items::BV(a) => a.value(i),
            Items::Fixed(a) => a.value(i),
        }
    }
}

fn valid(nulls: Option<&NullBuffer>, i: usize) -> bool {
    nulls.is_none_or(|n| n.is_valid(i))
}

/// Items of one char each as a char vector (a null is `" "`).
fn chars(name: &str, items: &Items, nulls: Option<&NullBuffer>) -> QResult<Value> {
    let mut out = Vec::with_capacity(items.len());
    for i in 0..items.len() {
        if !valid(nulls, i) {
            out.push(b' ');
            continue;
        }
        match items.get(i) {
            [c] => out.push(*c),
            _ => return Err(unmappable(name, "a char column item that is not one char")),
        }
    }
    vector(Ty::Char, VecData::U8(out.into()))
}

/// Items as symbols (a null is the null symbol), each distinct text
/// interned once.
fn symbols(items: &Items, nulls: Option<&NullBuffer>) -> Value {
    let mut seen: HashMap<&[u8], Sym> = HashMap::new();
    let out: Vec<Sym> = (0..items.len())
        .map(|i| {
            if !valid(nulls, i) {
                return Sym::EMPTY;
            }
            let b = items.get(i);
            *seen
                .entry(b)
                .or_insert_with(|| Sym::new(&String::from_utf8_lossy(b)))
        })
        .collect();
    Value::Vector(Vector::syms(out))
}

/// Items as a general list of char (or byte) vectors; a null is empty.
fn byte_lists(ty: Ty, items: &Items, nulls: Option<&NullBuffer>) -> Value {
    let out: Vec<Value> = (0..items.len())
        .map(|i| {
            let b = if valid(nulls, i) { items.get(i) } else { &[] };
            Value::Vector(Vector::from_u8(ty, b.to_vec()))
        })
        .collect();
    Value::list(out)
}

/// An Arrow list column as a general list: the child items between
/// `offs[i]` and `offs[i+1]` become item i (empty for a null list).
fn split_list(
    child: &Arc<Field>,
    values: &dyn Array,
    offs: &[usize],
    nulls: Option<NullBuffer>,
    opts: &ReadOptions,
) -> QResult<Value> {
    let (lo, hi) = (
        offs.first().copied().unwrap_or(0),
        offs.last().copied().unwrap_or(0),
    );
    if hi < lo || hi > values.len() {
        return Err(arrow_error("list offsets out of range"));
    }
    let flat = array_to_value(child, values.slice(lo, hi - lo).as_ref(), opts)?;
    let n = offs.len().saturating_sub(1);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b) = if valid(nulls.as_ref(), i) {
            (offs[i] - lo, offs[i + 1].max(offs[i]) - lo)
        } else {
            (0, 0)
        };
        out.push(slice_value(&flat, a, b));
    }
    Ok(Value::list(out))
}

/// Items `a..b` of a q list as a new list of the same kind.
fn slice_value(v: &Value, a: usize, b: usize) -> Value {
    match v {
        Value::Vector(vec) => {
            macro_rules! cut {
                ($s:expr, $wrap:ident) => {
                    VecData::$wrap($s[a..b].to_vec().into())
                };
            }
            let data = match vec.data() {
                VecData::U8(s) => cut!(s, U8),
                VecData::I16(s) => cut!(s, I16),
                VecData::I32(s) => cut!(s, I32),
                VecData::I64(s) => cut!(s, I64),
                VecData::F32(s) => cut!(s, F32),
                VecData::F64(s) => cut!(s, F64),
                VecData::Guid(s) => cut!(s, Guid),
                VecData::Sym(s) => cut!(s, Sym),
            };
            Vector::new(vec.ty(), data).map_or(Value::list(vec![]), Value::Vector)
        }
        Value::List(l) => Value::list(l[a..b].to_vec()),
        other => other.clone(),
    }
}

/// The pieces of one column (one per record batch) joined into one q
/// list: vectors of one type into one vector, anything else into a
/// general list.
pub fn concat_columns(mut parts: Vec<Value>) -> QResult<Value> {
    if parts.len() == 1 {
        return Ok(parts.pop().unwrap_or(Value::list(vec![])));
    }
    let total: usize = parts.iter().map(Value::count).sum();
    let ty = match parts.first() {
        Some(Value::Vector(v)) => Some(v.ty()),
        _ => None,
    };
    if let Some(t) = ty.filter(|&t| {
        parts
            .iter()
            .all(|p| matches!(p, Value::Vector(v) if v.ty() == t))
    }) {
        qcore::check_alloc(total, t.width())?;
        let mut data = VecData::empty(t.repr());
        macro_rules! join {
            ($b:ident, $as:ident) => {{
                let out = $b.make_mut();
                out.reserve(total);
                for p in &parts {
                    if let Value::Vector(v) = p {
                        out.extend_from_slice(v.$as().unwrap_or(&[]));
                    }
                }
            }};
        }
        match &mut data {
            VecData::U8(b) => join!(b, as_u8),
            VecData::I16(b) => join!(b, as_i16),
            VecData::I32(b) => join!(b, as_i32),
            VecData::I64(b) => join!(b, as_i64),
            VecData::F32(b) => join!(b, as_f32),
            VecData::F64(b) => join!(b, as_f64),
            VecData::Guid(b) => join!(b, as_guid),
            VecData::Sym(b) => join!(b, as_sym),
        }
        if parts
            .iter()
            .all(|p| matches!(p, Value::Vector(v) if v.data().known_no_nulls()))
        {
            data.set_no_nulls();
        }
        return vector(t, data);
    }
    let mut out = Vec::with_capacity(total);
    for p in parts {
        match p {
            Value::List(l) => out.extend(Arc::unwrap_or_clone(l)),
            other => out.extend(other.items()),
        }
    }
    Ok(Value::list(out))
}
