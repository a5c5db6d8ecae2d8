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
    let mut acc = [0i64; 8];
    let mut odd = [0i64; 8];
    let chunks = xs.chunks_exact(8);
    let rem = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            let v = c[k];
            acc[k] = acc[k].wrapping_add(v);
            let x = v ^ NJ;
            odd[k] ^= x.wrapping_sub(1) & !x;
        }
    }
    let all = acc.iter().fold(0i64, |a, &b| a.wrapping_add(b));
    let nulls_odd = odd.iter().fold(0i64, |a, &b| a ^ b) & NJ;
    // adding 2^63 modulo 2^64 flips the top bit
    let mut s = all ^ nulls_odd;
    for &v in rem {
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
        par_fold(xs, |p| minmax_i64_seq(p, true), i64::max)
    } else {
        par_fold(xs, |p| minmax_i64_seq(p, false), i64::min)
    }
}

pub(crate) fn minmax_i64_seq(xs: &[i64], max: bool) -> i64 {
    let init = if max { -i64::MAX } else { i64::MAX };
    let mut acc = [init; 8];
    let chunks = xs.chunks_exact(8);
    let rem = chunks.remainder();
    if max {
        for c in chunks {
            for k in 0..8 {
                let v = c[k];
                let v = if v == NJ { init } else { v };
                acc[k] = if v > acc[k] { v } else { acc[k] };
            }
        }
    } else {
        for c in chunks {
            for k in 0..8 {
                let v = c[k];
                let v = if v == NJ { init } else { v };
                acc[k] = if v < acc[k] { v } else { acc[k] };
            }
        }
    }
    let mut m = init;
    for &v in acc.iter().chain(rem.iter()) {
        if v != NJ && ((max && v > m) || (!max && v < m)) {
            m = v;
        }
    }
    m
}

/// Largest (`max`) or smallest float ignoring nulls; `-0w`/`0w` when none.
pub fn minmax_f64(xs: &[f64], max: bool) -> f64 {
    let init = if max {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    let mut acc = [init; 8];
    let chunks = xs.chunks_exact(8);
    let rem = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            let v = c[k];
            let v = if v.is_nan() { init } else { v };
            acc[k] = if (max && v > acc[k]) || (!max && v < acc[k]) {
                v
            } else {
                acc[k]
            };
        }
    }
    let mut m = init;
    for &v in acc.iter().chain(rem.iter()) {
        if !v.is_nan() && ((max && v > m) || (!max && v < m)) {
            m = v;
        }
    }
    m
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
