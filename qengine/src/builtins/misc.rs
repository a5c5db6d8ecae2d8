//! Application, amend and trap (`@` `.`), `type`, `null`, `value`, `string`,
//! and the identity `::`.

use std::sync::Arc;

use crate::eval::apply::apply;
use crate::eval::apply::apply_monadic;
use crate::eval::index::amend;
use crate::eval::index::amend_deep;
use crate::interp::Interp;
use qcore::Atom;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use qcore::QError;
use qcore::QResult;

use super::atomic_monad;

/// `::x`: identity.
pub fn identity(_: &mut Interp, x: Value) -> QResult<Value> {
    Ok(x)
}

/// `x : y` as a function (`(:)[x;y]`): its right argument.
pub fn dyad_colon(_: &mut Interp, _x: Value, y: Value) -> QResult<Value> {
    Ok(y)
}

/// `type x`.
pub fn type_(_: &mut Interp, x: Value) -> QResult<Value> {
    Ok(Value::Atom(Atom::Short(x.type_code())))
}

/// `null x`: atomic, 1b where an item is its type's null.
pub fn null(_: &mut Interp, x: Value) -> QResult<Value> {
    if matches!(x, Value::Nil) {
        return Ok(Value::bool(true));
    }
    if let Value::Func(_) = x {
        return Ok(Value::bool(false));
    }
    atomic_monad(x, &mut |v| match v {
        Value::Atom(a) => Ok(Value::bool(a.is_null())),
        Value::Vector(v) => {
            let out: Vec<u8> = match v.data() {
                VecData::U8(b) => {
                    if v.ty() == Ty::Char {
                        b.iter().map(|&c| (c == b' ') as u8).collect()
                    } else {
                        vec![0; b.len()]
                    }
                }
                VecData::I16(b) => b.iter().map(|&x| (x == i16::MIN) as u8).collect(),
                VecData::I32(b) => b.iter().map(|&x| (x == i32::MIN) as u8).collect(),
                VecData::I64(b) => b.iter().map(|&x| (x == i64::MIN) as u8).collect(),
                VecData::F32(b) => b.iter().map(|x| x.is_nan() as u8).collect(),
                VecData::F64(b) => b.iter().map(|x| x.is_nan() as u8).collect(),
                VecData::Guid(b) => b.iter().map(|g| (*g == [0; 16]) as u8).collect(),
                VecData::Sym(b) => b.iter().map(|s| s.is_null() as u8).collect(),
            };
            Ok(Value::Vector(Vector::from_u8(Ty::Bool, out)))
        }
        _ => Err(QError::type_()),
    })
}

/// `x^y`: y with its nulls replaced by the matching items of x (atomic;
/// both are first brought to the higher of the two types, as for `&`).
/// Dictionaries fill both null and missing values of y from x.
pub fn fill(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    super::atomic_dyad(x, y, &mut |a, b| {
        let ty_of = |v: &Value| match v {
            Value::Atom(a) => Ok(a.ty()),
            Value::Vector(v) => Ok(v.ty()),
            _ => Err(QError::type_()),
        };
        let rt = super::arith::lesser_type(ty_of(&a)?, ty_of(&b)?)?;
        let a = super::cast::cast_simple(rt, &a)?;
        let b = super::cast::cast_simple(rt, &b)?;
        match (a, b) {
            (Value::Atom(p), Value::Atom(q)) => Ok(Value::Atom(if q.is_null() { p } else { q })),
            (Value::Atom(p), Value::Vector(q)) => {
                let mut out = qcore::VecBuilder::new(rt, q.len());
                for i in 0..q.len() {
                    let v = q.get(i);
                    out.push(if v.is_null() { p } else { v });
                }
                Ok(Value::Vector(out.finish()))
            }
            (Value::Vector(p), Value::Atom(q)) => {
                if q.is_null() {
                    Ok(Value::Vector(p))
                } else {
                    let mut out = qcore::VecBuilder::new(rt, p.len());
                    (0..p.len()).for_each(|_| out.push(q));
                    Ok(Value::Vector(out.finish()))
                }
            }
            (Value::Vector(p), Value::Vector(q)) => {
                if p.len() != q.len() {
                    return Err(QError::length());
                }
                let mut out = qcore::VecBuilder::new(rt, q.len());
                for i in 0..q.len() {
                    let v = q.get(i);
                    out.push(if v.is_null() { p.get(i) } else { v });
                }
                Ok(Value::Vector(out.finish()))
            }
            _ => Err(QError::type_()),
        }
    })
}

/// `string x`.
pub fn string(it: &mut Interp, x: Value) -> QResult<Value> {
    let p = it.settings.precision;
    Ok(match x {
        Value::Atom(a) => Value::string(&crate::display::atom_text(&a, p)),
        Value::Vector(v) => {
            let items: Vec<Value> = (0..v.len())
                .map(|i| {
                    let a = v.get(i);
                    if let Atom::Char(c) = a {
                        Value::Vector(Vector::chars(&[c]))
                    } else {
                        Value::string(&crate::display::atom_text(&a, p))
                    }
                })
                .collect();
            Value::list(items)
        }
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for i in l.iter() {
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

/// `x@y`: apply or index at one argument.
pub fn at(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    apply_monadic(it, &x, y)
}

/// `x . y`: apply to the items of y.
pub fn dot(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    // A unary keyword takes the whole right argument: `count . 1 4 3` is 3
    // (q's Apply page).
    if let Value::Func(qcore::Func::Builtin(p)) = &x {
        let b = crate::builtins::registry::get(p.id);
        if let (Some(m), None, None) = (b.monad, b.dyad, b.nary)
            && y.count() != 1
        {
            return m(it, y);
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
    if let Value::Func(_) = x {
        apply(it, &x, args)
    } else {
        crate::eval::index::index_at_depth(it, &x, &args)
    }
}

/// Runs `f` on `args`; on error, applies the handler to the message (or
/// returns the handler when it is not a function).
fn trap(it: &mut Interp, f: &Value, args: Vec<Value>, h: Value) -> QResult<Value> {
    let saved_depth = it.depth;
    match apply(it, f, args) {
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

/// Amends a global named by a symbol (`@[`x;...]`), returning the symbol.
fn amend_named(
    it: &mut Interp,
    s: qcore::Sym,
    f: impl FnOnce(&mut Interp, Value) -> QResult<Value>,
) -> QResult<Value> {
    if it.no_update {
        return Err(QError::new("noupdate"));
    }
    let name = crate::eval::compile::qualify(it.namespace, s.as_str());
    let old = it.get_global(name).unwrap_or(Value::Nil);
    let new = f(it, old)?;
    it.set_global(name, new);
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
            if let Value::Func(_) = x {
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

fn path_of(i: &Value) -> QResult<Vec<Value>> {
    Ok(match i {
        Value::Atom(_) | Value::Nil => vec![i.clone()],
        other => other.items(),
    })
}

/// File verbs arrive with the storage issue.
pub fn nyi1_file(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::nyi("file I/O verb"))
}

/// File verbs arrive with the storage issue.
pub fn nyi2_file(_: &mut Interp, _x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("file I/O verb"))
}

/// `<=`, `>=`, `<>` have no monadic form.
pub fn nyi1_cmp(_: &mut Interp, _x: Value) -> QResult<Value> {
    Err(QError::rank())
}

/// An n-adic keyword not implemented yet.
pub fn nyi_n(_: &mut Interp, _a: Vec<Value>) -> QResult<Value> {
    Err(QError::nyi("keyword"))
}
