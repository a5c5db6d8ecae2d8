//! A per-thread log of the files the storage engine opens, for tests that
//! check a query touches only the files it should (partition pruning).
//! Off unless [`start`] was called on the thread; costs one thread-local
//! check per file opened.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// One file opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    pub path: PathBuf,
    /// True when the file was mapped, false when only its header was read.
    pub mapped: bool,
}

thread_local! {
    static LOG: RefCell<Option<Vec<Opened>>> = const { RefCell::new(None) };
}

/// Starts recording the files opened (mapped or header-read) on this
/// thread, discarding any earlier record.
pub fn start() {
    LOG.with(|l| *l.borrow_mut() = Some(Vec::new()));
}

/// Stops recording and returns the files opened since [`start`], in order.
pub fn stop() -> Vec<Opened> {
    LOG.with(|l| l.borrow_mut().take().unwrap_or_default())
}

pub(crate) fn note(path: &Path, mapped: bool) {
    LOG.with(|l| {
        if let Some(v) = l.borrow_mut().as_mut() {
            v.push(Opened {
                path: path.to_path_buf(),
                mapped,
            });
        }
    });
}
