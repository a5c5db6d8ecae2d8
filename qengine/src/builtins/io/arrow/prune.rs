//! Row-group pruning: simple where clauses (`=`, `<`, `<=`, `>`, `>=`,
//! `within`, `in` of a column and a literal) checked against each row
//! group's minimum and maximum, so row groups that cannot hold a match
//! are never read. Pruning only skips; the clauses are then applied to
//! the rows read, so a clause pruning cannot judge (another shape, a
//! literal of another type, a row group without statistics) costs time,
//! never correctness.
//!
//! q orders nulls first, so a row group with nulls is kept for `<` and
//! `<=` whatever its minimum.

use std::cmp::Ordering;

use qarrow::parquet::ParquetFile;
use qcore::{Atom, Func, QResult, Ty, Value};

/// A literal or a statistic, reduced to what pruning compares.
#[derive(Clone, Debug)]
enum Scalar {
    Text(Vec<u8>),
    Int(i64),
    Float(f64),
}

/// What kinds of value may be compared: text with text, numbers with
/// numbers, a temporal only with the same temporal type.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    Text,
    Number,
    Temporal(Ty),
}

fn of_atom(a: &Atom) -> Option<(Scalar, Class)> {
    if a.is_null() {
        return None;
    }
    let ty = a.ty();
    Some(match a {
        Atom::Symbol(s) => (Scalar::Text(s.as_str().as_bytes().to_vec()), Class::Text),
        Atom::Char(c) => (Scalar::Text(vec![*c]), Class::Text),
        Atom::Real(_) | Atom::Float(_) => (Scalar::Float(a.to_f64()?), Class::Number),
        Atom::Guid(_) => return None,
        _ if ty.is_temporal() && ty != Ty::Datetime => {
            (Scalar::Int(a.to_i64()?), Class::Temporal(ty))
        }
        Atom::Datetime(_) => (Scalar::Float(a.to_f64()?), Class::Temporal(ty)),
        _ => (Scalar::Int(a.to_i64()?), Class::Number),
    })
}

fn of_value(v: &Value) -> Option<(Scalar, Class)> {
    match v {
        Value::Atom(a) => of_atom(a),
        // a string statistic (a string or symbol column read as text)
        Value::Vector(x) if x.ty() == Ty::Char => {
            Some((Scalar::Text(x.as_u8()?.to_vec()), Class::Text))
        }
        _ => None,
    }
}

fn compare(a: &(Scalar, Class), b: &(Scalar, Class)) -> Option<Ordering> {
    if a.1 != b.1 {
        return None;
    }
    match (&a.0, &b.0) {
        (Scalar::Text(x), Scalar::Text(y)) => Some(x.cmp(y)),
        (Scalar::Int(x), Scalar::Int(y)) => Some(x.cmp(y)),
        (Scalar::Float(x), Scalar::Float(y)) => x.partial_cmp(y),
        (Scalar::Int(x), Scalar::Float(y)) => (*x as f64).partial_cmp(y),
        (Scalar::Float(x), Scalar::Int(y)) => x.partial_cmp(&(*y as f64)),
        _ => None,
    }
}

/// One prunable clause: operator, column, literal items.
struct Clause {
    op: &'static str,
    column: String,
    items: Vec<(Scalar, Class)>,
}

/// The literal items of a clause's right side: an atom, a vector's items,
/// an enlisted symbol (`` enlist`a `` is a one-item symbol vector) or an
/// enlisted list. `None` for anything pruning does not read.
fn literal(v: &Value) -> Option<Vec<(Scalar, Class)>> {
    let items = match v {
        Value::Atom(Atom::Symbol(_)) => return None, // a column name, not a literal
        Value::Atom(_) => vec![v.clone()],
        Value::Vector(x) if x.ty() == Ty::Symbol && x.len() == 1 => v.items(),
        Value::Vector(x) if x.ty() != Ty::Symbol => v.items(),
        Value::List(l) if l.len() == 1 => match &l[0] {
            Value::Vector(_) => l[0].items(),
            Value::Atom(a) if !matches!(a, Atom::Symbol(_)) => vec![l[0].clone()],
            _ => return None,
        },
        _ => return None,
    };
    items.iter().map(of_value).collect()
}

fn clause(v: &Value) -> Option<Clause> {
    let Value::List(l) = v else { return None };
    if l.len() != 3 {
        return None;
    }
    let Value::Func(Func::Builtin(p)) = &l[0] else {
        return None;
    };
    let op = ["=", "<", "<=", ">", ">=", "within", "in"]
        .into_iter()
        .find(|&o| o == p.name)?;
    let Value::Atom(Atom::Symbol(c)) = &l[1] else {
        return None;
    };
    Some(Clause {
        op,
        column: c.as_str().to_string(),
        items: literal(&l[2])?,
    })
}

/// The clauses of a `FILTER`: a list of clauses, or one clause alone.
pub fn clauses(filter: &Value) -> Vec<Value> {
    match filter {
        Value::List(l) if matches!(l.first(), Some(Value::Func(_))) => vec![filter.clone()],
        Value::List(l) => l.as_ref().clone(),
        _ => Vec::new(),
    }
}

/// Whether a row group with (`min`, `max`, `nulls`) may hold a row
/// satisfying `c`.
fn may_match(c: &Clause, min: &Value, max: &Value, nulls: i64) -> bool {
    let (Some(lo), Some(hi)) = (of_value(min), of_value(max)) else {
        return true;
    };
    let le =
        |a: &(Scalar, Class), b: &(Scalar, Class)| compare(a, b).map(|o| o != Ordering::Greater);
    let lt = |a: &(Scalar, Class), b: &(Scalar, Class)| compare(a, b).map(|o| o == Ordering::Less);
    let within = |v: &(Scalar, Class)| Some(le(&lo, v)? && le(v, &hi)?);
    let r = match (c.op, c.items.as_slice()) {
        ("=", [v]) => within(v),
        ("in", vs) => vs
            .iter()
            .map(within)
            .try_fold(false, |acc, x| Some(acc || x?)),
        ("<", [v]) => lt(&lo, v).map(|b| b || nulls > 0),
        ("<=", [v]) => le(&lo, v).map(|b| b || nulls > 0),
        (">", [v]) => lt(v, &hi),
        (">=", [v]) => le(v, &hi),
        ("within", [a, b]) => (|| Some(le(a, &hi)? && le(&lo, b)?))(),
        _ => None,
    };
    r.unwrap_or(true)
}

/// The row groups of `file` (among `groups`, all when `None`) that the
/// filter's prunable clauses do not rule out.
pub fn row_groups(
    file: &ParquetFile,
    filter: &Value,
    groups: Option<Vec<usize>>,
    opts: &qarrow::ReadOptions,
) -> QResult<Option<Vec<usize>>> {
    let cs: Vec<Clause> = clauses(filter)
        .iter()
        .filter_map(clause)
        .filter(|c| file.schema().index_of(&c.column).is_ok())
        .collect();
    if cs.is_empty() {
        return Ok(groups);
    }
    let n = file.row_group_rows().len();
    let mut keep: Vec<bool> = match &groups {
        Some(g) => {
            let mut k = vec![false; n];
            for &i in g {
                if i < n {
                    k[i] = true;
                }
            }
            k
        }
        None => vec![true; n],
    };
    for c in &cs {
        let stats = file.stats(std::slice::from_ref(&c.column), opts)?;
        let Some((mins, maxs, nulls)) = stats.first() else {
            continue;
        };
        for (g, k) in keep.iter_mut().enumerate() {
            if !*k {
                continue;
            }
            let (Some(lo), Some(hi)) = (mins.item(g), maxs.item(g)) else {
                continue;
            };
            let nn = nulls
                .item(g)
                .and_then(|v| v.as_atom().filter(|a| !a.is_null()).and_then(Atom::to_i64))
                .unwrap_or(1);
            *k = may_match(c, &lo, &hi, nn);
        }
    }
    let kept: Vec<usize> = match groups {
        // keep the caller's order
        Some(g) => g.into_iter().filter(|&i| i < n && keep[i]).collect(),
        None => (0..n).filter(|&i| keep[i]).collect(),
    };
    Ok(Some(kept))
}
