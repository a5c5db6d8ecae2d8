//! The builtin registry: one row per primitive, keyword and system value.
//!
//! **This is the one place a builtin is found by its q name.** A row names
//! the builtin and points at its monadic, dyadic and n-adic forms, which
//! live in the family files beside this one (`arith.rs`, `compare.rs`,
//! `list.rs`, ...). To add a builtin: write the function in its family file
//! and add one row here.
//!
//! The order of the glyph operators at the top is frozen: kdb+ IPC sends
//! primitives by index, so it is part of the wire format.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::error::QResult;
use crate::interp::Interp;
use crate::value::Value;

use super::*;

/// Monadic form.
pub type Monad = fn(&mut Interp, Value) -> QResult<Value>;
/// Dyadic form.
pub type Dyad = fn(&mut Interp, Value, Value) -> QResult<Value>;
/// Form taking three or more arguments.
pub type Nary = fn(&mut Interp, Vec<Value>) -> QResult<Value>;

/// What kind of name a builtin is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// A glyph operator (`+`, `#`, ...): infix, `op[x]` projects.
    Operator,
    /// A named keyword (`til`, `xbar`, ...).
    Keyword,
    /// A system value read when referenced (`.z.p`), not a function.
    SystemValue,
}

/// One builtin.
pub struct Builtin {
    pub name: &'static str,
    pub kind: Kind,
    pub monad: Option<Monad>,
    pub dyad: Option<Dyad>,
    pub nary: Option<Nary>,
    /// One line for `docs/KEYWORDS.md`.
    pub doc: &'static str,
}

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
        monad: Some(m),
        dyad: Some(d),
        nary,
        doc,
    }
}
const fn kw1(name: &'static str, m: Monad, doc: &'static str) -> Builtin {
    Builtin {
        name,
        kind: Kind::Keyword,
        monad: Some(m),
        dyad: None,
        nary: None,
        doc,
    }
}
const fn kw2(name: &'static str, d: Dyad, doc: &'static str) -> Builtin {
    Builtin {
        name,
        kind: Kind::Keyword,
        monad: None,
        dyad: Some(d),
        nary: None,
        doc,
    }
}
const fn kwn(name: &'static str, n: Nary, doc: &'static str) -> Builtin {
    Builtin {
        name,
        kind: Kind::Keyword,
        monad: None,
        dyad: None,
        nary: Some(n),
        doc,
    }
}
#[allow(dead_code)]
const fn sysval(name: &'static str, m: Monad, doc: &'static str) -> Builtin {
    Builtin {
        name,
        kind: Kind::SystemValue,
        monad: Some(m),
        dyad: None,
        nary: None,
        doc,
    }
}

/// Every builtin. Operators first, in frozen order.
#[rustfmt::skip]
pub static BUILTINS: &[Builtin] = &[
    // --- glyph operators (order frozen: IPC primitive indexes) ---
    op(":",  misc::identity, misc::dyad_colon, None,                    "x:y assign; (:) returns its right argument"),
    op("+",  list::flip, arith::add, None,                               "flip x; x+y add"),
    op("-",  arith::neg, arith::sub, None,                               "neg x; x-y subtract"),
    op("*",  list::first, arith::mul, None,                              "first x; x*y multiply"),
    op("%",  arith::reciprocal, arith::div_float, None,                  "reciprocal x; x%y divide"),
    op("&",  list::where_, compare::min2, None,                          "where x; x&y lesser"),
    op("|",  list::reverse, compare::max2, None,                         "reverse x; x|y greater"),
    op("^",  misc::null, misc::fill, None,                               "null x; x^y fill"),
    op("=",  list::group, compare::eq, None,                             "group x; x=y equal"),
    op("<",  sort::iasc, compare::lt, None,                              "iasc x; x<y less than"),
    op(">",  sort::idesc, compare::gt, None,                             "idesc x; x>y greater than"),
    op("$",  misc::string, cast::cast, None,                             "string x; x$y cast, pad"),
    op(",",  list::enlist, list::join, None,                             "enlist x; x,y join"),
    op("#",  list::count, list::take, None,                              "count x; x#y take"),
    op("_",  arith::floor, list::drop, None,                             "floor x; x_y drop, cut"),
    op("~",  compare::not, compare::match_, None,                        "not x; x~y match"),
    op("!",  list::key, list::bang, None,                                "key x, til x; x!y dict"),
    op("?",  list::distinct, list::find, Some(list::query_n),            "distinct x; x?y find, roll, deal; ?[c;a;b] vector conditional"),
    op("@",  misc::type_, misc::at, Some(misc::at_n),                    "type x; x@y apply/index; @[x;i;f;y] amend, @[f;x;h] trap"),
    op(".",  misc::value, misc::dot, Some(misc::dot_n),                  "value x; x . y apply; .[x;i;f;y] amend, .[f;x;h] trap"),
    op("0:", misc::nyi1_file, misc::nyi2_file, None,                     "file text I/O (storage issue)"),
    op("1:", misc::nyi1_file, misc::nyi2_file, None,                     "file binary I/O (storage issue)"),
    op("2:", misc::nyi1_file, misc::nyi2_file, None,                     "dynamic load (not supported)"),
    op("<=", misc::nyi1_cmp, compare::le, None,                          "x<=y at most"),
    op(">=", misc::nyi1_cmp, compare::ge, None,                          "x>=y at least"),
    op("<>", misc::nyi1_cmp, compare::ne, None,                          "x<>y not equal"),
    // --- arithmetic keywords ---
    kw1("neg",        arith::neg,          "negate"),
    kw1("abs",        arith::abs,          "absolute value"),
    kw1("signum",     arith::signum,       "sign: -1 0 1 as int"),
    kw1("reciprocal", arith::reciprocal,   "1 divided by x"),
    kw1("floor",      arith::floor,        "greatest integer <= x"),
    kw1("ceiling",    arith::ceiling,      "least integer >= x"),
    kw1("sqrt",       arith::sqrt,         "square root"),
    kw1("exp",        arith::exp,          "e to the power x"),
    kw1("log",        arith::log,          "natural logarithm"),
    kw2("div",        arith::div_int,      "integer division, floor"),
    kw2("mod",        arith::modulo,       "modulus"),
    // --- comparison and logic ---
    kw1("not",        compare::not,        "logical not"),
    kw2("and",        compare::min2,       "lesser, logical and"),
    kw2("or",         compare::max2,       "greater, logical or"),
    kw2("within",     compare::within,     "x within (lo;hi)"),
    // --- aggregates and uniform ---
    kw1("sum",        agg::sum,            "sum"),
    kw1("prd",        agg::prd,            "product"),
    kw1("min",        agg::min,            "minimum"),
    kw1("max",        agg::max,            "maximum"),
    kw1("avg",        agg::avg,            "arithmetic mean"),
    kw1("sums",       agg::sums,           "running sums"),
    kw1("prds",       agg::prds,           "running products"),
    kw1("mins",       agg::mins,           "running minimums"),
    kw1("maxs",       agg::maxs,           "running maximums"),
    // --- lists ---
    kw1("til",        list::til,           "first x natural numbers"),
    kw1("count",      list::count,         "number of items"),
    Builtin { name: "enlist", kind: Kind::Keyword, monad: Some(list::enlist), dyad: None, nary: Some(list::enlist_n), doc: "one-item list; enlist[x;y;..] list of the arguments" },
    kw1("first",      list::first,         "first item"),
    kw1("last",       list::last,          "last item"),
    kw1("reverse",    list::reverse,       "items in reverse order"),
    kw2("rotate",     list::rotate,        "x rotate y: rotate list y left by x"),
    kw1("where",      list::where_,        "indexes of 1s / replicate"),
    kw1("distinct",   list::distinct,      "unique items in order of first occurrence"),
    kw1("group",      list::group,         "dictionary of item to indexes"),
    kw1("flip",       list::flip,          "transpose"),
    kw2("in",         list::in_,           "x in y: membership"),
    kw1("key",        list::key,           "keys of a dict, til of an int"),
    kw1("value",      misc::value,         "values of a dict; evaluate a string"),
    // --- order ---
    kw1("asc",        sort::asc,           "sort ascending"),
    kw1("desc",       sort::desc,          "sort descending"),
    kw1("iasc",       sort::iasc,          "grade up"),
    kw1("idesc",      sort::idesc,         "grade down"),
    // --- types and conversion ---
    kw1("type",       misc::type_,         "type number"),
    kw1("null",       misc::null,          "is null"),
    kw1("string",     misc::string,        "to string"),
    // --- iterators as keywords ---
    kw2("each",       iterators::each_kw,  "f each x"),
    kw2("over",       iterators::over_kw,  "f over x"),
    kw2("scan",       iterators::scan_kw,  "f scan x"),
    kw2("prior",      iterators::prior_kw, "f prior x"),
    // --- math and statistics (stats.rs) ---
    // --- list extras: raze cross inter union except sublist cut sv vs bin ... (listx.rs) ---
    // --- strings (strings.rs) ---
    kwn("ssr",        misc::nyi_n,         "string search and replace (builtin-library issue)"),
    // --- temporal (temporal.rs) ---
    // --- evaluation, environment, attributes (env.rs) ---
    // --- system values .z.* and .Q.* (dotz.rs) ---
];

fn index() -> &'static HashMap<&'static str, u16> {
    static I: OnceLock<HashMap<&'static str, u16>> = OnceLock::new();
    I.get_or_init(|| {
        let mut m = HashMap::new();
        for (i, b) in BUILTINS.iter().enumerate() {
            m.entry(b.name).or_insert(i as u16);
        }
        m
    })
}

/// The registry index of the builtin named `name`.
pub fn lookup(name: &str) -> Option<u16> {
    index().get(name).copied()
}

/// The builtin at index `i`.
pub fn get(i: u16) -> &'static Builtin {
    &BUILTINS[i as usize]
}

/// The q name of builtin `i`.
pub fn name(i: u16) -> &'static str {
    BUILTINS.get(i as usize).map_or("?", |b| b.name)
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
        Some(b) if b.dyad.is_some() => 2,
        Some(b) if b.monad.is_some() => 1,
        Some(_) => 3,
        None => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        let mut seen = std::collections::HashSet::new();
        for (i, b) in BUILTINS.iter().enumerate() {
            assert!(seen.insert(b.name), "duplicate builtin {}", b.name);
            assert_eq!(lookup(b.name), Some(i as u16));
        }
    }
}
