//! A q vector of known type and length filled by parallel tasks, each
//! writing its own consecutive row range: reading a Parquet file, every
//! (row group, column) task converts its batches straight into the final
//! column at the row group's offset, so there is no per-row-group vector
//! to join afterwards (a second copy of every column, on one thread).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use qcore::{Buf, QError, QResult, Ty, Value, VecData, Vector};

/// Applies `$e` to the `Buf` inside any `VecData` variant.
macro_rules! each_buf {
    ($d:expr, $b:ident => $e:expr) => {
        match $d {
            VecData::U8($b) => $e,
            VecData::I16($b) => $e,
            VecData::I32($b) => $e,
            VecData::I64($b) => $e,
            VecData::F32($b) => $e,
            VecData::F64($b) => $e,
            VecData::Guid($b) => $e,
            VecData::Sym($b) => $e,
        }
    };
}

fn item_size<T>(_: &Buf<T>) -> usize {
    std::mem::size_of::<T>()
}

/// The items of a vector as bytes.
fn item_bytes(d: &VecData) -> &[u8] {
    each_buf!(d, b => {
        let s = b.as_slice();
        // SAFETY: every q item type (u8, i16, i32, i64, f32, f64, [u8; 16],
        // Sym = u32) is plain data without padding, so its bytes are
        // initialised; the slice covers exactly `s`'s memory.
        unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), std::mem::size_of_val(s)) }
    })
}

/// A vector of `len` items of type `ty`, allocated once and not readable
/// until [`Preallocated::finish`] finds every item written.
pub struct Preallocated {
    ty: Ty,
    /// Capacity `len`, length 0 until `finish`.
    data: VecData,
    /// The allocation's first byte.
    base: *mut u8,
    size: usize,
    len: usize,
    written: AtomicUsize,
    handed_out: AtomicBool,
    /// Set when a piece was put that is not known null-free: otherwise the
    /// finished vector is ([`qcore::Buf::known_no_nulls`]).
    maybe_nulls: AtomicBool,
}

// SAFETY: `base` points into `data`'s allocation, which `Preallocated`
// owns; other threads only write through `Part`s, whose row ranges are
// disjoint (made by `parts`), and nothing reads the items before `finish`,
// which takes `self` by value after every `Part` (borrowing it) is gone.
unsafe impl Send for Preallocated {}
// SAFETY: as above; `&Preallocated` gives only `parts` (which hands out
// disjoint ranges once: `handed_out`) and the atomic counts.
unsafe impl Sync for Preallocated {}

impl Preallocated {
    /// Room for `len` items of `ty` (`'wsfull` past the memory budget).
    pub fn new(ty: Ty, len: usize) -> QResult<Preallocated> {
        qcore::check_alloc(len, ty.width())?;
        let mut data = VecData::empty(ty.repr());
        let (base, size) = each_buf!(&mut data, b => {
            let v = b.make_mut();
            v.reserve_exact(len);
            (v.as_mut_ptr().cast::<u8>(), item_size(b))
        });
        Ok(Preallocated {
            ty,
            data,
            base,
            size,
            len,
            written: AtomicUsize::new(0),
            handed_out: AtomicBool::new(false),
            maybe_nulls: AtomicBool::new(false),
        })
    }

    /// The vector's type.
    pub fn ty(&self) -> Ty {
        self.ty
    }

    /// Writers of consecutive row ranges of lengths `lens` from row 0,
    /// which must add up to the vector's length. Called once: a second
    /// call would hand out the same rows again, so it is an error.
    pub fn parts(&self, lens: &[usize]) -> QResult<Vec<Part<'_>>> {
        if lens.iter().sum::<usize>() != self.len {
            return Err(QError::new("arrow").with_detail("row ranges do not cover the column"));
        }
        if self.handed_out.swap(true, Ordering::AcqRel) {
            return Err(QError::new("arrow").with_detail("row ranges handed out twice"));
        }
        let mut at = 0;
        Ok(lens
            .iter()
            .map(|&n| {
                let p = Part {
                    owner: self,
                    // SAFETY: `at + n <= len` (the lengths add up to `len`),
                    // so the offset stays inside the allocation of `len` items.
                    start: unsafe { self.base.add(at * self.size) },
                    cap: n,
                    at: 0,
                };
                at += n;
                p
            })
            .collect())
    }

    /// The finished vector, when every row was written.
    pub fn finish(mut self) -> QResult<Value> {
        if self.written.load(Ordering::Acquire) != self.len {
            return Err(QError::new("arrow").with_detail("rows missing from a column"));
        }
        let len = self.len;
        // SAFETY: the capacity is `len` (reserved in `new`), and every item
        // was written: the parts' ranges partition 0..len, each part writes
        // only inside its range and counts what it wrote, and the counts
        // add up to `len`, so each part filled its whole range.
        each_buf!(&mut self.data, b => unsafe { b.make_mut().set_len(len) });
        if !self.maybe_nulls.load(Ordering::Acquire) {
            self.data.set_no_nulls();
        }
        Vector::new(self.ty, self.data)
            .map(Value::Vector)
            .ok_or_else(QError::type_)
    }
}

/// The writer of one row range of a [`Preallocated`] vector.
pub struct Part<'a> {
    owner: &'a Preallocated,
    start: *mut u8,
    cap: usize,
    at: usize,
}

// SAFETY: a part's row range belongs to it alone (`Preallocated::parts`
// hands each range out once), so moving it to another thread moves the
// only writer of those rows.
unsafe impl Send for Part<'_> {}

impl Part<'_> {
    /// Appends `piece`'s items after those already written; a piece of
    /// another type or one that overruns the range is an error.
    pub fn put(&mut self, piece: &Vector) -> QResult<()> {
        let n = piece.len();
        if piece.ty() != self.owner.ty || n > self.cap - self.at {
            return Err(QError::new("arrow").with_detail("a batch does not fit its column"));
        }
        let bytes = item_bytes(piece.data());
        debug_assert_eq!(bytes.len(), n * self.owner.size);
        // SAFETY: `at + n <= cap`, so the bytes land inside this part's
        // range of the allocation, which no other part or reader touches;
        // source and destination are different allocations.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.start.add(self.at * self.owner.size),
                bytes.len(),
            );
        }
        self.at += n;
        if !piece.data().known_no_nulls() {
            self.owner.maybe_nulls.store(true, Ordering::Release);
        }
        self.owner.written.fetch_add(n, Ordering::AcqRel);
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn longs(v: &[i64]) -> Vector {
        Vector::new(Ty::Long, VecData::I64(Buf::from_vec(v.to_vec()))).expect("longs")
    }

    #[test]
    fn parts_fill_in_any_order() {
        let p = Preallocated::new(Ty::Long, 5).expect("alloc");
        let mut parts = p.parts(&[2, 3]).expect("parts");
        let mut second = parts.pop().expect("part");
        second.put(&longs(&[3, 4])).expect("put");
        second.put(&longs(&[5])).expect("put");
        parts[0].put(&longs(&[1, 2])).expect("put");
        drop(parts);
        match p.finish().expect("finish") {
            Value::Vector(v) => {
                assert_eq!(v, longs(&[1, 2, 3, 4, 5]));
                // the pieces were not known null-free
                assert!(!v.data().known_no_nulls());
            }
            _ => panic!("not a vector"),
        }
    }

    #[test]
    fn null_free_pieces_make_a_null_free_vector() {
        let free = |v: &[i64]| {
            let x = longs(v);
            x.data().set_no_nulls();
            x
        };
        let p = Preallocated::new(Ty::Long, 3).expect("alloc");
        let mut parts = p.parts(&[1, 2]).expect("parts");
        parts[0].put(&free(&[1])).expect("put");
        parts[1].put(&free(&[2, 3])).expect("put");
        drop(parts);
        match p.finish().expect("finish") {
            Value::Vector(v) => assert!(v.data().known_no_nulls()),
            _ => panic!("not a vector"),
        }
        // one piece not known null-free: the vector is not either
        let p = Preallocated::new(Ty::Long, 3).expect("alloc");
        let mut parts = p.parts(&[1, 2]).expect("parts");
        parts[0].put(&free(&[1])).expect("put");
        parts[1].put(&longs(&[i64::MIN, 3])).expect("put");
        drop(parts);
        match p.finish().expect("finish") {
            Value::Vector(v) => assert!(!v.data().known_no_nulls()),
            _ => panic!("not a vector"),
        }
    }

    #[test]
    fn missing_rows_overruns_and_wrong_types_are_errors() {
        let p = Preallocated::new(Ty::Long, 3).expect("alloc");
        assert!(p.parts(&[1, 1]).is_err());
        let mut parts = p.parts(&[1, 2]).expect("parts");
        assert!(p.parts(&[1, 2]).is_err());
        assert!(parts[0].put(&longs(&[1, 2])).is_err());
        let floats = Vector::new(Ty::Float, VecData::F64(Buf::from_vec(vec![1.0]))).expect("f");
        assert!(parts[0].put(&floats).is_err());
        parts[0].put(&longs(&[1])).expect("put");
        drop(parts);
        assert!(p.finish().is_err());
    }
}
