//! q values to plain Python objects (`Q.py()`), item by item.
//!
//! The choices follow PyKX's `.py()`: symbols are `str`, chars and strings
//! `bytes`, guids `uuid.UUID`, dates `datetime.date`, timestamps and
//! datetimes `datetime.datetime` (naive, microseconds: Python's resolution),
//! months the `datetime.date` of their first day, timespans, minutes, seconds
//! and times `datetime.timedelta`. A null of any type is `None`, except
//! float and real nulls, which are NaN (that is their value). Infinite
//! integers stay integers; infinite temporals beyond Python's range become
//! the type's `max`/`min`. Tables become `{column: list}` (a keyed table
//! its key columns then its value columns), dictionaries `dict`, general
//! lists `list`, and functions stay `Q` objects (callable from Python).

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use qcore::{Atom, Ty, Value, Vector};

use crate::value::Q;

/// Days from 1970.01.01 (Python's and Arrow's epoch) to 2000.01.01 (q's).
pub const EPOCH_DAYS: i64 = 10_957;

/// A q value as a Python object.
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::Nil => Ok(py.None().into_bound(py)),
        Value::Atom(a) => atom(py, a),
        Value::Vector(vec) => vector(py, vec),
        Value::List(items) => {
            let out = items
                .iter()
                .map(|x| to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(py, out)?.into_any())
        }
        Value::Table(t) => {
            let d = PyDict::new(py);
            for (n, c) in t.names.iter().zip(&t.columns) {
                d.set_item(n.as_str(), to_py(py, c)?)?;
            }
            Ok(d.into_any())
        }
        Value::Dict(d) => match (&d.keys, &d.values) {
            (Value::Table(k), Value::Table(vals)) => {
                let out = PyDict::new(py);
                for (n, c) in k.names.iter().zip(&k.columns) {
                    out.set_item(n.as_str(), to_py(py, c)?)?;
                }
                for (n, c) in vals.names.iter().zip(&vals.columns) {
                    out.set_item(n.as_str(), to_py(py, c)?)?;
                }
                Ok(out.into_any())
            }
            (keys, values) => {
                let out = PyDict::new(py);
                let ks = keys.items_of_list().unwrap_or_else(|_| vec![keys.clone()]);
                let vs = values
                    .items_of_list()
                    .unwrap_or_else(|_| vec![values.clone()]);
                for (k, val) in ks.iter().zip(&vs) {
                    out.set_item(hashable(py, to_py(py, k)?)?, to_py(py, val)?)?;
                }
                Ok(out.into_any())
            }
        },
        Value::Func(_) => Ok(Bound::new(py, Q::new(v.clone()))?.into_any()),
    }
}

/// Lists as dictionary keys become tuples (a list is not hashable).
fn hashable<'py>(py: Python<'py>, k: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(l) = k.cast::<PyList>() {
        let items = l
            .iter()
            .map(|x| hashable(py, x))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(pyo3::types::PyTuple::new(py, items)?.into_any());
    }
    Ok(k)
}

fn vector<'py>(py: Python<'py>, v: &Vector) -> PyResult<Bound<'py, PyAny>> {
    if v.ty() == Ty::Char {
        return Ok(PyBytes::new(py, v.as_u8().unwrap_or(&[])).into_any());
    }
    let dt = Temporal::import(py, v.ty())?;
    let out = (0..v.len())
        .map(|i| atom_with(py, &v.get(i), dt.as_ref()))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, out)?.into_any())
}

/// A q atom as a Python scalar.
pub fn atom<'py>(py: Python<'py>, a: &Atom) -> PyResult<Bound<'py, PyAny>> {
    let dt = Temporal::import(py, a.ty())?;
    atom_with(py, a, dt.as_ref())
}

/// Python's `datetime` and `uuid` pieces a temporal or guid item needs,
/// looked up once per vector.
struct Temporal<'py> {
    base: Bound<'py, PyAny>,
    timedelta: Bound<'py, PyAny>,
    min: Bound<'py, PyAny>,
    max: Bound<'py, PyAny>,
}

impl<'py> Temporal<'py> {
    fn import(py: Python<'py>, ty: Ty) -> PyResult<Option<Temporal<'py>>> {
        let class = match ty {
            Ty::Timestamp | Ty::Datetime => "datetime",
            Ty::Date | Ty::Month => "date",
            Ty::Timespan | Ty::Minute | Ty::Second | Ty::Time => "timedelta",
            Ty::Guid => "UUID",
            _ => return Ok(None),
        };
        if class == "UUID" {
            let u = py.import("uuid")?.getattr("UUID")?;
            return Ok(Some(Temporal {
                base: u.clone(),
                timedelta: u.clone(),
                min: u.clone(),
                max: u,
            }));
        }
        let m = py.import("datetime")?;
        let c = m.getattr(class)?;
        let base = match class {
            "datetime" => c.call1((2000, 1, 1))?,
            "date" => c.call1((2000, 1, 1))?,
            _ => m.getattr("timedelta")?.call0()?,
        };
        Ok(Some(Temporal {
            base,
            timedelta: m.getattr("timedelta")?,
            min: c.getattr("min")?,
            max: c.getattr("max")?,
        }))
    }

    /// `base + timedelta(**{unit: n})`, clamped to the Python type's range.
    fn offset(&self, py: Python<'py>, unit: &str, n: i64) -> PyResult<Bound<'py, PyAny>> {
        let kw = PyDict::new(py);
        kw.set_item(unit, n)?;
        let r = self
            .timedelta
            .call((), Some(&kw))
            .and_then(|d| self.base.add(d));
        match r {
            Ok(x) => Ok(x),
            Err(e) if e.is_instance_of::<PyOverflowError>(py) => Ok(if n < 0 {
                self.min.clone()
            } else {
                self.max.clone()
            }),
            Err(e) => Err(e),
        }
    }
}

fn atom_with<'py>(
    py: Python<'py>,
    a: &Atom,
    dt: Option<&Temporal<'py>>,
) -> PyResult<Bound<'py, PyAny>> {
    // float and real nulls are NaN, their value
    if a.is_null() && !matches!(a, Atom::Float(_) | Atom::Real(_)) {
        return Ok(py.None().into_bound(py));
    }
    let need = || dt.ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no datetime"));
    Ok(match *a {
        Atom::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Atom::Guid(g) => {
            let kw = PyDict::new(py);
            kw.set_item("bytes", PyBytes::new(py, &g))?;
            need()?.base.call((), Some(&kw))?
        }
        Atom::Byte(x) => x.into_pyobject(py)?.into_any(),
        Atom::Short(x) => x.into_pyobject(py)?.into_any(),
        Atom::Int(x) => x.into_pyobject(py)?.into_any(),
        Atom::Long(x) => x.into_pyobject(py)?.into_any(),
        Atom::Real(x) => (x as f64).into_pyobject(py)?.into_any(),
        Atom::Float(x) => x.into_pyobject(py)?.into_any(),
        Atom::Char(c) => PyBytes::new(py, &[c]).into_any(),
        // an enumerated atom converts as its symbol, like the vectors
        Atom::Symbol(s) | Atom::Enum(qcore::EnumAtom { sym: s, .. }) => {
            s.as_str().into_pyobject(py)?.into_any()
        }
        Atom::Timestamp(ns) => need()?.offset(py, "microseconds", ns.div_euclid(1000))?,
        Atom::Month(m) => {
            let y = 2000 + m.div_euclid(12);
            let mo = m.rem_euclid(12) + 1;
            let date = py.import("datetime")?.getattr("date")?;
            match date.call1((y, mo, 1)) {
                Ok(d) => d,
                Err(_) => {
                    let t = need()?;
                    if m < 0 { t.min.clone() } else { t.max.clone() }
                }
            }
        }
        Atom::Date(d) => need()?.offset(py, "days", d as i64)?,
        Atom::Datetime(f) => {
            // q's datetime is days as a float: milliseconds are its precision
            need()?.offset(py, "milliseconds", (f * 86_400_000.0).round() as i64)?
        }
        Atom::Timespan(ns) => need()?.offset(py, "microseconds", ns.div_euclid(1000))?,
        Atom::Minute(x) => need()?.offset(py, "minutes", x as i64)?,
        Atom::Second(x) => need()?.offset(py, "seconds", x as i64)?,
        Atom::Time(x) => need()?.offset(py, "milliseconds", x as i64)?,
    })
}
