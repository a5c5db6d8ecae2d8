//! `save`, `load`, `rsave`, `rload`, `dsave`, the `\l` of a directory or
//! database, and `upsert`/`insert` into a splayed table on disk
//! ([`append_file`]). `save` picks its format from the file name's
//! extension (none: binary q object; `.csv .txt .xml`: text; `.xls`: an
//! Excel workbook), `rsave`
//! writes splayed, `dsave` enumerates symbols against `db/sym` first.
//! `\l` of a partitioned database hands over to `query/partitioned`.

use crate::state::Interp;
use crate::storage::column::Domains;
use crate::storage::column::handle_path;
use crate::storage::column::serr;
use crate::storage::column::table_cols;
use crate::storage::object::read_path;
use crate::storage::splay::db_of;
use crate::storage::splay::load_splay;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qstorage::splay;
use std::path::Path;
use std::sync::Arc;

use crate::builtins::io::handle::write_all;
use crate::builtins::io::text::column_cells;
use crate::builtins::io::text::prepare_text;
use qcore::Dict;

// ---------------------------------------------------------------------------
// save load rsave rload dsave

/// The names in a symbol atom or vector, and whether it was an atom.
pub(crate) fn sym_args(x: &Value) -> QResult<(Vec<Sym>, bool)> {
    match x {
        Value::Atom(Atom::Symbol(s)) => Ok((vec![*s], true)),
        Value::Vector(v) if v.ty() == Ty::Symbol => Ok((v.as_sym().unwrap_or(&[]).to_vec(), false)),
        _ => Err(QError::type_()),
    }
}

pub(crate) fn syms_result(v: Vec<Sym>, atom: bool) -> Value {
    if atom && v.len() == 1 {
        Value::Atom(Atom::Symbol(v[0]))
    } else {
        Value::Vector(Vector::syms(v))
    }
}

pub(crate) fn global(it: &Interp, name: &str) -> QResult<Value> {
    it.get_global(Sym::new(name))
        .ok_or_else(|| QError::undefined(name))
}

pub(crate) fn handle(path: &str) -> Sym {
    Sym::new(&format!(":{path}"))
}

/// `save `t`, `save `:dir/t.csv`: writes global `t` to a file named by the
/// argument; the extension picks the format (none: binary, `csv`, `txt`,
/// `xml`). Returns the file handle(s).
pub fn save(it: &mut Interp, x: Value) -> QResult<Value> {
    let (names, atom) = sym_args(&x)?;
    let mut out = Vec::with_capacity(names.len());
    for s in names {
        let text = s.as_str().strip_prefix(':').unwrap_or(s.as_str());
        let path = crate::storage::confine::path(text)?;
        let stem = path
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let v = global(it, &stem)?;
        let h = handle(text);
        match ext.as_str() {
            "" => {
                crate::storage::object::set_file(it, h, v)?;
            }
            "csv" | "txt" => {
                let d = if ext == "csv" { b',' } else { b'\t' };
                let lines = prepare_text(it, d, &v)?;
                let mut b = Vec::new();
                for l in lines {
                    b.extend_from_slice(&l);
                    b.push(b'\n');
                }
                write_all(&path, &b)?;
            }
            "xml" => write_all(&path, &xml_text(it, &v)?)?,
            // an Excel workbook (SpreadsheetML), as `.h.ed`
            "xls" => {
                let lines = crate::builtins::doth::ed(it, v)?;
                write_all(&path, &crate::builtins::io::text::string_lines(&lines)?)?;
            }
            // other extensions (`json`): the formatter `.h.tx` holds for
            // them (q's `save` is `x 0: .h.tx[ext] v`)
            _ => {
                let f = h_tx(it, Sym::new(&ext)).ok_or_else(|| {
                    QError::type_().with_detail(format!("save: no format for .{ext} in .h.tx"))
                })?;
                let lines = crate::builtins::apply::apply(it, &f, vec![v])?;
                let b = crate::builtins::io::text::string_lines(&lines)?;
                write_all(&path, &b)?;
            }
        }
        out.push(h);
    }
    Ok(syms_result(out, atom))
}

/// The formatter `.h.tx` holds for file type `ext`.
fn h_tx(it: &Interp, ext: Sym) -> Option<Value> {
    let Some(Value::Dict(d)) = it.get_global(Sym::new(".h.tx")) else {
        return None;
    };
    let Value::Vector(k) = &d.keys else {
        return None;
    };
    let i = k.as_sym()?.iter().position(|s| *s == ext)?;
    d.values.item(i)
}

/// `save `t.xml`: `<R>`, one `<r><col>value</col>..</r>` per row, `</R>`.
pub(crate) fn xml_text(it: &mut Interp, v: &Value) -> QResult<Vec<u8>> {
    let t = crate::builtins::table::unkeyed(v).ok_or_else(QError::type_)?;
    let p = it.settings.console.precision;
    let cells: Vec<Vec<Vec<u8>>> = t
        .columns
        .iter()
        .map(|c| column_cells(c, p))
        .collect::<QResult<_>>()?;
    let mut out = b"<R>\n".to_vec();
    for r in 0..t.len() {
        out.extend_from_slice(b"<r>");
        for (n, c) in t.names.iter().zip(&cells) {
            let n = n.as_str();
            out.extend_from_slice(format!("<{n}>").as_bytes());
            for &b in c.get(r).map_or(&[][..], |x| &x[..]) {
                match b {
                    b'<' => out.extend_from_slice(b"&lt;"),
                    b'>' => out.extend_from_slice(b"&gt;"),
                    b'&' => out.extend_from_slice(b"&amp;"),
                    _ => out.push(b),
                }
            }
            out.extend_from_slice(format!("</{n}>").as_bytes());
        }
        out.extend_from_slice(b"</r>\n");
    }
    out.extend_from_slice(b"</R>\n");
    Ok(out)
}

/// Reads a data file, or a directory: a splayed table, else a dictionary of
/// its entries (hidden names skipped).
pub(crate) fn load_path(it: &mut Interp, path: &Path) -> QResult<Value> {
    match qstorage::probe(path).map_err(serr)? {
        qstorage::FileKind::Dir if !path.join(".d").exists() => {
            let mut keys = Vec::new();
            let mut vals = Vec::new();
            for n in qstorage::list_dir(path).map_err(serr)? {
                if n.starts_with('.') {
                    continue;
                }
                vals.push(load_path(it, &path.join(&n))?);
                keys.push(Sym::new(&n));
            }
            Ok(Value::Dict(Arc::new(Dict {
                keys: Value::Vector(Vector::syms(keys)),
                values: Value::list(vals),
                sorted: false,
            })))
        }
        qstorage::FileKind::Other => {
            Err(QError::type_().with_detail(format!("{}: not a data file", path.display())))
        }
        _ => crate::storage::object::get_file(it, handle(&path.to_string_lossy())),
    }
}

/// `load `t` / `load `:dir/t`: reads the data file (or directory) into the
/// global of its name, which it returns.
pub fn load(it: &mut Interp, x: Value) -> QResult<Value> {
    let (names, atom) = sym_args(&x)?;
    let mut out = Vec::with_capacity(names.len());
    for s in names {
        let text = s.as_str().strip_prefix(':').unwrap_or(s.as_str());
        let path = crate::storage::confine::path(text.trim_end_matches('/'))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let v = load_path(it, &path)?;
        let g = Sym::new(&name);
        it.set_global(g, v);
        out.push(g);
    }
    Ok(syms_result(out, atom))
}

/// `rsave `t`: writes global table `t` splayed to directory `t/`.
pub fn rsave(it: &mut Interp, x: Value) -> QResult<Value> {
    let (names, atom) = sym_args(&x)?;
    let mut out = Vec::with_capacity(names.len());
    for s in names {
        let text = s.as_str().strip_prefix(':').unwrap_or(s.as_str());
        let text = text.trim_end_matches('/');
        let name = Path::new(text)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let v = global(it, &name)?;
        if !matches!(v, Value::Table(_)) {
            return Err(QError::type_().with_detail("rsave writes an unkeyed table"));
        }
        let h = handle(&format!("{text}/"));
        crate::storage::object::set_file(it, h, v)?;
        out.push(h);
    }
    Ok(syms_result(out, atom))
}

/// `rload `t`: maps the splayed table in directory `t/` into global `t`.
pub fn rload(it: &mut Interp, x: Value) -> QResult<Value> {
    let (names, atom) = sym_args(&x)?;
    let mut out = Vec::with_capacity(names.len());
    for s in names {
        let text = s.as_str().strip_prefix(':').unwrap_or(s.as_str());
        let text = text.trim_end_matches('/');
        let name = Path::new(text)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let v = crate::storage::object::get_file(it, handle(&format!("{text}/")))?;
        let g = Sym::new(&name);
        it.set_global(g, v);
        out.push(g);
    }
    Ok(syms_result(out, atom))
}

/// `` `:db dsave `t`q ``: each table enumerated against `db/sym`, its first
/// column given `p#`, and written splayed to `db/t/`. With a list
/// `` `:db`2024.01.01 dsave `t `` the first item is the database root
/// (where `sym` is) and the others a path inside it (a partition): the
/// tables go to `db/2024.01.01/t/`. Returns the names.
pub fn dsave(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let (root, inner) = match &x {
        Value::Atom(Atom::Symbol(s)) if s.as_str().starts_with(':') => (*s, Vec::new()),
        Value::Vector(v) if v.ty() == Ty::Symbol => {
            let items = v.as_sym().unwrap_or(&[]);
            match items.split_first() {
                Some((r, rest)) if r.as_str().starts_with(':') => (*r, rest.to_vec()),
                Some(_) => return Err(QError::type_()),
                None => return Err(QError::length()),
            }
        }
        _ => return Err(QError::type_()),
    };
    let mut dir = root.as_str()[1..].trim_end_matches('/').to_string();
    for p in &inner {
        let p = p.as_str().trim_start_matches(':').trim_matches('/');
        if p.is_empty() {
            return Err(QError::domain().with_detail("dsave: an empty path item"));
        }
        dir = format!("{dir}/{p}");
    }
    let (names, atom) = sym_args(&y)?;
    for &n in &names {
        let v = global(it, n.as_str())?;
        let Some(t) = crate::builtins::table::unkeyed(&v) else {
            return Err(QError::type_().with_detail(format!("{} is not a table", n.as_str())));
        };
        let t = crate::storage::splay::q_en(Value::Atom(Atom::Symbol(root)), Value::Table(t))?;
        let Value::Table(t) = t else {
            return Err(QError::type_());
        };
        let mut t = t.as_ref().clone();
        if let Some(c) = t.columns.first_mut() {
            *c = crate::builtins::meta::set_attribute(Sym::new("p"), c.clone())?;
        }
        let h = handle(&format!("{dir}/{}/", n.as_str()));
        crate::storage::object::set_file(it, h, Value::Table(Arc::new(t)))?;
    }
    Ok(syms_result(names, atom))
}

/// `\l dir`: a splayed table directory defines a global of its name; a
/// database directory defines `sym` (from its sym file) and a global per
/// other symbol list at its root (the domains of `.Q.ens`), one global per
/// splayed table in it, and, when it holds partition directories
/// (`2024.01.02/`), its partitioned tables (`builtins::partitioned`). Unlike q, the working directory does not change.
pub fn load_dir(it: &mut Interp, dir: &str) -> QResult<()> {
    let path = crate::storage::confine::path(dir.trim_end_matches('/'))?;
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
    // the domain files (`sym`, and others `.Q.ens`/`.Q.dpts` wrote): the
    // tables' symbol columns are enumerations of them
    for n in qstorage::list_dir(&path).map_err(serr)? {
        let p = path.join(&n);
        if n.starts_with('.') || n.ends_with('$') || !p.is_file() {
            continue;
        }
        match qstorage::part::read_header(&p) {
            Ok(h) if h.kind == qstorage::Kind::SymText => {
                let v = read_path(&p, it)?;
                it.set_global(Sym::new(&n), v);
                it.note_domain(Sym::new(&n));
            }
            _ => {}
        }
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
    let (path, _) = handle_path(s)?;
    crate::storage::confine::check(&db_of(&path).join("sym"))?;
    // a table upserted to a directory that does not exist is written
    // there (ref/upsert.md)
    if !path.exists()
        && let Value::Table(t) = &y
        && !insert
    {
        crate::storage::splay::write_splay_in(&path, &db_of(&path), t)?;
        return Ok(Value::Atom(Atom::Symbol(s)));
    }
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
    // plain symbols go to the domain of the column they extend
    let mut rt = rt.as_ref().clone();
    for (c, have) in rt.columns.iter_mut().zip(&t.columns) {
        if let (Value::Vector(v), Value::Vector(h)) = (c, have)
            && v.ty() == Ty::Symbol
            && v.domain().is_none()
        {
            v.set_domain(h.domain());
        }
    }
    let cols = table_cols(&path, &rt, &mut Domains::new(), &db)?;
    let n0 = t.len() as i64;
    let n1 = splay::append_splay(&path, &cols).map_err(serr)? as i64;
    if insert {
        Ok(Value::Vector(Vector::longs((n0..n1).collect())))
    } else {
        Ok(Value::Atom(Atom::Symbol(s)))
    }
}
