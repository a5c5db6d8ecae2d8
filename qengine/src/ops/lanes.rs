//! The one float sum: fixed blocks, each of eight lanes in a fixed order.
//!
//! q's `sum`/`avg`/`wsum` of floats depend on the order the items are
//! added. The interpreter ([`crate::ops::reduce`]) and the compiled core
//! ([`crate::query::kernel`]) both add through [`Lanes`], so a compiled
//! query is bit-identical to the interpreted one. A sequence is cut into
//! blocks of [`BLOCK`] items, counted from its first item. Within a block,
//! item `j` of a complete group of eight goes to lane `j % 8`, the lanes
//! are combined pairwise, then the block's last `len % 8` items are added
//! in order (a sequence of at most [`BLOCK`] items is one block). The
//! block totals are added in block order, from `+0.0`. Nulls add `+0.0`,
//! which gives the same bits as skipping them (the lanes start at `+0.0`,
//! so they are never `-0.0`, nor is a block's total).
//!
//! The blocks are why a long sequence can be summed on all cores: each
//! block's total depends only on its own items, so the blocks are summed
//! in parallel and their totals added in order, the same bits as one
//! thread ([`sum_f64`], [`sum_count`], [`Lanes::extend`] above the
//! parallel threshold). [`BLOCK`] is a constant, never the thread count:
//! the answer does not change with `-s` or `RAYON_NUM_THREADS`.

use crate::ops::par::piece_len;
use qcore::sentinel::NJ;
use rayon::prelude::*;

/// Items per block (a multiple of eight). 128 KB of floats: large enough
/// that the block totals cost nothing beside the lanes, small enough that
/// a piece of a few million rows holds many blocks.
pub const BLOCK: usize = 16384;

/// An item the lanes can add: a float (NaN is null) or a long (`0N` is
/// null, the rest converted `as f64`).
pub trait LaneItem: Copy + Sync {
    /// The item's value (`0.0` when null) and whether it is not null.
    fn lane(self) -> (f64, bool);
}

impl LaneItem for f64 {
    #[inline(always)]
    fn lane(self) -> (f64, bool) {
        let ok = !self.is_nan();
        (if ok { self } else { 0.0 }, ok)
    }
}

impl LaneItem for i64 {
    #[inline(always)]
    fn lane(self) -> (f64, bool) {
        let ok = self != NJ;
        (if ok { self as f64 } else { 0.0 }, ok)
    }
}

/// The eight lanes combined pairwise. Never inlined: inlined after the
/// loop of [`add_groups`], its pairing ((0,1), (2,3) …) led LLVM to keep the
/// loop's lanes in registers paired (0,4), (1,5) … and shuffle every
/// group of eight (twice the instructions); once per block it costs nothing.
#[inline(never)]
fn combine(a: &[f64; 8]) -> f64 {
    ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

/// Adds the items of `x` (whole groups of eight: `x.len() % 8 == 0`) to
/// the lanes `acc`, item `j` of each group to lane `j`; returns how many
/// are not null when `COUNT` (else 0). Branch-free, so it vectorises.
/// The count is kept in float lanes too (exact: at most [`BLOCK`] items
/// per call): a float compare mask ANDed with `1.0` is one instruction,
/// where counting into integers packed the compare's bits (most of the
/// loop's time before).
#[inline(always)]
fn add_groups<T: LaneItem, const COUNT: bool>(acc: &mut [f64; 8], x: &[T]) -> i64 {
    let mut a = *acc;
    let mut c = [0f64; 8];
    for g in x.chunks_exact(8) {
        for j in 0..8 {
            let (v, ok) = g[j].lane();
            a[j] += v;
            if COUNT {
                c[j] += if ok { 1.0 } else { 0.0 };
            }
        }
    }
    *acc = a;
    // whole numbers below 2^53: any order gives the exact count
    if COUNT {
        c.iter().sum::<f64>() as i64
    } else {
        0
    }
}

/// The total (and, when `COUNT`, the non-null count) of one whole block.
fn block_total<T: LaneItem, const COUNT: bool>(x: &[T]) -> (f64, i64) {
    let mut a = [0f64; 8];
    let n = add_groups::<T, COUNT>(&mut a, x);
    (combine(&a), n)
}

/// A running float sum and count of non-null items, added in block and
/// lane order. Items can arrive one at a time ([`Lanes::push`]) or as
/// slices ([`Lanes::extend`]) in any mix: the additions are the same.
/// Small (a group's state in the grouped aggregates): the current block's
/// lanes and pending items, and one float for the finished blocks.
#[derive(Clone, Copy, Default, Debug)]
pub struct Lanes {
    acc: [f64; 8],
    pend: [f64; 8],
    /// The finished blocks' totals, added in order.
    done: f64,
    /// Items of the current block so far (below [`BLOCK`]); the pending
    /// ones are the last `fill % 8`.
    fill: u32,
    cnt: i64,
}

impl Lanes {
    /// Adds one item.
    #[inline]
    pub fn push<T: LaneItem>(&mut self, v: T) {
        let (v, ok) = v.lane();
        let j = self.fill as usize % 8;
        self.pend[j] = v;
        self.cnt += ok as i64;
        self.fill += 1;
        if j == 7 {
            for k in 0..8 {
                self.acc[k] += self.pend[k];
            }
            if self.fill as usize == BLOCK {
                self.close();
            }
        }
    }

    /// Ends the current (full) block: its total joins the finished ones.
    #[inline]
    fn close(&mut self) {
        self.done += combine(&self.acc);
        self.acc = [0.0; 8];
        self.fill = 0;
    }

    /// [`Lanes::push`] of each item of `x`: whole groups of eight added to
    /// the lanes directly, whole blocks on the rayon pool when `x` is long
    /// (their totals then added in order: the same bits).
    pub fn extend<T: LaneItem>(&mut self, x: &[T]) {
        self.extend_in::<T, true>(x)
    }

    /// [`Lanes::extend`], counting only when `COUNT` (a plain sum leaves
    /// the count out of its loop).
    fn extend_in<T: LaneItem, const COUNT: bool>(&mut self, mut x: &[T]) {
        while !x.is_empty() {
            if self.fill == 0
                && x.len() >= 2 * BLOCK
                && let Some(step) = piece_len(x.len())
            {
                let nb = x.len() / BLOCK;
                let (full, rest) = x.split_at(nb * BLOCK);
                let totals: Vec<(f64, i64)> = full
                    .par_chunks(BLOCK)
                    .with_min_len((step / BLOCK / 4).max(1))
                    .map(block_total::<T, COUNT>)
                    .collect();
                for (t, n) in totals {
                    self.done += t;
                    self.cnt += n;
                }
                x = rest;
                continue;
            }
            let room = BLOCK - self.fill as usize;
            let (now, rest) = x.split_at(room.min(x.len()));
            self.fill_block::<T, COUNT>(now);
            x = rest;
        }
    }

    /// Adds `x`, which fits in the current block.
    #[inline]
    fn fill_block<T: LaneItem, const COUNT: bool>(&mut self, x: &[T]) {
        let k = x.len().min((8 - self.fill as usize % 8) % 8);
        for &v in &x[..k] {
            self.push(v);
        }
        let whole = (x.len() - k) / 8 * 8;
        if whole > 0 {
            self.cnt += add_groups::<T, COUNT>(&mut self.acc, &x[k..k + whole]);
            self.fill += whole as u32;
            if self.fill as usize == BLOCK {
                self.close();
            }
        }
        for &v in &x[k + whole..] {
            self.push(v);
        }
    }

    /// The sum of the items so far.
    pub fn total(&self) -> f64 {
        let mut s = combine(&self.acc);
        for &v in &self.pend[..self.fill as usize % 8] {
            s += v;
        }
        // `+0.0 + s` is `s`: the current block's total is never `-0.0`,
        // so a sequence of one block gives its lanes' bits
        self.done + s
    }

    /// How many non-null items were added.
    pub fn count(&self) -> i64 {
        self.cnt
    }
}

/// Sum of floats, nulls as 0 (blocks on all cores when `xs` is long).
pub fn sum_f64(xs: &[f64]) -> f64 {
    let mut l = Lanes::default();
    l.extend_in::<f64, false>(xs);
    l.total()
}

/// Sum (as float) and count of the non-null items (blocks on all cores
/// when `xs` is long).
pub fn sum_count<T: LaneItem>(xs: &[T]) -> (f64, i64) {
    let mut l = Lanes::default();
    l.extend(xs);
    (l.total(), l.count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::par::PAR_ROWS;
    use crate::ops::par::set_par_rows;
    use crate::ops::par::switch_lock;

    /// The definition, written out: each block's eight lanes combined
    /// pairwise then its tail in order, the block totals added in order.
    fn reference(xs: &[f64]) -> (f64, i64) {
        let mut total = 0.0;
        for b in xs.chunks(BLOCK) {
            let mut a = [0f64; 8];
            let groups = b.chunks_exact(8);
            let tail = groups.remainder();
            for g in groups {
                for j in 0..8 {
                    a[j] += g[j].lane().0;
                }
            }
            let mut s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
            for &v in tail {
                s += v.lane().0;
            }
            total += s;
        }
        (total, xs.iter().filter(|v| !v.is_nan()).count() as i64)
    }

    /// Floats whose sum depends on the order, with nulls, infinities kept out.
    fn floats(n: usize) -> Vec<f64> {
        let mut x: u64 = 7;
        (0..n)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if i % 97 == 5 {
                    f64::NAN
                } else {
                    ((x >> 11) as f64 / (1u64 << 53) as f64 - 0.3) * 1e3 / (1 + i % 13) as f64
                }
            })
            .collect()
    }

    fn bits(p: (f64, i64)) -> (u64, i64) {
        (p.0.to_bits(), p.1)
    }

    /// Items pushed one by one, in slices of every split, or all at once
    /// give the same bits.
    #[test]
    fn any_split_adds_the_same() {
        let xs: Vec<f64> = (0..53)
            .map(|i| {
                if i % 7 == 3 {
                    f64::NAN
                } else {
                    0.1 * i as f64 - 1.3
                }
            })
            .collect();
        let whole = sum_count(&xs);
        assert_eq!(bits(whole), bits(reference(&xs)));
        for cut in 0..xs.len() {
            let mut l = Lanes::default();
            l.extend(&xs[..cut]);
            for &v in &xs[cut..cut + (xs.len() - cut).min(3)] {
                l.push(v);
            }
            l.extend(&xs[cut + (xs.len() - cut).min(3)..]);
            assert_eq!(
                (l.total().to_bits(), l.count()),
                (whole.0.to_bits(), whole.1)
            );
        }
    }

    /// Sequences crossing several blocks: the definition's bits whether
    /// pushed one by one, extended in slices cut around the block
    /// boundaries, or summed on the pool (1 and 3 threads, split from the
    /// smallest length).
    #[test]
    fn blocks_add_the_same_on_any_path() {
        let _lock = switch_lock();
        for n in [
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            2 * BLOCK,
            2 * BLOCK + 3,
            3 * BLOCK + 8,
            5 * BLOCK + 13,
        ] {
            let xs = floats(n);
            let want = bits(reference(&xs));
            let mut one = Lanes::default();
            for &v in &xs {
                one.push(v);
            }
            assert_eq!(bits((one.total(), one.count())), want, "{n} pushed");
            for cut in [1, 7, 8, BLOCK - 3, BLOCK, BLOCK + 5, 2 * BLOCK - 1] {
                let cut = cut.min(n);
                let mut l = Lanes::default();
                l.extend(&xs[..cut]);
                l.push(xs[cut.min(n - 1)]);
                l.extend(&xs[(cut + 1).min(n)..]);
                if cut < n {
                    assert_eq!(bits((l.total(), l.count())), want, "{n} cut {cut}");
                }
            }
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("pool");
                set_par_rows(2);
                let (par, s, mid) = pool.install(|| {
                    // a Lanes part-way through a block, then a long slice
                    let mut mid = Lanes::default();
                    mid.extend(&xs[..5]);
                    mid.extend(&xs[5..]);
                    (sum_count(&xs), sum_f64(&xs), mid)
                });
                set_par_rows(PAR_ROWS);
                assert_eq!(bits(par), want, "{n} on {threads}");
                assert_eq!(s.to_bits(), want.0, "{n} sum_f64 on {threads}");
                assert_eq!(bits((mid.total(), mid.count())), want, "{n} mid");
            }
        }
    }

    /// Longs: nulls skipped, the same bits on the pool as pushed.
    #[test]
    fn longs_cross_blocks() {
        let _lock = switch_lock();
        let xs: Vec<i64> = (0..3 * BLOCK as i64 + 11)
            .map(|i| {
                if i % 89 == 0 {
                    NJ
                } else {
                    i * 7919 % 100003 - 500
                }
            })
            .collect();
        let mut one = Lanes::default();
        for &v in &xs {
            one.push(v);
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("pool");
        set_par_rows(2);
        let par = pool.install(|| sum_count(&xs));
        set_par_rows(PAR_ROWS);
        assert_eq!(bits(par), bits((one.total(), one.count())));
        assert_eq!(par.1, xs.iter().filter(|&&v| v != NJ).count() as i64);
    }

    #[test]
    fn nulls_and_empty() {
        assert_eq!(sum_count::<f64>(&[]), (0.0, 0));
        assert_eq!(sum_count(&[NJ, 1, NJ, 2]), (3.0, 2));
        assert_eq!(sum_f64(&[f64::NAN; 9]).to_bits(), 0f64.to_bits());
        assert_eq!(
            sum_f64(&vec![f64::NAN; 3 * BLOCK + 1]).to_bits(),
            0f64.to_bits()
        );
        assert_eq!(sum_f64(&[-0.0; 20]).to_bits(), 0f64.to_bits());
        let v: Vec<f64> = (1..=20).map(|i| i as f64).collect();
        assert_eq!(sum_f64(&v), 210.0);
    }
}
