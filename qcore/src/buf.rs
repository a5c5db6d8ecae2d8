//! Reference-counted, copy-on-write typed buffers.
//!
//! A q vector's items live in a [`Buf<T>`]: a contiguous slice shared by
//! reference count. Most buffers own a `Vec<T>`; a buffer can also borrow
//! memory owned by something else (a memory-mapped column file), kept alive
//! by an `Arc` to its owner. Writing through [`Buf::make_mut`] copies the
//! items first when the buffer is shared or foreign, so values never change
//! under another reference and mapped files are never written through.
//!
//! A buffer of integers can also carry block statistics
//! ([`Buf::block_bounds`]): the smallest and largest item of each block of
//! [`BLOCK`] items, computed the first time a where clause asks for them
//! and kept with the storage. Since shared storage is never written (any
//! write goes through [`Buf::make_mut`], which copies shared storage and
//! forgets the statistics of storage it writes in place), they stay true
//! for as long as they are kept.
//!
//! A buffer can also carry the fact that none of its items is q's null
//! ([`Buf::known_no_nulls`]), under the same rules: set by a producer that
//! knows it without a scan (a Parquet column without nulls, `til`, a
//! gather of a null-free buffer by indexes in range) or by a scan that
//! found none, shared by clones, forgotten by [`Buf::make_mut`]. A hand-over
//! to Arrow, whose nulls are a validity bitmap rather than values, then
//! skips its null scan.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Items per block of the block statistics ([`Buf::block_bounds`]): the
/// statistics of a long column cost 16 bytes per 32 KB of items (0.05%),
/// of an int column 8 bytes per 16 KB, of a short column 4 per 8 KB.
pub const BLOCK: usize = 4096;

/// The owner of foreign memory (for example an `Arc<Mmap>`).
pub type ForeignOwner = Arc<dyn Send + Sync>;

enum Backing<T> {
    Owned(Vec<T>),
    Foreign {
        ptr: *const T,
        len: usize,
        _owner: ForeignOwner,
    },
}

// SAFETY: a foreign backing is read-only memory kept alive by `_owner`, which
// is itself Send + Sync; the raw pointer is only ever read.
unsafe impl<T: Send + Sync> Send for Backing<T> {}
// SAFETY: as above, shared references only read through the pointer.
unsafe impl<T: Send + Sync> Sync for Backing<T> {}

/// The storage of a buffer and what is known about its items.
struct Shared<T> {
    backing: Backing<T>,
    /// `(min, max)` of each block of [`BLOCK`] items, once computed.
    bounds: OnceLock<Box<[(T, T)]>>,
    /// A window of another buffer ([`Buf::window`]): a transient view,
    /// not worth statistics of its own.
    window: bool,
    /// True when no item is q's null ([`Buf::known_no_nulls`]); false when
    /// unknown.
    no_nulls: AtomicBool,
}

impl<T> Shared<T> {
    fn new(backing: Backing<T>) -> Arc<Self> {
        Arc::new(Shared {
            backing,
            bounds: OnceLock::new(),
            window: false,
            no_nulls: AtomicBool::new(false),
        })
    }
}

/// A shared typed buffer with copy-on-write.
pub struct Buf<T> {
    inner: Arc<Shared<T>>,
}

impl<T> Clone for Buf<T> {
    fn clone(&self) -> Self {
        Buf {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: Copy> Buf<T> {
    /// A buffer owning `v`.
    pub fn from_vec(v: Vec<T>) -> Self {
        Buf {
            inner: Shared::new(Backing::Owned(v)),
        }
    }

    /// A buffer over memory owned by `owner`.
    ///
    /// # Safety
    /// `ptr` must be aligned for `T`, point to `len` initialised values of
    /// `T` that stay valid and unchanged for as long as `owner` is alive.
    pub unsafe fn from_foreign(ptr: *const T, len: usize, owner: ForeignOwner) -> Self {
        Buf {
            inner: Shared::new(Backing::Foreign {
                ptr,
                len,
                _owner: owner,
            }),
        }
    }

    /// How many values share this buffer (`-16!x`).
    pub fn refs(&self) -> usize {
        Arc::strong_count(&self.inner)
    }

    /// The items.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        match &self.inner.backing {
            Backing::Owned(v) => v,
            // SAFETY: guaranteed by the contract of `from_foreign`.
            Backing::Foreign { ptr, len, .. } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }

    /// Mutable access to the items as a `Vec`, copying them first when the
    /// buffer is shared or foreign.
    ///
    /// The block statistics and the no-nulls fact are forgotten: the
    /// caller is about to write.
    pub fn make_mut(&mut self) -> &mut Vec<T> {
        let unique_owned = matches!(&self.inner.backing, Backing::Owned(_))
            && Arc::get_mut(&mut self.inner).is_some();
        if !unique_owned {
            let copy = self.as_slice().to_vec();
            self.inner = Shared::new(Backing::Owned(copy));
        }
        match Arc::get_mut(&mut self.inner) {
            Some(Shared {
                backing: Backing::Owned(v),
                bounds,
                no_nulls,
                ..
            }) => {
                bounds.take();
                *no_nulls.get_mut() = false;
                v
            }
            // The branch above made the backing owned and unique.
            _ => unreachable!("buffer made unique above"),
        }
    }

    /// The items as an owned `Vec`, without copying when possible.
    pub fn into_vec(self) -> Vec<T> {
        match Arc::try_unwrap(self.inner) {
            Ok(Shared {
                backing: Backing::Owned(v),
                ..
            }) => v,
            Ok(Shared {
                backing: b @ Backing::Foreign { .. },
                ..
            }) => Buf {
                inner: Shared::new(b),
            }
            .as_slice()
            .to_vec(),
            Err(shared) => Buf { inner: shared }.as_slice().to_vec(),
        }
    }

    /// Items `a..b` (clamped to the buffer) sharing this buffer's storage:
    /// no copy, the window keeps the whole storage alive (a row range of a
    /// table taken by a where clause on a sorted column, say). Writing
    /// through the window copies, as for any foreign buffer.
    pub fn window(&self, a: usize, b: usize) -> Self
    where
        T: Send + Sync + 'static,
    {
        let s = self.as_slice();
        let b = b.min(s.len());
        let a = a.min(b);
        let owner: ForeignOwner = self.inner.clone();
        // SAFETY: `owner` is this buffer's storage, which is never written
        // while shared (make_mut copies a shared or foreign backing), so the
        // `b - a` items from `a` stay valid and unchanged while it lives.
        // (The contract of `from_foreign`, which this builds with the
        // window flag set.)
        Buf {
            inner: Arc::new(Shared {
                backing: Backing::Foreign {
                    ptr: s[a..].as_ptr(),
                    len: b - a,
                    _owner: owner,
                },
                bounds: OnceLock::new(),
                window: true,
                // part of a null-free buffer is null-free
                no_nulls: AtomicBool::new(self.known_no_nulls()),
            }),
        }
    }

    /// True when this buffer borrows foreign (for example mapped) memory.
    pub fn is_foreign(&self) -> bool {
        matches!(&self.inner.backing, Backing::Foreign { .. })
    }

    /// The smallest and largest item of each block of [`BLOCK`] items (the
    /// last block may be shorter), in the items' order: computed on the
    /// first call (one pass over the items) and kept with the storage, so
    /// later calls on this buffer or any clone of it cost nothing. A where
    /// clause uses them to pass over blocks that cannot hold a match and to
    /// take whole blocks where every item matches. `None` for a window
    /// ([`Buf::window`]): a transient view, whose statistics would cost a
    /// pass per query.
    pub fn block_bounds(&self) -> Option<&[(T, T)]>
    where
        T: Ord,
    {
        self.block_bounds_by(block_bounds_of)
    }

    /// [`Buf::block_bounds`], made by `make` from the items when they are
    /// not kept yet: how a caller with a thread pool computes them on it
    /// (a long column's first where clause pays a pass over it).
    pub fn block_bounds_by(&self, make: impl FnOnce(&[T]) -> Vec<(T, T)>) -> Option<&[(T, T)]> {
        if self.inner.window {
            return None;
        }
        Some(
            self.inner
                .bounds
                .get_or_init(|| make(self.as_slice()).into()),
        )
    }

    /// Whether the block statistics are computed (tests).
    pub fn has_block_bounds(&self) -> bool {
        self.inner.bounds.get().is_some()
    }

    /// True when the items are known to hold no q null (`0N`, `0n`, the
    /// null symbol, the null guid of the buffer's item type); false when
    /// unknown. Kept by clones and windows, forgotten by [`Buf::make_mut`].
    /// Never set on byte buffers: `" "` is a char vector's null but an
    /// ordinary byte, so the fact would depend on the vector's type.
    #[inline]
    pub fn known_no_nulls(&self) -> bool {
        self.inner.no_nulls.load(Ordering::Relaxed)
    }

    /// Records that no item is q's null: called by a producer that knows
    /// it (see [`Buf::known_no_nulls`]), or by a scan that found none. A
    /// wrong call makes a hand-over to Arrow miss the nulls, so call it
    /// only where a null cannot appear.
    #[inline]
    pub fn set_no_nulls(&self) {
        self.inner.no_nulls.store(true, Ordering::Relaxed);
    }

    /// This buffer with the no-nulls fact set when `no_nulls` holds.
    pub fn with_no_nulls(self, no_nulls: bool) -> Self {
        if no_nulls {
            self.set_no_nulls();
        }
        self
    }

    /// True when both buffers share the same storage.
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<T: Copy> Deref for Buf<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Copy> From<Vec<T>> for Buf<T> {
    fn from(v: Vec<T>) -> Self {
        Buf::from_vec(v)
    }
}

impl<T: Copy + fmt::Debug> fmt::Debug for Buf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice().iter()).finish()
    }
}

impl<T: Copy + PartialEq> PartialEq for Buf<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

/// The smallest and largest item of each block of [`BLOCK`] items of
/// `xs` ([`Buf::block_bounds`]); a caller splitting `xs` in pieces of whole
/// blocks gets the same by concatenating the pieces' results.
pub fn block_bounds_of<T: Copy + Ord>(xs: &[T]) -> Vec<(T, T)> {
    xs.chunks(BLOCK)
        .map(|b| {
            let mut lo = b[0];
            let mut hi = b[0];
            for &x in &b[1..] {
                lo = lo.min(x);
                hi = hi.max(x);
            }
            (lo, hi)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_on_write_leaves_other_reference_alone() {
        let a = Buf::from_vec(vec![1i64, 2, 3]);
        let mut b = a.clone();
        b.make_mut().push(4);
        assert_eq!(&*a, &[1, 2, 3]);
        assert_eq!(&*b, &[1, 2, 3, 4]);
    }

    #[test]
    fn unique_buffer_is_mutated_in_place() {
        let mut a = Buf::from_vec(vec![1i64, 2, 3]);
        let p = a.as_ptr();
        a.make_mut()[0] = 9;
        assert_eq!(a.as_ptr(), p);
        assert_eq!(&*a, &[9, 2, 3]);
    }

    #[test]
    fn foreign_buffer_reads_and_copies_on_write() {
        let owner: Arc<Vec<i32>> = Arc::new(vec![5, 6, 7]);
        let ptr = owner.as_ptr();
        // SAFETY: `owner` keeps the three items alive and unchanged.
        let mut b = unsafe { Buf::from_foreign(ptr, 3, owner.clone()) };
        assert!(b.is_foreign());
        assert_eq!(&*b, &[5, 6, 7]);
        b.make_mut()[0] = 1;
        assert!(!b.is_foreign());
        assert_eq!(&*b, &[1, 6, 7]);
        assert_eq!(&owner[..], &[5, 6, 7]);
    }

    #[test]
    fn window_shares_storage_and_copies_on_write() {
        let a = Buf::from_vec(vec![1i64, 2, 3, 4, 5]);
        let mut w = a.window(1, 4);
        assert_eq!(&*w, &[2, 3, 4]);
        assert_eq!(w.as_ptr(), a[1..].as_ptr());
        assert_eq!(&*a.window(4, 99), &[5]);
        assert!(a.window(3, 2).is_empty());
        w.make_mut()[0] = 9;
        assert_eq!(&*w, &[9, 3, 4]);
        assert_eq!(&*a, &[1, 2, 3, 4, 5]);
        // the window outlives the buffer it came from
        let w2 = {
            let b = Buf::from_vec(vec![7i32, 8, 9]);
            b.window(1, 3)
        };
        assert_eq!(&*w2, &[8, 9]);
    }

    #[test]
    fn block_bounds_are_kept_until_a_write() {
        let v: Vec<i64> = (0..(2 * BLOCK as i64 + 5))
            .map(|i| (i * 7919) % 1000)
            .collect();
        let mut a = Buf::from_vec(v.clone());
        assert!(!a.has_block_bounds());
        let want: Vec<(i64, i64)> = v
            .chunks(BLOCK)
            .map(|b| (*b.iter().min().unwrap(), *b.iter().max().unwrap()))
            .collect();
        assert_eq!(a.block_bounds(), Some(&want[..]));
        // a clone shares the statistics with the storage
        let b = a.clone();
        assert!(b.has_block_bounds());
        // writing through a shared buffer copies: the copy has none, the
        // original keeps its own
        let mut c = b.clone();
        c.make_mut()[0] = 5000;
        assert!(!c.has_block_bounds());
        assert_eq!(c.block_bounds().unwrap()[0].1, 5000);
        assert_eq!(b.block_bounds(), Some(&want[..]));
        // writing in place forgets them
        drop(b);
        a.make_mut()[BLOCK] = -1;
        assert!(!a.has_block_bounds());
        assert_eq!(a.block_bounds().unwrap()[1].0, -1);
        assert_eq!(Buf::<i32>::from_vec(vec![]).block_bounds(), Some(&[][..]));
        assert_eq!(a.window(0, 10).block_bounds(), None);
    }

    #[test]
    fn no_nulls_fact_is_kept_until_a_write() {
        let mut a = Buf::from_vec(vec![1i64, 2, 3]);
        assert!(!a.known_no_nulls());
        a.set_no_nulls();
        // clones share it, windows inherit it
        let b = a.clone();
        assert!(b.known_no_nulls());
        assert!(a.window(1, 3).known_no_nulls());
        // a write through a shared buffer copies: the copy forgets it
        let mut c = b.clone();
        c.make_mut()[0] = i64::MIN;
        assert!(!c.known_no_nulls());
        assert!(b.known_no_nulls());
        // a write in place forgets it
        drop(b);
        a.make_mut().push(i64::MIN);
        assert!(!a.known_no_nulls());
        // a window taken before the fact was known stays unknown
        let d = Buf::from_vec(vec![1.0f64, 2.0]);
        let w = d.window(0, 1);
        d.set_no_nulls();
        assert!(!w.known_no_nulls());
        assert!(
            Buf::from_vec(vec![5i32])
                .with_no_nulls(true)
                .known_no_nulls()
        );
        assert!(
            !Buf::from_vec(vec![5i32])
                .with_no_nulls(false)
                .known_no_nulls()
        );
    }
}
