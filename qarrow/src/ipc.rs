//! Arrow IPC: q tables to and from Arrow's file format (`ARROW1` magic,
//! random access) and stream format (a sequence of messages), on disk or
//! as bytes in memory.

use std::fs::File;
use std::io::{BufReader, BufWriter, Cursor, Read, Seek, Write};
use std::path::Path;

use arrow_array::RecordBatch;
use arrow_ipc::reader::{FileReader, StreamReader};
use arrow_ipc::writer::{FileWriter, IpcWriteOptions, StreamWriter};
use arrow_schema::SchemaRef;
use qcore::{QError, QResult, Value};

use crate::convert::{ReadOptions, WriteOptions, arrow_error, batches_to_table, table_to_batch};

/// The two IPC layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The file format: magic, batches, footer.
    File,
    /// The streaming format: schema message, batches, end marker.
    Stream,
}

/// IPC compression of record-batch bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Compression {
    #[default]
    None,
    Lz4,
    Zstd,
}

fn write_options(c: Compression) -> QResult<IpcWriteOptions> {
    let codec = match c {
        Compression::None => None,
        Compression::Lz4 => Some(arrow_ipc::CompressionType::LZ4_FRAME),
        Compression::Zstd => Some(arrow_ipc::CompressionType::ZSTD),
    };
    IpcWriteOptions::default()
        .try_with_compression(codec)
        .map_err(arrow_error)
}

fn io_error(e: std::io::Error) -> QError {
    QError::new("os").with_detail(e.to_string())
}

/// Writes a table (or keyed table) as IPC to `out`.
pub fn write_to<W: Write>(
    out: W,
    table: &Value,
    format: Format,
    compression: Compression,
    opts: &WriteOptions,
) -> QResult<()> {
    let batch = table_to_batch(table, opts)?;
    let wo = write_options(compression)?;
    let schema = batch.schema();
    match format {
        Format::File => {
            let mut w = FileWriter::try_new_with_options(out, &schema, wo).map_err(arrow_error)?;
            w.write(&batch).map_err(arrow_error)?;
            w.finish().map_err(arrow_error)
        }
        Format::Stream => {
            let mut w =
                StreamWriter::try_new_with_options(out, &schema, wo).map_err(arrow_error)?;
            w.write(&batch).map_err(arrow_error)?;
            w.finish().map_err(arrow_error)
        }
    }
}

/// Writes a table as an IPC file or stream at `path` (replacing it).
pub fn write_path(
    path: &Path,
    table: &Value,
    format: Format,
    compression: Compression,
    opts: &WriteOptions,
) -> QResult<()> {
    let f = crate::parquet::create(path)?;
    let mut w = BufWriter::new(f);
    write_to(&mut w, table, format, compression, opts)?;
    w.flush().map_err(io_error)
}

/// A table as IPC bytes.
pub fn to_bytes(
    table: &Value,
    format: Format,
    compression: Compression,
    opts: &WriteOptions,
) -> QResult<Vec<u8>> {
    let mut out = Vec::new();
    write_to(&mut out, table, format, compression, opts)?;
    Ok(out)
}

/// The format of IPC bytes: the file format starts with `ARROW1`.
pub fn sniff(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"ARROW1") {
        Format::File
    } else {
        Format::Stream
    }
}

/// Column indices of `columns` in `schema`, or `'columns` naming a missing one.
fn projection(schema: &SchemaRef, columns: Option<&[String]>) -> QResult<Option<Vec<usize>>> {
    columns
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    schema
                        .index_of(c)
                        .map_err(|_| QError::new(c.clone()).with_detail("no such column"))
                })
                .collect()
        })
        .transpose()
}

/// Reads IPC (either format) into a q table, only `columns` when given
/// (in the order given).
pub fn read_from<R: Read + Seek>(
    mut input: R,
    format: Format,
    columns: Option<&[String]>,
    opts: &ReadOptions,
) -> QResult<Value> {
    let (schema, batches): (SchemaRef, Vec<RecordBatch>) = match format {
        Format::File => {
            let probe = FileReader::try_new(&mut input, None).map_err(arrow_error)?;
            let proj = projection(&probe.schema(), columns)?;
            drop(probe);
            input.rewind().map_err(io_error)?;
            let r = FileReader::try_new(input, proj).map_err(arrow_error)?;
            let schema = r.schema();
            (schema, r.collect::<Result<_, _>>().map_err(arrow_error)?)
        }
        Format::Stream => {
            let r = StreamReader::try_new(input, None).map_err(arrow_error)?;
            let schema = r.schema();
            let proj = projection(&schema, columns)?;
            let batches: Vec<RecordBatch> = r.collect::<Result<_, _>>().map_err(arrow_error)?;
            match proj {
                None => (schema, batches),
                Some(p) => {
                    let s = std::sync::Arc::new(schema.project(&p).map_err(arrow_error)?);
                    let b = batches
                        .iter()
                        .map(|b| b.project(&p))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(arrow_error)?;
                    (s, b)
                }
            }
        }
    };
    batches_to_table(&schema, &batches, opts)
}

/// Reads an IPC file or stream at `path` (the format told by its first bytes).
pub fn read_path(path: &Path, columns: Option<&[String]>, opts: &ReadOptions) -> QResult<Value> {
    let mut f = File::open(path).map_err(|e| crate::file_error(path, &e))?;
    let mut magic = [0u8; 6];
    let n = f.read(&mut magic).map_err(io_error)?;
    f.rewind().map_err(io_error)?;
    read_from(BufReader::new(f), sniff(&magic[..n]), columns, opts)
}

/// Reads IPC bytes (either format) into a q table.
pub fn from_bytes(bytes: &[u8], columns: Option<&[String]>, opts: &ReadOptions) -> QResult<Value> {
    read_from(Cursor::new(bytes), sniff(bytes), columns, opts)
}
