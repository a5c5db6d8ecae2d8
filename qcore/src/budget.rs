//! The memory budget and the stop signals: the one place that decides
//! whether an evaluation may allocate more, and whether it must stop.
//!
//! **Memory.** The process's counting allocator (`qengine::alloc`) reports
//! every block it hands out and takes back ([`note_grow`],
//! [`note_shrink`]), so [`used`] is the heap in use now. The budget is
//! `-w N` megabytes when given (q's `wmax`), else the machine's memory
//! (the smaller of physical memory and the cgroup's `memory.max`).
//! Every builtin that sizes a result from user input (`til`, `#`, `?`,
//! `where`, `,`, `cross`, `$` pads, reads, decompression, ...) calls
//! [`check_alloc`] *before* allocating: more than [`MAX_ITEMS`] items is
//! q's `'limit`, more than the budget left is `'wsfull`. A single request
//! of [`LARGE`] bytes or more must also fit in the memory the kernel says
//! is available, so a machine already short of memory answers `'wsfull`
//! instead of killing the process (Rust aborts when an allocation fails;
//! it cannot unwind, so the check has to come first). Allocations that
//! are not checked one by one (many small blocks, results proportional to
//! their inputs) are caught by the allocator itself: a block that takes the
//! heap over the budget raises the `WSFULL` stop signal, and the
//! evaluation stops with `'wsfull` at its next check.
//!
//! **Stop signals.** Ctrl-C ([`interrupt`]), the `\T` deadline
//! ([`set_deadline`]) and the over-budget flag are one atomic word. Long
//! kernels call [`stopping`] every [`CHUNK`] items and give up early when
//! it is true; the interpreter turns the signal into q's error (`'stop`,
//! `'wsfull`) through [`poll`] / [`settle`] after every builtin call, at
//! its loop ticks and at the end of each evaluation, so a kernel's
//! partial result is never seen. [`begin`] clears the signals when a new
//! top-level evaluation (console line, script chunk, client request)
//! starts.

use std::sync::OnceLock;
use std::sync::atomic::AtomicU8;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use crate::error::{QError, QResult};
use crate::value::Value;

/// Longest list q makes: `2^40-1` items; beyond it q signals `'limit`.
pub const MAX_ITEMS: usize = (1 << 40) - 1;

/// Items a long kernel processes between two [`stopping`] checks.
pub const CHUNK: usize = 1 << 16;

/// Requests at least this large are also checked against the memory the
/// machine has available now (reading it costs microseconds).
pub const LARGE: usize = 64 << 20;

/// Bytes in use (the counting allocator's blocks).
static USED: AtomicUsize = AtomicUsize::new(0);
/// High-water mark since the last [`reset_peak`] (`\ts`).
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// High-water mark of the process (q's `peak` in `\w`).
static MAX_PEAK: AtomicUsize = AtomicUsize::new(0);
/// `-w` / `\w` limit in bytes; 0 when none was given (q's `wmax`).
static WMAX: AtomicUsize = AtomicUsize::new(0);
/// The budget in force: heap use beyond it is `'wsfull`.
static TRIP: AtomicUsize = AtomicUsize::new(usize::MAX);
/// The stop signals (bits below).
static STOP: AtomicU8 = AtomicU8::new(0);
/// The deadline in nanoseconds after [`epoch`], plus one; 0 for none.
static DEADLINE: AtomicU64 = AtomicU64::new(0);

const INTERRUPTED: u8 = 1;
const TIMED_OUT: u8 = 2;
const WSFULL: u8 = 4;

/// Called by the allocator after it handed out `n` more bytes.
#[inline]
pub fn note_grow(n: usize) {
    let now = USED.fetch_add(n, Relaxed).wrapping_add(n);
    PEAK.fetch_max(now, Relaxed);
    if now > TRIP.load(Relaxed) {
        over_budget();
    }
}

#[cold]
fn over_budget() {
    STOP.fetch_or(WSFULL, Relaxed);
}

/// Called by the allocator after it took back `n` bytes.
#[inline]
pub fn note_shrink(n: usize) {
    USED.fetch_sub(n, Relaxed);
}

/// Heap bytes in use now.
pub fn used() -> usize {
    USED.load(Relaxed)
}

/// The high-water mark since the last [`reset_peak`].
pub fn peak() -> usize {
    PEAK.load(Relaxed)
}

/// Resets the `\ts` high-water mark to the current use; returns that use.
pub fn reset_peak() -> usize {
    let now = used();
    MAX_PEAK.fetch_max(PEAK.swap(now, Relaxed), Relaxed);
    now
}

/// The process's high-water mark (`\w`'s `peak`).
pub fn max_peak() -> usize {
    MAX_PEAK.load(Relaxed).max(peak())
}

/// The `-w` limit in bytes, 0 when none (q's `wmax`).
pub fn wmax() -> usize {
    WMAX.load(Relaxed)
}

/// Sets the `-w` limit (bytes; 0 for none) and recomputes the budget.
pub fn set_wmax(bytes: usize) {
    WMAX.store(bytes, Relaxed);
    TRIP.store(budget_for(used()), Relaxed);
}

/// The budget in force now, in bytes.
pub fn limit() -> usize {
    TRIP.load(Relaxed)
}

/// The budget for an evaluation starting with `used` bytes in use: the
/// `-w` limit; without one, what the machine can give: the heap in use
/// plus the memory available now, at most the machine's memory. When the
/// heap already holds more than `-w` (a limit lowered under data already
/// loaded), the evaluation gets a little room above what it holds, so that
/// deleting data is still possible.
fn budget_for(used: usize) -> usize {
    match wmax() {
        0 => {
            let m = machine_memory();
            available_memory().map_or(m, |a| used.saturating_add(a).min(m))
        }
        w if used < w => w,
        w => used.saturating_add((w / 8).max(1 << 20)),
    }
}

/// Physical memory in bytes, capped by the cgroup limit when there is one;
/// `usize::MAX` when neither can be read.
pub fn machine_memory() -> usize {
    static MEM: OnceLock<usize> = OnceLock::new();
    *MEM.get_or_init(|| {
        let phys = meminfo("MemTotal:").unwrap_or(usize::MAX);
        phys.min(cgroup("memory.max").unwrap_or(usize::MAX))
    })
}

/// Memory the process could still get: what the kernel calls available
/// plus free swap, no more than the cgroup has left, nor than the address
/// space left under `ulimit -v`; `None` when it cannot be read. Read at most every 100 ms (it costs a few
/// microseconds).
pub fn available_memory() -> Option<usize> {
    let now = epoch().elapsed().as_millis() as u64 + 1;
    let at = AVAILABLE_AT.load(Relaxed);
    if at == 0 || now.saturating_sub(at) >= 100 {
        let v = read_available().unwrap_or(usize::MAX);
        AVAILABLE.store(v, Relaxed);
        AVAILABLE_AT.store(now, Relaxed);
    }
    Some(AVAILABLE.load(Relaxed)).filter(|&v| v != usize::MAX)
}

/// The last reading of [`available_memory`] (`usize::MAX`: unreadable) and
/// when it was taken (ms since [`epoch`], plus one; 0: never).
static AVAILABLE: AtomicUsize = AtomicUsize::new(usize::MAX);
static AVAILABLE_AT: AtomicU64 = AtomicU64::new(0);

/// [`available_memory`] read now, refreshing the cached value.
fn available_memory_now() -> Option<usize> {
    let v = read_available()?;
    AVAILABLE.store(v, Relaxed);
    AVAILABLE_AT.store(epoch().elapsed().as_millis() as u64 + 1, Relaxed);
    Some(v)
}

fn read_available() -> Option<usize> {
    let avail = meminfo("MemAvailable:")?;
    let host = avail.saturating_add(meminfo("SwapFree:").unwrap_or(0));
    let cg = match (cgroup("memory.max"), cgroup("memory.current")) {
        (Some(max), Some(cur)) => max.saturating_sub(cur),
        _ => usize::MAX,
    };
    // `ulimit -v`: the address space left under the process's limit
    let vm = match (address_space_limit(), status_kb("VmSize:")) {
        (Some(max), Some(size)) => max.saturating_sub(size),
        _ => usize::MAX,
    };
    Some(host.min(cg).min(vm))
}

/// The soft limit on the process's address space (`ulimit -v`), in bytes;
/// `None` when unlimited.
fn address_space_limit() -> Option<usize> {
    let t = std::fs::read_to_string("/proc/self/limits").ok()?;
    let l = t.lines().find(|l| l.starts_with("Max address space"))?;
    l["Max address space".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A `/proc/self/status` field in bytes.
fn status_kb(key: &str) -> Option<usize> {
    let t = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = t.lines().find(|l| l.starts_with(key))?;
    let kb = l.split_whitespace().nth(1)?.parse::<usize>().ok()?;
    kb.checked_mul(1024)
}

/// A number from the process's cgroup (v2) directory; `None` when absent
/// or `max`.
fn cgroup(file: &str) -> Option<usize> {
    std::fs::read_to_string(format!("/sys/fs/cgroup/{file}"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// A `/proc/meminfo` field in bytes.
fn meminfo(key: &str) -> Option<usize> {
    let t = std::fs::read_to_string("/proc/meminfo").ok()?;
    let l = t.lines().find(|l| l.starts_with(key))?;
    let kb = l.split_whitespace().nth(1)?.parse::<usize>().ok()?;
    kb.checked_mul(1024)
}

/// `'limit` when `n` items are more than q allows in a list, `'wsfull`
/// when `n` items of `width` bytes do not fit in the budget. Call it before
/// allocating a result whose size comes from user input.
pub fn check_alloc(n: usize, width: usize) -> QResult<()> {
    if n > MAX_ITEMS {
        return Err(QError::new("limit").with_detail(format!(
            "{n} items: longer than the longest list (2^40-1 items)"
        )));
    }
    match n.checked_mul(width.max(1)) {
        Some(b) => check_bytes(b),
        None => Err(wsfull(usize::MAX)),
    }
}

/// Bytes one item of `v` takes in a list made from it: the width of a
/// vector's (or atom's) type, the sum over a table's columns, a value slot
/// for general lists and anything else. What [`check_items`] multiplies by.
pub fn item_width(v: &Value) -> usize {
    const SLOT: usize = std::mem::size_of::<Value>();
    match v {
        Value::Atom(a) => a.ty().width(),
        Value::Vector(x) => x.ty().width(),
        Value::Table(t) => t.columns.iter().map(item_width).sum::<usize>().max(1),
        Value::Dict(d) => item_width(&d.values),
        _ => SLOT,
    }
}

/// [`check_alloc`] for `n` items like those of `v`, each also needing
/// `extra` bytes of scratch (an index, say).
pub fn check_items(n: usize, v: &Value, extra: usize) -> QResult<()> {
    check_alloc(n, item_width(v) + extra)
}

/// `'wsfull` unless `bytes` more fit in the budget (and, for a large
/// request, in the memory the machine has available).
pub fn check_bytes(bytes: usize) -> QResult<()> {
    if used().saturating_add(bytes) > limit() {
        return Err(wsfull(bytes));
    }
    // read afresh, not the value cached for up to 100 ms: a loop of growing
    // requests (`{x,x} scan 1` under `ulimit -v`) otherwise passes on an old
    // reading and the allocation aborts the process; and leave room for the
    // unchecked small blocks that follow a large one
    if bytes >= LARGE
        && let Some(a) = available_memory_now()
        && bytes.saturating_add(LARGE) > a
    {
        return Err(wsfull(bytes));
    }
    Ok(())
}

/// `'wsfull` when reading the whole of file `path` into memory would not
/// fit in the budget (a file that cannot be examined is left to the read's
/// own error).
pub fn check_file(path: &std::path::Path) -> QResult<()> {
    match std::fs::metadata(path) {
        Ok(m) => check_alloc(usize::try_from(m.len()).unwrap_or(usize::MAX), 1),
        Err(_) => Ok(()),
    }
}

fn wsfull(bytes: usize) -> QError {
    let w = wmax();
    let what = if bytes == usize::MAX {
        "more bytes than memory can address".to_string()
    } else {
        format!("{} MB more", bytes.div_ceil(1 << 20))
    };
    let lim = if w > 0 {
        format!("the -w limit of {} MB", w >> 20)
    } else {
        "the memory available".to_string()
    };
    QError::new("wsfull").with_detail(format!(
        "{what} would not fit in {lim} ({} MB in use)",
        used() >> 20
    ))
}

// ---------------------------------------------------------------------------
// Stop signals

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Ctrl-C: the running evaluation stops with `'stop` at its next check.
/// Safe to call from a signal handler's thread.
pub fn interrupt() {
    STOP.fetch_or(INTERRUPTED, Relaxed);
}

/// True when Ctrl-C was pressed since the current evaluation began.
pub fn interrupted() -> bool {
    STOP.load(Relaxed) & INTERRUPTED != 0
}

/// Sets the deadline of the running evaluation (`None`: no deadline);
/// returns the one it replaces.
pub fn set_deadline(d: Option<Instant>) -> Option<Instant> {
    let e = epoch();
    let enc = d.map_or(0, |d| {
        (d.saturating_duration_since(e).as_nanos() as u64).saturating_add(1)
    });
    let old = DEADLINE.swap(enc, Relaxed);
    (old != 0).then(|| e + std::time::Duration::from_nanos(old - 1))
}

/// Clears the stop signals and sets the budget at the start of a top-level
/// evaluation.
pub fn begin() {
    STOP.store(0, Relaxed);
    TRIP.store(budget_for(used()), Relaxed);
}

/// For a kernel's loop over items: true every [`CHUNK`]th item (never the
/// first) when the evaluation should stop ([`stopping`]).
#[inline]
pub fn stop_at(i: usize) -> bool {
    i.is_multiple_of(CHUNK) && i != 0 && stopping()
}

/// `xs` mapped by `f`, [`CHUNK`] items at a time with a [`stopping`]
/// check before each chunk; once stopped, the rest of the result is
/// `fill` (the interpreter discards it).
pub fn map_stoppable<T, U: Clone>(xs: &[T], fill: U, mut f: impl FnMut(&T) -> U) -> Vec<U> {
    let mut out = Vec::with_capacity(xs.len());
    for (k, c) in xs.chunks(CHUNK).enumerate() {
        if k > 0 && stopping() {
            out.resize(xs.len(), fill);
            break;
        }
        out.extend(c.iter().map(&mut f));
    }
    out
}

/// True when a stop signal is raised (one atomic load; the deadline is not
/// looked at).
#[inline]
pub fn raised() -> bool {
    STOP.load(Relaxed) != 0
}

/// True when the running evaluation should stop (Ctrl-C, the deadline
/// passed, or the heap went over the budget). Long kernels call it every
/// [`CHUNK`] items and return early (with any result: the interpreter
/// discards it and signals the error through [`settle`]).
#[inline]
pub fn stopping() -> bool {
    if STOP.load(Relaxed) != 0 {
        return true;
    }
    let d = DEADLINE.load(Relaxed);
    d != 0 && deadline_passed(d)
}

#[cold]
fn deadline_passed(d: u64) -> bool {
    let now = epoch().elapsed().as_nanos() as u64;
    if now.saturating_add(1) >= d {
        STOP.fetch_or(TIMED_OUT, Relaxed);
        true
    } else {
        false
    }
}

/// The error for a raised stop signal: `'stop` for Ctrl-C or the deadline
/// (they stay raised until the evaluation ends), `'wsfull` for the budget
/// (cleared, so a trapped `'wsfull` leaves the evaluation free to go on
/// once the memory is released).
pub fn poll() -> QResult<()> {
    if !stopping() {
        return Ok(());
    }
    Err(signal())
}

#[cold]
fn signal() -> QError {
    let s = STOP.load(Relaxed);
    if s & INTERRUPTED != 0 {
        QError::new("stop").with_detail("interrupted")
    } else if s & TIMED_OUT != 0 {
        QError::new("stop").with_detail("time limit reached")
    } else {
        STOP.fetch_and(!WSFULL, Relaxed);
        wsfull_over()
    }
}

fn wsfull_over() -> QError {
    QError::new("wsfull").with_detail(format!(
        "the heap ({} MB) went over {}",
        used() >> 20,
        match wmax() {
            0 => "the memory available".to_string(),
            w => format!("the -w limit of {} MB", w >> 20),
        }
    ))
}

/// A builtin's result, or the stop signal raised while it ran: what the
/// interpreter calls after every builtin (one atomic load when nothing is
/// raised).
#[inline(always)]
pub fn settle<T>(r: QResult<T>) -> QResult<T> {
    if STOP.load(Relaxed) == 0 {
        return r;
    }
    match r {
        Ok(_) => Err(signal()),
        // a kernel that gave up reports its own error; the signal wins
        Err(e) if e.name == "stop" || e.name == "wsfull" => Err(e),
        Err(_) => Err(signal()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The statics are process-wide: one test exercises them in sequence.
    #[test]
    fn budget_and_signals() {
        assert_eq!(check_alloc(MAX_ITEMS + 1, 1).unwrap_err().name, "limit");
        assert_eq!(check_alloc(usize::MAX / 2, 8).unwrap_err().name, "limit");
        assert_eq!(check_alloc(1 << 39, 1 << 20).unwrap_err().name, "wsfull");
        assert!(check_alloc(1000, 8).is_ok());

        set_wmax(100 << 20);
        begin();
        assert_eq!(limit(), 100 << 20);
        assert!(check_alloc(1 << 20, 8).is_ok());
        assert_eq!(check_alloc(20 << 20, 8).unwrap_err().name, "wsfull");
        // the allocator crossing the budget raises the flag; it is reported
        // once
        note_grow(200 << 20);
        assert!(stopping());
        assert_eq!(settle(Ok(1)).unwrap_err().name, "wsfull");
        assert!(poll().is_ok());
        note_shrink(200 << 20);
        set_wmax(0);

        interrupt();
        assert!(interrupted());
        assert_eq!(poll().unwrap_err().name, "stop");
        assert_eq!(poll().unwrap_err().name, "stop");
        begin();
        assert!(poll().is_ok());

        let old = set_deadline(Some(Instant::now()));
        assert_eq!(old, None);
        assert_eq!(poll().unwrap_err().name, "stop");
        assert!(set_deadline(None).is_some());
        begin();
        assert!(settle(Ok(())).is_ok());
    }
}
