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
//!
//! This file holds what every statement shares (the evaluation context,
//! names, phrases); `where_clause.rs` the constraints, `by.rs` the
//! grouping, `select.rs` select and exec, `update.rs` update and delete.

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

mod by;
mod select;
mod update;
mod where_clause;

pub use by::*;
pub use select::*;
pub use update::*;
pub use where_clause::*;

// ---------------------------------------------------------------------------
// ?[c;a;b]

/// `?[c;a;b]`: vector conditional — items of `a` where `c`, else of `b`;
/// with a table (or a table's name) first, simple exec `?[t;i;p]`.
pub fn query_n(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    if args.len() >= 4 {
        return select_n(it, args);
    }
    let Ok([c, a, b]) = <[Value; 3]>::try_from(args) else {
        return Err(QError::rank());
    };
    // `?[t;i;p]` simple exec, on a table or a table's name
    if matches!(c, Value::Table(_) | Value::Atom(Atom::Symbol(_)))
        || crate::builtins::table::keyed_parts(&c).is_some()
    {
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
