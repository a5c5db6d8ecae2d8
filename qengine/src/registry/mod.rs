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

use crate::builtins::cast;
use crate::builtins::compare;
use crate::builtins::dotz;
use crate::builtins::env;
use crate::builtins::sort;
use crate::builtins::table;
use crate::builtins::temporal;
use crate::query::partitioned;
pub mod keywords;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::state::Interp;
use qcore::Func;
use qcore::Prim;
use qcore::QResult;
use qcore::Value;

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
    op(":",  crate::builtins::apply::identity, crate::builtins::apply::dyad_colon, None,                    "x:y assign; (:) returns its right argument"),
    op("+",  crate::builtins::list::flip, crate::builtins::math::arith::add, None,                               "flip x; x+y add"),
    op("-",  crate::builtins::math::arith::neg, crate::builtins::math::arith::sub, None,                               "neg x; x-y subtract"),
    op("*",  crate::builtins::list::first, crate::builtins::math::arith::mul, None,                              "first x; x*y multiply"),
    op("%",  crate::builtins::math::arith::reciprocal, crate::builtins::math::arith::div_float, None,                  "reciprocal x; x%y divide"),
    op("&",  crate::builtins::list::where_, crate::builtins::logic::min2, None,                          "where x; x&y lesser"),
    op("|",  crate::builtins::list::reverse, crate::builtins::logic::max2, None,                         "reverse x; x|y greater"),
    op("^",  crate::builtins::meta::null, crate::builtins::meta::fill, None,                               "null x; x^y fill"),
    op("=",  crate::builtins::list::find::group, compare::eq, None,                             "group x; x=y equal"),
    op("<",  sort::iasc, compare::lt, None,                              "iasc x; x<y less than"),
    op(">",  sort::idesc, compare::gt, None,                             "idesc x; x>y greater than"),
    op("$",  crate::builtins::text::string, cast::cast, None,                             "string x; x$y cast, pad"),
    op(",",  crate::builtins::list::enlist, crate::builtins::list::join::join, None,                             "enlist x; x,y join"),
    op("#",  crate::builtins::list::count, crate::builtins::list::take::take, None,                              "count x; x#y take"),
    op("_",  crate::builtins::math::arith::floor, crate::builtins::list::take::drop, None,                             "floor x; x_y drop, cut"),
    op("~",  crate::builtins::logic::not, compare::match_, None,                        "not x; x~y match"),
    op("!",  crate::builtins::dict::key, crate::builtins::dict::bang, Some(crate::query::qsql::update_n),                                "key x, til x; x!y dict"),
    op("?",  crate::builtins::list::find::distinct, crate::builtins::list::find::find, Some(crate::query::qsql::query_n),            "distinct x; x?y find, roll, deal; ?[c;a;b] vector conditional"),
    op("@",  crate::builtins::meta::type_, crate::builtins::apply::at, Some(crate::builtins::apply::at_n),                    "type x; x@y apply/index; @[x;i;f;y] amend, @[f;x;h] trap"),
    op(".",  crate::builtins::interpret::value, crate::builtins::apply::dot, Some(crate::builtins::apply::dot_n),                  "value x; x . y apply; .[x;i;f;y] amend, .[f;x;h] trap"),
    op("0:", crate::builtins::io::text::text1, crate::builtins::io::text::text2, None,                         "file text: d 0: t prepare, `:f 0: lines save, (types;delim) 0: y load CSV, (types;widths) fixed, \"S=;\" 0: s key-value"),
    op("1:", crate::builtins::io::binary::bin1, crate::builtins::io::binary::bin2, None,                           "file binary: (types;widths) 1: y read records, `:f 1: bytes write"),
    op("2:", crate::builtins::io::nyi1_file, crate::builtins::io::nyi2_file, None,                     "nyi: dynamic load (not supported)"),
    op("<=", crate::builtins::compare::nyi1_cmp, compare::le, None,                          "x<=y at most"),
    op(">=", crate::builtins::compare::nyi1_cmp, compare::ge, None,                          "x>=y at least"),
    op("<>", crate::builtins::compare::nyi1_cmp, compare::ne, None,                          "x<>y not equal"),
    // --- arithmetic keywords ---
    kw1("neg",        crate::builtins::math::arith::neg,          "negate"),
    kw1("abs",        crate::builtins::math::arith::abs,          "absolute value"),
    kw1("signum",     crate::builtins::math::arith::signum,       "sign: -1 0 1 as int"),
    kw1("reciprocal", crate::builtins::math::arith::reciprocal,   "1 divided by x"),
    kw1("floor",      crate::builtins::math::arith::floor,        "greatest integer <= x"),
    kw1("ceiling",    crate::builtins::math::arith::ceiling,      "least integer >= x"),
    kw1("sqrt",       crate::builtins::math::arith::sqrt,         "square root"),
    kw1("exp",        crate::builtins::math::arith::exp,          "e to the power x"),
    kw1("log",        crate::builtins::math::arith::log,          "natural logarithm"),
    kw2("div",        crate::builtins::math::arith::div_int,      "integer division, floor"),
    kw2("mod",        crate::builtins::math::arith::modulo,       "modulus"),
    // --- comparison and logic ---
    kw1("not",        crate::builtins::logic::not,        "logical not"),
    kw2("and",        crate::builtins::logic::min2,       "lesser, logical and"),
    kw2("or",         crate::builtins::logic::max2,       "greater, logical or"),
    kw2("within",     crate::builtins::math::stats::within,     "x within (lo;hi)"),
    // --- aggregates and uniform ---
    kw1("sum",        crate::builtins::math::agg::sum,            "sum"),
    kw1("prd",        crate::builtins::math::agg::prd,            "product"),
    kw1("min",        crate::builtins::math::agg::min,            "minimum"),
    kw1("max",        crate::builtins::math::agg::max,            "maximum"),
    kw1("avg",        crate::builtins::math::agg::avg,            "arithmetic mean"),
    kw1("sums",       crate::builtins::math::agg::sums,           "running sums"),
    kw1("prds",       crate::builtins::math::agg::prds,           "running products"),
    kw1("mins",       crate::builtins::math::agg::mins,           "running minimums"),
    kw1("maxs",       crate::builtins::math::agg::maxs,           "running maximums"),
    // --- lists ---
    kw1("til",        crate::builtins::list::til,           "first x natural numbers"),
    kw1("count",      crate::builtins::list::count,         "number of items"),
    Builtin { name: "enlist", kind: Kind::Keyword, monad: Some(crate::builtins::list::enlist), dyad: None, nary: Some(crate::builtins::list::enlist_n), doc: "one-item list; enlist[x;y;..] list of the arguments" },
    kw1("first",      crate::builtins::list::first,         "first item"),
    kw1("last",       crate::builtins::list::last,          "last item"),
    kw1("reverse",    crate::builtins::list::reverse,       "items in reverse order"),
    kw2("rotate",     crate::builtins::list::rotate,        "x rotate y: rotate list y left by x"),
    kw1("where",      crate::builtins::list::where_,        "indexes of 1s / replicate"),
    kw1("distinct",   crate::builtins::list::find::distinct,      "unique items in order of first occurrence"),
    kw1("group",      crate::builtins::list::find::group,         "dictionary of item to indexes"),
    kw1("flip",       crate::builtins::list::flip,          "transpose"),
    kw2("in",         crate::builtins::list::find::in_,           "x in y: membership"),
    kw1("key",        crate::builtins::dict::key,           "keys of a dict, til of an int"),
    kw1("value",      crate::builtins::interpret::value,          "values of a dict; evaluate a string or list; value of a name"),
    // --- order ---
    kw1("asc",        sort::asc,           "sort ascending"),
    kw1("desc",       sort::desc,          "sort descending"),
    kw1("iasc",       sort::iasc,          "grade up"),
    kw1("idesc",      sort::idesc,         "grade down"),
    // --- types and conversion ---
    kw1("type",       crate::builtins::meta::type_,         "type number"),
    kw1("null",       crate::builtins::meta::null,          "is null"),
    kw1("string",     crate::builtins::text::string,        "to string"),
    // --- iterators as keywords ---
    kw2("each",       crate::builtins::iterate::each_kw,  "f each x"),
    kw2("over",       crate::builtins::iterate::over_kw,  "f over x"),
    kw2("scan",       crate::builtins::iterate::scan_kw,  "f scan x"),
    kw2("prior",      crate::builtins::iterate::prior_kw, "f prior x"),
    // --- math and statistics (stats.rs) ---
    kw1("cos",        crate::builtins::math::float::cos,          "cosine"),
    kw1("sin",        crate::builtins::math::float::sin,          "sine"),
    kw1("tan",        crate::builtins::math::float::tan,          "tangent"),
    kw1("acos",       crate::builtins::math::float::acos,         "arccosine"),
    kw1("asin",       crate::builtins::math::float::asin,         "arcsine"),
    kw1("atan",       crate::builtins::math::float::atan,         "arctangent"),
    kw2("xexp",       crate::builtins::math::float::xexp,         "x to the power y"),
    kw2("xlog",       crate::builtins::math::float::xlog,         "base-x logarithm of y"),
    kw1("avgs",       crate::builtins::math::moving::avgs,         "running averages"),
    kw2("mavg",       crate::builtins::math::moving::mavg,         "moving averages"),
    kw2("msum",       crate::builtins::math::moving::msum,         "moving sums"),
    kw2("mmax",       crate::builtins::math::moving::mmax,         "moving maximums"),
    kw2("mmin",       crate::builtins::math::moving::mmin,         "moving minimums"),
    kw2("mcount",     crate::builtins::math::moving::mcount,       "moving counts of non-nulls"),
    kw2("mdev",       crate::builtins::math::moving::mdev,         "moving deviations"),
    kw1("dev",        crate::builtins::math::stats::dev,          "standard deviation"),
    kw1("sdev",       crate::builtins::math::stats::sdev,         "sample standard deviation"),
    kw1("var",        crate::builtins::math::stats::var,          "variance"),
    kw1("svar",       crate::builtins::math::stats::svar,         "sample variance"),
    kw1("med",        crate::builtins::math::stats::med,          "median"),
    kw2("cor",        crate::builtins::math::stats::cor,          "correlation"),
    kw2("cov",        crate::builtins::math::stats::cov,          "covariance"),
    kw2("scov",       crate::builtins::math::stats::scov,         "sample covariance"),
    kw2("wavg",       crate::builtins::math::stats::wavg,         "weighted average"),
    kw2("wsum",       crate::builtins::math::stats::wsum,         "weighted sum"),
    kw1("ratios",     crate::builtins::math::series::ratios,       "ratios of adjacent items"),
    kw1("deltas",     crate::builtins::math::series::deltas,       "differences of adjacent items"),
    kw1("differ",     crate::builtins::math::series::differ,       "where items change"),
    kw1("prev",       crate::builtins::math::series::prev,         "previous items"),
    kw1("next",       crate::builtins::math::series::next,         "next items"),
    kw2("xprev",      crate::builtins::math::series::xprev,        "items x places before"),
    kw1("fills",      crate::builtins::math::series::fills,        "forward-fill nulls"),
    kw1("rank",       crate::builtins::sort::rank,         "position in the sorted list"),
    kw2("xrank",      crate::builtins::sort::xrank,        "bucket of each item, 0 to x-1"),
    kw2("bin",        crate::builtins::sort::bin,          "binary search: last item <= y"),
    kw2("binr",       crate::builtins::sort::binr,         "binary search: first item >= y"),
    // --- list extras: raze cross inter union except sublist cut sv vs bin ... (listx.rs) ---
    kw1("raze",       crate::builtins::list::join::raze,         "join the items of x"),
    kw2("cross",      crate::builtins::list::join::cross,        "cross product"),
    kw2("inter",      crate::builtins::list::sets::inter,        "items of x that are in y"),
    kw2("union",      crate::builtins::list::sets::union,        "distinct x,y"),
    kw2("except",     crate::builtins::list::sets::except,       "items of x not in y"),
    kw2("sublist",    crate::builtins::list::take::sublist,      "up to x items of y"),
    kw2("cut",        crate::builtins::list::take::cut,          "cut y into pieces of x, or at indexes x"),
    kw2("sv",         crate::builtins::list::svvs::sv,           "join strings, symbols, paths; decode"),
    kw2("vs",         crate::builtins::list::svvs::vs,           "split strings, symbols, paths; encode"),
    kw2("peach",      crate::builtins::iterate::each_kw,  "f peach x: each (one thread)"),
    // --- strings (strings.rs) ---
    kw2("like",       crate::builtins::text::like,       "x like y: whether strings/symbols x match pattern y"),
    kw2("ss",         crate::builtins::text::ss,         "x ss y: positions of pattern y in string x"),
    kwn("ssr",        crate::builtins::text::ssr,        "ssr[x;y;z]: replace matches of pattern y in x by z (string or function)"),
    kw1("upper",      crate::builtins::text::upper,      "upper case of chars and symbols"),
    kw1("lower",      crate::builtins::text::lower,      "lower case of chars and symbols"),
    kw1("trim",       crate::builtins::text::trim,       "without leading and trailing nulls/spaces"),
    kw1("ltrim",      crate::builtins::text::ltrim,      "without leading nulls/spaces"),
    kw1("rtrim",      crate::builtins::text::rtrim,      "without trailing nulls/spaces"),
    kw1("show",       crate::builtins::interpret::show,       "write the console form of x to stdout; returns ::"),
    // --- temporal (temporal.rs) ---
    kw2("xbar",       crate::builtins::sort::xbar,      "x xbar y: y rounded down to a multiple of x"),
    kw2(".Q.addmonths", temporal::addmonths, ".Q.addmonths[d;n]: date d plus n months"),
    sysval(".z.p",    temporal::z_p,       "UTC timestamp now"),
    sysval(".z.P",    temporal::z_pl,      "local timestamp now"),
    sysval(".z.d",    temporal::z_d,       "UTC date now"),
    sysval(".z.D",    temporal::z_dl,      "local date now"),
    sysval(".z.t",    temporal::z_t,       "UTC time now"),
    sysval(".z.T",    temporal::z_tl,      "local time now"),
    sysval(".z.n",    temporal::z_n,       "UTC timespan now"),
    sysval(".z.N",    temporal::z_nl,      "local timespan now"),
    sysval(".z.z",    temporal::z_z,       "UTC datetime now"),
    sysval(".z.Z",    temporal::z_zl,      "local datetime now"),
    // --- evaluation, environment, attributes (env.rs) ---
    kw1("get",        crate::builtins::io::object::get,            "value of a name (file handles: storage issue)"),
    kw1("eval",       crate::builtins::interpret::eval,           "evaluate a parse tree"),
    kw1("parse",      crate::builtins::interpret::parse,          "parse tree of a string"),
    kw2("set",        crate::builtins::io::object::set,            "`name set y: assign a global"),
    kw1("system",     crate::builtins::interpret::system,         "run a system command"),
    kw1("getenv",     env::getenv,         "value of an environment variable"),
    kw2("setenv",     env::setenv,         "set an environment variable"),
    kw1("exit",       env::exit,           "end the process with a code"),
    kw1("attr",       crate::builtins::meta::attr,           "attribute of a list"),
    sysval("csv",     crate::builtins::table::csv,           "the comma delimiter"),
    kw1("'",          crate::builtins::iterate::iter_each,      "each, case (iterator as a value in parse trees)"),
    kw1("/",          crate::builtins::iterate::iter_over,      "over (iterator)"),
    kw1("\\",         crate::builtins::iterate::iter_scan,      "scan (iterator)"),
    kw1("':",         crate::builtins::iterate::iter_prior,     "each prior (iterator)"),
    kw1("/:",         crate::builtins::iterate::iter_each_right, "each right (iterator)"),
    kw1("\\:",        crate::builtins::iterate::iter_each_left, "each left (iterator)"),
    // --- tables (table.rs) ---
    kw1("cols",       table::cols,         "column names of a table or keyed table"),
    kw1("meta",       table::meta,         "column types, foreign keys, attributes"),
    kw2("xcol",       table::xcol,         "rename columns"),
    kw2("xcols",      table::xcols,        "reorder columns"),
    kw2("xkey",       table::xkey,         "key a table on columns"),
    kw2("insert",     table::insert,       "`t insert rows: append, returns new row indexes"),
    kw2("upsert",     table::upsert,       "append or update by key"),
    kw2("xasc",       table::xasc,         "sort a table ascending by columns"),
    kw2("xdesc",      table::xdesc,        "sort a table descending by columns"),
    kw1("ungroup",    table::ungroup,      "flatten list columns into rows"),
    kw2("fby",        crate::query::qsql::fby,           "(f;x) fby g: aggregate f of x per group of g, per row"),
    kw2("lj",         crate::builtins::join::lj,           "left join"),
    kw2("ij",         crate::builtins::join::ij,           "inner join"),
    kwn("ej",         crate::builtins::join::ej,           "ej[c;x;y] equi join"),
    kw2("uj",         crate::builtins::join::uj,           "union join"),
    kw2("pj",         crate::builtins::join::pj,           "plus join"),
    kwn("aj",         crate::builtins::join::aj,           "aj[c;t;q] as-of join"),
    kwn("aj0",        crate::builtins::join::aj0,          "aj0[c;t;q] as-of join with the time of q"),
    kw2("asof",       crate::builtins::join::asof,         "t asof d: values as of keys and time"),
    kwn("wj",         crate::builtins::join::wj,           "wj[w;c;t;(q;(f;c)..)] window join with prevailing row"),
    kwn("wj1",        crate::builtins::join::wj1,          "wj1[w;c;t;(q;(f;c)..)] window join, rows in window only"),
    kw2("ljf",        crate::builtins::join::ljf,          "left join, nulls in y do not overwrite"),
    kw2("ijf",        crate::builtins::join::ijf,          "inner join, nulls in y do not overwrite"),
    kw2("ujf",        crate::builtins::join::ujf,          "union join, nulls in y do not overwrite (keyed)"),
    kwn("ajf",        crate::builtins::join::ajf,          "ajf[c;t;q] as-of join, nulls in q do not overwrite"),
    kwn("ajf0",       crate::builtins::join::ajf0,         "ajf0[c;t;q] aj0, nulls in q do not overwrite"),
    // --- system values .z.* and .Q.* (dotz.rs) ---
    sysval(".z.K",    dotz::z_version,     "version (4.1)"),
    sysval(".z.k",    dotz::z_release,     "release date"),
    sysval(".z.o",    dotz::z_os,          "operating system"),
    sysval(".z.h",    dotz::z_host,        "host name"),
    sysval(".z.i",    dotz::z_pid,         "process id"),
    sysval(".z.x",    dotz::z_args,        "command-line arguments after the script"),
    sysval(".z.X",    dotz::z_cmdline,     "raw command line"),
    sysval(".z.f",    dotz::z_file,        "script file"),
    sysval(".z.a",    dotz::z_addr,        "IP address of the client (0i locally)"),
    sysval(".z.u",    dotz::z_user,        "user name"),
    sysval(".z.c",    dotz::z_cores,       "number of cores"),
    sysval(".z.q",    dotz::z_quiet,       "quiet mode"),
    sysval(".Q.n",    crate::builtins::dotq::q_n,           "digits"),
    sysval(".Q.a",    crate::builtins::dotq::q_a,           "lower-case alphabet"),
    sysval(".Q.A",    crate::builtins::dotq::q_upper_a,     "upper-case alphabet"),
    sysval(".Q.an",   crate::builtins::dotq::q_an,          "alphanumerics"),
    sysval(".Q.nA",   crate::builtins::dotq::q_na,          "digits and upper-case alphabet"),
    sysval(".Q.b6",   crate::builtins::dotq::q_b6,          "bicameral alphanumerics"),
    sysval(".Q.t",    crate::builtins::dotq::q_t,           "type letters by type number"),
    sysval(".Q.M",    crate::builtins::dotq::q_m,           "chunk size (0W)"),
    sysval(".Q.k",    crate::builtins::dotq::q_k,           "version"),
    sysval(".Q.K",    crate::builtins::dotq::q_upper_k,     "version date"),
    sysval(".Q.res",  crate::builtins::dotq::q_res,         "reserved words"),
    kw1(".Q.id",      crate::builtins::dotq::q_id,          "sanitize a name or column names"),
    kw2(".Q.f",       crate::builtins::dotq::q_f,           "format with x decimals"),
    kwn(".Q.fmt",     crate::builtins::dotq::q_fmt,         "format with width and decimals"),
    kw1(".Q.s",       crate::builtins::dotq::q_s,           "console text"),
    kw1(".Q.s1",      crate::builtins::dotq::q_s1,          "one-line text"),
    kw1(".Q.opt",     crate::builtins::dotq::q_opt,         "command-line options as a dictionary"),
    kw1(".Q.qt",      crate::builtins::dotq::q_qt,          "is a table"),
    kw1(".Q.ty",      crate::builtins::dotq::q_ty,          "type letter of a list"),
    kw1(".Q.v",       crate::builtins::dotq::q_v,           "value of a name"),
    kw2(".Q.dd",      crate::builtins::dotq::q_dd,          "join symbols"),
    kw1(".Q.gc",      crate::builtins::dotq::q_gc,          "garbage collect (0: nothing to return)"),
    kw2(".Q.fu",      crate::builtins::dotq::q_fu,          "apply on distinct items"),
    kw1(".Q.btoa",    crate::builtins::dotq::q_btoa,        "base64 encode"),
    kw1(".Q.x10",     crate::builtins::dotq::q_x10,         "encode binhex"),
    kw1(".Q.j10",     crate::builtins::dotq::q_j10,         "decode binhex"),
    kw1(".Q.x12",     crate::builtins::dotq::q_x12,         "encode base 36"),
    kw1(".Q.j12",     crate::builtins::dotq::q_j12,         "decode base 36"),
    // --- storage: file handles, splayed tables (storage.rs) ---
    kw1("hsym",       crate::builtins::io::handle::hsym,       "symbol to file handle: hsym `a is `:a"),
    kw1("hcount",     crate::builtins::io::handle::hcount,     "size of a file in bytes"),
    kw1("hdel",       crate::builtins::io::handle::hdel,       "delete a file or empty directory"),
    kw2(".Q.en",      crate::storage::splay::q_en,       ".Q.en[`:db;t]: add t's symbols to db/sym"),
    kwn(".Q.dpft",    partitioned::q_dpft, ".Q.dpft[`:db;p;`f;`t]: save global t as partition p, sorted by f with p#"),
    kwn(".Q.par",     partitioned::q_par,  ".Q.par[`:db;p;`t]: path of table t in partition p"),
    kw1(".Q.cn",      partitioned::q_cn,   "row counts per partition of a partitioned table"),
    kw1(".Q.qp",      partitioned::q_qp,   "1b for a partitioned table, 0b another table, else 0"),
    // --- text and binary file I/O, save/load (fileio.rs) ---
    kw1("read0",      crate::builtins::io::handle::read0,       "lines of a text file; read0 (f;o;n) n chars from offset o"),
    kw1("read1",      crate::builtins::io::handle::read1,       "bytes of a file; read1 (f;o;n) n bytes from offset o"),
    kw1("save",       crate::builtins::io::save::save,        "save `t: write global t to file t (binary, or .csv .txt .xml by extension)"),
    kw1("load",       crate::builtins::io::save::load,        "load `t: read file (or directory) t into global t"),
    kw1("rsave",      crate::builtins::io::save::rsave,       "rsave `t: write global table t splayed to t/"),
    kw1("rload",      crate::builtins::io::save::rload,       "rload `t: map splayed table t/ into global t"),
    kw2("dsave",      crate::builtins::io::save::dsave,       "`:db dsave `t`q: enumerate, p# the first column, splay to db/t/"),
    // --- IPC (ipc/) ---
    kw1("hopen",      crate::ipc::hopen,   "open a connection: hopen `:host:port[:user:pass]"),
    kw1("hclose",     crate::ipc::hclose,  "close a connection handle"),
    // --- library round 2 (library2.rs) ---
    kw1("all",        crate::builtins::logic::all,       "all nonzero"),
    kw1("any",        crate::builtins::logic::any,       "any nonzero"),
    kw2("ema",        crate::builtins::math::moving::ema,       "x ema y exponential moving average"),
    kw1("rand",       crate::builtins::debug::rand,      "random number below x, random item of x"),
    kw1("gtime",      crate::builtins::env::gtime,     "UTC equivalent of a local timestamp"),
    kw1("ltime",      crate::builtins::env::ltime,     "local equivalent of a UTC timestamp"),
    kw1("md5",        crate::builtins::text::md5,       "MD5 hash of a string"),
    kw1("inv",        crate::builtins::math::matrix::inv,       "matrix inverse (Gauss-Jordan, partial pivoting)"),
    kw2("mmu",        crate::builtins::math::matrix::mmu,       "matrix multiply"),
    kw2("lsq",        crate::builtins::math::matrix::lsq,       "least squares: x lsq y solves x = w mmu y"),
    kw1("reval",      crate::builtins::interpret::reval,     "eval with writes to globals blocked ('noupdate)"),
    kw1(".Q.sha1",    crate::builtins::text::q_sha1,    "SHA-1 hash of a string"),
    kw1(".Q.w",       crate::builtins::dotq::q_w,       "memory stats (heap = used; wmax, mmap 0; see library2.rs)"),
    kw2(".Q.ts",      crate::builtins::dotq::q_ts,      "apply with time and space"),
    kw2(".Q.fc",      crate::builtins::dotq::q_fc,      "parallel on cut (borf: f x, one thread)"),
    kwn(".Q.trp",     crate::builtins::debug::q_trp,     "extend trap at: g gets the error and a backtrace"),
    kwn(".Q.trpd",    crate::builtins::debug::q_trpd,    "extend trap: g gets the error and a backtrace"),
    kw1(".Q.bt",      crate::builtins::debug::q_bt,      "print the stack of running lambdas"),
    kw1(".Q.sbt",     crate::builtins::debug::q_sbt,     "backtrace object as text"),
    sysval(".z.s",    crate::builtins::dotz::z_s,       "self: the running lambda"),
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
