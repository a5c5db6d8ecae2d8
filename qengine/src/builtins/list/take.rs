//! Taking and dropping: `#` (`x#y` take — cyclic, from the end when
//! negative —; reshape `2 3#y`, `0N 3#y`; a symbol list takes columns of a
//! table or keys of a dictionary), `_` (`x_y` drop from the front or back,
//! remove a key; `i_y` with a vector of indexes cuts), `sublist` and
//! `cut`.

use crate::ops::index::slice;
use crate::ops::index::take_idx;
use crate::ops::join::concat;
use crate::ops::join::positions;
use crate::ops::make::as_list;
use crate::ops::make::atom_vec;
use crate::ops::make::int_atom;
use crate::ops::make::is_int_ty;
use qcore::Atom;
use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// # take

/// `x#y`: take `x` items (cyclically; from the end when negative); reshape
/// by a vector of counts; select keys of a dictionary or columns of a table.
pub fn take(x: Value, y: Value) -> QResult<Value> {
    match &x {
        // `s#y `u#y `p#y `g#y `#y: set attribute (env.rs)
        Value::Atom(Atom::Symbol(s)) if crate::builtins::meta::is_attr_name(*s) => {
            crate::builtins::meta::set_attribute(*s, y)
        }
        Value::Atom(Atom::Symbol(s)) => take_syms(&[*s], &y),
        Value::Vector(v) if v.ty() == Ty::Symbol => take_syms(v.as_sym().unwrap_or(&[]), &y),
        Value::Atom(a) => {
            let n = int_atom(a).ok_or_else(QError::type_)?;
            take_n(n, &y)
        }
        Value::Vector(v) if is_int_ty(v.ty()) => {
            let dims = v.to_i64_vec().ok_or_else(QError::type_)?;
            if dims.len() == 1 {
                return take_n(dims[0], &y);
            }
            reshape(&dims, &y)
        }
        Value::Table(t) => take_keys(t, &y),
        _ => Err(QError::type_()),
    }
}

/// `t#kt`: the rows of the keyed table `kt` whose keys are the rows of `t`,
/// keyed by `t` (ref/take "Keyed table"). A key not in `kt` gives a row of
/// nulls, as `kt t` does. `t` must have the key columns of `kt` (in any
/// order) and no others: `'mismatch` otherwise.
fn take_keys(t: &Arc<qcore::Table>, y: &Value) -> QResult<Value> {
    let Some((k, v)) = crate::builtins::table::keyed_parts(y) else {
        return Err(QError::type_());
    };
    if t.names.len() != k.names.len() || k.names.iter().any(|n| t.column(*n).is_none()) {
        return Err(QError::new("mismatch"));
    }
    let probe = qcore::Table {
        names: k.names.clone(),
        columns: k
            .names
            .iter()
            .map(|n| t.column(*n).cloned().unwrap_or(Value::Nil))
            .collect(),
    };
    let idx: Vec<i64> = positions(&Value::Table(k.clone()), &Value::Table(Arc::new(probe)))
        .into_iter()
        .map(|p| p.map_or(-1, |i| i as i64))
        .collect();
    Ok(Value::Dict(Arc::new(Dict {
        keys: Value::Table(t.clone()),
        values: take_idx(&Value::Table(v.clone()), &idx),
        sorted: false,
    })))
}

pub(crate) fn take_n(n: i64, y: &Value) -> QResult<Value> {
    if n == i64::MIN {
        return Ok(y.clone());
    }
    let m = n.unsigned_abs() as usize;
    // the result, and the index it is gathered by
    qcore::budget::check_items(m, y, 8)?;
    match y {
        Value::Atom(a) => Ok(take_idx(&Value::Vector(atom_vec(*a)), &vec![0; m])),
        // Taking from `()` gives empty lists: `2#()` is `(();())`, the
        // columns of `flip`a`b!2#()`.
        Value::List(l) if l.is_empty() => Ok(Value::list(vec![Value::list(vec![]); m])),
        Value::Vector(_) | Value::List(_) | Value::Table(_) | Value::Dict(_) => {
            let len = y.count();
            if len >= m {
                return Ok(if n >= 0 {
                    slice(y, 0, m)
                } else {
                    slice(y, len - m, len)
                });
            }
            let idx: Vec<i64> = if len == 0 {
                vec![-1; m]
            } else if n >= 0 {
                (0..m).map(|k| (k % len) as i64).collect()
            } else {
                let start = (len - m % len) % len;
                (0..m).map(|k| ((start + k) % len) as i64).collect()
            };
            Ok(take_idx(y, &idx))
        }
        other => Ok(Value::list(vec![other.clone(); m])),
    }
}

/// `2 3#y`, `0N 3#y`, `2 0N#y`, `2 2 3#y`.
pub(crate) fn reshape(dims: &[i64], y: &Value) -> QResult<Value> {
    let src = match y {
        Value::Atom(a) => Value::Vector(atom_vec(*a)),
        Value::Vector(_) | Value::List(_) => y.clone(),
        _ => return Err(QError::type_()),
    };
    let len = src.count();
    // an empty shape has no rank-0 reading in q (DECISIONS.md)
    if dims.is_empty() {
        return Err(QError::length());
    }
    if dims.iter().any(|&d| d < 0 && d != i64::MIN) {
        return Err(QError::domain());
    }
    let nulls = dims.iter().filter(|&&d| d == i64::MIN).count();
    if nulls > 0 {
        if dims.len() != 2 || nulls == 2 {
            return Err(QError::domain());
        }
        let (r, c) = (dims[0], dims[1]);
        let mut rows = Vec::new();
        if r == i64::MIN {
            let c = c as usize;
            if c == 0 {
                return Err(QError::domain());
            }
            let mut a = 0;
            while a < len {
                rows.push(slice(&src, a, a + c));
                a += c;
            }
        } else {
            let r = r as usize;
            let c = len.checked_div(r).unwrap_or(0);
            for i in 0..r {
                let end = if i + 1 == r { len } else { (i + 1) * c };
                rows.push(slice(&src, i * c, end));
            }
        }
        return Ok(Value::list(rows));
    }
    // A zero followed by a non-zero count has no representation.
    if let Some(z) = dims.iter().position(|&d| d == 0)
        && dims[z + 1..].iter().any(|&d| d != 0)
    {
        return Err(QError::domain());
    }
    let total = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
        .unwrap_or(usize::MAX);
    qcore::budget::check_items(total, &src, 8)?;
    let flat = if len == 0 && matches!(src, Value::List(_)) {
        Value::list(vec![Value::list(vec![]); total])
    } else if len == 0 {
        take_idx(&src, &vec![-1; total])
    } else {
        take_idx(
            &src,
            &(0..total).map(|k| (k % len) as i64).collect::<Vec<_>>(),
        )
    };
    Ok(build_shape(&flat, dims, 0))
}

pub(crate) fn build_shape(flat: &Value, dims: &[i64], offset: usize) -> Value {
    let d = dims[0] as usize;
    if dims.len() == 1 {
        return slice(flat, offset, offset + d);
    }
    let stride: usize = dims[1..].iter().map(|&x| x as usize).product();
    Value::list(
        (0..d)
            .map(|i| build_shape(flat, &dims[1..], offset + i * stride))
            .collect(),
    )
}

pub(crate) fn take_syms(names: &[Sym], y: &Value) -> QResult<Value> {
    match y {
        Value::Dict(d) => {
            let probe = Value::Vector(Vector::syms(names.to_vec()));
            let pos = positions(&d.keys, &probe);
            let idx: Vec<i64> = pos.iter().map(|p| p.map_or(-1, |i| i as i64)).collect();
            Ok(Value::dict(probe, take_idx(&d.values, &idx)))
        }
        Value::Table(t) => {
            let mut cols = Vec::with_capacity(names.len());
            for s in names {
                cols.push(
                    t.column(*s)
                        .cloned()
                        .ok_or_else(|| QError::new(s.as_str()).with_detail("no such column"))?,
                );
            }
            Ok(Value::table(names.to_vec(), cols))
        }
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// _ drop, cut

/// `x _ y`: drop `x` items from the front (back when negative); cut at
/// indexes; remove an item by index or entries by key; remove columns.
pub fn drop(x: Value, y: Value) -> QResult<Value> {
    match (&x, &y) {
        (Value::Atom(a), Value::Vector(_) | Value::List(_) | Value::Table(_) | Value::Dict(_))
            if int_atom(a).is_some() =>
        {
            let n = int_atom(a).unwrap_or(0);
            let len = y.count();
            let m = (n.unsigned_abs() as usize).min(len);
            Ok(if n >= 0 {
                slice(&y, m, len)
            } else {
                slice(&y, 0, len - m)
            })
        }
        (Value::Vector(v), Value::Table(t)) if v.ty() == Ty::Symbol => {
            let drop: Vec<Sym> = v.as_sym().unwrap_or(&[]).to_vec();
            let mut names = Vec::new();
            let mut cols = Vec::new();
            for (n, c) in t.names.iter().zip(&t.columns) {
                if !drop.contains(n) {
                    names.push(*n);
                    cols.push(c.clone());
                }
            }
            Ok(Value::table(names, cols))
        }
        (Value::Vector(_) | Value::List(_) | Value::Atom(_), Value::Dict(d)) => {
            let probe = as_list(x.clone());
            remove_keys(d, &probe)
        }
        (Value::Vector(v), Value::Vector(_) | Value::List(_) | Value::Table(_))
            if is_int_ty(v.ty()) =>
        {
            cut_at(&v.to_i64_vec().unwrap_or_default(), &y)
        }
        (Value::Dict(d), Value::Atom(_)) => remove_keys(d, &as_list(y.clone())),
        (Value::Vector(_) | Value::List(_), Value::Atom(a)) => {
            let i = int_atom(a).ok_or_else(QError::type_)?;
            let len = x.count() as i64;
            if i < 0 || i >= len {
                return Ok(x.clone());
            }
            let i = i as usize;
            let head = slice(&x, 0, i);
            let tail = slice(&x, i + 1, len as usize);
            Ok(match (head, tail) {
                (Value::Vector(a), Value::Vector(b)) => {
                    Value::Vector(concat(&a, &b).unwrap_or_else(|| Vector::empty(a.ty())))
                }
                (Value::List(a), Value::List(b)) => {
                    let mut items = Arc::unwrap_or_clone(a);
                    items.extend(b.iter().cloned());
                    Value::list(items)
                }
                (a, _) => a,
            })
        }
        _ => Err(QError::type_()),
    }
}

pub(crate) fn remove_keys(d: &Dict, probe: &Value) -> QResult<Value> {
    let pos = positions(probe, &d.keys);
    let keep: Vec<i64> = pos
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(i, _)| i as i64)
        .collect();
    Ok(Value::dict(
        take_idx(&d.keys, &keep),
        take_idx(&d.values, &keep),
    ))
}

pub(crate) fn cut_at(at: &[i64], y: &Value) -> QResult<Value> {
    let len = y.count() as i64;
    let mut prev = 0;
    for &i in at {
        if i < prev || i > len {
            return Err(QError::domain());
        }
        prev = i;
    }
    let mut out = Vec::with_capacity(at.len());
    for (k, &a) in at.iter().enumerate() {
        let b = at.get(k + 1).copied().unwrap_or(len);
        out.push(slice(y, a as usize, b as usize));
    }
    Ok(Value::list(out))
}

// ---------------------------------------------------------------------------
// sublist cut

/// `x sublist y`: up to x items from the front (back when negative), or
/// `x[1]` items from index `x[0]`; never more than y has.
pub fn sublist(x: Value, y: Value) -> QResult<Value> {
    if !matches!(
        y,
        Value::Vector(_) | Value::List(_) | Value::Dict(_) | Value::Table(_)
    ) {
        return Err(QError::type_());
    }
    let len = y.count();
    match &x {
        Value::Atom(a) => {
            let n = int_atom(a).ok_or_else(QError::type_)?;
            let m = (n.unsigned_abs() as usize).min(len);
            Ok(if n >= 0 {
                slice(&y, 0, m)
            } else {
                slice(&y, len - m, len)
            })
        }
        Value::Vector(v) if matches!(v.ty(), Ty::Short | Ty::Int | Ty::Long) => {
            let p = v.to_i64_vec().unwrap_or_default();
            if p.len() != 2 {
                return Err(QError::length());
            }
            let start = p[0].clamp(0, len as i64) as usize;
            let n = p[1].max(0) as usize;
            Ok(slice(&y, start, start.saturating_add(n)))
        }
        _ => Err(QError::type_()),
    }
}

/// `x cut y`: with an integer atom, y in pieces of x items; otherwise `_`.
pub fn cut(x: Value, y: Value) -> QResult<Value> {
    if let Value::Atom(a) = &x {
        let n = int_atom(a).ok_or_else(QError::type_)?;
        if n <= 0 {
            return Err(QError::domain());
        }
        if !matches!(y, Value::Vector(_) | Value::List(_) | Value::Table(_)) {
            return Err(QError::type_());
        }
        let len = y.count() as i64;
        let idx: Vec<i64> = (0..len).step_by(n as usize).collect();
        return drop(Value::Vector(Vector::longs(idx)), y);
    }
    drop(x, y)
}
