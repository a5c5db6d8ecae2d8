//! Framed reads and writes on a connection's socket: a whole message in
//! (header checked before the body is read), a whole message out
//! (compressed when kdb+ would compress it), and what a failed write does.
//!
//! Writes never block the interpreter: each connection has a writer thread
//! fed by a queue ([`Writer`]); the interpreter only appends to it. A peer
//! that stops reading cannot hold the process: its connection is shut (and
//! `.z.pc` runs when the reader sees the close) when it accepts no byte for
//! [`Limits::stall`], or when more than [`Limits::queue`] bytes wait behind
//! the message being written (one message alone may be larger: it is the
//! only way to send a large result). The same stall time bounds a message a
//! peer started to send and stopped sending, and TCP keepalive probes find
//! peers that vanished (half-open connections). `.z.W` reports the bytes
//! still queued; `neg[h][]` waits until they are written.

use std::io::Read;
use std::io::Write;
use std::net::Shutdown;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::Condvar;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use crate::state::Interp;
use qcore::QError;
use qcore::QResult;

/// How long a peer may go without progress: accepting none of the bytes
/// queued for it, or sending none of the rest of a message it started
/// (`docs/IPC.md`). `BORF_IPC_STALL_MS` in the environment overrides it.
pub const DEFAULT_STALL: Duration = Duration::from_secs(30);

/// Most bytes that may wait behind the message being written to a peer
/// (256 MB). `BORF_IPC_QUEUE_BYTES` in the environment overrides it.
pub const DEFAULT_QUEUE: u64 = 256 << 20;

/// The bounds on a slow peer, read once from the environment.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// No progress for this long drops the connection.
    pub stall: Duration,
    /// Bytes queued behind the message in flight.
    pub queue: u64,
}

/// The process's [`Limits`]: the defaults unless `BORF_IPC_STALL_MS` or
/// `BORF_IPC_QUEUE_BYTES` (positive integers) say otherwise.
pub fn limits() -> Limits {
    static L: OnceLock<Limits> = OnceLock::new();
    *L.get_or_init(|| {
        let num = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|&n| n > 0)
        };
        Limits {
            stall: num("BORF_IPC_STALL_MS").map_or(DEFAULT_STALL, Duration::from_millis),
            queue: num("BORF_IPC_QUEUE_BYTES").unwrap_or(DEFAULT_QUEUE),
        }
    })
}

/// Socket settings for a connection once logged in: reads time out after
/// the stall time (a read timeout only ends a message in progress, see
/// [`read_message`]); writes wake up often enough to check the stall time
/// ([`write_watched`]); keepalive probes start after the stall time idle,
/// so that a peer that vanished is found.
pub(super) fn guard_socket(s: &TcpStream) {
    let stall = limits().stall;
    let _ = s.set_read_timeout(Some(stall));
    let _ = s.set_write_timeout(Some(write_slice(stall)));
    keepalive(s, stall);
}

/// How long one blocked write waits before the stall time is checked.
fn write_slice(stall: Duration) -> Duration {
    (stall / 4).clamp(Duration::from_millis(10), Duration::from_millis(500))
}

/// Bytes written to the socket and not yet acknowledged by the peer (the
/// kernel's send queue); `None` where the platform does not say.
#[cfg(target_os = "linux")]
fn unacknowledged(s: &TcpStream) -> Option<u64> {
    use std::os::fd::AsRawFd;
    let mut n: libc::c_int = 0;
    // SAFETY: TIOCOUTQ (SIOCOUTQ) on a socket this connection owns writes
    // one c_int.
    let r = unsafe { libc::ioctl(s.as_raw_fd(), libc::TIOCOUTQ, &mut n as *mut libc::c_int) };
    (r == 0 && n >= 0).then_some(n as u64)
}

#[cfg(not(target_os = "linux"))]
fn unacknowledged(_: &TcpStream) -> Option<u64> {
    None
}

/// Writes all of `buf`, calling `sent` with each part the socket takes,
/// and fails with `TimedOut` when the peer acknowledges no byte for the
/// stall time (bytes the kernel merely buffers are not progress: its send
/// buffer grows for seconds in front of a peer that reads nothing).
/// `written` counts every byte written to the socket so far.
fn write_watched(
    s: &mut TcpStream,
    buf: &[u8],
    written: &mut u64,
    mut sent: impl FnMut(u64),
) -> std::io::Result<()> {
    let stall = limits().stall;
    let acked = |s: &TcpStream, w: u64| unacknowledged(s).map_or(w, |q| w.saturating_sub(q));
    let mut seen = acked(s, *written);
    let mut since = std::time::Instant::now();
    let mut off = 0;
    while off < buf.len() {
        match s.write(&buf[off..]) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                off += n;
                *written += n as u64;
                sent(n as u64);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::Interrupted
                        | std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
        if off == buf.len() {
            break;
        }
        let a = acked(s, *written);
        if a > seen {
            seen = a;
            since = std::time::Instant::now();
        } else if since.elapsed() >= stall {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn keepalive(s: &TcpStream, idle: Duration) {
    use std::os::fd::AsRawFd;
    let fd = s.as_raw_fd();
    let secs = idle.as_secs().clamp(1, 3600) as libc::c_int;
    let set = |level: libc::c_int, opt: libc::c_int, v: libc::c_int| {
        // SAFETY: setsockopt on a socket this connection owns, with a
        // c_int option value of the size given.
        unsafe {
            libc::setsockopt(
                fd,
                level,
                opt,
                (&v as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        }
    };
    set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, secs);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, (secs / 3).max(1));
    set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3);
}

#[cfg(not(target_os = "linux"))]
fn keepalive(_: &TcpStream, _: Duration) {}

/// Reads one whole message (header checked before the body is read; the
/// body buffer grows as bytes arrive, so a lying length allocates nothing).
/// `Ok(None)` on a clean end of stream before a header. On a socket with a
/// read timeout ([`guard_socket`]), waiting for a header is not limited but
/// a message that stops arriving part way is an error.
pub(super) fn read_message(s: &mut impl Read, limit: usize) -> QResult<Option<Vec<u8>>> {
    let mut h = [0u8; 8];
    let mut got = 0;
    while got < 8 {
        match s.read(&mut h[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(QError::new("badmsg").with_detail("truncated header")),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // idle between messages: keep waiting
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && got == 0 => {}
            Err(e) => return Err(io_err(e)),
        }
    }
    let hd = qipc::parse_header(&h, limit)?;
    qcore::check_bytes(hd.len)?;
    let mut msg = Vec::with_capacity(hd.len.min(1 << 20));
    msg.extend_from_slice(&h);
    let want = (hd.len - 8) as u64;
    let n = s.take(want).read_to_end(&mut msg).map_err(io_err)?;
    if (n as u64) < want {
        return Err(QError::new("badmsg").with_detail("connection closed mid-message"));
    }
    Ok(Some(msg))
}

/// Reads one message and checks and decompresses it.
pub(super) fn read_unframed(s: &mut impl Read, limit: usize) -> QResult<Option<qipc::Message>> {
    match read_message(s, limit)? {
        Some(m) => qipc::unframe(m, limit).map(Some),
        None => Ok(None),
    }
}

/// True when a whole message is already in the reader's buffer, so that
/// reading it will not block: readers pass such runs of messages on
/// together (one hand-over, one wake-up of the interpreter, per run).
pub(super) fn buffered_whole(r: &std::io::BufReader<TcpStream>) -> bool {
    let b = r.buffer();
    if b.len() < 8 {
        return false;
    }
    let l = [b[4], b[5], b[6], b[7]];
    let len = if b[0] == 1 {
        u32::from_le_bytes(l)
    } else {
        u32::from_be_bytes(l)
    };
    (len as usize) <= b.len()
}

/// Most messages a reader passes on in one run.
pub(super) const RUN: usize = 512;

pub(super) fn io_err(e: std::io::Error) -> QError {
    QError::new("os").with_detail(e.to_string())
}

/// Bytes owed to a peer.
#[derive(Default)]
struct Owed {
    /// Queued and not yet written (in flight included).
    pending: u64,
    /// Queued and not yet taken by the writer thread.
    queued: u64,
    /// Messages queued and not yet wholly written (`-38!`).
    messages: u64,
}

/// What the writer thread and the interpreter share.
struct Shared {
    owed: Mutex<Owed>,
    drained: Condvar,
    /// A write failed, stalled, or the queue overflowed: the socket is shut
    /// and later writes fail at once.
    broken: AtomicBool,
}

/// A connection's output queue and the thread that drains it.
pub(super) struct Writer {
    tx: mpsc::Sender<Vec<u8>>,
    shared: Arc<Shared>,
}

/// Bytes the writer coalesces into one `write` when messages queue up.
const BATCH: usize = 256 << 10;

impl Writer {
    /// Starts the writer thread for `stream` (a clone of the connection's
    /// socket).
    pub(super) fn start(stream: TcpStream) -> std::io::Result<Writer> {
        guard_socket(&stream);
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        let shared = Arc::new(Shared {
            owed: Mutex::new(Owed::default()),
            drained: Condvar::new(),
            broken: AtomicBool::new(false),
        });
        let sh = shared.clone();
        std::thread::Builder::new()
            .name("borf-write".into())
            .stack_size(256 << 10)
            .spawn(move || write_loop(stream, rx, sh))?;
        Ok(Writer { tx, shared })
    }

    /// Queues a message; false when the connection is broken, or is now
    /// because the bytes waiting behind the message being written would
    /// exceed [`Limits::queue`] (the caller shuts the socket).
    pub(super) fn push(&self, msg: Vec<u8>) -> bool {
        if self.shared.broken.load(Ordering::Relaxed) {
            return false;
        }
        let n = msg.len() as u64;
        if let Ok(mut o) = self.shared.owed.lock() {
            if o.pending > 0 && o.queued.saturating_add(n) > limits().queue {
                self.shared.broken.store(true, Ordering::Relaxed);
                return false;
            }
            o.pending += n;
            o.queued += n;
            o.messages += 1;
        }
        if self.tx.send(msg).is_err() {
            return false;
        }
        true
    }

    /// Bytes queued and not yet written.
    pub(super) fn pending(&self) -> u64 {
        self.shared.owed.lock().map_or(0, |o| o.pending)
    }

    /// Messages queued and not yet wholly written.
    pub(super) fn pending_messages(&self) -> u64 {
        self.shared.owed.lock().map_or(0, |o| o.messages)
    }

    pub(super) fn broken(&self) -> bool {
        self.shared.broken.load(Ordering::Relaxed)
    }

    /// Waits (up to `d`) until everything queued is written; true when it is.
    pub(super) fn wait_drained(&self, d: Duration) -> bool {
        let Ok(o) = self.shared.owed.lock() else {
            return true;
        };
        match self.shared.drained.wait_timeout_while(o, d, |o| {
            o.pending > 0 && !self.shared.broken.load(Ordering::Relaxed)
        }) {
            Ok((o, _)) => o.pending == 0,
            Err(_) => true,
        }
    }
}

/// Drains the queue onto the socket (blocking writes, which time out after
/// the stall time with no byte accepted: the connection is then shut).
fn write_loop(mut s: TcpStream, rx: mpsc::Receiver<Vec<u8>>, sh: Arc<Shared>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut written = 0u64;
    let taken = |n: u64| {
        if let Ok(mut o) = sh.owed.lock() {
            o.queued = o.queued.saturating_sub(n);
        }
    };
    // bytes leave `pending` as the socket takes them (`.z.W` shows progress)
    let paid = |n: u64| {
        if let Ok(mut o) = sh.owed.lock() {
            o.pending = o.pending.saturating_sub(n);
            if o.pending == 0 {
                sh.drained.notify_all();
            }
        }
    };
    let sent = |k: u64| {
        if let Ok(mut o) = sh.owed.lock() {
            o.messages = o.messages.saturating_sub(k);
        }
    };
    // an empty message is the close marker (HTTP: close once written)
    let mut closing = false;
    while let Ok(first) = rx.recv() {
        if first.is_empty() {
            let _ = s.shutdown(Shutdown::Both);
            break;
        }
        let mut bytes = first.len() as u64;
        let mut count = 1u64;
        taken(bytes);
        let mut done = 0u64;
        let ok = if sh.broken.load(Ordering::Relaxed) {
            // a shut connection: what is queued is dropped
            Ok(())
        } else if first.len() >= BATCH {
            write_watched(&mut s, &first, &mut written, |n| {
                done += n;
                paid(n)
            })
        } else {
            buf.clear();
            buf.extend_from_slice(&first);
            while buf.len() < BATCH {
                match rx.try_recv() {
                    Ok(m) if m.is_empty() => {
                        closing = true;
                        break;
                    }
                    Ok(m) => {
                        bytes += m.len() as u64;
                        count += 1;
                        taken(m.len() as u64);
                        buf.extend_from_slice(&m);
                    }
                    Err(_) => break,
                }
            }
            write_watched(&mut s, &buf, &mut written, |n| {
                done += n;
                paid(n)
            })
        }
        .is_ok();
        if !ok {
            sh.broken.store(true, Ordering::Relaxed);
            let _ = s.shutdown(Shutdown::Both);
        }
        paid(bytes.saturating_sub(done));
        sent(count);
        if buf.capacity() > 4 * BATCH {
            buf = Vec::new();
        }
        if closing {
            let _ = s.shutdown(Shutdown::Both);
            break;
        }
    }
}

/// Queues a whole message for `handle`, compressed as kdb+ would compress
/// it: over 2000 bytes, to a peer not on a loopback address that speaks
/// capability 1 or more (`BORF_IPC_COMPRESS=1`: whenever it shrinks). A
/// connection whose writes failed is shut; it goes, with `.z.pc`, when its
/// reader sees the close (incoming or outgoing alike). False on failure.
pub(super) fn send_bytes(it: &mut Interp, handle: i32, msg: Vec<u8>) -> bool {
    let force = it.ipc.force_compress;
    let Some(c) = it.ipc.conns.get_mut(&handle) else {
        return false;
    };
    let msg = if c.capability >= 1 && (force || (msg.len() > 2000 && !c.local)) {
        qipc::compress::compress(&msg).unwrap_or(msg)
    } else {
        msg
    };
    if !c.writer.push(msg) {
        let _ = c.stream.shutdown(Shutdown::Both);
        return false;
    }
    true
}

/// `neg[h][]`: waits until everything queued for `handle` is written (an
/// interrupt ends the wait).
pub(super) fn flush(it: &mut Interp, handle: i32) -> QResult<()> {
    loop {
        let done = match it.ipc.conns.get(&handle) {
            Some(c) => c.writer.wait_drained(Duration::from_millis(50)) || c.writer.broken(),
            None => true,
        };
        if done {
            return Ok(());
        }
        (0..4096).try_for_each(|_| it.tick())?;
    }
}

/// How long `hclose` waits for a queue that stopped moving.
const CLOSE_IDLE: Duration = Duration::from_millis(200);

/// Before `hclose`: lets the writer finish a queue the peer is reading,
/// but gives up as soon as it stops moving for [`CLOSE_IDLE`]. q sends no
/// pending data on close; borf queues even what q would already have
/// handed to the kernel, so it sends what a reading peer takes, and never
/// lets a peer that does not read hold up the event loop.
pub(super) fn drain_for_close(it: &mut Interp, handle: i32) -> QResult<()> {
    let mut last = u64::MAX;
    let mut idle = Duration::ZERO;
    let step = Duration::from_millis(50);
    loop {
        let (done, pending) = match it.ipc.conns.get(&handle) {
            Some(c) => (
                c.writer.wait_drained(step) || c.writer.broken(),
                c.writer.pending(),
            ),
            None => return Ok(()),
        };
        if done {
            return Ok(());
        }
        if pending < last {
            last = pending;
            idle = Duration::ZERO;
        } else {
            idle += step;
            if idle >= CLOSE_IDLE {
                return Ok(());
            }
        }
        it.check_stop()?;
    }
}

/// Shuts a connection whose message did not decode: it goes (with
/// `.z.pc`, as for any connection the other side closed) when its reader
/// sees the close.
pub(super) fn drop_conn(it: &mut Interp, handle: i32) {
    if let Some(c) = it.ipc.conns.get(&handle) {
        let _ = c.stream.shutdown(Shutdown::Both);
    }
}

pub(super) fn write_error(handle: i32) -> QError {
    QError::new("close").with_detail(format!("cannot write to handle {handle}"))
}
