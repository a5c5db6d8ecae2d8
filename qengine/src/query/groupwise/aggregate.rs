//! `select … by`: aggregates over group-wise items computed over the whole
//! view and split by group (an aggregate of `sums x`, `x-prior x`, top-n
//! per group by a bounded selection), beside [`super`]'s uniform keywords
//! per group.

use super::*;

/// Keywords that apply item by item, so over the whole view they give
/// what they give over each group's rows, concatenated.
const ATOMIC_MONADS: &[&str] = &[
    "neg",
    "abs",
    "sqrt",
    "exp",
    "log",
    "floor",
    "ceiling",
    "signum",
    "not",
    "null",
    "reciprocal",
];

/// Dyads that apply item by item (beside [`ATOMIC_DYADS`]).
const MORE_ATOMIC_DYADS: &[&str] = &["^", "mod", "div", "xbar"];

/// Whether the builtin `name` of `args` arguments applies item by item.
fn is_atomic(name: &str, args: usize) -> bool {
    match args {
        1 => ATOMIC_MONADS.contains(&name),
        2 => ATOMIC_DYADS.contains(&name) || MORE_ATOMIC_DYADS.contains(&name),
        _ => false,
    }
}

/// Whether `` t$x `` converts item by item: the target names a numeric,
/// temporal, boolean, byte or char type by lower-case letter or name
/// (an upper-case letter parses strings, `` ` ``/`"s"` make symbols).
fn atomic_cast(t: &Value) -> bool {
    const NAMES: &[&str] = &[
        "boolean",
        "byte",
        "short",
        "int",
        "long",
        "real",
        "float",
        "char",
        "timestamp",
        "month",
        "date",
        "datetime",
        "timespan",
        "minute",
        "second",
        "time",
    ];
    match t {
        Value::Atom(Atom::Symbol(s)) => NAMES.contains(&s.as_str()),
        Value::Atom(Atom::Char(c)) => b"bxhijefcpmdznuvt".contains(c),
        _ => false,
    }
}

/// Whether the tree `l` (head named `name`) applies its function item by
/// item: an atomic keyword or operator, or a cast to a type that converts
/// item by item.
pub(super) fn item_by_item(name: &str, l: &[Value]) -> bool {
    is_atomic(name, l.len() - 1)
        || (name == "$" && l.len() == 3 && constant(&l[1]).is_some_and(|t| atomic_cast(&t)))
}

/// A constant of a parse tree: what [`crate::query::qsql::eval_tree`]
/// gives for it without looking at the table (symbols are names).
pub(super) fn constant(e: &Value) -> Option<Value> {
    match e {
        Value::Atom(Atom::Symbol(_)) => None,
        Value::Atom(_) => Some(e.clone()),
        Value::Vector(v) if v.ty() == Ty::Symbol && v.len() == 1 => Some(Value::Atom(v.get(0))),
        Value::Vector(_) => Some(e.clone()),
        Value::List(l) if l.len() == 1 => Some(l[0].clone()),
        _ => None,
    }
}

/// A non-negative integer atom.
fn count_atom(v: &Value) -> Option<usize> {
    match v {
        Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_))) if !a.is_null() => {
            usize::try_from(a.to_i64()?).ok()
        }
        _ => None,
    }
}

/// Items of an expression evaluated group-wise: one per row in view (`ids`
/// `None`: row `i`'s group is `pl.ids[i]`), or, after a per-group drop or
/// selection, some of them in row order with their groups.
pub(crate) struct Items {
    v: Vector,
    ids: Option<Vec<u32>>,
}

impl Items {
    fn ids<'p>(&'p self, pl: &'p Placement) -> &'p [u32] {
        self.ids.as_deref().unwrap_or(pl.ids)
    }
}

/// An argument of a group-wise aggregate.
enum Arg {
    Const(Value),
    Items(Items),
}

/// `e` as group-wise items: what [`eval`] gives (group-wise kernels,
/// item-by-item functions) as a vector of the rows in view, `n _ x` per
/// group, and item-by-item functions of such items and constants.
fn items(it: &mut Interp, ctx: &mut Ctx, e: &Value, pl: &Placement) -> QResult<Option<Items>> {
    let n = pl.ids.len();
    if let Value::List(l) = e
        && (l.len() == 2 || l.len() == 3)
        && let Some(f) = builtin_of(it, ctx, &l[0])
        && let Some(name) = name_of(&f)
    {
        if name == "_" && l.len() == 3 {
            let Some(k) = constant(&l[1]) else {
                return Ok(None);
            };
            let Some(x) = items(it, ctx, &l[2], pl)? else {
                return Ok(None);
            };
            return Ok(drop_by(&k, x, pl));
        }
        if item_by_item(name, l) {
            let mut args = Vec::with_capacity(2);
            let mut ids: Option<Vec<u32>> = None;
            let mut any = false;
            for a in &l[1..] {
                if let Some(c) = constant(a) {
                    if !matches!(c, Value::Atom(_)) {
                        return Ok(None);
                    }
                    args.push(c);
                    continue;
                }
                let Some(x) = items(it, ctx, a, pl)? else {
                    return Ok(None);
                };
                if x.ids.is_some() {
                    // one operand of a subset of rows: its layout is the result's
                    if any || ids.is_some() {
                        return Ok(None);
                    }
                    ids = x.ids;
                } else if ids.is_some() {
                    return Ok(None);
                }
                any = true;
                args.push(Value::Vector(x.v));
            }
            if !any {
                return Ok(None);
            }
            let len = ids.as_ref().map_or(n, Vec::len);
            return Ok(match apply(it, &f, args)? {
                Value::Vector(v) if v.len() == len => Some(Items { v, ids }),
                _ => None,
            });
        }
    }
    Ok(match eval(it, ctx, e, pl)? {
        Some(Value::Vector(v)) if v.len() == n => Some(Items { v, ids: None }),
        _ => None,
    })
}

/// `k _ x` in each group: the group's first `k` items dropped (its last
/// `-k` for a negative `k`).
fn drop_by(k: &Value, x: Items, pl: &Placement) -> Option<Items> {
    let k = match k {
        Value::Atom(a @ (Atom::Short(_) | Atom::Int(_) | Atom::Long(_))) if !a.is_null() => {
            a.to_i64()?
        }
        _ => return None,
    };
    let ids = x.ids(pl);
    let ng = pl.ngroups();
    // whether each item stays: its rank in its group against `k`
    let mut rank = vec![0i64; ng];
    let keep: Vec<bool> = if k >= 0 {
        ids.iter()
            .map(|&g| {
                let r = &mut rank[g as usize];
                *r += 1;
                *r > k
            })
            .collect()
    } else {
        let mut count = vec![0i64; ng];
        for &g in ids {
            count[g as usize] += 1;
        }
        ids.iter()
            .map(|&g| {
                let r = &mut rank[g as usize];
                *r += 1;
                *r <= count[g as usize] + k
            })
            .collect()
    };
    fn kept<T: Copy>(s: &[T], keep: &[bool], n: usize) -> Vec<T> {
        let mut out = Vec::with_capacity(n);
        for (&v, &k) in s.iter().zip(keep) {
            if k {
                out.push(v);
            }
        }
        out
    }
    let n = keep.iter().filter(|&&k| k).count();
    let new_ids = kept(ids, &keep, n);
    let mut v = crate::ops::hash::map_vec!(&x.v, s => kept(s, &keep, n));
    v.set_domain(x.v.domain());
    Some(Items {
        v,
        ids: Some(new_ids),
    })
}

/// The function a parse tree's head names: a builtin, or a name that is
/// not a column and holds a function.
fn func_of(it: &Interp, ctx: &Ctx, f: &Value) -> Option<Value> {
    match f {
        Value::Func(_) => Some(f.clone()),
        Value::Atom(Atom::Symbol(s)) if ctx.t.column(*s).is_none() => {
            match crate::query::qsql::resolve_name(it, *s).ok()? {
                v @ Value::Func(_) => Some(v),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A `select … by` column evaluated over the whole view instead of once
/// per group: `f[a; b; …]` whose arguments are group-wise [`items`] (all
/// of one layout) or constants gives one value per group (groups in id
/// order), the value `f` gives over the group's items. Known aggregates
/// (`count sum avg max min first last med wavg wsum`) fold per group in
/// one pass; `n sublist desc x`/`n#asc x` (either sort, either prefix)
/// keep each group's first `n` of the sort by a bounded selection; any
/// other `f` is applied to each group's slice of one gather of its
/// arguments in group order. `None` when `e` is not of that form (the
/// caller evaluates it per group).
pub(crate) fn aggregate(
    it: &mut Interp,
    ctx: &mut Ctx,
    e: &Value,
    pl: &Placement,
) -> QResult<Option<Value>> {
    let Value::List(l) = e else {
        return Ok(None);
    };
    if l.len() < 2 || pl.ngroups() == 0 {
        return Ok(None);
    }
    let Some(f) = func_of(it, ctx, &l[0]) else {
        return Ok(None);
    };
    if let Some(v) = top_n(it, ctx, &f, l, pl)? {
        return Ok(Some(v));
    }
    let mut args = Vec::with_capacity(l.len() - 1);
    let mut sparse = 0;
    let mut full = 0;
    for a in &l[1..] {
        if let Some(c) = constant(a) {
            args.push(Arg::Const(c));
            continue;
        }
        let Some(x) = items(it, ctx, a, pl)? else {
            return Ok(None);
        };
        if x.ids.is_some() {
            sparse += 1;
        } else {
            full += 1;
        }
        args.push(Arg::Items(x));
    }
    // one layout: every argument over all rows, or one over some of them
    if sparse + full == 0 || (sparse > 0 && sparse + full > 1) {
        return Ok(None);
    }
    if let Some(name) = name_of(&f)
        && let Some(v) = fold(name, &args, pl)?
    {
        return Ok(Some(v));
    }
    per_group(it, &f, args, pl).map(Some)
}

/// `f` applied to each group's part of `args` (the items gathered once in
/// group order, each group's a window of that), one result per group.
fn per_group(it: &mut Interp, f: &Value, args: Vec<Arg>, pl: &Placement) -> QResult<Value> {
    let own;
    let (offs, perm) = match args.iter().find_map(|a| match a {
        Arg::Items(Items { ids: Some(ids), .. }) => Some(ids),
        _ => None,
    }) {
        Some(ids) => {
            own = crate::ops::par::bucket(ids, pl.ngroups());
            (&own.0, &own.1)
        }
        None => {
            let (o, p) = pl.sorted();
            (o, p)
        }
    };
    let order: Vec<i64> = crate::ops::par::map(perm, |p| p as i64);
    let by_group: Vec<Option<Value>> = args
        .iter()
        .map(|a| match a {
            Arg::Items(x) => Some(take_idx(&Value::Vector(x.v.clone()), &order)),
            Arg::Const(_) => None,
        })
        .collect();
    drop(order);
    let mut vals = Vec::with_capacity(pl.ngroups());
    for w in offs.windows(2) {
        it.tick()?;
        let part = args
            .iter()
            .zip(&by_group)
            .map(|(a, g)| match (a, g) {
                (_, Some(v)) => crate::ops::index::window(v, w[0], w[1]),
                (Arg::Const(c), None) => c.clone(),
                (Arg::Items(_), None) => Value::Nil,
            })
            .collect();
        vals.push(crate::builtins::apply::apply_in_tree(it, f, part)?);
    }
    Ok(crate::query::qsql::collect_column(vals, Value::Nil))
}

/// Known aggregates of group-wise items folded per group in one pass in
/// row order, with the arithmetic of the builtin over one group's items
/// (float `sum`/`avg` through `Lanes`, `wavg`/`wsum` in row order, `med`
/// by `med_of` on each group's items, the groups on all cores). `None`
/// for any other function, argument type or shape.
fn fold(name: &str, args: &[Arg], pl: &Placement) -> QResult<Option<Value>> {
    let ng = pl.ngroups();
    let xs: Vec<&Items> = args
        .iter()
        .filter_map(|a| match a {
            Arg::Items(x) => Some(x),
            Arg::Const(_) => None,
        })
        .collect();
    if xs.len() != args.len() {
        return Ok(None);
    }
    let out = match (name, &xs[..]) {
        ("count", [x]) => {
            let mut c = vec![0i64; ng];
            for &g in x.ids(pl) {
                c[g as usize] += 1;
            }
            Vector::longs(c)
        }
        ("first" | "last", [x]) if x.ids.is_none() => {
            let rows = if name == "first" {
                pl.first_rows()
            } else {
                let mut last = vec![-1i64; ng];
                for (i, &g) in pl.ids.iter().enumerate() {
                    last[g as usize] = i as i64;
                }
                last
            };
            let mut v = gather(&x.v, &rows);
            v.set_domain(x.v.domain());
            v
        }
        ("sum" | "avg", [x]) if x.v.domain().is_none() => {
            use crate::ops::lanes::Lanes;
            let avg = name == "avg";
            let ids = x.ids(pl);
            match (x.v.ty(), x.v.data()) {
                (Ty::Float, VecData::F64(b)) => {
                    let mut acc = vec![Lanes::default(); ng];
                    for (&v, &g) in b.iter().zip(ids) {
                        acc[g as usize].push(v);
                    }
                    Vector::floats(lanes_result(&acc, avg))
                }
                (Ty::Long, VecData::I64(b)) if avg => {
                    let mut acc = vec![Lanes::default(); ng];
                    for (&v, &g) in b.iter().zip(ids) {
                        acc[g as usize].push(v);
                    }
                    Vector::floats(lanes_result(&acc, avg))
                }
                (Ty::Long, VecData::I64(b)) => {
                    let mut acc = vec![0i64; ng];
                    for (&v, &g) in b.iter().zip(ids) {
                        if v != NJ {
                            acc[g as usize] = acc[g as usize].wrapping_add(v);
                        }
                    }
                    Vector::longs(acc)
                }
                _ => return Ok(None),
            }
        }
        ("max" | "min", [x]) if x.v.domain().is_none() => {
            let max = name == "max";
            let ids = x.ids(pl);
            let t = x.v.ty();
            match x.v.data() {
                VecData::I64(b) if matches!(t, Ty::Long | Ty::Timestamp | Ty::Timespan) => {
                    let init = if max { -i64::MAX } else { i64::MAX };
                    let mut acc = vec![init; ng];
                    for (&v, &g) in b.iter().zip(ids) {
                        let a = &mut acc[g as usize];
                        if v != NJ && ((max && v > *a) || (!max && v < *a)) {
                            *a = v;
                        }
                    }
                    Vector::from_i64(t, acc)
                }
                VecData::F64(b) if matches!(t, Ty::Float | Ty::Datetime) => {
                    let init = if max {
                        f64::NEG_INFINITY
                    } else {
                        f64::INFINITY
                    };
                    let mut acc = vec![init; ng];
                    for (&v, &g) in b.iter().zip(ids) {
                        let a = &mut acc[g as usize];
                        if (max && v > *a) || (!max && v < *a) {
                            *a = v;
                        }
                    }
                    // `minmax_f64`'s lanes may keep `-0.0` where a fold in
                    // order keeps `0.0`: a zero extreme goes the long way
                    if acc.contains(&0.0) {
                        return Ok(None);
                    }
                    Vector::from_f64(t, acc)
                }
                _ => return Ok(None),
            }
        }
        ("med", [x]) if x.v.domain().is_none() && !matches!(x.v.ty(), Ty::Symbol | Ty::Guid) => {
            use rayon::prelude::*;
            let own;
            let (offs, perm) = match &x.ids {
                Some(ids) => {
                    own = crate::ops::par::bucket(ids, ng);
                    (&own.0, &own.1)
                }
                None => {
                    let (o, p) = pl.sorted();
                    (o, p)
                }
            };
            let order: Vec<i64> = crate::ops::par::map(perm, |p| p as i64);
            let mut by_group = f64s(&gather(&x.v, &order), true)?;
            drop(order);
            let mut parts: Vec<&mut [f64]> = Vec::with_capacity(ng);
            let mut rest: &mut [f64] = &mut by_group;
            for w in offs.windows(2) {
                let (a, b) = rest.split_at_mut(w[1] - w[0]);
                parts.push(a);
                rest = b;
            }
            Vector::floats(
                parts
                    .into_par_iter()
                    .map(crate::builtins::math::stats::med_of)
                    .collect(),
            )
        }
        ("wavg" | "wsum", [x, y]) if x.ids.is_none() && y.ids.is_none() => {
            let (p, q) = (f64s(&x.v, false)?, f64s(&y.v, false)?);
            let mut acc = vec![(0f64, 0f64); ng];
            for ((&u, &v), &g) in p.iter().zip(&q).zip(pl.ids) {
                if !u.is_nan() && !v.is_nan() {
                    let a = &mut acc[g as usize];
                    a.0 += u * v;
                    a.1 += u;
                }
            }
            let wavg = name == "wavg";
            Vector::floats(
                acc.iter()
                    .map(|&(s, w)| if wavg { s / w } else { s })
                    .collect(),
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(Value::Vector(out)))
}

/// Each group's `sum` (or `avg`) from its lanes.
fn lanes_result(acc: &[crate::ops::lanes::Lanes], avg: bool) -> Vec<f64> {
    acc.iter()
        .map(|l| match (avg, l.count()) {
            (true, 0) => f64::NAN,
            (true, c) => l.total() / c as f64,
            (false, _) => l.total(),
        })
        .collect()
}

/// Largest prefix `n` a grouped top-n keeps per group.
const TOP_N_MAX: usize = 1024;

/// `n sublist s x` or `n#s x` (`s` is `asc` or `desc`, `x` group-wise
/// items over every row, `n` a small non-negative count): the prefix of
/// each group's sort depends only on the group's first `n` items of the
/// stable sort, so those are found by a bounded selection per group
/// (pieces of rows on all cores, merged), and the expression is then
/// applied as written to each group's selected items in row order (their
/// stable sort is the prefix of the group's; `#` past a group's count
/// cycles through all of its items, which are then all selected).
fn top_n(
    it: &mut Interp,
    ctx: &mut Ctx,
    f: &Value,
    l: &[Value],
    pl: &Placement,
) -> QResult<Option<Value>> {
    if l.len() != 3 || !matches!(name_of(f), Some("#" | "sublist")) {
        return Ok(None);
    }
    let Some(k) = constant(&l[1]) else {
        return Ok(None);
    };
    let Some(n) = count_atom(&k).filter(|&n| n <= TOP_N_MAX) else {
        return Ok(None);
    };
    let Value::List(inner) = &l[2] else {
        return Ok(None);
    };
    if inner.len() != 2 {
        return Ok(None);
    }
    let Some(s) = builtin_of(it, ctx, &inner[0]) else {
        return Ok(None);
    };
    let desc = match name_of(&s) {
        Some("desc") => true,
        Some("asc") => false,
        _ => return Ok(None),
    };
    let ng = pl.ngroups();
    let rows = pl.ids.len();
    if ng.saturating_mul(n) > rows.max(4096) {
        return Ok(None);
    }
    let Some(x) = items(it, ctx, &inner[1], pl)? else {
        return Ok(None);
    };
    if x.ids.is_some() || x.v.domain().is_some() {
        return Ok(None);
    }
    let Some(keep) = top_rows(&x.v, desc, n, pl) else {
        return Ok(None);
    };
    let ids = keep.iter().map(|&i| pl.ids[i as usize]).collect();
    let mut v = gather(&x.v, &keep);
    v.set_domain(x.v.domain());
    let sort = crate::registry::func(
        crate::registry::lookup(if desc { "desc" } else { "asc" }).ok_or_else(QError::type_)?,
    );
    let sorted = per_group(it, &sort, vec![Arg::Items(Items { v, ids: Some(ids) })], pl)?;
    let mut vals = Vec::with_capacity(ng);
    for g in 0..ng {
        let part = sorted.item(g).unwrap_or(Value::Nil);
        vals.push(crate::builtins::apply::apply_in_tree(
            it,
            f,
            vec![k.clone(), part],
        )?);
    }
    Ok(Some(crate::query::qsql::collect_column(vals, Value::Nil)))
}

/// The rows in view (ascending) that are among their group's first `n` of
/// the stable sort of `x` (by value, then row), or `None` for a type
/// without an order key here.
fn top_rows(x: &Vector, desc: bool, n: usize, pl: &Placement) -> Option<Vec<i64>> {
    use crate::ops::grade::f64_key;
    fn sel<T: Copy + Sync>(
        b: &[T],
        ids: &[u32],
        ng: usize,
        n: usize,
        key: impl Fn(T) -> u64 + Sync,
    ) -> Vec<i64> {
        use rayon::prelude::*;
        use std::collections::BinaryHeap;
        // each group's `n` smallest (key, row) pairs seen so far
        let piece = |lo: usize, b: &[T], ids: &[u32]| -> Vec<BinaryHeap<(u64, u32)>> {
            let mut heaps: Vec<BinaryHeap<(u64, u32)>> = vec![BinaryHeap::new(); ng];
            let mut worst = vec![u64::MAX; ng];
            for (j, (&v, &g)) in b.iter().zip(ids).enumerate() {
                let g = g as usize;
                let kk = key(v);
                // later rows lose ties: only a strictly smaller key enters
                if kk >= worst[g] {
                    continue;
                }
                let h = &mut heaps[g];
                let row = (lo + j) as u32;
                if h.len() < n {
                    h.push((kk, row));
                } else if let Some(mut top) = h.peek_mut() {
                    *top = (kk, row);
                }
                if h.len() == n {
                    worst[g] = h.peek().map_or(u64::MAX, |t| t.0);
                }
            }
            heaps
        };
        let heaps = match crate::ops::par::piece_len(b.len()) {
            Some(step) => b
                .par_chunks(step)
                .zip(ids.par_chunks(step))
                .enumerate()
                .map(|(p, (b, g))| piece(p * step, b, g))
                .reduce_with(|mut a, h| {
                    for (x, y) in a.iter_mut().zip(h) {
                        x.extend(y);
                        while x.len() > n {
                            x.pop();
                        }
                    }
                    a
                })
                .unwrap_or_default(),
            None => piece(0, b, ids),
        };
        let mut keep: Vec<i64> = heaps
            .into_iter()
            .flat_map(|h| h.into_vec().into_iter().map(|(_, r)| r as i64))
            .collect();
        keep.sort_unstable();
        keep
    }
    if n == 0 {
        return Some(Vec::new());
    }
    let flip = if desc { u64::MAX } else { 0 };
    let (ids, ng) = (pl.ids, pl.ngroups());
    Some(match x.data() {
        VecData::U8(b) => sel(b, ids, ng, n, |v| v as u64 ^ flip),
        VecData::I16(b) => sel(b, ids, ng, n, |v| (v as i64 as u64 ^ (1 << 63)) ^ flip),
        VecData::I32(b) => sel(b, ids, ng, n, |v| (v as i64 as u64 ^ (1 << 63)) ^ flip),
        VecData::I64(b) => sel(b, ids, ng, n, |v| (v as u64 ^ (1 << 63)) ^ flip),
        VecData::F64(b) => sel(b, ids, ng, n, |v| f64_key(v) ^ flip),
        VecData::F32(b) => sel(b, ids, ng, n, |v| f64_key(v as f64) ^ flip),
        VecData::Sym(_) | VecData::Guid(_) => return None,
    })
}
