//! kdb+ IPC connections: the server ([`server`]: listener, connection
//! readers, the handlers `.z.pg .z.ps .z.po .z.pc .z.pw`), the client
//! ([`client`]: `hopen`, `hclose`, `h"expr"`, `neg[h]"expr"`), framed reads
//! and writes on a socket ([`transport`]), `-u`/`-U` access control
//! ([`access`]) and the interpreter's answers about functions on the wire
//! ([`codec`]). The bytes themselves are the `qipc` crate's: nothing here
//! knows a wire byte layout.
//!
//! Threads: the listener and one reader per connection never touch the
//! interpreter. A reader does the handshake, reads framed messages, checks
//! their headers and decompresses them, and hands them as [`Event`]s to the
//! binary's event loop (the [`Sink`]); the interpreter thread decodes them
//! (only it can compile a lambda), evaluates them one at a time
//! ([`handle_event`]) and writes the responses itself. A connection that
//! sends garbage, a bad header, an absurd length, bytes that do not decode,
//! or disconnects mid-message is dropped without affecting anything else.

mod access;

mod client;

pub mod codec;
pub mod http;

pub mod http_client;

mod server;

mod transport;

mod journal;

pub mod peach;

pub use journal::append as journal_append;

pub use journal::replay as journal_replay;

use std::collections::HashMap;

use std::net::IpAddr;

use std::net::TcpStream;

use std::sync::Arc;

use std::sync::atomic::AtomicBool;

use std::sync::atomic::AtomicI32;

use std::sync::atomic::Ordering;

use std::sync::mpsc;

use qcore::Sym;

pub use access::Restrict;

pub use access::check_command;

pub use access::check_system;

pub use access::check_expunge;

pub use access::load_users;

pub use access::reload_users;

pub use access::restricted;

pub use transport::DEFAULT_QUEUE;

pub use transport::DEFAULT_STALL;

pub use transport::Limits;

pub use transport::limits;

pub use client::broadcast;

pub use client::handle_of;

pub use client::hclose;

pub use client::hopen;

pub use client::one_shot;

pub use client::send;

pub use qipc::CAPABILITY;

pub use qipc::md5;

pub use server::default_eval;

pub use server::socket_table;

pub use server::eval_message;

pub use server::handle_event;

pub use server::listen;

pub use server::respond;

pub use server::deferred_response;

pub use server::system_p;

pub use server::fire_timer;

pub use server::z_w_handles;

pub use server::z_w_current;

/// Largest message accepted (total bytes, header included).
pub const DEFAULT_LIMIT: usize = 1 << 30;

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
        responses: mpsc::Receiver<qipc::Message>,
    },
    /// Received requests (0 async, 1 sync), in order, checked and
    /// decompressed but not decoded: the interpreter thread decodes them.
    Messages {
        handle: i32,
        messages: Vec<qipc::Message>,
    },
    /// The connection closed (after a login was accepted).
    Closed { handle: i32 },
    /// A whole HTTP request; `login` (the socket and peer) comes with a
    /// connection's first request.
    Http {
        handle: i32,
        req: http::Request,
        login: Option<(TcpStream, Option<IpAddr>)>,
    },
    /// A WebSocket upgrade request (`login` as for [`Event::Http`]).
    WsOpen {
        handle: i32,
        req: http::Request,
        login: Option<(TcpStream, Option<IpAddr>)>,
    },
    /// A WebSocket message: text or binary.
    WsMessage {
        handle: i32,
        data: Vec<u8>,
        text: bool,
    },
    /// A WebSocket ping: its pong goes out through the connection's writer,
    /// so it is never written in the middle of another frame.
    WsPong { handle: i32, payload: Vec<u8> },
    /// A malformed HTTP request on a served connection: `response` (a 400)
    /// is queued and the connection closed after it.
    HttpBad { handle: i32, response: Vec<u8> },
    /// A connection this process opened (`hopen`) has something in its
    /// inbox: a request, a response nobody waits for, or its close.
    Ready { handle: i32 },
}

/// What the reader of a connection this process opened passes on.
pub(crate) enum Inbound {
    Message(qipc::Message),
    Closed,
}

/// Delivers events to the interpreter thread's loop; false when the loop
/// has gone.
pub type Sink = Arc<dyn Fn(Event) -> bool + Send + Sync>;

struct Conn {
    /// For shutting the socket; reads and writes go through the reader and
    /// writer threads.
    stream: TcpStream,
    writer: transport::Writer,
    /// Outgoing connections: what their reader thread read, in order.
    inbox: Option<mpsc::Receiver<Inbound>>,
    /// Accepted by our listener (vs opened with `hopen`).
    incoming: bool,
    /// Peer on a loopback address (never compressed, as kdb+).
    local: bool,
    capability: u8,
    user: Sym,
    addr: i32,
    /// Incoming connections: the responses its reader passes on.
    responses: Option<mpsc::Receiver<qipc::Message>>,
    /// An HTTP connection (no `.z.po`/`.z.pc`, not a kdb+ peer).
    http: bool,
    /// Upgraded to a WebSocket (`.z.wo`/`.z.ws`/`.z.wc`; `neg[h]` sends
    /// frames).
    ws: bool,
    /// The browser console's WebSocket (`/.console`): kdb+ serialized
    /// requests evaluated by `.h.val`, whatever `.z.ws` is.
    console: bool,
}

impl Conn {
    /// A connection our listener accepted: a kdb+ peer (with the
    /// `responses` its reader passes on) or an HTTP one (`capability` 0).
    fn accepted(
        stream: TcpStream,
        writer: transport::Writer,
        addr: Option<std::net::IpAddr>,
        capability: u8,
        user: Sym,
        responses: Option<mpsc::Receiver<qipc::Message>>,
    ) -> Conn {
        Conn {
            stream,
            writer,
            inbox: None,
            incoming: true,
            local: is_local(addr),
            capability,
            user,
            addr: ip_int(addr),
            http: responses.is_none(),
            responses,
            ws: false,
            console: false,
        }
    }
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
    /// `-u`/`-U` password file: user to password (plain, MD5 or SHA-1 hex).
    pub users: Option<Arc<HashMap<String, String>>>,
    /// The password file's path (`\u` reloads it).
    pub users_file: Option<String>,
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
    /// `-u`: clients may run no system command and use no file outside the
    /// directory tree (`access.rs`).
    pub restrict: Restrict,
    /// `-b`: clients may not write globals (`'noupdate`), `hdel` or `hopen`
    /// a file.
    pub block_writes: bool,
    /// Files opened with `hopen `:path` (builtins/fileio.rs), by handle.
    pub files: HashMap<i32, std::fs::File>,
    /// Which of `files` are fifos (`` hopen`:fifo://path ``), with the bytes
    /// read past the last line `read0` returned.
    pub fifo_bufs: HashMap<i32, Vec<u8>>,
    /// Listening in multithreaded input mode (a negative port, `-p -N`):
    /// clients' handlers may not update globals or use sockets.
    pub multithreaded: bool,
    /// `\t`: the timer interval in milliseconds (0: off).
    pub timer_ms: i64,
    /// Logs being appended to (`h enlist x` on a file handle): the file's
    /// length and message count as last written, so an append is two writes.
    pub journals: HashMap<i32, (u64, i32)>,
    /// When `.z.ts` runs next (the event loop's; reset by `\t`).
    pub timer_next: Option<std::time::Instant>,
    /// The sync request being served (`.z.w`'s, not 0) asked with
    /// `-30!(::)` to be answered later.
    defer: bool,
    /// Whether the request being served is sync (only those can defer).
    serving_sync: bool,
    /// Handles owed a deferred response (`-30!(h;isError;msg)` pays one).
    deferred: HashMap<i32, u32>,
}

impl Default for IpcState {
    fn default() -> Self {
        IpcState {
            conns: HashMap::new(),
            sink: None,
            listener: None,
            users: None,
            users_file: None,
            force_compress: std::env::var("BORF_IPC_COMPRESS").is_ok_and(|v| v == "1"),
            limit: DEFAULT_LIMIT,
            current: 0,
            current_user: Sym::EMPTY,
            current_addr: 0,
            restrict: Restrict::None,
            block_writes: false,
            files: HashMap::new(),
            fifo_bufs: HashMap::new(),
            multithreaded: false,
            journals: HashMap::new(),
            timer_ms: 0,
            timer_next: None,
            defer: false,
            serving_sync: false,
            deferred: HashMap::new(),
        }
    }
}

impl IpcState {
    /// The state a secondary thread (`peach`) sees: no connections, files
    /// or timer of its own, but the request's identity and every
    /// restriction on it (`-u`, `-b`), so a client cannot escape them by
    /// running its code in `peach`.
    pub fn for_secondary(&self) -> IpcState {
        IpcState {
            users: self.users.clone(),
            limit: self.limit,
            current: self.current,
            current_user: self.current_user,
            current_addr: self.current_addr,
            restrict: self.restrict,
            block_writes: self.block_writes,
            ..IpcState::default()
        }
    }

    /// A client's request is being served in multithreaded input mode:
    /// it may use no socket but a one-shot request (`'nosocket`).
    pub fn mt_client(&self) -> bool {
        self.multithreaded && self.current != 0
    }

    /// The port listened on, 0 when not listening.
    pub fn port(&self) -> u16 {
        self.listener.as_ref().map_or(0, |l| l.port)
    }

    /// True while a listener runs (the process keeps serving after its
    /// standard input ends).
    pub fn listening(&self) -> bool {
        self.listener.is_some()
    }

    /// Sets the timer (`\t N`, `-t N`); 0 stops it.
    pub fn set_timer(&mut self, ms: i64) {
        self.timer_ms = ms.max(0);
        self.timer_next = (ms > 0)
            .then(|| std::time::Instant::now() + std::time::Duration::from_millis(ms as u64));
    }

    /// `.z.u` and `.z.a` while a client's request or handler runs (`None`
    /// at the console).
    pub fn peer(&self) -> Option<(Sym, i32)> {
        (self.current != 0).then_some((self.current_user, self.current_addr))
    }
}

static NEXT_HANDLE: AtomicI32 = AtomicI32::new(3);

/// A fresh handle for a connection or a file: numbered from 3, never 0, 1
/// or 2.
fn next_handle() -> i32 {
    NEXT_HANDLE.fetch_add(1, Ordering::Relaxed)
}

/// `.z.a`: an IPv4 address as an int (0 for none or non-IPv4).
/// Closes HTTP connection `h` after `d` without a request (`.h.ka`): its
/// socket's read timeout, which ends the reader's wait for the next
/// request; nothing for other connections.
pub fn set_idle_timeout(ipc: &IpcState, h: i32, d: std::time::Duration) {
    if let Some(c) = ipc.conns.get(&h)
        && c.http
        && !c.ws
    {
        let _ = c.stream.set_read_timeout(Some(d));
    }
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
