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
//! (one hook in `qsql::select_n`), `count`, `cols`, `meta`, `.Q.cn` and the
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
//! combine per-partition results; anything else gathers the needed columns
//! of the surviving partitions into one table and runs the in-memory path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use qstorage::header::{Kind, TYPE_ENUM};
use qstorage::part::{Field, Layout};

use crate::buf::Buf;
use crate::error::{QError, QResult};
use crate::eval::apply::apply;
use crate::func::Func;
use crate::interp::Interp;
use crate::sym::Sym;
use crate::value::{Atom, Attr, Table, Ty, Value, VecData, Vector};

use super::list::{atom_vec, slice, take_idx};
use super::storage::{handle_of, handle_path, load_cols, read_sym_file, serr};
use super::table::{dict, table};

/// The loaded partitioned database.
pub struct PartDb {
    pub layout: Layout,
    /// The partitioned tables, in `.Q.pt` order, with their columns (from
    /// the last partition's `.d`; the partition field not included).
    pub tables: Vec<(Sym, Vec<Sym>)>,
    syms: Mutex<Option<Arc<Vec<Sym>>>>,
    /// `.Q.pn`: per-partition row counts, filled by `count` and `.Q.cn`.
    counts: Mutex<HashMap<Sym, Vec<i64>>>,
}

impl PartDb {
    fn columns(&self, t: Sym) -> Option<&[Sym]> {
        self.tables
            .iter()
            .find(|x| x.0 == t)
            .map(|x| x.1.as_slice())
    }

    fn field(&self) -> Sym {
        Sym::new(self.layout.field.name())
    }

    fn field_ty(&self) -> Ty {
        match self.layout.field {
            Field::Date => Ty::Date,
            Field::Month => Ty::Month,
            Field::Year => Ty::Int,
            Field::Int => Ty::Long,
        }
    }

    /// The partition values as a typed vector.
    fn values(&self, idx: &[usize]) -> Vector {
        let v: Vec<i64> = idx.iter().map(|&k| self.layout.parts[k].0).collect();
        self.value_vec(v)
    }

    fn value_vec(&self, v: Vec<i64>) -> Vector {
        match self.field_ty() {
            Ty::Long => Vector::longs(v),
            ty => Vector::from_i32(ty, v.iter().map(|&x| x as i32).collect()),
        }
    }

    /// The database's symbols, read once.
    fn syms(&self) -> QResult<Arc<Vec<Sym>>> {
        let mut g = self.syms.lock().map_err(|_| QError::new("par"))?;
        if let Some(v) = g.as_ref() {
            return Ok(v.clone());
        }
        let v = read_sym_file(&self.layout.root)?;
        *g = Some(v.clone());
        Ok(v)
    }

    fn dir(&self, k: usize, t: Sym) -> PathBuf {
        self.layout.table_dir(k, t.as_str())
    }

    /// Partition `k` of table `t` with the columns `need` (schema order) and,
    /// first, the partition field when `field` is set.
    fn part_table(&self, k: usize, t: Sym, need: &[Sym], field: bool) -> QResult<Table> {
        let syms = || self.syms();
        let mut tb = load_cols(&self.dir(k, t), Some(need), &syms)?;
        if field {
            let n = tb.len();
            let v = self.value_vec(vec![self.layout.parts[k].0; n]);
            if need.is_empty() {
                tb.names.clear();
                tb.columns.clear();
            }
            tb.names.insert(0, self.field());
            tb.columns.insert(0, Value::Vector(v));
        }
        Ok(tb)
    }

    /// Row counts of table `t` per partition (headers only), cached.
    fn counts(&self, t: Sym) -> QResult<Vec<i64>> {
        if let Some(c) = self.counts.lock().ok().and_then(|m| m.get(&t).cloned()) {
            return Ok(c);
        }
        let mut out = Vec::with_capacity(self.layout.parts.len());
        for k in 0..self.layout.parts.len() {
            out.push(qstorage::part::splay_count(&self.dir(k, t)).map_err(serr)? as i64);
        }
        if let Ok(mut m) = self.counts.lock() {
            m.insert(t, out.clone());
        }
        Ok(out)
    }

    /// `.Q.pn`: table names to cached counts (`()` when not counted yet).
    fn pn(&self) -> Value {
        let m = self.counts.lock().map(|m| m.clone()).unwrap_or_default();
        let vals = self
            .tables
            .iter()
            .map(|(t, _)| match m.get(t) {
                Some(c) => Value::Vector(Vector::longs(c.clone())),
                None => Value::list(vec![]),
            })
            .collect();
        dict(
            Value::Vector(Vector::syms(self.tables.iter().map(|x| x.0).collect())),
            Value::list(vals),
        )
    }
}

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
    Ok(Some(dict(
        table(
            vec![Sym::new("c")],
            vec![Value::Vector(Vector::syms(names))],
        ),
        table(
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
        Value::Func(Func::Builtin(i)) => Some(super::registry::name(*i)),
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
            Ok(dict(concat(ks)?, concat(vs)?))
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
            Ok(table(t.names.clone(), out))
        }
        _ => {
            let mut acc = first;
            for p in rest {
                acc = super::list::join_values(acc, p)?;
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
        acc = super::list::join_values(acc, p)?;
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
    crate::value::check_alloc(total, ty.width())?;
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
        let keep = super::qsql::narrow(it, &vt, &Value::list(cs[..lead].to_vec()))?;
        if let Some(r) = keep {
            selected = r.iter().map(|&k| k as usize).collect();
        }
    }
    let rest = Value::list(cs[lead..].to_vec());
    // the columns the query names
    let all_cols = matches!(&a, Value::Nil) || matches!(&a, Value::List(l) if l.is_empty());
    let (need, with_field) = if all_cols {
        (schema.clone(), true)
    } else {
        let mut ns = Vec::new();
        for e in [&rest, &b, &a] {
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
        if let Some(o) = &order {
            names_in(o, &mut ns);
        }
        let need: Vec<Sym> = schema.iter().filter(|s| ns.contains(s)).copied().collect();
        (need, ns.contains(&field))
    };
    let run = |it: &mut Interp, tb: Table, n: Option<Value>, order: Option<Value>| {
        let mut args = vec![
            Value::Table(Arc::new(tb)),
            rest.clone(),
            b.clone(),
            a.clone(),
        ];
        match (n, order) {
            (Some(n), Some(o)) => args.extend([n, o]),
            (Some(n), None) => args.push(n),
            (None, Some(o)) => args.extend([Value::long(i64::MAX), o]),
            (None, None) => {}
        }
        super::qsql::select_n(it, args)
    };
    if selected.len() == 1 {
        let tb = db.part_table(selected[0], t, &need, with_field)?;
        return run(it, tb, n, order);
    }
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
        let mut parts = Vec::with_capacity(selected.len());
        for &k in &selected {
            it.tick()?;
            let tb = db.part_table(k, t, &need, with_field)?;
            parts.push(run(it, tb, None, None)?);
        }
        return concat(parts);
    }
    if let (true, true, Some(aggs)) = (!selected.is_empty() && simple, plain, aggs) {
        // map-reduce: one row per partition, combined per column
        let mut parts = Vec::with_capacity(selected.len());
        for &k in &selected {
            it.tick()?;
            let tb = db.part_table(k, t, &need, with_field)?;
            parts.push(run(it, tb, None, None)?);
        }
        let Value::Table(all) = concat(parts)? else {
            return Err(QError::type_());
        };
        let mut cols = Vec::with_capacity(aggs.len());
        for (col, agg) in all.columns.iter().zip(aggs) {
            let f = if agg == "count" { "sum" } else { agg };
            let fi = super::registry::lookup(f).ok_or_else(QError::type_)?;
            let r = apply(it, &Value::Func(Func::Builtin(fi)), vec![col.clone()])?;
            cols.push(match r {
                Value::Atom(x) => Value::Vector(atom_vec(x)),
                other => Value::list(vec![other]),
            });
        }
        return Ok(table(all.names.clone(), cols));
    }
    // general case: the needed columns of the surviving partitions, gathered
    let tb = gather(it, &db, t, &selected, &need, with_field)?;
    run(it, tb, n, order)
}

/// One in-memory table of columns `need` (and the partition field) over
/// partitions `sel` (none: the last partition's schema with no rows).
fn gather(
    it: &mut Interp,
    db: &PartDb,
    t: Sym,
    sel: &[usize],
    need: &[Sym],
    field: bool,
) -> QResult<Table> {
    if sel.is_empty() {
        let last = db.layout.parts.len().saturating_sub(1);
        let tb = db.part_table(last, t, need, field)?;
        return match take_idx(&Value::Table(Arc::new(tb)), &[]) {
            Value::Table(x) => Ok(Arc::unwrap_or_clone(x)),
            _ => Err(QError::type_()),
        };
    }
    let mut parts = Vec::with_capacity(sel.len());
    for &k in sel {
        it.tick()?;
        parts.push(Value::Table(Arc::new(db.part_table(k, t, need, field)?)));
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
            let (y, m, dd) = qparser::temporal::civil_from_days(*d as i64);
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
pub fn q_par(_: &mut Interp, args: Vec<Value>) -> QResult<Value> {
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
    let (tv, _) = super::table::by_name(it, tn.clone())?;
    let Value::Table(tab) = &tv else {
        return Err(QError::type_());
    };
    let Some(pos) = tab.names.iter().position(|n| n == f) else {
        return Err(super::table::no_column(*f));
    };
    let dir = root.join(part_name(&p)?).join(name.as_str());
    let tv = super::storage::q_en(it, d.clone(), tv.clone())?;
    let Value::Table(tab) = tv else {
        return Err(QError::type_());
    };
    let order: Vec<i64> = super::sort::grade(&tab.columns[pos], false)?
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
    super::storage::write_splay_in(
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

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
