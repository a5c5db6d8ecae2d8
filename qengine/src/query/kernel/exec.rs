//! Chunked execution of compiled programs.
//!
//! A [`Machine`] owns the registers and the selection vector of one worker;
//! they are sized for [`CHUNK`] rows when it is made and reused for every
//! chunk (a buffer that has to grow bumps [`super::chunk_allocs`]).

type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::FixedState>;
use qcore::sentinel::NJ;
use rayon::prelude::*;

use super::CHUNK;
use super::compile::AOp;
use super::compile::Agg;
use super::compile::AggKind;
use super::compile::Op;
use super::compile::Opnd;
use super::compile::Program;
use super::compile::RegKind;
use super::compile::SelectQ;
use super::note_alloc;
use super::par_min_rows;
use crate::ops::compare::Cmp;
use crate::ops::compare::feq;
use crate::ops::compare::flt;
use crate::ops::index::take_idx;
use crate::ops::lanes::Lanes;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;

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
///
/// After [`Machine::filter`] the chunk's selection is `n` rows: when
/// `dense`, every row of the chunk (and `sel` is not filled); otherwise
/// `sel[..n]`, the selected positions from the chunk's base, ascending.
struct Machine<'a> {
    cols: Vec<ColData<'a>>,
    regs: Vec<Reg>,
    /// Fixed length [`SEL_LEN`] (writes may run ahead of `n`).
    sel: Vec<u32>,
    n: usize,
    dense: bool,
}

/// Length of a selection buffer: a chunk plus room for the block writes
/// of [`put_bits`].
const SEL_LEN: usize = CHUNK + 64;

#[inline]
fn prepare<T>(v: &mut Vec<T>, n: usize) {
    v.clear();
    if v.capacity() < n {
        note_alloc();
        v.reserve(n);
    }
}

/// `f` of the `n` selected items of `src` (chunk at `base`).
#[inline]
fn gather<T: Copy, U>(
    out: &mut Vec<U>,
    src: &[T],
    base: usize,
    sel: &[u32],
    n: usize,
    dense: bool,
    f: impl Fn(T) -> U,
) {
    prepare(out, n);
    if dense {
        out.extend(src[base..base + n].iter().map(|&x| f(x)));
    } else {
        out.extend(sel[..n].iter().map(|&p| f(src[base + p as usize])));
    }
}

/// Runs `$body` with `$j` the index and `$r` the table row of each of
/// the `$n` selected rows of the chunk at `$base` (two loops, so each is
/// tight; a macro, so the body is inlined whatever it calls).
macro_rules! each_row {
    ($base:expr, $sel:expr, $n:expr, $dense:expr, |$j:ident, $r:ident| $body:block) => {{
        let (base, n): (usize, usize) = ($base, $n);
        if $dense {
            for $j in 0..n {
                let $r = base + $j;
                $body
            }
        } else {
            for ($j, &p) in $sel[..n].iter().enumerate() {
                let $r = base + p as usize;
                $body
            }
        }
    }};
}

/// For each byte of a mask, its set bits' positions (the rest zero).
const fn pos_table() -> [[u8; 8]; 256] {
    let mut t = [[0u8; 8]; 256];
    let mut b = 0;
    while b < 256 {
        let (mut q, mut j) = (0, 0);
        while j < 8 {
            if b & (1 << j) != 0 {
                t[b][q] = j as u8;
                q += 1;
            }
            j += 1;
        }
        b += 1;
    }
    t
}

static POS: [[u8; 8]; 256] = pos_table();

/// Writes `k0 + j` for each set bit `j` of `m` into `buf` from `w`;
/// returns the new count. May write up to 64 items past `w` (the buffer
/// has room: `w <= k0` and the chunk ends at or after `k0 + 64`).
#[inline(always)]
fn put_bits(buf: &mut [u32], mut w: usize, k0: u32, mut m: u64) -> usize {
    if m == 0 {
        return w;
    }
    if m == u64::MAX {
        for (j, o) in buf[w..w + 64].iter_mut().enumerate() {
            *o = k0 + j as u32;
        }
        return w + 64;
    }
    if m.count_ones() > 12 {
        // dense: eight positions per mask byte from a table
        for k in 0..8u32 {
            let byte = ((m >> (8 * k)) & 0xff) as usize;
            let e = &POS[byte];
            let out = &mut buf[w..w + 8];
            for j in 0..8 {
                out[j] = k0 + 8 * k + e[j] as u32;
            }
            w += byte.count_ones() as usize;
        }
        return w;
    }
    // sparse: the first few without a data-dependent branch
    for _ in 0..4 {
        buf[w] = k0 + m.trailing_zeros();
        w += (m != 0) as usize;
        m &= m.wrapping_sub(1);
    }
    while m != 0 {
        buf[w] = k0 + m.trailing_zeros();
        w += 1;
        m &= m - 1;
    }
    w
}

/// 64 flags (0/1 bytes) as a bit mask, bit `j` for byte `j`.
#[inline(always)]
fn pack64(f: &[u8; 64]) -> u64 {
    let mut m = 0u64;
    for k in 0..8 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&f[8 * k..8 * k + 8]);
        // gathers the low bit of each byte into the top byte
        let w = u64::from_le_bytes(b).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        m |= w << (8 * k);
    }
    m
}

/// The positions `k` in `c` where `f(c[k])`, written into `buf` (at least
/// `c.len()` long, `c` at most a chunk); returns their number. The flags
/// are computed 64 at a time (branch-free, vectorisable), then the set
/// bits written.
#[inline(always)]
fn select_into<T: Copy>(buf: &mut [u32], c: &[T], f: impl Fn(T) -> bool) -> usize {
    let mut w = 0;
    let mut k0 = 0u32;
    let mut blocks = c.chunks_exact(64);
    for b in &mut blocks {
        let mut fl = [0u8; 64];
        for (o, &x) in fl.iter_mut().zip(b) {
            *o = f(x) as u8;
        }
        w = put_bits(buf, w, k0, pack64(&fl));
        k0 += 64;
    }
    for &x in blocks.remainder() {
        buf[w] = k0;
        w += f(x) as usize;
        k0 += 1;
    }
    w
}

/// [`select_into`] one item at a time: each position written, the count
/// advanced when `f` holds. Faster for 64-bit and tolerant float compares,
/// which do not vectorise on the baseline target.
#[inline(always)]
fn keep_into<T: Copy>(buf: &mut [u32], c: &[T], f: impl Fn(T) -> bool) -> usize {
    let mut w = 0;
    for (k, &x) in c.iter().enumerate() {
        buf[w] = k as u32;
        w += f(x) as usize;
    }
    w
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
pub(super) fn ij(op: AOp, a: i64, b: i64) -> i64 {
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
pub(super) fn ff(op: AOp, a: f64, b: f64) -> f64 {
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
    ($out:expr, $c:expr, $base:expr, $sel:expr, $n:expr, $dense:expr, $op:expr, $y:expr, $eq:expr, $lt:expr) => {{
        let (eq, lt, y) = ($eq, $lt, $y);
        match $op {
            Cmp::Eq => gather($out, $c, $base, $sel, $n, $dense, |x| eq(x, y) as u8),
            Cmp::Ne => gather($out, $c, $base, $sel, $n, $dense, |x| !eq(x, y) as u8),
            Cmp::Lt => gather($out, $c, $base, $sel, $n, $dense, |x| lt(x, y) as u8),
            Cmp::Gt => gather($out, $c, $base, $sel, $n, $dense, |x| lt(y, x) as u8),
            Cmp::Le => gather($out, $c, $base, $sel, $n, $dense, |x| !lt(y, x) as u8),
            Cmp::Ge => gather($out, $c, $base, $sel, $n, $dense, |x| !lt(x, y) as u8),
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
            sel: vec![0; SEL_LEN],
            n: 0,
            dense: true,
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

    /// Runs `ops` over the selected rows of the chunk at `base`.
    fn run(&mut self, ops: &[Op], base: usize) {
        let (n, dense) = (self.n, self.dense);
        for op in ops {
            let dst = op.dst();
            let mut out = std::mem::replace(&mut self.regs[dst], Reg::B(Vec::new()));
            let sel = &self.sel[..];
            match (op, &mut out) {
                (Op::Load { col, .. }, Reg::I(o)) => match self.cols[*col] {
                    ColData::I64(c) => gather(o, c, base, sel, n, dense, |x| x),
                    ColData::I32(c) => gather(o, c, base, sel, n, dense, |x| {
                        if x == i32::MIN { NJ } else { x as i64 }
                    }),
                    ColData::Sym(c) => gather(o, c, base, sel, n, dense, |x| x.0 as i64),
                    ColData::U8(c) => gather(o, c, base, sel, n, dense, |x| x as i64),
                    ColData::F64(_) => {}
                },
                (Op::Load { col, .. }, Reg::F(o)) => {
                    if let ColData::F64(c) = self.cols[*col] {
                        gather(o, c, base, sel, n, dense, |x| x)
                    }
                }
                (Op::Load { col, .. }, Reg::B(o)) => {
                    if let ColData::U8(c) = self.cols[*col] {
                        gather(o, c, base, sel, n, dense, |x| x)
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
                        n,
                        dense,
                        op,
                        y,
                        |x: i64, y: i64| x == y,
                        |x: i64, y: i64| x < y
                    ),
                    (ColData::F64(c), Opnd::F(y), true) => {
                        cmp_col!(o, c, base, sel, n, dense, op, y, feq, flt)
                    }
                    // symbols: only `=` and `<>` are compiled
                    (ColData::Sym(c), Opnd::I(y), false) => match op {
                        Cmp::Ne => gather(o, c, base, sel, n, dense, |x| (x.0 as i64 != y) as u8),
                        _ => gather(o, c, base, sel, n, dense, |x| (x.0 as i64 == y) as u8),
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
    /// positions written straight into `sel`, with no boolean register
    /// in between (symbols 64 flags at a time, [`select_into`]). False
    /// when `op` is not of that form.
    fn select_col(&mut self, op: &Op, base: usize, len: usize) -> bool {
        let Op::CmpCol {
            op, col, b, float, ..
        } = op
        else {
            return false;
        };
        let sel = &mut self.sel[..];
        macro_rules! by_op {
            ($c:expr, $y:expr, $eq:expr, $lt:expr) => {{
                let (c, eq, lt, y) = (&$c[base..base + len], $eq, $lt, $y);
                match op {
                    Cmp::Eq => keep_into(sel, c, |x| eq(x, y)),
                    Cmp::Ne => keep_into(sel, c, |x| !eq(x, y)),
                    Cmp::Lt => keep_into(sel, c, |x| lt(x, y)),
                    Cmp::Gt => keep_into(sel, c, |x| lt(y, x)),
                    Cmp::Le => keep_into(sel, c, |x| !lt(y, x)),
                    Cmp::Ge => keep_into(sel, c, |x| !lt(x, y)),
                }
            }};
        }
        let w = match (self.cols[*col], *b, *float) {
            (ColData::I64(c), Opnd::I(y), false) => {
                by_op!(c, y, |x: i64, y: i64| x == y, |x: i64, y: i64| x < y)
            }
            (ColData::F64(c), Opnd::F(y), true) => by_op!(c, y, feq, flt),
            (ColData::Sym(c), Opnd::I(y), false) => {
                let c = &c[base..base + len];
                // ids are `u32`: compare in `u32` (an id that cannot be
                // one never matches)
                match (op, u32::try_from(y)) {
                    (Cmp::Ne, Ok(y)) => select_into(sel, c, |x: Sym| x.0 != y),
                    (Cmp::Ne, Err(_)) => select_into(sel, c, |_: Sym| true),
                    (_, Ok(y)) => select_into(sel, c, |x: Sym| x.0 == y),
                    (_, Err(_)) => 0,
                }
            }
            _ => return false,
        };
        self.n = w;
        self.dense = w == len;
        true
    }

    /// Selects rows `[base, base+len)`, narrowing by each constraint in
    /// order; leaves the survivors in `n`/`dense`/`sel`.
    fn filter(&mut self, p: &Program, base: usize, len: usize) {
        self.n = len;
        self.dense = true;
        for &((s, e), r) in &p.constraints {
            if self.n == 0 {
                return;
            }
            if self.dense && e == s + 1 && self.select_col(&p.ops[s], base, len) {
                continue;
            }
            self.run(&p.ops[s..e], base);
            let Reg::B(b) = &self.regs[r] else {
                self.n = 0;
                return;
            };
            let w = if self.dense {
                select_into(&mut self.sel, &b[..len], |x: u8| x != 0)
            } else {
                let mut w = 0;
                for (k, &keep) in b.iter().enumerate().take(self.n) {
                    let v = self.sel[k];
                    self.sel[w] = v;
                    w += (keep != 0) as usize;
                }
                w
            };
            self.n = w;
            self.dense = w == len;
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
    crate::state::INTERRUPT.load(std::sync::atomic::Ordering::Relaxed)
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
        if m.dense {
            rows.extend((base..base + len).map(|r| r as i64));
        } else {
            rows.extend(m.sel[..m.n].iter().map(|&k| (base + k as usize) as i64));
        }
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

/// Whether a float `min`/`max` could differ from the interpreter's: the
/// kernel keeps the first of equal items, `crate::ops::reduce::minmax_f64` the winner of
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
    /// No by: one group, no group ids.
    one: bool,
    /// Groups the accumulators hold (second stage of a pipelined run).
    groups: usize,
    /// Which aggregates this pass folds.
    stage: Stage,
    /// Split runs: the ordered aggregates' items (and the group ids),
    /// recorded in row order for the ordered pass instead of folded.
    rec: Option<Rec>,
}

/// Aggregates whose result depends on the order their items are added
/// (float sums: `sum`/`avg` of floats, `avg` of integers, `wavg`,
/// `wsum`); the others (`count`, integer `sum`, `min`, `max`, `first`,
/// `last`) merge exactly across row ranges.
fn ordered(k: AggKind) -> bool {
    matches!(
        k,
        AggKind::SumF | AggKind::AvgI | AggKind::AvgF | AggKind::Wavg | AggKind::Wsum
    )
}

/// The aggregates a pass over the rows folds: all of them, or (split
/// runs) first the exact ones over row ranges in parallel, then the
/// ordered ones in one pass in row order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    All,
    Exact,
    Ordered,
}

impl Stage {
    fn wants(self, k: AggKind) -> bool {
        match self {
            Stage::All => true,
            Stage::Exact => !ordered(k),
            Stage::Ordered => ordered(k),
        }
    }
}

/// The items of a row range the ordered aggregates would have folded:
/// per aggregate its argument for each selected row, and each row's
/// group id (in the range's own numbering).
#[derive(Default)]
struct Rec {
    vals: Vec<RecVals>,
    gids: Vec<u32>,
}

enum RecVals {
    None,
    I(Vec<i64>),
    F(Vec<f64>),
    /// Wavg/wsum: both arguments, converted.
    W(Vec<f64>, Vec<f64>),
}

/// Appends the selected rows' pairs of columns `cx`, `cy` (as
/// [`wfold`] reads them) to `xs`, `ys`.
#[allow(clippy::too_many_arguments)]
fn wrec(
    xs: &mut Vec<f64>,
    ys: &mut Vec<f64>,
    cx: ColData,
    cy: ColData,
    base: usize,
    sel: &[u32],
    n: usize,
    dense: bool,
) {
    use qcore::i64_to_f64;
    use qcore::widen_i32;
    fn put(o: &mut Vec<f64>, c: ColData, base: usize, sel: &[u32], n: usize, dense: bool) {
        macro_rules! go {
            ($c:expr, $f:expr) => {{
                let (c, f) = ($c, $f);
                if dense {
                    o.extend(c[base..base + n].iter().map(|&x| f(x)));
                } else {
                    o.extend(sel[..n].iter().map(|&p| f(c[base + p as usize])));
                }
            }};
        }
        match c {
            ColData::F64(c) => go!(c, |x: f64| x),
            ColData::I64(c) => go!(c, i64_to_f64),
            ColData::I32(c) => go!(c, |x: i32| i64_to_f64(widen_i32(x))),
            _ => o.extend(std::iter::repeat_n(f64::NAN, n)),
        }
    }
    put(xs, cx, base, sel, n, dense);
    put(ys, cy, base, sel, n, dense);
}

/// Folds the selected rows' pairs of columns `cx`, `cy` into the
/// wavg/wsum accumulators (group `gids[j]`, or the one group), reading
/// the columns in place and converting as the interpreter's `f64s` does.
#[allow(clippy::too_many_arguments)]
fn wfold(
    v: &mut [(f64, f64)],
    gids: Option<&[u32]>,
    cx: ColData,
    cy: ColData,
    base: usize,
    sel: &[u32],
    n: usize,
    dense: bool,
) {
    use qcore::i64_to_f64;
    use qcore::widen_i32;
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn go<X: Copy, Y: Copy>(
        v: &mut [(f64, f64)],
        gids: Option<&[u32]>,
        cx: &[X],
        cy: &[Y],
        base: usize,
        sel: &[u32],
        n: usize,
        dense: bool,
        fx: impl Fn(X) -> f64,
        fy: impl Fn(Y) -> f64,
    ) {
        match gids {
            None => {
                let mut e = v[0];
                each_row!(base, sel, n, dense, |_j, r| {
                    wadd(&mut e, fx(cx[r]), fy(cy[r]));
                });
                v[0] = e;
            }
            Some(g) => {
                let g = &g[..n];
                if dense {
                    let (cx, cy) = (&cx[base..base + n], &cy[base..base + n]);
                    for ((&g, &x), &y) in g.iter().zip(cx).zip(cy) {
                        wadd(&mut v[g as usize], fx(x), fy(y));
                    }
                } else {
                    for (&g, &p) in g.iter().zip(&sel[..n]) {
                        let r = base + p as usize;
                        wadd(&mut v[g as usize], fx(cx[r]), fy(cy[r]));
                    }
                }
            }
        }
    }
    let f = |x: f64| x;
    // `i64_to_f64` with its three special items tested in one compare
    let i = |x: i64| {
        if (x.wrapping_sub(i64::MAX) as u64) <= 2 {
            i64_to_f64(x)
        } else {
            x as f64
        }
    };
    let w = |x: i32| i64_to_f64(widen_i32(x));
    match (cx, cy) {
        (ColData::I64(a), ColData::F64(b)) => go(v, gids, a, b, base, sel, n, dense, i, f),
        (ColData::F64(a), ColData::F64(b)) => go(v, gids, a, b, base, sel, n, dense, f, f),
        (ColData::I64(a), ColData::I64(b)) => go(v, gids, a, b, base, sel, n, dense, i, i),
        (ColData::F64(a), ColData::I64(b)) => go(v, gids, a, b, base, sel, n, dense, f, i),
        (ColData::I32(a), ColData::F64(b)) => go(v, gids, a, b, base, sel, n, dense, w, f),
        (ColData::I32(a), ColData::I64(b)) => go(v, gids, a, b, base, sel, n, dense, w, i),
        (ColData::I32(a), ColData::I32(b)) => go(v, gids, a, b, base, sel, n, dense, w, w),
        (ColData::F64(a), ColData::I32(b)) => go(v, gids, a, b, base, sel, n, dense, f, w),
        (ColData::I64(a), ColData::I32(b)) => go(v, gids, a, b, base, sel, n, dense, i, w),
        _ => {}
    }
}

/// Adds `x * y` and `x` to a wavg/wsum accumulator for the pairs without
/// a null, as `crate::builtins::math::stats::wavg`/`wsum` do. Adding `0.0` for a skipped pair
/// instead of branching gives the same bits: the sums start at `+0.0`,
/// so they are never `-0.0`, and `s + 0.0` is `s` for every other `s`.
#[inline(always)]
fn wadd(e: &mut (f64, f64), u: f64, w: f64) {
    let ok = !u.is_nan() & !w.is_nan();
    e.0 += if ok { u * w } else { 0.0 };
    e.1 += if ok { u } else { 0.0 };
}

/// `step xbar` of an integer item as `crate::ops::arith::xbar_fast` computes it
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
        let sorted = v.attr == qcore::Attr::Sorted;
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
            let n = ids.len();
            for (o, &x) in ids.iter_mut().zip(&c[base..base + n]) {
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
            let n = ids.len();
            for (o, &x) in ids.iter_mut().zip(&c[base..base + n]) {
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
        let n = ids.len();
        for (o, &x) in ids.iter_mut().zip(&c[base..base + n]) {
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
            one: q.keys.is_empty(),
            groups: 0,
            stage: Stage::All,
            rec: None,
        })
    }

    #[cold]
    #[inline(never)]
    fn new_group(&mut self, q: &SelectQ, row: i64) -> u32 {
        let g = self.firsts.len() as u32;
        self.firsts.push(row);
        for (a, acc) in q.aggs.iter().zip(self.accs.iter_mut()) {
            acc_grow(a, acc);
        }
        g
    }

    /// A symbol id not in the table yet: a new group for row `r`.
    #[cold]
    #[inline(never)]
    fn sym_group(&mut self, q: &SelectQ, tab: &mut Vec<u32>, id: usize, r: usize) -> u32 {
        if id >= tab.len() {
            tab.resize(id + 1, u32::MAX);
        }
        let g = self.new_group(q, r as i64);
        tab[id] = g;
        g
    }

    /// Group ids for one symbol key: `gs[j]` for the `j`-th selected row
    /// of the chunk at `base`, through the symbol-id table `tab`. Its own
    /// function, so the loop keeps everything in registers.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn sym_gids(
        &mut self,
        q: &SelectQ,
        c: &[Sym],
        tab: &mut Vec<u32>,
        gs: &mut [u32],
        base: usize,
        sel: &[u32],
        dense: bool,
    ) {
        let n = gs.len();
        let mut j = 0;
        while j < n {
            // the rows whose symbol has a group already (the table as a
            // slice, so its length stays in a register), up to the first
            // that has none
            let t = &tab[..];
            if dense {
                for (o, s) in gs[j..].iter_mut().zip(&c[base + j..base + n]) {
                    match t.get(s.0 as usize) {
                        Some(&g) if g != u32::MAX => *o = g,
                        _ => break,
                    }
                    j += 1;
                }
            } else {
                for (o, &p) in gs[j..].iter_mut().zip(&sel[j..n]) {
                    match t.get(c[base + p as usize].0 as usize) {
                        Some(&g) if g != u32::MAX => *o = g,
                        _ => break,
                    }
                    j += 1;
                }
            }
            if j < n {
                let r = base + if dense { j } else { sel[j] as usize };
                gs[j] = self.sym_group(q, tab, c[r].0 as usize, r);
                j += 1;
            }
        }
    }

    /// Group ids of the selected rows of the chunk at `base` into `gids`
    /// (no by: nothing, every row is group 0).
    fn group(&mut self, q: &SelectQ, base: usize) {
        let mut gids = std::mem::take(&mut self.gids);
        prepare(&mut gids, self.m.n);
        self.group_at(q, base, &mut gids);
        self.gids = gids;
    }

    /// [`AggState::group`], appending the ids to `out`.
    fn group_at(&mut self, q: &SelectQ, base: usize, out: &mut Vec<u32>) {
        let (n, dense) = (self.m.n, self.m.dense);
        if self.one {
            if self.firsts[0] < 0 {
                let p = if dense { 0 } else { self.m.sel[0] as usize };
                self.firsts[0] = (base + p) as i64;
            }
            return;
        }
        let off = out.len();
        out.resize(off + n, 0);
        let gids = &mut out[off..];
        let sel = std::mem::take(&mut self.m.sel);
        match std::mem::replace(&mut self.keys, Keys::None) {
            Keys::None => {}
            Keys::Sym(mut tab) => {
                if let ColData::Sym(c) = self.keycols[0] {
                    self.sym_gids(q, c, &mut tab, &mut gids[..n], base, &sel, dense);
                }
                self.keys = Keys::Sym(tab);
            }
            Keys::One(mut map) => {
                let (c, st) = (self.keycols[0], self.steps[0]);
                each_row!(base, sel, n, dense, |j, r| {
                    let k = key_of(c, st, r);
                    gids[j] = *map.entry(k).or_insert_with(|| self.new_group(q, r as i64));
                });
                self.keys = Keys::One(map);
            }
            Keys::Many(mut map) => {
                let keycols = std::mem::take(&mut self.keycols);
                each_row!(base, sel, n, dense, |j, r| {
                    let mut k = [0i64; 4];
                    for (x, c) in keycols.iter().enumerate() {
                        k[x] = key_of(*c, self.steps[x], r);
                    }
                    gids[j] = *map.entry(k).or_insert_with(|| self.new_group(q, r as i64));
                });
                self.keycols = keycols;
                self.keys = Keys::Many(map);
            }
            Keys::Dense(mut slots) => {
                self.dense_ids(&sel[..if dense { 0 } else { n }], n, base, dense);
                let slots_ = &mut slots[..];
                for (j, (o, &id)) in gids.iter_mut().zip(&self.ids).enumerate() {
                    let e = &mut slots_[id as usize];
                    if *e == u32::MAX {
                        let p = if dense { j } else { sel[j] as usize };
                        *e = self.firsts.len() as u32;
                        self.firsts.push((base + p) as i64);
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

    /// Dense slots of the `n` selected rows of the chunk at `base` into
    /// `ids` (`sel`: their positions, unless `dense`).
    fn dense_ids(&mut self, sel: &[u32], n: usize, base: usize, dense: bool) {
        prepare(&mut self.ids, n);
        self.ids.resize(n, 0);
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

    /// Filters the chunk at `base`, then groups and folds its survivors.
    fn chunk(&mut self, q: &SelectQ, base: usize, len: usize) {
        self.m.filter(&q.prog, base, len);
        let n = self.m.n;
        if n == 0 {
            return;
        }
        self.group(q, base);
        if let Some(rec) = &mut self.rec
            && !self.one
        {
            rec.gids.extend_from_slice(&self.gids[..n]);
        }
        self.fold(q, base);
    }

    /// Folds the selected rows of the chunk at `base` (grouped by `gids`)
    /// into the accumulators this pass owns.
    fn fold(&mut self, q: &SelectQ, base: usize) {
        let gids = std::mem::take(&mut self.gids);
        self.fold_with(q, base, &gids);
        self.gids = gids;
    }

    /// [`AggState::fold`] with the chunk's group ids given.
    fn fold_with(&mut self, q: &SelectQ, base: usize, gids: &[u32]) {
        let (n, dense) = (self.m.n, self.m.dense);
        let one = self.one;
        let mut skip = usize::MAX;
        for (k, a) in q.aggs.iter().enumerate() {
            if k == skip {
                continue;
            }
            let record = self.rec.is_some() && ordered(a.kind);
            if !record && !self.stage.wants(a.kind) {
                continue;
            }
            // the aggregate's argument: a plain long/float column over a
            // whole chunk is read in place, anything else runs its ops
            let direct = match (&q.prog.ops[a.ops.0..a.ops.1], dense) {
                ([Op::Load { col, .. }], true) => match self.m.cols[*col] {
                    ColData::I64(c) => Some(Arg::I(&c[base..base + n])),
                    ColData::F64(c) => Some(Arg::F(&c[base..base + n])),
                    _ => None,
                },
                _ => None,
            };
            let arg = match (direct, a.reg) {
                (Some(x), _) => x,
                (None, Some(r)) => {
                    self.m.run(&q.prog.ops[a.ops.0..a.ops.1], base);
                    match &self.m.regs[r] {
                        Reg::I(x) => Arg::I(x),
                        Reg::F(x) => Arg::F(x),
                        Reg::B(_) => Arg::None,
                    }
                }
                (None, None) => Arg::None,
            };
            let sel = &self.m.sel[..];
            if record && let Some(rec) = &mut self.rec {
                match (&mut rec.vals[k], arg, self.wcols[k]) {
                    (RecVals::F(o), Arg::F(x), _) => o.extend_from_slice(x),
                    (RecVals::I(o), Arg::I(x), _) => o.extend_from_slice(x),
                    (RecVals::W(xs, ys), _, Some((cx, cy))) => {
                        wrec(xs, ys, cx, cy, base, sel, n, dense)
                    }
                    _ => self.bad = true,
                }
                continue;
            }
            // `max x` next to `min x` (or the reverse) of one float column
            // read in place: one loop for both
            if let (Arg::F(x), Some(b)) = (arg, q.aggs.get(k + 1))
                && !one
                && self.stage.wants(b.kind)
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
                    if one {
                        v[0] += n as i64;
                    } else {
                        let v = &mut v[..];
                        for &g in gids {
                            v[g as usize] += 1;
                        }
                    }
                }
                (Acc::I(v), AggKind::SumI, Arg::I(x)) => {
                    if one {
                        let s = crate::ops::reduce::sum_i64(x);
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
                    if one {
                        v[0] = x
                            .iter()
                            .fold(v[0], |e, &y| if y != NJ && y < e { y } else { e });
                    } else {
                        let v = &mut v[..];
                        for (&g, &y) in gids.iter().zip(x) {
                            let e = &mut v[g as usize];
                            if y != NJ && y < *e {
                                *e = y;
                            }
                        }
                    }
                }
                (Acc::I(v), AggKind::MaxI, Arg::I(x)) => {
                    if one {
                        v[0] = x
                            .iter()
                            .fold(v[0], |e, &y| if y != NJ && y > e { y } else { e });
                    } else {
                        let v = &mut v[..];
                        for (&g, &y) in gids.iter().zip(x) {
                            let e = &mut v[g as usize];
                            if y != NJ && y > *e {
                                *e = y;
                            }
                        }
                    }
                }
                (Acc::F(v), AggKind::MinF, Arg::F(x)) => {
                    if one {
                        v[0] = x.iter().fold(v[0], |e, &y| if y < e { y } else { e });
                    } else {
                        let v = &mut v[..];
                        for (&g, &y) in gids.iter().zip(x) {
                            let e = &mut v[g as usize];
                            if y < *e {
                                *e = y;
                            }
                        }
                    }
                }
                (Acc::F(v), AggKind::MaxF, Arg::F(x)) => {
                    if one {
                        v[0] = x.iter().fold(v[0], |e, &y| if y > e { y } else { e });
                    } else {
                        let v = &mut v[..];
                        for (&g, &y) in gids.iter().zip(x) {
                            let e = &mut v[g as usize];
                            if y > *e {
                                *e = y;
                            }
                        }
                    }
                }
                (Acc::L(v), _, Arg::F(x)) => {
                    if one {
                        v[0].extend(x);
                    } else {
                        let v = &mut v[..];
                        for (&g, &y) in gids.iter().zip(x) {
                            v[g as usize].push(y);
                        }
                    }
                }
                (Acc::L(v), _, Arg::I(x)) => {
                    if one {
                        v[0].extend(x);
                    } else {
                        let v = &mut v[..];
                        for (&g, &y) in gids.iter().zip(x) {
                            v[g as usize].push(y);
                        }
                    }
                }
                // a group's first selected row is the row it was made at:
                // `finish` reads `firsts`
                (Acc::Row(_), AggKind::First, _) => {}
                (Acc::Row(v), _, _) => {
                    if one {
                        let p = if dense { n - 1 } else { sel[n - 1] as usize };
                        v[0] = (base + p) as i64;
                    } else {
                        let v = &mut v[..];
                        each_row!(base, sel, n, dense, |j, r| {
                            v[gids[j] as usize] = r as i64;
                        });
                    }
                }
                (Acc::W(v), _, _) => {
                    // in row order, skipping pairs with a null, as
                    // `crate::builtins::math::stats::wavg` / `wsum` add them
                    let Some((cx, cy)) = self.wcols[k] else {
                        continue;
                    };
                    let gids = if one { None } else { Some(gids) };
                    wfold(v, gids, cx, cy, base, sel, n, dense);
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
                let g = *map.entry(k).or_insert_with(|| self.new_group(q, r as i64));
                self.keys = Keys::One(map);
                g
            }
            Keys::Many(mut map) => {
                let mut k = [0i64; 4];
                for (j, c) in self.keycols.iter().enumerate() {
                    k[j] = key_of(*c, self.steps[j], r);
                }
                let g = *map.entry(k).or_insert_with(|| self.new_group(q, r as i64));
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
    ///
    /// Returns the other range's group → this state's group map.
    fn merge(&mut self, q: &SelectQ, o: AggState) -> Vec<u32> {
        if q.keys.is_empty() {
            if o.firsts[0] < 0 {
                return vec![0];
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
        map
    }

    /// The ordered pass of a split run: folds a range's recorded items
    /// into this (merged) state's ordered aggregates, `map` taking the
    /// range's group ids to this state's.
    fn fold_rec(&mut self, q: &SelectQ, rec: &Rec, map: &[u32]) {
        let one = self.one;
        let g = |j: usize| map[rec.gids[j] as usize] as usize;
        for ((a, acc), vals) in q.aggs.iter().zip(self.accs.iter_mut()).zip(&rec.vals) {
            if !ordered(a.kind) {
                continue;
            }
            match (acc, vals) {
                (Acc::L(v), RecVals::F(x)) => {
                    if one {
                        v[0].extend(x);
                    } else {
                        for (j, &y) in x.iter().enumerate() {
                            v[g(j)].push(y);
                        }
                    }
                }
                (Acc::L(v), RecVals::I(x)) => {
                    if one {
                        v[0].extend(x);
                    } else {
                        for (j, &y) in x.iter().enumerate() {
                            v[g(j)].push(y);
                        }
                    }
                }
                (Acc::W(v), RecVals::W(xs, ys)) => {
                    if one {
                        let mut e = v[0];
                        for (&u, &w) in xs.iter().zip(ys) {
                            wadd(&mut e, u, w);
                        }
                        v[0] = e;
                    } else {
                        for (j, (&u, &w)) in xs.iter().zip(ys).enumerate() {
                            wadd(&mut v[g(j)], u, w);
                        }
                    }
                }
                _ => self.bad = true,
            }
        }
    }
}

fn parallel_ok(q: &SelectQ) -> bool {
    q.aggs.iter().all(|a| !ordered(a.kind))
}

fn run_range<'a>(
    t: &'a Table,
    q: &SelectQ,
    plan: Option<&DensePlan>,
    (lo, hi): (usize, usize),
    stage: Stage,
    record: bool,
) -> Option<AggState<'a>> {
    let mut st = AggState::new(t, q, plan)?;
    st.stage = stage;
    if record {
        let vals = q
            .aggs
            .iter()
            .map(|a| match a.kind {
                AggKind::Wavg | AggKind::Wsum => RecVals::W(vec![], vec![]),
                _ if !ordered(a.kind) => RecVals::None,
                _ => match a.reg.map(|r| q.prog.regs[r]) {
                    Some(RegKind::I) => RecVals::I(vec![]),
                    Some(RegKind::F) => RecVals::F(vec![]),
                    _ => RecVals::None,
                },
            })
            .collect();
        st.rec = Some(Rec { vals, gids: vec![] });
    }
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

/// A select with neither a where clause nor a by, whose aggregates all
/// read a long or float column as it is (or are `count`, `first`,
/// `last`, `wavg`, `wsum`): each aggregate over its whole column at once,
/// the aggregates in parallel, with the interpreter's own kernels where
/// they split across cores (integer `sum`, `min`, `max`) and the same
/// single pass as the chunk loop for the ordered float sums. `None`: not
/// of that shape.
fn whole_columns<'a>(t: &'a Table, q: &SelectQ) -> Option<AggState<'a>> {
    let n = t.len();
    if n == 0 || !q.keys.is_empty() || !q.prog.constraints.is_empty() {
        return None;
    }
    let mut args = Vec::with_capacity(q.aggs.len());
    for a in &q.aggs {
        let arg = match &q.prog.ops[a.ops.0..a.ops.1] {
            [Op::Load { col, .. }] => col_data(t.columns.get(q.prog.cols.get(*col)?.idx)?),
            _ => None,
        };
        let ok = match (a.kind, arg) {
            (
                AggKind::Count | AggKind::First | AggKind::Last | AggKind::Wavg | AggKind::Wsum,
                _,
            ) => true,
            (
                AggKind::SumI | AggKind::MinI | AggKind::MaxI | AggKind::AvgI,
                Some(ColData::I64(_)),
            ) => !a.narrow,
            (
                AggKind::SumF | AggKind::AvgF | AggKind::MinF | AggKind::MaxF,
                Some(ColData::F64(_)),
            ) => true,
            _ => false,
        };
        if !ok {
            return None;
        }
        args.push(arg);
    }
    let mut st = AggState::new(t, q, None)?;
    st.firsts[0] = 0;
    let (accs, wcols) = (&mut st.accs, &st.wcols);
    let each = |(k, acc): (usize, &mut Acc)| whole_agg(&q.aggs[k], acc, args[k], wcols[k], n);
    if q.aggs.len() > 1 {
        accs.par_iter_mut().enumerate().for_each(each);
    } else {
        accs.iter_mut().enumerate().for_each(each);
    }
    Some(st)
}

/// Chunks per block of a pipelined run.
const PIPE_CHUNKS: usize = 32;

/// One block of a pipelined run, as its first stage leaves it for the
/// second: per chunk its base, selection and group ids.
#[derive(Default)]
struct Block {
    /// Per chunk: base, number selected, whether dense, offset in `sel`
    /// (sparse chunks only) and in `gids`.
    chunks: Vec<(usize, usize, bool, usize, usize)>,
    sel: Vec<u32>,
    gids: Vec<u32>,
    /// Groups made so far.
    groups: usize,
}

impl AggState<'_> {
    /// First stage of a pipelined run over rows `[lo, hi)`: filter,
    /// group and the exact aggregates, leaving the chunks' selections and
    /// group ids in `b`. False when interrupted.
    fn fill(&mut self, q: &SelectQ, (lo, hi): (usize, usize), b: &mut Block) -> bool {
        b.chunks.clear();
        b.sel.clear();
        b.gids.clear();
        let mut base = lo;
        while base < hi {
            if interrupted() {
                return false;
            }
            let len = CHUNK.min(hi - base);
            self.m.filter(&q.prog, base, len);
            let (n, dense) = (self.m.n, self.m.dense);
            if n > 0 {
                // the group ids go straight into the block
                let go = b.gids.len();
                self.group_at(q, base, &mut b.gids);
                self.fold_with(q, base, &b.gids[go..]);
                b.chunks.push((base, n, dense, b.sel.len(), go));
                if !dense {
                    b.sel.extend_from_slice(&self.m.sel[..n]);
                }
            }
            base += len;
        }
        b.groups = self.firsts.len();
        true
    }

    /// Second stage: the ordered aggregates over a block the first stage
    /// filled (in row order, block after block).
    fn drain(&mut self, q: &SelectQ, b: &Block) {
        while self.groups < b.groups {
            for (a, acc) in q.aggs.iter().zip(self.accs.iter_mut()) {
                acc_grow(a, acc);
            }
            self.groups += 1;
        }
        for &(base, n, dense, so, go) in &b.chunks {
            self.m.n = n;
            self.m.dense = dense;
            if !dense {
                self.m.sel[..n].copy_from_slice(&b.sel[so..so + n]);
            }
            let gids = if self.one {
                &[][..]
            } else {
                &b.gids[go..go + n]
            };
            self.fold_with(q, base, gids);
        }
    }
}

/// A two-stage pipeline for selects with ordered aggregates and no where
/// clause: one thread filters, groups and folds the exact aggregates of a
/// block of rows while another folds the ordered ones of the block
/// before (whose group ids the first left), so the ordered aggregates
/// still see their items in row order.
fn run_piped<'a>(t: &'a Table, q: &SelectQ, plan: Option<&DensePlan>) -> Option<AggState<'a>> {
    let n = t.len();
    let mut a = AggState::new(t, q, plan)?;
    a.stage = Stage::Exact;
    // the second stage only folds: no key tables
    let mut b = AggState::new(t, q, None)?;
    b.stage = Stage::Ordered;
    b.keys = Keys::None;
    b.groups = b.firsts.len();
    let per = PIPE_CHUNKS * CHUNK;
    let blocks: Vec<(usize, usize)> = (0..n)
        .step_by(per)
        .map(|lo| (lo, (lo + per).min(n)))
        .collect();
    let block = || Block {
        chunks: Vec::with_capacity(PIPE_CHUNKS),
        sel: vec![],
        gids: Vec::with_capacity(if q.keys.is_empty() { 0 } else { per }),
        groups: 0,
    };
    let (mut cur, mut next) = (block(), block());
    if !a.fill(q, blocks[0], &mut cur) {
        return None;
    }
    // on a worker thread, so each join below is a local fork
    let ok = rayon::scope(|_| {
        for k in 0..blocks.len() {
            let (ok, ()) = rayon::join(
                || match blocks.get(k + 1) {
                    Some(&r) => a.fill(q, r, &mut next),
                    None => true,
                },
                || b.drain(q, &cur),
            );
            if !ok {
                return false;
            }
            std::mem::swap(&mut cur, &mut next);
        }
        true
    });
    if !ok {
        return None;
    }
    if a.bad {
        return None;
    }
    for ((ag, x), y) in q.aggs.iter().zip(a.accs.iter_mut()).zip(b.accs.iter_mut()) {
        if ordered(ag.kind) {
            std::mem::swap(x, y);
        }
    }
    Some(a)
}

/// One aggregate of [`whole_columns`] over its whole column(s) `c` / `w`.
fn whole_agg(a: &Agg, acc: &mut Acc, c: Option<ColData>, w: Option<(ColData, ColData)>, n: usize) {
    match (acc, a.kind, c) {
        (Acc::Count(v), _, _) => v[0] = n as i64,
        (Acc::I(v), AggKind::SumI, Some(ColData::I64(c))) => v[0] = crate::ops::reduce::sum_i64(c),
        (Acc::I(v), AggKind::MinI, Some(ColData::I64(c))) => {
            v[0] = crate::ops::reduce::minmax_i64(c, false)
        }
        (Acc::I(v), AggKind::MaxI, Some(ColData::I64(c))) => {
            v[0] = crate::ops::reduce::minmax_i64(c, true)
        }
        // the interpreter's own answer, so `zero_ties` need not look
        (Acc::F(v), AggKind::MinF, Some(ColData::F64(c))) => {
            v[0] = crate::ops::reduce::minmax_f64(c, false)
        }
        (Acc::F(v), AggKind::MaxF, Some(ColData::F64(c))) => {
            v[0] = crate::ops::reduce::minmax_f64(c, true)
        }
        (Acc::L(v), _, Some(ColData::F64(c))) => v[0].extend(c),
        (Acc::L(v), _, Some(ColData::I64(c))) => v[0].extend(c),
        (Acc::Row(v), AggKind::Last, _) => v[0] = n as i64 - 1,
        (Acc::W(v), _, _) => {
            if let Some((cx, cy)) = w {
                wfold(v, None, cx, cy, 0, &[], n, true);
            }
        }
        _ => {}
    }
}

/// Slot-table entries all workers together may allocate.
const DENSE_MAX_TOTAL: usize = 1 << 23;

/// Runs a compiled select; `None` when the result is better left to the
/// interpreter (no rows or no groups: q's empty-result typing rules). Needs
/// no interpreter, so partitions can run it on worker threads.
///
/// Above the parallel threshold the rows are split into ranges of whole
/// chunks run in parallel, whose states merge exactly. When some
/// aggregate is ordered (a float sum: its association order is part of
/// the answer), the run is split in two: the ranges run the where clause,
/// the grouping and the exact aggregates in parallel (recording the
/// selected rows when there is a where clause), then one pass in row
/// order folds the ordered aggregates over those rows, grouping through
/// the merged key tables.
pub fn run_select(t: &Table, q: &SelectQ) -> Option<QResult<Value>> {
    let n = t.len();
    if let Some(st) = whole_columns(t, q) {
        // no where, no by: zero ties cannot differ (the interpreter's
        // kernels), and there is one group with a first row
        super::note_path(super::Path::Whole);
        return Some(finish(t, q, st));
    }
    let plan = dense_plan(t, q);
    let threads = rayon::current_num_threads().max(1);
    // each worker has its own slot table: fewer pieces for big ones
    let parts = match &plan {
        Some(p) if p.slots.saturating_mul(threads * 4) > DENSE_MAX_TOTAL => threads,
        _ => threads * 4,
    };
    let rs = ranges_of(n, parts);
    let exact = parallel_ok(q);
    let split = !exact && threads > 1;
    let st = if rs.len() > 1 && split && q.prog.constraints.is_empty() {
        let st = run_piped(t, q, plan.as_ref())?;
        super::note_path(super::Path::Piped);
        st
    } else if rs.len() > 1 && (exact || split) {
        let stage = if exact { Stage::All } else { Stage::Exact };
        let record = split;
        let parts: Vec<Option<AggState>> = rs
            .par_iter()
            .map(|&r| run_range(t, q, plan.as_ref(), r, stage, record))
            .collect();
        let mut recs = Vec::with_capacity(parts.len());
        let mut it_parts = parts.into_iter();
        let mut st = it_parts.next()??;
        let groups: Vec<u32> = (0..st.firsts.len() as u32).collect();
        recs.push((st.rec.take(), groups));
        for p in it_parts {
            let mut p = p?;
            let rec = p.rec.take();
            let map = st.merge(q, p);
            recs.push((rec, map));
        }
        if st.bad {
            return None;
        }
        if split {
            super::note_path(super::Path::Split);
        }
        // the ordered aggregates, range after range
        for (rec, map) in &recs {
            if let Some(rec) = rec {
                st.fold_rec(q, rec, map);
            }
        }
        if st.bad {
            return None;
        }
        st
    } else {
        run_range(t, q, plan.as_ref(), (0, n), Stage::All, false)?
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
                        } else if l.count() == 0 {
                            f64::NAN
                        } else {
                            l.total() / l.count() as f64
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
        return Ok(Value::table(q.names.clone(), cols));
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
    // ascending key order, exactly as `crate::query::qsql::group_rows` grades
    let kt = Value::table(
        (0..keys.len())
            .map(|i| Sym::new(&format!("k{i}")))
            .collect(),
        keys.clone(),
    );
    let order = crate::ops::grade::grade(&kt, false)?;
    let oidx: Vec<i64> = order.iter().map(|&g| g as i64).collect();
    let keys = keys.iter().map(|k| take_idx(k, &oidx)).collect();
    let cols = cols.iter().map(|c| take_idx(c, &oidx)).collect();
    Ok(Value::dict(
        Value::table(q.key_names.clone(), keys),
        Value::table(q.names.clone(), cols),
    ))
}
