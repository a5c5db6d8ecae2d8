//! File I/O keywords, one module per kind: `0:` text (`text`), `1:`
//! binary (`binary`), file handles and `read0 read1 hcount hdel hsym`
//! (`handle`), `get`/`set` (`object`), `save load rsave rload dsave` and
//! `\l` of a directory (`save`), Arrow and Parquet files (`arrow`, the
//! `.arrowkdb` functions). `2:` (loading C shared objects) is
//! refused; its registry row points at the `nyi` functions here.
//! Serialised q data on disk (`set` to a file, splayed and partitioned
//! tables) is in `storage/` and `query/partitioned/`.

pub mod arrow;
pub mod binary;
pub mod handle;
pub mod object;
pub mod save;
pub mod text;

use qcore::QError;
use qcore::QResult;
use qcore::Value;

/// File verbs arrive with the storage issue.
pub fn nyi1_file(_x: Value) -> QResult<Value> {
    Err(QError::nyi("file I/O verb"))
}

/// File verbs arrive with the storage issue.
pub fn nyi2_file(_x: Value, _y: Value) -> QResult<Value> {
    Err(QError::nyi("file I/O verb"))
}

/// An n-adic keyword not implemented yet.
pub fn nyi_n(_a: Vec<Value>) -> QResult<Value> {
    Err(QError::nyi("keyword"))
}
