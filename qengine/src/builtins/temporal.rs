//! Temporal builtins: `xbar`, field access on temporal variables
//! (`d.year`, `t.minute`, [`dotted_field`]), `.Q.addmonths`, and the clock
//! values `.z.p .z.P .z.d .z.D .z.t .z.T .z.n .z.N .z.z .z.Z`.
//!
//! Local time (the upper-case `.z` values): the offset comes from the TZif
//! file named by `TZ` (`/usr/share/zoneinfo/NAME`) or else
//! `/etc/localtime`, read once per process; anything unreadable means UTC.
//! The POSIX footer rule of a TZif file is not interpreted: beyond the last
//! listed transition the last offset holds.

use std::sync::OnceLock;

use std::time::SystemTime;

use std::time::UNIX_EPOCH;

use qcore::calendar::NS_PER_DAY;

use crate::state::Interp;

use qcore::Sym;

use qcore::Atom;

use qcore::Ty;

use qcore::Value;

use qcore::QResult;

use super::cast;

// ---------------------------------------------------------------------------
// Field access: d.year, t.minute
// ---------------------------------------------------------------------------

/// Fields that `x.name` extracts from a temporal `x` (the same as
/// `` `name$x ``).
pub const FIELDS: &[&str] = &[
    "year",
    "month",
    "mm",
    "dd",
    "hh",
    "uu",
    "ss",
    "week",
    "date",
    "time",
    "minute",
    "second",
    "timestamp",
    "timespan",
    "datetime",
];

fn is_temporal_value(v: &Value) -> bool {
    match v {
        Value::Atom(a) => a.ty().is_temporal(),
        Value::Vector(v) => v.ty().is_temporal(),
        _ => false,
    }
}

/// The value of an undefined dotted global name `prefix.field` when
/// `prefix` names a variable holding a temporal atom or vector (q's
/// `d.year`, `t.minute`, `x.date.month`). `None` when the name is not of
/// that form. Only globals: as in q, the notation does not apply to locals.
pub fn dotted_field(it: &mut Interp, name: Sym) -> Option<QResult<Value>> {
    let text = name.as_str();
    let (prefix, field) = text.rsplit_once('.')?;
    // `t.time`: a column of a global table.
    if !prefix.is_empty()
        && !field.is_empty()
        && let Some(t @ Value::Table(_)) = it.get_global(Sym::new(prefix))
    {
        return Some(crate::builtins::apply::at(
            it,
            t,
            Value::Atom(Atom::Symbol(Sym::new(field))),
        ));
    }
    if prefix.is_empty() || !FIELDS.contains(&field) {
        return None;
    }
    let p = Sym::new(prefix);
    let base = match it.get_global(p) {
        Some(v) => v,
        None => match dotted_field(it, p)? {
            Ok(v) => v,
            Err(e) => return Some(Err(e)),
        },
    };
    if !is_temporal_value(&base) {
        return None;
    }
    Some(field_of(it, field, base))
}

/// `` `field$x `` with the field names of dot notation.
pub fn field_of(it: &mut Interp, field: &str, x: Value) -> QResult<Value> {
    cast::cast(it, Value::Atom(Atom::Symbol(Sym::new(field))), x)
}

// ---------------------------------------------------------------------------
// .Q.addmonths
// ---------------------------------------------------------------------------

/// `.Q.addmonths[x;y]`: date `x` plus `y` months, as q defines it:
/// `("d"$m+y)+x-"d"$m:"m"$x` (a day past the end of the new month spills
/// into the next).
pub fn addmonths(x: Value, y: Value) -> QResult<Value> {
    let m = cast::cast_value(Ty::Month, x.clone())?;
    let md = cast::cast_value(Ty::Date, m.clone())?;
    let off = crate::builtins::math::arith::sub(x, md)?;
    let m2 = crate::builtins::math::arith::add(m, y)?;
    let d2 = cast::cast_value(Ty::Date, m2)?;
    crate::builtins::math::arith::add(d2, off)
}

// ---------------------------------------------------------------------------
// .z clock values
// ---------------------------------------------------------------------------

/// Days from 1970.01.01 to 2000.01.01.
const UNIX_TO_2000_DAYS: i64 = 10_957;

/// Nanoseconds since 2000.01.01 UTC, now.
fn now_utc_ns(_: &Interp) -> i64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    d.as_nanos() as i64 - UNIX_TO_2000_DAYS * NS_PER_DAY
}

/// Nanoseconds since 2000.01.01 in local time, now.
fn now_local_ns(it: &Interp) -> i64 {
    let utc = now_utc_ns(it);
    let unix_secs = utc.div_euclid(1_000_000_000) + UNIX_TO_2000_DAYS * 86_400;
    utc + local_offset_secs(it, unix_secs) * 1_000_000_000
}

fn tz_file() -> &'static Option<Vec<u8>> {
    static F: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    F.get_or_init(|| {
        let path = match std::env::var("TZ") {
            Ok(tz) => {
                let tz = tz.strip_prefix(':').unwrap_or(&tz).to_string();
                if tz.is_empty() || tz == "UTC" || tz == "UTC0" || tz == "GMT" {
                    return None;
                }
                if tz.starts_with('/') {
                    tz
                } else {
                    format!("/usr/share/zoneinfo/{tz}")
                }
            }
            Err(_) => "/etc/localtime".to_string(),
        };
        std::fs::read(path).ok()
    })
}

/// The local offset from UTC in seconds at a Unix time: `\o` when set,
/// else the machine's time zone (0 when unknown).
pub(crate) fn local_offset_secs(it: &Interp, unix_secs: i64) -> i64 {
    if let Some(m) = it.settings.utc_offset {
        return m * 60;
    }
    tz_file()
        .as_deref()
        .and_then(|d| tzif_offset(d, unix_secs))
        .unwrap_or(0)
}

fn be32(d: &[u8], at: usize) -> Option<i64> {
    let b: [u8; 4] = d.get(at..at + 4)?.try_into().ok()?;
    Some(i32::from_be_bytes(b) as i64)
}

fn be64(d: &[u8], at: usize) -> Option<i64> {
    let b: [u8; 8] = d.get(at..at + 8)?.try_into().ok()?;
    Some(i64::from_be_bytes(b))
}

/// The UTC offset a TZif file gives for Unix time `t`.
fn tzif_offset(d: &[u8], t: i64) -> Option<i64> {
    if d.get(0..4)? != b"TZif" {
        return None;
    }
    let counts = |base: usize| -> Option<[usize; 6]> {
        let mut c = [0usize; 6];
        for (i, x) in c.iter_mut().enumerate() {
            *x = usize::try_from(be32(d, base + 20 + 4 * i)?).ok()?;
        }
        Some(c)
    };
    let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(0)?;
    let v1_len = timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    // Version 2+: a second header with 64-bit times follows the v1 block.
    let (base, tsize) = if d.get(4).is_some_and(|&v| v >= b'2') {
        (44 + v1_len, 8)
    } else {
        (0, 4)
    };
    let [_, _, _, timecnt, typecnt, _] = counts(base)?;
    let times = base + 44;
    let idx = times + timecnt * tsize;
    let types = idx + timecnt;
    let time_at = |i: usize| {
        if tsize == 8 {
            be64(d, times + 8 * i)
        } else {
            be32(d, times + 4 * i)
        }
    };
    let mut ty = None;
    for i in 0..timecnt {
        if time_at(i)? <= t {
            ty = Some(*d.get(idx + i)? as usize);
        } else {
            break;
        }
    }
    let ty = match ty {
        Some(x) => x,
        // Before the first transition: the first standard-time type.
        None => (0..typecnt)
            .find(|&k| d.get(types + 6 * k + 4) == Some(&0))
            .unwrap_or(0),
    };
    if ty >= typecnt {
        return None;
    }
    be32(d, types + 6 * ty)
}

fn clock(ns: i64, ty: Ty) -> Value {
    let day = ns.div_euclid(NS_PER_DAY);
    let tod = ns.rem_euclid(NS_PER_DAY);
    Value::Atom(match ty {
        Ty::Timestamp => Atom::Timestamp(ns),
        Ty::Date => Atom::Date(day as i32),
        Ty::Time => Atom::Time((tod / 1_000_000) as i32),
        Ty::Timespan => Atom::Timespan(tod),
        // datetime: days as a float, millisecond precision as q keeps it
        _ => Atom::Datetime((ns / 1_000_000) as f64 / 86_400_000.0),
    })
}

macro_rules! zval {
    ($name:ident, $now:ident, $ty:expr, $doc:literal) => {
        #[doc = $doc]
        pub fn $name(it: &mut Interp, _x: Value) -> QResult<Value> {
            Ok(clock($now(it), $ty))
        }
    };
}

zval!(z_p, now_utc_ns, Ty::Timestamp, "`.z.p`: UTC timestamp.");

zval!(
    z_pl,
    now_local_ns,
    Ty::Timestamp,
    "`.z.P`: local timestamp."
);

zval!(z_d, now_utc_ns, Ty::Date, "`.z.d`: UTC date.");

zval!(z_dl, now_local_ns, Ty::Date, "`.z.D`: local date.");

zval!(z_t, now_utc_ns, Ty::Time, "`.z.t`: UTC time.");

zval!(z_tl, now_local_ns, Ty::Time, "`.z.T`: local time.");

zval!(z_n, now_utc_ns, Ty::Timespan, "`.z.n`: UTC timespan.");

zval!(z_nl, now_local_ns, Ty::Timespan, "`.z.N`: local timespan.");

zval!(z_z, now_utc_ns, Ty::Datetime, "`.z.z`: UTC datetime.");

zval!(z_zl, now_local_ns, Ty::Datetime, "`.z.Z`: local datetime.");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tzif_minimal_v1() {
        // One transition at t=100 from type 0 (+0) to type 1 (+3600).
        let mut d = b"TZif".to_vec();
        d.push(0);
        d.extend_from_slice(&[0; 15]);
        for c in [0u32, 0, 0, 1, 2, 4] {
            d.extend_from_slice(&c.to_be_bytes());
        }
        d.extend_from_slice(&100i32.to_be_bytes());
        d.push(1);
        d.extend_from_slice(&0i32.to_be_bytes());
        d.extend_from_slice(&[0, 0]);
        d.extend_from_slice(&3600i32.to_be_bytes());
        d.extend_from_slice(&[1, 0]);
        d.extend_from_slice(b"A\0B\0");
        assert_eq!(tzif_offset(&d, 50), Some(0));
        assert_eq!(tzif_offset(&d, 150), Some(3600));
    }

    #[test]
    fn clock_parts() {
        let ns = 8766 * NS_PER_DAY + 3_723_004_000_000;
        assert!(matches!(clock(ns, Ty::Date), Value::Atom(Atom::Date(8766))));
        assert!(matches!(
            clock(ns, Ty::Time),
            Value::Atom(Atom::Time(3_723_004))
        ));
    }
}
