//! q's debugger (basics/debug.md): while a console line runs in
//! error-trap mode 1 (`\e 1`, `-e 1`, a terminal's default), an error
//! inside a lambda suspends the evaluation where it failed. q's error
//! display is shown and lines are read at the `q))` prompt (one more `)`
//! per nested suspension), evaluated in the suspended call's frame: its
//! parameters and locals are read and assigned by name, globals as usual.
//!
//! At the prompt:
//! - `:e` resumes: `e` (default `::`) becomes the result of the failed
//!   operation and the lambda carries on;
//! - `\` (or a lone `'`) abandons the suspended evaluation, one level;
//! - `'name` signals `name` from the suspended frame, destroying it: the
//!   error suspends again in the caller (or reaches the console line);
//! - `&` shows the current frame, `` ` `` and `.` move up and down the
//!   stack (what they show; lines still run in the suspended frame);
//! - `.z.ex` / `.z.ey` are the failed primitive and its argument(s), and
//!   `.Q.bt[]` marks the current frame with `>>`.
//!
//! The suspension happens inside [`Interp::eval_node`], where the failing
//! node has the frame in hand, so the lambda's slots are live and
//! resuming is returning a value from the node. Lines come from the
//! console through [`crate::state::DebugState::input`]; connections keep
//! being served meanwhile (never suspending themselves).

use std::io::Write;
use std::sync::Arc;

use qcore::Func;
use qcore::Lambda;
use qcore::QError;
use qcore::Value;

use super::Ctl;
use super::EResult;
use super::Frame;
use super::compile;
use crate::builtins::debug::err_key;
use crate::state::DebugInput;
use crate::state::Interp;
use crate::state::Outcome;
use crate::state::Suspension;

/// How a suspension ends.
enum End {
    /// `:e`: the failed operation's result.
    Resume(Value),
    /// `\`, the end of input or of the process: the error unwinds.
    Abort,
    /// `'name` at the prompt: a new error from the suspended frame.
    Signal(String),
}

/// Whether error `e`, about to be located, has not suspended yet: raised
/// by the primitive just applied (no location yet), a Signal that has just
/// left the signalling lambda (q breaks one level up, ref/signal.md), or
/// a `'name` typed at the prompt. An error a `\` abandoned never is.
pub(super) fn is_new(it: &Interp, e: &QError) -> bool {
    let key = err_key(e);
    if it.debug.resignal == Some(key) {
        return true;
    }
    if it.debug.aborted == Some(key) {
        return false;
    }
    e.location.is_none() || (e.signalled && matches!(e.callers.as_slice(), [None]))
}

/// Whether an error in frame `fr` suspends: the debugger is armed and has
/// its input, `fr` is the frame of a lambda called since the last
/// suspension (not the `q))` line itself, nor text `value` evaluates
/// inside a lambda), and the error does not end the evaluation for good
/// (`exit`, `'stop`, `'wsfull`).
pub(super) fn may_suspend(it: &Interp, e: &QError, fr: &Frame) -> bool {
    if !it.debug.armed || it.debug.input.is_none() || it.exit_request.is_some() {
        return false;
    }
    if matches!(e.name.as_str(), "stop" | "wsfull") {
        return false;
    }
    let base = it.debug.levels.last().map_or(0, |l| l.base);
    if it.calls.len() <= base {
        return false;
    }
    match it.calls.last() {
        Some(Func::Lambda(l)) => {
            super::compiled(&l).is_ok_and(|c| Arc::ptr_eq(&c.source, fr.source))
        }
        _ => false,
    }
}

/// Suspends the evaluation at error `e` raised in frame `fr`: shows the
/// error, then serves the `q))` prompt until a line ends the suspension.
/// `keep` is `.z.ex` and `.z.ey`.
pub(super) fn suspend(
    it: &mut Interp,
    e: QError,
    fr: &mut Frame,
    keep: Option<super::Kept>,
) -> EResult {
    if it.debug.resignal == Some(err_key(&e)) {
        it.debug.resignal = None;
    }
    let Some(Func::Lambda(lambda)) = it.calls.last() else {
        return Err(Ctl::Error(e));
    };
    // the stack for the display, as when the error leaves this lambda
    crate::builtins::debug::note_error(it, &e);
    let chunk = it.top_source.clone();
    let (shown, explained) =
        it.error_display(&e, chunk.as_deref().unwrap_or(""), qcore::Origin::Console);
    show(&shown, &explained);
    let (ex, ey) = keep.map_or((Value::Nil, Value::Nil), super::Kept::split);
    let base = it.calls.len();
    it.debug.levels.push(Suspension {
        base,
        error: e,
        ex,
        ey,
        at: Some(base - 1),
    });
    let level = it.debug.levels.len();
    let end = loop {
        let Some(input) = it.debug.input.as_mut() else {
            break End::Abort;
        };
        match input(level) {
            DebugInput::Line(line) => {
                if let Some(end) = command(it, &line, fr, &lambda) {
                    break end;
                }
            }
            DebugInput::Event(ev) => {
                // a client's request is served as at the top level
                let armed = std::mem::replace(&mut it.debug.armed, false);
                crate::ipc::handle_event(it, ev);
                it.debug.armed = armed;
                if it.exit_request.is_some() {
                    break End::Abort;
                }
            }
            DebugInput::End => break End::Abort,
        }
    };
    let Some(s) = it.debug.levels.pop() else {
        return Err(Ctl::Error(QError::new("panic")));
    };
    match end {
        End::Resume(v) => Ok(v),
        End::Abort => {
            it.debug.aborted = Some(err_key(&s.error));
            Err(Ctl::Error(s.error))
        }
        End::Signal(name) => {
            let e = QError::new(name);
            it.debug.resignal = Some(err_key(&e));
            Err(Ctl::Error(e))
        }
    }
}

/// Runs one line typed at the `q))` prompt; `Some` when it ends the
/// suspension.
fn command(it: &mut Interp, line: &str, fr: &mut Frame, lambda: &Arc<Lambda>) -> Option<End> {
    // a trailing ` / comment` is not part of a debugger command
    let t = qcore::error::without_comment(line.trim(), 0).trim();
    match t {
        "\\" | "'" => return Some(End::Abort),
        "&" => {
            if let Some(l) = it.debug.levels.last() {
                let text = format!("'{}\n{}", l.error.name, current_frame(it));
                show(&text, "");
            }
            return None;
        }
        "`" | "." => {
            move_frame(it, t == "`");
            show(&current_frame(it), "");
            return None;
        }
        _ => {}
    }
    if let Some(rest) = t.strip_prefix(':')
        && !rest.starts_with(':')
    {
        return match run_in_frame(it, rest, fr, lambda) {
            Ok((v, _)) => Some(End::Resume(v)),
            Err(e) => {
                report(it, &e, rest);
                it.exit_request.map(|_| End::Abort)
            }
        };
    }
    if let Some(cmd) = t.strip_prefix('\\') {
        match it.system(cmd.trim_end()) {
            Ok(Outcome::Exit(code)) => {
                it.exit_request = Some(code);
                return Some(End::Abort);
            }
            Ok(o) => print_outcome(it, o),
            Err(e) => report(it, &e, line),
        }
        return it.exit_request.map(|_| End::Abort);
    }
    match run_in_frame(it, line, fr, lambda) {
        Ok((v, silent)) => {
            if !silent && !matches!(v, Value::Nil) {
                print_outcome(it, Outcome::Value(v));
            }
        }
        // `'name`: signalled from the suspended frame
        Err(e) if t.starts_with('\'') && !it.take_aborted(&e) => {
            return Some(End::Signal(e.name.clone()));
        }
        Err(e) => report(it, &e, line),
    }
    it.exit_request.map(|_| End::Abort)
}

/// Evaluates `text` in the suspended call's frame: its locals by name (in
/// the lambda's namespace), globals otherwise. Returns the value and
/// whether q would print nothing for it (an assignment, a trailing `;`).
fn run_in_frame(
    it: &mut Interp,
    text: &str,
    fr: &mut Frame,
    lambda: &Arc<Lambda>,
) -> Result<(Value, bool), QError> {
    let source: Arc<str> = Arc::from(text);
    let ast = qparser::parse(text).map_err(|e| {
        QError::new(e.name.clone())
            .with_detail(e.message.clone())
            .at(&source, e.span.clone())
    })?;
    let c = super::compiled(lambda)?;
    let scope = compile::Scope::frame(lambda.namespace, source.clone(), c.locals.clone());
    let node = compile::compile(&ast, &scope)?;
    let mut lf = Frame {
        slots: std::mem::take(&mut fr.slots),
        source: &source,
    };
    let (depth, calls) = (it.depth, it.calls.len());
    let r = it.eval_node(&node, &mut lf);
    fr.slots = lf.slots;
    it.depth = depth;
    it.calls.truncate(calls);
    match r {
        Ok(v) | Err(Ctl::Return(v)) => Ok((v, crate::eval::is_silent(&ast))),
        Err(Ctl::Error(e)) => Err(e),
    }
}

/// The current frame of the innermost suspension, as `&` shows it.
fn current_frame(it: &Interp) -> String {
    let Some(l) = it.debug.levels.last() else {
        return String::new();
    };
    let stack = it.calls.to_vec();
    crate::builtins::debug::stack_frame(it, &stack, l.at, false)
}

/// `` ` `` (up, towards the console line) or `.` (down, towards the
/// suspended frame).
fn move_frame(it: &mut Interp, up: bool) {
    let Some(l) = it.debug.levels.last_mut() else {
        return;
    };
    l.at = match (l.at, up) {
        (Some(0), true) | (None, true) => None,
        (Some(k), true) => Some(k - 1),
        (None, false) if l.base > 0 => Some(0),
        (Some(k), false) if k + 1 < l.base => Some(k + 1),
        (at, false) => at,
    };
}

/// Prints what a line at the prompt gave, as the console does.
fn print_outcome(it: &Interp, o: Outcome) {
    match o {
        Outcome::Value(v) => show(&format!("{}\n", it.display(&v)), ""),
        Outcome::Text(t) if !t.is_empty() => {
            let nl = if t.ends_with('\n') { "" } else { "\n" };
            show(&format!("{t}{nl}"), "");
        }
        _ => {}
    }
}

/// Shows an error from a line at the prompt (none for one a nested
/// suspension abandoned: it was shown when it suspended).
fn report(it: &mut Interp, e: &QError, line: &str) {
    if it.take_aborted(e) || it.exit_request.is_some() {
        return;
    }
    let (shown, explained) = it.error_display(e, line, qcore::Origin::Console);
    show(&shown, &explained);
}

/// Writes q's output to standard output and borf's explanation to
/// standard error, flushed so the prompt that follows comes after them.
fn show(out: &str, err: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(out.as_bytes());
    let _ = o.flush();
    drop(o);
    if !err.is_empty() {
        eprint!("{err}");
    }
}
