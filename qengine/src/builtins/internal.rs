//! The `-n!` internal functions that have no better home: `0N!x` (write
//! `-3!x` and a newline, return `x`; reached from `!` in `dict.rs`) and
//! `-27!(p;x)` (floats as text with `p` decimals). The table of `-n!`
//! numbers is `INTERNALS` in `registry/`; most rows point into the modules
//! of their subject (`ipc/codec.rs` for `-8! -9! -18!`, …).

use crate::builtins::dotq::format_fixed;
use crate::builtins::interpret::write_out;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;

/// `0N!x`: writes the one-line form of `x` (as `-3!x`) and a newline to
/// standard output; returns `x`.
pub fn display_bang(it: &mut Interp, x: Value) -> QResult<Value> {
    let mut s = crate::display::one_line(&x, it.settings.console.precision);
    s.push('\n');
    write_out(1, s.as_bytes())?;
    Ok(x)
}

/// `-27!(p;x)`: floats as text with `p` decimals (0 to 99), a string per
/// item of a float vector.
pub fn fixed_text(y: Value) -> QResult<Value> {
    let (Some(p), Some(v)) = (y.item(0), y.item(1)) else {
        return Err(QError::type_());
    };
    if y.count() != 2 {
        return Err(QError::length());
    }
    let Some(p) = p
        .as_atom()
        .and_then(Atom::to_i64)
        .filter(|p| (0..=99).contains(p))
    else {
        return Err(QError::type_());
    };
    match &v {
        Value::Atom(Atom::Float(f)) => Ok(Value::string(&format_fixed(p as usize, *f))),
        Value::Vector(vv) if vv.ty() == Ty::Float => Ok(Value::list(
            vv.to_f64_vec()
                .unwrap_or_default()
                .into_iter()
                .map(|f| Value::string(&format_fixed(p as usize, f)))
                .collect(),
        )),
        _ => Err(QError::type_()),
    }
}
