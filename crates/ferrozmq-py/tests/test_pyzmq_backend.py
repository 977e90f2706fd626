"""pyzmq backend mode: ``PYZMQ_BACKEND=ferrozmq.backend`` puts ferrozmq under pyzmq's own Python layer.

Each test runs a fresh interpreter, since pyzmq picks its backend once, at import."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("zmq")

ENV = {**os.environ, "PYZMQ_BACKEND": "ferrozmq.backend"}

# pyzmq 27.3's test files that pass in full on ferrozmq (see docs/PYTHON-BENCHMARKS.md for the others).
PASSING_PYZMQ_TESTS = [
    "test_error.py",
    "test_constants.py",
    "test_version.py",
    "test_z85.py",
    "test_pair.py",
    "test_reqrep.py",
    "test_pubsub.py",
    "test_multipart.py",
    "test_device.py",
    "test_monqueue.py",
    "test_imports.py",
    "test_etc.py",
    "test_security.py",
    "test_curve_keygen.py",
]


def run_python(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=ENV, capture_output=True, text=True, timeout=50
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_pyzmq_app_runs_on_ferrozmq():
    out = run_python(
        """
        import zmq, ferrozmq
        assert zmq.backend.Socket.__module__ == "ferrozmq.backend"
        ctx = zmq.Context()
        rep, req = ctx.socket(zmq.REP), ctx.socket(zmq.REQ)
        for s in (rep, req):
            s.linger = 0
            s.rcvtimeo = 5000
        port = rep.bind_to_random_port("tcp://127.0.0.1")
        req.connect(f"tcp://127.0.0.1:{port}")
        req.send_multipart([b"a", b"b"])
        assert rep.recv_multipart() == [b"a", b"b"]
        rep.send_json({"ok": 1})
        assert req.recv_json() == {"ok": 1}
        req.send(b"x" * 100000, copy=False)
        f = rep.recv(copy=False)
        assert isinstance(f, zmq.Frame) and len(f) == 100000 and not f.more
        t = rep.send(b"y" * 100000, copy=False, track=True)
        assert isinstance(t, zmq.MessageTracker)
        assert req.recv() == b"y" * 100000
        t.wait(5)
        pull = ctx.socket(zmq.PULL)
        pull.rcvtimeo = 50
        try:
            pull.recv()
        except zmq.Again as e:
            assert isinstance(e, ferrozmq.Again) and e.errno == zmq.EAGAIN
        else:
            raise AssertionError("no Again")
        poller = zmq.Poller()
        poller.register(pull, zmq.POLLIN)
        poller.register(req, zmq.POLLOUT)
        assert dict(poller.poll(1000)) == {req: zmq.POLLOUT}
        ctx.destroy(linger=0)
        print("done")
        """
    )
    assert out.strip() == "done"


def test_pyzmq_monitor_fd_and_user_id_on_ferrozmq():
    out = run_python(
        """
        import select, zmq
        from ferrozmq.auth.thread import ThreadAuthenticator  # pyzmq's needs shadow sockets
        from zmq.utils.monitor import recv_monitor_message
        ctx = zmq.Context()
        auth = ThreadAuthenticator(ctx)
        auth.start()
        auth.configure_plain(domain="*", passwords={"admin": "secret"})
        rep, req = ctx.socket(zmq.REP), ctx.socket(zmq.REQ)
        for s in (rep, req):
            s.linger = 0
            s.rcvtimeo = 5000
        mon = rep.get_monitor_socket()
        mon.rcvtimeo = 5000
        rep.plain_server = True
        port = rep.bind_to_random_port("tcp://127.0.0.1")
        assert recv_monitor_message(mon)["event"] == zmq.EVENT_LISTENING
        req.plain_username, req.plain_password = b"admin", b"secret"
        req.connect(f"tcp://127.0.0.1:{port}")
        req.send(b"hi")
        fd = rep.getsockopt(zmq.FD)
        while not rep.getsockopt(zmq.EVENTS) & zmq.POLLIN:
            assert select.select([fd], [], [], 5)[0] == [fd]
        f = rep.recv(copy=False)
        assert f.get("User-Id") == "admin" and f.get("Socket-Type") == "REQ"
        seen = set()
        while zmq.EVENT_HANDSHAKE_SUCCEEDED not in seen:
            seen.add(recv_monitor_message(mon)["event"])
        rep.disable_monitor()
        auth.stop()
        ctx.destroy(linger=0)
        print("done")
        """
    )
    assert out.strip() == "done"


def test_pyzmq_own_tests_sample():
    """A sample of pyzmq's own test files, run unchanged through backend mode."""
    tests = os.environ.get("FERROZMQ_PYZMQ_TESTS")
    if not tests or not pathlib.Path(tests).is_dir():
        pytest.skip("pyzmq's tests are not here (scripts/test-python.sh fetches them)")
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=30", *PASSING_PYZMQ_TESTS],
        cwd=tests,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=55,
    )
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary
