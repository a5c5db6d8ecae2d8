//! Map-reduce of grouped aggregates over partitions: a select by keys
//! other than the partition field whose aggregates all merge exactly
//! (`count`, integer `sum`, `min`, `max`, `first`, `last`) runs grouped in
//! each partition (compiled, on the rayon pool), then the partial groups
//! are merged by a second select by the same keys (sum of counts and sums,
//! extremes of extremes, the first partition's `first`, the last's `last`).
//! The invariant is exactness: the result must be what one select over all
//! the rows gives, so float `sum`/`avg`/`wavg`/`wsum` (rounding depends on
//! order), null integer sums and signed-zero float extremes fall back to
//! gathering the rows (`gather.rs`).

use super::gather::concat;
use super::parallel::{Done, Flight, Job, PartQuery, stop_check};
use super::select::Parts;
use crate::query::kernel::compile;
use crate::query::kernel::compile::AggKind;
use crate::state::Interp;
use qcore::Atom;
use qcore::QResult;
use qcore::Sym;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;

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
        AggKind::SumF
        | AggKind::AvgI
        | AggKind::AvgF
        | AggKind::Wavg
        | AggKind::Wsum
        | AggKind::Var
        | AggKind::Svar
        | AggKind::Dev
        | AggKind::Sdev
        | AggKind::Med
        // distinct items of one group can recur in another partition
        | AggKind::CountDistinct => {
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
pub(super) fn grouped_reduce(it: &mut Interp, p: &Parts, q: &PartQuery) -> QResult<Option<Value>> {
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
