//! Property test: no input makes the parser or the evaluator panic.
//!
//! Arbitrary text and random soups of q tokens are parsed and evaluated
//! with a short deadline (so a generated infinite loop ends in `'stop`).
//! The interpreter must return a value or a `QError` every time, and stay
//! usable afterwards.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use qengine::{Interp, Outcome};

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ";",
    ":",
    "::",
    "'",
    "/",
    "\\",
    "':",
    "/:",
    "\\:",
    "+",
    "-",
    "*",
    "%",
    "!",
    "&",
    "|",
    "<",
    ">",
    "=",
    "~",
    ",",
    "^",
    "#",
    "_",
    "$",
    "?",
    "@",
    ".",
    "<=",
    ">=",
    "<>",
    "0",
    "1",
    "2",
    "-1",
    "3",
    "10",
    "2.5",
    "0N",
    "0n",
    "0w",
    "0W",
    "1b",
    "010b",
    "0x01",
    "0x",
    "\"ab\"",
    "\"\"",
    "`a",
    "`a`b",
    "`",
    "x",
    "y",
    "z",
    "a",
    "f",
    "til",
    "count",
    "first",
    "each",
    "over",
    "scan",
    "sum",
    "max",
    "where",
    "enlist",
    "flip",
    "key",
    "value",
    "type",
    "string",
    "null",
    "in",
    "within",
    "asc",
    "desc",
    "distinct",
    "group",
    "reverse",
    "neg",
    "not",
    "abs",
    "div",
    "mod",
    "2024.01.02",
    "12:30",
    "0D01",
    "1 2 3",
    "1.5 2",
    " ",
    " ",
    " ",
    "\n",
    "if[",
    "do[",
    "$[",
    "while[",
    "{x}",
    "{[a]a}",
    "f:",
    "a:",
    "x:",
    // extremes: arithmetic on them must wrap or signal as q does, never
    // overflow (this file also runs in a debug build, with overflow checks)
    "-9223372036854775808",
    "9223372036854775807",
    "-9223372036854775807",
    "2147483647i",
    "-2147483648i",
    "32767h",
    "-32768h",
    "0Wj",
    "-0W",
    "0Ni",
    "1e308",
    "2000.01.01D",
    "9999.12.31",
];

/// System commands that take a number, tried with extreme numbers.
const COMMANDS: &[&str] = &[
    "o", "c", "P", "T", "W", "z", "e", "S", "t", "ts", "t:", "ts:", "w", "c 25",
];
const NUMBERS: &[&str] = &[
    "-9223372036854775808",
    "9223372036854775807",
    "-9223372036854775807",
    "18446744073709551616",
    "-1",
    "0",
    "2147483648",
    "-2147483649",
    "99999999999999999999",
    "1e400",
    "0N",
];

/// Generated input may name files (`` `:x 0: ... ``): every test works in a
/// scratch directory of its own process, and the interpreter is sandboxed
/// (no shell, no output redirection).
/// An interpreter for one test, holding the lock that runs the tests one at
/// a time: the stop signals (`'stop` for a passed deadline) are
/// process-wide, as in the binary where one evaluation runs at a time, so
/// one test's deadline must not stop another test's evaluation.
struct Sandboxed {
    it: Interp,
    _serial: std::sync::MutexGuard<'static, ()>,
}

impl std::ops::Deref for Sandboxed {
    type Target = Interp;
    fn deref(&self) -> &Interp {
        &self.it
    }
}

impl std::ops::DerefMut for Sandboxed {
    fn deref_mut(&mut self) -> &mut Interp {
        &mut self.it
    }
}

fn sandboxed() -> Sandboxed {
    static DIR: std::sync::Once = std::sync::Once::new();
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    DIR.call_once(|| {
        let d = std::env::temp_dir().join(format!("borf-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("scratch dir");
        std::env::set_current_dir(&d).expect("cd scratch dir");
    });
    let mut it = Interp::new();
    it.sandbox = true;
    Sandboxed {
        it,
        _serial: serial,
    }
}

fn run(it: &mut Interp, src: &str) {
    it.deadline = Some(Instant::now() + Duration::from_millis(200));
    let _ = it.run_line(src);
    it.deadline = None;
    it.depth = 0;
}

fn still_usable(it: &mut Interp) {
    match it.run_line("1+1") {
        Ok(Outcome::Value(v)) => assert_eq!(v.type_code(), -7),
        other => panic!("interpreter unusable after fuzz input: {other:?}"),
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    // PROPTEST_CASES lowers the count for the debug-build run in scripts/test
    #![proptest_config(ProptestConfig { cases: cases(), .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,40}") {
        let mut it = sandboxed();
        run(&mut it, &s);
        still_usable(&mut it);
    }

    #[test]
    fn token_soup_never_panics(toks in proptest::collection::vec(0..TOKENS.len(), 0..24)) {
        let src: String = toks.iter().map(|&i| TOKENS[i]).collect::<Vec<_>>().join("");
        let mut it = sandboxed();
        run(&mut it, &src);
        still_usable(&mut it);
    }

    #[test]
    fn spaced_token_soup_never_panics(toks in proptest::collection::vec(0..TOKENS.len(), 0..24)) {
        let src: String = toks.iter().map(|&i| TOKENS[i]).collect::<Vec<_>>().join(" ");
        let mut it = sandboxed();
        // two lines through one interpreter, so state from the first matters
        run(&mut it, &src);
        run(&mut it, &src);
        still_usable(&mut it);
    }
}

#[test]
fn system_commands_with_extreme_numbers_never_panic() {
    for c in COMMANDS {
        for n in NUMBERS {
            let mut it = sandboxed();
            let line = if c.ends_with(':') {
                format!("\\{c}{n} 1")
            } else {
                format!("\\{c} {n}")
            };
            run(&mut it, &line);
            still_usable(&mut it);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut it = sandboxed();
    let deep = "(".repeat(100_000);
    assert!(it.run_line(&deep).is_err());
    let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    let _ = it.run_line(&deep);
    still_usable(&mut it);
}

#[test]
fn runaway_recursion_is_stack_error() {
    // Run on a big stack like the binary does.
    let h = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(|| {
            let mut it = sandboxed();
            it.run_line("f:{f x}").unwrap();
            let e = it.run_line("f 1").unwrap_err();
            assert_eq!(e.name, "stack");
            still_usable(&mut it);
        })
        .unwrap();
    h.join().unwrap();
}

#[test]
fn infinite_loop_stops_at_deadline() {
    let mut it = sandboxed();
    it.deadline = Some(Instant::now() + Duration::from_millis(50));
    let e = it.run_line("while[1;a:1]").unwrap_err();
    assert_eq!(e.name, "stop");
}
