//! Files by handle: `hsym`, `hcount`, `hdel`, `read0`, `read1`, `key` of a
//! file symbol (a directory's sorted names), `hopen` of a file path and
//! writing to its handle, and writing to the handles `1` and `2`
//! (stdout, stderr; `-1`/`-2` add a newline). The helpers here (file
//! symbols to paths, reading ranges `(f;o;n)`, splitting lines, q's I/O
//! error messages) are shared by the other `io/` modules.

use crate::builtins::interpret::write_out;
use crate::builtins::io::text::string_lines;
use crate::ops::make::bytes_value;
use crate::state::Interp;
use crate::storage::column::handle_of;
use crate::storage::column::handle_path;
use crate::storage::column::serr;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qcore::check_alloc;
use qstorage::FileKind;
use std::io::Write;
use std::path::Path;
use std::path::PathBuf;

/// Applying a handle number to data: `1 "text"` / `2 "text"` write the
/// string to standard output / error as is; `-1` / `-2` add a newline; a
/// list of strings writes one line each. `0 "expr"` evaluates the string.
/// Returns the handle. `None` when `h` is not one of these handles.
pub fn write_handle(it: &mut Interp, h: i64, x: &Value) -> Option<QResult<Value>> {
    // handle 0 is this process: a string is evaluated, a list `(f;args..)`
    // applied, as a message from a client would be
    if h == 0 {
        return Some(match x.as_string() {
            Some(src) => it.eval_text(&src),
            None => crate::ipc::default_eval(it, x.clone()),
        });
    }
    if !matches!(h, 1 | 2 | -1 | -2) {
        return None;
    }
    let newline = h < 0;
    let mut buf: Vec<u8> = Vec::new();
    let mut line = |b: &[u8]| {
        buf.extend_from_slice(b);
        if newline {
            buf.push(b'\n');
        }
    };
    let ok = match x {
        Value::Vector(v) if v.ty() == Ty::Char => {
            line(v.as_u8().unwrap_or(&[]));
            true
        }
        Value::Atom(Atom::Char(c)) => {
            line(&[*c]);
            true
        }
        Value::Vector(v) if v.is_empty() => true,
        Value::List(l) => l.iter().all(|s| match s {
            Value::Vector(v) if v.ty() == Ty::Char => {
                line(v.as_u8().unwrap_or(&[]));
                true
            }
            Value::Atom(Atom::Char(c)) => {
                line(&[*c]);
                true
            }
            Value::List(e) if e.is_empty() => {
                line(&[]);
                true
            }
            _ => false,
        }),
        _ => false,
    };
    if !ok {
        return Some(Err(QError::type_()));
    }
    Some(write_out(h.abs(), &buf).map(|_| Value::long(h)))
}

// ---------------------------------------------------------------------------
// hsym hcount hdel key

/// `hsym x`: symbols to file handles (`` `a `` to `` `:a ``).
pub fn hsym(x: Value) -> QResult<Value> {
    let h = |s: Sym| {
        if s.as_str().starts_with(':') {
            s
        } else {
            Sym::new(&format!(":{}", s.as_str()))
        }
    };
    match &x {
        Value::Atom(Atom::Symbol(s)) => Ok(Value::Atom(Atom::Symbol(h(*s)))),
        Value::Vector(v) if v.ty() == Ty::Symbol => Ok(Value::Vector(Vector::syms(
            v.as_sym().unwrap_or(&[]).iter().map(|s| h(*s)).collect(),
        ))),
        _ => Err(QError::type_()),
    }
}

/// `hcount x`: size of a file in bytes.
pub fn hcount(x: Value) -> QResult<Value> {
    let (path, _) = handle_path(handle_of(&x)?)?;
    let md = std::fs::metadata(&path).map_err(|e| serr(qstorage::Error::io(&path, &e)))?;
    Ok(Value::long(md.len() as i64))
}

/// `hdel x`: deletes a file or an empty directory, returning the handle.
pub fn hdel(x: Value) -> QResult<Value> {
    // hdel is k's `~:`: on anything but a symbol it is `not`
    // (`hdel 01001b` is 10110b)
    if !matches!(x, Value::Atom(qcore::Atom::Symbol(_))) {
        return crate::builtins::logic::not(x);
    }
    crate::storage::confine::forbid("hdel")?;
    let s = handle_of(&x)?;
    let (path, _) = handle_path(s)?;
    let md = std::fs::symlink_metadata(&path).map_err(|e| serr(qstorage::Error::io(&path, &e)))?;
    if md.is_dir() {
        qstorage::remove_dir(&path).map_err(serr)?;
    } else {
        std::fs::remove_file(&path).map_err(|e| serr(qstorage::Error::io(&path, &e)))?;
    }
    Ok(x)
}

/// `` key `:path ``: a directory's names, sorted, as symbols; a file's own
/// handle; `()` when nothing is there.
pub fn key_handle(s: Sym) -> QResult<Value> {
    let (path, _) = handle_path(s)?;
    match qstorage::probe(&path).map_err(serr)? {
        FileKind::Missing => Ok(Value::list(vec![])),
        FileKind::Dir => {
            let names = qstorage::list_dir(&path).map_err(serr)?;
            Ok(Value::Vector(Vector::syms(
                names.iter().map(|n| Sym::new(n)).collect(),
            )))
        }
        _ => Ok(Value::Atom(Atom::Symbol(s))),
    }
}

// ---------------------------------------------------------------------------
// Paths and files

/// The path of a file symbol `` `:a/b ``; `None` for anything else;
/// `'access` for a restricted client's path outside the directory tree.
pub(crate) fn file_sym(x: &Value) -> QResult<Option<(Sym, PathBuf)>> {
    match x {
        Value::Atom(Atom::Symbol(s)) if s.as_str().starts_with(':') => {
            let t = &s.as_str()[1..];
            Ok(Some((
                *s,
                crate::storage::confine::path(t.trim_end_matches('/'))?,
            )))
        }
        _ => Ok(None),
    }
}

pub(crate) fn io_err(path: &Path, e: &std::io::Error) -> QError {
    serr(qstorage::Error::io(path, e))
}

pub(crate) fn read_all(path: &Path) -> QResult<Vec<u8>> {
    if path.is_dir() {
        return Err(QError::new(format!("{}: Is a directory", path.display())));
    }
    qcore::budget::check_file(path)?;
    std::fs::read(path).map_err(|e| io_err(path, &e))
}

/// Writes `bytes` to `path` (created with its directories, or overwritten).
pub(crate) fn write_all(path: &Path, bytes: &[u8]) -> QResult<()> {
    if let Some(p) = path.parent()
        && !p.as_os_str().is_empty()
    {
        std::fs::create_dir_all(p).map_err(|e| io_err(p, &e))?;
    }
    std::fs::write(path, bytes).map_err(|e| io_err(path, &e))
}

/// Up to `n` bytes (all when `None`) of `path` from offset `o`.
pub(crate) fn read_range(path: &Path, o: u64, n: Option<u64>) -> QResult<Vec<u8>> {
    use std::io::Read;
    use std::io::Seek;
    use std::io::SeekFrom;
    let mut f = std::fs::File::open(path).map_err(|e| io_err(path, &e))?;
    let len = f.metadata().map_err(|e| io_err(path, &e))?.len();
    let avail = len.saturating_sub(o);
    let want = n.map_or(avail, |n| n.min(avail));
    check_alloc(want as usize, 1)?;
    f.seek(SeekFrom::Start(o.min(len)))
        .map_err(|e| io_err(path, &e))?;
    let mut out = vec![0u8; want as usize];
    f.read_exact(&mut out).map_err(|e| io_err(path, &e))?;
    Ok(out)
}

pub(crate) fn long_of(v: &Value) -> QResult<i64> {
    match v {
        Value::Atom(a) if !matches!(a, Atom::Symbol(_)) => a.to_i64().ok_or_else(QError::type_),
        _ => Err(QError::type_()),
    }
}

/// A file symbol or a file descriptor `(f;o;n)` / `(f;o)`: the bytes.
pub(crate) fn read_source(x: &Value) -> QResult<Vec<u8>> {
    if let Some((_, p)) = file_sym(x)? {
        return read_all(&p);
    }
    let items = match x {
        Value::List(l) if (2..=3).contains(&l.len()) => l.as_ref().clone(),
        _ => return Err(QError::type_()),
    };
    let (_, p) = file_sym(&items[0])?.ok_or_else(QError::type_)?;
    let o = long_of(&items[1])?;
    let n = match items.get(2) {
        Some(v) => Some(long_of(v)?),
        None => None,
    };
    if o < 0 || n.is_some_and(|n| n < 0) {
        return Err(QError::domain());
    }
    read_range(&p, o as u64, n.map(|n| n as u64))
}

pub(crate) fn string_value(b: &[u8]) -> Value {
    Value::Vector(Vector::chars(b))
}

/// The bytes of a string (char vector or atom).
pub(crate) fn str_bytes(v: &Value) -> Option<&[u8]> {
    match v {
        Value::Vector(x) if x.ty() == Ty::Char => x.as_u8(),
        _ => None,
    }
}

/// Lines of text (LF or CRLF, the delimiters removed; no empty last line
/// for a final newline).
pub(crate) fn split_lines(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let end = b[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| start + i);
        let mut line = &b[start..end];
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        out.push(line);
        start = end + 1;
    }
    out
}

// ---------------------------------------------------------------------------
// read0 read1

/// `read0 f`: the lines of a file; `read0 (f;o;n)`: `n` chars from `o`.
pub fn read0(x: Value) -> QResult<Value> {
    if let Some((_, p)) = file_sym(&x)? {
        let b = read_all(&p)?;
        return Ok(Value::list(
            split_lines(&b).into_iter().map(string_value).collect(),
        ));
    }
    if matches!(x, Value::List(_)) {
        let b = read_source(&x)?;
        return Ok(Value::Vector(Vector::from_u8(Ty::Char, b)));
    }
    if let Value::Atom(a) = &x
        && a.to_i64().is_some()
    {
        return Err(QError::nyi("read0 of a handle"));
    }
    Err(QError::type_())
}

/// `read1 f`: a file's bytes; `read1 (f;o;n)`, `read1 (f;o)`: a range.
pub fn read1(x: Value) -> QResult<Value> {
    if let Value::Atom(a) = &x
        && !matches!(a, Atom::Symbol(_))
        && a.to_i64().is_some()
    {
        return Err(QError::nyi("read1 of a handle"));
    }
    Ok(bytes_value(read_source(&x)?))
}

// ---------------------------------------------------------------------------
// File handles

/// The file a `hopen` argument names: a symbol or string `:path` with no
/// further `:` (which would make it `host:port`). A restricted client may
/// not open files at all (`'access`, as q's `-u`).
pub fn file_target(x: &Value) -> QResult<Option<PathBuf>> {
    let s = match x {
        Value::Atom(Atom::Symbol(s)) => s.as_str().to_string(),
        Value::Vector(v) if v.ty() == Ty::Char => x.as_string().unwrap_or_default(),
        _ => return Ok(None),
    };
    let Some(p) = s.strip_prefix(':') else {
        return Ok(None);
    };
    if p.is_empty() || p.contains(':') {
        return Ok(None);
    }
    crate::storage::confine::forbid("hopen of a file")?;
    crate::storage::confine::path(p).map(Some)
}

/// `hopen `:path`: opens the file for appending (created with its
/// directories), returning a handle.
pub fn hopen_file(it: &mut Interp, path: &Path, h: i32) -> QResult<Value> {
    if let Some(p) = path.parent()
        && !p.as_os_str().is_empty()
    {
        std::fs::create_dir_all(p).map_err(|e| io_err(p, &e))?;
    }
    // not O_APPEND: a log's count is rewritten in place (writes seek to
    // the end themselves)
    let f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(false)
        .open(path)
        .map_err(|e| io_err(path, &e))?;
    it.ipc.files.insert(h, f);
    Ok(Value::int(h))
}

/// `h x` on a file handle appends the bytes of a string or byte list;
/// `neg[h] x` appends a string or a list of strings as lines. Returns the
/// handle as applied.
pub fn write_file_handle(it: &mut Interp, h: i32, args: Vec<Value>) -> QResult<Value> {
    if args.len() != 1 {
        return Err(QError::rank());
    }
    let x = &args[0];
    let bytes: Vec<u8> = if h < 0 {
        match x {
            Value::Nil => return Ok(Value::int(h)),
            Value::Atom(Atom::Char(c)) => vec![*c, b'\n'],
            _ => string_lines(x)?,
        }
    } else {
        match x {
            Value::Vector(v) if matches!(v.ty(), Ty::Char | Ty::Byte) => {
                v.as_u8().unwrap_or(&[]).to_vec()
            }
            Value::Atom(Atom::Char(c) | Atom::Byte(c)) => vec![*c],
            // `h enlist(`upd;t;x)`: append to a log
            _ => return crate::ipc::journal_append(it, h, x),
        }
    };
    it.ipc.journals.remove(&h.abs());
    let f = it
        .ipc
        .files
        .get_mut(&h.abs())
        .ok_or_else(|| QError::new("close"))?;
    use std::io::Seek;
    f.seek(std::io::SeekFrom::End(0))
        .and_then(|_| f.write_all(&bytes))
        .map_err(|e| QError::new(format!("file handle {}: {e}", h.abs())))?;
    Ok(Value::int(h))
}
