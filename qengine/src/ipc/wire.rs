//! kdb+ serialization: q values to bytes and back (protocol version 3).
//!
//! Writing is always little-endian (as kdb+ on x86); reading accepts both
//! byte orders. Every count read from the wire is checked against the bytes
//! that remain before anything is allocated, so a lying length is an error,
//! never a huge allocation or a panic.

use std::sync::Arc;

use qparser::Adverb;

use crate::eval::Node;
use crate::eval::compile::Scope;
use crate::eval::compile::compile;
use crate::registry;
use qcore::Atom;
use qcore::Attr;
use qcore::Derived;
use qcore::Dict;
use qcore::Func;
use qcore::Projection;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;

/// Message types (header byte 1).
pub const ASYNC: u8 = 0;
pub const SYNC: u8 = 1;
pub const RESPONSE: u8 = 2;

/// Nesting deeper than this is refused when reading (protects the stack).
pub const MAX_DEPTH: usize = 512;

fn bad(what: &str) -> QError {
    QError::new("badmsg").with_detail(format!("malformed IPC message: {what}"))
}

// ---------------------------------------------------------------------------
// Primitive indexes (types 101, 102)

/// kdb+'s binary primitives by index: the glyph operators in the frozen
/// registry order (`:` .. `2:`), then the keyword dyads.
const DYADS_AFTER_GLYPHS: &[(&str, u8)] = &[
    ("in", 23),
    ("within", 24),
    ("like", 25),
    ("bin", 26),
    ("ss", 27),
    ("insert", 28),
    ("wsum", 29),
    ("wavg", 30),
    ("div", 31),
    ("xexp", 32),
    ("setenv", 33),
    ("binr", 34),
    ("cov", 35),
    ("cor", 36),
];

/// Unary primitives by index: the glyph's monadic meaning (`+:` is flip).
const MONADS: &[(&str, u8)] = &[
    ("flip", 1),
    ("neg", 2),
    ("first", 3),
    ("reciprocal", 4),
    ("where", 5),
    ("reverse", 6),
    ("null", 7),
    ("group", 8),
    ("iasc", 9),
    ("idesc", 10),
    ("string", 11),
    ("enlist", 12),
    ("count", 13),
    ("floor", 14),
    ("not", 15),
    ("key", 16),
    ("distinct", 17),
    ("type", 18),
    ("value", 19),
];

/// Number of glyph operators with a kdb+ index (`:` .. `2:`).
const GLYPHS: u16 = 23;

fn builtin_to_wire(i: u16) -> QResult<(u8, u8)> {
    let name = registry::name(i);
    if registry::is_operator(i) {
        if i < GLYPHS {
            return Ok((102, i as u8));
        }
    } else if let Some(&(_, k)) = MONADS.iter().find(|(n, _)| *n == name) {
        return Ok((101, k));
    } else if let Some(&(_, k)) = DYADS_AFTER_GLYPHS.iter().find(|(n, _)| *n == name) {
        return Ok((102, k));
    }
    Err(QError::new("type").with_detail(format!("the builtin {name} has no kdb+ IPC encoding")))
}

fn builtin_from_wire(t: u8, k: u8) -> QResult<Value> {
    let name = match t {
        101 if k == 0 => return Ok(Value::Nil),
        101 => match MONADS.iter().find(|(_, n)| *n == k) {
            Some((name, _)) => *name,
            None if (k as u16) < GLYPHS => registry::name(k as u16),
            None => return Err(bad("unknown unary primitive")),
        },
        102 if (k as u16) < GLYPHS => registry::name(k as u16),
        102 => match DYADS_AFTER_GLYPHS.iter().find(|(_, n)| *n == k) {
            Some((name, _)) => *name,
            None => return Err(bad("unknown binary primitive")),
        },
        _ => return Err(bad("unknown primitive")),
    };
    registry::lookup(name)
        .map(registry::func)
        .ok_or_else(|| QError::nyi(&format!("primitive {name} received over IPC")))
}

// ---------------------------------------------------------------------------
// Writing

/// Serializes `v` (the payload only, no header).
pub fn encode(v: &Value) -> QResult<Vec<u8>> {
    let mut out = Vec::new();
    write_value(&mut out, v)?;
    Ok(out)
}

/// A complete little-endian message: header then the payload of `v`.
pub fn frame(msgtype: u8, v: &Value) -> QResult<Vec<u8>> {
    let mut out = vec![1, msgtype, 0, 0, 0, 0, 0, 0];
    write_value(&mut out, v)?;
    set_len(&mut out)?;
    Ok(out)
}

/// A response carrying an error (`-128`).
pub fn error_frame(msgtype: u8, text: &str) -> Vec<u8> {
    let mut out = vec![1, msgtype, 0, 0, 0, 0, 0, 0, 0x80];
    out.extend(text.bytes().filter(|&b| b != 0));
    out.push(0);
    let n = out.len() as u32;
    out[4..8].copy_from_slice(&n.to_le_bytes());
    out
}

fn set_len(out: &mut [u8]) -> QResult<()> {
    let n = i32::try_from(out.len()).map_err(|_| {
        QError::new("limit").with_detail("message over 2 GB (protocol version 3 limit)")
    })?;
    out[4..8].copy_from_slice(&n.to_le_bytes());
    Ok(())
}

fn attr_byte(a: Attr) -> u8 {
    match a {
        Attr::None => 0,
        Attr::Sorted => 1,
        Attr::Unique => 2,
        Attr::Parted => 3,
        Attr::Grouped => 4,
    }
}

fn count(out: &mut Vec<u8>, n: usize) -> QResult<()> {
    let n = i32::try_from(n).map_err(|_| QError::new("limit"))?;
    out.extend_from_slice(&n.to_le_bytes());
    Ok(())
}

fn write_sym(out: &mut Vec<u8>, s: Sym) {
    out.extend(s.as_str().bytes().filter(|&b| b != 0));
    out.push(0);
}

fn write_atom(out: &mut Vec<u8>, a: &Atom) {
    out.push((-(a.ty().code())) as u8);
    match *a {
        Atom::Bool(b) => out.push(b as u8),
        Atom::Byte(b) | Atom::Char(b) => out.push(b),
        Atom::Guid(g) => out.extend_from_slice(&g),
        Atom::Short(v) => out.extend_from_slice(&v.to_le_bytes()),
        Atom::Int(v)
        | Atom::Month(v)
        | Atom::Date(v)
        | Atom::Minute(v)
        | Atom::Second(v)
        | Atom::Time(v) => out.extend_from_slice(&v.to_le_bytes()),
        Atom::Long(v) | Atom::Timestamp(v) | Atom::Timespan(v) => {
            out.extend_from_slice(&v.to_le_bytes())
        }
        Atom::Real(v) => out.extend_from_slice(&v.to_le_bytes()),
        Atom::Float(v) | Atom::Datetime(v) => out.extend_from_slice(&v.to_le_bytes()),
        Atom::Symbol(s) => write_sym(out, s),
    }
}

fn write_vector(out: &mut Vec<u8>, v: &Vector, attr: Attr) -> QResult<()> {
    out.push(v.ty().code() as u8);
    out.push(attr_byte(attr));
    count(out, v.len())?;
    match v.data() {
        VecData::U8(b) => out.extend_from_slice(b),
        VecData::I16(b) => b
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        VecData::I32(b) => {
            out.reserve(b.len() * 4);
            b.iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
        }
        VecData::I64(b) => {
            out.reserve(b.len() * 8);
            b.iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
        }
        VecData::F32(b) => b
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        VecData::F64(b) => {
            out.reserve(b.len() * 8);
            b.iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
        }
        VecData::Guid(b) => b.iter().for_each(|g| out.extend_from_slice(g)),
        VecData::Sym(b) => b.iter().for_each(|&s| write_sym(out, s)),
    }
    Ok(())
}

fn write_value(out: &mut Vec<u8>, v: &Value) -> QResult<()> {
    match v {
        Value::Nil => out.extend_from_slice(&[101, 0]),
        Value::Atom(a) => write_atom(out, a),
        Value::Vector(vec) => write_vector(out, vec, vec.attr)?,
        Value::List(items) => {
            out.extend_from_slice(&[0, 0]);
            count(out, items.len())?;
            for x in items.iter() {
                write_value(out, x)?;
            }
        }
        Value::Dict(d) => {
            out.push(if d.sorted { 127 } else { 99 });
            match (&d.keys, d.sorted) {
                (Value::Vector(k), true) => write_vector(out, k, Attr::Sorted)?,
                (k, _) => write_value(out, k)?,
            }
            write_value(out, &d.values)?;
        }
        Value::Table(t) => write_table(out, t)?,
        Value::Func(f) => write_func(out, f)?,
    }
    Ok(())
}

fn write_table(out: &mut Vec<u8>, t: &Table) -> QResult<()> {
    out.extend_from_slice(&[98, 0, 99]);
    write_vector(out, &Vector::syms(t.names.clone()), Attr::None)?;
    out.extend_from_slice(&[0, 0]);
    count(out, t.columns.len())?;
    for c in &t.columns {
        write_value(out, c)?;
    }
    Ok(())
}

fn write_func(out: &mut Vec<u8>, f: &Func) -> QResult<()> {
    match f {
        Func::Builtin(i) => {
            let (t, k) = builtin_to_wire(i.id)?;
            out.extend_from_slice(&[t, k]);
        }
        Func::Lambda(l) => {
            out.push(100);
            let ns = l.namespace.as_str();
            let ctx = if ns == "." {
                ""
            } else {
                ns.trim_start_matches('.')
            };
            out.extend(ctx.bytes().filter(|&b| b != 0));
            out.push(0);
            write_vector(out, &Vector::chars(l.source.as_bytes()), Attr::None)?;
        }
        Func::Projection(p) => {
            out.push(104);
            count(out, p.args.len() + 1)?;
            write_value(out, &p.func)?;
            for a in &p.args {
                match a {
                    Some(v) => write_value(out, v)?,
                    // an elided argument: kdb+ writes the "magic" null 101 255
                    None => out.extend_from_slice(&[101, 255]),
                }
            }
        }
        Func::Composition(parts) => {
            out.push(105);
            count(out, parts.len())?;
            for p in parts.iter() {
                write_value(out, p)?;
            }
        }
        Func::Derived(d) => {
            out.push(f.type_code() as u8);
            let _ = &d.adverb;
            write_value(out, &d.operand)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Reading

/// A decoded message body: a value, or an error object (`-128`) as sent.
#[derive(Debug)]
pub enum Body {
    Value(Value),
    Error(String),
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    little: bool,
}

macro_rules! read_num {
    ($name:ident, $t:ty, $n:expr) => {
        fn $name(&mut self) -> QResult<$t> {
            let s = self.take($n)?;
            let mut a = [0u8; $n];
            a.copy_from_slice(s);
            Ok(if self.little {
                <$t>::from_le_bytes(a)
            } else {
                <$t>::from_be_bytes(a)
            })
        }
    };
}

impl<'a> Reader<'a> {
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

    fn sym(&mut self) -> QResult<Sym> {
        let rest = &self.b[self.pos..];
        let end = rest
            .iter()
            .position(|&c| c == 0)
            .ok_or_else(|| bad("unterminated symbol"))?;
        let s = String::from_utf8_lossy(&rest[..end]);
        self.pos += end + 1;
        Ok(Sym::new(&s))
    }

    fn attr(&mut self) -> QResult<Attr> {
        Ok(match self.u8()? {
            0 => Attr::None,
            1 => Attr::Sorted,
            2 => Attr::Unique,
            3 => Attr::Parted,
            4 => Attr::Grouped,
            _ => return Err(bad("unknown attribute")),
        })
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
        let w = if ty == Ty::Symbol { 1 } else { ty.width() };
        let n = self.count(w)?;
        let data = match ty.repr() {
            qcore::Repr::U8 => VecData::U8(self.take(n)?.to_vec().into()),
            qcore::Repr::I16 => VecData::I16(self.nums(n, Self::i16)?.into()),
            qcore::Repr::I32 => VecData::I32(self.nums(n, Self::i32)?.into()),
            qcore::Repr::I64 => VecData::I64(self.nums(n, Self::i64)?.into()),
            qcore::Repr::F32 => VecData::F32(self.nums(n, Self::f32)?.into()),
            qcore::Repr::F64 => VecData::F64(self.nums(n, Self::f64)?.into()),
            qcore::Repr::Guid => {
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
            qcore::Repr::Sym => {
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

    fn nums<T>(&mut self, n: usize, f: fn(&mut Self) -> QResult<T>) -> QResult<Vec<T>> {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(f(self)?);
        }
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
                let ctx = self.sym()?;
                let src = match self.value(depth + 1)? {
                    Value::Vector(v) if v.ty() == Ty::Char => {
                        String::from_utf8_lossy(v.as_u8().unwrap_or(&[])).into_owned()
                    }
                    _ => return Err(bad("lambda source is not a string")),
                };
                lambda_from(ctx, &src)
            }
            101..=103 => {
                let k = self.u8()?;
                if t == 101 && k == 255 {
                    // the elided-argument marker outside a projection
                    return Ok(Value::Nil);
                }
                builtin_from_wire(t as u8, k)
            }
            104 | 105 => {
                let n = self.count(2)?;
                if n == 0 {
                    return Err(bad("empty function list"));
                }
                let mut items: Vec<Option<Value>> = Vec::with_capacity(n);
                for _ in 0..n {
                    if self.b.get(self.pos..self.pos + 2) == Some(&[101, 255][..]) {
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
                Ok(Value::Func(Func::Derived(Arc::new(Derived {
                    adverb,
                    operand,
                }))))
            }
            -128 => Err(bad("error object inside a value")),
            _ => Err(bad("unknown type")),
        }
    }
}

fn is_listy(v: &Value) -> bool {
    matches!(v, Value::Vector(_) | Value::List(_) | Value::Table(_))
}

fn dict_from(keys: Value, values: Value, sorted: bool) -> QResult<Value> {
    if !is_listy(&keys) || !is_listy(&values) || keys.count() != values.count() {
        return Err(bad("dictionary keys and values"));
    }
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

/// Compiles a lambda received over the wire in its context.
fn lambda_from(ctx: Sym, src: &str) -> QResult<Value> {
    let ns = if ctx.is_null() {
        Sym::new(".")
    } else {
        let c = ctx.as_str();
        Sym::new(&if c.starts_with('.') {
            c.to_string()
        } else {
            format!(".{c}")
        })
    };
    let source: Arc<str> = Arc::from(src);
    let ast = qparser::parse(src).map_err(|_| bad("lambda source does not parse"))?;
    match compile(&ast, &Scope::top(ns, source))? {
        Node::Const(v @ Value::Func(Func::Lambda(_))) => Ok(v),
        _ => Err(bad("lambda source is not a lambda")),
    }
}

/// Decodes a payload (no header) in the given byte order. The whole payload
/// must be one object.
pub fn decode(payload: &[u8], little: bool) -> QResult<Body> {
    let mut r = Reader {
        b: payload,
        pos: 0,
        little,
    };
    if payload.first() == Some(&0x80) {
        r.pos = 1;
        let s = r.sym()?;
        return Ok(Body::Error(s.as_str().to_string()));
    }
    let v = r.value(0)?;
    if r.remaining() != 0 {
        return Err(bad("trailing bytes"));
    }
    Ok(Body::Value(v))
}

/// A parsed 8-byte header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub little: bool,
    pub msgtype: u8,
    pub compressed: bool,
    /// Total message length including the header.
    pub len: usize,
}

/// Parses and checks a header: known byte order, message type and
/// compression flag, a length of at least 9 bytes and at most `limit`.
pub fn parse_header(h: &[u8; 8], limit: usize) -> QResult<Header> {
    let little = match h[0] {
        0 => false,
        1 => true,
        _ => return Err(bad("byte order")),
    };
    if h[1] > 2 {
        return Err(bad("message type"));
    }
    if h[2] > 1 {
        return Err(bad("compression flag"));
    }
    let mut l = [0u8; 4];
    l.copy_from_slice(&h[4..8]);
    let len = if little {
        u32::from_le_bytes(l)
    } else {
        u32::from_be_bytes(l)
    } as usize;
    if len < 9 || len > limit || len > i32::MAX as usize {
        return Err(bad("message length"));
    }
    Ok(Header {
        little,
        msgtype: h[1],
        compressed: h[2] == 1,
        len,
    })
}

/// Decodes a whole message (header included), decompressing it if needed.
pub fn decode_message(msg: &[u8], limit: usize) -> QResult<(Header, Body)> {
    let h: [u8; 8] = msg
        .get(..8)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad("short header"))?;
    let hd = parse_header(&h, limit)?;
    if hd.len != msg.len() {
        return Err(bad("length does not match"));
    }
    if hd.compressed {
        let full = super::compress::decompress(msg, hd.little, limit)?;
        Ok((hd, decode(&full[8..], hd.little)?))
    } else {
        Ok((hd, decode(&msg[8..], hd.little)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Interp;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn q(it: &mut Interp, src: &str) -> Value {
        it.eval_text(src).unwrap_or_else(|e| panic!("{src}: {e:?}"))
    }

    fn ser(it: &mut Interp, src: &str) -> String {
        let v = q(it, src);
        hex(&frame(0, &v).unwrap())
    }

    #[test]
    fn documented_examples() {
        let mut it = Interp::new();
        assert_eq!(ser(&mut it, "1i"), "010000000d000000fa01000000");
        assert_eq!(
            ser(&mut it, "enlist 1i"),
            "010000001200000006000100000001000000"
        );
        assert_eq!(
            ser(&mut it, "`a`b!2 3i"),
            "0100000021000000630b0002000000610062000600020000000200000003000000"
        );
        assert_eq!(ser(&mut it, "2"), "0100000011000000f90200000000000000");
        assert_eq!(
            hex(&error_frame(2, "type")),
            format!("{}{}", "010200000e000000", "807479706500")
        );
    }

    #[test]
    fn table_and_lambda_examples() {
        let mut it = Interp::new();
        let t = q(&mut it, "flip `a`b!(1 2 3;`x`y`z)");
        let b = encode(&t).unwrap();
        let want = [
            "6200630b000200000061006200",
            "000002000000",
            "070003000000",
            "010000000000000002000000000000000300000000000000",
            "0b0003000000780079007a00",
        ]
        .concat();
        assert_eq!(hex(&b), want);
        let f = q(&mut it, "{x+y}");
        assert_eq!(hex(&encode(&f).unwrap()), "64000a00050000007b782b797d");
        assert_eq!(hex(&encode(&Value::Nil).unwrap()), "6500");
    }

    fn roundtrip(it: &mut Interp, src: &str) {
        let v = q(it, src);
        for little in [true, false] {
            let b = frame(1, &v).unwrap();
            let b = if little { b } else { to_big_endian(&b) };
            let (h, body) = decode_message(&b, 1 << 30).unwrap();
            assert_eq!(h.msgtype, 1);
            let Body::Value(back) = body else {
                panic!("error body")
            };
            // same bytes again proves the same value (types, attributes)
            assert_eq!(
                hex(&encode(&back).unwrap()),
                hex(&encode(&v).unwrap()),
                "{src} little={little}"
            );
        }
    }

    /// Re-encodes a little-endian message big-endian (test helper: walks the
    /// value by decoding and re-writing numbers in the other order).
    fn to_big_endian(msg: &[u8]) -> Vec<u8> {
        let (_, body) = decode_message(msg, 1 << 30).unwrap();
        let Body::Value(v) = body else { panic!() };
        let mut out = vec![0, msg[1], 0, 0];
        let mut payload = Vec::new();
        write_be(&mut payload, &v);
        out.extend_from_slice(&((payload.len() + 8) as u32).to_be_bytes());
        out.extend(payload);
        out
    }

    fn write_be(out: &mut Vec<u8>, v: &Value) {
        // little-endian encode, then flip every number: simplest is to
        // re-encode by hand for the shapes used in the round-trip tests
        match v {
            Value::Atom(a) => {
                let mut le = Vec::new();
                write_atom(&mut le, a);
                out.push(le[0]);
                let body = &le[1..];
                if matches!(a, Atom::Symbol(_) | Atom::Guid(_)) {
                    out.extend_from_slice(body);
                } else {
                    out.extend(body.iter().rev());
                }
            }
            Value::Vector(vec) => {
                out.push(vec.ty().code() as u8);
                out.push(attr_byte(vec.attr));
                out.extend_from_slice(&(vec.len() as i32).to_be_bytes());
                for i in 0..vec.len() {
                    let mut le = Vec::new();
                    write_atom(&mut le, &vec.get(i));
                    let body = &le[1..];
                    if matches!(vec.ty(), Ty::Symbol | Ty::Guid) {
                        out.extend_from_slice(body);
                    } else {
                        out.extend(body.iter().rev());
                    }
                }
            }
            Value::List(l) => {
                out.extend_from_slice(&[0, 0]);
                out.extend_from_slice(&(l.len() as i32).to_be_bytes());
                l.iter().for_each(|x| write_be(out, x));
            }
            Value::Dict(d) => {
                out.push(if d.sorted { 127 } else { 99 });
                match (&d.keys, d.sorted) {
                    (Value::Vector(k), true) => {
                        let mut k = k.clone();
                        k.attr = Attr::Sorted;
                        write_be(out, &Value::Vector(k))
                    }
                    (k, _) => write_be(out, k),
                }
                write_be(out, &d.values);
            }
            Value::Table(t) => {
                out.extend_from_slice(&[98, 0, 99]);
                write_be(out, &Value::Vector(Vector::syms(t.names.clone())));
                write_be(out, &Value::list(t.columns.clone()));
            }
            Value::Func(Func::Projection(p)) => {
                out.push(104);
                out.extend_from_slice(&((p.args.len() + 1) as i32).to_be_bytes());
                write_be(out, &p.func);
                for a in &p.args {
                    match a {
                        Some(v) => write_be(out, v),
                        None => out.extend_from_slice(&[101, 255]),
                    }
                }
            }
            Value::Func(Func::Composition(c)) => {
                out.push(105);
                out.extend_from_slice(&(c.len() as i32).to_be_bytes());
                c.iter().for_each(|x| write_be(out, x));
            }
            Value::Func(Func::Lambda(l)) => {
                // the only number inside is the source's count
                out.push(100);
                out.push(0);
                write_be(out, &Value::string(&l.source));
            }
            other => write_value(out, other).unwrap(),
        }
    }

    #[test]
    fn roundtrips() {
        let mut it = Interp::new();
        for src in [
            "0b",
            "1b",
            "0x2a",
            "-5h",
            "0Nh",
            "7i",
            "0Ni",
            "0Wi",
            "42",
            "0N",
            "-0W",
            "1.5e",
            "0Ne",
            "2.5",
            "0n",
            "0w",
            "\"a\"",
            "`abc",
            "`",
            "2000.01.01D00:00:01",
            "2024.01m",
            "2024.01.01",
            "0Nd",
            "2024.01.01T12:00:00.000",
            "0D01:00:00",
            "12:30",
            "12:30:15",
            "12:00:00.000",
            "0Ng",
            "101b",
            "0x0102",
            "1 2 3h",
            "1 2 3i",
            "1 2 3",
            "1.5 2.5e",
            "1.5 0n 0w",
            "\"hello\"",
            "`a`bc`",
            "`s#1 2 3",
            "`u#`a`b",
            "2024.01.01 2024.02.01",
            "0#0",
            "\"\"",
            "(1;`a;\"x\")",
            "(1 2;(3;`b))",
            "()",
            "`a`b!1 2",
            "`s#`a`b!1 2",
            "flip `a`b!(1 2 3;`x`y`z)",
            "([k:1 2] v:`a`b)",
            "{x+y}",
            "{[a;b] a*b}",
            "(+)",
            "(::)",
            "flip",
            "neg",
            "+[1]",
            "{x+y+z}[1;;3]",
            "+/",
            "(,)'",
            "count",
            "`a`b!(1 2;\"xy\")",
            "(`a`b!1 2;2)",
            "1 2!3 4",
        ] {
            roundtrip(&mut it, src);
        }
        // guids (no literal syntax needed)
        let g = Value::Vector(Vector::guids(vec![[7u8; 16], [0; 16]]));
        let b = frame(2, &g).unwrap();
        let (_, Body::Value(back)) = decode_message(&b, 1 << 30).unwrap() else {
            panic!()
        };
        assert_eq!(encode(&back).unwrap(), encode(&g).unwrap());
    }

    #[test]
    fn lambda_keeps_context_and_runs() {
        let mut it = Interp::new();
        let b = encode(&q(&mut it, "{x*2}")).unwrap();
        let Body::Value(f) = decode(&b, true).unwrap() else {
            panic!()
        };
        let r = crate::builtins::apply::apply(&mut it, &f, vec![Value::long(21)]).unwrap();
        assert_eq!(
            hex(&encode(&r).unwrap()),
            hex(&encode(&Value::long(42)).unwrap())
        );
        // context `foo`
        let mut p = vec![100];
        p.extend_from_slice(b"foo\0");
        p.extend(encode(&Value::string("{x}")).unwrap());
        let Body::Value(Value::Func(Func::Lambda(l))) = decode(&p, true).unwrap() else {
            panic!()
        };
        assert_eq!(l.namespace.as_str(), ".foo");
    }

    #[test]
    fn errors_decode() {
        let b = error_frame(2, "type");
        let (h, body) = decode_message(&b, 1 << 20).unwrap();
        assert_eq!(h.msgtype, 2);
        assert!(matches!(body, Body::Error(s) if s == "type"));
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![1, 0, 0],
            // header says 13, has 12
            hexb("010000000d000000fa010000"),
            // vector count 2^31-1
            hexb("0100000012000000060000ffffff7f01000000"),
            // negative count
            hexb("01000000120000000600ffffffff01000000"),
            // unknown type byte
            hexb("010000000a0000005000"),
            // unknown attribute
            hexb("010000001200000006090100000001000000"),
            // trailing bytes
            hexb("010000000e000000fa0100000000"),
            // unterminated symbol
            hexb("010000000b000000f56162"),
            // general list claiming many items
            hexb("0100000012000000000000000010fa01000000"),
            // dict with unequal counts
            hexb("010000001b000000630600010000000100000006000000000000"),
            // table with a non-symbol key
            hexb("010000000c00000062006307000000"),
            // bad byte order, message type, compression flag
            hexb("020000000d000000fa01000000"),
            hexb("010300000d000000fa01000000"),
            hexb("010002000d000000fa01000000"),
            // length 2^31
            hexb("0100000000000080fa01000000"),
            // length < 9
            hexb("0100000008000000"),
            // compressed with nonsense
            hexb("0100010010000000ffffff7fffffffff"),
            // lambda with a non-string body
            hexb("010000000f0000006400fa01000000"),
            // lambda with bad source
            hexb("010000001000000064000a0002000000287b"),
            // unknown primitive
            hexb("010000000a00000066ee"),
        ];
        for c in cases {
            assert!(decode_message(&c, 1 << 30).is_err(), "{}", hex(&c));
        }
        // deep nesting
        let mut deep = vec![1, 0, 0, 0, 0, 0, 0, 0];
        for _ in 0..10_000 {
            deep.extend_from_slice(&[0, 0, 1, 0, 0, 0]);
        }
        deep.extend_from_slice(&[0xfa, 1, 0, 0, 0]);
        let n = deep.len() as u32;
        deep[4..8].copy_from_slice(&n.to_le_bytes());
        assert!(decode_message(&deep, 1 << 30).is_err());
    }

    fn hexb(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn big_endian_input() {
        // -8!1i written big-endian
        let (_, body) = decode_message(&hexb("000000000000000dfa00000001"), 100).unwrap();
        let Body::Value(v) = body else { panic!() };
        assert_eq!(hex(&encode(&v).unwrap()), "fa01000000");
    }
}
