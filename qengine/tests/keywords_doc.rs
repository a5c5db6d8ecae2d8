//! The registry is the one list of q names: `docs/KEYWORDS.md` is generated
//! from it (and the session's system-command table); this test rebuilds
//! the text and fails when the file differs (`UPDATE_KEYWORDS=1` rewrites
//! it). It also checks that every listed name that is not built signals
//! `'nyi` naming itself, that every built name has golden cases, and that
//! no other source file keeps its own list of q names.

use std::path::{Path, PathBuf};

use qengine::registry::{BUILTINS, Builtin, INTERNALS, Kind, REFUSED_INTERNALS, Status};
use qengine::session::system::COMMANDS;

/// Sections of the generated page, in q's reference order.
const SECTIONS: &[(&str, &str)] = &[
    ("operator", "Operators"),
    ("control", "Control"),
    ("env", "Environment"),
    ("interpret", "Interpret"),
    ("io", "Input/output"),
    ("iterate", "Iterators"),
    ("join", "Joins"),
    ("list", "Lists"),
    ("logic", "Logic"),
    ("math", "Math"),
    ("meta", "Meta"),
    ("query", "Queries"),
    ("sort", "Sort"),
    ("table", "Tables"),
    ("text", "Text"),
    (".Q", "The .Q namespace"),
    (".j", "The .j namespace (JSON)"),
    (".h", "The .h namespace (markup, HTTP)"),
    (
        ".arrowkdb",
        "The .arrowkdb namespace (Arrow and Parquet files; the `arrow` feature)",
    ),
    (".z", "The .z namespace"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn status_text(s: Status) -> String {
    match s {
        Status::Done => "done".into(),
        Status::Later(n) => format!("later (issue {n})"),
        Status::Refused(why) => format!("refused: {why}"),
    }
}

fn kind_text(b: &Builtin) -> &'static str {
    match b.kind {
        Kind::Operator => "operator",
        Kind::Keyword if b.infix => "keyword, infix",
        Kind::Keyword => "keyword",
        Kind::SystemValue => "value",
        Kind::Callback => "callback",
        Kind::Syntax => "syntax",
        Kind::Global => "variable",
    }
}

fn render() -> String {
    let total = BUILTINS.len() + COMMANDS.len();
    let done = BUILTINS.iter().filter(|b| b.status == Status::Done).count()
        + COMMANDS.iter().filter(|c| c.status == Status::Done).count();
    let mut s = String::new();
    s.push_str("# q names in borf\n\n");
    s.push_str(
        "Generated from the registry (`qengine/src/registry/table.rs`, the `-n!` table in \
         `qengine/src/registry/mod.rs`) and the system commands \
         (`qengine/src/session/system.rs`) by `cargo test -p qengine --test keywords_doc`; \
         run it with `UPDATE_KEYWORDS=1` to rewrite this file. Do not edit by hand.\n\n",
    );
    s.push_str(
        "Every name that is not done signals `'nyi` naming itself when used, so a q user never \
         meets `'name` for a real q name. \"later (issue N)\" names the issue that brings it.\n\n",
    );
    s.push_str(&format!("Done: {done} of {total}.\n"));
    for (cat, title) in SECTIONS {
        let mut rows: Vec<&Builtin> = BUILTINS.iter().filter(|b| b.category == *cat).collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.name.cmp(b.name))
        });
        s.push_str(&format!(
            "\n## {title}\n\n| name | kind | status | doc |\n|---|---|---|---|\n"
        ));
        for b in rows {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                cell(b.name),
                kind_text(b),
                cell(&status_text(b.status)),
                cell(b.doc)
            ));
        }
    }
    s.push_str("\n## Internal functions `-n!x`\n\n| n | doc |\n|---|---|\n");
    for i in INTERNALS {
        s.push_str(&format!("| `{}!` | {} |\n", i.n, cell(i.doc)));
    }
    s.push_str("\nRefused (they need an environment borf does not have; `'nyi` says why):\n\n| n | why |\n|---|---|\n");
    for (n, why) in REFUSED_INTERNALS {
        s.push_str(&format!("| `{n}!` | {} |\n", cell(why)));
    }
    s.push_str("\n## System commands\n\n| command | status | doc |\n|---|---|---|\n");
    for c in COMMANDS {
        s.push_str(&format!(
            "| `\\{}` | {} | {} |\n",
            cell(c.name),
            cell(&status_text(c.status)),
            cell(c.doc)
        ));
    }
    s
}

#[test]
fn keywords_doc_is_current() {
    for b in BUILTINS {
        assert!(
            SECTIONS.iter().any(|(c, _)| *c == b.category),
            "{}: category {} has no section",
            b.name,
            b.category
        );
    }
    let text = render();
    let path = root().join("docs/KEYWORDS.md");
    if std::env::var_os("UPDATE_KEYWORDS").is_some() {
        std::fs::write(&path, &text).expect("write docs/KEYWORDS.md");
        return;
    }
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        old == text,
        "docs/KEYWORDS.md is out of date: run UPDATE_KEYWORDS=1 cargo test -p qengine --test keywords_doc"
    );
}

#[test]
fn names_not_built_signal_nyi() {
    for b in BUILTINS.iter().filter(|b| b.status != Status::Done) {
        let n = b.name;
        // only plain names can be written alone; operator forms and
        // callbacks are listed for the reference card
        let plain = n.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
        if !plain || b.kind == Kind::Callback {
            continue;
        }
        let mut it = qengine::Interp::new();
        match it.eval_text(n) {
            Err(err) => assert_eq!(err.name, "nyi", "{n} should signal 'nyi"),
            Ok(_) => panic!("{n} is listed as not built but evaluates"),
        }
    }
    for c in COMMANDS.iter().filter(|c| c.status != Status::Done) {
        let mut it = qengine::Interp::new();
        match it.run_line(&format!("\\{}", c.name)) {
            Err(err) => assert_eq!(err.name, "nyi", "\\{} should signal 'nyi", c.name),
            Ok(_) => panic!("\\{} is listed as not built but runs", c.name),
        }
    }
}

/// The input lines of every golden transcript (`q)` lines).
fn golden_inputs() -> String {
    let mut out = String::new();
    let mut stack = vec![root().join("tests/golden")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("tests/golden").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "qt") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for l in text.lines().filter_map(|l| l.strip_prefix("q)")) {
                    out.push_str(l);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// True when `name` occurs in `text` not as part of a longer name.
fn mentions(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    let name_is_word = name.chars().all(word);
    text.match_indices(name).any(|(i, _)| {
        if !name_is_word {
            return true;
        }
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

#[test]
fn every_built_name_has_golden_cases() {
    let inputs = golden_inputs();
    let missing: Vec<&str> = BUILTINS
        .iter()
        .filter(|b| b.status == Status::Done && !matches!(b.kind, Kind::Syntax | Kind::Callback))
        .map(|b| b.name)
        .filter(|n| !mentions(&inputs, n))
        .collect();
    assert!(missing.is_empty(), "no golden case mentions {missing:?}");
    // system commands that cannot run in a golden file (exit, redirections,
    // the compiled-core switch the golden files are run both ways under)
    // may be shown by the binary's own tests instead
    let mut cli = String::new();
    for e in std::fs::read_dir(root().join("repl/tests"))
        .expect("repl/tests")
        .flatten()
    {
        cli.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
    }
    let runs = |n: &str| {
        inputs.lines().any(|l| {
            l.trim_start()
                .strip_prefix('\\')
                .is_some_and(|r| r.split([' ', ':']).next() == Some(n))
                || l.contains(&format!("system\"{n}"))
        }) || cli.contains(&format!("\\\\{}", n.replace('\\', "\\\\")))
    };
    let missing: Vec<&str> = COMMANDS
        .iter()
        .filter(|c| c.status == Status::Done)
        .map(|c| c.name)
        .filter(|n| !runs(n))
        .collect();
    assert!(
        missing.is_empty(),
        "no golden case runs the system commands {missing:?}"
    );
}

/// Files allowed to name several q builtins in one list, and why.
const NAME_LISTS: &[(&str, &str)] = &[
    ("registry/table.rs", "the registry itself"),
    ("registry/mod.rs", "the registry itself"),
    (
        "session/qdefined.rs",
        "the keywords q 4.1 defines as q lambdas: an error inside one shows no caret",
    ),
    (
        "query/kernel/compile.rs",
        "the aggregates the compiled core has kernels for (its own table of what it compiles)",
    ),
    (
        "query/partitioned/select.rs",
        "the aggregates whose per-partition results merge exactly (map-reduce over partitions)",
    ),
    (
        "query/groupwise/mod.rs",
        "the uniform keywords that have group-wise kernels (its own table of what it runs per group)",
    ),
    (
        "query/groupwise/aggregate.rs",
        "the item-by-item keywords whose group-wise items are computed over the whole view",
    ),
    (
        "builtins/dotq.rs",
        "`.Q.res`: q's list of reserved words is a q value",
    ),
    (
        "eval/tree.rs",
        "`parse` shows unary glyphs as the keywords q defines with them",
    ),
    (
        "display.rs",
        "q prints the keywords it defines as unary glyph forms in their k form (`neg` is `-:`)",
    ),
];

/// The string literals of a source line (no escapes beyond `\"`).
fn literals(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find('"') {
        let tail = &rest[i + 1..];
        let Some(j) = tail.find('"') else { break };
        out.push(&tail[..j]);
        rest = &tail[j + 1..];
    }
    out
}

#[test]
fn no_hand_lists_of_q_names() {
    let names: std::collections::HashSet<&str> = BUILTINS
        .iter()
        .filter(|b| {
            b.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.')
                && b.name.len() > 2
        })
        .map(|b| b.name)
        .collect();
    let src = root().join("qengine/src");
    let mut found = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("qengine/src").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(&src)
                .unwrap_or(Path::new(""))
                .to_string_lossy()
                .replace('\\', "/");
            if NAME_LISTS.iter().any(|(f, _)| rel.starts_with(f)) {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            // unit tests (at the end of a file) may pin q's facts by name
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (k, line) in code.lines().enumerate() {
                let hits = literals(line)
                    .into_iter()
                    .filter(|l| names.contains(l))
                    .count();
                if hits >= 3 {
                    found.push(format!("{rel}:{}: {}", k + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "q names listed by hand outside the registry (add a registry field, or allow the file in NAME_LISTS with a reason):\n{}",
        found.join("\n")
    );
}
