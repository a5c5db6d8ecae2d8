//! Evaluation and environment: `value get eval parse set system getenv
//! setenv exit attr`, attributes (`` `s#x `` and friends, through `#`), the
//! `\S` seed command, and the searches that use the sorted attribute.
//!
//! Parse trees follow q: a list whose first item is applied to the rest,
//! names as symbols, constants as themselves, a symbol constant enlisted.
//! Where q shows a keyword by its k definition (`-:` for `neg`, `@:` for
//! `type`), borf shows the keyword's q name.

use std::cmp::Ordering;
use std::sync::Arc;

use qparser::Adverb;
use qparser::ExprKind;

use crate::eval::apply::apply;
use crate::eval::compile::compile_lambda;
use crate::eval::compile::derive;
use crate::eval::compile::literal;
use crate::eval::compile::qualify;
use crate::interp::Interp;
use crate::interp::Outcome;
use qcore::Func;
use qcore::Sym;
use qcore::Atom;
use qcore::Attr;
use qcore::Dict;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qcore::Prim;
use qcore::QError;
use qcore::QResult;

use super::registry;
use super::sort::cmp_atoms;
use super::sort::cmp_values;

fn builtin(name: &str) -> QResult<Value> {
    registry::lookup(name)
        .map(registry::func)
        .ok_or_else(|| QError::nyi(name))
}

// ---------------------------------------------------------------------------
// Names

/// The value a symbol names: a global (in the current namespace, then at
/// root), a keyword by its name or its `.q.` name, or a system value.
pub fn resolve_name(it: &mut Interp, s: Sym) -> QResult<Value> {
    let t = s.as_str();
    if t.starts_with(':') {
        return Err(QError::nyi(&format!("{t}: file handles (storage issue)")));
    }
    let full = qualify(it.namespace, t);
    if let Some(v) = it.get_global(full).or_else(|| it.get_global(s)) {
        return Ok(v);
    }
    let kw = t.strip_prefix(".q.").unwrap_or(t);
    if let Some(i) = registry::lookup(kw) {
        let b = registry::get(i);
        if registry::is_system_value(i)
            && let Some(m) = b.monad
        {
            return m(it, Value::Nil);
        }
        return Ok(registry::func(i));
    }
    Err(super::keywords::undefined(t))
}

// ---------------------------------------------------------------------------
// value, get, eval

/// `value x` (and `get x`): dictionary values, a variable by name, the
/// evaluation of a string, the application of a list, the parts of a
/// projection, composition or derived function, an operator's code.
pub fn value(it: &mut Interp, x: Value) -> QResult<Value> {
    match x {
        Value::Dict(d) => Ok(d.values.clone()),
        Value::Vector(ref v) if v.ty() == Ty::Char => {
            let src = x.as_string().unwrap_or_default();
            it.eval_str(&src)
        }
        Value::Atom(Atom::Char(c)) => it.eval_str(&(c as char).to_string()),
        Value::Atom(Atom::Symbol(s)) => resolve_name(it, s),
        Value::List(l) if !l.is_empty() => {
            let f = match &l[0] {
                Value::Atom(Atom::Symbol(s)) => resolve_name(it, *s)?,
                Value::Vector(v) if v.ty() == Ty::Char => value(it, l[0].clone())?,
                other => other.clone(),
            };
            apply(it, &f, l[1..].to_vec())
        }
        Value::Func(Func::Projection(p)) => {
            // trailing unfilled slots are implied, as q shows (`value +[2]` is (+;2))
            let last = p
                .args
                .iter()
                .rposition(Option::is_some)
                .map_or(0, |i| i + 1);
            let mut items = vec![p.func.clone()];
            items.extend(
                p.args[..last]
                    .iter()
                    .map(|a| a.clone().unwrap_or(Value::Nil)),
            );
            Ok(Value::list(items))
        }
        Value::Func(Func::Composition(c)) => Ok(Value::list(c.as_ref().clone())),
        Value::Func(Func::Derived(d)) => Ok(d.operand.clone()),
        Value::Func(Func::Builtin(p)) => {
            let (b, i) = (registry::get(p.id), p.id);
            if b.kind == registry::Kind::Operator && i < 20 {
                Ok(Value::long(i as i64))
            } else if matches!(b.name, "value" | "get") {
                Ok(Value::long(19))
            } else {
                Err(QError::nyi(&format!("value of the keyword {}", b.name)))
            }
        }
        Value::Func(Func::Lambda(_)) => Err(QError::nyi("value of a lambda")),
        // `::` is primitive 0 (q's `value each (::;+;-)` is `0 1 2`).
        Value::Nil => Ok(Value::long(0)),
        other => Ok(other),
    }
}

/// `get x`: as `value`; a file handle belongs to the storage issue.
pub fn get(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Value::Atom(Atom::Symbol(s)) = &x
        && s.as_str().starts_with(':')
    {
        return super::storage::get_file(it, *s);
    }
    value(it, x)
}

/// `eval x`: evaluates a parse tree. A symbol is a variable, a one-item
/// list (`enlist x`) its item unevaluated, a longer general list an
/// application of its evaluated first item to its evaluated other items
/// (right to left), anything else a constant.
pub fn eval(it: &mut Interp, x: Value) -> QResult<Value> {
    it.tick()?;
    match x {
        Value::Atom(Atom::Symbol(s)) => resolve_name(it, s),
        Value::Vector(ref v) if v.ty() == Ty::Symbol && v.len() == 1 => Ok(Value::Atom(v.get(0))),
        Value::List(l) => match l.len() {
            0 => Ok(Value::List(l)),
            1 => Ok(l[0].clone()),
            _ => eval_apply(it, &l),
        },
        other => Ok(other),
    }
}

fn eval_apply(it: &mut Interp, l: &[Value]) -> QResult<Value> {
    let head = &l[0];
    let args = &l[1..];
    // special forms: assignment, $[..], statement sequence
    match head {
        Value::Func(Func::Builtin(Prim { id: 0, .. })) | Value::Nil if args.len() == 2 => {
            if let Value::Atom(Atom::Symbol(s)) = &args[0] {
                let v = eval(it, args[1].clone())?;
                if it.no_update {
                    return Err(QError::new("noupdate"));
                }
                let name = if matches!(head, Value::Nil) {
                    qualify(Sym::new("."), s.as_str())
                } else {
                    qualify(it.namespace, s.as_str())
                };
                it.set_global(name, v.clone());
                return Ok(v);
            }
        }
        Value::Func(Func::Builtin(p)) if p.name == "$" && args.len() > 2 => {
            let mut k = 0;
            while k + 1 < args.len() {
                let c = eval(it, args[k].clone())?;
                if truthy(&c)? {
                    return eval(it, args[k + 1].clone());
                }
                k += 2;
            }
            return if k < args.len() {
                eval(it, args[k].clone())
            } else {
                Ok(Value::Nil)
            };
        }
        Value::Vector(v) if v.ty() == Ty::Char && v.as_u8() == Some(b";") => {
            let mut last = Value::Nil;
            for a in args {
                last = eval(it, a.clone())?;
            }
            return Ok(last);
        }
        _ => {}
    }
    let mut vals = Vec::with_capacity(args.len());
    for a in args.iter().rev() {
        vals.push(eval(it, a.clone())?);
    }
    vals.reverse();
    let f = match head {
        Value::Atom(Atom::Symbol(s)) => resolve_name(it, *s)?,
        Value::List(_) => eval(it, head.clone())?,
        other => other.clone(),
    };
    apply(it, &f, vals)
}

fn truthy(v: &Value) -> QResult<bool> {
    match v {
        Value::Atom(a) => Ok(a.to_i64().is_some_and(|n| n != 0)),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// parse

/// `parse x`: the parse tree of the string `x`.
pub fn parse(it: &mut Interp, x: Value) -> QResult<Value> {
    let src = match &x {
        Value::Vector(v) if v.ty() == Ty::Char => x.as_string().unwrap_or_default(),
        Value::Atom(Atom::Char(c)) => (*c as char).to_string(),
        _ => return Err(QError::type_()),
    };
    let source: Arc<str> = Arc::from(src.as_str());
    let ast = qparser::parse(&src).map_err(|e| {
        QError::new(e.name.clone())
            .with_detail(e.message.clone())
            .at(&source, e.span.clone())
    })?;
    tree(it, &ast, &source)
}

/// The unary form of a glyph as the keyword q defines with it.
fn unary_keyword(glyph: &str) -> Option<&'static str> {
    Some(match glyph {
        "+" => "flip",
        "-" => "neg",
        "*" => "first",
        "%" => "reciprocal",
        "&" => "where",
        "|" => "reverse",
        "^" => "null",
        "=" => "group",
        "<" => "iasc",
        ">" => "idesc",
        "$" => "string",
        "," => "enlist",
        "#" => "count",
        "_" => "floor",
        "~" => "not",
        "!" => "key",
        "?" => "distinct",
        "@" => "type",
        "." => "value",
        _ => return None,
    })
}

fn adverb_value(a: Adverb) -> QResult<Value> {
    builtin(a.glyph())
}

pub(crate) fn tree(it: &mut Interp, e: &qparser::Expr, src: &Arc<str>) -> QResult<Value> {
    Ok(match &e.kind {
        ExprKind::Lit(l) => {
            let v = literal(l);
            match v {
                Value::Atom(Atom::Symbol(_)) => Value::Vector(Vector::syms(vec![match v {
                    Value::Atom(Atom::Symbol(s)) => s,
                    _ => Sym::EMPTY,
                }])),
                Value::Vector(ref w) if w.ty() == Ty::Symbol => Value::list(vec![v]),
                other => other,
            }
        }
        ExprKind::Name(n) => name_tree(n),
        ExprKind::Verb(v) if v == "::" => Value::Nil,
        ExprKind::Verb(v) => builtin(v)?,
        ExprKind::Derived(a, f) => Value::list(vec![adverb_value(*a)?, tree(it, f, src)?]),
        ExprKind::Call(f, args) => {
            let mut items = vec![if matches!(&f.kind, ExprKind::Verb(v) if v == "'") {
                builtin("'")?
            } else {
                tree(it, f, src)?
            }];
            for a in args {
                items.push(tree(it, a, src)?);
            }
            Value::list(items)
        }
        ExprKind::Monadic(f, x) => {
            let fv = match &f.kind {
                ExprKind::Verb(v) => match unary_keyword(v) {
                    Some(k) => builtin(k)?,
                    None => tree(it, f, src)?,
                },
                _ => tree(it, f, src)?,
            };
            Value::list(vec![fv, tree(it, x, src)?])
        }
        ExprKind::Dyadic(f, x, y) => Value::list(vec![
            tree(it, f, src)?,
            tree(it, x, src)?,
            tree(it, y, src)?,
        ]),
        ExprKind::LeftProj(f, x) => Value::list(vec![tree(it, f, src)?, tree(it, x, src)?]),
        ExprKind::Lambda(l) => Value::Func(Func::Lambda(Arc::new(compile_lambda(
            l,
            it.namespace,
            src,
            e.span.clone(),
        )?))),
        ExprKind::List(items) => {
            let mut out = vec![builtin("enlist")?];
            for a in items {
                out.push(tree(it, a, src)?);
            }
            Value::list(out)
        }
        ExprKind::Elided => Value::Nil,
        ExprKind::Assign(a) => {
            let target = match &a.indexes {
                None => Value::sym(&a.name),
                Some(ix) => {
                    let mut t = vec![Value::sym(&a.name)];
                    for i in ix {
                        t.push(tree(it, i, src)?);
                    }
                    Value::list(t)
                }
            };
            let rhs = tree(it, &a.value, src)?;
            let rhs = match &a.modifier {
                Some(m) => Value::list(vec![tree(it, m, src)?, Value::sym(&a.name), rhs]),
                None => rhs,
            };
            let head = if a.global { Value::Nil } else { builtin(":")? };
            Value::list(vec![head, target, rhs])
        }
        ExprKind::Cond(v) => {
            let mut out = vec![builtin("$")?];
            for a in v {
                out.push(tree(it, a, src)?);
            }
            Value::list(out)
        }
        ExprKind::Block(v) => {
            let mut out = vec![Value::string(";")];
            for a in v {
                out.push(tree(it, a, src)?);
            }
            Value::list(out)
        }
        ExprKind::If(_) | ExprKind::Do(_) | ExprKind::While(_) => {
            return Err(QError::nyi("parse of if, do and while"));
        }
        ExprKind::Return(_) | ExprKind::Signal(_) => {
            return Err(QError::nyi("parse of return and signal"));
        }
        ExprKind::Sql(q) => crate::eval::sql::parse_tree(it, q, &mut |it, e| tree(it, e, src))?,
    })
}

fn name_tree(n: &str) -> Value {
    match registry::lookup(n) {
        Some(i) if !registry::is_system_value(i) => registry::func(i),
        _ => Value::sym(n),
    }
}

// ---------------------------------------------------------------------------
// set, system, getenv, setenv, exit

/// `` `name set y ``: assigns a global, returning the name.
pub fn set(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    if it.no_update {
        return Err(QError::new("noupdate"));
    }
    let Value::Atom(Atom::Symbol(s)) = x else {
        return Err(QError::type_());
    };
    let t = s.as_str();
    if t.starts_with(':') {
        return super::storage::set_file(it, s, y);
    }
    if t.is_empty() {
        return Err(QError::type_());
    }
    if registry::lookup(t).is_some() {
        return Err(QError::new("assign").with_detail(format!("cannot redefine {t}")));
    }
    it.set_global(qualify(it.namespace, t), y);
    Ok(x)
}

/// `system "cmd"`: runs a system command as `\cmd` would, returning its
/// value (`::` when it has none). Commands q does not know go to the shell
/// and give its output lines.
pub fn system(it: &mut Interp, x: Value) -> QResult<Value> {
    let cmd = match &x {
        Value::Vector(v) if v.ty() == Ty::Char => x.as_string().unwrap_or_default(),
        Value::Atom(Atom::Char(c)) => (*c as char).to_string(),
        _ => return Err(QError::type_()),
    };
    let cmd = cmd.trim();
    crate::ipc::check_command(it, cmd)?;
    let name = cmd.split_whitespace().next().unwrap_or("");
    if name == "\\" {
        it.exit_request = Some(0);
        return Err(QError::new("exit"));
    }
    match it.system(cmd) {
        Ok(Outcome::Value(v)) => Ok(v),
        Ok(Outcome::Silent) => Ok(Value::Nil),
        Ok(Outcome::Text(t)) => Ok(Value::list(t.lines().map(Value::string).collect())),
        Ok(Outcome::Exit(c)) => {
            it.exit_request = Some(c);
            Err(QError::new("exit"))
        }
        Err(e) if e.name == "nyi" && name.len() > 1 => shell(cmd),
        Err(e) => Err(e),
    }
}

fn shell(cmd: &str) -> QResult<Value> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .map_err(|_| QError::new("os"))?;
    if !out.status.success() {
        return Err(QError::new("os").with_detail(format!("{cmd} failed")));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(Value::list(text.lines().map(Value::string).collect()))
}

fn env_name(x: &Value) -> QResult<String> {
    match x {
        Value::Atom(Atom::Symbol(s)) => Ok(s.as_str().to_string()),
        _ => Err(QError::type_()),
    }
}

/// `` getenv `NAME ``: the variable's value, `""` when unset.
pub fn getenv(_: &mut Interp, x: Value) -> QResult<Value> {
    let n = env_name(&x)?;
    Ok(Value::string(&std::env::var(&n).unwrap_or_default()))
}

/// `` `NAME setenv "value" ``.
pub fn setenv(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let n = env_name(&x)?;
    let v = y.as_string().ok_or_else(QError::type_)?;
    if n.is_empty() || n.contains('=') || n.contains('\0') || v.contains('\0') {
        return Err(QError::domain());
    }
    // SAFETY: all evaluation happens on the interpreter's one thread, and
    // borf starts no thread that reads the environment.
    unsafe { std::env::set_var(&n, &v) };
    Ok(Value::Nil)
}

/// `exit n`: ends the process with code `n` (the evaluation unwinds first).
pub fn exit(it: &mut Interp, x: Value) -> QResult<Value> {
    let code = match &x {
        Value::Atom(a) if a.ty().is_integral() && a.ty() != Ty::Char => a.to_i64().unwrap_or(0),
        _ => return Err(QError::type_()),
    };
    it.exit_request = Some(code as i32);
    Err(QError::new("exit").with_detail(format!("exit {code}")))
}

thread_local! {
    /// The seed `\S` shows: q's default `-314159`, then the last one set.
    static SEED_SHOWN: std::cell::Cell<i32> = const { std::cell::Cell::new(-314159) };
}

/// `\S` / `\S n`: the random seed (the generator restarts from `n`).
pub fn seed_command(rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        return Ok(Outcome::Value(Value::int(SEED_SHOWN.with(|s| s.get()))));
    }
    let n: i32 = rest.trim().parse().map_err(|_| QError::type_())?;
    SEED_SHOWN.with(|s| s.set(n));
    super::list::set_seed(n as i64 as u64);
    Ok(Outcome::Silent)
}

// ---------------------------------------------------------------------------
// Attributes

fn attr_sym(a: Attr) -> &'static str {
    match a {
        Attr::None => "",
        Attr::Sorted => "s",
        Attr::Unique => "u",
        Attr::Parted => "p",
        Attr::Grouped => "g",
    }
}

/// `attr x`: the attribute of a list (`` ` `` for none).
pub fn attr(_: &mut Interp, x: Value) -> QResult<Value> {
    let a = match &x {
        Value::Vector(v) => attr_sym(v.attr),
        Value::Dict(d) if d.sorted => "s",
        _ => "",
    };
    Ok(Value::sym(a))
}

/// True for an attribute name `` `s`u`p`g `` or the null symbol.
pub fn is_attr_name(s: Sym) -> bool {
    matches!(s.as_str(), "" | "s" | "u" | "p" | "g")
}

fn parse_attr(s: Sym) -> Attr {
    match s.as_str() {
        "s" => Attr::Sorted,
        "u" => Attr::Unique,
        "p" => Attr::Parted,
        "g" => Attr::Grouped,
        _ => Attr::None,
    }
}

fn is_sorted_items(x: &Value) -> bool {
    match x {
        Value::Vector(v) => {
            (1..v.len()).all(|i| cmp_atoms(&v.get(i - 1), &v.get(i)) != Ordering::Greater)
        }
        Value::List(l) => l
            .windows(2)
            .all(|w| cmp_values(&w[0], &w[1]) != Ordering::Greater),
        _ => true,
    }
}

fn is_unique_items(x: &Value) -> QResult<bool> {
    Ok(super::list::group_ids(x)?.1.len() == x.count())
}

/// Each distinct value in one run.
fn is_parted_items(x: &Value) -> QResult<bool> {
    let (ids, _) = super::list::group_ids(x)?;
    let mut seen = std::collections::HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if (i == 0 || ids[i - 1] != *id) && !seen.insert(*id) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn check_attr(a: Attr, x: &Value) -> QResult<()> {
    match a {
        Attr::None => Ok(()),
        Attr::Sorted if !is_sorted_items(x) => Err(QError::new("s-fail")),
        Attr::Sorted => Ok(()),
        Attr::Unique if !is_unique_items(x)? => Err(QError::new("u-fail")),
        Attr::Parted if !matches!(x, Value::Vector(_)) => Err(QError::type_()),
        Attr::Parted if !is_parted_items(x)? => Err(QError::new("u-fail")),
        Attr::Grouped if !matches!(x, Value::Vector(_)) => Err(QError::type_()),
        _ => Ok(()),
    }
}

fn with_attr(a: Attr, x: Value) -> QResult<Value> {
    check_attr(a, &x)?;
    Ok(match x {
        Value::Vector(mut v) => {
            v.attr = a;
            Value::Vector(v)
        }
        // general lists carry no attribute in borf: checked, then unchanged
        other => other,
    })
}

/// `` `s#y `` `` `u#y `` `` `p#y `` `` `g#y `` and `` `#y ``: sets (or
/// removes) an attribute after checking the list qualifies.
pub fn set_attribute(s: Sym, y: Value) -> QResult<Value> {
    let a = parse_attr(s);
    match y {
        Value::Vector(_) | Value::List(_) => with_attr(a, y),
        Value::Dict(d) => {
            let keys = with_attr(a, d.keys.clone())?;
            Ok(Value::Dict(Arc::new(Dict {
                keys,
                values: d.values.clone(),
                sorted: a == Attr::Sorted,
            })))
        }
        Value::Table(t) => {
            if t.columns.is_empty() {
                return Ok(Value::Table(t));
            }
            // q sets the parted attribute on the first column for `s#t
            let ca = if a == Attr::Sorted { Attr::Parted } else { a };
            if a == Attr::Sorted {
                check_attr(Attr::Sorted, &t.columns[0])?;
            }
            let mut cols = t.columns.clone();
            cols[0] = with_attr(ca, cols[0].clone())?;
            Ok(Value::Table(Arc::new(Table {
                names: t.names.clone(),
                columns: cols,
            })))
        }
        Value::Atom(_) if a == Attr::None => Ok(y),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// Searches on sorted lists

fn lower_bound(v: &Vector, a: &Atom) -> usize {
    let (mut lo, mut hi) = (0, v.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if cmp_atoms(&v.get(mid), a) == Ordering::Less {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn upper_bound(v: &Vector, a: &Atom) -> usize {
    let (mut lo, mut hi) = (0, v.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if cmp_atoms(&v.get(mid), a) == Ordering::Greater {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

fn sorted_find_atom(v: &Vector, a: &Atom) -> i64 {
    let i = lower_bound(v, a);
    if i < v.len() && cmp_atoms(&v.get(i), a) == Ordering::Equal {
        i as i64
    } else {
        v.len() as i64
    }
}

/// `x?y` on a vector with the sorted attribute: binary search, the same
/// result as the hash search (first occurrence, `count x` when absent).
/// `None` when the probe is not of the vector's type.
pub fn sorted_find(x: &Vector, y: &Value) -> Option<Value> {
    if x.attr != Attr::Sorted || x.ty() == Ty::Guid {
        return None;
    }
    match y {
        Value::Atom(a) if a.ty() == x.ty() => Some(Value::long(sorted_find_atom(x, a))),
        Value::Vector(w) if w.ty() == x.ty() => {
            let out = (0..w.len())
                .map(|i| sorted_find_atom(x, &w.get(i)))
                .collect();
            Some(Value::Vector(Vector::longs(out)))
        }
        _ => None,
    }
}

/// `x within (lo;hi)` on an integral vector with the sorted attribute and
/// atom bounds of its own type: two binary searches. `None` otherwise.
pub fn sorted_within(x: &Value, lo: &Value, hi: &Value) -> Option<Value> {
    let (Value::Vector(v), Value::Atom(l), Value::Atom(h)) = (x, lo, hi) else {
        return None;
    };
    let ty = v.ty();
    let integral = matches!(
        v.data(),
        qcore::VecData::I16(_) | qcore::VecData::I32(_) | qcore::VecData::I64(_)
    );
    if v.attr != Attr::Sorted || !integral || l.ty() != ty || h.ty() != ty {
        return None;
    }
    let a = lower_bound(v, l);
    let b = upper_bound(v, h).max(a);
    let mut out = vec![0u8; v.len()];
    out[a..b].iter_mut().for_each(|o| *o = 1);
    Some(Value::Vector(Vector::from_u8(Ty::Bool, out)))
}

// ---------------------------------------------------------------------------
// Iterators as values (`(/;+)` in a parse tree)

fn derive_with(a: Adverb, f: Value) -> QResult<Value> {
    Ok(derive(a, f))
}

pub fn iter_each(_: &mut Interp, f: Value) -> QResult<Value> {
    derive_with(Adverb::Each, f)
}
pub fn iter_over(_: &mut Interp, f: Value) -> QResult<Value> {
    derive_with(Adverb::Over, f)
}
pub fn iter_scan(_: &mut Interp, f: Value) -> QResult<Value> {
    derive_with(Adverb::Scan, f)
}
pub fn iter_prior(_: &mut Interp, f: Value) -> QResult<Value> {
    derive_with(Adverb::Prior, f)
}
pub fn iter_each_right(_: &mut Interp, f: Value) -> QResult<Value> {
    derive_with(Adverb::EachRight, f)
}
pub fn iter_each_left(_: &mut Interp, f: Value) -> QResult<Value> {
    derive_with(Adverb::EachLeft, f)
}
