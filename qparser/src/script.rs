//! Splitting a `.q` script into top-level chunks.
//!
//! q reads a script line by line, not as one expression: each line that
//! starts in column 0 begins a new expression, indented lines continue the
//! previous one, and lines are joined while a bracket or string is open.
//! The chunks produced here are then parsed one by one with
//! [`crate::parse`], so an error in one expression does not hide the rest
//! and a system command (`\l x.q`) can take effect before later lines.
//!
//! Rules:
//! - a line starting with `/` is a comment;
//! - a line that is exactly `/` starts a block comment, ended by a line that
//!   is exactly `\`;
//! - a line that is exactly `\` outside a block comment ends the script: the
//!   rest of the file is ignored;
//! - a line starting with `\` is a system command ([`ChunkKind::System`],
//!   text is the whole line, including the leading `\`);
//! - a line starting with a space or tab continues the previous expression
//!   (joined with `\n`);
//! - lines are also joined while a `(`, `[`, `{` or a string is open;
//! - a blank line ends the current expression;
//! - a first line starting with `#!` is ignored.
//!
//! Trailing ` /comments` are left in the text; the lexer removes them.

use crate::lexer::Balance;

/// What a chunk is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkKind {
    /// A q expression, to be parsed with [`crate::parse`].
    Code,
    /// A system command line such as `\l x.q` or `\\`.
    System,
}

/// One top-level piece of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub kind: ChunkKind,
    /// The source text (lines joined with `\n`; no trailing newline).
    pub text: String,
    /// 1-based line number of the chunk's first line.
    pub line: usize,
}

struct Open {
    text: String,
    line: usize,
    bal: Balance,
}

fn flush(cur: &mut Option<Open>, out: &mut Vec<Chunk>) {
    if let Some(o) = cur.take()
        && !o.text.trim().is_empty()
    {
        out.push(Chunk {
            kind: ChunkKind::Code,
            text: o.text,
            line: o.line,
        });
    }
}

/// Split a script into chunks following q's script rules (see module docs).
pub fn chunks(src: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut cur: Option<Open> = None;
    let mut in_block = false;
    for (idx, raw) in src.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let lineno = idx + 1;
        if idx == 0 && line.starts_with("#!") {
            continue;
        }
        // Continue an expression whose brackets or string are still open.
        if let Some(o) = cur.as_mut()
            && !o.bal.complete()
        {
            o.text.push('\n');
            o.text.push_str(line);
            o.bal.feed("\n");
            o.bal.feed(line);
            continue;
        }
        if in_block {
            if line.trim_end() == "\\" {
                in_block = false;
            }
            continue;
        }
        let trimmed = line.trim_end();
        if trimmed == "/" {
            flush(&mut cur, &mut out);
            in_block = true;
            continue;
        }
        if trimmed == "\\" {
            flush(&mut cur, &mut out);
            return out;
        }
        if line.starts_with('/') {
            continue;
        }
        if line.starts_with('\\') {
            flush(&mut cur, &mut out);
            out.push(Chunk {
                kind: ChunkKind::System,
                text: trimmed.to_string(),
                line: lineno,
            });
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut cur, &mut out);
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(o) = cur.as_mut() {
                o.text.push('\n');
                o.text.push_str(line);
                o.bal.feed("\n");
                o.bal.feed(line);
                continue;
            }
        } else {
            flush(&mut cur, &mut out);
        }
        let mut bal = Balance::default();
        bal.feed(line);
        cur = Some(Open {
            text: line.to_string(),
            line: lineno,
            bal,
        });
    }
    flush(&mut cur, &mut out);
    out
}
