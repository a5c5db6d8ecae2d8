//! The interpreter: global state, one console line at a time, system
//! commands (`\t \ts \d \c \P \v \l \\`) and script loading.
//!
//! **Architecture invariant:** all evaluation happens on the thread that owns
//! the `Interp`; nothing else touches globals.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::time::Instant;

use qparser::Expr;
use qparser::ExprKind;

use crate::eval::Ctl;
use crate::eval::Frame;
use crate::eval::compile::Scope;
use crate::eval::compile::compile;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

/// Set by the process's SIGINT handler (Ctrl-C): the running evaluation
/// stops with `'stop` at its next tick. Cleared when a new line starts.
pub static INTERRUPT: AtomicBool = AtomicBool::new(false);

/// Memory counters supplied by the program's global allocator (the `borf`
/// binary installs a counting allocator); used by `\ts`.
#[derive(Clone, Copy)]
pub struct MemoryProbe {
    /// Bytes in use now.
    pub current: fn() -> usize,
    /// Resets the high-water mark to the current use; returns that use.
    pub reset_peak: fn() -> usize,
    /// High-water mark since the last reset.
    pub peak: fn() -> usize,
}

static MEMORY_PROBE: std::sync::OnceLock<MemoryProbe> = std::sync::OnceLock::new();

/// Installs the process's memory counters (once).
pub fn set_memory_probe(p: MemoryProbe) {
    let _ = MEMORY_PROBE.set(p);
}

/// The installed memory counters, if any.
pub fn memory_probe() -> Option<MemoryProbe> {
    MEMORY_PROBE.get().copied()
}

/// Maximum nesting of lambda calls before `'stack`.
pub const MAX_DEPTH: usize = 10_000;

/// Console settings (`\c`, `\P`).
#[derive(Clone, Debug)]
pub struct Settings {
    /// `\c` rows.
    pub console_rows: usize,
    /// `\c` columns.
    pub console_cols: usize,
    /// `\P`: significant digits for floats (0 means full precision).
    pub precision: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            console_rows: 25,
            console_cols: 80,
            precision: 7,
        }
    }
}

/// What a console line produced.
#[derive(Debug)]
pub enum Outcome {
    /// A value to print.
    Value(Value),
    /// Nothing to print (assignment, trailing `;`, `::`).
    Silent,
    /// Text a system command prints as is.
    Text(String),
    /// `\\` or `exit n`.
    Exit(i32),
}

/// The interpreter state.
pub struct Interp {
    globals: HashMap<Sym, Value, foldhash::fast::RandomState>,
    /// The current namespace (`\d`); `.` for root.
    pub namespace: Sym,
    /// Current lambda nesting depth.
    pub depth: usize,
    /// Console settings.
    pub settings: Settings,
    /// Set by `exit`: the process should end with this code.
    pub exit_request: Option<i32>,
    /// Sandbox for untrusted input (the fuzz tests): system commands other
    /// than the pure console ones signal `'access`, so generated input can
    /// neither run a shell nor redirect the process's output.
    pub sandbox: bool,
    /// `.z.f`: the script named on the command line, if any.
    pub script_file: Option<String>,
    /// `.z.x`: command-line arguments after the script (q's own flags removed).
    pub script_args: Vec<String>,
    /// Evaluation stops with `'stop` after this instant (`\T`, tests).
    pub deadline: Option<Instant>,
    /// Set from another thread (Ctrl-C) to stop the running evaluation.
    pub interrupt: Arc<AtomicBool>,
    /// IPC connections, listener and request context (`ipc/`).
    pub ipc: crate::ipc::IpcState,
    /// The partitioned database loaded by `\l` (`builtins::partitioned`).
    pub partdb: Option<Arc<crate::query::partitioned::PartDb>>,
    /// Lambdas being applied, innermost last (`.z.s`, `.Q.bt`).
    pub calls: Vec<qcore::Func>,
    /// The lambda stack when the last error left its innermost lambda,
    /// keyed by the error's address (`.Q.trp`).
    pub err_bt: Option<(usize, Vec<qcore::Func>)>,
    /// Set by `reval`: assignment to a global signals `'noupdate`.
    pub no_update: bool,
    ticks: u32,
}

impl Default for Interp {
    fn default() -> Self {
        Self::new()
    }
}

impl Interp {
    /// A fresh interpreter.
    pub fn new() -> Self {
        Interp {
            globals: HashMap::default(),
            namespace: Sym::new("."),
            depth: 0,
            settings: Settings::default(),
            exit_request: None,
            sandbox: false,
            script_file: None,
            script_args: Vec::new(),
            deadline: None,
            interrupt: Arc::new(AtomicBool::new(false)),
            ipc: crate::ipc::IpcState::default(),
            partdb: None,
            calls: Vec::new(),
            err_bt: None,
            no_update: false,
            ticks: 0,
        }
    }

    /// Called once per loop iteration and lambda call: every few thousand
    /// calls checks for an interrupt or a passed deadline and signals
    /// `'stop`, so no loop is unstoppable. Cheap enough for `do` loops.
    #[inline]
    pub fn tick(&mut self) -> QResult<()> {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks & 4095 == 0 {
            return self.check_stop();
        }
        Ok(())
    }

    #[cold]
    fn check_stop(&mut self) -> QResult<()> {
        if self.interrupt.swap(false, Ordering::Relaxed) || INTERRUPT.swap(false, Ordering::Relaxed)
        {
            return Err(QError::new("stop").with_detail("interrupted"));
        }
        if let Some(d) = self.deadline
            && Instant::now() >= d
        {
            return Err(QError::new("stop").with_detail("time limit reached"));
        }
        Ok(())
    }

    /// Reads a global by full name; a name in a namespace falls back to the
    /// root name.
    pub fn get_global(&self, s: Sym) -> Option<Value> {
        self.globals.get(&s).cloned()
    }

    /// Mutable access to a global (for in-place update).
    pub fn global_mut(&mut self, s: Sym) -> Option<&mut Value> {
        self.globals.get_mut(&s)
    }

    /// Removes and returns a global (for in-place update).
    pub fn take_global(&mut self, s: Sym) -> Option<Value> {
        self.globals.remove(&s)
    }

    /// Sets a global by full name.
    pub fn set_global(&mut self, s: Sym, v: Value) {
        self.globals.insert(s, v);
    }

    /// Names of globals directly in namespace `ns` (`.` for root), sorted.
    pub fn names_in(&self, ns: &str) -> Vec<Sym> {
        let mut out: Vec<Sym> = self
            .globals
            .keys()
            .filter(|k| {
                let t = k.as_str();
                if ns == "." {
                    !t.starts_with('.')
                } else {
                    t.strip_prefix(ns)
                        .and_then(|r| r.strip_prefix('.'))
                        .is_some_and(|r| !r.contains('.'))
                }
            })
            .copied()
            .collect();
        out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        out
    }

    /// Parses, resolves and evaluates q source text (one chunk).
    pub fn eval_str(&mut self, src: &str) -> QResult<Value> {
        let source: Arc<str> = Arc::from(src);
        let ast = qparser::parse(src).map_err(|e| {
            QError::new(e.name.clone())
                .with_detail(e.message.clone())
                .at(&source, e.span.clone())
        })?;
        self.eval_ast(&ast, &source)
    }

    /// Evaluates a parsed chunk.
    pub fn eval_ast(&mut self, ast: &Expr, source: &Arc<str>) -> QResult<Value> {
        let scope = Scope::top(self.namespace, source.clone());
        let node = compile(ast, &scope)?;
        let mut fr = Frame {
            slots: Vec::new(),
            source,
        };
        let saved = self.depth;
        let saved_calls = self.calls.len();
        let r = self.eval_node(&node, &mut fr);
        self.depth = saved;
        self.calls.truncate(saved_calls);
        match r {
            Ok(v) => Ok(v),
            // `:x` at top level just yields x
            Err(Ctl::Return(v)) => Ok(v),
            Err(Ctl::Error(e)) => Err(e),
        }
    }

    /// Runs one console line (or script chunk): a system command when it
    /// starts with `\`, else a q expression. Decides whether q would print.
    pub fn run_line(&mut self, line: &str) -> QResult<Outcome> {
        // A Ctrl-C that arrived while nothing was running is not for this line.
        INTERRUPT.store(false, Ordering::Relaxed);
        let trimmed = line.trim_start();
        if let Some(cmd) = trimmed.strip_prefix('\\') {
            return self.system(cmd.trim_end());
        }
        let source: Arc<str> = Arc::from(line);
        let ast = qparser::parse(line).map_err(|e| {
            QError::new(e.name.clone())
                .with_detail(e.message.clone())
                .at(&source, e.span.clone())
        })?;
        let silent = is_silent(&ast);
        let saved_deadline = self.deadline;
        self.deadline = crate::session::system::line_deadline(saved_deadline);
        let v = self.eval_ast(&ast, &source);
        self.deadline = saved_deadline;
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

    /// A system command without its leading backslash: `t expr`, `c 25 80`.
    pub fn system(&mut self, cmd: &str) -> QResult<Outcome> {
        let (name, rest) = match cmd.find(|c: char| c.is_whitespace()) {
            Some(i) => (&cmd[..i], cmd[i..].trim()),
            None => (cmd, ""),
        };
        if self.sandbox
            && !matches!(
                name,
                "" | "t" | "ts" | "c" | "P" | "d" | "v" | "S" | "e" | "W" | "z" | "compile"
            )
            && !name.starts_with("t:")
            && !name.starts_with("ts:")
        {
            return Err(
                QError::new("access").with_detail("system commands are disabled in the sandbox")
            );
        }
        match name {
            "\\" => Ok(Outcome::Exit(0)),
            "" => Ok(Outcome::Silent),
            "t" | "ts" => self.timed(name == "ts", 1, rest),
            _ if name.starts_with("t:") || name.starts_with("ts:") => {
                let (ts, n) = name.split_once(':').unwrap_or((name, "1"));
                let n: usize = n.parse().map_err(|_| QError::domain())?;
                self.timed(ts == "ts", n, rest)
            }
            "d" => {
                if rest.is_empty() {
                    Ok(Outcome::Value(Value::Atom(Atom::Symbol(self.namespace))))
                } else if rest.starts_with('.') {
                    self.namespace = Sym::new(rest);
                    Ok(Outcome::Silent)
                } else {
                    Err(QError::new("nyi").with_detail("namespace names start with a dot"))
                }
            }
            "c" => {
                if rest.is_empty() {
                    Ok(Outcome::Value(Value::Vector(Vector::from_i32(
                        Ty::Int,
                        vec![
                            self.settings.console_rows as i32,
                            self.settings.console_cols as i32,
                        ],
                    ))))
                } else {
                    let nums: Vec<usize> = rest
                        .split_whitespace()
                        .map(|s| s.parse::<usize>())
                        .collect::<Result<_, _>>()
                        .map_err(|_| QError::type_())?;
                    if nums.len() != 2 {
                        return Err(QError::length());
                    }
                    self.settings.console_rows = nums[0].clamp(10, 2000);
                    self.settings.console_cols = nums[1].clamp(10, 2000);
                    Ok(Outcome::Silent)
                }
            }
            // compiled-expression core on/off (kernel, issue 6)
            // borf extension (q has no such command; `\C` is q's HTTP size)
            "compile" => crate::query::kernel::system_command(rest),
            "S" => crate::builtins::list::random::seed_command(rest),
            "P" => {
                if rest.is_empty() {
                    Ok(Outcome::Value(Value::int(self.settings.precision as i32)))
                } else {
                    let n: usize = rest.parse().map_err(|_| QError::type_())?;
                    if n > 17 {
                        return Err(QError::domain());
                    }
                    self.settings.precision = n;
                    Ok(Outcome::Silent)
                }
            }
            "v" => {
                let ns = if rest.is_empty() {
                    self.namespace.as_str().to_string()
                } else {
                    rest.to_string()
                };
                let names: Vec<Sym> = self
                    .names_in(&ns)
                    .into_iter()
                    .map(|s| {
                        let t = s.as_str();
                        Sym::new(t.rsplit_once('.').map_or(t, |(_, n)| n))
                    })
                    .collect();
                Ok(Outcome::Value(Value::Vector(Vector::syms(names))))
            }
            "p" => crate::ipc::system_p(self, rest),
            "f" | "T" | "w" | "x" | "o" | "W" | "z" | "e" | "1" | "2" => {
                crate::session::system::system(self, name, rest)
            }
            "l" => {
                if rest.is_empty() {
                    return Err(QError::new("nyi").with_detail("\\l needs a file name"));
                }
                if std::path::Path::new(rest).is_dir() {
                    crate::storage::splay::load_dir(self, rest)?;
                    return Ok(Outcome::Silent);
                }
                self.load_script_file(rest)?;
                Ok(Outcome::Silent)
            }
            _ => Err(QError::nyi(&format!("\\{name}"))),
        }
    }

    fn timed(&mut self, with_space: bool, n: usize, src: &str) -> QResult<Outcome> {
        let probe = memory_probe();
        let base = probe.map(|p| (p.reset_peak)());
        let start = Instant::now();
        for _ in 0..n.max(1) {
            self.eval_str(src)?;
        }
        let ms = start.elapsed().as_millis() as i64;
        if with_space {
            let Some((p, base)) = probe.zip(base) else {
                return Err(QError::nyi(
                    "\\ts space without the borf binary's allocator",
                ));
            };
            let space = (p.peak)().saturating_sub(base) as i64;
            Ok(Outcome::Value(Value::Vector(Vector::longs(vec![
                ms, space,
            ]))))
        } else {
            Ok(Outcome::Value(Value::long(ms)))
        }
    }

    /// Loads a `.q` script: every chunk is evaluated in order; an error stops
    /// the load and is returned (q prints it and carries on at the console).
    pub fn load_script_file(&mut self, path: &str) -> QResult<()> {
        let text = std::fs::read_to_string(path)
            .map_err(|_| QError::new(path.to_string()).with_detail("cannot read file"))?;
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
        let rows = self.settings.console_rows + 1;
        if let Some(t) = crate::query::partitioned::display_value(self, v, rows) {
            return crate::display::console(&t, &self.settings);
        }
        crate::display::console(v, &self.settings)
    }
}

/// q prints nothing for an assignment or a line ending in `;`.
fn is_silent(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Assign(_) | ExprKind::Elided => true,
        ExprKind::Block(v) => v.last().is_none_or(is_silent),
        _ => false,
    }
}
