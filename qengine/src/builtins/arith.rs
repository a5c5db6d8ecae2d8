//! Arithmetic: `+ - * %`, `neg abs signum reciprocal floor ceiling sqrt exp
//! log div mod`.
//!
//! Type rules follow q: boolean and byte arithmetic gives int; the wider of
//! two numeric types wins; any float gives float; `%` always gives float.
//! Temporals: a temporal plus an integer keeps the temporal type, the
//! difference of two dates (months) is an int, of two timestamps a timespan.
//! Integer nulls propagate (`0N+1` is `0N`); other integer overflow wraps,
//! as in q.
//!
//! Kernels are plain loops over slices so the compiler vectorises them; the
//! long-with-long and float-with-float paths never widen or copy inputs.

use crate::error::{QError, QResult};
use crate::interp::Interp;
use crate::value::{
    Atom, Repr, Ty, Value, VecData, Vector, f64_to_i64, i64_to_f64, narrow_i16, narrow_i32,
};

use super::{atomic_dyad, atomic_monad};

/// The four elementary binary operations sharing one dispatcher.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

const NJ: i64 = i64::MIN;

#[inline(always)]
fn ij(op: Op, a: i64, b: i64) -> i64 {
    if a == NJ || b == NJ {
        return NJ;
    }
    match op {
        Op::Add => a.wrapping_add(b),
        Op::Sub => a.wrapping_sub(b),
        Op::Mul => a.wrapping_mul(b),
        Op::Div => NJ,
    }
}

#[inline(always)]
fn ff(op: Op, a: f64, b: f64) -> f64 {
    match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div => a / b,
    }
}

/// Result type of `x op y` for two simple types, or `'type`.
pub fn result_type(op: Op, x: Ty, y: Ty) -> QResult<Ty> {
    use Ty::*;
    let num_rank = |t: Ty| match t {
        Bool | Byte => Some(6),
        Short => Some(5),
        Int => Some(6),
        Long => Some(7),
        Real => Some(8),
        Float => Some(9),
        _ => None,
    };
    if op == Op::Div {
        return match (x, y) {
            (Real, Real) => Ok(Real),
            _ if x.is_numeric() && y.is_numeric() => Ok(Float),
            (Timespan, _) if y.is_numeric() => Ok(Timespan),
            _ if (x.is_temporal() || x.is_numeric()) && (y.is_temporal() || y.is_numeric()) => {
                Ok(Float)
            }
            _ => Err(QError::type_()),
        };
    }
    if let (Some(a), Some(b)) = (num_rank(x), num_rank(y)) {
        let r = a.max(b);
        return Ok(match r {
            5 => Short,
            6 => Int,
            7 => Long,
            8 => Real,
            _ => Float,
        });
    }
    let int_like = |t: Ty| matches!(t, Bool | Byte | Short | Int | Long);
    let float_like = |t: Ty| matches!(t, Real | Float);
    match op {
        Op::Add => match (x, y) {
            (Date, Time) | (Time, Date) => Ok(Datetime),
            (Date, Timespan) | (Timespan, Date) => Ok(Timestamp),
            (Date, Minute | Second) | (Minute | Second, Date) => Ok(Timestamp),
            (Timestamp, Timespan) | (Timespan, Timestamp) => Ok(Timestamp),
            (t, u) if t.is_temporal() && int_like(u) => Ok(t),
            (u, t) if t.is_temporal() && int_like(u) => Ok(t),
            (Datetime, u) | (u, Datetime) if float_like(u) => Ok(Datetime),
            (Date, u) | (u, Date) if float_like(u) => Ok(Datetime),
            (Timespan, u) | (u, Timespan) if float_like(u) => Ok(Timespan),
            (t, u) if t == u && matches!(t, Timespan | Minute | Second | Time) => Ok(t),
            (Timespan, Minute | Second | Time) | (Minute | Second | Time, Timespan) => Ok(Timespan),
            _ => Err(QError::type_()),
        },
        Op::Sub => match (x, y) {
            (Date, Date) | (Month, Month) => Ok(Int),
            (Timestamp, Timestamp) => Ok(Timespan),
            (Datetime, Datetime) => Ok(Float),
            (Timestamp, Timespan) => Ok(Timestamp),
            (t, u) if t == u && matches!(t, Timespan | Minute | Second | Time) => Ok(t),
            (t, u) if t.is_temporal() && int_like(u) => Ok(t),
            (u, t) if t.is_temporal() && int_like(u) => Ok(t),
            (Datetime, u) if float_like(u) => Ok(Datetime),
            (Timespan, u) if float_like(u) => Ok(Timespan),
            _ => Err(QError::type_()),
        },
        Op::Mul => match (x, y) {
            (t, u) | (u, t)
                if matches!(t, Timespan | Minute | Second | Time)
                    && (int_like(u) || float_like(u)) =>
            {
                Ok(t)
            }
            _ => Err(QError::type_()),
        },
        Op::Div => Err(QError::type_()),
    }
}

/// The value of one side converted to the result type's units: a date
/// added to a timespan is counted in nanoseconds, a time added to a date in
/// fractional days.
fn scale_to(result: Ty, from: Ty) -> Option<f64> {
    use Ty::*;
    match (result, from) {
        (Timestamp, Date) => Some(86_400_000_000_000.0),
        (Timestamp, Minute) => Some(60_000_000_000.0),
        (Timestamp, Second) => Some(1_000_000_000.0),
        (Timespan, Minute) => Some(60_000_000_000.0),
        (Timespan, Second) => Some(1_000_000_000.0),
        (Timespan, Time) => Some(1_000_000.0),
        (Datetime, Time) => Some(1.0 / 86_400_000.0),
        _ => None,
    }
}

enum Num {
    I(Vec<i64>),
    F(Vec<f64>),
    IA(i64),
    FA(f64),
}

fn to_num(v: &Value, float: bool, scale: Option<f64>) -> QResult<Num> {
    let scale = scale.filter(|s| *s != 1.0);
    match v {
        Value::Atom(a) => {
            if float || scale.is_some_and(|s| s.fract() != 0.0) {
                let f = a.to_f64().ok_or_else(QError::type_)?;
                Ok(Num::FA(scale.map_or(f, |s| f * s)))
            } else {
                let i = a.to_i64().ok_or_else(QError::type_)?;
                Ok(Num::IA(match scale {
                    Some(s) if i != NJ => i.wrapping_mul(s as i64),
                    _ => i,
                }))
            }
        }
        Value::Vector(vec) => {
            if float || scale.is_some_and(|s| s.fract() != 0.0) {
                let mut f = vec.to_f64_vec().ok_or_else(QError::type_)?;
                if let Some(s) = scale {
                    f.iter_mut().for_each(|x| *x *= s);
                }
                Ok(Num::F(f))
            } else {
                let mut i = vec.to_i64_vec().ok_or_else(QError::type_)?;
                if let Some(s) = scale {
                    let s = s as i64;
                    i.iter_mut().for_each(|x| {
                        if *x != NJ {
                            *x = x.wrapping_mul(s)
                        }
                    });
                }
                Ok(Num::I(i))
            }
        }
        _ => Err(QError::type_()),
    }
}

fn simple_ty(v: &Value) -> QResult<Ty> {
    match v {
        Value::Atom(a) => Ok(a.ty()),
        Value::Vector(v) => Ok(v.ty()),
        _ => Err(QError::type_()),
    }
}

/// `x op y` on two simple values (atoms or typed vectors).
pub fn arith2(op: Op, x: Value, y: Value) -> QResult<Value> {
    let tx = simple_ty(&x)?;
    let ty = simple_ty(&y)?;
    if let (Value::Vector(a), Value::Vector(b)) = (&x, &y)
        && a.len() != b.len()
    {
        return Err(QError::length());
    }
    let rt = result_type(op, tx, ty)?;
    // Fast paths: same representation in and out, no conversion.
    if let Some(v) = fast_path(op, &x, &y, rt) {
        return Ok(v);
    }
    let float = matches!(rt.repr(), Repr::F32 | Repr::F64)
        || op == Op::Div
        || tx.repr() == Repr::F32
        || tx.repr() == Repr::F64
        || ty.repr() == Repr::F32
        || ty.repr() == Repr::F64;
    let nx = to_num(&x, float, scale_to(rt, tx))?;
    let ny = to_num(&y, float, scale_to(rt, ty))?;
    let out = match (nx, ny) {
        (Num::IA(a), Num::IA(b)) => Num::IA(ij(op, a, b)),
        (Num::FA(a), Num::FA(b)) => Num::FA(ff(op, a, b)),
        (Num::I(a), Num::IA(b)) => Num::I(a.into_iter().map(|a| ij(op, a, b)).collect()),
        (Num::IA(a), Num::I(b)) => Num::I(b.into_iter().map(|b| ij(op, a, b)).collect()),
        (Num::I(a), Num::I(b)) => Num::I(a.iter().zip(&b).map(|(&a, &b)| ij(op, a, b)).collect()),
        (Num::F(a), Num::FA(b)) => Num::F(a.into_iter().map(|a| ff(op, a, b)).collect()),
        (Num::FA(a), Num::F(b)) => Num::F(b.into_iter().map(|b| ff(op, a, b)).collect()),
        (Num::F(a), Num::F(b)) => Num::F(a.iter().zip(&b).map(|(&a, &b)| ff(op, a, b)).collect()),
        _ => return Err(QError::type_()),
    };
    Ok(from_num(out, rt))
}

/// Converts computed i64/f64 results to type `rt`.
fn from_num(n: Num, rt: Ty) -> Value {
    match n {
        Num::IA(v) => Value::Atom(atom_from_i64(rt, v)),
        Num::FA(v) => Value::Atom(atom_from_f64(rt, v)),
        Num::I(v) => Value::Vector(vector_from_i64(rt, v)),
        Num::F(v) => Value::Vector(vector_from_f64(rt, v)),
    }
}

/// An atom of type `rt` from an i64 computation (nulls kept).
pub fn atom_from_i64(rt: Ty, v: i64) -> Atom {
    match rt.repr() {
        Repr::I64 => Vector::from_i64(rt, vec![v]).get(0),
        Repr::I32 => Vector::from_i32(rt, vec![narrow_i32(v)]).get(0),
        Repr::I16 => Atom::Short(narrow_i16(v)),
        Repr::F64 => Vector::from_f64(rt, vec![i64_to_f64(v)]).get(0),
        Repr::F32 => Atom::Real(i64_to_f64(v) as f32),
        Repr::U8 => match rt {
            Ty::Bool => Atom::Bool(v != 0),
            Ty::Char => Atom::Char(v as u8),
            _ => Atom::Byte(v as u8),
        },
        _ => Atom::Long(v),
    }
}

/// An atom of type `rt` from an f64 computation.
pub fn atom_from_f64(rt: Ty, v: f64) -> Atom {
    match rt.repr() {
        Repr::F64 => Vector::from_f64(rt, vec![v]).get(0),
        Repr::F32 => Atom::Real(v as f32),
        _ => atom_from_i64(rt, f64_to_i64(v)),
    }
}

/// A vector of type `rt` from i64 results.
pub fn vector_from_i64(rt: Ty, v: Vec<i64>) -> Vector {
    match rt.repr() {
        Repr::I64 => Vector::from_i64(rt, v),
        Repr::I32 => Vector::from_i32(rt, v.into_iter().map(narrow_i32).collect()),
        Repr::I16 => Vector::from_i16(v.into_iter().map(narrow_i16).collect()),
        Repr::F64 => Vector::from_f64(rt, v.into_iter().map(i64_to_f64).collect()),
        Repr::F32 => Vector::from_f32(v.into_iter().map(|x| i64_to_f64(x) as f32).collect()),
        Repr::U8 => Vector::from_u8(rt, v.into_iter().map(|x| x as u8).collect()),
        _ => Vector::longs(v),
    }
}

/// A vector of type `rt` from f64 results.
pub fn vector_from_f64(rt: Ty, v: Vec<f64>) -> Vector {
    match rt.repr() {
        Repr::F64 => Vector::from_f64(rt, v),
        Repr::F32 => Vector::from_f32(v.into_iter().map(|x| x as f32).collect()),
        _ => vector_from_i64(rt, v.into_iter().map(f64_to_i64).collect()),
    }
}

/// Long/long and float/float kernels over slices without conversion.
fn fast_path(op: Op, x: &Value, y: &Value, rt: Ty) -> Option<Value> {
    match (x, y) {
        (Value::Vector(a), Value::Vector(b)) => match (a.data(), b.data()) {
            (VecData::I64(p), VecData::I64(q)) if rt.repr() == Repr::I64 && op != Op::Div => {
                Some(Value::Vector(Vector::from_i64(rt, zip_i64(op, p, q))))
            }
            (VecData::F64(p), VecData::F64(q)) if rt.repr() == Repr::F64 => {
                Some(Value::Vector(Vector::from_f64(rt, zip_f64(op, p, q))))
            }
            _ => None,
        },
        (Value::Vector(a), Value::Atom(b)) | (Value::Atom(b), Value::Vector(a)) => {
            let flipped = matches!(x, Value::Atom(_));
            match (a.data(), b) {
                (VecData::I64(p), Atom::Long(s) | Atom::Timespan(s))
                    if rt.repr() == Repr::I64 && op != Op::Div =>
                {
                    Some(Value::Vector(Vector::from_i64(
                        rt,
                        scalar_i64(op, p, *s, flipped),
                    )))
                }
                (VecData::F64(p), Atom::Float(s)) if rt.repr() == Repr::F64 => Some(Value::Vector(
                    Vector::from_f64(rt, scalar_f64(op, p, *s, flipped)),
                )),
                _ => None,
            }
        }
        _ => None,
    }
}

fn zip_i64(op: Op, a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut out = vec![0i64; a.len()];
    // Branch-free per op so the loop vectorises.
    macro_rules! lane {
        ($f:expr) => {
            for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                let r = $f(x, y);
                *o = if x == NJ || y == NJ { NJ } else { r };
            }
        };
    }
    match op {
        Op::Add => lane!(|x: i64, y: i64| x.wrapping_add(y)),
        Op::Sub => lane!(|x: i64, y: i64| x.wrapping_sub(y)),
        Op::Mul => lane!(|x: i64, y: i64| x.wrapping_mul(y)),
        Op::Div => {}
    }
    out
}

fn scalar_i64(op: Op, a: &[i64], s: i64, flipped: bool) -> Vec<i64> {
    let mut out = vec![0i64; a.len()];
    macro_rules! lane {
        ($f:expr) => {
            if s == NJ {
                out.iter_mut().for_each(|o| *o = NJ);
            } else {
                for (o, &x) in out.iter_mut().zip(a) {
                    let r = $f(x);
                    *o = if x == NJ { NJ } else { r };
                }
            }
        };
    }
    match (op, flipped) {
        (Op::Add, _) => lane!(|x: i64| x.wrapping_add(s)),
        (Op::Sub, false) => lane!(|x: i64| x.wrapping_sub(s)),
        (Op::Sub, true) => lane!(|x: i64| s.wrapping_sub(x)),
        (Op::Mul, _) => lane!(|x: i64| x.wrapping_mul(s)),
        (Op::Div, _) => {}
    }
    out
}

fn zip_f64(op: Op, a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0f64; a.len()];
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = ff(op, x, y);
    }
    out
}

fn scalar_f64(op: Op, a: &[f64], s: f64, flipped: bool) -> Vec<f64> {
    if flipped {
        a.iter().map(|&x| ff(op, s, x)).collect()
    } else {
        a.iter().map(|&x| ff(op, x, s)).collect()
    }
}

/// `x+y`.
pub fn add(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    atomic_dyad(x, y, &mut |a, b| arith2(Op::Add, a, b))
}

/// `x-y`.
pub fn sub(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    atomic_dyad(x, y, &mut |a, b| arith2(Op::Sub, a, b))
}

/// `x*y`.
pub fn mul(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    atomic_dyad(x, y, &mut |a, b| arith2(Op::Mul, a, b))
}

/// `x%y`: always float (real for two reals).
pub fn div_float(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    atomic_dyad(x, y, &mut |a, b| arith2(Op::Div, a, b))
}

/// Applies `fi` to integral and `ff` to float items of a simple value,
/// keeping the type (`keep`) or converting to `out` when given.
fn map_num(
    x: Value,
    out_int: Option<Ty>,
    fi: &dyn Fn(i64) -> i64,
    ffl: &dyn Fn(f64) -> f64,
) -> QResult<Value> {
    atomic_monad(x, &mut |v| {
        let t = simple_ty(&v)?;
        if matches!(t, Ty::Symbol | Ty::Guid | Ty::Char) {
            return Err(QError::type_());
        }
        let is_float = matches!(t.repr(), Repr::F32 | Repr::F64);
        let rt = if is_float {
            t
        } else {
            out_int.unwrap_or(match t {
                Ty::Bool | Ty::Byte => Ty::Int,
                other => other,
            })
        };
        let n = to_num(&v, is_float, None)?;
        Ok(from_num(
            match n {
                Num::IA(a) => Num::IA(if a == NJ { NJ } else { fi(a) }),
                Num::I(a) => Num::I(
                    a.into_iter()
                        .map(|a| if a == NJ { NJ } else { fi(a) })
                        .collect(),
                ),
                Num::FA(a) => Num::FA(ffl(a)),
                Num::F(a) => Num::F(a.into_iter().map(ffl).collect()),
            },
            rt,
        ))
    })
}

/// `neg x`.
pub fn neg(_: &mut Interp, x: Value) -> QResult<Value> {
    map_num(x, None, &|a| a.wrapping_neg(), &|a| -a)
}

/// `abs x`.
pub fn abs(_: &mut Interp, x: Value) -> QResult<Value> {
    map_num(x, None, &|a| a.wrapping_abs(), &f64::abs)
}

/// `signum x`: int -1, 0 or 1 (null gives -1, as q).
pub fn signum(_: &mut Interp, x: Value) -> QResult<Value> {
    atomic_monad(x, &mut |v| {
        let t = simple_ty(&v)?;
        if matches!(t, Ty::Symbol | Ty::Guid | Ty::Char) {
            return Err(QError::type_());
        }
        let f = |a: f64| -> i64 {
            if a.is_nan() || a < 0.0 {
                -1
            } else if a > 0.0 {
                1
            } else {
                0
            }
        };
        let n = to_num(&v, true, None)?;
        Ok(from_num(
            match n {
                Num::FA(a) => Num::IA(f(a)),
                Num::F(a) => Num::I(a.into_iter().map(f).collect()),
                other => other,
            },
            Ty::Int,
        ))
    })
}

/// Applies a float function, giving float (nulls to NaN).
fn float_fn(x: Value, f: &dyn Fn(f64) -> f64) -> QResult<Value> {
    atomic_monad(x, &mut |v| {
        let t = simple_ty(&v)?;
        if matches!(t, Ty::Symbol | Ty::Guid | Ty::Char) {
            return Err(QError::type_());
        }
        let rt = if t == Ty::Real { Ty::Real } else { Ty::Float };
        Ok(from_num(
            match to_num(&v, true, None)? {
                Num::FA(a) => Num::FA(f(a)),
                Num::F(a) => Num::F(a.into_iter().map(f).collect()),
                other => other,
            },
            rt,
        ))
    })
}

/// `reciprocal x`.
pub fn reciprocal(_: &mut Interp, x: Value) -> QResult<Value> {
    float_fn(x, &|a| 1.0 / a)
}

/// `sqrt x`.
pub fn sqrt(_: &mut Interp, x: Value) -> QResult<Value> {
    float_fn(x, &f64::sqrt)
}

/// `exp x`.
pub fn exp(_: &mut Interp, x: Value) -> QResult<Value> {
    float_fn(x, &f64::exp)
}

/// `log x`: natural log; negative gives null, 0 gives -0w.
pub fn log(_: &mut Interp, x: Value) -> QResult<Value> {
    float_fn(x, &f64::ln)
}

fn round_fn(x: Value, f: fn(f64) -> f64) -> QResult<Value> {
    atomic_monad(x, &mut |v| {
        let t = simple_ty(&v)?;
        match t {
            Ty::Real | Ty::Float => {
                let n = to_num(&v, true, None)?;
                let g = |a: f64| if a.is_nan() { NJ } else { f64_to_i64(f(a)) };
                Ok(from_num(
                    match n {
                        Num::FA(a) => Num::IA(g(a)),
                        Num::F(a) => Num::I(a.into_iter().map(g).collect()),
                        other => other,
                    },
                    Ty::Long,
                ))
            }
            Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long => Ok(v),
            _ => Err(QError::type_()),
        }
    })
}

/// `floor x`.
pub fn floor(_: &mut Interp, x: Value) -> QResult<Value> {
    round_fn(x, f64::floor)
}

/// `ceiling x`.
pub fn ceiling(_: &mut Interp, x: Value) -> QResult<Value> {
    round_fn(x, f64::ceil)
}

fn int_divmod(x: Value, y: Value, want_mod: bool) -> QResult<Value> {
    atomic_dyad(x, y, &mut |a, b| {
        let tx = simple_ty(&a)?;
        let tb = simple_ty(&b)?;
        if let (Value::Vector(p), Value::Vector(q)) = (&a, &b)
            && p.len() != q.len()
        {
            return Err(QError::length());
        }
        let floaty = |t: Ty| matches!(t.repr(), Repr::F32 | Repr::F64);
        if !(tx.is_numeric() || tx.is_temporal()) || !tb.is_numeric() {
            return Err(QError::type_());
        }
        if floaty(tx) || floaty(tb) {
            let rt = if floaty(tx) { tx } else { Ty::Float };
            let f = |p: f64, q: f64| {
                if want_mod {
                    p - q * (p / q).floor()
                } else {
                    (p / q).floor()
                }
            };
            let out = match (to_num(&a, true, None)?, to_num(&b, true, None)?) {
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
        let rt = match tx {
            Ty::Bool | Ty::Byte | Ty::Short | Ty::Char => Ty::Int,
            t => t,
        };
        let f = |p: i64, q: i64| -> i64 {
            if p == NJ || q == NJ || q == 0 {
                if q == 0 && p != NJ && !want_mod {
                    // integer division by zero: q gives 0N
                    return NJ;
                }
                return if want_mod && q == 0 { p } else { NJ };
            }
            if want_mod {
                let r = p.wrapping_rem(q);
                if r != 0 && ((r < 0) != (q < 0)) {
                    r + q
                } else {
                    r
                }
            } else {
                let d = p.wrapping_div(q);
                if p.wrapping_rem(q) != 0 && ((p < 0) != (q < 0)) {
                    d - 1
                } else {
                    d
                }
            }
        };
        let out = match (to_num(&a, false, None)?, to_num(&b, false, None)?) {
            (Num::IA(p), Num::IA(q)) => Num::IA(f(p, q)),
            (Num::I(p), Num::IA(q)) => Num::I(p.into_iter().map(|p| f(p, q)).collect()),
            (Num::IA(p), Num::I(q)) => Num::I(q.into_iter().map(|q| f(p, q)).collect()),
            (Num::I(p), Num::I(q)) => Num::I(p.iter().zip(&q).map(|(&p, &q)| f(p, q)).collect()),
            _ => return Err(QError::type_()),
        };
        Ok(from_num(out, rt))
    })
}

/// `x div y`: floor of the quotient, keeping x's integer type.
pub fn div_int(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    int_divmod(x, y, false)
}

/// `x mod y`: remainder with the sign of y.
pub fn modulo(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    int_divmod(x, y, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_vector_plus_atom_keeps_nulls() {
        let v = arith2(
            Op::Add,
            Value::Vector(Vector::longs(vec![1, NJ, 3])),
            Value::long(1),
        )
        .unwrap();
        match v {
            Value::Vector(v) => assert_eq!(v.as_i64().unwrap(), &[2, NJ, 4]),
            _ => panic!("vector expected"),
        }
    }

    #[test]
    fn promotion() {
        assert_eq!(result_type(Op::Add, Ty::Bool, Ty::Bool).unwrap(), Ty::Int);
        assert_eq!(
            result_type(Op::Add, Ty::Short, Ty::Short).unwrap(),
            Ty::Short
        );
        assert_eq!(result_type(Op::Add, Ty::Int, Ty::Long).unwrap(), Ty::Long);
        assert_eq!(
            result_type(Op::Add, Ty::Long, Ty::Float).unwrap(),
            Ty::Float
        );
        assert_eq!(result_type(Op::Sub, Ty::Date, Ty::Date).unwrap(), Ty::Int);
        assert_eq!(result_type(Op::Add, Ty::Date, Ty::Long).unwrap(), Ty::Date);
        assert_eq!(result_type(Op::Div, Ty::Long, Ty::Long).unwrap(), Ty::Float);
        assert!(result_type(Op::Add, Ty::Symbol, Ty::Long).is_err());
    }
}
