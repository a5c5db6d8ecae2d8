//! numpy arrays and scalars to q, read through `__array_interface__` (the
//! data pointer, the item type, the shape): no numpy C API and no build
//! dependency on numpy. The items are copied into a q vector.
//!
//! Item types: `bool` → boolean, `uint8` → byte, `int8`/`int16` → short,
//! `uint16`/`int32` → int, `uint32`/`int64` → long (`uint64` too, when
//! every item fits), `float16`/`float32` → real, `float64` → float,
//! `datetime64[D]` → date, `datetime64[M]` → month, other `datetime64`
//! units → timestamp, `timedelta64` → timespan (`NaT` is q's null), and
//! `str`, `bytes` and `object` arrays item by item as Python objects (a
//! `str` array becomes a symbol vector). Arrays of more than one dimension
//! become nested lists; a 0-d array or numpy scalar becomes an atom.

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use qcore::{Ty, Value, Vector};

use crate::topy::EPOCH_DAYS;

const NS_PER_DAY: i64 = 86_400_000_000_000;

/// A numpy array or scalar as a q value.
pub fn to_q(x: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = x.py();
    let mut arr = x.clone();
    let mut ai = arr.getattr("__array_interface__")?.cast_into::<PyDict>()?;
    let strided = ai.get_item("strides")?.is_some_and(|s| !s.is_none());
    if strided {
        arr = py
            .import("numpy")?
            .call_method1("ascontiguousarray", (x,))?;
        ai = arr.getattr("__array_interface__")?.cast_into::<PyDict>()?;
    }
    let item = |k: &str| {
        ai.get_item(k)?
            .ok_or_else(|| PyTypeError::new_err(format!("__array_interface__ without {k}")))
    };
    let typestr: String = item("typestr")?.extract()?;
    let shape: Vec<usize> = item("shape")?.cast_into::<PyTuple>()?.extract()?;
    if shape.len() > 1 || matches!(typestr.as_bytes().get(1), Some(b'O' | b'U' | b'S' | b'V')) {
        // item by item through Python objects
        return crate::frompy::to_q(&arr.call_method0("tolist")?);
    }
    let n: usize = shape.iter().product();
    let (ptr, _readonly): (usize, bool) = item("data")?.extract()?;
    let b = typestr.as_bytes();
    let (order, kind) = match b {
        [o, k, ..] => (*o, *k),
        _ => return Err(PyTypeError::new_err(format!("numpy item type {typestr}"))),
    };
    let size: usize = typestr[2..]
        .split('[')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if order == b'>' && size > 1 {
        return Err(PyTypeError::new_err(
            "a big-endian numpy array: convert it with .astype(its type.newbyteorder('<'))",
        ));
    }
    let bytes: &[u8] = if n == 0 || ptr == 0 {
        &[]
    } else {
        // SAFETY: numpy's array interface promises `n` contiguous items of
        // `size` bytes at `ptr`, alive while `arr` (held here) is.
        unsafe { std::slice::from_raw_parts(ptr as *const u8, n * size) }
    };
    let unit = typestr
        .split('[')
        .nth(1)
        .map(|u| u.trim_end_matches(']'))
        .unwrap_or("");
    let v = vector(kind, size, unit, bytes, &typestr)?;
    let v = Value::Vector(v);
    if shape.is_empty() {
        return v
            .item(0)
            .ok_or_else(|| PyTypeError::new_err("an empty numpy scalar"));
    }
    Ok(v)
}

fn words<const N: usize>(b: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
    b.chunks_exact(N).map(|c| {
        let mut a = [0u8; N];
        a.copy_from_slice(c);
        a
    })
}

fn i64s(b: &[u8]) -> impl Iterator<Item = i64> + '_ {
    words::<8>(b).map(i64::from_le_bytes)
}

fn vector(kind: u8, size: usize, unit: &str, b: &[u8], typestr: &str) -> PyResult<Vector> {
    let bad = || PyTypeError::new_err(format!("no q type for numpy items {typestr}"));
    Ok(match (kind, size) {
        (b'b', 1) => Vector::bools(b.iter().map(|&x| x != 0).collect()),
        (b'u', 1) => Vector::from_u8(Ty::Byte, b.to_vec()),
        (b'i', 1) => Vector::from_i16(b.iter().map(|&x| x as i8 as i16).collect()),
        (b'i', 2) => Vector::from_i16(words::<2>(b).map(i16::from_le_bytes).collect()),
        (b'u', 2) => Vector::from_i32(
            Ty::Int,
            words::<2>(b)
                .map(|w| u16::from_le_bytes(w) as i32)
                .collect(),
        ),
        (b'i', 4) => Vector::from_i32(Ty::Int, words::<4>(b).map(i32::from_le_bytes).collect()),
        (b'u', 4) => Vector::longs(
            words::<4>(b)
                .map(|w| u32::from_le_bytes(w) as i64)
                .collect(),
        ),
        (b'i', 8) => Vector::longs(i64s(b).collect()),
        (b'u', 8) => Vector::longs(
            words::<8>(b)
                .map(|w| i64::try_from(u64::from_le_bytes(w)))
                .collect::<Result<_, _>>()
                .map_err(|_| PyOverflowError::new_err("a uint64 item beyond q's long"))?,
        ),
        (b'f', 2) => Vector::from_f32(
            words::<2>(b)
                .map(|w| half_to_f32(u16::from_le_bytes(w)))
                .collect(),
        ),
        (b'f', 4) => Vector::from_f32(words::<4>(b).map(f32::from_le_bytes).collect()),
        (b'f', 8) => Vector::floats(words::<8>(b).map(f64::from_le_bytes).collect()),
        (b'M', 8) => match unit {
            "D" => Vector::from_i32(
                Ty::Date,
                i64s(b)
                    .map(|d| nat(d, |d| narrow(d - EPOCH_DAYS)))
                    .collect(),
            ),
            "M" => Vector::from_i32(
                Ty::Month,
                i64s(b).map(|m| nat(m, |m| narrow(m - 360))).collect(),
            ),
            u => {
                let k = ns_per(u).ok_or_else(bad)?;
                let off = EPOCH_DAYS * NS_PER_DAY;
                Vector::from_i64(
                    Ty::Timestamp,
                    i64s(b)
                        .map(|t| nat(t, |t| t.saturating_mul(k).saturating_sub(off)))
                        .collect(),
                )
            }
        },
        (b'm', 8) => {
            let k = ns_per(unit).ok_or_else(bad)?;
            Vector::from_i64(
                Ty::Timespan,
                i64s(b).map(|t| nat(t, |t| t.saturating_mul(k))).collect(),
            )
        }
        _ => return Err(bad()),
    })
}

/// numpy's `NaT` is `i64::MIN`, as q's long null: kept null whatever the unit.
fn nat<T: NullOf>(x: i64, f: impl Fn(i64) -> T) -> T {
    if x == i64::MIN { T::NULL } else { f(x) }
}

trait NullOf {
    const NULL: Self;
}
impl NullOf for i64 {
    const NULL: i64 = i64::MIN;
}
impl NullOf for i32 {
    const NULL: i32 = i32::MIN;
}

/// A day or month count as q's 32-bit item; beyond it, the infinity.
fn narrow(x: i64) -> i32 {
    x.clamp(-(i32::MAX as i64), i32::MAX as i64) as i32
}

fn ns_per(unit: &str) -> Option<i64> {
    Some(match unit {
        "W" => 7 * NS_PER_DAY,
        "D" => NS_PER_DAY,
        "h" => 3_600_000_000_000,
        "m" => 60_000_000_000,
        "s" => 1_000_000_000,
        "ms" => 1_000_000,
        "us" => 1_000,
        "ns" => 1,
        _ => return None,
    })
}

/// IEEE half precision to single (numpy's float16).
fn half_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f32;
    sign * match exp {
        0 => frac * 2f32.powi(-24),
        31 if frac == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        e => (1.0 + frac / 1024.0) * 2f32.powi(e - 15),
    }
}
