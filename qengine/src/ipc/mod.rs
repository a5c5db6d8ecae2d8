//! kdb+ IPC (protocol version 3): serialization ([`wire`]), compression
//! ([`compress`]), the server's listener and connection readers, the handlers
//! `.z.pg .z.ps .z.po .z.pc .z.pw`, and the client side (`hopen`, `hclose`,
//! `h"expr"`, `neg[h]"expr"`).
//!
//! **Only this module knows wire byte layouts.**
//!
//! Threads: the listener and one reader per connection never touch the
//! interpreter. A reader does the handshake, reads and decodes framed
//! messages, and hands them as [`Event`]s to the binary's event loop (the
//! [`Sink`]); the interpreter thread evaluates them one at a time
//! ([`handle_event`]) and writes the responses itself. A connection that
//! sends garbage, a bad header, an absurd length, or disconnects mid-message
//! is dropped by its reader without affecting anything else.

pub mod compress;
pub mod md5;
pub mod wire;

use std::collections::HashMap;
use std::io::Read;
use std::io::Write;
use std::net::IpAddr;
use std::net::Shutdown;
use std::net::SocketAddr;
use std::net::TcpListener;
use std::net::TcpStream;
use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

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
use wire::Body;

/// Largest message accepted (total bytes, header included).
pub const DEFAULT_LIMIT: usize = 1 << 30;
/// Capability this side speaks (3: v3.0, GUIDs; no >2 GB messages).
pub const CAPABILITY: u8 = 3;
/// How long a client may take to send its credentials.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// A peer that does not read a response within this time is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a connection reader hands to the event loop.
pub enum Event {
    /// A client sent its credentials; the loop decides (`-u`, `.z.pw`) and
    /// answers on `reply`. On acceptance the loop writes the capability byte.
    Login {
        handle: i32,
        user: String,
        password: String,
        capability: u8,
        addr: Option<IpAddr>,
        stream: TcpStream,
        reply: mpsc::Sender<bool>,
        /// Responses (type 2) the client sends, for a sync request made on
        /// this incoming handle (`.z.w"x"`).
        responses: mpsc::Receiver<Body>,
    },
    /// A decoded message (0 async, 1 sync, 2 response).
    Message {
        handle: i32,
        msgtype: u8,
        body: Value,
    },
    /// The connection closed (after a login was accepted).
    Closed { handle: i32 },
}

/// Delivers events to the interpreter thread's loop; false when the loop
/// has gone.
pub type Sink = Arc<dyn Fn(Event) -> bool + Send + Sync>;

struct Conn {
    stream: TcpStream,
    /// Accepted by our listener (vs opened with `hopen`).
    incoming: bool,
    /// Peer on a loopback address (never compressed, as kdb+).
    local: bool,
    capability: u8,
    user: Sym,
    addr: i32,
    /// Incoming connections: the responses its reader passes on.
    responses: Option<mpsc::Receiver<Body>>,
}

struct Listener {
    port: u16,
    stop: Arc<AtomicBool>,
}

/// The interpreter's IPC state.
pub struct IpcState {
    conns: HashMap<i32, Conn>,
    /// Set by the binary when its event loop runs; `\p` needs it.
    pub sink: Option<Sink>,
    listener: Option<Listener>,
    /// `-u`/`-U` password file: user to password (plain or md5 hex).
    pub users: Option<Arc<HashMap<String, String>>>,
    /// Compress every message that shrinks (`BORF_IPC_COMPRESS=1`), for
    /// testing: kdb+ only compresses over 2000 bytes to non-local peers.
    pub force_compress: bool,
    /// Largest message accepted.
    pub limit: usize,
    /// `.z.w` of the request being served (0 at the console).
    pub current: i32,
    /// `.z.u` and `.z.a` of the request being served.
    current_user: Sym,
    current_addr: i32,
    /// `-u`: clients may not use files outside the startup directory (nor
    /// change directory); `-u 1` also blocks their system commands.
    pub restrict: Restrict,
    /// Files opened with `hopen `:path` (builtins/fileio.rs), by handle.
    pub files: HashMap<i32, std::fs::File>,
}

/// What `-u` restricts for clients (`.z.w` not 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Restrict {
    /// `-U file` or no option.
    #[default]
    None,
    /// `-u file`: no file access outside the startup directory.
    Files,
    /// `-u 1`: that, and no system commands.
    FilesAndSystem,
}

impl Default for IpcState {
    fn default() -> Self {
        IpcState {
            conns: HashMap::new(),
            sink: None,
            listener: None,
            users: None,
            force_compress: std::env::var("BORF_IPC_COMPRESS").is_ok_and(|v| v == "1"),
            limit: DEFAULT_LIMIT,
            current: 0,
            current_user: Sym::EMPTY,
            current_addr: 0,
            restrict: Restrict::None,
            files: HashMap::new(),
        }
    }
}

impl IpcState {
    /// The port listened on, 0 when not listening.
    pub fn port(&self) -> u16 {
        self.listener.as_ref().map_or(0, |l| l.port)
    }

    /// True while a listener runs (the process keeps serving after its
    /// standard input ends).
    pub fn listening(&self) -> bool {
        self.listener.is_some()
    }

    /// `.z.u` and `.z.a` while a client's request or handler runs (`None`
    /// at the console).
    pub fn peer(&self) -> Option<(Sym, i32)> {
        (self.current != 0).then_some((self.current_user, self.current_addr))
    }
}

/// Signals `'access` when a client (not the console) may not run system
/// commands (`-u 1`).
pub fn check_system(it: &Interp) -> QResult<()> {
    if it.ipc.current != 0 && it.ipc.restrict == Restrict::FilesAndSystem {
        return Err(
            QError::new("access").with_detail("system commands are disabled for clients (-u 1)")
        );
    }
    Ok(())
}

/// Signals `'access` when a client (not the console) names a file outside
/// the startup directory under `-u`: an absolute path or one with `..`.
pub fn check_file(it: &Interp, path: &str) -> QResult<()> {
    if it.ipc.current == 0 || it.ipc.restrict == Restrict::None {
        return Ok(());
    }
    let p = std::path::Path::new(path.strip_prefix(':').unwrap_or(path));
    let outside = p.is_absolute()
        || p.components().any(|c| {
            matches!(
                c,
                std::path::Component::ParentDir | std::path::Component::Prefix(_)
            )
        })
        || path.starts_with('~');
    if outside {
        return Err(QError::new("access")
            .with_detail(format!("{path}: outside the startup directory (-u)")));
    }
    Ok(())
}

static NEXT_HANDLE: AtomicI32 = AtomicI32::new(3);

fn next_handle() -> i32 {
    NEXT_HANDLE.fetch_add(1, Ordering::Relaxed)
}

fn ip_int(a: Option<IpAddr>) -> i32 {
    match a {
        Some(IpAddr::V4(v)) => u32::from(v) as i32,
        Some(IpAddr::V6(v)) => v.to_ipv4_mapped().map_or(0, |v| u32::from(v) as i32),
        None => 0,
    }
}

fn is_local(a: Option<IpAddr>) -> bool {
    a.is_none_or(|a| {
        a.is_loopback()
            || matches!(a, IpAddr::V6(v) if v.to_ipv4_mapped().is_some_and(|v| v.is_loopback()))
    })
}

// ---------------------------------------------------------------------------
// Internal functions -8! -9! -18!

/// `n!x` for the internal functions this module owns: `-8!x` to bytes,
/// `-9!x` from bytes, `-18!x` to compressed bytes. `None` for other `n`.
/// `-8!x`: the kdb+ IPC message of `x` as bytes.
pub fn serialize(x: Value) -> QResult<Value> {
    wire::frame(wire::ASYNC, &x).map(bytes_value)
}

/// `-18!x`: as `-8!x`, compressed when that makes it smaller.
pub fn serialize_compressed(x: Value) -> QResult<Value> {
    wire::frame(wire::ASYNC, &x).map(|m| bytes_value(compress::compress(&m).unwrap_or(m)))
}

/// `-9!x`: the value of a kdb+ IPC message given as bytes.
pub fn deserialize(x: Value) -> QResult<Value> {
    match &x {
        Value::Vector(v) if v.ty() == Ty::Byte => {
            match wire::decode_message(v.as_u8().unwrap_or(&[]), DEFAULT_LIMIT) {
                Ok((_, Body::Value(v))) => Ok(v),
                Ok((_, Body::Error(e))) => Err(QError::new(e)),
                Err(e) => Err(e),
            }
        }
        _ => Err(QError::type_()),
    }
}

fn bytes_value(b: Vec<u8>) -> Value {
    Value::Vector(Vector::from_u8(Ty::Byte, b))
}

// ---------------------------------------------------------------------------
// Reading framed messages

/// Reads one whole message (header checked before the body is read; the
/// body buffer grows as bytes arrive, so a lying length allocates nothing).
/// `Ok(None)` on a clean end of stream before a header.
fn read_message(s: &mut TcpStream, limit: usize) -> QResult<Option<Vec<u8>>> {
    let mut h = [0u8; 8];
    let mut got = 0;
    while got < 8 {
        match s.read(&mut h[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(QError::new("badmsg").with_detail("truncated header")),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(e)),
        }
    }
    let hd = wire::parse_header(&h, limit)?;
    let mut msg = Vec::with_capacity(hd.len.min(1 << 20));
    msg.extend_from_slice(&h);
    let want = (hd.len - 8) as u64;
    let n = s.take(want).read_to_end(&mut msg).map_err(io_err)?;
    if (n as u64) < want {
        return Err(QError::new("badmsg").with_detail("connection closed mid-message"));
    }
    Ok(Some(msg))
}

fn io_err(e: std::io::Error) -> QError {
    QError::new("os").with_detail(e.to_string())
}

// ---------------------------------------------------------------------------
// Server: listener and connection readers

/// `\p`, `\p N`, `\p host:N`: shows or sets the listening port (0 stops).
pub fn system_p(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        return Ok(Outcome::Value(Value::int(it.ipc.port() as i32)));
    }
    listen(it, rest)?;
    Ok(Outcome::Silent)
}

/// Starts (or with port 0 stops) the listener: `N` (all interfaces) or
/// `host:N`.
pub fn listen(it: &mut Interp, spec: &str) -> QResult<()> {
    let (host, port) = match spec.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p),
        None => ("0.0.0.0".to_string(), spec),
    };
    let port: i64 = port.trim().parse().map_err(|_| QError::type_())?;
    if port < 0 {
        return Err(QError::nyi("multithreaded listener (negative port)"));
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

/// Reads the handshake `user:password<cap>\0` (at most 1 KB).
fn read_handshake(s: &mut TcpStream) -> Option<(String, String, u8)> {
    let mut buf = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match s.read(&mut b) {
            Ok(1) => {
                if b[0] == 0 {
                    break;
                }
                buf.push(b[0]);
                if buf.len() > 1024 {
                    return None;
                }
            }
            _ => return None,
        }
    }
    let cap = match buf.last() {
        Some(&c) if c < 32 => {
            buf.pop();
            c
        }
        _ => 0,
    };
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (u, p) = match text.split_once(':') {
        Some((u, p)) => (u.to_string(), p.to_string()),
        None => (text, String::new()),
    };
    Some((u, p, cap))
}

fn serve_conn(mut s: TcpStream, peer: SocketAddr, sink: Sink, limit: usize) {
    let _ = s.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
    let _ = s.set_nodelay(true);
    let Some((user, password, capability)) = read_handshake(&mut s) else {
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
    let _ = s.set_read_timeout(None);
    while let Ok(Some(msg)) = read_message(&mut s, limit) {
        match wire::decode_message(&msg, limit) {
            Ok((h, Body::Value(body))) if h.msgtype != wire::RESPONSE => {
                drop(msg);
                if !sink(Event::Message {
                    handle,
                    msgtype: h.msgtype,
                    body,
                }) {
                    break;
                }
            }
            // a response to our sync request on this handle (`.z.w"x"`);
            // one nobody waits for is dropped when the next request starts
            Ok((h, body)) if h.msgtype == wire::RESPONSE => {
                let _ = resp_tx.send(body);
            }
            // error objects as requests are ignored
            Ok(_) => {}
            Err(_) => break,
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
                let cap = capability.min(CAPABILITY);
                let written = stream.write_all(&[cap]).is_ok();
                let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
                let _ = stream.set_nodelay(true);
                let _ = reply.send(written);
                if written {
                    it.ipc.conns.insert(
                        handle,
                        Conn {
                            stream,
                            incoming: true,
                            local: is_local(addr),
                            capability: cap,
                            user: Sym::new(&user),
                            addr: ip_int(addr),
                            responses: Some(responses),
                        },
                    );
                    let _ = call_handler(it, handle, ".z.po", Value::int(handle));
                }
            } else {
                let _ = reply.send(false);
            }
        }
        Event::Message {
            handle,
            msgtype,
            body,
        } => {
            if !it.ipc.conns.contains_key(&handle) {
                return;
            }
            let r = eval_message(it, handle, msgtype, body);
            if msgtype == wire::SYNC {
                respond(it, handle, r);
            }
        }
        Event::Closed { handle } => {
            if it.ipc.conns.remove(&handle).is_some() {
                let _ = call_handler(it, handle, ".z.pc", Value::int(handle));
            }
        }
    }
}

fn authorise(it: &mut Interp, handle: i32, user: &str, pw: &str, addr: Option<IpAddr>) -> bool {
    if let Some(users) = &it.ipc.users {
        match users.get(user) {
            Some(p) if p == pw || p.eq_ignore_ascii_case(&md5::md5_hex(pw.as_bytes())) => {}
            _ => return false,
        }
    }
    let Some(f) = it.get_global(Sym::new(".z.pw")) else {
        return true;
    };
    let saved = set_ctx(it, handle, Sym::new(user), ip_int(addr));
    let r = guarded(it, |it| {
        apply(it, &f, vec![Value::sym(user), Value::string(pw)])
    });
    restore_ctx(it, saved);
    matches!(r, Ok(Value::Atom(a)) if a.to_i64().is_some_and(|v| v != 0))
}

type Ctx = (i32, Sym, i32, Option<Value>);

fn set_ctx(it: &mut Interp, handle: i32, user: Sym, addr: i32) -> Ctx {
    let w = Sym::new(".z.w");
    let saved = (
        it.ipc.current,
        it.ipc.current_user,
        it.ipc.current_addr,
        it.get_global(w),
    );
    it.ipc.current = handle;
    it.ipc.current_user = user;
    it.ipc.current_addr = addr;
    it.set_global(w, Value::int(handle));
    saved
}

fn restore_ctx(it: &mut Interp, saved: Ctx) {
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

/// Runs `f` catching panics (a panic is a bug; it becomes `'panic`).
fn guarded(it: &mut Interp, f: impl FnOnce(&mut Interp) -> QResult<Value>) -> QResult<Value> {
    let depth = it.depth;
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(it))) {
        Ok(r) => r,
        Err(_) => {
            it.depth = depth;
            Err(QError::new("panic"))
        }
    }
}

/// Calls handler `name` (`.z.po` ...) if defined, with the connection's
/// context set.
fn call_handler(it: &mut Interp, handle: i32, name: &str, arg: Value) -> Option<QResult<Value>> {
    let f = it.get_global(Sym::new(name))?;
    let (user, addr) = it
        .ipc
        .conns
        .get(&handle)
        .map_or((Sym::EMPTY, 0), |c| (c.user, c.addr));
    let saved = set_ctx(it, handle, user, addr);
    let r = guarded(it, |it| apply(it, &f, vec![arg]));
    restore_ctx(it, saved);
    Some(r)
}

/// Evaluates a request: `.z.pg` (sync) or `.z.ps` (async) when defined,
/// else `value x`.
pub fn eval_message(it: &mut Interp, handle: i32, msgtype: u8, body: Value) -> QResult<Value> {
    let name = if msgtype == wire::SYNC {
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
    let r = guarded(it, |it| default_eval(it, body));
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
                    it.eval_text(&s)?
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
pub fn respond(it: &mut Interp, handle: i32, r: QResult<Value>) {
    let msg = match r.and_then(|v| wire::frame(wire::RESPONSE, &v)) {
        Ok(m) => m,
        Err(e) => wire::error_frame(wire::RESPONSE, &e.name),
    };
    send_bytes(it, handle, msg);
}

fn send_bytes(it: &mut Interp, handle: i32, msg: Vec<u8>) -> bool {
    let force = it.ipc.force_compress;
    let Some(c) = it.ipc.conns.get_mut(&handle) else {
        return false;
    };
    let msg = if c.capability >= 1 && (force || (msg.len() > 2000 && !c.local)) {
        compress::compress(&msg).unwrap_or(msg)
    } else {
        msg
    };
    if c.stream
        .write_all(&msg)
        .and_then(|_| c.stream.flush())
        .is_err()
    {
        let _ = c.stream.shutdown(Shutdown::Both);
        if !c.incoming {
            it.ipc.conns.remove(&handle);
        }
        return false;
    }
    true
}

// ---------------------------------------------------------------------------
// Client

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
    let msg = if args.len() == 1 {
        args.into_iter().next().unwrap_or(Value::Nil)
    } else {
        Value::list(args)
    };
    let handle = h.abs();
    if h < 0 {
        if matches!(msg, Value::Nil) {
            return Ok(Value::Nil); // flush: writes are never buffered
        }
        let m = wire::frame(wire::ASYNC, &msg)?;
        if !send_bytes(it, handle, m) {
            return Err(write_error(handle));
        }
        return Ok(Value::Nil);
    }
    if it.ipc.conns.get(&handle).is_some_and(|c| c.incoming) {
        return sync_incoming(it, handle, &msg);
    }
    let m = wire::frame(wire::SYNC, &msg)?;
    if !send_bytes(it, handle, m) {
        return Err(write_error(handle));
    }
    let limit = it.ipc.limit;
    loop {
        let read = match it.ipc.conns.get_mut(&handle) {
            Some(c) => read_message(&mut c.stream, limit),
            None => return Err(QError::new("close")),
        };
        let msg = match read {
            Ok(Some(m)) => m,
            Ok(None) | Err(_) => {
                if let Some(c) = it.ipc.conns.remove(&handle) {
                    let _ = c.stream.shutdown(Shutdown::Both);
                }
                return Err(QError::new("close").with_detail("the remote closed the connection"));
            }
        };
        let (hd, body) = wire::decode_message(&msg, limit)?;
        match (hd.msgtype, body) {
            (wire::RESPONSE, Body::Value(v)) => return Ok(v),
            (wire::RESPONSE, Body::Error(e)) => return Err(QError::new(e)),
            // the remote calls back while we wait: serve it, as q does
            (t, Body::Value(v)) => {
                let r = eval_message(it, handle, t, v);
                if t == wire::SYNC {
                    respond(it, handle, r);
                }
            }
            (_, Body::Error(_)) => {}
        }
    }
}

/// `.z.w"x"`: a sync request to a client on its incoming handle. Its
/// reader passes the client's response on; we wait for it (as q, with no
/// time limit; an interrupt or the client closing ends the wait).
fn sync_incoming(it: &mut Interp, handle: i32, msg: &Value) -> QResult<Value> {
    if let Some(rx) = it.ipc.conns.get(&handle).and_then(|c| c.responses.as_ref()) {
        while rx.try_recv().is_ok() {} // stale, unasked-for responses
    }
    let m = wire::frame(wire::SYNC, msg)?;
    if !send_bytes(it, handle, m) {
        return Err(write_error(handle));
    }
    loop {
        let r = match it.ipc.conns.get(&handle).and_then(|c| c.responses.as_ref()) {
            Some(rx) => rx.recv_timeout(Duration::from_millis(50)),
            None => return Err(QError::new("close")),
        };
        match r {
            Ok(Body::Value(v)) => return Ok(v),
            Ok(Body::Error(e)) => return Err(QError::new(e)),
            // tick reaches its interrupt/deadline check every 4096 calls
            Err(mpsc::RecvTimeoutError::Timeout) => (0..4096).try_for_each(|_| it.tick())?,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(QError::new("close").with_detail("the client closed the connection"));
            }
        }
    }
}

/// Checks a system command (`\cmd` or `system "cmd"`) a client runs:
/// `-u 1` refuses all; `-u file` refuses `\cd`, shell commands and `\l`
/// of a file outside the startup directory.
pub fn check_command(it: &Interp, cmd: &str) -> QResult<()> {
    check_system(it)?;
    if it.ipc.current == 0 || it.ipc.restrict == Restrict::None {
        return Ok(());
    }
    let mut words = cmd.split_whitespace();
    let name = words.next().unwrap_or("");
    match name {
        "cd" => Err(QError::new("access").with_detail("\\cd is disabled for clients (-u)")),
        "l" | "d" | "a" | "f" | "v" | "b" | "B" | "p" | "P" | "c" | "C" | "t" | "ts" | "w"
        | "e" | "g" | "o" | "S" | "T" | "z" | "W" | "_" | "x" | "1" | "2" => {
            if name == "l" {
                for w in words {
                    check_file(it, w)?;
                }
            }
            Ok(())
        }
        // anything else goes to the shell
        _ => Err(QError::new("access").with_detail("shell commands are disabled for clients (-u)")),
    }
}

fn write_error(handle: i32) -> QError {
    QError::new("close").with_detail(format!("cannot write to handle {handle}"))
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

/// `hopen x`: connects, logs in, returns the handle.
pub fn hopen(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Some(path) = crate::builtins::io::handle::file_target(&x) {
        return crate::builtins::io::handle::hopen_file(it, &path, next_handle());
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
    let mut hs = t.creds.clone().into_bytes();
    hs.extend_from_slice(&[CAPABILITY, 0]);
    s.write_all(&hs).map_err(io_err)?;
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
    let _ = s.set_read_timeout(None);
    let _ = s.set_write_timeout(Some(WRITE_TIMEOUT));
    let peer = s.peer_addr().ok().map(|a| a.ip());
    let h = next_handle();
    let user = t.creds.split(':').next().unwrap_or("");
    it.ipc.conns.insert(
        h,
        Conn {
            stream: s,
            incoming: false,
            local: is_local(peer),
            capability: b[0],
            user: Sym::new(user),
            addr: ip_int(peer),
            responses: None,
        },
    );
    Ok(Value::int(h))
}

/// `hclose h`: closes a connection (an incoming one fires `.z.pc` when its
/// reader sees the close).
pub fn hclose(it: &mut Interp, x: Value) -> QResult<Value> {
    let h = match &x {
        Value::Atom(a) => a.to_i64().ok_or_else(QError::type_)?,
        _ => return Err(QError::type_()),
    };
    let h = i32::try_from(h.abs()).map_err(|_| QError::domain())?;
    if it.ipc.files.remove(&h).is_some() {
        return Ok(Value::Nil);
    }
    match it.ipc.conns.get(&h) {
        Some(c) if c.incoming => {
            let _ = c.stream.shutdown(Shutdown::Both);
        }
        Some(_) => {
            if let Some(c) = it.ipc.conns.remove(&h) {
                let _ = c.stream.shutdown(Shutdown::Both);
            }
        }
        None => {}
    }
    Ok(Value::Nil)
}

/// Loads a `-u`/`-U` password file: `user:password` per line (password
/// plain or its md5 hex digest).
pub fn load_users(path: &str) -> Result<HashMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(':') {
            Some((u, p)) => (u.to_string(), p.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect())
}
