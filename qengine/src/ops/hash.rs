//! Hashing for the keywords that look items up: `?` (find), `distinct`,
//! `group`, `in`, `except`/`inter`, and the joins' key matching. A hash is
//! consistent with `~` ([`hash_value`]: values that match hash equal;
//! floats are normalised so `0.0` and `-0.0`, and every NaN, hash alike).
//! Typed vectors are hashed through slices of fixed-width keys (the
//! `with_keys` macros); tables are hashed columnar, row by row over typed
//! column views ([`RowCol`]), with a general-list fallback. Group ids are
//! numbered in order of first occurrence, which is the order q's `group`
//! and `distinct` give.

use crate::ops::compare::values_match;
use crate::ops::dense::Col;
use crate::ops::dense::dense_ids;
use crate::ops::make::State;
use hashbrown::HashMap;
use hashbrown::HashSet;
use hashbrown::HashTable;
use qcore::Atom;
use qcore::Guid;
use qcore::Sym;
use qcore::Table;
use qcore::Value;
use qcore::VecData;
use std::hash::BuildHasher;
use std::hash::Hash;
use std::hash::Hasher;

/// Applies `$e` to the items slice `$x` of a vector, giving a vector of the
/// same type from the `Vec` it returns.
macro_rules! map_vec {
    ($v:expr, $x:ident => $e:expr) => {{
        let v: &Vector = $v;
        let data = match v.data() {
            VecData::U8($x) => VecData::U8(($e).into()),
            VecData::I16($x) => VecData::I16(($e).into()),
            VecData::I32($x) => VecData::I32(($e).into()),
            VecData::I64($x) => VecData::I64(($e).into()),
            VecData::F32($x) => VecData::F32(($e).into()),
            VecData::F64($x) => VecData::F64(($e).into()),
            VecData::Guid($x) => VecData::Guid(($e).into()),
            VecData::Sym($x) => VecData::Sym(($e).into()),
        };
        Vector::new(v.ty(), data).unwrap_or_else(|| Vector::empty(v.ty()))
    }};
}
pub(crate) use map_vec;

/// Runs `$body` with `$k` bound to a slice of hashable keys for the items
/// of a vector (floats normalised so equal floats hash equal).
macro_rules! with_keys {
    ($v:expr, $k:ident => $body:expr) => {{
        match $v.data() {
            VecData::U8(b) => {
                let $k: &[u8] = b;
                $body
            }
            VecData::I16(b) => {
                let $k: &[i16] = b;
                $body
            }
            VecData::I32(b) => {
                let $k: &[i32] = b;
                $body
            }
            VecData::I64(b) => {
                let $k: &[i64] = b;
                $body
            }
            VecData::F32(b) => {
                let tmp: Vec<u32> = b.iter().map(|&x| norm_f32(x)).collect();
                let $k: &[u32] = &tmp;
                $body
            }
            VecData::F64(b) => {
                let tmp: Vec<u64> = b.iter().map(|&x| norm_f64(x)).collect();
                let $k: &[u64] = &tmp;
                $body
            }
            VecData::Guid(b) => {
                let $k: &[Guid] = b;
                $body
            }
            VecData::Sym(b) => {
                let $k: &[Sym] = b;
                $body
            }
        }
    }};
}
pub(crate) use with_keys;

/// As [`with_keys`] for two vectors of the same representation; `None`
/// when the representations differ.
macro_rules! with_keys2 {
    ($x:expr, $y:expr, $a:ident, $b:ident => $body:expr) => {{
        match ($x.data(), $y.data()) {
            (VecData::U8(p), VecData::U8(q)) => {
                let ($a, $b): (&[u8], &[u8]) = (p, q);
                Some($body)
            }
            (VecData::I16(p), VecData::I16(q)) => {
                let ($a, $b): (&[i16], &[i16]) = (p, q);
                Some($body)
            }
            (VecData::I32(p), VecData::I32(q)) => {
                let ($a, $b): (&[i32], &[i32]) = (p, q);
                Some($body)
            }
            (VecData::I64(p), VecData::I64(q)) => {
                let ($a, $b): (&[i64], &[i64]) = (p, q);
                Some($body)
            }
            (VecData::F32(p), VecData::F32(q)) => {
                let p: Vec<u32> = p.iter().map(|&x| norm_f32(x)).collect();
                let q: Vec<u32> = q.iter().map(|&x| norm_f32(x)).collect();
                let ($a, $b): (&[u32], &[u32]) = (&p, &q);
                Some($body)
            }
            (VecData::F64(p), VecData::F64(q)) => {
                let p: Vec<u64> = p.iter().map(|&x| norm_f64(x)).collect();
                let q: Vec<u64> = q.iter().map(|&x| norm_f64(x)).collect();
                let ($a, $b): (&[u64], &[u64]) = (&p, &q);
                Some($body)
            }
            (VecData::Guid(p), VecData::Guid(q)) => {
                let ($a, $b): (&[Guid], &[Guid]) = (p, q);
                Some($body)
            }
            (VecData::Sym(p), VecData::Sym(q)) => {
                let ($a, $b): (&[Sym], &[Sym]) = (p, q);
                Some($body)
            }
            _ => None,
        }
    }};
}
pub(crate) use with_keys2;

#[inline]
pub(crate) fn norm_f64(x: f64) -> u64 {
    if x.is_nan() {
        0x7ff8_0000_0000_0000
    } else if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

#[inline]
pub(crate) fn norm_f32(x: f32) -> u32 {
    if x.is_nan() {
        0x7fc0_0000
    } else if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

// ---------------------------------------------------------------------------
// Hashing

pub(crate) fn hash_atom<H: Hasher>(h: &mut H, a: &Atom) {
    h.write_i8(a.ty().code());
    match *a {
        Atom::Bool(b) => h.write_u8(b as u8),
        Atom::Guid(g) => h.write(&g),
        Atom::Byte(c) | Atom::Char(c) => h.write_u8(c),
        Atom::Short(v) => h.write_i16(v),
        Atom::Int(v)
        | Atom::Month(v)
        | Atom::Date(v)
        | Atom::Minute(v)
        | Atom::Second(v)
        | Atom::Time(v) => h.write_i32(v),
        Atom::Long(v) | Atom::Timestamp(v) | Atom::Timespan(v) => h.write_i64(v),
        Atom::Real(v) => h.write_u32(norm_f32(v)),
        Atom::Float(v) | Atom::Datetime(v) => h.write_u64(norm_f64(v)),
        // an enumerated atom hashes as its symbol (it never equals one)
        Atom::Symbol(s) | Atom::Enum(qcore::EnumAtom { sym: s, .. }) => h.write_u32(s.0),
    }
}

pub(crate) fn hash_into<H: Hasher>(h: &mut H, v: &Value) {
    match v {
        Value::Nil => h.write_u8(0),
        Value::Atom(a) => {
            h.write_u8(1);
            hash_atom(h, a);
        }
        Value::Vector(x) => {
            h.write_u8(2);
            h.write_i8(x.ty().code());
            h.write_usize(x.len());
            match x.data() {
                VecData::U8(b) => h.write(b),
                VecData::I16(b) => b.iter().for_each(|&v| h.write_i16(v)),
                VecData::I32(b) => b.iter().for_each(|&v| h.write_i32(v)),
                VecData::I64(b) => b.iter().for_each(|&v| h.write_i64(v)),
                VecData::F32(b) => b.iter().for_each(|&v| h.write_u32(norm_f32(v))),
                VecData::F64(b) => b.iter().for_each(|&v| h.write_u64(norm_f64(v))),
                VecData::Guid(b) => b.iter().for_each(|g| h.write(g)),
                VecData::Sym(b) => b.iter().for_each(|s| h.write_u32(s.0)),
            }
        }
        Value::List(l) => {
            h.write_u8(3);
            h.write_usize(l.len());
            l.iter().for_each(|x| hash_into(h, x));
        }
        Value::Dict(d) => {
            h.write_u8(4);
            hash_into(h, &d.keys);
            hash_into(h, &d.values);
        }
        Value::Table(t) => {
            h.write_u8(5);
            t.names.iter().for_each(|s| h.write_u32(s.0));
            t.columns.iter().for_each(|c| hash_into(h, c));
        }
        Value::Func(_) => h.write_u8(6),
    }
}

/// A structural hash consistent with `~` (match): values that match hash
/// equal.
pub fn hash_value(v: &Value) -> u64 {
    let mut h = State::default().build_hasher();
    hash_into(&mut h, v);
    h.finish()
}

/// A hash index of the first occurrence of each distinct item of `items`.
pub(crate) struct ValueIndex<'a> {
    pub(crate) items: &'a [Value],
    pub(crate) table: HashTable<(u64, u32)>,
}

/// Group ids of the items of `keys`: `(id per item, first index per id)`.
/// Long lists hash in pieces on the rayon pool, each piece with its own
/// table, and the pieces' groups are then numbered in row order
/// (`crate::ops::par::merge_local`): the same ids as one pass.
pub(crate) fn dedup_keys<K: Hash + Eq + Copy + Send + Sync>(keys: &[K]) -> (Vec<u32>, Vec<usize>) {
    use rayon::prelude::*;
    let Some(step) = crate::ops::par::piece_len(keys.len()) else {
        return dedup_keys_seq(keys);
    };
    let mut ids = vec![0u32; keys.len()];
    let parts: Vec<Vec<(usize, K)>> = ids
        .par_chunks_mut(step)
        .zip(keys.par_chunks(step))
        .enumerate()
        .map(|(p, (out, ks))| {
            let (local, firsts) = dedup_keys_seq(ks);
            out.copy_from_slice(&local);
            firsts.into_iter().map(|i| (p * step + i, ks[i])).collect()
        })
        .collect();
    let mut map: HashMap<K, u32, State> =
        HashMap::with_capacity_and_hasher(parts.first().map_or(0, Vec::len), State::default());
    let firsts = crate::ops::par::merge_local(&mut ids, step, &parts, |k, next| {
        *map.entry(k).or_insert(next)
    });
    (ids, firsts)
}

/// [`dedup_keys`] in one pass.
fn dedup_keys_seq<K: Hash + Eq + Copy>(keys: &[K]) -> (Vec<u32>, Vec<usize>) {
    let mut map: HashMap<K, u32, State> =
        HashMap::with_capacity_and_hasher(keys.len().min(1 << 16), State::default());
    let mut ids = Vec::with_capacity(keys.len());
    let mut firsts = Vec::new();
    for (i, &k) in keys.iter().enumerate() {
        if qcore::budget::stop_at(i) {
            // given up: ids stay in range, the result is discarded
            ids.resize(keys.len(), 0);
            break;
        }
        let next = firsts.len() as u32;
        let id = *map.entry(k).or_insert_with(|| {
            firsts.push(i);
            next
        });
        ids.push(id);
    }
    (ids, firsts)
}

pub(crate) fn dedup_u8(keys: &[u8]) -> (Vec<u32>, Vec<usize>) {
    let mut slot = [u32::MAX; 256];
    let mut ids = Vec::with_capacity(keys.len());
    let mut firsts = Vec::new();
    for (i, &k) in keys.iter().enumerate() {
        if slot[k as usize] == u32::MAX {
            slot[k as usize] = firsts.len() as u32;
            firsts.push(i);
        }
        ids.push(slot[k as usize]);
    }
    (ids, firsts)
}

pub(crate) fn distinct_keys<K: Hash + Eq + Copy>(keys: &[K]) -> Vec<usize> {
    let mut set: HashSet<K, State> =
        HashSet::with_capacity_and_hasher(keys.len().min(1 << 16), State::default());
    let mut firsts = Vec::new();
    for (i, &k) in keys.iter().enumerate() {
        if qcore::budget::stop_at(i) {
            break;
        }
        if set.insert(k) {
            firsts.push(i);
        }
    }
    firsts
}

pub(crate) fn dedup_values(items: &[Value]) -> (Vec<u32>, Vec<usize>) {
    let mut table: HashTable<(u64, u32)> = HashTable::new();
    let mut ids: Vec<u32> = Vec::with_capacity(items.len());
    let mut firsts = Vec::new();
    for (i, v) in items.iter().enumerate() {
        if qcore::budget::stop_at(i) {
            ids.resize(items.len(), 0);
            break;
        }
        let h = hash_value(v);
        match table.find(h, |&(hh, j)| hh == h && values_match(&items[j as usize], v)) {
            Some(&(_, j)) => {
                let id = ids[j as usize];
                ids.push(id);
            }
            None => {
                ids.push(firsts.len() as u32);
                firsts.push(i);
                table.insert_unique(h, (h, i as u32), |&(hh, _)| hh);
            }
        }
    }
    (ids, firsts)
}

/// A table column viewed for row identity: typed items (floats compared by
/// their normalised bit pattern) or a general list's items.
pub(crate) enum RowCol<'a> {
    U8(&'a [u8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    F32(&'a [f32]),
    F64(&'a [f64]),
    Guid(&'a [Guid]),
    Sym(&'a [Sym]),
    List(&'a [Value]),
}

/// Whether item `i` of `a` matches item `j` of `b` (columns of one
/// representation and type; other pairs never match).
#[inline]
pub(crate) fn same_across(a: &RowCol, i: usize, b: &RowCol, j: usize) -> bool {
    match (a, b) {
        (RowCol::U8(x), RowCol::U8(y)) => x[i] == y[j],
        (RowCol::I16(x), RowCol::I16(y)) => x[i] == y[j],
        (RowCol::I32(x), RowCol::I32(y)) => x[i] == y[j],
        (RowCol::I64(x), RowCol::I64(y)) => x[i] == y[j],
        (RowCol::F32(x), RowCol::F32(y)) => norm_f32(x[i]) == norm_f32(y[j]),
        (RowCol::F64(x), RowCol::F64(y)) => norm_f64(x[i]) == norm_f64(y[j]),
        (RowCol::Guid(x), RowCol::Guid(y)) => x[i] == y[j],
        (RowCol::Sym(x), RowCol::Sym(y)) => x[i] == y[j],
        (RowCol::List(x), RowCol::List(y)) => values_match(&x[i], &y[j]),
        _ => false,
    }
}

/// Row hashes of `n` rows from their columns (equal rows hash equal).
pub(crate) fn row_hashes(cols: &[RowCol], n: usize) -> Vec<u64> {
    let mut hs = vec![0x243f_6a88_85a3_08d3u64; n];
    for c in cols {
        c.mix_into(&mut hs);
    }
    for h in hs.iter_mut() {
        // fmix64: spread the multiplied high bits over the whole word
        let mut x = *h;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        *h = x;
    }
    hs
}

/// The typed column views of a table, when every column is a vector or a
/// general list of the table's count.
pub(crate) fn row_cols(t: &Table) -> Option<Vec<RowCol<'_>>> {
    let n = t.len();
    let cols: Vec<RowCol> = t
        .columns
        .iter()
        .map(RowCol::of)
        .collect::<Option<Vec<_>>>()?;
    (n <= u32::MAX as usize && cols.iter().all(|c| c.len() == n)).then_some(cols)
}

/// Columnar [`positions`] of the rows of table `p` among the rows of table
/// `k` (first occurrence); `None` unless the tables have the same column
/// count and each column pair the same type (vectors) or both general
/// lists.
pub(crate) fn table_positions(k: &Table, p: &Table) -> Option<Vec<Option<usize>>> {
    if k.columns.len() != p.columns.len() {
        return None;
    }
    for (a, b) in k.columns.iter().zip(&p.columns) {
        match (a, b) {
            (Value::Vector(x), Value::Vector(y)) if x.ty() == y.ty() => {}
            (Value::List(_), Value::List(_)) => {}
            _ => return None,
        }
    }
    let (kc, pc) = (row_cols(k)?, row_cols(p)?);
    let (kh, ph) = (row_hashes(&kc, k.len()), row_hashes(&pc, p.len()));
    let mut table: HashTable<u32> = HashTable::with_capacity(k.len().min(1 << 20));
    for (i, &h) in kh.iter().enumerate() {
        if qcore::budget::stop_at(i) {
            break;
        }
        let same = |j: usize| kc.iter().all(|c| c.same(j, i));
        if table
            .find(h, |&j| kh[j as usize] == h && same(j as usize))
            .is_none()
        {
            table.insert_unique(h, i as u32, |&j| kh[j as usize]);
        }
    }
    Some(
        ph.iter()
            .enumerate()
            .map(|(i, &h)| {
                table
                    .find(h, |&j| {
                        kh[j as usize] == h
                            && kc
                                .iter()
                                .zip(&pc)
                                .all(|(a, b)| same_across(a, j as usize, b, i))
                    })
                    .map(|&j| j as usize)
            })
            .collect(),
    )
}

/// Group ids of a table's rows, columnar: each row hashed from its typed
/// columns, candidates verified column by column (no per-row values).
/// `(id per row (empty unless `want_ids`), first row of each id)`; `None`
/// when a column is neither a vector nor a general list of the table's count.
/// Integer-like columns whose value ranges multiply to a small id space
/// take the dense path ([`dense_ids`]) instead.
pub(crate) fn dedup_table(t: &Table, want_ids: bool) -> Option<(Vec<u32>, Vec<usize>)> {
    let dense: Option<Vec<Col>> = t.columns.iter().map(Col::of).collect();
    if let Some(r) = dense.and_then(|d| dense_ids(&d, want_ids)) {
        return Some(r);
    }
    dedup_table_hashed(t, want_ids)
}

/// [`dedup_table`] by row hashes.
pub(crate) fn dedup_table_hashed(t: &Table, want_ids: bool) -> Option<(Vec<u32>, Vec<usize>)> {
    let n = t.len();
    let cols = row_cols(t)?;
    let hs = row_hashes(&cols, n);
    let same = |i: usize, j: usize| cols.iter().all(|c| c.same(i, j));
    let mut table: HashTable<u32> = HashTable::new();
    let mut ids: Vec<u32> = Vec::with_capacity(if want_ids { n } else { 0 });
    let mut firsts = Vec::new();
    for (i, &h) in hs.iter().enumerate() {
        if qcore::budget::stop_at(i) {
            if want_ids {
                ids.resize(n, 0);
            }
            break;
        }
        match table.find(h, |&j| hs[j as usize] == h && same(j as usize, i)) {
            Some(&j) => {
                if want_ids {
                    let id = ids[j as usize];
                    ids.push(id);
                }
            }
            None => {
                if want_ids {
                    ids.push(firsts.len() as u32);
                }
                firsts.push(i);
                table.insert_unique(h, i as u32, |&j| hs[j as usize]);
            }
        }
    }
    Some((ids, firsts))
}

/// Index of the first occurrence in `x` of each item of `y` (`x.len()` when
/// absent).
pub(crate) fn find_keys<K: Hash + Eq + Copy + Send + Sync>(x: &[K], y: &[K]) -> Vec<i64> {
    let n = x.len() as i64;
    if y.len() <= 4 || x.len() <= 8 {
        return crate::ops::par::map(y, |k| {
            x.iter().position(|e| *e == k).map_or(n, |p| p as i64)
        });
    }
    let mut map: HashMap<K, u32, State> =
        HashMap::with_capacity_and_hasher(x.len().min(1 << 20), State::default());
    for (i, &k) in x.iter().enumerate() {
        if qcore::budget::stop_at(i) {
            break;
        }
        map.entry(k).or_insert(i as u32);
    }
    if crate::ops::par::piece_len(y.len()).is_some() {
        return crate::ops::par::map(y, |k| map.get(&k).map_or(n, |&p| p as i64));
    }
    qcore::budget::map_stoppable(y, n, |k| map.get(k).map_or(n, |&p| p as i64))
}

impl<'a> ValueIndex<'a> {
    pub(crate) fn new(items: &'a [Value]) -> Self {
        let mut table: HashTable<(u64, u32)> = HashTable::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let h = hash_value(v);
            if table
                .find(h, |&(hh, j)| hh == h && values_match(&items[j as usize], v))
                .is_none()
            {
                table.insert_unique(h, (h, i as u32), |&(hh, _)| hh);
            }
        }
        ValueIndex { items, table }
    }

    pub(crate) fn get(&self, v: &Value) -> Option<usize> {
        let h = hash_value(v);
        self.table
            .find(h, |&(hh, j)| {
                hh == h && values_match(&self.items[j as usize], v)
            })
            .map(|&(_, j)| j as usize)
    }
}

impl RowCol<'_> {
    pub(crate) fn of(c: &Value) -> Option<RowCol<'_>> {
        Some(match c {
            Value::Vector(v) => match v.data() {
                VecData::U8(b) => RowCol::U8(b),
                VecData::I16(b) => RowCol::I16(b),
                VecData::I32(b) => RowCol::I32(b),
                VecData::I64(b) => RowCol::I64(b),
                VecData::F32(b) => RowCol::F32(b),
                VecData::F64(b) => RowCol::F64(b),
                VecData::Guid(b) => RowCol::Guid(b),
                VecData::Sym(b) => RowCol::Sym(b),
            },
            Value::List(l) => RowCol::List(l),
            _ => return None,
        })
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            RowCol::U8(b) => b.len(),
            RowCol::I16(b) => b.len(),
            RowCol::I32(b) => b.len(),
            RowCol::I64(b) => b.len(),
            RowCol::F32(b) => b.len(),
            RowCol::F64(b) => b.len(),
            RowCol::Guid(b) => b.len(),
            RowCol::Sym(b) => b.len(),
            RowCol::List(b) => b.len(),
        }
    }

    /// Folds this column's item hashes into the row hashes `hs`.
    pub(crate) fn mix_into(&self, hs: &mut [u64]) {
        #[inline]
        fn mix(h: u64, v: u64) -> u64 {
            (h.rotate_left(23) ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        }
        fn each<T: Copy>(hs: &mut [u64], b: &[T], f: impl Fn(T) -> u64) {
            for (h, &x) in hs.iter_mut().zip(b) {
                *h = mix(*h, f(x));
            }
        }
        match self {
            RowCol::U8(b) => each(hs, b, |x| x as u64),
            RowCol::I16(b) => each(hs, b, |x| x as u16 as u64),
            RowCol::I32(b) => each(hs, b, |x| x as u32 as u64),
            RowCol::I64(b) => each(hs, b, |x| x as u64),
            RowCol::F32(b) => each(hs, b, |x| norm_f32(x) as u64),
            RowCol::F64(b) => each(hs, b, norm_f64),
            RowCol::Guid(b) => {
                for (h, g) in hs.iter_mut().zip(b.iter()) {
                    let mut s = State::default().build_hasher();
                    s.write(g);
                    *h = mix(*h, s.finish());
                }
            }
            RowCol::Sym(b) => each(hs, b, |x| x.0 as u64),
            RowCol::List(b) => {
                for (h, v) in hs.iter_mut().zip(b.iter()) {
                    *h = mix(*h, hash_value(v));
                }
            }
        }
    }

    /// Whether items `i` and `j` match (as `~` on the row items).
    #[inline]
    pub(crate) fn same(&self, i: usize, j: usize) -> bool {
        match self {
            RowCol::U8(b) => b[i] == b[j],
            RowCol::I16(b) => b[i] == b[j],
            RowCol::I32(b) => b[i] == b[j],
            RowCol::I64(b) => b[i] == b[j],
            RowCol::F32(b) => norm_f32(b[i]) == norm_f32(b[j]),
            RowCol::F64(b) => norm_f64(b[i]) == norm_f64(b[j]),
            RowCol::Guid(b) => b[i] == b[j],
            RowCol::Sym(b) => b[i] == b[j],
            RowCol::List(b) => values_match(&b[i], &b[j]),
        }
    }
}
