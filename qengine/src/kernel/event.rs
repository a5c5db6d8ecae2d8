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

use crate::value::{Atom, Table, Ty, Value, VecData, Vector};

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
        for (&(slot, ty, off), v) in self.cols.iter().zip(row) {
            let Value::Atom(a) = v else { return false };
            if a.ty() != ty {
                return false;
            }
            rec[off] = match (slot, *a) {
                (Slot::I64, Atom::Long(x) | Atom::Timestamp(x) | Atom::Timespan(x)) => x as u64,
                (
                    Slot::I32,
                    Atom::Int(x)
                    | Atom::Month(x)
                    | Atom::Date(x)
                    | Atom::Minute(x)
                    | Atom::Second(x)
                    | Atom::Time(x),
                ) => x as u32 as u64,
                (Slot::U8, Atom::Bool(x)) => x as u64,
                (Slot::U8, Atom::Byte(x)) => x as u64,
                (Slot::F64, Atom::Float(x) | Atom::Datetime(x)) => x.to_bits(),
                (Slot::Sym, Atom::Symbol(s)) => s.0 as u64,
                _ => return false,
            };
        }
        true
    }

    /// The record as a one-row table with `names`.
    pub fn read(&self, names: &[crate::sym::Sym], rec: &[u64]) -> Table {
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
                    Slot::Sym => Vector::syms(vec![crate::sym::Sym(x as u32)]),
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
