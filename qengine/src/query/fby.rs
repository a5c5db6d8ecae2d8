//! `fby`: `(f;x) fby g`, an aggregate of `x` per group of `g` given back
//! to every row of the group — the group ids from the one grouping engine,
//! known aggregates (`max min avg sum`) folded per group in one pass, any
//! other `f` run once per group.

use crate::builtins::apply::apply;
use crate::ops::group::group_ids;
use crate::ops::index::slice;
use crate::ops::index::take_idx;
use crate::query::qsql::fit;
use crate::query::qsql::key_ids;
use crate::state::Interp;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

/// `(f;x) fby g`: `f` applied to the items of `x` in each group of `g`,
/// each row getting its group's result.
///
/// Groups by the one grouping engine (ids in order of first occurrence:
/// `fby` needs no key order and no per-group row lists). `max`/`min` of a
/// long or float vector fold per group in one pass; any other `f` runs on
/// each group's items, taken from one gather of `x` in group order, and
/// the results go back with one gather (atoms) or the concatenation of
/// the groups' lists gathered to row order (`(sums;p) fby g`).
pub fn fby(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    Ok(match fby_parts(it, x, y)? {
        Fby::Groups { ids, per } => broadcast(&per, &ids),
        Fby::Rows(v) => v,
    })
}

/// `fby`'s result before each row is given its group's value.
pub(crate) enum Fby {
    /// Each row's group (`ids`) and each group's atom result (`per`, a
    /// list of the groups' count): row `i`'s value is `per[ids[i]]`.
    Groups { ids: Vec<u32>, per: Value },
    /// The result itself (lists of their groups' lengths put back row by
    /// row, or no rows).
    Rows(Value),
}

/// `(f;x) fby g` as [`Fby`]: a where clause comparing with it reads each
/// group's value by the row's group ([`crate::query::qsql`]'s
/// `fby_compare`) instead of a vector of every row's.
pub(crate) fn fby_parts(it: &mut Interp, x: Value, y: Value) -> QResult<Fby> {
    let items = x.items();
    if items.len() != 2 {
        return Err(QError::length());
    }
    let (f, data) = (&items[0], &items[1]);
    let n = y.count();
    if data.count() != n {
        return Err(QError::length());
    }
    let kv = match &y {
        Value::Table(g) => g.columns.clone(),
        other => vec![other.clone()],
    };
    let (ids, firsts) = match &kv[..] {
        [] => (vec![0u32; n], if n > 0 { vec![0] } else { vec![] }),
        [k] => group_ids(k)?,
        _ => key_ids(&kv)?,
    };
    it.tick()?;
    if n == 0 {
        return Ok(Fby::Rows(slice(data, 0, 0)));
    }
    let ng = firsts.len();
    if let Some(per) = fby_minmax(f, data, &ids, ng).or_else(|| fby_lanes(f, data, &ids, ng)) {
        return Ok(Fby::Groups { ids, per });
    }
    let pl = crate::query::groupwise::Placement::new(&ids, ng);
    let (offs, perm) = pl.sorted();
    let order: Vec<i64> = crate::ops::par::map(perm, |p| p as i64);
    let by_group = take_idx(data, &order);
    drop(order);
    let mut results = Vec::with_capacity(ng);
    for w in offs.windows(2) {
        let part = slice(&by_group, w[0], w[1]);
        results.push(apply(it, f, vec![part])?);
    }
    drop(by_group);
    let lens = offs.windows(2).map(|w| w[1] - w[0]);
    // q amends each group's rows with its result: an atom fills them, a
    // list of the group's count goes back row by row (`(sums;p) fby g`)
    if results
        .iter()
        .zip(lens.clone())
        .all(|(r, len)| !r.is_list() || r.count() != len)
    {
        drop(pl);
        let per = Value::from_items(results);
        return Ok(Fby::Groups { ids, per });
    }
    let mut parts = Vec::with_capacity(ng);
    for (r, len) in results.into_iter().zip(lens) {
        parts.push(if r.is_list() && r.count() == len {
            r
        } else if r.is_list() && len != 1 {
            return Err(QError::length());
        } else if r.is_list() {
            Value::list(vec![r])
        } else {
            fit(r, len)?
        });
    }
    Ok(Fby::Rows(pl.scatter(parts)))
}

/// Each row given its group's value: `per[ids[i]]` for row `i` (on the
/// pool for many rows; long and float vectors read straight from their
/// items, anything else gathered).
pub(crate) fn broadcast(per: &Value, ids: &[u32]) -> Value {
    if let Value::Vector(v) = per
        && v.domain().is_none()
    {
        let t = v.ty();
        match v.data() {
            qcore::VecData::I64(b) if matches!(t, Ty::Long | Ty::Timestamp | Ty::Timespan) => {
                return Value::Vector(Vector::from_i64(
                    t,
                    crate::ops::par::map(ids, |g| b[g as usize]),
                ));
            }
            qcore::VecData::F64(b) if matches!(t, Ty::Float | Ty::Datetime) => {
                return Value::Vector(Vector::from_f64(
                    t,
                    crate::ops::par::map(ids, |g| b[g as usize]),
                ));
            }
            _ => {}
        }
    }
    let idx: Vec<i64> = crate::ops::par::map(ids, |g| g as i64);
    take_idx(per, &idx)
}

/// `(max;x) fby g` and `(min;x) fby g` for a long or float vector `x`:
/// each group's extreme in one pass over the rows (per piece of rows on
/// the pool, then merged), nulls ignored as `max`/`min` ignore them: the
/// groups' values. `None` for anything else.
fn fby_minmax(f: &Value, data: &Value, ids: &[u32], ng: usize) -> Option<Value> {
    let max = match crate::builtins::iterate::builtin_name(f)? {
        "max" => true,
        "min" => false,
        _ => return None,
    };
    let v = plain_vector(data)?;
    let t = v.ty();
    let per = match v.data() {
        qcore::VecData::I64(xs) if matches!(t, Ty::Long | Ty::Timestamp | Ty::Timespan) => {
            let init = if max { -i64::MAX } else { i64::MAX };
            let acc = group_fold(xs, ids, ng, init, |a, x| {
                if x != qcore::sentinel::NJ && ((max && x > a) || (!max && x < a)) {
                    x
                } else {
                    a
                }
            });
            Vector::from_i64(t, acc)
        }
        qcore::VecData::F64(xs) if matches!(t, Ty::Float | Ty::Datetime) => {
            let init = if max {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            let acc = group_fold(xs, ids, ng, init, |a, x| {
                if (max && x > a) || (!max && x < a) {
                    x
                } else {
                    a
                }
            });
            Vector::from_f64(t, acc)
        }
        _ => return None,
    };
    Some(Value::Vector(per))
}

/// `(avg;x) fby g` for a long or float vector `x` and `(sum;x) fby g` for
/// a float one: each group's items added in row order into its
/// [`crate::ops::lanes::Lanes`] ([`group_lanes`]). `avg`/`sum` of
/// a group's items (`avg_vec`, `sum_f64`) add them through `Lanes` too,
/// and `Lanes` adds the same whether its items arrive one by one or as a
/// slice, so each group's result has the bits of `avg`/`sum` of the
/// group's items. `None` for anything else.
fn fby_lanes(f: &Value, data: &Value, ids: &[u32], ng: usize) -> Option<Value> {
    let avg = match crate::builtins::iterate::builtin_name(f)? {
        "avg" => true,
        "sum" => false,
        _ => return None,
    };
    let v = plain_vector(data)?;
    let acc = match (v.ty(), v.data()) {
        (Ty::Float, qcore::VecData::F64(xs)) => group_lanes(xs, ids, ng),
        (Ty::Long, qcore::VecData::I64(xs)) if avg => group_lanes(xs, ids, ng),
        _ => return None,
    };
    let per: Vec<f64> = acc
        .iter()
        .map(|l| match (avg, l.count()) {
            (true, 0) => f64::NAN,
            (true, c) => l.total() / c as f64,
            (false, _) => l.total(),
        })
        .collect();
    Some(Value::Vector(Vector::floats(per)))
}

/// Each group's [`crate::ops::lanes::Lanes`] of the items of `xs` (`ids[i]`
/// the group of `xs[i]`), each group's items added in row order. A float
/// sum depends on its order, so pieces of rows cannot fold apart and
/// merge; on the pool the items are put in group order instead (the
/// counting sort of [`crate::ops::par::Buckets`], pieces in parallel,
/// each group's items in row order) and the groups add theirs in
/// parallel, each as one slice: the additions of the one pass.
fn group_lanes<T>(xs: &[T], ids: &[u32], ng: usize) -> Vec<crate::ops::lanes::Lanes>
where
    T: crate::ops::lanes::LaneItem + Default + Send + Sync,
{
    use crate::ops::lanes::Lanes;
    use rayon::prelude::*;
    match crate::ops::par::piece_len(xs.len()) {
        // per-piece count tables smaller than the rows
        Some(step) if ng.saturating_mul(xs.len().div_ceil(step)) <= xs.len() => {
            let pieces: Vec<&[u32]> = ids.chunks(step).collect();
            let b = crate::ops::par::Buckets::new(&pieces, ng);
            let sorted: Vec<T> = b.scatter(|p| xs[p * step..].iter().copied());
            (0..ng)
                .into_par_iter()
                .map(|g| {
                    let mut l = Lanes::default();
                    l.extend(&sorted[b.offs[g]..b.offs[g + 1]]);
                    l
                })
                .collect()
        }
        _ => {
            let mut acc = vec![Lanes::default(); ng];
            for (&x, &g) in xs.iter().zip(ids) {
                acc[g as usize].push(x);
            }
            acc
        }
    }
}

/// `x` when it is a simple vector that is not an enumeration (the one-pass
/// folds read its items directly).
fn plain_vector(x: &Value) -> Option<&Vector> {
    match x {
        Value::Vector(v) if v.domain().is_none() => Some(v),
        _ => None,
    }
}

/// Folds `xs` into one accumulator per group (`ids[i]` the group of
/// `xs[i]`), starting from `init`; `op` must be associative and
/// commutative (pieces of rows fold on the pool, then merge with `op`).
fn group_fold<T: Copy + Send + Sync>(
    xs: &[T],
    ids: &[u32],
    ng: usize,
    init: T,
    op: impl Fn(T, T) -> T + Sync + Send,
) -> Vec<T> {
    use rayon::prelude::*;
    let fold = |xs: &[T], ids: &[u32]| {
        let mut acc = vec![init; ng];
        for (&x, &g) in xs.iter().zip(ids) {
            let a = &mut acc[g as usize];
            *a = op(*a, x);
        }
        acc
    };
    match crate::ops::par::piece_len(xs.len()) {
        Some(step) if ng <= xs.len() / 16 => xs
            .par_chunks(step)
            .zip(ids.par_chunks(step))
            .map(|(x, g)| fold(x, g))
            .reduce_with(|mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x = op(*x, y);
                }
                a
            })
            .unwrap_or_else(|| vec![init; ng]),
        _ => fold(xs, ids),
    }
}
