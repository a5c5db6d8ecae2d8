//! Comparison and logic: `= <> < > <= >= ~ & | not within`.
//!
//! Comparison is atomic with boolean results. Numbers (and chars, by code)
//! compare by value across types (`1=1.0`); nulls are equal to each other
//! and less than every other value (`0N<-0W`); floats use q's comparison
//! tolerance (relative 2^-43) where either side is a finite float. Temporals
//! of one kind compare as instants (date against timestamp) or durations
//! (minute against timespan); an instant against a duration compares its
//! time of day in the duration's unit. A temporal against a number compares
//! the underlying count. Symbols compare by text, guids by bytes; either
//! against anything else is `'type`.

use crate::ops::compare::Cmp;
use crate::ops::compare::cmp_values;
use crate::ops::compare::values_match_tol;
use qcore::QError;
use qcore::QResult;
use qcore::Value;

/// `x=y`.
pub fn eq(x: Value, y: Value) -> QResult<Value> {
    cmp_values(Cmp::Eq, x, y)
}

/// `x<>y`.
pub fn ne(x: Value, y: Value) -> QResult<Value> {
    cmp_values(Cmp::Ne, x, y)
}

/// `x<y`.
pub fn lt(x: Value, y: Value) -> QResult<Value> {
    cmp_values(Cmp::Lt, x, y)
}

/// `x>y`.
pub fn gt(x: Value, y: Value) -> QResult<Value> {
    cmp_values(Cmp::Gt, x, y)
}

/// `x<=y`.
pub fn le(x: Value, y: Value) -> QResult<Value> {
    cmp_values(Cmp::Le, x, y)
}

/// `x>=y`.
pub fn ge(x: Value, y: Value) -> QResult<Value> {
    cmp_values(Cmp::Ge, x, y)
}

/// `x~y`: 1b when x and y are identical (type, shape and items).
pub fn match_(x: Value, y: Value) -> QResult<Value> {
    Ok(Value::bool(values_match_tol(&x, &y)))
}

/// `<=`, `>=`, `<>` have no monadic form.
pub fn nyi1_cmp(_x: Value) -> QResult<Value> {
    Err(QError::rank())
}
