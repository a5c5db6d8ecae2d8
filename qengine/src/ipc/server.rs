//! The server: the listener (`-p`, `\p`), one reader thread per accepted
//! connection (handshake, framed messages), and the interpreter side of
//! each event: the login (`-u`/`-U`, `.z.pw`, `.z.po`), requests evaluated
//! by `.z.pg`/`.z.ps` or `value`, responses, and `.z.pc`. Handlers run with
//! `.z.w`, `.z.u` and `.z.a` set to the connection's.

use std::io::Read;
use std::io::Write;
use std::net::IpAddr;
use std::net::Shutdown;
use std::net::SocketAddr;
use std::net::TcpListener;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use super::Conn;
use super::Event;
use super::Inbound;
use super::Listener;
use super::Sink;
use super::access::check_command;
use super::access::password_ok;
use super::ip_int;
use super::next_handle;
use super::transport::RUN;
use super::transport::Writer;
use super::transport::buffered_whole;
use super::transport::drop_conn;
use super::transport::guard_socket;
use super::transport::io_err;
use super::transport::read_unframed;
use super::transport::send_bytes;
use crate::builtins::apply::apply;
use crate::state::Interp;
use crate::state::Outcome;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qipc::Body;

/// How long a client may take to send its credentials.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// `\p`, `\p N`, `\p host:N`: shows or sets the listening port (0 stops;
/// negative: multithreaded input mode, shown negative).
pub fn system_p(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        let p = it.ipc.port() as i32;
        return Ok(Outcome::Value(Value::int(if it.ipc.multithreaded {
            -p
        } else {
            p
        })));
    }
    listen(it, rest)?;
    Ok(Outcome::Silent)
}

/// Starts (or with port 0 stops) the listener: `N` (all interfaces) or
/// `host:N`. A negative port `-N` listens on `N` in q's multithreaded
/// input mode: borf serves its clients on the one event loop as ever, but
/// with that mode's restrictions (docs/DECISIONS.md): a client's handler
/// may not update globals (`'noupdate`) nor use a socket (`'nosocket`, but
/// one-shot requests), and `.z.po`/`.z.pc` are not called.
pub fn listen(it: &mut Interp, spec: &str) -> QResult<()> {
    let (host, port) = match spec.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p),
        None => ("0.0.0.0".to_string(), spec),
    };
    let mut port: i64 = port.trim().parse().map_err(|_| QError::type_())?;
    let multithreaded = port < 0;
    if multithreaded {
        port = port.checked_neg().ok_or_else(QError::domain)?;
    }
    if port > 65535 {
        return Err(QError::domain());
    }
    if let Some(l) = it.ipc.listener.take() {
        l.stop.store(true, Ordering::Relaxed);
    }
    if port == 0 {
        return Ok(());
    }
    let sink = it
        .ipc
        .sink
        .clone()
        .ok_or_else(|| QError::nyi("listening without the borf event loop"))?;
    let host = if host.is_empty() {
        "0.0.0.0".into()
    } else {
        host
    };
    let l = TcpListener::bind((host.as_str(), port as u16))
        .map_err(|e| QError::new(format!("{port}: {e}")))?;
    l.set_nonblocking(true).map_err(io_err)?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let limit = it.ipc.limit;
    std::thread::Builder::new()
        .name("borf-listen".into())
        .spawn(move || accept_loop(l, stop2, sink, limit))
        .map_err(io_err)?;
    it.ipc.listener = Some(Listener {
        port: port as u16,
        stop,
    });
    it.ipc.multithreaded = multithreaded;
    Ok(())
}

fn accept_loop(l: TcpListener, stop: Arc<AtomicBool>, sink: Sink, limit: usize) {
    while !stop.load(Ordering::Relaxed) {
        match l.accept() {
            Ok((s, peer)) => {
                let sink = sink.clone();
                let _ = s.set_nonblocking(false);
                let _ = std::thread::Builder::new()
                    .name("borf-conn".into())
                    .stack_size(4 << 20)
                    .spawn(move || serve_conn(s, peer, sink, limit));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Reads the login bytes up to their NUL; `None` for a login longer than
/// [`qipc::handshake::MAX_CREDENTIALS`], a close, or one not complete
/// within [`HANDSHAKE_TIMEOUT`] or the stall time if shorter (however
/// slowly its bytes trickle in).
fn read_handshake(s: &mut TcpStream) -> Option<qipc::handshake::Login> {
    let mut buf = Vec::new();
    let mut b = [0u8; 1];
    let end = std::time::Instant::now() + HANDSHAKE_TIMEOUT.min(super::transport::limits().stall);
    loop {
        let left = end.checked_duration_since(std::time::Instant::now())?;
        let _ = s.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match s.read(&mut b) {
            Ok(1) => {
                if b[0] == 0 {
                    break;
                }
                buf.push(b[0]);
                if buf.len() > qipc::handshake::MAX_CREDENTIALS {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(qipc::handshake::parse_login(&buf))
}

/// The first bytes of a connection (up to 8), waiting at most the
/// handshake time (or the stall time if shorter) for them; `None` when
/// nothing came (the connection is then dropped, as a login that never
/// came is).
fn peek_start(s: &TcpStream) -> Option<Vec<u8>> {
    let mut b = [0u8; 8];
    let end = std::time::Instant::now() + HANDSHAKE_TIMEOUT.min(super::transport::limits().stall);
    loop {
        let left = end.checked_duration_since(std::time::Instant::now())?;
        let _ = s.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match s.peek(&mut b) {
            Ok(0) => return None,
            Ok(n) if n >= 8 => return Some(b[..n].to_vec()),
            Ok(n) => {
                // a kdb+ login can be shorter than 8 bytes: it ends with NUL
                if b[..n].contains(&0) || std::time::Instant::now() >= end {
                    return Some(b[..n].to_vec());
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(_) => return None,
        }
    }
}

fn serve_conn(mut s: TcpStream, peer: SocketAddr, sink: Sink, limit: usize) {
    let _ = s.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
    let _ = s.set_nodelay(true);
    let Some(start) = peek_start(&s) else {
        let _ = s.shutdown(Shutdown::Both);
        return;
    };
    if super::http::looks_like_http(&start) {
        super::http::serve_http(s, peer, sink, limit);
        return;
    }
    let Some(qipc::handshake::Login {
        user,
        password,
        capability,
    }) = read_handshake(&mut s)
    else {
        let _ = s.shutdown(Shutdown::Both);
        return;
    };
    let Ok(w) = s.try_clone() else { return };
    let handle = next_handle();
    let (tx, rx) = mpsc::channel();
    let (resp_tx, resp_rx) = mpsc::channel();
    let sent = sink(Event::Login {
        handle,
        user,
        password,
        capability,
        addr: Some(peer.ip()),
        stream: w,
        reply: tx,
        responses: resp_rx,
    });
    if !sent || !rx.recv().unwrap_or(false) {
        let _ = s.shutdown(Shutdown::Both);
        return;
    }
    guard_socket(&s);
    let Ok(rs) = s.try_clone() else { return };
    let mut r = std::io::BufReader::with_capacity(64 << 10, rs);
    'read: while let Ok(Some(first)) = read_unframed(&mut r, limit) {
        let mut messages = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next.take() {
            if message.header.msgtype == qipc::RESPONSE {
                // a response to our sync request on this handle (`.z.w"x"`);
                // one nobody waits for is dropped when the next request starts
                let _ = resp_tx.send(message);
            } else {
                messages.push(message);
            }
            if messages.len() < RUN && buffered_whole(&r) {
                match read_unframed(&mut r, limit) {
                    Ok(Some(m)) => next = Some(m),
                    _ => {
                        let _ = sink(Event::Messages { handle, messages });
                        break 'read;
                    }
                }
            }
        }
        if !messages.is_empty() && !sink(Event::Messages { handle, messages }) {
            break;
        }
    }
    let _ = s.shutdown(Shutdown::Both);
    sink(Event::Closed { handle });
}

// ---------------------------------------------------------------------------
// The interpreter side of the server

/// Serves one event on the interpreter thread.
pub fn handle_event(it: &mut Interp, ev: Event) {
    match ev {
        Event::Login {
            handle,
            user,
            password,
            capability,
            addr,
            mut stream,
            reply,
            responses,
        } => {
            let ok = authorise(it, handle, &user, &password, addr);
            if ok {
                let cap = qipc::handshake::common_capability(capability);
                let _ = stream.set_nodelay(true);
                let writer = match stream.write_all(&[cap]) {
                    Ok(()) => stream.try_clone().and_then(Writer::start).ok(),
                    Err(_) => None,
                };
                let _ = reply.send(writer.is_some());
                if let Some(writer) = writer {
                    let conn =
                        Conn::accepted(stream, writer, addr, cap, Sym::new(&user), Some(responses));
                    it.ipc.conns.insert(handle, conn);
                    // (not in multithreaded input mode)
                    if !it.ipc.multithreaded {
                        let _ = call_handler(it, handle, ".z.po", Value::int(handle));
                    }
                }
            } else {
                let _ = reply.send(false);
            }
        }
        Event::Messages { handle, messages } => {
            for message in messages {
                if !it.ipc.conns.contains_key(&handle) || it.exit_request.is_some() {
                    return;
                }
                serve_message(it, handle, message);
            }
        }
        Event::Http { handle, req, login } => {
            super::http::handle_request(it, handle, req, login);
        }
        Event::WsOpen { handle, req, login } => {
            super::http::handle_ws_open(it, handle, req, login);
        }
        Event::WsMessage { handle, data, text } => {
            super::http::handle_ws_message(it, handle, data, text);
        }
        Event::WsPong { handle, payload } => {
            if it.ipc.conns.contains_key(&handle) {
                let _ = send_bytes(it, handle, super::http::ws_pong(&payload));
            }
        }
        Event::HttpBad { handle, response } => {
            if it.ipc.conns.contains_key(&handle) {
                let _ = send_bytes(it, handle, response);
                super::http::close_after_write(it, handle);
            }
        }
        Event::Closed { handle } => match it.ipc.conns.remove(&handle) {
            Some(c) if c.ws => {
                let _ = call_handler(it, handle, ".z.wc", Value::int(handle));
            }
            Some(c) if !c.http && !it.ipc.multithreaded => {
                let _ = call_handler(it, handle, ".z.pc", Value::int(handle));
            }
            _ => {}
        },
        Event::Ready { handle } => {
            // everything in the inbox now (a run may have come with one
            // notice; later notices then find it empty)
            while it.exit_request.is_none() {
                let item = it
                    .ipc
                    .conns
                    .get(&handle)
                    .and_then(|c| c.inbox.as_ref())
                    .and_then(|rx| rx.try_recv().ok());
                match item {
                    // a response nobody waits for (its request was
                    // interrupted) is dropped
                    Some(Inbound::Message(m)) if m.header.msgtype == qipc::RESPONSE => {}
                    Some(Inbound::Message(m)) => serve_message(it, handle, m),
                    Some(Inbound::Closed) => {
                        closed_outgoing(it, handle);
                        return;
                    }
                    None => return,
                }
            }
        }
    }
}

/// Decodes and serves one request from `handle` (a sync one is answered);
/// bytes that do not decode drop the connection.
fn serve_message(it: &mut Interp, handle: i32, message: qipc::Message) {
    match message.decode(it) {
        Ok(Body::Value(body)) => {
            let msgtype = message.header.msgtype;
            drop(message);
            serve_request(it, handle, msgtype, body);
        }
        // error objects as requests are ignored
        Ok(Body::Error(_)) => {}
        Err(_) => {
            // q: `.z.bm` sees (handle;message), then the connection closes
            // (and `.z.pc` runs when the reader sees it go)
            let raw = Vector::from_u8(Ty::Byte, message.bytes().to_vec());
            let arg = Value::list(vec![Value::int(handle), Value::Vector(raw)]);
            if let Some(Err(e)) = call_handler(it, handle, ".z.bm", arg) {
                eprintln!("'{}", e.name);
                eprintln!("  in .z.bm (a message that did not decode)");
            }
            drop_conn(it, handle);
        }
    }
}

/// A connection this process opened was closed by the remote: it goes,
/// and `.z.pc` runs, as q does.
pub(super) fn closed_outgoing(it: &mut Interp, handle: i32) {
    if let Some(c) = it.ipc.conns.remove(&handle) {
        let _ = c.stream.shutdown(Shutdown::Both);
        let _ = call_handler(it, handle, ".z.pc", Value::int(handle));
    }
}

/// Runs `.z.ts` (if defined) with the current timestamp, as the event
/// loop's timer does; an error is reported on standard error.
pub fn fire_timer(it: &mut Interp) {
    let Some(f) = it.get_global(Sym::new(".z.ts")) else {
        return;
    };
    let now = crate::builtins::temporal::z_p(it, Value::Nil).unwrap_or(Value::Nil);
    let r = guarded(it, false, |it| apply(it, &f, vec![now]));
    // `exit` inside the timer unwinds as an error but is not one
    if let Err(e) = r
        && it.exit_request.is_none()
    {
        eprintln!("'{}", e.name);
        eprintln!("  in .z.ts (the timer)");
    }
}

/// `.z.w`: the handle of the connection being served; 0 at the console.
pub fn z_w_current(it: &mut Interp, _x: Value) -> QResult<Value> {
    Ok(Value::int(it.ipc.current))
}

/// `.z.W`: every open connection's handle and the bytes queued for it.
pub fn z_w_handles(it: &mut Interp, _x: Value) -> QResult<Value> {
    let mut hs: Vec<i32> = it.ipc.conns.keys().copied().collect();
    hs.sort_unstable();
    let bytes: Vec<i64> = hs
        .iter()
        .map(|h| it.ipc.conns.get(h).map_or(0, |c| c.writer.pending() as i64))
        .collect();
    Ok(Value::dict(
        Value::Vector(qcore::Vector::from_i32(Ty::Int, hs)),
        Value::Vector(qcore::Vector::longs(bytes)),
    ))
}

/// `-38!h`: for a handle, a dictionary of its protocol `p` (`"q"` kdb+
/// IPC, `"w"` WebSocket, `"h"` HTTP), family `f` (`"t"`: borf serves TCP
/// only), whether messages to it are compressed `z`, and the messages `n`
/// and bytes `m` queued and not yet written; for a list of handles, a
/// table of them.
pub fn socket_table(it: &mut Interp, x: Value) -> QResult<Value> {
    let names = || {
        Value::Vector(qcore::Vector::syms(
            ["p", "f", "z", "n", "m"]
                .iter()
                .map(|s| Sym::new(s))
                .collect(),
        ))
    };
    let row = |it: &Interp, h: &Value| -> QResult<(u8, bool, i64, i64)> {
        let n = match h {
            Value::Atom(a) if a.to_i64().is_some() && !matches!(a, qcore::Atom::Symbol(_)) => {
                a.to_i64().unwrap_or(0)
            }
            _ => return Err(QError::type_()),
        };
        let c = i32::try_from(n)
            .ok()
            .and_then(|h| it.ipc.conns.get(&h))
            .ok_or_else(|| QError::new(format!("{n} is not an ipc handle")))?;
        let p = if c.ws {
            b'w'
        } else if c.http {
            b'h'
        } else {
            b'q'
        };
        let z = c.capability >= 1 && (it.ipc.force_compress || !c.local);
        Ok((
            p,
            z,
            c.writer.pending_messages() as i64,
            c.writer.pending() as i64,
        ))
    };
    if let Value::Atom(_) = &x {
        let (p, z, n, m) = row(it, &x)?;
        return Ok(Value::dict(
            names(),
            Value::list(vec![
                Value::Atom(qcore::Atom::Char(p)),
                Value::Atom(qcore::Atom::Char(b't')),
                Value::bool(z),
                Value::long(n),
                Value::long(m),
            ]),
        ));
    }
    let rows = x
        .items()
        .iter()
        .map(|h| row(it, h))
        .collect::<QResult<Vec<_>>>()?;
    let cols = vec![
        Value::Vector(qcore::Vector::chars(
            &rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        )),
        Value::Vector(qcore::Vector::chars(&vec![b't'; rows.len()])),
        Value::Vector(qcore::Vector::bools(rows.iter().map(|r| r.1).collect())),
        Value::Vector(qcore::Vector::longs(rows.iter().map(|r| r.2).collect())),
        Value::Vector(qcore::Vector::longs(rows.iter().map(|r| r.3).collect())),
    ];
    crate::builtins::list::flip(Value::dict(names(), Value::list(cols)))
}

pub(super) fn authorise(
    it: &mut Interp,
    handle: i32,
    user: &str,
    pw: &str,
    addr: Option<IpAddr>,
) -> bool {
    if !password_ok(it, user, pw) {
        return false;
    }
    let Some(f) = it.get_global(Sym::new(".z.pw")) else {
        return true;
    };
    let saved = set_ctx(it, handle, Sym::new(user), ip_int(addr));
    let r = guarded(it, true, |it| {
        apply(it, &f, vec![Value::sym(user), Value::string(pw)])
    });
    restore_ctx(it, saved);
    matches!(r, Ok(Value::Atom(a)) if a.to_i64().is_some_and(|v| v != 0))
}

type Ctx = (i32, Sym, i32, Option<Value>, u8, bool);

/// Serves as `handle`: `.z.w`, `.z.u`, `.z.a`; for a client, under `-u`
/// file access confined to the directory tree, and under `-u` or `-b` no
/// `hdel` or `hopen` of a file; under `-b` or in multithreaded input mode
/// (a negative port) no writes to globals.
fn set_ctx(it: &mut Interp, handle: i32, user: Sym, addr: i32) -> Ctx {
    use crate::storage::confine;
    let w = Sym::new(".z.w");
    let client = handle != 0;
    let restrict = client && it.ipc.restrict == super::Restrict::Clients;
    let block = client && it.ipc.block_writes;
    let state = if restrict { confine::FILES } else { 0 }
        | if restrict || block {
            confine::NO_WRITE
        } else {
            0
        };
    let saved = (
        it.ipc.current,
        it.ipc.current_user,
        it.ipc.current_addr,
        it.get_global(w),
        confine::enter(state),
        it.no_update,
    );
    it.no_update = it.no_update || block || (client && it.ipc.multithreaded);
    it.ipc.current = handle;
    it.ipc.current_user = user;
    it.ipc.current_addr = addr;
    it.set_global(w, Value::int(handle));
    saved
}

fn restore_ctx(it: &mut Interp, saved: Ctx) {
    crate::storage::confine::leave(saved.4);
    it.no_update = saved.5;
    it.ipc.current = saved.0;
    it.ipc.current_user = saved.1;
    it.ipc.current_addr = saved.2;
    let w = Sym::new(".z.w");
    match saved.3 {
        Some(v) => it.set_global(w, v),
        None => {
            it.take_global(w);
        }
    }
}

/// Runs `f` as one evaluation ([`Interp::evaluation`]: stop signals,
/// memory budget; a client's call is bounded by `\T` when `timed`),
/// catching panics (a panic is a bug; it becomes `'panic`).
fn guarded(
    it: &mut Interp,
    timed: bool,
    f: impl FnOnce(&mut Interp) -> QResult<Value>,
) -> QResult<Value> {
    let scopes = it.scopes();
    let deadline = if timed { it.timeout_deadline() } else { None };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| it.evaluation(deadline, f))) {
        Ok(r) => r,
        Err(_) => {
            it.restore_scopes(scopes);
            Err(QError::new("panic"))
        }
    }
}

/// Calls handler `name` (`.z.po` ...) if defined, with the connection's
/// context set.
pub(super) fn call_handler(
    it: &mut Interp,
    handle: i32,
    name: &str,
    arg: Value,
) -> Option<QResult<Value>> {
    let f = it.get_global(Sym::new(name))?;
    let (user, addr) = it
        .ipc
        .conns
        .get(&handle)
        .map_or((Sym::EMPTY, 0), |c| (c.user, c.addr));
    let saved = set_ctx(it, handle, user, addr);
    let r = guarded(it, true, |it| apply(it, &f, vec![arg]));
    restore_ctx(it, saved);
    Some(r)
}

/// Calls handler `f` with `arg` as `handle` before the connection is
/// registered (`.z.ac` on an HTTP connection's first request): `.z.w` is
/// the handle, `.z.a` the peer's address, `.z.u` empty.
pub(super) fn call_unregistered(
    it: &mut Interp,
    handle: i32,
    addr: Option<IpAddr>,
    f: &Value,
    arg: Value,
) -> QResult<Value> {
    let saved = set_ctx(it, handle, Sym::EMPTY, ip_int(addr));
    let r = guarded(it, true, |it| apply(it, f, vec![arg]));
    restore_ctx(it, saved);
    r
}

/// Registers an accepted HTTP connection (its bounded writer started);
/// false when the socket cannot be used.
pub(super) fn register_http(
    it: &mut Interp,
    handle: i32,
    stream: TcpStream,
    user: &str,
    addr: Option<IpAddr>,
) -> bool {
    let _ = stream.set_nodelay(true);
    let Ok(writer) = stream.try_clone().and_then(Writer::start) else {
        let _ = stream.shutdown(Shutdown::Both);
        return false;
    };
    let conn = Conn::accepted(stream, writer, addr, 0, Sym::new(user), None);
    it.ipc.conns.insert(handle, conn);
    true
}

/// Runs `f` as a client's evaluation on `handle` (`.z.w`, `.z.u`, `.z.a`,
/// `-u`/`-b` restrictions, `\T`).
pub(super) fn call_with_ctx(
    it: &mut Interp,
    handle: i32,
    f: impl FnOnce(&mut Interp) -> QResult<Value>,
) -> QResult<Value> {
    let (user, addr) = it
        .ipc
        .conns
        .get(&handle)
        .map_or((Sym::EMPTY, 0), |c| (c.user, c.addr));
    let saved = set_ctx(it, handle, user, addr);
    let r = guarded(it, true, f);
    restore_ctx(it, saved);
    r
}

/// Evaluates a request: `.z.pg` (sync) or `.z.ps` (async) when defined,
/// else `value x`.
/// A client's request (`handle` not 0) runs under the `\T` time limit.
pub fn eval_message(it: &mut Interp, handle: i32, msgtype: u8, body: Value) -> QResult<Value> {
    let saved = it.deadline;
    let t = it.settings.timeout_secs;
    if handle != 0
        && t > 0
        && let Some(d) = std::time::Instant::now().checked_add(Duration::from_secs(t as u64))
    {
        it.deadline = Some(saved.map_or(d, |s| s.min(d)));
    }
    let r = eval_request(it, handle, msgtype, body);
    it.deadline = saved;
    r
}

fn eval_request(it: &mut Interp, handle: i32, msgtype: u8, body: Value) -> QResult<Value> {
    let name = if msgtype == qipc::SYNC {
        ".z.pg"
    } else {
        ".z.ps"
    };
    if let Some(r) = call_handler(it, handle, name, body.clone()) {
        return r;
    }
    let (user, addr) = it
        .ipc
        .conns
        .get(&handle)
        .map_or((Sym::EMPTY, 0), |c| (c.user, c.addr));
    let saved = set_ctx(it, handle, user, addr);
    let r = guarded(it, true, |it| default_eval(it, body));
    restore_ctx(it, saved);
    r
}

/// q's `value x` for a message: a string is q text (a system command when
/// it starts with `\`), a list applies its first item (a string, a symbol
/// or a function) to the rest.
pub fn default_eval(it: &mut Interp, x: Value) -> QResult<Value> {
    match &x {
        Value::Vector(v) if v.ty() == Ty::Char => {
            let src = x.as_string().unwrap_or_default();
            if let Some(cmd) = src.trim_start().strip_prefix('\\') {
                check_command(it, cmd.trim())?;
                return match it.system(cmd.trim_end())? {
                    Outcome::Value(v) => Ok(v),
                    Outcome::Text(t) => Ok(Value::string(&t)),
                    Outcome::Silent => Ok(Value::Nil),
                    Outcome::Exit(c) => {
                        it.exit_request = Some(c);
                        Ok(Value::Nil)
                    }
                };
            }
            it.eval_text(&src)
        }
        Value::List(l) if !l.is_empty() => {
            let f = match &l[0] {
                Value::Vector(v) if v.ty() == Ty::Char => {
                    let s = l[0].as_string().unwrap_or_default();
                    // a global's name (".u.upd", the usual case) is looked
                    // up without parsing it
                    let plain = s
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_');
                    match plain.then(|| it.get_global(Sym::new(&s))).flatten() {
                        Some(f) => f,
                        None => it.eval_text(&s)?,
                    }
                }
                Value::Atom(Atom::Symbol(_)) => {
                    crate::builtins::interpret::value(it, l[0].clone())?
                }
                f => f.clone(),
            };
            apply(it, &f, l[1..].to_vec())
        }
        _ => crate::builtins::interpret::value(it, x),
    }
}

/// Frames `r` as a response and writes it to `handle`; a failed write
/// drops the connection.
/// Evaluates a request from `handle` and answers it when it is sync,
/// unless the handler deferred its answer with `-30!(::)` (the handle is
/// then owed one, paid by `-30!(handle;isError;msg)`).
pub(super) fn serve_request(it: &mut Interp, handle: i32, msgtype: u8, body: Value) {
    let sync = msgtype == qipc::SYNC;
    let saved = (it.ipc.defer, it.ipc.serving_sync);
    it.ipc.defer = false;
    it.ipc.serving_sync = sync;
    let r = eval_message(it, handle, msgtype, body);
    let deferred = std::mem::replace(&mut it.ipc.defer, saved.0);
    it.ipc.serving_sync = saved.1;
    if !sync {
        return;
    }
    if deferred && r.is_ok() {
        *it.ipc.deferred.entry(handle).or_insert(0) += 1;
    } else {
        respond(it, handle, r);
    }
}

/// `-30!x` (deferred response): `-30!(::)` inside a sync request's
/// handler leaves the request unanswered when the handler returns;
/// `-30!(h;0b;msg)` answers one deferred request of handle `h` with `msg`,
/// `-30!(h;1b;text)` with the error `text`.
pub fn deferred_response(it: &mut Interp, x: Value) -> QResult<Value> {
    if matches!(x, Value::Nil) {
        if it.ipc.current == 0 || !it.ipc.serving_sync {
            return Err(QError::domain()
                .with_detail("-30!(::) defers the response to a sync request being served"));
        }
        it.ipc.defer = true;
        return Ok(Value::Nil);
    }
    if !x.is_list() || x.count() != 3 {
        return Err(QError::type_());
    }
    let items = x.items();
    let h = match &items[0] {
        Value::Atom(a) if !matches!(a, qcore::Atom::Symbol(_)) => a.to_i64(),
        _ => None,
    }
    .and_then(|h| i32::try_from(h).ok())
    .ok_or_else(QError::type_)?;
    let is_error = match &items[1] {
        Value::Atom(qcore::Atom::Bool(b)) => *b,
        _ => return Err(QError::type_()),
    };
    if !it.ipc.conns.contains_key(&h) {
        return Err(QError::domain());
    }
    match it.ipc.deferred.get_mut(&h) {
        Some(n) if *n > 0 => {
            *n -= 1;
            if *n == 0 {
                it.ipc.deferred.remove(&h);
            }
        }
        _ => {
            return Err(QError::new(format!(
                "Handle {h} was not expecting a response msg"
            )));
        }
    }
    let msg = if is_error {
        let text = match &items[2] {
            Value::Atom(qcore::Atom::Symbol(s)) => s.as_str().to_string(),
            v => v.as_string().ok_or_else(QError::type_)?,
        };
        qipc::error_frame(qipc::RESPONSE, &text)
    } else {
        qipc::frame(qipc::RESPONSE, &items[2], it)?
    };
    if !send_bytes(it, h, msg) {
        return Err(super::transport::write_error(h));
    }
    Ok(Value::Nil)
}

pub fn respond(it: &mut Interp, handle: i32, r: QResult<Value>) {
    let msg = match r.and_then(|v| qipc::frame(qipc::RESPONSE, &v, it)) {
        Ok(m) => m,
        Err(e) => qipc::error_frame(qipc::RESPONSE, &e.name),
    };
    send_bytes(it, handle, msg);
}
