//! Function values: builtins, lambdas, projections, compositions and
//! iterator-derived functions.

use std::sync::Arc;

use qparser::Adverb;

use crate::eval::CompiledLambda;
use qcore::Sym;
use qcore::Value;

/// A function value.
#[derive(Clone, Debug)]
pub enum Func {
    /// A primitive or keyword, by its index in the builtin registry.
    Builtin(u16),
    /// A user lambda `{...}`.
    Lambda(Arc<Lambda>),
    /// A function with some arguments fixed: `f[1;]`, `(2+)`.
    Projection(Arc<Projection>),
    /// `'[f;g]` or a train: apply the last, then each earlier one in turn.
    Composition(Arc<Vec<Value>>),
    /// An iterator applied to a function (or data, for case/index forms).
    Derived(Arc<Derived>),
}

/// A lambda: its source (what q prints), parameters, and its body compiled
/// once at definition.
#[derive(Debug)]
pub struct Lambda {
    /// Source text `{...}` as written.
    pub source: String,
    /// Parameter names (`x y z` implicit ones included), in order.
    pub params: Vec<Sym>,
    /// The namespace the lambda was defined in (`\d`), `.` for root.
    pub namespace: Sym,
    /// The resolved body.
    pub compiled: CompiledLambda,
}

/// A projection: a function with some argument slots fixed.
#[derive(Debug, Clone)]
pub struct Projection {
    pub func: Value,
    /// Fixed arguments; `None` marks a slot still to be filled.
    pub args: Vec<Option<Value>>,
}

/// An iterator-derived function `f'`, `f/`, ...
#[derive(Debug, Clone)]
pub struct Derived {
    pub adverb: Adverb,
    pub operand: Value,
}

impl Func {
    /// q's type number: 100 lambda, 101 unary primitive, 102 operator,
    /// 104 projection, 105 composition, 106-111 derived.
    pub fn type_code(&self) -> i16 {
        match self {
            Func::Lambda(_) => 100,
            Func::Builtin(i) => crate::registry::type_code(*i),
            Func::Projection(_) => 104,
            Func::Composition(_) => 105,
            Func::Derived(d) => match d.adverb {
                Adverb::Each => 106,
                Adverb::Over => 107,
                Adverb::Scan => 108,
                Adverb::Prior => 109,
                Adverb::EachRight => 110,
                Adverb::EachLeft => 111,
            },
        }
    }
}
