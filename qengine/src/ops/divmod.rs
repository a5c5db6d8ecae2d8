//! Integer division kernels: `div` and `mod` (`int_divmod`, with q's
//! result types and floor semantics) and the one-pass `xbar` kernel built
//! on them. The shared numeric conversions are in [`super::arith`].

use super::arith::*;
use crate::ops::conform::atomic_dyad;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use qcore::sentinel::NJ;

/// Result type of `x div y`: x's type, except boolean, byte, short and char
/// give int and real gives float.
pub(crate) fn div_type(x: Ty, y: Ty) -> QResult<Ty> {
    if matches!(x, Ty::Guid | Ty::Symbol) || matches!(y, Ty::Guid | Ty::Symbol) {
        return Err(QError::type_());
    }
    Ok(match x {
        Ty::Bool | Ty::Byte | Ty::Short | Ty::Char => Ty::Int,
        Ty::Real => Ty::Float,
        t => t,
    })
}

/// Result type of `x mod y` (the reference's table).
pub(crate) fn mod_type(x: Ty, y: Ty) -> QResult<Ty> {
    use Ty::*;
    if matches!(x, Guid | Symbol) || matches!(y, Guid | Symbol) {
        return Err(QError::type_());
    }
    let int_like = |t: Ty| matches!(t, Bool | Byte | Short | Int | Long | Char);
    match x {
        Bool | Byte | Short | Int | Long if y != Char => lookup(&ADD, x, y),
        Real | Float if y.is_numeric() || y == Char => Ok(Float),
        Real | Float => lookup(&ADD, Float, y),
        Char => match y {
            Float => Ok(Float),
            t if t.is_temporal() => Ok(t),
            _ => Err(QError::type_()),
        },
        t if t.is_temporal() => {
            if y.is_temporal() {
                Err(QError::type_())
            } else if is_float(y) {
                if t == Date {
                    Err(QError::type_())
                } else {
                    Ok(Float)
                }
            } else if int_like(y) {
                Ok(match t {
                    Timestamp => Timespan,
                    Month | Date => Int,
                    Datetime => Float,
                    t => t,
                })
            } else {
                Err(QError::type_())
            }
        }
        _ => Err(QError::type_()),
    }
}

#[inline]
pub(crate) fn idiv(p: i64, q: i64) -> i64 {
    if p == NJ || q == NJ {
        return NJ;
    }
    if q == 0 {
        // as floor(p%0): 0W, -0W, or null for 0 div 0
        return match p.signum() {
            1 => i64::MAX,
            -1 => -i64::MAX,
            _ => NJ,
        };
    }
    let d = p.wrapping_div(q);
    if p.wrapping_rem(q) != 0 && ((p < 0) != (q < 0)) {
        d - 1
    } else {
        d
    }
}

#[inline]
pub(crate) fn imod(p: i64, q: i64) -> i64 {
    if p == NJ || q == NJ {
        return NJ;
    }
    if q == 0 {
        return p;
    }
    let r = p.wrapping_rem(q);
    if r != 0 && ((r < 0) != (q < 0)) {
        r + q
    } else {
        r
    }
}

pub(crate) fn int_divmod(x: Value, y: Value, want_mod: bool) -> QResult<Value> {
    atomic_dyad(x, y, &mut |a, b| {
        let tx = simple_ty(&a)?;
        let tb = simple_ty(&b)?;
        if let (Value::Vector(p), Value::Vector(q)) = (&a, &b)
            && p.len() != q.len()
        {
            return Err(QError::length());
        }
        let rt = if want_mod {
            mod_type(tx, tb)?
        } else {
            div_type(tx, tb)?
        };
        if is_float(tx) || is_float(tb) || is_float(rt) {
            let f = |p: f64, q: f64| {
                if want_mod {
                    p - q * (p / q).floor()
                } else {
                    (p / q).floor()
                }
            };
            let out = match (to_num(&a, tx, tx, true)?, to_num(&b, tb, tb, true)?) {
                (Num::FA(p), Num::FA(q)) => Num::FA(f(p, q)),
                (Num::F(p), Num::FA(q)) => Num::F(p.into_iter().map(|p| f(p, q)).collect()),
                (Num::FA(p), Num::F(q)) => Num::F(q.into_iter().map(|q| f(p, q)).collect()),
                (Num::F(p), Num::F(q)) => {
                    Num::F(p.iter().zip(&q).map(|(&p, &q)| f(p, q)).collect())
                }
                _ => return Err(QError::type_()),
            };
            return Ok(from_num(out, rt));
        }
        let f = if want_mod { imod } else { idiv };
        let out = match (to_num(&a, tx, tx, false)?, to_num(&b, tb, tb, false)?) {
            (Num::IA(p), Num::IA(q)) => Num::IA(f(p, q)),
            (Num::I(p), Num::IA(q)) => Num::I(p.into_iter().map(|p| f(p, q)).collect()),
            (Num::IA(p), Num::I(q)) => Num::I(q.into_iter().map(|q| f(p, q)).collect()),
            (Num::I(p), Num::I(q)) => Num::I(p.iter().zip(&q).map(|(&p, &q)| f(p, q)).collect()),
            _ => return Err(QError::type_()),
        };
        Ok(from_num(out, rt))
    })
}

/// The common case as one pass: a positive integral atom `x` over an
/// integer or temporal vector whose type the result keeps.
pub(crate) fn xbar_fast(x: Atom, v: &Vector) -> QResult<Option<Vector>> {
    let step = match x {
        Atom::Long(n) => n,
        Atom::Int(n) => n as i64,
        Atom::Short(n) => n as i64,
        _ => return Ok(None),
    };
    if step <= 0 || step == i32::MAX as i64 || step == i64::MAX {
        return Ok(None);
    }
    let t = v.ty();
    // The result keeps y's type except int y with a long x (long result).
    let keeps = match t {
        Ty::Timestamp | Ty::Timespan | Ty::Long => true,
        Ty::Month | Ty::Date | Ty::Minute | Ty::Second | Ty::Time => true,
        Ty::Int => !matches!(x, Atom::Long(_)),
        _ => false,
    };
    if !keeps {
        return Ok(None);
    }
    Ok(match v.data() {
        VecData::I64(b) => {
            // Time series are mostly ordered: remember the last bucket and
            // divide only when a value leaves it.
            let (mut lo, mut cached) = (0i64, false);
            let out: Vec<i64> = b
                .iter()
                .map(|&e| {
                    if cached && (e.wrapping_sub(lo) as u64) < step as u64 {
                        lo
                    } else if e == i64::MIN || e == i64::MAX || e == -i64::MAX {
                        e
                    } else {
                        let r = e - e.rem_euclid(step);
                        lo = r;
                        cached = r.unsigned_abs() < 1 << 62;
                        r
                    }
                })
                .collect();
            Some(Vector::from_i64(t, out))
        }
        VecData::I32(b) if step <= i32::MAX as i64 => {
            let out: Vec<i32> = b
                .iter()
                .map(|&e| {
                    if e == i32::MIN || e == i32::MAX || e == -i32::MAX {
                        e
                    } else {
                        let w = e as i64;
                        (w - w.rem_euclid(step)) as i32
                    }
                })
                .collect();
            Some(Vector::from_i32(t, out))
        }
        _ => None,
    })
}
