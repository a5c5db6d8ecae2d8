//! Framed reads and writes on a connection's socket: a whole message in
//! (header checked before the body is read), a whole message out
//! (compressed when kdb+ would compress it), and what a failed write does.

use std::io::Read;
use std::io::Write;
use std::net::Shutdown;
use std::net::TcpStream;

use crate::state::Interp;
use qcore::QError;
use qcore::QResult;

/// Reads one whole message (header checked before the body is read; the
/// body buffer grows as bytes arrive, so a lying length allocates nothing).
/// `Ok(None)` on a clean end of stream before a header.
pub(super) fn read_message(s: &mut TcpStream, limit: usize) -> QResult<Option<Vec<u8>>> {
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
pub(super) fn read_unframed(s: &mut TcpStream, limit: usize) -> QResult<Option<qipc::Message>> {
    match read_message(s, limit)? {
        Some(m) => qipc::unframe(m, limit).map(Some),
        None => Ok(None),
    }
}

pub(super) fn io_err(e: std::io::Error) -> QError {
    QError::new("os").with_detail(e.to_string())
}

/// Writes a whole message to `handle`, compressed as kdb+ would compress
/// it: over 2000 bytes, to a peer not on a loopback address that speaks
/// capability 1 or more (`BORF_IPC_COMPRESS=1`: whenever it shrinks). A
/// failed write shuts the connection (an outgoing one is forgotten; an
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
