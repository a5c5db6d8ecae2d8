//! Storage errors: always naming the file (`path: bad magic`).

use std::fmt;
use std::path::Path;

/// A storage failure on one file. The engine turns it into the q error
/// `'path: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The file (or directory) concerned, as given.
    pub path: String,
    /// What is wrong with it: `bad magic`, `truncated`, ...
    pub msg: String,
    /// True when the failure is a type mismatch (the engine signals
    /// `'type`, as q does for an unenumerated symbol column).
    pub is_type: bool,
}

/// Result of storage calls.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error on `path`.
    pub fn new(path: &Path, msg: impl Into<String>) -> Self {
        Error {
            path: path.display().to_string(),
            msg: msg.into(),
            is_type: false,
        }
    }

    /// A type error on `path`.
    pub fn type_(path: &Path, msg: impl Into<String>) -> Self {
        Error {
            is_type: true,
            ..Error::new(path, msg)
        }
    }

    /// An I/O error on `path` (the OS message, lower case as q prints).
    pub fn io(path: &Path, e: &std::io::Error) -> Self {
        let msg = match e.kind() {
            std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
            _ => {
                let s = e.to_string();
                match s.find(" (os error") {
                    Some(i) => s[..i].to_string(),
                    None => s,
                }
            }
        };
        Error::new(path, msg)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.msg)
    }
}

impl std::error::Error for Error {}
