//! Aggregation: the per-group accumulators and the folds that feed them.
//!
//! [`AggState`] is one worker's whole state for a select: its machine,
//! its key tables ([`super::keys`]), one accumulator per aggregate
//! ([`Acc`]) and the first row of each group. [`AggState::chunk`] filters
//! a chunk, groups its survivors and folds them; the folds read a plain
//! column in place when the chunk is whole, else the argument's register.
//!
//! Exact aggregates (`count`, integer `sum`, `min`, `max`, `first`,
//! `last`) merge across row ranges in any order ([`AggState::merge`]);
//! ordered ones (float sums, `avg`, `wavg`, `wsum`) must see their items
//! in row order to give the interpreter's bits, so split runs record
//! their items ([`Rec`]) and fold them afterwards in order
//! ([`AggState::fold_rec`]). Which pass folds what is the [`Stage`].

type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::FixedState>;
use qcore::sentinel::NJ;

use super::keys::Keys;
use super::machine::Machine;
use super::machine::Reg;
use super::machine::col_data;
use super::machine::each_row;
use crate::ops::dense::Col;
use crate::ops::dense::DensePlan;
use crate::ops::lanes::Lanes;
use crate::query::kernel::CHUNK;
use crate::query::kernel::compile::Agg;
use crate::query::kernel::compile::AggKind;
use crate::query::kernel::compile::Op;
use crate::query::kernel::compile::SelectQ;
use qcore::Table;

/// The table column an aggregate reads in place (its ops are one `Load`
/// and the chunk is whole).
pub(super) fn direct_col(q: &SelectQ, a: &Agg, dense: bool) -> Option<usize> {
    match &q.prog.ops[a.ops.0..a.ops.1] {
        [Op::Load { col, .. }] if dense => q.prog.cols.get(*col).map(|c| c.idx),
        _ => None,
    }
}

/// An aggregate's argument over the chunk's selected rows.
#[derive(Clone, Copy)]
pub(super) enum Arg<'r> {
    I(&'r [i64]),
    F(&'r [f64]),
    None,
}

pub(super) enum Acc {
    Count(Vec<i64>),
    I(Vec<i64>),
    F(Vec<f64>),
    L(Vec<Lanes>),
    Row(Vec<i64>),
    /// Wavg/wsum: per group the sum of products and the sum of weights.
    W(Vec<(f64, f64)>),
    /// The `var` family and `med`: per group its items, in row order.
    V(Vec<Vec<f64>>),
    /// `count distinct`: per group its items as keys ([`Col::key_at`]).
    K(Vec<Vec<i64>>),
}

pub(super) fn acc_new(a: &Agg) -> Acc {
    match a.kind {
        AggKind::Count => Acc::Count(vec![]),
        AggKind::SumI | AggKind::MinI | AggKind::MaxI => Acc::I(vec![]),
        AggKind::MinF | AggKind::MaxF => Acc::F(vec![]),
        AggKind::SumF | AggKind::AvgI | AggKind::AvgF => Acc::L(vec![]),
        AggKind::First | AggKind::Last => Acc::Row(vec![]),
        AggKind::Wavg | AggKind::Wsum => Acc::W(vec![]),
        AggKind::Var | AggKind::Svar | AggKind::Dev | AggKind::Sdev | AggKind::Med => {
            Acc::V(vec![])
        }
        AggKind::CountDistinct => Acc::K(vec![]),
    }
}

pub(super) fn acc_grow(a: &Agg, acc: &mut Acc) {
    let inf_i = if a.narrow { i32::MAX as i64 } else { i64::MAX };
    match acc {
        Acc::Count(v) => v.push(0),
        Acc::I(v) => v.push(match a.kind {
            AggKind::MinI => inf_i,
            AggKind::MaxI => -inf_i,
            _ => 0,
        }),
        Acc::F(v) => v.push(if a.kind == AggKind::MinF {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        }),
        Acc::L(v) => v.push(Lanes::default()),
        Acc::Row(v) => v.push(-1),
        Acc::W(v) => v.push((0.0, 0.0)),
        Acc::V(v) => v.push(Vec::new()),
        Acc::K(v) => v.push(Vec::new()),
    }
}

/// `k` groups' [`acc_grow`] at once (the new groups of a chunk of runs,
/// `Keys::Runs`): the item one `acc_grow` pushes, repeated.
pub(super) fn acc_grow_by(a: &Agg, acc: &mut Acc, k: usize) {
    if k == 0 {
        return;
    }
    let mut one = acc_new(a);
    acc_grow(a, &mut one);
    match (acc, one) {
        (Acc::Count(v), Acc::Count(x)) | (Acc::I(v), Acc::I(x)) | (Acc::Row(v), Acc::Row(x)) => {
            v.resize(v.len() + k, x[0])
        }
        (Acc::F(v), Acc::F(x)) => v.resize(v.len() + k, x[0]),
        (Acc::L(v), Acc::L(x)) => v.resize(v.len() + k, x[0]),
        (Acc::W(v), Acc::W(x)) => v.resize(v.len() + k, x[0]),
        (acc, _) => {
            for _ in 0..k {
                acc_grow(a, acc);
            }
        }
    }
}

pub(super) struct AggState<'a> {
    pub(super) m: Machine<'a>,
    pub(super) keys: Keys,
    pub(super) keycols: Vec<Col<'a>>,
    /// Per key: `step xbar` applied to the column value.
    pub(super) steps: Vec<Option<i64>>,
    /// Per aggregate: wavg/wsum columns.
    pub(super) wcols: Vec<Option<(Col<'a>, Col<'a>)>>,
    /// Per aggregate: the column of a holistic one (`var` family, `med`).
    pub(super) hcols: Vec<Option<Col<'a>>>,
    pub(super) gids: Vec<u32>,
    pub(super) firsts: Vec<i64>,
    pub(super) accs: Vec<Acc>,
    /// The dense plan (`None`: hashed keys) and the chunk's composite ids.
    pub(super) dense: Option<DensePlan>,
    pub(super) ids: Vec<u32>,
    /// A key item fell outside the planned ranges: the run gives up and
    /// the interpreter answers.
    pub(super) bad: bool,
    /// No by: one group, no group ids.
    pub(super) one: bool,
    /// Groups the accumulators hold (second stage of a pipelined run).
    pub(super) groups: usize,
    /// Which aggregates this pass folds.
    pub(super) stage: Stage,
    /// Split runs: the ordered aggregates' items (and the group ids),
    /// recorded in row order for the ordered pass instead of folded.
    pub(super) rec: Option<Rec>,
}

/// Aggregates whose result depends on the order their items are added
/// (float sums: `sum`/`avg` of floats, `avg` of integers, `wavg`,
/// `wsum`; the holistic ones collect each group's items in row order);
/// the others (`count`, integer `sum`, `min`, `max`, `first`, `last`)
/// merge exactly across row ranges.
pub(super) fn ordered(k: AggKind) -> bool {
    k.holistic()
        || matches!(
            k,
            AggKind::SumF | AggKind::AvgI | AggKind::AvgF | AggKind::Wavg | AggKind::Wsum
        )
}

/// Calls `f(j, x)` for the `j`-th selected row of the chunk at `base`
/// with its item of column `c` as a float, converted as the interpreter's
/// `f64s` converts it (nulls NaN, infinities infinite).
#[inline(always)]
pub(super) fn hitems(
    c: Col,
    base: usize,
    sel: &[u32],
    n: usize,
    dense: bool,
    mut f: impl FnMut(usize, f64),
) {
    use qcore::atom::i64_to_f64;
    use qcore::atom::widen_i32;
    match c {
        Col::F64(c) => each_row!(base, sel, n, dense, |j, r| { f(j, c[r]) }),
        Col::I64(c) => each_row!(base, sel, n, dense, |j, r| { f(j, i64_to_f64(c[r])) }),
        Col::I32(c) => each_row!(base, sel, n, dense, |j, r| {
            f(j, i64_to_f64(widen_i32(c[r])))
        }),
        _ => {}
    }
}

/// The aggregates a pass over the rows folds: all of them, or (split
/// runs) first the exact ones over row ranges in parallel, then the
/// ordered ones in one pass in row order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Stage {
    All,
    Exact,
    Ordered,
}

impl Stage {
    pub(super) fn wants(self, k: AggKind) -> bool {
        match self {
            Stage::All => true,
            Stage::Exact => !ordered(k),
            Stage::Ordered => ordered(k),
        }
    }
}

/// The items of a row range the ordered aggregates would have folded:
/// per aggregate its argument for each selected row, and each row's
/// group id (in the range's own numbering).
#[derive(Default)]
pub(super) struct Rec {
    pub(super) vals: Vec<RecVals>,
    pub(super) gids: Vec<u32>,
}

pub(super) enum RecVals {
    None,
    /// Not recorded: the range's rows of the aggregate's column, read in
    /// place ([`AggState::in_place`]).
    Col,
    I(Vec<i64>),
    F(Vec<f64>),
    /// Wavg/wsum: both arguments, converted.
    W(Vec<f64>, Vec<f64>),
}

/// Appends the selected rows' pairs of columns `cx`, `cy` (as
/// [`wfold`] reads them) to `xs`, `ys`.
#[allow(clippy::too_many_arguments)]
pub(super) fn wrec(
    xs: &mut Vec<f64>,
    ys: &mut Vec<f64>,
    cx: Col,
    cy: Col,
    base: usize,
    sel: &[u32],
    n: usize,
    dense: bool,
) {
    use qcore::i64_to_f64;
    use qcore::widen_i32;
    fn put(o: &mut Vec<f64>, c: Col, base: usize, sel: &[u32], n: usize, dense: bool) {
        macro_rules! go {
            ($c:expr, $f:expr) => {{
                let (c, f) = ($c, $f);
                if dense {
                    o.extend(c[base..base + n].iter().map(|&x| f(x)));
                } else {
                    o.extend(sel[..n].iter().map(|&p| f(c[base + p as usize])));
                }
            }};
        }
        match c {
            Col::F64(c) => go!(c, |x: f64| x),
            Col::I64(c) => go!(c, i64_to_f64),
            Col::I32(c) => go!(c, |x: i32| i64_to_f64(widen_i32(x))),
            _ => o.extend(std::iter::repeat_n(f64::NAN, n)),
        }
    }
    put(xs, cx, base, sel, n, dense);
    put(ys, cy, base, sel, n, dense);
}

/// Item `r` of column `c` as [`wrec`] records it (`i64_to_f64`: nulls
/// NaN, infinities infinite; other columns null).
#[inline(always)]
pub(super) fn float_at(c: Col, r: usize) -> f64 {
    use qcore::i64_to_f64;
    use qcore::widen_i32;
    match c {
        Col::F64(c) => c[r],
        Col::I64(c) => i64_to_f64(c[r]),
        Col::I32(c) => i64_to_f64(widen_i32(c[r])),
        _ => f64::NAN,
    }
}

/// Where an ordered aggregate's items are when a split run reads them in
/// place instead of recording them ([`AggState::in_place`]).
#[derive(Clone, Copy)]
pub(super) enum Place<'a> {
    F(&'a [f64]),
    I(&'a [i64]),
    /// `wavg`/`wsum`: both columns, converted by [`float_at`].
    W(Col<'a>, Col<'a>),
}

impl Place<'_> {
    /// The items of rows `lo..hi`, as a range would have recorded them.
    pub(super) fn items(self, (lo, hi): (usize, usize)) -> RecVals {
        match self {
            Place::F(c) => RecVals::F(c[lo..hi].to_vec()),
            Place::I(c) => RecVals::I(c[lo..hi].to_vec()),
            Place::W(cx, cy) => {
                let (mut xs, mut ys) = (Vec::new(), Vec::new());
                wrec(&mut xs, &mut ys, cx, cy, lo, &[], hi - lo, true);
                RecVals::W(xs, ys)
            }
        }
    }
}

impl<'a> AggState<'a> {
    /// The column the `k`-th aggregate, an ordered one, reads its items
    /// from, when a split run need not record them: no where clause (a
    /// range's items are all its rows, in order) and a plain column of the
    /// type its fold takes (a long or float column for `sum`/`avg`, a
    /// float one for the `var` family and `med`, a long one for `count
    /// distinct`; any for `wavg`/`wsum`).
    pub(super) fn in_place(&self, q: &SelectQ, k: usize) -> Option<Place<'a>> {
        if !q.prog.constraints.is_empty() {
            return None;
        }
        let a = q.aggs.get(k)?;
        match a.kind {
            AggKind::Wavg | AggKind::Wsum => self.wcols[k].map(|(x, y)| Place::W(x, y)),
            AggKind::CountDistinct => match self.hcols[k]? {
                Col::I64(c) => Some(Place::I(c)),
                _ => None,
            },
            h if h.holistic() => match self.hcols[k]? {
                Col::F64(c) => Some(Place::F(c)),
                _ => None,
            },
            _ => match &q.prog.ops[a.ops.0..a.ops.1] {
                [Op::Load { col, .. }] => match self.m.cols.get(*col)? {
                    Col::F64(c) => Some(Place::F(c)),
                    Col::I64(c) => Some(Place::I(c)),
                    _ => None,
                },
                _ => None,
            },
        }
    }
}

/// Folds the selected rows' pairs of columns `cx`, `cy` into the
/// wavg/wsum accumulators (group `gids[j]`, or the one group), reading
/// the columns in place and converting as the interpreter's `f64s` does.
#[allow(clippy::too_many_arguments)]
pub(super) fn wfold(
    v: &mut [(f64, f64)],
    gids: Option<&[u32]>,
    cx: Col,
    cy: Col,
    base: usize,
    sel: &[u32],
    n: usize,
    dense: bool,
) {
    use qcore::i64_to_f64;
    use qcore::widen_i32;
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn go<X: Copy, Y: Copy>(
        v: &mut [(f64, f64)],
        gids: Option<&[u32]>,
        cx: &[X],
        cy: &[Y],
        base: usize,
        sel: &[u32],
        n: usize,
        dense: bool,
        fx: impl Fn(X) -> f64,
        fy: impl Fn(Y) -> f64,
    ) {
        match gids {
            None => {
                let mut e = v[0];
                each_row!(base, sel, n, dense, |_j, r| {
                    wadd(&mut e, fx(cx[r]), fy(cy[r]));
                });
                v[0] = e;
            }
            Some(g) => {
                let g = &g[..n];
                if dense {
                    let (cx, cy) = (&cx[base..base + n], &cy[base..base + n]);
                    for ((&g, &x), &y) in g.iter().zip(cx).zip(cy) {
                        wadd(&mut v[g as usize], fx(x), fy(y));
                    }
                } else {
                    for (&g, &p) in g.iter().zip(&sel[..n]) {
                        let r = base + p as usize;
                        wadd(&mut v[g as usize], fx(cx[r]), fy(cy[r]));
                    }
                }
            }
        }
    }
    let f = |x: f64| x;
    // `i64_to_f64` with its three special items tested in one compare
    let i = |x: i64| {
        if (x.wrapping_sub(i64::MAX) as u64) <= 2 {
            i64_to_f64(x)
        } else {
            x as f64
        }
    };
    let w = |x: i32| i64_to_f64(widen_i32(x));
    match (cx, cy) {
        (Col::I64(a), Col::F64(b)) => go(v, gids, a, b, base, sel, n, dense, i, f),
        (Col::F64(a), Col::F64(b)) => go(v, gids, a, b, base, sel, n, dense, f, f),
        (Col::I64(a), Col::I64(b)) => go(v, gids, a, b, base, sel, n, dense, i, i),
        (Col::F64(a), Col::I64(b)) => go(v, gids, a, b, base, sel, n, dense, f, i),
        (Col::I32(a), Col::F64(b)) => go(v, gids, a, b, base, sel, n, dense, w, f),
        (Col::I32(a), Col::I64(b)) => go(v, gids, a, b, base, sel, n, dense, w, i),
        (Col::I32(a), Col::I32(b)) => go(v, gids, a, b, base, sel, n, dense, w, w),
        (Col::F64(a), Col::I32(b)) => go(v, gids, a, b, base, sel, n, dense, f, w),
        (Col::I64(a), Col::I32(b)) => go(v, gids, a, b, base, sel, n, dense, i, w),
        _ => {}
    }
}

/// Adds `x * y` and `x` to a wavg/wsum accumulator for the pairs without
/// a null, as `crate::builtins::math::stats::wavg`/`wsum` do. Adding `0.0` for a skipped pair
/// instead of branching gives the same bits: the sums start at `+0.0`,
/// so they are never `-0.0`, and `s + 0.0` is `s` for every other `s`.
#[inline(always)]
pub(super) fn wadd(e: &mut (f64, f64), u: f64, w: f64) {
    let ok = !u.is_nan() & !w.is_nan();
    e.0 += if ok { u * w } else { 0.0 };
    e.1 += if ok { u } else { 0.0 };
}

/// Each item of `x` into its group's [`Lanes`] (`gids[i]` the group of
/// `x[i]`; all of group 0 when `one`), in row order.
fn push_lanes<T: crate::ops::lanes::LaneItem>(v: &mut [Lanes], one: bool, gids: &[u32], x: &[T]) {
    if one {
        v[0].extend(x);
    } else {
        for (&g, &y) in gids.iter().zip(x) {
            v[g as usize].push(y);
        }
    }
}

/// Folds an aggregate's argument into its accumulator: `x[j]` the item of
/// the `j`-th selected row, of group `gids[j]` (or the one group): `count`,
/// integer `sum`/`min`/`max`, float `min`/`max` (the first of equal items
/// kept) and the float sums through [`Lanes`], in the order given. False:
/// not one of these (the caller folds it).
pub(super) fn fold_items(
    acc: &mut Acc,
    kind: AggKind,
    arg: Arg,
    gids: &[u32],
    one: bool,
    n: usize,
) -> bool {
    match (acc, kind, arg) {
        (Acc::Count(v), _, _) => {
            if one {
                v[0] += n as i64;
            } else {
                let v = &mut v[..];
                for &g in gids {
                    v[g as usize] += 1;
                }
            }
        }
        (Acc::I(v), AggKind::SumI, Arg::I(x)) => {
            if one {
                let s = crate::ops::reduce::sum_i64(x);
                v[0] = v[0].wrapping_add(s);
            } else {
                let v = &mut v[..];
                for (&g, &y) in gids.iter().zip(x) {
                    let e = &mut v[g as usize];
                    *e = e.wrapping_add(if y == NJ { 0 } else { y });
                }
            }
        }
        (Acc::I(v), AggKind::MinI, Arg::I(x)) => {
            if one {
                v[0] = x
                    .iter()
                    .fold(v[0], |e, &y| if y != NJ && y < e { y } else { e });
            } else {
                let v = &mut v[..];
                for (&g, &y) in gids.iter().zip(x) {
                    let e = &mut v[g as usize];
                    if y != NJ && y < *e {
                        *e = y;
                    }
                }
            }
        }
        (Acc::I(v), AggKind::MaxI, Arg::I(x)) => {
            if one {
                v[0] = x
                    .iter()
                    .fold(v[0], |e, &y| if y != NJ && y > e { y } else { e });
            } else {
                let v = &mut v[..];
                for (&g, &y) in gids.iter().zip(x) {
                    let e = &mut v[g as usize];
                    if y != NJ && y > *e {
                        *e = y;
                    }
                }
            }
        }
        (Acc::F(v), AggKind::MinF, Arg::F(x)) => {
            if one {
                v[0] = x.iter().fold(v[0], |e, &y| if y < e { y } else { e });
            } else {
                let v = &mut v[..];
                for (&g, &y) in gids.iter().zip(x) {
                    let e = &mut v[g as usize];
                    if y < *e {
                        *e = y;
                    }
                }
            }
        }
        (Acc::F(v), AggKind::MaxF, Arg::F(x)) => {
            if one {
                v[0] = x.iter().fold(v[0], |e, &y| if y > e { y } else { e });
            } else {
                let v = &mut v[..];
                for (&g, &y) in gids.iter().zip(x) {
                    let e = &mut v[g as usize];
                    if y > *e {
                        *e = y;
                    }
                }
            }
        }
        (Acc::L(v), _, Arg::F(x)) => push_lanes(v, one, gids, x),
        (Acc::L(v), _, Arg::I(x)) => push_lanes(v, one, gids, x),
        _ => return false,
    }
    true
}

impl<'a> AggState<'a> {
    pub(super) fn new(t: &'a Table, q: &SelectQ, plan: Option<&DensePlan>) -> Option<Self> {
        let m = Machine::new(t, &q.prog)?;
        let mut keycols = Vec::with_capacity(q.keys.len());
        for &k in &q.keys {
            keycols.push(col_data(t.columns.get(k)?)?);
        }
        let steps = q.key_steps.clone();
        let mut wcols = Vec::with_capacity(q.aggs.len());
        let mut hcols = Vec::with_capacity(q.aggs.len());
        for a in &q.aggs {
            hcols.push(match (a.kind.holistic(), a.col) {
                (true, Some(c)) => Some(col_data(t.columns.get(c)?)?),
                _ => None,
            });
            wcols.push(match a.w {
                Some((x, y)) => Some((col_data(t.columns.get(x)?)?, col_data(t.columns.get(y)?)?)),
                None => None,
            });
        }
        let keys = match (keycols.as_slice(), plan) {
            ([], _) => Keys::None,
            ([Col::Sym(_)], _) if steps[0].is_none() => Keys::Sym(Vec::new()),
            (_, Some(p)) => Keys::Dense(vec![u32::MAX; p.slots as usize]),
            ([_], None) => Keys::One(HashMap::default()),
            (_, None) => Keys::Many(HashMap::default()),
        };
        let dense = match (&keys, plan) {
            (Keys::Dense(_), Some(p)) => Some(p.clone()),
            _ => None,
        };
        let mut accs: Vec<Acc> = q.aggs.iter().map(acc_new).collect();
        let mut firsts = vec![];
        if keycols.is_empty() {
            for (a, acc) in q.aggs.iter().zip(accs.iter_mut()) {
                acc_grow(a, acc);
            }
            firsts.push(-1);
        }
        Some(AggState {
            m,
            keys,
            keycols,
            steps,
            wcols,
            hcols,
            gids: Vec::with_capacity(CHUNK),
            firsts,
            accs,
            ids: if dense.is_none() {
                vec![]
            } else {
                Vec::with_capacity(CHUNK)
            },
            dense,
            bad: false,
            one: q.keys.is_empty(),
            groups: 0,
            stage: Stage::All,
            rec: None,
        })
    }
}

impl AggState<'_> {
    /// Filters the chunk at `base`, then groups and folds its survivors.
    pub(super) fn chunk(&mut self, q: &SelectQ, base: usize, len: usize) {
        self.m.filter(&q.prog, base, len);
        let n = self.m.n;
        if n == 0 {
            return;
        }
        if !self.one
            && let Some(mut rec) = self.rec.take()
        {
            // the group ids go straight into the record (`fold_with` reads
            // the record for the ordered aggregates' items, so the ids are
            // lent out meanwhile)
            let go = rec.gids.len();
            self.group_at(q, base, &mut rec.gids);
            let gids = std::mem::take(&mut rec.gids);
            self.rec = Some(rec);
            self.fold_with(q, base, &gids[go..]);
            if let Some(r) = &mut self.rec {
                r.gids = gids;
            }
            return;
        }
        self.group(q, base);
        self.fold(q, base);
    }

    /// Folds the selected rows of the chunk at `base` (grouped by `gids`)
    /// into the accumulators this pass owns.
    pub(super) fn fold(&mut self, q: &SelectQ, base: usize) {
        let gids = std::mem::take(&mut self.gids);
        self.fold_with(q, base, &gids);
        self.gids = gids;
    }

    /// [`AggState::fold`] with the chunk's group ids given.
    pub(super) fn fold_with(&mut self, q: &SelectQ, base: usize, gids: &[u32]) {
        let (n, dense) = (self.m.n, self.m.dense);
        let one = self.one;
        let mut skip = usize::MAX;
        for (k, a) in q.aggs.iter().enumerate() {
            if k == skip {
                continue;
            }
            let record = self.rec.is_some() && ordered(a.kind);
            if !record && !self.stage.wants(a.kind) {
                continue;
            }
            if a.kind.holistic() {
                let Some(c) = self.hcols[k] else {
                    self.bad = true;
                    continue;
                };
                let sel = &self.m.sel[..];
                match (record, &mut self.rec, &mut self.accs[k]) {
                    (true, Some(rec), _) => match &mut rec.vals[k] {
                        RecVals::Col => {}
                        RecVals::F(o) => hitems(c, base, sel, n, dense, |_, x| o.push(x)),
                        RecVals::I(o) => {
                            each_row!(base, sel, n, dense, |_j, r| { o.push(c.key_at(r)) })
                        }
                        _ => self.bad = true,
                    },
                    (false, _, Acc::K(v)) if one => {
                        each_row!(base, sel, n, dense, |_j, r| { v[0].push(c.key_at(r)) })
                    }
                    (false, _, Acc::K(v)) => each_row!(base, sel, n, dense, |j, r| {
                        v[gids[j] as usize].push(c.key_at(r))
                    }),
                    (false, _, Acc::V(v)) if one => {
                        hitems(c, base, sel, n, dense, |_, x| v[0].push(x))
                    }
                    (false, _, Acc::V(v)) => {
                        hitems(c, base, sel, n, dense, |j, x| v[gids[j] as usize].push(x))
                    }
                    _ => self.bad = true,
                }
                continue;
            }
            // the aggregate's argument: a plain long/float column over a
            // whole chunk is read in place, anything else runs its ops
            let direct = match (&q.prog.ops[a.ops.0..a.ops.1], dense) {
                ([Op::Load { col, .. }], true) => match self.m.cols[*col] {
                    Col::I64(c) => Some(Arg::I(&c[base..base + n])),
                    Col::F64(c) => Some(Arg::F(&c[base..base + n])),
                    _ => None,
                },
                _ => None,
            };
            let arg = match (direct, a.reg) {
                (Some(x), _) => x,
                (None, Some(r)) => {
                    self.m.run(&q.prog.ops[a.ops.0..a.ops.1], base);
                    match &self.m.regs[r] {
                        Reg::I(x) => Arg::I(x),
                        Reg::F(x) => Arg::F(x),
                        Reg::B(_) => Arg::None,
                    }
                }
                (None, None) => Arg::None,
            };
            let sel = &self.m.sel[..];
            if record && let Some(rec) = &mut self.rec {
                match (&mut rec.vals[k], arg, self.wcols[k]) {
                    (RecVals::Col, _, _) => {}
                    (RecVals::F(o), Arg::F(x), _) => o.extend_from_slice(x),
                    (RecVals::I(o), Arg::I(x), _) => o.extend_from_slice(x),
                    (RecVals::W(xs, ys), _, Some((cx, cy))) => {
                        wrec(xs, ys, cx, cy, base, sel, n, dense)
                    }
                    _ => self.bad = true,
                }
                continue;
            }
            // `max x` next to `min x` (or the reverse) of one float column
            // read in place: one loop for both
            if let (Arg::F(x), Some(b)) = (arg, q.aggs.get(k + 1))
                && !one
                && self.stage.wants(b.kind)
                && matches!(
                    (a.kind, b.kind),
                    (AggKind::MaxF, AggKind::MinF) | (AggKind::MinF, AggKind::MaxF)
                )
                && direct_col(q, a, dense).is_some()
                && direct_col(q, a, dense) == direct_col(q, b, dense)
                && let (l, [r, ..]) = self.accs.split_at_mut(k + 1)
                && let (Acc::F(u), Acc::F(w)) = (&mut l[k], r)
            {
                let (mx, mn) = if a.kind == AggKind::MaxF {
                    (&mut u[..], &mut w[..])
                } else {
                    (&mut w[..], &mut u[..])
                };
                for (&g, &y) in gids.iter().zip(x) {
                    let e = &mut mx[g as usize];
                    if y > *e {
                        *e = y;
                    }
                    let e = &mut mn[g as usize];
                    if y < *e {
                        *e = y;
                    }
                }
                skip = k + 1;
                continue;
            }
            if fold_items(&mut self.accs[k], a.kind, arg, gids, one, n) {
                continue;
            }
            match (&mut self.accs[k], a.kind, arg) {
                // a group's first selected row is the row it was made at:
                // `finish` reads `firsts`
                (Acc::Row(_), AggKind::First, _) => {}
                (Acc::Row(v), _, _) => {
                    if one {
                        let p = if dense { n - 1 } else { sel[n - 1] as usize };
                        v[0] = (base + p) as i64;
                    } else {
                        let v = &mut v[..];
                        each_row!(base, sel, n, dense, |j, r| {
                            v[gids[j] as usize] = r as i64;
                        });
                    }
                }
                (Acc::W(v), _, _) => {
                    // in row order, skipping pairs with a null, as
                    // `crate::builtins::math::stats::wavg` / `wsum` add them
                    let Some((cx, cy)) = self.wcols[k] else {
                        continue;
                    };
                    let gids = if one { None } else { Some(gids) };
                    wfold(v, gids, cx, cy, base, sel, n, dense);
                }
                _ => {}
            }
        }
    }

    /// Folds the state of the next row range into this one. Only exact
    /// aggregates are run split (counts, integer sums, min/max, first/last),
    /// so the result does not depend on the split; the other
    /// range's groups are visited in their creation order, which keeps
    /// groups in order of first occurrence.
    ///
    /// Returns the other range's group → this state's group map.
    pub(super) fn merge(&mut self, q: &SelectQ, o: AggState) -> Vec<u32> {
        if q.keys.is_empty() {
            if o.firsts[0] < 0 {
                return vec![0];
            }
            if self.firsts[0] < 0 {
                self.firsts[0] = o.firsts[0];
            }
        }
        let map: Vec<u32> = if q.keys.is_empty() {
            vec![0]
        } else {
            o.firsts
                .iter()
                .map(|&r| self.gid_of_row(q, r as usize))
                .collect()
        };
        for ((a, b), ag) in self.accs.iter_mut().zip(o.accs).zip(&q.aggs) {
            match (a, b) {
                (Acc::Count(x), Acc::Count(y)) => {
                    for (&g, y) in map.iter().zip(y) {
                        x[g as usize] += y;
                    }
                }
                (Acc::I(x), Acc::I(y)) => {
                    for (&g, y) in map.iter().zip(y) {
                        let e = &mut x[g as usize];
                        *e = match ag.kind {
                            AggKind::MinI => (*e).min(y),
                            AggKind::MaxI => (*e).max(y),
                            _ => e.wrapping_add(y),
                        };
                    }
                }
                (Acc::F(x), Acc::F(y)) => {
                    for (&g, y) in map.iter().zip(y) {
                        let e = &mut x[g as usize];
                        let better = if ag.kind == AggKind::MinF {
                            y < *e
                        } else {
                            y > *e
                        };
                        if better {
                            *e = y;
                        }
                    }
                }
                (Acc::Row(x), Acc::Row(y)) => {
                    for (&g, y) in map.iter().zip(y) {
                        let e = &mut x[g as usize];
                        if y >= 0 && (ag.kind == AggKind::Last || *e < 0) {
                            *e = y;
                        }
                    }
                }
                _ => {}
            }
        }
        map
    }

    /// Room for `k` more groups in the first rows and every accumulator
    /// (a range of runs that knows how many it makes: `keys::runs_in`).
    pub(super) fn reserve_groups(&mut self, k: usize) {
        self.firsts.reserve_exact(k);
        for acc in self.accs.iter_mut() {
            match acc {
                Acc::Count(v) | Acc::I(v) | Acc::Row(v) => v.reserve_exact(k),
                Acc::F(v) => v.reserve_exact(k),
                Acc::L(v) => v.reserve_exact(k),
                Acc::W(v) => v.reserve_exact(k),
                Acc::V(v) => v.reserve_exact(k),
                Acc::K(v) => v.reserve_exact(k),
            }
        }
    }

    /// Merges the states of the later ranges, whose groups are all new
    /// (the ranges of [`super::keys::sorted_cuts`] and
    /// [`super::keys::change_cuts`]): their groups numbered after this
    /// state's, range after range, their accumulators appended as they
    /// are (the ordered ones still as `acc_grow` made them, to be folded
    /// from the records). Each vector is made long enough for all the
    /// ranges' groups once and they are copied into it in pieces on the
    /// pool ([`crate::ops::par::extend_pieces`]), not one range after
    /// another on the interpreter's thread. Returns each range's group ids
    /// in this state (consecutive).
    pub(super) fn append_all(&mut self, parts: Vec<AggState>) -> Vec<std::ops::Range<u32>> {
        use crate::ops::par::extend_pieces;
        let mut maps = Vec::with_capacity(parts.len());
        let mut at = self.firsts.len() as u32;
        for p in &parts {
            let k = p.firsts.len() as u32;
            maps.push(at..at + k);
            at += k;
            self.bad |= p.bad;
        }
        let firsts: Vec<&[i64]> = parts.iter().map(|p| &p.firsts[..]).collect();
        extend_pieces(&mut self.firsts, &firsts);
        let mut rest: Vec<std::vec::IntoIter<Acc>> =
            parts.into_iter().map(|p| p.accs.into_iter()).collect();
        for a in self.accs.iter_mut() {
            let ys: Vec<Acc> = rest.iter_mut().filter_map(|it| it.next()).collect();
            macro_rules! copy {
                ($x:expr, $v:ident) => {{
                    let src: Vec<&[_]> = ys
                        .iter()
                        .filter_map(|y| match y {
                            Acc::$v(y) => Some(&y[..]),
                            _ => None,
                        })
                        .collect();
                    if src.len() != ys.len() {
                        self.bad = true;
                    }
                    extend_pieces($x, &src);
                }};
            }
            match a {
                Acc::Count(x) => copy!(x, Count),
                Acc::I(x) => copy!(x, I),
                Acc::Row(x) => copy!(x, Row),
                Acc::F(x) => copy!(x, F),
                Acc::L(x) => copy!(x, L),
                Acc::W(x) => copy!(x, W),
                Acc::V(x) => {
                    for y in ys {
                        match y {
                            Acc::V(y) => x.extend(y),
                            _ => self.bad = true,
                        }
                    }
                }
                Acc::K(x) => {
                    for y in ys {
                        match y {
                            Acc::K(y) => x.extend(y),
                            _ => self.bad = true,
                        }
                    }
                }
            }
        }
        maps
    }

    /// The ordered pass of a split run: folds a range's recorded items
    /// into this (merged) state's ordered aggregates, `map` taking the
    /// range's group ids to this state's.
    pub(super) fn fold_rec(&mut self, q: &SelectQ, rec: &Rec, map: &[u32], range: (usize, usize)) {
        let one = self.one;
        let g = |j: usize| map[rec.gids[j] as usize] as usize;
        // items read in place, copied out as they would have been recorded
        let owned: Vec<Option<RecVals>> = (0..q.aggs.len())
            .map(|k| match (&rec.vals[k], self.in_place(q, k)) {
                (RecVals::Col, Some(p)) => Some(p.items(range)),
                _ => None,
            })
            .collect();
        for (((a, acc), vals), own) in q
            .aggs
            .iter()
            .zip(self.accs.iter_mut())
            .zip(&rec.vals)
            .zip(&owned)
        {
            if !ordered(a.kind) {
                continue;
            }
            let vals = own.as_ref().unwrap_or(vals);
            match (acc, vals) {
                (Acc::L(v), RecVals::F(x)) => {
                    if one {
                        v[0].extend(x);
                    } else {
                        for (j, &y) in x.iter().enumerate() {
                            v[g(j)].push(y);
                        }
                    }
                }
                (Acc::L(v), RecVals::I(x)) => {
                    if one {
                        v[0].extend(x);
                    } else {
                        for (j, &y) in x.iter().enumerate() {
                            v[g(j)].push(y);
                        }
                    }
                }
                (Acc::V(v), RecVals::F(x)) => {
                    if one {
                        v[0].extend_from_slice(x);
                    } else {
                        for (j, &y) in x.iter().enumerate() {
                            v[g(j)].push(y);
                        }
                    }
                }
                (Acc::K(v), RecVals::I(x)) => {
                    if one {
                        v[0].extend_from_slice(x);
                    } else {
                        for (j, &y) in x.iter().enumerate() {
                            v[g(j)].push(y);
                        }
                    }
                }
                (Acc::W(v), RecVals::W(xs, ys)) => {
                    if one {
                        let mut e = v[0];
                        for (&u, &w) in xs.iter().zip(ys) {
                            wadd(&mut e, u, w);
                        }
                        v[0] = e;
                    } else {
                        for (j, (&u, &w)) in xs.iter().zip(ys).enumerate() {
                            wadd(&mut v[g(j)], u, w);
                        }
                    }
                }
                _ => self.bad = true,
            }
        }
    }
}

impl AggState<'_> {
    /// The ordered pass of a split run on all cores, with the bits of
    /// [`AggState::fold_rec`] range after range: the ranges' recorded
    /// items are sorted by group (a counting sort, the ranges in parallel,
    /// each group's items staying in row order: [`Buckets`]), then each
    /// group folds its own items in order, the groups in parallel. A
    /// group's float sum is then the same sequence of additions as in one
    /// pass; only different groups run at once. False (nothing done) with
    /// no by, or when the per-range count tables would outgrow the items
    /// (about as many groups as rows): the caller folds in one pass.
    ///
    /// [`Buckets`]: crate::ops::par::Buckets
    pub(super) fn fold_recs_par(
        &mut self,
        q: &SelectQ,
        recs: &mut [(Option<Rec>, Vec<u32>)],
        ranges: &[(usize, usize)],
    ) -> bool {
        use crate::ops::par::Buckets;
        use rayon::prelude::*;
        let ng = self.firsts.len();
        let total: usize = recs
            .iter()
            .map(|(r, _)| r.as_ref().map_or(0, |r| r.gids.len()))
            .sum();
        if self.one
            || recs.len() < 2
            || recs.len() != ranges.len()
            || recs.iter().any(|(r, _)| r.is_none())
            || ng.saturating_mul(recs.len()) > total
        {
            return false;
        }
        // each range's group ids in the merged numbering
        recs.par_iter_mut().for_each(|(rec, map)| {
            if let Some(rec) = rec
                && !map.iter().enumerate().all(|(j, &g)| g == j as u32)
            {
                for g in rec.gids.iter_mut() {
                    *g = map.get(*g as usize).copied().unwrap_or(0);
                }
            }
        });
        let recs: Vec<&Rec> = recs.iter().filter_map(|(r, _)| r.as_ref()).collect();
        let ids: Vec<&[u32]> = recs.iter().map(|r| &r.gids[..]).collect();
        let b = Buckets::new(&ids, ng);
        let offs = &b.offs;
        let span = |g: usize| offs[g]..offs[g + 1];
        let places: Vec<Option<Place>> = (0..q.aggs.len()).map(|k| self.in_place(q, k)).collect();
        // per range, aggregate `k`'s items (or the `w`-th of a pair):
        // recorded, or its rows of the column
        let floats = |k: usize, w: usize| -> Option<Vec<&[f64]>> {
            recs.iter()
                .zip(ranges)
                .map(|(r, &(lo, hi))| match (&r.vals[k], w, places[k]) {
                    (RecVals::F(x), 0, _) | (RecVals::W(x, _), 0, _) | (RecVals::W(_, x), 1, _) => {
                        Some(&x[..])
                    }
                    (RecVals::Col, 0, Some(Place::F(c))) => c.get(lo..hi),
                    _ => None,
                })
                .collect()
        };
        let longs = |k: usize| -> Option<Vec<&[i64]>> {
            recs.iter()
                .zip(ranges)
                .map(|(r, &(lo, hi))| match (&r.vals[k], places[k]) {
                    (RecVals::I(x), _) => Some(&x[..]),
                    (RecVals::Col, Some(Place::I(c))) => c.get(lo..hi),
                    _ => None,
                })
                .collect()
        };
        for (k, (a, acc)) in q.aggs.iter().zip(self.accs.iter_mut()).enumerate() {
            if !ordered(a.kind) {
                continue;
            }
            if let (Acc::W(v), Some(Place::W(cx, cy))) = (&mut *acc, places[k])
                && recs.iter().all(|r| matches!(r.vals[k], RecVals::Col))
            {
                // both columns read in place, converted as `wrec` converts
                let us = b.scatter(|p| (ranges[p].0..ranges[p].1).map(|r| float_at(cx, r)));
                let ws = b.scatter(|p| (ranges[p].0..ranges[p].1).map(|r| float_at(cy, r)));
                v.par_iter_mut().enumerate().for_each(|(g, e)| {
                    for (&u, &w) in us[span(g)].iter().zip(&ws[span(g)]) {
                        wadd(e, u, w);
                    }
                });
                continue;
            }
            match (acc, floats(k, 0), longs(k)) {
                (Acc::L(v), Some(xs), _) => {
                    let xs = b.scatter(|p| xs[p].iter().copied());
                    v.par_iter_mut()
                        .enumerate()
                        .for_each(|(g, l)| l.extend(&xs[span(g)]));
                }
                (Acc::L(v), None, Some(xs)) => {
                    let xs = b.scatter(|p| xs[p].iter().copied());
                    v.par_iter_mut()
                        .enumerate()
                        .for_each(|(g, l)| l.extend(&xs[span(g)]));
                }
                (Acc::V(v), Some(xs), _) => {
                    let xs = b.scatter(|p| xs[p].iter().copied());
                    v.par_iter_mut()
                        .enumerate()
                        .for_each(|(g, e)| e.extend_from_slice(&xs[span(g)]));
                }
                (Acc::K(v), _, Some(xs)) => {
                    let xs = b.scatter(|p| xs[p].iter().copied());
                    v.par_iter_mut()
                        .enumerate()
                        .for_each(|(g, e)| e.extend_from_slice(&xs[span(g)]));
                }
                (Acc::W(v), Some(us), _) => {
                    let Some(ws) = floats(k, 1) else {
                        self.bad = true;
                        continue;
                    };
                    let us = b.scatter(|p| us[p].iter().copied());
                    let ws = b.scatter(|p| ws[p].iter().copied());
                    v.par_iter_mut().enumerate().for_each(|(g, e)| {
                        for (&u, &w) in us[span(g)].iter().zip(&ws[span(g)]) {
                            wadd(e, u, w);
                        }
                    });
                }
                _ => self.bad = true,
            }
        }
        true
    }
}

/// One aggregate of [`whole_columns`] over its whole column(s) `c` / `w`.
pub(super) fn whole_agg(a: &Agg, acc: &mut Acc, c: Option<Col>, w: Option<(Col, Col)>, n: usize) {
    match (acc, a.kind, c) {
        (Acc::Count(v), _, _) => v[0] = n as i64,
        (Acc::I(v), AggKind::SumI, Some(Col::I64(c))) => v[0] = crate::ops::reduce::sum_i64(c),
        (Acc::I(v), AggKind::MinI, Some(Col::I64(c))) => {
            v[0] = crate::ops::reduce::minmax_i64(c, false)
        }
        (Acc::I(v), AggKind::MaxI, Some(Col::I64(c))) => {
            v[0] = crate::ops::reduce::minmax_i64(c, true)
        }
        // the interpreter's own answer, so `zero_ties` need not look
        (Acc::F(v), AggKind::MinF, Some(Col::F64(c))) => {
            v[0] = crate::ops::reduce::minmax_f64(c, false)
        }
        (Acc::F(v), AggKind::MaxF, Some(Col::F64(c))) => {
            v[0] = crate::ops::reduce::minmax_f64(c, true)
        }
        (Acc::L(v), _, Some(Col::F64(c))) => v[0].extend(c),
        (Acc::L(v), _, Some(Col::I64(c))) => v[0].extend(c),
        (Acc::Row(v), AggKind::Last, _) => v[0] = n as i64 - 1,
        (Acc::W(v), _, _) => {
            if let Some((cx, cy)) = w {
                wfold(v, None, cx, cy, 0, &[], n, true);
            }
        }
        _ => {}
    }
}
