//! Resolution: syntax tree to [`Node`]s.
//!
//! Done once per top-level line and once per lambda (when the lambda value
//! is created): local names become slot numbers, builtin names become
//! constants, globals become full dotted symbols, literals become values.
//! Calling a lambda never looks at names again.

use crate::state::qualify;
use std::sync::Arc;

use qparser::Assign;
use qparser::Expr;
use qparser::ExprKind;
use qparser::LitValues;
use qparser::Literal;

use crate::registry;
use crate::registry::Prefix;
use qcore::Func;
use qcore::Lambda;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

use super::CompiledLambda;
use super::Node;
use super::Span;
use super::Target;

/// Compilation scope: the locals of the lambda being compiled (none at top
/// level) and the namespace names resolve in.
pub struct Scope {
    locals: Option<Vec<String>>,
    namespace: Sym,
    source: Arc<str>,
}

impl Scope {
    /// The text being compiled (spans index into it).
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// The scope of a top-level line.
    pub fn top(namespace: Sym, source: Arc<str>) -> Scope {
        Scope {
            locals: None,
            namespace,
            source,
        }
    }

    /// The scope of a line typed at the `q))` debugger prompt: the
    /// suspended lambda's locals (slot names, in slot order) and namespace,
    /// so the line reads and assigns them by name.
    pub(crate) fn frame(namespace: Sym, source: Arc<str>, locals: Vec<String>) -> Scope {
        Scope {
            locals: Some(locals),
            namespace,
            source,
        }
    }

    pub(crate) fn local(&self, name: &str) -> Option<u16> {
        self.locals
            .as_ref()?
            .iter()
            .position(|n| n == name)
            .map(|i| i as u16)
    }

    /// The full global name for `name` in this scope's namespace.
    pub fn global(&self, name: &str) -> Sym {
        qualify(self.namespace, name)
    }

    /// Where assigning `name` stores: its local slot, else the global.
    pub fn target(&self, name: &str) -> Target {
        match self.local(name) {
            Some(slot) => Target::Local(slot),
            None => Target::Global(self.global(name)),
        }
    }
}

/// The arithmetic an operator does on two long or two float atoms, which
/// the evaluator does in place without calling the operator's kernel: the
/// body of a small lambda is mostly such arithmetic.
fn scalar_op(name: &str) -> Option<crate::ops::arith::Op> {
    use crate::ops::arith::Op;
    match name {
        "+" => Some(Op::Add),
        "-" => Some(Op::Sub),
        "*" => Some(Op::Mul),
        "%" => Some(Op::Div),
        _ => None,
    }
}

/// Compiles an expression in `scope`.
pub fn compile(e: &Expr, scope: &Scope) -> QResult<Node> {
    let span: Span = e.span.clone();
    Ok(match &e.kind {
        ExprKind::Lit(l) => Node::Const(literal(l)),
        ExprKind::Name(n) => name_node(n, scope, span),
        // `::` as a noun is the generic null.
        ExprKind::Verb(v) if v == "::" => Node::Const(Value::Nil),
        ExprKind::Verb(v) => match registry::lookup(v) {
            Some(i) => Node::Const(registry::func(i)),
            // `|:` `#:` ...: the glyph's unary form, the keyword q defines
            // with it (`#:` is count)
            None => match v
                .strip_suffix(':')
                .and_then(registry::unary_keyword)
                .and_then(registry::lookup)
            {
                Some(i) => Node::Const(registry::func(i)),
                None => return Err(QError::nyi(v).at(&scope.source, span)),
            },
        },
        ExprKind::Derived(adv, f) => Node::Derived(*adv, Box::new(compile(f, scope)?)),
        // `'[f;g]`: composition.
        ExprKind::Call(f, args) if matches!(&f.kind, ExprKind::Verb(v) if v == "'") => {
            Node::Compose(nodes(args, scope)?, span)
        }
        ExprKind::Call(f, args) => Node::Call {
            f: Box::new(compile(f, scope)?),
            args: args
                .iter()
                .map(|a| compile(a, scope))
                .collect::<QResult<_>>()?,
            span,
        },
        // A train: an expression ending in a verb with no right argument
        // composes (`105>sum@` is `'[105>;sum@]`, `neg 2+` is `'[neg;2+]`).
        // Trains nest: `neg neg til@` is `'[neg;'[neg;til@]]`.
        ExprKind::Dyadic(f, x, y)
            if is_train(y, &scope.source) || is_bare_glyph(y, &scope.source) =>
        {
            Node::Compose(
                vec![
                    Node::LeftProj {
                        f: Box::new(compile(f, scope)?),
                        x: Box::new(compile(x, scope)?),
                    },
                    compile(y, scope)?,
                ],
                span,
            )
        }
        ExprKind::Monadic(f, y) if is_train(y, &scope.source) && is_unary_head(f) => {
            Node::Compose(vec![compile(f, scope)?, compile(y, scope)?], span)
        }
        // Errors point at the function being applied, as q's caret does.
        ExprKind::Monadic(f, x) => Node::Monadic {
            f: Box::new(compile(f, scope)?),
            x: Box::new(compile(x, scope)?),
            span: f.span.clone(),
        },
        ExprKind::Dyadic(f, x, y) if let Some(p) = prefix_of_sort(f, x, y, scope)? => p,
        ExprKind::Dyadic(f, x, y) => {
            let fnode = compile(f, scope)?;
            let x = Box::new(compile(x, scope)?);
            let y = Box::new(compile(y, scope)?);
            let span = f.span.clone();
            // An operator or keyword is fixed when the line is resolved:
            // its dyadic form is called directly, without evaluating or
            // dispatching on the function value at every application.
            match &fnode {
                Node::Const(op @ Value::Func(Func::Builtin(p)))
                    if let Some(dyad) = crate::registry::get(p.id).dyad =>
                {
                    Node::Operator {
                        dyad,
                        scalar: scalar_op(crate::registry::name(p.id)),
                        op: op.clone(),
                        x,
                        y,
                        span,
                    }
                }
                _ => Node::Dyadic {
                    f: Box::new(fnode),
                    x,
                    y,
                    span,
                },
            }
        }
        ExprKind::LeftProj(f, x) => Node::LeftProj {
            f: Box::new(compile(f, scope)?),
            x: Box::new(compile(x, scope)?),
        },
        ExprKind::Lambda(l) => Node::Const(Value::Func(Func::Lambda(Arc::new(compile_lambda(
            l,
            scope.namespace,
            &scope.source,
            span,
        )?)))),
        // A list with elided items is a function of the missing items:
        // `("the";;"fox")"brown"` is `enlist["the";;"fox"]"brown"`.
        ExprKind::List(items) if items.iter().any(|x| x.kind == ExprKind::Elided) => {
            let enlist = registry::lookup("enlist")
                .ok_or_else(|| QError::nyi("enlist").at(&scope.source, span.clone()))?;
            Node::Call {
                f: Box::new(Node::Const(registry::func(enlist))),
                args: nodes(items, scope)?,
                span,
            }
        }
        ExprKind::List(items) => {
            let nodes: Vec<Node> = items
                .iter()
                .map(|a| compile(a, scope))
                .collect::<QResult<_>>()?;
            // A list of constants is itself a constant.
            if nodes.iter().all(|n| matches!(n, Node::Const(_))) {
                let vals = nodes
                    .into_iter()
                    .map(|n| match n {
                        Node::Const(v) => v,
                        _ => Value::Nil,
                    })
                    .collect();
                Node::Const(Value::from_items(vals))
            } else {
                Node::List(nodes)
            }
        }
        ExprKind::Elided => Node::Elided,
        ExprKind::Assign(a) => assign(a, scope, span)?,
        ExprKind::Match(p, v, _) => {
            // q's caret for a failed match is under its `:`
            let colon = super::pattern::colon_after(scope, p.span.end);
            Node::Match {
                pat: super::pattern::compile_pattern(p, scope)?,
                value: Box::new(compile(v, scope)?),
                span: colon..colon + 1,
            }
        }
        ExprKind::MatchCond(v) => {
            let Some((value, rest)) = v.split_first() else {
                return Err(QError::rank().at(&scope.source, span));
            };
            let mut arms = Vec::new();
            let mut i = 0;
            while i + 1 < rest.len() {
                arms.push((
                    super::pattern::compile_pattern(&rest[i], scope)?,
                    compile(&rest[i + 1], scope)?,
                ));
                i += 2;
            }
            let default = match rest.get(i) {
                Some(d) => Some(Box::new(compile(d, scope)?)),
                None => None,
            };
            Node::MatchCond {
                value: Box::new(compile(value, scope)?),
                arms,
                default,
                span,
            }
        }
        ExprKind::Cond(v) => Node::Cond(nodes(v, scope)?, span),
        ExprKind::If(v) => Node::If(nodes(v, scope)?, span),
        ExprKind::Do(v) => Node::Do(nodes(v, scope)?, span),
        ExprKind::While(v) => Node::While(nodes(v, scope)?, span),
        ExprKind::Return(x) => Node::Return(Box::new(compile(x, scope)?)),
        ExprKind::Signal(x) => Node::Signal(Box::new(compile(x, scope)?), span),
        ExprKind::Block(v) => Node::Block(nodes(v, scope)?),
        ExprKind::Sql(q) => super::sql::compile(q, scope, span)?,
    })
}

/// A function term that can head a train (`neg` in `neg til@`,
/// `@[;`sym;`g#]` in kdb-tick's `@[;`sym;`g#]0#`).
pub(crate) fn is_unary_head(f: &Expr) -> bool {
    matches!(
        f.kind,
        ExprKind::Verb(_)
            | ExprKind::Name(_)
            | ExprKind::Derived(..)
            | ExprKind::Lambda(_)
            | ExprKind::Call(..)
    )
}

/// An expression that ends in a verb with no right argument: `til@`,
/// `neg til@`, `2+neg@` — a composition rather than an application.
/// A glyph operator with no arguments as the right of a dyad: `0|+` is
/// `'[0|;+]` (ref/compose's `(0|+)\x`).
pub(crate) fn is_bare_glyph(y: &Expr, src: &str) -> bool {
    matches!(&y.kind, ExprKind::Verb(v) if v != "::") && !parenthesised(y, src)
}

/// The expression was written in parentheses: `(+)`, `(til@)`.
fn parenthesised(e: &Expr, src: &str) -> bool {
    src.get(e.span.clone())
        .is_some_and(|t| t.starts_with('(') && t.ends_with(')'))
}

/// A parenthesised train is a noun: `type (neg til@)` applies `type`.
pub(crate) fn is_train(e: &Expr, src: &str) -> bool {
    if parenthesised(e, src) {
        return false;
    }
    match &e.kind {
        ExprKind::LeftProj(..) => true,
        ExprKind::Monadic(f, y) => is_unary_head(f) && is_train(y, src),
        ExprKind::Dyadic(_, _, y) => is_train(y, src),
        _ => false,
    }
}

/// `n#idesc x`, `n#iasc x`, `n sublist idesc x`, ``n#`c xdesc t`` and
/// ``n sublist `c xdesc t``: a [`Node::Prefix`], so a short prefix of a
/// long sort costs one pass rather than the sort. The parts are the registry
/// rows with a `prefix` (a local of that name is not one).
fn prefix_of_sort(f: &Expr, x: &Expr, y: &Expr, scope: &Scope) -> QResult<Option<Node>> {
    let part = |e: &Expr| match &e.kind {
        ExprKind::Name(n) if scope.local(n).is_none() => {
            registry::lookup(n).and_then(|i| registry::get(i).prefix)
        }
        ExprKind::Verb(v) => registry::lookup(v).and_then(|i| registry::get(i).prefix),
        _ => None,
    };
    let sublist = match part(f) {
        Some(Prefix::Take) => false,
        Some(Prefix::Sublist) => true,
        _ => return Ok(None),
    };
    let (sort, cols, arg) = match &y.kind {
        ExprKind::Monadic(g, z) => (g, None, z),
        ExprKind::Dyadic(g, c, t) => (g, Some(c), t),
        _ => return Ok(None),
    };
    let desc = match (part(sort), cols.is_some()) {
        (Some(Prefix::Grade { desc }), false) | (Some(Prefix::ByColumns { desc }), true) => desc,
        _ => return Ok(None),
    };
    Ok(Some(Node::Prefix {
        take: Box::new(compile(f, scope)?),
        n: Box::new(compile(x, scope)?),
        sort: Box::new(compile(sort, scope)?),
        cols: match cols {
            Some(c) => Some(Box::new(compile(c, scope)?)),
            None => None,
        },
        arg: Box::new(compile(arg, scope)?),
        desc,
        sublist,
        span: f.span.clone(),
        sort_span: sort.span.clone(),
    }))
}

fn nodes(v: &[Expr], scope: &Scope) -> QResult<Vec<Node>> {
    v.iter().map(|a| compile(a, scope)).collect()
}

fn name_node(n: &str, scope: &Scope, span: Span) -> Node {
    if let Some(slot) = scope.local(n) {
        return Node::Local(slot, span);
    }
    if n == "::" {
        return Node::Const(Value::Nil);
    }
    if let Some(i) = registry::lookup(n) {
        if registry::is_system_value(i) && registry::BUILTINS[i as usize].monad.is_some() {
            return Node::SysValue(i, span);
        }
        return Node::Const(registry::func(i));
    }
    Node::Global(scope.global(n), span)
}

fn assign(a: &Assign, scope: &Scope, span: Span) -> QResult<Node> {
    // `v::expr` outside a lambda defines a view
    if a.global
        && scope.locals.is_none()
        && a.indexes.is_none()
        && a.modifier.is_none()
        && registry::lookup(&a.name).is_none()
    {
        let source = scope
            .source
            .get(a.value.span.clone())
            .unwrap_or_default()
            .to_string();
        let mut deps = Vec::new();
        walk(&a.value, &mut |e| {
            if let ExprKind::Name(n) = &e.kind
                && registry::lookup(n).is_none()
            {
                let g = scope.global(n);
                if !deps.contains(&g) {
                    deps.push(g);
                }
            }
        });
        return Ok(Node::View {
            name: scope.global(&a.name),
            source,
            deps,
        });
    }
    let target = match scope.local(&a.name) {
        // `n::v` on a local assigns the local (q's rule)
        Some(slot) => Target::Local(slot),
        _ => {
            if registry::lookup(&a.name).is_some() {
                return Err(QError::new("assign")
                    .with_detail(format!("cannot redefine the reserved word {}", a.name))
                    .at(&scope.source, span));
            }
            Target::Global(scope.global(&a.name))
        }
    };
    Ok(Node::Assign {
        target,
        indexes: match &a.indexes {
            Some(ix) => Some(nodes(ix, scope)?),
            None => None,
        },
        modifier: match &a.modifier {
            Some(m) => Some(Box::new(compile(m, scope)?)),
            None => None,
        },
        value: Box::new(compile(&a.value, scope)?),
        // q's caret: under the modifier of `s,:v`, under the `:` of `s[i]:v`
        span: match &a.modifier {
            Some(m) if m.span.start >= span.start && m.span.start < m.span.end => {
                m.span.start..m.span.start + 1
            }
            _ => colon_span(&scope.source, span, a.value.span.start),
        },
    })
}

/// Compiles a lambda literal into a lambda value.
pub fn compile_lambda(
    l: &qparser::Lambda,
    namespace: Sym,
    source: &Arc<str>,
    _span: Span,
) -> QResult<Lambda> {
    let params: Vec<String> = match &l.params {
        Some(p) => p.clone(),
        None => implicit_params(&l.body),
    };
    if params.len() > 8 {
        return Err(QError::new("params").with_detail("a lambda takes at most 8 parameters"));
    }
    let mut locals = params.clone();
    // parameters written as patterns match their argument first
    let mut body: Vec<Expr> = Vec::with_capacity(l.patterns.len() + l.body.len());
    for (i, pat) in &l.patterns {
        let mut names = Vec::new();
        super::pattern::pattern_names(pat, &mut names);
        for n in names {
            if !n.contains('.') && !locals.contains(&n) {
                locals.push(n);
            }
        }
        if pat.kind == ExprKind::Elided {
            continue;
        }
        let arg = Expr::new(
            ExprKind::Name(params.get(*i).cloned().unwrap_or_default()),
            pat.span.clone(),
        );
        body.push(Expr::new(
            ExprKind::Match(Box::new(pat.clone()), Box::new(arg), false),
            pat.span.clone(),
        ));
    }
    body.extend(l.body.iter().cloned());
    let mut global_first: Vec<String> = Vec::new();
    for s in &body {
        if let Some((name, span)) = collect_locals(s, &mut locals, &mut global_first) {
            return Err(QError::new(name).at(source, span));
        }
    }
    let scope = Scope {
        locals: Some(locals),
        namespace,
        source: source.clone(),
    };
    let body = nodes(&body, &scope)?;
    let locals = scope.locals.unwrap_or_default();
    Ok(Lambda {
        source: l.source.clone(),
        params: params.iter().map(|p| Sym::new(p)).collect(),
        namespace,
        body: Box::new(CompiledLambda {
            body,
            nslots: locals.len(),
            nparams: params.len(),
            source: source.clone(),
            locals,
        }),
    })
}

/// `x`, `y`, `z` used anywhere in the body (outside nested lambdas) set the
/// valence: `{z}` takes three arguments. At least one.
fn implicit_params(body: &[Expr]) -> Vec<String> {
    let mut max = 0;
    for e in body {
        // q does not look inside qSQL phrases (`{select from y where a=z}`
        // takes x and y)
        e.visit_outside_phrases(&mut |e| {
            if let ExprKind::Name(n) = &e.kind {
                match n.as_str() {
                    "x" => max = max.max(1),
                    "y" => max = max.max(2),
                    "z" => max = max.max(3),
                    _ => {}
                }
            }
        });
    }
    ["x", "y", "z"][..max.max(1)]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Names assigned with a plain `:` inside a lambda body are local (q's
/// rule). Assign-through-operator (`n+:1`, `w,:x`) and indexed assignment
/// (`w[x]:y`) do not make a local: on a name that is not otherwise local
/// they update the global (`.u.i+:1` in kdb-tick's `upd`).
///
/// `n::v` on a name already local assigns the local; on any other name the
/// global, and a later `n:v` making `n` local is q's `'n` error (returned
/// here with the span of that assignment, as q reports it at definition).
fn collect_locals(
    e: &Expr,
    locals: &mut Vec<String>,
    global_first: &mut Vec<String>,
) -> Option<(String, Span)> {
    let mut clash = None;
    walk(e, &mut |e| {
        if let ExprKind::Assign(a) = &e.kind
            && a.global
            && !locals.contains(&a.name)
            && !global_first.contains(&a.name)
        {
            global_first.push(a.name.clone());
        }
        if let ExprKind::Match(p, _, false) = &e.kind {
            let mut names = Vec::new();
            super::pattern::pattern_names(p, &mut names);
            for n in names {
                if !n.contains('.') && !locals.contains(&n) {
                    locals.push(n);
                }
            }
        }
        if let ExprKind::Assign(a) = &e.kind
            && !a.global
            && a.indexes.is_none()
            && a.modifier.is_none()
            && !a.name.contains('.')
            && !locals.contains(&a.name)
        {
            if global_first.contains(&a.name) && clash.is_none() {
                clash = Some((a.name.clone(), e.span.clone()));
            }
            locals.push(a.name.clone());
        }
    });
    clash
}

/// Visits `e` and its sub-expressions, not entering nested lambdas.
pub(crate) fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Derived(_, a) | ExprKind::Return(a) | ExprKind::Signal(a) => walk(a, f),
        ExprKind::Call(a, args) => {
            walk(a, f);
            args.iter().for_each(|x| walk(x, f));
        }
        ExprKind::Monadic(a, b) | ExprKind::LeftProj(a, b) => {
            walk(a, f);
            walk(b, f);
        }
        ExprKind::Dyadic(a, b, c) => {
            walk(a, f);
            walk(b, f);
            walk(c, f);
        }
        ExprKind::Match(p, v, _) => {
            walk(p, f);
            walk(v, f);
        }
        ExprKind::List(v)
        | ExprKind::MatchCond(v)
        | ExprKind::Cond(v)
        | ExprKind::If(v)
        | ExprKind::Do(v)
        | ExprKind::While(v)
        | ExprKind::Block(v) => v.iter().for_each(|x| walk(x, f)),
        ExprKind::Assign(a) => {
            if let Some(ix) = &a.indexes {
                ix.iter().for_each(|x| walk(x, f));
            }
            if let Some(m) = &a.modifier {
                walk(m, f);
            }
            walk(&a.value, f);
        }
        ExprKind::Sql(q) => {
            walk(&q.from, f);
            if let Some(l) = &q.limit {
                walk(l, f);
            }
            super::sql::phrase_exprs(q).for_each(|x| walk(x, f));
        }
        ExprKind::Lit(_)
        | ExprKind::Name(_)
        | ExprKind::Verb(_)
        | ExprKind::Lambda(_)
        | ExprKind::Elided => {}
    }
}

/// A literal as a value.
pub fn literal(l: &Literal) -> Value {
    let v = match &l.values {
        LitValues::Bool(v) => Vector::bools(v.clone()),
        LitValues::Guid(v) => Vector::guids(v.clone()),
        LitValues::Byte(v) => Vector::from_u8(Ty::Byte, v.clone()),
        LitValues::Short(v) => Vector::from_i16(v.clone()),
        LitValues::Int(v) => Vector::from_i32(Ty::Int, v.clone()),
        LitValues::Long(v) => Vector::longs(v.clone()),
        LitValues::Real(v) => Vector::from_f32(v.clone()),
        LitValues::Float(v) => Vector::floats(v.clone()),
        LitValues::Char(v) => Vector::from_u8(Ty::Char, v.clone()),
        LitValues::Symbol(v) => Vector::syms(v.iter().map(|s| Sym::new(s)).collect()),
        LitValues::Timestamp(v) => Vector::from_i64(Ty::Timestamp, v.clone()),
        LitValues::Month(v) => Vector::from_i32(Ty::Month, v.clone()),
        LitValues::Date(v) => Vector::from_i32(Ty::Date, v.clone()),
        LitValues::Datetime(v) => Vector::from_f64(Ty::Datetime, v.clone()),
        LitValues::Timespan(v) => Vector::from_i64(Ty::Timespan, v.clone()),
        LitValues::Minute(v) => Vector::from_i32(Ty::Minute, v.clone()),
        LitValues::Second(v) => Vector::from_i32(Ty::Second, v.clone()),
        LitValues::Time(v) => Vector::from_i32(Ty::Time, v.clone()),
    };
    if l.atom && v.len() == 1 {
        Value::Atom(v.get(0))
    } else {
        Value::Vector(v)
    }
}

/// Where q's caret goes for an error of the assignment itself (`s[2]:5f`):
/// the `:` before the value; the whole span when it is not found.
fn colon_span(source: &str, span: Span, value_start: usize) -> Span {
    let end = value_start.min(source.len());
    if span.start < end
        && let Some(head) = source.get(span.start..end)
        && let Some(i) = head.rfind(':')
    {
        let at = span.start + i;
        return at..at + 1;
    }
    span
}
