//! `sv` and `vs`, scalar from vector and vector from scalar: joining and
//! splitting strings (`","sv`, `","vs`), lines (`"\n"`), symbols (`` ` ``),
//! paths (`` `:a`b `` sv), and encoding/decoding numbers in a base
//! (`2 sv bits`, `0x0 sv bytes`, `10 vs n`, `24 60 60 vs secs`), keeping
//! `y`'s shape when it is a nested list of integers.

use crate::ops::cast::atom_of_i64;
use crate::ops::make::chars_of;
use crate::ops::make::int_atom;
use crate::ops::make::is_int_ty;
use crate::ops::make::strings;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

// ---------------------------------------------------------------------------
// sv

/// `x sv y`: join strings, lines, symbols and paths; decode bits, bytes
/// and numbers in base x.
pub fn sv(x: Value, y: Value) -> QResult<Value> {
    // bytes joined with a byte separator: `0x03 sv (0x01;0x0102)`
    if let (Some((sep, Ty::Byte)), Value::List(l)) = (text_of(&x), &y) {
        let mut out = Vec::new();
        for (i, v) in l.iter().enumerate() {
            let Some((b, Ty::Byte)) = text_of(v) else {
                return Err(QError::type_());
            };
            if i > 0 {
                out.extend_from_slice(&sep);
            }
            qcore::check_alloc(out.len() + b.len(), 1)?;
            out.extend_from_slice(&b);
        }
        return Ok(Value::Vector(Vector::from_u8(Ty::Byte, out)));
    }
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
            // 128 bits: a guid, most significant bit first (since 4.1)
            if bits.len() == 128 {
                let mut g = [0u8; 16];
                for (k, chunk) in bits.chunks(8).enumerate() {
                    g[k] = chunk.iter().fold(0u8, |a, &b| (a << 1) | (b != 0) as u8);
                }
                return Ok(Value::Atom(Atom::Guid(g)));
            }
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
                let p = crate::builtins::math::arith::mul(acc, x.clone())?;
                acc = crate::builtins::math::arith::add(p, v)?;
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
                let p = crate::builtins::math::arith::mul(acc, Value::Atom(b.get(i + 1)))?;
                acc = crate::builtins::math::arith::add(p, v)?;
            }
            Ok(acc)
        }
        _ => Err(QError::type_()),
    }
}

/// The bytes of a char or byte atom or vector, and which of the two it is.
fn text_of(v: &Value) -> Option<(Vec<u8>, Ty)> {
    match v {
        Value::Vector(w) if matches!(w.ty(), Ty::Char | Ty::Byte) => {
            w.as_u8().map(|b| (b.to_vec(), w.ty()))
        }
        Value::Atom(Atom::Char(c)) => Some((vec![*c], Ty::Char)),
        Value::Atom(Atom::Byte(c)) => Some((vec![*c], Ty::Byte)),
        _ => None,
    }
}

/// Joins a list of strings with `sep` (after each item when `trailing`).
pub(crate) fn join_strings(y: &Value, sep: &[u8], trailing: bool) -> QResult<Value> {
    let items = match y {
        Value::List(l) => l.as_ref().clone(),
        _ => return Err(QError::type_()),
    };
    // the joined length, checked first: one long string many times over
    // is `'wsfull`, not an abort
    let total = items
        .iter()
        .map(|v| v.count().saturating_add(sep.len()))
        .fold(0usize, usize::saturating_add);
    qcore::check_alloc(total, 1)?;
    let mut out: Vec<u8> = Vec::with_capacity(total);
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
    // a byte vector split on a byte or char separator; the pieces take the
    // separator's type (`" " vs "x"$"a b"` is two strings)
    if let (Some((sep, ty)), Value::Vector(v)) = (text_of(&x), &y)
        && v.ty() == Ty::Byte
    {
        if sep.is_empty() {
            return Err(QError::domain());
        }
        let parts = split_on(v.as_u8().unwrap_or(&[]), &sep);
        return Ok(Value::list(
            parts
                .into_iter()
                .map(|p| Value::Vector(Vector::from_u8(ty, p)))
                .collect(),
        ));
    }
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
                Atom::Symbol(_) | Atom::Enum(_) => return Err(QError::type_()),
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
pub(crate) fn split_on(s: &[u8], sep: &[u8]) -> Vec<Vec<u8>> {
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
pub(crate) fn map_atoms(y: &Value, f: &dyn Fn(Atom) -> QResult<Value>) -> QResult<Value> {
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

/// Visits every integer of y (an integer atom, vector or nested list).
pub(crate) fn scan_ints(y: &Value, f: &mut dyn FnMut(i64) -> QResult<()>) -> QResult<()> {
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
pub(crate) fn map_ints(y: &Value, f: &dyn Fn(i64) -> i64) -> QResult<Value> {
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
            Ok(Value::Vector(crate::ops::arith::vector_from_i64(
                v.ty(),
                xs,
            )))
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
