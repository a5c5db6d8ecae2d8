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

use crate::interp::Interp;
use qcore::QResult;
use qcore::Func;
use qcore::Prim;
use qcore::Value;

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
    op("!",  list::key, list::bang, Some(qsql::update_n),                                "key x, til x; x!y dict"),
    op("?",  list::distinct, list::find, Some(list::query_n),            "distinct x; x?y find, roll, deal; ?[c;a;b] vector conditional"),
    op("@",  misc::type_, misc::at, Some(misc::at_n),                    "type x; x@y apply/index; @[x;i;f;y] amend, @[f;x;h] trap"),
    op(".",  env::value, misc::dot, Some(misc::dot_n),                  "value x; x . y apply; .[x;i;f;y] amend, .[f;x;h] trap"),
    op("0:", fileio::text1, fileio::text2, None,                         "file text: d 0: t prepare, `:f 0: lines save, (types;delim) 0: y load CSV, (types;widths) fixed, \"S=;\" 0: s key-value"),
    op("1:", fileio::bin1, fileio::bin2, None,                           "file binary: (types;widths) 1: y read records, `:f 1: bytes write"),
    op("2:", misc::nyi1_file, misc::nyi2_file, None,                     "nyi: dynamic load (not supported)"),
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
    kw1("value",      env::value,          "values of a dict; evaluate a string or list; value of a name"),
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
    kw1("cos",        stats::cos,          "cosine"),
    kw1("sin",        stats::sin,          "sine"),
    kw1("tan",        stats::tan,          "tangent"),
    kw1("acos",       stats::acos,         "arccosine"),
    kw1("asin",       stats::asin,         "arcsine"),
    kw1("atan",       stats::atan,         "arctangent"),
    kw2("xexp",       stats::xexp,         "x to the power y"),
    kw2("xlog",       stats::xlog,         "base-x logarithm of y"),
    kw1("avgs",       stats::avgs,         "running averages"),
    kw2("mavg",       stats::mavg,         "moving averages"),
    kw2("msum",       stats::msum,         "moving sums"),
    kw2("mmax",       stats::mmax,         "moving maximums"),
    kw2("mmin",       stats::mmin,         "moving minimums"),
    kw2("mcount",     stats::mcount,       "moving counts of non-nulls"),
    kw2("mdev",       stats::mdev,         "moving deviations"),
    kw1("dev",        stats::dev,          "standard deviation"),
    kw1("sdev",       stats::sdev,         "sample standard deviation"),
    kw1("var",        stats::var,          "variance"),
    kw1("svar",       stats::svar,         "sample variance"),
    kw1("med",        stats::med,          "median"),
    kw2("cor",        stats::cor,          "correlation"),
    kw2("cov",        stats::cov,          "covariance"),
    kw2("scov",       stats::scov,         "sample covariance"),
    kw2("wavg",       stats::wavg,         "weighted average"),
    kw2("wsum",       stats::wsum,         "weighted sum"),
    kw1("ratios",     stats::ratios,       "ratios of adjacent items"),
    kw1("deltas",     stats::deltas,       "differences of adjacent items"),
    kw1("differ",     stats::differ,       "where items change"),
    kw1("prev",       stats::prev,         "previous items"),
    kw1("next",       stats::next,         "next items"),
    kw2("xprev",      stats::xprev,        "items x places before"),
    kw1("fills",      stats::fills,        "forward-fill nulls"),
    kw1("rank",       stats::rank,         "position in the sorted list"),
    kw2("xrank",      stats::xrank,        "bucket of each item, 0 to x-1"),
    kw2("bin",        stats::bin,          "binary search: last item <= y"),
    kw2("binr",       stats::binr,         "binary search: first item >= y"),
    // --- list extras: raze cross inter union except sublist cut sv vs bin ... (listx.rs) ---
    kw1("raze",       listx::raze,         "join the items of x"),
    kw2("cross",      listx::cross,        "cross product"),
    kw2("inter",      listx::inter,        "items of x that are in y"),
    kw2("union",      listx::union,        "distinct x,y"),
    kw2("except",     listx::except,       "items of x not in y"),
    kw2("sublist",    listx::sublist,      "up to x items of y"),
    kw2("cut",        listx::cut,          "cut y into pieces of x, or at indexes x"),
    kw2("sv",         listx::sv,           "join strings, symbols, paths; decode"),
    kw2("vs",         listx::vs,           "split strings, symbols, paths; encode"),
    kw2("peach",      iterators::each_kw,  "f peach x: each (one thread)"),
    // --- strings (strings.rs) ---
    kw2("like",       strings::like,       "x like y: whether strings/symbols x match pattern y"),
    kw2("ss",         strings::ss,         "x ss y: positions of pattern y in string x"),
    kwn("ssr",        strings::ssr,        "ssr[x;y;z]: replace matches of pattern y in x by z (string or function)"),
    kw1("upper",      strings::upper,      "upper case of chars and symbols"),
    kw1("lower",      strings::lower,      "lower case of chars and symbols"),
    kw1("trim",       strings::trim,       "without leading and trailing nulls/spaces"),
    kw1("ltrim",      strings::ltrim,      "without leading nulls/spaces"),
    kw1("rtrim",      strings::rtrim,      "without trailing nulls/spaces"),
    kw1("show",       strings::show,       "write the console form of x to stdout; returns ::"),
    // --- temporal (temporal.rs) ---
    kw2("xbar",       temporal::xbar,      "x xbar y: y rounded down to a multiple of x"),
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
    kw1("get",        env::get,            "value of a name (file handles: storage issue)"),
    kw1("eval",       env::eval,           "evaluate a parse tree"),
    kw1("parse",      env::parse,          "parse tree of a string"),
    kw2("set",        env::set,            "`name set y: assign a global"),
    kw1("system",     env::system,         "run a system command"),
    kw1("getenv",     env::getenv,         "value of an environment variable"),
    kw2("setenv",     env::setenv,         "set an environment variable"),
    kw1("exit",       env::exit,           "end the process with a code"),
    kw1("attr",       env::attr,           "attribute of a list"),
    sysval("csv",     dotz::csv,           "the comma delimiter"),
    kw1("'",          env::iter_each,      "each, case (iterator as a value in parse trees)"),
    kw1("/",          env::iter_over,      "over (iterator)"),
    kw1("\\",         env::iter_scan,      "scan (iterator)"),
    kw1("':",         env::iter_prior,     "each prior (iterator)"),
    kw1("/:",         env::iter_each_right, "each right (iterator)"),
    kw1("\\:",        env::iter_each_left, "each left (iterator)"),
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
    kw2("fby",        qsql::fby,           "(f;x) fby g: aggregate f of x per group of g, per row"),
    kw2("lj",         joins::lj,           "left join"),
    kw2("ij",         joins::ij,           "inner join"),
    kwn("ej",         joins::ej,           "ej[c;x;y] equi join"),
    kw2("uj",         joins::uj,           "union join"),
    kw2("pj",         joins::pj,           "plus join"),
    kwn("aj",         joins::aj,           "aj[c;t;q] as-of join"),
    kwn("aj0",        joins::aj0,          "aj0[c;t;q] as-of join with the time of q"),
    kw2("asof",       joins::asof,         "t asof d: values as of keys and time"),
    kwn("wj",         joins::wj,           "wj[w;c;t;(q;(f;c)..)] window join with prevailing row"),
    kwn("wj1",        joins::wj1,          "wj1[w;c;t;(q;(f;c)..)] window join, rows in window only"),
    kw2("ljf",        joins::ljf,          "left join, nulls in y do not overwrite"),
    kw2("ijf",        joins::ijf,          "inner join, nulls in y do not overwrite"),
    kw2("ujf",        joins::ujf,          "union join, nulls in y do not overwrite (keyed)"),
    kwn("ajf",        joins::ajf,          "ajf[c;t;q] as-of join, nulls in q do not overwrite"),
    kwn("ajf0",       joins::ajf0,         "ajf0[c;t;q] aj0, nulls in q do not overwrite"),
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
    sysval(".Q.n",    dotz::q_n,           "digits"),
    sysval(".Q.a",    dotz::q_a,           "lower-case alphabet"),
    sysval(".Q.A",    dotz::q_upper_a,     "upper-case alphabet"),
    sysval(".Q.an",   dotz::q_an,          "alphanumerics"),
    sysval(".Q.nA",   dotz::q_na,          "digits and upper-case alphabet"),
    sysval(".Q.b6",   dotz::q_b6,          "bicameral alphanumerics"),
    sysval(".Q.t",    dotz::q_t,           "type letters by type number"),
    sysval(".Q.M",    dotz::q_m,           "chunk size (0W)"),
    sysval(".Q.k",    dotz::q_k,           "version"),
    sysval(".Q.K",    dotz::q_upper_k,     "version date"),
    sysval(".Q.res",  dotz::q_res,         "reserved words"),
    kw1(".Q.id",      dotz::q_id,          "sanitize a name or column names"),
    kw2(".Q.f",       dotz::q_f,           "format with x decimals"),
    kwn(".Q.fmt",     dotz::q_fmt,         "format with width and decimals"),
    kw1(".Q.s",       dotz::q_s,           "console text"),
    kw1(".Q.s1",      dotz::q_s1,          "one-line text"),
    kw1(".Q.opt",     dotz::q_opt,         "command-line options as a dictionary"),
    kw1(".Q.qt",      dotz::q_qt,          "is a table"),
    kw1(".Q.ty",      dotz::q_ty,          "type letter of a list"),
    kw1(".Q.v",       dotz::q_v,           "value of a name"),
    kw2(".Q.dd",      dotz::q_dd,          "join symbols"),
    kw1(".Q.gc",      dotz::q_gc,          "garbage collect (0: nothing to return)"),
    kw2(".Q.fu",      dotz::q_fu,          "apply on distinct items"),
    kw1(".Q.btoa",    dotz::q_btoa,        "base64 encode"),
    kw1(".Q.x10",     dotz::q_x10,         "encode binhex"),
    kw1(".Q.j10",     dotz::q_j10,         "decode binhex"),
    kw1(".Q.x12",     dotz::q_x12,         "encode base 36"),
    kw1(".Q.j12",     dotz::q_j12,         "decode base 36"),
    // --- storage: file handles, splayed tables (storage.rs) ---
    kw1("hsym",       storage::hsym,       "symbol to file handle: hsym `a is `:a"),
    kw1("hcount",     storage::hcount,     "size of a file in bytes"),
    kw1("hdel",       storage::hdel,       "delete a file or empty directory"),
    kw2(".Q.en",      storage::q_en,       ".Q.en[`:db;t]: add t's symbols to db/sym"),
    kwn(".Q.dpft",    partitioned::q_dpft, ".Q.dpft[`:db;p;`f;`t]: save global t as partition p, sorted by f with p#"),
    kwn(".Q.par",     partitioned::q_par,  ".Q.par[`:db;p;`t]: path of table t in partition p"),
    kw1(".Q.cn",      partitioned::q_cn,   "row counts per partition of a partitioned table"),
    kw1(".Q.qp",      partitioned::q_qp,   "1b for a partitioned table, 0b another table, else 0"),
    // --- text and binary file I/O, save/load (fileio.rs) ---
    kw1("read0",      fileio::read0,       "lines of a text file; read0 (f;o;n) n chars from offset o"),
    kw1("read1",      fileio::read1,       "bytes of a file; read1 (f;o;n) n bytes from offset o"),
    kw1("save",       fileio::save,        "save `t: write global t to file t (binary, or .csv .txt .xml by extension)"),
    kw1("load",       fileio::load,        "load `t: read file (or directory) t into global t"),
    kw1("rsave",      fileio::rsave,       "rsave `t: write global table t splayed to t/"),
    kw1("rload",      fileio::rload,       "rload `t: map splayed table t/ into global t"),
    kw2("dsave",      fileio::dsave,       "`:db dsave `t`q: enumerate, p# the first column, splay to db/t/"),
    // --- IPC (ipc/) ---
    kw1("hopen",      crate::ipc::hopen,   "open a connection: hopen `:host:port[:user:pass]"),
    kw1("hclose",     crate::ipc::hclose,  "close a connection handle"),
    // --- library round 2 (library2.rs) ---
    kw1("all",        library2::all,       "all nonzero"),
    kw1("any",        library2::any,       "any nonzero"),
    kw2("ema",        library2::ema,       "x ema y exponential moving average"),
    kw1("rand",       library2::rand,      "random number below x, random item of x"),
    kw1("gtime",      library2::gtime,     "UTC equivalent of a local timestamp"),
    kw1("ltime",      library2::ltime,     "local equivalent of a UTC timestamp"),
    kw1("md5",        library2::md5,       "MD5 hash of a string"),
    kw1("inv",        library2::inv,       "matrix inverse (Gauss-Jordan, partial pivoting)"),
    kw2("mmu",        library2::mmu,       "matrix multiply"),
    kw2("lsq",        library2::lsq,       "least squares: x lsq y solves x = w mmu y"),
    kw1("reval",      library2::reval,     "eval with writes to globals blocked ('noupdate)"),
    kw1(".Q.sha1",    library2::q_sha1,    "SHA-1 hash of a string"),
    kw1(".Q.w",       library2::q_w,       "memory stats (heap = used; wmax, mmap 0; see library2.rs)"),
    kw2(".Q.ts",      library2::q_ts,      "apply with time and space"),
    kw2(".Q.fc",      library2::q_fc,      "parallel on cut (borf: f x, one thread)"),
    kwn(".Q.trp",     library2::q_trp,     "extend trap at: g gets the error and a backtrace"),
    kwn(".Q.trpd",    library2::q_trpd,    "extend trap: g gets the error and a backtrace"),
    kw1(".Q.bt",      library2::q_bt,      "print the stack of running lambdas"),
    kw1(".Q.sbt",     library2::q_sbt,     "backtrace object as text"),
    sysval(".z.s",    library2::z_s,       "self: the running lambda"),
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
