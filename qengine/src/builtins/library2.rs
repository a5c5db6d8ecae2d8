//! Library round 2: `all any ema rand gtime ltime md5 inv mmu lsq reval`,
//! `-n!x` internal functions, `.Q.sha1 .Q.w .Q.ts .Q.trp .Q.trpd .Q.bt
//! .Q.sbt .Q.fc`, `.z.s`, and the system commands `\f \T \w \x \o \W \z \e
//! \1 \2`.
//!
//! Settings that q keeps process-wide (`\o \W \z \e \T`) are process-wide
//! here too (atomics), read by the code they affect: `\o` by the local-time
//! offset (temporal.rs), `\z` by date parsing (cast.rs), `\T` by
//! `Interp::run_line`.

use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering;
use std::time::Duration;
use std::time::Instant;

use crate::eval::apply::apply;
use crate::interp::Interp;
use crate::interp::Outcome;
use qcore::Func;
use qcore::Sym;
use qcore::Atom;
use qcore::Dict;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use qcore::ErrorInfo;
use qcore::QError;
use qcore::QResult;

use super::registry;

// ---------------------------------------------------------------------------
// Process-wide settings

/// `\o` in minutes; `i64::MIN` means "the machine's offset".
static UTC_OFFSET: AtomicI64 = AtomicI64::new(i64::MIN);
/// `\W`: start of week, 0 is Saturday.
static WEEK_OFFSET: AtomicI64 = AtomicI64::new(2);
/// `\z`: 0 is mm/dd/yyyy, 1 is dd/mm/yyyy.
static DATE_FORMAT: AtomicI64 = AtomicI64::new(0);
/// `\e`: error trap mode (stored; borf has no debugger to suspend in).
static ERROR_MODE: AtomicI64 = AtomicI64::new(0);
/// `\T`: seconds each console line may run (0: no limit).
static TIMEOUT: AtomicI64 = AtomicI64::new(0);

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

fn int_arg(rest: &str) -> QResult<i64> {
    rest.trim().parse::<i64>().map_err(|_| QError::type_())
}

fn show_or_set(cell: &AtomicI64, rest: &str, check: impl Fn(i64) -> bool) -> QResult<Outcome> {
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
fn redirect(fd: i32, path: &str) -> QResult<Outcome> {
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
fn redirect(_: i32, _: &str) -> QResult<Outcome> {
    Err(QError::nyi("\\1 and \\2 on this platform"))
}

// ---------------------------------------------------------------------------
// Memory: .Q.w, \w

fn physical_memory() -> i64 {
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
fn workspace() -> [i64; 8] {
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

fn new_dict(keys: Value, values: Value) -> Value {
    Value::Dict(std::sync::Arc::new(Dict {
        keys,
        values,
        sorted: false,
    }))
}

/// `.Q.w[]`: memory statistics.
pub fn q_w(_: &mut Interp, _: Value) -> QResult<Value> {
    let keys = [
        "used", "heap", "peak", "wmax", "mmap", "mphy", "syms", "symw",
    ];
    Ok(new_dict(
        Value::Vector(Vector::syms(keys.iter().map(|k| Sym::new(k)).collect())),
        Value::Vector(Vector::longs(workspace().to_vec())),
    ))
}

// ---------------------------------------------------------------------------
// all, any

fn nonzero(a: &Atom) -> QResult<bool> {
    Ok(match *a {
        Atom::Symbol(_) | Atom::Guid(_) => return Err(QError::type_()),
        Atom::Bool(b) => b,
        Atom::Byte(b) | Atom::Char(b) => b != 0,
        Atom::Real(f) => f != 0.0,
        Atom::Float(f) | Atom::Datetime(f) => f != 0.0,
        _ => a.to_i64().is_some_and(|v| v != 0),
    })
}

/// `"b"$x` deep: atoms and vectors to booleans, lists item by item.
fn to_bools(x: &Value) -> QResult<Value> {
    match x {
        Value::Atom(a) => Ok(Value::bool(nonzero(a)?)),
        Value::Vector(v) => {
            let mut out = Vec::with_capacity(v.len());
            for i in 0..v.len() {
                out.push(nonzero(&v.get(i))?);
            }
            Ok(Value::Vector(Vector::bools(out)))
        }
        Value::List(l) => Ok(Value::list(
            l.iter().map(to_bools).collect::<QResult<Vec<_>>>()?,
        )),
        _ => Err(QError::type_()),
    }
}

fn all_any(it: &mut Interp, x: Value, all: bool) -> QResult<Value> {
    match &x {
        Value::Atom(a) => Ok(Value::bool(nonzero(a)?)),
        Value::Vector(v) => {
            if matches!(v.ty(), Ty::Symbol | Ty::Guid) {
                return Err(QError::type_());
            }
            for i in 0..v.len() {
                if nonzero(&v.get(i))? != all {
                    return Ok(Value::bool(!all));
                }
            }
            Ok(Value::bool(all))
        }
        Value::List(l) => {
            // an aggregate over the items: &/ or |/ of the items as booleans
            let op = registry::lookup(if all { "&" } else { "|" }).ok_or_else(QError::type_)?;
            let op = registry::func(op);
            let mut acc = Value::bool(all);
            for item in l.iter() {
                it.tick()?;
                let b = to_bools(item)?;
                acc = apply(it, &op, vec![acc, b])?;
            }
            Ok(acc)
        }
        Value::Dict(d) => all_any(it, d.values.clone(), all),
        Value::Table(t) => {
            let mut vals = Vec::with_capacity(t.columns.len());
            for c in t.columns.iter() {
                vals.push(all_any(it, c.clone(), all)?);
            }
            Ok(new_dict(
                Value::Vector(Vector::syms(t.names.to_vec())),
                Value::from_items(vals),
            ))
        }
        _ => Err(QError::type_()),
    }
}

/// `all x`: every item nonzero.
pub fn all(it: &mut Interp, x: Value) -> QResult<Value> {
    all_any(it, x, true)
}

/// `any x`: some item nonzero.
pub fn any(it: &mut Interp, x: Value) -> QResult<Value> {
    all_any(it, x, false)
}

// ---------------------------------------------------------------------------
// Numeric helpers

fn num_atom(a: &Atom) -> QResult<f64> {
    if !a.ty().is_numeric() && a.ty() != Ty::Bool {
        return Err(QError::type_());
    }
    a.to_f64().ok_or_else(QError::type_)
}

/// A numeric vector (or atom, as one item) as floats.
fn floats(x: &Value) -> QResult<Vec<f64>> {
    match x {
        Value::Atom(a) => Ok(vec![num_atom(a)?]),
        Value::Vector(v) => {
            if !v.ty().is_numeric() && v.ty() != Ty::Bool {
                return Err(QError::type_());
            }
            v.to_f64_vec().ok_or_else(QError::type_)
        }
        Value::List(l) => l
            .iter()
            .map(|i| match i {
                Value::Atom(a) => num_atom(a),
                _ => Err(QError::type_()),
            })
            .collect(),
        _ => Err(QError::type_()),
    }
}

fn float_vec(v: Vec<f64>) -> Value {
    Value::Vector(Vector::floats(v))
}

// ---------------------------------------------------------------------------
// ema

/// `x ema y`: exponential moving average, `r[0]=y[0]`,
/// `r[i]=x*y[i]+(1-x)*r[i-1]` (q's `{first[y](1f-x)\x*y}`).
pub fn ema(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let atom_y = matches!(y, Value::Atom(_));
    let ys = floats(&y)?;
    let xs = floats(&x)?;
    let xa = matches!(x, Value::Atom(_));
    if !xa && xs.len() != ys.len() {
        return Err(QError::length());
    }
    let mut out = Vec::with_capacity(ys.len());
    let mut prev = 0.0;
    for (i, &v) in ys.iter().enumerate() {
        let a = if xa { xs[0] } else { xs[i] };
        prev = if i == 0 { v } else { a * v + (1.0 - a) * prev };
        out.push(prev);
    }
    if atom_y && xa {
        return Ok(Value::float(out[0]));
    }
    Ok(float_vec(out))
}

// ---------------------------------------------------------------------------
// rand

/// `rand x`: `first 1?x` — a random number below `x`, or a random item.
pub fn rand(it: &mut Interp, x: Value) -> QResult<Value> {
    if let Value::Atom(a) = &x
        && matches!(a.to_i64(), Some(n) if n <= 0)
        && a.ty().is_integral()
    {
        return Err(QError::domain());
    }
    let r = super::list::find(it, Value::long(1), x)?;
    r.item(0).ok_or_else(QError::length)
}

// ---------------------------------------------------------------------------
// gtime, ltime

const NS_PER_DAY: i64 = 86_400_000_000_000;
const UNIX_2000_SECS: i64 = 10_957 * 86_400;

fn shift_time(x: &Value, local: bool) -> QResult<Value> {
    let off_ns = |ns: i64| {
        let unix = ns.div_euclid(1_000_000_000) + UNIX_2000_SECS;
        super::temporal::local_offset_secs(unix) * 1_000_000_000
    };
    let ts = |ns: i64| {
        if ns == i64::MIN || ns == i64::MAX || ns == -i64::MAX {
            ns
        } else if local {
            ns + off_ns(ns)
        } else {
            ns - off_ns(ns)
        }
    };
    let dt = |d: f64| {
        if !d.is_finite() {
            d
        } else {
            let ns = (d * NS_PER_DAY as f64) as i64;
            ts(ns) as f64 / NS_PER_DAY as f64
        }
    };
    match x {
        Value::Atom(Atom::Timestamp(n)) => Ok(Value::Atom(Atom::Timestamp(ts(*n)))),
        Value::Atom(Atom::Datetime(d)) => Ok(Value::Atom(Atom::Datetime(dt(*d)))),
        Value::Vector(v) if v.ty() == Ty::Timestamp => {
            let xs = v.to_i64_vec().ok_or_else(QError::type_)?;
            let out: Vec<Atom> = xs.into_iter().map(|n| Atom::Timestamp(ts(n))).collect();
            Vector::from_atoms(Ty::Timestamp, &out)
                .map(Value::Vector)
                .ok_or_else(QError::type_)
        }
        Value::Vector(v) if v.ty() == Ty::Datetime => {
            let xs = v.to_f64_vec().ok_or_else(QError::type_)?;
            let out: Vec<Atom> = xs.into_iter().map(|d| Atom::Datetime(dt(d))).collect();
            Vector::from_atoms(Ty::Datetime, &out)
                .map(Value::Vector)
                .ok_or_else(QError::type_)
        }
        _ => Err(QError::type_()),
    }
}

/// `gtime ts`: the UTC equivalent of a local timestamp or datetime.
pub fn gtime(_: &mut Interp, x: Value) -> QResult<Value> {
    shift_time(&x, false)
}

/// `ltime ts`: the local equivalent of a UTC timestamp or datetime.
pub fn ltime(_: &mut Interp, x: Value) -> QResult<Value> {
    shift_time(&x, true)
}

// ---------------------------------------------------------------------------
// md5, sha1

fn text_bytes(x: &Value) -> QResult<Vec<u8>> {
    match x {
        Value::Vector(v) if matches!(v.ty(), Ty::Char | Ty::Byte) => {
            Ok(v.as_u8().unwrap_or(&[]).to_vec())
        }
        Value::Atom(Atom::Char(c)) => Ok(vec![*c]),
        _ => Err(QError::type_()),
    }
}

fn bytes(b: &[u8]) -> Value {
    Value::Vector(Vector::from_u8(Ty::Byte, b.to_vec()))
}

/// `md5 x`: MD5 digest of a string, as 16 bytes.
pub fn md5(_: &mut Interp, x: Value) -> QResult<Value> {
    Ok(bytes(&crate::ipc::md5::md5(&text_bytes(&x)?)))
}

/// SHA-1 (RFC 3174).
pub fn sha1_digest(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, c) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// `.Q.sha1 x`: SHA-1 digest of a string, as 20 bytes.
pub fn q_sha1(_: &mut Interp, x: Value) -> QResult<Value> {
    Ok(bytes(&sha1_digest(&text_bytes(&x)?)))
}

// ---------------------------------------------------------------------------
// Matrices: mmu, inv, lsq

type Mat = Vec<Vec<f64>>;

/// A matrix: a list of numeric vectors of one length.
fn matrix(x: &Value) -> QResult<Mat> {
    let Value::List(rows) = x else {
        return Err(QError::type_());
    };
    let m: Mat = rows
        .iter()
        .map(|r| match r {
            Value::Vector(_) => floats(r),
            _ => Err(QError::type_()),
        })
        .collect::<QResult<_>>()?;
    if let Some(first) = m.first()
        && m.iter().any(|r| r.len() != first.len())
    {
        return Err(QError::length());
    }
    Ok(m)
}

fn mat_value(m: Mat) -> Value {
    Value::list(m.into_iter().map(float_vec).collect())
}

fn cols(m: &Mat) -> usize {
    m.first().map_or(0, Vec::len)
}

fn mat_mul(a: &Mat, b: &Mat) -> QResult<Mat> {
    let n = cols(a);
    if n != b.len() {
        return Err(QError::length());
    }
    let p = cols(b);
    Ok(a.iter()
        .map(|row| {
            (0..p)
                .map(|j| row.iter().zip(b.iter()).map(|(x, br)| x * br[j]).sum())
                .collect()
        })
        .collect())
}

fn transpose(m: &Mat) -> Mat {
    (0..cols(m))
        .map(|j| m.iter().map(|r| r[j]).collect())
        .collect()
}

/// Gauss-Jordan with partial pivoting; a singular matrix gives nulls.
fn invert(m: &Mat) -> QResult<Mat> {
    let n = m.len();
    if m.iter().any(|r| r.len() != n) {
        return Err(QError::length());
    }
    let mut a: Mat = m.clone();
    let mut inv: Mat = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    let scale = m
        .iter()
        .flatten()
        .fold(0.0f64, |s, v| s.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let singular = || vec![vec![f64::NAN; n]; n];
    for c in 0..n {
        let Some(p) = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs())) else {
            return Ok(singular());
        };
        let pv = a[p][c];
        if pv.is_nan() || pv.abs() <= scale * 1e-14 {
            return Ok(singular());
        }
        a.swap(c, p);
        inv.swap(c, p);
        for j in 0..n {
            a[c][j] /= pv;
            inv[c][j] /= pv;
        }
        for r in 0..n {
            if r != c {
                let f = a[r][c];
                if f != 0.0 {
                    for j in 0..n {
                        a[r][j] -= f * a[c][j];
                        inv[r][j] -= f * inv[c][j];
                    }
                }
            }
        }
    }
    Ok(inv)
}

/// `x mmu y`: matrix product (vectors act as a row on the left and a column
/// on the right; two vectors give their dot product).
pub fn mmu(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    match (&x, &y) {
        (Value::Vector(_), Value::Vector(_)) => {
            let (a, b) = (floats(&x)?, floats(&y)?);
            if a.len() != b.len() {
                return Err(QError::length());
            }
            Ok(Value::float(a.iter().zip(&b).map(|(p, q)| p * q).sum()))
        }
        (Value::Vector(_), Value::List(_)) => {
            let r = mat_mul(&vec![floats(&x)?], &matrix(&y)?)?;
            Ok(float_vec(r.into_iter().next().unwrap_or_default()))
        }
        (Value::List(_), Value::Vector(_)) => {
            let col: Mat = floats(&y)?.into_iter().map(|v| vec![v]).collect();
            let r = mat_mul(&matrix(&x)?, &col)?;
            Ok(float_vec(r.into_iter().map(|r| r[0]).collect()))
        }
        (Value::List(_), Value::List(_)) => Ok(mat_value(mat_mul(&matrix(&x)?, &matrix(&y)?)?)),
        _ => Err(QError::type_()),
    }
}

/// `inv x`: inverse of a square float matrix.
pub fn inv(_: &mut Interp, x: Value) -> QResult<Value> {
    Ok(mat_value(invert(&matrix(&x)?)?))
}

/// `x lsq y`: least-squares solution `w` of `x = w mmu y`.
pub fn lsq(_: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let vector = matches!(x, Value::Vector(_));
    let a = if vector {
        vec![floats(&x)?]
    } else {
        matrix(&x)?
    };
    let b = matrix(&y)?;
    if cols(&a) != cols(&b) {
        return Err(QError::length());
    }
    let bt = transpose(&b);
    let w = mat_mul(&mat_mul(&a, &bt)?, &invert(&mat_mul(&b, &bt)?)?)?;
    if vector {
        return Ok(float_vec(w.into_iter().next().unwrap_or_default()));
    }
    Ok(mat_value(w))
}

// ---------------------------------------------------------------------------
// reval, .Q.ts, .Q.fc

/// `reval x`: `eval x` with assignment to globals blocked (`'noupdate`).
pub fn reval(it: &mut Interp, x: Value) -> QResult<Value> {
    let saved = it.no_update;
    it.no_update = true;
    let r = super::env::eval(it, x);
    it.no_update = saved;
    r
}

/// `.Q.ts[f;args]`: `(time;space)` as `\ts` gives, and `.[f;args]`.
pub fn q_ts(it: &mut Interp, f: Value, args: Value) -> QResult<Value> {
    let probe = crate::interp::memory_probe();
    let base = probe.map(|p| (p.reset_peak)());
    let start = Instant::now();
    let r = apply(it, &f, args.items())?;
    let ms = start.elapsed().as_millis() as i64;
    let space = match (probe, base) {
        (Some(p), Some(b)) => (p.peak)().saturating_sub(b) as i64,
        _ => 0,
    };
    Ok(Value::list(vec![
        Value::Vector(Vector::longs(vec![ms, space])),
        r,
    ]))
}

/// `.Q.fc[f;x]`: `f` over cuts of `x` on secondary threads; borf has none,
/// so (as q with `\s 0`) it is `f x`.
pub fn q_fc(it: &mut Interp, f: Value, x: Value) -> QResult<Value> {
    apply(it, &f, vec![x])
}

// ---------------------------------------------------------------------------
// .z.s, backtraces, .Q.trp

/// `.z.s`: the lambda running now (`::` at top level).
pub fn z_s(it: &mut Interp, _: Value) -> QResult<Value> {
    Ok(it
        .calls
        .last()
        .map_or(Value::Nil, |f| Value::Func(f.clone())))
}

fn err_key(e: &QError) -> usize {
    let info: &ErrorInfo = e;
    info as *const ErrorInfo as usize
}

/// Called when an error leaves a lambda: the first lambda it leaves (the
/// innermost) records the stack of lambdas for `.Q.trp`.
pub fn note_error(it: &mut Interp, e: &QError) {
    let key = err_key(e);
    if it.err_bt.as_ref().is_none_or(|(k, _)| *k != key) {
        it.err_bt = Some((key, it.calls.clone()));
    }
}

fn lambda_text(f: &Func) -> String {
    match f {
        Func::Lambda(l) => l.source.clone(),
        _ => String::new(),
    }
}

fn frame(text: &str, at: i64) -> Value {
    Value::list(vec![Value::string(text), Value::long(at)])
}

/// The backtrace object: frames innermost first, each `(text;caret)` with
/// caret `-1` where no position is known.
fn backtrace(e: Option<&QError>, stack: &[Func]) -> Value {
    let mut frames = Vec::new();
    let mut lambdas = stack.iter().rev();
    if let Some(loc) = e.and_then(|e| e.location.as_ref()) {
        let src: &str = &loc.source;
        let line_start = src[..loc.span.start.min(src.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line_end = src[line_start..]
            .find('\n')
            .map_or(src.len(), |i| line_start + i);
        frames.push(frame(
            &src[line_start..line_end],
            (loc.span.start - line_start) as i64,
        ));
        // the innermost lambda is the located frame
        if !stack.is_empty() {
            lambdas.next();
        }
    }
    for f in lambdas {
        frames.push(frame(&lambda_text(f), -1));
    }
    Value::list(frames)
}

fn sbt_text(x: &Value) -> QResult<String> {
    let frames = match x {
        Value::List(l) => l.clone(),
        _ => return Err(QError::type_()),
    };
    let n = frames.len();
    let mut s = String::new();
    for (i, f) in frames.iter().enumerate() {
        let (Some(text), Some(at)) = (f.item(0), f.item(1)) else {
            return Err(QError::type_());
        };
        let text = text.as_string().ok_or_else(QError::type_)?;
        let head = format!("  [{}]  ", n - 1 - i);
        s.push_str(&head);
        s.push_str(&text);
        s.push('\n');
        if let Some(Atom::Long(p)) = at.as_atom()
            && *p >= 0
        {
            s.push_str(&" ".repeat(head.len() + *p as usize));
            s.push('^');
        }
        s.push('\n');
    }
    Ok(s)
}

/// `.Q.sbt x`: a backtrace object as display text.
pub fn q_sbt(_: &mut Interp, x: Value) -> QResult<Value> {
    Ok(Value::string(&sbt_text(&x)?))
}

/// `.Q.bt[]`: writes the stack of running lambdas to stdout.
pub fn q_bt(it: &mut Interp, _: Value) -> QResult<Value> {
    let stack = it.calls.clone();
    print!("{}", sbt_text(&backtrace(None, &stack))?);
    Ok(Value::Nil)
}

fn trap_bt(it: &mut Interp, f: &Value, args: Vec<Value>, g: &Value) -> QResult<Value> {
    it.err_bt = None;
    match apply(it, f, args) {
        Ok(v) => Ok(v),
        Err(e) if e.name == "stop" || it.exit_request.is_some() => Err(e),
        Err(e) => {
            let stack = match it.err_bt.take() {
                Some((k, s)) if k == err_key(&e) => s,
                _ => Vec::new(),
            };
            let bt = backtrace(Some(&e), &stack);
            apply(it, g, vec![Value::string(&e.name), bt])
        }
    }
}

/// `.Q.trp[f;x;g]`: `@[f;x;g]` where `g` also gets the backtrace.
pub fn q_trp(it: &mut Interp, a: Vec<Value>) -> QResult<Value> {
    let [f, x, g]: [Value; 3] = a.try_into().map_err(|_| QError::rank())?;
    trap_bt(it, &f, vec![x], &g)
}

/// `.Q.trpd[f;args;g]`: `.[f;args;g]` where `g` also gets the backtrace.
pub fn q_trpd(it: &mut Interp, a: Vec<Value>) -> QResult<Value> {
    let [f, x, g]: [Value; 3] = a.try_into().map_err(|_| QError::rank())?;
    let args = x.items();
    trap_bt(it, &f, args, &g)
}

// ---------------------------------------------------------------------------
// -n!x internal functions

fn format_fixed(p: usize, f: f64) -> String {
    if f.is_nan() {
        String::new()
    } else {
        format!("{f:.p$}")
    }
}

/// `-n!x` for the internal functions q documents (the IPC ones, `-8! -9!
/// -18!`, are in `ipc/`). `None` for a non-negative `n`.
pub fn internal(it: &mut Interp, n: i64, y: &Value) -> Option<QResult<Value>> {
    if n >= 0 || n == i64::MIN {
        return None;
    }
    let y = y.clone();
    Some(match n {
        -1 => super::storage::hsym(it, y),
        -2 => super::env::attr(it, y),
        -3 => super::dotz::q_s1(it, y),
        -5 => super::env::parse(it, y),
        -6 => super::env::eval(it, y),
        -7 => super::storage::hcount(it, y),
        -15 => md5(it, y),
        -24 => reval(it, y),
        -33 => q_sha1(it, y),
        -27 => {
            let (Some(p), Some(v)) = (y.item(0), y.item(1)) else {
                return Some(Err(QError::type_()));
            };
            if y.count() != 2 {
                return Some(Err(QError::length()));
            }
            let Some(p) = p
                .as_atom()
                .and_then(Atom::to_i64)
                .filter(|p| (0..=99).contains(p))
            else {
                return Some(Err(QError::type_()));
            };
            match &v {
                Value::Atom(Atom::Float(f)) => Ok(Value::string(&format_fixed(p as usize, *f))),
                Value::Vector(vv) if vv.ty() == Ty::Float => Ok(Value::list(
                    vv.to_f64_vec()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|f| Value::string(&format_fixed(p as usize, f)))
                        .collect(),
                )),
                _ => Err(QError::type_()),
            }
        }
        _ => Err(QError::nyi(&format!("{n}!x"))),
    })
}

#[cfg(test)]
mod tests {
    use super::sha1_digest;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn sha1_rfc3174_vectors() {
        assert_eq!(
            hex(&sha1_digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&sha1_digest(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(
            hex(&sha1_digest(&b"a".repeat(1_000_000))),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
        assert_eq!(
            hex(&sha1_digest(
                &b"0123456701234567012345670123456701234567012345670123456701234567".repeat(10)
            )),
            "dea356a2cddd90c7a7ecedc5ebb563934f460452"
        );
        assert_eq!(
            hex(&sha1_digest(b"")),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
    }
}
