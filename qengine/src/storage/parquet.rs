//! Parquet tables inside a partitioned database (`db/2024.01.02/trade.parquet`,
//! `db/date=2024-01-02/trade.parquet`, or a directory `trade/` of
//! `.parquet` files): the columns a query needs, the row count and the
//! column types, read through `qarrow` (the `arrow` feature; without it a
//! query of such a table is `'nyi`).
//!
//! Text columns without borf's type letter read as symbols, the column
//! type q databases keep text in; borf's own string columns stay strings.

use std::path::Path;
use std::path::PathBuf;

use qcore::QResult;
use qcore::Sym;
use qcore::Table;

/// The `'nyi` of a Parquet table in a build without Arrow.
#[cfg(not(feature = "arrow"))]
const NO_ARROW: &str =
    "Parquet tables in a database: this build has no Arrow/Parquet (qengine's `arrow` feature)";

/// The Parquet files of a partition's table directory (none for a
/// splayed table).
pub fn files(dir: &Path) -> Vec<PathBuf> {
    qstorage::part::parquet_files(dir)
}

#[cfg(feature = "arrow")]
fn options() -> qarrow::ReadOptions {
    qarrow::ReadOptions {
        strings_as_symbols: false,
        plain_strings_as_symbols: true,
    }
}

/// The columns `need` of the table in `files` (all when `None`), without
/// `skip` (the partition field, when a file also holds it), joined in file
/// order.
pub fn read(files: &[PathBuf], need: Option<&[Sym]>, skip: Sym) -> QResult<Table> {
    #[cfg(feature = "arrow")]
    {
        use qarrow::parquet::{ParquetFile, ParquetRead};
        let mut parts: Vec<Table> = Vec::with_capacity(files.len());
        for f in files {
            let pf = ParquetFile::open(f)?;
            let columns: Vec<String> = match need {
                Some(n) => n.iter().map(|s| s.as_str().to_string()).collect(),
                None => pf
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .filter(|n| n.as_str() != skip.as_str())
                    .collect(),
            };
            let t = pf.read(&ParquetRead {
                columns: Some(columns),
                arrow: options(),
                ..Default::default()
            })?;
            match t {
                qcore::Value::Table(t) => parts.push(t.as_ref().clone()),
                _ => return Err(qcore::QError::type_()),
            }
        }
        let Some(first) = parts.first() else {
            return Ok(Table {
                names: need.map(<[Sym]>::to_vec).unwrap_or_default(),
                columns: Vec::new(),
            });
        };
        let names = first.names.clone();
        let mut columns = Vec::with_capacity(names.len());
        for i in 0..names.len() {
            let pieces: Vec<qcore::Value> = parts
                .iter()
                .map(|p| {
                    p.columns
                        .get(i)
                        .cloned()
                        .unwrap_or(qcore::Value::list(vec![]))
                })
                .collect();
            columns.push(qarrow::convert::concat_columns(pieces)?);
        }
        Ok(Table { names, columns })
    }
    #[cfg(not(feature = "arrow"))]
    {
        let _ = (files, need, skip);
        Err(qcore::QError::new("nyi").with_detail(NO_ARROW))
    }
}

/// Rows in the table of `files` (from the files' footers).
pub fn count(files: &[PathBuf]) -> QResult<i64> {
    #[cfg(feature = "arrow")]
    {
        let mut n = 0usize;
        for f in files {
            n += qarrow::parquet::ParquetFile::open(f)?.rows();
        }
        Ok(n as i64)
    }
    #[cfg(not(feature = "arrow"))]
    {
        let _ = files;
        Err(qcore::QError::new("nyi").with_detail(NO_ARROW))
    }
}

/// The column names and q type letters of the table in `files` (the
/// first file's schema), without `skip`.
pub fn columns(files: &[PathBuf], skip: Sym) -> QResult<Vec<(Sym, char)>> {
    #[cfg(feature = "arrow")]
    {
        use qarrow::parquet::{ParquetFile, ParquetRead};
        let Some(f) = files.first() else {
            return Ok(Vec::new());
        };
        let empty = ParquetFile::open(f)?.read(&ParquetRead {
            row_groups: Some(vec![]),
            arrow: options(),
            ..Default::default()
        })?;
        let qcore::Value::Table(t) = empty else {
            return Ok(Vec::new());
        };
        Ok(t.names
            .iter()
            .zip(t.columns.iter())
            .filter(|(n, _)| **n != skip)
            .map(|(n, c)| {
                let letter = match c {
                    qcore::Value::Vector(v) => v.ty().letter(),
                    qcore::Value::List(_) => ' ',
                    _ => ' ',
                };
                (*n, letter)
            })
            .collect())
    }
    #[cfg(not(feature = "arrow"))]
    {
        let _ = (files, skip);
        Err(qcore::QError::new("nyi").with_detail(NO_ARROW))
    }
}
