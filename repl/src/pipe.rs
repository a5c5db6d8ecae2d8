//! Standard input that is not a terminal: no banner, no prompt. Lines are
//! read one by one and joined while `qparser::is_complete` says a bracket or
//! string is still open; each complete chunk is run and its result printed.

use std::io::{BufRead, Write};

use crate::eventloop::Remote;
use crate::session::{Flow, Origin};

/// Reads standard input to its end (or `\\`). `sep` is the golden-test
/// separator printed after each chunk (`BORF_TEST_SEPARATOR`).
pub fn run(s: &mut Remote, sep: Option<&str>) -> i32 {
    // standard input is locked for each line only: a chunk being run may
    // read the next lines itself (`read0 0`)
    let stdin = std::io::stdin();
    let mut raw = Vec::new();
    let mut pending = String::new();
    loop {
        raw.clear();
        let n = match stdin.lock().read_until(b'\n', &mut raw) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("borf: cannot read standard input: {e}");
                return 1;
            }
        };
        if n == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&raw);
        let line = text.strip_suffix('\n').unwrap_or(&text);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if pending.is_empty() {
            pending.push_str(line);
        } else {
            pending.push('\n');
            pending.push_str(line);
        }
        if !qparser::is_complete(&pending) {
            continue;
        }
        let chunk = std::mem::take(&mut pending);
        if let Some(code) = run_chunk(s, &chunk, sep) {
            return code;
        }
    }
    // Input ended inside an open bracket or string: run what there is (the
    // parser reports it).
    if !pending.is_empty()
        && let Some(code) = run_chunk(s, &pending, sep)
    {
        return code;
    }
    0
}

fn run_chunk(s: &mut Remote, chunk: &str, sep: Option<&str>) -> Option<i32> {
    if let Flow::Exit(code) = s.run(chunk, Origin::Console, true) {
        return Some(code);
    }
    if let Some(sep) = sep {
        // On both streams, so a test harness can split each per chunk.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{sep}");
        let _ = out.flush();
        eprintln!("{sep}");
    }
    None
}
