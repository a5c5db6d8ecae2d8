//! qSQL statements (`select`, `exec`, `update`, `delete`) as their
//! functional forms.
//!
//! q defines the templates as sugar for `?[t;c;b;a]` and `![t;c;b;a]`, so a
//! statement is evaluated by building q parse trees from its phrases (the
//! same trees `parse` shows, see [`parse_tree`]) and calling the functional
//! forms in `builtins::qsql`. Names in the phrases stay symbols (columns,
//! else globals), except the locals and parameters of the enclosing lambda:
//! their values are put into the trees at each evaluation (quoted when q
//! would read them as names or applications), so `{select from t where
//! a>x}` sees its argument.
//!
//! Implicit column names: a phrase item written without `name:` is named
//! after the last name in its expression that is not a keyword and not the
//! virtual column `i` (`sum x` is `x`, `size wavg price` is `price`,
//! `5 xbar time` is `time`, `time.minute` is `minute`), else `x` — but an
//! operator's item is named after its left argument only (`c2+c3` is `c2`,
//! `2*c2` is `x`, as basics/qsql shows); in the
//! select phrase of `select` and `exec` a name already taken gets the
//! smallest suffix `1`, `2`, ... that makes it unique (`x`, `x1`).

use std::collections::HashMap;
use std::sync::Arc;

use qparser::Expr;
use qparser::ExprKind;
use qparser::SqlKind;
use qparser::SqlQuery;

use crate::registry;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

use super::Ctl;
use super::Frame;
use super::Node;
use super::Span;
use super::compile;
use super::compile::Scope;

/// A compiled qSQL statement.
#[derive(Debug)]
pub struct SqlNode {
    query: SqlQuery,
    from: Node,
    limit: Option<Node>,
    /// Locals of the enclosing lambda named in the phrases, with their slots.
    locals: Vec<(Sym, u16)>,
    span: Span,
}

/// Compiles a statement: the table and limit expressions become nodes, the
/// phrases stay syntax until evaluation.
pub fn compile(q: &SqlQuery, scope: &Scope, span: Span) -> QResult<Node> {
    let from = compile::compile(&q.from, scope)?;
    let limit = match &q.limit {
        Some(l) => Some(compile::compile(l, scope)?),
        None => None,
    };
    let mut locals: Vec<(Sym, u16)> = Vec::new();
    for e in phrase_exprs(q) {
        compile::walk(e, &mut |x| {
            if let ExprKind::Name(n) = &x.kind
                && let Some(slot) = scope.local(n)
                && !locals.iter().any(|(_, s)| *s == slot)
            {
                locals.push((Sym::new(n), slot));
            }
        });
    }
    Ok(Node::Sql(Box::new(SqlNode {
        query: q.clone(),
        from,
        limit,
        locals,
        span,
    })))
}

/// The expressions of the select, by and where phrases.
pub fn phrase_exprs(q: &SqlQuery) -> impl Iterator<Item = &Expr> {
    q.columns
        .iter()
        .map(|c| &c.1)
        .chain(q.by.iter().map(|c| &c.1))
        .chain(q.where_.iter())
}

fn located(e: QError, source: &Arc<str>, span: &Span) -> Ctl {
    Ctl::Error(e.at(source, span.clone()))
}

/// Evaluates a compiled statement.
pub fn eval(it: &mut Interp, n: &SqlNode, fr: &mut Frame) -> Result<Value, Ctl> {
    let limit = match &n.limit {
        Some(l) => Some(it.eval_node(l, fr)?),
        None => None,
    };
    let t = it.eval_node(&n.from, fr)?;
    let mut vals: HashMap<Sym, Value> = HashMap::new();
    for (s, slot) in &n.locals {
        if let Some(Some(v)) = fr.slots.get(*slot as usize) {
            vals.insert(*s, v.clone());
        }
    }
    let source = fr.source.clone();
    let mut tree = |it: &mut Interp, e: &Expr| -> QResult<Value> {
        let v = crate::eval::tree::tree(it, e, &source)?;
        Ok(if vals.is_empty() {
            v
        } else {
            substitute(v, &vals)
        })
    };
    let r = run(it, &n.query, t, limit, &mut tree);
    r.map_err(|e| located(e, fr.source, &n.span))
}

/// Puts the values of locals into a parse tree in place of their names.
fn substitute(v: Value, vals: &HashMap<Sym, Value>) -> Value {
    match v {
        Value::Atom(Atom::Symbol(s)) => match vals.get(&s) {
            Some(x) => quote(x.clone()),
            None => v,
        },
        // a one-item list is a quoted constant
        Value::List(l) if l.len() > 1 => {
            Value::list(l.iter().map(|x| substitute(x.clone(), vals)).collect())
        }
        other => other,
    }
}

/// `v` as a parse-tree constant: symbols and general lists are enlisted (q
/// would read them as names and applications); anything else is itself.
fn quote(v: Value) -> Value {
    match &v {
        Value::Atom(Atom::Symbol(_)) | Value::List(_) => Value::list(vec![v]),
        Value::Vector(x) if x.ty() == Ty::Symbol && !x.is_empty() => Value::list(vec![v]),
        _ => v,
    }
}

fn builtin(name: &str) -> QResult<Value> {
    registry::lookup(name)
        .map(registry::func)
        .ok_or_else(|| QError::nyi(name))
}

/// The arguments of a statement's functional form after the table: the
/// constraints, the by phrase, the select phrase, and for a select with a
/// limit the row count and the `(g;cn)` order.
struct Parts {
    c: Vec<Value>,
    b: Value,
    a: Value,
    order: Option<Value>,
}

/// The implicit name of a phrase item (see the module docs).
fn implicit_name(e: &Expr) -> String {
    // an operator names after its left argument only: `c2+c3` is `c2`,
    // `2*c2` is `x` (basics/qsql)
    if let ExprKind::Dyadic(f, a, _) = &e.kind
        && matches!(f.kind, ExprKind::Verb(_))
    {
        return implicit_name(a);
    }
    let mut last: Option<String> = None;
    compile::walk(e, &mut |x| {
        if let ExprKind::Name(n) = &x.kind
            && n != "i"
            && registry::lookup(n).is_none()
        {
            last = Some(n.rsplit('.').next().unwrap_or(n).to_string());
        }
    });
    last.unwrap_or_else(|| "x".to_string())
}

/// Names and parse trees of a phrase; with `dedup`, repeated names get
/// suffixes.
fn named_trees(
    it: &mut Interp,
    items: &[(Option<String>, Expr)],
    dedup: bool,
    tree: &mut dyn FnMut(&mut Interp, &Expr) -> QResult<Value>,
) -> QResult<(Vec<Sym>, Vec<Value>)> {
    let mut names: Vec<String> = Vec::with_capacity(items.len());
    let mut trees = Vec::with_capacity(items.len());
    for (n, e) in items {
        let mut name = n.clone().unwrap_or_else(|| implicit_name(e));
        if dedup && names.contains(&name) {
            let base = name.clone();
            let mut k = 1;
            while names.contains(&format!("{base}{k}")) {
                k += 1;
            }
            name = format!("{base}{k}");
        }
        names.push(name);
        trees.push(tree(it, e)?);
    }
    Ok((names.iter().map(|n| Sym::new(n)).collect(), trees))
}

fn phrase_dict(names: Vec<Sym>, trees: Vec<Value>) -> Value {
    Value::dict(Value::Vector(Vector::syms(names)), Value::from_items(trees))
}

fn parts(
    it: &mut Interp,
    q: &SqlQuery,
    tree: &mut dyn FnMut(&mut Interp, &Expr) -> QResult<Value>,
) -> QResult<Parts> {
    let mut c = Vec::with_capacity(q.where_.len());
    for e in &q.where_ {
        c.push(tree(it, e)?);
    }
    let dedup = matches!(q.kind, SqlKind::Select | SqlKind::Exec);
    let (cn, ct) = named_trees(it, &q.columns, dedup, tree)?;
    let (bn, bt) = named_trees(it, &q.by, false, tree)?;
    // q: a select column named like a group column is an error, in parse
    // too (`select b by b from t` is 'dup names for cols/groups b). Only
    // bare column names are checked: derived names (`sum k by 3 xbar k`)
    // are left as they were.
    let bare = |items: &[(Option<String>, Expr)]| -> Vec<String> {
        items
            .iter()
            .filter_map(|(n, e)| match (&n, &e.kind) {
                (None, ExprKind::Name(v)) => Some(v.to_string()),
                _ => None,
            })
            .collect()
    };
    if q.kind == SqlKind::Select {
        let by = bare(&q.by);
        if let Some(d) = bare(&q.columns).into_iter().find(|c| by.contains(c)) {
            return Err(QError::new(format!("dup names for cols/groups {d}")));
        }
    }
    let single_unnamed =
        |items: &[(Option<String>, Expr)]| items.len() == 1 && items[0].0.is_none();
    let (b, a) = match q.kind {
        SqlKind::Select => {
            let b = if bn.is_empty() {
                Value::Atom(Atom::Bool(q.distinct))
            } else {
                phrase_dict(bn, bt)
            };
            let a = if cn.is_empty() {
                Value::list(vec![])
            } else {
                phrase_dict(cn, ct)
            };
            (b, a)
        }
        SqlKind::Exec => {
            let b = if bn.is_empty() {
                Value::list(vec![])
            } else if single_unnamed(&q.by) {
                bt.into_iter().next().unwrap_or(Value::Nil)
            } else {
                phrase_dict(bn, bt)
            };
            let a = if cn.is_empty() {
                Value::list(vec![])
            } else if single_unnamed(&q.columns) {
                let t = ct.into_iter().next().unwrap_or(Value::Nil);
                if q.distinct {
                    Value::list(vec![builtin("distinct")?, t])
                } else {
                    t
                }
            } else {
                phrase_dict(cn, ct)
            };
            (b, a)
        }
        SqlKind::Update => {
            let b = if bn.is_empty() {
                Value::Atom(Atom::Bool(false))
            } else {
                phrase_dict(bn, bt)
            };
            (b, phrase_dict(cn, ct))
        }
        SqlKind::Delete => {
            if !bn.is_empty() {
                return Err(QError::nyi("delete with a by phrase"));
            }
            let mut cols = Vec::with_capacity(q.columns.len());
            for (_, e) in &q.columns {
                match &e.kind {
                    ExprKind::Name(n) => cols.push(Sym::new(n)),
                    _ => return Err(QError::type_()),
                }
            }
            (
                Value::Atom(Atom::Bool(false)),
                Value::Vector(Vector::syms(cols)),
            )
        }
    };
    let order = match &q.order {
        Some((desc, col)) => Some(Value::list(vec![
            builtin(if *desc { "idesc" } else { "iasc" })?,
            Value::Atom(Atom::Symbol(Sym::new(col))),
        ])),
        None => None,
    };
    Ok(Parts { c, b, a, order })
}

/// Runs a statement over table (or table name) `t`.
fn run(
    it: &mut Interp,
    q: &SqlQuery,
    t: Value,
    limit: Option<Value>,
    tree: &mut dyn FnMut(&mut Interp, &Expr) -> QResult<Value>,
) -> QResult<Value> {
    let p = parts(it, q, tree)?;
    let c = Value::list(p.c);
    match q.kind {
        SqlKind::Select | SqlKind::Exec => {
            let mut args = vec![t, c, p.b, p.a];
            match (limit, p.order) {
                (Some(n), Some(o)) => args.extend([n, o]),
                (Some(n), None) => args.push(n),
                (None, Some(o)) => args.extend([Value::long(i64::MAX), o]),
                (None, None) => {}
            }
            crate::query::qsql::select_n(it, args)
        }
        SqlKind::Update | SqlKind::Delete => crate::query::qsql::update_n(it, vec![t, c, p.b, p.a]),
    }
}

/// `parse` of a statement: `(?;t;c;b;a)` (`!` for update and delete), with
/// the limit and order of `select[..]`. Arguments are parse trees, so
/// constant lists and names are enlisted as q shows them (`,,(>;`a;1)`).
pub fn parse_tree(
    it: &mut Interp,
    q: &SqlQuery,
    tree: &mut dyn FnMut(&mut Interp, &Expr) -> QResult<Value>,
) -> QResult<Value> {
    let head = builtin(match q.kind {
        SqlKind::Select | SqlKind::Exec => "?",
        SqlKind::Update | SqlKind::Delete => "!",
    })?;
    let from = tree(it, &q.from)?;
    let limit = match &q.limit {
        Some(l) => Some(tree(it, l)?),
        None => None,
    };
    let p = parts(it, q, tree)?;
    let c = if p.c.is_empty() {
        Value::list(vec![])
    } else {
        Value::list(vec![Value::list(p.c)])
    };
    let arg = |v: Value| match v {
        Value::Dict(_) => v,
        Value::List(ref l) if l.is_empty() => v,
        other => quote(other),
    };
    let mut out = vec![head, from, c, arg(p.b), arg(p.a)];
    match (limit, p.order) {
        (Some(n), Some(o)) => out.extend([n, quote(o)]),
        (Some(n), None) => out.push(n),
        (None, Some(o)) => out.extend([Value::long(i64::MAX), quote(o)]),
        (None, None) => {}
    }
    Ok(Value::list(out))
}
