//! Strings: `string` (and `$x`), `like` (q patterns: `?`, `*`, `[..]`
//! classes, `[^..]` negated classes), `ss` and `ssr` (find and replace a pattern),
//! `upper lower`, `trim ltrim rtrim`, and the digests `md5` and `.Q.sha1`.
//! A pattern is compiled once ([`Pattern`]) and the common shapes (prefix,
//! suffix, substring, exact) are tested without the general matcher;
//! `like` over a symbol vector tests each distinct symbol once.

use crate::builtins::apply::apply;
use crate::ops::conform::atomic_monad;
use crate::ops::digest::sha1_digest;
use crate::state::Interp;
use qcore::Atom;
use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecBuilder;
use qcore::Vector;
use std::collections::HashMap;
use std::sync::Arc;

/// `string x`.
pub fn string(it: &mut Interp, x: Value) -> QResult<Value> {
    let p = it.settings.console.precision;
    Ok(match x {
        Value::Atom(a) => Value::string(&crate::display::atom_text(&a, p)),
        Value::Vector(v) => {
            let idx: Vec<usize> = (0..v.len()).collect();
            let items = qcore::budget::map_stoppable(&idx, Value::Nil, |&i| {
                let a = v.get(i);
                if let Atom::Char(c) = a {
                    Value::Vector(Vector::chars(&[c]))
                } else {
                    Value::string(&crate::display::atom_text(&a, p))
                }
            });
            Value::list(items)
        }
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for i in l.iter() {
                it.tick()?;
                out.push(string(it, i.clone())?);
            }
            Value::list(out)
        }
        Value::Dict(d) => {
            let vals = string(it, d.values.clone())?;
            Value::Dict(Arc::new(qcore::Dict {
                keys: d.keys.clone(),
                values: vals,
                sorted: d.sorted,
            }))
        }
        Value::Func(f) => Value::string(&crate::display::func_text(&f)),
        Value::Nil => Value::string("::"),
        Value::Table(t) => Value::Table(Arc::new(qcore::Table {
            names: t.names.clone(),
            columns: t
                .columns
                .iter()
                .map(|c| string(it, c.clone()))
                .collect::<QResult<_>>()?,
        })),
    })
}

// ---------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------

/// One pattern element; each but `Star` matches exactly one character.
#[derive(Clone, Debug)]
pub(crate) enum Tok {
    Lit(u8),
    Any,
    Star,
    /// A bracketed list of alternatives: the set of matching bytes.
    Class(Box<[bool; 256]>),
}

impl Tok {
    #[inline]
    pub(crate) fn one(&self, c: u8) -> bool {
        match self {
            Tok::Lit(l) => *l == c,
            Tok::Any => true,
            Tok::Class(set) => set[c as usize],
            Tok::Star => false,
        }
    }
}

/// Shapes with a faster test than the general matcher.
#[derive(Clone, Debug)]
pub(crate) enum Shape {
    Exact(Vec<u8>),
    Prefix(Vec<u8>),
    Suffix(Vec<u8>),
    Contains(Vec<u8>),
    General,
}

/// A compiled q pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub(crate) toks: Vec<Tok>,
    pub(crate) shape: Shape,
}

impl Pattern {
    /// Compiles pattern text.
    pub fn new(p: &[u8]) -> Pattern {
        let mut toks = Vec::with_capacity(p.len());
        let mut i = 0;
        while i < p.len() {
            match p[i] {
                b'?' => toks.push(Tok::Any),
                b'*' => {
                    if !matches!(toks.last(), Some(Tok::Star)) {
                        toks.push(Tok::Star);
                    }
                }
                b'[' => match class(p, i + 1) {
                    Some((set, next)) => {
                        toks.push(Tok::Class(set));
                        i = next;
                        continue;
                    }
                    None => toks.push(Tok::Lit(b'[')),
                },
                c => toks.push(Tok::Lit(c)),
            }
            i += 1;
        }
        let shape = shape_of(&toks);
        Pattern { toks, shape }
    }

    /// True when the pattern has a `*`.
    pub fn has_star(&self) -> bool {
        self.toks.iter().any(|t| matches!(t, Tok::Star))
    }

    /// Whether the whole of `s` matches.
    pub fn matches(&self, s: &[u8]) -> bool {
        match &self.shape {
            Shape::Exact(l) => s == l.as_slice(),
            Shape::Prefix(l) => s.starts_with(l),
            Shape::Suffix(l) => s.ends_with(l),
            Shape::Contains(l) => l.is_empty() || s.windows(l.len()).any(|w| w == l.as_slice()),
            Shape::General => glob(&self.toks, s),
        }
    }

    /// Whether the (star-free) pattern matches `s` at position `at`.
    pub(crate) fn matches_at(&self, s: &[u8], at: usize) -> bool {
        let n = self.toks.len();
        at + n <= s.len() && self.toks.iter().zip(&s[at..at + n]).all(|(t, &c)| t.one(c))
    }

    /// Positions of non-overlapping matches of a star-free pattern, left to
    /// right.
    pub(crate) fn find_all(&self, s: &[u8]) -> Vec<usize> {
        let n = self.toks.len();
        let mut out = Vec::new();
        let mut i = 0;
        while i + n <= s.len() {
            if self.matches_at(s, i) {
                out.push(i);
                i += n;
            } else {
                i += 1;
            }
        }
        out
    }
}

/// Parses a bracketed class starting after `[`; returns the set and the
/// index after `]`, or `None` when there is no closing bracket.
pub(crate) fn class(p: &[u8], mut i: usize) -> Option<(Box<[bool; 256]>, usize)> {
    let mut set = Box::new([false; 256]);
    let neg = p.get(i) == Some(&b'^');
    if neg {
        i += 1;
    }
    let start = i;
    loop {
        let c = *p.get(i)?;
        // A `]` right after `[` or `[^` is a member, not the end.
        if c == b']' && i > start {
            i += 1;
            break;
        }
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&e| e != b']') {
            let e = p[i + 2];
            for b in c.min(e)..=c.max(e) {
                set[b as usize] = true;
            }
            i += 3;
        } else {
            set[c as usize] = true;
            i += 1;
        }
    }
    if neg {
        for b in set.iter_mut() {
            *b = !*b;
        }
    }
    Some((set, i))
}

pub(crate) fn shape_of(toks: &[Tok]) -> Shape {
    let lit = |ts: &[Tok]| -> Option<Vec<u8>> {
        ts.iter()
            .map(|t| match t {
                Tok::Lit(c) => Some(*c),
                _ => None,
            })
            .collect()
    };
    let n = toks.len();
    let star = |i: usize| matches!(toks.get(i), Some(Tok::Star));
    if let Some(l) = lit(toks) {
        return Shape::Exact(l);
    }
    if n >= 1 && star(n - 1) {
        if let Some(l) = lit(&toks[..n - 1]) {
            return Shape::Prefix(l);
        }
        if n >= 2
            && star(0)
            && let Some(l) = lit(&toks[1..n - 1])
        {
            return Shape::Contains(l);
        }
    }
    if n >= 1
        && star(0)
        && let Some(l) = lit(&toks[1..])
    {
        return Shape::Suffix(l);
    }
    Shape::General
}

/// Glob matching with single-character tokens and `*`: greedy with one
/// backtrack point (the last star), which is exact for such patterns.
pub(crate) fn glob(toks: &[Tok], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut back: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < toks.len() {
            if let Tok::Star = toks[p] {
                back = Some((p, i));
                p += 1;
                continue;
            }
            if toks[p].one(s[i]) {
                p += 1;
                i += 1;
                continue;
            }
        }
        match back {
            Some((bp, bi)) => {
                p = bp + 1;
                i = bi + 1;
                back = Some((bp, bi + 1));
            }
            None => return false,
        }
    }
    toks[p..].iter().all(|t| matches!(t, Tok::Star))
}

/// The bytes of a pattern argument: a string or a char atom.
pub(crate) fn pattern_bytes(y: &Value) -> QResult<Vec<u8>> {
    match y {
        Value::Vector(v) if v.ty() == Ty::Char => Ok(v.as_u8().unwrap_or(&[]).to_vec()),
        Value::Vector(v) if v.is_empty() => Ok(Vec::new()),
        Value::Atom(Atom::Char(c)) => Ok(vec![*c]),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// like
// ---------------------------------------------------------------------------

/// `x like y`: whether string or symbol `x` matches pattern `y`; iterates
/// through lists and dictionary values.
pub fn like(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let bytes = pattern_bytes(&y)?;
    // q matches `*` only at the pattern's ends, or one `*` alone anywhere:
    // `"*the*the"` and `"*the*the*"` are `'nyi`
    let stars: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'*')
        .map(|(i, _)| i)
        .collect();
    let at_ends = |i: &usize| *i == 0 || *i + 1 == bytes.len();
    if stars.len() > 2 || (stars.len() == 2 && !stars.iter().all(at_ends)) {
        return Err(QError::nyi("like"));
    }
    let p = Pattern::new(&bytes);
    like_with(it, &p, x)
}

pub(crate) fn like_with(it: &mut Interp, p: &Pattern, x: Value) -> QResult<Value> {
    match x {
        Value::Vector(v) if v.ty() == Ty::Char => {
            Ok(Value::bool(p.matches(v.as_u8().unwrap_or(&[]))))
        }
        Value::Vector(v) if v.ty() == Ty::Symbol => {
            Ok(Value::Vector(like_syms(p, v.as_sym().unwrap_or(&[]))))
        }
        Value::Vector(v) if v.is_empty() => Ok(Value::Vector(Vector::empty(Ty::Bool))),
        Value::Atom(Atom::Symbol(s)) => Ok(Value::bool(p.matches(s.as_str().as_bytes()))),
        Value::Atom(Atom::Char(c)) => Ok(Value::bool(p.matches(&[c]))),
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for i in l.iter() {
                it.tick()?;
                // a general list holds strings: symbols in it are `'type`
                if matches!(i, Value::Atom(Atom::Symbol(_)))
                    || matches!(i, Value::Vector(v) if v.ty() == Ty::Symbol)
                {
                    return Err(QError::type_());
                }
                out.push(like_with(it, p, i.clone())?);
            }
            if out.is_empty() {
                return Ok(Value::Vector(Vector::empty(Ty::Bool)));
            }
            Ok(Value::from_items(out))
        }
        Value::Dict(d) => Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: like_with(it, p, d.values.clone())?,
            sorted: d.sorted,
        }))),
        _ => Err(QError::type_()),
    }
}

/// `like` over a symbol vector: each distinct symbol is tested once (a
/// table indexed by symbol number when the numbers are dense enough, else
/// a hash map).
pub(crate) fn like_syms(p: &Pattern, syms: &[Sym]) -> Vector {
    let max = syms.iter().map(|s| s.0).max().unwrap_or(0) as usize;
    let mut out = Vec::with_capacity(syms.len());
    if max <= syms.len().saturating_mul(4) + 4096 {
        // 0 unknown, 1 no, 2 yes
        let mut memo = vec![0u8; max + 1];
        for s in syms {
            let m = &mut memo[s.0 as usize];
            if *m == 0 {
                *m = 1 + p.matches(s.as_str().as_bytes()) as u8;
            }
            out.push(*m - 1);
        }
    } else {
        let mut memo: HashMap<u32, u8> = HashMap::new();
        for s in syms {
            let m = *memo
                .entry(s.0)
                .or_insert_with(|| p.matches(s.as_str().as_bytes()) as u8);
            out.push(m);
        }
    }
    Vector::from_u8(Ty::Bool, out)
}

// ---------------------------------------------------------------------------
// ss, ssr
// ---------------------------------------------------------------------------

/// The text of a string argument (`'type` for anything but a string).
pub(crate) fn string_arg(x: &Value) -> QResult<&[u8]> {
    match x {
        Value::Vector(v) if v.ty() == Ty::Char => Ok(v.as_u8().unwrap_or(&[])),
        Value::List(l) if l.is_empty() => Ok(&[]),
        _ => Err(QError::type_()),
    }
}

/// A pattern for `ss`/`ssr`: `'length` for an empty pattern or one with
/// `*`.
pub(crate) fn search_pattern(y: &Value) -> QResult<Pattern> {
    let pb = pattern_bytes(y)?;
    let p = Pattern::new(&pb);
    if p.toks.is_empty() || p.has_star() {
        return Err(QError::length());
    }
    Ok(p)
}

/// `x ss y`: positions of the matches of pattern `y` in string `x`.
pub fn ss(x: Value, y: Value) -> QResult<Value> {
    let s = string_arg(&x)?;
    let p = search_pattern(&y)?;
    let pos = p.find_all(s);
    Ok(Value::Vector(Vector::longs(
        pos.into_iter().map(|i| i as i64).collect(),
    )))
}

/// `ssr[x;y;z]`: `x` with each match of pattern `y` replaced by string `z`,
/// or by `z[match]` when `z` is a function.
pub fn ssr(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [x, y, z]: [Value; 3] = args.try_into().map_err(|_| QError::rank())?;
    let s = string_arg(&x)?;
    let p = search_pattern(&y)?;
    let n = p.toks.len();
    let fixed = match &z {
        Value::Func(_) => None,
        other => Some(pattern_bytes(other)?),
    };
    let pos = p.find_all(s);
    if let Some(r) = &fixed {
        let grow = pos.len().saturating_mul(r.len());
        qcore::check_alloc(s.len().saturating_add(grow), 1)?;
    }
    let mut out = Vec::with_capacity(s.len());
    let mut last = 0;
    for i in pos {
        it.tick()?;
        out.extend_from_slice(&s[last..i]);
        match &fixed {
            Some(r) => out.extend_from_slice(r),
            None => {
                let m = Value::Vector(Vector::chars(&s[i..i + n]));
                let r = apply(it, &z, vec![m])?;
                out.extend_from_slice(&pattern_bytes(&r)?);
            }
        }
        last = i + n;
    }
    out.extend_from_slice(&s[last..]);
    Ok(Value::Vector(Vector::chars(&out)))
}

// ---------------------------------------------------------------------------
// upper, lower
// ---------------------------------------------------------------------------

pub(crate) fn case_map(x: Value, up: bool) -> QResult<Value> {
    let f = |c: u8| {
        if up {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        }
    };
    let fs = |s: Sym| {
        let t = s.as_str();
        let m = if up {
            t.to_ascii_uppercase()
        } else {
            t.to_ascii_lowercase()
        };
        if m == t { s } else { Sym::new(&m) }
    };
    atomic_monad(x, &mut |v| match v {
        Value::Atom(Atom::Char(c)) => Ok(Value::Atom(Atom::Char(f(c)))),
        Value::Atom(Atom::Symbol(s)) => Ok(Value::Atom(Atom::Symbol(fs(s)))),
        Value::Vector(v) if v.ty() == Ty::Char => Ok(Value::Vector(Vector::chars(
            &v.as_u8()
                .unwrap_or(&[])
                .iter()
                .map(|&c| f(c))
                .collect::<Vec<u8>>(),
        ))),
        Value::Vector(v) if v.ty() == Ty::Symbol => {
            let mut memo: HashMap<Sym, Sym> = HashMap::new();
            let out: Vec<Sym> = v
                .as_sym()
                .unwrap_or(&[])
                .iter()
                .map(|&s| *memo.entry(s).or_insert_with(|| fs(s)))
                .collect();
            Ok(Value::Vector(Vector::syms(out)))
        }
        _ => Err(QError::type_()),
    })
}

/// `upper x`.
pub fn upper(x: Value) -> QResult<Value> {
    case_map(x, true)
}

/// `lower x`.
pub fn lower(x: Value) -> QResult<Value> {
    case_map(x, false)
}

// ---------------------------------------------------------------------------
// trim, ltrim, rtrim
// ---------------------------------------------------------------------------

pub(crate) fn trim_value(x: Value, left: bool, right: bool) -> QResult<Value> {
    match x {
        Value::Vector(v) => {
            let n = v.len();
            let null = |i: usize| v.get(i).is_null();
            let mut a = 0;
            if left {
                while a < n && null(a) {
                    a += 1;
                }
            }
            let mut b = n;
            if right {
                while b > a && null(b - 1) {
                    b -= 1;
                }
            }
            if a == 0 && b == n {
                return Ok(Value::Vector(v));
            }
            let mut out = VecBuilder::new(v.ty(), b - a);
            for i in a..b {
                out.push(v.get(i));
            }
            Ok(Value::Vector(out.finish()))
        }
        Value::List(l) => {
            let out = l
                .iter()
                .map(|i| trim_value(i.clone(), left, right))
                .collect::<QResult<Vec<_>>>()?;
            Ok(Value::list(out))
        }
        Value::Dict(d) => Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: trim_value(d.values.clone(), left, right)?,
            sorted: d.sorted,
        }))),
        Value::Table(t) => Ok(Value::Table(Arc::new(Table {
            names: t.names.clone(),
            columns: t
                .columns
                .iter()
                .map(|c| trim_value(c.clone(), left, right))
                .collect::<QResult<_>>()?,
        }))),
        a @ Value::Atom(_) => Ok(a),
        _ => Err(QError::type_()),
    }
}

/// `trim x`: without leading and trailing nulls (spaces in strings).
pub fn trim(x: Value) -> QResult<Value> {
    trim_value(x, true, true)
}

/// `ltrim x`: without leading nulls.
pub fn ltrim(x: Value) -> QResult<Value> {
    trim_value(x, true, false)
}

/// `rtrim x`: without trailing nulls.
pub fn rtrim(x: Value) -> QResult<Value> {
    trim_value(x, false, true)
}

// ---------------------------------------------------------------------------
// md5, sha1

pub(crate) fn text_bytes(x: &Value) -> QResult<Vec<u8>> {
    match x {
        Value::Vector(v) if matches!(v.ty(), Ty::Char | Ty::Byte) => {
            Ok(v.as_u8().unwrap_or(&[]).to_vec())
        }
        Value::Atom(Atom::Char(c)) => Ok(vec![*c]),
        _ => Err(QError::type_()),
    }
}

pub(crate) fn bytes(b: &[u8]) -> Value {
    Value::Vector(Vector::from_u8(Ty::Byte, b.to_vec()))
}

/// `md5 x`: MD5 digest of a string, as 16 bytes.
pub fn md5(x: Value) -> QResult<Value> {
    Ok(bytes(&crate::ipc::md5::md5(&text_bytes(&x)?)))
}

/// `.Q.sha1 x`: SHA-1 digest of a string, as 20 bytes.
pub fn q_sha1(x: Value) -> QResult<Value> {
    Ok(bytes(&sha1_digest(&text_bytes(&x)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Pattern::new(p.as_bytes()).matches(s.as_bytes())
    }

    #[test]
    fn patterns() {
        assert!(m("qu?ck", "quick"));
        assert!(m("br[ao]wn", "brown"));
        assert!(m("quick*", "quickly"));
        assert!(!m("quick", "quickish"));
        assert!(m("br[^o]wn", "brawn"));
        assert!(!m("br[^o]wn", "brown"));
        assert!(m("[bf]r[]]wn", "br]wn"));
        assert!(m("a[[]c", "a[c"));
        assert!(m("br[0-3]wn", "br0wn"));
        assert!(m("*321-[0-9]*", "Smith 321-832e"));
        assert!(m("*the*the*", "the cat and the hat"));
        assert!(!m("*the*the*", "the cat"));
        assert!(m("*", ""));
        assert!(!m("?", ""));
        assert!(m("br*wn", "broom of your own"));
    }

    #[test]
    fn find_all_non_overlapping() {
        let p = Pattern::new(b"t?r");
        assert_eq!(p.find_all(b"toronto ontario"), vec![0, 10]);
        let p = Pattern::new(b"[ir]o");
        assert_eq!(p.find_all(b"toronto ontario"), vec![2, 13]);
    }
}
