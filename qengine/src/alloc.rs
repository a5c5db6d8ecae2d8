//! A counting global allocator, so `\ts` can report the memory an
//! expression used (q's "space"), and `.Q.w`-style statistics are real.
//! The `borf` binary and the criterion benches install it
//! (`#[global_allocator]`), so benches measure what the console does.
//!
//! It wraps the system allocator and reports every block to the memory
//! budget ([`qcore::budget`]: bytes in use, high-water marks, and the
//! `'wsfull` signal when the heap goes over `-w`), and counts the blocks
//! requested (allocations and growing reallocations), which the
//! allocation-invariant test uses to check that no kernel allocates per item.
//!
//! Large blocks (vectors of a few hundred thousand items and more) are
//! marked for transparent huge pages. glibc serves them with a fresh `mmap`
//! each time, so every 4 KiB page of a new result vector costs a page
//! fault on first write; with 2 MiB pages a 10M-item `x*y` goes from ~36 ms
//! to ~8 ms on the benchmark machine (docs/PERF.md, "Huge pages"). On
//! kernels where THP is off or `never`, `madvise` fails and is ignored.

use std::alloc::GlobalAlloc;
use std::alloc::Layout;
use std::alloc::System;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;

static BLOCKS: AtomicUsize = AtomicUsize::new(0);

/// The system allocator with byte counting.
pub struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged; the counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
            advise_huge(p, layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
            advise_huge(p, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        qcore::budget::note_shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
                advise_huge(p, new_size);
            } else {
                qcore::budget::note_shrink(layout.size() - new_size);
            }
        }
        p
    }
}

/// Huge-page size on x86-64 and aarch64 (4 KiB base pages).
const HUGE: usize = 2 << 20;

/// Asks the kernel to back the whole 2 MiB-aligned pages inside
/// `[p, p + len)` with transparent huge pages. Only pages wholly inside the
/// block are advised, so no neighbouring allocation is affected.
#[inline]
fn advise_huge(p: *mut u8, len: usize) {
    if len < 2 * HUGE {
        return;
    }
    let start = (p as usize).next_multiple_of(HUGE);
    let end = (p as usize + len) & !(HUGE - 1);
    if start < end {
        // SAFETY: [start, end) lies inside the block the allocator just
        // returned (or resized) for this caller, so no other allocation shares
        // those pages; MADV_HUGEPAGE only changes how the kernel backs them,
        // never their contents.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[inline]
fn grew(n: usize) {
    BLOCKS.fetch_add(1, Ordering::Relaxed);
    qcore::budget::note_grow(n);
}

/// Allocations (and growing reallocations) since the process started.
pub fn blocks() -> usize {
    BLOCKS.load(Ordering::Relaxed)
}

/// Hands the counters to the engine.
pub fn install() {
    crate::state::set_memory_probe(crate::state::MemoryProbe {
        current: qcore::budget::used,
        reset_peak: qcore::budget::reset_peak,
        peak: qcore::budget::peak,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks around and across the huge-page boundaries keep their bytes and
    /// their neighbours' bytes when advised (the advice must stay inside).
    #[test]
    fn advised_blocks_keep_their_contents() {
        for len in [
            HUGE - 1,
            2 * HUGE - 1,
            2 * HUGE,
            2 * HUGE + 4097,
            5 * HUGE + 3,
        ] {
            let mut before = vec![0xA5u8; 8192];
            let mut block = vec![0u8; len];
            let mut after = vec![0x5Au8; 8192];
            for (i, b) in block.iter_mut().enumerate() {
                *b = (i % 251) as u8;
            }
            advise_huge(block.as_mut_ptr(), block.len());
            // an unaligned interior slice too: only whole inner pages are advised
            advise_huge(block[1..].as_mut_ptr(), len - 1);
            assert!(block.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));
            assert!(before.iter().all(|b| *b == 0xA5) && after.iter().all(|b| *b == 0x5A));
            before[0] = 1;
            after[0] = 1;
        }
    }
}
