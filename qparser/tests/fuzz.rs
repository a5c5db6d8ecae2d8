//! Property tests: no input makes the parser panic or overflow the stack.

use proptest::prelude::*;

const SOUP: &[&str] = &[
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
    "\"",
    "`",
    "+",
    "-",
    "1",
    "2.5",
    "x",
    "0x1",
    "`a",
    " ",
    " ",
    "\n",
    "\n ",
    "-1",
    "0N",
    "2024.01.01",
    "12:30",
    "0D01",
    "\"ab\"",
    "f",
    "each",
    "in",
    "if",
    "$",
    "do",
    "while",
    "/:",
    "\\:",
    "':",
    ",",
    "#",
    "0:",
    "1b",
    "010b",
    "e",
    "0w",
    "`:a/b",
    ".",
    ".z",
    "_",
    "@",
    "!",
    "<=",
    "1D",
    "T",
    "\\l",
    "{[a;b]",
    "\t",
    "\r\n",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SOUP), 0..60).prop_map(|v| v.concat())
}

fn check(s: &str) {
    let r = qparser::parse(s);
    if let Err(e) = &r {
        assert!(
            e.span.start <= e.span.end && e.span.end <= s.len(),
            "{s:?} {e:?}"
        );
    }
    if let Ok(e) = &r {
        assert!(e.span.end <= s.len(), "{s:?} {e:?}");
    }
    let _ = qparser::is_complete(s);
    for c in qparser::script::chunks(s) {
        let _ = qparser::parse(&c.text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_strings(s in "\\PC*") {
        check(&s);
    }

    #[test]
    fn ascii_strings(s in "[ -~\n\t]{0,80}") {
        check(&s);
    }

    #[test]
    fn token_soup(s in soup()) {
        check(&s);
    }
}

#[test]
fn deep_inputs() {
    for unit in [
        "(", "[", "{", "f[", "a:", "'", "-", "+/", "x ", "(1;", "$[", "if[",
    ] {
        let s = unit.repeat(20000);
        check(&s);
        let closed = format!("{s}1{}", ")".repeat(20000));
        check(&closed);
    }
}
