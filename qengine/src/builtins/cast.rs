//! Cast `$`.

use crate::error::{QError, QResult};
use crate::interp::Interp;
use crate::value::Value;

/// `$` (not implemented yet).
pub fn cast(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("$"))
}
