//! Interned symbols.
//!
//! Every distinct symbol text is stored once for the life of the process (q
//! never frees symbols either) and named by a `u32`, so symbol equality,
//! hashing, grouping and joins are integer work. Ordering compares the text.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::{OnceLock, RwLock};

/// An interned symbol. `Sym::EMPTY` is the null symbol `` ` ``.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(transparent)]
pub struct Sym(pub u32);

struct Interner {
    by_text: HashMap<&'static str, u32>,
    texts: Vec<&'static str>,
}

fn interner() -> &'static RwLock<Interner> {
    static I: OnceLock<RwLock<Interner>> = OnceLock::new();
    I.get_or_init(|| {
        let mut by_text = HashMap::new();
        by_text.insert("", 0);
        RwLock::new(Interner {
            by_text,
            texts: vec![""],
        })
    })
}

impl Sym {
    /// The null symbol `` ` ``.
    pub const EMPTY: Sym = Sym(0);

    /// Interns `text`.
    pub fn new(text: &str) -> Sym {
        {
            let r = interner().read().unwrap_or_else(|e| e.into_inner());
            if let Some(&i) = r.by_text.get(text) {
                return Sym(i);
            }
        }
        let mut w = interner().write().unwrap_or_else(|e| e.into_inner());
        if let Some(&i) = w.by_text.get(text) {
            return Sym(i);
        }
        let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
        let i = w.texts.len() as u32;
        w.texts.push(leaked);
        w.by_text.insert(leaked, i);
        Sym(i)
    }

    /// The symbol's text.
    pub fn as_str(self) -> &'static str {
        let r = interner().read().unwrap_or_else(|e| e.into_inner());
        r.texts.get(self.0 as usize).copied().unwrap_or("")
    }

    /// True for the null symbol.
    pub fn is_null(self) -> bool {
        self.0 == 0
    }

    /// Compares by text, as q orders symbols.
    pub fn cmp_text(self, other: Sym) -> Ordering {
        if self == other {
            Ordering::Equal
        } else {
            self.as_str().cmp(other.as_str())
        }
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}", self.as_str())
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Number of interned symbols and the bytes of their text (`.Q.w`, `\\w 0`).
pub fn stats() -> (usize, usize) {
    match interner().read() {
        Ok(i) => (i.texts.len(), i.texts.iter().map(|t| t.len() + 1).sum()),
        Err(_) => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable() {
        let a = Sym::new("abc");
        assert_eq!(a, Sym::new("abc"));
        assert_ne!(a, Sym::new("abd"));
        assert_eq!(a.as_str(), "abc");
        assert_eq!(Sym::new(""), Sym::EMPTY);
        assert_eq!(Sym::new("b").cmp_text(Sym::new("a")), Ordering::Greater);
    }
}
