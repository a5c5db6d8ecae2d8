//! The q value: the generic null, atoms, vectors, general lists,
//! dictionaries, tables and functions.
//!
//! Temporal values are q's own counts from 2000.01.01; nulls and infinities
//! are q's sentinels (see [`Ty::null_atom`](crate::Ty::null_atom)).

use std::sync::Arc;

use crate::atom::Atom;
use crate::error::{QError, QResult};
use crate::func::Func;
use crate::sym::Sym;
use crate::ty::Ty;
use crate::vector::{VecBuilder, Vector};

/// A dictionary: keys and values are lists of equal count (vectors, general
/// lists, or tables for a keyed table).
#[derive(Clone, Debug)]
pub struct Dict {
    pub keys: Value,
    pub values: Value,
    /// `s#` on the keys (a sorted dictionary, step function).
    pub sorted: bool,
}

/// A table: named columns of equal count (q's flip of a column dictionary).
#[derive(Clone, Debug)]
pub struct Table {
    /// Column names, in order.
    pub names: Vec<Sym>,
    /// Columns, each a list (vector or general list) of the same count.
    pub columns: Vec<Value>,
}

impl Table {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Value::count)
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` as a dictionary of column name to item (`::` past the end).
    pub fn row(&self, i: usize) -> Value {
        let vals: Vec<Value> = self
            .columns
            .iter()
            .map(|c| match c {
                // an enumerated column's field is an enumerated atom
                Value::Vector(v) if i < v.len() => Value::Atom(v.at(i)),
                _ => c.item(i).unwrap_or(Value::Nil),
            })
            .collect();
        Value::Dict(Arc::new(Dict {
            keys: Value::Vector(Vector::syms(self.names.clone())),
            values: Value::from_items(vals),
            sorted: false,
        }))
    }

    /// The column named `name`.
    pub fn column(&self, name: Sym) -> Option<&Value> {
        self.names
            .iter()
            .position(|&n| n == name)
            .map(|i| &self.columns[i])
    }
}

/// Any q value.
#[derive(Clone, Debug)]
pub enum Value {
    /// The generic null `::` (type 101).
    Nil,
    Atom(Atom),
    Vector(Vector),
    /// A general list (type 0).
    List(Arc<Vec<Value>>),
    Dict(Arc<Dict>),
    Table(Arc<Table>),
    Func(Func),
}

/// The items' payloads when every item is an atom `get` accepts.
#[inline]
fn collect_atoms<T>(items: &[Value], get: impl Fn(&Atom) -> Option<T>) -> Option<Vec<T>> {
    let mut out = Vec::with_capacity(items.len());
    for v in items {
        match v {
            Value::Atom(a) => out.push(get(a)?),
            _ => return None,
        }
    }
    Some(out)
}

impl Value {
    /// q's type number: negative for atoms, 0 for general lists, 98 table,
    /// 99 dictionary, 100.. functions, 101 for `::`.
    pub fn type_code(&self) -> i16 {
        match self {
            Value::Nil => 101,
            Value::Atom(Atom::Enum(_)) => -20,
            Value::Atom(a) => -(a.ty().code() as i16),
            // an enumeration of symbols is type 20
            Value::Vector(v) if v.domain().is_some() && v.ty() == Ty::Symbol => 20,
            Value::Vector(v) => v.ty().code() as i16,
            Value::List(_) => 0,
            Value::Dict(_) => 99,
            Value::Table(_) => 98,
            Value::Func(f) => f.type_code(),
        }
    }

    /// `count x`: items of a list, rows of a table, entries of a dict, 1 for
    /// atoms and functions.
    pub fn count(&self) -> usize {
        match self {
            Value::Vector(v) => v.len(),
            Value::List(l) => l.len(),
            Value::Dict(d) => d.keys.count(),
            Value::Table(t) => t.len(),
            _ => 1,
        }
    }

    /// True for an atom, `::` or a function (anything q's `count` calls 1
    /// and that is not a list, dict or table).
    pub fn is_atomic(&self) -> bool {
        matches!(self, Value::Atom(_) | Value::Nil | Value::Func(_))
    }

    /// True for vectors and general lists.
    pub fn is_list(&self) -> bool {
        matches!(self, Value::Vector(_) | Value::List(_))
    }

    /// A general list of items, collapsed into a typed vector when every
    /// item is an atom of one type (as q does for `(1;2;3)`).
    ///
    /// A list of dictionaries whose keys are one symbol vector (the same
    /// symbols in the same order) is a table, the dictionaries its rows (q:
    /// "a list of dictionaries with the same keys is a table").
    pub fn from_items(items: Vec<Value>) -> Value {
        if let Some(Value::Dict(_)) = items.first() {
            return match rows_table(&items) {
                Some(t) => t,
                None => Value::List(Arc::new(items)),
            };
        }
        Value::collapse_atoms(items)
    }

    /// [`Value::from_items`] without the dictionary rule: uniform atoms
    /// become a typed vector, anything else stays a general list. Columns
    /// of a table made from rows are built this way, so a column is never
    /// itself a table.
    pub fn collapse_atoms(items: Vec<Value>) -> Value {
        // Longs and floats, what iterations over lambdas mostly return,
        // collect without a per-item type dispatch.
        match items.first() {
            Some(Value::Atom(Atom::Long(_))) => {
                if let Some(v) = collect_atoms(&items, |a| match a {
                    Atom::Long(x) => Some(*x),
                    _ => None,
                }) {
                    return Value::Vector(Vector::longs(v));
                }
            }
            Some(Value::Atom(Atom::Float(_))) => {
                if let Some(v) = collect_atoms(&items, |a| match a {
                    Atom::Float(x) => Some(*x),
                    _ => None,
                }) {
                    return Value::Vector(Vector::floats(v));
                }
            }
            // enumerated atoms of one domain make an enumeration
            Some(Value::Atom(Atom::Enum(_))) => {
                let atoms = items.iter().map(|v| match v {
                    Value::Atom(a) => *a,
                    _ => Atom::Bool(false),
                });
                return match Vector::from_enum_atoms(atoms) {
                    Some(v) => Value::Vector(v),
                    None => Value::List(Arc::new(items)),
                };
            }
            _ => {}
        }
        if let Some(Value::Atom(first)) = items.first() {
            let ty = first.ty();
            // (an enumerated atom among symbols keeps the list general)
            if items
                .iter()
                .all(|v| matches!(v, Value::Atom(a) if a.ty() == ty && a.enum_domain().is_none()))
            {
                let mut b = VecBuilder::new(ty, items.len());
                for v in &items {
                    if let Value::Atom(a) = v {
                        b.push(*a);
                    }
                }
                return Value::Vector(b.finish());
            }
        }
        Value::List(Arc::new(items))
    }

    /// A dictionary of `keys` to `values` (lists of one count), unsorted.
    pub fn dict(keys: Value, values: Value) -> Value {
        Value::Dict(Arc::new(Dict {
            keys,
            values,
            sorted: false,
        }))
    }

    /// A table of named columns (lists of one count).
    pub fn table(names: Vec<Sym>, columns: Vec<Value>) -> Value {
        Value::Table(Arc::new(Table { names, columns }))
    }

    /// A general list without collapsing.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    /// Shorthands.
    pub fn long(v: i64) -> Value {
        Value::Atom(Atom::Long(v))
    }
    pub fn int(v: i32) -> Value {
        Value::Atom(Atom::Int(v))
    }
    pub fn float(v: f64) -> Value {
        Value::Atom(Atom::Float(v))
    }
    pub fn bool(v: bool) -> Value {
        Value::Atom(Atom::Bool(v))
    }
    pub fn sym(s: &str) -> Value {
        Value::Atom(Atom::Symbol(Sym::new(s)))
    }
    pub fn char(c: u8) -> Value {
        Value::Atom(Atom::Char(c))
    }
    /// A char vector (q string).
    pub fn string(s: &str) -> Value {
        Value::Vector(Vector::chars(s.as_bytes()))
    }

    /// Drops the value; an atom or `::`, which owns nothing, without the
    /// call into `Value`'s drop glue (out of line, and dearer than the
    /// check). For the interpreter's per-call paths, where most values
    /// dropped are atoms.
    #[inline(always)]
    pub fn discard(self) {
        if matches!(self, Value::Atom(_) | Value::Nil) {
            std::mem::forget(self);
        } else {
            drop(self);
        }
    }

    /// An enumerated atom as its symbol, anything else as it is: what a
    /// builtin that does not tell enumerated atoms from symbols is given
    /// (one resolution at the call boundary, so every symbol kernel works
    /// on an enumerated atom unchanged).
    #[inline]
    pub fn plain_atom(mut self) -> Value {
        // in place: a call boundary passes every argument through here, and
        // rebuilding the value would copy it for the rare enumerated atom
        if let Value::Atom(a @ Atom::Enum(_)) = &mut self {
            *a = a.plain();
        }
        self
    }

    /// The atom inside, if this is one.
    pub fn as_atom(&self) -> Option<&Atom> {
        if let Value::Atom(a) = self {
            Some(a)
        } else {
            None
        }
    }

    /// The string inside a char vector (or char atom).
    pub fn as_string(&self) -> Option<String> {
        match self {
            Value::Vector(v) if v.ty() == Ty::Char => {
                Some(String::from_utf8_lossy(v.as_u8()?).into_owned())
            }
            Value::Atom(Atom::Char(c)) => Some((*c as char).to_string()),
            _ => None,
        }
    }

    /// Item `i` of a list value as a `Value` (atoms for vectors). `None` when
    /// out of range or not a list.
    pub fn item(&self, i: usize) -> Option<Value> {
        match self {
            Value::Vector(v) if i < v.len() => Some(Value::Atom(v.get(i))),
            Value::List(l) => l.get(i).cloned(),
            _ => None,
        }
    }

    /// The items of a list value as `Value`s (atoms expanded from vectors).
    /// Atoms give a single item.
    pub fn items(&self) -> Vec<Value> {
        match self {
            Value::Vector(v) => (0..v.len()).map(|i| Value::Atom(v.get(i))).collect(),
            Value::List(l) => l.as_ref().clone(),
            other => vec![other.clone()],
        }
    }
}

impl Value {
    /// The items of a list-like value for iteration: list items, a
    /// dictionary's values, a table's rows; `'type` for anything else.
    pub fn items_of_list(&self) -> QResult<Vec<Value>> {
        match self {
            Value::Vector(_) | Value::List(_) => Ok(self.items()),
            Value::Dict(d) => Ok(d.values.items()),
            Value::Table(t) => Ok((0..t.len()).map(|i| t.row(i)).collect()),
            _ => Err(QError::type_()),
        }
    }
}

impl Value {
    /// The truth of a condition (`if`, `$[..]`, `while`, `/` while-forms):
    /// an atom that is not zero. q tests for zero only, so a null (`0N`) is
    /// true; symbols, guids and lists are `'type`.
    pub fn truthy(&self) -> QResult<bool> {
        match self {
            Value::Atom(a) => Ok(match *a {
                Atom::Bool(b) => b,
                Atom::Byte(b) | Atom::Char(b) => b != 0,
                Atom::Real(f) => f != 0.0,
                Atom::Float(f) | Atom::Datetime(f) => f != 0.0,
                Atom::Symbol(_) | Atom::Guid(_) => return Err(QError::type_()),
                other => other.to_i64().is_some_and(|x| x != 0),
            }),
            _ => Err(QError::type_()),
        }
    }

    /// The function an iterator derives from `operand`: `f'`, `f/`, ...
    pub fn derived(adverb: crate::func::Adverb, operand: Value) -> Value {
        Value::Func(Func::Derived(Arc::new(crate::func::Derived {
            adverb,
            operand,
        })))
    }
}

impl From<Atom> for Value {
    fn from(a: Atom) -> Self {
        Value::Atom(a)
    }
}

impl From<Vector> for Value {
    fn from(v: Vector) -> Self {
        Value::Vector(v)
    }
}

/// The table whose rows are `items`, when every item is a dictionary with
/// the first one's symbol-vector keys (same symbols, same order); `None`
/// otherwise. Columns collect the rows' values with [`Value::collapse_atoms`].
fn rows_table(items: &[Value]) -> Option<Value> {
    let Some(Value::Dict(first)) = items.first() else {
        return None;
    };
    let Value::Vector(k) = &first.keys else {
        return None;
    };
    let names = k.as_sym()?;
    let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(items.len()); names.len()];
    for it in items {
        let Value::Dict(d) = it else {
            return None;
        };
        let same = Arc::ptr_eq(first, d)
            || matches!(&d.keys, Value::Vector(v) if v.as_sym() == Some(names));
        if !same {
            return None;
        }
        let vals = d.values.items_of_list().ok()?;
        if vals.len() != names.len() {
            return None;
        }
        for (c, v) in cols.iter_mut().zip(vals) {
            c.push(v);
        }
    }
    Some(Value::Table(Arc::new(Table {
        names: names.to_vec(),
        columns: cols.into_iter().map(Value::collapse_atoms).collect(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atom::EnumAtom;

    /// Every interpreter path moves, matches and drops values: when a
    /// vector grew to 40 bytes, `Value` lost its plain tag and a lambda call
    /// took ~9% more instructions (docs/PERF.md, "Lambda calls").
    #[test]
    fn values_stay_small() {
        assert!(std::mem::size_of::<Vector>() <= 32);
        assert!(std::mem::size_of::<Value>() <= 40);
    }

    fn ea(d: &str, s: &str, i: i32) -> Value {
        Value::Atom(Atom::Enum(EnumAtom {
            domain: Sym::new(d),
            sym: Sym::new(s),
            index: i,
        }))
    }

    /// An enumerated atom is type -20 and is given to symbol kernels as
    /// its symbol; enumerated atoms of one domain collapse into an
    /// enumeration, mixed with symbols or another domain into a general
    /// list.
    #[test]
    fn enumerated_atoms() {
        assert_eq!(ea("d", "a", 0).type_code(), -20);
        assert_eq!(ea("d", "a", 0).plain_atom().type_code(), -11);
        let v = Value::from_items(vec![ea("d", "a", 0), ea("d", "b", 1)]);
        assert_eq!(v.type_code(), 20);
        assert_eq!(v.count(), 2);
        let mixed = Value::from_items(vec![ea("d", "a", 0), Value::sym("b")]);
        assert_eq!(mixed.type_code(), 0);
        let mixed = Value::from_items(vec![Value::sym("b"), ea("d", "a", 0)]);
        assert_eq!(mixed.type_code(), 0);
        let two = Value::from_items(vec![ea("d", "a", 0), ea("d2", "a", 0)]);
        assert_eq!(two.type_code(), 0);
    }
}
