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
//!
//! Files: this one holds `\l`, the value model ([`parted`]) and the hooks
//! of `count cols meta .Q.cn .Q.qp` and the console; `select.rs` plans a
//! select/exec; `parallel.rs` runs a query per partition on the rayon pool;
//! `reduce.rs` merges grouped aggregates across partitions; `gather.rs`
//! concatenates partitions' rows and results; `write.rs` is `.Q.dpft` and
//! `.Q.par`.

mod gather;
mod parallel;
mod reduce;
mod select;
mod view;
mod write;

pub use select::select;
pub use view::{q_bv, q_ind, q_li, q_lo, q_map, q_view};
pub use write::{q_chk, q_dpft, q_dpfts, q_dpt, q_dpts, q_dsftg, q_hdpf, q_par};

use crate::ops::index::slice;
use crate::state::Interp;
use crate::storage::column::serr;
use crate::storage::db::PartDb;
use gather::concat;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qstorage::header::Kind;
use qstorage::header::TYPE_ENUM;
use qstorage::part::Layout;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;

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

/// The symbol a stand-in table `+cols!`s` holds (what `flip cols!`s`
/// gives: the partitioned table `s`, or an unresolved one): every column
/// the same symbol atom.
pub fn stand_in(v: &Value) -> Option<Sym> {
    let Value::Table(t) = v else { return None };
    crate::display::stand_in_sym(t)
}

/// The error a query of a stand-in table that is not a partitioned table
/// of the loaded database signals (ref/flip-splayed): the table's name, or
/// for a splayed table's directory that does not exist, its first column's
/// file.
pub fn unresolved(it: &Interp, v: &Value) -> Option<QError> {
    let s = stand_in(v)?;
    if parted(it, v).is_some() {
        return None;
    }
    let Some(dir) = s.as_str().strip_prefix(':') else {
        return Some(QError::new(s.as_str()));
    };
    let first = match v {
        Value::Table(t) => t.names.first().map_or("", |n| n.as_str()),
        _ => "",
    };
    Some(QError::new(format!(
        "{}/{first}: No such file or directory",
        dir.trim_end_matches('/')
    )))
}

// ---------------------------------------------------------------------------
// \l

/// `\l db` of a partitioned database: the state variables, the partition
/// field's global (`date`: the partition values), and one global per
/// partitioned table. Reads directory names and one `.d` per table only.
pub fn load(it: &mut Interp, layout: Layout) -> QResult<()> {
    let last = layout.parts.len().saturating_sub(1);
    let mut tables = Vec::with_capacity(layout.tables.len());
    let field = Sym::new(layout.field.name());
    for t in &layout.tables {
        let dir = layout.table_dir(last, t);
        let pq = crate::storage::parquet::files(&dir);
        let names: Vec<Sym> = if pq.is_empty() {
            let names = qstorage::splay::read_d(&dir).map_err(serr)?;
            names.iter().map(|n| Sym::new(n)).collect()
        } else {
            crate::storage::parquet::columns(&pq, field)?
                .into_iter()
                .map(|c| c.0)
                .collect()
        };
        tables.push((Sym::new(t), names));
    }
    let db = Arc::new(PartDb {
        full: layout.parts.clone(),
        layout,
        tables,
        syms: Mutex::new(Vec::new()),
        counts: Mutex::new(HashMap::new()),
        proto: HashMap::new(),
    });
    publish(it, db);
    Ok(())
}

/// Makes `db` the loaded database and sets what q shows of it: `.Q.pf`,
/// `.Q.pv`/`.Q.pd` (the partitions queries see) and the partition field's
/// global, `.Q.PV`/`.Q.PD` (all partitions), `.Q.pt`, `.Q.pn`, and one
/// global per partitioned table.
pub(crate) fn publish(it: &mut Interp, db: Arc<PartDb>) {
    let seen: Vec<usize> = (0..db.layout.parts.len()).collect();
    let pv = Value::Vector(db.values(&seen));
    let all = Value::Vector(db.value_vec(db.full.iter().map(|p| p.0).collect()));
    let g = |s: &str| Sym::new(s);
    it.set_global(g(".Q.pf"), Value::Atom(Atom::Symbol(db.field())));
    it.set_global(g(".Q.pv"), pv.clone());
    it.set_global(g(".Q.PV"), all);
    let locations = |parts: &[(i64, String)]| {
        let syms = parts.iter().map(|p| location(&db, &p.1)).collect();
        Value::Vector(Vector::syms(syms))
    };
    it.set_global(g(".Q.PD"), locations(&db.full));
    it.set_global(g(".Q.pd"), locations(&db.layout.parts));
    publish_segments(it, &db);
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
}

/// Where partition directory `dir` is, as `.Q.PD` shows it: the root, or
/// in a segmented database its segment as `par.txt` names it.
fn location(db: &PartDb, dir: &str) -> Sym {
    let segment = match db.layout.segments.is_empty() {
        true => None,
        false => dir.rsplit_once('/').map(|(seg, _)| seg),
    };
    match segment {
        Some(seg) => Sym::new(&format!(":{seg}")),
        None => Sym::new(&format!(":{}", db.layout.root.display())),
    }
}

/// `.Q.P` (the segments), `.Q.D` (each segment's partition values) and
/// `.Q.u` (true when no partition value is in two segments; always true
/// when the database is not segmented, which has no `.Q.P` or `.Q.D`).
fn publish_segments(it: &mut Interp, db: &PartDb) {
    let (p, d) = (Sym::new(".Q.P"), Sym::new(".Q.D"));
    let segs = &db.layout.segments;
    if segs.is_empty() {
        it.take_global(p);
        it.take_global(d);
        it.set_global(Sym::new(".Q.u"), Value::Atom(Atom::Bool(true)));
        return;
    }
    let names: Vec<Sym> = segs
        .iter()
        .map(|s| Sym::new(&format!(":{}", s.trim_end_matches('/'))))
        .collect();
    let per_segment: Vec<Vec<i64>> = names
        .iter()
        .map(|n| {
            db.full
                .iter()
                .filter(|part| location(db, &part.1) == *n)
                .map(|part| part.0)
                .collect()
        })
        .collect();
    let total: usize = per_segment.iter().map(Vec::len).sum();
    let mut distinct: Vec<i64> = per_segment.iter().flatten().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let unique = distinct.len() == total;
    let d_value = per_segment
        .into_iter()
        .map(|v| Value::Vector(db.value_vec(v)))
        .collect();
    it.set_global(p, Value::Vector(Vector::syms(names)));
    it.set_global(d, Value::list(d_value));
    it.set_global(Sym::new(".Q.u"), Value::Atom(Atom::Bool(unique)));
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
    let pq = crate::storage::parquet::files(&db.dir(last, t));
    if !pq.is_empty() {
        let cols = crate::storage::parquet::columns(&pq, db.field())?;
        let mut names = vec![db.field()];
        let mut ts = vec![db.field_ty().letter() as u8];
        for (n, l) in cols {
            names.push(n);
            ts.push(l as u8);
        }
        let n = names.len();
        let keys = Value::table(
            vec![Sym::new("c")],
            vec![Value::Vector(Vector::syms(names))],
        );
        let vals = Value::table(
            vec![Sym::new("t"), Sym::new("f"), Sym::new("a")],
            vec![
                Value::Vector(Vector::chars(&ts)),
                Value::Vector(Vector::syms(vec![Sym::EMPTY; n])),
                Value::Vector(Vector::syms(vec![Sym::EMPTY; n])),
            ],
        );
        return Ok(Some(Value::dict(keys, vals)));
    }
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
