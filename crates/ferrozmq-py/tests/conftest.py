"""Fixtures shared by the ferrozmq tests."""

from __future__ import annotations

import pytest

import ferrozmq


@pytest.fixture
def ctx():
    """A ferrozmq context, destroyed (linger 0) after the test."""
    c = ferrozmq.Context()
    yield c
    c.destroy(linger=0)


@pytest.fixture
def zctx():
    """A pyzmq (libzmq) context, destroyed (linger 0) after the test."""
    zmq = pytest.importorskip("zmq")
    c = zmq.Context()
    yield c
    c.destroy(linger=0)


def bind_any(sock, host: str = "tcp://127.0.0.1") -> str:
    """Binds to an OS-chosen port and returns the resolved endpoint."""
    sock.bind(f"{host}:*")
    ep = sock.getsockopt(ferrozmq.LAST_ENDPOINT)
    return ep.decode() if isinstance(ep, bytes) else ep


def pair(ctx, t1: int, t2: int, transport: str = "inproc"):
    """Two connected sockets of ``ctx``: the first binds, the second connects. Bounded timeouts."""
    a = ctx.socket(t1)
    b = ctx.socket(t2)
    for s in (a, b):
        s.rcvtimeo = 5000
        s.sndtimeo = 5000
        s.linger = 0
    if transport == "inproc":
        ep = f"inproc://pair-{id(a)}"
        a.bind(ep)
    else:
        ep = bind_any(a)
    b.connect(ep)
    return a, b
