//! Console display of values, exactly as the q console prints them.
//! (Placeholder while the full formatter is written: covers atoms and
//! simple vectors only.)

use crate::func::Func;
use crate::interp::Settings;
use crate::value::{Atom, Value};

/// The text `string` gives for an atom.
pub fn atom_text(a: &Atom, _precision: usize) -> String {
    format!("{a:?}")
}

/// The source text of a function.
pub fn func_text(f: &Func) -> String {
    match f {
        Func::Lambda(l) => l.source.clone(),
        Func::Builtin(i) => crate::builtins::registry::name(*i).to_string(),
        _ => "func".to_string(),
    }
}

/// What the console prints for a value (no trailing newline).
pub fn console(v: &Value, _s: &Settings) -> String {
    format!("{v:?}")
}
