//! One interpreter and the rules for running a chunk of input and printing
//! what q would print.
//!
//! Results go to standard output exactly as `Interp::display` renders them.
//! An error prints q's display on standard output: the `'name` line, then
//! the failing frame (`  [n]  name:source`) with a caret under the failing
//! primitive ([`Interp::error_display`]); borf's one-line explanation, when
//! the engine gives one, goes to standard error. No panic escapes: an internal bug prints
//! `'panic` and the session carries on.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};

pub use qengine::Origin;
use qengine::{Interp, Outcome, QResult};

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

    /// Calls `.z.exit` with the exit code when the user set it (q: the
    /// handler runs just before the process ends and cannot cancel it).
    pub fn at_exit(&mut self, code: i32) {
        if self.it.get_global(qengine::Sym::new(".z.exit")).is_some() {
            self.run(&format!(".z.exit {code}"), Origin::Console, false);
        }
    }

    /// Runs one chunk, printing results (when `echo`) and errors.
    /// A console line with `echo` goes through `.z.pi` when the user set it.
    pub fn run(&mut self, text: &str, origin: Origin<'_>, echo: bool) -> Flow {
        let typed = echo && matches!(origin, Origin::Console);
        let r = self.eval_guarded(text, typed);
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
            // abandoned at the `q))` prompt: shown when it suspended
            Ok(Err(e)) if self.it.take_aborted(&e) => Flow::Failed,
            Ok(Err(e)) => {
                let (shown, explained) = self.it.error_display(&e, text, origin);
                let _ = write!(out, "{shown}");
                let _ = out.flush();
                drop(out);
                eprint!("{explained}");
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
    fn eval_guarded(&mut self, text: &str, typed: bool) -> Result<QResult<Outcome>, String> {
        let scopes = self.it.scopes();
        let it = &mut self.it;
        let r = guarded(|| {
            if typed {
                it.run_console_line(text)
            } else {
                it.run_line(text)
            }
        });
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
