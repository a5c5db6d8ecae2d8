//! `0:`, File Text: prepare text (`d 0: t`), save text (`` `:f 0: lines ``),
//! load CSV (`(types;delim) 0: y`, with or without a header), load fixed
//! width (`(types;widths) 0: y`) and key-value text (`"S=;" 0: s`).
//!
//! The field parsers at the top work on byte slices and are exact: a
//! float field is rounded once (as q's reader does), dates and times are
//! parsed without building strings, and a run of rows with the same date
//! text reuses its day number.

use crate::builtins::io::handle::file_sym;
use crate::builtins::io::handle::long_of;
use crate::builtins::io::handle::read_all;
use crate::builtins::io::handle::split_lines;
use crate::builtins::io::handle::str_bytes;
use crate::builtins::io::handle::string_value;
use crate::builtins::io::handle::write_all;
use crate::ops::cast::parse_atom;
use crate::state::Interp;
use qcore::Atom;
use qcore::Guid;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qcore::calendar::NS_PER_DAY;
use qcore::calendar::days_from_civil;
use qcore::calendar::valid_civil;
use std::borrow::Cow;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// Field parsing (from byte slices)

pub(crate) const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `[-]digits` with at most 18 digits.
#[inline]
pub(crate) fn fast_i64(b: &[u8]) -> Option<i64> {
    let (neg, d) = match b.split_first() {
        Some((b'-', r)) => (true, r),
        _ => (false, b),
    };
    if d.is_empty() || d.len() > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in d {
        let x = c.wrapping_sub(b'0');
        if x > 9 {
            return None;
        }
        v = v * 10 + x as i64;
    }
    Some(if neg { -v } else { v })
}

/// `[-]digits[.digits]` with at most 18 digits in all, exactly rounded
/// (both the digits and the power of ten are exact doubles, one division).
#[inline]
pub(crate) fn fast_f64(b: &[u8]) -> Option<f64> {
    let (neg, d) = match b.split_first() {
        Some((b'-', r)) => (true, r),
        _ => (false, b),
    };
    let mut m: u64 = 0;
    let mut digits = 0usize;
    let mut frac: Option<usize> = None;
    for &c in d {
        if c == b'.' {
            if frac.is_some() {
                return None;
            }
            frac = Some(digits);
            continue;
        }
        let x = c.wrapping_sub(b'0');
        if x > 9 {
            return None;
        }
        m = m * 10 + x as u64;
        digits += 1;
        if digits > 18 {
            return None;
        }
    }
    if digits == 0 || m >= 1 << 53 {
        return None;
    }
    let scale = digits - frac.unwrap_or(digits);
    let v = m as f64 / POW10[scale];
    Some(if neg { -v } else { v })
}

#[inline]
pub(crate) fn dig2(b: &[u8]) -> Option<u32> {
    let (a, c) = (b[0].wrapping_sub(b'0'), b[1].wrapping_sub(b'0'));
    (a <= 9 && c <= 9).then(|| (a * 10 + c) as u32)
}

/// `yyyy?mm?dd` (10 bytes): days since 2000.01.01.
#[inline]
pub(crate) fn fast_date(b: &[u8]) -> Option<i32> {
    if b.len() != 10 || b[4] != b[7] || !matches!(b[4], b'.' | b'-' | b'/') {
        return None;
    }
    let y = dig2(&b[0..2])? * 100 + dig2(&b[2..4])?;
    let (m, d) = (dig2(&b[5..7])?, dig2(&b[8..10])?);
    if !valid_civil(y as i64, m, d) {
        return None;
    }
    Some(days_from_civil(y as i64, m, d) as i32)
}

/// `hh:mm:ss[.f*]` as nanoseconds.
#[inline]
pub(crate) fn fast_tod(b: &[u8]) -> Option<i64> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (dig2(&b[0..2])?, dig2(&b[3..5])?, dig2(&b[6..8])?);
    if m >= 60 || s >= 60 {
        return None;
    }
    let mut ns = (h as i64 * 3600 + m as i64 * 60 + s as i64) * 1_000_000_000;
    if b.len() > 8 {
        let f = &b[9..];
        if b[8] != b'.' || f.is_empty() || f.len() > 9 {
            return None;
        }
        let mut v: i64 = 0;
        for &c in f {
            let x = c.wrapping_sub(b'0');
            if x > 9 {
                return None;
            }
            v = v * 10 + x as i64;
        }
        ns += v * 10i64.pow((9 - f.len()) as u32);
    }
    Some(ns)
}

/// `yyyy?mm?dd[DT ]hh:mm:ss[.f*]` as nanoseconds since 2000; `last` and
/// `day` remember the previous date text and its day number.
#[inline]
pub(crate) fn fast_timestamp(b: &[u8], last: &mut [u8; 10], day: &mut i64) -> Option<i64> {
    if b.len() < 19 || !matches!(b[10], b'D' | b'T' | b' ') {
        return None;
    }
    if *day == i64::MIN || b[..10] != last[..] {
        *day = fast_date(&b[..10])? as i64;
        last.copy_from_slice(&b[..10]);
    }
    Some(*day * NS_PER_DAY + fast_tod(&b[11..])?)
}

pub(crate) fn trim(b: &[u8]) -> &[u8] {
    let s = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
    let e = b.iter().rposition(|&c| c != b' ').map_or(s, |i| i + 1);
    &b[s..e]
}

/// The slow path: q's own parse of the text (`"T"$"..."`).
pub(crate) fn slow_atom(t: Ty, b: &[u8], dmy: bool) -> Atom {
    parse_atom(t, &String::from_utf8_lossy(b), dmy)
}

/// What a column type char asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ColTy {
    Skip,
    Str,
    T(Ty),
}

pub(crate) fn col_ty(c: u8) -> QResult<ColTy> {
    Ok(match c {
        b' ' => ColTy::Skip,
        b'*' => ColTy::Str,
        b'B' => ColTy::T(Ty::Bool),
        b'G' => ColTy::T(Ty::Guid),
        b'X' => ColTy::T(Ty::Byte),
        b'H' => ColTy::T(Ty::Short),
        b'I' => ColTy::T(Ty::Int),
        b'J' => ColTy::T(Ty::Long),
        b'E' => ColTy::T(Ty::Real),
        b'F' => ColTy::T(Ty::Float),
        b'C' => ColTy::T(Ty::Char),
        b'S' => ColTy::T(Ty::Symbol),
        b'P' => ColTy::T(Ty::Timestamp),
        b'M' => ColTy::T(Ty::Month),
        b'D' => ColTy::T(Ty::Date),
        b'Z' => ColTy::T(Ty::Datetime),
        b'N' => ColTy::T(Ty::Timespan),
        b'U' => ColTy::T(Ty::Minute),
        b'V' => ColTy::T(Ty::Second),
        b'T' => ColTy::T(Ty::Time),
        _ => {
            return Err(QError::type_().with_detail(format!(
                "unknown column type {:?} (use upper-case type chars, space or *)",
                c as char
            )));
        }
    })
}

pub(crate) type SymMap = hashbrown::HashMap<Box<[u8]>, Sym, foldhash::fast::FixedState>;

/// One column being built from text fields.
pub(crate) enum Builder {
    Skip,
    Str(Vec<Value>),
    U8(Ty, Vec<u8>),
    I16(Vec<i16>),
    I32(Ty, Vec<i32>),
    /// Long, timestamp, timespan; the last date text and its day number
    /// (timestamps in a file mostly share their date).
    I64(Ty, Vec<i64>, [u8; 10], i64),
    F32(Vec<f32>),
    F64(Ty, Vec<f64>),
    Guid(Vec<Guid>),
    Sym(Vec<Sym>, SymMap),
}

impl Builder {
    pub(crate) fn new(c: ColTy, cap: usize) -> Builder {
        match c {
            ColTy::Skip => Builder::Skip,
            ColTy::Str => Builder::Str(Vec::with_capacity(cap)),
            ColTy::T(t) => match t {
                Ty::Bool | Ty::Byte | Ty::Char => Builder::U8(t, Vec::with_capacity(cap)),
                Ty::Short => Builder::I16(Vec::with_capacity(cap)),
                Ty::Int | Ty::Month | Ty::Date | Ty::Minute | Ty::Second | Ty::Time => {
                    Builder::I32(t, Vec::with_capacity(cap))
                }
                Ty::Long | Ty::Timestamp | Ty::Timespan => {
                    Builder::I64(t, Vec::with_capacity(cap), [0; 10], i64::MIN)
                }
                Ty::Real => Builder::F32(Vec::with_capacity(cap)),
                Ty::Float | Ty::Datetime => Builder::F64(t, Vec::with_capacity(cap)),
                Ty::Guid => Builder::Guid(Vec::with_capacity(cap)),
                Ty::Symbol => Builder::Sym(Vec::with_capacity(cap), SymMap::default()),
            },
        }
    }

    /// Appends the value of one field (its text, quotes already removed).
    #[inline]
    /// `dmy`: the `\z` date order for dates the fast path does not read.
    pub(crate) fn push(&mut self, f: &[u8], dmy: bool) {
        match self {
            Builder::Skip => {}
            Builder::Str(v) => v.push(string_value(f)),
            Builder::Sym(v, m) => {
                let s = match m.get(f) {
                    Some(&s) => s,
                    None => {
                        let s = Sym::new(&String::from_utf8_lossy(f));
                        m.insert(f.into(), s);
                        s
                    }
                };
                v.push(s);
            }
            Builder::I64(t, v, last, day) => {
                let x = match t {
                    Ty::Long => fast_i64(f),
                    Ty::Timestamp => fast_timestamp(f, last, day),
                    _ => None,
                };
                v.push(x.unwrap_or_else(|| match slow_atom(*t, f, dmy) {
                    Atom::Long(x) | Atom::Timestamp(x) | Atom::Timespan(x) => x,
                    _ => i64::MIN,
                }));
            }
            Builder::F64(t, v) => {
                let x = if *t == Ty::Float { fast_f64(f) } else { None };
                v.push(x.unwrap_or_else(|| match slow_atom(*t, f, dmy) {
                    Atom::Float(x) | Atom::Datetime(x) => x,
                    _ => f64::NAN,
                }));
            }
            Builder::I32(t, v) => {
                let x = match t {
                    Ty::Int => fast_i64(f)
                        .filter(|x| *x > i32::MIN as i64 && *x <= i32::MAX as i64)
                        .map(|x| x as i32),
                    Ty::Date => fast_date(f),
                    _ => None,
                };
                v.push(x.unwrap_or_else(|| match slow_atom(*t, f, dmy) {
                    Atom::Int(x)
                    | Atom::Month(x)
                    | Atom::Date(x)
                    | Atom::Minute(x)
                    | Atom::Second(x)
                    | Atom::Time(x) => x,
                    _ => i32::MIN,
                }));
            }
            Builder::I16(v) => v.push(match slow_atom(Ty::Short, f, dmy) {
                Atom::Short(x) => x,
                _ => i16::MIN,
            }),
            Builder::F32(v) => v.push(match fast_f64(f) {
                Some(x) => x as f32,
                None => match slow_atom(Ty::Real, f, dmy) {
                    Atom::Real(x) => x,
                    _ => f32::NAN,
                },
            }),
            Builder::U8(t, v) => v.push(match t {
                Ty::Char => f.first().copied().unwrap_or(b' '),
                _ => match slow_atom(*t, f, dmy) {
                    Atom::Bool(b) => b as u8,
                    Atom::Byte(b) => b,
                    _ => 0,
                },
            }),
            Builder::Guid(v) => v.push(match slow_atom(Ty::Guid, f, dmy) {
                Atom::Guid(g) => g,
                _ => [0; 16],
            }),
        }
    }

    pub(crate) fn is_skip(&self) -> bool {
        matches!(self, Builder::Skip)
    }

    pub(crate) fn finish(self) -> Option<Value> {
        Some(match self {
            Builder::Skip => return None,
            Builder::Str(v) => Value::list(v),
            Builder::Sym(v, _) => Value::Vector(Vector::syms(v)),
            Builder::U8(t, v) => Value::Vector(Vector::from_u8(t, v)),
            Builder::I16(v) => Value::Vector(Vector::from_i16(v)),
            Builder::I32(t, v) => Value::Vector(Vector::from_i32(t, v)),
            Builder::I64(t, v, ..) => Value::Vector(Vector::from_i64(t, v)),
            Builder::F32(v) => Value::Vector(Vector::from_f32(v)),
            Builder::F64(t, v) => Value::Vector(Vector::from_f64(t, v)),
            Builder::Guid(v) => Value::Vector(Vector::guids(v)),
        })
    }
}

// ---------------------------------------------------------------------------
// Delimited records

/// Reads one field starting at `pos`: its text (quotes removed, doubled
/// quotes undoubled into `scratch`), and the position of its terminator
/// (the delimiter, `\n`, or the end).
#[inline]
pub(crate) fn next_field<'a>(
    b: &'a [u8],
    mut pos: usize,
    delim: u8,
    multiline: bool,
    scratch: &'a mut Vec<u8>,
) -> (&'a [u8], usize) {
    let n = b.len();
    if pos < n && b[pos] == b'"' {
        pos += 1;
        let start = pos;
        let mut escaped = false;
        let mut end = None;
        while pos < n {
            match b[pos] {
                b'"' if pos + 1 < n && b[pos + 1] == b'"' => {
                    escaped = true;
                    pos += 2;
                }
                b'"' => {
                    end = Some(pos);
                    pos += 1;
                    break;
                }
                b'\n' if !multiline => break,
                _ => pos += 1,
            }
        }
        let close = end.unwrap_or(pos);
        // anything between the closing quote and the terminator is ignored
        while pos < n && b[pos] != delim && b[pos] != b'\n' {
            pos += 1;
        }
        let raw = &b[start..close];
        if escaped {
            scratch.clear();
            let mut i = 0;
            while i < raw.len() {
                scratch.push(raw[i]);
                i += if raw[i] == b'"' && raw.get(i + 1) == Some(&b'"') {
                    2
                } else {
                    1
                };
            }
            return (&scratch[..], pos);
        }
        return (raw, pos);
    }
    let start = pos;
    while pos < n {
        let c = b[pos];
        if c == delim || c == b'\n' {
            break;
        }
        pos += 1;
    }
    let mut f = &b[start..pos];
    if (pos == n || b[pos] == b'\n')
        && let Some(x) = f.strip_suffix(b"\r")
    {
        f = x;
    }
    (f, pos)
}

/// Parses the records of `b` into `cols` (one builder per type char);
/// fields past the last type are ignored, missing fields are nulls.
pub(crate) fn parse_delimited(
    it: &mut Interp,
    b: &[u8],
    start: usize,
    delim: u8,
    multiline: bool,
    cols: &mut [Builder],
) -> QResult<()> {
    let mut pos = start;
    let n = b.len();
    let ncol = cols.len();
    let mut scratch = Vec::new();
    let mut rows = 0usize;
    while pos < n {
        let mut fi = 0;
        loop {
            let (f, end) = next_field(b, pos, delim, multiline, &mut scratch);
            if let Some(c) = cols.get_mut(fi) {
                c.push(f, it.settings.date_dmy);
            }
            fi += 1;
            pos = end + 1;
            if end >= n || b[end] == b'\n' {
                break;
            }
        }
        for c in cols.iter_mut().take(ncol).skip(fi) {
            c.push(b"", it.settings.date_dmy);
        }
        rows += 1;
        if rows & 1023 == 0 {
            it.tick()?;
        }
    }
    Ok(())
}

/// The fields of one record (for a header line).
pub(crate) fn record_fields(b: &[u8], delim: u8) -> (Vec<Vec<u8>>, usize) {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut scratch = Vec::new();
    loop {
        let (f, end) = next_field(b, pos, delim, false, &mut scratch);
        out.push(f.to_vec());
        pos = end + 1;
        if end >= b.len() || b[end] == b'\n' {
            return (out, pos.min(b.len()));
        }
    }
}

pub(crate) fn col_tys(types: &Value) -> QResult<Vec<ColTy>> {
    let b: Vec<u8> = match types {
        Value::Atom(Atom::Char(c)) => vec![*c],
        Value::Vector(v) if v.ty() == Ty::Char => v.as_u8().unwrap_or(&[]).to_vec(),
        _ => return Err(QError::type_()),
    };
    b.into_iter().map(col_ty).collect()
}

/// The text `0:` reads: a file's bytes, or strings joined by newlines.
pub(crate) fn text_source(y: &Value) -> QResult<Cow<'_, [u8]>> {
    if let Some((_, p)) = file_sym(y)? {
        return Ok(Cow::Owned(read_all(&p)?));
    }
    if let Some(s) = str_bytes(y) {
        return Ok(Cow::Borrowed(s));
    }
    match y {
        Value::List(l) => {
            let mut out = Vec::new();
            for s in l.iter() {
                match s {
                    Value::Vector(v) if v.ty() == Ty::Char => {
                        out.extend_from_slice(v.as_u8().unwrap_or(&[]))
                    }
                    Value::Atom(Atom::Char(c)) => out.push(*c),
                    _ => return Err(QError::type_()),
                }
                out.push(b'\n');
            }
            Ok(Cow::Owned(out))
        }
        Value::Vector(v) if v.is_empty() => Ok(Cow::Owned(Vec::new())),
        _ => Err(QError::type_()),
    }
}

/// Load CSV: `(types;delim[;flag]) 0: y`.
pub(crate) fn load_csv(
    it: &mut Interp,
    tys: Vec<ColTy>,
    delim: u8,
    header: bool,
    multiline: bool,
    y: &Value,
) -> QResult<Value> {
    // A string with an atom delimiter is one record: a list of atoms.
    if !header && let Some(s) = str_bytes(y) {
        let mut cols: Vec<Builder> = tys.iter().map(|&t| Builder::new(t, 1)).collect();
        parse_delimited(it, s, 0, delim, multiline, &mut cols)?;
        let mut out = Vec::new();
        for c in cols.into_iter().filter_map(Builder::finish) {
            out.push(c.item(0).unwrap_or(Value::Nil));
        }
        return Ok(Value::from_items(out));
    }
    let b = text_source(y)?;
    let (names, start) = if header {
        let (f, s) = record_fields(&b, delim);
        (Some(f), s)
    } else {
        (None, 0)
    };
    // rows estimate for the builders' capacity, from the first 64 kB
    let body = &b[start.min(b.len())..];
    let sample = &body[..body.len().min(1 << 16)];
    let lines = sample.iter().filter(|&&c| c == b'\n').count().max(1);
    let est = (body.len() / (sample.len() / lines).max(1)) * 11 / 10 + 16;
    let mut cols: Vec<Builder> = tys.iter().map(|&t| Builder::new(t, est)).collect();
    parse_delimited(it, &b, start, delim, multiline, &mut cols)?;
    let Some(names) = names else {
        return Ok(Value::list(
            cols.into_iter().filter_map(Builder::finish).collect(),
        ));
    };
    let mut tnames = Vec::new();
    let mut tcols = Vec::new();
    for (i, c) in cols.into_iter().enumerate() {
        if c.is_skip() {
            continue;
        }
        let name = names.get(i).ok_or_else(|| {
            QError::length().with_detail("the header names fewer columns than the types")
        })?;
        tnames.push(Sym::new(&String::from_utf8_lossy(name)));
        tcols.extend(c.finish());
    }
    Ok(Value::Table(Arc::new(Table {
        names: tnames,
        columns: tcols,
    })))
}

/// Load Fixed: `(types;widths) 0: y`.
pub(crate) fn load_fixed(
    it: &mut Interp,
    tys: Vec<ColTy>,
    widths: &[i64],
    y: &Value,
) -> QResult<Value> {
    if widths.len() != tys.len() {
        return Err(QError::length());
    }
    if widths.iter().any(|&w| w < 0) {
        return Err(QError::domain());
    }
    let b = text_source(y)?;
    let reclen: usize = widths.iter().map(|&w| w as usize).sum();
    let recs: Vec<&[u8]> = if b.contains(&b'\n') || reclen == 0 {
        split_lines(&b)
    } else {
        b.chunks(reclen).filter(|c| c.len() == reclen).collect()
    };
    let mut cols: Vec<Builder> = tys.iter().map(|&t| Builder::new(t, recs.len())).collect();
    for r in recs {
        let mut o = 0usize;
        for (c, &w) in cols.iter_mut().zip(widths) {
            let w = w as usize;
            let f = r.get(o.min(r.len())..(o + w).min(r.len())).unwrap_or(&[]);
            o += w;
            if !c.is_skip() {
                c.push(trim(f), it.settings.date_dmy);
            }
        }
        it.tick()?;
    }
    Ok(Value::list(
        cols.into_iter().filter_map(Builder::finish).collect(),
    ))
}

/// Key-Value Pairs: `"S=;" 0: "a=1;b=2"`.
pub(crate) fn key_value(x: &[u8], y: &[u8], dmy: bool) -> QResult<Value> {
    let (kt, fsep, quoted, rsep) = match x {
        [k, f, r] => (*k, *f, false, *r),
        [k, f, b'*', r] => (*k, *f, true, *r),
        _ => return Err(QError::length()),
    };
    let kty = match kt {
        b'S' => Ty::Symbol,
        b'I' => Ty::Int,
        b'J' => Ty::Long,
        _ => return Err(QError::type_()),
    };
    let mut keys = Vec::new();
    let mut vals = Vec::new();
    let mut pos = 0;
    let n = y.len();
    while pos < n {
        let ks = pos;
        while pos < n && y[pos] != fsep && y[pos] != rsep {
            pos += 1;
        }
        let key = &y[ks..pos];
        let mut val: Vec<u8> = Vec::new();
        if pos < n && y[pos] == fsep {
            pos += 1;
            if quoted && pos < n && y[pos] == b'"' {
                pos += 1;
                while pos < n && y[pos] != b'"' {
                    val.push(y[pos]);
                    pos += 1;
                }
                pos += 1;
                while pos < n && y[pos] != rsep {
                    pos += 1;
                }
            } else {
                let vs = pos;
                while pos < n && y[pos] != rsep {
                    pos += 1;
                }
                val.extend_from_slice(&y[vs..pos]);
            }
        }
        pos += 1;
        if key.is_empty() && val.is_empty() {
            continue;
        }
        keys.push(slow_atom(kty, key, dmy));
        vals.push(string_value(&val));
    }
    let keys = Vector::from_atoms(kty, &keys).unwrap_or_else(|| Vector::empty(kty));
    Ok(Value::list(vec![Value::Vector(keys), Value::list(vals)]))
}

// ---------------------------------------------------------------------------
// Prepare Text

/// The text of one cell: `string`, with ISO 8601 dates (`2022-03-14`), and
/// nulls as empty fields.
pub(crate) fn cell_text(a: &Atom, precision: usize) -> String {
    if a.is_null() && !matches!(a, Atom::Char(_) | Atom::Symbol(_)) {
        return String::new();
    }
    let mut s = crate::display::atom_text(a, precision);
    let iso = match a {
        Atom::Date(_) | Atom::Timestamp(_) | Atom::Datetime(_) => 10,
        Atom::Month(_) => 7,
        _ => 0,
    };
    if iso > 0 {
        let neg = usize::from(s.starts_with('-'));
        s = s
            .char_indices()
            .map(|(i, c)| if c == '.' && i < iso + neg { '-' } else { c })
            .collect();
        if let Some(x) = s.strip_suffix('m') {
            s = x.to_string();
        }
    }
    s
}

/// Appends `cell` to `line`, quoted when it holds the delimiter or a
/// newline (embedded quotes doubled).
pub(crate) fn push_cell(line: &mut Vec<u8>, cell: &[u8], delim: u8) {
    if cell.iter().any(|&c| c == delim || c == b'\n') {
        line.push(b'"');
        for &c in cell {
            if c == b'"' {
                line.push(b'"');
            }
            line.push(c);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(cell);
    }
}

/// One column's cells as text.
pub(crate) fn column_cells(c: &Value, precision: usize) -> QResult<Vec<Vec<u8>>> {
    match c {
        Value::Vector(v) if v.ty() == Ty::Char => {
            Ok(v.as_u8().unwrap_or(&[]).iter().map(|&b| vec![b]).collect())
        }
        Value::Vector(v) if v.ty() == Ty::Symbol => Ok(v
            .as_sym()
            .unwrap_or(&[])
            .iter()
            .map(|s| s.as_str().as_bytes().to_vec())
            .collect()),
        Value::Vector(v) => Ok((0..v.len())
            .map(|i| cell_text(&v.get(i), precision).into_bytes())
            .collect()),
        Value::List(l) => l
            .iter()
            .map(|s| str_bytes(s).map(<[u8]>::to_vec).ok_or_else(QError::type_))
            .collect(),
        _ => Err(QError::type_()),
    }
}

/// Prepare Text: `delim 0: t` (a header line, then rows), or
/// `delim 0: (col;col..)` (rows only).
pub(crate) fn prepare_text(it: &mut Interp, delim: u8, y: &Value) -> QResult<Vec<Vec<u8>>> {
    let p = it.settings.console.precision;
    let (names, cols): (Option<Vec<Sym>>, Vec<Value>) =
        if let Some(t) = crate::builtins::table::unkeyed(y) {
            (Some(t.names.clone()), t.columns.clone())
        } else {
            match y {
                Value::List(l) => (None, l.as_ref().clone()),
                _ => return Err(QError::type_()),
            }
        };
    let cells: Vec<Vec<Vec<u8>>> = cols
        .iter()
        .map(|c| column_cells(c, p))
        .collect::<QResult<_>>()?;
    let n = cells.first().map_or(0, Vec::len);
    if cells.iter().any(|c| c.len() != n) {
        return Err(QError::length());
    }
    let mut out = Vec::with_capacity(n + 1);
    if let Some(names) = names {
        let mut line = Vec::new();
        for (i, s) in names.iter().enumerate() {
            if i > 0 {
                line.push(delim);
            }
            push_cell(&mut line, s.as_str().as_bytes(), delim);
        }
        out.push(line);
    }
    for r in 0..n {
        let mut line = Vec::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                line.push(delim);
            }
            push_cell(&mut line, &c[r], delim);
        }
        out.push(line);
        if r & 1023 == 1023 {
            it.tick()?;
        }
    }
    Ok(out)
}

/// The lines of a list of strings (Save Text's right argument).
pub(crate) fn string_lines(y: &Value) -> QResult<Vec<u8>> {
    let mut out = Vec::new();
    match y {
        Value::List(l) => {
            for s in l.iter() {
                match s {
                    Value::Vector(v) if v.ty() == Ty::Char => {
                        out.extend_from_slice(v.as_u8().unwrap_or(&[]))
                    }
                    Value::Atom(Atom::Char(c)) => out.push(*c),
                    _ => return Err(QError::type_()),
                }
                out.push(b'\n');
            }
        }
        Value::Vector(v) if v.ty() == Ty::Char => {
            out.extend_from_slice(v.as_u8().unwrap_or(&[]));
            out.push(b'\n');
        }
        Value::Vector(v) if v.is_empty() => {}
        _ => return Err(QError::type_()),
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// 0:

/// `0:` has no monadic form.
pub fn text1(_: Value) -> QResult<Value> {
    Err(QError::rank())
}

/// `x 0: y`: File Text (Prepare Text, Save Text, Load CSV, Load Fixed,
/// Key-Value Pairs) by the form of `x`.
pub fn text2(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    if let Some((s, p)) = file_sym(&x)? {
        write_all(&p, &string_lines(&y)?)?;
        return Ok(Value::Atom(Atom::Symbol(s)));
    }
    match &x {
        Value::Atom(Atom::Char(d)) => {
            let lines = prepare_text(it, *d, &y)?;
            Ok(Value::list(lines.iter().map(|l| string_value(l)).collect()))
        }
        Value::Vector(v) if v.ty() == Ty::Char => {
            let b = v.as_u8().unwrap_or(&[]);
            if b.len() == 2 {
                // ("I";",") collapses to the string "I,"
                return load_csv(it, vec![col_ty(b[0])?], b[1], false, false, &y);
            }
            let s = str_bytes(&y).ok_or_else(QError::type_)?;
            key_value(b, s, it.settings.date_dmy)
        }
        Value::List(l) if (2..=3).contains(&l.len()) => {
            let tys = col_tys(&l[0])?;
            let multiline = match l.get(2) {
                Some(f) => long_of(f)? != 0,
                None => false,
            };
            match &l[1] {
                Value::Atom(Atom::Char(d)) => load_csv(it, tys, *d, false, multiline, &y),
                Value::Vector(v) if v.ty() == Ty::Char && v.len() == 1 => {
                    let d = v.as_u8().unwrap_or(b",")[0];
                    load_csv(it, tys, d, true, multiline, &y)
                }
                Value::Vector(v) if v.ty().is_integral() && v.ty() != Ty::Bool => {
                    let w = v.to_i64_vec().ok_or_else(QError::type_)?;
                    load_fixed(it, tys, &w, &y)
                }
                Value::Atom(a) if a.ty().is_integral() => {
                    let w = a.to_i64().ok_or_else(QError::type_)?;
                    load_fixed(it, tys, &[w], &y)
                }
                _ => Err(QError::type_()),
            }
        }
        _ => Err(QError::type_()),
    }
}
