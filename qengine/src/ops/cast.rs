//! Casting kernels behind `$` (`"j"$x`, `` `date$x ``): atoms and vectors
//! between every numeric and temporal type ([`cast_atom`], [`cast_vector`]
//! with fast paths for the common numeric conversions, [`cast_simple`]),
//! temporal to temporal through nanoseconds since 2000.01.01, the parts of
//! temporals (`` `year`mm`dd`hh`uu`ss`week ``), and parsing text as an atom of a type
//! ([`parse_atom`]: `"D"$"2024.01.02"`, the text a `0:` load falls back
//! to). Text q cannot parse gives the type's null, not an error.

use crate::ops::conform::atomic_monad;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

use qcore::Guid;
use qcore::Repr;
use qcore::VecBuilder;
use qcore::VecData;
use qcore::calendar::NS_PER_DAY;
use qcore::calendar::civil_from_days;
use qcore::calendar::days_from_civil;
use qcore::calendar::valid_civil;
use qcore::f64_to_i64;
use qcore::narrow_i16;
use qcore::narrow_i32;
use qcore::sentinel::NJ;

pub(crate) const NS_MIN: i64 = 60_000_000_000;

pub(crate) const NS_SEC: i64 = 1_000_000_000;

pub(crate) const NS_MS: i64 = 1_000_000;

/// What an atom holds, for conversion.
#[derive(Clone, Copy)]
pub(crate) enum Raw {
    /// An integral value (nulls as `i64::MIN`, infinities as plain values).
    I(i64),
    /// A floating value (null NaN).
    F(f64),
    S,
    G,
}

pub(crate) fn raw(a: Atom) -> Raw {
    match a {
        Atom::Bool(b) => Raw::I(b as i64),
        Atom::Byte(b) | Atom::Char(b) => Raw::I(b as i64),
        Atom::Short(v) => Raw::I(if v == i16::MIN { NJ } else { v as i64 }),
        Atom::Int(v)
        | Atom::Month(v)
        | Atom::Date(v)
        | Atom::Minute(v)
        | Atom::Second(v)
        | Atom::Time(v) => Raw::I(if v == i32::MIN { NJ } else { v as i64 }),
        Atom::Long(v) | Atom::Timestamp(v) | Atom::Timespan(v) => Raw::I(v),
        Atom::Real(v) => Raw::F(v as f64),
        Atom::Float(v) | Atom::Datetime(v) => Raw::F(v),
        Atom::Symbol(_) | Atom::Enum(_) => Raw::S,
        Atom::Guid(_) => Raw::G,
    }
}

/// An atom of type `t` from an integral value (null `i64::MIN`).
pub fn atom_of_i64(t: Ty, v: i64) -> Atom {
    let null = v == NJ;
    match t {
        Ty::Bool => Atom::Bool(v != 0),
        Ty::Byte => Atom::Byte(v as u8),
        Ty::Char => Atom::Char(v as u8),
        Ty::Short => Atom::Short(if null { i16::MIN } else { narrow_i16(v) }),
        Ty::Int => Atom::Int(n32(v)),
        Ty::Month => Atom::Month(n32(v)),
        Ty::Date => Atom::Date(n32(v)),
        Ty::Minute => Atom::Minute(n32(v)),
        Ty::Second => Atom::Second(n32(v)),
        Ty::Time => Atom::Time(n32(v)),
        Ty::Long => Atom::Long(v),
        Ty::Timestamp => Atom::Timestamp(v),
        Ty::Timespan => Atom::Timespan(v),
        Ty::Real => Atom::Real(if null { f32::NAN } else { v as f32 }),
        Ty::Float => Atom::Float(if null { f64::NAN } else { v as f64 }),
        Ty::Datetime => Atom::Datetime(if null { f64::NAN } else { v as f64 }),
        Ty::Symbol | Ty::Guid => t.null_atom(),
    }
}

#[inline]
pub(crate) fn n32(v: i64) -> i32 {
    if v == NJ { i32::MIN } else { narrow_i32(v) }
}

/// An atom of type `t` from a float value (NaN null; rounds for integral
/// types).
pub fn atom_of_f64(t: Ty, v: f64) -> Atom {
    match t {
        Ty::Real => Atom::Real(v as f32),
        Ty::Float => Atom::Float(v),
        Ty::Datetime => Atom::Datetime(v),
        Ty::Bool => Atom::Bool(v != 0.0),
        Ty::Byte | Ty::Char => atom_of_i64(t, if v.is_nan() { 0 } else { f64_to_i64(v) }),
        _ => atom_of_i64(t, f64_to_i64(v)),
    }
}

pub(crate) fn is_point(t: Ty) -> bool {
    matches!(t, Ty::Timestamp | Ty::Month | Ty::Date | Ty::Datetime)
}

pub(crate) fn month_to_days(m: i64) -> i64 {
    days_from_civil(2000 + m.div_euclid(12), (m.rem_euclid(12) + 1) as u32, 1)
}

pub(crate) fn days_to_month(d: i64) -> i64 {
    let (y, m, _) = civil_from_days(d);
    (y - 2000) * 12 + m as i64 - 1
}

/// Nanoseconds from 2000.01.01 of a point-in-time value (`None` for null).
pub(crate) fn point_ns(t: Ty, r: Raw) -> Option<i128> {
    match (t, r) {
        (_, Raw::I(NJ)) => None,
        (Ty::Timestamp, Raw::I(v)) => Some(v as i128),
        (Ty::Date, Raw::I(v)) => Some(v as i128 * NS_PER_DAY as i128),
        (Ty::Month, Raw::I(v)) => Some(month_to_days(v) as i128 * NS_PER_DAY as i128),
        (Ty::Datetime, Raw::F(v)) if v.is_finite() => Some((v * NS_PER_DAY as f64).round() as i128),
        _ => None,
    }
}

/// Nanoseconds of a duration / time-of-day value (`None` for null).
pub(crate) fn dur_ns(t: Ty, v: i64) -> Option<i128> {
    if v == NJ {
        return None;
    }
    let v = v as i128;
    Some(match t {
        Ty::Timespan => v,
        Ty::Minute => v * NS_MIN as i128,
        Ty::Second => v * NS_SEC as i128,
        Ty::Time => v * NS_MS as i128,
        _ => return None,
    })
}

pub(crate) fn dur_unit(t: Ty) -> i128 {
    match t {
        Ty::Minute => NS_MIN as i128,
        Ty::Second => NS_SEC as i128,
        Ty::Time => NS_MS as i128,
        _ => 1,
    }
}

pub(crate) fn sat_i64(v: i128) -> i64 {
    v.clamp(-(i64::MAX as i128), i64::MAX as i128) as i64
}

/// Temporal to temporal.
pub(crate) fn temporal_cast(from: Ty, to: Ty, r: Raw) -> QResult<Atom> {
    let null = || Ok(to.null_atom());
    if is_point(from) {
        let Some(ns) = point_ns(from, r) else {
            return null();
        };
        let day = NS_PER_DAY as i128;
        return Ok(match to {
            Ty::Timestamp => atom_of_i64(to, sat_i64(ns)),
            Ty::Date => atom_of_i64(to, sat_i64(ns.div_euclid(day))),
            Ty::Month => atom_of_i64(to, days_to_month(sat_i64(ns.div_euclid(day)))),
            Ty::Datetime => Atom::Datetime(ns as f64 / NS_PER_DAY as f64),
            // A point in time to a duration is its time of day:
            // `"n"$2024.01.02D10:20` is `0D10:20` (kdb-tick's `"n"$.z.P`).
            Ty::Timespan | Ty::Minute | Ty::Second | Ty::Time => {
                if from == Ty::Month || from == Ty::Date {
                    return Err(QError::type_());
                }
                atom_of_i64(to, sat_i64(ns.rem_euclid(day) / dur_unit(to)))
            }
            _ => return Err(QError::type_()),
        });
    }
    // from a duration
    let Raw::I(v) = r else {
        return Err(QError::type_());
    };
    let Some(ns) = dur_ns(from, v) else {
        return null();
    };
    Ok(match to {
        Ty::Timespan | Ty::Timestamp => atom_of_i64(to, sat_i64(ns)),
        Ty::Minute | Ty::Second | Ty::Time => atom_of_i64(to, sat_i64(ns / dur_unit(to))),
        _ => return Err(QError::type_()),
    })
}

/// Casts one atom.
pub fn cast_atom(to: Ty, a: Atom) -> QResult<Atom> {
    let from = a.ty();
    if from == to {
        return Ok(a);
    }
    let r = raw(a);
    if from.is_temporal() && to.is_temporal() {
        return temporal_cast(from, to, r);
    }
    match (to, r) {
        (Ty::Symbol, _) | (_, Raw::S) => Err(QError::type_()),
        (Ty::Guid, _) | (_, Raw::G) => Err(QError::type_()),
        (Ty::Bool, Raw::I(v)) => Ok(Atom::Bool(v != 0)),
        (Ty::Bool, Raw::F(v)) => Ok(Atom::Bool(v != 0.0)),
        (_, Raw::I(v)) => Ok(atom_of_i64(to, v)),
        (_, Raw::F(v)) => Ok(atom_of_f64(to, v)),
    }
}

/// Casts a vector, with fast paths for the common numeric conversions.
pub fn cast_vector(to: Ty, v: &Vector) -> QResult<Vector> {
    let from = v.ty();
    if from == to {
        return Ok(v.clone());
    }
    if !(from.is_temporal() && to.is_temporal()) {
        match (v.data(), to) {
            // widening casts make a null only of a null: a null-free
            // vector stays null-free
            (VecData::I64(b), Ty::Float) => {
                let out = Vector::floats(
                    b.iter()
                        .map(|&x| if x == NJ { f64::NAN } else { x as f64 })
                        .collect(),
                );
                if b.known_no_nulls() {
                    out.data().set_no_nulls();
                }
                return Ok(out);
            }
            (VecData::I32(b), Ty::Long) => {
                let out = Vector::longs(
                    b.iter()
                        .map(|&x| if x == i32::MIN { NJ } else { x as i64 })
                        .collect(),
                );
                if b.known_no_nulls() {
                    out.data().set_no_nulls();
                }
                return Ok(out);
            }
            (VecData::F64(b), Ty::Long) => {
                return Ok(Vector::longs(b.iter().map(|&x| f64_to_i64(x)).collect()));
            }
            (VecData::I64(b), Ty::Int) => {
                return Ok(Vector::from_i32(
                    Ty::Int,
                    b.iter().map(|&x| n32(x)).collect(),
                ));
            }
            _ => {
                // same representation, integral: retype (e.g. date <-> int)
                if from.repr() == to.repr()
                    && matches!(to.repr(), Repr::I32 | Repr::I64 | Repr::I16)
                    && from != Ty::Guid
                {
                    return v.clone().retype(to).ok_or_else(QError::type_);
                }
            }
        }
    }
    let mut b = VecBuilder::new(to, v.len());
    for i in 0..v.len() {
        b.push(cast_atom(to, v.get(i))?);
    }
    Ok(b.finish())
}

// ---------------------------------------------------------------------------
// Parts of temporals: `year`mm`dd`hh`uu`ss`week
// ---------------------------------------------------------------------------

pub(crate) fn part_value(name: &str, v: Value) -> QResult<Value> {
    atomic_monad(v, &mut |s| match s {
        Value::Atom(a) => Ok(Value::Atom(part_atom(name, a)?)),
        Value::Vector(vec) => {
            let mut out = Vec::with_capacity(vec.len());
            for i in 0..vec.len() {
                out.push(Value::Atom(part_atom(name, vec.get(i))?));
            }
            Ok(collapse(
                out,
                if name == "week" { Ty::Date } else { Ty::Int },
            ))
        }
        _ => Err(QError::type_()),
    })
}

pub(crate) fn part_atom(name: &str, a: Atom) -> QResult<Atom> {
    let t = a.ty();
    let r = raw(a);
    let null_int = Atom::Int(i32::MIN);
    // `mm` is the month of a date-based value, the minute of a time.
    let name = if name == "mm" && !is_point(t) {
        "uu"
    } else {
        name
    };
    match name {
        "year" | "mm" | "dd" | "week" => {
            if !is_point(t) || (t == Ty::Month && matches!(name, "dd" | "week")) {
                return Err(QError::type_());
            }
            let Some(ns) = point_ns(t, r) else {
                return Ok(if name == "week" {
                    Ty::Date.null_atom()
                } else {
                    null_int
                });
            };
            let days = sat_i64(ns.div_euclid(NS_PER_DAY as i128));
            let (y, m, d) = civil_from_days(days);
            Ok(match name {
                "year" => Atom::Int(y as i32),
                "mm" => Atom::Int(m as i32),
                "dd" => Atom::Int(d as i32),
                // the Monday on or before: 2000.01.01 was a Saturday
                _ => Atom::Date((days - (days + 5).rem_euclid(7)) as i32),
            })
        }
        _ => {
            let ns = if is_point(t) {
                if t == Ty::Month || t == Ty::Date {
                    return Err(QError::type_());
                }
                point_ns(t, r).map(|n| n.rem_euclid(NS_PER_DAY as i128))
            } else if t.is_temporal() {
                match r {
                    Raw::I(v) => dur_ns(t, v),
                    _ => None,
                }
            } else {
                return Err(QError::type_());
            };
            let Some(ns) = ns else {
                return Ok(null_int);
            };
            let v = match name {
                "hh" => ns / 3_600_000_000_000,
                "uu" => ns / NS_MIN as i128 % 60,
                _ => ns / NS_SEC as i128 % 60,
            };
            Ok(Atom::Int(v as i32))
        }
    }
}

/// Parses one string as an atom of type `t`; the type's null when the text
/// is not a valid literal.
/// `dmy`: text dates with slashes are dd/mm/yyyy (`\z 1`), else mm/dd/yyyy.
pub fn parse_atom(t: Ty, s: &str, dmy: bool) -> Atom {
    let s = s.trim();
    let null = t.null_atom();
    match t {
        Ty::Symbol => Atom::Symbol(Sym::new(s)),
        Ty::Char => Atom::Char(s.bytes().next().unwrap_or(b' ')),
        Ty::Bool => Atom::Bool(s.bytes().next().is_some_and(|c| b"txyTXY1".contains(&c))),
        Ty::Byte => {
            let h = s.strip_prefix("0x").unwrap_or(s);
            u8::from_str_radix(h, 16).map_or(Atom::Byte(0), Atom::Byte)
        }
        Ty::Short | Ty::Long => parse_int(s).map_or(null, |v| atom_of_i64(t, v)),
        Ty::Int => {
            if let Some(ip) = parse_ip(s) {
                return Atom::Int(ip);
            }
            parse_int(s).map_or(null, |v| atom_of_i64(t, v))
        }
        Ty::Real | Ty::Float => parse_float(s).map_or(null, |v| atom_of_f64(t, v)),
        Ty::Date => parse_date(s, dmy).map_or(null, |d| Atom::Date(d as i32)),
        Ty::Month => parse_month(s).map_or(null, |m| Atom::Month(m as i32)),
        Ty::Timestamp => parse_timestamp(s, dmy).map_or(null, Atom::Timestamp),
        Ty::Datetime => {
            parse_timestamp(s, dmy).map_or(null, |ns| Atom::Datetime(ns as f64 / NS_PER_DAY as f64))
        }
        Ty::Timespan => parse_timespan(s).map_or(null, Atom::Timespan),
        Ty::Minute | Ty::Second | Ty::Time => {
            // a signed offset (`+0900`, `-0500`, a mail date's zone) is a
            // time too
            let (neg, s) = match s.as_bytes().first() {
                Some(b'-') if s.len() > 1 && s.as_bytes()[1].is_ascii_digit() => (true, &s[1..]),
                Some(b'+') => (false, &s[1..]),
                _ => (false, s),
            };
            parse_tod(s).map_or(null, |ns| {
                let v = sat_i64(ns as i128 / dur_unit(t));
                atom_of_i64(t, if neg { -v } else { v })
            })
        }
        Ty::Guid => parse_guid(s).map_or(null, Atom::Guid),
    }
}

pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

pub(crate) fn parse_int(s: &str) -> Option<i64> {
    match s {
        "0N" | "0n" => return Some(NJ),
        "0W" | "0w" => return Some(i64::MAX),
        "-0W" | "-0w" => return Some(-i64::MAX),
        _ => {}
    }
    let (neg, d) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    if !all_digits(d) {
        return None;
    }
    let v: i64 = d.parse().ok()?;
    Some(if neg { -v } else { v })
}

pub(crate) fn parse_float(s: &str) -> Option<f64> {
    match s {
        "0n" | "0N" => return Some(f64::NAN),
        "0w" | "0W" => return Some(f64::INFINITY),
        "-0w" | "-0W" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    if s.is_empty()
        || !s
            .bytes()
            .all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c))
    {
        return None;
    }
    s.parse::<f64>().ok()
}

pub(crate) fn parse_ip(s: &str) -> Option<i32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut v: u32 = 0;
    for p in parts {
        if !all_digits(p) {
            return None;
        }
        let b: u32 = p.parse().ok()?;
        if b > 255 {
            return None;
        }
        v = (v << 8) | b;
    }
    Some(v as i32)
}

/// `yyyy.mm.dd`, `yyyy-mm-dd`, `yyyy/mm/dd`, `yyyymmdd`: days since 2000.
pub(crate) fn parse_date(s: &str, dmy: bool) -> Option<i64> {
    if let Some(days) = parse_date_named(s) {
        return Some(days);
    }
    let (y, m, d) = if s.len() == 8 && all_digits(s) {
        (&s[0..4], &s[4..6], &s[6..8])
    } else {
        let sep = s.bytes().find(|c| b".-/".contains(c))?;
        let parts: Vec<&str> = s.split(sep as char).collect();
        if parts.len() != 3 {
            return None;
        }
        match (sep, parts[2].len()) {
            // mm/dd/yyyy or dd/mm/yyyy, as `\z` says
            (b'/', 4) if dmy => (parts[2], parts[1], parts[0]),
            (b'/', 4) => (parts[2], parts[0], parts[1]),
            _ => (parts[0], parts[1], parts[2]),
        }
    };
    if y.len() != 4 || !all_digits(y) || !all_digits(m) || !all_digits(d) {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    valid_civil(y, m, d).then(|| days_from_civil(y, m, d))
}

/// `dd Mon yyyy` (the date of an RFC 2822 mail date, `04 Jun 2013`):
/// days since 2000.
fn parse_date_named(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let mut it = s.split(' ').filter(|p| !p.is_empty());
    let (d, m, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || !all_digits(y) || !all_digits(d) || m.len() != 3 {
        return None;
    }
    let m = MONTHS.iter().position(|n| n.eq_ignore_ascii_case(m))? as u32 + 1;
    let (y, d): (i64, u32) = (y.parse().ok()?, d.parse().ok()?);
    valid_civil(y, m, d).then(|| days_from_civil(y, m, d))
}

pub(crate) fn parse_month(s: &str) -> Option<i64> {
    let s = s.strip_suffix('m').unwrap_or(s);
    let (y, m) = if s.len() == 6 && all_digits(s) {
        (&s[0..4], &s[4..6])
    } else {
        let sep = s.bytes().find(|c| b".-/".contains(c))?;
        s.split_once(sep as char)?
    };
    if y.len() != 4 || !all_digits(y) || !all_digits(m) {
        return None;
    }
    let (y, m): (i64, i64) = (y.parse().ok()?, m.parse().ok()?);
    (1..=12).contains(&m).then_some((y - 2000) * 12 + m - 1)
}

/// A time of day `hh[:mm[:ss[.fff]]]` or the digits `hhmmss[fff...]`, as
/// nanoseconds.
pub(crate) fn parse_tod(s: &str) -> Option<i64> {
    if all_digits(s) && s.len() >= 4 && !s.contains(':') {
        let h: i64 = s[0..2].parse().ok()?;
        let m: i64 = s[2..4].parse().ok()?;
        let sec: i64 = if s.len() >= 6 {
            s[4..6].parse().ok()?
        } else {
            0
        };
        let frac = if s.len() > 6 { frac_ns(&s[6..])? } else { 0 };
        return Some(h * 3_600_000_000_000 + m * NS_MIN + sec * NS_SEC + frac);
    }
    let (hms, frac) = match s.split_once('.') {
        Some((a, f)) => (a, frac_ns(f)?),
        None => (s, 0),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.is_empty() || parts.len() > 3 || !parts.iter().all(|p| all_digits(p)) {
        return None;
    }
    let h: i64 = parts[0].parse().ok()?;
    let m: i64 = parts.get(1).map_or(Some(0), |p| p.parse().ok())?;
    let sec: i64 = parts.get(2).map_or(Some(0), |p| p.parse().ok())?;
    if m >= 60 || sec >= 60 || h > 2_000_000 {
        return None;
    }
    Some(h * 3_600_000_000_000 + m * NS_MIN + sec * NS_SEC + frac)
}

pub(crate) fn frac_ns(f: &str) -> Option<i64> {
    if f.is_empty() {
        return Some(0);
    }
    if !all_digits(f) {
        return None;
    }
    let f = if f.len() > 9 { &f[..9] } else { f };
    Some(f.parse::<i64>().ok()? * 10i64.pow((9 - f.len()) as u32))
}

pub(crate) fn parse_timestamp(s: &str, dmy: bool) -> Option<i64> {
    // Unix seconds: 9..11 digits, optional fraction
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (9..=11).contains(&int.len()) && all_digits(int) && (frac.is_empty() || all_digits(frac)) {
        let secs: i64 = int.parse().ok()?;
        // seconds since 1970.01.01, which is 10957 days before 2000.01.01
        let ns = (secs as i128 - 10_957 * 86_400) * NS_SEC as i128 + frac_ns(frac)? as i128;
        return i64::try_from(ns).ok();
    }
    // `dd Mon yyyy hh:mm:ss`
    if let Some((d, t)) = s.rsplit_once(' ')
        && let Some(days) = parse_date_named(d)
    {
        return Some(days * NS_PER_DAY + parse_tod(t)?);
    }
    let split = s.find(['D', 'T', ' ']).or_else(|| {
        // yyyymmdd-hh:mm:ss
        (s.len() > 8 && s.as_bytes()[8] == b'-').then_some(8)
    });
    let (d, t) = match split {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let days = parse_date(d, dmy)?;
    let tod = if t.is_empty() { 0 } else { parse_tod(t)? };
    Some(days * NS_PER_DAY + tod)
}

pub(crate) fn parse_timespan(s: &str) -> Option<i64> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let v = match s.split_once('D') {
        Some((d, t)) => {
            let days: i64 = if d.is_empty() { 0 } else { d.parse().ok()? };
            days.checked_mul(NS_PER_DAY)?.checked_add(if t.is_empty() {
                0
            } else {
                parse_tod(t)?
            })?
        }
        None => parse_tod(s)?,
    };
    Some(if neg { -v } else { v })
}

/// A guid from 32 hex digits (dashes anywhere ignored), or, as q 4.1 reads
/// them, from an IPv6 address or an IPv4 one (as the IPv4-mapped IPv6
/// address `::ffff:a.b.c.d`).
pub(crate) fn parse_guid(s: &str) -> Option<Guid> {
    if s.contains(':') {
        return s.parse::<std::net::Ipv6Addr>().ok().map(|a| a.octets());
    }
    if s.contains('.') {
        return s
            .parse::<std::net::Ipv4Addr>()
            .ok()
            .map(|a| a.to_ipv6_mapped().octets());
    }
    let hex: Vec<u8> = s.bytes().filter(|&c| c != b'-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut g = [0u8; 16];
    for (i, b) in g.iter_mut().enumerate() {
        let h = std::str::from_utf8(&hex[2 * i..2 * i + 2]).ok()?;
        *b = u8::from_str_radix(h, 16).ok()?;
    }
    Some(g)
}

/// `from_items`, but an empty result is an empty vector of `ty`.
pub(crate) fn collapse(items: Vec<Value>, ty: Ty) -> Value {
    if items.is_empty() {
        Value::Vector(Vector::empty(ty))
    } else {
        Value::from_items(items)
    }
}

pub(crate) fn pad_bytes(n: i64, s: &[u8]) -> Vec<u8> {
    let w = n.unsigned_abs() as usize;
    let mut out = vec![b' '; w];
    if n >= 0 {
        let k = s.len().min(w);
        out[..k].copy_from_slice(&s[..k]);
    } else {
        let k = s.len().min(w);
        out[w - k..].copy_from_slice(&s[s.len() - k..]);
    }
    out
}

/// Casts an atom or vector to `to`.
pub fn cast_simple(to: Ty, v: &Value) -> QResult<Value> {
    match v {
        Value::Atom(a) => Ok(Value::Atom(cast_atom(to, *a)?)),
        Value::Vector(vec) => Ok(Value::Vector(cast_vector(to, vec)?)),
        _ => Err(QError::type_()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_casts() {
        assert_eq!(
            cast_atom(Ty::Long, Atom::Float(1.5)).unwrap(),
            Atom::Long(2)
        );
        assert_eq!(
            cast_atom(Ty::Long, Atom::Float(-1.5)).unwrap(),
            Atom::Long(-2)
        );
        assert_eq!(
            cast_atom(Ty::Bool, Atom::Long(2)).unwrap(),
            Atom::Bool(true)
        );
        assert_eq!(
            cast_atom(Ty::Char, Atom::Long(65)).unwrap(),
            Atom::Char(b'A')
        );
        assert_eq!(cast_atom(Ty::Int, Atom::Char(b'A')).unwrap(), Atom::Int(65));
        assert_eq!(
            cast_atom(Ty::Float, Atom::Short(i16::MAX)).unwrap(),
            Atom::Float(32767.0)
        );
        assert!(cast_atom(Ty::Long, Atom::Symbol(Sym::new("a"))).is_err());
    }

    #[test]
    fn temporal_casts() {
        let d = days_from_civil(2024, 1, 2) as i32;
        assert_eq!(cast_atom(Ty::Int, Atom::Date(d)).unwrap(), Atom::Int(8767));
        assert_eq!(
            cast_atom(Ty::Timestamp, Atom::Date(d)).unwrap(),
            Atom::Timestamp(d as i64 * NS_PER_DAY)
        );
        let p = Atom::Timestamp(d as i64 * NS_PER_DAY + 10 * 3_600_000_000_000);
        assert_eq!(cast_atom(Ty::Date, p).unwrap(), Atom::Date(d));
        assert_eq!(cast_atom(Ty::Minute, p).unwrap(), Atom::Minute(600));
        assert_eq!(
            cast_atom(Ty::Month, Atom::Date(d)).unwrap(),
            Atom::Month(288)
        );
        assert_eq!(
            cast_atom(Ty::Date, Atom::Month(288)).unwrap(),
            Atom::Date(8766)
        );
    }

    #[test]
    fn parsing_and_pad() {
        assert_eq!(parse_atom(Ty::Long, "12", false), Atom::Long(12));
        assert_eq!(parse_atom(Ty::Float, "1.5", false), Atom::Float(1.5));
        assert_eq!(parse_atom(Ty::Date, "2024.01.02", false), Atom::Date(8767));
        assert_eq!(
            parse_atom(Ty::Time, "123456789", false),
            Atom::Time(45_296_789)
        );
        assert_eq!(parse_atom(Ty::Minute, "12:13:14", false), Atom::Minute(733));
        assert_eq!(
            parse_atom(Ty::Int, "192.168.1.34", false),
            Atom::Int(-1062731486)
        );
        assert_eq!(parse_atom(Ty::Long, "x", false), Atom::Long(NJ));
        assert_eq!(pad_bytes(5, b"ab"), b"ab   ".to_vec());
        assert_eq!(pad_bytes(-5, b"ab"), b"   ab".to_vec());
        assert_eq!(pad_bytes(2, b"abc"), b"ab".to_vec());
    }
}
