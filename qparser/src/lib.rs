//! `qparser`: BorF (q) source text to a spanned syntax tree.
//!
//! **Architecture invariant:** the parser never panics and knows nothing of
//! evaluation. Any input, however malformed, yields either a tree or a
//! [`ParseError`] with a byte span.
//!
//! Pipeline: [`lexer::lex`] turns text into spanned tokens (q's lexical rules
//! depend on spacing, so the lexer is hand-written); [`parse`] groups the
//! tokens right to left into an [`Expr`]. [`is_complete`] tells the console
//! whether to keep reading lines, and [`script::chunks`] splits a `.q` file
//! into top-level expressions and system commands.
//!
//! Statements of one chunk separated by `;` become [`ExprKind::Block`]; a
//! single statement is returned bare; a trailing `;` adds a final
//! [`ExprKind::Elided`] (the console prints nothing); empty input is
//! `Elided`.

pub mod ast;
mod grammar;
pub mod lexer;
pub mod parser;
pub mod script;

pub use ast::*;
pub use parser::{INFIX_KEYWORDS, is_infix_keyword, parse};

/// False while a `(`, `[` or `{` is open or a string is unterminated, so the
/// console should read another line. Brackets inside strings, comments and
/// symbols are ignored. Extra closing brackets count as complete (the parse
/// then reports them).
pub fn is_complete(src: &str) -> bool {
    let mut b = lexer::Balance::default();
    b.feed(src);
    b.complete()
}
