//! Float functions: `cos sin tan acos asin atan` (null for a NaN or
//! infinite argument, and outside -1..1 for `acos`/`asin`), `xexp` (`x`
//! to the power `y` as `exp y*log x`, null for negative `x`) and `xlog`
//! (base-`x` logarithm). Results are always floats.

use crate::builtins::math::stats::f64s;
use crate::builtins::math::stats::floats;
use crate::ops::arith::simple_ty;
use crate::ops::cast::atom_of_f64;
use crate::ops::conform::atomic_dyad;
use crate::ops::conform::atomic_monad;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

// ---------------------------------------------------------------------------
// Trigonometry, xexp, xlog

pub(crate) fn float_monad(x: Value, f: fn(f64) -> f64) -> QResult<Value> {
    atomic_monad(x, &mut |v| {
        let t = simple_ty(&v)?;
        if matches!(t, Ty::Symbol | Ty::Guid) {
            return Err(QError::type_());
        }
        let rt = if t == Ty::Datetime {
            Ty::Datetime
        } else {
            Ty::Float
        };
        Ok(match v {
            Value::Atom(a) => Value::Atom(atom_of_f64(rt, f(a.to_f64().unwrap_or(f64::NAN)))),
            Value::Vector(w) => {
                let xs = f64s(&w, true)?;
                let out: Vec<f64> = xs.into_iter().map(f).collect();
                Value::Vector(Vector::from_f64(rt, out))
            }
            _ => return Err(QError::type_()),
        })
    })
}

/// Null (NaN) for NaN and infinite arguments, else `f`.
pub(crate) fn finite(x: f64, f: fn(f64) -> f64) -> f64 {
    if x.is_finite() { f(x) } else { f64::NAN }
}

/// `cos x`.
pub fn cos(x: Value) -> QResult<Value> {
    float_monad(x, |v| finite(v, f64::cos))
}

/// `sin x`.
pub fn sin(x: Value) -> QResult<Value> {
    float_monad(x, |v| finite(v, f64::sin))
}

/// `tan x`.
pub fn tan(x: Value) -> QResult<Value> {
    float_monad(x, |v| finite(v, f64::tan))
}

/// `acos x`: null outside -1..1.
pub fn acos(x: Value) -> QResult<Value> {
    float_monad(x, f64::acos)
}

/// `asin x`: null outside -1..1.
pub fn asin(x: Value) -> QResult<Value> {
    float_monad(x, f64::asin)
}

/// `atan x`.
pub fn atan(x: Value) -> QResult<Value> {
    float_monad(x, f64::atan)
}

/// An atomic dyad over floats; `ok` says which argument types are allowed.
pub(crate) fn float_dyad(
    x: Value,
    y: Value,
    ok: fn(Ty, bool) -> bool,
    f: fn(f64, f64) -> f64,
) -> QResult<Value> {
    atomic_dyad(x, y, &mut |a, b| {
        if !ok(simple_ty(&a)?, true) || !ok(simple_ty(&b)?, false) {
            return Err(QError::type_());
        }
        Ok(match (a, b) {
            (Value::Atom(p), Value::Atom(q)) => Value::float(f(
                p.to_f64().unwrap_or(f64::NAN),
                q.to_f64().unwrap_or(f64::NAN),
            )),
            (Value::Atom(p), Value::Vector(q)) => {
                let p = p.to_f64().unwrap_or(f64::NAN);
                floats(f64s(&q, true)?.into_iter().map(|q| f(p, q)).collect())
            }
            (Value::Vector(p), Value::Atom(q)) => {
                let q = q.to_f64().unwrap_or(f64::NAN);
                floats(f64s(&p, true)?.into_iter().map(|p| f(p, q)).collect())
            }
            (Value::Vector(p), Value::Vector(q)) => {
                if p.len() != q.len() {
                    return Err(QError::length());
                }
                let (p, q) = (f64s(&p, true)?, f64s(&q, true)?);
                floats(p.iter().zip(&q).map(|(&p, &q)| f(p, q)).collect())
            }
            _ => return Err(QError::type_()),
        })
    })
}

pub(crate) fn xexp_ok(t: Ty, _left: bool) -> bool {
    t.is_numeric()
}

pub(crate) fn xlog_ok(t: Ty, _left: bool) -> bool {
    !matches!(t, Ty::Symbol | Ty::Guid | Ty::Datetime)
}

/// `x xexp y`: x to the power y as `exp y*log x`; null for negative x.
pub fn xexp(x: Value, y: Value) -> QResult<Value> {
    float_dyad(x, y, xexp_ok, |b, e| {
        if b.is_nan() || b < 0.0 {
            f64::NAN
        } else if b == 0.0 {
            b.powf(e)
        } else {
            (e * b.ln()).exp()
        }
    })
}

/// `x xlog y`: base-x logarithm of y.
pub fn xlog(x: Value, y: Value) -> QResult<Value> {
    float_dyad(x, y, xlog_ok, |b, v| v.ln() / b.ln())
}
