//! Evaluation and environment: `value get eval parse set system getenv
//! setenv exit attr`, attributes (`` `s#x `` and friends, through `#`), the
//! `\S` seed command, and the searches that use the sorted attribute.
//!
//! Parse trees follow q: a list whose first item is applied to the rest,
//! names as symbols, constants as themselves, a symbol constant enlisted.
//! Where q shows a keyword by its k definition (`-:` for `neg`, `@:` for
//! `type`), borf shows the keyword's q name.

use crate::builtins::debug::NS_PER_DAY;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

fn env_name(x: &Value) -> QResult<String> {
    match x {
        Value::Atom(Atom::Symbol(s)) => Ok(s.as_str().to_string()),
        _ => Err(QError::type_()),
    }
}

/// `` getenv `NAME ``: the variable's value, `""` when unset.
pub fn getenv(x: Value) -> QResult<Value> {
    let n = env_name(&x)?;
    Ok(Value::string(&std::env::var(&n).unwrap_or_default()))
}

/// `` `NAME setenv "value" ``.
pub fn setenv(x: Value, y: Value) -> QResult<Value> {
    let n = env_name(&x)?;
    let v = y.as_string().ok_or_else(QError::type_)?;
    if n.is_empty() || n.contains('=') || n.contains('\0') || v.contains('\0') {
        return Err(QError::domain());
    }
    // SAFETY: all evaluation happens on the interpreter's one thread, and
    // borf starts no thread that reads the environment.
    unsafe { std::env::set_var(&n, &v) };
    Ok(Value::Nil)
}

/// `exit n`: ends the process with code `n` (the evaluation unwinds first).
/// A client under `-u` may not (`'access`).
pub fn exit(it: &mut Interp, x: Value) -> QResult<Value> {
    if crate::ipc::restricted(it) {
        return Err(crate::storage::confine::refuse("exit"));
    }
    let code = match &x {
        Value::Atom(a) if a.ty().is_integral() && a.ty() != Ty::Char => a.to_i64().unwrap_or(0),
        _ => return Err(QError::type_()),
    };
    it.exit_request = Some(code as i32);
    Err(QError::new("exit").with_detail(format!("exit {code}")))
}

pub(crate) const UNIX_2000_SECS: i64 = 10_957 * 86_400;

pub(crate) fn shift_time(it: &Interp, x: &Value, local: bool) -> QResult<Value> {
    let off_ns = |ns: i64| {
        let unix = ns.div_euclid(1_000_000_000) + UNIX_2000_SECS;
        crate::builtins::temporal::local_offset_secs(it, unix) * 1_000_000_000
    };
    let ts = |ns: i64| {
        if ns == i64::MIN || ns == i64::MAX || ns == -i64::MAX {
            ns
        } else if local {
            ns + off_ns(ns)
        } else {
            ns - off_ns(ns)
        }
    };
    let dt = |d: f64| {
        if !d.is_finite() {
            d
        } else {
            let ns = (d * NS_PER_DAY as f64) as i64;
            ts(ns) as f64 / NS_PER_DAY as f64
        }
    };
    match x {
        Value::Atom(Atom::Timestamp(n)) => Ok(Value::Atom(Atom::Timestamp(ts(*n)))),
        Value::Atom(Atom::Datetime(d)) => Ok(Value::Atom(Atom::Datetime(dt(*d)))),
        Value::Vector(v) if v.ty() == Ty::Timestamp => {
            let xs = v.to_i64_vec().ok_or_else(QError::type_)?;
            let out: Vec<Atom> = xs.into_iter().map(|n| Atom::Timestamp(ts(n))).collect();
            Vector::from_atoms(Ty::Timestamp, &out)
                .map(Value::Vector)
                .ok_or_else(QError::type_)
        }
        Value::Vector(v) if v.ty() == Ty::Datetime => {
            let xs = v.to_f64_vec().ok_or_else(QError::type_)?;
            let out: Vec<Atom> = xs.into_iter().map(|d| Atom::Datetime(dt(d))).collect();
            Vector::from_atoms(Ty::Datetime, &out)
                .map(Value::Vector)
                .ok_or_else(QError::type_)
        }
        _ => Err(QError::type_()),
    }
}

/// `gtime ts`: the UTC equivalent of a local timestamp or datetime.
pub fn gtime(it: &mut Interp, x: Value) -> QResult<Value> {
    shift_time(it, &x, false)
}

/// `ltime ts`: the local equivalent of a UTC timestamp or datetime.
pub fn ltime(it: &mut Interp, x: Value) -> QResult<Value> {
    shift_time(it, &x, true)
}
