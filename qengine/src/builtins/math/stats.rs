//! Statistics: `var svar dev sdev med` (population and sample variance
//! and deviation over the non-null items, median as q defines it), `cov
//! scov cor` (over the pairs where neither side is null), `wsum wavg` and
//! `within`. Each aggregate goes through dictionaries, tables and general
//! lists the way q's do ([`aggregate`], [`map_table`]); variances are
//! computed in two passes (mean, then squared deviations).

use crate::ops::compare::Cmp;
use crate::ops::compare::fcmp;

use crate::ops::compare::minmax_simple;

use crate::ops::conform::atomic_dyad;

use crate::ops::make::atom_vec;

use qcore::Atom;

use qcore::Dict;

use qcore::QError;

use qcore::QResult;

use qcore::Table;

use qcore::Ty;

use qcore::Value;

use qcore::Vector;

use std::sync::Arc;

/// `x within (lo;hi)`: `(lo<=x)&x<=hi`, conforming to x.
pub fn within(x: Value, y: Value) -> QResult<Value> {
    if !y.is_list() {
        return Err(QError::type_());
    }
    if y.count() != 2 {
        return Err(QError::length());
    }
    let lo = y.item(0).ok_or_else(QError::length)?;
    let hi = y.item(1).ok_or_else(QError::length)?;
    // binary search on a vector with the sorted attribute (env.rs)
    if let Some(r) = crate::ops::search::sorted_within(&x, &lo, &hi) {
        return Ok(r);
    }
    let a = crate::ops::compare::cmp_values(Cmp::Ge, x.clone(), lo)?;
    let b = crate::ops::compare::cmp_values(Cmp::Le, x, hi)?;
    atomic_dyad(a, b, &mut |p, q| minmax_simple(&p, &q, false))
}

// ---------------------------------------------------------------------------
// Helpers

pub(crate) fn floats(v: Vec<f64>) -> Value {
    Value::Vector(Vector::floats(v))
}

/// Items of a numeric, temporal (or, with `chars`, char) vector as floats,
/// nulls as NaN.
pub(crate) fn f64s(v: &Vector, chars: bool) -> QResult<Vec<f64>> {
    match v.ty() {
        Ty::Symbol | Ty::Guid => Err(QError::type_()),
        Ty::Char if !chars => Err(QError::type_()),
        _ => v.to_f64_vec().ok_or_else(QError::type_),
    }
}

pub(crate) fn map_table(t: &Table, f: &mut dyn FnMut(Value) -> QResult<Value>) -> QResult<Value> {
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
pub(crate) fn uniform(x: Value, f: &dyn Fn(&Vector) -> QResult<Value>) -> QResult<Value> {
    match x {
        Value::Vector(v) => f(&v),
        Value::Atom(a) => {
            let r = f(&atom_vec(a))?;
            Ok(r.item(0).unwrap_or(r))
        }
        Value::Dict(d) => Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: uniform(d.values.clone(), f)?,
            sorted: d.sorted,
        }))),
        Value::Table(t) => map_table(&t, &mut |c| uniform(c, f)),
        Value::List(l) if l.is_empty() => Ok(Value::List(l)),
        Value::List(l) if l.iter().all(|v| v.is_list()) => {
            let cols = crate::builtins::list::flip(Value::List(l))?;
            let mut out = Vec::with_capacity(cols.count());
            for c in cols.items() {
                out.push(uniform(c, f)?);
            }
            crate::builtins::list::flip(Value::list(out))
        }
        _ => Err(QError::type_()),
    }
}

/// An aggregate over a typed vector, extended to atoms, general lists
/// (column-wise over equal-count lists; a list of atoms as one list),
/// dictionaries (values) and tables (a dictionary of column results).
pub(crate) fn aggregate(x: Value, f: &dyn Fn(&Vector) -> QResult<Value>) -> QResult<Value> {
    match x {
        Value::Vector(v) => f(&v),
        Value::Atom(a) => f(&atom_vec(a)),
        Value::Dict(d) => aggregate(d.values.clone(), f),
        Value::Table(t) => {
            let mut vals = Vec::with_capacity(t.columns.len());
            for c in t.columns.iter() {
                vals.push(aggregate(c.clone(), f)?);
            }
            Ok(Value::dict(
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
            let cols = crate::builtins::list::flip(Value::List(l))?;
            let mut out = Vec::with_capacity(cols.count());
            for c in cols.items() {
                out.push(aggregate(c, f)?);
            }
            Ok(Value::from_items(out))
        }
        _ => Err(QError::type_()),
    }
}

/// A positive window length (`x` of `x msum y`): short, int or long atom.
pub(crate) fn window(x: &Value) -> QResult<i64> {
    match x {
        Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_))) => {
            a.to_i64().ok_or_else(QError::type_)
        }
        Value::Atom(_) => Err(QError::type_()),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// var svar dev sdev med

/// Population variance of the non-null items (two passes).
pub fn var_f64(xs: &[f64]) -> f64 {
    let (s, n) = crate::ops::lanes::sum_count(xs);
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

pub(crate) fn nonnull(xs: &[f64]) -> f64 {
    xs.iter().filter(|v| !v.is_nan()).count() as f64
}

pub(crate) fn var_kind(v: &Vector, sample: bool, root: bool) -> QResult<Value> {
    let xs = f64s(v, true)?;
    Ok(Value::float(var_of(&xs, sample, root)))
}

/// `var`, `svar` (`sample`), `dev` (`root`) or `sdev` of items already
/// converted to floats (nulls NaN); the compiled core's grouped `var`
/// family calls it on each group's items.
pub(crate) fn var_of(xs: &[f64], sample: bool, root: bool) -> f64 {
    let mut r = var_f64(xs);
    if sample {
        let n = nonnull(xs);
        r = r * n / (n - 1.0);
    }
    if root { r.sqrt() } else { r }
}

/// `var x`.
pub fn var(x: Value) -> QResult<Value> {
    aggregate(x, &|v| var_kind(v, false, false))
}

/// `svar x`.
pub fn svar(x: Value) -> QResult<Value> {
    aggregate(x, &|v| var_kind(v, true, false))
}

/// `dev x`.
pub fn dev(x: Value) -> QResult<Value> {
    aggregate(x, &|v| var_kind(v, false, true))
}

/// `sdev x`.
pub fn sdev(x: Value) -> QResult<Value> {
    aggregate(x, &|v| var_kind(v, true, true))
}

/// Median as q defines it: `avg x (iasc x)@floor .5*-1 0+count x` (nulls
/// sort first; the average of the two middle items ignores nulls).
pub(crate) fn med_vec(v: &Vector) -> QResult<Value> {
    let mut xs = f64s(v, true)?;
    Ok(Value::float(med_of(&mut xs)))
}

/// The median of items already converted to floats (nulls NaN), as
/// [`med_vec`] defines it; reorders `xs`. The compiled core's grouped
/// `med` calls it on each group's items.
pub(crate) fn med_of(xs: &mut [f64]) -> f64 {
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    let (lo, hi) = ((n - 1) / 2, n / 2);
    let (_, &mut b, _) = xs.select_nth_unstable_by(hi, fcmp);
    let a = if lo == hi {
        b
    } else {
        xs[..hi].iter().copied().max_by(fcmp).unwrap_or(b)
    };
    match (a.is_nan(), b.is_nan()) {
        (true, true) => f64::NAN,
        (true, false) => b,
        (false, true) => a,
        _ => (a + b) / 2.0,
    }
}

/// `med x`.
pub fn med(x: Value) -> QResult<Value> {
    aggregate(x, &med_vec)
}

// ---------------------------------------------------------------------------
// cov scov cor wsum wavg

/// Non-null pairs of two numeric vectors as floats.
pub(crate) fn pairs(x: &Value, y: &Value) -> QResult<Option<(Vec<f64>, Vec<f64>)>> {
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

pub(crate) fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

pub(crate) fn cov_f64(p: &[f64], q: &[f64]) -> f64 {
    let (mp, mq) = (mean(p), mean(q));
    let s: f64 = p.iter().zip(q).map(|(&a, &b)| (a - mp) * (b - mq)).sum();
    s / p.len() as f64
}

/// Applies a two-list aggregate; dictionaries use their values; general
/// lists pair item by item.
pub(crate) fn dyad_agg(x: Value, y: Value, f: &dyn Fn(&[f64], &[f64]) -> f64) -> QResult<Value> {
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
pub fn cov(x: Value, y: Value) -> QResult<Value> {
    dyad_agg(x, y, &cov_f64)
}

/// `x scov y`.
pub fn scov(x: Value, y: Value) -> QResult<Value> {
    dyad_agg(x, y, &|p, q| {
        let n = p.len() as f64;
        cov_f64(p, q) * n / (n - 1.0)
    })
}

/// `x cor y`.
pub fn cor(x: Value, y: Value) -> QResult<Value> {
    dyad_agg(x, y, &|p, q| {
        cov_f64(p, q) / (var_f64(p).sqrt() * var_f64(q).sqrt())
    })
}

/// `x wsum y`: `sum x*y`; two vectors are summed as floats.
pub fn wsum(x: Value, y: Value) -> QResult<Value> {
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
    let prod = crate::builtins::math::arith::mul(x, y)?;
    crate::builtins::math::agg::sum(prod)
}

/// `x wavg y`: `(sum x*y)%sum x`, ignoring pairs with a null.
pub fn wavg(x: Value, y: Value) -> QResult<Value> {
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
    let prod = crate::builtins::math::arith::mul(x.clone(), y)?;
    let s = crate::builtins::math::agg::sum(prod)?;
    let w = crate::builtins::math::agg::sum(x)?;
    crate::builtins::math::arith::div_float(s, w)
}

#[cfg(test)]
mod tests {
    use crate::builtins::math::moving::mextreme;
    use crate::builtins::math::moving::msum_f64;
    use crate::builtins::math::moving::msum_i64;
    use crate::builtins::math::series::deltas_i64;
    use crate::ops::search::search_all;
    use qcore::sentinel::NJ;

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
