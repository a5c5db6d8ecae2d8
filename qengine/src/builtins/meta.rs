//! Type, nulls and attributes: `type` (and `@x`), `null` (and `^x`), `^`
//! fill (`x^y`), `attr`, and setting an attribute with `` `s# `u# `p# `g# ``
//! or removing it with `` `# `` ([`set_attribute`], reached from `#`). An
//! attribute is checked when set (`'s-fail`, `'u-fail`): `s#` needs
//! ascending items, `u#` distinct ones, `p#` each value in one run. Code
//! that relies on an attribute (binary search on `s#`, the partitioned
//! database's `p#` field) trusts it.

use crate::ops::conform::atomic_monad;
use crate::ops::grade::cmp_atoms;
use crate::ops::grade::cmp_values;
use crate::state::Interp;
use qcore::Atom;
use qcore::Attr;
use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use std::cmp::Ordering;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// Attributes

/// `attr x`: the attribute of a list (`` ` `` for none).
pub fn attr(x: Value) -> QResult<Value> {
    let a = match &x {
        Value::Vector(v) => v.attr.letter(),
        Value::Dict(d) if d.sorted => "s",
        _ => "",
    };
    Ok(Value::sym(a))
}

/// True for an attribute name `` `s`u`p`g `` or the null symbol.
pub fn is_attr_name(s: Sym) -> bool {
    matches!(s.as_str(), "" | "s" | "u" | "p" | "g")
}

pub(crate) fn is_sorted_items(x: &Value) -> bool {
    match x {
        Value::Vector(v) => {
            (1..v.len()).all(|i| cmp_atoms(&v.get(i - 1), &v.get(i)) != Ordering::Greater)
        }
        Value::List(l) => l
            .windows(2)
            .all(|w| cmp_values(&w[0], &w[1]) != Ordering::Greater),
        _ => true,
    }
}

pub(crate) fn is_unique_items(x: &Value) -> QResult<bool> {
    Ok(crate::ops::group::group_ids(x)?.1.len() == x.count())
}

/// Each distinct value in one run.
pub(crate) fn is_parted_items(x: &Value) -> QResult<bool> {
    let (ids, _) = crate::ops::group::group_ids(x)?;
    let mut seen = std::collections::HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if (i == 0 || ids[i - 1] != *id) && !seen.insert(*id) {
            return Ok(false);
        }
    }
    Ok(true)
}

pub(crate) fn check_attr(a: Attr, x: &Value) -> QResult<()> {
    match a {
        Attr::None => Ok(()),
        Attr::Sorted if !is_sorted_items(x) => Err(QError::new("s-fail")),
        Attr::Sorted => Ok(()),
        Attr::Unique if !is_unique_items(x)? => Err(QError::new("u-fail")),
        Attr::Parted if !matches!(x, Value::Vector(_)) => Err(QError::type_()),
        Attr::Parted if !is_parted_items(x)? => Err(QError::new("u-fail")),
        Attr::Grouped if !matches!(x, Value::Vector(_)) => Err(QError::type_()),
        _ => Ok(()),
    }
}

pub(crate) fn with_attr(a: Attr, x: Value) -> QResult<Value> {
    check_attr(a, &x)?;
    Ok(match x {
        Value::Vector(mut v) => {
            v.attr = a;
            Value::Vector(v)
        }
        // general lists carry no attribute in borf: checked, then unchanged
        other => other,
    })
}

/// `` `s#y `` `` `u#y `` `` `p#y `` `` `g#y `` and `` `#y ``: sets (or
/// removes) an attribute after checking the list qualifies.
pub fn set_attribute(s: Sym, y: Value) -> QResult<Value> {
    let a = Attr::from_letter(s.as_str()).unwrap_or_default();
    match y {
        Value::Vector(_) | Value::List(_) => with_attr(a, y),
        Value::Dict(d) => {
            let keys = with_attr(a, d.keys.clone())?;
            Ok(Value::Dict(Arc::new(Dict {
                keys,
                values: d.values.clone(),
                sorted: a == Attr::Sorted,
            })))
        }
        Value::Table(t) => {
            if t.columns.is_empty() {
                return Ok(Value::Table(t));
            }
            // q sets the parted attribute on the first column for `s#t
            let ca = if a == Attr::Sorted { Attr::Parted } else { a };
            if a == Attr::Sorted {
                check_attr(Attr::Sorted, &t.columns[0])?;
            }
            let mut cols = t.columns.clone();
            cols[0] = with_attr(ca, cols[0].clone())?;
            Ok(Value::Table(Arc::new(Table {
                names: t.names.clone(),
                columns: cols,
            })))
        }
        Value::Atom(_) if a == Attr::None => Ok(y),
        _ => Err(QError::type_()),
    }
}

/// `type x`.
pub fn type_(x: Value) -> QResult<Value> {
    Ok(Value::Atom(Atom::Short(x.type_code())))
}

/// `null x`: atomic, 1b where an item is its type's null.
pub fn null(x: Value) -> QResult<Value> {
    if matches!(x, Value::Nil) {
        return Ok(Value::bool(true));
    }
    if let Value::Func(_) = x {
        return Ok(Value::bool(false));
    }
    atomic_monad(x, &mut |v| match v {
        Value::Atom(a) => Ok(Value::bool(a.is_null())),
        // an enumeration's items are never null (ref/null: "enums always
        // show as non-null"; `` ` `` is the out-of-range value)
        Value::Vector(v) if v.domain().is_some() => {
            Ok(Value::Vector(Vector::from_u8(Ty::Bool, vec![0; v.len()])))
        }
        Value::Vector(v) => {
            let out: Vec<u8> = match v.data() {
                VecData::U8(b) => {
                    if v.ty() == Ty::Char {
                        b.iter().map(|&c| (c == b' ') as u8).collect()
                    } else {
                        vec![0; b.len()]
                    }
                }
                VecData::I16(b) => b.iter().map(|&x| (x == i16::MIN) as u8).collect(),
                VecData::I32(b) => b.iter().map(|&x| (x == i32::MIN) as u8).collect(),
                VecData::I64(b) => b.iter().map(|&x| (x == i64::MIN) as u8).collect(),
                VecData::F32(b) => b.iter().map(|x| x.is_nan() as u8).collect(),
                VecData::F64(b) => b.iter().map(|x| x.is_nan() as u8).collect(),
                VecData::Guid(b) => b.iter().map(|g| (*g == [0; 16]) as u8).collect(),
                VecData::Sym(b) => b.iter().map(|s| s.is_null() as u8).collect(),
            };
            Ok(Value::Vector(Vector::from_u8(Ty::Bool, out)))
        }
        _ => Err(QError::type_()),
    })
}

/// `x^y`: y with its nulls replaced by the matching items of x (atomic;
/// both are first brought to the higher of the two types, as for `&`).
/// Dictionaries fill both null and missing values of y from x.
pub fn fill(x: Value, y: Value) -> QResult<Value> {
    crate::ops::conform::atomic_dyad(x, y, &mut |a, b| {
        let ty_of = |v: &Value| match v {
            Value::Atom(a) => Ok(a.ty()),
            Value::Vector(v) => Ok(v.ty()),
            _ => Err(QError::type_()),
        };
        let rt = crate::ops::arith::lesser_type(ty_of(&a)?, ty_of(&b)?)?;
        let a = crate::ops::cast::cast_simple(rt, &a)?;
        let b = crate::ops::cast::cast_simple(rt, &b)?;
        match (a, b) {
            (Value::Atom(p), Value::Atom(q)) => Ok(Value::Atom(if q.is_null() { p } else { q })),
            (Value::Atom(p), Value::Vector(q)) => {
                if let Some(v) = fill_typed(&crate::ops::make::atom_vec(p), &q) {
                    return Ok(Value::Vector(v));
                }
                let mut out = qcore::VecBuilder::new(rt, q.len());
                for i in 0..q.len() {
                    let v = q.get(i);
                    out.push(if v.is_null() { p } else { v });
                }
                Ok(Value::Vector(out.finish()))
            }
            (Value::Vector(p), Value::Atom(q)) => {
                if q.is_null() {
                    Ok(Value::Vector(p))
                } else {
                    let mut out = qcore::VecBuilder::new(rt, p.len());
                    (0..p.len()).for_each(|_| out.push(q));
                    Ok(Value::Vector(out.finish()))
                }
            }
            (Value::Vector(p), Value::Vector(q)) => {
                if p.len() != q.len() {
                    return Err(QError::length());
                }
                if let Some(v) = fill_typed(&p, &q) {
                    return Ok(Value::Vector(v));
                }
                let mut out = qcore::VecBuilder::new(rt, q.len());
                for i in 0..q.len() {
                    let v = q.get(i);
                    out.push(if v.is_null() { p.get(i) } else { v });
                }
                Ok(Value::Vector(out.finish()))
            }
            _ => Err(QError::type_()),
        }
    })
}

/// `p^q` on the typed items of two vectors of one type (`p` of one item:
/// an atom's fill), for the types whose null is one sentinel of their
/// storage (longs and the temporals stored as them, ints, floats):
/// `None` for any other.
fn fill_typed(p: &Vector, q: &Vector) -> Option<Vector> {
    fn go<T: Copy>(p: &[T], q: &[T], null: impl Fn(T) -> bool) -> Vec<T> {
        match p {
            [a] => q.iter().map(|&v| if null(v) { *a } else { v }).collect(),
            _ => q
                .iter()
                .zip(p)
                .map(|(&v, &a)| if null(v) { a } else { v })
                .collect(),
        }
    }
    if p.ty() != q.ty() || p.domain().is_some() || q.domain().is_some() {
        return None;
    }
    let t = q.ty();
    Some(match (p.data(), q.data()) {
        (VecData::I64(a), VecData::I64(b)) => {
            Vector::from_i64(t, go(a, b, |v| v == qcore::sentinel::NJ))
        }
        (VecData::I32(a), VecData::I32(b)) => {
            Vector::from_i32(t, go(a, b, |v| v == qcore::sentinel::NI))
        }
        (VecData::F64(a), VecData::F64(b)) => Vector::from_f64(t, go(a, b, f64::is_nan)),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// tables, \a

/// `tables x`: the sorted names of the tables (and keyed tables) in
/// namespace `x`; `tables[]` is the root. The partitioned tables of a
/// loaded database are root tables too.
pub fn tables(it: &mut crate::state::Interp, x: Value) -> QResult<Value> {
    let ns = match &x {
        Value::Nil => ".".to_string(),
        Value::Atom(Atom::Symbol(s)) if s.is_null() => ".".to_string(),
        Value::Atom(Atom::Symbol(s)) if s.as_str().starts_with('.') => s.as_str().to_string(),
        Value::Atom(Atom::Symbol(s)) => format!(".{}", s.as_str()),
        _ => return Err(QError::type_()),
    };
    Ok(Value::Vector(Vector::syms(table_names(it, &ns))))
}

/// Names (without their namespace) of the tables in namespace `ns`.
pub(crate) fn table_names(it: &crate::state::Interp, ns: &str) -> Vec<Sym> {
    let mut out: Vec<Sym> = it
        .names_in(ns)
        .into_iter()
        .filter(|s| match it.get_global(*s) {
            Some(Value::Table(_)) => true,
            Some(Value::Dict(d)) => {
                matches!((&d.keys, &d.values), (Value::Table(_), Value::Table(_)))
            }
            _ => false,
        })
        .map(|s| {
            let t = s.as_str();
            if ns == "." {
                s
            } else {
                Sym::new(t.rsplit_once('.').map_or(t, |(_, n)| n))
            }
        })
        .collect();
    if ns == "."
        && let Some(db) = &it.partdb
    {
        for (t, _) in &db.tables {
            if !out.contains(t) {
                out.push(*t);
            }
        }
    }
    out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    out
}

/// The views of the current namespace, sorted (`views[]`, `\\b`); with
/// `pending`, those to be recomputed when next read (`\\B`).
pub fn view_list(it: &Interp, pending: bool) -> Vec<Sym> {
    let ns = it.namespace.as_str().to_string();
    it.view_names(pending)
        .into_iter()
        .filter_map(|s| {
            let t = s.as_str();
            let local = if ns == "." {
                (!t.starts_with('.')).then_some(t)
            } else {
                t.strip_prefix(ns.as_str())
                    .and_then(|r| r.strip_prefix('.'))
            };
            local.filter(|r| !r.contains('.')).map(Sym::new)
        })
        .collect()
}

/// `views[]`: the names of the views, sorted.
pub fn views(it: &mut Interp, _x: Value) -> QResult<Value> {
    let mut v = Vector::syms(view_list(it, false));
    if !v.is_empty() {
        v.attr = qcore::Attr::Sorted;
    }
    Ok(Value::Vector(v))
}

/// `` view `v ``: the expression defining a view.
pub fn view(it: &mut Interp, x: Value) -> QResult<Value> {
    let Value::Atom(Atom::Symbol(s)) = x else {
        return Err(QError::type_());
    };
    let full = crate::state::qualify(it.namespace, s.as_str());
    match it.view_source(full) {
        Some(src) => Ok(Value::string(&src)),
        None => Err(QError::type_()),
    }
}
