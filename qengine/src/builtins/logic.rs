//! Logic: `&`/`and` and `|`/`or` (lesser and greater, in the higher of the
//! two types — on booleans these are and/or), `not` (`~x`: `1b` where the
//! underlying value is zero; nulls and infinities are not zero), `all` and
//! `any`.

use crate::builtins::apply::apply;
use crate::ops::compare::as_vector;
use crate::ops::compare::minmax_simple;
use crate::ops::conform::atomic_dyad;
use crate::registry;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;

/// `x&y`, `x and y`: the lesser, as the higher of the two types.
pub fn min2(x: Value, y: Value) -> QResult<Value> {
    atomic_dyad(x, y, &mut |a, b| minmax_simple(&a, &b, false))
}

/// `x|y`, `x or y`: the greater, as the higher of the two types.
pub fn max2(x: Value, y: Value) -> QResult<Value> {
    atomic_dyad(x, y, &mut |a, b| minmax_simple(&a, &b, true))
}

// ---------------------------------------------------------------------------
// not, match, within
// ---------------------------------------------------------------------------

/// `not x`: 1b where the underlying value is zero (nulls and infinities are
/// not zero). `'type` for symbols.
pub fn not(x: Value) -> QResult<Value> {
    crate::ops::conform::atomic_monad(x, &mut |v| {
        let (vec, atom) = as_vector(&v)?;
        let out: Vec<u8> = match vec.data() {
            VecData::U8(b) => b.iter().map(|&x| (x == 0) as u8).collect(),
            VecData::I16(b) => b.iter().map(|&x| (x == 0) as u8).collect(),
            VecData::I32(b) => b.iter().map(|&x| (x == 0) as u8).collect(),
            VecData::I64(b) => b.iter().map(|&x| (x == 0) as u8).collect(),
            VecData::F32(b) => b.iter().map(|&x| (x == 0.0) as u8).collect(),
            VecData::F64(b) => b.iter().map(|&x| (x == 0.0) as u8).collect(),
            VecData::Guid(b) => b.iter().map(|g| (*g == [0; 16]) as u8).collect(),
            VecData::Sym(_) => return Err(QError::type_()),
        };
        Ok(if atom {
            Value::bool(out.first().is_some_and(|&b| b != 0))
        } else {
            Value::Vector(Vector::from_u8(Ty::Bool, out))
        })
    })
}

// ---------------------------------------------------------------------------
// all, any

pub(crate) fn nonzero(a: &Atom) -> QResult<bool> {
    Ok(match *a {
        Atom::Symbol(_) | Atom::Guid(_) => return Err(QError::type_()),
        Atom::Bool(b) => b,
        Atom::Byte(b) | Atom::Char(b) => b != 0,
        Atom::Real(f) => f != 0.0,
        Atom::Float(f) | Atom::Datetime(f) => f != 0.0,
        _ => a.to_i64().is_some_and(|v| v != 0),
    })
}

/// `"b"$x` deep: atoms and vectors to booleans, lists item by item.
pub(crate) fn to_bools(x: &Value) -> QResult<Value> {
    match x {
        Value::Atom(a) => Ok(Value::bool(nonzero(a)?)),
        Value::Vector(v) => {
            let mut out = Vec::with_capacity(v.len());
            for i in 0..v.len() {
                out.push(nonzero(&v.get(i))?);
            }
            Ok(Value::Vector(Vector::bools(out)))
        }
        Value::List(l) => Ok(Value::list(
            l.iter().map(to_bools).collect::<QResult<Vec<_>>>()?,
        )),
        _ => Err(QError::type_()),
    }
}

pub(crate) fn all_any(it: &mut Interp, x: Value, all: bool) -> QResult<Value> {
    match &x {
        Value::Atom(a) => Ok(Value::bool(nonzero(a)?)),
        Value::Vector(v) => {
            if matches!(v.ty(), Ty::Symbol | Ty::Guid) {
                return Err(QError::type_());
            }
            for i in 0..v.len() {
                if nonzero(&v.get(i))? != all {
                    return Ok(Value::bool(!all));
                }
            }
            Ok(Value::bool(all))
        }
        Value::List(l) => {
            // an aggregate over the items: &/ or |/ of the items as booleans
            let op = registry::lookup(if all { "&" } else { "|" }).ok_or_else(QError::type_)?;
            let op = registry::func(op);
            let mut acc = Value::bool(all);
            for item in l.iter() {
                it.tick()?;
                let b = to_bools(item)?;
                acc = apply(it, &op, vec![acc, b])?;
            }
            Ok(acc)
        }
        Value::Dict(d) => all_any(it, d.values.clone(), all),
        Value::Table(t) => {
            let mut vals = Vec::with_capacity(t.columns.len());
            for c in t.columns.iter() {
                vals.push(all_any(it, c.clone(), all)?);
            }
            Ok(Value::dict(
                Value::Vector(Vector::syms(t.names.to_vec())),
                Value::from_items(vals),
            ))
        }
        _ => Err(QError::type_()),
    }
}

/// `all x`: every item nonzero.
pub fn all(it: &mut Interp, x: Value) -> QResult<Value> {
    all_any(it, x, true)
}

/// `any x`: some item nonzero.
pub fn any(it: &mut Interp, x: Value) -> QResult<Value> {
    all_any(it, x, false)
}
