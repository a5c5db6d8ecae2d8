//! The `borf` binary (placeholder: pipe mode only until the console lands).

use std::io::{BufRead, Write};

fn main() {
    let mut it = qengine::Interp::new();
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        match it.run_line(&line) {
            Ok(qengine::Outcome::Value(v)) => {
                let _ = writeln!(out, "{}", it.display(&v));
            }
            Ok(qengine::Outcome::Text(t)) => {
                let _ = writeln!(out, "{t}");
            }
            Ok(qengine::Outcome::Exit(c)) => std::process::exit(c),
            Ok(qengine::Outcome::Silent) => {}
            Err(e) => {
                let _ = writeln!(out, "'{}", e.name);
            }
        }
    }
}
