//! Enumerations: `` `d$y `` (Enumerate), `` `d?y `` (Enum Extend),
//! `` `d!i `` (Enumeration from indexes), and what `"i"$e`, `key e`,
//! `value e` and Append see of one.
//!
//! An enumeration is a vector whose `domain` names the variable its items
//! come from ([`qcore::Vector::domain`]); its items are the domain's items
//! themselves (symbols for `` `sym$`a`b ``, key values for a foreign key
//! `` `kt$1 2 ``), so every symbol kernel works on it unchanged. An
//! enumerated atom is the plain atom.

use crate::ops::join::positions;
use crate::ops::make::atom_vec;
use crate::state::Interp;
use crate::state::qualify;
use qcore::Atom;
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

/// `y` without its enumeration (`value e`, Join with a plain list).
pub fn plain(y: Value) -> Value {
    match y {
        Value::Vector(mut v) if v.domain.is_some() => {
            v.domain = None;
            Value::Vector(v)
        }
        other => other,
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
    if positions(&items, &probe).iter().any(Option::is_none) {
        return Err(QError::new("cast"));
    }
    Ok(match probe {
        Value::Vector(mut v) if !matches!(y, Value::Atom(_)) => {
            v.domain = Some(d);
            v.attr = qcore::Attr::None;
            Value::Vector(v)
        }
        _ => y,
    })
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
    if syms.len() > n {
        it.set_global(name, Value::Vector(Vector::syms(syms)));
    }
    Ok(match probe {
        Value::Vector(mut v) if !matches!(y, Value::Atom(_)) => {
            v.domain = Some(d);
            Value::Vector(v)
        }
        _ => y,
    })
}

/// `` `d!i ``: the enumeration of `d` at indexes `i`; `None` when `d` is
/// not a list variable or `i` not integers (then `!` is something else).
pub fn link(it: &mut Interp, d: Sym, i: &Value) -> Option<QResult<Value>> {
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
    Some(Ok(match crate::ops::index::take_idx(&items, &idx) {
        Value::Vector(mut v) => {
            v.domain = Some(d);
            Value::Vector(v)
        }
        other => other,
    }))
}

/// The indexes of an enumeration in its domain (`"i"$e`, `"j"$e`); `None`
/// for anything else.
pub fn indices(it: &Interp, y: &Value) -> Option<Vec<i64>> {
    let Value::Vector(v) = y else { return None };
    let d = v.domain?;
    let items = domain_items(&domain_value(it, d)?).ok()?;
    let mut plain = v.clone();
    plain.domain = None;
    Some(
        positions(&items, &Value::Vector(plain))
            .into_iter()
            .map(|p| p.map_or(i64::MIN, |i| i as i64))
            .collect(),
    )
}

/// True when `d` names a domain `` `d$y `` can enumerate against (rather
/// than a cast to a type or a part of a temporal).
pub fn is_domain(it: &Interp, d: Sym) -> bool {
    matches!(
        domain_value(it, d),
        Some(Value::Vector(_) | Value::List(_) | Value::Dict(_))
    )
}
