//! The q library: one file (or directory) per category of q's reference,
//! each holding the functions the registry's rows point at.
//!
//! Categories follow code.kx.com's keyword groups: `apply` (the `@` and `.`
//! operators: apply, index, trap, amend), `compare`, `logic`, `math/`,
//! `list/`, `dict`, `sort`, `text`, `cast`, `temporal`, `meta`, `table`,
//! `join`, `iterate`, `interpret`, `env`, `io/`, `dotq` (`.Q`), `dotj` (`.j` JSON), `doth` (`.h` markup
//! and HTTP responses), `dotz`
//! (`.z`), `internal` (`-n!`) and `debug` (backtraces and `.Q.trp`).
//! Kernels they share are in [`crate::ops`]; qSQL is in [`crate::query`].

pub mod apply;
pub mod cast;
pub mod compare;
pub mod debug;
pub mod dict;
pub mod doth;
pub mod dotj;
pub mod dotq;
pub mod dotz;
pub mod enums;
pub mod env;
pub mod index;
pub mod internal;
pub mod interpret;
pub mod io;
pub mod iterate;
pub mod join;
pub mod list;
pub mod logic;
pub mod math;
pub mod meta;
pub mod sort;
pub mod table;
pub mod temporal;
pub mod text;
