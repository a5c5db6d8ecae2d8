"""Fixtures for the PyKX client suite: one `borf -p PORT` server per module
(free port, killed at the end) and PyKX's default connection to it (the
context interface on, as a PyKX user gets it without options).

PyKX runs unlicensed (IPC only): PYKX_UNLICENSED is set before import.
The borf binary is $BORF_BIN, else target/release/borf."""

import os
import socket
import subprocess
import time
from pathlib import Path

os.environ.setdefault("PYKX_UNLICENSED", "true")

import pytest  # noqa: E402
import pykx as kx  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def borf_bin():
    env = os.environ.get("BORF_BIN")
    if env:
        return env
    p = ROOT / "target/release/borf"
    if p.exists():
        return str(p)
    pytest.fail("no borf binary: build it (cargo build --release -p repl) or set BORF_BIN")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, setup):
        self.port = free_port()
        e = dict(os.environ)
        e.pop("BORF_TEST_SEPARATOR", None)
        self.proc = subprocess.Popen(
            [borf_bin(), "-p", str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=e,
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

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(scope="module")
def server():
    s = Server("mul:{x*y}\nt:([]a:1 2 3;b:`x`y`z)\n.ctx.f:{x+1}\n")
    yield s
    s.stop()


@pytest.fixture
def q(server):
    c = kx.SyncQConnection("localhost", server.port, timeout=30.0)
    yield c
    c.close()
