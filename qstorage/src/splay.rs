//! Splayed tables: a directory with `.d` (column names in order) and one
//! column file per column; appends that survive a crash at any moment.
//!
//! **Table count.** Every column file carries its own published count; the
//! table's row count is the *smallest* of them. An append writes (and
//! fsyncs) the new rows' data of every column before it publishes any
//! count, so every column holds complete data for at least the smallest
//! published count, and a crash part-way through publishing leaves the
//! table at its old count (or, once every column is published, the new one).
//!
//! **Writers serialise.** An append or a rewrite holds the table
//! directory's exclusive lock ([`crate::lock`]), so appends from several
//! processes never write past the same count.
//!
//! **Torn or corrupt.** Column counts may disagree only while an append
//! publishes them, and the append says so first: it writes the
//! [`APPENDING`] marker (old and new count) before the first count (the
//! marker stays, stale once every count is published, and is overwritten
//! by the next append). A reader that sees counts disagree takes the
//! shared lock (waiting out a live append) and reads them again; if they
//! still disagree, the marker must account for every count (a writer that
//! died: the table keeps its old count, and the next append rolls the
//! counts back), else a column file was changed behind borf's back and
//! mapping the table is an error naming that file.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::column::{
    Mapped, Nested, data_path, read_domain, read_syms, write_enum, write_flat, write_nested,
    write_syms,
};
use crate::error::{Error, Result};
use crate::header::{COUNT_OFFSET, HEADER_LEN, Header, Kind, TYPE_ENUM, width_of};
use crate::lock::DirLock;

/// Name of the column-order file.
pub const DOT_D: &str = ".d";

/// Name of the marker an append keeps in the table directory while it
/// publishes column counts: the old and the new count, 8 bytes each.
pub const APPENDING: &str = ".d.append";

/// One column's data to write or append.
pub enum ColData<'a> {
    /// Little-endian items of q type `ty` (20: u32 indexes into `../sym`).
    Flat {
        ty: i8,
        attr: u8,
        bytes: Cow<'a, [u8]>,
    },
    /// One byte slice per row, each a whole number of items of type `ty`.
    Nested { ty: i8, rows: Vec<&'a [u8]> },
    /// Little-endian u32 indexes into the database's file `domain` (type
    /// 20 with the domain's name; `sym` is [`ColData::Flat`] of type 20).
    Enum {
        domain: &'a str,
        attr: u8,
        bytes: Cow<'a, [u8]>,
    },
}

impl ColData<'_> {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        match self {
            ColData::Flat { ty, bytes, .. } => bytes.len() / width_of(*ty).unwrap_or(1),
            ColData::Nested { rows, .. } => rows.len(),
            ColData::Enum { bytes, .. } => bytes.len() / 4,
        }
    }
}

/// A mapped column of a splayed table.
pub enum ColMap {
    Flat(Mapped),
    Nested(Nested),
}

/// A mapped splayed table.
pub struct Splay {
    /// Column names, from `.d`.
    pub names: Vec<String>,
    /// Columns, in `.d` order.
    pub cols: Vec<ColMap>,
    /// Row count: the smallest published column count.
    pub count: u64,
}

/// The names in `dir/.d`.
pub fn read_d(dir: &Path) -> Result<Vec<String>> {
    read_syms(&dir.join(DOT_D))
}

/// Writes a splayed table: each column file (atomically), then `.d`.
pub fn write_splay(dir: &Path, cols: &[(String, ColData)]) -> Result<()> {
    let n = cols.first().map_or(0, |c| c.1.rows());
    if cols.iter().any(|c| c.1.rows() != n) {
        return Err(Error::new(dir, "columns of unequal length"));
    }
    crate::ensure_dir(dir)?;
    let _lock = DirLock::exclusive(dir)?;
    for (name, c) in cols {
        check_name(dir, name)?;
        let p = dir.join(name);
        match c {
            ColData::Flat { ty, attr, bytes } => write_flat(&p, *ty, *attr, bytes)?,
            ColData::Nested { ty, rows } => write_nested(&p, *ty, rows)?,
            ColData::Enum {
                domain,
                attr,
                bytes,
            } => write_enum(&p, domain, *attr, bytes)?,
        }
    }
    let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
    write_syms(&dir.join(DOT_D), &names)?;
    // every column was replaced whole: an old append's marker is moot
    clear_marker(dir)
}

fn check_name(dir: &Path, name: &str) -> Result<()> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') || name.ends_with('#') {
        return Err(Error::new(dir, format!("bad column name `{name}")));
    }
    Ok(())
}

/// Maps a splayed table (zero copy). Every column named in `.d` must exist
/// and be valid; nested columns are checked up to the table count.
pub fn open_splay(dir: &Path) -> Result<Splay> {
    let names = read_d(dir)?;
    let mut maps = Vec::with_capacity(names.len());
    for n in &names {
        maps.push(Mapped::open(&dir.join(n))?);
    }
    let counts: Vec<u64> = maps.iter().map(|m| m.header.count).collect();
    let count = table_count(dir, &names, &counts)?;
    let mut cols = Vec::with_capacity(names.len());
    for (n, m) in names.iter().zip(maps) {
        cols.push(match m.header.kind {
            Kind::Flat => ColMap::Flat(m),
            Kind::Offsets => ColMap::Nested(Nested::open_limit(&dir.join(n), m, count)?),
            Kind::SymText => {
                return Err(Error::new(&dir.join(n), "a symbol list is not a column"));
            }
        });
    }
    Ok(Splay { names, cols, count })
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Flat => "flat",
        Kind::Offsets => "nested",
        Kind::SymText => "a symbol list",
    }
}

struct Target {
    path: PathBuf,
    file: File,
    header: Header,
    /// For a nested column: the data file.
    data: Option<(PathBuf, File, Header)>,
}

fn open_rw(path: &Path) -> Result<(File, Header)> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, &e))?;
    let mut h = [0u8; HEADER_LEN];
    f.read_exact_at(&mut h, 0)
        .map_err(|_| Error::new(path, "truncated header"))?;
    Ok((f, Header::decode(&h, path)?))
}

/// Appends rows to the splayed table in `dir` crash-safely; `cols` must
/// name the table's columns in `.d` order. Returns the new row count.
///
/// Order: (1) every column's new data is written past the table count and
/// fsynced; (2) nested columns' data-file counts are published and
/// fsynced; (3) every column's count is published and fsynced. The files
/// are never truncated, so mappings held by readers stay valid.
pub fn append_splay(dir: &Path, cols: &[(String, ColData)]) -> Result<u64> {
    let _lock = DirLock::exclusive(dir)?;
    let names = read_d(dir)?;
    if names.len() != cols.len() || names.iter().zip(cols).any(|(a, b)| *a != b.0) {
        return Err(Error::new(dir, "mismatch: columns differ from .d"));
    }
    let add = cols.first().map_or(0, |c| c.1.rows());
    if cols.iter().any(|c| c.1.rows() != add) {
        return Err(Error::new(dir, "columns of unequal length"));
    }
    let mut ts = Vec::with_capacity(cols.len());
    for (name, c) in cols {
        let path = dir.join(name);
        let (file, header) = open_rw(&path)?;
        let (want_kind, want_ty, want_domain) = match c {
            ColData::Flat { ty, .. } => (Kind::Flat, *ty, None),
            ColData::Nested { ty, .. } => (Kind::Offsets, *ty, None),
            ColData::Enum { domain, .. } => {
                (Kind::Flat, TYPE_ENUM, Some(*domain).filter(|d| *d != "sym"))
            }
        };
        if header.kind != want_kind || header.ty != want_ty {
            return Err(Error::type_(
                &path,
                format!(
                    "column is {} of type {}, rows are {} of type {want_ty}",
                    kind_name(header.kind),
                    header.ty,
                    kind_name(want_kind)
                ),
            ));
        }
        let has = read_domain(&file, &header, &path)?;
        if has.as_deref() != want_domain {
            let name = |d: Option<&str>| d.unwrap_or("sym").to_string();
            return Err(Error::type_(
                &path,
                format!(
                    "column is an enumeration of `{}, rows of `{}",
                    name(has.as_deref()),
                    name(want_domain)
                ),
            ));
        }
        let data = if header.kind == Kind::Offsets {
            let dp = data_path(&path);
            let (f, h) = open_rw(&dp)?;
            Some((dp, f, h))
        } else {
            None
        };
        ts.push(Target {
            path,
            file,
            header,
            data,
        });
    }
    let n = roll_back(dir, &mut ts)?;
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e: std::io::Error| Error::io(&p, &e)
    };
    // (1) data past the published count
    let mut data_counts = Vec::with_capacity(ts.len());
    for (t, (_, c)) in ts.iter().zip(cols) {
        match c {
            ColData::Flat { bytes, .. } | ColData::Enum { bytes, .. } => {
                let at = t.header.data_offset() as u64 + n * t.header.width() as u64;
                t.file.write_all_at(bytes, at).map_err(io(&t.path))?;
                data_counts.push(0);
            }
            ColData::Nested { ty, rows } => {
                let w = width_of(*ty).unwrap_or(1) as u64;
                let Some((dp, df, _)) = &t.data else {
                    return Err(Error::new(&t.path, "missing data file"));
                };
                let base = if n == 0 {
                    0
                } else {
                    let mut b = [0u8; 8];
                    t.file
                        .read_exact_at(&mut b, HEADER_LEN as u64 + (n - 1) * 8)
                        .map_err(|_| Error::new(&t.path, "count larger than file"))?;
                    u64::from_le_bytes(b)
                };
                let mut buf = Vec::new();
                let mut ends = Vec::with_capacity(rows.len() * 8);
                let mut end = base;
                for r in rows {
                    if !(r.len() as u64).is_multiple_of(w) {
                        return Err(Error::new(&t.path, "data is not a whole number of items"));
                    }
                    buf.extend_from_slice(r);
                    end += r.len() as u64 / w;
                    ends.extend_from_slice(&end.to_le_bytes());
                }
                df.write_all_at(&buf, HEADER_LEN as u64 + base * w)
                    .map_err(io(dp))?;
                t.file
                    .write_all_at(&ends, HEADER_LEN as u64 + n * 8)
                    .map_err(io(&t.path))?;
                data_counts.push(end);
            }
        }
    }
    for t in &ts {
        t.file.sync_data().map_err(io(&t.path))?;
        if let Some((dp, df, _)) = &t.data {
            df.sync_data().map_err(io(dp))?;
        }
    }
    // (2) nested data counts
    for (t, &dc) in ts.iter().zip(&data_counts) {
        if let Some((dp, df, h)) = &t.data
            && dc > h.count
        {
            df.write_all_at(&dc.to_le_bytes(), COUNT_OFFSET)
                .map_err(io(dp))?;
            df.sync_data().map_err(io(dp))?;
        }
    }
    // (3) column counts: the commit, announced by the marker
    let new = n + add as u64;
    write_marker(dir, n, new)?;
    for t in &ts {
        t.file
            .write_all_at(&new.to_le_bytes(), COUNT_OFFSET)
            .map_err(io(&t.path))?;
    }
    for t in &ts {
        t.file.sync_data().map_err(io(&t.path))?;
    }
    Ok(new)
}

/// Records that counts `old` → `new` are being published. The marker file
/// stays once made (its entry is made durable then) and is overwritten in
/// place by each append, one fdatasync; a marker whose counts all columns
/// already share is simply stale.
fn write_marker(dir: &Path, old: u64, new: u64) -> Result<()> {
    let p = dir.join(APPENDING);
    let fresh = !p.exists();
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&p)
        .map_err(|e| Error::io(&p, &e))?;
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&old.to_le_bytes());
    b[8..].copy_from_slice(&new.to_le_bytes());
    f.write_all_at(&b, 0).map_err(|e| Error::io(&p, &e))?;
    f.sync_data().map_err(|e| Error::io(&p, &e))?;
    if fresh {
        crate::sync_dir(dir).map_err(|e| Error::io(dir, &e))?;
    }
    Ok(())
}

/// The marker of an append in progress (or interrupted): its old and new
/// count.
fn read_marker(dir: &Path) -> Result<Option<(u64, u64)>> {
    let p = dir.join(APPENDING);
    match std::fs::read(&p) {
        Ok(b) if b.len() == 16 => {
            let w = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
            Ok(Some((w(0), w(8))))
        }
        Ok(_) => Err(Error::new(&p, "append marker is not 16 bytes")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&p, &e)),
    }
}

/// Removes the append marker (if any), durably.
fn clear_marker(dir: &Path) -> Result<()> {
    let p = dir.join(APPENDING);
    match std::fs::remove_file(&p) {
        Ok(()) => crate::sync_dir(dir).map_err(|e| Error::io(dir, &e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(&p, &e)),
    }
}

/// Under the table's exclusive lock, before an append: the table's count,
/// after rolling back an append whose writer died while publishing counts
/// (its marker is still there). Counts that disagree with no marker to
/// explain them are corruption, reported as [`table_count`] does.
fn roll_back(dir: &Path, ts: &mut [Target]) -> Result<u64> {
    let counts: Vec<u64> = ts.iter().map(|t| t.header.count).collect();
    if let Some(&c) = counts.first()
        && counts.iter().all(|&x| x == c)
    {
        // the usual case; a marker left by the last append is stale
        return Ok(c);
    }
    let paths: Vec<PathBuf> = ts.iter().map(|t| t.path.clone()).collect();
    let Some((old, new)) = read_marker(dir)? else {
        return check_counts(&paths, &counts);
    };
    if counts.iter().any(|&c| c != old && c != new) {
        return check_counts(&paths, &counts);
    }
    // a writer died publishing: back to the old count everywhere
    for t in ts.iter_mut() {
        t.file
            .write_all_at(&old.to_le_bytes(), COUNT_OFFSET)
            .map_err(|e| Error::io(&t.path, &e))?;
        t.file.sync_data().map_err(|e| Error::io(&t.path, &e))?;
        t.header.count = old;
    }
    Ok(old)
}

/// The row count of the splayed table in `dir` whose columns `names` have
/// published `counts`: their common count; while an append publishes, or
/// after one died doing so, the old count; an error naming the column
/// file whose count no append explains.
pub fn table_count(dir: &Path, names: &[String], counts: &[u64]) -> Result<u64> {
    let Some(&least) = counts.iter().min() else {
        return Ok(0);
    };
    if counts.iter().all(|&c| c == least) {
        return Ok(least);
    }
    // wait out a live append, then look again
    let _lock = DirLock::shared(dir)?;
    let mut now = Vec::with_capacity(names.len());
    for n in names {
        now.push(crate::part::read_header(&dir.join(n))?.count);
    }
    if now.iter().all(|&c| c == now[0]) {
        // it finished: every column holds at least the counts read first
        return Ok(least);
    }
    if let Some((old, new)) = read_marker(dir)?
        && now.iter().all(|&c| c == old || c == new)
    {
        return Ok(old.min(least));
    }
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    check_counts(&paths, &now)
}

/// `Ok` with the count when `counts` agree, else an error naming the first
/// column file whose count differs from the most common one.
fn check_counts(paths: &[PathBuf], counts: &[u64]) -> Result<u64> {
    let mut tally: Vec<(u64, usize)> = Vec::new();
    for &c in counts {
        match tally.iter_mut().find(|t| t.0 == c) {
            Some(t) => t.1 += 1,
            None => tally.push((c, 1)),
        }
    }
    let Some(&(common, _)) = tally.iter().max_by_key(|t| t.1) else {
        return Ok(0);
    };
    for (p, &c) in paths.iter().zip(counts) {
        if c != common {
            return Err(Error::new(
                p,
                format!("length: column has {c} rows, the table's other columns {common}"),
            ));
        }
    }
    Ok(common)
}
