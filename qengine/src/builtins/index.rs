//! Indexing and amending, the machinery behind `x[i]`, `x[i;j;..]`, `x i`,
//! `@`/`.` with a non-function left argument, and every amend: `x[i]:v`,
//! `x[i]+:v`, `@[x;i;f;y]`, `.[x;path;f;y]`, `x,:y`. Lists, dictionaries
//! (lookup by key, `find_key`), tables (rows by number, columns by name)
//! and keyed tables are each handled here; an elided index or `::`
//! selects everything, and a general-list index keeps its shape.
//!
//! [`amend_in_place`] and [`append_in_place`] are the fast paths the
//! evaluator takes when the global is a typed vector it holds the only
//! reference to; they return `None` to fall back to the copying amend,
//! which must give the same value.

use crate::builtins::apply::apply;
use crate::ops::index::gather;
use crate::ops::index::int_index;
use crate::ops::index::int_indices;
use crate::ops::index::null_item_of;
use crate::ops::index::table_row;
use crate::ops::index::value_at;
use crate::ops::make::atom_vec;
use crate::state::Interp;
use qcore::Atom;
use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecBuilder;
use qcore::Vector;
use std::sync::Arc;

/// `x[a;b;c]`: index at depth. An elided or `::` index selects everything.
pub fn index_at_depth(it: &mut Interp, x: &Value, args: &[Value]) -> QResult<Value> {
    let Some((first, rest)) = args.split_first() else {
        return Ok(x.clone());
    };
    if rest.is_empty() {
        return index(it, x, first);
    }
    if let Value::Table(_) = x {
        // t[rows;cols]; `t[1;]` is the row itself (a dictionary)
        let rows = index(it, x, first)?;
        if rest.iter().all(|r| matches!(r, Value::Nil)) {
            return Ok(rows);
        }
        return index_at_depth(it, &rows, rest);
    }
    match first {
        Value::Nil => {
            let items = x.items_of_list()?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(index_at_depth(it, &item, rest)?);
            }
            Ok(Value::from_items(out))
        }
        Value::Atom(_) => {
            let item = index(it, x, first)?;
            index_at_depth(it, &item, rest)
        }
        _ => {
            let mut out = Vec::with_capacity(first.count());
            for i in first.items() {
                let item = index(it, x, &i)?;
                out.push(index_at_depth(it, &item, rest)?);
            }
            Ok(Value::from_items(out))
        }
    }
}

/// `x i` for one index value.
pub fn index(it: &mut Interp, x: &Value, i: &Value) -> QResult<Value> {
    match x {
        Value::Vector(v) => match i {
            Value::Nil => Ok(x.clone()),
            Value::Atom(a) => {
                let k = int_index(a)?;
                // an enumeration's item is an enumerated atom
                Ok(Value::Atom(v.at_or_null(k)))
            }
            Value::Vector(iv) => {
                let idx = int_indices(iv)?;
                Ok(Value::Vector(gather(v, &idx)))
            }
            Value::Dict(d) => {
                let vals = index(it, x, &d.values)?;
                Ok(Value::Dict(Arc::new(Dict {
                    keys: d.keys.clone(),
                    values: vals,
                    sorted: d.sorted,
                })))
            }
            _ => map_index(it, x, i),
        },
        Value::List(l) => match i {
            Value::Nil => Ok(x.clone()),
            Value::Atom(a) => {
                let k = int_index(a)?;
                Ok(if k >= 0 && (k as usize) < l.len() {
                    l[k as usize].clone()
                } else {
                    null_item_of(x)
                })
            }
            Value::Vector(iv) => {
                let idx = int_indices(iv)?;
                let out: Vec<Value> = idx
                    .iter()
                    .map(|&k| {
                        if k >= 0 && (k as usize) < l.len() {
                            l[k as usize].clone()
                        } else {
                            null_item_of(x)
                        }
                    })
                    .collect();
                Ok(Value::from_items(out))
            }
            _ => map_index(it, x, i),
        },
        Value::Dict(d) => dict_lookup(it, d, i),
        Value::Table(t) => table_index(it, t, i),
        Value::Func(_) => apply(it, x, vec![i.clone()]),
        // `(::)` applied is the identity: `(::)1` is 1
        Value::Nil => Ok(i.clone()),
        Value::Atom(_) => match i {
            Value::Nil => Ok(x.clone()),
            _ => Err(QError::type_().with_detail("cannot index an atom")),
        },
    }
}

/// Index with each item of a general-list index, keeping its shape.
pub(crate) fn map_index(it: &mut Interp, x: &Value, i: &Value) -> QResult<Value> {
    match i {
        Value::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for j in items.iter() {
                out.push(index(it, x, j)?);
            }
            Ok(Value::from_items(out))
        }
        Value::Dict(d) => {
            let vals = index(it, x, &d.values)?;
            Ok(Value::Dict(Arc::new(Dict {
                keys: d.keys.clone(),
                values: vals,
                sorted: d.sorted,
            })))
        }
        _ => Err(QError::type_().with_detail("index must be an integer")),
    }
}

/// Position of each item of `keys` that equals `k` (first match).
pub fn find_key(keys: &Value, k: &Value) -> Option<usize> {
    match (keys, k) {
        (Value::Vector(kv), Value::Atom(a)) => {
            if kv.ty() != a.ty() {
                return None;
            }
            (0..kv.len()).find(|&i| crate::ops::compare::atoms_match(&kv.get(i), a))
        }
        (Value::List(l), _) => l
            .iter()
            .position(|x| crate::ops::compare::values_match(x, k)),
        (Value::Table(t), Value::Dict(d)) => {
            // keyed-table lookup by a key row dictionary
            let n = t.len();
            (0..n).find(|&i| {
                let row = table_row(t, i);
                if let Value::Dict(r) = row {
                    crate::ops::compare::values_match(&r.values, &d.values)
                } else {
                    false
                }
            })
        }
        (Value::Table(t), other) if t.columns.len() == 1 => find_key(&t.columns[0], other),
        (Value::Table(t), Value::List(_) | Value::Vector(_)) if t.columns.len() == k.count() => {
            // multi-column key given as a list of its fields: `kt (`a;1)`
            let fields = k.items();
            (0..t.len()).find(|&i| {
                t.columns.iter().zip(&fields).all(|(c, f)| {
                    crate::ops::compare::values_match(&c.item(i).unwrap_or(Value::Nil), f)
                })
            })
        }
        _ => None,
    }
}

pub(crate) fn dict_lookup(it: &mut Interp, d: &Dict, k: &Value) -> QResult<Value> {
    if matches!(k, Value::Nil) {
        return Ok(d.values.clone());
    }
    // a step dictionary (`s#` keys) maps a key to the value of the last
    // key not above it: `` (`s#0 4 9!`a`b`c) 5 `` is `` `b ``
    if d.sorted
        && let Value::Vector(kv) = &d.keys
        && match k {
            Value::Atom(a) => a.ty() == kv.ty(),
            Value::Vector(v) => v.ty() == kv.ty(),
            _ => false,
        }
        && let Ok(pos) = crate::ops::search::bin_value(&d.keys, k, false)
    {
        return Ok(match pos {
            Value::Atom(a) => {
                let i = a.to_i64().unwrap_or(-1);
                if i < 0 {
                    null_item_of(&d.values)
                } else {
                    value_at(&d.values, i as usize)
                }
            }
            Value::Vector(v) => crate::ops::index::take_idx(&d.values, v.as_i64().unwrap_or(&[])),
            _ => return Err(QError::type_()),
        });
    }
    let scalar_key = match (&d.keys, k) {
        (Value::Vector(_), Value::Atom(_)) => true,
        (Value::List(_), _) => true,
        (Value::Table(_), Value::Dict(_)) => true,
        (Value::Table(t), Value::Atom(_)) => t.columns.len() == 1,
        (Value::Table(t), Value::List(_) | Value::Vector(_)) => {
            t.columns.len() > 1
                && k.count() == t.columns.len()
                && k.items().iter().all(|f| f.is_atomic())
        }
        _ => false,
    };
    if scalar_key {
        if let Value::List(_) = &d.keys
            && k.is_list()
            && find_key(&d.keys, k).is_none()
        {
            // a list of keys into a general-key dict
            return map_keys(it, d, k);
        }
        return Ok(match find_key(&d.keys, k) {
            Some(i) => value_at(&d.values, i),
            None => null_item_of(&d.values),
        });
    }
    map_keys(it, d, k)
}

pub(crate) fn map_keys(it: &mut Interp, d: &Dict, k: &Value) -> QResult<Value> {
    // a typed vector of keys into a dict of typed vectors (`exnames ex`
    // as a by key): one hashed lookup per item, the values gathered. The
    // same as looking each key up (a missing key: the values' typed
    // null); floats and enumerations take the general path.
    if let (Value::Vector(kv), Value::Vector(pv), Value::Vector(vv)) = (&d.keys, k, &d.values)
        && kv.ty() == pv.ty()
        && !matches!(kv.ty(), Ty::Real | Ty::Float)
        && kv.domain().is_none()
        && pv.domain().is_none()
        && vv.domain().is_none()
        && kv.len() == vv.len()
    {
        let at = crate::ops::join::positions(&d.keys, k);
        let idx: Vec<i64> = crate::ops::par::map(&at, |p| p.map_or(-1, |i| i as i64));
        return Ok(crate::ops::index::take_idx(&d.values, &idx));
    }
    match k {
        Value::Vector(_) | Value::List(_) => {
            let mut out = Vec::with_capacity(k.count());
            for key in k.items() {
                out.push(dict_lookup(it, d, &key)?);
            }
            if let Value::Table(_) = d.values {
                return crate::ops::make::table_from_rows(out);
            }
            Ok(Value::from_items(out))
        }
        Value::Table(t) => {
            let mut out = Vec::with_capacity(t.len());
            for i in 0..t.len() {
                out.push(dict_lookup(it, d, &table_row(t, i))?);
            }
            crate::ops::make::table_from_rows(out)
        }
        _ => Ok(null_item_of(&d.values)),
    }
}

pub(crate) fn table_index(it: &mut Interp, t: &Arc<Table>, i: &Value) -> QResult<Value> {
    match i {
        Value::Nil => Ok(Value::Table(t.clone())),
        Value::Atom(Atom::Symbol(s)) => t
            .column(*s)
            .cloned()
            .ok_or_else(|| QError::new(s.as_str()).with_detail("no such column")),
        Value::Atom(a) => {
            let k = int_index(a)?;
            if k >= 0 && (k as usize) < t.len() {
                Ok(table_row(t, k as usize))
            } else {
                Ok(null_item_of(&Value::Table(t.clone())))
            }
        }
        Value::Vector(v) if v.ty() == Ty::Symbol => {
            let mut cols = Vec::new();
            for s in v.as_sym().unwrap_or(&[]) {
                cols.push(
                    t.column(*s)
                        .cloned()
                        .ok_or_else(|| QError::new(s.as_str()).with_detail("no such column"))?,
                );
            }
            Ok(Value::list(cols))
        }
        Value::Vector(v) => {
            let idx = int_indices(v)?;
            let mut cols = Vec::with_capacity(t.columns.len());
            for c in &t.columns {
                cols.push(index(it, c, &Value::Vector(v.clone()))?);
            }
            let _ = idx;
            Ok(Value::Table(Arc::new(Table {
                names: t.names.clone(),
                columns: cols,
            })))
        }
        _ => Err(QError::type_()),
    }
}

/// `x[i;j;...]:v` or with modifier `f`: the amended value.
pub fn amend_at(
    it: &mut Interp,
    x: Value,
    path: &[Value],
    f: Option<&Value>,
    v: Value,
) -> QResult<Value> {
    amend_deep(it, x, path, f, Some(v))
}

/// Amend at depth: `.[x;path;f;y]`; `y = None` applies `f` monadically.
pub fn amend_deep(
    it: &mut Interp,
    x: Value,
    path: &[Value],
    f: Option<&Value>,
    y: Option<Value>,
) -> QResult<Value> {
    let Some((first, rest)) = path.split_first() else {
        return combine(it, x, f, y);
    };
    if rest.is_empty() {
        return amend(it, x, first, f, y);
    }
    // Descend: for each index in `first`, amend the item at the rest of
    // the path with the corresponding part of y.
    let idxs: Vec<Value> = match first {
        Value::Nil => (0..x.count() as i64).map(Value::long).collect(),
        Value::Atom(_) => vec![first.clone()],
        other => other.items(),
    };
    let scalar = matches!(first, Value::Atom(_));
    let mut cur = x;
    for (n, i) in idxs.iter().enumerate() {
        let item = index(it, &cur, i)?;
        let part = match &y {
            Some(yv) if !scalar && yv.is_list() => {
                if yv.count() != idxs.len() {
                    return Err(QError::length());
                }
                Some(yv.item(n).unwrap_or(Value::Nil))
            }
            other => other.clone(),
        };
        let new = amend_deep(it, item, rest, f, part)?;
        cur = amend(it, cur, i, None, Some(new))?;
    }
    Ok(cur)
}

pub(crate) fn combine(
    it: &mut Interp,
    old: Value,
    f: Option<&Value>,
    y: Option<Value>,
) -> QResult<Value> {
    match (f, y) {
        (Some(f), Some(y)) => apply(it, f, vec![old, y]),
        (Some(f), None) => apply(it, f, vec![old]),
        (None, Some(y)) => Ok(y),
        (None, None) => Ok(old),
    }
}

/// One-level amend: `@[x;i;f;y]` (with `f = None` meaning assignment).
pub fn amend(
    it: &mut Interp,
    x: Value,
    i: &Value,
    f: Option<&Value>,
    y: Option<Value>,
) -> QResult<Value> {
    match x {
        Value::Dict(d) => amend_dict(it, d, i, f, y),
        Value::Table(t) => amend_table(it, t, i, f, y),
        Value::Vector(_) | Value::List(_) => {
            let n = x.count();
            let positions: Vec<i64> = match i {
                Value::Nil => (0..n as i64).collect(),
                Value::Atom(a) => vec![int_index(a)?],
                Value::Vector(iv) => int_indices(iv)?,
                Value::List(l) => {
                    // nested index lists: amend each with the matching y item
                    let mut cur = x;
                    for (k, j) in l.iter().enumerate() {
                        let part = match &y {
                            Some(yv) if yv.is_list() => {
                                if yv.count() != l.len() {
                                    return Err(QError::length());
                                }
                                Some(yv.item(k).unwrap_or(Value::Nil))
                            }
                            other => other.clone(),
                        };
                        cur = amend(it, cur, j, f, part)?;
                    }
                    return Ok(cur);
                }
                _ => return Err(QError::type_()),
            };
            for &p in &positions {
                if p < 0 || p as usize >= n {
                    // q: an atom index out of range is 'index, a list of
                    // indices with one out of range is 'length
                    let e = if matches!(i, Value::Atom(_)) {
                        QError::index()
                    } else {
                        QError::length()
                    };
                    return Err(e.with_detail("amend index out of range"));
                }
            }
            let scalar_index = matches!(i, Value::Atom(_));
            let ys: Option<Vec<Value>> = match &y {
                Some(yv) if !scalar_index && yv.is_list() => {
                    if yv.count() != positions.len() {
                        return Err(QError::length());
                    }
                    Some(yv.items())
                }
                _ => None,
            };
            // Fast path: typed vector, plain assignment of same-typed atoms.
            if let (Value::Vector(v), None) = (&x, f) {
                let vty = v.ty();
                let yall_same = match (&y, &ys) {
                    (_, Some(items)) => items
                        .iter()
                        .all(|a| matches!(a, Value::Atom(at) if at.ty() == vty)),
                    (Some(Value::Atom(a)), None) => a.ty() == vty,
                    _ => false,
                };
                if yall_same {
                    let mut v = match x {
                        Value::Vector(v) => v,
                        _ => unreachable!("matched above"),
                    };
                    for (k, &p) in positions.iter().enumerate() {
                        let a = match (&ys, &y) {
                            (Some(items), _) => *items[k].as_atom().ok_or_else(QError::type_)?,
                            (None, Some(Value::Atom(a))) => *a,
                            _ => return Err(QError::type_()),
                        };
                        set_atom(&mut v, p as usize, a);
                    }
                    return Ok(Value::Vector(v));
                }
            }
            let was_vector = matches!(x, Value::Vector(_));
            let vty = if let Value::Vector(v) = &x {
                Some(v.ty())
            } else {
                None
            };
            let mut items = x.items();
            for (k, &p) in positions.iter().enumerate() {
                let yk = match (&ys, &y) {
                    (Some(items), _) => Some(items[k].clone()),
                    (None, other) => other.clone(),
                };
                let old = std::mem::replace(&mut items[p as usize], Value::Nil);
                items[p as usize] = combine(it, old, f, yk)?;
            }
            if was_vector {
                // q keeps a typed vector typed: a result of another type is an error
                let ty = vty.unwrap_or(Ty::Long);
                if items
                    .iter()
                    .all(|a| matches!(a, Value::Atom(at) if at.ty() == ty))
                {
                    let mut b = VecBuilder::new(ty, items.len());
                    for a in &items {
                        if let Value::Atom(at) = a {
                            b.push(*at);
                        }
                    }
                    return Ok(Value::Vector(b.finish()));
                }
                return Err(QError::type_().with_detail("amend would change the vector's type"));
            }
            Ok(Value::from_items(items))
        }
        Value::Nil if matches!(i, Value::Atom(Atom::Symbol(_))) => {
            // assigning into an undefined name's key: start a dictionary
            let d = Arc::new(Dict {
                keys: Value::Vector(Vector::empty(Ty::Symbol)),
                values: Value::list(vec![]),
                sorted: false,
            });
            amend_dict(it, d, i, f, y)
        }
        _ => Err(QError::type_()),
    }
}

pub(crate) fn set_atom(v: &mut Vector, p: usize, a: Atom) {
    v.data_mut().set_atom(p, a);
}

pub(crate) fn amend_dict(
    it: &mut Interp,
    d: Arc<Dict>,
    i: &Value,
    f: Option<&Value>,
    y: Option<Value>,
) -> QResult<Value> {
    // `` cols!`t `` (flip splayed) has no items to amend
    if let Value::Atom(_) = d.values {
        return Err(QError::type_());
    }
    let keys_list: Vec<Value> = match (i, &d.keys) {
        (Value::Nil, _) => d.keys.items(),
        (Value::Atom(_), _) => vec![i.clone()],
        (Value::Dict(_), Value::Table(_)) => vec![i.clone()],
        (other, Value::List(_)) if find_key(&d.keys, other).is_some() => vec![i.clone()],
        (other, _) => other.items(),
    };
    let scalar = keys_list.len() == 1 && !i.is_list();
    let ys: Option<Vec<Value>> = match &y {
        Some(yv) if !scalar && yv.is_list() => {
            if yv.count() != keys_list.len() {
                return Err(QError::length());
            }
            Some(yv.items())
        }
        _ => None,
    };
    let mut keys = d.keys.items();
    let mut vals = d.values.items();
    for (k, key) in keys_list.iter().enumerate() {
        let yk = match (&ys, &y) {
            (Some(items), _) => Some(items[k].clone()),
            (None, other) => other.clone(),
        };
        let pos = keys
            .iter()
            .position(|x| crate::ops::compare::values_match(x, key));
        match pos {
            Some(p) => {
                let old = std::mem::replace(&mut vals[p], Value::Nil);
                vals[p] = combine(it, old, f, yk)?;
            }
            None => {
                let old = null_item_of(&d.values);
                let new = combine(it, old, f, yk)?;
                keys.push(key.clone());
                vals.push(new);
            }
        }
    }
    let keys_v = if let Value::Vector(kv) = &d.keys {
        let ty = kv.ty();
        if keys
            .iter()
            .all(|k| matches!(k, Value::Atom(a) if a.ty() == ty))
        {
            Value::from_items(keys)
        } else {
            Value::list(keys)
        }
    } else {
        Value::from_items(keys)
    };
    let vals_v = match &d.values {
        Value::Vector(vv) => {
            let ty = vv.ty();
            if vals
                .iter()
                .all(|v| matches!(v, Value::Atom(a) if a.ty() == ty))
            {
                Value::from_items(vals)
            } else {
                Value::list(vals)
            }
        }
        _ => Value::from_items(vals),
    };
    Ok(Value::Dict(Arc::new(Dict {
        keys: keys_v,
        values: vals_v,
        sorted: d.sorted,
    })))
}

pub(crate) fn amend_table(
    it: &mut Interp,
    t: Arc<Table>,
    i: &Value,
    f: Option<&Value>,
    y: Option<Value>,
) -> QResult<Value> {
    match i {
        Value::Atom(Atom::Symbol(s)) => {
            let mut t = Arc::unwrap_or_clone(t);
            let pos = t.names.iter().position(|n| n == s);
            let old = pos.map(|p| t.columns[p].clone()).unwrap_or(Value::Nil);
            let new = combine(it, old, f, y)?;
            if !t.columns.is_empty() && new.count() != t.len() {
                return Err(QError::length());
            }
            match pos {
                Some(p) => t.columns[p] = new,
                None => {
                    t.names.push(*s);
                    t.columns.push(new);
                }
            }
            Ok(Value::Table(Arc::new(t)))
        }
        // columns, each with its part of y
        Value::Vector(v) if v.ty() == Ty::Symbol => {
            let names = v.as_sym().unwrap_or(&[]).to_vec();
            let ys = spread(&y, names.len())?;
            let mut cur = t;
            for (k, s) in names.iter().enumerate() {
                let yk = part_of(&ys, &y, k);
                cur = match amend_table(it, cur, &Value::Atom(Atom::Symbol(*s)), f, yk)? {
                    Value::Table(x) => x,
                    _ => return Err(QError::type_()),
                };
            }
            Ok(Value::Table(cur))
        }
        _ => amend_rows(it, t, i, f, y),
    }
}

/// The items of `y` when it is a list to pair with `n` indexes (its count
/// must be `n`), `None` when one `y` goes with every index.
fn spread(y: &Option<Value>, n: usize) -> QResult<Option<Vec<Value>>> {
    match y {
        // a table is the list of its rows
        Some(yv @ Value::Table(_)) => {
            if yv.count() != n {
                return Err(QError::length());
            }
            Ok(Some(yv.items_of_list()?))
        }
        Some(yv) if yv.is_list() => {
            if yv.count() != n {
                return Err(QError::length());
            }
            Ok(Some(yv.items()))
        }
        _ => Ok(None),
    }
}

/// What goes with the `k`-th index: item `k` of the [`spread`] parts, or
/// the one `y` when it was not spread.
fn part_of(ys: &Option<Vec<Value>>, y: &Option<Value>, k: usize) -> Option<Value> {
    ys.as_ref()
        .map_or_else(|| y.clone(), |p| Some(p[k].clone()))
}

/// `@[t;i;f;y]` with row indexes: each row (a dictionary) is amended as an
/// item of the list of rows, then written back column by column, so a
/// column keeps its type (`'type` otherwise, as for a vector). A new row
/// must have the table's columns as its keys, in order: `'mismatch`.
fn amend_rows(
    it: &mut Interp,
    t: Arc<Table>,
    i: &Value,
    f: Option<&Value>,
    y: Option<Value>,
) -> QResult<Value> {
    let n = t.len();
    let (positions, scalar): (Vec<i64>, bool) = match i {
        Value::Nil => ((0..n as i64).collect(), false),
        Value::Atom(a) => (vec![int_index(a)?], true),
        Value::Vector(iv) => (int_indices(iv)?, false),
        Value::List(l) if l.is_empty() => (Vec::new(), false),
        _ => return Err(QError::type_()),
    };
    if positions.iter().any(|&p| p < 0 || p as usize >= n) {
        let e = if scalar {
            QError::index()
        } else {
            QError::length()
        };
        return Err(e.with_detail("amend index out of range"));
    }
    let ys = if scalar {
        None
    } else {
        spread(&y, positions.len())?
    };
    // a repeated index sees the row as amended by its earlier occurrence
    let mut seen = std::collections::HashSet::new();
    if !positions.iter().all(|p| seen.insert(*p)) {
        let mut cur = Value::Table(t);
        for (k, &p) in positions.iter().enumerate() {
            let yk = part_of(&ys, &y, k);
            cur = match cur {
                Value::Table(x) => amend_rows(it, x, &Value::long(p), f, yk)?,
                _ => return Err(QError::type_()),
            };
        }
        return Ok(cur);
    }
    let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(positions.len()); t.names.len()];
    for (k, &p) in positions.iter().enumerate() {
        let yk = part_of(&ys, &y, k);
        let row = combine(it, table_row(&t, p as usize), f, yk)?;
        let Value::Dict(d) = &row else {
            return Err(QError::type_());
        };
        let same = match &d.keys {
            Value::Vector(kv) => kv.as_sym() == Some(&t.names[..]),
            _ => false,
        };
        if !same {
            return Err(QError::new("mismatch"));
        }
        for (c, v) in d.values.items().into_iter().enumerate() {
            cols[c].push(v);
        }
    }
    let at = Value::Vector(Vector::longs(positions));
    let mut t = Arc::unwrap_or_clone(t);
    for (c, vals) in cols.into_iter().enumerate() {
        let col = std::mem::replace(&mut t.columns[c], Value::Nil);
        t.columns[c] = amend(it, col, &at, None, Some(Value::list(vals)))?;
    }
    Ok(Value::Table(Arc::new(t)))
}

/// `x[i]:v` done in place when `x` is a typed vector and `v` has its type
/// (or `x` is a general list and the index an atom). Every index is checked
/// before anything is written. `None` when the fast path does not apply.
pub fn amend_in_place(x: &mut Value, path: &[Value], v: &Value) -> Option<QResult<()>> {
    let [i] = path else { return None };
    match x {
        Value::Vector(vec) => {
            let n = vec.len();
            match (i, v) {
                (Value::Atom(ia), Value::Atom(a)) if a.ty() == vec.ty() => {
                    let k = int_index(ia).ok()?;
                    if k < 0 || k as usize >= n {
                        return Some(Err(QError::index().with_detail("amend index out of range")));
                    }
                    set_atom(vec, k as usize, *a);
                    Some(Ok(()))
                }
                (Value::Vector(iv), Value::Atom(a)) if a.ty() == vec.ty() => {
                    let ks = int_indices(iv).ok()?;
                    if ks.iter().any(|&k| k < 0 || k as usize >= n) {
                        return Some(Err(QError::length().with_detail("amend index out of range")));
                    }
                    for k in ks {
                        set_atom(vec, k as usize, *a);
                    }
                    Some(Ok(()))
                }
                (Value::Vector(iv), Value::Vector(vv)) if vv.ty() == vec.ty() => {
                    let ks = int_indices(iv).ok()?;
                    if ks.len() != vv.len() {
                        return Some(Err(QError::length()));
                    }
                    if ks.iter().any(|&k| k < 0 || k as usize >= n) {
                        return Some(Err(QError::length().with_detail("amend index out of range")));
                    }
                    for (j, k) in ks.into_iter().enumerate() {
                        set_atom(vec, k as usize, vv.get(j));
                    }
                    Some(Ok(()))
                }
                _ => None,
            }
        }
        Value::List(l) => {
            let Value::Atom(ia) = i else { return None };
            let k = int_index(ia).ok()?;
            if k < 0 || k as usize >= l.len() {
                return Some(Err(QError::index().with_detail("amend index out of range")));
            }
            let items = Arc::make_mut(l);
            let old = std::mem::replace(&mut items[k as usize], v.clone());
            // a general list whose items become atoms of one type is a
            // vector again (q: `s:(1;2f;3);s[1]:4` makes `1 4 3`); only an
            // atom replacing an item of another kind can make it so
            if let Value::Atom(a) = v
                && !matches!(old, Value::Atom(o) if o.ty() == a.ty())
                && items
                    .iter()
                    .all(|x| matches!(x, Value::Atom(b) if b.ty() == a.ty()))
            {
                *x = Value::from_items(std::mem::take(items));
            }
            Some(Ok(()))
        }
        _ => None,
    }
}

/// `x,:y` in place when `x` is a typed vector and `y` an atom or vector of
/// the same type, or `x` is a general list. `None` when the fast path does
/// not apply (the result would change type).
pub fn append_in_place(x: &mut Value, y: &Value) -> Option<QResult<()>> {
    match (x, y) {
        (Value::Vector(v), Value::Atom(a)) if a.ty() == v.ty() && v.domain().is_none() => {
            let a = *a;
            let n = v.len();
            let keep = keep_attr(v, &atom_vec(a));
            push_atoms(v, std::iter::once(a), n + 1);
            v.attr = keep;
            Some(Ok(()))
        }
        (Value::Vector(v), Value::Vector(w))
            if w.ty() == v.ty() && v.domain().is_none() && w.domain().is_none() =>
        {
            let n = v.len() + w.len();
            let keep = keep_attr(v, w);
            push_atoms(v, (0..w.len()).map(|i| w.get(i)), n);
            v.attr = keep;
            Some(Ok(()))
        }
        (Value::List(l), Value::Atom(_)) if !l.is_empty() => {
            Arc::make_mut(l).push(y.clone());
            Some(Ok(()))
        }
        _ => None,
    }
}

/// The attribute `v,:w` keeps (`ops::join::appended_attr`).
fn keep_attr(v: &Vector, w: &Vector) -> qcore::Attr {
    if v.attr == qcore::Attr::None {
        qcore::Attr::None
    } else {
        crate::ops::join::appended_attr(v, w)
    }
}

pub(crate) fn push_atoms(v: &mut Vector, atoms: impl Iterator<Item = Atom>, total: usize) {
    v.data_mut().extend_atoms(atoms, total);
}
