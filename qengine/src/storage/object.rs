//! `set` and `get` on file handles: `` `:path set y `` writes a table to
//! `` `:dir/ `` splayed, a simple vector as a mappable column file, and
//! anything else as a serialised q object; `` get `:path `` maps a column
//! file or splayed table, or reads an object. Serialising functions needs
//! the IPC codec, which is passed in (`qipc::FuncCodec`) so this layer does
//! not depend on the library above it.

use crate::storage::column::handle_path;
use crate::storage::column::mapped_vector;
use crate::storage::column::nested_value;
use crate::storage::column::serr;
use crate::storage::column::sym_loader;
use crate::storage::column::sym_strs;
use crate::storage::column::vec_bytes;
use crate::storage::splay::db_of;
use crate::storage::splay::load_splay;
use crate::storage::splay::write_splay_in;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qstorage::FileKind;
use qstorage::Mapped;
use qstorage::column;
use qstorage::column::Nested;
use qstorage::header::Kind;
use std::path::Path;

// ---------------------------------------------------------------------------
// set / get

/// `` `:path set y ``: a table to `` `:dir/ `` is splayed; a simple vector
/// becomes a mappable column file; anything else an object file.
pub fn set_file(codec: &mut dyn qipc::FuncCodec, s: Sym, y: Value) -> QResult<Value> {
    let (path, dir) = handle_path(s)?;
    if dir {
        // its symbols go to the sym file of the directory above
        crate::storage::confine::check(&db_of(&path).join("sym"))?;
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
            column::write_flat(&path, v.ty().code(), v.attr.code(), vec_bytes(v)).map_err(serr)?
        }
        // a general list is written as kdb+ writes it (an empty one is an
        // empty log, which `hopen` and `h enlist x` append to)
        Value::List(_) => write_list(&path, &y, codec)?,
        other => {
            let payload = qipc::encode(other, codec)?;
            qstorage::object::write_object(&path, qstorage::object::PAYLOAD_KDB_IPC, &payload)
                .map_err(serr)?
        }
    }
    Ok(Value::Atom(Atom::Symbol(s)))
}

/// `` get `:path ``: maps a column file or splayed table, reads an object.
pub fn get_file(codec: &mut dyn qipc::FuncCodec, s: Sym) -> QResult<Value> {
    let (path, _) = handle_path(s)?;
    read_path(&path, codec)
}

/// Reads the data file or splayed table at `path`; an object file's
/// functions are decoded by `codec`.
pub(crate) fn read_path(path: &Path, codec: &mut dyn qipc::FuncCodec) -> QResult<Value> {
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
            qcore::budget::check_file(path)?;
            let (fmt, payload) = qstorage::object::read_object(path).map_err(serr)?;
            if fmt != qstorage::object::PAYLOAD_KDB_IPC {
                return Err(QError::new(format!(
                    "{}: unknown payload format {fmt}",
                    path.display()
                )));
            }
            match qipc::decode(&payload, true, codec) {
                Ok(qipc::Body::Value(v)) => Ok(v),
                _ => Err(QError::new(format!("{}: corrupt object", path.display()))),
            }
        }
        FileKind::Other => {
            qcore::budget::check_file(path)?;
            let b =
                std::fs::read(path).map_err(|e| QError::new(format!("{}: {e}", path.display())))?;
            if is_list_file(&b) {
                return read_list(&b, codec);
            }
            Err(QError::new(format!("{}: bad magic", path.display())))
        }
    }
}

// ---------------------------------------------------------------------------
// kdb+ list files (logs)

/// First two bytes of a kdb+ list file.
const LIST_MAGIC: [u8; 2] = [0xff, 0x01];
/// Magic, type, attribute and count of a kdb+ list file.
pub(crate) const LIST_HEADER: usize = 8;

/// Writes a general list as kdb+ writes one: `0xff 0x01`, then the list in
/// kdb+'s serialized form (type 0, attribute, 32-bit count, the items). An
/// empty one is an empty log (`` .[`:L;();:;()] ``).
pub(crate) fn write_list(path: &Path, list: &Value, codec: &dyn qipc::FuncCodec) -> QResult<()> {
    let body = qipc::encode(list, codec)?;
    let mut b = Vec::with_capacity(body.len() + 2);
    b.extend_from_slice(&LIST_MAGIC);
    b.extend_from_slice(&body);
    std::fs::write(path, b).map_err(|e| QError::new(format!("{}: {e}", path.display())))
}

/// True when the bytes start a kdb+ list file.
pub(crate) fn is_list_file(b: &[u8]) -> bool {
    b.len() >= LIST_HEADER && b[..2] == LIST_MAGIC && b[2] == 0
}

/// Reads a kdb+ list file (`get` of a log): its items up to the first that
/// does not decode (a torn tail).
pub(crate) fn read_list(b: &[u8], codec: &mut dyn qipc::FuncCodec) -> QResult<Value> {
    let mut out = Vec::new();
    let mut pos = LIST_HEADER;
    while pos < b.len() {
        match qipc::decode_prefix(&b[pos..], codec) {
            Ok((v, n)) => {
                out.push(v);
                pos += n;
            }
            Err(_) => break,
        }
    }
    Ok(Value::list(out))
}
