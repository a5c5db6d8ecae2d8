//! `qcore`: the q value model every other borf crate builds on.
//!
//! Types ([`Ty`]: one table of q's type numbers, letters, names, widths and
//! nulls), atoms, typed vectors over shared copy-on-write buffers
//! ([`Buf`]), general lists, dictionaries, tables and function values
//! ([`Value`]); interned symbols ([`Sym`]); q's errors ([`QError`]); the
//! calendar of q's temporals ([`calendar`]) and the memory budget
//! ([`budget`]).
//!
//! **Architecture invariant:** this crate knows nothing of parsing,
//! evaluation, storage or the wire: it depends on no other borf crate.

pub mod atom;
pub mod budget;
pub mod buf;
pub mod calendar;
pub mod error;
pub mod func;
pub mod sym;
pub mod ty;
pub mod value;
pub mod vector;

pub use atom::{
    Atom, EnumAtom, f64_to_i64, i64_to_f64, narrow_i16, narrow_i32, widen_i16, widen_i32,
};
pub use budget::{check_alloc, check_bytes};
pub use buf::Buf;
pub use error::{ErrorInfo, Location, Origin, QError, QResult, context};
pub use func::{Adverb, Derived, Func, Lambda, Prim, Projection};
pub use sym::Sym;
pub use ty::{ALL_TYPES, Guid, Repr, Ty, sentinel};
pub use value::{Dict, Table, Value};
pub use vector::{Attr, VecBuilder, VecData, Vector};
