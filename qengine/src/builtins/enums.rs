//! Enumerations: `` `d$y `` (Enumerate), `` `d?y `` (Enum Extend),
//! `` `d!i `` (Enumeration from indexes), and what `"i"$e`, `key e`,
//! `value e` and Append see of one.
//!
//! An enumeration is a vector whose `domain` names the variable its items
//! come from ([`qcore::Vector::domain`]) and which holds its indexes into
//! that variable ([`qcore::Vector::enum_index`]), as q does. Its items are
//! also kept resolved (symbols for `` `sym$`a`b ``, key values for a
//! foreign key `` `kt$1 2 ``), so every symbol kernel works on it
//! unchanged; when the domain variable changes other than by appending,
//! the interpreter resolves its enumerations again ([`refresh`]), so they
//! follow the domain as q's do. An item of an enumeration of symbols is an
//! enumerated atom ([`qcore::EnumAtom`]: its domain, index and symbol), as
//! are `` `d$`a ``, `` `d?`a `` and `` `d!1 ``; foreign keys over other key
//! types have none (their items are the key values).

use crate::ops::join::positions;
use crate::ops::make::atom_vec;
use crate::state::Interp;
use crate::state::qualify;
use qcore::Atom;
use qcore::EnumAtom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

/// The value of the domain variable `name` (in the current namespace, then
/// the root); `None` when it is not defined.
pub(crate) fn domain_value(it: &Interp, name: Sym) -> Option<Value> {
    it.name_value(qualify(it.namespace, name.as_str()))
        .or_else(|| it.name_value(qualify(Sym::new("."), name.as_str())))
}

/// The list a domain's items are drawn from: a list itself, or a keyed
/// table's key column.
fn domain_items(dom: &Value) -> QResult<Value> {
    match dom {
        Value::Vector(_) | Value::List(_) => Ok(dom.clone()),
        Value::Dict(d) => match &d.keys {
            Value::Table(k) if k.columns.len() == 1 => Ok(k.columns[0].clone()),
            Value::Table(_) => Ok(d.keys.clone()),
            other => Ok(other.clone()),
        },
        _ => Err(QError::type_()),
    }
}

/// `y` without its enumeration (`value e`, Join with a plain list): an
/// enumeration's symbols, an enumerated atom's symbol.
pub fn plain(y: Value) -> Value {
    match y {
        Value::Vector(mut v) if v.domain().is_some() => {
            v.set_domain(None);
            Value::Vector(v)
        }
        other => other.plain_atom(),
    }
}

/// The enumerated atom of domain `d` whose item is `a` at index `at` (a
/// symbol); any other item as it is (a foreign key's key value).
fn enum_atom(d: Sym, a: Atom, at: Option<i32>) -> Value {
    match a {
        Atom::Symbol(sym) => Value::Atom(Atom::Enum(EnumAtom {
            domain: d,
            sym,
            index: at.unwrap_or(EnumAtom::UNKNOWN),
        })),
        other => Value::Atom(other),
    }
}

/// `` `d$y ``: `y` enumerated against the variable `d`; `'cast` when an
/// item is not in the domain.
pub fn enumerate(it: &mut Interp, d: Sym, y: Value) -> QResult<Value> {
    let dom = domain_value(it, d).ok_or_else(|| QError::undefined(d.as_str()))?;
    let items = domain_items(&dom)?;
    let y = plain(y);
    let probe = match &y {
        Value::Atom(a) => Value::Vector(atom_vec(*a)),
        Value::Vector(_) => y.clone(),
        Value::List(l) if l.is_empty() => Value::Vector(Vector::empty(Ty::Symbol)),
        _ => return Err(QError::type_()),
    };
    if let (Value::Vector(a), Value::Vector(b)) = (&items, &probe)
        && a.ty() != b.ty()
    {
        return Err(QError::type_());
    }
    let pos = positions(&items, &probe);
    let Some(idx) = index_buf(&pos) else {
        return Err(QError::new("cast"));
    };
    it.note_domain(domain_name(it, d));
    Ok(match (probe, &y) {
        (_, Value::Atom(a)) => enum_atom(d, *a, idx.first().copied()),
        (Value::Vector(mut v), _) => {
            v.attr = qcore::Attr::None;
            v.set_enum(d, idx);
            Value::Vector(v)
        }
        _ => y,
    })
}

/// Positions as enumeration indexes; `None` when one is missing (`'cast`)
/// or does not fit an index.
fn index_buf(pos: &[Option<usize>]) -> Option<qcore::Buf<i32>> {
    let mut out = Vec::with_capacity(pos.len());
    for p in pos {
        out.push(i32::try_from((*p)?).ok()?);
    }
    Some(out.into())
}

/// The full name of the variable domain `d` names (as [`domain_value`]
/// finds it: the current namespace, then the root).
pub(crate) fn domain_name(it: &Interp, d: Sym) -> Sym {
    let here = qualify(it.namespace, d.as_str());
    if it.get_global(here).is_some() {
        here
    } else {
        qualify(Sym::new("."), d.as_str())
    }
}

/// `` `d?y ``: symbols of `y` not yet in the variable `d` are appended to
/// it (which starts empty when undefined); the result is `y` enumerated.
pub fn extend(it: &mut Interp, d: Sym, y: Value) -> QResult<Value> {
    let y = plain(y);
    let probe = match &y {
        Value::Atom(a @ Atom::Symbol(_)) => Value::Vector(atom_vec(*a)),
        Value::Vector(v) if v.ty() == Ty::Symbol => y.clone(),
        Value::List(l) if l.is_empty() => Value::Vector(Vector::empty(Ty::Symbol)),
        _ => return Err(QError::type_()),
    };
    // `` `:f?y ``: the file's symbols, extended by y's, loaded into the
    // variable named like the file, then enumerated as `` `f?y ``
    if d.as_str().starts_with(':') {
        let items: Vec<&str> = match &probe {
            Value::Vector(v) => v
                .as_sym()
                .unwrap_or(&[])
                .iter()
                .map(|s| s.as_str())
                .collect(),
            _ => Vec::new(),
        };
        let (name, all) = crate::storage::splay::extend_domain_file(d, &items)?;
        let var = Sym::new(&name);
        let all: Vec<Sym> = all.iter().map(|n| Sym::new(n)).collect();
        it.set_global(
            qualify(it.namespace, &name),
            Value::Vector(Vector::syms(all)),
        );
        return extend(it, var, y);
    }
    let name = qualify(it.namespace, d.as_str());
    let dom = match it.name_value(name) {
        Some(v @ Value::Vector(_)) if v.type_code() == 11 => v,
        Some(Value::List(l)) if l.is_empty() => Value::Vector(Vector::empty(Ty::Symbol)),
        Some(_) => return Err(QError::type_()),
        None => Value::Vector(Vector::empty(Ty::Symbol)),
    };
    let pos = positions(&dom, &probe);
    let mut syms: Vec<Sym> = match &dom {
        Value::Vector(v) => v.as_sym().unwrap_or(&[]).to_vec(),
        _ => Vec::new(),
    };
    let n = syms.len();
    if let Value::Vector(p) = &probe {
        let new: Vec<Sym> = p
            .as_sym()
            .unwrap_or(&[])
            .iter()
            .zip(&pos)
            .filter(|(_, at)| at.is_none())
            .map(|(s, _)| *s)
            .collect();
        for s in new {
            if !syms[n..].contains(&s) {
                syms.push(s);
            }
        }
    }
    let all = Value::Vector(Vector::syms(syms));
    let idx = index_buf(&positions(&all, &probe));
    if all.count() > n {
        // appending changes no item an enumeration already has
        it.set_global_appended(name, all);
    }
    it.note_domain(name);
    Ok(match (probe, &y) {
        (_, Value::Atom(a)) => enum_atom(d, *a, idx.and_then(|ix| ix.first().copied())),
        (Value::Vector(mut v), _) => {
            match idx {
                Some(ix) => v.set_enum(d, ix),
                None => v.set_domain(Some(d)),
            }
            Value::Vector(v)
        }
        _ => y,
    })
}

/// `` `d!i ``: the enumeration of `d` at indexes `i` (an enumerated atom
/// for one index); `None` when `d` is not a list variable or `i` not
/// integers (then `!` is something else).
pub fn link(it: &mut Interp, d: Sym, i: &Value) -> Option<QResult<Value>> {
    if let Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_))) = i {
        let one = Value::Vector(atom_vec(*a));
        return Some(link(it, d, &one)?.map(|v| match v {
            Value::Vector(v) if v.len() == 1 => Value::Atom(v.at(0)),
            other => other,
        }));
    }
    let Value::Vector(iv) = i else { return None };
    if !matches!(iv.ty(), Ty::Short | Ty::Int | Ty::Long) {
        return None;
    }
    let dom = domain_value(it, d)?;
    let items = domain_items(&dom).ok()?;
    let idx = crate::ops::index::int_indices(iv).ok()?;
    let n = items.count() as i64;
    if idx.iter().any(|&k| k < 0 || k >= n) {
        return Some(Err(QError::index()));
    }
    it.note_domain(domain_name(it, d));
    let ix: Vec<i32> = idx.iter().map(|&k| k as i32).collect();
    Some(Ok(match crate::ops::index::take_idx(&items, &idx) {
        Value::Vector(mut v) => {
            v.set_enum(d, ix.into());
            Value::Vector(v)
        }
        other => other,
    }))
}

/// The indexes of an enumeration in its domain (`"i"$e`, `"j"$e`); `None`
/// for anything else.
pub fn indices(it: &Interp, y: &Value) -> Option<Vec<i64>> {
    let Value::Vector(v) = y else { return None };
    let d = v.domain()?;
    if let Some(ix) = v.enum_index() {
        return Some(ix.iter().map(|&i| qcore::atom::widen_i32(i)).collect());
    }
    let items = domain_items(&domain_value(it, d)?).ok()?;
    let mut plain = v.clone();
    plain.set_domain(None);
    Some(
        positions(&items, &Value::Vector(plain))
            .into_iter()
            .map(|p| p.map_or(i64::MIN, |i| i as i64))
            .collect(),
    )
}

/// The index in its domain of an enumerated atom (`"i"$e 0`): the one it
/// kept, else its symbol's position in the domain, null when absent.
pub fn atom_index(it: &Interp, e: &EnumAtom) -> i64 {
    if e.index != EnumAtom::UNKNOWN {
        return e.index as i64;
    }
    let Some(items) = domain_value(it, e.domain).and_then(|d| domain_items(&d).ok()) else {
        return i64::MIN;
    };
    let probe = Value::Vector(Vector::syms(vec![e.sym]));
    positions(&items, &probe)
        .first()
        .copied()
        .flatten()
        .map_or(i64::MIN, |i| i as i64)
}

/// True when `d` names a domain `` `d$y `` can enumerate against (rather
/// than a cast to a type or a part of a temporal).
pub fn is_domain(it: &Interp, d: Sym) -> bool {
    matches!(
        domain_value(it, d),
        Some(Value::Vector(_) | Value::List(_) | Value::Dict(_))
    )
}

/// Resolves again every enumeration held by a global whose domain is one of
/// `changed` (full names of domain variables changed other than by
/// appending): its items become the domain's current items at its indexes,
/// as q's enumerations, which are indexes, show them. Enumerations whose
/// indexes are unknown, or fall outside the domain now, keep their items.
/// Locals of running lambdas are not revisited.
pub(crate) fn refresh(it: &mut Interp, changed: &[Sym]) {
    let names: Vec<Sym> = it.global_names().collect();
    for n in names {
        let Some(v) = it.get_global(n) else { continue };
        if let Some(new) = refreshed(it, &v, changed) {
            it.set_global_appended(n, new);
        }
    }
}

/// `v` with its enumerations of a domain in `changed` resolved again;
/// `None` when it holds none.
fn refreshed(it: &Interp, v: &Value, changed: &[Sym]) -> Option<Value> {
    match v {
        Value::Atom(Atom::Enum(e)) => {
            if e.index == EnumAtom::UNKNOWN || !changed.contains(&domain_name(it, e.domain)) {
                return None;
            }
            let items = domain_items(&domain_value(it, e.domain)?).ok()?;
            let Value::Vector(items) = items else {
                return None;
            };
            let at = usize::try_from(e.index).ok().filter(|&i| i < items.len())?;
            let Atom::Symbol(sym) = items.get(at) else {
                return None;
            };
            Some(Value::Atom(Atom::Enum(EnumAtom { sym, ..*e })))
        }
        Value::Vector(x) => {
            let d = x.domain()?;
            let ix = x.enum_index()?;
            if !changed.contains(&domain_name(it, d)) {
                return None;
            }
            let items = domain_items(&domain_value(it, d)?).ok()?;
            let Value::Vector(items) = items else {
                return None;
            };
            let n = items.len() as i64;
            let at: Vec<i64> = ix.iter().map(|&i| i as i64).collect();
            if at.iter().any(|&i| i < 0 || i >= n) {
                return None;
            }
            let Value::Vector(w) = crate::ops::index::take_idx(&Value::Vector(items), &at) else {
                return None;
            };
            let mut out = x.clone();
            out.set_resolved(w.into_data())
                .then_some(Value::Vector(out))
        }
        Value::Table(t) => {
            let cols: Vec<Option<Value>> = t
                .columns
                .iter()
                .map(|c| refreshed(it, c, changed))
                .collect();
            if cols.iter().all(Option::is_none) {
                return None;
            }
            let columns = cols
                .into_iter()
                .zip(&t.columns)
                .map(|(n, o)| n.unwrap_or_else(|| o.clone()))
                .collect();
            Some(Value::Table(std::sync::Arc::new(qcore::Table {
                names: t.names.clone(),
                columns,
            })))
        }
        Value::Dict(d) => {
            let k = refreshed(it, &d.keys, changed);
            let w = refreshed(it, &d.values, changed);
            if k.is_none() && w.is_none() {
                return None;
            }
            Some(Value::Dict(std::sync::Arc::new(qcore::Dict {
                keys: k.unwrap_or_else(|| d.keys.clone()),
                values: w.unwrap_or_else(|| d.values.clone()),
                sorted: d.sorted,
            })))
        }
        Value::List(l) => {
            let items: Vec<Option<Value>> = l.iter().map(|x| refreshed(it, x, changed)).collect();
            if items.iter().all(Option::is_none) {
                return None;
            }
            Some(Value::list(
                items
                    .into_iter()
                    .zip(l.iter())
                    .map(|(n, o)| n.unwrap_or_else(|| o.clone()))
                    .collect(),
            ))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// asc desc reverse

/// An enumeration of symbols (`` `d$`a`b ``; not a foreign key).
fn is_sym_enum(x: &Value) -> bool {
    matches!(x, Value::Vector(v) if v.ty() == Ty::Symbol && v.domain().is_some())
}

/// The enumeration `x` taken at the order `grade` gives (its domain and
/// indexes kept, as q's `asc`/`desc` keep type 20h).
fn reorder(x: &Value, grade: fn(Value) -> QResult<Value>) -> QResult<Value> {
    let g = grade(x.clone())?;
    let Value::Vector(g) = g else {
        return Err(QError::type_());
    };
    let idx = g.as_i64().ok_or_else(QError::type_)?;
    Ok(crate::ops::index::take_idx(x, idx))
}

/// `asc x`: an enumeration stays one (`` `s#`d$`a`a`b ``); anything else
/// as `sort::asc`.
pub fn asc(x: Value) -> QResult<Value> {
    if !is_sym_enum(&x) {
        return crate::builtins::sort::asc(x);
    }
    let mut r = reorder(&x, crate::builtins::sort::iasc)?;
    if let Value::Vector(v) = &mut r {
        v.attr = qcore::Attr::Sorted;
    }
    Ok(r)
}

/// `desc x`: an enumeration stays one; anything else as `sort::desc`.
pub fn desc(x: Value) -> QResult<Value> {
    if !is_sym_enum(&x) {
        return crate::builtins::sort::desc(x);
    }
    reorder(&x, crate::builtins::sort::idesc)
}

/// `reverse x`: an enumeration stays one; anything else as
/// `list::reverse`.
pub fn reverse(x: Value) -> QResult<Value> {
    if !is_sym_enum(&x) {
        return crate::builtins::list::reverse(x);
    }
    let n = x.count() as i64;
    let idx: Vec<i64> = (0..n).rev().collect();
    Ok(crate::ops::index::take_idx(&x, &idx))
}
