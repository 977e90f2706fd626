"""The seed's programs under examples/python, run as separate processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "python"


def start(name: str, *args: str, stdin=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-u", str(EXAMPLES / name), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def bound_endpoint(proc: subprocess.Popen) -> str:
    """The endpoint a server reports on stderr (`...: bound to tcp://127.0.0.1:PORT`)."""
    line = proc.stderr.readline()
    assert "bound to" in line, line
    return line.rsplit(" ", 1)[1].strip()


def stop(proc: subprocess.Popen) -> str:
    """Interrupts a server as Ctrl-C would and returns what it printed."""
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail("the server did not stop on SIGINT")
    return out


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples/python not found")
def test_rep_server_and_req_client():
    server = start("rep_server.py", "tcp://127.0.0.1:*")
    try:
        ep = bound_endpoint(server)
        client = subprocess.run(
            [sys.executable, str(EXAMPLES / "req_client.py"), ep],
            input="hello\nworld\nq\nnot sent\n",
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert client.returncode == 0, client.stderr
        assert client.stdout.splitlines() == ["server response!", "server response!"]
    finally:
        out = stop(server)
    assert out.splitlines() == ["hello", "world"]


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples/python not found")
def test_pipeline_push_worker_pull():
    sink = start("pull_server.py", "tcp://127.0.0.1:*")
    source = start("push_client.py", "tcp://127.0.0.1:*", stdin=subprocess.PIPE)
    worker = None
    try:
        sink_ep = bound_endpoint(sink)
        source_ep = bound_endpoint(source)
        worker = start("worker.py", source_ep, sink_ep)
        out, err = source.communicate("one\ntwo\nthree\n", timeout=20)
        assert source.returncode == 0, err
        assert out.splitlines() == ["pushed: one", "pushed: two", "pushed: three"]
        got = [sink.stdout.readline().strip() for _ in range(3)]
        assert got == ["one", "two", "three"]
    finally:
        if worker is not None:
            assert stop(worker).splitlines() == ["forwarded: one", "forwarded: two", "forwarded: three"]
        stop(sink)
        if source.poll() is None:
            source.kill()
