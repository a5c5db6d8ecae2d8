"""q values to and from pyarrow, Polars, pandas and numpy through the Arrow C
data interface; zero-copy hand-over of large results."""

import datetime as dt
import math
import time

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import borf
from borf import q

# one column per q type, each with a null where the type has one
COLUMNS = {
    "b": "10b",
    "g": '("G"$"00000000-0000-0000-0000-000000000001";0Ng)',
    "x": "0x01ff",
    "h": "1 0Nh",
    "i": "1 0Ni",
    "j": "1 0N",
    "e": "1.5 0Ne",
    "f": "1.5 0n",
    "c": '"ab"',
    "s": "`a`",
    "p": "2024.01.02D03:04:05.123456789 0Np",
    "m": "2024.03 0Nm",
    "d": "2024.03.04 0Nd",
    "z": "2024.03.04T05:06:07.008 0Nz",
    "n": "0D01:02:03.000000004 0Nn",
    "u": "12:34 0Nu",
    "v": "12:34:56 0Nv",
    "t": "12:34:56.789 0Nt",
    "C": '("ab";"")',
    "J": "(1 2;3 4 5)",
}


@pytest.mark.parametrize("letter", list(COLUMNS))
def test_pyarrow_round_trip_every_type(letter):
    t = q(f"([]x:{COLUMNS[letter]})")
    at = t.pa()
    assert isinstance(at, pa.Table)
    assert at.num_rows == 2
    q["rt"] = at
    assert q("rt") == t, (letter, repr(q("rt")))


@pytest.mark.parametrize("letter", list(COLUMNS))
def test_empty_columns_round_trip(letter):
    t = q(f"0#([]x:{COLUMNS[letter]})")
    at = t.pa()
    assert at.num_rows == 0
    q["rt"] = at
    assert q("count rt").py() == 0
    assert q("cols rt").py() == ["x"]


def test_nulls_are_arrow_nulls():
    t = q("([]j:1 0N;f:1.5 0n;s:`a`;p:2024.01.02D0 0Np;d:2024.01.02 0Nd)")
    at = t.pa()
    for name in ["j", "f", "p", "d"]:
        assert at.column(name).null_count == 1, name
    d = at.to_pydict()
    assert d["j"] == [1, None]
    assert d["d"] == [dt.date(2024, 1, 2), None]
    # the null symbol (the empty one) is an Arrow null
    assert d["s"] == ["a", None]


def test_arrow_types():
    t = q("([]j:1 2;f:1 2f;s:`a`b;p:2#2024.01.02D0;d:2#2024.01.02;n:2#0D00:00:01;b:10b)")
    s = t.pa().schema
    assert s.field("j").type == pa.int64()
    assert s.field("f").type == pa.float64()
    assert s.field("s").type in (pa.string(), pa.large_string())
    assert s.field("p").type == pa.timestamp("ns")
    assert s.field("d").type == pa.date32()
    assert s.field("n").type == pa.duration("ns")
    assert s.field("b").type == pa.bool_()


def test_polars():
    t = q("([]a:1 2 0N;b:`x`y`z;c:1.5 2.5 0n;d:2024.01.01 2024.01.02 0Nd)")
    df = t.pl()
    assert isinstance(df, pl.DataFrame)
    assert df.columns == ["a", "b", "c", "d"]
    assert df["a"].to_list() == [1, 2, None]
    assert df["b"].to_list() == ["x", "y", "z"]
    assert df["c"][0] == 1.5 and df["c"].is_null()[2]
    assert df["d"].to_list() == [dt.date(2024, 1, 1), dt.date(2024, 1, 2), None]
    s = q("1 2 3").pl()
    assert isinstance(s, pl.Series)
    assert s.to_list() == [1, 2, 3]


def test_pandas():
    t = q("([]a:1 2;b:`x`y;p:2024.01.02D03:04:05.000000001 2024.01.03D0)")
    df = t.pd()
    assert isinstance(df, pd.DataFrame)
    assert list(df["a"]) == [1, 2]
    assert list(df["b"]) == ["x", "y"]
    assert df["p"][0] == pd.Timestamp("2024-01-02T03:04:05.000000001")
    kt = q("([k:`p`q]v:1 2)").pd()
    assert list(kt.index) == ["p", "q"]
    assert list(kt["v"]) == [1, 2]
    s = q("`a`b!10 20").pd()
    assert list(s.index) == ["a", "b"] and list(s) == [10, 20]
    assert list(q("1.5 2.5").pd()) == [1.5, 2.5]


def test_numpy():
    a = q("til 5").np()
    assert isinstance(a, np.ndarray)
    assert a.dtype == np.int64
    assert list(a) == [0, 1, 2, 3, 4]
    p = q("2#2024.01.02D03:04:05.000000001").np()
    assert p.dtype == np.dtype("datetime64[ns]")
    assert p[0] == np.datetime64("2024-01-02T03:04:05.000000001")
    f = q("1.5 0n").np()
    assert f[0] == 1.5 and math.isnan(f[1])
    assert q("7i").np() == np.int32(7)
    rec = q("([]a:1 2;b:1.5 2.5)").np()
    assert list(rec["a"]) == [1, 2] and list(rec["b"]) == [1.5, 2.5]


def test_atoms_to_frames():
    assert q("5").pa() == pa.scalar(5)
    assert q("5").pl() == 5
    assert q("5").pd() == 5


@pytest.mark.parametrize(
    "frame",
    [
        lambda: pl.DataFrame({"a": [1, 2, None], "b": ["x", "y", None], "c": [1.5, None, 3.0]}),
        lambda: pd.DataFrame({"a": pd.array([1, 2, None], dtype="Int64"), "b": ["x", "y", None], "c": [1.5, None, 3.0]}),
        lambda: pa.table({"a": [1, 2, None], "b": ["x", "y", None], "c": [1.5, None, 3.0]}),
    ],
    ids=["polars", "pandas", "pyarrow"],
)
def test_set_global_from_frames(frame):
    q["ft"] = frame()
    assert q("ft") == q("([]a:1 2 0N;b:`x`y`;c:1.5 0n 3)")


def test_frame_dates_and_times_to_q():
    df = pl.DataFrame(
        {
            "d": [dt.date(2024, 1, 2)],
            "p": [dt.datetime(2024, 1, 2, 3, 4, 5)],
            "n": [dt.timedelta(seconds=1)],
        }
    )
    q["ft2"] = df
    assert q("ft2`d") == q("enlist 2024.01.02")
    assert q("ft2`p") == q("enlist 2024.01.02D03:04:05")
    assert q("ft2`n") == q("enlist 0D00:00:01")


def test_series_and_arrays_to_q():
    assert borf.toq(pl.Series([1, 2, 3])) == q("1 2 3")
    assert borf.toq(pa.array([1.5, None])) == q("1.5 0n")
    assert borf.toq(pd.Series([1, 2])) == q("1 2")
    assert borf.toq(pa.chunked_array([[1, 2], [3]])) == q("1 2 3")


def test_frame_as_function_argument():
    df = pl.DataFrame({"a": [1, 2, 3]})
    assert q("{exec sum a from x}", df).py() == 6


def test_keyed_table_round_trip():
    kt = q("([k:`p`q]v:1 2)")
    q["kt2"] = kt.pa()
    assert q("kt2") == kt
    assert kt.pl().columns == ["k", "v"]


def test_query_result_to_polars():
    q("trade:([]sym:`a`b`a`c;price:10 20 30 40f;size:1 2 3 4)")
    df = q("select sum size by sym from trade where price>10").pl()
    assert df.sort("sym")["size"].to_list() == [3, 2, 4]


def test_zero_copy_hand_over_of_10m_rows():
    n = 10_000_000
    q(f"big:([]a:til {n};f:{n}?1f)")
    col = q("big`a")
    fcol = q("big`f")
    t0 = time.perf_counter()
    df = q("big").pl()
    elapsed = time.perf_counter() - t0
    assert df.height == n
    # the Polars columns are q's buffers, not copies
    # (to_numpy(allow_copy=False) raises rather than copy: it shows Polars' own buffer)
    assert df["a"].to_numpy(allow_copy=False).ctypes.data == col._data_address()
    assert df["f"].to_numpy(allow_copy=False).ctypes.data == fcol._data_address()
    t0 = time.perf_counter()
    at = q("big").pa()
    elapsed_pa = time.perf_counter() - t0
    assert at.column("a").chunk(0).buffers()[1].address == col._data_address()
    a = q("big`a").np()
    assert a.ctypes.data == col._data_address()
    print(f"\n10M rows to Polars {elapsed * 1e3:.2f} ms, to pyarrow {elapsed_pa * 1e3:.2f} ms")
    # no copy: what remains is one read of each column for its nulls (a
    # validity bitmap is only built when there are some), a few ms per 80 MB
    # column; the bound is generous for a loaded machine
    assert elapsed < 0.25 and elapsed_pa < 0.25


def test_hand_over_of_a_where_result_is_o1():
    # a 10M-row result of a where clause over a table built by `n?`: every
    # column is known null-free (`n?` draws, then a gather by the rows in
    # range), so the hand-over to Polars neither copies nor scans
    n = 12_500_000
    q(f"nt:([]j:{n}?100;f:{n}?1f;i:{n}?1000i)")
    q("nr:select from nt where j<80")
    rows = q("count nr").py()
    assert rows > 9_900_000
    cols = ["j", "f", "i"]
    for c in cols:
        assert q(f"nr`{c}")._known_no_nulls(), c
    addresses = {c: q(f"nr`{c}")._data_address() for c in cols}
    t0 = time.perf_counter()
    df = q("nr").pl()
    known = time.perf_counter() - t0
    assert df.height == rows
    for c in cols:
        assert df[c].to_numpy(allow_copy=False).ctypes.data == addresses[c], c
    # the same values through arithmetic are not known null-free: the first
    # hand-over scans every column for q's nulls (and keeps the answer),
    # the second is free again
    q("nu:select j:j+0,f:f*1,i:i+0i from nr")
    assert not q("nu`j")._known_no_nulls()
    t0 = time.perf_counter()
    q("nu").pl()
    scanned = time.perf_counter() - t0
    assert q("nu`j")._known_no_nulls() and q("nu`f")._known_no_nulls()
    t0 = time.perf_counter()
    q("nu").pl()
    cached = time.perf_counter() - t0
    # a column with a null still hands Polars a null
    q("nn:update j:@[j;7;:;0N] from nr")
    assert not q("nn`j")._known_no_nulls()
    assert q("nn").pl()["j"].null_count() == 1
    print(
        f"\n{rows} rows x 3 columns to Polars: known null-free {known * 1e3:.2f} ms, "
        f"not known (scanned) {scanned * 1e3:.2f} ms, after the scan {cached * 1e3:.2f} ms"
    )
    q("delete nt,nr,nu,nn from `.")


# What a q column comes back as after a round trip through Polars or pandas:
# they keep Arrow's type but not borf's type letter, so q types that share an
# Arrow type come back as the plain one (docs/PYTHON.md); values are kept.
THROUGH_FRAMES = {
    "g": "X",  # FixedSizeBinary(16) becomes binary: byte vectors
    "c": "s",  # a string column becomes symbols, as PyKX reads pandas strings
    "C": "s",
    "m": "d",  # Date32
    "z": "p",  # Timestamp(ms)
    "u": "n",  # Time32/Time64: Polars' and pandas' time of day
    "v": "n",
    "t": "n",
}


@pytest.mark.parametrize("via", ["pl", "pd"])
@pytest.mark.parametrize("letter", list(COLUMNS))
def test_round_trip_through_polars_and_pandas(letter, via):
    t = q(f"([]x:{COLUMNS[letter]})")
    q["rt"] = getattr(t, via)()
    want = THROUGH_FRAMES.get(letter, letter)
    assert q("exec first t from meta rt").py() == want.encode()
    if want == letter:
        assert q("rt") == t
    else:
        assert q("count rt").py() == 2


def test_pandas_integer_nulls_stay_integers():
    df = q("([]h:1 0Nh;i:1 0Ni;j:1 0N;k:1 2)").pd()
    assert str(df["j"].dtype) == "Int64"
    assert str(df["i"].dtype) == "Int32"
    assert str(df["h"].dtype) == "Int16"
    assert df["j"].isna().tolist() == [False, True]
    assert df["k"].dtype == np.int64
    s = q("1 0N").pd()
    assert str(s.dtype) == "Int64"


def test_partitioned_table_is_its_rows(tmp_path):
    db = tmp_path / "db"
    here = q("system\"cd\"").py().decode()
    # (the path as a string: pytest's directories have '-', which ends a
    # symbol literal); .Q.dpft sorts each partition by s
    write = q('{[d;p;x] t::x; .Q.dpft[`$":",d;p;`s;`t]}')
    write(str(db).encode(), dt.date(2024, 1, 1), q("([]a:1 2;s:`x`y)"))
    write(str(db).encode(), dt.date(2024, 1, 2), q("([]a:3 4;s:`z`x)"))
    try:
        q(f"\\l {db}")
        want = {
            "date": [dt.date(2024, 1, 1)] * 2 + [dt.date(2024, 1, 2)] * 2,
            "s": ["x", "y", "x", "z"],
            "a": [1, 2, 4, 3],
        }
        assert q("t").py() == want
        assert q["t"].pl()["a"].to_list() == [1, 2, 4, 3]
        assert q("select from t where date=2024.01.02").py()["a"] == [4, 3]
    finally:
        q(f"\\cd {here}")
