//! System commands: `\t`, `\c`, `\l`, ... One row per command in
//! [`COMMANDS`]; `system "..."` and console lines starting with `\` both
//! come here.
//!
//! They live in the session, not the registry of builtins: several run q
//! code (`\t`, `\l`), so they sit above the evaluator.

use crate::state::workspace;
use std::time::Instant;

use crate::registry::Status;
use crate::state::Interp;
use crate::state::Outcome;
use crate::state::memory_probe;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

/// One system command: `\name rest`.
pub struct Command {
    /// The command's name (`t`, `ts`, `c`, `compile`, ...).
    pub name: &'static str,
    /// Runs it with the rest of the line; `None` for a q command borf does
    /// not have yet (it signals `'nyi`).
    pub run: Option<fn(&mut Interp, &str) -> QResult<Outcome>>,
    /// Built, coming with an issue, or refused (see `registry::Status`).
    pub status: Status,
    /// Allowed in the sandbox the fuzz tests use (touches no file, process
    /// or socket).
    pub sandboxed: bool,
    /// One line for docs/KEYWORDS.md.
    pub doc: &'static str,
}

const fn cmd(
    name: &'static str,
    run: fn(&mut Interp, &str) -> QResult<Outcome>,
    sandboxed: bool,
    doc: &'static str,
) -> Command {
    Command {
        name,
        run: Some(run),
        status: Status::Done,
        sandboxed,
        doc,
    }
}

/// Every system command borf knows.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("\\",    |_, _| Ok(Outcome::Exit(0)),                   false, "exit the process"),
    cmd("t",       timer_or_timed,                                 true,  "\\t: the timer interval; \\t N sets it (ms, 0 off; .z.ts runs); \\t expr times it (t:n repeats)"),
    cmd("ts",      |it, r| timed(it, true, 1, r),                  true,  "time and space of an expression (ts:n repeats it)"),
    cmd("d",       namespace,                                      true,  "show or change the current namespace"),
    cmd("c",       console_size,                                   true,  "show or set the console size: rows cols"),
    cmd("P",       precision,                                      true,  "show or set the float display precision"),
    cmd("v",       |it, r| names(it, r, false),                    true,  "variables in a namespace"),
    cmd("f",       |it, r| names(it, r, true),                     true,  "functions in a namespace"),
    cmd("a",       tables,                                         true,  "tables in a namespace"),
    cmd("x",       expunge,                                        false, "delete a global"),
    cmd("S",       |_, r| crate::builtins::list::random::seed_command(r), true,  "show or set the random seed"),
    cmd("T",       timeout,                                        true,  "show or set the time limit of a console line, in seconds"),
    cmd("W",       week_offset,                                    true,  "show or set the first day of the week (0 Saturday)"),
    cmd("z",       date_order,                                     true,  "show or set the order of text dates: 0 mm/dd/yyyy, 1 dd/mm/yyyy"),
    cmd("e",       error_mode,                                     true,  "show or set the error trap mode"),
    cmd("o",       utc_offset,                                     false, "show or set the offset from UTC of local time (hours, or minutes)"),
    cmd("w",       memory,                                         false, "workspace memory statistics"),
    cmd("u",       |it, _| crate::ipc::reload_users(it).map(|_| Outcome::Silent), false, "reload the password file of -u/-U"),
    cmd("p",       crate::ipc::system_p,                           false, "show or set the listening port"),
    cmd("cd",      change_dir,                                     false, "show the process's directory; \\cd d changes to d (created if missing)"),
    cmd("l",       load,                                           false, "load a script or a database directory"),
    cmd("1",       |_, r| redirect(1, r),                          false, "redirect standard output to a file"),
    cmd("2",       |_, r| redirect(2, r),                          false, "redirect standard error to a file"),
    cmd("compile", |_, r| crate::query::kernel::system_command(r), true,  "borf: compiled-expression core on (1) or off (0)"),
    cmd("b",       |it, _| views_cmd(it, false),                   true,  "views"),
    cmd("B",       |it, _| views_cmd(it, true),                    true,  "pending views"),
    cmd("C",       http_size,                                      true,  "show or set the web server's display size: rows cols"),
    cmd("E",       tls_mode,                                       true,  "TLS server mode: 0i (plain; borf has no TLS)"),
    cmd("r",       rename,                                         false, "\\r src dst renames a file (as mv); \\r alone is replication's, which needs -l"),
    cmd("g",       gc_mode,                                        true,  "show or set the garbage collection mode (0 deferred, 1 immediate; borf frees memory at once)"),
    cmd("s",       secondary,                                      true,  "show or set the secondary threads peach and .Q.fc use, up to -s (\\s 0N: that maximum)"),
    cmd("_",       hide_code,                                      true,  "\\_ shows whether client writes are blocked (-b); \\_ f.q (runtime scripts) is refused: borf has no compiled q scripts"),
];

/// `\_`: whether clients' writes are blocked (`-b`); `\_ f.q` would make
/// a runtime script, which borf refuses (no compiled q scripts).
fn hide_code(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        return Ok(Outcome::Value(Value::Atom(Atom::Bool(it.ipc.block_writes))));
    }
    Err(QError::new("nyi")
        .with_detail("\\_ f.q: runtime scripts are refused: borf has no compiled q scripts"))
}

/// Runs a system command given without its leading backslash: `t expr`,
/// `c 25 80`, `t:100 expr`.
pub fn command(it: &mut Interp, cmd: &str) -> QResult<Outcome> {
    let (name, rest) = match cmd.find(|c: char| c.is_whitespace()) {
        Some(i) => (&cmd[..i], cmd[i..].trim()),
        None => (cmd, ""),
    };
    if name.is_empty() {
        return Ok(Outcome::Silent);
    }
    // a trailing comment after a command whose argument is a name or a
    // number (`\d   / ns`); paths and shell commands keep their `/`
    let rest = if matches!(
        name,
        "a" | "b"
            | "B"
            | "c"
            | "C"
            | "d"
            | "e"
            | "f"
            | "o"
            | "p"
            | "P"
            | "S"
            | "v"
            | "w"
            | "W"
            | "x"
            | "z"
    ) {
        match rest.find('/') {
            Some(0) => "",
            Some(i) if rest[..i].ends_with(char::is_whitespace) => rest[..i].trim_end(),
            _ => rest,
        }
    } else {
        rest
    };
    // `\t:n expr` and `\ts:n expr` repeat the expression n times.
    let (name, repeat) = match name.split_once(':') {
        Some((n @ ("t" | "ts"), k)) => (n, Some(k.parse::<usize>().map_err(|_| QError::domain())?)),
        _ => (name, None),
    };
    let Some(c) = COMMANDS.iter().find(|c| c.name == name) else {
        // not a q command: an OS command, its output lines the value
        // (basics/syscmds.md "OS commands")
        crate::ipc::check_system(it)?;
        if it.sandbox {
            return Err(QError::new("access").with_detail("no shell in the sandbox"));
        }
        if it.secondary {
            return Err(QError::new("noupdate").with_detail("OS commands are blocked in peach"));
        }
        return crate::builtins::interpret::shell(cmd).map(Outcome::Value);
    };
    let Some(run) = c.run else {
        let why = match c.status {
            Status::Refused(why) => why,
            _ => "not built",
        };
        return Err(QError::new("nyi").with_detail(format!("\\{name}: {why}")));
    };
    // -u: a client may run no system command
    crate::ipc::check_system(it)?;
    if it.secondary && !c.sandboxed {
        return Err(QError::new("noupdate")
            .with_detail("system commands that change the process are blocked in peach"));
    }
    if it.sandbox && !c.sandboxed {
        return Err(
            QError::new("access").with_detail("system commands are disabled in the sandbox")
        );
    }
    match repeat {
        Some(n) => timed(it, name == "ts", n, rest),
        None => run(it, rest),
    }
}

/// `\t`: the timer interval; `\t N`: sets it (0 stops it); `\t expr`:
/// times the expression.
fn timer_or_timed(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        return Ok(Outcome::Value(Value::int(
            it.ipc.timer_ms.min(i32::MAX as i64) as i32,
        )));
    }
    if let Ok(n) = rest.parse::<i64>() {
        if n < 0 {
            return Err(QError::domain());
        }
        it.ipc.set_timer(n);
        return Ok(Outcome::Silent);
    }
    timed(it, false, 1, rest)
}

/// `\cd`: the process's working directory; `\cd d`: changes to `d`,
/// creating it (with its parents) when missing, as q does.
fn change_dir(_: &mut Interp, rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        let d =
            std::env::current_dir().map_err(|e| QError::new("os").with_detail(e.to_string()))?;
        return Ok(Outcome::Value(Value::string(&d.to_string_lossy())));
    }
    let p = crate::storage::confine::path(rest)?;
    std::fs::create_dir_all(&p)
        .and_then(|_| std::env::set_current_dir(p))
        .map_err(|e| QError::new(rest.to_string()).with_detail(e.to_string()))?;
    Ok(Outcome::Silent)
}

/// `\r src dst`: renames a file or directory. Without arguments `\r` is
/// what a replicating process sends a primary that logs with `-l`, which
/// borf does not do.
fn rename(_: &mut Interp, rest: &str) -> QResult<Outcome> {
    let mut words = rest.split_whitespace();
    let (Some(src), Some(dst), None) = (words.next(), words.next(), words.next()) else {
        if rest.is_empty() {
            return Err(QError::new("r").with_detail(
                "replication needs update logging (-l), which borf does not support",
            ));
        }
        return Err(QError::new("r").with_detail("\\r src dst renames src to dst"));
    };
    let from = crate::storage::confine::path(src)?;
    let to = crate::storage::confine::path(dst)?;
    std::fs::rename(&from, &to)
        .map_err(|e| crate::storage::column::serr(qstorage::Error::io(&from, &e)))?;
    Ok(Outcome::Silent)
}

fn timed(it: &mut Interp, with_space: bool, n: usize, src: &str) -> QResult<Outcome> {
    let probe = memory_probe();
    let base = probe.map(|p| (p.reset_peak)());
    let start = Instant::now();
    for _ in 0..n.max(1) {
        // a huge repeat count stops at Ctrl-C or the \T deadline
        it.tick()?;
        it.eval_text(src)?;
    }
    let ms = start.elapsed().as_millis() as i64;
    if with_space {
        let Some((p, base)) = probe.zip(base) else {
            return Err(QError::new("nyi").with_detail(
                "\\ts space: this program embeds qengine without its counting allocator \
                 (qengine::alloc::Counting as global allocator, then qengine::alloc::install())",
            ));
        };
        let space = (p.peak)().saturating_sub(base) as i64;
        Ok(Outcome::Value(Value::Vector(Vector::longs(vec![
            ms, space,
        ]))))
    } else {
        Ok(Outcome::Value(Value::long(ms)))
    }
}

fn namespace(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        Ok(Outcome::Value(Value::Atom(Atom::Symbol(it.namespace))))
    } else if rest.starts_with('.') {
        it.namespace = Sym::new(rest);
        Ok(Outcome::Silent)
    } else {
        Err(QError::new("nyi").with_detail("namespace names start with a dot"))
    }
}

fn console_size(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    let c = &mut it.settings.console;
    let mut size = (c.rows, c.cols);
    let r = display_size(&mut size, rest);
    (c.rows, c.cols) = size;
    r
}

/// `\C`: the web server's display size.
fn http_size(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    display_size(&mut it.settings.http_console, rest)
}

/// `\c` and `\C`: show `size`, or set it from two numbers, each coerced
/// to 10..2000 as q does.
fn display_size(size: &mut (usize, usize), rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        return Ok(Outcome::Value(Value::Vector(Vector::from_i32(
            Ty::Int,
            vec![size.0 as i32, size.1 as i32],
        ))));
    }
    let nums: Vec<usize> = rest
        .split_whitespace()
        .map(|s| s.parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| QError::type_())?;
    if nums.len() != 2 {
        return Err(QError::length());
    }
    *size = (nums[0].clamp(10, 2000), nums[1].clamp(10, 2000));
    Ok(Outcome::Silent)
}

fn precision(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        return Ok(Outcome::Value(Value::int(
            it.settings.console.precision as i32,
        )));
    }
    let n: usize = rest.parse().map_err(|_| QError::type_())?;
    if n > 17 {
        return Err(QError::domain());
    }
    it.settings.console.precision = n;
    Ok(Outcome::Silent)
}

/// `\v` (every global) or `\f` (functions only) in a namespace.
fn names(it: &mut Interp, rest: &str, functions: bool) -> QResult<Outcome> {
    let ns = if rest.is_empty() {
        it.namespace.as_str().to_string()
    } else {
        rest.to_string()
    };
    let names: Vec<Sym> = it
        .names_in(&ns)
        .into_iter()
        .filter(|s| !functions || matches!(it.get_global(*s), Some(Value::Func(_))))
        .map(|s| {
            let t = s.as_str();
            Sym::new(t.rsplit_once('.').map_or(t, |(_, n)| n))
        })
        .collect();
    Ok(Outcome::Value(Value::Vector(Vector::syms(names))))
}

/// `\a`, `\a .ns`: the tables of the current namespace or of `ns`.
fn tables(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    let ns = if rest.is_empty() {
        it.namespace.as_str().to_string()
    } else {
        rest.to_string()
    };
    if ns != "." && it.namespace_value(&ns).is_none() && !rest.is_empty() {
        return Err(QError::new(ns));
    }
    let names = crate::builtins::meta::table_names(it, &ns);
    Ok(Outcome::Value(Value::Vector(Vector::syms(names))))
}

/// `\\b` (views, sorted) and `\\B` (pending views).
fn views_cmd(it: &mut Interp, pending: bool) -> QResult<Outcome> {
    let mut v = Vector::syms(crate::builtins::meta::view_list(it, pending));
    if !pending {
        v.attr = qcore::Attr::Sorted;
    }
    Ok(Outcome::Value(Value::Vector(v)))
}

fn expunge(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    crate::ipc::check_expunge(it)?;
    if rest.is_empty() {
        return Err(QError::domain());
    }
    it.take_global(Sym::new(rest));
    Ok(Outcome::Silent)
}

fn int_arg(rest: &str) -> QResult<i64> {
    rest.trim().parse::<i64>().map_err(|_| QError::type_())
}

/// Shows an integer setting, or checks and sets it.
fn int_setting(cell: &mut i64, rest: &str, check: impl Fn(i64) -> bool) -> QResult<Outcome> {
    if rest.is_empty() {
        return Ok(Outcome::Value(Value::int(*cell as i32)));
    }
    let n = int_arg(rest)?;
    if !check(n) {
        return Err(QError::domain());
    }
    *cell = n;
    Ok(Outcome::Silent)
}

/// `\E`: the TLS server mode, always 0 (plain): borf has no TLS.
fn tls_mode(_: &mut Interp, rest: &str) -> QResult<Outcome> {
    if !rest.is_empty() {
        return Err(QError::nyi(
            "TLS (\\E shows the mode; borf serves plain connections)",
        ));
    }
    Ok(Outcome::Value(Value::int(0)))
}

/// `\g`: the garbage collection mode, 0 or 1. borf returns memory to the
/// allocator as soon as a value is dropped, which is mode 1's behaviour;
/// the mode is kept for scripts that set and read it.
fn gc_mode(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    int_setting(&mut it.settings.gc_mode, rest, |n| n == 0 || n == 1)
}

/// `\s`: the secondary threads; `\s N` sets them, up to the `-s` maximum
/// (`\s 0N` shows it). Without `-s` none may be set, as q. A negative `N`
/// makes `peach` use the secondary processes whose handles `.z.pd` gives
/// (their number is the handles', not `N`'s).
fn secondary(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    let st = &mut it.settings;
    match rest.trim() {
        "" => return Ok(Outcome::Value(Value::int(st.threads as i32))),
        "0N" => return Ok(Outcome::Value(Value::int(st.threads_max as i32))),
        _ => {}
    }
    let n = int_arg(rest)?;
    if n < 0 {
        st.threads = n;
        return Ok(Outcome::Silent);
    }
    if n > 0 && st.threads_max == 0 {
        return Err(QError::new("enable secondary threads via cmd line -s only"));
    }
    if n > st.threads_max {
        return Err(QError::new("limit")
            .with_detail(format!("at most {} secondary threads (-s)", st.threads_max)));
    }
    st.threads = n;
    Ok(Outcome::Silent)
}

fn timeout(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    int_setting(&mut it.settings.timeout_secs, rest, |n| n >= 0)
}

fn week_offset(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    int_setting(&mut it.settings.week_offset, rest, |n| (0..7).contains(&n))
}

fn error_mode(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    int_setting(&mut it.settings.error_mode, rest, |n| (0..=2).contains(&n))
}

fn date_order(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    // q shows `\z` as a long (0), unlike the int settings
    if rest.is_empty() {
        return Ok(Outcome::Value(Value::long(it.settings.date_dmy as i64)));
    }
    let mut v = it.settings.date_dmy as i64;
    let r = int_setting(&mut v, rest, |n| n == 0 || n == 1)?;
    it.settings.date_dmy = v == 1;
    Ok(r)
}

fn utc_offset(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        return Ok(Outcome::Value(Value::int(
            it.settings.utc_offset.map_or(i32::MIN, |m| m as i32),
        )));
    }
    let n = int_arg(rest)?;
    // hours, or minutes when abs n > 23
    let m = if n.abs() > 23 { n } else { n * 60 };
    if m.abs() > 24 * 60 {
        return Err(QError::domain());
    }
    it.settings.utc_offset = Some(m);
    Ok(Outcome::Silent)
}

/// `\w`: memory statistics; `\w 0` (or 1): symbol statistics; `\w n`:
/// raises the `-w` limit to `n` MB and returns it in bytes (q: only with
/// `-w` on the command line, and only upwards; a number too large for an
/// int falls back to `\w 0`, as q's does).
fn memory(_: &mut Interp, rest: &str) -> QResult<Outcome> {
    let w = workspace();
    let longs = |v: &[i64]| Ok(Outcome::Value(Value::Vector(Vector::longs(v.to_vec()))));
    if rest.is_empty() {
        return longs(&w[..6]);
    }
    let n = int_arg(rest)?;
    if n == 0 || n == 1 || n > i32::MAX as i64 {
        return longs(&w[6..]);
    }
    if n < 0 {
        return Err(QError::domain());
    }
    let cur = qcore::budget::wmax();
    if cur == 0 {
        return Err(QError::new("-w init via cmd line")
            .with_detail("\\w n raises a limit set by -w on the command line"));
    }
    let want = (n as usize).saturating_mul(1 << 20);
    if want > cur {
        qcore::budget::set_wmax(want);
    }
    Ok(Outcome::Value(Value::long(qcore::budget::wmax() as i64)))
}

fn load(it: &mut Interp, rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        return Err(QError::new("nyi").with_detail("\\l needs a file name"));
    }
    if crate::storage::confine::path(rest)?.is_dir() {
        crate::builtins::io::save::load_dir(it, rest)?;
        return Ok(Outcome::Silent);
    }
    it.load_script_file(rest)?;
    Ok(Outcome::Silent)
}

#[cfg(unix)]
pub(crate) fn redirect(fd: i32, path: &str) -> QResult<Outcome> {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    unsafe extern "C" {
        fn dup2(old: i32, new: i32) -> i32;
    }
    if path.is_empty() {
        return Err(QError::domain());
    }
    crate::storage::confine::path(path)?;
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|_| QError::new(path.to_string()))?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|_| QError::new(path.to_string()))?;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: dup2 on a file descriptor we own onto the process's stdout or
    // stderr; no Rust object owns fd 1 or 2 as a File.
    let r = unsafe { dup2(f.as_raw_fd(), fd) };
    if r < 0 {
        return Err(QError::new("os"));
    }
    Ok(Outcome::Silent)
}

#[cfg(not(unix))]
pub(crate) fn redirect(_: i32, _: &str) -> QResult<Outcome> {
    Err(QError::nyi("\\1 and \\2 on this platform"))
}
