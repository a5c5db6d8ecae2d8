//! Console display of values, exactly as the q console prints them.
//!
//! Three textual forms:
//!
//! - [`console`]: what the q console prints for a top-level result: atoms
//!   and vectors on one line, general lists one item per line, dictionaries
//!   as `key| value` lines, tables with a header and a line of dashes; the
//!   whole cut to the `\c` console size.
//! - [`one_line`]: the single-line form (`-3!x`, `.Q.s1`): `(1;`a;"b")`,
//!   `` `a`b!1 2 ``, `+`a`b!(1 2;3 4)`.
//! - [`atom_text`]: what `string` gives for an atom (`"1.5"`, `"abc"`).
//!
//! Floats follow `\P` (significant digits; 0 means 17) with C `%g` rules:
//! fixed notation while the decimal exponent is in `-5 < X < P`, else
//! `1.234568e+08`; a float whose text has no `.`/`e` gets an `f` suffix
//! (once, at the end, for a vector).
//!
//! `\c rows cols`: a line wider than `cols-1` keeps `cols-3` characters and
//! ends in `..`; output of more than `rows-2` lines keeps `rows-3` lines and
//! a final `..` line.

use qcore::Atom;
use qcore::Attr;
use qcore::Dict;
use qcore::Func;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

/// The console's size and float precision (`\c rows cols`, `\P`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Console {
    /// `\c` rows.
    pub rows: usize,
    /// `\c` columns.
    pub cols: usize,
    /// `\P`: significant digits for floats (0 means full precision).
    pub precision: usize,
}

impl Default for Console {
    fn default() -> Self {
        Console {
            rows: 25,
            cols: 80,
            precision: 7,
        }
    }
}

/// No limit on the width of a formatted line.
const UNLIMITED: usize = usize::MAX;

// ---------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------

/// What the console prints for a value (no trailing newline), cut to the
/// `\c` size. `::` prints nothing.
pub fn console(v: &Value, s: &Console) -> String {
    let rows = s.rows.max(3);
    let cols = s.cols.max(3);
    let lines = console_lines(v, s.precision, rows, cols);
    truncate_lines(lines, rows, cols).join("\n")
}

/// The console text without the `\c` cut (what `show` would print with an
/// unbounded console, and `.Q.s` without its trailing newline).
pub fn console_full(v: &Value, precision: usize) -> String {
    console_lines(v, precision, UNLIMITED, UNLIMITED).join("\n")
}

/// The single-line form of a value, as `-3!x` / `.Q.s1` give it.
pub fn one_line(v: &Value, precision: usize) -> String {
    let f = Fmt::new(precision);
    let mut out = String::new();
    f.one(v, &mut out, UNLIMITED);
    out
}

/// The text `string` gives for an atom: no type suffix, no quotes or
/// backtick (`string 2f` is `"2"`, `` string `abc `` is `"abc"`).
pub fn atom_text(a: &Atom, precision: usize) -> String {
    let f = Fmt::new(precision);
    match *a {
        Atom::Bool(b) => (if b { "1" } else { "0" }).to_string(),
        Atom::Byte(b) => format!("{b:02x}"),
        Atom::Char(c) => (c as char).to_string(),
        // an enumerated atom's text is its symbol's
        Atom::Symbol(s) | Atom::Enum(qcore::EnumAtom { sym: s, .. }) => s.as_str().to_string(),
        Atom::Real(x) => f.real_token(x),
        Atom::Float(x) => f.float(x),
        _ => f.token(a, Ctx::Vector),
    }
}

/// How a function prints: a lambda's source, a builtin's q name,
/// projections as `f[a;;b]`, derived functions as `f/`, compositions as
/// `'[f;g]`.
pub fn func_text(f: &Func) -> String {
    let fm = Fmt::new(7);
    let mut out = String::new();
    fm.func(f, &mut out);
    out
}

/// A simple vector of one item (`,1`, `,"a"`; not a string's own form).
fn one_item_vector(v: &Value) -> bool {
    matches!(v, Value::Vector(x) if x.len() == 1)
}

/// How q prints the keywords it defines as a glyph's unary form or a
/// derived function (`neg` is `-:`, `count` `#:`, `deltas` `-':`).
fn k_form(name: &str) -> Option<&'static str> {
    Some(match name {
        "flip" => "+:",
        "neg" => "-:",
        "first" => "*:",
        "reciprocal" => "%:",
        "where" => "&:",
        "reverse" => "|:",
        "null" => "^:",
        "group" => "=:",
        "hclose" => ">:",
        "string" => "$:",
        "count" => "#:",
        "floor" => "_:",
        "not" => "~:",
        "key" => "!:",
        "distinct" => "?:",
        "type" => "@:",
        "value" | "get" => ".:",
        "deltas" => "-':",
        _ => return None,
    })
}

/// Formats a float with `precision` significant digits (0 means 17), as q
/// does, without any type suffix: `0.3333333`, `1e+08`, `0n`, `-0w`.
pub fn format_float(x: f64, precision: usize) -> String {
    Fmt::new(precision).float(x)
}

// ---------------------------------------------------------------------------
// \c truncation
// ---------------------------------------------------------------------------

/// Applies q's `\c rows cols` cut to console lines.
pub fn truncate_lines(lines: Vec<String>, rows: usize, cols: usize) -> Vec<String> {
    let mut out: Vec<String> = if lines.len() > rows.saturating_sub(2) {
        let keep = rows.saturating_sub(3);
        let mut v: Vec<String> = lines.into_iter().take(keep).collect();
        v.push("..".to_string());
        v
    } else {
        lines
    };
    for l in out.iter_mut() {
        cut_line(l, cols);
    }
    out
}

/// Cuts a line wider than `cols-1` to `cols-3` characters plus `..`.
fn cut_line(line: &mut String, cols: usize) {
    let max = cols.saturating_sub(1);
    if line.chars().count() > max {
        let keep = cols.saturating_sub(3);
        let end = line.char_indices().nth(keep).map_or(line.len(), |(i, _)| i);
        line.truncate(end);
        line.push_str("..");
    }
}

fn console_lines(v: &Value, precision: usize, rows: usize, cols: usize) -> Vec<String> {
    let f = Fmt::new(precision);
    // Work bound: a line longer than this is cut anyway; more items than
    // `rows` are cut anyway.
    let width = if cols == UNLIMITED {
        UNLIMITED
    } else {
        cols + 2
    };
    match v {
        Value::Nil => Vec::new(),
        // a column of one-item vectors prints as a matrix, also when it has
        // one row (`(enlist 4;enlist"i")1:0x01000000` shows `16777216`)
        Value::List(items)
            if !items.is_empty()
                && items.iter().all(one_item_vector)
                && f.matrix_lines(items, rows, width, 1).is_some() =>
        {
            f.matrix_lines(items, rows, width, 1).unwrap_or_default()
        }
        // a column of one-item general lists (`("**";4 4)1:` of one
        // record) prints as a one-column matrix too
        Value::List(items)
            if items.len() > 1
                && items
                    .iter()
                    .all(|it| matches!(it, Value::List(l) if l.len() == 1))
                && f.matrix_lines(items, rows, width, 1).is_some() =>
        {
            f.matrix_lines(items, rows, width, 1).unwrap_or_default()
        }
        // `enlist(::)` shows the null itself (q's reference uses it to show
        // a function's `::` result)
        Value::List(items) if items.len() == 1 && matches!(items[0], Value::Nil) => {
            vec!["::".to_string()]
        }
        // `()`, and a one-item list in its one-line form (`,1 2`, `,"ab"`)
        Value::List(items) if items.len() < 2 => {
            let mut s = String::new();
            f.one(v, &mut s, width);
            vec![s]
        }
        Value::List(items) => f.list_lines(items, rows, width),
        Value::Dict(d) => f.dict_lines(d, rows, width),
        Value::Table(t) => f.table_lines(t, rows, width),
        _ => {
            let mut s = String::new();
            f.one(v, &mut s, width);
            vec![s]
        }
    }
}

// ---------------------------------------------------------------------------
// The formatter
// ---------------------------------------------------------------------------

/// Where an atom is being shown.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ctx {
    /// A lone atom: full form with type suffix (`42i`, `0Nd`).
    Atom,
    /// An item of a typed vector: the vector carries the suffix (`1 0N 3i`,
    /// but `2024.01.01 0Nd`).
    Vector,
    /// A table cell or dictionary entry: no suffix, nulls blank.
    Column,
}

struct Fmt {
    /// Significant digits for floats (1..=17).
    digits: usize,
}

impl Fmt {
    fn new(precision: usize) -> Fmt {
        let digits = if precision == 0 {
            17
        } else {
            precision.min(17)
        };
        Fmt { digits }
    }

    // ----- numbers -----

    /// `%.{P}g` with q's null and infinity spellings.
    fn float(&self, x: f64) -> String {
        if x.is_nan() {
            return "0n".to_string();
        }
        if x.is_infinite() {
            return if x > 0.0 { "0w" } else { "-0w" }.to_string();
        }
        let p = self.digits;
        let sci = format!("{:.*e}", p - 1, x);
        let (mant, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        if exp < -4 || exp >= p as i32 {
            let mant = strip_zeros(mant);
            let sign = if exp < 0 { '-' } else { '+' };
            format!("{mant}e{sign}{:02}", exp.unsigned_abs())
        } else {
            let decimals = (p as i32 - 1 - exp).max(0) as usize;
            strip_zeros(&format!("{x:.decimals$}")).to_string()
        }
    }

    /// A real's digits (no suffix), nulls and infinities as in a vector.
    fn real_token(&self, x: f32) -> String {
        if x.is_nan() {
            "0N".to_string()
        } else {
            self.float(x as f64)
        }
    }

    // ----- atoms -----

    /// One atom in context `ctx` (the vector's own suffix is added by the
    /// caller). Column context gives "" for nulls.
    fn token(&self, a: &Atom, ctx: Ctx) -> String {
        if ctx == Ctx::Column && a.is_null() && !matches!(a, Atom::Char(_) | Atom::Guid(_)) {
            return String::new();
        }
        let sfx = |c: char| -> String {
            if ctx == Ctx::Atom {
                c.to_string()
            } else {
                String::new()
            }
        };
        match *a {
            Atom::Bool(b) => {
                let d = if b { "1" } else { "0" };
                if ctx == Ctx::Atom {
                    format!("{d}b")
                } else {
                    d.to_string()
                }
            }
            Atom::Byte(b) => {
                if ctx == Ctx::Vector {
                    format!("{b:02x}")
                } else {
                    format!("0x{b:02x}")
                }
            }
            Atom::Short(v) => match v {
                i16::MIN => format!("0N{}", sfx('h')),
                // q has no display for short infinity: `0Wh` shows `32767h`.
                _ => format!("{v}{}", sfx('h')),
            },
            Atom::Int(v) => int_token(v as i64, i32::MIN as i64, i32::MAX as i64) + &sfx('i'),
            Atom::Long(v) => int_token(v, i64::MIN, i64::MAX),
            Atom::Real(x) => {
                if ctx == Ctx::Atom {
                    if x.is_nan() {
                        "0Ne".to_string()
                    } else {
                        format!("{}e", self.float(x as f64))
                    }
                } else {
                    self.real_token(x)
                }
            }
            Atom::Float(x) => {
                let t = self.float(x);
                if ctx == Ctx::Atom && !has_float_mark(&t) {
                    t + "f"
                } else {
                    t
                }
            }
            Atom::Char(c) => match ctx {
                Ctx::Column => (c as char).to_string(),
                _ => {
                    let mut s = String::from("\"");
                    escape_char(c, &mut s);
                    s.push('"');
                    s
                }
            },
            Atom::Symbol(s) => match ctx {
                Ctx::Column => s.as_str().to_string(),
                _ => format!("`{}", s.as_str()),
            },
            // an enumerated atom: `d$`a (its symbol alone in a column, as
            // an enumeration's items are)
            Atom::Enum(e) => match ctx {
                Ctx::Column => e.sym.as_str().to_string(),
                _ => format!("`{}$`{}", e.domain.as_str(), e.sym.as_str()),
            },
            Atom::Guid(g) => guid_text(&g),
            Atom::Timestamp(v) => temporal_i64(v, "p").unwrap_or_else(|| timestamp_text(v)),
            Atom::Timespan(v) => temporal_i64(v, "n").unwrap_or_else(|| timespan_text(v)),
            Atom::Month(v) => match v {
                i32::MIN => format!("0N{}", sfx('m')),
                i32::MAX => format!("0W{}", sfx('m')),
                _ if v == -i32::MAX => format!("-0W{}", sfx('m')),
                _ => {
                    let s = month_text(v);
                    if ctx == Ctx::Atom { s + "m" } else { s }
                }
            },
            Atom::Date(v) => temporal_i32(v, "d").unwrap_or_else(|| date_text(v)),
            Atom::Minute(v) => temporal_i32(v, "u").unwrap_or_else(|| clock_text(v, 1)),
            Atom::Second(v) => temporal_i32(v, "v").unwrap_or_else(|| clock_text(v, 2)),
            Atom::Time(v) => temporal_i32(v, "t").unwrap_or_else(|| clock_text(v, 3)),
            Atom::Datetime(x) => {
                if x.is_nan() {
                    "0Nz".to_string()
                } else if x.is_infinite() {
                    if x > 0.0 { "0wz" } else { "-0wz" }.to_string()
                } else {
                    datetime_text(x)
                }
            }
        }
    }

    // ----- vectors -----

    /// A typed vector in its one-line form, stopping early once the text is
    /// longer than `max` (the caller cuts it anyway).
    fn vector(&self, v: &Vector, out: &mut String, max: usize) {
        let start = out.len();
        match v.attr {
            Attr::None => {}
            Attr::Sorted => out.push_str("`s#"),
            Attr::Unique => out.push_str("`u#"),
            Attr::Parted => out.push_str("`p#"),
            Attr::Grouped => out.push_str("`g#"),
        }
        // an enumeration: `sym$`a`b
        if let Some(d) = v.domain() {
            out.push('`');
            out.push_str(d.as_str());
            out.push('$');
        }
        let n = v.len();
        let ty = v.ty();
        if n == 0 {
            if ty == Ty::Char {
                out.push_str("\"\"");
            } else {
                out.push('`');
                out.push_str(ty.name());
                out.push_str("$()");
            }
            return;
        }
        if n == 1 {
            out.push(',');
        }
        let over = |out: &String| out.len() - start > max;
        match ty {
            Ty::Char => {
                out.push('"');
                for &c in v.as_u8().unwrap_or(&[]) {
                    escape_char(c, out);
                    if over(out) {
                        return;
                    }
                }
                out.push('"');
            }
            Ty::Bool => {
                for &b in v.as_u8().unwrap_or(&[]) {
                    out.push(if b != 0 { '1' } else { '0' });
                    if over(out) {
                        return;
                    }
                }
                out.push('b');
            }
            Ty::Byte => {
                out.push_str("0x");
                for &b in v.as_u8().unwrap_or(&[]) {
                    out.push_str(&format!("{b:02x}"));
                    if over(out) {
                        return;
                    }
                }
            }
            Ty::Symbol => {
                for &s in v.as_sym().unwrap_or(&[]) {
                    out.push('`');
                    out.push_str(s.as_str());
                    if over(out) {
                        return;
                    }
                }
            }
            _ => {
                let mut float_mark = false;
                for i in 0..n {
                    if i > 0 {
                        out.push(' ');
                    }
                    let t = self.token(&v.get(i), Ctx::Vector);
                    if ty == Ty::Float && !float_mark {
                        float_mark = has_float_mark(&t);
                    }
                    out.push_str(&t);
                    if over(out) {
                        return;
                    }
                }
                match ty {
                    Ty::Short => out.push('h'),
                    Ty::Int => out.push('i'),
                    Ty::Real => out.push('e'),
                    Ty::Month => out.push('m'),
                    Ty::Float if !float_mark => out.push('f'),
                    _ => {}
                }
            }
        }
    }

    // ----- one-line form of anything -----

    fn one(&self, v: &Value, out: &mut String, max: usize) {
        match v {
            Value::Nil => out.push_str("::"),
            Value::Atom(a) => out.push_str(&self.token(a, Ctx::Atom)),
            Value::Vector(vec) => self.vector(vec, out, max),
            Value::List(items) => {
                let start = out.len();
                match items.len() {
                    0 => out.push_str("()"),
                    1 => {
                        out.push(',');
                        self.one(&items[0], out, max);
                    }
                    _ => {
                        out.push('(');
                        for (i, it) in items.iter().enumerate() {
                            if i > 0 {
                                out.push(';');
                            }
                            self.one(it, out, max);
                            if out.len() - start > max {
                                return;
                            }
                        }
                        out.push(')');
                    }
                }
            }
            Value::Dict(d) => self.dict_one(d, out, max),
            Value::Table(t) => {
                out.push('+');
                self.table_dict_one(t, out, max);
            }
            Value::Func(f) => self.func(f, out),
        }
    }

    fn dict_one(&self, d: &Dict, out: &mut String, max: usize) {
        if d.keys.count() == 0
            && matches!(&d.keys, Value::List(_))
            && matches!(&d.values, Value::List(_))
        {
            out.push_str("()!()");
            return;
        }
        if d.sorted {
            out.push_str("`s#");
        }
        let mut k = String::new();
        self.one(&d.keys, &mut k, max);
        if needs_parens(&d.keys, &k) {
            out.push('(');
            out.push_str(&k);
            out.push(')');
        } else {
            out.push_str(&k);
        }
        out.push('!');
        self.one(&d.values, out, max);
    }

    /// A table's column dictionary in one-line form: `` `a`b!(1 2;3 4) ``.
    fn table_dict_one(&self, t: &Table, out: &mut String, max: usize) {
        let names = Value::Vector(Vector::syms(t.names.clone()));
        // a splayed or partitioned table's stand-in shows its one symbol
        // (`` +(,`a)!`t ``, ref/flip-splayed)
        let cols = match stand_in_sym(t) {
            Some(s) => Value::Atom(Atom::Symbol(s)),
            None => Value::list(t.columns.clone()),
        };
        let mut k = String::new();
        self.one(&names, &mut k, max);
        if needs_parens(&names, &k) {
            out.push('(');
            out.push_str(&k);
            out.push(')');
        } else {
            out.push_str(&k);
        }
        out.push('!');
        self.one(&cols, out, max);
    }

    // ----- functions -----

    fn func(&self, f: &Func, out: &mut String) {
        match f {
            Func::Builtin(p) => out.push_str(k_form(p.name).unwrap_or(p.name)),
            Func::Lambda(l) => out.push_str(&l.source),
            Func::Projection(p) => {
                self.one(&p.func, out, UNLIMITED);
                // A variadic operator's projection keeps its trailing
                // slots, which give its rank: `.[;();:;]`; a keyword's
                // (`ssr["hello"]`) has one rank and shows none.
                let glyph = |b: &qcore::Prim| !b.name.chars().any(char::is_alphanumeric);
                let last = if matches!(&p.func, Value::Func(Func::Builtin(b)) if glyph(b))
                    && p.args.len() > 2
                {
                    p.args.len()
                } else {
                    p.args
                        .iter()
                        .rposition(Option::is_some)
                        .map_or(0, |i| i + 1)
                };
                out.push('[');
                for (i, a) in p.args.iter().take(last.max(1)).enumerate() {
                    if i > 0 {
                        out.push(';');
                    }
                    if let Some(a) = a {
                        self.one(a, out, UNLIMITED);
                    }
                }
                out.push(']');
            }
            Func::Derived(d) => {
                match &d.operand {
                    Value::Func(_) => self.one(&d.operand, out, UNLIMITED),
                    other => {
                        // data operand (case / index forms): parenthesise lists
                        let mut s = String::new();
                        self.one(other, &mut s, UNLIMITED);
                        if other.is_list() && other.count() != 1 && !s.starts_with('(') {
                            out.push('(');
                            out.push_str(&s);
                            out.push(')');
                        } else {
                            out.push_str(&s);
                        }
                    }
                }
                out.push_str(d.adverb.glyph());
            }
            Func::Composition(parts) => {
                out.push_str("'[");
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push(';');
                    }
                    self.one(p, out, UNLIMITED);
                }
                out.push(']');
            }
        }
    }

    // ----- column form (dict entries, table cells) -----

    /// Item `i` of a list-like value as a table cell / dict entry.
    fn cell(&self, col: &Value, i: usize, max: usize) -> String {
        match col {
            Value::Vector(v) => self.token(&v.get(i), Ctx::Column),
            Value::List(l) => match l.get(i) {
                // a char atom in a general-list column keeps its quotes
                // (`rtrim ([]b:("a";"dog "))` in the reference shows `"a"`)
                // and so does a symbol (`` `ab `` in a mixed column, ref/dotq)
                Some(Value::Atom(a @ (Atom::Char(_) | Atom::Symbol(_)))) => {
                    self.token(a, Ctx::Atom)
                }
                Some(Value::Atom(a)) => self.token(a, Ctx::Column),
                Some(Value::Nil) => String::new(),
                Some(other) => {
                    let mut s = String::new();
                    self.one(other, &mut s, max);
                    s
                }
                None => String::new(),
            },
            Value::Table(t) => {
                // a row of a table: its dictionary
                let row = Dict {
                    keys: Value::Vector(Vector::syms(t.names.clone())),
                    values: Value::from_items(
                        t.columns
                            .iter()
                            .map(|c| c.item(i).unwrap_or(Value::Nil))
                            .collect(),
                    ),
                    sorted: false,
                };
                let mut s = String::new();
                self.dict_one(&row, &mut s, max);
                s
            }
            other => {
                let mut s = String::new();
                self.one(other, &mut s, max);
                s
            }
        }
    }

    /// The console lines of a general list's items, as the top level of the
    /// console and a dictionary's values show them: a matrix when the list
    /// is rectangular, else one item per line in its one-line form
    /// (`` `a ``, `"h"`, `1 2`, `(3;4 5)`).
    fn list_lines(&self, items: &[Value], rows: usize, max: usize) -> Vec<String> {
        if let Some(lines) = self.matrix_lines(items, rows, max, 2) {
            return lines;
        }
        items
            .iter()
            .take(rows)
            .map(|it| {
                let mut s = String::new();
                self.one(it, &mut s, max);
                s
            })
            .collect()
    }

    /// A rectangular list (every item a list of the same count, at least 2;
    /// not all strings, all booleans or all bytes, which keep their own form)
    /// prints as a matrix: one row per item, elements left-aligned in columns
    /// (`3 dbl\2 7` gives `2  7` / `16 56`; `(1 2 3;"xyz")` gives `1 2 3` /
    /// `x y z`). `None` when the list is not rectangular.
    fn matrix_lines(
        &self,
        items: &[Value],
        rows: usize,
        max: usize,
        min_cols: usize,
    ) -> Option<Vec<String>> {
        let m = match items.first()? {
            Value::Vector(v) => v.len(),
            Value::List(l) => l.len(),
            _ => return None,
        };
        if m < min_cols {
            return None;
        }
        let rect = items.iter().all(|it| match it {
            Value::Vector(v) => v.len() == m,
            Value::List(l) => l.len() == m,
            _ => false,
        });
        if !rect {
            return None;
        }
        for ty in [Ty::Char, Ty::Bool, Ty::Byte] {
            if items
                .iter()
                .all(|it| matches!(it, Value::Vector(v) if v.ty() == ty))
            {
                return None;
            }
        }
        let shown = &items[..items.len().min(rows)];
        let cells: Vec<Vec<String>> = shown
            .iter()
            .map(|row| {
                let mut out = Vec::with_capacity(m);
                let mut len = 0;
                for j in 0..m {
                    let t = match row {
                        Value::Vector(v) => self.matrix_cell(&v.get(j)),
                        // a general-list row shows its items in their
                        // one-line form (`2 10 "a"`, `,"0" ,"2"`)
                        Value::List(l) => {
                            let mut s = String::new();
                            self.one(&l[j], &mut s, max);
                            s
                        }
                        _ => String::new(),
                    };
                    len += t.len() + 1;
                    out.push(t);
                    if len > max {
                        break;
                    }
                }
                out
            })
            .collect();
        let mut widths = vec![0usize; m];
        for r in &cells {
            for (j, c) in r.iter().enumerate() {
                widths[j] = widths[j].max(c.chars().count());
            }
        }
        Some(
            cells
                .iter()
                .map(|r| {
                    let parts: Vec<String> =
                        r.iter().zip(&widths).map(|(c, &w)| pad(c, w)).collect();
                    parts.join(" ").trim_end().to_string()
                })
                .collect(),
        )
    }

    /// An atom as a matrix element: no type suffix, symbols and chars bare,
    /// nulls blank (`log d` in the reference: `2.302585          1.098612`).
    fn matrix_cell(&self, a: &Atom) -> String {
        if a.is_null() && !matches!(a, Atom::Char(_) | Atom::Guid(_)) {
            return String::new();
        }
        match a {
            Atom::Symbol(s) => s.as_str().to_string(),
            Atom::Char(c) => (*c as char).to_string(),
            _ => self.token(a, Ctx::Vector),
        }
    }

    fn dict_lines(&self, d: &Dict, rows: usize, max: usize) -> Vec<String> {
        // `` cols!`t `` (ref/flip-splayed) has one line
        if let Value::Atom(_) = &d.values {
            let mut s = String::new();
            self.dict_one(d, &mut s, max);
            return vec![s];
        }
        if let (Value::Table(k), Value::Table(v)) = (&d.keys, &d.values) {
            return self.keyed_table_lines(k, v, rows, max);
        }
        // a list of keys with a table of values (`exec q:sum qty by s`), or
        // a table of keys with a list of values (`exec sum qty by s:s`):
        // shown as a keyed table whose other side is one unnamed column
        let unnamed = |c: &Value| Table {
            names: vec![Sym::EMPTY],
            columns: vec![c.clone()],
        };
        match (&d.keys, &d.values) {
            (Value::Table(k), v) if v.is_list() && v.count() == k.len() && !k.is_empty() => {
                return self.keyed_table_lines(k, &unnamed(v), rows, max);
            }
            (k, Value::Table(v)) if k.is_list() && k.count() == v.len() && !v.is_empty() => {
                return self.keyed_table_lines(&unnamed(k), v, rows, max);
            }
            _ => {}
        }
        let n = d.keys.count();
        // an empty dictionary shows nothing at the console (basics/
        // dictsandtables: `()!()` and `` (`symbol$())!`float$() ``)
        if n == 0 && d.keys.is_list() {
            return Vec::new();
        }
        if !d.keys.is_list() {
            let mut s = String::new();
            self.dict_one(d, &mut s, max);
            return vec![s];
        }
        let shown = n.min(rows);
        let keys: Vec<String> = (0..shown).map(|i| self.cell(&d.keys, i, max)).collect();
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        // A typed vector of values shows its items bare (`` `a`b!`x`y `` gives
        // `a| x`); a general list shows as the console shows it: a matrix
        // when rectangular, else each item in its one-line form (`b| `x`,
        // `c| "h"`).
        let values: Vec<String> = match &d.values {
            Value::List(items) => {
                let items = &items[..shown.min(items.len())];
                let mut lines = self.list_lines(items, rows, max);
                // values that are all empty general lists show as nothing
                // (`.Q.id` of `(5#.Q.res)!5#()` in the reference shows
                // `abs1 | `); one among others shows `()` (`.Q.opt`)
                let all_empty = items
                    .iter()
                    .all(|v| matches!(v, Value::List(e) if e.is_empty()));
                if all_empty && lines.len() == items.len() {
                    for (l, v) in lines.iter_mut().zip(items) {
                        if matches!(v, Value::List(e) if e.is_empty()) {
                            l.clear();
                        }
                    }
                }
                lines
            }
            other => (0..shown).map(|i| self.cell(other, i, max)).collect(),
        };
        keys.into_iter()
            .zip(values.into_iter().chain(std::iter::repeat(String::new())))
            .map(|(k, v)| {
                let line = format!("{}| {}", pad(&k, width), v);
                line.trim_end().to_string()
            })
            .collect()
    }

    /// The columns of a table as padded text blocks: header, dashes, rows.
    fn table_block(&self, t: &Table, rows: usize, max: usize) -> (Vec<String>, usize) {
        let shown = t.len().min(rows);
        let mut cols: Vec<(String, Vec<String>)> = Vec::with_capacity(t.names.len());
        for (name, col) in t.names.iter().zip(t.columns.iter()) {
            let cells: Vec<String> = (0..shown).map(|i| self.cell(col, i, max)).collect();
            cols.push((name.as_str().to_string(), cells));
        }
        let widths: Vec<usize> = cols
            .iter()
            .map(|(h, cells)| {
                cells
                    .iter()
                    .map(|c| c.chars().count())
                    .chain(std::iter::once(h.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let total = widths.iter().sum::<usize>() + widths.len().saturating_sub(1);
        let line = |texts: Vec<&str>| -> String {
            let parts: Vec<String> = texts
                .iter()
                .zip(widths.iter())
                .map(|(t, &w)| pad(t, w))
                .collect();
            parts.join(" ")
        };
        let mut out = Vec::with_capacity(shown + 2);
        out.push(line(cols.iter().map(|(h, _)| h.as_str()).collect()));
        out.push("-".repeat(total));
        for r in 0..shown {
            out.push(line(cols.iter().map(|(_, c)| c[r].as_str()).collect()));
        }
        (out, total)
    }

    fn table_lines(&self, t: &Table, rows: usize, max: usize) -> Vec<String> {
        if t.names.is_empty() || stand_in_sym(t).is_some() {
            let mut s = String::from("+");
            self.table_dict_one(t, &mut s, max);
            return vec![s];
        }
        let (lines, _) = self.table_block(t, rows, max);
        lines
            .into_iter()
            .map(|l| l.trim_end().to_string())
            .collect()
    }

    fn keyed_table_lines(&self, k: &Table, v: &Table, rows: usize, max: usize) -> Vec<String> {
        let (kl, kw) = self.table_block(k, rows, max);
        let (vl, _) = self.table_block(v, rows, max);
        kl.into_iter()
            .zip(vl)
            .map(|(a, b)| format!("{}| {}", pad(&a, kw), b).trim_end().to_string())
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        let mut out = String::with_capacity(w);
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', w - n));
        out
    }
}

/// The left side of `!` needs parentheses when it is itself a dictionary,
/// table or a one-item list (`(,`a)!,1`).
fn needs_parens(keys: &Value, text: &str) -> bool {
    matches!(keys, Value::Dict(_) | Value::Table(_)) || text.starts_with(',')
}

/// True when a float's text already shows it is a float.
fn has_float_mark(t: &str) -> bool {
    t.contains(['.', 'e', 'n', 'w'])
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn int_token(v: i64, null: i64, inf: i64) -> String {
    if v == null {
        "0N".to_string()
    } else if v == inf {
        "0W".to_string()
    } else if v == -inf {
        "-0W".to_string()
    } else {
        v.to_string()
    }
}

/// Null/infinity spelling of an `i32` temporal, or `None` for a value.
fn temporal_i32(v: i32, letter: &str) -> Option<String> {
    match v {
        i32::MIN => Some(format!("0N{letter}")),
        i32::MAX => Some(format!("0W{letter}")),
        _ if v == -i32::MAX => Some(format!("-0W{letter}")),
        _ => None,
    }
}

fn temporal_i64(v: i64, letter: &str) -> Option<String> {
    match v {
        i64::MIN => Some(format!("0N{letter}")),
        i64::MAX => Some(format!("0W{letter}")),
        _ if v == -i64::MAX => Some(format!("-0W{letter}")),
        _ => None,
    }
}

/// q's escapes inside a string or char literal.
fn escape_char(c: u8, out: &mut String) {
    match c {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\t' => out.push_str("\\t"),
        b'\r' => out.push_str("\\r"),
        0x20..=0x7e => out.push(c as char),
        _ => out.push_str(&format!("\\{c:03o}")),
    }
}

fn guid_text(g: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in g.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Days since 2000.01.01 to (year, month, day).
fn civil(days: i64) -> (i64, u32, u32) {
    qcore::calendar::civil_from_days(days)
}

fn ymd_text(days: i64) -> String {
    let (y, m, d) = civil(days);
    if (1..=9999).contains(&y) {
        format!("{y:04}.{m:02}.{d:02}")
    } else {
        "0000.00.00".to_string()
    }
}

fn date_text(v: i32) -> String {
    ymd_text(v as i64)
}

fn month_text(v: i32) -> String {
    let y = 2000 + (v as i64).div_euclid(12);
    let m = (v as i64).rem_euclid(12) + 1;
    if (1..=9999).contains(&y) {
        format!("{y:04}.{m:02}")
    } else {
        "0000.00".to_string()
    }
}

const NS_DAY: i64 = 86_400_000_000_000;

fn timestamp_text(v: i64) -> String {
    let days = v.div_euclid(NS_DAY);
    let ns = v.rem_euclid(NS_DAY);
    format!("{}D{}", ymd_text(days), hms_nanos(ns))
}

fn hms_nanos(ns: i64) -> String {
    let s = ns / 1_000_000_000;
    format!(
        "{:02}:{:02}:{:02}.{:09}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ns % 1_000_000_000
    )
}

fn timespan_text(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs() as i64;
    format!("{sign}{}D{}", a / NS_DAY, hms_nanos(a % NS_DAY))
}

/// `hh:mm` (unit 1, minutes), `hh:mm:ss` (2, seconds), `hh:mm:ss.mmm` (3,
/// milliseconds).
fn clock_text(v: i32, unit: u8) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs() as u64;
    match unit {
        1 => format!("{sign}{:02}:{:02}", a / 60, a % 60),
        2 => format!("{sign}{:02}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60),
        _ => {
            let s = a / 1000;
            format!(
                "{sign}{:02}:{:02}:{:02}.{:03}",
                s / 3600,
                s / 60 % 60,
                s % 60,
                a % 1000
            )
        }
    }
}

fn datetime_text(x: f64) -> String {
    let ms = (x * 86_400_000.0).round();
    if !ms.is_finite() || ms.abs() > 1e15 {
        return "0000.00.00T00:00:00.000".to_string();
    }
    let ms = ms as i64;
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let date = ymd_text(days);
    if date == "0000.00.00" {
        return "0000.00.00T00:00:00.000".to_string();
    }
    format!("{date}T{}", clock_text(rem as i32, 3))
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// The one symbol every column of a stand-in table holds (`flip` of
/// `` cols!`t ``: a partitioned table, or one not resolved).
pub(crate) fn stand_in_sym(t: &Table) -> Option<Sym> {
    let Some(Value::Atom(Atom::Symbol(s))) = t.columns.first() else {
        return None;
    };
    let same = |c: &Value| matches!(c, Value::Atom(Atom::Symbol(x)) if x == s);
    t.columns.iter().all(same).then_some(*s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qcore::Sym;
    use std::sync::Arc;

    fn s() -> Console {
        Console::default()
    }
    fn c(v: Value) -> String {
        console(&v, &s())
    }
    fn a(x: Atom) -> String {
        c(Value::Atom(x))
    }
    fn vecv(v: Vector) -> String {
        c(Value::Vector(v))
    }
    fn syms(names: &[&str]) -> Vector {
        Vector::syms(names.iter().map(|n| Sym::new(n)).collect())
    }
    fn dict(k: Value, v: Value) -> Value {
        Value::Dict(Arc::new(Dict {
            keys: k,
            values: v,
            sorted: false,
        }))
    }
    fn table(names: &[&str], cols: Vec<Value>) -> Table {
        Table {
            names: names.iter().map(|n| Sym::new(n)).collect(),
            columns: cols,
        }
    }
    fn date(y: i64, m: u32, d: u32) -> i32 {
        // inverse of civil, by search from an estimate
        let mut x = (y - 2000) * 365 + (y - 2000) / 4;
        loop {
            let (yy, mm, dd) = civil(x);
            match (yy, mm, dd).cmp(&(y, m, d)) {
                std::cmp::Ordering::Equal => return x as i32,
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => x -= 1,
            }
        }
    }

    #[test]
    fn integer_atoms() {
        assert_eq!(a(Atom::Long(42)), "42");
        assert_eq!(a(Atom::Long(-7)), "-7");
        assert_eq!(a(Atom::Int(42)), "42i");
        assert_eq!(a(Atom::Short(42)), "42h");
        assert_eq!(a(Atom::Byte(42)), "0x2a");
        assert_eq!(a(Atom::Bool(true)), "1b");
        assert_eq!(a(Atom::Bool(false)), "0b");
    }

    #[test]
    fn integer_nulls_and_infinities() {
        assert_eq!(a(Atom::Long(i64::MIN)), "0N");
        assert_eq!(a(Atom::Long(i64::MAX)), "0W");
        assert_eq!(a(Atom::Long(-i64::MAX)), "-0W");
        assert_eq!(a(Atom::Int(i32::MIN)), "0Ni");
        assert_eq!(a(Atom::Int(i32::MAX)), "0Wi");
        assert_eq!(a(Atom::Int(-i32::MAX)), "-0Wi");
        assert_eq!(a(Atom::Short(i16::MIN)), "0Nh");
        // "There is no display for short infinity" (datatypes.md)
        assert_eq!(a(Atom::Short(i16::MAX)), "32767h");
        assert_eq!(a(Atom::Short(-i16::MAX)), "-32767h");
    }

    #[test]
    fn floats() {
        assert_eq!(a(Atom::Float(1.5)), "1.5");
        assert_eq!(a(Atom::Float(-1.5)), "-1.5");
        assert_eq!(a(Atom::Float(2.0)), "2f");
        assert_eq!(a(Atom::Float(0.0)), "0f");
        assert_eq!(a(Atom::Float(256.0)), "256f");
        assert_eq!(a(Atom::Float(1.0 / 3.0)), "0.3333333");
        assert_eq!(a(Atom::Float(0.1 + 0.2)), "0.3");
        assert_eq!(a(Atom::Float(100000000.0)), "1e+08");
        assert_eq!(a(Atom::Float(123456789.0)), "1.234568e+08");
        assert_eq!(a(Atom::Float(1e-5)), "1e-05");
        assert_eq!(a(Atom::Float(1.234e-7)), "1.234e-07");
        assert_eq!(a(Atom::Float(0.0001)), "0.0001");
        assert_eq!(a(Atom::Float(1234567.0)), "1234567f");
        assert_eq!(a(Atom::Float(2147483647.0)), "2.147484e+09");
        assert_eq!(a(Atom::Float(i64::MAX as f64)), "9.223372e+18");
        assert_eq!(a(Atom::Float(1e100)), "1e+100");
        assert_eq!(a(Atom::Float(99742.37)), "99742.37");
        assert_eq!(a(Atom::Float(2.0f64.sqrt())), "1.414214");
    }

    #[test]
    fn float_nulls_and_infinities() {
        assert_eq!(a(Atom::Float(f64::NAN)), "0n");
        assert_eq!(a(Atom::Float(f64::INFINITY)), "0w");
        assert_eq!(a(Atom::Float(f64::NEG_INFINITY)), "-0w");
        assert_eq!(a(Atom::Real(f32::NAN)), "0Ne");
        assert_eq!(a(Atom::Real(f32::INFINITY)), "0we");
        assert_eq!(a(Atom::Real(f32::NEG_INFINITY)), "-0we");
    }

    #[test]
    fn reals() {
        assert_eq!(a(Atom::Real(1.5)), "1.5e");
        assert_eq!(a(Atom::Real(2.0)), "2e");
        assert_eq!(a(Atom::Real(1.1)), "1.1e");
        assert_eq!(vecv(Vector::from_f32(vec![1.0, 2.5])), "1 2.5e");
        assert_eq!(vecv(Vector::from_f32(vec![1.0, f32::NAN])), "1 0Ne");
    }

    #[test]
    fn precision_setting() {
        let mut st = s();
        st.precision = 0;
        assert_eq!(
            console(&Value::float(1.0 / 3.0), &st),
            "0.33333333333333331"
        );
        assert_eq!(
            console(&Value::float(0.1 + 0.2), &st),
            "0.30000000000000004"
        );
        st.precision = 12;
        assert_eq!(console(&Value::float(1.23456789012), &st), "1.23456789012");
        st.precision = 3;
        assert_eq!(console(&Value::float(1.23456), &st), "1.23");
        assert_eq!(console(&Value::float(1234.5), &st), "1.23e+03");
        assert_eq!(format_float(2.0 / 3.0, 7), "0.6666667");
        assert_eq!(format_float(2.0 / 3.0, 16), "0.6666666666666666");
    }

    #[test]
    fn chars_and_symbols() {
        assert_eq!(a(Atom::Char(b'a')), "\"a\"");
        assert_eq!(a(Atom::Char(b' ')), "\" \"");
        assert_eq!(a(Atom::Char(b'"')), "\"\\\"\"");
        assert_eq!(a(Atom::Char(b'\\')), "\"\\\\\"");
        assert_eq!(a(Atom::Char(b'\n')), "\"\\n\"");
        assert_eq!(a(Atom::Symbol(Sym::new("abc"))), "`abc");
        assert_eq!(a(Atom::Symbol(Sym::EMPTY)), "`");
        assert_eq!(vecv(Vector::chars(b"abc")), "\"abc\"");
        assert_eq!(
            vecv(Vector::chars("Zürich".as_bytes())),
            "\"Z\\303\\274rich\""
        );
        assert_eq!(vecv(Vector::chars(b"a\tb")), "\"a\\tb\"");
    }

    #[test]
    fn guids() {
        let g: [u8; 16] = [
            0x61, 0xf3, 0x51, 0x74, 0x90, 0xbc, 0xa4, 0x8a, 0xd8, 0x8f, 0xe1, 0x5e, 0x4a, 0x37,
            0x7e, 0xc8,
        ];
        assert_eq!(a(Atom::Guid(g)), "61f35174-90bc-a48a-d88f-e15e4a377ec8");
        assert_eq!(
            a(Atom::Guid([0; 16])),
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(
            vecv(Vector::guids(vec![[0; 16], g])),
            "00000000-0000-0000-0000-000000000000 61f35174-90bc-a48a-d88f-e15e4a377ec8"
        );
        assert_eq!(
            vecv(Vector::guids(vec![g])),
            ",61f35174-90bc-a48a-d88f-e15e4a377ec8"
        );
    }

    #[test]
    fn temporal_atoms() {
        let d = date(2024, 1, 2);
        assert_eq!(d, 8767);
        assert_eq!(a(Atom::Date(d)), "2024.01.02");
        assert_eq!(a(Atom::Date(0)), "2000.01.01");
        assert_eq!(a(Atom::Date(-1)), "1999.12.31");
        assert_eq!(a(Atom::Date(31)), "2000.02.01");
        assert_eq!(a(Atom::Month(288)), "2024.01m");
        assert_eq!(a(Atom::Month(-1)), "1999.12m");
        assert_eq!(
            a(Atom::Timestamp(d as i64 * NS_DAY + 10 * 3_600_000_000_000)),
            "2024.01.02D10:00:00.000000000"
        );
        assert_eq!(a(Atom::Timestamp(-1)), "1999.12.31D23:59:59.999999999");
        assert_eq!(a(Atom::Timespan(3_600_000_000_000)), "0D01:00:00.000000000");
        assert_eq!(
            a(Atom::Timespan(-3_600_000_000_000)),
            "-0D01:00:00.000000000"
        );
        assert_eq!(a(Atom::Timespan(NS_DAY + 1)), "1D00:00:00.000000001");
        assert_eq!(a(Atom::Time(36_000_000)), "10:00:00.000");
        assert_eq!(a(Atom::Time(45_296_789)), "12:34:56.789");
        assert_eq!(a(Atom::Minute(750)), "12:30");
        assert_eq!(a(Atom::Second(45_015)), "12:30:15");
        assert_eq!(a(Atom::Second(-1)), "-00:00:01");
        assert_eq!(
            a(Atom::Datetime(d as f64 + 10.0 / 24.0)),
            "2024.01.02T10:00:00.000"
        );
        assert_eq!(a(Atom::Datetime(0.5)), "2000.01.01T12:00:00.000");
    }

    #[test]
    fn temporal_nulls_and_infinities() {
        assert_eq!(a(Atom::Date(i32::MIN)), "0Nd");
        assert_eq!(a(Atom::Date(i32::MAX)), "0Wd");
        assert_eq!(a(Atom::Date(-i32::MAX)), "-0Wd");
        assert_eq!(a(Atom::Month(i32::MIN)), "0Nm");
        assert_eq!(a(Atom::Month(i32::MAX)), "0Wm");
        assert_eq!(a(Atom::Timestamp(i64::MIN)), "0Np");
        assert_eq!(a(Atom::Timestamp(i64::MAX)), "0Wp");
        assert_eq!(a(Atom::Timestamp(-i64::MAX)), "-0Wp");
        assert_eq!(a(Atom::Timespan(i64::MIN)), "0Nn");
        assert_eq!(a(Atom::Timespan(i64::MAX)), "0Wn");
        assert_eq!(a(Atom::Minute(i32::MIN)), "0Nu");
        assert_eq!(a(Atom::Second(i32::MIN)), "0Nv");
        assert_eq!(a(Atom::Time(i32::MIN)), "0Nt");
        assert_eq!(a(Atom::Time(i32::MAX)), "0Wt");
        assert_eq!(a(Atom::Datetime(f64::NAN)), "0Nz");
        assert_eq!(a(Atom::Datetime(f64::INFINITY)), "0wz");
    }

    #[test]
    fn out_of_range_dates() {
        // datatypes.md: 0001.01.01-1 shows 0000.00.00
        let d = date(1, 1, 1);
        assert_eq!(a(Atom::Date(d)), "0001.01.01");
        assert_eq!(a(Atom::Date(d - 1)), "0000.00.00");
        assert_eq!(a(Atom::Datetime((d - 1) as f64)), "0000.00.00T00:00:00.000");
        assert_eq!(a(Atom::Date(date(9999, 12, 31))), "9999.12.31");
    }

    #[test]
    fn numeric_vectors() {
        assert_eq!(vecv(Vector::longs(vec![1, 2, 3])), "1 2 3");
        assert_eq!(vecv(Vector::from_i32(Ty::Int, vec![1, 2, 3])), "1 2 3i");
        assert_eq!(vecv(Vector::from_i16(vec![1, 2, 3])), "1 2 3h");
        assert_eq!(vecv(Vector::floats(vec![1.0, 2.0, 3.0])), "1 2 3f");
        assert_eq!(vecv(Vector::floats(vec![1.5, 2.0, 3.0])), "1.5 2 3");
        assert_eq!(vecv(Vector::floats(vec![1e8, 2.0])), "1e+08 2");
        assert_eq!(vecv(Vector::bools(vec![true, false, true])), "101b");
        assert_eq!(vecv(Vector::from_u8(Ty::Byte, vec![1, 2, 255])), "0x0102ff");
        assert_eq!(vecv(syms(&["a", "b", "c"])), "`a`b`c");
        assert_eq!(vecv(syms(&["a", "", "c"])), "`a``c");
        assert_eq!(
            vecv(Vector::floats(vec![10.0, 11.25, 12.5, 13.75, 15.0])),
            "10 11.25 12.5 13.75 15"
        );
    }

    #[test]
    fn vectors_with_nulls() {
        assert_eq!(vecv(Vector::longs(vec![1, i64::MIN, 3])), "1 0N 3");
        assert_eq!(vecv(Vector::longs(vec![i64::MAX, -i64::MAX])), "0W -0W");
        assert_eq!(
            vecv(Vector::from_i32(Ty::Int, vec![1, i32::MIN, i32::MAX])),
            "1 0N 0Wi"
        );
        assert_eq!(vecv(Vector::from_i16(vec![1, i16::MIN])), "1 0Nh");
        assert_eq!(
            vecv(Vector::floats(vec![
                0.1821448,
                1.0,
                1.04138,
                f64::NAN,
                f64::INFINITY
            ])),
            "0.1821448 1 1.04138 0n 0w"
        );
        assert_eq!(
            vecv(Vector::floats(vec![
                f64::INFINITY,
                0.0,
                f64::NAN,
                1.0 / 3.0,
                0.1
            ])),
            "0w 0 0n 0.3333333 0.1"
        );
        assert_eq!(
            vecv(Vector::from_i32(Ty::Date, vec![0, i32::MIN])),
            "2000.01.01 0Nd"
        );
    }

    #[test]
    fn temporal_vectors() {
        assert_eq!(
            vecv(Vector::from_i32(Ty::Date, vec![8766, 8767])),
            "2024.01.01 2024.01.02"
        );
        assert_eq!(
            vecv(Vector::from_i32(Ty::Month, vec![288, 289])),
            "2024.01 2024.02m"
        );
        assert_eq!(
            vecv(Vector::from_i32(Ty::Minute, vec![750, 751])),
            "12:30 12:31"
        );
        assert_eq!(
            vecv(Vector::from_i32(Ty::Time, vec![0, 1])),
            "00:00:00.000 00:00:00.001"
        );
        assert_eq!(
            vecv(Vector::from_i64(Ty::Timespan, vec![0, 1])),
            "0D00:00:00.000000000 0D00:00:00.000000001"
        );
    }

    #[test]
    fn empty_vectors() {
        assert_eq!(vecv(Vector::empty(Ty::Long)), "`long$()");
        assert_eq!(vecv(Vector::empty(Ty::Char)), "\"\"");
        assert_eq!(vecv(Vector::empty(Ty::Symbol)), "`symbol$()");
        assert_eq!(vecv(Vector::empty(Ty::Float)), "`float$()");
        assert_eq!(vecv(Vector::empty(Ty::Bool)), "`boolean$()");
        assert_eq!(vecv(Vector::empty(Ty::Int)), "`int$()");
        assert_eq!(vecv(Vector::empty(Ty::Date)), "`date$()");
        assert_eq!(vecv(Vector::empty(Ty::Guid)), "`guid$()");
        assert_eq!(c(Value::list(vec![])), "()");
    }

    #[test]
    fn one_item_vectors() {
        assert_eq!(vecv(Vector::longs(vec![1])), ",1");
        assert_eq!(vecv(Vector::chars(b"a")), ",\"a\"");
        assert_eq!(vecv(syms(&["a"])), ",`a");
        assert_eq!(vecv(Vector::floats(vec![1.5])), ",1.5");
        assert_eq!(vecv(Vector::floats(vec![2.0])), ",2f");
        assert_eq!(vecv(Vector::from_u8(Ty::Byte, vec![1])), ",0x01");
        assert_eq!(vecv(Vector::bools(vec![true])), ",1b");
        assert_eq!(vecv(Vector::from_i32(Ty::Int, vec![7])), ",7i");
        assert_eq!(vecv(Vector::from_i32(Ty::Date, vec![0])), ",2000.01.01");
    }

    #[test]
    fn attributes() {
        let mut v = Vector::longs(vec![1, 2, 3]);
        v.attr = Attr::Sorted;
        assert_eq!(vecv(v), "`s#1 2 3");
        let mut v = syms(&["a", "b"]);
        v.attr = Attr::Unique;
        assert_eq!(vecv(v), "`u#`a`b");
    }

    #[test]
    fn general_lists() {
        let l = Value::list(vec![Value::long(1), Value::sym("a"), Value::char(b'b')]);
        assert_eq!(c(l.clone()), "1\n`a\n\"b\"");
        assert_eq!(one_line(&l, 7), "(1;`a;\"b\")");
        let l = Value::list(vec![Value::long(1), Vector::longs(vec![2, 3]).into()]);
        assert_eq!(c(l.clone()), "1\n2 3");
        assert_eq!(one_line(&l, 7), "(1;2 3)");
        let strs = Value::list(vec![Value::string("ab"), Value::string("c")]);
        assert_eq!(c(strs), "\"ab\"\n,\"c\"");
        // string (2 3;"abc") (string.md)
        let s2 = Value::list(vec![Value::string("2"), Value::string("3")]);
        let sabc = Value::list(vec![
            Value::string("a"),
            Value::string("b"),
            Value::string("c"),
        ]);
        assert_eq!(
            c(Value::list(vec![s2, sabc])),
            "(,\"2\";,\"3\")\n(,\"a\";,\"b\";,\"c\")"
        );
        let nested = Value::list(vec![
            Vector::longs(vec![1, 2]).into(),
            Value::list(vec![Value::long(3), Vector::longs(vec![4, 5]).into()]),
        ]);
        // rectangular (two items of count 2): matrix form
        assert_eq!(c(nested.clone()), "1 2\n3 4 5");
        assert_eq!(one_line(&nested, 7), "(1 2;(3;4 5))");
        let one = Value::list(vec![Vector::longs(vec![1, 2]).into()]);
        // enlist.md / list.qt: a one-item list shows its leading comma
        assert_eq!(c(one.clone()), ",1 2");
        assert_eq!(c(Value::list(vec![Value::string("ab")])), ",\"ab\"");
        assert_eq!(c(Value::list(vec![syms(&["a", "b"]).into()])), ",`a`b");
        assert_eq!(one_line(&one, 7), ",1 2");
        let withnil = Value::list(vec![Value::Nil, Value::long(1)]);
        assert_eq!(c(withnil.clone()), "::\n1");
        assert_eq!(one_line(&withnil, 7), "(::;1)");
        assert_eq!(one_line(&Value::list(vec![]), 7), "()");
    }

    #[test]
    fn rectangular_lists_print_as_matrices() {
        // accumulators.md: 3 dbl\2 7
        let l = Value::list(
            [[2, 7], [4, 14], [8, 28], [16, 56]]
                .iter()
                .map(|r| Vector::longs(r.to_vec()).into())
                .collect(),
        );
        assert_eq!(c(l.clone()), "2  7\n4  14\n8  28\n16 56");
        assert_eq!(one_line(&l, 7), "(2 7;4 14;8 28;16 56)");
        // apply.md: d . (2 0; 0 1)
        let v = |x: &[i64]| -> Value { Vector::longs(x.to_vec()).into() };
        let l = Value::list(vec![
            Value::list(vec![v(&[13, 14]), v(&[15, 16, 17, 18])]),
            Value::list(vec![v(&[1, 2, 3]), v(&[4, 5, 6, 7])]),
        ]);
        assert_eq!(c(l), "13 14 15 16 17 18\n1 2 3 4 5 6 7");
        // apply.md: d . enlist[::] (not rectangular)
        let d = Value::list(vec![
            Value::list(vec![v(&[1, 2, 3]), v(&[4, 5, 6, 7])]),
            Value::list(vec![v(&[8, 9]), Value::long(10), v(&[11, 12])]),
            Value::list(vec![v(&[13, 14]), v(&[15, 16, 17, 18]), v(&[19, 20])]),
        ]);
        assert_eq!(
            c(d),
            "(1 2 3;4 5 6 7)\n(8 9;10;11 12)\n(13 14;15 16 17 18;19 20)"
        );
        // symbols lose their backticks; strings and booleans keep their form
        let l = Value::list(vec![syms(&["a", "b"]).into(), syms(&["cc", "d"]).into()]);
        assert_eq!(c(l), "a  b\ncc d");
        let l = Value::list(vec![Value::string("ab"), Value::string("cd")]);
        assert_eq!(c(l), "\"ab\"\n\"cd\"");
        let l = Value::list(vec![
            Vector::bools(vec![true, false]).into(),
            Vector::bools(vec![false, true]).into(),
        ]);
        assert_eq!(c(l), "10b\n01b");
    }

    #[test]
    fn nil_prints_nothing() {
        assert_eq!(c(Value::Nil), "");
        assert_eq!(one_line(&Value::Nil, 7), "::");
    }

    #[test]
    fn dictionaries() {
        let d = dict(syms(&["a", "b"]).into(), Vector::longs(vec![1, 2]).into());
        assert_eq!(c(d.clone()), "a| 1\nb| 2");
        assert_eq!(one_line(&d, 7), "`a`b!1 2");
        let d = dict(
            syms(&["a", "bcd"]).into(),
            Value::list(vec![
                Vector::longs(vec![1, 2]).into(),
                Vector::longs(vec![3, 4]).into(),
            ]),
        );
        assert_eq!(c(d.clone()), "a  | 1 2\nbcd| 3 4");
        assert_eq!(one_line(&d, 7), "`a`bcd!(1 2;3 4)");
        // datatypes.md: temporal values in a dictionary
        let d = dict(
            syms(&["minutes", "seconds", "nanoseconds"]).into(),
            Value::list(vec![
                Atom::Minute(720).into(),
                Atom::Second(43200).into(),
                Atom::Timespan(43_200_000_000_000).into(),
            ]),
        );
        assert_eq!(
            c(d),
            "minutes    | 12:00\nseconds    | 12:00:00\nnanoseconds| 0D12:00:00.000000000"
        );
        // string.md: string values keep their quotes
        let d = dict(
            syms(&["a", "b"]).into(),
            Value::list(vec![Value::string("2002"), Value::string("2004")]),
        );
        assert_eq!(c(d), "a| \"2002\"\nb| \"2004\"");
        // first.md: a general list of values shows each in its one-line form
        // (`c| "h"`, `` s| `s$`s1 ``); a symbol vector's items are bare
        let d = dict(
            Vector::longs(vec![1, 2]).into(),
            Value::list(vec![Value::sym("x"), Value::float(2.0)]),
        );
        assert_eq!(c(d.clone()), "1| `x\n2| 2f");
        assert_eq!(one_line(&d, 7), "1 2!(`x;2f)");
        let d = dict(syms(&["a", "b"]).into(), syms(&["x", "y"]).into());
        assert_eq!(c(d), "a| x\nb| y");
        let d = dict(
            syms(&["a", "b", "c"]).into(),
            Value::list(vec![
                Value::long(1),
                Value::sym("x"),
                Atom::Char(b'h').into(),
            ]),
        );
        assert_eq!(c(d), "a| 1\nb| `x\nc| \"h\"");
        // reverse.md: equal-length values print as an aligned matrix
        let d = dict(
            syms(&["b", "a"]).into(),
            Value::list(vec![
                Value::string("xyz"),
                Vector::longs(vec![1, 2, 3]).into(),
            ]),
        );
        assert_eq!(c(d), "b| x y z\na| 1 2 3");
        let d = dict(
            syms(&["a", "b"]).into(),
            Value::list(vec![
                Vector::longs(vec![1, 2]).into(),
                Vector::longs(vec![30, 4]).into(),
            ]),
        );
        assert_eq!(c(d), "a| 1  2\nb| 30 4");
        let e = dict(Value::list(vec![]), Value::list(vec![]));
        assert_eq!(c(e.clone()), "");
        assert_eq!(one_line(&e, 7), "()!()");
        let single = dict(syms(&["a"]).into(), Vector::longs(vec![1]).into());
        assert_eq!(one_line(&single, 7), "(,`a)!,1");
        assert_eq!(c(single), "a| 1");
    }

    #[test]
    fn tables() {
        // string.md: string ([]a:1 2 3;b:`ibm`goog`aapl)
        let t = table(
            &["a", "b"],
            vec![
                Value::list(vec![
                    Value::string("1"),
                    Value::string("2"),
                    Value::string("3"),
                ]),
                Value::list(vec![
                    Value::string("ibm"),
                    Value::string("goog"),
                    Value::string("aapl"),
                ]),
            ],
        );
        assert_eq!(
            c(Value::Table(Arc::new(t))),
            "a    b\n-----------\n,\"1\" \"ibm\"\n,\"2\" \"goog\"\n,\"3\" \"aapl\""
        );
        // exp.md: 10 xlog t (nulls blank)
        let t = table(
            &["a", "b"],
            vec![
                Vector::floats(vec![1.0, f64::NAN, 0.4771213]).into(),
                Vector::floats(vec![0.60206, 0.69897, f64::NAN]).into(),
            ],
        );
        let tv = Value::Table(Arc::new(t.clone()));
        assert_eq!(
            c(tv.clone()),
            "a         b\n-----------------\n1         0.60206\n          0.69897\n0.4771213"
        );
        assert_eq!(
            one_line(&tv, 7),
            "+`a`b!(1 0n 0.4771213;0.60206 0.69897 0n)"
        );
        // syscmds.md: vv with one column uu
        let t1 = table(&["uu"], vec![Vector::longs(vec![12, 45]).into()]);
        let t1v = Value::Table(Arc::new(t1));
        assert_eq!(c(t1v.clone()), "uu\n--\n12\n45");
        assert_eq!(one_line(&t1v, 7), "+(,`uu)!,12 45");
        // keyed table (exp.md: 10 xlog k)
        let k = table(&["k"], vec![syms(&["abc", "def", "ghi"]).into()]);
        let kt = dict(Value::Table(Arc::new(k)), Value::Table(Arc::new(t)));
        assert_eq!(
            c(kt.clone()),
            "k  | a         b\n---| -----------------\nabc| 1         0.60206\ndef|           0.69897\nghi| 0.4771213"
        );
        assert_eq!(
            one_line(&kt, 7),
            "(+(,`k)!,`abc`def`ghi)!+`a`b!(1 0n 0.4771213;0.60206 0.69897 0n)"
        );
        // symbols, chars, bools in columns
        let t = table(
            &["s", "c", "f"],
            vec![
                syms(&["x", "yy"]).into(),
                Vector::chars(b"ab").into(),
                Vector::bools(vec![true, false]).into(),
            ],
        );
        assert_eq!(
            c(Value::Table(Arc::new(t))),
            "s  c f\n------\nx  a 1\nyy b 0"
        );
        // empty table
        let t = table(&["a"], vec![Vector::empty(Ty::Long).into()]);
        assert_eq!(c(Value::Table(Arc::new(t))), "a\n-");
    }

    #[test]
    fn width_truncation() {
        // cmdline.md: q -c 10 20; til each 20+til 10
        let rows: Vec<Value> = (0..10)
            .map(|i| Vector::longs((0..20 + i).collect()).into())
            .collect();
        let l = Value::list(rows);
        let st = Console {
            rows: 10,
            cols: 20,
            precision: 7,
        };
        let line = "0 1 2 3 4 5 6 7 8..";
        let want = [line; 7].join("\n") + "\n..";
        assert_eq!(console(&l, &st), want);
        // syscmds.md: \c 10 10
        let st = Console {
            rows: 10,
            cols: 10,
            precision: 7,
        };
        let want = ["0 1 2 3.."; 7].join("\n") + "\n..";
        assert_eq!(console(&l, &st), want);
    }

    #[test]
    fn width_boundary() {
        let st = Console {
            rows: 25,
            cols: 20,
            precision: 7,
        };
        // 19 characters fit at \c 25 20; 20 do not
        let fits = Value::string("abcdefghijklmnopq"); // 17 + 2 quotes = 19
        assert_eq!(console(&fits, &st), "\"abcdefghijklmnopq\"");
        let over = Value::string("abcdefghijklmnopqr"); // 20
        assert_eq!(console(&over, &st), "\"abcdefghijklmnop..");
        // default 80 columns: long vectors are cut, not counted
        let v: Value = Vector::longs((0..100).collect()).into();
        let got = c(v);
        assert_eq!(got.len(), 79);
        assert!(got.ends_with(" 27 28 .."), "{got}");
        let big: Value = Vector::longs((0..10_000_000).collect()).into();
        assert_eq!(c(big).len(), 79);
    }

    #[test]
    fn height_boundary() {
        let st = Console {
            rows: 10,
            cols: 80,
            precision: 7,
        };
        let mk = |n: i64| Value::list((0..n).map(|i| Vector::longs(vec![i, i]).into()).collect());
        // 8 lines (rows-2) fit; 9 are cut to 7 plus ..
        assert_eq!(console(&mk(8), &st).lines().count(), 8);
        let cut = console(&mk(9), &st);
        assert_eq!(cut.lines().count(), 8);
        assert!(cut.ends_with("6 6\n.."));
        let t = table(&["a"], vec![Vector::longs((0..100).collect()).into()]);
        let got = console(&Value::Table(Arc::new(t)), &st);
        assert_eq!(got, "a\n-\n0\n1\n2\n3\n4\n..");
    }

    #[test]
    fn string_of_atoms() {
        assert_eq!(atom_text(&Atom::Float(1.5), 7), "1.5");
        assert_eq!(atom_text(&Atom::Float(2.0), 7), "2");
        assert_eq!(atom_text(&Atom::Float(1.0 / 3.0), 7), "0.3333333");
        assert_eq!(atom_text(&Atom::Real(1.5), 7), "1.5");
        assert_eq!(atom_text(&Atom::Long(2), 7), "2");
        assert_eq!(atom_text(&Atom::Int(42), 7), "42");
        assert_eq!(atom_text(&Atom::Short(42), 7), "42");
        assert_eq!(atom_text(&Atom::Symbol(Sym::new("abc")), 7), "abc");
        assert_eq!(atom_text(&Atom::Date(8767), 7), "2024.01.02");
        assert_eq!(atom_text(&Atom::Month(288), 7), "2024.01");
        assert_eq!(atom_text(&Atom::Bool(true), 7), "1");
        assert_eq!(atom_text(&Atom::Char(b'x'), 7), "x");
        assert_eq!(atom_text(&Atom::Byte(0x2a), 7), "2a");
        assert_eq!(atom_text(&Atom::Time(36_000_000), 7), "10:00:00.000");
    }

    #[test]
    fn functions() {
        let plus = qcore::Prim {
            id: 1,
            type_code: 102,
            name: "+",
        };
        assert_eq!(func_text(&Func::Builtin(plus)), "+");
        let til = qcore::Prim {
            id: 40,
            type_code: 101,
            name: "til",
        };
        assert_eq!(func_text(&Func::Builtin(til)), "til");
        let proj = Func::Projection(Arc::new(qcore::Projection {
            func: Value::Func(Func::Builtin(plus)),
            args: vec![Some(Value::long(1)), None],
        }));
        assert_eq!(func_text(&proj), "+[1]");
        let proj2 = Func::Projection(Arc::new(qcore::Projection {
            func: Value::Func(Func::Builtin(plus)),
            args: vec![None, Some(Value::long(1))],
        }));
        assert_eq!(func_text(&proj2), "+[;1]");
        let der = Func::Derived(Arc::new(qcore::Derived {
            adverb: qparser::Adverb::Over,
            operand: Value::Func(Func::Builtin(plus)),
        }));
        assert_eq!(func_text(&der), "+/");
        assert_eq!(c(Value::Func(der)), "+/");
        let der2 = Func::Derived(Arc::new(qcore::Derived {
            adverb: qparser::Adverb::EachLeft,
            operand: Value::Func(proj.clone()),
        }));
        assert_eq!(func_text(&der2), "+[1]\\:");
        let comp = Func::Composition(Arc::new(vec![
            Value::Func(Func::Builtin(plus)),
            Value::Func(Func::Builtin(til)),
        ]));
        assert_eq!(func_text(&comp), "'[+;til]");
        let l = Value::list(vec![Value::Func(proj), Value::long(2)]);
        assert_eq!(one_line(&l, 7), "(+[1];2)");
    }

    #[test]
    fn lambdas_print_their_source() {
        let mut it = crate::Interp::new();
        let f = it.eval_text("{x+y}").unwrap_or(Value::Nil);
        assert_eq!(c(f), "{x+y}");
        let p = it.eval_text("{x+y}[1]").unwrap_or(Value::Nil);
        assert_eq!(c(p), "{x+y}[1]");
        let q = it.eval_text("{[a;b] a*b}").unwrap_or(Value::Nil);
        assert_eq!(c(q), "{[a;b] a*b}");
    }

    #[test]
    fn float_formatting_matches_printf_g() {
        // spot checks of the %g switch points
        for (x, want) in [
            (999999.9, "999999.9"),
            (9999999.0, "9999999"),
            (10000000.0, "1e+07"),
            (0.00012345, "0.00012345"),
            (0.000012345, "1.2345e-05"),
            (-0.5, "-0.5"),
            (123.456789, "123.4568"),
            (5e-324, "4.940656e-324"),
        ] {
            assert_eq!(format_float(x, 7), want, "{x}");
        }
    }
}
