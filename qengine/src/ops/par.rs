//! Splitting one kernel's rows across the rayon pool, for the kernels
//! whose pieces must be put back together in row order: gathers, group
//! ids (each piece numbers its groups locally, the pieces' groups are
//! then numbered globally in row order, so ids are still in order of
//! first occurrence) and the counting sort of rows by group.
//!
//! Below [`par_rows`] rows (or with one rayon thread) every function here
//! is the plain sequential loop: on two shared cores the fork/join and
//! the second pass of a merge are expected to pay off only from about a
//! million rows (docs/PERF.md, "Groups and as-of joins on all cores").
//! Results never depend on the split.

use rayon::prelude::*;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;

/// Rows from which the kernels here split across threads. Chosen, not
/// yet tuned: the machine was too loaded to time the crossover (see
/// docs/PERF.md); below about a million rows a split's second pass and
/// fork/join cost more than a second core gives back on 2 cores.
pub const PAR_ROWS: usize = 1 << 20;

// 0: not yet read from `BORF_PAR_ROWS`.
static PAR: AtomicUsize = AtomicUsize::new(0);

/// The threshold in use: `BORF_PAR_ROWS` if set (tests lower it to run
/// the parallel paths on small data), else [`PAR_ROWS`].
pub fn par_rows() -> usize {
    match PAR.load(Ordering::Relaxed) {
        0 => {
            let n = std::env::var("BORF_PAR_ROWS")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(PAR_ROWS)
                .max(2);
            let _ = PAR.compare_exchange(0, n, Ordering::Relaxed, Ordering::Relaxed);
            PAR.load(Ordering::Relaxed)
        }
        n => n,
    }
}

/// The split thresholds (`set_par_rows`, the compiled core's `set_enabled`
/// and `set_par_min_rows`) are process-wide: the tests that change them
/// run one at a time, under this lock.
#[cfg(test)]
pub(crate) fn switch_lock() -> std::sync::MutexGuard<'static, ()> {
    static SWITCH: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SWITCH.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sets the threshold (tests and benchmarks).
pub fn set_par_rows(n: usize) {
    PAR.store(n.max(2), Ordering::Relaxed);
}

/// Rows per piece when `n` rows split across the pool, or `None` when
/// they stay on one thread. Two pieces per thread, so a core slowed by
/// other work does not hold the other up for long.
pub(crate) fn piece_len(n: usize) -> Option<usize> {
    // the length first: asking rayon its thread count starts the pool,
    // which a short vector has no use for
    if n < par_rows() {
        return None;
    }
    let threads = rayon::current_num_threads();
    if threads < 2 {
        return None;
    }
    Some(n.div_ceil(threads * 2).max(1))
}

/// Rows per piece for the sort grades (`ops/grade.rs`), which split from
/// half of [`par_rows`] (524288 rows by default; docs/PERF.md, "Sorts on
/// both threads"). Lower would pay on time (a radix pass is a few
/// instructions a row, its fork/join a few microseconds) but the pieces'
/// count and segment tables are a fixed number of extra allocations, which
/// `tests/alloc_invariant.rs` (400 000 items) counts as growth.
pub(crate) fn sort_piece_len(n: usize) -> Option<usize> {
    if n < (par_rows() / 2).max(2) {
        return None;
    }
    let threads = rayon::current_num_threads();
    if threads < 2 {
        return None;
    }
    Some(n.div_ceil(threads * 2).max(1))
}

/// `f` of every item of `src`, split as the sort grades split.
pub(crate) fn sort_map<T: Copy + Sync, U: Send>(
    src: &[T],
    f: impl Fn(T) -> U + Sync + Send,
) -> Vec<U> {
    map_in(sort_piece_len(src.len()), src, f)
}

/// `f` of every item of `src`, in parallel above the threshold.
pub(crate) fn map<T: Copy + Sync, U: Send>(src: &[T], f: impl Fn(T) -> U + Sync + Send) -> Vec<U> {
    map_in(piece_len(src.len()), src, f)
}

/// `f` of every item of `src`, in pieces of about `step` items when given.
pub(crate) fn map_in<T: Copy + Sync, U: Send>(
    step: Option<usize>,
    src: &[T],
    f: impl Fn(T) -> U + Sync + Send,
) -> Vec<U> {
    match step {
        None => src.iter().map(|&x| f(x)).collect(),
        Some(step) => src
            .par_iter()
            .with_min_len(step / 4)
            .map(|&x| f(x))
            .collect(),
    }
}

/// `f` of every pair of items of `a` and `b` (of one length), in parallel
/// above the threshold (the item-wise dyads: `=`, `<` … of two vectors).
pub(crate) fn map2<T: Copy + Sync, U: Copy + Sync, V: Send>(
    a: &[T],
    b: &[U],
    f: impl Fn(T, U) -> V + Sync + Send,
) -> Vec<V> {
    match piece_len(a.len().min(b.len())) {
        None => a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect(),
        Some(step) => a
            .par_iter()
            .zip(b.par_iter())
            .with_min_len(step / 4)
            .map(|(&x, &y)| f(x, y))
            .collect(),
    }
}

/// `f(i)` for every `i` of `0..n`, in parallel above the threshold (a
/// kernel that reads neighbouring items: `differ`, `deltas`).
pub(crate) fn map_index<V: Send>(n: usize, f: impl Fn(usize) -> V + Sync + Send) -> Vec<V> {
    match piece_len(n) {
        None => (0..n).map(f).collect(),
        Some(step) => (0..n)
            .into_par_iter()
            .with_min_len(step / 4)
            .map(f)
            .collect(),
    }
}

/// Running wrapping sums of `f` of the items of `src` (`sums` of integral
/// vectors): above the threshold, each piece's total first (in parallel),
/// then each piece's running sums from the total of the pieces before it
/// (in parallel). Wrapping addition is associative, so the result is the
/// one pass's to the bit.
pub(crate) fn running_sum<T: Copy + Sync>(
    src: &[T],
    f: impl Fn(T) -> i64 + Sync + Send,
) -> Vec<i64> {
    let scan = |part: &[T], start: i64, out: &mut Piece<'_, i64>| {
        let mut acc = start;
        for &x in part {
            acc = acc.wrapping_add(f(x));
            out.push(acc);
        }
    };
    let n = src.len();
    match piece_len(n) {
        None => write_pieces(n, None, 0, |_, _, out| scan(src, 0, out)),
        Some(step) => {
            let totals: Vec<i64> = src
                .par_chunks(step)
                .map(|p| p.iter().fold(0i64, |a, &x| a.wrapping_add(f(x))))
                .collect();
            let mut starts = Vec::with_capacity(totals.len());
            let mut at = 0i64;
            for t in totals {
                starts.push(at);
                at = at.wrapping_add(t);
            }
            write_pieces(n, Some(step), 0, |p, lo, out| {
                scan(&src[lo..(lo + step).min(n)], starts[p], out)
            })
        }
    }
}

/// `a` then `b` in one vector, copied in pieces on the pool above the
/// threshold (`x,y` of two long vectors; the keys `aj` groups).
pub(crate) fn concat2<T: Copy + Send + Sync>(a: &[T], b: &[T]) -> Vec<T> {
    match piece_len(a.len() + b.len()) {
        None => [a, b].concat(),
        Some(step) => {
            // one allocation of the final size made here, where a failure
            // is the allocator's 'wsfull, then filled on the pool
            let mut out = [a, &b[..0]].concat();
            out.reserve_exact(b.len());
            out.extend_from_slice(&b[..0]);
            out.par_extend(b.par_iter().with_min_len(step / 4).copied());
            out
        }
    }
}

/// The pieces' row numbers one after another, copied in parallel into
/// one zeroed allocation (fresh pages: no zeroing pass of its own).
pub(crate) fn concat_rows(parts: Vec<Vec<i64>>) -> Vec<i64> {
    if parts.len() == 1 {
        return parts.into_iter().next().unwrap_or_default();
    }
    let total = parts.iter().map(Vec::len).sum();
    let mut out = vec![0i64; total];
    let mut rest = &mut out[..];
    let mut pieces = Vec::with_capacity(parts.len());
    for p in &parts {
        let (a, b) = rest.split_at_mut(p.len());
        pieces.push(a);
        rest = b;
    }
    pieces
        .into_par_iter()
        .zip(parts.par_iter())
        .for_each(|(o, p)| o.copy_from_slice(p));
    out
}

/// Rows grouped by id, each group in row order: `(offsets, rows)` with
/// group `g`'s rows at `rows[offsets[g]..offsets[g + 1]]` (a counting
/// sort). In parallel, each piece counts its rows per group, and scatters
/// into its own segments of each group, which lie after the earlier
/// pieces' segments: the same order as the sequential sort.
pub(crate) fn bucket(ids: &[u32], ngroups: usize) -> (Vec<usize>, Vec<u32>) {
    bucket_in(ids, ngroups, piece_len(ids.len()))
}

/// [`bucket`] in pieces of `step` rows (`None`: one thread).
pub(crate) fn bucket_in(
    ids: &[u32],
    ngroups: usize,
    step: Option<usize>,
) -> (Vec<usize>, Vec<u32>) {
    let n = ids.len();
    let step = match step {
        // per-piece count tables as big as the rows: one thread
        Some(step) if ngroups.saturating_mul(n.div_ceil(step)) <= n => step,
        _ => return bucket_seq(ids, ngroups),
    };
    let pieces: Vec<&[u32]> = ids.chunks(step).collect();
    let b = Buckets::new(&pieces, ngroups);
    let rows = b.scatter(|p| (p * step) as u32..);
    (b.offs, rows)
}

/// A counting sort by group of items that come in pieces (in row order,
/// piece after piece), each item with its group id: where each group's
/// items go, so that [`Buckets::scatter`] puts any values of those items
/// in group order, each group's in row order, with the pieces on all
/// cores (each piece writes its own segment of every group, after the
/// earlier pieces' segments: the order of one sequential pass).
pub(crate) struct Buckets<'i> {
    /// Group `g`'s items are at `offs[g]..offs[g + 1]`.
    pub offs: Vec<usize>,
    /// The pieces' group ids (each below the group count).
    ids: &'i [&'i [u32]],
    /// Per piece, per group: where its segment starts.
    starts: Vec<Vec<usize>>,
}

impl<'i> Buckets<'i> {
    /// Counts the pieces' items per group (ids below `ngroups`), the
    /// pieces in parallel.
    pub(crate) fn new(ids: &'i [&'i [u32]], ngroups: usize) -> Buckets<'i> {
        let mut starts: Vec<Vec<usize>> = ids
            .par_iter()
            .map(|c| {
                let mut k = vec![0usize; ngroups];
                for &g in c.iter() {
                    k[g as usize] += 1;
                }
                k
            })
            .collect();
        // counts become segment starts: group after group, piece after
        // piece within a group
        let mut offs = vec![0usize; ngroups + 1];
        let mut at = 0usize;
        for g in 0..ngroups {
            offs[g] = at;
            for k in starts.iter_mut() {
                let c = k[g];
                k[g] = at;
                at += c;
            }
        }
        offs[ngroups] = at;
        Buckets { offs, ids, starts }
    }

    /// The items' values in group order: `items(p)` yields piece `p`'s
    /// values, one per id, in order (only as many as it has ids are
    /// taken; positions it leaves are `T::default()`).
    pub(crate) fn scatter<T, I>(&self, items: impl Fn(usize) -> I + Sync) -> Vec<T>
    where
        T: Copy + Default + Send + Sync,
        I: Iterator<Item = T>,
    {
        /// The output, written by every piece at once.
        struct Out<T>(*mut T);
        // SAFETY: the pieces write through the pointer at disjoint
        // positions (see below) and the vector outlives the parallel loop.
        unsafe impl<T: Send> Send for Out<T> {}
        unsafe impl<T: Send> Sync for Out<T> {}
        let total = *self.offs.last().unwrap_or(&0);
        let mut out = vec![T::default(); total];
        let ptr = Out(out.as_mut_ptr());
        let ptr = &ptr;
        self.ids
            .par_iter()
            .zip(self.starts.par_iter())
            .enumerate()
            .for_each(|(p, (c, start))| {
                let mut pos = start.clone();
                for (&g, v) in c.iter().zip(items(p)) {
                    let f = &mut pos[g as usize];
                    // SAFETY: piece `p` has `count[p][g]` ids equal to `g`
                    // (counted in `new` from these same ids), so its
                    // writes for `g` stay in `start[p][g]..start[p][g] +
                    // count[p][g]`, a segment no other (piece, group) has,
                    // inside `0..total`.
                    unsafe { ptr.0.add(*f).write(v) };
                    *f += 1;
                }
            });
        out
    }
}

impl Buckets<'_> {
    /// Each group's items in a vector of its own, in row order: the `j`th
    /// item of the pieces taken together is `row(j)`. As [`Buckets::scatter`]
    /// with every piece writing its segment of each group straight into
    /// that group's vector (no list of all the rows in group order to copy
    /// from afterwards: `group`'s lists, qSQL's rows per group).
    pub(crate) fn scatter_groups<T: Copy + Send + Sync>(
        &self,
        row: impl Fn(usize) -> T + Sync,
    ) -> Vec<Vec<T>> {
        /// A group's vector, written by every piece at once.
        struct Out<T>(*mut T);
        // SAFETY: the pieces write through the pointers at disjoint
        // positions (see below) and the vectors outlive the parallel loop.
        unsafe impl<T: Send> Send for Out<T> {}
        unsafe impl<T: Send> Sync for Out<T> {}
        let ng = self.offs.len().saturating_sub(1);
        let size = |g: usize| self.offs[g + 1] - self.offs[g];
        let mut groups: Vec<Vec<T>> = (0..ng).map(|g| Vec::with_capacity(size(g))).collect();
        let outs: Vec<Out<T>> = groups.iter_mut().map(|v| Out(v.as_mut_ptr())).collect();
        let outs = &outs;
        // each piece's first row
        let mut lo = Vec::with_capacity(self.ids.len());
        let mut at = 0usize;
        for c in self.ids {
            lo.push(at);
            at += c.len();
        }
        self.ids
            .par_iter()
            .zip(self.starts.par_iter())
            .zip(lo.par_iter())
            .for_each(|((c, start), &lo)| {
                // where this piece's next item of each group goes in it
                let mut pos: Vec<usize> =
                    start.iter().zip(&self.offs).map(|(&s, &o)| s - o).collect();
                for (j, &g) in c.iter().enumerate() {
                    let f = &mut pos[g as usize];
                    // SAFETY: piece `p` has `count[p][g]` ids equal to `g`
                    // (counted in `new` from these same ids), so its writes
                    // into group `g` stay in `start[p][g] - offs[g]` ..
                    // `start[p][g] - offs[g] + count[p][g]`, a segment no
                    // other piece writes, below the group's size, which its
                    // vector has room for.
                    unsafe { outs[g as usize].0.add(*f).write(row(lo + j)) };
                    *f += 1;
                }
            });
        for (g, v) in groups.iter_mut().enumerate() {
            // SAFETY: the pieces' segments of group `g` cover
            // `0..size(g)` (its ids counted over all pieces), each item
            // written once above; the capacity is `size(g)`.
            unsafe { v.set_len(size(g)) };
        }
        groups
    }
}

fn bucket_seq(ids: &[u32], ngroups: usize) -> (Vec<usize>, Vec<u32>) {
    let mut offs = vec![0usize; ngroups + 1];
    for &g in ids {
        offs[g as usize + 1] += 1;
    }
    for g in 0..ngroups {
        offs[g + 1] += offs[g];
    }
    let mut fill = offs.clone();
    let mut rows = vec![0u32; ids.len()];
    for (i, &g) in ids.iter().enumerate() {
        rows[fill[g as usize]] = i as u32;
        fill[g as usize] += 1;
    }
    (offs, rows)
}

/// Group ids from pieces that numbered their groups locally: `ids` holds,
/// per piece of `step` rows, local ids; `parts[p]` lists piece `p`'s
/// groups in local order as (first row, key). `global(key, next)` gives
/// the key's global id, taking `next` when the key is new. The pieces'
/// groups are visited in row order, so global ids are in order of first
/// occurrence; returns the first row of each global id and rewrites
/// `ids` to global ids (in parallel).
pub(crate) fn merge_local<K: Copy>(
    ids: &mut [u32],
    step: usize,
    parts: &[Vec<(usize, K)>],
    mut global: impl FnMut(K, u32) -> u32,
) -> Vec<usize> {
    let mut firsts = Vec::new();
    let maps: Vec<Vec<u32>> = parts
        .iter()
        .map(|p| {
            p.iter()
                .map(|&(row, k)| {
                    let next = firsts.len() as u32;
                    let g = global(k, next);
                    if g == next {
                        firsts.push(row);
                    }
                    g
                })
                .collect()
        })
        .collect();
    ids.par_chunks_mut(step)
        .zip(maps.par_iter())
        .for_each(|(c, m)| {
            if m.iter().enumerate().all(|(j, &g)| g == j as u32) {
                // the first piece's groups are the first global ones
                return;
            }
            for o in c.iter_mut() {
                *o = m.get(*o as usize).copied().unwrap_or(0);
            }
        });
    firsts
}

/// The items of one piece of [`write_pieces`], written front to back.
pub(crate) struct Piece<'a, T> {
    out: &'a mut [std::mem::MaybeUninit<T>],
    len: usize,
}

impl<T> Piece<'_, T> {
    /// Writes the next item (one past the piece's end is ignored).
    #[inline(always)]
    pub(crate) fn push(&mut self, v: T) {
        if let Some(s) = self.out.get_mut(self.len) {
            s.write(v);
            self.len += 1;
        }
    }

    /// Writes the next items from `xs` (those past the piece's end are
    /// ignored).
    #[inline]
    pub(crate) fn extend_from_slice(&mut self, xs: &[T])
    where
        T: Copy,
    {
        let k = xs.len().min(self.out.len() - self.len);
        for (s, &x) in self.out[self.len..self.len + k].iter_mut().zip(xs) {
            s.write(x);
        }
        self.len += k;
    }
}

/// A vector of `n` items written in place by `f(k, lo, piece)` for pieces
/// `k` of `step` rows from row `lo` (one piece when `step` is `None`), the
/// pieces on the pool. Unlike writing into `vec![0; n]`, the memory is
/// not zeroed first: a zeroed block the allocator recycles is given back
/// to the kernel and faulted in again page by page (jemalloc zeroes a
/// reused large extent with `MADV_DONTNEED`), which made the kernel's
/// page clearing ~40% of an `aj`'s time (docs/PERF.md, "Fresh pages of
/// recycled memory"). Items a piece leaves unwritten (it stopped early)
/// are `fill`.
pub(crate) fn write_pieces<T: Copy + Send + Sync>(
    n: usize,
    step: Option<usize>,
    fill: T,
    f: impl Fn(usize, usize, &mut Piece<'_, T>) + Sync + Send,
) -> Vec<T> {
    let mut v: Vec<T> = Vec::with_capacity(n);
    let one = |k: usize, lo: usize, out: &mut [std::mem::MaybeUninit<T>]| {
        let mut p = Piece { out, len: 0 };
        f(k, lo, &mut p);
        let Piece { out, len } = p;
        for s in &mut out[len..] {
            s.write(fill);
        }
    };
    let spare = &mut v.spare_capacity_mut()[..n];
    match step {
        Some(step) if step > 0 && step < n => spare
            .par_chunks_mut(step)
            .enumerate()
            .for_each(|(k, o)| one(k, k * step, o)),
        _ => one(0, 0, spare),
    }
    // SAFETY: the capacity is at least `n`, and every one of the first `n`
    // items was written: each piece's first `len` by `Piece::push` or
    // `extend_from_slice` (which count only what they write), the rest of
    // the piece with `fill`.
    unsafe { v.set_len(n) };
    v
}

/// Appends `parts` to `dst` in their order, copied in pieces on the pool
/// (`par_rows` items a piece): the row ranges' accumulators of a grouped
/// select put back into one vector. The room is reserved once, and the
/// copies write fresh memory without zeroing it first ([`write_pieces`]).
pub(crate) fn extend_pieces<T: Copy + Send + Sync>(dst: &mut Vec<T>, parts: &[&[T]]) {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    dst.reserve_exact(total);
    let start = dst.len();
    let step = par_rows().max(1);
    let mut jobs: Vec<(&mut [std::mem::MaybeUninit<T>], &[T])> = Vec::new();
    let mut rest = &mut dst.spare_capacity_mut()[..total];
    for p in parts {
        for src in p.chunks(step) {
            let (o, r) = std::mem::take(&mut rest).split_at_mut(src.len());
            jobs.push((o, src));
            rest = r;
        }
    }
    let copy = |(o, src): (&mut [std::mem::MaybeUninit<T>], &[T])| {
        for (s, &x) in o.iter_mut().zip(src) {
            s.write(x);
        }
    };
    if jobs.len() > 1 && rayon::current_num_threads() > 1 {
        jobs.into_par_iter().for_each(copy);
    } else {
        jobs.into_iter().for_each(copy);
    }
    // SAFETY: `reserve_exact` left room for `total` more items, and the
    // pieces above cut the first `total` of that room into consecutive
    // slices, one per piece of a part, each as long as its source and
    // written in full by `copy`; so items `start..start + total` are all
    // initialised.
    unsafe { dst.set_len(start + total) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::xorshift as rng;

    /// A pool of three threads: more pieces than two cores, uneven splits.
    fn three_threads() -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("pool")
    }

    /// Pieces that write all, some or none of their items, on one thread
    /// and on three: unwritten items are the fill.
    #[test]
    fn write_pieces_fills_what_a_piece_leaves() {
        let n = 1000;
        for step in [
            None,
            Some(1),
            Some(7),
            Some(100),
            Some(999),
            Some(1000),
            Some(5000),
        ] {
            let run = || {
                write_pieces(n, step, -1i64, |k, lo, p| {
                    let len = step.unwrap_or(n).min(n - lo);
                    let keep = if k % 3 == 1 { len / 2 } else { len + 5 };
                    for i in lo..lo + keep {
                        p.push(i as i64);
                    }
                })
            };
            for v in [run(), three_threads().install(run)] {
                assert_eq!(v.len(), n);
                let s = step.unwrap_or(n).max(1);
                for (i, &x) in v.iter().enumerate() {
                    let (k, j) = (i / s, i % s);
                    let len = s.min(n - k * s);
                    let want = if k % 3 == 1 && step.is_some_and(|s| s < n) && j >= len / 2 {
                        -1
                    } else {
                        i as i64
                    };
                    assert_eq!(x, want, "step {step:?} item {i}");
                }
            }
        }
        let v = write_pieces(5, None, 0u32, |_, _, p| {
            p.extend_from_slice(&[1, 2, 3, 4, 5, 6])
        });
        assert_eq!(v, [1, 2, 3, 4, 5]);
        assert!(write_pieces(0, Some(3), 0u8, |_, _, p| p.push(1)).is_empty());
    }

    /// `map2`, `map_index`, `running_sum` and `scatter_groups` on several
    /// threads give the one-thread loops' results.
    #[test]
    fn parallel_maps_scans_and_groups_are_the_sequential_ones() {
        let _g = switch_lock();
        let mut rnd = rng(0x05ee_d0f5_ca1e);
        let pool = three_threads();
        for n in [0usize, 1, 7, 5000] {
            let a: Vec<i64> = (0..n).map(|_| rnd(10) as i64 - 5).collect();
            let b: Vec<i64> = (0..n)
                .map(|_| match rnd(7) {
                    0 => i64::MAX,
                    _ => rnd(10) as i64 - 5,
                })
                .collect();
            let eq: Vec<u8> = a.iter().zip(&b).map(|(x, y)| (x == y) as u8).collect();
            let dif: Vec<u8> = (0..n).map(|i| (i == 0 || a[i - 1] != a[i]) as u8).collect();
            let mut acc = 0i64;
            let sums: Vec<i64> = b
                .iter()
                .map(|&x| {
                    acc = acc.wrapping_add(x);
                    acc
                })
                .collect();
            let ids: Vec<u32> = (0..n).map(|_| rnd(13) as u32).collect();
            let mut groups = vec![Vec::new(); 13];
            for (i, &g) in ids.iter().enumerate() {
                groups[g as usize].push(i as i64 * 3);
            }
            set_par_rows(2);
            let got = pool.install(|| {
                let step = piece_len(n).unwrap_or(n.max(1));
                let pieces: Vec<&[u32]> = ids.chunks(step).collect();
                (
                    map2(&a, &b, |x, y| (x == y) as u8),
                    map_index(n, |i| (i == 0 || a[i - 1] != a[i]) as u8),
                    running_sum(&b, |x| x),
                    Buckets::new(&pieces, 13).scatter_groups(|r| r as i64 * 3),
                )
            });
            set_par_rows(PAR_ROWS);
            assert_eq!(got.0, eq, "{n}");
            assert_eq!(got.1, dif, "{n}");
            assert_eq!(got.2, sums, "{n}");
            if n > 0 {
                assert_eq!(got.3, groups, "{n}");
            }
        }
    }

    #[test]
    fn parallel_bucket_is_the_sequential_one() {
        let _g = switch_lock();
        let mut rnd = rng(0x1234_5678_9abc_def1);
        let pool = three_threads();
        for (n, g) in [(0usize, 1usize), (1, 1), (1000, 7), (5000, 300), (4097, 1)] {
            let ids: Vec<u32> = (0..n).map(|_| rnd(g as u64) as u32).collect();
            let want = bucket_seq(&ids, g);
            set_par_rows(2);
            let got = pool.install(|| bucket(&ids, g));
            set_par_rows(PAR_ROWS);
            assert_eq!(got, want, "{n} {g}");
        }
    }

    /// Group ids on several threads (dense ids, hashed longs and floats,
    /// several columns) are those of one pass.
    #[test]
    fn parallel_group_ids_are_the_sequential_ones() {
        let _g = switch_lock();
        use crate::ops::group::group_ids;
        use qcore::Value;
        use qcore::Vector;
        let mut rnd = rng(0x0dd_ba11_cafe_f00d);
        let pool = three_threads();
        for n in [1usize, 7, 5000] {
            let small: Vec<i64> = (0..n)
                .map(|_| match rnd(9) {
                    0 => i64::MIN,
                    _ => rnd(40) as i64 - 20,
                })
                .collect();
            let wide: Vec<i64> = (0..n).map(|_| (rnd(50) as i64) << 40).collect();
            let floats: Vec<f64> = (0..n)
                .map(|_| match rnd(5) {
                    0 => f64::NAN,
                    1 => -0.0,
                    2 => 0.0,
                    _ => rnd(30) as f64,
                })
                .collect();
            let vals = [
                Value::Vector(Vector::longs(small.clone())),
                Value::Vector(Vector::longs(wide.clone())),
                Value::Vector(Vector::floats(floats)),
                Value::table(
                    vec![qcore::Sym::new("a"), qcore::Sym::new("b")],
                    vec![
                        Value::Vector(Vector::longs(small)),
                        Value::Vector(Vector::longs(wide)),
                    ],
                ),
            ];
            for v in &vals {
                let want = group_ids(v).expect("ids");
                set_par_rows(2);
                let got = pool.install(|| group_ids(v)).expect("ids");
                set_par_rows(PAR_ROWS);
                assert_eq!(got, want, "{n}");
            }
        }
    }

    /// `extend_pieces` on one thread and on three, pieces of 2 items
    /// (every part cut), empty parts among them: the parts in order.
    #[test]
    fn extend_pieces_appends_in_order() {
        let _g = switch_lock();
        let pool = three_threads();
        let a: Vec<i64> = (0..7).collect();
        let b: Vec<i64> = (100..105).collect();
        let c: Vec<i64> = vec![];
        for threads in [false, true] {
            let mut d: Vec<i64> = vec![-1, -2];
            set_par_rows(2);
            let parts: [&[i64]; 4] = [&a, &c, &b, &c];
            if threads {
                pool.install(|| extend_pieces(&mut d, &parts));
            } else {
                extend_pieces(&mut d, &parts);
            }
            set_par_rows(PAR_ROWS);
            let want: Vec<i64> = [vec![-1, -2], a.clone(), b.clone()].concat();
            assert_eq!(d, want);
        }
        let mut e: Vec<(f64, f64)> = vec![];
        extend_pieces(&mut e, &[]);
        assert!(e.is_empty());
    }
}
