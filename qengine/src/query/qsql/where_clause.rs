//! Where clauses: each constraint narrows the row index the next one sees.

use super::*;

/// The table rows satisfying every constraint of `c`, each constraint
/// evaluated over the rows that survived the ones before it.
pub fn narrow(it: &mut Interp, t: &Table, c: &Value) -> QResult<Option<Arc<Vec<i64>>>> {
    let cs = constraints(c);
    // constraints on sorted columns: a row range by binary search
    if let Some((r, rest)) = crate::query::range::narrow(it, t, &cs) {
        if rest.is_empty() {
            return Ok(Some(Arc::new((r.start as i64..r.end as i64).collect())));
        }
        let w = crate::query::range::window_table(t, r.start, r.end);
        if let Some(rows) = crate::query::kernel::narrow(it, &w, &rest) {
            let lo = r.start as i64;
            return Ok(Some(Arc::new(rows.into_iter().map(|k| k + lo).collect())));
        }
        let ids = Arc::new((r.start as i64..r.end as i64).collect());
        return narrow_from(it, t, &rest, Some(ids));
    }
    // constraints the columns' block statistics decide for most rows
    if let Some((rows, rest)) = crate::query::blocks::narrow(it, t, &cs) {
        return narrow_from(it, t, &rest, Some(Arc::new(rows)));
    }
    // compiled-expression core (kernel, issue 6); None: interpret
    if let Some(r) = crate::query::kernel::narrow(it, t, &cs) {
        return Ok(Some(Arc::new(r)));
    }
    narrow_from(it, t, &cs, None)
}

/// The interpreted where clause: each constraint of `cs` evaluated over
/// the rows that survived the ones before it, starting from `rows`.
fn narrow_from(
    it: &mut Interp,
    t: &Table,
    cs: &[Value],
    mut rows: Option<Arc<Vec<i64>>>,
) -> QResult<Option<Arc<Vec<i64>>>> {
    for k in cs {
        let mut ctx = Ctx::new(t, rows.clone());
        let n = ctx.count();
        let m = eval_tree(it, &mut ctx, k)?;
        // a boolean vector: the rows it keeps straight from its set bytes
        if let Value::Vector(v) = &m
            && matches!(v.ty(), Ty::Bool | Ty::Byte)
            && v.len() == n
        {
            let b = v.as_u8().unwrap_or(&[]);
            rows = Some(Arc::new(match &rows {
                None => set_rows(b, |i| i as i64),
                Some(r) => set_rows(b, |i| r[i]),
            }));
            continue;
        }
        let keep: Vec<usize> = match &m {
            Value::Atom(a) => {
                let on = a.to_i64().ok_or_else(QError::type_)? != 0;
                if on { (0..n).collect() } else { vec![] }
            }
            Value::Vector(v) => {
                if v.len() != n {
                    return Err(QError::length());
                }
                match v.ty() {
                    Ty::Bool | Ty::Byte => {
                        let b = v.as_u8().unwrap_or(&[]);
                        (0..n).filter(|&i| b[i] != 0).collect()
                    }
                    Ty::Short | Ty::Int | Ty::Long => {
                        let b = v.to_i64_vec().ok_or_else(QError::type_)?;
                        (0..n).filter(|&i| b[i] != 0).collect()
                    }
                    _ => return Err(QError::type_()),
                }
            }
            _ => return Err(QError::type_()),
        };
        let ids = ctx.row_ids();
        rows = Some(Arc::new(keep.iter().map(|&i| ids[i]).collect()));
    }
    Ok(rows)
}

/// `row(i)` for each `i` where `b[i]` is not zero, in order: eight bytes
/// tested at once, so a filter keeping few rows costs about one
/// instruction a row; pieces of rows on the pool above the threshold.
fn set_rows(b: &[u8], row: impl Fn(usize) -> i64 + Sync) -> Vec<i64> {
    use rayon::prelude::*;
    let scan = |lo: usize, part: &[u8]| {
        let mut out = Vec::new();
        let words = part.chunks_exact(8);
        let tail = words.remainder();
        for (w, c) in words.enumerate() {
            let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            if x != 0 {
                for (j, &y) in c.iter().enumerate() {
                    if y != 0 {
                        out.push(row(lo + 8 * w + j));
                    }
                }
            }
        }
        let at = part.len() - tail.len();
        for (j, &y) in tail.iter().enumerate() {
            if y != 0 {
                out.push(row(lo + at + j));
            }
        }
        out
    };
    match crate::ops::par::piece_len(b.len()) {
        None => scan(0, b),
        Some(step) => {
            let step = step.div_ceil(8) * 8;
            let parts: Vec<Vec<i64>> = b
                .par_chunks(step)
                .enumerate()
                .map(|(p, c)| scan(p * step, c))
                .collect();
            crate::ops::par::concat_rows(parts)
        }
    }
}

// ---------------------------------------------------------------------------
// Grouping
