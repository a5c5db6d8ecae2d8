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
        let (offs, perm) = self.sorted();
        offs.windows(2)
            .map(|w| {
                std::sync::Arc::new(
                    perm[w[0]..w[1]]
                        .iter()
                        .map(|&p| row_ids.map_or(p as i64, |r| r[p as usize]))
                        .collect(),
                )
            })
            .collect()
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
            Some(Value::Vector(f)) => parts
                .iter()
                .all(|p| matches!(p, Value::Vector(v) if v.ty() == f.ty() && v.domain == f.domain)),
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
    if x.ty() != Ty::Float || x.domain.is_some() {
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
    v.domain = x.domain;
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

// ---------------------------------------------------------------------------
// `select … by`: aggregates over group-wise items

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
fn item_by_item(name: &str, l: &[Value]) -> bool {
    is_atomic(name, l.len() - 1)
        || (name == "$" && l.len() == 3 && constant(&l[1]).is_some_and(|t| atomic_cast(&t)))
}

/// A constant of a parse tree: what [`crate::query::qsql::eval_tree`]
/// gives for it without looking at the table (symbols are names).
fn constant(e: &Value) -> Option<Value> {
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
    v.domain = x.v.domain;
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
            v.domain = x.v.domain;
            v
        }
        ("sum" | "avg", [x]) if x.v.domain.is_none() => {
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
        ("max" | "min", [x]) if x.v.domain.is_none() => {
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
        ("med", [x]) if x.v.domain.is_none() && !matches!(x.v.ty(), Ty::Symbol | Ty::Guid) => {
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
    if x.ids.is_some() || x.v.domain.is_some() {
        return Ok(None);
    }
    let Some(keep) = top_rows(&x.v, desc, n, pl) else {
        return Ok(None);
    };
    let ids = keep.iter().map(|&i| pl.ids[i as usize]).collect();
    let mut v = gather(&x.v, &keep);
    v.domain = x.v.domain;
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
