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
    ranges_of(n, rayon::current_num_threads().max(1) * 4)
}

/// [`ranges`] in at most `parts` pieces.
fn ranges_of(n: usize, parts: usize) -> Vec<(usize, usize)> {
    if n < par_min_rows() {
        return vec![(0, n)];
    }
    let parts = parts.max(1);
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

/// Whether a float `min`/`max` could differ from the interpreter's: the
/// kernel keeps the first of equal items, `agg::minmax_f64` the winner of
/// its eight lanes, which only matters for a tie between `0.0` and `-0.0`.
/// So when some group's extreme is a zero, the argument column must not
/// hold zeros of both signs (an argument that is not a plain column: the
/// interpreter answers).
fn zero_ties(t: &Table, q: &SelectQ, st: &AggState) -> bool {
    for (a, acc) in q.aggs.iter().zip(&st.accs) {
        let Acc::F(v) = acc else { continue };
        if !v.contains(&0.0) {
            continue;
        }
        let col = match &q.prog.ops[a.ops.0..a.ops.1] {
            [Op::Load { col, .. }] => q.prog.cols.get(*col).map(|c| c.idx),
            _ => None,
        };
        let Some(Value::Vector(c)) = col.and_then(|i| t.columns.get(i)) else {
            return true;
        };
        let VecData::F64(c) = c.data() else {
            return true;
        };
        let (mut pos, mut neg) = (false, false);
        for &x in c.iter() {
            pos |= x.to_bits() == 0;
            neg |= x.to_bits() == (-0.0f64).to_bits();
        }
        if pos && neg {
            return true;
        }
    }
    false
}

/// The table column an aggregate reads in place (its ops are one `Load`
/// and the chunk is whole).
fn direct_col(q: &SelectQ, a: &Agg, dense: bool) -> Option<usize> {
    match &q.prog.ops[a.ops.0..a.ops.1] {
        [Op::Load { col, .. }] if dense => q.prog.cols.get(*col).map(|c| c.idx),
        _ => None,
    }
}

/// An aggregate's argument over the chunk's selected rows.
#[derive(Clone, Copy)]
enum Arg<'r> {
    I(&'r [i64]),
    F(&'r [f64]),
    None,
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
    /// Dense composite ids ([`DensePlan`]): slot → group (`u32::MAX`: none
    /// yet).
    Dense(Vec<u32>),
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
    /// The dense plan's keys (empty: hashed keys) and the chunk's slots.
    dense: Vec<DenseKey>,
    ids: Vec<u32>,
    /// A key item fell outside the planned ranges: the run gives up and
    /// the interpreter answers.
    bad: bool,
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

// ---------------------------------------------------------------------------
// Dense composite group ids

/// Most slots a dense key table may have (per worker).
pub(crate) const DENSE_MAX_SLOTS: usize = 1 << 22;

/// The slot-table size up to which `n` rows group through dense ids: a
/// few times the row count (the table is cleared once per worker), at
/// least a chunk's worth, at most [`DENSE_MAX_SLOTS`].
pub(crate) fn dense_limit(n: usize) -> usize {
    n.saturating_mul(4).clamp(CHUNK, DENSE_MAX_SLOTS)
}

/// Unsigned division by a constant as a multiply and a shift, exact for
/// dividends below `2^bits`: with `s = bits + ceil(log2 d)` and `m =
/// ceil(2^s / d)`, `floor(n*m / 2^s) = floor(n / d)` (the error term
/// `n*(m*d - 2^s) / (d*2^s)` stays below `1/d`). `bits` may be raised
/// (the bound only gets looser) so that `s >= 64`: the quotient is then
/// the high word of the product shifted by `s - 64`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Div {
    m: u64,
    s: u32,
}

impl Div {
    pub(super) fn new(d: u64, bits: u32) -> Option<Div> {
        if d == 0 || bits > 62 {
            return None;
        }
        let l = 64 - (d - 1).leading_zeros();
        let bits = bits.max(64u32.saturating_sub(l)).min(62);
        let s = bits + l;
        let m = (1u128 << s).div_ceil(d as u128);
        (m <= u64::MAX as u128).then_some(Div { m: m as u64, s })
    }

    /// Whether [`Div::hi`] applies.
    pub(super) fn high(self) -> bool {
        self.s >= 64
    }

    /// The quotient when `s >= 64`.
    #[inline(always)]
    pub(super) fn hi(self, n: u64) -> u64 {
        (((n as u128 * self.m as u128) >> 64) as u64) >> (self.s - 64)
    }

    #[inline(always)]
    pub(super) fn div(self, n: u64) -> u64 {
        ((n as u128 * self.m as u128) >> self.s) as u64
    }
}

/// One by key of a dense plan: its items (as `key_at` reads them) map to
/// `0..span`; the composite slot is the sum of `index * stride`.
#[derive(Clone, Copy, Debug)]
struct DenseKey {
    /// The lowest non-null item (xbar: its bucket).
    base: i64,
    /// The column's null as `key_at` reads it; when `has_null`, it takes
    /// index 0 and the other items shift up by one.
    null: i64,
    has_null: bool,
    /// Items map to `item - base < lim` (anything else means the ranges
    /// were wrong: the run gives up and the interpreter answers).
    lim: u64,
    /// `step xbar`: bucket index = `(item - base) / step`.
    div: Option<Div>,
    step: u64,
    /// The column has `s#`: consecutive items mostly share a bucket (the
    /// loop caches the current one). The scan took the first and last
    /// items as the range; were the attribute wrong, an item outside it
    /// still fails the range check.
    sorted: bool,
    stride: u64,
}

impl DenseKey {
    /// Index of item `v` (`bad` set when out of range; the index is then
    /// clamped so it stays in the table).
    #[inline(always)]
    fn idx(&self, v: i64, bad: &mut bool) -> u64 {
        // saturating: an item below `base` (only if an `s#` lied) is
        // out of range however far it is
        let n = v.saturating_sub(self.base) as u64;
        let isnull = self.has_null && v == self.null;
        *bad |= !isnull & (n >= self.lim);
        let n = n.min(self.lim - 1);
        let b = match self.div {
            Some(d) => d.div(n),
            None => n,
        };
        if isnull { 0 } else { b + self.has_null as u64 }
    }
}

/// The dense plan of a select: per by key its mapping, and the number of
/// slots (the product of the key spans).
#[derive(Clone, Debug)]
struct DensePlan {
    keys: Vec<DenseKey>,
    slots: usize,
}

/// Lowest and highest item of `c` other than `null`, and whether `null`
/// occurs (`(i64::MAX, i64::MIN, _)` when there is no other item).
fn scan_range<T: Copy + Sync>(
    c: &[T],
    null: i64,
    sorted: bool,
    f: impl Fn(T) -> i64 + Copy + Sync + Send,
) -> (i64, i64, bool) {
    if sorted && !c.is_empty() {
        // ascending: nulls (the smallest item) first
        let k = c.partition_point(|&x| f(x) == null);
        return if k == c.len() {
            (i64::MAX, i64::MIN, true)
        } else {
            (f(c[k]), f(c[c.len() - 1]), k > 0)
        };
    }
    let one = |c: &[T]| {
        let (mut mn, mut mx, mut nul) = (i64::MAX, i64::MIN, false);
        for &x in c {
            let v = f(x);
            let isn = v == null;
            nul |= isn;
            mn = mn.min(if isn { i64::MAX } else { v });
            mx = mx.max(if isn { i64::MIN } else { v });
        }
        (mn, mx, nul)
    };
    if c.len() < par_min_rows() {
        return one(c);
    }
    c.par_chunks(1 << 20).map(one).reduce(
        || (i64::MAX, i64::MIN, false),
        |a, b| (a.0.min(b.0), a.1.max(b.1), a.2 | b.2),
    )
}

/// [`scan_range`] of symbol ids, in `u32` (vectorises).
fn scan_syms(c: &[Sym]) -> (i64, i64, bool) {
    let one = |c: &[Sym]| {
        c.iter()
            .fold((u32::MAX, 0u32), |(a, b), x| (a.min(x.0), b.max(x.0)))
    };
    let (mn, mx) = if c.len() < par_min_rows() {
        one(c)
    } else {
        c.par_chunks(1 << 20)
            .map(one)
            .reduce(|| (u32::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)))
    };
    if c.is_empty() {
        (i64::MAX, i64::MIN, false)
    } else {
        (mn as i64, mx as i64, false)
    }
}

/// The dense plan for the by keys of `q` over `t`, when the product of
/// the key ranges is small enough ([`dense_limit`]); `None`: hash.
fn dense_plan(t: &Table, q: &SelectQ) -> Option<DensePlan> {
    let n = t.len();
    if n == 0 || q.keys.is_empty() {
        return None;
    }
    if let ([k], [None]) = (q.keys.as_slice(), q.key_steps.as_slice())
        && let Some(Value::Vector(v)) = t.columns.get(*k)
        && matches!(v.data(), VecData::Sym(_))
    {
        // one symbol key: `Keys::Sym` indexes by symbol id already
        return None;
    }
    let limit = dense_limit(n);
    let mut keys = Vec::with_capacity(q.keys.len());
    for (&k, &step) in q.keys.iter().zip(&q.key_steps) {
        let Value::Vector(v) = t.columns.get(k)? else {
            return None;
        };
        let sorted = v.attr == crate::value::Attr::Sorted;
        // the column's null and infinities as `key_at` reads them
        let (null, inf) = match v.data() {
            VecData::I64(_) => (i64::MIN, i64::MAX),
            VecData::I32(_) => (i32::MIN as i64, i32::MAX as i64),
            _ => (i64::MIN, i64::MAX),
        };
        let (mn, mx, has_null) = match v.data() {
            VecData::I64(b) => scan_range(b, null, sorted, |x| x),
            VecData::I32(b) => scan_range(b, null, sorted, |x| x as i64),
            VecData::U8(b) => scan_range(b, null, false, |x| x as i64),
            VecData::Sym(b) => scan_syms(b),
            _ => return None,
        };
        let (base, lim, div, span) = if mn > mx {
            // nothing but nulls: one unused bucket
            (0, 1, None, 1u64)
        } else {
            match step {
                None => {
                    let lim = (mx as i128 - mn as i128 + 1) as u128;
                    if lim > limit as u128 {
                        return None;
                    }
                    (mn, lim as u64, None, lim as u64)
                }
                Some(s) => {
                    // `bar` keeps the infinities: they have no bucket
                    if s <= 0 || mn == -inf || mx == inf {
                        return None;
                    }
                    let lo = mn as i128 - (mn as i128).rem_euclid(s as i128);
                    // the lowest bucket must not be the null itself (the
                    // interpreter would group them together)
                    if lo < i64::MIN as i128 || lo == null as i128 {
                        return None;
                    }
                    let hi = mx as i128 - (mx as i128).rem_euclid(s as i128);
                    let span = (hi - lo) / s as i128 + 1;
                    if span > limit as i128 {
                        return None;
                    }
                    let lim = (mx as i128 - lo + 1) as u64;
                    let bits = 64 - (lim - 1).leading_zeros();
                    let div = (s > 1).then(|| Div::new(s as u64, bits)).flatten();
                    if s > 1 && div.is_none() {
                        return None;
                    }
                    (lo as i64, lim, div, span as u64)
                }
            }
        };
        keys.push(DenseKey {
            base,
            null,
            has_null,
            lim,
            div,
            step: step.unwrap_or(1) as u64,
            sorted,
            stride: span + has_null as u64,
        });
    }
    // strides: the last key varies fastest
    let mut slots: u64 = 1;
    for k in keys.iter_mut().rev() {
        let span = k.stride;
        k.stride = slots;
        slots = slots.checked_mul(span)?;
        if slots > limit as u64 {
            return None;
        }
    }
    Some(DensePlan {
        keys,
        slots: slots as usize,
    })
}

/// Adds `index * stride` of key `k` for the selected rows of the chunk at
/// `base` to `ids` (`f` reads an item as `key_at` does). The loop is
/// instantiated per case (nulls or not; no step, a high-word division, a
/// general one, or a sorted column with the current bucket cached) so
/// each is a tight loop without per-row decisions.
#[inline]
#[allow(clippy::too_many_arguments)]
fn add_ids<T: Copy>(
    ids: &mut [u32],
    c: &[T],
    base: usize,
    sel: &[u32],
    dense: bool,
    k: &DenseKey,
    bad: &mut bool,
    f: impl Fn(T) -> i64 + Copy,
) {
    #[inline(always)]
    fn run<T: Copy, const NUL: bool>(
        ids: &mut [u32],
        c: &[T],
        base: usize,
        sel: &[u32],
        dense: bool,
        k: &DenseKey,
        f: impl Fn(T) -> i64,
        bucket: impl Fn(u64) -> u64,
    ) -> bool {
        let (b0, lim, null, stride) = (k.base, k.lim, k.null, k.stride);
        let mut bad = false;
        let mut one = |o: &mut u32, v: i64| {
            let n = v.saturating_sub(b0) as u64;
            let isnull = v == null;
            // a null where the scan saw none, or an item out of range
            bad |= if NUL {
                !isnull & (n >= lim)
            } else {
                isnull | (n >= lim)
            };
            let b = bucket(n.min(lim - 1)) + NUL as u64;
            *o += ((if NUL && isnull { 0 } else { b }) * stride) as u32;
        };
        if dense {
            for (o, &x) in ids.iter_mut().zip(&c[base..base + sel.len()]) {
                one(o, f(x));
            }
        } else {
            for (o, &p) in ids.iter_mut().zip(sel) {
                one(o, f(c[base + p as usize]));
            }
        }
        bad
    }
    /// Sorted column: divide only when an item leaves the current bucket.
    #[inline(always)]
    fn cached<T: Copy>(
        ids: &mut [u32],
        c: &[T],
        base: usize,
        sel: &[u32],
        dense: bool,
        k: &DenseKey,
        f: impl Fn(T) -> i64,
        d: Div,
    ) -> bool {
        let (b0, lim, null, stride, step) = (k.base, k.lim, k.null, k.stride, k.step);
        let nul = k.has_null as u64;
        let mut bad = false;
        // the cached bucket: its start (in `n` units) and its slot part;
        // bucket 0 to begin with
        let (mut lo, mut cur) = (0u64, (nul * stride) as u32);
        let mut one = |o: &mut u32, v: i64| {
            let n = v.saturating_sub(b0) as u64;
            if v == null {
                // index 0; a null the scan did not see: give up
                bad |= nul == 0;
            } else if n.wrapping_sub(lo) < step {
                *o += cur;
            } else {
                bad |= n >= lim;
                let b = d.div(n.min(lim - 1));
                lo = b * step;
                cur = ((b + nul) * stride) as u32;
                *o += cur;
            }
        };
        if dense {
            for (o, &x) in ids.iter_mut().zip(&c[base..base + sel.len()]) {
                one(o, f(x));
            }
        } else {
            for (o, &p) in ids.iter_mut().zip(sel) {
                one(o, f(c[base + p as usize]));
            }
        }
        bad
    }
    let b = match (k.has_null, k.div) {
        (_, Some(d)) if k.sorted => cached(ids, c, base, sel, dense, k, f, d),
        (false, None) => run::<T, false>(ids, c, base, sel, dense, k, f, |n| n),
        (true, None) => run::<T, true>(ids, c, base, sel, dense, k, f, |n| n),
        (false, Some(d)) if d.high() => {
            run::<T, false>(ids, c, base, sel, dense, k, f, |n| d.hi(n))
        }
        (true, Some(d)) if d.high() => run::<T, true>(ids, c, base, sel, dense, k, f, |n| d.hi(n)),
        (false, Some(d)) => run::<T, false>(ids, c, base, sel, dense, k, f, |n| d.div(n)),
        (true, Some(d)) => run::<T, true>(ids, c, base, sel, dense, k, f, |n| d.div(n)),
    };
    *bad |= b;
}

/// [`add_ids`] for a symbol key (no step, no null: ids are `u32`, and so
/// is the arithmetic, which vectorises).
#[inline]
fn add_sym_ids(
    ids: &mut [u32],
    c: &[Sym],
    base: usize,
    sel: &[u32],
    dense: bool,
    k: &DenseKey,
    bad: &mut bool,
) {
    // the scan gives `base <= id` for every id and `lim <= DENSE_MAX_SLOTS`
    let (b0, lim, stride) = (k.base as u32, k.lim as u32, k.stride as u32);
    let mut b = false;
    let mut one = |o: &mut u32, x: Sym| {
        let n = x.0.wrapping_sub(b0);
        b |= n >= lim;
        *o += n.min(lim - 1) * stride;
    };
    if dense {
        for (o, &x) in ids.iter_mut().zip(&c[base..base + sel.len()]) {
            one(o, x);
        }
    } else {
        for (o, &p) in ids.iter_mut().zip(sel) {
            one(o, c[base + p as usize]);
        }
    }
    *bad |= b;
}

impl<'a> AggState<'a> {
    fn new(t: &'a Table, q: &SelectQ, plan: Option<&DensePlan>) -> Option<Self> {
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
        let keys = match (keycols.as_slice(), plan) {
            ([], _) => Keys::None,
            ([ColData::Sym(_)], _) if steps[0].is_none() => Keys::Sym(Vec::new()),
            (_, Some(p)) => Keys::Dense(vec![u32::MAX; p.slots]),
            ([_], None) => Keys::One(HashMap::default()),
            (_, None) => Keys::Many(HashMap::default()),
        };
        let dense = match (&keys, plan) {
            (Keys::Dense(_), Some(p)) => p.keys.clone(),
            _ => vec![],
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
            ids: if dense.is_empty() {
                vec![]
            } else {
                Vec::with_capacity(CHUNK)
            },
            dense,
            bad: false,
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
    fn group(&mut self, q: &SelectQ, base: usize, dense: bool) {
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
            Keys::Dense(mut slots) => {
                self.dense_ids(&sel, base, dense);
                self.gids.resize(sel.len(), 0);
                let slots_ = &mut slots[..];
                for ((o, &id), &p) in self.gids.iter_mut().zip(&self.ids).zip(&sel) {
                    let e = &mut slots_[id as usize];
                    if *e == u32::MAX {
                        *e = self.firsts.len() as u32;
                        self.firsts.push((base + p as usize) as i64);
                        for (a, acc) in q.aggs.iter().zip(self.accs.iter_mut()) {
                            acc_grow(a, acc);
                        }
                    }
                    *o = *e;
                }
                self.keys = Keys::Dense(slots);
            }
        }
        self.m.sel = sel;
    }

    /// Dense slots of the selected rows of the chunk at `base` into `ids`.
    fn dense_ids(&mut self, sel: &[u32], base: usize, dense: bool) {
        prepare(&mut self.ids, sel.len());
        self.ids.resize(sel.len(), 0);
        let mut bad = false;
        for (k, c) in self.dense.iter().zip(&self.keycols) {
            let ids = &mut self.ids[..];
            match *c {
                ColData::I64(c) => add_ids(ids, c, base, sel, dense, k, &mut bad, |x| x),
                ColData::I32(c) => add_ids(ids, c, base, sel, dense, k, &mut bad, |x| x as i64),
                ColData::U8(c) => add_ids(ids, c, base, sel, dense, k, &mut bad, |x| x as i64),
                ColData::Sym(c) => add_sym_ids(ids, c, base, sel, dense, k, &mut bad),
                ColData::F64(_) => bad = true,
            }
        }
        self.bad |= bad;
    }

    /// The dense slot of table row `r`.
    fn dense_slot(&mut self, r: usize) -> usize {
        let mut s = 0;
        for (k, &c) in self.dense.iter().zip(&self.keycols) {
            s += k.idx(key_at(c, r), &mut self.bad) * k.stride;
        }
        s as usize
    }

    fn chunk(&mut self, q: &SelectQ, base: usize, len: usize) {
        self.m.filter(&q.prog, base, len);
        if self.m.sel.is_empty() {
            return;
        }
        let dense = self.m.sel.len() == len;
        self.group(q, base, dense);
        let mut skip = usize::MAX;
        for (k, a) in q.aggs.iter().enumerate() {
            if k == skip {
                continue;
            }
            // the aggregate's argument: a plain long/float column over a
            // whole chunk is read in place, anything else runs its ops
            let direct = match (&q.prog.ops[a.ops.0..a.ops.1], dense) {
                ([Op::Load { col, .. }], true) => match self.m.cols[*col] {
                    ColData::I64(c) => Some(Arg::I(&c[base..base + len])),
                    ColData::F64(c) => Some(Arg::F(&c[base..base + len])),
                    _ => None,
                },
                _ => None,
            };
            let arg = match (direct, a.reg) {
                (Some(x), _) => x,
                (None, Some(r)) => {
                    self.m.run(&q.prog.ops[a.ops.0..a.ops.1], base, dense);
                    match &self.m.regs[r] {
                        Reg::I(x) => Arg::I(x),
                        Reg::F(x) => Arg::F(x),
                        Reg::B(_) => Arg::None,
                    }
                }
                (None, None) => Arg::None,
            };
            let gids = &self.gids[..];
            let sel = &self.m.sel[..];
            // `max x` next to `min x` (or the reverse) of one float column
            // read in place: one loop for both
            if let (Arg::F(x), Some(b)) = (arg, q.aggs.get(k + 1))
                && matches!(
                    (a.kind, b.kind),
                    (AggKind::MaxF, AggKind::MinF) | (AggKind::MinF, AggKind::MaxF)
                )
                && direct_col(q, a, dense).is_some()
                && direct_col(q, a, dense) == direct_col(q, b, dense)
                && let (l, [r, ..]) = self.accs.split_at_mut(k + 1)
                && let (Acc::F(u), Acc::F(w)) = (&mut l[k], r)
            {
                let (mx, mn) = if a.kind == AggKind::MaxF {
                    (&mut u[..], &mut w[..])
                } else {
                    (&mut w[..], &mut u[..])
                };
                for (&g, &y) in gids.iter().zip(x) {
                    let e = &mut mx[g as usize];
                    if y > *e {
                        *e = y;
                    }
                    let e = &mut mn[g as usize];
                    if y < *e {
                        *e = y;
                    }
                }
                skip = k + 1;
                continue;
            }
            match (&mut self.accs[k], a.kind, arg) {
                (Acc::Count(v), _, _) => {
                    if v.len() == 1 {
                        v[0] += gids.len() as i64;
                    } else {
                        let v = &mut v[..];
                        for &g in gids {
                            v[g as usize] += 1;
                        }
                    }
                }
                (Acc::I(v), AggKind::SumI, Arg::I(x)) => {
                    if v.len() == 1 {
                        let s = crate::builtins::agg::sum_i64(x);
                        v[0] = v[0].wrapping_add(s);
                    } else {
                        let v = &mut v[..];
                        for (&g, &y) in gids.iter().zip(x) {
                            let e = &mut v[g as usize];
                            *e = e.wrapping_add(if y == NJ { 0 } else { y });
                        }
                    }
                }
                (Acc::I(v), AggKind::MinI, Arg::I(x)) => {
                    let v = &mut v[..];
                    for (&g, &y) in gids.iter().zip(x) {
                        let e = &mut v[g as usize];
                        if y != NJ && y < *e {
                            *e = y;
                        }
                    }
                }
                (Acc::I(v), AggKind::MaxI, Arg::I(x)) => {
                    let v = &mut v[..];
                    for (&g, &y) in gids.iter().zip(x) {
                        let e = &mut v[g as usize];
                        if y != NJ && y > *e {
                            *e = y;
                        }
                    }
                }
                (Acc::F(v), AggKind::MinF, Arg::F(x)) => {
                    let v = &mut v[..];
                    for (&g, &y) in gids.iter().zip(x) {
                        let e = &mut v[g as usize];
                        if y < *e {
                            *e = y;
                        }
                    }
                }
                (Acc::F(v), AggKind::MaxF, Arg::F(x)) => {
                    let v = &mut v[..];
                    for (&g, &y) in gids.iter().zip(x) {
                        let e = &mut v[g as usize];
                        if y > *e {
                            *e = y;
                        }
                    }
                }
                (Acc::L(v), _, Arg::F(x)) => {
                    let v = &mut v[..];
                    for (&g, &y) in gids.iter().zip(x) {
                        v[g as usize].push(y);
                    }
                }
                (Acc::L(v), _, Arg::I(x)) => {
                    let v = &mut v[..];
                    for (&g, &y) in gids.iter().zip(x) {
                        v[g as usize].push(if y == NJ { f64::NAN } else { y as f64 });
                    }
                }
                // a group's first selected row is the row it was made at:
                // `finish` reads `firsts`
                (Acc::Row(_), AggKind::First, _) => {}
                (Acc::Row(v), _, _) => {
                    let v = &mut v[..];
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
                    let v = &mut v[..];
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
            Keys::Dense(mut slots) => {
                let s = self.dense_slot(r);
                let mut g = slots[s];
                if g == u32::MAX {
                    g = self.new_group(q, r as i64);
                    slots[s] = g;
                }
                self.keys = Keys::Dense(slots);
                g
            }
        }
    }

    /// Folds the state of the next row range into this one. Only exact
    /// aggregates are run split (counts, integer sums, min/max, first/last),
    /// so the result does not depend on the split; the other
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
                (Acc::F(x), Acc::F(y)) => {
                    for (&g, y) in map.iter().zip(y) {
                        let e = &mut x[g as usize];
                        let better = if ag.kind == AggKind::MinF {
                            y < *e
                        } else {
                            y > *e
                        };
                        if better {
                            *e = y;
                        }
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
                | AggKind::MinF
                | AggKind::MaxF
                | AggKind::First
                | AggKind::Last
        )
    })
}

fn run_range<'a>(
    t: &'a Table,
    q: &SelectQ,
    plan: Option<&DensePlan>,
    lo: usize,
    hi: usize,
) -> Option<AggState<'a>> {
    let mut st = AggState::new(t, q, plan)?;
    let mut base = lo;
    while base < hi {
        if interrupted() {
            return None;
        }
        let len = CHUNK.min(hi - base);
        st.chunk(q, base, len);
        base += len;
    }
    (!st.bad).then_some(st)
}

/// Slot-table entries all workers together may allocate.
const DENSE_MAX_TOTAL: usize = 1 << 23;

/// Runs a compiled select; `None` when the result is better left to the
/// interpreter (no rows or no groups: q's empty-result typing rules).
pub fn run_select(it: &mut Interp, t: &Table, q: &SelectQ) -> Option<QResult<Value>> {
    let n = t.len();
    let plan = dense_plan(t, q);
    let threads = rayon::current_num_threads().max(1);
    // each worker has its own slot table: fewer pieces for big ones
    let parts = match &plan {
        Some(p) if p.slots.saturating_mul(threads * 4) > DENSE_MAX_TOTAL => threads,
        _ => threads * 4,
    };
    let rs = ranges_of(n, parts);
    let st = if rs.len() > 1 && parallel_ok(q) {
        let parts: Vec<Option<AggState>> = rs
            .par_iter()
            .map(|&(lo, hi)| run_range(t, q, plan.as_ref(), lo, hi))
            .collect();
        let mut it_parts = parts.into_iter();
        let mut st = it_parts.next()??;
        for p in it_parts {
            st.merge(q, p?);
        }
        if st.bad {
            return None;
        }
        st
    } else {
        run_range(t, q, plan.as_ref(), 0, n)?
    };
    if zero_ties(t, q, &st) {
        return None;
    }
    if plan.is_some() {
        super::note_dense();
    }
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
            Acc::Row(v) => {
                let rows = if a.kind == AggKind::First {
                    &st.firsts
                } else {
                    &v
                };
                take_idx(&t.columns[a.col.unwrap_or(0)], rows)
            }
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
