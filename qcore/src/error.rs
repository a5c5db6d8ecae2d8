//! q errors.
//!
//! Every failure is a q signal with a short name (`type`, `length`, `rank`,
//! a user's `'text`) printed as `'name`. Beyond q, an error remembers where
//! it happened so the console can show the line with a caret.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Where an error happened: the source text and a byte span inside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub source: Arc<str>,
    pub span: Range<usize>,
}

/// A q error. Boxed so that `QResult<Value>` stays as small as a `Value`
/// plus a tag: results are returned on every evaluation step.
#[derive(Clone, Debug, PartialEq)]
pub struct QError(Box<ErrorInfo>);

/// What a [`QError`] carries (reached through `Deref`: `e.name`).
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorInfo {
    /// The text after `'`: `type`, `length`, a user signal's text, ...
    pub name: String,
    /// Extra explanation shown under the caret (not part of q's output).
    pub detail: Option<String>,
    /// Innermost source location, when known.
    pub location: Option<Location>,
}

impl std::ops::Deref for QError {
    type Target = ErrorInfo;
    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for QError {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

/// Result type of everything that can signal.
pub type QResult<T> = Result<T, QError>;

impl QError {
    /// An error named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        QError(Box::new(ErrorInfo {
            name: name.into(),
            detail: None,
            location: None,
        }))
    }

    /// Adds an explanation.
    pub fn with_detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }

    /// Sets the location unless a more precise one is already known.
    pub fn at(mut self, source: &Arc<str>, span: Range<usize>) -> Self {
        if self.location.is_none() {
            self.location = Some(Location {
                source: source.clone(),
                span,
            });
        }
        self
    }

    pub fn type_() -> Self {
        Self::new("type")
    }
    pub fn length() -> Self {
        Self::new("length")
    }
    pub fn rank() -> Self {
        Self::new("rank")
    }
    pub fn domain() -> Self {
        Self::new("domain")
    }
    pub fn index() -> Self {
        Self::new("index")
    }
    /// `'nyi`: a builtin or form not yet implemented, naming it.
    pub fn nyi(what: &str) -> Self {
        Self::new("nyi").with_detail(format!("{what} is not implemented yet"))
    }
    /// `'name`: an undefined variable (q prints the name itself).
    pub fn undefined(name: &str) -> Self {
        Self::new(name).with_detail("undefined name")
    }
}

impl fmt::Display for QError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}", self.name)
    }
}

impl std::error::Error for QError {}

/// Shorthand for `Err(QError::type_())` and friends.
#[macro_export]
macro_rules! qerr {
    ($name:literal) => {
        Err($crate::error::QError::new($name))
    };
}
