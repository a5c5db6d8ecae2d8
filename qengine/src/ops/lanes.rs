//! The one float sum: eight lanes in a fixed order.
//!
//! q's `sum`/`avg`/`wsum` of floats depend on the order the items are
//! added. The interpreter ([`crate::ops::reduce`]) and the compiled core
//! ([`crate::query::kernel`]) both add through [`Lanes`], so a compiled
//! query is bit-identical to the interpreted one: item `j` of a complete
//! block of eight goes to lane `j % 8`, the lanes are combined pairwise,
//! then the last `n % 8` items are added in order. Nulls add `+0.0`,
//! which gives the same bits as skipping them (the lanes start at `+0.0`,
//! so they are never `-0.0`).

use qcore::sentinel::NJ;

/// An item the lanes can add: a float (NaN is null) or a long (`0N` is
/// null, the rest converted `as f64`).
pub trait LaneItem: Copy {
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

/// A running float sum and count of non-null items, added in lane order.
/// Items can arrive one at a time ([`Lanes::push`]) or as slices
/// ([`Lanes::extend`]) in any mix: the additions are the same.
#[derive(Clone, Copy, Default, Debug)]
pub struct Lanes {
    acc: [f64; 8],
    pend: [f64; 8],
    np: u8,
    cnt: i64,
}

impl Lanes {
    /// Adds one item.
    #[inline]
    pub fn push<T: LaneItem>(&mut self, v: T) {
        let (v, ok) = v.lane();
        self.pend[self.np as usize] = v;
        self.cnt += ok as i64;
        self.np += 1;
        if self.np == 8 {
            for k in 0..8 {
                self.acc[k] += self.pend[k];
            }
            self.np = 0;
        }
    }

    /// [`Lanes::push`] of each item of `x`, whole blocks of eight added to
    /// the lanes directly (branch-free, so the loop vectorises).
    pub fn extend<T: LaneItem>(&mut self, x: &[T]) {
        let k = x.len().min((8 - self.np as usize) % 8);
        for &v in &x[..k] {
            self.push(v);
        }
        let blocks = x[k..].chunks_exact(8);
        let rem = blocks.remainder();
        let (mut acc, mut cnt) = (self.acc, [0i64; 8]);
        for c in blocks {
            for j in 0..8 {
                let (v, ok) = c[j].lane();
                acc[j] += v;
                cnt[j] += ok as i64;
            }
        }
        self.acc = acc;
        self.cnt += cnt.iter().sum::<i64>();
        for &v in rem {
            self.push(v);
        }
    }

    /// The sum of the items so far.
    pub fn total(&self) -> f64 {
        let a = self.acc;
        let mut s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
        for &v in &self.pend[..self.np as usize] {
            s += v;
        }
        s
    }

    /// How many non-null items were added.
    pub fn count(&self) -> i64 {
        self.cnt
    }
}

/// Sum of floats, nulls as 0.
pub fn sum_f64(xs: &[f64]) -> f64 {
    let mut l = Lanes::default();
    l.extend(xs);
    l.total()
}

/// Sum (as float) and count of the non-null items.
pub fn sum_count<T: LaneItem>(xs: &[T]) -> (f64, i64) {
    let mut l = Lanes::default();
    l.extend(xs);
    (l.total(), l.count())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Items pushed one by one, in slices of every split, or all at once
    /// give the same bits.
    #[test]
    fn any_split_adds_the_same() {
        let xs: Vec<f64> = (0..53)
            .map(|i| if i % 7 == 3 { f64::NAN } else { 0.1 * i as f64 - 1.3 })
            .collect();
        let whole = sum_count(&xs);
        for cut in 0..xs.len() {
            let mut l = Lanes::default();
            l.extend(&xs[..cut]);
            for &v in &xs[cut..cut + (xs.len() - cut).min(3)] {
                l.push(v);
            }
            l.extend(&xs[cut + (xs.len() - cut).min(3)..]);
            assert_eq!((l.total().to_bits(), l.count()), (whole.0.to_bits(), whole.1));
        }
    }

    #[test]
    fn nulls_and_empty() {
        assert_eq!(sum_count::<f64>(&[]), (0.0, 0));
        assert_eq!(sum_count(&[NJ, 1, NJ, 2]), (3.0, 2));
        assert_eq!(sum_f64(&[f64::NAN; 9]).to_bits(), 0f64.to_bits());
        let v: Vec<f64> = (1..=20).map(|i| i as f64).collect();
        assert_eq!(sum_f64(&v), 210.0);
    }
}
