//! Python objects to q values: arguments of `borf.q("f", x, y)`, values of
//! `borf.q["name"] = x`, `borf.toq(x)`.
//!
//! As PyKX converts: `None` is `::`, `bool` a boolean, `int` a long, `float`
//! a float, `str` a symbol, `bytes` a string (char vector),
//! `datetime.datetime` a timestamp (an aware one is taken in UTC),
//! `datetime.date` a date, `datetime.time` a time, `datetime.timedelta` a
//! timespan, `uuid.UUID` a guid; lists and tuples are q lists (collapsed to a
//! vector when every item is an atom of one type), dicts are dictionaries.
//! numpy arrays and scalars are read through `__array_interface__` (no
//! numpy C API); tables and series of pandas, Polars and pyarrow come
//! through the Arrow C stream (`arrow.rs`).

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyBytes, PyDate, PyDateTime, PyDelta, PyDict, PyFloat, PyInt, PyList, PyString, PyTime,
    PyTuple,
};
use qcore::{Atom, Value, Vector};

use crate::value::Q;

const NS_PER_DAY: i64 = 86_400_000_000_000;

/// A Python object as a q value.
pub fn to_q(x: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = x.py();
    if let Ok(q) = x.cast::<Q>() {
        return Ok(q.get().value().clone());
    }
    if x.is_none() {
        return Ok(Value::Nil);
    }
    if let Ok(b) = x.cast::<PyBool>() {
        return Ok(Value::bool(b.is_true()));
    }
    if x.is_instance_of::<PyInt>() {
        return x
            .extract::<i64>()
            .map(Value::long)
            .map_err(|_| PyOverflowError::new_err("int too large for a q long"));
    }
    if let Ok(f) = x.cast::<PyFloat>() {
        return Ok(Value::float(f.value()));
    }
    if let Ok(s) = x.cast::<PyString>() {
        return Ok(Value::sym(&s.to_cow()?));
    }
    if let Ok(b) = x.cast::<PyBytes>() {
        return Ok(Value::Vector(Vector::chars(b.as_bytes())));
    }
    // datetime before date: a datetime is a date
    if x.is_instance_of::<PyDateTime>() {
        return Ok(Value::Atom(Atom::Timestamp(datetime_ns(x)?)));
    }
    if x.is_instance_of::<PyDate>() {
        let ord: i64 = x.call_method0("toordinal")?.extract()?;
        // date(2000,1,1).toordinal() is 730120
        return Ok(Value::Atom(Atom::Date(to_i32(ord - 730_120)?)));
    }
    if x.is_instance_of::<PyDelta>() {
        return Ok(Value::Atom(Atom::Timespan(delta_ns(x)?)));
    }
    if x.is_instance_of::<PyTime>() {
        let h: i64 = x.getattr("hour")?.extract()?;
        let m: i64 = x.getattr("minute")?.extract()?;
        let s: i64 = x.getattr("second")?.extract()?;
        let us: i64 = x.getattr("microsecond")?.extract()?;
        return Ok(Value::Atom(Atom::Time(to_i32(
            ((h * 60 + m) * 60 + s) * 1000 + us / 1000,
        )?)));
    }
    if is_instance(x, "uuid", "UUID")? {
        let b = x.getattr("bytes")?;
        let b = b.cast::<PyBytes>()?.as_bytes();
        let g: [u8; 16] = b
            .try_into()
            .map_err(|_| PyValueError::new_err("a UUID of other than 16 bytes"))?;
        return Ok(Value::Atom(Atom::Guid(g)));
    }
    if let Ok(l) = x.cast::<PyList>() {
        return seq(l.iter());
    }
    if let Ok(t) = x.cast::<PyTuple>() {
        return seq(t.iter());
    }
    if let Ok(d) = x.cast::<PyDict>() {
        let ks = seq(d.keys().iter())?;
        let vs = seq(d.values().iter())?;
        return Ok(Value::dict(ks, vs));
    }
    if x.hasattr("__array_interface__")? && !x.hasattr("__arrow_c_stream__")? {
        return crate::numpy::to_q(x);
    }
    if let Some(v) = crate::arrow::import(x)? {
        return Ok(v);
    }
    let _ = py;
    Err(PyTypeError::new_err(format!(
        "cannot convert a Python {} to a q value",
        x.get_type().name()?
    )))
}

fn seq<'py>(items: impl Iterator<Item = Bound<'py, PyAny>>) -> PyResult<Value> {
    let vs = items.map(|x| to_q(&x)).collect::<PyResult<Vec<_>>>()?;
    Ok(Value::from_items(vs))
}

fn is_instance(x: &Bound<'_, PyAny>, module: &str, class: &str) -> PyResult<bool> {
    let t = x.get_type();
    if t.module()?.to_cow()? != module {
        return Ok(false);
    }
    let c = x.py().import(module)?.getattr(class)?;
    x.is_instance(&c)
}

fn to_i32(n: i64) -> PyResult<i32> {
    i32::try_from(n).map_err(|_| PyOverflowError::new_err("out of the q type's range"))
}

/// Nanoseconds of a `timedelta`.
fn delta_ns(x: &Bound<'_, PyAny>) -> PyResult<i64> {
    let d: i64 = x.getattr("days")?.extract()?;
    let s: i64 = x.getattr("seconds")?.extract()?;
    let us: i64 = x.getattr("microseconds")?.extract()?;
    d.checked_mul(NS_PER_DAY)
        .and_then(|n| n.checked_add(s * 1_000_000_000 + us * 1000))
        .ok_or_else(|| PyOverflowError::new_err("timedelta out of the timespan range"))
}

/// Nanoseconds from 2000.01.01 of a `datetime` (an aware one in UTC).
fn datetime_ns(x: &Bound<'_, PyAny>) -> PyResult<i64> {
    let py = x.py();
    let dt = py.import("datetime")?;
    let naive = if x.getattr("tzinfo")?.is_none() {
        x.clone()
    } else {
        let utc = dt.getattr("timezone")?.getattr("utc")?;
        let kw = PyDict::new(py);
        kw.set_item("tzinfo", py.None())?;
        x.call_method1("astimezone", (utc,))?
            .call_method("replace", (), Some(&kw))?
    };
    let base = dt.getattr("datetime")?.call1((2000, 1, 1))?;
    delta_ns(&naive.sub(base)?)
}
