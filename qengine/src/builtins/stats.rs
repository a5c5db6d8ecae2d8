//! Mathematics and statistics: `cos sin tan acos asin atan xexp xlog`,
//! `avgs mavg msum mmax mmin mcount mdev dev sdev var svar med cor cov scov
//! wavg wsum`, `ratios deltas differ prev next xprev fills rank xrank`,
//! `bin binr`.
//!
//! Shapes follow the reference: the trigonometric functions, `xexp` and
//! `xlog` are atomic; the aggregates (`var dev med ...`) give a float atom
//! of a vector, ignore nulls, work column-wise on a list of equal-count
//! lists, value-wise on a dictionary and give a dictionary of a table; the
//! uniform functions (`avgs msum deltas ...`) keep the shape of a vector,
//! map the values of a dictionary and the columns of a table.
//!
//! The moving functions follow q's own definitions, so rounding matches:
//! `msum` is the difference of running sums (two passes over one output
//! buffer, O(n) for any window), `mavg` is `msum` over `mcount`, `mdev` is
//! `sqrt mavg[x;y*y]-m*m:mavg[x;y]`. `mmax`/`mmin` use a monotonic deque
//! (O(n)); nulls order below every value, and windows shorter than `x`
//! include the seed `-0W` (`mmax`), so an initial null gives `-0W`.
//! `bin`/`binr` binary-search the raw items of a typed vector.

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::sync::Arc;

use crate::interp::Interp;
use qcore::Atom;
use qcore::Dict;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use qcore::QError;
use qcore::QResult;

use super::cast::atom_of_f64;
use super::compare::values_match;
use super::list::take_idx;
use super::arith;
use super::atomic_dyad;
use super::atomic_monad;

const NJ: i64 = i64::MIN;

// ---------------------------------------------------------------------------
// Helpers

fn floats(v: Vec<f64>) -> Value {
    Value::Vector(Vector::floats(v))
}

/// The simple type of an atom or vector.
fn simple_ty(v: &Value) -> QResult<Ty> {
    match v {
        Value::Atom(a) => Ok(a.ty()),
        Value::Vector(v) => Ok(v.ty()),
        _ => Err(QError::type_()),
    }
}

/// Items of a numeric, temporal (or, with `chars`, char) vector as floats,
/// nulls as NaN.
fn f64s(v: &Vector, chars: bool) -> QResult<Vec<f64>> {
    match v.ty() {
        Ty::Symbol | Ty::Guid => Err(QError::type_()),
        Ty::Char if !chars => Err(QError::type_()),
        _ => v.to_f64_vec().ok_or_else(QError::type_),
    }
}

/// A one-item vector of an atom.
fn atom_vec(a: Atom) -> Vector {
    let mut b = qcore::VecBuilder::new(a.ty(), 1);
    b.push(a);
    b.finish()
}

fn new_dict(keys: Value, values: Value) -> Value {
    Value::Dict(Arc::new(Dict {
        keys,
        values,
        sorted: false,
    }))
}

fn map_table(t: &Table, f: &mut dyn FnMut(Value) -> QResult<Value>) -> QResult<Value> {
    let mut cols = Vec::with_capacity(t.columns.len());
    for c in t.columns.iter() {
        cols.push(f(c.clone())?);
    }
    Ok(Value::Table(Arc::new(Table {
        names: t.names.clone(),
        columns: cols,
    })))
}

/// A uniform function over a typed vector, extended to atoms (a one-item
/// vector, result item returned), dictionaries (values), tables (columns)
/// and general lists of equal-count lists (item-wise: flipped, applied to
/// each column, flipped back). Other general lists give `'type`.
fn uniform(it: &mut Interp, x: Value, f: &dyn Fn(&Vector) -> QResult<Value>) -> QResult<Value> {
    match x {
        Value::Vector(v) => f(&v),
        Value::Atom(a) => {
            let r = f(&atom_vec(a))?;
            Ok(r.item(0).unwrap_or(r))
        }
        Value::Dict(d) => Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: uniform(it, d.values.clone(), f)?,
            sorted: d.sorted,
        }))),
        Value::Table(t) => map_table(&t, &mut |c| uniform(it, c, f)),
        Value::List(l) if l.is_empty() => Ok(Value::List(l)),
        Value::List(l) if l.iter().all(|v| v.is_list()) => {
            let cols = super::list::flip(it, Value::List(l))?;
            let mut out = Vec::with_capacity(cols.count());
            for c in cols.items() {
                out.push(uniform(it, c, f)?);
            }
            super::list::flip(it, Value::list(out))
        }
        _ => Err(QError::type_()),
    }
}

/// An aggregate over a typed vector, extended to atoms, general lists
/// (column-wise over equal-count lists; a list of atoms as one list),
/// dictionaries (values) and tables (a dictionary of column results).
fn aggregate(it: &mut Interp, x: Value, f: &dyn Fn(&Vector) -> QResult<Value>) -> QResult<Value> {
    match x {
        Value::Vector(v) => f(&v),
        Value::Atom(a) => f(&atom_vec(a)),
        Value::Dict(d) => aggregate(it, d.values.clone(), f),
        Value::Table(t) => {
            let mut vals = Vec::with_capacity(t.columns.len());
            for c in t.columns.iter() {
                vals.push(aggregate(it, c.clone(), f)?);
            }
            Ok(new_dict(
                Value::Vector(Vector::syms(t.names.clone())),
                Value::from_items(vals),
            ))
        }
        Value::List(l) => {
            if l.is_empty() {
                return f(&Vector::empty(Ty::Float));
            }
            if l.iter().all(|v| matches!(v, Value::Atom(_))) {
                let mut out = Vec::with_capacity(l.len());
                for v in l.iter() {
                    let Value::Atom(a) = v else {
                        return Err(QError::type_());
                    };
                    if matches!(a.ty(), Ty::Symbol | Ty::Guid) {
                        return Err(QError::type_());
                    }
                    out.push(a.to_f64().ok_or_else(QError::type_)?);
                }
                return f(&Vector::floats(out));
            }
            let cols = super::list::flip(it, Value::List(l))?;
            let mut out = Vec::with_capacity(cols.count());
            for c in cols.items() {
                out.push(aggregate(it, c, f)?);
            }
            Ok(Value::from_items(out))
        }
        _ => Err(QError::type_()),
    }
}

/// A positive window length (`x` of `x msum y`): short, int or long atom.
fn window(x: &Value) -> QResult<i64> {
    match x {
        Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_))) => {
            a.to_i64().ok_or_else(QError::type_)
        }
        Value::Atom(_) => Err(QError::type_()),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// Trigonometry, xexp, xlog

fn float_monad(x: Value, f: fn(f64) -> f64) -> QResult<Value> {
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
fn finite(x: f64, f: fn(f64) -> f64) -> f64 {
    if x.is_finite() { f(x) } else { f64::NAN }
}

/// `cos x`.
pub fn cos(_: &mut Interp, x: Value) -> QResult<Value> {
    float_monad(x, |v| finite(v, f64::cos))
}
/// `sin x`.
pub fn sin(_: &mut Interp, x: Value) -> QResult<Value> {
    float_monad(x, |v| finite(v, f64::sin))
}
/// `tan x`.
pub fn tan(_: &mut Interp, x: Value) -> QResult<Value> {
    float_monad(x, |v| finite(v, f64::tan))
}
/// `acos x`: null outside -1..1.
pub fn acos(_: &mut Interp, x: Value) -> QResult<Value> {
    float_monad(x, f64::acos)
}
/// `asin x`: null outside -1..1.
pub fn asin(_: &mut Interp, x: Value) -> QResult<Value> {
    float_monad(x, f64::asin)
}
/// `atan x`.
pub fn atan(_: &mut Interp, x: Value) -> QResult<Value> {
    float_monad(x, f64::atan)
}

/// An atomic dyad over floats; `ok` says which argument types are allowed.
fn float_dyad(
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

fn xexp_ok(t: Ty, _left: bool) -> bool {
    t.is_numeric()
}

fn xlog_ok(t: Ty, _left: bool) -> bool {
    !matches!(t, Ty::Symbol | Ty::Guid | Ty::Datetime)
}

/// `x xexp y`: x to the power y as `exp y*log x`; null for negative x.
pub fn xexp(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
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
pub fn xlog(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    float_dyad(x, y, xlog_ok, |b, v| v.ln() / b.ln())
}

// ---------------------------------------------------------------------------
// var svar dev sdev med

/// Population variance of the non-null items (two passes).
pub fn var_f64(xs: &[f64]) -> f64 {
    let (s, n) = super::agg::sum_count_f64(xs);
    if n == 0 {
        return f64::NAN;
    }
    let m = s / n as f64;
    let mut acc = 0.0;
    for &v in xs {
        if !v.is_nan() {
            let d = v - m;
            acc += d * d;
        }
    }
    acc / n as f64
}

fn nonnull(xs: &[f64]) -> f64 {
    xs.iter().filter(|v| !v.is_nan()).count() as f64
}

fn var_kind(v: &Vector, sample: bool, root: bool) -> QResult<Value> {
    let xs = f64s(v, true)?;
    let mut r = var_f64(&xs);
    if sample {
        let n = nonnull(&xs);
        r = r * n / (n - 1.0);
    }
    Ok(Value::float(if root { r.sqrt() } else { r }))
}

/// `var x`.
pub fn var(it: &mut Interp, x: Value) -> QResult<Value> {
    aggregate(it, x, &|v| var_kind(v, false, false))
}
/// `svar x`.
pub fn svar(it: &mut Interp, x: Value) -> QResult<Value> {
    aggregate(it, x, &|v| var_kind(v, true, false))
}
/// `dev x`.
pub fn dev(it: &mut Interp, x: Value) -> QResult<Value> {
    aggregate(it, x, &|v| var_kind(v, false, true))
}
/// `sdev x`.
pub fn sdev(it: &mut Interp, x: Value) -> QResult<Value> {
    aggregate(it, x, &|v| var_kind(v, true, true))
}

/// Orders floats with NaN (null) first.
fn fcmp(a: &f64, b: &f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// Median as q defines it: `avg x (iasc x)@floor .5*-1 0+count x` (nulls
/// sort first; the average of the two middle items ignores nulls).
fn med_vec(v: &Vector) -> QResult<Value> {
    let mut xs = f64s(v, true)?;
    let n = xs.len();
    if n == 0 {
        return Ok(Value::float(f64::NAN));
    }
    let (lo, hi) = ((n - 1) / 2, n / 2);
    let (_, &mut b, _) = xs.select_nth_unstable_by(hi, fcmp);
    let a = if lo == hi {
        b
    } else {
        xs[..hi].iter().copied().max_by(fcmp).unwrap_or(b)
    };
    let r = match (a.is_nan(), b.is_nan()) {
        (true, true) => f64::NAN,
        (true, false) => b,
        (false, true) => a,
        _ => (a + b) / 2.0,
    };
    Ok(Value::float(r))
}

/// `med x`.
pub fn med(it: &mut Interp, x: Value) -> QResult<Value> {
    aggregate(it, x, &med_vec)
}

// ---------------------------------------------------------------------------
// cov scov cor wsum wavg

/// Non-null pairs of two numeric vectors as floats.
fn pairs(x: &Value, y: &Value) -> QResult<Option<(Vec<f64>, Vec<f64>)>> {
    let as_vec = |v: &Value| -> Option<Vector> {
        match v {
            Value::Vector(w) => Some(w.clone()),
            Value::Atom(a) => Some(atom_vec(*a)),
            _ => None,
        }
    };
    let (Some(a), Some(b)) = (as_vec(x), as_vec(y)) else {
        return Ok(None);
    };
    let (a, b) = (f64s(&a, true)?, f64s(&b, true)?);
    if a.len() != b.len() {
        return Err(QError::length());
    }
    let mut p = Vec::with_capacity(a.len());
    let mut q = Vec::with_capacity(a.len());
    for (&u, &v) in a.iter().zip(&b) {
        if !u.is_nan() && !v.is_nan() {
            p.push(u);
            q.push(v);
        }
    }
    Ok(Some((p, q)))
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn cov_f64(p: &[f64], q: &[f64]) -> f64 {
    let (mp, mq) = (mean(p), mean(q));
    let s: f64 = p.iter().zip(q).map(|(&a, &b)| (a - mp) * (b - mq)).sum();
    s / p.len() as f64
}

/// Applies a two-list aggregate; dictionaries use their values; general
/// lists pair item by item.
fn dyad_agg(x: Value, y: Value, f: &dyn Fn(&[f64], &[f64]) -> f64) -> QResult<Value> {
    match (x, y) {
        (Value::Dict(d), y) => dyad_agg(d.values.clone(), y, f),
        (x, Value::Dict(d)) => dyad_agg(x, d.values.clone(), f),
        (x, y) => {
            if let Some((p, q)) = pairs(&x, &y)? {
                return Ok(Value::float(f(&p, &q)));
            }
            if x.is_list() && y.is_list() {
                if x.count() != y.count() {
                    return Err(QError::length());
                }
                let mut out = Vec::with_capacity(x.count());
                for (a, b) in x.items().into_iter().zip(y.items()) {
                    out.push(dyad_agg(a, b, f)?);
                }
                return Ok(Value::from_items(out));
            }
            Err(QError::type_())
        }
    }
}

/// `x cov y`.
pub fn cov(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    dyad_agg(x, y, &cov_f64)
}

/// `x scov y`.
pub fn scov(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    dyad_agg(x, y, &|p, q| {
        let n = p.len() as f64;
        cov_f64(p, q) * n / (n - 1.0)
    })
}

/// `x cor y`.
pub fn cor(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    dyad_agg(x, y, &|p, q| {
        cov_f64(p, q) / (var_f64(p).sqrt() * var_f64(q).sqrt())
    })
}

/// `x wsum y`: `sum x*y`; two vectors are summed as floats.
pub fn wsum(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    if let (Value::Vector(a), Value::Vector(b)) = (&x, &y) {
        let (p, q) = (f64s(a, false)?, f64s(b, false)?);
        if p.len() != q.len() {
            return Err(QError::length());
        }
        let mut s = 0.0;
        for (&u, &v) in p.iter().zip(&q) {
            if !u.is_nan() && !v.is_nan() {
                s += u * v;
            }
        }
        return Ok(Value::float(s));
    }
    let prod = arith::mul(it, x, y)?;
    super::agg::sum(it, prod)
}

/// `x wavg y`: `(sum x*y)%sum x`, ignoring pairs with a null.
pub fn wavg(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    if let (Value::Vector(a), Value::Vector(b)) = (&x, &y) {
        let (p, q) = (f64s(a, false)?, f64s(b, false)?);
        if p.len() != q.len() {
            return Err(QError::length());
        }
        let (mut s, mut w) = (0.0, 0.0);
        for (&u, &v) in p.iter().zip(&q) {
            if !u.is_nan() && !v.is_nan() {
                s += u * v;
                w += u;
            }
        }
        return Ok(Value::float(s / w));
    }
    let prod = arith::mul(it, x.clone(), y)?;
    let s = super::agg::sum(it, prod)?;
    let w = super::agg::sum(it, x)?;
    arith::div_float(it, s, w)
}

// ---------------------------------------------------------------------------
// Moving windows

/// Result type of `msum` for a vector of type `t` (the reference's table).
fn msum_type(t: Ty) -> QResult<Ty> {
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
fn mcount_of(xs: &[f64], w: usize) -> Vec<f64> {
    let ones: Vec<f64> = xs.iter().map(|v| (!v.is_nan()) as u8 as f64).collect();
    msum_f64(&ones, w)
}

fn pos_window(x: &Value) -> QResult<usize> {
    let w = window(x)?;
    if w <= 0 {
        return Err(QError::domain());
    }
    Ok(w.min(1 << 40) as usize)
}

/// `x msum y`.
pub fn msum(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let w = pos_window(&x)?;
    uniform(it, y, &|v| {
        let rt = msum_type(v.ty())?;
        Ok(Value::Vector(match v.data() {
            VecData::F64(b) => Vector::from_f64(rt, msum_f64(b, w)),
            VecData::F32(b) => {
                let wide: Vec<f64> = b.iter().map(|&x| x as f64).collect();
                Vector::from_f32(msum_f64(&wide, w).into_iter().map(|x| x as f32).collect())
            }
            VecData::I64(b) => arith::vector_from_i64(rt, msum_i64(b, w)),
            _ => {
                let wide = v.to_i64_vec().ok_or_else(QError::type_)?;
                arith::vector_from_i64(rt, msum_i64(&wide, w))
            }
        }))
    })
}

/// 1 for each non-null item, 0 for each null.
fn present(v: &Vector) -> Vec<i64> {
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
pub fn mcount(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let w = pos_window(&x)?;
    uniform(it, y, &|v| {
        let ones = present(v);
        Ok(Value::Vector(arith::vector_from_i64(
            Ty::Int,
            msum_i64(&ones, w),
        )))
    })
}

/// `x mavg y`: `msum` of y (nulls 0) over `mcount` (float).
pub fn mavg(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let w = pos_window(&x)?;
    uniform(it, y, &|v| {
        let xs = f64s(v, false)?;
        let s = msum_f64(&xs, w);
        let c = mcount_of(&xs, w);
        Ok(floats(s.iter().zip(&c).map(|(&s, &c)| s / c).collect()))
    })
}

/// `x mdev y`: `sqrt mavg[x;y*y]-m*m:mavg[x;y]` (float).
pub fn mdev(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let w = pos_window(&x)?;
    uniform(it, y, &|v| {
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
fn mextreme<T: Copy>(xs: &[T], w: usize, better: impl Fn(T, T) -> bool, seed: T) -> Vec<T> {
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

fn mminmax(v: &Vector, w: usize, max: bool) -> QResult<Value> {
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

fn mextreme_kw(it: &mut Interp, x: Value, y: Value, max: bool) -> QResult<Value> {
    let w = window(&x)?;
    if w <= 0 {
        return Ok(y);
    }
    let w = w.min(1 << 40) as usize;
    uniform(it, y, &|v| {
        if v.is_empty() {
            return Ok(Value::Vector(v.clone()));
        }
        mminmax(v, w, max)
    })
}

/// `x mmax y`: moving maximums (initial nulls give `-0W`).
pub fn mmax(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    mextreme_kw(it, x, y, true)
}

/// `x mmin y`: moving minimums (null is the minimum value).
pub fn mmin(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    mextreme_kw(it, x, y, false)
}

// ---------------------------------------------------------------------------
// avgs deltas ratios differ

/// `avgs x`: running averages, `(sums x)%sums not null x` (float).
pub fn avgs(it: &mut Interp, x: Value) -> QResult<Value> {
    uniform(it, x, &|v| {
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

/// `deltas x`: differences of adjacent items, the first item kept.
pub fn deltas(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Value::Dict(d) = &x {
        let v = deltas(it, d.values.clone())?;
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
                out.push(arith::sub(it, w[1].clone(), w[0].clone())?);
            }
            return Ok(Value::from_items(out));
        }
        _ => {}
    }
    uniform(it, x, &|v| {
        let rt = msum_type(v.ty())?;
        Ok(Value::Vector(match v.data() {
            VecData::I64(b) => arith::vector_from_i64(rt, deltas_i64(b)),
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
                arith::vector_from_i64(rt, deltas_i64(&wide))
            }
        }))
    })
}

/// Differences of adjacent longs in one pass (null in, null out).
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

fn deltas_f64(xs: &[f64]) -> Vec<f64> {
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
pub fn ratios(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Value::Dict(d) = &x {
        let v = ratios(it, d.values.clone())?;
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
            out.push(arith::div_float(it, w[1].clone(), w[0].clone())?);
        }
        return Ok(Value::from_items(out));
    }
    uniform(it, x, &|v| {
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
pub fn differ(_: &mut Interp, x: Value) -> QResult<Value> {
    differ_value(x)
}

fn differ_value(x: Value) -> QResult<Value> {
    fn diff<T: Copy>(b: &[T], ne: impl Fn(T, T) -> bool) -> Vec<u8> {
        let mut out = vec![1u8; b.len()];
        for (o, w) in out.iter_mut().skip(1).zip(b.windows(2)) {
            *o = ne(w[0], w[1]) as u8;
        }
        out
    }
    let bools = |v: Vec<u8>| Value::Vector(Vector::from_u8(Ty::Bool, v));
    match &x {
        Value::Vector(v) => Ok(bools(match v.data() {
            VecData::U8(b) => diff(b, |a, c| a != c),
            VecData::I16(b) => diff(b, |a, c| a != c),
            VecData::I32(b) => diff(b, |a, c| a != c),
            VecData::I64(b) => diff(b, |a, c| a != c),
            VecData::F32(b) => diff(b, |a, c| fcmp(&(a as f64), &(c as f64)) != Ordering::Equal),
            VecData::F64(b) => diff(b, |a, c| fcmp(&a, &c) != Ordering::Equal),
            VecData::Guid(b) => diff(b, |a, c| a != c),
            VecData::Sym(b) => diff(b, |a, c| a != c),
        })),
        Value::List(l) => {
            let mut out = vec![1u8; l.len()];
            for (o, w) in out.iter_mut().skip(1).zip(l.windows(2)) {
                *o = !values_match(&w[0], &w[1]) as u8;
            }
            Ok(bools(out))
        }
        Value::Table(t) => {
            let n = t.len();
            let rows: Vec<Value> = (0..n)
                .map(|i| crate::eval::index::table_row(t, i))
                .collect();
            let mut out = vec![1u8; n];
            for (o, w) in out.iter_mut().skip(1).zip(rows.windows(2)) {
                *o = !values_match(&w[0], &w[1]) as u8;
            }
            Ok(bools(out))
        }
        Value::Dict(d) => Ok(new_dict(d.keys.clone(), differ_value(d.values.clone())?)),
        Value::Atom(_) => Ok(Value::bool(true)),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// prev next xprev fills

fn shift(y: Value, k: i64) -> QResult<Value> {
    match y {
        Value::Atom(_) | Value::Nil | Value::Func(_) => Err(QError::rank()),
        Value::Dict(d) => Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: shift(d.values.clone(), k)?,
            sorted: d.sorted,
        }))),
        y => {
            let n = y.count() as i64;
            let idx: Vec<i64> = (0..n).map(|i| i.wrapping_sub(k)).collect();
            Ok(take_idx(&y, &idx))
        }
    }
}

/// `prev x`: each item's predecessor (null first).
pub fn prev(_: &mut Interp, x: Value) -> QResult<Value> {
    shift(x, 1)
}

/// `next x`: each item's successor (null last).
pub fn next(_: &mut Interp, x: Value) -> QResult<Value> {
    shift(x, -1)
}

/// `x xprev y`: the item x places before each item of y.
pub fn xprev(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let k = match &x {
        Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_) | Atom::Bool(_))) => {
            a.to_i64().ok_or_else(QError::type_)?
        }
        _ => return Err(QError::type_()),
    };
    shift(y, k)
}

/// `fills x`: nulls replaced by the preceding non-null item.
pub fn fills(it: &mut Interp, x: Value) -> QResult<Value> {
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
                    Some(p) => super::misc::fill(it, p.clone(), v.clone())?,
                    None => v.clone(),
                };
                out.push(next);
            }
            Ok(Value::from_items(out))
        }
        x => uniform(it, x, &|v| {
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

// ---------------------------------------------------------------------------
// rank xrank

/// `rank x`: `iasc iasc x`.
pub fn rank(it: &mut Interp, x: Value) -> QResult<Value> {
    if matches!(x, Value::Atom(_)) {
        return Err(QError::rank());
    }
    let g = super::sort::iasc(it, x)?;
    super::sort::iasc(it, g)
}

/// `x xrank y`: `(x*rank y) div count y`.
pub fn xrank(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let k = match &x {
        Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_))) => {
            a.to_i64().ok_or_else(QError::type_)?
        }
        _ => return Err(QError::type_()),
    };
    if matches!(y, Value::Atom(_)) {
        return Err(QError::rank());
    }
    let n = y.count() as i64;
    let r = rank(it, y)?;
    let Value::Vector(rv) = &r else {
        return Ok(r);
    };
    let rs = rv.as_i64().unwrap_or(&[]);
    Ok(Value::Vector(Vector::longs(
        rs.iter()
            .map(|&i| {
                let p = k.wrapping_mul(i);
                if n == 0 { 0 } else { p.div_euclid(n) }
            })
            .collect(),
    )))
}

// ---------------------------------------------------------------------------
// bin binr

/// Index of the last item `<= y` (`right`: first item `>= y`) in sorted
/// `xs`, by `cmp`.
fn search<T: Copy>(xs: &[T], y: T, right: bool, cmp: &impl Fn(T, T) -> Ordering) -> i64 {
    if right {
        xs.partition_point(|&a| cmp(a, y) == Ordering::Less) as i64
    } else {
        xs.partition_point(|&a| cmp(a, y) != Ordering::Greater) as i64 - 1
    }
}

fn search_all<T: Copy>(
    xs: &[T],
    ys: &[T],
    right: bool,
    cmp: impl Fn(T, T) -> Ordering,
) -> Vec<i64> {
    let mut out = Vec::with_capacity(ys.len());
    for &y in ys {
        out.push(search(xs, y, right, &cmp));
    }
    out
}

fn bin_vec(x: &Vector, y: &Vector, right: bool) -> QResult<Vec<i64>> {
    if x.ty() != y.ty() {
        return Err(QError::type_());
    }
    Ok(match (x.data(), y.data()) {
        (VecData::U8(a), VecData::U8(b)) => search_all(a, b, right, |p: u8, q| p.cmp(&q)),
        (VecData::I16(a), VecData::I16(b)) => search_all(a, b, right, |p: i16, q| p.cmp(&q)),
        (VecData::I32(a), VecData::I32(b)) => search_all(a, b, right, |p: i32, q| p.cmp(&q)),
        (VecData::I64(a), VecData::I64(b)) => search_all(a, b, right, |p: i64, q| p.cmp(&q)),
        (VecData::F32(a), VecData::F32(b)) => {
            search_all(a, b, right, |p: f32, q| fcmp(&(p as f64), &(q as f64)))
        }
        (VecData::F64(a), VecData::F64(b)) => search_all(a, b, right, |p: f64, q| fcmp(&p, &q)),
        (VecData::Guid(a), VecData::Guid(b)) => search_all(a, b, right, |p: [u8; 16], q| p.cmp(&q)),
        (VecData::Sym(a), VecData::Sym(b)) => {
            search_all(a, b, right, |p: qcore::Sym, q| p.cmp_text(q))
        }
        _ => return Err(QError::type_()),
    })
}

fn bin_value(x: &Value, y: &Value, right: bool) -> QResult<Value> {
    match (x, y) {
        (Value::Vector(a), Value::Atom(b)) => {
            let r = bin_vec(a, &atom_vec(*b), right)?;
            Ok(Value::long(r.first().copied().unwrap_or(-1)))
        }
        (Value::Vector(a), Value::Vector(b)) => {
            Ok(Value::Vector(Vector::longs(bin_vec(a, b, right)?)))
        }
        (Value::Vector(_), Value::List(l)) => {
            let mut out = Vec::with_capacity(l.len());
            for i in l.iter() {
                out.push(bin_value(x, i, right)?);
            }
            if out.is_empty() {
                return Ok(Value::Vector(Vector::longs(vec![])));
            }
            Ok(Value::from_items(out))
        }
        (Value::List(l), y) => {
            let cmp = |a: &Value| super::sort::cmp_values(a, y);
            let r = if right {
                l.partition_point(|a| cmp(a) == Ordering::Less) as i64
            } else {
                l.partition_point(|a| cmp(a) != Ordering::Greater) as i64 - 1
            };
            Ok(Value::long(r))
        }
        (Value::Dict(d), y) => {
            let r = bin_value(&d.values, y, right)?;
            let idx = match &r {
                Value::Atom(Atom::Long(i)) => vec![*i],
                Value::Vector(v) => v.as_i64().unwrap_or(&[]).to_vec(),
                _ => return Err(QError::type_()),
            };
            let k = take_idx(&d.keys, &idx);
            Ok(if matches!(r, Value::Atom(_)) {
                k.item(0).unwrap_or(k)
            } else {
                k
            })
        }
        (Value::Table(_), _) => Err(QError::nyi("bin on a table")),
        (Value::Atom(_), _) => Err(QError::type_()),
        _ => Err(QError::type_()),
    }
}

/// `x bin y`: index of the last item of sorted x that is `<= y` (-1 if none).
pub fn bin(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    bin_value(&x, &y, false)
}

/// `x binr y`: index of the first item of sorted x that is `>= y`.
pub fn binr(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    bin_value(&x, &y, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msum_matches_definition() {
        assert_eq!(msum_i64(&[1, 2, 3, 5, 7, 11], 3), vec![1, 3, 6, 10, 15, 23]);
        assert_eq!(
            msum_i64(&[NJ, 2, 3, 5, NJ, 11], 3),
            vec![0, 2, 5, 10, 8, 16]
        );
        assert_eq!(msum_f64(&[1.0, 2.0, 3.0], 5), vec![1.0, 3.0, 6.0]);
    }

    #[test]
    fn moving_max_seeds_short_windows() {
        let r = mextreme(&[NJ, -3, -2, NJ, 1, 0], 3, |a, b| a > b, -i64::MAX);
        assert_eq!(r, vec![-i64::MAX, -3, -2, -2, 1, 1]);
        let r = mextreme(&[2i64, 7, 1, 3, 5, 2, 8], 3, |a, b| a > b, -i64::MAX);
        assert_eq!(r, vec![2, 7, 7, 7, 5, 5, 8]);
    }

    #[test]
    fn deltas_and_bin() {
        assert_eq!(deltas_i64(&[1, 4, 9, 16]), vec![1, 3, 5, 7]);
        assert_eq!(deltas_i64(&[1, NJ, 3]), vec![1, NJ, NJ]);
        let x = [0i64, 2, 4, 6, 8, 10];
        let r = search_all(&x, &[-10, 0, 4, 5, 6, 20], false, |a: i64, b| a.cmp(&b));
        assert_eq!(r, vec![-1, 0, 2, 2, 3, 5]);
    }
}
