//! Pattern matching (q 4.1): `(b;c):2 3`, patterns in lambda parameters
//! (`{[(a;b);c]..}`) and the pattern conditional `:[v;p1;r1;..;rd]`.
//!
//! A pattern is read from the expression written on the left of `:`
//! ([`compile`]): a name binds, a name with an index amends, a constant
//! must match (`~`), a list matches item by item, `k!p` with constant keys
//! looks the keys up in a dictionary, `p!q` matches a dictionary's keys and
//! values, `flip p` a table as a dictionary, `p:`t` checks a type letter
//! and `p:f` applies a filter function first. A match binds nothing until
//! it has succeeded as a whole; its value is the matched value with the
//! filters' results in place.

use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qparser::Expr;
use qparser::ExprKind;
use qparser::LitValues;
use qparser::Span;

use super::Frame;
use super::Node;
use super::Target;
use super::compile::Scope;
use super::compile::compile;
use crate::state::Interp;

/// A compiled pattern.
#[derive(Debug)]
pub enum Pat {
    /// Matches anything (an elided item).
    Null,
    /// Must match the value exactly.
    Const(Box<Node>),
    /// Binds a variable.
    Name(Target),
    /// Amends a variable at an index (the index is a value, not a pattern).
    Indexed(Target, Vec<Node>),
    /// Items, one pattern each; counts must agree. The spans are the items'.
    List(Vec<Pat>, Vec<Span>),
    /// `k!p` with constant keys: the values at those keys match `p`.
    Lookup(Box<Node>, Box<Pat>),
    /// `p!q`: the keys match `p`, the values `q`.
    KeyValue(Box<Pat>, Box<Pat>),
    /// `flip p`: a table, flipped to a dictionary, matches `p`.
    Flip(Box<Pat>),
    /// `p:`t`: a type check, then `p`; the position of its `:`.
    Type(Box<Pat>, char, usize),
    /// `p:f`: `f` applied to the value, the result matching `p`.
    Filter(Box<Pat>, Box<Node>),
}

/// A variable the match sets once it has succeeded.
pub(crate) struct Binding {
    pub target: Target,
    pub index: Option<Vec<Value>>,
    pub value: Value,
}

/// The pattern a parenthesised expression spells.
pub fn compile_pattern(e: &Expr, scope: &Scope) -> QResult<Pat> {
    Ok(match &e.kind {
        ExprKind::Elided => Pat::Null,
        ExprKind::Name(n) => Pat::Name(scope.target(n)),
        ExprKind::Call(f, ix) if matches!(&f.kind, ExprKind::Name(_)) => {
            let ExprKind::Name(n) = &f.kind else {
                return Err(QError::type_());
            };
            let ix = ix
                .iter()
                .map(|x| compile(x, scope))
                .collect::<QResult<_>>()?;
            Pat::Indexed(scope.target(n), ix)
        }
        ExprKind::List(items) => Pat::List(
            items
                .iter()
                .map(|x| compile_pattern(x, scope))
                .collect::<QResult<_>>()?,
            items.iter().map(|x| x.span.clone()).collect(),
        ),
        ExprKind::Dyadic(f, k, v) if is_verb(f, "!") => {
            if is_constant(k) {
                Pat::Lookup(
                    Box::new(compile(k, scope)?),
                    Box::new(compile_pattern(v, scope)?),
                )
            } else {
                Pat::KeyValue(
                    Box::new(compile_pattern(k, scope)?),
                    Box::new(compile_pattern(v, scope)?),
                )
            }
        }
        ExprKind::LeftProj(f, k) if is_verb(f, "!") => {
            Pat::KeyValue(Box::new(compile_pattern(k, scope)?), Box::new(Pat::Null))
        }
        ExprKind::Monadic(f, x) if matches!(&f.kind, ExprKind::Name(n) if n == "flip") => {
            Pat::Flip(Box::new(compile_pattern(x, scope)?))
        }
        ExprKind::Assign(a) if a.modifier.is_none() => {
            let inner = match &a.indexes {
                None => Pat::Name(scope.target(&a.name)),
                Some(ix) => Pat::Indexed(
                    scope.target(&a.name),
                    ix.iter()
                        .map(|x| compile(x, scope))
                        .collect::<QResult<_>>()?,
                ),
            };
            checked(inner, &a.value, scope, colon_after(scope, e.span.start))?
        }
        ExprKind::Match(p, v, _) => checked(
            compile_pattern(p, scope)?,
            v,
            scope,
            colon_after(scope, p.span.end),
        )?,
        ExprKind::Return(v) => checked(Pat::Null, v, scope, colon_after(scope, e.span.start))?,
        _ => Pat::Const(Box::new(compile(e, scope)?)),
    })
}

/// The position of the first `:` at or after `from` in the source being
/// compiled (the colon of `p:`t` or `(p):v`), or `from` if there is none.
pub(crate) fn colon_after(scope: &Scope, from: usize) -> usize {
    let src = scope.source();
    src.get(from..)
        .and_then(|rest| rest.find(':'))
        .map_or(from, |i| from + i)
}

/// `p:`t` (a type letter) or `p:f` (a filter); `colon` is where its `:` is.
fn checked(inner: Pat, check: &Expr, scope: &Scope, colon: usize) -> QResult<Pat> {
    if let ExprKind::Lit(l) = &check.kind
        && l.atom
        && let LitValues::Symbol(s) = &l.values
        && let [t] = s.as_slice()
        && t.chars().count() == 1
    {
        let c = t.chars().next().unwrap_or(' ');
        return Ok(Pat::Type(Box::new(inner), c, colon));
    }
    Ok(Pat::Filter(
        Box::new(inner),
        Box::new(compile(check, scope)?),
    ))
}

fn is_verb(e: &Expr, v: &str) -> bool {
    matches!(&e.kind, ExprKind::Verb(x) if x == v)
}

/// A literal, or a list of literals: a value rather than a pattern.
fn is_constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Lit(_) => true,
        ExprKind::List(xs) => xs.iter().all(is_constant),
        _ => false,
    }
}

/// The names a pattern binds (they are locals of a lambda).
pub fn pattern_names(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Name(n) => out.push(n.clone()),
        ExprKind::List(items) => items.iter().for_each(|x| pattern_names(x, out)),
        ExprKind::Dyadic(f, k, v) if is_verb(f, "!") => {
            if !is_constant(k) {
                pattern_names(k, out);
            }
            pattern_names(v, out);
        }
        ExprKind::LeftProj(f, k) if is_verb(f, "!") => pattern_names(k, out),
        ExprKind::Monadic(f, x) if matches!(&f.kind, ExprKind::Name(n) if n == "flip") => {
            pattern_names(x, out)
        }
        ExprKind::Assign(a) if a.modifier.is_none() && a.indexes.is_none() => {
            out.push(a.name.clone())
        }
        ExprKind::Match(p, _, _) => pattern_names(p, out),
        _ => {}
    }
}

fn mismatch() -> QError {
    QError::new("match")
}

impl Interp {
    /// Matches `v` against `p`, collecting the bindings; the value with
    /// filter results in place.
    pub(crate) fn match_pattern(
        &mut self,
        p: &Pat,
        v: Value,
        binds: &mut Vec<Binding>,
        fr: &mut Frame,
    ) -> QResult<Value> {
        let ev = |it: &mut Interp, n: &Node, fr: &mut Frame| -> QResult<Value> {
            it.eval_node(n, fr).map_err(|c| match c {
                super::Ctl::Error(e) => e,
                super::Ctl::Return(_) => QError::new("match"),
            })
        };
        match p {
            Pat::Null => Ok(v),
            Pat::Const(n) => {
                let c = ev(self, n, fr)?;
                if crate::ops::compare::values_match_tol(&c, &v) {
                    Ok(v)
                } else {
                    Err(mismatch())
                }
            }
            Pat::Name(t) => {
                binds.push(Binding {
                    target: t.clone(),
                    index: None,
                    value: v.clone(),
                });
                Ok(v)
            }
            Pat::Indexed(t, ix) => {
                let mut idx = Vec::with_capacity(ix.len());
                for n in ix.iter().rev() {
                    idx.push(ev(self, n, fr)?);
                }
                idx.reverse();
                binds.push(Binding {
                    target: t.clone(),
                    index: Some(idx),
                    value: v.clone(),
                });
                Ok(v)
            }
            Pat::List(ps, spans) => {
                let items = match &v {
                    Value::Vector(_) | Value::List(_) | Value::Table(_) => v.items_of_list()?,
                    _ => return Err(QError::type_()),
                };
                if items.len() != ps.len() {
                    // q's caret: the pattern's opening parenthesis
                    let mut e = QError::length();
                    if let Some(sp) = spans.first()
                        && let Some(open) = sp.start.checked_sub(1)
                        && fr.source.get(open..sp.start) == Some("(")
                    {
                        e = e.at(fr.source, open..sp.start);
                    }
                    return Err(e);
                }
                let mut out = Vec::with_capacity(items.len());
                let mut changed = false;
                for ((p, x), sp) in ps.iter().zip(items).zip(spans) {
                    let before = x.clone();
                    // a constant item that does not match is where q's caret points
                    let r = self.match_pattern(p, x, binds, fr).map_err(|e| match p {
                        Pat::Const(_) => e.at(fr.source, sp.clone()),
                        _ => e,
                    })?;
                    changed |= !crate::ops::compare::values_match(&before, &r);
                    out.push(r);
                }
                if !changed {
                    return Ok(v);
                }
                match v {
                    Value::Table(_) => crate::ops::make::table_from_rows(out),
                    _ => Ok(Value::from_items(out)),
                }
            }
            Pat::Lookup(k, p) => {
                let Value::Dict(d) = &v else {
                    return Err(QError::type_());
                };
                let keys = ev(self, k, fr)?;
                let pos = crate::ops::join::positions(&d.keys, &keys);
                if let Some(missing) = pos.iter().position(Option::is_none) {
                    // q points at the pattern of the first key not found
                    let mut e = mismatch();
                    if let Pat::List(_, spans) = &**p
                        && let Some(sp) = spans.get(missing)
                    {
                        // an elided value (`[six:;…]`) is shown by its `:`
                        let at = if sp.is_empty()
                            && fr.source.get(..sp.start).is_some_and(|t| t.ends_with(':'))
                        {
                            sp.start - 1..sp.start
                        } else {
                            sp.clone()
                        };
                        e = e.at(fr.source, at);
                    }
                    return Err(e);
                }
                let idx: Vec<i64> = pos.iter().map(|p| p.map_or(-1, |i| i as i64)).collect();
                let vals = crate::ops::index::take_idx(&d.values, &idx);
                self.match_pattern(p, vals, binds, fr)?;
                Ok(v)
            }
            Pat::KeyValue(pk, pv) => {
                let Value::Dict(d) = &v else {
                    return Err(QError::type_());
                };
                let (k, vals) = (d.keys.clone(), d.values.clone());
                let k2 = self.match_pattern(pk, k, binds, fr)?;
                let v2 = self.match_pattern(pv, vals, binds, fr)?;
                Ok(Value::dict(k2, v2))
            }
            Pat::Flip(p) => {
                let Value::Table(t) = &v else {
                    return Err(QError::type_());
                };
                let d = Value::dict(
                    Value::Vector(qcore::Vector::syms(t.names.clone())),
                    Value::list(t.columns.clone()),
                );
                self.match_pattern(p, d, binds, fr)?;
                Ok(v)
            }
            Pat::Type(p, c, colon) => {
                let ok = match Ty::from_letter(*c) {
                    Some(t) if c.is_ascii_lowercase() => v.type_code() == -(t.code() as i16),
                    Some(t) => v.type_code() == t.code() as i16,
                    None => false,
                };
                if !ok {
                    return Err(QError::type_().at(fr.source, *colon..*colon + 1));
                }
                self.match_pattern(p, v, binds, fr)
            }
            Pat::Filter(p, f) => {
                let fv = ev(self, f, fr)?;
                let r = crate::builtins::apply::apply(self, &fv, vec![v])?;
                self.match_pattern(p, r, binds, fr)
            }
        }
    }

    /// Sets the variables of a successful match.
    pub(crate) fn bind(&mut self, binds: Vec<Binding>, fr: &mut Frame) -> QResult<()> {
        for b in binds {
            let index = b.index.clone();
            let new = match b.index {
                None => b.value,
                Some(ix) => {
                    let old = match &b.target {
                        Target::Local(i) => fr.slots.get_mut(*i as usize).and_then(Option::take),
                        Target::Global(s) => self.take_global(*s),
                    };
                    let Some(old) = old else {
                        return Err(QError::new("value").with_detail("undefined name"));
                    };
                    match crate::builtins::index::amend_at(self, old.clone(), &ix, None, b.value) {
                        Ok(n) => n,
                        Err(e) => {
                            self.store(&b.target, old, fr);
                            return Err(e);
                        }
                    }
                }
            };
            self.store(&b.target, new, fr);
            self.value_set(&b.target, index.as_deref())?;
        }
        Ok(())
    }

    /// A match that binds on success: the value of `(p):v`.
    pub(crate) fn match_assign(&mut self, p: &Pat, v: Value, fr: &mut Frame) -> QResult<Value> {
        let mut binds = Vec::new();
        let r = self.match_pattern(p, v, &mut binds, fr)?;
        self.bind(binds, fr)?;
        Ok(r)
    }
}

/// True for the errors a failed match signals (the pattern conditional
/// goes on to its next pattern).
pub(crate) fn is_mismatch(e: &QError) -> bool {
    matches!(e.name.as_str(), "match" | "type" | "length")
}
