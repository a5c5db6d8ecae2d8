//! Lsmer: borf's on-disk storage.
//!
//! This crate knows bytes, q type codes and files; it never sees an
//! evaluator value (`qengine` depends on `qstorage`, never the reverse).
//! The formats are specified in `docs/FORMAT.md`:
//!
//! - a **column file** ([`column`]): a 32-byte [`Header`] (magic
//!   `BORFCOL\0`, format version, q type code, attribute, kind, item width,
//!   item count) followed by little-endian items, mapped with memmap2 and
//!   viewed in place ([`Mapped`]);
//! - a **nested column** `c` + `c#`: end offsets plus the items of all rows;
//! - a **symbol list** (kind [`Kind::SymText`]): NUL-terminated names, used
//!   for a database's `sym` file and a splayed table's `.d`;
//! - an **object file** ([`object`]): magic `BORFOBJ\0` and an opaque
//!   payload (the engine stores the kdb+ IPC serialization of a value);
//! - a **splayed table** ([`splay`]): a directory with `.d` and one column
//!   file per column, symbol columns enumerated against `../sym`, appended
//!   crash-safely (data, fsync, then counts);
//! - a **partitioned database** ([`part`]): one directory per partition
//!   value, each holding splayed tables, sharing the root `sym` file.
//!
//! **Invariant:** a file that is mapped is never truncated or rewritten in
//! place by borf; rewrites go to a temporary file that is renamed over the
//! old one, appends only write past the published count.

#[cfg(target_endian = "big")]
compile_error!(
    "borf's column files are little-endian and cast in place: big-endian hosts are not supported"
);

pub mod column;
pub mod error;
pub mod header;
pub mod lock;
pub mod object;
pub mod part;
pub mod splay;
pub mod symfile;
pub mod trace;

pub use bytemuck;
pub use column::Mapped;
pub use error::{Error, Result};
pub use header::{HEADER_LEN, Header, Kind};

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `parts` to `path` atomically: a temporary file beside it is
/// written, fsynced and renamed over `path`, then the directory is fsynced.
/// A crash leaves either the old file or the new one, never a mix, and a
/// mapping of the old file stays valid (its inode lives on).
pub fn write_atomic(path: &Path, parts: &[&[u8]]) -> Result<()> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .ok_or_else(|| Error::new(path, "not a file name"))?
        .to_string_lossy()
        .into_owned();
    let tmp = dir.join(format!(".{name}.borf-tmp.{}", std::process::id()));
    let res = (|| -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        for p in parts {
            f.write_all(p)?;
        }
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(&dir)
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, &e));
    }
    Ok(())
}

/// The directory holding `path` (`.` for a bare name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// fsync of a directory, so a rename or a new entry in it is durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` and its parents.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))
}

/// The names in a directory, sorted bytewise (q's `key` of a directory).
/// Temporary files of an interrupted write are left out.
pub fn list_dir(dir: &Path) -> Result<Vec<String>> {
    let rd = fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
    let mut out = Vec::new();
    for e in rd {
        let e = e.map_err(|e| Error::io(dir, &e))?;
        let n = e.file_name().to_string_lossy().into_owned();
        if !n.contains(".borf-tmp.") && n != splay::APPENDING {
            out.push(n);
        }
    }
    out.sort();
    Ok(out)
}

/// Removes directory `dir` when it is empty as `key` shows it: borf's own
/// bookkeeping files (an append marker, temporaries of an interrupted
/// write), which `key` leaves out, go with it. Anything else makes it
/// "Directory not empty", as for any directory.
pub fn remove_dir(dir: &Path) -> Result<()> {
    if list_dir(dir)?.is_empty() {
        let rd = fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
        for e in rd {
            let e = e.map_err(|e| Error::io(dir, &e))?;
            let p = e.path();
            fs::remove_file(&p).map_err(|e| Error::io(&p, &e))?;
        }
    }
    fs::remove_dir(dir).map_err(|e| Error::io(dir, &e))
}

/// What a path holds, by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// No such file.
    Missing,
    /// A directory.
    Dir,
    /// A column file (magic `BORFCOL\0`).
    Column,
    /// An object file (magic `BORFOBJ\0`).
    Object,
    /// Anything else (text, foreign formats).
    Other,
}

/// Looks at `path`'s type and magic without mapping it.
pub fn probe(path: &Path) -> Result<FileKind> {
    let md = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::Missing),
        Err(e) => return Err(Error::io(path, &e)),
    };
    if md.is_dir() {
        return Ok(FileKind::Dir);
    }
    let mut magic = [0u8; 8];
    let mut f = File::open(path).map_err(|e| Error::io(path, &e))?;
    use std::io::Read;
    let mut got = 0;
    while got < 8 {
        match f.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(Error::io(path, &e)),
        }
    }
    Ok(if got < 8 {
        FileKind::Other
    } else if magic == header::COL_MAGIC {
        FileKind::Column
    } else if magic == object::OBJ_MAGIC {
        FileKind::Object
    } else {
        FileKind::Other
    })
}
