//! `select`/`exec` over a partitioned table: `?[t;c;b;a(;n(;o))]` when
//! `t` is a partitioned table (the one hook in `qsql::select_n` lands in
//! [`select`]). It plans the query: leading where constraints that name
//! only the partition field prune partitions; the columns the phrases name
//! are the only ones mapped; then one of four strategies, tried in order —
//! per-partition results concatenated (row-wise selects, or a by whose
//! first key is the partition field), the `sum count min max` map-reduce
//! without a by, the exact merge of grouped aggregates (`reduce.rs`), and
//! last the gathered in-memory table (`gather.rs`). Every strategy gives
//! what one select over all the rows gives; the partition-local virtual
//! column `i` (q's row number inside its partition) is why a query that
//! reads `i` is never narrowed first.
//!
//! Also here: [`Parts`] (the surviving partitions and the columns mapped
//! from each) and [`Strip`]/[`put_key`], which let the compiled core run a
//! select by the partition field in one partition by its other keys.
//!
//! [`combinable`] names the aggregates whose per-partition results combine
//! by the same aggregate (`count` by `sum`): a hand list of q names, allowed
//! by `NAME_LISTS` in `tests/keywords_doc.rs`.

use super::gather::{concat, gather, gather_narrowed};
use super::parallel::{Fill, PartQuery, each_partition};
use super::reduce::grouped_reduce;
use crate::builtins::apply::apply;
use crate::ops::make::atom_vec;
use crate::state::Interp;
use crate::storage::db::PartDb;
use crate::storage::db::field_col;
use qcore::Atom;
use qcore::Func;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use std::sync::Arc;

use crate::query::range::row_numbers;

/// Names (symbol atoms) a parse tree mentions, outside quoted constants.
fn names_in(e: &Value, out: &mut Vec<Sym>) {
    match e {
        Value::Atom(Atom::Symbol(s)) => out.push(*s),
        Value::List(l) if l.len() > 1 => {
            for x in l.iter() {
                names_in(x, out);
            }
        }
        Value::Dict(d) => {
            for x in d.values.items() {
                names_in(&x, out);
            }
        }
        _ => {}
    }
}

fn constraints(c: &Value) -> Vec<Value> {
    match c {
        Value::List(l) => l.as_ref().clone(),
        Value::Nil => vec![],
        Value::Vector(v) if v.is_empty() => vec![],
        other => vec![other.clone()],
    }
}

fn builtin_name(f: &Value) -> Option<&'static str> {
    match f {
        Value::Func(Func::Builtin(p)) => Some(p.name),
        _ => None,
    }
}

/// Builtins that map rows to rows (atomic or uniform): a tree made only of
/// these over columns and atoms gives, over several partitions, the
/// concatenation of what it gives over each.
const ROWWISE: &[&str] = &[
    "+",
    "-",
    "*",
    "%",
    "=",
    "<>",
    "<",
    ">",
    "<=",
    ">=",
    "&",
    "|",
    "^",
    "neg",
    "not",
    "null",
    "abs",
    "string",
    "$",
    "xbar",
    "within",
    "in",
    "like",
    "mod",
    "div",
    "floor",
    "ceiling",
    "signum",
    "sqrt",
    "exp",
    "log",
    "upper",
    "lower",
    "reciprocal",
];

fn rowwise(e: &Value) -> bool {
    match e {
        Value::Atom(_) => true,
        Value::Vector(v) => v.len() == 1 && v.ty() == Ty::Symbol,
        Value::List(l) if l.len() == 1 => matches!(l[0], Value::Atom(_)),
        Value::List(l) if l.len() > 1 => {
            builtin_name(&l[0]).is_some_and(|n| ROWWISE.contains(&n)) && l[1..].iter().all(rowwise)
        }
        _ => false,
    }
}

/// `(agg; rowwise)` with agg one of `sum count min max`: the aggregate's
/// name (how per-partition results combine).
fn combinable(e: &Value) -> Option<&'static str> {
    match e {
        Value::List(l) if l.len() == 2 && rowwise(&l[1]) => {
            builtin_name(&l[0]).filter(|n| matches!(*n, "sum" | "count" | "min" | "max"))
        }
        _ => None,
    }
}

/// `?[t;c;b;a(;n(;o))]` over partitioned table `t` of `db`.
#[allow(clippy::too_many_arguments)]
pub fn select(
    it: &mut Interp,
    db: Arc<PartDb>,
    t: Sym,
    c: Value,
    b: Value,
    a: Value,
    n: Option<Value>,
    order: Option<Value>,
) -> QResult<Value> {
    let field = db.field();
    let schema = db.columns(t).ok_or_else(QError::type_)?.to_vec();
    // leading constraints on the partition field alone prune partitions
    let cs = constraints(&c);
    let mut lead = 0;
    for k in &cs {
        let mut ns = Vec::new();
        names_in(k, &mut ns);
        let on_field = ns.contains(&field)
            && !ns
                .iter()
                .any(|s| s.as_str() == "i" || (schema.contains(s) && *s != field));
        if !on_field {
            break;
        }
        lead += 1;
    }
    let mut selected: Vec<usize> = (0..db.layout.parts.len()).collect();
    if lead > 0 {
        let all = Value::Vector(db.values(&selected));
        let vt = Table {
            names: vec![field],
            columns: vec![all],
        };
        let keep = crate::query::qsql::narrow(it, &vt, &Value::list(cs[..lead].to_vec()))?;
        if let Some(r) = keep {
            selected = r.iter().map(|&k| k as usize).collect();
        }
    }
    let rest_cs = cs[lead..].to_vec();
    // names the select, by and order phrases mention
    let mut phrase_names = Vec::new();
    for e in [&b, &a] {
        names_in(e, &mut phrase_names);
    }
    if let Some(o) = &order {
        names_in(o, &mut phrase_names);
    }
    let mut where_names = Vec::new();
    for e in &rest_cs {
        names_in(e, &mut where_names);
    }
    let q = PartQuery {
        field_in_where: where_names.contains(&field),
        rest: Value::list(rest_cs.clone()),
        cs: rest_cs,
        b: b.clone(),
        a: a.clone(),
        uses_i: [&b, &a].into_iter().chain(order.as_ref()).any(row_numbers),
    };
    // the columns the query names
    let all_cols = matches!(&a, Value::Nil) || matches!(&a, Value::List(l) if l.is_empty());
    let (need, with_field) = if all_cols {
        (schema.clone(), true)
    } else {
        let mut ns = phrase_names;
        // each constraint on its own: a one-constraint list is a quoted
        // constant to `names_in`
        for e in &q.cs {
            names_in(e, &mut ns);
        }
        if let Value::Vector(v) = &a
            && let Some(s) = v.as_sym()
        {
            ns.extend_from_slice(s);
        }
        if let Value::Vector(v) = &b
            && let Some(s) = v.as_sym()
        {
            ns.extend_from_slice(s);
        }
        let need: Vec<Sym> = schema.iter().filter(|s| ns.contains(s)).copied().collect();
        (need, ns.contains(&field))
    };
    if selected.len() == 1 {
        let tb = db.part_table(selected[0], t, &need, with_field)?;
        return q.run(it, tb, &q.rest, n, order);
    }
    let part = Parts {
        db: &db,
        t,
        sel: &selected,
        need: &need,
        field: with_field,
    };
    let simple = n.is_none() && order.is_none();
    // (a value in two segments of a segmented database is two entries
    // whose groups must merge: not this path)
    let by_field_first = db.layout.values_unique()
        && match &b {
            Value::Dict(d) => {
                matches!(d.values.items().first(), Some(Value::Atom(Atom::Symbol(s))) if *s == field)
            }
            Value::Vector(v) if v.ty() == Ty::Symbol => {
                v.as_sym().and_then(|s| s.first()) == Some(&field)
            }
            _ => false,
        };
    let plain = matches!(b, Value::Atom(Atom::Bool(false)));
    let exprs: Option<Vec<Value>> = match &a {
        Value::Dict(d) => Some(d.values.items()),
        _ if all_cols => Some(vec![]),
        _ => None,
    };
    let all_rowwise = exprs.as_ref().is_some_and(|e| e.iter().all(rowwise));
    let aggs: Option<Vec<&'static str>> = exprs
        .as_ref()
        .filter(|e| !e.is_empty())
        .and_then(|e| e.iter().map(combinable).collect());
    if !selected.is_empty() && simple && ((plain && all_rowwise) || by_field_first) {
        // per partition, results concatenated (groups never span partitions
        // when the partition field is the first key)
        let strip = if by_field_first {
            strip_field(&b, &a, &q.cs, field)
        } else {
            None
        };
        let rows = plain && all_rowwise;
        return concat(each_partition(it, &part, &q, strip.as_ref(), rows)?);
    }
    if let (true, true, Some(aggs)) = (!selected.is_empty() && simple, plain, aggs) {
        // map-reduce: one row per partition, combined per column
        let Value::Table(all) = concat(each_partition(it, &part, &q, None, false)?)? else {
            return Err(QError::type_());
        };
        let mut cols = Vec::with_capacity(aggs.len());
        for (col, agg) in all.columns.iter().zip(aggs) {
            let f = if agg == "count" { "sum" } else { agg };
            let fi = crate::registry::lookup(f).ok_or_else(QError::type_)?;
            let r = apply(it, &crate::registry::func(fi), vec![col.clone()])?;
            cols.push(match r {
                Value::Atom(x) => Value::Vector(atom_vec(x)),
                other => Value::list(vec![other]),
            });
        }
        return Ok(Value::table(all.names.clone(), cols));
    }
    // grouped aggregates that merge exactly: per partition, then combined
    if !selected.is_empty()
        && simple
        && let Some(r) = grouped_reduce(it, &part, &q)?
    {
        return Ok(r);
    }
    // general case: the needed columns of the surviving partitions, gathered
    // (narrowed by the compiled where clause first when it has one)
    if let Some(tb) = gather_narrowed(it, &part, &q)? {
        return q.run(it, tb, &Value::list(vec![]), n, order);
    }
    let tb = gather(it, &part)?;
    q.run(it, tb, &q.rest, n, order)
}

/// The surviving partitions of a query and the columns it maps from each.
pub(super) struct Parts<'a> {
    pub(crate) db: &'a PartDb,
    pub(crate) t: Sym,
    pub(crate) sel: &'a [usize],
    pub(crate) need: &'a [Sym],
    /// Whether the partition field is among the columns (first).
    pub(crate) field: bool,
}

impl Parts<'_> {
    pub(crate) fn table(&self, k: usize) -> QResult<Table> {
        self.db.part_table(k, self.t, self.need, self.field)
    }

    /// Partition `k` to be narrowed by a where clause: when `lazy` and the
    /// partition field is wanted, mapped without it, and the [`Fill`] that
    /// puts it in the surviving rows (building the field's column for
    /// every row would cost more than the where clause).
    pub(crate) fn to_narrow(&self, k: usize, lazy: bool) -> QResult<(Table, Option<Fill>)> {
        if !(self.field && lazy) {
            return Ok((self.table(k)?, None));
        }
        let tb = self.db.part_table(k, self.t, self.need, false)?;
        let fill = Fill {
            k,
            name: self.db.field(),
            ty: self.db.field_ty(),
            v: self.db.layout.parts[k].0,
            alone: self.need.is_empty(),
        };
        Ok((tb, Some(fill)))
    }
}

/// A select by the partition field first, for the compiled core: in one
/// partition every group has the partition's value as its first key, so
/// the select runs by the other keys (`b`; `0b` when there are none) over
/// the partition without its field, and that key is put back in front
/// (named `key`): the same groups in the same order, the same aggregates.
pub(super) struct Strip {
    pub(crate) key: Sym,
    pub(crate) b: Value,
}

/// [`Strip`] for `?[t;c;b;a]` when `b` is a by dictionary whose first key
/// is the partition field `field`, `a` a dictionary of aggregates, and
/// nothing else (other keys, aggregates, where clause) names the field.
fn strip_field(b: &Value, a: &Value, cs: &[Value], field: Sym) -> Option<Strip> {
    let (Value::Dict(bd), Value::Dict(_)) = (b, a) else {
        return None;
    };
    let Value::Vector(kv) = &bd.keys else {
        return None;
    };
    let keys = kv.as_sym()?;
    let vals = bd.values.items();
    if keys.is_empty() || keys.len() != vals.len() {
        return None;
    }
    let mut ns = Vec::new();
    for e in cs.iter().chain(&vals[1..]).chain([a]) {
        names_in(e, &mut ns);
    }
    if ns.contains(&field) {
        return None;
    }
    let b = if keys.len() == 1 {
        Value::Atom(Atom::Bool(false))
    } else {
        Value::dict(
            Value::Vector(Vector::syms(keys[1..].to_vec())),
            Value::list(vals[1..].to_vec()),
        )
    };
    Some(Strip { key: keys[0], b })
}

/// `r`, the result of a select by the keys after the partition field in
/// a partition of value `v`, with that key (`key`, of type `ty`) put back
/// in front: a table of aggregates becomes a keyed table.
pub(super) fn put_key(r: Value, key: Sym, ty: Ty, v: i64) -> QResult<Value> {
    let col = |n: usize| Value::Vector(field_col(ty, v, n));
    match r {
        Value::Table(t) => {
            let n = t.len();
            Ok(Value::dict(
                Value::table(vec![key], vec![col(n)]),
                Value::Table(t),
            ))
        }
        Value::Dict(d) => {
            let Value::Table(kt) = &d.keys else {
                return Err(QError::type_());
            };
            let mut names = vec![key];
            names.extend_from_slice(&kt.names);
            let mut cols = vec![col(kt.len())];
            cols.extend(kt.columns.iter().cloned());
            Ok(Value::dict(Value::table(names, cols), d.values.clone()))
        }
        _ => Err(QError::type_()),
    }
}
