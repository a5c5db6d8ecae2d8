//! Comparison and logic: `= <> < > <= >= ~ & | not within`.

use crate::error::{QError, QResult};
use crate::interp::Interp;
use crate::value::Value;

/// `=` (not implemented yet).
pub fn eq(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("="))
}
/// `<>` (not implemented yet).
pub fn ne(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("<>"))
}
/// `<` (not implemented yet).
pub fn lt(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("<"))
}
/// `>` (not implemented yet).
pub fn gt(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi(">"))
}
/// `<=` (not implemented yet).
pub fn le(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("<="))
}
/// `>=` (not implemented yet).
pub fn ge(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi(">="))
}
/// `&` (not implemented yet).
pub fn min2(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("&"))
}
/// `|` (not implemented yet).
pub fn max2(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("|"))
}
/// `~` (not implemented yet).
pub fn match_(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("~"))
}
/// `within` (not implemented yet).
pub fn within(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("within"))
}
/// `not` (not implemented yet).
pub fn not(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("not"))
}

/// Exact identity of two atoms (same type; NaN matches NaN), as `~` and
/// key lookup need.
pub fn atoms_match(a: &crate::value::Atom, b: &crate::value::Atom) -> bool {
    use crate::value::Atom::*;
    match (a, b) {
        (Real(x), Real(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Float(x), Float(y)) | (Datetime(x), Datetime(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

/// `x~y`: same shape, types and items.
pub fn values_match(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Atom(x), Value::Atom(y)) => atoms_match(x, y),
        (Value::Vector(x), Value::Vector(y)) => {
            x.ty() == y.ty()
                && x.len() == y.len()
                && (0..x.len()).all(|i| atoms_match(&x.get(i), &y.get(i)))
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| values_match(p, q))
        }
        // an empty general list matches no typed vector; a general list
        // never matches a vector (types differ)
        (Value::Dict(x), Value::Dict(y)) => {
            values_match(&x.keys, &y.keys) && values_match(&x.values, &y.values)
        }
        (Value::Table(x), Value::Table(y)) => {
            x.names == y.names
                && x.columns.len() == y.columns.len()
                && x.columns
                    .iter()
                    .zip(&y.columns)
                    .all(|(p, q)| values_match(p, q))
        }
        (Value::Func(f), Value::Func(g)) => match (f, g) {
            (crate::func::Func::Builtin(i), crate::func::Func::Builtin(j)) => i == j,
            (crate::func::Func::Lambda(l), crate::func::Func::Lambda(m)) => l.source == m.source,
            _ => false,
        },
        _ => false,
    }
}
