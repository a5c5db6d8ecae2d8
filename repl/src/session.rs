//! One interpreter and the rules for running a chunk of input and printing
//! what q would print.
//!
//! Results go to standard output exactly as `Interp::display` renders them.
//! An error prints q's `'name` line on standard output and then, beyond q,
//! the failing source line with a caret (and an explanation, when the engine
//! gives one) on standard error. No panic escapes: an internal bug prints
//! `'panic` and the session carries on.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};

use qengine::{Interp, Outcome, QError, QResult};

/// Where a chunk came from, for error context.
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// Typed at the console or read from a pipe.
    Console,
    /// A script file, with the 1-based line number of the chunk's first line.
    Script { file: &'a str, line: usize },
}

/// What to do after a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// The chunk ran (or failed) and the session goes on.
    Ok,
    /// The chunk signalled an error (or panicked); it has been reported.
    Failed,
    /// `\\` or `exit n`: end the process with this code.
    Exit(i32),
}

/// The interpreter plus console output.
pub struct Session {
    pub it: Interp,
}

thread_local! {
    /// True while a chunk runs under `catch_unwind`: the panic hook then
    /// records the message instead of printing it.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs a panic hook that keeps panics inside a guarded evaluation quiet
/// (they are reported as `'panic` by [`Session::run`]) and prints others as
/// usual.
pub fn install_panic_hook() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if GUARDED.with(Cell::get) {
            let msg = match info.payload().downcast_ref::<&str>() {
                Some(s) => (*s).to_string(),
                None => match info.payload().downcast_ref::<String>() {
                    Some(s) => s.clone(),
                    None => "unknown panic".to_string(),
                },
            };
            let loc = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{loc}")));
        } else {
            default(info);
        }
    }));
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    pub fn new() -> Self {
        Session { it: Interp::new() }
    }

    /// Runs one chunk, printing results (when `echo`) and errors.
    pub fn run(&mut self, text: &str, origin: Origin<'_>, echo: bool) -> Flow {
        let r = self.eval_guarded(text);
        let mut out = std::io::stdout().lock();
        let flow = match r {
            Ok(Ok(Outcome::Exit(code))) => Flow::Exit(code),
            Ok(Ok(Outcome::Silent)) => Flow::Ok,
            Ok(Ok(Outcome::Value(v))) => {
                if echo {
                    let s = self.display_guarded(&v);
                    let _ = writeln!(out, "{s}");
                }
                Flow::Ok
            }
            Ok(Ok(Outcome::Text(t))) => {
                if echo {
                    let _ = write!(out, "{t}");
                    if !t.is_empty() && !t.ends_with('\n') {
                        let _ = writeln!(out);
                    }
                }
                Flow::Ok
            }
            Ok(Err(e)) => {
                let _ = writeln!(out, "'{}", e.name);
                let _ = out.flush();
                drop(out);
                eprint!("{}", context(&e, text, origin));
                Flow::Failed
            }
            Err(msg) => {
                let _ = writeln!(out, "'panic");
                let _ = out.flush();
                drop(out);
                eprintln!("  internal error (a bug in borf, please report it): {msg}");
                if let Origin::Script { file, line } = origin {
                    eprintln!("  while running {file}:{line}");
                }
                Flow::Failed
            }
        };
        let _ = std::io::stdout().flush();
        flow
    }

    /// `run_line` under `catch_unwind`; `Err` carries a panic's message.
    fn eval_guarded(&mut self, text: &str) -> Result<QResult<Outcome>, String> {
        let scopes = self.it.scopes();
        let it = &mut self.it;
        let r = guarded(|| it.run_line(text));
        if r.is_err() {
            // The unwind skipped the evaluator's own bookkeeping.
            self.it.restore_scopes(scopes);
        }
        r
    }

    fn display_guarded(&self, v: &qengine::Value) -> String {
        let it = &self.it;
        guarded(|| it.display(v)).unwrap_or_else(|msg| {
            eprintln!("  internal error while displaying a result: {msg}");
            "'panic".to_string()
        })
    }
}

fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    GUARDED.with(|g| g.set(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(false));
    r.map_err(|payload| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string())
    })
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
            let le = src[start..].find('\n').map_or(src.len(), |i| start + i);
            let line_idx = src[..ls].matches('\n').count();
            let prefix = match origin {
                // The location is in the chunk itself: its line is known.
                Origin::Script { file, line } if src == chunk => {
                    format!("{file}:{}: ", line + line_idx)
                }
                _ => String::new(),
            };
            let text = &src[ls..le];
            s.push_str(FRAME);
            s.push_str(&prefix);
            s.push_str(text);
            s.push('\n');
            // Pad with spaces (tabs kept) so the caret lines up.
            let pad: String = FRAME
                .chars()
                .chain(prefix.chars())
                .map(|_| ' ')
                .chain(
                    src[ls..start]
                        .chars()
                        .map(|c| if c == '\t' { '\t' } else { ' ' }),
                )
                .collect();
            s.push_str(&pad);
            s.push('^');
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
mod tests {
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
    fn no_location() {
        let e = QError::new("foo").with_detail("undefined name");
        assert_eq!(context(&e, "foo", Origin::Console), "  undefined name\n");
        // a span past the end is clamped, never a panic
        let e = err_at("ab", 9);
        assert!(context(&e, "ab", Origin::Console).contains('^'));
    }
}
