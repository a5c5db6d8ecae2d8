//! The interactive console (standard input is a terminal): banner, `q)`
//! prompt, line editing and history with rustyline, multi-line input while
//! brackets or a string are open, completion of keywords and global names.

use std::path::PathBuf;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor, Helper, Highlighter, Hinter};

use qengine::registry::{BUILTINS, Kind};

use crate::eventloop::Remote;
use crate::session::{Flow, Origin};

/// Editor helper: q-aware validation and completion.
#[derive(Helper, Highlighter, Hinter)]
pub struct QHelper {
    /// Keywords and system values, sorted.
    keywords: Vec<&'static str>,
    /// Global names, refreshed before each prompt.
    names: Vec<String>,
}

impl QHelper {
    pub fn new() -> Self {
        let mut keywords: Vec<&'static str> = BUILTINS
            .iter()
            .filter(|b| b.kind != Kind::Operator)
            .map(|b| b.name)
            .collect();
        keywords.sort_unstable();
        keywords.dedup();
        QHelper {
            keywords,
            names: Vec::new(),
        }
    }

    /// Candidates for the word `word`.
    pub fn candidates(&self, word: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .keywords
            .iter()
            .map(|s| s.to_string())
            .chain(self.names.iter().cloned())
            .filter(|c| c.starts_with(word) && c != word)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

impl Default for QHelper {
    fn default() -> Self {
        Self::new()
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Start of the name being typed at byte `pos`.
fn word_start(line: &str, pos: usize) -> usize {
    line[..pos]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_name_char(c))
        .last()
        .map_or(pos, |(i, _)| i)
}

impl Completer for QHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = word_start(line, pos);
        let word = &line[start..pos];
        if word.is_empty() {
            return Ok((pos, Vec::new()));
        }
        let pairs = self
            .candidates(word)
            .into_iter()
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Validator for QHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        if qparser::is_complete(ctx.input()) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

/// The history file: `$BORF_HISTORY`, else `~/.borf_history`.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BORF_HISTORY") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".borf_history"))
}

/// Global names visible for completion: the root namespace, the current
/// namespace, and the namespace named by a dotted word being typed.
pub fn names_for_completion(it: &qengine::Interp) -> Vec<String> {
    let s = it;
    let mut names: Vec<String> = s
        .names_in(".")
        .into_iter()
        .map(|n| n.as_str().to_string())
        .collect();
    let ns = s.namespace.as_str();
    if ns != "." {
        names.extend(s.names_in(ns).into_iter().map(|n| {
            let t = n.as_str();
            t.rsplit_once('.').map_or(t, |(_, b)| b).to_string()
        }));
        names.extend(s.names_in(ns).into_iter().map(|n| n.as_str().to_string()));
    }
    names
}

/// Runs the interactive console until `\\`, `exit` or Ctrl-D.
pub fn run(s: &mut Remote, quiet: bool) -> i32 {
    if !quiet {
        println!(
            "borf {} \u{2014} BorF (q) console. \\\\ to exit",
            env!("CARGO_PKG_VERSION")
        );
    }
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .max_history_size(10_000)
        .map(|b| b.build())
        .unwrap_or_default();
    let mut rl: Editor<QHelper, FileHistory> = match Editor::with_config(config) {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("borf: cannot start the line editor ({e}); reading plain lines");
            return crate::pipe::run(s, None);
        }
    };
    rl.set_helper(Some(QHelper::new()));
    let hist = history_path();
    if let Some(h) = &hist {
        let _ = rl.load_history(h);
    }
    loop {
        if let Some(h) = rl.helper_mut() {
            h.names = s.names();
        }
        // one more `)` per suspended evaluation (the `q))` debugger)
        let prompt = format!("q){}", ")".repeat(s.level));
        match rl.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = rl.add_history_entry(line.as_str());
                    if let Some(h) = &hist {
                        let _ = rl.append_history(h);
                    }
                }
                if let Flow::Exit(c) = s.run(&line, Origin::Console, true) {
                    break c;
                }
            }
            // Ctrl-C: drop the line being edited, prompt again.
            Err(ReadlineError::Interrupted) => continue,
            // Ctrl-D on an empty line.
            Err(ReadlineError::Eof) => break 0,
            Err(e) => {
                eprintln!("borf: console read failed: {e}");
                break 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_keywords_and_names() {
        let mut h = QHelper::new();
        h.names = vec!["tally".into(), "total".into()];
        let c = h.candidates("ti");
        assert!(c.contains(&"til".to_string()));
        let c = h.candidates("t");
        assert!(c.contains(&"tally".to_string()) && c.contains(&"til".to_string()));
        assert!(h.candidates("zzz").is_empty());
    }

    #[test]
    fn word_boundaries() {
        assert_eq!(word_start("1+ti", 4), 2);
        assert_eq!(word_start("f .z.p", 6), 2);
        assert_eq!(word_start("x ", 2), 2);
    }
}
