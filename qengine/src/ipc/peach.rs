//! `peach` over secondary processes (`-s -N`, `\s -N`): the connections
//! `.z.pd` names each evaluate one item at a time, and the next item goes
//! to whichever process answers first (basics/peach.md: "distributed to the
//! secondary processes as soon as they complete their allocated items").
//!
//! Everything runs on the interpreter thread: a request is a sync message
//! `(f;x i)`, which the secondary evaluates as `value` does (`f x i`), and
//! the responses are taken from the connections' inboxes as they arrive.

use std::sync::mpsc;
use std::time::Duration;

use super::server::closed_outgoing;
use super::transport::send_bytes;
use super::transport::write_error;
use crate::builtins::apply::apply;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Value;
use qipc::Body;

/// How long one wait for a response lasts before the others are looked at
/// (and the interrupt checked).
const POLL: Duration = Duration::from_micros(200);

/// The handles of the secondary processes: `.z.pd` itself when it is a
/// list of ints, else `.z.pd[]`.
pub fn handles(it: &mut Interp) -> QResult<Vec<i32>> {
    let Some(pd) = it.get_global(Sym::new(".z.pd")) else {
        return Err(QError::new(".z.pd").with_detail(
            "peach on secondary processes (\\s negative) needs .z.pd: their handles",
        ));
    };
    let hs = match pd {
        Value::Func(_) => apply(it, &pd, vec![Value::Nil])?,
        v => v,
    };
    let hs = match &hs {
        Value::Atom(Atom::Int(_) | Atom::Long(_) | Atom::Short(_)) => vec![hs.clone()],
        Value::Vector(v) if v.ty().is_integral() => hs.items(),
        Value::List(l) if l.is_empty() => Vec::new(),
        _ => {
            return Err(QError::type_().with_detail(
                ".z.pd must be (or answer) the int handles of the secondary processes",
            ));
        }
    };
    let mut out: Vec<i32> = Vec::with_capacity(hs.len());
    for h in &hs {
        let n = match h {
            Value::Atom(a) => a
                .to_i64()
                .and_then(|n| i32::try_from(n).ok())
                .filter(|&n| {
                    n > 2
                        && it
                            .ipc
                            .conns
                            .get(&n)
                            .is_some_and(|c| c.inbox.is_some() && !c.ws)
                })
                .ok_or_else(|| {
                    QError::new(".z.pd").with_detail(format!(
                        "{} is not an open connection to a secondary process",
                        crate::display::one_line(h, 7)
                    ))
                }),
            _ => Err(QError::type_()),
        }?;
        // one request at a time per connection: a repeated handle is one process
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

/// Where one secondary process is: waiting for the response to an item,
/// or idle.
#[derive(Clone, Copy)]
enum Slot {
    Idle,
    Busy(usize),
}

/// `f` of each of `items` on the secondary processes `handles`, the
/// results in item order. A response that is an error stops handing out
/// items; the items already sent are awaited (so no response is left in a
/// connection's inbox for a later request) and the first error is the
/// result. A connection that closes, or sends anything but a response, is
/// closed (q: "peach will close them if it receives anything other than a
/// response message") and the peach fails. An interrupt closes the
/// connections still working, for the same reason.
pub fn peach(it: &mut Interp, handles: &[i32], f: &Value, items: &[Value]) -> QResult<Vec<Value>> {
    let mut results: Vec<Option<Value>> = vec![None; items.len()];
    let mut slots = vec![Slot::Idle; handles.len()];
    let mut next = 0usize;
    let mut first_err: Option<QError> = None;
    loop {
        // hand out items to idle processes
        for (k, &h) in handles.iter().enumerate() {
            if first_err.is_some() || next >= items.len() {
                break;
            }
            if matches!(slots[k], Slot::Idle) {
                let msg = Value::list(vec![f.clone(), items[next].clone()]);
                let sent = qipc::frame(qipc::SYNC, &msg, it).and_then(|m| {
                    send_bytes(it, h, m)
                        .then_some(())
                        .ok_or_else(|| write_error(h))
                });
                match sent {
                    Ok(()) => {
                        slots[k] = Slot::Busy(next);
                        next += 1;
                    }
                    Err(e) => {
                        first_err = Some(e);
                        closed_outgoing(it, h);
                    }
                }
            }
        }
        if slots.iter().all(|s| matches!(s, Slot::Idle)) {
            break;
        }
        if let Err(e) = it.tick() {
            for (k, &h) in handles.iter().enumerate() {
                if matches!(slots[k], Slot::Busy(_)) {
                    closed_outgoing(it, h);
                }
            }
            return Err(e);
        }
        // take whatever has arrived; wait a little on one busy process
        // when nothing has
        let mut got = false;
        let waiting = slots.iter().position(|s| matches!(s, Slot::Busy(_)));
        for (k, &h) in handles.iter().enumerate() {
            let Slot::Busy(i) = slots[k] else { continue };
            let r = match it.ipc.conns.get(&h).and_then(|c| c.inbox.as_ref()) {
                Some(rx) if !got && Some(k) == waiting => rx.recv_timeout(POLL),
                Some(rx) => rx.try_recv().map_err(|e| match e {
                    mpsc::TryRecvError::Empty => mpsc::RecvTimeoutError::Timeout,
                    mpsc::TryRecvError::Disconnected => mpsc::RecvTimeoutError::Disconnected,
                }),
                None => Err(mpsc::RecvTimeoutError::Disconnected),
            };
            let outcome = match r {
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Ok(super::Inbound::Message(m)) if m.header.msgtype == qipc::RESPONSE => {
                    match m.decode(it) {
                        Ok(Body::Value(v)) => Ok(v),
                        Ok(Body::Error(e)) => Err(QError::new(e)),
                        Err(e) => {
                            closed_outgoing(it, h);
                            Err(e)
                        }
                    }
                }
                Ok(super::Inbound::Message(_)) => {
                    closed_outgoing(it, h);
                    Err(QError::new("close").with_detail(format!(
                        "secondary process {h} sent a request during peach: its handle is closed"
                    )))
                }
                Ok(super::Inbound::Closed) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    closed_outgoing(it, h);
                    Err(QError::new("close")
                        .with_detail(format!("secondary process {h} closed the connection")))
                }
            };
            got = true;
            slots[k] = Slot::Idle;
            match outcome {
                Ok(v) => results[i] = Some(v),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        // a process that has gone cannot take more items
        if first_err.is_none()
            && next < items.len()
            && handles.iter().all(|h| !it.ipc.conns.contains_key(h))
        {
            first_err = Some(QError::new("close").with_detail("no secondary process is connected"));
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    results
        .into_iter()
        .map(|r| {
            r.ok_or_else(|| QError::new("close").with_detail("a secondary process gave no result"))
        })
        .collect()
}
