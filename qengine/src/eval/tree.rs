//! Parse trees as q values: `parse` (source text to the tree q shows:
//! general lists of a function and its arguments, symbols for names,
//! `enlist` for quoted constants, iterators as `(/;f)`, control words as
//! `` (`if;c;..) ``, return and signal as `(":";x)` and `("'";x)`, a pattern
//! assignment as `(:;pattern;v)`) and `eval` (a tree evaluated: a symbol is
//! a variable, a one-item list its item unevaluated, a longer list an
//! application evaluated right to left, the control forms as in source).
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
use crate::eval::Frame;
use crate::eval::Node;
use crate::eval::Target;
use crate::eval::compile::compile_lambda;
use crate::eval::compile::literal;
use crate::eval::pattern::Pat;
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
    match eval_flow(it, x)? {
        Flow::Value(v) | Flow::Return(v) => Ok(v),
    }
}

/// What evaluating a statement of a tree did: gave a value, or returned
/// one (`(":";x)`), which ends the enclosing statement sequence.
enum Flow {
    Value(Value),
    Return(Value),
}

/// The control word heading a tree (`` `if ``, `` `do ``, `` `while ``), or
/// the char atom of a sequence (`";"`), return (`":"`) or signal (`"'"`).
fn control_head(head: &Value) -> Option<&'static str> {
    match head {
        Value::Atom(Atom::Symbol(s)) => match s.as_str() {
            "if" => Some("if"),
            "do" => Some("do"),
            "while" => Some("while"),
            _ => None,
        },
        Value::Atom(Atom::Char(b';')) => Some(";"),
        Value::Vector(v) if v.ty() == Ty::Char && v.as_u8() == Some(b";") => Some(";"),
        Value::Atom(Atom::Char(b':')) => Some(":"),
        Value::Atom(Atom::Char(b'\'')) => Some("'"),
        _ => None,
    }
}

/// Evaluates statements in order; a return among them ends the sequence.
fn eval_seq(it: &mut Interp, items: &[Value]) -> QResult<Flow> {
    let mut last = Value::Nil;
    for a in items {
        match eval_flow(it, a.clone())? {
            Flow::Value(v) => last = v,
            r @ Flow::Return(_) => return Ok(r),
        }
    }
    Ok(Flow::Value(last))
}

fn eval_flow(it: &mut Interp, x: Value) -> QResult<Flow> {
    it.tick()?;
    if let Value::List(l) = &x
        && l.len() >= 2
        && let Some(kw) = control_head(&l[0])
    {
        let args = &l[1..];
        return match kw {
            ";" => eval_seq(it, args),
            ":" if args.len() == 1 => Ok(Flow::Return(eval(it, args[0].clone())?)),
            ":" => eval_match_cond(it, args),
            "'" if args.len() == 1 => {
                let v = eval(it, args[0].clone())?;
                Err(signal_of(&v))
            }
            "if" => {
                if eval(it, args[0].clone())?.truthy()?
                    && let r @ Flow::Return(_) = eval_seq(it, &args[1..])?
                {
                    return Ok(r);
                }
                Ok(Flow::Value(Value::Nil))
            }
            "do" => {
                let n = match eval(it, args[0].clone())? {
                    Value::Atom(a) if a.ty().is_integral() => a.to_i64().unwrap_or(0),
                    _ => return Err(QError::type_()),
                };
                for _ in 0..n.max(0) {
                    it.tick()?;
                    if let r @ Flow::Return(_) = eval_seq(it, &args[1..])? {
                        return Ok(r);
                    }
                }
                Ok(Flow::Value(Value::Nil))
            }
            "while" => {
                while eval(it, args[0].clone())?.truthy()? {
                    it.tick()?;
                    if let r @ Flow::Return(_) = eval_seq(it, &args[1..])? {
                        return Ok(r);
                    }
                }
                Ok(Flow::Value(Value::Nil))
            }
            _ => Err(QError::rank()),
        };
    }
    eval_plain(it, x).map(Flow::Value)
}

/// The variable an assignment in a tree sets: `a:` in the current
/// namespace, `a::` from the root.
fn assign_name(it: &Interp, s: Sym, global: bool) -> Sym {
    if global {
        qualify(Sym::new("."), s.as_str())
    } else {
        qualify(it.namespace, s.as_str())
    }
}

/// `:[v;p1;r1;..;rd]` from its tree: the result of the first pattern `v`
/// matches (binding its names), else `rd` (or `::`).
fn eval_match_cond(it: &mut Interp, args: &[Value]) -> QResult<Flow> {
    let v = eval(it, args[0].clone())?;
    let mut k = 1;
    while k + 1 < args.len() {
        let p = tree_pattern(it, &args[k], false)?;
        let matched = run_pattern(it, |it, fr| {
            let mut binds = Vec::new();
            match it.match_pattern(&p, v.clone(), &mut binds, fr) {
                Ok(_) => it.bind(binds, fr).map(|_| Value::bool(true)),
                Err(e) if crate::eval::pattern::is_mismatch(&e) => Ok(Value::bool(false)),
                Err(e) => Err(e),
            }
        })?;
        if matches!(matched, Value::Atom(Atom::Bool(true))) {
            return eval_flow(it, args[k + 1].clone());
        }
        k += 2;
    }
    if k < args.len() {
        eval_flow(it, args[k].clone())
    } else {
        Ok(Flow::Value(Value::Nil))
    }
}

/// Runs a match at top level (no locals); an error keeps no location in
/// the tree, which has no source text.
fn run_pattern(
    it: &mut Interp,
    f: impl FnOnce(&mut Interp, &mut Frame) -> QResult<Value>,
) -> QResult<Value> {
    let src: Arc<str> = Arc::from("");
    let mut fr = Frame {
        slots: Vec::new(),
        source: &src,
    };
    f(it, &mut fr).map_err(|mut e| {
        if e.location.as_ref().is_some_and(|l| l.source.is_empty()) {
            e.location = None;
        }
        e
    })
}

/// The pattern a tree spells (the tree `parse` gives the expression on the
/// left of `(p):v`): `::` matches anything, a symbol binds, `(enlist;..)`
/// matches items, `(!;k;p)` looks constant keys up (else matches keys and
/// values), `(flip;p)` a table, `(:;p;`t)` checks a type and `(:;p;f)`
/// filters, `(`a;i)` amends `a` at `i`; anything else is a constant to
/// match, evaluated.
fn tree_pattern(it: &mut Interp, t: &Value, global: bool) -> QResult<Pat> {
    let name = |it: &Interp, s: Sym| Target::Global(assign_name(it, s, global));
    let none = || 0..0;
    Ok(match t {
        Value::Nil => Pat::Null,
        Value::Atom(Atom::Symbol(s)) => Pat::Name(name(it, *s)),
        Value::List(l) if l.len() >= 2 => {
            let (head, rest) = (&l[0], &l[1..]);
            let is = |n: &str| matches!(head, Value::Func(Func::Builtin(p)) if p.name == n);
            if is("enlist") {
                let mut ps = Vec::with_capacity(rest.len());
                for x in rest {
                    ps.push(tree_pattern(it, x, global)?);
                }
                let spans = vec![none(); ps.len()];
                Pat::List(ps, spans)
            } else if is("!") && rest.len() == 2 {
                if is_constant_tree(&rest[0]) {
                    Pat::Lookup(
                        Box::new(Node::Const(eval(it, rest[0].clone())?)),
                        Box::new(tree_pattern(it, &rest[1], global)?),
                    )
                } else {
                    Pat::KeyValue(
                        Box::new(tree_pattern(it, &rest[0], global)?),
                        Box::new(tree_pattern(it, &rest[1], global)?),
                    )
                }
            } else if is("flip") && rest.len() == 1 {
                Pat::Flip(Box::new(tree_pattern(it, &rest[0], global)?))
            } else if (matches!(head, Value::Func(Func::Builtin(Prim { id: 0, .. })))
                && rest.len() == 2)
                || (matches!(head, Value::Atom(Atom::Char(b':'))) && rest.len() == 1)
            {
                // `p:`t` / `p:f`, and `(:`t)` (nothing bound)
                let (inner, check) = if rest.len() == 2 {
                    (tree_pattern(it, &rest[0], global)?, &rest[1])
                } else {
                    (Pat::Null, &rest[0])
                };
                match check {
                    Value::Vector(v)
                        if v.ty() == Ty::Symbol
                            && v.len() == 1
                            && v.as_sym()
                                .is_some_and(|s| s[0].as_str().chars().count() == 1) =>
                    {
                        let c = v
                            .as_sym()
                            .map_or(' ', |s| s[0].as_str().chars().next().unwrap_or(' '));
                        Pat::Type(Box::new(inner), c, 0)
                    }
                    f => Pat::Filter(Box::new(inner), Box::new(Node::Const(eval(it, f.clone())?))),
                }
            } else if let Value::Atom(Atom::Symbol(s)) = head {
                let mut ix = Vec::with_capacity(rest.len());
                for x in rest {
                    ix.push(Node::Const(eval(it, x.clone())?));
                }
                Pat::Indexed(name(it, *s), ix)
            } else {
                Pat::Const(Box::new(Node::Const(eval(it, t.clone())?)))
            }
        }
        other => Pat::Const(Box::new(Node::Const(eval(it, other.clone())?))),
    })
}

/// A tree that is a constant: not a name, and not an application other
/// than `enlist` of constants.
fn is_constant_tree(t: &Value) -> bool {
    match t {
        Value::Atom(Atom::Symbol(_)) => false,
        Value::List(l) if l.len() == 1 => true,
        Value::List(l) if !l.is_empty() => {
            matches!(&l[0], Value::Func(Func::Builtin(p)) if p.name == "enlist")
                && l[1..].iter().all(is_constant_tree)
        }
        _ => true,
    }
}

/// The error `'x` signals for the value `x` (a symbol or a string; any
/// other value signals `'stype`, as in a lambda).
fn signal_of(v: &Value) -> QError {
    let text = match v {
        Value::Atom(Atom::Symbol(s)) => s.as_str().to_string(),
        Value::Atom(Atom::Char(_)) => "stype".to_string(),
        other => other.as_string().unwrap_or_else(|| "stype".to_string()),
    };
    let mut e = QError::new(text);
    e.signalled = true;
    e
}

fn eval_plain(it: &mut Interp, x: Value) -> QResult<Value> {
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
        Value::Func(Func::Builtin(Prim { id: 0, .. })) | Value::Nil
            if args.len() == 2 && matches!(&args[0], Value::List(t) if !t.is_empty()) =>
        {
            let v = eval(it, args[1].clone())?;
            if it.no_update {
                return Err(QError::new("noupdate"));
            }
            let global = matches!(head, Value::Nil);
            let Value::List(target) = &args[0] else {
                return Err(QError::type_());
            };
            // `a[i;j]:v` is `(:;(`a;i;j);v)`
            if let Value::Atom(Atom::Symbol(s)) = &target[0] {
                let mut path = Vec::with_capacity(target.len() - 1);
                for i in target[1..].iter().rev() {
                    path.push(eval(it, i.clone())?);
                }
                path.reverse();
                let name = assign_name(it, *s, global);
                let Some(old) = it.get_global(name) else {
                    return Err(QError::new("value").with_detail("undefined name"));
                };
                let new = crate::builtins::index::amend_at(it, old, &path, None, v.clone())?;
                it.set_global(name, new);
                return Ok(v);
            }
            let p = tree_pattern(it, &args[0], global)?;
            return run_pattern(it, |it, fr| it.match_assign(&p, v, fr));
        }
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
            let mut out = vec![Value::Atom(Atom::Char(b';'))];
            for a in v {
                out.push(tree(it, a, src)?);
            }
            Value::list(out)
        }
        // q's trees name the control words by symbol: `(`if;c;e1;..)`
        ExprKind::If(v) | ExprKind::Do(v) | ExprKind::While(v) => {
            let word = match &e.kind {
                ExprKind::If(_) => "if",
                ExprKind::Do(_) => "do",
                _ => "while",
            };
            let mut out = vec![Value::sym(word)];
            for a in v {
                out.push(tree(it, a, src)?);
            }
            Value::list(out)
        }
        // `(p):v` is an assignment whose target is the pattern's tree:
        // `(:;(enlist;`a;`b);`v)`; `:[v;p1;r1;..]` heads with `":"`, as a
        // return does (which has one item)
        ExprKind::Match(p, v, global) => {
            let head = if *global { Value::Nil } else { builtin(":")? };
            Value::list(vec![head, tree(it, p, src)?, tree(it, v, src)?])
        }
        ExprKind::MatchCond(v) => {
            let mut out = vec![Value::Atom(Atom::Char(b':'))];
            for a in v {
                out.push(tree(it, a, src)?);
            }
            Value::list(out)
        }
        // `:x` is `(":";x)` and `'x` is `("'";x)`, a char atom at the head
        ExprKind::Return(x) => Value::list(vec![Value::Atom(Atom::Char(b':')), tree(it, x, src)?]),
        ExprKind::Signal(x) => Value::list(vec![Value::Atom(Atom::Char(b'\'')), tree(it, x, src)?]),
        ExprKind::Sql(q) => crate::eval::sql::parse_tree(it, q, &mut |it, e| tree(it, e, src))?,
    })
}

pub(crate) fn name_tree(n: &str) -> Value {
    match registry::lookup(n) {
        Some(i) if !registry::is_system_value(i) => registry::func(i),
        _ => Value::sym(n),
    }
}
