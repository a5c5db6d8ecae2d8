//! The integer-key grades behind [`super::grade`]: an LSD radix sort over
//! order-preserving `u64` keys packed with the row index, a bucket sort
//! for keys too wide to pack, counting for one-byte types, and symbols by
//! the rank of their text.

use super::*;

/// Vectors at least this long are graded by radix sort.
pub(crate) const RADIX_MIN: usize = 1 << 12;

/// A sort key that maps to a `u64` preserving order (for radix grading).
pub(crate) trait RadixKey {
    /// Whether [`RadixKey::to_radix`] is meaningful.
    const RADIX: bool;
    fn to_radix(self) -> u64;
}

impl RadixKey for i16 {
    const RADIX: bool = true;
    fn to_radix(self) -> u64 {
        (self as i64 as u64) ^ (1 << 63)
    }
}

impl RadixKey for i32 {
    const RADIX: bool = true;
    fn to_radix(self) -> u64 {
        (self as i64 as u64) ^ (1 << 63)
    }
}

impl RadixKey for i64 {
    const RADIX: bool = true;
    fn to_radix(self) -> u64 {
        (self as u64) ^ (1 << 63)
    }
}

impl RadixKey for u64 {
    const RADIX: bool = true;
    fn to_radix(self) -> u64 {
        self
    }
}

impl RadixKey for u32 {
    const RADIX: bool = true;
    fn to_radix(self) -> u64 {
        self as u64
    }
}

impl RadixKey for qcore::Guid {
    const RADIX: bool = false;
    fn to_radix(self) -> u64 {
        0
    }
}

/// Stable LSD radix grade of `u64` keys. The bits that differ between keys,
/// or the keys less the smallest, whichever is narrower (at most
/// [`PACKED_BITS`] bits, else the keys come back: [`bucket_grade`] is
/// faster then) make a narrow key, which goes above the item's index in
/// one `u64`: dropping bits that every key shares keeps the order, and the
/// index in the low bits rides along with no second array. Each pass sorts one digit of up to [`DIGIT_BITS`] bits (three
/// passes for 32 bits, against four of a byte), and the grade is the low
/// bits of the result, in the same buffer.
pub(crate) fn radix_grade(keys: Vec<u64>) -> Result<Vec<usize>, Vec<u64>> {
    use rayon::prelude::*;
    let n = keys.len();
    let step = par::sort_piece_len(n);
    let Some(&first) = keys.first() else {
        return Ok(Vec::new());
    };
    // the bits where some key differs from the first, and the keys' range
    let scan = |ks: &[u64]| {
        ks.iter().fold((0u64, u64::MAX, 0u64), |(m, l, h), &k| {
            (m | (k ^ first), l.min(k), h.max(k))
        })
    };
    let (varying, lo, hi) = match step {
        None => scan(&keys),
        Some(step) => keys.par_chunks(step).map(scan).reduce(
            || (0, u64::MAX, 0),
            |a, b| (a.0 | b.0, a.1.min(b.1), a.2.max(b.2)),
        ),
    };
    if varying == 0 {
        return Ok((0..n).collect());
    }
    // a narrow key either way, both keeping the order: the key less the
    // smallest (small values of both signs), or the bits that vary (nulls
    // beside small values: the top bit and the low ones)
    let span = 64 - (hi - lo).leading_zeros();
    let bits = varying.count_ones().min(span);
    let ib = index_bits(n);
    if bits > PACKED_BITS || bits + ib > 64 {
        return Err(keys);
    }
    // the runs of bits kept, lowest first: (shift in the key, width)
    let mut runs: Vec<(u32, u32)> = Vec::new();
    let base = if span <= varying.count_ones() {
        runs.push((0, span));
        lo
    } else {
        let mut m = varying;
        while m != 0 {
            let s = m.trailing_zeros();
            let w = (m >> s).trailing_ones();
            runs.push((s, w));
            m &= if s + w == 64 { 0 } else { !0u64 << (s + w) };
        }
        0
    };
    let squeeze = |k: u64| {
        let k = k - base;
        let mut out = 0u64;
        let mut at = 0u32;
        for &(s, w) in &runs {
            out |= ((k >> s) & ((1u64 << w) - 1)) << at;
            at += w;
        }
        out
    };
    let mut keys = keys;
    let pack = |(i, k): (usize, &mut u64)| *k = (squeeze(*k) << ib) | i as u64;
    match step {
        None => keys.iter_mut().enumerate().for_each(pack),
        Some(step) => keys
            .par_iter_mut()
            .enumerate()
            .with_min_len(step / 4)
            .for_each(pack),
    };
    Ok(radix_packed(keys, ib, bits))
}

/// The stable grade of keys packed as [`radix_grade`] packs them: each
/// item's `bits`-bit key above its index's `ib` bits (`bits + ib` at most
/// 64), the items in index order. LSD passes of up to [`DIGIT_BITS`] bits
/// over the key bits, then the indexes are the low bits, in place.
pub(super) fn radix_packed(mut keys: Vec<u64>, ib: u32, bits: u32) -> Vec<usize> {
    use rayon::prelude::*;
    let n = keys.len();
    let step = par::sort_piece_len(n);
    if bits > 0 {
        let passes = bits.div_ceil(DIGIT_BITS);
        let width = bits.div_ceil(passes);
        let mut tmp: Vec<u64> = vec![0; n];
        let mut lo = 0;
        while lo < bits {
            let w = width.min(bits - lo);
            // the last pass keeps only the indexes
            let keep = if lo + w == bits {
                (1u64 << ib) - 1
            } else {
                u64::MAX
            };
            if !packed_pass(&keys, &mut tmp, ib + lo, w, keep, step.unwrap_or(n)) {
                // stopped: the result is dropped
                return (0..n).collect();
            }
            std::mem::swap(&mut keys, &mut tmp);
            lo += w;
        }
    } else {
        let low = (1u64 << ib) - 1;
        let unpack = |k: &mut u64| *k &= low;
        match step {
            None => keys.iter_mut().for_each(unpack),
            Some(step) => keys.par_iter_mut().with_min_len(step / 4).for_each(unpack),
        }
    }
    into_usize(keys)
}

/// Most varying key bits [`radix_grade`] sorts (three passes).
pub(super) const PACKED_BITS: u32 = 32;

/// Widest digit of a [`radix_grade`] pass: its count table (2048 entries)
/// stays in the first-level cache.
const DIGIT_BITS: u32 = 11;

/// Indexes held as `u64`s as `usize`s: the same buffer where the two have
/// one layout (64-bit targets), else a copy.
fn into_usize(v: Vec<u64>) -> Vec<usize> {
    qstorage::bytemuck::allocation::try_cast_vec(v)
        .unwrap_or_else(|(_, v)| v.into_iter().map(|k| k as usize).collect())
}

/// One stable LSD pass of [`radix_grade`]: `src` scattered into `dst` by
/// the `width` bits at `shift`, each item written as its bits in `keep`. Every piece of `step` rows counts its
/// digits, then fills its own segment of each digit's run, after the
/// earlier pieces' segments (the order of one sequential pass); the pieces
/// run on the pool. `false` when a stop signal cut the pass short.
pub(super) fn packed_pass(
    src: &[u64],
    dst: &mut [u64],
    shift: u32,
    width: u32,
    keep: u64,
    step: usize,
) -> bool {
    use rayon::prelude::*;
    let nd = 1usize << width;
    let mask = (nd - 1) as u64;
    let digit = |k: u64| ((k >> shift) & mask) as usize;
    let count = |c: &[u64]| {
        let mut k = vec![0usize; nd];
        for &x in c {
            k[digit(x)] += 1;
        }
        k
    };
    let scatter = |c: &[u64], mut seg: Vec<&mut [u64]>| {
        let mut fill = vec![0usize; nd];
        for ks in c.chunks(qcore::budget::CHUNK) {
            if qcore::budget::stopping() {
                return;
            }
            for &k in ks {
                let d = digit(k);
                let f = fill[d];
                seg[d][f] = k & keep;
                fill[d] = f + 1;
            }
        }
    };
    let one = step >= src.len();
    let counts: Vec<Vec<usize>> = if one {
        vec![count(src)]
    } else {
        src.par_chunks(step).map(count).collect()
    };
    let mut segs: Vec<Vec<&mut [u64]>> = counts.iter().map(|_| Vec::with_capacity(nd)).collect();
    let mut rest: &mut [u64] = dst;
    for d in 0..nd {
        for (p, k) in counts.iter().enumerate() {
            let (seg, tail) = rest.split_at_mut(k[d]);
            segs[p].push(seg);
            rest = tail;
        }
    }
    if one {
        if let Some(seg) = segs.pop() {
            scatter(src, seg);
        }
    } else {
        src.par_chunks(step)
            .zip(segs.into_par_iter())
            .for_each(|(c, seg)| scatter(c, seg));
    }
    !qcore::budget::stopping()
}

/// Buckets of [`bucket_grade`]: the top bits of the key range.
const BUCKET_BITS: u32 = 16;

/// Stable grade of `u64` keys whose bytes mostly vary (random floats, wide
/// longs): one scatter of `(key, index)` pairs into 2^16 buckets by the top
/// bits of the key range, then every bucket sorted on its own, the buckets
/// spread over the cores. Buckets are small enough to sort in cache. The
/// pairs are distinct, so an unstable sort of each bucket gives the stable
/// grade. A stop signal leaves the remaining buckets unsorted (the caller
/// drops the result).
pub(crate) fn bucket_grade(keys: Vec<u64>) -> Vec<usize> {
    use rayon::prelude::*;
    let n = keys.len();
    let (lo, hi) = keys
        .par_chunks(qcore::budget::CHUNK)
        .map(|c| {
            c.iter()
                .fold((u64::MAX, 0u64), |(l, h), &k| (l.min(k), h.max(k)))
        })
        .reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    if n == 0 || lo == hi {
        return (0..n).collect();
    }
    let span_bits = 64 - (hi - lo).leading_zeros();
    let shift = span_bits.saturating_sub(BUCKET_BITS);
    let bucket = |k: u64| ((k - lo) >> shift) as usize;
    let mut pairs: Vec<(u64, u32)> = vec![(0, 0); n];
    let bounds = match par::sort_piece_len(n) {
        // per-piece count tables no bigger than the rows
        Some(step) if (1usize << BUCKET_BITS) * n.div_ceil(step) <= n => {
            bucket_scatter_par(&keys, &mut pairs, step, bucket)
        }
        _ => match bucket_scatter(&keys, &mut pairs, bucket) {
            Some(b) => b,
            None => return (0..n).collect(),
        },
    };
    drop(keys);
    let mut parts: Vec<&mut [(u64, u32)]> = Vec::with_capacity(1 << BUCKET_BITS);
    let mut rest: &mut [(u64, u32)] = &mut pairs;
    for w in bounds.windows(2) {
        let (part, tail) = rest.split_at_mut(w[1] - w[0]);
        if part.len() > 1 {
            parts.push(part);
        }
        rest = tail;
    }
    parts.into_par_iter().for_each(|p| {
        if !qcore::budget::stopping() {
            sort_stoppable(p, false, <(u64, u32)>::cmp);
        }
    });
    if qcore::budget::stopping() {
        return (0..n).collect();
    }
    par::sort_map(&pairs, |(_, i)| i as usize)
}

/// The scatter of [`bucket_grade`] on one thread: the buckets' bounds, or
/// `None` on a stop signal.
pub(super) fn bucket_scatter(
    keys: &[u64],
    pairs: &mut [(u64, u32)],
    bucket: impl Fn(u64) -> usize,
) -> Option<Vec<usize>> {
    let mut start = vec![0usize; (1 << BUCKET_BITS) + 1];
    for ks in keys.chunks(qcore::budget::CHUNK) {
        for &k in ks {
            start[bucket(k) + 1] += 1;
        }
        if qcore::budget::stopping() {
            return None;
        }
    }
    for b in 1..start.len() {
        start[b] += start[b - 1];
    }
    let bounds = start.clone();
    for (c, ks) in keys.chunks(qcore::budget::CHUNK).enumerate() {
        let base = c * qcore::budget::CHUNK;
        for (j, &k) in ks.iter().enumerate() {
            let b = bucket(k);
            pairs[start[b]] = (k, (base + j) as u32);
            start[b] += 1;
        }
        if qcore::budget::stopping() {
            return None;
        }
    }
    Some(bounds)
}

/// The scatter of [`bucket_grade`] on the pool: each piece of `step` rows
/// counts its buckets, then fills its own segment of every bucket, after
/// the earlier pieces' segments (so each bucket holds its pairs in row
/// order, as on one thread). Returns the buckets' bounds.
pub(super) fn bucket_scatter_par(
    keys: &[u64],
    pairs: &mut [(u64, u32)],
    step: usize,
    bucket: impl Fn(u64) -> usize + Sync,
) -> Vec<usize> {
    use rayon::prelude::*;
    let nb = 1usize << BUCKET_BITS;
    let counts: Vec<Vec<usize>> = keys
        .par_chunks(step)
        .map(|c| {
            let mut k = vec![0usize; nb];
            for &x in c {
                k[bucket(x)] += 1;
            }
            k
        })
        .collect();
    let mut bounds = vec![0usize; nb + 1];
    for b in 0..nb {
        bounds[b + 1] = bounds[b] + counts.iter().map(|k| k[b]).sum::<usize>();
    }
    let mut segs: Vec<Vec<&mut [(u64, u32)]>> =
        counts.iter().map(|_| Vec::with_capacity(nb)).collect();
    let mut rest: &mut [(u64, u32)] = pairs;
    for b in 0..nb {
        for (p, k) in counts.iter().enumerate() {
            let (seg, tail) = rest.split_at_mut(k[b]);
            segs[p].push(seg);
            rest = tail;
        }
    }
    keys.par_chunks(step)
        .zip(segs.into_par_iter())
        .enumerate()
        .for_each(|(p, (c, mut seg))| {
            if qcore::budget::stopping() {
                return;
            }
            let mut fill = vec![0usize; nb];
            let base = p * step;
            for (j, &k) in c.iter().enumerate() {
                let b = bucket(k);
                let f = fill[b];
                seg[b][f] = (k, (base + j) as u32);
                fill[b] = f + 1;
            }
        });
    bounds
}

/// Counting sort for one-byte items (bool, byte, char).
pub(crate) fn grade_u8(b: &[u8], desc: bool) -> Vec<usize> {
    let mut counts = [0usize; 256];
    for &x in b {
        counts[x as usize] += 1;
    }
    let mut start = [0usize; 256];
    let mut acc = 0;
    for k in 0..256 {
        let key = if desc { 255 - k } else { k };
        start[key] = acc;
        acc += counts[key];
    }
    let mut out = vec![0usize; b.len()];
    for (i, &x) in b.iter().enumerate() {
        out[start[x as usize]] = i;
        start[x as usize] += 1;
    }
    out
}

/// Ranks of the distinct symbols of `b` by text: `rank[i]` orders `b[i]`.
pub(crate) fn sym_ranks(b: &[Sym]) -> Vec<u32> {
    // dense symbol ids: a table indexed by id instead of a hash per item
    let max = match par::sort_piece_len(b.len()) {
        None => b.iter().map(|s| s.0).max().unwrap_or(0),
        Some(step) => {
            use rayon::prelude::*;
            b.par_chunks(step)
                .map(|c| c.iter().map(|s| s.0).max().unwrap_or(0))
                .max()
                .unwrap_or(0)
        }
    } as usize;
    if b.len() >= RADIX_MIN && max < 4 * b.len() + (1 << 16) {
        let mut slot = vec![u32::MAX; max + 1];
        let mut uniq: Vec<Sym> = Vec::new();
        match par::sort_piece_len(b.len()) {
            // each piece marks the ids it holds; the marks are merged
            Some(step) if (max + 1).saturating_mul(b.len().div_ceil(step)) <= b.len() => {
                use rayon::prelude::*;
                let seen = b
                    .par_chunks(step)
                    .map(|c| {
                        let mut m = vec![false; max + 1];
                        for s in c {
                            m[s.0 as usize] = true;
                        }
                        m
                    })
                    .reduce(
                        || vec![false; max + 1],
                        |mut a, m| {
                            for (x, y) in a.iter_mut().zip(m) {
                                *x |= y;
                            }
                            a
                        },
                    );
                for (id, _) in seen.iter().enumerate().filter(|(_, s)| **s) {
                    slot[id] = 0;
                    uniq.push(Sym(id as u32));
                }
            }
            _ => {
                for &s in b {
                    let e = &mut slot[s.0 as usize];
                    if *e == u32::MAX {
                        *e = 0;
                        uniq.push(s);
                    }
                }
            }
        }
        let mut texts: Vec<(&'static str, Sym)> = uniq.iter().map(|&s| (s.as_str(), s)).collect();
        texts.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (r, (_, s)) in texts.iter().enumerate() {
            slot[s.0 as usize] = r as u32;
        }
        return par::sort_map(b, |s| slot[s.0 as usize]);
    }
    let mut seen: hashbrown::HashMap<Sym, u32, foldhash::fast::FixedState> =
        hashbrown::HashMap::default();
    let mut uniq: Vec<Sym> = Vec::new();
    for &s in b {
        seen.entry(s).or_insert_with(|| {
            uniq.push(s);
            0
        });
    }
    let mut texts: Vec<(&'static str, Sym)> = uniq.iter().map(|&s| (s.as_str(), s)).collect();
    texts.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (r, (_, s)) in texts.iter().enumerate() {
        seen.insert(*s, r as u32);
    }
    b.iter()
        .map(|s| seen.get(s).copied().unwrap_or(0))
        .collect()
}

pub(crate) fn grade_syms(b: &[Sym], desc: bool) -> Vec<usize> {
    let ranks = sym_ranks(b);
    let m = ranks.iter().copied().max().map_or(0, |r| r as usize + 1);
    if b.len() >= RADIX_MIN && m <= 1 << 16 {
        return counting_grade(&ranks, m, desc);
    }
    grade_keys(&ranks, desc, |x| x)
}

/// Stable counting-sort grade of small dense keys (`k < m`): one counting
/// pass and one scatter.
pub(crate) fn counting_grade(keys: &[u32], m: usize, desc: bool) -> Vec<usize> {
    if let Some(step) = par::sort_piece_len(keys.len()) {
        // the pool's counting sort of rows by group, descending keys
        // numbered from the top
        let flipped;
        let ids = if desc {
            flipped = par::sort_map(keys, |k| (m - 1) as u32 - k);
            &flipped[..]
        } else {
            keys
        };
        let (_, rows) = par::bucket_in(ids, m, Some(step));
        return par::sort_map(&rows, |i| i as usize);
    }
    let mut start = vec![0usize; m];
    for &k in keys {
        start[k as usize] += 1;
    }
    let mut acc = 0;
    for r in 0..m {
        let k = if desc { m - 1 - r } else { r };
        let c = start[k];
        start[k] = acc;
        acc += c;
    }
    let mut out = vec![0usize; keys.len()];
    for (i, &k) in keys.iter().enumerate() {
        let d = &mut start[k as usize];
        out[*d] = i;
        *d += 1;
    }
    out
}
