//! Group ids of a list's items: which items are equal (`~`), numbered in
//! order of first occurrence.
//!
//! [`group_ids`] is what `group`, `distinct` of lists and tables, the set
//! operations, join keys, the `u#`/`p#` checks and the interpreter's qSQL
//! `by` build on. It picks the cheapest exact way for the
//! list it is given: a byte table for booleans, bytes and chars; dense
//! composite ids ([`crate::ops::dense`]) when an integer-like list's values
//! span a small range; else hashing ([`crate::ops::hash`]), typed per
//! vector, column by column for a table's rows, by value for a general
//! list. Every way gives the same ids, so the choice is only about speed.

use crate::ops::dense::Col;
use crate::ops::dense::dense_ids;
use crate::ops::hash::dedup_keys;
use crate::ops::hash::dedup_table;
use crate::ops::hash::dedup_u8;
use crate::ops::hash::dedup_values;
use crate::ops::hash::norm_f32;
use crate::ops::hash::norm_f64;
use crate::ops::hash::with_keys;
use crate::ops::index::take_idx;
use crate::ops::make::table_rows;
use qcore::Guid;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Value;
use qcore::VecData;

/// Group ids of the items of a list value (vector, general list, table
/// rows): `(id per item, first index of each id)`.
pub fn group_ids(x: &Value) -> QResult<(Vec<u32>, Vec<usize>)> {
    match x {
        Value::Vector(v) => Ok(match v.data() {
            VecData::U8(b) => dedup_u8(b),
            _ => match Col::of_vec(v).and_then(|c| dense_ids(&[c], true)) {
                Some(r) => r,
                None => with_keys!(v, k => dedup_keys(k)),
            },
        }),
        Value::List(l) => Ok(dedup_values(l)),
        Value::Table(t) => Ok(match dedup_table(t, true) {
            Some(r) => r,
            None => dedup_values(&table_rows(t)),
        }),
        _ => Err(QError::type_()),
    }
}

/// The distinct items of `x` (in order of first occurrence) and the
/// indexes at which each occurs: `group`'s key and value lists.
pub(crate) fn group_parts(x: &Value) -> QResult<(Value, Vec<Vec<i64>>)> {
    let (ids, firsts) = group_ids(x)?;
    let (groups, _) = group_rows_of(&ids, firsts.len(), |r| r as i64);
    let idx: Vec<i64> = firsts.iter().map(|&i| i as i64).collect();
    Ok((take_idx(x, &idx), groups))
}

/// The rows of each of `ngroups` groups given each row's group id, in
/// row order, each row written as `row(r)`; also the group sizes. A
/// counting sort ([`crate::ops::par::bucket`]), then the groups' lists
/// made in parallel when there are many rows; one pass on one thread.
pub(crate) fn group_rows_of(
    ids: &[u32],
    ngroups: usize,
    row: impl Fn(usize) -> i64 + Sync,
) -> (Vec<Vec<i64>>, Vec<usize>) {
    use rayon::prelude::*;
    if crate::ops::par::piece_len(ids.len()).is_none() {
        // one thread: each row pushed straight into its group's list
        let mut sizes = vec![0usize; ngroups];
        for &id in ids {
            sizes[id as usize] += 1;
        }
        let mut groups: Vec<Vec<i64>> = sizes.iter().map(|&c| Vec::with_capacity(c)).collect();
        for (i, &id) in ids.iter().enumerate() {
            if qcore::budget::stop_at(i) {
                // given up: the result is discarded
                break;
            }
            groups[id as usize].push(row(i));
        }
        return (groups, sizes);
    }
    if let Some(step) = crate::ops::par::piece_len(ids.len())
        && ngroups.saturating_mul(ids.len().div_ceil(step)) <= ids.len()
    {
        // each piece's rows straight into their groups' lists
        let pieces: Vec<&[u32]> = ids.chunks(step).collect();
        let b = crate::ops::par::Buckets::new(&pieces, ngroups);
        let groups = b.scatter_groups(&row);
        let sizes = groups.iter().map(Vec::len).collect();
        return (groups, sizes);
    }
    let (offs, rows) = crate::ops::par::bucket(ids, ngroups);
    let one = |g: usize| -> Vec<i64> {
        rows[offs[g]..offs[g + 1]]
            .iter()
            .map(|&r| row(r as usize))
            .collect()
    };
    let groups = if crate::ops::par::piece_len(ids.len()).is_some() {
        (0..ngroups).into_par_iter().map(one).collect()
    } else {
        (0..ngroups).map(one).collect()
    };
    let sizes = offs.windows(2).map(|w| w[1] - w[0]).collect();
    (groups, sizes)
}
