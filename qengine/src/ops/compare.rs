//! Comparison kernels behind `= <> < > <= >=`, the lesser/greater of `&`
//! and `|`, and `~` (match). Both sides are brought to a common domain
//! first ([`Domain`]: integers, floats, or nanoseconds for temporals of
//! different units), so `2024.01.02=2024.01.02D00:00` compares the
//! instants as q does. Floats compare with q's tolerance (2^-43,
//! [`TOLERANCE`], [`feq`]) and nulls are the smallest values. `~` is
//! [`values_match_tol`] (floats within tolerance); [`values_match`] is the
//! exact identity that hashing and grouping need.

use crate::ops::conform::atomic_dyad;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use std::cmp::Ordering;

use crate::ops::arith::i2f;
use crate::ops::arith::lesser_type;
use crate::ops::cast::cast_simple;
use qcore::Guid;
use qcore::Repr;
use qcore::Sym;
use qcore::VecData;
use qcore::calendar::NS_PER_DAY;
use qcore::f64_to_i64;
use qcore::sentinel::NJ;
use std::borrow::Cow;

/// q's comparison tolerance, 2^-43.
pub const TOLERANCE: f64 = 1.0 / 8_796_093_022_208.0;

/// Tolerant float equality: NaN equals NaN; a finite value equals another
/// when they differ by at most 2^-43 of the larger magnitude.
#[inline]
pub fn feq(a: f64, b: f64) -> bool {
    if a == b {
        return true;
    }
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    (a - b).abs() <= TOLERANCE * a.abs().max(b.abs())
}

/// Tolerant float less-than with NaN smallest.
#[inline]
pub fn flt(a: f64, b: f64) -> bool {
    if a.is_nan() {
        return !b.is_nan();
    }
    if b.is_nan() {
        return false;
    }
    a < b && !feq(a, b)
}

/// The items `x` (not NaN) for which `x op y` holds under q's tolerant
/// comparison ([`feq`], [`flt`]), `y` a finite constant: the closed
/// interval `[lo, hi]` (for `<>`, the interval of `=`, which it excludes;
/// for `<`/`<=` lo is -inf, for `>`/`>=` hi is +inf). With it a
/// column's compare against a constant is one or two plain float compares
/// per item, which vectorise, instead of the tolerant test. NaN items
/// (q's null, the smallest float) hold for `<`, `<=` and `<>` only.
/// `None` for a NaN or infinite `y`.
pub fn float_bounds(op: Cmp, y: f64) -> Option<(f64, f64)> {
    if !y.is_finite() {
        return None;
    }
    // floats in their total order (-0.0 just below 0.0) as integers
    fn key(f: f64) -> i64 {
        let b = f.to_bits() as i64;
        if b < 0 { b ^ i64::MAX } else { b }
    }
    fn unkey(k: i64) -> f64 {
        f64::from_bits((if k < 0 { k ^ i64::MAX } else { k }) as u64)
    }
    // the last key at which a predicate that holds up to some point holds
    // (it holds at `lo`, not at `hi`)
    fn last_true(mut lo: i64, mut hi: i64, p: impl Fn(f64) -> bool) -> f64 {
        // the keys span more than i64 can subtract
        while (hi as i128) - (lo as i128) > 1 {
            let m = ((lo as i128 + hi as i128) >> 1) as i64;
            if p(unkey(m)) {
                lo = m;
            } else {
                hi = m;
            }
        }
        unkey(lo)
    }
    let (ninf, inf) = (key(f64::NEG_INFINITY), key(f64::INFINITY));
    let ky = key(y);
    // x <= y (not y < x) holds from -inf up to the interval's top
    let top = last_true(ky, inf, |x| !flt(y, x));
    // x < y holds from -inf up to just below the interval's bottom
    let below = last_true(ninf, ky, |x| flt(x, y));
    let first_ge = unkey(key(below) + 1);
    Some(match op {
        Cmp::Lt => (f64::NEG_INFINITY, below),
        Cmp::Le => (f64::NEG_INFINITY, top),
        Cmp::Gt => (unkey(key(top) + 1), f64::INFINITY),
        Cmp::Ge => (first_ge, f64::INFINITY),
        Cmp::Eq | Cmp::Ne => (first_ge, top),
    })
}

/// A comparison.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl Cmp {
    /// The comparison with its sides swapped: `x op y` is `y op.flipped() x`.
    pub fn flipped(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Gt,
            Cmp::Gt => Cmp::Lt,
            Cmp::Le => Cmp::Ge,
            Cmp::Ge => Cmp::Le,
            other => other,
        }
    }
}

/// One side of a comparison, brought to the common domain.
pub(crate) enum Col<'a> {
    I(Cow<'a, [i64]>),
    F(Cow<'a, [f64]>),
    S(Cow<'a, [Sym]>),
    G(Cow<'a, [Guid]>),
}

/// How the two sides are compared.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Domain {
    /// Raw integral values (nulls `i64::MIN`).
    Int,
    /// Floats (nulls NaN).
    Float,
    Sym,
    Guid,
    /// Both to nanoseconds from 2000.01.01 / of duration.
    Nanos,
    /// An instant's time of day in units of the given duration type.
    TimeOfDay(Ty),
}

pub(crate) fn is_point(t: Ty) -> bool {
    matches!(t, Ty::Timestamp | Ty::Month | Ty::Date | Ty::Datetime)
}

pub(crate) fn domain(x: Ty, y: Ty) -> QResult<(Domain, Domain)> {
    use Domain::*;
    let fl = |t: Ty| matches!(t.repr(), Repr::F32 | Repr::F64);
    Ok(match (x, y) {
        (Ty::Symbol, Ty::Symbol) => (Sym, Sym),
        (Ty::Guid, Ty::Guid) => (Guid, Guid),
        (Ty::Symbol | Ty::Guid, _) | (_, Ty::Symbol | Ty::Guid) => {
            return Err(QError::type_());
        }
        (a, b) if a == b => {
            if fl(a) {
                (Float, Float)
            } else {
                (Int, Int)
            }
        }
        (a, b) if a.is_temporal() && b.is_temporal() => {
            if is_point(a) == is_point(b) {
                (Nanos, Nanos)
            } else if is_point(a) {
                if a == Ty::Month {
                    return Err(QError::type_());
                }
                (TimeOfDay(b), Int)
            } else {
                if b == Ty::Month {
                    return Err(QError::type_());
                }
                (Int, TimeOfDay(a))
            }
        }
        (a, b) => {
            if fl(a) || fl(b) {
                (Float, Float)
            } else {
                (Int, Int)
            }
        }
    })
}

#[inline]
pub(crate) fn wi16(v: i16) -> i64 {
    if v == i16::MIN { NJ } else { v as i64 }
}

#[inline]
pub(crate) fn wi32(v: i32) -> i64 {
    if v == i32::MIN { NJ } else { v as i64 }
}

pub(crate) fn raw_ints(v: &Vector) -> Cow<'_, [i64]> {
    match v.data() {
        VecData::I64(b) => Cow::Borrowed(&b[..]),
        VecData::U8(b) => Cow::Owned(b.iter().map(|&x| x as i64).collect()),
        VecData::I16(b) => Cow::Owned(b.iter().map(|&x| wi16(x)).collect()),
        VecData::I32(b) => Cow::Owned(b.iter().map(|&x| wi32(x)).collect()),
        VecData::F32(b) => Cow::Owned(b.iter().map(|&x| f64_to_i64(x as f64)).collect()),
        VecData::F64(b) => Cow::Owned(b.iter().map(|&x| f64_to_i64(x)).collect()),
        VecData::Guid(_) | VecData::Sym(_) => Cow::Owned(vec![]),
    }
}

pub(crate) fn raw_floats(v: &Vector) -> Cow<'_, [f64]> {
    match v.data() {
        VecData::F64(b) => Cow::Borrowed(&b[..]),
        VecData::F32(b) => Cow::Owned(b.iter().map(|&x| x as f64).collect()),
        _ => Cow::Owned(raw_ints(v).iter().map(|&x| i2f(x)).collect()),
    }
}

/// Nanoseconds of an integral temporal item of type `t` (null kept).
pub(crate) fn nanos_i(t: Ty, v: i64) -> i64 {
    if v == NJ {
        return NJ;
    }
    match t {
        Ty::Date => v.wrapping_mul(NS_PER_DAY),
        Ty::Month => {
            let d = qcore::calendar::days_from_civil(
                2000 + v.div_euclid(12),
                (v.rem_euclid(12) + 1) as u32,
                1,
            );
            d.wrapping_mul(NS_PER_DAY)
        }
        Ty::Minute => v.wrapping_mul(60_000_000_000),
        Ty::Second => v.wrapping_mul(1_000_000_000),
        Ty::Time => v.wrapping_mul(1_000_000),
        _ => v,
    }
}

pub(crate) fn nanos_f(v: f64) -> i64 {
    if v.is_nan() {
        NJ
    } else {
        f64_to_i64(v * NS_PER_DAY as f64)
    }
}

pub(crate) fn unit_ns(t: Ty) -> i64 {
    match t {
        Ty::Minute => 60_000_000_000,
        Ty::Second => 1_000_000_000,
        Ty::Time => 1_000_000,
        _ => 1,
    }
}

pub(crate) fn col<'a>(v: &'a Vector, d: Domain) -> Col<'a> {
    let t = v.ty();
    match d {
        Domain::Int => Col::I(raw_ints(v)),
        Domain::Float => Col::F(raw_floats(v)),
        Domain::Sym => Col::S(Cow::Borrowed(v.as_sym().unwrap_or(&[]))),
        Domain::Guid => Col::G(Cow::Borrowed(v.as_guid().unwrap_or(&[]))),
        Domain::Nanos | Domain::TimeOfDay(_) => {
            let ns: Vec<i64> = if t == Ty::Datetime {
                v.as_f64()
                    .unwrap_or(&[])
                    .iter()
                    .map(|&x| nanos_f(x))
                    .collect()
            } else {
                raw_ints(v).iter().map(|&x| nanos_i(t, x)).collect()
            };
            match d {
                Domain::TimeOfDay(u) => {
                    let unit = unit_ns(u);
                    Col::I(Cow::Owned(
                        ns.into_iter()
                            .map(|x| {
                                if x == NJ {
                                    NJ
                                } else {
                                    x.rem_euclid(NS_PER_DAY) / unit
                                }
                            })
                            .collect(),
                    ))
                }
                _ => Col::I(Cow::Owned(ns)),
            }
        }
    }
}

pub(crate) fn as_vector(v: &Value) -> QResult<(Vector, bool)> {
    match v {
        Value::Atom(a) => {
            let mut b = qcore::VecBuilder::new(a.ty(), 1);
            b.push(*a);
            Ok((b.finish(), true))
        }
        Value::Vector(v) => Ok((v.clone(), false)),
        _ => Err(QError::type_()),
    }
}

#[inline]
pub(crate) fn run<T: Copy + Sync>(
    a: &[T],
    aa: bool,
    b: &[T],
    ba: bool,
    f: impl Fn(T, T) -> bool + Sync + Send,
) -> Vec<u8> {
    // long vectors in pieces on the pool (`crate::ops::par`)
    match (aa, ba) {
        (false, false) => crate::ops::par::map2(a, b, |x, y| f(x, y) as u8),
        (false, true) => {
            let y = b[0];
            crate::ops::par::map(a, |x| f(x, y) as u8)
        }
        (true, false) => {
            let x = a[0];
            crate::ops::par::map(b, |y| f(x, y) as u8)
        }
        (true, true) => vec![f(a[0], b[0]) as u8],
    }
}

macro_rules! by_op {
    ($op:expr, $a:expr, $aa:expr, $b:expr, $ba:expr, $eq:expr, $lt:expr) => {{
        let eq = $eq;
        let lt = $lt;
        match $op {
            Cmp::Eq => run($a, $aa, $b, $ba, |x, y| eq(x, y)),
            Cmp::Ne => run($a, $aa, $b, $ba, |x, y| !eq(x, y)),
            Cmp::Lt => run($a, $aa, $b, $ba, |x, y| lt(x, y)),
            Cmp::Gt => run($a, $aa, $b, $ba, |x, y| lt(y, x)),
            Cmp::Le => run($a, $aa, $b, $ba, |x, y| !lt(y, x)),
            Cmp::Ge => run($a, $aa, $b, $ba, |x, y| !lt(x, y)),
        }
    }};
}

/// Compares two simple values (atoms or vectors).
pub fn compare_simple(op: Cmp, x: &Value, y: &Value) -> QResult<Value> {
    let (xv, xa) = as_vector(x)?;
    let (yv, ya) = as_vector(y)?;
    if !xa && !ya && xv.len() != yv.len() {
        return Err(QError::length());
    }
    let (dx, dy) = domain(xv.ty(), yv.ty())?;
    if dx == Domain::Float && xa != ya {
        let (v, a, op) = if ya {
            (&xv, &yv, op)
        } else {
            (&yv, &xv, op.flipped())
        };
        if let Some(out) = ints_against_float(op, v, a) {
            return Ok(Value::Vector(Vector::from_u8(Ty::Bool, out)));
        }
    }
    let cx = col(&xv, dx);
    let cy = col(&yv, dy);
    let out = match (cx, cy) {
        (Col::I(a), Col::I(b)) => by_op!(
            op,
            &a[..],
            xa,
            &b[..],
            ya,
            |x: i64, y: i64| x == y,
            |x: i64, y: i64| x < y
        ),
        (Col::F(a), Col::F(b)) => by_op!(op, &a[..], xa, &b[..], ya, feq, flt),
        (Col::S(a), Col::S(b)) => by_op!(
            op,
            &a[..],
            xa,
            &b[..],
            ya,
            |x: Sym, y: Sym| x == y,
            |x: Sym, y: Sym| x.cmp_text(y) == Ordering::Less
        ),
        (Col::G(a), Col::G(b)) => by_op!(
            op,
            &a[..],
            xa,
            &b[..],
            ya,
            |x: Guid, y: Guid| x == y,
            |x: Guid, y: Guid| x < y
        ),
        _ => return Err(QError::type_()),
    };
    Ok(if xa && ya {
        Value::bool(out.first().is_some_and(|&b| b != 0))
    } else {
        Value::Vector(Vector::from_u8(Ty::Bool, out))
    })
}

/// `v op a` for an integral vector `v` against a float atom `a`: the
/// items for which it holds are an interval of integers (the conversion
/// to float is monotone and [`float_bounds`] gives the floats'), found
/// once by bisection, so each item is two integer compares instead of a
/// conversion and the tolerant test. `None` when `v` is not integral or
/// `a` not finite.
fn ints_against_float(op: Cmp, v: &Vector, a: &Vector) -> Option<Vec<u8>> {
    if matches!(v.ty().repr(), Repr::F32 | Repr::F64) || v.ty().is_temporal() {
        return None;
    }
    let y = *raw_floats(a).first()?;
    let (lo, hi) = float_bounds(op, y)?;
    // the first integer above q's null at which `p` holds (p monotone),
    // as i128 so that "none" is i64::MAX + 1
    fn first(p: impl Fn(i64) -> bool) -> i128 {
        let (mut lo, mut hi) = (NJ as i128 + 1, i64::MAX as i128 + 1);
        while lo < hi {
            let m = (lo + hi) >> 1;
            if p(m as i64) {
                hi = m;
            } else {
                lo = m + 1;
            }
        }
        lo
    }
    let from = first(|k| i2f(k) >= lo);
    let to = first(|k| i2f(k) > hi) - 1;
    // q's null is the smallest float: it holds for `<`, `<=` and `<>`
    let null_holds = matches!(op, Cmp::Lt | Cmp::Le | Cmp::Ne);
    let ne = op == Cmp::Ne;
    let empty = from > to;
    let (from, to) = (from.min(i64::MAX as i128) as i64, to.max(NJ as i128) as i64);
    let ints = raw_ints(v);
    Some(
        ints.iter()
            .map(|&x| {
                let inside = !empty & (x >= from) & (x <= to);
                if x == NJ {
                    null_holds as u8
                } else {
                    (inside != ne) as u8
                }
            })
            .collect(),
    )
}

pub(crate) fn cmp_values(op: Cmp, x: Value, y: Value) -> QResult<Value> {
    atomic_dyad(x, y, &mut |a, b| compare_simple(op, &a, &b))
}

// ---------------------------------------------------------------------------
// Lesser, greater
// ---------------------------------------------------------------------------

#[inline]
pub(crate) fn pick<T: Copy>(
    a: &[T],
    aa: bool,
    b: &[T],
    ba: bool,
    first: impl Fn(T, T) -> bool,
) -> Vec<T> {
    let sel = |x: T, y: T| if first(x, y) { x } else { y };
    match (aa, ba) {
        (false, false) => a.iter().zip(b).map(|(&x, &y)| sel(x, y)).collect(),
        (false, true) => a.iter().map(|&x| sel(x, b[0])).collect(),
        (true, false) => b.iter().map(|&y| sel(a[0], y)).collect(),
        (true, true) => vec![sel(a[0], b[0])],
    }
}

/// The lesser (`max` false) or greater of two same-type vectors.
pub(crate) fn pick_data(a: &Vector, aa: bool, b: &Vector, ba: bool, max: bool) -> QResult<VecData> {
    macro_rules! go {
        ($p:expr, $q:expr, $lt:expr) => {{
            let lt = $lt;
            if max {
                pick(&$p[..], aa, &$q[..], ba, |x, y| lt(y, x))
            } else {
                pick(&$p[..], aa, &$q[..], ba, |x, y| !lt(y, x))
            }
        }};
    }
    Ok(match (a.data(), b.data()) {
        (VecData::U8(p), VecData::U8(q)) => VecData::U8(go!(p, q, |x: u8, y: u8| x < y).into()),
        (VecData::I16(p), VecData::I16(q)) => {
            VecData::I16(go!(p, q, |x: i16, y: i16| x < y).into())
        }
        (VecData::I32(p), VecData::I32(q)) => {
            VecData::I32(go!(p, q, |x: i32, y: i32| x < y).into())
        }
        (VecData::I64(p), VecData::I64(q)) => {
            VecData::I64(go!(p, q, |x: i64, y: i64| x < y).into())
        }
        (VecData::F32(p), VecData::F32(q)) => {
            VecData::F32(go!(p, q, |x: f32, y: f32| flt(x as f64, y as f64)).into())
        }
        (VecData::F64(p), VecData::F64(q)) => VecData::F64(go!(p, q, flt).into()),
        (VecData::Sym(p), VecData::Sym(q)) => {
            VecData::Sym(go!(p, q, |x: Sym, y: Sym| x.cmp_text(y) == Ordering::Less).into())
        }
        (VecData::Guid(p), VecData::Guid(q)) => {
            VecData::Guid(go!(p, q, |x: Guid, y: Guid| x < y).into())
        }
        _ => return Err(QError::type_()),
    })
}

pub(crate) fn minmax_simple(x: &Value, y: &Value, max: bool) -> QResult<Value> {
    let tx = match x {
        Value::Atom(a) => a.ty(),
        Value::Vector(v) => v.ty(),
        _ => return Err(QError::type_()),
    };
    let ty = match y {
        Value::Atom(a) => a.ty(),
        Value::Vector(v) => v.ty(),
        _ => return Err(QError::type_()),
    };
    let rt = lesser_type(tx, ty)?;
    let xc = if tx == rt {
        x.clone()
    } else {
        cast_simple(rt, x)?
    };
    let yc = if ty == rt {
        y.clone()
    } else {
        cast_simple(rt, y)?
    };
    let (xv, xa) = as_vector(&xc)?;
    let (yv, ya) = as_vector(&yc)?;
    if !xa && !ya && xv.len() != yv.len() {
        return Err(QError::length());
    }
    let data = pick_data(&xv, xa, &yv, ya, max)?;
    let v = Vector::new(rt, data).ok_or_else(QError::type_)?;
    Ok(if xa && ya {
        Value::Atom(v.get(0))
    } else {
        Value::Vector(v)
    })
}

/// Like [`atoms_match`] but floats match within comparison tolerance.
pub(crate) fn atoms_match_tol(a: &Atom, b: &Atom) -> bool {
    match (a, b) {
        (Atom::Real(x), Atom::Real(y)) => feq(*x as f64, *y as f64),
        (Atom::Float(x), Atom::Float(y)) | (Atom::Datetime(x), Atom::Datetime(y)) => feq(*x, *y),
        _ => a == b,
    }
}

/// `x~y` with comparison tolerance on floats.
pub fn values_match_tol(a: &Value, b: &Value) -> bool {
    match_by(a, b, true)
}

/// Exact identity of two atoms (same type; NaN matches NaN), as `~` and
/// key lookup need.
pub fn atoms_match(a: &qcore::Atom, b: &qcore::Atom) -> bool {
    use qcore::Atom::*;
    match (a, b) {
        (Real(x), Real(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Float(x), Float(y)) | (Datetime(x), Datetime(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

/// `x~y`: same shape, types and items, floats compared exactly (NaN
/// matches NaN) — what key lookup needs.
pub fn values_match(a: &Value, b: &Value) -> bool {
    match_by(a, b, false)
}

/// The one structural comparison behind [`values_match`] (exact) and
/// [`values_match_tol`] (floats within comparison tolerance, as `~` does).
pub(crate) fn match_by(a: &Value, b: &Value, tol: bool) -> bool {
    let atom_eq = |x: &qcore::Atom, y: &qcore::Atom| {
        if tol {
            atoms_match_tol(x, y)
        } else {
            atoms_match(x, y)
        }
    };
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Atom(x), Value::Atom(y)) => atom_eq(x, y),
        (Value::Vector(x), Value::Vector(y)) => {
            // enumerations of two domains, or an enumeration and its
            // symbols, do not match (ref/match)
            if x.ty() != y.ty() || x.len() != y.len() || x.domain() != y.domain() {
                return false;
            }
            match (x.data(), y.data()) {
                (VecData::I64(p), VecData::I64(q)) => p[..] == q[..],
                (VecData::F64(p), VecData::F64(q)) if tol => {
                    p.iter().zip(q.iter()).all(|(&a, &b)| feq(a, b))
                }
                _ => (0..x.len()).all(|i| atom_eq(&x.get(i), &y.get(i))),
            }
        }
        // a general list never matches a typed vector (types differ)
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| match_by(p, q, tol))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            match_by(&x.keys, &y.keys, tol) && match_by(&x.values, &y.values, tol)
        }
        (Value::Table(x), Value::Table(y)) => {
            x.names == y.names
                && x.columns.len() == y.columns.len()
                && x.columns
                    .iter()
                    .zip(&y.columns)
                    .all(|(p, q)| match_by(p, q, tol))
        }
        (Value::Func(f), Value::Func(g)) => match (f, g) {
            (qcore::Func::Builtin(i), qcore::Func::Builtin(j)) => i == j,
            (qcore::Func::Lambda(l), qcore::Func::Lambda(m)) => l.source == m.source,
            _ => false,
        },
        _ => false,
    }
}

/// Orders floats with NaN (null) first.
pub(crate) fn fcmp(a: &f64, b: &f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

#[cfg(test)]
mod bounds_tests {
    use super::*;

    /// The interval of [`float_bounds`] against the tolerant compares
    /// themselves, at and around each bound and on awkward items.
    #[test]
    fn ints_against_a_float_agree_with_the_tolerant_compare() {
        let xs: Vec<i64> = vec![
            NJ,
            NJ + 1,
            -(1 << 53) - 1,
            -(1 << 53),
            -3,
            -2,
            -1,
            0,
            1,
            2,
            3,
            99,
            100,
            101,
            (1 << 53) - 1,
            1 << 53,
            (1 << 53) + 1,
            i64::MAX - 1,
            i64::MAX,
        ];
        let v = Vector::from_i64(Ty::Long, xs.clone());
        let ys = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            100.0,
            100.0 * (1.0 + 1e-14),
            100.0 * (1.0 - 1e-14),
            2f64.powi(53),
            -(2f64.powi(53)),
            9.2e18,
            -9.2e18,
            1e300,
            -1e300,
            2.5,
            -2.5,
        ];
        for y in ys {
            let a = Vector::from_f64(Ty::Float, vec![y]);
            for op in [Cmp::Eq, Cmp::Ne, Cmp::Lt, Cmp::Gt, Cmp::Le, Cmp::Ge] {
                let fast = ints_against_float(op, &v, &a).expect("integral against finite");
                let slow: Vec<u8> = xs
                    .iter()
                    .map(|&x| {
                        let (x, y) = (i2f(x), y);
                        (match op {
                            Cmp::Eq => feq(x, y),
                            Cmp::Ne => !feq(x, y),
                            Cmp::Lt => flt(x, y),
                            Cmp::Gt => flt(y, x),
                            Cmp::Le => !flt(y, x),
                            Cmp::Ge => !flt(x, y),
                        }) as u8
                    })
                    .collect();
                assert_eq!(fast, slow, "{op:?} {y}");
            }
        }
    }

    #[test]
    fn float_bounds_agree_with_tolerant_compare() {
        let ys = [
            0.0, -0.0, 1.0, -1.0, 100.0, 1e-300, 5e-324, 1e300, -123.456, 0.1,
        ];
        for &y in &ys {
            for op in [Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge, Cmp::Eq, Cmp::Ne] {
                let (lo, hi) = float_bounds(op, y).unwrap();
                let mut xs = vec![
                    f64::NEG_INFINITY,
                    f64::INFINITY,
                    f64::NAN,
                    0.0,
                    -0.0,
                    y,
                    lo,
                    hi,
                    y * (1.0 + 1e-13),
                    y * (1.0 - 1e-13),
                    y * (1.0 + 1e-12),
                    y * (1.0 - 1e-12),
                ];
                for b in [lo, hi] {
                    if b.is_finite() {
                        xs.push(f64::from_bits(b.to_bits() + 1));
                        xs.push(f64::from_bits(b.to_bits().wrapping_sub(1)));
                    }
                }
                for &x in &xs {
                    let want = match op {
                        Cmp::Lt => flt(x, y),
                        Cmp::Le => !flt(y, x),
                        Cmp::Gt => flt(y, x),
                        Cmp::Ge => !flt(x, y),
                        Cmp::Eq => feq(x, y),
                        Cmp::Ne => !feq(x, y),
                    };
                    let inside = x >= lo && x <= hi;
                    let got = match op {
                        Cmp::Lt | Cmp::Le => x.is_nan() || x <= hi,
                        Cmp::Gt | Cmp::Ge => x >= lo,
                        Cmp::Eq => inside,
                        Cmp::Ne => !inside,
                    };
                    assert_eq!(got, want, "{x:e} {op:?} {y:e} (bounds {lo:e} {hi:e})");
                }
            }
        }
        assert!(float_bounds(Cmp::Lt, f64::NAN).is_none());
        assert!(float_bounds(Cmp::Lt, f64::INFINITY).is_none());
    }
}
