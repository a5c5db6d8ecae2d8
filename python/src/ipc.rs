//! `borf.connect`: a kdb+ IPC client.
//!
//! The connection is opened by the process's interpreter with its own
//! `hopen` (`qengine::ipc::client`: handshake, credentials, timeout,
//! qipc's codec) and used with its `h x` / `neg[h] x`, so a remote that
//! calls back during a request is served as q serves it, and results
//! convert as `borf.q`'s do.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use qcore::{Atom, Value};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::value::{Q, wrap};
use crate::{frompy, interp, qerror};

/// An open kdb+ IPC connection. Call it with q text, or with a function
/// name and arguments; use it as a context manager to close it.
#[pyclass(module = "borf", frozen)]
pub struct Connection {
    handle: i32,
    closed: AtomicBool,
}

/// Opens a kdb+ IPC connection to `host:port` (a `borf -p` or a q
/// process), logging in as `user:password` when given; `timeout` is in
/// seconds (None waits as long as the system does).
#[pyfunction]
#[pyo3(signature = (host="localhost", port=5000, user=None, password=None, timeout=None))]
pub fn connect(
    py: Python<'_>,
    host: &str,
    port: u16,
    user: Option<&str>,
    password: Option<&str>,
    timeout: Option<f64>,
) -> PyResult<Connection> {
    if host.contains(':') || user.is_some_and(|u| u.contains(':')) {
        return Err(PyValueError::new_err(
            "host and user cannot contain ':' (q's handle syntax separates by it)",
        ));
    }
    let mut spec = format!(":{host}:{port}");
    if user.is_some() || password.is_some() {
        spec = format!("{spec}:{}:{}", user.unwrap_or(""), password.unwrap_or(""));
    }
    let target = match timeout {
        Some(t) => Value::list(vec![
            Value::sym(&spec),
            Value::long((t * 1000.0).ceil().max(1.0) as i64),
        ]),
        None => Value::sym(&spec),
    };
    let r = interp::run(py, move |it| qengine::ipc::hopen(it, target))?;
    let h = match r.map_err(qerror)? {
        Value::Atom(a) => a.to_i64().unwrap_or(0) as i32,
        _ => 0,
    };
    Ok(Connection {
        handle: h,
        closed: AtomicBool::new(false),
    })
}

#[pymethods]
impl Connection {
    /// Sends a sync request and returns the response: `conn("expr")`, or
    /// `conn("f", x, y)` for q's `h("f";x;y)`. A q error on the remote
    /// raises `borf.QError` with its name.
    #[pyo3(signature = (query, *args))]
    fn __call__(
        &self,
        py: Python<'_>,
        query: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<Q>> {
        let msg = self.message(query, args)?;
        let h = self.handle;
        let r = interp::run(py, move |it| {
            it.evaluation(it.timeout_deadline(), |it| qengine::ipc::send(it, h, msg))
        })?;
        wrap(py, r.map_err(qerror)?)
    }

    /// Sends an async message (q's `neg[h] x`): nothing comes back.
    #[pyo3(signature = (query, *args))]
    fn send_async(
        &self,
        py: Python<'_>,
        query: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        let msg = self.message(query, args)?;
        let h = self.handle;
        let r = interp::run(py, move |it| {
            qengine::ipc::send(it, -h, msg)?;
            // flush, so the message is on its way when this returns
            qengine::ipc::send(it, -h, vec![Value::Nil])
        })?;
        r.map(|_| ()).map_err(qerror)
    }

    /// The connection's handle in the process's interpreter.
    #[getter]
    fn handle(&self) -> i32 {
        self.handle
    }

    /// Closes the connection (again: nothing happens).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if self.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let h = self.handle;
        let r = interp::run(py, move |it| {
            qengine::ipc::hclose(it, Value::Atom(Atom::Int(h)))
        })?;
        r.map(|_| ()).map_err(qerror)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        let state = if self.closed.load(Ordering::SeqCst) {
            "closed"
        } else {
            "open"
        };
        format!("<borf.Connection handle {} ({state})>", self.handle)
    }
}

impl Connection {
    /// The message for `h x`: q text as a string, or `(f;x;y...)`.
    fn message(&self, query: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>) -> PyResult<Vec<Value>> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(qerror(qengine::QError::new("close")));
        }
        // a str query is q text (a string), not a symbol
        let q = match query.extract::<String>() {
            Ok(s) => Value::string(&s),
            Err(_) => frompy::to_q(query)?,
        };
        let mut msg = vec![q];
        for a in args.iter() {
            msg.push(frompy::to_q(&a)?);
        }
        Ok(msg)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if !self.closed.swap(true, Ordering::SeqCst) {
            let h = self.handle;
            interp::post(move |it| {
                let _ = qengine::ipc::hclose(it, Value::Atom(Atom::Int(h)));
            });
        }
    }
}
