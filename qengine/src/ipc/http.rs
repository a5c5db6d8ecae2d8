//! HTTP on the IPC port, as q serves it: the listener tells an HTTP request
//! from a kdb+ handshake by its first bytes (a method word and a space);
//! request heads are parsed with `httparse` on the connection's reader
//! thread, and each whole request goes to the interpreter, which calls
//! `.z.ph` (GET, HEAD), `.z.pp` (POST) or `.z.pm` (other methods) with
//! `(requestText;headers)`, or q's default for GET: the request text after
//! `?`, URI-unescaped, evaluated by `.h.val`, shown as a `pre` page
//! (`.h.hp`); an error is `.h.he` (400 with `'name`).
//!
//! Choices: `-u`/`-U` credentials come as HTTP basic auth, checked with
//! `.z.pw` on a connection's first request (401 otherwise); `.z.ac`, when
//! defined, is asked on every request and its `(code;text)` decides (0:
//! 401, 1: serve as user `text`, 2: answer `text` and close, 4: basic
//! auth; any other result or an error: 401); a malformed
//! head, a body over the IPC message limit or a chunked body is answered
//! 400 and the connection closed; with no `.z.pp` a POST is answered 501;
//! `.z.pp` gets the body as its request text. Responses go through the
//! connection's bounded writer (never blocking the interpreter); a
//! response saying `Connection: close` (as q's `.h.hy` and `.h.hp` do)
//! closes the connection once written, else it is kept alive. The
//! default GET answers with `Connection: keep-alive` when the client asked
//! for it (HTTP/1.1 unless `Connection: close`).
//!
//! WebSockets: a `GET` with `Upgrade: websocket` is answered `101` (after
//! the same credentials check) and `.z.wo` runs; tungstenite reads the
//! frames on the reader thread; `.z.ws` gets a text message as a string
//! and a binary one as bytes (no `.z.ws`: the message is echoed, q's
//! default); `neg[h] x` sends a string as a text frame and bytes as a
//! binary frame (a sync `h x` is `'nyi`, as q); `.z.wc` runs at the close.

use std::io::Read;
use std::io::Write;
use std::net::IpAddr;
use std::net::Shutdown;
use std::net::SocketAddr;
use std::net::TcpStream;
use std::time::Duration;

use super::Event;
use super::Sink;
use super::next_handle;
use crate::builtins::doth;
use crate::state::Interp;
use qcore::Atom;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;

/// Largest request head accepted.
const MAX_HEAD: usize = 64 << 10;

/// A whole HTTP request.
pub struct Request {
    pub method: String,
    /// The target without its leading `/` (q's request text).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The client wants the connection kept (HTTP/1.1 without
    /// `Connection: close`, or `Connection: keep-alive`).
    pub keep_alive: bool,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// True when the first bytes of a connection start an HTTP request.
pub fn looks_like_http(first: &[u8]) -> bool {
    const METHODS: [&[u8]; 8] = [
        b"GET ",
        b"POST ",
        b"HEAD ",
        b"PUT ",
        b"DELETE ",
        b"OPTIONS ",
        b"PATCH ",
        b"CONNECT ",
    ];
    METHODS.iter().any(|m| {
        first.starts_with(m) || (first.len() < m.len() && m.starts_with(first) && first.len() >= 3)
    })
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Reads and parses one request; `Ok(None)` at a clean end of the
/// connection, `Err(())` for a malformed one.
fn read_request(r: &mut impl Read, buf: &mut Vec<u8>, limit: usize) -> Result<Option<Request>, ()> {
    let mut chunk = [0u8; 16 << 10];
    let head_len = loop {
        if let Some(n) = find_head_end(buf) {
            break n;
        }
        if buf.len() > MAX_HEAD {
            return Err(());
        }
        match r.read(&mut chunk) {
            Ok(0) => return if buf.is_empty() { Ok(None) } else { Err(()) },
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return if buf.is_empty() { Ok(None) } else { Err(()) },
        }
    };
    let mut hs = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut hs);
    match req.parse(&buf[..head_len]) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(()),
    }
    let method = req.method.ok_or(())?.to_string();
    let path = req.path.ok_or(())?;
    let target = path.strip_prefix('/').unwrap_or(path).to_string();
    let version = req.version.unwrap_or(1);
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let mut rq = Request {
        method,
        target,
        headers,
        body: Vec::new(),
        keep_alive: false,
    };
    if rq
        .header("transfer-encoding")
        .is_some_and(|v| !v.eq_ignore_ascii_case("identity"))
    {
        return Err(());
    }
    let conn = rq.header("connection").map(str::to_ascii_lowercase);
    rq.keep_alive = match conn.as_deref() {
        Some(c) if c.contains("close") => false,
        Some(c) if c.contains("keep-alive") => true,
        _ => version == 1,
    };
    let len: usize = match rq.header("content-length") {
        Some(v) => v.trim().parse().map_err(|_| ())?,
        None => 0,
    };
    if len > limit {
        return Err(());
    }
    buf.drain(..head_len);
    while buf.len() < len {
        match r.read(&mut chunk) {
            Ok(0) => return Err(()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(()),
        }
    }
    rq.body = buf.drain(..len).collect();
    Ok(Some(rq))
}

/// The browser console served at `/` (one page, no external assets).
pub const CONSOLE: &str = include_str!("web/console.html");

/// A message from the browser console (its WebSocket at `/.console`): a
/// kdb+ serialized string (as `-8!`), evaluated by `.h.val` as a client's
/// request; the result goes back serialized, an error as a kdb+ error
/// whose text is q's name, then the caret context the console prints.
fn console_message(it: &mut Interp, handle: i32, data: Vec<u8>, text: bool) {
    let expr = if text {
        Ok(Value::Vector(qcore::Vector::chars(&data)))
    } else {
        qipc::unframe(data, it.ipc.limit).and_then(|m| match m.decode(it)? {
            qipc::Body::Value(v) => Ok(v),
            qipc::Body::Error(e) => Err(qcore::QError::new(e)),
        })
    };
    let r = expr.and_then(|x| call_with_ctx_val(it, handle, x));
    // an error carries, after its name and a newline, the console's
    // context (the line with a caret under the failing part) for the page
    let msg = match r.and_then(|v| qipc::frame(qipc::RESPONSE, &v, it)) {
        Ok(m) => m,
        Err(e) => {
            let ctx = qcore::context(&e, "", qcore::Origin::Console);
            let text = format!("{}\n{}", e.name, ctx.trim_end_matches('\n'));
            qipc::error_frame(qipc::RESPONSE, text.trim_end())
        }
    };
    let _ = super::transport::send_bytes(it, handle, ws_frame(&msg, false));
}

fn call_with_ctx_val(it: &mut Interp, handle: i32, x: Value) -> QResult<Value> {
    super::server::call_with_ctx(it, handle, |it| {
        let val = it
            .get_global(Sym::new(".h.val"))
            .or_else(|| crate::registry::lookup("value").map(crate::registry::func))
            .unwrap_or(Value::Nil);
        crate::builtins::apply::apply(it, &val, vec![x])
    })
}

/// The reader thread of an HTTP connection: each request goes to the
/// interpreter in order; a malformed one is answered 400 and ends it.
pub(super) fn serve_http(s: TcpStream, peer: SocketAddr, sink: Sink, limit: usize) {
    super::transport::guard_socket(&s);
    let handle = next_handle();
    let Ok(rs) = s.try_clone() else { return };
    let mut r = rs;
    let mut buf = Vec::new();
    let mut first = true;
    loop {
        match read_request(&mut r, &mut buf, limit) {
            Ok(Some(req)) => {
                let upgrade = ws_key(&req).is_some();
                let login = if first {
                    match s.try_clone() {
                        Ok(w) => Some((w, Some(peer.ip()))),
                        Err(_) => break,
                    }
                } else {
                    None
                };
                first = false;
                if upgrade {
                    if !sink(Event::WsOpen { handle, req, login }) {
                        break;
                    }
                    let part = std::mem::take(&mut buf);
                    ws_read_loop(r, part, handle, &sink, limit);
                    let _ = s.shutdown(Shutdown::Both);
                    sink(Event::Closed { handle });
                    return;
                }
                if !sink(Event::Http { handle, req, login }) {
                    break;
                }
            }
            Ok(None) => break,
            Err(()) => {
                let bad = doth::response("400 Bad Request", b"text/plain", b"'bad request", false);
                if first {
                    let mut w = &s;
                    let _ = w.write_all(&bad);
                    let _ = s.shutdown(Shutdown::Both);
                    return;
                }
                let _ = sink(Event::HttpBad {
                    handle,
                    response: bad,
                });
                // the interpreter closes the connection after the 400
                std::thread::sleep(Duration::from_millis(50));
                break;
            }
        }
    }
    if first {
        let _ = s.shutdown(Shutdown::Both);
        return;
    }
    sink(Event::Closed { handle });
}

fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        })
    };
    let t: Vec<u8> = s
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    for ch in t.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in ch.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        match ch.len() {
            4 => out.extend_from_slice(&bytes),
            3 => out.extend_from_slice(&bytes[..2]),
            2 => out.push(bytes[0]),
            _ => return None,
        }
    }
    Some(out)
}

/// User and password of a basic `Authorization` header.
fn basic_auth(req: &Request) -> (String, String) {
    let Some(v) = req.header("authorization") else {
        return (String::new(), String::new());
    };
    let Some(enc) = v
        .trim()
        .strip_prefix("Basic ")
        .or_else(|| v.trim().strip_prefix("basic "))
    else {
        return (String::new(), String::new());
    };
    let dec = b64_decode(enc.trim()).unwrap_or_default();
    let text = String::from_utf8_lossy(&dec).into_owned();
    match text.split_once(':') {
        Some((u, p)) => (u.to_string(), p.to_string()),
        None => (text, String::new()),
    }
}

fn unauthorized() -> Vec<u8> {
    let body = b"'access";
    let mut out = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"borf\"\r\nContent-Type: text/plain\r\nConnection: close\r\n".to_vec();
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// What `.z.ac` decides for a request.
enum Access {
    /// `(4;"")`, or no `.z.ac`: basic authentication (`-u`/`-U`, `.z.pw`).
    Basic,
    /// `(1;"name")`: served as user `name` (`.z.u`).
    User(String),
    /// `(0;"")`: the default 401.
    Denied,
    /// `(2;"response")`: this response instead of the handler's.
    Custom(Vec<u8>),
}

/// Runs `.z.ac` (if defined) on `(requestText;headers)`. A result that is
/// not one of q's four forms, or an error, denies access.
fn access(it: &mut Interp, handle: i32, req: &Request, addr: Option<IpAddr>) -> Access {
    let Some(f) = it.get_global(Sym::new(".z.ac")) else {
        return Access::Basic;
    };
    let arg = Value::list(vec![Value::string(&req.target), headers_dict(req)]);
    let r = if it.ipc.conns.contains_key(&handle) {
        super::server::call_handler(it, handle, ".z.ac", arg).unwrap_or(Ok(Value::Nil))
    } else {
        super::server::call_unregistered(it, handle, addr, &f, arg)
    };
    let Ok(v) = r else {
        return Access::Denied;
    };
    let (Some(code), Some(text)) = (v.item(0), v.item(1)) else {
        return Access::Denied;
    };
    let text = match &text {
        Value::Vector(t) if t.ty() == Ty::Char => t.as_u8().unwrap_or(&[]).to_vec(),
        Value::Vector(t) if t.is_empty() => Vec::new(),
        Value::List(l) if l.is_empty() => Vec::new(),
        Value::Atom(Atom::Char(c)) => vec![*c],
        _ => return Access::Denied,
    };
    match code {
        Value::Atom(a) if a.ty().is_integral() => match a.to_i64() {
            Some(1) => Access::User(String::from_utf8_lossy(&text).into_owned()),
            Some(2) => Access::Custom(text),
            Some(4) => Access::Basic,
            _ => Access::Denied,
        },
        _ => Access::Denied,
    }
}

/// A connection's first request: `.z.ac` asked, else its basic-auth
/// credentials checked as a kdb+ login would be (`-u`/`-U`, `.z.pw`; a
/// 401 and the close when they fail), then the connection registered.
/// Later requests (`login` `None`) are asked of `.z.ac` again (a cookie
/// may expire); without it they may always be served. True when the
/// request may be served.
fn log_in(
    it: &mut Interp,
    handle: i32,
    req: &Request,
    login: Option<(TcpStream, Option<IpAddr>)>,
) -> bool {
    let addr = login.as_ref().and_then(|l| l.1);
    let verdict = access(it, handle, req, addr);
    let Some((mut stream, addr)) = login else {
        let refusal = match verdict {
            Access::Basic => return true,
            Access::User(u) => {
                if let Some(c) = it.ipc.conns.get_mut(&handle) {
                    c.user = Sym::new(&u);
                }
                return true;
            }
            Access::Denied => unauthorized(),
            Access::Custom(b) => b,
        };
        let _ = super::transport::send_bytes(it, handle, refusal);
        close_after_write(it, handle);
        return false;
    };
    let (user, refusal) = match verdict {
        Access::User(u) => (u, None),
        Access::Denied => (String::new(), Some(unauthorized())),
        Access::Custom(b) => (String::new(), Some(b)),
        Access::Basic => {
            let (user, pw) = basic_auth(req);
            let needs = it.ipc.users.is_some() || it.get_global(Sym::new(".z.pw")).is_some();
            if needs && !super::server::authorise(it, handle, &user, &pw, addr) {
                (user, Some(unauthorized()))
            } else {
                (user, None)
            }
        }
    };
    if let Some(bytes) = refusal {
        let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
        let _ = stream.write_all(&bytes);
        let _ = stream.shutdown(Shutdown::Both);
        return false;
    }
    super::server::register_http(it, handle, stream, &user, addr)
}

/// Serves one HTTP request on the interpreter thread.
pub(super) fn handle_request(
    it: &mut Interp,
    handle: i32,
    req: Request,
    login: Option<(TcpStream, Option<IpAddr>)>,
) {
    if !log_in(it, handle, &req, login) {
        return;
    }
    if !it.ipc.conns.contains_key(&handle) {
        return;
    }
    let (response, close) = respond_to(it, handle, &req);
    let _ = super::transport::send_bytes(it, handle, response);
    if close {
        close_after_write(it, handle);
    }
}

/// Queues the close marker: the writer shuts the socket after what is
/// queued before it.
pub(super) fn close_after_write(it: &mut Interp, handle: i32) {
    if let Some(c) = it.ipc.conns.get(&handle) {
        c.writer.push(Vec::new());
    }
}

fn headers_dict(req: &Request) -> Value {
    let keys: Vec<Sym> = req.headers.iter().map(|(k, _)| Sym::new(k)).collect();
    let vals: Vec<Value> = req.headers.iter().map(|(_, v)| Value::string(v)).collect();
    Value::dict(Value::Vector(qcore::Vector::syms(keys)), Value::list(vals))
}

/// The response bytes for `req`, and whether to close after them.
fn respond_to(it: &mut Interp, handle: i32, req: &Request) -> (Vec<u8>, bool) {
    let handler = match req.method.as_str() {
        "GET" | "HEAD" => ".z.ph",
        "POST" => ".z.pp",
        _ => ".z.pm",
    };
    let text = if handler == ".z.pp" {
        Value::Vector(qcore::Vector::chars(&req.body))
    } else {
        Value::string(&req.target)
    };
    let arg = Value::list(vec![text, headers_dict(req)]);
    if it.get_global(Sym::new(handler)).is_some() {
        let r = super::server::call_handler(it, handle, handler, arg);
        return match r {
            Some(Ok(v)) => match response_bytes(&v) {
                Some(b) => {
                    let close = says_close(&b) || !req.keep_alive;
                    (b, close)
                }
                None => (doth::error_response(b"type"), true),
            },
            Some(Err(e)) => (doth::error_response(e.name.as_bytes()), true),
            None => (doth::error_response(b"handler"), true),
        };
    }
    match handler {
        ".z.ph" => default_get(it, handle, req),
        ".z.pp" => (
            doth::response(
                "501 Not Implemented",
                b"text/plain",
                b"'.z.pp is not defined",
                false,
            ),
            true,
        ),
        _ => (
            doth::response("405 Method Not Allowed", b"text/plain", b"'method", false),
            true,
        ),
    }
}

/// A handler's result as bytes: a string or a byte vector.
fn response_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Vector(x) if x.ty() == Ty::Char || x.ty() == Ty::Byte => {
            x.as_u8().map(<[u8]>::to_vec)
        }
        Value::Atom(Atom::Char(c)) => Some(vec![*c]),
        _ => None,
    }
}

/// True when a response's head says `Connection: close`.
fn says_close(b: &[u8]) -> bool {
    let head = find_head_end(b).map_or(b, |n| &b[..n]);
    let h = String::from_utf8_lossy(head).to_ascii_lowercase();
    h.lines()
        .any(|l| l.starts_with("connection") && l.contains("close"))
}

/// q's default `.z.ph`: `?expr` evaluated by `.h.val`, its console text
/// (cut to the `\C` size) as a page.
fn default_get(it: &mut Interp, handle: i32, req: &Request) -> (Vec<u8>, bool) {
    let keep = req.keep_alive;
    let t = req.target.as_str();
    let src = match t.strip_prefix('?') {
        Some(q) => doth::uri_unescape(q.as_bytes()),
        None if t.is_empty() => {
            let page = CONSOLE.as_bytes();
            return (doth::response("200 OK", b"text/html", page, keep), !keep);
        }
        None => {
            return (
                doth::response(
                    "404 Not Found",
                    b"text/plain",
                    format!("Not found: {t}").as_bytes(),
                    keep,
                ),
                !keep,
            );
        }
    };
    let r = super::server::call_with_ctx(it, handle, |it| -> QResult<Value> {
        let val = it
            .get_global(Sym::new(".h.val"))
            .or_else(|| crate::registry::lookup("value").map(crate::registry::func))
            .unwrap_or(Value::Nil);
        crate::builtins::apply::apply(it, &val, vec![Value::Vector(qcore::Vector::chars(&src))])
    });
    match r {
        Ok(v) => {
            let (rows, cols) = it.settings.http_console;
            let size = crate::display::Console {
                rows,
                cols,
                precision: it.settings.console.precision,
            };
            let text = crate::display::console(&v, &size);
            let ls: Vec<Vec<u8>> = text
                .lines()
                .map(|l| doth::xml_escape(l.as_bytes()))
                .collect();
            let body = doth::pre_page(&ls);
            (doth::response("200 OK", b"text/html", &body, keep), !keep)
        }
        Err(e) => (doth::error_response(e.name.as_bytes()), true),
    }
}

// ---------------------------------------------------------------------------
// WebSockets

/// The key of a WebSocket upgrade request (`GET` with `Upgrade: websocket`).
pub(super) fn ws_key(req: &Request) -> Option<String> {
    let up = req.header("upgrade")?;
    (req.method == "GET" && up.eq_ignore_ascii_case("websocket"))
        .then(|| {
            req.header("sec-websocket-key")
                .map(|k| k.trim().to_string())
        })
        .flatten()
}

/// The `101 Switching Protocols` answer to an upgrade with `key`.
fn ws_accept(key: &str) -> Vec<u8> {
    let mut k = key.as_bytes().to_vec();
    k.extend_from_slice(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    let acc = crate::ops::digest::base64(&crate::ops::digest::sha1_digest(&k));
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {acc}\r\n\r\n"
    )
    .into_bytes()
}

/// Reads WebSocket frames (tungstenite) until the close, passing each
/// message on.
fn ws_read_loop(r: TcpStream, part: Vec<u8>, handle: i32, sink: &Sink, limit: usize) {
    use tungstenite::protocol::{Role, WebSocketConfig};
    let cfg = WebSocketConfig::default()
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit));
    let _ = r.set_read_timeout(None);
    let r = ReadOnly(r);
    let mut ws = tungstenite::WebSocket::from_partially_read(r, part, Role::Server, Some(cfg));
    loop {
        let (data, text) = match ws.read() {
            Ok(tungstenite::Message::Text(t)) => (t.as_bytes().to_vec(), true),
            Ok(tungstenite::Message::Binary(b)) => (b.to_vec(), false),
            Ok(tungstenite::Message::Ping(p)) => {
                if !sink(Event::WsPong {
                    handle,
                    payload: p.to_vec(),
                }) {
                    break;
                }
                continue;
            }
            Ok(tungstenite::Message::Close(_)) | Err(_) => break,
            Ok(_) => continue,
        };
        if !sink(Event::WsMessage { handle, data, text }) {
            break;
        }
    }
}

/// The reader's side of a WebSocket: tungstenite answers pings by writing
/// to its stream, but only the connection's writer thread may write (a
/// pong in the middle of a large frame would corrupt it), so writes here
/// are dropped and the pong is queued through [`Event::WsPong`].
struct ReadOnly(TcpStream);

impl std::io::Read for ReadOnly {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl std::io::Write for ReadOnly {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A pong frame answering a ping's payload.
pub(super) fn ws_pong(payload: &[u8]) -> Vec<u8> {
    use tungstenite::protocol::frame::Frame;
    let mut out = Vec::with_capacity(payload.len() + 2);
    let _ = Frame::pong(payload.to_vec()).format(&mut out);
    out
}

/// One WebSocket frame as the server sends it: a string is a text frame,
/// bytes a binary one.
pub(super) fn ws_frame(data: &[u8], text: bool) -> Vec<u8> {
    use tungstenite::protocol::frame::Frame;
    use tungstenite::protocol::frame::coding::{Data, OpCode};
    let op = OpCode::Data(if text { Data::Text } else { Data::Binary });
    let mut out = Vec::with_capacity(data.len() + 10);
    let _ = Frame::message(data.to_vec(), op, true).format(&mut out);
    out
}

/// Serves an upgrade on the interpreter thread: credentials (first
/// request), the 101 answer, then `.z.wo`.
pub(super) fn handle_ws_open(
    it: &mut Interp,
    handle: i32,
    req: Request,
    login: Option<(TcpStream, Option<IpAddr>)>,
) {
    if !log_in(it, handle, &req, login) {
        return;
    }
    let Some(key) = ws_key(&req) else { return };
    match it.ipc.conns.get_mut(&handle) {
        Some(c) => {
            c.ws = true;
            c.console = req.target == ".console";
        }
        None => return,
    }
    let _ = super::transport::send_bytes(it, handle, ws_accept(&key));
    let _ = super::server::call_handler(it, handle, ".z.wo", Value::int(handle));
}

/// A WebSocket message: `.z.ws` with a string (text) or bytes (binary);
/// without `.z.ws`, q's default echoes it.
pub(super) fn handle_ws_message(it: &mut Interp, handle: i32, data: Vec<u8>, text: bool) {
    let Some(console) = it.ipc.conns.get(&handle).map(|c| c.console) else {
        return;
    };
    if console {
        console_message(it, handle, data, text);
        return;
    }
    if it.get_global(Sym::new(".z.ws")).is_none() {
        let _ = super::transport::send_bytes(it, handle, ws_frame(&data, text));
        return;
    }
    let arg = if text {
        Value::Vector(qcore::Vector::chars(&data))
    } else {
        Value::Vector(qcore::Vector::from_u8(Ty::Byte, data))
    };
    if let Some(Err(e)) = super::server::call_handler(it, handle, ".z.ws", arg)
        && it.exit_request.is_none()
    {
        eprintln!("'{}", e.name);
        eprintln!("  in .z.ws (handle {handle})");
    }
}

/// `neg[h] x` (and `h x`) on a WebSocket handle.
pub(super) fn ws_send(it: &mut Interp, h: i32, msg: &Value) -> QResult<Value> {
    if h > 0 {
        // q's own answer (ref/dotz.md .z.ws): websocket messages are async
        return Err(qcore::QError::new("nyi")
            .with_detail("websocket messages are async only: neg[h] x (q signals 'nyi too)"));
    }
    let handle = -h;
    let frame = match msg {
        Value::Vector(v) if v.ty() == Ty::Char => ws_frame(v.as_u8().unwrap_or(&[]), true),
        Value::Atom(Atom::Char(c)) => ws_frame(&[*c], true),
        Value::Vector(v) if v.ty() == Ty::Byte => ws_frame(v.as_u8().unwrap_or(&[]), false),
        Value::Nil => {
            super::transport::flush(it, handle)?;
            return Ok(Value::Nil);
        }
        _ => return Err(qcore::QError::type_()),
    };
    if !super::transport::send_bytes(it, handle, frame) {
        return Err(super::transport::write_error(handle));
    }
    Ok(Value::Nil)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_of_rfc6455() {
        let r = String::from_utf8(ws_accept("dGhlIHNhbXBsZSBub25jZQ==")).unwrap();
        assert!(
            r.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            "{r}"
        );
    }

    #[test]
    fn base64_both_ways() {
        for s in ["", "a", "ab", "abc", "abcd", "bob:secret"] {
            assert_eq!(
                b64_decode(&crate::ops::digest::base64(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(
            crate::ops::digest::base64(b"bob:secret"),
            "Ym9iOnNlY3JldA=="
        );
    }

    #[test]
    fn http_is_told_from_a_login() {
        assert!(looks_like_http(b"GET /?1 "));
        assert!(looks_like_http(b"POST / H"));
        assert!(!looks_like_http(b"user:pw\x03"));
        assert!(!looks_like_http(b"\x03\x00"));
    }
}
