//! A counting global allocator, so `\ts` can report the memory an
//! expression used (q's "space"), and `.Q.w`-style statistics are real.
//! The `borf` binary and the criterion benches install it
//! (`#[global_allocator]`), so benches measure what the console does.
//!
//! It wraps jemalloc (the `jemalloc` feature; the system allocator without
//! it, as in the Python extension) and reports every block to the memory budget
//! ([`qcore::budget`]: bytes in use, high-water marks, and the `'wsfull`
//! signal when the heap goes over `-w`), and counts the blocks requested
//! (allocations and growing reallocations), which the allocation-invariant
//! test uses to check that no kernel allocates per item.
//!
//! Why jemalloc, configured as [`JEMALLOC_OPTIONS`] says: q keeps the
//! memory it frees and hands it out again (returning it only on `.Q.gc[]`),
//! and that is what makes its vector results cheap: the system allocator
//! serves every large block with a fresh `mmap` and unmaps it on free, so
//! each new result vector pays a page fault and the kernel's zeroing of
//! every page on first write — a third of the time of a Parquet write was
//! that (docs/PERF.md, "Parquet read and write"). jemalloc keeps freed
//! pages of every size for reuse and gives them back to the system after
//! they have gone unused for a while, or at once on `.Q.gc[]`
//! ([`release_free_memory`]).
//!
//! Large blocks are also marked for transparent huge pages, so the pages a
//! fresh block does need cost one fault per 2 MiB: a 10M-item `x*y` went
//! from ~36 ms to ~8 ms that way. On kernels where THP is off or `never`,
//! `madvise` fails and is ignored.

use std::alloc::GlobalAlloc;
use std::alloc::Layout;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
#[cfg(feature = "jemalloc")]
use tikv_jemallocator::Jemalloc as Inner;

#[cfg(not(feature = "jemalloc"))]
use std::alloc::System as Inner;

static BLOCKS: AtomicUsize = AtomicUsize::new(0);

/// jemalloc (or the system allocator) with byte counting.
pub struct Counting;

// SAFETY: every method forwards to the inner allocator with the caller's arguments
// unchanged; the counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let mut p = unsafe { Inner.alloc(layout) };
        if p.is_null() && purge() {
            // SAFETY: forwarded as is.
            p = unsafe { Inner.alloc(layout) };
        }
        if !p.is_null() {
            grew(layout.size());
            advise_huge(p, layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let mut p = unsafe { Inner.alloc_zeroed(layout) };
        if p.is_null() && purge() {
            // SAFETY: forwarded as is.
            p = unsafe { Inner.alloc_zeroed(layout) };
        }
        if !p.is_null() {
            grew(layout.size());
            advise_huge(p, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { Inner.dealloc(ptr, layout) };
        qcore::budget::note_shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let mut p = unsafe { Inner.realloc(ptr, layout, new_size) };
        if p.is_null() && purge() {
            // SAFETY: forwarded as is (a failed realloc left `ptr` valid).
            p = unsafe { Inner.realloc(ptr, layout, new_size) };
        }
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
        release: release_free_memory,
    });
}

#[cfg(feature = "jemalloc")]
/// jemalloc's options, read once before `main`: every size of block goes
/// through the ordinary arenas (`oversize_threshold:0`; by default blocks
/// over 8 MiB get an arena of their own that returns them to the system at
/// once), and freed pages stay ready for reuse for 10 s (dirty) and then
/// 10 s more (muzzy) before they go back to the system. Pages given back
/// are unmapped (`retain:false`), not kept as reserved address space:
/// under `ulimit -v` the reserved space counts against the limit, and
/// jemalloc reserves it in growing steps, so a block that fits in the
/// budget could not be mapped and the process aborted (a doubling join
/// under `ulimit -v` aborted at 2 of 18 limits from 1.1 to 7 GB before;
/// none after, with the purge-and-retry in [`Counting`]).
pub const JEMALLOC_OPTIONS: &std::ffi::CStr =
    c"oversize_threshold:0,dirty_decay_ms:10000,muzzy_decay_ms:10000,retain:false";

#[cfg(feature = "jemalloc")]
/// The options string jemalloc reads at start-up (its `malloc_conf`, named
/// with the `_rjem_` prefix tikv-jemallocator builds it with).
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: Option<&'static libc::c_char> =
    // SAFETY: a pointer to the first byte of a NUL-terminated static string,
    // which is what jemalloc expects; it lives for the whole program.
    Some(unsafe { &*JEMALLOC_OPTIONS.as_ptr() });

/// Gives every freed page the allocator is keeping back to the system
/// (`.Q.gc[]`), and returns how many bytes the process's resident set
/// shrank by (0 where `/proc/self/statm` cannot be read).
pub fn release_free_memory() -> i64 {
    let before = resident_bytes();
    purge();
    before.saturating_sub(resident_bytes()) as i64
}

/// Returns the freed pages the allocator keeps to the system; true when
/// that is possible (a failed allocation is then worth one retry: under
/// `ulimit -v` the pages kept for reuse hold address space a new block
/// needs, and a failed allocation aborts the process).
#[cfg(feature = "jemalloc")]
fn purge() -> bool {
    // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena, at once.
    let name = c"arena.4096.purge";
    // SAFETY: a NUL-terminated control name, no old or new value pointers
    // (a purge takes and returns nothing). mallctl allocates, if at all,
    // from jemalloc's own internal arena, never through this allocator.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ) == 0
    }
}

#[cfg(all(not(feature = "jemalloc"), target_env = "gnu"))]
fn purge() -> bool {
    // SAFETY: malloc_trim has no preconditions.
    unsafe { libc::malloc_trim(0) != 0 }
}

#[cfg(all(not(feature = "jemalloc"), not(target_env = "gnu")))]
fn purge() -> bool {
    false
}

/// The process's resident set in bytes, from `/proc/self/statm`.
fn resident_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * page.max(0) as u64
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

    #[cfg(feature = "jemalloc")]
    /// jemalloc took the options: blocks over 8 MiB are not in an arena of
    /// their own, and a purge after freeing a large block gives pages back.
    #[test]
    fn options_are_read_and_purge_returns_memory() {
        let mut threshold: usize = usize::MAX;
        let mut len = std::mem::size_of::<usize>();
        // SAFETY: "opt.oversize_threshold" is a size_t; the out pointer and
        // its length match.
        let r = unsafe {
            tikv_jemalloc_sys::mallctl(
                c"opt.oversize_threshold".as_ptr(),
                (&mut threshold as *mut usize).cast(),
                &mut len,
                std::ptr::null_mut(),
                0,
            )
        };
        assert_eq!((r, threshold), (0, 0));
        let v = vec![1u8; 64 << 20];
        assert_eq!(v[v.len() - 1], 1);
        drop(v);
        assert!(release_free_memory() >= 0);
    }
}
