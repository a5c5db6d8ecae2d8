//! Where clauses on sorted columns as row ranges.
//!
//! A constraint comparing a column that has the `s#` attribute with a
//! constant — `c<x`, `c<=x`, `c>x`, `c>=x`, `c=x`, `c within (a;b)` —
//! holds on one contiguous run of rows, found by two binary searches
//! (q's `bin`) instead of a compare per row. The leading run of such
//! constraints ([`leading`]) gives one row range, the intersection of
//! theirs; the constraints after it then see only that range, as q's
//! where clause would (later constraints see the survivors of earlier
//! ones). [`narrow`] turns the range into row numbers (update, delete and
//! the interpreted where clause), [`select_window`] into a table of column
//! windows that share the table's storage, over which the rest of a
//! select runs unchanged — no gather, so a range keeping most of a big
//! table costs nothing per row.
//!
//! Only integer-stored columns (short, int, long and the temporal types
//! stored as integers) with a constant of exactly the column's type are
//! taken: there the comparison is the integers' order, nulls (the
//! smallest integer) first, as the interpreter's compare has it. Floats
//! (tolerant comparison), symbols (text order), mixed types and computed
//! bounds go the usual way.

use crate::state::Interp;
use qcore::Atom;
use qcore::Attr;
use qcore::Func;
use qcore::Sym;
use qcore::Table;
use qcore::Value;
use qcore::VecData;

/// Whether a phrase reads the virtual column `i`'s values (the row
/// numbers, which taking a row range or narrowing a partition first would
/// change); `count i` only counts them.
pub(crate) fn row_numbers(e: &Value) -> bool {
    let is_i = |s: &Sym| s.as_str() == "i";
    match e {
        Value::Atom(Atom::Symbol(s)) => is_i(s),
        Value::Vector(v) => v.as_sym().is_some_and(|s| s.iter().any(is_i)),
        Value::List(l) if l.len() == 2 && builtin_name(&l[0]) == Some("count") => {
            !matches!(&l[1], Value::Atom(Atom::Symbol(s)) if is_i(s)) && row_numbers(&l[1])
        }
        Value::List(l) if l.len() > 1 => l.iter().any(row_numbers),
        Value::Dict(d) => d.values.items().iter().any(row_numbers),
        _ => false,
    }
}

fn builtin_name(f: &Value) -> Option<&'static str> {
    match f {
        Value::Func(Func::Builtin(p)) => Some(p.name),
        _ => None,
    }
}

/// The comparisons a sorted column answers with a range.
#[derive(Clone, Copy)]
enum Rel {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

/// The items of an integer-stored column, widened as the interpreter
/// compares them (an int null is the smallest long).
enum Keys<'a> {
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
}

impl Keys<'_> {
    fn len(&self) -> usize {
        match self {
            Keys::I16(s) => s.len(),
            Keys::I32(s) => s.len(),
            Keys::I64(s) => s.len(),
        }
    }

    /// The number of leading items below `x` (`strict`) or at most `x`.
    fn count_below(&self, x: i64, strict: bool) -> usize {
        fn pp<T: Copy + Into<i64>>(s: &[T], x: i64, strict: bool) -> usize {
            if strict {
                s.partition_point(|&v| v.into() < x)
            } else {
                s.partition_point(|&v| v.into() <= x)
            }
        }
        match self {
            Keys::I16(s) => pp(s, x, strict),
            Keys::I32(s) => pp(s, x, strict),
            Keys::I64(s) => pp(s, x, strict),
        }
    }
}

/// The atom's integer as the interpreter compares it, when it is exactly of
/// type `ty` and integer-stored.
pub(crate) fn bound(a: &Atom, ty: qcore::Ty) -> Option<i64> {
    if a.ty() != ty {
        return None;
    }
    match *a {
        Atom::Short(x) => Some(x as i64),
        Atom::Int(x)
        | Atom::Month(x)
        | Atom::Date(x)
        | Atom::Minute(x)
        | Atom::Second(x)
        | Atom::Time(x) => Some(x as i64),
        Atom::Long(x) | Atom::Timestamp(x) | Atom::Timespan(x) => Some(x),
        _ => None,
    }
}

/// A constant of a parse tree: a literal, a quoted one-item list, a
/// name that is not a column (nor `i`, nor dotted) holding a value, or an
/// expression of those (`10*Y`) that reads no column and calls only pure
/// builtins, evaluated here — evaluating it again later is unobservable.
/// An expression that fails gives `None`: the usual path then reports
/// the error.
pub(crate) fn constant(it: &mut Interp, t: &Table, e: &Value) -> Option<Value> {
    match e {
        Value::Atom(Atom::Symbol(s)) => {
            let n = s.as_str();
            if t.names.contains(s) || n == "i" || n.contains('.') {
                return None;
            }
            crate::query::qsql::global_of(it, *s)
        }
        Value::Atom(_) => Some(e.clone()),
        Value::Vector(v) if !(v.as_sym().is_some() && v.len() == 1) => Some(e.clone()),
        Value::List(l) if l.len() == 1 => Some(l[0].clone()),
        Value::List(l) if l.len() > 1 => {
            if !l[1..].iter().all(|x| no_column(t, x)) || !crate::query::kernel::pure_tree(it, t, e)
            {
                return None;
            }
            let mut ctx = crate::query::qsql::Ctx::new(t, None);
            crate::query::qsql::eval_tree(it, &mut ctx, e).ok()
        }
        _ => None,
    }
}

/// Whether a parse tree names no column of `t`, no `i` and no dotted
/// name (which could be a column's field).
fn no_column(t: &Table, e: &Value) -> bool {
    match e {
        Value::Atom(Atom::Symbol(s)) => {
            let n = s.as_str();
            !(t.names.contains(s) || n == "i" || n.contains('.'))
        }
        Value::Vector(v) => v.as_sym().is_none_or(|s| s.len() != 1),
        Value::List(l) if l.len() > 1 => l.iter().all(|x| no_column(t, x)),
        Value::List(_) => true,
        _ => !matches!(e, Value::Dict(_) | Value::Table(_)),
    }
}

/// Whether a constraint is evaluated item by item with no effect and no
/// error, so that it may be evaluated after (or before) the others
/// without changing the rows the where clause keeps: exactly what the
/// compiled core compiles (compares, arithmetic, `in`, `within`, logic
/// over columns and constants).
pub(crate) fn itemwise(it: &Interp, t: &Table, c: &Value) -> bool {
    crate::query::kernel::compile::compile_where(it, t, std::slice::from_ref(c)).is_some()
}

/// The row range `lo..hi` a constraint keeps, if it is a comparison of an
/// `s#` integer column with a constant of its type.
fn range_of(it: &mut Interp, t: &Table, c: &Value) -> Option<(usize, usize)> {
    let Value::List(l) = c else { return None };
    if l.len() != 3 {
        return None;
    }
    let rel = match builtin_name(&l[0])? {
        "<" => Rel::Lt,
        "<=" => Rel::Le,
        ">" => Rel::Gt,
        ">=" => Rel::Ge,
        "=" => Rel::Eq,
        "within" => return within(it, t, &l[1], &l[2]),
        _ => return None,
    };
    let (keys, ty) = sorted_column(t, &l[1])?;
    let Value::Atom(a) = constant(it, t, &l[2])? else {
        return None;
    };
    let x = bound(&a, ty)?;
    let n = keys.len();
    Some(match rel {
        Rel::Lt => (0, keys.count_below(x, true)),
        Rel::Le => (0, keys.count_below(x, false)),
        Rel::Gt => (keys.count_below(x, false), n),
        Rel::Ge => (keys.count_below(x, true), n),
        Rel::Eq => (keys.count_below(x, true), keys.count_below(x, false)),
    })
}

/// `c within (a;b)`: the rows with `a<=c` and `c<=b`.
fn within(it: &mut Interp, t: &Table, col: &Value, pair: &Value) -> Option<(usize, usize)> {
    let (keys, ty) = sorted_column(t, col)?;
    let (a, b) = match constant(it, t, pair)? {
        Value::Vector(v) if v.len() == 2 => (v.get(0), v.get(1)),
        Value::List(p) if p.len() == 2 => match (&p[0], &p[1]) {
            (Value::Atom(a), Value::Atom(b)) => (*a, *b),
            _ => return None,
        },
        _ => return None,
    };
    let lo = keys.count_below(bound(&a, ty)?, true);
    let hi = keys.count_below(bound(&b, ty)?, false);
    Some((lo, hi.max(lo)))
}

/// A column of `t` named by `e` that has `s#` and integer storage.
fn sorted_column<'t>(t: &'t Table, e: &Value) -> Option<(Keys<'t>, qcore::Ty)> {
    let Value::Atom(Atom::Symbol(s)) = e else {
        return None;
    };
    let k = t.names.iter().position(|n| n == s)?;
    let Value::Vector(v) = &t.columns[k] else {
        return None;
    };
    if v.attr != Attr::Sorted || v.domain().is_some() {
        return None;
    }
    let keys = match v.data() {
        VecData::I16(b) => Keys::I16(b),
        VecData::I32(b) => Keys::I32(b),
        VecData::I64(b) => Keys::I64(b),
        _ => return None,
    };
    Some((keys, v.ty()))
}

/// The constraints of `cs` that are ranges of sorted columns and come
/// after nothing but item-wise constraints ([`itemwise`]: their order
/// does not matter): the rows `lo..hi` all of them keep, and the other
/// constraints in their order; `None` when there is none.
fn leading(it: &mut Interp, t: &Table, cs: &[Value]) -> Option<(usize, usize, Vec<Value>)> {
    let (mut lo, mut hi) = (0, t.len());
    let mut taken = false;
    let mut rest = Vec::new();
    for (k, c) in cs.iter().enumerate() {
        if let Some((a, b)) = range_of(it, t, c) {
            lo = lo.max(a);
            hi = hi.min(b);
            taken = true;
        } else if itemwise(it, t, c) {
            rest.push(c.clone());
        } else {
            rest.extend(cs[k..].iter().cloned());
            break;
        }
    }
    taken.then_some((lo, hi.max(lo), rest))
}

/// A where clause with constraints that are sorted-column ranges
/// ([`leading`]): the rows `lo..hi` they keep, as row numbers, and the
/// constraints left.
pub(crate) fn narrow(
    it: &mut Interp,
    t: &Table,
    cs: &[Value],
) -> Option<(std::ops::Range<usize>, Vec<Value>)> {
    let (lo, hi, rest) = leading(it, t, cs)?;
    Some((lo..hi, rest))
}

/// A select's where clause with constraints that are sorted-column ranges
/// ([`leading`]) or that block statistics confine to one run of rows
/// (`query::blocks`), when nothing in the query reads row numbers (`i`
/// would count from the window's start): the table's window over those
/// rows (columns sharing storage) and the constraints left.
pub(crate) fn select_window(
    it: &mut Interp,
    t: &Table,
    cs: &[Value],
    rest_of_query: &[&Value],
) -> Option<(Table, Vec<Value>)> {
    if cs.iter().any(row_numbers) || rest_of_query.iter().any(|e| row_numbers(e)) {
        return None;
    }
    let (lo, hi, rest) = leading(it, t, cs).or_else(|| crate::query::blocks::one_run(it, t, cs))?;
    Some((window_table(t, lo, hi), rest))
}

/// Rows `lo..hi` of `t`, each column a window sharing its storage.
pub(crate) fn window_table(t: &Table, lo: usize, hi: usize) -> Table {
    Table {
        names: t.names.clone(),
        columns: t
            .columns
            .iter()
            .map(|c| crate::ops::index::window(c, lo, hi))
            .collect(),
    }
}
