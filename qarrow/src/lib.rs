//! `qarrow`: borf's bridge to Apache Arrow and Parquet.
//!
//! [`convert`] maps q values (from `qcore`) to Arrow arrays and record
//! batches and back, every q type both ways (the table is in
//! `docs/FORMAT.md`); [`ipc`] reads and writes Arrow IPC files and
//! streams; [`parquet`] reads and writes Parquet files, with column
//! projection, row-group selection and the row groups' statistics as q
//! values for pruning.
//!
//! This crate depends on `qcore` only, so the engine builds without Arrow
//! (its `arrow` feature turns this crate on) and the Python package can
//! use the same conversions.

pub mod convert;
pub mod ipc;
pub mod parquet;

pub use convert::{ReadOptions, WriteOptions};

/// q's error for a failed file operation: the path and the system's
/// message as the error's name, as q reports
/// `'path: No such file or directory`.
pub(crate) fn file_error(path: &std::path::Path, e: &std::io::Error) -> qcore::QError {
    let msg = match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        _ => e.to_string(),
    };
    qcore::QError::new(format!("{}: {msg}", path.display()))
}
