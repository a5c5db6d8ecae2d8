//! `1:`, File Binary: `(types;widths) 1: y` reads fixed-width
//! little-endian records from a file or bytes into columns, and
//! `` `:f 1: bytes `` writes bytes. `1:` has no monadic form (`'rank`,
//! as in q). Also the byte-level
//! helpers other file code shares ([`vector_bytes`], [`cast_le`]).

use crate::builtins::io::handle::file_sym;
use crate::builtins::io::handle::read_source;
use crate::builtins::io::handle::string_value;
use crate::builtins::io::handle::write_all;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use std::borrow::Cow;

// ---------------------------------------------------------------------------
// 1:

/// `1:` has no monadic form.
pub fn bin1(_: Value) -> QResult<Value> {
    Err(QError::rank())
}

/// The q type and item width of a `1:` type char.
pub(crate) fn bin_ty(c: u8) -> QResult<Option<(Ty, usize)>> {
    let t = match c {
        b' ' | b'*' => return Ok(None),
        b'b' => Ty::Bool,
        b'g' => Ty::Guid,
        b'x' => Ty::Byte,
        b'h' => Ty::Short,
        b'i' => Ty::Int,
        b'j' => Ty::Long,
        b'e' => Ty::Real,
        b'f' => Ty::Float,
        b'c' => Ty::Char,
        b's' => Ty::Symbol,
        b'p' => Ty::Timestamp,
        b'm' => Ty::Month,
        b'd' => Ty::Date,
        b'z' => Ty::Datetime,
        b'n' => Ty::Timespan,
        b'u' => Ty::Minute,
        b'v' => Ty::Second,
        b't' => Ty::Time,
        _ => {
            return Err(QError::type_().with_detail(format!(
                "unknown binary type {:?} (use lower-case type chars)",
                c as char
            )));
        }
    };
    Ok(Some((t, t.width())))
}

pub(crate) fn int_list(v: &Value) -> Option<Vec<i64>> {
    match v {
        Value::Vector(x) if x.ty().is_integral() && x.ty() != Ty::Bool => x.to_i64_vec(),
        Value::Atom(a) if a.ty().is_integral() && a.ty() != Ty::Bool => a.to_i64().map(|i| vec![i]),
        _ => None,
    }
}

pub(crate) fn char_list(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Vector(x) if x.ty() == Ty::Char => x.as_u8().map(<[u8]>::to_vec),
        Value::Atom(Atom::Char(c)) => Some(vec![*c]),
        _ => None,
    }
}

/// `x 1: y`: Read Binary (`(types;widths) 1: y`, little-endian;
/// `(widths;types)`, big-endian) or Save Binary (`` `:f 1: bytes ``).
pub fn bin2(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    if let Some((s, p)) = file_sym(&x)? {
        let bytes: Vec<u8> = match &y {
            Value::Vector(v) if v.ty() == Ty::Symbol => return Err(QError::type_()),
            Value::Vector(v) => vector_bytes(v),
            Value::Atom(Atom::Byte(b) | Atom::Char(b)) => vec![*b],
            _ => return Err(QError::type_()),
        };
        write_all(&p, &bytes)?;
        return Ok(Value::Atom(Atom::Symbol(s)));
    }
    let Value::List(l) = &x else {
        return Err(QError::type_());
    };
    if l.len() != 2 {
        return Err(QError::length());
    }
    let (types, widths, big) = match (char_list(&l[0]), int_list(&l[1])) {
        (Some(t), Some(w)) => (t, w, false),
        _ => match (int_list(&l[0]), char_list(&l[1])) {
            (Some(w), Some(t)) => (t, w, true),
            _ => return Err(QError::type_()),
        },
    };
    if types.len() != widths.len() {
        return Err(QError::length());
    }
    let data: Cow<[u8]> = match &y {
        Value::Vector(v) if matches!(v.ty(), Ty::Byte | Ty::Char) => {
            Cow::Borrowed(v.as_u8().unwrap_or(&[]))
        }
        _ => Cow::Owned(read_source(&y)?),
    };
    let mut fields = Vec::with_capacity(types.len());
    let mut reclen = 0usize;
    for (&c, &w) in types.iter().zip(&widths) {
        if w < 0 {
            return Err(QError::domain());
        }
        let w = w as usize;
        let t = bin_ty(c)?;
        if let Some((ty, tw)) = t
            && ty != Ty::Symbol
            && tw != w
        {
            return Err(QError::length()
                .with_detail(format!("type {:?} is {tw} bytes wide, not {w}", c as char)));
        }
        fields.push((c, t, reclen, w));
        reclen += w;
    }
    let n = data.len().checked_div(reclen).unwrap_or(0);
    let mut out = Vec::new();
    for &(c, t, off, w) in &fields {
        let rec = |r: usize| -> Vec<u8> {
            let mut b = data[r * reclen + off..r * reclen + off + w].to_vec();
            if big {
                b.reverse();
            }
            b
        };
        let col = match t {
            None if c == b'*' => Value::list(
                (0..n)
                    .map(|r| string_value(&data[r * reclen + off..r * reclen + off + w]))
                    .collect(),
            ),
            None => continue,
            Some((Ty::Symbol, _)) => Value::Vector(Vector::syms(
                (0..n)
                    .map(|r| {
                        let b = &data[r * reclen + off..r * reclen + off + w];
                        let e = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                        Sym::new(&String::from_utf8_lossy(&b[..e]))
                    })
                    .collect(),
            )),
            Some((ty, _)) => {
                let mut raw = Vec::with_capacity(n * w);
                for r in 0..n {
                    raw.extend_from_slice(&rec(r));
                }
                let data = match ty.repr() {
                    qcore::Repr::U8 => VecData::U8(raw.into()),
                    qcore::Repr::I16 => VecData::I16(cast_le(&raw).into()),
                    qcore::Repr::I32 => VecData::I32(cast_le(&raw).into()),
                    qcore::Repr::I64 => VecData::I64(cast_le(&raw).into()),
                    qcore::Repr::F32 => VecData::F32(cast_le(&raw).into()),
                    qcore::Repr::F64 => VecData::F64(cast_le(&raw).into()),
                    qcore::Repr::Guid => VecData::Guid(
                        raw.chunks_exact(16)
                            .map(|c| {
                                let mut g = [0u8; 16];
                                g.copy_from_slice(c);
                                // a guid's bytes are in order, whatever the endianness
                                if big {
                                    g.reverse();
                                }
                                g
                            })
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                    qcore::Repr::Sym => return Err(QError::type_()),
                };
                let mut v = Vector::new(ty, data).ok_or_else(QError::type_)?;
                if ty == Ty::Bool
                    && let VecData::U8(b) = v.data_mut()
                {
                    let fixed: Vec<u8> = b.iter().map(|&x| u8::from(x != 0)).collect();
                    *b = fixed.into();
                }
                Value::Vector(v)
            }
        };
        out.push(col);
        it.tick()?;
    }
    Ok(Value::list(out))
}

/// The little-endian bytes of a non-symbol vector.
pub(crate) fn vector_bytes(v: &Vector) -> Vec<u8> {
    use qstorage::bytemuck::must_cast_slice;
    match v.data() {
        VecData::U8(b) => b.to_vec(),
        VecData::I16(b) => must_cast_slice(b).to_vec(),
        VecData::I32(b) => must_cast_slice(b).to_vec(),
        VecData::I64(b) => must_cast_slice(b).to_vec(),
        VecData::F32(b) => must_cast_slice(b).to_vec(),
        VecData::F64(b) => must_cast_slice(b).to_vec(),
        VecData::Guid(b) => must_cast_slice(b).to_vec(),
        VecData::Sym(_) => Vec::new(),
    }
}

/// Little-endian items from bytes (a copy: the bytes need not be aligned).
pub(crate) fn cast_le<T: qstorage::bytemuck::Pod>(raw: &[u8]) -> Vec<T> {
    qstorage::bytemuck::pod_collect_to_vec(raw)
}
