//! Arrow and Parquet files from q, under KX's arrowkdb names so q code
//! written for arrowkdb runs unchanged (its table-level functions, with a
//! schema inferred from the table):
//!
//! | q | does |
//! |---|---|
//! | `.arrowkdb.pq.writeParquetFromTable[file;table;options]` | table to a Parquet file |
//! | `.arrowkdb.pq.readParquetToTable[file;options]` | Parquet file to a table |
//! | `.arrowkdb.pq.readParquetColumn[file;column;options]` | one column |
//! | `.arrowkdb.pq.readParquetNumRowGroups[file]` | row groups in a file |
//! | `.arrowkdb.pq.readParquetRowGroups[file;groups;columns;options]` | some row groups and columns, as a list of columns |
//! | `.arrowkdb.pq.readParquetRowGroupsToTable[file;groups;columns;options]` | the same as a table |
//! | `.arrowkdb.pq.readParquetSchema[file]` | the q table of no rows the file would read as |
//! | `.arrowkdb.pq.writeHive[dir;table;options]` | (borf) table or partitioned table as hive-partitioned Parquet, `dir/date=2024-01-02/t.parquet` |
//! | `.arrowkdb.ipc.writeArrowFromTable[file;table;options]` | table to an Arrow IPC file |
//! | `.arrowkdb.ipc.readArrowToTable[file;options]` | IPC file or stream to a table |
//! | `.arrowkdb.ipc.serializeArrowFromTable[table;options]` | table to IPC stream bytes |
//! | `.arrowkdb.ipc.parseArrowToTable[bytes;options]` | IPC bytes (stream or file) to a table |
//!
//! `file` is a string (as arrowkdb) or a file symbol `` `:path ``;
//! `options` is `::` or a dictionary of option names to values. Beside
//! arrowkdb's `PARQUET_CHUNK_SIZE` (rows per row group) borf reads
//! `COLUMNS`, `ROW_GROUPS`, `FILTER` (where clauses in functional form,
//! used to skip row groups by their statistics and then to select rows),
//! `COMPRESSION`, `STRINGS_AS_SYMBOLS`, `SYMBOL_DICTIONARY`, `FORMAT`
//! (`` `file `` or `` `stream ``), `PROGRESS` and `PARTITION_BY` ([`options`]).
//!
//! A partitioned database (`\l`) may hold Parquet tables in its partitions
//! (`storage/parquet.rs`): q-style `2024.01.02/trade.parquet` or hive-style
//! `date=2024-01-02/trade.parquet`, or a directory of `.parquet` files.
//!
//! Without the engine's `arrow` feature each of these signals `'nyi`
//! naming itself and the feature.

#[cfg(feature = "arrow")]
mod imp;
#[cfg(feature = "arrow")]
pub mod options;
#[cfg(feature = "arrow")]
pub mod prune;

use crate::state::Interp;
use qcore::QResult;
use qcore::Value;

/// Each entry point: the real function with the `arrow` feature, `'nyi`
/// naming the q function without it.
macro_rules! entry {
    ($(#[$doc:meta])* $name:ident, $q:literal, ($($a:ident),*)) => {
        $(#[$doc])*
        pub fn $name(it: &mut Interp, $($a: Value),*) -> QResult<Value> {
            #[cfg(feature = "arrow")]
            {
                imp::$name(it, $($a),*)
            }
            #[cfg(not(feature = "arrow"))]
            {
                let _ = (it, $($a),*);
                Err(qcore::QError::new("nyi").with_detail(concat!(
                    $q,
                    ": this build has no Arrow/Parquet (qengine's `arrow` feature)"
                )))
            }
        }
    };
}

/// The n-ary entry points take their arguments as a list; this checks
/// the count (`'rank`) and passes them on.
macro_rules! entry_n {
    ($(#[$doc:meta])* $name:ident, $inner:ident, $n:literal) => {
        $(#[$doc])*
        pub fn $name(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
            let args: [Value; $n] = args.try_into().map_err(|_| qcore::QError::rank())?;
            $inner(it, args)
        }
    };
}

entry!(
    /// `.arrowkdb.pq.readParquetToTable[file;options]`
    pq_read, ".arrowkdb.pq.readParquetToTable", (file, options)
);
entry!(
    /// `.arrowkdb.pq.readParquetNumRowGroups[file]`
    pq_num_row_groups, ".arrowkdb.pq.readParquetNumRowGroups", (file)
);
entry!(
    /// `.arrowkdb.pq.readParquetSchema[file]`
    pq_schema, ".arrowkdb.pq.readParquetSchema", (file)
);
entry!(
    /// `.arrowkdb.ipc.readArrowToTable[file;options]`
    ipc_read, ".arrowkdb.ipc.readArrowToTable", (file, options)
);
entry!(
    /// `.arrowkdb.ipc.serializeArrowFromTable[table;options]`
    ipc_serialize, ".arrowkdb.ipc.serializeArrowFromTable", (table, options)
);
entry!(
    /// `.arrowkdb.ipc.parseArrowToTable[bytes;options]`
    ipc_parse, ".arrowkdb.ipc.parseArrowToTable", (bytes, options)
);
entry!(
    /// `.arrowkdb.pq.writeParquetFromTable[file;table;options]`
    pq_write3, ".arrowkdb.pq.writeParquetFromTable", (file, table, options)
);
entry!(
    /// `.arrowkdb.pq.readParquetColumn[file;column;options]`
    pq_column3, ".arrowkdb.pq.readParquetColumn", (file, column, options)
);
entry!(
    /// `.arrowkdb.pq.writeHive[dir;table;options]` (borf)
    pq_write_hive3, ".arrowkdb.pq.writeHive", (dir, table, options)
);
entry!(
    /// `.arrowkdb.ipc.writeArrowFromTable[file;table;options]`
    ipc_write3, ".arrowkdb.ipc.writeArrowFromTable", (file, table, options)
);
entry!(
    /// `.arrowkdb.pq.readParquetRowGroups[file;groups;columns;options]`
    pq_row_groups4, ".arrowkdb.pq.readParquetRowGroups", (file, groups, columns, options)
);
entry!(
    /// `.arrowkdb.pq.readParquetRowGroupsToTable[file;groups;columns;options]`
    pq_row_groups_table4, ".arrowkdb.pq.readParquetRowGroupsToTable", (file, groups, columns, options)
);

fn pq_write_a(it: &mut Interp, [f, t, o]: [Value; 3]) -> QResult<Value> {
    pq_write3(it, f, t, o)
}
fn pq_column_a(it: &mut Interp, [f, c, o]: [Value; 3]) -> QResult<Value> {
    pq_column3(it, f, c, o)
}
fn pq_write_hive_a(it: &mut Interp, [d, t, o]: [Value; 3]) -> QResult<Value> {
    pq_write_hive3(it, d, t, o)
}
fn ipc_write_a(it: &mut Interp, [f, t, o]: [Value; 3]) -> QResult<Value> {
    ipc_write3(it, f, t, o)
}
fn pq_row_groups_a(it: &mut Interp, [f, g, c, o]: [Value; 4]) -> QResult<Value> {
    pq_row_groups4(it, f, g, c, o)
}
fn pq_row_groups_table_a(it: &mut Interp, [f, g, c, o]: [Value; 4]) -> QResult<Value> {
    pq_row_groups_table4(it, f, g, c, o)
}

entry_n!(
    /// `.arrowkdb.pq.writeParquetFromTable[file;table;options]`
    pq_write, pq_write_a, 3
);
entry_n!(
    /// `.arrowkdb.pq.readParquetColumn[file;column;options]`
    pq_column, pq_column_a, 3
);
entry_n!(
    /// `.arrowkdb.ipc.writeArrowFromTable[file;table;options]`
    ipc_write, ipc_write_a, 3
);
entry_n!(
    /// `.arrowkdb.pq.writeHive[dir;table;options]`: hive-partitioned Parquet
    pq_write_hive, pq_write_hive_a, 3
);
entry_n!(
    /// `.arrowkdb.pq.readParquetRowGroups[file;groups;columns;options]`:
    /// the columns' data as a list
    pq_row_groups, pq_row_groups_a, 4
);
entry_n!(
    /// `.arrowkdb.pq.readParquetRowGroupsToTable[file;groups;columns;options]`
    pq_row_groups_table, pq_row_groups_table_a, 4
);
