//! Pure kernels over q values: no interpreter state, no evaluation.
//!
//! The q library ([`crate::builtins`]), qSQL and the compiled core
//! ([`crate::query`]) are written on these. **Architecture invariant:**
//! nothing here names `Interp`, the registry or the evaluator.

pub mod arith;
pub mod cast;
pub mod compare;
pub mod conform;
pub mod dense;
pub mod digest;
pub mod divmod;
pub mod grade;
pub mod group;
pub mod hash;
pub mod index;
pub mod join;
pub mod lanes;
pub mod make;
pub mod par;
pub mod random;
pub mod reduce;
pub mod search;
