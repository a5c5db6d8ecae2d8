//! (moved; module doc to be written)

pub mod binary;
pub mod handle;
pub mod object;
pub mod save;
pub mod text;

use qcore::QError;
use qcore::QResult;
use qcore::Value;

/// File verbs arrive with the storage issue.
pub fn nyi1_file(_x: Value) -> QResult<Value> {
    Err(QError::nyi("file I/O verb"))
}

/// File verbs arrive with the storage issue.
pub fn nyi2_file(_x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("file I/O verb"))
}

/// An n-adic keyword not implemented yet.
pub fn nyi_n(_a: Vec<Value>) -> QResult<Value> {
    Err(QError::nyi("keyword"))
}
