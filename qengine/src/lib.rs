//! `qengine`: the BorF interpreter.
//!
//! Values ([`value`]), the builtin registry ([`builtins`]), the evaluator
//! ([`eval`]), the interpreter state and system commands ([`interp`]) and the
//! q console display ([`display`]).
//!
//! **Architecture invariant:** no input makes this crate panic; every failure
//! is a [`QError`].

pub mod alloc;
pub mod builtins;
pub mod display;
pub mod eval;
pub mod ipc;
pub mod ops;
pub mod query;
pub mod registry;
pub mod session;
pub mod state;
pub mod storage;

pub use qcore::Atom;
pub use qcore::Origin;
pub use qcore::QError;
pub use qcore::QResult;
pub use qcore::Sym;
pub use qcore::Ty;
pub use qcore::Value;
pub use qcore::Vector;
pub use qcore::budget;
pub use qcore::context;
pub use state::Interp;
pub use state::Outcome;

#[cfg(test)]
pub(crate) mod testutil {
    /// The unit tests' random numbers: a xorshift generator from `seed`,
    /// giving values below its argument (deterministic, no dependency).
    pub fn xorshift(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        }
    }
}
