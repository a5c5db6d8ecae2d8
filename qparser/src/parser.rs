//! Tokens to syntax tree: a hand-written recursive-descent parser.
//!
//! q has no precedence: an expression is a sequence of terms grouped from
//! the right. A verb-like term (a glyph verb, a derived verb such as `+/`, or
//! an infix keyword such as `in`) with a noun directly to its left is applied
//! infix to that noun and everything to its right; with nothing to its right
//! it is a left projection `(2+)`; anything else is applied by juxtaposition
//! to everything to its right. Grouping is done iteratively, and bracket
//! nesting is limited, so no input can overflow the stack.
//!
//! This is recursive descent rather than chumsky: the spacing rules live in
//! the lexer, the grammar over tokens is tiny, and a hand-written parser
//! makes the depth guard and the q-style error names straightforward.

use crate::ast::*;
use crate::lexer::{Tok, Token, lex};

/// q's dyadic keywords that may be written infix (`x in y`, `2 xbar t`).
pub const INFIX_KEYWORDS: &[&str] = &[
    "and", "or", "bin", "binr", "cor", "cov", "cross", "cut", "div", "each", "ej", "except", "fby",
    "ij", "ijf", "in", "inter", "insert", "like", "lj", "ljf", "lsq", "mavg", "mcount", "mdev",
    "mmax", "mmin", "mmu", "mod", "msum", "over", "peach", "pj", "prior", "rotate", "scan", "scov",
    "set", "setm", "ss", "sublist", "sv", "uj", "ujf", "union", "upsert", "vs", "wavg", "within",
    "wsum", "xasc", "xbar", "xcol", "xcols", "xdesc", "xexp", "xgroup", "xkey", "xlog", "xprev",
    "xrank", "asof", "aj", "aj0", "ajf", "ajf0", "wj", "wj1", "dsave",
];

/// True when `name` is one of [`INFIX_KEYWORDS`].
pub fn is_infix_keyword(name: &str) -> bool {
    INFIX_KEYWORDS.contains(&name)
}

/// Maximum bracket / assignment nesting while parsing.
const MAX_NEST: usize = 200;
/// Maximum depth of the resulting tree.
const MAX_DEPTH: u32 = 1000;

/// Parse one top-level chunk of source. See the crate documentation.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let toks = lex(src)?;
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        nest: 0,
    };
    let (mut stmts, _) = p.seq(None)?;
    if stmts.len() == 1 {
        return Ok(stmts
            .pop()
            .unwrap_or_else(|| Expr::new(ExprKind::Elided, 0..0)));
    }
    let span = match (stmts.first(), stmts.last()) {
        (Some(a), Some(b)) => a.span.start..b.span.end.max(a.span.start),
        _ => 0..0,
    };
    Ok(Expr::new(ExprKind::Block(stmts), span))
}

fn perr(name: &str, message: impl Into<String>, span: Span) -> ParseError {
    ParseError {
        name: name.to_string(),
        message: message.into(),
        span,
    }
}

/// One term of an expression with its syntactic role and tree depth.
struct Item {
    e: Expr,
    verb: bool,
    d: u32,
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    nest: usize,
}

fn closer_char(t: &Tok) -> Option<&'static str> {
    match t {
        Tok::RParen => Some(")"),
        Tok::RBrack => Some("]"),
        Tok::RBrace => Some("}"),
        _ => None,
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek_tok(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    /// Byte offset where the next token starts (or the end of the source).
    fn here(&self) -> usize {
        self.peek().map_or(self.src.len(), |t| t.span.start)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// The next token is `[` with no whitespace before it.
    fn attached_lbrack(&self) -> bool {
        matches!(
            self.peek(),
            Some(Token {
                tok: Tok::LBrack,
                ws_before: false,
                ..
            })
        )
    }

    fn at_expr_end(&self) -> bool {
        matches!(
            self.peek_tok(),
            None | Some(Tok::Semi | Tok::RParen | Tok::RBrack | Tok::RBrace)
        )
    }

    fn check_depth(&self, d: u32, span: &Span) -> Result<(), ParseError> {
        if d > MAX_DEPTH {
            Err(perr("parse", "expression nested too deeply", span.clone()))
        } else {
            Ok(())
        }
    }

    /// Statements separated by `;` up to `close` (not consumed) or the end
    /// of input when `close` is `None`. `open` is the opening bracket's span.
    fn seq(&mut self, close: Option<(Tok, Span)>) -> Result<(Vec<Expr>, u32), ParseError> {
        let mut out = Vec::new();
        let mut depth = 0;
        loop {
            let (e, d) = self.expr()?;
            out.push(e);
            depth = depth.max(d);
            let Some(t) = self.peek() else {
                return match close {
                    None => Ok((out, depth)),
                    Some((c, open)) => {
                        let name = closer_char(&c).unwrap_or("parse");
                        Err(perr(
                            name,
                            format!("missing `{name}` to close this bracket"),
                            open,
                        ))
                    }
                };
            };
            match &t.tok {
                Tok::Semi => {
                    self.pos += 1;
                }
                k @ (Tok::RParen | Tok::RBrack | Tok::RBrace) => {
                    if close.as_ref().is_some_and(|(c, _)| c == k) {
                        return Ok((out, depth));
                    }
                    let name = closer_char(k).unwrap_or("parse");
                    let msg = match &close {
                        Some((c, _)) => format!(
                            "`{name}` does not match the open bracket (expected `{}`)",
                            closer_char(c).unwrap_or("?")
                        ),
                        None => format!("unmatched `{name}`"),
                    };
                    return Err(perr(name, msg, t.span.clone()));
                }
                _ => return Err(perr("parse", "unexpected token", t.span.clone())),
            }
        }
    }

    /// One expression (possibly empty: `Elided`).
    fn expr(&mut self) -> Result<(Expr, u32), ParseError> {
        if self.nest >= MAX_NEST {
            let at = self.here();
            return Err(perr(
                "parse",
                "expression nested too deeply",
                at..(at + 1).min(self.src.len()).max(at),
            ));
        }
        self.nest += 1;
        // Debug builds use ~12 KB of stack per nesting level; grow the stack
        // on demand so MAX_NEST is reachable on small (2 MB) thread stacks.
        let r = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_inner());
        self.nest -= 1;
        r
    }

    fn expr_inner(&mut self) -> Result<(Expr, u32), ParseError> {
        let start = self.here();
        let mut items: Vec<Item> = Vec::new();
        while let Some(t) = self.peek() {
            let tspan = t.span.clone();
            match &t.tok {
                Tok::Semi | Tok::RParen | Tok::RBrack | Tok::RBrace => break,
                Tok::Colon | Tok::DColon => {
                    let global = t.tok == Tok::DColon;
                    if let Some(it) = self.try_assign(&mut items, global)? {
                        items.push(it);
                        break;
                    }
                    self.pos += 1;
                    if global {
                        items.push(Item {
                            e: Expr::new(ExprKind::Verb("::".into()), tspan),
                            verb: false,
                            d: 1,
                        });
                        continue;
                    }
                    if !items.is_empty() {
                        return Err(perr(
                            "parse",
                            "`:` here is not an assignment to a name",
                            tspan,
                        ));
                    }
                    if self.at_expr_end() {
                        items.push(Item {
                            e: Expr::new(ExprKind::Verb(":".into()), tspan),
                            verb: true,
                            d: 1,
                        });
                        continue;
                    }
                    let (v, d) = self.expr()?;
                    let span = tspan.start..v.span.end.max(tspan.end);
                    items.push(Item {
                        e: Expr::new(ExprKind::Return(Box::new(v)), span),
                        verb: false,
                        d: d + 1,
                    });
                    break;
                }
                Tok::Signal => {
                    self.pos += 1;
                    if self.attached_lbrack() {
                        // `'[f;g]`: composition.
                        let (args, d, end) = self.bracket_args()?;
                        let f = Expr::new(ExprKind::Verb("'".into()), tspan.clone());
                        items.push(Item {
                            e: Expr::new(ExprKind::Call(Box::new(f), args), tspan.start..end),
                            verb: false,
                            d: d + 1,
                        });
                        continue;
                    }
                    let (v, d) = self.expr()?;
                    let span = tspan.start..v.span.end.max(tspan.end);
                    items.push(Item {
                        e: Expr::new(ExprKind::Signal(Box::new(v)), span),
                        verb: false,
                        d: d + 1,
                    });
                    break;
                }
                _ => {
                    let it = self.term()?;
                    items.push(it);
                }
            }
        }
        if items.is_empty() {
            return Ok((Expr::new(ExprKind::Elided, start..start), 1));
        }
        self.group(items)
    }

    /// At a `:` or `::` with `items` before it: build an assignment if the
    /// items end in an assignable target (`x`, `x[i]`, `x op`, `x[i] op`).
    fn try_assign(
        &mut self,
        items: &mut Vec<Item>,
        global: bool,
    ) -> Result<Option<Item>, ParseError> {
        fn target(e: &Expr) -> bool {
            match &e.kind {
                ExprKind::Name(_) => true,
                ExprKind::Call(f, _) => matches!(f.kind, ExprKind::Name(_)),
                _ => false,
            }
        }
        let n = items.len();
        if n == 0 {
            return Ok(None);
        }
        let last = &items[n - 1];
        let modified = n >= 2
            && matches!(last.e.kind, ExprKind::Verb(_) | ExprKind::Derived(..))
            && target(&items[n - 2].e);
        if !modified && !target(&last.e) {
            return Ok(None);
        }
        let modifier = if modified {
            items.pop().map(|i| i.e)
        } else {
            None
        };
        let Some(t) = items.pop() else {
            return Ok(None);
        };
        let (name, indexes) = match t.e.kind {
            ExprKind::Name(n) => (n, None),
            ExprKind::Call(f, args) => match f.kind {
                ExprKind::Name(n) => (n, Some(args)),
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        let colon_end = self.bump().map_or(self.src.len(), |t| t.span.end);
        let (value, d) = self.expr()?;
        let span = t.e.span.start..value.span.end.max(colon_end);
        let depth = d.max(t.d) + 1;
        self.check_depth(depth, &span)?;
        Ok(Some(Item {
            e: Expr::new(
                ExprKind::Assign(Box::new(Assign {
                    name,
                    indexes,
                    modifier,
                    global,
                    value,
                })),
                span,
            ),
            verb: false,
            d: depth,
        }))
    }

    /// `[a;b;...]` after the callee; returns the arguments, depth and end.
    fn bracket_args(&mut self) -> Result<(Vec<Expr>, u32, usize), ParseError> {
        let Some(open) = self.bump() else {
            return Err(perr(
                "parse",
                "expected `[`",
                self.src.len()..self.src.len(),
            ));
        };
        let (args, d) = self.seq(Some((Tok::RBrack, open.span.clone())))?;
        let end = self.bump().map_or(self.src.len(), |t| t.span.end);
        Ok((args, d, end))
    }

    /// A noun or verb with its postfix brackets and iterators.
    fn term(&mut self) -> Result<Item, ParseError> {
        let Some(t) = self.bump() else {
            let at = self.src.len();
            return Err(perr("parse", "unexpected end of input", at..at));
        };
        let span = t.span.clone();
        let (mut e, mut verb, mut d) = match t.tok {
            Tok::Lit(l) => (Expr::new(ExprKind::Lit(l), span), false, 1),
            Tok::Name(n) => {
                if matches!(n.as_str(), "if" | "do" | "while") && self.attached_lbrack() {
                    let (args, d, end) = self.bracket_args()?;
                    let kind = match n.as_str() {
                        "if" => ExprKind::If(args),
                        "do" => ExprKind::Do(args),
                        _ => ExprKind::While(args),
                    };
                    (Expr::new(kind, span.start..end), false, d + 1)
                } else {
                    let v = is_infix_keyword(&n);
                    (Expr::new(ExprKind::Name(n), span), v, 1)
                }
            }
            Tok::Verb(v) => {
                if v == "$" && self.attached_lbrack() {
                    let (args, d, end) = self.bracket_args()?;
                    (
                        Expr::new(ExprKind::Cond(args), span.start..end),
                        false,
                        d + 1,
                    )
                } else {
                    (Expr::new(ExprKind::Verb(v), span), true, 1)
                }
            }
            Tok::LParen => {
                if self.peek_tok() == Some(&Tok::LBrack) {
                    self.table(span)?
                } else if self.peek_tok() == Some(&Tok::RParen) {
                    let end = self.bump().map_or(span.end, |t| t.span.end);
                    (Expr::new(ExprKind::List(vec![]), span.start..end), false, 1)
                } else {
                    let (mut xs, d) = self.seq(Some((Tok::RParen, span.clone())))?;
                    let end = self.bump().map_or(self.src.len(), |t| t.span.end);
                    if xs.len() == 1 {
                        let mut x = xs
                            .pop()
                            .unwrap_or_else(|| Expr::new(ExprKind::Elided, 0..0));
                        x.span = span.start..end;
                        (x, false, d)
                    } else {
                        (Expr::new(ExprKind::List(xs), span.start..end), false, d + 1)
                    }
                }
            }
            Tok::LBrace => self.lambda(span)?,
            Tok::LBrack => return Err(perr("parse", "unexpected `[`", span)),
            Tok::Adverb(a) => {
                return Err(perr(
                    "parse",
                    format!("iterator `{}` has nothing to apply to", a.glyph()),
                    span,
                ));
            }
            _ => return Err(perr("parse", "unexpected token", span)),
        };
        loop {
            match self.peek() {
                Some(Token {
                    tok: Tok::LBrack, ..
                }) => {
                    let (args, ad, end) = self.bracket_args()?;
                    let sp = e.span.start..end;
                    e = Expr::new(ExprKind::Call(Box::new(e), args), sp);
                    d = d.max(ad) + 1;
                    verb = false;
                }
                Some(Token {
                    tok: Tok::Adverb(a),
                    ws_before: false,
                    span: asp,
                }) => {
                    let sp = e.span.start..asp.end;
                    e = Expr::new(ExprKind::Derived(*a, Box::new(e)), sp);
                    self.pos += 1;
                    d += 1;
                    verb = true;
                }
                _ => break,
            }
            self.check_depth(d, &e.span)?;
        }
        Ok(Item { e, verb, d })
    }

    /// Table literal `([k:..] c:..; d:..)` after the `(`, desugared as q
    /// itself parses it: `flip cols!(v1;v2)`, and for a keyed table
    /// `(flip keys!(..))!flip cols!(..)`. A column written as a bare name
    /// `x` is named `x`; any other unnamed column is named `x` too.
    fn table(&mut self, open: Span) -> Result<(Expr, bool, u32), ParseError> {
        let (keys, kd, _) = self.bracket_args()?;
        let (cols, cd) = if self.peek_tok() == Some(&Tok::RParen) {
            (Vec::new(), 1)
        } else {
            self.seq(Some((Tok::RParen, open.clone())))?
        };
        let end = self.bump().map_or(self.src.len(), |t| t.span.end);
        let span = open.start..end;
        let keys = match keys.as_slice() {
            [e] if e.kind == ExprKind::Elided => Vec::new(),
            _ => keys,
        };
        let flip = |items: Vec<Expr>| {
            let mut names = Vec::with_capacity(items.len());
            let mut values = Vec::with_capacity(items.len());
            for it in items {
                match it.kind {
                    ExprKind::Assign(a)
                        if a.indexes.is_none() && a.modifier.is_none() && !a.global =>
                    {
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
        let value = flip(cols);
        let d = kd.max(cd) + 4;
        if keys.is_empty() {
            return Ok((value, false, d));
        }
        let keyed = Expr::new(
            ExprKind::Dyadic(
                Box::new(Expr::new(ExprKind::Verb("!".into()), span.clone())),
                Box::new(flip(keys)),
                Box::new(value),
            ),
            span.clone(),
        );
        Ok((keyed, false, d + 1))
    }

    /// `{[params] body}` after the `{`.
    fn lambda(&mut self, open: Span) -> Result<(Expr, bool, u32), ParseError> {
        let mut params = None;
        if self.peek_tok() == Some(&Tok::LBrack) {
            let lb = self.bump().map_or(open.clone(), |t| t.span);
            let mut names = Vec::new();
            loop {
                let Some(t) = self.bump() else {
                    return Err(perr("]", "missing `]` after parameters", lb));
                };
                match t.tok {
                    Tok::RBrack if names.is_empty() => break,
                    Tok::Name(n) => {
                        names.push(n);
                        match self.bump().map(|t| (t.tok, t.span)) {
                            Some((Tok::Semi, _)) => {}
                            Some((Tok::RBrack, _)) => break,
                            Some((_, sp)) => {
                                return Err(perr("parse", "bad parameter list", sp));
                            }
                            None => return Err(perr("]", "missing `]` after parameters", lb)),
                        }
                    }
                    _ => return Err(perr("parse", "bad parameter list", t.span)),
                }
            }
            params = Some(names);
        }
        let (body, d) = self.seq(Some((Tok::RBrace, open.clone())))?;
        let end = self.bump().map_or(self.src.len(), |t| t.span.end);
        let span = open.start..end;
        let source = self.src.get(span.clone()).unwrap_or_default().to_string();
        Ok((
            Expr::new(
                ExprKind::Lambda(Lambda {
                    params,
                    body,
                    source,
                }),
                span,
            ),
            false,
            d + 1,
        ))
    }

    /// Group a sequence of terms from the right (iteratively).
    fn group(&mut self, mut items: Vec<Item>) -> Result<(Expr, u32), ParseError> {
        let mut acc: Option<(Expr, u32)> = None;
        while let Some(t) = items.pop() {
            // A glyph verb opening the expression right before another verb
            // is that verb's left operand: `+ . 2 3` is `.[+;2 3]` (q's Apply
            // page).
            let leading_verb_operand = items.len() == 1
                && matches!(t.e.kind, ExprKind::Verb(_))
                && items
                    .last()
                    .is_some_and(|l| l.verb && matches!(l.e.kind, ExprKind::Verb(_)));
            let left_noun =
                t.verb && (leading_verb_operand || items.last().is_some_and(|l| !l.verb));
            let (e, d) = if left_noun {
                let Some(l) = items.pop() else { break };
                match acc.take() {
                    None => {
                        let sp = l.e.span.start..t.e.span.end;
                        let d = l.d.max(t.d) + 1;
                        (
                            Expr::new(ExprKind::LeftProj(Box::new(t.e), Box::new(l.e)), sp),
                            d,
                        )
                    }
                    Some((r, rd)) => {
                        let sp = l.e.span.start..r.span.end.max(t.e.span.end);
                        let d = l.d.max(t.d).max(rd) + 1;
                        (
                            Expr::new(
                                ExprKind::Dyadic(Box::new(t.e), Box::new(l.e), Box::new(r)),
                                sp,
                            ),
                            d,
                        )
                    }
                }
            } else {
                match acc.take() {
                    None => (t.e, t.d),
                    Some((r, rd)) => {
                        let sp = t.e.span.start..r.span.end.max(t.e.span.end);
                        let d = t.d.max(rd) + 1;
                        (
                            Expr::new(ExprKind::Monadic(Box::new(t.e), Box::new(r)), sp),
                            d,
                        )
                    }
                }
            };
            self.check_depth(d, &e.span)?;
            acc = Some((e, d));
        }
        Ok(acc.unwrap_or_else(|| (Expr::new(ExprKind::Elided, 0..0), 1)))
    }
}
