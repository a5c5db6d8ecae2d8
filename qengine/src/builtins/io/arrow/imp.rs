//! The `.arrowkdb` functions with the `arrow` feature: arguments checked
//! and turned into `qarrow` calls.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use qarrow::ipc::{self, Compression as IpcCompression, Format};
use qarrow::parquet::{ParquetFile, ParquetRead};
use qcore::{Atom, QError, QResult, Ty, Value};

use super::options::{Options, indices, names};
use super::prune;
use crate::state::Interp;

/// The path a file argument names: a string (arrowkdb's form), a file
/// symbol `` `:path `` or a plain symbol; confined under `-u`.
pub(crate) fn file_path(x: &Value) -> QResult<PathBuf> {
    let text = match x {
        Value::Atom(Atom::Symbol(s)) => s.as_str().to_string(),
        Value::Vector(v) if v.ty() == Ty::Char => x.as_string().unwrap_or_default(),
        _ => return Err(QError::type_().with_detail("file: a string or a file symbol")),
    };
    let p = text.strip_prefix(':').unwrap_or(&text);
    if p.is_empty() {
        return Err(QError::domain().with_detail("file: empty name"));
    }
    crate::storage::confine::path(p)
}

/// The table to write: a table or keyed table value, a partitioned
/// table's rows, or a global named by a symbol.
fn table_arg(it: &mut Interp, t: Value) -> QResult<Value> {
    let t = match &t {
        Value::Atom(Atom::Symbol(s)) if !s.as_str().starts_with(':') => {
            let name = crate::state::qualify(it.namespace, s.as_str());
            it.get_global(name)
                .ok_or_else(|| QError::undefined(s.as_str()))?
        }
        _ => t,
    };
    if crate::query::partitioned::parted(it, &t).is_some() {
        let all = crate::query::qsql::select_n(
            it,
            vec![
                t,
                Value::list(vec![]),
                Value::bool(false),
                Value::list(vec![]),
            ],
        )?;
        return Ok(all);
    }
    match &t {
        Value::Table(_) => Ok(t),
        Value::Dict(d) if matches!((&d.keys, &d.values), (Value::Table(_), Value::Table(_))) => {
            Ok(t)
        }
        _ => Err(QError::type_().with_detail("a table")),
    }
}

/// The global a symbol names (a table given by name), else the value.
fn by_name(it: &Interp, t: Value) -> QResult<Value> {
    match &t {
        Value::Atom(Atom::Symbol(s)) if !s.as_str().starts_with(':') => {
            let name = crate::state::qualify(it.namespace, s.as_str());
            it.get_global(name)
                .ok_or_else(|| QError::undefined(s.as_str()))
        }
        _ => Ok(t),
    }
}

/// Rows past which a read reports progress on a terminal.
const PROGRESS_ROWS: usize = 1 << 20;

/// The progress line for a read of `rows` rows of `what`: on stderr,
/// rewritten in place, when stderr is a terminal and the read is big
/// (or `PROGRESS` says so).
fn progress(
    what: &str,
    rows: usize,
    o: &Options,
) -> Option<Arc<dyn Fn(usize, usize) + Send + Sync>> {
    let on = o
        .progress
        .unwrap_or(rows >= PROGRESS_ROWS && std::io::stderr().is_terminal());
    if !on {
        return None;
    }
    let what = what.to_string();
    Some(Arc::new(move |done: usize, total: usize| {
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r{what}: {pct}% ({done} of {total} rows)");
        if done >= total {
            let _ = writeln!(e);
        }
        let _ = e.flush();
    }))
}

/// Applies a `FILTER`'s clauses to the rows read (`?[t;c;0b;()]`).
fn apply_filter(it: &mut Interp, t: Value, o: &Options) -> QResult<Value> {
    match &o.filter {
        None => Ok(t),
        Some(f) => {
            let c = Value::list(prune::clauses(f));
            crate::query::qsql::select_n(it, vec![t, c, Value::bool(false), Value::list(vec![])])
        }
    }
}

fn parquet_read(it: &mut Interp, file: &Value, o: &Options) -> QResult<Value> {
    let path = file_path(file)?;
    let pf = ParquetFile::open(&path)?;
    let ro = o.read();
    let groups = match &o.filter {
        Some(f) => prune::row_groups(&pf, f, o.row_groups.clone(), &ro)?,
        None => o.row_groups.clone(),
    };
    let all = pf.row_group_rows();
    let rows: usize = match &groups {
        Some(g) => g.iter().filter_map(|&i| all.get(i)).sum(),
        None => all.iter().sum(),
    };
    // a filter's columns must be read even when not projected
    let mut columns = o.columns.clone();
    let mut extra = Vec::new();
    if let (Some(cs), Some(f)) = (&mut columns, &o.filter) {
        for c in filter_columns(f) {
            if !cs.contains(&c) && pf.schema().index_of(&c).is_ok() {
                cs.push(c.clone());
                extra.push(c);
            }
        }
    }
    let name = path.display().to_string();
    let read = ParquetRead {
        columns,
        row_groups: groups,
        arrow: ro,
        progress: progress(&name, rows, o),
    };
    let t = pf.read(&read)?;
    let t = apply_filter(it, t, o)?;
    if extra.is_empty() {
        return Ok(t);
    }
    // drop the columns read only for the filter
    let Value::Table(tb) = &t else { return Ok(t) };
    let keep: Vec<usize> = (0..tb.names.len())
        .filter(|&i| !extra.iter().any(|e| e == tb.names[i].as_str()))
        .collect();
    Ok(Value::table(
        keep.iter().map(|&i| tb.names[i]).collect(),
        keep.iter().map(|&i| tb.columns[i].clone()).collect(),
    ))
}

/// Column names a filter's clauses mention (their second items).
fn filter_columns(f: &Value) -> Vec<String> {
    prune::clauses(f)
        .iter()
        .filter_map(|c| match c {
            Value::List(l) if l.len() >= 2 => match &l[1] {
                Value::Atom(Atom::Symbol(s)) => Some(s.as_str().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

pub fn pq_read(it: &mut Interp, file: Value, options: Value) -> QResult<Value> {
    let o = Options::parse(&options)?;
    parquet_read(it, &file, &o)
}

/// The table of some row groups and columns (`::` for all of either);
/// columns by index, as arrowkdb, or by name.
fn row_groups_table(
    it: &mut Interp,
    file: Value,
    groups: Value,
    columns: Value,
    options: Value,
) -> QResult<Value> {
    let mut o = Options::parse(&options)?;
    if !matches!(groups, Value::Nil) {
        o.row_groups = Some(indices("row groups", &groups)?);
    }
    let numeric = |v: &Value| match v {
        Value::Atom(a) => a.ty().is_integral() && a.ty() != Ty::Bool,
        Value::Vector(x) => x.ty().is_integral() && x.ty() != Ty::Bool,
        _ => false,
    };
    if numeric(&columns) {
        let pf = ParquetFile::open(&file_path(&file)?)?;
        let fields = pf.schema().fields();
        o.columns = Some(
            indices("columns", &columns)?
                .into_iter()
                .map(|i| {
                    fields.get(i).map(|f| f.name().clone()).ok_or_else(|| {
                        QError::index().with_detail(format!("column {i} of {}", fields.len()))
                    })
                })
                .collect::<QResult<_>>()?,
        );
    } else if !matches!(columns, Value::Nil) {
        o.columns = Some(names("columns", &columns)?);
    }
    parquet_read(it, &file, &o)
}

pub fn pq_row_groups4(
    it: &mut Interp,
    file: Value,
    groups: Value,
    columns: Value,
    options: Value,
) -> QResult<Value> {
    match row_groups_table(it, file, groups, columns, options)? {
        Value::Table(t) => Ok(Value::list(t.columns.clone())),
        other => Ok(other),
    }
}

pub fn pq_row_groups_table4(
    it: &mut Interp,
    file: Value,
    groups: Value,
    columns: Value,
    options: Value,
) -> QResult<Value> {
    row_groups_table(it, file, groups, columns, options)
}

pub fn pq_column3(it: &mut Interp, file: Value, column: Value, options: Value) -> QResult<Value> {
    let mut o = Options::parse(&options)?;
    let path = file_path(&file)?;
    // arrowkdb names the column by index; borf also takes its name
    let name = match &column {
        Value::Atom(a) if a.ty().is_integral() && a.ty() != Ty::Bool => {
            let pf = ParquetFile::open(&path)?;
            let i = a.to_i64().and_then(|i| usize::try_from(i).ok());
            i.and_then(|i| pf.schema().fields().get(i).map(|f| f.name().clone()))
                .ok_or_else(|| QError::index().with_detail("column index"))?
        }
        _ => names("column", &column)?
            .into_iter()
            .next()
            .ok_or_else(QError::length)?,
    };
    o.columns = Some(vec![name]);
    o.filter = None;
    match parquet_read(it, &file, &o)? {
        Value::Table(t) => t.columns.first().cloned().ok_or_else(QError::length),
        other => Ok(other),
    }
}

pub fn pq_num_row_groups(_: &mut Interp, file: Value) -> QResult<Value> {
    let pf = ParquetFile::open(&file_path(&file)?)?;
    Ok(Value::int(
        i32::try_from(pf.row_group_rows().len()).unwrap_or(i32::MAX),
    ))
}

pub fn pq_schema(_: &mut Interp, file: Value) -> QResult<Value> {
    let pf = ParquetFile::open(&file_path(&file)?)?;
    pf.read(&ParquetRead {
        row_groups: Some(vec![]),
        ..Default::default()
    })
}

pub fn pq_write3(it: &mut Interp, file: Value, table: Value, options: Value) -> QResult<Value> {
    let o = Options::parse(&options)?;
    let path = file_path(&file)?;
    let t = table_arg(it, table)?;
    let w = o.parquet_write()?;
    qarrow::parquet::write(&path, &t, &w)?;
    Ok(Value::Nil)
}

fn ipc_compression(o: &Options) -> QResult<IpcCompression> {
    match o.compression.as_deref() {
        None | Some("none") | Some("uncompressed") => Ok(IpcCompression::None),
        Some("lz4") => Ok(IpcCompression::Lz4),
        Some("zstd") => Ok(IpcCompression::Zstd),
        Some(c) => Err(QError::domain().with_detail(format!(
            "COMPRESSION: `lz4, `zstd or `none for IPC, not `{c}"
        ))),
    }
}

pub fn ipc_write3(it: &mut Interp, file: Value, table: Value, options: Value) -> QResult<Value> {
    let o = Options::parse(&options)?;
    let path = file_path(&file)?;
    let t = table_arg(it, table)?;
    let format = if o.stream == Some(true) {
        Format::Stream
    } else {
        Format::File
    };
    ipc::write_path(&path, &t, format, ipc_compression(&o)?, &o.write())?;
    Ok(Value::Nil)
}

pub fn ipc_read(it: &mut Interp, file: Value, options: Value) -> QResult<Value> {
    let o = Options::parse(&options)?;
    let t = ipc::read_path(&file_path(&file)?, o.columns.as_deref(), &o.read())?;
    apply_filter(it, t, &o)
}

pub fn ipc_serialize(it: &mut Interp, table: Value, options: Value) -> QResult<Value> {
    let o = Options::parse(&options)?;
    let t = table_arg(it, table)?;
    let format = if o.stream == Some(false) {
        Format::File
    } else {
        Format::Stream
    };
    let bytes = ipc::to_bytes(&t, format, ipc_compression(&o)?, &o.write())?;
    Ok(Value::Vector(qcore::Vector::from_u8(Ty::Byte, bytes)))
}

pub fn ipc_parse(it: &mut Interp, bytes: Value, options: Value) -> QResult<Value> {
    let o = Options::parse(&options)?;
    let b = match &bytes {
        Value::Vector(v) if matches!(v.ty(), Ty::Byte | Ty::Char) => {
            v.as_u8().unwrap_or(&[]).to_vec()
        }
        _ => return Err(QError::type_().with_detail("bytes of an Arrow stream or file")),
    };
    let t = ipc::from_bytes(&b, o.columns.as_deref(), &o.read())?;
    apply_filter(it, t, &o)
}

/// The directory name of partition value `a` under hive's convention:
/// dates `2024-01-02` and months `2024-01` (what DuckDB, Spark and Polars
/// parse back as dates), other values as q prints them.
fn hive_value(a: &qcore::Atom) -> QResult<String> {
    use qcore::calendar::civil_from_days;
    Ok(match a {
        Atom::Date(d) => {
            let (y, m, dd) = civil_from_days(i64::from(*d));
            format!("{y:04}-{m:02}-{dd:02}")
        }
        Atom::Month(m) => {
            let (y, mm) = (2000 + i64::from(m.div_euclid(12)), m.rem_euclid(12) + 1);
            format!("{y:04}-{mm:02}")
        }
        Atom::Symbol(s) => s.as_str().to_string(),
        Atom::Short(_) | Atom::Int(_) | Atom::Long(_) => a.to_i64().unwrap_or(0).to_string(),
        _ => {
            return Err(
                QError::type_().with_detail("partition column: a date, month, integer or symbol")
            );
        }
    })
}

/// `.arrowkdb.pq.writeHive[dir;table;options]` (borf): a table (by value
/// or name, or a partitioned table) written as hive-partitioned Parquet,
/// `dir/field=value/name.parquet`, one directory per distinct value of
/// the partition column (option `PARTITION_BY`; a partitioned table's own
/// field by default), that column left out of the files as DuckDB does.
/// `name` is the table's name when given by name, else `data`. Returns
/// `dir`.
pub fn pq_write_hive3(it: &mut Interp, dir: Value, table: Value, options: Value) -> QResult<Value> {
    let o = Options::parse(&options)?;
    let root = file_path(&dir)?;
    let name = match &table {
        Value::Atom(Atom::Symbol(s)) if !s.as_str().starts_with(':') => s.as_str().to_string(),
        _ => "data".to_string(),
    };
    let table = by_name(it, table)?;
    let field = match (
        &o.partition_by,
        crate::query::partitioned::parted(it, &table),
    ) {
        (Some(f), _) => qcore::Sym::new(f),
        (None, Some((db, _))) => db.field(),
        (None, None) => {
            return Err(QError::new("PARTITION_BY").with_detail("name the partition column"));
        }
    };
    let t = table_arg(it, table)?;
    let Value::Table(tb) = &t else {
        return Err(QError::type_().with_detail("writeHive: an unkeyed table"));
    };
    let col = tb
        .column(field)
        .cloned()
        .ok_or_else(|| QError::new(field.as_str()).with_detail("no such column"))?;
    let Value::Vector(cv) = &col else {
        return Err(QError::type_().with_detail("partition column: a vector"));
    };
    let mut values: Vec<Atom> = Vec::new();
    for i in 0..cv.len() {
        let a = cv.get(i);
        if !values.contains(&a) {
            values.push(a);
        }
    }
    values.sort_by(|a, b| match (a, b) {
        (Atom::Symbol(x), Atom::Symbol(y)) => x.cmp_text(*y),
        _ => a.to_i64().cmp(&b.to_i64()),
    });
    let w = o.parquet_write()?;
    for v in values {
        let lit = match v {
            Atom::Symbol(s) => Value::Vector(qcore::Vector::syms(vec![s])),
            a => Value::Atom(a),
        };
        let clause = Value::list(vec![
            crate::registry::lookup("=")
                .map(crate::registry::func)
                .ok_or_else(|| QError::nyi("="))?,
            Value::Atom(Atom::Symbol(field)),
            lit,
        ]);
        let part = crate::query::qsql::select_n(
            it,
            vec![
                t.clone(),
                Value::list(vec![clause]),
                Value::bool(false),
                Value::list(vec![]),
            ],
        )?;
        let Value::Table(p) = &part else { continue };
        let keep: Vec<usize> = (0..p.names.len())
            .filter(|&i| p.names[i] != field)
            .collect();
        let part = Value::table(
            keep.iter().map(|&i| p.names[i]).collect(),
            keep.iter().map(|&i| p.columns[i].clone()).collect(),
        );
        let path = root
            .join(format!("{}={}", field.as_str(), hive_value(&v)?))
            .join(format!("{name}.parquet"));
        qarrow::parquet::write(&path, &part, &w)?;
    }
    Ok(dir)
}
