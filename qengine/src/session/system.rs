//! (moved; module doc to be written)

use crate::interp::Interp;
use crate::interp::Outcome;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Value;
use qcore::Vector;
use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering;
use std::time::Duration;
use std::time::Instant;

// ---------------------------------------------------------------------------
// Process-wide settings

/// `\o` in minutes; `i64::MIN` means "the machine's offset".
pub(crate) static UTC_OFFSET: AtomicI64 = AtomicI64::new(i64::MIN);

/// `\W`: start of week, 0 is Saturday.
pub(crate) static WEEK_OFFSET: AtomicI64 = AtomicI64::new(2);

/// `\z`: 0 is mm/dd/yyyy, 1 is dd/mm/yyyy.
pub(crate) static DATE_FORMAT: AtomicI64 = AtomicI64::new(0);

/// `\e`: error trap mode (stored; borf has no debugger to suspend in).
pub(crate) static ERROR_MODE: AtomicI64 = AtomicI64::new(0);

/// `\T`: seconds each console line may run (0: no limit).
pub(crate) static TIMEOUT: AtomicI64 = AtomicI64::new(0);

/// The `\o` offset in minutes, when one is set.
pub fn utc_offset_minutes() -> Option<i64> {
    let m = UTC_OFFSET.load(Ordering::Relaxed);
    (m != i64::MIN).then_some(m)
}

/// The `\z` date format (0 or 1).
pub fn date_format() -> i64 {
    DATE_FORMAT.load(Ordering::Relaxed)
}

/// The deadline for one console line under `\T` (the earlier of `\T` and
/// any deadline already set).
pub fn line_deadline(current: Option<Instant>) -> Option<Instant> {
    let t = TIMEOUT.load(Ordering::Relaxed);
    if t <= 0 {
        return current;
    }
    let d = Instant::now() + Duration::from_secs(t as u64);
    Some(current.map_or(d, |c| c.min(d)))
}

// ---------------------------------------------------------------------------
// System commands

pub(crate) fn int_arg(rest: &str) -> QResult<i64> {
    rest.trim().parse::<i64>().map_err(|_| QError::type_())
}

pub(crate) fn show_or_set(
    cell: &AtomicI64,
    rest: &str,
    check: impl Fn(i64) -> bool,
) -> QResult<Outcome> {
    if rest.is_empty() {
        let v = cell.load(Ordering::Relaxed);
        return Ok(Outcome::Value(Value::int(if v == i64::MIN {
            i32::MIN
        } else {
            v as i32
        })));
    }
    let n = int_arg(rest)?;
    if !check(n) {
        return Err(QError::domain());
    }
    cell.store(n, Ordering::Relaxed);
    Ok(Outcome::Silent)
}

/// The system commands of this family (called from `Interp::system`).
pub fn system(it: &mut Interp, name: &str, rest: &str) -> QResult<Outcome> {
    match name {
        "f" => {
            let ns = if rest.is_empty() {
                it.namespace.as_str().to_string()
            } else {
                rest.to_string()
            };
            let names: Vec<Sym> = it
                .names_in(&ns)
                .into_iter()
                .filter(|s| matches!(it.get_global(*s), Some(Value::Func(_))))
                .map(|s| {
                    let t = s.as_str();
                    Sym::new(t.rsplit_once('.').map_or(t, |(_, n)| n))
                })
                .collect();
            Ok(Outcome::Value(Value::Vector(Vector::syms(names))))
        }
        "T" => show_or_set(&TIMEOUT, rest, |n| n >= 0),
        "W" => show_or_set(&WEEK_OFFSET, rest, |n| (0..7).contains(&n)),
        "z" => show_or_set(&DATE_FORMAT, rest, |n| n == 0 || n == 1),
        "e" => show_or_set(&ERROR_MODE, rest, |n| (0..=2).contains(&n)),
        "o" => {
            if rest.is_empty() {
                return show_or_set(&UTC_OFFSET, rest, |_| true);
            }
            let n = int_arg(rest)?;
            // hours, or minutes when abs n > 23
            let m = if n.abs() > 23 { n } else { n * 60 };
            if m.abs() > 24 * 60 {
                return Err(QError::domain());
            }
            UTC_OFFSET.store(m, Ordering::Relaxed);
            Ok(Outcome::Silent)
        }
        "w" => {
            let w = workspace();
            if rest.is_empty() {
                Ok(Outcome::Value(Value::Vector(Vector::longs(
                    w[..6].to_vec(),
                ))))
            } else if int_arg(rest)? == 0 {
                Ok(Outcome::Value(Value::Vector(Vector::longs(
                    w[6..].to_vec(),
                ))))
            } else {
                Err(QError::nyi("\\w n (a workspace limit)"))
            }
        }
        "x" => {
            if rest.is_empty() {
                return Err(QError::domain());
            }
            it.take_global(Sym::new(rest));
            Ok(Outcome::Silent)
        }
        "1" | "2" => redirect(if name == "1" { 1 } else { 2 }, rest),
        _ => Err(QError::nyi(&format!("\\{name}"))),
    }
}

#[cfg(unix)]
pub(crate) fn redirect(fd: i32, path: &str) -> QResult<Outcome> {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    unsafe extern "C" {
        fn dup2(old: i32, new: i32) -> i32;
    }
    if path.is_empty() {
        return Err(QError::domain());
    }
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|_| QError::new(path.to_string()))?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|_| QError::new(path.to_string()))?;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: dup2 on a file descriptor we own onto the process's stdout or
    // stderr; no Rust object owns fd 1 or 2 as a File.
    let r = unsafe { dup2(f.as_raw_fd(), fd) };
    if r < 0 {
        return Err(QError::new("os"));
    }
    Ok(Outcome::Silent)
}

#[cfg(not(unix))]
pub(crate) fn redirect(_: i32, _: &str) -> QResult<Outcome> {
    Err(QError::nyi("\\1 and \\2 on this platform"))
}

// ---------------------------------------------------------------------------
// Memory: .Q.w, \w

pub(crate) fn physical_memory() -> i64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<i64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// `used heap peak wmax mmap mphy syms symw`.
pub(crate) fn workspace() -> [i64; 8] {
    let (used, peak) =
        crate::interp::memory_probe().map_or((0, 0), |p| ((p.current)() as i64, (p.peak)() as i64));
    let (syms, symw) = qcore::sym::stats();
    [
        used,
        used,
        peak.max(used),
        0,
        0,
        physical_memory(),
        syms as i64,
        symw as i64,
    ]
}
