"""PyKX (KX's own Python client) against borf, with its default
connection: on connect PyKX probes the server's `.q` namespace in k
(`k){x:. x;...}` applied to `` `.q ``) and lists `key `.q` to build its
context interface, so `q.til(3)` and `q.ctx` work."""

import pykx as kx


def test_default_connection_evaluates(q):
    assert q("1+1").py() == 2
    assert q("til 5").py() == [0, 1, 2, 3, 4]


def test_context_interface_calls_q_keywords(q):
    assert q.til(3).py() == [0, 1, 2]
    assert q.neg(2).py() == -2
    assert q.reverse(q("1 2 3")).py() == [3, 2, 1]


def test_functions_with_arguments(q):
    assert q("{x+y}", 1, 2).py() == 3
    assert q("mul", 6, 7).py() == 42
    assert q(".ctx.f", 1).py() == 2


def test_tables_to_pandas(q):
    df = q("t").pd()
    assert list(df.columns) == ["a", "b"]
    assert df["a"].tolist() == [1, 2, 3]
    assert df["b"].tolist() == ["x", "y", "z"]
    keyed = q("1!t").pd()
    assert keyed.index.tolist() == [1, 2, 3]


def test_python_values_travel(q):
    assert q("{x}", kx.SymbolAtom("abc")).py() == "abc"
    assert q("{count x}", [1, 2, 3]).py() == 3
    assert q("{x*2}", 1.5).py() == 3.0
    # PyKX sends a Python str as a symbol, bytes as a char vector
    assert q("{type x}", "text").py() == -11
    assert q("{x}", b"text").py() == b"text"


def test_q_errors_raise(q):
    try:
        q("1+`a")
    except kx.QError as e:
        assert "type" in str(e)
    else:
        raise AssertionError("no error for 1+`a")


def test_dot_q_namespace_as_value(q):
    assert q("99h=type value `.q").py()
    assert q("`neg in key `.q").py()
    assert q("(::)~(value `.q)`").py()
