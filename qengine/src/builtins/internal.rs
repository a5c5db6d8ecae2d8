//! The `-n!` internal functions that have no better home: `0N!x` (write
//! `-3!x` and a newline, return `x`; reached from `!` in `dict.rs`) and
//! `-27!(p;x)` (floats as text with `p` decimals), `-4!x` (tokens) and
//! `-22!x` (serialized length). The table of `-n!`
//! numbers is `INTERNALS` in `registry/`; most rows point into the modules
//! of their subject (`ipc/codec.rs` for `-8! -9! -18!`, …).

use crate::builtins::dotq::format_fixed;
use crate::builtins::interpret::write_out;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;

/// `0N!x`: writes the one-line form of `x` (as `-3!x`) and a newline to
/// standard output; returns `x`.
pub fn display_bang(it: &mut Interp, x: Value) -> QResult<Value> {
    let mut s = crate::display::one_line(&x, it.settings.console.precision);
    s.push('\n');
    write_out(1, s.as_bytes())?;
    Ok(x)
}

/// `-27!(p;x)`: floats as text with `p` decimals (0 to 99), a string per
/// item of a float vector.
pub fn fixed_text(y: Value) -> QResult<Value> {
    let (Some(p), Some(v)) = (y.item(0), y.item(1)) else {
        return Err(QError::type_());
    };
    if y.count() != 2 {
        return Err(QError::length());
    }
    let Some(p) = p
        .as_atom()
        .and_then(Atom::to_i64)
        .filter(|p| (0..=99).contains(p))
    else {
        return Err(QError::type_());
    };
    match &v {
        Value::Atom(Atom::Float(f)) => Ok(Value::string(&format_fixed(p as usize, *f))),
        Value::Vector(vv) if vv.ty() == Ty::Float => Ok(Value::list(
            vv.to_f64_vec()
                .unwrap_or_default()
                .into_iter()
                .map(|f| Value::string(&format_fixed(p as usize, f)))
                .collect(),
        )),
        _ => Err(QError::type_()),
    }
}

/// `-4!x`: the tokens of the q text `x`, each a string, with the runs of
/// whitespace between them as tokens of their own (so they join back to
/// `x`). A comment is part of the whitespace it follows.
pub fn tokens(x: Value) -> QResult<Value> {
    let src = match &x {
        Value::Vector(v) if v.ty() == Ty::Char => x.as_string().unwrap_or_default(),
        Value::Atom(Atom::Char(c)) => (*c as char).to_string(),
        _ => return Err(QError::type_()),
    };
    let toks = qparser::lexer::lex(&src).map_err(|e| QError::new(&e.name))?;
    let mut out = Vec::with_capacity(2 * toks.len() + 1);
    let mut at = 0;
    for t in &toks {
        let (a, b) = (t.span.start.max(at), t.span.end.min(src.len()));
        if a > at {
            out.push(Value::string(&src[at..a]));
        }
        if b > a {
            out.push(Value::string(&src[a..b]));
            at = b;
        }
    }
    if at < src.len() {
        out.push(Value::string(&src[at..]));
    }
    Ok(Value::list(out))
}

/// `-22!x`: the number of bytes `-8!x` makes, without keeping them.
pub fn serialized_size(it: &mut Interp, x: Value) -> QResult<Value> {
    let n = crate::ipc::codec::serialize(it, x)?.count();
    Ok(Value::long(n as i64))
}

/// `-16!x`: how many references share `x` (the argument's own not
/// counted); 1 for an atom.
pub fn ref_count(x: Value) -> QResult<Value> {
    let n = match &x {
        Value::Vector(v) => v.refs(),
        Value::List(l) => std::sync::Arc::strong_count(l),
        Value::Dict(d) => std::sync::Arc::strong_count(d),
        Value::Table(t) => std::sync::Arc::strong_count(t),
        _ => 2,
    };
    Ok(Value::long(n.saturating_sub(1).max(1) as i64))
}

/// `-10!t`: whether the enumeration type `t` (20h..76h) is free: borf's
/// enumerations are all type 20, so `20h` is taken (`0b`) once a global
/// holds an enumeration (as a value or a table column) and the other
/// types are always free.
pub fn enum_type_free(it: &mut Interp, x: Value) -> QResult<Value> {
    let t = match x {
        Value::Atom(Atom::Short(t)) => t as i64,
        Value::Atom(Atom::Int(t)) => t as i64,
        Value::Atom(Atom::Long(t)) => t,
        _ => return Err(QError::type_()),
    };
    if !(20..=76).contains(&t) {
        return Err(QError::type_());
    }
    if t != 20 {
        return Ok(Value::bool(true));
    }
    let is_enum = |v: &Value| matches!(v, Value::Vector(v) if v.domain().is_some());
    let names: Vec<qcore::Sym> = it.global_names().collect();
    let used = names.into_iter().any(|n| match it.get_global(n) {
        Some(v) if is_enum(&v) => true,
        Some(Value::Table(t)) => t.columns.iter().any(is_enum),
        Some(Value::Dict(d)) => match (&d.keys, &d.values) {
            (Value::Table(k), Value::Table(v)) => {
                k.columns.iter().chain(v.columns.iter()).any(is_enum)
            }
            _ => false,
        },
        _ => false,
    });
    Ok(Value::bool(!used))
}

/// `-14!x`: a string made ready to be one CSV field: when it holds a
/// double quote, a comma or a line break it is wrapped in double quotes
/// with each of its own doubled; otherwise it is unchanged.
pub fn quote_escape(x: Value) -> QResult<Value> {
    let s: Vec<u8> = match &x {
        Value::Vector(v) if v.ty() == Ty::Char => v.as_u8().unwrap_or(&[]).to_vec(),
        Value::Atom(Atom::Char(c)) => vec![*c],
        _ => return Err(QError::type_()),
    };
    if !s.iter().any(|&c| matches!(c, b'"' | b',' | b'\n' | b'\r')) {
        return Ok(Value::Vector(qcore::Vector::chars(&s)));
    }
    let mut out = Vec::with_capacity(s.len() + 2);
    out.push(b'"');
    for c in s {
        if c == b'"' {
            out.push(b'"');
        }
        out.push(c);
    }
    out.push(b'"');
    Ok(Value::Vector(qcore::Vector::chars(&out)))
}

/// Reads one item of every page of `s`, so that a mapped file's pages are
/// faulted in.
fn touch_pages<T: Copy>(s: &[T]) {
    let step = (4096 / std::mem::size_of::<T>().max(1)).max(1);
    for i in (0..s.len()).step_by(step) {
        std::hint::black_box(s[i]);
    }
}

/// `-23!x`: makes the memory behind `x` resident by reading a word of
/// each of its pages (the columns of a table, the items of a list, keys
/// and values of a dictionary); answers `x`.
pub fn make_resident(x: Value) -> QResult<Value> {
    fn walk(v: &Value) {
        match v {
            Value::Vector(v) => {
                if let Some(s) = v.as_u8() {
                    touch_pages(s)
                } else if let Some(s) = v.as_i16() {
                    touch_pages(s)
                } else if let Some(s) = v.as_i32() {
                    touch_pages(s)
                } else if let Some(s) = v.as_i64() {
                    touch_pages(s)
                } else if let Some(s) = v.as_f32() {
                    touch_pages(s)
                } else if let Some(s) = v.as_f64() {
                    touch_pages(s)
                } else if let Some(s) = v.enum_index() {
                    touch_pages(s.as_slice())
                }
            }
            Value::List(l) => l.iter().for_each(walk),
            Value::Dict(d) => {
                walk(&d.keys);
                walk(&d.values);
            }
            Value::Table(t) => t.columns.iter().for_each(walk),
            _ => {}
        }
    }
    walk(&x);
    Ok(x)
}

/// `-120!x`: the memory domain of `x`: 0, the process heap (borf has no
/// `.m` memory-backed domain).
pub fn memory_domain(_: Value) -> QResult<Value> {
    Ok(Value::long(0))
}

/// `-21!x`: the compression statistics of file `x`: an empty dictionary,
/// since borf writes no compressed or encrypted files (the file must
/// exist).
pub fn file_compression(x: Value) -> QResult<Value> {
    crate::builtins::io::handle::hcount(x)?;
    Ok(Value::dict(
        Value::list(Vec::new()),
        Value::list(Vec::new()),
    ))
}

/// `-34!(f;x)`: `.Q.ts[f;x]`.
pub fn time_space(it: &mut Interp, x: Value) -> QResult<Value> {
    if x.count() != 2 {
        return Err(QError::length());
    }
    let (Some(f), Some(args)) = (x.item(0), x.item(1)) else {
        return Err(QError::type_());
    };
    crate::builtins::dotq::q_ts(it, f, args)
}
