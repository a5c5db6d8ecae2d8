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
use qcore::Sym;
use qcore::Table;
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
        (Value::List(_), Value::List(ys)) => {
            // a list of probes, each an item of x's kind (strings)
            let mut out = Vec::with_capacity(ys.len());
            for y in ys.iter() {
                out.push(
                    bin_value(x, y, right)?
                        .as_atom()
                        .map_or(-1, |a| a.to_i64().unwrap_or(-1)),
                );
            }
            Ok(Value::Vector(Vector::longs(out)))
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
        (Value::Dict(d), y) if matches!(d.values, Value::Table(_)) => {
            let r = bin_value(&d.values, y, right)?;
            let idx: Vec<i64> = match &r {
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
        (Value::Table(t), _) => bin_table(t, y, right),
        (Value::Atom(_), _) => Err(QError::type_()),
        _ => Err(QError::type_()),
    }
}

/// `t bin y` for a table: `y` (a dictionary: one row, or a table) names
/// columns of `t`; all but its last must match a row of `t` exactly, and the
/// last is searched among the rows of that group (sorted on it, as `aj`
/// wants them). Rows with no match, or below the group's first, are `0N`.
fn bin_table(t: &Table, y: &Value, right: bool) -> QResult<Value> {
    let (u, atom) = match y {
        Value::Dict(_) => (crate::ops::make::enlist1(y.clone()), true),
        Value::Table(_) => (y.clone(), false),
        _ => return Err(QError::type_()),
    };
    let Value::Table(u) = u else {
        return Err(QError::type_());
    };
    let (names, ycols) = (u.names.clone(), u.columns.clone());
    let Some((&last, lead)) = names.split_last() else {
        return Err(QError::length());
    };
    let col = |n: &Sym| t.column(*n).cloned().ok_or_else(QError::length);
    let xlast = col(&last)?;
    let ylast = ycols.last().cloned().ok_or_else(QError::length)?;
    let ny = ylast.count();
    // groups of t's rows by the leading columns, and each y row's group
    let (groups, ygroup): (Vec<Vec<i64>>, Vec<Option<usize>>) = if lead.is_empty() {
        (vec![(0..t.len() as i64).collect()], vec![Some(0); ny])
    } else {
        let xl = Table {
            names: lead.to_vec(),
            columns: lead.iter().map(col).collect::<QResult<_>>()?,
        };
        let (keys, groups) =
            crate::ops::group::group_parts(&Value::Table(std::sync::Arc::new(xl)))?;
        let yl = Table {
            names: lead.to_vec(),
            columns: ycols[..lead.len()].to_vec(),
        };
        let Value::Table(k) = keys else {
            return Err(QError::type_());
        };
        let pos = crate::ops::hash::table_positions(&k, &yl).unwrap_or_else(|| vec![None; ny]);
        (groups, pos)
    };
    let mut out = Vec::with_capacity(ny);
    for (i, g) in ygroup.iter().enumerate() {
        let r = match (g, ylast.item(i)) {
            (Some(g), Some(yv)) => {
                let rows = &groups[*g];
                let cmp = |&r: &i64| {
                    let xv = xlast.item(r as usize).unwrap_or(Value::Nil);
                    crate::ops::grade::cmp_values(&xv, &yv)
                };
                let p = if right {
                    rows.partition_point(|r| cmp(r) == Ordering::Less)
                } else {
                    rows.partition_point(|r| cmp(r) != Ordering::Greater)
                        .wrapping_sub(1)
                };
                rows.get(p).copied().unwrap_or(i64::MIN)
            }
            _ => i64::MIN,
        };
        out.push(r);
    }
    Ok(if atom {
        Value::long(out.first().copied().unwrap_or(i64::MIN))
    } else {
        Value::Vector(Vector::longs(out))
    })
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
