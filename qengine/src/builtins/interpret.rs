//! (moved; module doc to be written)

use crate::eval::apply::apply;
use crate::eval::tree::resolve_name;
use crate::interp::Interp;
use crate::interp::Outcome;
use crate::registry;
use qcore::Atom;
use qcore::Func;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use std::io::Write;

// ---------------------------------------------------------------------------
// value, get, eval

/// `value x` (and `get x`): dictionary values, a variable by name, the
/// evaluation of a string, the application of a list, the parts of a
/// projection, composition or derived function, an operator's code.
pub fn value(it: &mut Interp, x: Value) -> QResult<Value> {
    match x {
        Value::Dict(d) => Ok(d.values.clone()),
        Value::Vector(ref v) if v.ty() == Ty::Char => {
            let src = x.as_string().unwrap_or_default();
            it.eval_str(&src)
        }
        Value::Atom(Atom::Char(c)) => it.eval_str(&(c as char).to_string()),
        Value::Atom(Atom::Symbol(s)) => resolve_name(it, s),
        Value::List(l) if !l.is_empty() => {
            let f = match &l[0] {
                Value::Atom(Atom::Symbol(s)) => resolve_name(it, *s)?,
                Value::Vector(v) if v.ty() == Ty::Char => value(it, l[0].clone())?,
                other => other.clone(),
            };
            apply(it, &f, l[1..].to_vec())
        }
        Value::Func(Func::Projection(p)) => {
            // trailing unfilled slots are implied, as q shows (`value +[2]` is (+;2))
            let last = p
                .args
                .iter()
                .rposition(Option::is_some)
                .map_or(0, |i| i + 1);
            let mut items = vec![p.func.clone()];
            items.extend(
                p.args[..last]
                    .iter()
                    .map(|a| a.clone().unwrap_or(Value::Nil)),
            );
            Ok(Value::list(items))
        }
        Value::Func(Func::Composition(c)) => Ok(Value::list(c.as_ref().clone())),
        Value::Func(Func::Derived(d)) => Ok(d.operand.clone()),
        Value::Func(Func::Builtin(p)) => {
            let (b, i) = (registry::get(p.id), p.id);
            if b.kind == registry::Kind::Operator && i < 20 {
                Ok(Value::long(i as i64))
            } else if matches!(b.name, "value" | "get") {
                Ok(Value::long(19))
            } else {
                Err(QError::nyi(&format!("value of the keyword {}", b.name)))
            }
        }
        Value::Func(Func::Lambda(_)) => Err(QError::nyi("value of a lambda")),
        // `::` is primitive 0 (q's `value each (::;+;-)` is `0 1 2`).
        Value::Nil => Ok(Value::long(0)),
        other => Ok(other),
    }
}

/// `system "cmd"`: runs a system command as `\cmd` would, returning its
/// value (`::` when it has none). Commands q does not know go to the shell
/// and give its output lines.
pub fn system(it: &mut Interp, x: Value) -> QResult<Value> {
    let cmd = match &x {
        Value::Vector(v) if v.ty() == Ty::Char => x.as_string().unwrap_or_default(),
        Value::Atom(Atom::Char(c)) => (*c as char).to_string(),
        _ => return Err(QError::type_()),
    };
    let cmd = cmd.trim();
    crate::ipc::check_command(it, cmd)?;
    let name = cmd.split_whitespace().next().unwrap_or("");
    if name == "\\" {
        it.exit_request = Some(0);
        return Err(QError::new("exit"));
    }
    match it.system(cmd) {
        Ok(Outcome::Value(v)) => Ok(v),
        Ok(Outcome::Silent) => Ok(Value::Nil),
        Ok(Outcome::Text(t)) => Ok(Value::list(t.lines().map(Value::string).collect())),
        Ok(Outcome::Exit(c)) => {
            it.exit_request = Some(c);
            Err(QError::new("exit"))
        }
        Err(e) if e.name == "nyi" && name.len() > 1 => shell(cmd),
        Err(e) => Err(e),
    }
}

pub(crate) fn shell(cmd: &str) -> QResult<Value> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .map_err(|_| QError::new("os"))?;
    if !out.status.success() {
        return Err(QError::new("os").with_detail(format!("{cmd} failed")));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(Value::list(text.lines().map(Value::string).collect()))
}

// ---------------------------------------------------------------------------
// Console output
// ---------------------------------------------------------------------------

pub(crate) fn write_out(handle: i64, bytes: &[u8]) -> QResult<()> {
    let r = if handle == 2 {
        let mut e = std::io::stderr().lock();
        e.write_all(bytes).and_then(|_| e.flush())
    } else {
        let mut o = std::io::stdout().lock();
        o.write_all(bytes).and_then(|_| o.flush())
    };
    r.map_err(|e| QError::new("write").with_detail(e.to_string()))
}

/// `show x`: writes the console form of `x` and a newline to standard
/// output; returns `::`.
pub fn show(it: &mut Interp, x: Value) -> QResult<Value> {
    let mut s = it.display(&x);
    if !matches!(x, Value::Nil) {
        s.push('\n');
    }
    write_out(1, s.as_bytes())?;
    Ok(Value::Nil)
}

// ---------------------------------------------------------------------------
// reval, .Q.ts, .Q.fc

/// `reval x`: `eval x` with assignment to globals blocked (`'noupdate`).
pub fn reval(it: &mut Interp, x: Value) -> QResult<Value> {
    let saved = it.no_update;
    it.no_update = true;
    let r = crate::eval::tree::eval(it, x);
    it.no_update = saved;
    r
}
