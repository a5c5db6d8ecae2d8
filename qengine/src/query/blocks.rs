//! Where clauses by block statistics.
//!
//! A constraint comparing an integer-stored column with a constant —
//! `c<x`, `c<=x`, `c>x`, `c>=x`, `c=x`, `c within (a;b)`, the constant of
//! exactly the column's type (a literal, a global, or an expression of
//! those such as `10*Y`) — keeps the items in one interval of integers.
//! The column's block statistics (`qcore::Buf::block_bounds`: the smallest
//! and largest item of each block of `qcore::buf::BLOCK` rows, computed on
//! the first use and kept with the column's storage until it is written)
//! tell, per block, whether no row can match (the block is passed over),
//! every row matches (the block's rows are taken without a compare), or
//! some may (its rows are compared). A filter keeping a few rows clustered
//! in time, or none (a size no trade reaches), then costs next to nothing
//! instead of a pass over the column.
//!
//! Which constraints are taken: those after nothing but item-wise
//! constraints (`range::itemwise`: their order does not matter), as for
//! the sorted-column ranges of `range`. The comparison is the integers'
//! order with nulls (the smallest integer) first, as the interpreter's
//! compare has it. Floats (tolerant comparison), symbols and mixed types go
//! the usual way.

use crate::query::range::bound;
use crate::query::range::constant;
use crate::query::range::itemwise;
use crate::state::Interp;
use qcore::Atom;
use qcore::Buf;
use qcore::Func;
use qcore::Table;
use qcore::Value;
use qcore::VecData;
use qcore::buf::BLOCK;

/// The block statistics of `xs` (`qcore::buf::block_bounds_of`), made on
/// the pool in pieces of whole blocks above the threshold (a pass over the
/// whole column, once per buffer: a partition's mapped columns are kept
/// across queries by `storage::kept`, statistics and all).
fn par_bounds<T: Copy + Ord + Send + Sync>(xs: &[T]) -> Vec<(T, T)> {
    use rayon::prelude::*;
    match crate::ops::par::piece_len(xs.len()) {
        None => qcore::buf::block_bounds_of(xs),
        Some(step) => xs
            .par_chunks(step.next_multiple_of(BLOCK))
            .map(qcore::buf::block_bounds_of)
            .collect::<Vec<_>>()
            .concat(),
    }
}

/// An integer-stored column's storage.
enum Col<'t> {
    I16(&'t Buf<i16>),
    I32(&'t Buf<i32>),
    I64(&'t Buf<i64>),
}

impl Col<'_> {
    /// The block statistics, widened as the constant is.
    fn bounds(&self) -> Option<Vec<(i64, i64)>> {
        fn wide<T: Copy + Into<i64>>(b: &[(T, T)]) -> Vec<(i64, i64)> {
            b.iter().map(|&(lo, hi)| (lo.into(), hi.into())).collect()
        }
        Some(match self {
            Col::I16(b) => wide(b.block_bounds_by(par_bounds)?),
            Col::I32(b) => wide(b.block_bounds_by(par_bounds)?),
            Col::I64(b) => wide(b.block_bounds_by(par_bounds)?),
        })
    }

    /// Keeps the rows of `rows` whose item lies in `lo..=hi`.
    fn retain(&self, rows: &mut Vec<i64>, lo: i64, hi: i64) {
        fn keep<T: Copy + Into<i64>>(s: &[T], rows: &mut Vec<i64>, lo: i64, hi: i64) {
            rows.retain(|&r| {
                let v: i64 = s[r as usize].into();
                lo <= v && v <= hi
            });
        }
        match self {
            Col::I16(b) => keep(b, rows, lo, hi),
            Col::I32(b) => keep(b, rows, lo, hi),
            Col::I64(b) => keep(b, rows, lo, hi),
        }
    }

    /// Appends the rows `a..b` whose item lies in `lo..=hi`.
    fn collect(&self, a: usize, b: usize, lo: i64, hi: i64, out: &mut Vec<i64>) {
        fn scan<T: Copy + Into<i64>>(s: &[T], a: usize, lo: i64, hi: i64, out: &mut Vec<i64>) {
            for (k, &v) in s.iter().enumerate() {
                let v: i64 = v.into();
                if lo <= v && v <= hi {
                    out.push((a + k) as i64);
                }
            }
        }
        match self {
            Col::I16(s) => scan(&s[a..b], a, lo, hi, out),
            Col::I32(s) => scan(&s[a..b], a, lo, hi, out),
            Col::I64(s) => scan(&s[a..b], a, lo, hi, out),
        }
    }
}

/// A constraint a column's block statistics decide: its items in
/// `lo..=hi` match (empty when `lo > hi`).
struct Pred<'t> {
    col: Col<'t>,
    lo: i64,
    hi: i64,
    bounds: Vec<(i64, i64)>,
    /// The constraint with its constant evaluated (and quoted), for the
    /// usual path to run over the rows the statistics leave.
    literal: Value,
}

/// What the block statistics say of a block.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    None,
    Some,
    All,
}

impl Pred<'_> {
    fn class(&self, b: usize) -> Class {
        let (mn, mx) = self.bounds[b];
        if mx < self.lo || mn > self.hi {
            Class::None
        } else if mn >= self.lo && mx <= self.hi {
            Class::All
        } else {
            Class::Some
        }
    }
}

/// The constraint `c` as a [`Pred`] over `t`, if it is one.
fn pred<'t>(it: &mut Interp, t: &'t Table, c: &Value) -> Option<Pred<'t>> {
    let Value::List(l) = c else { return None };
    if l.len() != 3 {
        return None;
    }
    let Value::Func(Func::Builtin(op)) = &l[0] else {
        return None;
    };
    let Value::Atom(Atom::Symbol(s)) = &l[1] else {
        return None;
    };
    let k = t.names.iter().position(|n| n == s)?;
    let Value::Vector(v) = &t.columns[k] else {
        return None;
    };
    // an enumeration compares as symbols
    if v.domain().is_some() || v.len() < 2 * BLOCK {
        return None;
    }
    let col = match v.data() {
        VecData::I16(b) => Col::I16(b),
        VecData::I32(b) => Col::I32(b),
        VecData::I64(b) => Col::I64(b),
        _ => return None,
    };
    let ty = v.ty();
    let x = constant(it, t, &l[2])?;
    let (lo, hi) = match (op.name, &x) {
        ("within", Value::Vector(p)) if p.len() == 2 => {
            (bound(&p.get(0), ty)?, bound(&p.get(1), ty)?)
        }
        ("within", Value::List(p)) if p.len() == 2 => match (&p[0], &p[1]) {
            (Value::Atom(a), Value::Atom(b)) => (bound(a, ty)?, bound(b, ty)?),
            _ => return None,
        },
        (name, Value::Atom(a)) => {
            let x = bound(a, ty)?;
            match name {
                "<" if x == i64::MIN => (1, 0),
                "<" => (i64::MIN, x - 1),
                "<=" => (i64::MIN, x),
                ">" if x == i64::MAX => (1, 0),
                ">" => (x + 1, i64::MAX),
                ">=" => (x, i64::MAX),
                "=" => (x, x),
                _ => return None,
            }
        }
        _ => return None,
    };
    let bounds = col.bounds()?;
    let literal = Value::list(vec![l[0].clone(), l[1].clone(), Value::list(vec![x])]);
    Some(Pred {
        col,
        lo,
        hi,
        bounds,
        literal,
    })
}

/// The constraints of `cs` the block statistics decide ([`pred`]), taken
/// from those after nothing but item-wise constraints, with each block's
/// class (none, some or all of its rows match all of them), and the other
/// constraints in their order.
struct Plan<'t> {
    preds: Vec<Pred<'t>>,
    classes: Vec<Class>,
    rest: Vec<Value>,
    rows: usize,
}

fn plan<'t>(it: &mut Interp, t: &'t Table, cs: &[Value]) -> Option<Plan<'t>> {
    let mut preds = Vec::new();
    let mut rest = Vec::new();
    for (k, c) in cs.iter().enumerate() {
        if let Some(p) = pred(it, t, c) {
            preds.push(p);
        } else if itemwise(it, t, c) {
            rest.push(c.clone());
        } else {
            rest.extend(cs[k..].iter().cloned());
            break;
        }
    }
    let first = preds.first()?;
    let classes = (0..first.bounds.len())
        .map(|b| {
            let mut all = true;
            for p in &preds {
                match p.class(b) {
                    Class::None => return Class::None,
                    Class::Some => all = false,
                    Class::All => {}
                }
            }
            if all { Class::All } else { Class::Some }
        })
        .collect();
    Some(Plan {
        preds,
        classes,
        rest,
        rows: t.len(),
    })
}

/// A where clause whose statistics-decided constraints settle at least
/// half of the blocks (no row or every row matches): the rows they keep
/// (each block that may match compared row by row), and the constraints
/// left, to run over those rows. `None`: the usual scan.
pub(crate) fn narrow(it: &mut Interp, t: &Table, cs: &[Value]) -> Option<(Vec<i64>, Vec<Value>)> {
    let p = plan(it, t, cs)?;
    let settled = p.classes.iter().filter(|&&c| c != Class::Some).count();
    if 2 * settled < p.classes.len() {
        return None;
    }
    let mut rows = Vec::new();
    for (b, &c) in p.classes.iter().enumerate() {
        let (a, e) = (b * BLOCK, ((b + 1) * BLOCK).min(p.rows));
        match c {
            Class::None => {}
            Class::All => rows.extend(a as i64..e as i64),
            Class::Some => {
                // the first undecided constraint collects, the others sift
                let mut kept: Option<Vec<i64>> = None;
                for q in p.preds.iter().filter(|q| q.class(b) != Class::All) {
                    match &mut kept {
                        None => {
                            let mut v = Vec::new();
                            q.col.collect(a, e, q.lo, q.hi, &mut v);
                            kept = Some(v);
                        }
                        Some(v) => q.col.retain(v, q.lo, q.hi),
                    }
                }
                rows.extend(kept.unwrap_or_default());
            }
        }
    }
    Some((rows, p.rest))
}

/// A select's where clause whose statistics-decided constraints leave one
/// run of blocks that may match, short of the whole table: its rows
/// `lo..hi` and the constraints to run over them (the decided ones too,
/// with their constants evaluated, unless every block of the run matches
/// whole).
pub(crate) fn one_run(
    it: &mut Interp,
    t: &Table,
    cs: &[Value],
) -> Option<(usize, usize, Vec<Value>)> {
    let p = plan(it, t, cs)?;
    let first = p.classes.iter().position(|&c| c != Class::None);
    let Some(first) = first else {
        return Some((0, 0, p.rest));
    };
    let last = p.classes.iter().rposition(|&c| c != Class::None)?;
    let run = &p.classes[first..=last];
    if run.contains(&Class::None) || run.len() == p.classes.len() {
        return None;
    }
    let (lo, hi) = (first * BLOCK, ((last + 1) * BLOCK).min(p.rows));
    if run.iter().all(|&c| c == Class::All) {
        return Some((lo, hi, p.rest));
    }
    // the decided constraints first: they came after nothing but item-wise
    // ones, so the order does not change the rows kept
    let mut cs: Vec<Value> = p.preds.into_iter().map(|q| q.literal).collect();
    cs.extend(p.rest);
    Some((lo, hi, cs))
}

#[cfg(test)]
mod tests {
    use crate::state::Interp;
    use qcore::Value;
    use qcore::VecData;

    fn run(it: &mut Interp, q: &str) -> String {
        format!("{:?}", it.eval_text(q).map_err(|e| format!("{e:?}")))
    }

    /// The statistics made on the pool in pieces of whole blocks are the
    /// one pass's, on three threads with pieces of any size.
    #[test]
    fn bounds_on_the_pool_are_the_one_pass() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("pool");
        use qcore::buf::BLOCK;
        for n in [1, BLOCK - 1, BLOCK, BLOCK + 1, 7 * BLOCK + 5] {
            let xs: Vec<i64> = (0..n as i64).map(|i| (i * 7919) % 1013 - 500).collect();
            let want = qcore::buf::block_bounds_of(&xs);
            for rows in [2, 4096, crate::ops::par::PAR_ROWS] {
                crate::ops::par::set_par_rows(rows);
                assert_eq!(
                    pool.install(|| super::par_bounds(&xs)),
                    want,
                    "n {n} rows {rows}"
                );
            }
            crate::ops::par::set_par_rows(crate::ops::par::PAR_ROWS);
        }
    }

    /// Every query (block statistics deciding part of its where clause)
    /// against a definition the statistics cannot take: a boolean index of
    /// the table, or a compare inside one item-wise expression.
    #[test]
    fn decided_blocks_keep_the_rows_of_the_compare() {
        let mut it = Interp::new();
        for s in [
            "n:50000",
            "t:([]v:(til n) div 7; w:n?100; h:`short$(til n) mod 3000; k:`int$n-til n; d:2020.01.01+(til n) div 100)",
            "t:update v:0N from t where 0=i mod 9973",
            "t:update k:0Ni from t where 0=i mod 7919",
            "X:7000",
        ] {
            it.eval_text(s).unwrap();
        }
        for (q, d) in [
            ("select from t where v>X", "t where t[`v]>X"),
            ("select from t where v>=X+1", "t where t[`v]>=X+1"),
            ("select from t where v<5", "t where t[`v]<5"),
            ("select from t where v<=0", "t where t[`v]<=0"),
            ("select from t where v=100", "t where t[`v]=100"),
            ("select from t where v<0", "t where t[`v]<0"),
            (
                "select from t where v within 3000 3010",
                "t where t[`v] within 3000 3010",
            ),
            (
                "select from t where v within 3010 3000",
                "t where t[`v] within 3010 3000",
            ),
            (
                "select from t where v>0, v<10",
                "t where (t[`v]>0)&t[`v]<10",
            ),
            (
                "select from t where w<50, v>6990",
                "t where (t[`w]<50)&t[`v]>6990",
            ),
            ("select from t where h>2990", "t where t[`h]>2990h"),
            ("select from t where h>2990h", "t where t[`h]>2990h"),
            ("select from t where k<10i", "t where t[`k]<10i"),
            ("select from t where k>49990i", "t where t[`k]>49990i"),
            (
                "select from t where d within 2020.01.05 2020.01.06",
                "t where t[`d] within 2020.01.05 2020.01.06",
            ),
            (
                "select from t where d>2020.01.01+490",
                "t where t[`d]>2020.01.01+490",
            ),
            (
                "select n:count i, s:sum w from t where v within 3000 3100",
                "select n:count i, s:sum w from t where (v>=3000)&v<=3100",
            ),
            (
                "select n:count i, s:sum w by h from t where v>7100",
                "select n:count i, s:sum w by h from t where not v<=7100",
            ),
            ("exec i from t where v>7140", "where t[`v]>7140"),
            ("delete from t where v>10", "t where not t[`v]>10"),
            (
                "update w:-1 from t where v<3",
                "update w:-1 from t where (v<3)&1b",
            ),
        ] {
            assert_eq!(run(&mut it, q), run(&mut it, d), "{q}");
        }
        // the statistics were computed and are kept with the column
        let Ok(Value::Table(t)) = it.eval_text("t") else {
            panic!("t is a table")
        };
        let Value::Vector(v) = &t.columns[0] else {
            panic!("v is a vector")
        };
        let VecData::I64(b) = v.data() else {
            panic!("v is longs")
        };
        assert!(b.has_block_bounds());
        // a write in place forgets them; the answers follow the new items
        it.eval_text("update v:100000 from `t where i=25000")
            .unwrap();
        assert_eq!(
            run(&mut it, "exec i from t where v>90000"),
            run(&mut it, "enlist 25000")
        );
    }
}
