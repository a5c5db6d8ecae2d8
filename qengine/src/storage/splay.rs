//! (moved; module doc to be written)

use crate::interp::Interp;
use crate::storage::column::handle_of;
use crate::storage::column::handle_path;
use crate::storage::column::mapped_vector;
use crate::storage::column::nested_value;
use crate::storage::column::serr;
use crate::storage::column::sym_loader;
use crate::storage::column::sym_strs;
use crate::storage::column::table_cols;
use crate::storage::object::read_path;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qstorage::Mapped;
use qstorage::column;
use qstorage::column::Nested;
use qstorage::header::Kind;
use qstorage::header::TYPE_ENUM;
use qstorage::splay;
use qstorage::splay::ColMap;
use qstorage::symfile::SymFile;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

/// The database directory of a splayed table directory (its parent).
pub(crate) fn db_of(dir: &Path) -> PathBuf {
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

/// Writes table `t` splayed in `dir`, its symbols enumerated against the
/// sym file of database `db` (the parent directory for a splayed table,
/// the root for a partition).
pub(crate) fn write_splay_in(dir: &Path, db: &Path, t: &Table) -> QResult<()> {
    let mut syms = None;
    let cols = table_cols(dir, t, &mut syms, db)?;
    splay::write_splay(dir, &cols).map_err(serr)
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
        crate::query::partitioned::load(it, layout)?;
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
    let rows = crate::builtins::table::upsert(it, Value::Table(Arc::new(empty)), y)?;
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
