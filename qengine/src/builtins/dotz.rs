//! System values `.z.*` and the `.Q` utilities that do not touch storage
//! or the network.
//!
//! Choices: `.z.K` is `4.1` and `.z.k` `2024.10.16` (borf implements q 4.1
//! semantics); `.Q.k`/`.Q.K` say the same. `.z.a` is `0i` (no connection),
//! `.z.q` `0b`.

use crate::state::Interp;
use qcore::Atom;
use qcore::QResult;
use qcore::Value;
use qcore::Vector;

/// The version `.z.K` reports.
pub const VERSION: f64 = 4.1;

/// The release date `.z.k` reports.
pub const RELEASE: (i64, u32, u32) = (2024, 10, 16);

pub(crate) fn release_date() -> Value {
    let (y, m, d) = RELEASE;
    Value::Atom(Atom::Date(qcore::calendar::days_from_civil(y, m, d) as i32))
}

// --- .z ---

pub fn z_version(_: Value) -> QResult<Value> {
    Ok(Value::float(VERSION))
}

pub fn z_release(_: Value) -> QResult<Value> {
    Ok(release_date())
}

pub fn z_os(_: Value) -> QResult<Value> {
    let os = if cfg!(target_os = "macos") {
        "m64"
    } else if cfg!(target_os = "windows") {
        "w64"
    } else if cfg!(target_arch = "aarch64") {
        "l64arm"
    } else {
        "l64"
    };
    Ok(Value::sym(os))
}

pub fn z_host(_: Value) -> QResult<Value> {
    let h = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    Ok(Value::sym(h.trim()))
}

pub fn z_pid(_: Value) -> QResult<Value> {
    Ok(Value::int(std::process::id() as i32))
}

pub fn z_args(it: &mut Interp, _: Value) -> QResult<Value> {
    Ok(crate::ops::make::strings(&it.script_args))
}

pub fn z_cmdline(_: Value) -> QResult<Value> {
    Ok(crate::ops::make::strings(std::env::args()))
}

pub fn z_file(it: &mut Interp, _: Value) -> QResult<Value> {
    Ok(Value::sym(it.script_file.as_deref().unwrap_or("")))
}

/// `.z.b`: the dependency dictionary, each name a view reads to the views
/// that read it.
pub fn z_deps(it: &mut Interp, _: Value) -> QResult<Value> {
    let deps = it.view_dependents();
    let keys = Vector::syms(deps.iter().map(|(k, _)| *k).collect());
    let vals: Vec<Value> = deps
        .into_iter()
        .map(|(_, vs)| Value::Vector(Vector::syms(vs)))
        .collect();
    Ok(Value::dict(Value::Vector(keys), Value::list(vals)))
}

pub fn z_addr(it: &mut Interp, _: Value) -> QResult<Value> {
    Ok(Value::int(it.ipc.peer().map_or(0, |p| p.1)))
}

pub fn z_user(it: &mut Interp, _: Value) -> QResult<Value> {
    if let Some((u, _)) = it.ipc.peer() {
        return Ok(Value::Atom(qcore::Atom::Symbol(u)));
    }
    let u = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default();
    Ok(Value::sym(&u))
}

pub fn z_cores(_: Value) -> QResult<Value> {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(Value::int(n as i32))
}

/// `.z.M`: the namespace of the module being loaded; borf loads no
/// modules, so it is always the root `` `. ``.
pub fn z_module(_: Value) -> QResult<Value> {
    Ok(Value::sym("."))
}

pub fn z_quiet(_: Value) -> QResult<Value> {
    Ok(Value::bool(false))
}

// ---------------------------------------------------------------------------
// .z.s, backtraces, .Q.trp

/// `.z.s`: the lambda running now (`::` at top level).
pub fn z_s(it: &mut Interp, _: Value) -> QResult<Value> {
    Ok(it.calls.last().map_or(Value::Nil, Value::Func))
}
