//! Binary search kernels: `bin` and `binr` (index of the last item `<= y`,
//! first item `>= y`, in a sorted list), and the fast paths the `s#`
//! attribute allows: `x?y` ([`sorted_find`]) and `within` on an integral
//! sorted vector ([`sorted_within`]). Floats order with nulls first
//! (`fcmp`), as `asc` sorts them.

use crate::ops::compare::fcmp;
use crate::ops::grade::cmp_atoms;
use crate::ops::index::take_idx;
use crate::ops::make::atom_vec;
use qcore::Atom;
use qcore::Attr;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use std::cmp::Ordering;

// ---------------------------------------------------------------------------
// bin binr

/// Index of the last item `<= y` (`right`: first item `>= y`) in sorted
/// `xs`, by `cmp`.
pub(crate) fn search<T: Copy>(xs: &[T], y: T, right: bool, cmp: &impl Fn(T, T) -> Ordering) -> i64 {
    if right {
        xs.partition_point(|&a| cmp(a, y) == Ordering::Less) as i64
    } else {
        xs.partition_point(|&a| cmp(a, y) != Ordering::Greater) as i64 - 1
    }
}

pub(crate) fn search_all<T: Copy>(
    xs: &[T],
    ys: &[T],
    right: bool,
    cmp: impl Fn(T, T) -> Ordering,
) -> Vec<i64> {
    qcore::budget::map_stoppable(ys, -1, |&y| search(xs, y, right, &cmp))
}

pub(crate) fn bin_vec(x: &Vector, y: &Vector, right: bool) -> QResult<Vec<i64>> {
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

pub(crate) fn bin_value(x: &Value, y: &Value, right: bool) -> QResult<Value> {
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
            let cmp = |a: &Value| crate::ops::grade::cmp_values(a, y);
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

// ---------------------------------------------------------------------------
// Searches on sorted lists

pub(crate) fn lower_bound(v: &Vector, a: &Atom) -> usize {
    let (mut lo, mut hi) = (0, v.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if cmp_atoms(&v.get(mid), a) == Ordering::Less {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

pub(crate) fn upper_bound(v: &Vector, a: &Atom) -> usize {
    let (mut lo, mut hi) = (0, v.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if cmp_atoms(&v.get(mid), a) == Ordering::Greater {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

pub(crate) fn sorted_find_atom(v: &Vector, a: &Atom) -> i64 {
    let i = lower_bound(v, a);
    if i < v.len() && cmp_atoms(&v.get(i), a) == Ordering::Equal {
        i as i64
    } else {
        v.len() as i64
    }
}

/// `x?y` on a vector with the sorted attribute: binary search, the same
/// result as the hash search (first occurrence, `count x` when absent).
/// `None` when the probe is not of the vector's type.
pub fn sorted_find(x: &Vector, y: &Value) -> Option<Value> {
    if x.attr != Attr::Sorted || x.ty() == Ty::Guid {
        return None;
    }
    match y {
        Value::Atom(a) if a.ty() == x.ty() => Some(Value::long(sorted_find_atom(x, a))),
        Value::Vector(w) if w.ty() == x.ty() => {
            let idx: Vec<usize> = (0..w.len()).collect();
            let out = qcore::budget::map_stoppable(&idx, 0, |&i| sorted_find_atom(x, &w.get(i)));
            Some(Value::Vector(Vector::longs(out)))
        }
        _ => None,
    }
}

/// `x within (lo;hi)` on an integral vector with the sorted attribute and
/// atom bounds of its own type: two binary searches. `None` otherwise.
pub fn sorted_within(x: &Value, lo: &Value, hi: &Value) -> Option<Value> {
    let (Value::Vector(v), Value::Atom(l), Value::Atom(h)) = (x, lo, hi) else {
        return None;
    };
    let ty = v.ty();
    let integral = matches!(
        v.data(),
        qcore::VecData::I16(_) | qcore::VecData::I32(_) | qcore::VecData::I64(_)
    );
    if v.attr != Attr::Sorted || !integral || l.ty() != ty || h.ty() != ty {
        return None;
    }
    let a = lower_bound(v, l);
    let b = upper_bound(v, h).max(a);
    let mut out = vec![0u8; v.len()];
    out[a..b].iter_mut().for_each(|o| *o = 1);
    Some(Value::Vector(Vector::from_u8(Ty::Bool, out)))
}
