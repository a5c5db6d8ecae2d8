//! q values through the Arrow C data interface, as PyCapsules (the
//! "Arrow PyCapsule interface" pyarrow, Polars and pandas all speak).
//!
//! The q ↔ Arrow mapping itself is `qarrow::convert` (the table in
//! docs/FORMAT.md). Exported arrays share q's buffers where the layouts
//! agree (booleans aside, numbers and chars; a null needs a validity
//! bitmap, a temporal the epoch shift: those are computed), and the
//! capsule keeps the q value alive until the consumer releases it.
//!
//! Choices for Python: symbols are exported as plain `utf8` strings (not
//! dictionary-encoded), since a Polars or pandas user expects strings, not
//! categoricals; on the way in, plain string columns become symbols, as
//! PyKX converts pandas strings (q's strings come back from borf's own
//! exports, whose fields carry q's type letter).

use std::ffi::CStr;
use std::sync::Arc;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{Array, ArrayReader, ArrayRef, RecordBatch, RecordBatchIterator, StructArray};
use arrow_schema::{DataType, Field, Schema};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use qarrow::convert::{self, ReadOptions, WriteOptions};
use qcore::Value;

use crate::qerror;

const STREAM: &CStr = c"arrow_array_stream";
const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";

fn write_options() -> WriteOptions {
    WriteOptions {
        sym_dictionary: false,
    }
}

fn read_options() -> ReadOptions {
    // other writers' strings are symbols (PyKX's rule); borf's own string
    // columns (tagged `C`) stay strings
    ReadOptions {
        plain_strings_as_symbols: true,
        ..ReadOptions::default()
    }
}

fn arrow_err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("Arrow C data interface: {e}"))
}

/// A table's (or keyed table's: key columns first) Arrow C stream: one
/// record batch.
pub fn export_stream<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyCapsule>> {
    let batch = match v {
        Value::Table(_) | Value::Dict(_) => {
            convert::table_to_batch(v, &write_options()).map_err(qerror)?
        }
        Value::Vector(_) | Value::List(_) => {
            // a list as a one-column table named after nothing
            let (field, array) =
                convert::value_to_array("", v, &write_options()).map_err(qerror)?;
            RecordBatch::try_new(Arc::new(Schema::new(vec![field])), vec![array])
                .map_err(arrow_err)?
        }
        _ => {
            return Err(PyTypeError::new_err(format!(
                "no Arrow stream for a q value of type {}",
                v.type_code()
            )));
        }
    };
    let schema = batch.schema();
    let reader = RecordBatchIterator::new(vec![Ok(batch)], schema);
    let stream = FFI_ArrowArrayStream::new(Box::new(reader));
    PyCapsule::new_with_value(py, stream, STREAM)
}

/// A vector's or list's (or a table's, as a struct array) Arrow C array:
/// the `(schema, array)` capsules.
pub fn export_array<'py>(
    py: Python<'py>,
    v: &Value,
) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
    let (field, array): (Field, ArrayRef) = match v {
        Value::Table(_) | Value::Dict(_) => {
            let b = convert::table_to_batch(v, &write_options()).map_err(qerror)?;
            let fields = b.schema().fields().clone();
            let s = StructArray::from(b);
            (
                Field::new("", DataType::Struct(fields), false),
                Arc::new(s) as ArrayRef,
            )
        }
        Value::Vector(_) | Value::List(_) => {
            convert::value_to_array("", v, &write_options()).map_err(qerror)?
        }
        _ => {
            return Err(PyTypeError::new_err(format!(
                "no Arrow array for a q value of type {}",
                v.type_code()
            )));
        }
    };
    let schema = FFI_ArrowSchema::try_from(&field).map_err(arrow_err)?;
    let array = FFI_ArrowArray::new(&array.to_data());
    Ok((
        PyCapsule::new_with_value(py, schema, SCHEMA)?,
        PyCapsule::new_with_value(py, array, ARRAY)?,
    ))
}

/// An object offering `__arrow_c_stream__` or `__arrow_c_array__` (a
/// pandas, Polars or pyarrow frame, series or array) as a q value: a
/// struct stream becomes a table, any other a list. `None` when the object
/// offers neither.
pub fn import(x: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    if x.hasattr("__arrow_c_stream__")? {
        let cap = x.call_method0("__arrow_c_stream__")?;
        let cap = cap.cast::<PyCapsule>()?;
        let ptr = cap.pointer_checked(Some(STREAM))?;
        // SAFETY: the capsule named "arrow_array_stream" holds an
        // FFI_ArrowArrayStream; from_raw moves it out and marks the
        // capsule's copy released, as the interface prescribes.
        let reader =
            unsafe { ArrayStreamReader::from_raw(ptr.as_ptr().cast()) }.map_err(arrow_err)?;
        let field = reader.field().clone();
        let arrays = reader.collect::<Result<Vec<_>, _>>().map_err(arrow_err)?;
        return from_arrays(&field, arrays).map(Some);
    }
    if x.hasattr("__arrow_c_array__")? {
        let pair = x.call_method0("__arrow_c_array__")?;
        let pair = pair.cast::<PyTuple>()?;
        let sc = pair.get_item(0)?;
        let ac = pair.get_item(1)?;
        let sc = sc.cast::<PyCapsule>()?;
        let ac = ac.cast::<PyCapsule>()?;
        let sp = sc.pointer_checked(Some(SCHEMA))?;
        let ap = ac.pointer_checked(Some(ARRAY))?;
        // SAFETY: the capsules hold an FFI_ArrowSchema (borrowed here) and
        // an FFI_ArrowArray (moved out: its capsule's copy is marked
        // released), per the PyCapsule interface.
        let (field, data) = unsafe {
            let schema: &FFI_ArrowSchema = &*sp.as_ptr().cast::<FFI_ArrowSchema>();
            let field = Field::try_from(schema).map_err(arrow_err)?;
            let array = FFI_ArrowArray::from_raw(ap.as_ptr().cast());
            let data = arrow_array::ffi::from_ffi(array, schema).map_err(arrow_err)?;
            (field, data)
        };
        return from_arrays(&Arc::new(field), vec![arrow_array::make_array(data)]).map(Some);
    }
    Ok(None)
}

/// Arrays of one field as a q value: a struct (a frame's rows) is a
/// table, anything else a list.
fn from_arrays(field: &Arc<Field>, arrays: Vec<ArrayRef>) -> PyResult<Value> {
    if let DataType::Struct(fields) = field.data_type() {
        let schema = Arc::new(Schema::new_with_metadata(
            fields.clone(),
            field.metadata().clone(),
        ));
        let batches = arrays
            .iter()
            .map(|a| {
                let s = a
                    .as_any()
                    .downcast_ref::<StructArray>()
                    .ok_or_else(|| arrow_err("a struct stream of other arrays"))?;
                RecordBatch::try_new(schema.clone(), s.columns().to_vec()).map_err(arrow_err)
            })
            .collect::<PyResult<Vec<_>>>()?;
        return convert::batches_to_table(&schema, &batches, &read_options()).map_err(qerror);
    }
    let parts = arrays
        .iter()
        .map(|a| convert::array_to_value(field, a.as_ref(), &read_options()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(qerror)?;
    match parts.len() {
        0 => convert::array_to_value(
            field,
            arrow_array::new_empty_array(field.data_type()).as_ref(),
            &read_options(),
        )
        .map_err(qerror),
        1 => Ok(parts.into_iter().next().unwrap_or(Value::Nil)),
        _ => convert::concat_columns(parts).map_err(qerror),
    }
}
