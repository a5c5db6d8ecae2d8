//! The compiled-expression core against the interpreter: every golden file
//! (in particular every qSQL case: select, qsql, partitioned, table, joins)
//! is run once with `BORF_COMPILE=0` and once with `BORF_COMPILE=1`, and the
//! console output of every case must be identical. (`tests/golden.rs`
//! checks the compiled run against the expected outputs.) A third run,
//! compiled, with every parallel kernel split however small its input
//! (`BORF_PAR_ROWS=2`, `BORF_PAR_MIN_ROWS=4096`), must agree too.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const SEP: &str = "\u{1}borf-compiled-separator\u{1}";

fn inputs(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.strip_prefix("q)").map(str::to_string))
        .collect()
}

fn run(inputs: &[String], compile: &str) -> Vec<String> {
    run_with(inputs, compile, &[])
}

/// [`run`] with extra environment variables.
fn run_with(inputs: &[String], compile: &str, env: &[(&str, &str)]) -> Vec<String> {
    let mut stdin_text = String::from("\\c 25 80\n");
    for i in inputs {
        stdin_text.push_str(i);
        stdin_text.push('\n');
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .env("BORF_TEST_SEPARATOR", SEP)
        .env("BORF_COMPILE", compile)
        .env_remove("BORF_HISTORY")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn borf");
    if let Some(mut s) = child.stdin.take() {
        let _ = s.write_all(stdin_text.as_bytes());
    }
    let out = child.wait_with_output().expect("borf output");
    String::from_utf8_lossy(&out.stdout)
        .split(SEP)
        .map(str::to_string)
        .collect()
}

#[test]
fn compiled_and_interpreted_agree_on_every_golden_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "qt"))
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for must in [
        "select.qt",
        "qsql.qt",
        "partitioned.qt",
        "table.qt",
        "joins.qt",
    ] {
        assert!(names.iter().any(|n| n == must), "missing {must}");
    }
    let mut bad = Vec::new();
    for p in &files {
        let ins = inputs(p);
        let a = run(&ins, "0");
        let b = run(&ins, "1");
        // every kernel split across threads however small its input
        // (`ops::par`, the compiled core's ranges): the same output again
        let c = run_with(
            &ins,
            "1",
            &[("BORF_PAR_ROWS", "2"), ("BORF_PAR_MIN_ROWS", "4096")],
        );
        if a != c {
            let k = a.iter().zip(&c).position(|(x, y)| x != y).unwrap_or(0);
            let case = k.checked_sub(1).and_then(|k| ins.get(k));
            bad.push(format!(
                "{} (split): case {:?}\n interpreted: {:?}\n split:       {:?}",
                p.display(),
                case,
                a.get(k),
                c.get(k)
            ));
        }
        if a != b {
            let k = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(0);
            let case = k.checked_sub(1).and_then(|k| ins.get(k));
            bad.push(format!(
                "{}: case {:?}\n interpreted: {:?}\n compiled:    {:?}",
                p.display(),
                case,
                a.get(k),
                b.get(k)
            ));
        }
    }
    assert!(bad.is_empty(), "compiled path differs:\n{}", bad.join("\n"));
}
