//! The session: one console line or script chunk at a time — a system
//! command ([`system`]) or a q expression, and whether q would print the
//! result — and script loading. It makes an [`Interp`] with the evaluator
//! installed ([`Interp::new`]).

mod qdefined;
pub mod system;

use std::sync::Arc;

use qcore::QError;
use qcore::QResult;
use qcore::Value;

use crate::state::Evaluator;
use crate::state::Interp;
use crate::state::Outcome;

/// The evaluator every session's interpreter uses: [`crate::eval`] for
/// lambdas, text and parse trees, [`system`] for system commands.
struct Host;

impl Evaluator for Host {
    fn call_lambda(
        &self,
        it: &mut Interp,
        f: &qcore::Func,
        args: crate::state::LambdaArgs,
    ) -> QResult<Value> {
        crate::eval::call_lambda(it, f, args)
    }
    fn eval_text(&self, it: &mut Interp, src: &str) -> QResult<Value> {
        crate::eval::eval_text(it, src)
    }
    fn eval_tree(&self, it: &mut Interp, tree: &Value) -> QResult<Value> {
        crate::eval::tree::eval(it, tree.clone())
    }
    fn parse_text(&self, it: &mut Interp, src: &str) -> QResult<Value> {
        crate::eval::tree::parse_text(it, src)
    }
    fn system(&self, it: &mut Interp, cmd: &str) -> QResult<Outcome> {
        system::command(it, cmd)
    }
    fn builtin_namespace(&self, ns: &str) -> Vec<(&'static str, Value)> {
        crate::registry::namespace_members(ns)
    }
    fn caret_in(&self, f: &qcore::Func, loc: &qcore::Location) -> Option<usize> {
        caret_in(f, loc)
    }
}

static HOST: Host = Host;

impl Default for Interp {
    fn default() -> Self {
        Self::new()
    }
}

impl Interp {
    /// A fresh interpreter.
    pub fn new() -> Self {
        let mut it = Interp::with_evaluator(&HOST);
        // the `.h` values a user may redefine (builtins/doth.rs)
        if let Err(e) = it.run_line(crate::builtins::doth::PRELUDE) {
            debug_assert!(false, "the .h prelude failed: {e:?}");
        }
        it
    }

    /// Runs one console line (or script chunk): a system command when it
    /// starts with `\`, else a q expression. Decides whether q would print.
    ///
    /// The line is one evaluation ([`Interp::evaluation`]): a Ctrl-C that
    /// arrived while nothing was running is not for it, `\T` bounds it, and
    /// it fails with `'wsfull` when the heap went over the budget.
    pub fn run_line(&mut self, line: &str) -> QResult<Outcome> {
        let deadline = self.timeout_deadline();
        self.evaluation(deadline, |it| it.run_line_now(line))
    }

    /// Runs one line typed at the console: q hands it to `.z.pi` when the
    /// user has set that (the line with its newline; a string result is
    /// written as it is, anything else shows nothing), else [`Self::run_line`].
    /// System commands never go to `.z.pi`, so `\x .z.pi` can always unset it.
    ///
    /// In error-trap mode 1 (`\e 1`, `-e 1`; a terminal's default) an
    /// error inside a lambda suspends at the `q))` prompt
    /// (`eval/debugger.rs`), when the console installed the debugger's input.
    pub fn run_console_line(&mut self, line: &str) -> QResult<Outcome> {
        self.debug.aborted = None;
        self.debug.resignal = None;
        let armed = self.settings.error_mode == 1 && self.debug.input.is_some();
        let was = std::mem::replace(&mut self.debug.armed, armed);
        let r = self.run_console_line_now(line);
        self.debug.armed = was;
        r
    }

    /// Whether error `e` is one a `\` at the `q))` prompt abandoned (its
    /// display was shown when it suspended); forgets it.
    pub fn take_aborted(&mut self, e: &QError) -> bool {
        let gone = self.debug.aborted == Some(crate::builtins::debug::err_key(e));
        if gone {
            self.debug.aborted = None;
        }
        gone
    }

    fn run_console_line_now(&mut self, line: &str) -> QResult<Outcome> {
        if line.trim_start().starts_with('\\') {
            return self.run_line(line);
        }
        let handler = self.get_global(qcore::Sym::new(".z.pi"));
        let Some(f @ Value::Func(_)) = handler else {
            return self.run_line(line);
        };
        let deadline = self.timeout_deadline();
        let arg = Value::string(&format!("{line}\n"));
        let r = self.evaluation(deadline, |it| {
            crate::builtins::apply::apply(it, &f, vec![arg])
        })?;
        Ok(match r.as_string() {
            Some(text) if matches!(&r, Value::Vector(_)) => Outcome::Text(text),
            _ => Outcome::Silent,
        })
    }

    fn run_line_now(&mut self, line: &str) -> QResult<Outcome> {
        if self.calls.is_empty() {
            // a new top-level line: the last line's backtrace is stale (and
            // its error's address may be reused)
            self.err_bt = None;
        }
        let trimmed = line.trim_start();
        if let Some(cmd) = trimmed.strip_prefix('\\') {
            return system::command(self, cmd.trim_end());
        }
        let source: Arc<str> = Arc::from(line);
        let ast = qparser::parse(line).map_err(|e| {
            QError::new(e.name.clone())
                .with_detail(e.message.clone())
                .at(&source, e.span.clone())
        })?;
        let silent = crate::eval::is_silent(&ast);
        let v = crate::eval::eval_parsed(self, &ast, &source);
        // `exit n` unwinds the evaluation with an error, then ends the process
        if let Some(code) = self.exit_request {
            return Ok(Outcome::Exit(code));
        }
        let v = v?;
        if let Some(code) = self.exit_request {
            return Ok(Outcome::Exit(code));
        }
        if silent || matches!(v, Value::Nil) {
            Ok(Outcome::Silent)
        } else {
            Ok(Outcome::Value(v))
        }
    }

    /// Loads a `.q` script: every chunk is evaluated in order; an error stops
    /// the load and is returned (q prints it and carries on at the console).
    pub fn load_script_file(&mut self, path: &str) -> QResult<()> {
        let path = crate::storage::confine::path(path)?;
        qcore::budget::check_file(&path)?;
        let text = std::fs::read_to_string(&path)
            .map_err(|_| QError::new(path.display().to_string()).with_detail("cannot read file"))?;
        self.load_script_text(&text).map(|_| ())
    }

    /// Runs script text chunk by chunk, calling `show` for each outcome that
    /// prints. Returns `Some(code)` when the script asked to exit.
    pub fn run_script(
        &mut self,
        text: &str,
        show: &mut dyn FnMut(&mut Interp, QResult<Outcome>),
    ) -> Option<i32> {
        for chunk in qparser::script::chunks(text) {
            let r = self.run_line(&chunk.text);
            if let Ok(Outcome::Exit(code)) = r {
                return Some(code);
            }
            show(self, r);
        }
        None
    }

    fn load_script_text(&mut self, text: &str) -> QResult<Option<i32>> {
        for chunk in qparser::script::chunks(text) {
            match self.run_line(&chunk.text)? {
                Outcome::Exit(c) => return Ok(Some(c)),
                _ => continue,
            }
        }
        Ok(None)
    }

    /// The console text for a value under the current `\c` and `\P`.
    pub fn display(&self, v: &Value) -> String {
        crate::builtins::interpret::console_text(self, v)
    }
}

impl Interp {
    /// q's display of an uncaught error `e` raised by the console line (or
    /// script chunk) `chunk`: the `'name` line, then the frame where it
    /// failed, `  [n]  name:source` with a caret under the failing
    /// primitive (basics/debug.md). `n` is the depth of the lambda that
    /// failed (0 for the line itself); a lambda held by a global is shown
    /// with its name, an anonymous one nested in a named one as `name@`.
    /// Returns the standard-output text and borf's explanation for
    /// standard error (empty when there is none).
    pub fn error_display(
        &self,
        e: &QError,
        chunk: &str,
        origin: qcore::Origin<'_>,
    ) -> (String, String) {
        let mut out = format!("'{}\n", e.name);
        let mut err = String::new();
        let detail = e.detail.as_deref().unwrap_or("");
        let stack: &[qcore::Func] = match &self.err_bt {
            Some((k, s)) if *k == crate::builtins::debug::err_key(e) => s,
            _ => &[],
        };
        match &e.location {
            Some(loc) => {
                let mut inner = String::new();
                // an error a primitive raises inside a keyword q defines in
                // q (`ssr`, `xcol`) shows the calling line without a caret
                let caret = e.signalled || !qdefined::in_q_defined(loc);
                let depth =
                    self.write_frame(&mut inner, stack, stack.len(), loc, (chunk, origin), caret);
                // Signal breaks one level up (ref/signal): q shows the frames
                // down to the caller's, or only the top-level line when the
                // signalling lambda was called from there
                if e.signalled
                    && depth >= 1
                    && let Some(Some(call)) = e.callers.first()
                {
                    if depth > 1 {
                        out.push_str(&inner);
                    }
                    self.write_frame(&mut out, stack, depth - 1, call, (chunk, origin), true);
                } else {
                    out.push_str(&inner);
                }
                if !detail.is_empty() {
                    err.push_str(&format!("  {detail}\n"));
                }
            }
            None => {
                if let qcore::Origin::Script { file, line } = origin {
                    let first = chunk.lines().next().unwrap_or("");
                    err.push_str(&format!("  {file}:{line}: {first}\n"));
                }
                if !detail.is_empty() {
                    err.push_str(&format!("  {detail}\n"));
                }
            }
        }
        (out, err)
    }

    /// Writes the frame of location `loc`: the innermost of the first
    /// `limit` running lambdas whose text holds it (else the line itself,
    /// frame 0), showing the lambda's text, not the line that defined it.
    /// Returns the frame's number.
    fn write_frame(
        &self,
        out: &mut String,
        stack: &[qcore::Func],
        limit: usize,
        loc: &qcore::Location,
        (chunk, origin): (&str, qcore::Origin<'_>),
        caret: bool,
    ) -> usize {
        let whole: &str = &loc.source;
        let mut pos = loc.span.start.min(whole.len());
        while !whole.is_char_boundary(pos) {
            pos -= 1;
        }
        let mut depth = 0;
        let mut name = String::new();
        let mut src: &str = whole;
        let mut start = pos;
        for (i, f) in stack[..limit.min(stack.len())].iter().enumerate().rev() {
            if let Some(at) = caret_in(f, loc) {
                depth = i + 1;
                name = self.lambda_name(f, &stack[..i]);
                src = lambda_source(f);
                start = at;
                break;
            }
        }
        let line_idx = whole[..pos].matches('\n').count();
        let number = match depth {
            0 => self.line_frame_number(),
            d => self.frame_number(d - 1),
        };
        let mut head = format!("  [{number}]  ");
        match origin {
            qcore::Origin::Script { file, line } if whole == chunk => {
                head.push_str(&format!("{file}:{}: ", line + line_idx));
            }
            _ => {}
        }
        if !name.is_empty() {
            head.push_str(&name);
            head.push(':');
        }
        if caret {
            qcore::error::caret_frame(out, &head, src, start);
        } else {
            let ls = src[..start].rfind('\n').map_or(0, |i| i + 1);
            let le = src[start..].find('\n').map_or(src.len(), |i| start + i);
            out.push_str(&head);
            out.push_str(qcore::error::without_comment(&src[ls..le], start - ls));
        }
        out.push('\n');
        depth
    }

    /// The number q shows for the frame of the `k`-th running lambda
    /// (0-based, outermost first): its depth, plus the two frames of each
    /// `q))` level it runs under (the debugger's own, hidden, and the line
    /// typed there), as basics/debug.md numbers nested frames.
    pub(crate) fn frame_number(&self, k: usize) -> usize {
        k + 1 + 2 * self.debug.levels.iter().filter(|l| l.base <= k).count()
    }

    /// The number of the frame of the line being run: 0 for a console
    /// line, two past the suspended frame for a line typed at `q))`.
    pub(crate) fn line_frame_number(&self) -> usize {
        match self.debug.levels.last() {
            Some(l) if l.base > 0 => self.frame_number(l.base - 1) + 2,
            _ => 0,
        }
    }

    /// The name q shows for a running lambda: the global that holds it, or
    /// for an anonymous lambda the name of the nearest caller whose text
    /// contains it, with `@` (`f0@`); empty when there is none.
    pub(crate) fn lambda_name(&self, f: &qcore::Func, stack: &[qcore::Func]) -> String {
        let qcore::Func::Lambda(l) = f else {
            return String::new();
        };
        if let Some(n) = self.global_holding(l) {
            return n;
        }
        for outer in stack.iter().rev() {
            if let qcore::Func::Lambda(o) = outer
                && !std::sync::Arc::ptr_eq(o, l)
                && o.source.contains(l.source.as_str())
                && let Some(n) = self.global_holding(o)
            {
                return format!("{n}@");
            }
        }
        String::new()
    }

    fn global_holding(&self, l: &std::sync::Arc<qcore::Lambda>) -> Option<String> {
        let mut best: Option<String> = None;
        for s in self.global_names() {
            if let Some(Value::Func(qcore::Func::Lambda(g))) = self.get_global(s)
                && std::sync::Arc::ptr_eq(&g, l)
            {
                let n = s.as_str().to_string();
                // deterministic when two globals hold it: the shortest, then
                // the first in order
                if best.as_ref().is_none_or(|b| (n.len(), &n) < (b.len(), b)) {
                    best = Some(n);
                }
            }
        }
        best
    }
}

/// Where location `loc` falls in lambda `f`'s own text (a byte offset),
/// when it lies there.
pub(crate) fn caret_in(f: &qcore::Func, loc: &qcore::Location) -> Option<usize> {
    let qcore::Func::Lambda(l) = f else {
        return None;
    };
    let c = crate::eval::compiled(l).ok()?;
    let whole: &str = &loc.source;
    if *c.source != *whole {
        return None;
    }
    let mut pos = loc.span.start.min(whole.len());
    while !whole.is_char_boundary(pos) {
        pos -= 1;
    }
    let text = l.source.as_str();
    whole
        .match_indices(text)
        .map(|(o, _)| o)
        .find(|&o| o <= pos && pos < o + text.len())
        .map(|o| pos - o)
}

/// A lambda's own text (empty for other functions).
fn lambda_source(f: &qcore::Func) -> &str {
    match f {
        qcore::Func::Lambda(l) => l.source.as_str(),
        _ => "",
    }
}
