//! Calendar arithmetic for q temporals.
//!
//! q counts every temporal from 2000.01.01 (dates in days, months in months,
//! timestamps in nanoseconds). These are the proleptic Gregorian conversions
//! between a civil date and that day count; the lexer uses them to decode
//! literals and the engine uses them to print values and extract fields.

/// Days from 1970-01-01 to 2000-01-01.
const EPOCH_2000_FROM_1970: i64 = 10957;

/// Nanoseconds in one day.
pub const NS_PER_DAY: i64 = 86_400_000_000_000;

/// Days since 2000.01.01 of the civil date `y.m.d` (month and day 1-based).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    // Howard Hinnant's algorithm, shifted to the 2000 epoch.
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468 - EPOCH_2000_FROM_1970
}

/// The civil date `(year, month, day)` of a day count since 2000.01.01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + EPOCH_2000_FROM_1970 + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// True when `y.m.d` is a real calendar date.
pub fn valid_civil(y: i64, m: u32, d: u32) -> bool {
    if !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= dim
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(days_from_civil(2000, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 1, 1), 8766);
        assert_eq!(days_from_civil(1999, 12, 31), -1);
        assert_eq!(civil_from_days(8766), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1999, 12, 31));
    }

    #[test]
    fn round_trip_wide_range() {
        for d in (-800_000..800_000).step_by(37) {
            let (y, m, dd) = civil_from_days(d);
            assert!(valid_civil(y, m, dd));
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }
}
