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

/// `read0 f`: the lines of a file; `read0 (f;o;n)`: `n` chars from `o`;
/// `read0 h`: a line from a fifo opened with `` hopen`:fifo://path ``;
/// `read0 (h;n)`: up to `n` chars from it; `read0 0`: a line from the
/// console (standard input; `""` at its end).
pub fn read0(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_))) = &x
        && a.to_i64() == Some(0)
    {
        return console_line();
    }
    if let Some((_, p)) = file_sym(&x)? {
        let b = read_all(&p)?;
        return Ok(Value::list(
            split_lines(&b).into_iter().map(string_value).collect(),
        ));
    }
    if let Some((h, n)) = fifo_arg(it, &x, "read0")? {
        let b = match n {
            Some(n) => fifo_read(it, h, n)?,
            None => fifo_line(it, h)?,
        };
        return Ok(string_value(&b));
    }
    if matches!(x, Value::List(_)) {
        let b = read_source(&x)?;
        return Ok(Value::Vector(Vector::from_u8(Ty::Char, b)));
    }
    Err(QError::type_())
}

/// `read1 f`: a file's bytes; `read1 (f;o;n)`, `read1 (f;o)`: a range;
/// `read1 h`: one read (up to 64k bytes, `0#0x` at the end) from a fifo
/// handle; `read1 (h;n)`: one read of up to `n` bytes.
pub fn read1(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Some((h, n)) = fifo_arg(it, &x, "read1")? {
        return Ok(bytes_value(fifo_read(it, h, n.unwrap_or(FIFO_CHUNK))?));
    }
    Ok(bytes_value(read_source(&x)?))
}

/// A line of standard input, its LF or CRLF removed.
fn console_line() -> QResult<Value> {
    use std::io::BufRead;
    let mut b = Vec::new();
    std::io::stdin()
        .lock()
        .read_until(b'\n', &mut b)
        .map_err(|e| QError::new("os").with_detail(format!("read0 0: {e}")))?;
    if b.last() == Some(&b'\n') {
        b.pop();
        if b.last() == Some(&b'\r') {
            b.pop();
        }
    }
    Ok(string_value(&b))
}

/// What one read of a fifo asks for when no size is given (q: a 64k
/// buffer, kb/named-pipes).
const FIFO_CHUNK: usize = 65536;

/// A fifo handle `h` or `(h;n)`: the handle and the size asked for.
/// `None` for other arguments (files); `'type` for a handle that is not
/// an open fifo (the console and connections cannot be read this way).
fn fifo_arg(it: &Interp, x: &Value, what: &str) -> QResult<Option<(i32, Option<usize>)>> {
    let int_atom = |v: &Value| match v {
        Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_))) => a.to_i64(),
        _ => None,
    };
    let (h, n) = match x {
        Value::Atom(_) => match int_atom(x) {
            Some(h) => (h, None),
            None => return Ok(None),
        },
        Value::List(l) if l.len() == 2 => match int_atom(&l[0]) {
            Some(h) => (h, Some(long_of(&l[1])?)),
            None => return Ok(None),
        },
        Value::Vector(v) if v.len() == 2 && matches!(v.ty(), Ty::Int | Ty::Long | Ty::Short) => {
            match (x.item(0).as_ref().and_then(int_atom), x.item(1)) {
                (Some(h), Some(n)) => (h, Some(long_of(&n)?)),
                _ => return Ok(None),
            }
        }
        _ => return Ok(None),
    };
    let h = i32::try_from(h).map_err(|_| QError::domain())?;
    if h == 0 {
        return Err(QError::nyi(&format!(
            "{what} of the console other than read0 0"
        )));
    }
    if !it.ipc.fifo_bufs.contains_key(&h) {
        return Err(QError::type_().with_detail(format!(
            "{what} {h}: not a fifo handle (hopen`:fifo://path)"
        )));
    }
    let n = match n {
        Some(n) if n < 0 => return Err(QError::domain()),
        Some(n) => Some(usize::try_from(n).map_err(|_| QError::domain())?),
        None => None,
    };
    Ok(Some((h, n)))
}

/// One read of at most `n` bytes from fifo `h`: what an earlier `read0 h`
/// read past its line first, else what one (blocking) read returns.
fn fifo_read(it: &mut Interp, h: i32, n: usize) -> QResult<Vec<u8>> {
    let buf = it
        .ipc
        .fifo_bufs
        .get_mut(&h)
        .ok_or_else(|| QError::new("close"))?;
    if !buf.is_empty() {
        let k = n.min(buf.len());
        return Ok(buf.drain(..k).collect());
    }
    // one read returns at most what the pipe holds: a huge `n` need not
    // be allocated whole ("at most n bytes, perhaps fewer")
    let n = n.min(1 << 24);
    check_alloc(n, 1)?;
    let f = it
        .ipc
        .files
        .get_mut(&h)
        .ok_or_else(|| QError::new("close"))?;
    let mut out = vec![0u8; n];
    let k = loop {
        match std::io::Read::read(f, &mut out) {
            Ok(k) => break k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(QError::new(format!("fifo handle {h}: {e}"))),
        }
    };
    out.truncate(k);
    Ok(out)
}

/// A line from fifo `h` (LF or CRLF removed): reads until a newline or
/// the end; what was read past the line waits for the next read.
fn fifo_line(it: &mut Interp, h: i32) -> QResult<Vec<u8>> {
    loop {
        let buf = it
            .ipc
            .fifo_bufs
            .get_mut(&h)
            .ok_or_else(|| QError::new("close"))?;
        if let Some(i) = buf.iter().position(|&c| c == b'\n') {
            let mut line: Vec<u8> = buf.drain(..=i).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(line);
        }
        let have = std::mem::take(buf);
        let more = fifo_read(it, h, FIFO_CHUNK)?;
        let buf = it
            .ipc
            .fifo_bufs
            .get_mut(&h)
            .ok_or_else(|| QError::new("close"))?;
        *buf = have;
        if more.is_empty() {
            return Ok(std::mem::take(buf));
        }
        buf.extend_from_slice(&more);
        it.check_stop()?;
    }
}

// ---------------------------------------------------------------------------
// File handles

/// The text of a `hopen` argument given as a symbol or a string.
fn open_text(x: &Value) -> Option<String> {
    match x {
        Value::Atom(Atom::Symbol(s)) => Some(s.as_str().to_string()),
        Value::Vector(v) if v.ty() == Ty::Char => Some(x.as_string().unwrap_or_default()),
        _ => None,
    }
}

/// The file a `hopen` argument names: a symbol or string `:path` with no
/// further `:` (which would make it `host:port`). A restricted client may
/// not open files at all (`'access`, as q's `-u`).
pub fn file_target(x: &Value) -> QResult<Option<PathBuf>> {
    let Some(s) = open_text(x) else {
        return Ok(None);
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

/// The path of a `` `:fifo://path `` argument to `hopen`.
pub fn fifo_target(x: &Value) -> QResult<Option<PathBuf>> {
    let Some(s) = open_text(x) else {
        return Ok(None);
    };
    let Some(p) = s.strip_prefix(":fifo://") else {
        return Ok(None);
    };
    if p.is_empty() {
        return Err(QError::domain().with_detail("hopen: a fifo needs a path"));
    }
    crate::storage::confine::forbid("hopen of a fifo")?;
    crate::storage::confine::path(p).map(Some)
}

/// `` hopen`:fifo://path ``: opens a named pipe (or any file, as a stream)
/// for reading with `read0`/`read1`. Opening does not wait for a writer;
/// reads block until data comes or every writer has closed it.
pub fn hopen_fifo(it: &mut Interp, path: &Path, h: i32) -> QResult<Value> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| io_err(path, &e))?;
    // SAFETY: `f` owns an open descriptor for the duration of both calls;
    // F_GETFL/F_SETFL only read and set its status flags.
    let ok = unsafe {
        let fd = f.as_raw_fd();
        let fl = libc::fcntl(fd, libc::F_GETFL);
        fl >= 0 && libc::fcntl(fd, libc::F_SETFL, fl & !libc::O_NONBLOCK) >= 0
    };
    if !ok {
        return Err(io_err(path, &std::io::Error::last_os_error()));
    }
    it.ipc.files.insert(h, f);
    it.ipc.fifo_bufs.insert(h, Vec::new());
    Ok(Value::int(h))
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
