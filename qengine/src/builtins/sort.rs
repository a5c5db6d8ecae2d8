//! Order: `asc desc iasc idesc`.
//!
//! Every sort and grade is stable: equal items keep their order. Typed
//! vectors sort on a machine key per item (integers as themselves, floats
//! through an order-preserving bit map with nulls first, symbols by the rank
//! of their text, bytes by counting sort); grades sort `(key, index)` pairs,
//! which are all distinct, so an unstable sort gives the stable order.
//! General lists sort by [`cmp_values`]: atoms before lists, atoms by type
//! number then value, lists lexicographically. Tables sort their rows by
//! every column (first column most significant), dictionaries by value.

use crate::ops::divmod::xbar_fast;
use crate::ops::grade::grade_value;
use crate::ops::grade::sort_value;
use crate::ops::search::bin_value;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

/// `asc x`: sorted ascending; a vector gets the `s#` attribute.
pub fn asc(x: Value) -> QResult<Value> {
    sort_value(x, false)
}

/// `desc x`: sorted descending.
pub fn desc(x: Value) -> QResult<Value> {
    sort_value(x, true)
}

/// `iasc x`: the indexes that sort `x` ascending (keys for a dictionary).
pub fn iasc(x: Value) -> QResult<Value> {
    grade_value(x, false)
}

/// `idesc x`: the indexes that sort `x` descending (keys for a dictionary).
pub fn idesc(x: Value) -> QResult<Value> {
    grade_value(x, true)
}

// ---------------------------------------------------------------------------
// rank xrank

/// `rank x`: `iasc iasc x`.
pub fn rank(x: Value) -> QResult<Value> {
    if matches!(x, Value::Atom(_)) {
        return Err(QError::rank());
    }
    let g = crate::builtins::sort::iasc(x)?;
    crate::builtins::sort::iasc(g)
}

/// `x xrank y`: `(x*rank y) div count y`.
pub fn xrank(x: Value, y: Value) -> QResult<Value> {
    let k = match &x {
        Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_))) => {
            a.to_i64().ok_or_else(QError::type_)?
        }
        _ => return Err(QError::type_()),
    };
    if matches!(y, Value::Atom(_)) {
        return Err(QError::rank());
    }
    let n = y.count() as i64;
    let r = rank(y)?;
    let Value::Vector(rv) = &r else {
        return Ok(r);
    };
    let rs = rv.as_i64().unwrap_or(&[]);
    Ok(Value::Vector(Vector::longs(
        rs.iter()
            .map(|&i| {
                let p = k.wrapping_mul(i);
                if n == 0 { 0 } else { p.div_euclid(n) }
            })
            .collect(),
    )))
}

/// `x bin y`: index of the last item of sorted x that is `<= y` (-1 if none).
pub fn bin(x: Value, y: Value) -> QResult<Value> {
    bin_value(&x, &y, false)
}

/// `x binr y`: index of the first item of sorted x that is `>= y`.
pub fn binr(x: Value, y: Value) -> QResult<Value> {
    bin_value(&x, &y, true)
}

// ---------------------------------------------------------------------------
// xbar
// ---------------------------------------------------------------------------

/// `x xbar y`: `y` rounded down to a multiple of `x`, q's
/// `x*y div x` (a timespan `x` counts as its nanoseconds).
pub fn xbar(_it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let x = match x {
        Value::Atom(Atom::Timespan(n)) => Value::long(n),
        Value::Vector(v) if v.ty() == Ty::Timespan => {
            Value::Vector(v.retype(Ty::Long).ok_or_else(QError::type_)?)
        }
        other => other,
    };
    if let (Value::Atom(a), Value::Vector(v)) = (&x, &y)
        && let Some(r) = xbar_fast(*a, v)?
    {
        return Ok(Value::Vector(r));
    }
    let q = crate::builtins::math::arith::div_int(y, x.clone())?;
    crate::builtins::math::arith::mul(x, q)
}

// ---------------------------------------------------------------------------
// prefixes of sorts (`n#idesc x`, ``n sublist `c xdesc t``)

/// The first `n` of `idesc x` / `iasc x` (no `cols`) or of `` `c xdesc t``
/// (`cols` one column name, `t` an unkeyed table), found by a bounded heap
/// ([`crate::ops::grade::top_grade`]) instead of the whole sort; the same
/// value the sort and the take give. `None` when that shortcut does not
/// apply (then the expression is evaluated as written): `n` not a
/// non-negative integer atom, `n` past the count for `#` (which wraps),
/// several columns, a keyed table or one named by a symbol, or a prefix
/// too long for the heap to pay.
pub fn sorted_prefix(
    n: &Value,
    cols: Option<&Value>,
    x: &Value,
    desc: bool,
    sublist: bool,
) -> Option<Value> {
    let Value::Atom(a) = n else {
        return None;
    };
    if !a.ty().is_integral() {
        return None;
    }
    let k = usize::try_from(a.to_i64()?).ok()?;
    let (v, table) = match (cols, x) {
        (None, Value::Vector(v)) => (v, None),
        (Some(c), Value::Table(t)) => {
            let name = match c {
                Value::Atom(Atom::Symbol(s)) => *s,
                Value::Vector(v) if v.len() == 1 => match v.get(0) {
                    Atom::Symbol(s) => s,
                    _ => return None,
                },
                _ => return None,
            };
            let i = t.names.iter().position(|&s| s == name)?;
            match &t.columns[i] {
                Value::Vector(v) if v.len() == t.len() => (v, Some(x)),
                _ => return None,
            }
        }
        _ => return None,
    };
    let k = if sublist { k.min(v.len()) } else { k };
    if k > v.len() {
        return None;
    }
    let top = crate::ops::grade::top_grade(v, desc, k)?;
    let idx: Vec<i64> = top.into_iter().map(|i| i as i64).collect();
    Some(match table {
        None => Value::Vector(Vector::longs(idx)),
        Some(t) => crate::ops::index::take_idx(t, &idx),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut gives exactly the prefix of the whole stable grade,
    /// with many ties and nulls, both directions, `#` and `sublist`.
    #[test]
    fn sorted_prefix_is_the_prefix_of_the_grade() {
        let mut s: u64 = 42;
        let v: Vec<i64> = (0..50_000)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                if i % 13 == 0 {
                    i64::MIN
                } else {
                    (s % 300) as i64
                }
            })
            .collect();
        let x = Value::Vector(Vector::longs(v.clone()));
        for desc in [false, true] {
            let full = crate::ops::grade::grade_vector(&Vector::longs(v.clone()), desc);
            for k in [0usize, 1, 10, 1000] {
                for sublist in [false, true] {
                    let got = sorted_prefix(&Value::long(k as i64), None, &x, desc, sublist)
                        .expect("shortcut applies");
                    let want: Vec<i64> = full[..k].iter().map(|&i| i as i64).collect();
                    let Value::Vector(got) = got else {
                        panic!("not a vector")
                    };
                    assert_eq!(got.as_i64(), Some(&want[..]));
                }
            }
        }
    }
}
