//! The syntax tree of BorF (q) source text.
//!
//! The tree is deliberately close to q's own parse trees: q has no operator
//! precedence, so an expression is just nested applications read right to
//! left. The parser decides only *syntactic* roles (which token is applied to
//! which); what a name means is the evaluator's business.
//!
//! **Invariant:** every node carries the byte span of the source text it came
//! from, so the console can put a caret under the failing expression.

use std::ops::Range;

pub use qcore::Adverb;

/// Byte offsets into the source text of one parse.
pub type Span = Range<usize>;

/// One expression with the span of source that produced it.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }
}

/// The shapes an expression can take.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A literal constant: atom or simple vector (`1`, `1 2 3`, `` `a`b ``,
    /// `"abc"`, `0x0102`, `2024.01.02`, `0N`).
    Lit(Literal),
    /// A name: `x`, `foo`, `.a.b`, and keyword names such as `til` or `xbar`.
    /// Keywords are names, as in q; the evaluator resolves them.
    Name(String),
    /// A primitive glyph verb: one of `+ - * % ! & | < > = ~ , ^ # _ $ ? @ .`
    /// and the two-character comparisons `<= >= <>`, plus the file verbs
    /// `0: 1: 2:` (kept as their full text).
    Verb(String),
    /// An iterator applied to its operand: `f'`, `f/`, `f\`, `f':`, `f/:`, `f\:`.
    Derived(Adverb, Box<Expr>),
    /// Bracket application `f[a;b]`. An elided argument (`f[;2]`) is
    /// `ExprKind::Elided`. `f[]` has one `Elided` argument, as in q
    /// (`f[]` is `f[::]`).
    Call(Box<Expr>, Vec<Expr>),
    /// Juxtaposition `f x`: a verb in prefix position takes its monadic form
    /// (`-x` is `neg x`); anything else is applied to / indexed by one argument.
    Monadic(Box<Expr>, Box<Expr>),
    /// Infix application `x f y` of a verb, a derived verb or an infix
    /// keyword (`x in y`, `2 xbar t`).
    Dyadic(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A verb with only its left argument: `(2+)`, `(1 2,)`. q calls this a
    /// projection of the left argument.
    LeftProj(Box<Expr>, Box<Expr>),
    /// A lambda `{[a;b] ...}`.
    Lambda(Lambda),
    /// A parenthesised list `(a;b;c)`; `()` is the empty general list.
    /// (A parenthesised single expression `(x)` is just `x`.)
    List(Vec<Expr>),
    /// An elided expression: an empty slot in `(;)`, `f[;2]`, or the empty
    /// statement after a trailing `;`.
    Elided,
    /// Assignment. `name:value`, `name::value` (global), `name+:value`
    /// (modified), `name[i;j]:value`, `name[i]+:value`.
    Assign(Box<Assign>),
    /// Pattern assignment `(p):v` (q 4.1): the parenthesised expression on
    /// the left read as a pattern (`(b;c):2 3`, `(1 2!(x;y)):d`,
    /// `((a;b):`F):v`); `true` for `::`.
    Match(Box<Expr>, Box<Expr>, bool),
    /// The pattern conditional `:[v;p1;r1;p2;r2;...;rd]`.
    MatchCond(Vec<Expr>),
    /// `$[c;a;b;...]`.
    Cond(Vec<Expr>),
    /// `if[c;e1;e2;...]`.
    If(Vec<Expr>),
    /// `do[n;e1;e2;...]`.
    Do(Vec<Expr>),
    /// `while[c;e1;e2;...]`.
    While(Vec<Expr>),
    /// `:x` inside a lambda: return early.
    Return(Box<Expr>),
    /// `'x`: signal an error.
    Signal(Box<Expr>),
    /// A sequence of statements that must evaluate in order: the statements
    /// of one top-level line separated by `;` (the value is the last one's).
    Block(Vec<Expr>),
    /// A qSQL statement: `select`, `exec`, `update` or `delete`. It takes
    /// the rest of its statement; the evaluator runs it as the functional
    /// form (`?[t;c;b;a]` or `![t;c;b;a]`).
    Sql(Box<SqlQuery>),
}

/// Which qSQL template a [`SqlQuery`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlKind {
    Select,
    Exec,
    Update,
    Delete,
}

/// A qSQL statement as written:
/// `select[limit] [distinct] columns by by from from where where_`.
///
/// Column and by items are the comma-separated expressions of their phrase
/// (commas split only at the phrase's top level: `(x,y)` is a join), each
/// with its explicit name (`a:sum x`) if one was written; implicit names are
/// the evaluator's business. `where_` holds the constraints in order.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlQuery {
    pub kind: SqlKind,
    /// `select distinct`.
    pub distinct: bool,
    /// `select[n]` / `select[m n]` / `select[n;>c]`: the row count (or
    /// start and count) expression.
    pub limit: Option<Expr>,
    /// `select[>c]` / `select[n;<c]`: sort the selected rows by column `c`,
    /// descending when the flag is true.
    pub order: Option<(bool, String)>,
    pub columns: Vec<(Option<String>, Expr)>,
    pub by: Vec<(Option<String>, Expr)>,
    /// The table expression (everything between `from` and `where`).
    pub from: Expr,
    pub where_: Vec<Expr>,
}

impl SqlKind {
    /// The keyword as written.
    pub fn keyword(self) -> &'static str {
        match self {
            SqlKind::Select => "select",
            SqlKind::Exec => "exec",
            SqlKind::Update => "update",
            SqlKind::Delete => "delete",
        }
    }

    /// The template a keyword starts, if it is one.
    pub fn from_keyword(s: &str) -> Option<SqlKind> {
        Some(match s {
            "select" => SqlKind::Select,
            "exec" => SqlKind::Exec,
            "update" => SqlKind::Update,
            "delete" => SqlKind::Delete,
            _ => return None,
        })
    }
}

/// A target of assignment with optional indexes and modifier.
#[derive(Clone, Debug, PartialEq)]
pub struct Assign {
    /// Variable name (possibly dotted, `.a.b`).
    pub name: String,
    /// `Some(indexes)` for `x[i;j]:v`.
    pub indexes: Option<Vec<Expr>>,
    /// The verb of a modified assignment `x+:v` / `x,:v` (`Verb`, `Name` or
    /// `Derived` expression).
    pub modifier: Option<Expr>,
    /// `::` assigns the global even inside a lambda.
    pub global: bool,
    pub value: Expr,
}

/// A lambda as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Lambda {
    /// Declared parameters `{[a;b]...}`; `None` means implicit `x y z`.
    pub params: Option<Vec<String>>,
    /// Parameters written as patterns (`{[(a;b);c]..}`, `{[x;]..}`,
    /// `{[x:f]..}`): the parameter's position and its pattern. Their names
    /// in `params` are placeholders no q name can spell.
    pub patterns: Vec<(usize, Expr)>,
    /// Statements of the body. A trailing `;` yields a final `Elided`,
    /// which makes the lambda return the generic null.
    pub body: Vec<Expr>,
    /// The exact source text `{...}`, which q shows when printing a function.
    pub source: String,
}

/// A literal with its q type decided by the lexer. Temporal values are
/// already converted to q's integer (or float, for datetime) counts from
/// 2000.01.01 — see [`qcore::calendar`].
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    /// True for an atom (`1`, `"a"`, `` `a ``, `0x01`, `1b`); false for a
    /// vector (`1 2`, `"ab"`, `` `a`b ``, `0x0102`, `01b`, `,` never here).
    pub atom: bool,
    pub values: LitValues,
}

/// The items of a literal, one variant per q type. Nulls and infinities are
/// q's sentinel values (`i64::MIN` for `0N`, `i64::MAX` for `0W`, NaN for
/// `0n`, ...).
#[derive(Clone, Debug, PartialEq)]
pub enum LitValues {
    Bool(Vec<bool>),
    /// Only the null guid `0Ng` can be written literally.
    Guid(Vec<[u8; 16]>),
    Byte(Vec<u8>),
    Short(Vec<i16>),
    Int(Vec<i32>),
    Long(Vec<i64>),
    Real(Vec<f32>),
    Float(Vec<f64>),
    /// A string `"..."` after escape processing (`\n \t \\ \" \ddd`).
    Char(Vec<u8>),
    /// Symbol names without the backquote.
    Symbol(Vec<String>),
    /// Nanoseconds since 2000.01.01D00:00.
    Timestamp(Vec<i64>),
    /// Months since 2000.01.
    Month(Vec<i32>),
    /// Days since 2000.01.01.
    Date(Vec<i32>),
    /// Days (fractional) since 2000.01.01.
    Datetime(Vec<f64>),
    /// Nanoseconds.
    Timespan(Vec<i64>),
    /// Minutes.
    Minute(Vec<i32>),
    /// Seconds.
    Second(Vec<i32>),
    /// Milliseconds.
    Time(Vec<i32>),
}

impl LitValues {
    /// Number of items.
    pub fn len(&self) -> usize {
        match self {
            LitValues::Bool(v) => v.len(),
            LitValues::Guid(v) => v.len(),
            LitValues::Byte(v) => v.len(),
            LitValues::Short(v) => v.len(),
            LitValues::Int(v) => v.len(),
            LitValues::Long(v) => v.len(),
            LitValues::Real(v) => v.len(),
            LitValues::Float(v) => v.len(),
            LitValues::Char(v) => v.len(),
            LitValues::Symbol(v) => v.len(),
            LitValues::Timestamp(v) => v.len(),
            LitValues::Month(v) => v.len(),
            LitValues::Date(v) => v.len(),
            LitValues::Datetime(v) => v.len(),
            LitValues::Timespan(v) => v.len(),
            LitValues::Minute(v) => v.len(),
            LitValues::Second(v) => v.len(),
            LitValues::Time(v) => v.len(),
        }
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A parse error: a q-style error name plus where it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    /// The q error text, e.g. `parse`, `)`, `]`, `}`, `"`, `char`.
    pub name: String,
    /// Human explanation shown under the caret.
    pub message: String,
    pub span: Span,
}

impl Expr {
    /// Visits this expression and its sub-expressions in source order
    /// (left to right), not entering nested lambdas.
    pub fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        self.visit_in(true, f)
    }

    /// As [`Expr::visit`], but inside a qSQL statement only its `from` and
    /// limit expressions: q looks for the implicit parameters `x y z` of a
    /// lambda outside the select, by and where phrases.
    pub fn visit_outside_phrases(&self, f: &mut dyn FnMut(&Expr)) {
        self.visit_in(false, f)
    }

    fn visit_in(&self, phrases: bool, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Derived(_, a) | ExprKind::Return(a) | ExprKind::Signal(a) => {
                a.visit_in(phrases, f)
            }
            ExprKind::Call(a, args) => {
                a.visit_in(phrases, f);
                args.iter().for_each(|x| x.visit_in(phrases, f));
            }
            ExprKind::Monadic(a, b) | ExprKind::LeftProj(a, b) => {
                a.visit_in(phrases, f);
                b.visit_in(phrases, f);
            }
            ExprKind::Dyadic(a, b, c) => {
                b.visit_in(phrases, f);
                a.visit_in(phrases, f);
                c.visit_in(phrases, f);
            }
            ExprKind::Match(p, v, _) => {
                p.visit_in(phrases, f);
                v.visit_in(phrases, f);
            }
            ExprKind::List(v)
            | ExprKind::MatchCond(v)
            | ExprKind::Cond(v)
            | ExprKind::If(v)
            | ExprKind::Do(v)
            | ExprKind::While(v)
            | ExprKind::Block(v) => v.iter().for_each(|x| x.visit_in(phrases, f)),
            ExprKind::Assign(a) => {
                if let Some(ix) = &a.indexes {
                    ix.iter().for_each(|x| x.visit_in(phrases, f));
                }
                if let Some(m) = &a.modifier {
                    m.visit_in(phrases, f);
                }
                a.value.visit_in(phrases, f);
            }
            ExprKind::Sql(q) => {
                if let Some(l) = &q.limit {
                    l.visit_in(phrases, f);
                }
                if phrases {
                    q.columns.iter().for_each(|c| c.1.visit_in(phrases, f));
                    q.by.iter().for_each(|c| c.1.visit_in(phrases, f));
                }
                q.from.visit_in(phrases, f);
                if phrases {
                    q.where_.iter().for_each(|x| x.visit_in(phrases, f));
                }
            }
            ExprKind::Lit(_)
            | ExprKind::Name(_)
            | ExprKind::Verb(_)
            | ExprKind::Lambda(_)
            | ExprKind::Elided => {}
        }
    }
}
