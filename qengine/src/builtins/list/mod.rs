//! List keywords, by category: this file holds `til count enlist first
//! last reverse rotate where flip` and the monadic glyphs that are these
//! (`#x` count, `,x` enlist, `*x` first, `|x` reverse, `&x` where, `+x`
//! flip). The submodules: `find` (`? distinct group in`), `join` (`,
//! raze cross`), `random` (`?` roll and deal, `\S`), `sets` (`inter union
//! except`), `svvs` (`sv vs`), `take` (`# _ sublist cut`).
//!
//! `count` of a partitioned table asks `query/partitioned` (the table's
//! value is a marker; its rows are on disk).

use crate::ops::index::take_idx;
use crate::ops::make::enlist1;

use crate::ops::make::longs;

pub mod find;

pub mod join;

pub mod random;

pub mod sets;

pub mod svvs;

pub mod take;

use crate::ops::hash::map_vec;

use crate::ops::index::null_item_of;

use crate::ops::index::table_row;

use crate::ops::index::value_at;

use crate::ops::make::atom_vec;

use crate::ops::make::common_count;

use crate::ops::make::extend_atom;

use crate::ops::make::int_atom;

use crate::state::Interp;

use qcore::Dict;

use qcore::QError;

use qcore::QResult;

use qcore::Ty;

use qcore::Value;

use qcore::VecBuilder;

use qcore::VecData;

use qcore::Vector;

use std::sync::Arc;

// ---------------------------------------------------------------------------
// til count enlist first last reverse

/// `til x`: `0 1 .. x-1` as longs.
pub fn til(x: Value) -> QResult<Value> {
    let Value::Atom(a) = &x else {
        return Err(QError::type_());
    };
    let n = int_atom(a).ok_or_else(QError::type_)?;
    til_n(n)
}

pub(crate) fn til_n(n: i64) -> QResult<Value> {
    if n < 0 {
        return Err(QError::domain());
    }
    qcore::check_alloc(n as usize, 8)?;
    let mut v = Vec::with_capacity(n as usize);
    for i in 0..n {
        v.push(i);
    }
    let v = longs(v);
    if let Value::Vector(t) = &v {
        t.data().set_no_nulls();
    }
    Ok(v)
}

/// `count x`.
pub fn count(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Some(n) = crate::query::partitioned::count_hook(it, &x)? {
        return Ok(n);
    }
    Ok(Value::long(x.count() as i64))
}

/// `enlist x`: a one-item list; a dictionary with symbol keys gives a
/// one-row table.
pub fn enlist(x: Value) -> QResult<Value> {
    Ok(enlist1(x))
}

/// `enlist[x;y;..]`: a list of the arguments.
pub fn enlist_n(args: Vec<Value>) -> QResult<Value> {
    Ok(Value::from_items(args))
}

fn first_or_last(x: Value, last: bool) -> Value {
    let n = x.count();
    let pick = |n: usize| if last { n - 1 } else { 0 };
    match &x {
        // (an enumeration's item is an enumerated atom)
        Value::Vector(v) => Value::Atom(v.at_or_null(if n == 0 { 0 } else { pick(n) as i64 })),
        Value::List(l) => {
            if n == 0 {
                null_item_of(&x)
            } else {
                l[pick(n)].clone()
            }
        }
        Value::Dict(d) => {
            if n == 0 {
                null_item_of(&d.values)
            } else {
                value_at(&d.values, pick(n))
            }
        }
        Value::Table(t) => {
            if n == 0 {
                null_item_of(&x)
            } else {
                table_row(t, pick(n))
            }
        }
        _ => x,
    }
}

/// `first x`: the first item (a typed null for an empty vector); the first
/// value of a dictionary; the first row of a table; an atom itself.
pub fn first(x: Value) -> QResult<Value> {
    Ok(first_or_last(x, false))
}

/// `last x`.
pub fn last(x: Value) -> QResult<Value> {
    Ok(first_or_last(x, true))
}

/// `reverse x`: items in reverse order; a dictionary's entries; a table's
/// rows; an atom itself.
pub fn reverse(x: Value) -> QResult<Value> {
    Ok(reverse_value(&x))
}

fn reverse_value(x: &Value) -> Value {
    match x {
        Value::Vector(v) => {
            Value::Vector(map_vec!(v, s => s.iter().rev().copied().collect::<Vec<_>>()))
        }
        Value::List(l) => Value::list(l.iter().rev().cloned().collect()),
        Value::Dict(d) => Value::Dict(Arc::new(Dict {
            keys: reverse_value(&d.keys),
            values: reverse_value(&d.values),
            sorted: false,
        })),
        Value::Table(t) => Value::table(
            t.names.clone(),
            t.columns.iter().map(reverse_value).collect(),
        ),
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------
// where distinct group

/// `where x`: indexes of the 1s of a boolean list; each index repeated by
/// its count for non-negative integers; keys of a dictionary likewise.
pub fn where_(x: Value) -> QResult<Value> {
    match &x {
        Value::Vector(v) => Ok(longs(where_vec(v)?)),
        Value::Atom(a) => Ok(longs(where_vec(&atom_vec(*a))?)),
        Value::Dict(d) => {
            let idx = match &d.values {
                Value::Vector(v) => where_vec(v)?,
                Value::Atom(a) => where_vec(&atom_vec(*a))?,
                _ => return Err(QError::type_()),
            };
            Ok(take_idx(&d.keys, &idx))
        }
        // `where ()`: the empty general list counts no items
        Value::List(l) if l.is_empty() => Ok(longs(Vec::new())),
        _ => Err(QError::type_()),
    }
}

fn where_vec(v: &Vector) -> QResult<Vec<i64>> {
    match v.ty() {
        Ty::Bool => {
            let b = v.as_u8().unwrap_or(&[]);
            let n = b.iter().filter(|&&x| x != 0).count();
            let mut out = Vec::with_capacity(n);
            for (i, &x) in b.iter().enumerate() {
                if x != 0 {
                    out.push(i as i64);
                }
            }
            Ok(out)
        }
        Ty::Byte | Ty::Short | Ty::Int | Ty::Long => {
            let counts = v.to_i64_vec().ok_or_else(QError::type_)?;
            let mut total: i64 = 0;
            for &c in &counts {
                if c < 0 {
                    return Err(QError::domain());
                }
                total = total.saturating_add(c);
            }
            qcore::check_alloc(usize::try_from(total).unwrap_or(usize::MAX), 8)?;
            let mut out = Vec::with_capacity(total as usize);
            for (i, &c) in counts.iter().enumerate() {
                out.extend(std::iter::repeat_n(i as i64, c as usize));
            }
            Ok(out)
        }
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------
// flip key

/// `flip x`: transpose a list of equal-count lists; a column dictionary to
/// a table and back.
pub fn flip(x: Value) -> QResult<Value> {
    match &x {
        Value::Table(t) => Ok(Value::dict(
            Value::Vector(Vector::syms(t.names.clone())),
            Value::list(t.columns.clone()),
        )),
        Value::Dict(d) => {
            let names = match &d.keys {
                Value::Vector(k) => k.as_sym().map(|s| s.to_vec()),
                _ => None,
            }
            .ok_or_else(QError::type_)?;
            let vals = d.values.items();
            let n = common_count(&vals)?.ok_or_else(QError::rank)?;
            let cols = vals.into_iter().map(|v| extend_atom(v, n)).collect();
            Ok(Value::table(names, cols))
        }
        Value::List(l) => {
            let Some(n) = common_count(l)? else {
                return Ok(x.clone());
            };
            // Fast path: vectors of one type.
            if let Some(Value::Vector(f)) = l.first()
                && l.iter()
                    .all(|v| matches!(v, Value::Vector(w) if w.ty() == f.ty()))
            {
                let ty = f.ty();
                let mut rows = Vec::with_capacity(n);
                for j in 0..n {
                    let mut b = VecBuilder::new(ty, l.len());
                    for v in l.iter() {
                        if let Value::Vector(w) = v {
                            b.push(w.get(j));
                        }
                    }
                    rows.push(Value::Vector(b.finish()));
                }
                return Ok(Value::list(rows));
            }
            let mut rows = Vec::with_capacity(n);
            for j in 0..n {
                let row: Vec<Value> = l
                    .iter()
                    .map(|v| match v {
                        Value::Vector(_) | Value::List(_) => v.item(j).unwrap_or(Value::Nil),
                        other => other.clone(),
                    })
                    .collect();
                rows.push(Value::from_items(row));
            }
            Ok(Value::list(rows))
        }
        Value::Vector(_) => Ok(x.clone()),
        _ => Err(QError::rank()),
    }
}

/// `x rotate y`: rotate the list (or table rows) y left by x items (right
/// when x is negative).
pub fn rotate(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let n = match &x {
        Value::Atom(a) if a.ty().is_integral() && a.ty() != qcore::Ty::Bool => {
            a.to_i64().ok_or_else(QError::type_)?
        }
        Value::Atom(qcore::Atom::Bool(b)) => *b as i64,
        _ => return Err(QError::type_()),
    };
    match &y {
        Value::Vector(_) | Value::List(_) | Value::Table(_) => {
            let len = y.count() as i64;
            if len == 0 {
                return Ok(y);
            }
            let k = n.rem_euclid(len);
            let idx: Vec<i64> = (0..len).map(|i| (i + k) % len).collect();
            crate::builtins::index::index(it, &y, &Value::Vector(qcore::Vector::longs(idx)))
        }
        _ => Ok(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::list::find::distinct_value;
    use crate::builtins::list::take::take_n;
    use crate::ops::compare::values_match;
    use crate::ops::dense::Col;
    use crate::ops::dense::DENSE_PAR_ROWS;
    use crate::ops::dense::DensePlan;
    use crate::ops::dense::KeySpec;
    use crate::ops::dense::Purpose;
    use crate::ops::dense::dense_distinct_split;
    use crate::ops::dense::dense_ids;
    use crate::ops::group::group_ids;
    use crate::ops::hash::ValueIndex;
    use crate::ops::hash::dedup_keys;
    use crate::ops::hash::dedup_table;
    use crate::ops::hash::dedup_table_hashed;
    use crate::ops::hash::dedup_values;
    use crate::ops::hash::distinct_keys;
    use crate::ops::hash::find_keys;
    use crate::ops::hash::norm_f64;
    use crate::ops::index::slice;
    use crate::ops::index::take_idx;
    use crate::ops::join::positions;
    use crate::ops::make::longs;
    use crate::ops::make::table_rows;
    use crate::ops::random::deal_indexes;
    use qcore::{Sym, Table};

    #[test]
    fn columnar_table_dedup_matches_row_values() {
        let mut rnd = rng(0x2545_f491_4f6c_dd1d);
        let syms = [Sym::new(""), Sym::new("b"), Sym::new("a"), Sym::new("c")];
        let floats = [f64::NAN, -0.0, 0.0, 1.5, -1.5];
        for n in [0usize, 1, 7, 300, 5000] {
            let s: Vec<Sym> = (0..n).map(|_| syms[rnd(4) as usize]).collect();
            let l: Vec<i64> = (0..n)
                .map(|_| if rnd(5) == 0 { i64::MIN } else { rnd(3) as i64 })
                .collect();
            let f: Vec<f64> = (0..n).map(|_| floats[rnd(5) as usize]).collect();
            let g: Vec<Value> = (0..n)
                .map(|_| Value::Vector(Vector::longs(vec![rnd(2) as i64; rnd(2) as usize])))
                .collect();
            let t = Table {
                names: vec![Sym::new("s"), Sym::new("l"), Sym::new("f"), Sym::new("g")],
                columns: vec![
                    Value::Vector(Vector::syms(s)),
                    Value::Vector(Vector::longs(l)),
                    Value::Vector(Vector::floats(f)),
                    Value::list(g),
                ],
            };
            let fast = dedup_table(&t, true).expect("columnar");
            assert_eq!(fast, dedup_values(&table_rows(&t)), "n={n}");
            assert_eq!(dedup_table(&t, false).map(|r| r.1), Some(fast.1));
            // lookups of a table's rows in its first half, columnar vs rows
            let half = Table {
                names: t.names.clone(),
                columns: t.columns.iter().map(|c| slice(c, 0, n / 2)).collect(),
            };
            let (kv, pv) = (
                Value::Table(Arc::new(half.clone())),
                Value::Table(Arc::new(t)),
            );
            let Value::Table(tt) = &pv else {
                unreachable!()
            };
            let want: Vec<Option<usize>> = {
                let rows = table_rows(&half);
                let index = ValueIndex::new(&rows);
                table_rows(tt).iter().map(|r| index.get(r)).collect()
            };
            assert_eq!(positions(&kv, &pv), want, "n={n}");
        }
    }

    use crate::testutil::xorshift as rng;

    fn table_of(cols: Vec<Value>) -> Table {
        Table {
            names: (0..cols.len())
                .map(|i| Sym::new(&format!("c{i}")))
                .collect(),
            columns: cols,
        }
    }

    /// The dense path's answer for a table: `None` when it declines.
    fn dense_of(t: &Table, want_ids: bool) -> Option<(Vec<u32>, Vec<usize>)> {
        let cols: Vec<Col> = t
            .columns
            .iter()
            .map(|c| Col::of(c).expect("dense"))
            .collect();
        dense_ids(&cols, want_ids)
    }

    /// The slot budget of `n` rows (`distinct`, or group ids too).
    fn dense_limit(n: usize, want_ids: bool) -> u64 {
        let p = if want_ids {
            Purpose::Groups
        } else {
            Purpose::Distinct
        };
        crate::ops::dense::dense_limit(n, p)
    }

    /// The number of slots a column needs, by the definition: its
    /// non-null range (one unused slot when there is none), plus one for
    /// the null when one occurs.
    fn slots_needed(c: &Value) -> u128 {
        let Value::Vector(v) = c else {
            return u128::MAX;
        };
        let (items, nullable): (Vec<i128>, bool) = match v.data() {
            VecData::U8(b) => (b.iter().map(|&x| x as i128).collect(), false),
            VecData::I16(b) => (
                b.iter()
                    .filter(|&&x| x != i16::MIN)
                    .map(|&x| x as i128)
                    .collect(),
                true,
            ),
            VecData::I32(b) => (
                b.iter()
                    .filter(|&&x| x != i32::MIN)
                    .map(|&x| x as i128)
                    .collect(),
                true,
            ),
            VecData::I64(b) => (
                b.iter()
                    .filter(|&&x| x != i64::MIN)
                    .map(|&x| x as i128)
                    .collect(),
                true,
            ),
            VecData::Sym(b) => (b.iter().map(|&x| x.0 as i128).collect(), false),
            _ => return u128::MAX,
        };
        let (lo, hi) = (items.iter().min(), items.iter().max());
        let range = match (lo, hi) {
            (Some(l), Some(h)) => (h - l + 1) as u128,
            _ => 1,
        };
        range + (nullable && items.len() < v.len()) as u128
    }

    /// The dense path gives the hashing path's ids and first rows, with and
    /// without ids; `dedup_table` (which picks the path) agrees too.
    /// `expect_dense`: whether the dense path must answer (`None`: as the
    /// product of [`slots_needed`] against [`dense_limit`] says).
    fn check_dense(t: &Table, expect_dense: impl Into<Option<bool>>, what: &str) -> bool {
        let expect_dense = expect_dense.into();
        let n = t.len();
        let space = t
            .columns
            .iter()
            .fold(1u128, |s, c| s.saturating_mul(slots_needed(c)));
        let mut answered = false;
        for want in [true, false] {
            let hashed = dedup_table_hashed(t, want).expect("columnar");
            let dense = dense_of(t, want);
            let e = expect_dense.unwrap_or(n > 0 && space <= dense_limit(n, want) as u128);
            assert_eq!(dense.is_some(), e, "{what} want_ids={want} space={space}");
            answered = dense.is_some();
            if let Some(d) = dense {
                assert_eq!(d, hashed, "{what} want_ids={want}");
            }
            assert_eq!(dedup_table(t, want), Some(hashed), "{what} want_ids={want}");
        }
        answered
    }

    /// Random integer-like columns of every storage width, with nulls,
    /// negatives, infinities and the null symbol.
    fn random_cols(n: usize, rnd: &mut impl FnMut(u64) -> u64) -> Vec<Value> {
        let syms: Vec<Sym> = ["", "ibm", "msft", "a", "zz"]
            .iter()
            .map(|s| Sym::new(s))
            .collect();
        let mut pick_i64 = |spread: u64, inf: bool| -> i64 {
            match rnd(12) {
                0 => i64::MIN,
                1 if inf => i64::MAX,
                _ => rnd(spread) as i64 - (spread / 2) as i64,
            }
        };
        let longs: Vec<i64> = (0..n).map(|_| pick_i64(9, false)).collect();
        let wide: Vec<i64> = (0..n).map(|_| pick_i64(40, true)).collect();
        let mut r2 = rng(n as u64 + 7);
        let ints: Vec<i32> = (0..n)
            .map(|_| {
                if r2(7) == 0 {
                    i32::MIN
                } else {
                    r2(5) as i32 - 2
                }
            })
            .collect();
        let dates: Vec<i32> = (0..n).map(|_| 8766 + r2(4) as i32).collect();
        let shorts: Vec<i16> = (0..n)
            .map(|_| {
                if r2(6) == 0 {
                    i16::MIN
                } else {
                    i16::MAX - 2 + r2(3) as i16
                }
            })
            .collect();
        let bools: Vec<u8> = (0..n).map(|_| r2(2) as u8).collect();
        let chars: Vec<u8> = (0..n).map(|_| b"ab c"[r2(4) as usize]).collect();
        let ss: Vec<Sym> = (0..n).map(|_| syms[r2(5) as usize]).collect();
        let stamps: Vec<i64> = (0..n)
            .map(|_| {
                if r2(9) == 0 {
                    i64::MIN
                } else {
                    760_000_000_000_000_000 + r2(3) as i64
                }
            })
            .collect();
        vec![
            Value::Vector(Vector::longs(longs)),
            Value::Vector(Vector::from_i32(Ty::Int, ints)),
            Value::Vector(Vector::syms(ss)),
            Value::Vector(Vector::from_u8(Ty::Bool, bools)),
            Value::Vector(Vector::from_i16(shorts)),
            Value::Vector(Vector::from_i32(Ty::Date, dates)),
            Value::Vector(Vector::from_u8(Ty::Char, chars)),
            Value::Vector(Vector::from_i64(Ty::Timestamp, stamps)),
            Value::Vector(Vector::longs(wide)),
        ]
    }

    #[test]
    fn dense_ids_match_hashing_on_random_tables() {
        let mut rnd = rng(0x9e37_79b9_7f4a_7c15);
        let (mut dense, mut all) = (0, 0);
        for n in [1usize, 2, 3, 7, 64, 300, 5000] {
            let cols = random_cols(n, &mut rnd);
            // one, two and three or more columns, in several orders
            for pick in [
                vec![0],
                vec![2],
                vec![4],
                vec![7],
                vec![2, 0],
                vec![0, 1],
                vec![3, 6],
                vec![3, 4, 0],
                vec![5, 2, 1],
                vec![3, 4, 6, 0],
                vec![2, 1, 0, 3, 4, 5, 6, 7],
            ] {
                let t = table_of(pick.iter().map(|&i| cols[i].clone()).collect());
                dense += check_dense(&t, None, &format!("n={n} cols={pick:?}")) as usize;
                all += 1;
            }
            // a column holding 0W (with -16..23 and the null) has a range
            // beyond any limit: the hashing path answers
            let t = table_of(vec![cols[2].clone(), cols[8].clone()]);
            let has_inf = cols[8].count() > 0
                && matches!(&cols[8], Value::Vector(v) if v.as_i64().is_some_and(|s| s.contains(&i64::MAX)));
            assert_eq!(has_inf, slots_needed(&cols[8]) > 1 << 32);
            check_dense(&t, None, &format!("n={n} with 0W"));
        }
        // most of the tables above take the dense path
        assert!(dense * 3 > all * 2, "{dense} of {all}");
    }

    #[test]
    fn dense_ids_edge_cases() {
        let longs = |v: Vec<i64>| Value::Vector(Vector::longs(v));
        // zero rows: no dense answer, the hashing one is empty
        let t = table_of(vec![longs(vec![]), Value::Vector(Vector::syms(vec![]))]);
        assert!(dense_of(&t, true).is_none());
        assert_eq!(dedup_table(&t, true), Some((vec![], vec![])));
        // one row; every item null; a null among negatives
        check_dense(&table_of(vec![longs(vec![-5])]), true, "one row");
        check_dense(&table_of(vec![longs(vec![i64::MIN; 5])]), true, "all null");
        check_dense(
            &table_of(vec![longs(vec![-3, i64::MIN, -3, i64::MIN + 1, i64::MIN])]),
            false,
            "-0W and 0N: range beyond the limit",
        );
        check_dense(
            &table_of(vec![longs(vec![
                i64::MIN + 1,
                i64::MIN,
                i64::MIN + 1,
                i64::MIN + 2,
            ])]),
            true,
            "-0W next to 0N",
        );
        check_dense(
            &table_of(vec![longs(vec![
                i64::MAX,
                i64::MIN,
                i64::MAX - 1,
                i64::MAX,
            ])]),
            true,
            "0W next to 0N",
        );
        // ranges right at the limit: a signed column with a null takes
        // hi-lo+1 slots plus the null's, a symbol or byte column hi-lo+1
        for n in [3usize, 1000] {
            let limit = dense_limit(n, false) as i64;
            let ids_limit = dense_limit(n, true) as i64;
            let mut v = vec![7i64; n];
            v[2] = i64::MIN;
            v[1] = 7 + limit - 2; // hi-lo+2 == limit
            let t = table_of(vec![longs(v.clone())]);
            assert!(dense_of(&t, false).is_some(), "n={n} at the limit");
            assert_eq!(dense_of(&t, true).is_some(), limit <= ids_limit, "n={n}");
            v[1] += 1;
            let t = table_of(vec![longs(v.clone())]);
            assert!(dense_of(&t, false).is_none(), "n={n} one past the limit");
            assert_eq!(dedup_table(&t, false), dedup_table_hashed(&t, false));
            // two columns whose product is exactly the limit, then one past
            let half = (limit / 2) as u64;
            let a = Value::Vector(Vector::from_u8(
                Ty::Bool,
                (0..n).map(|i| (i % 2) as u8).collect(),
            ));
            let mut w = vec![0i64; n];
            w[0] = i64::MIN;
            w[n - 1] = half as i64 - 2; // range half (with the null slot)
            let t = table_of(vec![a.clone(), longs(w.clone())]);
            assert!(dense_of(&t, false).is_some(), "n={n} product at the limit");
            assert_eq!(dedup_table(&t, false), dedup_table_hashed(&t, false));
            w[n - 1] += 1;
            let t = table_of(vec![a, longs(w)]);
            assert!(
                dense_of(&t, false).is_none(),
                "n={n} product past the limit"
            );
            assert_eq!(dedup_table(&t, true), dedup_table_hashed(&t, true));
        }
        // symbols: interned ids far apart exceed a small table's limit
        let first = Sym::new("dense_test_first");
        for i in 0..300 {
            Sym::new(&format!("dense_test_{i}"));
        }
        let last = Sym::new("dense_test_last");
        let t = table_of(vec![Value::Vector(Vector::syms(vec![last, first, last]))]);
        check_dense(&t, false, "far symbols");
        let t = table_of(vec![Value::Vector(Vector::syms(vec![
            last,
            Sym::EMPTY,
            last,
        ]))]);
        check_dense(&t, last.0 < 256, "null symbol");
    }

    #[test]
    fn dense_vectors_match_hashing() {
        let mut rnd = rng(42);
        for n in [1usize, 9, 4000] {
            let v: Vec<i64> = (0..n)
                .map(|_| {
                    if rnd(10) == 0 {
                        i64::MIN
                    } else {
                        rnd(50) as i64 - 25
                    }
                })
                .collect();
            let x = Value::Vector(Vector::longs(v.clone()));
            assert_eq!(group_ids(&x).unwrap_or_default(), dedup_keys(&v), "n={n}");
            let d = distinct_value(&x).unwrap_or(Value::Nil);
            let want = take_idx(
                &x,
                &distinct_keys(&v)
                    .iter()
                    .map(|&i| i as i64)
                    .collect::<Vec<_>>(),
            );
            assert!(values_match(&d, &want), "n={n}");
            let s: Vec<Sym> = v
                .iter()
                .map(|&k| Sym::new(&format!("s{}", k.rem_euclid(7))))
                .collect();
            let y = Value::Vector(Vector::syms(s.clone()));
            assert_eq!(group_ids(&y).unwrap_or_default(), dedup_keys(&s), "n={n}");
        }
    }

    #[test]
    fn dense_split_across_cores_matches_hashing() {
        // enough rows for the parallel bounds and the split `distinct`
        let n = DENSE_PAR_ROWS + 4099;
        let mut rnd = rng(7);
        let a: Vec<i64> = (0..n)
            .map(|i| {
                if i % 1_000_003 == 5 {
                    i64::MIN
                } else {
                    rnd(300) as i64 * 3 - 100
                }
            })
            .collect();
        let syms: Vec<Sym> = (0..40).map(|i| Sym::new(&format!("p{i}"))).collect();
        // symbol 39 only near the end: a first occurrence in a late piece
        let b: Vec<Sym> = (0..n)
            .map(|i| syms[if i > n - 50 { 39 } else { rnd(39) as usize }])
            .collect();
        let t = table_of(vec![
            Value::Vector(Vector::syms(b)),
            Value::Vector(Vector::longs(a)),
        ]);
        check_dense(&t, true, "split");
        // the split scan itself, for any number of pieces: new values in
        // every eighth of the rows, so every piece has first occurrences
        let n = 100_003;
        let v: Vec<i64> = (0..n)
            .map(|i| {
                if rnd(97) == 0 {
                    i64::MIN
                } else {
                    rnd(50) as i64 + (i * 8 / n) as i64 * 40
                }
            })
            .collect();
        let t = table_of(vec![Value::Vector(Vector::longs(v.clone()))]);
        let want = dedup_table_hashed(&t, false)
            .map(|r| r.1)
            .unwrap_or_default();
        let cols = [Col::I64(&v)];
        let spec = KeySpec {
            col: cols[0],
            step: None,
            sorted: false,
        };
        let plan = DensePlan::new([spec], 1 << 20).expect("small range");
        for pieces in [1, 2, 3, 4, 7, 64] {
            let mut bad = false;
            let got = dense_distinct_split(&plan, &cols, n, pieces, &mut bad);
            assert_eq!(got, want, "pieces={pieces}");
            assert!(!bad);
        }
    }

    #[test]
    fn find_keys_first_occurrence_and_absent() {
        let x: Vec<i64> = (0..100).map(|i| i % 10).collect();
        let y: Vec<i64> = vec![3, 9, 10, 0, 5, 42];
        assert_eq!(find_keys(&x, &y), vec![3, 9, 100, 0, 5, 100]);
    }

    #[test]
    fn float_keys_match_nulls_and_signed_zero() {
        assert_eq!(norm_f64(-0.0), norm_f64(0.0));
        assert_eq!(norm_f64(f64::NAN), norm_f64(-f64::NAN));
    }

    #[test]
    fn group_ids_general_list() {
        let l = Value::list(vec![
            Value::long(1),
            Value::sym("a"),
            Value::long(1),
            longs(vec![1, 2]),
            longs(vec![1, 2]),
        ]);
        let (ids, firsts) = group_ids(&l).unwrap_or_default();
        assert_eq!(ids, vec![0, 1, 0, 2, 2]);
        assert_eq!(firsts, vec![0, 1, 3]);
    }

    #[test]
    fn take_negative_overtake_cycles() {
        let y = Value::Vector(Vector::longs(vec![1, 2, 3]));
        let r = take_n(-5, &y).unwrap_or(Value::Nil);
        assert!(values_match(&r, &longs(vec![2, 3, 1, 2, 3])));
        let r = take_n(5, &y).unwrap_or(Value::Nil);
        assert!(values_match(&r, &longs(vec![1, 2, 3, 1, 2])));
    }

    #[test]
    fn deal_is_distinct_and_in_range() {
        let d = deal_indexes(1000, 1000);
        let s: std::collections::HashSet<i64> = d.iter().copied().collect();
        assert_eq!(s.len(), 1000);
        let d = deal_indexes(50, 1 << 40);
        let s: std::collections::HashSet<i64> = d.iter().copied().collect();
        assert_eq!(s.len(), 50);
        assert!(d.iter().all(|&k| (0..1 << 40).contains(&k)));
    }

    #[test]
    fn where_replicates() {
        let r = where_(longs(vec![2, 3, 0, 1])).unwrap_or(Value::Nil);
        assert!(values_match(&r, &longs(vec![0, 0, 1, 1, 1, 3])));
        assert!(where_(longs(vec![1, -1])).is_err());
    }

    #[test]
    fn large_find_uses_hash_path() {
        let x: Vec<i64> = (0..10_000).rev().collect();
        let y: Vec<i64> = (0..20).collect();
        let r = find_keys(&x, &y);
        assert_eq!(r[0], 9999);
        assert_eq!(r[19], 9980);
    }
}
