//! `x$y`: cast, tok (parse a string) and pad.
//!
//! * `` `long$y ``, `"j"$y`, `7h$y`: cast (atomic in `y`). Numeric casts
//!   keep nulls; floats round half away from zero; anything to boolean is
//!   "not zero". Temporal casts convert between calendar units
//!   (`"d"$timestamp` is its date, `"p"$date` its midnight, `"u"$timestamp`
//!   its minute of the day); temporal to or from a number is the underlying
//!   count from 2000.01.01.
//! * `` `year`mm`dd`hh`uu`ss`week$y ``: parts of a temporal.
//! * `"J"$"12"`, `-7h$"12"`, `` `$"abc" ``: tok, parse strings (recursion
//!   stops at strings). Unparseable text gives the type's null.
//! * `5$"ab"`: pad (`-5` pads on the left).
//!
//! [`cast_value`] is also the conversion used by other verbs that must bring
//! two arguments to one type (`&`, `|`, `^`).

use crate::ops::cast::cast_simple;

use crate::ops::cast::collapse;

use crate::ops::cast::pad_bytes;

use crate::ops::cast::parse_atom;

use crate::ops::cast::part_value;

use std::sync::Arc;

use crate::state::Interp;

use qcore::Sym;

use qcore::Atom;

use qcore::Dict;

use qcore::Table;

use qcore::Ty;

use qcore::Value;

use qcore::Vector;

use qcore::QError;

use qcore::QResult;

use crate::ops::conform::atomic_monad;

/// `x$y`. The registry gives it enumerated atoms as they are: an
/// integer cast of one is its index, any other cast its symbol's.
pub fn cast(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let x = x.plain_atom();
    if let Value::Atom(Atom::Enum(e)) = &y {
        if let Some(t @ (Ty::Short | Ty::Int | Ty::Long)) = cast_target(&x) {
            let ix = crate::builtins::enums::atom_index(it, e);
            return cast_value(t, Value::long(ix));
        }
        return cast(it, x, y.plain_atom());
    }
    // Float vectors or matrices on both sides: Matrix Multiply (ref/mmu.md).
    if float_mat(&x) && float_mat(&y) {
        return crate::builtins::math::matrix::mmu(x, y);
    }
    // `` `d$y ``: enumerate against the variable `d`
    if let Value::Atom(Atom::Symbol(s)) = &x
        && !s.is_null()
        && Ty::from_name(s.as_str()).is_none()
        && !matches!(
            s.as_str(),
            "year" | "mm" | "dd" | "hh" | "uu" | "ss" | "week"
        )
        && crate::builtins::enums::is_domain(it, *s)
    {
        return crate::builtins::enums::enumerate(it, *s, y);
    }
    // an enumeration cast to an integer type: its indexes in the domain
    if let Value::Vector(v) = &y
        && v.domain().is_some()
    {
        if let Some(t @ (Ty::Short | Ty::Int | Ty::Long)) = cast_target(&x)
            && let Some(ix) = crate::builtins::enums::indices(it, &y)
        {
            return cast_value(t, Value::Vector(Vector::longs(ix)));
        }
        return cast2(x, crate::builtins::enums::plain(y), it.settings.date_dmy);
    }
    cast2(x, y, it.settings.date_dmy)
}

/// The type a cast's left argument names by a lower-case letter, a name
/// or a positive type number (`"i"`, `` `int ``, `6h`).
fn cast_target(x: &Value) -> Option<Ty> {
    match x {
        Value::Atom(Atom::Char(c)) if c.is_ascii_lowercase() => Ty::from_letter(*c as char),
        Value::Atom(Atom::Symbol(s)) => Ty::from_name(s.as_str()),
        Value::Atom(Atom::Short(h)) if *h > 0 => Ty::from_code(*h),
        _ => None,
    }
}

/// A float vector, or a non-empty list of float vectors.
fn float_mat(v: &Value) -> bool {
    let fv = |v: &Value| matches!(v, Value::Vector(x) if x.ty() == Ty::Float);
    match v {
        Value::List(l) => !l.is_empty() && l.iter().all(fv),
        _ => fv(v),
    }
}

/// `dmy`: the `\z` date order for text parsed by upper-case casts.
fn cast2(x: Value, y: Value, dmy: bool) -> QResult<Value> {
    match x {
        Value::Atom(Atom::Symbol(s)) => {
            if s.is_null() {
                return tok(Ty::Symbol, y, dmy);
            }
            let name = s.as_str();
            if let Some(t) = Ty::from_name(name) {
                return cast_value(t, y);
            }
            match name {
                "year" | "mm" | "dd" | "hh" | "uu" | "ss" | "week" => part_value(name, y),
                _ => Err(QError::type_()),
            }
        }
        Value::Atom(Atom::Char(c)) => {
            if c == b'*' {
                return Ok(y);
            }
            let t = Ty::from_letter(c as char).ok_or_else(QError::type_)?;
            if c.is_ascii_uppercase() {
                tok(t, y, dmy)
            } else {
                cast_value(t, y)
            }
        }
        Value::Atom(Atom::Short(h)) => match h.cmp(&0) {
            std::cmp::Ordering::Equal => Ok(y),
            std::cmp::Ordering::Greater => {
                cast_value(Ty::from_code(h).ok_or_else(QError::type_)?, y)
            }
            std::cmp::Ordering::Less => tok(Ty::from_code(h).ok_or_else(QError::type_)?, y, dmy),
        },
        Value::Atom(Atom::Long(n)) => pad(n, y),
        Value::Atom(Atom::Int(n)) if n != i32::MIN => pad(n as i64, y),
        x @ (Value::Vector(_) | Value::List(_)) => {
            let xs = x.items();
            let out = if y.is_list() && y.count() == xs.len() {
                xs.into_iter()
                    .zip(y.items())
                    .map(|(a, b)| cast2(a, b, dmy))
                    .collect::<QResult<Vec<_>>>()?
            } else if y.is_list() && !matches!(&y, Value::Vector(v) if v.ty() == Ty::Char) {
                return Err(QError::length());
            } else {
                xs.into_iter()
                    .map(|a| cast2(a, y.clone(), dmy))
                    .collect::<QResult<Vec<_>>>()?
            };
            Ok(Value::from_items(out))
        }
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// Cast
// ---------------------------------------------------------------------------

/// Casts every item of `v` to type `to` (atomic; a string cast to symbol
/// becomes one symbol).
pub fn cast_value(to: Ty, v: Value) -> QResult<Value> {
    if to == Ty::Symbol {
        return to_symbol(v);
    }
    if let Value::List(l) = &v
        && l.is_empty()
    {
        return Ok(Value::Vector(Vector::empty(to)));
    }
    atomic_monad(v, &mut |s| cast_simple(to, &s))
}

fn to_symbol(v: Value) -> QResult<Value> {
    match v {
        Value::Vector(ref vec) if vec.ty() == Ty::Char => Ok(Value::Atom(Atom::Symbol(Sym::new(
            v.as_string().unwrap_or_default().trim(),
        )))),
        Value::Atom(Atom::Char(c)) => Ok(Value::Atom(Atom::Symbol(Sym::new(
            (c as char).to_string().trim(),
        )))),
        Value::Atom(Atom::Symbol(_)) => Ok(v),
        Value::Vector(ref vec) if vec.ty() == Ty::Symbol => Ok(v),
        Value::Vector(ref vec) if vec.is_empty() => Ok(Value::Vector(Vector::empty(Ty::Symbol))),
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for i in l.iter() {
                out.push(to_symbol(i.clone())?);
            }
            Ok(collapse(out, Ty::Symbol))
        }
        Value::Dict(d) => Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: to_symbol(d.values.clone())?,
            sorted: d.sorted,
        }))),
        Value::Table(t) => Ok(Value::Table(Arc::new(Table {
            names: t.names.clone(),
            columns: t
                .columns
                .iter()
                .map(|c| to_symbol(c.clone()))
                .collect::<QResult<_>>()?,
        }))),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// Tok
// ---------------------------------------------------------------------------

/// Parses strings in `v` as type `t` (recursion stops at strings); `dmy`
/// is the `\z` date order.
pub fn tok(t: Ty, v: Value, dmy: bool) -> QResult<Value> {
    match v {
        Value::Vector(ref vec) if vec.ty() == Ty::Char => {
            let s = v.as_string().unwrap_or_default();
            Ok(Value::Atom(parse_atom(t, &s, dmy)))
        }
        Value::Atom(Atom::Char(c)) => Ok(Value::Atom(parse_atom(t, &(c as char).to_string(), dmy))),
        Value::Atom(Atom::Symbol(_)) if t == Ty::Symbol => Ok(v),
        Value::Vector(ref vec) if vec.ty() == Ty::Symbol && t == Ty::Symbol => Ok(v),
        Value::Vector(ref vec) if vec.is_empty() => Ok(Value::Vector(Vector::empty(t))),
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for i in l.iter() {
                out.push(tok(t, i.clone(), dmy)?);
            }
            Ok(collapse(out, t))
        }
        Value::Dict(d) => Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: tok(t, d.values.clone(), dmy)?,
            sorted: d.sorted,
        }))),
        Value::Table(tb) => Ok(Value::Table(Arc::new(Table {
            names: tb.names.clone(),
            columns: tb
                .columns
                .iter()
                .map(|c| tok(t, c.clone(), dmy))
                .collect::<QResult<_>>()?,
        }))),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// Pad
// ---------------------------------------------------------------------------

fn pad(n: i64, y: Value) -> QResult<Value> {
    let m = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
    // one padded string per item of a list, a string for a string
    let strings = match &y {
        Value::List(l) => l.len(),
        Value::Dict(d) => d.values.count(),
        Value::Table(t) => t.columns.iter().map(Value::count).sum(),
        _ => 1,
    };
    qcore::check_alloc(m.saturating_mul(strings.max(1)), 1)?;
    match y {
        Value::Vector(ref v) if v.ty() == Ty::Char => {
            let s = v.as_u8().unwrap_or(&[]);
            Ok(Value::Vector(Vector::chars(&pad_bytes(n, s))))
        }
        Value::Atom(Atom::Char(c)) => Ok(Value::Vector(Vector::chars(&pad_bytes(n, &[c])))),
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for i in l.iter() {
                out.push(pad(n, i.clone())?);
            }
            Ok(Value::list(out))
        }
        Value::Dict(d) => Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: pad(n, d.values.clone())?,
            sorted: d.sorted,
        }))),
        Value::Table(t) => Ok(Value::Table(Arc::new(Table {
            names: t.names.clone(),
            columns: t
                .columns
                .iter()
                .map(|c| pad(n, c.clone()))
                .collect::<QResult<_>>()?,
        }))),
        _ => Err(QError::type_()),
    }
}
