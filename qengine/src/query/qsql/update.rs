//! `update` and `delete` (`![t;c;b;a]`), on tables, dictionaries and namespaces.

use super::*;

/// `col` with the items at `rows` replaced by `v` (one item per row, or an
/// atom); `'type` when a typed column would change type.
pub(crate) fn amend_rows(col: &Value, rows: &[i64], v: Value) -> QResult<Value> {
    let n = col.count();
    let v = fit(v, rows.len())?;
    if let (Value::Vector(c), Value::Vector(w)) = (col, &v)
        && c.ty() != w.ty()
    {
        return Err(QError::type_());
    }
    if let (Value::Vector(_), Value::List(l)) = (col, &v)
        && !l.is_empty()
    {
        return Err(QError::type_());
    }
    let mut idx: Vec<i64> = (0..n as i64).collect();
    for (k, &r) in rows.iter().enumerate() {
        if r >= 0 && (r as usize) < n {
            idx[r as usize] = (n + k) as i64;
        }
    }
    let joined = crate::ops::join::join_values(col.clone(), v)?;
    Ok(take_idx(&joined, &idx))
}

/// `![t;c;b;a]`: update (a a dictionary of new column values; with b a by
/// dictionary the expressions run per group) or delete (a a list of column
/// names; or `` `symbol$() `` to delete the rows matching c).
/// `` delete a from `. `` / `` delete f from `.ns ``: removes the named
/// globals from a namespace and returns its name; `None` when `ns` names a
/// variable rather than a namespace.
fn delete_from_namespace(it: &mut Interp, ns: qcore::Sym, a: &Value) -> QResult<Option<Value>> {
    let t = ns.as_str();
    let is_ns = t == "."
        || (t.starts_with('.') && it.get_global(ns).is_none() && it.namespace_value(t).is_some());
    if !is_ns {
        return Ok(None);
    }
    for n in syms_of(a)? {
        let full = if t == "." {
            n
        } else {
            qcore::Sym::new(&format!("{t}.{}", n.as_str()))
        };
        it.take_global(full);
    }
    Ok(Some(Value::Atom(Atom::Symbol(ns))))
}

pub fn update_n(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let Ok([tv, c, b, a]) = <[Value; 4]>::try_from(args) else {
        return Err(QError::rank());
    };
    let plain_delete = matches!(&c, Value::Nil) || c.count() == 0;
    let plain_delete = plain_delete && !matches!(a, Value::Dict(_)) && a.count() > 0;
    if plain_delete
        && let Value::Atom(Atom::Symbol(s)) = &tv
        && let Some(r) = delete_from_namespace(it, *s, &a)?
    {
        return Ok(r);
    }
    let (cur, name) = match &tv {
        Value::Atom(Atom::Symbol(s)) => {
            let (n, v) = crate::builtins::table::global_of(it, *s)?;
            (v, Some(n))
        }
        other => (other.clone(), None),
    };
    if crate::query::partitioned::parted(it, &cur).is_some() {
        return Err(QError::new("par"));
    }
    if plain_delete
        && let Value::Dict(d) = &cur
        && !matches!(d.keys, Value::Table(_))
    {
        // `delete k from d`: the dictionary without those keys
        let names = Value::Vector(qcore::Vector::syms(syms_of(&a)?));
        let out = crate::builtins::list::take::remove_keys(d, &names)?;
        return Ok(match name {
            Some(n) => {
                it.set_global(n, out);
                tv
            }
            None => out,
        });
    }
    let nk = key_count(&cur);
    let t = unkeyed(&cur).ok_or_else(QError::type_)?;
    let no_where = match &c {
        Value::List(l) => l.is_empty(),
        Value::Nil => true,
        Value::Vector(v) => v.is_empty(),
        _ => false,
    };
    let rows = narrow(it, &t, &c)?;
    let out: Table = match &a {
        Value::Dict(_) => update_cols(it, &t, rows, no_where, &b, &a)?,
        _ => {
            let names = syms_of(&a)?;
            if names.is_empty() {
                // delete rows
                let drop_rows = rows.map_or_else(|| (0..t.len() as i64).collect(), |r| r.to_vec());
                let mut gone = vec![false; t.len()];
                for &r in &drop_rows {
                    gone[r as usize] = true;
                }
                let keep: Vec<i64> = (0..t.len() as i64).filter(|&i| !gone[i as usize]).collect();
                match take_idx(&Value::Table(t.clone()), &keep) {
                    Value::Table(x) => Arc::unwrap_or_clone(x),
                    _ => return Err(QError::type_()),
                }
            } else {
                if !no_where {
                    return Err(QError::nyi("delete columns with a where clause"));
                }
                for s in &names {
                    if t.column(*s).is_none() {
                        return Err(no_column(*s));
                    }
                }
                let mut kept = Table {
                    names: vec![],
                    columns: vec![],
                };
                for (n, col) in t.names.iter().zip(&t.columns) {
                    if !names.contains(n) {
                        kept.names.push(*n);
                        kept.columns.push(col.clone());
                    }
                }
                kept
            }
        }
    };
    let nk = if nk > 0 && out.names.len() > nk {
        nk
    } else {
        0
    };
    let r = rekey(&out, nk);
    match (name, &tv) {
        (Some(n), Value::Atom(Atom::Symbol(s))) => {
            it.set_global(n, r);
            Ok(Value::Atom(Atom::Symbol(*s)))
        }
        _ => Ok(r),
    }
}

pub(crate) fn update_cols(
    it: &mut Interp,
    t: &Table,
    rows: Option<Arc<Vec<i64>>>,
    no_where: bool,
    b: &Value,
    a: &Value,
) -> QResult<Table> {
    let (names, exprs) = phrase(a, t, &[])?;
    let mut ctx = Ctx::new(t, rows.clone());
    let nrows = ctx.count();
    // table row of each row in view: only a by or a where needs them (a
    // plain `update c:e from t` must not build `til count t`)
    let row_ids = if no_where { Vec::new() } else { ctx.row_ids() };
    // each new column's values over the rows in view, in view order
    let mut newvals: Vec<Value> = Vec::with_capacity(exprs.len());
    match b {
        Value::Dict(d) => {
            let be = d.values.items();
            let mut kv = Vec::with_capacity(be.len());
            for e in &be {
                kv.push(fit(eval_tree(it, &mut ctx, e)?, nrows)?);
            }
            let groups = group_keys(it, &kv, nrows)?;
            // where each group's results go back in view order
            let place = crate::query::groupwise::Placement::new(&groups.ids, groups.ngroups);
            // each group's table rows, made when an expression runs per group
            let mut group_rows: Option<Vec<Arc<Vec<i64>>>> = None;
            for e in &exprs {
                if nrows == 0 {
                    // over no rows, as `update` without a by: a uniform
                    // function's empty result keeps its type
                    let mut ectx = Ctx::new(t, Some(Arc::new(vec![])));
                    newvals.push(match eval_tree(it, &mut ectx, e) {
                        Ok(v @ Value::Vector(_)) if v.count() == 0 => v,
                        _ => empty_column(it, t, e),
                    });
                    continue;
                }
                // uniform keywords as group-wise kernels over the whole view
                if let Some(v) = crate::query::groupwise::eval(it, &mut ctx, e, &place)? {
                    newvals.push(fit(v, nrows)?);
                    continue;
                }
                let rows = group_rows
                    .get_or_insert_with(|| place.table_rows((!no_where).then_some(&row_ids[..])));
                let mut parts = Vec::with_capacity(rows.len());
                for g in rows.iter() {
                    let mut gctx = Ctx::new(t, Some(g.clone()));
                    parts.push(fit(eval_tree(it, &mut gctx, e)?, g.len())?);
                }
                newvals.push(place.scatter(parts));
            }
        }
        Value::Atom(Atom::Bool(false)) => {
            for e in &exprs {
                let v = eval_tree(it, &mut ctx, e)?;
                newvals.push(fit(v, nrows)?);
            }
        }
        Value::List(l) if l.is_empty() => {
            for e in &exprs {
                let v = eval_tree(it, &mut ctx, e)?;
                newvals.push(fit(v, nrows)?);
            }
        }
        _ => return Err(QError::type_()),
    }
    let mut out = t.clone();
    for (s, v) in names.iter().zip(newvals) {
        let col = if no_where {
            v
        } else {
            let old = match t.column(*s) {
                Some(c) => c.clone(),
                None => take_idx(&v, &vec![-1; t.len()]),
            };
            amend_rows(&old, &row_ids, v)?
        };
        match out.names.iter().position(|n| n == s) {
            Some(p) => out.columns[p] = col,
            None => {
                out.names.push(*s);
                out.columns.push(col);
            }
        }
    }
    Ok(out)
}
