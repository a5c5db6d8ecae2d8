//! Per-group work: `update … by` puts each group's results back at the
//! group's rows, and uniform keywords applied per group (`sums deltas prev
//! differ fills ratios msum mavg mcount`, `f prior x` and `f':` for an
//! atomic operator `f`) run as group-wise kernels.
//!
//! A group-wise kernel walks the rows in view once, in row order, with a
//! little state per group (the group's last row, its running sum) or an
//! index vector built that way (each row's predecessor in its group, the
//! row `w` places back), instead of building a sub-table per group and
//! evaluating the expression there. Their arithmetic is the ungrouped
//! kernels' (same widening, same order of additions), so results are the
//! ones the interpreter's per-group evaluation gives, bit for bit. Anything
//! else runs per group in the interpreter, and [`Placement::scatter`] puts
//! the results back with one gather.

use crate::builtins::apply::apply;
use crate::builtins::math::agg::sum_type;
use crate::builtins::math::moving::msum_type;
use crate::builtins::math::moving::present;
use crate::builtins::math::stats::f64s;
use crate::builtins::math::stats::window;
use crate::ops::compare::feq;
use crate::ops::index::gather;
use crate::ops::index::take_idx;
use crate::query::qsql::Ctx;
use crate::state::Interp;
use qcore::Atom;
use qcore::Func;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;
use qcore::sentinel::NJ;

/// Where the rows in view are by group: group `g`'s positions in view are
/// `perm[offs[g]..offs[g + 1]]` (ascending), and `inv[i]` is row `i`'s
/// place in the group-ordered concatenation of per-group results. Both
/// are made on first use: the kernels that walk the rows in order with
/// per-group state need neither (each is a fresh 4–8 bytes a row, and on
/// big tables fresh pages cost as much as the kernel).
pub(crate) struct Placement<'a> {
    /// Group of each row in view.
    pub ids: &'a [u32],
    ngroups: usize,
    sorted: std::cell::OnceCell<(Vec<usize>, Vec<u32>)>,
    inv: std::cell::OnceCell<Vec<i64>>,
}

impl<'a> Placement<'a> {
    /// The placement of `ngroups` groups given each row's group.
    pub(crate) fn new(ids: &'a [u32], ngroups: usize) -> Self {
        Placement {
            ids,
            ngroups,
            sorted: std::cell::OnceCell::new(),
            inv: std::cell::OnceCell::new(),
        }
    }

    /// `(offs, perm)`: the rows in view sorted by group (a counting sort,
    /// on all cores for many rows).
    pub(crate) fn sorted(&self) -> &(Vec<usize>, Vec<u32>) {
        self.sorted
            .get_or_init(|| crate::ops::par::bucket(self.ids, self.ngroups))
    }

    fn inv(&self) -> &[i64] {
        self.inv.get_or_init(|| {
            let (_, perm) = self.sorted();
            let mut inv = vec![0i64; self.ids.len()];
            for (j, &p) in perm.iter().enumerate() {
                inv[p as usize] = j as i64;
            }
            inv
        })
    }

    /// Each group's table rows (`row_ids`: the table row of each row in
    /// view, `None` when that is the row itself), in view order.
    pub(crate) fn table_rows(&self, row_ids: Option<&[i64]>) -> Vec<std::sync::Arc<Vec<i64>>> {
        use rayon::prelude::*;
        let (offs, perm) = self.sorted();
        let one = |g: usize| {
            std::sync::Arc::new(
                perm[offs[g]..offs[g + 1]]
                    .iter()
                    .map(|&p| row_ids.map_or(p as i64, |r| r[p as usize]))
                    .collect(),
            )
        };
        // the groups' lists on the pool for many rows
        let ng = offs.len().saturating_sub(1);
        match crate::ops::par::piece_len(perm.len()) {
            Some(_) => (0..ng).into_par_iter().map(one).collect(),
            None => (0..ng).map(one).collect(),
        }
    }

    /// Number of groups.
    pub(crate) fn ngroups(&self) -> usize {
        self.ngroups
    }

    /// Each group's result (one item per row of the group, groups in
    /// order) put back in view order: typed results of one type are
    /// concatenated and gathered once; anything else item by item.
    pub(crate) fn scatter(&self, parts: Vec<Value>) -> Value {
        let typed = match parts.first() {
            Some(Value::Vector(f)) => parts.iter().all(
                |p| matches!(p, Value::Vector(v) if v.ty() == f.ty() && v.domain() == f.domain()),
            ),
            _ => false,
        };
        if typed {
            let vs: Vec<&Vector> = parts
                .iter()
                .filter_map(|p| match p {
                    Value::Vector(v) => Some(v),
                    _ => None,
                })
                .collect();
            if let Some(all) = crate::ops::join::concat_all(&vs) {
                return Value::Vector(gather(&all, self.inv()));
            }
        }
        let flat: Vec<Value> = parts.iter().flat_map(Value::items).collect();
        Value::from_items(
            self.inv()
                .iter()
                .map(|&j| flat.get(j as usize).cloned().unwrap_or(Value::Nil))
                .collect(),
        )
    }

    /// Each row's predecessor in its group (-1 for a group's first row).
    fn prev_idx(&self) -> Vec<i64> {
        let mut last = vec![-1i64; self.ngroups];
        self.ids
            .iter()
            .enumerate()
            .map(|(i, &g)| std::mem::replace(&mut last[g as usize], i as i64))
            .collect()
    }

    /// Each row's successor in its group (-1 for a group's last row).
    fn next_idx(&self) -> Vec<i64> {
        let mut next = vec![-1i64; self.ids.len()];
        let mut last = vec![-1i64; self.ngroups];
        for (i, &g) in self.ids.iter().enumerate().rev() {
            next[i] = std::mem::replace(&mut last[g as usize], i as i64);
        }
        next
    }

    /// The first row of each group.
    fn first_rows(&self) -> Vec<i64> {
        let mut first = vec![-1i64; self.ngroups];
        for (i, &g) in self.ids.iter().enumerate() {
            if first[g as usize] < 0 {
                first[g as usize] = i as i64;
            }
        }
        first
    }
}

/// Operators `f` for which `f prior x` is one vector operation: atomic
/// dyads, so `f[x;prev x]` gives item by item what each pair gives.
pub(crate) const ATOMIC_DYADS: &[&str] = &[
    "+", "-", "*", "%", "=", "<>", "<", ">", "<=", ">=", "&", "|",
];

/// The builtin a tree's function position names, if any.
fn builtin_of(it: &Interp, ctx: &Ctx, f: &Value) -> Option<Value> {
    match f {
        Value::Func(Func::Builtin(_)) | Value::Func(Func::Derived(..)) => Some(f.clone()),
        Value::Atom(Atom::Symbol(s)) if ctx.t.column(*s).is_none() => {
            match crate::query::qsql::resolve_name(it, *s).ok()? {
                v @ Value::Func(Func::Builtin(_)) => Some(v),
                _ => None,
            }
        }
        _ => None,
    }
}

fn name_of(f: &Value) -> Option<&'static str> {
    crate::builtins::iterate::builtin_name(f)
}

/// An atomic operator `f` of `f':` (each-prior derived from a builtin).
fn each_prior_op(f: &Value) -> Option<Value> {
    crate::builtins::iterate::each_prior_of(f)
}

/// `e` evaluated over the rows in view with its uniform keywords applied
/// per group by the group-wise kernels; `None` when some part of `e` is not
/// a column, a constant or such a keyword (the caller evaluates per group).
pub(crate) fn eval(
    it: &mut Interp,
    ctx: &mut Ctx,
    e: &Value,
    pl: &Placement,
) -> QResult<Option<Value>> {
    let n = pl.ids.len();
    let data = |v: Value| match v {
        Value::Vector(x) if x.len() == n => Some(x),
        _ => None,
    };
    match e {
        Value::Atom(Atom::Symbol(s)) => {
            if let Some(v) = ctx.column(*s) {
                return Ok(Some(v).filter(|v| v.count() == n && v.is_list()));
            }
            // `i`: each row's table row, as in each group's evaluation
            Ok((s.as_str() == "i").then(|| Value::Vector(Vector::longs(ctx.row_ids()))))
        }
        Value::Atom(_) => Ok(Some(e.clone())),
        Value::List(l) if l.len() == 2 || l.len() == 3 => {
            let Some(f) = builtin_of(it, ctx, &l[0]) else {
                return Ok(None);
            };
            if let Some(op) = each_prior_op(&f) {
                if l.len() != 2 {
                    return Ok(None);
                }
                let Some(x) = sub(it, ctx, &l[1], pl)?.and_then(data) else {
                    return Ok(None);
                };
                return prior_by(it, &op, x, pl).map(Some);
            }
            let Some(name) = name_of(&f) else {
                return Ok(None);
            };
            if item_by_item(name, l) {
                // over the whole view what it gives over each group
                let mut args = Vec::with_capacity(l.len() - 1);
                let mut any = false;
                for a in &l[1..] {
                    // atoms only: a constant list has its own length
                    if let Some(c) = constant(a) {
                        if !matches!(c, Value::Atom(_)) {
                            return Ok(None);
                        }
                        args.push(c);
                        continue;
                    }
                    let Some(x) = sub(it, ctx, a, pl)?.and_then(data) else {
                        return Ok(None);
                    };
                    any = true;
                    args.push(Value::Vector(x));
                }
                if !any {
                    return Ok(None);
                }
                return Ok(Some(apply(it, &f, args)?).filter(|v| v.count() == n && v.is_list()));
            }
            if l.len() == 2 {
                if !matches!(
                    name,
                    "sums" | "deltas" | "prev" | "next" | "differ" | "fills" | "ratios"
                ) {
                    return Ok(None);
                }
                let Some(x) = sub(it, ctx, &l[1], pl)?.and_then(data) else {
                    return Ok(None);
                };
                return monad_by(it, name, x, pl);
            }
            match name {
                "msum" | "mavg" | "mcount" => {
                    let Some(w) = sub(it, ctx, &l[1], pl)? else {
                        return Ok(None);
                    };
                    if !matches!(w, Value::Atom(_)) {
                        return Ok(None);
                    }
                    let Some(x) = sub(it, ctx, &l[2], pl)?.and_then(data) else {
                        return Ok(None);
                    };
                    moving_by(name, &w, &x, pl)
                }
                "prior" => {
                    let op = match &l[1] {
                        v @ Value::Func(Func::Builtin(_)) => v.clone(),
                        _ => return Ok(None),
                    };
                    if !name_of(&op).is_some_and(|o| ATOMIC_DYADS.contains(&o)) {
                        return Ok(None);
                    }
                    let Some(x) = sub(it, ctx, &l[2], pl)?.and_then(data) else {
                        return Ok(None);
                    };
                    prior_by(it, &op, x, pl).map(Some)
                }
                _ => Ok(None),
            }
        }
        _ => Ok(None),
    }
}

/// An argument: a column or constant, or a nested group-wise kernel.
fn sub(it: &mut Interp, ctx: &mut Ctx, e: &Value, pl: &Placement) -> QResult<Option<Value>> {
    eval(it, ctx, e, pl)
}

fn monad_by(it: &mut Interp, name: &str, x: Vector, pl: &Placement) -> QResult<Option<Value>> {
    // `deltas`/`ratios` are `-':`/`%':` where their result types agree
    // (not shorts, booleans or temporals, whose `deltas` types differ)
    if matches!(name, "deltas" | "ratios")
        && !matches!(x.ty(), Ty::Long | Ty::Int | Ty::Float | Ty::Real)
    {
        return Ok(None);
    }
    Ok(Some(match name {
        "prev" => Value::Vector(gather(&x, &pl.prev_idx())),
        "next" => Value::Vector(gather(&x, &pl.next_idx())),
        "deltas" => prior_by(it, &crate::builtins::iterate::minus(), x, pl)?,
        "ratios" => {
            let div =
                crate::registry::func(crate::registry::lookup("%").ok_or_else(QError::type_)?);
            prior_by(it, &div, x, pl)?
        }
        "differ" => differ_by(&x, pl),
        "fills" => fills_by(&x, pl),
        "sums" => match sums_by(&x, pl)? {
            Some(v) => v,
            None => return Ok(None),
        },
        _ => return Ok(None),
    }))
}

/// `f prior x` in each group: `f[x; prev x]` as one vector operation, the
/// first row of each group taking q's first-item rule (`prior_first`, run
/// once on the vector of first items).
pub(crate) fn prior_by(it: &mut Interp, f: &Value, x: Vector, pl: &Placement) -> QResult<Value> {
    let firsts = pl.first_rows();
    if let Some(r) = prior_floats(f, &x, pl) {
        return prior_firsts(it, f, &x, Value::Vector(r), &firsts);
    }
    let p = gather(&x, &pl.prev_idx());
    prior_vec(it, f, x, p, &firsts)
}

/// `f[x; prev x]` per group for a float vector and `f` one of `+ - *`
/// (float arithmetic, as the atomic dyads do it) in one pass with each
/// group's last item; a group's first row is left for its first-item rule.
fn prior_floats(f: &Value, x: &Vector, pl: &Placement) -> Option<Vector> {
    let op: fn(f64, f64) -> f64 = match name_of(f)? {
        "+" => |a, b| a + b,
        "-" => |a, b| a - b,
        "*" => |a, b| a * b,
        _ => return None,
    };
    let VecData::F64(b) = x.data() else {
        return None;
    };
    if x.ty() != Ty::Float || x.domain().is_some() {
        return None;
    }
    let mut last = vec![f64::NAN; pl.ngroups()];
    let out = b
        .iter()
        .zip(pl.ids)
        .map(|(&v, &g)| op(v, std::mem::replace(&mut last[g as usize], v)))
        .collect();
    Some(Vector::floats(out))
}

/// `f[x; p]` (`p` each item's predecessor) with the rows in `firsts`
/// (those with none) given `f`'s first-item result instead.
pub(crate) fn prior_vec(
    it: &mut Interp,
    f: &Value,
    x: Vector,
    p: Vector,
    firsts: &[i64],
) -> QResult<Value> {
    let r = apply(it, f, vec![Value::Vector(x.clone()), Value::Vector(p)])?;
    prior_firsts(it, f, &x, r, firsts)
}

/// `r` (`f[x; p]`) with the rows in `firsts` given `f`'s first-item result.
fn prior_firsts(
    it: &mut Interp,
    f: &Value,
    x: &Vector,
    r: Value,
    firsts: &[i64],
) -> QResult<Value> {
    if firsts.is_empty() {
        return Ok(r);
    }
    let xv = Value::Vector(x.clone());
    let x0 = take_idx(&xv, firsts);
    let r0 = crate::builtins::iterate::prior_first(it, f, &xv, &x0)?;
    match (r, &r0) {
        // the usual case: first items of the result's type, set in place
        (Value::Vector(mut rv), Value::Vector(fv))
            if rv.ty() == fv.ty() && fv.len() == firsts.len() =>
        {
            let data = rv.data_mut();
            for (k, &i) in firsts.iter().enumerate() {
                data.set_atom(i as usize, fv.get(k));
            }
            Ok(Value::Vector(rv))
        }
        // first items of another type (`-':` of timestamps): a general list
        (r, _) => {
            let mut items = r.items();
            for (k, &i) in firsts.iter().enumerate() {
                items[i as usize] = r0.item(k).unwrap_or(Value::Nil);
            }
            Ok(Value::from_items(items))
        }
    }
}

/// `differ x` in each group: 1b at a group's first row, else whether the
/// item differs from its predecessor in the group (`differ`'s comparison:
/// exact, floats tolerant).
fn differ_by(x: &Vector, pl: &Placement) -> Value {
    fn ne<T: Copy>(b: &[T], prev: &[i64], diff: impl Fn(T, T) -> bool) -> Vec<u8> {
        b.iter()
            .zip(prev)
            .map(|(&v, &p)| {
                if p < 0 {
                    1
                } else {
                    diff(b[p as usize], v) as u8
                }
            })
            .collect()
    }
    let prev = pl.prev_idx();
    let out = match x.data() {
        VecData::U8(b) => ne(b, &prev, |a, c| a != c),
        VecData::I16(b) => ne(b, &prev, |a, c| a != c),
        VecData::I32(b) => ne(b, &prev, |a, c| a != c),
        VecData::I64(b) => ne(b, &prev, |a, c| a != c),
        VecData::F32(b) => ne(b, &prev, |a, c| !feq(a as f64, c as f64)),
        VecData::F64(b) => ne(b, &prev, |a, c| !feq(a, c)),
        VecData::Guid(b) => ne(b, &prev, |a, c| a != c),
        VecData::Sym(b) => ne(b, &prev, |a, c| a != c),
    };
    Value::Vector(Vector::from_u8(Ty::Bool, out))
}

/// `fills x` in each group: a null takes the last non-null item before it
/// in its group (`fills`' nulls: `present`).
fn fills_by(x: &Vector, pl: &Placement) -> Value {
    let ok = present(x);
    let prev = pl.prev_idx();
    let mut idx = vec![0i64; prev.len()];
    for i in 0..idx.len() {
        idx[i] = if ok[i] == 0 && prev[i] >= 0 {
            idx[prev[i] as usize]
        } else {
            i as i64
        };
    }
    let mut v = gather(x, &idx);
    v.set_domain(x.domain());
    Value::Vector(v)
}

/// `sums x` in each group: a running sum per group in row order, nulls as
/// the unit (`scan_vec`'s widening and result type).
fn sums_by(x: &Vector, pl: &Placement) -> QResult<Option<Value>> {
    let rt = sum_type(x.ty())?;
    let ng = pl.ngroups();
    if let VecData::F32(_) | VecData::F64(_) = x.data() {
        let xs = crate::ops::reduce::agg_floats(x);
        let out = running_by(&xs, pl.ids, ng, 0.0, |a, v| {
            a + if v.is_nan() { 0.0 } else { v }
        });
        return Ok(Some(Value::Vector(crate::ops::arith::vector_from_f64(
            rt, out,
        ))));
    }
    let xs = crate::ops::reduce::agg_ints(x)?;
    let out = running_by(&xs, pl.ids, ng, 0, |a, v| {
        a.wrapping_add(if v == NJ { 0 } else { v })
    });
    Ok(Some(Value::Vector(crate::ops::reduce::ints_to(rt, out))))
}

/// A running fold per group in row order: item `i` is `step` applied to
/// its group's accumulator and `xs[i]`.
fn running_by<T: Copy>(
    xs: &[T],
    ids: &[u32],
    ngroups: usize,
    zero: T,
    step: impl Fn(T, T) -> T,
) -> Vec<T> {
    let mut acc = vec![zero; ngroups];
    xs.iter()
        .zip(ids)
        .map(|(&v, &g)| {
            let a = &mut acc[g as usize];
            *a = step(*a, v);
            *a
        })
        .collect()
}

/// Moving sums per group in one pass in row order: each group's running
/// sum, less its running sum `w` rows back in the group, kept in a ring of
/// the group's last `w` running sums (`msum_f64`/`msum_i64` over one list
/// subtract the same two running sums, so results are identical). `None`
/// when the rings would outgrow the rows (many groups, long windows).
fn msum_by<T: Copy + Default>(
    xs: impl Iterator<Item = T>,
    w: usize,
    pl: &Placement,
    add: impl Fn(T, T) -> T,
    sub: impl Fn(T, T) -> T,
) -> Option<Vec<T>> {
    let ng = pl.ngroups();
    let n = pl.ids.len();
    let w = w.min(n.max(1));
    if ng.saturating_mul(w) > n.max(4096) {
        return None;
    }
    let mut acc = vec![T::default(); ng];
    let mut seen = vec![0usize; ng];
    let mut ring = vec![T::default(); ng * w];
    let mut out = Vec::with_capacity(n);
    for (v, &g) in xs.zip(pl.ids) {
        let g = g as usize;
        let a = add(acc[g], v);
        acc[g] = a;
        let k = seen[g];
        seen[g] = k + 1;
        let slot = &mut ring[g * w + k % w];
        out.push(if k >= w { sub(a, *slot) } else { a });
        *slot = a;
    }
    Some(out)
}

fn msum_f64_by(xs: &[f64], w: usize, pl: &Placement) -> Option<Vec<f64>> {
    msum_by(
        xs.iter().map(|&v| if v.is_nan() { 0.0 } else { v }),
        w,
        pl,
        |a, b| a + b,
        |a, b| a - b,
    )
}

/// `w mavg x` per group in one pass: the moving sum (nulls 0) over the
/// moving count of non-nulls, both kept as running values with a ring per
/// group as [`msum_by`] does (the same sums `mavg` divides).
fn mavg_by(xs: &[f64], w: usize, pl: &Placement) -> Option<Vec<f64>> {
    let ng = pl.ngroups();
    let n = pl.ids.len();
    let w = w.min(n.max(1));
    if ng.saturating_mul(w) > n.max(4096) {
        return None;
    }
    let mut acc = vec![(0f64, 0f64); ng];
    let mut seen = vec![0usize; ng];
    let mut ring = vec![(0f64, 0f64); ng * w];
    let mut out = Vec::with_capacity(n);
    for (&v, &g) in xs.iter().zip(pl.ids) {
        let g = g as usize;
        let (s, c) = acc[g];
        let a = if v.is_nan() {
            (s + 0.0, c + 0.0)
        } else {
            (s + v, c + 1.0)
        };
        acc[g] = a;
        let k = seen[g];
        seen[g] = k + 1;
        let slot = &mut ring[g * w + k % w];
        out.push(if k >= w {
            (a.0 - slot.0) / (a.1 - slot.1)
        } else {
            a.0 / a.1
        });
        *slot = a;
    }
    Some(out)
}

fn msum_i64_by(xs: &[i64], w: usize, pl: &Placement) -> Option<Vec<i64>> {
    msum_by(
        xs.iter().map(|&v| if v == NJ { 0 } else { v }),
        w,
        pl,
        i64::wrapping_add,
        i64::wrapping_sub,
    )
}

/// `w msum x`, `w mavg x`, `w mcount x` in each group (the window and
/// result types of `math::moving`); `None` when the rings would be too big.
fn moving_by(name: &str, w: &Value, x: &Vector, pl: &Placement) -> QResult<Option<Value>> {
    use crate::builtins::math::moving::pos_window;
    if name == "mavg" && window(w)? == 0 {
        return Ok(Some(Value::Vector(Vector::floats(vec![f64::NAN; x.len()]))));
    }
    let wn = pos_window(w)?;
    let v = match name {
        "msum" => {
            let rt = msum_type(x.ty())?;
            match x.data() {
                VecData::F64(b) => msum_f64_by(b, wn, pl).map(|o| Vector::from_f64(rt, o)),
                VecData::F32(b) => {
                    let wide: Vec<f64> = b.iter().map(|&v| v as f64).collect();
                    msum_f64_by(&wide, wn, pl)
                        .map(|o| Vector::from_f32(o.into_iter().map(|v| v as f32).collect()))
                }
                VecData::I64(b) => {
                    msum_i64_by(b, wn, pl).map(|o| crate::ops::arith::vector_from_i64(rt, o))
                }
                _ => {
                    let wide = x.to_i64_vec().ok_or_else(QError::type_)?;
                    msum_i64_by(&wide, wn, pl).map(|o| crate::ops::arith::vector_from_i64(rt, o))
                }
            }
        }
        "mcount" => {
            msum_i64_by(&present(x), wn, pl).map(|o| crate::ops::arith::vector_from_i64(Ty::Int, o))
        }
        _ => {
            // mavg: the moving sum over the moving count of non-nulls
            let own;
            let xs: &[f64] = match x.data() {
                VecData::F64(b) if x.ty() == Ty::Float => b,
                _ => {
                    own = f64s(x, false)?;
                    &own
                }
            };
            mavg_by(xs, wn, pl).map(Vector::floats)
        }
    };
    Ok(v.map(Value::Vector))
}

mod aggregate;

pub(crate) use aggregate::aggregate;
use aggregate::{constant, item_by_item};
