//! Values to and from Lsmer files: column files mapped into vectors,
//! splayed and partitioned tables, symbol enumeration, object files. Byte
//! layouts are `qstorage`'s; this module converts between them and values.

pub mod column;
pub mod confine;
pub mod db;
pub mod kept;
pub mod object;
pub mod parquet;
pub mod splay;
