//! By clauses: the rows of a table grouped by the values of its key columns.

use super::*;

/// Groups of the rows in view by the by-expressions: the key columns (one
/// row per group, groups in ascending key order) and each group's table
/// row indexes (in table order).
pub struct Groups {
    pub keys: Vec<Value>,
    pub rows: Vec<Arc<Vec<i64>>>,
    /// Group position of each row in view.
    pub ids: Vec<u32>,
}

/// Combines per-column group ids into tuple ids.
pub(crate) fn combine_ids(a: &[u32], b: &[u32]) -> (Vec<u32>, Vec<usize>) {
    let mut map: HashMap<(u32, u32), u32> = HashMap::new();
    let mut ids = Vec::with_capacity(a.len());
    let mut firsts = Vec::new();
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        let next = firsts.len() as u32;
        let id = *map.entry((x, y)).or_insert_with(|| {
            firsts.push(i);
            next
        });
        ids.push(id);
    }
    (ids, firsts)
}

/// Broadcasts an atom to `n` items; lists must have `n` items.
pub(crate) fn fit(v: Value, n: usize) -> QResult<Value> {
    match v {
        Value::Atom(a) => Ok(take_idx(
            &Value::Vector(crate::ops::make::atom_vec(a)),
            &vec![0; n],
        )),
        v if v.count() == n && (v.is_list() || matches!(v, Value::Table(_))) => Ok(v),
        Value::Vector(_) | Value::List(_) | Value::Table(_) => Err(QError::length()),
        other => Ok(Value::list(vec![other; n])),
    }
}

/// Groups the rows in view by the key columns `kv` (each with one item
/// per row in view): group ids by the one grouping engine
/// ([`group_ids`]: dense ids or hashing, on all cores for long columns),
/// several keys as the rows of one table; groups in ascending key order.
pub fn group_rows(it: &mut Interp, kv: &[Value], row_ids: &[i64]) -> QResult<Groups> {
    let g = group_keys(it, kv, row_ids.len())?;
    let (rows, _) = crate::ops::group::group_rows_of(&g.ids, g.ngroups, |r| row_ids[r]);
    Ok(Groups {
        keys: g.keys,
        rows: rows.into_iter().map(Arc::new).collect(),
        ids: g.ids,
    })
}

/// The groups of `n` rows by the key columns `kv`, without their row
/// lists: the key columns (one row per group, ascending key order), each
/// row's group (its rank in that order) and the number of groups.
pub struct GroupIds {
    pub keys: Vec<Value>,
    pub ids: Vec<u32>,
    pub ngroups: usize,
}

/// [`group_rows`] up to the groups' ids: what `update … by` needs to put
/// group-wise results back (`query::groupwise::Placement`).
pub fn group_keys(it: &mut Interp, kv: &[Value], n: usize) -> QResult<GroupIds> {
    let (mut ids, firsts) = match kv {
        [] => (vec![0u32; n], if n > 0 { vec![0] } else { vec![] }),
        [k] => group_ids(k)?,
        _ => key_ids(kv)?,
    };
    it.tick()?;
    let fidx: Vec<i64> = firsts.iter().map(|&i| i as i64).collect();
    let keys: Vec<Value> = kv.iter().map(|k| take_idx(k, &fidx)).collect();
    // ascending key order
    let order: Vec<usize> = if keys.is_empty() {
        (0..firsts.len()).collect()
    } else {
        let kt = Value::table(
            (0..keys.len())
                .map(|i| Sym::new(&format!("k{i}")))
                .collect(),
            keys.clone(),
        );
        crate::ops::grade::grade(&kt, false)?
    };
    let mut rank = vec![0u32; order.len()];
    for (r, &g) in order.iter().enumerate() {
        rank[g] = r as u32;
    }
    let oidx: Vec<i64> = order.iter().map(|&g| g as i64).collect();
    let keys = keys.iter().map(|k| take_idx(k, &oidx)).collect();
    ids = crate::ops::par::map(&ids, |id| rank[id as usize]);
    Ok(GroupIds {
        keys,
        ids,
        ngroups: order.len(),
    })
}

/// Group ids of the tuples of several key columns: the rows of the table
/// they make (one pass, dense composite ids when the ranges allow), or
/// column by column when a key is not a list.
pub(crate) fn key_ids(kv: &[Value]) -> QResult<(Vec<u32>, Vec<usize>)> {
    let n = kv.first().map_or(0, Value::count);
    let lists = kv
        .iter()
        .all(|k| matches!(k, Value::Vector(_) | Value::List(_)) && k.count() == n);
    if lists {
        let names = (0..kv.len()).map(|i| Sym::new(&format!("k{i}"))).collect();
        return group_ids(&Value::table(names, kv.to_vec()));
    }
    let (mut ids, mut firsts) = group_ids(&kv[0])?;
    for k in &kv[1..] {
        let (b, _) = group_ids(k)?;
        (ids, firsts) = combine_ids(&ids, &b);
    }
    Ok((ids, firsts))
}

// ---------------------------------------------------------------------------
// Select phrase helpers
