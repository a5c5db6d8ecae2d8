//! Parse trees as q values: `parse` (source text to the tree q shows:
//! general lists of a function and its arguments, symbols for names,
//! `enlist` for quoted constants, iterators as `(/;f)`) and `eval` (a tree
//! evaluated: a symbol is a variable, a one-item list its item
//! unevaluated, a longer list an application evaluated right to left).
//! `eval`/`parse` in `builtins/interpret.rs` reach these through the
//! `Evaluator` methods of `Interp`; `eval/sql.rs` uses [`tree`] to turn
//! the phrases of a qSQL statement into the trees the functional forms
//! take.
//!
//! Unary glyphs show as the keywords q defines with them (`-x` as `neg`),
//! which is why this file is allowed a hand list of q names (`NAME_LISTS`
//! in `tests/keywords_doc.rs`).

use crate::builtins::interpret::builtin;
use crate::builtins::interpret::resolve_name;
use crate::eval::compile::compile_lambda;
use crate::eval::compile::literal;
use crate::registry;
use crate::state::Interp;
use crate::state::qualify;
use qcore::Atom;
use qcore::Func;
use qcore::Prim;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qparser::Adverb;
use qparser::ExprKind;
use std::sync::Arc;

/// `eval x`: evaluates a parse tree. A symbol is a variable, a one-item
/// list (`enlist x`) its item unevaluated, a longer general list an
/// application of its evaluated first item to its evaluated other items
/// (right to left), anything else a constant.
pub(crate) fn eval(it: &mut Interp, x: Value) -> QResult<Value> {
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

pub(crate) fn eval_apply(it: &mut Interp, l: &[Value]) -> QResult<Value> {
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
                if c.truthy()? {
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
    crate::builtins::apply::apply_in_tree(it, &f, vals)
}

// ---------------------------------------------------------------------------
// parse

/// The parse tree of q source text (q's `parse`).
pub fn parse_text(it: &mut Interp, src: &str) -> QResult<Value> {
    let source: Arc<str> = Arc::from(src);
    let ast = qparser::parse(src).map_err(|e| {
        QError::new(e.name.clone())
            .with_detail(e.message.clone())
            .at(&source, e.span.clone())
    })?;
    tree(it, &ast, &source)
}

pub(crate) fn adverb_value(a: Adverb) -> QResult<Value> {
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
        ExprKind::Verb(v) => match registry::lookup(v) {
            Some(_) => builtin(v)?,
            // `-:`: the glyph's unary form
            None => match v.strip_suffix(':').and_then(registry::unary_keyword) {
                Some(k) => builtin(k)?,
                None => builtin(v)?,
            },
        },
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
        // a train composes, as the evaluator reads it (`sums differ@` is
        // `'[sums;differ@]`)
        ExprKind::Monadic(f, y)
            if crate::eval::compile::is_train(y, src) && crate::eval::compile::is_unary_head(f) =>
        {
            Value::list(vec![builtin("'")?, tree(it, f, src)?, tree(it, y, src)?])
        }
        ExprKind::Dyadic(f, x, y)
            if crate::eval::compile::is_train(y, src)
                || crate::eval::compile::is_bare_glyph(y, src) =>
        {
            let left = Value::list(vec![tree(it, f, src)?, tree(it, x, src)?]);
            Value::list(vec![builtin("'")?, left, tree(it, y, src)?])
        }
        ExprKind::Monadic(f, x) => {
            let fv = match &f.kind {
                ExprKind::Verb(v) => match crate::registry::unary_keyword(v) {
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
        ExprKind::Match(..) | ExprKind::MatchCond(_) => {
            return Err(QError::nyi("parse of pattern matching"));
        }
        ExprKind::Return(_) | ExprKind::Signal(_) => {
            return Err(QError::nyi("parse of return and signal"));
        }
        ExprKind::Sql(q) => crate::eval::sql::parse_tree(it, q, &mut |it, e| tree(it, e, src))?,
    })
}

pub(crate) fn name_tree(n: &str) -> Value {
    match registry::lookup(n) {
        Some(i) if !registry::is_system_value(i) => registry::func(i),
        _ => Value::sym(n),
    }
}
