"""Parquet and Arrow files between borf and DuckDB, Polars and pyarrow.

borf writes, the others read (values compared, column by column, with a
pyarrow table of the expected values); the others write, borf reads (the
q script compares with a q literal of the expected values and prints 1b).
Run by scripts/arrow-python-test, which sets BORF_BIN.
"""

import datetime as dt
import os
import subprocess
import uuid

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

BORF = os.environ.get("BORF_BIN", "target/release/borf")


def borf(script: str) -> list[str]:
    """Runs a q script through borf's pipe mode; its stdout lines."""
    r = subprocess.run([BORF], input=script, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "'" not in r.stdout, r.stdout + r.stderr
    return r.stdout.splitlines()


G = "0a369037-75d3-b24d-6721-5a1d44d4bed5"

# One row per q type with a null in the middle (booleans and bytes have none in q).
Q_TABLE = (
    "t:([]b:101b;x:0x00ff10;h:1 0N 3h;i:1 0N 3i;j:1 0N 3;e:1.5 0N 2.5e;f:-2.25 0n 4.0;"
    "s:`ibm``msft;str:(\"hello\";\"\";\"w\\303\\266rld\");"
    "p:2024.01.02D03:04:05.123456789 0N 2000.01.01D00:00:00.000000001;"
    "d:2024.01.01 0N 2000.01.01;t:12:34:56.789 0N 00:00:00.000;v:01:01:01 0N 00:00:59;"
    "n:0D00:00:00.000000012 0N 1D;g:(\"G\"$\"" + G + "\";0Ng;\"G\"$\"" + G + "\");"
    "lj:(1 2;`long$();enlist 3))\n"
)

EXPECTED = pa.table(
    {
        "b": pa.array([True, False, True]),
        "x": pa.array([0, 255, 16], pa.uint8()),
        "h": pa.array([1, None, 3], pa.int16()),
        "i": pa.array([1, None, 3], pa.int32()),
        "j": pa.array([1, None, 3], pa.int64()),
        "e": pa.array([1.5, None, 2.5], pa.float32()),
        "f": pa.array([-2.25, None, 4.0], pa.float64()),
        "s": pa.array(["ibm", None, "msft"], pa.string()),
        "str": pa.array(["hello", "", "wörld"], pa.string()),
        "p": pa.array([1704164645123456789, None, 946684800000000001], pa.timestamp("ns")),
        "d": pa.array([dt.date(2024, 1, 1), None, dt.date(2000, 1, 1)], pa.date32()),
        "t": pa.array([45296789, None, 0], pa.time32("ms")),
        "v": pa.array([3661, None, 59], pa.time32("s")),
        "n": pa.array([12, None, 86400 * 10**9], pa.duration("ns")),
        "g": pa.array([uuid.UUID(G).bytes, None, uuid.UUID(G).bytes], pa.binary(16)),
        "lj": pa.array([[1, 2], [], [3]], pa.list_(pa.int64())),
    }
)


def same_values(got: pa.Table, skip=()):
    """Each expected column equals the reader's column cast to its type."""
    for name in EXPECTED.column_names:
        if name in skip:
            continue
        want = EXPECTED.column(name).combine_chunks()
        have = got.column(name).combine_chunks()
        if pa.types.is_dictionary(have.type):
            have = have.dictionary_decode()
        have = have.cast(want.type)
        if pa.types.is_timestamp(want.type) or pa.types.is_duration(want.type):
            # nanoseconds: compare the counts (datetime.datetime has microseconds)
            want, have = want.cast(pa.int64()), have.cast(pa.int64())
        assert have.to_pylist() == want.to_pylist(), name


@pytest.fixture
def borf_parquet(tmp_path):
    f = tmp_path / "all.parquet"
    assert borf(Q_TABLE + f'.arrowkdb.pq.writeParquetFromTable["{f}";t;::]\n') == []
    return f


def test_pyarrow_reads_borf_parquet(borf_parquet):
    same_values(pq.read_table(borf_parquet))


def test_polars_reads_borf_parquet(borf_parquet):
    same_values(pl.read_parquet(borf_parquet).to_arrow())


def test_duckdb_reads_borf_parquet(borf_parquet):
    got = duckdb.sql(f"select * from read_parquet('{borf_parquet}')").to_arrow_table()
    same_values(got)
    # and queries it: symbols as strings, nulls as NULL
    assert duckdb.sql(f"select count(*) from '{borf_parquet}' where s is null").fetchall() == [(1,)]
    assert duckdb.sql(f"select sum(j) from '{borf_parquet}'").fetchall() == [(4,)]


def test_borf_ipc_file_and_stream(tmp_path):
    f, s = tmp_path / "all.arrow", tmp_path / "all.stream"
    borf(
        Q_TABLE
        + f'.arrowkdb.ipc.writeArrowFromTable["{f}";t;::]\n'
        + f'.arrowkdb.ipc.writeArrowFromTable["{s}";t;(enlist`FORMAT)!enlist`stream]\n'
    )
    same_values(ipc.open_file(f).read_all())
    same_values(ipc.open_stream(s).read_all())
    same_values(pl.read_ipc(f).to_arrow())


def test_borf_reads_pyarrow_files(tmp_path):
    f = tmp_path / "pa.parquet"
    pq.write_table(EXPECTED, f)
    a = tmp_path / "pa.arrow"
    with ipc.new_file(a, EXPECTED.schema) as w:
        w.write_table(EXPECTED)
    out = borf(
        Q_TABLE
        + f'r:.arrowkdb.pq.readParquetToTable["{f}";(enlist`STRINGS_AS_SYMBOLS)!enlist 1b]\n'
        + "(delete str,v from t)~delete str,v from r\n"
        # Parquet has no time in seconds: pyarrow stores milliseconds
        + "(`time$t`v)~r`v\n"
        + f'r:.arrowkdb.pq.readParquetToTable["{f}";::]\n'
        + "(exec str from t)~exec str from r\n"
        + f'r:.arrowkdb.ipc.readArrowToTable["{a}";(enlist`STRINGS_AS_SYMBOLS)!enlist 1b]\n'
        + "(delete str from t)~delete str from r\n"
    )
    assert out == ["1b"] * 4


def test_borf_reads_duckdb_parquet(tmp_path):
    f = tmp_path / "duck.parquet"
    duckdb.sql(
        "copy (select * from (values "
        "(1::bigint, 1.5::double, 'ibm', date '2024-01-01', timestamp '2024-01-02 03:04:05.123456', true),"
        "(null, null, null, null, null, null),"
        "(3, -2.0, 'msft', date '2000-01-01', timestamp '2000-01-01 00:00:00', false)"
        ") v(j, f, s, d, p, b)) to '" + str(f) + "' (format parquet)"
    )
    out = borf(
        f'r:.arrowkdb.pq.readParquetToTable["{f}";(enlist`STRINGS_AS_SYMBOLS)!enlist 1b]\n'
        "r~([]j:1 0N 3;f:1.5 0n -2.0;s:`ibm``msft;d:2024.01.01 0N 2000.01.01;"
        "p:2024.01.02D03:04:05.123456000 0N 2000.01.01D00:00:00.000000000;b:100b)\n"
    )
    assert out == ["1b"]


def test_borf_reads_polars_parquet(tmp_path):
    f = tmp_path / "polars.parquet"
    df = pl.DataFrame(
        {
            "j": [1, None, 3],
            "f": [1.5, None, -2.0],
            "s": pl.Series(["ibm", None, "msft"], dtype=pl.Categorical),
            "str": ["a", None, "ccc"],
            "d": [dt.date(2024, 1, 1), None, dt.date(2000, 1, 1)],
            "p": pl.Series([1704164645123456789, None, 946684800000000001]).cast(pl.Datetime("ns")),
            "n": pl.Series([12, None, 1000]).cast(pl.Duration("ns")),
            "lj": [[1, 2], [], [3]],
        }
    )
    df.write_parquet(f)
    out = borf(
        f'r:.arrowkdb.pq.readParquetToTable["{f}";::]\n'
        "r~([]j:1 0N 3;f:1.5 0n -2.0;s:`ibm``msft;str:(enlist\"a\";\"\";\"ccc\");"
        "d:2024.01.01 0N 2000.01.01;p:2024.01.02D03:04:05.123456789 0N 2000.01.01D00:00:00.000000001;"
        "n:0D00:00:00.000000012 0N 0D00:00:00.000001;lj:(1 2;`long$();enlist 3))\n"
    )
    assert out == ["1b"]
    # Polars' IPC files (string views, dictionaries) too
    a = tmp_path / "polars.arrow"
    df.write_ipc(a)
    out = borf(f'r:.arrowkdb.ipc.readArrowToTable["{a}";::]\n' "`j`f`s`str`d`p`n`lj~cols r\n" "r[`s]~`ibm``msft\n")
    assert out == ["1b", "1b"]


def test_duckdb_reads_borf_hive_partitions(tmp_path):
    out = tmp_path / "hive"
    borf(
        "t:([]date:2024.01.02 2024.01.02 2024.01.03;sym:`a`b`a;price:1.5 2.5 3.5)\n"
        f'.arrowkdb.pq.writeHive["{out}";`t;(enlist`PARTITION_BY)!enlist`date];\n'
    )
    rows = duckdb.sql(
        f"select date, sym, price from read_parquet('{out}/*/*.parquet', hive_partitioning=true) "
        "order by date, sym"
    ).fetchall()
    assert rows == [
        (dt.date(2024, 1, 2), "a", 1.5),
        (dt.date(2024, 1, 2), "b", 2.5),
        (dt.date(2024, 1, 3), "a", 3.5),
    ]


def test_borf_loads_duckdb_hive_partitions(tmp_path):
    db = tmp_path / "db"
    duckdb.sql(
        "copy (select * from (values "
        "(date '2024-01-02', 'AAPL', 10.5::double, 100::bigint),"
        "(date '2024-01-02', 'MSFT', 20.0, 200),"
        "(date '2024-01-03', 'AAPL', 11.0, 300)"
        f") v(date, sym, price, size)) to '{db}' (format parquet, partition_by (date))"
    )
    # DuckDB names each partition's file data_0.parquet: the table is data_0
    out = borf(
        f"\\l {db}\n"
        "(select from data_0)~([]date:2024.01.02 2024.01.02 2024.01.03;sym:`AAPL`MSFT`AAPL;"
        "price:10.5 20 11.0;size:100 200 300)\n"
        "(select sum size by sym from data_0 where date=2024.01.02)~([sym:`AAPL`MSFT]size:100 200)\n"
    )
    assert out == ["1b", "1b"]
