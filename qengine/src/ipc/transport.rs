//! Framed reads and writes on a connection's socket: a whole message in
//! (header checked before the body is read), a whole message out
//! (compressed when kdb+ would compress it), and what a failed write does.
//!
//! Writes never block the interpreter: each connection has a writer thread
//! fed by an unbounded queue ([`Writer`]), as q queues output for a slow
//! reader rather than dropping it. `.z.W` reports the bytes still queued;
//! `neg[h][]` waits until they are written.

use std::io::Read;
use std::io::Write;
use std::net::Shutdown;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::Condvar;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use crate::state::Interp;
use qcore::QError;
use qcore::QResult;

/// Reads one whole message (header checked before the body is read; the
/// body buffer grows as bytes arrive, so a lying length allocates nothing).
/// `Ok(None)` on a clean end of stream before a header.
pub(super) fn read_message(s: &mut impl Read, limit: usize) -> QResult<Option<Vec<u8>>> {
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

/// What the writer thread and the interpreter share.
struct Shared {
    /// Bytes queued and not yet written.
    pending: Mutex<u64>,
    drained: Condvar,
    /// A write failed: the socket is shut and later writes fail at once.
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
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        let shared = Arc::new(Shared {
            pending: Mutex::new(0),
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

    /// Queues a message; false when the connection is broken.
    pub(super) fn push(&self, msg: Vec<u8>) -> bool {
        if self.shared.broken.load(Ordering::Relaxed) {
            return false;
        }
        let n = msg.len() as u64;
        if let Ok(mut p) = self.shared.pending.lock() {
            *p += n;
        }
        if self.tx.send(msg).is_err() {
            return false;
        }
        true
    }

    /// Bytes queued and not yet written.
    pub(super) fn pending(&self) -> u64 {
        self.shared.pending.lock().map_or(0, |p| *p)
    }

    pub(super) fn broken(&self) -> bool {
        self.shared.broken.load(Ordering::Relaxed)
    }

    /// Waits (up to `d`) until everything queued is written; true when it is.
    pub(super) fn wait_drained(&self, d: Duration) -> bool {
        let Ok(p) = self.shared.pending.lock() else {
            return true;
        };
        match self.shared.drained.wait_timeout_while(p, d, |p| {
            *p > 0 && !self.shared.broken.load(Ordering::Relaxed)
        }) {
            Ok((p, _)) => *p == 0,
            Err(_) => true,
        }
    }
}

fn write_loop(mut s: TcpStream, rx: mpsc::Receiver<Vec<u8>>, sh: Arc<Shared>) {
    let mut buf: Vec<u8> = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut bytes = first.len() as u64;
        let ok = if first.len() >= BATCH {
            s.write_all(&first)
        } else {
            buf.clear();
            buf.extend_from_slice(&first);
            while buf.len() < BATCH {
                match rx.try_recv() {
                    Ok(m) => {
                        bytes += m.len() as u64;
                        buf.extend_from_slice(&m);
                    }
                    Err(_) => break,
                }
            }
            s.write_all(&buf)
        }
        .is_ok();
        if !ok && !sh.broken.swap(true, Ordering::Relaxed) {
            let _ = s.shutdown(Shutdown::Both);
        }
        if let Ok(mut p) = sh.pending.lock() {
            *p = p.saturating_sub(bytes);
            if *p == 0 {
                sh.drained.notify_all();
            }
        }
        if buf.capacity() > 4 * BATCH {
            buf = Vec::new();
        }
    }
}

/// Queues a whole message for `handle`, compressed as kdb+ would compress
/// it: over 2000 bytes, to a peer not on a loopback address that speaks
/// capability 1 or more (`BORF_IPC_COMPRESS=1`: whenever it shrinks). A
/// connection whose writes failed is shut (an outgoing one is forgotten; an
/// incoming one goes when its reader sees the close). False on failure.
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
        if !c.incoming {
            it.ipc.conns.remove(&handle);
        }
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

/// Shuts a connection whose message did not decode: an incoming one goes
/// (with `.z.pc`) when its reader sees the close; an outgoing one is
/// forgotten now.
pub(super) fn drop_conn(it: &mut Interp, handle: i32) {
    let incoming = match it.ipc.conns.get(&handle) {
        Some(c) => {
            let _ = c.stream.shutdown(Shutdown::Both);
            c.incoming
        }
        None => return,
    };
    if !incoming {
        it.ipc.conns.remove(&handle);
    }
}

pub(super) fn write_error(handle: i32) -> QError {
    QError::new("close").with_detail(format!("cannot write to handle {handle}"))
}
