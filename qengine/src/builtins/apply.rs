//! Application: the glyphs `:` (identity `::x`, `(:)[x;y]`), `@` and `.`
//! in all their ranks — `x@y` and `x . y` apply or index, `@[x;i;f(;y)]`
//! and `.[x;i;f(;y)]` amend (a symbol `x` amends the global in place and
//! returns the name), `@[f;x;h]` and `.[f;x;h]` trap — and the one place
//! every other module goes to call a q function: [`apply`] (by argument
//! count, projecting when short), [`call`] (`f[a;b]`), [`apply_monadic`]
//! (`f x`), [`apply2`], [`valence`] and [`project`].
//!
//! Indexing and amending themselves live in `builtins/index.rs`; lambdas
//! are run through the `Evaluator` methods of `Interp`, so this module
//! never calls the evaluator directly (layer rule, `tests/layers.rs`).

use crate::builtins::index::amend;
use crate::builtins::index::amend_deep;
use crate::builtins::index::index_at_depth;
use crate::registry;
use crate::state::Interp;
use crate::state::LambdaArgs;
use qcore::Atom;
use qcore::Func;
use qcore::Projection;
use qcore::QError;
use qcore::QResult;
use qcore::Value;
use std::sync::Arc;

/// `::x`: identity.
pub fn identity(x: Value) -> QResult<Value> {
    Ok(x)
}

/// `x : y` as a function (`(:)[x;y]`): its right argument.
pub fn dyad_colon(_x: Value, y: Value) -> QResult<Value> {
    Ok(y)
}

/// `x@y`: apply or index at one argument.
pub fn at(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    // `f@x` is `f[x]`: a glyph operator given one argument this way is
    // projected, as `#[x]` is (ref/take: `(#)@'(1 0 2;…)` are projections)
    if let Value::Func(Func::Builtin(p)) = &x {
        let b = registry::get(p.id);
        if b.kind == registry::Kind::Operator && b.dyad.is_some() && b.name.len() == 1 {
            return project(x, vec![Some(y), None]);
        }
    }
    apply_monadic(it, &x, y)
}

/// `x . y`: apply to the items of y.
pub fn dot(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    // A unary keyword takes the whole right argument: `count . 1 4 3` is 3
    // (q's Apply page).
    if let Value::Func(qcore::Func::Builtin(p)) = &x {
        let b = crate::registry::get(p.id);
        if let (Some(m), None, None) = (b.monad, b.dyad, b.nary)
            && y.count() != 1
        {
            return m.call(it, y);
        }
    }
    let args = match y {
        Value::Nil => vec![Value::Nil],
        Value::Atom(_) => {
            if matches!(x, Value::Func(_)) {
                return Err(QError::rank());
            }
            vec![y]
        }
        other => other.items_of_list()?,
    };
    if let Value::Func(_) | Value::Atom(Atom::Symbol(_)) = x {
        apply(it, &x, args)
    } else {
        index_at_depth(it, &x, &args)
    }
}

/// Runs `f` on `args`; on error, applies the handler to the message (or
/// returns the handler when it is not a function).
pub(crate) fn trap(it: &mut Interp, f: &Value, args: Vec<Value>, h: Value) -> QResult<Value> {
    let saved_depth = it.depth;
    // an error under a trap is caught, never suspended (basics/debug.md:
    // Trap sets error-trap mode 0)
    let armed = std::mem::replace(&mut it.debug.armed, false);
    let r = apply(it, f, args);
    it.debug.armed = armed;
    match r {
        Ok(v) => Ok(v),
        Err(e) => {
            it.depth = saved_depth;
            if e.name == "stop" || it.exit_request.is_some() {
                return Err(e);
            }
            match h {
                Value::Func(_) => apply(it, &h, vec![Value::string(&e.name)]),
                other => Ok(other),
            }
        }
    }
}

/// True for an integer atom that is a handle: 0 (this process), the
/// standard streams 1 and 2, or an open connection (negated for async).
fn is_handle(it: &Interp, x: &Value) -> bool {
    match x {
        Value::Atom(a @ (Atom::Int(_) | Atom::Long(_))) => {
            matches!(a.to_i64(), Some(-2..=2)) || crate::ipc::handle_of(it, a).is_some()
        }
        _ => false,
    }
}

/// Amends a global named by a symbol (`@[`x;...]`), returning the symbol.
pub(crate) fn amend_named(
    it: &mut Interp,
    s: qcore::Sym,
    f: impl FnOnce(&mut Interp, Value) -> QResult<Value>,
) -> QResult<Value> {
    if it.no_update {
        return Err(QError::new("noupdate"));
    }
    // a file (`.[`:L;();:;()]` creates a log): read, amend, write back
    if s.as_str().starts_with(':') {
        let old = crate::storage::object::get_file(it, s).unwrap_or(Value::Nil);
        let new = f(it, old)?;
        crate::storage::object::set_file(it, s, new)?;
        return Ok(Value::Atom(Atom::Symbol(s)));
    }
    let name = crate::state::qualify(it.namespace, s.as_str());
    if it.get_global(name).is_none()
        && let Some(ns) = it.namespace_value(name.as_str())
    {
        return amend_namespace(it, s, name, ns, f);
    }
    let old = it.get_global(name).unwrap_or(Value::Nil);
    let new = f(it, old)?;
    it.set_global(name, new);
    Ok(Value::Atom(Atom::Symbol(s)))
}

/// Amends a namespace named by a symbol as the dictionary it is, then
/// stores its entries back as globals: `@[`.;`t;0#]` empties the root
/// table `t`, `@[`.u;`i;+;1]` adds to `.u.i`.
fn amend_namespace(
    it: &mut Interp,
    s: qcore::Sym,
    name: qcore::Sym,
    ns: Value,
    f: impl FnOnce(&mut Interp, Value) -> QResult<Value>,
) -> QResult<Value> {
    let Value::Dict(before) = &ns else {
        return Err(QError::type_());
    };
    let old_keys = before.keys.clone();
    let new = f(it, ns)?;
    let Value::Dict(d) = new else {
        return Err(QError::type_());
    };
    let (Value::Vector(keys), Value::Vector(was)) = (&d.keys, &old_keys) else {
        return Err(QError::type_());
    };
    let (Some(keys), Some(was)) = (keys.as_sym(), was.as_sym()) else {
        return Err(QError::type_());
    };
    let values = d.values.items();
    for (k, v) in keys.iter().zip(values) {
        if k.is_null() {
            continue;
        }
        let full = crate::state::qualify(name, k.as_str());
        // a namespace inside stays as it is; new names become globals
        if it.get_global(full).is_some() || !was.contains(k) {
            it.set_global(full, v);
        }
    }
    Ok(Value::Atom(Atom::Symbol(s)))
}

/// `@[x;i;f]`, `@[x;i;f;y]` amend, `@[f;x;h]` trap.
pub fn at_n(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let mut a = args.into_iter();
    match a.len() {
        3 => {
            let (x, i, f) = (
                a.next().unwrap_or(Value::Nil),
                a.next().unwrap_or(Value::Nil),
                a.next().unwrap_or(Value::Nil),
            );
            if let Value::Func(_) = x {
                return trap(it, &x, vec![i], f);
            }
            // A connection handle is applicable: `@[h;"1+1";{x}]`.
            if is_handle(it, &x) {
                return trap(it, &x, vec![i], f);
            }
            if let Value::Atom(Atom::Symbol(s)) = x {
                return amend_named(it, s, |it, old| amend(it, old, &i, Some(&f), None));
            }
            amend(it, x, &i, Some(&f), None)
        }
        4 => {
            let x = a.next().unwrap_or(Value::Nil);
            let i = a.next().unwrap_or(Value::Nil);
            let f = a.next().unwrap_or(Value::Nil);
            let y = a.next().unwrap_or(Value::Nil);
            if let Value::Atom(Atom::Symbol(s)) = x {
                return amend_named(it, s, |it, old| amend(it, old, &i, Some(&f), Some(y)));
            }
            amend(it, x, &i, Some(&f), Some(y))
        }
        _ => Err(QError::rank()),
    }
}

/// `.[x;i;f]`, `.[x;i;f;y]` amend at depth, `.[f;args;h]` trap.
pub fn dot_n(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let mut a = args.into_iter();
    match a.len() {
        3 => {
            let (x, i, f) = (
                a.next().unwrap_or(Value::Nil),
                a.next().unwrap_or(Value::Nil),
                a.next().unwrap_or(Value::Nil),
            );
            if matches!(x, Value::Func(_)) || is_handle(it, &x) {
                let args = match i {
                    Value::Atom(_) | Value::Nil => vec![i],
                    other => other.items_of_list()?,
                };
                return trap(it, &x, args, f);
            }
            let path = path_of(&i)?;
            if let Value::Atom(Atom::Symbol(s)) = x {
                return amend_named(it, s, |it, old| amend_deep(it, old, &path, Some(&f), None));
            }
            amend_deep(it, x, &path, Some(&f), None)
        }
        4 => {
            let x = a.next().unwrap_or(Value::Nil);
            let i = a.next().unwrap_or(Value::Nil);
            let f = a.next().unwrap_or(Value::Nil);
            let y = a.next().unwrap_or(Value::Nil);
            let path = path_of(&i)?;
            if let Value::Atom(Atom::Symbol(s)) = x {
                return amend_named(it, s, |it, old| {
                    amend_deep(it, old, &path, Some(&f), Some(y))
                });
            }
            amend_deep(it, x, &path, Some(&f), Some(y))
        }
        _ => Err(QError::rank()),
    }
}

pub(crate) fn path_of(i: &Value) -> QResult<Vec<Value>> {
    Ok(match i {
        Value::Atom(_) | Value::Nil => vec![i.clone()],
        other => other.items(),
    })
}

/// Applies `f` to `args` by count (the `.` form `f . args`, and `f[a;b]`
/// without elided arguments). Builtins use the form of that valence.
pub fn apply(it: &mut Interp, f: &Value, args: Vec<Value>) -> QResult<Value> {
    match f {
        Value::Func(func) => apply_func(it, func, args),
        // An open IPC connection handle: `h"expr"`, `neg[h]"expr"` (ipc/).
        Value::Atom(a) if let Some(h) = crate::ipc::handle_of(it, a) => {
            crate::ipc::send(it, h, args)
        }
        // A handle applied to a string writes it: `-1 "text"` (strings.rs).
        Value::Atom(a @ (Atom::Long(_) | Atom::Int(_) | Atom::Short(_))) if args.len() == 1 => {
            match crate::builtins::io::handle::write_handle(it, a.to_i64().unwrap_or(0), &args[0]) {
                Some(r) => r,
                None => crate::builtins::index::index_at_depth(it, f, &args),
            }
        }
        // A one-shot request: `` `:host:port "1+1" ``, `` `:http://host "GET ..." ``.
        Value::Atom(Atom::Symbol(s)) if s.as_str().starts_with(':') && args.len() == 1 => {
            crate::ipc::one_shot(it, *s, args.into_iter().next().unwrap_or(Value::Nil))
        }
        // A name applies (or indexes) its value: `` `.u `i`L ``, `` `d@`a ``.
        Value::Atom(Atom::Symbol(s)) if !s.is_null() && !s.as_str().starts_with(':') => {
            let v = crate::builtins::interpret::resolve_name(it, *s)?;
            apply(it, &v, args)
        }
        _ => crate::builtins::index::index_at_depth(it, f, &args),
    }
}

/// Applies `f` to two arguments; a builtin's dyadic form is called without
/// building an argument vector (the interpreter's hottest path).
#[inline]
pub fn apply2(it: &mut Interp, f: &Value, x: Value, y: Value) -> QResult<Value> {
    match f {
        Value::Func(Func::Builtin(p)) if let Some(d) = registry::get(p.id).dyad => d.call(it, x, y),
        Value::Func(l @ Func::Lambda(lam)) if lam.params.len() == 2 => {
            it.call_lambda(l, LambdaArgs::Two(x, y))
        }
        _ => apply(it, f, vec![x, y]),
    }
}

/// Applies `f` to one argument, as [`apply`] does; a builtin's monadic
/// form and a lambda of one parameter are called without building an
/// argument vector (every `each`, converge and repeat step).
#[inline]
pub fn apply1(it: &mut Interp, f: &Value, x: Value) -> QResult<Value> {
    match f {
        Value::Func(Func::Builtin(p)) if let Some(m) = registry::get(p.id).monad => m.call(it, x),
        Value::Func(l @ Func::Lambda(lam)) if lam.params.len() == 1 => {
            it.call_lambda(l, LambdaArgs::One(x))
        }
        _ => apply(it, f, vec![x]),
    }
}

/// Bracket application `f[a;b]`: as [`apply`], except a glyph operator with
/// one argument is projected (`+[1]` is `1+`), as q does.
pub fn call(it: &mut Interp, f: &Value, args: Vec<Value>) -> QResult<Value> {
    if let Value::Func(Func::Builtin(p)) = f
        && args.len() == 1
        && registry::is_operator(p.id)
    {
        return project(f.clone(), vec![args.into_iter().next(), None]);
    }
    apply(it, f, args)
}

/// Juxtaposition `f x`: a builtin takes its monadic form.
pub fn apply_monadic(it: &mut Interp, f: &Value, x: Value) -> QResult<Value> {
    match f {
        Value::Func(Func::Builtin(p)) => {
            let b = registry::get(p.id);
            match b.monad {
                Some(m) => m.call(it, x),
                None => project(f.clone(), vec![Some(x), None]),
            }
        }
        _ => apply1(it, f, x),
    }
}

/// The number of arguments a function takes (for deciding projection and
/// iterator forms). Data has valence 1.
pub fn valence(f: &Value) -> usize {
    match f {
        Value::Func(func) => match func {
            Func::Builtin(p) => registry::valence(p.id),
            Func::Lambda(l) => l.params.len(),
            Func::Projection(p) => p.args.iter().filter(|a| a.is_none()).count(),
            Func::Composition(parts) => parts.last().map_or(1, valence),
            Func::Derived(d) => crate::builtins::iterate::derived_valence(d),
        },
        _ => 1,
    }
}

/// A projection of `f` with some argument slots filled. Trailing unfilled
/// slots up to the function's valence are implied.
/// Application in a parse tree: a glyph operator with one argument is its
/// left projection (`(@;differ)` is `differ@`; the unary forms are the
/// keywords, `(-:;x)`), anything else applies.
pub fn apply_in_tree(it: &mut Interp, f: &Value, mut args: Vec<Value>) -> QResult<Value> {
    if let (Value::Func(Func::Builtin(p)), 1) = (f, args.len())
        && registry::is_operator(p.id)
    {
        return project(f.clone(), vec![args.pop(), None]);
    }
    apply(it, f, args)
}

pub fn project(f: Value, mut args: Vec<Option<Value>>) -> QResult<Value> {
    let n = valence(&f);
    // Variadic operators project at any of their ranks: `@[;`sym;`g#]`,
    // `.[;();:;]`, `?[;();0b;()]` (q's functions take at most 8 arguments).
    let variadic =
        matches!(&f, Value::Func(Func::Builtin(p)) if registry::get(p.id).nary.is_some());
    let max = if variadic { 8 } else { n.max(1) };
    if args.len() > max && !matches!(f, Value::Func(Func::Derived(_))) {
        return Err(QError::rank());
    }
    while args.len() < n {
        args.push(None);
    }
    Ok(Value::Func(Func::Projection(Arc::new(Projection {
        func: f,
        args,
    }))))
}

pub(crate) fn apply_func(it: &mut Interp, func: &Func, args: Vec<Value>) -> QResult<Value> {
    match func {
        Func::Builtin(p) => {
            let b = registry::get(p.id);
            match (args.len(), b.monad, b.dyad, b.nary) {
                (1, Some(m), _, _) => m.call(it, args.into_iter().next().unwrap_or(Value::Nil)),
                (1, None, Some(_), _) => project(
                    Value::Func(func.clone()),
                    vec![args.into_iter().next(), None],
                ),
                (2, _, Some(d), _) => {
                    let mut a = args.into_iter();
                    let x = a.next().unwrap_or(Value::Nil);
                    let y = a.next().unwrap_or(Value::Nil);
                    d.call(it, x, y)
                }
                // a keyword given fewer arguments than it takes is
                // projected, as q projects its functions (`ssr["hello"]`)
                (k, _, _, Some(_)) if k < b.rank as usize => {
                    let mut slots: Vec<Option<Value>> = args.into_iter().map(Some).collect();
                    slots.resize(b.rank as usize, None);
                    project(Value::Func(func.clone()), slots)
                }
                (_, _, _, Some(n)) => n.call(it, args),
                _ => Err(QError::rank()),
            }
        }
        Func::Lambda(l) => {
            let np = l.params.len();
            // A niladic lambda `{[]...}` is applied to `::` (`f[]`).
            let args = if np == 0 && args.len() == 1 && matches!(args[0], Value::Nil) {
                Vec::new()
            } else {
                args
            };
            if args.len() < np {
                let mut a: Vec<Option<Value>> = args.into_iter().map(Some).collect();
                a.resize(np, None);
                return project(Value::Func(func.clone()), a);
            }
            if args.len() > np {
                return Err(QError::rank());
            }
            it.call_lambda(func, LambdaArgs::Many(args))
        }
        Func::Projection(p) => {
            let mut full = Vec::with_capacity(p.args.len());
            let mut supplied = args.into_iter();
            for a in &p.args {
                match a {
                    Some(v) => full.push(Some(v.clone())),
                    None => full.push(supplied.next()),
                }
            }
            let rest: Vec<Value> = supplied.collect();
            if !rest.is_empty() {
                return Err(QError::rank());
            }
            if full.iter().any(Option::is_none) {
                // Still missing arguments: a deeper projection.
                let mut filled = Vec::with_capacity(full.len());
                filled.extend(full);
                return Ok(Value::Func(Func::Projection(Arc::new(Projection {
                    func: p.func.clone(),
                    args: filled,
                }))));
            }
            let full: Vec<Value> = full.into_iter().map(|a| a.unwrap_or(Value::Nil)).collect();
            apply(it, &p.func, full)
        }
        Func::Composition(parts) => {
            let Some((last, rest)) = parts.split_last() else {
                return Err(QError::rank());
            };
            let mut v = apply(it, last, args)?;
            for f in rest.iter().rev() {
                v = apply_monadic(it, f, v)?;
            }
            Ok(v)
        }
        Func::Derived(d) => crate::builtins::iterate::apply_derived(it, d, args),
    }
}
