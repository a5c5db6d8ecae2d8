//! Reading: kdb+'s serialized form to a q value, in either byte order.
//!
//! Decoding is bounded by the bytes present: every count read from the wire
//! is checked against the bytes that remain before anything is allocated,
//! and nesting deeper than [`MAX_DEPTH`] is refused, so a lying or hostile
//! message is an error, never a huge allocation, a stack overflow or a
//! panic.

use std::sync::Arc;

use qcore::Adverb;
use qcore::Atom;
use qcore::Attr;
use qcore::Dict;
use qcore::Func;
use qcore::Projection;
use qcore::QError;
use qcore::QResult;
use qcore::Repr;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;

use crate::codec::BINARY;
use crate::codec::FuncCodec;
use crate::codec::ITERATOR;
use crate::codec::PrimCode;
use crate::codec::UNARY;

/// Nesting deeper than this is refused when reading (protects the stack).
pub const MAX_DEPTH: usize = 512;

/// `'badmsg` with what was wrong.
pub(crate) fn bad(what: &str) -> QError {
    QError::new("badmsg").with_detail(format!("malformed IPC message: {what}"))
}

/// A decoded message body: a value, or an error object (`-128`) as sent.
#[derive(Debug)]
pub enum Body {
    /// Any q value.
    Value(Value),
    /// The text of an error object (`'type` arrives as `type`).
    Error(String),
}

/// Decodes a payload (no header) in the given byte order. The whole payload
/// must be one object; an error object (`-128`) is only valid at the top
/// (its text ends at its NUL).
pub fn decode(payload: &[u8], little: bool, codec: &mut dyn FuncCodec) -> QResult<Body> {
    let mut r = Reader {
        b: payload,
        pos: 0,
        little,
        codec,
    };
    if payload.first() == Some(&0x80) {
        r.pos = 1;
        return Ok(Body::Error(r.name()?));
    }
    let v = r.value(0)?;
    if r.remaining() != 0 {
        return Err(bad("trailing bytes"));
    }
    Ok(Body::Value(v))
}

/// Decodes the one value at the start of `bytes` (little-endian, no
/// header) and returns it with the number of bytes it took: how a q journal
/// (a log file) is read item by item. An error when the bytes there are not
/// a whole value (a torn tail).
pub fn decode_prefix(bytes: &[u8], codec: &mut dyn FuncCodec) -> QResult<(Value, usize)> {
    let mut r = Reader {
        b: bytes,
        pos: 0,
        little: true,
        codec,
    };
    let v = r.value(0)?;
    Ok((v, r.pos))
}

struct Reader<'a, 'c> {
    b: &'a [u8],
    pos: usize,
    little: bool,
    codec: &'c mut dyn FuncCodec,
}

/// One fixed-width number in the reader's byte order.
macro_rules! read_num {
    ($name:ident, $t:ty, $n:expr) => {
        fn $name(&mut self) -> QResult<$t> {
            let mut a = [0u8; $n];
            a.copy_from_slice(self.take($n)?);
            Ok(if self.little {
                <$t>::from_le_bytes(a)
            } else {
                <$t>::from_be_bytes(a)
            })
        }
    };
}

/// `n` numbers of one width in the reader's byte order: one bounds check
/// for the run, the byte order decided once.
macro_rules! read_run {
    ($name:ident, $t:ty, $n:expr) => {
        fn $name(&mut self, count: usize) -> QResult<Vec<$t>> {
            let little = self.little;
            let s = self.take(count * $n)?;
            Ok(s.chunks_exact($n)
                .map(|c| {
                    let mut a = [0u8; $n];
                    a.copy_from_slice(c);
                    if little {
                        <$t>::from_le_bytes(a)
                    } else {
                        <$t>::from_be_bytes(a)
                    }
                })
                .collect())
        }
    };
}

impl<'a> Reader<'a, '_> {
    fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }

    fn take(&mut self, n: usize) -> QResult<&'a [u8]> {
        if n > self.remaining() {
            return Err(bad("truncated"));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> QResult<u8> {
        Ok(self.take(1)?[0])
    }

    read_num!(i16, i16, 2);
    read_num!(i32, i32, 4);
    read_num!(i64, i64, 8);
    read_num!(f32, f32, 4);
    read_num!(f64, f64, 8);
    read_run!(i16s, i16, 2);
    read_run!(i32s, i32, 4);
    read_run!(i64s, i64, 8);
    read_run!(f32s, f32, 4);
    read_run!(f64s, f64, 8);

    /// A count, checked so that `n` items of at least `min_width` bytes fit
    /// in what remains.
    fn count(&mut self, min_width: usize) -> QResult<usize> {
        let n = self.i32()?;
        if n < 0 {
            return Err(bad("negative count"));
        }
        let n = n as usize;
        if n.saturating_mul(min_width.max(1)) > self.remaining() {
            return Err(bad("count larger than the message"));
        }
        Ok(n)
    }

    /// A NUL-terminated name; bytes that are not UTF-8 are replaced.
    fn name(&mut self) -> QResult<String> {
        let rest = &self.b[self.pos..];
        let end = rest
            .iter()
            .position(|&c| c == 0)
            .ok_or_else(|| bad("unterminated symbol"))?;
        let s = String::from_utf8_lossy(&rest[..end]).into_owned();
        self.pos += end + 1;
        Ok(s)
    }

    fn sym(&mut self) -> QResult<Sym> {
        Ok(Sym::new(&self.name()?))
    }

    fn attr(&mut self) -> QResult<Attr> {
        Attr::from_code(self.u8()?).ok_or_else(|| bad("unknown attribute"))
    }

    fn atom(&mut self, ty: Ty) -> QResult<Atom> {
        Ok(match ty {
            Ty::Bool => Atom::Bool(self.u8()? != 0),
            Ty::Guid => {
                let mut g = [0u8; 16];
                g.copy_from_slice(self.take(16)?);
                Atom::Guid(g)
            }
            Ty::Byte => Atom::Byte(self.u8()?),
            Ty::Char => Atom::Char(self.u8()?),
            Ty::Short => Atom::Short(self.i16()?),
            Ty::Int => Atom::Int(self.i32()?),
            Ty::Month => Atom::Month(self.i32()?),
            Ty::Date => Atom::Date(self.i32()?),
            Ty::Minute => Atom::Minute(self.i32()?),
            Ty::Second => Atom::Second(self.i32()?),
            Ty::Time => Atom::Time(self.i32()?),
            Ty::Long => Atom::Long(self.i64()?),
            Ty::Timestamp => Atom::Timestamp(self.i64()?),
            Ty::Timespan => Atom::Timespan(self.i64()?),
            Ty::Real => Atom::Real(self.f32()?),
            Ty::Float => Atom::Float(self.f64()?),
            Ty::Datetime => Atom::Datetime(self.f64()?),
            Ty::Symbol => Atom::Symbol(self.sym()?),
        })
    }

    fn vector(&mut self, ty: Ty, attr: Attr) -> QResult<Vector> {
        // a symbol is at least its terminating NUL
        let w = if ty == Ty::Symbol { 1 } else { ty.width() };
        let n = self.count(w)?;
        let data = match ty.repr() {
            Repr::U8 => VecData::U8(self.take(n)?.to_vec().into()),
            Repr::I16 => VecData::I16(self.i16s(n)?.into()),
            Repr::I32 => VecData::I32(self.i32s(n)?.into()),
            Repr::I64 => VecData::I64(self.i64s(n)?.into()),
            Repr::F32 => VecData::F32(self.f32s(n)?.into()),
            Repr::F64 => VecData::F64(self.f64s(n)?.into()),
            Repr::Guid => {
                let s = self.take(n * 16)?;
                let v: Vec<[u8; 16]> = s
                    .chunks_exact(16)
                    .map(|c| {
                        let mut g = [0u8; 16];
                        g.copy_from_slice(c);
                        g
                    })
                    .collect();
                VecData::Guid(v.into())
            }
            Repr::Sym => {
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.sym()?);
                }
                VecData::Sym(v.into())
            }
        };
        let mut v = Vector::new(ty, data).ok_or_else(|| bad("vector representation"))?;
        v.attr = attr;
        Ok(v)
    }

    fn value(&mut self, depth: usize) -> QResult<Value> {
        if depth > MAX_DEPTH {
            return Err(bad("nesting too deep"));
        }
        let t = self.u8()? as i8;
        match t {
            -19..=-1 => {
                let ty = Ty::from_code(t as i16).ok_or_else(|| bad("unknown type"))?;
                Ok(Value::Atom(self.atom(ty)?))
            }
            1..=19 => {
                let ty = Ty::from_code(t as i16).ok_or_else(|| bad("unknown type"))?;
                let attr = self.attr()?;
                Ok(Value::Vector(self.vector(ty, attr)?))
            }
            0 => {
                self.attr()?;
                // every item is at least its type byte
                let n = self.count(1)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Ok(Value::list(items))
            }
            98 => {
                self.attr()?;
                if self.u8()? != 99 {
                    return Err(bad("table without a column dictionary"));
                }
                let names = self.value(depth + 1)?;
                let cols = self.value(depth + 1)?;
                table_from(names, cols)
            }
            99 | 127 => {
                let keys = self.value(depth + 1)?;
                let values = self.value(depth + 1)?;
                dict_from(keys, values, t == 127)
            }
            100 => {
                let ctx = self.name()?;
                let src = match self.value(depth + 1)? {
                    Value::Vector(v) if v.ty() == Ty::Char => {
                        String::from_utf8_lossy(v.as_u8().unwrap_or(&[])).into_owned()
                    }
                    _ => return Err(bad("lambda source is not a string")),
                };
                self.codec.lambda(namespace_of(&ctx), &src)
            }
            101..=103 => {
                let index = self.u8()?;
                match (t as u8, index) {
                    // `::` and, outside a projection, the elided-argument marker
                    (UNARY, 0 | 255) => Ok(Value::Nil),
                    (ty @ (UNARY | BINARY | ITERATOR), index) => {
                        self.codec.prim_from_wire(PrimCode { ty, index })
                    }
                    _ => Err(bad("unknown primitive")),
                }
            }
            104 | 105 => {
                // every part is at least a type byte and one more byte
                let n = self.count(2)?;
                if n == 0 {
                    return Err(bad("empty function list"));
                }
                let mut items: Vec<Option<Value>> = Vec::with_capacity(n);
                for _ in 0..n {
                    if self.b.get(self.pos..self.pos + 2) == Some(&[UNARY, 255][..]) {
                        self.pos += 2;
                        items.push(None);
                    } else {
                        items.push(Some(self.value(depth + 1)?));
                    }
                }
                if t == 104 {
                    let func = items
                        .remove(0)
                        .ok_or_else(|| bad("projection of nothing"))?;
                    if !matches!(func, Value::Func(_)) {
                        return Err(bad("projection of data"));
                    }
                    Ok(Value::Func(Func::Projection(Arc::new(Projection {
                        func,
                        args: items,
                    }))))
                } else {
                    let parts: Option<Vec<Value>> = items.into_iter().collect();
                    let parts = parts.ok_or_else(|| bad("elided composition part"))?;
                    Ok(Value::Func(Func::Composition(Arc::new(parts))))
                }
            }
            106..=111 => {
                let adverb = match t {
                    106 => Adverb::Each,
                    107 => Adverb::Over,
                    108 => Adverb::Scan,
                    109 => Adverb::Prior,
                    110 => Adverb::EachRight,
                    _ => Adverb::EachLeft,
                };
                let operand = self.value(depth + 1)?;
                Ok(Value::derived(adverb, operand))
            }
            -128 => Err(bad("error object inside a value")),
            _ => Err(bad("unknown type")),
        }
    }
}

/// The namespace a lambda's context names: root for the empty context,
/// `.foo` for `foo`.
fn namespace_of(ctx: &str) -> Sym {
    if ctx.is_empty() {
        Sym::new(".")
    } else if ctx.starts_with('.') {
        Sym::new(ctx)
    } else {
        Sym::new(&format!(".{ctx}"))
    }
}

fn is_listy(v: &Value) -> bool {
    matches!(v, Value::Vector(_) | Value::List(_) | Value::Table(_))
}

fn dict_from(keys: Value, values: Value, sorted: bool) -> QResult<Value> {
    if !is_listy(&keys) || !is_listy(&values) || keys.count() != values.count() {
        return Err(bad("dictionary keys and values"));
    }
    // `s#` on the keys is carried by the dictionary, not the key vector
    let keys = match keys {
        Value::Vector(mut v) if sorted => {
            v.attr = Attr::None;
            Value::Vector(v)
        }
        k => k,
    };
    Ok(Value::Dict(Arc::new(Dict {
        keys,
        values,
        sorted,
    })))
}

fn table_from(names: Value, cols: Value) -> QResult<Value> {
    let names: Vec<Sym> = match &names {
        Value::Vector(v) => v.as_sym().ok_or_else(|| bad("column names"))?.to_vec(),
        _ => return Err(bad("column names")),
    };
    let columns: Vec<Value> = match cols {
        Value::List(l) => l.as_ref().clone(),
        // a one-column table whose column list was collapsed (not what
        // kdb+ writes, but unambiguous)
        Value::Vector(v) if names.len() == 1 => vec![Value::Vector(v)],
        _ => return Err(bad("table columns")),
    };
    if names.len() != columns.len() || names.is_empty() {
        return Err(bad("table columns"));
    }
    let n = columns[0].count();
    if columns
        .iter()
        .any(|c| !matches!(c, Value::Vector(_) | Value::List(_)) || c.count() != n)
    {
        return Err(bad("table columns of unequal length"));
    }
    Ok(Value::Table(Arc::new(Table { names, columns })))
}
