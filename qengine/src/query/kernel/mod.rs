//! The compiled-expression core (issue 6, first slice).
//!
//! qSQL `where` constraints and select/by phrases are compiled from their
//! parse trees (the functional forms `builtins::qsql` evaluates) into small
//! register programs ([`compile`]) that run over row chunks of [`CHUNK`]
//! rows ([`exec`]): each constraint narrows a selection vector (in order:
//! later constraints only see survivors), aggregates consume the selection
//! without materialising intermediate columns, and group-by keys map to
//! per-group accumulators (through dense composite ids when the key ranges
//! are small, else a hash). Registers, selection vectors and accumulators
//! are allocated once per query (per worker) and reused across chunks;
//! [`chunk_allocs`] counts every time one of them had to grow inside the
//! chunk loop.
//!
//! Anything the compiler does not cover returns `None` and the interpreter
//! (`qsql/`) runs unchanged, so results are identical either way; the
//! golden suite is run both ways (`repl/tests/golden.rs`, `BORF_COMPILE`).
//!
//! [`event`] holds the row-at-a-time form: a fixed-layout event row used by
//! single-row `insert`/`upsert`.
//!
//! Switch: on by default; `\compile 0` / `\compile 1` or the environment variable
//! `BORF_COMPILE=0` turn it off / on.

pub mod compile;
pub mod event;
pub mod exec;

use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU8;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;

use crate::state::Interp;
use qcore::QResult;
use qcore::Table;
use qcore::Value;

/// Rows per chunk.
pub const CHUNK: usize = 4096;

/// Rows from which chunks run in parallel (rayon). On this 2-core machine
/// the fork/join cost only pays off from a few million rows.
pub const PAR_MIN_ROWS: usize = 4_000_000;

// 0: not yet read from `BORF_PAR_MIN_ROWS`.
static PAR_MIN: AtomicUsize = AtomicUsize::new(0);

/// The parallel threshold in use: `BORF_PAR_MIN_ROWS` if set, else
/// [`PAR_MIN_ROWS`] (tests lower it to exercise the split).
pub fn par_min_rows() -> usize {
    match PAR_MIN.load(Ordering::Relaxed) {
        0 => {
            let n = std::env::var("BORF_PAR_MIN_ROWS")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(PAR_MIN_ROWS)
                .max(CHUNK);
            let _ = PAR_MIN.compare_exchange(0, n, Ordering::Relaxed, Ordering::Relaxed);
            PAR_MIN.load(Ordering::Relaxed)
        }
        n => n,
    }
}

/// Sets the parallel threshold (tests and benchmarks).
pub fn set_par_min_rows(n: usize) {
    PAR_MIN.store(n.max(CHUNK), Ordering::Relaxed);
}

// 0: not yet read from the environment, 1: off, 2: on.
static STATE: AtomicU8 = AtomicU8::new(0);
static CHUNK_ALLOCS: AtomicU64 = AtomicU64::new(0);
static COMPILED_RUNS: AtomicU64 = AtomicU64::new(0);
static INIT: AtomicBool = AtomicBool::new(false);

/// Whether the compiled path is on (`\compile`, `BORF_COMPILE`).
pub fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let on = std::env::var("BORF_COMPILE").map_or(true, |v| v.trim() != "0");
            if !INIT.swap(true, Ordering::Relaxed) {
                STATE.store(if on { 2 } else { 1 }, Ordering::Relaxed);
            }
            on
        }
    }
}

/// Turns the compiled path on or off (`\compile 1`, `\compile 0`).
pub fn set_enabled(on: bool) {
    INIT.store(true, Ordering::Relaxed);
    STATE.store(if on { 2 } else { 1 }, Ordering::Relaxed);
}

/// `\compile` / `\compile 0|1`.
pub fn system_command(rest: &str) -> QResult<crate::state::Outcome> {
    use crate::state::Outcome;
    match rest.trim() {
        "" => Ok(Outcome::Value(Value::int(enabled() as i32))),
        "0" => {
            set_enabled(false);
            Ok(Outcome::Silent)
        }
        "1" => {
            set_enabled(true);
            Ok(Outcome::Silent)
        }
        _ => Err(qcore::QError::domain()),
    }
}

/// Number of times a reused buffer had to grow inside a chunk loop (a
/// debug/test counter: after warm-up it must stay where it is).
pub fn chunk_allocs() -> u64 {
    CHUNK_ALLOCS.load(Ordering::Relaxed)
}

/// Number of queries (or where clauses) the compiled path answered.
pub fn compiled_runs() -> u64 {
    COMPILED_RUNS.load(Ordering::Relaxed)
}

thread_local! {
    static DENSE_RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Number of grouped selects on this thread whose keys went through dense
/// composite ids (a test counter; per thread, so concurrent tests do not
/// disturb it).
pub fn dense_runs() -> u64 {
    DENSE_RUNS.with(|c| c.get())
}

pub(crate) fn note_dense() {
    DENSE_RUNS.with(|c| c.set(c.get() + 1));
}

/// How a compiled select ran (see [`path_runs`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// No where, no by: each aggregate over its whole column.
    Whole = 0,
    /// Row ranges in parallel, ordered aggregates folded after, in order.
    Split = 1,
    /// Two-stage pipeline (no where, ordered aggregates).
    Piped = 2,
    /// Blocks of rows sorted by group, the groups folded on all cores
    /// (a by, ordered aggregates).
    ByGroup = 3,
    /// Rows partitioned by a hash of their keys, each partition's groups
    /// on a core of their own (hashed keys, about as many groups as rows).
    Partitioned = 4,
    /// A lone key that never descends: its runs of equal items are the
    /// groups, with no table (alongside one of the runs above).
    Runs = 5,
}

thread_local! {
    static PATH_RUNS: std::cell::Cell<[u64; 6]> = const { std::cell::Cell::new([0; 6]) };
}

/// Per [`Path`], the selects on this thread that took it (a test counter).
pub fn path_runs() -> [u64; 6] {
    PATH_RUNS.with(|c| c.get())
}

pub(crate) fn note_path(p: Path) {
    PATH_RUNS.with(|c| {
        let mut v = c.get();
        v[p as usize] += 1;
        c.set(v);
    });
}

pub(crate) fn note_alloc() {
    CHUNK_ALLOCS.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn note_run() {
    COMPILED_RUNS.fetch_add(1, Ordering::Relaxed);
}

/// Compiled `where`: the table rows satisfying every constraint of `cs`,
/// or `None` when a constraint is not compiled (the interpreter runs).
pub fn narrow(it: &Interp, t: &Table, cs: &[Value]) -> Option<Vec<i64>> {
    if !enabled() || cs.is_empty() {
        return None;
    }
    let prog = compile::compile_where(it, t, cs)?;
    // one row (an event handed to a handler): the row form of the program
    let rows = event::narrow_one(t, &prog).or_else(|| exec::run_narrow(t, &prog))?;
    note_run();
    Some(rows)
}

/// Compiled `select` with aggregates (`?[t;c;b;a]`, `b` `0b` or a by
/// dictionary of column names, `a` a dictionary of aggregates), or `None`.
pub fn select(
    it: &mut Interp,
    t: &Table,
    c: &Value,
    b: &Value,
    a: &Value,
) -> Option<QResult<Value>> {
    if !enabled() {
        return None;
    }
    if let Some(q) = compile::compile_select(it, t, c, b, a) {
        let r = exec::run_select(t, &q)?;
        note_run();
        return Some(r);
    }
    computed_keys(it, t, c, b, a)
}

/// Whether the builtin at registry row `id` depends on its arguments
/// only (every form it has is the registry's `Pure` or `PureEnum`): no globals,
/// settings, evaluation of what a name or string denotes, or I/O.
fn pure_builtin(id: u16) -> bool {
    use crate::registry::Dyad;
    use crate::registry::Monad;
    use crate::registry::Nary;
    let Some(b) = crate::registry::BUILTINS.get(id as usize) else {
        return false;
    };
    !matches!(b.monad, Some(Monad::State(_) | Monad::StateEnum(_)))
        && !matches!(b.dyad, Some(Dyad::State(_) | Dyad::StateEnum(_)))
        && !matches!(b.nary, Some(Nary::State(_)))
        && (b.monad.is_some() || b.dyad.is_some() || b.nary.is_some())
}

/// Whether evaluating the parse tree `e` over `t` only calls pure
/// builtins ([`pure_builtin`]) on columns and data (no lambda, no name of
/// a function value): evaluating it twice is then unobservable.
pub(crate) fn pure_tree(it: &Interp, t: &Table, e: &Value) -> bool {
    use qcore::Atom;
    use qcore::Func;
    match e {
        Value::Atom(Atom::Symbol(s)) => {
            if t.names.contains(s) || s.as_str() == "i" {
                return true;
            }
            match crate::query::qsql::global_of(it, *s) {
                Some(Value::Func(_)) => false,
                Some(_) => true,
                None => match crate::registry::lookup(s.as_str()) {
                    Some(id) => pure_builtin(id),
                    // a temporal field of a column, or 'undefined
                    None => true,
                },
            }
        }
        Value::List(l) if l.len() == 1 => true,
        Value::List(l) => l.iter().all(|x| pure_tree(it, t, x)),
        Value::Func(Func::Builtin(p)) => pure_builtin(p.id),
        Value::Func(_) => false,
        _ => true,
    }
}

/// A select whose by keys are computed by expressions (`by exnames ex`,
/// `by sums differ sym`), with no where clause:
/// the keys are evaluated by the interpreter over the whole table, as
/// `qsql::select_by` evaluates them, and grouped by the compiled core as
/// extra columns. Only when the aggregates compile and every computed key
/// is pure ([`pure_tree`]): should the compiled run then decline, the
/// interpreter evaluating the keys again is unobservable.
fn computed_keys(
    it: &mut Interp,
    t: &Table,
    c: &Value,
    b: &Value,
    a: &Value,
) -> Option<QResult<Value>> {
    let Value::Dict(bd) = b else { return None };
    if !compile::constraints(c).is_empty() {
        return None;
    }
    let exprs = bd.values.items();
    if exprs.len() > 4 || !exprs.iter().all(|e| pure_tree(it, t, e)) {
        return None;
    }
    // the aggregates must compile on their own
    compile::compile_select(it, t, c, &Value::Atom(qcore::Atom::Bool(false)), a)?;
    let n = t.len();
    let mut t2 = t.clone();
    let mut keys = Vec::with_capacity(exprs.len());
    for (k, e) in exprs.iter().enumerate() {
        if compile::plain_key(it, t, e) {
            keys.push(e.clone());
            continue;
        }
        let mut ctx = crate::query::qsql::Ctx::new(t, None);
        let v = match crate::query::qsql::eval_tree(it, &mut ctx, e) {
            Ok(v) => v,
            Err(err) => return Some(Err(err)),
        };
        if !matches!(&v, Value::Vector(_)) || v.count() != n {
            return None;
        }
        // a name no parsed column can have
        let name = qcore::Sym::new(&format!(" by{k}"));
        t2.names.push(name);
        t2.columns.push(v);
        keys.push(Value::Atom(qcore::Atom::Symbol(name)));
    }
    let b2 = Value::dict(bd.keys.clone(), Value::from_items(keys));
    let q = compile::compile_select(it, &t2, c, &b2, a)?;
    let r = exec::run_select(&t2, &q)?;
    note_run();
    Some(r)
}

#[cfg(test)]
mod tests;
