//! The reference card: every q keyword, operator form, iterator, control
//! word, `.z` / `.Q` name and system command, and what borf does with it.
//!
//! `docs/KEYWORDS.md` is generated from the builtin registry plus the list
//! below (`qengine/tests/keywords_doc.rs`; `UPDATE_KEYWORDS=1` rewrites it).
//! Every registry row is "done". A name listed here as later or refused
//! that is not (yet) in the registry signals `'nyi` naming itself when it
//! is evaluated ([`undefined`]), so a q user never meets `'name` for a real
//! q name. When a family adds a registry row for a listed name, the row
//! wins (the entry is ignored, and the doc test reports it as stale).

use qcore::QError;

/// What borf does with a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Done,
    /// Not yet: the issue that will bring it.
    Later(&'static str),
    /// Not planned, and why.
    Refused(&'static str),
}

/// One reference-card entry kept by hand.
pub struct Entry {
    pub name: &'static str,
    pub family: &'static str,
    pub status: Status,
    pub doc: &'static str,
}

const fn later(
    name: &'static str,
    family: &'static str,
    tag: &'static str,
    doc: &'static str,
) -> Entry {
    Entry {
        name,
        family,
        status: Status::Later(tag),
        doc,
    }
}
const fn done(name: &'static str, family: &'static str, doc: &'static str) -> Entry {
    Entry {
        name,
        family,
        status: Status::Done,
        doc,
    }
}
const fn refused(
    name: &'static str,
    family: &'static str,
    why: &'static str,
    doc: &'static str,
) -> Entry {
    Entry {
        name,
        family,
        status: Status::Refused(why),
        doc,
    }
}

pub const STORAGE: &str = "storage";
pub const IPC: &str = "IPC";
pub const QSQL: &str = "qSQL";
pub const LIB: &str = "builtin-library";
pub const DEBUG: &str = "debugging";

/// Reference-card entries that are not registry rows, or whose registry
/// row is not (yet) the real thing.
pub static ENTRIES: &[Entry] = &[
    // --- storage, IPC, qSQL ---
    later(".Q.ens", ".Q", STORAGE, "enumerate against a domain"),
    later(".Q.dpft", ".Q", STORAGE, "save a table partitioned"),
    later(
        ".Q.dpfts",
        ".Q",
        STORAGE,
        "save a table partitioned with a sym file",
    ),
    later(
        ".Q.dpt",
        ".Q",
        STORAGE,
        "save a table partitioned, unsorted",
    ),
    later(
        ".Q.dpts",
        ".Q",
        STORAGE,
        "save a table partitioned, unsorted, with a sym file",
    ),
    later(".Q.par", ".Q", STORAGE, "partition location"),
    later(".Q.chk", ".Q", STORAGE, "fill an HDB"),
    later(".Q.l", ".Q", STORAGE, "load a database"),
    later(".Q.fs", ".Q", STORAGE, "file streaming"),
    later(".Q.fsn", ".Q", STORAGE, "file streaming with chunk size"),
    later(".Q.fps", ".Q", STORAGE, "pipe streaming"),
    later(".Q.fpn", ".Q", STORAGE, "pipe streaming with chunk size"),
    later(".Q.gz", ".Q", STORAGE, "gzip"),
    later(".Q.hdpf", ".Q", STORAGE, "save tables and reload an HDB"),
    later(".Q.dsftg", ".Q", STORAGE, "load, process, save"),
    later(".Q.qp", ".Q", STORAGE, "is partitioned"),
    later(".Q.ind", ".Q", STORAGE, "partitioned index"),
    later(".Q.cn", ".Q", STORAGE, "count a partitioned table"),
    later(".Q.fk", ".Q", STORAGE, "foreign key of a column"),
    later(".Q.Xf", ".Q", STORAGE, "create a file"),
    later(".Q.Cf", ".Q", STORAGE, "create a nested char file"),
    later(".Q.ld", ".Q", STORAGE, "group script lines"),
    later(".Q.li", ".Q", STORAGE, "load partitions"),
    later(".Q.lo", ".Q", STORAGE, "load a database without scripts"),
    later(".Q.view", ".Q", STORAGE, "partition subview"),
    later(".Q.bv", ".Q", STORAGE, "build vp"),
    later(".Q.bvi", ".Q", STORAGE, "build vp incrementally"),
    later(".Q.MAP", ".Q", STORAGE, "keep partitions mapped"),
    later(".Q.addr", ".Q", IPC, "IP address of a host"),
    later(".Q.host", ".Q", IPC, "hostname of an IP address"),
    later(".Q.hg", ".Q", IPC, "HTTP get"),
    later(".Q.hp", ".Q", IPC, "HTTP post"),
    later(".z.w", ".z", IPC, "handle of the current connection"),
    later(".z.W", ".z", IPC, "open handles"),
    later(".z.e", ".z", IPC, "TLS connection status"),
    done(
        "select",
        "keyword",
        "qSQL select (syntax: qparser grammar, evaluated by builtins/qsql.rs)",
    ),
    done(
        "exec",
        "keyword",
        "qSQL exec (syntax: qparser grammar, evaluated by builtins/qsql.rs)",
    ),
    done(
        "update",
        "keyword",
        "qSQL update (syntax: qparser grammar, evaluated by builtins/qsql.rs)",
    ),
    done(
        "delete",
        "keyword",
        "qSQL delete (syntax: qparser grammar, evaluated by builtins/qsql.rs)",
    ),
    later("xgroup", "keyword", QSQL, "table grouped by keys"),
    later("keys", "keyword", QSQL, "key columns of a table"),
    later(
        "tables",
        "keyword",
        QSQL,
        "names of the tables in a namespace",
    ),
    later("fkeys", "keyword", QSQL, "foreign-key columns"),
    later("view", "keyword", QSQL, "definition of a view"),
    later("views", "keyword", QSQL, "names of the defined views"),
    later(
        ".Q.ft",
        ".Q",
        QSQL,
        "apply a simple-table function to a keyed table",
    ),
    later(".Q.ff", ".Q", QSQL, "append null columns"),
    later(".Q.V", ".Q", QSQL, "table to dictionary of columns"),
    // --- keywords left to the other builtin-library families (they signal
    // 'nyi until a family's registry row replaces the entry) ---
    // --- operator forms ---
    done(
        "# (set attribute)",
        "operator",
        "x#y set attribute: `s#`u#`p#`g# and `# (see env.rs)",
    ),
    done("' (compose)", "operator", "'[f;g] compose"),
    done("::", "operator", "identity, generic null"),
    later("$ (enumerate)", "operator", QSQL, "`sym$x enumerate"),
    later("? (enum extend)", "operator", QSQL, "`sym?x enum extend"),
    done(
        "? (select, exec)",
        "operator",
        "?[t;c;b;a] functional select and exec",
    ),
    done(
        "! (update, delete)",
        "operator",
        "![t;c;b;a] functional update and delete",
    ),
    later("! (enumeration)", "operator", QSQL, "`sym!i enumeration"),
    later(
        "! (flip splayed)",
        "operator",
        STORAGE,
        "`:dir!t flip splayed",
    ),
    done(
        "! (internal)",
        "operator",
        "-n!x: -1 -2 -3 -5 -6 -7 -8 -9 -15 -18 -24 -27 -33 (others 'nyi)",
    ),
    done(
        "0 ±1 ±2 ±n (handles)",
        "operator",
        "write to console, stdout, stderr, an IPC handle",
    ),
    // Registry rows that exist only to keep the operator table's frozen order
    // (IPC primitive indexes); their registry doc starts with "nyi:".
    refused(
        "2:",
        "operator",
        "loading C shared objects into the process is not supported",
        "dynamic load",
    ),
    // --- control ---
    done("if", "control", "if[c;e1;..] conditional execution"),
    done("do", "control", "do[n;e1;..] repeat"),
    done("while", "control", "while[c;e1;..] repeat while"),
    done("$[c;t;f]", "control", "cond"),
    done(": (return)", "control", ":x return from a lambda"),
    done("' (signal)", "control", "'x signal an error"),
    done(".[f;x;e]", "control", "trap"),
    done("@[f;x;e]", "control", "trap at"),
    // --- .z ---
    later(".z.b", ".z", "views", "dependencies"),
    later(".z.ex", ".z", DEBUG, "failed primitive"),
    later(".z.ey", ".z", DEBUG, "argument to failed primitive"),
    later(".z.zd", ".z", STORAGE, "compression defaults"),
    refused(".z.l", ".z", "borf has no licence file", "licence"),
    later(".z.ac", ".z", IPC, "HTTP auth from cookie (callback)"),
    later(".z.bm", ".z", IPC, "message validator (callback)"),
    later(".z.exit", ".z", IPC, "action on exit (callback)"),
    later(".z.pc", ".z", IPC, "close (callback)"),
    later(".z.pd", ".z", IPC, "peach handles (callback)"),
    later(".z.pg", ".z", IPC, "get (callback)"),
    later(".z.ph", ".z", IPC, "HTTP get (callback)"),
    later(".z.pi", ".z", IPC, "input (callback)"),
    later(".z.pm", ".z", IPC, "HTTP options (callback)"),
    later(".z.po", ".z", IPC, "open (callback)"),
    later(".z.pp", ".z", IPC, "HTTP post (callback)"),
    later(".z.pq", ".z", IPC, "qcon (callback)"),
    later(".z.ps", ".z", IPC, "set (callback)"),
    later(".z.pw", ".z", IPC, "validate user (callback)"),
    later(".z.ts", ".z", IPC, "timer (callback)"),
    later(".z.vs", ".z", "views", "value set (callback)"),
    later(".z.wc", ".z", IPC, "WebSocket close (callback)"),
    later(".z.wo", ".z", IPC, "WebSocket open (callback)"),
    later(".z.ws", ".z", IPC, "WebSockets (callback)"),
    // --- .Q ---
    later(".Q.prf0", ".Q", DEBUG, "code profiler"),
    later(".Q.D", ".Q", STORAGE, "partitions (segmented)"),
    later(".Q.P", ".Q", STORAGE, "segments"),
    later(".Q.PD", ".Q", STORAGE, "partition locations"),
    later(".Q.pd", ".Q", STORAGE, "modified partition locations"),
    later(".Q.pf", ".Q", STORAGE, "partition field"),
    later(".Q.pn", ".Q", STORAGE, "partition counts"),
    later(".Q.pt", ".Q", STORAGE, "partitioned tables"),
    later(".Q.PV", ".Q", STORAGE, "partition values"),
    later(".Q.pv", ".Q", STORAGE, "modified partition values"),
    later(".Q.u", ".Q", STORAGE, "date-based segments"),
    later(".Q.vp", ".Q", STORAGE, "missing partitions"),
    // --- system commands ---
    done("\\c", "system command", "console size"),
    done("\\d", "system command", "current namespace"),
    done("\\l", "system command", "load a script"),
    done("\\P", "system command", "display precision"),
    done("\\S", "system command", "random seed"),
    done("\\t", "system command", "time an expression"),
    done("\\ts", "system command", "time and space"),
    done("\\v", "system command", "variables"),
    done("\\\\", "system command", "quit"),
    later("\\a", "system command", QSQL, "tables"),
    later("\\b", "system command", "views", "views"),
    later("\\B", "system command", "views", "pending views"),
    later("\\C", "system command", IPC, "HTTP size"),
    later("\\cd", "system command", STORAGE, "change directory"),
    done(
        "\\e",
        "system command",
        "error trap mode (stored: borf has no debugger)",
    ),
    later("\\E", "system command", IPC, "TLS server mode"),
    done("\\f", "system command", "functions"),
    done(
        "\\o",
        "system command",
        "UTC offset (shifts .z.P .z.Z .z.T .z.D .z.N, ltime)",
    ),
    later("\\p", "system command", IPC, "listening port"),
    later("\\r", "system command", IPC, "replication, rename"),
    done("\\T", "system command", "timeout: seconds per console line"),
    later("\\u", "system command", IPC, "reload user-password file"),
    done("\\w", "system command", "workspace (see .Q.w)"),
    done("\\W", "system command", "week offset (stored)"),
    done("\\x", "system command", "expunge a handler"),
    done("\\z", "system command", "date parsing format for \"D\"$"),
    done(
        "\\1 \\2",
        "system command",
        "redirect stdout, stderr to a file",
    ),
    refused(
        "\\g",
        "system command",
        "borf frees memory at once; no collector to tune",
        "garbage collection mode",
    ),
    refused(
        "\\s",
        "system command",
        "borf evaluates on one thread",
        "secondary threads",
    ),
    refused(
        "\\_",
        "system command",
        "no compiled q scripts",
        "hide q code",
    ),
    refused(
        "\\ (toggle k)",
        "system command",
        "borf has no k mode",
        "toggle q/k",
    ),
];

/// The error for evaluating an undefined name: `'nyi` for a q name that is
/// not implemented yet, else q's `'name`.
pub fn undefined(name: &str) -> QError {
    let is_later = |n: &str| {
        ENTRIES
            .iter()
            .any(|e| e.name == n && matches!(e.status, Status::Later(_) | Status::Refused(_)))
    };
    if is_later(name) {
        return QError::nyi(name);
    }
    // `raze` read inside namespace `.a` is looked up as `.a.raze`
    if let Some((ns, tail)) = name.rsplit_once('.')
        && !matches!(ns, ".z" | ".Q" | ".h" | ".j" | ".q")
        && is_later(tail)
    {
        return QError::nyi(tail);
    }
    QError::undefined(name)
}
