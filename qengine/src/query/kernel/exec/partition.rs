//! Grouped selects with about as many groups as rows on hashed keys
//! ([`run_partitioned`]): the rows are partitioned by a hash of their
//! keys, so each partition owns a disjoint part of the key space and
//! every group lives in exactly one partition.
//!
//! The split run ([`super::run_select`]'s ranges) merges its ranges'
//! states by looking each group of a later range up again in the first
//! range's table ([`AggState::merge`]): with millions of groups (`select
//! v:sum size by sym, run` of q37, ~8.7M groups of 10M rows) that merge
//! is most of the query and runs on one thread; and one hash table of
//! millions of groups misses the cache on every row (~150-200 ns an
//! insert on this machine against ~20 ns for a table of 100k). Here
//! instead:
//!
//! 1. the row ranges, in parallel: the where clause, then for each
//!    selected row an entry (its row, its keys, each aggregate's item as
//!    the aggregate's program computes it) appended to its partition's
//!    list (the top bits of a hash of its keys), in row order;
//! 2. the partitions, in parallel: each reads its entries in sequence
//!    (the ranges' lists one after another, so in row order), groups them
//!    in a hash table of its own (a few tens of thousands of groups: in
//!    cache) and folds the items ([`fold_items`]) as one pass over the
//!    table would for those groups: a group's items arrive in row order,
//!    so float sums keep their bits, `first`/`last` their rows;
//! 3. the groups numbered in order of first occurrence (the one pass's
//!    numbering): a group's global id is the number of groups whose first
//!    row comes before its own, counted in a bit set of first rows; the
//!    accumulators gathered into that order on all cores.
//!
//! No group is looked up twice and nothing but the bit-set count runs on
//! one thread. Taken only when a sample of the keys shows many groups
//! (with few, the ranges' merge is cheap and the entries an extra copy of
//! the rows), and for the aggregates [`fold_items`] folds, `first` and
//! `last`; on one thread too (the small tables pay for the entries).

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::agg::Acc;
use super::agg::AggState;
use super::agg::Arg;
use super::agg::acc_grow;
use super::agg::acc_new;
use super::agg::fold_items;
use super::keys::Keys;
use super::keys::key_of;
use super::machine::Machine;
use super::machine::Reg;
use super::machine::col_data;
use super::machine::each_row;
use super::runs::interrupted;
use super::runs::ranges_of;
use crate::ops::dense::Col;
use crate::query::kernel::CHUNK;
use crate::query::kernel::compile::AggKind;
use crate::query::kernel::compile::RegKind;
use crate::query::kernel::compile::SelectQ;
use crate::query::kernel::par_min_rows;
use qcore::Table;

type HashSet<K> = hashbrown::HashSet<K, foldhash::fast::FixedState>;
type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::FixedState>;

/// Chunks the key sample reads, spread evenly over the table.
const SAMPLE_CHUNKS: usize = 16;

/// The sampled share of distinct keys from which the partitioned run is
/// taken: at one half, random keys have at least ~0.6 × the sample's
/// rows distinct values (65536 sampled rows: ~40k groups), whose merge
/// across eight ranges would already be a few percent of a 10M-row scan
/// on one thread, growing with the groups.
const MANY: f64 = 0.5;

/// Most bytes of entries a partitioned run writes (4 GiB: 10M rows of two
/// keys and one item take 320 MB).
const ENTRY_BYTES: usize = 1 << 32;

/// Groups per partition aimed at (each partition's hash table a few MB
/// at most).
const PART_GROUPS: f64 = 65536.0;

/// Row `r`'s keys (with their `xbar` steps), the first `keycols.len()`
/// of four.
#[inline(always)]
fn keys_at(keycols: &[Col], steps: &[Option<i64>], r: usize) -> [i64; 4] {
    let mut k = [0i64; 4];
    for ((o, c), &s) in k.iter_mut().zip(keycols).zip(steps) {
        *o = key_of(*c, s, r);
    }
    k
}

/// A hash of a row's keys for choosing its partition: equal keys hash
/// equal. Mixed differently from the partitions' own hash tables
/// (foldhash), so the bits that choose the partition are not the bits
/// those tables index by.
#[inline(always)]
fn key_hash(k: &[i64]) -> u64 {
    let mut h = 0u64;
    for &x in k {
        h = (h ^ x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 32;
    }
    h.wrapping_mul(0xD6E8_FEB8_6659_FD93)
}

/// The share of distinct keys in a sample of `SAMPLE_CHUNKS` chunks spread
/// over the table's `n` rows (the where clause not applied: it only
/// removes rows).
fn distinct_share(keycols: &[Col], steps: &[Option<i64>], n: usize) -> f64 {
    let nk = keycols.len();
    let chunks = n.div_ceil(CHUNK);
    let k = SAMPLE_CHUNKS.min(chunks).max(1);
    let mut seen = HashSet::default();
    let mut rows = 0usize;
    for i in 0..k {
        let lo = chunks * i / k * CHUNK;
        let hi = (lo + CHUNK).min(n);
        for r in lo..hi {
            seen.insert(key_hash(&keys_at(keycols, steps, r)[..nk]));
        }
        rows += hi.saturating_sub(lo);
    }
    seen.len() as f64 / rows.max(1) as f64
}

/// Where an aggregate's item is in a partition's entries: `None` for
/// `count`, `first` and `last` (the entry's row is enough), else its
/// place among the entry's items and whether it is a float.
type Slot = Option<(usize, bool)>;

/// The aggregates' slots, when every aggregate is one the partitions fold
/// ([`fold_items`], `first`, `last`) with a long or float argument.
fn slots(q: &SelectQ) -> Option<Vec<Slot>> {
    let mut next = 0;
    q.aggs
        .iter()
        .map(|a| match a.kind {
            AggKind::Count | AggKind::First | AggKind::Last => Some(None),
            AggKind::SumI
            | AggKind::MinI
            | AggKind::MaxI
            | AggKind::MinF
            | AggKind::MaxF
            | AggKind::SumF
            | AggKind::AvgI
            | AggKind::AvgF => {
                let float = match q.prog.regs.get(a.reg?)? {
                    RegKind::I => false,
                    RegKind::F => true,
                    RegKind::B => return None,
                };
                next += 1;
                Some(Some((next - 1, float)))
            }
            _ => None,
        })
        .collect()
}

/// Runs a grouped select on hashed keys (no dense plan, not a lone symbol
/// key, at most four keys) partitioned by key hash, when a sample of its
/// keys shows about as many groups as rows and its aggregates are ones
/// the partitions fold. `None`: not taken; `Some(None)`: taken but given
/// up (interrupted): the interpreter answers.
pub(super) fn run_partitioned<'a>(
    t: &'a Table,
    q: &SelectQ,
    threads: usize,
) -> Option<Option<AggState<'a>>> {
    let n = t.len();
    if q.keys.is_empty() || q.keys.len() > 4 || n < par_min_rows() || n > u32::MAX as usize {
        return None;
    }
    let slots = slots(q)?;
    // the entries are a copy of the rows' keys and items: bounded, past
    // which the ranges' merge answers, slower but in place
    let words = 1 + q.keys.len() + slots.iter().flatten().count();
    if n.saturating_mul(words * 8) > ENTRY_BYTES {
        return None;
    }
    let mut keycols = Vec::with_capacity(q.keys.len());
    for &k in &q.keys {
        keycols.push(col_data(t.columns.get(k)?)?);
    }
    if let ([Col::Sym(_)], [None]) = (keycols.as_slice(), q.key_steps.as_slice()) {
        // a symbol-id table: groups are at most the symbols
        return None;
    }
    let share = distinct_share(&keycols, &q.key_steps, n);
    if share < MANY {
        return None;
    }
    // partitions: a power of two, at least four per thread (so a slow
    // core does not hold the others up), at most 256
    let want = (share * n as f64 / PART_GROUPS).max((threads * 4) as f64);
    let bits = (want.log2().ceil() as u32).clamp(1, 8);
    let how = How {
        keycols: &keycols,
        slots: &slots,
        bits,
        share,
    };
    Some(partitioned(t, q, &how, threads))
}

/// What [`partitioned`] runs with.
struct How<'h, 'a> {
    keycols: &'h [Col<'a>],
    slots: &'h [Slot],
    /// Partitions: `1 << bits`.
    bits: u32,
    /// The sampled share of distinct keys (hash tables sized by it).
    share: f64,
}

/// A partition's groups: first rows (ascending) and accumulators.
type Part = (Vec<i64>, Vec<Acc>);

fn partitioned<'a>(t: &'a Table, q: &SelectQ, how: &How, threads: usize) -> Option<AggState<'a>> {
    let n = t.len();
    let parts = 1usize << how.bits;
    let shift = 64 - how.bits;
    let (keycols, steps) = (how.keycols, &q.key_steps[..]);
    let nk = keycols.len();
    let nv = how.slots.iter().flatten().count();
    // an entry: row, keys, items (as bits)
    let w = 1 + nk + nv;
    let valued: Vec<usize> = (0..q.aggs.len())
        .filter(|&k| how.slots[k].is_some())
        .collect();
    // 1. per range, its selected rows' entries per partition, in row
    // order: each partition later reads its own entries in sequence
    // (reading the rows themselves from the table would be a cache miss a
    // row and a column)
    let rs = ranges_of(n, threads * 4);
    let lists: Vec<Vec<Vec<u64>>> = rs
        .par_iter()
        .map(|&(lo, hi)| {
            let mut m = Machine::new(t, &q.prog)?;
            let cap = (hi - lo) / parts * w;
            let mut out: Vec<Vec<u64>> = (0..parts)
                .map(|_| Vec::with_capacity(cap + cap / 8 + 16 * w))
                .collect();
            let mut vals: Vec<Vec<u64>> = vec![Vec::with_capacity(CHUNK); nv];
            let mut base = lo;
            while base < hi {
                if interrupted() {
                    return None;
                }
                let len = CHUNK.min(hi - base);
                m.filter(&q.prog, base, len);
                let sel_n = m.n;
                // each aggregate's items, copied out before the next
                // program reuses registers
                for (v, &k) in vals.iter_mut().zip(&valued) {
                    let a = &q.aggs[k];
                    v.clear();
                    if sel_n == 0 {
                        continue;
                    }
                    m.run(&q.prog.ops[a.ops.0..a.ops.1], base);
                    match &m.regs[a.reg?] {
                        Reg::I(x) => v.extend(x[..sel_n].iter().map(|&y| y as u64)),
                        Reg::F(x) => v.extend(x[..sel_n].iter().map(|y| y.to_bits())),
                        Reg::B(_) => return None,
                    }
                }
                each_row!(base, m.sel, sel_n, m.dense, |j, r| {
                    let k = keys_at(keycols, steps, r);
                    let o = &mut out[(key_hash(&k[..nk]) >> shift) as usize];
                    o.push(r as u64);
                    o.extend(k[..nk].iter().map(|&x| x as u64));
                    o.extend(vals.iter().map(|v| v[j]));
                });
                base += len;
            }
            Some(out)
        })
        .collect::<Option<_>>()?;
    // 2. per partition, its groups folded from its entries in row order
    let states: Vec<Part> = (0..parts)
        .into_par_iter()
        .map(|p| fold_part(q, how, &lists, p, w))
        .collect::<Option<_>>()?;
    drop(lists);
    // 3. global ids in order of first rows: a group's rank among all
    // groups' first rows (each partition's groups ascend already)
    let words = n.div_ceil(64);
    let set: Vec<AtomicU64> = (0..words)
        .into_par_iter()
        .map(|_| AtomicU64::new(0))
        .collect();
    states.par_iter().for_each(|(firsts, _)| {
        for &r in firsts {
            let r = r as usize;
            set[r >> 6].fetch_or(1 << (r & 63), Ordering::Relaxed);
        }
    });
    let set: Vec<u64> = set.into_iter().map(AtomicU64::into_inner).collect();
    let mut before = Vec::with_capacity(words);
    let mut total = 0usize;
    for w in &set {
        before.push(total);
        total += w.count_ones() as usize;
    }
    // per global id: its partition and id there
    let owner: Vec<AtomicU64> = (0..total)
        .into_par_iter()
        .map(|_| AtomicU64::new(0))
        .collect();
    states.par_iter().enumerate().for_each(|(p, (firsts, _))| {
        for (j, &r) in firsts.iter().enumerate() {
            let r = r as usize;
            let w = r >> 6;
            let g = before[w] + (set[w] & ((1u64 << (r & 63)) - 1)).count_ones() as usize;
            if let Some(o) = owner.get(g) {
                o.store(((p as u64) << 32) | j as u64, Ordering::Relaxed);
            }
        }
    });
    let owner: Vec<(u32, u32)> = owner
        .into_par_iter()
        .map(|o| {
            let v = o.into_inner();
            ((v >> 32) as u32, v as u32)
        })
        .collect();
    let mut st = AggState::new(t, q, None)?;
    let (firsts, accs) = gathered(states, &owner)?;
    st.firsts = firsts;
    st.accs = accs;
    st.keys = Keys::None;
    Some(st)
}

/// An empty accumulator for aggregate `a` with room for `groups` groups.
fn acc_with(a: &crate::query::kernel::compile::Agg, groups: usize) -> Acc {
    let mut acc = acc_new(a);
    match &mut acc {
        Acc::Count(v) | Acc::I(v) | Acc::Row(v) => v.reserve(groups),
        Acc::F(v) => v.reserve(groups),
        Acc::L(v) => v.reserve(groups),
        Acc::W(v) => v.reserve(groups),
        Acc::V(v) => v.reserve(groups),
        Acc::K(v) => v.reserve(groups),
    }
    acc
}

/// Partition `p`'s groups: its entries (`w` words each) range after range,
/// a chunk at a time: the group of each (a hash table of the partition's
/// own keys, groups numbered as met), then each aggregate's items folded
/// in order ([`fold_items`]; `last` keeps the last row).
fn fold_part(q: &SelectQ, how: &How, lists: &[Vec<Vec<u64>>], p: usize, w: usize) -> Option<Part> {
    let nk = how.keycols.len();
    let rows: usize = lists.iter().map(|l| l[p].len() / w).sum();
    let groups = (rows as f64 * how.share) as usize;
    let mut accs: Vec<Acc> = q.aggs.iter().map(|a| acc_with(a, groups)).collect();
    let mut firsts: Vec<i64> = Vec::with_capacity(groups);
    let mut one: HashMap<i64, u32> = HashMap::default();
    let mut many: HashMap<[i64; 4], u32> = HashMap::default();
    if nk == 1 {
        one.reserve(groups);
    } else {
        many.reserve(groups);
    }
    let mut gids: Vec<u32> = Vec::with_capacity(CHUNK);
    let (mut xi, mut xf): (Vec<i64>, Vec<f64>) = (Vec::new(), Vec::new());
    for l in lists {
        for batch in l[p].chunks(w * CHUNK) {
            if interrupted() {
                return None;
            }
            gids.clear();
            for e in batch.chunks_exact(w) {
                let r = e[0] as i64;
                let mut grow = || {
                    firsts.push(r);
                    for (a, acc) in q.aggs.iter().zip(accs.iter_mut()) {
                        acc_grow(a, acc);
                    }
                    (firsts.len() - 1) as u32
                };
                let g = if nk == 1 {
                    *one.entry(e[1] as i64).or_insert_with(grow)
                } else {
                    let mut k = [0i64; 4];
                    for (o, &x) in k.iter_mut().zip(&e[1..1 + nk]) {
                        *o = x as i64;
                    }
                    *many.entry(k).or_insert_with(&mut grow)
                };
                gids.push(g);
            }
            let len = gids.len();
            for (k, a) in q.aggs.iter().enumerate() {
                match (a.kind, how.slots[k], &mut accs[k]) {
                    (AggKind::First, _, _) => {}
                    (AggKind::Last, _, Acc::Row(v)) => {
                        for (e, &g) in batch.chunks_exact(w).zip(&gids) {
                            v[g as usize] = e[0] as i64;
                        }
                    }
                    (kind, Some((s, float)), acc) => {
                        let items = batch.chunks_exact(w).map(|e| e[1 + nk + s]);
                        let arg = if float {
                            xf.clear();
                            xf.extend(items.map(f64::from_bits));
                            Arg::F(&xf)
                        } else {
                            xi.clear();
                            xi.extend(items.map(|x| x as i64));
                            Arg::I(&xi)
                        };
                        fold_items(acc, kind, arg, &gids, false, len);
                    }
                    (kind, None, acc) => {
                        fold_items(acc, kind, Arg::None, &gids, false, len);
                    }
                }
            }
        }
    }
    Some((firsts, accs))
}

/// `src[p][j]` for each `(p, j)` of `owner`, on all cores.
fn gather<T: Copy + Default + Send + Sync>(owner: &[(u32, u32)], src: &[&[T]]) -> Vec<T> {
    owner
        .par_iter()
        .map(|&(p, j)| {
            src.get(p as usize)
                .and_then(|s| s.get(j as usize))
                .copied()
                .unwrap_or_default()
        })
        .collect()
}

/// `src[p][j]` moved out for each `(p, j)` of `owner`, in order (the
/// holistic aggregates' per-group vectors: moved, not copied).
fn take_all<T: Default>(owner: &[(u32, u32)], src: &mut [Vec<T>]) -> Vec<T> {
    owner
        .iter()
        .map(|&(p, j)| {
            src.get_mut(p as usize)
                .and_then(|s| s.get_mut(j as usize))
                .map(std::mem::take)
                .unwrap_or_default()
        })
        .collect()
}

/// The partitions' groups in global order (`owner[g]`: the partition
/// and id there of global group `g`): first rows and accumulators.
fn gathered(mut states: Vec<Part>, owner: &[(u32, u32)]) -> Option<Part> {
    let naggs = states.first()?.1.len();
    let firsts = {
        let src: Vec<&[i64]> = states.iter().map(|s| &s.0[..]).collect();
        gather(owner, &src)
    };
    let mut accs = Vec::with_capacity(naggs);
    for k in 0..naggs {
        macro_rules! pick {
            ($v:ident) => {{
                let src: Vec<&[_]> = states
                    .iter()
                    .map(|s| match &s.1[k] {
                        Acc::$v(v) => &v[..],
                        _ => &[][..],
                    })
                    .collect();
                Acc::$v(gather(owner, &src))
            }};
        }
        macro_rules! take {
            ($v:ident) => {{
                let mut src: Vec<_> = states
                    .iter_mut()
                    .map(|s| match &mut s.1[k] {
                        Acc::$v(v) => std::mem::take(v),
                        _ => Vec::new(),
                    })
                    .collect();
                Acc::$v(take_all(owner, &mut src))
            }};
        }
        let acc = match &states[0].1[k] {
            Acc::Count(_) => pick!(Count),
            Acc::I(_) => pick!(I),
            Acc::F(_) => pick!(F),
            Acc::L(_) => pick!(L),
            Acc::Row(_) => pick!(Row),
            Acc::W(_) => pick!(W),
            Acc::V(_) => take!(V),
            Acc::K(_) => take!(K),
        };
        accs.push(acc);
    }
    Some((firsts, accs))
}
