//! Writing: a q value to kdb+'s serialized form, in either byte order.
//!
//! kdb+ on x86 writes little-endian, and so does borf on the wire; the
//! big-endian form (what classic `c.java` writes) exists so both orders are
//! written by the same code that is tested, not by a test helper.

use qcore::Atom;
use qcore::Attr;
use qcore::Func;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;

use crate::codec::FuncCodec;
use crate::codec::UNARY;

/// Serializes `v` little-endian (the payload only, no header).
pub fn encode(v: &Value, codec: &dyn FuncCodec) -> QResult<Vec<u8>> {
    encode_with(v, true, codec)
}

/// Serializes `v` in the given byte order (the payload only, no header).
pub fn encode_with(v: &Value, little: bool, codec: &dyn FuncCodec) -> QResult<Vec<u8>> {
    let mut out = Vec::new();
    Writer {
        out: &mut out,
        little,
        codec,
    }
    .value(v)?;
    Ok(out)
}

/// Appends the serialized `v` to `out` (used by the framing code).
pub(crate) fn write_into(
    out: &mut Vec<u8>,
    v: &Value,
    little: bool,
    codec: &dyn FuncCodec,
) -> QResult<()> {
    Writer { out, little, codec }.value(v)
}

/// Writes every item of a numeric slice in the writer's byte order; the
/// order is decided once per vector, not per item.
macro_rules! put_all {
    ($w:expr, $items:expr, $width:expr) => {{
        let items = $items;
        $w.out.reserve(items.len() * $width);
        if $w.little {
            items
                .iter()
                .for_each(|x| $w.out.extend_from_slice(&x.to_le_bytes()));
        } else {
            items
                .iter()
                .for_each(|x| $w.out.extend_from_slice(&x.to_be_bytes()));
        }
    }};
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    little: bool,
    codec: &'a dyn FuncCodec,
}

impl Writer<'_> {
    fn i32(&mut self, v: i32) {
        let b = if self.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.out.extend_from_slice(&b);
    }

    /// A count: kdb+ counts are int32 in protocol version 3.
    fn count(&mut self, n: usize) -> QResult<()> {
        let n = i32::try_from(n)
            .map_err(|_| QError::new("limit").with_detail("more than 2^31-1 items in one list"))?;
        self.i32(n);
        Ok(())
    }

    /// A NUL-terminated symbol; NUL bytes inside are dropped (they cannot
    /// be represented).
    fn sym(&mut self, s: Sym) {
        self.name(s.as_str());
    }

    fn name(&mut self, s: &str) {
        self.out.extend(s.bytes().filter(|&b| b != 0));
        self.out.push(0);
    }

    fn atom(&mut self, a: &Atom) {
        self.out.push((-a.ty().code()) as u8);
        match *a {
            Atom::Bool(b) => self.out.push(b as u8),
            Atom::Byte(b) | Atom::Char(b) => self.out.push(b),
            Atom::Guid(g) => self.out.extend_from_slice(&g),
            Atom::Short(v) => put_all!(self, [v], 2),
            Atom::Int(v)
            | Atom::Month(v)
            | Atom::Date(v)
            | Atom::Minute(v)
            | Atom::Second(v)
            | Atom::Time(v) => self.i32(v),
            Atom::Long(v) | Atom::Timestamp(v) | Atom::Timespan(v) => put_all!(self, [v], 8),
            Atom::Real(v) => put_all!(self, [v], 4),
            Atom::Float(v) | Atom::Datetime(v) => put_all!(self, [v], 8),
            // an enumerated atom goes as its symbol, like the vectors
            Atom::Symbol(s) | Atom::Enum(qcore::EnumAtom { sym: s, .. }) => self.sym(s),
        }
    }

    fn vector(&mut self, v: &Vector, attr: Attr) -> QResult<()> {
        self.out.push(v.ty().code() as u8);
        self.out.push(attr.code());
        self.count(v.len())?;
        // the buffer grows by doubling: a vector that makes it grow is
        // checked against the memory budget first (a list holding one big
        // vector many times over is `'wsfull`, not an abort)
        let need = v.len().saturating_mul(v.ty().width().max(1));
        if self.out.capacity() - self.out.len() < need {
            qcore::check_bytes(need.max(self.out.len()))?;
        }
        match v.data() {
            VecData::U8(b) => self.out.extend_from_slice(b),
            VecData::I16(b) => put_all!(self, &b[..], 2),
            VecData::I32(b) => put_all!(self, &b[..], 4),
            VecData::I64(b) => put_all!(self, &b[..], 8),
            VecData::F32(b) => put_all!(self, &b[..], 4),
            VecData::F64(b) => put_all!(self, &b[..], 8),
            VecData::Guid(b) => b.iter().for_each(|g| self.out.extend_from_slice(g)),
            VecData::Sym(b) => b.iter().for_each(|&s| self.sym(s)),
        }
        Ok(())
    }

    fn value(&mut self, v: &Value) -> QResult<()> {
        match v {
            // `::`, the generic null: unary primitive 0
            Value::Nil => self.out.extend_from_slice(&[UNARY, 0]),
            Value::Atom(a) => self.atom(a),
            Value::Vector(vec) => self.vector(vec, vec.attr)?,
            Value::List(items) => {
                self.out.extend_from_slice(&[0, 0]);
                self.count(items.len())?;
                for x in items.iter() {
                    self.value(x)?;
                }
            }
            Value::Dict(d) => {
                // a sorted dictionary is 127 with its keys written `s#`
                self.out.push(if d.sorted { 127 } else { 99 });
                match (&d.keys, d.sorted) {
                    (Value::Vector(k), true) => self.vector(k, Attr::Sorted)?,
                    // a sorted keyed table: its key table is written `s#`
                    (Value::Table(k), true) => self.table(k, true)?,
                    (k, _) => self.value(k)?,
                }
                self.value(&d.values)?;
            }
            // `` `s#t `` sets `p#` on the first column; q writes such a
            // table with the `s#` attribute
            Value::Table(t) => {
                let sorted =
                    matches!(t.columns.first(), Some(Value::Vector(c)) if c.attr == Attr::Parted);
                self.table(t, sorted)?
            }
            Value::Func(f) => self.func(f)?,
        }
        Ok(())
    }

    /// `98`, the attribute (`1` sorted), then the column dictionary: names
    /// as a symbol vector, columns as a general list.
    fn table(&mut self, t: &Table, sorted: bool) -> QResult<()> {
        self.out.extend_from_slice(&[98, sorted as u8, 99]);
        self.vector(&Vector::syms(t.names.clone()), Attr::None)?;
        self.out.extend_from_slice(&[0, 0]);
        self.count(t.columns.len())?;
        for c in &t.columns {
            self.value(c)?;
        }
        Ok(())
    }

    fn func(&mut self, f: &Func) -> QResult<()> {
        match f {
            Func::Builtin(p) => {
                let code = self.codec.prim_to_wire(p).ok_or_else(|| {
                    QError::type_()
                        .with_detail(format!("the builtin {} has no kdb+ IPC encoding", p.name))
                })?;
                self.out.extend_from_slice(&code.bytes());
            }
            Func::Lambda(l) => {
                // context without its leading dot; the root is the empty name
                self.out.push(100);
                let ns = l.namespace.as_str();
                let ctx = if ns == "." {
                    ""
                } else {
                    ns.trim_start_matches('.')
                };
                self.name(ctx);
                self.vector(&Vector::chars(l.source.as_bytes()), Attr::None)?;
            }
            Func::Projection(p) => {
                self.out.push(104);
                self.count(p.args.len() + 1)?;
                self.value(&p.func)?;
                for a in &p.args {
                    match a {
                        Some(v) => self.value(v)?,
                        // an elided argument: kdb+'s "magic" null `101 255`
                        None => self.out.extend_from_slice(&[UNARY, 255]),
                    }
                }
            }
            Func::Composition(parts) => {
                self.out.push(105);
                self.count(parts.len())?;
                for p in parts.iter() {
                    self.value(p)?;
                }
            }
            Func::Derived(d) => {
                // 106..111: the iterator is in the type byte
                self.out.push(f.type_code() as u8);
                self.value(&d.operand)?;
            }
        }
        Ok(())
    }
}
