//! `docs/KEYWORDS.md` is generated from the builtin registry plus the
//! hand-kept list in `qengine/src/builtins/keywords.rs`. This test rebuilds
//! the text and fails when the file differs; `UPDATE_KEYWORDS=1` rewrites
//! it (as `UPDATE_GOLDEN` does for the golden files). It also checks that
//! every name listed as not done signals `'nyi` naming itself.

use std::collections::BTreeSet;
use std::path::PathBuf;

use qengine::registry::keywords::{ENTRIES, Status};
use qengine::registry::{BUILTINS, Kind};

const ITERATORS: &[&str] = &["'", "/", "\\", "':", "/:", "\\:"];
const FAMILIES: &[&str] = &[
    "operator",
    "iterator",
    "control",
    "keyword",
    ".z",
    ".Q",
    "system command",
];

struct Row {
    name: String,
    family: &'static str,
    status: String,
    later_tag: Option<&'static str>,
    doc: String,
}

fn family_of(name: &str, kind: Kind) -> &'static str {
    if ITERATORS.contains(&name) {
        "iterator"
    } else if kind == Kind::Operator {
        "operator"
    } else if name.starts_with(".z.") {
        ".z"
    } else if name.starts_with(".Q.") {
        ".Q"
    } else {
        "keyword"
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn rows() -> (Vec<Row>, Vec<&'static str>) {
    // A registry row whose doc starts with "nyi:" only holds a place (the
    // operator table's order is frozen); the hand-kept entry says its status.
    let registry: BTreeSet<&str> = BUILTINS
        .iter()
        .filter(|b| !b.doc.starts_with("nyi:"))
        .map(|b| b.name)
        .collect();
    let mut out = Vec::new();
    for b in BUILTINS.iter().filter(|b| !b.doc.starts_with("nyi:")) {
        out.push(Row {
            name: b.name.to_string(),
            family: family_of(b.name, b.kind),
            status: "done".to_string(),
            later_tag: None,
            doc: b.doc.to_string(),
        });
    }
    let mut stale = Vec::new();
    for e in ENTRIES {
        if registry.contains(e.name) {
            if e.status != Status::Done {
                stale.push(e.name);
            }
            continue;
        }
        let (status, later_tag) = match e.status {
            Status::Done => ("done".to_string(), None),
            Status::Later(t) => (format!("later: {t}"), Some(t)),
            Status::Refused(w) => (format!("refused: {w}"), None),
        };
        out.push(Row {
            name: e.name.to_string(),
            family: e.family,
            status,
            later_tag,
            doc: e.doc.to_string(),
        });
    }
    out.sort_by(|a, b| {
        let fa = FAMILIES.iter().position(|f| *f == a.family).unwrap_or(99);
        let fb = FAMILIES.iter().position(|f| *f == b.family).unwrap_or(99);
        fa.cmp(&fb)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.name.cmp(&b.name))
    });
    (out, stale)
}

fn render(rows: &[Row]) -> String {
    let excluded = |r: &Row| matches!(r.later_tag, Some("storage" | "IPC" | "qSQL"));
    let total = rows.len();
    let done = rows.iter().filter(|r| r.status == "done").count();
    let core: Vec<&Row> = rows.iter().filter(|r| !excluded(r)).collect();
    let core_done = core.iter().filter(|r| r.status == "done").count();
    let mut s = String::new();
    s.push_str("# q keywords, operators and system names in borf\n\n");
    s.push_str(
        "Generated from the builtin registry (`qengine/src/builtins/registry.rs`) and the \
         hand-kept list in `qengine/src/builtins/keywords.rs` by \
         `cargo test -p qengine --test keywords_doc`; run it with `UPDATE_KEYWORDS=1` to \
         rewrite this file. Do not edit by hand.\n\n",
    );
    s.push_str(
        "Every name below that is not done signals `'nyi` naming itself when used, so a q \
         user never meets `'name` for a real q name.\n\n",
    );
    s.push_str(&format!(
        "Done: {done} of {total}. Excluding storage, IPC and qSQL names: {core_done} of {} \
         ({}%).\n\n",
        core.len(),
        (core_done * 100).checked_div(core.len()).unwrap_or(0)
    ));
    s.push_str("| name | family | status | doc |\n|---|---|---|---|\n");
    for r in rows {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            cell(&r.name),
            r.family,
            cell(&r.status),
            cell(&r.doc)
        ));
    }
    s
}

#[test]
fn keywords_doc_is_current() {
    let (rows, stale) = rows();
    if !stale.is_empty() {
        eprintln!(
            "note: these names are in the registry now; delete their entries from \
             qengine/src/builtins/keywords.rs: {stale:?}"
        );
    }
    let text = render(&rows);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/KEYWORDS.md");
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
fn later_names_signal_nyi() {
    let registry: BTreeSet<&str> = BUILTINS.iter().map(|b| b.name).collect();
    for e in ENTRIES {
        if registry.contains(e.name) || e.status == Status::Done {
            continue;
        }
        let n = e.name;
        let plain = n.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
        // qSQL statement words are syntax, not names: alone they do not parse.
        let syntax = matches!(n, "select" | "exec" | "update" | "delete");
        if !plain || syntax {
            continue;
        }
        let mut it = qengine::Interp::new();
        match it.eval_text(n) {
            Err(err) => assert_eq!(err.name, "nyi", "{n} should signal 'nyi"),
            Ok(_) => panic!("{n} is listed as not done but evaluates"),
        }
    }
}
