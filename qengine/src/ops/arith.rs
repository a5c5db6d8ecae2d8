//! Arithmetic kernels: `+ - * %` ([`arith2`] with an [`Op`]), the monadic
//! numeric functions behind `neg abs signum reciprocal floor ceiling sqrt
//! exp log` ([`map_num`], [`float_fn`], `round_fn`), and the result-type
//! tables
//! (`ADD SUB MUL LESSER`, from the q reference's "Range and domains"),
//! which `&`, `|` and `^` also use.
//!
//! Temporal arithmetic is integer arithmetic in a common unit: each side is
//! rescaled to the result type's unit (`date+timespan` is a timestamp in
//! nanoseconds). Nulls propagate and integer arithmetic wraps, as in q.
//! [`general`] is the reference path (convert both sides, combine,
//! convert back); the same-width fast paths and the chunked mixed-width
//! kernels must be bit-identical to it, which the tests at the end check
//! for every pair of types. The compiled core calls these kernels too.

use crate::ops::cast::atom_of_f64;
use crate::ops::cast::atom_of_i64;
use crate::ops::conform::atomic_monad;
use qcore::ALL_TYPES;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Repr;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use qcore::calendar::NS_PER_DAY;
use qcore::calendar::days_from_civil;
use qcore::f64_to_i64;
use qcore::sentinel::NI;
use qcore::sentinel::NJ;

/// The four elementary binary operations sharing one dispatcher.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

// Result-type tables from the q reference ("Range and domains" of Add,
// Subtract, Multiply, Lesser). Rows are x, columns y, both in type-number
// order `b g x h i j e f c s p m d z n u v t`; `.` is a type error.
pub(crate) const ADD: [&[u8; 18]; 18] = [
    b"i.iiijef..pmdznuvt",
    b"..................",
    b"i.iiijef..pmdznuvt",
    b"i.iiijef..pmdznuvt",
    b"i.iiijef..pmdznuvt",
    b"j.jjjjef..pmdznuvt",
    b"e.eeeeef..pmdznuvt",
    b"f.fffffff.ffzzffff",
    b".......f..pmdznuvt",
    b"..................",
    b"p.pppppfp.n...pppp",
    b"m.mmmmmfm..i..pppp",
    b"d.dddddzd...i.pppp",
    b"z.zzzzzzz....fpzzz",
    b"n.nnnnnfn.ppppnnnn",
    b"u.uuuuufu.pppznuvt",
    b"v.vvvvvfv.pppznvvt",
    b"t.tttttft.pppznttt",
];

pub(crate) const SUB: [&[u8; 18]; 18] = [
    b"i.iiijefi.pmdznuvt",
    b"..................",
    b"i.iiijefi.pmdznuvt",
    b"i.iiijefi.pmdznuvt",
    b"i.iiijefi.pmdznuvt",
    b"j.jjjjefj.pmdznuvt",
    b"e.eeeeefe.pmdznuvt",
    b"f.fffffff.ffzzffff",
    b".......f..pmdznuvt",
    b"..................",
    b"p.pppppfp.n...pppp",
    b"m.mmmmmfm..i..pppp",
    b"d.dddddzd...i.pppp",
    b"z.zzzzzzz....fpzzz",
    b"n.nnnnnfn.ppppnnnn",
    b"u.uuuuufu.pppznuvt",
    b"v.vvvvvfv.pppznvvt",
    b"t.tttttft.pppznttt",
];

pub(crate) const MUL: [&[u8; 18]; 18] = [
    b"i.iiijef..pmdznuvt",
    b"..................",
    b"i.iiijef..pmdznuvt",
    b"i.iiijef..pmdznuvt",
    b"i.iiijef..pmdznuvt",
    b"j.jjjjef..pmdznuvt",
    b"e.eeeeef..pmdznuvt",
    b"f.fffffff.ffzzffff",
    b".......f..pmdznuvt",
    b"..................",
    b"p.pppppfp.........",
    b"m.mmmmmfm.........",
    b"d.dddddzd.........",
    b"z.zzzzzzz.........",
    b"n.nnnnnfn.........",
    b"u.uuuuufu.........",
    b"v.vvvvvfv.........",
    b"t.tttttft.........",
];

/// Lesser `&`, Greater `|` and Fill `^` share this table.
pub(crate) const LESSER: [&[u8; 18]; 18] = [
    b"b.xhijefc.pmdznuvt",
    b"..................",
    b"x.xhijefc.pmdznuvt",
    b"h.hhijefc.pmdznuvt",
    b"i.iiijefc.pmdznuvt",
    b"j.jjjjefc.pmdznuvt",
    b"e.eeeeefc.pmdznuvt",
    b"f.ffffffc.pmdznuvt",
    b"c.ccccccc.pmdznuvt",
    b".........s........",
    b"p.ppppppp.ppppnuvt",
    b"m.mmmmmmm.pmd.....",
    b"d.ddddddd.pddz....",
    b"z.zzzzzzz.p.zznuvt",
    b"n.nnnnnnn.n..nnnnn",
    b"u.uuuuuuu.u..unuvt",
    b"v.vvvvvvv.v..vnvvt",
    b"t.ttttttt.t..tnttt",
];

/// Index of a type in `ALL_TYPES` (type-number order).
pub fn tidx(t: Ty) -> usize {
    ALL_TYPES.iter().position(|&u| u == t).unwrap_or(0)
}

pub(crate) fn lookup(table: &[&[u8; 18]; 18], x: Ty, y: Ty) -> QResult<Ty> {
    let c = table[tidx(x)][tidx(y)];
    if c == b'.' {
        Err(QError::type_())
    } else {
        Ty::from_letter(c as char).ok_or_else(QError::type_)
    }
}

/// Result type of `x&y`, `x|y` and `x^y`.
pub fn lesser_type(x: Ty, y: Ty) -> QResult<Ty> {
    if x == Ty::Guid && y == Ty::Guid {
        return Ok(Ty::Guid);
    }
    lookup(&LESSER, x, y)
}

/// Result type of `x op y` for two simple types, or `'type`.
pub fn result_type(op: Op, x: Ty, y: Ty) -> QResult<Ty> {
    match op {
        Op::Add => lookup(&ADD, x, y),
        Op::Sub => lookup(&SUB, x, y),
        Op::Mul => lookup(&MUL, x, y),
        Op::Div => {
            if matches!(x, Ty::Guid | Ty::Symbol) || matches!(y, Ty::Guid | Ty::Symbol) {
                Err(QError::type_())
            } else {
                Ok(Ty::Float)
            }
        }
    }
}

pub(crate) fn is_float(t: Ty) -> bool {
    matches!(t.repr(), Repr::F32 | Repr::F64)
}

pub(crate) fn month_ns(m: i64) -> i64 {
    let d = days_from_civil(2000 + m.div_euclid(12), (m.rem_euclid(12) + 1) as u32, 1);
    d.wrapping_mul(NS_PER_DAY)
}

/// True when values of `src` must be rescaled to the units of `rt`.
pub(crate) fn needs_scale(rt: Ty, src: Ty) -> bool {
    use Ty::*;
    matches!(
        (rt, src),
        (
            Timestamp | Timespan,
            Date | Month | Minute | Second | Time | Datetime
        ) | (Second | Time, Minute)
            | (Time, Second)
            | (Datetime, Minute | Second | Time)
    )
}

/// An integral value of type `src` in the units of `rt` (null kept).
#[inline]
pub(crate) fn scale_i(rt: Ty, src: Ty, v: i64) -> i64 {
    use Ty::*;
    if v == NJ {
        return NJ;
    }
    match (rt, src) {
        (Timestamp | Timespan, Date) => v.wrapping_mul(NS_PER_DAY),
        (Timestamp | Timespan, Month) => month_ns(v),
        (Timestamp | Timespan, Minute) => v.wrapping_mul(60_000_000_000),
        (Timestamp | Timespan, Second) => v.wrapping_mul(1_000_000_000),
        (Timestamp | Timespan, Time) => v.wrapping_mul(1_000_000),
        (Second, Minute) => v.wrapping_mul(60),
        (Time, Minute) => v.wrapping_mul(60_000),
        (Time, Second) => v.wrapping_mul(1000),
        _ => v,
    }
}

/// A float value of type `src` in the units of `rt`.
#[inline]
pub(crate) fn scale_f(rt: Ty, src: Ty, v: f64) -> f64 {
    use Ty::*;
    match (rt, src) {
        (Datetime, Time) => v / 86_400_000.0,
        (Datetime, Second) => v / 86_400.0,
        (Datetime, Minute) => v / 1440.0,
        (Timestamp | Timespan, Datetime) => v * NS_PER_DAY as f64,
        (Timestamp | Timespan, Month) if !v.is_nan() => month_ns(v as i64) as f64,
        (Timestamp | Timespan | Second | Time, _) => scale_i(rt, src, v as i64) as f64,
        _ => v,
    }
}

pub(crate) enum Num {
    I(Vec<i64>),
    F(Vec<f64>),
    IA(i64),
    FA(f64),
}

/// The raw integral value of an atom: nulls `i64::MIN`, infinities plain.
#[inline]
pub(crate) fn raw_i(a: &Atom) -> Option<i64> {
    Some(match *a {
        Atom::Bool(b) => b as i64,
        Atom::Byte(b) | Atom::Char(b) => b as i64,
        Atom::Short(v) => wi16(v),
        Atom::Int(v)
        | Atom::Month(v)
        | Atom::Date(v)
        | Atom::Minute(v)
        | Atom::Second(v)
        | Atom::Time(v) => wi32(v),
        Atom::Long(v) | Atom::Timestamp(v) | Atom::Timespan(v) => v,
        Atom::Real(v) => f64_to_i64(v as f64),
        Atom::Float(v) | Atom::Datetime(v) => f64_to_i64(v),
        Atom::Guid(_) | Atom::Symbol(_) | Atom::Enum(_) => return None,
    })
}

#[inline(always)]
pub(crate) fn wi16(v: i16) -> i64 {
    if v == i16::MIN { NJ } else { v as i64 }
}

#[inline(always)]
pub(crate) fn wi32(v: i32) -> i64 {
    if v == NI { NJ } else { v as i64 }
}

#[inline(always)]
pub(crate) fn i2f(v: i64) -> f64 {
    if v == NJ { f64::NAN } else { v as f64 }
}

#[inline]
pub(crate) fn raw_f(a: &Atom) -> Option<f64> {
    Some(match *a {
        Atom::Real(v) => v as f64,
        Atom::Float(v) | Atom::Datetime(v) => v,
        _ => i2f(raw_i(a)?),
    })
}

/// Raw integral items of a vector (nulls `i64::MIN`, infinities plain).
pub(crate) fn raw_i_vec(v: &Vector) -> Option<Vec<i64>> {
    Some(match v.data() {
        VecData::U8(b) => b.iter().map(|&x| x as i64).collect(),
        VecData::I16(b) => b.iter().map(|&x| wi16(x)).collect(),
        VecData::I32(b) => b.iter().map(|&x| wi32(x)).collect(),
        VecData::I64(b) => b.to_vec(),
        VecData::F32(b) => b.iter().map(|&x| f64_to_i64(x as f64)).collect(),
        VecData::F64(b) => b.iter().map(|&x| f64_to_i64(x)).collect(),
        VecData::Guid(_) | VecData::Sym(_) => return None,
    })
}

/// Raw float items of a vector (nulls NaN, integer infinities plain).
pub(crate) fn raw_f_vec(v: &Vector) -> Option<Vec<f64>> {
    Some(match v.data() {
        VecData::U8(b) => b.iter().map(|&x| x as f64).collect(),
        VecData::I16(b) => b.iter().map(|&x| i2f(wi16(x))).collect(),
        VecData::I32(b) => b.iter().map(|&x| i2f(wi32(x))).collect(),
        VecData::I64(b) => b.iter().map(|&x| i2f(x)).collect(),
        VecData::F32(b) => b.iter().map(|&x| x as f64).collect(),
        VecData::F64(b) => b.to_vec(),
        VecData::Guid(_) | VecData::Sym(_) => return None,
    })
}

/// One side as numbers in the units of `rt`.
pub(crate) fn to_num(v: &Value, src: Ty, rt: Ty, float: bool) -> QResult<Num> {
    let sc = needs_scale(rt, src);
    match v {
        Value::Atom(a) => {
            if float {
                let f = raw_f(a).ok_or_else(QError::type_)?;
                Ok(Num::FA(if sc { scale_f(rt, src, f) } else { f }))
            } else {
                let i = raw_i(a).ok_or_else(QError::type_)?;
                Ok(Num::IA(if sc { scale_i(rt, src, i) } else { i }))
            }
        }
        Value::Vector(vec) => {
            if float {
                let mut f = raw_f_vec(vec).ok_or_else(QError::type_)?;
                if sc {
                    f.iter_mut().for_each(|x| *x = scale_f(rt, src, *x));
                }
                Ok(Num::F(f))
            } else {
                let mut i = raw_i_vec(vec).ok_or_else(QError::type_)?;
                if sc {
                    i.iter_mut().for_each(|x| *x = scale_i(rt, src, *x));
                }
                Ok(Num::I(i))
            }
        }
        _ => Err(QError::type_()),
    }
}

pub(crate) fn simple_ty(v: &Value) -> QResult<Ty> {
    match v {
        Value::Atom(a) => Ok(a.ty()),
        Value::Vector(v) => Ok(v.ty()),
        _ => Err(QError::type_()),
    }
}

#[inline(always)]
pub(crate) fn ij(op: Op, a: i64, b: i64) -> i64 {
    if a == NJ || b == NJ {
        return NJ;
    }
    match op {
        Op::Add => a.wrapping_add(b),
        Op::Sub => a.wrapping_sub(b),
        Op::Mul => a.wrapping_mul(b),
        Op::Div => NJ,
    }
}

#[inline(always)]
pub(crate) fn ff(op: Op, a: f64, b: f64) -> f64 {
    match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div => a / b,
    }
}

/// `x op y` on two simple values (atoms or typed vectors).
pub fn arith2(op: Op, x: Value, y: Value) -> QResult<Value> {
    let (x, y) = match scalar2(op, x, y) {
        Ok(v) => return Ok(v),
        Err(xy) => xy,
    };
    let tx = simple_ty(&x)?;
    let ty = simple_ty(&y)?;
    if let (Value::Vector(a), Value::Vector(b)) = (&x, &y)
        && a.len() != b.len()
    {
        return Err(QError::length());
    }
    let rt = result_type(op, tx, ty)?;
    if let Some(v) = fast_path(op, &x, &y, tx, ty, rt) {
        return Ok(v);
    }
    let float = op == Op::Div || is_float(rt) || is_float(tx) || is_float(ty);
    if let Some(v) = mixed(op, &x, &y, tx, ty, rt, float) {
        return Ok(v);
    }
    general(op, &x, &y, tx, ty, rt, float)
}

/// Two long or two float atoms, the values the interpreter's loops live
/// on: computed at once, before any dispatch on shapes and types.
#[inline]
pub fn scalar2(op: Op, x: Value, y: Value) -> Result<Value, (Value, Value)> {
    let r = match (&x, &y) {
        (Value::Atom(Atom::Long(a)), Value::Atom(Atom::Long(b))) if op != Op::Div => {
            Value::Atom(Atom::Long(ij(op, *a, *b)))
        }
        (Value::Atom(Atom::Float(a)), Value::Atom(Atom::Float(b))) => {
            Value::Atom(Atom::Float(ff(op, *a, *b)))
        }
        _ => return Err((x, y)),
    };
    x.discard();
    y.discard();
    Ok(r)
}

/// The general path: both sides converted to `i64` (or `f64`) in the units
/// of `rt`, combined, and converted to `rt`. Atoms with atoms, and the
/// result types the vector kernels do not write, come here; it is also the
/// reference the kernels are tested against.
pub(crate) fn general(
    op: Op,
    x: &Value,
    y: &Value,
    tx: Ty,
    ty: Ty,
    rt: Ty,
    float: bool,
) -> QResult<Value> {
    let nx = to_num(x, tx, rt, float)?;
    let ny = to_num(y, ty, rt, float)?;
    let out = match (nx, ny) {
        (Num::IA(a), Num::IA(b)) => Num::IA(ij(op, a, b)),
        (Num::FA(a), Num::FA(b)) => Num::FA(ff(op, a, b)),
        (Num::I(a), Num::IA(b)) => Num::I(a.into_iter().map(|a| ij(op, a, b)).collect()),
        (Num::IA(a), Num::I(b)) => Num::I(b.into_iter().map(|b| ij(op, a, b)).collect()),
        (Num::I(a), Num::I(b)) => Num::I(a.iter().zip(&b).map(|(&a, &b)| ij(op, a, b)).collect()),
        (Num::F(a), Num::FA(b)) => Num::F(a.into_iter().map(|a| ff(op, a, b)).collect()),
        (Num::FA(a), Num::F(b)) => Num::F(b.into_iter().map(|b| ff(op, a, b)).collect()),
        (Num::F(a), Num::F(b)) => Num::F(a.iter().zip(&b).map(|(&a, &b)| ff(op, a, b)).collect()),
        _ => return Err(QError::type_()),
    };
    Ok(from_num(out, rt))
}

/// Converts computed i64/f64 results to type `rt`.
pub(crate) fn from_num(n: Num, rt: Ty) -> Value {
    match n {
        Num::IA(v) => Value::Atom(atom_of_i64(rt, v)),
        Num::FA(v) => Value::Atom(atom_of_f64(rt, v)),
        Num::I(v) => Value::Vector(vector_from_i64(rt, v)),
        Num::F(v) => Value::Vector(vector_from_f64(rt, v)),
    }
}

#[inline(always)]
pub(crate) fn n32(v: i64) -> i32 {
    if v == NJ { NI } else { v as i32 }
}

/// A vector of type `rt` from i64 results (null `i64::MIN`; narrower types
/// wrap, as q's fixed-width arithmetic does).
pub fn vector_from_i64(rt: Ty, v: Vec<i64>) -> Vector {
    match rt.repr() {
        Repr::I64 => Vector::from_i64(rt, v),
        Repr::I32 => Vector::from_i32(rt, v.into_iter().map(n32).collect()),
        Repr::I16 => Vector::from_i16(
            v.into_iter()
                .map(|x| if x == NJ { i16::MIN } else { x as i16 })
                .collect(),
        ),
        Repr::F64 => Vector::from_f64(rt, v.into_iter().map(i2f).collect()),
        Repr::F32 => Vector::from_f32(v.into_iter().map(|x| i2f(x) as f32).collect()),
        Repr::U8 if rt == Ty::Bool => {
            Vector::from_u8(rt, v.into_iter().map(|x| (x != 0) as u8).collect())
        }
        Repr::U8 => Vector::from_u8(rt, v.into_iter().map(|x| x as u8).collect()),
        _ => Vector::longs(v),
    }
}

/// A vector of type `rt` from f64 results.
pub fn vector_from_f64(rt: Ty, v: Vec<f64>) -> Vector {
    match rt.repr() {
        Repr::F64 => Vector::from_f64(rt, v),
        Repr::F32 => Vector::from_f32(v.into_iter().map(|x| x as f32).collect()),
        _ => vector_from_i64(rt, v.into_iter().map(f64_to_i64).collect()),
    }
}

/// Kernels over slices without conversion: long/long (and timestamp,
/// timespan), int/int (and the int-based temporals) and float/float.
pub(crate) fn fast_path(op: Op, x: &Value, y: &Value, tx: Ty, ty: Ty, rt: Ty) -> Option<Value> {
    if op == Op::Div || needs_scale(rt, tx) || needs_scale(rt, ty) {
        return fast_div(op, x, y, rt);
    }
    match (x, y) {
        (Value::Vector(a), Value::Vector(b)) => match (a.data(), b.data()) {
            (VecData::I64(p), VecData::I64(q)) if rt.repr() == Repr::I64 => {
                Some(Value::Vector(Vector::from_i64(rt, zip_int(op, p, q))))
            }
            (VecData::I32(p), VecData::I32(q)) if rt.repr() == Repr::I32 => {
                Some(Value::Vector(Vector::from_i32(rt, zip_int(op, p, q))))
            }
            (VecData::F64(p), VecData::F64(q)) if rt.repr() == Repr::F64 => {
                Some(Value::Vector(Vector::from_f64(rt, zip_f64(op, p, q))))
            }
            _ => None,
        },
        (Value::Vector(a), Value::Atom(b)) | (Value::Atom(b), Value::Vector(a)) => {
            let flipped = matches!(x, Value::Atom(_));
            match (a.data(), b) {
                (VecData::I64(p), Atom::Long(s) | Atom::Timespan(s) | Atom::Timestamp(s))
                    if rt.repr() == Repr::I64 =>
                {
                    Some(Value::Vector(Vector::from_i64(
                        rt,
                        scalar_i64(op, p, *s, flipped),
                    )))
                }
                (VecData::F64(p), Atom::Float(s) | Atom::Datetime(s)) if rt.repr() == Repr::F64 => {
                    Some(Value::Vector(Vector::from_f64(
                        rt,
                        scalar_f64(op, p, *s, flipped),
                    )))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `%` on long or float vectors without an intermediate copy.
pub(crate) fn fast_div(op: Op, x: &Value, y: &Value, rt: Ty) -> Option<Value> {
    if op != Op::Div || rt != Ty::Float {
        return None;
    }
    match (x, y) {
        (Value::Vector(a), Value::Vector(b)) => match (a.data(), b.data()) {
            (VecData::I64(p), VecData::I64(q)) => Some(Value::Vector(Vector::floats(
                p.iter()
                    .zip(q.iter())
                    .map(|(&a, &b)| i2f(a) / i2f(b))
                    .collect(),
            ))),
            (VecData::F64(p), VecData::F64(q)) => {
                Some(Value::Vector(Vector::floats(zip_f64(op, p, q))))
            }
            _ => None,
        },
        (Value::Vector(a), Value::Atom(b)) | (Value::Atom(b), Value::Vector(a)) => {
            let flipped = matches!(x, Value::Atom(_));
            let s = raw_f(b)?;
            match a.data() {
                VecData::I64(p) => Some(Value::Vector(Vector::floats(
                    p.iter()
                        .map(|&v| if flipped { s / i2f(v) } else { i2f(v) / s })
                        .collect(),
                ))),
                VecData::F64(p) => {
                    Some(Value::Vector(Vector::floats(scalar_f64(op, p, s, flipped))))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Mixed-width kernels
//
// `float*long`, `int+long`, `long%int`, `date+timespan`, ...: the two sides
// have different storage widths (or need rescaling), so one of them must be
// converted. The general path converts each side into a fresh whole-length
// `Vec` first (two extra passes over memory and two extra 8-byte-per-item
// allocations, whose page faults dominate). Here the sides are converted a
// chunk at a time into small stack buffers that stay in L1, and the result
// is written once, at its final size. Conversions and operations are the
// general path's own functions (`i2f`, `wi32`, `scale_f`, `ff`, `ij`, ...)
// applied in the same order, so results are bit-identical.

/// Items per chunk: the two operand buffers (2 KiB) stay in L1 (measured:
/// 128 beats 512, and 2048 is a third slower).
pub(crate) const CHUNK: usize = 128;

/// One operand of a mixed-width kernel: a vector's items (converted to the
/// kernel's domain chunk by chunk, rescaled when `scale`) or an atom already
/// converted (as the general path does, by `to_num`).
pub(crate) enum Side<'a, T> {
    Items {
        d: &'a VecData,
        src: Ty,
        scale: bool,
    },
    Atom(T),
}

impl<'a> Side<'a, f64> {
    pub(crate) fn float(v: &'a Value, src: Ty, rt: Ty) -> Option<Self> {
        match v {
            Value::Vector(vec) if !matches!(vec.data(), VecData::Guid(_) | VecData::Sym(_)) => {
                Some(Side::Items {
                    d: vec.data(),
                    src,
                    scale: needs_scale(rt, src),
                })
            }
            Value::Atom(_) => match to_num(v, src, rt, true).ok()? {
                Num::FA(f) => Some(Side::Atom(f)),
                _ => None,
            },
            _ => None,
        }
    }

    /// Items `lo..lo + buf.len()` as floats (nulls NaN, integer infinities
    /// plain, as `raw_f_vec`), rescaled to `rt` when needed. A float vector
    /// that needs no rescaling is read in place.
    #[inline]
    pub(crate) fn chunk<'b>(&'b self, lo: usize, buf: &'b mut [f64], rt: Ty) -> &'b [f64] {
        let n = buf.len();
        let Side::Items { d, src, scale } = self else {
            return buf; // filled with the atom once, up front
        };
        match d {
            VecData::F64(b) if !scale => return &b[lo..lo + n],
            VecData::F64(b) => buf.copy_from_slice(&b[lo..lo + n]),
            VecData::U8(b) => conv(buf, &b[lo..lo + n], |x| x as f64),
            VecData::I16(b) => conv(buf, &b[lo..lo + n], |x| i2f(wi16(x))),
            VecData::I32(b) => conv(buf, &b[lo..lo + n], |x| i2f(wi32(x))),
            VecData::I64(b) => conv(buf, &b[lo..lo + n], i2f),
            VecData::F32(b) => conv(buf, &b[lo..lo + n], |x| x as f64),
            VecData::Guid(_) | VecData::Sym(_) => {}
        }
        if *scale {
            buf.iter_mut().for_each(|x| *x = scale_f(rt, *src, *x));
        }
        buf
    }
}

impl<'a> Side<'a, i64> {
    pub(crate) fn int(v: &'a Value, src: Ty, rt: Ty) -> Option<Self> {
        match v {
            Value::Vector(vec) => match vec.data() {
                VecData::U8(_) | VecData::I16(_) | VecData::I32(_) | VecData::I64(_) => {
                    Some(Side::Items {
                        d: vec.data(),
                        src,
                        scale: needs_scale(rt, src),
                    })
                }
                _ => None,
            },
            Value::Atom(_) => match to_num(v, src, rt, false).ok()? {
                Num::IA(i) => Some(Side::Atom(i)),
                _ => None,
            },
            _ => None,
        }
    }

    /// Items `lo..lo + buf.len()` as longs (nulls `0N`, as `raw_i_vec`),
    /// rescaled to `rt` when needed. A long vector that needs no rescaling
    /// is read in place.
    #[inline]
    pub(crate) fn chunk<'b>(&'b self, lo: usize, buf: &'b mut [i64], rt: Ty) -> &'b [i64] {
        let n = buf.len();
        let Side::Items { d, src, scale } = self else {
            return buf;
        };
        match d {
            VecData::I64(b) if !scale => return &b[lo..lo + n],
            VecData::I64(b) => buf.copy_from_slice(&b[lo..lo + n]),
            VecData::U8(b) => conv(buf, &b[lo..lo + n], |x| x as i64),
            VecData::I16(b) => conv(buf, &b[lo..lo + n], wi16),
            VecData::I32(b) => conv(buf, &b[lo..lo + n], wi32),
            _ => {}
        }
        if *scale {
            buf.iter_mut().for_each(|x| *x = scale_i(rt, *src, *x));
        }
        buf
    }
}

#[inline(always)]
pub(crate) fn conv<S: Copy, T>(out: &mut [T], src: &[S], f: impl Fn(S) -> T) {
    for (o, &s) in out.iter_mut().zip(src) {
        *o = f(s);
    }
}

/// `x op y` for a vector and a vector or atom whose widths differ (or that
/// need rescaling), computed chunk by chunk into the result; `None` when
/// the combination is not one it writes (the general path then runs).
pub(crate) fn mixed(
    op: Op,
    x: &Value,
    y: &Value,
    tx: Ty,
    ty: Ty,
    rt: Ty,
    float: bool,
) -> Option<Value> {
    let n = match (x, y) {
        (Value::Vector(a), _) => a.len(),
        (_, Value::Vector(b)) => b.len(),
        _ => return None,
    };
    if float {
        if rt.repr() != Repr::F64 {
            return None;
        }
        let sx = Side::float(x, tx, rt)?;
        let sy = Side::float(y, ty, rt)?;
        Some(Value::Vector(Vector::from_f64(
            rt,
            mixed_f(op, &sx, &sy, rt, n),
        )))
    } else {
        let sx = Side::int(x, tx, rt)?;
        let sy = Side::int(y, ty, rt)?;
        Some(Value::Vector(match rt.repr() {
            Repr::I64 => Vector::from_i64(rt, mixed_i(op, &sx, &sy, rt, n, |v| v)),
            Repr::I32 => Vector::from_i32(rt, mixed_i(op, &sx, &sy, rt, n, n32)),
            _ => return None,
        }))
    }
}

/// A buffer for one side: an atom's value repeated (filled once), else
/// scratch for the conversion.
pub(crate) fn side_buf<T: Copy + Default>(s: &Side<'_, T>) -> [T; CHUNK] {
    match s {
        Side::Atom(v) => [*v; CHUNK],
        Side::Items { .. } => [T::default(); CHUNK],
    }
}

// The kernels below build their results by `extend`/`collect` into
// memory that is not zeroed first: a zeroed block the allocator recycles
// goes back to the kernel and is faulted in again page by page (see
// `crate::ops::par::write_pieces`).

pub(crate) fn mixed_f(op: Op, x: &Side<'_, f64>, y: &Side<'_, f64>, rt: Ty, n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n);
    let (mut bx, mut by) = (side_buf(x), side_buf(y));
    for lo in (0..n).step_by(CHUNK) {
        let m = CHUNK.min(n - lo);
        let a = x.chunk(lo, &mut bx[..m], rt);
        let b = y.chunk(lo, &mut by[..m], rt);
        extend_ff(op, a, b, &mut out);
    }
    out
}

/// `a op b` item by item onto `o`; one branch-free loop per op.
#[inline]
pub(crate) fn extend_ff(op: Op, a: &[f64], b: &[f64], o: &mut Vec<f64>) {
    macro_rules! lane {
        ($f:expr) => {
            o.extend(a.iter().zip(b).map(|(&p, &q)| $f(p, q)))
        };
    }
    match op {
        Op::Add => lane!(|p: f64, q: f64| p + q),
        Op::Sub => lane!(|p: f64, q: f64| p - q),
        Op::Mul => lane!(|p: f64, q: f64| p * q),
        Op::Div => lane!(|p: f64, q: f64| p / q),
    }
}

pub(crate) fn mixed_i<O: Copy + Default>(
    op: Op,
    x: &Side<'_, i64>,
    y: &Side<'_, i64>,
    rt: Ty,
    n: usize,
    out_of: impl Fn(i64) -> O + Copy,
) -> Vec<O> {
    let mut out = Vec::with_capacity(n);
    let (mut bx, mut by) = (side_buf(x), side_buf(y));
    for lo in (0..n).step_by(CHUNK) {
        let m = CHUNK.min(n - lo);
        let a = x.chunk(lo, &mut bx[..m], rt);
        let b = y.chunk(lo, &mut by[..m], rt);
        macro_rules! lane {
            ($f:expr) => {
                out.extend(a.iter().zip(b).map(|(&p, &q)| {
                    let r = $f(p, q);
                    out_of(if p == NJ || q == NJ { NJ } else { r })
                }))
            };
        }
        match op {
            Op::Add => lane!(|p: i64, q: i64| p.wrapping_add(q)),
            Op::Sub => lane!(|p: i64, q: i64| p.wrapping_sub(q)),
            Op::Mul => lane!(|p: i64, q: i64| p.wrapping_mul(q)),
            Op::Div => lane!(|_: i64, _: i64| NJ),
        }
    }
    out
}

/// Integer widths whose arithmetic wraps and whose minimum is q's null.
pub(crate) trait WrapInt: Copy + Eq + Default {
    const NULL: Self;
    fn wadd(self, o: Self) -> Self;
    fn wsub(self, o: Self) -> Self;
    fn wmul(self, o: Self) -> Self;
}

macro_rules! wrap_int {
    ($t:ty) => {
        impl WrapInt for $t {
            const NULL: Self = <$t>::MIN;
            #[inline(always)]
            fn wadd(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            #[inline(always)]
            fn wsub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            #[inline(always)]
            fn wmul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
        }
    };
}

wrap_int!(i32);

wrap_int!(i64);

/// `a op b` item by item for one integer width, nulls propagating. The
/// loop body is branch-free per op so it vectorises.
pub(crate) fn zip_int<T: WrapInt>(op: Op, a: &[T], b: &[T]) -> Vec<T> {
    macro_rules! lane {
        ($f:expr) => {
            a.iter()
                .zip(b)
                .map(|(&x, &y)| {
                    let r = $f(x, y);
                    if x == T::NULL || y == T::NULL {
                        T::NULL
                    } else {
                        r
                    }
                })
                .collect()
        };
    }
    match op {
        Op::Add => lane!(|x: T, y: T| x.wadd(y)),
        Op::Sub => lane!(|x: T, y: T| x.wsub(y)),
        Op::Mul => lane!(|x: T, y: T| x.wmul(y)),
        Op::Div => vec![T::default(); a.len().min(b.len())],
    }
}

pub(crate) fn scalar_i64(op: Op, a: &[i64], s: i64, flipped: bool) -> Vec<i64> {
    macro_rules! lane {
        ($f:expr) => {
            if s == NJ {
                vec![NJ; a.len()]
            } else {
                a.iter()
                    .map(|&x| {
                        let r = $f(x);
                        if x == NJ { NJ } else { r }
                    })
                    .collect()
            }
        };
    }
    match (op, flipped) {
        (Op::Add, _) => lane!(|x: i64| x.wrapping_add(s)),
        (Op::Sub, false) => lane!(|x: i64| x.wrapping_sub(s)),
        (Op::Sub, true) => lane!(|x: i64| s.wrapping_sub(x)),
        (Op::Mul, _) => lane!(|x: i64| x.wrapping_mul(s)),
        (Op::Div, _) => vec![0; a.len()],
    }
}

pub(crate) fn zip_f64(op: Op, a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(&x, &y)| ff(op, x, y)).collect()
}

pub(crate) fn scalar_f64(op: Op, a: &[f64], s: f64, flipped: bool) -> Vec<f64> {
    if flipped {
        a.iter().map(|&x| ff(op, s, x)).collect()
    } else {
        a.iter().map(|&x| ff(op, x, s)).collect()
    }
}

// ---------------------------------------------------------------------------
// Monadic
// ---------------------------------------------------------------------------

/// Applies `fi` to integral and `ffl` to float items, giving type `rt(t)`.
pub(crate) fn map_num(
    x: Value,
    rt: &dyn Fn(Ty) -> QResult<Ty>,
    fi: &dyn Fn(i64) -> i64,
    ffl: &dyn Fn(f64) -> f64,
) -> QResult<Value> {
    atomic_monad(x, &mut |v| {
        let t = simple_ty(&v)?;
        let out = rt(t)?;
        let float = is_float(t);
        let n = to_num(&v, t, t, float)?;
        Ok(from_num(
            match n {
                Num::IA(a) => Num::IA(if a == NJ { NJ } else { fi(a) }),
                Num::I(a) => Num::I(
                    a.into_iter()
                        .map(|a| if a == NJ { NJ } else { fi(a) })
                        .collect(),
                ),
                Num::FA(a) => Num::FA(ffl(a)),
                Num::F(a) => Num::F(a.into_iter().map(ffl).collect()),
            },
            out,
        ))
    })
}

/// Range of `neg` and `abs`: boolean, byte and char give int.
pub(crate) fn neg_type(t: Ty) -> QResult<Ty> {
    match t {
        Ty::Symbol | Ty::Guid => Err(QError::type_()),
        Ty::Bool | Ty::Byte | Ty::Char => Ok(Ty::Int),
        t => Ok(t),
    }
}

/// Applies a float function: float result (datetime stays datetime; `keep_p`
/// keeps timestamps, as `reciprocal` does).
pub(crate) fn float_fn(x: Value, keep_p: bool, f: &dyn Fn(f64) -> f64) -> QResult<Value> {
    atomic_monad(x, &mut |v| {
        let t = simple_ty(&v)?;
        if matches!(t, Ty::Symbol | Ty::Guid) {
            return Err(QError::type_());
        }
        let rt = match t {
            Ty::Datetime => Ty::Datetime,
            Ty::Timestamp if keep_p => Ty::Timestamp,
            _ => Ty::Float,
        };
        Ok(from_num(
            match to_num(&v, t, t, true)? {
                Num::FA(a) => Num::FA(f(a)),
                Num::F(a) => Num::F(a.into_iter().map(f).collect()),
                other => other,
            },
            rt,
        ))
    })
}

/// `floor`/`ceiling` on a simple value. Shorts, ints and longs are
/// returned as they are; reals and floats round to long (null to `0N`).
/// `floor` on chars and symbols lower-cases them (k's `_:`).
pub(crate) fn round_fn(x: Value, up: bool) -> QResult<Value> {
    // q's floor and ceiling are tolerant: within 2^-44 of x (relative)
    // of the next integer counts as that integer (floor 2-1e-13 is 2,
    // floor 1-1e-13 is 0)
    fn tfloor(x: f64) -> f64 {
        let r = x.floor();
        if x.is_finite() && r + 1.0 - x <= x.abs() * TOLERANCE {
            r + 1.0
        } else {
            r
        }
    }
    fn tceil(x: f64) -> f64 {
        let r = x.ceil();
        if x.is_finite() && x - (r - 1.0) <= x.abs() * TOLERANCE {
            r - 1.0
        } else {
            r
        }
    }
    const TOLERANCE: f64 = 1.0 / 17_592_186_044_416.0;
    let f: fn(f64) -> f64 = if up { tceil } else { tfloor };
    atomic_monad(x, &mut |v| {
        let t = simple_ty(&v)?;
        match t {
            Ty::Real | Ty::Float => Ok(from_num(
                match to_num(&v, t, t, true)? {
                    Num::FA(a) => Num::IA(f64_to_i64(f(a))),
                    Num::F(a) => Num::I(a.into_iter().map(|a| f64_to_i64(f(a))).collect()),
                    other => other,
                },
                Ty::Long,
            )),
            Ty::Short | Ty::Int | Ty::Long => Ok(v),
            Ty::Bool | Ty::Byte if up => Ok(crate::ops::cast::cast_simple(Ty::Int, &v)?),
            Ty::Char if !up => Ok(match v {
                Value::Atom(Atom::Char(c)) => Value::Atom(Atom::Char(c.to_ascii_lowercase())),
                Value::Vector(vec) => Value::Vector(Vector::chars(
                    &vec.as_u8()
                        .unwrap_or(&[])
                        .iter()
                        .map(|c| c.to_ascii_lowercase())
                        .collect::<Vec<u8>>(),
                )),
                other => other,
            }),
            Ty::Symbol if !up => {
                let low = |s: qcore::Sym| qcore::Sym::new(&s.as_str().to_lowercase());
                Ok(match v {
                    Value::Atom(Atom::Symbol(s)) => Value::Atom(Atom::Symbol(low(s))),
                    Value::Vector(vec) => Value::Vector(Vector::syms(
                        vec.as_sym()
                            .unwrap_or(&[])
                            .iter()
                            .map(|&s| low(s))
                            .collect(),
                    )),
                    other => other,
                })
            }
            _ => Err(QError::type_()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::divmod::*;

    #[test]
    fn long_vector_plus_atom_keeps_nulls() {
        let v = arith2(
            Op::Add,
            Value::Vector(Vector::longs(vec![1, NJ, 3])),
            Value::long(1),
        )
        .unwrap();
        match v {
            Value::Vector(v) => assert_eq!(v.as_i64().unwrap(), &[2, NJ, 4]),
            _ => panic!("vector expected"),
        }
    }

    #[test]
    fn promotion_follows_reference_tables() {
        use Ty::*;
        assert_eq!(result_type(Op::Add, Bool, Bool).unwrap(), Int);
        assert_eq!(result_type(Op::Add, Byte, Byte).unwrap(), Int);
        assert_eq!(result_type(Op::Add, Short, Short).unwrap(), Int);
        assert_eq!(result_type(Op::Add, Int, Long).unwrap(), Long);
        assert_eq!(result_type(Op::Add, Real, Real).unwrap(), Real);
        assert_eq!(result_type(Op::Add, Long, Float).unwrap(), Float);
        assert_eq!(result_type(Op::Sub, Date, Date).unwrap(), Int);
        assert_eq!(
            result_type(Op::Sub, Timestamp, Timestamp).unwrap(),
            Timespan
        );
        assert_eq!(result_type(Op::Add, Date, Timespan).unwrap(), Timestamp);
        assert_eq!(result_type(Op::Add, Date, Long).unwrap(), Date);
        assert_eq!(result_type(Op::Div, Long, Long).unwrap(), Float);
        assert_eq!(result_type(Op::Div, Real, Real).unwrap(), Float);
        assert!(result_type(Op::Add, Symbol, Long).is_err());
        assert!(result_type(Op::Mul, Date, Date).is_err());
        assert_eq!(lesser_type(Long, Char).unwrap(), Char);
    }

    #[test]
    fn int_division_floors() {
        assert_eq!(idiv(7, 2), 3);
        assert_eq!(idiv(-7, 2), -4);
        assert_eq!(imod(-7, 3), 2);
        assert_eq!(imod(7, -3), -2);
        assert_eq!(idiv(NJ, 2), NJ);
    }

    use crate::testutil::xorshift as rng;

    /// A random vector of type `t` mixing q's nulls and infinities, signed
    /// zeros, small and full-range values.
    fn random_vector(t: Ty, n: usize, rnd: &mut impl FnMut(u64) -> u64) -> Vector {
        let mut int = |min: i64, max: i64| -> i64 {
            match rnd(8) {
                0 => min,  // null
                1 => max,  // 0W
                2 => -max, // -0W
                3 => 0,
                4 => rnd(2001) as i64 - 1000,
                _ => (rnd(u64::MAX) as i64).rem_euclid(max) - max / 2,
            }
        };
        let specials = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0];
        match t.repr() {
            Repr::U8 if t == Ty::Bool => Vector::from_u8(t, (0..n).map(|_| rnd(2) as u8).collect()),
            Repr::U8 => Vector::from_u8(t, (0..n).map(|_| rnd(256) as u8).collect()),
            Repr::I16 => Vector::from_i16(
                (0..n)
                    .map(|_| int(i16::MIN as i64, i16::MAX as i64) as i16)
                    .collect(),
            ),
            Repr::I32 => Vector::from_i32(
                t,
                (0..n)
                    .map(|_| int(i32::MIN as i64, i32::MAX as i64) as i32)
                    .collect(),
            ),
            Repr::I64 => Vector::from_i64(t, (0..n).map(|_| int(i64::MIN, i64::MAX)).collect()),
            Repr::F32 | Repr::F64 => {
                let v: Vec<f64> = (0..n)
                    .map(|_| match rnd(4) {
                        0 => specials[rnd(5) as usize],
                        1 => rnd(2001) as f64 - 1000.0,
                        _ => (rnd(1 << 53) as f64 - (1u64 << 52) as f64) / 1024.0,
                    })
                    .collect();
                if t.repr() == Repr::F32 {
                    Vector::from_f32(v.into_iter().map(|x| x as f32).collect())
                } else {
                    Vector::from_f64(t, v)
                }
            }
            _ => Vector::empty(t),
        }
    }

    /// A vector's items as exact bits, with its type.
    fn bits(v: &Value) -> (Ty, Vec<u64>) {
        let Value::Vector(v) = v else {
            panic!("vector expected, got {v:?}");
        };
        let b: Vec<u64> = match v.data() {
            VecData::U8(b) => b.iter().map(|&x| x as u64).collect(),
            VecData::I16(b) => b.iter().map(|&x| x as u64).collect(),
            VecData::I32(b) => b.iter().map(|&x| x as u64).collect(),
            VecData::I64(b) => b.iter().map(|&x| x as u64).collect(),
            VecData::F32(b) => b.iter().map(|&x| x.to_bits() as u64).collect(),
            VecData::F64(b) => b.iter().map(|&x| x.to_bits()).collect(),
            _ => panic!("numeric vector expected"),
        };
        (v.ty(), b)
    }

    fn reference(op: Op, x: &Value, y: &Value) -> QResult<Value> {
        let (tx, ty) = (simple_ty(x)?, simple_ty(y)?);
        let rt = result_type(op, tx, ty)?;
        let float = op == Op::Div || is_float(rt) || is_float(tx) || is_float(ty);
        general(op, x, y, tx, ty, rt, float)
    }

    const NUMERIC: [Ty; 16] = [
        Ty::Bool,
        Ty::Byte,
        Ty::Short,
        Ty::Int,
        Ty::Long,
        Ty::Real,
        Ty::Float,
        Ty::Char,
        Ty::Timestamp,
        Ty::Month,
        Ty::Date,
        Ty::Datetime,
        Ty::Timespan,
        Ty::Minute,
        Ty::Second,
        Ty::Time,
    ];

    /// Every pair of numeric and temporal types, every op, vector with
    /// vector, vector with atom and atom with vector (lengths spanning
    /// several chunks and a partial one): `arith2` (fast and mixed-width
    /// kernels) is bit-identical to the general path, and each item equals
    /// the atom-by-atom result.
    #[test]
    fn kernels_match_general_path_bit_for_bit() {
        let mut rnd = rng(0x2545_f491_4f6c_dd1d);
        let n = 3 * CHUNK + 37;
        let mut checked = 0;
        for &tx in &NUMERIC {
            for &ty in &NUMERIC {
                let a = Value::Vector(random_vector(tx, n, &mut rnd));
                let b = Value::Vector(random_vector(ty, n, &mut rnd));
                let (Value::Vector(va), Value::Vector(vb)) = (&a, &b) else {
                    unreachable!()
                };
                let atoms = [
                    Value::Atom(va.get(rnd(n as u64) as usize)),
                    Value::Atom(vb.get(rnd(n as u64) as usize)),
                ];
                for op in [Op::Add, Op::Sub, Op::Mul, Op::Div] {
                    let pairs = [
                        (a.clone(), b.clone()),
                        (a.clone(), atoms[1].clone()),
                        (atoms[0].clone(), b.clone()),
                    ];
                    for (x, y) in pairs {
                        let want = reference(op, &x, &y);
                        let got = arith2(op, x.clone(), y.clone());
                        match (want, got) {
                            (Ok(w), Ok(g)) => {
                                let (gb, wb) = (bits(&g), bits(&w));
                                assert_eq!(gb.0, wb.0, "{op:?} {tx:?} {ty:?}: type");
                                let bad = gb.1.iter().zip(&wb.1).position(|(a, b)| a != b);
                                assert_eq!(bad, None, "{op:?} {tx:?} {ty:?}: first difference");
                                assert_eq!(gb.1.len(), wb.1.len());
                                checked += 1;
                                // items against atom-by-atom arithmetic (where
                                // the result is not narrowed: a long result
                                // narrowed to an int-based type wraps in a vector
                                // but not in an atom, on both paths alike)
                                let Value::Vector(gv) = &g else {
                                    unreachable!()
                                };
                                if !matches!(gv.ty().repr(), Repr::I64 | Repr::F64) {
                                    continue;
                                }
                                for i in [0, 1, CHUNK - 1, CHUNK, n - 1] {
                                    let xi = x.index_item(i);
                                    let yi = y.index_item(i);
                                    let r = arith2(op, xi, yi).expect("atom result");
                                    let Value::Atom(r) = r else { panic!("atom") };
                                    let one = |a: Atom| bits(&Value::Vector(atom_vec1(a)));
                                    assert_eq!(
                                        one(gv.get(i)),
                                        one(r),
                                        "{op:?} {tx:?} {ty:?} item {i}"
                                    );
                                }
                            }
                            (Err(w), Err(g)) => assert_eq!(w.name, g.name),
                            (w, g) => panic!("{op:?} {tx:?} {ty:?}: {w:?} vs {g:?}"),
                        }
                    }
                }
            }
        }
        assert!(checked > 500, "only {checked} combinations computed");
    }

    fn atom_vec1(a: Atom) -> Vector {
        crate::ops::make::atom_vec(a)
    }

    trait Item {
        fn index_item(&self, i: usize) -> Value;
    }
    impl Item for Value {
        fn index_item(&self, i: usize) -> Value {
            match self {
                Value::Vector(v) => Value::Atom(v.get(i)),
                other => other.clone(),
            }
        }
    }

    #[test]
    fn mixed_kernels_nulls_lengths_and_errors() {
        let f = |v: &[f64]| Value::Vector(Vector::floats(v.to_vec()));
        let j = |v: &[i64]| Value::Vector(Vector::longs(v.to_vec()));
        let i = |v: &[i32]| Value::Vector(Vector::from_i32(Ty::Int, v.to_vec()));
        let w = i64::MAX;
        // 0N converted to float is 0n; 0W stays a plain (large) number
        let r = arith2(Op::Mul, f(&[1.5, 2.0, f64::NAN, -0.0]), j(&[2, NJ, 3, w])).unwrap();
        let (t, b) = bits(&r);
        assert_eq!(t, Ty::Float);
        assert_eq!(b[0], 3.0f64.to_bits());
        assert!(f64::from_bits(b[1]).is_nan() && f64::from_bits(b[2]).is_nan());
        assert_eq!(b[3], (-0.0 * w as f64).to_bits());
        // int with long: long, nulls either side propagate
        let r = arith2(Op::Add, i(&[1, NI, 3, i32::MAX]), j(&[NJ, 1, 2, 1])).unwrap();
        assert_eq!(
            bits(&r),
            (Ty::Long, vec![NJ as u64, NJ as u64, 5, 2_147_483_648])
        );
        // long % int: float, 0N is 0n
        let r = arith2(Op::Div, j(&[1, NJ]), i(&[2, 4])).unwrap();
        let (t, b) = bits(&r);
        assert_eq!((t, b[0]), (Ty::Float, 0.5f64.to_bits()));
        assert!(f64::from_bits(b[1]).is_nan());
        // empty vectors keep the result type
        let r = arith2(Op::Mul, f(&[]), j(&[])).unwrap();
        assert_eq!(bits(&r), (Ty::Float, vec![]));
        let r = arith2(Op::Sub, i(&[]), Value::long(3)).unwrap();
        assert_eq!(bits(&r), (Ty::Long, vec![]));
        // length and type errors
        let e = arith2(Op::Mul, f(&[1.0, 2.0]), j(&[1])).unwrap_err();
        assert_eq!(e.name, "length");
        let e = arith2(Op::Add, i(&[1]), j(&[1, 2])).unwrap_err();
        assert_eq!(e.name, "length");
        let syms = Value::Vector(Vector::syms(vec![qcore::Sym::new("a")]));
        let e = arith2(Op::Mul, f(&[1.0]), syms).unwrap_err();
        assert_eq!(e.name, "type");
        let e = arith2(
            Op::Add,
            f(&[1.0]),
            Value::Atom(Atom::Symbol(qcore::Sym::new("a"))),
        )
        .unwrap_err();
        assert_eq!(e.name, "type");
    }

    #[test]
    fn date_plus_timespan_scales() {
        let v = arith2(
            Op::Add,
            Value::Atom(Atom::Date(1)),
            Value::Atom(Atom::Timespan(5)),
        )
        .unwrap();
        assert!(matches!(v, Value::Atom(Atom::Timestamp(t)) if t == NS_PER_DAY + 5));
    }
}
