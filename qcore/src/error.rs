//! q errors.
//!
//! Every failure is a q signal with a short name (`type`, `length`, `rank`,
//! a user's `'text`) printed as `'name`. Beyond q, an error remembers where
//! it happened so the console can show the line with a caret.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Where an error happened: the source text and a byte span inside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub source: Arc<str>,
    pub span: Range<usize>,
}

/// A q error. Boxed so that `QResult<Value>` stays as small as a `Value`
/// plus a tag: results are returned on every evaluation step.
#[derive(Clone, Debug, PartialEq)]
pub struct QError(Box<ErrorInfo>);

/// What a [`QError`] carries (reached through `Deref`: `e.name`).
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorInfo {
    /// The text after `'`: `type`, `length`, a user signal's text, ...
    pub name: String,
    /// Extra explanation shown under the caret (not part of q's output).
    pub detail: Option<String>,
    /// Innermost source location, when known.
    pub location: Option<Location>,
    /// The call sites the error left through, innermost first: one entry
    /// per lambda it left, filled with the first location given after that
    /// (the caller's call expression), for q's stack of frames.
    pub callers: Vec<Option<Location>>,
    /// Raised by Signal (`'x`): q's debugger breaks one level up.
    pub signalled: bool,
}

impl std::ops::Deref for QError {
    type Target = ErrorInfo;
    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for QError {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

/// Result type of everything that can signal.
pub type QResult<T> = Result<T, QError>;

impl QError {
    /// An error named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        QError(Box::new(ErrorInfo {
            name: name.into(),
            detail: None,
            location: None,
            callers: Vec::new(),
            signalled: false,
        }))
    }

    /// Adds an explanation.
    pub fn with_detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }

    /// Sets the location unless a more precise one is already known.
    pub fn at(mut self, source: &Arc<str>, span: Range<usize>) -> Self {
        if self.location.is_none() {
            self.location = Some(Location {
                source: source.clone(),
                span,
            });
        } else if let Some(slot @ None) = self.0.callers.last_mut() {
            *slot = Some(Location {
                source: source.clone(),
                span,
            });
        }
        self
    }

    /// Notes that the error leaves a lambda: the next location given is
    /// the call site in its caller.
    pub fn left_lambda(&mut self) {
        if self.location.is_some() {
            self.0.callers.push(None);
        }
    }

    pub fn type_() -> Self {
        Self::new("type")
    }
    pub fn length() -> Self {
        Self::new("length")
    }
    pub fn rank() -> Self {
        Self::new("rank")
    }
    pub fn domain() -> Self {
        Self::new("domain")
    }
    pub fn index() -> Self {
        Self::new("index")
    }
    /// `'nyi`: a builtin or form not yet implemented, naming it.
    pub fn nyi(what: &str) -> Self {
        Self::new("nyi").with_detail(format!("{what} is not implemented yet"))
    }
    /// `'name`: an undefined variable (q prints the name itself).
    pub fn undefined(name: &str) -> Self {
        Self::new(name).with_detail("undefined name")
    }
}

impl fmt::Display for QError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}", self.name)
    }
}

impl std::error::Error for QError {}

/// Shorthand for `Err(QError::type_())` and friends.
#[macro_export]
macro_rules! qerr {
    ($name:literal) => {
        Err($crate::error::QError::new($name))
    };
}

/// Where a chunk came from, for error context.
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// Typed at the console or read from a pipe.
    Console,
    /// A script file, with the 1-based line number of the chunk's first line.
    Script { file: &'a str, line: usize },
}

/// Writes one frame of q's error display: `head` and the line of `src` that
/// holds byte `start`, then a line with a caret under that byte (tabs kept,
/// so it lines up), without a final newline.
///
/// ```text
///   [0]  1+`a
///         ^
/// ```
pub fn caret_frame(out: &mut String, head: &str, src: &str, start: usize) {
    let ls = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let le = src[start..].find('\n').map_or(src.len(), |i| start + i);
    out.push_str(head);
    out.push_str(without_comment(&src[ls..le], start - ls));
    out.push('\n');
    out.extend(head.chars().map(|_| ' '));
    out.extend(
        src[ls..start]
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' }),
    );
    out.push('^');
}

/// A source line without its trailing comment (` / ...` outside a string)
/// and the blanks before it, as q shows a frame's line; the comment is kept
/// when the caret byte `keep` lies in it.
pub fn without_comment(line: &str, keep: usize) -> &str {
    let b = line.as_bytes();
    let mut in_str = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'/' if !in_str && i > 0 && (b[i - 1] == b' ' || b[i - 1] == b'\t') => {
                if keep >= i {
                    return line;
                }
                return line[..i].trim_end();
            }
            _ => {}
        }
        i += 1;
    }
    line
}

/// The text printed on standard error under `'name`: the source line with a
/// caret under the failing expression, q style, then the explanation.
///
/// ```text
///   [0]  1+`a
///         ^ explanation
/// ```
/// In a script the line is prefixed with `file:line: `.
pub fn context(e: &QError, chunk: &str, origin: Origin<'_>) -> String {
    const FRAME: &str = "  [0]  ";
    let mut s = String::new();
    let detail = e.detail.as_deref().unwrap_or("");
    match &e.location {
        Some(loc) => {
            let src: &str = &loc.source;
            let mut start = loc.span.start.min(src.len());
            while !src.is_char_boundary(start) {
                start -= 1;
            }
            let ls = src[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_idx = src[..ls].matches('\n').count();
            let mut head = FRAME.to_string();
            if let Origin::Script { file, line } = origin
                && src == chunk
            {
                // The location is in the chunk itself: its line is known.
                head.push_str(&format!("{file}:{}: ", line + line_idx));
            }
            caret_frame(&mut s, &head, src, start);
            if !detail.is_empty() {
                s.push(' ');
                s.push_str(detail);
            }
            s.push('\n');
        }
        None => {
            if let Origin::Script { file, line } = origin {
                let first = chunk.lines().next().unwrap_or("");
                s.push_str(&format!("{FRAME}{file}:{line}: {first}\n"));
            }
            if !detail.is_empty() {
                s.push_str(&format!("  {detail}\n"));
            }
        }
    }
    s
}

#[cfg(test)]
mod context_tests {
    use super::*;
    use std::sync::Arc;

    fn err_at(src: &str, start: usize) -> QError {
        let source: Arc<str> = Arc::from(src);
        QError::type_().at(&source, start..start + 1)
    }

    #[test]
    fn caret_under_span() {
        let e = err_at("1+`a", 1);
        assert_eq!(
            context(&e, "1+`a", Origin::Console),
            "  [0]  1+`a\n        ^\n"
        );
    }

    #[test]
    fn caret_in_script_on_second_line() {
        let src = "f:{\n  x+`a}";
        let e = err_at(src, 7).with_detail("bad");
        let s = context(
            &e,
            src,
            Origin::Script {
                file: "t.q",
                line: 3,
            },
        );
        assert_eq!(s, "  [0]  t.q:4:   x+`a}\n                 ^ bad\n");
    }

    #[test]
    fn frame_line_drops_trailing_comment() {
        assert_eq!(
            without_comment("a like \"q?\"   / not atomic", 2),
            "a like \"q?\""
        );
        assert_eq!(without_comment("\"a / b\",1", 0), "\"a / b\",1");
        assert_eq!(without_comment("x / c", 4), "x / c");
        assert_eq!(without_comment("+/[1 2]", 0), "+/[1 2]");
    }

    #[test]
    fn no_location() {
        let e = QError::new("foo").with_detail("undefined name");
        assert_eq!(context(&e, "foo", Origin::Console), "  undefined name\n");
        // a span past the end is clamped, never a panic
        let e = err_at("ab", 9);
        assert!(context(&e, "ab", Origin::Console).contains('^'));
    }
}
