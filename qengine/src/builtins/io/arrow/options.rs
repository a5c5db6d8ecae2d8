//! The options dictionary of the `.arrowkdb` functions: `::` for none,
//! else symbol keys to values. arrowkdb's own options that borf has no
//! use for (`PARQUET_VERSION`: borf always writes what Parquet 2.x
//! readers expect; `USE_MMAP`, `PARQUET_MULTITHREADED_READ`: borf always
//! decodes row groups in parallel; `DECIMAL128_AS_DOUBLE`,
//! `ARROW_CHUNK_ROWS`, `NULL_MAPPING`) are accepted and ignored; an
//! unknown option is `'option` naming it.

use qcore::{Atom, QError, QResult, Sym, Ty, Value};

/// Options of a read or write, parsed once.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `COLUMNS`: only these columns, in this order.
    pub columns: Option<Vec<String>>,
    /// `ROW_GROUPS`: only these row groups.
    pub row_groups: Option<Vec<usize>>,
    /// `FILTER`: where clauses in functional form (`enlist(>;`x;1)`).
    pub filter: Option<Value>,
    /// `COMPRESSION`: `` `snappy`zstd`lz4`gzip`none `` (Parquet), `` `lz4`zstd`none `` (IPC).
    pub compression: Option<String>,
    /// `PARQUET_CHUNK_SIZE`: rows per row group.
    pub row_group_rows: Option<usize>,
    /// `STRINGS_AS_SYMBOLS`: plain string columns read as symbols.
    pub strings_as_symbols: bool,
    /// `SYMBOL_DICTIONARY`: symbols written dictionary-encoded (default 1b).
    pub symbol_dictionary: bool,
    /// `FORMAT`: `` `file `` or `` `stream `` for IPC (`Some(true)` for
    /// stream); files default to the file format, bytes to the stream.
    pub stream: Option<bool>,
    /// `PROGRESS`: force (1b) or silence (0b) the progress line.
    pub progress: Option<bool>,
    /// `PARTITION_BY`: the partition column of a hive-partitioned write.
    pub partition_by: Option<String>,
}

const IGNORED: &[&str] = &[
    "PARQUET_VERSION",
    "USE_MMAP",
    "PARQUET_MULTITHREADED_READ",
    "DECIMAL128_AS_DOUBLE",
    "ARROW_CHUNK_ROWS",
    "NULL_MAPPING",
];

fn flag(name: &str, v: &Value) -> QResult<bool> {
    match v {
        Value::Atom(a) => a.to_i64().map(|x| x != 0).ok_or_else(|| {
            QError::type_().with_detail(format!("option {name}: a boolean or number"))
        }),
        _ => Err(QError::type_().with_detail(format!("option {name}: a boolean or number"))),
    }
}

fn symbol(name: &str, v: &Value) -> QResult<String> {
    match v {
        Value::Atom(Atom::Symbol(s)) => Ok(s.as_str().to_ascii_lowercase()),
        _ => Err(QError::type_().with_detail(format!("option {name}: a symbol"))),
    }
}

/// Column names from a symbol atom or list (or strings).
pub fn names(what: &str, v: &Value) -> QResult<Vec<String>> {
    match v {
        Value::Atom(Atom::Symbol(s)) => Ok(vec![s.as_str().to_string()]),
        Value::Vector(vec) if vec.ty() == Ty::Symbol => Ok(vec
            .as_sym()
            .unwrap_or(&[])
            .iter()
            .map(|s| s.as_str().to_string())
            .collect()),
        Value::Vector(vec) if vec.ty() == Ty::Char => Ok(vec![v.as_string().unwrap_or_default()]),
        Value::List(l) => l
            .iter()
            .map(|x| {
                x.as_string()
                    .ok_or_else(|| QError::type_().with_detail(format!("{what}: column names")))
            })
            .collect(),
        _ => Err(QError::type_().with_detail(format!("{what}: column names"))),
    }
}

/// Row-group indices from an integer atom or list.
pub fn indices(what: &str, v: &Value) -> QResult<Vec<usize>> {
    let bad = || QError::type_().with_detail(format!("{what}: row-group indices"));
    let items = match v {
        Value::Atom(_) => vec![v.clone()],
        Value::Vector(_) | Value::List(_) => v.items(),
        _ => return Err(bad()),
    };
    items
        .iter()
        .map(|x| match x {
            Value::Atom(a) if a.ty().is_integral() && a.ty() != Ty::Bool => a
                .to_i64()
                .and_then(|i| usize::try_from(i).ok())
                .ok_or_else(|| QError::index().with_detail(format!("{what}: row group {a:?}"))),
            _ => Err(bad()),
        })
        .collect()
}

impl Options {
    /// Parses `::` or a dictionary of option names to values.
    pub fn parse(v: &Value) -> QResult<Options> {
        let mut o = Options {
            symbol_dictionary: true,
            ..Default::default()
        };
        let d = match v {
            Value::Nil => return Ok(o),
            Value::Dict(d) => d,
            Value::List(l) if l.is_empty() => return Ok(o),
            _ => return Err(QError::type_().with_detail("options: :: or a dictionary")),
        };
        let keys: Vec<Sym> = match &d.keys {
            Value::Vector(k) if k.ty() == Ty::Symbol => k.as_sym().unwrap_or(&[]).to_vec(),
            _ => return Err(QError::type_().with_detail("options: symbol keys")),
        };
        let vals = d.values.items();
        for (k, v) in keys.iter().zip(vals.iter()) {
            let name = k.as_str();
            match name {
                "" => {}
                "COLUMNS" => o.columns = Some(names(name, v)?),
                "ROW_GROUPS" => o.row_groups = Some(indices(name, v)?),
                "FILTER" => o.filter = Some(v.clone()),
                "COMPRESSION" => o.compression = Some(symbol(name, v)?),
                "PARQUET_CHUNK_SIZE" => {
                    let n = v.as_atom().and_then(Atom::to_i64).filter(|&n| n > 0);
                    o.row_group_rows =
                        Some(n.and_then(|n| usize::try_from(n).ok()).ok_or_else(|| {
                            QError::domain().with_detail("PARQUET_CHUNK_SIZE: rows, > 0")
                        })?);
                }
                "STRINGS_AS_SYMBOLS" => o.strings_as_symbols = flag(name, v)?,
                "SYMBOL_DICTIONARY" => o.symbol_dictionary = flag(name, v)?,
                "FORMAT" => {
                    o.stream = match symbol(name, v)?.as_str() {
                        "stream" => Some(true),
                        "file" => Some(false),
                        other => {
                            return Err(QError::domain()
                                .with_detail(format!("FORMAT: `file or `stream, not `{other}")));
                        }
                    }
                }
                "PROGRESS" => o.progress = Some(flag(name, v)?),
                "PARTITION_BY" => match v {
                    Value::Atom(Atom::Symbol(s)) => o.partition_by = Some(s.as_str().to_string()),
                    _ => return Err(QError::type_().with_detail("PARTITION_BY: a column name")),
                },
                "WITH_NULL_BITMAP" => {
                    return Err(QError::new("nyi").with_detail(
                        "arrowkdb option WITH_NULL_BITMAP (readers answering (data;null bitmap)) \
                         is not built: borf's readers give Arrow nulls as q nulls",
                    ));
                }
                n if IGNORED.contains(&n) => {}
                other => {
                    return Err(
                        QError::new("option").with_detail(format!("unknown option {other}"))
                    );
                }
            }
        }
        Ok(o)
    }

    /// The read options of the conversion.
    pub fn read(&self) -> qarrow::ReadOptions {
        qarrow::ReadOptions {
            strings_as_symbols: self.strings_as_symbols,
            plain_strings_as_symbols: false,
        }
    }

    /// The write options of the conversion.
    pub fn write(&self) -> qarrow::WriteOptions {
        qarrow::WriteOptions {
            sym_dictionary: self.symbol_dictionary,
        }
    }

    /// How a Parquet file is written: `COMPRESSION` (an unknown name is
    /// `'domain`), `PARQUET_CHUNK_SIZE` rows per row group.
    pub fn parquet_write(&self) -> QResult<qarrow::parquet::ParquetWrite> {
        use qarrow::parquet::{Compression, ParquetWrite};
        let compression = match &self.compression {
            None => Compression::default(),
            Some(c) => Compression::from_name(c).ok_or_else(|| {
                QError::domain().with_detail(format!("COMPRESSION: unknown `{c}"))
            })?,
        };
        Ok(ParquetWrite {
            compression,
            row_group_rows: self
                .row_group_rows
                .unwrap_or(ParquetWrite::default().row_group_rows),
            arrow: self.write(),
        })
    }
}
