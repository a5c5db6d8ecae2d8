//! `select` and `exec` (`?[t;c;b;a]`, its limits and orderings, `?[t;i;p]`).

use super::*;

/// `select[n]`, `select[m n]`: the first `n` (last `-n`) rows, or `n` rows
/// from `m`.
pub(crate) fn limit(x: Value, n: &Value) -> QResult<Value> {
    let len = x.count() as i64;
    match n {
        Value::Atom(a) => {
            let k = a.to_i64().ok_or_else(QError::type_)?;
            if k == i64::MAX || k == i64::MIN {
                return Ok(x);
            }
            Ok(if k >= 0 {
                slice(&x, 0, k as usize)
            } else {
                let m = (-k).min(len);
                slice(&x, (len - m) as usize, len as usize)
            })
        }
        Value::Vector(v) if v.len() == 2 => {
            let p = v.to_i64_vec().ok_or_else(QError::type_)?;
            let a = p[0].clamp(0, len) as usize;
            let b = (p[0].saturating_add(p[1])).clamp(0, len) as usize;
            Ok(slice(&x, a, b))
        }
        _ => Err(QError::type_()),
    }
}

/// The row positions a plain select (`b` is `0b`) with limit `n` (a
/// non-negative integer atom) and order `(g;cn)` keeps, when `g` is a grade
/// (`iasc idesc < >`) and the column is a typed vector of the `rows` count:
/// the first `n` of its stable grade, found without sorting every row.
pub(crate) fn top_rows(
    g: &Value,
    col: &Value,
    b: &Value,
    n: Option<&Value>,
    rows: usize,
) -> Option<Vec<i64>> {
    use crate::registry::lookup;
    if !matches!(b, Value::Atom(Atom::Bool(false))) {
        return None;
    }
    let Value::Func(Func::Builtin(i)) = g else {
        return None;
    };
    let desc = if [lookup("idesc"), lookup(">")].contains(&Some(i.id)) {
        true
    } else if [lookup("iasc"), lookup("<")].contains(&Some(i.id)) {
        false
    } else {
        return None;
    };
    let k = match n {
        Some(Value::Atom(a)) if a.ty().is_integral() => a.to_i64()?,
        _ => return None,
    };
    let Value::Vector(v) = col else {
        return None;
    };
    if k < 0 || v.len() != rows {
        return None;
    }
    let top = crate::ops::grade::top_grade(v, desc, usize::try_from(k).ok()?)?;
    Some(top.into_iter().map(|i| i as i64).collect())
}

// ---------------------------------------------------------------------------
// ?[t;c;b;a] select and exec

/// `?[t;c;b;a]`, `?[t;c;b;a;n]`, `?[t;c;b;a;n;(g;cn)]`: select (b `0b`,
/// `1b` distinct, or a by dictionary / column names) or exec (b `()`).
pub fn select_n(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    if args.len() > 6 {
        return Err(QError::rank());
    }
    let mut a = args.into_iter();
    let tv = a.next().unwrap_or(Value::Nil);
    let c = a.next().unwrap_or(Value::Nil);
    let b = a.next().unwrap_or(Value::Nil);
    let sel = a.next().unwrap_or(Value::Nil);
    let n = a.next();
    let order = a.next();
    let (tv, _) = by_name(it, tv)?;
    if let Some((db, name)) = crate::query::partitioned::parted(it, &tv) {
        return crate::query::partitioned::select(it, db, name, c, b, sel, n, order);
    }
    if let Some(e) = crate::query::partitioned::unresolved(it, &tv) {
        return Err(e);
    }
    let nk = key_count(&tv);
    let mut t = unkeyed(&tv).ok_or_else(QError::type_)?;
    let mut c = c;
    // constraints on sorted columns, or that block statistics confine to
    // one run of rows: the rest of the query runs over the window of rows
    // they keep (no compare or gather per row)
    let rest_of_query: Vec<&Value> = [&b, &sel].into_iter().chain(order.as_ref()).collect();
    if let Some((w, rest)) =
        crate::query::range::select_window(it, &t, &constraints(&c), &rest_of_query)
    {
        t = Arc::new(w);
        c = Value::list(rest);
    }
    // compiled-expression core (kernel, issue 6): fused where + aggregates
    // a symbol list as b is a by parse tree, not names: `` `c1`c2 `` is
    // c1 indexed by c2 (q's `?[t;();`c1`c2;`c3]`)
    let b = match b {
        Value::Vector(v) if v.ty() == Ty::Symbol && v.len() >= 2 => Value::List(Arc::new(
            v.as_sym()
                .unwrap_or(&[])
                .iter()
                .map(|s| Value::Atom(Atom::Symbol(*s)))
                .collect(),
        )),
        other => other,
    };
    if nk == 0
        && order.is_none()
        && let Some(r) = crate::query::kernel::select(it, &t, &c, &b, &sel)
    {
        let r = r?;
        return match n {
            Some(n) => limit(r, &n),
            None => Ok(r),
        };
    }
    let mut rows = narrow(it, &t, &c)?;
    if let Some(o) = &order {
        // (g;cn): order the surviving rows by g applied to column cn
        let items = o.items();
        if items.len() != 2 {
            return Err(QError::length());
        }
        let mut ctx = Ctx::new(&t, rows.clone());
        let colv = eval_tree(it, &mut ctx, &items[1])?;
        let gi = match top_rows(&items[0], &colv, &b, n.as_ref(), ctx.count()) {
            // select[k;>c] / select[k;<c] with a small k: the first k of
            // the stable grade by a bounded heap (the limit below keeps them)
            Some(top) => top,
            None => {
                let g = apply(it, &items[0], vec![colv])?;
                match &g {
                    Value::Vector(v) => crate::ops::index::int_indices(v)?,
                    _ => return Err(QError::type_()),
                }
            }
        };
        // table row of each graded position (no `til count` when unfiltered)
        let len = ctx.count();
        rows = Some(Arc::new(match &rows {
            Some(ids) => gi
                .iter()
                .map(|&k| ids.get(k as usize).copied().unwrap_or(-1))
                .collect(),
            None => gi
                .iter()
                .map(|&k| if k >= 0 && (k as usize) < len { k } else { -1 })
                .collect(),
        }));
    }
    let is_exec = matches!(&b, Value::List(l) if l.is_empty());
    // exec by: a by dictionary with a single (non-dictionary) select tree
    // gives table!list; a by tree that is not a dictionary (`` `s ``,
    // `(xbar;5;`t)`) gives list!list or, with a dictionary phrase,
    // list!table (q's `exec q:sum qty by s from sp`)
    let sel_is_phrase = matches!(&sel, Value::Dict(_) | Value::Nil)
        || matches!(&sel, Value::List(l) if l.is_empty())
        || matches!(&sel, Value::Vector(v) if v.ty() == Ty::Symbol && v.len() != 1);
    let exec_by_form = match &b {
        Value::Dict(_) => !sel_is_phrase,
        Value::Atom(Atom::Symbol(_)) => true,
        Value::List(l) => l.len() > 1,
        _ => false,
    };
    if exec_by_form {
        let r = exec_by(it, &t, rows, &b, &sel)?;
        return match n {
            Some(n) => limit(r, &n),
            None => Ok(r),
        };
    }
    let by: Option<(Vec<Sym>, Vec<Value>)> = match &b {
        Value::Dict(d) => {
            let names = syms_of(&d.keys)?;
            let exprs = d.values.items();
            Some((names, exprs))
        }
        Value::Atom(Atom::Symbol(_)) | Value::Vector(_) if syms_of(&b).is_ok() && !is_exec => {
            let names = syms_of(&b)?;
            let exprs = names
                .iter()
                .map(|s| Value::Atom(Atom::Symbol(*s)))
                .collect();
            Some((names, exprs))
        }
        _ => None,
    };
    let r = if is_exec {
        exec(it, &t, rows, &sel)?
    } else if let Some((bn, be)) = by {
        if !matches!(sel, Value::Dict(_) | Value::List(_) | Value::Nil)
            && !matches!(&sel, Value::Vector(v) if v.ty() == Ty::Symbol)
        {
            return Err(QError::type_());
        }
        select_by(it, &t, rows, &bn, &be, &sel)?
    } else {
        let distinct = match &b {
            Value::Atom(Atom::Bool(x)) => *x,
            _ => return Err(QError::type_()),
        };
        let plain_all = matches!(&sel, Value::List(l) if l.is_empty()) || matches!(sel, Value::Nil);
        let mut r = select_plain(it, &t, rows, &sel)?;
        if distinct {
            let (_, firsts) = group_ids(&r)?;
            let idx: Vec<i64> = firsts.iter().map(|&i| i as i64).collect();
            r = take_idx(&r, &idx);
        }
        if plain_all && nk > 0 && !distinct {
            // selecting every column of a keyed table keeps the key
            if let Value::Table(rt) = &r {
                r = rekey(rt, nk);
            }
        }
        r
    };
    match n {
        Some(n) => limit(r, &n),
        None => Ok(r),
    }
}

pub(crate) fn select_plain(
    it: &mut Interp,
    t: &Table,
    rows: Option<Arc<Vec<i64>>>,
    sel: &Value,
) -> QResult<Value> {
    let (names, exprs) = phrase(sel, t, &[])?;
    let mut ctx = Ctx::new(t, rows);
    let cols = select_columns(it, &mut ctx, &exprs)?;
    Ok(Value::table(names, cols))
}

pub(crate) fn select_by(
    it: &mut Interp,
    t: &Table,
    rows: Option<Arc<Vec<i64>>>,
    bn: &[Sym],
    be: &[Value],
    sel: &Value,
) -> QResult<Value> {
    if bn.len() != be.len() {
        return Err(QError::length());
    }
    let mut ctx = Ctx::new(t, rows);
    let n = ctx.count();
    let mut kv = Vec::with_capacity(be.len());
    for e in be {
        kv.push(fit(eval_tree(it, &mut ctx, e)?, n)?);
    }
    let groups = group_keys(it, &kv, n)?;
    // `select by k from t`: the last row of each group
    let (names, exprs) = match sel {
        Value::List(l) if l.is_empty() => {
            let (names, cols) = phrase(sel, t, bn)?;
            let last =
                crate::registry::func(crate::registry::lookup("last").ok_or_else(QError::type_)?);
            (
                names,
                cols.into_iter()
                    .map(|c| Value::list(vec![last.clone(), c]))
                    .collect::<Vec<_>>(),
            )
        }
        _ => phrase(sel, t, bn)?,
    };
    let cols = group_columns(it, t, &mut ctx, &groups.ids, groups.ngroups, &exprs)?;
    let keys = Value::table(bn.to_vec(), groups.keys);
    Ok(Value::dict(keys, Value::table(names, cols)))
}

/// One column per expression with one item per group (`ids`: each row
/// in view's group, groups in id order): over the whole view by `query::groupwise::aggregate` when the
/// expression is a function of group-wise items, else evaluated over
/// each group's rows.
fn group_columns(
    it: &mut Interp,
    t: &Table,
    ctx: &mut Ctx,
    ids: &[u32],
    ngroups: usize,
    exprs: &[Value],
) -> QResult<Vec<Value>> {
    let place = crate::query::groupwise::Placement::new(ids, ngroups);
    let mut cols: Vec<Option<Value>> = Vec::with_capacity(exprs.len());
    for e in exprs {
        cols.push(crate::query::groupwise::aggregate(it, ctx, e, &place)?);
    }
    // each group's table rows, made when an expression runs per group
    let mut rows: Option<Vec<Arc<Vec<i64>>>> = None;
    let mut out = Vec::with_capacity(exprs.len());
    for (c, e) in cols.into_iter().zip(exprs) {
        if let Some(c) = c {
            out.push(c);
            continue;
        }
        let rows =
            rows.get_or_insert_with(|| place.table_rows(ctx.rows.as_deref().map(|r| &r[..])));
        let mut vals = Vec::with_capacity(rows.len());
        for g in rows.iter() {
            let mut gctx = Ctx::new(t, Some(g.clone()));
            vals.push(eval_tree(it, &mut gctx, e)?);
        }
        let empty = if vals.is_empty() {
            empty_column(it, t, e)
        } else {
            Value::Nil
        };
        out.push(collect_column(vals, empty));
    }
    Ok(out)
}

pub(crate) fn exec(
    it: &mut Interp,
    t: &Table,
    rows: Option<Arc<Vec<i64>>>,
    sel: &Value,
) -> QResult<Value> {
    let mut ctx = Ctx::new(t, rows);
    match sel {
        Value::Dict(d) => {
            let names = syms_of(&d.keys)?;
            let exprs = d.values.items();
            ctx.gather_named(&exprs);
            let mut vals = Vec::with_capacity(names.len());
            for e in &exprs {
                vals.push(eval_tree(it, &mut ctx, e)?);
            }
            Ok(Value::dict(
                Value::Vector(Vector::syms(names)),
                Value::from_items(vals),
            ))
        }
        Value::List(l) if l.is_empty() => {
            // `?[t;();();()]` (`exec from t`) is the last row: q reads it
            // as `exec last c1,last c2,… from t`
            let (names, exprs) = phrase(sel, t, &[])?;
            let mut vals = Vec::with_capacity(names.len());
            for e in &exprs {
                let col = eval_tree(it, &mut ctx, e)?;
                vals.push(crate::builtins::list::last(col)?);
            }
            Ok(Value::dict(
                Value::Vector(Vector::syms(names)),
                Value::list(vals),
            ))
        }
        other => eval_tree(it, &mut ctx, other),
    }
}

/// Exec by: a dictionary from the group keys (in key order) to the
/// per-group values. A by dictionary gives a table of keys, a single by
/// tree a list; a select dictionary gives a table of values, a single tree
/// a list.
pub(crate) fn exec_by(
    it: &mut Interp,
    t: &Table,
    rows: Option<Arc<Vec<i64>>>,
    b: &Value,
    a: &Value,
) -> QResult<Value> {
    let (bnames, btrees) = match b {
        Value::Dict(d) => (Some(syms_of(&d.keys)?), d.values.items()),
        other => (None, vec![other.clone()]),
    };
    if let Some(bn) = &bnames
        && bn.len() != btrees.len()
    {
        return Err(QError::length());
    }
    let mut ctx = Ctx::new(t, rows);
    let n = ctx.count();
    let mut kv = Vec::with_capacity(btrees.len());
    for e in &btrees {
        kv.push(fit(eval_tree(it, &mut ctx, e)?, n)?);
    }
    let groups = group_keys(it, &kv, n)?;
    let keys = match bnames {
        Some(names) => Value::table(names, groups.keys),
        None => groups
            .keys
            .into_iter()
            .next()
            .unwrap_or(Value::list(vec![])),
    };
    let (anames, atrees) = match a {
        Value::Dict(d) => (Some(syms_of(&d.keys)?), d.values.items()),
        other => (None, vec![other.clone()]),
    };
    let cols = group_columns(it, t, &mut ctx, &groups.ids, groups.ngroups, &atrees)?;
    let vals = match anames {
        Some(names) => Value::table(names, cols),
        None => cols.into_iter().next().unwrap_or(Value::list(vec![])),
    };
    Ok(Value::dict(keys, vals))
}

/// `?[t;i;p]`: the parse tree `p` evaluated over rows `i` of `t`.
pub fn simple_exec(it: &mut Interp, t: Value, i: Value, p: Value) -> QResult<Value> {
    let (tv, _) = by_name(it, t)?;
    let t = unkeyed(&tv).ok_or_else(QError::type_)?;
    let idx = match &i {
        Value::Vector(v) => crate::ops::index::int_indices(v)?,
        Value::Atom(a) => vec![a.to_i64().ok_or_else(QError::type_)?],
        Value::List(l) if l.is_empty() => vec![],
        _ => return Err(QError::type_()),
    };
    let mut ctx = Ctx::new(&t, Some(Arc::new(idx)));
    eval_tree(it, &mut ctx, &p)
}

// ---------------------------------------------------------------------------
// ![t;c;b;a] update and delete
