//! End-to-end tests of the `borf` binary: pipe mode, script mode, exit codes.
//!
//! These check the console contract, not builtin results: inputs use only
//! the evaluator core (assignment, lambdas, `+`), and values are compared
//! through what an error or silence looks like where the display format is
//! not the point.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn borf(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .args(args)
        .env_remove("BORF_TEST_SEPARATOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start borf");
    let mut input = child.stdin.take().expect("stdin");
    let text = stdin.to_string();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(text.as_bytes());
    });
    let out = child.wait_with_output().expect("wait for borf");
    let _ = writer.join();
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch file under the target directory, unique per test.
fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let p = dir.join(format!("{}-{name}", std::process::id()));
    std::fs::write(&p, text).expect("write scratch file");
    p
}

#[test]
fn pipe_mode_has_no_banner_or_prompt() {
    let o = borf(&[], "");
    assert!(o.status.success());
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o), "");
}

#[test]
fn assignment_and_semicolon_print_nothing() {
    let o = borf(&[], "a:1\nb:2;\na+b;\nf:{x+y}\n");
    assert!(o.status.success());
    assert_eq!(stdout(&o), "");
}

#[test]
fn value_line_prints_something() {
    let o = borf(&[], "a:1\na+1\n");
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out:?}");
    assert!(!out.contains("q)"));
}

/// Standard output without the frame and caret lines of q's error display.
fn without_frames(out: &str) -> String {
    out.lines()
        .filter(|l| !l.starts_with("  [") && l.trim() != "^")
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn error_prints_q_display_on_stdout() {
    let o = borf(&[], "1+`a\n");
    assert!(o.status.success());
    // the caret sits under the `+`
    assert_eq!(stdout(&o), "'type\n  [0]  1+`a\n        ^\n");
    // a lambda's frame: its depth, name and text
    let o = borf(&[], "f:{g[x;2#y]}\ng:{a:x*2;a+y}\nf[3;\"hello\"]\n");
    assert_eq!(
        stdout(&o),
        "'type\n  [2]  g:{a:x*2;a+y}\n                 ^\n"
    );
    // borf's explanation stays on stderr
    let o = borf(&[], "nosuchname\n");
    assert_eq!(stdout(&o), "'nosuchname\n  [0]  nosuchname\n       ^\n");
    assert!(stderr(&o).contains("undefined"), "{}", stderr(&o));
}

#[test]
fn processing_continues_after_errors() {
    let o = borf(&[], "1+`a\nnosuchname\nx:1\n1+`b\n");
    assert!(o.status.success());
    assert_eq!(without_frames(&stdout(&o)), "'type\n'nosuchname\n'type\n");
}

#[test]
fn multi_line_lambda_in_pipe() {
    let o = borf(&[], "f:{[a]\n  a+`x}\nf 1\n");
    assert_eq!(without_frames(&stdout(&o)), "'type\n");
}

#[test]
fn double_backslash_exits() {
    let o = borf(&[], "1+`a\n\\\\\n1+`b\n");
    assert!(o.status.success());
    assert_eq!(without_frames(&stdout(&o)), "'type\n");
}

#[test]
fn exit_code() {
    let o = borf(&[], "exit 3\n");
    assert_eq!(stdout(&o), "");
    assert_eq!(o.status.code(), Some(3));
    let o = borf(&[], "\\\\\n");
    assert_eq!(o.status.code(), Some(0));
}

/// `.z.exit` sees the exit code of `exit n`, `\\` and the end of input
/// (ref/dotz.md), and cannot cancel the exit.
#[test]
fn dotz_exit_runs_before_the_process_ends() {
    let o = borf(&[], ".z.exit:{0N!x}\nexit 42\n1+1\n");
    assert_eq!(stdout(&o), "42\n");
    assert_eq!(o.status.code(), Some(42));
    let o = borf(&[], ".z.exit:{0N!x}\n\\\\\n");
    assert_eq!(stdout(&o), "0\n");
    assert_eq!(o.status.code(), Some(0));
    let o = borf(&[], ".z.exit:{0N!x;'oops}\n1+1\n");
    assert_eq!(without_frames(&stdout(&o)), "2\n0\n'oops\n");
    assert_eq!(o.status.code(), Some(0));
    let o = borf(&[], "1+1\n");
    assert_eq!(stdout(&o), "2\n");
}

#[test]
fn unknown_flag_fails() {
    let o = borf(&["-nosuchflag"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unknown flag"));
    let o = borf(&["-c", "30"], "");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn help_prints_usage() {
    for f in ["-h", "--help"] {
        let o = borf(&[f], "");
        assert_eq!(o.status.code(), Some(0));
        let out = stdout(&o);
        assert!(out.starts_with("usage: borf"), "{out}");
        for flag in [
            "-e",
            "-o N",
            "-T N",
            "-s N",
            "-u 1",
            "-U file",
            "-w N",
            "refused: -l -L",
        ] {
            assert!(out.contains(flag), "{flag} missing from {out}");
        }
    }
}

#[test]
fn refused_flags_say_why() {
    for args in [
        &["-l"][..],
        &["-L"],
        &["-E", "1"],
        &["-E", "2"],
        &["-m", "/mnt/pmem"],
        &["-r", ":localhost:5000"],
    ] {
        let o = borf(args, "");
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("not supported") || err.contains("not served"),
            "{args:?}: {err}"
        );
    }
    // -E 0 is plain, what borf serves
    assert!(borf(&["-E", "0"], "").status.success());
    // -C is served: the web display size (\C)
    let o = borf(&["-C", "30", "100"], "\\C\n");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("30 100i"),
        "{o:?}"
    );
}

#[test]
fn flags_set_their_system_commands() {
    let o = borf(
        &[
            "-e", "2", "-o", "-5", "-T", "7", "-S", "42", "-W", "3", "-z", "1", "-g", "1", "-s",
            "3",
        ],
        "\\e\n\\T\n\\S\n\\W\n\\z\n\\g\n\\s\n\\s 0N\n\\s 2\n\\s\n\\s 4\n\\E\n\
         ltime 2009.10.20D10:52:17.782138000\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "2i\n7i\n42i\n3i\n1\n1i\n3i\n3i\n2i\n'limit\n0i\n2009.10.20D05:52:17.782138000\n"
    );
    // -e alone is mode 1; without -s no secondary threads may be set
    let o = borf(&["-e"], "\\e\n\\s 1\n");
    assert_eq!(
        stdout(&o),
        "1i\n'enable secondary threads via cmd line -s only\n"
    );
    // a bad value stops the start
    let o = borf(&["-W", "9"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("-W 9: 'domain"), "{}", stderr(&o));
}

#[test]
fn known_flags_are_accepted() {
    // (-p is exercised by tests/ipc.rs: with it the process keeps serving.)
    let o = borf(&["-s", "2", "-c", "30", "100"], "1+`a\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(without_frames(&stdout(&o)), "'type\n");
}

#[test]
fn script_then_stdin() {
    let script = "\
/ a comment line
a:1 / trailing comment
f:{[x]
  y:x+a;
  y+`sym}
/
block comment: 1+`never
\\
b:2
";
    let p = scratch("script.q", script);
    let o = borf(&[p.to_str().expect("utf8 path")], "b\nf 1\nzz:3;\n");
    assert!(o.status.success(), "{}", stderr(&o));
    // the script printed nothing; `b` exists; `f` is the multi-line lambda
    let out = without_frames(&stdout(&o));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out:?}");
    assert_eq!(lines[1], "'type");
    assert!(!lines[0].starts_with('\''), "b should be defined: {out:?}");
}

#[test]
fn script_error_names_file_and_line_and_stops_the_script() {
    let script = "a:1\n\nb:1+`a\nc:3\n";
    let p = scratch("bad.q", script);
    let path = p.to_str().expect("utf8 path");
    let o = borf(&[path], "c\n");
    assert!(o.status.success());
    // the error, then `c` is undefined because the script stopped
    let out = stdout(&o);
    assert_eq!(without_frames(&out), "'type\n'c\n");
    assert!(out.contains(&format!("  [0]  {path}:3: b:1+`a")), "{out:?}");
}

#[test]
fn script_exit() {
    let p = scratch("exit.q", "a:1\n\\\\\nb:1+`a\n");
    let o = borf(&[p.to_str().expect("utf8 path")], "1+`a\n");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

#[test]
fn missing_script_reports_and_continues() {
    let o = borf(&["/nonexistent/dir/x.q"], "1+`a\n");
    assert!(o.status.success());
    assert_eq!(
        without_frames(&stdout(&o)),
        "'/nonexistent/dir/x.q\n'type\n"
    );
}

#[test]
fn separator_hook() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .env("BORF_TEST_SEPARATOR", "--sep--")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start borf");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a:1\n1+`a\n")
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(without_frames(&stdout(&o)), "--sep--\n'type\n--sep--\n");
}

#[test]
fn garbage_input_never_crashes() {
    let mut junk = String::new();
    let pieces = [
        "(", ")", "]", "[", "{", "}", "\"", "`", "'", ":", "::", "/", "\\", "1", "-", " ", "x",
        ";", "+/", "'", "\\:", "0N", "1e", ".", "..", "@", "$", "!", "#", "_", "?", "~", "\t", "é",
        "\u{0}",
    ];
    // deterministic pseudo-random lines
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..400 {
        let n = (seed % 12) as usize;
        for _ in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            junk.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        junk.push('\n');
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    }
    // close any open bracket or string so the run ends normally
    junk.push_str("\"\n}])\n");
    // `\\` lines in the junk may legitimately exit early; that is fine
    let o = borf(&[], &junk);
    let out = stdout(&o);
    assert!(o.status.code().is_some(), "killed by a signal");
    assert!(
        !out.contains("'panic"),
        "internal panic on junk input: {}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn deep_recursion_is_a_stack_error_not_a_crash() {
    let o = borf(&[], "f:{f x}\nf 1\n1+`a\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = without_frames(&stdout(&o));
    assert!(out.starts_with("'stack\n"), "{out:?}");
    assert!(out.ends_with("'type\n"), "{out:?}");
}

#[test]
fn ts_reports_time_and_space() {
    // `til 100000` allocates 800,000 bytes of longs; \ts must see at least that.
    let o = borf(&[], "\\ts til 100000\n\\ts 1\n");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let big: Vec<i64> = lines[0].split(' ').map(|x| x.parse().unwrap()).collect();
    assert_eq!(big.len(), 2);
    assert!(big[0] >= 0);
    assert!(big[1] >= 800_000, "space {}", big[1]);
    let small: Vec<i64> = lines[1].split(' ').map(|x| x.parse().unwrap()).collect();
    assert!(small[1] < 100_000, "space {}", small[1]);
}

/// Starts borf with `args`, sends `line`, Ctrl-C (SIGINT) half a second
/// later, then `1+1`: what it printed.
fn interrupted(args: &[&str], line: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .args(args)
        .env_remove("BORF_TEST_SEPARATOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start borf");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(format!("{line}\n").as_bytes())
        .expect("write");
    input.flush().expect("flush");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    input.write_all(b"1+1\n").expect("write");
    drop(input);
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    without_frames(&stdout(&out))
}

#[test]
fn ctrl_c_stops_the_running_evaluation_not_the_process() {
    assert_eq!(interrupted(&[], "{x}/[0W;1]"), "'stop\n2\n");
}

#[test]
fn ctrl_c_stops_every_secondary_thread_of_a_peach() {
    assert_eq!(
        interrupted(&["-s", "2"], "{x}/[0W;] peach 1 2 3 4"),
        "'stop\n2\n"
    );
}

/// `peach` under `-s 2` runs its function on threads other than the main
/// one: the process has more threads while it runs (Linux's
/// `/proc/self/task`), and `each` adds none.
#[cfg(target_os = "linux")]
#[test]
fn peach_runs_on_secondary_threads() {
    let o = borf(
        &["-s", "2"],
        "b:count key `:/proc/self/task\nall b<{count key `:/proc/self/task} peach 1 2\nall b={count key `:/proc/self/task} each 1 2\n",
    );
    assert_eq!(stdout(&o), "1b\n1b\n", "{}", stderr(&o));
}

#[test]
fn compile_switch_shows_and_sets() {
    // `\compile` is borf's own command (the compiled core on or off); the
    // golden files cannot show it, since they run both ways.
    let o = borf(
        &[],
        "\\compile 0\n\\compile\n\\compile 1\n\\compile\n\\compile 2\n",
    );
    assert_eq!(stdout(&o), "0i\n1i\n'domain\n");
}

#[test]
fn redirects_stdout_and_stderr_to_files() {
    let out = scratch("redirect-out.txt", "");
    let err = scratch("redirect-err.txt", "");
    let o = borf(
        &[],
        &format!(
            "1+1\n\\1 {}\n2+2\n\\2 {}\n1+`a\n",
            out.display(),
            err.display()
        ),
    );
    assert_eq!(stdout(&o), "2\n");
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(text.starts_with("4\n"), "{text:?}");
    assert!(text.contains("'type"), "{text:?}");
    // q's error display is on stdout
    assert!(text.contains("  [0]  1+`a"), "{text:?}");
    assert!(err.exists());
}

/// The `q))` debugger through a pipe: only with `-e 1` (or `\e 1`); the
/// default mode 0 keeps piped transcripts at the top level.
#[test]
fn debugger_suspends_only_in_error_trap_mode_1() {
    let session = "g:{a:x*2;a+y}\ng[3;\"hello\"]\na\n";
    // mode 0: the error returns to the top level, where `a` is undefined
    let o = borf(&[], session);
    assert!(o.status.success());
    assert_eq!(without_frames(&stdout(&o)), "'type\n'a\n");
    let o = borf(&["-e", "0"], session);
    assert_eq!(without_frames(&stdout(&o)), "'type\n'a\n");
    // mode 1: suspended in g, whose local `a` is 6
    let o = borf(&["-e", "1"], session);
    assert!(o.status.success());
    assert_eq!(without_frames(&stdout(&o)), "'type\n6\n");
    // `\e 1` typed in the session does the same
    let o = borf(&[], &format!("\\e 1\n{session}"));
    assert_eq!(without_frames(&stdout(&o)), "'type\n6\n");
}

#[test]
fn debugger_input_ending_while_suspended_ends_cleanly() {
    // two levels deep when standard input ends: no further output, exit 0
    let o = borf(&["-e", "1"], "f:{x+`a}\nf 1\nf 2\n");
    assert!(o.status.success());
    assert_eq!(without_frames(&stdout(&o)), "'type\n'type\n");
}

#[test]
fn debugger_double_backslash_and_exit_end_the_process() {
    let o = borf(&["-e", "1"], "f:{x+`a}\nf 1\n\\\\\n1+1\n");
    assert!(o.status.success());
    assert_eq!(without_frames(&stdout(&o)), "'type\n");
    let o = borf(&["-e", "1"], "f:{x+`a}\nf 1\nexit 4\n1+1\n");
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(without_frames(&stdout(&o)), "'type\n");
}

#[test]
fn debugger_does_not_suspend_in_a_script() {
    // the script's error stops the script; the console is at the top level
    let script = scratch("dbgscript.q", "f:{x+`a}\nf 1\n");
    let o = borf(&[script.to_str().expect("path"), "-e", "1"], "x\n1+1\n");
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.starts_with("'type\n"), "{out:?}");
    assert!(out.ends_with("'x\n  [0]  x\n       ^\n2\n"), "{out:?}");
}
