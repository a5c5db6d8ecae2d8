//! The keywords q defines in q itself (its `q.k`), whose errors q shows
//! without a caret: the error display's own list.

/// Keywords q 4.1 defines as q lambdas (in its `q.k`) rather than as
/// primitives: an error inside one shows no caret.
const Q_DEFINED: &[&str] = &[
    "aj", "aj0", "ajf", "ajf0", "asof", "cols", "cross", "ij", "ijf", "inter", "lj", "ljf", "pj",
    "rotate", "ssr", "sublist", "uj", "ujf", "ungroup", "union", "wj", "wj1", "xasc", "xcol",
    "xcols", "xdesc", "xgroup", "xkey",
];

/// Whether the error's location is the name of a keyword in [`Q_DEFINED`].
pub(crate) fn in_q_defined(loc: &qcore::Location) -> bool {
    let src: &str = &loc.source;
    let Some(rest) = src.get(loc.span.start..) else {
        return false;
    };
    if src[..loc.span.start].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return false;
    }
    let n = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Q_DEFINED.contains(&&rest[..n])
}
