//! Series: `deltas ratios differ` (each item against its predecessor, the
//! first item kept), `prev next xprev` (shifts, nulls at the open end) and
//! `fills` (nulls replaced by the preceding non-null item).

use crate::builtins::math::moving::msum_type;
use crate::builtins::math::stats::f64s;
use crate::builtins::math::stats::floats;
use crate::builtins::math::stats::uniform;
use crate::ops::compare::feq;
use crate::ops::compare::values_match_tol;
use crate::ops::index::take_idx;
use qcore::Atom;
use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use qcore::sentinel::NJ;
use std::sync::Arc;

/// `deltas x`: differences of adjacent items, the first item kept.
pub fn deltas(x: Value) -> QResult<Value> {
    if let Value::Dict(d) = &x {
        let v = deltas(d.values.clone())?;
        return Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: v,
            sorted: d.sorted,
        })));
    }
    match &x {
        Value::List(l) if !l.is_empty() => {
            let mut out = Vec::with_capacity(l.len());
            out.push(l[0].clone());
            for w in l.windows(2) {
                out.push(crate::builtins::math::arith::sub(
                    w[1].clone(),
                    w[0].clone(),
                )?);
            }
            return Ok(Value::from_items(out));
        }
        _ => {}
    }
    uniform(x, &|v| {
        let rt = msum_type(v.ty())?;
        Ok(Value::Vector(match v.data() {
            VecData::I64(b) => crate::ops::arith::vector_from_i64(rt, deltas_i64(b)),
            VecData::F64(b) => Vector::from_f64(rt, deltas_f64(b)),
            VecData::F32(b) => {
                let mut out = Vec::with_capacity(b.len());
                let mut prev = 0f32;
                for &v in b.iter() {
                    out.push(v - prev);
                    prev = v;
                }
                Vector::from_f32(out)
            }
            _ => {
                let wide = v.to_i64_vec().ok_or_else(QError::type_)?;
                crate::ops::arith::vector_from_i64(rt, deltas_i64(&wide))
            }
        }))
    })
}

/// Differences of adjacent longs in one pass (null in, null out).
/// `deltas[x;y]`: `x-':y`, the seed `x` taking the place of the first
/// item's predecessor (q's deltas is the derived function `-':`).
pub fn deltas2(it: &mut crate::state::Interp, x: Value, y: Value) -> QResult<Value> {
    let minus = crate::builtins::iterate::minus();
    crate::builtins::iterate::prior(it, &minus, vec![x, y])
}

pub fn deltas_i64(xs: &[i64]) -> Vec<i64> {
    let mut out = vec![0i64; xs.len()];
    if let Some(&f) = xs.first() {
        out[0] = f;
    }
    for (o, w) in out.iter_mut().skip(1).zip(xs.windows(2)) {
        let (a, b) = (w[0], w[1]);
        let d = b.wrapping_sub(a);
        *o = if a == NJ || b == NJ { NJ } else { d };
    }
    out
}

pub(crate) fn deltas_f64(xs: &[f64]) -> Vec<f64> {
    let mut out = vec![0f64; xs.len()];
    if let Some(&f) = xs.first() {
        out[0] = f;
    }
    for (o, w) in out.iter_mut().skip(1).zip(xs.windows(2)) {
        *o = w[1] - w[0];
    }
    out
}

/// `ratios x`: ratios of adjacent items, the first item kept (float).
pub fn ratios(x: Value) -> QResult<Value> {
    if let Value::Dict(d) = &x {
        let v = ratios(d.values.clone())?;
        return Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: v,
            sorted: d.sorted,
        })));
    }
    if let Value::List(l) = &x
        && !l.is_empty()
    {
        let mut out = Vec::with_capacity(l.len());
        out.push(l[0].clone());
        for w in l.windows(2) {
            out.push(crate::builtins::math::arith::div_float(
                w[1].clone(),
                w[0].clone(),
            )?);
        }
        return Ok(Value::from_items(out));
    }
    uniform(x, &|v| {
        let xs = f64s(v, false)?;
        let mut out = vec![0f64; xs.len()];
        if let Some(&f) = xs.first() {
            out[0] = f;
        }
        for (o, w) in out.iter_mut().skip(1).zip(xs.windows(2)) {
            *o = w[1] / w[0];
        }
        Ok(floats(out))
    })
}

/// `differ x`: 1b where an item differs from its predecessor (first 1b).
pub fn differ(x: Value) -> QResult<Value> {
    differ_value(x)
}

pub(crate) fn differ_value(x: Value) -> QResult<Value> {
    // long vectors in pieces on the pool
    fn diff<T: Copy + Sync>(b: &[T], ne: impl Fn(T, T) -> bool + Sync + Send) -> Vec<u8> {
        crate::ops::par::map_index(b.len(), |i| match i {
            0 => 1,
            _ => ne(b[i - 1], b[i]) as u8,
        })
    }
    let bools = |v: Vec<u8>| Value::Vector(Vector::from_u8(Ty::Bool, v));
    match &x {
        Value::Vector(v) => Ok(bools(match v.data() {
            VecData::U8(b) => diff(b, |a, c| a != c),
            VecData::I16(b) => diff(b, |a, c| a != c),
            VecData::I32(b) => diff(b, |a, c| a != c),
            VecData::I64(b) => diff(b, |a, c| a != c),
            VecData::F32(b) => diff(b, |a, c| !feq(a as f64, c as f64)),
            VecData::F64(b) => diff(b, |a, c| !feq(a, c)),
            VecData::Guid(b) => diff(b, |a, c| a != c),
            VecData::Sym(b) => diff(b, |a, c| a != c),
        })),
        Value::List(l) => {
            let mut out = vec![1u8; l.len()];
            for (o, w) in out.iter_mut().skip(1).zip(l.windows(2)) {
                *o = !values_match_tol(&w[0], &w[1]) as u8;
            }
            Ok(bools(out))
        }
        Value::Table(t) => {
            let n = t.len();
            let rows: Vec<Value> = (0..n).map(|i| crate::ops::index::table_row(t, i)).collect();
            let mut out = vec![1u8; n];
            for (o, w) in out.iter_mut().skip(1).zip(rows.windows(2)) {
                *o = !values_match_tol(&w[0], &w[1]) as u8;
            }
            Ok(bools(out))
        }
        Value::Dict(d) => Ok(Value::dict(d.keys.clone(), differ_value(d.values.clone())?)),
        Value::Atom(_) => Ok(Value::bool(true)),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// prev next xprev fills

pub(crate) fn shift(y: Value, k: i64) -> QResult<Value> {
    match y {
        Value::Atom(_) | Value::Nil | Value::Func(_) => Err(QError::rank()),
        Value::Dict(d) => Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: shift(d.values.clone(), k)?,
            sorted: d.sorted,
        }))),
        Value::Vector(v) => Ok(Value::Vector(crate::ops::index::shift(&v, k))),
        y => {
            let n = y.count() as i64;
            let idx: Vec<i64> = (0..n).map(|i| i.wrapping_sub(k)).collect();
            Ok(take_idx(&y, &idx))
        }
    }
}

/// `prev x`: each item's predecessor (null first).
pub fn prev(x: Value) -> QResult<Value> {
    shift(x, 1)
}

/// `next x`: each item's successor (null last).
pub fn next(x: Value) -> QResult<Value> {
    shift(x, -1)
}

/// `x xprev y`: the item x places before each item of y.
pub fn xprev(x: Value, y: Value) -> QResult<Value> {
    let k = match &x {
        Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_) | Atom::Bool(_))) => {
            a.to_i64().ok_or_else(QError::type_)?
        }
        _ => return Err(QError::type_()),
    };
    shift(y, k)
}

/// `fills x`: nulls replaced by the preceding non-null item.
pub fn fills(x: Value) -> QResult<Value> {
    fn fwd<T: Copy>(b: &[T], is_null: impl Fn(T) -> bool) -> Vec<T> {
        let mut out = b.to_vec();
        for i in 1..out.len() {
            if is_null(out[i]) {
                out[i] = out[i - 1];
            }
        }
        out
    }
    match x {
        Value::List(l) => {
            let mut out: Vec<Value> = Vec::with_capacity(l.len());
            for v in l.iter() {
                let next = match out.last() {
                    Some(p) => crate::builtins::meta::fill(p.clone(), v.clone())?,
                    None => v.clone(),
                };
                out.push(next);
            }
            Ok(Value::from_items(out))
        }
        x => uniform(x, &|v| {
            let t = v.ty();
            let data = match v.data() {
                VecData::U8(b) if t == Ty::Char => VecData::U8(fwd(b, |c| c == b' ').into()),
                VecData::U8(b) => VecData::U8(b.clone()),
                VecData::I16(b) => VecData::I16(fwd(b, |c| c == i16::MIN).into()),
                VecData::I32(b) => VecData::I32(fwd(b, |c| c == i32::MIN).into()),
                VecData::I64(b) => VecData::I64(fwd(b, |c| c == NJ).into()),
                VecData::F32(b) => VecData::F32(fwd(b, |c: f32| c.is_nan()).into()),
                VecData::F64(b) => VecData::F64(fwd(b, |c: f64| c.is_nan()).into()),
                VecData::Guid(b) => VecData::Guid(fwd(b, |c| c == [0; 16]).into()),
                VecData::Sym(b) => VecData::Sym(fwd(b, |c: qcore::Sym| c.is_null()).into()),
            };
            Ok(Value::Vector(
                Vector::new(t, data).ok_or_else(QError::type_)?,
            ))
        }),
    }
}
