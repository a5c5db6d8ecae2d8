//! `-u`: a client's file access stays inside the process's directory tree.
//!
//! Every path a q value names on its way to the file system (`read0`,
//! `read1`, `0:`, `1:`, `get`, `set`, `save`, `load`, `rsave`, `rload`,
//! `dsave`, `hcount`, `hdel`, `key`, `hopen` of a file, `upsert`/`insert`
//! to a table on disk, `.Q.en`, `.Q.dpft`, `.Q.hdpf`, `.Q.par`, `-11!`, `\l`,
//! `\1`, `\2`, `\cd`) is made here, by [`path`]: while a restricted
//! client's request or handler runs ([`enter`]), a path whose real location
//! (links followed, `..` resolved, against the current directory at the
//! time of the access) is outside the current directory signals `'access`.
//! For a path that does not exist yet (a file about to be written), the
//! longest part that exists is resolved and the rest may hold neither `..`
//! nor a dangling link.
//!
//! Under `-b` (and `-u`) a client may not delete files (`hdel`) nor open
//! them (`hopen`): [`forbid`]. The password file is never readable by a
//! confined client, wherever it is ([`protect`]).
//!
//! The state is process-wide (not per thread): work a request hands to
//! other threads is confined too. One interpreter serves clients per
//! process.

use std::path::Path;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::AtomicU8;
use std::sync::atomic::Ordering;

use qcore::QError;
use qcore::QResult;

/// File access confined to the directory tree (`-u`).
pub const FILES: u8 = 1;
/// No `hdel`, no `hopen` of a file (`-u`, `-b`).
pub const NO_WRITE: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(0);

static PROTECTED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Sets what is confined from now on ([`FILES`], [`NO_WRITE`]); returns the
/// previous state for [`leave`].
pub fn enter(state: u8) -> u8 {
    STATE.swap(state, Ordering::SeqCst)
}

/// Restores the state [`enter`] returned.
pub fn leave(previous: u8) {
    STATE.store(previous, Ordering::SeqCst);
}

/// True while a restricted (`-u`) client's request runs.
pub fn confined() -> bool {
    STATE.load(Ordering::SeqCst) & FILES != 0
}

/// A file confined clients may never name (the password file), even
/// inside the directory tree.
pub fn protect(p: &Path) {
    if let (Ok(real), Ok(mut v)) = (p.canonicalize(), PROTECTED.lock()) {
        v.push(real);
    }
}

/// `'access` for what a restricted client may not do at all.
pub fn refuse(what: &str) -> QError {
    QError::new("access").with_detail(format!("{what}: not allowed for clients (-u, -b)"))
}

/// Signals `'access` while a client under `-u` or `-b` is served: for
/// `hdel` and `hopen` of a file.
pub fn forbid(what: &str) -> QResult<()> {
    if STATE.load(Ordering::SeqCst) & NO_WRITE != 0 {
        return Err(refuse(what));
    }
    Ok(())
}

/// The path a q file name (without its leading `:`) names; `'access` when
/// confined and it leads outside the current directory.
pub fn path(text: &str) -> QResult<PathBuf> {
    let p = PathBuf::from(text);
    check(&p)?;
    Ok(p)
}

/// `'access` when confined and `p` leads outside the current directory.
pub fn check(p: &Path) -> QResult<()> {
    if !confined() || inside(p) {
        return Ok(());
    }
    Err(QError::new("access").with_detail(format!(
        "{}: outside the directory tree of the process (-u)",
        p.display()
    )))
}

/// True when `p`, resolved, is the current directory or under it (and not
/// a [`protect`]ed file).
pub fn inside(p: &Path) -> bool {
    let Ok(root) = std::env::current_dir().and_then(|d| d.canonicalize()) else {
        return false;
    };
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    };
    let Some(real) = resolve(&abs) else {
        return false;
    };
    let secret = PROTECTED.lock().is_ok_and(|v| v.contains(&real));
    real.starts_with(&root) && !secret
}

/// The real location of the absolute path `p`: its longest existing
/// ancestor canonicalised, then the names below it that do not exist yet.
/// `None` when a name that does not resolve is `..` or exists all the same
/// (a dangling link, which a write would follow).
fn resolve(p: &Path) -> Option<PathBuf> {
    let mut tail = Vec::new();
    let mut cur = p;
    loop {
        if let Ok(real) = cur.canonicalize() {
            let mut r = real;
            for n in tail.iter().rev() {
                r.push(n);
            }
            return Some(r);
        }
        if cur.symlink_metadata().is_ok() {
            return None;
        }
        // `None` for a path ending in `..` (or the root)
        tail.push(cur.file_name()?.to_os_string());
        cur = cur.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_links_and_missing_names() {
        let d = std::env::temp_dir().join(format!("borf_confine_{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let d = d.canonicalize().unwrap();
        let inner = d.join("in");
        std::fs::create_dir_all(&inner).unwrap();
        #[cfg(unix)]
        {
            let _ = std::os::unix::fs::symlink("/etc", inner.join("out"));
            let _ = std::os::unix::fs::symlink("/nonexistent/x", inner.join("dangling"));
            assert_eq!(
                resolve(&inner.join("out/passwd")),
                Some(PathBuf::from("/etc/passwd"))
            );
            assert_eq!(resolve(&inner.join("dangling")), None);
        }
        assert_eq!(
            resolve(&inner.join("new/file")),
            Some(inner.join("new/file"))
        );
        assert_eq!(resolve(&inner.join("new/../../x")), None);
        assert_eq!(resolve(&inner.join("../in/a")), Some(inner.join("a")));
        let _ = std::fs::remove_dir_all(&d);
    }
}
