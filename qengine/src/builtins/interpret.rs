//! The interpreter exposed as q functions: `value` (and `.` monadic:
//! dictionary values, a variable by name, a function's parts, a string
//! evaluated), `parse` (a string to its parse tree), `eval` and `reval`
//! (`eval` with global assignment blocked, `'noupdate`), `show`, and
//! `system` (a `\` command as a string). Also the name resolution every
//! symbol lookup uses ([`resolve_name`]: the current namespace, then the
//! root) and the console text of a value under `\c`/`\P`
//! ([`console_text`]), which asks `query/partitioned` for a partitioned
//! table's first rows.

use crate::builtins::apply::apply;
use crate::registry;
use crate::state::Interp;
use crate::state::Outcome;
use crate::state::qualify;
use qcore::Atom;
use qcore::Func;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
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
        // an enumeration's value is its items
        Value::Vector(ref v) if v.domain().is_some() => Ok(crate::builtins::enums::plain(x)),
        Value::Atom(Atom::Enum(e)) => Ok(Value::Atom(Atom::Symbol(e.sym))),
        Value::Vector(ref v) if v.ty() == Ty::Char => {
            let src = x.as_string().unwrap_or_default();
            // `value "\\p"`: a system command, as `system "p"`
            if let Some(cmd) = src.trim_start().strip_prefix('\\') {
                return system(it, Value::string(cmd));
            }
            it.eval_text(&src)
        }
        Value::Atom(Atom::Char(c)) => it.eval_text(&(c as char).to_string()),
        // a file symbol: as `get` (q's `value` and `get` are one function)
        Value::Atom(Atom::Symbol(s)) if s.as_str().starts_with(':') => {
            crate::storage::object::get_file(it, s)
        }
        Value::Atom(Atom::Symbol(s)) => resolve_name(it, s),
        Value::List(l) if !l.is_empty() => {
            let f = match &l[0] {
                Value::Atom(Atom::Symbol(s)) => resolve_name(it, *s)?,
                Value::Vector(v) if v.ty() == Ty::Char => value(it, l[0].clone())?,
                Value::Atom(Atom::Char(_)) => value(it, l[0].clone())?,
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
            } else if let Some(w) = b.wire.iter().find(|w| w.dir != registry::WireDir::Receive) {
                // a keyword q defines as a primitive: its internal code,
                // the index q sends it by (`value count` is 13, the code of `#:`)
                Ok(Value::long(w.index as i64))
            } else {
                // a keyword q defines as a lambda in .q: borf has no source
                // for it, and its value is the keyword itself (DECISIONS.md)
                Ok(Value::Func(Func::Builtin(p)))
            }
        }
        Value::Func(Func::Lambda(l)) => Ok(lambda_parts(&l)),
        // `::` is primitive 0 (q's `value each (::;+;-)` is `0 1 2`).
        Value::Nil => Ok(Value::long(0)),
        other => Ok(other),
    }
}

/// `value` of a lambda, as q lays it out: its code (borf has no bytecode:
/// an empty byte vector), parameters, locals, the namespace followed by the
/// globals it names (in order of appearance), and its source text.
fn lambda_parts(l: &qcore::Lambda) -> Value {
    let params: Vec<Sym> = l.params.clone();
    let mut locals: Vec<Sym> = Vec::new();
    let mut globals: Vec<Sym> = Vec::new();
    if let Ok(e) = qparser::parse(&l.source) {
        let body = match &e.kind {
            qparser::ExprKind::Lambda(lam) => lam.body.clone(),
            _ => Vec::new(),
        };
        for s in &body {
            s.visit(&mut |e| {
                if let qparser::ExprKind::Assign(a) = &e.kind
                    && !a.global
                    && a.indexes.is_none()
                    && a.modifier.is_none()
                    && !a.name.contains('.')
                {
                    let n = Sym::new(&a.name);
                    if !params.contains(&n) && !locals.contains(&n) {
                        locals.push(n);
                    }
                }
            });
        }
        for s in &body {
            s.visit(&mut |e| {
                let name = match &e.kind {
                    qparser::ExprKind::Name(n) => n.as_str(),
                    qparser::ExprKind::Assign(a) => a.name.as_str(),
                    _ => return,
                };
                if registry::lookup(name).is_some() {
                    return;
                }
                let n = Sym::new(name);
                if !params.contains(&n) && !locals.contains(&n) && !globals.contains(&n) {
                    globals.push(n);
                }
            });
        }
    }
    let ns = if l.namespace.as_str() == "." {
        Sym::new("")
    } else {
        Sym::new(l.namespace.as_str().trim_start_matches('.'))
    };
    let mut g = vec![ns];
    g.extend(globals);
    Value::list(vec![
        Value::Vector(qcore::Vector::from_u8(Ty::Byte, Vec::new())),
        Value::Vector(qcore::Vector::syms(params)),
        Value::Vector(qcore::Vector::syms(locals)),
        Value::Vector(qcore::Vector::syms(g)),
        Value::string(&l.source),
    ])
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
        Err(e) if e.name == "nyi" && name.len() > 1 => {
            if it.sandbox {
                return Err(QError::new("access").with_detail("no shell in the sandbox"));
            }
            shell(cmd)
        }
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
    let r = it.eval_tree(&x);
    it.no_update = saved;
    r
}

/// The console text of a value under the current `\c` and `\P`; a
/// partitioned table shows its first rows, mapped for the purpose.
pub fn console_text(it: &Interp, v: &Value) -> String {
    let rows = it.settings.console.rows + 1;
    if let Some(t) = crate::query::partitioned::display_value(it, v, rows) {
        return crate::display::console(&t, &it.settings.console);
    }
    crate::display::console(v, &it.settings.console)
}

pub(crate) fn builtin(name: &str) -> QResult<Value> {
    registry::lookup(name)
        .map(registry::func)
        .ok_or_else(|| QError::nyi(name))
}

// ---------------------------------------------------------------------------
// Names

/// The value a symbol names: a global (in the current namespace, then at
/// root), a keyword by its name or its `.q.` name, or a system value.
pub fn resolve_name(it: &mut Interp, s: Sym) -> QResult<Value> {
    let t = s.as_str();
    // a file symbol names the file's content, as `value`/`get` read it
    // (`eval `:f`, `value(`:f;0)`)
    if t.starts_with(':') {
        return crate::storage::object::get_file(it, s);
    }
    let full = qualify(it.namespace, t);
    if let Some(v) = it.get_global(full).or_else(|| it.get_global(s)) {
        return Ok(v);
    }
    if let Some(r) = it.view_value(full) {
        return r;
    }
    // `get `.u`, `value `.`: a namespace is a dictionary.
    if let Some(v) = it.namespace_value(full.as_str()) {
        return Ok(v);
    }
    let kw = t.strip_prefix(".q.").unwrap_or(t);
    if let Some(i) = registry::lookup(kw) {
        let b = registry::get(i);
        if registry::is_system_value(i)
            && let Some(m) = b.monad
        {
            return m.call(it, Value::Nil);
        }
        return Ok(registry::func(i));
    }
    Err(crate::registry::undefined(t))
}

/// `parse x`: the parse tree of the string `x`.
pub fn parse(it: &mut Interp, x: Value) -> QResult<Value> {
    let src = match &x {
        Value::Vector(v) if v.ty() == Ty::Char => x.as_string().unwrap_or_default(),
        Value::Atom(Atom::Char(c)) => (*c as char).to_string(),
        _ => return Err(QError::type_()),
    };
    it.parse_text(&src)
}

/// `eval x`: evaluates a parse tree.
pub fn eval(it: &mut Interp, x: Value) -> QResult<Value> {
    it.eval_tree(&x)
}
