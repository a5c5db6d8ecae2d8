//! qSQL on in-memory tables: the functional forms `?[t;c;b;a]` (select and
//! exec, with `?[t;c;b;a;n]` limits and `?[..;(g;cn)]` ordering), `![t;c;b;a]`
//! (update and delete) and `?[c;a;b]` (the vector conditional). The
//! qSQL statements `select exec update delete … from … where … by` are
//! parsed into these forms (`eval/sql.rs`), so both go through here.
//!
//! Evaluation: a where clause is a list of constraints, each narrowing the
//! row index the next one sees ([`narrow`]); phrases are parse trees
//! evaluated over a table and the rows in view ([`Ctx`], [`eval_tree`]: a
//! symbol is a column, else a global, else a builtin; `i` is the row
//! number); a by clause hash-groups the rows ([`group_rows`]). Before the
//! interpreted path, [`select_n`] offers the query to the compiled core
//! (`query::kernel`), which must give the same result or decline, and to
//! `query::partitioned` when `t` is a partitioned table.

use crate::builtins::apply::apply;
use crate::builtins::table::by_name;
use crate::builtins::table::key_count;
use crate::builtins::table::no_column;
use crate::builtins::table::rekey;
use crate::builtins::table::syms_of;
use crate::builtins::table::unkeyed;
use crate::ops::group::group_ids;
use crate::ops::index::slice;
use crate::ops::index::take_idx;
use crate::query::kernel::compile::constraints;
use crate::state::Interp;
use qcore::Atom;
use qcore::Func;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecBuilder;
use qcore::Vector;
use std::collections::HashMap;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// ?[c;a;b]

/// `?[c;a;b]`: vector conditional — items of `a` where `c`, else of `b`.
pub fn query_n(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    if args.len() >= 4 {
        return select_n(it, args);
    }
    let Ok([c, a, b]) = <[Value; 3]>::try_from(args) else {
        return Err(QError::rank());
    };
    if matches!(c, Value::Table(_)) || crate::builtins::table::keyed_parts(&c).is_some() {
        return simple_exec(it, c, a, b);
    }
    match &c {
        Value::Atom(Atom::Bool(t)) => Ok(if *t { a } else { b }),
        Value::Vector(cv) if cv.ty() == Ty::Bool => {
            let cb = cv.as_u8().unwrap_or(&[]);
            let n = cb.len();
            for v in [&a, &b] {
                if v.is_list() && v.count() != n {
                    return Err(QError::length());
                }
            }
            let ty_of = |v: &Value| match v {
                Value::Atom(x) => Some(x.ty()),
                Value::Vector(x) => Some(x.ty()),
                _ => None,
            };
            let pick = |v: &Value, i: usize| match v {
                Value::Atom(x) => Value::Atom(*x),
                other => other.item(i).unwrap_or(Value::Nil),
            };
            if let (Some(ta), Some(tb)) = (ty_of(&a), ty_of(&b))
                && ta == tb
            {
                let mut out = VecBuilder::new(ta, n);
                for (i, &t) in cb.iter().enumerate() {
                    let src = if t != 0 { &a } else { &b };
                    match src {
                        Value::Atom(x) => out.push(*x),
                        Value::Vector(x) => out.push(x.get(i)),
                        _ => {}
                    }
                }
                return Ok(Value::Vector(out.finish()));
            }
            let items = cb
                .iter()
                .enumerate()
                .map(|(i, &t)| if t != 0 { pick(&a, i) } else { pick(&b, i) })
                .collect();
            Ok(Value::from_items(items))
        }
        Value::Table(_) => Err(QError::nyi("functional exec ?[t;c;a]")),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// Evaluation context: a table and the rows an expression sees

/// The rows of `t` an expression is evaluated over (`None`: all of them),
/// with the columns gathered so far.
pub struct Ctx<'a> {
    pub(crate) t: &'a Table,
    pub(crate) rows: Option<Arc<Vec<i64>>>,
    pub(crate) cache: HashMap<Sym, Value>,
}

impl<'a> Ctx<'a> {
    pub fn new(t: &'a Table, rows: Option<Arc<Vec<i64>>>) -> Self {
        Ctx {
            t,
            rows,
            cache: HashMap::new(),
        }
    }

    /// Number of rows in view.
    pub fn count(&self) -> usize {
        self.rows.as_ref().map_or(self.t.len(), |r| r.len())
    }

    /// The table row index of each row in view.
    pub(crate) fn row_ids(&self) -> Vec<i64> {
        match &self.rows {
            Some(r) => r.as_ref().clone(),
            None => (0..self.t.len() as i64).collect(),
        }
    }

    /// The columns named by the plain column names among `exprs` (a
    /// select phrase's parse trees), gathered over the rows in view all at
    /// once ([`crate::ops::index::take_columns`]: columns and pieces of
    /// rows on the rayon pool) into the cache [`Ctx::column`] reads, so a
    /// wide select keeping many rows builds its columns on every core.
    pub(crate) fn gather_named(&mut self, exprs: &[Value]) {
        let Some(r) = &self.rows else { return };
        let mut names: Vec<Sym> = Vec::new();
        for e in exprs {
            if let Value::Atom(Atom::Symbol(s)) = e
                && !names.contains(s)
                && !self.cache.contains_key(s)
                && self.t.column(*s).is_some()
            {
                names.push(*s);
            }
        }
        if names.len() < 2 {
            return;
        }
        let cols: Vec<Value> = names
            .iter()
            .filter_map(|s| self.t.column(*s).cloned())
            .collect();
        let vals = crate::ops::index::take_columns(&cols, r);
        self.cache.extend(names.into_iter().zip(vals));
    }

    /// Column `s` over the rows in view, if the table has it.
    pub(crate) fn column(&mut self, s: Sym) -> Option<Value> {
        if let Some(v) = self.cache.get(&s) {
            return Some(v.clone());
        }
        let c = self.t.column(s)?;
        let v = match &self.rows {
            None => c.clone(),
            Some(r) => take_idx(c, r),
        };
        self.cache.insert(s, v.clone());
        Some(v)
    }
}

/// The global a name that is not a column resolves to (as `eval_tree`
/// looks it up), if any; the compiled core reads constants through it.
pub(crate) fn global_of(it: &Interp, s: Sym) -> Option<Value> {
    let full = crate::state::qualify(it.namespace, s.as_str());
    it.get_global(full).or_else(|| it.get_global(s))
}

/// Resolves a name that is not a column: a global, else a builtin.
pub(crate) fn resolve_name(it: &Interp, s: Sym) -> QResult<Value> {
    if let Some(v) = global_of(it, s) {
        return Ok(v);
    }
    if let Some(i) = crate::registry::lookup(s.as_str()) {
        return Ok(crate::registry::func(i));
    }
    Err(QError::undefined(s.as_str()))
}

/// `time.minute`, `time.date.month`: a field of a temporal column (the
/// column's `` `field$ `` cast), when the part before the last dot is a
/// column (or itself such a field). `None` when the name is not of that form.
pub(crate) fn dotted_column(it: &mut Interp, ctx: &mut Ctx, s: Sym) -> Option<QResult<Value>> {
    let (prefix, field) = s.as_str().rsplit_once('.')?;
    if prefix.is_empty() || !crate::builtins::temporal::FIELDS.contains(&field) {
        return None;
    }
    let p = Sym::new(prefix);
    let base = match ctx.column(p) {
        Some(v) => v,
        None => match dotted_column(it, ctx, p)? {
            Ok(v) => v,
            Err(e) => return Some(Err(e)),
        },
    };
    let temporal = match &base {
        Value::Vector(v) => v.ty().is_temporal(),
        Value::Atom(a) => a.ty().is_temporal(),
        _ => false,
    };
    if !temporal {
        return None;
    }
    Some(crate::builtins::temporal::field_of(it, field, base))
}

/// Evaluates a parse tree over the rows in view: a symbol is a column (or
/// `i`, the row index, or a global); a general list whose first item is a
/// function applies it to the evaluated rest; a one-item list is its item,
/// unevaluated (`enlist` quotes a constant); anything else is itself.
pub fn eval_tree(it: &mut Interp, ctx: &mut Ctx, e: &Value) -> QResult<Value> {
    it.tick()?;
    match e {
        Value::Atom(Atom::Symbol(s)) => {
            if let Some(v) = ctx.column(*s) {
                return Ok(v);
            }
            if let Some(r) = dotted_column(it, ctx, *s) {
                return r;
            }
            if s.as_str() == "i" {
                return Ok(Value::Vector(Vector::longs(ctx.row_ids())));
            }
            resolve_name(it, *s)
        }
        Value::Vector(v) if v.ty() == Ty::Symbol && v.len() == 1 => Ok(Value::Atom(v.get(0))),
        Value::List(l) if l.len() == 1 => Ok(l[0].clone()),
        Value::List(l) if l.len() > 1 => {
            let f = match &l[0] {
                Value::Atom(Atom::Symbol(s)) => match ctx.column(*s) {
                    Some(v) => v,
                    None => resolve_name(it, *s)?,
                },
                Value::List(_) => eval_tree(it, ctx, &l[0])?,
                other => other.clone(),
            };
            let mut args = Vec::with_capacity(l.len() - 1);
            for a in &l[1..] {
                args.push(eval_tree(it, ctx, a)?);
            }
            crate::builtins::apply::apply_in_tree(it, &f, args)
        }
        other => Ok(other.clone()),
    }
}

// ---------------------------------------------------------------------------
// Where: constraints narrow the row index in order

/// The table rows satisfying every constraint of `c`, each constraint
/// evaluated over the rows that survived the ones before it.
pub fn narrow(it: &mut Interp, t: &Table, c: &Value) -> QResult<Option<Arc<Vec<i64>>>> {
    let cs = constraints(c);
    // constraints on sorted columns: a row range by binary search
    if let Some((r, rest)) = crate::query::range::narrow(it, t, &cs) {
        if rest.is_empty() {
            return Ok(Some(Arc::new((r.start as i64..r.end as i64).collect())));
        }
        let w = crate::query::range::window_table(t, r.start, r.end);
        if let Some(rows) = crate::query::kernel::narrow(it, &w, &rest) {
            let lo = r.start as i64;
            return Ok(Some(Arc::new(rows.into_iter().map(|k| k + lo).collect())));
        }
        let ids = Arc::new((r.start as i64..r.end as i64).collect());
        return narrow_from(it, t, &rest, Some(ids));
    }
    // constraints the columns' block statistics decide for most rows
    if let Some((rows, rest)) = crate::query::blocks::narrow(it, t, &cs) {
        return narrow_from(it, t, &rest, Some(Arc::new(rows)));
    }
    // compiled-expression core (kernel, issue 6); None: interpret
    if let Some(r) = crate::query::kernel::narrow(it, t, &cs) {
        return Ok(Some(Arc::new(r)));
    }
    narrow_from(it, t, &cs, None)
}

/// The interpreted where clause: each constraint of `cs` evaluated over
/// the rows that survived the ones before it, starting from `rows`.
fn narrow_from(
    it: &mut Interp,
    t: &Table,
    cs: &[Value],
    mut rows: Option<Arc<Vec<i64>>>,
) -> QResult<Option<Arc<Vec<i64>>>> {
    for k in cs {
        let mut ctx = Ctx::new(t, rows.clone());
        let n = ctx.count();
        let m = eval_tree(it, &mut ctx, k)?;
        // a boolean vector: the rows it keeps straight from its set bytes
        if let Value::Vector(v) = &m
            && matches!(v.ty(), Ty::Bool | Ty::Byte)
            && v.len() == n
        {
            let b = v.as_u8().unwrap_or(&[]);
            rows = Some(Arc::new(match &rows {
                None => set_rows(b, |i| i as i64),
                Some(r) => set_rows(b, |i| r[i]),
            }));
            continue;
        }
        let keep: Vec<usize> = match &m {
            Value::Atom(a) => {
                let on = a.to_i64().ok_or_else(QError::type_)? != 0;
                if on { (0..n).collect() } else { vec![] }
            }
            Value::Vector(v) => {
                if v.len() != n {
                    return Err(QError::length());
                }
                match v.ty() {
                    Ty::Bool | Ty::Byte => {
                        let b = v.as_u8().unwrap_or(&[]);
                        (0..n).filter(|&i| b[i] != 0).collect()
                    }
                    Ty::Short | Ty::Int | Ty::Long => {
                        let b = v.to_i64_vec().ok_or_else(QError::type_)?;
                        (0..n).filter(|&i| b[i] != 0).collect()
                    }
                    _ => return Err(QError::type_()),
                }
            }
            _ => return Err(QError::type_()),
        };
        let ids = ctx.row_ids();
        rows = Some(Arc::new(keep.iter().map(|&i| ids[i]).collect()));
    }
    Ok(rows)
}

/// `row(i)` for each `i` where `b[i]` is not zero, in order: eight bytes
/// tested at once, so a filter keeping few rows costs about one
/// instruction a row; pieces of rows on the pool above the threshold.
fn set_rows(b: &[u8], row: impl Fn(usize) -> i64 + Sync) -> Vec<i64> {
    use rayon::prelude::*;
    let scan = |lo: usize, part: &[u8]| {
        let mut out = Vec::new();
        let words = part.chunks_exact(8);
        let tail = words.remainder();
        for (w, c) in words.enumerate() {
            let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            if x != 0 {
                for (j, &y) in c.iter().enumerate() {
                    if y != 0 {
                        out.push(row(lo + 8 * w + j));
                    }
                }
            }
        }
        let at = part.len() - tail.len();
        for (j, &y) in tail.iter().enumerate() {
            if y != 0 {
                out.push(row(lo + at + j));
            }
        }
        out
    };
    match crate::ops::par::piece_len(b.len()) {
        None => scan(0, b),
        Some(step) => {
            let step = step.div_ceil(8) * 8;
            let parts: Vec<Vec<i64>> = b
                .par_chunks(step)
                .enumerate()
                .map(|(p, c)| scan(p * step, c))
                .collect();
            crate::ops::par::concat_rows(parts)
        }
    }
}

// ---------------------------------------------------------------------------
// Grouping

/// Groups of the rows in view by the by-expressions: the key columns (one
/// row per group, groups in ascending key order) and each group's table
/// row indexes (in table order).
pub struct Groups {
    pub keys: Vec<Value>,
    pub rows: Vec<Arc<Vec<i64>>>,
    /// Group position of each row in view.
    pub ids: Vec<u32>,
}

/// Combines per-column group ids into tuple ids.
pub(crate) fn combine_ids(a: &[u32], b: &[u32]) -> (Vec<u32>, Vec<usize>) {
    let mut map: HashMap<(u32, u32), u32> = HashMap::new();
    let mut ids = Vec::with_capacity(a.len());
    let mut firsts = Vec::new();
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        let next = firsts.len() as u32;
        let id = *map.entry((x, y)).or_insert_with(|| {
            firsts.push(i);
            next
        });
        ids.push(id);
    }
    (ids, firsts)
}

/// Broadcasts an atom to `n` items; lists must have `n` items.
pub(crate) fn fit(v: Value, n: usize) -> QResult<Value> {
    match v {
        Value::Atom(a) => Ok(take_idx(
            &Value::Vector(crate::ops::make::atom_vec(a)),
            &vec![0; n],
        )),
        v if v.count() == n && (v.is_list() || matches!(v, Value::Table(_))) => Ok(v),
        Value::Vector(_) | Value::List(_) | Value::Table(_) => Err(QError::length()),
        other => Ok(Value::list(vec![other; n])),
    }
}

/// Groups the rows in view by the key columns `kv` (each with one item
/// per row in view): group ids by the one grouping engine
/// ([`group_ids`]: dense ids or hashing, on all cores for long columns),
/// several keys as the rows of one table; groups in ascending key order.
pub fn group_rows(it: &mut Interp, kv: &[Value], row_ids: &[i64]) -> QResult<Groups> {
    let g = group_keys(it, kv, row_ids.len())?;
    let (rows, _) = crate::ops::group::group_rows_of(&g.ids, g.ngroups, |r| row_ids[r]);
    Ok(Groups {
        keys: g.keys,
        rows: rows.into_iter().map(Arc::new).collect(),
        ids: g.ids,
    })
}

/// The groups of `n` rows by the key columns `kv`, without their row
/// lists: the key columns (one row per group, ascending key order), each
/// row's group (its rank in that order) and the number of groups.
pub struct GroupIds {
    pub keys: Vec<Value>,
    pub ids: Vec<u32>,
    pub ngroups: usize,
}

/// [`group_rows`] up to the groups' ids: what `update … by` needs to put
/// group-wise results back (`query::groupwise::Placement`).
pub fn group_keys(it: &mut Interp, kv: &[Value], n: usize) -> QResult<GroupIds> {
    let (mut ids, firsts) = match kv {
        [] => (vec![0u32; n], if n > 0 { vec![0] } else { vec![] }),
        [k] => group_ids(k)?,
        _ => key_ids(kv)?,
    };
    it.tick()?;
    let fidx: Vec<i64> = firsts.iter().map(|&i| i as i64).collect();
    let keys: Vec<Value> = kv.iter().map(|k| take_idx(k, &fidx)).collect();
    // ascending key order
    let order: Vec<usize> = if keys.is_empty() {
        (0..firsts.len()).collect()
    } else {
        let kt = Value::table(
            (0..keys.len())
                .map(|i| Sym::new(&format!("k{i}")))
                .collect(),
            keys.clone(),
        );
        crate::ops::grade::grade(&kt, false)?
    };
    let mut rank = vec![0u32; order.len()];
    for (r, &g) in order.iter().enumerate() {
        rank[g] = r as u32;
    }
    let oidx: Vec<i64> = order.iter().map(|&g| g as i64).collect();
    let keys = keys.iter().map(|k| take_idx(k, &oidx)).collect();
    ids = crate::ops::par::map(&ids, |id| rank[id as usize]);
    Ok(GroupIds {
        keys,
        ids,
        ngroups: order.len(),
    })
}

/// Group ids of the tuples of several key columns: the rows of the table
/// they make (one pass, dense composite ids when the ranges allow), or
/// column by column when a key is not a list.
pub(crate) fn key_ids(kv: &[Value]) -> QResult<(Vec<u32>, Vec<usize>)> {
    let n = kv.first().map_or(0, Value::count);
    let lists = kv
        .iter()
        .all(|k| matches!(k, Value::Vector(_) | Value::List(_)) && k.count() == n);
    if lists {
        let names = (0..kv.len()).map(|i| Sym::new(&format!("k{i}"))).collect();
        return group_ids(&Value::table(names, kv.to_vec()));
    }
    let (mut ids, mut firsts) = group_ids(&kv[0])?;
    for k in &kv[1..] {
        let (b, _) = group_ids(k)?;
        (ids, firsts) = combine_ids(&ids, &b);
    }
    Ok((ids, firsts))
}

// ---------------------------------------------------------------------------
// Select phrase helpers

/// Names and parse trees of a select phrase: a dictionary, a symbol or
/// symbol list (columns by name), or `()` (all columns).
pub(crate) fn phrase(a: &Value, t: &Table, skip: &[Sym]) -> QResult<(Vec<Sym>, Vec<Value>)> {
    match a {
        Value::Dict(d) => {
            let names = syms_of(&d.keys)?;
            let exprs = d.values.items();
            if names.len() != exprs.len() {
                return Err(QError::length());
            }
            Ok((names, exprs))
        }
        Value::Atom(Atom::Symbol(_)) | Value::Vector(_) if syms_of(a).is_ok() => {
            let names = syms_of(a)?;
            let exprs = names
                .iter()
                .map(|s| Value::Atom(Atom::Symbol(*s)))
                .collect();
            Ok((names, exprs))
        }
        Value::List(l) if l.is_empty() => {
            let names: Vec<Sym> = t
                .names
                .iter()
                .filter(|n| !skip.contains(n))
                .copied()
                .collect();
            let exprs = names
                .iter()
                .map(|s| Value::Atom(Atom::Symbol(*s)))
                .collect();
            Ok((names, exprs))
        }
        Value::Nil => phrase(&Value::list(vec![]), t, skip),
        _ => Err(QError::type_()),
    }
}

/// Evaluates select expressions over one context and shapes them into
/// columns: all atoms give one row; otherwise atoms broadcast to the lists'
/// common count.
pub(crate) fn select_columns(
    it: &mut Interp,
    ctx: &mut Ctx,
    exprs: &[Value],
) -> QResult<Vec<Value>> {
    ctx.gather_named(exprs);
    let mut vals = Vec::with_capacity(exprs.len());
    for e in exprs {
        vals.push(eval_tree(it, ctx, e)?);
    }
    let n = vals
        .iter()
        .find(|v| v.is_list() || matches!(v, Value::Table(_)))
        .map(Value::count);
    match n {
        None => Ok(vals
            .into_iter()
            .map(|v| match v {
                Value::Atom(a) => Value::Vector(crate::ops::make::atom_vec(a)),
                other => Value::list(vec![other]),
            })
            .collect()),
        Some(n) => vals.into_iter().map(|v| fit(v, n)).collect(),
    }
}

/// One value per group collected into a column (typed when every value is
/// an atom of one type). `empty` is the column for no groups.
pub(crate) fn collect_column(vals: Vec<Value>, empty: Value) -> Value {
    if vals.is_empty() {
        return empty;
    }
    Value::from_items(vals)
}

/// The empty column an expression gives over no rows.
pub(crate) fn empty_column(it: &mut Interp, t: &Table, e: &Value) -> Value {
    let mut ctx = Ctx::new(t, Some(Arc::new(vec![])));
    match eval_tree(it, &mut ctx, e) {
        Ok(Value::Atom(a)) => Value::Vector(Vector::empty(a.ty())),
        _ => Value::list(vec![]),
    }
}

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
