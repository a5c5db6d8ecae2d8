//! Splayed tables: mapping a table directory (all its columns, or only
//! those a query names), writing one with its symbols enumerated against
//! the database's `sym` file, and `.Q.en` (enumerate a table's symbol
//! columns against `db/sym`, adding new names). Used by `rsave rload`,
//! `set`/`get` of `` `:dir/ ``, `\l`, `.Q.dpft` and appends to a splayed
//! table on disk.

use crate::storage::column::handle_of;

use crate::storage::column::handle_path;

use crate::storage::column::mapped_vector;

use crate::storage::column::nested_value;

use crate::storage::column::serr;

use crate::storage::column::sym_loader;

use crate::storage::column::sym_strs;

use crate::storage::column::Domains;

use crate::storage::column::table_cols;

use qcore::QError;

use qcore::QResult;

use qcore::Sym;

use qcore::Table;

use qcore::Ty;

use qcore::Value;

use qstorage::Mapped;

use qstorage::column::Nested;

use qstorage::header::Kind;

use qstorage::header::TYPE_ENUM;

use qstorage::splay;

use qstorage::splay::ColMap;

use qstorage::symfile::SymFile;

use std::path::Path;

use std::path::PathBuf;

use std::sync::Arc;

/// The database directory of a splayed table directory: its parent, or,
/// for a table in a partition directory (`db/2024.01.02/t`), the root whose
/// domain files (`sym`) the partitions share.
pub(crate) fn db_of(dir: &Path) -> PathBuf {
    let p = qstorage::parent_dir(dir);
    let part = p
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| qstorage::part::parse_name(n).is_some());
    if part { qstorage::parent_dir(&p) } else { p }
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
/// `dir`, in `.d` order; a flat column mapped before whose file has not
/// changed since is the one mapped then (`storage::kept`). The row count is still checked against *all* its
/// columns (the headers of the others are read, not mapped), so a torn
/// append is never visible and a corrupt column is an error. With nothing wanted, one cheap column
/// (flat, not symbol) is mapped so that the table carries its row count.
pub(crate) fn load_cols(
    dir: &Path,
    wanted: Option<&[Sym]>,
    syms: &dyn Fn(&str) -> QResult<Arc<Vec<Sym>>>,
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
    let counts: Vec<u64> = headers.iter().map(|h| h.count).collect();
    let count = splay::table_count(dir, &names, &counts).map_err(serr)?;
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
        // a flat column mapped by an earlier query, its file unchanged
        if headers[i].kind == Kind::Flat
            && let Some(v) = crate::storage::kept::kept(&path, n)
        {
            out_names.push(Sym::new(&names[i]));
            columns.push(Value::Vector(v));
            continue;
        }
        let m = Mapped::open(&path).map_err(serr)?;
        let v = match m.header.kind {
            Kind::Flat => {
                let v = mapped_vector(&m, 0..n, syms)?;
                if m.header.ty != TYPE_ENUM {
                    crate::storage::kept::keep(&path, m.identity(), n, &v);
                }
                Value::Vector(v)
            }
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

/// Writes table `t` splayed in `dir`, its symbols enumerated against the
/// domain files of database `db` (the parent directory for a splayed table,
/// the root for a partition): an enumeration's against its domain, plain
/// symbols against `sym`.
pub(crate) fn write_splay_in(dir: &Path, db: &Path, t: &Table) -> QResult<()> {
    write_splay_with(dir, db, t, &mut Domains::new())
}

/// [`write_splay_in`] with the domains `syms` (`.Q.dpts` enumerates plain
/// symbols against another file).
pub(crate) fn write_splay_with(
    dir: &Path,
    db: &Path,
    t: &Table,
    syms: &mut Domains,
) -> QResult<()> {
    let cols = table_cols(dir, t, syms, db)?;
    splay::write_splay(dir, &cols).map_err(serr)
}

// ---------------------------------------------------------------------------
// .Q.en, \l, appends

/// `.Q.en[`:db;t]`: adds the table's symbols to `db/sym` and returns the
/// table. borf has no enumerated type, so the columns stay symbols; what
/// `.Q.en` guarantees is that every symbol is in the sym file, which is what
/// writing a splayed table requires.
pub fn q_en(d: Value, t: Value) -> QResult<Value> {
    q_en_names(&d, &t)?;
    Ok(t)
}

/// [`q_en`], returning the sym file's symbols after it.
pub fn q_en_names(d: &Value, t: &Value) -> QResult<Vec<String>> {
    q_ens_names(d, t, "sym")
}

/// `` `:dir/name?y `` (ref/enum-extend "Filepath"): the symbols `items`
/// added to the domain file `name` in `dir` (created when absent, locked
/// while it is read and appended to). The domain's name and all its
/// symbols after.
pub fn extend_domain_file(handle: Sym, items: &[&str]) -> QResult<(String, Vec<String>)> {
    let (path, _) = handle_path(handle)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .ok_or_else(QError::domain)?
        .to_string();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    qstorage::ensure_dir(&dir).map_err(serr)?;
    let mut sf = SymFile::open_named(&dir, &name).map_err(serr)?;
    sf.enumerate(items).map_err(serr)?;
    sf.publish().map_err(serr)?;
    Ok((name, sf.names().to_vec()))
}

/// [`q_en_names`] against the domain file `name` of the database.
pub fn q_ens_names(d: &Value, t: &Value, name: &str) -> QResult<Vec<String>> {
    let (db, _) = handle_path(handle_of(d)?)?;
    let Value::Table(tab) = &t else {
        return Err(QError::type_());
    };
    qstorage::ensure_dir(&db).map_err(serr)?;
    let mut sf = SymFile::open_named(&db, name).map_err(serr)?;
    for c in &tab.columns {
        // plain symbols (and this domain's own); another domain's
        // enumeration stays one, written against its own file
        if let Value::Vector(v) = c
            && v.ty() == Ty::Symbol
            && v.domain().is_none_or(|d| d.as_str() == name)
        {
            sf.enumerate(&sym_strs(v)).map_err(serr)?;
        }
    }
    sf.publish().map_err(serr)?;
    Ok(sf.names().to_vec())
}
