//! Column files: writing them, and mapping them for zero-copy reads.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytemuck::Pod;
use memmap2::Mmap;

use crate::error::{Error, Result};
use crate::header::{HEADER_LEN, Header, Kind, domain_block, parse_domain, width_of};

/// Bytes of column files mapped now (q's `mmap` in `\w`).
static MAPPED: AtomicUsize = AtomicUsize::new(0);

/// Bytes of column files mapped now: every mapping from [`Mapped::open`]
/// counts until the last vector using it is gone.
pub fn mapped_bytes() -> usize {
    MAPPED.load(Ordering::Relaxed)
}

/// A file mapping that counts itself in [`mapped_bytes`] while it lives.
pub struct MapOwner(Mmap);

impl MapOwner {
    fn new(m: Mmap) -> MapOwner {
        MAPPED.fetch_add(m.len(), Ordering::Relaxed);
        MapOwner(m)
    }
}

impl Drop for MapOwner {
    fn drop(&mut self) {
        MAPPED.fetch_sub(self.0.len(), Ordering::Relaxed);
    }
}

impl std::ops::Deref for MapOwner {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// Tells the kernel a column mapping is read front to back
/// (`MADV_SEQUENTIAL`: larger readahead when the file is not in the page
/// cache yet, and pages read once go first under memory pressure). Advice
/// only: a kernel that does not take it reads the file as before, so
/// errors are ignored.
fn advise_scan(map: &Mmap) {
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
}

/// What tells one version of a file from another without reading it:
/// device, inode (a file renamed over it is another inode), length (an
/// append), and the modification and status-change times to the
/// nanosecond (a write in place). Two equal identities taken at two times
/// are the same unchanged file, up to a foreign write in place of the
/// same length within one tick of the file system's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileIdentity {
    /// The identity in `meta`.
    pub fn of(meta: &std::fs::Metadata) -> FileIdentity {
        use std::os::unix::fs::MetadataExt;
        FileIdentity {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// The identity of the file at `path` now (following symbolic links).
    pub fn at(path: &Path) -> Result<FileIdentity> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
        Ok(FileIdentity::of(&meta))
    }
}

/// A validated, memory-mapped column file.
///
/// The header has been checked and `HEADER_LEN + count * width` bytes are
/// known to be inside the mapping, so every slice this hands out is in
/// bounds: a lying count is an error at [`Mapped::open`], never a SIGBUS.
/// (A file truncated by *another* process after it was mapped can still
/// raise SIGBUS on access; see `docs/FORMAT.md`.)
pub struct Mapped {
    map: Arc<MapOwner>,
    /// The decoded header.
    pub header: Header,
    path: PathBuf,
    /// Bytes of item data (after the header) covered by `count`.
    data_len: usize,
    /// An enumerated column's domain when it is not `sym`.
    domain: Option<String>,
    /// The identity of the file mapped, taken from the open file.
    identity: FileIdentity,
}

impl Mapped {
    /// Maps and validates `path`.
    pub fn open(path: &Path) -> Result<Mapped> {
        crate::trace::note(path, true);
        let f = File::open(path).map_err(|e| Error::io(path, &e))?;
        let meta = f.metadata().map_err(|e| Error::io(path, &e))?;
        let identity = FileIdentity::of(&meta);
        let len = meta.len();
        if len < HEADER_LEN as u64 {
            return Err(Error::new(path, "truncated header"));
        }
        // SAFETY: mapping a file is unsafe because the file could change
        // under the mapping. borf never truncates or rewrites a column file
        // in place (rewrites are write-new-then-rename, appends only write
        // past the published count), and every read below is bounds-checked
        // against the length observed here. Truncation by a foreign process
        // is the documented residual risk (docs/FORMAT.md).
        //
        // The header is read before the file is mapped: an append (by this
        // or another process) writes its items before it publishes the new
        // count, so the items of a count read first are in the file when
        // the mapping is taken. Read from the mapping, a count published
        // just after the mapping was sized would outrun it.
        let mut head = [0u8; HEADER_LEN];
        std::os::unix::fs::FileExt::read_exact_at(&f, &mut head, 0)
            .map_err(|e| Error::io(path, &e))?;
        let header = Header::decode(&head, path)?;
        let map = unsafe { Mmap::map(&f) }.map_err(|e| Error::io(path, &e))?;
        advise_scan(&map);
        let start = header.data_offset();
        let avail = map
            .len()
            .checked_sub(start)
            .ok_or_else(|| Error::new(path, "truncated header"))?;
        let domain = match header.domain {
            0 => None,
            _ => Some(parse_domain(&map[HEADER_LEN..start], path)?),
        };
        let data_len = match header.kind {
            Kind::SymText => sym_text_len(&map[HEADER_LEN..], header.count)
                .ok_or_else(|| Error::new(path, "count larger than file"))?,
            _ => usize::try_from(header.count)
                .ok()
                .and_then(|c| c.checked_mul(header.width()))
                .filter(|&n| n <= avail)
                .ok_or_else(|| Error::new(path, "count larger than file"))?,
        };
        Ok(Mapped {
            map: Arc::new(MapOwner::new(map)),
            header,
            path: path.to_path_buf(),
            data_len,
            domain,
            identity,
        })
    }

    /// The identity of the file when it was opened: a file at the same
    /// path with another identity is another version.
    pub fn identity(&self) -> FileIdentity {
        self.identity
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The item bytes covered by the published count.
    pub fn data(&self) -> &[u8] {
        let start = self.header.data_offset();
        &self.map[start..start + self.data_len]
    }

    /// An enumerated column's domain: `None` for `sym` (and for every
    /// other kind of file).
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The items as a typed slice, in place. Fails (never panics) when the
    /// size or alignment of `T` does not fit the data.
    pub fn items<T: Pod>(&self) -> Result<&[T]> {
        if std::mem::size_of::<T>() != self.header.width() {
            return Err(Error::new(&self.path, "item width mismatch"));
        }
        bytemuck::try_cast_slice(self.data())
            .map_err(|e| Error::new(&self.path, format!("cannot view items in place: {e:?}")))
    }

    /// The mapping, to keep mapped memory alive as long as a vector uses it.
    pub fn owner(&self) -> Arc<MapOwner> {
        self.map.clone()
    }

    /// Number of items (names for symbol text).
    pub fn count(&self) -> u64 {
        self.header.count
    }

    /// The names of a symbol-text file.
    pub fn names(&self) -> Result<Vec<String>> {
        if self.header.kind != Kind::SymText {
            return Err(Error::new(&self.path, "not a symbol list"));
        }
        let d = self.data();
        let mut out = Vec::with_capacity(self.header.count as usize);
        for s in d.split(|&b| b == 0).take(self.header.count as usize) {
            out.push(String::from_utf8_lossy(s).into_owned());
        }
        Ok(out)
    }
}

/// Bytes taken by `count` NUL-terminated names at the start of `d`.
fn sym_text_len(d: &[u8], count: u64) -> Option<usize> {
    let mut pos = 0usize;
    for _ in 0..count {
        let n = memchr0(&d[pos..])?;
        pos += n + 1;
    }
    Some(pos)
}

fn memchr0(d: &[u8]) -> Option<usize> {
    d.iter().position(|&b| b == 0)
}

/// Writes a flat column file atomically: `data` holds the little-endian
/// items of q type `ty`.
pub fn write_flat(path: &Path, ty: i8, attr: u8, data: &[u8]) -> Result<()> {
    let w = width_of(ty).ok_or_else(|| Error::type_(path, format!("type {ty} is not flat")))?;
    if !data.len().is_multiple_of(w) {
        return Err(Error::new(path, "data is not a whole number of items"));
    }
    let h = Header::flat(ty, attr, (data.len() / w) as u64);
    crate::write_atomic(path, &[&h.encode(), data, &pad8(data.len())])
}

/// Writes an enumerated column of domain `domain` atomically: `data` holds
/// the little-endian u32 indexes into the database's file of that name;
/// the header records the name (none for `sym`).
pub fn write_enum(path: &Path, domain: &str, attr: u8, data: &[u8]) -> Result<()> {
    crate::header::check_domain(domain, path)?;
    if !data.len().is_multiple_of(4) {
        return Err(Error::new(path, "data is not a whole number of items"));
    }
    let h = Header::enumerated(domain, attr, (data.len() / 4) as u64);
    crate::write_atomic(
        path,
        &[&h.encode(), &domain_block(domain), data, &pad8(data.len())],
    )
}

/// The domain of the enumerated column whose open file `f` has header `h`
/// (`None`: `sym`, or not enumerated).
pub fn read_domain(f: &File, h: &Header, path: &Path) -> Result<Option<String>> {
    if h.domain == 0 {
        return Ok(None);
    }
    let mut b = vec![0u8; h.domain as usize];
    std::os::unix::fs::FileExt::read_exact_at(f, &mut b, HEADER_LEN as u64)
        .map_err(|_| Error::new(path, "truncated domain block"))?;
    parse_domain(&b, path).map(Some)
}

/// Zero bytes to pad `n` bytes to a multiple of 8.
pub fn pad8(n: usize) -> Vec<u8> {
    vec![0u8; (8 - n % 8) % 8]
}

/// The names' bytes of a symbol-text file.
pub fn sym_text(names: &[&str]) -> Vec<u8> {
    let mut d = Vec::with_capacity(names.iter().map(|s| s.len() + 1).sum());
    for s in names {
        d.extend(s.bytes().filter(|&b| b != 0));
        d.push(0);
    }
    d
}

/// Writes a symbol-text file atomically.
pub fn write_syms(path: &Path, names: &[&str]) -> Result<()> {
    let h = Header {
        ty: crate::header::TYPE_SYMBOL,
        attr: 0,
        kind: Kind::SymText,
        count: names.len() as u64,
        domain: 0,
    };
    let d = sym_text(names);
    crate::write_atomic(path, &[&h.encode(), &d])
}

/// Reads the names of a symbol-text file.
pub fn read_syms(path: &Path) -> Result<Vec<String>> {
    Mapped::open(path)?.names()
}

/// The companion data file of nested column `path` (`path#`).
pub fn data_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("#");
    PathBuf::from(s)
}

/// Writes a nested column: `items` are the rows' little-endian item bytes
/// (each a whole number of items of q type `ty`). The data file is written
/// first, the offsets file (which publishes the rows) last.
pub fn write_nested(path: &Path, ty: i8, items: &[&[u8]]) -> Result<()> {
    let w = width_of(ty).ok_or_else(|| Error::type_(path, format!("type {ty} is not flat")))?;
    let mut data = Vec::with_capacity(items.iter().map(|i| i.len()).sum());
    let mut ends: Vec<u64> = Vec::with_capacity(items.len());
    for it in items {
        if !it.len().is_multiple_of(w) {
            return Err(Error::new(path, "data is not a whole number of items"));
        }
        data.extend_from_slice(it);
        ends.push((data.len() / w) as u64);
    }
    write_flat(&data_path(path), ty, 0, &data)?;
    let h = Header {
        ty,
        attr: 0,
        kind: Kind::Offsets,
        count: items.len() as u64,
        domain: 0,
    };
    let off: Vec<u8> = ends.iter().flat_map(|e| e.to_le_bytes()).collect();
    crate::write_atomic(path, &[&h.encode(), &off])
}

/// A mapped nested column: offsets and data, cross-checked.
pub struct Nested {
    pub offsets: Mapped,
    pub data: Mapped,
    /// Rows in use (the table count; at most the offsets' count).
    pub rows: u64,
}

impl Nested {
    /// Maps `path` (an offsets file) and `path#`; checks that the end
    /// offsets never decrease and stay inside the data file.
    pub fn open(path: &Path) -> Result<Nested> {
        let offsets = Mapped::open(path)?;
        let n = offsets.header.count;
        Nested::open_limit(path, offsets, n)
    }

    /// As [`Nested::open`] with the offsets file already mapped, using only
    /// its first `limit` rows (offsets past a splayed table's count may
    /// belong to an append that never completed).
    pub fn open_limit(path: &Path, offsets: Mapped, limit: u64) -> Result<Nested> {
        if offsets.header.kind != Kind::Offsets {
            return Err(Error::new(path, "not a nested column"));
        }
        let data = Mapped::open(&data_path(path))?;
        if data.header.kind != Kind::Flat || data.header.ty != offsets.header.ty {
            return Err(Error::new(
                data.path(),
                "data file does not match its offsets",
            ));
        }
        let rows = limit.min(offsets.header.count);
        let ends = offsets.items::<u64>()?;
        let mut prev = 0u64;
        for &e in &ends[..rows as usize] {
            let e = u64::from_le(e);
            if e < prev || e > data.header.count {
                return Err(Error::new(path, "offset outside the data file"));
            }
            prev = e;
        }
        Ok(Nested {
            offsets,
            data,
            rows,
        })
    }

    /// Item ranges (in items of the data file) of each row.
    pub fn ranges(&self) -> Vec<std::ops::Range<usize>> {
        let ends = self.offsets.items::<u64>().unwrap_or(&[]);
        let mut prev = 0usize;
        ends[..(self.rows as usize).min(ends.len())]
            .iter()
            .map(|&e| {
                let e = u64::from_le(e) as usize;
                let r = prev..e;
                prev = e;
                r
            })
            .collect()
    }
}
