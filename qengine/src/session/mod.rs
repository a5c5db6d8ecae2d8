//! The session: one console line or script chunk at a time — a system
//! command ([`system`]) or a q expression, and whether q would print the
//! result — and script loading. It makes an [`Interp`] with the evaluator
//! installed ([`Interp::new`]).

pub mod system;

use std::sync::Arc;

use qcore::QError;
use qcore::QResult;
use qcore::Value;
use qparser::Expr;
use qparser::ExprKind;

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

    fn run_line_now(&mut self, line: &str) -> QResult<Outcome> {
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
        let silent = is_silent(&ast);
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

/// q prints nothing for an assignment or a line ending in `;`.
fn is_silent(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Assign(_) | ExprKind::Match(..) | ExprKind::Elided => true,
        ExprKind::Block(v) => v.last().is_none_or(is_silent),
        _ => false,
    }
}
