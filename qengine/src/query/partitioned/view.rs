//! What the loaded partitioned database shows, after `\l`: `.Q.view` (the
//! subset of partitions queries see), `.Q.li` (partitions written since the
//! load), `.Q.bv` (empty prototypes standing for tables missing from some
//! partitions, `.Q.vp`), `.Q.MAP` (check that every partition maps),
//! `.Q.ind` (rows by their index over all partitions) and `.Q.lo` (`\l`
//! with or without changing directory and running the database's scripts).
//! Each change builds a new [`PartDb`] and publishes it, so a query running
//! on the old one is not disturbed.

use super::concat;
use super::parted;
use super::publish;
use crate::ops::index::take_idx;
use crate::state::Interp;
use crate::storage::column::serr;
use crate::storage::db::PartDb;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The loaded partitioned database, or `'par` (q's error when a partition
/// function runs without one).
fn loaded(it: &Interp) -> QResult<Arc<PartDb>> {
    it.partdb.clone().ok_or_else(|| QError::new("par"))
}

/// The partition values `x` names, as the field's integers: an atom or a
/// vector of the field's type (a date, month or int/long).
fn part_values(db: &PartDb, x: &Value) -> QResult<Vec<i64>> {
    let want = db.field_ty();
    let v = match x {
        Value::Atom(a) => vec![*a],
        Value::Vector(v) => (0..v.len()).map(|i| v.get(i)).collect(),
        Value::List(l) if l.is_empty() => vec![],
        _ => return Err(QError::type_()),
    };
    v.iter()
        .map(|a| {
            let ok = a.ty() == want
                || (want == qcore::Ty::Long && a.ty().is_integral())
                || (want == qcore::Ty::Int && a.ty().is_integral());
            match a.to_i64() {
                Some(n) if ok => Ok(n),
                _ => Err(QError::type_()),
            }
        })
        .collect()
}

/// `.Q.view x`: queries of every partitioned table see only partitions
/// `x` (`.Q.pv`, `.Q.pd` and the partition field's global follow);
/// `.Q.view[]` sees them all again. No partition of `x` on disk is
/// `'invalid partition filter`, as in q 4.1.
pub fn q_view(it: &mut Interp, x: Value) -> QResult<Value> {
    let db = loaded(it)?;
    let parts = if matches!(x, Value::Nil) {
        db.full.clone()
    } else {
        let want = part_values(&db, &x)?;
        let keep: Vec<(i64, String)> = db
            .full
            .iter()
            .filter(|p| want.contains(&p.0))
            .cloned()
            .collect();
        if keep.is_empty() {
            return Err(QError::new("invalid partition filter"));
        }
        keep
    };
    let next = db.with_parts(parts, db.full.clone(), db.tables.clone(), db.proto.clone());
    publish(it, Arc::new(next));
    Ok(Value::Nil)
}

/// `.Q.li x`: adds the partitions of `x` that are on disk but not loaded
/// (written since `\l`) to the loaded database; the others are ignored.
pub fn q_li(it: &mut Interp, x: Value) -> QResult<Value> {
    let db = loaded(it)?;
    let want = part_values(&db, &x)?;
    let Some(disk) = qstorage::part::discover(&db.layout.root).map_err(serr)? else {
        return Ok(Value::Nil);
    };
    let merge = |have: &[(i64, String)]| {
        let mut v = have.to_vec();
        for p in &disk.parts {
            if want.contains(&p.0) && !v.iter().any(|q| q.0 == p.0) {
                v.push(p.clone());
            }
        }
        v.sort();
        v
    };
    let next = db.with_parts(
        merge(&db.layout.parts),
        merge(&db.full),
        db.tables.clone(),
        db.proto.clone(),
    );
    publish(it, Arc::new(next));
    Ok(Value::Nil)
}

/// `.Q.bv[]` (prototypes from the last partition that has a table) and
/// ``.Q.bv[`]`` (from the first): every table some partition has becomes
/// a partitioned table, and an empty prototype stands for it in the
/// partitions that miss it; `.Q.vp` maps those tables to their prototypes
/// (with the partition field first). `.Q.bvi` is the same scan.
pub fn q_bv(it: &mut Interp, x: Value) -> QResult<Value> {
    let db = loaded(it)?;
    let first = matches!(&x, Value::Atom(Atom::Symbol(s)) if s.is_null());
    let root = db.layout.root.clone();
    let (present, names) = super::write::tables_by_part(&root, &db.full)?;
    let syms = |d: &str| db.syms(d);
    let mut tables = Vec::with_capacity(names.len());
    let mut proto = HashMap::new();
    let mut vp_keys = Vec::new();
    let mut vp_vals = Vec::new();
    for t in &names {
        let has: Vec<usize> = (0..db.full.len())
            .filter(|&k| present[k].contains(t))
            .collect();
        let src = if first { has[0] } else { has[has.len() - 1] };
        let dir = root.join(&db.full[src].1).join(t);
        let sym = Sym::new(t);
        let template = if crate::storage::parquet::files(&dir).is_empty() {
            crate::storage::splay::load_cols(&dir, None, &syms)?
        } else {
            crate::storage::parquet::read(&crate::storage::parquet::files(&dir), None, db.field())?
        };
        let empty = Table {
            names: template.names.clone(),
            columns: template.columns.iter().map(|c| take_idx(c, &[])).collect(),
        };
        tables.push((sym, empty.names.clone()));
        if has.len() < db.full.len() {
            let mut shown = empty.clone();
            shown.names.insert(0, db.field());
            shown
                .columns
                .insert(0, Value::Vector(qcore::Vector::empty(db.field_ty())));
            vp_keys.push(sym);
            vp_vals.push(Value::Table(Arc::new(shown)));
            proto.insert(sym, empty);
        }
    }
    let next = db.with_parts(db.layout.parts.clone(), db.full.clone(), tables, proto);
    publish(it, Arc::new(next));
    it.set_global(
        Sym::new(".Q.vp"),
        Value::dict(
            Value::Vector(qcore::Vector::syms(vp_keys)),
            Value::list(vp_vals),
        ),
    );
    Ok(Value::Nil)
}

/// `.Q.MAP[]`: q keeps every partition's columns mapped from here on.
/// borf maps the columns a query names when it runs (the pages stay in the
/// page cache either way), so what remains is q's check: every column of
/// every partitioned table in every partition maps, or the error names the
/// file.
pub fn q_map(it: &mut Interp, _x: Value) -> QResult<Value> {
    let db = loaded(it)?;
    for (t, cols) in &db.tables {
        for k in 0..db.layout.parts.len() {
            it.tick()?;
            db.part_table(k, *t, cols, false)?;
        }
    }
    Ok(Value::Nil)
}

/// `.Q.ind[t;i]`: rows `i` (longs, indexes over all of partitioned table
/// `t`'s partitions in order) as one in-memory table, partition field
/// first, in the order of `i`.
pub fn q_ind(it: &mut Interp, t: Value, i: Value) -> QResult<Value> {
    let Some((db, name)) = parted(it, &t) else {
        return Err(QError::type_());
    };
    let idx: Vec<i64> = match &i {
        Value::Vector(v) if v.ty() == qcore::Ty::Long => v.as_i64().unwrap_or(&[]).to_vec(),
        Value::List(l) if l.is_empty() => vec![],
        _ => return Err(QError::type_()),
    };
    let counts = db.counts(name)?;
    let starts: Vec<i64> = counts
        .iter()
        .scan(0i64, |s, &c| {
            let a = *s;
            *s += c;
            Some(a)
        })
        .collect();
    let total: i64 = counts.iter().sum();
    // each row's partition; rows taken partition by partition, then put
    // back in the order of `i`
    let mut order: Vec<usize> = (0..idx.len()).collect();
    let part_of = |r: i64| starts.partition_point(|&s| s <= r).saturating_sub(1);
    if idx.iter().any(|&r| r < 0 || r >= total) {
        return Err(QError::length());
    }
    order.sort_by_key(|&j| part_of(idx[j]));
    let cols = db.columns(name).map(<[Sym]>::to_vec).unwrap_or_default();
    let mut pieces = Vec::new();
    let mut j = 0;
    while j < order.len() {
        let k = part_of(idx[order[j]]);
        let mut rows = Vec::new();
        while j < order.len() && part_of(idx[order[j]]) == k {
            rows.push(idx[order[j]] - starts[k]);
            j += 1;
        }
        it.tick()?;
        let pt = db.part_table(k, name, &cols, true)?;
        pieces.push(take_idx(&Value::Table(Arc::new(pt)), &rows));
    }
    if pieces.is_empty() {
        let last = db.layout.parts.len().saturating_sub(1);
        let pt = db.part_table(last, name, &cols, true)?;
        return Ok(take_idx(&Value::Table(Arc::new(pt)), &[]));
    }
    let all = concat(pieces)?;
    let mut back = vec![0i64; order.len()];
    for (m, &j) in order.iter().enumerate() {
        back[j] = m as i64;
    }
    Ok(take_idx(&all, &back))
}

/// `.Q.lo[db;cd;scripts]`: `\l db`, then, when `cd` is set, `db` becomes
/// the working directory (as q's `\l` does; borf's `\l` leaves it), and,
/// when `scripts` is set, the database directory's `.q` scripts run in
/// name order.
pub fn q_lo(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [d, cd, scripts] = <[Value; 3]>::try_from(args).map_err(|_| QError::rank())?;
    let flag = |v: &Value| match v {
        Value::Atom(a) if a.ty().is_integral() || a.ty() == qcore::Ty::Bool => {
            Ok(a.to_i64().is_some_and(|n| n != 0))
        }
        _ => Err(QError::type_()),
    };
    let (cd, scripts) = (flag(&cd)?, flag(&scripts)?);
    let Value::Atom(Atom::Symbol(s)) = d else {
        return Err(QError::type_());
    };
    let path = s.as_str().trim_start_matches(':').trim_end_matches('/');
    if path.is_empty() {
        return Err(QError::domain());
    }
    let dir = crate::storage::confine::path(path)?;
    if cd {
        std::env::set_current_dir(&dir)
            .map_err(|e| QError::new(format!("{}: {e}", dir.display())))?;
        crate::builtins::io::save::load_dir(it, ".")?;
    } else {
        crate::builtins::io::save::load_dir(it, path)?;
    }
    if scripts {
        let here = if cd {
            std::path::PathBuf::from(".")
        } else {
            dir
        };
        for n in qstorage::list_dir(&here).map_err(serr)? {
            if n.ends_with(".q") && here.join(&n).is_file() {
                it.system(&format!("l {}", here.join(&n).display()))?;
            }
        }
    }
    Ok(Value::Nil)
}
