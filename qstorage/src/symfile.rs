//! A database's `sym` file: the names symbol columns are enumerated
//! against. Names are only ever appended, so an index once written stays
//! valid.
//!
//! Several processes may enumerate against one sym file: a [`SymFile`]
//! holds the database directory's exclusive lock ([`crate::lock`]) from
//! loading to dropping, so names are read, added and published by one
//! writer at a time and none overwrites another's.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::column::{Mapped, sym_text};
use crate::error::{Error, Result};
use crate::header::{COUNT_OFFSET, HEADER_LEN, Kind};

/// The `sym` file of a database directory, loaded, with names added since
/// not yet written.
pub struct SymFile {
    path: PathBuf,
    names: Vec<String>,
    index: HashMap<String, u32>,
    /// Names `0..published` are on disk.
    published: usize,
    /// Byte length of the published names' text.
    text_len: usize,
    /// The database's lock (none while the directory does not exist yet).
    _lock: Option<crate::lock::DirLock>,
}

impl SymFile {
    /// Loads `db/sym`, or an empty list when it does not exist, holding the
    /// database's lock until the `SymFile` drops.
    pub fn open(db: &Path) -> Result<SymFile> {
        SymFile::open_named(db, "sym")
    }

    /// Loads `db/name` (a domain other than `sym`, as `.Q.ens` writes), or
    /// an empty list when it does not exist, holding the database's lock.
    pub fn open_named(db: &Path, name: &str) -> Result<SymFile> {
        let lock = if db.is_dir() {
            Some(crate::lock::DirLock::exclusive(db)?)
        } else {
            None
        };
        let path = db.join(name);
        let (names, text_len) = if path.exists() {
            let m = Mapped::open(&path)?;
            if m.header.kind != Kind::SymText {
                return Err(Error::new(&path, "not a symbol list"));
            }
            (m.names()?, m.data().len())
        } else {
            (Vec::new(), 0)
        };
        let index = names
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        Ok(SymFile {
            published: names.len(),
            path,
            names,
            index,
            text_len,
            _lock: lock,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All names, by index.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The index of each name, adding new names (q's `.Q.en`).
    pub fn enumerate(&mut self, items: &[&str]) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(items.len());
        for s in items {
            let i = match self.index.get(*s) {
                Some(&i) => i,
                None => {
                    let i = u32::try_from(self.names.len())
                        .map_err(|_| Error::new(&self.path, "too many symbols"))?;
                    self.names.push(s.to_string());
                    self.index.insert(s.to_string(), i);
                    i
                }
            };
            out.push(i);
        }
        Ok(out)
    }

    /// The index of each name; a name not in the file is a type error
    /// (q: an unenumerated symbol column cannot be written).
    pub fn lookup(&self, items: &[&str], column: &Path) -> Result<Vec<u32>> {
        items
            .iter()
            .map(|s| {
                self.index.get(*s).copied().ok_or_else(|| {
                    Error::type_(
                        column,
                        format!("symbol `{s} is not enumerated in {}", self.path.display()),
                    )
                })
            })
            .collect()
    }

    /// Writes names added since loading. A new file is written atomically;
    /// an existing one is appended to crash-safely: the names' text goes
    /// past the published end, is fsynced, then the count is rewritten and
    /// fsynced. A crash leaves the old names intact.
    pub fn publish(&mut self) -> Result<()> {
        if self.published == self.names.len() && self.path.exists() {
            return Ok(());
        }
        let new: Vec<&str> = self.names[self.published..]
            .iter()
            .map(String::as_str)
            .collect();
        if !self.path.exists() {
            let all: Vec<&str> = self.names.iter().map(String::as_str).collect();
            crate::column::write_syms(&self.path, &all)?;
            self.text_len = sym_text(&all).len();
        } else {
            let io = |e: std::io::Error| Error::io(&self.path, &e);
            let f = OpenOptions::new()
                .write(true)
                .open(&self.path)
                .map_err(io)?;
            let text = sym_text(&new);
            f.write_all_at(&text, (HEADER_LEN + self.text_len) as u64)
                .map_err(io)?;
            f.sync_data().map_err(io)?;
            f.write_all_at(&(self.names.len() as u64).to_le_bytes(), COUNT_OFFSET)
                .map_err(io)?;
            f.sync_data().map_err(io)?;
            self.text_len += text.len();
        }
        self.published = self.names.len();
        Ok(())
    }
}
