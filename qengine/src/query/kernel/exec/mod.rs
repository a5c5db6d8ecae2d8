//! Chunked execution of compiled programs: a select's rows in chunks of
//! [`CHUNK`](super::CHUNK) rows, each filtered, grouped and folded into per-group
//! accumulators, then the result table built from them.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`run_select`] (which run to take) and `finish` (the result, keyed and in q's order) |
//! | `machine.rs` | the machine: registers, the where clause's selection, register programs |
//! | `keys.rs` | group-id assignment for the by keys (symbol table, dense ids, hashes) |
//! | `agg.rs` | the accumulators, the folds and the merge of parallel states |
//! | `bygroup.rs` | grouped selects with ordered aggregates: blocks sorted by group, the groups on all cores |
//! | `partition.rs` | grouped selects with about as many groups as rows: rows partitioned by key hash, the partitions on all cores |
//! | `runs.rs` | row ranges, parallel and pipelined runs, whole-column selects, [`run_narrow`] |
//!
//! Whatever the run, the answer is the interpreter's to the bit, or `None`
//! and the interpreter answers.

use rayon::prelude::*;

mod agg;
mod bygroup;
mod keys;
mod machine;
mod partition;
mod runs;

pub(in crate::query::kernel) use machine::ff;
pub(in crate::query::kernel) use machine::ij;
pub use runs::run_narrow;

use super::compile::AggKind;
use super::compile::Op;
use super::compile::SelectQ;
use crate::ops::dense::Col;
use crate::ops::index::take_idx;
use agg::Acc;
use agg::AggState;
use agg::Stage;
use keys::dense_plan;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use runs::parallel_ok;
use runs::ranges_of;
use runs::run_piped;
use runs::run_range;
use runs::whole_columns;

/// Whether a float `min`/`max` could differ from the interpreter's: the
/// kernel keeps the first of equal items, `crate::ops::reduce::minmax_f64` the winner of
/// its eight lanes, which only matters for a tie between `0.0` and `-0.0`.
/// So when some group's extreme is a zero, the argument column must not
/// hold zeros of both signs (an argument that is not a plain column: the
/// interpreter answers).
fn zero_ties(t: &Table, q: &SelectQ, st: &AggState) -> bool {
    for (a, acc) in q.aggs.iter().zip(&st.accs) {
        // (the `var` family's results are floats too: not extremes)
        let (Acc::F(v), AggKind::MinF | AggKind::MaxF) = (acc, a.kind) else {
            continue;
        };
        if !v.contains(&0.0) {
            continue;
        }
        let col = match &q.prog.ops[a.ops.0..a.ops.1] {
            [Op::Load { col, .. }] => q.prog.cols.get(*col).map(|c| c.idx),
            _ => None,
        };
        let Some(Value::Vector(c)) = col.and_then(|i| t.columns.get(i)) else {
            return true;
        };
        let VecData::F64(c) = c.data() else {
            return true;
        };
        let (mut pos, mut neg) = (false, false);
        for &x in c.iter() {
            pos |= x.to_bits() == 0;
            neg |= x.to_bits() == (-0.0f64).to_bits();
        }
        if pos && neg {
            return true;
        }
    }
    false
}

/// Slot-table entries all workers together may allocate.
const DENSE_MAX_TOTAL: usize = 1 << 23;

/// Runs a compiled select; `None` when the result is better left to the
/// interpreter (no rows or no groups: q's empty-result typing rules). Needs
/// no interpreter, so partitions can run it on worker threads.
///
/// Above the parallel threshold the rows are split into ranges of whole
/// chunks run in parallel, whose states merge exactly. When some
/// aggregate is ordered (a float sum: its association order is part of
/// the answer), the run is split in two: the ranges run the where clause,
/// the grouping and the exact aggregates in parallel (recording the
/// selected rows' group ids, and their items unless read in place), then
/// the ordered aggregates fold each group's items in row order, the
/// groups on all cores (one pass in row order when there is no by, or
/// about as many groups as rows).
pub fn run_select(t: &Table, q: &SelectQ) -> Option<QResult<Value>> {
    let n = t.len();
    if let Some(st) = whole_columns(t, q) {
        // no where, no by: zero ties cannot differ (the interpreter's
        // kernels), and there is one group with a first row
        super::note_path(super::Path::Whole);
        return Some(finish(t, q, st, false));
    }
    let plan = dense_plan(t, q);
    let threads = rayon::current_num_threads().max(1);
    // each worker has its own slot table: fewer pieces for big ones
    let parts = match &plan {
        Some(p) if (p.slots as usize).saturating_mul(threads * 4) > DENSE_MAX_TOTAL => threads,
        _ => threads * 4,
    };
    // a slot table per range about as big as the rows (about as many
    // groups as rows: `by g:sums differ sym`): merging the ranges' groups
    // would cost more than a second thread gives, so one pass (the rule
    // of `crate::ops::dense`'s own split)
    let many = plan
        .as_ref()
        .is_some_and(|p| p.slots.saturating_mul(threads as u64) > n as u64);
    // ... unless the first key ascends: ranges cut where it changes hold
    // groups of their own, which merge by appending (`AggState::append_all`).
    // A lone integral key that never descends (many groups, or too wide a
    // range for a plan) needs no table at all: its groups are its runs
    // (`keys::runs_key`), already in key order
    // (the same test as `many` on two threads, on any number: one thread
    // gains from no table too)
    let wide = plan
        .as_ref()
        .is_none_or(|p| p.slots.saturating_mul(2) > n as u64);
    let runs = (many || wide) && keys::runs_key(t, q);
    let disjoint = if runs {
        keys::change_cuts(t, q, threads)
    } else if many {
        keys::sorted_cuts(t, q, threads)
    } else {
        None
    };
    let rs = match &disjoint {
        Some(cuts) => cuts.clone(),
        None if many || runs => vec![(0, n)],
        None => ranges_of(n, parts),
    };
    // groups of runs: each range's accumulators made at once as long as
    // its runs (every row selected; with a where clause fewer groups, left
    // to grow), the first range's long enough for every range's, which
    // are appended to it (`AggState::append_all`)
    let rooms: Vec<Option<usize>> = if !runs {
        vec![None; rs.len()]
    } else if q.prog.constraints.is_empty() {
        let count = |&r: &(usize, usize)| keys::runs_in(t, q, r);
        let mut k: Vec<usize> = if rs.len() > 1 {
            rs.par_iter().map(count).collect()
        } else {
            rs.iter().map(count).collect()
        };
        let all = k.iter().sum();
        if let Some(first) = k.first_mut() {
            *first = all;
        }
        k.into_iter().map(Some).collect()
    } else {
        vec![Some(0); rs.len()]
    };
    let exact = parallel_ok(q);
    let split = !exact && threads > 1;
    // without a where clause the two-stage pipeline, with a by too:
    // reading the items in place and sorting them by group costs more
    // memory traffic than the pipeline's second stage (`select avg price
    // by sym`, 10M rows, 2 threads: 48-52 ms piped, 72-82 split; PERF.md
    // "The 1 → 2 thread sweep after the merges"), except for `count
    // distinct`, which only the split folds; with a where clause the
    // ranges and then the groups on all cores (`AggState::fold_recs_par`)
    let distinct = q.aggs.iter().any(|a| a.kind == AggKind::CountDistinct);
    // hashed keys with about as many groups as rows: partitioned by key
    // hash, no merge, each partition's table small (`partition`; not
    // dense keys: their one pass reads its slot table in runs of
    // neighbouring slots, `by sym, run`, which the hash scatters)
    let part = if plan.is_none() && !runs {
        partition::run_partitioned(t, q, threads)
    } else {
        None
    };
    // a by: blocks sorted by group, the groups on all cores, when the keys
    // and aggregates allow (`bygroup`)
    let bygroup = if part.is_none() && rs.len() > 1 && split && disjoint.is_none() {
        bygroup::run_bygroup(t, q, plan.as_ref())
    } else {
        None
    };
    let st = if let Some(st) = part {
        let st = st?;
        super::note_path(super::Path::Partitioned);
        st
    } else if let Some(st) = bygroup {
        let st = st?;
        super::note_path(super::Path::ByGroup);
        st
    } else if rs.len() > 1
        && split
        && q.prog.constraints.is_empty()
        && !distinct
        && disjoint.is_none()
    {
        let st = run_piped(t, q, plan.as_ref())?;
        super::note_path(super::Path::Piped);
        st
    } else if rs.len() > 1 && (exact || split) {
        let stage = if exact { Stage::All } else { Stage::Exact };
        let record = split;
        let parts: Vec<Option<AggState>> = rs
            .par_iter()
            .zip(&rooms)
            .map(|(&r, &room)| run_range(t, q, plan.as_ref(), room, r, stage, record))
            .collect();
        let mut recs = Vec::with_capacity(parts.len());
        let mut it_parts = parts.into_iter();
        let mut st = it_parts.next()??;
        // (a range's group map is needed only for its record)
        let rec = st.rec.take();
        let groups: Vec<u32> = match rec {
            Some(_) => (0..st.firsts.len() as u32).collect(),
            None => Vec::new(),
        };
        recs.push((rec, groups));
        if disjoint.is_some() {
            // the ranges' groups are all new: appended at once
            let mut rest = Vec::with_capacity(rs.len());
            let mut rrecs = Vec::with_capacity(rs.len());
            for p in it_parts {
                let mut p = p?;
                rrecs.push(p.rec.take());
                rest.push(p);
            }
            for (rec, ids) in rrecs.into_iter().zip(st.append_all(rest)) {
                let map = match rec {
                    Some(_) => ids.collect(),
                    None => Vec::new(),
                };
                recs.push((rec, map));
            }
        } else {
            for p in it_parts {
                let mut p = p?;
                let rec = p.rec.take();
                let map = st.merge(q, p);
                recs.push((rec, map));
            }
        }
        if st.bad {
            return None;
        }
        if split {
            super::note_path(super::Path::Split);
        }
        // the ordered aggregates: by group on all cores, or range after
        // range
        if !st.fold_recs_par(q, &mut recs, &rs) {
            for ((rec, map), &r) in recs.iter().zip(&rs) {
                if let Some(rec) = rec {
                    st.fold_rec(q, rec, map, r);
                }
            }
        }
        if st.bad {
            return None;
        }
        st
    } else {
        run_range(
            t,
            q,
            plan.as_ref(),
            rooms.first().copied().flatten(),
            (0, n),
            Stage::All,
            false,
        )?
    };
    if zero_ties(t, q, &st) {
        return None;
    }
    if plan.is_some() && !runs {
        super::note_dense();
    }
    if runs {
        super::note_path(super::Path::Runs);
    }
    let unmade = |f: &[i64]| match crate::ops::par::piece_len(f.len()) {
        Some(step) => f.par_chunks(step).any(|c| c.iter().any(|&r| r < 0)),
        None => f.iter().any(|&r| r < 0),
    };
    if st.firsts.is_empty() || unmade(&st.firsts) {
        return None;
    }
    Some(finish(t, q, st, runs))
}

/// How many distinct keys `xs` holds: through dense ids when their
/// range is small (`crate::ops::dense`), else hashed.
fn count_distinct(xs: &[i64]) -> i64 {
    match crate::ops::dense::dense_ids(&[Col::I64(xs)], false) {
        Some((_, firsts)) => firsts.len() as i64,
        None => crate::ops::hash::distinct_keys(xs).len() as i64,
    }
}

/// The result table from the accumulators: keyed by the groups' keys in
/// ascending order (`sorted`: the groups are in that order already).
fn finish(t: &Table, q: &SelectQ, st: AggState, sorted: bool) -> QResult<Value> {
    let mut cols = Vec::with_capacity(q.aggs.len());
    for (a, acc) in q.aggs.iter().zip(st.accs) {
        let v = match acc {
            Acc::Count(v) => Value::Vector(Vector::longs(v)),
            Acc::I(v) => {
                if a.narrow {
                    Value::Vector(Vector::from_i32(
                        a.ty,
                        v.iter().map(|&x| x as i32).collect(),
                    ))
                } else {
                    Value::Vector(Vector::from_i64(a.ty, v))
                }
            }
            Acc::F(v) => Value::Vector(Vector::from_f64(Ty::Float, v)),
            Acc::L(v) => Value::Vector(Vector::from_f64(
                Ty::Float,
                v.iter()
                    .map(|l| {
                        if a.kind == AggKind::SumF {
                            l.total()
                        } else if l.count() == 0 {
                            f64::NAN
                        } else {
                            l.total() / l.count() as f64
                        }
                    })
                    .collect(),
            )),
            Acc::Row(v) => {
                let rows = if a.kind == AggKind::First {
                    &st.firsts
                } else {
                    &v
                };
                take_idx(&t.columns[a.col.unwrap_or(0)], rows)
            }
            Acc::W(v) => Value::Vector(Vector::from_f64(
                Ty::Float,
                v.iter()
                    .map(|&(s, w)| if a.kind == AggKind::Wavg { s / w } else { s })
                    .collect(),
            )),
            // each group's items through the interpreter's own kernel,
            // the groups on all cores
            Acc::V(mut v) => {
                use crate::builtins::math::stats::med_of;
                use crate::builtins::math::stats::var_of;
                let kind = a.kind;
                let r: Vec<f64> = v
                    .par_iter_mut()
                    .map(|xs| match kind {
                        AggKind::Var => var_of(xs, false, false),
                        AggKind::Svar => var_of(xs, true, false),
                        AggKind::Dev => var_of(xs, false, true),
                        AggKind::Sdev => var_of(xs, true, true),
                        _ => med_of(xs),
                    })
                    .collect();
                Value::Vector(Vector::from_f64(Ty::Float, r))
            }
            // each group's distinct items, as the interpreter's
            // `distinct` finds them, the groups on all cores
            Acc::K(v) => Value::Vector(Vector::longs(
                v.par_iter().map(|xs| count_distinct(xs)).collect(),
            )),
        };
        cols.push(v);
    }
    if q.keys.is_empty() {
        return Ok(Value::table(q.names.clone(), cols));
    }
    let keys: Vec<Value> = q
        .keys
        .iter()
        .zip(&q.key_steps)
        .map(|(&k, &step)| {
            let v = take_idx(&t.columns[k], &st.firsts);
            match (step, &v) {
                (Some(s), Value::Vector(x)) => match x.data() {
                    VecData::I64(b) => Value::Vector(Vector::from_i64(
                        x.ty(),
                        b.iter().map(|&e| Col::I64(&[]).bar(s, e)).collect(),
                    )),
                    VecData::I32(b) => Value::Vector(Vector::from_i32(
                        x.ty(),
                        b.iter()
                            .map(|&e| Col::I32(&[]).bar(s, e as i64) as i32)
                            .collect(),
                    )),
                    _ => v,
                },
                _ => v,
            }
        })
        .collect();
    if sorted {
        return Ok(Value::dict(
            Value::table(q.key_names.clone(), keys),
            Value::table(q.names.clone(), cols),
        ));
    }
    // ascending key order, exactly as `crate::query::qsql::group_rows` grades
    let kt = Value::table(
        (0..keys.len())
            .map(|i| Sym::new(&format!("k{i}")))
            .collect(),
        keys.clone(),
    );
    let order = crate::ops::grade::grade(&kt, false)?;
    let oidx: Vec<i64> = crate::ops::par::map(&order, |g| g as i64);
    let keys = keys.iter().map(|k| take_idx(k, &oidx)).collect();
    let cols = cols.iter().map(|c| take_idx(c, &oidx)).collect();
    Ok(Value::dict(
        Value::table(q.key_names.clone(), keys),
        Value::table(q.names.clone(), cols),
    ))
}
