//! The `borf` Python package's native module (`borf._borf`).
//!
//! - [`interp`]: the process's one interpreter, on its own thread.
//! - [`value`]: `borf.Q`, a q value in Python, and its conversions.
//! - [`topy`] / [`frompy`] / [`numpy`]: plain Python objects and numpy
//!   arrays to and from q values.
//! - [`arrow`]: the Arrow C data interface (PyCapsules), through `qarrow`.
//! - [`ipc`]: `borf.connect`, a kdb+ IPC client.
//!
//! The Python layer (`python/borf/__init__.py`) adds the `borf.q` object.

pub mod arrow;
pub mod frompy;
pub mod interp;
pub mod ipc;
pub mod numpy;
pub mod topy;
pub mod value;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use qengine::{Outcome, Value};

#[global_allocator]
static ALLOCATOR: qengine::alloc::Counting = qengine::alloc::Counting;

pyo3::create_exception!(
    borf,
    QError,
    pyo3::exceptions::PyException,
    "A q error. `.name` is q's error name (the text after `'`: `type`, `length`, a signalled string, ...); `.detail` borf's explanation, or None."
);

/// A q error as a `borf.QError` carrying q's name (`.name`) and borf's
/// explanation (`.detail`).
pub fn qerror(e: qengine::QError) -> PyErr {
    Python::attach(|py| {
        let err = QError::new_err(e.name.clone());
        let v = err.value(py);
        let _ = v.setattr("name", e.name.clone());
        let _ = v.setattr("detail", e.detail.clone());
        err
    })
}

/// Runs q text (console semantics: `\` system commands too) and returns
/// its value; with arguments, applies the function the text names (or
/// evaluates to) to them, as a kdb+ client's `(f;x;y)` message.
#[pyfunction]
#[pyo3(signature = (text, *args))]
fn eval(py: Python<'_>, text: &str, args: &Bound<'_, PyTuple>) -> PyResult<Py<value::Q>> {
    let text = text.to_string();
    if !args.is_empty() {
        let mut msg = vec![Value::string(&text)];
        for a in args.iter() {
            msg.push(frompy::to_q(&a)?);
        }
        let r = interp::run(py, move |it| {
            it.evaluation(it.timeout_deadline(), |it| {
                qengine::ipc::default_eval(it, Value::list(msg))
            })
        })?;
        return value::wrap(py, r.map_err(qerror)?);
    }
    let r = interp::run(py, move |it| {
        // a script's worth of text runs chunk by chunk; the last one's
        // value is the result
        let mut last = Outcome::Silent;
        for chunk in qparser::script::chunks(&text) {
            last = match it.run_line(&chunk.text)? {
                Outcome::Value(v) => Outcome::Value(materialize(it, v)?),
                o => o,
            };
            if matches!(last, Outcome::Exit(_)) {
                // Python decides whether the process ends (SystemExit);
                // the interpreter must not keep answering every line with it
                it.exit_request = None;
                break;
            }
        }
        Ok(last)
    })?;
    match r.map_err(qerror)? {
        Outcome::Value(v) => value::wrap(py, v),
        Outcome::Text(t) => value::wrap(py, Value::string(&t)),
        Outcome::Silent => value::wrap(py, Value::Nil),
        Outcome::Exit(code) => Err(pyo3::exceptions::PySystemExit::new_err(code)),
    }
}

/// A partitioned table's value (`trade` after `\l db`, which q shows by
/// mapping its rows) as its rows: the table a Python user means by it.
/// Anything else is returned as it is.
fn materialize(it: &mut qengine::Interp, v: Value) -> qengine::QResult<Value> {
    match qengine::query::partitioned::parted(it, &v) {
        Some((_, name)) => it.eval_text(&format!("select from {}", name.as_str())),
        None => Ok(v),
    }
}

/// The value of a global (`borf.q["t"]`), as q's `get` reads it.
#[pyfunction]
fn get(py: Python<'_>, name: &str) -> PyResult<Py<value::Q>> {
    let name = name.to_string();
    let r = interp::run(py, move |it| {
        let get = it.eval_text("get")?;
        let v = qengine::builtins::apply::apply(it, &get, vec![Value::sym(&name)])?;
        materialize(it, v)
    })?;
    value::wrap(py, r.map_err(qerror)?)
}

/// Sets a global (`borf.q["t"] = x`) to a Python object converted to q.
#[pyfunction]
fn set(py: Python<'_>, name: &str, x: &Bound<'_, PyAny>) -> PyResult<()> {
    let v = frompy::to_q(x)?;
    let name = name.to_string();
    let r = interp::run(py, move |it| {
        // through q's own assignment, so a namespaced name (`.a.b`) and a
        // name that is not q's are treated as `set` treats them
        let set = it.eval_text("set")?;
        qengine::builtins::apply::apply(it, &set, vec![Value::sym(&name), v])
    })?;
    r.map(|_| ()).map_err(qerror)
}

/// A Python object as a `borf.Q` (the conversion arguments go through).
#[pyfunction]
fn toq(py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<value::Q>> {
    value::wrap(py, frompy::to_q(x)?)
}

/// The module `borf._borf`.
#[pymodule]
fn _borf(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("QError", m.py().get_type::<QError>())?;
    m.add_class::<value::Q>()?;
    m.add_class::<ipc::Connection>()?;
    m.add_function(wrap_pyfunction!(eval, m)?)?;
    m.add_function(wrap_pyfunction!(get, m)?)?;
    m.add_function(wrap_pyfunction!(set, m)?)?;
    m.add_function(wrap_pyfunction!(toq, m)?)?;
    m.add_function(wrap_pyfunction!(ipc::connect, m)?)?;
    Ok(())
}
