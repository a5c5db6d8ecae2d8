//! Reference-counted, copy-on-write typed buffers.
//!
//! A q vector's items live in a [`Buf<T>`]: a contiguous slice shared by
//! reference count. Most buffers own a `Vec<T>`; a buffer can also borrow
//! memory owned by something else (a memory-mapped column file), kept alive
//! by an `Arc` to its owner. Writing through [`Buf::make_mut`] copies the
//! items first when the buffer is shared or foreign, so values never change
//! under another reference and mapped files are never written through.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

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

/// A shared typed buffer with copy-on-write.
pub struct Buf<T> {
    inner: Arc<Backing<T>>,
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
            inner: Arc::new(Backing::Owned(v)),
        }
    }

    /// A buffer over memory owned by `owner`.
    ///
    /// # Safety
    /// `ptr` must be aligned for `T`, point to `len` initialised values of
    /// `T` that stay valid and unchanged for as long as `owner` is alive.
    pub unsafe fn from_foreign(ptr: *const T, len: usize, owner: ForeignOwner) -> Self {
        Buf {
            inner: Arc::new(Backing::Foreign {
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
        match &*self.inner {
            Backing::Owned(v) => v,
            // SAFETY: guaranteed by the contract of `from_foreign`.
            Backing::Foreign { ptr, len, .. } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }

    /// Mutable access to the items as a `Vec`, copying them first when the
    /// buffer is shared or foreign.
    pub fn make_mut(&mut self) -> &mut Vec<T> {
        let unique_owned =
            matches!(&*self.inner, Backing::Owned(_)) && Arc::get_mut(&mut self.inner).is_some();
        if !unique_owned {
            let copy = self.as_slice().to_vec();
            self.inner = Arc::new(Backing::Owned(copy));
        }
        match Arc::get_mut(&mut self.inner) {
            Some(Backing::Owned(v)) => v,
            // The branch above made the backing owned and unique.
            _ => unreachable!("buffer made unique above"),
        }
    }

    /// The items as an owned `Vec`, without copying when possible.
    pub fn into_vec(self) -> Vec<T> {
        match Arc::try_unwrap(self.inner) {
            Ok(Backing::Owned(v)) => v,
            Ok(b @ Backing::Foreign { .. }) => Buf { inner: Arc::new(b) }.as_slice().to_vec(),
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
        unsafe { Buf::from_foreign(s[a..].as_ptr(), b - a, owner) }
    }

    /// True when this buffer borrows foreign (for example mapped) memory.
    pub fn is_foreign(&self) -> bool {
        matches!(&*self.inner, Backing::Foreign { .. })
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
}
