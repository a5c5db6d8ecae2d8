//! Joining lists: `,` (`x,y`: typed when both sides share a type, a
//! general list otherwise; dictionaries merge, tables append rows, keyed
//! tables upsert; the kernel is `ops/join.rs`), `raze` (`,/`, an atom
//! becomes a one-item list) and `cross` (every item of `x` with every item
//! of `y`).

use crate::ops::join::join_values;

use crate::ops::index::take_idx;

use crate::ops::make::as_list;

use crate::ops::make::atom_vec;

use qcore::Dict;

use qcore::QError;

use qcore::QResult;

use qcore::Table;

use qcore::Value;

use std::sync::Arc;

// ---------------------------------------------------------------------------
// , join

/// `x,y`: join lists (typed when both sides have one type), merge
/// dictionaries (right wins), append table rows.
pub fn join(x: Value, y: Value) -> QResult<Value> {
    join_values(x, y)
}

// ---------------------------------------------------------------------------
// raze

/// `raze x`: the items of x joined (`,/`); an atom becomes a one-item list.
pub fn raze(x: Value) -> QResult<Value> {
    raze_value(x)
}

pub(crate) fn raze_value(x: Value) -> QResult<Value> {
    match x {
        Value::Atom(a) => Ok(Value::Vector(atom_vec(a))),
        Value::Dict(d) => raze_value(d.values.clone()),
        Value::List(l) => {
            if l.is_empty() {
                return Ok(Value::List(l));
            }
            // Fast path: vectors of one type concatenate once.
            if let Some(Value::Vector(f)) = l.first() {
                let ty = f.ty();
                if l.iter()
                    .all(|v| matches!(v, Value::Vector(w) if w.ty() == ty))
                {
                    let total: usize = l.iter().map(Value::count).sum();
                    qcore::check_alloc(total, ty.width())?;
                    let mut b = qcore::VecBuilder::new(ty, total);
                    for v in l.iter() {
                        if let Value::Vector(w) = v {
                            for i in 0..w.len() {
                                b.push(w.get(i));
                            }
                        }
                    }
                    let out = b.finish();
                    if l.iter()
                        .all(|v| matches!(v, Value::Vector(w) if w.data().known_no_nulls()))
                    {
                        out.data().set_no_nulls();
                    }
                    return Ok(Value::Vector(out));
                }
            }
            let mut items = l.iter().cloned();
            let mut acc = items.next().unwrap_or(Value::list(vec![]));
            for v in items {
                acc = join_values(acc, v)?;
            }
            Ok(acc)
        }
        other => Ok(other),
    }
}

// ---------------------------------------------------------------------------
// cross

/// `x cross y`: every item of x joined with every item of y.
pub fn cross(x: Value, y: Value) -> QResult<Value> {
    cross_value(x, y)
}

pub(crate) fn cross_value(x: Value, y: Value) -> QResult<Value> {
    if let (Value::Dict(a), Value::Dict(b)) = (&x, &y) {
        return Ok(Value::Dict(Arc::new(Dict {
            keys: cross_value(a.keys.clone(), b.keys.clone())?,
            values: cross_value(a.values.clone(), b.values.clone())?,
            sorted: false,
        })));
    }
    if matches!(x, Value::Dict(_)) || matches!(y, Value::Dict(_)) {
        return Err(QError::type_());
    }
    let (x, y) = (as_list(x), as_list(y));
    let (nx, ny) = (x.count(), y.count());
    let n = nx.saturating_mul(ny);
    // two indexes, and the items they gather
    qcore::check_alloc(
        n,
        16 + qcore::budget::item_width(&x) + qcore::budget::item_width(&y),
    )?;
    let mut m = Vec::with_capacity(n);
    let mut k = Vec::with_capacity(n);
    for i in 0..nx as i64 {
        for j in 0..ny as i64 {
            m.push(i);
            k.push(j);
        }
    }
    let xi = take_idx(&x, &m);
    let yi = take_idx(&y, &k);
    if let (Value::Table(a), Value::Table(b)) = (&xi, &yi) {
        let mut names = a.names.clone();
        let mut cols = a.columns.clone();
        for (nm, c) in b.names.iter().zip(&b.columns) {
            match names.iter().position(|s| s == nm) {
                Some(p) => cols[p] = c.clone(),
                None => {
                    names.push(*nm);
                    cols.push(c.clone());
                }
            }
        }
        return Ok(Value::Table(Arc::new(Table {
            names,
            columns: cols,
        })));
    }
    if matches!(xi, Value::Table(_)) || matches!(yi, Value::Table(_)) {
        return Err(QError::type_());
    }
    let mut out = Vec::with_capacity(n);
    for (a, b) in xi.items().into_iter().zip(yi.items()) {
        out.push(join_values(a, b)?);
    }
    Ok(Value::list(out))
}

// ---------------------------------------------------------------------------
// ,: append

/// `x,:y` (Append): the new value of `x`. Stricter than `x,y` where `x`
/// is typed (a simple list takes atoms and lists of its own type only, a
/// dictionary with simple values dictionaries with values of that type, a
/// table rows, records or tables whose columns match its column types —
/// missing columns null), more lenient for tables (a row, a list of rows,
/// a record or a table with fewer columns), and a general list takes `y`
/// as one item when `x` is one level deeper than `y`.
pub fn append(it: &mut crate::state::Interp, x: Value, y: Value) -> QResult<Value> {
    match &x {
        // an enumeration enumerates what is appended (`'cast` when not in
        // the domain)
        Value::Vector(v) if v.domain().is_some() && v.ty() == qcore::Ty::Symbol => {
            let d = v.domain().unwrap_or(qcore::Sym::EMPTY);
            let y = crate::builtins::enums::enumerate(it, d, y)?;
            match join_values(x, y)? {
                Value::Vector(mut w) => {
                    w.set_domain(Some(d));
                    Ok(Value::Vector(w))
                }
                other => Ok(other),
            }
        }
        Value::Vector(v) => {
            // symbols take an enumeration's items
            let y = crate::builtins::enums::plain(y);
            let ok = match &y {
                Value::Atom(a) => a.ty() == v.ty(),
                Value::Vector(w) => w.ty() == v.ty(),
                Value::List(l) => l.is_empty(),
                _ => false,
            };
            if !ok {
                return Err(QError::type_());
            }
            join_values(x, y)
        }
        Value::List(l) => {
            if !l.is_empty() && depth(&x) == depth(&y) + 1 {
                let mut items = l.as_ref().clone();
                items.push(y);
                Ok(Value::list(items))
            } else {
                join_values(x, y)
            }
        }
        Value::Dict(d) => {
            if let (Value::Table(_), Value::Table(_)) = (&d.keys, &d.values) {
                return append_keyed(d, y);
            }
            let Value::Dict(e) = &y else {
                return Err(QError::type_());
            };
            if let Value::Vector(v) = &d.values {
                let ok = match &e.values {
                    Value::Vector(w) => w.ty() == v.ty(),
                    Value::List(l) => l.is_empty(),
                    _ => false,
                };
                if !ok {
                    return Err(QError::type_());
                }
            }
            join_values(x, y)
        }
        Value::Table(t) => {
            let rows = rows_table(&t.names, y)?;
            let Value::Table(r) = &rows else {
                return Err(QError::type_());
            };
            append_columns(t, r).map(|cols| Value::table(t.names.clone(), cols))
        }
        _ => join_values(x, y),
    }
}

/// The nesting depth q's Append compares: 0 for an atom, one more than
/// the first item's for a list.
fn depth(v: &Value) -> usize {
    match v {
        Value::Vector(_) => 1,
        Value::List(l) => 1 + l.first().map_or(0, depth),
        Value::Table(_) => 1,
        _ => 0,
    }
}

/// `y` of `t,:y` as a table whose columns are some of `names`: a table, a
/// record (a dictionary keyed by column names), one row (a list whose
/// first item is an atom) or a list of rows.
fn rows_table(names: &[qcore::Sym], y: Value) -> QResult<Value> {
    match y {
        Value::Table(_) => Ok(y),
        Value::Dict(d) => {
            let Value::Vector(k) = &d.keys else {
                return Err(QError::type_());
            };
            let Some(ks) = k.as_sym() else {
                return Err(QError::type_());
            };
            let cols = d
                .values
                .items()
                .into_iter()
                .map(|v| match v {
                    Value::Atom(a) => Value::Vector(atom_vec(a)),
                    other => Value::list(vec![other]),
                })
                .collect();
            Ok(Value::table(ks.to_vec(), cols))
        }
        Value::Vector(_) | Value::List(_) => {
            let single = match &y {
                Value::Vector(_) => true,
                Value::List(l) => !l.first().is_some_and(|f| f.is_list()),
                _ => false,
            };
            let rows = if single { vec![y] } else { y.items() };
            let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(rows.len()); names.len()];
            for r in &rows {
                if r.count() != names.len() || !r.is_list() {
                    return Err(QError::length());
                }
                for (c, v) in cols.iter_mut().zip(r.items()) {
                    c.push(v);
                }
            }
            Ok(Value::table(
                names.to_vec(),
                cols.into_iter().map(Value::from_items).collect(),
            ))
        }
        _ => Err(QError::type_()),
    }
}

/// The columns of `t` with the rows of `r` appended: `r`'s columns must be
/// columns of `t` of the same type where `t`'s is simple; a column `r`
/// lacks gets nulls.
fn append_columns(t: &Table, r: &Table) -> QResult<Vec<Value>> {
    if r.names.iter().any(|n| !t.names.contains(n)) {
        return Err(QError::new("mismatch"));
    }
    let m = r.len() as i64;
    let mut cols = Vec::with_capacity(t.columns.len());
    for (name, c) in t.names.iter().zip(&t.columns) {
        let add = match r.column(*name) {
            Some(rc) => {
                if let Value::Vector(v) = c {
                    let ok = match rc {
                        Value::Vector(w) => w.ty() == v.ty(),
                        Value::List(l) => l.is_empty(),
                        _ => false,
                    };
                    if !ok {
                        return Err(QError::type_());
                    }
                }
                rc.clone()
            }
            None => take_idx(c, &vec![-1; m as usize]),
        };
        cols.push(crate::ops::join::join_lists(c.clone(), add));
    }
    Ok(cols)
}

/// `kt,:y` on a keyed table: rows whose key is present update the columns
/// `y` has, new keys append (missing columns null). `y` is a keyed table,
/// a record of all columns, one row or a list of rows (key fields first).
fn append_keyed(d: &Dict, y: Value) -> QResult<Value> {
    let (Value::Table(kt), Value::Table(vt)) = (&d.keys, &d.values) else {
        return Err(QError::type_());
    };
    let (yk, yv) = match &y {
        Value::Dict(e) if matches!((&e.keys, &e.values), (Value::Table(_), Value::Table(_))) => {
            (e.keys.clone(), e.values.clone())
        }
        _ => {
            let mut names = kt.names.clone();
            names.extend(vt.names.iter().copied());
            let Value::Table(all) = rows_table(&names, y)? else {
                return Err(QError::type_());
            };
            let split = |want: &[qcore::Sym]| -> Value {
                let (n, c): (Vec<_>, Vec<_>) = all
                    .names
                    .iter()
                    .zip(&all.columns)
                    .filter(|(n, _)| want.contains(n))
                    .map(|(n, c)| (*n, c.clone()))
                    .unzip();
                Value::table(n, c)
            };
            (split(&kt.names), split(&vt.names))
        }
    };
    let (Value::Table(ykt), Value::Table(yvt)) = (&yk, &yv) else {
        return Err(QError::type_());
    };
    if ykt.names != kt.names {
        return Err(QError::new("mismatch"));
    }
    let pos = crate::ops::join::positions(&d.keys, &yk);
    let new_rows: Vec<i64> = (0..pos.len())
        .filter(|&j| pos[j].is_none())
        .map(|j| j as i64)
        .collect();
    // update the rows found, column by column
    let mut vcols = Vec::with_capacity(vt.columns.len());
    for (name, c) in vt.names.iter().zip(&vt.columns) {
        match yvt.column(*name) {
            Some(yc) => {
                if let Value::Vector(v) = c {
                    let ok = match yc {
                        Value::Vector(w) => w.ty() == v.ty(),
                        Value::List(l) => l.is_empty(),
                        _ => false,
                    };
                    if !ok {
                        return Err(QError::type_());
                    }
                }
                vcols.push(crate::ops::join::replace_items(c, yc, &pos));
            }
            None => vcols.push(c.clone()),
        }
    }
    let updated = Table {
        names: vt.names.clone(),
        columns: vcols,
    };
    let ynew = match take_idx(&yv, &new_rows) {
        Value::Table(t) => t,
        _ => return Err(QError::type_()),
    };
    let values = Value::table(vt.names.clone(), append_columns(&updated, &ynew)?);
    let knew = match take_idx(&yk, &new_rows) {
        Value::Table(t) => t,
        _ => return Err(QError::type_()),
    };
    let keys = Value::table(kt.names.clone(), append_columns(kt, &knew)?);
    Ok(Value::dict(keys, values))
}
