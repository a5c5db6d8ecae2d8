//! Mapped columns kept across queries.
//!
//! A query over a partitioned table (or `` flip cols!`:dir/ ``) maps the
//! columns it names afresh each time. Mapping again costs more than the
//! `mmap` call: the mapping's page table starts empty, so the next scan
//! takes a fault per 64 KiB of a file cached in small pages (about 12,000
//! for an 800 MB column), and the column's block statistics
//! (`qcore::Buf::block_bounds`, kept with the buffer) are made again by a
//! pass over it. So the last [`KEEP`] flat columns mapped are kept here,
//! each with the identity of the file it maps
//! ([`qstorage::column::FileIdentity`]: device, inode, length, times) and
//! the row count it was mapped with, and handed out again while the file
//! at that path still has that identity.
//!
//! Never stale: every lookup takes the file's identity anew (one `stat`),
//! and a file borf rewrites is a new inode (write-new-then-rename), an
//! append changes its length, a published count its times; any of them
//! drops the entry, and the column is mapped again. Enumerated and
//! nested columns are not kept (an enumeration's symbols come from its
//! domain file, another file). What a kept entry costs is address space
//! and, for a file deleted since, its disk blocks until the entry goes
//! (at most [`KEEP`] entries, the least recently used goes first).

use qcore::Vector;
use qstorage::column::FileIdentity;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Mutex;

/// Columns kept at most: a query over a few dozen partitions of a few
/// columns each finds them all again.
pub const KEEP: usize = 256;

/// A kept column: its file's path and identity, the rows mapped, the
/// vector over the mapping.
struct Entry {
    path: PathBuf,
    identity: FileIdentity,
    rows: usize,
    col: Vector,
}

/// The kept columns, least recently used first.
static KEPT: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// The kept column of the file at `path` mapped with `rows` rows, when the
/// file there is still the one mapped; an entry for another version of
/// the file is dropped.
pub(crate) fn kept(path: &Path, rows: usize) -> Option<Vector> {
    let now = FileIdentity::at(path).ok();
    let mut g = KEPT.lock().ok()?;
    let k = g.iter().position(|e| e.path == path)?;
    if now != Some(g[k].identity) || g[k].rows != rows {
        g.remove(k);
        return None;
    }
    let e = g.remove(k);
    let col = e.col.clone();
    g.push(e);
    Some(col)
}

/// Keeps `col`, the first `rows` rows of the file at `path` whose identity
/// was `identity` when it was mapped, dropping the least recently used
/// entry beyond [`KEEP`].
pub(crate) fn keep(path: &Path, identity: FileIdentity, rows: usize, col: &Vector) {
    let Ok(mut g) = KEPT.lock() else { return };
    g.retain(|e| e.path != path);
    if g.len() >= KEEP {
        g.remove(0);
    }
    g.push(Entry {
        path: path.to_path_buf(),
        identity,
        rows,
        col: col.clone(),
    });
}

/// Drops every kept column (their mappings go with the last vector using
/// them).
pub fn forget() {
    if let Ok(mut g) = KEPT.lock() {
        g.clear();
    }
}

/// How many columns are kept (tests).
pub fn count() -> usize {
    KEPT.lock().map_or(0, |g| g.len())
}

#[cfg(test)]
mod tests {
    use crate::state::Interp;
    use qcore::Sym;
    use qcore::Value;
    use qcore::VecData;

    fn longs(t: &qcore::Table, c: &str) -> qcore::Buf<i64> {
        match t.column(Sym::new(c)) {
            Some(Value::Vector(v)) => match v.data() {
                VecData::I64(b) => b.clone(),
                _ => panic!("{c} is not longs"),
            },
            _ => panic!("no column {c}"),
        }
    }

    /// A column mapped twice is one buffer (its block statistics kept);
    /// rewritten by `set`, appended to by `upsert`, or rewritten by a
    /// foreign write of the same length, it is mapped again and shows the
    /// new items.
    #[test]
    fn kept_columns_follow_the_file() {
        let dir = std::env::temp_dir().join(format!("borfkept{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let d = dir.join("t");
        let h = format!("`:{}/", d.display());
        let mut it = Interp::new();
        it.eval_text(&format!("{h} set ([]v:til 10000; w:10000#1 2)"))
            .unwrap();
        let none = |_: &str| Err(qcore::QError::type_());
        let load = || super::super::splay::load_cols(&d, Some(&[Sym::new("v")]), &none).unwrap();
        let a = load();
        let b = load();
        assert!(longs(&a, "v").ptr_eq(&longs(&b, "v")));
        assert!(super::count() >= 1);
        // statistics made through one are there for the other
        assert!(longs(&a, "v").block_bounds().is_some());
        assert!(longs(&load(), "v").has_block_bounds());

        // rewritten by set: a new file (inode) at the path
        it.eval_text(&format!("{h} set ([]v:10000#7; w:10000#1 2)"))
            .unwrap();
        let c = load();
        assert!(!longs(&c, "v").ptr_eq(&longs(&a, "v")));
        assert!(longs(&c, "v").iter().all(|&x| x == 7));

        // appended to by upsert: more rows, a new mapping
        it.eval_text(&format!("{h} upsert ([]v:1 2 3; w:4 5 6)"))
            .unwrap();
        let e = load();
        assert_eq!(longs(&e, "v").len(), 10003);
        assert_eq!(&longs(&e, "v")[10000..], &[1, 2, 3]);

        // a write in place of the same length by another program: the
        // times change, the column is mapped again (the old mapping shares
        // the file's pages, so it is the statistics that would be stale)
        let before = longs(&e, "v");
        let _ = before.block_bounds();
        {
            use std::os::unix::fs::FileExt;
            std::thread::sleep(std::time::Duration::from_millis(20));
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(d.join("v"))
                .unwrap();
            let at = qstorage::header::HEADER_LEN as u64;
            f.write_all_at(&(-5i64).to_le_bytes(), at).unwrap();
        }
        let g = load();
        assert!(!longs(&g, "v").ptr_eq(&before));
        assert!(!longs(&g, "v").has_block_bounds());
        let r = it
            .eval_text(&format!("exec min v from flip `v`w!{h}"))
            .unwrap();
        assert_eq!(format!("{r:?}"), format!("{:?}", Value::long(-5)));

        // a deleted table is not served
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(super::kept(&d.join("v"), 10003).is_none());
        super::forget();
        assert_eq!(super::count(), 0);
    }
}
