//! The evaluator: resolved [`Node`]s to values.
//!
//! A top-level line is parsed, resolved once by [`compile`] and walked here.
//! Lambdas are resolved once when their value is created; a call allocates
//! one slot vector and walks the cached body. Evaluation follows q: right to
//! left, arguments of `f[a;b]` evaluated last to first.

pub mod compile;
pub mod debugger;
pub mod pattern;
pub mod sql;
pub mod tree;

use std::sync::Arc;

use qparser::Adverb;

use crate::state::Interp;
use crate::state::LambdaArgs;
use qcore::Atom;
use qcore::Func;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;

pub use crate::builtins::apply::apply;

/// Byte range in the source text.
pub type Span = std::ops::Range<usize>;

/// A resolved expression.
#[derive(Debug)]
pub enum Node {
    Const(Value),
    /// A local slot of the current lambda.
    Local(u16, Span),
    /// A global by full name.
    Global(Sym, Span),
    /// A system value such as `.z.p`, read at each evaluation.
    SysValue(u16, Span),
    Derived(Adverb, Box<Node>),
    /// `'[f;g;...]`: composition of the argument values.
    Compose(Vec<Node>, Span),
    Call {
        f: Box<Node>,
        args: Vec<Node>,
        span: Span,
    },
    Monadic {
        f: Box<Node>,
        x: Box<Node>,
        span: Span,
    },
    Dyadic {
        f: Box<Node>,
        x: Box<Node>,
        y: Box<Node>,
        span: Span,
    },
    /// `x op y` with a builtin whose dyadic form is known when the line is
    /// resolved (`+`, `mod`, `within` …).
    Operator {
        dyad: crate::registry::Dyad,
        /// The arithmetic done in place on two long or two float atoms.
        scalar: Option<crate::ops::arith::Op>,
        /// The operator itself (`.z.ex` when it fails under the debugger).
        op: Value,
        x: Box<Node>,
        y: Box<Node>,
        span: Span,
    },
    LeftProj {
        f: Box<Node>,
        x: Box<Node>,
    },
    List(Vec<Node>),
    Elided,
    Assign {
        target: Target,
        indexes: Option<Vec<Node>>,
        modifier: Option<Box<Node>>,
        value: Box<Node>,
        span: Span,
    },
    /// `n#idesc x`, `n sublist iasc x`, ``n#`c xdesc t`` …: a prefix of a
    /// sort. Evaluated as written (right to left), except that when the
    /// prefix is short and the sort is by one vector, only the first `n`
    /// of the grade are found ([`crate::builtins::sort::sorted_prefix`]).
    Prefix {
        /// `#` or `sublist`, applied in the general case.
        take: Box<Node>,
        n: Box<Node>,
        /// `idesc`, `iasc` or `xdesc`.
        sort: Box<Node>,
        /// The columns of `xdesc`.
        cols: Option<Box<Node>>,
        arg: Box<Node>,
        desc: bool,
        sublist: bool,
        span: Span,
        sort_span: Span,
    },
    /// `v::expr` at the top level: a view.
    View {
        name: Sym,
        source: String,
        deps: Vec<Sym>,
    },
    /// `(p):v`: pattern assignment.
    Match {
        pat: pattern::Pat,
        value: Box<Node>,
        span: Span,
    },
    /// `:[v;p1;r1;...;rd]`.
    MatchCond {
        value: Box<Node>,
        arms: Vec<(pattern::Pat, Node)>,
        default: Option<Box<Node>>,
        span: Span,
    },
    Cond(Vec<Node>, Span),
    If(Vec<Node>, Span),
    Do(Vec<Node>, Span),
    While(Vec<Node>, Span),
    Return(Box<Node>),
    Signal(Box<Node>, Span),
    Block(Vec<Node>),
    /// A qSQL statement (`eval::sql`).
    Sql(Box<sql::SqlNode>),
}

/// Where an assignment stores.
#[derive(Debug, Clone)]
pub enum Target {
    Local(u16),
    Global(Sym),
}

/// A lambda body after resolution.
#[derive(Debug)]
pub struct CompiledLambda {
    pub body: Vec<Node>,
    /// Parameters plus other locals.
    pub nslots: usize,
    pub nparams: usize,
    /// The text the spans of `body` refer to.
    pub source: Arc<str>,
    /// The name of each slot (parameters first): how a line typed at the
    /// `q))` debugger prompt reaches the suspended call's locals.
    pub locals: Vec<String>,
}

/// The resolved body of a lambda. Every lambda is made by
/// [`compile::compile_lambda`], so the body is always there; `'type` guards
/// the impossible case rather than panicking.
pub fn compiled(l: &qcore::Lambda) -> QResult<&CompiledLambda> {
    l.body
        .downcast_ref::<CompiledLambda>()
        .ok_or_else(QError::type_)
}

/// Runs lambda `f`'s body with exactly its arguments (the evaluator's part
/// of application; arity and projection are `builtins::apply`'s).
pub fn call_lambda(it: &mut Interp, func: &Func, args: LambdaArgs) -> QResult<Value> {
    let Func::Lambda(l) = func else {
        return Err(QError::type_());
    };
    let c = compiled(l)?;
    it.tick()?;
    if it.depth >= crate::state::MAX_DEPTH {
        return Err(QError::new("stack").with_detail("too deep: recursion limit reached"));
    }
    // The slot vector comes from the pool of finished calls: a call of a
    // small lambda allocates nothing.
    let mut slots = it.slot_pool.pop().unwrap_or_default();
    match args {
        LambdaArgs::One(x) => slots.push(Some(x)),
        LambdaArgs::Two(x, y) => {
            slots.push(Some(x));
            slots.push(Some(y));
        }
        LambdaArgs::Many(v) => slots.extend(v.into_iter().map(Some)),
    }
    if slots.len() < c.nslots {
        slots.resize(c.nslots, None);
    }
    let mut fr = Frame {
        slots,
        source: &c.source,
    };
    // The lambda's own names were resolved in its namespace when it was
    // made; names reached through symbols at run time (`` `t insert x ``,
    // `` .[`t;();,;x] ``, `get`, `value`) resolve in the current namespace
    // (`\d`), which a call does not change: kdb-tick's `.u` functions
    // amend root tables by name.
    it.depth += 1;
    it.calls.push(func);
    let mut r = run_body(it, &c.body, &mut fr);
    if let Err(Ctl::Error(e)) = &mut r {
        crate::builtins::debug::note_error(it, e);
        e.left_lambda();
    }
    it.calls.pop();
    it.depth -= 1;
    let mut slots = fr.slots;
    while let Some(slot) = slots.pop() {
        if let Some(v) = slot {
            v.discard();
        }
    }
    if it.slot_pool.len() < SLOT_POOL {
        it.slot_pool.push(slots);
    }
    match r {
        Ok(v) => Ok(v),
        Err(Ctl::Return(v)) => Ok(v),
        Err(Ctl::Error(e)) => Err(e),
    }
}

/// A lambda's statements in order: the last one's value, or the first
/// error or return.
#[inline]
fn run_body(it: &mut Interp, body: &[Node], fr: &mut Frame) -> EResult {
    let Some((last, init)) = body.split_last() else {
        return Ok(Value::Nil);
    };
    for s in init {
        it.eval_node(s, fr)?.discard();
    }
    it.eval_node(last, fr)
}

/// How many emptied slot vectors the pool keeps: enough for the nesting
/// depth of ordinary programs, few enough to hold no memory worth naming.
const SLOT_POOL: usize = 64;

/// Parses, resolves and evaluates q source text (one chunk) in the current
/// namespace.
pub fn eval_text(it: &mut Interp, src: &str) -> QResult<Value> {
    let source: Arc<str> = Arc::from(src);
    let ast = qparser::parse(src).map_err(|e| {
        QError::new(e.name.clone())
            .with_detail(e.message.clone())
            .at(&source, e.span.clone())
    })?;
    eval_parsed(it, &ast, &source)
}

/// Evaluates a parsed chunk.
pub fn eval_parsed(it: &mut Interp, ast: &qparser::Expr, source: &Arc<str>) -> QResult<Value> {
    let scope = compile::Scope::top(it.namespace, source.clone());
    let node = compile::compile(ast, &scope)?;
    let mut fr = Frame {
        slots: Vec::new(),
        source,
    };
    let saved = it.depth;
    let saved_calls = it.calls.len();
    let saved_top = if saved_calls == 0 {
        it.top_source.replace(source.clone())
    } else {
        None
    };
    let r = it.eval_node(&node, &mut fr);
    it.depth = saved;
    it.calls.truncate(saved_calls);
    if saved_calls == 0 {
        it.top_source = saved_top;
    }
    match r {
        Ok(v) => Ok(v),
        // `:x` at top level just yields x
        Err(Ctl::Return(v)) => Ok(v),
        Err(Ctl::Error(e)) => Err(e),
    }
}

/// What an application keeps, while the debugger is armed, for `.z.ex`
/// and `.z.ey` if it fails: the function and its argument (or its two),
/// without allocating on the way.
pub struct Kept(Value, Value, Option<Value>);

impl Kept {
    /// `.z.ex` and `.z.ey` (the two arguments of a dyad as a list).
    fn split(self) -> (Value, Value) {
        match self {
            Kept(f, x, None) => (f, x),
            Kept(f, x, Some(y)) => (f, Value::list(vec![x, y])),
        }
    }
}

/// Why evaluation stopped early: an error, or `:x` returning from a lambda.
#[derive(Debug)]
pub enum Ctl {
    Error(QError),
    Return(Value),
}

impl From<QError> for Ctl {
    fn from(e: QError) -> Self {
        Ctl::Error(e)
    }
}

type EResult = Result<Value, Ctl>;

/// The locals of one lambda call (or none at top level).
pub struct Frame<'a> {
    pub slots: Vec<Option<Value>>,
    pub source: &'a Arc<str>,
}

fn located(e: Ctl, source: &Arc<str>, span: &Span) -> Ctl {
    match e {
        Ctl::Error(q) => Ctl::Error(q.at(source, span.clone())),
        r => r,
    }
}

impl Interp {
    /// An error raised by the node at `span` of frame `fr`: located there
    /// and, when the `q))` debugger is armed and the error is new, the
    /// evaluation suspends here ([`debugger::suspend`]); resuming (`:v`)
    /// makes `v` the node's result. `keep` is `.z.ex` and `.z.ey`.
    #[cold]
    #[inline(never)]
    fn fail(&mut self, e: QError, fr: &mut Frame, span: &Span, keep: Option<Kept>) -> EResult {
        let fresh = debugger::is_new(self, &e);
        let e = e.at(fr.source, span.clone());
        if fresh && debugger::may_suspend(self, &e, fr) {
            return debugger::suspend(self, e, fr, keep);
        }
        Err(Ctl::Error(e))
    }

    /// Evaluates an operand: constants and locals, the leaves of most
    /// expressions, without the call into [`Interp::eval_node`].
    #[inline(always)]
    fn operand(&mut self, n: &Node, fr: &mut Frame) -> EResult {
        match n {
            Node::Const(v) => Ok(v.clone()),
            Node::Local(i, _) if let Some(Some(v)) = fr.slots.get(*i as usize) => Ok(v.clone()),
            _ => self.eval_node(n, fr),
        }
    }

    /// Evaluates a resolved node.
    pub fn eval_node(&mut self, n: &Node, fr: &mut Frame) -> EResult {
        match n {
            Node::Const(v) => Ok(v.clone()),
            Node::Local(i, span) => match fr.slots.get(*i as usize) {
                Some(Some(v)) => Ok(v.clone()),
                _ => Err(located(
                    QError::new("value")
                        .with_detail("local used before assignment")
                        .into(),
                    fr.source,
                    span,
                )),
            },
            Node::Global(s, span) => match self.global_value(*s) {
                Some(v) => Ok(v),
                None if self.is_view(*s) => match self.view_value(*s) {
                    Some(r) => r.map_err(|e| located(e.into(), fr.source, span)),
                    None => Ok(Value::Nil),
                },
                // `d.year`: a field of a temporal variable (temporal.rs).
                None => match crate::builtins::temporal::dotted_field(self, *s) {
                    Some(r) => r.map_err(|e| located(e.into(), fr.source, span)),
                    None => self.fail(crate::registry::undefined(s.as_str()), fr, span, None),
                },
            },
            Node::SysValue(i, span) => {
                // compile makes a SysValue only of a row with a monadic form
                let f = crate::registry::BUILTINS[*i as usize]
                    .monad
                    .ok_or_else(QError::type_)?;
                f.call(self, Value::Nil)
                    .map_err(|e| located(e.into(), fr.source, span))
            }
            Node::Derived(adv, f) => {
                let f = self.eval_node(f, fr)?;
                Ok(Value::derived(*adv, f))
            }
            Node::Compose(parts, span) => {
                // `'[f]` is the iterator applied with brackets: `f'`
                if let [one] = parts.as_slice()
                    && !matches!(one, Node::Elided)
                {
                    let f = self.eval_node(one, fr)?;
                    return Ok(Value::derived(Adverb::Each, f));
                }
                // `'[;]`, `'[f;]`: a projection of composition
                if parts.iter().any(|a| matches!(a, Node::Elided)) && parts.len() == 2 {
                    let mut vals = Vec::with_capacity(2);
                    for a in parts.iter().rev() {
                        vals.push(match a {
                            Node::Elided => None,
                            a => Some(self.eval_node(a, fr)?),
                        });
                    }
                    vals.reverse();
                    let i = crate::registry::lookup("'").ok_or_else(QError::type_)?;
                    return crate::builtins::apply::project(crate::registry::func(i), vals)
                        .map_err(|e| located(e.into(), fr.source, span));
                }
                let mut vals = Vec::with_capacity(parts.len());
                for a in parts.iter().rev() {
                    // `'[f;;h]`: compose is rank 2 (ref/compose), so a
                    // projection of it with more items is a rank error
                    if matches!(a, Node::Elided) {
                        return Err(QError::rank().at(fr.source, span.clone()).into());
                    }
                    vals.push(self.eval_node(a, fr)?);
                }
                vals.reverse();
                if vals.len() < 2 {
                    return Err(QError::rank().at(fr.source, span.clone()).into());
                }
                Ok(Value::Func(Func::Composition(Arc::new(vals))))
            }
            Node::Call { f, args, span } => {
                let mut vals = Vec::with_capacity(args.len());
                let mut elided = false;
                for a in args.iter().rev() {
                    if matches!(a, Node::Elided) {
                        elided = true;
                        vals.push(None);
                    } else {
                        vals.push(Some(self.operand(a, fr)?));
                    }
                }
                vals.reverse();
                let mut fv = self.eval_node(f, fr)?;
                // `` `f[5;] ``: a name projects the function it names
                if elided
                    && let Value::Atom(Atom::Symbol(s)) = &fv
                    && !s.is_null()
                    && !s.as_str().starts_with(':')
                    && let Ok(v) = crate::builtins::interpret::resolve_name(self, *s)
                    && is_callable(&v)
                {
                    fv = v;
                }
                // `.z.ex`/`.z.ey` if it fails and suspends (debugger.rs)
                let keep = self.debug.armed.then(|| {
                    let args = vals.iter().map(|v| v.clone().unwrap_or(Value::Nil));
                    Kept(fv.clone(), Value::list(args.collect()), None)
                });
                let r = if elided && !is_callable(&fv) {
                    // Data with an elided index selects everything: m[;1].
                    let vals: Vec<Value> =
                        vals.into_iter().map(|v| v.unwrap_or(Value::Nil)).collect();
                    crate::builtins::apply::apply(self, &fv, vals)
                } else if elided && args.len() > 1 {
                    crate::builtins::apply::project(fv, vals)
                } else if elided {
                    // f[] calls f with the generic null.
                    crate::builtins::apply::apply(self, &fv, vec![Value::Nil])
                } else {
                    let vals: Vec<Value> =
                        vals.into_iter().map(|v| v.unwrap_or(Value::Nil)).collect();
                    crate::builtins::apply::call(self, &fv, vals)
                };
                match r {
                    Ok(v) => Ok(v),
                    Err(e) => self.fail(e, fr, span, keep),
                }
            }
            Node::Monadic { f, x, span } => {
                let xv = self.operand(x, fr)?;
                let fv = self.operand(f, fr)?;
                if self.debug.armed {
                    let keep = Kept(fv.clone(), xv.clone(), None);
                    return match crate::builtins::apply::apply_monadic(self, &fv, xv) {
                        Ok(v) => Ok(v),
                        Err(e) => self.fail(e, fr, span, Some(keep)),
                    };
                }
                match crate::builtins::apply::apply_monadic(self, &fv, xv) {
                    Ok(v) => Ok(v),
                    Err(e) => self.fail(e, fr, span, None),
                }
            }
            Node::Dyadic { f, x, y, span } => {
                let yv = self.operand(y, fr)?;
                let xv = self.operand(x, fr)?;
                let fv = self.operand(f, fr)?;
                if self.debug.armed {
                    let keep = Kept(fv.clone(), xv.clone(), Some(yv.clone()));
                    return match crate::builtins::apply::apply2(self, &fv, xv, yv) {
                        Ok(v) => Ok(v),
                        Err(e) => self.fail(e, fr, span, Some(keep)),
                    };
                }
                match crate::builtins::apply::apply2(self, &fv, xv, yv) {
                    Ok(v) => Ok(v),
                    Err(e) => self.fail(e, fr, span, None),
                }
            }
            Node::Operator {
                dyad,
                scalar,
                op,
                x,
                y,
                span,
            } => {
                let yv = self.operand(y, fr)?;
                let xv = self.operand(x, fr)?;
                // two atoms of one type: no kernel call, and it cannot fail
                let (xv, yv) = match scalar {
                    Some(o) => match crate::ops::arith::scalar2(*o, xv, yv) {
                        Ok(v) => return Ok(v),
                        Err(xy) => xy,
                    },
                    None => (xv, yv),
                };
                if self.debug.armed {
                    let keep = Kept(op.clone(), xv.clone(), Some(yv.clone()));
                    return match dyad.call(self, xv, yv) {
                        Ok(v) => Ok(v),
                        Err(e) => self.fail(e, fr, span, Some(keep)),
                    };
                }
                // unarmed, no `Kept` is built or dropped: this is every
                // operator a lambda body applies
                match dyad.call(self, xv, yv) {
                    Ok(v) => Ok(v),
                    Err(e) => self.fail(e, fr, span, None),
                }
            }
            Node::Prefix {
                take,
                n,
                sort,
                cols,
                arg,
                desc,
                sublist,
                span,
                sort_span,
            } => {
                let av = self.eval_node(arg, fr)?;
                let cv = match cols {
                    Some(c) => Some(self.eval_node(c, fr)?),
                    None => None,
                };
                let nv = self.eval_node(n, fr)?;
                if let Some(r) =
                    crate::builtins::sort::sorted_prefix(&nv, cv.as_ref(), &av, *desc, *sublist)
                {
                    return Ok(r);
                }
                let sf = self.eval_node(sort, fr)?;
                let sorted = match cv {
                    Some(c) => crate::builtins::apply::apply2(self, &sf, c, av),
                    None => crate::builtins::apply::apply(self, &sf, vec![av]),
                }
                .map_err(|e| located(e.into(), fr.source, sort_span))?;
                let tf = self.eval_node(take, fr)?;
                crate::builtins::apply::apply2(self, &tf, nv, sorted)
                    .map_err(|e| located(e.into(), fr.source, span))
            }
            Node::LeftProj { f, x } => {
                let xv = self.eval_node(x, fr)?;
                let fv = self.eval_node(f, fr)?;
                Ok(crate::builtins::apply::project(fv, vec![Some(xv), None])?)
            }
            Node::List(items) => {
                let mut vals = Vec::with_capacity(items.len());
                for a in items.iter().rev() {
                    vals.push(self.eval_node(a, fr)?);
                }
                vals.reverse();
                Ok(Value::from_items(vals))
            }
            Node::Elided => Ok(Value::Nil),
            Node::Assign {
                target,
                indexes,
                modifier,
                value,
                span,
            } => match self.eval_assign(target, indexes.as_deref(), modifier.as_deref(), value, fr)
            {
                Err(Ctl::Error(e)) => self.fail(e, fr, span, None),
                r => r,
            },
            Node::View { name, source, deps } => {
                if self.no_update {
                    return Err(QError::new("noupdate").into());
                }
                let ns = self.namespace;
                self.define_view(*name, source.clone(), ns, deps.clone());
                Ok(Value::Nil)
            }
            Node::Match { pat, value, span } => {
                let v = self.eval_node(value, fr)?;
                if self.no_update {
                    return Err(QError::new("noupdate").into());
                }
                self.match_assign(pat, v, fr)
                    .map_err(|e| located(e.into(), fr.source, span))
            }
            Node::MatchCond {
                value,
                arms,
                default,
                span,
            } => {
                let v = self.eval_node(value, fr)?;
                for (p, r) in arms {
                    let mut binds = Vec::new();
                    match self.match_pattern(p, v.clone(), &mut binds, fr) {
                        Ok(_) => {
                            self.bind(binds, fr)
                                .map_err(|e| located(e.into(), fr.source, span))?;
                            return self.eval_node(r, fr);
                        }
                        Err(e) if pattern::is_mismatch(&e) => continue,
                        Err(e) => return Err(located(e.into(), fr.source, span)),
                    }
                }
                match default {
                    Some(d) => self.eval_node(d, fr),
                    None => Ok(Value::Nil),
                }
            }
            Node::Cond(items, span) => {
                let mut i = 0;
                while i + 1 < items.len() {
                    let c = self.eval_node(&items[i], fr)?;
                    if c.truthy().map_err(|e| located(e.into(), fr.source, span))? {
                        return self.eval_node(&items[i + 1], fr);
                    }
                    i += 2;
                }
                if i < items.len() {
                    self.eval_node(&items[i], fr)
                } else {
                    Ok(Value::Nil)
                }
            }
            Node::If(items, span) => {
                let Some((c, body)) = items.split_first() else {
                    return Err(QError::rank().at(fr.source, span.clone()).into());
                };
                let cv = self.eval_node(c, fr)?;
                if cv
                    .truthy()
                    .map_err(|e| located(e.into(), fr.source, span))?
                {
                    for s in body {
                        self.eval_node(s, fr)?;
                    }
                }
                Ok(Value::Nil)
            }
            Node::Do(items, span) => {
                let Some((c, body)) = items.split_first() else {
                    return Err(QError::rank().at(fr.source, span.clone()).into());
                };
                let nv = self.eval_node(c, fr)?;
                let n = match nv {
                    Value::Atom(a) if a.ty().is_integral() => a.to_i64().unwrap_or(0),
                    _ => return Err(QError::type_().at(fr.source, span.clone()).into()),
                };
                for _ in 0..n.max(0) {
                    self.tick()?;
                    for s in body {
                        self.eval_node(s, fr)?;
                    }
                }
                Ok(Value::Nil)
            }
            Node::While(items, span) => {
                let Some((c, body)) = items.split_first() else {
                    return Err(QError::rank().at(fr.source, span.clone()).into());
                };
                loop {
                    self.tick()?;
                    let cv = self.eval_node(c, fr)?;
                    if !cv
                        .truthy()
                        .map_err(|e| located(e.into(), fr.source, span))?
                    {
                        break;
                    }
                    for s in body {
                        self.eval_node(s, fr)?;
                    }
                }
                Ok(Value::Nil)
            }
            Node::Return(x) => {
                let v = self.eval_node(x, fr)?;
                Err(Ctl::Return(v))
            }
            Node::Signal(x, span) => {
                let v = self.eval_node(x, fr)?;
                let text = match &v {
                    Value::Atom(Atom::Symbol(s)) => s.as_str().to_string(),
                    // q signals a string but not a char atom (ref/signal)
                    Value::Atom(Atom::Char(_)) => "stype".to_string(),
                    other => match other.as_string() {
                        Some(s) => s,
                        None => "stype".to_string(),
                    },
                };
                let mut e = QError::new(text).at(fr.source, span.clone());
                e.signalled = true;
                Err(e.into())
            }
            Node::Block(items) => {
                let mut last = Value::Nil;
                for s in items {
                    last = self.eval_node(s, fr)?;
                }
                Ok(last)
            }
            Node::Sql(q) => sql::eval(self, q, fr),
        }
    }

    fn eval_assign(
        &mut self,
        target: &Target,
        indexes: Option<&[Node]>,
        modifier: Option<&Node>,
        value: &Node,
        fr: &mut Frame,
    ) -> Result<Value, Ctl> {
        let v = self.eval_node(value, fr)?;
        if self.no_update && matches!(target, Target::Global(_)) {
            return Err(QError::new("noupdate").into());
        }
        let idx = match indexes {
            Some(ix) => {
                let mut out = Vec::with_capacity(ix.len());
                for a in ix.iter().rev() {
                    out.push(self.eval_node(a, fr)?);
                }
                out.reverse();
                Some(out)
            }
            None => None,
        };
        let m = match modifier {
            Some(m) => Some(self.eval_node(m, fr)?),
            None => None,
        };
        // an amended global is read first: its enumerations follow a domain
        // changed since (their items are amended, their indexes then lost)
        if matches!(target, Target::Global(_)) && (idx.is_some() || m.is_some()) {
            self.refresh_enumerations();
        }
        // `e[i]:`s` on an enumeration enumerates the symbols against its
        // domain first: `'cast` when one is not in it, as q does
        let v = match (&idx, &m) {
            (Some(_), None) if is_plain_sym(&v) => {
                match self.slot_mut(target, fr).and_then(|s| sym_domain(s)) {
                    Some(d) => crate::builtins::enums::enumerate(self, d, v)?,
                    None => v,
                }
            }
            _ => v,
        };
        // In-place fast paths: `x[i]:v` and `x,:y` on a vector that only this
        // variable references mutate its buffer without copying. They check
        // everything before mutating, so a failure leaves the value intact.
        let in_place = match (&idx, &m) {
            (Some(_), None) => true,
            (None, Some(f)) => is_join(f),
            _ => false,
        };
        if in_place && let Some(slot) = self.slot_mut(target, fr) {
            let done = match &idx {
                Some(ix) => crate::builtins::index::amend_in_place(slot, ix, &v),
                None => crate::builtins::index::append_in_place(slot, &v),
            };
            match done {
                Some(Ok(())) => {
                    self.value_set(target, idx.as_deref())?;
                    return Ok(v);
                }
                Some(Err(e)) => return Err(e.into()),
                None => {}
            }
        }
        // General path. The old value is kept until the new one is known so
        // a failed assignment changes nothing.
        let old = match target {
            Target::Local(i) => fr.slots.get_mut(*i as usize).and_then(Option::take),
            Target::Global(s) => self.take_global(*s),
        };
        // `x[i]op:y` yields the amended items (`1+a[2]+:5` is 8 when
        // a[2] was 2, as q's Assign page shows), and `.z.vs` is told the
        // index, so keep it.
        let ix_kept = match (&idx, &m) {
            (Some(ix), _) => Some(ix.clone()),
            _ => None,
        };
        let result = self.assign_value(old.clone(), idx, m.as_ref(), v.clone());
        let new = match result {
            Ok(new) => new,
            Err(e) => {
                // Put the old value back: a failed assignment changes nothing.
                if let Some(o) = old {
                    self.store(target, o, fr);
                }
                return Err(e.into());
            }
        };
        drop(old);
        let ret = if modifier.is_some() && indexes.is_none() {
            new.clone()
        } else if let (Some(ix), Some(_)) = (&ix_kept, modifier) {
            crate::builtins::index::index_at_depth(self, &new, ix).unwrap_or(v)
        } else {
            v
        };
        self.store(target, new, fr);
        self.value_set(target, ix_kept.as_deref())?;
        Ok(ret)
    }

    /// Runs `.z.vs[name;index]` after a global of the root namespace was
    /// assigned (q: not for locals nor for dotted names); `index` is the
    /// assignment's indexes, `()` for the whole variable. The callback does
    /// not run for the assignments it makes itself.
    pub(crate) fn value_set(&mut self, target: &Target, idx: Option<&[Value]>) -> QResult<()> {
        let Target::Global(s) = target else {
            return Ok(());
        };
        if s.as_str().starts_with('.') {
            return Ok(());
        }
        let Some(f) = self.value_set_callback() else {
            return Ok(());
        };
        let index = match idx {
            Some(ix) => Value::from_items(ix.to_vec()),
            None => Value::list(vec![]),
        };
        let guard = self.suspend_value_set();
        let r = crate::builtins::apply::apply2(self, &f, Value::Atom(Atom::Symbol(*s)), index);
        self.resume_value_set(guard);
        r.map(drop)
    }

    fn slot_mut<'f>(&'f mut self, target: &Target, fr: &'f mut Frame) -> Option<&'f mut Value> {
        match target {
            Target::Local(i) => fr.slots.get_mut(*i as usize).and_then(Option::as_mut),
            Target::Global(s) => self.global_mut(*s),
        }
    }

    fn store(&mut self, target: &Target, v: Value, fr: &mut Frame) {
        match target {
            Target::Local(i) => {
                if let Some(s) = fr.slots.get_mut(*i as usize) {
                    *s = Some(v);
                }
            }
            Target::Global(s) => self.set_global(*s, v),
        }
    }

    /// The new value of an assignment target.
    fn assign_value(
        &mut self,
        old: Option<Value>,
        idx: Option<Vec<Value>>,
        modifier: Option<&Value>,
        v: Value,
    ) -> QResult<Value> {
        match (idx, modifier) {
            (None, None) => Ok(v),
            (None, Some(m)) => {
                // An undefined name starts from the operator's identity
                // (`bar+:1` makes bar 1).
                let o = match old {
                    Some(o) => o,
                    None => identity_of(m)
                        .ok_or_else(|| QError::new("value").with_detail("undefined name"))?,
                };
                if is_join(m) {
                    return crate::builtins::list::join::append(self, o, v);
                }
                crate::builtins::apply::apply2(self, m, o, v)
            }
            (Some(ix), m) => {
                let o = old.ok_or_else(|| QError::new("value").with_detail("undefined name"))?;
                crate::builtins::index::amend_at(self, o, &ix, m, v)
            }
        }
    }
}

/// The identity element q knows for an operator (`x op:y` on an undefined
/// `x` starts from it).
fn identity_of(f: &Value) -> Option<Value> {
    let Value::Func(Func::Builtin(i)) = f else {
        return None;
    };
    match i.name {
        "+" | "-" => Some(Value::long(0)),
        "*" | "%" => Some(Value::long(1)),
        "," => Some(Value::list(vec![])),
        _ => None,
    }
}

/// True when `f` is the join operator `,`.
fn is_join(f: &Value) -> bool {
    matches!(f, Value::Func(Func::Builtin(p)) if p.name == ",")
}

/// True when `f` is a function value (so `f[]` calls it).
fn is_callable(v: &Value) -> bool {
    matches!(v, Value::Func(_))
}

impl Interp {
    /// The value of global `s` as an expression reads it: when an
    /// enumeration domain changed since the last read, its enumerations are
    /// resolved again first (`builtins::enums::refresh`), so they follow it.
    fn global_value(&mut self, s: Sym) -> Option<Value> {
        self.refresh_enumerations();
        self.name_value(s)
    }

    /// Resolves again the enumerations of the domains changed since the
    /// last read of a global (`builtins::enums::refresh`).
    fn refresh_enumerations(&mut self) {
        if self.domains_changed() {
            let changed = self.take_changed_domains();
            crate::builtins::enums::refresh(self, &changed);
        }
    }
}

/// q prints nothing for an assignment or a line ending in `;`.
pub(crate) fn is_silent(e: &qparser::Expr) -> bool {
    match &e.kind {
        qparser::ExprKind::Assign(_) | qparser::ExprKind::Match(..) | qparser::ExprKind::Elided => {
            true
        }
        qparser::ExprKind::Block(v) => v.last().is_none_or(is_silent),
        _ => false,
    }
}

/// A symbol atom or a symbol vector that is no enumeration.
fn is_plain_sym(v: &Value) -> bool {
    match v {
        Value::Atom(Atom::Symbol(_)) => true,
        Value::Vector(x) => x.ty() == Ty::Symbol && x.domain().is_none(),
        _ => false,
    }
}

/// The domain of an enumeration of symbols.
fn sym_domain(v: &Value) -> Option<Sym> {
    match v {
        Value::Vector(x) if x.ty() == Ty::Symbol => x.domain(),
        _ => None,
    }
}
