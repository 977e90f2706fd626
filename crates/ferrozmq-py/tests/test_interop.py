"""ferrozmq and pyzmq (real libzmq) sockets talking to each other in the same test, over tcp on 127.0.0.1
with OS-chosen ports: every pattern, each library on each side, each side binding."""

from __future__ import annotations

import time

import pytest

import ferrozmq

zmq = pytest.importorskip("zmq")

LIBS = {"ferrozmq": ferrozmq, "pyzmq": zmq}
COMBOS = [
    # (library of the first socket, library of the second, which one binds)
    ("ferrozmq", "pyzmq", "first"),
    ("ferrozmq", "pyzmq", "second"),
    ("pyzmq", "ferrozmq", "first"),
    ("pyzmq", "ferrozmq", "second"),
]
IDS = [f"{a}-{b}-{bind}-binds" for a, b, bind in COMBOS]


@pytest.fixture
def contexts():
    fctx = ferrozmq.Context()
    zctx = zmq.Context()
    yield {"ferrozmq": fctx, "pyzmq": zctx}
    fctx.destroy(linger=0)
    zctx.destroy(linger=0)


def make_pair(contexts, combo, t1: str, t2: str):
    """Two connected sockets: `t1` from the first library, `t2` from the second."""
    lib1, lib2, binder = combo
    s1 = contexts[lib1].socket(getattr(LIBS[lib1], t1))
    s2 = contexts[lib2].socket(getattr(LIBS[lib2], t2))
    for s in (s1, s2):
        s.setsockopt(LIBS["pyzmq"].LINGER, 0)
        s.setsockopt(LIBS["pyzmq"].RCVTIMEO, 5000)
        s.setsockopt(LIBS["pyzmq"].SNDTIMEO, 5000)
    b, c = (s1, s2) if binder == "first" else (s2, s1)
    b.bind("tcp://127.0.0.1:*")
    ep = b.getsockopt(zmq.LAST_ENDPOINT).decode()
    c.connect(ep)
    return s1, s2


@pytest.mark.parametrize("combo", COMBOS, ids=IDS)
def test_req_rep(contexts, combo):
    req, rep = make_pair(contexts, combo, "REQ", "REP")
    for i in range(3):
        req.send_multipart([b"hello", str(i).encode()])
        assert rep.recv_multipart() == [b"hello", str(i).encode()]
        rep.send(b"world" * 1000)
        assert req.recv() == b"world" * 1000


@pytest.mark.parametrize("combo", COMBOS, ids=IDS)
def test_dealer_router(contexts, combo):
    dealer, router = make_pair(contexts, combo, "DEALER", "ROUTER")
    dealer.send_multipart([b"", b"ping"])
    ident, empty, body = router.recv_multipart()
    assert (empty, body) == (b"", b"ping")
    router.send_multipart([ident, b"", b"pong"])
    assert dealer.recv_multipart() == [b"", b"pong"]


@pytest.mark.parametrize("combo", COMBOS, ids=IDS)
def test_pub_sub(contexts, combo):
    pub, sub = make_pair(contexts, combo, "PUB", "SUB")
    sub.setsockopt(zmq.SUBSCRIBE, b"weather")
    # Subscriptions travel asynchronously: publish until the first matching message arrives.
    deadline = time.monotonic() + 5
    got = None
    while got is None and time.monotonic() < deadline:
        pub.send(b"sports nope")
        pub.send(b"weather sunny")
        try:
            got = sub.recv(ferrozmq.NOBLOCK)
        except (ferrozmq.Again, zmq.Again):
            time.sleep(0.02)
    assert got == b"weather sunny"
    pub.send_multipart([b"weather", b"multi", b""])
    pub.send(b"sports x")
    pub.send(b"weather last")
    seen = []
    while b"weather last" not in seen:
        seen.append(sub.recv())
    assert all(m.startswith(b"weather") or m in (b"multi", b"") for m in seen)


@pytest.mark.parametrize("combo", COMBOS, ids=IDS)
def test_push_pull(contexts, combo):
    push, pull = make_pair(contexts, combo, "PUSH", "PULL")
    big = bytes(range(256)) * 4096  # 1 MiB
    for i in range(50):
        push.send(str(i).encode())
    push.send_multipart([b"", big])
    assert [pull.recv() for _ in range(50)] == [str(i).encode() for i in range(50)]
    assert pull.recv_multipart() == [b"", big]


@pytest.mark.parametrize("combo", COMBOS, ids=IDS)
def test_pair_copy_false(contexts, combo):
    a, b = make_pair(contexts, combo, "PAIR", "PAIR")
    a.send(b"x" * 70000, copy=False)
    msg = b.recv(copy=False)
    assert msg.bytes == b"x" * 70000
    b.send(msg, copy=False)
    assert a.recv() == b"x" * 70000
