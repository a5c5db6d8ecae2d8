//! The interpreter's state: globals and namespaces, settings, connections,
//! the loaded database, the lambda stack — and the evaluator as the library
//! below it sees it ([`Evaluator`]).
//!
//! The library ([`crate::builtins`], [`crate::query`]) takes `&mut Interp`
//! and reaches evaluation only through [`Interp::apply`] and the other
//! [`Evaluator`] methods; the evaluator ([`crate::eval`]) implements them and
//! the session ([`crate::session`]) installs it. So the import graph points
//! one way: state below the library, the library below the evaluator.
//!
//! **Architecture invariant:** all evaluation happens on the thread that owns
//! the `Interp`; nothing else touches globals.

use std::collections::HashMap;

use crate::display::Console;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::time::Instant;

use qcore::Func;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Value;

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
    /// Gives freed memory the allocator keeps back to the system; the bytes
    /// returned (`.Q.gc[]`).
    pub release: fn() -> i64,
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

/// Process settings the system commands show and set.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `\c` and `\P`: how values print.
    pub console: Console,
    /// `\C` (`-C`): rows and columns of the text the web server shows
    /// (`.z.ph`'s default page, `.h.jx`).
    pub http_console: (usize, usize),
    /// `\o`: offset from UTC in minutes for local time, when set (else the
    /// machine's time zone).
    pub utc_offset: Option<i64>,
    /// `\W`: first day of the week, 0 is Saturday.
    pub week_offset: i64,
    /// `\z`: date order of text dates, `false` mm/dd/yyyy, `true`
    /// dd/mm/yyyy.
    pub date_dmy: bool,
    /// `\e`: error trap mode (kept for `\e`; see docs/DECISIONS.md).
    pub error_mode: i64,
    /// `\T`: seconds each console line and client request may run (0: no
    /// limit).
    pub timeout_secs: i64,
    /// `\s`: secondary threads `peach` and `.Q.fc` run on, and the
    /// most `-s` allows.
    pub threads: i64,
    pub threads_max: i64,
    /// `\g`: garbage collection mode (0 deferred, 1 immediate; borf
    /// returns memory at once either way).
    pub gc_mode: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            console: Console::default(),
            http_console: (36, 2000),
            utc_offset: None,
            week_offset: 2,
            date_dmy: false,
            error_mode: 0,
            timeout_secs: 0,
            threads: 0,
            threads_max: 0,
            gc_mode: 0,
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

/// Evaluation bookkeeping a panic can skip ([`Interp::scopes`]).
#[derive(Clone, Copy, Debug)]
pub struct Scopes {
    evaluations: u32,
    deadline: Option<Instant>,
    depth: usize,
    calls: usize,
}

/// The lambdas being applied, innermost last: what `.z.s`, `.Q.bt` and
/// the backtraces of errors read.
///
/// A call pushes a pointer to the `Func` it was given, not a clone: a
/// clone is an atomic increment and its drop an atomic decrement, a tenth
/// of the time of a small lambda's call (`{x+1} each til 1000000`).
/// Entries are read only through [`CallStack::last`] and
/// [`CallStack::to_vec`], which clone the functions out.
#[derive(Default)]
pub struct CallStack {
    frames: Vec<NonNull<Func>>,
}

// SAFETY: the pointers are read only by the thread that owns the
// interpreter, while the calls that pushed them run (see `push`); moving
// the interpreter to another thread between evaluations moves an empty
// stack (or one that the next `restore_scopes` truncates).
unsafe impl Send for CallStack {}

impl CallStack {
    /// Pushes the function a call is applying. The caller must pop it
    /// ([`CallStack::pop`]) before `func`'s borrow ends: `eval::call_lambda`
    /// pushes its own `&Func` argument and pops it before it returns; a
    /// panic that unwinds past the pop is caught where the interpreter
    /// saved its [`Scopes`], and [`Interp::restore_scopes`] truncates the
    /// stack back.
    pub(crate) fn push(&mut self, func: &Func) {
        self.frames.push(NonNull::from(func));
    }

    /// Pops the innermost call.
    pub(crate) fn pop(&mut self) {
        self.frames.pop();
    }

    /// How many calls are running.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether no lambda is running (top level).
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Forgets the calls above the first `n`.
    pub(crate) fn truncate(&mut self, n: usize) {
        self.frames.truncate(n);
    }

    /// The innermost running lambda.
    pub fn last(&self) -> Option<Func> {
        // SAFETY: every entry points to a `Func` whose call is still
        // running (`push`'s contract), so it is alive and unchanged.
        self.frames.last().map(|f| unsafe { f.as_ref() }.clone())
    }

    /// The running lambdas, outermost first.
    pub fn to_vec(&self) -> Vec<Func> {
        // SAFETY: as in `last`.
        self.frames
            .iter()
            .map(|f| unsafe { f.as_ref() }.clone())
            .collect()
    }
}

/// What the `q))` debugger's input gives it next
/// ([`DebugState::input`]).
pub enum DebugInput {
    /// A line typed at the `q))` prompt.
    Line(String),
    /// A message from a connection, served while suspended.
    Event(crate::ipc::Event),
    /// Standard input ended: every suspension is abandoned.
    End,
}

/// One suspended evaluation (one `)` of the `q))` prompt).
pub struct Suspension {
    /// How many lambdas were running when it suspended; the innermost of
    /// them is the suspended one.
    pub base: usize,
    /// The error that suspended it.
    pub error: QError,
    /// `.z.ex` and `.z.ey`: the failed primitive and its arguments.
    pub ex: Value,
    pub ey: Value,
    /// The frame `` ` `` and `.` have moved to: an index into the running
    /// lambdas (`base - 1` is the suspended one), or `None` for the
    /// console line itself (frame 0).
    pub at: Option<usize>,
}

/// The `q))` debugger's state (`eval/debugger.rs`).
#[derive(Default)]
pub struct DebugState {
    /// Where lines typed at the `q))` prompt come from, given the new
    /// nesting level; installed by the console. Without it nothing
    /// suspends.
    pub input: Option<Box<dyn FnMut(usize) -> DebugInput + Send>>,
    /// Whether an error inside a lambda suspends now: set while a console
    /// line runs in error-trap mode 1 (`\e 1`), cleared inside protected
    /// evaluation (`@`, `.`, `.Q.trp`) and while serving a connection.
    pub armed: bool,
    /// The suspended evaluations, outermost first.
    pub levels: Vec<Suspension>,
    /// The error (by address) a `\` at the `q))` prompt abandoned: it
    /// unwinds to where the suspended line was typed without suspending
    /// or printing again.
    pub aborted: Option<usize>,
    /// A new error signalled at the `q))` prompt (`'name`): it cuts back
    /// the suspended frame and suspends again in the caller.
    pub resignal: Option<usize>,
}

/// A view: an expression recomputed when read after its inputs change.
#[derive(Clone)]
struct View {
    source: String,
    namespace: Sym,
    deps: Vec<Sym>,
    cache: Option<Value>,
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
    pub partdb: Option<Arc<crate::storage::db::PartDb>>,
    /// Lambdas being applied, innermost last (`.z.s`, `.Q.bt`).
    pub calls: CallStack,
    /// The lambda stack when the last error left its innermost lambda,
    /// keyed by the error's address (`.Q.trp`).
    pub err_bt: Option<(usize, Vec<qcore::Func>)>,
    /// The top-level chunk being evaluated (frame 0 of `.Q.bt`).
    pub top_source: Option<Arc<str>>,
    /// Set by `reval`: assignment to a global signals `'noupdate`.
    pub no_update: bool,
    /// Running on a secondary thread (`peach`): besides `no_update`, no
    /// socket may be opened (`'nosocket`) and no system command that
    /// changes the process runs (`'noupdate`).
    pub secondary: bool,
    /// Views (`v::expr` at the top level), by full name.
    views: HashMap<Sym, View, foldhash::fast::RandomState>,
    /// Full names of the variables enumerations were made against
    /// (`builtins::enums`): a change to one makes its enumerations resolve
    /// again.
    enum_domains: Vec<Sym>,
    /// True once `.z.vs` may be set (cleared when a lookup finds it
    /// unset): global assignments look the callback up only then.
    value_set_hook: bool,
    /// Domains in `enum_domains` changed since their enumerations were last
    /// resolved ([`Interp::take_changed_domains`]).
    enum_changed: Vec<Sym>,
    /// Emptied slot vectors of finished lambda calls, reused by the next
    /// calls so that a call allocates nothing ([`crate::eval::call_lambda`]).
    pub slot_pool: Vec<Vec<Option<Value>>>,
    /// The `q))` debugger: suspended evaluations and its input.
    pub debug: DebugState,
    ticks: u32,
    /// Top-level evaluations running ([`Interp::evaluation`]).
    evaluations: u32,
    /// The evaluator, installed by the session that made this interpreter.
    evaluator: &'static dyn Evaluator,
}

impl Interp {
    /// A fresh interpreter evaluating with `evaluator` (the session's
    /// `Interp::new` installs the real one).
    pub fn with_evaluator(evaluator: &'static dyn Evaluator) -> Self {
        Interp {
            evaluator,
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
            calls: CallStack::default(),
            err_bt: None,
            top_source: None,
            no_update: false,
            secondary: false,
            views: HashMap::default(),
            enum_domains: Vec::new(),
            enum_changed: Vec::new(),
            slot_pool: Vec::new(),
            debug: DebugState::default(),
            value_set_hook: false,
            ticks: 0,
            evaluations: 0,
        }
    }

    /// A copy of this interpreter for a secondary thread (`peach`, `.Q.fc`):
    /// the same globals, views, settings, deadline, stop flag and
    /// restrictions; globals cannot be updated (`'noupdate`, as in q's
    /// secondary threads) and a nested `peach` runs on the thread itself.
    pub fn secondary(&self) -> Interp {
        let mut s = Interp::with_evaluator(self.evaluator);
        s.globals = self.globals.clone();
        s.views = self.views.clone();
        s.namespace = self.namespace;
        s.settings = self.settings.clone();
        s.settings.threads = 0;
        s.sandbox = self.sandbox;
        s.script_file = self.script_file.clone();
        s.script_args = self.script_args.clone();
        s.deadline = self.deadline;
        s.interrupt = self.interrupt.clone();
        s.ipc = self.ipc.for_secondary();
        s.partdb = self.partdb.clone();
        s.no_update = true;
        s.secondary = true;
        s
    }

    /// Called once per loop iteration and lambda call: a raised stop signal
    /// (Ctrl-C, the heap over the budget: [`qcore::budget`]) is seen at
    /// once, and every few thousand calls the deadline is checked too, so
    /// no loop is unstoppable and no loop of small allocations outgrows
    /// `-w`. Cheap enough for `do` loops (one atomic load).
    #[inline]
    pub fn tick(&mut self) -> QResult<()> {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks & 4095 == 0 || qcore::budget::raised() {
            return self.check_stop();
        }
        Ok(())
    }

    /// `'stop` when Ctrl-C was pressed or the deadline passed, `'wsfull`
    /// when the heap went over the budget: checked now.
    #[cold]
    pub fn check_stop(&mut self) -> QResult<()> {
        if self.interrupt.swap(false, Ordering::Relaxed) {
            return Err(QError::new("stop").with_detail("interrupted"));
        }
        if let Some(d) = self.deadline
            && Instant::now() >= d
        {
            return Err(QError::new("stop").with_detail("time limit reached"));
        }
        qcore::budget::poll()
    }

    /// The deadline `\T` sets for an evaluation starting now; `None` when
    /// `\T` is 0 (or so large it never comes).
    pub fn timeout_deadline(&self) -> Option<Instant> {
        let t = self.settings.timeout_secs;
        if t <= 0 {
            return None;
        }
        Instant::now().checked_add(std::time::Duration::from_secs(t as u64))
    }

    /// Runs one top-level evaluation (a console line, a script chunk, a
    /// client's request, a handler, the timer): the stop signals are
    /// cleared and the memory budget set when it starts, the deadline is
    /// `deadline` (kept for the kernels in [`qcore::budget`] too), and a
    /// signal raised while it ran (an over-budget heap seen only at the end)
    /// turns its result into the error. Nested calls (a script loaded by a
    /// line) run inside the outer one's scope.
    pub fn evaluation<T>(
        &mut self,
        deadline: Option<Instant>,
        f: impl FnOnce(&mut Interp) -> QResult<T>,
    ) -> QResult<T> {
        let outer = self.evaluations == 0;
        if outer {
            qcore::budget::begin();
        }
        let deadline = match (deadline, self.deadline) {
            (Some(d), Some(c)) => Some(d.min(c)),
            (d, c) => d.or(c),
        };
        let saved = std::mem::replace(&mut self.deadline, deadline);
        let saved_global = qcore::budget::set_deadline(deadline);
        self.evaluations += 1;
        let r = f(self);
        self.evaluations -= 1;
        self.deadline = saved;
        qcore::budget::set_deadline(saved_global);
        if outer { qcore::budget::settle(r) } else { r }
    }

    /// Where the evaluation scopes stand: saved before a `catch_unwind`, so
    /// that the scopes a panic unwound through can be forgotten
    /// ([`Interp::restore_scopes`]).
    pub fn scopes(&self) -> Scopes {
        Scopes {
            evaluations: self.evaluations,
            deadline: self.deadline,
            depth: self.depth,
            calls: self.calls.len(),
        }
    }

    /// Back to the scopes saved by [`Interp::scopes`] (after a panic).
    pub fn restore_scopes(&mut self, s: Scopes) {
        self.evaluations = s.evaluations;
        self.deadline = s.deadline;
        self.depth = s.depth;
        self.calls.truncate(s.calls);
        // the suspended evaluations a panic unwound through are gone
        self.debug.levels.retain(|l| l.base <= s.calls);
        qcore::budget::set_deadline(if s.evaluations == 0 { None } else { s.deadline });
    }

    /// Reads a global by full name; a name in a namespace falls back to the
    /// root name.
    pub fn get_global(&self, s: Sym) -> Option<Value> {
        self.globals.get(&s).cloned()
    }

    /// Mutable access to a global (for in-place update).
    pub fn global_mut(&mut self, s: Sym) -> Option<&mut Value> {
        self.invalidate(s);
        self.domain_changed(s);
        self.globals.get_mut(&s)
    }

    /// Removes and returns a global (for in-place update).
    pub fn take_global(&mut self, s: Sym) -> Option<Value> {
        self.domain_changed(s);
        self.globals.remove(&s)
    }

    /// Sets a global by full name (a view of that name stops being one).
    pub fn set_global(&mut self, s: Sym, v: Value) {
        self.domain_changed(s);
        self.set_global_appended(s, v);
    }

    /// [`Interp::set_global`] for a new value that only appends to the old
    /// one (an enumeration domain extended by `` `d?y ``), or whose
    /// enumerations were just resolved: its enumerations need no refresh.
    pub fn set_global_appended(&mut self, s: Sym, v: Value) {
        if !self.views.is_empty() {
            self.views.remove(&s);
            self.invalidate(s);
        }
        if s.as_str() == ".z.vs" {
            self.value_set_hook = true;
        }
        self.globals.insert(s, v);
    }

    /// `.z.vs`, the callback q runs after a global of the root namespace is
    /// assigned; `None` (one flag test) while it was never set.
    pub fn value_set_callback(&mut self) -> Option<Value> {
        if !self.value_set_hook {
            return None;
        }
        let f = self.get_global(Sym::new(".z.vs"));
        self.value_set_hook = f.is_some();
        f
    }

    /// Turns `.z.vs` off while it runs (so its own assignments do not call
    /// it again); returns the state for [`Interp::resume_value_set`].
    pub fn suspend_value_set(&mut self) -> bool {
        std::mem::replace(&mut self.value_set_hook, false)
    }

    /// Ends [`Interp::suspend_value_set`]: on again unless `.z.vs` was set
    /// meanwhile (which turned it on already).
    pub fn resume_value_set(&mut self, was: bool) {
        self.value_set_hook |= was;
    }

    /// Records that the global `s` is an enumeration domain.
    pub fn note_domain(&mut self, s: Sym) {
        if !self.enum_domains.contains(&s) {
            self.enum_domains.push(s);
        }
    }

    /// Marks domain `s` changed (nothing when `s` is no domain).
    fn domain_changed(&mut self, s: Sym) {
        if self.enum_domains.contains(&s) && !self.enum_changed.contains(&s) {
            self.enum_changed.push(s);
        }
    }

    /// The domains changed since the last call, whose enumerations must be
    /// resolved again (empty nearly always: checked on every global read).
    pub fn take_changed_domains(&mut self) -> Vec<Sym> {
        std::mem::take(&mut self.enum_changed)
    }

    /// True when a domain changed since [`Interp::take_changed_domains`].
    pub fn domains_changed(&self) -> bool {
        !self.enum_changed.is_empty()
    }

    /// The full names of every global, in no order.
    pub fn global_names(&self) -> impl Iterator<Item = Sym> + '_ {
        self.globals.keys().copied()
    }

    /// Defines the view `s` (`s::expr`): `source` is evaluated in
    /// `namespace` when the view is read and one of `deps` (full names)
    /// has changed since.
    pub fn define_view(&mut self, s: Sym, source: String, namespace: Sym, deps: Vec<Sym>) {
        self.globals.remove(&s);
        self.invalidate(s);
        self.views.insert(
            s,
            View {
                source,
                namespace,
                deps,
                cache: None,
            },
        );
    }

    /// The value of the view `s`, computed if pending; `None` when `s` is
    /// not a view.
    pub fn view_value(&mut self, s: Sym) -> Option<QResult<Value>> {
        let v = self.views.get(&s)?;
        if let Some(c) = &v.cache {
            return Some(Ok(c.clone()));
        }
        let (src, ns) = (v.source.clone(), v.namespace);
        let saved = std::mem::replace(&mut self.namespace, ns);
        let r = self.eval_text(&src);
        self.namespace = saved;
        if let (Ok(val), Some(v)) = (&r, self.views.get_mut(&s)) {
            v.cache = Some(val.clone());
        }
        Some(r)
    }

    /// True when `s` is a view.
    pub fn is_view(&self, s: Sym) -> bool {
        self.views.contains_key(&s)
    }

    /// The expression of the view `s` (`view`).
    pub fn view_source(&self, s: Sym) -> Option<String> {
        self.views.get(&s).map(|v| v.source.clone())
    }

    /// The names of the views, sorted; with `pending`, only those to be
    /// recomputed when next read (`\B`).
    pub fn view_names(&self, pending: bool) -> Vec<Sym> {
        let mut out: Vec<Sym> = self
            .views
            .iter()
            .filter(|(_, v)| !pending || v.cache.is_none())
            .map(|(k, _)| *k)
            .collect();
        out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        out
    }

    /// Each name some view reads, with the views that read it, both sorted
    /// (`.z.b`).
    pub fn view_dependents(&self) -> Vec<(Sym, Vec<Sym>)> {
        let mut out: Vec<(Sym, Vec<Sym>)> = Vec::new();
        for (view, v) in self.views.iter() {
            for d in &v.deps {
                match out.iter_mut().find(|(k, _)| k == d) {
                    Some((_, vs)) => vs.push(*view),
                    None => out.push((*d, vec![*view])),
                }
            }
        }
        out.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        for (_, vs) in out.iter_mut() {
            vs.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        }
        out
    }

    /// Marks the views that depend on `s` (and on those, in turn) pending.
    fn invalidate(&mut self, s: Sym) {
        if self.views.is_empty() {
            return;
        }
        let mut todo = vec![s];
        let mut seen = vec![s];
        while let Some(n) = todo.pop() {
            for (k, v) in self.views.iter_mut() {
                if v.deps.contains(&n) && !seen.contains(k) {
                    v.cache = None;
                    seen.push(*k);
                    todo.push(*k);
                }
            }
        }
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

    /// A namespace as a value: `.u` is the dictionary `` ``i`L!(::;..) `` of
    /// its names (q's namespaces start with the empty name holding `::`),
    /// a namespace inside it a dictionary again; `` `. `` is the root's
    /// variables. `None` when nothing is defined under `ns`.
    pub fn namespace_value(&self, ns: &str) -> Option<Value> {
        let root = ns == ".";
        if !root && !ns.starts_with('.') {
            return None;
        }
        let prefix = if root {
            String::new()
        } else {
            format!("{ns}.")
        };
        let mut names: Vec<&str> = Vec::new();
        for k in self.globals.keys() {
            let t = k.as_str();
            let rest = if root {
                if t.starts_with('.') {
                    continue;
                }
                t
            } else {
                match t.strip_prefix(prefix.as_str()) {
                    Some(r) if !r.is_empty() => r,
                    _ => continue,
                }
            };
            let head = rest.split('.').next().unwrap_or(rest);
            if !head.is_empty() && !names.contains(&head) {
                names.push(head);
            }
        }
        // q's own definitions in the namespace (`.q.neg`, `.Q.f`), which a
        // global of the same name replaces
        let builtins = if root {
            Vec::new()
        } else {
            self.evaluator.builtin_namespace(ns)
        };
        for (n, _) in &builtins {
            if !names.contains(n) {
                names.push(n);
            }
        }
        if names.is_empty() {
            return None;
        }
        if ns == ".q" {
            // `.q` lists q's definitions in q's order (the builtins' order)
            let at = |n: &str| builtins.iter().position(|b| b.0 == n).unwrap_or(usize::MAX);
            names.sort_by(|a, b| at(a).cmp(&at(b)).then(a.cmp(b)));
        } else {
            names.sort_unstable();
        }
        let mut keys = Vec::with_capacity(names.len() + 1);
        let mut vals = Vec::with_capacity(names.len() + 1);
        if !root {
            keys.push(Sym::new(""));
            vals.push(Value::Nil);
        }
        for n in names {
            let full = format!("{prefix}{n}");
            let v = match self.globals.get(&Sym::new(&full)) {
                Some(v) => v.clone(),
                None => match self.namespace_value(&full) {
                    Some(v) => v,
                    None => match builtins.iter().find(|b| b.0 == n) {
                        Some(b) => b.1.clone(),
                        None => continue,
                    },
                },
            };
            keys.push(Sym::new(n));
            vals.push(v);
        }
        Some(Value::dict(
            Value::Vector(qcore::Vector::syms(keys)),
            Value::from_items(vals),
        ))
    }

    /// The value of a full name: a global, else a namespace as a dictionary.
    pub fn name_value(&self, s: Sym) -> Option<Value> {
        self.get_global(s)
            .or_else(|| self.namespace_value(s.as_str()))
    }

    /// Applies a lambda to exactly its arguments: runs its body (the
    /// evaluator's part of application; the rest is
    /// [`crate::builtins::apply::apply`]).
    pub fn call_lambda(&mut self, f: &Func, args: LambdaArgs) -> QResult<Value> {
        let e = self.evaluator;
        e.call_lambda(self, f, args)
    }

    /// Parses and evaluates q source text in the current namespace:
    /// `value "..."`.
    pub fn eval_text(&mut self, src: &str) -> QResult<Value> {
        let e = self.evaluator;
        e.eval_text(self, src)
    }

    /// Evaluates a parse tree: q's `eval`.
    pub fn eval_tree(&mut self, tree: &Value) -> QResult<Value> {
        let e = self.evaluator;
        e.eval_tree(self, tree)
    }

    /// The parse tree of q source text: q's `parse`.
    pub fn parse_text(&mut self, src: &str) -> QResult<Value> {
        let e = self.evaluator;
        e.parse_text(self, src)
    }

    /// Runs a system command given without its backslash: `system "t 1"`.
    pub fn system(&mut self, cmd: &str) -> QResult<Outcome> {
        let e = self.evaluator;
        e.system(self, cmd)
    }

    /// Where in lambda `f`'s text an error located at `loc` is (the
    /// evaluator's [`Evaluator::caret_in`]).
    pub fn caret_in(&self, f: &Func, loc: &qcore::Location) -> Option<usize> {
        self.evaluator.caret_in(f, loc)
    }
}

/// The arguments of a lambda call. One and two arguments (every `each`,
/// `over`, `scan` step) travel without an argument vector, so a call of a
/// small lambda allocates nothing.
pub enum LambdaArgs {
    One(Value),
    Two(Value, Value),
    Many(Vec<Value>),
}

/// The evaluator as the library sees it: what `builtins` and `query` need
/// of evaluation, implemented by the session over [`crate::eval`]. Taking
/// these through a trait object keeps the library below the evaluator in
/// the import graph; a call costs one indirect jump.
pub trait Evaluator: Sync {
    /// Runs lambda `f`'s body with exactly its arguments.
    fn call_lambda(&self, it: &mut Interp, f: &Func, args: LambdaArgs) -> QResult<Value>;
    /// Parses and evaluates q source text.
    fn eval_text(&self, it: &mut Interp, src: &str) -> QResult<Value>;
    /// Evaluates a parse tree.
    fn eval_tree(&self, it: &mut Interp, tree: &Value) -> QResult<Value>;
    /// Parses q source text into a parse tree.
    fn parse_text(&self, it: &mut Interp, src: &str) -> QResult<Value>;
    /// Runs a system command (without its backslash).
    fn system(&self, it: &mut Interp, cmd: &str) -> QResult<Outcome>;
    /// The builtins q defines directly in namespace `ns` (`.q`, `.Q` …),
    /// by name within it, sorted.
    fn builtin_namespace(&self, ns: &str) -> Vec<(&'static str, Value)>;
    /// The byte offset in lambda `f`'s text of an error located at `loc`,
    /// when `loc` is inside that text (for the caret of a frame line).
    fn caret_in(&self, f: &Func, loc: &qcore::Location) -> Option<usize>;
}

/// Full name of `name` read or written from namespace `ns` (`.` is root).
pub fn qualify(ns: Sym, name: &str) -> Sym {
    if name.starts_with('.') || ns.is_null() || ns.as_str() == "." {
        Sym::new(name)
    } else {
        Sym::new(&format!("{}.{}", ns.as_str(), name))
    }
}

// ---------------------------------------------------------------------------
// Memory: .Q.w, \w

/// Physical memory in bytes (q's `mphy`).
pub fn physical_memory() -> i64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<i64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// `used heap peak wmax mmap mphy syms symw`, as `\w` and `.Q.w` report
/// them: heap bytes in use; the heap (borf returns freed blocks to the
/// system allocator, so the heap is what is in use); the process's
/// high-water mark; the `-w` limit in bytes (0: none); bytes of mapped
/// column files; physical memory; interned symbols and their bytes.
pub fn workspace() -> [i64; 8] {
    let used = qcore::budget::used() as i64;
    let peak = qcore::budget::max_peak() as i64;
    let (syms, symw) = qcore::sym::stats();
    [
        used,
        used,
        peak.max(used),
        qcore::budget::wmax() as i64,
        qstorage::column::mapped_bytes() as i64,
        physical_memory(),
        syms as i64,
        symw as i64,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The call stack's entries are readable while their calls run, nested
    /// calls stack innermost last, and an error or a restored scope leaves
    /// nothing behind to be read after the calls ended.
    #[test]
    fn call_stack_holds_running_calls_only() {
        let mut it = Interp::new();
        let v = it
            .eval_text("f:{.z.s}; g:{(.z.s; f[])}; r:g[]; (r[0]~g; r[1]~f)")
            .expect("eval");
        assert_eq!(
            format!("{v:?}"),
            format!(
                "{:?}",
                Value::Vector(qcore::Vector::bools(vec![true, true]))
            )
        );
        assert!(it.calls.is_empty());
        assert!(it.eval_text("h:{'oops}; k:{h x}; k 1").is_err());
        assert!(it.calls.is_empty());
        let scopes = it.scopes();
        let Value::Func(f) = it.eval_text("{x}").expect("lambda") else {
            panic!("not a lambda")
        };
        it.calls.push(&f);
        it.calls.push(&f);
        assert_eq!(it.calls.len(), 2);
        assert!(matches!(it.calls.last(), Some(Func::Lambda(_))));
        assert_eq!(it.calls.to_vec().len(), 2);
        it.restore_scopes(scopes);
        assert!(it.calls.is_empty());
        assert!(it.calls.last().is_none());
    }
}
