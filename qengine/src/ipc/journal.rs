//! q's journal (log) files, byte for byte as kdb+ writes them: a general
//! list file — `0xff 0x01`, the list's type (0) and attribute bytes, its
//! item count as a 32-bit little-endian int — followed by the items, each
//! in kdb+'s serialized form (as an IPC message body, without the message
//! header). A tickerplant creates one with `` .[`:L;();:;()] `` (or
//! `` `:L set () ``), opens it with `hopen`, appends with
//! `` h enlist(`upd;t;x) `` (the count in the header follows), and
//! subscribers replay it with `-11!`. (Writing and reading a whole list
//! file is `storage::object`'s.)

use std::os::unix::fs::FileExt;
use std::path::Path;
use std::path::PathBuf;

use crate::storage::object::LIST_HEADER as HEADER;
use crate::storage::object::is_list_file;

use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Value;
use qcore::Vector;

fn io_err(path: &Path, e: &std::io::Error) -> QError {
    QError::new(format!("{}: {e}", path.display()))
}

/// `h x` on a file handle whose file is a journal (or empty): appends the
/// items of `x` and updates the count in the header. Returns the handle.
pub fn append(it: &mut Interp, h: i32, x: &Value) -> QResult<Value> {
    let items = match x {
        Value::List(l) => l.as_ref().clone(),
        Value::Vector(_) => x.items(),
        _ => return Err(QError::type_()),
    };
    let mut bytes = Vec::new();
    for v in &items {
        bytes.extend_from_slice(&qipc::encode(v, it)?);
    }
    let path = PathBuf::from(format!("file handle {h}"));
    let known = it.ipc.journals.get(&h).copied();
    let f = it
        .ipc
        .files
        .get_mut(&h)
        .ok_or_else(|| QError::new("close"))?;
    let (len, count) = match known {
        Some(k) => k,
        None => {
            let len = f.metadata().map_err(|e| io_err(&path, &e))?.len();
            let mut head = [0u8; HEADER];
            if len == 0 {
                head[..2].copy_from_slice(&[0xff, 0x01]);
                f.write_all_at(&head, 0).map_err(|e| io_err(&path, &e))?;
            } else {
                let not_log = || QError::type_().with_detail("the file is not a kdb+ list (a log)");
                f.read_exact_at(&mut head, 0).map_err(|_| not_log())?;
                if !is_list_file(&head) {
                    return Err(not_log());
                }
            }
            let n = i32::from_le_bytes([head[4], head[5], head[6], head[7]]);
            (len.max(HEADER as u64), n)
        }
    };
    f.write_all_at(&bytes, len).map_err(|e| io_err(&path, &e))?;
    let n = count.saturating_add(items.len() as i32);
    f.write_all_at(&n.to_le_bytes(), 4)
        .map_err(|e| io_err(&path, &e))?;
    it.ipc.journals.insert(h, (len + bytes.len() as u64, n));
    Ok(Value::int(h))
}

/// `-11!x`: streaming execute. `x` is a log's file symbol (replay it all,
/// `'badtail` after the valid prefix when its end is torn), `(-1;L)` (the
/// same), `(-2;L)` (count its valid messages: the count, or the count and
/// the length of the valid part when the tail is torn) or `(n;L)` (replay
/// the first `n`). Each message goes to `.z.ps` when defined, else `value`.
pub fn replay(it: &mut Interp, x: Value) -> QResult<Value> {
    let (n, file) = match &x {
        Value::Atom(Atom::Symbol(_)) => (-1, x.clone()),
        Value::List(l) if l.len() == 2 => {
            let n = match &l[0] {
                Value::Atom(a) if !matches!(a, Atom::Symbol(_)) => {
                    a.to_i64().ok_or_else(QError::type_)?
                }
                _ => return Err(QError::type_()),
            };
            (n, l[1].clone())
        }
        _ => return Err(QError::type_()),
    };
    let path = match &file {
        Value::Atom(Atom::Symbol(s)) if s.as_str().starts_with(':') => {
            crate::storage::confine::path(&s.as_str()[1..])?
        }
        _ => return Err(QError::type_()),
    };
    if n < -2 {
        return Err(QError::domain());
    }
    qcore::budget::check_file(&path)?;
    let b = std::fs::read(&path).map_err(|e| io_err(&path, &e))?;
    let mut pos = if is_list_file(&b) { HEADER } else { b.len() };
    let torn_header = !is_list_file(&b);
    let mut count: i64 = 0;
    let limit = if n >= 0 { n } else { i64::MAX };
    while pos < b.len() && count < limit {
        let (v, used) = match qipc::decode_prefix(&b[pos..], it) {
            Ok(r) => r,
            Err(_) => break,
        };
        if n != -2 {
            crate::ipc::eval_message(it, 0, qipc::ASYNC, v)?;
        }
        count += 1;
        pos += used;
    }
    let torn = torn_header && !b.is_empty() || (count < limit && pos < b.len());
    if n == -2 {
        if torn {
            let valid = if torn_header { 0 } else { pos as i64 };
            return Ok(Value::Vector(Vector::longs(vec![count, valid])));
        }
        return Ok(Value::long(count));
    }
    if torn {
        return Err(QError::new("badtail").with_detail(format!(
            "{}: the message at byte {pos} is incomplete",
            path.display()
        )));
    }
    Ok(Value::long(count))
}
