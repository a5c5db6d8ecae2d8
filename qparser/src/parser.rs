//! The parser's public entry points: [`parse`] and the infix keyword list.
//!
//! The grammar itself (chumsky over the lexer's tokens, right-to-left
//! grouping, errors and limits) is in [`crate::grammar`].

use crate::ast::*;
use crate::grammar;
use crate::lexer::lex;

/// q's dyadic keywords that may be written infix (`x in y`, `2 xbar t`).
pub const INFIX_KEYWORDS: &[&str] = &[
    "and", "or", "bin", "binr", "cor", "cov", "cross", "cut", "div", "each", "except", "fby", "ij",
    "ijf", "in", "inter", "insert", "like", "lj", "ljf", "lsq", "ema", "mavg", "mcount", "mdev",
    "mmax", "mmin", "mmu", "mod", "msum", "over", "peach", "pj", "prior", "rotate", "scan", "scov",
    "set", "setenv", "ss", "sublist", "sv", "uj", "ujf", "union", "upsert", "vs", "wavg", "within",
    "wsum", "xasc", "xbar", "xcol", "xcols", "xdesc", "xexp", "xgroup", "xkey", "xlog", "xprev",
    "xrank", "asof", "dsave",
];

/// True when `name` is one of [`INFIX_KEYWORDS`].
pub fn is_infix_keyword(name: &str) -> bool {
    INFIX_KEYWORDS.contains(&name)
}

/// Parse one top-level chunk of source. See the crate documentation.
///
/// A chunk that starts `k)` is k: q's own `.q` definitions and clients
/// such as PyKX send k4 this way. q's grammar already gives every glyph
/// its k meaning when it has nothing on its left (`#x` count, `@x` type,
/// `!x` key, `.x` value …), which is what such code uses, so the rest of
/// the chunk is parsed as q (docs/DECISIONS.md: k mode). The prefix is
/// blanked rather than cut so spans still point into `src`.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    if let Some(rest) = src.strip_prefix("k)") {
        let was = crate::grammar::K_MODE.with(|k| k.replace(true));
        let r = parse(&format!("  {rest}"));
        crate::grammar::K_MODE.with(|k| k.set(was));
        return r;
    }
    let toks = lex(src)?;
    let (mut stmts, errors) = grammar::parse_tokens(src, &toks);
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
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
