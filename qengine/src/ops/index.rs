//! Indexing kernels: [`take_idx`] (`x idx` for vectors, general lists and
//! table rows, an out-of-range index giving the item type's null),
//! [`slice`], [`gather`], [`table_row`] (a row as a dictionary),
//! [`null_item_of`] (the null an out-of-range index of `x` gives) and
//! [`int_indices`]. The indexing keyword logic (depth, dictionaries,
//! amend) is `builtins/index.rs`, written on these.

use crate::ops::hash::map_vec;
use qcore::Atom;
use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Items `a..b` of a list value (vector, general list, table rows).
pub fn slice(x: &Value, a: usize, b: usize) -> Value {
    let b = b.min(x.count());
    let a = a.min(b);
    match x {
        Value::Vector(v) => {
            let mut w = map_vec!(v, s => s[a..b].to_vec());
            // part of a null-free vector is null-free
            if v.data().known_no_nulls() {
                w.data().set_no_nulls();
            }
            w.set_domain(v.domain());
            if let (Some(d), Some(ix)) = (v.domain(), v.enum_index()) {
                w.set_enum(d, ix.window(a, b));
            }
            Value::Vector(w)
        }
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

/// Items `a..b` of a list value like [`slice`], but a vector's window
/// shares its storage ([`qcore::Buf::window`]: no copy, so a row range of
/// a big table costs nothing per row); like [`gather`], the window has no
/// attribute and keeps an enumeration's domain.
pub fn window(x: &Value, a: usize, b: usize) -> Value {
    match x {
        Value::Vector(v) => Value::Vector(v.window(a, b)),
        Value::Table(t) => Value::Table(Arc::new(Table {
            names: t.names.clone(),
            columns: t.columns.iter().map(|c| window(c, a, b)).collect(),
        })),
        other => slice(other, a, b),
    }
}

/// `x idx` for a list value: vectors gather (nulls out of range), general
/// lists pick items (the list's null out of range), tables pick rows,
/// dictionaries pick entries.
pub fn take_idx(x: &Value, idx: &[i64]) -> Value {
    match x {
        Value::Vector(v) => Value::Vector(gather(v, idx)),
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
            columns: take_columns(&t.columns, idx),
        })),
        Value::Dict(d) => Value::Dict(Arc::new(Dict {
            keys: take_idx(&d.keys, idx),
            values: take_idx(&d.values, idx),
            sorted: false,
        })),
        other => Value::from_items(idx.iter().map(|_| other.clone()).collect()),
    }
}

/// Row `i` of a table as a dictionary.
pub fn table_row(t: &Table, i: usize) -> Value {
    t.row(i)
}

/// The null an out-of-range index of `x` gives: the typed null for a
/// vector, `()`'s null for a general list (the null of its first item's
/// type, as q does).
pub fn null_item_of(x: &Value) -> Value {
    match x {
        Value::Vector(v) => Value::Atom(v.ty().null_atom()),
        Value::List(l) => match l.first() {
            Some(Value::Atom(a)) => Value::Atom(a.ty().null_atom()),
            Some(Value::Vector(v)) => Value::Vector(Vector::empty(v.ty())),
            Some(Value::List(_)) => Value::list(vec![]),
            _ => Value::Nil,
        },
        Value::Table(t) => {
            let vals: Vec<Value> = t.columns.iter().map(null_item_of).collect();
            Value::Dict(Arc::new(Dict {
                keys: Value::Vector(Vector::syms(t.names.clone())),
                values: Value::from_items(vals),
                sorted: false,
            }))
        }
        _ => Value::Nil,
    }
}

pub(crate) fn int_index(a: &Atom) -> QResult<i64> {
    match a {
        Atom::Bool(_) | Atom::Byte(_) | Atom::Short(_) | Atom::Int(_) | Atom::Long(_) => {
            Ok(a.to_i64().unwrap_or(i64::MIN))
        }
        _ => Err(QError::type_().with_detail("index must be an integer")),
    }
}

/// The items of an integer index vector as `i64`.
pub fn int_indices(v: &Vector) -> QResult<Vec<i64>> {
    match v.ty() {
        Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long => {
            v.to_i64_vec().ok_or_else(QError::type_)
        }
        _ => Err(QError::type_().with_detail("index must be an integer")),
    }
}

/// Every column indexed by `idx` (a table's rows in a new order: `xasc`,
/// wide selects): on the rayon pool when the rows times the columns reach
/// the parallel threshold, the columns at once and each column's rows in
/// pieces, so the threads share the work evenly however many columns
/// there are and however wide their items (a select keeping a few
/// hundred thousand rows of six columns is a few milliseconds of cache
/// misses a column: one thread would do them all). Results are the
/// one-column gathers' in column order.
pub(crate) fn take_columns(cols: &[Value], idx: &[i64]) -> Vec<Value> {
    use rayon::prelude::*;
    let threads = rayon::current_num_threads();
    let work = idx.len().saturating_mul(cols.len());
    if threads < 2 || work < crate::ops::par::par_rows() {
        return cols.iter().map(|c| take_idx(c, idx)).collect();
    }
    // about four pieces a thread over all the columns, none under
    // GATHER_PIECE rows (the fork/join of a piece costs a few microseconds)
    let step = (work / (threads * 4)).max(GATHER_PIECE);
    cols.par_iter()
        .map(|c| match c {
            Value::Vector(v) => Value::Vector(gather_in(v, idx, Some(step))),
            other => take_idx(other, idx),
        })
        .collect()
}

/// Rows of one piece of a parallel gather at the least ([`take_columns`]).
const GATHER_PIECE: usize = 1 << 15;

/// `v idx` for a typed vector: out-of-range indexes give the typed null.
/// Long index lists split across the rayon pool.
pub fn gather(v: &Vector, idx: &[i64]) -> Vector {
    gather_in(v, idx, crate::ops::par::piece_len(idx.len()))
}

/// [`gather`] in pieces of about `step` indexes on the rayon pool, or on
/// this thread (`None`).
fn gather_in(v: &Vector, idx: &[i64], step: Option<usize>) -> Vector {
    // an index out of range is noted, so a gather of a null-free vector by
    // indexes in range (the rows of a where clause, a sort's order) is
    // known null-free
    struct Gather<'a>(&'a [i64], Option<usize>, AtomicBool);
    impl ItemsKernel for Gather<'_> {
        fn run<T: Copy + Send + Sync>(&self, src: &[T], null: T) -> Vec<T> {
            let n = src.len();
            crate::ops::par::map_in(self.1, self.0, |k| {
                if k >= 0 && (k as usize) < n {
                    src[k as usize]
                } else {
                    self.2.store(true, Ordering::Relaxed);
                    null
                }
            })
        }
        fn only_source_items(&self) -> bool {
            !self.2.load(Ordering::Relaxed)
        }
    }
    per_type(v, &Gather(idx, step, AtomicBool::new(false)))
}

/// `v` moved `k` places: item `i` is `v[i-k]`, null where that falls
/// outside — what [`gather`] of the indexes `i-k` gives, in one copy
/// without building the index list (`prev`, `next`, `xprev`, `prior`).
pub fn shift(v: &Vector, k: i64) -> Vector {
    struct Shift(i64);
    impl ItemsKernel for Shift {
        fn run<T: Copy + Send + Sync>(&self, src: &[T], null: T) -> Vec<T> {
            let n = src.len();
            let m = usize::try_from(self.0.unsigned_abs()).unwrap_or(n).min(n);
            let mut out = Vec::with_capacity(n);
            if self.0 >= 0 {
                out.resize(m, null);
                out.extend_from_slice(&src[..n - m]);
            } else {
                out.extend_from_slice(&src[m..]);
                out.resize(n, null);
            }
            out
        }
    }
    per_type(v, &Shift(k))
}

/// A kernel that makes a vector's new items from its items and its type's
/// null, written once for every item type.
trait ItemsKernel {
    fn run<T: Copy + Send + Sync>(&self, src: &[T], null: T) -> Vec<T>;
    /// True when the last run's items all came from the source (no null
    /// of the kernel's own): then a null-free source gives a null-free
    /// result ([`qcore::Buf::known_no_nulls`]).
    fn only_source_items(&self) -> bool {
        false
    }
}

/// Runs `k` over `v`'s items with its type's null; the result keeps `v`'s
/// type and enumeration domain, no attribute.
fn per_type(v: &Vector, k: &impl ItemsKernel) -> Vector {
    let ty = v.ty();
    let data = match v.data() {
        VecData::U8(b) => {
            let null = if ty == Ty::Char { b' ' } else { 0 };
            VecData::U8(k.run(b, null).into())
        }
        VecData::I16(b) => VecData::I16(k.run(b, i16::MIN).into()),
        VecData::I32(b) => VecData::I32(k.run(b, i32::MIN).into()),
        VecData::I64(b) => VecData::I64(k.run(b, i64::MIN).into()),
        VecData::F32(b) => VecData::F32(k.run(b, f32::NAN).into()),
        VecData::F64(b) => VecData::F64(k.run(b, f64::NAN).into()),
        VecData::Guid(b) => VecData::Guid(k.run(b, [0; 16]).into()),
        VecData::Sym(b) => VecData::Sym(k.run(b, Sym::EMPTY).into()),
    };
    if v.data().known_no_nulls() && k.only_source_items() {
        data.set_no_nulls();
    }
    let mut out = Vector::new(ty, data).unwrap_or_else(|| Vector::empty(ty));
    out.set_domain(v.domain());
    // an enumeration's indexes move with its items
    if let (Some(d), Some(ix)) = (v.domain(), v.enum_index()) {
        out.set_enum(d, k.run(&ix[..], i32::MIN).into());
    }
    out
}

/// Item `i` of a list (an enumeration's is an enumerated atom), or row `i`
/// of a table.
pub fn value_at(v: &Value, i: usize) -> Value {
    match v {
        Value::Table(t) => table_row(t, i),
        Value::Vector(x) if i < x.len() => Value::Atom(x.at(i)),
        _ => v.item(i).unwrap_or(Value::Nil),
    }
}
