//! Parquet files: q tables written through Arrow's Parquet writer, and
//! read back with column projection and row-group selection pushed into
//! the reader, row groups decoded in parallel on all cores.
//!
//! Row-group statistics (each column's minimum, maximum and null count
//! per row group) come back as q values ([`stats`]), so a caller can
//! prune row groups with q's own comparisons before reading any data.

use std::collections::HashSet;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, DictionaryArray, PrimitiveArray, RecordBatch, RecordBatchReader, StringArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::arrow_writer::{ArrowColumnChunk, compute_leaves};
use parquet::basic::{Compression as PqCompression, ZstdLevel};
use parquet::data_type::ByteArray;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::statistics::Statistics;
use qcore::{QError, QResult, Sym, Ty, Value, Vector};
use rayon::prelude::*;

use crate::convert::preallocated::{Part, Preallocated};
use crate::convert::{
    ReadOptions, SymDict, WriteOptions, array_to_value, array_to_value_with, arrow_error,
    assemble_table, concat_columns, flat_columns, table_schema, value_to_array,
};

/// Compression of Parquet column chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Compression {
    None,
    /// Snappy: the default, fast to write and read (DuckDB's default too).
    #[default]
    Snappy,
    Zstd,
    Lz4,
    Gzip,
}

impl Compression {
    /// The compression named `name` (`none snappy zstd lz4 gzip`).
    pub fn from_name(name: &str) -> Option<Compression> {
        Some(match name {
            "none" | "uncompressed" => Compression::None,
            "snappy" => Compression::Snappy,
            "zstd" => Compression::Zstd,
            "lz4" => Compression::Lz4,
            "gzip" => Compression::Gzip,
            _ => return None,
        })
    }
}

/// How a table is written as Parquet.
#[derive(Clone, Debug)]
pub struct ParquetWrite {
    pub compression: Compression,
    /// Rows per row group (the unit of parallel reading and pruning).
    pub row_group_rows: usize,
    pub arrow: WriteOptions,
}

impl Default for ParquetWrite {
    fn default() -> Self {
        ParquetWrite {
            compression: Compression::Snappy,
            row_group_rows: 1 << 20,
            arrow: WriteOptions::default(),
        }
    }
}

/// What to read from a Parquet file.
#[derive(Clone, Default)]
pub struct ParquetRead {
    /// Only these columns, in this order (all when `None`).
    pub columns: Option<Vec<String>>,
    /// Only these row groups, in file order (all when `None`).
    pub row_groups: Option<Vec<usize>>,
    pub arrow: ReadOptions,
    /// Called with (rows read, rows to read) as row groups finish.
    pub progress: Option<Arc<dyn Fn(usize, usize) + Send + Sync>>,
}

fn open(path: &Path) -> QResult<File> {
    File::open(path).map_err(|e| crate::file_error(path, &e))
}

/// Creates `path` (and its directories, as q's `set` does).
pub(crate) fn create(path: &Path) -> QResult<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| crate::file_error(dir, &e))?;
    }
    File::create(path).map_err(|e| crate::file_error(path, &e))
}

/// Writes a table (or keyed table) as a Parquet file at `path`.
pub fn write(path: &Path, table: &Value, w: &ParquetWrite) -> QResult<()> {
    let columns = plan(table, w)?;
    let file = create(path)?;
    write_columns(file, &columns, w).inspect_err(|_| {
        // a column that failed in a later row group (a timestamp outside
        // Arrow's range) leaves no half-written file behind
        let _ = std::fs::remove_file(path);
    })
}

/// A table as the bytes of a Parquet file.
pub fn to_bytes(table: &Value, w: &ParquetWrite) -> QResult<Vec<u8>> {
    let columns = plan(table, w)?;
    let mut out = Vec::new();
    write_columns(&mut out, &columns, w)?;
    Ok(out)
}

/// Where a column's Arrow arrays come from while writing.
enum Source {
    /// Converted whole before writing: a column whose Arrow type depends
    /// on its items (chars: text or binary; symbols as plain strings: the
    /// size of their text; general lists).
    Whole(ArrayRef),
    /// A q vector converted one row group at a time, inside the task that
    /// encodes that row group's chunk: a pass that allocates (timestamps'
    /// epoch shift, symbols' dictionary keys) makes a row group's worth of
    /// memory on the core that encodes it, reused from row group to row
    /// group, rather than a whole column of fresh pages on one core.
    PerGroup(Vector),
}

/// The columns of a table to write: the schema, each column's source and
/// the number of rows.
struct Columns {
    schema: SchemaRef,
    sources: Vec<Source>,
    rows: usize,
}

/// A vector whose Arrow type is fixed by its q type alone, so it can be
/// converted a row group at a time ([`Source::PerGroup`]).
fn per_group(v: &Vector, w: &ParquetWrite) -> bool {
    v.ty() != Ty::Char && (v.ty() != Ty::Symbol || w.arrow.sym_dictionary)
}

/// The schema and sources of `table`'s columns (planned on all cores: a
/// whole conversion is a pass over its column).
fn plan(table: &Value, w: &ParquetWrite) -> QResult<Columns> {
    let (names, columns, keys) = flat_columns(table)?;
    let planned: Vec<(Field, Source)> = names
        .par_iter()
        .zip(columns.par_iter())
        .map(|(name, col)| match col {
            Value::Vector(v) if per_group(v, w) => {
                // the field from the first rows (a window: no copy)
                let first = v.window(0, v.len().min(MOSTLY_DISTINCT_SAMPLE));
                let (field, _) = value_to_array(name.as_str(), &Value::Vector(first), &w.arrow)?;
                Ok((field, Source::PerGroup(v.clone())))
            }
            _ => {
                let (field, array) = value_to_array(name.as_str(), col, &w.arrow)?;
                Ok((field, Source::Whole(array)))
            }
        })
        .collect::<QResult<_>>()?;
    let (fields, sources): (Vec<Field>, Vec<Source>) = planned.into_iter().unzip();
    Ok(Columns {
        schema: table_schema(fields, keys),
        sources,
        rows: table.count(),
    })
}

/// Rows `start..start + len` of column `c` as an Arrow array.
fn group_array(
    columns: &Columns,
    c: usize,
    start: usize,
    len: usize,
    w: &ParquetWrite,
) -> QResult<ArrayRef> {
    Ok(match &columns.sources[c] {
        Source::Whole(a) => a.slice(start, len),
        Source::PerGroup(v) => {
            let name = columns.schema.field(c).name();
            let part = Value::Vector(v.window(start, start + len));
            value_to_array(name, &part, &w.arrow)?.1
        }
    })
}

/// Writes the columns in row groups of `w.row_group_rows`, encoding every
/// (row group, column) chunk as its own task on the rayon pool: arrow-rs's
/// `ArrowWriter` encodes one column after another on the calling thread,
/// and encoding (dictionary attempts, statistics, compression) is nearly
/// all of a write's time. Chunks are appended to the file in order, a wave
/// of row groups at a time so that only a wave's encoded chunks are held
/// in memory.
fn write_columns<W: std::io::Write + Send>(
    out: W,
    columns: &Columns,
    w: &ParquetWrite,
) -> QResult<()> {
    let compression = match w.compression {
        Compression::None => PqCompression::UNCOMPRESSED,
        Compression::Snappy => PqCompression::SNAPPY,
        Compression::Zstd => PqCompression::ZSTD(ZstdLevel::default()),
        Compression::Lz4 => PqCompression::LZ4_RAW,
        Compression::Gzip => PqCompression::GZIP(Default::default()),
    };
    let group_rows = w.row_group_rows.max(1);
    let schema = columns.schema.clone();
    let rows = columns.rows;
    let mut props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(group_rows));
    // dictionary columns (symbols): statistics from the dictionary, below
    let mut dict_stats = vec![false; schema.fields().len()];
    for (c, field) in schema.fields().iter().enumerate() {
        let first = group_array(columns, c, 0, rows.min(MOSTLY_DISTINCT_SAMPLE), w)?;
        if mostly_distinct(first.as_ref()) {
            props = props.set_column_dictionary_enabled(field.name().as_str().into(), false);
        }
        if text_dictionary(first.as_ref()).is_some() {
            props = props.set_column_statistics_enabled(
                field.name().as_str().into(),
                EnabledStatistics::None,
            );
            dict_stats[c] = true;
        }
    }
    let props = props.build();
    let writer = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(arrow_error)?;
    let (mut file, factory) = writer.into_serialized_writer().map_err(arrow_error)?;
    let starts: Vec<usize> = (0..rows).step_by(group_rows).collect();
    let wave = (2 * rayon::current_num_threads()).max(1);
    for (wave_index, wave_starts) in starts.chunks(wave).enumerate() {
        let mut tasks = Vec::new();
        for (i, &start) in wave_starts.iter().enumerate() {
            let group = wave_index * wave + i;
            let len = group_rows.min(rows - start);
            let writers = factory.create_column_writers(group).map_err(arrow_error)?;
            // one leaf per column: the writers are the table's columns
            if writers.len() != schema.fields().len() {
                return Err(QError::new(
                    "parquet: column writers do not match the schema",
                ));
            }
            tasks.extend(
                writers
                    .into_iter()
                    .enumerate()
                    .map(|(c, writer)| (i, c, start, len, writer)),
            );
        }
        let chunks: Vec<(usize, ArrowColumnChunk)> = tasks
            .into_par_iter()
            .map(|(i, c, start, len, mut writer)| {
                let array = group_array(columns, c, start, len, w)?;
                let mut leaves = compute_leaves(schema.field(c), &array).map_err(arrow_error)?;
                let (Some(leaf), None) = (leaves.pop(), leaves.pop()) else {
                    return Err(QError::new("parquet: a column of more than one leaf"));
                };
                writer.write(&leaf).map_err(arrow_error)?;
                let mut chunk = writer.close().map_err(arrow_error)?;
                if dict_stats[c]
                    && let Some(st) = dictionary_statistics(array.as_ref(), 0, len)
                {
                    let close = chunk.close_mut();
                    close.metadata = close
                        .metadata
                        .clone()
                        .into_builder()
                        .set_statistics(st)
                        .build()
                        .map_err(arrow_error)?;
                }
                Ok((i, chunk))
            })
            .collect::<QResult<_>>()?;
        let mut chunks = chunks.into_iter().peekable();
        for i in 0..wave_starts.len() {
            let mut group = file.next_row_group().map_err(arrow_error)?;
            while let Some((_, chunk)) = chunks.next_if(|(g, _)| *g == i) {
                chunk.append_to_row_group(&mut group).map_err(arrow_error)?;
            }
            group.close().map_err(arrow_error)?;
        }
    }
    file.close().map_err(arrow_error)?;
    Ok(())
}

/// The keys and text values of a dictionary-encoded text column (how
/// symbols are written), `None` for any other column.
fn text_dictionary(array: &dyn Array) -> Option<(&PrimitiveArray<Int32Type>, &StringArray)> {
    let d = array
        .as_any()
        .downcast_ref::<DictionaryArray<Int32Type>>()?;
    let values = d.values().as_any().downcast_ref::<StringArray>()?;
    Some((d.keys(), values))
}

/// The statistics of rows `start..start + len` of a dictionary-encoded
/// text column, compared once per dictionary entry used rather than once
/// per row: arrow-rs's writer compares each row's text with the running
/// minimum and maximum, a tenth of the time of writing a table with a
/// symbol column, though a symbol column has few distinct values. The
/// keys are read once to mark the entries used and count the nulls.
fn dictionary_statistics(array: &dyn Array, start: usize, len: usize) -> Option<Statistics> {
    let (keys, values) = text_dictionary(array)?;
    let keys = keys.slice(start, len);
    let mut used = vec![false; values.len()];
    let nulls = keys.logical_nulls();
    for (i, &k) in keys.values().iter().enumerate() {
        if nulls.as_ref().is_none_or(|n| n.is_valid(i)) {
            *used.get_mut(usize::try_from(k).ok()?)? = true;
        }
    }
    let mut seen = used
        .iter()
        .enumerate()
        .filter(|&(_, &u)| u)
        .map(|(i, _)| values.value(i).as_bytes());
    let (min, max) = match seen.next() {
        Some(first) => {
            let (lo, hi) = seen.fold((first, first), |(lo, hi), x| (lo.min(x), hi.max(x)));
            (
                Some(ByteArray::from(lo.to_vec())),
                Some(ByteArray::from(hi.to_vec())),
            )
        }
        None => (None, None),
    };
    let null_count = nulls.map_or(0, |n| n.null_count()) as u64;
    Some(Statistics::byte_array(
        min,
        max,
        None,
        Some(null_count),
        false,
    ))
}

/// Rows sampled by [`mostly_distinct`].
const MOSTLY_DISTINCT_SAMPLE: usize = 4096;

/// Whether the first rows of a flat column are mostly distinct values.
/// Parquet's writer dictionary-encodes every column until its dictionary
/// passes 1 MB and only then falls back to plain encoding, so a column of
/// prices or timestamps has ~130k values hashed per row group for nothing;
/// a sample of 4,096 rows more than half distinct turns the dictionary off
/// for that column (sorted timestamps, random floats, ids). Nested and
/// already dictionary-encoded columns keep the writer's default.
fn mostly_distinct(array: &dyn Array) -> bool {
    let n = array.len().min(MOSTLY_DISTINCT_SAMPLE);
    if n < 64 {
        return false;
    }
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(n);
    let data = array.to_data();
    let fixed = match array.data_type() {
        t if t.is_primitive() => t.primitive_width(),
        DataType::FixedSizeBinary(w) => usize::try_from(*w).ok(),
        _ => None,
    };
    if let Some(width) = fixed {
        let Some(buffer) = data.buffers().first() else {
            return false;
        };
        let bytes = buffer.as_slice();
        let start = data.offset() * width;
        if bytes.len() < start + n * width {
            return false;
        }
        seen.extend(bytes[start..start + n * width].chunks_exact(width));
    } else {
        match array.data_type() {
            DataType::Utf8 => {
                seen.extend((0..n).map(|i| array.as_string::<i32>().value(i).as_bytes()))
            }
            DataType::LargeUtf8 => {
                seen.extend((0..n).map(|i| array.as_string::<i64>().value(i).as_bytes()))
            }
            DataType::Binary => seen.extend((0..n).map(|i| array.as_binary::<i32>().value(i))),
            DataType::LargeBinary => seen.extend((0..n).map(|i| array.as_binary::<i64>().value(i))),
            _ => return false,
        }
    }
    seen.len() * 2 > n
}

/// A Parquet file's metadata, loaded once and shared by parallel readers.
pub struct ParquetFile {
    path: std::path::PathBuf,
    meta: ArrowReaderMetadata,
}

impl ParquetFile {
    /// Opens `path` and reads its footer.
    pub fn open(path: &Path) -> QResult<ParquetFile> {
        let f = open(path)?;
        let meta = ArrowReaderMetadata::load(&f, ArrowReaderOptions::new()).map_err(arrow_error)?;
        Ok(ParquetFile {
            path: path.to_path_buf(),
            meta,
        })
    }

    /// The file's Arrow schema.
    pub fn schema(&self) -> &SchemaRef {
        self.meta.schema()
    }

    /// Rows in each row group.
    pub fn row_group_rows(&self) -> Vec<usize> {
        self.meta
            .metadata()
            .row_groups()
            .iter()
            .map(|r| r.num_rows().max(0) as usize)
            .collect()
    }

    /// Total rows.
    pub fn rows(&self) -> usize {
        self.row_group_rows().iter().sum()
    }

    /// Per row group, each named column's minimum and maximum (q lists of
    /// the column's type, a null where the file has no statistic) and
    /// null count: `(min, max, nulls)` for each column in `columns`.
    pub fn stats(
        &self,
        columns: &[String],
        opts: &ReadOptions,
    ) -> QResult<Vec<(Value, Value, Value)>> {
        let schema = self.schema();
        let pq = self.meta.parquet_schema();
        let groups = self.meta.metadata().row_groups();
        columns
            .iter()
            .map(|c| {
                let field = schema
                    .field_with_name(c)
                    .map_err(|_| QError::new(c.clone()).with_detail("no such column"))?;
                let conv = StatisticsConverter::try_new(c, schema, pq).map_err(arrow_error)?;
                let mins = conv.row_group_mins(groups.iter()).map_err(arrow_error)?;
                let maxs = conv.row_group_maxes(groups.iter()).map_err(arrow_error)?;
                let nulls = conv
                    .row_group_null_counts(groups.iter())
                    .map_err(arrow_error)?;
                let nf = arrow_schema::Field::new(c, nulls.data_type().clone(), true);
                Ok((
                    array_to_value(field, mins.as_ref(), opts)?,
                    array_to_value(field, maxs.as_ref(), opts)?,
                    array_to_value(&nf, &nulls, opts)?,
                ))
            })
            .collect()
    }

    /// Reads the selected columns and row groups into a q table. Every
    /// (row group, column) chunk is decoded as its own task on the rayon
    /// pool, in batches of [`BATCH`] rows (small enough to stay in cache
    /// between decoding and converting), each batch converted straight
    /// into the final q column at its row group's offset: a column of a
    /// vector type is allocated once for all row groups, so nothing is
    /// joined afterwards. Columns that read as general lists (strings,
    /// nested lists) are converted per batch and joined at the end.
    pub fn read(&self, r: &ParquetRead) -> QResult<Value> {
        let schema = self.schema().clone();
        let all = self.row_group_rows();
        let groups: Vec<usize> = match &r.row_groups {
            Some(g) => {
                if let Some(&bad) = g.iter().find(|&&i| i >= all.len()) {
                    return Err(
                        QError::index().with_detail(format!("row group {bad} of {}", all.len()))
                    );
                }
                g.clone()
            }
            None => (0..all.len()).collect(),
        };
        // columns: file indices in the order asked for
        let wanted: Vec<usize> = match &r.columns {
            Some(cs) => cs
                .iter()
                .map(|c| {
                    schema
                        .index_of(c)
                        .map_err(|_| QError::new(c.clone()).with_detail("no such column"))
                })
                .collect::<QResult<_>>()?,
            None => (0..schema.fields().len()).collect(),
        };
        let mut sorted = wanted.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let lens: Vec<usize> = groups.iter().map(|&g| all[g]).collect();
        let total: usize = lens.iter().sum();
        // the q type of each column, from its field alone (an empty array
        // converts to an empty vector of the type every batch will have)
        let empty = |fi: usize| {
            let field = schema.field(fi);
            array_to_value(
                field,
                arrow_array::new_empty_array(field.data_type()).as_ref(),
                &r.arrow,
            )
        };
        let outs: Vec<Option<Preallocated>> = sorted
            .iter()
            .map(|&fi| match empty(fi)? {
                Value::Vector(v) => Preallocated::new(v.ty(), total).map(Some),
                _ => Ok(None),
            })
            .collect::<QResult<_>>()?;
        let mut parts: Vec<std::vec::IntoIter<Part>> = outs
            .iter()
            .map(|o| match o {
                Some(p) => p.parts(&lens).map(Vec::into_iter),
                None => Ok(Vec::new().into_iter()),
            })
            .collect::<QResult<_>>()?;
        let mut tasks = Vec::with_capacity(groups.len() * sorted.len());
        for (gi, &g) in groups.iter().enumerate() {
            for (ci, p) in parts.iter_mut().enumerate() {
                tasks.push((gi, g, ci, p.next()));
            }
        }
        let left: Vec<AtomicUsize> = groups
            .iter()
            .map(|_| AtomicUsize::new(sorted.len()))
            .collect();
        let done = AtomicUsize::new(0);
        let pq = self.meta.parquet_schema();
        let pieces: Vec<Vec<Value>> = tasks
            .into_par_iter()
            .map(|(gi, g, ci, mut part)| {
                let field = schema.field(sorted[ci]);
                let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
                    open(&self.path)?,
                    self.meta.clone(),
                )
                .with_projection(ProjectionMask::roots(pq, [sorted[ci]]))
                .with_row_groups(vec![g])
                .with_batch_size(BATCH)
                .build()
                .map_err(arrow_error)?;
                let mut dicts = SymDict::default();
                let mut pieces = Vec::new();
                let mut rows = 0;
                for batch in reader {
                    let batch = batch.map_err(arrow_error)?;
                    let column = batch
                        .columns()
                        .first()
                        .ok_or_else(|| arrow_error("a batch without its column"))?;
                    let v = array_to_value_with(field, column.as_ref(), &r.arrow, &mut dicts)?;
                    rows += batch.num_rows();
                    match (&mut part, v) {
                        (Some(p), Value::Vector(v)) => p.put(&v)?,
                        (Some(_), _) => {
                            return Err(arrow_error("a batch does not fit its column"));
                        }
                        (None, v) => pieces.push(v),
                    }
                    if qcore::budget::stopping() {
                        return Err(QError::new("stop"));
                    }
                }
                if rows != all[g] {
                    return Err(arrow_error(format!(
                        "row group {g}: {rows} rows read, {} in the footer",
                        all[g]
                    )));
                }
                if left[gi].fetch_sub(1, Ordering::AcqRel) == 1 {
                    let n = done.fetch_add(all[g], Ordering::Relaxed) + all[g];
                    if let Some(p) = &r.progress {
                        p(n, total);
                    }
                }
                Ok(pieces)
            })
            .collect::<QResult<_>>()?;
        drop(parts);
        let mut columns: Vec<Value> = Vec::with_capacity(sorted.len());
        for (ci, out) in outs.into_iter().enumerate() {
            columns.push(match out {
                Some(p) => p.finish()?,
                None => {
                    let mine: Vec<Value> = pieces
                        .iter()
                        .skip(ci)
                        .step_by(sorted.len())
                        .flat_map(|p| p.iter().cloned())
                        .collect();
                    if mine.is_empty() {
                        empty(sorted[ci])?
                    } else {
                        concat_columns(mine)?
                    }
                }
            });
        }
        // back to the order asked for
        let pick = |fi: usize| sorted.iter().position(|&s| s == fi).unwrap_or(0);
        let names: Vec<Sym> = wanted
            .iter()
            .map(|&fi| Sym::new(schema.field(fi).name()))
            .collect();
        let cols: Vec<Value> = wanted.iter().map(|&fi| columns[pick(fi)].clone()).collect();
        let keyed_ok = r.columns.is_none();
        let meta_schema = if keyed_ok {
            schema.as_ref().clone()
        } else {
            Schema::new(Vec::<arrow_schema::Field>::new())
        };
        Ok(assemble_table(&meta_schema, names, cols))
    }
}

/// Rows per decoded batch when reading: 64k rows of 8 bytes are 512 KB, so
/// a batch is still in the core's cache when it is converted to q.
const BATCH: usize = 1 << 16;

/// Reads a Parquet file at `path` into a q table.
pub fn read(path: &Path, r: &ParquetRead) -> QResult<Value> {
    ParquetFile::open(path)?.read(r)
}

/// Reads the bytes of a Parquet file into a q table.
pub fn from_bytes(bytes: &[u8], r: &ParquetRead) -> QResult<Value> {
    let data = bytes::Bytes::copy_from_slice(bytes);
    let mut b = ParquetRecordBatchReaderBuilder::try_new(data).map_err(arrow_error)?;
    let schema = b.schema().clone();
    if let Some(cs) = &r.columns {
        let idx: Vec<usize> = cs
            .iter()
            .map(|c| {
                schema
                    .index_of(c)
                    .map_err(|_| QError::new(c.clone()).with_detail("no such column"))
            })
            .collect::<QResult<_>>()?;
        let mask = ProjectionMask::roots(b.parquet_schema(), idx);
        b = b.with_projection(mask);
    }
    if let Some(g) = &r.row_groups {
        b = b.with_row_groups(g.clone());
    }
    let reader = b.with_batch_size(1 << 16).build().map_err(arrow_error)?;
    let out_schema = reader.schema();
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().map_err(arrow_error)?;
    crate::convert::batches_to_table(&out_schema, &batches, &r.arrow)
}
