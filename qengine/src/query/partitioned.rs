//! Partitioned databases: `\l db` over `db/2024.01.02/trade/...`,
//! `.Q.dpft .Q.par .Q.cn .Q.qp`, the state variables `.Q.pf .Q.pv .Q.PV
//! .Q.PD .Q.pt .Q.pn`, and qSQL over partitioned tables.
//!
//! **Value model.** A partitioned table's value is what q shows for it:
//! `+`sym`time`price!`trade` — a table whose every column is the table's
//! name (a symbol atom), with the splayed columns' names (the partition
//! field is virtual, not among them). It is an ordinary `Value::Table`, so
//! no other code needs a new case; what it *means* is held by the
//! interpreter's one loaded partitioned database ([`PartDb`], in
//! `Interp::partdb`), found by the name (see [`parted`]). `select`/`exec`
//! (one hook in `crate::query::qsql::select_n`), `count`, `cols`, `meta`, `.Q.cn` and the
//! console check for such a value and turn to this module. Nothing is
//! mapped at `\l`; a query maps the columns it names in the partitions that
//! survive its partition constraints, when it runs.
//!
//! Query plan (see `docs/QSQL.md`): leading where constraints that name only
//! the partition field are evaluated over the partition values and prune
//! partitions; the rest runs per partition (the virtual column `i` is the
//! row number inside its partition, as in q). Plain selects of row-wise
//! expressions and selects grouped first by the partition field concatenate
//! per-partition results; `sum count min max` aggregates without a by
//! combine per-partition results; grouped aggregates the compiled core takes
//! whose partial results merge exactly (`count`, integer `sum`, `min`,
//! `max`, `first`, `last`) are merged from per-partition groups; anything
//! else gathers the needed columns of the surviving partitions into one
//! table (only the rows the where clause keeps, when it compiles) and runs
//! the in-memory path.
//!
//! Parallel partitions (issue 6): where the compiled core (`kernel`) can
//! answer a partition — the whole select, or its where clause — the
//! partition is mapped and its query compiled on the interpreter thread
//! (compiling reads globals; the storage trace is per thread), then run on
//! the rayon pool while the next partitions are mapped, a few at a time
//! (`Flight`); results are used in partition order, so they are exactly
//! the sequential ones. Partitions the compiled core does not take run on
//! the interpreter thread as before, and `\compile 0` gives the sequential
//! interpreter everywhere.

use crate::storage::db::PartDb;
use crate::storage::db::field_col;
use std::collections::HashMap;

use std::path::Path;

use std::sync::Arc;

use std::sync::Mutex;

use std::sync::mpsc;

use qstorage::header::Kind;

use qstorage::header::TYPE_ENUM;

use qstorage::part::Layout;

use crate::builtins::apply::apply;

use crate::state::Interp;

use crate::query::kernel::compile;

use crate::query::kernel::compile::AggKind;

use crate::query::kernel::compile::Program;

use crate::query::kernel::compile::SelectQ;

use crate::query::kernel::exec;

use qcore::Atom;

use qcore::Attr;

use qcore::Buf;

use qcore::Func;

use qcore::QError;

use qcore::QResult;

use qcore::Sym;

use qcore::Table;

use qcore::Ty;

use qcore::Value;

use qcore::VecData;

use qcore::Vector;

use crate::ops::index::slice;

use crate::ops::index::take_idx;

use crate::ops::make::atom_vec;

use crate::storage::column::handle_of;

use crate::storage::column::handle_path;

use crate::storage::column::serr;

/// The value of partitioned table `t`: `+cols!`t`.
fn marker(t: Sym, cols: &[Sym]) -> Value {
    Value::Table(Arc::new(Table {
        names: cols.to_vec(),
        columns: vec![Value::Atom(Atom::Symbol(t)); cols.len()],
    }))
}

/// When `v` is a partitioned table of the loaded database: the database and
/// the table's name.
pub fn parted(it: &Interp, v: &Value) -> Option<(Arc<PartDb>, Sym)> {
    let Value::Table(t) = v else { return None };
    let Some(Value::Atom(Atom::Symbol(s))) = t.columns.first() else {
        return None;
    };
    let db = it.partdb.as_ref()?;
    db.columns(*s)?;
    Some((db.clone(), *s))
}

// ---------------------------------------------------------------------------
// \l

/// `\l db` of a partitioned database: the state variables, the partition
/// field's global (`date`: the partition values), and one global per
/// partitioned table. Reads directory names and one `.d` per table only.
pub fn load(it: &mut Interp, layout: Layout) -> QResult<()> {
    let last = layout.parts.len().saturating_sub(1);
    let mut tables = Vec::with_capacity(layout.tables.len());
    for t in &layout.tables {
        let names = qstorage::splay::read_d(&layout.table_dir(last, t)).map_err(serr)?;
        tables.push((Sym::new(t), names.iter().map(|n| Sym::new(n)).collect()));
    }
    let db = Arc::new(PartDb {
        layout,
        tables,
        syms: Mutex::new(None),
        counts: Mutex::new(HashMap::new()),
    });
    let all: Vec<usize> = (0..db.layout.parts.len()).collect();
    let pv = Value::Vector(db.values(&all));
    let root = db.layout.root.display().to_string();
    let g = |s: &str| Sym::new(s);
    it.set_global(g(".Q.pf"), Value::Atom(Atom::Symbol(db.field())));
    it.set_global(g(".Q.pv"), pv.clone());
    it.set_global(g(".Q.PV"), pv.clone());
    it.set_global(
        g(".Q.PD"),
        Value::Vector(Vector::syms(vec![Sym::new(&format!(":{root}")); all.len()])),
    );
    it.set_global(
        g(".Q.pt"),
        Value::Vector(Vector::syms(db.tables.iter().map(|x| x.0).collect())),
    );
    it.set_global(g(".Q.pn"), db.pn());
    it.set_global(db.field(), pv);
    for (t, cols) in &db.tables {
        it.set_global(*t, marker(*t, cols));
    }
    it.partdb = Some(db);
    Ok(())
}

// ---------------------------------------------------------------------------
// count cols meta .Q.cn .Q.qp, the console

/// Per-partition counts of a partitioned table, refreshing `.Q.pn`.
fn part_counts(it: &mut Interp, db: &PartDb, t: Sym) -> QResult<Vec<i64>> {
    let c = db.counts(t)?;
    it.set_global(Sym::new(".Q.pn"), db.pn());
    Ok(c)
}

/// `count t` of a partitioned table: the rows of every partition.
pub fn count_hook(it: &mut Interp, x: &Value) -> QResult<Option<Value>> {
    let Some((db, t)) = parted(it, x) else {
        return Ok(None);
    };
    Ok(Some(Value::long(part_counts(it, &db, t)?.iter().sum())))
}

/// `.Q.cn t`: the row count of each partition of a partitioned table.
pub fn q_cn(it: &mut Interp, x: Value) -> QResult<Value> {
    let Some((db, t)) = parted(it, &x) else {
        return Err(QError::type_());
    };
    Ok(Value::Vector(Vector::longs(part_counts(it, &db, t)?)))
}

/// `.Q.qp x`: `1b` for a partitioned table, `0b` for another table, else 0.
pub fn q_qp(it: &mut Interp, x: Value) -> QResult<Value> {
    Ok(if parted(it, &x).is_some() {
        Value::bool(true)
    } else if matches!(x, Value::Table(_)) {
        Value::bool(false)
    } else {
        Value::long(0)
    })
}

/// `cols t` of a partitioned table: the partition field, then the columns.
pub fn cols_hook(it: &Interp, x: &Value) -> Option<Value> {
    let (db, t) = parted(it, x)?;
    let mut names = vec![db.field()];
    names.extend_from_slice(db.columns(t)?);
    Some(Value::Vector(Vector::syms(names)))
}

/// `meta t` of a partitioned table, from the column headers of the last
/// partition (nothing is mapped).
pub fn meta_hook(it: &Interp, x: &Value) -> QResult<Option<Value>> {
    let Some((db, t)) = parted(it, x) else {
        return Ok(None);
    };
    let last = db.layout.parts.len().saturating_sub(1);
    let hs = qstorage::part::column_headers(&db.dir(last, t)).map_err(serr)?;
    let mut names = vec![db.field()];
    let mut ts = vec![db.field_ty().letter() as u8];
    let mut attrs = vec![Sym::EMPTY];
    for (n, h) in &hs {
        names.push(Sym::new(n));
        let letter = if h.ty == TYPE_ENUM {
            's'
        } else {
            Ty::from_code(h.ty as i16).map_or(' ', Ty::letter)
        };
        ts.push(if h.kind == Kind::Offsets {
            letter.to_ascii_uppercase() as u8
        } else {
            letter as u8
        });
        attrs.push(Sym::new(match h.attr {
            1 => "s",
            2 => "u",
            3 => "p",
            4 => "g",
            _ => "",
        }));
    }
    let n = names.len();
    Ok(Some(Value::dict(
        Value::table(
            vec![Sym::new("c")],
            vec![Value::Vector(Vector::syms(names))],
        ),
        Value::table(
            vec![Sym::new("t"), Sym::new("f"), Sym::new("a")],
            vec![
                Value::Vector(Vector::chars(&ts)),
                Value::Vector(Vector::syms(vec![Sym::EMPTY; n])),
                Value::Vector(Vector::syms(attrs)),
            ],
        ),
    )))
}

/// What the console shows for a partitioned table: its first `rows` rows
/// (enough for the console to cut it as it cuts any table), mapped from
/// the first partitions.
pub fn display_value(it: &Interp, x: &Value, rows: usize) -> Option<Value> {
    let (db, t) = parted(it, x)?;
    let cols = db.columns(t)?.to_vec();
    let mut parts = Vec::new();
    let mut got = 0;
    for k in 0..db.layout.parts.len() {
        if got >= rows {
            break;
        }
        let pt = db.part_table(k, t, &cols, true).ok()?;
        let v = slice(&Value::Table(Arc::new(pt)), 0, rows - got);
        got += v.count();
        parts.push(v);
    }
    concat(parts).ok()
}

// ---------------------------------------------------------------------------
// select

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

/// Whether a phrase reads the virtual column `i`'s values (the row
/// numbers, which narrowing a partition first would change); `count i`
/// only counts them.
fn row_numbers(e: &Value) -> bool {
    let is_i = |s: &Sym| s.as_str() == "i";
    match e {
        Value::Atom(Atom::Symbol(s)) => is_i(s),
        Value::Vector(v) => v.as_sym().is_some_and(|s| s.iter().any(is_i)),
        Value::List(l) if l.len() == 2 && builtin_name(&l[0]) == Some("count") => {
            !matches!(&l[1], Value::Atom(Atom::Symbol(s)) if is_i(s)) && row_numbers(&l[1])
        }
        Value::List(l) if l.len() > 1 => l.iter().any(row_numbers),
        Value::Dict(d) => d.values.items().iter().any(row_numbers),
        _ => false,
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

/// Tables (or keyed tables) with the same columns, rows appended in order.
fn concat(parts: Vec<Value>) -> QResult<Value> {
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
    let by_field_first = match &b {
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
struct Parts<'a> {
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
struct Strip {
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
fn put_key(r: Value, key: Sym, ty: Ty, v: i64) -> QResult<Value> {
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

/// What a query does in each partition: `?[partition;rest;b;a]`.
struct PartQuery {
    /// The constraints left after pruning, and them as one where clause.
    pub(crate) cs: Vec<Value>,
    pub(crate) rest: Value,
    pub(crate) b: Value,
    pub(crate) a: Value,
    /// The select, by or order phrase names `i`.
    pub(crate) uses_i: bool,
    /// The where clause names the partition field.
    pub(crate) field_in_where: bool,
}

/// The compiled core's part of one partition's query, decided on the
/// interpreter thread (compiling reads globals) and run on the rayon pool.
enum Job {
    /// The whole select (`kernel::exec::run_select`).
    Select(SelectQ),
    /// The where clause (`kernel::exec::run_narrow`); the interpreter runs
    /// the rest over the surviving rows. With a [`Fill`], the partition was
    /// mapped without its field, which is put in front of the surviving
    /// rows.
    Narrow(Program, Option<Fill>),
    /// The select by the keys after the partition field, over a partition
    /// mapped without it ([`Strip`]): the key's name and type, and the
    /// partition (its index and value).
    Keyed(SelectQ, Sym, Ty, usize, i64),
    /// Nothing compiled: the interpreter runs the partition.
    Interp,
}

/// A partition after its job ran on the pool.
enum Done {
    /// The select's result.
    Value(QResult<Value>),
    /// The surviving rows, gathered, for the interpreter to finish.
    Narrowed(Table),
    /// The partition, for the interpreter.
    Interp(Table),
    /// Partition `k`, to map with its field for the interpreter.
    Remap(usize),
}

/// Partitions in flight on the pool at once: at most this many per pool
/// thread, and at most [`FLIGHT_ROWS`] rows (a mapped partition holds its
/// symbol columns and partition field in memory until it is done).
const FLIGHT_PER_THREAD: usize = 2;

const FLIGHT_ROWS: usize = 1 << 24;

impl PartQuery {
    /// `?[tb;c;b;a(;n(;o))]` by the ordinary (in-memory) path.
    pub(crate) fn run(
        &self,
        it: &mut Interp,
        tb: Table,
        c: &Value,
        n: Option<Value>,
        order: Option<Value>,
    ) -> QResult<Value> {
        let mut args = vec![
            Value::Table(Arc::new(tb)),
            c.clone(),
            self.b.clone(),
            self.a.clone(),
        ];
        match (n, order) {
            (Some(n), Some(o)) => args.extend([n, o]),
            (Some(n), None) => args.push(n),
            (None, Some(o)) => args.extend([Value::long(i64::MAX), o]),
            (None, None) => {}
        }
        crate::query::qsql::select_n(it, args)
    }

    /// The job of one partition of a plain or grouped select. The whole
    /// select when the compiled core takes it (as `crate::query::qsql::select_n` would
    /// for the partition); else its where clause, when it compiles and
    /// narrowing first cannot change the rest (no `i`).
    pub(crate) fn plan(&self, it: &Interp, tb: &Table) -> Job {
        if matches!(self.a, Value::Dict(_))
            && let Some(q) = compile::compile_select(it, tb, &self.rest, &self.b, &self.a)
        {
            return Job::Select(q);
        }
        if !self.cs.is_empty()
            && !self.uses_i
            && let Some(p) = compile::compile_where(it, tb, &self.cs)
        {
            return Job::Narrow(p, None);
        }
        Job::Interp
    }
}

impl Job {
    /// Runs on a worker thread: no interpreter.
    pub(crate) fn run(self, tb: Table) -> (Done, Option<Table>) {
        match self {
            Job::Select(q) => match exec::run_select(&tb, &q) {
                Some(r) => {
                    crate::query::kernel::note_run();
                    (Done::Value(r), Some(tb))
                }
                None => (Done::Interp(tb), None),
            },
            Job::Narrow(p, fill) => match (exec::run_narrow(&tb, &p), fill) {
                (Some(rows), fill) => {
                    crate::query::kernel::note_run();
                    let mut nt = take_rows(&tb, &rows);
                    if let Some(f) = fill {
                        f.put(&mut nt, rows.len());
                    }
                    (Done::Narrowed(nt), Some(tb))
                }
                (None, Some(f)) => (Done::Remap(f.k), Some(tb)),
                (None, None) => (Done::Interp(tb), None),
            },
            Job::Keyed(q, key, ty, k, v) => match exec::run_select(&tb, &q) {
                Some(r) => {
                    crate::query::kernel::note_run();
                    (
                        Done::Value(r.and_then(|r| put_key(r, key, ty, v))),
                        Some(tb),
                    )
                }
                None => (Done::Remap(k), Some(tb)),
            },
            Job::Interp => (Done::Interp(tb), None),
        }
    }
}

/// The partition field of partition `k`, put in front of rows narrowed
/// from the partition mapped without it (the same table as narrowing the
/// partition mapped with it: the field's column is constant).
#[derive(Clone, Copy)]
struct Fill {
    pub(crate) k: usize,
    pub(crate) name: Sym,
    pub(crate) ty: Ty,
    pub(crate) v: i64,
    /// No other column was asked for (`part_table` then drops the one it
    /// mapped for the row count).
    pub(crate) alone: bool,
}

impl Fill {
    pub(crate) fn put(self, tb: &mut Table, n: usize) {
        if self.alone {
            tb.names.clear();
            tb.columns.clear();
        }
        tb.names.insert(0, self.name);
        tb.columns
            .insert(0, Value::Vector(field_col(self.ty, self.v, n)));
    }
}

/// Rows `rows` of every column of `tb`.
fn take_rows(tb: &Table, rows: &[i64]) -> Table {
    Table {
        names: tb.names.clone(),
        columns: tb.columns.iter().map(|c| take_idx(c, rows)).collect(),
    }
}

/// `'stop` when Ctrl-C was pressed or the deadline passed: what
/// `Interp::tick` checks every 4096 ticks, checked now (before and after a
/// batch of partitions runs on the pool, where nothing ticks).
fn stop_check(it: &Interp) -> QResult<()> {
    use std::sync::atomic::Ordering;
    if it.interrupt.swap(false, Ordering::Relaxed)
        || crate::state::INTERRUPT.swap(false, Ordering::Relaxed)
    {
        return Err(QError::new("stop").with_detail("interrupted"));
    }
    if let Some(d) = it.deadline
        && std::time::Instant::now() >= d
    {
        return Err(QError::new("stop").with_detail("time limit reached"));
    }
    Ok(())
}

/// A finished job: its position, and its result with the partition to free
/// (or the panic it raised).
type Landed = (usize, std::thread::Result<(Done, Option<Table>)>);

/// Partition jobs running on the rayon pool while the interpreter thread
/// maps and compiles the next partitions; results are handed back in
/// partition order.
struct Flight {
    pub(crate) tx: mpsc::Sender<Landed>,
    pub(crate) rx: mpsc::Receiver<Landed>,
    /// Results by position, until handed out.
    pub(crate) slots: Vec<Option<Done>>,
    pub(crate) rows: Vec<usize>,
    /// The position handed out next.
    pub(crate) next: usize,
    pub(crate) flying: usize,
    pub(crate) flying_rows: usize,
    pub(crate) max: usize,
}

impl Flight {
    pub(crate) fn new(n: usize) -> Self {
        let (tx, rx) = mpsc::channel();
        Flight {
            tx,
            rx,
            slots: (0..n).map(|_| None).collect(),
            rows: vec![0; n],
            next: 0,
            flying: 0,
            flying_rows: 0,
            max: rayon::current_num_threads().max(1) * FLIGHT_PER_THREAD,
        }
    }

    /// Whether every position before `pos` has been handed out.
    pub(crate) fn caught_up(&self, pos: usize) -> bool {
        self.next == pos
    }

    /// Position `pos` was dealt with by the caller.
    pub(crate) fn skip(&mut self, pos: usize) {
        debug_assert_eq!(self.next, pos);
        self.next = pos + 1;
    }

    /// Starts the job of position `pos` on the pool (an interpreter job is
    /// ready at once).
    pub(crate) fn submit(&mut self, pos: usize, tb: Table, job: Job) {
        if matches!(job, Job::Interp) {
            self.slots[pos] = Some(Done::Interp(tb));
            return;
        }
        self.flying += 1;
        self.rows[pos] = tb.len();
        self.flying_rows += tb.len();
        let tx = self.tx.clone();
        rayon::spawn(move || {
            // a panic goes back to the interpreter thread (the console
            // catches it per line); on the pool it would abort
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(tb)));
            let _ = tx.send((pos, r));
        });
    }

    pub(crate) fn land(&mut self, (pos, r): Landed) {
        self.flying -= 1;
        self.flying_rows -= self.rows[pos];
        match r {
            // (the partition's columns are freed here, on the thread that
            // allocated them)
            Ok((d, _spent)) => self.slots[pos] = Some(d),
            Err(p) => std::panic::resume_unwind(p),
        }
    }

    /// The next result in partition order: waiting for it when `wait`
    /// (checking for Ctrl-C between partitions), else only if it is there.
    pub(crate) fn take(&mut self, it: &Interp, wait: bool) -> QResult<Option<Done>> {
        while let Ok(m) = self.rx.try_recv() {
            self.land(m);
        }
        loop {
            if let Some(d) = self.slots.get_mut(self.next).and_then(Option::take) {
                self.next += 1;
                return Ok(Some(d));
            }
            if !wait || self.flying == 0 {
                return Ok(None);
            }
            stop_check(it)?;
            match self.rx.recv() {
                Ok(m) => self.land(m),
                Err(_) => return Ok(None),
            }
        }
    }

    /// Too much in flight to start another partition.
    pub(crate) fn full(&self) -> bool {
        self.flying >= self.max || self.flying_rows >= FLIGHT_ROWS
    }
}

/// `q` over each partition of `p`, results in partition order, each exactly
/// what `?[partition;rest;b;a]` gives. Partitions whose query the compiled
/// core takes (wholly — by the keys after the partition field with `strip`
/// —, or its where clause) are mapped and compiled on the interpreter
/// thread and run on the rayon pool, several at once; the others, and
/// those whose compiled run hands back to the interpreter (an empty
/// result), run on the interpreter thread, in order, as before. `rowwise`:
/// the phrases are row-wise (only the where clause can compile). With
/// `\compile 0` (or when nothing compiles) this is the sequential loop.
fn each_partition(
    it: &mut Interp,
    p: &Parts,
    q: &PartQuery,
    strip: Option<&Strip>,
    rowwise: bool,
) -> QResult<Vec<Value>> {
    let compiled = crate::query::kernel::enabled();
    let mut strip = strip.filter(|_| compiled);
    // a select of row-wise phrases (nothing for the compiled core but the
    // where clause) whose where clause does not name the partition field:
    // narrowed without mapping the field
    let mut lazy =
        compiled && rowwise && p.field && !q.cs.is_empty() && !q.uses_i && !q.field_in_where;
    let mut out = Vec::with_capacity(p.sel.len());
    let mut fl = Flight::new(p.sel.len());
    let none = Value::list(vec![]);
    let finish = |it: &mut Interp, d: Done, out: &mut Vec<Value>| -> QResult<()> {
        out.push(match d {
            Done::Value(r) => r?,
            Done::Narrowed(tb) => q.run(it, tb, &none, None, None)?,
            Done::Interp(tb) => q.run(it, tb, &q.rest, None, None)?,
            Done::Remap(k) => q.run(it, p.table(k)?, &q.rest, None, None)?,
        });
        Ok(())
    };
    // map (and compile) partition k on this thread
    let mut plan = |it: &mut Interp, k: usize| -> QResult<(Table, Job)> {
        if let Some(s) = strip {
            let tb = p.db.part_table(k, p.t, p.need, false)?;
            match compile::compile_select(it, &tb, &q.rest, &s.b, &q.a) {
                Some(sq) => {
                    let v = p.db.layout.parts[k].0;
                    return Ok((tb, Job::Keyed(sq, s.key, p.db.field_ty(), k, v)));
                }
                // (the same schema in the next partitions: stop trying)
                None => strip = None,
            }
        }
        if lazy {
            let (tb, fill) = p.to_narrow(k, true)?;
            match compile::compile_where(it, &tb, &q.cs) {
                Some(prog) => return Ok((tb, Job::Narrow(prog, fill))),
                None => lazy = false,
            }
        }
        let tb = p.table(k)?;
        let job = if compiled {
            q.plan(it, &tb)
        } else {
            Job::Interp
        };
        Ok((tb, job))
    };
    for (pos, &k) in p.sel.iter().enumerate() {
        it.tick()?;
        let (tb, job) = match plan(it, k) {
            Ok(x) => x,
            Err(e) => {
                // the partitions before this one first, as in order
                while let Some(d) = fl.take(it, true)? {
                    finish(it, d, &mut out)?;
                }
                return Err(e);
            }
        };
        if fl.caught_up(pos) && matches!(job, Job::Interp) {
            fl.skip(pos);
            out.push(q.run(it, tb, &q.rest, None, None)?);
            continue;
        }
        fl.submit(pos, tb, job);
        loop {
            while let Some(d) = fl.take(it, false)? {
                finish(it, d, &mut out)?;
            }
            if !fl.full() {
                break;
            }
            if let Some(d) = fl.take(it, true)? {
                finish(it, d, &mut out)?;
            }
        }
    }
    while let Some(d) = fl.take(it, true)? {
        finish(it, d, &mut out)?;
    }
    stop_check(it)?;
    Ok(out)
}

/// How a compiled aggregate's per-partition results combine into the
/// aggregate over all the rows, exactly: `None` when they do not (float
/// sums and averages round differently; `wavg`/`wsum` likewise).
fn merge_of(k: AggKind) -> Option<&'static str> {
    Some(match k {
        AggKind::Count | AggKind::SumI => "sum",
        AggKind::MinI | AggKind::MinF => "min",
        AggKind::MaxI | AggKind::MaxF => "max",
        AggKind::First => "first",
        AggKind::Last => "last",
        AggKind::SumF | AggKind::AvgI | AggKind::AvgF | AggKind::Wavg | AggKind::Wsum => {
            return None;
        }
    })
}

/// Whether a per-partition result column can be merged without changing
/// the result: an integer sum that is itself the null (the merge would
/// skip it), or a float extreme that is a zero (`0.0` against `-0.0`: which
/// one an extreme keeps depends on the order it saw them), cannot.
fn mergeable(col: &Value, kind: AggKind) -> bool {
    let Value::Vector(v) = col else {
        return false;
    };
    match (kind, v.data()) {
        (AggKind::SumI, VecData::I64(b)) => !b.contains(&i64::MIN),
        (AggKind::SumI, VecData::I32(b)) => !b.contains(&i32::MIN),
        (AggKind::SumI, _) => false,
        (AggKind::MinF | AggKind::MaxF, VecData::F64(b)) => !b.contains(&0.0),
        (AggKind::MinF | AggKind::MaxF, _) => false,
        _ => true,
    }
}

/// A select by keys other than the partition field whose aggregates all
/// combine exactly ([`merge_of`]: `count`, integer `sum`, `min`, `max`,
/// `first`, `last`), compiled for every partition: each partition's
/// grouped result on the rayon pool (the interpreter's for a partition the
/// compiled run hands back), then the groups merged by a select by the same
/// key columns over the partitions' results in partition order (sum of
/// counts and sums, extremes of extremes, the first partition's first, the
/// last's last), so groups come out in key order with the values one select
/// over all the rows gives. `None` (the caller gathers the rows) when
/// anything does not fit: the compiled core off or not taking the select,
/// an aggregate that does not merge, a partial that cannot ([`mergeable`]),
/// a result column named like a key, or no group at all (the interpreter
/// owns the typing of empty results).
fn grouped_reduce(it: &mut Interp, p: &Parts, q: &PartQuery) -> QResult<Option<Value>> {
    let (Value::Dict(bd), Value::Dict(_)) = (&q.b, &q.a) else {
        return Ok(None);
    };
    if !crate::query::kernel::enabled() || p.sel.len() < 2 {
        return Ok(None);
    }
    let Some(keys) = (match &bd.keys {
        Value::Vector(v) => v.as_sym().map(|s| s.to_vec()),
        _ => None,
    }) else {
        return Ok(None);
    };
    let mut kinds: Option<Vec<AggKind>> = None;
    let mut fl = Flight::new(p.sel.len());
    let mut parts: Vec<Value> = Vec::with_capacity(p.sel.len());
    // a partition's grouped result, unless it cannot be merged
    let mut keep = |it: &mut Interp, d: Done, kinds: &[AggKind]| -> QResult<bool> {
        let r = match d {
            Done::Value(Ok(r)) => r,
            Done::Interp(tb) => match q.run(it, tb, &q.rest, None, None) {
                Ok(r) => r,
                Err(_) => return Ok(false),
            },
            _ => return Ok(false),
        };
        let Value::Dict(rd) = &r else {
            return Ok(false);
        };
        let Value::Table(vt) = &rd.values else {
            return Ok(false);
        };
        if vt.is_empty() {
            return Ok(true);
        }
        if vt.columns.len() != kinds.len()
            || !vt.columns.iter().zip(kinds).all(|(c, &k)| mergeable(c, k))
        {
            return Ok(false);
        }
        parts.push(r);
        Ok(true)
    };
    for (pos, &k) in p.sel.iter().enumerate() {
        it.tick()?;
        let tb = p.table(k)?;
        let Some(sq) = compile::compile_select(it, &tb, &q.rest, &q.b, &q.a) else {
            return Ok(None);
        };
        let ks: Vec<AggKind> = sq.aggs.iter().map(|a| a.kind).collect();
        if ks.iter().any(|&k| merge_of(k).is_none())
            || sq.names.iter().any(|n| keys.contains(n))
            || kinds.as_ref().is_some_and(|x| *x != ks)
        {
            return Ok(None);
        }
        let ks = kinds.get_or_insert(ks).clone();
        fl.submit(pos, tb, Job::Select(sq));
        loop {
            while let Some(d) = fl.take(it, false)? {
                if !keep(it, d, &ks)? {
                    return Ok(None);
                }
            }
            if !fl.full() {
                break;
            }
            if let Some(d) = fl.take(it, true)?
                && !keep(it, d, &ks)?
            {
                return Ok(None);
            }
        }
    }
    let Some(kinds) = kinds else {
        return Ok(None);
    };
    while let Some(d) = fl.take(it, true)? {
        if !keep(it, d, &kinds)? {
            return Ok(None);
        }
    }
    stop_check(it)?;
    if parts.is_empty() {
        return Ok(None);
    }
    // the partitions' groups as one table: key columns, then aggregates
    let Value::Dict(all) = concat(parts)? else {
        return Ok(None);
    };
    let (Value::Table(kt), Value::Table(vt)) = (&all.keys, &all.values) else {
        return Ok(None);
    };
    let mut names = kt.names.clone();
    names.extend_from_slice(&vt.names);
    let mut cols = kt.columns.clone();
    cols.extend(vt.columns.iter().cloned());
    let sym = |s: Sym| Value::Atom(Atom::Symbol(s));
    let by = Value::dict(
        Value::Vector(Vector::syms(kt.names.clone())),
        Value::list(kt.names.iter().map(|&s| sym(s)).collect()),
    );
    let mut aggs = Vec::with_capacity(vt.names.len());
    for (&n, &k) in vt.names.iter().zip(&kinds) {
        let f = merge_of(k).and_then(crate::registry::lookup);
        let Some(f) = f else {
            return Ok(None);
        };
        aggs.push(Value::list(vec![crate::registry::func(f), sym(n)]));
    }
    let a = Value::dict(
        Value::Vector(Vector::syms(vt.names.clone())),
        Value::list(aggs),
    );
    let args = vec![Value::table(names, cols), Value::list(vec![]), by, a];
    crate::query::qsql::select_n(it, args).map(Some)
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
fn gather_narrowed(it: &mut Interp, p: &Parts, q: &PartQuery) -> QResult<Option<Table>> {
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
fn gather(it: &mut Interp, p: &Parts) -> QResult<Table> {
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

// ---------------------------------------------------------------------------
// .Q.dpft .Q.par

/// A partition value as its directory name (`2024.01.02`, `2024.01`, `7`).
fn part_name(p: &Value) -> QResult<String> {
    match p {
        Value::Atom(Atom::Date(d)) if *d != i32::MIN => {
            let (y, m, dd) = qcore::calendar::civil_from_days(*d as i64);
            Ok(format!("{y:04}.{m:02}.{dd:02}"))
        }
        Value::Atom(Atom::Month(m)) if *m != i32::MIN => {
            let m = *m as i64 + 24000;
            Ok(format!(
                "{:04}.{:02}",
                m.div_euclid(12),
                m.rem_euclid(12) + 1
            ))
        }
        Value::Atom(a @ (Atom::Int(_) | Atom::Long(_) | Atom::Short(_))) => match a.to_i64() {
            Some(v) if v >= 0 && !a.is_null() => Ok(v.to_string()),
            _ => Err(QError::domain()),
        },
        _ => Err(QError::type_()),
    }
}

/// `.Q.par[dir;part;table]`: the path of a table in a partition.
pub fn q_par(args: Vec<Value>) -> QResult<Value> {
    let [d, p, t] = <[Value; 3]>::try_from(args).map_err(|_| QError::rank())?;
    let (root, _) = handle_path(handle_of(&d)?);
    let Value::Atom(Atom::Symbol(t)) = t else {
        return Err(QError::type_());
    };
    let path = root.join(part_name(&p)?).join(t.as_str());
    Ok(Value::Atom(Atom::Symbol(Sym::new(&format!(
        ":{}",
        path.display()
    )))))
}

/// `.Q.dpft[d;p;f;t]`: saves global table `t` splayed as partition `p` of
/// database `d`: symbols enumerated against `d/sym`, rows sorted by column
/// `f` (stable), `f` moved first with the parted attribute. Returns `t`.
pub fn q_dpft(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [d, p, f, tn] = <[Value; 4]>::try_from(args).map_err(|_| QError::rank())?;
    let (root, _) = handle_path(handle_of(&d)?);
    let (Value::Atom(Atom::Symbol(f)), Value::Atom(Atom::Symbol(name))) = (&f, &tn) else {
        return Err(QError::type_());
    };
    let (tv, _) = crate::builtins::table::by_name(it, tn.clone())?;
    let Value::Table(tab) = &tv else {
        return Err(QError::type_());
    };
    let Some(pos) = tab.names.iter().position(|n| n == f) else {
        return Err(crate::builtins::table::no_column(*f));
    };
    let dir = root.join(part_name(&p)?).join(name.as_str());
    let tv = crate::storage::splay::q_en(d.clone(), tv.clone())?;
    let Value::Table(tab) = tv else {
        return Err(QError::type_());
    };
    let order: Vec<i64> = crate::ops::grade::grade(&tab.columns[pos], false)?
        .into_iter()
        .map(|i| i as i64)
        .collect();
    let mut names = vec![*f];
    let mut cols = vec![take_idx(&tab.columns[pos], &order)];
    if let Value::Vector(v) = &mut cols[0] {
        v.attr = Attr::Parted;
    }
    for (k, (n, c)) in tab.names.iter().zip(&tab.columns).enumerate() {
        if k != pos {
            names.push(*n);
            cols.push(take_idx(c, &order));
        }
    }
    crate::storage::splay::write_splay_in(
        &dir,
        &root,
        &Table {
            names,
            columns: cols,
        },
    )?;
    if let Some(db) = &it.partdb
        && same_dir(&db.layout.root, &root)
        && let Ok(mut g) = db.syms.lock()
    {
        *g = None;
    }
    Ok(Value::Atom(Atom::Symbol(*name)))
}

/// `.Q.hdpf[h;d;p;f]`: saves every table of the root namespace as
/// partition `p` of database `d` (`.Q.dpft`, sorted by `f` with `p#`),
/// empties them, and asks the HDB at `h` (when it can be opened) to reload
/// with `\l .`.
pub fn q_hdpf(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [h, d, p, f] = <[Value; 4]>::try_from(args).map_err(|_| QError::rank())?;
    let mut tables: Vec<(Sym, usize)> = it
        .names_in(".")
        .into_iter()
        .filter_map(|n| match it.get_global(n) {
            Some(Value::Table(t)) => Some((n, t.columns.first().map_or(0, |c| c.count()))),
            _ => None,
        })
        .collect();
    // largest first, as q
    tables.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
    for (n, _) in &tables {
        q_dpft(
            it,
            vec![
                d.clone(),
                p.clone(),
                f.clone(),
                Value::Atom(Atom::Symbol(*n)),
            ],
        )?;
    }
    for (n, _) in &tables {
        if let Some(Value::Table(t)) = it.get_global(*n) {
            let empty = Table {
                names: t.names.clone(),
                columns: t.columns.iter().map(|c| take_idx(c, &[])).collect(),
            };
            it.set_global(*n, Value::Table(std::sync::Arc::new(empty)));
        }
    }
    if let Ok(Value::Atom(a)) = crate::ipc::hopen(it, h)
        && let Some(hd) = a.to_i64()
    {
        let r = crate::ipc::send(it, hd as i32, vec![Value::string("\\l .")]);
        let _ = crate::ipc::hclose(it, Value::int(hd as i32));
        r?;
    }
    Ok(Value::Nil)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
