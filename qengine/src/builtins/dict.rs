//! Dictionaries and keyed tables: `!` (`x!y` builds a dictionary from keys
//! and values, `n!t` keys a table on its first `n` columns, `0N!x` shows
//! and returns `x`) and `key` (a dictionary's keys — a keyed table's key
//! table —, `til` of a count, a directory's names for a file handle, the
//! names of a namespace, a vector's type name or enumeration domain).
//! [`unkey`] gives a keyed table's key and value columns as one table,
//! which the table and join keywords use.

use crate::builtins::list::til_n;
use crate::ops::make::int_atom;
use crate::state::Interp;
use qcore::Atom;
use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use std::sync::Arc;

/// `key x`: keys of a dictionary, key table of a keyed table, `til` of a
/// non-negative integer, the type name of a vector, the keys (or existence)
/// of a named variable.
pub fn key(it: &mut Interp, x: Value) -> QResult<Value> {
    match &x {
        Value::Dict(d) => Ok(d.keys.clone()),
        // an enumeration's key is its domain's name
        Value::Vector(v) if v.domain().is_some() => {
            Ok(Value::Atom(Atom::Symbol(v.domain().unwrap_or(Sym::EMPTY))))
        }
        Value::Atom(Atom::Enum(e)) => Ok(Value::Atom(Atom::Symbol(e.domain))),
        Value::Table(_) => Ok(Value::Vector(Vector::empty(Ty::Symbol))),
        Value::Atom(Atom::Symbol(s)) => {
            if s.as_str().starts_with(':') {
                return crate::builtins::io::handle::key_handle(*s);
            }
            if s.as_str() == "." {
                return Ok(Value::Vector(Vector::syms(it.names_in("."))));
            }
            if s.is_null() {
                return Ok(Value::Vector(Vector::syms(namespaces(it))));
            }
            let name = crate::state::qualify(it.namespace, s.as_str());
            let found = it.name_value(name).or_else(|| {
                // a plain name is looked up in the current namespace only
                // (`key`a` in `\d .foo` is empty though the root has a)
                let t = s.as_str();
                t.starts_with('.')
                    .then(|| it.get_global(Sym::new(t.trim_start_matches('.'))))?
            });
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

/// `` key ` ``: the namespaces, q's own first (`` `q`Q`h`j`o ``), then the
/// user's, sorted.
fn namespaces(it: &Interp) -> Vec<Sym> {
    const OWN: [&str; 5] = ["q", "Q", "h", "j", "o"];
    let mut out: Vec<Sym> = OWN.iter().map(|n| Sym::new(n)).collect();
    let mut user: Vec<Sym> = it
        .global_names()
        .filter_map(|g| {
            let ns = g.as_str().strip_prefix('.')?.split('.').next()?;
            (!ns.is_empty() && !OWN.contains(&ns) && ns != "z").then(|| Sym::new(ns))
        })
        .collect();
    user.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    user.dedup();
    out.extend(user);
    out
}

// ---------------------------------------------------------------------------
// ! dict, keyed tables

/// `x!y`: dictionary from keys and values; `n!t` keys a table on its first
/// `n` columns; `0!kt` unkeys.
pub fn bang(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    // -n!x: the internal functions, one table in the registry
    if let Value::Atom(a) = &x
        && a.ty().is_integral()
        && let Some(n) = int_atom(a)
        && n < 0
        && n != i64::MIN
    {
        return match crate::registry::internal(n) {
            Some(f) => f.f.call(it, y),
            None => Err(crate::registry::internal_missing(n)),
        };
    }
    // `` `d!i ``: an enumeration from indexes into the list `d` (an
    // enumerated atom from one index)
    if let (Value::Atom(Atom::Symbol(d)), Value::Vector(_) | Value::Atom(_)) = (&x, &y)
        && !d.is_null()
        && let Some(r) = crate::builtins::enums::link(it, *d, &y)
    {
        return r;
    }
    // `0N!x` shows an enumerated atom as it is; every other `x!y` takes it
    // as its symbol
    if let Value::Atom(Atom::Long(i64::MIN)) = x {
        return crate::builtins::internal::display_bang(it, y);
    }
    let (x, y) = (x.plain_atom(), y.plain_atom());
    // `` cols!`:dir/ `` / `` cols!`t ``: the flip of a splayed or
    // partitioned table (ref/flip-splayed), resolved by `flip`
    if let (Value::Vector(k), Value::Atom(Atom::Symbol(s))) = (&x, &y)
        && k.ty() == Ty::Symbol
        && k.domain().is_none()
        && !s.is_null()
    {
        return Ok(Value::Dict(Arc::new(Dict {
            keys: x,
            values: y,
            sorted: false,
        })));
    }
    match (&x, &y) {
        // `0N!x`: display and return (strings.rs).
        (Value::Atom(Atom::Long(i64::MIN)), _) => crate::builtins::internal::display_bang(it, y),
        // `` 1!`t ``: (un)keys the table named, in place
        (Value::Atom(a), Value::Atom(Atom::Symbol(s))) if int_atom(a).is_some() && !s.is_null() => {
            let (name, v) = crate::builtins::table::global_of(it, *s)?;
            if !matches!(v, Value::Table(_) | Value::Dict(_)) {
                return Err(QError::type_());
            }
            let r = bang(it, x.clone(), v)?;
            it.set_global(name, r);
            Ok(y)
        }
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
            Ok(Value::dict(x, y))
        }
        _ => Err(QError::type_()),
    }
}

pub(crate) fn key_table(t: &Table, n: i64) -> QResult<Value> {
    if n == 0 {
        return Ok(Value::Table(Arc::new(t.clone())));
    }
    if n < 0 || n as usize >= t.columns.len() {
        return Err(QError::length());
    }
    let n = n as usize;
    Ok(Value::dict(
        Value::table(t.names[..n].to_vec(), t.columns[..n].to_vec()),
        Value::table(t.names[n..].to_vec(), t.columns[n..].to_vec()),
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

/// `flip x`: of `` cols!`:dir/ `` the splayed table in `dir` (those
/// columns, mapped), of `` cols!`t `` the partitioned table `t` of the
/// loaded database; either stays unresolved, `` +cols!`s ``, when there is
/// no such table (ref/flip-splayed). Anything else is transposed.
pub fn flip(x: Value) -> QResult<Value> {
    let Value::Dict(d) = &x else {
        return crate::builtins::list::flip(x);
    };
    let (Value::Vector(k), Value::Atom(Atom::Symbol(s))) = (&d.keys, &d.values) else {
        return crate::builtins::list::flip(x);
    };
    let names = k.as_sym().ok_or_else(QError::type_)?.to_vec();
    if s.as_str().starts_with(':') {
        let (dir, _) = crate::storage::column::handle_path(*s)?;
        if dir.join(qstorage::splay::DOT_D).exists() {
            let syms = crate::storage::column::sym_loader(crate::storage::splay::db_of(&dir));
            let t = crate::storage::splay::load_cols(&dir, Some(&names), &syms)?;
            // the columns in the order asked for (mapped in `.d` order)
            let col = |n: &Sym| t.column(*n).cloned().ok_or_else(|| QError::new(n.as_str()));
            let columns = names.iter().map(col).collect::<QResult<Vec<_>>>()?;
            return Ok(Value::Table(Arc::new(Table { names, columns })));
        }
    }
    let n = names.len();
    Ok(Value::Table(Arc::new(Table {
        names,
        columns: vec![Value::Atom(Atom::Symbol(*s)); n],
    })))
}
