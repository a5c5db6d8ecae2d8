//! Putting partitions back together: [`concat`] appends per-partition
//! results (tables or keyed tables with the same columns) in partition
//! order, one allocation per column; [`gather`] maps the needed columns of
//! every surviving partition into one in-memory table, the general case of
//! a partitioned select (anything the other strategies do not take runs
//! the ordinary in-memory qSQL over it); [`gather_narrowed`] does the same
//! with the compiled where clause applied in each partition first, on the
//! rayon pool, so only the rows the where clause keeps are copied.

use super::parallel::{Done, Flight, Job, PartQuery, stop_check};
use super::select::Parts;
use crate::ops::index::take_idx;
use crate::query::kernel::compile;
use crate::state::Interp;
use qcore::Buf;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use std::sync::Arc;

/// Tables (or keyed tables) with the same columns, rows appended in order.
pub(super) fn concat(parts: Vec<Value>) -> QResult<Value> {
    let mut it = parts.into_iter();
    let Some(first) = it.next() else {
        return Ok(Value::list(vec![]));
    };
    let rest: Vec<Value> = it.collect();
    if rest.is_empty() {
        return Ok(first);
    }
    match &first {
        Value::Dict(d) => {
            let mut ks = vec![d.keys.clone()];
            let mut vs = vec![d.values.clone()];
            for p in &rest {
                let Value::Dict(e) = p else {
                    return Err(QError::type_());
                };
                ks.push(e.keys.clone());
                vs.push(e.values.clone());
            }
            Ok(Value::dict(concat(ks)?, concat(vs)?))
        }
        Value::Table(t) => {
            let mut cols: Vec<Vec<Value>> = t.columns.iter().map(|c| vec![c.clone()]).collect();
            for p in &rest {
                let Value::Table(u) = p else {
                    return Err(QError::type_());
                };
                if u.names != t.names {
                    return Err(QError::new("mismatch"));
                }
                for (k, c) in u.columns.iter().enumerate() {
                    cols[k].push(c.clone());
                }
            }
            let mut out = Vec::with_capacity(cols.len());
            for c in cols {
                out.push(raze_cols(c)?);
            }
            Ok(Value::table(t.names.clone(), out))
        }
        _ => {
            let mut acc = first;
            for p in rest {
                acc = crate::ops::join::join_values(acc, p)?;
            }
            Ok(acc)
        }
    }
}

/// One column from per-partition pieces.
fn raze_cols(c: Vec<Value>) -> QResult<Value> {
    if c.iter().all(|v| matches!(v, Value::Vector(_))) {
        let ty = match &c[0] {
            Value::Vector(v) => v.ty(),
            _ => Ty::Long,
        };
        if c.iter()
            .all(|v| matches!(v, Value::Vector(w) if w.ty() == ty))
        {
            return cat_vectors(&c, ty);
        }
    }
    let mut acc = c[0].clone();
    for p in c.into_iter().skip(1) {
        acc = crate::ops::join::join_values(acc, p)?;
    }
    Ok(acc)
}

/// Same-typed vectors joined with one allocation.
fn cat_vectors(c: &[Value], ty: Ty) -> QResult<Value> {
    let vs: Vec<&Vector> = c
        .iter()
        .filter_map(|v| match v {
            Value::Vector(w) => Some(w),
            _ => None,
        })
        .collect();
    let total: usize = vs.iter().map(|v| v.len()).sum();
    qcore::check_alloc(total, ty.width())?;
    macro_rules! cat {
        ($var:ident) => {{
            let mut out = Vec::with_capacity(total);
            for v in &vs {
                if let VecData::$var(b) = v.data() {
                    out.extend_from_slice(b.as_slice());
                }
            }
            VecData::$var(Buf::from_vec(out))
        }};
    }
    let data = match vs.first().map(|v| v.data()) {
        Some(VecData::U8(_)) => cat!(U8),
        Some(VecData::I16(_)) => cat!(I16),
        Some(VecData::I32(_)) => cat!(I32),
        Some(VecData::I64(_)) => cat!(I64),
        Some(VecData::F32(_)) => cat!(F32),
        Some(VecData::F64(_)) => cat!(F64),
        Some(VecData::Guid(_)) => cat!(Guid),
        Some(VecData::Sym(_)) => cat!(Sym),
        None => return Ok(Value::Vector(Vector::empty(ty))),
    };
    Vector::new(ty, data)
        .map(Value::Vector)
        .ok_or_else(QError::type_)
}

/// The general case's table with the where clause already applied: each
/// partition narrowed by the compiled where clause (on the rayon pool,
/// several at once), the surviving rows concatenated in order. The same
/// table as narrowing [`gather`]'s, since a compiled where clause is
/// row-wise, so the rest of the query (no `i`) runs over it with no where
/// clause. `None` (the caller gathers everything) when the compiled core is
/// off, there is no where clause, a partition's where clause does not
/// compile or its compiled run gives up, or the partitions' columns differ
/// in kind.
pub(super) fn gather_narrowed(it: &mut Interp, p: &Parts, q: &PartQuery) -> QResult<Option<Table>> {
    if !crate::query::kernel::enabled() || q.cs.is_empty() || q.uses_i || p.sel.len() < 2 {
        return Ok(None);
    }
    let mut pieces: Vec<Value> = Vec::with_capacity(p.sel.len());
    let mut fl = Flight::new(p.sel.len());
    let mut first: Option<Vec<(Sym, Option<Ty>)>> = None;
    let keep = |d: Done, pieces: &mut Vec<Value>| match d {
        Done::Narrowed(tb) => {
            pieces.push(Value::Table(Arc::new(tb)));
            true
        }
        _ => false,
    };
    for (pos, &k) in p.sel.iter().enumerate() {
        it.tick()?;
        let (tb, fill) = p.to_narrow(k, !q.field_in_where)?;
        // narrowing then concatenating gives concatenating then narrowing
        // when each column is, in every partition, a vector of one type or
        // a general list
        let Some(kinds) = kinds(&tb) else {
            return Ok(None);
        };
        match &first {
            None => first = Some(kinds),
            Some(f) if *f != kinds => return Ok(None),
            _ => {}
        }
        let Some(prog) = compile::compile_where(it, &tb, &q.cs) else {
            return Ok(None);
        };
        fl.submit(pos, tb, Job::Narrow(prog, fill));
        loop {
            while let Some(d) = fl.take(it, false)? {
                if !keep(d, &mut pieces) {
                    return Ok(None);
                }
            }
            if !fl.full() {
                break;
            }
            if let Some(d) = fl.take(it, true)?
                && !keep(d, &mut pieces)
            {
                return Ok(None);
            }
        }
    }
    while let Some(d) = fl.take(it, true)? {
        if !keep(d, &mut pieces) {
            return Ok(None);
        }
    }
    stop_check(it)?;
    match concat(pieces)? {
        Value::Table(x) => Ok(Some(Arc::unwrap_or_clone(x))),
        _ => Err(QError::type_()),
    }
}

/// Each column's name and kind: `Some(type)` for a vector, `None` for a
/// general list; `None` when a column is neither.
fn kinds(t: &Table) -> Option<Vec<(Sym, Option<Ty>)>> {
    t.names
        .iter()
        .zip(&t.columns)
        .map(|(n, c)| match c {
            Value::Vector(v) => Some((*n, Some(v.ty()))),
            Value::List(_) => Some((*n, None)),
            _ => None,
        })
        .collect()
}

/// One in-memory table of columns `need` (and the partition field) over
/// partitions `sel` (none: the last partition's schema with no rows).
pub(super) fn gather(it: &mut Interp, p: &Parts) -> QResult<Table> {
    if p.sel.is_empty() {
        let last = p.db.layout.parts.len().saturating_sub(1);
        let tb = p.table(last)?;
        return match take_idx(&Value::Table(Arc::new(tb)), &[]) {
            Value::Table(x) => Ok(Arc::unwrap_or_clone(x)),
            _ => Err(QError::type_()),
        };
    }
    let mut parts = Vec::with_capacity(p.sel.len());
    for &k in p.sel {
        it.tick()?;
        parts.push(Value::Table(Arc::new(p.table(k)?)));
    }
    match concat(parts)? {
        Value::Table(x) => Ok(Arc::unwrap_or_clone(x)),
        _ => Err(QError::type_()),
    }
}
