//! Tokens to syntax tree: a chumsky grammar over the lexer's tokens.
//!
//! **Why chumsky over tokens.** q's lexical rules depend on spacing (`x-1`
//! vs `x -1`, `/` comment vs iterator), so [`crate::lexer`] is hand-written
//! and emits spanned [`Token`]s; this module runs chumsky over the token
//! slice (`&[Token]` input). Every token carries its byte span, so nodes and
//! errors get byte spans without any span mapping.
//!
//! **Shape of the grammar.**
//! - `program` — statements separated by `;`, at the top level;
//! - `expr` (the [`recursive`] root) — one statement: a run of terms, plus
//!   the `:` forms (assignment, `:x` return) and `'x` signal;
//! - `term` — an `atom` followed by postfix `[args]` and attached iterators;
//! - `atom` — literal, name, verb, `if[..]`/`do[..]`/`while[..]`, `$[..]`,
//!   `(..)` list or table, `{..}` lambda;
//! - `bracketed` — `;`-separated statements up to a closing bracket.
//!
//! **How grouping works.** q has no precedence. `expr` collects its terms
//! left to right and [`group`] folds them from the right: a verb-like term
//! (glyph verb, derived verb such as `+/`, infix keyword such as `in`) with a
//! noun on its left is applied infix to that noun and everything on its
//! right (`Dyadic`), or becomes a left projection `(2+)` when nothing is on
//! its right; anything else is applied to everything on its right
//! (`Monadic`). The fold is a loop, so long chains cannot overflow the stack.
//!
//! **Why `expr` and `term` are `custom` parsers.** What a `:` means depends
//! on the terms already read on its left (`x:`, `x[i]:`, `x+:` and `x[i]+:`
//! assign; a leading `:` returns; anything else is an error), and q checks
//! this *before* reading the right-hand side. So the statement loop is a
//! small [`custom`] parser that calls the combinator parsers `term` and a
//! nested `expr`; `term`'s postfix loop is one too, so the tree-depth check
//! happens after each postfix step, as the console reports it.
//!
//! **Errors and recovery.** The grammar never fails: every q error (`)`,
//! `]`, `}`, `parse`) is *emitted* with its byte span and parsing goes on
//! with a placeholder, so one bad bracket does not hide the next error. A
//! mismatched closing bracket closes the open one; a stray closer at the top
//! level is skipped. Errors are emitted in the order the console would meet
//! them, so the first one is the error q reports ([`crate::parse`] returns
//! it; [`parse_tokens`] returns them all).
//!
//! **Limits.** The chumsky context (`u32`) counts nested statements
//! (brackets, assignment values, `:x`, `'x`); beyond [`MAX_NEST`] the parser
//! reports `'parse` and skips the rest of the input, so no input overflows
//! the stack. Trees deeper than [`MAX_DEPTH`] are reported too and replaced
//! by a placeholder, so no deep tree is ever built.
//!
//! **Adding syntax** (e.g. qSQL `select .. by .. from .. where ..`): add an
//! alternative to `atom` (or a branch of the statement loop in [`stmt`] for
//! forms that take the rest of a statement), emit errors with [`QErr`] via
//! `validate`/`emit`, and keep the grammar total.

use chumsky::error::LabelError;
use chumsky::input::{InputRef, MapExtra};
use chumsky::prelude::*;
use chumsky::util::MaybeRef;

use crate::ast::*;
use crate::lexer::{Tok, Token};
use crate::parser::is_infix_keyword;

mod qsql;
use qsql::{phrase_end, sql};

/// Maximum statement nesting (brackets, assignment values, `:x`, `'x`).
pub(crate) const MAX_NEST: u32 = 200;
/// Maximum depth of the resulting tree.
pub(crate) const MAX_DEPTH: u32 = 1000;

type In<'a> = &'a [Token];
/// Errors are [`QErr`]; the context is the statement nesting depth and
/// the qSQL phrase being read.
type Ex<'a> = extra::Full<QErr, (), Cx>;

/// The parse context of a statement: its nesting depth, and the tokens that
/// end it inside a qSQL phrase (`STOP_*` bits; 0 outside qSQL and inside
/// any bracket).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Cx {
    depth: u32,
    stop: u8,
}

/// A top-level `,` ends the statement (it separates phrase items).
const STOP_COMMA: u8 = 1;
/// The name `by` ends the statement.
const STOP_BY: u8 = 2;
/// The name `from` ends the statement.
const STOP_FROM: u8 = 4;
/// The name `where` ends the statement.
const STOP_WHERE: u8 = 8;

/// Statement parsers of one qSQL phrase each, plus the assignment-value
/// parser that keeps the current phrase's stop tokens.
#[derive(Clone)]
struct Sub<'a> {
    keep: P<'a, (Expr, u32)>,
    cols: P<'a, (Expr, u32)>,
    by: P<'a, (Expr, u32)>,
    from: P<'a, (Expr, u32)>,
    where_: P<'a, (Expr, u32)>,
}
type P<'a, O> = Boxed<'a, 'a, In<'a>, O, Ex<'a>>;

/// A q parse error as chumsky carries it: q's error name, a message and a
/// byte span.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct QErr(ParseError);

impl QErr {
    fn new(name: &str, message: impl Into<String>, span: Span) -> Self {
        QErr(ParseError {
            name: name.to_string(),
            message: message.into(),
            span,
        })
    }
}

impl<'a> chumsky::error::Error<'a, In<'a>> for QErr {}

/// Only reached if a built-in combinator failure escaped the grammar (it is
/// total, so this is a safety net): report `'parse` at the token found.
impl<'a, L> LabelError<'a, In<'a>, L> for QErr {
    fn expected_found<E: IntoIterator<Item = L>>(
        _expected: E,
        found: Option<MaybeRef<'a, Token>>,
        _span: SimpleSpan,
    ) -> Self {
        let span = found.map_or(usize::MAX..usize::MAX, |t| t.span.clone());
        QErr::new("parse", "unexpected token", span)
    }
}

/// One term of a statement with its syntactic role and tree depth.
#[derive(Clone, Debug)]
struct Item {
    e: Expr,
    /// True for verb-like terms: glyph verbs, derived verbs, infix keywords.
    verb: bool,
    d: u32,
    /// Written in parentheses (a list, `(x)`, a table or dictionary
    /// literal): before `:` it is a pattern.
    paren: bool,
}

impl Item {
    fn new(kind: ExprKind, span: Span, verb: bool, d: u32) -> Self {
        Item {
            e: Expr::new(kind, span),
            verb,
            d,
            paren: false,
        }
    }

    fn parenthesised(mut self) -> Self {
        self.paren = true;
        self
    }
}

/// How a bracketed sequence ended.
#[derive(Clone, Debug)]
enum Close<'a> {
    /// The expected closer, ending at this byte.
    Matched(usize),
    /// Another closing bracket (consumed: it closes this one, as recovery).
    Wrong(&'a Token),
    /// End of input.
    Eof,
}

/// `;`-separated statements and how they were closed.
type Bracketed<'a> = (Vec<(Expr, u32)>, Close<'a>);

/// The next token is a `[` written against what precedes it (`f[x]`,
/// `:[v;…]`, `'[f;g]`), not a bracket after a space.
fn attached_bracket(t: Option<&Token>) -> bool {
    matches!(
        t,
        Some(Token {
            tok: Tok::LBrack,
            ws_before: false,
            ..
        })
    )
}

fn closer_char(t: &Tok) -> &'static str {
    match t {
        Tok::RParen => ")",
        Tok::RBrack => "]",
        Tok::RBrace => "}",
        _ => "parse",
    }
}

fn is_closer(t: &Tok) -> bool {
    matches!(t, Tok::RParen | Tok::RBrack | Tok::RBrace)
}

fn too_deep(span: &Span) -> QErr {
    QErr::new("parse", "expression nested too deeply", span.clone())
}

/// Parse all tokens of one chunk: the statements and every error, in the
/// order q meets them (empty when the parse succeeded).
pub(crate) fn parse_tokens(src: &str, toks: &[Token]) -> (Vec<Expr>, Vec<ParseError>) {
    let (out, errs) = program(src).parse(toks).into_output_errors();
    let errs = errs
        .into_iter()
        .map(|QErr(mut e)| {
            e.span.end = e.span.end.min(src.len());
            e.span.start = e.span.start.min(e.span.end);
            e
        })
        .collect();
    (out.unwrap_or_default(), errs)
}

/// A token of kind `t`.
fn tok<'a>(t: Tok) -> impl Parser<'a, In<'a>, &'a Token, Ex<'a>> + Clone {
    any_ref().filter(move |x: &&Token| x.tok == t)
}

/// The whole chunk: statements separated by `;`. A stray closing bracket is
/// reported and skipped.
fn program<'a>(src: &'a str) -> P<'a, Vec<Expr>> {
    let expr = expr(src);
    let stray =
        any_ref()
            .filter(|t: &&Token| is_closer(&t.tok))
            .validate(|t: &Token, _, emitter| {
                let name = closer_char(&t.tok);
                emitter.emit(QErr::new(
                    name,
                    format!("unmatched `{name}`"),
                    t.span.clone(),
                ));
            });
    expr.map(|(e, _)| e)
        .separated_by(tok(Tok::Semi))
        .at_least(1)
        .collect::<Vec<_>>()
        .separated_by(stray)
        .at_least(1)
        .collect::<Vec<_>>()
        .map(|parts| parts.into_iter().flatten().collect())
        .then_ignore(end())
        .boxed()
}

/// The statement parser (the recursive root of the grammar).
fn expr<'a>(src: &'a str) -> P<'a, (Expr, u32)> {
    recursive(move |expr| {
        let expr = expr.boxed();
        // A statement one level deeper (inside a bracket: no qSQL stops).
        let nested = empty()
            .map_with(|_, e: &mut MapExtra<'a, '_, In<'a>, Ex<'a>>| Cx {
                depth: e.ctx().depth + 1,
                stop: 0,
            })
            .ignore_with_ctx(expr.clone())
            .boxed();
        // One level deeper with the given qSQL stop tokens.
        let with_stop = |stop: u8| -> P<'a, (Expr, u32)> {
            empty()
                .map_with(move |_, e: &mut MapExtra<'a, '_, In<'a>, Ex<'a>>| Cx {
                    depth: e.ctx().depth + 1,
                    stop,
                })
                .ignore_with_ctx(expr.clone())
                .boxed()
        };
        let sub = Sub {
            keep: empty()
                .map_with(|_, e: &mut MapExtra<'a, '_, In<'a>, Ex<'a>>| Cx {
                    depth: e.ctx().depth + 1,
                    stop: e.ctx().stop,
                })
                .ignore_with_ctx(expr.clone())
                .boxed(),
            cols: with_stop(STOP_COMMA | STOP_BY | STOP_FROM),
            by: with_stop(STOP_COMMA | STOP_FROM),
            from: with_stop(STOP_WHERE),
            where_: with_stop(STOP_COMMA),
        };
        let bracketed = |close: Tok| -> P<'a, Bracketed<'a>> {
            let closing = choice((
                tok(close.clone()).map(|t| Close::Matched(t.span.end)),
                any_ref()
                    .filter(|t: &&Token| is_closer(&t.tok))
                    .map(Close::Wrong),
                end().to(Close::Eof),
            ));
            nested
                .clone()
                .separated_by(tok(Tok::Semi))
                .at_least(1)
                .collect::<Vec<_>>()
                .then(closing)
                .boxed()
        };
        let paren_body = bracketed(Tok::RParen);
        let brack_body = bracketed(Tok::RBrack);
        let brace_body = bracketed(Tok::RBrace);
        let args = args(brack_body.clone(), src.len(), false);
        let attached_args = self::args(brack_body, src.len(), true);
        let atom = atom(
            src,
            args.clone(),
            attached_args.clone(),
            paren_body,
            brace_body,
            nested.clone(),
        );
        let term = term(atom, args);
        stmt(src, term, sub, attached_args)
    })
    .boxed()
}

/// Report how a bracket closed (`open` is the opening bracket's span);
/// returns the end of the bracketed text.
fn close_bracket(
    close: Close<'_>,
    want: &Tok,
    open: &Span,
    src_len: usize,
    emit: &mut dyn FnMut(QErr),
) -> usize {
    match close {
        Close::Matched(end) => end,
        Close::Eof => {
            let name = closer_char(want);
            emit(QErr::new(
                name,
                format!("missing `{name}` to close this bracket"),
                open.clone(),
            ));
            src_len
        }
        Close::Wrong(t) => {
            let name = closer_char(&t.tok);
            emit(QErr::new(
                name,
                format!(
                    "`{name}` does not match the open bracket (expected `{}`)",
                    closer_char(want)
                ),
                t.span.clone(),
            ));
            t.span.end
        }
    }
}

/// `[a;b;...]`: the arguments, their depth and the end of the `]`. With
/// `attached`, the `[` must follow the previous token without a space.
fn args<'a>(
    body: P<'a, Bracketed<'a>>,
    src_len: usize,
    attached: bool,
) -> P<'a, (Vec<Expr>, u32, usize)> {
    any_ref()
        .filter(move |t: &&Token| t.tok == Tok::LBrack && !(attached && t.ws_before))
        .then(body)
        .validate(move |(open, (xs, close)), _, emitter| {
            let end = close_bracket(close, &Tok::RBrack, &open.span, src_len, &mut |e| {
                emitter.emit(e)
            });
            let d = xs.iter().map(|x| x.1).max().unwrap_or(0);
            (xs.into_iter().map(|x| x.0).collect(), d, end)
        })
        .boxed()
}

/// A noun or verb before its postfix brackets and iterators.
fn atom<'a>(
    src: &'a str,
    args: P<'a, (Vec<Expr>, u32, usize)>,
    attached_args: P<'a, (Vec<Expr>, u32, usize)>,
    paren_body: P<'a, Bracketed<'a>>,
    brace_body: P<'a, Bracketed<'a>>,
    nested: P<'a, (Expr, u32)>,
) -> P<'a, Item> {
    let src_len = src.len();
    let attached_args_2 = attached_args.clone();
    let lit = select_ref! {
        Token { tok: Tok::Lit(l), span, .. } => Item::new(ExprKind::Lit(l.clone()), span.clone(), false, 1),
    };
    // `if[..]`, `do[..]`, `while[..]` (the `[` attached).
    let control = select_ref! {
        Token { tok: Tok::Name(n), span, .. } if matches!(n.as_str(), "if" | "do" | "while") => (n, span),
    }
    .then(attached_args.clone())
    .map(|((n, span), (xs, d, end))| {
        let kind = match n.as_str() {
            "if" => ExprKind::If(xs),
            "do" => ExprKind::Do(xs),
            _ => ExprKind::While(xs),
        };
        Item::new(kind, span.start..end, false, d + 1)
    });
    let name = select_ref! {
        Token { tok: Tok::Name(n), span, .. } =>
            Item::new(ExprKind::Name(n.clone()), span.clone(), is_infix_keyword(n), 1),
    };
    // `$[c;a;b]` (the `[` attached).
    let cond = tok(Tok::Verb("$".into()))
        .then(attached_args)
        .map(|(t, (xs, d, end))| Item::new(ExprKind::Cond(xs), t.span.start..end, false, d + 1));
    let verb = select_ref! {
        Token { tok: Tok::Verb(v), span, .. } => Item::new(ExprKind::Verb(v.clone()), span.clone(), true, 1),
    };
    let lparen = tok(Tok::LParen);
    // `([keys] cols)`.
    let table = lparen
        .clone()
        .then(args.clone())
        .then(choice((
            tok(Tok::RParen).map(|t| Err(t.span.end)),
            paren_body.clone().map(Ok),
        )))
        .validate(move |((open, keys), cols), _, emitter| {
            let dict = cols.is_err();
            let (cols, cd, end) = match cols {
                Err(end) => (Vec::new(), 1, end),
                Ok((xs, close)) => {
                    let end = close_bracket(close, &Tok::RParen, &open.span, src_len, &mut |e| {
                        emitter.emit(e)
                    });
                    let d = xs.iter().map(|x| x.1).max().unwrap_or(0);
                    (xs.into_iter().map(|x| x.0).collect(), d, end)
                }
            };
            table(open.span.start..end, keys, cols, cd, dict).parenthesised()
        });
    // `()`.
    let empty_list = lparen
        .clone()
        .then(tok(Tok::RParen))
        .map(|(o, c)| Item::new(ExprKind::List(vec![]), o.span.start..c.span.end, false, 1));
    // `(x)` or `(a;b;c)`.
    let list = lparen
        .then(paren_body)
        .validate(move |(open, (xs, close)), _, emitter| {
            let end = close_bracket(close, &Tok::RParen, &open.span, src_len, &mut |e| {
                emitter.emit(e)
            });
            let d = xs.iter().map(|x| x.1).max().unwrap_or(0);
            let span = open.span.start..end;
            let mut xs: Vec<Expr> = xs.into_iter().map(|x| x.0).collect();
            match xs.pop() {
                Some(mut x) if xs.is_empty() => {
                    x.span = span;
                    Item {
                        e: x,
                        verb: false,
                        d,
                        paren: true,
                    }
                }
                last => {
                    xs.extend(last);
                    Item::new(ExprKind::List(xs), span, false, d + 1).parenthesised()
                }
            }
        });
    // `{[params] body}`.
    let lambda = tok(Tok::LBrace)
        .then(params(nested).or_not())
        .then(brace_body)
        .validate(move |((open, params), (body, close)), _, emitter| {
            let end = close_bracket(close, &Tok::RBrace, &open.span, src_len, &mut |e| {
                emitter.emit(e)
            });
            let d = body.iter().map(|x| x.1).max().unwrap_or(0);
            let span = open.span.start..end;
            let source = src.get(span.clone()).unwrap_or_default().to_string();
            let body = body.into_iter().map(|x| x.0).collect();
            let (params, patterns) = match params {
                Some((p, pats)) => (Some(p), pats),
                None => (None, Vec::new()),
            };
            let lam = Lambda {
                params,
                patterns,
                body,
                source,
            };
            Item::new(ExprKind::Lambda(lam), span, false, d + 1)
        });
    // `[e1;e2;...]` where a term starts: a block, whose value is its last
    // statement's (`$[c;[a:1;a+1];0]`, q 4.1).
    let block = tok(Tok::LBrack)
        .rewind()
        .then(args)
        .map(|(t, (xs, d, end))| Item::new(ExprKind::Block(xs), t.span.start..end, false, d + 1));
    // An iterator applied with brackets, `/[+]` (`+/`), or alone as an item
    // of a list, `(/;+)` (the iterator as a value, as parse trees hold it).
    let adverb = select_ref! {
        Token { tok: Tok::Adverb(a), span, .. } => (*a, span.clone()),
    };
    let adverb_call = adverb
        .then(attached_args_2)
        .map(|((a, span), (mut xs, d, end))| {
            let kind = if xs.len() == 1 {
                let f = xs
                    .pop()
                    .unwrap_or(Expr::new(ExprKind::Elided, span.clone()));
                ExprKind::Derived(a, Box::new(f))
            } else {
                ExprKind::Call(
                    Box::new(Expr::new(ExprKind::Verb(a.glyph().into()), span.clone())),
                    xs,
                )
            };
            Item::new(kind, span.start..end, false, d + 1)
        });
    let bare_adverb = adverb
        .then_ignore(choice((tok(Tok::Semi), tok(Tok::RParen))).rewind())
        .map(|(a, span)| Item::new(ExprKind::Verb(a.glyph().into()), span, false, 1));
    let bad = any_ref().validate(|t: &Token, _, emitter| {
        let (name, msg) = match &t.tok {
            // q names a stray `\` itself: `count \a` is '\
            Tok::Adverb(a) if a.glyph() == "\\" => {
                ("\\", "iterator `\\` has nothing to apply to".to_string())
            }
            Tok::Adverb(a) => (
                "parse",
                format!("iterator `{}` has nothing to apply to", a.glyph()),
            ),
            _ => ("parse", "unexpected token".to_string()),
        };
        emitter.emit(QErr::new(name, msg, t.span.clone()));
        Item::new(ExprKind::Elided, t.span.clone(), false, 1)
    });
    choice((
        lit,
        control,
        name,
        cond,
        verb,
        table,
        empty_list,
        list,
        lambda,
        block,
        adverb_call,
        bare_adverb,
        bad,
    ))
    .boxed()
}

/// Parameter names, and the parameters written as patterns.
type Params = (Vec<String>, Vec<(usize, Expr)>);

/// Lambda parameters `[a;b;c]` (or `[]`), after the `{`. A parameter
/// that is not a bare name is a pattern (`[(a;b);c]`, `[x;]`, `[x:f]`):
/// it gets a placeholder name and is returned with its position.
fn params<'a>(nested: P<'a, (Expr, u32)>) -> P<'a, Params> {
    custom(move |inp: &mut InputRef<'a, '_, In<'a>, Ex<'a>>| {
        let Some(lb) = inp.next_ref() else {
            return Err(QErr::new("parse", "expected `[`", 0..0));
        };
        if lb.tok != Tok::LBrack {
            return Err(QErr::new("parse", "expected `[`", lb.span.clone()));
        }
        let lb_span = lb.span.clone();
        let missing = || QErr::new("]", "missing `]` after parameters", lb_span.clone());
        let mut names = Vec::new();
        let mut patterns = Vec::new();
        if matches!(
            inp.peek_ref(),
            Some(Token {
                tok: Tok::RBrack,
                ..
            })
        ) {
            inp.next_ref();
            return Ok((names, patterns));
        }
        loop {
            let cp = inp.save();
            let simple = match (inp.next_ref(), inp.peek_ref()) {
                (
                    Some(Token {
                        tok: Tok::Name(n), ..
                    }),
                    Some(Token {
                        tok: Tok::Semi | Tok::RBrack,
                        ..
                    }),
                ) => Some(n.clone()),
                _ => None,
            };
            match simple {
                Some(n) => names.push(n),
                None => {
                    inp.rewind(cp);
                    let at = inp.peek_ref().map_or(lb_span.clone(), |t| t.span.clone());
                    let (pat, _) = inp.parse(&nested)?;
                    let pat = match pat.kind {
                        ExprKind::Elided => Expr::new(ExprKind::Elided, at),
                        _ => pat,
                    };
                    patterns.push((names.len(), pat));
                    names.push(format!("[{}]", names.len()));
                }
            }
            match inp.next_ref() {
                Some(Token { tok: Tok::Semi, .. }) => {}
                Some(Token {
                    tok: Tok::RBrack, ..
                }) => break,
                Some(t) => {
                    inp.emit(QErr::new("parse", "bad parameter list", t.span.clone()));
                    break;
                }
                None => {
                    inp.emit(missing());
                    break;
                }
            }
        }
        Ok((names, patterns))
    })
    .boxed()
}

/// Table literal `([k:..] c:..; d:..)`, desugared as q itself parses it:
/// `flip cols!(v1;v2)`, and for a keyed table `(flip keys!(..))!flip
/// cols!(..)`. A column written as a bare name `x` is named `x`; any other
/// unnamed column is named `x` too. A `;` may follow the key bracket
/// (`([k:..]; c:..)`). With nothing after the bracket (`dict`) it is a
/// dictionary literal (q 4.1): `([a:1;b:2])` is `` `a`b!(1;2) ``.
fn table(span: Span, keys: (Vec<Expr>, u32, usize), cols: Vec<Expr>, cd: u32, dict: bool) -> Item {
    let (keys, kd, _) = keys;
    let keys = match keys.as_slice() {
        [e] if e.kind == ExprKind::Elided => Vec::new(),
        _ => keys,
    };
    let mut cols = cols;
    if !keys.is_empty() && cols.first().is_some_and(|c| c.kind == ExprKind::Elided) {
        cols.remove(0);
    }
    let flip = |items: Vec<Expr>| {
        let mut names = Vec::with_capacity(items.len());
        let mut values = Vec::with_capacity(items.len());
        for it in items {
            match it.kind {
                ExprKind::Assign(a) if a.indexes.is_none() && a.modifier.is_none() && !a.global => {
                    names.push(a.name);
                    values.push(a.value);
                }
                ExprKind::Name(ref n) => {
                    names.push(n.clone());
                    values.push(it);
                }
                _ => {
                    names.push("x".to_string());
                    values.push(it);
                }
            }
        }
        let sym = Expr::new(
            ExprKind::Lit(Literal {
                atom: false,
                values: LitValues::Symbol(names),
            }),
            span.clone(),
        );
        let dict = Expr::new(
            ExprKind::Dyadic(
                Box::new(Expr::new(ExprKind::Verb("!".into()), span.clone())),
                Box::new(sym),
                Box::new(Expr::new(ExprKind::List(values), span.clone())),
            ),
            span.clone(),
        );
        Expr::new(
            ExprKind::Monadic(
                Box::new(Expr::new(ExprKind::Name("flip".into()), span.clone())),
                Box::new(dict),
            ),
            span.clone(),
        )
    };
    if dict && !keys.is_empty() {
        // the `!` of the table desugaring, without the flip
        let Expr { kind, .. } = flip(keys);
        if let ExprKind::Monadic(_, d) = kind {
            return Item::new(d.kind, span, false, kd + 3);
        }
        return Item::new(ExprKind::Elided, span, false, 1);
    }
    let value = flip(cols);
    let d = kd.max(cd) + 4;
    if keys.is_empty() {
        return Item {
            e: value,
            verb: false,
            d,
            paren: true,
        };
    }
    let keyed = ExprKind::Dyadic(
        Box::new(Expr::new(ExprKind::Verb("!".into()), span.clone())),
        Box::new(flip(keys)),
        Box::new(value),
    );
    Item::new(keyed, span, false, d + 1)
}

/// An atom with its postfix `[args]` and attached iterators (`f[x]`,
/// `+/`, `f'[x]`). The tree depth is checked after each step.
fn term<'a>(atom: P<'a, Item>, args: P<'a, (Vec<Expr>, u32, usize)>) -> P<'a, Item> {
    custom(move |inp: &mut InputRef<'a, '_, In<'a>, Ex<'a>>| {
        let mut it = inp.parse(&atom)?;
        loop {
            match inp.peek_ref() {
                Some(Token {
                    tok: Tok::LBrack, ..
                }) => {
                    let (xs, ad, end) = inp.parse(&args)?;
                    let span = it.e.span.start..end;
                    it = Item::new(
                        ExprKind::Call(Box::new(it.e), xs),
                        span,
                        false,
                        it.d.max(ad) + 1,
                    );
                }
                Some(Token {
                    tok: Tok::Adverb(a),
                    ws_before: false,
                    span: asp,
                }) => {
                    inp.next_ref();
                    let span = it.e.span.start..asp.end;
                    it = Item::new(ExprKind::Derived(*a, Box::new(it.e)), span, true, it.d + 1);
                }
                _ => break,
            }
            if it.d > MAX_DEPTH {
                inp.emit(too_deep(&it.e.span));
                it.e.kind = ExprKind::Elided;
                it.d = 1;
            }
        }
        Ok(it)
    })
    .boxed()
}

/// One statement: terms left to right, then [`group`]. Handles the forms
/// that depend on what is already on the left: assignment (`x:`, `x::`,
/// `x[i]:`, `x+:`), `::` as a noun, `:x` return and the `:` verb, `'x`
/// signal and `'[f;g]` composition.
fn stmt<'a>(
    src: &'a str,
    term: P<'a, Item>,
    sub: Sub<'a>,
    attached_args: P<'a, (Vec<Expr>, u32, usize)>,
) -> impl Parser<'a, In<'a>, (Expr, u32), Ex<'a>> + Clone {
    let src_len = src.len();
    let nested = sub.keep.clone();
    custom(move |inp: &mut InputRef<'a, '_, In<'a>, Ex<'a>>| {
        let start = inp.peek_ref().map_or(src_len, |t| t.span.start);
        let stop = inp.ctx().stop;
        if inp.ctx().depth >= MAX_NEST {
            let at = start;
            inp.emit(too_deep(&(at..(at + 1).min(src_len).max(at))));
            while inp.next_ref().is_some() {}
            return Ok((Expr::new(ExprKind::Elided, start..start), 1));
        }
        let at_end = |t: Option<&Token>| t.is_none_or(|t| t.tok == Tok::Semi || is_closer(&t.tok));
        let mut items: Vec<Item> = Vec::new();
        while let Some(t) = inp.peek_ref() {
            let tspan = t.span.clone();
            if stop != 0 && phrase_end(inp, stop) {
                break;
            }
            match &t.tok {
                Tok::Semi | Tok::RParen | Tok::RBrack | Tok::RBrace => break,
                Tok::Name(n) if SqlKind::from_keyword(n).is_some() => {
                    let kind = SqlKind::from_keyword(n).unwrap_or(SqlKind::Select);
                    inp.next_ref();
                    let mut it = sql(inp, kind, tspan, &sub, &attached_args, src_len)?;
                    if it.d > MAX_DEPTH {
                        inp.emit(too_deep(&it.e.span));
                        it.e.kind = ExprKind::Elided;
                        it.d = 1;
                    }
                    items.push(it);
                    break;
                }
                Tok::Colon | Tok::DColon => {
                    let global = t.tok == Tok::DColon;
                    if let Some(target) = assign_target(&mut items) {
                        inp.next_ref();
                        let (value, d) = inp.parse(&nested)?;
                        let (name, indexes, modifier, td) = target;
                        let span = name.1.start..value.span.end.max(tspan.end);
                        let mut it = Item::new(
                            ExprKind::Assign(Box::new(Assign {
                                name: name.0,
                                indexes,
                                modifier,
                                global,
                                value,
                            })),
                            span,
                            false,
                            d.max(td) + 1,
                        );
                        if it.d > MAX_DEPTH {
                            inp.emit(too_deep(&it.e.span));
                            it.e.kind = ExprKind::Elided;
                            it.d = 1;
                        }
                        items.push(it);
                        break;
                    }
                    // `(p):v`: a parenthesised pattern (q 4.1)
                    if items.len() == 1 && items[0].paren {
                        inp.next_ref();
                        let (value, d) = inp.parse(&nested)?;
                        let Some(pat) = items.pop() else { break };
                        let span = pat.e.span.start..value.span.end.max(tspan.end);
                        let kind = ExprKind::Match(Box::new(pat.e), Box::new(value), global);
                        let mut it = Item::new(kind, span, false, d.max(pat.d) + 1);
                        if it.d > MAX_DEPTH {
                            inp.emit(too_deep(&it.e.span));
                            it.e.kind = ExprKind::Elided;
                            it.d = 1;
                        }
                        items.push(it);
                        break;
                    }
                    inp.next_ref();
                    if global {
                        items.push(Item::new(ExprKind::Verb("::".into()), tspan, false, 1));
                        continue;
                    }
                    if !items.is_empty() {
                        inp.emit(QErr::new(
                            "parse",
                            "`:` here is not an assignment to a name",
                            tspan,
                        ));
                        continue;
                    }
                    // `:[v;p1;r1;...;rd]`: the pattern conditional
                    if attached_bracket(inp.peek_ref()) {
                        let (xs, d, end) = inp.parse(&attached_args)?;
                        let kind = ExprKind::MatchCond(xs);
                        items.push(Item::new(kind, tspan.start..end, false, d + 1));
                        continue;
                    }
                    if at_end(inp.peek_ref()) {
                        items.push(Item::new(ExprKind::Verb(":".into()), tspan, true, 1));
                        continue;
                    }
                    // `:/[x]`: an iterator attached to `:` makes it the verb
                    // (Assign, which gives its right argument), not a return
                    if let Some(Token {
                        tok: Tok::Adverb(_),
                        ws_before: false,
                        ..
                    }) = inp.peek_ref()
                    {
                        let mut e = Expr::new(ExprKind::Verb(":".into()), tspan.clone());
                        let mut d = 1;
                        while let Some(Token {
                            tok: Tok::Adverb(a),
                            ws_before: false,
                            span: asp,
                        }) = inp.peek_ref()
                        {
                            let (a, end) = (*a, asp.end);
                            inp.next_ref();
                            let span = e.span.start..end;
                            e = Expr::new(ExprKind::Derived(a, Box::new(e)), span);
                            d += 1;
                        }
                        if attached_bracket(inp.peek_ref()) {
                            let (xs, ad, end) = inp.parse(&attached_args)?;
                            let span = e.span.start..end;
                            let kind = ExprKind::Call(Box::new(e), xs);
                            items.push(Item::new(kind, span, false, d.max(ad) + 1));
                        } else {
                            let span = e.span.clone();
                            items.push(Item::new(e.kind, span, true, d));
                        }
                        continue;
                    }
                    let (v, d) = inp.parse(&nested)?;
                    let span = tspan.start..v.span.end.max(tspan.end);
                    items.push(Item::new(ExprKind::Return(Box::new(v)), span, false, d + 1));
                    break;
                }
                Tok::Signal => {
                    inp.next_ref();
                    if attached_bracket(inp.peek_ref()) {
                        // `'[f;g]`: composition.
                        let (xs, d, end) = inp.parse(&attached_args)?;
                        let f = Expr::new(ExprKind::Verb("'".into()), tspan.clone());
                        let call = ExprKind::Call(Box::new(f), xs);
                        let mut it = Item::new(call, tspan.start..end, false, d + 1);
                        // applied or iterated in turn: `'[f;g][1;2]`, `'[;]/[fs]`
                        loop {
                            let next = inp
                                .peek_ref()
                                .filter(|t| !t.ws_before)
                                .map(|t| (t.tok.clone(), t.span.clone()));
                            match next {
                                Some((Tok::LBrack, _)) => {
                                    let (xs, ad, end) = inp.parse(&attached_args)?;
                                    let span = it.e.span.start..end;
                                    let d = it.d.max(ad) + 1;
                                    it = Item::new(
                                        ExprKind::Call(Box::new(it.e), xs),
                                        span,
                                        false,
                                        d,
                                    );
                                }
                                Some((Tok::Adverb(a), asp)) => {
                                    inp.next_ref();
                                    let span = it.e.span.start..asp.end;
                                    let d = it.d + 1;
                                    it = Item::new(
                                        ExprKind::Derived(a, Box::new(it.e)),
                                        span,
                                        true,
                                        d,
                                    );
                                }
                                _ => break,
                            }
                        }
                        items.push(it);
                        continue;
                    }
                    let (v, d) = inp.parse(&nested)?;
                    let span = tspan.start..v.span.end.max(tspan.end);
                    items.push(Item::new(ExprKind::Signal(Box::new(v)), span, false, d + 1));
                    break;
                }
                _ => items.push(inp.parse(&term)?),
            }
        }
        if items.is_empty() {
            return Ok((Expr::new(ExprKind::Elided, start..start), 1));
        }
        Ok(group(items, &mut |e| inp.emit(e)))
    })
}

/// The target of an assignment being read: name and its span, indexes,
/// modifier and depth.
type Target = ((String, Span), Option<Vec<Expr>>, Option<Expr>, u32);

/// At a `:` or `::`: if the terms read so far end in an assignable target
/// (`x`, `x[i]`, `x op`, `x[i] op`), take it off `items`.
fn assign_target(items: &mut Vec<Item>) -> Option<Target> {
    fn target(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name(_) => true,
            ExprKind::Call(f, _) => matches!(f.kind, ExprKind::Name(_)),
            _ => false,
        }
    }
    let n = items.len();
    let last = items.last()?;
    let modified = n >= 2
        && matches!(last.e.kind, ExprKind::Verb(_) | ExprKind::Derived(..))
        && target(&items[n - 2].e);
    if !modified && !target(&last.e) {
        return None;
    }
    let modifier = if modified {
        items.pop().map(|i| i.e)
    } else {
        None
    };
    let t = items.pop()?;
    let span = t.e.span;
    match t.e.kind {
        ExprKind::Name(n) => Some(((n, span), None, modifier, t.d)),
        ExprKind::Call(f, xs) => match f.kind {
            ExprKind::Name(n) => Some(((n, span), Some(xs), modifier, t.d)),
            _ => None,
        },
        _ => None,
    }
}

thread_local! {
    /// Set while a `k)` chunk is parsed: k keeps the unary forms q disables.
    pub(crate) static K_MODE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Group the terms of a statement from the right (iteratively; see the
/// module docs). Trees deeper than [`MAX_DEPTH`] are reported through
/// `emit` and replaced by a placeholder.
fn group(mut items: Vec<Item>, emit: &mut dyn FnMut(QErr)) -> (Expr, u32) {
    let mut acc: Option<(Expr, u32)> = None;
    while let Some(t) = items.pop() {
        // A glyph verb opening the expression right before another verb is
        // that verb's left operand: `+ . 2 3` is `.[+;2 3]` (q's Apply page).
        let leading_verb_operand = items.len() == 1
            && matches!(t.e.kind, ExprKind::Verb(_))
            && items
                .last()
                .is_some_and(|l| l.verb && matches!(l.e.kind, ExprKind::Verb(_)));
        let left_noun = t.verb && (leading_verb_operand || items.last().is_some_and(|l| !l.verb));
        let (mut e, mut d) = if left_noun {
            let Some(l) = items.pop() else { break };
            match acc.take() {
                None => {
                    let sp = l.e.span.start..t.e.span.end;
                    let d = l.d.max(t.d) + 1;
                    let kind = ExprKind::LeftProj(Box::new(t.e), Box::new(l.e));
                    (Expr::new(kind, sp), d)
                }
                Some((r, rd)) => {
                    let sp = l.e.span.start..r.span.end.max(t.e.span.end);
                    let d = l.d.max(t.d).max(rd) + 1;
                    let kind = ExprKind::Dyadic(Box::new(t.e), Box::new(l.e), Box::new(r));
                    (Expr::new(kind, sp), d)
                }
            }
        } else {
            // q disables the unary form of a bare `$` and `,` (`$42` is '$,
            // `(#;3;,`a`b)` is ',; `($)42`, `$:42` and k's `$42` are the
            // string)
            if t.verb
                && !t.paren
                && acc.is_some()
                && !K_MODE.with(|k| k.get())
                && let ExprKind::Verb(v) = &t.e.kind
                && (v == "$" || v == ",")
            {
                let kw = if v == "$" { "string" } else { "enlist" };
                emit(QErr::new(
                    v,
                    format!("the unary form of {v} is not q: use {kw}"),
                    t.e.span.clone(),
                ));
            }
            match acc.take() {
                None => (t.e, t.d),
                Some((r, rd)) => {
                    let sp = t.e.span.start..r.span.end.max(t.e.span.end);
                    let d = t.d.max(rd) + 1;
                    let kind = ExprKind::Monadic(Box::new(t.e), Box::new(r));
                    (Expr::new(kind, sp), d)
                }
            }
        };
        if d > MAX_DEPTH {
            emit(too_deep(&e.span));
            e.kind = ExprKind::Elided;
            d = 1;
        }
        acc = Some((e, d));
    }
    acc.unwrap_or_else(|| (Expr::new(ExprKind::Elided, 0..0), 1))
}

#[cfg(test)]
mod tests {
    use super::parse_tokens;
    use crate::lexer::lex;

    fn errors(src: &str) -> Vec<(String, std::ops::Range<usize>)> {
        let toks = lex(src).expect("lexes");
        let (_, errs) = parse_tokens(src, &toks);
        errs.into_iter().map(|e| (e.name, e.span)).collect()
    }

    #[test]
    fn recovery_reports_every_bad_bracket() {
        // A mismatched closer closes the open bracket; parsing goes on.
        assert_eq!(
            errors("f[(1];g[2)]"),
            vec![("]".into(), 4..5), (")".into(), 9..10)]
        );
        // A stray closer at the top level is skipped.
        assert_eq!(
            errors("1);x:(2"),
            vec![(")".into(), 1..2), (")".into(), 5..6)]
        );
        assert!(errors("f[(1;2);{x+y}]").is_empty());
    }
}
