//! `borf.Q`: a q value held in Python, and its conversions.
//!
//! The value is shared, not copied: q vectors are reference-counted
//! buffers, so holding a `Q` keeps the result alive and the Arrow export
//! (`arrow.rs`) hands those same buffers to pyarrow/Polars/pandas.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyTuple};
use qcore::Value;

use crate::{interp, qerror};

/// A q value. `py()` makes plain Python objects; `pa()`, `pl()`, `pd()`,
/// `np()` make pyarrow, Polars, pandas and numpy objects through the Arrow
/// C data interface (`__arrow_c_array__`, `__arrow_c_stream__`).
#[pyclass(name = "Q", module = "borf", frozen)]
pub struct Q {
    v: Value,
}

impl Q {
    /// Wraps a value.
    pub fn new(v: Value) -> Q {
        Q { v }
    }

    /// The value held.
    pub fn value(&self) -> &Value {
        &self.v
    }
}

/// Wraps a q value for Python.
pub fn wrap(py: Python<'_>, v: Value) -> PyResult<Py<Q>> {
    Py::new(py, Q::new(v))
}

#[pymethods]
impl Q {
    /// q's type number: negative for atoms, 0 for general lists, 98 a
    /// table, 99 a dictionary, 100 and up functions, 101 `::`.
    #[getter]
    fn r#type(&self) -> i16 {
        self.v.type_code()
    }

    /// The value as plain Python objects (see the module documentation).
    fn py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::topy::to_py(py, &self.v)
    }

    /// A pyarrow `Table` (tables; keyed tables with their key columns
    /// first), `Array` (vectors and lists) or scalar (atoms).
    fn pa<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let pa = py.import("pyarrow")?;
        match &slf.get().v {
            Value::Table(_) | Value::Dict(_) if is_table_like(&slf.get().v) => {
                pa.call_method1("table", (slf,))
            }
            Value::Atom(_) | Value::Nil => pa.call_method1("scalar", (slf.get().py(py)?,)),
            Value::Vector(_) | Value::List(_) => pa.call_method1("array", (slf,)),
            _ => Err(PyTypeError::new_err(format!(
                "no pyarrow form for a q value of type {}",
                slf.get().v.type_code()
            ))),
        }
    }

    /// A Polars `DataFrame` (tables; a keyed table unkeyed) or `Series`
    /// (vectors and lists), zero-copy where Arrow's layout is q's.
    fn pl<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let pl = py.import("polars")?;
        match &slf.get().v {
            v if is_table_like(v) => pl.call_method1("DataFrame", (slf,)),
            Value::Vector(_) | Value::List(_) => pl.call_method1("Series", ("", slf)),
            Value::Atom(_) | Value::Nil => slf.get().py(py),
            v => Err(PyTypeError::new_err(format!(
                "no Polars form for a q value of type {}",
                v.type_code()
            ))),
        }
    }

    /// A pandas `DataFrame` (tables; a keyed table indexed by its key
    /// columns), `Series` (vectors and lists, and dictionaries indexed by
    /// their keys), or a Python scalar (atoms); through pyarrow.
    fn pd<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        // integer columns with nulls as pandas' nullable dtypes (borf/_frames.py)
        let frames = py.import("borf._frames")?;
        match &slf.get().v {
            Value::Dict(d) if matches!(d.keys, Value::Table(_)) => {
                let keys: Vec<String> = match &d.keys {
                    Value::Table(t) => t.names.iter().map(|n| n.as_str().to_string()).collect(),
                    _ => Vec::new(),
                };
                let df = frames.call_method1("to_pandas", (Self::pa(slf)?,))?;
                df.call_method1("set_index", (keys,))
            }
            Value::Table(_) | Value::Vector(_) | Value::List(_) => {
                frames.call_method1("to_pandas", (Self::pa(slf)?,))
            }
            Value::Dict(d) => {
                let pd = py.import("pandas")?;
                let values = Bound::new(py, Q::new(d.values.clone()))?;
                let keys = Bound::new(py, Q::new(d.keys.clone()))?;
                let kw = PyDict::new(py);
                kw.set_item(
                    "index",
                    frames.call_method1("to_pandas", (Self::pa(&keys)?,))?,
                )?;
                pd.getattr("Series")?
                    .call((Self::pa(&values)?.call_method0("to_numpy")?,), Some(&kw))
            }
            _ => slf.get().py(py),
        }
    }

    /// A numpy array (vectors: zero-copy where Arrow's layout is q's and
    /// there are no nulls; tables: a record array), or a numpy scalar.
    fn np<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let np = py.import("numpy")?;
        match &slf.get().v {
            Value::Vector(_) | Value::List(_) => {
                let kw = PyDict::new(py);
                kw.set_item("zero_copy_only", false)?;
                Self::pa(slf)?.call_method("to_numpy", (), Some(&kw))
            }
            v if is_table_like(v) => {
                let kw = PyDict::new(py);
                kw.set_item("index", false)?;
                Self::pd(slf)?
                    .call_method0("reset_index")
                    .and_then(|df| df.call_method("to_records", (), Some(&kw)))
            }
            Value::Atom(_) => {
                let a = np.call_method1("array", (Self::np_vector(slf)?,))?;
                a.get_item(0)
            }
            _ => slf.get().py(py),
        }
    }

    /// Applies the value to arguments (q application: a function called, a
    /// list or dictionary indexed).
    #[pyo3(signature = (*args))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<Q>> {
        let f = self.v.clone();
        let args = args
            .iter()
            .map(|a| crate::frompy::to_q(&a))
            .collect::<PyResult<Vec<_>>>()?;
        let r = interp::run(py, move |it| {
            it.evaluation(it.timeout_deadline(), |it| {
                qengine::builtins::apply::apply(it, &f, args)
            })
        })?;
        wrap(py, r.map_err(qerror)?)
    }

    /// q indexing (`x[i]`, `d[k]`, `t[`c]`).
    fn __getitem__(&self, py: Python<'_>, i: &Bound<'_, PyAny>) -> PyResult<Py<Q>> {
        let args = PyTuple::new(py, [i])?;
        self.__call__(py, &args)
    }

    /// The items as `Q` values: a list's items, a table's rows (as
    /// dictionaries), a dictionary's values (q's `each` order). Defined so
    /// that Python does not iterate by indexing, which in q never runs out
    /// (an index past the end gives a null).
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = match &self.v {
            Value::Vector(_) | Value::List(_) | Value::Table(_) | Value::Dict(_) => {
                self.v.items_of_list().map_err(qerror)?
            }
            v => {
                return Err(PyTypeError::new_err(format!(
                    "a q value of type {} is not iterable",
                    v.type_code()
                )));
            }
        };
        let qs = items
            .into_iter()
            .map(|x| wrap(py, x))
            .collect::<PyResult<Vec<_>>>()?;
        pyo3::types::PyList::new(py, qs)?
            .try_iter()
            .map(|i| i.into_any())
    }

    /// q's count.
    fn __len__(&self) -> usize {
        self.v.count()
    }

    /// The console text of the value (under the interpreter's `\c`).
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let v = self.v.clone();
        interp::run(py, move |it| it.display(&v))
    }

    fn __str__(&self, py: Python<'_>) -> PyResult<String> {
        self.__repr__(py)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let o = match crate::frompy::to_q(other) {
            Ok(o) => o,
            Err(_) => return Ok(false),
        };
        let a = self.v.clone();
        // q's match (`~`): same type and same items
        let r = interp::run(py, move |it| {
            let m = it.eval_text("~")?;
            qengine::builtins::apply::apply(it, &m, vec![a, o])
        })?;
        match r {
            Ok(Value::Atom(qcore::Atom::Bool(b))) => Ok(b),
            _ => Ok(false),
        }
    }

    /// The Arrow C stream of a table (PyCapsule interface): pyarrow,
    /// Polars and pandas read it without copying q's buffers.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        crate::arrow::export_stream(py, &self.v)
    }

    /// The Arrow C array of a vector or list (PyCapsule interface): a
    /// `(schema, array)` pair of capsules.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        let _ = requested_schema;
        crate::arrow::export_array(py, &self.v)
    }

    /// The address of a vector's first item (for checking that a
    /// conversion shared q's buffer rather than copying it).
    fn _data_address(&self) -> PyResult<usize> {
        match &self.v {
            Value::Vector(v) => Ok(match v.data() {
                qcore::vector::VecData::U8(b) => b.as_slice().as_ptr() as usize,
                qcore::vector::VecData::I16(b) => b.as_slice().as_ptr() as usize,
                qcore::vector::VecData::I32(b) => b.as_slice().as_ptr() as usize,
                qcore::vector::VecData::I64(b) => b.as_slice().as_ptr() as usize,
                qcore::vector::VecData::F32(b) => b.as_slice().as_ptr() as usize,
                qcore::vector::VecData::F64(b) => b.as_slice().as_ptr() as usize,
                qcore::vector::VecData::Guid(b) => b.as_slice().as_ptr() as usize,
                qcore::vector::VecData::Sym(b) => b.as_slice().as_ptr() as usize,
            }),
            _ => Err(PyTypeError::new_err("not a vector")),
        }
    }

    /// Whether a vector's items are known to hold no q null, so handing
    /// it to Arrow skips the null scan (for checking that a result kept
    /// the fact its producers set).
    fn _known_no_nulls(&self) -> PyResult<bool> {
        match &self.v {
            Value::Vector(v) => Ok(v.data().known_no_nulls()),
            _ => Err(PyTypeError::new_err("not a vector")),
        }
    }
}

impl Q {
    /// A one-item Q vector of an atom, for numpy's scalar types.
    fn np_vector<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let v = match &slf.get().v {
            Value::Atom(a) => Value::Vector(
                qcore::Vector::from_atoms(a.ty(), &[*a])
                    .ok_or_else(|| PyTypeError::new_err("atom"))?,
            ),
            v => v.clone(),
        };
        Q::np(&Bound::new(py, Q::new(v))?)
    }
}

/// A table or a keyed table (a dictionary of two tables).
fn is_table_like(v: &Value) -> bool {
    match v {
        Value::Table(_) => true,
        Value::Dict(d) => matches!((&d.keys, &d.values), (Value::Table(_), Value::Table(_))),
        _ => false,
    }
}
