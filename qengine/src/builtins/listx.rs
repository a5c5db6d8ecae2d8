//! List extras: `raze cross inter union except sublist cut sv vs peach`.
//!
//! Membership (`inter`, `except`) joins the two lists and groups the result
//! with the hash-based [`group_ids`], so typed vectors use the raw-item
//! path of `list.rs` and general lists and table rows hash structurally.
//! `sv` and `vs` dispatch on the left argument as q does: a char or string
//! joins/splits strings, `` ` `` joins/splits lines, symbols and file paths,
//! `0b` and `0x0` decode/encode bits and bytes, a number or numeric vector
//! decodes/encodes in that base (mixed radix for a vector).

use std::sync::Arc;

use crate::interp::Interp;
use qcore::Sym;
use qcore::Atom;
use qcore::Dict;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qcore::QError;
use qcore::QResult;

use super::arith;
use super::cast::atom_of_i64;
use super::list::group_ids;
use super::list::join_values;
use super::list::slice;
use super::list::take_idx;

// ---------------------------------------------------------------------------
// Helpers

fn atom_vec(a: Atom) -> Vector {
    let mut b = qcore::VecBuilder::new(a.ty(), 1);
    b.push(a);
    b.finish()
}

/// Atoms as one-item lists; lists and tables as they are.
fn as_list(x: Value) -> Value {
    match x {
        Value::Atom(a) => Value::Vector(atom_vec(a)),
        Value::Dict(_) | Value::Nil | Value::Func(_) => Value::list(vec![x]),
        other => other,
    }
}

fn int_atom(a: &Atom) -> Option<i64> {
    match a {
        Atom::Short(_) | Atom::Int(_) | Atom::Long(_) => a.to_i64(),
        _ => None,
    }
}

fn strings(items: Vec<Vec<u8>>) -> Value {
    Value::list(
        items
            .into_iter()
            .map(|s| Value::Vector(Vector::chars(&s)))
            .collect(),
    )
}

fn chars_of(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Vector(w) if w.ty() == Ty::Char => w.as_u8().map(|b| b.to_vec()),
        Value::Atom(Atom::Char(c)) => Some(vec![*c]),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// raze

/// `raze x`: the items of x joined (`,/`); an atom becomes a one-item list.
pub fn raze(_: &mut Interp, x: Value) -> QResult<Value> {
    raze_value(x)
}

fn raze_value(x: Value) -> QResult<Value> {
    match x {
        Value::Atom(a) => Ok(Value::Vector(atom_vec(a))),
        Value::Dict(d) => raze_value(d.values.clone()),
        Value::List(l) => {
            if l.is_empty() {
                return Ok(Value::List(l));
            }
            // Fast path: vectors of one type concatenate once.
            if let Some(Value::Vector(f)) = l.first() {
                let ty = f.ty();
                if l.iter()
                    .all(|v| matches!(v, Value::Vector(w) if w.ty() == ty))
                {
                    let total: usize = l.iter().map(Value::count).sum();
                    qcore::check_alloc(total, ty.width())?;
                    let mut b = qcore::VecBuilder::new(ty, total);
                    for v in l.iter() {
                        if let Value::Vector(w) = v {
                            for i in 0..w.len() {
                                b.push(w.get(i));
                            }
                        }
                    }
                    return Ok(Value::Vector(b.finish()));
                }
            }
            let mut items = l.iter().cloned();
            let mut acc = items.next().unwrap_or(Value::list(vec![]));
            for v in items {
                acc = join_values(acc, v)?;
            }
            Ok(acc)
        }
        other => Ok(other),
    }
}

// ---------------------------------------------------------------------------
// cross

/// `x cross y`: every item of x joined with every item of y.
pub fn cross(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    cross_value(x, y)
}

fn cross_value(x: Value, y: Value) -> QResult<Value> {
    if let (Value::Dict(a), Value::Dict(b)) = (&x, &y) {
        return Ok(Value::Dict(Arc::new(Dict {
            keys: cross_value(a.keys.clone(), b.keys.clone())?,
            values: cross_value(a.values.clone(), b.values.clone())?,
            sorted: false,
        })));
    }
    if matches!(x, Value::Dict(_)) || matches!(y, Value::Dict(_)) {
        return Err(QError::type_());
    }
    let (x, y) = (as_list(x), as_list(y));
    let (nx, ny) = (x.count(), y.count());
    let n = nx.checked_mul(ny).ok_or_else(|| QError::new("wsfull"))?;
    qcore::check_alloc(n, 16)?;
    let mut m = Vec::with_capacity(n);
    let mut k = Vec::with_capacity(n);
    for i in 0..nx as i64 {
        for j in 0..ny as i64 {
            m.push(i);
            k.push(j);
        }
    }
    let xi = take_idx(&x, &m);
    let yi = take_idx(&y, &k);
    if let (Value::Table(a), Value::Table(b)) = (&xi, &yi) {
        let mut names = a.names.clone();
        let mut cols = a.columns.clone();
        for (nm, c) in b.names.iter().zip(&b.columns) {
            match names.iter().position(|s| s == nm) {
                Some(p) => cols[p] = c.clone(),
                None => {
                    names.push(*nm);
                    cols.push(c.clone());
                }
            }
        }
        return Ok(Value::Table(Arc::new(Table {
            names,
            columns: cols,
        })));
    }
    if matches!(xi, Value::Table(_)) || matches!(yi, Value::Table(_)) {
        return Err(QError::type_());
    }
    let mut out = Vec::with_capacity(n);
    for (a, b) in xi.items().into_iter().zip(yi.items()) {
        out.push(join_values(a, b)?);
    }
    Ok(Value::list(out))
}

// ---------------------------------------------------------------------------
// inter union except

/// For each item of `x`, whether it is an item of `y`.
fn membership(x: &Value, y: &Value) -> QResult<Vec<bool>> {
    let n = x.count();
    let joined = join_values(x.clone(), y.clone()).or_else(|_| {
        // Tables of different columns share no rows.
        Ok::<Value, QError>(x.clone())
    })?;
    if joined.count() == n {
        return Ok(vec![false; n]);
    }
    let (ids, firsts) = group_ids(&joined)?;
    let mut in_y = vec![false; firsts.len()];
    for &id in &ids[n..] {
        in_y[id as usize] = true;
    }
    Ok(ids[..n].iter().map(|&id| in_y[id as usize]).collect())
}

fn select(x: &Value, keep: &[bool]) -> Value {
    let idx: Vec<i64> = keep
        .iter()
        .enumerate()
        .filter(|(_, k)| **k)
        .map(|(i, _)| i as i64)
        .collect();
    take_idx(x, &idx)
}

fn list_operand(v: Value) -> QResult<Value> {
    match v {
        Value::Dict(d) => Ok(as_list(d.values.clone())),
        Value::Nil | Value::Func(_) => Err(QError::type_()),
        other => Ok(as_list(other)),
    }
}

/// `x inter y`: the items of x that are items of y.
pub fn inter(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let (x, y) = (list_operand(x)?, list_operand(y)?);
    let m = membership(&x, &y)?;
    Ok(select(&x, &m))
}

/// `x except y`: the items of x that are not items of y.
pub fn except(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let (x, y) = (list_operand(x)?, list_operand(y)?);
    let m: Vec<bool> = membership(&x, &y)?.into_iter().map(|b| !b).collect();
    Ok(select(&x, &m))
}

/// `x union y`: `distinct x,y`.
pub fn union(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    if matches!(x, Value::Dict(_)) || matches!(y, Value::Dict(_)) {
        return Err(QError::type_());
    }
    let j = join_values(as_list(x), as_list(y))?;
    super::list::distinct(it, j)
}

// ---------------------------------------------------------------------------
// sublist cut

/// `x sublist y`: up to x items from the front (back when negative), or
/// `x[1]` items from index `x[0]`; never more than y has.
pub fn sublist(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    if !matches!(
        y,
        Value::Vector(_) | Value::List(_) | Value::Dict(_) | Value::Table(_)
    ) {
        return Err(QError::type_());
    }
    let len = y.count();
    match &x {
        Value::Atom(a) => {
            let n = int_atom(a).ok_or_else(QError::type_)?;
            let m = (n.unsigned_abs() as usize).min(len);
            Ok(if n >= 0 {
                slice(&y, 0, m)
            } else {
                slice(&y, len - m, len)
            })
        }
        Value::Vector(v) if matches!(v.ty(), Ty::Short | Ty::Int | Ty::Long) => {
            let p = v.to_i64_vec().unwrap_or_default();
            if p.len() != 2 {
                return Err(QError::length());
            }
            let start = p[0].clamp(0, len as i64) as usize;
            let n = p[1].max(0) as usize;
            Ok(slice(&y, start, start.saturating_add(n)))
        }
        _ => Err(QError::type_()),
    }
}

/// `x cut y`: with an integer atom, y in pieces of x items; otherwise `_`.
pub fn cut(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    if let Value::Atom(a) = &x {
        let n = int_atom(a).ok_or_else(QError::type_)?;
        if n <= 0 {
            return Err(QError::domain());
        }
        if !matches!(y, Value::Vector(_) | Value::List(_) | Value::Table(_)) {
            return Err(QError::type_());
        }
        let len = y.count() as i64;
        let idx: Vec<i64> = (0..len).step_by(n as usize).collect();
        return super::list::drop(it, Value::Vector(Vector::longs(idx)), y);
    }
    super::list::drop(it, x, y)
}

// ---------------------------------------------------------------------------
// sv

/// `x sv y`: join strings, lines, symbols and paths; decode bits, bytes
/// and numbers in base x.
pub fn sv(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    match &x {
        Value::Atom(Atom::Char(_)) | Value::Vector(_) if chars_of(&x).is_some() => {
            let sep = chars_of(&x).unwrap_or_default();
            join_strings(&y, &sep, false)
        }
        Value::Atom(Atom::Symbol(s)) if s.is_null() => match &y {
            Value::Vector(v) if v.ty() == Ty::Symbol => {
                let syms = v.as_sym().unwrap_or(&[]);
                let path = syms.first().is_some_and(|s| s.as_str().starts_with(':'));
                let sep = if path { "/" } else { "." };
                let parts: Vec<&str> = syms.iter().map(|s| s.as_str()).collect();
                Ok(Value::sym(&parts.join(sep)))
            }
            _ => join_strings(&y, b"\n", true),
        },
        Value::Atom(Atom::Bool(_)) => {
            let Value::Vector(v) = &y else {
                return Err(QError::type_());
            };
            if v.ty() != Ty::Bool {
                return Err(QError::type_());
            }
            let bits = v.as_u8().unwrap_or(&[]);
            let mut acc: u64 = 0;
            for &b in bits {
                acc = (acc << 1) | (b != 0) as u64;
            }
            Ok(Value::Atom(match bits.len() {
                8 => Atom::Byte(acc as u8),
                16 => Atom::Short(acc as u16 as i16),
                32 => Atom::Int(acc as u32 as i32),
                64 => Atom::Long(acc as i64),
                _ => return Err(QError::length()),
            }))
        }
        Value::Atom(Atom::Byte(_)) => {
            let Value::Vector(v) = &y else {
                return Err(QError::type_());
            };
            if v.ty() != Ty::Byte {
                return Err(QError::type_());
            }
            let bytes = v.as_u8().unwrap_or(&[]);
            let mut acc: u64 = 0;
            for &b in bytes {
                acc = (acc << 8) | b as u64;
            }
            Ok(Value::Atom(match bytes.len() {
                2 => Atom::Short(acc as u16 as i16),
                4 => Atom::Int(acc as u32 as i32),
                8 => Atom::Long(acc as i64),
                _ => return Err(QError::length()),
            }))
        }
        Value::Atom(a) if a.ty().is_numeric() => {
            if !y.is_list() {
                return Err(QError::type_());
            }
            let items = y.items();
            let mut it_items = items.into_iter();
            let Some(mut acc) = it_items.next() else {
                return Ok(Value::long(0));
            };
            for v in it_items {
                let p = arith::mul(it, acc, x.clone())?;
                acc = arith::add(it, p, v)?;
            }
            Ok(acc)
        }
        Value::Vector(b) if b.ty().is_numeric() => {
            if !y.is_list() {
                return Err(QError::type_());
            }
            if b.len() != y.count() {
                return Err(QError::length());
            }
            let items = y.items();
            let mut it_items = items.into_iter();
            let Some(mut acc) = it_items.next() else {
                return Ok(Value::long(0));
            };
            for (i, v) in it_items.enumerate() {
                let p = arith::mul(it, acc, Value::Atom(b.get(i + 1)))?;
                acc = arith::add(it, p, v)?;
            }
            Ok(acc)
        }
        _ => Err(QError::type_()),
    }
}

/// Joins a list of strings with `sep` (after each item when `trailing`).
fn join_strings(y: &Value, sep: &[u8], trailing: bool) -> QResult<Value> {
    let items = match y {
        Value::List(l) => l.as_ref().clone(),
        _ => return Err(QError::type_()),
    };
    let mut out: Vec<u8> = Vec::new();
    for (i, v) in items.iter().enumerate() {
        let s = chars_of(v).ok_or_else(QError::type_)?;
        if i > 0 && !trailing {
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(&s);
        if trailing {
            out.extend_from_slice(sep);
        }
    }
    Ok(Value::Vector(Vector::chars(&out)))
}

// ---------------------------------------------------------------------------
// vs

/// `x vs y`: split strings, lines, symbols and paths; encode bits, bytes
/// and numbers in base x.
pub fn vs(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    match &x {
        Value::Atom(Atom::Char(_)) | Value::Vector(_) if chars_of(&x).is_some() => {
            let sep = chars_of(&x).unwrap_or_default();
            let Some(s) = chars_of(&y).filter(|_| matches!(y, Value::Vector(_))) else {
                return Err(QError::type_());
            };
            if sep.is_empty() {
                return Err(QError::domain());
            }
            Ok(strings(split_on(&s, &sep)))
        }
        Value::Atom(Atom::Symbol(s)) if s.is_null() => match &y {
            Value::Vector(v) if matches!(v.ty(), Ty::Char | Ty::Byte) => {
                let s = v.as_u8().unwrap_or(&[]);
                let mut lines = split_on(s, b"\n");
                if lines.last().is_some_and(|l| l.is_empty()) {
                    lines.pop();
                }
                for l in lines.iter_mut() {
                    if l.last() == Some(&b'\r') {
                        l.pop();
                    }
                }
                Ok(strings(lines))
            }
            Value::Atom(Atom::Symbol(s)) => {
                let t = s.as_str();
                let parts: Vec<Sym> = if t.starts_with(':') {
                    match t.rfind('/') {
                        Some(p) => vec![Sym::new(&t[..p]), Sym::new(&t[p + 1..])],
                        None => vec![Sym::EMPTY, *s],
                    }
                } else {
                    t.split('.').map(Sym::new).collect()
                };
                Ok(Value::Vector(Vector::syms(parts)))
            }
            _ => Err(QError::type_()),
        },
        Value::Atom(Atom::Bool(_)) => map_atoms(&y, &|a| {
            let (v, n): (u64, u32) = match a {
                Atom::Byte(b) => (b as u64, 8),
                Atom::Short(h) => (h as u16 as u64, 16),
                Atom::Int(i) => (i as u32 as u64, 32),
                Atom::Long(j) => (j as u64, 64),
                _ => return Err(QError::type_()),
            };
            let bits: Vec<u8> = (0..n).rev().map(|k| ((v >> k) & 1) as u8).collect();
            Ok(Value::Vector(Vector::from_u8(Ty::Bool, bits)))
        }),
        Value::Atom(Atom::Byte(_)) => map_atoms(&y, &|a| {
            let bytes: Vec<u8> = match a {
                Atom::Byte(b) | Atom::Char(b) => vec![b],
                Atom::Bool(b) => vec![b as u8],
                Atom::Short(h) => h.to_be_bytes().to_vec(),
                Atom::Int(v)
                | Atom::Month(v)
                | Atom::Date(v)
                | Atom::Minute(v)
                | Atom::Second(v)
                | Atom::Time(v) => v.to_be_bytes().to_vec(),
                Atom::Long(v) | Atom::Timestamp(v) | Atom::Timespan(v) => v.to_be_bytes().to_vec(),
                Atom::Real(e) => e.to_be_bytes().to_vec(),
                Atom::Float(f) | Atom::Datetime(f) => f.to_be_bytes().to_vec(),
                Atom::Guid(g) => g.to_vec(),
                Atom::Symbol(_) => return Err(QError::type_()),
            };
            Ok(Value::Vector(Vector::from_u8(Ty::Byte, bytes)))
        }),
        Value::Atom(a) if int_atom(a).is_some() => {
            let base = int_atom(a).unwrap_or(0);
            if base < 2 {
                return Err(QError::domain());
            }
            let mut maxv: i64 = 0;
            scan_ints(&y, &mut |v| {
                if v < 0 {
                    return Err(QError::domain());
                }
                maxv = maxv.max(v);
                Ok(())
            })?;
            let mut k = 0usize;
            let mut m = maxv;
            while m > 0 {
                m /= base;
                k += 1;
            }
            if k == 0
                && let Value::Atom(ya) = &y
            {
                return Ok(Value::Vector(Vector::empty(ya.ty())));
            }
            let k = k.max(1);
            let mut out = Vec::with_capacity(k);
            for j in 0..k {
                let p = base.checked_pow((k - 1 - j) as u32).unwrap_or(i64::MAX);
                out.push(map_ints(&y, &|v| (v / p) % base)?);
            }
            let _ = it;
            Ok(Value::from_items(out))
        }
        Value::Vector(b) if matches!(b.ty(), Ty::Short | Ty::Int | Ty::Long) => {
            let radix = b.to_i64_vec().unwrap_or_default();
            let k = radix.len();
            let mut out = Vec::with_capacity(k);
            for j in 0..k {
                let mut p: i64 = 1;
                for &r in &radix[j + 1..] {
                    p = p.wrapping_mul(r);
                }
                let r = radix[j];
                out.push(map_ints(&y, &|v| {
                    let q = if p == 0 { v } else { v.div_euclid(p) };
                    if r == 0 { q } else { q.rem_euclid(r) }
                })?);
            }
            Ok(Value::from_items(out))
        }
        _ => Err(QError::type_()),
    }
}

/// Splits `s` on every occurrence of `sep`.
fn split_on(s: &[u8], sep: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= s.len() {
        if &s[i..i + sep.len()] == sep {
            out.push(s[start..i].to_vec());
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(s[start..].to_vec());
    out
}

/// Applies `f` to each atom of y (an atom, or each item of a list).
fn map_atoms(y: &Value, f: &dyn Fn(Atom) -> QResult<Value>) -> QResult<Value> {
    match y {
        Value::Atom(a) => f(*a),
        Value::Vector(_) | Value::List(_) => {
            let mut out = Vec::with_capacity(y.count());
            for v in y.items() {
                out.push(map_atoms(&v, f)?);
            }
            Ok(Value::list(out))
        }
        _ => Err(QError::type_()),
    }
}

fn is_int_ty(t: Ty) -> bool {
    matches!(t, Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long)
}

/// Visits every integer of y (an integer atom, vector or nested list).
fn scan_ints(y: &Value, f: &mut dyn FnMut(i64) -> QResult<()>) -> QResult<()> {
    match y {
        Value::Atom(a) if is_int_ty(a.ty()) => {
            let v = a.to_i64().ok_or_else(QError::type_)?;
            if v == i64::MIN {
                return Err(QError::domain());
            }
            f(v)
        }
        Value::Vector(v) if is_int_ty(v.ty()) => {
            for x in v.to_i64_vec().unwrap_or_default() {
                if x == i64::MIN {
                    return Err(QError::domain());
                }
                f(x)?;
            }
            Ok(())
        }
        Value::List(l) => {
            for v in l.iter() {
                scan_ints(v, f)?;
            }
            Ok(())
        }
        _ => Err(QError::type_()),
    }
}

/// y with every integer mapped by `f`, keeping y's shape and type.
fn map_ints(y: &Value, f: &dyn Fn(i64) -> i64) -> QResult<Value> {
    match y {
        Value::Atom(a) if is_int_ty(a.ty()) => {
            let v = a.to_i64().ok_or_else(QError::type_)?;
            Ok(Value::Atom(atom_of_i64(a.ty(), f(v))))
        }
        Value::Vector(v) if is_int_ty(v.ty()) => {
            let xs: Vec<i64> = v
                .to_i64_vec()
                .unwrap_or_default()
                .into_iter()
                .map(f)
                .collect();
            Ok(Value::Vector(arith::vector_from_i64(v.ty(), xs)))
        }
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for v in l.iter() {
                out.push(map_ints(v, f)?);
            }
            Ok(Value::list(out))
        }
        _ => Err(QError::type_()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_empty_fields() {
        assert_eq!(
            split_on(b"red|green||blue", b"|"),
            vec![b"red".to_vec(), b"green".to_vec(), vec![], b"blue".to_vec()]
        );
        assert_eq!(split_on(b"a, b", b", "), vec![b"a".to_vec(), b"b".to_vec()]);
    }
}
