//! The machine: one worker's registers, selection vector and column views,
//! and the two things it does to a chunk of rows.
//!
//! [`Machine::filter`] runs the where clause's constraints in order, each
//! narrowing the chunk's selection (a later constraint reads only the
//! survivors); [`Machine::run`] runs a register program (an aggregate's
//! argument) over the selected rows. Registers and the selection are
//! sized for [`CHUNK`] rows when the machine is made and reused for every
//! chunk, so the chunk loop does not allocate (a buffer that has to grow
//! bumps [`crate::query::kernel::chunk_allocs`]). Kept apart from grouping
//! and aggregation because it is the part every compiled query runs,
//! `select`, `exec`, `update` and `delete` where clauses alike.

use qcore::sentinel::NJ;

use crate::ops::compare::Cmp;
use crate::ops::compare::feq;
use crate::ops::compare::flt;
use crate::ops::dense::Col;
use crate::query::kernel::CHUNK;
use crate::query::kernel::compile::AOp;
use crate::query::kernel::compile::Op;
use crate::query::kernel::compile::Opnd;
use crate::query::kernel::compile::Program;
use crate::query::kernel::compile::RegKind;
use crate::query::kernel::note_alloc;
use qcore::Sym;
use qcore::Table;
use qcore::Value;

/// The view of a column the machine reads (`None`: not a vector, or a
/// type it has no registers for, such as shorts: the interpreter runs
/// the query).
pub(super) fn col_data(v: &Value) -> Option<Col<'_>> {
    Col::of(v).filter(|c| !matches!(c, Col::I16(_)))
}

pub(super) enum Reg {
    I(Vec<i64>),
    F(Vec<f64>),
    B(Vec<u8>),
}

/// Registers, selection and column views of one worker.
///
/// After [`Machine::filter`] the chunk's selection is `n` rows: when
/// `dense`, every row of the chunk (and `sel` is not filled); otherwise
/// `sel[..n]`, the selected positions from the chunk's base, ascending.
pub(super) struct Machine<'a> {
    pub(super) cols: Vec<Col<'a>>,
    pub(super) regs: Vec<Reg>,
    /// Fixed length [`SEL_LEN`] (writes may run ahead of `n`).
    pub(super) sel: Vec<u32>,
    pub(super) n: usize,
    pub(super) dense: bool,
}

/// Length of a selection buffer: a chunk plus room for the block writes
/// of [`put_bits`].
pub(super) const SEL_LEN: usize = CHUNK + 64;

#[inline]
pub(super) fn prepare<T>(v: &mut Vec<T>, n: usize) {
    v.clear();
    if v.capacity() < n {
        note_alloc();
        v.reserve(n);
    }
}

/// `f` of the `n` selected items of `src` (chunk at `base`).
#[inline]
pub(super) fn gather<T: Copy, U>(
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
pub(super) use each_row;

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
pub(super) fn put_bits(buf: &mut [u32], mut w: usize, k0: u32, mut m: u64) -> usize {
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
pub(super) fn pack64(f: &[u8; 64]) -> u64 {
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
pub(super) fn select_into<T: Copy>(buf: &mut [u32], c: &[T], f: impl Fn(T) -> bool) -> usize {
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

/// Narrows the selection `sel[..n]` (positions in the chunk `c`) in
/// place to the positions where `f` holds; returns how many remain.
#[inline(always)]
pub(super) fn refine<T: Copy>(sel: &mut [u32], n: usize, c: &[T], f: impl Fn(T) -> bool) -> usize {
    let mut w = 0;
    for k in 0..n {
        let p = sel[k];
        sel[w] = p;
        w += f(c[p as usize]) as usize;
    }
    w
}

/// [`select_into`] one item at a time: each position written, the count
/// advanced when `f` holds. Faster for 64-bit and tolerant float compares,
/// which do not vectorise on the baseline target.
#[inline(always)]
pub(super) fn keep_into<T: Copy>(buf: &mut [u32], c: &[T], f: impl Fn(T) -> bool) -> usize {
    let mut w = 0;
    for (k, &x) in c.iter().enumerate() {
        buf[w] = k as u32;
        w += f(x) as usize;
    }
    w
}

pub(super) enum Src<'r, T> {
    V(&'r [T]),
    S(T),
}

#[inline]
pub(super) fn zip<T: Copy, U>(
    out: &mut Vec<U>,
    n: usize,
    a: Src<T>,
    b: Src<T>,
    f: impl Fn(T, T) -> U,
) {
    prepare(out, n);
    match (a, b) {
        (Src::V(a), Src::V(b)) => out.extend(a[..n].iter().zip(&b[..n]).map(|(&x, &y)| f(x, y))),
        (Src::V(a), Src::S(y)) => out.extend(a[..n].iter().map(|&x| f(x, y))),
        (Src::S(x), Src::V(b)) => out.extend(b[..n].iter().map(|&y| f(x, y))),
        (Src::S(x), Src::S(y)) => out.extend((0..n).map(|_| f(x, y))),
    }
}

#[inline(always)]
pub(in crate::query::kernel) fn ij(op: AOp, a: i64, b: i64) -> i64 {
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

#[inline(always)]
pub(in crate::query::kernel) fn ff(op: AOp, a: f64, b: f64) -> f64 {
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
    pub(super) fn new(t: &'a Table, p: &Program) -> Option<Self> {
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

    pub(super) fn ints(&self, o: Opnd) -> Src<'_, i64> {
        match o {
            Opnd::R(r) => match &self.regs[r] {
                Reg::I(v) => Src::V(v),
                _ => Src::S(0),
            },
            Opnd::I(x) => Src::S(x),
            Opnd::F(_) => Src::S(0),
        }
    }

    pub(super) fn floats(&self, o: Opnd) -> Src<'_, f64> {
        match o {
            Opnd::R(r) => match &self.regs[r] {
                Reg::F(v) => Src::V(v),
                _ => Src::S(f64::NAN),
            },
            Opnd::F(x) => Src::S(x),
            Opnd::I(_) => Src::S(f64::NAN),
        }
    }

    pub(super) fn bools(&self, r: usize) -> &[u8] {
        match &self.regs[r] {
            Reg::B(v) => v,
            _ => &[],
        }
    }

    /// Runs `ops` over the selected rows of the chunk at `base`.
    pub(super) fn run(&mut self, ops: &[Op], base: usize) {
        let (n, dense) = (self.n, self.dense);
        for op in ops {
            let dst = op.dst();
            let mut out = std::mem::replace(&mut self.regs[dst], Reg::B(Vec::new()));
            let sel = &self.sel[..];
            match (op, &mut out) {
                (Op::Load { col, .. }, Reg::I(o)) => match self.cols[*col] {
                    Col::I64(c) => gather(o, c, base, sel, n, dense, |x| x),
                    Col::I32(c) => gather(o, c, base, sel, n, dense, |x| {
                        if x == i32::MIN { NJ } else { x as i64 }
                    }),
                    Col::Sym(c) => gather(o, c, base, sel, n, dense, |x| x.0 as i64),
                    Col::U8(c) => gather(o, c, base, sel, n, dense, |x| x as i64),
                    Col::F64(_) | Col::I16(_) => {}
                },
                (Op::Load { col, .. }, Reg::F(o)) => {
                    if let Col::F64(c) = self.cols[*col] {
                        gather(o, c, base, sel, n, dense, |x| x)
                    }
                }
                (Op::Load { col, .. }, Reg::B(o)) => {
                    if let Col::U8(c) = self.cols[*col] {
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
                    // the operator chosen once, outside the loop, so each
                    // loop is one operation (and vectorises)
                    let (x, y) = (self.ints(*a), self.ints(*b));
                    match op {
                        AOp::Add => zip(o, n, x, y, |x, y| ij(AOp::Add, x, y)),
                        AOp::Sub => zip(o, n, x, y, |x, y| ij(AOp::Sub, x, y)),
                        AOp::Mul => zip(o, n, x, y, |x, y| ij(AOp::Mul, x, y)),
                        AOp::Div => zip(o, n, x, y, |x, y| ij(AOp::Div, x, y)),
                    }
                }
                (Op::Arith { op, a, b, .. }, Reg::F(o)) => {
                    let (x, y) = (self.floats(*a), self.floats(*b));
                    match op {
                        AOp::Add => zip(o, n, x, y, |x, y| ff(AOp::Add, x, y)),
                        AOp::Sub => zip(o, n, x, y, |x, y| ff(AOp::Sub, x, y)),
                        AOp::Mul => zip(o, n, x, y, |x, y| ff(AOp::Mul, x, y)),
                        AOp::Div => zip(o, n, x, y, |x, y| ff(AOp::Div, x, y)),
                    }
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
                        op,
                        col,
                        b,
                        float,
                        bounds,
                        ..
                    },
                    Reg::B(o),
                ) => match (self.cols[*col], *b, *float) {
                    (Col::F64(c), _, true) if bounds.is_some() => {
                        let (lo, hi) = bounds.unwrap_or_default();
                        match op {
                            Cmp::Lt | Cmp::Le => gather(o, c, base, sel, n, dense, |x: f64| {
                                (x.is_nan() || x <= hi) as u8
                            }),
                            Cmp::Gt | Cmp::Ge => {
                                gather(o, c, base, sel, n, dense, |x: f64| (x >= lo) as u8)
                            }
                            Cmp::Eq => gather(o, c, base, sel, n, dense, |x: f64| {
                                (x >= lo && x <= hi) as u8
                            }),
                            Cmp::Ne => gather(o, c, base, sel, n, dense, |x: f64| {
                                !(x >= lo && x <= hi) as u8
                            }),
                        }
                    }
                    (Col::I64(c), Opnd::I(y), false) => cmp_col!(
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
                    (Col::F64(c), Opnd::F(y), true) => {
                        cmp_col!(o, c, base, sel, n, dense, op, y, feq, flt)
                    }
                    (Col::U8(c), Opnd::I(y), false) => cmp_col!(
                        o,
                        c,
                        base,
                        sel,
                        n,
                        dense,
                        op,
                        y as u8,
                        |x: u8, y: u8| x == y,
                        |x: u8, y: u8| x < y
                    ),
                    // symbols: only `=` and `<>` are compiled
                    (Col::Sym(c), Opnd::I(y), false) => match op {
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

    /// A lone `CmpCol` constraint: the survivors' positions written
    /// straight into `sel`, with no boolean register in between — over a
    /// whole chunk 64 flags at a time where the compare vectorises
    /// ([`select_into`]), over a selection narrowing it in place
    /// ([`refine`]). False when `op` is not of that form.
    pub(super) fn select_col(&mut self, op: &Op, base: usize, len: usize) -> bool {
        let Op::CmpCol {
            op,
            col,
            b,
            float,
            bounds,
            ..
        } = op
        else {
            return false;
        };
        let (dense, n) = (self.dense, self.n);
        let sel = &mut self.sel[..];
        // `f` of each selected item of the chunk `c` (at `base`)
        fn pick<T: Copy>(
            sel: &mut [u32],
            dense: bool,
            n: usize,
            c: &[T],
            vectorises: bool,
            f: impl Fn(T) -> bool,
        ) -> usize {
            match (dense, vectorises) {
                (true, true) => select_into(sel, &c[..n], f),
                (true, false) => keep_into(sel, &c[..n], f),
                (false, _) => refine(sel, n, c, f),
            }
        }
        let chunk = |l: usize| base..base + len.min(l.saturating_sub(base));
        // a float column against a finite constant: plain compares with
        // the tolerant compare's bounds
        let w = if let (Col::F64(c), Some((lo, hi))) = (self.cols[*col], *bounds) {
            let c = &c[chunk(c.len())];
            match op {
                Cmp::Lt | Cmp::Le => pick(sel, dense, n, c, true, |x: f64| x.is_nan() || x <= hi),
                Cmp::Gt | Cmp::Ge => pick(sel, dense, n, c, true, |x: f64| x >= lo),
                Cmp::Eq => pick(sel, dense, n, c, true, |x: f64| x >= lo && x <= hi),
                Cmp::Ne => pick(sel, dense, n, c, true, |x: f64| !(x >= lo && x <= hi)),
            }
        } else {
            macro_rules! by_op {
                ($c:expr, $y:expr, $eq:expr, $lt:expr) => {{
                    let (eq, lt, y) = ($eq, $lt, $y);
                    let c = &$c[chunk($c.len())];
                    match op {
                        Cmp::Eq => pick(sel, dense, n, c, false, |x| eq(x, y)),
                        Cmp::Ne => pick(sel, dense, n, c, false, |x| !eq(x, y)),
                        Cmp::Lt => pick(sel, dense, n, c, false, |x| lt(x, y)),
                        Cmp::Gt => pick(sel, dense, n, c, false, |x| lt(y, x)),
                        Cmp::Le => pick(sel, dense, n, c, false, |x| !lt(y, x)),
                        Cmp::Ge => pick(sel, dense, n, c, false, |x| !lt(x, y)),
                    }
                }};
            }
            match (self.cols[*col], *b, *float) {
                (Col::I64(c), Opnd::I(y), false) => {
                    by_op!(c, y, |x: i64, y: i64| x == y, |x: i64, y: i64| x < y)
                }
                (Col::F64(c), Opnd::F(y), true) => by_op!(c, y, feq, flt),
                (Col::U8(c), Opnd::I(y), false) => {
                    // chars: one byte a row, compares that vectorise
                    let (c, y) = (&c[chunk(c.len())], y as u8);
                    match op {
                        Cmp::Eq => pick(sel, dense, n, c, true, |x: u8| x == y),
                        Cmp::Ne => pick(sel, dense, n, c, true, |x: u8| x != y),
                        Cmp::Lt => pick(sel, dense, n, c, true, |x: u8| x < y),
                        Cmp::Gt => pick(sel, dense, n, c, true, |x: u8| x > y),
                        Cmp::Le => pick(sel, dense, n, c, true, |x: u8| x <= y),
                        Cmp::Ge => pick(sel, dense, n, c, true, |x: u8| x >= y),
                    }
                }
                (Col::Sym(c), Opnd::I(y), false) => {
                    let c = &c[chunk(c.len())];
                    // ids are `u32`: compare in `u32` (an id that cannot be
                    // one never matches)
                    match (op, u32::try_from(y)) {
                        (Cmp::Ne, Ok(y)) => pick(sel, dense, n, c, true, |x: Sym| x.0 != y),
                        (Cmp::Ne, Err(_)) => pick(sel, dense, n, c, true, |_: Sym| true),
                        (_, Ok(y)) => pick(sel, dense, n, c, true, |x: Sym| x.0 == y),
                        (_, Err(_)) => 0,
                    }
                }
                _ => return false,
            }
        };
        self.n = w;
        self.dense = dense && w == len;
        true
    }

    /// Selects rows `[base, base+len)`, narrowing by each constraint in
    /// order; leaves the survivors in `n`/`dense`/`sel`.
    pub(super) fn filter(&mut self, p: &Program, base: usize, len: usize) {
        self.n = len;
        self.dense = true;
        for &((s, e), r) in &p.constraints {
            if self.n == 0 {
                return;
            }
            if e == s + 1 && self.select_col(&p.ops[s], base, len) {
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
