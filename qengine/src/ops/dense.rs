//! Dense composite group ids: grouping integer-like keys without hashing.
//!
//! When every key column is integer-like (booleans, bytes, chars, shorts,
//! ints, longs and the temporal types stored as them, symbol ids) and the
//! product of the columns' value ranges is small, each row's key maps to
//! a composite id `Σ index_c * stride_c` below that product, and a table
//! indexed by id (first-seen flags, or group numbers) replaces the hash
//! table. Both the interpreter (`group`, `distinct`, set operations, its
//! qSQL `by`, through [`dense_ids`]) and the compiled core
//! (`query::kernel::exec`'s `by`, a slot → group table per worker, filled
//! chunk by chunk) group this way; this file is the one engine they
//! share, so the two cannot disagree about which keys are equal or when
//! a table is small enough:
//!
//! 1. [`Col`]: a column as typed items (the compiled core's machine reads
//!    columns through it too).
//! 2. [`bounds`]: per column the least and greatest non-null item and
//!    whether a null occurs; gives up as soon as the range exceeds the
//!    budget, splits long columns across cores, reads only the ends of
//!    an `s#` column.
//! 3. [`DenseKey`]: item → index. A null takes index 0 when the column
//!    holds one (the others shift up by one); `step xbar` keys divide by
//!    the step with a multiply and a shift ([`Div`]).
//! 4. [`DensePlan`]: the keys with their strides (the first key varies
//!    fastest) and the number of slots, at most [`dense_limit`] (one
//!    policy, by [`Purpose`]).
//! 5. [`DensePlan::ids`]: the composite-id loop over a run of rows or a
//!    selection, one tight loop per case (first key or not, nulls or not,
//!    division or not, sorted with the current bucket cached). Bounds
//!    from a pass over every item are exact and trusted; an `s#` key's
//!    loop checks, and an item outside its bounds (the attribute lied)
//!    sets `bad`: the caller hashes instead.
//!
//! Everything here is a pure function of the columns: no interpreter.

use qcore::Sym;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;

// ---------------------------------------------------------------------------
// Columns

/// A column as typed items: what dense ids group and what the compiled
/// core's machine loads.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Col<'a> {
    U8(&'a [u8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    F64(&'a [f64]),
    Sym(&'a [Sym]),
}

impl<'a> Col<'a> {
    /// The view of a vector value (`None`: not a vector, or items of
    /// another width such as reals, guids, chars of a string list).
    pub(crate) fn of(c: &'a Value) -> Option<Col<'a>> {
        match c {
            Value::Vector(v) => Col::of_vec(v),
            _ => None,
        }
    }

    pub(crate) fn of_vec(v: &'a Vector) -> Option<Col<'a>> {
        Some(match v.data() {
            VecData::U8(b) => Col::U8(b),
            VecData::I16(b) => Col::I16(b),
            VecData::I32(b) => Col::I32(b),
            VecData::I64(b) => Col::I64(b),
            VecData::F64(b) => Col::F64(b),
            VecData::Sym(b) => Col::Sym(b),
            _ => return None,
        })
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Col::U8(b) => b.len(),
            Col::I16(b) => b.len(),
            Col::I32(b) => b.len(),
            Col::I64(b) => b.len(),
            Col::F64(b) => b.len(),
            Col::Sym(b) => b.len(),
        }
    }

    /// Item `r` as a key: integers widened (a null stays its type's least
    /// value), a symbol its id, a float its bits (equal keys are equal
    /// items, as `~` says for integers and symbols).
    #[inline]
    pub(crate) fn key_at(&self, r: usize) -> i64 {
        match self {
            Col::U8(b) => b[r] as i64,
            Col::I16(b) => b[r] as i64,
            Col::I32(b) => b[r] as i64,
            Col::I64(b) => b[r],
            Col::F64(b) => b[r].to_bits() as i64,
            Col::Sym(b) => b[r].0 as i64,
        }
    }

    /// The column's null and positive infinity as [`Col::key_at`] reads
    /// them (`i64::MIN`/`i64::MAX`, which never occur, for columns
    /// without).
    pub(crate) fn null_inf(&self) -> (i64, i64) {
        match self {
            Col::I16(_) => (i16::MIN as i64, i16::MAX as i64),
            Col::I32(_) => (i32::MIN as i64, i32::MAX as i64),
            _ => (i64::MIN, i64::MAX),
        }
    }

    /// `step xbar` of key `e` of this column as `crate::ops::divmod::xbar_fast`
    /// computes it: the null and the infinities of the column's width are
    /// kept.
    #[inline]
    pub(crate) fn bar(&self, step: i64, e: i64) -> i64 {
        let (null, inf) = self.null_inf();
        if e == null || e == inf || e == -inf {
            e
        } else {
            e - e.rem_euclid(step)
        }
    }
}

// ---------------------------------------------------------------------------
// Budget

/// What a dense slot table is for: it decides the table's size per row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// `distinct`: one first-seen flag (a byte) per slot.
    Distinct,
    /// The interpreter's group ids (`group`, `=`, `by`): one group number
    /// (`u32`) per slot, for the whole list at once.
    Groups,
    /// The compiled core's `by`: one slot → group table (`u32`) per
    /// worker, cleared once and reused for every chunk.
    Select,
}

/// The most slots a dense table may have for `n` rows, by [`Purpose`]:
///
/// | purpose | slot | bytes per row | at least | at most |
/// |---|---|---|---|---|
/// | `Distinct` | 1 byte | 8 | 256 | 2^32 |
/// | `Groups` | 4 bytes | 8 | 256 | 2^32 |
/// | `Select` | 4 bytes | 16 | 4096 (a chunk) | 2^22, or one slot a row |
///
/// The interpreter's tables cost at most 8 bytes a row, about what the
/// hash table they replace would (and never more than `u32` ids can
/// number). The compiled core's table is made once per worker and reused
/// across chunks, so it may be a little larger per row, but it stays
/// within 16 MiB a worker, or one slot a row for longer tables: past 16
/// MiB its clearing and cache misses cost more than hashing few, widely
/// spread keys, but a key with about as many values as rows (`sums
/// differ sym` on 10M rows: 9.9M groups) costs a hash table of that size
/// anyway, and its inserts cost far more than a slot table's (10.5 s
/// against 3.2 s at 10M rows, one thread, machine loaded).
pub(crate) fn dense_limit(n: usize, purpose: Purpose) -> u64 {
    let (slot_bytes, per_row, least, most) = match purpose {
        Purpose::Distinct => (1, 8, 256, 1 << 32),
        Purpose::Groups => (4, 8, 256, 1 << 32),
        Purpose::Select => (4, 16, 1 << 12, (n as u64).clamp(1 << 22, 1 << 32)),
    };
    ((n as u64).saturating_mul(per_row) / slot_bytes).clamp(least, most)
}

// ---------------------------------------------------------------------------
// Bounds

/// A column's least and greatest non-null item as [`Col::key_at`] reads
/// them (`lo > hi`: there is none) and whether a null occurs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub(crate) lo: i64,
    pub(crate) hi: i64,
    pub(crate) has_null: bool,
}

const NONE: Bounds = Bounds {
    lo: i64::MAX,
    hi: i64::MIN,
    has_null: false,
};

impl Bounds {
    fn join(self, o: Bounds) -> Bounds {
        Bounds {
            lo: self.lo.min(o.lo),
            hi: self.hi.max(o.hi),
            has_null: self.has_null | o.has_null,
        }
    }

    /// Number of distinct values `lo..=hi` could hold (0 when none).
    fn range(&self) -> u128 {
        if self.lo > self.hi {
            0
        } else {
            (self.hi as i128 - self.lo as i128 + 1) as u128
        }
    }
}

/// Rows per step of a bounds pass (the range is checked between steps).
pub(crate) const BOUND_STEP: usize = 1 << 16;

/// Rows from which a bounds pass and a `distinct` scan split across cores;
/// min/max and first occurrences combine exactly, so the split never
/// changes a result.
pub(crate) const DENSE_PAR_ROWS: usize = 1 << 21;

/// Rows per piece of a split bounds pass.
const DENSE_PAR_PIECE: usize = 1 << 19;

/// `seq` over `s`, split in parallel pieces combined by [`Bounds::join`]
/// from [`DENSE_PAR_ROWS`] items; `None` from any piece gives `None`.
fn par_bounds<T: Sync>(
    s: &[T],
    seq: impl Fn(&[T]) -> Option<Bounds> + Sync + Send,
) -> Option<Bounds> {
    use rayon::prelude::*;
    if s.len() < DENSE_PAR_ROWS {
        return seq(s);
    }
    s.par_chunks(DENSE_PAR_PIECE)
        .map(seq)
        .try_reduce_with(|a, b| Some(a.join(b)))?
}

/// A signed item type: its null is its least value.
trait Signed: Copy + Ord + Into<i64> + Send + Sync {
    const NULL: Self;
    const MAX: Self;
    fn dec(self) -> Self;
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl Signed for $t {
            const NULL: $t = <$t>::MIN;
            const MAX: $t = <$t>::MAX;
            #[inline(always)]
            fn dec(self) -> $t {
                self.wrapping_sub(1)
            }
        }
    )*};
}
signed!(i16, i32, i64);

/// Bounds of a signed column, by steps, giving up (`None`) as soon as the
/// non-null range exceeds `limit`. Most key columns have no null, so the
/// first pass folds two values only: the least and the greatest `x - 1`
/// (wrapping, so the null reads as the greatest value). A greatest of
/// `T::MAX` means a null occurs; only then does a second pass fold the
/// greatest `x` as well (the null is the least value, so it drops out).
fn signed_bounds<T: Signed>(s: &[T], limit: u64) -> Option<Bounds> {
    match fold_bounds::<T, false>(s, limit) {
        Folded::Range(b) => b,
        Folded::NullSeen => match fold_bounds::<T, true>(s, limit) {
            Folded::Range(b) => b,
            Folded::NullSeen => None,
        },
    }
}

/// What a pass of [`fold_bounds`] found.
enum Folded {
    /// The bounds (`None`: the range exceeds the limit).
    Range(Option<Bounds>),
    /// A null occurs and the pass did not track the greatest non-null.
    NullSeen,
}

/// One bounds pass: the least `x - 1` (`l`) and the greatest `x - 1` (`g`),
/// plus, when `NULLS`, the greatest `x` (`h`). `i64` folds in four
/// independent lanes (there is no 64-bit vector compare to lean on);
/// narrower items fold plainly, which the compiler vectorises.
fn fold_bounds<T: Signed, const NULLS: bool>(s: &[T], limit: u64) -> Folded {
    const LANES: usize = 4;
    let (mut l, mut g, mut h) = (T::MAX, T::NULL, T::NULL);
    for c in s.chunks(BOUND_STEP) {
        if std::mem::size_of::<T>() == 8 {
            let mut lo = [T::MAX; LANES];
            let mut gy = [T::NULL; LANES];
            let mut hi = [T::NULL; LANES];
            let mut it = c.chunks_exact(LANES);
            for w in &mut it {
                for k in 0..LANES {
                    let y = w[k].dec();
                    lo[k] = lo[k].min(y);
                    gy[k] = gy[k].max(y);
                    if NULLS {
                        hi[k] = hi[k].max(w[k]);
                    }
                }
            }
            for &x in it.remainder() {
                lo[0] = lo[0].min(x.dec());
                gy[0] = gy[0].max(x.dec());
                if NULLS {
                    hi[0] = hi[0].max(x);
                }
            }
            l = lo.iter().copied().fold(l, T::min);
            g = gy.iter().copied().fold(g, T::max);
            h = hi.iter().copied().fold(h, T::max);
        } else if NULLS {
            (l, g, h) = c.iter().fold((l, g, h), |(l, g, h), &x| {
                (l.min(x.dec()), g.max(x.dec()), h.max(x))
            });
        } else {
            (l, g) = c
                .iter()
                .fold((l, g), |(l, g), &x| (l.min(x.dec()), g.max(x.dec())));
        }
        if !NULLS {
            if g == T::MAX {
                return Folded::NullSeen;
            }
            // no null so far: the greatest item is g + 1
            h = g;
        }
        // the least non-null item is l + 1 (unless every item is null)
        let top = if NULLS {
            h.into() as i128
        } else {
            h.into() as i128 + 1
        };
        if l != T::MAX && top - l.into() as i128 > limit as i128 {
            return Folded::Range(None);
        }
    }
    let has_null = NULLS && g == T::MAX;
    let hi = if NULLS { h.into() } else { g.into() + 1 };
    Folded::Range(Some(if l == T::MAX {
        Bounds { has_null, ..NONE }
    } else {
        Bounds {
            lo: l.into() + 1,
            hi,
            has_null,
        }
    }))
}

/// Bounds of a column without a null (bytes, symbol ids as `f` reads
/// them), by steps, giving up as soon as the range exceeds `limit`.
fn unsigned_bounds<T: Copy>(s: &[T], f: impl Fn(T) -> u32, limit: u64) -> Option<Bounds> {
    let Some(&x) = s.first() else {
        return Some(NONE);
    };
    let (mut l, mut h) = (f(x), f(x));
    for c in s.chunks(BOUND_STEP) {
        (l, h) = c
            .iter()
            .fold((l, h), |(l, h), &x| (l.min(f(x)), h.max(f(x))));
        if (h - l) as u64 >= limit {
            return None;
        }
    }
    Some(Bounds {
        lo: l as i64,
        hi: h as i64,
        has_null: false,
    })
}

/// [`bounds`] of a column with the `s#` attribute: nulls (the least
/// items) first, then the least and the greatest non-null item at either
/// end of the rest. Were the attribute wrong, [`add_ids`] reports the
/// items outside these bounds.
fn sorted_bounds<T: Copy>(s: &[T], f: impl Fn(T) -> i64, null: i64) -> Bounds {
    let k = s.partition_point(|&x| f(x) == null);
    match (s.get(k), s.last()) {
        (Some(&a), Some(&b)) => Bounds {
            lo: f(a),
            hi: f(b),
            has_null: k > 0,
        },
        _ => Bounds {
            has_null: k > 0,
            ..NONE
        },
    }
}

/// The [`Bounds`] of a column (`sorted`: it has `s#`); `None` for a float
/// column, or when its non-null items span more than `limit` values (the
/// pass stops as soon as they do).
pub(crate) fn bounds(c: Col, sorted: bool, limit: u64) -> Option<Bounds> {
    let b = if sorted && c.len() > 0 {
        match c {
            Col::U8(s) => sorted_bounds(s, |x| x as i64, i64::MIN),
            Col::I16(s) => sorted_bounds(s, |x| x as i64, i16::MIN as i64),
            Col::I32(s) => sorted_bounds(s, |x| x as i64, i32::MIN as i64),
            Col::I64(s) => sorted_bounds(s, |x| x, i64::MIN),
            Col::Sym(s) => sorted_bounds(s, |x| x.0 as i64, i64::MIN),
            Col::F64(_) => return None,
        }
    } else {
        match c {
            Col::U8(s) => par_bounds(s, |p| unsigned_bounds(p, |x| x as u32, limit))?,
            Col::I16(s) => par_bounds(s, |p| signed_bounds(p, limit))?,
            Col::I32(s) => par_bounds(s, |p| signed_bounds(p, limit))?,
            Col::I64(s) => par_bounds(s, |p| signed_bounds(p, limit))?,
            Col::Sym(s) => par_bounds(s, |p| unsigned_bounds(p, |x| x.0, limit))?,
            Col::F64(_) => return None,
        }
    };
    (b.range() <= limit as u128).then_some(b)
}

// ---------------------------------------------------------------------------
// Keys and plans

/// Unsigned division by a constant as a multiply and a shift, exact for
/// dividends below `2^bits`: with `s = bits + ceil(log2 d)` and `m =
/// ceil(2^s / d)`, `floor(n*m / 2^s) = floor(n / d)` (the error term
/// `n*(m*d - 2^s) / (d*2^s)` stays below `1/d`). `bits` may be raised
/// (the bound only gets looser) so that `s >= 64`: the quotient is then
/// the high word of the product shifted by `s - 64`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Div {
    m: u64,
    s: u32,
}

impl Div {
    pub(crate) fn new(d: u64, bits: u32) -> Option<Div> {
        if d == 0 || bits > 62 {
            return None;
        }
        let l = 64 - (d - 1).leading_zeros();
        let bits = bits.max(64u32.saturating_sub(l)).min(62);
        let s = bits + l;
        let m = (1u128 << s).div_ceil(d as u128);
        (m <= u64::MAX as u128).then_some(Div { m: m as u64, s })
    }

    /// Whether [`Div::hi`] applies.
    pub(crate) fn high(self) -> bool {
        self.s >= 64
    }

    /// The quotient when `s >= 64`.
    #[inline(always)]
    pub(crate) fn hi(self, n: u64) -> u64 {
        (((n as u128 * self.m as u128) >> 64) as u64) >> (self.s - 64)
    }

    #[inline(always)]
    pub(crate) fn div(self, n: u64) -> u64 {
        ((n as u128 * self.m as u128) >> self.s) as u64
    }
}

/// One key column of a dense plan: its items (as [`Col::key_at`] reads
/// them) map to indexes `0..slots`; the composite id is the sum of
/// `index * stride`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DenseKey {
    /// The lowest non-null item (xbar: its bucket).
    base: i64,
    /// The column's null; when `has_null`, it takes index 0 and the other
    /// items shift up by one.
    null: i64,
    has_null: bool,
    /// Items map to `item - base < lim` (anything else means the bounds
    /// were wrong: `bad`).
    lim: u64,
    /// `step xbar`: bucket index = `(item - base) / step`.
    div: Option<Div>,
    step: u64,
    /// The column has `s#`: consecutive items mostly share a bucket (the
    /// xbar loop caches the current one).
    sorted: bool,
    /// Indexes this key takes (its buckets, plus the null's).
    pub(crate) slots: u64,
    /// Its factor in the composite id.
    pub(crate) stride: u64,
}

impl DenseKey {
    /// The key of column `c` with bounds `b` (`step`: grouped by `step
    /// xbar`), when it needs at most `limit` indexes.
    fn new(c: Col, b: Bounds, step: Option<i64>, sorted: bool, limit: u64) -> Option<DenseKey> {
        let (null, inf) = c.null_inf();
        let (base, lim, div, span) = if b.lo > b.hi {
            // nothing but nulls: one unused bucket
            (0, 1, None, 1u64)
        } else {
            match step {
                None => {
                    let lim = b.range();
                    if lim > limit as u128 {
                        return None;
                    }
                    (b.lo, lim as u64, None, lim as u64)
                }
                Some(s) => {
                    let (mn, mx) = (b.lo, b.hi);
                    // `bar` keeps the infinities: they have no bucket
                    if s <= 0 || mn == -inf || mx == inf {
                        return None;
                    }
                    let lo = mn as i128 - (mn as i128).rem_euclid(s as i128);
                    // the lowest bucket must not be the null itself (`xbar`
                    // would group them together)
                    if lo < i64::MIN as i128 || lo == null as i128 {
                        return None;
                    }
                    let hi = mx as i128 - (mx as i128).rem_euclid(s as i128);
                    let span = (hi - lo) / s as i128 + 1;
                    if span > limit as i128 {
                        return None;
                    }
                    let lim = (mx as i128 - lo + 1) as u64;
                    let bits = 64 - (lim - 1).leading_zeros();
                    let div = (s > 1).then(|| Div::new(s as u64, bits)).flatten();
                    if s > 1 && div.is_none() {
                        return None;
                    }
                    (lo as i64, lim, div, span as u64)
                }
            }
        };
        let slots = span + b.has_null as u64;
        (slots <= limit).then_some(DenseKey {
            base,
            null,
            has_null: b.has_null,
            lim,
            div,
            step: step.unwrap_or(1) as u64,
            sorted,
            slots,
            stride: 1,
        })
    }

    /// Index of item `v` (`bad` set when out of range; the index is then
    /// clamped so it stays below `slots`).
    #[inline(always)]
    fn idx(&self, v: i64, bad: &mut bool) -> u64 {
        // saturating: an item below `base` (only if an `s#` lied) is
        // out of range however far it is
        let n = v.saturating_sub(self.base) as u64;
        let isnull = self.has_null && v == self.null;
        *bad |= !isnull & (n >= self.lim);
        let n = n.min(self.lim - 1);
        let b = match self.div {
            Some(d) => d.div(n),
            None => n,
        };
        if isnull { 0 } else { b + self.has_null as u64 }
    }
}

/// A key column to plan: the column, its `xbar` step and whether it has
/// `s#`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeySpec<'a> {
    pub(crate) col: Col<'a>,
    pub(crate) step: Option<i64>,
    pub(crate) sorted: bool,
}

/// The dense plan of some key columns: per key its mapping, and the
/// number of slots (the product of the keys' indexes).
#[derive(Clone, Debug)]
pub(crate) struct DensePlan {
    pub(crate) keys: Vec<DenseKey>,
    pub(crate) slots: u64,
}

impl DensePlan {
    /// The plan for `specs` (first key varying fastest) when it needs at
    /// most `limit` slots; `None`: hash. Each column's bounds pass gives
    /// up once its range exceeds what the keys before it left.
    pub(crate) fn new<'a>(
        specs: impl IntoIterator<Item = KeySpec<'a>>,
        limit: u64,
    ) -> Option<DensePlan> {
        let mut keys = Vec::new();
        let mut slots: u64 = 1;
        for s in specs {
            let left = limit / slots;
            // a step groups `step` items a bucket: its items may span more
            let scan = left.saturating_mul(s.step.map_or(1, |x| x.max(1) as u64));
            let b = bounds(s.col, s.sorted, scan)?;
            let mut k = DenseKey::new(s.col, b, s.step, s.sorted, left)?;
            k.stride = slots;
            slots = slots.checked_mul(k.slots).filter(|&x| x <= limit)?;
            keys.push(k);
        }
        Some(DensePlan { keys, slots })
    }

    /// The composite id of row `r` of `cols` (the plan's columns).
    pub(crate) fn id_of(&self, cols: &[Col], r: usize, bad: &mut bool) -> u64 {
        let mut s = 0;
        for (k, c) in self.keys.iter().zip(cols) {
            s += k.idx(c.key_at(r), bad) * k.stride;
        }
        s
    }

    /// The composite ids of `out.len()` rows of `cols` (the plan's
    /// columns) into `out`: rows `base..` or, given `sel`, rows `base +
    /// sel[j]`.
    pub(crate) fn ids(
        &self,
        cols: &[Col],
        out: &mut [u32],
        base: usize,
        sel: Option<&[u32]>,
        bad: &mut bool,
    ) {
        if self.keys.is_empty() {
            out.fill(0);
        }
        for (i, (k, &c)) in self.keys.iter().zip(cols).enumerate() {
            add_ids(out, c, k, i == 0, base, sel, bad);
        }
    }
}

// ---------------------------------------------------------------------------
// The composite-id loop

/// Adds `index * stride` of key `k` (column `c`) for `ids.len()` rows to
/// `ids` (`first`: the first key, whose stride is 1, stores its index
/// instead): rows `base..`, or given `sel`, rows `base + sel[j]`.
///
/// Bounds from a pass over every item are exact, so an unsorted key's
/// loop trusts them. A sorted key's bounds came from its ends: its loop
/// clamps each index into the key's slots and sets `bad` for an item
/// outside them (the caller then hashes). A float column is never in a
/// plan: `bad` too.
#[inline]
fn add_ids(
    ids: &mut [u32],
    c: Col,
    k: &DenseKey,
    first: bool,
    base: usize,
    sel: Option<&[u32]>,
    bad: &mut bool,
) {
    macro_rules! go {
        ($add:ident, $c:expr, $f:expr) => {
            if first {
                $add::<_, true>(ids, $c, base, sel, k, bad, $f)
            } else {
                $add::<_, false>(ids, $c, base, sel, k, bad, $f)
            }
        };
    }
    match c {
        Col::I64(c) => go!(add_int, c, |x| x),
        Col::I32(c) => go!(add_int, c, |x| x as i64),
        Col::I16(c) => go!(add_int, c, |x| x as i64),
        Col::U8(c) if k.div.is_none() => go!(add_u32, c, |x| x as u32),
        Col::U8(c) => go!(add_int, c, |x| x as i64),
        Col::Sym(c) if k.div.is_none() => go!(add_u32, c, |x| x.0),
        Col::Sym(c) => go!(add_int, c, |x| x.0 as i64),
        Col::F64(_) => *bad = true,
    }
}

/// Runs `one(out, item)` for each id slot and its row's item.
#[inline(always)]
fn each<T: Copy>(
    ids: &mut [u32],
    c: &[T],
    base: usize,
    sel: Option<&[u32]>,
    mut one: impl FnMut(&mut u32, T),
) {
    match sel {
        None => {
            let n = ids.len();
            for (o, &x) in ids.iter_mut().zip(&c[base..base + n]) {
                one(o, x);
            }
        }
        Some(sel) => {
            for (o, &p) in ids.iter_mut().zip(sel) {
                one(o, c[base + p as usize]);
            }
        }
    }
}

/// Stores (`SET`, the first key) or adds an id part.
#[inline(always)]
fn put<const SET: bool>(o: &mut u32, part: u64) {
    if SET {
        *o = part as u32;
    } else {
        *o += part as u32;
    }
}

/// [`add_ids`] for an integer column (`f` reads an item as
/// [`Col::key_at`] does). The loop is instantiated per case (first key
/// or not; nulls or not; no step, a high-word division or a general one;
/// bounds trusted, checked, or a sorted column with the current bucket
/// cached) so each is a tight loop without per-row decisions.
#[inline]
fn add_int<T: Copy, const SET: bool>(
    ids: &mut [u32],
    c: &[T],
    base: usize,
    sel: Option<&[u32]>,
    k: &DenseKey,
    bad: &mut bool,
    f: impl Fn(T) -> i64 + Copy,
) {
    /// Trusted bounds: every item is the null (when the key has one) or
    /// within `base..base+lim`.
    #[inline(always)]
    fn exact<T: Copy, const NUL: bool, const SET: bool>(
        ids: &mut [u32],
        c: &[T],
        base: usize,
        sel: Option<&[u32]>,
        k: &DenseKey,
        f: impl Fn(T) -> i64,
        bucket: impl Fn(u64) -> u64,
    ) {
        let (b0, null, stride) = (k.base, k.null, k.stride);
        each(ids, c, base, sel, |o, x| {
            let v = f(x);
            // (a null's `b` is dropped: wrapping, so it may be anything)
            let b = bucket(v.wrapping_sub(b0) as u64).wrapping_add(NUL as u64);
            let b = if NUL && v == null { 0 } else { b };
            put::<SET>(o, if SET { b } else { b * stride });
        });
    }
    /// Checked bounds, no step: each index clamped, `bad` for an item
    /// out of range or a null the bounds did not see.
    #[inline(always)]
    fn checked<T: Copy, const NUL: bool, const SET: bool>(
        ids: &mut [u32],
        c: &[T],
        base: usize,
        sel: Option<&[u32]>,
        k: &DenseKey,
        f: impl Fn(T) -> i64,
    ) -> bool {
        let (b0, lim, null, stride) = (k.base, k.lim, k.null, k.stride);
        let mut bad = false;
        each(ids, c, base, sel, |o, x| {
            let v = f(x);
            // saturating: an item below `base` is out of range however
            // far it is
            let n = v.saturating_sub(b0) as u64;
            let isnull = v == null;
            bad |= if NUL {
                !isnull & (n >= lim)
            } else {
                isnull | (n >= lim)
            };
            let b = n.min(lim - 1) + NUL as u64;
            put::<SET>(o, (if NUL && isnull { 0 } else { b }) * stride);
        });
        bad
    }
    /// Sorted column with a step (checked): divide only when an item
    /// leaves the current bucket.
    #[inline(always)]
    fn cached<T: Copy, const SET: bool>(
        ids: &mut [u32],
        c: &[T],
        base: usize,
        sel: Option<&[u32]>,
        k: &DenseKey,
        f: impl Fn(T) -> i64,
        d: Div,
    ) -> bool {
        let (b0, lim, null, stride, step) = (k.base, k.lim, k.null, k.stride, k.step);
        let nul = k.has_null as u64;
        let mut bad = false;
        // the cached bucket: its start (in `n` units) and its id part;
        // bucket 0 to begin with
        let (mut lo, mut cur) = (0u64, nul * stride);
        each(ids, c, base, sel, |o, x| {
            let v = f(x);
            let n = v.saturating_sub(b0) as u64;
            if v == null {
                // index 0; a null the bounds did not see: give up
                bad |= nul == 0;
                put::<SET>(o, 0);
            } else if n.wrapping_sub(lo) < step {
                put::<SET>(o, cur);
            } else {
                bad |= n >= lim;
                let b = d.div(n.min(lim - 1));
                lo = b * step;
                cur = (b + nul) * stride;
                put::<SET>(o, cur);
            }
        });
        bad
    }
    let b = match (k.sorted, k.has_null, k.div) {
        (true, _, Some(d)) => cached::<T, SET>(ids, c, base, sel, k, f, d),
        (true, false, None) => checked::<T, false, SET>(ids, c, base, sel, k, f),
        (true, true, None) => checked::<T, true, SET>(ids, c, base, sel, k, f),
        (false, false, None) => {
            exact::<T, false, SET>(ids, c, base, sel, k, f, |n| n);
            false
        }
        (false, true, None) => {
            exact::<T, true, SET>(ids, c, base, sel, k, f, |n| n);
            false
        }
        (false, false, Some(d)) if d.high() => {
            exact::<T, false, SET>(ids, c, base, sel, k, f, |n| d.hi(n));
            false
        }
        (false, true, Some(d)) if d.high() => {
            exact::<T, true, SET>(ids, c, base, sel, k, f, |n| d.hi(n));
            false
        }
        (false, false, Some(d)) => {
            exact::<T, false, SET>(ids, c, base, sel, k, f, |n| d.div(n));
            false
        }
        (false, true, Some(d)) => {
            exact::<T, true, SET>(ids, c, base, sel, k, f, |n| d.div(n));
            false
        }
    };
    *bad |= b;
}

/// [`add_ids`] for a key without null or step whose items `f` reads as
/// `u32` (bytes, symbol ids): the arithmetic stays in `u32`, which
/// vectorises.
#[inline]
fn add_u32<T: Copy, const SET: bool>(
    ids: &mut [u32],
    c: &[T],
    base: usize,
    sel: Option<&[u32]>,
    k: &DenseKey,
    bad: &mut bool,
    f: impl Fn(T) -> u32,
) {
    // every item is at least `base`; `lim <= 2^32`, so `lim - 1` fits
    let (b0, top, stride) = (k.base as u32, (k.lim - 1) as u32, k.stride as u32);
    if !k.sorted {
        each(ids, c, base, sel, |o, x| {
            let n = f(x).wrapping_sub(b0);
            put::<SET>(o, if SET { n } else { n * stride } as u64);
        });
        return;
    }
    let mut b = false;
    each(ids, c, base, sel, |o, x| {
        let n = f(x).wrapping_sub(b0);
        b |= n > top;
        put::<SET>(o, (n.min(top) * stride) as u64);
    });
    *bad |= b;
}

// ---------------------------------------------------------------------------
// The interpreter's group ids

/// Rows per block of [`dense_ids`]: the composite ids of a block are made
/// key by key, then looked up, while they are in the cache.
const BLOCK: usize = 1 << 12;

/// Group ids of the rows of `cols` (columns of one length) without
/// hashing: the same result as `crate::ops::hash::dedup_table_hashed` —
/// `(id per row (empty unless `want_ids`), first row of each id)`, ids
/// numbered in order of first occurrence. `None` (take the hashing path)
/// when a column is not integer-like or the product of the columns'
/// ranges exceeds [`dense_limit`].
pub(crate) fn dense_ids(cols: &[Col], want_ids: bool) -> Option<(Vec<u32>, Vec<usize>)> {
    let n = cols.first().map_or(0, |c| c.len());
    let float = |c: &Col| matches!(c, Col::F64(_));
    if n == 0 || n > u32::MAX as usize || cols.iter().any(|c| c.len() != n || float(c)) {
        return None;
    }
    let purpose = if want_ids {
        Purpose::Groups
    } else {
        Purpose::Distinct
    };
    let specs = cols.iter().map(|&col| KeySpec {
        col,
        step: None,
        sorted: false,
    });
    let plan = DensePlan::new(specs, dense_limit(n, purpose))?;
    let mut bad = false;
    let r = if want_ids && let Some(step) = split_ids(&plan, n) {
        par_dense_ids(&plan, cols, n, step, &mut bad)
    } else if want_ids {
        // group number + 1 per slot, 0 unseen (zeroed pages come lazily)
        let mut slots = vec![0u32; plan.slots as usize];
        let mut ids = vec![0u32; n];
        let mut firsts = Vec::new();
        for (b, out) in ids.chunks_mut(BLOCK).enumerate() {
            if b > 0 && qcore::budget::stopping() {
                // given up: the rest keep id 0, the result is discarded
                break;
            }
            let base = b * BLOCK;
            plan.ids(cols, out, base, None, &mut bad);
            for (j, o) in out.iter_mut().enumerate() {
                let s = &mut slots[*o as usize];
                if *s == 0 {
                    firsts.push(base + j);
                    *s = firsts.len() as u32;
                }
                *o = *s - 1;
            }
        }
        (ids, firsts)
    } else if n < DENSE_PAR_ROWS
        || rayon::current_num_threads() == 1
        || plan.slots.saturating_mul(4 * DENSE_SPLIT as u64) > n as u64
    {
        let mut seen = vec![false; plan.slots as usize];
        let f = first_seen(&plan, cols, (0, n), &mut seen, &mut bad);
        (Vec::new(), f.into_iter().map(|(i, _)| i).collect())
    } else {
        let f = dense_distinct_split(&plan, cols, n, DENSE_SPLIT, &mut bad);
        (Vec::new(), f)
    };
    (!bad).then_some(r)
}

/// Rows per piece when [`dense_ids`] numbers groups on several threads:
/// `None` (one thread) below the threshold or when a slot table per
/// piece would be large next to the rows.
fn split_ids(plan: &DensePlan, n: usize) -> Option<usize> {
    let step = crate::ops::par::piece_len(n)?;
    let pieces = n.div_ceil(step) as u64;
    (plan.slots.saturating_mul(pieces) <= n as u64).then_some(step)
}

/// [`dense_ids`]' group ids in pieces of `step` rows on the rayon pool,
/// in two passes that each split evenly: the pieces' first occurrences
/// ([`first_seen`], each piece with its own table; a piece stops once it
/// has seen every slot, so with few groups this pass reads a few rows),
/// numbered in row order into one table of global ids; then each piece
/// writes its rows' global ids at once. Numbering locally and rewriting
/// to global ids afterwards wrote most rows twice, a serial-sized pass
/// the second thread did not shorten (docs/PERF.md, "ajfby2").
fn par_dense_ids(
    plan: &DensePlan,
    cols: &[Col],
    n: usize,
    step: usize,
    bad: &mut bool,
) -> (Vec<u32>, Vec<usize>) {
    use rayon::prelude::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::atomic::Ordering::Relaxed;
    let slots = plan.slots as usize;
    let found: Vec<(Vec<(usize, u32)>, bool)> = (0..n.div_ceil(step))
        .into_par_iter()
        .map(|p| {
            let mut seen = vec![false; slots];
            let mut b = false;
            let f = first_seen(
                plan,
                cols,
                (p * step, (p * step + step).min(n)),
                &mut seen,
                &mut b,
            );
            (f, b)
        })
        .collect();
    // global id + 1 per slot, 0 unseen: every slot a row has is seen
    // (a piece stops early only when it has seen them all)
    let mut global = vec![0u32; slots];
    let mut firsts = Vec::new();
    for (f, b) in &found {
        *bad |= *b;
        for &(row, slot) in f {
            let g = &mut global[slot as usize];
            if *g == 0 {
                firsts.push(row);
                *g = firsts.len() as u32;
            }
        }
    }
    drop(found);
    let any_bad = AtomicBool::new(false);
    let ids = crate::ops::par::write_pieces(n, Some(step), 0u32, |_, lo, piece| {
        let hi = (lo + step).min(n);
        let mut b = false;
        // a block's composite ids in a buffer that stays in cache
        let mut buf = vec![0u32; BLOCK.min(hi - lo)];
        for base in (lo..hi).step_by(BLOCK) {
            if qcore::budget::stopping() {
                // given up: the result is discarded
                break;
            }
            let out = &mut buf[..BLOCK.min(hi - base)];
            plan.ids(cols, out, base, None, &mut b);
            for o in out.iter_mut() {
                *o = global[*o as usize].saturating_sub(1);
            }
            piece.extend_from_slice(out);
        }
        if b {
            any_bad.store(true, Relaxed);
        }
    });
    *bad |= any_bad.into_inner();
    (ids, firsts)
}

/// First occurrences (row, composite id) among rows `lo..hi` of the ids
/// not yet marked in `seen`, marking them; stops once every id of `seen`
/// is marked.
fn first_seen(
    plan: &DensePlan,
    cols: &[Col],
    (lo, hi): (usize, usize),
    seen: &mut [bool],
    bad: &mut bool,
) -> Vec<(usize, u32)> {
    let space = seen.len();
    let mut firsts = Vec::new();
    let mut buf = vec![0u32; BLOCK.min(hi - lo)];
    let mut base = lo;
    while base < hi {
        if qcore::budget::stopping() {
            return firsts;
        }
        let out = &mut buf[..BLOCK.min(hi - base)];
        plan.ids(cols, out, base, None, bad);
        for (j, &id) in out.iter().enumerate() {
            let s = &mut seen[id as usize];
            if !*s {
                *s = true;
                firsts.push((base + j, id));
                if firsts.len() == space {
                    // every id seen: the rest are repeats
                    return firsts;
                }
            }
        }
        base += out.len();
    }
    firsts
}

/// Pieces of a split `distinct` scan (a few per core on the benchmark
/// machine, so a core slowed by other work does not hold the others up).
pub(crate) const DENSE_SPLIT: usize = 4;

/// First rows of the distinct ids of the `n` rows of `cols`, scanned in
/// `pieces` row ranges in parallel, each with its own first-seen table;
/// the pieces' first occurrences are then taken in row order against the
/// first piece's table, which gives exactly the sequential scan's rows.
pub(crate) fn dense_distinct_split(
    plan: &DensePlan,
    cols: &[Col],
    n: usize,
    pieces: usize,
    bad: &mut bool,
) -> Vec<usize> {
    use rayon::prelude::*;
    let step = n.div_ceil(pieces.max(1)).max(1);
    // per piece: its first-seen table, its first occurrences, its `bad`
    type Part = (Vec<bool>, Vec<(usize, u32)>, bool);
    let parts: Vec<Part> = (0..n.div_ceil(step))
        .into_par_iter()
        .map(|p| {
            let r = (p * step, ((p + 1) * step).min(n));
            let mut seen = vec![false; plan.slots as usize];
            let mut bad = false;
            let f = first_seen(plan, cols, r, &mut seen, &mut bad);
            (seen, f, bad)
        })
        .collect();
    *bad |= parts.iter().any(|p| p.2);
    let mut parts = parts.into_iter();
    let Some((mut seen, first, _)) = parts.next() else {
        return Vec::new();
    };
    let mut firsts: Vec<usize> = first.into_iter().map(|(i, _)| i).collect();
    for (_, f, _) in parts {
        for (i, id) in f {
            let s = &mut seen[id as usize];
            if !*s {
                *s = true;
                firsts.push(i);
            }
        }
    }
    firsts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::xorshift as rng;
    use std::collections::HashMap;

    /// Longs, ints, shorts, bytes, symbols and a sorted long column.
    type Columns = (Vec<i64>, Vec<i32>, Vec<i16>, Vec<u8>, Vec<Sym>, Vec<i64>);

    /// Random key columns of each kind, with nulls, negatives, the
    /// infinities' neighbours and a sorted one.
    fn columns(n: usize, rnd: &mut impl FnMut(u64) -> u64) -> Columns {
        let longs = (0..n)
            .map(|_| match rnd(10) {
                0 => i64::MIN,
                _ => rnd(60) as i64 - 30,
            })
            .collect();
        let ints = (0..n)
            .map(|_| match rnd(8) {
                0 => i32::MIN,
                1 => i32::MIN + 1,
                _ => i32::MIN + 2 + rnd(20) as i32,
            })
            .collect();
        let shorts = (0..n)
            .map(|_| match rnd(9) {
                0 => i16::MIN,
                _ => i16::MAX - rnd(5) as i16,
            })
            .collect();
        let bytes = (0..n).map(|_| rnd(3) as u8 * 7).collect();
        let syms = (0..n).map(|_| Sym(1000 + rnd(6) as u32)).collect();
        let mut sorted: Vec<i64> = (0..n)
            .map(|_| match rnd(7) {
                0 => i64::MIN,
                _ => 1_000_000 + rnd(50) as i64,
            })
            .collect();
        sorted.sort();
        (longs, ints, shorts, bytes, syms, sorted)
    }

    /// The composite ids over a selection are one-to-one with the keys'
    /// values (after `xbar`) and stay below the plan's slots; `id_of`
    /// agrees with `add_ids`; nothing is `bad`.
    #[test]
    fn composite_ids_are_one_to_one_with_keys() {
        let mut rnd = rng(0x2545_f491_4f6c_dd1d);
        for n in [1usize, 5, 100, 3000] {
            let (l, i, h, b, s, srt) = columns(n, &mut rnd);
            let cols = [
                Col::I64(&l),
                Col::I32(&i),
                Col::I16(&h),
                Col::U8(&b),
                Col::Sym(&s),
                Col::I64(&srt),
            ];
            for pick in [
                vec![0],
                vec![1, 4],
                vec![2, 3, 0],
                vec![5, 4],
                vec![0, 1, 2, 3, 4, 5],
            ] {
                for steps in [None, Some(7i64)] {
                    let specs: Vec<KeySpec> = pick
                        .iter()
                        .map(|&p| KeySpec {
                            col: cols[p],
                            // xbar only on the integer columns
                            step: steps.filter(|_| p != 3 && p != 4),
                            sorted: p == 5,
                        })
                        .collect();
                    let kc: Vec<Col> = specs.iter().map(|s| s.col).collect();
                    let Some(plan) = DensePlan::new(specs.iter().copied(), 1 << 32) else {
                        // -0W (ints) and 0W (shorts) have no xbar bucket
                        let inf = pick.contains(&1) || pick.contains(&2);
                        assert!(steps.is_some() && inf, "{pick:?}");
                        continue;
                    };
                    // every other row, from row 1
                    let sel: Vec<u32> = (0..n as u32 - 1).step_by(2).collect();
                    let mut ids = vec![0u32; sel.len()];
                    let mut bad = false;
                    plan.ids(&kc, &mut ids, 1, Some(&sel), &mut bad);
                    assert!(!bad, "{pick:?} {steps:?}");
                    let mut by_key: HashMap<Vec<i64>, u32> = HashMap::new();
                    let mut by_id: HashMap<u32, Vec<i64>> = HashMap::new();
                    for (j, &p) in sel.iter().enumerate() {
                        let r = 1 + p as usize;
                        let key: Vec<i64> = specs
                            .iter()
                            .map(|s| {
                                let e = s.col.key_at(r);
                                s.step.map_or(e, |st| s.col.bar(st, e))
                            })
                            .collect();
                        let id = ids[j];
                        assert!((id as u64) < plan.slots);
                        assert_eq!(plan.id_of(&kc, r, &mut bad) as u32, id);
                        assert_eq!(*by_key.entry(key.clone()).or_insert(id), id, "{key:?}");
                        assert_eq!(*by_id.entry(id).or_insert(key.clone()), key);
                    }
                    assert!(!bad);
                }
            }
        }
    }

    #[test]
    fn bounds_nulls_limits_and_sorted() {
        let b = |v: &[i64], sorted, limit| bounds(Col::I64(v), sorted, limit);
        let none = |has_null| Some(Bounds { has_null, ..NONE });
        assert_eq!(b(&[], false, 10), none(false));
        assert_eq!(b(&[i64::MIN; 3], false, 10), none(true));
        assert_eq!(b(&[i64::MIN; 3], true, 10), none(true));
        let v = [i64::MIN, -3, 5, i64::MIN, 2];
        let want = Some(Bounds {
            lo: -3,
            hi: 5,
            has_null: true,
        });
        assert_eq!(b(&v, false, 9), want);
        assert_eq!(b(&v, false, 8), None);
        assert_eq!(b(&[i64::MIN, -3, 2, 5], true, 9), want);
        // -0W and 0W: the widest range, never dense
        assert_eq!(b(&[-i64::MAX, i64::MAX], false, 1 << 32), None);
        // a lying `s#`: bounds from the ends, `add_ids` reports the rest
        let lie = [1i64, 9, 2];
        let bb = b(&lie, true, 10).expect("bounds");
        assert_eq!((bb.lo, bb.hi), (1, 2));
        let plan = DensePlan::new(
            [KeySpec {
                col: Col::I64(&lie),
                step: None,
                sorted: true,
            }],
            10,
        )
        .expect("plan");
        let (mut ids, mut bad) = (vec![0u32; 3], false);
        plan.ids(&[Col::I64(&lie)], &mut ids, 0, None, &mut bad);
        assert!(bad && ids.iter().all(|&i| (i as u64) < plan.slots));
        // symbols and bytes have no null; floats are never dense
        let s = [Sym(5), Sym(9)];
        assert_eq!(
            bounds(Col::Sym(&s), false, 5),
            Some(Bounds {
                lo: 5,
                hi: 9,
                has_null: false
            })
        );
        assert_eq!(bounds(Col::Sym(&s), false, 4), None);
        assert_eq!(bounds(Col::F64(&[1.0]), false, 10), None);
    }

    #[test]
    fn limits_by_purpose() {
        assert_eq!(dense_limit(0, Purpose::Distinct), 256);
        assert_eq!(dense_limit(1000, Purpose::Distinct), 8000);
        assert_eq!(dense_limit(1000, Purpose::Groups), 2000);
        assert_eq!(dense_limit(2000, Purpose::Select), 8000);
        assert_eq!(dense_limit(10, Purpose::Select), 4096);
        assert_eq!(dense_limit(usize::MAX, Purpose::Groups), 1 << 32);
        assert_eq!(dense_limit(1 << 20, Purpose::Select), 1 << 22);
        assert_eq!(dense_limit(10_000_000, Purpose::Select), 10_000_000);
        assert_eq!(dense_limit(usize::MAX, Purpose::Select), 1 << 32);
    }

    #[test]
    fn dense_ids_number_groups_in_order_of_first_occurrence() {
        let a = [3i64, i64::MIN, 3, 4, i64::MIN, 4];
        let s = [Sym(7), Sym(7), Sym(7), Sym(8), Sym(7), Sym(8)];
        let cols = [Col::I64(&a), Col::Sym(&s)];
        assert_eq!(
            dense_ids(&cols, true),
            Some((vec![0, 1, 0, 2, 1, 2], vec![0, 1, 3]))
        );
        assert_eq!(dense_ids(&cols, false), Some((vec![], vec![0, 1, 3])));
        assert_eq!(dense_ids(&[Col::F64(&[1.0])], true), None);
        assert_eq!(dense_ids(&[], true), None);
    }

    /// Group ids numbered on the pool in pieces of a few rows (first
    /// occurrences per piece, then one pass of global ids) are the ids of
    /// one pass: few groups all seen early, many groups seen late, keys
    /// of one and of several columns, one row.
    #[test]
    fn dense_ids_on_the_pool_are_one_pass_ids() {
        let _g = crate::ops::par::switch_lock();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("pool");
        let mut rnd = rng(0x51ce_a11d_0b5e_77a1);
        for n in [1usize, 7, 3000] {
            let (l, i, h, b, s, _) = columns(n, &mut rnd);
            // many groups, most first seen late in the rows
            let wide: Vec<i64> = (0..n).map(|_| rnd(n as u64 / 8 + 1) as i64).collect();
            for cols in [
                vec![Col::Sym(&s)],
                vec![Col::U8(&b)],
                vec![Col::I64(&l), Col::Sym(&s)],
                vec![Col::I32(&i), Col::I16(&h)],
                vec![Col::I64(&wide)],
            ] {
                let want = dense_ids(&cols, true);
                crate::ops::par::set_par_rows(2);
                let got = pool.install(|| dense_ids(&cols, true));
                crate::ops::par::set_par_rows(crate::ops::par::PAR_ROWS);
                assert_eq!(got, want, "{n} rows, {} columns", cols.len());
            }
        }
    }

    #[test]
    fn division_is_exact() {
        let mut next = rng(0x9e37_79b9_7f4a_7c15);
        let mut divisors = vec![
            1u64,
            2,
            3,
            5,
            7,
            10,
            60,
            1000,
            86_400_000_000_000,
            300_000_000_000,
        ];
        divisors.extend((0..40).map(|k| 1 + (next(u64::MAX) >> (k % 63))));
        for d in divisors {
            for bits in [0u32, 1, 8, 20, 33, 47, 62] {
                let Some(v) = Div::new(d, bits) else {
                    continue;
                };
                let top = if bits == 0 { 0 } else { (1u64 << bits) - 1 };
                let mut ns = vec![0, 1, top, top / 2, d.saturating_sub(1), d, d + 1];
                ns.extend((0..200).map(|_| {
                    if bits == 0 {
                        0
                    } else {
                        next(u64::MAX) >> (64 - bits)
                    }
                }));
                for n in ns {
                    if n > top {
                        continue;
                    }
                    let q = if v.high() { v.hi(n) } else { v.div(n) };
                    assert_eq!(q, n / d, "{n} / {d} (bits {bits})");
                    assert_eq!(v.div(n), n / d, "{n} / {d} (bits {bits})");
                }
            }
        }
    }
}
