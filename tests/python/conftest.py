"""Fixtures for the qPython integration suite: a `borf -p PORT` server per
module (free port, killed at the end) and connections to it.

The borf binary is $BORF_BIN, else target/release/borf, else
target/debug/borf (scripts/ipc-python-test builds it first)."""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from qpython import qconnection

ROOT = Path(__file__).resolve().parents[2]


def borf_bin():
    env = os.environ.get("BORF_BIN")
    if env:
        return env
    for p in (ROOT / "target/release/borf", ROOT / "target/debug/borf"):
        if p.exists():
            return str(p)
    pytest.fail("no borf binary: build it (cargo build --release -p repl) or set BORF_BIN")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`borf -p PORT [args]` fed `setup` on standard input (which then ends:
    with -p the process keeps serving)."""

    def __init__(self, setup="", args=(), env=None, cwd=None):
        self.port = free_port()
        e = dict(os.environ)
        e.pop("BORF_TEST_SEPARATOR", None)
        e.pop("BORF_IPC_COMPRESS", None)
        e.update(env or {})
        self.proc = subprocess.Popen(
            [borf_bin(), "-p", str(self.port), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=e,
            cwd=cwd,
        )
        self.proc.stdin.write(setup.encode())
        self.proc.stdin.close()
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("borf did not start listening")
                time.sleep(0.02)

    def connect(self, **kw):
        q = qconnection.QConnection(host="localhost", port=self.port, timeout=30, **kw)
        q.open()
        return q

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(scope="module")
def server():
    s = Server("mul:{x*y}\nt:([]a:1 2 3;b:`x`y`z)\n")
    yield s
    s.stop()


@pytest.fixture
def q(server):
    c = server.connect()
    yield c
    c.close()
