"""Socket monitors (``Socket.monitor``, ``get_monitor_socket``, ``zmq.utils.monitor``), compared with pyzmq
(real libzmq), and the socket's ``FD``/``EVENTS`` for event loops."""

from __future__ import annotations

import select

import pytest

import ferrozmq
from ferrozmq.utils.monitor import parse_monitor_message, recv_monitor_message

from conftest import bind_any, pair


def bounded(sock, ms: int = 5000):
    sock.linger = 0
    sock.rcvtimeo = ms
    sock.sndtimeo = ms
    return sock


def accept_events(lib, ctx) -> list:
    """The events a REP socket of ``lib`` reports for a bind, then a REQ peer connecting and leaving."""
    rep = bounded(ctx.socket(lib.REP))
    mon = bounded(rep.get_monitor_socket())
    ep = bind_any(rep)
    req = bounded(ctx.socket(lib.REQ))
    req.connect(ep)
    seen = [recv_monitor_message(mon)]
    while seen[-1]["event"] != lib.EVENT_HANDSHAKE_SUCCEEDED:
        seen.append(recv_monitor_message(mon))
    req.close()
    seen.append(recv_monitor_message(mon))
    rep.disable_monitor()
    seen.append(recv_monitor_message(mon))
    rep.close()
    return [(int(e["event"]), e["endpoint"].decode().startswith("tcp://127.0.0.1:")) for e in seen]


def test_monitor_reports_bind_accept_handshake_disconnect(ctx):
    assert accept_events(ferrozmq, ctx) == [
        (ferrozmq.EVENT_LISTENING, True),
        (ferrozmq.EVENT_ACCEPTED, True),
        (ferrozmq.EVENT_HANDSHAKE_SUCCEEDED, True),
        (ferrozmq.EVENT_DISCONNECTED, True),
        (ferrozmq.EVENT_MONITOR_STOPPED, False),
    ]


def test_monitor_events_match_libzmq(ctx, zctx):
    zmq = pytest.importorskip("zmq")
    assert accept_events(ferrozmq, ctx) == accept_events(zmq, zctx)


def test_monitor_of_a_connecting_socket_against_pyzmq(ctx, zctx):
    zmq = pytest.importorskip("zmq")
    server = bounded(zctx.socket(zmq.ROUTER))
    ep = bind_any(server)
    client = bounded(ctx.socket(ferrozmq.DEALER))
    mon = bounded(client.get_monitor_socket(ferrozmq.EVENT_CONNECTED | ferrozmq.EVENT_HANDSHAKE_SUCCEEDED))
    assert client.get_monitor_socket() is mon
    client.connect(ep)
    first = recv_monitor_message(mon)
    assert first["event"] == ferrozmq.EVENT_CONNECTED
    assert first["endpoint"] == ep.encode()
    assert isinstance(first["value"], int)
    assert recv_monitor_message(mon)["event"] == ferrozmq.EVENT_HANDSHAKE_SUCCEEDED


def test_monitor_argument_errors(ctx):
    s = bounded(ctx.socket(ferrozmq.PUB))
    with pytest.raises(ferrozmq.ZMQError) as exc:
        s.monitor("tcp://127.0.0.1:0", ferrozmq.EVENT_ALL)
    assert exc.value.errno == ferrozmq.EPROTONOSUPPORT
    with pytest.raises(ferrozmq.ZMQError) as exc:
        s.monitor("inproc://m", 1 << 20)
    assert exc.value.errno == ferrozmq.EINVAL
    with pytest.raises(RuntimeError):
        parse_monitor_message([b"short"])


def test_fd_and_events(ctx):
    a, b = pair(ctx, ferrozmq.PAIR, ferrozmq.PAIR, "tcp")
    fd = b.fileno()
    assert fd == b.FD == b.getsockopt(ferrozmq.FD) and fd > 2
    assert b.getsockopt(ferrozmq.EVENTS) & ferrozmq.POLLIN == 0
    a.send(b"wake")
    # Edge-like: wait on the fd, then trust EVENTS, as pyzmq's event loops do.
    for _ in range(50):
        if b.EVENTS & ferrozmq.POLLIN:
            break
        select.select([fd], [], [], 0.1)
    assert b.EVENTS & ferrozmq.POLLIN
    assert b.recv() == b"wake"
    assert b.EVENTS & ferrozmq.POLLIN == 0
    assert b.EVENTS & ferrozmq.POLLOUT
    readable, _, _ = select.select([b], [], [], 0)  # select() takes the socket itself through fileno()
    assert readable in ([], [b])


def test_fd_wakes_select_when_a_message_arrives(ctx):
    a, b = pair(ctx, ferrozmq.PULL, ferrozmq.PUSH, "tcp")
    fd = a.FD
    a.EVENTS  # resets the fd
    b.send(b"x")
    deadline_hits = 0
    while not a.EVENTS & ferrozmq.POLLIN:
        r, _, _ = select.select([fd], [], [], 5)
        assert r == [fd], "the FD never woke up"
        deadline_hits += 1
        assert deadline_hits < 100
    assert a.recv() == b"x"
