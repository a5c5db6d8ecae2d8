//! File handles and Lsmer storage: `` `:path set x ``, `` get `:path ``,
//! `hsym hcount hdel`, `key` of a directory, splayed tables (`` `:db/t/ set
//! t ``, `\l`), `.Q.en`, and `upsert`/`insert` to a splayed table on disk.
//!
//! The bytes and files are `qstorage`'s business; this file converts between
//! q values and the columns `qstorage` reads and writes. Mapped columns
//! become vectors over the mapping without copying ([`Buf::from_foreign`]),
//! except symbol columns: a `Sym` is an interned id, so an enumerated
//! column is translated through the database's `sym` file on load.

use std::borrow::Cow;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use qstorage::bytemuck;
use qstorage::bytemuck::Pod;
use qstorage::column;
use qstorage::column::Nested;
use qstorage::header::Kind;
use qstorage::header::TYPE_ENUM;
use qstorage::splay;
use qstorage::splay::ColData;
use qstorage::splay::ColMap;
use qstorage::symfile::SymFile;
use qstorage::FileKind;
use qstorage::Mapped;

use crate::interp::Interp;
use qcore::Buf;
use qcore::Sym;
use qcore::Atom;
use qcore::Attr;
use qcore::Repr;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use qcore::QError;
use qcore::QResult;

/// A storage error as a q error: `'path: message` (`'type` for a type
/// mismatch such as an unenumerated symbol column, as in q).
pub fn serr(e: qstorage::Error) -> QError {
    if e.is_type {
        QError::type_().with_detail(e.to_string())
    } else {
        QError::new(e.to_string())
    }
}

/// True for a file handle: a symbol atom starting with `:`.
pub fn is_handle(x: &Value) -> bool {
    matches!(x, Value::Atom(Atom::Symbol(s)) if s.as_str().starts_with(':'))
}

/// The path of handle `` `:a/b/ `` and whether it ends with `/` (a splayed
/// table directory).
pub(crate) fn handle_path(s: Sym) -> (PathBuf, bool) {
    let t = s.as_str().strip_prefix(':').unwrap_or(s.as_str());
    let dir = t.len() > 1 && t.ends_with('/');
    (PathBuf::from(t.trim_end_matches('/')), dir)
}

pub(crate) fn handle_of(x: &Value) -> QResult<Sym> {
    match x {
        Value::Atom(Atom::Symbol(s)) if s.as_str().starts_with(':') => Ok(*s),
        _ => Err(QError::type_()),
    }
}

fn attr_code(a: Attr) -> u8 {
    match a {
        Attr::None => 0,
        Attr::Sorted => 1,
        Attr::Unique => 2,
        Attr::Parted => 3,
        Attr::Grouped => 4,
    }
}

fn attr_of(c: u8) -> Attr {
    match c {
        1 => Attr::Sorted,
        2 => Attr::Unique,
        3 => Attr::Parted,
        4 => Attr::Grouped,
        _ => Attr::None,
    }
}

// ---------------------------------------------------------------------------
// Values to column bytes

/// The little-endian bytes of a non-symbol vector, in place.
fn vec_bytes(v: &Vector) -> &[u8] {
    match v.data() {
        VecData::U8(b) => b,
        VecData::I16(b) => bytemuck::must_cast_slice(b),
        VecData::I32(b) => bytemuck::must_cast_slice(b),
        VecData::I64(b) => bytemuck::must_cast_slice(b),
        VecData::F32(b) => bytemuck::must_cast_slice(b),
        VecData::F64(b) => bytemuck::must_cast_slice(b),
        VecData::Guid(b) => bytemuck::must_cast_slice(b),
        VecData::Sym(_) => &[],
    }
}

fn sym_strs(v: &Vector) -> Vec<&'static str> {
    v.as_sym()
        .map(|s| s.iter().map(|x| x.as_str()).collect())
        .unwrap_or_default()
}

/// A table column as column data: flat vectors in place, symbols
/// enumerated against `syms` (names must already be there, else `'type`),
/// lists of same-typed vectors as nested columns.
fn col_data<'a>(
    path: &Path,
    c: &'a Value,
    syms: &mut Option<SymFile>,
    db: &Path,
) -> QResult<ColData<'a>> {
    match c {
        Value::Vector(v) if v.ty() == Ty::Symbol => {
            if syms.is_none() {
                *syms = Some(SymFile::open(db).map_err(serr)?);
            }
            let sf = syms.as_ref().ok_or_else(QError::type_)?;
            let idx = sf.lookup(&sym_strs(v), path).map_err(serr)?;
            let bytes: Vec<u8> = idx.iter().flat_map(|i| i.to_le_bytes()).collect();
            Ok(ColData::Flat {
                ty: TYPE_ENUM,
                attr: attr_code(v.attr),
                bytes: Cow::Owned(bytes),
            })
        }
        Value::Vector(v) => Ok(ColData::Flat {
            ty: v.ty().code(),
            attr: attr_code(v.attr),
            bytes: Cow::Borrowed(vec_bytes(v)),
        }),
        Value::List(l) => {
            let mut ty: Option<Ty> = None;
            let mut rows = Vec::with_capacity(l.len());
            for item in l.iter() {
                let Value::Vector(v) = item else {
                    return Err(QError::type_().with_detail(format!(
                        "{}: a nested column holds vectors of one type",
                        path.display()
                    )));
                };
                if v.ty() == Ty::Symbol || ty.is_some_and(|t| t != v.ty()) {
                    return Err(QError::type_().with_detail(format!(
                        "{}: a nested column holds vectors of one non-symbol type",
                        path.display()
                    )));
                }
                ty = Some(v.ty());
                rows.push(vec_bytes(v));
            }
            Ok(ColData::Nested {
                ty: ty.unwrap_or(Ty::Char).code(),
                rows,
            })
        }
        _ => Err(QError::type_()),
    }
}

/// The columns of a table (unkeyed) as column data.
fn table_cols<'a>(
    dir: &Path,
    t: &'a Table,
    syms: &mut Option<SymFile>,
    db: &Path,
) -> QResult<Vec<(String, ColData<'a>)>> {
    let mut out = Vec::with_capacity(t.names.len());
    for (n, c) in t.names.iter().zip(&t.columns) {
        let name = n.as_str().to_string();
        let d = col_data(&dir.join(&name), c, syms, db)?;
        out.push((name, d));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Mapped columns to values (zero copy)

/// A buffer over items `r` of a mapped column, without copying.
fn foreign<T: Pod>(m: &Mapped, r: std::ops::Range<usize>) -> QResult<Buf<T>> {
    let items: &[T] = m.items::<T>().map_err(serr)?;
    let s = items.get(r).ok_or_else(|| {
        QError::new(format!(
            "{}: offset outside the data file",
            m.path().display()
        ))
    })?;
    // SAFETY: `s` is an in-bounds, aligned (checked by `try_cast_slice`)
    // slice of initialised `T` inside the mapping; `m.owner()` is the
    // `Arc<Mmap>` that keeps the mapping alive as long as the buffer. borf
    // never writes a column's published items in place (appends write past
    // the count, rewrites rename a new file over the old), so the items do
    // not change while mapped.
    Ok(unsafe { Buf::from_foreign(s.as_ptr(), s.len(), m.owner()) })
}

fn mapped_vector(
    m: &Mapped,
    r: std::ops::Range<usize>,
    syms: &dyn Fn() -> QResult<Arc<Vec<Sym>>>,
) -> QResult<Vector> {
    let code = m.header.ty;
    if code == TYPE_ENUM {
        let names = syms()?;
        let idx: &[u32] = m.items::<u32>().map_err(serr)?;
        let idx = idx.get(r).ok_or_else(|| {
            QError::new(format!(
                "{}: offset outside the data file",
                m.path().display()
            ))
        })?;
        let mut out = Vec::with_capacity(idx.len());
        for &i in idx {
            out.push(*names.get(i as usize).ok_or_else(|| {
                QError::new(format!(
                    "{}: symbol index outside the sym file",
                    m.path().display()
                ))
            })?);
        }
        let mut v = Vector::syms(out);
        v.attr = attr_of(m.header.attr);
        return Ok(v);
    }
    let ty = Ty::from_code(code as i16)
        .ok_or_else(|| QError::new(format!("{}: bad type code {code}", m.path().display())))?;
    let data = match ty.repr() {
        Repr::U8 => VecData::U8(foreign(m, r)?),
        Repr::I16 => VecData::I16(foreign(m, r)?),
        Repr::I32 => VecData::I32(foreign(m, r)?),
        Repr::I64 => VecData::I64(foreign(m, r)?),
        Repr::F32 => VecData::F32(foreign(m, r)?),
        Repr::F64 => VecData::F64(foreign(m, r)?),
        Repr::Guid => VecData::Guid(foreign(m, r)?),
        Repr::Sym => {
            return Err(QError::new(format!(
                "{}: bad type code {code}",
                m.path().display()
            )));
        }
    };
    let mut v = Vector::new(ty, data).ok_or_else(QError::type_)?;
    v.attr = attr_of(m.header.attr);
    Ok(v)
}

fn nested_value(n: &Nested) -> QResult<Value> {
    let none = || Err(QError::type_());
    let mut rows = Vec::with_capacity(n.rows as usize);
    for r in n.ranges() {
        rows.push(Value::Vector(mapped_vector(&n.data, r, &none)?));
    }
    Ok(Value::list(rows))
}

/// A loader of the sym file of database `db`, read at most once.
fn sym_loader(db: PathBuf) -> impl Fn() -> QResult<Arc<Vec<Sym>>> {
    let cell: std::cell::OnceCell<Arc<Vec<Sym>>> = std::cell::OnceCell::new();
    move || {
        if let Some(v) = cell.get() {
            return Ok(v.clone());
        }
        let names = column::read_syms(&db.join("sym")).map_err(serr)?;
        let v = Arc::new(names.iter().map(|s| Sym::new(s)).collect::<Vec<_>>());
        let _ = cell.set(v.clone());
        Ok(v)
    }
}

/// The database directory of a splayed table directory (its parent).
fn db_of(dir: &Path) -> PathBuf {
    qstorage::parent_dir(dir)
}

/// Maps the splayed table in `dir`.
pub fn load_splay(dir: &Path) -> QResult<Value> {
    let sp = splay::open_splay(dir).map_err(serr)?;
    let syms = sym_loader(db_of(dir));
    let n = sp.count as usize;
    let mut columns = Vec::with_capacity(sp.cols.len());
    for c in &sp.cols {
        columns.push(match c {
            ColMap::Flat(m) => Value::Vector(mapped_vector(m, 0..n, &syms)?),
            ColMap::Nested(x) => nested_value(x)?,
        });
    }
    Ok(Value::Table(Arc::new(Table {
        names: sp.names.iter().map(|s| Sym::new(s)).collect(),
        columns,
    })))
}

/// Maps only the columns `wanted` (`None`: all) of the splayed table in
/// `dir`, in `.d` order. The row count is still the smallest count among
/// *all* its columns (the headers of the others are read, not mapped), so
/// a torn append is never visible. With nothing wanted, one cheap column
/// (flat, not symbol) is mapped so that the table carries its row count.
pub(crate) fn load_cols(
    dir: &Path,
    wanted: Option<&[Sym]>,
    syms: &dyn Fn() -> QResult<Arc<Vec<Sym>>>,
) -> QResult<Table> {
    let names = splay::read_d(dir).map_err(serr)?;
    if let Some(w) = wanted {
        for s in w {
            if !names.iter().any(|n| n == s.as_str()) {
                return Err(QError::new(format!(
                    "{}: No such file or directory",
                    dir.join(s.as_str()).display()
                )));
            }
        }
    }
    let mut headers = Vec::with_capacity(names.len());
    for n in &names {
        headers.push(qstorage::part::read_header(&dir.join(n)).map_err(serr)?);
    }
    let count = headers.iter().map(|h| h.count).min().unwrap_or(0);
    let mut pick: Vec<usize> = (0..names.len())
        .filter(|&i| wanted.is_none_or(|w| w.iter().any(|s| s.as_str() == names[i])))
        .collect();
    if pick.is_empty() && !names.is_empty() {
        let cheap = headers
            .iter()
            .position(|h| h.kind == Kind::Flat && h.ty != TYPE_ENUM)
            .unwrap_or(0);
        pick.push(cheap);
    }
    let n = count as usize;
    let mut out_names = Vec::with_capacity(pick.len());
    let mut columns = Vec::with_capacity(pick.len());
    for i in pick {
        let path = dir.join(&names[i]);
        let m = Mapped::open(&path).map_err(serr)?;
        let v = match m.header.kind {
            Kind::Flat => Value::Vector(mapped_vector(&m, 0..n, syms)?),
            Kind::Offsets => nested_value(&Nested::open_limit(&path, m, count).map_err(serr)?)?,
            Kind::SymText => {
                return Err(QError::new(format!(
                    "{}: a symbol list is not a column",
                    path.display()
                )));
            }
        };
        out_names.push(Sym::new(&names[i]));
        columns.push(v);
    }
    Ok(Table {
        names: out_names,
        columns,
    })
}

/// The names of the sym file of database `db`, as symbols.
pub(crate) fn read_sym_file(db: &Path) -> QResult<Arc<Vec<Sym>>> {
    let names = column::read_syms(&db.join("sym")).map_err(serr)?;
    Ok(Arc::new(names.iter().map(|s| Sym::new(s)).collect()))
}

// ---------------------------------------------------------------------------
// set / get

/// `` `:path set y ``: a table to `` `:dir/ `` is splayed; a simple vector
/// becomes a mappable column file; anything else an object file.
pub fn set_file(_it: &mut Interp, s: Sym, y: Value) -> QResult<Value> {
    let (path, dir) = handle_path(s);
    if dir {
        let Value::Table(t) = &y else {
            return Err(QError::type_().with_detail("only a table can be splayed"));
        };
        write_splay_in(&path, &db_of(&path), t)?;
        return Ok(Value::Atom(Atom::Symbol(s)));
    }
    if let Some(p) = path.parent()
        && !p.as_os_str().is_empty()
    {
        qstorage::ensure_dir(p).map_err(serr)?;
    }
    match &y {
        Value::Vector(v) if v.ty() == Ty::Symbol => {
            column::write_syms(&path, &sym_strs(v)).map_err(serr)?
        }
        Value::Vector(v) => {
            column::write_flat(&path, v.ty().code(), attr_code(v.attr), vec_bytes(v))
                .map_err(serr)?
        }
        other => {
            let payload = crate::ipc::wire::encode(other)?;
            qstorage::object::write_object(&path, qstorage::object::PAYLOAD_KDB_IPC, &payload)
                .map_err(serr)?
        }
    }
    Ok(Value::Atom(Atom::Symbol(s)))
}

/// Writes table `t` splayed in `dir`, its symbols enumerated against the
/// sym file of database `db` (the parent directory for a splayed table,
/// the root for a partition).
pub(crate) fn write_splay_in(dir: &Path, db: &Path, t: &Table) -> QResult<()> {
    let mut syms = None;
    let cols = table_cols(dir, t, &mut syms, db)?;
    splay::write_splay(dir, &cols).map_err(serr)
}

/// `` get `:path ``: maps a column file or splayed table, reads an object.
pub fn get_file(_it: &mut Interp, s: Sym) -> QResult<Value> {
    let (path, _) = handle_path(s);
    read_path(&path)
}

fn read_path(path: &Path) -> QResult<Value> {
    match qstorage::probe(path).map_err(serr)? {
        FileKind::Missing => Err(QError::new(format!(
            "{}: No such file or directory",
            path.display()
        ))),
        FileKind::Dir => load_splay(path),
        FileKind::Column => {
            let m = Mapped::open(path).map_err(serr)?;
            match m.header.kind {
                Kind::SymText => {
                    let names = m.names().map_err(serr)?;
                    Ok(Value::Vector(Vector::syms(
                        names.iter().map(|s| Sym::new(s)).collect(),
                    )))
                }
                Kind::Flat => {
                    let db = db_of(&db_of(path));
                    let n = m.count() as usize;
                    Ok(Value::Vector(mapped_vector(&m, 0..n, &sym_loader(db))?))
                }
                Kind::Offsets => {
                    let n = m.count();
                    nested_value(&Nested::open_limit(path, m, n).map_err(serr)?)
                }
            }
        }
        FileKind::Object => {
            let (fmt, payload) = qstorage::object::read_object(path).map_err(serr)?;
            if fmt != qstorage::object::PAYLOAD_KDB_IPC {
                return Err(QError::new(format!(
                    "{}: unknown payload format {fmt}",
                    path.display()
                )));
            }
            match crate::ipc::wire::decode(&payload, true) {
                Ok(crate::ipc::wire::Body::Value(v)) => Ok(v),
                _ => Err(QError::new(format!("{}: corrupt object", path.display()))),
            }
        }
        FileKind::Other => Err(QError::new(format!("{}: bad magic", path.display()))),
    }
}

// ---------------------------------------------------------------------------
// hsym hcount hdel key

/// `hsym x`: symbols to file handles (`` `a `` to `` `:a ``).
pub fn hsym(_: &mut Interp, x: Value) -> QResult<Value> {
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
pub fn hcount(_: &mut Interp, x: Value) -> QResult<Value> {
    let (path, _) = handle_path(handle_of(&x)?);
    let md = std::fs::metadata(&path).map_err(|e| serr(qstorage::Error::io(&path, &e)))?;
    Ok(Value::long(md.len() as i64))
}

/// `hdel x`: deletes a file or an empty directory, returning the handle.
pub fn hdel(_: &mut Interp, x: Value) -> QResult<Value> {
    let s = handle_of(&x)?;
    let (path, _) = handle_path(s);
    let md = std::fs::symlink_metadata(&path).map_err(|e| serr(qstorage::Error::io(&path, &e)))?;
    let r = if md.is_dir() {
        std::fs::remove_dir(&path)
    } else {
        std::fs::remove_file(&path)
    };
    r.map_err(|e| serr(qstorage::Error::io(&path, &e)))?;
    Ok(x)
}

/// `` key `:path ``: a directory's names, sorted, as symbols; a file's own
/// handle; `()` when nothing is there.
pub fn key_handle(s: Sym) -> QResult<Value> {
    let (path, _) = handle_path(s);
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
// .Q.en, \l, appends

/// `.Q.en[`:db;t]`: adds the table's symbols to `db/sym` and returns the
/// table. borf has no enumerated type, so the columns stay symbols; what
/// `.Q.en` guarantees is that every symbol is in the sym file, which is what
/// writing a splayed table requires.
pub fn q_en(_: &mut Interp, d: Value, t: Value) -> QResult<Value> {
    let (db, _) = handle_path(handle_of(&d)?);
    let Value::Table(tab) = &t else {
        return Err(QError::type_());
    };
    qstorage::ensure_dir(&db).map_err(serr)?;
    let mut sf = SymFile::open(&db).map_err(serr)?;
    for c in &tab.columns {
        if let Value::Vector(v) = c
            && v.ty() == Ty::Symbol
        {
            sf.enumerate(&sym_strs(v)).map_err(serr)?;
        }
    }
    sf.publish().map_err(serr)?;
    Ok(t)
}

/// `\l dir`: a splayed table directory defines a global of its name; a
/// database directory defines `sym` (from its sym file), one global per
/// splayed table in it, and, when it holds partition directories
/// (`2024.01.02/`), its partitioned tables (`builtins::partitioned`). Unlike q, the working directory does not change.
pub fn load_dir(it: &mut Interp, dir: &str) -> QResult<()> {
    let path = PathBuf::from(dir.trim_end_matches('/'));
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    if path.join(splay::DOT_D).exists() {
        let t = load_splay(&path)?;
        it.set_global(Sym::new(&name(&path)), t);
        return Ok(());
    }
    let sym = path.join("sym");
    if sym.exists() {
        let v = read_path(&sym)?;
        it.set_global(Sym::new("sym"), v);
    }
    if let Some(layout) = qstorage::part::discover(&path).map_err(serr)? {
        super::partitioned::load(it, layout)?;
    }
    for n in qstorage::list_dir(&path).map_err(serr)? {
        let p = path.join(&n);
        if p.join(splay::DOT_D).exists() {
            let t = load_splay(&p)?;
            it.set_global(Sym::new(&n), t);
        }
    }
    Ok(())
}

/// `` `:db/t/ upsert rows `` / `` `:db/t/ insert rows ``: appends to the
/// splayed table on disk (crash-safe, see `qstorage::splay`). `upsert`
/// returns the handle, `insert` the indexes of the new rows.
pub fn append_file(it: &mut Interp, s: Sym, y: Value, insert: bool) -> QResult<Value> {
    let (path, _) = handle_path(s);
    if !path.join(splay::DOT_D).exists() {
        return Err(QError::new(format!(
            "{}/.d: No such file or directory",
            path.display()
        )));
    }
    let cur = load_splay(&path)?;
    let Value::Table(t) = &cur else {
        return Err(QError::type_());
    };
    // The rows in the table's column order and types, checked by the same
    // rules as an in-memory upsert into an empty table of this schema.
    let empty = Table {
        names: t.names.clone(),
        columns: t
            .columns
            .iter()
            .map(|c| match c {
                Value::Vector(v) => Value::Vector(Vector::empty(v.ty())),
                _ => Value::list(vec![]),
            })
            .collect(),
    };
    let rows = super::table::upsert(it, Value::Table(Arc::new(empty)), y)?;
    let Value::Table(rt) = &rows else {
        return Err(QError::type_());
    };
    let db = db_of(&path);
    let mut syms = None;
    let cols = table_cols(&path, rt, &mut syms, &db)?;
    let n0 = t.len() as i64;
    let n1 = splay::append_splay(&path, &cols).map_err(serr)? as i64;
    if insert {
        Ok(Value::Vector(Vector::longs((n0..n1).collect())))
    } else {
        Ok(Value::Atom(Atom::Symbol(s)))
    }
}
