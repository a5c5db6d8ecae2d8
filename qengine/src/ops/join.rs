//! Joining kernels: `,` on values ([`join_values`]: typed vectors
//! concatenated, mixed lists become general lists, tables append rows
//! when their columns match — `'mismatch` otherwise —, dictionaries and
//! keyed tables upsert by key) and [`positions`] (each probe item's
//! position among the keys, by hash), which the table joins `lj ij uj …`
//! in `builtins/join.rs` are built on.

use crate::ops::grade::cmp_atoms;
use crate::ops::hash::ValueIndex;
use crate::ops::hash::find_keys;
use crate::ops::hash::norm_f32;
use crate::ops::hash::norm_f64;
use crate::ops::hash::table_positions;
use crate::ops::hash::with_keys2;
use crate::ops::index::take_idx;
use crate::ops::make::as_list;
use crate::ops::make::atom_vec;
use crate::ops::make::enlist1;
use crate::ops::make::list_items;
use crate::ops::make::table_rows;
use crate::ops::par;
use qcore::Attr;
use qcore::Dict;
use qcore::Guid;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;

pub fn join_values(x: Value, y: Value) -> QResult<Value> {
    // `x,x` doubling in a loop (`{x,x} scan 1`) is `'wsfull`, not an abort
    let w = qcore::budget::item_width(&x).max(qcore::budget::item_width(&y));
    qcore::check_alloc(x.count().saturating_add(y.count()), w)?;
    match (x, y) {
        (Value::Dict(a), Value::Dict(b)) => dict_upsert(&a, &b),
        (Value::Table(a), Value::Table(b)) => {
            if a.names != b.names {
                return Err(QError::new("mismatch"));
            }
            let mut cols = Vec::with_capacity(a.columns.len());
            for (p, q) in a.columns.iter().zip(&b.columns) {
                cols.push(join_lists(p.clone(), q.clone()));
            }
            Ok(Value::table(a.names.clone(), cols))
        }
        (Value::Table(a), Value::Dict(b)) => {
            let names = match &b.keys {
                Value::Vector(k) => k.as_sym().map(|s| s.to_vec()),
                _ => None,
            };
            if names.as_deref() != Some(&a.names[..]) {
                return Err(QError::new("mismatch"));
            }
            let vals = b.values.items();
            let cols = a
                .columns
                .iter()
                .zip(vals)
                .map(|(c, v)| join_lists(c.clone(), enlist1(v)))
                .collect();
            Ok(Value::table(a.names.clone(), cols))
        }
        // an atom or a list of atoms does not join a dictionary (q's 'type)
        (Value::Atom(_), Value::Dict(_)) | (Value::Dict(_), Value::Atom(_)) => Err(QError::type_()),
        (Value::Vector(v), Value::Dict(_)) | (Value::Dict(_), Value::Vector(v))
            if !v.is_empty() =>
        {
            Err(QError::type_())
        }
        (x, y) => Ok(join_lists(x, y)),
    }
}

/// Concatenates two vectors of the same type (on the pool when long).
pub(crate) fn concat(a: &Vector, b: &Vector) -> Option<Vector> {
    let data = match (a.data(), b.data()) {
        (VecData::U8(p), VecData::U8(q)) => VecData::U8(par::concat2(&p[..], &q[..]).into()),
        (VecData::I16(p), VecData::I16(q)) => VecData::I16(par::concat2(&p[..], &q[..]).into()),
        (VecData::I32(p), VecData::I32(q)) => VecData::I32(par::concat2(&p[..], &q[..]).into()),
        (VecData::I64(p), VecData::I64(q)) => VecData::I64(par::concat2(&p[..], &q[..]).into()),
        (VecData::F32(p), VecData::F32(q)) => VecData::F32(par::concat2(&p[..], &q[..]).into()),
        (VecData::F64(p), VecData::F64(q)) => VecData::F64(par::concat2(&p[..], &q[..]).into()),
        (VecData::Guid(p), VecData::Guid(q)) => VecData::Guid(par::concat2(&p[..], &q[..]).into()),
        (VecData::Sym(p), VecData::Sym(q)) => VecData::Sym(par::concat2(&p[..], &q[..]).into()),
        _ => return None,
    };
    if a.data().known_no_nulls() && b.data().known_no_nulls() {
        data.set_no_nulls();
    }
    Vector::new(a.ty(), data)
}

/// Vectors of one type joined in one allocation (`None` when the types'
/// representations differ); the first one's type, no attribute.
pub(crate) fn concat_all(parts: &[&Vector]) -> Option<Vector> {
    macro_rules! cat {
        ($var:ident) => {{
            let total = parts.iter().map(|p| p.len()).sum();
            let mut out = Vec::with_capacity(total);
            for p in parts {
                match p.data() {
                    VecData::$var(b) => out.extend_from_slice(b),
                    _ => return None,
                }
            }
            VecData::$var(out.into())
        }};
    }
    let first = parts.first()?;
    let data = match first.data() {
        VecData::U8(_) => cat!(U8),
        VecData::I16(_) => cat!(I16),
        VecData::I32(_) => cat!(I32),
        VecData::I64(_) => cat!(I64),
        VecData::F32(_) => cat!(F32),
        VecData::F64(_) => cat!(F64),
        VecData::Guid(_) => cat!(Guid),
        VecData::Sym(_) => cat!(Sym),
    };
    if parts.iter().all(|p| p.data().known_no_nulls()) {
        data.set_no_nulls();
    }
    let mut v = Vector::new(first.ty(), data)?;
    v.set_domain(first.domain());
    // enumerations of one domain, every part's indexes known: so are the
    // result's
    if let Some(d) = first.domain() {
        let mut ix: Vec<i32> = Vec::new();
        let all = parts.iter().all(|p| {
            p.domain() == Some(d) && p.enum_index().map(|b| ix.extend_from_slice(b)).is_some()
        });
        if all {
            v.set_enum(d, ix.into());
        }
    }
    Some(v)
}

/// The attribute `a,b` keeps: q preserves `s#`, `u#` and `g#` on append
/// in memory when the result still has the property (`g#` always), and
/// drops `p#`.
pub(crate) fn appended_attr(a: &Vector, b: &Vector) -> Attr {
    match a.attr {
        Attr::Grouped => Attr::Grouped,
        Attr::Sorted => {
            let n = b.len();
            let joins = a.is_empty()
                || n == 0
                || cmp_atoms(&a.get(a.len() - 1), &b.get(0)) != std::cmp::Ordering::Greater;
            let sorted =
                (1..n).all(|i| cmp_atoms(&b.get(i - 1), &b.get(i)) != std::cmp::Ordering::Greater);
            if joins && sorted {
                Attr::Sorted
            } else {
                Attr::None
            }
        }
        Attr::Unique => {
            let bv = Value::Vector(b.clone());
            let clash = positions(&Value::Vector(a.clone()), &bv)
                .iter()
                .any(Option::is_some);
            let self_unique = positions(&bv, &bv)
                .iter()
                .enumerate()
                .all(|(i, p)| *p == Some(i));
            if !clash && self_unique {
                Attr::Unique
            } else {
                Attr::None
            }
        }
        Attr::Parted | Attr::None => Attr::None,
    }
}

/// Two vectors of one type joined: enumerations of one domain stay one
/// (their indexes joined when both know theirs); otherwise the items
/// (ref/join: "any enumerations are de-enumerated"). No attribute.
fn concat_enum(a: &Vector, b: &Vector) -> Option<Vector> {
    let mut v = concat(a, b)?;
    v.set_domain(if a.domain() == b.domain() {
        a.domain()
    } else {
        None
    });
    if let (Some(d), Some(p), Some(q)) = (v.domain(), a.enum_index(), b.enum_index()) {
        v.set_enum(d, [&p[..], &q[..]].concat().into());
    }
    Some(v)
}

pub(crate) fn join_lists(x: Value, y: Value) -> Value {
    let same = |a: Ty, b: Ty| a == b;
    match (&x, &y) {
        (Value::Vector(a), Value::Vector(b)) if same(a.ty(), b.ty()) => {
            if let Some(mut v) = concat_enum(a, b) {
                v.attr = appended_attr(a, b);
                return Value::Vector(v);
            }
        }
        (Value::Atom(a), Value::Vector(b)) if same(a.ty(), b.ty()) => {
            if let Some(v) = concat_enum(&atom_vec(*a), b) {
                return Value::Vector(v);
            }
        }
        (Value::Vector(a), Value::Atom(b)) if same(a.ty(), b.ty()) => {
            let b = atom_vec(*b);
            if let Some(mut v) = concat_enum(a, &b) {
                v.attr = appended_attr(a, &b);
                return Value::Vector(v);
            }
        }
        // two atoms make a vector when they are of one type, enumerated
        // atoms when of one domain; an enumerated atom and a symbol, or
        // enumerated atoms of two domains, a general list (ref/join)
        (Value::Atom(a), Value::Atom(b))
            if same(a.ty(), b.ty()) && a.enum_domain() == b.enum_domain() =>
        {
            if let Some(v) = concat_enum(&atom_vec(*a), &atom_vec(*b)) {
                return Value::Vector(v);
            }
        }
        (Value::List(l), _) if l.is_empty() => return as_list(y),
        (_, Value::List(l)) if l.is_empty() => return as_list(x),
        _ => {}
    }
    let mut items = list_items(x);
    items.extend(list_items(y));
    Value::list(items)
}

/// Positions in `keys` of each item of `probe` (`None` when absent),
/// comparing exactly; typed fast path when both are vectors of one type.
pub fn positions(keys: &Value, probe: &Value) -> Vec<Option<usize>> {
    let n = keys.count();
    if let (Value::Vector(k), Value::Vector(p)) = (keys, probe)
        && k.ty() == p.ty()
        && let Some(found) = with_keys2!(k, p, a, b => find_keys(a, b))
    {
        // on the pool like the search: a by key `exnames ex` looks up every row
        return crate::ops::par::map(&found, |i| (i < n as i64).then_some(i as usize));
    }
    if let (Value::Table(k), Value::Table(p)) = (keys, probe)
        && let Some(found) = table_positions(k, p)
    {
        return found;
    }
    let kitems = match keys {
        Value::Table(t) => table_rows(t),
        other => other.items(),
    };
    let pitems = match probe {
        Value::Table(t) => table_rows(t),
        other => other.items(),
    };
    let index = ValueIndex::new(&kitems);
    pitems.iter().map(|v| index.get(v)).collect()
}

pub(crate) fn dict_upsert(a: &Dict, b: &Dict) -> QResult<Value> {
    // `` cols!`t `` (flip splayed) has no items to join
    if matches!(a.values, Value::Atom(_)) || matches!(b.values, Value::Atom(_)) {
        return Err(QError::type_());
    }
    let pos = positions(&a.keys, &b.keys);
    let new_idx: Vec<i64> = pos
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(j, _)| j as i64)
        .collect();
    let keys = join_values(a.keys.clone(), take_idx(&b.keys, &new_idx))?;
    let values = match (&a.values, &b.values) {
        (Value::Table(av), Value::Table(bv)) => {
            if av.names != bv.names {
                return Err(QError::new("mismatch"));
            }
            let mut cols = Vec::with_capacity(av.columns.len());
            for (ac, bc) in av.columns.iter().zip(&bv.columns) {
                let replaced = replace_items(ac, bc, &pos);
                cols.push(join_lists(replaced, take_idx(bc, &new_idx)));
            }
            Value::table(av.names.clone(), cols)
        }
        (av, bv) => {
            let replaced = replace_items(av, bv, &pos);
            join_lists(replaced, take_idx(bv, &new_idx))
        }
    };
    Ok(Value::dict(keys, values))
}

/// `av` with item `pos[j]` replaced by item `j` of `bv`, for each matched j.
pub(crate) fn replace_items(av: &Value, bv: &Value, pos: &[Option<usize>]) -> Value {
    if pos.iter().all(Option::is_none) {
        return av.clone();
    }
    let mut items = av.items();
    for (j, p) in pos.iter().enumerate() {
        if let Some(i) = p
            && let Some(v) = bv.item(j)
        {
            items[*i] = v;
        }
    }
    match av {
        Value::Vector(v)
            if items
                .iter()
                .all(|a| matches!(a, Value::Atom(t) if t.ty() == v.ty())) =>
        {
            Value::from_items(items)
        }
        _ => Value::list(items),
    }
}

/// The as-of search of `aj`/`asof`: for each left row `i` (exact-key
/// group `groups[i]`, time `keys[i]`), the right row last among its
/// group's rows with a time at or before `keys[i]` (`-1`: none). The
/// right rows are bucketed by group (`offs`, `rows`, `times` their
/// times). Pieces of left rows run on the rayon pool. When every group's
/// times ascend (as `aj` expects), each piece keeps a cursor per group
/// and gallops forward from it while the left times ascend too, which
/// finds the same row as a binary search over the whole group without
/// its cache misses.
pub(crate) fn asof_rows(
    groups: &[u32],
    keys: &[i64],
    offs: &[usize],
    rows: &[u32],
    times: &[i64],
) -> Vec<i64> {
    use rayon::prelude::*;
    let ng = offs.len().saturating_sub(1);
    let ascending = |g: usize| times[offs[g]..offs[g + 1]].windows(2).all(|w| w[0] <= w[1]);
    let sorted = if crate::ops::par::piece_len(times.len()).is_some() {
        (0..ng).into_par_iter().all(ascending)
    } else {
        (0..ng).all(ascending)
    };
    let piece = |lo: usize, gs: &[u32]| -> Vec<i64> {
        // per group: (position found for the last key, that key)
        let mut cur: Vec<(usize, i64)> = if sorted {
            offs[..ng].iter().map(|&a| (a, i64::MIN)).collect()
        } else {
            Vec::new()
        };
        let mut out = Vec::with_capacity(gs.len());
        for (j, &g) in gs.iter().enumerate() {
            if qcore::budget::stop_at(j) {
                // given up: the result is discarded
                out.resize(gs.len(), -1);
                break;
            }
            let (a, b) = (offs[g as usize], offs[g as usize + 1]);
            let k = keys[lo + j];
            let p = match cur.get_mut(g as usize) {
                Some(c) if k >= c.1 => {
                    let p = gallop(&times[c.0..b], k) + c.0;
                    *c = (p, k);
                    p
                }
                Some(c) => {
                    let p = a + times[a..b].partition_point(|&x| x <= k);
                    *c = (p, k);
                    p
                }
                None => a + times[a..b].partition_point(|&x| x <= k),
            };
            out.push(if p == a { -1 } else { rows[p - 1] as i64 });
        }
        out
    };
    match crate::ops::par::piece_len(groups.len()) {
        None => piece(0, groups),
        Some(step) => {
            // the pieces put together on the pool too
            let parts = groups
                .par_chunks(step)
                .enumerate()
                .map(|(p, gs)| piece(p * step, gs))
                .collect::<Vec<_>>();
            crate::ops::par::concat_rows(parts)
        }
    }
}

/// The as-of search of [`asof_rows`] by one merge of the two tables in
/// time order, when the left keys and the right times each ascend over
/// the whole table (trades and quotes of a day in time order): walking
/// the right rows as the left keys pass them, the last right row seen of
/// each group is the last of the group at or before the key — the row
/// [`asof_rows`] finds, since each group's times ascend too. Every read
/// is sequential (the right rows in table order, no bucketing by group,
/// no gather of the times in group order: those were cache misses a row),
/// and the only random access is the table of each group's last row.
/// `None` when a side does not ascend (or the right side has `u32::MAX`
/// rows or more), for [`asof_rows`] to search instead.
///
/// On the pool, the left rows go in pieces: each piece starts at the
/// right rows at or before its first key, with each group's last row
/// before that found from the pieces before it (each piece's own last
/// row per group over its span of right rows, in parallel, then carried
/// forward piece by piece).
pub(crate) fn asof_merge<K: Copy + Ord + Sync>(
    groups: &[u32],
    keys: &[K],
    rgroups: &[u32],
    rtimes: &[K],
    ng: usize,
) -> Option<Vec<i64>> {
    use rayon::prelude::*;
    const NONE: u32 = u32::MAX;
    let (n, m) = (keys.len(), rtimes.len());
    if m >= NONE as usize || !ascends(keys) || !ascends(rtimes) {
        return None;
    }
    // left rows `lo..` into `out`, from right row `j` with each group's
    // last right row before `j` in `last`
    let run =
        |lo: usize, hi: usize, mut j: usize, last: &mut [u32], out: &mut par::Piece<'_, i64>| {
            for i in lo..hi {
                if qcore::budget::stop_at(i) {
                    // given up: the result is discarded
                    break;
                }
                let k = keys[i];
                while j < m && rtimes[j] <= k {
                    last[rgroups[j] as usize] = j as u32;
                    j += 1;
                }
                let r = last[groups[i] as usize];
                out.push(if r == NONE { -1 } else { r as i64 });
            }
        };
    // as many pieces as the split of both sides' rows makes, each with a
    // table of the groups: only when the tables are smaller than the rows
    let pieces = par::piece_len(n + m)
        .map(|s| (n + m).div_ceil(s))
        .filter(|&p| p > 1 && n >= p && ng.saturating_mul(p) <= n + m);
    let Some(pieces) = pieces else {
        return Some(par::write_pieces(n, None, -1, |_, _, out| {
            run(0, n, 0, &mut vec![NONE; ng], out)
        }));
    };
    let step = n.div_ceil(pieces);
    // piece p's first right row: the first after its first key
    let starts: Vec<usize> = (0..n)
        .step_by(step)
        .map(|lo| match lo {
            0 => 0,
            _ => rtimes.partition_point(|&t| t <= keys[lo]),
        })
        .chain([m])
        .collect();
    // each piece's last right row per group over its span (the last
    // piece's is needed by none)
    let mut lasts: Vec<Vec<u32>> = starts
        .par_windows(2)
        .take(starts.len() - 2)
        .map(|w| {
            let mut last = vec![NONE; ng];
            for (j, &g) in rgroups[w[0]..w[1]].iter().enumerate() {
                last[g as usize] = (w[0] + j) as u32;
            }
            last
        })
        .collect();
    // carried forward: table p becomes the last row per group before
    // piece p + 1's start
    for p in 1..lasts.len() {
        let (done, rest) = lasts.split_at_mut(p);
        rest[0]
            .par_iter_mut()
            .zip(done[p - 1].par_iter())
            .with_min_len(1 << 16)
            .for_each(|(x, &y)| {
                if *x == NONE {
                    *x = y;
                }
            });
    }
    lasts.insert(0, vec![NONE; ng]);
    // each piece starts from its own copy of the table (at most the rows'
    // size in all: see `pieces`)
    Some(par::write_pieces(n, Some(step), -1, |p, lo, out| {
        let mut last = lasts[p].clone();
        run(lo, (lo + step).min(n), starts[p], &mut last, out)
    }))
}

/// Whether the items of `xs` never descend (checked in pieces on the
/// pool for long vectors, each piece overlapping the next by one item).
fn ascends<K: Copy + Ord + Sync>(xs: &[K]) -> bool {
    use rayon::prelude::*;
    let seq = |s: &[K]| s.windows(2).all(|w| w[0] <= w[1]);
    match par::piece_len(xs.len()) {
        None => seq(xs),
        Some(step) => (0..xs.len().div_ceil(step))
            .into_par_iter()
            .all(|p| seq(&xs[p * step..(p * step + step + 1).min(xs.len())])),
    }
}

/// The number of leading items of the ascending `s` at or below `k`,
/// found by doubling steps from the front, then a binary search.
fn gallop(s: &[i64], k: i64) -> usize {
    let mut hi = 1;
    while hi <= s.len() && s[hi - 1] <= k {
        hi *= 2;
    }
    let lo = hi / 2;
    let hi = hi.min(s.len());
    lo + s[lo..hi].partition_point(|&x| x <= k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::xorshift as rng;

    /// Ascending times with ties and leading nulls (`i64::MIN`).
    fn times(rnd: &mut impl FnMut(u64) -> u64, n: usize) -> Vec<i64> {
        let mut t: Vec<i64> = (0..n)
            .map(|_| match rnd(20) {
                0 => i64::MIN,
                _ => rnd(n as u64 / 2 + 1) as i64,
            })
            .collect();
        t.sort_unstable();
        t
    }

    /// The merge of two tables in time order finds, on one thread and on
    /// three with pieces of a few rows, the row the search by group finds
    /// and the brute-force answer: the last right row of the left row's
    /// group at or before its time (groups with no right rows included);
    /// a side out of order is left to the search.
    #[test]
    fn asof_merge_is_the_search_by_group() {
        let _g = par::switch_lock();
        let mut rnd = rng(0xa5_0f_ae_12);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("pool");
        for (n, m, ng) in [
            (0usize, 0usize, 1usize),
            (0, 5, 2),
            (5, 0, 2),
            (1, 1, 1),
            (3000, 2000, 1),
            (2000, 3000, 7),
            (4000, 4000, 300),
            (5000, 100, 40),
        ] {
            let keys = times(&mut rnd, n);
            let rtimes = times(&mut rnd, m);
            let groups: Vec<u32> = (0..n).map(|_| rnd(ng as u64) as u32).collect();
            // the last group has no right rows
            let rgroups: Vec<u32> = (0..m)
                .map(|_| rnd(ng.saturating_sub(1).max(1) as u64) as u32)
                .collect();
            let want: Vec<i64> = (0..n)
                .map(|i| {
                    (0..m)
                        .rev()
                        .find(|&j| rgroups[j] == groups[i] && rtimes[j] <= keys[i])
                        .map_or(-1, |j| j as i64)
                })
                .collect();
            let (offs, rows) = par::bucket(&rgroups, ng);
            let rt: Vec<i64> = rows.iter().map(|&r| rtimes[r as usize]).collect();
            assert_eq!(asof_rows(&groups, &keys, &offs, &rows, &rt), want);
            assert_eq!(
                asof_merge(&groups, &keys, &rgroups, &rtimes, ng),
                Some(want.clone())
            );
            par::set_par_rows(2);
            let got = pool.install(|| asof_merge(&groups, &keys, &rgroups, &rtimes, ng));
            par::set_par_rows(par::PAR_ROWS);
            assert_eq!(got, Some(want), "{n} {m} {ng}");
        }
        // out of order on either side: no merge
        assert_eq!(asof_merge(&[0, 0], &[2, 1], &[0], &[1], 1), None);
        assert_eq!(asof_merge(&[0], &[2], &[0, 0], &[3, 1], 1), None);
    }
}
