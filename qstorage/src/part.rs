//! Partitioned databases: a root directory holding one directory per
//! partition value (`db/2024.01.02/`, or hive-style `db/date=2024-01-02/`),
//! each holding splayed tables that share the root's `sym` file, or
//! Parquet tables (`trade.parquet`, or a directory `trade/` of `.parquet`
//! files), which the engine reads through Arrow.
//!
//! This module only reads directory names and column headers; mapping the
//! columns of a partition is [`crate::splay`]'s business, done lazily per
//! query so that a query constrained to one partition opens only that
//! partition's files.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::header::{HEADER_LEN, Header};
use crate::splay::{DOT_D, read_d};

/// The partition field, decided (as q does) by the shape of the partition
/// directory names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `2024.01.02`: days since 2000.01.01.
    Date,
    /// `2024.01`: months since 2000.01.
    Month,
    /// `2024`: the year as an integer.
    Year,
    /// `17`: any other non-negative integer.
    Int,
}

impl Field {
    /// q's name of the field (`.Q.pf`).
    pub fn name(self) -> &'static str {
        match self {
            Field::Date => "date",
            Field::Month => "month",
            Field::Year => "year",
            Field::Int => "int",
        }
    }
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 18 {
        return None;
    }
    s.parse().ok()
}

/// Days from 2000.01.01 to y.m.d (proleptic Gregorian).
fn days(y: i64, m: i64, d: i64) -> i64 {
    // days_from_civil (H. Hinnant)
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468 - 10957
}

fn month_len(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// The field and value a directory name stands for, if it is a partition
/// name: `yyyy.mm.dd` (date), `yyyy.mm` (month), `yyyy` (year), or digits
/// (int).
pub fn parse_name(s: &str) -> Option<(Field, i64)> {
    // hive-style `key=value`; dates there are often `2024-01-02`
    let s = s.split_once('=').map_or(s, |(_, v)| v);
    let parts: Vec<&str> = s.split(['.', '-']).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            let (y, m, d) = (digits(y)?, digits(m)?, digits(d)?);
            if !(1..=12).contains(&m) || d < 1 || d > month_len(y, m) {
                return None;
            }
            Some((Field::Date, days(y, m, d)))
        }
        [y, m] if y.len() == 4 && m.len() == 2 => {
            let (y, m) = (digits(y)?, digits(m)?);
            if !(1..=12).contains(&m) {
                return None;
            }
            Some((Field::Month, (y - 2000) * 12 + m - 1))
        }
        [y] if y.len() == 4 => Some((Field::Year, digits(y)?)),
        [n] => Some((Field::Int, digits(n)?)),
        _ => None,
    }
}

/// The layout of a partitioned database root.
#[derive(Clone, Debug)]
pub struct Layout {
    pub root: PathBuf,
    pub field: Field,
    /// Partition values, ascending, with their directory names.
    pub parts: Vec<(i64, String)>,
    /// The partitioned tables: the splayed tables of the last partition.
    pub tables: Vec<String>,
    /// A segmented database's segments, the lines of its `par.txt` as
    /// written (empty when the partitions are in the root itself). Its
    /// partitions' directories are then `segment/partition`, and one
    /// partition value may be in several segments.
    pub segments: Vec<String>,
}

impl Layout {
    /// True when no partition value has two directories (always, unless
    /// the database is segmented and a value is in two segments).
    pub fn values_unique(&self) -> bool {
        self.parts.windows(2).all(|w| w[0].0 != w[1].0)
    }

    /// The directory of table `t` in partition `k`.
    pub fn table_dir(&self, k: usize, t: &str) -> PathBuf {
        self.root.join(&self.parts[k].1).join(t)
    }
}

/// Reads the partition directories of `root`. `None` when no directory in
/// it is named like a partition (it is then not a partitioned database).
/// The field is the one of the most common name shape; names of another
/// shape are ignored (they are other directories: splayed tables, scripts).
///
/// A root with a `par.txt` is a segmented database: each line names a
/// segment directory (relative to the root, or absolute), and the
/// partitions are those of every segment, in value order and, for one
/// value, in the order of the segments.
pub fn discover(root: &Path) -> Result<Option<Layout>> {
    let segments = read_segments(root)?;
    let mut found: Vec<(Field, i64, String)> = Vec::new();
    let dirs: Vec<Option<&str>> = if segments.is_empty() {
        vec![None]
    } else {
        segments.iter().map(|s| Some(s.as_str())).collect()
    };
    for seg in dirs {
        let dir = seg.map_or_else(|| root.to_path_buf(), |s| root.join(s));
        for n in crate::list_dir(&dir)? {
            if let Some((f, v)) = parse_name(&n)
                && dir.join(&n).is_dir()
            {
                let name =
                    seg.map_or_else(|| n.clone(), |s| format!("{}/{n}", s.trim_end_matches('/')));
                found.push((f, v, name));
            }
        }
    }
    if found.is_empty() {
        return Ok(None);
    }
    // the shape most partition-like names have decides (a date name never
    // parses as an int, so the shapes do not overlap)
    let field = [Field::Date, Field::Month, Field::Year, Field::Int]
        .into_iter()
        .max_by_key(|f| found.iter().filter(|x| x.0 == *f).count())
        .unwrap_or(Field::Date);
    let mut parts: Vec<(i64, String)> = found
        .into_iter()
        .filter(|x| x.0 == field)
        .map(|x| (x.1, x.2))
        .collect();
    // by value; one value's segments stay in par.txt's order
    parts.sort_by_key(|p| p.0);
    let tables = tables_in(&root.join(&parts[parts.len() - 1].1))?;
    Ok(Some(Layout {
        root: root.to_path_buf(),
        field,
        parts,
        tables,
        segments,
    }))
}

/// The file naming a segmented database's segments.
pub const PAR_TXT: &str = "par.txt";

/// The segments `root/par.txt` lists (blank lines skipped); empty when
/// there is no such file.
pub fn read_segments(root: &Path) -> Result<Vec<String>> {
    let path = root.join(PAR_TXT);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, &e))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// The tables of partition directory `dir`, sorted: splayed tables (a
/// directory with `.d`) and Parquet tables (`t.parquet`, or a directory of
/// `.parquet` files).
pub fn tables_in(dir: &Path) -> Result<Vec<String>> {
    let mut tables = Vec::new();
    for n in crate::list_dir(dir)? {
        if dir.join(&n).join(DOT_D).exists() || parquet_dir(&dir.join(&n)) {
            tables.push(n);
        } else if let Some(t) = n.strip_suffix(PARQUET).filter(|t| !t.is_empty())
            && dir.join(&n).is_file()
        {
            tables.push(t.to_string());
        }
    }
    tables.sort();
    tables.dedup();
    Ok(tables)
}

/// The suffix of a Parquet table's file.
pub const PARQUET: &str = ".parquet";

/// True for a directory (without `.d`) holding `.parquet` files: one
/// partition of a Parquet table split over several files.
pub fn parquet_dir(dir: &Path) -> bool {
    !dir.join(DOT_D).exists()
        && crate::list_dir(dir).is_ok_and(|ns| ns.iter().any(|n| n.ends_with(PARQUET)))
}

/// The Parquet files of table dir `dir` (`dir.parquet`, or the
/// `.parquet` files in `dir`, sorted); empty for a splayed table.
pub fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut single = dir.as_os_str().to_owned();
    single.push(PARQUET);
    let single = PathBuf::from(single);
    if single.is_file() {
        return vec![single];
    }
    if !parquet_dir(dir) {
        return Vec::new();
    }
    let mut v: Vec<PathBuf> = crate::list_dir(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.ends_with(PARQUET))
        .map(|n| dir.join(n))
        .collect();
    v.sort();
    v
}

/// Reads (without mapping) the 32-byte header of column file `path`.
pub fn read_header(path: &Path) -> Result<Header> {
    crate::trace::note(path, false);
    let f = File::open(path).map_err(|e| Error::io(path, &e))?;
    let mut h = [0u8; HEADER_LEN];
    f.read_exact_at(&mut h, 0)
        .map_err(|_| Error::new(path, "truncated header"))?;
    Header::decode(&h, path)
}

/// The columns of the splayed table in `dir` with their headers, without
/// mapping anything.
pub fn column_headers(dir: &Path) -> Result<Vec<(String, Header)>> {
    let names = read_d(dir)?;
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let h = read_header(&dir.join(&n))?;
        out.push((n, h));
    }
    Ok(out)
}

/// The row count of the splayed table in `dir`, from the headers alone
/// (checked as [`crate::splay::table_count`] does).
pub fn splay_count(dir: &Path) -> Result<u64> {
    let hs = column_headers(dir)?;
    let names: Vec<String> = hs.iter().map(|c| c.0.clone()).collect();
    let counts: Vec<u64> = hs.iter().map(|c| c.1.count).collect();
    crate::splay::table_count(dir, &names, &counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(parse_name("2000.01.01"), Some((Field::Date, 0)));
        assert_eq!(parse_name("2024.01.02"), Some((Field::Date, 8767)));
        assert_eq!(parse_name("1999.12.31"), Some((Field::Date, -1)));
        assert_eq!(parse_name("2024.02.30"), None);
        assert_eq!(parse_name("2000.02"), Some((Field::Month, 1)));
        assert_eq!(parse_name("2024"), Some((Field::Year, 2024)));
        assert_eq!(parse_name("17"), Some((Field::Int, 17)));
        assert_eq!(parse_name("sym"), None);
        assert_eq!(parse_name("1.2.3"), None);
    }
}
