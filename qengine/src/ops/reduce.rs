//! Exact aggregate kernels behind `sum min max`: long
//! and int sums (nulls as 0, wrapping as q), extremes ignoring nulls
//! (`0W`/`-0W`, `0w`/`-0w` when every item is null), and the widening of
//! integral and real items for them. Large inputs ([`PAR_ITEMS`]) are
//! folded in parallel pieces on the rayon pool: integer addition and
//! extremes do not depend on the order. Float sums go through
//! `ops/lanes.rs` instead, whose fixed blocks split in their own way.

use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::VecData;
use qcore::Vector;
use qcore::sentinel::NH;
use qcore::sentinel::NI;
use qcore::sentinel::NJ;

// ---------------------------------------------------------------------------
// Kernels
// ---------------------------------------------------------------------------

/// Items from which the exact integer aggregates (`sum`, `min`, `max` of
/// longs and ints) split across cores. Wrapping sums and min/max are
/// associative, so the split never changes a result (float sums split by
/// their fixed blocks, `ops/lanes.rs`).
pub(crate) const PAR_ITEMS: usize = 1 << 21;

/// Items per piece when an aggregate is split (a few per core, so a core
/// slowed by other work does not hold the others up).
pub(crate) const PAR_PIECE: usize = 1 << 19;

/// Folds `xs` with `seq` in parallel pieces combined by `join`, or with
/// `seq` alone below [`PAR_ITEMS`].
pub(crate) fn par_fold<T: Sync, R: Send + Copy>(
    xs: &[T],
    seq: fn(&[T]) -> R,
    join: impl Fn(R, R) -> R + Sync + Send,
) -> R {
    use rayon::prelude::*;
    if xs.len() < PAR_ITEMS {
        return seq(xs);
    }
    xs.par_chunks(PAR_PIECE)
        .map(seq)
        .reduce_with(&join)
        .unwrap_or_else(|| seq(&[]))
}

/// Sum of longs, nulls as 0 (wrapping, as q).
pub fn sum_i64(xs: &[i64]) -> i64 {
    par_fold(xs, sum_i64_seq, i64::wrapping_add)
}

/// Adds every item, nulls too, and corrects for the nulls afterwards: a
/// null is `-2^63`, so `k` nulls add `k * 2^63`, which modulo `2^64` is
/// the top bit when `k` is odd. Only the parity of the nulls is kept: the
/// top bit of `(x - 1) & !x` is set exactly when `x` (the item XOR `0N`)
/// is 0. All of it is 64-bit add, and, xor, which SSE2 has, so the loop
/// vectorises (3 instructions an item); the plain `v == 0N` compare is a
/// 64-bit compare SSE2 lacks, and LLVM left that loop scalar (4.6).
pub(crate) fn sum_i64_seq(xs: &[i64]) -> i64 {
    /// The rows of eight into the lanes, kept in locals for the
    /// loop (through the references, LLVM kept them in memory: 1.7 times
    /// the instructions).
    #[inline(always)]
    fn rows(xs: &[i64], acc: &mut [i64; 8], odd: &mut [i64; 8]) {
        let (mut a, mut o) = (*acc, *odd);
        for c in xs.chunks_exact(8) {
            for k in 0..8 {
                let v = c[k];
                a[k] = a[k].wrapping_add(v);
                let x = v ^ NJ;
                o[k] ^= x.wrapping_sub(1) & !x;
            }
        }
        (*acc, *odd) = (a, o);
    }
    let mut acc = [0i64; 8];
    let mut odd = [0i64; 8];
    rows(xs, &mut acc, &mut odd);
    let all = acc.iter().fold(0i64, |a, &b| a.wrapping_add(b));
    let nulls_odd = odd.iter().fold(0i64, |a, &b| a ^ b) & NJ;
    // adding 2^63 modulo 2^64 flips the top bit
    let mut s = all ^ nulls_odd;
    for &v in xs.chunks_exact(8).remainder() {
        s = s.wrapping_add(if v == NJ { 0 } else { v });
    }
    s
}

/// Sum of ints into a long, nulls as 0.
pub fn sum_i32(xs: &[i32]) -> i64 {
    par_fold(xs, sum_i32_seq, i64::wrapping_add)
}

pub(crate) fn sum_i32_seq(xs: &[i32]) -> i64 {
    let mut acc = [0i64; 8];
    let chunks = xs.chunks_exact(8);
    let rem = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            let v = c[k];
            acc[k] = acc[k].wrapping_add(if v == NI { 0 } else { v as i64 });
        }
    }
    let mut s = acc.iter().fold(0i64, |a, &b| a.wrapping_add(b));
    for &v in rem {
        s = s.wrapping_add(if v == NI { 0 } else { v as i64 });
    }
    s
}

/// Largest (`max`) or smallest long ignoring nulls; `-0W`/`0W` when none.
pub fn minmax_i64(xs: &[i64], max: bool) -> i64 {
    if max {
        par_fold(xs, minmax_i64_by::<true>, i64::max)
    } else {
        par_fold(xs, minmax_i64_by::<false>, i64::min)
    }
}

/// One thread's extreme (the tests' reference for the split).
#[cfg(test)]
pub(crate) fn minmax_i64_seq(xs: &[i64], max: bool) -> i64 {
    if max {
        minmax_i64_by::<true>(xs)
    } else {
        minmax_i64_by::<false>(xs)
    }
}

/// [`minmax_i64_seq`] with the direction a constant, so that each
/// direction's loop vectorises without a branch inside.
fn minmax_i64_by<const MAX: bool>(xs: &[i64]) -> i64 {
    /// The rows of eight into the lanes (locals in the loop, as
    /// in [`sum_i64_seq`]).
    #[inline(always)]
    fn rows<const MAX: bool>(xs: &[i64], acc: &mut [i64; 8], init: i64) {
        let mut a = *acc;
        for c in xs.chunks_exact(8) {
            for k in 0..8 {
                let v = c[k];
                let v = if v == NJ { init } else { v };
                let beyond = if MAX { v > a[k] } else { v < a[k] };
                a[k] = if beyond { v } else { a[k] };
            }
        }
        *acc = a;
    }
    let init = if MAX { -i64::MAX } else { i64::MAX };
    let mut acc = [init; 8];
    rows::<MAX>(xs, &mut acc, init);
    let mut m = init;
    for &v in acc.iter().chain(xs.chunks_exact(8).remainder()) {
        if v != NJ && ((MAX && v > m) || (!MAX && v < m)) {
            m = v;
        }
    }
    m
}

/// Largest (`max`) or smallest float ignoring nulls; `-0w`/`0w` when none.
///
/// Eight lanes, item `i` in lane `i mod 8`, each keeping the first item
/// beyond the ones before it; then the lanes and the last `len mod 8`
/// items in that order. Which of `0f` and `-0f` comes out depends on that
/// order, so a long input splits on the pool into pieces of whole lane
/// rows whose lanes are joined lane by lane in piece order, by the same
/// rule (associative): the one pass's answer to the bit.
pub fn minmax_f64(xs: &[f64], max: bool) -> f64 {
    use rayon::prelude::*;
    let init = if max {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    let rows = xs.len() - xs.len() % 8;
    let (body, rem) = xs.split_at(rows);
    let lanes = if xs.len() < PAR_ITEMS {
        minmax_f64_lanes(body, max)
    } else {
        body.par_chunks(PAR_PIECE)
            .map(|p| minmax_f64_lanes(p, max))
            .reduce_with(|a, b| std::array::from_fn(|k| keep_f64(a[k], b[k], max)))
            .unwrap_or([init; 8])
    };
    let mut m = init;
    for &v in lanes.iter().chain(rem.iter()) {
        if !v.is_nan() {
            m = keep_f64(m, v, max);
        }
    }
    m
}

/// `a`, unless `b` is beyond it (greater for `max`, else smaller).
#[inline(always)]
fn keep_f64(a: f64, b: f64, max: bool) -> f64 {
    if (max && b > a) || (!max && b < a) {
        b
    } else {
        a
    }
}

/// The eight lanes of [`minmax_f64`] over `xs`, whose length is a multiple
/// of 8; nulls leave a lane as it is, and a lane no item reached is
/// `-0w` (`max`) or `0w`.
fn minmax_f64_lanes(xs: &[f64], max: bool) -> [f64; 8] {
    #[inline(always)]
    fn rows(xs: &[f64], acc: &mut [f64; 8], max: bool, init: f64) {
        let mut a = *acc;
        for c in xs.chunks_exact(8) {
            for k in 0..8 {
                let v = c[k];
                let v = if v.is_nan() { init } else { v };
                a[k] = keep_f64(a[k], v, max);
            }
        }
        *acc = a;
    }
    let init = if max {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    let mut acc = [init; 8];
    rows(xs, &mut acc, max, init);
    acc
}

/// Integral items widened to i64 for the aggregates: nulls become
/// `i64::MIN`, infinities keep their plain value (`0Wh` sums as 32767), so
/// unlike `Vector::to_i64_vec` and `ops::compare::raw_ints`; floats are
/// `'type`.
pub(crate) fn agg_ints(v: &Vector) -> QResult<Vec<i64>> {
    Ok(match v.data() {
        VecData::U8(b) => b.iter().map(|&x| x as i64).collect(),
        VecData::I16(b) => b
            .iter()
            .map(|&x| if x == NH { NJ } else { x as i64 })
            .collect(),
        VecData::I32(b) => b
            .iter()
            .map(|&x| if x == NI { NJ } else { x as i64 })
            .collect(),
        VecData::I64(b) => b.to_vec(),
        _ => return Err(QError::type_()),
    })
}

/// Float items (real widened) for the aggregates; empty for other types.
pub(crate) fn agg_floats(v: &Vector) -> Vec<f64> {
    match v.data() {
        VecData::F32(b) => b.iter().map(|&x| x as f64).collect(),
        VecData::F64(b) => b.to_vec(),
        _ => vec![],
    }
}

/// A vector of type `rt` from running i64 results.
pub(crate) fn ints_to(rt: Ty, v: Vec<i64>) -> Vector {
    crate::ops::arith::vector_from_i64(rt, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lengths around a lane row, a piece and the split threshold.
    fn lengths() -> Vec<usize> {
        let mut n = vec![0, 1, 7, 8, 9, 511, 512, 515];
        n.extend([1541, PAR_PIECE + 9, PAR_ITEMS + 1537]);
        n
    }

    /// The lane-wise scans give the plain loops' answers:
    /// sums and extremes of longs with nulls, at every length.
    #[test]
    fn long_scans_are_the_plain_loops() {
        for n in lengths() {
            let xs: Vec<i64> = (0..n as i64)
                .map(|i| {
                    if i % 1009 == 3 {
                        NJ
                    } else {
                        (i * 7919) % 100_003 - 50_000
                    }
                })
                .collect();
            let sum = xs
                .iter()
                .fold(0i64, |a, &v| a.wrapping_add(if v == NJ { 0 } else { v }));
            assert_eq!(sum_i64_seq(&xs), sum, "sum n {n}");
            assert_eq!(sum_i64(&xs), sum, "sum n {n}");
            let live = xs.iter().copied().filter(|&v| v != NJ);
            let hi = live.clone().max().unwrap_or(-i64::MAX);
            let lo = live.min().unwrap_or(i64::MAX);
            assert_eq!(minmax_i64(&xs, true), hi, "max n {n}");
            assert_eq!(minmax_i64(&xs, false), lo, "min n {n}");
        }
    }

    /// The one-pass lane order of a float extreme, written out plainly.
    fn minmax_f64_plain(xs: &[f64], max: bool) -> f64 {
        let init = if max {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        let mut acc = [init; 8];
        let rows = xs.len() - xs.len() % 8;
        for (i, &v) in xs[..rows].iter().enumerate() {
            let v = if v.is_nan() { init } else { v };
            acc[i % 8] = keep_f64(acc[i % 8], v, max);
        }
        let mut m = init;
        for &v in acc.iter().chain(&xs[rows..]) {
            if !v.is_nan() {
                m = keep_f64(m, v, max);
            }
        }
        m
    }

    /// A float extreme split on the pool has the one pass's bits, `0f`
    /// against `-0f` too, whatever the pieces.
    #[test]
    fn float_extremes_on_the_pool_are_the_one_pass() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("pool");
        for n in lengths() {
            // zeros of both signs in every lane, nulls, and no other items
            // beyond them, so which zero wins is the order's
            let xs: Vec<f64> = (0..n)
                .map(|i| match (i * 31 + i / 8) % 5 {
                    0 => f64::NAN,
                    1 | 2 => 0.0,
                    _ => -0.0,
                })
                .collect();
            for max in [true, false] {
                let want = minmax_f64_plain(&xs, max);
                let got = pool.install(|| minmax_f64(&xs, max));
                assert_eq!(got.to_bits(), want.to_bits(), "n {n} max {max}");
            }
            let ys: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1013) as f64 - 500.5).collect();
            for max in [true, false] {
                let got = pool.install(|| minmax_f64(&ys, max));
                assert_eq!(got.to_bits(), minmax_f64_plain(&ys, max).to_bits());
            }
        }
        assert!(minmax_f64(&[f64::NAN; 20], true) == f64::NEG_INFINITY);
    }
}
