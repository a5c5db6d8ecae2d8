//! Constructors and small helpers for building q values in kernels: a
//! table from a list of row dictionaries ([`table_from_rows`]), one-item
//! vectors from atoms ([`atom_vec`]), long and boolean vectors, strings,
//! bytes, the shared count of several arguments with atoms extended
//! (`common_count`, `'length` when lists disagree), and the hasher state
//! the hash maps use.

use crate::ops::index::take_idx;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::VecBuilder;
use qcore::Vector;
use std::sync::Arc;

use qcore::Atom;
use qcore::Table;

/// A table from a list of dictionaries with the same keys (rows): q's
/// list rule, which [`Value::from_items`] applies (a general list when the
/// keys differ).
pub fn table_from_rows(rows: Vec<Value>) -> QResult<Value> {
    Ok(Value::from_items(rows))
}

pub(crate) type State = foldhash::fast::FixedState;

// ---------------------------------------------------------------------------
// Small helpers

pub(crate) fn longs(v: Vec<i64>) -> Value {
    Value::Vector(Vector::longs(v))
}

pub(crate) fn bools(v: Vec<u8>) -> Value {
    Value::Vector(Vector::from_u8(Ty::Bool, v))
}

/// An integer atom's value (boolean, byte, short, int, long).
pub(crate) fn int_atom(a: &Atom) -> Option<i64> {
    match a {
        Atom::Bool(_) | Atom::Byte(_) | Atom::Short(_) | Atom::Int(_) | Atom::Long(_) => a.to_i64(),
        _ => None,
    }
}

pub(crate) fn is_int_ty(t: Ty) -> bool {
    matches!(t, Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long)
}

/// A one-item vector of an atom.
pub fn atom_vec(a: Atom) -> Vector {
    // an enumerated atom makes a one-item enumeration (`enlist e 0`)
    if let Atom::Enum(_) = a
        && let Some(v) = Vector::from_enum_atoms(std::iter::once(a))
    {
        return v;
    }
    let mut b = VecBuilder::new(a.ty(), 1);
    b.push(a);
    b.finish()
}

/// `x` as a list: atoms become one-item vectors, others one-item lists.
pub(crate) fn as_list(x: Value) -> Value {
    match x {
        Value::Atom(a) => Value::Vector(atom_vec(a)),
        v @ (Value::Vector(_) | Value::List(_) | Value::Table(_)) => v,
        other => Value::list(vec![other]),
    }
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

/// The count shared by the list items of `vals` (atoms extend); `'length`
/// when they differ; `None` when every item is an atom.
pub(crate) fn common_count(vals: &[Value]) -> QResult<Option<usize>> {
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

pub(crate) fn extend_atom(v: Value, n: usize) -> Value {
    match v {
        Value::Atom(a) => take_idx(&Value::Vector(atom_vec(a)), &vec![0; n]),
        v @ (Value::Vector(_) | Value::List(_) | Value::Table(_)) => v,
        other => Value::list(vec![other; n]),
    }
}

/// The items of a value being joined: a list's items, else the value.
pub(crate) fn list_items(x: Value) -> Vec<Value> {
    match x {
        Value::List(l) => Arc::unwrap_or_clone(l),
        // an enumeration's items in a general list are enumerated atoms
        Value::Vector(v) if v.domain().is_some() => {
            (0..v.len()).map(|i| Value::Atom(v.at(i))).collect()
        }
        Value::Vector(_) => x.items(),
        other => vec![other],
    }
}

/// A general list of strings.
pub(crate) fn strings<S: AsRef<[u8]>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::list(
        items
            .into_iter()
            .map(|s| Value::Vector(Vector::chars(s.as_ref())))
            .collect(),
    )
}

pub(crate) fn chars_of(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Vector(w) if w.ty() == Ty::Char => w.as_u8().map(|b| b.to_vec()),
        Value::Atom(Atom::Char(c)) => Some(vec![*c]),
        _ => None,
    }
}

/// A byte vector.
pub(crate) fn bytes_value(b: Vec<u8>) -> Value {
    Value::Vector(Vector::from_u8(Ty::Byte, b))
}

pub(crate) fn enlist1(x: Value) -> Value {
    match x {
        Value::Atom(a) => Value::Vector(atom_vec(a)),
        Value::Dict(d) => {
            if let Value::Vector(k) = &d.keys
                && let Some(names) = k.as_sym()
            {
                let cols = d.values.items().into_iter().map(enlist1).collect();
                return Value::table(names.to_vec(), cols);
            }
            Value::list(vec![Value::Dict(d)])
        }
        other => Value::list(vec![other]),
    }
}
