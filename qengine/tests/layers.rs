//! The import graph points one way. Crates: `qcore` depends on no borf
//! crate; `qparser` and `qipc` on `qcore` only; `qstorage` on none;
//! `qarrow` on `qcore` only; `qengine` on those five (`qarrow` behind its
//! `arrow` feature); `repl` on `qengine` and below. Inside
//! `qengine`, each module belongs to a layer and may name (by `use` or by
//! path) only modules of its own layer or below:
//!
//! | layer | modules |
//! |---|---|
//! | 0 kernels | `ops/` |
//! | 1 below the interpreter | `display.rs`, `storage/`, `ipc/mod.rs` (the connection table) |
//! | 2 interpreter state | `state.rs` |
//! | 3 the q library | `registry/`, `builtins/`, `query/`, `ipc/` (server, client, codec) |
//! | 4 evaluator | `eval/` |
//! | 5 session | `session/`, `alloc.rs`, `lib.rs` |
//!
//! The library reaches the evaluator only through `Interp`'s `Evaluator`
//! methods, so it may not call the evaluator's own methods either.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The layer of a module path under `qengine/src` (`ops/arith.rs`,
/// `ipc/mod.rs`), or of a `crate::` path's first segments.
fn layer(rel: &str) -> Option<u8> {
    let l = match rel {
        r if r.starts_with("ops") => 0,
        "display" | "display.rs" => 1,
        r if r.starts_with("storage") => 1,
        "ipc" | "ipc/mod.rs" => 1,
        "state" | "state.rs" => 2,
        r if r.starts_with("registry") || r.starts_with("builtins") || r.starts_with("query") => 3,
        r if r.starts_with("ipc") => 3,
        r if r.starts_with("eval") => 4,
        r if r.starts_with("session") => 5,
        "alloc" | "alloc.rs" | "lib.rs" | "testutil" => 5,
        _ => return None,
    };
    Some(l)
}

/// The layer a `crate::a::b::...` path names: `crate::ipc::X` where `X` is
/// a submodule is the library's ipc, anything else in `ipc` its table.
fn target_layer(path: &str) -> Option<u8> {
    let segs: Vec<&str> = path.split("::").skip(1).collect();
    let first = *segs.first()?;
    if first == "ipc" {
        let sub = segs.get(1).copied().unwrap_or("");
        let is_submodule = [
            "server",
            "client",
            "codec",
            "transport",
            "access",
            "journal",
            "peach",
        ]
        .contains(&sub);
        return Some(if is_submodule { 3 } else { 1 });
    }
    layer(first)
}

/// Source text without comments (line comments and doc comments).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            // a `//` inside a string literal is rare enough in these paths;
            // keep the part before it
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn qengine_modules_import_only_their_layer_and_below() {
    let src = root().join("qengine/src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let mut bad = Vec::new();
    for p in files {
        let rel = p
            .strip_prefix(&src)
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('\\', "/");
        let Some(mine) = layer(&rel) else {
            bad.push(format!("{rel}: in no layer (add it to tests/layers.rs)"));
            continue;
        };
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let text = code(&text);
        // the unit tests at the end of a file may build an interpreter
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for (k, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(i) = rest.find("crate::") {
                let tail = &rest[i..];
                let end = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(tail.len());
                let path = &tail[..end];
                if let Some(t) = target_layer(path)
                    && t > mine
                {
                    bad.push(format!(
                        "{rel}:{}: layer {mine} names {path} (layer {t})",
                        k + 1
                    ));
                }
                rest = &tail[end.max(1)..];
            }
            if mine <= 3 && (line.contains(".eval_node(") || line.contains(".run_line(")) {
                bad.push(format!(
                    "{rel}:{}: the library calls the evaluator directly",
                    k + 1
                ));
            }
        }
    }
    assert!(bad.is_empty(), "layering violations:\n{}", bad.join("\n"));
}

/// The borf crates a crate's Cargo.toml depends on (normal dependencies).
fn borf_deps(krate: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(krate).join("Cargo.toml")).expect("Cargo.toml");
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_deps = l == "[dependencies]";
            continue;
        }
        if in_deps && let Some((name, _)) = l.split_once('=') {
            let name = name.trim();
            if ["qcore", "qparser", "qstorage", "qipc", "qengine", "qarrow"].contains(&name) {
                deps.push(name.to_string());
            }
        }
    }
    deps.sort();
    deps
}

#[test]
fn crates_depend_one_way() {
    assert_eq!(borf_deps("qcore"), Vec::<String>::new());
    assert_eq!(borf_deps("qstorage"), Vec::<String>::new());
    assert_eq!(borf_deps("qparser"), vec!["qcore"]);
    assert_eq!(borf_deps("qipc"), vec!["qcore"]);
    for d in borf_deps("qengine") {
        assert!(
            ["qcore", "qparser", "qstorage", "qipc", "qarrow"].contains(&d.as_str()),
            "qengine depends on {d}"
        );
    }
    // the Arrow bridge knows the value model only
    assert_eq!(borf_deps("qarrow"), vec!["qcore"]);
}
