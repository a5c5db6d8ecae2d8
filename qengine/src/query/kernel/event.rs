//! The row-at-a-time form: a fixed-layout event row.
//!
//! An [`EventLayout`] is compiled once from a table's column types: each
//! column gets a storage kind and an offset (in 8-byte slots) in a flat
//! record. A single-row `insert`/`upsert` validates the row against the
//! layout in one pass (every item an atom of its column's type), writes it
//! into the record, and reads the record back out as the one-row columns
//! to append, instead of the general per-value conversion and type checks.
//! Anything the layout does not describe (general or nested columns,
//! strings, a mismatched item) returns `None`: the general path runs and
//! reports q's error exactly as before.
//!
//! [`row_passes`] is the row-at-a-time form of a compiled where program:
//! the same ops, one value per register, for a where clause over a single
//! row (an update handler filtering the row it was sent); `kernel::narrow`
//! uses it for one-row tables.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;

use super::compile::Op;
use super::compile::Opnd;
use super::compile::Program;
use super::compile::RegKind;
use super::exec;
use crate::ops::compare::Cmp;
use crate::ops::compare::feq;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qcore::Vector;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    I64,
    I32,
    U8,
    F64,
    Sym,
}

/// Column kinds, types and record offsets of a table's rows.
#[derive(Clone, Debug)]
pub struct EventLayout {
    cols: Vec<(Slot, Ty, usize)>,
    width: usize,
}

impl EventLayout {
    /// The layout of `t`'s rows, if every column is a simple vector of a
    /// fixed-width type.
    pub fn of(t: &Table) -> Option<Self> {
        let mut cols = Vec::with_capacity(t.columns.len());
        for (off, c) in t.columns.iter().enumerate() {
            let Value::Vector(v) = c else { return None };
            let slot = match (v.data(), v.ty()) {
                (VecData::I64(_), _) => Slot::I64,
                (VecData::I32(_), _) => Slot::I32,
                (VecData::U8(_), Ty::Bool | Ty::Byte) => Slot::U8,
                (VecData::F64(_), _) => Slot::F64,
                (VecData::Sym(_), _) => Slot::Sym,
                _ => return None,
            };
            cols.push((slot, v.ty(), off));
        }
        let width = cols.len();
        Some(EventLayout { cols, width })
    }

    /// Writes one row (a list of atoms, one per column, each of its
    /// column's exact type) into `rec`; `false` when it does not fit.
    pub fn write(&self, row: &[Value], rec: &mut Vec<u64>) -> bool {
        if row.len() != self.width {
            return false;
        }
        rec.clear();
        rec.resize(self.width, 0);
        for (&(_, ty, off), v) in self.cols.iter().zip(row) {
            let Value::Atom(a) = v else { return false };
            if a.ty() != ty {
                return false;
            }
            // the layout only holds slot kinds whose width matches the
            // column type, so the atom's raw bits are the record's item
            let Some(bits) = a.raw_bits() else {
                return false;
            };
            rec[off] = bits;
        }
        true
    }

    /// The record as a one-row table with `names`.
    pub fn read(&self, names: &[qcore::Sym], rec: &[u64]) -> Table {
        let columns = self
            .cols
            .iter()
            .map(|&(slot, ty, off)| {
                let x = rec[off];
                Value::Vector(match slot {
                    Slot::I64 => Vector::from_i64(ty, vec![x as i64]),
                    Slot::I32 => Vector::from_i32(ty, vec![x as u32 as i32]),
                    Slot::U8 => Vector::from_u8(ty, vec![x as u8]),
                    Slot::F64 => Vector::from_f64(ty, vec![f64::from_bits(x)]),
                    Slot::Sym => Vector::syms(vec![qcore::Sym(x as u32)]),
                })
            })
            .collect();
        Table {
            names: names.to_vec(),
            columns,
        }
    }
}

/// One row given as a general list of atoms, converted through the
/// compiled layout of `t`: the one-row table to append, or `None` (the
/// general path runs).
pub fn one_row(t: &Table, y: &Value) -> Option<Table> {
    if !super::enabled() {
        return None;
    }
    let items;
    let row: &[Value] = match y {
        Value::List(l) => l,
        Value::Vector(v) if v.len() == t.columns.len() && v.ty() != Ty::Char => {
            items = y.items();
            &items
        }
        _ => return None,
    };
    let layout = EventLayout::of(t)?;
    let mut rec = Vec::with_capacity(t.columns.len());
    if !layout.write(row, &mut rec) {
        return None;
    }
    Some(layout.read(&t.names, &rec))
}

// ---------------------------------------------------------------------------
// The row-at-a-time form of a compiled where clause

/// One register of the row form: a single value of the register's kind.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RowReg {
    I(i64),
    F(f64),
    B(u8),
}

/// A column's item at `row`, as the program's `Load` widens it (`None`: a
/// column kind the compiled core does not read).
fn load(t: &Table, col: usize, row: usize, kind: RegKind) -> Option<RowReg> {
    let Value::Vector(v) = t.columns.get(col)? else {
        return None;
    };
    Some(match (v.data(), kind) {
        (VecData::I64(b), RegKind::I) => RowReg::I(*b.get(row)?),
        (VecData::I32(b), RegKind::I) => {
            let x = *b.get(row)?;
            RowReg::I(if x == i32::MIN { i64::MIN } else { x as i64 })
        }
        (VecData::Sym(b), RegKind::I) => RowReg::I(b.get(row)?.0 as i64),
        (VecData::U8(b), RegKind::I) => RowReg::I(*b.get(row)? as i64),
        (VecData::U8(b), RegKind::B) => RowReg::B(*b.get(row)?),
        (VecData::F64(b), RegKind::F) => RowReg::F(*b.get(row)?),
        _ => return None,
    })
}

/// Runs the where program `p` of `t` (compiled by `compile_where`) on row
/// `row` alone, op by op with one value per register: whether the row
/// passes every constraint. The same program and the same scalar functions
/// as the chunked machine (`exec`), without selection vectors or chunk
/// buffers; `regs` is scratch reused across calls. `None` when an op meets
/// a register of a kind it does not expect (the chunked form then runs).
pub(crate) fn row_passes(
    t: &Table,
    p: &Program,
    row: usize,
    regs: &mut Vec<RowReg>,
) -> Option<bool> {
    regs.clear();
    regs.resize(p.regs.len(), RowReg::B(0));
    let int = |regs: &[RowReg], o: Opnd| match o {
        Opnd::R(r) => match regs[r] {
            RowReg::I(x) => x,
            _ => 0,
        },
        Opnd::I(x) => x,
        Opnd::F(_) => 0,
    };
    let flt = |regs: &[RowReg], o: Opnd| match o {
        Opnd::R(r) => match regs[r] {
            RowReg::F(x) => x,
            _ => f64::NAN,
        },
        Opnd::F(x) => x,
        Opnd::I(_) => f64::NAN,
    };
    let boolean = |regs: &[RowReg], r: usize| match regs[r] {
        RowReg::B(x) => x,
        _ => 0,
    };
    let mut ci = 0;
    for (k, op) in p.ops.iter().enumerate() {
        // constraints run in order; a row failing one is out (later
        // constraints never see it, as with the selection vector)
        while ci < p.constraints.len() && p.constraints[ci].0.1 <= k {
            if boolean(regs, p.constraints[ci].1) == 0 {
                return Some(false);
            }
            ci += 1;
        }
        let v = match op {
            Op::Load { dst, col } => load(t, p.cols.get(*col)?.idx, row, p.regs[*dst])?,
            Op::I2F { src, .. } => RowReg::F(match regs[*src] {
                RowReg::I(x) if x != i64::MIN => x as f64,
                _ => f64::NAN,
            }),
            Op::Arith {
                op, a, b, float, ..
            } => {
                if *float {
                    RowReg::F(exec::ff(*op, flt(regs, *a), flt(regs, *b)))
                } else {
                    RowReg::I(exec::ij(*op, int(regs, *a), int(regs, *b)))
                }
            }
            Op::Cmp {
                op, a, b, float, ..
            } => RowReg::B(if *float {
                cmp_by(
                    *op,
                    flt(regs, *a),
                    flt(regs, *b),
                    feq,
                    crate::ops::compare::flt,
                )
            } else {
                cmp_by(
                    *op,
                    int(regs, *a),
                    int(regs, *b),
                    |x, y| x == y,
                    |x, y| x < y,
                )
            } as u8),
            Op::CmpCol {
                op, col, b, float, ..
            } => {
                let idx = p.cols.get(*col)?.idx;
                let Value::Vector(v) = t.columns.get(idx)? else {
                    return None;
                };
                RowReg::B(match (v.data(), *b, *float) {
                    (VecData::I64(c), Opnd::I(y), false) => {
                        cmp_by(*op, *c.get(row)?, y, |x, y| x == y, |x, y| x < y)
                    }
                    (VecData::F64(c), Opnd::F(y), true) => {
                        cmp_by(*op, *c.get(row)?, y, feq, crate::ops::compare::flt)
                    }
                    (VecData::U8(c), Opnd::I(y), false) => {
                        cmp_by(*op, *c.get(row)? as i64, y, |x, y| x == y, |x, y| x < y)
                    }
                    (VecData::Sym(c), Opnd::I(y), false) => {
                        let eq = c.get(row)?.0 as i64 == y;
                        if *op == Cmp::Ne { !eq } else { eq }
                    }
                    _ => return None,
                } as u8)
            }
            Op::And { a, b, .. } => RowReg::B(boolean(regs, *a).min(boolean(regs, *b))),
            Op::Or { a, b, .. } => RowReg::B(boolean(regs, *a).max(boolean(regs, *b))),
            Op::Not { a, .. } => RowReg::B((boolean(regs, *a) == 0) as u8),
            Op::In { a, set, .. } => RowReg::B(set.contains(&int(regs, Opnd::R(*a))) as u8),
        };
        regs[op.dst()] = v;
    }
    Some(
        p.constraints[ci..]
            .iter()
            .all(|&(_, r)| boolean(regs, r) != 0),
    )
}

/// `x op y` through q's equality and order on one pair, as the chunked
/// machine's `cmp_by!` reads them.
#[inline]
fn cmp_by<T: Copy>(
    op: Cmp,
    x: T,
    y: T,
    eq: impl Fn(T, T) -> bool,
    lt: impl Fn(T, T) -> bool,
) -> bool {
    match op {
        Cmp::Eq => eq(x, y),
        Cmp::Ne => !eq(x, y),
        Cmp::Lt => lt(x, y),
        Cmp::Gt => lt(y, x),
        Cmp::Le => !lt(y, x),
        Cmp::Ge => !lt(x, y),
    }
}

/// Compiled `where` over a table of one row (an event: a handler's `select
/// from x where ...` on the row it was sent): the row form instead of the
/// chunked machine. `None` when the program does not run in row form.
pub fn narrow_one(t: &Table, p: &Program) -> Option<Vec<i64>> {
    if t.len() != 1 {
        return None;
    }
    let mut regs = Vec::with_capacity(p.regs.len());
    let pass = row_passes(t, p, 0, &mut regs)?;
    ROW_RUNS.fetch_add(1, Ordering::Relaxed);
    Some(if pass { vec![0] } else { vec![] })
}

static ROW_RUNS: AtomicU64 = AtomicU64::new(0);

/// Number of where clauses answered in row form (tests).
pub fn row_runs() -> u64 {
    ROW_RUNS.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::index::take_idx;
    use crate::query::kernel::compile::compile_where;
    use crate::query::kernel::compile::constraints;
    use crate::state::Interp;

    const WHERES: &[&str] = &[
        "size>500",
        "size>500, price<50",
        "size>500, price<50.5, sym=`b",
        "sym in `a`c, not b",
        "price within 10 20",
        "(size>100)&price<10",
        "(size<100)|price>90",
        "k>5i, d>=2024.01.10",
        "size=0N",
        "price=0n",
        "(size+1)>900",
        "(price*2)>size",
        "(size%3)<50",
        "sym=X, size>Y",
        "sym<>X, price<=Z",
        "d within 2024.01.05 2024.01.20",
        "k=0Ni",
        "price>=size",
    ];

    /// Every where clause, on every row of a table with nulls in every
    /// column: the row form on the one-row table agrees with the chunked
    /// machine on that table and with the row's membership in the chunked
    /// result over the whole table.
    #[test]
    fn row_form_matches_chunked_form() {
        let mut it = Interp::new();
        for s in [
            "n:300",
            "t:([] sym:n?`a`b`c; size:n?1000; price:n?100f; d:2024.01.01+n?30; k:n?10i; b:n?01b)",
            "t:update size:0N from t where 0=i mod 7",
            "t:update price:0n from t where 0=i mod 5",
            "t:update k:0Ni from t where 0=i mod 3",
            "t:update sym:` from t where 0=i mod 11",
            "X:`b; Y:500; Z:50.5",
        ] {
            it.eval_text(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
        }
        let Value::Table(t) = it.eval_text("t").unwrap() else {
            panic!("t is a table")
        };
        let mut regs = Vec::new();
        for w in WHERES {
            let c = it
                .eval_text(&format!("eval (parse \"select from t where {w}\") 2"))
                .unwrap();
            let cs = constraints(&c);
            let whole = compile_where(&it, &t, &cs).unwrap_or_else(|| panic!("compiles: {w}"));
            let all = exec::run_narrow(&t, &whole).unwrap();
            for k in 0..t.len() {
                let Value::Table(one) = take_idx(&Value::Table(t.clone()), &[k as i64]) else {
                    panic!("one row")
                };
                let p = compile_where(&it, &one, &cs).unwrap();
                let row = narrow_one(&one, &p).unwrap_or_else(|| panic!("row form: {w}"));
                assert_eq!(row, exec::run_narrow(&one, &p).unwrap(), "{w}, row {k}");
                assert_eq!(
                    row_passes(&t, &whole, k, &mut regs),
                    Some(all.contains(&(k as i64))),
                    "{w}, row {k} in place"
                );
            }
        }
    }

    /// A handler filtering the row it was sent runs the row form.
    #[test]
    fn handler_filter_uses_row_form() {
        let mut it = Interp::new();
        for s in [
            "trade:([] sym:`symbol$(); price:`float$(); size:`long$())",
            "upd:{[t;x] t insert select from x where size>100, price>0}",
            "upd[`trade; enlist `sym`price`size!(`a; 1.5; 200)]",
            "upd[`trade; enlist `sym`price`size!(`b; 2.5; 50)]",
            "upd[`trade; enlist `sym`price`size!(`c; 0n; 500)]",
        ] {
            let before = row_runs();
            it.eval_text(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
            if s.starts_with("upd[") && super::super::enabled() {
                assert!(row_runs() > before, "row form not used: {s}");
            }
        }
        let v = it
            .eval_text("trade~([] sym:enlist `a; price:enlist 1.5; size:enlist 200)")
            .unwrap();
        assert!(matches!(v, Value::Atom(qcore::Atom::Bool(true))), "{v:?}");
    }
}
