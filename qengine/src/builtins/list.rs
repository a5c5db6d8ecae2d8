//! Lists: `til count # _ , enlist first last reverse where distinct group ? in flip key !`.
//!
//! Searching (`?`, `in`, `distinct`, `group`, dictionary key removal) is
//! hash based. A typed vector is searched through its raw items (floats by a
//! normalised bit pattern, so `0n` finds `0n` and `-0.0` finds `0.0`, as
//! q's exact match does); general lists and table rows hash structurally
//! ([`hash_value`]) and compare with [`values_match`]. `distinct` and
//! `group` of integer-like vectors and tables whose columns' value ranges
//! multiply to a small id space skip hashing: each row's composite id
//! indexes a first-seen table directly (`dense_ids`).
//!
//! Roll and deal (`n?m`, `-n?m`) draw from a xorshift generator with a
//! fixed seed, so a session's random numbers repeat from run to run.

use std::cell::Cell;
use std::hash::BuildHasher;
use std::hash::Hash;
use std::hash::Hasher;
use std::sync::Arc;

use hashbrown::HashMap;
use hashbrown::HashSet;
use hashbrown::HashTable;

use crate::eval::index::null_item_of;
use crate::eval::index::table_row;
use crate::eval::index::value_at;
use crate::interp::Interp;
use qcore::Sym;
use qcore::Atom;
use qcore::Dict;
use qcore::Guid;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecBuilder;
use qcore::VecData;
use qcore::Vector;
use qcore::QError;
use qcore::QResult;

use super::compare::values_match;

type State = foldhash::fast::FixedState;

// ---------------------------------------------------------------------------
// Small helpers

fn longs(v: Vec<i64>) -> Value {
    Value::Vector(Vector::longs(v))
}

fn bools(v: Vec<u8>) -> Value {
    Value::Vector(Vector::from_u8(Ty::Bool, v))
}

/// An integer atom's value (boolean, byte, short, int, long).
fn int_atom(a: &Atom) -> Option<i64> {
    match a {
        Atom::Bool(_) | Atom::Byte(_) | Atom::Short(_) | Atom::Int(_) | Atom::Long(_) => a.to_i64(),
        _ => None,
    }
}

fn is_int_ty(t: Ty) -> bool {
    matches!(t, Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long)
}

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

#[inline]
fn norm_f64(x: f64) -> u64 {
    if x.is_nan() {
        0x7ff8_0000_0000_0000
    } else if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

#[inline]
fn norm_f32(x: f32) -> u32 {
    if x.is_nan() {
        0x7fc0_0000
    } else if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

/// Items `a..b` of a list value (vector, general list, table rows).
pub fn slice(x: &Value, a: usize, b: usize) -> Value {
    let b = b.min(x.count());
    let a = a.min(b);
    match x {
        Value::Vector(v) => Value::Vector(map_vec!(v, s => s[a..b].to_vec())),
        Value::List(l) => Value::list(l[a..b].to_vec()),
        Value::Table(t) => Value::Table(Arc::new(Table {
            names: t.names.clone(),
            columns: t.columns.iter().map(|c| slice(c, a, b)).collect(),
        })),
        Value::Dict(d) => Value::Dict(Arc::new(Dict {
            keys: slice(&d.keys, a, b),
            values: slice(&d.values, a, b),
            sorted: d.sorted,
        })),
        other => other.clone(),
    }
}

/// `x idx` for a list value: vectors gather (nulls out of range), general
/// lists pick items (the list's null out of range), tables pick rows,
/// dictionaries pick entries.
pub fn take_idx(x: &Value, idx: &[i64]) -> Value {
    match x {
        Value::Vector(v) => Value::Vector(crate::eval::index::gather(v, idx)),
        Value::List(l) => {
            let n = l.len();
            let null = null_item_of(x);
            Value::list(
                idx.iter()
                    .map(|&k| {
                        if k >= 0 && (k as usize) < n {
                            l[k as usize].clone()
                        } else {
                            null.clone()
                        }
                    })
                    .collect(),
            )
        }
        Value::Table(t) => Value::Table(Arc::new(Table {
            names: t.names.clone(),
            columns: t.columns.iter().map(|c| take_idx(c, idx)).collect(),
        })),
        Value::Dict(d) => Value::Dict(Arc::new(Dict {
            keys: take_idx(&d.keys, idx),
            values: take_idx(&d.values, idx),
            sorted: false,
        })),
        other => Value::from_items(idx.iter().map(|_| other.clone()).collect()),
    }
}

/// A one-item vector of an atom.
pub fn atom_vec(a: Atom) -> Vector {
    let mut b = VecBuilder::new(a.ty(), 1);
    b.push(a);
    b.finish()
}

/// `x` as a list: atoms become one-item vectors, others one-item lists.
fn as_list(x: Value) -> Value {
    match x {
        Value::Atom(a) => Value::Vector(atom_vec(a)),
        v @ (Value::Vector(_) | Value::List(_) | Value::Table(_)) => v,
        other => Value::list(vec![other]),
    }
}

fn new_dict(keys: Value, values: Value) -> Value {
    Value::Dict(Arc::new(Dict {
        keys,
        values,
        sorted: false,
    }))
}

fn new_table(names: Vec<Sym>, columns: Vec<Value>) -> Value {
    Value::Table(Arc::new(Table { names, columns }))
}

/// The rows of a table as general lists of their fields (for hashing).
pub fn table_rows(t: &Table) -> Vec<Value> {
    (0..t.len())
        .map(|i| {
            Value::list(
                t.columns
                    .iter()
                    .map(|c| c.item(i).unwrap_or(Value::Nil))
                    .collect(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Hashing

fn hash_atom<H: Hasher>(h: &mut H, a: &Atom) {
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
        Atom::Symbol(s) => h.write_u32(s.0),
    }
}

fn hash_into<H: Hasher>(h: &mut H, v: &Value) {
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
struct ValueIndex<'a> {
    items: &'a [Value],
    table: HashTable<(u64, u32)>,
}

impl<'a> ValueIndex<'a> {
    fn new(items: &'a [Value]) -> Self {
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

    fn get(&self, v: &Value) -> Option<usize> {
        let h = hash_value(v);
        self.table
            .find(h, |&(hh, j)| {
                hh == h && values_match(&self.items[j as usize], v)
            })
            .map(|&(_, j)| j as usize)
    }
}

/// Group ids of the items of `keys`: `(id per item, first index per id)`.
fn dedup_keys<K: Hash + Eq + Copy>(keys: &[K]) -> (Vec<u32>, Vec<usize>) {
    let mut map: HashMap<K, u32, State> =
        HashMap::with_capacity_and_hasher(keys.len().min(1 << 16), State::default());
    let mut ids = Vec::with_capacity(keys.len());
    let mut firsts = Vec::new();
    for (i, &k) in keys.iter().enumerate() {
        let next = firsts.len() as u32;
        let id = *map.entry(k).or_insert_with(|| {
            firsts.push(i);
            next
        });
        ids.push(id);
    }
    (ids, firsts)
}

fn dedup_u8(keys: &[u8]) -> (Vec<u32>, Vec<usize>) {
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

fn distinct_keys<K: Hash + Eq + Copy>(keys: &[K]) -> Vec<usize> {
    let mut set: HashSet<K, State> =
        HashSet::with_capacity_and_hasher(keys.len().min(1 << 16), State::default());
    let mut firsts = Vec::new();
    for (i, &k) in keys.iter().enumerate() {
        if set.insert(k) {
            firsts.push(i);
        }
    }
    firsts
}

fn dedup_values(items: &[Value]) -> (Vec<u32>, Vec<usize>) {
    let mut table: HashTable<(u64, u32)> = HashTable::new();
    let mut ids: Vec<u32> = Vec::with_capacity(items.len());
    let mut firsts = Vec::new();
    for (i, v) in items.iter().enumerate() {
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
enum RowCol<'a> {
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

impl RowCol<'_> {
    fn of(c: &Value) -> Option<RowCol<'_>> {
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

    fn len(&self) -> usize {
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
    fn mix_into(&self, hs: &mut [u64]) {
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
    fn same(&self, i: usize, j: usize) -> bool {
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

/// Whether item `i` of `a` matches item `j` of `b` (columns of one
/// representation and type; other pairs never match).
#[inline]
fn same_across(a: &RowCol, i: usize, b: &RowCol, j: usize) -> bool {
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
fn row_hashes(cols: &[RowCol], n: usize) -> Vec<u64> {
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
fn row_cols(t: &Table) -> Option<Vec<RowCol<'_>>> {
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
fn table_positions(k: &Table, p: &Table) -> Option<Vec<Option<usize>>> {
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

// ---------------------------------------------------------------------------
// Dense row ids: no hashing when every key column is integer-like and the
// product of the columns' value ranges is small. Each row's composite id
// `Σ slot_c * stride_c` indexes a first-seen table directly.

/// A column of integer-like items (boolean/byte/char, short, the `i32` and
/// `i64` types, symbol ids), viewed for dense row ids. Equal items are equal
/// bit patterns, so one slot per value identifies rows exactly as `~` does.
#[derive(Clone, Copy)]
enum DenseCol<'a> {
    U8(&'a [u8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    Sym(&'a [Sym]),
}

impl DenseCol<'_> {
    fn of(c: &Value) -> Option<DenseCol<'_>> {
        match c {
            Value::Vector(v) => DenseCol::of_vec(v),
            _ => None,
        }
    }

    fn of_vec(v: &Vector) -> Option<DenseCol<'_>> {
        Some(match v.data() {
            VecData::U8(b) => DenseCol::U8(b),
            VecData::I16(b) => DenseCol::I16(b),
            VecData::I32(b) => DenseCol::I32(b),
            VecData::I64(b) => DenseCol::I64(b),
            VecData::Sym(b) => DenseCol::Sym(b),
            _ => return None,
        })
    }

    fn len(&self) -> usize {
        match self {
            DenseCol::U8(b) => b.len(),
            DenseCol::I16(b) => b.len(),
            DenseCol::I32(b) => b.len(),
            DenseCol::I64(b) => b.len(),
            DenseCol::Sym(b) => b.len(),
        }
    }
}

/// An item type of a [`DenseCol`]: its slot given the column's base.
trait DenseItem: Copy {
    fn slot(self, base: Self) -> u32;
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
struct Slots<'a, T> {
    items: &'a [T],
    base: T,
}

/// Rows' composite ids, in row order.
trait DenseRows: Sync {
    fn ids(&self) -> impl Iterator<Item = u32>;
    /// Rows `start..end`.
    fn rows(&self, start: usize, end: usize) -> Self;
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

/// Two columns: `a + b * stride`.
struct Pair<A, B> {
    a: A,
    b: B,
    stride: u32,
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

/// A column's key for dense ids: its base and its number of slots.
#[derive(Clone, Copy)]
struct DenseKey<'a> {
    col: DenseCol<'a>,
    base: i64,
    range: u64,
}

/// Runs `$body` with `$s` bound to the [`Slots`] of key `$k`.
macro_rules! with_slots {
    ($k:expr, $s:ident => $body:expr) => {{
        let k: &DenseKey = $k;
        match k.col {
            DenseCol::U8(items) => {
                let $s = Slots {
                    items,
                    base: k.base as u8,
                };
                $body
            }
            DenseCol::I16(items) => {
                let $s = Slots {
                    items,
                    base: k.base as i16,
                };
                $body
            }
            DenseCol::I32(items) => {
                let $s = Slots {
                    items,
                    base: k.base as i32,
                };
                $body
            }
            DenseCol::I64(items) => {
                let $s = Slots {
                    items,
                    base: k.base,
                };
                $body
            }
            DenseCol::Sym(items) => {
                let $s = Slots {
                    items,
                    base: Sym(k.base as u32),
                };
                $body
            }
        }
    }};
}

/// Rows per step of the bounds passes (the range is checked between steps).
const BOUND_STEP: usize = 1 << 16;

/// Rows from which the bounds passes and the `distinct` scan split across
/// cores (as `agg`'s exact aggregates); min/max and first occurrences
/// combine exactly, so the split never changes a result.
const DENSE_PAR_ROWS: usize = 1 << 21;

/// Rows per piece of a split bounds pass.
const DENSE_PAR_PIECE: usize = 1 << 19;

/// `seq` over `s`, split in parallel pieces combined by `join` from
/// [`DENSE_PAR_ROWS`] items; `None` from any piece gives `None`.
fn par_bounds<T: Sync, R: Send>(
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
fn signed_bounds<T: Copy + Ord + Into<i64>>(
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
fn unsigned_bounds<T: Copy>(s: &[T], f: impl Fn(T) -> u32, limit: u64) -> Option<(u64, u64)> {
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

impl<'a> DenseKey<'a> {
    /// The key of a non-empty column; `None` when it needs more than
    /// `limit` slots. A signed column always has a slot for the null
    /// (slot 0), so its items take slots `1..=hi-lo+1`.
    fn new(col: DenseCol<'a>, limit: u64) -> Option<DenseKey<'a>> {
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

/// The largest id space the dense path takes for `n` rows: a byte per id
/// (first-seen flags, `distinct`) up to 8 a row, a `u32` per id (group
/// numbers) up to 2 a row; at least 256 ids, at most 2^32.
fn dense_limit(n: usize, want_ids: bool) -> u64 {
    let per_row = if want_ids { 2 } else { 8 };
    (n as u64).saturating_mul(per_row).clamp(256, 1 << 32)
}

/// Group ids of the rows of `cols` (integer-like columns of one length)
/// without hashing: the same result as [`dedup_table_hashed`] — `(id per
/// row (empty unless `want_ids`), first row of each id)`, ids numbered in
/// order of first occurrence. `None` (take the hashing path) when the
/// product of the columns' ranges exceeds [`dense_limit`].
fn dense_ids(cols: &[DenseCol], want_ids: bool) -> Option<(Vec<u32>, Vec<usize>)> {
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
fn dense_scan(
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
const DENSE_SPLIT: usize = 4;

/// First rows of the distinct ids of `n` rows, scanned in `pieces` row
/// ranges in parallel, each with its own first-seen table; the pieces'
/// first occurrences are then taken in row order against the first
/// piece's table, which gives exactly the sequential scan's rows.
fn dense_distinct_split(rows: &impl DenseRows, n: usize, space: u64, pieces: usize) -> Vec<usize> {
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

/// First occurrences (row `offset + i`, composite id) of the ids of
/// `rows` not yet marked in `seen`, marking them; stops once every id of
/// `seen` is marked.
fn first_seen(rows: &impl DenseRows, offset: usize, seen: &mut [bool]) -> Vec<(usize, u32)> {
    let space = seen.len();
    let mut firsts = Vec::new();
    for (i, id) in rows.ids().enumerate() {
        let s = &mut seen[id as usize];
        if !*s {
            *s = true;
            firsts.push((offset + i, id));
            if firsts.len() == space {
                // every id seen: the rest are repeats
                break;
            }
        }
    }
    firsts
}

/// Group ids of a table's rows, columnar: each row hashed from its typed
/// columns, candidates verified column by column (no per-row values).
/// `(id per row (empty unless `want_ids`), first row of each id)`; `None`
/// when a column is neither a vector nor a general list of the table's count.
/// Integer-like columns whose value ranges multiply to a small id space
/// take the dense path ([`dense_ids`]) instead.
fn dedup_table(t: &Table, want_ids: bool) -> Option<(Vec<u32>, Vec<usize>)> {
    let dense: Option<Vec<DenseCol>> = t.columns.iter().map(DenseCol::of).collect();
    if let Some(r) = dense.and_then(|d| dense_ids(&d, want_ids)) {
        return Some(r);
    }
    dedup_table_hashed(t, want_ids)
}

/// [`dedup_table`] by row hashes.
fn dedup_table_hashed(t: &Table, want_ids: bool) -> Option<(Vec<u32>, Vec<usize>)> {
    let n = t.len();
    let cols = row_cols(t)?;
    let hs = row_hashes(&cols, n);
    let same = |i: usize, j: usize| cols.iter().all(|c| c.same(i, j));
    let mut table: HashTable<u32> = HashTable::new();
    let mut ids: Vec<u32> = Vec::with_capacity(if want_ids { n } else { 0 });
    let mut firsts = Vec::new();
    for (i, &h) in hs.iter().enumerate() {
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

/// Index of the first occurrence in `x` of each item of `y` (`x.len()` when
/// absent).
fn find_keys<K: Hash + Eq + Copy>(x: &[K], y: &[K]) -> Vec<i64> {
    let n = x.len() as i64;
    if y.len() <= 4 || x.len() <= 8 {
        return y
            .iter()
            .map(|k| x.iter().position(|e| e == k).map_or(n, |p| p as i64))
            .collect();
    }
    let mut map: HashMap<K, u32, State> =
        HashMap::with_capacity_and_hasher(x.len().min(1 << 20), State::default());
    for (i, &k) in x.iter().enumerate() {
        map.entry(k).or_insert(i as u32);
    }
    y.iter()
        .map(|k| map.get(k).map_or(n, |&p| p as i64))
        .collect()
}

// ---------------------------------------------------------------------------
// til count enlist first last reverse

/// `til x`: `0 1 .. x-1` as longs.
pub fn til(_: &mut Interp, x: Value) -> QResult<Value> {
    let Value::Atom(a) = &x else {
        return Err(QError::type_());
    };
    let n = int_atom(a).ok_or_else(QError::type_)?;
    til_n(n)
}

fn til_n(n: i64) -> QResult<Value> {
    if n < 0 {
        return Err(QError::domain());
    }
    if n > 1 << 36 {
        return Err(QError::new("wsfull"));
    }
    let mut v = Vec::with_capacity(n as usize);
    for i in 0..n {
        v.push(i);
    }
    Ok(longs(v))
}

/// `count x`.
pub fn count(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Some(n) = super::partitioned::count_hook(it, &x)? {
        return Ok(n);
    }
    Ok(Value::long(x.count() as i64))
}

/// `enlist x`: a one-item list; a dictionary with symbol keys gives a
/// one-row table.
pub fn enlist(_: &mut Interp, x: Value) -> QResult<Value> {
    Ok(enlist1(x))
}

fn enlist1(x: Value) -> Value {
    match x {
        Value::Atom(a) => Value::Vector(atom_vec(a)),
        Value::Dict(d) => {
            if let Value::Vector(k) = &d.keys
                && let Some(names) = k.as_sym()
            {
                let cols = d.values.items().into_iter().map(enlist1).collect();
                return new_table(names.to_vec(), cols);
            }
            Value::list(vec![Value::Dict(d)])
        }
        other => Value::list(vec![other]),
    }
}

/// `enlist[x;y;..]`: a list of the arguments.
pub fn enlist_n(_: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    Ok(Value::from_items(args))
}

fn first_or_last(x: Value, last: bool) -> Value {
    let n = x.count();
    let pick = |n: usize| if last { n - 1 } else { 0 };
    match &x {
        Value::Vector(v) => {
            if n == 0 {
                Value::Atom(v.ty().null_atom())
            } else {
                Value::Atom(v.get(pick(n)))
            }
        }
        Value::List(l) => {
            if n == 0 {
                null_item_of(&x)
            } else {
                l[pick(n)].clone()
            }
        }
        Value::Dict(d) => {
            if n == 0 {
                null_item_of(&d.values)
            } else {
                value_at(&d.values, pick(n))
            }
        }
        Value::Table(t) => {
            if n == 0 {
                null_item_of(&x)
            } else {
                table_row(t, pick(n))
            }
        }
        _ => x,
    }
}

/// `first x`: the first item (a typed null for an empty vector); the first
/// value of a dictionary; the first row of a table; an atom itself.
pub fn first(_: &mut Interp, x: Value) -> QResult<Value> {
    Ok(first_or_last(x, false))
}

/// `last x`.
pub fn last(_: &mut Interp, x: Value) -> QResult<Value> {
    Ok(first_or_last(x, true))
}

/// `reverse x`: items in reverse order; a dictionary's entries; a table's
/// rows; an atom itself.
pub fn reverse(_: &mut Interp, x: Value) -> QResult<Value> {
    Ok(reverse_value(&x))
}

fn reverse_value(x: &Value) -> Value {
    match x {
        Value::Vector(v) => {
            Value::Vector(map_vec!(v, s => s.iter().rev().copied().collect::<Vec<_>>()))
        }
        Value::List(l) => Value::list(l.iter().rev().cloned().collect()),
        Value::Dict(d) => Value::Dict(Arc::new(Dict {
            keys: reverse_value(&d.keys),
            values: reverse_value(&d.values),
            sorted: false,
        })),
        Value::Table(t) => new_table(
            t.names.clone(),
            t.columns.iter().map(reverse_value).collect(),
        ),
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------
// where distinct group

/// `where x`: indexes of the 1s of a boolean list; each index repeated by
/// its count for non-negative integers; keys of a dictionary likewise.
pub fn where_(_: &mut Interp, x: Value) -> QResult<Value> {
    match &x {
        Value::Vector(v) => Ok(longs(where_vec(v)?)),
        Value::Atom(a) => Ok(longs(where_vec(&atom_vec(*a))?)),
        Value::Dict(d) => {
            let idx = match &d.values {
                Value::Vector(v) => where_vec(v)?,
                Value::Atom(a) => where_vec(&atom_vec(*a))?,
                _ => return Err(QError::type_()),
            };
            Ok(take_idx(&d.keys, &idx))
        }
        _ => Err(QError::type_()),
    }
}

fn where_vec(v: &Vector) -> QResult<Vec<i64>> {
    match v.ty() {
        Ty::Bool => {
            let b = v.as_u8().unwrap_or(&[]);
            let n = b.iter().filter(|&&x| x != 0).count();
            let mut out = Vec::with_capacity(n);
            for (i, &x) in b.iter().enumerate() {
                if x != 0 {
                    out.push(i as i64);
                }
            }
            Ok(out)
        }
        Ty::Byte | Ty::Short | Ty::Int | Ty::Long => {
            let counts = v.to_i64_vec().ok_or_else(QError::type_)?;
            let mut total: i64 = 0;
            for &c in &counts {
                if c < 0 {
                    return Err(QError::domain());
                }
                total = total.saturating_add(c);
            }
            if total > 1 << 36 {
                return Err(QError::new("wsfull"));
            }
            let mut out = Vec::with_capacity(total as usize);
            for (i, &c) in counts.iter().enumerate() {
                out.extend(std::iter::repeat_n(i as i64, c as usize));
            }
            Ok(out)
        }
        _ => Err(QError::type_()),
    }
}

/// `distinct x`: unique items in order of first occurrence; distinct rows
/// of a table; `'type` for an atom.
pub fn distinct(_: &mut Interp, x: Value) -> QResult<Value> {
    distinct_value(&x)
}

fn distinct_value(x: &Value) -> QResult<Value> {
    match x {
        Value::Vector(v) => {
            if v.attr == qcore::Attr::Unique {
                let mut w = v.clone();
                w.attr = qcore::Attr::None;
                return Ok(Value::Vector(w));
            }
            let firsts = match v.data() {
                VecData::U8(b) => dedup_u8(b).1,
                _ => match DenseCol::of_vec(v).and_then(|c| dense_ids(&[c], false)) {
                    Some((_, f)) => f,
                    None => with_keys!(v, k => distinct_keys(k)),
                },
            };
            let idx: Vec<i64> = firsts.iter().map(|&i| i as i64).collect();
            Ok(take_idx(x, &idx))
        }
        Value::List(_) | Value::Table(_) => {
            let firsts = match x {
                Value::Table(t) => match dedup_table(t, false) {
                    Some((_, f)) => f,
                    None => group_ids(x)?.1,
                },
                _ => group_ids(x)?.1,
            };
            let idx: Vec<i64> = firsts.iter().map(|&i| i as i64).collect();
            Ok(take_idx(x, &idx))
        }
        Value::Dict(d) => distinct_value(&d.values),
        _ => Err(QError::type_()),
    }
}

/// `group x`: a dictionary from each distinct item to the indexes where it
/// occurs (for a dictionary, from each distinct value to its keys).
pub fn group(_: &mut Interp, x: Value) -> QResult<Value> {
    match &x {
        Value::Dict(d) => {
            let (keys, idxs) = group_parts(&d.values)?;
            let vals = idxs.into_iter().map(|i| take_idx(&d.keys, &i)).collect();
            Ok(new_dict(keys, Value::list(vals)))
        }
        Value::Vector(_) | Value::List(_) | Value::Table(_) => {
            let (keys, idxs) = group_parts(&x)?;
            Ok(new_dict(
                keys,
                Value::list(idxs.into_iter().map(longs).collect()),
            ))
        }
        _ => Err(QError::type_()),
    }
}

fn group_parts(x: &Value) -> QResult<(Value, Vec<Vec<i64>>)> {
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

// ---------------------------------------------------------------------------
// flip key

/// `flip x`: transpose a list of equal-count lists; a column dictionary to
/// a table and back.
pub fn flip(_: &mut Interp, x: Value) -> QResult<Value> {
    match &x {
        Value::Table(t) => Ok(new_dict(
            Value::Vector(Vector::syms(t.names.clone())),
            Value::list(t.columns.clone()),
        )),
        Value::Dict(d) => {
            let names = match &d.keys {
                Value::Vector(k) => k.as_sym().map(|s| s.to_vec()),
                _ => None,
            }
            .ok_or_else(QError::type_)?;
            let vals = d.values.items();
            let n = common_count(&vals)?.ok_or_else(QError::rank)?;
            let cols = vals.into_iter().map(|v| extend_atom(v, n)).collect();
            Ok(new_table(names, cols))
        }
        Value::List(l) => {
            let Some(n) = common_count(l)? else {
                return Ok(x.clone());
            };
            // Fast path: vectors of one type.
            if let Some(Value::Vector(f)) = l.first()
                && l.iter()
                    .all(|v| matches!(v, Value::Vector(w) if w.ty() == f.ty()))
            {
                let ty = f.ty();
                let mut rows = Vec::with_capacity(n);
                for j in 0..n {
                    let mut b = VecBuilder::new(ty, l.len());
                    for v in l.iter() {
                        if let Value::Vector(w) = v {
                            b.push(w.get(j));
                        }
                    }
                    rows.push(Value::Vector(b.finish()));
                }
                return Ok(Value::list(rows));
            }
            let mut rows = Vec::with_capacity(n);
            for j in 0..n {
                let row: Vec<Value> = l
                    .iter()
                    .map(|v| match v {
                        Value::Vector(_) | Value::List(_) => v.item(j).unwrap_or(Value::Nil),
                        other => other.clone(),
                    })
                    .collect();
                rows.push(Value::from_items(row));
            }
            Ok(Value::list(rows))
        }
        Value::Vector(_) => Ok(x.clone()),
        _ => Err(QError::rank()),
    }
}

/// The count shared by the list items of `vals` (atoms extend); `'length`
/// when they differ; `None` when every item is an atom.
fn common_count(vals: &[Value]) -> QResult<Option<usize>> {
    let mut n = None;
    for v in vals {
        if v.is_list() || matches!(v, Value::Table(_)) {
            let c = v.count();
            match n {
                Some(m) if m != c => return Err(QError::length()),
                _ => n = Some(c),
            }
        }
    }
    Ok(n)
}

fn extend_atom(v: Value, n: usize) -> Value {
    match v {
        Value::Atom(a) => take_idx(&Value::Vector(atom_vec(a)), &vec![0; n]),
        v @ (Value::Vector(_) | Value::List(_) | Value::Table(_)) => v,
        other => Value::list(vec![other; n]),
    }
}

/// `key x`: keys of a dictionary, key table of a keyed table, `til` of a
/// non-negative integer, the type name of a vector, the keys (or existence)
/// of a named variable.
pub fn key(it: &mut Interp, x: Value) -> QResult<Value> {
    match &x {
        Value::Dict(d) => Ok(d.keys.clone()),
        Value::Table(_) => Ok(Value::Vector(Vector::empty(Ty::Symbol))),
        Value::Atom(Atom::Symbol(s)) => {
            if s.as_str().starts_with(':') {
                return super::storage::key_handle(*s);
            }
            if s.as_str() == "." {
                return Ok(Value::Vector(Vector::syms(it.names_in("."))));
            }
            let name = crate::eval::compile::qualify(it.namespace, s.as_str());
            let found = it
                .get_global(name)
                .or_else(|| it.get_global(Sym::new(s.as_str().trim_start_matches('.'))));
            match found {
                Some(Value::Dict(d)) => Ok(d.keys.clone()),
                Some(_) => Ok(x.clone()),
                None => Ok(Value::list(vec![])),
            }
        }
        Value::Atom(a) => {
            let n = int_atom(a).ok_or_else(QError::type_)?;
            til_n(n)
        }
        Value::Vector(v) => Ok(Value::sym(v.ty().name())),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// ! dict, keyed tables

/// `x!y`: dictionary from keys and values; `n!t` keys a table on its first
/// `n` columns; `0!kt` unkeys.
pub fn bang(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    // -8!x -9!x -18!x: IPC internal functions (ipc/)
    if let Value::Atom(a) = &x
        && let Some(n) = int_atom(a)
        && let Some(r) = crate::ipc::internal(n, &y)
    {
        return r;
    }
    // other -n!x internal functions (library2.rs)
    if let Value::Atom(a) = &x
        && a.ty().is_integral()
        && let Some(n) = int_atom(a)
        && let Some(r) = super::library2::internal(it, n, &y)
    {
        return r;
    }
    match (&x, &y) {
        // `0N!x`: display and return (strings.rs).
        (Value::Atom(Atom::Long(i64::MIN)), _) => super::strings::display_bang(it, y),
        (Value::Atom(a), Value::Table(t)) => {
            let n = int_atom(a).ok_or_else(QError::type_)?;
            key_table(t, n)
        }
        (Value::Atom(a), Value::Dict(d))
            if matches!((&d.keys, &d.values), (Value::Table(_), Value::Table(_))) =>
        {
            let n = int_atom(a).ok_or_else(QError::type_)?;
            let t = unkey(d).ok_or_else(QError::type_)?;
            if n == 0 {
                Ok(Value::Table(Arc::new(t)))
            } else {
                key_table(&t, n)
            }
        }
        (
            Value::Vector(_) | Value::List(_) | Value::Table(_),
            Value::Vector(_) | Value::List(_) | Value::Table(_),
        ) => {
            if x.count() != y.count() {
                return Err(QError::length());
            }
            Ok(new_dict(x, y))
        }
        _ => Err(QError::type_()),
    }
}

fn key_table(t: &Table, n: i64) -> QResult<Value> {
    if n == 0 {
        return Ok(Value::Table(Arc::new(t.clone())));
    }
    if n < 0 || n as usize >= t.columns.len() {
        return Err(QError::length());
    }
    let n = n as usize;
    Ok(new_dict(
        new_table(t.names[..n].to_vec(), t.columns[..n].to_vec()),
        new_table(t.names[n..].to_vec(), t.columns[n..].to_vec()),
    ))
}

/// A keyed table's key and value columns as one table.
pub fn unkey(d: &Dict) -> Option<Table> {
    match (&d.keys, &d.values) {
        (Value::Table(k), Value::Table(v)) => Some(Table {
            names: k.names.iter().chain(&v.names).copied().collect(),
            columns: k.columns.iter().chain(&v.columns).cloned().collect(),
        }),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// , join

/// `x,y`: join lists (typed when both sides have one type), merge
/// dictionaries (right wins), append table rows.
pub fn join(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    join_values(x, y)
}

pub fn join_values(x: Value, y: Value) -> QResult<Value> {
    match (x, y) {
        (Value::Dict(a), Value::Dict(b)) => dict_upsert(&a, &b),
        (Value::Table(a), Value::Table(b)) => {
            if a.names != b.names {
                return Err(QError::new("mismatch"));
            }
            let mut cols = Vec::with_capacity(a.columns.len());
            for (p, q) in a.columns.iter().zip(&b.columns) {
                cols.push(join_lists(p.clone(), q.clone()));
            }
            Ok(new_table(a.names.clone(), cols))
        }
        (Value::Table(a), Value::Dict(b)) => {
            let names = match &b.keys {
                Value::Vector(k) => k.as_sym().map(|s| s.to_vec()),
                _ => None,
            };
            if names.as_deref() != Some(&a.names[..]) {
                return Err(QError::new("mismatch"));
            }
            let vals = b.values.items();
            let cols = a
                .columns
                .iter()
                .zip(vals)
                .map(|(c, v)| join_lists(c.clone(), enlist1(v)))
                .collect();
            Ok(new_table(a.names.clone(), cols))
        }
        (x, y) => Ok(join_lists(x, y)),
    }
}

/// Concatenates two vectors of the same type.
fn concat(a: &Vector, b: &Vector) -> Option<Vector> {
    let data = match (a.data(), b.data()) {
        (VecData::U8(p), VecData::U8(q)) => VecData::U8([&p[..], &q[..]].concat().into()),
        (VecData::I16(p), VecData::I16(q)) => VecData::I16([&p[..], &q[..]].concat().into()),
        (VecData::I32(p), VecData::I32(q)) => VecData::I32([&p[..], &q[..]].concat().into()),
        (VecData::I64(p), VecData::I64(q)) => VecData::I64([&p[..], &q[..]].concat().into()),
        (VecData::F32(p), VecData::F32(q)) => VecData::F32([&p[..], &q[..]].concat().into()),
        (VecData::F64(p), VecData::F64(q)) => VecData::F64([&p[..], &q[..]].concat().into()),
        (VecData::Guid(p), VecData::Guid(q)) => VecData::Guid([&p[..], &q[..]].concat().into()),
        (VecData::Sym(p), VecData::Sym(q)) => VecData::Sym([&p[..], &q[..]].concat().into()),
        _ => return None,
    };
    Vector::new(a.ty(), data)
}

fn join_lists(x: Value, y: Value) -> Value {
    let same = |a: Ty, b: Ty| a == b;
    match (&x, &y) {
        (Value::Vector(a), Value::Vector(b)) if same(a.ty(), b.ty()) => {
            if let Some(v) = concat(a, b) {
                return Value::Vector(v);
            }
        }
        (Value::Atom(a), Value::Vector(b)) if same(a.ty(), b.ty()) => {
            if let Some(v) = concat(&atom_vec(*a), b) {
                return Value::Vector(v);
            }
        }
        (Value::Vector(a), Value::Atom(b)) if same(a.ty(), b.ty()) => {
            if let Some(v) = concat(a, &atom_vec(*b)) {
                return Value::Vector(v);
            }
        }
        (Value::Atom(a), Value::Atom(b)) if same(a.ty(), b.ty()) => {
            if let Some(v) = concat(&atom_vec(*a), &atom_vec(*b)) {
                return Value::Vector(v);
            }
        }
        (Value::List(l), _) if l.is_empty() => return as_list(y),
        (_, Value::List(l)) if l.is_empty() => return as_list(x),
        _ => {}
    }
    let mut items = list_items(x);
    items.extend(list_items(y));
    Value::list(items)
}

/// The items of a value being joined: a list's items, else the value.
fn list_items(x: Value) -> Vec<Value> {
    match x {
        Value::List(l) => Arc::unwrap_or_clone(l),
        Value::Vector(_) => x.items(),
        other => vec![other],
    }
}

/// Positions in `keys` of each item of `probe` (`None` when absent),
/// comparing exactly; typed fast path when both are vectors of one type.
pub fn positions(keys: &Value, probe: &Value) -> Vec<Option<usize>> {
    let n = keys.count();
    if let (Value::Vector(k), Value::Vector(p)) = (keys, probe)
        && k.ty() == p.ty()
        && let Some(found) = with_keys2!(k, p, a, b => find_keys(a, b))
    {
        return found
            .into_iter()
            .map(|i| (i < n as i64).then_some(i as usize))
            .collect();
    }
    if let (Value::Table(k), Value::Table(p)) = (keys, probe)
        && let Some(found) = table_positions(k, p)
    {
        return found;
    }
    let kitems = match keys {
        Value::Table(t) => table_rows(t),
        other => other.items(),
    };
    let pitems = match probe {
        Value::Table(t) => table_rows(t),
        other => other.items(),
    };
    let index = ValueIndex::new(&kitems);
    pitems.iter().map(|v| index.get(v)).collect()
}

fn dict_upsert(a: &Dict, b: &Dict) -> QResult<Value> {
    let pos = positions(&a.keys, &b.keys);
    let new_idx: Vec<i64> = pos
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(j, _)| j as i64)
        .collect();
    let keys = join_values(a.keys.clone(), take_idx(&b.keys, &new_idx))?;
    let values = match (&a.values, &b.values) {
        (Value::Table(av), Value::Table(bv)) => {
            if av.names != bv.names {
                return Err(QError::new("mismatch"));
            }
            let mut cols = Vec::with_capacity(av.columns.len());
            for (ac, bc) in av.columns.iter().zip(&bv.columns) {
                let replaced = replace_items(ac, bc, &pos);
                cols.push(join_lists(replaced, take_idx(bc, &new_idx)));
            }
            new_table(av.names.clone(), cols)
        }
        (av, bv) => {
            let replaced = replace_items(av, bv, &pos);
            join_lists(replaced, take_idx(bv, &new_idx))
        }
    };
    Ok(new_dict(keys, values))
}

/// `av` with item `pos[j]` replaced by item `j` of `bv`, for each matched j.
fn replace_items(av: &Value, bv: &Value, pos: &[Option<usize>]) -> Value {
    if pos.iter().all(Option::is_none) {
        return av.clone();
    }
    let mut items = av.items();
    for (j, p) in pos.iter().enumerate() {
        if let Some(i) = p
            && let Some(v) = bv.item(j)
        {
            items[*i] = v;
        }
    }
    match av {
        Value::Vector(v)
            if items
                .iter()
                .all(|a| matches!(a, Value::Atom(t) if t.ty() == v.ty())) =>
        {
            Value::from_items(items)
        }
        _ => Value::list(items),
    }
}

// ---------------------------------------------------------------------------
// # take

/// `x#y`: take `x` items (cyclically; from the end when negative); reshape
/// by a vector of counts; select keys of a dictionary or columns of a table.
pub fn take(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    match &x {
        // `s#y `u#y `p#y `g#y `#y: set attribute (env.rs)
        Value::Atom(Atom::Symbol(s)) if super::env::is_attr_name(*s) => {
            super::env::set_attribute(*s, y)
        }
        Value::Atom(Atom::Symbol(s)) => take_syms(&[*s], &y),
        Value::Vector(v) if v.ty() == Ty::Symbol => take_syms(v.as_sym().unwrap_or(&[]), &y),
        Value::Atom(a) => {
            let n = int_atom(a).ok_or_else(QError::type_)?;
            take_n(n, &y)
        }
        Value::Vector(v) if is_int_ty(v.ty()) => {
            let dims = v.to_i64_vec().ok_or_else(QError::type_)?;
            if dims.len() == 1 {
                return take_n(dims[0], &y);
            }
            reshape(&dims, &y)
        }
        Value::Table(_) => Err(QError::nyi("table#keyed table")),
        _ => Err(QError::type_()),
    }
}

fn take_n(n: i64, y: &Value) -> QResult<Value> {
    if n == i64::MIN {
        return Ok(y.clone());
    }
    let m = n.unsigned_abs() as usize;
    if m > 1 << 36 {
        return Err(QError::new("wsfull"));
    }
    match y {
        Value::Atom(a) => Ok(take_idx(&Value::Vector(atom_vec(*a)), &vec![0; m])),
        Value::Vector(_) | Value::List(_) | Value::Table(_) | Value::Dict(_) => {
            let len = y.count();
            if len >= m {
                return Ok(if n >= 0 {
                    slice(y, 0, m)
                } else {
                    slice(y, len - m, len)
                });
            }
            let idx: Vec<i64> = if len == 0 {
                vec![-1; m]
            } else if n >= 0 {
                (0..m).map(|k| (k % len) as i64).collect()
            } else {
                let start = (len - m % len) % len;
                (0..m).map(|k| ((start + k) % len) as i64).collect()
            };
            Ok(take_idx(y, &idx))
        }
        other => Ok(Value::list(vec![other.clone(); m])),
    }
}

/// `2 3#y`, `0N 3#y`, `2 0N#y`, `2 2 3#y`.
fn reshape(dims: &[i64], y: &Value) -> QResult<Value> {
    let src = match y {
        Value::Atom(a) => Value::Vector(atom_vec(*a)),
        Value::Vector(_) | Value::List(_) => y.clone(),
        _ => return Err(QError::type_()),
    };
    let len = src.count();
    // an empty shape has no rank-0 reading in q (DECISIONS.md)
    if dims.is_empty() {
        return Err(QError::length());
    }
    if dims.iter().any(|&d| d < 0 && d != i64::MIN) {
        return Err(QError::domain());
    }
    let nulls = dims.iter().filter(|&&d| d == i64::MIN).count();
    if nulls > 0 {
        if dims.len() != 2 || nulls == 2 {
            return Err(QError::domain());
        }
        let (r, c) = (dims[0], dims[1]);
        let mut rows = Vec::new();
        if r == i64::MIN {
            let c = c as usize;
            if c == 0 {
                return Err(QError::domain());
            }
            let mut a = 0;
            while a < len {
                rows.push(slice(&src, a, a + c));
                a += c;
            }
        } else {
            let r = r as usize;
            let c = len.checked_div(r).unwrap_or(0);
            for i in 0..r {
                let end = if i + 1 == r { len } else { (i + 1) * c };
                rows.push(slice(&src, i * c, end));
            }
        }
        return Ok(Value::list(rows));
    }
    // A zero followed by a non-zero count has no representation.
    if let Some(z) = dims.iter().position(|&d| d == 0)
        && dims[z + 1..].iter().any(|&d| d != 0)
    {
        return Err(QError::domain());
    }
    let total = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
        .filter(|&t| t <= 1 << 36)
        .ok_or_else(|| QError::new("wsfull"))?;
    let idx: Vec<i64> = if len == 0 {
        vec![-1; total]
    } else {
        (0..total).map(|k| (k % len) as i64).collect()
    };
    let flat = take_idx(&src, &idx);
    Ok(build_shape(&flat, dims, 0))
}

fn build_shape(flat: &Value, dims: &[i64], offset: usize) -> Value {
    let d = dims[0] as usize;
    if dims.len() == 1 {
        return slice(flat, offset, offset + d);
    }
    let stride: usize = dims[1..].iter().map(|&x| x as usize).product();
    Value::list(
        (0..d)
            .map(|i| build_shape(flat, &dims[1..], offset + i * stride))
            .collect(),
    )
}

fn take_syms(names: &[Sym], y: &Value) -> QResult<Value> {
    match y {
        Value::Dict(d) => {
            let probe = Value::Vector(Vector::syms(names.to_vec()));
            let pos = positions(&d.keys, &probe);
            let idx: Vec<i64> = pos.iter().map(|p| p.map_or(-1, |i| i as i64)).collect();
            Ok(new_dict(probe, take_idx(&d.values, &idx)))
        }
        Value::Table(t) => {
            let mut cols = Vec::with_capacity(names.len());
            for s in names {
                cols.push(
                    t.column(*s)
                        .cloned()
                        .ok_or_else(|| QError::new(s.as_str()).with_detail("no such column"))?,
                );
            }
            Ok(new_table(names.to_vec(), cols))
        }
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// _ drop, cut

/// `x _ y`: drop `x` items from the front (back when negative); cut at
/// indexes; remove an item by index or entries by key; remove columns.
pub fn drop(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    match (&x, &y) {
        (Value::Atom(a), Value::Vector(_) | Value::List(_) | Value::Table(_) | Value::Dict(_))
            if int_atom(a).is_some() =>
        {
            let n = int_atom(a).unwrap_or(0);
            let len = y.count();
            let m = (n.unsigned_abs() as usize).min(len);
            Ok(if n >= 0 {
                slice(&y, m, len)
            } else {
                slice(&y, 0, len - m)
            })
        }
        (Value::Vector(v), Value::Table(t)) if v.ty() == Ty::Symbol => {
            let drop: Vec<Sym> = v.as_sym().unwrap_or(&[]).to_vec();
            let mut names = Vec::new();
            let mut cols = Vec::new();
            for (n, c) in t.names.iter().zip(&t.columns) {
                if !drop.contains(n) {
                    names.push(*n);
                    cols.push(c.clone());
                }
            }
            Ok(new_table(names, cols))
        }
        (Value::Vector(_) | Value::List(_) | Value::Atom(_), Value::Dict(d)) => {
            let probe = as_list(x.clone());
            remove_keys(d, &probe)
        }
        (Value::Vector(v), Value::Vector(_) | Value::List(_) | Value::Table(_))
            if is_int_ty(v.ty()) =>
        {
            cut(&v.to_i64_vec().unwrap_or_default(), &y)
        }
        (Value::Dict(d), Value::Atom(_)) => remove_keys(d, &as_list(y.clone())),
        (Value::Vector(_) | Value::List(_), Value::Atom(a)) => {
            let i = int_atom(a).ok_or_else(QError::type_)?;
            let len = x.count() as i64;
            if i < 0 || i >= len {
                return Ok(x.clone());
            }
            let i = i as usize;
            let head = slice(&x, 0, i);
            let tail = slice(&x, i + 1, len as usize);
            Ok(match (head, tail) {
                (Value::Vector(a), Value::Vector(b)) => {
                    Value::Vector(concat(&a, &b).unwrap_or_else(|| Vector::empty(a.ty())))
                }
                (Value::List(a), Value::List(b)) => {
                    let mut items = Arc::unwrap_or_clone(a);
                    items.extend(b.iter().cloned());
                    Value::list(items)
                }
                (a, _) => a,
            })
        }
        _ => Err(QError::type_()),
    }
}

fn remove_keys(d: &Dict, probe: &Value) -> QResult<Value> {
    let pos = positions(probe, &d.keys);
    let keep: Vec<i64> = pos
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(i, _)| i as i64)
        .collect();
    Ok(new_dict(
        take_idx(&d.keys, &keep),
        take_idx(&d.values, &keep),
    ))
}

fn cut(at: &[i64], y: &Value) -> QResult<Value> {
    let len = y.count() as i64;
    let mut prev = 0;
    for &i in at {
        if i < prev || i > len {
            return Err(QError::domain());
        }
        prev = i;
    }
    let mut out = Vec::with_capacity(at.len());
    for (k, &a) in at.iter().enumerate() {
        let b = at.get(k + 1).copied().unwrap_or(len);
        out.push(slice(y, a as usize, b as usize));
    }
    Ok(Value::list(out))
}

// ---------------------------------------------------------------------------
// ? find, roll, deal; in

/// `x?y`: find (index of first occurrence, `count x` when absent); reverse
/// lookup in a dictionary; row search in a table; with an integer `x`, roll
/// (`n?m`), deal (`-n?m`) and permute (`0N?x`).
pub fn find(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    match &x {
        Value::Atom(a) if int_atom(a).is_some() && !matches!(a, Atom::Bool(_) | Atom::Byte(_)) => {
            roll(int_atom(a).unwrap_or(0), &y)
        }
        Value::Atom(Atom::Symbol(_)) => Err(QError::nyi("enumerate `s?y")),
        _ => find_value(&x, &y),
    }
}

fn find_value(x: &Value, y: &Value) -> QResult<Value> {
    match x {
        Value::Vector(v) => find_in_vector(v, y),
        Value::List(l) => {
            let index = ValueIndex::new(l);
            let d = depth(x).saturating_sub(1);
            Ok(probe_general(&index, d, y))
        }
        Value::Dict(d) => {
            let idx = find_value(&d.values, y)?;
            Ok(index_by(&d.keys, &idx))
        }
        Value::Table(t) => {
            let rows = table_rows(t);
            let index = ValueIndex::new(&rows);
            let n = rows.len() as i64;
            let probe_row = |r: &Value| -> i64 {
                let rec = match r {
                    Value::Dict(d) => Value::list(d.values.items()),
                    other => Value::list(other.items()),
                };
                index.get(&rec).map_or(n, |i| i as i64)
            };
            match y {
                Value::Table(u) => {
                    let found = (0..u.len()).map(|i| probe_row(&table_row(u, i))).collect();
                    Ok(longs(found))
                }
                other => Ok(Value::long(probe_row(other))),
            }
        }
        _ => Err(QError::type_()),
    }
}

/// Nesting depth judged by first items: atom 0, vector 1, list of vectors 2.
fn depth(v: &Value) -> usize {
    match v {
        Value::Vector(_) => 1,
        Value::List(l) => 1 + l.first().map_or(0, depth),
        _ => 0,
    }
}

/// q's rank-sensitive search in a general list whose items have depth `d`:
/// a value of that depth is looked up whole, a deeper one item by item, a
/// shallower one is never found.
fn probe_general(index: &ValueIndex, d: usize, y: &Value) -> Value {
    let n = index.items.len() as i64;
    let dy = depth(y);
    if dy == d || matches!(y, Value::Dict(_) | Value::Table(_)) {
        Value::long(index.get(y).map_or(n, |i| i as i64))
    } else if dy < d {
        Value::long(n)
    } else {
        Value::from_items(
            y.items()
                .iter()
                .map(|i| probe_general(index, d, i))
                .collect(),
        )
    }
}

fn find_in_vector(x: &Vector, y: &Value) -> QResult<Value> {
    // binary search on a vector with the sorted attribute (env.rs)
    if let Some(r) = super::env::sorted_find(x, y) {
        return Ok(r);
    }
    match y {
        Value::Atom(a) => {
            if a.ty() != x.ty() {
                return Err(QError::type_());
            }
            let one = atom_vec(*a);
            let r = with_keys2!(x, one, p, q => find_keys(p, q)).ok_or_else(QError::type_)?;
            Ok(Value::long(r.first().copied().unwrap_or(x.len() as i64)))
        }
        Value::Vector(w) => {
            if w.ty() != x.ty() {
                return Err(QError::type_());
            }
            let r = with_keys2!(x, w, p, q => find_keys(p, q)).ok_or_else(QError::type_)?;
            Ok(longs(r))
        }
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for item in l.iter() {
                out.push(find_in_vector(x, item)?);
            }
            if out.is_empty() {
                return Ok(longs(vec![]));
            }
            Ok(Value::from_items(out))
        }
        _ => Err(QError::type_()),
    }
}

/// Indexes `keys` by a result of find (an index atom, vector or nested list).
fn index_by(keys: &Value, idx: &Value) -> Value {
    match idx {
        Value::Atom(Atom::Long(i)) => {
            take_idx(keys, &[*i])
                .item(0)
                .unwrap_or_else(|| match take_idx(keys, &[*i]) {
                    Value::Table(t) => table_row(&t, 0),
                    other => first_or_last(other, false),
                })
        }
        Value::Vector(v) => take_idx(keys, &v.to_i64_vec().unwrap_or_default()),
        Value::List(l) => Value::from_items(l.iter().map(|i| index_by(keys, i)).collect()),
        other => other.clone(),
    }
}

/// `x in y`: whether `x` (each atom of `x` when `y` is a vector) is an item
/// of `y`.
pub fn in_(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    in_value(&x, &y)
}

fn in_value(x: &Value, y: &Value) -> QResult<Value> {
    // An atom (or one-item vector) on the right compares by value.
    let single = match y {
        Value::Atom(a) => Some(*a),
        Value::Vector(v) if v.len() == 1 => match x {
            Value::Atom(b) if b.ty() != v.ty() => Some(v.get(0)),
            Value::Vector(w) if w.ty() != v.ty() => Some(v.get(0)),
            _ => None,
        },
        _ => None,
    };
    if let Some(b) = single {
        return in_atom(x, &b);
    }
    let n = y.count() as i64;
    let r = match y {
        Value::Vector(yv) => match x {
            Value::Vector(xv) if xv.ty() == yv.ty() => {
                let r = with_keys2!(yv, xv, p, q => membership(p, q)).ok_or_else(QError::type_)?;
                return Ok(bools(r));
            }
            _ => find_value(y, x)?,
        },
        Value::Dict(d) => return in_value(x, &d.values),
        _ => find_value(y, x)?,
    };
    Ok(found_to_bool(&r, n))
}

/// For each item of `probe`, whether it occurs in `set`.
fn membership<K: Hash + Eq + Copy>(set: &[K], probe: &[K]) -> Vec<u8> {
    if set.len() <= 8 {
        return probe.iter().map(|k| set.contains(k) as u8).collect();
    }
    let s: HashSet<K, State> = set.iter().copied().collect();
    probe.iter().map(|k| s.contains(k) as u8).collect()
}

fn found_to_bool(r: &Value, n: i64) -> Value {
    match r {
        Value::Atom(a) => Value::bool(a.to_i64().unwrap_or(n) < n),
        Value::Vector(v) => bools(
            v.to_i64_vec()
                .unwrap_or_default()
                .into_iter()
                .map(|i| (i < n) as u8)
                .collect(),
        ),
        Value::List(l) => Value::from_items(l.iter().map(|i| found_to_bool(i, n)).collect()),
        other => other.clone(),
    }
}

/// `x in b` for an atom `b`: equality, numeric across types.
fn in_atom(x: &Value, b: &Atom) -> QResult<Value> {
    let eq = |a: &Atom| -> QResult<bool> {
        if a.ty() == b.ty() {
            return Ok(super::compare::atoms_match(a, b));
        }
        let num = |t: Ty| t.is_numeric() && t != Ty::Bool;
        if num(a.ty()) && num(b.ty()) {
            return Ok(match (a.to_f64(), b.to_f64()) {
                (Some(p), Some(q)) => p == q || (p.is_nan() && q.is_nan()),
                _ => false,
            });
        }
        Err(QError::type_())
    };
    match x {
        Value::Atom(a) => Ok(Value::bool(eq(a)?)),
        Value::Vector(v) => {
            let mut out = Vec::with_capacity(v.len());
            for i in 0..v.len() {
                out.push(eq(&v.get(i))? as u8);
            }
            Ok(bools(out))
        }
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for i in l.iter() {
                out.push(in_atom(i, b)?);
            }
            Ok(Value::from_items(out))
        }
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// Random numbers

const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(SEED) };
}

/// Sets the random seed (`\S`); zero is replaced by the default seed.
pub fn set_seed(s: u64) {
    RNG.with(|r| r.set(if s == 0 { SEED } else { s }));
}

/// The current random state.
pub fn seed() -> u64 {
    RNG.with(|r| r.get())
}

/// The next 64 random bits (xorshift64*).
pub fn rand_u64() -> u64 {
    RNG.with(|r| {
        let mut x = r.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        r.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// A random integer in `0..n` (`n > 0`).
fn rand_below(n: u64) -> u64 {
    ((rand_u64() as u128 * n as u128) >> 64) as u64
}

/// A random float in `[0, 1)`.
fn rand_unit() -> f64 {
    (rand_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `m` distinct random integers from `0..n` (`m <= n`).
fn deal_indexes(m: usize, n: u64) -> Vec<i64> {
    if n <= (8 * m as u64).max(1024) {
        let mut all: Vec<i64> = (0..n as i64).collect();
        for i in 0..m {
            let j = i + rand_below((n as usize - i) as u64) as usize;
            all.swap(i, j);
        }
        all.truncate(m);
        all
    } else {
        let mut seen: HashSet<i64, State> = HashSet::default();
        let mut out = Vec::with_capacity(m);
        while out.len() < m {
            let k = rand_below(n) as i64;
            if seen.insert(k) {
                out.push(k);
            }
        }
        out
    }
}

fn rand_sym(len: usize) -> Sym {
    let mut s = String::with_capacity(len);
    let mut bits = rand_u64();
    for _ in 0..len {
        s.push((b'a' + (bits & 15) as u8) as char);
        bits >>= 4;
    }
    Sym::new(&s)
}

fn rand_guid() -> Guid {
    let a = rand_u64().to_le_bytes();
    let b = rand_u64().to_le_bytes();
    let mut g = [0u8; 16];
    g[..8].copy_from_slice(&a);
    g[8..].copy_from_slice(&b);
    g
}

fn roll(n: i64, y: &Value) -> QResult<Value> {
    if n == i64::MIN {
        // permute
        return match y {
            Value::Atom(a) => {
                let m = int_atom(a).ok_or_else(QError::type_)?;
                roll(-m, y)
            }
            _ => roll(-(y.count() as i64), y),
        };
    }
    let m = n.unsigned_abs() as usize;
    if m > 1 << 36 {
        return Err(QError::new("wsfull"));
    }
    let deal = n < 0;
    match y {
        Value::Atom(a) => roll_atom(m, deal, a),
        Value::Vector(_) | Value::List(_) | Value::Table(_) => {
            let c = y.count();
            let idx: Vec<i64> = if deal {
                if m > c {
                    return Err(QError::length());
                }
                deal_indexes(m, c as u64)
            } else {
                if c == 0 {
                    return Err(QError::length());
                }
                (0..m).map(|_| rand_below(c as u64) as i64).collect()
            };
            Ok(take_idx(y, &idx))
        }
        _ => Err(QError::type_()),
    }
}

fn roll_atom(m: usize, deal: bool, a: &Atom) -> QResult<Value> {
    let ints = |lim: i64| -> QResult<Vec<i64>> {
        if lim <= 0 {
            return Err(QError::domain());
        }
        if deal {
            if m as i64 > lim {
                return Err(QError::length());
            }
            Ok(deal_indexes(m, lim as u64))
        } else {
            Ok((0..m).map(|_| rand_below(lim as u64) as i64).collect())
        }
    };
    let v = match *a {
        Atom::Long(0) => {
            let mut seen: HashSet<i64, State> = HashSet::default();
            let mut out = Vec::with_capacity(m);
            while out.len() < m {
                let k = rand_u64() as i64;
                if k != i64::MIN && (!deal || seen.insert(k)) {
                    out.push(k);
                }
            }
            Vector::longs(out)
        }
        Atom::Int(0) if !deal => Vector::from_i32(
            Ty::Int,
            (0..m)
                .map(|_| {
                    loop {
                        let k = rand_u64() as i32;
                        if k != i32::MIN {
                            break k;
                        }
                    }
                })
                .collect(),
        ),
        Atom::Long(l) => Vector::longs(ints(l)?),
        Atom::Int(l) => Vector::from_i32(
            Ty::Int,
            ints(l as i64)?.into_iter().map(|k| k as i32).collect(),
        ),
        Atom::Short(l) => Vector::from_i16(ints(l as i64)?.into_iter().map(|k| k as i16).collect()),
        Atom::Guid(_) => Vector::guids((0..m).map(|_| rand_guid()).collect()),
        Atom::Symbol(s) => {
            let len: usize = s.as_str().parse().map_err(|_| QError::domain())?;
            if len == 0 || len > 8 {
                return Err(QError::domain());
            }
            if deal {
                if len < 8 && m as u64 > 1u64 << (4 * len) {
                    return Err(QError::length());
                }
                let mut seen: HashSet<Sym, State> = HashSet::default();
                let mut out = Vec::with_capacity(m);
                while out.len() < m {
                    let s = rand_sym(len);
                    if seen.insert(s) {
                        out.push(s);
                    }
                }
                Vector::syms(out)
            } else {
                Vector::syms((0..m).map(|_| rand_sym(len)).collect())
            }
        }
        _ if deal => return Err(QError::type_()),
        Atom::Bool(_) => {
            Vector::from_u8(Ty::Bool, (0..m).map(|_| (rand_u64() >> 63) as u8).collect())
        }
        Atom::Byte(0) => {
            Vector::from_u8(Ty::Byte, (0..m).map(|_| (rand_u64() >> 56) as u8).collect())
        }
        Atom::Byte(l) => Vector::from_u8(
            Ty::Byte,
            ints(l as i64)?.into_iter().map(|k| k as u8).collect(),
        ),
        Atom::Char(b' ') => Vector::from_u8(
            Ty::Char,
            (0..m).map(|_| b'a' + rand_below(26) as u8).collect(),
        ),
        Atom::Float(f) => Vector::floats((0..m).map(|_| rand_unit() * f).collect()),
        Atom::Datetime(f) => {
            Vector::from_f64(Ty::Datetime, (0..m).map(|_| rand_unit() * f).collect())
        }
        Atom::Real(f) => {
            Vector::from_f32((0..m).map(|_| (rand_unit() * f as f64) as f32).collect())
        }
        Atom::Month(l) | Atom::Date(l) | Atom::Minute(l) | Atom::Second(l) | Atom::Time(l) => {
            Vector::from_i32(
                a.ty(),
                ints(l as i64)?.into_iter().map(|k| k as i32).collect(),
            )
        }
        Atom::Timestamp(l) | Atom::Timespan(l) => Vector::from_i64(a.ty(), ints(l)?),
        _ => return Err(QError::type_()),
    };
    Ok(Value::Vector(v))
}

// ---------------------------------------------------------------------------
// ?[c;a;b]

/// `?[c;a;b]`: vector conditional — items of `a` where `c`, else of `b`.
pub fn query_n(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    if args.len() >= 4 {
        return super::qsql::select_n(it, args);
    }
    let Ok([c, a, b]) = <[Value; 3]>::try_from(args) else {
        return Err(QError::rank());
    };
    if matches!(c, Value::Table(_)) || crate::builtins::table::keyed_parts(&c).is_some() {
        return super::qsql::simple_exec(it, c, a, b);
    }
    match &c {
        Value::Atom(Atom::Bool(t)) => Ok(if *t { a } else { b }),
        Value::Vector(cv) if cv.ty() == Ty::Bool => {
            let cb = cv.as_u8().unwrap_or(&[]);
            let n = cb.len();
            for v in [&a, &b] {
                if v.is_list() && v.count() != n {
                    return Err(QError::length());
                }
            }
            let ty_of = |v: &Value| match v {
                Value::Atom(x) => Some(x.ty()),
                Value::Vector(x) => Some(x.ty()),
                _ => None,
            };
            let pick = |v: &Value, i: usize| match v {
                Value::Atom(x) => Value::Atom(*x),
                other => other.item(i).unwrap_or(Value::Nil),
            };
            if let (Some(ta), Some(tb)) = (ty_of(&a), ty_of(&b))
                && ta == tb
            {
                let mut out = VecBuilder::new(ta, n);
                for (i, &t) in cb.iter().enumerate() {
                    let src = if t != 0 { &a } else { &b };
                    match src {
                        Value::Atom(x) => out.push(*x),
                        Value::Vector(x) => out.push(x.get(i)),
                        _ => {}
                    }
                }
                return Ok(Value::Vector(out.finish()));
            }
            let items = cb
                .iter()
                .enumerate()
                .map(|(i, &t)| if t != 0 { pick(&a, i) } else { pick(&b, i) })
                .collect();
            Ok(Value::from_items(items))
        }
        Value::Table(_) => Err(QError::nyi("functional exec ?[t;c;a]")),
        _ => Err(QError::type_()),
    }
}

/// `x rotate y`: rotate the list y left by x items (right when x is negative).
pub fn rotate(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let n = match &x {
        Value::Atom(a) if a.ty().is_integral() && a.ty() != qcore::Ty::Bool => {
            a.to_i64().ok_or_else(QError::type_)?
        }
        Value::Atom(qcore::Atom::Bool(b)) => *b as i64,
        _ => return Err(QError::type_()),
    };
    match &y {
        Value::Vector(_) | Value::List(_) => {
            let len = y.count() as i64;
            if len == 0 {
                return Ok(y);
            }
            let k = n.rem_euclid(len);
            let idx: Vec<i64> = (0..len).map(|i| (i + k) % len).collect();
            crate::eval::index::index(it, &y, &Value::Vector(qcore::Vector::longs(idx)))
        }
        Value::Table(_) => Err(QError::nyi("rotate of a table")),
        _ => Ok(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn it() -> Interp {
        Interp::new()
    }

    #[test]
    fn columnar_table_dedup_matches_row_values() {
        let mut rnd = rng(0x2545_f491_4f6c_dd1d);
        let syms = [Sym::new(""), Sym::new("b"), Sym::new("a"), Sym::new("c")];
        let floats = [f64::NAN, -0.0, 0.0, 1.5, -1.5];
        for n in [0usize, 1, 7, 300, 5000] {
            let s: Vec<Sym> = (0..n).map(|_| syms[rnd(4) as usize]).collect();
            let l: Vec<i64> = (0..n)
                .map(|_| if rnd(5) == 0 { i64::MIN } else { rnd(3) as i64 })
                .collect();
            let f: Vec<f64> = (0..n).map(|_| floats[rnd(5) as usize]).collect();
            let g: Vec<Value> = (0..n)
                .map(|_| Value::Vector(Vector::longs(vec![rnd(2) as i64; rnd(2) as usize])))
                .collect();
            let t = Table {
                names: vec![Sym::new("s"), Sym::new("l"), Sym::new("f"), Sym::new("g")],
                columns: vec![
                    Value::Vector(Vector::syms(s)),
                    Value::Vector(Vector::longs(l)),
                    Value::Vector(Vector::floats(f)),
                    Value::list(g),
                ],
            };
            let fast = dedup_table(&t, true).expect("columnar");
            assert_eq!(fast, dedup_values(&table_rows(&t)), "n={n}");
            assert_eq!(dedup_table(&t, false).map(|r| r.1), Some(fast.1));
            // lookups of a table's rows in its first half, columnar vs rows
            let half = Table {
                names: t.names.clone(),
                columns: t.columns.iter().map(|c| slice(c, 0, n / 2)).collect(),
            };
            let (kv, pv) = (
                Value::Table(Arc::new(half.clone())),
                Value::Table(Arc::new(t)),
            );
            let Value::Table(tt) = &pv else {
                unreachable!()
            };
            let want: Vec<Option<usize>> = {
                let rows = table_rows(&half);
                let index = ValueIndex::new(&rows);
                table_rows(tt).iter().map(|r| index.get(r)).collect()
            };
            assert_eq!(positions(&kv, &pv), want, "n={n}");
        }
    }

    use crate::testutil::xorshift as rng;

    fn table_of(cols: Vec<Value>) -> Table {
        Table {
            names: (0..cols.len())
                .map(|i| Sym::new(&format!("c{i}")))
                .collect(),
            columns: cols,
        }
    }

    /// The dense path's answer for a table: `None` when it declines.
    fn dense_of(t: &Table, want_ids: bool) -> Option<(Vec<u32>, Vec<usize>)> {
        let cols: Vec<DenseCol> = t
            .columns
            .iter()
            .map(|c| DenseCol::of(c).expect("dense"))
            .collect();
        dense_ids(&cols, want_ids)
    }

    /// The number of slots a column needs, by the definition: a signed
    /// column's non-null range plus one for the null, else the range.
    fn slots_needed(c: &Value) -> u128 {
        let Value::Vector(v) = c else {
            return u128::MAX;
        };
        let (items, signed): (Vec<i128>, bool) = match v.data() {
            VecData::U8(b) => (b.iter().map(|&x| x as i128).collect(), false),
            VecData::I16(b) => (
                b.iter()
                    .filter(|&&x| x != i16::MIN)
                    .map(|&x| x as i128)
                    .collect(),
                true,
            ),
            VecData::I32(b) => (
                b.iter()
                    .filter(|&&x| x != i32::MIN)
                    .map(|&x| x as i128)
                    .collect(),
                true,
            ),
            VecData::I64(b) => (
                b.iter()
                    .filter(|&&x| x != i64::MIN)
                    .map(|&x| x as i128)
                    .collect(),
                true,
            ),
            VecData::Sym(b) => (b.iter().map(|&x| x.0 as i128).collect(), false),
            _ => return u128::MAX,
        };
        let (lo, hi) = (items.iter().min(), items.iter().max());
        let range = match (lo, hi) {
            (Some(l), Some(h)) => (h - l + 1) as u128,
            _ => 0,
        };
        range + signed as u128
    }

    /// The dense path gives the hashing path's ids and first rows, with and
    /// without ids; `dedup_table` (which picks the path) agrees too.
    /// `expect_dense`: whether the dense path must answer (`None`: as the
    /// product of [`slots_needed`] against [`dense_limit`] says).
    fn check_dense(t: &Table, expect_dense: impl Into<Option<bool>>, what: &str) -> bool {
        let expect_dense = expect_dense.into();
        let n = t.len();
        let space = t
            .columns
            .iter()
            .fold(1u128, |s, c| s.saturating_mul(slots_needed(c)));
        let mut answered = false;
        for want in [true, false] {
            let hashed = dedup_table_hashed(t, want).expect("columnar");
            let dense = dense_of(t, want);
            let e = expect_dense.unwrap_or(n > 0 && space <= dense_limit(n, want) as u128);
            assert_eq!(dense.is_some(), e, "{what} want_ids={want} space={space}");
            answered = dense.is_some();
            if let Some(d) = dense {
                assert_eq!(d, hashed, "{what} want_ids={want}");
            }
            assert_eq!(dedup_table(t, want), Some(hashed), "{what} want_ids={want}");
        }
        answered
    }

    /// Random integer-like columns of every storage width, with nulls,
    /// negatives, infinities and the null symbol.
    fn random_cols(n: usize, rnd: &mut impl FnMut(u64) -> u64) -> Vec<Value> {
        let syms: Vec<Sym> = ["", "ibm", "msft", "a", "zz"]
            .iter()
            .map(|s| Sym::new(s))
            .collect();
        let mut pick_i64 = |spread: u64, inf: bool| -> i64 {
            match rnd(12) {
                0 => i64::MIN,
                1 if inf => i64::MAX,
                _ => rnd(spread) as i64 - (spread / 2) as i64,
            }
        };
        let longs: Vec<i64> = (0..n).map(|_| pick_i64(9, false)).collect();
        let wide: Vec<i64> = (0..n).map(|_| pick_i64(40, true)).collect();
        let mut r2 = rng(n as u64 + 7);
        let ints: Vec<i32> = (0..n)
            .map(|_| {
                if r2(7) == 0 {
                    i32::MIN
                } else {
                    r2(5) as i32 - 2
                }
            })
            .collect();
        let dates: Vec<i32> = (0..n).map(|_| 8766 + r2(4) as i32).collect();
        let shorts: Vec<i16> = (0..n)
            .map(|_| {
                if r2(6) == 0 {
                    i16::MIN
                } else {
                    r2(3) as i16 + i16::MAX - 2
                }
            })
            .collect();
        let bools: Vec<u8> = (0..n).map(|_| r2(2) as u8).collect();
        let chars: Vec<u8> = (0..n).map(|_| b"ab c"[r2(4) as usize]).collect();
        let ss: Vec<Sym> = (0..n).map(|_| syms[r2(5) as usize]).collect();
        let stamps: Vec<i64> = (0..n)
            .map(|_| {
                if r2(9) == 0 {
                    i64::MIN
                } else {
                    760_000_000_000_000_000 + r2(3) as i64
                }
            })
            .collect();
        vec![
            Value::Vector(Vector::longs(longs)),
            Value::Vector(Vector::from_i32(Ty::Int, ints)),
            Value::Vector(Vector::syms(ss)),
            Value::Vector(Vector::from_u8(Ty::Bool, bools)),
            Value::Vector(Vector::from_i16(shorts)),
            Value::Vector(Vector::from_i32(Ty::Date, dates)),
            Value::Vector(Vector::from_u8(Ty::Char, chars)),
            Value::Vector(Vector::from_i64(Ty::Timestamp, stamps)),
            Value::Vector(Vector::longs(wide)),
        ]
    }

    #[test]
    fn dense_ids_match_hashing_on_random_tables() {
        let mut rnd = rng(0x9e37_79b9_7f4a_7c15);
        let (mut dense, mut all) = (0, 0);
        for n in [1usize, 2, 3, 7, 64, 300, 5000] {
            let cols = random_cols(n, &mut rnd);
            // one, two and three or more columns, in several orders
            for pick in [
                vec![0],
                vec![2],
                vec![4],
                vec![7],
                vec![2, 0],
                vec![0, 1],
                vec![3, 6],
                vec![3, 4, 0],
                vec![5, 2, 1],
                vec![3, 4, 6, 0],
                vec![2, 1, 0, 3, 4, 5, 6, 7],
            ] {
                let t = table_of(pick.iter().map(|&i| cols[i].clone()).collect());
                dense += check_dense(&t, None, &format!("n={n} cols={pick:?}")) as usize;
                all += 1;
            }
            // a column holding 0W (with -16..23 and the null) has a range
            // beyond any limit: the hashing path answers
            let t = table_of(vec![cols[2].clone(), cols[8].clone()]);
            let has_inf = cols[8].count() > 0
                && matches!(&cols[8], Value::Vector(v) if v.as_i64().is_some_and(|s| s.contains(&i64::MAX)));
            assert_eq!(has_inf, slots_needed(&cols[8]) > 1 << 32);
            check_dense(&t, None, &format!("n={n} with 0W"));
        }
        // most of the tables above take the dense path
        assert!(dense * 3 > all * 2, "{dense} of {all}");
    }

    #[test]
    fn dense_ids_edge_cases() {
        let longs = |v: Vec<i64>| Value::Vector(Vector::longs(v));
        // zero rows: no dense answer, the hashing one is empty
        let t = table_of(vec![longs(vec![]), Value::Vector(Vector::syms(vec![]))]);
        assert!(dense_of(&t, true).is_none());
        assert_eq!(dedup_table(&t, true), Some((vec![], vec![])));
        // one row; every item null; a null among negatives
        check_dense(&table_of(vec![longs(vec![-5])]), true, "one row");
        check_dense(&table_of(vec![longs(vec![i64::MIN; 5])]), true, "all null");
        check_dense(
            &table_of(vec![longs(vec![-3, i64::MIN, -3, i64::MIN + 1, i64::MIN])]),
            false,
            "-0W and 0N: range beyond the limit",
        );
        check_dense(
            &table_of(vec![longs(vec![
                i64::MIN + 1,
                i64::MIN,
                i64::MIN + 1,
                i64::MIN + 2,
            ])]),
            true,
            "-0W next to 0N",
        );
        check_dense(
            &table_of(vec![longs(vec![
                i64::MAX,
                i64::MIN,
                i64::MAX - 1,
                i64::MAX,
            ])]),
            true,
            "0W next to 0N",
        );
        // ranges right at the limit: a signed column takes hi-lo+1 slots
        // plus the null's, a symbol or byte column hi-lo+1
        for n in [3usize, 1000] {
            let limit = dense_limit(n, false) as i64;
            let ids_limit = dense_limit(n, true) as i64;
            let mut v = vec![7i64; n];
            v[1] = 7 + limit - 2; // hi-lo+2 == limit
            let t = table_of(vec![longs(v.clone())]);
            assert!(dense_of(&t, false).is_some(), "n={n} at the limit");
            assert_eq!(dense_of(&t, true).is_some(), limit <= ids_limit, "n={n}");
            v[1] += 1;
            let t = table_of(vec![longs(v.clone())]);
            assert!(dense_of(&t, false).is_none(), "n={n} one past the limit");
            assert_eq!(dedup_table(&t, false), dedup_table_hashed(&t, false));
            // two columns whose product is exactly the limit, then one past
            let half = (limit / 2) as u64;
            let a = Value::Vector(Vector::from_u8(
                Ty::Bool,
                (0..n).map(|i| (i % 2) as u8).collect(),
            ));
            let mut w = vec![0i64; n];
            w[n - 1] = half as i64 - 2; // range half (with the null slot)
            let t = table_of(vec![a.clone(), longs(w.clone())]);
            assert!(dense_of(&t, false).is_some(), "n={n} product at the limit");
            assert_eq!(dedup_table(&t, false), dedup_table_hashed(&t, false));
            w[n - 1] += 1;
            let t = table_of(vec![a, longs(w)]);
            assert!(
                dense_of(&t, false).is_none(),
                "n={n} product past the limit"
            );
            assert_eq!(dedup_table(&t, true), dedup_table_hashed(&t, true));
        }
        // symbols: interned ids far apart exceed a small table's limit
        let first = Sym::new("dense_test_first");
        for i in 0..300 {
            Sym::new(&format!("dense_test_{i}"));
        }
        let last = Sym::new("dense_test_last");
        let t = table_of(vec![Value::Vector(Vector::syms(vec![last, first, last]))]);
        check_dense(&t, false, "far symbols");
        let t = table_of(vec![Value::Vector(Vector::syms(vec![
            last,
            Sym::EMPTY,
            last,
        ]))]);
        check_dense(&t, last.0 < 256, "null symbol");
    }

    #[test]
    fn dense_vectors_match_hashing() {
        let mut rnd = rng(42);
        for n in [1usize, 9, 4000] {
            let v: Vec<i64> = (0..n)
                .map(|_| {
                    if rnd(10) == 0 {
                        i64::MIN
                    } else {
                        rnd(50) as i64 - 25
                    }
                })
                .collect();
            let x = Value::Vector(Vector::longs(v.clone()));
            assert_eq!(group_ids(&x).unwrap_or_default(), dedup_keys(&v), "n={n}");
            let d = distinct_value(&x).unwrap_or(Value::Nil);
            let want = take_idx(
                &x,
                &distinct_keys(&v)
                    .iter()
                    .map(|&i| i as i64)
                    .collect::<Vec<_>>(),
            );
            assert!(values_match(&d, &want), "n={n}");
            let s: Vec<Sym> = v
                .iter()
                .map(|&k| Sym::new(&format!("s{}", k.rem_euclid(7))))
                .collect();
            let y = Value::Vector(Vector::syms(s.clone()));
            assert_eq!(group_ids(&y).unwrap_or_default(), dedup_keys(&s), "n={n}");
        }
    }

    #[test]
    fn dense_split_across_cores_matches_hashing() {
        // enough rows for the parallel bounds and the split `distinct`
        let n = DENSE_PAR_ROWS + 4099;
        let mut rnd = rng(7);
        let a: Vec<i64> = (0..n)
            .map(|i| {
                if i % 1_000_003 == 5 {
                    i64::MIN
                } else {
                    rnd(300) as i64 * 3 - 100
                }
            })
            .collect();
        let syms: Vec<Sym> = (0..40).map(|i| Sym::new(&format!("p{i}"))).collect();
        // symbol 39 only near the end: a first occurrence in a late piece
        let b: Vec<Sym> = (0..n)
            .map(|i| syms[if i > n - 50 { 39 } else { rnd(39) as usize }])
            .collect();
        let t = table_of(vec![
            Value::Vector(Vector::syms(b)),
            Value::Vector(Vector::longs(a)),
        ]);
        check_dense(&t, true, "split");
        // the split scan itself, for any number of pieces: new values in
        // every eighth of the rows, so every piece has first occurrences
        let n = 100_003;
        let v: Vec<i64> = (0..n)
            .map(|i| {
                if rnd(97) == 0 {
                    i64::MIN
                } else {
                    rnd(50) as i64 + (i * 8 / n) as i64 * 40
                }
            })
            .collect();
        let t = table_of(vec![Value::Vector(Vector::longs(v.clone()))]);
        let want = dedup_table_hashed(&t, false)
            .map(|r| r.1)
            .unwrap_or_default();
        let key = DenseKey::new(DenseCol::I64(&v), 1 << 20).expect("small range");
        for pieces in [1, 2, 3, 4, 7, 64] {
            let got = with_slots!(&key, s => dense_distinct_split(&s, n, key.range, pieces));
            assert_eq!(got, want, "pieces={pieces}");
        }
    }

    #[test]
    fn find_keys_first_occurrence_and_absent() {
        let x: Vec<i64> = (0..100).map(|i| i % 10).collect();
        let y: Vec<i64> = vec![3, 9, 10, 0, 5, 42];
        assert_eq!(find_keys(&x, &y), vec![3, 9, 100, 0, 5, 100]);
    }

    #[test]
    fn float_keys_match_nulls_and_signed_zero() {
        assert_eq!(norm_f64(-0.0), norm_f64(0.0));
        assert_eq!(norm_f64(f64::NAN), norm_f64(-f64::NAN));
    }

    #[test]
    fn group_ids_general_list() {
        let l = Value::list(vec![
            Value::long(1),
            Value::sym("a"),
            Value::long(1),
            longs(vec![1, 2]),
            longs(vec![1, 2]),
        ]);
        let (ids, firsts) = group_ids(&l).unwrap_or_default();
        assert_eq!(ids, vec![0, 1, 0, 2, 2]);
        assert_eq!(firsts, vec![0, 1, 3]);
    }

    #[test]
    fn take_negative_overtake_cycles() {
        let y = Value::Vector(Vector::longs(vec![1, 2, 3]));
        let r = take_n(-5, &y).unwrap_or(Value::Nil);
        assert!(values_match(&r, &longs(vec![2, 3, 1, 2, 3])));
        let r = take_n(5, &y).unwrap_or(Value::Nil);
        assert!(values_match(&r, &longs(vec![1, 2, 3, 1, 2])));
    }

    #[test]
    fn deal_is_distinct_and_in_range() {
        let d = deal_indexes(1000, 1000);
        let s: std::collections::HashSet<i64> = d.iter().copied().collect();
        assert_eq!(s.len(), 1000);
        let d = deal_indexes(50, 1 << 40);
        let s: std::collections::HashSet<i64> = d.iter().copied().collect();
        assert_eq!(s.len(), 50);
        assert!(d.iter().all(|&k| (0..1 << 40).contains(&k)));
    }

    #[test]
    fn where_replicates() {
        let r = where_(&mut it(), longs(vec![2, 3, 0, 1])).unwrap_or(Value::Nil);
        assert!(values_match(&r, &longs(vec![0, 0, 1, 1, 1, 3])));
        assert!(where_(&mut it(), longs(vec![1, -1])).is_err());
    }

    #[test]
    fn large_find_uses_hash_path() {
        let x: Vec<i64> = (0..10_000).rev().collect();
        let y: Vec<i64> = (0..20).collect();
        let r = find_keys(&x, &y);
        assert_eq!(r[0], 9999);
        assert_eq!(r[19], 9980);
    }
}
