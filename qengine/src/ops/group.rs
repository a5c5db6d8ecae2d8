//! (moved; module doc to be written)

use crate::ops::hash::dedup_keys;
use crate::ops::hash::dedup_table;
use crate::ops::hash::dedup_u8;
use crate::ops::hash::dedup_values;
use crate::ops::hash::first_seen;
use crate::ops::hash::norm_f32;
use crate::ops::hash::norm_f64;
use crate::ops::hash::with_keys;
use crate::ops::index::take_idx;
use crate::ops::make::table_rows;
use qcore::Guid;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;

// ---------------------------------------------------------------------------
// Dense row ids: no hashing when every key column is integer-like and the
// product of the columns' value ranges is small. Each row's composite id
// `Σ slot_c * stride_c` indexes a first-seen table directly.

/// A column of integer-like items (boolean/byte/char, short, the `i32` and
/// `i64` types, symbol ids), viewed for dense row ids. Equal items are equal
/// bit patterns, so one slot per value identifies rows exactly as `~` does.
#[derive(Clone, Copy)]
pub(crate) enum DenseCol<'a> {
    U8(&'a [u8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    Sym(&'a [Sym]),
}

/// An item type of a [`DenseCol`]: its slot given the column's base.
pub(crate) trait DenseItem: Copy {
    fn slot(self, base: Self) -> u32;
}

/// A signed column's null (its type's least value) has slot 0; any other
/// item `x` has slot `x - base` (base = least non-null item - 1), which
/// fits `u32` once the range is checked, so the subtraction wraps in the
/// item's own width.
macro_rules! dense_signed {
    ($t:ty, $u:ty) => {
        impl DenseItem for $t {
            #[inline(always)]
            fn slot(self, base: $t) -> u32 {
                if self == <$t>::MIN {
                    0
                } else {
                    self.wrapping_sub(base) as $u as u32
                }
            }
        }
    };
}
dense_signed!(i16, u16);
dense_signed!(i32, u32);
dense_signed!(i64, u32);

/// The slots of a column's items.
#[derive(Clone, Copy)]
pub(crate) struct Slots<'a, T> {
    pub(crate) items: &'a [T],
    pub(crate) base: T,
}

/// Rows' composite ids, in row order.
pub(crate) trait DenseRows: Sync {
    fn ids(&self) -> impl Iterator<Item = u32>;
    /// Rows `start..end`.
    fn rows(&self, start: usize, end: usize) -> Self;
}

/// Two columns: `a + b * stride`.
pub(crate) struct Pair<A, B> {
    pub(crate) a: A,
    pub(crate) b: B,
    pub(crate) stride: u32,
}

/// A column's key for dense ids: its base and its number of slots.
#[derive(Clone, Copy)]
pub(crate) struct DenseKey<'a> {
    pub(crate) col: DenseCol<'a>,
    pub(crate) base: i64,
    pub(crate) range: u64,
}

/// Runs `$body` with `$s` bound to the [`Slots`] of key `$k`.
macro_rules! with_slots {
    ($k:expr, $s:ident => $body:expr) => {{
        let k: &$crate::ops::group::DenseKey = $k;
        match k.col {
            $crate::ops::group::DenseCol::U8(items) => {
                let $s = $crate::ops::group::Slots {
                    items,
                    base: k.base as u8,
                };
                $body
            }
            $crate::ops::group::DenseCol::I16(items) => {
                let $s = $crate::ops::group::Slots {
                    items,
                    base: k.base as i16,
                };
                $body
            }
            $crate::ops::group::DenseCol::I32(items) => {
                let $s = $crate::ops::group::Slots {
                    items,
                    base: k.base as i32,
                };
                $body
            }
            $crate::ops::group::DenseCol::I64(items) => {
                let $s = $crate::ops::group::Slots {
                    items,
                    base: k.base,
                };
                $body
            }
            $crate::ops::group::DenseCol::Sym(items) => {
                let $s = $crate::ops::group::Slots {
                    items,
                    base: qcore::Sym(k.base as u32),
                };
                $body
            }
        }
    }};
}
// Used by the unit tests of `builtins::list`.
#[cfg(test)]
pub(crate) use with_slots;

/// Rows per step of the bounds passes (the range is checked between steps).
pub(crate) const BOUND_STEP: usize = 1 << 16;

/// Rows from which the bounds passes and the `distinct` scan split across
/// cores (as `agg`'s exact aggregates); min/max and first occurrences
/// combine exactly, so the split never changes a result.
pub(crate) const DENSE_PAR_ROWS: usize = 1 << 21;

/// Rows per piece of a split bounds pass.
pub(crate) const DENSE_PAR_PIECE: usize = 1 << 19;

/// `seq` over `s`, split in parallel pieces combined by `join` from
/// [`DENSE_PAR_ROWS`] items; `None` from any piece gives `None`.
pub(crate) fn par_bounds<T: Sync, R: Send>(
    s: &[T],
    seq: impl Fn(&[T]) -> Option<R> + Sync + Send,
    join: impl Fn(R, R) -> R + Sync + Send,
) -> Option<R> {
    use rayon::prelude::*;
    if s.len() < DENSE_PAR_ROWS {
        return seq(s);
    }
    s.par_chunks(DENSE_PAR_PIECE)
        .map(seq)
        .try_reduce_with(|a, b| Some(join(a, b)))?
}

/// Bounds of a signed column: least of `x - 1` (wrapping, so the null reads
/// as the greatest value) and greatest `x`, both as `i64`. By steps; gives
/// up (`None`) as soon as the non-null range exceeds `limit`. `i64` runs in
/// four independent lanes (no 64-bit vector compare to lean on); narrower
/// items fold plainly, which the compiler vectorises.
pub(crate) fn signed_bounds<T: Copy + Ord + Into<i64>>(
    s: &[T],
    dec: impl Fn(T) -> T,
    null: T,
    max: T,
    limit: u64,
) -> Option<(i64, i64)> {
    const LANES: usize = 4;
    let (mut l, mut h) = (max, null);
    for c in s.chunks(BOUND_STEP) {
        if std::mem::size_of::<T>() == 8 {
            let mut lo = [max; LANES];
            let mut hi = [null; LANES];
            let mut it = c.chunks_exact(LANES);
            for w in &mut it {
                for k in 0..LANES {
                    lo[k] = lo[k].min(dec(w[k]));
                    hi[k] = hi[k].max(w[k]);
                }
            }
            for &x in it.remainder() {
                lo[0] = lo[0].min(dec(x));
                hi[0] = hi[0].max(x);
            }
            l = lo.iter().copied().fold(l, T::min);
            h = hi.iter().copied().fold(h, T::max);
        } else {
            (l, h) = c
                .iter()
                .fold((l, h), |(l, h), &x| (l.min(dec(x)), h.max(x)));
        }
        // the least non-null item is l + 1 (unless every item is null)
        if l != max && h.into() as i128 - l.into() as i128 >= limit as i128 {
            return None;
        }
    }
    Some((l.into(), h.into()))
}

/// Least and greatest of the `f(item)` of a non-empty slice, by steps,
/// giving up as soon as the range exceeds `limit`.
pub(crate) fn unsigned_bounds<T: Copy>(
    s: &[T],
    f: impl Fn(T) -> u32,
    limit: u64,
) -> Option<(u64, u64)> {
    let first = f(*s.first()?);
    let (mut l, mut h) = (first, first);
    for c in s.chunks(BOUND_STEP) {
        (l, h) = c
            .iter()
            .fold((l, h), |(l, h), &x| (l.min(f(x)), h.max(f(x))));
        if (h - l) as u64 >= limit {
            return None;
        }
    }
    Some((l as u64, h as u64))
}

/// The largest id space the dense path takes for `n` rows: a byte per id
/// (first-seen flags, `distinct`) up to 8 a row, a `u32` per id (group
/// numbers) up to 2 a row; at least 256 ids, at most 2^32.
pub(crate) fn dense_limit(n: usize, want_ids: bool) -> u64 {
    let per_row = if want_ids { 2 } else { 8 };
    (n as u64).saturating_mul(per_row).clamp(256, 1 << 32)
}

/// Group ids of the rows of `cols` (integer-like columns of one length)
/// without hashing: the same result as [`dedup_table_hashed`] — `(id per
/// row (empty unless `want_ids`), first row of each id)`, ids numbered in
/// order of first occurrence. `None` (take the hashing path) when the
/// product of the columns' ranges exceeds [`dense_limit`].
pub(crate) fn dense_ids(cols: &[DenseCol], want_ids: bool) -> Option<(Vec<u32>, Vec<usize>)> {
    let n = cols.first().map_or(0, |c| c.len());
    if n == 0 || n > u32::MAX as usize || cols.iter().any(|c| c.len() != n) {
        return None;
    }
    let limit = dense_limit(n, want_ids);
    let mut keys = Vec::with_capacity(cols.len());
    let mut space: u64 = 1;
    for &c in cols {
        let k = DenseKey::new(c, limit / space)?;
        space *= k.range;
        keys.push(k);
    }
    if space > limit {
        return None;
    }
    Some(match keys.as_slice() {
        [a] => with_slots!(a, sa => dense_scan(&sa, n, space, want_ids)),
        [a, b] => with_slots!(a, sa => with_slots!(b, sb => dense_scan(
            &Pair { a: sa, b: sb, stride: a.range as u32 },
            n,
            space,
            want_ids,
        ))),
        _ => {
            // column by column into one composite id per row
            let mut comp = vec![0u32; n];
            let mut stride: u64 = 1;
            for k in &keys {
                let st = stride as u32;
                with_slots!(k, s => {
                    for (o, id) in comp.iter_mut().zip(s.ids()) {
                        *o = o.wrapping_add(id.wrapping_mul(st));
                    }
                });
                stride *= k.range;
            }
            dense_scan(&comp.as_slice(), n, space, want_ids)
        }
    })
}

/// The first-seen pass of [`dense_ids`] over `n` rows with composite ids
/// below `space`.
pub(crate) fn dense_scan(
    rows: &impl DenseRows,
    n: usize,
    space: u64,
    want_ids: bool,
) -> (Vec<u32>, Vec<usize>) {
    if want_ids {
        // group number + 1 per id, 0 unseen (zeroed pages come lazily)
        let mut slots = vec![0u32; space as usize];
        let mut ids = vec![0u32; n];
        let mut firsts = Vec::new();
        for ((i, id), out) in rows.ids().enumerate().zip(ids.iter_mut()) {
            let s = &mut slots[id as usize];
            if *s == 0 {
                firsts.push(i);
                *s = firsts.len() as u32;
            }
            *out = *s - 1;
        }
        return (ids, firsts);
    }
    if n < DENSE_PAR_ROWS
        || rayon::current_num_threads() == 1
        || space.saturating_mul(4 * DENSE_SPLIT as u64) > n as u64
    {
        let mut seen = vec![false; space as usize];
        let firsts = first_seen(rows, 0, &mut seen)
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        return (Vec::new(), firsts);
    }
    (
        Vec::new(),
        dense_distinct_split(rows, n, space, DENSE_SPLIT),
    )
}

/// Pieces of a split `distinct` scan (a few per core on the benchmark
/// machine, so a core slowed by other work does not hold the others up).
pub(crate) const DENSE_SPLIT: usize = 4;

/// First rows of the distinct ids of `n` rows, scanned in `pieces` row
/// ranges in parallel, each with its own first-seen table; the pieces'
/// first occurrences are then taken in row order against the first
/// piece's table, which gives exactly the sequential scan's rows.
pub(crate) fn dense_distinct_split(
    rows: &impl DenseRows,
    n: usize,
    space: u64,
    pieces: usize,
) -> Vec<usize> {
    use rayon::prelude::*;
    let step = n.div_ceil(pieces.max(1));
    // per piece: its first-seen table and its (row, id) first occurrences
    type Part = (Vec<bool>, Vec<(usize, u32)>);
    let parts: Vec<Part> = (0..n.div_ceil(step.max(1)))
        .into_par_iter()
        .map(|p| {
            let (start, end) = (p * step, ((p + 1) * step).min(n));
            let mut seen = vec![false; space as usize];
            let f = first_seen(&rows.rows(start, end), start, &mut seen);
            (seen, f)
        })
        .collect();
    let mut parts = parts.into_iter();
    let Some((mut seen, first)) = parts.next() else {
        return Vec::new();
    };
    let mut firsts: Vec<usize> = first.into_iter().map(|(i, _)| i).collect();
    for (_, f) in parts {
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

/// Group ids of the items of a list value (vector, general list, table
/// rows): `(id per item, first index of each id)`.
pub fn group_ids(x: &Value) -> QResult<(Vec<u32>, Vec<usize>)> {
    match x {
        Value::Vector(v) => Ok(match v.data() {
            VecData::U8(b) => dedup_u8(b),
            _ => match DenseCol::of_vec(v).and_then(|c| dense_ids(&[c], true)) {
                Some(r) => r,
                None => with_keys!(v, k => dedup_keys(k)),
            },
        }),
        Value::List(l) => Ok(dedup_values(l)),
        Value::Table(t) => Ok(match dedup_table(t, true) {
            Some(r) => r,
            None => dedup_values(&table_rows(t)),
        }),
        _ => Err(QError::type_()),
    }
}

pub(crate) fn group_parts(x: &Value) -> QResult<(Value, Vec<Vec<i64>>)> {
    let (ids, firsts) = group_ids(x)?;
    let mut counts = vec![0usize; firsts.len()];
    for &id in &ids {
        counts[id as usize] += 1;
    }
    let mut groups: Vec<Vec<i64>> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
    for (i, &id) in ids.iter().enumerate() {
        groups[id as usize].push(i as i64);
    }
    let idx: Vec<i64> = firsts.iter().map(|&i| i as i64).collect();
    Ok((take_idx(x, &idx), groups))
}

impl DenseCol<'_> {
    pub(crate) fn of(c: &Value) -> Option<DenseCol<'_>> {
        match c {
            Value::Vector(v) => DenseCol::of_vec(v),
            _ => None,
        }
    }

    pub(crate) fn of_vec(v: &Vector) -> Option<DenseCol<'_>> {
        Some(match v.data() {
            VecData::U8(b) => DenseCol::U8(b),
            VecData::I16(b) => DenseCol::I16(b),
            VecData::I32(b) => DenseCol::I32(b),
            VecData::I64(b) => DenseCol::I64(b),
            VecData::Sym(b) => DenseCol::Sym(b),
            _ => return None,
        })
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            DenseCol::U8(b) => b.len(),
            DenseCol::I16(b) => b.len(),
            DenseCol::I32(b) => b.len(),
            DenseCol::I64(b) => b.len(),
            DenseCol::Sym(b) => b.len(),
        }
    }
}

impl DenseItem for u8 {
    #[inline(always)]
    fn slot(self, base: u8) -> u32 {
        self.wrapping_sub(base) as u32
    }
}

impl DenseItem for Sym {
    #[inline(always)]
    fn slot(self, base: Sym) -> u32 {
        self.0.wrapping_sub(base.0)
    }
}

impl<T: DenseItem + Sync> DenseRows for Slots<'_, T> {
    #[inline(always)]
    fn ids(&self) -> impl Iterator<Item = u32> {
        let base = self.base;
        self.items.iter().map(move |&x| x.slot(base))
    }

    fn rows(&self, start: usize, end: usize) -> Self {
        Slots {
            items: &self.items[start..end],
            base: self.base,
        }
    }
}

impl<A: DenseRows, B: DenseRows> DenseRows for Pair<A, B> {
    #[inline(always)]
    fn ids(&self) -> impl Iterator<Item = u32> {
        let s = self.stride;
        self.a
            .ids()
            .zip(self.b.ids())
            .map(move |(p, q)| p.wrapping_add(q.wrapping_mul(s)))
    }

    fn rows(&self, start: usize, end: usize) -> Self {
        Pair {
            a: self.a.rows(start, end),
            b: self.b.rows(start, end),
            stride: self.stride,
        }
    }
}

/// Precomputed composite ids (three or more columns).
impl DenseRows for &[u32] {
    #[inline(always)]
    fn ids(&self) -> impl Iterator<Item = u32> {
        self.iter().copied()
    }

    fn rows(&self, start: usize, end: usize) -> Self {
        &self[start..end]
    }
}

impl<'a> DenseKey<'a> {
    /// The key of a non-empty column; `None` when it needs more than
    /// `limit` slots. A signed column always has a slot for the null
    /// (slot 0), so its items take slots `1..=hi-lo+1`.
    pub(crate) fn new(col: DenseCol<'a>, limit: u64) -> Option<DenseKey<'a>> {
        // (least of x-1, greatest x) -> (base, range)
        let signed = |(l, h): (i64, i64), max: i64| {
            if l == max {
                // every item is null: the null slot only
                (0, 1)
            } else {
                // items lo..=hi with lo = l + 1; base lo - 1 = l
                (l, (h - l) as u64 + 1)
            }
        };
        let sj = |(l, h): (i64, i64), (m, g): (i64, i64)| (l.min(m), h.max(g));
        let uj = |(l, h): (u64, u64), (m, g): (u64, u64)| (l.min(m), h.max(g));
        let (base, range) = match col {
            DenseCol::U8(b) => {
                let (lo, hi) = par_bounds(b, |p| unsigned_bounds(p, |x| x as u32, limit), uj)?;
                (lo as i64, hi - lo + 1)
            }
            DenseCol::I16(b) => signed(
                par_bounds(
                    b,
                    |p| signed_bounds(p, |x| x.wrapping_sub(1), i16::MIN, i16::MAX, limit),
                    sj,
                )?,
                i16::MAX as i64,
            ),
            DenseCol::I32(b) => signed(
                par_bounds(
                    b,
                    |p| signed_bounds(p, |x| x.wrapping_sub(1), i32::MIN, i32::MAX, limit),
                    sj,
                )?,
                i32::MAX as i64,
            ),
            DenseCol::I64(b) => signed(
                par_bounds(
                    b,
                    |p| signed_bounds(p, |x| x.wrapping_sub(1), i64::MIN, i64::MAX, limit),
                    sj,
                )?,
                i64::MAX,
            ),
            DenseCol::Sym(b) => {
                let (lo, hi) = par_bounds(b, |p| unsigned_bounds(p, |x| x.0, limit), uj)?;
                (lo as i64, hi - lo + 1)
            }
        };
        if range > limit {
            return None;
        }
        Some(DenseKey { col, base, range })
    }
}
