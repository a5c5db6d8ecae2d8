//! `-u` and `-U`: who may log in (password files, plain or MD5) and what
//! a client (`.z.w` not 0) may not do. The console is never restricted.

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
    /// `-u file`: no file access outside the startup directory.
    Files,
    /// `-u 1`: that, and no system commands.
    FilesAndSystem,
}

/// Signals `'access` when a client (not the console) may not run system
/// commands (`-u 1`).
pub fn check_system(it: &Interp) -> QResult<()> {
    if it.ipc.current != 0 && it.ipc.restrict == Restrict::FilesAndSystem {
        return Err(
            QError::new("access").with_detail("system commands are disabled for clients (-u 1)")
        );
    }
    Ok(())
}

/// Signals `'access` when a client (not the console) names a file outside
/// the startup directory under `-u`: an absolute path or one with `..`.
pub fn check_file(it: &Interp, path: &str) -> QResult<()> {
    if it.ipc.current == 0 || it.ipc.restrict == Restrict::None {
        return Ok(());
    }
    let p = std::path::Path::new(path.strip_prefix(':').unwrap_or(path));
    let outside = p.is_absolute()
        || p.components().any(|c| {
            matches!(
                c,
                std::path::Component::ParentDir | std::path::Component::Prefix(_)
            )
        })
        || path.starts_with('~');
    if outside {
        return Err(QError::new("access")
            .with_detail(format!("{path}: outside the startup directory (-u)")));
    }
    Ok(())
}

/// Checks a system command (`\cmd` or `system "cmd"`) a client runs:
/// `-u 1` refuses all; `-u file` refuses `\cd`, shell commands and `\l`
/// of a file outside the startup directory.
pub fn check_command(it: &Interp, cmd: &str) -> QResult<()> {
    check_system(it)?;
    if it.ipc.current == 0 || it.ipc.restrict == Restrict::None {
        return Ok(());
    }
    let mut words = cmd.split_whitespace();
    let name = words.next().unwrap_or("");
    match name {
        "cd" => Err(QError::new("access").with_detail("\\cd is disabled for clients (-u)")),
        "l" | "d" | "a" | "f" | "v" | "b" | "B" | "p" | "P" | "c" | "C" | "t" | "ts" | "w"
        | "e" | "g" | "o" | "S" | "T" | "z" | "W" | "_" | "x" | "1" | "2" => {
            if name == "l" {
                for w in words {
                    check_file(it, w)?;
                }
            }
            Ok(())
        }
        // anything else goes to the shell
        _ => Err(QError::new("access").with_detail("shell commands are disabled for clients (-u)")),
    }
}

/// Loads a `-u`/`-U` password file: `user:password` per line (password
/// plain or its md5 hex digest).
pub fn load_users(path: &str) -> Result<HashMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(':') {
            Some((u, p)) => (u.to_string(), p.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect())
}

/// The password-file check of a login: true without a file, else when the
/// file has the user with this password, plain or as its MD5 hex digest.
pub(super) fn password_ok(it: &Interp, user: &str, password: &str) -> bool {
    let Some(users) = &it.ipc.users else {
        return true;
    };
    matches!(users.get(user), Some(p) if p == password
        || p.eq_ignore_ascii_case(&qipc::md5::md5_hex(password.as_bytes())))
}
