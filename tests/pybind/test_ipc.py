"""borf.connect: the kdb+ IPC client against `borf -p PORT`."""

import pytest

import borf


def test_query_and_conversions(server):
    with borf.connect("localhost", server) as c:
        assert c("1+1").py() == 2
        t = c("([]a:1 2 3;b:`x`y`z)")
        assert t.type == 98
        assert t.py() == {"a": [1, 2, 3], "b": ["x", "y", "z"]}
        assert c("til 3").type == 7


def test_function_call_with_arguments(server):
    with borf.connect("localhost", server) as c:
        c("f:{x*y}")
        assert c("f", 6, 7).py() == 42
        assert c("{x,y}", [1, 2], 3).py() == [1, 2, 3]
        assert c("type", "s").py() == -11
        assert c("count", b"abc").py() == 3


def test_remote_error(server):
    with borf.connect("localhost", server) as c:
        with pytest.raises(borf.QError) as e:
            c("1+`a")
        assert e.value.name == "type"
        # the connection stays usable
        assert c("2").py() == 2


def test_globals_on_the_remote_not_here(server):
    with borf.connect("localhost", server) as c:
        c("remoteonly:99")
        assert c("remoteonly").py() == 99
        with pytest.raises(borf.QError):
            borf.q("remoteonly")


def test_async_then_sync(server):
    with borf.connect("localhost", server) as c:
        c.send_async("asyncset:5")
        assert c("asyncset").py() == 5


def test_close_and_closed_use(server):
    c = borf.connect("localhost", server)
    assert c("1").py() == 1
    c.close()
    c.close()
    with pytest.raises(borf.QError) as e:
        c("1")
    assert e.value.name == "close"


def test_connection_refused():
    with pytest.raises(borf.QError) as e:
        borf.connect("localhost", 1)
    assert e.value.name == "hop"


def test_credentials(secured):
    with borf.connect("localhost", secured, user="alice", password="secret") as c:
        assert c(".z.u").py() == "alice"
    with pytest.raises(borf.QError) as e:
        borf.connect("localhost", secured, user="alice", password="wrong")
    assert e.value.name == "access"


def test_large_result(server):
    with borf.connect("localhost", server) as c:
        r = c("til 1000000")
        assert len(r) == 1000000
        assert r[999999].py() == 999999


def test_frames_both_ways(server):
    import polars as pl

    with borf.connect("localhost", server) as c:
        df = c("([]a:til 5;s:5#`x`y)").pl()
        assert df["a"].to_list() == [0, 1, 2, 3, 4]
        assert df["s"].to_list() == ["x", "y", "x", "y", "x"]
        # a Polars frame as an argument travels as a q table
        c("set", "fromclient", pl.DataFrame({"p": [1.5, 2.5], "q": ["u", "v"]}))
        assert c("fromclient") == borf.q("([]p:1.5 2.5;q:`u`v)")
        assert c("exec sum p from fromclient").py() == 4.0
