//! The loaded partitioned database ([`PartDb`], held in `Interp::partdb`):
//! the partition layout from `\l`, the partitioned tables and their columns
//! (from the last partition's `.d`), the database's `sym` list (read on
//! first use, dropped when `.Q.dpft` writes), and the per-partition row
//! counts `.Q.pn` shows. Mapping one partition's columns as a table, with
//! the virtual partition field as a constant column, is here too; the
//! queries over it are `query/partitioned/`.

use crate::storage::column::read_domain;
use crate::storage::column::serr;
use crate::storage::splay::load_cols;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qstorage::part::Field;
use qstorage::part::Layout;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;

/// The loaded partitioned database.
pub struct PartDb {
    /// The partitions queries see: all of `full`, or the subset `.Q.view`
    /// chose.
    pub layout: Layout,
    /// The partitions of the database (`.Q.PV`), as loaded or extended by
    /// `.Q.li`.
    pub full: Vec<(i64, String)>,
    /// The partitioned tables, in `.Q.pt` order, with their columns (from
    /// the last partition's `.d`; the partition field not included).
    pub tables: Vec<(Sym, Vec<Sym>)>,
    /// The domain files read so far (`sym`, and others enumerated columns
    /// name), dropped when a write changes them.
    pub(crate) syms: Mutex<Vec<(String, Arc<Vec<Sym>>)>>,
    /// `.Q.pn`: per-partition row counts, filled by `count` and `.Q.cn`.
    pub(crate) counts: Mutex<HashMap<Sym, Vec<i64>>>,
    /// `.Q.vp` (set by `.Q.bv`): per table that is missing from some
    /// partition, an empty prototype (its columns and types) that stands
    /// for it there.
    pub(crate) proto: HashMap<Sym, Table>,
}

impl PartDb {
    pub(crate) fn columns(&self, t: Sym) -> Option<&[Sym]> {
        self.tables
            .iter()
            .find(|x| x.0 == t)
            .map(|x| x.1.as_slice())
    }

    pub(crate) fn field(&self) -> Sym {
        Sym::new(self.layout.field.name())
    }

    pub(crate) fn field_ty(&self) -> Ty {
        match self.layout.field {
            Field::Date => Ty::Date,
            Field::Month => Ty::Month,
            Field::Year => Ty::Int,
            Field::Int => Ty::Long,
        }
    }

    /// The partition values as a typed vector.
    pub(crate) fn values(&self, idx: &[usize]) -> Vector {
        let v: Vec<i64> = idx.iter().map(|&k| self.layout.parts[k].0).collect();
        self.value_vec(v)
    }

    pub(crate) fn value_vec(&self, v: Vec<i64>) -> Vector {
        match self.field_ty() {
            Ty::Long => Vector::longs(v),
            ty => Vector::from_i32(ty, v.iter().map(|&x| x as i32).collect()),
        }
    }

    /// Partition `k`'s value `n` times (the partition field's column).
    pub(crate) fn value_col(&self, k: usize, n: usize) -> Vector {
        field_col(self.field_ty(), self.layout.parts[k].0, n)
    }

    /// The names of the database's domain file `domain` (`sym`), read once.
    pub(crate) fn syms(&self, domain: &str) -> QResult<Arc<Vec<Sym>>> {
        let mut g = self.syms.lock().map_err(|_| QError::new("par"))?;
        if let Some(v) = g.iter().find(|c| c.0 == domain) {
            return Ok(v.1.clone());
        }
        let v = read_domain(&self.layout.root, domain)?;
        g.push((domain.to_string(), v.clone()));
        Ok(v)
    }

    pub(crate) fn dir(&self, k: usize, t: Sym) -> PathBuf {
        self.layout.table_dir(k, t.as_str())
    }

    /// Partition `k` of table `t` with the columns `need` (schema order) and,
    /// first, the partition field when `field` is set.
    pub(crate) fn part_table(&self, k: usize, t: Sym, need: &[Sym], field: bool) -> QResult<Table> {
        let syms = |d: &str| self.syms(d);
        let dir = self.dir(k, t);
        let pq = crate::storage::parquet::files(&dir);
        let mut tb = if let Some(p) = self.stand_in(&dir, &pq, t) {
            let pick = |c: &Sym| p.column(*c).cloned().ok_or_else(|| QError::new(c.as_str()));
            Table {
                names: need.to_vec(),
                columns: need.iter().map(pick).collect::<QResult<_>>()?,
            }
        } else if pq.is_empty() {
            load_cols(&dir, Some(need), &syms)?
        } else {
            crate::storage::parquet::read(&pq, Some(need), self.field())?
        };
        if field {
            let n = tb.len();
            let v = self.value_col(k, n);
            if need.is_empty() {
                tb.names.clear();
                tb.columns.clear();
            }
            tb.names.insert(0, self.field());
            tb.columns.insert(0, Value::Vector(v));
        }
        Ok(tb)
    }

    /// Row counts of table `t` per partition (headers only), cached.
    pub(crate) fn counts(&self, t: Sym) -> QResult<Vec<i64>> {
        if let Some(c) = self.counts.lock().ok().and_then(|m| m.get(&t).cloned()) {
            return Ok(c);
        }
        let mut out = Vec::with_capacity(self.layout.parts.len());
        for k in 0..self.layout.parts.len() {
            let dir = self.dir(k, t);
            let pq = crate::storage::parquet::files(&dir);
            out.push(if self.stand_in(&dir, &pq, t).is_some() {
                0
            } else if pq.is_empty() {
                qstorage::part::splay_count(&dir).map_err(serr)? as i64
            } else {
                crate::storage::parquet::count(&pq)?
            });
        }
        if let Ok(mut m) = self.counts.lock() {
            m.insert(t, out.clone());
        }
        Ok(out)
    }

    /// The prototype standing for table `t` in a partition that does not
    /// have it (`dir` missing, no Parquet files `pq`), when `.Q.bv` made one.
    fn stand_in(&self, dir: &std::path::Path, pq: &[PathBuf], t: Sym) -> Option<&Table> {
        let p = self.proto.get(&t)?;
        (pq.is_empty() && !dir.exists()).then_some(p)
    }

    /// A copy of this database seeing partitions `parts` (ascending) of
    /// `full`, with prototypes `proto`; the `sym` list is kept, counts are
    /// taken again.
    pub(crate) fn with_parts(
        &self,
        parts: Vec<(i64, String)>,
        full: Vec<(i64, String)>,
        tables: Vec<(Sym, Vec<Sym>)>,
        proto: HashMap<Sym, Table>,
    ) -> PartDb {
        let syms = self.syms.lock().map(|g| g.clone()).unwrap_or_default();
        PartDb {
            layout: Layout {
                parts,
                ..self.layout.clone()
            },
            full,
            tables,
            syms: Mutex::new(syms),
            counts: Mutex::new(HashMap::new()),
            proto,
        }
    }

    /// `.Q.pn`: table names to cached counts (`()` when not counted yet).
    pub(crate) fn pn(&self) -> Value {
        let m = self.counts.lock().map(|m| m.clone()).unwrap_or_default();
        let vals = self
            .tables
            .iter()
            .map(|(t, _)| match m.get(t) {
                Some(c) => Value::Vector(Vector::longs(c.clone())),
                None => Value::list(vec![]),
            })
            .collect();
        Value::dict(
            Value::Vector(Vector::syms(self.tables.iter().map(|x| x.0).collect())),
            Value::list(vals),
        )
    }
}

/// A partition field column: value `v` (of the field's type `ty`) `n`
/// times.
pub(crate) fn field_col(ty: Ty, v: i64, n: usize) -> Vector {
    match ty {
        Ty::Long => Vector::longs(vec![v; n]),
        ty => Vector::from_i32(ty, vec![v as i32; n]),
    }
}
