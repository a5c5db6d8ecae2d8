//! Sorting and grading kernels behind `iasc idesc asc desc` (and `<x`,
//! `>x`), `xasc xdesc`, and every ordered result in qSQL. Grades are
//! stable (equal items keep their order; `desc` reverses while keeping
//! runs of equal items in order, as q). Vectors of at least [`RADIX_MIN`]
//! items are graded by an LSD radix sort over order-preserving `u64` keys
//! ([`f64_key`]: nulls first, then `-0w`…`0w`); one-byte types by counting;
//! symbols by the rank of their text. General lists order by type number,
//! then value ([`cmp_values`]). An ascending sort result carries `s#`.

use crate::ops::index::table_row;
use crate::ops::index::take_idx;
use crate::ops::par;
use qcore::Atom;
use qcore::Attr;
use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use std::cmp::Ordering;
use std::sync::Arc;

mod radix;
pub(crate) use radix::*;

pub(crate) fn grade_value(x: Value, desc: bool) -> QResult<Value> {
    match &x {
        // an atom has no order to grade (basics/funsql: `iasc 7` is 'rank)
        Value::Atom(_) => Err(QError::rank()),
        Value::Dict(d) => {
            let g = grade(&d.values, desc)?;
            Ok(take_idx(&d.keys, &to_i64(g)))
        }
        _ => {
            let g = grade(&x, desc)?;
            Ok(Value::Vector(Vector::longs(to_i64(g))))
        }
    }
}

/// A grade as q's long indexes: the same buffer where `usize` and `i64`
/// share a layout (64-bit targets; a grade's indexes are below
/// `isize::MAX`, so each keeps its value), else a copy split as the sorts
/// split. No pass over the indexes and no fresh pages for a second copy.
pub(crate) fn to_i64(g: Vec<usize>) -> Vec<i64> {
    qstorage::bytemuck::allocation::try_cast_vec(g)
        .unwrap_or_else(|(_, g)| par::sort_map(&g, |i| i as i64))
}

pub(crate) fn sort_value(x: Value, desc: bool) -> QResult<Value> {
    match x {
        Value::Vector(v) => Ok(Value::Vector(sort_vector(&v, desc))),
        Value::List(_) => {
            let g = grade(&x, desc)?;
            Ok(take_idx(&x, &to_i64(g)))
        }
        Value::Dict(d) => {
            let g = to_i64(grade(&d.values, desc)?);
            let mut values = take_idx(&d.values, &g);
            // a keyed table sorts on its value columns, marked as a table's are
            if !desc && let Value::Table(t) = &mut values {
                let t = Arc::make_mut(t);
                let n = t.columns.len();
                if let Some(Value::Vector(first)) = t.columns.first_mut() {
                    first.attr = if n == 1 { Attr::Sorted } else { Attr::Parted };
                }
            }
            Ok(Value::Dict(Arc::new(Dict {
                keys: take_idx(&d.keys, &g),
                values,
                sorted: false,
            })))
        }
        Value::Table(ref t) => {
            let g = to_i64(grade(&x, desc)?);
            let mut columns: Vec<Value> = t.columns.iter().map(|c| take_idx(c, &g)).collect();
            if !desc && let Some(Value::Vector(first)) = columns.first_mut() {
                first.attr = if t.columns.len() == 1 {
                    Attr::Sorted
                } else {
                    Attr::Parted
                };
            }
            Ok(Value::Table(Arc::new(Table {
                names: t.names.clone(),
                columns,
            })))
        }
        _ => Err(QError::type_()),
    }
}

/// Sorts a typed vector; ascending results carry `s#`.
pub fn sort_vector(v: &Vector, desc: bool) -> Vector {
    fn sorted<T: Copy + Ord>(b: &[T], desc: bool) -> Vec<T> {
        let mut out = b.to_vec();
        sort_stoppable(&mut out, false, T::cmp);
        if desc {
            out.reverse();
        }
        out
    }
    fn sorted_by_key<T: Copy, K: Ord>(b: &[T], desc: bool, key: impl Fn(T) -> K) -> Vec<T> {
        let mut out = b.to_vec();
        sort_stoppable(&mut out, true, |&a, &b| key(a).cmp(&key(b)));
        if desc {
            // stable descending: reverse runs of equal keys back
            out = stable_reverse(out, |a, b| key(*a) == key(*b));
        }
        out
    }
    // long vectors of numbers: the (radix, parallel) grade, then a gather
    fn by_grade<T: Copy>(v: &Vector, b: &[T], desc: bool) -> Vec<T> {
        let g = grade_vector(v, desc);
        if qcore::budget::stopping() {
            // the result is dropped: no gather
            return b.to_vec();
        }
        g.into_iter().map(|i| b[i]).collect()
    }
    let long = v.len() >= RADIX_MIN;
    let data = match v.data() {
        VecData::I16(b) if long => VecData::I16(by_grade(v, b, desc).into()),
        VecData::I32(b) if long => VecData::I32(by_grade(v, b, desc).into()),
        VecData::I64(b) if long => VecData::I64(by_grade(v, b, desc).into()),
        VecData::F32(b) if long => VecData::F32(by_grade(v, b, desc).into()),
        VecData::F64(b) if long => VecData::F64(by_grade(v, b, desc).into()),
        VecData::U8(b) => VecData::U8(sorted(b, desc).into()),
        VecData::I16(b) => VecData::I16(sorted(b, desc).into()),
        VecData::I32(b) => VecData::I32(sorted(b, desc).into()),
        VecData::I64(b) => VecData::I64(sorted(b, desc).into()),
        VecData::Guid(b) => VecData::Guid(sorted(b, desc).into()),
        VecData::F32(b) => VecData::F32(sorted_by_key(b, desc, |x| f64_key(x as f64)).into()),
        VecData::F64(b) => VecData::F64(sorted_by_key(b, desc, f64_key).into()),
        VecData::Sym(b) => {
            let g = grade_syms(b, desc);
            VecData::Sym(g.iter().map(|&i| b[i]).collect::<Vec<Sym>>().into())
        }
    };
    // a permutation of a null-free vector is null-free
    if v.data().known_no_nulls() {
        data.set_no_nulls();
    }
    let mut out = Vector::new(v.ty(), data).unwrap_or_else(|| Vector::empty(v.ty()));
    if !desc {
        out.attr = Attr::Sorted;
    }
    out
}

/// Sorts `v` by `cmp` (stably when `stable`), interruptibly: every
/// [`qcore::budget::CHUNK`] comparisons the stop signals are checked
/// ([`qcore::budget::stopping`]), and when they are raised the sort is
/// abandoned by unwinding out of the comparison (`resume_unwind`, which
/// runs no panic hook) and caught here. std's sorts leave the slice a
/// permutation of its items when a comparison unwinds, and the items are
/// `Copy`, so nothing is dropped twice or leaked. Returns `false` when it
/// stopped: `v` then holds its items in an unspecified order (the
/// interpreter discards the result and signals `'stop`). Costs one counter
/// per comparison, against a second pass over the data for a sort in
/// blocks merged between checks (measured: ~50% slower on 50M floats).
pub(crate) fn sort_stoppable<T: Copy>(
    v: &mut [T],
    stable: bool,
    cmp: impl Fn(&T, &T) -> Ordering,
) -> bool {
    /// The unwinding payload of an abandoned sort.
    struct Stopped;
    if v.len() <= qcore::budget::CHUNK {
        if stable {
            v.sort_by(cmp);
        } else {
            v.sort_unstable_by(cmp);
        }
        return true;
    }
    let left = std::cell::Cell::new(qcore::budget::CHUNK);
    let counted = |a: &T, b: &T| {
        let l = left.get() - 1;
        if l == 0 {
            if qcore::budget::stopping() {
                std::panic::resume_unwind(Box::new(Stopped));
            }
            left.set(qcore::budget::CHUNK);
        } else {
            left.set(l);
        }
        cmp(a, b)
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if stable {
            v.sort_by(counted);
        } else {
            v.sort_unstable_by(counted);
        }
    }));
    match r {
        Ok(()) => true,
        Err(p) if p.is::<Stopped>() => false,
        // a real panic in a comparison is a bug: let the session report it
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// Reverses a sorted vector while keeping runs of equal items in their
/// original order (so a descending sort stays stable).
pub(crate) fn stable_reverse<T: Copy>(v: Vec<T>, eq: impl Fn(&T, &T) -> bool) -> Vec<T> {
    let mut out = Vec::with_capacity(v.len());
    let mut end = v.len();
    while end > 0 {
        let mut start = end - 1;
        while start > 0 && eq(&v[start - 1], &v[end - 1]) {
            start -= 1;
        }
        out.extend_from_slice(&v[start..end]);
        end = start;
    }
    out
}

/// An order-preserving key for a float: NaN (null) first, then -0w .. 0w;
/// `-0.0` equals `0.0`.
#[inline]
pub fn f64_key(x: f64) -> u64 {
    if x.is_nan() {
        return 0;
    }
    let x = if x == 0.0 { 0.0 } else { x };
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// The stable grade of a list value: a vector, a general list or a table's
/// rows. Atoms give `'type`.
pub fn grade(x: &Value, desc: bool) -> QResult<Vec<usize>> {
    match x {
        Value::Vector(v) => Ok(grade_vector(v, desc)),
        Value::List(l) => {
            let mut idx: Vec<usize> = (0..l.len()).collect();
            if desc {
                sort_stoppable(&mut idx, true, |&a, &b| cmp_values(&l[b], &l[a]));
            } else {
                sort_stoppable(&mut idx, true, |&a, &b| cmp_values(&l[a], &l[b]));
            }
            Ok(idx)
        }
        Value::Table(t) => {
            // keys that fit one u64 together: one radix grade of them
            match packed_keys(&t.columns, desc) {
                Some(Packed::Indexed { keys, ib, bits }) => {
                    return Ok(radix_packed(keys, ib, bits));
                }
                Some(Packed::Keys(keys)) => {
                    return Ok(match radix_grade(keys) {
                        Ok(g) => g,
                        Err(keys) => bucket_grade(keys),
                    });
                }
                None => {}
            }
            // least significant column first; each pass is stable. `None`
            // while the order so far is the identity (no gather, no
            // composition: rows already in a column's order cost one check)
            let n = t.len();
            let mut perm: Option<Vec<usize>> = None;
            for c in t.columns.iter().rev() {
                if qcore::budget::stopping() {
                    break;
                }
                let g = match (&perm, c) {
                    (None, _) => grade(c, desc)?,
                    (Some(p), Value::Vector(v)) => grade_data(&sort_gather(v, p), desc),
                    (Some(p), _) => grade(&take_idx(c, &to_i64(p.clone())), desc)?,
                };
                if is_identity(&g) {
                    continue;
                }
                perm = Some(match perm {
                    None => g,
                    Some(p) => par::sort_map(&g, |i| p[i]),
                });
            }
            Ok(perm.unwrap_or_else(|| (0..n).collect()))
        }
        Value::Dict(d) => grade(&d.values, desc),
        _ => Err(QError::type_()),
    }
}

/// A table's rows as one `u64` key each, when its columns' keys fit in
/// 64 bits together (computed from the items as they are packed: one
/// `u64` a row whatever the number of columns, and a rank per row for
/// each symbol column): each column's order-preserving key ([`grade_data`]'s
/// order: bytes unsigned, integers signed with nulls first, floats by
/// [`f64_key`], symbols by the rank of their text) less its smallest,
/// the first column in the top bits; descending, each column's key
/// counted down from its largest, so one stable ascending grade of the
/// packed keys is the stable grade by the columns in order (what the
/// column-by-column passes give, for one radix grade instead of a grade,
/// a gather and a composition per column). `None`: fewer than
/// [`RADIX_MIN`] rows or two columns, a column that is not such a vector,
/// or more than 64 bits.
fn packed_keys(cols: &[Value], desc: bool) -> Option<Packed> {
    use rayon::prelude::*;
    let n = cols.first()?.count();
    if cols.len() < 2 || n < RADIX_MIN || n > u32::MAX as usize {
        return None;
    }
    /// A column's items and their key (symbols by their ranks, made once).
    enum Src<'a> {
        U8(&'a [u8]),
        I16(&'a [i16]),
        I32(&'a [i32]),
        I64(&'a [i64]),
        F32(&'a [f32]),
        F64(&'a [f64]),
        Rank(Vec<u32>),
    }
    // `$go!(items, key)` for a column: its items and their key function
    macro_rules! with_key {
        ($src:expr, $go:ident) => {
            match $src {
                Src::U8(b) => $go!(*b, |x: u8| x as u64),
                Src::I16(b) => $go!(*b, |x: i16| x.to_radix()),
                Src::I32(b) => $go!(*b, |x: i32| x.to_radix()),
                Src::I64(b) => $go!(*b, |x: i64| x.to_radix()),
                Src::F32(b) => $go!(*b, |x: f32| f64_key(x as f64)),
                Src::F64(b) => $go!(*b, f64_key),
                Src::Rank(b) => $go!(&b[..], |x: u32| x as u64),
            }
        };
    }
    // the smallest and largest key of a column
    macro_rules! bounds {
        ($b:expr, $key:expr) => {
            bounds($b, $key)
        };
    }
    fn bounds<T: Copy + Sync>(b: &[T], key: impl Fn(T) -> u64 + Sync) -> (u64, u64) {
        b.par_chunks(qcore::budget::CHUNK)
            .map(|c| {
                c.iter().fold((u64::MAX, 0u64), |(l, h), &x| {
                    let k = key(x);
                    (l.min(k), h.max(k))
                })
            })
            .reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)))
    }
    let mut srcs = Vec::with_capacity(cols.len());
    let mut spans = Vec::with_capacity(cols.len());
    let mut bits = 0u32;
    for c in cols {
        let Value::Vector(v) = c else { return None };
        if v.len() != n {
            return None;
        }
        let src = match v.data() {
            VecData::U8(b) => Src::U8(b),
            VecData::I16(b) => Src::I16(b),
            VecData::I32(b) => Src::I32(b),
            VecData::I64(b) => Src::I64(b),
            VecData::F32(b) => Src::F32(b),
            VecData::F64(b) => Src::F64(b),
            VecData::Sym(b) => Src::Rank(sym_ranks(b)),
            VecData::Guid(_) => return None,
        };
        let (lo, hi) = with_key!(&src, bounds);
        bits += 64 - (hi - lo).leading_zeros();
        if bits > 64 {
            return None;
        }
        srcs.push(src);
        spans.push((lo, hi));
    }
    // the last column in the low bits: each column's shift is the widths
    // of the columns after it. Keys of at most PACKED_BITS bits go above
    // the row's index, as radix_grade packs them (no pass to find the
    // varying bits and none to pack them); the first column packed writes
    // the keys, into fresh memory that is never read before it is written
    let ib = if bits <= PACKED_BITS {
        index_bits(n)
    } else {
        0
    };
    let step = par::sort_piece_len(n);
    let mut keys: Vec<u64> = Vec::new();
    let mut shift = ib;
    for (c, (src, &(lo, hi))) in srcs.iter().zip(&spans).rev().enumerate() {
        let sh = shift;
        shift += 64 - (hi - lo).leading_zeros();
        macro_rules! pack {
            ($b:expr, $key:expr) => {{
                let (b, key) = ($b, $key);
                let field = |x| {
                    let k = key(x);
                    let f = if desc { hi - k } else { k - lo };
                    f.checked_shl(sh).unwrap_or(0)
                };
                if c == 0 {
                    let row = |(i, &x)| field(x) | if ib > 0 { i as u64 } else { 0 };
                    keys = match step {
                        None => b.iter().enumerate().map(row).collect(),
                        Some(step) => b
                            .par_iter()
                            .enumerate()
                            .with_min_len(step / 4)
                            .map(row)
                            .collect(),
                    };
                } else {
                    let or = |(o, &x): (&mut u64, _)| *o |= field(x);
                    match step {
                        None => keys.iter_mut().zip(b.iter()).for_each(or),
                        Some(step) => keys
                            .par_iter_mut()
                            .zip(b.par_iter())
                            .with_min_len(step / 4)
                            .for_each(or),
                    }
                }
            }};
        }
        with_key!(src, pack);
    }
    Some(if ib > 0 {
        Packed::Indexed { keys, ib, bits }
    } else {
        Packed::Keys(keys)
    })
}

/// A table's rows packed by [`packed_keys`].
enum Packed {
    /// Each row's key in the low bits, for [`radix_grade`] (or
    /// [`bucket_grade`]) to sort.
    Keys(Vec<u64>),
    /// Each row's `bits`-bit key above its index's `ib` bits, for
    /// [`radix_packed`].
    Indexed { keys: Vec<u64>, ib: u32, bits: u32 },
}

/// Bits that hold every index of `n` items.
fn index_bits(n: usize) -> u32 {
    64 - (n.saturating_sub(1) as u64).leading_zeros()
}

/// Whether `g` is `til count g` (in pieces on the pool, as the sorts split).
fn is_identity(g: &[usize]) -> bool {
    use rayon::prelude::*;
    match par::sort_piece_len(g.len()) {
        None => g.iter().enumerate().all(|(i, &j)| i == j),
        Some(step) => g
            .par_chunks(step)
            .enumerate()
            .all(|(p, c)| c.iter().enumerate().all(|(i, &j)| p * step + i == j)),
    }
}

/// `v[p]` for a grade `p` of `v`'s items (in range), split as the sorts
/// split (a table's grade gathers each earlier column by the order so far).
fn sort_gather(v: &Vector, p: &[usize]) -> VecData {
    fn g<T: Copy + Send + Sync>(b: &[T], p: &[usize]) -> Vec<T> {
        par::sort_map(p, |i| b[i])
    }
    match v.data() {
        VecData::U8(b) => VecData::U8(g(b, p).into()),
        VecData::I16(b) => VecData::I16(g(b, p).into()),
        VecData::I32(b) => VecData::I32(g(b, p).into()),
        VecData::I64(b) => VecData::I64(g(b, p).into()),
        VecData::F32(b) => VecData::F32(g(b, p).into()),
        VecData::F64(b) => VecData::F64(g(b, p).into()),
        VecData::Guid(b) => VecData::Guid(g(b, p).into()),
        VecData::Sym(b) => VecData::Sym(g(b, p).into()),
    }
}

/// The stable grade of a typed vector.
pub fn grade_vector(v: &Vector, desc: bool) -> Vec<usize> {
    grade_data(v.data(), desc)
}

fn grade_data(d: &VecData, desc: bool) -> Vec<usize> {
    match d {
        VecData::U8(b) => grade_u8(b, desc),
        VecData::I16(b) => grade_keys(b, desc, |x| x),
        VecData::I32(b) => grade_keys(b, desc, |x| x),
        VecData::I64(b) => grade_keys(b, desc, |x| x),
        VecData::F32(b) => grade_keys(b, desc, |x| f64_key(x as f64)),
        VecData::F64(b) => grade_keys(b, desc, f64_key),
        VecData::Guid(b) => grade_keys(b, desc, |x| x),
        VecData::Sym(b) => grade_syms(b, desc),
    }
}

/// Grade by a key per item: already-ordered input short-cuts to `til n`;
/// otherwise `(key, index)` pairs sorted (distinct pairs, so stable).
pub(crate) fn grade_keys<T: Copy + Send + Sync, K: Ord + Copy + RadixKey>(
    b: &[T],
    desc: bool,
    key: impl Fn(T) -> K + Sync + Send,
) -> Vec<usize> {
    let n = b.len();
    let in_order = |w: &[T]| {
        if desc {
            key(w[0]) >= key(w[1])
        } else {
            key(w[0]) <= key(w[1])
        }
    };
    let ordered = match par::sort_piece_len(n) {
        None => b.windows(2).all(in_order),
        Some(step) => {
            use rayon::prelude::*;
            b.par_windows(2).with_min_len(step / 4).all(in_order)
        }
    };
    if ordered {
        return (0..n).collect();
    }
    if n >= RADIX_MIN && n <= u32::MAX as usize && K::RADIX {
        let keys: Vec<u64> = par::sort_map(b, |x| {
            let k = key(x).to_radix();
            if desc { !k } else { k }
        });
        return match radix_grade(keys) {
            Ok(g) => g,
            Err(keys) => bucket_grade(keys),
        };
    }
    if n <= u32::MAX as usize {
        let mut pairs: Vec<(K, u32)> = b
            .iter()
            .enumerate()
            .map(|(i, &x)| (key(x), i as u32))
            .collect();
        // the pairs are distinct, so an unstable sort gives the stable grade
        if desc {
            sort_stoppable(&mut pairs, false, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        } else {
            sort_stoppable(&mut pairs, false, <(K, u32)>::cmp);
        }
        pairs.into_iter().map(|(_, i)| i as usize).collect()
    } else {
        let mut idx: Vec<usize> = (0..n).collect();
        if desc {
            sort_stoppable(&mut idx, true, |&i, &j| key(b[j]).cmp(&key(b[i])));
        } else {
            sort_stoppable(&mut idx, true, |&i, &j| key(b[i]).cmp(&key(b[j])));
        }
        idx
    }
}

/// The first `k` indexes of the stable grade of `v` (`grade_vector(v,
/// desc)[..k]`, ties in index order, nulls where the full grade puts them)
/// by a bounded heap over `(key, index)` pairs: one pass, no full sort.
/// `None` when `k` is too large for a heap to pay or the type has no
/// integer key (guids).
pub fn top_grade(v: &Vector, desc: bool, k: usize) -> Option<Vec<usize>> {
    let n = v.len();
    if k >= n || k > 4096 || n > u32::MAX as usize {
        return None;
    }
    /// `beats(x, w)`: x might sort strictly before `w` (the worst item
    /// kept): never false when it does; a block none of whose items beats
    /// `w` is skipped with one branch-free (vectorising) pass over the raw
    /// items, without computing their keys.
    /// Over the pool when `b` is long: each piece's first `k` (of its own
    /// stable order) holds every item of the whole first `k` that lies in
    /// it, so the candidates' (key, index) pairs ordered and cut to `k` are
    /// exactly the sequential answer.
    fn top<T: Copy + Send + Sync>(
        b: &[T],
        desc: bool,
        k: usize,
        key: impl Fn(T) -> u64 + Sync,
        beats: impl Fn(T, T) -> bool + Sync,
    ) -> Vec<usize> {
        use rayon::prelude::*;
        let Some(piece) = par::piece_len(b.len()).filter(|&p| p > k) else {
            return top_seq(b, desc, k, &key, &beats);
        };
        let flip = if desc { u64::MAX } else { 0 };
        let mut cand: Vec<(u64, usize)> = b
            .par_chunks(piece)
            .enumerate()
            .flat_map_iter(|(p, s)| {
                top_seq(s, desc, k, &key, &beats)
                    .into_iter()
                    .map(move |i| p * piece + i)
            })
            .map(|i| (key(b[i]) ^ flip, i))
            .collect();
        cand.sort_unstable();
        cand.truncate(k);
        cand.into_iter().map(|(_, i)| i).collect()
    }
    fn top_seq<T: Copy>(
        b: &[T],
        desc: bool,
        k: usize,
        key: &impl Fn(T) -> u64,
        beats: &impl Fn(T, T) -> bool,
    ) -> Vec<usize> {
        use std::collections::BinaryHeap;
        const BLOCK: usize = 64;
        if k == 0 {
            return Vec::new();
        }
        // ascending (key', index) with key' = !key for descending: the
        // stable grade's order; the heap keeps the k smallest pairs
        let flip = if desc { u64::MAX } else { 0 };
        let mut heap: BinaryHeap<(u64, u32)> = BinaryHeap::with_capacity(k + 1);
        // the worst pair kept so far, once the heap is full: later indexes
        // are larger, so a pair must have a strictly smaller key to enter
        let mut worst = u64::MAX;
        let mut wv: Option<T> = None;
        for (c, blk) in b.chunks(BLOCK).enumerate() {
            if let Some(w) = wv
                && !blk.iter().fold(false, |a, &x| a | beats(x, w))
            {
                continue;
            }
            for (j, &x) in blk.iter().enumerate() {
                let kk = key(x) ^ flip;
                let i = (c * BLOCK + j) as u32;
                if heap.len() < k {
                    heap.push((kk, i));
                } else if kk < worst {
                    if let Some(mut top) = heap.peek_mut() {
                        *top = (kk, i);
                    }
                } else {
                    continue;
                }
                if heap.len() == k
                    && let Some(&(wk, wi)) = heap.peek()
                {
                    worst = wk;
                    wv = b.get(wi as usize).copied();
                }
            }
        }
        heap.into_sorted_vec()
            .into_iter()
            .map(|(_, i)| i as usize)
            .collect()
    }
    // integer keys order as the signed values (nulls are the minimum);
    // float keys as the values with NaN first, so the float tests are `x > w`
    // / `x < w`, or either is NaN (then the items are checked by key)
    fn ints<T: Copy + PartialOrd + Send + Sync>(
        b: &[T],
        desc: bool,
        k: usize,
        key: impl Fn(T) -> u64 + Sync,
    ) -> Vec<usize> {
        if desc {
            top(b, true, k, key, |x, w| x > w)
        } else {
            top(b, false, k, key, |x, w| x < w)
        }
    }
    fn floats(b: &[f64], desc: bool, k: usize) -> Vec<usize> {
        if desc {
            top(b, true, k, f64_key, |x, w| {
                (x > w) | x.is_nan() | w.is_nan()
            })
        } else {
            top(b, false, k, f64_key, |x, w| {
                (x < w) | x.is_nan() | w.is_nan()
            })
        }
    }
    fn reals(b: &[f32], desc: bool, k: usize) -> Vec<usize> {
        let key = |x: f32| f64_key(x as f64);
        if desc {
            top(b, true, k, key, |x, w| (x > w) | x.is_nan() | w.is_nan())
        } else {
            top(b, false, k, key, |x, w| (x < w) | x.is_nan() | w.is_nan())
        }
    }
    Some(match v.data() {
        VecData::U8(b) => ints(b, desc, k, |x| x as u64),
        VecData::I16(b) => ints(b, desc, k, |x| x.to_radix()),
        VecData::I32(b) => ints(b, desc, k, |x| x.to_radix()),
        VecData::I64(b) => ints(b, desc, k, |x| x.to_radix()),
        VecData::F32(b) => reals(b, desc, k),
        VecData::F64(b) => floats(b, desc, k),
        VecData::Sym(b) => ints(&sym_ranks(b), desc, k, |x| x as u64),
        VecData::Guid(_) => return None,
    })
}

/// Orders two atoms: by type number first, then by value (nulls first).
pub fn cmp_atoms(a: &Atom, b: &Atom) -> Ordering {
    let (ta, tb) = (a.ty(), b.ty());
    if ta != tb {
        return ta.code().cmp(&tb.code());
    }
    match (a, b) {
        (Atom::Symbol(x), Atom::Symbol(y)) => x.cmp_text(*y),
        (Atom::Guid(x), Atom::Guid(y)) => x.cmp(y),
        (Atom::Real(x), Atom::Real(y)) => f64_key(*x as f64).cmp(&f64_key(*y as f64)),
        (Atom::Float(x), Atom::Float(y)) | (Atom::Datetime(x), Atom::Datetime(y)) => {
            f64_key(*x).cmp(&f64_key(*y))
        }
        _ => a.to_i64().cmp(&b.to_i64()),
    }
}

/// Orders any two values for sorting general lists: `::` first, then atoms
/// (by type, then value), then lists (lexicographically, then by count),
/// then dictionaries, tables and functions.
pub fn cmp_values(a: &Value, b: &Value) -> Ordering {
    fn class(v: &Value) -> u8 {
        match v {
            Value::Nil => 0,
            Value::Atom(_) => 1,
            Value::Vector(_) | Value::List(_) => 2,
            Value::Dict(_) => 3,
            Value::Table(_) => 4,
            Value::Func(_) => 5,
        }
    }
    match (a, b) {
        (Value::Atom(x), Value::Atom(y)) => cmp_atoms(x, y),
        (Value::Vector(x), Value::Vector(y)) => {
            let n = x.len().min(y.len());
            for i in 0..n {
                let o = cmp_atoms(&x.get(i), &y.get(i));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (x, y) if x.is_list() && y.is_list() => {
            let (xs, ys) = (x.items(), y.items());
            for (p, q) in xs.iter().zip(&ys) {
                let o = cmp_values(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            xs.len().cmp(&ys.len())
        }
        (Value::Dict(x), Value::Dict(y)) => cmp_values(&x.values, &y.values),
        (Value::Table(x), Value::Table(y)) => {
            let n = x.len().min(y.len());
            for i in 0..n {
                let o = cmp_values(&table_row(x, i), &table_row(y, i));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => class(a).cmp(&class(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference grade of a table's `n` rows: a stable sort comparing
    /// the rows column by column.
    fn grade_by_rows(tt: &Table, n: usize, desc: bool) -> Vec<usize> {
        let mut want: Vec<usize> = (0..n).collect();
        want.sort_by(|&i, &j| {
            let o = tt
                .columns
                .iter()
                .map(|c| match c {
                    Value::Vector(v) => cmp_atoms(&v.get(i), &v.get(j)),
                    _ => Ordering::Equal,
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal);
            if desc { o.reverse() } else { o }
        });
        want
    }

    use crate::testutil::xorshift as rng;

    /// Every grade split across a pool (radix passes, the bucket scatter,
    /// the counting sort of symbols, a table's columns) is the one-thread
    /// grade.
    #[test]
    fn parallel_grades_are_the_sequential_ones() {
        // the default threshold (the process-wide one is left alone: other
        // tests run beside this one); one thread never splits
        let mut rnd = rng(0x005e_ed0f_50a7);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("pool");
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        for n in [70_000usize, 140_001] {
            let small: Vec<i64> = (0..n).map(|_| rnd(300) as i64 - 100).collect();
            let mid: Vec<i64> = (0..n).map(|_| rnd(1 << 30) as i64).collect();
            let wide: Vec<i64> = (0..n).map(|_| (rnd(u64::MAX) >> 2) as i64).collect();
            let floats: Vec<f64> = (0..n)
                .map(|_| match rnd(9) {
                    0 => f64::NAN,
                    1 => -0.0,
                    2 => 0.0,
                    _ => rnd(1 << 40) as f64 / 7.0 - 1e10,
                })
                .collect();
            // names other tests intern anyway (a new symbol moves the ids
            // later tests' dense plans see)
            let names: Vec<Sym> = ["a", "b", "c", "x", "y", "z"]
                .iter()
                .map(|t| Sym::new(t))
                .collect();
            let syms: Vec<Sym> = (0..n).map(|_| names[rnd(6) as usize]).collect();
            let vals = [
                Value::Vector(Vector::longs(small.clone())),
                Value::Vector(Vector::longs(mid)),
                Value::Vector(Vector::longs(wide)),
                Value::Vector(Vector::floats(floats)),
                Value::Vector(Vector::syms(syms.clone())),
                Value::table(
                    vec![Sym::new("a"), Sym::new("b")],
                    vec![
                        Value::Vector(Vector::syms(syms)),
                        Value::Vector(Vector::longs(small)),
                    ],
                ),
            ];
            for v in &vals {
                for desc in [false, true] {
                    let want = one.install(|| grade(v, desc)).expect("grade");
                    let got = pool.install(|| grade(v, desc)).expect("grade");
                    assert_eq!(got, want, "{n} {desc}");
                }
            }
        }
        // the bucket scatter in pieces, whatever the piece size
        let keys: Vec<u64> = (0..9000).map(|_| rnd(u64::MAX)).collect();
        let bucket = |k: u64| (k >> 48) as usize;
        let mut want = vec![(0, 0); keys.len()];
        let wb = bucket_scatter(&keys, &mut want, bucket).expect("scatter");
        for step in [1000, 2999, 9000] {
            let mut got = vec![(0, 0); keys.len()];
            let gb = pool.install(|| bucket_scatter_par(&keys, &mut got, step, bucket));
            assert_eq!((gb, got), (wb.clone(), want.clone()), "{step}");
        }
    }

    /// The block-skipping scan against the full stable grade: every storage
    /// width, nulls, infinities and signed zeros, ties, and orders where
    /// the threshold moves at every block (ascending, descending data).
    #[test]
    fn top_grade_block_skip_matches_full_grade() {
        let mut rnd = rng(0x5851_f42d_4c95_7f2d);
        let fl = [
            f64::NAN,
            -0.0,
            0.0,
            1.0,
            -3.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for n in [63usize, 64, 65, 1000, 9000] {
            let mut pick = |m: u64| rnd(m);
            let longs: Vec<i64> = (0..n)
                .map(|_| match pick(9) {
                    0 => i64::MIN,
                    1 => i64::MAX,
                    2 => -i64::MAX,
                    _ => pick(1 << 20) as i64 - (1 << 19),
                })
                .collect();
            let floats: Vec<f64> = (0..n)
                .map(|_| {
                    if pick(3) == 0 {
                        fl[pick(7) as usize]
                    } else {
                        (pick(1 << 20) as f64 - 524288.0) / 64.0
                    }
                })
                .collect();
            let vs = [
                Vector::longs(longs.clone()),
                Vector::longs((0..n as i64).collect()),
                Vector::longs((0..n as i64).rev().collect()),
                Vector::from_i32(
                    qcore::Ty::Int,
                    longs
                        .iter()
                        .map(|&x| if x == i64::MIN { i32::MIN } else { x as i32 })
                        .collect(),
                ),
                Vector::from_i16(longs.iter().map(|&x| (x >> 8) as i16).collect()),
                Vector::from_u8(qcore::Ty::Byte, longs.iter().map(|&x| x as u8).collect()),
                Vector::floats(floats.clone()),
                Vector::floats((0..n).map(|i| i as f64 * 0.5).collect()),
                Vector::floats((0..n).map(|i| -(i as f64)).collect()),
                Vector::from_f32(floats.iter().map(|&x| x as f32).collect()),
            ];
            for v in &vs {
                for desc in [false, true] {
                    let full = grade_vector(v, desc);
                    for k in [1usize, 2, 10, 64, 65, 999] {
                        if let Some(top) = top_grade(v, desc, k) {
                            assert_eq!(top, full[..k], "{:?} n={n} k={k} desc={desc}", v.ty());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn top_grade_is_prefix_of_stable_grade() {
        let mut rnd = rng(0x9e37_79b9_7f4a_7c15);
        let syms = [Sym::new(""), Sym::new("zz"), Sym::new("a"), Sym::new("m")];
        let floats = [f64::NAN, -0.0, 0.0, 2.5, f64::INFINITY, f64::NEG_INFINITY];
        for n in [0usize, 1, 5, 100, 6000] {
            let vs = [
                Vector::longs(
                    (0..n)
                        .map(|_| {
                            if rnd(7) == 0 {
                                i64::MIN
                            } else {
                                rnd(5) as i64 - 2
                            }
                        })
                        .collect(),
                ),
                Vector::floats((0..n).map(|_| floats[rnd(6) as usize]).collect()),
                Vector::syms((0..n).map(|_| syms[rnd(4) as usize]).collect()),
            ];
            for v in &vs {
                for desc in [false, true] {
                    let full = grade_vector(v, desc);
                    for k in [0usize, 1, 3, 10, 99, 4096] {
                        if let Some(top) = top_grade(v, desc, k) {
                            assert_eq!(top, full[..k], "n={n} k={k} desc={desc}");
                        } else {
                            assert!(k >= n || k > 4096);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn table_grade_matches_row_comparison() {
        let mut rnd = rng(0x2545_f491_4f6c_dd1d);
        let syms = [Sym::new("q"), Sym::new("b"), Sym::new("")];
        for n in [0usize, 3, 50, 5000] {
            // second key already sorted in half the cases (identity pass)
            let s: Vec<Sym> = (0..n).map(|_| syms[rnd(3) as usize]).collect();
            let l: Vec<i64> = if n % 2 == 0 {
                (0..n as i64).collect()
            } else {
                (0..n).map(|_| rnd(4) as i64).collect()
            };
            let t = Value::Table(Arc::new(Table {
                names: vec![Sym::new("s"), Sym::new("l")],
                columns: vec![
                    Value::Vector(Vector::syms(s)),
                    Value::Vector(Vector::longs(l)),
                ],
            }));
            let Value::Table(tt) = &t else { unreachable!() };
            for desc in [false, true] {
                let want = grade_by_rows(tt, n, desc);
                assert_eq!(grade(&t, desc).unwrap_or_default(), want, "n={n}");
            }
        }
    }

    #[test]
    fn float_key_orders_nulls_first_and_zeroes_equal() {
        let xs = [
            f64::NAN,
            f64::NEG_INFINITY,
            -2.5,
            -0.0,
            0.0,
            1e-300,
            3.0,
            f64::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(f64_key(w[0]) <= f64_key(w[1]), "{:?}", w);
        }
        assert_eq!(f64_key(-0.0), f64_key(0.0));
    }

    /// Sorts and grades longer than one stop-check chunk (the counted
    /// comparison path) agree with std's sorts: floats with duplicates,
    /// nulls and both zeroes, longs beyond the radix pass limit, a general
    /// list.
    #[test]
    fn long_sorts_match_std() {
        let mut rnd = crate::testutil::xorshift(7);
        let n = 3 * qcore::budget::CHUNK + 17;
        let floats: Vec<f64> = (0..n)
            .map(|_| match rnd(50) {
                0 => f64::NAN,
                1 => -0.0,
                2 => 0.0,
                k => (rnd(1000) as f64 - 500.0) * k as f64,
            })
            .collect();
        let v = Vector::floats(floats.clone());
        let mut want = floats.clone();
        want.sort_by_key(|&x| f64_key(x));
        let got = sort_vector(&v, false);
        let got = got.as_f64().unwrap();
        assert!(
            got.iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by_key(|&i| f64_key(floats[i]));
        assert_eq!(grade_vector(&v, false), idx);
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&i, &j| f64_key(floats[j]).cmp(&f64_key(floats[i])));
        assert_eq!(grade_vector(&v, true), idx);
        let longs: Vec<i64> = (0..n).map(|_| rnd(u64::MAX) as i64).collect();
        let mut want = longs.clone();
        want.sort_unstable();
        let got = sort_vector(&Vector::longs(longs.clone()), false);
        assert_eq!(got.as_i64().unwrap(), &want[..]);
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by_key(|&i| longs[i]);
        assert_eq!(grade_vector(&Vector::longs(longs.clone()), false), idx);
        let list = Value::list(longs[..n].iter().map(|&x| Value::long(x % 97)).collect());
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by_key(|&i| longs[i] % 97);
        assert_eq!(grade(&list, false).unwrap(), idx);
    }

    #[test]
    fn grades_are_stable() {
        let v = Vector::longs(vec![2, 1, 3, 4, 2, 1, 2]);
        assert_eq!(grade_vector(&v, false), vec![1, 5, 0, 4, 6, 2, 3]);
        assert_eq!(grade_vector(&v, true), vec![3, 2, 0, 4, 6, 1, 5]);
        let b = Vector::from_u8(qcore::Ty::Char, b"mississippi".to_vec());
        assert_eq!(
            grade_vector(&b, false),
            vec![1, 4, 7, 10, 0, 8, 9, 2, 3, 5, 6]
        );
        assert_eq!(
            grade_vector(&b, true),
            vec![2, 3, 5, 6, 8, 9, 0, 1, 4, 7, 10]
        );
    }

    #[test]
    fn float_desc_sort_is_stable_for_signed_zeroes() {
        let v = Vector::floats(vec![0.0, -0.0, 1.0, f64::NAN]);
        let s = sort_vector(&v, true);
        let out = s.as_f64().unwrap_or(&[]).to_vec();
        assert_eq!(out[0], 1.0);
        assert!(out[1].to_bits() == 0.0f64.to_bits());
        assert!(out[2].to_bits() == (-0.0f64).to_bits());
        assert!(out[3].is_nan());
    }

    #[test]
    fn radix_grade_matches_comparison_sort() {
        let mut rng = crate::testutil::xorshift(12345);
        let v: Vec<i64> = (0..20_000)
            .map(|i| {
                let x = rng(u64::MAX);
                match i % 7 {
                    0 => i64::MIN,
                    1 => -((x % 1000) as i64),
                    _ => (x % 5000) as i64,
                }
            })
            .collect();
        for desc in [false, true] {
            let g = grade_vector(&Vector::longs(v.clone()), desc);
            let mut want: Vec<usize> = (0..v.len()).collect();
            if desc {
                want.sort_by(|&a, &b| v[b].cmp(&v[a]));
            } else {
                want.sort_by_key(|&a| v[a]);
            }
            assert_eq!(g, want);
        }
        let f: Vec<f64> = v
            .iter()
            .map(|&k| {
                if k == i64::MIN {
                    f64::NAN
                } else {
                    k as f64 / 3.0
                }
            })
            .collect();
        let g = grade_vector(&Vector::floats(f.clone()), false);
        assert!(f[g[0]].is_nan());
        assert!(g.windows(2).all(|w| f64_key(f[w[0]]) <= f64_key(f[w[1]])));
    }

    /// Random floats (every byte of their keys varies: the bucket path)
    /// with nulls, infinities and both zeroes repeated: the grade is the
    /// stable one, ascending and descending, and `asc`/`desc` agree with it.
    #[test]
    fn bucket_grade_is_stable_on_random_floats() {
        let mut rng = crate::testutil::xorshift(987654321);
        let f: Vec<f64> = (0..30_000)
            .map(|i| {
                let x = rng(u64::MAX);
                match i % 11 {
                    0 => f64::NAN,
                    1 => -0.0,
                    2 => 0.0,
                    3 => f64::INFINITY,
                    4 => f64::NEG_INFINITY,
                    _ => (x as f64 / u64::MAX as f64 - 0.5) * 1e6,
                }
            })
            .collect();
        for desc in [false, true] {
            let g = grade_vector(&Vector::floats(f.clone()), desc);
            let mut want: Vec<usize> = (0..f.len()).collect();
            if desc {
                want.sort_by(|&a, &b| f64_key(f[b]).cmp(&f64_key(f[a])));
            } else {
                want.sort_by_key(|&a| f64_key(f[a]));
            }
            assert_eq!(g, want);
            let sorted = sort_vector(&Vector::floats(f.clone()), desc);
            let got = sorted.as_f64().unwrap();
            assert!(
                got.iter()
                    .zip(want.iter().map(|&i| f[i]))
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
        }
    }

    /// The packed radix grade is the stable grade, on one thread and split
    /// in pieces over a pool of three: keys whose varying bits are one run
    /// (ties), two runs (nulls' top bit beside small values), 32 bits in 32
    /// runs, small values of both signs (the key less the smallest), all
    /// equal, and keys too wide handed back unchanged; empty and
    /// tiny inputs; and a pass in any number of pieces gives the one-piece
    /// order. Grades as longs keep every index.
    #[test]
    fn packed_radix_grade_is_stable() {
        let _lock = par::switch_lock();
        let mut rnd = rng(0x0ddb_a11c_0ffe);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("pool");
        let stable = |keys: &[u64]| {
            let mut g: Vec<usize> = (0..keys.len()).collect();
            g.sort_by_key(|&i| keys[i]);
            g
        };
        for n in [0usize, 1, 2, 3, 4096, 9001] {
            let shapes: Vec<Vec<u64>> = vec![
                (0..n).map(|_| rnd(1000)).collect(),
                (0..n)
                    .map(|_| {
                        if rnd(5) == 0 {
                            0
                        } else {
                            (1 << 63) | rnd(1000)
                        }
                    })
                    .collect(),
                (0..n)
                    .map(|_| rnd(u64::MAX) & 0x5555_5555_5555_5555)
                    .collect(),
                vec![7; n],
                (0..n).map(|_| rnd(u64::MAX)).collect(),
                (0..n).map(|_| (rnd(100) as i64 - 50).to_radix()).collect(),
            ];
            for keys in shapes {
                let varying = keys.iter().fold(0u64, |m, &k| m | (k ^ keys[0]));
                let (lo, hi) = (keys.iter().min(), keys.iter().max());
                let span = match (lo, hi) {
                    (Some(l), Some(h)) => 64 - (h - l).leading_zeros(),
                    _ => 0,
                };
                let wide = varying.count_ones().min(span) > PACKED_BITS;
                for split in [false, true] {
                    par::set_par_rows(if split { 2 } else { par::PAR_ROWS });
                    let got = pool.install(|| radix_grade(keys.clone()));
                    par::set_par_rows(par::PAR_ROWS);
                    match got {
                        Ok(g) => assert_eq!(g, stable(&keys), "n={n} split={split}"),
                        Err(k) => assert!(wide && k == keys, "n={n}"),
                    }
                }
            }
        }
        let keys: Vec<u64> = (0..9001).map(|_| rnd(1 << 20)).collect();
        let mut want = vec![0; keys.len()];
        assert!(packed_pass(&keys, &mut want, 3, 11, u64::MAX, keys.len()));
        for step in [1000, 2999, 4501] {
            let mut got = vec![0; keys.len()];
            assert!(pool.install(|| packed_pass(&keys, &mut got, 3, 11, u64::MAX, step)));
            assert_eq!(got, want, "{step}");
        }
        let g: Vec<usize> = (0..5000).rev().collect();
        assert_eq!(to_i64(g), (0..5000).rev().collect::<Vec<i64>>());
        // tables: symbols (with the null symbol) and shorts with nulls pack
        // above the index; with ints and their nulls, 34 bits do not
        let syms = [Sym::new(""), Sym::new("b"), Sym::new("a")];
        for n in [4096usize, 9001] {
            let s: Vec<Sym> = (0..n).map(|_| syms[rnd(3) as usize]).collect();
            let h: Vec<i16> = (0..n)
                .map(|_| {
                    if rnd(7) == 0 {
                        i16::MIN
                    } else {
                        rnd(50) as i16 - 9
                    }
                })
                .collect();
            let i: Vec<i32> = h
                .iter()
                .map(|&x| {
                    if x == i16::MIN {
                        i32::MIN
                    } else {
                        x as i32 * 1000
                    }
                })
                .collect();
            let tables = [
                Value::table(
                    vec![Sym::new("s"), Sym::new("h")],
                    vec![
                        Value::Vector(Vector::syms(s.clone())),
                        Value::Vector(Vector::from_i16(h)),
                    ],
                ),
                Value::table(
                    vec![Sym::new("s"), Sym::new("i")],
                    vec![
                        Value::Vector(Vector::syms(s)),
                        Value::Vector(Vector::from_i32(qcore::Ty::Int, i)),
                    ],
                ),
            ];
            for t in &tables {
                let Value::Table(tt) = t else { unreachable!() };
                for desc in [false, true] {
                    let want = grade_by_rows(tt, n, desc);
                    for split in [false, true] {
                        par::set_par_rows(if split { 2 } else { par::PAR_ROWS });
                        let got = pool.install(|| grade(t, desc));
                        par::set_par_rows(par::PAR_ROWS);
                        assert_eq!(got.ok(), Some(want.clone()), "n={n} {desc} {split}");
                    }
                }
            }
        }
    }

    #[test]
    fn symbols_sort_by_text() {
        let v = Vector::syms(vec![
            Sym::new("zz"),
            Sym::new("ab"),
            Sym::new(""),
            Sym::new("m"),
        ]);
        assert_eq!(grade_vector(&v, false), vec![2, 1, 3, 0]);
    }
}
