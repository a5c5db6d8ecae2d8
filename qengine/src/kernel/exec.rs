//! Chunked execution of compiled programs.
//!
//! A [`Machine`] owns the registers and the selection vector of one worker;
//! they are sized for [`CHUNK`] rows when it is made and reused for every
//! chunk (a buffer that has to grow bumps [`super::chunk_allocs`]).

type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::FixedState>;
use rayon::prelude::*;

use super::compile::{AOp, Agg, AggKind, Op, Opnd, Program, RegKind, SelectQ};
use super::{CHUNK, note_alloc, par_min_rows};
use crate::builtins::compare::{Cmp, feq, flt};
use crate::builtins::list::take_idx;
use crate::builtins::sort;
use crate::builtins::table::{dict, table};
use crate::error::QResult;
use crate::interp::Interp;
use crate::sym::Sym;
use crate::value::{Table, Ty, Value, VecData, Vector};

const NJ: i64 = i64::MIN;

/// A column as the machine reads it.
#[derive(Clone, Copy)]
enum ColData<'a> {
    I64(&'a [i64]),
    I32(&'a [i32]),
    U8(&'a [u8]),
    F64(&'a [f64]),
    Sym(&'a [Sym]),
}

fn col_data(v: &Value) -> Option<ColData<'_>> {
    let Value::Vector(v) = v else { return None };
    Some(match v.data() {
        VecData::I64(b) => ColData::I64(b),
        VecData::I32(b) => ColData::I32(b),
        VecData::U8(b) => ColData::U8(b),
        VecData::F64(b) => ColData::F64(b),
        VecData::Sym(b) => ColData::Sym(b),
        _ => return None,
    })
}

enum Reg {
    I(Vec<i64>),
    F(Vec<f64>),
    B(Vec<u8>),
}

/// Registers, selection and column views of one worker.
struct Machine<'a> {
    cols: Vec<ColData<'a>>,
    regs: Vec<Reg>,
    sel: Vec<u32>,
}

#[inline]
fn prepare<T>(v: &mut Vec<T>, n: usize) {
    v.clear();
    if v.capacity() < n {
        note_alloc();
        v.reserve(n);
    }
}

#[inline]
fn gather<T: Copy, U>(
    out: &mut Vec<U>,
    src: &[T],
    base: usize,
    sel: &[u32],
    dense: bool,
    f: impl Fn(T) -> U,
) {
    prepare(out, sel.len());
    if dense {
        out.extend(src[base..base + sel.len()].iter().map(|&x| f(x)));
    } else {
        out.extend(sel.iter().map(|&p| f(src[base + p as usize])));
    }
}

enum Src<'r, T> {
    V(&'r [T]),
    S(T),
}

#[inline]
fn zip<T: Copy, U>(out: &mut Vec<U>, n: usize, a: Src<T>, b: Src<T>, f: impl Fn(T, T) -> U) {
    prepare(out, n);
    match (a, b) {
        (Src::V(a), Src::V(b)) => out.extend(a[..n].iter().zip(&b[..n]).map(|(&x, &y)| f(x, y))),
        (Src::V(a), Src::S(y)) => out.extend(a[..n].iter().map(|&x| f(x, y))),
        (Src::S(x), Src::V(b)) => out.extend(b[..n].iter().map(|&y| f(x, y))),
        (Src::S(x), Src::S(y)) => out.extend((0..n).map(|_| f(x, y))),
    }
}

#[inline]
fn ij(op: AOp, a: i64, b: i64) -> i64 {
    if a == NJ || b == NJ {
        return NJ;
    }
    match op {
        AOp::Add => a.wrapping_add(b),
        AOp::Sub => a.wrapping_sub(b),
        AOp::Mul => a.wrapping_mul(b),
        AOp::Div => NJ,
    }
}

#[inline]
fn ff(op: AOp, a: f64, b: f64) -> f64 {
    match op {
        AOp::Add => a + b,
        AOp::Sub => a - b,
        AOp::Mul => a * b,
        AOp::Div => a / b,
    }
}

macro_rules! cmp_by {
    ($out:expr, $n:expr, $a:expr, $b:expr, $op:expr, $eq:expr, $lt:expr) => {{
        let (eq, lt) = ($eq, $lt);
        match $op {
            Cmp::Eq => zip($out, $n, $a, $b, |x, y| eq(x, y) as u8),
            Cmp::Ne => zip($out, $n, $a, $b, |x, y| !eq(x, y) as u8),
            Cmp::Lt => zip($out, $n, $a, $b, |x, y| lt(x, y) as u8),
            Cmp::Gt => zip($out, $n, $a, $b, |x, y| lt(y, x) as u8),
            Cmp::Le => zip($out, $n, $a, $b, |x, y| !lt(y, x) as u8),
            Cmp::Ge => zip($out, $n, $a, $b, |x, y| !lt(x, y) as u8),
        }
    }};
}

macro_rules! cmp_col {
    ($out:expr, $c:expr, $base:expr, $sel:expr, $dense:expr, $op:expr, $y:expr, $eq:expr, $lt:expr) => {{
        let (eq, lt, y) = ($eq, $lt, $y);
        match $op {
            Cmp::Eq => gather($out, $c, $base, $sel, $dense, |x| eq(x, y) as u8),
            Cmp::Ne => gather($out, $c, $base, $sel, $dense, |x| !eq(x, y) as u8),
            Cmp::Lt => gather($out, $c, $base, $sel, $dense, |x| lt(x, y) as u8),
            Cmp::Gt => gather($out, $c, $base, $sel, $dense, |x| lt(y, x) as u8),
            Cmp::Le => gather($out, $c, $base, $sel, $dense, |x| !lt(y, x) as u8),
            Cmp::Ge => gather($out, $c, $base, $sel, $dense, |x| !lt(x, y) as u8),
        }
    }};
}

impl<'a> Machine<'a> {
    fn new(t: &'a Table, p: &Program) -> Option<Self> {
        let mut cols = Vec::with_capacity(p.cols.len());
        for c in &p.cols {
            cols.push(col_data(t.columns.get(c.idx)?)?);
        }
        let regs = p
            .regs
            .iter()
            .map(|k| match k {
                RegKind::I => Reg::I(Vec::with_capacity(CHUNK)),
                RegKind::F => Reg::F(Vec::with_capacity(CHUNK)),
                RegKind::B => Reg::B(Vec::with_capacity(CHUNK)),
            })
            .collect();
        Some(Machine {
            cols,
            regs,
            sel: Vec::with_capacity(CHUNK),
        })
    }

    fn ints(&self, o: Opnd) -> Src<'_, i64> {
        match o {
            Opnd::R(r) => match &self.regs[r] {
                Reg::I(v) => Src::V(v),
                _ => Src::S(0),
            },
            Opnd::I(x) => Src::S(x),
            Opnd::F(_) => Src::S(0),
        }
    }

    fn floats(&self, o: Opnd) -> Src<'_, f64> {
        match o {
            Opnd::R(r) => match &self.regs[r] {
                Reg::F(v) => Src::V(v),
                _ => Src::S(f64::NAN),
            },
            Opnd::F(x) => Src::S(x),
            Opnd::I(_) => Src::S(f64::NAN),
        }
    }

    fn bools(&self, r: usize) -> &[u8] {
        match &self.regs[r] {
            Reg::B(v) => v,
            _ => &[],
        }
    }

    /// Runs `ops` over the selected rows of the chunk at `base` (`dense`:
    /// the selection is the whole chunk).
    fn run(&mut self, ops: &[Op], base: usize, dense: bool) {
        let n = self.sel.len();
        for op in ops {
            let dst = match op {
                Op::Load { dst, .. }
                | Op::I2F { dst, .. }
                | Op::Arith { dst, .. }
                | Op::Cmp { dst, .. }
                | Op::CmpCol { dst, .. }
                | Op::And { dst, .. }
                | Op::Or { dst, .. }
                | Op::Not { dst, .. }
                | Op::In { dst, .. } => *dst,
            };
            let mut out = std::mem::replace(&mut self.regs[dst], Reg::B(Vec::new()));
            let sel = &self.sel;
            match (op, &mut out) {
                (Op::Load { col, .. }, Reg::I(o)) => match self.cols[*col] {
                    ColData::I64(c) => gather(o, c, base, sel, dense, |x| x),
                    ColData::I32(c) => gather(o, c, base, sel, dense, |x| {
                        if x == i32::MIN { NJ } else { x as i64 }
                    }),
                    ColData::Sym(c) => gather(o, c, base, sel, dense, |x| x.0 as i64),
                    ColData::U8(c) => gather(o, c, base, sel, dense, |x| x as i64),
                    ColData::F64(_) => {}
                },
                (Op::Load { col, .. }, Reg::F(o)) => {
                    if let ColData::F64(c) = self.cols[*col] {
                        gather(o, c, base, sel, dense, |x| x)
                    }
                }
                (Op::Load { col, .. }, Reg::B(o)) => {
                    if let ColData::U8(c) = self.cols[*col] {
                        gather(o, c, base, sel, dense, |x| x)
                    }
                }
                (Op::I2F { src, .. }, Reg::F(o)) => {
                    if let Reg::I(s) = &self.regs[*src] {
                        prepare(o, n);
                        o.extend(s.iter().map(|&x| if x == NJ { f64::NAN } else { x as f64 }));
                    }
                }
                (
                    Op::Arith {
                        op, a, b, float, ..
                    },
                    Reg::I(o),
                ) if !*float => {
                    let op = *op;
                    zip(o, n, self.ints(*a), self.ints(*b), |x, y| ij(op, x, y))
                }
                (Op::Arith { op, a, b, .. }, Reg::F(o)) => {
                    let op = *op;
                    zip(o, n, self.floats(*a), self.floats(*b), |x, y| ff(op, x, y))
                }
                (
                    Op::Cmp {
                        op, a, b, float, ..
                    },
                    Reg::B(o),
                ) => {
                    if *float {
                        cmp_by!(o, n, self.floats(*a), self.floats(*b), op, feq, flt)
                    } else {
                        cmp_by!(
                            o,
                            n,
                            self.ints(*a),
                            self.ints(*b),
                            op,
                            |x: i64, y: i64| x == y,
                            |x: i64, y: i64| x < y
                        )
                    }
                }
                (
                    Op::CmpCol {
                        op, col, b, float, ..
                    },
                    Reg::B(o),
                ) => match (self.cols[*col], *b, *float) {
                    (ColData::I64(c), Opnd::I(y), false) => cmp_col!(
                        o,
                        c,
                        base,
                        sel,
                        dense,
                        op,
                        y,
                        |x: i64, y: i64| x == y,
                        |x: i64, y: i64| x < y
                    ),
                    (ColData::F64(c), Opnd::F(y), true) => {
                        cmp_col!(o, c, base, sel, dense, op, y, feq, flt)
                    }
                    // symbols: only `=` and `<>` are compiled
                    (ColData::Sym(c), Opnd::I(y), false) => match op {
                        Cmp::Ne => gather(o, c, base, sel, dense, |x| (x.0 as i64 != y) as u8),
                        _ => gather(o, c, base, sel, dense, |x| (x.0 as i64 == y) as u8),
                    },
                    _ => {}
                },
                (Op::And { a, b, .. }, Reg::B(o)) => zip(
                    o,
                    n,
                    Src::V(self.bools(*a)),
                    Src::V(self.bools(*b)),
                    |x: u8, y: u8| x.min(y),
                ),
                (Op::Or { a, b, .. }, Reg::B(o)) => zip(
                    o,
                    n,
                    Src::V(self.bools(*a)),
                    Src::V(self.bools(*b)),
                    |x: u8, y: u8| x.max(y),
                ),
                (Op::Not { a, .. }, Reg::B(o)) => {
                    let s = self.bools(*a);
                    prepare(o, n);
                    o.extend(s.iter().map(|&x| (x == 0) as u8));
                }
                (Op::In { a, set, .. }, Reg::B(o)) => {
                    if let Reg::I(s) = &self.regs[*a] {
                        prepare(o, n);
                        o.extend(s.iter().map(|x| set.contains(x) as u8));
                    }
                }
                _ => {}
            }
            self.regs[dst] = out;
        }
    }

    /// A lone `CmpCol` constraint over a whole chunk: the survivors'
    /// positions written straight into `sel` (which holds `0..len`), with
    /// no boolean register in between. False when `op` is not of that form.
    fn select_col(&mut self, op: &Op, base: usize, len: usize) -> bool {
        let Op::CmpCol {
            op, col, b, float, ..
        } = op
        else {
            return false;
        };
        let sel = &mut self.sel[..len];
        let mut w = 0;
        macro_rules! keep {
            ($c:expr, $f:expr) => {{
                let f = $f;
                for (k, &x) in $c[base..base + len].iter().enumerate() {
                    sel[w] = k as u32;
                    w += f(x) as usize;
                }
            }};
        }
        macro_rules! by_op {
            ($c:expr, $y:expr, $eq:expr, $lt:expr) => {{
                let (eq, lt, y) = ($eq, $lt, $y);
                match op {
                    Cmp::Eq => keep!($c, |x| eq(x, y)),
                    Cmp::Ne => keep!($c, |x| !eq(x, y)),
                    Cmp::Lt => keep!($c, |x| lt(x, y)),
                    Cmp::Gt => keep!($c, |x| lt(y, x)),
                    Cmp::Le => keep!($c, |x| !lt(y, x)),
                    Cmp::Ge => keep!($c, |x| !lt(x, y)),
                }
            }};
        }
        match (self.cols[*col], *b, *float) {
            (ColData::I64(c), Opnd::I(y), false) => {
                by_op!(c, y, |x: i64, y: i64| x == y, |x: i64, y: i64| x < y)
            }
            (ColData::F64(c), Opnd::F(y), true) => by_op!(c, y, feq, flt),
            (ColData::Sym(c), Opnd::I(y), false) => match op {
                Cmp::Ne => keep!(c, |x: Sym| x.0 as i64 != y),
                _ => keep!(c, |x: Sym| x.0 as i64 == y),
            },
            _ => return false,
        }
        self.sel.truncate(w);
        true
    }

    /// Selects rows `[base, base+len)`, narrowing by each constraint in
    /// order. Leaves the survivors (chunk positions) in `sel`.
    fn filter(&mut self, p: &Program, base: usize, len: usize) {
        self.sel.clear();
        self.sel.extend(0..len as u32);
        let mut dense = true;
        for &((s, e), r) in &p.constraints {
            if self.sel.is_empty() {
                return;
            }
            if dense && e == s + 1 && self.select_col(&p.ops[s], base, len) {
                dense = self.sel.len() == len;
                continue;
            }
            self.run(&p.ops[s..e], base, dense);
            let Reg::B(b) = &self.regs[r] else { return };
            let mut w = 0;
            for (k, &keep) in b.iter().enumerate().take(self.sel.len()) {
                let v = self.sel[k];
                self.sel[w] = v;
                w += (keep != 0) as usize;
            }
            self.sel.truncate(w);
            dense = w == len;
        }
    }
}

/// Splits `[0, n)` into ranges of whole chunks: one range when `n` is
/// below the parallel threshold.
fn ranges(n: usize) -> Vec<(usize, usize)> {
    if n < par_min_rows() {
        return vec![(0, n)];
    }
    let parts = rayon::current_num_threads().max(1) * 4;
    let per = n.div_ceil(parts).div_ceil(CHUNK) * CHUNK;
    (0..n)
        .step_by(per.max(CHUNK))
        .map(|lo| (lo, (lo + per).min(n)))
        .collect()
}

/// Ctrl-C: the chunk loops give up (`None`) and the interpreter, which
/// then runs, reports `'stop` at its first tick.
fn interrupted() -> bool {
    crate::interp::INTERRUPT.load(std::sync::atomic::Ordering::Relaxed)
}

fn narrow_range(t: &Table, p: &Program, lo: usize, hi: usize) -> Option<Vec<i64>> {
    let mut m = Machine::new(t, p)?;
    let mut rows = Vec::new();
    let mut base = lo;
    while base < hi {
        if interrupted() {
            return None;
        }
        let len = CHUNK.min(hi - base);
        m.filter(p, base, len);
        rows.extend(m.sel.iter().map(|&k| (base + k as usize) as i64));
        base += len;
    }
    Some(rows)
}

/// The table rows passing every constraint, in table order.
pub fn run_narrow(t: &Table, p: &Program) -> Option<Vec<i64>> {
    let n = t.len();
    let rs = ranges(n);
    if rs.len() == 1 {
        return narrow_range(t, p, 0, n);
    }
    let parts: Vec<Vec<i64>> = rs
        .par_iter()
        .map(|&(lo, hi)| narrow_range(t, p, lo, hi))
        .collect::<Option<_>>()?;
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        out.extend(part);
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// Aggregation

/// Float sums in exactly the order `agg::sum_f64` / `sum_count_*` add a
/// group's items: item `j` of a complete block of eight goes to lane
/// `j % 8`; the lanes are combined pairwise, then the last `n % 8` items
/// are added in order. So the compiled result is bit-identical to the
/// interpreter's.
#[derive(Clone, Copy, Default)]
struct Lanes {
    acc: [f64; 8],
    pend: [f64; 8],
    np: u8,
    cnt: i64,
}

impl Lanes {
    #[inline]
    fn push(&mut self, v: f64) {
        let ok = !v.is_nan();
        self.pend[self.np as usize] = if ok { v } else { 0.0 };
        self.cnt += ok as i64;
        self.np += 1;
        if self.np == 8 {
            for k in 0..8 {
                self.acc[k] += self.pend[k];
            }
            self.np = 0;
        }
    }
    fn total(&self) -> f64 {
        let a = self.acc;
        let mut s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
        for &v in &self.pend[..self.np as usize] {
            s += v;
        }
        s
    }
}

enum Acc {
    Count(Vec<i64>),
    I(Vec<i64>),
    F(Vec<f64>),
    L(Vec<Lanes>),
    Row(Vec<i64>),
    /// Wavg/wsum: per group the sum of products and the sum of weights.
    W(Vec<(f64, f64)>),
}

fn acc_new(a: &Agg) -> Acc {
    match a.kind {
        AggKind::Count => Acc::Count(vec![]),
        AggKind::SumI | AggKind::MinI | AggKind::MaxI => Acc::I(vec![]),
        AggKind::MinF | AggKind::MaxF => Acc::F(vec![]),
        AggKind::SumF | AggKind::AvgI | AggKind::AvgF => Acc::L(vec![]),
        AggKind::First | AggKind::Last => Acc::Row(vec![]),
        AggKind::Wavg | AggKind::Wsum => Acc::W(vec![]),
    }
}

fn acc_grow(a: &Agg, acc: &mut Acc) {
    let inf_i = if a.narrow { i32::MAX as i64 } else { i64::MAX };
    match acc {
        Acc::Count(v) => v.push(0),
        Acc::I(v) => v.push(match a.kind {
            AggKind::MinI => inf_i,
            AggKind::MaxI => -inf_i,
            _ => 0,
        }),
        Acc::F(v) => v.push(if a.kind == AggKind::MinF {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        }),
        Acc::L(v) => v.push(Lanes::default()),
        Acc::Row(v) => v.push(-1),
        Acc::W(v) => v.push((0.0, 0.0)),
    }
}

/// Group-id assignment for the by keys.
enum Keys {
    None,
    /// One symbol key: a table indexed by symbol id.
    Sym(Vec<u32>),
    One(HashMap<i64, u32>),
    Many(HashMap<[i64; 4], u32>),
}

struct AggState<'a> {
    m: Machine<'a>,
    keys: Keys,
    keycols: Vec<ColData<'a>>,
    /// Per key: `step xbar` applied to the column value.
    steps: Vec<Option<i64>>,
    /// Per aggregate: wavg/wsum columns.
    wcols: Vec<Option<(ColData<'a>, ColData<'a>)>>,
    gids: Vec<u32>,
    firsts: Vec<i64>,
    accs: Vec<Acc>,
}

/// Item `r` of a long, int or float column as the interpreter's `f64s`
/// converts it (`to_f64_vec`).
#[inline]
fn f64_at(c: ColData, r: usize) -> f64 {
    match c {
        ColData::F64(b) => b[r],
        ColData::I64(b) => crate::value::i64_to_f64(b[r]),
        ColData::I32(b) => crate::value::i64_to_f64(crate::value::widen_i32(b[r])),
        _ => f64::NAN,
    }
}

/// `step xbar` of an integer item as `temporal::xbar_fast` computes it
/// (nulls and infinities of the column's width kept).
#[inline]
fn bar(c: ColData, step: i64, e: i64) -> i64 {
    let keep = match c {
        ColData::I32(_) => e == i32::MIN as i64 || e == i32::MAX as i64 || e == -(i32::MAX as i64),
        _ => e == i64::MIN || e == i64::MAX || e == -i64::MAX,
    };
    if keep { e } else { e - e.rem_euclid(step) }
}

/// The group key of row `r` in key column `c` (`step`: its xbar).
#[inline]
fn key_of(c: ColData, step: Option<i64>, r: usize) -> i64 {
    let k = key_at(c, r);
    match step {
        Some(s) => bar(c, s, k),
        None => k,
    }
}

#[inline]
fn key_at(c: ColData, r: usize) -> i64 {
    match c {
        ColData::I64(b) => b[r],
        ColData::I32(b) => b[r] as i64,
        ColData::U8(b) => b[r] as i64,
        ColData::Sym(b) => b[r].0 as i64,
        ColData::F64(b) => b[r].to_bits() as i64,
    }
}

impl<'a> AggState<'a> {
    fn new(t: &'a Table, q: &SelectQ) -> Option<Self> {
        let m = Machine::new(t, &q.prog)?;
        let mut keycols = Vec::with_capacity(q.keys.len());
        for &k in &q.keys {
            keycols.push(col_data(t.columns.get(k)?)?);
        }
        let steps = q.key_steps.clone();
        let mut wcols = Vec::with_capacity(q.aggs.len());
        for a in &q.aggs {
            wcols.push(match a.w {
                Some((x, y)) => Some((col_data(t.columns.get(x)?)?, col_data(t.columns.get(y)?)?)),
                None => None,
            });
        }
        let keys = match keycols.as_slice() {
            [] => Keys::None,
            [ColData::Sym(_)] if steps[0].is_none() => Keys::Sym(Vec::new()),
            [_] => Keys::One(HashMap::default()),
            _ => Keys::Many(HashMap::default()),
        };
        let mut accs: Vec<Acc> = q.aggs.iter().map(acc_new).collect();
        let mut firsts = vec![];
        if keycols.is_empty() {
            for (a, acc) in q.aggs.iter().zip(accs.iter_mut()) {
                acc_grow(a, acc);
            }
            firsts.push(-1);
        }
        Some(AggState {
            m,
            keys,
            keycols,
            steps,
            wcols,
            gids: Vec::with_capacity(CHUNK),
            firsts,
            accs,
        })
    }

    fn new_group(&mut self, q: &SelectQ, row: i64) -> u32 {
        let g = self.firsts.len() as u32;
        self.firsts.push(row);
        for (a, acc) in q.aggs.iter().zip(self.accs.iter_mut()) {
            acc_grow(a, acc);
        }
        g
    }

    /// Group ids of the selected rows of the chunk at `base`.
    fn group(&mut self, q: &SelectQ, base: usize) {
        prepare(&mut self.gids, self.m.sel.len());
        let sel = std::mem::take(&mut self.m.sel);
        match std::mem::replace(&mut self.keys, Keys::None) {
            Keys::None => {
                if self.firsts[0] < 0
                    && let Some(&p) = sel.first()
                {
                    self.firsts[0] = (base + p as usize) as i64;
                }
                self.gids.extend(sel.iter().map(|_| 0u32));
            }
            Keys::Sym(mut tab) => {
                let ColData::Sym(c) = self.keycols[0] else {
                    return;
                };
                for &p in &sel {
                    let r = base + p as usize;
                    let id = c[r].0 as usize;
                    if id >= tab.len() {
                        tab.resize(id + 1, u32::MAX);
                    }
                    let mut g = tab[id];
                    if g == u32::MAX {
                        g = self.new_group(q, r as i64);
                        tab[id] = g;
                    }
                    self.gids.push(g);
                }
                self.keys = Keys::Sym(tab);
            }
            Keys::One(mut map) => {
                let (c, st) = (self.keycols[0], self.steps[0]);
                for &p in &sel {
                    let r = base + p as usize;
                    let k = key_of(c, st, r);
                    let g = match map.get(&k) {
                        Some(&g) => g,
                        None => {
                            let g = self.new_group(q, r as i64);
                            map.insert(k, g);
                            g
                        }
                    };
                    self.gids.push(g);
                }
                self.keys = Keys::One(map);
            }
            Keys::Many(mut map) => {
                for &p in &sel {
                    let r = base + p as usize;
                    let mut k = [0i64; 4];
                    for (j, c) in self.keycols.iter().enumerate() {
                        k[j] = key_of(*c, self.steps[j], r);
                    }
                    let g = match map.get(&k) {
                        Some(&g) => g,
                        None => {
                            let g = self.new_group(q, r as i64);
                            map.insert(k, g);
                            g
                        }
                    };
                    self.gids.push(g);
                }
                self.keys = Keys::Many(map);
            }
        }
        self.m.sel = sel;
    }

    fn chunk(&mut self, q: &SelectQ, base: usize, len: usize) {
        self.m.filter(&q.prog, base, len);
        if self.m.sel.is_empty() {
            return;
        }
        let dense = self.m.sel.len() == len;
        self.group(q, base);
        for (k, a) in q.aggs.iter().enumerate() {
            if a.reg.is_some() {
                self.m.run(&q.prog.ops[a.ops.0..a.ops.1], base, dense);
            }
            let gids = &self.gids;
            let sel = &self.m.sel;
            let reg = a.reg.map(|r| &self.m.regs[r]);
            match (&mut self.accs[k], a.kind, reg) {
                (Acc::Count(v), _, _) => {
                    if v.len() == 1 {
                        v[0] += gids.len() as i64;
                    } else {
                        for &g in gids {
                            v[g as usize] += 1;
                        }
                    }
                }
                (Acc::I(v), AggKind::SumI, Some(Reg::I(x))) => {
                    if v.len() == 1 {
                        let s = crate::builtins::agg::sum_i64(x);
                        v[0] = v[0].wrapping_add(s);
                    } else {
                        for (&g, &y) in gids.iter().zip(x) {
                            let e = &mut v[g as usize];
                            *e = e.wrapping_add(if y == NJ { 0 } else { y });
                        }
                    }
                }
                (Acc::I(v), AggKind::MinI, Some(Reg::I(x))) => {
                    for (&g, &y) in gids.iter().zip(x) {
                        let e = &mut v[g as usize];
                        if y != NJ && y < *e {
                            *e = y;
                        }
                    }
                }
                (Acc::I(v), AggKind::MaxI, Some(Reg::I(x))) => {
                    for (&g, &y) in gids.iter().zip(x) {
                        let e = &mut v[g as usize];
                        if y != NJ && y > *e {
                            *e = y;
                        }
                    }
                }
                (Acc::F(v), AggKind::MinF, Some(Reg::F(x))) => {
                    for (&g, &y) in gids.iter().zip(x) {
                        let e = &mut v[g as usize];
                        if y < *e {
                            *e = y;
                        }
                    }
                }
                (Acc::F(v), AggKind::MaxF, Some(Reg::F(x))) => {
                    for (&g, &y) in gids.iter().zip(x) {
                        let e = &mut v[g as usize];
                        if y > *e {
                            *e = y;
                        }
                    }
                }
                (Acc::L(v), _, Some(Reg::F(x))) => {
                    for (&g, &y) in gids.iter().zip(x) {
                        v[g as usize].push(y);
                    }
                }
                (Acc::L(v), _, Some(Reg::I(x))) => {
                    for (&g, &y) in gids.iter().zip(x) {
                        v[g as usize].push(if y == NJ { f64::NAN } else { y as f64 });
                    }
                }
                (Acc::Row(v), AggKind::First, _) => {
                    for (&g, &p) in gids.iter().zip(sel) {
                        let e = &mut v[g as usize];
                        if *e < 0 {
                            *e = (base + p as usize) as i64;
                        }
                    }
                }
                (Acc::Row(v), _, _) => {
                    for (&g, &p) in gids.iter().zip(sel) {
                        v[g as usize] = (base + p as usize) as i64;
                    }
                }
                (Acc::W(v), _, _) => {
                    // in row order, skipping pairs with a null, as
                    // `stats::wavg` / `wsum` add them
                    let Some((cx, cy)) = self.wcols[k] else {
                        continue;
                    };
                    for (&g, &p) in gids.iter().zip(sel) {
                        let r = base + p as usize;
                        let (u, w) = (f64_at(cx, r), f64_at(cy, r));
                        if !u.is_nan() && !w.is_nan() {
                            let e = &mut v[g as usize];
                            e.0 += u * w;
                            e.1 += u;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The group of table row `r` (created when new), for merging.
    fn gid_of_row(&mut self, q: &SelectQ, r: usize) -> u32 {
        match std::mem::replace(&mut self.keys, Keys::None) {
            Keys::None => 0,
            Keys::Sym(mut tab) => {
                let id = key_at(self.keycols[0], r) as usize;
                if id >= tab.len() {
                    tab.resize(id + 1, u32::MAX);
                }
                let mut g = tab[id];
                if g == u32::MAX {
                    g = self.new_group(q, r as i64);
                    tab[id] = g;
                }
                self.keys = Keys::Sym(tab);
                g
            }
            Keys::One(mut map) => {
                let k = key_of(self.keycols[0], self.steps[0], r);
                let g = match map.get(&k) {
                    Some(&g) => g,
                    None => {
                        let g = self.new_group(q, r as i64);
                        map.insert(k, g);
                        g
                    }
                };
                self.keys = Keys::One(map);
                g
            }
            Keys::Many(mut map) => {
                let mut k = [0i64; 4];
                for (j, c) in self.keycols.iter().enumerate() {
                    k[j] = key_of(*c, self.steps[j], r);
                }
                let g = match map.get(&k) {
                    Some(&g) => g,
                    None => {
                        let g = self.new_group(q, r as i64);
                        map.insert(k, g);
                        g
                    }
                };
                self.keys = Keys::Many(map);
                g
            }
        }
    }

    /// Folds the state of the next row range into this one. Only exact
    /// aggregates are run split (counts, integer sums, integer min/max,
    /// first/last), so the result does not depend on the split; the other
    /// range's groups are visited in their creation order, which keeps
    /// groups in order of first occurrence.
    fn merge(&mut self, q: &SelectQ, o: AggState) {
        if q.keys.is_empty() {
            if o.firsts[0] < 0 {
                return;
            }
            if self.firsts[0] < 0 {
                self.firsts[0] = o.firsts[0];
            }
        }
        let map: Vec<u32> = if q.keys.is_empty() {
            vec![0]
        } else {
            o.firsts
                .iter()
                .map(|&r| self.gid_of_row(q, r as usize))
                .collect()
        };
        for ((a, b), ag) in self.accs.iter_mut().zip(o.accs).zip(&q.aggs) {
            match (a, b) {
                (Acc::Count(x), Acc::Count(y)) => {
                    for (&g, y) in map.iter().zip(y) {
                        x[g as usize] += y;
                    }
                }
                (Acc::I(x), Acc::I(y)) => {
                    for (&g, y) in map.iter().zip(y) {
                        let e = &mut x[g as usize];
                        *e = match ag.kind {
                            AggKind::MinI => (*e).min(y),
                            AggKind::MaxI => (*e).max(y),
                            _ => e.wrapping_add(y),
                        };
                    }
                }
                (Acc::Row(x), Acc::Row(y)) => {
                    for (&g, y) in map.iter().zip(y) {
                        let e = &mut x[g as usize];
                        if y >= 0 && (ag.kind == AggKind::Last || *e < 0) {
                            *e = y;
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn parallel_ok(q: &SelectQ) -> bool {
    q.aggs.iter().all(|a| {
        matches!(
            a.kind,
            AggKind::Count
                | AggKind::SumI
                | AggKind::MinI
                | AggKind::MaxI
                | AggKind::First
                | AggKind::Last
        )
    })
}

fn run_range<'a>(t: &'a Table, q: &SelectQ, lo: usize, hi: usize) -> Option<AggState<'a>> {
    let mut st = AggState::new(t, q)?;
    let mut base = lo;
    while base < hi {
        if interrupted() {
            return None;
        }
        let len = CHUNK.min(hi - base);
        st.chunk(q, base, len);
        base += len;
    }
    Some(st)
}

/// Runs a compiled select; `None` when the result is better left to the
/// interpreter (no rows or no groups: q's empty-result typing rules).
pub fn run_select(it: &mut Interp, t: &Table, q: &SelectQ) -> Option<QResult<Value>> {
    let n = t.len();
    let rs = ranges(n);
    let st = if rs.len() > 1 && parallel_ok(q) {
        let parts: Vec<Option<AggState>> = rs
            .par_iter()
            .map(|&(lo, hi)| run_range(t, q, lo, hi))
            .collect();
        let mut it_parts = parts.into_iter();
        let mut st = it_parts.next()??;
        for p in it_parts {
            st.merge(q, p?);
        }
        st
    } else {
        run_range(t, q, 0, n)?
    };
    if st.firsts.iter().any(|&r| r < 0) || st.firsts.is_empty() {
        return None;
    }
    let _ = it;
    Some(finish(t, q, st))
}

fn finish(t: &Table, q: &SelectQ, st: AggState) -> QResult<Value> {
    let mut cols = Vec::with_capacity(q.aggs.len());
    for (a, acc) in q.aggs.iter().zip(st.accs) {
        let v = match acc {
            Acc::Count(v) => Value::Vector(Vector::longs(v)),
            Acc::I(v) => {
                if a.narrow {
                    Value::Vector(Vector::from_i32(
                        a.ty,
                        v.iter().map(|&x| x as i32).collect(),
                    ))
                } else {
                    Value::Vector(Vector::from_i64(a.ty, v))
                }
            }
            Acc::F(v) => Value::Vector(Vector::from_f64(Ty::Float, v)),
            Acc::L(v) => Value::Vector(Vector::from_f64(
                Ty::Float,
                v.iter()
                    .map(|l| {
                        if a.kind == AggKind::SumF {
                            l.total()
                        } else if l.cnt == 0 {
                            f64::NAN
                        } else {
                            l.total() / l.cnt as f64
                        }
                    })
                    .collect(),
            )),
            Acc::Row(v) => take_idx(&t.columns[a.col.unwrap_or(0)], &v),
            Acc::W(v) => Value::Vector(Vector::from_f64(
                Ty::Float,
                v.iter()
                    .map(|&(s, w)| if a.kind == AggKind::Wavg { s / w } else { s })
                    .collect(),
            )),
        };
        cols.push(v);
    }
    if q.keys.is_empty() {
        return Ok(table(q.names.clone(), cols));
    }
    let keys: Vec<Value> = q
        .keys
        .iter()
        .zip(&q.key_steps)
        .map(|(&k, &step)| {
            let v = take_idx(&t.columns[k], &st.firsts);
            match (step, &v) {
                (Some(s), Value::Vector(x)) => match x.data() {
                    VecData::I64(b) => Value::Vector(Vector::from_i64(
                        x.ty(),
                        b.iter().map(|&e| bar(ColData::I64(&[]), s, e)).collect(),
                    )),
                    VecData::I32(b) => Value::Vector(Vector::from_i32(
                        x.ty(),
                        b.iter()
                            .map(|&e| bar(ColData::I32(&[]), s, e as i64) as i32)
                            .collect(),
                    )),
                    _ => v,
                },
                _ => v,
            }
        })
        .collect();
    // ascending key order, exactly as `qsql::group_rows` grades
    let kt = table(
        (0..keys.len())
            .map(|i| Sym::new(&format!("k{i}")))
            .collect(),
        keys.clone(),
    );
    let order = sort::grade(&kt, false)?;
    let oidx: Vec<i64> = order.iter().map(|&g| g as i64).collect();
    let keys = keys.iter().map(|k| take_idx(k, &oidx)).collect();
    let cols = cols.iter().map(|c| take_idx(c, &oidx)).collect();
    Ok(dict(
        table(q.key_names.clone(), keys),
        table(q.names.clone(), cols),
    ))
}
