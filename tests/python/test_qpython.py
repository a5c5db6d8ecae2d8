"""borf -p PORT against the third-party Python client qPython (issue 7).

Run by scripts/ipc-python-test (which makes the venv); directly:
target/ipc-venv/bin/python -m pytest tests/python -q
"""

import socket
import struct
import uuid

import numpy
import pytest
from conftest import Server
from qpython import qconnection
from qpython.qcollection import QDictionary, QKeyedTable, QTable, qlist, qtable
from qpython.qtype import (
    QException,
    QLONG_LIST,
    QSYMBOL_LIST,
    QLambda,
)
from qpython.qwriter import QWriter

SYNC = qconnection.MessageType.SYNC


def raw(x):
    """A temporal atom's numpy value (qPython wraps them in QTemporal)."""
    return getattr(x, "raw", x)


# ---------------------------------------------------------------------------
# atoms of every type


ATOMS = [
    ("1b", numpy.bool_, True),
    ("0x2a", numpy.int8, 42),
    ("-7h", numpy.int16, -7),
    ("123456i", numpy.int32, 123456),
    ("-9007199254740993", numpy.int64, -9007199254740993),
    ("1.5e", numpy.float32, 1.5),
    ("2.25", numpy.float64, 2.25),
    ('"c"', bytes, b"c"),
    ("`sym", numpy.bytes_, b"sym"),
]


@pytest.mark.parametrize("expr,ty,value", ATOMS, ids=[a[0] for a in ATOMS])
def test_numeric_and_text_atoms(q, expr, ty, value):
    r = q.sendSync(expr)
    assert isinstance(r, ty), type(r)
    assert r == value


TEMPORALS = [
    ("2024.01.02D03:04:05.123456789", -12, numpy.datetime64("2024-01-02T03:04:05.123456789", "ns")),
    ("2024.03m", -13, numpy.datetime64("2024-03", "M")),
    ("2024.01.02", -14, numpy.datetime64("2024-01-02", "D")),
    ("2024.01.02T03:04:05.123", -15, numpy.datetime64("2024-01-02T03:04:05.123", "ms")),
    ("0D01:02:03.000000004", -16, numpy.timedelta64(3723000000004, "ns")),
    ("01:02", -17, numpy.timedelta64(62, "m")),
    ("01:02:03", -18, numpy.timedelta64(3723, "s")),
    ("01:02:03.004", -19, numpy.timedelta64(3723004, "ms")),
]


@pytest.mark.parametrize("expr,qtype,value", TEMPORALS, ids=[t[0] for t in TEMPORALS])
def test_temporal_atoms(q, expr, qtype, value):
    r = q.sendSync(expr)
    assert r.meta.qtype == qtype
    assert raw(r) == value


def test_guid_atom(q):
    g = "0a369037-75d3-b24d-6721-5a1d44d4bed5"
    assert q.sendSync(f'"G"$"{g}"') == uuid.UUID(g)
    # and back: a UUID sent from Python
    assert q.sendSync("{string x}", uuid.UUID(g)) == g.encode()


def test_atoms_sent_from_python_keep_their_type(q):
    cases = [
        (numpy.bool_(True), "-1h"),
        (numpy.int8(1), "-4h"),
        (numpy.int16(1), "-5h"),
        (numpy.int32(1), "-6h"),
        (numpy.int64(1), "-7h"),
        (numpy.float32(1), "-8h"),
        (numpy.float64(1), "-9h"),
        (numpy.bytes_(b"a"), "-11h"),
    ]
    for v, t in cases:
        assert q.sendSync("{type x}", v) == int(t[:-1]), (v, t)


# ---------------------------------------------------------------------------
# vectors, lists, dicts, tables


def test_vectors(q):
    r = q.sendSync("1 2 3")
    assert abs(r.meta.qtype) == QLONG_LIST  # qPython keeps the item type
    assert list(r) == [1, 2, 3]
    assert list(q.sendSync("1.5 2.5")) == [1.5, 2.5]
    assert list(q.sendSync("0101b")) == [False, True, False, True]
    assert list(q.sendSync("1 2 3h")) == [1, 2, 3]
    assert list(q.sendSync("1 2 3i")) == [1, 2, 3]
    assert list(q.sendSync("0x0102ff")) == [1, 2, -1]
    assert q.sendSync('"hello"') == b"hello"
    s = q.sendSync("`a`bc`def")
    assert abs(s.meta.qtype) == QSYMBOL_LIST
    assert list(s) == [b"a", b"bc", b"def"]
    d = q.sendSync("2024.01.01 2024.01.02")
    assert [d[i].raw for i in range(2)] == [numpy.datetime64("2024-01-01"), numpy.datetime64("2024-01-02")]
    tm = q.sendSync("00:00:01.000 00:00:02.000")
    assert [tm[i].raw for i in range(2)] == [numpy.timedelta64(1000, "ms"), numpy.timedelta64(2000, "ms")]
    # vectors with attributes still decode
    assert list(q.sendSync("`s#1 2 3")) == [1, 2, 3]
    assert list(q.sendSync("`u#`a`b")) == [b"a", b"b"]
    # an empty vector
    assert len(q.sendSync("`long$()")) == 0


def test_general_list(q):
    r = q.sendSync('(1;`a;"xy";2.5;(1 2;`b))')
    assert r[0] == 1 and r[1] == b"a" and r[2] == b"xy" and r[3] == 2.5
    assert list(r[4][0]) == [1, 2] and r[4][1] == b"b"


def test_dict(q):
    d = q.sendSync("`a`b`c!1 2 3")
    assert isinstance(d, QDictionary)
    assert list(d.keys) == [b"a", b"b", b"c"]
    assert list(d.values) == [1, 2, 3]
    assert dict(d.iteritems()) == {b"a": 1, b"b": 2, b"c": 3}


def test_table(q):
    t = q.sendSync("([]a:1 2 3;b:`x`y`z;c:1.5 2.5 3.5)")
    assert isinstance(t, QTable)
    assert t.dtype.names == ("a", "b", "c")
    assert list(t["a"]) == [1, 2, 3]
    assert list(t["b"]) == [b"x", b"y", b"z"]
    assert list(t["c"]) == [1.5, 2.5, 3.5]
    # a select over a server-side table
    r = q.sendSync("select from t where a>1")
    assert list(r["b"]) == [b"y", b"z"]


def test_keyed_table(q):
    kt = q.sendSync("([k:1 2 3] v:`a`b`c; w:10 20 30f)")
    assert isinstance(kt, QKeyedTable)
    assert list(kt.keys["k"]) == [1, 2, 3]
    assert list(kt.values["v"]) == [b"a", b"b", b"c"]
    assert list(kt.values["w"]) == [10.0, 20.0, 30.0]


def test_function_object(q):
    r = q.sendSync("{x+y}")
    assert isinstance(r, QLambda)
    assert r.expression == "{x+y}"
    # and a lambda sent from Python is applied
    assert q.sendSync(QLambda("{x*2}"), numpy.int64(21)) == 42


# ---------------------------------------------------------------------------
# nulls


def test_nulls(q):
    assert q.sendSync("0N") == numpy.iinfo(numpy.int64).min
    assert q.sendSync("0Nh") == numpy.iinfo(numpy.int16).min
    assert q.sendSync("0Ni") == numpy.iinfo(numpy.int32).min
    assert numpy.isnan(q.sendSync("0n"))
    assert numpy.isnan(q.sendSync("0Ne"))
    assert q.sendSync("`") == b""
    assert q.sendSync('" "') == b" "
    assert q.sendSync("0Ng") == uuid.UUID(int=0)
    assert numpy.isnat(raw(q.sendSync("0Np")))
    assert numpy.isnat(raw(q.sendSync("0Nd")))
    assert numpy.isnat(raw(q.sendSync("0Nm")))
    assert numpy.isnat(raw(q.sendSync("0Nz")))
    assert numpy.isnat(raw(q.sendSync("0Nn")))
    assert numpy.isnat(raw(q.sendSync("0Nu")))
    assert numpy.isnat(raw(q.sendSync("0Nv")))
    assert numpy.isnat(raw(q.sendSync("0Nt")))
    v = q.sendSync("1 0N 3")
    assert list(v) == [1, numpy.iinfo(numpy.int64).min, 3]
    f = q.sendSync("1 0n 3")
    assert numpy.isnan(f[1]) and f[2] == 3.0
    d = q.sendSync("2024.01.01 0N 2024.01.03")
    assert numpy.isnat(d[1].raw) and d[2].raw == numpy.datetime64("2024-01-03")
    t = q.sendSync("([]a:1 0N;b:`x`)")
    assert t["a"][1] == numpy.iinfo(numpy.int64).min and t["b"][1] == b""
    # the generic null (::)
    assert q.sendSync("::") is None


# ---------------------------------------------------------------------------
# errors


def test_errors(q):
    with pytest.raises(QException) as e:
        q.sendSync("1+`a")
    assert e.value.args[0] == b"type"
    with pytest.raises(QException) as e:
        q.sendSync("'\"boom\"")
    assert e.value.args[0] == b"boom"
    with pytest.raises(QException) as e:
        q.sendSync("{x+y}", numpy.int64(1), b"a")
    assert e.value.args[0] == b"type"
    with pytest.raises(QException):
        q.sendSync("undefined_name_xyz")
    # the connection is still fine after errors
    assert q.sendSync("1+1") == 2


# ---------------------------------------------------------------------------
# arguments sent from Python


def test_function_call_with_arguments(q):
    assert q.sendSync("mul", numpy.int64(6), numpy.int64(7)) == 42
    assert q.sendSync("{x+y}", numpy.int64(1), numpy.int64(2)) == 3
    assert list(q.sendSync("{x*2}", numpy.array([1, 2, 3]))) == [2, 4, 6]
    assert q.sendSync("{count x}", qlist(["a", "b"], qtype=QSYMBOL_LIST)) == 2
    d = QDictionary(qlist([1, 2], qtype=QLONG_LIST), qlist(["x", "y"], qtype=QSYMBOL_LIST))
    assert q.sendSync("{x 2}", d) == b"y"


def test_table_sent_from_python(q):
    t = qtable(
        ["a", "b", "c"],
        [
            qlist([1, 2, 3], qtype=QLONG_LIST),
            qlist(["x", "y", "z"], qtype=QSYMBOL_LIST),
            numpy.array([1.5, 2.5, 3.5]),
        ],
    )
    assert q.sendSync("{count x}", t) == 3
    assert list(q.sendSync("{cols x}", t)) == [b"a", b"b", b"c"]
    assert q.sendSync("{exec sum a from x}", t) == 6
    assert q.sendSync("{x~([]a:1 2 3;b:`x`y`z;c:1.5 2.5 3.5)}", t) == True  # noqa: E712
    # a round trip
    back = q.sendSync("{x}", t)
    assert list(back["b"]) == [b"x", b"y", b"z"]
    # store it on the server, query it later
    q.sendSync("{`pt set x}", t)
    assert q.sendSync("exec a from pt where b<>`y").tolist() == [1, 3]


def test_keyed_table_sent_from_python(q):
    kt = q.sendSync("([k:1 2] v:`a`b)")
    assert q.sendSync("{x~([k:1 2] v:`a`b)}", kt) == True  # noqa: E712


# ---------------------------------------------------------------------------
# async, ordering


def test_async_then_sync_ordering(q):
    q.sendAsync("ord:()")
    for i in range(200):
        q.sendAsync("{ord::ord,x}", numpy.int64(i))
    # the sync request is answered after every earlier async message ran
    assert list(q.sendSync("ord")) == list(range(200))
    q.sendAsync("a1:1")
    q.sendAsync("a1+:1")
    assert q.sendSync("a1") == 2


def test_async_errors_are_not_sent_back(q):
    q.sendAsync("1+`a")
    q.sendAsync("'\"quiet\"")
    assert q.sendSync("1+1") == 2


# ---------------------------------------------------------------------------
# size, compression


def test_result_over_one_megabyte(q):
    n = 300_000  # 2.4 MB of longs
    r = q.sendSync(f"til {n}")
    assert len(r) == n
    assert numpy.array_equal(r, numpy.arange(n))
    s = q.sendSync(f'{n}#"abc"')
    assert len(s) == n and s[:6] == b"abcabc"
    t = q.sendSync(f"([]a:til {n};b:{n}#`x`y`z)")
    assert len(t) == n and t["b"][n - 1] == b"z"


def test_large_argument_from_python(q):
    a = numpy.arange(500_000, dtype=numpy.int64)
    assert q.sendSync("{sum x}", a) == int(a.sum())


def compress(msg: bytes) -> bytes:
    """kdb+'s IPC compression (c.java's `compress`, independent of borf's
    Rust one): returns the compressed message, or the input when it does
    not shrink to under half."""
    y = msg
    t = len(y)
    out = bytearray(t // 2)
    if len(out) < 17:
        return msg
    out[0:4] = y[0:4]
    out[2] = 1
    out[8:12] = struct.pack("<i", t)
    a = [0] * 256
    i = 0
    f = 0
    c = 12
    d = c
    e = len(out)
    s = 8
    s0 = 0
    h0 = 0
    h = 0
    while s < t:
        if i == 0:
            if d > e - 17:
                return msg
            i = 1
            out[c] = f
            c = d
            d += 1
            f = 0
        g = s > t - 3
        if not g:
            h = y[s] ^ y[s + 1]
            p = a[h]
            g = p == 0 or y[s] != y[p]
        if s0 > 0:
            a[h0] = s0
            s0 = 0
        if g:
            h0 = h
            s0 = s
            out[d] = y[s]
            d += 1
            s += 1
        else:
            a[h] = s
            f |= i
            p += 2
            s += 2
            r = s
            q = min(s + 255, t)
            while y[p] == y[s]:
                s += 1
                if s >= q:
                    break
                p += 1
            out[d] = h
            out[d + 1] = s - r
            d += 2
        i = (i * 2) & 0xFF
    out[c] = f
    out[4:8] = struct.pack("<i", d)
    return bytes(out[:d])


def test_compressed_request_from_python(q):
    """qPython never compresses (kdb+ clients compress only for non-local
    peers): serialize with qPython's writer, compress, send it raw and read
    the answer with qPython's reader."""
    arg = numpy.tile(numpy.arange(100, dtype=numpy.int64), 200)  # 20,000 longs
    plain = QWriter(None, protocol_version=q.protocol_version).write(["{(count x;sum x)}", arg], SYNC)
    packed = compress(plain)
    assert packed[2] == 1 and len(packed) < len(plain) // 2, (len(packed), len(plain))
    q._connection.sendall(packed)
    r = q.receive(data_only=False)
    assert r.type == qconnection.MessageType.RESPONSE
    assert list(r.data) == [20_000, 200 * 4950]
    # a compressed q expression (a string message)
    text = "count " + " ".join(["1"] * 3000)
    packed = compress(QWriter(None, protocol_version=3).write(text, SYNC))
    assert packed[2] == 1
    q._connection.sendall(packed)
    assert q.receive() == 3000
    # an async compressed message followed by a sync one: still in order
    packed = compress(QWriter(None, protocol_version=3).write(["{`big set x}", arg], qconnection.MessageType.ASYNC))
    q._connection.sendall(packed)
    assert q.sendSync("count big") == 20_000


@pytest.fixture(scope="module")
def compressing_server():
    s = Server(env={"BORF_IPC_COMPRESS": "1"})
    yield s
    s.stop()


def test_compressed_response_to_python(compressing_server):
    q = compressing_server.connect()
    try:
        q.query(SYNC, "20000#til 100")
        m = q.receive(data_only=False)
        assert m.is_compressed
        assert m.size < 20_000 * 8 // 2
        assert numpy.array_equal(m.data, numpy.tile(numpy.arange(100), 200))
        q.query(SYNC, "([]a:5000#1 2 3;b:5000#`x`y)")
        m = q.receive(data_only=False)
        assert m.is_compressed
        assert list(m.data["b"][:3]) == [b"x", b"y", b"x"]
        # small and incompressible messages stay plain
        q.query(SYNC, "1+1")
        m = q.receive(data_only=False)
        assert not m.is_compressed and m.data == 2
    finally:
        q.close()


def test_no_compression_to_local_peer_by_default(q):
    q.query(SYNC, "20000#til 100")
    m = q.receive(data_only=False)
    assert not m.is_compressed
    assert len(m.data) == 20_000


# ---------------------------------------------------------------------------
# connections


def test_reconnect(server):
    q = server.connect()
    q.sendSync("{`persist set x}", numpy.int64(7))
    q.close()
    assert not q.is_connected()
    q.open()  # the same QConnection reconnects
    assert q.sendSync("persist") == 7
    # the server drops us (hclose .z.w): the next request fails, a reopen works
    q.sendAsync("hclose .z.w")
    with pytest.raises(Exception):
        q.sendSync("1+1")
        q.sendSync("1+1")
    q.close()
    q.open()
    assert q.sendSync("persist+1") == 8
    q.close()


def test_many_connections_and_handles(server):
    cs = [server.connect() for _ in range(10)]
    try:
        hs = [c.sendSync(".z.w") for c in cs]
        assert len(set(int(h) for h in hs)) == 10
        for i, c in enumerate(cs):
            c.sendAsync("{`v set x}", numpy.int64(i))
            assert c.sendSync("v") == i
    finally:
        for c in cs:
            c.close()


def test_handlers_and_user(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text("ann:pw\nbob:5ebe2294ecd0e0f08eab7690d2a6ee69\n")  # bob: md5 of "secret"
    s = Server(".z.po:{`opened set x}\n", args=["-u", str(users)])
    try:
        q = s.connect(username="ann", password="pw")
        assert q.sendSync(".z.u") == b"ann"
        assert q.sendSync("opened=.z.w") == True  # noqa: E712
        q.close()
        q = s.connect(username="bob", password="secret")
        assert q.sendSync("1+1") == 2
        q.close()
        from qpython.qconnection import QAuthenticationException

        with pytest.raises(QAuthenticationException):
            s.connect(username="bob", password="wrong")
    finally:
        s.stop()


def test_server_calls_back_python(server):
    """A sync request on an incoming handle (.z.w"x"): borf asks the client
    while it serves the client's request; qPython answers it."""
    q = server.connect()
    try:
        q.query(SYNC, "{1+.z.w\"6*7\"}[]")
        m = q.receive(data_only=False)
        assert m.type == SYNC and m.data == b"6*7"
        q.query(qconnection.MessageType.RESPONSE, numpy.int64(42))
        assert q.receive() == 43
        # async callbacks arrive as async messages
        q.sendAsync('neg[.z.w]"hi"')
        m = q.receive(data_only=False)
        assert m.type == qconnection.MessageType.ASYNC and m.data == b"hi"
    finally:
        q.close()


def test_garbage_does_not_harm_other_clients(q, server):
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall(b"\x03\x00")
    assert s.recv(1) == b"\x03"
    s.sendall(b"\x01\x01\x00\x00\xff\xff\xff\x7f\xfa")  # length 2^31-1
    s.settimeout(10)
    assert s.recv(1) == b""
    s.close()
    assert q.sendSync("1+1") == 2
