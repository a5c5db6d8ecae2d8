//! The memory budget: one check before a result whose size comes from user
//! input is allocated, so an absurd size is q's `'wsfull`, not an abort.

use crate::error::{QError, QResult};

/// Largest allocation one result may ask for, in bytes (q's `-w` limit).
/// Beyond it a builtin signals `'wsfull` instead of letting the process be
/// killed for lack of memory.
pub const MAX_ALLOC_BYTES: usize = 8 << 30;

/// `'wsfull` unless `n` items of `width` bytes fit under [`MAX_ALLOC_BYTES`].
/// Builtins that size a result from user input (`til`, `#`, `where`, ...)
/// call this before allocating.
pub fn check_alloc(n: usize, width: usize) -> QResult<()> {
    match n.checked_mul(width.max(1)) {
        Some(b) if b <= MAX_ALLOC_BYTES => Ok(()),
        _ => Err(QError::new("wsfull")
            .with_detail(format!("{n} items would exceed the workspace limit"))),
    }
}
