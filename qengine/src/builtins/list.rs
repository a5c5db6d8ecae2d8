//! Lists: `til count # _ , enlist first last reverse where distinct group ? in flip key !`.

use crate::error::{QError, QResult};
use crate::interp::Interp;
use crate::value::Value;

/// `flip` (not implemented yet).
pub fn flip(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("flip"))
}
/// `first` (not implemented yet).
pub fn first(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("first"))
}
/// `where` (not implemented yet).
pub fn where_(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("where"))
}
/// `reverse` (not implemented yet).
pub fn reverse(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("reverse"))
}
/// `group` (not implemented yet).
pub fn group(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("group"))
}
/// `enlist` (not implemented yet).
pub fn enlist(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("enlist"))
}
/// `count` (not implemented yet).
pub fn count(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("count"))
}
/// `key` (not implemented yet).
pub fn key(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("key"))
}
/// `distinct` (not implemented yet).
pub fn distinct(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("distinct"))
}
/// `til` (not implemented yet).
pub fn til(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("til"))
}
/// `last` (not implemented yet).
pub fn last(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("last"))
}
/// `,` (not implemented yet).
pub fn join(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi(","))
}
/// `#` (not implemented yet).
pub fn take(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("#"))
}
/// `_` (not implemented yet).
pub fn drop(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("_"))
}
/// `!` (not implemented yet).
pub fn bang(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("!"))
}
/// `?` (not implemented yet).
pub fn find(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("?"))
}
/// `in` (not implemented yet).
pub fn in_(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("in"))
}
/// `?[c;a;b]` (not implemented yet).
pub fn query_n(_: &mut Interp, _a: Vec<Value>) -> QResult<Value> {
    Err(QError::nyi("?"))
}
