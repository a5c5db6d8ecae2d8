//! Set keywords on lists: `inter` (items of `x` that are in `y`), `except`
//! (items of `x` not in `y`) and `union` (`distinct x,y`). Order is `x`'s
//! (then `y`'s for `union`); duplicates in `x` stay for `inter` and
//! `except`, as in q.

use crate::ops::group::group_ids;
use crate::ops::index::take_idx;
use crate::ops::join::join_values;
use crate::ops::make::as_list;
use qcore::QError;
use qcore::QResult;
use qcore::Value;

// ---------------------------------------------------------------------------
// inter union except

/// For each item of `x`, whether it is an item of `y`.
pub(crate) fn membership(x: &Value, y: &Value) -> QResult<Vec<bool>> {
    let n = x.count();
    let joined = join_values(x.clone(), y.clone()).or_else(|_| {
        // Tables of different columns share no rows.
        Ok::<Value, QError>(x.clone())
    })?;
    if joined.count() == n {
        return Ok(vec![false; n]);
    }
    let (ids, firsts) = group_ids(&joined)?;
    let mut in_y = vec![false; firsts.len()];
    for &id in &ids[n..] {
        in_y[id as usize] = true;
    }
    Ok(ids[..n].iter().map(|&id| in_y[id as usize]).collect())
}

pub(crate) fn select(x: &Value, keep: &[bool]) -> Value {
    let idx: Vec<i64> = keep
        .iter()
        .enumerate()
        .filter(|(_, k)| **k)
        .map(|(i, _)| i as i64)
        .collect();
    take_idx(x, &idx)
}

pub(crate) fn list_operand(v: Value) -> QResult<Value> {
    match v {
        Value::Dict(d) => Ok(as_list(d.values.clone())),
        Value::Nil | Value::Func(_) => Err(QError::type_()),
        other => Ok(as_list(other)),
    }
}

/// `x inter y`: the items of x that are items of y.
pub fn inter(x: Value, y: Value) -> QResult<Value> {
    let (x, y) = (list_operand(x)?, list_operand(y)?);
    let m = membership(&x, &y)?;
    Ok(select(&x, &m))
}

/// `x except y`: the items of x that are not items of y.
pub fn except(x: Value, y: Value) -> QResult<Value> {
    let (x, y) = (list_operand(x)?, list_operand(y)?);
    let m: Vec<bool> = membership(&x, &y)?.into_iter().map(|b| !b).collect();
    Ok(select(&x, &m))
}

/// `x union y`: `distinct x,y`.
pub fn union(x: Value, y: Value) -> QResult<Value> {
    if matches!(x, Value::Dict(_)) || matches!(y, Value::Dict(_)) {
        return Err(QError::type_());
    }
    let j = join_values(as_list(x), as_list(y))?;
    crate::builtins::list::find::distinct(j)
}
