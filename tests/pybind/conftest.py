"""Fixtures for the borf Python package's tests (scripts/python-package-test).

`server` starts `borf -p PORT` (BORF_BIN, default target/release/borf) for
the IPC client tests and stops it afterwards.
"""

import os
import pathlib
import socket
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args):
    binary = os.environ.get("BORF_BIN", str(ROOT / "target" / "release" / "borf"))
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "-p", str(port), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{binary} -p {port} exited with {proc.returncode}")
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{binary} -p {port} did not listen within 20 s")


@pytest.fixture(scope="session")
def server():
    """The port of a running `borf -p PORT`."""
    proc, port = _start([])
    yield port
    proc.kill()
    proc.wait()


@pytest.fixture(scope="session")
def secured(tmp_path_factory):
    """The port of a `borf -p PORT -u users` that accepts alice:secret only."""
    users = tmp_path_factory.mktemp("users") / "users.txt"
    users.write_text("alice:secret\n")
    proc, port = _start(["-u", str(users)])
    yield port
    proc.kill()
    proc.wait()
