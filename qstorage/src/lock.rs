//! Advisory locks on directories, so that several processes writing one
//! database serialise: appends to a splayed table lock the table's
//! directory, and every change to a database's `sym` file locks the
//! database directory (the sym file is shared by all its tables).
//!
//! The locks are `flock(2)` locks on the directory itself (no lock file
//! appears in the table), released by the kernel when the process dies, so
//! a writer killed mid-append never leaves a table locked.
//!
//! `flock` locks belong to an open file description: a second `open` and
//! `flock` of the same directory from this process would wait for itself.
//! Locks are therefore counted per process and path — taking a lock this
//! process already holds (say, the sym file's database while its table is
//! being appended) is free — and released when the last guard drops.
//! Lock order, where both are taken: database first, then table.

use std::collections::HashMap;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// One lock this process holds: guards alive, the locked file, and
/// whether it is exclusive.
type Held = (usize, File, bool);

/// The locks this process holds, by canonical path.
static HELD: Mutex<Option<HashMap<PathBuf, Held>>> = Mutex::new(None);

/// A held lock on a directory; dropping the last guard for a path
/// releases it.
#[must_use = "the lock is released when the guard drops"]
pub struct DirLock {
    path: PathBuf,
}

impl DirLock {
    /// Waits for, then holds, the exclusive lock on `dir` (which must
    /// exist).
    pub fn exclusive(dir: &Path) -> Result<DirLock> {
        DirLock::take(dir, true)
    }

    /// Waits for, then holds, a shared lock on `dir`: no exclusive holder
    /// (a writer) is mid-change while it is held. Held exclusively by this
    /// process already, that lock serves.
    pub fn shared(dir: &Path) -> Result<DirLock> {
        DirLock::take(dir, false)
    }

    fn take(dir: &Path, exclusive: bool) -> Result<DirLock> {
        let path = dir.canonicalize().map_err(|e| Error::io(dir, &e))?;
        {
            let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
            let map = held.get_or_insert_with(HashMap::new);
            if let Some(e) = map.get_mut(&path) {
                // a shared lock cannot be raised in place without letting
                // another writer in between; borf never asks for that
                if exclusive && !e.2 {
                    return Err(Error::new(
                        &path,
                        "lock: exclusive wanted while this process holds it shared",
                    ));
                }
                e.0 += 1;
                return Ok(DirLock { path });
            }
        }
        // Wait outside the table of held locks: another process may hold
        // this lock for as long as its append takes.
        let f = File::open(&path).map_err(|e| Error::io(&path, &e))?;
        let op = if exclusive {
            libc::LOCK_EX
        } else {
            libc::LOCK_SH
        };
        loop {
            // SAFETY: `f` is an open descriptor owned by this function;
            // flock only changes the lock state of its open file description.
            let r = unsafe { libc::flock(f.as_raw_fd(), op) };
            if r == 0 {
                break;
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(Error::io(&path, &e));
            }
        }
        let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
        held.get_or_insert_with(HashMap::new)
            .insert(path.clone(), (1, f, exclusive));
        Ok(DirLock { path })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
        let Some(map) = held.as_mut() else { return };
        if let Some(e) = map.get_mut(&self.path) {
            e.0 -= 1;
            if e.0 == 0 {
                // closing the descriptor releases the flock
                map.remove(&self.path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lock this process holds can be taken again (no self-deadlock), and
    /// is released only when every guard is gone: another open file
    /// description then gets it at once.
    #[test]
    fn nested_guards_release_with_the_last() {
        let d = std::env::temp_dir().join(format!("qstoragelock{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let a = DirLock::exclusive(&d).unwrap();
        let b = DirLock::exclusive(&d).unwrap();
        let probe = || {
            let f = File::open(&d).unwrap();
            // SAFETY: a fresh descriptor of this test; non-blocking attempt.
            let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            r == 0
        };
        assert!(!probe());
        drop(a);
        assert!(!probe());
        drop(b);
        assert!(probe());
        let s = DirLock::shared(&d).unwrap();
        assert!(DirLock::exclusive(&d).is_err());
        drop(s);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
