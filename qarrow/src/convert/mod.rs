//! q values to and from Arrow arrays and record batches.
//!
//! The mapping (the table in `docs/FORMAT.md`, "Arrow and Parquet"):
//! every q vector becomes one Arrow array and back; a table becomes a
//! record batch; a keyed table becomes the record batch of its key and
//! value columns side by side, with the number of key columns in the
//! schema's metadata (`borf.keys`) so borf keys it again on reading.
//!
//! q keeps nulls as sentinel values (`0N` is `i64::MIN`, `0n` is NaN);
//! Arrow keeps a validity bitmap beside the values. Writing, a q null
//! becomes an Arrow null; reading, an Arrow null becomes q's null of the
//! column's type. Boolean and byte have no null in q: an Arrow null
//! there reads as `0b` / `0x00` (q's own typed null for those types, the
//! one `first 0#0b` gives); a string reads as `""` and a char as `" "`.
//!
//! Where q has several types over one Arrow type (month and date over
//! `Date32`, minute and second over `Time32(s)`, symbols and strings over
//! `Utf8`), the writer stores q's type letter in the field's metadata
//! (`borf.qtype`), so a borf file reads back with the exact q types while
//! other readers see the plain Arrow type.

mod from_arrow;
pub mod preallocated;
mod to_arrow;

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};
use qcore::{QError, QResult, Sym, Value};
use rayon::prelude::*;

pub use from_arrow::{SymDict, array_to_value, array_to_value_with, concat_columns};
pub use to_arrow::value_to_array;

/// Field metadata key holding q's type letter (`"m"`, `"u"`, `"s"`, `"C"` ...).
pub const QTYPE_KEY: &str = "borf.qtype";
/// Schema metadata key holding the number of key columns of a keyed table.
pub const KEYS_KEY: &str = "borf.keys";

/// Nanoseconds from 1970.01.01 (Arrow's epoch) to 2000.01.01 (q's).
pub const EPOCH_NS: i64 = 946_684_800_000_000_000;
/// Milliseconds from 1970.01.01 to 2000.01.01.
pub const EPOCH_MS: i64 = 946_684_800_000;
/// Days from 1970.01.01 to 2000.01.01.
pub const EPOCH_DAYS: i32 = 10_957;

/// How q values are written as Arrow.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// Symbols as `Dictionary<Int32, Utf8>` (true, the default) or plain `Utf8`.
    pub sym_dictionary: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            sym_dictionary: true,
        }
    }
}

/// How Arrow is read into q values.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// String columns (plain, not dictionary-encoded) read as symbols
    /// instead of strings (lists of char vectors), even borf's own
    /// (tagged `C`).
    pub strings_as_symbols: bool,
    /// Plain string columns without borf's type letter (files from other
    /// writers) read as symbols; borf's string columns stay strings
    /// (partitioned databases read text this way).
    pub plain_strings_as_symbols: bool,
}

/// The q error for an Arrow or Parquet failure: `'type` for a type with
/// no faithful mapping, else the library's message under q's name `'arrow`.
pub(crate) fn arrow_error(e: impl std::fmt::Display) -> QError {
    QError::new("arrow").with_detail(e.to_string())
}

/// `'type` naming the column and what cannot be mapped.
pub(crate) fn unmappable(column: &str, what: impl std::fmt::Display) -> QError {
    QError::type_().with_detail(format!(
        "column {column}: {what} has no faithful q/Arrow mapping"
    ))
}

/// A field's q type letter from borf's metadata, if any.
pub(crate) fn qtype_of(field: &Field) -> Option<char> {
    field
        .metadata()
        .get(QTYPE_KEY)
        .and_then(|s| s.chars().next())
}

/// A table (or keyed table) as one record batch.
pub fn table_to_batch(v: &Value, opts: &WriteOptions) -> QResult<RecordBatch> {
    let (names, columns, keys) = flat_columns(v)?;
    // columns on the rayon pool at once: the ones that need a pass
    // (symbols' keys, timestamps' epoch shift, null checks) run side by side
    let converted: Vec<(Field, ArrayRef)> = names
        .par_iter()
        .zip(columns.par_iter())
        .map(|(name, col)| value_to_array(name.as_str(), col, opts))
        .collect::<QResult<_>>()?;
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = converted.into_iter().unzip();
    let schema = table_schema(fields, keys);
    let rows = v.count();
    RecordBatch::try_new_with_options(
        schema,
        arrays,
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(rows)),
    )
    .map_err(arrow_error)
}

/// The schema of a table's fields, with a keyed table's key count in its
/// metadata (`borf.keys`).
pub fn table_schema(fields: Vec<Field>, keys: usize) -> SchemaRef {
    let mut meta = HashMap::new();
    if keys > 0 {
        meta.insert(KEYS_KEY.to_string(), keys.to_string());
    }
    Arc::new(Schema::new_with_metadata(fields, meta))
}

/// The names and columns of a table, a keyed table's key columns first,
/// and how many of them are keys. Anything else is `'type`.
pub fn flat_columns(v: &Value) -> QResult<(Vec<Sym>, Vec<Value>, usize)> {
    match v {
        Value::Table(t) => Ok((t.names.clone(), t.columns.clone(), 0)),
        Value::Dict(d) => match (&d.keys, &d.values) {
            (Value::Table(k), Value::Table(t)) => {
                let mut names = k.names.clone();
                names.extend(t.names.iter().copied());
                let mut cols = k.columns.clone();
                cols.extend(t.columns.iter().cloned());
                Ok((names, cols, k.names.len()))
            }
            _ => Err(QError::type_()),
        },
        _ => Err(QError::type_()),
    }
}

/// The q table of a schema's columns (already converted), keyed again
/// when the schema says how many key columns it had.
pub fn assemble_table(schema: &Schema, names: Vec<Sym>, columns: Vec<Value>) -> Value {
    let keys = schema
        .metadata()
        .get(KEYS_KEY)
        .and_then(|k| k.parse::<usize>().ok())
        .unwrap_or(0);
    if keys > 0 && keys < names.len() && names.len() == columns.len() {
        let (kn, vn) = names.split_at(keys);
        let (kc, vc) = columns.split_at(keys);
        return Value::dict(
            Value::table(kn.to_vec(), kc.to_vec()),
            Value::table(vn.to_vec(), vc.to_vec()),
        );
    }
    Value::table(names, columns)
}

/// A record batch as a q table (keyed when it was written from one).
pub fn batch_to_table(batch: &RecordBatch, opts: &ReadOptions) -> QResult<Value> {
    batches_to_table(batch.schema().as_ref(), std::slice::from_ref(batch), opts)
}

/// Record batches of one schema as one q table: each column converted per
/// batch (in parallel across columns) and the pieces joined.
pub fn batches_to_table(
    schema: &Schema,
    batches: &[RecordBatch],
    opts: &ReadOptions,
) -> QResult<Value> {
    use rayon::prelude::*;
    let fields = schema.fields();
    let names: Vec<Sym> = fields.iter().map(|f| Sym::new(f.name())).collect();
    let columns = (0..fields.len())
        .into_par_iter()
        .map(|c| {
            let field = &fields[c];
            let parts = batches
                .iter()
                .map(|b| array_to_value(field, b.column(c).as_ref(), opts))
                .collect::<QResult<Vec<_>>>()?;
            match parts.len() {
                0 => array_to_value(
                    field,
                    arrow_array::new_empty_array(field.data_type()).as_ref(),
                    opts,
                ),
                _ => concat_columns(parts),
            }
        })
        .collect::<QResult<Vec<_>>>()?;
    Ok(assemble_table(schema, names, columns))
}

/// A q vector (or list) alone as one Arrow array.
pub fn vector_to_array(v: &Value, opts: &WriteOptions) -> QResult<ArrayRef> {
    value_to_array("x", v, opts).map(|(_, a)| a)
}

/// One Arrow array alone as a q list.
pub fn array_to_vector(a: &dyn Array, opts: &ReadOptions) -> QResult<Value> {
    let field = Field::new("x", a.data_type().clone(), true);
    array_to_value(&field, a, opts)
}

#[cfg(test)]
mod tests;
