//! Functions on the wire: the one thing the byte layout cannot decide alone.
//!
//! kdb+ sends a primitive as a type byte (101 unary, 102 binary, 103
//! iterator) and one index byte, and a lambda as its source text. Which
//! builtin an index names, and how source text becomes a lambda, belong to
//! the interpreter; it answers through [`FuncCodec`]. Everything else about
//! a function value (projections 104, compositions 105, derived functions
//! 106..111, the elided argument `101 255`, `::` as `101 0`) is assembled here.

use qcore::Prim;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Value;

/// Type byte of a unary primitive (`neg`, `+:`, `sum`, ...).
pub const UNARY: u8 = 101;
/// Type byte of a binary primitive (`+`, `in`, ...).
pub const BINARY: u8 = 102;
/// Type byte of an iterator as a value (`'`, `/`, ...).
pub const ITERATOR: u8 = 103;

/// A primitive's wire form: its type byte and its index byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrimCode {
    /// [`UNARY`], [`BINARY`] or [`ITERATOR`].
    pub ty: u8,
    /// kdb+'s index of the primitive within its type.
    pub index: u8,
}

impl PrimCode {
    /// The two bytes as written: type, then index.
    pub fn bytes(self) -> [u8; 2] {
        [self.ty, self.index]
    }
}

/// What the interpreter tells the wire format about functions.
pub trait FuncCodec {
    /// The wire form of builtin `p`, or `None` when kdb+ has no index for
    /// it (serializing it is then a `'type` error).
    fn prim_to_wire(&self, p: &Prim) -> Option<PrimCode>;
    /// The function a primitive's wire form names (never `101 0` or
    /// `101 255`, which this crate decodes itself). An error when this side
    /// has no such function.
    fn prim_from_wire(&mut self, code: PrimCode) -> QResult<Value>;
    /// A lambda from its source text `{...}`, defined in namespace `ns`
    /// (`.` for the root, `.foo` for context `foo`). An error when the text
    /// is not exactly one lambda.
    fn lambda(&mut self, ns: Sym, source: &str) -> QResult<Value>;
}

/// A codec for places with no interpreter: data crosses, functions other
/// than projections, compositions and derived functions of data do not.
pub struct NoFuncs;

impl FuncCodec for NoFuncs {
    fn prim_to_wire(&self, _: &Prim) -> Option<PrimCode> {
        None
    }
    fn prim_from_wire(&mut self, code: PrimCode) -> QResult<Value> {
        Err(QError::nyi(&format!(
            "primitive {} {} without an interpreter",
            code.ty, code.index
        )))
    }
    fn lambda(&mut self, _: Sym, _: &str) -> QResult<Value> {
        Err(QError::nyi("lambda without an interpreter"))
    }
}
