//! (moved; module doc to be written)

use crate::builtins::dotq::format_fixed;
use crate::builtins::interpret::reval;
use crate::builtins::interpret::write_out;
use crate::builtins::text::md5;
use crate::builtins::text::q_sha1;
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

/// `-n!x` for the internal functions q documents (the IPC ones, `-8! -9!
/// -18!`, are in `ipc/`). `None` for a non-negative `n`.
pub fn internal(it: &mut Interp, n: i64, y: &Value) -> Option<QResult<Value>> {
    if n >= 0 || n == i64::MIN {
        return None;
    }
    let y = y.clone();
    Some(match n {
        -1 => crate::builtins::io::handle::hsym(it, y),
        -2 => crate::builtins::meta::attr(it, y),
        -3 => crate::builtins::dotq::q_s1(it, y),
        -5 => crate::builtins::interpret::parse(it, y),
        -6 => crate::builtins::interpret::eval(it, y),
        -7 => crate::builtins::io::handle::hcount(it, y),
        -15 => md5(it, y),
        -24 => reval(it, y),
        -33 => q_sha1(it, y),
        -27 => {
            let (Some(p), Some(v)) = (y.item(0), y.item(1)) else {
                return Some(Err(QError::type_()));
            };
            if y.count() != 2 {
                return Some(Err(QError::length()));
            }
            let Some(p) = p
                .as_atom()
                .and_then(Atom::to_i64)
                .filter(|p| (0..=99).contains(p))
            else {
                return Some(Err(QError::type_()));
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
        _ => Err(QError::nyi(&format!("{n}!x"))),
    })
}
