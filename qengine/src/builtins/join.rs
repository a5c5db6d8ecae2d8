//! The table joins: `lj ljf` (left), `ij ijf` (inner), `pj` (plus), `uj
//! ujf` (union), `ej` (equi), `aj aj0 ajf ajf0` and `asof` (as-of), `wj
//! wj1` (window). The `f` forms are q's fill variants: a null on the right
//! does not overwrite the left's value.
//!
//! Key matching finds each left row's first matching right row
//! (`ops/join.rs` has the kernels). As-of joins merge the two tables in
//! time order when both are in it (`asof_merge`), else search each left
//! time among its group's right times (`asof_rows`, on order-preserving
//! `i64` keys); window joins search the same way.

use crate::builtins::apply::apply;
use crate::builtins::table::column;
use crate::builtins::table::keyed_parts;
use crate::builtins::table::rekey;
use crate::builtins::table::syms_of;
use crate::builtins::table::unkeyed;
use crate::ops::group::group_ids;
use crate::ops::index::take_idx;
use crate::ops::join::join_values;
use crate::ops::join::positions;
use crate::ops::par;
use crate::state::Interp;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// Helpers

/// Table of the named columns of `t`.
pub(crate) fn sub(t: &Table, names: &[Sym]) -> QResult<Table> {
    let mut columns = Vec::with_capacity(names.len());
    for s in names {
        columns.push(column(t, *s)?);
    }
    Ok(Table {
        names: names.to_vec(),
        columns,
    })
}

/// For each row of `probe`, the index of the first row of `keys` with the
/// same values (`-1` when none); hash based.
pub(crate) fn lookup(keys: &Table, probe: &Table) -> Vec<i64> {
    let pos = if keys.columns.len() == 1 {
        positions(&keys.columns[0], &probe.columns[0])
    } else {
        positions(
            &Value::Table(Arc::new(keys.clone())),
            &Value::Table(Arc::new(probe.clone())),
        )
    };
    pos.iter().map(|p| p.map_or(-1, |i| i as i64)).collect()
}

/// `x`'s column with the rows where `idx >= 0` taken from `y` at `idx`.
pub(crate) fn merge(x: &Value, y: &Value, idx: &[i64]) -> QResult<Value> {
    if idx.iter().all(|&i| i >= 0) {
        return Ok(take_idx(y, idx));
    }
    if idx.iter().all(|&i| i < 0) {
        return Ok(x.clone());
    }
    let nx = x.count() as i64;
    let map: Vec<i64> = idx
        .iter()
        .enumerate()
        .map(|(r, &i)| if i >= 0 { nx + i } else { r as i64 })
        .collect();
    let joined = join_values(x.clone(), y.clone())?;
    Ok(take_idx(&joined, &map))
}

/// `t` with the columns `names` of `src` joined in at `idx` (rows of `t`
/// without a match keep their value, or get nulls in a new column).
pub(crate) fn join_in(t: &Table, src: &Table, names: &[Sym], idx: &[i64]) -> QResult<Table> {
    let mut out = t.clone();
    // the new columns gathered together (columns and row pieces on the pool)
    let mut new_names = Vec::new();
    let mut new_cols = Vec::new();
    for s in names {
        let y = column(src, *s)?;
        match out.names.iter().position(|n| n == s) {
            Some(p) => out.columns[p] = merge(&out.columns[p], &y, idx)?,
            None if !new_names.contains(s) => {
                new_names.push(*s);
                new_cols.push(y);
            }
            None => {}
        }
    }
    out.names.extend(new_names);
    out.columns
        .extend(crate::ops::index::take_columns(&new_cols, idx));
    Ok(out)
}

/// Splits a left argument into its table and key count (to re-key the
/// result).
pub(crate) fn left(x: &Value) -> QResult<(Arc<Table>, usize)> {
    let t = unkeyed(x).ok_or_else(QError::type_)?;
    Ok((t, keyed_parts(x).map_or(0, |(k, _)| k.names.len())))
}

// ---------------------------------------------------------------------------
// lj ij pj uj ej

/// `out`'s columns that `t` also has, with nulls filled from `t` (`t^out`
/// per column): the `f` join variants, where a null on the right does not
/// overwrite the left value.
pub(crate) fn fill_from(
    _: &mut Interp,
    t: &Table,
    mut out: Table,
    names: &[Sym],
) -> QResult<Table> {
    for s in names {
        if let (Some(old), Some(p)) = (t.column(*s), out.names.iter().position(|n| n == s)) {
            out.columns[p] = crate::builtins::meta::fill(old.clone(), out.columns[p].clone())?;
        }
    }
    Ok(out)
}

/// `x lj y`: left join on `y`'s key columns; matched rows take `y`'s values.
pub fn lj(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    lj_common(it, x, y, false)
}

/// `x ljf y`: as `lj`, but a null in `y` does not overwrite `x`'s value.
pub fn ljf(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    lj_common(it, x, y, true)
}

pub(crate) fn lj_common(it: &mut Interp, x: Value, y: Value, fill: bool) -> QResult<Value> {
    if matches!(&y, Value::List(l) if l.is_empty()) {
        return Ok(x);
    }
    let (k, v) = keyed_parts(&y).ok_or_else(QError::type_)?;
    let (t, nk) = left(&x)?;
    let probe = sub(&t, &k.names)?;
    let idx = lookup(k, &probe);
    let mut out = join_in(&t, v, &v.names, &idx)?;
    if fill {
        out = fill_from(it, &t, out, &v.names)?;
    }
    Ok(rekey(&out, nk))
}

/// `x ij y`: inner join: the rows of `x` whose key is in `y`, with `y`'s
/// columns.
pub fn ij(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    ij_common(it, x, y, false)
}

/// `x ijf y`: as `ij`, but a null in `y` does not overwrite `x`'s value.
pub fn ijf(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    ij_common(it, x, y, true)
}

pub(crate) fn ij_common(it: &mut Interp, x: Value, y: Value, fill: bool) -> QResult<Value> {
    let (k, v) = keyed_parts(&y).ok_or_else(QError::type_)?;
    let (t, nk) = left(&x)?;
    let probe = sub(&t, &k.names)?;
    let idx = lookup(k, &probe);
    let keep: Vec<i64> = (0..idx.len() as i64)
        .filter(|&i| idx[i as usize] >= 0)
        .collect();
    let Value::Table(kept) = take_idx(&Value::Table(t), &keep) else {
        return Err(QError::type_());
    };
    let sidx: Vec<i64> = keep.iter().map(|&i| idx[i as usize]).collect();
    let mut out = join_in(&kept, v, &v.names, &sidx)?;
    if fill {
        out = fill_from(it, &kept, out, &v.names)?;
    }
    Ok(rekey(&out, nk))
}

/// `x pj y`: plus join: `y`'s values (0 when unmatched) added to `x`'s.
pub fn pj(x: Value, y: Value) -> QResult<Value> {
    let (k, v) = keyed_parts(&y).ok_or_else(QError::type_)?;
    let (t, nk) = left(&x)?;
    let probe = sub(&t, &k.names)?;
    let idx = lookup(k, &probe);
    let mut out = Arc::unwrap_or_clone(t);
    for (s, c) in v.names.iter().zip(&v.columns) {
        let got = take_idx(c, &idx);
        let got = crate::builtins::meta::fill(Value::long(0), got)?;
        match out.names.iter().position(|n| n == s) {
            Some(p) => {
                out.columns[p] = crate::builtins::math::arith::add(out.columns[p].clone(), got)?;
            }
            None => {
                out.names.push(*s);
                out.columns.push(got);
            }
        }
    }
    Ok(rekey(&out, nk))
}

/// Column `s` of `t`, or a column of nulls typed like `like`.
pub(crate) fn col_or_nulls(t: &Table, s: Sym, like: &Value) -> Value {
    match t.column(s) {
        Some(c) => c.clone(),
        None => take_idx(like, &vec![-1; t.len()]),
    }
}

/// Both tables extended to the union of their columns (x's order first).
pub(crate) fn unite(a: &Table, b: &Table) -> (Table, Table) {
    let mut names = a.names.clone();
    for n in &b.names {
        if !names.contains(n) {
            names.push(*n);
        }
    }
    let ext = |t: &Table, o: &Table| Table {
        names: names.clone(),
        columns: names
            .iter()
            .map(|s| {
                let like = t
                    .column(*s)
                    .or_else(|| o.column(*s))
                    .cloned()
                    .unwrap_or(Value::Nil);
                col_or_nulls(t, *s, &like)
            })
            .collect(),
    };
    (ext(a, b), ext(b, a))
}

/// `x uj y`: union join: the union of the columns; rows of `x` then `y`
/// (keyed tables: `y` updates `x` by key).
pub fn uj(x: Value, y: Value) -> QResult<Value> {
    uj_common(x, y, false)
}

/// `x ujf y`: as `uj`, but for keyed tables a null in `y` does not
/// overwrite the value of `x`'s row with the same key.
pub fn ujf(x: Value, y: Value) -> QResult<Value> {
    uj_common(x, y, true)
}

pub(crate) fn uj_common(x: Value, y: Value, fill: bool) -> QResult<Value> {
    match (&x, &y) {
        (Value::Table(a), Value::Table(b)) => {
            let (a2, b2) = unite(a, b);
            join_values(Value::Table(Arc::new(a2)), Value::Table(Arc::new(b2)))
        }
        _ => {
            let (ka, va) = keyed_parts(&x).ok_or_else(QError::type_)?;
            let (kb, vb) = keyed_parts(&y).ok_or_else(QError::type_)?;
            if ka.names != kb.names {
                return Err(QError::new("mismatch"));
            }
            let (va2, mut vb2) = unite(va, vb);
            if fill {
                // y's rows with x's values (at the same key) under their nulls
                let idx = lookup(ka, kb);
                for (p, c) in vb2.columns.iter_mut().enumerate() {
                    let under = take_idx(&va2.columns[p], &idx);
                    *c = crate::builtins::meta::fill(under, c.clone())?;
                }
            }
            join_values(
                Value::dict(Value::Table(ka.clone()), Value::Table(Arc::new(va2))),
                Value::dict(Value::Table(kb.clone()), Value::Table(Arc::new(vb2))),
            )
        }
    }
}

/// Group ids of the rows of two tables over the same key columns, shared
/// between them: `(ids of x rows, ids of y rows, number of ids)`.
pub(crate) fn shared_ids(
    x: &Table,
    y: &Table,
    names: &[Sym],
) -> QResult<(Vec<u32>, Vec<u32>, usize)> {
    let (mut ids, ngroups) = joined_ids(x, y, names)?;
    // the right rows' ids copied out on the pool (a long copy on one
    // thread is a pause the joins' other steps do not have)
    let nx = x.len().min(ids.len());
    let yids = par::map(&ids[nx..], |x| x);
    ids.truncate(nx);
    Ok((ids, yids, ngroups))
}

/// [`shared_ids`] in one vector: the ids of `x`'s rows then of `y`'s (a
/// caller that can read the two parts in place copies nothing).
pub(crate) fn joined_ids(x: &Table, y: &Table, names: &[Sym]) -> QResult<(Vec<u32>, usize)> {
    let n = x.len() + y.len();
    let mut both = Vec::with_capacity(names.len());
    for s in names {
        both.push(join_values(column(x, *s)?, column(y, *s)?)?);
    }
    Ok(match both.as_slice() {
        [] => (vec![0; n], usize::from(n > 0)),
        // several keys: the rows of one table (one pass, dense ids when
        // the ranges allow)
        [k] => {
            let (ids, firsts) = group_ids(k)?;
            (ids, firsts.len())
        }
        _ => {
            let (ids, firsts) = group_ids(&Value::table(names.to_vec(), both))?;
            (ids, firsts.len())
        }
    })
}

/// Rows of `y` grouped by id, each group in table order: `(offsets, rows)`
/// (counting sort, on all cores for long tables).
pub(crate) fn bucket(ids: &[u32], ngroups: usize) -> (Vec<usize>, Vec<u32>) {
    crate::ops::par::bucket(ids, ngroups)
}

/// `ej[c;x;y]`: equi join: each row of `x` with every row of `y` of the same
/// `c` values.
pub fn ej(args: Vec<Value>) -> QResult<Value> {
    let Ok([c, x, y]) = <[Value; 3]>::try_from(args) else {
        return Err(QError::rank());
    };
    let names = syms_of(&c)?;
    let (tx, _) = left(&x)?;
    let ty = unkeyed(&y).ok_or_else(QError::type_)?;
    let (xi, yi, ng) = shared_ids(&tx, &ty, &names)?;
    let (offs, rows) = bucket(&yi, ng);
    // many-to-many: the matched pairs, counted before they are made
    let pairs = xi.iter().fold(0usize, |a, &g| {
        a.saturating_add(offs[g as usize + 1] - offs[g as usize])
    });
    let width = qcore::budget::item_width(&x) + qcore::budget::item_width(&y);
    qcore::check_alloc(pairs, 16 + width)?;
    let mut lx = Vec::with_capacity(pairs);
    let mut ly = Vec::with_capacity(pairs);
    for (i, &g) in xi.iter().enumerate() {
        if qcore::budget::stop_at(i) {
            break;
        }
        for &r in &rows[offs[g as usize]..offs[g as usize + 1]] {
            lx.push(i as i64);
            ly.push(r as i64);
        }
    }
    let Value::Table(left_rows) = take_idx(&Value::Table(tx), &lx) else {
        return Err(QError::type_());
    };
    let others: Vec<Sym> = ty
        .names
        .iter()
        .filter(|n| !names.contains(n))
        .copied()
        .collect();
    let out = join_in(&left_rows, &ty, &others, &ly)?;
    Ok(Value::Table(Arc::new(out)))
}

// ---------------------------------------------------------------------------
// aj aj0 asof

/// Order-preserving `i64` keys of a time (or any numeric) column.
pub(crate) fn ord_keys(v: &Value) -> QResult<(Ty, Vec<i64>)> {
    match v {
        Value::Vector(x) => {
            let keys = match x.data() {
                VecData::F32(b) => par::map(b, |f| {
                    (crate::ops::grade::f64_key(f as f64) ^ (1 << 63)) as i64
                }),
                VecData::F64(b) => {
                    par::map(b, |f| (crate::ops::grade::f64_key(f) ^ (1 << 63)) as i64)
                }
                VecData::Guid(_) | VecData::Sym(_) => return Err(QError::type_()),
                VecData::I64(b) => par::map(b, |v| v),
                VecData::I32(b) => par::map(b, qcore::widen_i32),
                _ => x.to_i64_vec().ok_or_else(QError::type_)?,
            };
            Ok((x.ty(), keys))
        }
        Value::List(l) if l.is_empty() => Ok((Ty::Long, vec![])),
        _ => Err(QError::type_()),
    }
}

/// For each row of `t`, the row of `q` with the same exact keys
/// (`c` but last) and the greatest time (`c` last) at or before `t`'s
/// (`-1` when none).
pub(crate) fn asof_index(it: &mut Interp, t: &Table, q: &Table, c: &[Sym]) -> QResult<Vec<i64>> {
    let (tcol, exact) = c.split_last().ok_or_else(QError::length)?;
    let (tv, qv) = (column(t, *tcol)?, column(q, *tcol)?);
    // times of one 4- or 8-byte integral type are compared as they are
    // (no widened copies of both columns); others as order-preserving keys
    let times = match (&tv, &qv) {
        (Value::Vector(a), Value::Vector(b)) if a.ty() == b.ty() => match (a.data(), b.data()) {
            (VecData::I32(x), VecData::I32(y)) => Some(Times::I32(x, y)),
            (VecData::I64(x), VecData::I64(y)) => Some(Times::I64(x, y)),
            _ => None,
        },
        _ => None,
    };
    let times = match times {
        Some(t) => t,
        None => {
            let (tt, tk) = ord_keys(&tv)?;
            let (qt, qk) = ord_keys(&qv)?;
            if tt != qt && !(tk.is_empty() || qk.is_empty()) {
                return Err(QError::type_());
            }
            Times::Keys(tk, qk)
        }
    };
    let (ids, ng) = joined_ids(t, q, exact)?;
    let (ti, qi) = ids.split_at(t.len().min(ids.len()));
    it.tick()?;
    // both sides in time order: one merge, no bucketing
    let merged = match &times {
        Times::I32(x, y) => crate::ops::join::asof_merge(ti, x, qi, y, ng),
        Times::I64(x, y) => crate::ops::join::asof_merge(ti, x, qi, y, ng),
        Times::Keys(x, y) => crate::ops::join::asof_merge(ti, x, qi, y, ng),
    };
    if let Some(out) = merged {
        it.tick()?;
        return Ok(out);
    }
    let (tk, qk) = match times {
        Times::Keys(x, y) => (x, y),
        _ => (ord_keys(&tv)?.1, ord_keys(&qv)?.1),
    };
    let (offs, rows) = bucket(qi, ng);
    let times: Vec<i64> = par::map(&rows, |r| qk[r as usize]);
    it.tick()?;
    let out = crate::ops::join::asof_rows(ti, &tk, &offs, &rows, &times);
    it.tick()?;
    Ok(out)
}

/// The time columns of an as-of join's two tables: as stored, when both
/// are one type of 4- or 8-byte integers (nulls are their least values,
/// so the order is q's), else as [`ord_keys`].
enum Times<'a> {
    I32(&'a [i32], &'a [i32]),
    I64(&'a [i64], &'a [i64]),
    Keys(Vec<i64>, Vec<i64>),
}

pub(crate) fn aj_common(
    it: &mut Interp,
    args: Vec<Value>,
    time_from_q: bool,
    fill: bool,
) -> QResult<Value> {
    let Ok([c, x, y]) = <[Value; 3]>::try_from(args) else {
        return Err(QError::rank());
    };
    let names = syms_of(&c)?;
    let (t, nk) = left(&x)?;
    let q = unkeyed(&y).ok_or_else(QError::type_)?;
    let idx = asof_index(it, &t, &q, &names)?;
    let mut others: Vec<Sym> = q
        .names
        .iter()
        .filter(|n| !names.contains(n))
        .copied()
        .collect();
    if time_from_q && let Some(last) = names.last() {
        others.insert(0, *last);
    }
    let mut out = join_in(&t, &q, &others, &idx)?;
    if fill {
        out = fill_from(it, &t, out, &others)?;
    }
    Ok(rekey(&out, nk))
}

/// `ajf[c;t;q]`: as `aj`, but a null in `q` does not overwrite `t`'s value.
pub fn ajf(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    aj_common(it, args, false, true)
}

/// `ajf0[c;t;q]`: as `aj0`, but a null in `q` does not overwrite `t`'s
/// value.
pub fn ajf0(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    aj_common(it, args, true, true)
}

/// `aj[c;t;q]`: as-of join: each row of `t` with the values of the last row
/// of `q` with the same `c` but last and a time (`c` last) at or before its
/// own; `t`'s time is kept.
pub fn aj(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    aj_common(it, args, false, false)
}

/// `aj0[c;t;q]`: as `aj`, with the time of the matching row of `q`.
pub fn aj0(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    aj_common(it, args, true, false)
}

/// `t asof d`: the values of the other columns of `t` as of the keys of `d`
/// (a dictionary: one lookup; a table: one per row). The last key is the
/// time.
pub fn asof(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let q = unkeyed(&x).ok_or_else(QError::type_)?;
    let (probe, single) = match &y {
        Value::Table(p) => (p.clone(), false),
        Value::Dict(_) => match crate::builtins::list::enlist(y.clone())? {
            Value::Table(p) => (p, true),
            _ => return Err(QError::type_()),
        },
        _ => return Err(QError::type_()),
    };
    let names = probe.names.clone();
    let idx = asof_index(it, &probe, &q, &names)?;
    let others: Vec<Sym> = q
        .names
        .iter()
        .filter(|n| !names.contains(n))
        .copied()
        .collect();
    let cols = others
        .iter()
        .map(|s| column(&q, *s).map(|c| take_idx(&c, &idx)))
        .collect::<QResult<Vec<_>>>()?;
    let r = Value::table(others, cols);
    if single && let Value::Table(rt) = &r {
        return Ok(crate::ops::index::table_row(rt, 0));
    }
    Ok(r)
}

// ---------------------------------------------------------------------------
// wj wj1

pub(crate) fn wj_common(it: &mut Interp, args: Vec<Value>, prevailing: bool) -> QResult<Value> {
    let Ok([w, c, x, spec]) = <[Value; 4]>::try_from(args) else {
        return Err(QError::rank());
    };
    let names = syms_of(&c)?;
    let (t, nk) = left(&x)?;
    let witems = w.items();
    if witems.len() != 2 {
        return Err(QError::length());
    }
    let (w0t, w0) = ord_keys(&witems[0])?;
    let (_, w1) = ord_keys(&witems[1])?;
    if w0.len() != t.len() || w1.len() != t.len() {
        return Err(QError::length());
    }
    let sp = spec.items();
    let (qv, aggs) = sp.split_first().ok_or_else(QError::length)?;
    let q = unkeyed(qv).ok_or_else(QError::type_)?;
    let (tcol, exact) = names.split_last().ok_or_else(QError::length)?;
    let (qt, qk) = ord_keys(&column(&q, *tcol)?)?;
    if qt != w0t && !qk.is_empty() && !w0.is_empty() {
        return Err(QError::type_());
    }
    let (ti, qi, ng) = shared_ids(&t, &q, exact)?;
    let (offs, rows) = bucket(&qi, ng);
    let times: Vec<i64> = rows.iter().map(|&r| qk[r as usize]).collect();
    // window [lo, hi) in the group's sorted rows, per left row
    let mut spans = Vec::with_capacity(t.len());
    for (i, &g) in ti.iter().enumerate() {
        let (a, b) = (offs[g as usize], offs[g as usize + 1]);
        let ts = &times[a..b];
        let lo = if prevailing {
            // the prevailing row at the window start: last at or before w0
            ts.partition_point(|&v| v <= w0[i]).saturating_sub(1)
        } else {
            ts.partition_point(|&v| v < w0[i])
        };
        let hi = ts.partition_point(|&v| v <= w1[i]);
        spans.push((a + lo, a + hi.max(lo)));
    }
    let mut out = Arc::unwrap_or_clone(t);
    let mut made: Vec<Sym> = Vec::with_capacity(aggs.len());
    for ag in aggs {
        let parts = ag.items();
        if parts.len() < 2 {
            return Err(QError::length());
        }
        let f = &parts[0];
        let mut srcs = Vec::with_capacity(parts.len() - 1);
        let mut name = Sym::EMPTY;
        for (k, p) in parts[1..].iter().enumerate() {
            let s = match p {
                Value::Atom(qcore::Atom::Symbol(s)) => *s,
                _ => return Err(QError::type_()),
            };
            if k == 0 {
                name = s;
            }
            srcs.push(column(&q, s)?);
        }
        let mut vals = Vec::with_capacity(spans.len());
        for &(lo, hi) in &spans {
            it.tick()?;
            let idx: Vec<i64> = rows[lo..hi].iter().map(|&r| r as i64).collect();
            let argv: Vec<Value> = srcs.iter().map(|s| take_idx(s, &idx)).collect();
            vals.push(apply(it, f, argv)?);
        }
        let col = if vals.is_empty() {
            take_idx(&srcs[0], &[])
        } else {
            Value::from_items(vals)
        };
        // a second aggregate over the same column gets its own column,
        // named as qSQL names a repeated column (`bid`, `bid1`)
        let name = if made.contains(&name) {
            let mut k = 1;
            loop {
                let cand = Sym::new(&format!("{}{k}", name.as_str()));
                if !made.contains(&cand) && !out.names.contains(&cand) {
                    break cand;
                }
                k += 1;
            }
        } else {
            name
        };
        made.push(name);
        match out.names.iter().position(|n| *n == name) {
            Some(p) => out.columns[p] = col,
            None => {
                out.names.push(name);
                out.columns.push(col);
            }
        }
    }
    Ok(rekey(&out, nk))
}

/// `wj[w;c;t;(q;(f;c0);..)]`: window join: for each row of `t`, the
/// aggregates over the rows of `q` with the same exact keys and a time in
/// `[w[0;i], w[1;i]]`, plus the row prevailing at the window start.
pub fn wj(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    wj_common(it, args, true)
}

/// `wj1[w;c;t;(q;(f;c0);..)]`: as `wj`, only rows inside the window.
pub fn wj1(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    wj_common(it, args, false)
}
