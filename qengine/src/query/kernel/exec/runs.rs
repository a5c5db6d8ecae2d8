//! Runs: how the rows of a table are split and in what order the pieces
//! run.
//!
//! A query below the parallel threshold runs as one range of chunks
//! ([`run_range`]). Above it, the rows split into ranges of whole chunks
//! run on the rayon pool: where clauses ([`run_narrow`]) and selects whose
//! aggregates are all exact run their ranges independently and merge;
//! selects with ordered aggregates and no where clause run as a two-stage
//! pipeline ([`run_piped`]: one thread filters, groups and folds the exact
//! aggregates of a block while another folds the ordered ones of the
//! block before, in row order). A select with neither where nor by reads
//! each aggregate's whole column at once ([`whole_columns`]). Every run
//! stops at Ctrl-C ([`interrupted`]) and leaves the query to the
//! interpreter.

use rayon::prelude::*;

use super::agg::Acc;
use super::agg::AggState;
use super::agg::Rec;
use super::agg::RecVals;
use super::agg::Stage;
use super::agg::acc_grow;
use super::agg::ordered;
use super::agg::whole_agg;
use super::keys::Keys;
use super::machine::Machine;
use super::machine::col_data;
use crate::ops::dense::Col;
use crate::ops::dense::DensePlan;
use crate::query::kernel::CHUNK;
use crate::query::kernel::compile::AggKind;
use crate::query::kernel::compile::Op;
use crate::query::kernel::compile::Program;
use crate::query::kernel::compile::RegKind;
use crate::query::kernel::compile::SelectQ;
use crate::query::kernel::par_min_rows;
use qcore::Table;

/// Splits `[0, n)` into ranges of whole chunks: one range when `n` is
/// below the parallel threshold.
pub(super) fn ranges(n: usize) -> Vec<(usize, usize)> {
    ranges_of(n, rayon::current_num_threads().max(1) * 4)
}

/// [`ranges`] in at most `parts` pieces.
pub(super) fn ranges_of(n: usize, parts: usize) -> Vec<(usize, usize)> {
    if n < par_min_rows() {
        return vec![(0, n)];
    }
    let parts = parts.max(1);
    let per = n.div_ceil(parts).div_ceil(CHUNK) * CHUNK;
    (0..n)
        .step_by(per.max(CHUNK))
        .map(|lo| (lo, (lo + per).min(n)))
        .collect()
}

/// Ctrl-C, the deadline or the budget: the chunk loops give up (`None`)
/// and the interpreter, which then runs, reports the signal
/// ([`qcore::budget`]).
pub(super) fn interrupted() -> bool {
    qcore::budget::stopping()
}

pub(super) fn narrow_range(t: &Table, p: &Program, lo: usize, hi: usize) -> Option<Vec<i64>> {
    let mut m = Machine::new(t, p)?;
    let mut rows = Vec::new();
    let mut base = lo;
    while base < hi {
        if interrupted() {
            return None;
        }
        let len = CHUNK.min(hi - base);
        m.filter(p, base, len);
        if base == lo {
            // room for the rest at the first chunk's rate (and a little
            // more), so a filter keeping most rows does not copy its
            // growing list again and again
            let est = (m.n as f64 / len as f64 * (hi - lo) as f64 * 1.05) as usize;
            rows.reserve(est.min(hi - lo) + CHUNK);
        }
        if m.dense {
            rows.extend((base..base + len).map(|r| r as i64));
        } else {
            rows.extend(m.sel[..m.n].iter().map(|&k| (base + k as usize) as i64));
        }
        base += len;
    }
    Some(rows)
}

/// Where constraints that are each one column compared with a constant
/// (item-wise and pure: their order does not change which rows pass)
/// put most selective first, as four chunks spread over the table show
/// them, so the later ones look only at the rows the first keeps (q13's
/// `price>100, size>=1000`: the size test keeps 3% of the rows, the price
/// test 80%). Ties keep the written order.
fn order_constraints(t: &Table, p: &Program) -> Option<Program> {
    let n = t.len();
    let single = |&((s, e), _): &((usize, usize), usize)| {
        e == s + 1 && matches!(p.ops.get(s), Some(Op::CmpCol { .. }))
    };
    if p.constraints.len() < 2 || n < 16 * CHUNK || !p.constraints.iter().all(single) {
        return None;
    }
    let mut kept = Vec::with_capacity(p.constraints.len());
    for &c in &p.constraints {
        let one = Program {
            constraints: vec![c],
            ..p.clone()
        };
        let mut k = 0;
        for q in 0..4 {
            let lo = n / 4 * q / CHUNK * CHUNK;
            k += narrow_range(t, &one, lo, (lo + CHUNK).min(n))?.len();
        }
        kept.push(k);
    }
    let mut order: Vec<usize> = (0..kept.len()).collect();
    order.sort_by_key(|&i| kept[i]);
    if order.iter().enumerate().all(|(k, &i)| k == i) {
        return None;
    }
    Some(Program {
        constraints: order.iter().map(|&i| p.constraints[i]).collect(),
        ..p.clone()
    })
}

/// The table rows passing every constraint, in table order.
pub fn run_narrow(t: &Table, p: &Program) -> Option<Vec<i64>> {
    let reordered = order_constraints(t, p);
    let p = reordered.as_ref().unwrap_or(p);
    let n = t.len();
    let rs = ranges(n);
    if rs.len() == 1 {
        return narrow_range(t, p, 0, n);
    }
    let parts: Vec<Vec<i64>> = rs
        .par_iter()
        .map(|&(lo, hi)| narrow_range(t, p, lo, hi))
        .collect::<Option<_>>()?;
    let out = crate::ops::par::concat_rows(parts);
    Some(out)
}

pub(super) fn parallel_ok(q: &SelectQ) -> bool {
    q.aggs.iter().all(|a| !ordered(a.kind))
}

/// One range of rows in chunks: `plan` the dense keys' plan; `runs`: the
/// lone key's groups are its runs (`Keys::Runs`, no plan), with room made
/// at once for that many groups; `stage` the aggregates folded;
/// `record`: the ordered ones' items kept for a later pass.
pub(super) fn run_range<'a>(
    t: &'a Table,
    q: &SelectQ,
    plan: Option<&DensePlan>,
    runs: Option<usize>,
    (lo, hi): (usize, usize),
    stage: Stage,
    record: bool,
) -> Option<AggState<'a>> {
    let mut st = AggState::new(t, q, if runs.is_some() { None } else { plan })?;
    if let Some(room) = runs {
        st.keys = Keys::Runs(None);
        st.reserve_groups(room);
    }
    st.stage = stage;
    if record {
        let vals = q
            .aggs
            .iter()
            .enumerate()
            .map(|(k, a)| match a.kind {
                _ if ordered(a.kind) && st.in_place(q, k).is_some() => RecVals::Col,
                AggKind::Wavg | AggKind::Wsum => RecVals::W(vec![], vec![]),
                AggKind::CountDistinct => RecVals::I(vec![]),
                k if k.holistic() => RecVals::F(vec![]),
                _ if !ordered(a.kind) => RecVals::None,
                _ => match a.reg.map(|r| q.prog.regs[r]) {
                    Some(RegKind::I) => RecVals::I(vec![]),
                    Some(RegKind::F) => RecVals::F(vec![]),
                    _ => RecVals::None,
                },
            })
            .collect();
        // room for every row (fresh pages: only those written are touched)
        let gids = if q.keys.is_empty() {
            vec![]
        } else {
            Vec::with_capacity(hi - lo)
        };
        st.rec = Some(Rec { vals, gids });
    }
    let mut base = lo;
    while base < hi {
        if interrupted() {
            return None;
        }
        let len = CHUNK.min(hi - base);
        st.chunk(q, base, len);
        base += len;
    }
    (!st.bad).then_some(st)
}

/// A select with neither a where clause nor a by, whose aggregates all
/// read a long or float column as it is (or are `count`, `first`,
/// `last`, `wavg`, `wsum`): each aggregate over its whole column at once,
/// the aggregates in parallel, with the interpreter's own kernels where
/// they split across cores (integer `sum`, `min`, `max`) and, for the
/// ordered float sums, [`crate::ops::lanes::Lanes::extend`] of the whole
/// column (its fixed blocks on all cores: the chunk loop's bits). `None`:
/// not of that shape.
pub(super) fn whole_columns<'a>(t: &'a Table, q: &SelectQ) -> Option<AggState<'a>> {
    let n = t.len();
    if n == 0 || !q.keys.is_empty() || !q.prog.constraints.is_empty() {
        return None;
    }
    let mut args = Vec::with_capacity(q.aggs.len());
    for a in &q.aggs {
        let arg = match &q.prog.ops[a.ops.0..a.ops.1] {
            [Op::Load { col, .. }] => col_data(t.columns.get(q.prog.cols.get(*col)?.idx)?),
            _ => None,
        };
        let ok = match (a.kind, arg) {
            (
                AggKind::Count | AggKind::First | AggKind::Last | AggKind::Wavg | AggKind::Wsum,
                _,
            ) => true,
            (AggKind::SumI | AggKind::MinI | AggKind::MaxI | AggKind::AvgI, Some(Col::I64(_))) => {
                !a.narrow
            }
            (AggKind::SumF | AggKind::AvgF | AggKind::MinF | AggKind::MaxF, Some(Col::F64(_))) => {
                true
            }
            _ => false,
        };
        if !ok {
            return None;
        }
        args.push(arg);
    }
    let mut st = AggState::new(t, q, None)?;
    st.firsts[0] = 0;
    let (accs, wcols) = (&mut st.accs, &st.wcols);
    let each = |(k, acc): (usize, &mut Acc)| whole_agg(&q.aggs[k], acc, args[k], wcols[k], n);
    if q.aggs.len() > 1 {
        accs.par_iter_mut().enumerate().for_each(each);
    } else {
        accs.iter_mut().enumerate().for_each(each);
    }
    Some(st)
}

/// Chunks per block of a pipelined run.
pub(super) const PIPE_CHUNKS: usize = 32;

/// One block of a pipelined run, as its first stage leaves it for the
/// second: per chunk its base, selection and group ids.
#[derive(Default)]
pub(super) struct Block {
    /// Per chunk: base, number selected, whether dense, offset in `sel`
    /// (sparse chunks only) and in `gids`.
    pub(super) chunks: Vec<(usize, usize, bool, usize, usize)>,
    pub(super) sel: Vec<u32>,
    pub(super) gids: Vec<u32>,
    /// Groups made so far.
    pub(super) groups: usize,
}

impl AggState<'_> {
    /// First stage of a pipelined run over rows `[lo, hi)`: filter,
    /// group and the exact aggregates, leaving the chunks' selections and
    /// group ids in `b`. False when interrupted.
    pub(super) fn fill(&mut self, q: &SelectQ, (lo, hi): (usize, usize), b: &mut Block) -> bool {
        b.chunks.clear();
        b.sel.clear();
        b.gids.clear();
        let mut base = lo;
        while base < hi {
            if interrupted() {
                return false;
            }
            let len = CHUNK.min(hi - base);
            self.m.filter(&q.prog, base, len);
            let (n, dense) = (self.m.n, self.m.dense);
            if n > 0 {
                // the group ids go straight into the block
                let go = b.gids.len();
                self.group_at(q, base, &mut b.gids);
                self.fold_with(q, base, &b.gids[go..]);
                b.chunks.push((base, n, dense, b.sel.len(), go));
                if !dense {
                    b.sel.extend_from_slice(&self.m.sel[..n]);
                }
            }
            base += len;
        }
        b.groups = self.firsts.len();
        true
    }

    /// Second stage: the ordered aggregates over a block the first stage
    /// filled (in row order, block after block).
    pub(super) fn drain(&mut self, q: &SelectQ, b: &Block) {
        while self.groups < b.groups {
            for (a, acc) in q.aggs.iter().zip(self.accs.iter_mut()) {
                acc_grow(a, acc);
            }
            self.groups += 1;
        }
        for &(base, n, dense, so, go) in &b.chunks {
            self.m.n = n;
            self.m.dense = dense;
            if !dense {
                self.m.sel[..n].copy_from_slice(&b.sel[so..so + n]);
            }
            let gids = if self.one {
                &[][..]
            } else {
                &b.gids[go..go + n]
            };
            self.fold_with(q, base, gids);
        }
    }
}

/// A two-stage pipeline for selects with ordered aggregates and no where
/// clause: one thread filters, groups and folds the exact aggregates of a
/// block of rows while another folds the ordered ones of the block
/// before (whose group ids the first left), so the ordered aggregates
/// still see their items in row order.
pub(super) fn run_piped<'a>(
    t: &'a Table,
    q: &SelectQ,
    plan: Option<&DensePlan>,
) -> Option<AggState<'a>> {
    let n = t.len();
    let mut a = AggState::new(t, q, plan)?;
    a.stage = Stage::Exact;
    // the second stage only folds: no key tables
    let mut b = AggState::new(t, q, None)?;
    b.stage = Stage::Ordered;
    b.keys = Keys::None;
    b.groups = b.firsts.len();
    let per = PIPE_CHUNKS * CHUNK;
    let blocks: Vec<(usize, usize)> = (0..n)
        .step_by(per)
        .map(|lo| (lo, (lo + per).min(n)))
        .collect();
    let block = || Block {
        chunks: Vec::with_capacity(PIPE_CHUNKS),
        sel: vec![],
        gids: Vec::with_capacity(if q.keys.is_empty() { 0 } else { per }),
        groups: 0,
    };
    let (mut cur, mut next) = (block(), block());
    if !a.fill(q, blocks[0], &mut cur) {
        return None;
    }
    // on a worker thread, so each join below is a local fork
    let ok = rayon::scope(|_| {
        for k in 0..blocks.len() {
            let (ok, ()) = rayon::join(
                || match blocks.get(k + 1) {
                    Some(&r) => a.fill(q, r, &mut next),
                    None => true,
                },
                || b.drain(q, &cur),
            );
            if !ok {
                return false;
            }
            std::mem::swap(&mut cur, &mut next);
        }
        true
    });
    if !ok {
        return None;
    }
    if a.bad {
        return None;
    }
    for ((ag, x), y) in q.aggs.iter().zip(a.accs.iter_mut()).zip(b.accs.iter_mut()) {
        if ordered(ag.kind) {
            std::mem::swap(x, y);
        }
    }
    Some(a)
}
