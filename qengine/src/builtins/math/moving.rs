//! Moving windows and running averages: `msum mcount mavg mdev mmax mmin`
//! (`x m.. y`, a window of the last `x` items), `avgs` and `ema`. The
//! formulas are q's own definitions (`mavg` is `msum` over `mcount`,
//! `mdev` is `sqrt mavg[x;y*y]-m*m`), computed in one pass: sums by running
//! differences, extremes with a monotonic deque.

use crate::builtins::math::stats::f64s;
use crate::builtins::math::stats::floats;
use crate::builtins::math::stats::uniform;
use crate::builtins::math::stats::window;
use crate::ops::compare::fcmp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use qcore::sentinel::NJ;
use std::cmp::Ordering;
use std::collections::VecDeque;

// ---------------------------------------------------------------------------
// Moving windows

/// Result type of `msum` for a vector of type `t` (the reference's table).
pub(crate) fn msum_type(t: Ty) -> QResult<Ty> {
    Ok(match t {
        Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Month | Ty::Date => Ty::Int,
        Ty::Long => Ty::Long,
        Ty::Real => Ty::Real,
        Ty::Float | Ty::Datetime => Ty::Float,
        Ty::Timestamp | Ty::Timespan => Ty::Timespan,
        Ty::Minute | Ty::Second | Ty::Time => t,
        Ty::Char | Ty::Symbol | Ty::Guid => return Err(QError::type_()),
    })
}

/// Moving sums of longs (nulls as 0): running sums, then the difference
/// with the running sum `w` items back, in place.
pub fn msum_i64(xs: &[i64], w: usize) -> Vec<i64> {
    let mut out = Vec::with_capacity(xs.len());
    let mut acc = 0i64;
    for &v in xs {
        acc = acc.wrapping_add(if v == NJ { 0 } else { v });
        out.push(acc);
    }
    for i in (w..out.len()).rev() {
        out[i] = out[i].wrapping_sub(out[i - w]);
    }
    out
}

/// Moving sums of floats (nulls as 0), as q: `s-(-w)_(0*w#s),s:sums y`.
pub fn msum_f64(xs: &[f64], w: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(xs.len());
    let mut acc = 0f64;
    for &v in xs {
        acc += if v.is_nan() { 0.0 } else { v };
        out.push(acc);
    }
    for i in (w..out.len()).rev() {
        out[i] -= out[i - w];
    }
    out
}

/// Moving counts of non-nulls.
pub(crate) fn mcount_of(xs: &[f64], w: usize) -> Vec<f64> {
    let ones: Vec<f64> = xs.iter().map(|v| (!v.is_nan()) as u8 as f64).collect();
    msum_f64(&ones, w)
}

pub(crate) fn pos_window(x: &Value) -> QResult<usize> {
    let w = window(x)?;
    if w <= 0 {
        return Err(QError::domain());
    }
    Ok(w.min(1 << 40) as usize)
}

/// `x msum y`.
pub fn msum(x: Value, y: Value) -> QResult<Value> {
    let w = pos_window(&x)?;
    uniform(y, &|v| {
        let rt = msum_type(v.ty())?;
        Ok(Value::Vector(match v.data() {
            VecData::F64(b) => Vector::from_f64(rt, msum_f64(b, w)),
            VecData::F32(b) => {
                let wide: Vec<f64> = b.iter().map(|&x| x as f64).collect();
                Vector::from_f32(msum_f64(&wide, w).into_iter().map(|x| x as f32).collect())
            }
            VecData::I64(b) => crate::ops::arith::vector_from_i64(rt, msum_i64(b, w)),
            _ => {
                let wide = v.to_i64_vec().ok_or_else(QError::type_)?;
                crate::ops::arith::vector_from_i64(rt, msum_i64(&wide, w))
            }
        }))
    })
}

/// 1 for each non-null item, 0 for each null.
pub(crate) fn present(v: &Vector) -> Vec<i64> {
    fn ok<T: Copy>(b: &[T], null: impl Fn(T) -> bool) -> Vec<i64> {
        b.iter().map(|&x| (!null(x)) as i64).collect()
    }
    match v.data() {
        VecData::U8(b) if v.ty() == Ty::Char => ok(b, |c| c == b' '),
        VecData::U8(b) => vec![1; b.len()],
        VecData::I16(b) => ok(b, |c| c == i16::MIN),
        VecData::I32(b) => ok(b, |c| c == i32::MIN),
        VecData::I64(b) => ok(b, |c| c == NJ),
        VecData::F32(b) => ok(b, |c: f32| c.is_nan()),
        VecData::F64(b) => ok(b, |c: f64| c.is_nan()),
        VecData::Guid(b) => ok(b, |c| c == [0; 16]),
        VecData::Sym(b) => ok(b, |c: qcore::Sym| c.is_null()),
    }
}

/// `x mcount y`: moving counts of non-null items (int).
pub fn mcount(x: Value, y: Value) -> QResult<Value> {
    let w = pos_window(&x)?;
    uniform(y, &|v| {
        let ones = present(v);
        Ok(Value::Vector(crate::ops::arith::vector_from_i64(
            Ty::Int,
            msum_i64(&ones, w),
        )))
    })
}

/// `x mavg y`: `msum` of y (nulls 0) over `mcount` (float).
pub fn mavg(x: Value, y: Value) -> QResult<Value> {
    // a window of 0 averages nothing: every item is null, as in q
    if window(&x)? == 0 {
        return uniform(y, &|v| Ok(floats(vec![f64::NAN; v.len()])));
    }
    let w = pos_window(&x)?;
    uniform(y, &|v| {
        let xs = f64s(v, false)?;
        let s = msum_f64(&xs, w);
        let c = mcount_of(&xs, w);
        Ok(floats(s.iter().zip(&c).map(|(&s, &c)| s / c).collect()))
    })
}

/// `x mdev y`: `sqrt mavg[x;y*y]-m*m:mavg[x;y]` (float).
pub fn mdev(x: Value, y: Value) -> QResult<Value> {
    let w = pos_window(&x)?;
    uniform(y, &|v| {
        let xs = f64s(v, false)?;
        let sq: Vec<f64> = xs.iter().map(|&v| v * v).collect();
        let s = msum_f64(&xs, w);
        let s2 = msum_f64(&sq, w);
        let c = mcount_of(&xs, w);
        Ok(floats(
            s.iter()
                .zip(&s2)
                .zip(&c)
                .map(|((&s, &s2), &c)| {
                    let m = s / c;
                    (s2 / c - m * m).sqrt()
                })
                .collect(),
        ))
    })
}

/// Moving extreme with a monotonic deque. `better(a, b)`: a beats b.
/// Windows shorter than `w` also meet `seed`.
pub(crate) fn mextreme<T: Copy>(
    xs: &[T],
    w: usize,
    better: impl Fn(T, T) -> bool,
    seed: T,
) -> Vec<T> {
    let mut out = Vec::with_capacity(xs.len());
    let mut dq: VecDeque<usize> = VecDeque::with_capacity(w.min(xs.len()) + 1);
    for (i, &v) in xs.iter().enumerate() {
        while let Some(&j) = dq.back() {
            if better(xs[j], v) {
                break;
            }
            dq.pop_back();
        }
        dq.push_back(i);
        if let Some(&j) = dq.front()
            && j + w <= i
        {
            dq.pop_front();
        }
        let best = dq.front().map_or(seed, |&j| xs[j]);
        out.push(if i + 1 < w && better(seed, best) {
            seed
        } else {
            best
        });
    }
    out
}

pub(crate) fn mminmax(v: &Vector, w: usize, max: bool) -> QResult<Value> {
    fn pick<T: Copy + PartialOrd>(max: bool) -> impl Fn(T, T) -> bool {
        move |a: T, b: T| if max { a > b } else { a < b }
    }
    let fbetter = move |a: f64, b: f64| {
        let o = fcmp(&a, &b);
        if max {
            o == Ordering::Greater
        } else {
            o == Ordering::Less
        }
    };
    let data = match v.data() {
        VecData::I64(b) => {
            VecData::I64(mextreme(b, w, pick(max), if max { -i64::MAX } else { i64::MAX }).into())
        }
        VecData::I32(b) => {
            VecData::I32(mextreme(b, w, pick(max), if max { -i32::MAX } else { i32::MAX }).into())
        }
        VecData::I16(b) => {
            VecData::I16(mextreme(b, w, pick(max), if max { -i16::MAX } else { i16::MAX }).into())
        }
        VecData::U8(b) => VecData::U8(mextreme(b, w, pick(max), if max { 0 } else { 255 }).into()),
        VecData::F64(b) => VecData::F64(
            mextreme(
                b,
                w,
                fbetter,
                if max {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                },
            )
            .into(),
        ),
        VecData::F32(b) => {
            let wide: Vec<f64> = b.iter().map(|&x| x as f64).collect();
            let seed = if max {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            VecData::F32(
                mextreme(&wide, w, fbetter, seed)
                    .into_iter()
                    .map(|x| x as f32)
                    .collect::<Vec<f32>>()
                    .into(),
            )
        }
        VecData::Guid(b) => VecData::Guid(mextreme(b, w, pick(max), b[0]).into()),
        VecData::Sym(b) => {
            let better = move |a: qcore::Sym, c: qcore::Sym| {
                let o = a.cmp_text(c);
                if max {
                    o == Ordering::Greater
                } else {
                    o == Ordering::Less
                }
            };
            let seed = b.first().copied().unwrap_or(qcore::Sym::EMPTY);
            VecData::Sym(mextreme(b, w, better, seed).into())
        }
    };
    Ok(Value::Vector(
        Vector::new(v.ty(), data).ok_or_else(QError::type_)?,
    ))
}

pub(crate) fn mextreme_kw(x: Value, y: Value, max: bool) -> QResult<Value> {
    let w = window(&x)?;
    if w <= 0 {
        return Ok(y);
    }
    let w = w.min(1 << 40) as usize;
    uniform(y, &|v| {
        if v.is_empty() {
            return Ok(Value::Vector(v.clone()));
        }
        mminmax(v, w, max)
    })
}

/// `x mmax y`: moving maximums (initial nulls give `-0W`).
pub fn mmax(x: Value, y: Value) -> QResult<Value> {
    mextreme_kw(x, y, true)
}

/// `x mmin y`: moving minimums (null is the minimum value).
pub fn mmin(x: Value, y: Value) -> QResult<Value> {
    mextreme_kw(x, y, false)
}

// ---------------------------------------------------------------------------
// avgs deltas ratios differ

/// `avgs x`: running averages, `(sums x)%sums not null x` (float).
pub fn avgs(x: Value) -> QResult<Value> {
    uniform(x, &|v| {
        let xs = f64s(v, false)?;
        let mut s = 0.0;
        let mut n = 0.0;
        let out = xs
            .iter()
            .map(|&v| {
                if !v.is_nan() {
                    s += v;
                    n += 1.0;
                }
                s / n
            })
            .collect();
        Ok(floats(out))
    })
}

// ---------------------------------------------------------------------------
// Numeric helpers

pub(crate) fn num_atom(a: &Atom) -> QResult<f64> {
    if !a.ty().is_numeric() && a.ty() != Ty::Bool {
        return Err(QError::type_());
    }
    a.to_f64().ok_or_else(QError::type_)
}

/// A numeric vector (or atom, as one item) as floats.
pub(crate) fn float_items(x: &Value) -> QResult<Vec<f64>> {
    match x {
        Value::Atom(a) => Ok(vec![num_atom(a)?]),
        Value::Vector(v) => {
            if !v.ty().is_numeric() && v.ty() != Ty::Bool {
                return Err(QError::type_());
            }
            v.to_f64_vec().ok_or_else(QError::type_)
        }
        Value::List(l) => l
            .iter()
            .map(|i| match i {
                Value::Atom(a) => num_atom(a),
                _ => Err(QError::type_()),
            })
            .collect(),
        _ => Err(QError::type_()),
    }
}

pub(crate) fn float_vec(v: Vec<f64>) -> Value {
    Value::Vector(Vector::floats(v))
}

// ---------------------------------------------------------------------------
// ema

/// `x ema y`: exponential moving average, `r[0]=y[0]`,
/// `r[i]=x*y[i]+(1-x)*r[i-1]` (q's `{first[y](1f-x)\x*y}`).
pub fn ema(x: Value, y: Value) -> QResult<Value> {
    let atom_y = matches!(y, Value::Atom(_));
    let ys = float_items(&y)?;
    let xs = float_items(&x)?;
    let xa = matches!(x, Value::Atom(_));
    if !xa && xs.len() != ys.len() {
        return Err(QError::length());
    }
    let mut out = Vec::with_capacity(ys.len());
    let mut prev = 0.0;
    for (i, &v) in ys.iter().enumerate() {
        let a = if xa { xs[0] } else { xs[i] };
        prev = if i == 0 { v } else { a * v + (1.0 - a) * prev };
        out.push(prev);
    }
    if atom_y && xa {
        return Ok(Value::float(out[0]));
    }
    Ok(float_vec(out))
}
