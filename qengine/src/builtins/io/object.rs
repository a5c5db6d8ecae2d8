//! `get` and `set`: `get x` is `value x`, except that a file symbol
//! `` `:path `` reads a serialised q object or splayed table
//! (`storage/object.rs`); `` `name set y `` assigns a global (qualified by
//! the current namespace; `'assign` for a builtin's name, `'noupdate`
//! under `reval`) and `` `:path set y `` writes to disk.

use crate::builtins::interpret::value;
use crate::registry;
use crate::state::Interp;
use crate::state::qualify;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Value;

/// `get x`: as `value`; a file handle belongs to the storage issue.
pub fn get(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Value::Atom(Atom::Symbol(s)) = &x
        && s.as_str().starts_with(':')
    {
        return crate::storage::object::get_file(it, *s);
    }
    value(it, x)
}

// ---------------------------------------------------------------------------
// set, system, getenv, setenv, exit

/// `` `name set y ``: assigns a global, returning the name.
pub fn set(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    if it.no_update {
        return Err(QError::new("noupdate"));
    }
    let Value::Atom(Atom::Symbol(s)) = x else {
        return Err(QError::type_());
    };
    let t = s.as_str();
    if t.starts_with(':') {
        return crate::storage::object::set_file(it, s, y);
    }
    if t.is_empty() {
        return Err(QError::type_());
    }
    if registry::lookup(t).is_some() {
        return Err(QError::new("assign").with_detail(format!("cannot redefine {t}")));
    }
    it.set_global(qualify(it.namespace, t), y);
    Ok(x)
}
