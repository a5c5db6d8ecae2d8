"""WebSockets on borf's IPC port with websocket-client (PyPI): JSON text
frames, kdb+ serialized binary frames (as KX's c.js sends them), .z.wo,
.z.wc, the echo default, and a plain HTTP GET on the same port."""

import json
import os
import socket
import struct
import subprocess
import time
import urllib.request

import pytest
import websocket

BORF = os.environ.get("BORF_BIN", "target/release/borf")

SETUP = r"""
opened:0#0i; closed:0#0i
.z.wo:{opened,:x}
.z.wc:{closed,:x}
.z.ws:{neg[.z.w] $[10h=type x; .j.j value x; -8!value -9!x]}
t:([]a:1 2 3;b:`x`y`z)
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


@pytest.fixture(scope="module")
def port():
    p = free_port()
    proc = subprocess.Popen([BORF, "-q", "-p", str(p)], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.stdin.write(SETUP.encode())
    proc.stdin.close()
    t0 = time.time()
    while True:
        try:
            socket.create_connection(("127.0.0.1", p)).close()
            break
        except OSError:
            assert time.time() - t0 < 20, "borf did not start"
            time.sleep(0.05)
    time.sleep(0.2)
    yield p
    proc.kill()
    proc.wait()


def kdb_string_message(text, msgtype=1):
    """A kdb+ IPC message (little endian) carrying a char vector."""
    body = struct.pack("<bbi", 10, 0, len(text)) + text.encode()
    return struct.pack("<bbhi", 1, msgtype, 0, 8 + len(body)) + body


def get(port, expr):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/?{urllib.request.quote(expr)}") as r:
        return r.read().decode()


def test_json_text_frames(port):
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/")
    ws.send("select from t where a>1")
    assert json.loads(ws.recv()) == [{"a": 2, "b": "y"}, {"a": 3, "b": "z"}]
    ws.send("`a`b!(1 2;\"hi\")")
    assert json.loads(ws.recv()) == {"a": [1, 2], "b": "hi"}
    ws.close()


def test_kdb_binary_frames(port):
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/")
    ws.send_binary(kdb_string_message("6*7"))
    op, data = ws.recv_data()
    assert op == websocket.ABNF.OPCODE_BINARY
    # a response-less message: header, then a long atom (-7)
    assert data[0] == 1 and struct.unpack("<i", data[4:8])[0] == len(data)
    assert struct.unpack("<b", data[8:9])[0] == -7
    assert struct.unpack("<q", data[9:17])[0] == 42
    ws.close()


def test_open_and_close_handlers(port):
    before = get(port, "count closed")
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/")
    ws.send(".z.w in opened")
    assert ws.recv() == "true"
    ws.close()
    time.sleep(0.3)
    assert get(port, "count closed") != before


def test_large_text_frame(port):
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/")
    ws.send("til 200000")
    v = json.loads(ws.recv())
    assert len(v) == 200000 and v[-1] == 199999
    ws.close()


def test_echo_without_handler(port):
    # .z.ws removed: q's default echoes
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/")
    ws.send("system\"x .z.ws\"; 1")
    assert ws.recv() == "1"
    ws.send("hello")
    assert ws.recv() == "hello"
    ws.send_binary(b"\x01\x02")
    op, data = ws.recv_data()
    assert op == websocket.ABNF.OPCODE_BINARY and data == b"\x01\x02"
    ws.close()


def test_console_page_and_socket(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as r:
        page = r.read().decode()
        assert r.headers["Content-Type"] == "text/html"
    assert "<title>borf</title>" in page and "/.console" in page
    # the console's socket evaluates kdb+ messages whatever .z.ws does
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/.console")
    ws.send_binary(kdb_string_message("6*7"))
    op, data = ws.recv_data()
    assert op == websocket.ABNF.OPCODE_BINARY
    assert data[1] == 2  # a response
    assert struct.unpack("<q", data[9:17])[0] == 42
    ws.send_binary(kdb_string_message("1+`a"))
    op, data = ws.recv_data()
    # q's name, then the line with a caret under the failing part
    assert data[8:9] == b"\x80"
    assert data[9:].rstrip(b"\0") == b"type\n  [0]  1+`a\n        ^"
    ws.close()


def test_ping_is_answered_between_frames(port):
    # a ping while a large message is being echoed back (.z.ws was removed
    # above): the pong comes as a frame of its own, queued through the
    # connection's writer, and the large frame arrives whole
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}")
    big = "abcdefgh" * 400000
    ws.send(big)
    ws.ping(b"borf")
    ws.send("small")
    seen_pong, texts = False, []
    while len(texts) < 2 or not seen_pong:
        op, data = ws.recv_data(control_frame=True)
        if op == websocket.ABNF.OPCODE_PONG:
            assert data == b"borf"
            seen_pong = True
        elif op == websocket.ABNF.OPCODE_TEXT:
            texts.append(data.decode())
    assert texts == [big, "small"]
    ws.close()
