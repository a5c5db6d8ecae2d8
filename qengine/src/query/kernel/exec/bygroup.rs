//! Grouped selects with ordered aggregates on all cores, sorted by group
//! a block at a time ([`run_bygroup`]).
//!
//! A float `sum`/`avg` (and the `var` family, `med`) of a group must add
//! the group's items in row order through [`Lanes`] to give the
//! interpreter's bits, so one group's items are never split between
//! threads (DECISIONS, "Grouped aggregates on both cores"). Instead of
//! folding row by row on one thread (the pipeline) or sorting all the
//! items by group in memory (the split), the rows go in rounds of one
//! cache-sized block per thread:
//!
//! 1. each block, in parallel: the where clause, each selected row's key
//!    slot (a symbol id, or the dense composite id) and its group, and
//!    every aggregate's argument, computed once per chunk (an arithmetic
//!    expression of columns included) — then the block's items sorted by
//!    group (a counting sort, each group's items staying in row order);
//!    without a where clause the block's groups are counted first and
//!    each chunk's items go straight from the column (or the argument's
//!    register) to their places, with no copy in row order;
//! 2. the groups new in the round numbered in row order (first
//!    occurrence, as the one-pass run numbers them);
//! 3. the groups in parallel (contiguous ranges of group ids): each folds
//!    its runs of items, block after block, with the same additions as in
//!    one pass ([`Lanes::extend`] of a run is [`Lanes::push`] of each
//!    item), `min`/`max` keeping the first of equal items.
//!
//! Everything a round touches stays in the threads' caches, and the
//! argument is evaluated on all cores. The rounds run on a pool thread
//! (between rounds the workers spin instead of sleeping). The `var`
//! family takes two passes: each group's mean through its lanes, then its
//! squared deviations in row order (`var_f64`'s two loops), with no copy
//! of each group's items.

type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::FixedState>;
use qcore::sentinel::NJ;
use rayon::prelude::*;

use super::agg::Acc;
use super::agg::AggState;
use super::agg::acc_grow;
use super::agg::hitems;
use super::keys::Keys;
use super::machine::Reg;
use super::machine::each_row;
use super::runs::interrupted;
use crate::ops::dense::Col;
use crate::ops::dense::DensePlan;
use crate::ops::lanes::Lanes;
use crate::query::kernel::CHUNK;
use crate::query::kernel::compile::Agg;
use crate::query::kernel::compile::AggKind;
use crate::query::kernel::compile::Op;
use crate::query::kernel::compile::Opnd;
use crate::query::kernel::compile::RegKind;
use crate::query::kernel::compile::SelectQ;
use crate::query::kernel::par_min_rows;
use qcore::Table;

/// Rows per block: 64k rows (a few MB of items, within a core's L2 and
/// the shared cache), fewer when the parallel threshold is lowered
/// (tests), so that small tables still run several blocks.
fn block_rows() -> usize {
    (par_min_rows() / 64).clamp(CHUNK, 16 * CHUNK) / CHUNK * CHUNK
}

/// What an aggregate folds: nothing (`count`), longs or floats.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    None,
    I,
    F,
}

/// An aggregate's items over a block: in row order, then sorted by group.
enum Vals {
    None,
    I(Vec<i64>),
    F(Vec<f64>),
}

impl Vals {
    fn new(k: Kind) -> Vals {
        match k {
            Kind::None => Vals::None,
            Kind::I => Vals::I(Vec::new()),
            Kind::F => Vals::F(Vec::new()),
        }
    }

    fn clear(&mut self) {
        match self {
            Vals::None => {}
            Vals::I(v) => v.clear(),
            Vals::F(v) => v.clear(),
        }
    }

    /// `self[dst[j]] = x[j]`: `x` sorted by the permutation `dst`.
    fn sorted_from(&mut self, x: &Vals, dst: &[u32]) {
        fn go<T: Copy + Default>(o: &mut Vec<T>, x: &[T], dst: &[u32]) {
            // every item is written below (`dst` is a permutation): the
            // buffer of the block before is only resized, not cleared
            o.resize(x.len(), T::default());
            for (&d, &v) in dst.iter().zip(x) {
                o[d as usize] = v;
            }
        }
        match (self, x) {
            (Vals::I(o), Vals::I(x)) => go(o, x, dst),
            (Vals::F(o), Vals::F(x)) => go(o, x, dst),
            _ => {}
        }
    }
}

/// The items an aggregate folds, when this path can fold it: `count`,
/// `sum`/`avg`/`min`/`max` of a compiled argument (any arithmetic of
/// columns), the `var` family and `med` of a column; `None` for the
/// others (`first`, `last`, `wavg`, `wsum`, `count distinct`).
fn kind_of(q: &SelectQ, a: &Agg) -> Option<Kind> {
    let reg = || a.reg.and_then(|r| q.prog.regs.get(r).copied());
    match a.kind {
        AggKind::Count => Some(Kind::None),
        AggKind::Var | AggKind::Svar | AggKind::Dev | AggKind::Sdev | AggKind::Med => {
            a.col.map(|_| Kind::F)
        }
        AggKind::SumI | AggKind::MinI | AggKind::MaxI => (reg()? == RegKind::I).then_some(Kind::I),
        AggKind::MinF | AggKind::MaxF => (reg()? == RegKind::F).then_some(Kind::F),
        AggKind::SumF | AggKind::AvgI | AggKind::AvgF => match reg()? {
            RegKind::I => Some(Kind::I),
            RegKind::F => Some(Kind::F),
            RegKind::B => None,
        },
        _ => None,
    }
}

/// Whether the op ranges of aggregates `a` and `b` compute the same
/// items: the same ops with their registers renamed (each column reference
/// compiles to its own load, so a range is self-contained).
fn same_ops(q: &SelectQ, a: &Agg, b: &Agg) -> bool {
    let (xa, xb) = (&q.prog.ops[a.ops.0..a.ops.1], &q.prog.ops[b.ops.0..b.ops.1]);
    if xa.len() != xb.len() || xa.is_empty() {
        return false;
    }
    let mut map: HashMap<usize, usize> = HashMap::default();
    let mut reg = |x: usize, y: usize| *map.entry(x).or_insert(y) == y;
    let opnd = |x: Opnd, y: Opnd, reg: &mut dyn FnMut(usize, usize) -> bool| match (x, y) {
        (Opnd::R(x), Opnd::R(y)) => reg(x, y),
        (Opnd::I(x), Opnd::I(y)) => x == y,
        (Opnd::F(x), Opnd::F(y)) => x.to_bits() == y.to_bits(),
        _ => false,
    };
    for (x, y) in xa.iter().zip(xb) {
        let ok = match (x, y) {
            (Op::Load { dst: d, col: c }, Op::Load { dst: e, col: f }) => {
                q.prog.cols[*c].idx == q.prog.cols[*f].idx && reg(*d, *e)
            }
            (Op::I2F { dst: d, src: s }, Op::I2F { dst: e, src: t }) => reg(*s, *t) && reg(*d, *e),
            (
                Op::Arith {
                    dst: d,
                    op: o,
                    a: p,
                    b: r,
                    float: f,
                },
                Op::Arith {
                    dst: e,
                    op: o2,
                    a: p2,
                    b: r2,
                    float: f2,
                },
            ) => {
                o == o2
                    && f == f2
                    && opnd(*p, *p2, &mut reg)
                    && opnd(*r, *r2, &mut reg)
                    && reg(*d, *e)
            }
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    match (a.reg, b.reg) {
        (Some(x), Some(y)) => map.get(&x) == Some(&y),
        _ => false,
    }
}

/// The float column an aggregate's items are, as floats: a holistic one's
/// column, or a plain load of a float column.
fn float_col(q: &SelectQ, a: &Agg, t: &Table) -> Option<usize> {
    let idx = if a.kind.holistic() {
        a.col?
    } else {
        match &q.prog.ops[a.ops.0..a.ops.1] {
            [Op::Load { col, .. }] => q.prog.cols.get(*col)?.idx,
            _ => return None,
        }
    };
    match t.columns.get(idx)? {
        qcore::Value::Vector(v) if matches!(v.data(), qcore::VecData::F64(_)) => Some(idx),
        _ => None,
    }
}

/// Per aggregate, the aggregate whose items it folds: itself, or an
/// earlier one with the same items (`avg x` and `max x` of one
/// expression; `avg c` and `dev c` of a float column), computed and
/// sorted once.
fn sources(q: &SelectQ, t: &Table, kinds: &[Kind]) -> Vec<usize> {
    let mut src: Vec<usize> = (0..q.aggs.len()).collect();
    for k in 0..q.aggs.len() {
        if kinds[k] == Kind::None {
            continue;
        }
        let (a, fc) = (&q.aggs[k], float_col(q, &q.aggs[k], t));
        for j in 0..k {
            let b = &q.aggs[j];
            if src[j] != j || kinds[j] != kinds[k] {
                continue;
            }
            let same = match (fc, float_col(q, b, t)) {
                (Some(x), Some(y)) => x == y,
                _ => !a.kind.holistic() && !b.kind.holistic() && same_ops(q, a, b),
            };
            if same {
                src[k] = j;
                break;
            }
        }
    }
    src
}

/// One block as phase 1 leaves it.
#[derive(Default)]
struct Block {
    /// Rows `[lo, hi)`.
    range: (usize, usize),
    /// Per selected row, its local group: a group id below `g0`, else
    /// `g0 + k` for the `k`-th slot new in this block.
    lids: Vec<u32>,
    /// Per selected row, its place in the sorted items.
    dst: Vec<u32>,
    /// Per aggregate that is its own source: its items in row order, and
    /// sorted by local group.
    vals: Vec<Vals>,
    sorted: Vec<Vals>,
    /// The local groups present, and where each one's items start in
    /// `sorted` (one more entry: the end).
    present: Vec<u32>,
    starts: Vec<u32>,
    /// Groups when the round started.
    g0: u32,
    /// Slots without a group when the round started (slot, first row),
    /// in row order, and the groups phase 2 gave them.
    news: Vec<(u32, i64)>,
    newmap: Vec<u32>,
}

/// One thread's scratch: its machine and a count per local group.
struct Worker<'a> {
    st: AggState<'a>,
    cnt: Vec<u32>,
    /// Places of a chunk's items in the sorted items.
    dst: Vec<u32>,
    newtab: HashMap<u32, u32>,
}

/// The group of key slot `s` (row `r`): known when the round started, or
/// a local one for a slot new in this block.
#[inline(always)]
fn lid_of(
    gof: &[u32],
    s: u32,
    r: usize,
    g0: u32,
    newtab: &mut HashMap<u32, u32>,
    news: &mut Vec<(u32, i64)>,
) -> u32 {
    match gof.get(s as usize) {
        Some(&g) if g != u32::MAX => g,
        _ => new_lid(s, r, g0, newtab, news),
    }
}

#[cold]
#[inline(never)]
fn new_lid(
    s: u32,
    r: usize,
    g0: u32,
    newtab: &mut HashMap<u32, u32>,
    news: &mut Vec<(u32, i64)>,
) -> u32 {
    *newtab.entry(s).or_insert_with(|| {
        news.push((s, r as i64));
        g0 + news.len() as u32 - 1
    })
}

/// A chunk's items of one aggregate, as its argument left them: a plain
/// column read in place or the argument's register.
enum Items<'m> {
    I(&'m [i64]),
    F(&'m [f64]),
}

/// The items of aggregate `a` (not holistic) over the chunk at `base`
/// (the machine's `n` selected rows), computed once: a plain long or
/// float column over a whole chunk in place, else the argument's ops run.
fn chunk_items<'m>(
    st: &'m mut AggState<'_>,
    q: &SelectQ,
    a: &Agg,
    base: usize,
) -> Option<Items<'m>> {
    let (n, dense) = (st.m.n, st.m.dense);
    if let ([Op::Load { col, .. }], true) = (&q.prog.ops[a.ops.0..a.ops.1], dense) {
        match st.m.cols[*col] {
            Col::I64(c) => return Some(Items::I(&c[base..base + n])),
            Col::F64(c) => return Some(Items::F(&c[base..base + n])),
            _ => {}
        }
    }
    let r = a.reg?;
    st.m.run(&q.prog.ops[a.ops.0..a.ops.1], base);
    match &st.m.regs[r] {
        Reg::I(x) => Some(Items::I(&x[..n])),
        Reg::F(x) => Some(Items::F(&x[..n])),
        Reg::B(_) => None,
    }
}

/// The local groups of the chunk at `base` (the machine's selection)
/// appended to `b.lids`, and counted in `w.cnt` (`b.present`: the local
/// groups in the order they first appear). False when a key fell outside
/// the dense plan.
fn chunk_lids(w: &mut Worker, b: &mut Block, base: usize, gof: &[u32]) -> bool {
    let g0 = b.g0;
    let st = &mut w.st;
    let (n, dense) = (st.m.n, st.m.dense);
    let (newtab, news) = (&mut w.newtab, &mut b.news);
    let off = b.lids.len();
    b.lids.resize(off + n, 0);
    if let Keys::Sym(_) = st.keys {
        let Col::Sym(c) = st.keycols[0] else {
            return false;
        };
        let sel = &st.m.sel[..];
        let lids = &mut b.lids[off..];
        each_row!(base, sel, n, dense, |j, r| {
            lids[j] = lid_of(gof, c[r].0, r, g0, newtab, news);
        });
    } else {
        let sel = std::mem::take(&mut st.m.sel);
        st.dense_ids((!dense).then(|| &sel[..n]), n, base);
        for (j, (o, &s)) in b.lids[off..].iter_mut().zip(&st.ids[..n]).enumerate() {
            let r = base + if dense { j } else { sel[j] as usize };
            *o = lid_of(gof, s, r, g0, newtab, news);
        }
        st.m.sel = sel;
        if st.bad {
            return false;
        }
    }
    // counted while the chunk's ids are in the first-level cache
    let need = g0 as usize + b.news.len();
    if w.cnt.len() < need {
        w.cnt.resize(need, 0);
    }
    let cnt = &mut w.cnt[..];
    for &l in &b.lids[off..] {
        let c = &mut cnt[l as usize];
        if *c == 0 {
            b.present.push(l);
        }
        *c += 1;
    }
    true
}

/// Phase 1 for one block. False when interrupted or a key fell outside
/// the dense plan.
///
/// Without a where clause every row is selected, so the items need not
/// be kept in row order first: the groups of the whole block are found
/// and counted, then each chunk's items (in place or in the argument's
/// register) go straight to their places in the sorted items. With one,
/// each chunk's selected items are kept, then sorted ([`sort_block`]).
fn fill(
    w: &mut Worker,
    b: &mut Block,
    q: &SelectQ,
    kinds: &[Kind],
    src: &[usize],
    want: &[bool],
    gof: &[u32],
) -> bool {
    let (lo, hi) = b.range;
    let nowhere = q.prog.constraints.is_empty();
    b.lids.clear();
    b.present.clear();
    b.news.clear();
    b.newmap.clear();
    w.newtab.clear();
    for v in b.vals.iter_mut() {
        v.clear();
    }
    let own = |k: usize| src[k] == k && kinds[k] != Kind::None && want[k];
    let mut base = lo;
    while base < hi {
        if interrupted() {
            return false;
        }
        let len = CHUNK.min(hi - base);
        w.st.m.filter(&q.prog, base, len);
        if w.st.m.n == 0 {
            base += len;
            continue;
        }
        if !chunk_lids(w, b, base, gof) {
            return false;
        }
        if !nowhere {
            // the aggregates' items, each computed once
            for (k, a) in q.aggs.iter().enumerate() {
                if !own(k) {
                    continue;
                }
                let st = &mut w.st;
                let out = &mut b.vals[k];
                if a.kind.holistic() {
                    let (Some(c), Vals::F(o)) = (st.hcols[k], out) else {
                        return false;
                    };
                    let (n, dense) = (st.m.n, st.m.dense);
                    hitems(c, base, &st.m.sel, n, dense, |_, x| o.push(x));
                    continue;
                }
                match (chunk_items(st, q, a, base), out) {
                    (Some(Items::I(x)), Vals::I(o)) => o.extend_from_slice(x),
                    (Some(Items::F(x)), Vals::F(o)) => o.extend_from_slice(x),
                    _ => return false,
                }
            }
        }
        base += len;
    }
    starts(w, b);
    if !nowhere {
        sort_block(w, b);
    } else if !place_items(w, b, q, &own) {
        return false;
    }
    for &l in &b.present {
        w.cnt[l as usize] = 0;
    }
    true
}

/// Counts to starts, in the order the groups first appear: `b.starts`,
/// and `w.cnt` of each present group its first place.
fn starts(w: &mut Worker, b: &mut Block) {
    let cnt = &mut w.cnt[..];
    b.starts.clear();
    let mut at = 0u32;
    for &l in &b.present {
        b.starts.push(at);
        let c = cnt[l as usize];
        cnt[l as usize] = at;
        at += c;
    }
    b.starts.push(at);
}

/// `o[dst[j]] = x[j]`.
fn scatter<T: Copy>(o: &mut [T], x: &[T], dst: &[u32]) {
    for (&d, &v) in dst.iter().zip(x) {
        o[d as usize] = v;
    }
}

/// Without a where clause: each chunk's items straight to their places
/// in the sorted items (each group's items in row order), the block's
/// rows in order. False when an argument did not run.
fn place_items(w: &mut Worker, b: &mut Block, q: &SelectQ, own: &dyn Fn(usize) -> bool) -> bool {
    let (lo, hi) = b.range;
    let total = b.lids.len();
    for (k, o) in b.sorted.iter_mut().enumerate() {
        if !own(k) {
            continue;
        }
        // every place is written below: only resized
        match o {
            Vals::I(v) => v.resize(total, 0),
            Vals::F(v) => v.resize(total, 0.0),
            Vals::None => {}
        }
    }
    let mut dst = std::mem::take(&mut w.dst);
    let mut base = lo;
    let mut ok = true;
    while base < hi && ok {
        let len = CHUNK.min(hi - base);
        let off = base - lo;
        let cnt = &mut w.cnt[..];
        dst.clear();
        dst.extend(b.lids[off..off + len].iter().map(|&l| {
            let c = &mut cnt[l as usize];
            *c += 1;
            *c - 1
        }));
        let st = &mut w.st;
        // every row selected (the filter without constraints)
        st.m.n = len;
        st.m.dense = true;
        for (k, a) in q.aggs.iter().enumerate() {
            if !own(k) {
                continue;
            }
            let o = &mut b.sorted[k];
            if a.kind.holistic() {
                let (Some(c), Vals::F(o)) = (st.hcols[k], o) else {
                    ok = false;
                    break;
                };
                hitems(c, base, &st.m.sel, len, true, |j, x| o[dst[j] as usize] = x);
                continue;
            }
            match (chunk_items(st, q, a, base), o) {
                (Some(Items::I(x)), Vals::I(o)) => scatter(o, x, &dst),
                (Some(Items::F(x)), Vals::F(o)) => scatter(o, x, &dst),
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        base += len;
    }
    w.dst = dst;
    ok
}

/// Sorts a block's items (kept in row order) by local group (stable:
/// each group's items stay in row order), `w.cnt` holding each present
/// group's first place ([`starts`]).
fn sort_block(w: &mut Worker, b: &mut Block) {
    let cnt = &mut w.cnt[..];
    b.dst.clear();
    b.dst.extend(b.lids.iter().map(|&l| {
        let c = &mut cnt[l as usize];
        *c += 1;
        *c - 1
    }));
    for (o, x) in b.sorted.iter_mut().zip(&b.vals) {
        o.sorted_from(x, &b.dst);
    }
}

/// An aggregate's accumulators for a range of groups.
enum Part<'a> {
    Count(&'a mut [i64]),
    I(&'a mut [i64]),
    F(&'a mut [f64]),
    L(&'a mut [Lanes]),
    V(&'a mut [Vec<f64>]),
    /// Sums of squared deviations from each group's mean (the second
    /// pass of the `var` family).
    Sq(&'a mut [f64], &'a [f64]),
    /// Not folded in this pass.
    Skip,
}

/// `v` cut at the consecutive ranges `parts` (which cover it).
fn cut<'a, T>(mut v: &'a mut [T], parts: &[(usize, usize)]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(parts.len());
    for &(lo, hi) in parts {
        let (mine, rest) = std::mem::take(&mut v).split_at_mut(hi - lo);
        out.push(mine);
        v = rest;
    }
    out
}

/// Folds the items `x` (one group's, in row order) into accumulator `g`.
fn fold_run(kind: AggKind, p: &mut Part, g: usize, x: &Vals, (s, e): (usize, usize)) {
    match (p, x) {
        (Part::Count(v), _) => v[g] += (e - s) as i64,
        (Part::I(v), Vals::I(x)) => {
            let x = &x[s..e];
            let acc = &mut v[g];
            match kind {
                AggKind::MinI => {
                    *acc = x
                        .iter()
                        .fold(*acc, |m, &y| if y != NJ && y < m { y } else { m })
                }
                AggKind::MaxI => {
                    *acc = x
                        .iter()
                        .fold(*acc, |m, &y| if y != NJ && y > m { y } else { m })
                }
                _ => {
                    let s = x
                        .iter()
                        .fold(0i64, |s, &y| s.wrapping_add(if y == NJ { 0 } else { y }));
                    *acc = acc.wrapping_add(s);
                }
            }
        }
        (Part::F(v), Vals::F(x)) => {
            let x = &x[s..e];
            let acc = &mut v[g];
            *acc = if kind == AggKind::MinF {
                x.iter().fold(*acc, |m, &y| if y < m { y } else { m })
            } else {
                x.iter().fold(*acc, |m, &y| if y > m { y } else { m })
            };
        }
        (Part::L(v), Vals::F(x)) => v[g].extend(&x[s..e]),
        (Part::L(v), Vals::I(x)) => v[g].extend(&x[s..e]),
        (Part::V(v), Vals::F(x)) => v[g].extend_from_slice(&x[s..e]),
        // `var_f64`'s second loop, continued run after run in row order
        (Part::Sq(v, m), Vals::F(x)) => {
            let (mean, mut acc) = (m[g], v[g]);
            for &y in &x[s..e] {
                if !y.is_nan() {
                    let d = y - mean;
                    acc += d * d;
                }
            }
            v[g] = acc;
        }
        _ => {}
    }
}

/// A grouped select with ordered aggregates, sorted by group a block at a
/// time (module docs). `None`: not of this path's shape (a key hashed or
/// a `first`, `last`, `wavg`, `wsum` or `count distinct`): another run
/// answers; `Some(None)`: interrupted, or a key outside its plan: the
/// interpreter answers.
pub(super) fn run_bygroup<'a>(
    t: &'a Table,
    q: &SelectQ,
    plan: Option<&DensePlan>,
) -> Option<Option<AggState<'a>>> {
    if q.keys.is_empty() {
        return None;
    }
    let kinds: Vec<Kind> = q
        .aggs
        .iter()
        .map(|a| kind_of(q, a))
        .collect::<Option<_>>()?;
    let proto = AggState::new(t, q, plan)?;
    let dense = match (&proto.keys, plan) {
        (Keys::Sym(_), _) => false,
        (Keys::Dense(_), Some(_)) => true,
        _ => return None,
    };
    if q.aggs
        .iter()
        .enumerate()
        .any(|(k, a)| a.kind.holistic() && proto.hcols[k].is_none())
    {
        return None;
    }
    let src = sources(q, t, &kinds);
    let threads = rayon::current_num_threads().max(1);
    // slot → group (`u32::MAX`: none yet); a symbol table grows with the
    // ids met
    let gof: Vec<u32> = match plan {
        Some(p) if dense => vec![u32::MAX; p.slots as usize],
        _ => Vec::new(),
    };
    let mut workers: Vec<Worker> = Vec::with_capacity(threads);
    let mut blocks: Vec<Block> = Vec::with_capacity(threads);
    for _ in 0..threads {
        let mut st = AggState::new(t, q, plan)?;
        if dense {
            // the workers compute slots only, never look them up
            st.keys = Keys::Dense(Vec::new());
        }
        workers.push(Worker {
            st,
            cnt: Vec::new(),
            dst: Vec::new(),
            newtab: HashMap::default(),
        });
        blocks.push(Block {
            vals: kinds
                .iter()
                .enumerate()
                .map(|(k, &x)| Vals::new(if src[k] == k { x } else { Kind::None }))
                .collect(),
            sorted: kinds
                .iter()
                .enumerate()
                .map(|(k, &x)| Vals::new(if src[k] == k { x } else { Kind::None }))
                .collect(),
            ..Block::default()
        });
    }
    let mut st = proto;
    st.keys = Keys::None;
    // the `var` family folds in two passes without a copy of each group's
    // items (`crate::builtins::math::stats::var_f64`'s arithmetic): each
    // group's mean through the lanes, then its squared deviations in row
    // order
    let var: Vec<bool> = q.aggs.iter().map(|a| is_var(a.kind)).collect();
    for (k, acc) in st.accs.iter_mut().enumerate() {
        if var[k] {
            *acc = Acc::L(vec![Lanes::default(); st.firsts.len()]);
        }
    }
    let mut r = Rounds {
        q,
        n: t.len(),
        kinds: &kinds,
        src: &src,
        want: vec![true; q.aggs.len()],
        workers,
        blocks,
        gof,
        threads,
    };
    if !r.run(&mut st, None) {
        return Some(None);
    }
    if var.iter().any(|&v| v) {
        // each group's mean and count, then the second pass
        let ng = st.firsts.len();
        let mut means: Vec<Vec<f64>> = vec![Vec::new(); q.aggs.len()];
        let mut counts: Vec<Vec<i64>> = vec![Vec::new(); q.aggs.len()];
        for (k, acc) in st.accs.iter_mut().enumerate() {
            if !var[k] {
                continue;
            }
            let Acc::L(ls) = acc else {
                return Some(None);
            };
            means[k] = ls
                .iter()
                .map(|l| match l.count() {
                    0 => f64::NAN,
                    c => l.total() / c as f64,
                })
                .collect();
            counts[k] = ls.iter().map(|l| l.count()).collect();
            *acc = Acc::F(vec![0.0; ng]);
        }
        r.want = (0..q.aggs.len())
            .map(|j| (0..q.aggs.len()).any(|k| var[k] && src[k] == j))
            .collect();
        if !r.run(&mut st, Some(&means)) {
            return Some(None);
        }
        for (k, (a, acc)) in q.aggs.iter().zip(st.accs.iter_mut()).enumerate() {
            if let (true, Acc::F(v)) = (var[k], acc) {
                for (x, &c) in v.iter_mut().zip(&counts[k]) {
                    *x = var_end(a.kind, *x, c);
                }
            }
        }
    }
    Some(Some(st))
}

/// Whether `k` is of the `var` family (two passes here).
fn is_var(k: AggKind) -> bool {
    matches!(
        k,
        AggKind::Var | AggKind::Svar | AggKind::Dev | AggKind::Sdev
    )
}

/// `var`/`svar`/`dev`/`sdev` of a group from its sum of squared
/// deviations `sq` and count `c`, as `crate::builtins::math::stats::var_of`
/// computes them.
fn var_end(kind: AggKind, sq: f64, c: i64) -> f64 {
    if c == 0 {
        return f64::NAN;
    }
    let n = c as f64;
    let mut r = sq / n;
    if matches!(kind, AggKind::Svar | AggKind::Sdev) {
        r = r * n / (n - 1.0);
    }
    if matches!(kind, AggKind::Dev | AggKind::Sdev) {
        r.sqrt()
    } else {
        r
    }
}

/// The rounds over all the rows (module docs) and what they need.
struct Rounds<'q, 'a> {
    q: &'q SelectQ,
    n: usize,
    kinds: &'q [Kind],
    src: &'q [usize],
    /// The sources whose items a pass computes.
    want: Vec<bool>,
    workers: Vec<Worker<'a>>,
    blocks: Vec<Block>,
    /// Slot → group (`u32::MAX`: none yet).
    gof: Vec<u32>,
    threads: usize,
}

impl Rounds<'_, '_> {
    /// One pass over all the rows into `st`'s accumulators; `means`: the
    /// second pass of the `var` family (their accumulators the sums of
    /// squared deviations from `means[k]`, the other aggregates left as
    /// they are, no group new). False: interrupted, a key outside its
    /// plan, or an accumulator this path does not fold.
    fn run(&mut self, st: &mut AggState, means: Option<&[Vec<f64>]>) -> bool {
        let Rounds {
            q,
            n,
            kinds,
            src,
            want,
            workers,
            blocks,
            gof,
            threads,
        } = self;
        let (q, n, kinds, src, threads) = (*q, *n, *kinds, *src, *threads);
        let per = block_rows();
        // on a pool thread: the rounds' forks are local joins, and the
        // other threads spin between rounds instead of sleeping (woken from
        // outside the pool, every round cost several context switches)
        rayon::scope(|_| {
            let mut lo = 0;
            while lo < n {
                // phase 1: a block per thread
                let g0 = st.firsts.len() as u32;
                let mut used = 0;
                for b in blocks.iter_mut() {
                    if lo >= n {
                        break;
                    }
                    b.range = (lo, (lo + per).min(n));
                    b.g0 = g0;
                    lo = b.range.1;
                    used += 1;
                }
                let gof_r = &gof[..];
                let want = &want[..];
                let ok = workers[..used]
                    .par_iter_mut()
                    .zip(&mut blocks[..used])
                    .map(|(w, b)| fill(w, b, q, kinds, src, want, gof_r))
                    .reduce(|| true, |a, b| a && b);
                if !ok {
                    return false;
                }
                // phase 2: the round's new groups, in row order
                for b in &mut blocks[..used] {
                    if means.is_some() && !b.news.is_empty() {
                        return false;
                    }
                    for &(s, r) in &b.news {
                        let s = s as usize;
                        if s >= gof.len() {
                            gof.resize(s + 1, u32::MAX);
                        }
                        if gof[s] == u32::MAX {
                            gof[s] = st.firsts.len() as u32;
                            st.firsts.push(r);
                            for (a, acc) in q.aggs.iter().zip(st.accs.iter_mut()) {
                                acc_grow(a, acc);
                            }
                        }
                        b.newmap.push(gof[s]);
                    }
                }
                // phase 3: the groups in parallel, each over its runs in
                // block order
                let ng = st.firsts.len();
                if ng == 0 {
                    continue;
                }
                let nparts = (threads * 4).min(ng);
                let parts: Vec<(usize, usize)> = (0..nparts)
                    .map(|p| (p * ng / nparts, (p + 1) * ng / nparts))
                    .collect();
                let mut per_part: Vec<Vec<Part>> = (0..nparts).map(|_| Vec::new()).collect();
                for (k, acc) in st.accs.iter_mut().enumerate() {
                    macro_rules! split {
                        ($v:expr, $c:ident) => {
                            for (p, s) in cut(&mut $v[..], &parts).into_iter().enumerate() {
                                per_part[p].push(Part::$c(s));
                            }
                        };
                    }
                    if let Some(m) = means {
                        match acc {
                            Acc::F(v) if !m[k].is_empty() => {
                                let cuts = cut(&mut v[..], &parts);
                                for (p, s) in cuts.into_iter().enumerate() {
                                    let (glo, ghi) = parts[p];
                                    per_part[p].push(Part::Sq(s, &m[k][glo..ghi]));
                                }
                            }
                            _ => per_part.iter_mut().for_each(|p| p.push(Part::Skip)),
                        }
                        continue;
                    }
                    match acc {
                        Acc::Count(v) => split!(v, Count),
                        Acc::I(v) => split!(v, I),
                        Acc::F(v) => split!(v, F),
                        Acc::L(v) => split!(v, L),
                        Acc::V(v) => split!(v, V),
                        _ => return false,
                    }
                }
                let blocks = &blocks[..used];
                per_part.into_par_iter().zip(parts.par_iter()).for_each(
                    |(mut accs, &(glo, ghi))| {
                        for b in blocks {
                            for (i, &l) in b.present.iter().enumerate() {
                                let g = if l < b.g0 {
                                    l as usize
                                } else {
                                    b.newmap[(l - b.g0) as usize] as usize
                                };
                                if g < glo || g >= ghi {
                                    continue;
                                }
                                let run = (b.starts[i] as usize, b.starts[i + 1] as usize);
                                for (k, (a, p)) in q.aggs.iter().zip(accs.iter_mut()).enumerate() {
                                    fold_run(a.kind, p, g - glo, &b.sorted[src[k]], run);
                                }
                            }
                        }
                    },
                );
            }
            true
        })
    }
}
