//! The Arrow C data interface (PyCapsules) for q values, through `qarrow`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use qcore::Value;

/// A table's Arrow C stream capsule.
pub fn export_stream<'py>(_py: Python<'py>, _v: &Value) -> PyResult<Bound<'py, PyCapsule>> {
    Err(PyTypeError::new_err("nyi: Arrow export"))
}

/// A vector's Arrow C array capsules.
pub fn export_array<'py>(
    _py: Python<'py>,
    _v: &Value,
) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
    Err(PyTypeError::new_err("nyi: Arrow export"))
}

/// An object with `__arrow_c_stream__`/`__arrow_c_array__` as a q value.
pub fn import(_x: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    Ok(None)
}
