//! Group ids: which group each selected row of a chunk belongs to.
//!
//! The by keys map to groups through one of four tables ([`Keys`]): a
//! table indexed by symbol id for a lone symbol key, dense composite ids
//! ([`crate::ops::dense`], the engine the interpreter's `group` uses too)
//! when the keys' ranges multiply to a small number, else a hash map of
//! one key or of up to four. Groups are numbered in order of first
//! occurrence, and a new group grows every accumulator ([`AggState`]).
//! Merging the states of parallel row ranges looks their groups' first
//! rows up again through the same tables ([`AggState::gid_of_row`]).

type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::FixedState>;

use super::agg::AggState;
use super::agg::acc_grow;
use super::agg::acc_grow_by;
use super::machine::col_data;
use super::machine::each_row;
use super::machine::prepare;
use crate::ops::dense::Col;
use crate::ops::dense::DensePlan;
use crate::ops::dense::KeySpec;
use crate::ops::dense::Purpose;
use crate::ops::dense::dense_limit;
use crate::query::kernel::compile::SelectQ;
use qcore::Sym;
use qcore::Table;
use qcore::Value;
use qcore::VecData;

/// Group-id assignment for the by keys.
pub(super) enum Keys {
    None,
    /// One symbol key: a table indexed by symbol id.
    Sym(Vec<u32>),
    One(HashMap<i64, u32>),
    Many(HashMap<[i64; 4], u32>),
    /// Dense composite ids ([`DensePlan`]): slot → group (`u32::MAX`: none
    /// yet).
    Dense(Vec<u32>),
    /// A lone key that never descends ([`runs_key`]): each run of equal
    /// items is a group, numbered in row order; the last item seen.
    Runs(Option<i64>),
}

/// The group key of row `r` in key column `c` (`step`: its xbar).
#[inline]
pub(super) fn key_of(c: Col, step: Option<i64>, r: usize) -> i64 {
    let k = c.key_at(r);
    match step {
        Some(s) => c.bar(s, k),
        None => k,
    }
}

/// Row ranges for about `parts` threads in which no group of `q`'s by
/// keys spans two ranges: when the first key (with its `xbar` step)
/// never descends over `t`'s rows, so each of its values occupies one
/// run of rows, the ranges are cut at chunk boundaries where it changes
/// (`by g:sums differ sym`). Each range then numbers groups the others
/// do not have, in row order. `None`: the key descends somewhere, the
/// table is below the parallel threshold, or no cut was found.
pub(super) fn sorted_cuts(t: &Table, q: &SelectQ, parts: usize) -> Option<Vec<(usize, usize)>> {
    if parts < 2 || t.len() < crate::query::kernel::par_min_rows() {
        return None;
    }
    if !first_key_ascends(t, q)? {
        return None;
    }
    change_cuts(t, q, parts)
}

/// The first by key's column, when it has no `xbar` step.
fn first_key<'a>(t: &'a Table, q: &SelectQ) -> Option<Col<'a>> {
    let (&k, None) = (q.keys.first()?, q.key_steps.first()?) else {
        return None;
    };
    col_data(t.columns.get(k)?)
}

/// Whether the first by key (without `xbar`) never descends over `t`'s
/// rows, as its raw items compare (symbols by id: equal items are still
/// in one run each); checked in pieces on the pool. `None`: an `xbar`
/// key, or no column.
fn first_key_ascends(t: &Table, q: &SelectQ) -> Option<bool> {
    use rayon::prelude::*;
    /// Whether `s` never descends: pieces on the pool, each with the
    /// first item of the next.
    fn ascends<T: Copy + Sync, K: Ord>(s: &[T], key: impl Fn(T) -> K + Sync) -> bool {
        let step = 1 << 16;
        (0..s.len().div_ceil(step)).into_par_iter().all(|p| {
            let lo = p * step;
            s[lo..(lo + step + 1).min(s.len())]
                .windows(2)
                .all(|w| key(w[0]) <= key(w[1]))
        })
    }
    Some(match first_key(t, q)? {
        Col::U8(s) => ascends(s, |x| x),
        Col::I16(s) => ascends(s, |x| x),
        Col::I32(s) => ascends(s, |x| x),
        Col::I64(s) => ascends(s, |x| x),
        Col::Sym(s) => ascends(s, |x| x.0),
        Col::F64(_) => false,
    })
}

/// Whether `q`'s by is one short, int or long key (any temporal type
/// stored so), without `xbar`, that never descends over `t`'s rows (a
/// sorted column, `by g:sums differ sym`). Its groups are then its runs
/// of equal items ([`Keys::Runs`]): numbered in row order with no table
/// of slots or hashes, and already in ascending key order (q's order of
/// these types is their signed order, nulls first), so the result needs
/// no sort.
pub(super) fn runs_key(t: &Table, q: &SelectQ) -> bool {
    q.keys.len() == 1
        && !t.is_empty()
        && matches!(
            first_key(t, q),
            Some(Col::I16(_) | Col::I32(_) | Col::I64(_))
        )
        && first_key_ascends(t, q) == Some(true)
}

/// How many runs of equal items the lone by key has over rows `[lo,
/// hi)` ([`Keys::Runs`]): the groups a range of runs makes there when
/// every row is selected, so its accumulators are made that long at once
/// (grown chunk by chunk, a key of as many groups as rows copied them at
/// every doubling and faulted in twice their pages).
pub(super) fn runs_in(t: &Table, q: &SelectQ, (lo, hi): (usize, usize)) -> usize {
    fn go<T: PartialEq>(s: &[T]) -> usize {
        match s.split_first() {
            None => 0,
            Some((_, rest)) => 1 + rest.iter().zip(s).filter(|(a, b)| a != b).count(),
        }
    }
    match first_key(t, q) {
        Some(Col::I16(s)) => s.get(lo..hi).map_or(0, go),
        Some(Col::I32(s)) => s.get(lo..hi).map_or(0, go),
        Some(Col::I64(s)) => s.get(lo..hi).map_or(0, go),
        _ => 0,
    }
}

/// Row ranges for about `parts` threads cut at chunk boundaries where
/// the first by key changes, when it never descends (the caller knows:
/// [`sorted_cuts`], [`runs_key`]); `None` below the parallel threshold or
/// when no cut was found.
pub(super) fn change_cuts(t: &Table, q: &SelectQ, parts: usize) -> Option<Vec<(usize, usize)>> {
    use crate::query::kernel::CHUNK;
    let n = t.len();
    if parts < 2 || n < crate::query::kernel::par_min_rows() {
        return None;
    }
    let c = first_key(t, q)?;
    let key = |r: usize| c.key_at(r);
    let per = n.div_ceil(parts).div_ceil(CHUNK) * CHUNK;
    let mut cuts = vec![0usize];
    let mut p = per;
    while p < n {
        // the first chunk boundary from `p` at which the key changes
        let mut b = p;
        while b < n && key(b - 1) == key(b) {
            b += CHUNK;
        }
        if b >= n {
            break;
        }
        cuts.push(b);
        p = b + per;
    }
    cuts.push(n);
    (cuts.len() > 2).then(|| cuts.windows(2).map(|w| (w[0], w[1])).collect())
}

/// The dense plan for the by keys of `q` over `t`, when the product of
/// the key ranges is within the select budget ([`dense_limit`]); `None`:
/// hash (and for a lone symbol key, which [`Keys::Sym`] indexes by id
/// already).
pub(super) fn dense_plan(t: &Table, q: &SelectQ) -> Option<DensePlan> {
    let n = t.len();
    if n == 0 || q.keys.is_empty() {
        return None;
    }
    if let ([k], [None]) = (q.keys.as_slice(), q.key_steps.as_slice())
        && let Some(Value::Vector(v)) = t.columns.get(*k)
        && matches!(v.data(), VecData::Sym(_))
    {
        return None;
    }
    let mut specs = Vec::with_capacity(q.keys.len());
    for (&k, &step) in q.keys.iter().zip(&q.key_steps) {
        let c = t.columns.get(k)?;
        let Value::Vector(v) = c else {
            return None;
        };
        specs.push(KeySpec {
            col: col_data(c)?,
            step,
            sorted: v.attr == qcore::Attr::Sorted,
        });
    }
    DensePlan::new(specs, dense_limit(n, Purpose::Select))
}

impl AggState<'_> {
    #[cold]
    #[inline(never)]
    pub(super) fn new_group(&mut self, q: &SelectQ, row: i64) -> u32 {
        let g = self.firsts.len() as u32;
        self.firsts.push(row);
        for (a, acc) in q.aggs.iter().zip(self.accs.iter_mut()) {
            acc_grow(a, acc);
        }
        g
    }

    /// A symbol id not in the table yet: a new group for row `r`.
    #[cold]
    #[inline(never)]
    pub(super) fn sym_group(
        &mut self,
        q: &SelectQ,
        tab: &mut Vec<u32>,
        id: usize,
        r: usize,
    ) -> u32 {
        if id >= tab.len() {
            tab.resize(id + 1, u32::MAX);
        }
        let g = self.new_group(q, r as i64);
        tab[id] = g;
        g
    }

    /// Group ids for one symbol key: `gs[j]` for the `j`-th selected row
    /// of the chunk at `base`, through the symbol-id table `tab`. Its own
    /// function, so the loop keeps everything in registers.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn sym_gids(
        &mut self,
        q: &SelectQ,
        c: &[Sym],
        tab: &mut Vec<u32>,
        gs: &mut [u32],
        base: usize,
        sel: &[u32],
        dense: bool,
    ) {
        let n = gs.len();
        let mut j = 0;
        while j < n {
            // the rows whose symbol has a group already (the table as a
            // slice, so its length stays in a register), up to the first
            // that has none
            let t = &tab[..];
            if dense {
                for (o, s) in gs[j..].iter_mut().zip(&c[base + j..base + n]) {
                    match t.get(s.0 as usize) {
                        Some(&g) if g != u32::MAX => *o = g,
                        _ => break,
                    }
                    j += 1;
                }
            } else {
                for (o, &p) in gs[j..].iter_mut().zip(&sel[j..n]) {
                    match t.get(c[base + p as usize].0 as usize) {
                        Some(&g) if g != u32::MAX => *o = g,
                        _ => break,
                    }
                    j += 1;
                }
            }
            if j < n {
                let r = base + if dense { j } else { sel[j] as usize };
                gs[j] = self.sym_group(q, tab, c[r].0 as usize, r);
                j += 1;
            }
        }
    }

    /// Group ids of the selected rows of the chunk at `base` into `gids`
    /// (no by: nothing, every row is group 0).
    pub(super) fn group(&mut self, q: &SelectQ, base: usize) {
        let mut gids = std::mem::take(&mut self.gids);
        prepare(&mut gids, self.m.n);
        self.group_at(q, base, &mut gids);
        self.gids = gids;
    }

    /// [`AggState::group`], appending the ids to `out`.
    pub(super) fn group_at(&mut self, q: &SelectQ, base: usize, out: &mut Vec<u32>) {
        let (n, dense) = (self.m.n, self.m.dense);
        if self.one {
            if self.firsts[0] < 0 {
                let p = if dense { 0 } else { self.m.sel[0] as usize };
                self.firsts[0] = (base + p) as i64;
            }
            return;
        }
        let off = out.len();
        out.resize(off + n, 0);
        let gids = &mut out[off..];
        let sel = std::mem::take(&mut self.m.sel);
        match std::mem::replace(&mut self.keys, Keys::None) {
            Keys::None => {}
            Keys::Sym(mut tab) => {
                if let Col::Sym(c) = self.keycols[0] {
                    self.sym_gids(q, c, &mut tab, &mut gids[..n], base, &sel, dense);
                }
                self.keys = Keys::Sym(tab);
            }
            Keys::One(mut map) => {
                let (c, st) = (self.keycols[0], self.steps[0]);
                each_row!(base, sel, n, dense, |j, r| {
                    let k = key_of(c, st, r);
                    gids[j] = *map.entry(k).or_insert_with(|| self.new_group(q, r as i64));
                });
                self.keys = Keys::One(map);
            }
            Keys::Many(mut map) => {
                let keycols = std::mem::take(&mut self.keycols);
                each_row!(base, sel, n, dense, |j, r| {
                    let mut k = [0i64; 4];
                    for (x, c) in keycols.iter().enumerate() {
                        k[x] = key_of(*c, self.steps[x], r);
                    }
                    gids[j] = *map.entry(k).or_insert_with(|| self.new_group(q, r as i64));
                });
                self.keycols = keycols;
                self.keys = Keys::Many(map);
            }
            Keys::Dense(mut slots) => {
                self.dense_ids((!dense).then(|| &sel[..n]), n, base);
                let slots_ = &mut slots[..];
                for (j, (o, &id)) in gids.iter_mut().zip(&self.ids).enumerate() {
                    let e = &mut slots_[id as usize];
                    if *e == u32::MAX {
                        let p = if dense { j } else { sel[j] as usize };
                        *e = self.firsts.len() as u32;
                        self.firsts.push((base + p) as i64);
                        for (a, acc) in q.aggs.iter().zip(self.accs.iter_mut()) {
                            acc_grow(a, acc);
                        }
                    }
                    *o = *e;
                }
                self.keys = Keys::Dense(slots);
            }
            Keys::Runs(mut last) => {
                let before = self.firsts.len();
                let firsts = &mut self.firsts;
                macro_rules! go {
                    ($c:expr) => {{
                        let c = $c;
                        each_row!(base, sel, n, dense, |j, r| {
                            let k = c[r] as i64;
                            if last != Some(k) {
                                last = Some(k);
                                firsts.push(r as i64);
                            }
                            gids[j] = firsts.len() as u32 - 1;
                        });
                    }};
                }
                match self.keycols[0] {
                    Col::I16(c) => go!(c),
                    Col::I32(c) => go!(c),
                    Col::I64(c) => go!(c),
                    _ => self.bad = true,
                }
                // the run's new groups' accumulators at once
                let new = self.firsts.len() - before;
                for (a, acc) in q.aggs.iter().zip(self.accs.iter_mut()) {
                    acc_grow_by(a, acc, new);
                }
                self.keys = Keys::Runs(last);
            }
        }
        self.m.sel = sel;
    }

    /// Composite ids of the `n` selected rows of the chunk at `base` into
    /// `ids` (`sel`: their positions; `None`: the rows `base..base+n`).
    pub(super) fn dense_ids(&mut self, sel: Option<&[u32]>, n: usize, base: usize) {
        prepare(&mut self.ids, n);
        self.ids.resize(n, 0);
        if let Some(p) = &self.dense {
            p.ids(&self.keycols, &mut self.ids, base, sel, &mut self.bad);
        }
    }

    /// The composite id of table row `r`.
    pub(super) fn dense_slot(&mut self, r: usize) -> usize {
        match &self.dense {
            Some(p) => p.id_of(&self.keycols, r, &mut self.bad) as usize,
            None => 0,
        }
    }

    /// The group of table row `r` (created when new), for merging.
    pub(super) fn gid_of_row(&mut self, q: &SelectQ, r: usize) -> u32 {
        match std::mem::replace(&mut self.keys, Keys::None) {
            Keys::None => 0,
            Keys::Sym(mut tab) => {
                let id = self.keycols[0].key_at(r) as usize;
                if id >= tab.len() {
                    tab.resize(id + 1, u32::MAX);
                }
                let mut g = tab[id];
                if g == u32::MAX {
                    g = self.new_group(q, r as i64);
                    tab[id] = g;
                }
                self.keys = Keys::Sym(tab);
                g
            }
            Keys::One(mut map) => {
                let k = key_of(self.keycols[0], self.steps[0], r);
                let g = *map.entry(k).or_insert_with(|| self.new_group(q, r as i64));
                self.keys = Keys::One(map);
                g
            }
            Keys::Many(mut map) => {
                let mut k = [0i64; 4];
                for (j, c) in self.keycols.iter().enumerate() {
                    k[j] = key_of(*c, self.steps[j], r);
                }
                let g = *map.entry(k).or_insert_with(|| self.new_group(q, r as i64));
                self.keys = Keys::Many(map);
                g
            }
            Keys::Dense(mut slots) => {
                let s = self.dense_slot(r);
                let mut g = slots[s];
                if g == u32::MAX {
                    g = self.new_group(q, r as i64);
                    slots[s] = g;
                }
                self.keys = Keys::Dense(slots);
                g
            }
            // states of runs are appended, never merged by looking their
            // groups up (`run_select`): the interpreter answers
            Keys::Runs(last) => {
                self.bad = true;
                self.keys = Keys::Runs(last);
                0
            }
        }
    }
}
