//! `-u` and `-U`: who may log in (password files: plain, MD5 or SHA-1) and
//! what a client (`.z.w` not 0) may not do, as q's command-line reference
//! has it:
//!
//! - `-U file`: the password file; `\x` is disabled (even at the console).
//! - `-u 1`: clients may run no system command (`\cmd`, `system`, `\\`),
//!   nor `exit`, `hdel`, or `hopen` of a file, and their file access stays
//!   inside the process's directory tree (`storage::confine`, which every
//!   file-touching builtin goes through).
//! - `-u file`: both, as `-u 1 -U file`.
//!
//! The console, scripts and the timer (`.z.ts`) are never restricted.

use std::collections::HashMap;

use crate::state::Interp;
use qcore::QError;
use qcore::QResult;

/// What `-u` restricts for clients (`.z.w` not 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Restrict {
    /// `-U file` or no option.
    #[default]
    None,
    /// `-u 1` or `-u file`: no system commands, `exit`, `hdel` or `hopen`
    /// of a file, and no file access outside the directory tree.
    Clients,
}

/// True while a restricted client's request or handler runs.
pub fn restricted(it: &Interp) -> bool {
    it.ipc.current != 0 && it.ipc.restrict == Restrict::Clients
}

/// Signals `'access` when a client (not the console) may not run system
/// commands (`-u`).
pub fn check_system(it: &Interp) -> QResult<()> {
    if restricted(it) {
        return Err(
            QError::new("access").with_detail("system commands are disabled for clients (-u)")
        );
    }
    Ok(())
}

/// Checks a system command (`\cmd` or `system "cmd"`) a client runs: under
/// `-u` none may run.
pub fn check_command(it: &Interp, _cmd: &str) -> QResult<()> {
    check_system(it)
}

/// `\x` is disabled, even at the console, when a password file is set
/// (`-U`, `-u file`).
pub fn check_expunge(it: &Interp) -> QResult<()> {
    if it.ipc.users.is_some() {
        return Err(QError::new("access").with_detail("\\x is disabled by -U/-u file"));
    }
    Ok(())
}

/// Loads a `-u`/`-U` password file: `user:password` per line (the
/// password plain, or its MD5 or SHA-1 hex digest).
pub fn load_users(path: &str) -> Result<HashMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.split_once(':') {
            Some((u, p)) => (u.to_string(), p.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect())
}

/// `\u`: reloads the password file given with `-u`/`-U` (nothing without
/// one).
pub fn reload_users(it: &mut Interp) -> QResult<()> {
    check_system(it)?;
    let Some(path) = it.ipc.users_file.clone() else {
        return Ok(());
    };
    let users = load_users(&path).map_err(|e| QError::new("os").with_detail(e))?;
    it.ipc.users = Some(std::sync::Arc::new(users));
    Ok(())
}

/// The password-file check of a login: true without a file, else when the
/// file has the user and what the client sent matches the stored password.
pub(super) fn password_ok(it: &Interp, user: &str, password: &str) -> bool {
    let Some(users) = &it.ipc.users else {
        return true;
    };
    users
        .get(user)
        .is_some_and(|stored| stored_matches(stored, password))
}

/// A stored password against what a client sent: 32 hex digits are an MD5
/// digest and 40 a SHA-1 digest, compared with the digest of what was sent
/// (so sending the digest itself does not log in); anything else is the
/// password in plain text.
pub(super) fn stored_matches(stored: &str, sent: &str) -> bool {
    let hex = !stored.is_empty() && stored.bytes().all(|b| b.is_ascii_hexdigit());
    let expect = match stored.len() {
        32 if hex => qipc::md5::md5_hex(sent.as_bytes()),
        40 if hex => crate::ops::digest::sha1_digest(sent.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        _ => return same(stored.as_bytes(), sent.as_bytes()),
    };
    same(
        stored.to_ascii_lowercase().as_bytes(),
        expect.to_ascii_lowercase().as_bytes(),
    )
}

/// Equality that takes the same time wherever the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_compare_what_was_sent() {
        // md5 "secret", sha1 "secret"
        let md5 = "5ebe2294ecd0e0f08eab7690d2a6ee69";
        let sha1 = "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4";
        assert!(stored_matches(md5, "secret"));
        assert!(stored_matches(&md5.to_uppercase(), "secret"));
        assert!(!stored_matches(md5, md5));
        assert!(stored_matches(sha1, "secret"));
        assert!(!stored_matches(sha1, sha1));
        assert!(stored_matches("pw", "pw"));
        assert!(!stored_matches("pw", "pw2"));
        assert!(stored_matches("", ""));
    }
}
