//! The one interpreter of the process, on a thread of its own.
//!
//! Why a thread: an `Interp` is used by one thread at a time (an
//! architecture invariant of qengine), Python may call from any of its
//! threads, and deep q recursion needs the large stack the `borf` binary
//! gives its interpreter thread (so it ends in `'stack`, not a crash). Every
//! request is a closure sent over a channel and run there in arrival order;
//! the caller releases the GIL while it waits, so other Python threads run
//! meanwhile, and polls Python's signals so that Ctrl-C stops the running
//! evaluation with q's `'stop` (the waiting call then raises
//! `KeyboardInterrupt`).
//!
//! The thread is started by the first request and lives as long as the
//! process; its globals persist between calls.

use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use qengine::Interp;

/// Stack of the interpreter thread, as in the `borf` binary. Only touched
/// pages are committed, so the reservation costs nothing until used.
const STACK_BYTES: usize = 512 << 20;

/// How often a waiting caller looks at Python's signals.
const POLL: Duration = Duration::from_millis(50);

type Job = Box<dyn FnOnce(&mut Interp) + Send>;

static JOBS: OnceLock<Result<mpsc::Sender<Job>, String>> = OnceLock::new();

/// The channel to the interpreter thread, starting it on first use.
fn jobs() -> PyResult<&'static mpsc::Sender<Job>> {
    let r = JOBS.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("borf-interp".into())
            .stack_size(STACK_BYTES)
            .spawn(move || {
                qengine::alloc::install();
                let mut it = Interp::new();
                while let Ok(job) = rx.recv() {
                    job(&mut it);
                }
            })
            .map(|_| tx)
            .map_err(|e| format!("cannot start the interpreter thread: {e}"))
    });
    r.as_ref().map_err(|e| PyRuntimeError::new_err(e.clone()))
}

/// Runs `f` on the interpreter thread and returns its result. The GIL is
/// released while waiting; a panic inside `f` (a bug in borf) becomes a
/// `RuntimeError` and the interpreter carries on.
pub fn run<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Interp) -> T + Send + 'static,
{
    let tx = jobs()?;
    let (reply, answer) = mpsc::sync_channel::<Result<T, String>>(1);
    let job: Job = Box::new(move |it: &mut Interp| {
        let scopes = it.scopes();
        let r = panic::catch_unwind(AssertUnwindSafe(|| f(&mut *it)));
        let r = r.map_err(|p| {
            // the unwind skipped the evaluator's own bookkeeping
            it.restore_scopes(scopes);
            panic_text(p)
        });
        let _ = reply.send(r);
    });
    tx.send(job)
        .map_err(|_| PyRuntimeError::new_err("the borf interpreter thread has stopped"))?;
    let (r, interrupted) = py.detach(move || {
        let mut interrupted: Option<PyErr> = None;
        loop {
            match answer.recv_timeout(POLL) {
                Ok(r) => return (Some(r), interrupted),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if interrupted.is_none()
                        && let Err(e) = Python::attach(|py| py.check_signals())
                    {
                        // stop the evaluation; its 'stop result is dropped
                        qengine::budget::interrupt();
                        interrupted = Some(e);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return (None, interrupted),
            }
        }
    });
    if let Some(e) = interrupted {
        return Err(if e.is_instance_of::<PyKeyboardInterrupt>(py) {
            e
        } else {
            PyKeyboardInterrupt::new_err(e.to_string())
        });
    }
    match r {
        Some(Ok(v)) => Ok(v),
        Some(Err(msg)) => Err(PyRuntimeError::new_err(format!(
            "internal error in borf (please report it): {msg}"
        ))),
        None => Err(PyRuntimeError::new_err(
            "the borf interpreter thread has stopped",
        )),
    }
}

/// Posts `f` to the interpreter thread without waiting (for `Drop`, which
/// may run without the GIL's cooperation).
pub fn post<F>(f: F)
where
    F: FnOnce(&mut Interp) + Send + 'static,
{
    if let Some(Ok(tx)) = JOBS.get() {
        let _ = tx.send(Box::new(move |it: &mut Interp| {
            let scopes = it.scopes();
            if panic::catch_unwind(AssertUnwindSafe(|| f(&mut *it))).is_err() {
                it.restore_scopes(scopes);
            }
        }));
    }
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
