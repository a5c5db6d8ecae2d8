//! Application: calling functions and indexing data, projections.
//!
//! In q, applying a value to arguments is one operation whatever the value:
//! a function is called, a list or dictionary is indexed. This module is
//! where that decision is made.

use std::sync::Arc;

use crate::interp::Interp;
use crate::registry;
use qcore::Atom;
use qcore::Func;
use qcore::Projection;
use qcore::QError;
use qcore::QResult;
use qcore::Value;

use super::Ctl;
use super::Frame;

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
                None => crate::builtins::apply::index_at_depth(it, f, &args),
            }
        }
        _ => crate::builtins::apply::index_at_depth(it, f, &args),
    }
}

/// Applies `f` to two arguments; a builtin's dyadic form is called without
/// building an argument vector (the interpreter's hottest path).
#[inline]
pub fn apply2(it: &mut Interp, f: &Value, x: Value, y: Value) -> QResult<Value> {
    if let Value::Func(Func::Builtin(p)) = f
        && let Some(d) = registry::get(p.id).dyad
    {
        return d(it, x, y);
    }
    apply(it, f, vec![x, y])
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
                Some(m) => m(it, x),
                None => project(f.clone(), vec![Some(x), None]),
            }
        }
        _ => apply(it, f, vec![x]),
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
pub fn project(f: Value, mut args: Vec<Option<Value>>) -> QResult<Value> {
    let n = valence(&f);
    if args.len() > n.max(1) && !matches!(f, Value::Func(Func::Derived(_))) {
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

fn apply_func(it: &mut Interp, func: &Func, args: Vec<Value>) -> QResult<Value> {
    match func {
        Func::Builtin(p) => {
            let b = registry::get(p.id);
            match (args.len(), b.monad, b.dyad, b.nary) {
                (1, Some(m), _, _) => m(it, args.into_iter().next().unwrap_or(Value::Nil)),
                (1, None, Some(_), _) => project(
                    Value::Func(func.clone()),
                    vec![args.into_iter().next(), None],
                ),
                (2, _, Some(d), _) => {
                    let mut a = args.into_iter();
                    let x = a.next().unwrap_or(Value::Nil);
                    let y = a.next().unwrap_or(Value::Nil);
                    d(it, x, y)
                }
                (_, _, _, Some(n)) => n(it, args),
                _ => Err(QError::rank()),
            }
        }
        Func::Lambda(l) => {
            let c = super::compiled(l)?;
            let np = c.nparams;
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
            it.tick()?;
            if it.depth >= crate::interp::MAX_DEPTH {
                return Err(QError::new("stack").with_detail("too deep: recursion limit reached"));
            }
            // `Option<Value>` has `Value`'s size, so this collect reuses the
            // argument vector's allocation (one allocation less per call).
            let mut slots: Vec<Option<Value>> = args.into_iter().map(Some).collect();
            slots.resize(c.nslots, None);
            let mut fr = Frame {
                slots,
                source: &c.source,
            };
            it.depth += 1;
            it.calls.push(func.clone());
            let saved_ns = it.namespace;
            it.namespace = l.namespace;
            let mut r = Ok(Value::Nil);
            for s in &c.body {
                r = it.eval_node(s, &mut fr);
                if r.is_err() {
                    break;
                }
            }
            if let Err(Ctl::Error(e)) = &r {
                crate::builtins::debug::note_error(it, e);
            }
            it.calls.pop();
            it.namespace = saved_ns;
            it.depth -= 1;
            match r {
                Ok(v) => Ok(v),
                Err(Ctl::Return(v)) => Ok(v),
                Err(Ctl::Error(e)) => Err(e),
            }
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
