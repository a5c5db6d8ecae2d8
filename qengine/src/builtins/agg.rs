//! Aggregates and running aggregates: `sum prd min max avg sums prds mins maxs`.

use crate::error::{QError, QResult};
use crate::interp::Interp;
use crate::value::Value;

/// `sum` (not implemented yet).
pub fn sum(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("sum"))
}
/// `prd` (not implemented yet).
pub fn prd(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("prd"))
}
/// `min` (not implemented yet).
pub fn min(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("min"))
}
/// `max` (not implemented yet).
pub fn max(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("max"))
}
/// `avg` (not implemented yet).
pub fn avg(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("avg"))
}
/// `sums` (not implemented yet).
pub fn sums(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("sums"))
}
/// `prds` (not implemented yet).
pub fn prds(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("prds"))
}
/// `mins` (not implemented yet).
pub fn mins(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("mins"))
}
/// `maxs` (not implemented yet).
pub fn maxs(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("maxs"))
}
