//! The client: `hopen` (connect, log in), `h x` (sync: send, then serve
//! whatever the remote sends until its response arrives), `neg[h] x`
//! (async), `hclose`, and `.z.w x` (a sync request to a client on its
//! incoming connection, answered through its reader).

use std::io::Read;
use std::io::Write;
use std::net::Shutdown;
use std::net::SocketAddr;
use std::net::TcpStream;
use std::net::ToSocketAddrs;
use std::sync::mpsc;
use std::time::Duration;

use super::Conn;
use super::Event;
use super::Inbound;
use super::ip_int;
use super::is_local;
use super::next_handle;
use super::server::closed_outgoing;
use super::server::serve_request;
use super::transport::RUN;
use super::transport::Writer;
use super::transport::buffered_whole;
use super::transport::drain_for_close;
use super::transport::drop_conn;
use super::transport::flush;
use super::transport::guard_socket;
use super::transport::io_err;
use super::transport::read_unframed;
use super::transport::send_bytes;
use super::transport::write_error;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qipc::Body;

/// The open connection an integer atom names (`h` or `neg h`), if any.
/// 0, 1, 2 and their negatives are never IPC handles.
pub fn handle_of(it: &Interp, a: &Atom) -> Option<i32> {
    let n = match a {
        Atom::Short(_) | Atom::Int(_) | Atom::Long(_) => a.to_i64()?,
        _ => return None,
    };
    let h = i32::try_from(n.checked_abs()?).ok()?;
    (h > 2 && (it.ipc.conns.contains_key(&h) || it.ipc.files.contains_key(&h))).then_some(n as i32)
}

/// `h x` (sync), `neg[h] x` (async), `neg[h][]` (flush).
pub fn send(it: &mut Interp, h: i32, args: Vec<Value>) -> QResult<Value> {
    if it.ipc.files.contains_key(&h.abs()) {
        return crate::builtins::io::handle::write_file_handle(it, h, args);
    }
    // multithreaded input mode: a client's handler uses no socket, but a
    // websocket handler answers its own connection
    if it.ipc.mt_client()
        && !(h.abs() == it.ipc.current && it.ipc.conns.get(&h.abs()).is_some_and(|c| c.ws))
    {
        return Err(
            QError::new("nosocket").with_detail("a handle used in multithreaded input mode")
        );
    }
    send_socket(it, h, args)
}

fn send_socket(it: &mut Interp, h: i32, args: Vec<Value>) -> QResult<Value> {
    let msg = if args.len() == 1 {
        args.into_iter().next().unwrap_or(Value::Nil)
    } else {
        Value::list(args)
    };
    let handle = h.abs();
    if it.ipc.conns.get(&handle).is_some_and(|c| c.ws) {
        return super::http::ws_send(it, h, &msg);
    }
    if h < 0 {
        if matches!(msg, Value::Nil) {
            flush(it, handle)?;
            return Ok(Value::Nil);
        }
        let m = qipc::frame(qipc::ASYNC, &msg, it)?;
        if !send_bytes(it, handle, m) {
            return Err(write_error(handle));
        }
        return Ok(Value::Nil);
    }
    if it.ipc.conns.get(&handle).is_some_and(|c| c.incoming) {
        return sync_incoming(it, handle, &msg);
    }
    let m = qipc::frame(qipc::SYNC, &msg, it)?;
    if !send_bytes(it, handle, m) {
        return Err(write_error(handle));
    }
    loop {
        let r = match it.ipc.conns.get(&handle).and_then(|c| c.inbox.as_ref()) {
            Some(rx) => rx.recv_timeout(Duration::from_millis(50)),
            None => return Err(QError::new("close")),
        };
        let msg = match r {
            Ok(Inbound::Message(m)) => m,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                (0..4096).try_for_each(|_| it.tick())?;
                continue;
            }
            Ok(Inbound::Closed) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                closed_outgoing(it, handle);
                return Err(QError::new("close").with_detail("the remote closed the connection"));
            }
        };
        let body = msg.decode(it)?;
        match (msg.header.msgtype, body) {
            (qipc::RESPONSE, Body::Value(v)) => return Ok(v),
            (qipc::RESPONSE, Body::Error(e)) => return Err(QError::new(e)),
            // the remote calls back while we wait: serve it, as q does
            (t, Body::Value(v)) => {
                drop(msg);
                serve_request(it, handle, t, v);
            }
            (_, Body::Error(_)) => {}
        }
    }
}

/// `-25!(handles;msg)`: `msg` serialized once and queued async on every
/// handle (`::` flushes them). Every handle is checked before anything is
/// sent, so an error sends nothing.
pub fn broadcast(it: &mut Interp, x: Value) -> QResult<Value> {
    if !x.is_list() {
        return Err(QError::type_());
    }
    if x.count() != 2 {
        return Err(QError::length());
    }
    let (Some(hs), Some(msg)) = (x.item(0), x.item(1)) else {
        return Err(QError::type_());
    };
    let integral = match &hs {
        Value::Atom(a) => a.to_i64().is_some() && !matches!(a, Atom::Symbol(_)),
        Value::Vector(v) => v.ty().is_integral(),
        _ => false,
    };
    let hs: Vec<i32> = match &hs {
        _ if integral => hs
            .items()
            .iter()
            .map(|h| {
                let n = h.as_atom().and_then(Atom::to_i64).unwrap_or(-1);
                i32::try_from(n)
                    .ok()
                    .filter(|h| *h > 2 && it.ipc.conns.get(h).is_some_and(|c| !c.http))
                    .ok_or_else(|| QError::new(format!("{n} is not an ipc handle")))
            })
            .collect::<QResult<_>>()?,
        _ => return Err(QError::type_()),
    };
    if matches!(msg, Value::Nil) {
        for h in hs {
            flush(it, h)?;
        }
        return Ok(Value::Nil);
    }
    let m = qipc::frame(qipc::ASYNC, &msg, it)?;
    for h in hs {
        if it.ipc.conns.get(&h).is_some_and(|c| c.ws) {
            super::http::ws_send(it, -h, &msg)?;
        } else if !send_bytes(it, h, m.clone()) {
            return Err(write_error(h));
        }
    }
    Ok(Value::Nil)
}

/// `.z.w"x"`: a sync request to a client on its incoming handle. Its
/// reader passes the client's response on; we wait for it (as q, with no
/// time limit; an interrupt or the client closing ends the wait).
fn sync_incoming(it: &mut Interp, handle: i32, msg: &Value) -> QResult<Value> {
    if let Some(rx) = it.ipc.conns.get(&handle).and_then(|c| c.responses.as_ref()) {
        while rx.try_recv().is_ok() {} // stale, unasked-for responses
    }
    let m = qipc::frame(qipc::SYNC, msg, it)?;
    if !send_bytes(it, handle, m) {
        return Err(write_error(handle));
    }
    loop {
        let r = match it.ipc.conns.get(&handle).and_then(|c| c.responses.as_ref()) {
            Some(rx) => rx.recv_timeout(Duration::from_millis(50)),
            None => return Err(QError::new("close")),
        };
        match r.map(|m| m.decode(it)) {
            Ok(Ok(Body::Value(v))) => return Ok(v),
            Ok(Ok(Body::Error(e))) => return Err(QError::new(e)),
            // bytes that do not decode drop the connection, as a request would
            Ok(Err(_)) => {
                drop_conn(it, handle);
                return Err(QError::new("close")
                    .with_detail("the client sent a response that does not decode"));
            }
            // tick reaches its interrupt/deadline check every 4096 calls
            Err(mpsc::RecvTimeoutError::Timeout) => (0..4096).try_for_each(|_| it.tick())?,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(QError::new("close").with_detail("the client closed the connection"));
            }
        }
    }
}

struct Target {
    host: String,
    port: u16,
    creds: String,
    timeout: Option<Duration>,
}

fn parse_target(x: &Value) -> QResult<Target> {
    let (spec, timeout) = match x {
        Value::Atom(Atom::Symbol(s)) => (s.as_str().to_string(), None),
        Value::Vector(v) if v.ty() == Ty::Char => (x.as_string().unwrap_or_default(), None),
        Value::Atom(a) if a.to_i64().is_some() && !matches!(a, Atom::Symbol(_)) => {
            let p = a.to_i64().unwrap_or(0);
            (format!(":localhost:{p}"), None)
        }
        Value::List(l) if l.len() == 2 => {
            let t = parse_target(&l[0])?;
            let ms = match &l[1] {
                Value::Atom(a) => a.to_i64().ok_or_else(QError::type_)?,
                _ => return Err(QError::type_()),
            };
            return Ok(Target {
                timeout: (ms > 0).then(|| Duration::from_millis(ms as u64)),
                ..t
            });
        }
        Value::Vector(v) if v.len() == 2 && v.ty() != Ty::Char => {
            return parse_target(&Value::list(x.items()));
        }
        _ => return Err(QError::type_()),
    };
    let spec = spec.strip_prefix(':').unwrap_or(&spec);
    let mut parts = spec.splitn(3, ':');
    let host = parts.next().unwrap_or("");
    let port = parts.next().ok_or_else(|| QError::new("hop"))?;
    let creds = parts.next().unwrap_or("").to_string();
    let port: u16 = port.trim().parse().map_err(|_| QError::new("hop"))?;
    let host = if host.is_empty() { "localhost" } else { host };
    Ok(Target {
        host: host.to_string(),
        port,
        creds,
        timeout,
    })
}

/// A one-shot request (ref/hopen.md): `` `:host:port "1+1" `` connects,
/// sends `query` synchronously, closes and answers the response;
/// `` `:http://host:port "GET / HTTP/1.1..." `` sends raw HTTP
/// ([`super::http_client::raw_request`]).
pub fn one_shot(it: &mut Interp, target: Sym, query: Value) -> QResult<Value> {
    let t = target.as_str();
    let scheme = |p: &str| {
        t.get(1..=p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    };
    if scheme("http:") || scheme("https:") {
        return super::http_client::raw_request(it, t, &query);
    }
    let h = connect(it, Value::Atom(Atom::Symbol(target)))?;
    let Some(handle) = (match &h {
        Value::Atom(a) => a.to_i64().map(|h| h as i32),
        _ => None,
    }) else {
        return Err(QError::new("hop"));
    };
    let r = send_socket(it, handle, vec![query]);
    let _ = hclose(it, h);
    r
}

/// `hopen x`: connects, logs in, returns the handle.
pub fn hopen(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Some(path) = crate::builtins::io::handle::fifo_target(&x)? {
        return crate::builtins::io::handle::hopen_fifo(it, &path, next_handle());
    }
    if let Some(path) = crate::builtins::io::handle::file_target(&x)? {
        return crate::builtins::io::handle::hopen_file(it, &path, next_handle());
    }
    if it.ipc.mt_client() {
        return Err(QError::new("nosocket").with_detail("hopen in multithreaded input mode"));
    }
    connect(it, x)
}

/// Connects to `host:port` and logs in: a new connection handle.
fn connect(it: &mut Interp, x: Value) -> QResult<Value> {
    if it.secondary {
        return Err(QError::new("nosocket").with_detail("hopen of a socket in peach"));
    }
    let t = parse_target(&x)?;
    let addrs: Vec<SocketAddr> = (t.host.as_str(), t.port)
        .to_socket_addrs()
        .map_err(|e| QError::new("hop").with_detail(e.to_string()))?
        .collect();
    let mut last = None;
    let mut stream = None;
    for a in &addrs {
        let r = match t.timeout {
            Some(d) => TcpStream::connect_timeout(a, d),
            None => TcpStream::connect(a),
        };
        match r {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut s = stream.ok_or_else(|| match last {
        Some(e) if e.kind() == std::io::ErrorKind::TimedOut => QError::new("timeout"),
        Some(e) => QError::new("hop").with_detail(e.to_string()),
        None => QError::new("hop"),
    })?;
    let _ = s.set_nodelay(true);
    let _ = s.set_read_timeout(Some(t.timeout.unwrap_or(Duration::from_secs(30))));
    s.write_all(&qipc::handshake::client_hello(&t.creds, qipc::CAPABILITY))
        .map_err(io_err)?;
    let mut b = [0u8; 1];
    match s.read(&mut b) {
        Ok(1) => {}
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            return Err(QError::new("timeout"));
        }
        _ => return Err(QError::new("access")),
    }
    guard_socket(&s);
    let peer = s.peer_addr().ok().map(|a| a.ip());
    let h = next_handle();
    let user = t.creds.split(':').next().unwrap_or("");
    let writer = s.try_clone().and_then(Writer::start).map_err(io_err)?;
    let rs = s.try_clone().map_err(io_err)?;
    let (tx, rx) = mpsc::channel();
    let sink = it.ipc.sink.clone();
    let limit = it.ipc.limit;
    std::thread::Builder::new()
        .name("borf-hread".into())
        .stack_size(4 << 20)
        .spawn(move || read_outgoing(rs, h, tx, sink, limit))
        .map_err(io_err)?;
    it.ipc.conns.insert(
        h,
        Conn {
            stream: s,
            writer,
            inbox: Some(rx),
            incoming: false,
            local: is_local(peer),
            capability: b[0],
            user: Sym::new(user),
            addr: ip_int(peer),
            responses: None,
            http: false,
            ws: false,
            console: false,
        },
    );
    Ok(Value::int(h))
}

/// The reader of a connection this process opened: every message goes to
/// the connection's inbox, and the event loop (if any) is told, so that
/// requests are served while the process is idle; a sync request in
/// progress takes its response (and any callbacks) from the inbox itself.
fn read_outgoing(
    s: TcpStream,
    handle: i32,
    tx: mpsc::Sender<Inbound>,
    sink: Option<super::Sink>,
    limit: usize,
) {
    let mut r = std::io::BufReader::with_capacity(64 << 10, s);
    loop {
        let mut n = 0;
        // a run of messages already buffered goes with one notice
        let closed = loop {
            let item = match read_unframed(&mut r, limit) {
                Ok(Some(m)) => Inbound::Message(m),
                _ => Inbound::Closed,
            };
            let closed = matches!(item, Inbound::Closed);
            if tx.send(item).is_err() {
                return;
            }
            n += 1;
            if closed || n >= RUN || !buffered_whole(&r) {
                break closed;
            }
        };
        if let Some(sink) = &sink
            && !sink(Event::Ready { handle })
        {
            return;
        }
        if closed {
            return;
        }
    }
}

/// `hclose h`: closes a connection (an incoming one fires `.z.pc` when its
/// reader sees the close).
pub fn hclose(it: &mut Interp, x: Value) -> QResult<Value> {
    let h = match &x {
        Value::Atom(a) => a.to_i64().ok_or_else(QError::type_)?,
        _ => return Err(QError::type_()),
    };
    let h = i32::try_from(h.abs()).map_err(|_| QError::domain())?;
    it.ipc.journals.remove(&h);
    it.ipc.fifo_bufs.remove(&h);
    if it.ipc.files.remove(&h).is_some() {
        return Ok(Value::Nil);
    }
    match it.ipc.conns.get(&h) {
        Some(c) if c.incoming => {
            let _ = drain_for_close(it, h);
            if let Some(c) = it.ipc.conns.get(&h) {
                let _ = c.stream.shutdown(Shutdown::Both);
            }
        }
        Some(_) => {
            let _ = drain_for_close(it, h);
            if let Some(c) = it.ipc.conns.remove(&h) {
                let _ = c.stream.shutdown(Shutdown::Both);
            }
        }
        None => {}
    }
    Ok(Value::Nil)
}
