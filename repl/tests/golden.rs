//! Golden console tests: every `tests/golden/*.qt` file at the workspace root.
//!
//! Format (see the README, "Testing"): a line starting with `q)` is
//! one input line; the lines after it, up to the next `q)` line, are the
//! exact console output expected for it; lines starting with `/` are
//! comments. Each file runs in one fresh `borf` process (state carries from
//! case to case), all inputs piped at once with `BORF_TEST_SEPARATOR` set so
//! the output can be split per case. Lines are compared with trailing
//! whitespace trimmed; trailing empty lines are ignored.
//!
//! Environment:
//! - `GOLDEN=list.qt` runs one file (comma-separated list allowed);
//!   `GOLDEN=list.qt:42` runs the case on line 42 after the cases before it.
//! - `UPDATE_GOLDEN=1` rewrites the expected outputs of the selected cases.
//!   Only use it for output checked against q by hand.
//! - `GOLDEN_TIMEOUT=secs` changes the per-file time limit (default 30).
//! - A line `q))x` is input `x` typed at the `q))` debugger prompt, for a
//!   file whose borf suspends on errors (`/ command line: -e 1`).
//! - A comment line `/ command line: -s 2` before the first case starts
//!   that file's `borf` with those flags (q's own command-line flags, as
//!   the q session the outputs come from was started).
//! - `BORF_COMPILE=0` (passed through to `borf`, like the whole environment)
//!   runs the interpreter instead of the compiled-expression core;
//!   `repl/tests/compiled.rs` runs the qSQL files both ways.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SEP: &str = "\u{1}borf-golden-separator\u{1}";
/// Run before the cases: a fresh process has q's defaults already, but this
/// pins them.
const PRELUDE: &str = "\\c 25 80";

#[derive(Debug, Clone)]
struct Case {
    /// 1-based line of the `q)` line.
    line: usize,
    input: String,
    expected: Vec<String>,
}

#[derive(Debug)]
struct GoldenFile {
    path: PathBuf,
    name: String,
    lines: Vec<String>,
    cases: Vec<Case>,
    /// Flags from a `/ command line:` header comment.
    flags: Vec<String>,
}

fn parse(path: &Path) -> Result<GoldenFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cases: Vec<Case> = Vec::new();
    let mut flags: Vec<String> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if cases.is_empty()
            && let Some(f) = l.strip_prefix("/ command line:")
        {
            flags = f.split_whitespace().map(str::to_string).collect();
        }
        if let Some(input) = l.strip_prefix("q)") {
            // `q))`: a line typed at the debugger prompt (a file run with
            // `/ command line: -e 1`); the prompt's depth is not input
            let input = input.trim_start_matches(')');
            cases.push(Case {
                line: i + 1,
                input: input.to_string(),
                expected: Vec::new(),
            });
        } else if l.starts_with('/') {
            continue;
        } else if let Some(c) = cases.last_mut() {
            c.expected.push(l.clone());
        }
    }
    for c in &mut cases {
        c.expected = normalize(&c.expected);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(GoldenFile {
        path: path.to_path_buf(),
        name,
        lines,
        cases,
        flags,
    })
}

/// Trailing whitespace trimmed per line, trailing empty lines dropped.
fn normalize(lines: &[String]) -> Vec<String> {
    let mut v: Vec<String> = lines.iter().map(|l| l.trim_end().to_string()).collect();
    while v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

/// What one borf run produced, split per chunk.
struct RunOutput {
    stdout: Vec<Vec<String>>,
    stderr: Vec<Vec<String>>,
    status: String,
    timed_out: bool,
}

/// Whether `l` is a frame line of q's error display (`  [2]  g:{...}`,
/// `>>[1]  ...` in `.Q.bt`).
fn is_frame(l: &str) -> bool {
    let Some(rest) = l.strip_prefix("  [").or_else(|| l.strip_prefix(">>[")) else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest[digits..].starts_with("]  ")
}

/// The error-display rule: many pages show only q's `'name` line. When the
/// expected output has no frame line, the frame lines (each with its caret
/// line) that follow a `'name` line in borf's output are not compared;
/// when it has them, everything is compared exactly.
fn without_unshown_frames(actual: Vec<String>, expected: &[String]) -> Vec<String> {
    if expected.iter().any(|l| is_frame(l)) {
        return actual;
    }
    let mut out = Vec::with_capacity(actual.len());
    let mut after_error = false;
    let mut i = 0;
    while i < actual.len() {
        let l = &actual[i];
        if after_error && is_frame(l) {
            i += 1;
            if actual.get(i).is_some_and(|c| c.trim() == "^") {
                i += 1;
            }
            continue;
        }
        after_error = l.starts_with('\'');
        out.push(l.clone());
        i += 1;
    }
    out
}

fn split(text: &str) -> Vec<Vec<String>> {
    let mut groups = vec![Vec::new()];
    for l in text.lines() {
        if l == SEP {
            groups.push(Vec::new());
        } else if let Some(g) = groups.last_mut() {
            g.push(l.to_string());
        }
    }
    groups
}

fn run_borf(flags: &[String], inputs: &[&str], timeout: Duration) -> RunOutput {
    let mut stdin_text = String::from(PRELUDE);
    stdin_text.push('\n');
    for i in inputs {
        stdin_text.push_str(i);
        stdin_text.push('\n');
    }
    let child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .args(flags)
        .env("BORF_TEST_SEPARATOR", SEP)
        .env_remove("BORF_HISTORY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return RunOutput {
                stdout: Vec::new(),
                stderr: Vec::new(),
                status: format!("cannot start borf: {e}"),
                timed_out: false,
            };
        }
    };
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(stdin_text.as_bytes());
        }
        drop(stdin);
    });
    let reader = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out_t = reader(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err_t = reader(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st.to_string(),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                timed_out = true;
                break format!("killed after {}s", timeout.as_secs());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => break format!("wait failed: {e}"),
        }
    };
    let _ = writer.join();
    let out = out_t.join().unwrap_or_default();
    let err = err_t.join().unwrap_or_default();
    RunOutput {
        stdout: split(&out),
        stderr: split(&err),
        status,
        timed_out,
    }
}

/// A filter from `GOLDEN`: a file name and optionally one case's line.
struct Filter {
    file: String,
    line: Option<usize>,
}

fn filters() -> Vec<Filter> {
    let Ok(v) = std::env::var("GOLDEN") else {
        return Vec::new();
    };
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (file, line) = match s.rsplit_once(':') {
                Some((f, l)) if l.parse::<usize>().is_ok() => (f, l.parse().ok()),
                _ => (s, None),
            };
            let file = if file.ends_with(".qt") {
                file.to_string()
            } else {
                format!("{file}.qt")
            };
            Filter { file, line }
        })
        .collect()
}

struct FileResult {
    report: String,
    cases: usize,
    passed: usize,
    failed: usize,
}

fn indent(lines: &[String]) -> String {
    if lines.is_empty() {
        return "    (nothing)\n".to_string();
    }
    lines.iter().map(|l| format!("    {l}\n")).collect()
}

fn run_file(
    gf: &GoldenFile,
    only_line: Option<usize>,
    update: bool,
    timeout: Duration,
) -> FileResult {
    // With a line filter: the case at (or containing) that line, plus every
    // case before it for state.
    let (cases, target): (&[Case], Option<usize>) = match only_line {
        Some(l) => {
            let idx = gf.cases.iter().rposition(|c| c.line <= l).unwrap_or(0);
            (&gf.cases[..(idx + 1).min(gf.cases.len())], Some(idx))
        }
        None => (&gf.cases[..], None),
    };
    let inputs: Vec<&str> = cases.iter().map(|c| c.input.as_str()).collect();
    let out = run_borf(&gf.flags, &inputs, timeout);
    let mut report = String::new();
    let (mut passed, mut failed) = (0, 0);
    let mut actuals: Vec<Option<Vec<String>>> = vec![None; gf.cases.len()];
    let prelude_out = out.stdout.first().cloned().unwrap_or_default();
    if !normalize(&prelude_out).is_empty() {
        report.push_str(&format!(
            "{}: the prelude `{PRELUDE}` printed output:\n{}",
            gf.name,
            indent(&prelude_out)
        ));
    }
    for (i, c) in cases.iter().enumerate() {
        if target.is_some_and(|t| t != i) {
            continue;
        }
        // Group 0 is the prelude; case i is group i+1. A case whose
        // separator never came (the process ended or hung) has no output.
        let got = if i + 2 < out.stdout.len() {
            Some(normalize(&out.stdout[i + 1]))
        } else {
            None
        };
        let got = got.map(|g| without_unshown_frames(g, &c.expected));
        let ok = got.as_ref() == Some(&c.expected);
        if let Some(g) = &got {
            actuals[i] = Some(g.clone());
        }
        if ok {
            passed += 1;
            continue;
        }
        failed += 1;
        report.push_str(&format!("FAIL {}:{}: q){}\n", gf.name, c.line, c.input));
        report.push_str(&format!("  expected:\n{}", indent(&c.expected)));
        match &got {
            Some(g) => {
                report.push_str(&format!("  actual:\n{}", indent(g)));
                let err = out
                    .stderr
                    .get(i + 1)
                    .map(|v| normalize(v))
                    .unwrap_or_default();
                if !err.is_empty() {
                    report.push_str(&format!("  stderr:\n{}", indent(&err)));
                }
            }
            None => {
                let why = if out.timed_out {
                    format!("borf was {}", out.status)
                } else {
                    format!("borf ended ({}) before this case finished", out.status)
                };
                report.push_str(&format!("  actual: no output: {why}\n"));
                if let Some(last) = out.stdout.last()
                    && !last.is_empty()
                {
                    report.push_str(&format!("  last output:\n{}", indent(last)));
                }
                if let Some(last) = out.stderr.last()
                    && !last.is_empty()
                {
                    report.push_str(&format!("  last stderr:\n{}", indent(last)));
                }
            }
        }
    }
    if update && failed > 0 {
        match rewrite(gf, &actuals) {
            Ok(n) => report.push_str(&format!("{}: updated {n} case(s)\n", gf.name)),
            Err(e) => report.push_str(&format!("{}: update failed: {e}\n", gf.name)),
        }
    }
    FileResult {
        report,
        cases: passed + failed,
        passed,
        failed,
    }
}

/// Rewrites the expected output of every case with a `Some` actual output
/// that differs. Comment lines and the blank lines after a case's output
/// are kept (after the new output).
fn rewrite(gf: &GoldenFile, actuals: &[Option<Vec<String>>]) -> Result<usize, String> {
    let mut out: Vec<String> = Vec::new();
    let mut changed = 0;
    let mut ci = 0;
    let n = gf.lines.len();
    let mut i = 0;
    while i < n {
        let l = &gf.lines[i];
        if !l.starts_with("q)") {
            out.push(l.clone());
            i += 1;
            continue;
        }
        out.push(l.clone());
        let mut j = i + 1;
        while j < n && !gf.lines[j].starts_with("q)") {
            j += 1;
        }
        let region = &gf.lines[i + 1..j];
        let case = &gf.cases[ci];
        ci += 1;
        match actuals.get(ci - 1).cloned().flatten() {
            Some(actual) if actual != case.expected => {
                if let Some(bad) = actual
                    .iter()
                    .find(|l| l.starts_with('/') || l.starts_with("q)"))
                {
                    return Err(format!(
                        "line {}: output line `{bad}` cannot be written in .qt format",
                        case.line
                    ));
                }
                changed += 1;
                out.extend(actual);
                // keep the comments, and the blank lines from the blank
                // block before the first comment (or the trailing one) on
                let mut first_kept = region
                    .iter()
                    .position(|l| l.starts_with('/'))
                    .unwrap_or(region.len());
                while first_kept > 0 && region[first_kept - 1].trim().is_empty() {
                    first_kept -= 1;
                }
                out.extend(
                    region[first_kept..]
                        .iter()
                        .filter(|l| l.starts_with('/') || l.trim().is_empty())
                        .cloned(),
                );
            }
            _ => out.extend(region.iter().cloned()),
        }
        i = j;
    }
    let mut text = out.join("\n");
    text.push('\n');
    std::fs::write(&gf.path, text).map_err(|e| e.to_string())?;
    Ok(changed)
}

fn main() {
    // `cargo test -- --list` and similar: nothing to list individually.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden");
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "qt"))
            .collect(),
        Err(e) => {
            eprintln!("golden: cannot read {}: {e}", dir.display());
            std::process::exit(1);
        }
    };
    paths.sort();
    let fs = filters();
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| !v.is_empty() && v != "0");
    let timeout = Duration::from_secs(
        std::env::var("GOLDEN_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(30),
    );
    let mut jobs: VecDeque<(GoldenFile, Option<usize>)> = VecDeque::new();
    let mut parse_errors = 0;
    for p in paths {
        let gf = match parse(&p) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("golden: {e}");
                parse_errors += 1;
                continue;
            }
        };
        if fs.is_empty() {
            jobs.push_back((gf, None));
        } else if let Some(f) = fs.iter().find(|f| f.file == gf.name) {
            let line = f.line;
            jobs.push_back((gf, line));
        }
    }
    if !fs.is_empty() {
        for f in &fs {
            if !jobs.iter().any(|(g, _)| g.name == f.file) {
                eprintln!("golden: no file {} in {}", f.file, dir.display());
                parse_errors += 1;
            }
        }
    }
    let nfiles = jobs.len();
    let jobs = Arc::new(Mutex::new(jobs));
    let totals = Arc::new(Mutex::new((0usize, 0usize, 0usize)));
    let threads: usize = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let jobs = Arc::clone(&jobs);
            let totals = Arc::clone(&totals);
            std::thread::spawn(move || {
                loop {
                    let job = jobs.lock().map(|mut j| j.pop_front()).unwrap_or(None);
                    let Some((gf, line)) = job else { break };
                    let r = run_file(&gf, line, update, timeout);
                    let mut stdout = std::io::stdout().lock();
                    let _ = write!(stdout, "{}", r.report);
                    let _ = writeln!(
                        stdout,
                        "golden {}: {} case(s), {} passed, {} failed",
                        gf.name, r.cases, r.passed, r.failed
                    );
                    if let Ok(mut t) = totals.lock() {
                        t.0 += r.cases;
                        t.1 += r.passed;
                        t.2 += r.failed;
                    }
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    let (cases, passed, failed) = totals.lock().map(|t| *t).unwrap_or((0, 0, 1));
    println!(
        "golden: {cases} cases in {nfiles} file(s): {passed} passed, {failed} failed ({:.1}s)",
        started.elapsed().as_secs_f64()
    );
    if failed > 0 || parse_errors > 0 {
        if update {
            println!(
                "golden: expected outputs were rewritten; check the diff against q before keeping it"
            );
        }
        std::process::exit(1);
    }
}
