//! Order: `asc desc iasc idesc`.

use crate::error::{QError, QResult};
use crate::interp::Interp;
use crate::value::Value;

/// `asc` (not implemented yet).
pub fn asc(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("asc"))
}
/// `desc` (not implemented yet).
pub fn desc(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("desc"))
}
/// `iasc` (not implemented yet).
pub fn iasc(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("iasc"))
}
/// `idesc` (not implemented yet).
pub fn idesc(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("idesc"))
}
