//! Searching: `?` (`x?y` find — index of the first occurrence, `count x`
//! when absent, rank-sensitive in a general list —; `n?y` roll and `-n?y`
//! deal, handed to `random.rs`; `?x` distinct), `distinct`, `group` (and
//! `=x`), and `in`. `x?y` on a vector wants `y` of `x`'s type (`'type`
//! otherwise, as q); a vector with the sorted attribute is binary-searched
//! (`ops/search.rs`), others are hashed once and probed with every item.

use crate::builtins::list::first_or_last;
use crate::builtins::list::random::roll;
use crate::ops::dense::Col;
use crate::ops::dense::dense_ids;
use crate::ops::group::group_ids;
use crate::ops::group::group_parts;
use crate::ops::hash::ValueIndex;
use crate::ops::hash::dedup_table;
use crate::ops::hash::dedup_u8;
use crate::ops::hash::distinct_keys;
use crate::ops::hash::find_keys;
use crate::ops::hash::norm_f32;
use crate::ops::hash::norm_f64;
use crate::ops::hash::with_keys;
use crate::ops::hash::with_keys2;
use crate::ops::index::table_row;
use crate::ops::index::take_idx;
use crate::ops::make::State;
use crate::ops::make::atom_vec;
use crate::ops::make::bools;
use crate::ops::make::int_atom;
use crate::ops::make::longs;
use crate::ops::make::table_rows;
use hashbrown::HashSet;
use qcore::Atom;
use qcore::Guid;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use std::hash::Hash;

/// `distinct x`: unique items in order of first occurrence; distinct rows
/// of a table; `'type` for an atom.
pub fn distinct(x: Value) -> QResult<Value> {
    distinct_value(&x)
}

pub(crate) fn distinct_value(x: &Value) -> QResult<Value> {
    match x {
        Value::Vector(v) => {
            if v.attr == qcore::Attr::Unique {
                let mut w = v.clone();
                w.attr = qcore::Attr::None;
                return Ok(Value::Vector(w));
            }
            let firsts = match v.data() {
                VecData::U8(b) => dedup_u8(b).1,
                _ => match Col::of_vec(v).and_then(|c| dense_ids(&[c], false)) {
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
pub fn group(x: Value) -> QResult<Value> {
    match &x {
        Value::Dict(d) => {
            let (keys, idxs) = group_parts(&d.values)?;
            let vals = idxs.into_iter().map(|i| take_idx(&d.keys, &i)).collect();
            Ok(Value::dict(keys, Value::list(vals)))
        }
        Value::Vector(_) | Value::List(_) | Value::Table(_) => {
            let (keys, idxs) = group_parts(&x)?;
            let mut vals = Vec::with_capacity(idxs.len());
            for (i, g) in idxs.into_iter().enumerate() {
                if qcore::budget::stop_at(i) {
                    break;
                }
                vals.push(longs(g));
            }
            Ok(Value::dict(keys, Value::list(vals)))
        }
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// ? find, roll, deal; in

/// `x?y`: find (index of first occurrence, `count x` when absent); reverse
/// lookup in a dictionary; row search in a table; with an integer `x`, roll
/// (`n?m`), deal (`-n?m`) and permute (`0N?x`).
/// `x?y` with the interpreter: `` `d?y `` extends the enumeration domain
/// `d` (`enums.rs`); anything else is [`find`].
pub fn find_s(it: &mut crate::state::Interp, x: Value, y: Value) -> QResult<Value> {
    if let Value::Atom(Atom::Symbol(d)) = &x
        && !d.is_null()
    {
        return crate::builtins::enums::extend(it, *d, y);
    }
    find(x, y)
}

pub fn find(x: Value, y: Value) -> QResult<Value> {
    match &x {
        Value::Atom(a) if int_atom(a).is_some() && !matches!(a, Atom::Bool(_) | Atom::Byte(_)) => {
            roll(int_atom(a).unwrap_or(0), &y)
        }
        // `` `d?y `` is enum extend ([`find_s`]); the null symbol names no
        // domain
        Value::Atom(Atom::Symbol(_)) => Err(QError::type_()),
        _ => find_value(&x, &y),
    }
}

pub(crate) fn find_value(x: &Value, y: &Value) -> QResult<Value> {
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
pub(crate) fn depth(v: &Value) -> usize {
    match v {
        Value::Vector(_) => 1,
        Value::List(l) => 1 + l.first().map_or(0, depth),
        _ => 0,
    }
}

/// q's rank-sensitive search in a general list whose items have depth `d`:
/// a value of that depth is looked up whole, a deeper one item by item, a
/// shallower one is never found.
pub(crate) fn probe_general(index: &ValueIndex, d: usize, y: &Value) -> Value {
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

pub(crate) fn find_in_vector(x: &Vector, y: &Value) -> QResult<Value> {
    // binary search on a vector with the sorted attribute (env.rs)
    if let Some(r) = crate::ops::search::sorted_find(x, y) {
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
pub(crate) fn index_by(keys: &Value, idx: &Value) -> Value {
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
pub fn in_(x: Value, y: Value) -> QResult<Value> {
    in_value(&x, &y)
}

pub(crate) fn in_value(x: &Value, y: &Value) -> QResult<Value> {
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
pub(crate) fn membership<K: Hash + Eq + Copy>(set: &[K], probe: &[K]) -> Vec<u8> {
    if set.len() <= 8 {
        return probe.iter().map(|k| set.contains(k) as u8).collect();
    }
    let mut s: HashSet<K, State> =
        HashSet::with_capacity_and_hasher(set.len().min(1 << 20), State::default());
    for (i, &k) in set.iter().enumerate() {
        if qcore::budget::stop_at(i) {
            break;
        }
        s.insert(k);
    }
    qcore::budget::map_stoppable(probe, 0, |k| s.contains(k) as u8)
}

pub(crate) fn found_to_bool(r: &Value, n: i64) -> Value {
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
pub(crate) fn in_atom(x: &Value, b: &Atom) -> QResult<Value> {
    let eq = |a: &Atom| -> QResult<bool> {
        if a.ty() == b.ty() {
            return Ok(crate::ops::compare::atoms_match(a, b));
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
