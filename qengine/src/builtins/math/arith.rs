//! The arithmetic keywords and glyphs as q functions: `+ - * %`, `neg abs
//! signum reciprocal floor ceiling sqrt exp log div mod`. Each is a thin
//! wrapper over the kernels in `ops/arith.rs` (type promotion, nulls and
//! infinities, temporal arithmetic), which the compiled core also uses.

use crate::ops::arith::Num;
use crate::ops::arith::Op;
use crate::ops::arith::arith2;
use crate::ops::arith::float_fn;
use crate::ops::arith::from_num;
use crate::ops::arith::is_float;
use crate::ops::arith::map_num;
use crate::ops::arith::neg_type;
use crate::ops::arith::round_fn;
use crate::ops::arith::scalar2;
use crate::ops::arith::simple_ty;
use crate::ops::arith::to_num;
use crate::ops::conform::atomic_dyad;
use crate::ops::conform::atomic_monad;
use crate::ops::divmod::int_divmod;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::sentinel::NJ;

/// `x+y`.
pub fn add(x: Value, y: Value) -> QResult<Value> {
    let (x, y) = match scalar2(Op::Add, x, y) {
        Ok(v) => return Ok(v),
        Err(xy) => xy,
    };
    atomic_dyad(x, y, &mut |a, b| arith2(Op::Add, a, b))
}

/// `x-y`.
pub fn sub(x: Value, y: Value) -> QResult<Value> {
    let (x, y) = match scalar2(Op::Sub, x, y) {
        Ok(v) => return Ok(v),
        Err(xy) => xy,
    };
    if let (Value::Dict(a), Value::Dict(b)) = (&x, &y) {
        // keys only on the right count as `0-y` (q's subtract page)
        return crate::ops::conform::dict_dict_with(
            a.clone(),
            b.clone(),
            &mut |a, b| arith2(Op::Sub, a, b),
            Some(&neg),
        );
    }
    atomic_dyad(x, y, &mut |a, b| arith2(Op::Sub, a, b))
}

/// `x*y`.
pub fn mul(x: Value, y: Value) -> QResult<Value> {
    let (x, y) = match scalar2(Op::Mul, x, y) {
        Ok(v) => return Ok(v),
        Err(xy) => xy,
    };
    atomic_dyad(x, y, &mut |a, b| arith2(Op::Mul, a, b))
}

/// `x%y`: always float.
pub fn div_float(x: Value, y: Value) -> QResult<Value> {
    let (x, y) = match scalar2(Op::Div, x, y) {
        Ok(v) => return Ok(v),
        Err(xy) => xy,
    };
    atomic_dyad(x, y, &mut |a, b| arith2(Op::Div, a, b))
}

/// `neg x`.
pub fn neg(x: Value) -> QResult<Value> {
    map_num(x, &neg_type, &|a| a.wrapping_neg(), &|a| -a)
}

/// `abs x`.
pub fn abs(x: Value) -> QResult<Value> {
    map_num(x, &neg_type, &|a| a.wrapping_abs(), &f64::abs)
}

/// `signum x`: int -1, 0 or 1; null gives -1.
pub fn signum(x: Value) -> QResult<Value> {
    atomic_monad(x, &mut |v| {
        let t = simple_ty(&v)?;
        if matches!(t, Ty::Symbol | Ty::Guid) {
            return Err(QError::type_());
        }
        let fi = |a: i64| -> i64 { if a == NJ { -1 } else { a.signum() } };
        let fl = |a: f64| -> i64 {
            if a.is_nan() || a < 0.0 {
                -1
            } else if a > 0.0 {
                1
            } else {
                0
            }
        };
        Ok(from_num(
            match to_num(&v, t, t, is_float(t))? {
                Num::IA(a) => Num::IA(fi(a)),
                Num::I(a) => Num::I(a.into_iter().map(fi).collect()),
                Num::FA(a) => Num::IA(fl(a)),
                Num::F(a) => Num::I(a.into_iter().map(fl).collect()),
            },
            Ty::Int,
        ))
    })
}

/// `reciprocal x`.
pub fn reciprocal(x: Value) -> QResult<Value> {
    float_fn(x, true, &|a| 1.0 / a)
}

/// `sqrt x`: negative gives null.
pub fn sqrt(x: Value) -> QResult<Value> {
    float_fn(x, false, &f64::sqrt)
}

/// `exp x`.
pub fn exp(x: Value) -> QResult<Value> {
    float_fn(x, false, &f64::exp)
}

/// `log x`: natural log; negative gives null, 0 gives -0w.
pub fn log(x: Value) -> QResult<Value> {
    float_fn(x, false, &f64::ln)
}

/// `floor x`.
pub fn floor(x: Value) -> QResult<Value> {
    round_fn(x, false)
}

/// `ceiling x`.
pub fn ceiling(x: Value) -> QResult<Value> {
    round_fn(x, true)
}

/// `x div y`: floor of the quotient, keeping x's type (see [`div_type`]).
pub fn div_int(x: Value, y: Value) -> QResult<Value> {
    int_divmod(x, y, false)
}

/// `x mod y`: remainder with the sign of y.
pub fn modulo(x: Value, y: Value) -> QResult<Value> {
    int_divmod(x, y, true)
}
