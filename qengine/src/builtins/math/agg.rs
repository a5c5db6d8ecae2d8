//! Aggregates and their running forms: `sum prd min max avg` (also the
//! `over` forms `+/ */ &/ |/`) and `sums prds mins maxs` (`+\ *\ &\ |\`).
//! Every one goes through dictionaries (per value) and tables (per
//! column) the same way ([`aggregate`], [`running`]).
//!
//! Typing follows q: `sum` of booleans, bytes, shorts and ints is an int
//! ([`sum_type`]), `avg` is always a float, nulls are skipped. The float `sum`/`avg` add
//! in fixed lanes (`ops/lanes.rs`), the same order the compiled core uses,
//! so a query gives the same bits whichever path ran it.

use crate::ops::cast::atom_of_f64;
use crate::ops::cast::atom_of_i64;
use crate::ops::lanes::sum_count;
use crate::ops::lanes::sum_f64;
use crate::ops::reduce::agg_floats;
use crate::ops::reduce::agg_ints;
use crate::ops::reduce::ints_to;
use crate::ops::reduce::minmax_f64;
use crate::ops::reduce::minmax_i64;
use crate::ops::reduce::sum_i32;
use crate::ops::reduce::sum_i64;
use qcore::Atom;
use qcore::Dict;
use qcore::QError;
use qcore::QResult;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use qcore::sentinel::NH;
use qcore::sentinel::NI;
use qcore::sentinel::NJ;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// Shared shapes
// ---------------------------------------------------------------------------

/// Applies a vector aggregate through dictionaries and tables; general
/// lists fold with `fold`.
pub(crate) fn aggregate(
    x: Value,
    vec: &dyn Fn(&Vector) -> QResult<Value>,
    atom: &dyn Fn(Atom) -> QResult<Value>,
    fold: fn(Value, Value) -> QResult<Value>,
    empty: &dyn Fn() -> Value,
) -> QResult<Value> {
    match x {
        Value::Atom(a) => atom(a),
        Value::Vector(v) => vec(&v),
        Value::List(l) => {
            let mut items = l.iter().cloned();
            let Some(mut acc) = items.next() else {
                return Ok(empty());
            };
            for i in items {
                acc = fold(acc, i)?;
            }
            Ok(acc)
        }
        Value::Dict(d) => aggregate(d.values.clone(), vec, atom, fold, empty),
        Value::Table(t) => {
            let mut vals = Vec::with_capacity(t.columns.len());
            for c in t.columns.iter() {
                vals.push(aggregate(c.clone(), vec, atom, fold, empty)?);
            }
            Ok(Value::Dict(Arc::new(Dict {
                keys: Value::Vector(Vector::syms(t.names.clone())),
                values: Value::from_items(vals),
                sorted: false,
            })))
        }
        _ => Err(QError::type_()),
    }
}

/// Applies a running (uniform) vector function through dictionaries and
/// tables; general lists scan with `fold`.
pub(crate) fn running(
    x: Value,
    vec: &dyn Fn(&Vector) -> QResult<Value>,
    fold: fn(Value, Value) -> QResult<Value>,
) -> QResult<Value> {
    match x {
        Value::Atom(Atom::Symbol(_) | Atom::Guid(_)) => Err(QError::type_()),
        Value::Atom(_) => Ok(x),
        Value::Vector(v) => vec(&v),
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            let mut acc: Option<Value> = None;
            for i in l.iter() {
                let next = match acc {
                    None => i.clone(),
                    Some(a) => fold(a, i.clone())?,
                };
                out.push(next.clone());
                acc = Some(next);
            }
            Ok(Value::from_items(out))
        }
        Value::Dict(d) => Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: running(d.values.clone(), vec, fold)?,
            sorted: d.sorted,
        }))),
        Value::Table(t) => {
            let mut cols = Vec::with_capacity(t.columns.len());
            for c in t.columns.iter() {
                cols.push(running(c.clone(), vec, fold)?);
            }
            Ok(Value::Table(Arc::new(Table {
                names: t.names.clone(),
                columns: cols,
            })))
        }
        _ => Err(QError::type_()),
    }
}

pub(crate) fn numeric_atom(a: Atom) -> QResult<Value> {
    match a.ty() {
        Ty::Symbol | Ty::Guid => Err(QError::type_()),
        _ => Ok(Value::Atom(a)),
    }
}

/// Type of `sum`/`prd` (and their running forms) of a vector of type `t`.
pub(crate) fn sum_type(t: Ty) -> QResult<Ty> {
    match t {
        Ty::Bool | Ty::Byte | Ty::Short | Ty::Int => Ok(Ty::Int),
        Ty::Char | Ty::Symbol | Ty::Guid => Err(QError::type_()),
        t => Ok(t),
    }
}

// ---------------------------------------------------------------------------
// sum, prd
// ---------------------------------------------------------------------------

pub(crate) fn sum_vec(v: &Vector) -> QResult<Value> {
    let rt = sum_type(v.ty())?;
    Ok(Value::Atom(match v.data() {
        VecData::I64(b) => atom_of_i64(rt, sum_i64(b)),
        VecData::F64(b) => atom_of_f64(rt, sum_f64(b)),
        VecData::I32(b) => atom_of_i64(rt, sum_i32(b) as i32 as i64),
        VecData::I16(b) => atom_of_i64(
            rt,
            b.iter()
                .map(|&x| if x == NH { 0 } else { x as i64 })
                .sum::<i64>() as i32 as i64,
        ),
        VecData::U8(b) => atom_of_i64(rt, b.iter().map(|&x| x as i64).sum::<i64>() as i32 as i64),
        VecData::F32(b) => Atom::Real(
            b.iter()
                .map(|&x| if x.is_nan() { 0.0 } else { x as f64 })
                .sum::<f64>() as f32,
        ),
        VecData::Sym(_) | VecData::Guid(_) => return Err(QError::type_()),
    }))
}

/// `sum x`.
pub fn sum(x: Value) -> QResult<Value> {
    aggregate(
        x,
        &sum_vec,
        &numeric_atom,
        crate::builtins::math::arith::add,
        &|| Value::long(0),
    )
}

pub(crate) fn prd_vec(v: &Vector) -> QResult<Value> {
    let rt = sum_type(v.ty())?;
    if matches!(v.data(), VecData::F32(_) | VecData::F64(_)) {
        let p = agg_floats(v)
            .into_iter()
            .filter(|x| !x.is_nan())
            .product::<f64>();
        return Ok(Value::Atom(atom_of_f64(rt, p)));
    }
    let p = agg_ints(v)?
        .into_iter()
        .filter(|&x| x != NJ)
        .fold(1i64, |a, b| a.wrapping_mul(b));
    let p = if rt == Ty::Int { p as i32 as i64 } else { p };
    Ok(Value::Atom(atom_of_i64(rt, p)))
}

/// `prd x`.
pub fn prd(x: Value) -> QResult<Value> {
    aggregate(
        x,
        &prd_vec,
        &numeric_atom,
        crate::builtins::math::arith::mul,
        &|| Value::long(1),
    )
}

pub(crate) fn scan_vec(v: &Vector, mul: bool) -> QResult<Value> {
    let rt = sum_type(v.ty())?;
    let unit = if mul { 1 } else { 0 };
    if let VecData::F32(_) | VecData::F64(_) = v.data() {
        let mut acc = if mul { 1.0 } else { 0.0 };
        let out: Vec<f64> = agg_floats(v)
            .into_iter()
            .map(|x| {
                let x = if x.is_nan() { unit as f64 } else { x };
                acc = if mul { acc * x } else { acc + x };
                acc
            })
            .collect();
        return Ok(Value::Vector(crate::ops::arith::vector_from_f64(rt, out)));
    }
    if !mul {
        // running sums of the items as they are (nulls add 0), on the pool
        // for long vectors
        let out = match v.data() {
            VecData::U8(b) => crate::ops::par::running_sum(b, |x| x as i64),
            VecData::I16(b) => {
                crate::ops::par::running_sum(b, |x| if x == NH { 0 } else { x as i64 })
            }
            VecData::I32(b) => {
                crate::ops::par::running_sum(b, |x| if x == NI { 0 } else { x as i64 })
            }
            VecData::I64(b) => crate::ops::par::running_sum(b, |x| if x == NJ { 0 } else { x }),
            _ => return Err(QError::type_()),
        };
        return Ok(Value::Vector(ints_to(rt, out)));
    }
    let mut acc: i64 = unit;
    let out: Vec<i64> = agg_ints(v)?
        .into_iter()
        .map(|x| {
            let x = if x == NJ { unit } else { x };
            acc = if mul {
                acc.wrapping_mul(x)
            } else {
                acc.wrapping_add(x)
            };
            acc
        })
        .collect();
    Ok(Value::Vector(ints_to(rt, out)))
}

/// `sums x`: running sums.
pub fn sums(x: Value) -> QResult<Value> {
    running(
        x,
        &|v| scan_vec(v, false),
        crate::builtins::math::arith::add,
    )
}

/// `prds x`: running products.
pub fn prds(x: Value) -> QResult<Value> {
    running(x, &|v| scan_vec(v, true), crate::builtins::math::arith::mul)
}

// ---------------------------------------------------------------------------
// min, max, mins, maxs
// ---------------------------------------------------------------------------

pub(crate) fn minmax_vec(v: &Vector, max: bool) -> QResult<Value> {
    let t = v.ty();
    Ok(Value::Atom(match v.data() {
        VecData::I64(b) => atom_of_i64(t, minmax_i64(b, max)),
        VecData::F64(b) => atom_of_f64(t, minmax_f64(b, max)),
        VecData::I32(b) => {
            let nn = b.iter().copied().filter(|&x| x != NI);
            let r = if max {
                nn.max().unwrap_or(-i32::MAX)
            } else {
                nn.min().unwrap_or(i32::MAX)
            };
            Vector::from_i32(t, vec![r]).get(0)
        }
        VecData::I16(b) => {
            let nn = b.iter().copied().filter(|&x| x != NH);
            Atom::Short(if max {
                nn.max().unwrap_or(-i16::MAX)
            } else {
                nn.min().unwrap_or(i16::MAX)
            })
        }
        VecData::F32(b) => {
            let wide: Vec<f64> = b.iter().map(|&x| x as f64).collect();
            Atom::Real(minmax_f64(&wide, max) as f32)
        }
        VecData::U8(b) => {
            let r = if max {
                b.iter().copied().max().unwrap_or(0)
            } else {
                b.iter()
                    .copied()
                    .min()
                    .unwrap_or(if t == Ty::Bool { 1 } else { 255 })
            };
            Vector::from_u8(t, vec![r]).get(0)
        }
        VecData::Sym(_) | VecData::Guid(_) => return Err(QError::type_()),
    }))
}

/// `min x`.
pub fn min(x: Value) -> QResult<Value> {
    aggregate(
        x,
        &|v| minmax_vec(v, false),
        &numeric_atom,
        crate::builtins::logic::min2,
        &|| Value::long(i64::MAX),
    )
}

/// `max x`.
pub fn max(x: Value) -> QResult<Value> {
    aggregate(
        x,
        &|v| minmax_vec(v, true),
        &numeric_atom,
        crate::builtins::logic::max2,
        &|| Value::long(-i64::MAX),
    )
}

pub(crate) fn run_minmax<T: Copy + PartialOrd>(
    b: &[T],
    is_null: impl Fn(T) -> bool,
    init: T,
    max: bool,
) -> Vec<T> {
    let mut acc = init;
    b.iter()
        .map(|&x| {
            if !is_null(x) && ((max && x > acc) || (!max && x < acc)) {
                acc = x;
            }
            acc
        })
        .collect()
}

pub(crate) fn running_minmax_vec(v: &Vector, max: bool) -> QResult<Value> {
    let t = v.ty();
    let data = match v.data() {
        VecData::I64(b) => VecData::I64(
            run_minmax(b, |x| x == NJ, if max { -i64::MAX } else { i64::MAX }, max).into(),
        ),
        VecData::I32(b) => VecData::I32(
            run_minmax(b, |x| x == NI, if max { -i32::MAX } else { i32::MAX }, max).into(),
        ),
        VecData::I16(b) => VecData::I16(
            run_minmax(b, |x| x == NH, if max { -i16::MAX } else { i16::MAX }, max).into(),
        ),
        VecData::F64(b) => VecData::F64(
            run_minmax(
                b,
                |x: f64| x.is_nan(),
                if max {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                },
                max,
            )
            .into(),
        ),
        VecData::F32(b) => VecData::F32(
            run_minmax(
                b,
                |x: f32| x.is_nan(),
                if max {
                    f32::NEG_INFINITY
                } else {
                    f32::INFINITY
                },
                max,
            )
            .into(),
        ),
        VecData::U8(b) => {
            let init = match b.first() {
                Some(&f) => f,
                None => 0,
            };
            VecData::U8(run_minmax(b, |_| false, init, max).into())
        }
        VecData::Sym(_) | VecData::Guid(_) => return Err(QError::type_()),
    };
    Ok(Value::Vector(
        Vector::new(t, data).ok_or_else(QError::type_)?,
    ))
}

/// `mins x`: running minimums (initial nulls give `0W`).
pub fn mins(x: Value) -> QResult<Value> {
    running(
        x,
        &|v| running_minmax_vec(v, false),
        crate::builtins::logic::min2,
    )
}

/// `maxs x`: running maximums (initial nulls give `-0W`).
pub fn maxs(x: Value) -> QResult<Value> {
    running(
        x,
        &|v| running_minmax_vec(v, true),
        crate::builtins::logic::max2,
    )
}

// ---------------------------------------------------------------------------
// avg
// ---------------------------------------------------------------------------

pub(crate) fn avg_vec(v: &Vector) -> QResult<Value> {
    let (s, n) = match v.data() {
        VecData::I64(b) => sum_count(b),
        VecData::F64(b) => sum_count(b),
        VecData::Sym(_) | VecData::Guid(_) => return Err(QError::type_()),
        VecData::U8(_) if v.ty() == Ty::Char => return Err(QError::type_()),
        VecData::F32(_) => sum_count(&agg_floats(v)),
        _ => {
            let ints = agg_ints(v)?;
            sum_count(&ints)
        }
    };
    Ok(Value::float(if n == 0 { f64::NAN } else { s / n as f64 }))
}

pub(crate) fn avg_atom(a: Atom) -> QResult<Value> {
    match a.ty() {
        Ty::Symbol | Ty::Guid | Ty::Char => Err(QError::type_()),
        _ => Ok(Value::Atom(crate::ops::cast::cast_atom(Ty::Float, a)?)),
    }
}

/// `avg x`: arithmetic mean as a float.
pub fn avg(x: Value) -> QResult<Value> {
    match x {
        Value::List(ref l) => {
            let n = l.len() as i64;
            // a mixed list of numeric atoms: nulls count as zero (q's avg page)
            if n > 0 && l.iter().all(|i| matches!(i, Value::Atom(a) if (a.ty().is_numeric() || a.ty().is_temporal()))) {
                let mut total = 0.0;
                for i in l.iter() {
                    if let Value::Atom(a) = i
                        && !a.is_null()
                    {
                        total += a.to_f64().unwrap_or(0.0);
                    }
                }
                return Ok(Value::float(total / n as f64));
            }
            let s = sum(x)?;
            if n == 0 {
                return Ok(Value::float(f64::NAN));
            }
            crate::builtins::math::arith::div_float(s, Value::long(n))
        }
        Value::Dict(d) => avg(d.values.clone()),
        Value::Table(t) => {
            let mut vals = Vec::with_capacity(t.columns.len());
            for c in t.columns.iter() {
                vals.push(avg(c.clone())?);
            }
            Ok(Value::Dict(Arc::new(Dict {
                keys: Value::Vector(Vector::syms(t.names.clone())),
                values: Value::from_items(vals),
                sorted: false,
            })))
        }
        Value::Atom(a) => avg_atom(a),
        Value::Vector(v) => avg_vec(&v),
        _ => Err(QError::type_()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::lanes::sum_count;
    use crate::ops::lanes::sum_f64;
    use crate::ops::reduce::PAR_ITEMS;
    use crate::ops::reduce::PAR_PIECE;
    use crate::ops::reduce::minmax_f64;
    use crate::ops::reduce::minmax_i64;
    use crate::ops::reduce::minmax_i64_seq;
    use crate::ops::reduce::sum_i32;
    use crate::ops::reduce::sum_i32_seq;
    use crate::ops::reduce::sum_i64;
    use crate::ops::reduce::sum_i64_seq;
    use qcore::sentinel::NJ;

    #[test]
    fn kernels_skip_nulls() {
        let v: Vec<i64> = (1..=20).chain([NJ, NJ]).collect();
        assert_eq!(sum_i64(&v), 210);
        assert_eq!(sum_count(&v), (210.0, 20));
        assert_eq!(minmax_i64(&v, true), 20);
        assert_eq!(minmax_i64(&v, false), 1);
        assert_eq!(minmax_i64(&[NJ, NJ], true), -i64::MAX);
        assert_eq!(minmax_i64(&[], false), i64::MAX);
        let f: Vec<f64> = (1..=19).map(|x| x as f64).chain([f64::NAN]).collect();
        assert_eq!(sum_f64(&f), 190.0);
        assert_eq!(minmax_f64(&f, true), 19.0);
        assert_eq!(minmax_f64(&[f64::NAN], false), f64::INFINITY);
        assert_eq!(sum_i32(&[1, NI, 2, 3, 4, 5, 6, 7, 8, 9]), 45);
    }

    /// The vectorised long sum (all items, then the nulls' parity) is the
    /// plain sum that skips nulls: none, an odd and an even number of
    /// nulls, nulls in the tail, wrap-around, `-0W`.
    #[test]
    fn long_sum_corrects_for_nulls() {
        let plain = |xs: &[i64]| {
            xs.iter()
                .filter(|&&v| v != NJ)
                .fold(0i64, |a, &v| a.wrapping_add(v))
        };
        let mut x: u64 = 3;
        for n in [0usize, 1, 7, 8, 9, 17, 64, 1003] {
            for every in [0u64, 1, 2, 3, 5, 64] {
                let v: Vec<i64> = (0..n)
                    .map(|_| {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        if every > 0 && (x >> 40).is_multiple_of(every) {
                            NJ
                        } else {
                            (x as i64) | 1
                        }
                    })
                    .collect();
                assert_eq!(sum_i64_seq(&v), plain(&v), "{n} {every}");
            }
        }
        assert_eq!(sum_i64_seq(&[NJ; 9]), 0);
        assert_eq!(sum_i64_seq(&[NJ; 8]), 0);
        assert_eq!(
            sum_i64_seq(&[-i64::MAX, NJ, 0, 0, 0, 0, 0, 0, NJ]),
            -i64::MAX
        );
        assert_eq!(sum_i64_seq(&[i64::MAX, 1, NJ, 0, 0, 0, 0, 0]), NJ);
    }

    #[test]
    fn float_sum_is_deterministic() {
        let f: Vec<f64> = (0..1001).map(|i| (i as f64) * 0.1).collect();
        assert_eq!(sum_f64(&f).to_bits(), sum_f64(&f).to_bits());
        assert!((sum_f64(&f) - 50050.0).abs() < 1e-6);
    }

    #[test]
    fn split_integer_aggregates_match_one_thread() {
        // above PAR_ITEMS, with nulls and wrap-around, pieces of uneven size
        let n = PAR_ITEMS + PAR_PIECE / 3 + 7;
        let mut x: u64 = 42;
        let v: Vec<i64> = (0..n)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if i % 97 == 0 {
                    NJ
                } else {
                    (x >> 1) as i64 - (1 << 62)
                }
            })
            .collect();
        let w: Vec<i32> = v
            .iter()
            .map(|&a| if a == NJ { NI } else { (a >> 33) as i32 })
            .collect();
        assert_eq!(sum_i64(&v), sum_i64_seq(&v));
        assert_eq!(sum_i32(&w), sum_i32_seq(&w));
        assert_eq!(minmax_i64(&v, true), minmax_i64_seq(&v, true));
        assert_eq!(minmax_i64(&v, false), minmax_i64_seq(&v, false));
        let nulls = vec![NJ; n];
        assert_eq!(sum_i64(&nulls), 0);
        assert_eq!(minmax_i64(&nulls, true), -i64::MAX);
        assert_eq!(minmax_i64(&nulls, false), i64::MAX);
    }

    #[test]
    fn sum_of_10m_longs_is_fast() {
        // The brief's target: within 2x of a plain loop. Checked loosely
        // here (debug builds are noisy); the bench measures it properly.
        let v: Vec<i64> = (0..1_000_000).collect();
        let plain: i64 = v.iter().sum();
        assert_eq!(sum_i64(&v), plain);
    }
}
