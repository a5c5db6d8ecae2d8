//! The `.j` namespace: JSON both ways (`.j.j`, `.j.jd`, `.j.k`).
//!
//! Serializing follows q's `.j.j`: booleans are `true`/`false`, numbers
//! print as `string` prints them (so `\P` applies: `.j.j 1%3` is
//! `"0.3333333"`), float infinities are `inf`/`-inf` (`null` under
//! `.j.jd` with `null0w`), symbols, strings, guids, bytes and temporals are
//! JSON strings (dates `"2020-01-02"`, timestamps `"2020-01-02T03:04:05.."`),
//! a dictionary is an object, a table an array of objects with `,\n `
//! between rows, and `::` is `null`.
//!
//! Choices where q's reference is silent: every numeric or temporal null
//! is `null`; integer infinities print their digits; a keyed table is
//! unkeyed first; a dictionary's non-symbol keys are their `string` text;
//! functions are their source as a string.
//!
//! Parsing (`.j.k`): objects are dictionaries with symbol keys, arrays of
//! objects with the same keys are tables, numbers are floats, `null` is
//! `0n`, strings are char vectors, and lists of atoms of one type collapse
//! into vectors. Malformed JSON signals `'illegal`.

use std::fmt::Write as _;
use std::sync::Arc;

use qcore::{Atom, QError, QResult, Sym, Ty, Value, Vector};

use crate::state::Interp;

/// How `.j.j` writes.
#[derive(Clone, Copy)]
pub struct JsonOpts {
    /// Significant digits for floats (`\P`).
    pub precision: usize,
    /// `0w`/`-0w` as `null` (`.j.jd` with `null0w`).
    pub null0w: bool,
}

/// `.j.j x`
pub fn j_j(it: &mut Interp, x: Value) -> QResult<Value> {
    let opts = JsonOpts {
        precision: it.settings.console.precision,
        null0w: false,
    };
    let mut out = String::new();
    write_json(it, &x, opts, &mut out)?;
    Ok(Value::string(&out))
}

/// `.j.jd (x;d)`: `.j.j x`, with `0w`/`-0w` as `null` when ``d`null0w``
/// is `1b`.
pub fn j_jd(it: &mut Interp, x: Value) -> QResult<Value> {
    let items = match &x {
        Value::List(l) if l.len() == 2 => l.as_ref().clone(),
        Value::Vector(v) if v.len() == 2 => x.items(),
        _ => return Err(QError::length()),
    };
    let (x, d) = (items[0].clone(), items[1].clone());
    let null0w = match &d {
        Value::Dict(dd) => {
            let keys = dd.keys.items();
            let vals = dd.values.items();
            keys.iter()
                .position(|k| matches!(k, Value::Atom(Atom::Symbol(s)) if s.as_str() == "null0w"))
                .and_then(|i| vals.get(i).cloned())
                .map(|v| v.truthy())
                .transpose()?
                .unwrap_or(false)
        }
        _ => return Err(QError::type_()),
    };
    let opts = JsonOpts {
        precision: it.settings.console.precision,
        null0w,
    };
    let mut out = String::new();
    write_json(it, &x, opts, &mut out)?;
    Ok(Value::string(&out))
}

/// `.j.k x`: the q value of the JSON text `x`.
pub fn j_k(x: Value) -> QResult<Value> {
    let bytes: Vec<u8> = match &x {
        Value::Vector(v) if v.ty() == Ty::Char => v.as_u8().unwrap_or(&[]).to_vec(),
        Value::Atom(Atom::Char(c)) => vec![*c],
        _ => return Err(QError::type_()),
    };
    parse_json(&bytes)
}

/// The JSON of `x` appended to `out`.
pub fn write_json(it: &mut Interp, x: &Value, o: JsonOpts, out: &mut String) -> QResult<()> {
    it.tick()?;
    match x {
        Value::Nil => out.push_str("null"),
        Value::Atom(a) => atom_json(a, o, out),
        Value::Vector(v) => {
            if v.ty() == Ty::Char {
                quote(v.as_u8().unwrap_or(&[]), out);
            } else {
                out.push('[');
                for i in 0..v.len() {
                    if i > 0 {
                        out.push(',');
                    }
                    if i & 4095 == 4095 {
                        it.tick()?;
                    }
                    atom_json(&v.get(i), o, out);
                }
                out.push(']');
            }
        }
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(it, item, o, out)?;
            }
            out.push(']');
        }
        Value::Dict(d) => {
            if let (Value::Table(_), Value::Table(_)) = (&d.keys, &d.values) {
                let t = unkey(x).ok_or_else(QError::type_)?;
                return write_json(it, &t, o, out);
            }
            let keys = d.keys.items();
            let vals = d.values.items_of_list().unwrap_or_default();
            out.push('{');
            for (i, (k, v)) in keys.iter().zip(vals.iter()).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                key_json(k, o, out);
                out.push(':');
                write_json(it, v, o, out)?;
            }
            out.push('}');
        }
        Value::Table(t) => {
            out.push('[');
            let names: Vec<String> = t
                .names
                .iter()
                .map(|n| {
                    let mut s = String::new();
                    quote(n.as_str().as_bytes(), &mut s);
                    s
                })
                .collect();
            for r in 0..t.len() {
                if r > 0 {
                    out.push_str(",\n ");
                }
                if r & 1023 == 1023 {
                    it.tick()?;
                }
                out.push('{');
                for (c, col) in t.columns.iter().enumerate() {
                    if c > 0 {
                        out.push(',');
                    }
                    out.push_str(&names[c]);
                    out.push(':');
                    match col {
                        Value::Vector(v) => atom_json(&v.get(r), o, out),
                        other => write_json(it, &other.item(r).unwrap_or(Value::Nil), o, out)?,
                    }
                }
                out.push('}');
            }
            out.push(']');
        }
        Value::Func(f) => quote(crate::display::func_text(f).as_bytes(), out),
    }
    Ok(())
}

/// A keyed table as a plain table (`0!`).
pub fn unkey(x: &Value) -> Option<Value> {
    if let Value::Dict(d) = x
        && let (Value::Table(k), Value::Table(v)) = (&d.keys, &d.values)
    {
        let mut names = k.names.clone();
        names.extend(v.names.iter().copied());
        let mut cols = k.columns.clone();
        cols.extend(v.columns.iter().cloned());
        return Some(Value::Table(Arc::new(qcore::Table {
            names,
            columns: cols,
        })));
    }
    None
}

fn key_json(k: &Value, o: JsonOpts, out: &mut String) {
    match k {
        Value::Atom(Atom::Symbol(s)) => quote(s.as_str().as_bytes(), out),
        Value::Atom(a) => quote(crate::display::atom_text(a, o.precision).as_bytes(), out),
        Value::Vector(v) if v.ty() == Ty::Char => quote(v.as_u8().unwrap_or(&[]), out),
        other => quote(crate::display::one_line(other, o.precision).as_bytes(), out),
    }
}

/// One atom as JSON.
pub fn atom_json(a: &Atom, o: JsonOpts, out: &mut String) {
    match *a {
        Atom::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Atom::Char(c) => quote(&[c], out),
        Atom::Symbol(s) => quote(s.as_str().as_bytes(), out),
        Atom::Byte(_) | Atom::Guid(_) => {
            quote(crate::display::atom_text(a, o.precision).as_bytes(), out)
        }
        Atom::Real(x) => float_json(x as f64, o, out, || {
            crate::display::atom_text(a, o.precision)
        }),
        Atom::Float(x) => float_json(x, o, out, || crate::display::format_float(x, o.precision)),
        Atom::Short(_) | Atom::Int(_) | Atom::Long(_) => {
            if a.is_null() {
                out.push_str("null");
            } else {
                let _ = write!(out, "{}", a.to_i64().unwrap_or(0));
            }
        }
        _ => {
            // temporals
            if a.is_null() {
                out.push_str("null");
                return;
            }
            let mut t = crate::display::atom_text(a, o.precision).into_bytes();
            match a {
                Atom::Date(_) | Atom::Month(_) | Atom::Timestamp(_) | Atom::Datetime(_) => {
                    for c in t.iter_mut().take(8) {
                        if *c == b'.' {
                            *c = b'-';
                        }
                    }
                    if let Atom::Timestamp(_) = a
                        && let Some(p) = t.iter().position(|&c| c == b'D')
                    {
                        t[p] = b'T';
                    }
                }
                _ => {}
            }
            quote(&t, out);
        }
    }
}

fn float_json(x: f64, o: JsonOpts, out: &mut String, text: impl FnOnce() -> String) {
    if x.is_nan() {
        out.push_str("null");
    } else if x.is_infinite() {
        out.push_str(match (o.null0w, x > 0.0) {
            (true, _) => "null",
            (false, true) => "inf",
            (false, false) => "-inf",
        });
    } else {
        out.push_str(&text());
    }
}

/// `s` as a JSON string literal.
pub fn quote(s: &[u8], out: &mut String) {
    out.push('"');
    let mut run = 0;
    let flush = |out: &mut String, from: usize, to: usize| {
        out.push_str(&String::from_utf8_lossy(&s[from..to]));
    };
    for (i, &c) in s.iter().enumerate() {
        let esc: Option<&str> = match c {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\t' => Some("\\t"),
            b'\r' => Some("\\r"),
            8 => Some("\\b"),
            12 => Some("\\f"),
            _ => None,
        };
        if let Some(e) = esc {
            flush(out, run, i);
            out.push_str(e);
            run = i + 1;
        } else if c < 0x20 {
            flush(out, run, i);
            let _ = write!(out, "\\u{:04x}", c);
            run = i + 1;
        }
    }
    flush(out, run, s.len());
    out.push('"');
}

// ---------------------------------------------------------------------------
// parsing
// ---------------------------------------------------------------------------

/// Nesting deeper than this is `'illegal` (hostile input must not
/// overflow the stack).
const MAX_DEPTH: usize = 512;

/// Parses JSON text into a q value.
pub fn parse_json(s: &[u8]) -> QResult<Value> {
    let mut p = Parser { s, i: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != s.len() {
        return Err(p.err());
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self) -> QError {
        QError::new("illegal").with_detail(format!("malformed JSON at byte {}", self.i))
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> QResult<()> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err())
        }
    }

    fn value(&mut self, depth: usize) -> QResult<Value> {
        if depth > MAX_DEPTH {
            return Err(self.err());
        }
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Value::Vector(Vector::chars(&self.string()?))),
            Some(b't') => self.word("true", Value::bool(true)),
            Some(b'f') => self.word("false", Value::bool(false)),
            Some(b'n') => self.word("null", Value::float(f64::NAN)),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number(),
            _ => Err(self.err()),
        }
    }

    fn word(&mut self, w: &str, v: Value) -> QResult<Value> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(self.err())
        }
    }

    fn number(&mut self) -> QResult<Value> {
        let start = self.i;
        while self.i < self.s.len()
            && matches!(
                self.s[self.i],
                b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
            )
        {
            self.i += 1;
        }
        let t = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err())?;
        t.parse::<f64>().map(Value::float).map_err(|_| {
            QError::new("illegal").with_detail(format!("malformed JSON number at byte {start}"))
        })
    }

    fn hex4(&mut self) -> QResult<u32> {
        let h = self.s.get(self.i..self.i + 4).ok_or_else(|| self.err())?;
        let t = std::str::from_utf8(h).map_err(|_| self.err())?;
        let v = u32::from_str_radix(t, 16).map_err(|_| self.err())?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> QResult<Vec<u8>> {
        self.i += 1; // opening quote
        let mut out = Vec::new();
        loop {
            let c = self.peek().ok_or_else(|| self.err())?;
            self.i += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => {
                    let e = self.peek().ok_or_else(|| self.err())?;
                    self.i += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                }
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(self.err()),
                    }
                }
                _ => out.push(c),
            }
        }
    }

    fn object(&mut self, depth: usize) -> QResult<Value> {
        self.i += 1;
        let mut keys = Vec::new();
        let mut vals = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::dict(Value::list(vec![]), Value::list(vec![])));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err());
            }
            let k = self.string()?;
            keys.push(Sym::new(&String::from_utf8_lossy(&k)));
            self.eat(b':')?;
            vals.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                _ => return Err(self.err()),
            }
        }
        Ok(Value::dict(
            Value::Vector(Vector::syms(keys)),
            Value::from_items(vals),
        ))
    }

    fn array(&mut self, depth: usize) -> QResult<Value> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::list(vec![]));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    break;
                }
                _ => return Err(self.err()),
            }
        }
        Ok(records(items))
    }
}

/// A list of dictionaries with the same symbol keys is a table (as q's
/// `.j.k` makes it); anything else is the list, collapsed when its items
/// are atoms of one type.
fn records(items: Vec<Value>) -> Value {
    let first_keys = match items.first() {
        Some(Value::Dict(d)) => match &d.keys {
            Value::Vector(k) if k.ty() == Ty::Symbol && !k.is_empty() => k.clone(),
            _ => return Value::from_items(items),
        },
        _ => return Value::from_items(items),
    };
    let same = items.iter().all(|v| match v {
        Value::Dict(d) => matches!(&d.keys, Value::Vector(k) if *k == first_keys),
        _ => false,
    });
    if !same {
        return Value::from_items(items);
    }
    let names: Vec<Sym> = first_keys.as_sym().unwrap_or(&[]).to_vec();
    let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(items.len()); names.len()];
    for v in &items {
        if let Value::Dict(d) = v {
            for (c, x) in d.values.items().into_iter().enumerate() {
                if let Some(col) = cols.get_mut(c) {
                    col.push(x);
                }
            }
        }
    }
    Value::table(names, cols.into_iter().map(Value::from_items).collect())
}
