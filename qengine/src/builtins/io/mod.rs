//! File I/O keywords, one module per kind: `0:` text (`text`), `1:`
//! binary (`binary`), file handles and `read0 read1 hcount hdel hsym`
//! (`handle`), `get`/`set` (`object`), `save load rsave rload dsave` and
//! `\l` of a directory (`save`), Arrow and Parquet files (`arrow`, the
//! `.arrowkdb` functions). `2:` (loading C shared objects) is
//! refused; its registry row points at the `dynamic_load` functions here.
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

const DYNAMIC_LOAD: &str =
    "2: (dynamic load): refused: loading C shared objects into the process is not supported";

/// `2:` applied to one argument: refused.
pub fn dynamic_load1(_x: Value) -> QResult<Value> {
    Err(QError::new("nyi").with_detail(DYNAMIC_LOAD))
}

/// `` `lib 2:(`f;n) ``: refused.
pub fn dynamic_load2(_x: Value, _y: Value) -> QResult<Value> {
    Err(QError::new("nyi").with_detail(DYNAMIC_LOAD))
}
