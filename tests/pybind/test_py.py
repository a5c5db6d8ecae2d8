"""q values to plain Python (`Q.py()`) and Python to q (`borf.toq`), every type."""

import datetime as dt
import math
import uuid

import numpy as np
import pytest

import borf
from borf import q

D = dt.date
T = dt.datetime
TD = dt.timedelta

# (q atom, its type number, Python value, the null's text)
ATOMS = [
    ("1b", -1, True, None),
    ("0x2a", -4, 42, None),
    ("7h", -5, 7, "0Nh"),
    ("7i", -6, 7, "0Ni"),
    ("7", -7, 7, "0N"),
    ("1.5e", -8, 1.5, None),
    ("1.5", -9, 1.5, None),
    ('"a"', -10, b"a", None),
    ("`abc", -11, "abc", "`"),
    ("2024.01.02D03:04:05.123456789", -12, T(2024, 1, 2, 3, 4, 5, 123456), "0Np"),
    ("2024.03m", -13, D(2024, 3, 1), "0Nm"),
    ("2024.03.04", -14, D(2024, 3, 4), "0Nd"),
    ("2024.03.04T05:06:07.008", -15, T(2024, 3, 4, 5, 6, 7, 8000), "0Nz"),
    ("1D02:03:04.000005006", -16, TD(days=1, hours=2, minutes=3, seconds=4, microseconds=5), "0Nn"),
    ("12:34", -17, TD(hours=12, minutes=34), "0Nu"),
    ("12:34:56", -18, TD(hours=12, minutes=34, seconds=56), "0Nv"),
    ("12:34:56.789", -19, TD(hours=12, minutes=34, seconds=56, milliseconds=789), "0Nt"),
]


@pytest.mark.parametrize("text,ty,value,null", ATOMS)
def test_atom(text, ty, value, null):
    r = q(text)
    assert r.type == ty
    assert r.py() == value
    if null is not None:
        n = q(null)
        assert n.type == ty
        assert n.py() in (None, "")


@pytest.mark.parametrize("text,ty,value,null", ATOMS)
def test_vector_with_null_and_empty(text, ty, value, null):
    if ty == -10:
        assert q('"ab"').py() == b"ab"
        assert q('""').py() == b""
        return
    items = f"({text};{null or text})"
    r = q(items)
    assert r.type == -ty
    got = r.py()
    assert got[0] == value
    if null is not None and ty != -11:
        assert got[1] is None
    empty = q(f"0#enlist {text}")
    assert empty.type == -ty
    assert empty.py() == []


def test_float_nulls_are_nan_and_infinities_stay():
    assert math.isnan(q("0n").py())
    assert math.isnan(q("0Ne").py())
    assert q("0w").py() == math.inf
    assert q("-0w").py() == -math.inf
    assert q("0W").py() == 2**63 - 1
    assert q("-0W").py() == -(2**63) + 1
    assert q("0Wi").py() == 2**31 - 1


def test_temporal_infinities_clamp_to_python_range():
    assert q("0Wd").py() == D.max
    assert q("-0Wd").py() == D.min
    assert q("0Wz").py() == T.max


def test_guid():
    g = q('"G"$"00000000-0000-0000-0000-000000000005"')
    assert g.type == -2
    assert g.py() == uuid.UUID(int=5)
    assert q("0Ng").py() is None
    assert q("2#0Ng").py() == [None, None]


def test_general_list_dict_table():
    assert q('(1;`a;"bc";2.5)').py() == [1, "a", b"bc", 2.5]
    assert q("`a`b!1 2").py() == {"a": 1, "b": 2}
    assert q("1 2!(`x;3 4)").py() == {1: "x", 2: [3, 4]}
    assert q("()").py() == []
    assert q("()!()").py() == {}
    t = q("([]a:1 2;b:`x`y;c:(1 2;3))")
    assert t.type == 98
    assert t.py() == {"a": [1, 2], "b": ["x", "y"], "c": [[1, 2], 3]}
    kt = q("([k:`p`q]v:1 2)")
    assert kt.type == 99
    assert kt.py() == {"k": ["p", "q"], "v": [1, 2]}
    assert q("0#([]a:1 2)").py() == {"a": []}


def test_list_keys_become_tuples():
    assert q("(1 2;3 4)!`a`b").py() == {(1, 2): "a", (3, 4): "b"}


def test_identity_and_function():
    assert q("::").py() is None
    f = q("{x}").py()
    assert isinstance(f, borf.Q)
    assert f(5).py() == 5


# Python -> q
PY = [
    (None, 101, "::"),
    (True, -1, "1b"),
    (5, -7, "5"),
    (2.5, -9, "2.5"),
    ("sym", -11, "`sym"),
    (b"chars", 10, '"chars"'),
    (T(2024, 1, 2, 3, 4, 5, 6), -12, "2024.01.02D03:04:05.000006"),
    (D(2024, 1, 2), -14, "2024.01.02"),
    (dt.time(1, 2, 3, 4000), -19, "01:02:03.004"),
    (TD(days=1, microseconds=3), -16, "1D00:00:00.000003"),
    (uuid.UUID(int=7), -2, '"G"$"00000000-0000-0000-0000-000000000007"'),
    ([1, 2, 3], 7, "1 2 3"),
    ([1, "a"], 0, "(1;`a)"),
    (["a", "b"], 11, "`a`b"),
    ((1.0, 2.0), 9, "1 2f"),
    ([], 0, "()"),
    ({"a": 1, "b": 2}, 99, "`a`b!1 2"),
]


@pytest.mark.parametrize("value,ty,text", PY)
def test_python_to_q(value, ty, text):
    x = borf.toq(value)
    assert x.type == ty
    assert x == q(text)


def test_aware_datetime_is_utc():
    tz = dt.timezone(dt.timedelta(hours=2))
    x = borf.toq(T(2024, 1, 2, 3, 0, tzinfo=tz))
    assert x == q("2024.01.02D01:00:00")


def test_int_beyond_long_is_an_error():
    with pytest.raises(OverflowError):
        borf.toq(2**70)


def test_unconvertible_is_type_error():
    with pytest.raises(TypeError):
        borf.toq(object())


NUMPY = [
    (np.array([True, False]), "10b"),
    (np.array([1, 2], dtype=np.uint8), "0x0102"),
    (np.array([1, -2], dtype=np.int8), "1 -2h"),
    (np.array([1, -2], dtype=np.int16), "1 -2h"),
    (np.array([1, -2], dtype=np.int32), "1 -2i"),
    (np.array([1, -2], dtype=np.int64), "1 -2"),
    (np.array([1, 2], dtype=np.uint16), "1 2i"),
    (np.array([1, 2], dtype=np.uint32), "1 2"),
    (np.array([1.5, 2], dtype=np.float16), "1.5 2e"),
    (np.array([1.5, 2], dtype=np.float32), "1.5 2e"),
    (np.array([1.5, np.nan]), "1.5 0n"),
    (np.array(["2024-01-02T03:04:05.000000001", "NaT"], dtype="datetime64[ns]"), "2024.01.02D03:04:05.000000001 0Np"),
    (np.array(["2024-01-02T03:04:05", "NaT"], dtype="datetime64[s]"), "2024.01.02D03:04:05 0Np"),
    (np.array(["2024-01-02", "NaT"], dtype="datetime64[D]"), "2024.01.02 0Nd"),
    (np.array(["2024-03", "NaT"], dtype="datetime64[M]"), "2024.03 0Nm"),
    (np.array([5, "NaT"], dtype="timedelta64[ns]"), "0D00:00:00.000000005 0Nn"),
    (np.array([5], dtype="timedelta64[ms]"), "enlist 0D00:00:00.005"),
    (np.array(["ab", "c"]), "`ab`c"),
    (np.array([1, "x"], dtype=object), "(1;`x)"),
    (np.array([[1, 2], [3, 4]]), "(1 2;3 4)"),
    (np.arange(10)[::2], "0 2 4 6 8"),
    (np.zeros(0), "`float$()"),
    (np.int32(7), "7i"),
    (np.float64(2.5), "2.5"),
    (np.datetime64("2024-01-02", "D"), "2024.01.02"),
]


@pytest.mark.parametrize("arr,text", NUMPY)
def test_numpy_to_q(arr, text):
    assert borf.toq(arr) == q(text)


def test_numpy_uint64_beyond_long():
    with pytest.raises(OverflowError):
        borf.toq(np.array([2**63], dtype=np.uint64))


def test_numpy_big_endian_refused():
    with pytest.raises(TypeError):
        borf.toq(np.array([1, 2], dtype=">i8"))
