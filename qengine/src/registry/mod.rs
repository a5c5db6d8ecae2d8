//! The registry: every q name borf knows, once ([`BUILTINS`] in
//! `table.rs`), and the `-n!` internal functions ([`INTERNALS`]).
//!
//! **This is the one place a builtin is found by its q name.** A row says
//! what kind of name it is, its q reference category, the functions that
//! implement its monadic, dyadic and n-ary forms (in `builtins/`), whether
//! it is used infix (`x xbar y`; the parser's list of infix keywords is
//! checked against these rows), the fast paths its `/` and `\` take, its
//! status (done, coming with an issue, or refused and why) and a one-line
//! doc. `docs/KEYWORDS.md` is generated from the rows (and the session's
//! system commands) by `qengine/tests/keywords_doc.rs`.
//!
//! To add a builtin: write its function in its category file under
//! `builtins/` and add one row to `table.rs`. A function that needs no
//! interpreter state is pure (`fn(Value) -> QResult<Value>`, wrapped `P1`
//! or `P2`); one that does takes `&mut Interp` (`S1`, `S2`, n-ary forms).
//!
//! The glyph operators come first in a frozen order: kdb+ IPC sends
//! primitives by index, so their positions are part of the wire format.

mod table;

pub use table::BUILTINS;

use std::collections::HashMap;
use std::sync::OnceLock;

use qcore::Func;
use qcore::Prim;
use qcore::QError;
use qcore::QResult;
use qcore::Value;

use crate::state::Interp;

// Every form's `call` settles its result with the stop signals
// (`qcore::budget::settle`): a kernel that gave up on Ctrl-C, the `\T`
// deadline or the memory budget returns early, and its partial result is
// replaced by the error here, before anything can use it.

// Enumerated atoms (type -20, `qcore::EnumAtom`) reach only the forms
// marked as telling them from symbols (`PureEnum`, `StateEnum`: `type`,
// `~`, `,`, `key`, `value`, `$`, `null`, `enlist`); every other form is
// given such an argument as its symbol (`Value::plain_atom`), so symbol
// kernels never see one. This is the one place they are resolved.

/// A monadic form: pure, or reading/changing interpreter state.
#[derive(Clone, Copy)]
pub enum Monad {
    /// Depends on its argument only.
    Pure(fn(Value) -> QResult<Value>),
    /// Uses the interpreter (globals, settings, evaluation, I/O).
    State(fn(&mut Interp, Value) -> QResult<Value>),
    /// `Pure`, and given an enumerated atom as it is.
    PureEnum(fn(Value) -> QResult<Value>),
    /// `State`, and given an enumerated atom as it is.
    StateEnum(fn(&mut Interp, Value) -> QResult<Value>),
}

/// A dyadic form: pure, or reading/changing interpreter state.
#[derive(Clone, Copy, Debug)]
pub enum Dyad {
    /// Depends on its arguments only.
    Pure(fn(Value, Value) -> QResult<Value>),
    /// Uses the interpreter.
    State(fn(&mut Interp, Value, Value) -> QResult<Value>),
    /// `Pure`, and given enumerated atoms as they are.
    PureEnum(fn(Value, Value) -> QResult<Value>),
    /// `State`, and given enumerated atoms as they are.
    StateEnum(fn(&mut Interp, Value, Value) -> QResult<Value>),
}

pub(crate) use Dyad::{Pure as P2, PureEnum as P2E, State as S2, StateEnum as S2E};
pub(crate) use Monad::{Pure as P1, PureEnum as P1E, State as S1, StateEnum as S1E};
pub(crate) use Nary::{Pure as PN, State as SN};

impl Monad {
    /// Applies the form.
    #[inline]
    pub fn call(self, it: &mut Interp, x: Value) -> QResult<Value> {
        qcore::budget::settle(match self {
            Monad::Pure(f) => f(x.plain_atom()),
            Monad::State(f) => f(it, x.plain_atom()),
            Monad::PureEnum(f) => f(x),
            Monad::StateEnum(f) => f(it, x),
        })
    }
}

impl Dyad {
    /// Applies the form.
    #[inline]
    pub fn call(self, it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
        qcore::budget::settle(match self {
            Dyad::Pure(f) => f(x.plain_atom(), y.plain_atom()),
            Dyad::State(f) => f(it, x.plain_atom(), y.plain_atom()),
            Dyad::PureEnum(f) => f(x, y),
            Dyad::StateEnum(f) => f(it, x, y),
        })
    }
}

/// A form taking three or more arguments (or a variable number): pure,
/// or using the interpreter.
#[derive(Clone, Copy)]
pub enum Nary {
    /// Depends on its arguments only.
    Pure(fn(Vec<Value>) -> QResult<Value>),
    /// Uses the interpreter.
    State(fn(&mut Interp, Vec<Value>) -> QResult<Value>),
}

impl Nary {
    /// Applies the form.
    #[inline]
    pub fn call(self, it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
        let args = args.into_iter().map(Value::plain_atom).collect();
        qcore::budget::settle(match self {
            Nary::Pure(f) => f(args),
            Nary::State(f) => f(it, args),
        })
    }
}

/// What kind of name a row is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// A glyph operator (`+`, `#`, ...): infix, `op[x]` projects.
    Operator,
    /// A named keyword (`til`, `xbar`, ...), or an iterator glyph as a
    /// value (`'`, `/`, ... in parse trees).
    Keyword,
    /// A system value read when referenced (`.z.p`), not a function.
    SystemValue,
    /// A `.z` handler the user sets and borf calls (`.z.pg`, `.z.ts`).
    Callback,
    /// A global q defines itself, e.g. when a database is loaded (`.Q.pf`,
    /// `.Q.pv`): an ordinary variable, listed for the reference card.
    Global,
    /// A control word or operator form handled by the parser and the
    /// evaluator (`if`, `$[c;t;f]`, `'` signal): listed for the reference
    /// card, nothing to apply.
    Syntax,
}

/// Whether a name is built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// Built.
    Done,
    /// Not yet: the number of the issue that brings it. Referencing the
    /// name signals `'nyi` naming it.
    Later(u32),
    /// Not planned, and why. Referencing it signals `'nyi`.
    Refused(&'static str),
}

/// One row: a q name and what borf does with it.
pub struct Builtin {
    /// The q name (`+`, `til`, `.Q.fmt`, `if`).
    pub name: &'static str,
    /// What kind of name it is.
    pub kind: Kind,
    /// Its category in q's reference (`list`, `math`, `.Q`, ...).
    pub category: &'static str,
    /// The monadic form.
    pub monad: Option<Monad>,
    /// The dyadic form.
    pub dyad: Option<Dyad>,
    /// The form of three or more arguments.
    pub nary: Option<Nary>,
    /// The number of arguments the n-ary form takes (a keyword given fewer
    /// is projected, as q projects its functions); 0 for the glyph
    /// operators, whose n-ary forms take several ranks (`@[x;i;f]`,
    /// `@[x;i;f;y]`).
    pub rank: u8,
    /// Used infix: `x name y` (keywords; operators always are).
    pub infix: bool,
    /// `f/` on a vector without a seed, when it has a faster kernel
    /// (`+/` is `sum`).
    pub over: Option<Monad>,
    /// `f\` on a vector without a seed, when it has a faster kernel
    /// (`+\` is `sums`).
    pub scan: Option<Monad>,
    /// The indexes kdb+ IPC sends this builtin by, besides a glyph
    /// operator's own position (`count` is unary 13, `#:`).
    pub wire: &'static [Wire],
    /// Its part in a prefix of a sort (`n#idesc x`), which compiles to one
    /// node that finds only the first `n` (`eval::Node::Prefix`).
    pub prefix: Option<Prefix>,
    /// Built, coming, or refused.
    pub status: Status,
    /// One line for `docs/KEYWORDS.md`.
    pub doc: &'static str,
}

/// The parts of a prefix of a sort: `take` (`#`, `sublist`) applied to a
/// grade (`iasc`, `idesc`) or a sort by columns (`xdesc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// `n#y`: wraps past the count.
    Take,
    /// `n sublist y`: stops at the count.
    Sublist,
    /// A grade of a vector.
    Grade { desc: bool },
    /// A table sorted by columns.
    ByColumns { desc: bool },
}

const EMPTY: Builtin = Builtin {
    name: "",
    kind: Kind::Keyword,
    category: "",
    monad: None,
    dyad: None,
    nary: None,
    rank: 0,
    infix: false,
    over: None,
    scan: None,
    wire: &[],
    prefix: None,
    status: Status::Done,
    doc: "",
};

/// One kdb+ IPC primitive index of a builtin: type 101 (unary), 102
/// (binary) or 103 (iterator), its index, and which way it is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wire {
    /// `qipc::codec::UNARY`, `BINARY` or `ITERATOR`.
    pub ty: u8,
    /// The index within that type.
    pub index: u8,
    /// Sent, received, or both.
    pub dir: WireDir,
}

/// Which way a [`Wire`] index is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireDir {
    /// Sent as this index, and this index is received as this builtin.
    Both,
    /// Sent as this index: q binds the name to the primitive another row
    /// receives (`get` is `value`).
    Send,
    /// Received only: the primitive has no builtin of its own in borf and
    /// this one does its work (`,:` is `enlist` of one argument).
    Receive,
}

pub(crate) use WireDir::{Both, Receive, Send};

/// A wire index of a row.
const fn wire(ty: u8, index: u8, dir: WireDir) -> Wire {
    Wire { ty, index, dir }
}

/// A glyph operator.
const fn op(
    name: &'static str,
    m: Monad,
    d: Dyad,
    nary: Option<Nary>,
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        kind: Kind::Operator,
        category: "operator",
        monad: Some(m),
        dyad: Some(d),
        nary,
        infix: true,
        doc,
        ..EMPTY
    }
}

/// A keyword with a monadic form.
const fn kw1(name: &'static str, category: &'static str, m: Monad, doc: &'static str) -> Builtin {
    Builtin {
        name,
        category,
        monad: Some(m),
        doc,
        ..EMPTY
    }
}

/// A keyword with a dyadic form; `infix` when q writes it `x name y`.
const fn kw2(
    name: &'static str,
    category: &'static str,
    infix: bool,
    d: Dyad,
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        category,
        dyad: Some(d),
        infix,
        doc,
        ..EMPTY
    }
}

/// A keyword taking `rank` (three or more) arguments.
const fn kwn(
    name: &'static str,
    category: &'static str,
    rank: u8,
    n: Nary,
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        category,
        nary: Some(n),
        rank,
        doc,
        ..EMPTY
    }
}

/// A system value, read each time it is referenced.
const fn sysval(
    name: &'static str,
    category: &'static str,
    m: Monad,
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        kind: Kind::SystemValue,
        category,
        monad: Some(m),
        doc,
        ..EMPTY
    }
}

/// A control word or operator form (parser and evaluator).
const fn syntax(name: &'static str, category: &'static str, doc: &'static str) -> Builtin {
    Builtin {
        name,
        kind: Kind::Syntax,
        category,
        doc,
        ..EMPTY
    }
}

/// A `.z` callback.
const fn callback(name: &'static str, status: Status, doc: &'static str) -> Builtin {
    Builtin {
        name,
        kind: Kind::Callback,
        category: ".z",
        status,
        doc,
        ..EMPTY
    }
}

/// A global q defines itself (when a database is loaded).
const fn global(name: &'static str, category: &'static str, doc: &'static str) -> Builtin {
    Builtin {
        name,
        kind: Kind::Global,
        category,
        doc,
        ..EMPTY
    }
}

/// A q name borf does not plan to build, and why.
const fn refused(
    name: &'static str,
    category: &'static str,
    why: &'static str,
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        category,
        status: Status::Refused(why),
        doc,
        ..EMPTY
    }
}

/// Whether a name resolves to this row: a built keyword or system value,
/// or any glyph operator (a refused operator keeps its place in the wire
/// order, and its forms signal `'nyi`).
fn resolvable(b: &Builtin) -> bool {
    b.kind == Kind::Operator
        || (b.status == Status::Done && matches!(b.kind, Kind::Keyword | Kind::SystemValue))
}

/// Rows a name can be applied or read through (built operators, keywords
/// and system values), by name.
fn index() -> &'static HashMap<&'static str, u16> {
    static I: OnceLock<HashMap<&'static str, u16>> = OnceLock::new();
    I.get_or_init(|| {
        let mut m = HashMap::new();
        for (i, b) in BUILTINS.iter().enumerate() {
            if resolvable(b) {
                m.entry(b.name).or_insert(i as u16);
            }
        }
        m
    })
}

/// The registry index of the built operator, keyword or system value
/// named `name`. A q keyword is also reachable by its full name in the
/// `.q` namespace (`.q.neg`), where q defines it.
pub fn lookup(name: &str) -> Option<u16> {
    if let Some(k) = name.strip_prefix(".q.") {
        return index()
            .get(k)
            .copied()
            .filter(|&i| in_dot_q(&BUILTINS[i as usize]));
    }
    index().get(name).copied()
}

/// Whether a row is a keyword q defines in its `.q` namespace: a named,
/// built keyword outside every other namespace.
fn in_dot_q(b: &Builtin) -> bool {
    b.kind == Kind::Keyword
        && b.status == Status::Done
        && !b.name.starts_with('.')
        && b.name.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// The builtins defined directly in namespace `ns` (`.q`, `.Q`, `.h`, `.j`
/// …) as (name within it, value), sorted by name: the functions of built
/// keywords. `.z`'s system values are read when referenced, not listed.
pub fn namespace_members(ns: &str) -> Vec<(&'static str, Value)> {
    let mut out: Vec<(&'static str, Value)> = BUILTINS
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let within = if ns == ".q" {
                in_dot_q(b).then_some(b.name)?
            } else {
                let r = b.name.strip_prefix(ns)?.strip_prefix('.')?;
                (b.kind == Kind::Keyword && b.status == Status::Done && !r.contains('.'))
                    .then_some(r)?
            };
            Some((within, func(i as u16)))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    if ns == ".q" {
        // q's own `.q` begins in the order its definitions are written
        // (`` key `.q `` is `` ``neg`not`null`string`reciprocal… ``); the
        // rest follow by name
        let rank = |n: &str| {
            DOT_Q_FIRST
                .iter()
                .position(|&f| f == n)
                .unwrap_or(usize::MAX)
        };
        out.sort_by_key(|&(n, _)| rank(n));
    }
    out
}

/// The first names of q's `.q` namespace, in q's order.
const DOT_Q_FIRST: [&str; 23] = [
    "neg",
    "not",
    "null",
    "string",
    "reciprocal",
    "floor",
    "ceiling",
    "signum",
    "mod",
    "xbar",
    "xlog",
    "and",
    "or",
    "each",
    "scan",
    "over",
    "prior",
    "mmu",
    "lsq",
    "inv",
    "md5",
    "ltime",
    "gtime",
];

/// The row of any name (built or not), for the reference card and `'nyi`.
pub fn row(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// The row at index `i`.
pub fn get(i: u16) -> &'static Builtin {
    &BUILTINS[i as usize]
}

/// The q name of row `i`.
pub fn name(i: u16) -> &'static str {
    BUILTINS.get(i as usize).map_or("?", |b| b.name)
}

/// Builtin `i` as a value.
pub fn prim(i: u16) -> Prim {
    Prim {
        id: i,
        type_code: type_code(i),
        name: name(i),
    }
}

/// Builtin `i` as a function value.
pub fn func(i: u16) -> Value {
    Value::Func(Func::Builtin(prim(i)))
}

/// True for glyph operators.
pub fn is_operator(i: u16) -> bool {
    BUILTINS
        .get(i as usize)
        .is_some_and(|b| b.kind == Kind::Operator)
}

/// True for system values such as `.z.p`.
pub fn is_system_value(i: u16) -> bool {
    BUILTINS
        .get(i as usize)
        .is_some_and(|b| b.kind == Kind::SystemValue)
}

/// q type number of builtin `i` as a value: 102 for operators, 101 for
/// unary keywords, 102 for keywords taking two or more arguments.
pub fn type_code(i: u16) -> i16 {
    match BUILTINS.get(i as usize) {
        Some(b) if b.kind == Kind::Operator => 102,
        Some(b) if b.dyad.is_none() && b.nary.is_none() => 101,
        _ => 102,
    }
}

/// How many arguments builtin `i` takes when applied by bracket.
pub fn valence(i: u16) -> usize {
    match BUILTINS.get(i as usize) {
        Some(b) if b.kind == Kind::Operator => 2,
        Some(b) if b.rank > 0 => b.rank as usize,
        Some(b) if b.dyad.is_some() => 2,
        Some(b) if b.monad.is_some() => 1,
        Some(_) => 3,
        None => 1,
    }
}

/// The keyword q defines with the monadic form of glyph `g` (`neg` for
/// `-`, `count` for `#`): the row kdb+ receives as the glyph's unary
/// primitive index, which is the glyph's own position. `parse` shows a
/// unary glyph under this name.
pub fn unary_keyword(g: &str) -> Option<&'static str> {
    let i = lookup(g).filter(|&i| is_operator(i))?;
    BUILTINS
        .iter()
        .find(|b| {
            b.wire.iter().any(|w| {
                w.ty == qipc::codec::UNARY && w.index as u16 == i && w.dir != WireDir::Send
            })
        })
        .map(|b| b.name)
}

/// The error for evaluating an undefined name: `'nyi` naming a q name that
/// is listed but not built (also when read inside a namespace, where `raze`
/// is looked up as `.a.raze`), else q's `'name`.
pub fn undefined(name: &str) -> QError {
    // a callback (`.z.pi`) the user has not set is undefined in q
    // whether or not borf calls it yet
    let listed =
        |n: &str| row(n).is_some_and(|b| b.status != Status::Done && b.kind != Kind::Callback);
    if listed(name) {
        if let Some(Status::Refused(why)) = row(name).map(|b| b.status) {
            return QError::new("nyi").with_detail(format!("{name} is not supported: {why}"));
        }
        return QError::nyi(name);
    }
    if let Some((ns, tail)) = name.rsplit_once('.')
        && !matches!(ns, ".z" | ".Q" | ".h" | ".j" | ".q")
        && listed(tail)
    {
        return QError::nyi(tail);
    }
    QError::undefined(name)
}

/// One internal function `-n!x`.
pub struct Internal {
    /// The `n` of `-n!x` (negative).
    pub n: i64,
    /// What it does to `x`.
    pub f: Monad,
    /// One line for `docs/KEYWORDS.md`.
    pub doc: &'static str,
}

/// The internal functions (`-n!x`) borf has; any other `-n` is `'nyi`.
#[rustfmt::skip]
pub static INTERNALS: &[Internal] = &[
    Internal { n: -1,  f: P1(crate::builtins::io::handle::hsym),     doc: "hsym" },
    Internal { n: -2,  f: P1(crate::builtins::meta::attr),           doc: "attr" },
    Internal { n: -3,  f: S1E(crate::builtins::dotq::q_s1),           doc: "one-line text, as .Q.s1" },
    Internal { n: -4,  f: P1(crate::builtins::internal::tokens),     doc: "tokens of q text (with the whitespace between)" },
    Internal { n: -5,  f: S1(crate::builtins::interpret::parse),     doc: "parse" },
    Internal { n: -6,  f: S1(crate::builtins::interpret::eval),      doc: "eval" },
    Internal { n: -7,  f: P1(crate::builtins::io::handle::hcount),   doc: "hcount" },
    Internal { n: -8,  f: S1(crate::ipc::codec::serialize),                 doc: "serialize (kdb+ IPC bytes)" },
    Internal { n: -9,  f: S1(crate::ipc::codec::deserialize),               doc: "deserialize kdb+ IPC bytes" },
    Internal { n: -10, f: S1(crate::builtins::internal::enum_type_free), doc: "whether enumeration type x (20h..76h) is unused" },
    Internal { n: -11, f: S1(crate::ipc::journal_replay),              doc: "streaming execute: replay a log (-11!L, -11!(n;L), -11!(-2;L) counts)" },
    Internal { n: -12, f: P1(crate::builtins::dotq::q_host),         doc: ".Q.host: host name of an IPv4 address" },
    Internal { n: -13, f: P1(crate::builtins::dotq::q_addr),         doc: ".Q.addr: IPv4 address of a host name" },
    Internal { n: -14, f: P1(crate::builtins::internal::quote_escape), doc: "a string quoted for a CSV field (doubled quotes)" },
    Internal { n: -15, f: P1(crate::builtins::text::md5),            doc: "md5" },
    Internal { n: -16, f: P1(crate::builtins::internal::ref_count),  doc: "reference count" },
    Internal { n: -18, f: S1(crate::ipc::codec::serialize_compressed),      doc: "serialize and compress" },
    Internal { n: -20, f: P1(crate::builtins::dotq::q_gc),           doc: ".Q.gc: return freed memory" },
    Internal { n: -21, f: P1(crate::builtins::internal::file_compression), doc: "compression statistics of a file (empty: borf writes none compressed)" },
    Internal { n: -22, f: S1(crate::builtins::internal::serialized_size), doc: "length of -8!x" },
    Internal { n: -23, f: P1(crate::builtins::internal::make_resident), doc: "fault in the pages behind x (mapped columns); answers x" },
    Internal { n: -24, f: S1(crate::builtins::interpret::reval),     doc: "reval" },
    Internal { n: -25, f: S1(crate::ipc::broadcast),                 doc: "(handles;msg): msg serialized once, sent async to each handle" },
    Internal { n: -27, f: P1(crate::builtins::internal::fixed_text), doc: "(p;x) floats as text with p decimals" },
    Internal { n: -29, f: P1(crate::builtins::dotj::j_k),            doc: ".j.k: q value of JSON text" },
    Internal { n: -30, f: S1(crate::ipc::deferred_response),         doc: "deferred response: -30!(::) in .z.pg, later -30!(h;isError;msg)" },
    Internal { n: -31, f: S1(crate::builtins::dotj::j_jd),           doc: ".j.jd: JSON text, with options" },
    Internal { n: -32, f: P1(crate::builtins::dotq::q_btoa),         doc: ".Q.btoa: base64 encode" },
    Internal { n: -33, f: P1(crate::builtins::text::q_sha1),         doc: "SHA-1" },
    Internal { n: -34, f: S1(crate::builtins::internal::time_space), doc: "(f;x): .Q.ts[f;x]" },
    Internal { n: -35, f: P1(crate::builtins::dotq::q_gz),           doc: ".Q.gz: gzip" },
    Internal { n: -38, f: S1(crate::ipc::socket_table),              doc: "socket table of handles: protocol, family, compression, unsent messages and bytes" },
    Internal { n: -120, f: P1(crate::builtins::internal::memory_domain), doc: "memory domain (0: borf has no .m domain)" },
];

/// The internal functions borf will not have, and why: each needs an
/// environment borf does not provide. They signal `'nyi` saying so.
pub static REFUSED_INTERNALS: &[(i64, &str)] = &[
    (
        -19,
        "compressing a file: borf writes columns uncompressed (as .z.zd)",
    ),
    (
        -26,
        "TLS settings: borf has no TLS (put a TLS proxy in front of it)",
    ),
    (-36, "loading a master key: borf has no encryption at rest"),
    (-37, ".Q.prf0: needs kdb+'s profiler interface"),
];

/// The internal function `-n!`, if borf has it.
pub fn internal(n: i64) -> Option<&'static Internal> {
    INTERNALS.iter().find(|i| i.n == n)
}

/// The error for an internal function borf does not have: `'nyi`, with
/// the reason when it is refused.
pub fn internal_missing(n: i64) -> QError {
    match REFUSED_INTERNALS.iter().find(|r| r.0 == n) {
        Some((_, why)) => QError::new("nyi").with_detail(format!("{n}!x is not supported: {why}")),
        None => QError::nyi(&format!("{n}!x")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        let mut seen = std::collections::HashSet::new();
        for (i, b) in BUILTINS.iter().enumerate() {
            assert!(seen.insert(b.name), "duplicate row {}", b.name);
            if resolvable(b) {
                assert_eq!(lookup(b.name), Some(i as u16));
            } else {
                assert_eq!(lookup(b.name), None, "{} resolves but is not built", b.name);
            }
        }
    }

    #[test]
    fn a_built_row_has_a_form_and_a_listed_one_has_none() {
        for b in BUILTINS {
            let forms = b.monad.is_some() || b.dyad.is_some() || b.nary.is_some();
            match (b.kind, b.status) {
                // an operator keeps its place (and forms that signal) even
                // when refused: the wire order counts positions
                (Kind::Operator, _) => assert!(forms, "{} has no form", b.name),
                (Kind::Keyword | Kind::SystemValue, Status::Done) => {
                    assert!(forms, "{} is built but has no form", b.name)
                }
                _ => assert!(!forms, "{} has forms but is not a built builtin", b.name),
            }
        }
    }

    #[test]
    fn system_values_have_monadic_forms() {
        // the evaluator reads a system value by calling its monadic form
        for b in BUILTINS.iter().filter(|b| b.kind == Kind::SystemValue) {
            assert!(b.monad.is_some(), "{} has no monadic form", b.name);
        }
    }

    #[test]
    fn infix_keywords_have_dyadic_rows() {
        for b in BUILTINS
            .iter()
            .filter(|b| b.infix && b.status == Status::Done)
        {
            assert!(
                b.dyad.is_some(),
                "{} is infix but has no dyadic form",
                b.name
            );
        }
        // the parser's list is exactly the registry's infix keywords
        let mut reg: Vec<&str> = BUILTINS
            .iter()
            .filter(|b| b.infix && b.kind == Kind::Keyword)
            .map(|b| b.name)
            .collect();
        let mut parser: Vec<&str> = qparser::INFIX_KEYWORDS.to_vec();
        reg.sort_unstable();
        parser.sort_unstable();
        assert_eq!(
            reg, parser,
            "qparser::INFIX_KEYWORDS differs from the registry's infix rows"
        );
    }

    #[test]
    fn internals_are_unique_and_negative() {
        let mut seen = std::collections::HashSet::new();
        for i in INTERNALS {
            assert!(i.n < 0 && seen.insert(i.n), "-n! row {}", i.n);
        }
    }
}
