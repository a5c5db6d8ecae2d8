//! q's conformance rules for atomic functions, written once: an atom with
//! anything broadcasts, lists pair item by item (`'length` when counts
//! differ), dictionaries align on keys, tables work column by column, and
//! general lists recurse ([`atomic_dyad`], [`atomic_monad`]). A kernel
//! passed in sees only atoms and typed vectors, which is what every
//! arithmetic, comparison and logic kernel in `ops/` is written for.

use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Table;
use qcore::Value;
use qcore::Vector;
use std::sync::Arc;

/// Applies an atomic dyadic kernel with q's conformance rules:
/// atom with anything broadcasts, lists pair item by item (`'length` when
/// counts differ), dictionaries align on keys, tables work column-wise.
/// `kernel` is called only with atoms and typed vectors.
pub fn atomic_dyad(
    x: Value,
    y: Value,
    kernel: &mut dyn FnMut(Value, Value) -> QResult<Value>,
) -> QResult<Value> {
    match (x, y) {
        (x @ (Value::Atom(_) | Value::Vector(_)), y @ (Value::Atom(_) | Value::Vector(_))) => {
            kernel(x, y)
        }
        (Value::Dict(a), Value::Dict(b)) => dict_dict(a, b, kernel),
        (Value::Dict(d), y) => {
            let vals = atomic_dyad(d.values.clone(), y, kernel)?;
            Ok(Value::Dict(Arc::new(Dict {
                keys: d.keys.clone(),
                values: vals,
                sorted: d.sorted,
            })))
        }
        (x, Value::Dict(d)) => {
            let vals = atomic_dyad(x, d.values.clone(), kernel)?;
            Ok(Value::Dict(Arc::new(Dict {
                keys: d.keys.clone(),
                values: vals,
                sorted: d.sorted,
            })))
        }
        (Value::Table(t), y) => {
            let y_is_table = matches!(y, Value::Table(_));
            let mut cols = Vec::with_capacity(t.columns.len());
            for (i, c) in t.columns.iter().enumerate() {
                let yc = match &y {
                    Value::Table(u) => u.columns.get(i).cloned().ok_or_else(QError::length)?,
                    other => other.clone(),
                };
                cols.push(atomic_dyad(c.clone(), yc, kernel)?);
            }
            let _ = y_is_table;
            Ok(Value::Table(Arc::new(Table {
                names: t.names.clone(),
                columns: cols,
            })))
        }
        (x, Value::Table(t)) => {
            let mut cols = Vec::with_capacity(t.columns.len());
            for c in t.columns.iter() {
                cols.push(atomic_dyad(x.clone(), c.clone(), kernel)?);
            }
            Ok(Value::Table(Arc::new(Table {
                names: t.names.clone(),
                columns: cols,
            })))
        }
        (x, y) => {
            let xl = x.is_list();
            let yl = y.is_list();
            if xl && yl {
                if x.count() != y.count() {
                    return Err(QError::length());
                }
                let xs = x.items();
                let ys = y.items();
                let mut out = Vec::with_capacity(xs.len());
                for (a, b) in xs.into_iter().zip(ys) {
                    out.push(atomic_dyad(a, b, kernel)?);
                }
                Ok(Value::from_items(out))
            } else if xl {
                let mut out = Vec::with_capacity(x.count());
                for a in x.items() {
                    out.push(atomic_dyad(a, y.clone(), kernel)?);
                }
                Ok(Value::from_items(out))
            } else if yl {
                let mut out = Vec::with_capacity(y.count());
                for b in y.items() {
                    out.push(atomic_dyad(x.clone(), b, kernel)?);
                }
                Ok(Value::from_items(out))
            } else {
                Err(QError::type_())
            }
        }
    }
}

pub(crate) fn dict_dict(
    a: Arc<Dict>,
    b: Arc<Dict>,
    kernel: &mut dyn FnMut(Value, Value) -> QResult<Value>,
) -> QResult<Value> {
    dict_dict_with(a, b, kernel, None)
}

/// [`dict_dict`] where the values of keys only the right side has go
/// through `right_only` (q's `d-e` negates them: `0-y`).
pub fn dict_dict_with(
    a: Arc<Dict>,
    b: Arc<Dict>,
    kernel: &mut dyn FnMut(Value, Value) -> QResult<Value>,
    right_only: Option<&dyn Fn(Value) -> QResult<Value>>,
) -> QResult<Value> {
    // Union of keys in order of a then new keys of b; common keys combine,
    // others keep their value. Keys are matched by hash (table keys of a
    // keyed table by row), values combined for all common keys at once.
    let pos = crate::ops::join::positions(&b.keys, &a.keys);
    let common_a: Vec<i64> = (0..pos.len())
        .filter(|&i| pos[i].is_some())
        .map(|i| i as i64)
        .collect();
    let common_b: Vec<i64> = pos.iter().filter_map(|p| p.map(|j| j as i64)).collect();
    let in_a = crate::ops::join::positions(&a.keys, &b.keys);
    let new_b: Vec<i64> = (0..in_a.len())
        .filter(|&j| in_a[j].is_none())
        .map(|j| j as i64)
        .collect();
    let combined = atomic_dyad(
        crate::ops::index::take_idx(&a.values, &common_a),
        crate::ops::index::take_idx(&b.values, &common_b),
        kernel,
    )?;
    let na = a.values.count() as i64;
    let nc = common_a.len() as i64;
    let mut idx: Vec<i64> = (0..na).collect();
    for (k, &i) in common_a.iter().enumerate() {
        idx[i as usize] = na + k as i64;
    }
    idx.extend((0..new_b.len() as i64).map(|k| na + nc + k));
    let all = crate::ops::join::join_values(
        crate::ops::join::join_values(a.values.clone(), combined)?,
        match right_only {
            Some(f) if !new_b.is_empty() => f(crate::ops::index::take_idx(&b.values, &new_b))?,
            _ => crate::ops::index::take_idx(&b.values, &new_b),
        },
    )?;
    let mut values = crate::ops::index::take_idx(&all, &idx);
    if let Value::List(l) = &values {
        values = Value::from_items(l.as_ref().clone());
    }
    let keys = crate::ops::join::join_values(
        a.keys.clone(),
        crate::ops::index::take_idx(&b.keys, &new_b),
    )?;
    Ok(Value::Dict(Arc::new(Dict {
        keys,
        values,
        sorted: false,
    })))
}

/// Applies an atomic monadic kernel through general lists, dictionaries and
/// tables; `kernel` sees atoms and typed vectors only.
pub fn atomic_monad(x: Value, kernel: &mut dyn FnMut(Value) -> QResult<Value>) -> QResult<Value> {
    match x {
        x @ (Value::Atom(_) | Value::Vector(_)) => kernel(x),
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for a in l.iter() {
                out.push(atomic_monad(a.clone(), kernel)?);
            }
            Ok(Value::from_items(out))
        }
        Value::Dict(d) => {
            let vals = atomic_monad(d.values.clone(), kernel)?;
            Ok(Value::Dict(Arc::new(Dict {
                keys: d.keys.clone(),
                values: vals,
                sorted: d.sorted,
            })))
        }
        Value::Table(t) => {
            let mut cols = Vec::with_capacity(t.columns.len());
            for c in t.columns.iter() {
                cols.push(atomic_monad(c.clone(), kernel)?);
            }
            Ok(Value::Table(Arc::new(Table {
                names: t.names.clone(),
                columns: cols,
            })))
        }
        _ => Err(QError::type_()),
    }
}

/// An empty vector value of the given type (helper for kernels).
pub fn empty_of(ty: qcore::Ty) -> Value {
    Value::Vector(Vector::empty(ty))
}
