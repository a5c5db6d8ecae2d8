//! Columns between values and `qstorage`'s on-disk layouts: file handles
//! (`` `:a/b/ ``) to paths, storage errors to q errors ([`serr`]),
//! vectors to column bytes without copying, and mapped column files back to
//! vectors without copying (a `Buf` over the mapping). Symbol columns are
//! enumerated against a database's `sym` file, read at most once per load
//! ([`sym_loader`]).

use qcore::Atom;
use qcore::Attr;
use qcore::Buf;
use qcore::QError;
use qcore::QResult;
use qcore::Repr;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use qstorage::Mapped;
use qstorage::bytemuck;
use qstorage::bytemuck::Pod;
use qstorage::column;
use qstorage::column::Nested;
use qstorage::header::TYPE_ENUM;
use qstorage::splay::ColData;
use qstorage::symfile::SymFile;
use std::borrow::Cow;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

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
/// table directory); `'access` for a restricted client's path outside the
/// directory tree (see [`crate::storage::confine`]).
pub(crate) fn handle_path(s: Sym) -> QResult<(PathBuf, bool)> {
    let t = s.as_str().strip_prefix(':').unwrap_or(s.as_str());
    let dir = t.len() > 1 && t.ends_with('/');
    Ok((crate::storage::confine::path(t.trim_end_matches('/'))?, dir))
}

pub(crate) fn handle_of(x: &Value) -> QResult<Sym> {
    match x {
        Value::Atom(Atom::Symbol(s)) if s.as_str().starts_with(':') => Ok(*s),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// Values to column bytes

/// The little-endian bytes of a non-symbol vector, in place.
pub(crate) fn vec_bytes(v: &Vector) -> &[u8] {
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

pub(crate) fn sym_strs(v: &Vector) -> Vec<&'static str> {
    v.as_sym()
        .map(|s| s.iter().map(|x| x.as_str()).collect())
        .unwrap_or_default()
}

/// The domain files a write enumerates against, opened once each:
/// an enumerated column goes to the file of its domain, a plain symbol
/// column to the file `default` (`sym`; `s` for `.Q.dpts`).
pub(crate) struct Domains {
    default: Sym,
    files: Vec<(Sym, SymFile)>,
}

impl Domains {
    /// Plain symbols enumerated against `sym`.
    pub(crate) fn new() -> Domains {
        Domains::with_default(Sym::new("sym"))
    }

    /// Plain symbols enumerated against `default`.
    pub(crate) fn with_default(default: Sym) -> Domains {
        Domains {
            default,
            files: Vec::new(),
        }
    }

    /// The domain of symbol vector `v`: its enumeration's, else the default.
    fn of(&self, v: &Vector) -> Sym {
        v.domain().unwrap_or(self.default)
    }

    fn file(&mut self, d: Sym, db: &Path) -> QResult<&SymFile> {
        let k = match self.files.iter().position(|f| f.0 == d) {
            Some(k) => k,
            None => {
                qstorage::header::check_domain(d.as_str(), db).map_err(serr)?;
                let f = SymFile::open_named(db, d.as_str()).map_err(serr)?;
                self.files.push((d, f));
                self.files.len() - 1
            }
        };
        Ok(&self.files[k].1)
    }
}

/// A table column as column data: flat vectors in place, symbols
/// enumerated against their domain's file (names must already be there,
/// else `'type`), lists of same-typed vectors as nested columns.
pub(crate) fn col_data<'a>(
    path: &Path,
    c: &'a Value,
    syms: &mut Domains,
    db: &Path,
) -> QResult<ColData<'a>> {
    match c {
        Value::Vector(v) if v.ty() == Ty::Symbol => {
            let d = syms.of(v);
            let idx = syms.file(d, db)?.lookup(&sym_strs(v), path).map_err(serr)?;
            let bytes: Vec<u8> = idx.iter().flat_map(|i| i.to_le_bytes()).collect();
            Ok(if d.as_str() == "sym" {
                ColData::Flat {
                    ty: TYPE_ENUM,
                    attr: v.attr.code(),
                    bytes: Cow::Owned(bytes),
                }
            } else {
                ColData::Enum {
                    domain: d.as_str(),
                    attr: v.attr.code(),
                    bytes: Cow::Owned(bytes),
                }
            })
        }
        Value::Vector(v) => Ok(ColData::Flat {
            ty: v.ty().code(),
            attr: v.attr.code(),
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
pub(crate) fn table_cols<'a>(
    dir: &Path,
    t: &'a Table,
    syms: &mut Domains,
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
pub(crate) fn foreign<T: Pod>(m: &Mapped, r: std::ops::Range<usize>) -> QResult<Buf<T>> {
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

pub(crate) fn mapped_vector(
    m: &Mapped,
    r: std::ops::Range<usize>,
    syms: &dyn Fn(&str) -> QResult<Arc<Vec<Sym>>>,
) -> QResult<Vector> {
    let code = m.header.ty;
    if code == TYPE_ENUM {
        let domain = m.domain().unwrap_or("sym");
        let names = syms(domain)?;
        let idx: &[u32] = m.items::<u32>().map_err(serr)?;
        let idx = idx.get(r.clone()).ok_or_else(|| {
            QError::new(format!(
                "{}: offset outside the data file",
                m.path().display()
            ))
        })?;
        // one check of every index (a max, vectorised), then a plain gather
        if idx
            .iter()
            .copied()
            .max()
            .is_some_and(|hi| hi as usize >= names.len())
        {
            return Err(QError::new(format!(
                "{}: symbol index outside the domain file {domain}",
                m.path().display()
            )));
        }
        let out: Vec<Sym> = idx.iter().map(|&i| names[i as usize]).collect();
        let mut v = Vector::syms(out);
        v.attr = Attr::from_code(m.header.attr).unwrap_or_default();
        // an enumeration of its domain, as in q: its indexes are the mapped
        // file itself (u32 items, read as i32: a sym file holds < 2^31 names)
        v.set_enum(Sym::new(domain), foreign::<i32>(m, r)?);
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
    v.attr = Attr::from_code(m.header.attr).unwrap_or_default();
    Ok(v)
}

pub(crate) fn nested_value(n: &Nested) -> QResult<Value> {
    let none = |_: &str| Err(QError::type_());
    let mut rows = Vec::with_capacity(n.rows as usize);
    for r in n.ranges() {
        rows.push(Value::Vector(mapped_vector(&n.data, r, &none)?));
    }
    Ok(Value::list(rows))
}

/// A loader of the domain files (`sym`, or another name an enumerated
/// column records) of database `db`, each read at most once.
pub(crate) fn sym_loader(db: PathBuf) -> impl Fn(&str) -> QResult<Arc<Vec<Sym>>> {
    let cell: std::cell::RefCell<Vec<(String, Arc<Vec<Sym>>)>> = Default::default();
    // a table a restricted client named reads no sym file outside the tree
    // (one the console loaded is not restricted, whenever it is read)
    let confined = crate::storage::confine::confined();
    move |domain: &str| {
        if let Some(v) = cell.borrow().iter().find(|c| c.0 == domain) {
            return Ok(v.1.clone());
        }
        let path = db.join(domain);
        if confined && !crate::storage::confine::inside(&path) {
            return Err(QError::new("access").with_detail(format!(
                "{}: outside the directory tree (-u)",
                path.display()
            )));
        }
        let v = read_domain(&db, domain)?;
        cell.borrow_mut().push((domain.to_string(), v.clone()));
        Ok(v)
    }
}

/// The names of the domain file `domain` (`sym`, ...) of database `db`.
pub(crate) fn read_domain(db: &Path, domain: &str) -> QResult<Arc<Vec<Sym>>> {
    qstorage::header::check_domain(domain, db).map_err(serr)?;
    let names = column::read_syms(&db.join(domain)).map_err(serr)?;
    Ok(Arc::new(names.iter().map(|s| Sym::new(s)).collect()))
}
