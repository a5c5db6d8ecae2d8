//! Function values: builtins, lambdas, projections, compositions and
//! iterator-derived functions.
//!
//! The value layer knows a builtin only by what it must show of it: its
//! registry index, its q name (for display) and its type number. The
//! registry that maps the index to code lives in `qengine`. A lambda's
//! resolved body belongs to the evaluator, so it is held here opaquely
//! ([`Lambda::body`]) and only the evaluator looks inside.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::sym::Sym;
use crate::value::Value;

/// A builtin as a value: its index in `qengine`'s registry, its q name and
/// its type number (101 unary primitive, 102 operator or keyword of two or
/// more arguments). Two `Prim`s are the same builtin when their indexes are.
#[derive(Clone, Copy)]
pub struct Prim {
    /// Index of the builtin's row in the registry.
    pub id: u16,
    /// q's type number of the builtin as a value.
    pub type_code: i16,
    /// The builtin's q name (`+`, `til`, `.Q.fmt`).
    pub name: &'static str,
}

impl PartialEq for Prim {
    fn eq(&self, other: &Prim) -> bool {
        self.id == other.id
    }
}

impl fmt::Debug for Prim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Prim({} {:?})", self.id, self.name)
    }
}

/// A function value.
#[derive(Clone, Debug)]
pub enum Func {
    /// A primitive or keyword.
    Builtin(Prim),
    /// A user lambda `{...}`.
    Lambda(Arc<Lambda>),
    /// A function with some arguments fixed: `f[1;]`, `(2+)`.
    Projection(Arc<Projection>),
    /// `'[f;g]` or a train: apply the last, then each earlier one in turn.
    Composition(Arc<Vec<Value>>),
    /// An iterator applied to a function (or data, for case/index forms).
    Derived(Arc<Derived>),
}

/// A lambda: its source (what q prints), parameters, and its body resolved
/// once at definition by the evaluator.
pub struct Lambda {
    /// Source text `{...}` as written.
    pub source: String,
    /// Parameter names (`x y z` implicit ones included), in order.
    pub params: Vec<Sym>,
    /// The namespace the lambda was defined in (`\d`), `.` for root.
    pub namespace: Sym,
    /// The evaluator's resolved form of the body (`qengine`'s
    /// `eval::CompiledLambda`); opaque to every other layer.
    pub body: Box<dyn Any + Send + Sync>,
}

impl fmt::Debug for Lambda {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lambda")
            .field("source", &self.source)
            .field("params", &self.params)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// A projection: a function with some argument slots fixed.
#[derive(Debug, Clone)]
pub struct Projection {
    /// The function projected.
    pub func: Value,
    /// Fixed arguments; `None` marks a slot still to be filled.
    pub args: Vec<Option<Value>>,
}

/// An iterator-derived function `f'`, `f/`, ...
#[derive(Debug, Clone)]
pub struct Derived {
    /// The iterator.
    pub adverb: Adverb,
    /// What it was applied to.
    pub operand: Value,
}

/// The six iterators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Adverb {
    /// `'` each / each-both / case.
    Each,
    /// `/` over / reduce / converge / do / while.
    Over,
    /// `\` scan.
    Scan,
    /// `':` each-prior / each-parallel.
    Prior,
    /// `/:` each-right.
    EachRight,
    /// `\:` each-left.
    EachLeft,
}

impl Adverb {
    /// The glyph as written in source.
    pub fn glyph(self) -> &'static str {
        match self {
            Adverb::Each => "'",
            Adverb::Over => "/",
            Adverb::Scan => "\\",
            Adverb::Prior => "':",
            Adverb::EachRight => "/:",
            Adverb::EachLeft => "\\:",
        }
    }
}

impl Func {
    /// The lambda inside, if this is one.
    pub fn as_lambda(&self) -> Option<&Lambda> {
        if let Func::Lambda(l) = self {
            Some(l)
        } else {
            None
        }
    }

    /// q's type number: 100 lambda, 101 unary primitive, 102 operator,
    /// 104 projection, 105 composition, 106-111 derived.
    pub fn type_code(&self) -> i16 {
        match self {
            Func::Lambda(_) => 100,
            Func::Builtin(p) => p.type_code,
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
