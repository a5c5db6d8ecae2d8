//! The `.Q` namespace's constants and helpers that need no database:
//! character sets (`.Q.n .Q.a .Q.A .Q.an .Q.nA .Q.b6`), type tables (`.Q.t
//! .Q.ty`), limits (`.Q.M`), keyword lists (`.Q.k .Q.K .Q.res`), names
//! (`.Q.id .Q.v .Q.dd`), formatting (`.Q.f .Q.fmt .Q.s .Q.s1`), `.Q.opt`
//! (command-line words), `.Q.qt`, encodings (`.Q.btoa .Q.x10 .Q.j10 .Q.x12
//! .Q.j12`), and the runtime ones `.Q.gc .Q.w .Q.ts .Q.fu .Q.fc`.
//!
//! `.Q.res` is q's list of reserved words as a q value, which is why this
//! file is allowed a hand list of q names (`NAME_LISTS` in
//! `tests/keywords_doc.rs`). The partitioned-database `.Q` functions
//! (`.Q.dpft .Q.par .Q.cn .Q.qp`) are in `query/partitioned/`, `.Q.trp`
//! and friends in `debug.rs`.

use crate::builtins::apply::apply;
use crate::builtins::dotz::VERSION;
use crate::builtins::dotz::release_date;
use crate::state::Interp;
use crate::state::workspace;
use qcore::Atom;
use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use std::sync::Arc;
use std::time::Instant;

// --- .Q constants ---

pub(crate) const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

pub(crate) const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

pub(crate) const DIGITS: &str = "0123456789";

pub fn q_n(_: Value) -> QResult<Value> {
    Ok(Value::string(DIGITS))
}

pub fn q_a(_: Value) -> QResult<Value> {
    Ok(Value::string(LOWER))
}

pub fn q_upper_a(_: Value) -> QResult<Value> {
    Ok(Value::string(UPPER))
}

pub fn q_an(_: Value) -> QResult<Value> {
    Ok(Value::string(&format!("{LOWER}{UPPER}_{DIGITS}")))
}

pub fn q_na(_: Value) -> QResult<Value> {
    Ok(Value::string(&format!("{DIGITS}{UPPER}")))
}

pub(crate) fn b6() -> String {
    format!("{UPPER}{LOWER}{DIGITS}+/")
}

pub fn q_b6(_: Value) -> QResult<Value> {
    Ok(Value::string(&b6()))
}

pub fn q_t(_: Value) -> QResult<Value> {
    Ok(Value::string(" bg xhijefcspmdznuvts"))
}

pub fn q_m(_: Value) -> QResult<Value> {
    Ok(Value::long(i64::MAX))
}

pub fn q_k(_: Value) -> QResult<Value> {
    Ok(Value::float(VERSION))
}

pub fn q_upper_k(_: Value) -> QResult<Value> {
    Ok(release_date())
}

/// The control words and C-implemented keywords (`.Q.res`).
pub const RESERVED: &[&str] = &[
    "abs", "acos", "asin", "atan", "avg", "bin", "binr", "cor", "cos", "cov", "delete", "dev",
    "div", "do", "enlist", "exec", "exit", "exp", "getenv", "hopen", "if", "in", "insert", "last",
    "like", "log", "max", "min", "prd", "select", "setenv", "sin", "sqrt", "ss", "sum", "tan",
    "update", "var", "wavg", "while", "within", "wsum", "xexp",
];

pub fn q_res(_: Value) -> QResult<Value> {
    Ok(Value::Vector(Vector::syms(
        RESERVED.iter().map(|s| Sym::new(s)).collect(),
    )))
}

// --- .Q functions ---

pub(crate) fn sanitize(s: &str) -> String {
    let kept: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match kept.chars().next() {
        None => "a".to_string(),
        Some(c) if c.is_ascii_digit() || c == '_' => format!("a{kept}"),
        _ => kept,
    }
}

pub(crate) fn is_reserved(s: &str) -> bool {
    RESERVED.contains(&s)
        || crate::registry::lookup(s).is_some_and(|i| {
            let b = crate::registry::get(i);
            b.kind == crate::registry::Kind::Keyword && !s.starts_with('.')
        })
}

/// Column names made valid and distinct (`.Q.id` of a table).
pub(crate) fn sanitize_names(names: &[Sym]) -> Vec<Sym> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        let mut s = sanitize(n.as_str());
        if is_reserved(&s) {
            s.push('1');
        }
        if out.contains(&s) {
            let mut k = 1;
            while out.contains(&format!("{s}{k}")) {
                k += 1;
            }
            s = format!("{s}{k}");
        }
        out.push(s);
    }
    out.iter().map(|s| Sym::new(s)).collect()
}

/// `.Q.id x`: a symbol made a valid name; a table's or dictionary's column
/// names made valid and distinct.
pub fn q_id(x: Value) -> QResult<Value> {
    match x {
        Value::Atom(Atom::Symbol(s)) => Ok(Value::sym(&sanitize(s.as_str()))),
        Value::Vector(v) if v.ty() == Ty::Symbol => Ok(Value::Vector(Vector::syms(
            v.as_sym()
                .unwrap_or(&[])
                .iter()
                .map(|s| Sym::new(&sanitize(s.as_str())))
                .collect(),
        ))),
        Value::Table(t) => Ok(Value::Table(Arc::new(Table {
            names: sanitize_names(&t.names),
            columns: t.columns.clone(),
        }))),
        Value::Dict(d) => match &d.keys {
            Value::Vector(k) if k.ty() == Ty::Symbol => Ok(Value::Dict(Arc::new(Dict {
                keys: Value::Vector(Vector::syms(sanitize_names(k.as_sym().unwrap_or(&[])))),
                values: d.values.clone(),
                sorted: false,
            }))),
            _ => Err(QError::type_()),
        },
        _ => Err(QError::type_()),
    }
}

pub(crate) fn num(x: &Value) -> QResult<f64> {
    match x {
        Value::Atom(a) if a.ty().is_numeric() => a.to_f64().ok_or_else(QError::type_),
        _ => Err(QError::type_()),
    }
}

pub(crate) fn int(x: &Value) -> QResult<i64> {
    match x {
        Value::Atom(a) if a.ty().is_integral() && a.ty() != Ty::Char => {
            a.to_i64().ok_or_else(QError::type_)
        }
        _ => Err(QError::type_()),
    }
}

/// `y` with `x` decimals; scientific notation from 1e13 up, as q.
pub(crate) fn fixed(x: usize, y: f64) -> String {
    if y.is_nan() {
        return String::new();
    }
    if y.abs() >= 1e13 * 10f64.powi(2 - x.min(17) as i32).max(1.0) || y.is_infinite() {
        let s = format!("{:.*e}", x, y);
        // Rust writes 1.00e15; q (C) writes 1.00e+15
        return match s.split_once('e') {
            Some((m, e)) => {
                let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
                format!("{m}e{sign}{digits:0>2}")
            }
            None => s,
        };
    }
    // q scales by 10^x and rounds half away from zero (`.Q.f[2;.045]` is
    // "0.05" where IEEE printing gives "0.04")
    let m = (y.abs() * 10f64.powi(x as i32)).round();
    if m >= 1e30 {
        return format!("{:.*}", x, y);
    }
    let digits = format!("{:0>w$}", m as u128, w = x + 1);
    let (int, frac) = digits.split_at(digits.len() - x);
    let sign = if y < 0.0 { "-" } else { "" };
    if x == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// `.Q.f[x;y]`: `y` formatted with `x` decimal places.
pub fn q_f(x: Value, y: Value) -> QResult<Value> {
    let n = int(&x)?;
    if !(0..=17).contains(&n) {
        return Err(QError::domain());
    }
    Ok(Value::string(&fixed(n as usize, num(&y)?)))
}

/// `.Q.fmt[x;y;z]`: `z` with `y` decimals right-aligned in `x` characters
/// (`x` stars when it does not fit).
pub fn q_fmt(args: Vec<Value>) -> QResult<Value> {
    let [w, d, z] = <[Value; 3]>::try_from(args).map_err(|_| QError::rank())?;
    let (w, d) = (int(&w)?, int(&d)?);
    if !(0..=1_000_000).contains(&w) || !(0..=17).contains(&d) {
        return Err(QError::domain());
    }
    let s = fixed(d as usize, num(&z)?);
    let w = w as usize;
    Ok(Value::string(&if s.len() > w {
        "*".repeat(w)
    } else {
        format!("{s:>w$}")
    }))
}

/// `.Q.s x`: the console text of `x` (under `\c`), ending in a newline.
pub fn q_s(it: &mut Interp, x: Value) -> QResult<Value> {
    if matches!(x, Value::Nil) {
        return Ok(Value::string(""));
    }
    let mut s = it.display(&x);
    s.push('\n');
    Ok(Value::string(&s))
}

/// `.Q.s1 x`: the one-line text of `x`.
pub fn q_s1(it: &mut Interp, x: Value) -> QResult<Value> {
    Ok(Value::string(&crate::display::one_line(
        &x,
        it.settings.console.precision,
    )))
}

/// `.Q.opt x`: command-line words as a dictionary of `-name` to the words
/// after it (one word as a string, several as a list, none as `()`).
pub fn q_opt(x: Value) -> QResult<Value> {
    let words: Vec<String> = match &x {
        Value::List(l) => l
            .iter()
            .map(|w| w.as_string().ok_or_else(QError::type_))
            .collect::<QResult<_>>()?,
        Value::Vector(v) if v.is_empty() => vec![],
        _ => return Err(QError::type_()),
    };
    let mut keys = Vec::new();
    let mut vals: Vec<Vec<Value>> = Vec::new();
    for w in &words {
        if let Some(n) = w.strip_prefix('-') {
            keys.push(Sym::new(n));
            vals.push(Vec::new());
        } else if let Some(v) = vals.last_mut() {
            v.push(Value::string(w));
        }
    }
    let vals = vals
        .into_iter()
        .map(|v| {
            if v.len() == 1 {
                v.into_iter().next().unwrap_or(Value::Nil)
            } else {
                Value::list(v)
            }
        })
        .collect();
    Ok(Value::Dict(Arc::new(Dict {
        keys: Value::Vector(Vector::syms(keys)),
        values: Value::list(vals),
        sorted: false,
    })))
}

/// `.Q.qt x`: 1b for a table or keyed table.
pub fn q_qt(x: Value) -> QResult<Value> {
    Ok(Value::bool(match &x {
        Value::Table(_) => true,
        Value::Dict(d) => matches!((&d.keys, &d.values), (Value::Table(_), Value::Table(_))),
        _ => false,
    }))
}

/// `.Q.ty x`: type letter of a list: lower case for a vector, upper case
/// for a list of vectors of one type, else a blank.
pub fn q_ty(x: Value) -> QResult<Value> {
    let c = match &x {
        Value::Vector(v) => v.ty().letter(),
        Value::List(l) => match l.first() {
            Some(Value::Vector(f))
                if l.iter()
                    .all(|i| matches!(i, Value::Vector(v) if v.ty() == f.ty())) =>
            {
                f.ty().letter().to_ascii_uppercase()
            }
            _ => ' ',
        },
        _ => ' ',
    };
    Ok(Value::char(c as u8))
}

/// `.Q.v x`: the global a symbol names; anything else as is.
pub fn q_v(it: &mut Interp, x: Value) -> QResult<Value> {
    match x {
        Value::Atom(Atom::Symbol(s)) => {
            crate::builtins::io::object::get(it, Value::Atom(Atom::Symbol(s)))
        }
        other => Ok(other),
    }
}

/// `.Q.dd[x;y]`: joins a symbol and a name with `.` (with `/` for a file
/// handle).
pub fn q_dd(x: Value, y: Value) -> QResult<Value> {
    let Value::Atom(Atom::Symbol(a)) = x else {
        return Err(QError::type_());
    };
    let b = match &y {
        Value::Atom(Atom::Symbol(s)) => s.as_str().to_string(),
        other => other.as_string().ok_or_else(QError::type_)?,
    };
    let sep = if a.as_str().starts_with(':') {
        '/'
    } else {
        '.'
    };
    Ok(Value::sym(&format!("{}{sep}{b}", a.as_str())))
}

/// `.Q.gc[]`: gives the freed memory the allocator keeps for reuse back to
/// the system, and returns how many bytes that was (q: the bytes returned).
pub fn q_gc(_: Value) -> QResult<Value> {
    let returned = crate::state::memory_probe().map_or(0, |p| (p.release)());
    Ok(Value::long(returned))
}

/// `.Q.fu[f;x]`: `f x` (q evaluates `f` on the distinct items only).
pub fn q_fu(it: &mut Interp, f: Value, x: Value) -> QResult<Value> {
    if !x.is_list() {
        return apply(it, &f, vec![x]);
    }
    let u = crate::builtins::list::find::distinct(x.clone())?;
    let r = apply(it, &f, vec![u.clone()])?;
    let i = crate::builtins::list::find::find(u, x)?;
    crate::builtins::apply::apply(it, &r, vec![i])
}

/// `.Q.atob x`: the bytes a base64 string encodes (`=` padding optional);
/// `'type` for anything but a string, `'domain` for a character outside
/// the base64 alphabet.
pub fn q_atob(x: Value) -> QResult<Value> {
    let text: Vec<u8> = match &x {
        Value::Vector(v) if v.ty() == Ty::Char => v.as_u8().unwrap_or(&[]).to_vec(),
        Value::Atom(Atom::Char(c)) => vec![*c],
        _ => return Err(QError::type_()),
    };
    let alpha = b6().into_bytes();
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text.iter().take_while(|&&c| c != b'=') {
        let d = alpha
            .iter()
            .position(|&a| a == c)
            .ok_or_else(|| QError::new("domain"))? as u32;
        acc = (acc << 6) | d;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(Value::Vector(Vector::from_u8(Ty::Byte, out)))
}

/// `.Q.btoa x`: base64 of a string or bytes.
pub fn q_btoa(x: Value) -> QResult<Value> {
    let bytes: Vec<u8> = match &x {
        Value::Vector(v) if matches!(v.ty(), Ty::Char | Ty::Byte) => {
            v.as_u8().unwrap_or(&[]).to_vec()
        }
        Value::Atom(Atom::Char(c)) | Value::Atom(Atom::Byte(c)) => vec![*c],
        _ => return Err(QError::type_()),
    };
    Ok(Value::string(&crate::ops::digest::base64(&bytes)))
}

pub(crate) fn encode(n: i64, alpha: &[u8], width: usize) -> QResult<Value> {
    if n < 0 {
        return Err(QError::domain());
    }
    let base = alpha.len() as i64;
    let mut out = vec![alpha[0]; width];
    let mut m = n;
    for i in (0..width).rev() {
        out[i] = alpha[(m % base) as usize];
        m /= base;
    }
    Ok(Value::Vector(Vector::chars(&out)))
}

pub(crate) fn decode(x: &Value, alpha: &[u8]) -> QResult<Value> {
    let s = x.as_string().ok_or_else(QError::type_)?;
    let base = alpha.len() as i64;
    let mut n: i64 = 0;
    for c in s.bytes() {
        let d = alpha
            .iter()
            .position(|&a| a == c)
            .ok_or_else(QError::domain)? as i64;
        n = n.wrapping_mul(base).wrapping_add(d);
    }
    Ok(Value::long(n))
}

pub(crate) fn na() -> Vec<u8> {
    format!("{DIGITS}{UPPER}").into_bytes()
}

/// `.Q.x10 n`: a long as 10 characters of `.Q.b6`.
pub fn q_x10(x: Value) -> QResult<Value> {
    encode(int(&x)?, b6().as_bytes(), 10)
}

/// `.Q.j10 s`: the inverse of `.Q.x10`.
pub fn q_j10(x: Value) -> QResult<Value> {
    decode(&x, b6().as_bytes())
}

/// `.Q.x12 n`: a long as 12 characters of `.Q.nA`.
pub fn q_x12(x: Value) -> QResult<Value> {
    encode(int(&x)?, &na(), 12)
}

/// `.Q.j12 s`: the inverse of `.Q.x12`.
pub fn q_j12(x: Value) -> QResult<Value> {
    decode(&x, &na())
}

/// `.Q.w[]`: memory statistics.
pub fn q_w(_: Value) -> QResult<Value> {
    let keys = [
        "used", "heap", "peak", "wmax", "mmap", "mphy", "syms", "symw",
    ];
    Ok(Value::dict(
        Value::Vector(Vector::syms(keys.iter().map(|k| Sym::new(k)).collect())),
        Value::Vector(Vector::longs(workspace().to_vec())),
    ))
}

/// `.Q.ts[f;args]`: `(time;space)` as `\ts` gives, and `.[f;args]`.
pub fn q_ts(it: &mut Interp, f: Value, args: Value) -> QResult<Value> {
    let probe = crate::state::memory_probe();
    let base = probe.map(|p| (p.reset_peak)());
    let start = Instant::now();
    let r = apply(it, &f, args.items())?;
    let ms = start.elapsed().as_millis() as i64;
    let space = match (probe, base) {
        (Some(p), Some(b)) => (p.peak)().saturating_sub(b) as i64,
        _ => 0,
    };
    Ok(Value::list(vec![
        Value::Vector(Vector::longs(vec![ms, space])),
        r,
    ]))
}

/// `.Q.fc[f;x]`: `f` applied to contiguous cuts of the list `x`, one per
/// secondary thread (or secondary process, `\s` negative), the results
/// razed; with fewer than two threads (or a short `x`) it is `f x`.
pub fn q_fc(it: &mut Interp, f: Value, x: Value) -> QResult<Value> {
    let n = x.count();
    if n < 2 || !(x.is_list() || matches!(x, Value::Table(_))) {
        return apply(it, &f, vec![x]);
    }
    let cuts = |k: usize| -> Vec<Value> {
        let step = n.div_ceil(k);
        (0..n)
            .step_by(step)
            .map(|a| crate::ops::index::slice(&x, a, a + step))
            .collect()
    };
    let parts = if it.settings.threads < 0 && !it.secondary {
        let handles = crate::ipc::peach::handles(it)?;
        if handles.len() < 2 {
            return apply(it, &f, vec![x]);
        }
        crate::ipc::peach::peach(it, &handles, &f, &cuts(handles.len()))?
    } else {
        let threads = usize::try_from(it.settings.threads).unwrap_or(0);
        if threads < 2 {
            return apply(it, &f, vec![x]);
        }
        crate::builtins::iterate::on_secondaries(it, &cuts(threads), threads, &|sec, c| {
            apply(sec, &f, vec![c.clone()])
        })?
    };
    crate::builtins::list::join::raze(Value::list(parts))
}

// ---------------------------------------------------------------------------
// -n!x internal functions

pub(crate) fn format_fixed(p: usize, f: f64) -> String {
    if f.is_nan() {
        String::new()
    } else {
        format!("{f:.p$}")
    }
}

/// `.Q.en[d;t]`: the symbol columns of `t` enumerated against `sym`: the
/// sym file of the database `d` (written, and loaded into `sym`), or with
/// `d` the generic null the in-memory `sym` only (extended as `` `sym? ``).
pub fn q_en(it: &mut Interp, d: Value, t: Value) -> QResult<Value> {
    ens(it, d, t, Sym::new("sym"))
}

/// `.Q.ens[d;t;name]`: `.Q.en` against the domain `name` (the file
/// `d/name`, loaded into the global `name`) instead of `sym`.
pub fn q_ens(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [d, t, name]: [Value; 3] = args.try_into().map_err(|_| QError::rank())?;
    let Value::Atom(Atom::Symbol(name)) = name else {
        return Err(QError::type_());
    };
    if name.is_null() || name.as_str().contains(['/', '.']) {
        return Err(QError::domain());
    }
    ens(it, d, t, name)
}

fn ens(it: &mut Interp, d: Value, t: Value, sym: Sym) -> QResult<Value> {
    let Value::Table(tab) = &t else {
        return Err(QError::type_());
    };
    if !matches!(d, Value::Nil) {
        let names = crate::storage::splay::q_ens_names(&d, &t, sym.as_str())?;
        let all: Vec<Sym> = names.iter().map(|n| Sym::new(n)).collect();
        // the domain file only grows: no enumeration's items change
        it.set_global_appended(
            crate::state::qualify(Sym::new("."), sym.as_str()),
            Value::Vector(Vector::syms(all)),
        );
    }
    let mut cols = Vec::with_capacity(tab.columns.len());
    for c in &tab.columns {
        cols.push(match c {
            Value::Vector(v) if v.ty() == Ty::Symbol && v.domain().is_none_or(|d| d == sym) => {
                crate::builtins::enums::extend(it, sym, c.clone())?
            }
            other => other.clone(),
        });
    }
    Ok(Value::table(tab.names.clone(), cols))
}

/// `.Q.V x`: a table as a dictionary of its columns (a keyed table's key
/// columns first); `'type` for anything else.
pub fn q_cap_v(x: Value) -> QResult<Value> {
    let t = crate::builtins::table::unkeyed(&x).ok_or_else(QError::type_)?;
    Ok(Value::dict(
        Value::Vector(Vector::syms(t.names.clone())),
        Value::list(t.columns.clone()),
    ))
}

// ---------------------------------------------------------------------------
// .Q.gz .Q.ff .Q.ft .Q.fk .Q.fs .Q.fsn

/// `.Q.gz x`: `.Q.gz[::]` is `1b` (gzip is built in); `.Q.gz (l;s)` the
/// gzip stream of `s` (chars or bytes) at level `l` (1–9); `.Q.gz s` the
/// bytes a gzip (or zlib) stream inflates to. The result has the type of
/// `s`: chars stay chars, bytes bytes.
pub fn q_gz(x: Value) -> QResult<Value> {
    use std::io::Read;
    use std::io::Write;
    fn bytes_of(v: &Value) -> QResult<(Vec<u8>, Ty)> {
        match v {
            Value::Vector(w) if matches!(w.ty(), Ty::Char | Ty::Byte) => {
                Ok((w.as_u8().unwrap_or(&[]).to_vec(), w.ty()))
            }
            Value::List(l) if l.is_empty() => Ok((Vec::new(), Ty::Char)),
            _ => Err(QError::type_()),
        }
    }
    fn out(b: Vec<u8>, ty: Ty) -> Value {
        Value::Vector(Vector::from_u8(ty, b))
    }
    match &x {
        Value::Nil => Ok(Value::bool(true)),
        Value::List(l) if l.len() == 2 => {
            let level = match &l[0] {
                Value::Atom(a) => crate::ops::index::int_index(a)?,
                _ => return Err(QError::type_()),
            };
            if !(0..=9).contains(&level) {
                return Err(QError::domain());
            }
            let (src, ty) = bytes_of(&l[1])?;
            let mut enc = flate2::write::GzEncoder::new(
                Vec::with_capacity(src.len() / 2 + 32),
                flate2::Compression::new(level as u32),
            );
            enc.write_all(&src)
                .and_then(|_| enc.finish())
                .map(|b| out(b, ty))
                .map_err(|e| QError::new("gz").with_detail(e.to_string()))
        }
        _ => {
            let (src, ty) = bytes_of(&x)?;
            let mut buf = Vec::new();
            let r = if src.first() == Some(&0x1f) {
                flate2::read::MultiGzDecoder::new(&src[..]).read_to_end(&mut buf)
            } else {
                flate2::read::ZlibDecoder::new(&src[..]).read_to_end(&mut buf)
            };
            r.map_err(|e| QError::new("gz").with_detail(e.to_string()))?;
            qcore::check_alloc(buf.len(), 1)?;
            Ok(out(buf, ty))
        }
    }
}

/// `.Q.ff[x;y]`: table `x` with the columns of table `y` it lacks appended,
/// null (of `y`'s column types); `x`'s columns are kept as they are.
pub fn q_ff(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let (Value::Table(t), Value::Table(u)) = (&x, &y) else {
        return Err(QError::type_());
    };
    let n = t.len();
    let mut out = Table::clone(t);
    for (name, col) in u.names.iter().zip(&u.columns) {
        if out.names.contains(name) {
            continue;
        }
        let null = match col {
            Value::Vector(v) => {
                qcore::check_alloc(n, v.ty().width())?;
                let a = v.ty().null_atom();
                let mut b = qcore::VecBuilder::new(v.ty(), n);
                for _ in 0..n {
                    b.push(a);
                }
                Value::Vector(b.finish())
            }
            // a general column's null item is an empty string
            _ => Value::list(vec![Value::Vector(Vector::chars(b"")); n]),
        };
        out.names.push(*name);
        out.columns.push(null);
    }
    Ok(Value::Table(Arc::new(out)))
}

/// `.Q.ft[f;t]`: `f` applied to `t`; a keyed table is unkeyed for `f` and
/// its result keyed again on as many columns.
pub fn q_ft(it: &mut Interp, f: Value, y: Value) -> QResult<Value> {
    if let Value::Dict(d) = &y
        && let Value::Table(k) = &d.keys
        && let Some(t) = crate::builtins::dict::unkey(d)
    {
        let n = k.names.len();
        return Ok(match apply(it, &f, vec![Value::Table(Arc::new(t))])? {
            Value::Table(r) => crate::builtins::table::rekey(&r, n),
            other => other,
        });
    }
    apply(it, &f, vec![y])
}

/// `.Q.fk x`: the keyed table column `x` is a foreign key into, `` ` ``
/// when it is none.
pub fn q_fk(it: &mut Interp, x: Value) -> QResult<Value> {
    Ok(Value::Atom(Atom::Symbol(
        crate::builtins::table::foreign_key(it, &x).unwrap_or(Sym::EMPTY),
    )))
}

/// `.Q.fs[f;file]` (and `.Q.fps` on a named pipe): `.Q.fsn` with chunks
/// of 131000 bytes.
pub fn q_fs(it: &mut Interp, f: Value, file: Value) -> QResult<Value> {
    fsn(it, &f, &file, 131_000)
}

/// `.Q.fsn[f;file;n]` (and `.Q.fpn` on a named pipe): `f` applied to the
/// lines of `file` read about `n` bytes at a time (each chunk ends at a
/// newline); the number of bytes read (the file's size).
pub fn q_fsn(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [f, file, n]: [Value; 3] = args.try_into().map_err(|_| QError::rank())?;
    let n = match &n {
        Value::Atom(a) => crate::ops::index::int_index(a)?,
        _ => return Err(QError::type_()),
    };
    fsn(it, &f, &file, n.max(1) as u64)
}

fn fsn(it: &mut Interp, f: &Value, file: &Value, n: u64) -> QResult<Value> {
    use crate::builtins::io::handle::{file_sym, io_err, split_lines, string_value};
    use std::io::Read;
    let Some((_, path)) = file_sym(file)? else {
        return Err(QError::type_());
    };
    // read sequentially (a named pipe has no size and no seeking): each
    // chunk of about `n` bytes is cut after its last newline, the rest
    // carried into the next; a line longer than a chunk is read whole
    let mut fh = std::fs::File::open(&path).map_err(|e| io_err(&path, &e))?;
    let n = n.min(1 << 30) as usize;
    let mut carry: Vec<u8> = Vec::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; n];
    loop {
        it.tick()?;
        let mut got = 0;
        while got < n {
            let k = fh.read(&mut buf[got..]).map_err(|e| io_err(&path, &e))?;
            if k == 0 {
                break;
            }
            got += k;
        }
        total += got as u64;
        let eof = got < n;
        qcore::check_alloc(carry.len() + got, 1)?;
        carry.extend_from_slice(&buf[..got]);
        let cut = if eof {
            carry.len()
        } else {
            match carry.iter().rposition(|&c| c == b'\n') {
                Some(p) => p + 1,
                None => continue,
            }
        };
        let rest = carry.split_off(cut);
        if !carry.is_empty() {
            let lines: Vec<Value> = split_lines(&carry).into_iter().map(string_value).collect();
            apply(it, f, vec![Value::list(lines)])?;
        }
        carry = rest;
        if eof {
            return Ok(Value::long(total as i64));
        }
    }
}

// ---------------------------------------------------------------------------
// .Q.addr .Q.host

/// `.Q.addr x`: the IPv4 address of host `x` (a name or dotted-decimal
/// symbol) as an int, `-1i` when it does not resolve.
pub fn q_addr(x: Value) -> QResult<Value> {
    use std::net::ToSocketAddrs;
    let Value::Atom(Atom::Symbol(s)) = x else {
        return Err(QError::type_());
    };
    let name = s.as_str();
    let ip = if let Ok(a) = name.parse::<std::net::Ipv4Addr>() {
        Some(a)
    } else {
        (name, 0u16).to_socket_addrs().ok().and_then(|mut it| {
            it.find_map(|a| match a.ip() {
                std::net::IpAddr::V4(v) => Some(v),
                std::net::IpAddr::V6(_) => None,
            })
        })
    };
    Ok(Value::int(ip.map_or(-1, |a| u32::from(a) as i32)))
}

/// `.Q.host x`: the host name of the IPv4 address `x` (an int), as the
/// system resolver reports it; `` ` `` when it has none.
pub fn q_host(x: Value) -> QResult<Value> {
    let ip = match x {
        Value::Atom(Atom::Int(i)) => i as u32,
        Value::Atom(Atom::Long(i)) => i as u32,
        _ => return Err(QError::type_()),
    };
    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    sa.sin_family = libc::AF_INET as libc::sa_family_t;
    sa.sin_addr = libc::in_addr { s_addr: ip.to_be() };
    let mut host = [0 as libc::c_char; 1025];
    // SAFETY: `sa` is an initialized sockaddr_in of the length passed and
    // `host` a writable buffer of the length passed; no service is asked for.
    let r = unsafe {
        libc::getnameinfo(
            (&raw const sa).cast::<libc::sockaddr>(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if r != 0 {
        return Ok(Value::Atom(Atom::Symbol(Sym::EMPTY)));
    }
    // SAFETY: getnameinfo succeeded, so `host` holds a NUL-terminated name.
    let name = unsafe { std::ffi::CStr::from_ptr(host.as_ptr()) };
    Ok(Value::sym(&name.to_string_lossy()))
}

// ---------------------------------------------------------------------------
// .Q.l .Q.ld

/// `.Q.l x`: loads the directory (or script) `x` as `\l` does; `::`.
pub fn q_l(it: &mut Interp, x: Value) -> QResult<Value> {
    let Value::Atom(Atom::Symbol(s)) = x else {
        return Err(QError::type_());
    };
    let path = s.as_str().trim_start_matches(':');
    if path.is_empty() {
        return Err(QError::domain());
    }
    it.system(&format!("l {path}"))?;
    Ok(Value::Nil)
}

/// `.Q.ld lines`: a script's lines grouped into the statements `\l`
/// evaluates — a line that begins with a space or tab continues the one
/// before — as (the 1-based line number each starts at; its text, lines
/// joined by newlines). Empty lines start no statement.
pub fn q_ld(x: Value) -> QResult<Value> {
    let lines: Vec<Vec<u8>> = match &x {
        Value::List(l) => l
            .iter()
            .map(|v| match v {
                Value::Vector(w) if w.ty() == Ty::Char => Ok(w.as_u8().unwrap_or(&[]).to_vec()),
                Value::Atom(Atom::Char(c)) => Ok(vec![*c]),
                _ => Err(QError::type_()),
            })
            .collect::<QResult<_>>()?,
        Value::Vector(w) if w.ty() == Ty::Char => vec![w.as_u8().unwrap_or(&[]).to_vec()],
        _ => return Err(QError::type_()),
    };
    let mut starts: Vec<i64> = Vec::new();
    let mut texts: Vec<Vec<u8>> = Vec::new();
    for (i, l) in lines.into_iter().enumerate() {
        let cont = matches!(l.first(), Some(b' ' | b'\t'));
        match texts.last_mut() {
            Some(t) if cont => {
                t.push(b'\n');
                t.extend_from_slice(&l);
            }
            _ if l.is_empty() || cont => {}
            _ => {
                starts.push(i as i64 + 1);
                texts.push(l);
            }
        }
    }
    Ok(Value::list(vec![
        Value::Vector(Vector::longs(starts)),
        Value::list(
            texts
                .into_iter()
                .map(|t| Value::Vector(Vector::from_u8(Ty::Char, t)))
                .collect(),
        ),
    ]))
}
