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
                    return Ok(Value::Vector(b.finish()));
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
