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
        let m = match fby_compare(it, &mut ctx, k)? {
            Some(Fused::Rows(kept)) => {
                rows = Some(Arc::new(kept));
                continue;
            }
            Some(Fused::Mask(m)) => m,
            None => eval_tree(it, &mut ctx, k)?,
        };
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

/// What [`fby_compare`] made of a constraint: the rows it keeps, or its
/// boolean value for the ordinary steps.
enum Fused {
    Rows(Vec<i64>),
    Mask(Value),
}

/// Rows of one block of [`fby_compare`]: the per-row values of a block
/// this long stay in the cache between the gather and the compare.
const FBY_BLOCK: usize = 1 << 14;

/// A constraint `a op (f;x) fby g` or `((f;x) fby g) op a`, `op` one of
/// `= <> < > <= >=`: the rows where it holds, without the vector of every
/// row's group value nor the booleans of every row. `fby` gives each
/// group's value and each row's group ([`crate::query::fby::fby_parts`]);
/// blocks of rows, in pieces on the pool, gather their groups' values and
/// compare them with their items of `a` by the comparison itself
/// (`cmp_values`, so types, nulls and the float tolerance are the
/// builtin's). Arguments are evaluated in the tree's order. `None` when
/// the constraint has another shape; its value ([`Fused::Mask`]) when
/// `fby`'s result is not one atom per group or `a` is not an atom or a
/// vector of the rows' count (the comparison then decides, or fails, as
/// it does on whole vectors).
fn fby_compare(it: &mut Interp, ctx: &mut Ctx, k: &Value) -> QResult<Option<Fused>> {
    use crate::ops::compare::Cmp;
    use crate::ops::compare::cmp_values;
    use crate::query::fby::Fby;
    let builtin = |v: &Value| match v {
        Value::Func(Func::Builtin(b)) => Some(b.name),
        _ => None,
    };
    let is_fby =
        |v: &Value| matches!(v, Value::List(l) if l.len() == 3 && builtin(&l[0]) == Some("fby"));
    let Value::List(l) = k else { return Ok(None) };
    if l.len() != 3 {
        return Ok(None);
    }
    let op = match builtin(&l[0]) {
        Some("=") => Cmp::Eq,
        Some("<>") => Cmp::Ne,
        Some("<") => Cmp::Lt,
        Some(">") => Cmp::Gt,
        Some("<=") => Cmp::Le,
        Some(">=") => Cmp::Ge,
        _ => return Ok(None),
    };
    // the side that is `fby`, and the comparison as `a op' fby`
    let (right, op) = if is_fby(&l[2]) {
        (true, op)
    } else if is_fby(&l[1]) {
        (false, op.flipped())
    } else {
        return Ok(None);
    };
    let fby_args = |it: &mut Interp, ctx: &mut Ctx| -> QResult<(Value, Value)> {
        let Value::List(f) = &l[if right { 2 } else { 1 }] else {
            return Err(QError::type_());
        };
        let spec = eval_tree(it, ctx, &f[1])?;
        Ok((spec, eval_tree(it, ctx, &f[2])?))
    };
    let (a, (spec, g)) = if right {
        let a = eval_tree(it, ctx, &l[1])?;
        (a, fby_args(it, ctx)?)
    } else {
        let fa = fby_args(it, ctx)?;
        (eval_tree(it, ctx, &l[2])?, fa)
    };
    it.tick()?;
    let n = ctx.count();
    let (ids, per) = match crate::query::fby::fby_parts(it, spec, g)? {
        Fby::Groups { ids, per } => (ids, per),
        Fby::Rows(v) => return cmp_values(op, a, v).map(|m| Some(Fused::Mask(m))),
    };
    let fits = match &a {
        Value::Atom(_) => true,
        Value::Vector(v) => v.len() == n,
        _ => false,
    };
    if !fits || ids.len() != n || !matches!(per, Value::Vector(_)) {
        let b = crate::query::fby::broadcast(&per, &ids);
        return cmp_values(op, a, b).map(|m| Some(Fused::Mask(m)));
    }
    let row = |i: usize| match &ctx.rows {
        Some(r) => r[i],
        None => i as i64,
    };
    // one block: the rows `lo..hi` where the comparison holds, into `out`
    let block = |lo: usize, hi: usize, out: &mut Vec<i64>| -> QResult<()> {
        let x = match &a {
            Value::Vector(_) => crate::ops::index::slice(&a, lo, hi),
            atom => atom.clone(),
        };
        let y = crate::query::fby::broadcast(&per, &ids[lo..hi]);
        match cmp_values(op, x, y)? {
            Value::Vector(b) if b.len() == hi - lo => {
                push_set(out, b.as_u8().unwrap_or(&[]), lo, &row);
                Ok(())
            }
            _ => Err(QError::type_()),
        }
    };
    let piece = |lo: usize, hi: usize| -> QResult<Vec<i64>> {
        let mut out = Vec::new();
        for b in (lo..hi).step_by(FBY_BLOCK) {
            if qcore::budget::stopping() {
                // given up: the result is discarded
                break;
            }
            block(b, (b + FBY_BLOCK).min(hi), &mut out)?;
        }
        Ok(out)
    };
    let kept = match crate::ops::par::piece_len(n) {
        None => piece(0, n)?,
        Some(step) => {
            use rayon::prelude::*;
            let parts = (0..n.div_ceil(step))
                .into_par_iter()
                .map(|p| piece(p * step, (p * step + step).min(n)))
                .collect::<QResult<Vec<_>>>()?;
            crate::ops::par::concat_rows(parts)
        }
    };
    Ok(Some(Fused::Rows(kept)))
}

/// `row(lo + i)` pushed to `out` for each `i` where `b[i]` is not zero, in
/// order: eight bytes tested at once, so a filter keeping few rows costs
/// about one instruction a row.
fn push_set(out: &mut Vec<i64>, b: &[u8], lo: usize, row: &impl Fn(usize) -> i64) {
    let words = b.chunks_exact(8);
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
    let at = b.len() - tail.len();
    for (j, &y) in tail.iter().enumerate() {
        if y != 0 {
            out.push(row(lo + at + j));
        }
    }
}

/// `row(i)` for each `i` where `b[i]` is not zero, in order: eight bytes
/// tested at once, so a filter keeping few rows costs about one
/// instruction a row; pieces of rows on the pool above the threshold.
fn set_rows(b: &[u8], row: impl Fn(usize) -> i64 + Sync) -> Vec<i64> {
    use rayon::prelude::*;
    let scan = |lo: usize, part: &[u8]| {
        let mut out = Vec::new();
        push_set(&mut out, part, lo, &row);
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
