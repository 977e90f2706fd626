"""zmq.devices-style helpers: Device/ThreadDevice, ThreadProxy, ThreadProxySteerable, ThreadMonitoredQueue and
monitored_queue, over tcp."""

from __future__ import annotations

import threading
import time

import pytest

import ferrozmq as zmq
from ferrozmq import devices


def _stop(dev) -> None:
    """Terminates a background device's context and waits for the device to end."""
    deadline = time.monotonic() + 5
    while dev._context is None and time.monotonic() < deadline:
        time.sleep(0.01)
    dev._context.term()
    dev.join(5)
    assert dev.done


def _sockets(ctx, *types):
    socks = [ctx.socket(t) for t in types]
    for s in socks:
        s.linger = 0
        s.rcvtimeo = 5000
        s.sndtimeo = 5000
    return socks


def test_thread_device_queue(ctx):
    dev = devices.ThreadDevice(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.context_factory = zmq.Context
    in_port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    out_port = dev.bind_out_to_random_port("tcp://127.0.0.1")
    dev.setsockopt_in(zmq.LINGER, 0)
    dev.setsockopt_out(zmq.LINGER, 0)
    dev.start()
    req, rep = _sockets(ctx, zmq.REQ, zmq.REP)
    req.connect(f"tcp://127.0.0.1:{in_port}")
    rep.connect(f"tcp://127.0.0.1:{out_port}")
    req.send(b"ping")
    assert rep.recv() == b"ping"
    rep.send(b"pong")
    assert req.recv() == b"pong"
    _stop(dev)


def test_thread_proxy_copies_to_monitor(ctx):
    dev = devices.ThreadProxy(zmq.PULL, zmq.PUSH, zmq.PUSH)
    dev.context_factory = zmq.Context
    in_port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    out_port = dev.bind_out_to_random_port("tcp://127.0.0.1")
    mon_port = dev.bind_mon_to_random_port("tcp://127.0.0.1")
    for setopt in (dev.setsockopt_in, dev.setsockopt_out, dev.setsockopt_mon):
        setopt(zmq.LINGER, 0)
    dev.start()
    push, pull, mon = _sockets(ctx, zmq.PUSH, zmq.PULL, zmq.PULL)
    push.connect(f"tcp://127.0.0.1:{in_port}")
    pull.connect(f"tcp://127.0.0.1:{out_port}")
    mon.connect(f"tcp://127.0.0.1:{mon_port}")
    push.send_multipart([b"a", b"b"])
    assert pull.recv_multipart() == [b"a", b"b"]
    assert mon.recv_multipart() == [b"a", b"b"]
    _stop(dev)


def test_thread_proxy_steerable_terminates(ctx):
    dev = devices.ThreadProxySteerable(zmq.PULL, zmq.PUSH, zmq.PUB, zmq.PAIR)
    dev.context_factory = zmq.Context
    in_port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    out_port = dev.bind_out_to_random_port("tcp://127.0.0.1")
    dev.bind_mon("inproc://steer-mon")
    ctrl_port = dev.bind_ctrl_to_random_port("tcp://127.0.0.1")
    dev.start()
    push, pull, ctrl = _sockets(ctx, zmq.PUSH, zmq.PULL, zmq.PAIR)
    push.connect(f"tcp://127.0.0.1:{in_port}")
    pull.connect(f"tcp://127.0.0.1:{out_port}")
    ctrl.connect(f"tcp://127.0.0.1:{ctrl_port}")
    push.send(b"through")
    assert pull.recv() == b"through"
    ctrl.send(b"TERMINATE")
    dev.join(5)
    assert dev.done
    dev._context.term()


def test_thread_monitored_queue_prefixes(ctx):
    dev = devices.ThreadMonitoredQueue(zmq.PULL, zmq.PUSH, zmq.PUSH, b"IN", b"OUT")
    dev.context_factory = zmq.Context
    in_port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    out_port = dev.bind_out_to_random_port("tcp://127.0.0.1")
    mon_port = dev.bind_mon_to_random_port("tcp://127.0.0.1")
    for setopt in (dev.setsockopt_in, dev.setsockopt_out, dev.setsockopt_mon):
        setopt(zmq.LINGER, 0)
    dev.start()
    push, pull, mon = _sockets(ctx, zmq.PUSH, zmq.PULL, zmq.PULL)
    push.connect(f"tcp://127.0.0.1:{in_port}")
    pull.connect(f"tcp://127.0.0.1:{out_port}")
    mon.connect(f"tcp://127.0.0.1:{mon_port}")
    push.send(b"m")
    assert pull.recv() == b"m"
    assert mon.recv_multipart() == [b"IN", b"m"]
    _stop(dev)


def test_monitored_queue_swaps_router_ids(ctx):
    """Two ROUTERs: the queue swaps the leading ids, so a DEALER's request reaches the other side's peer."""
    a, b, mon_out = _sockets(ctx, zmq.ROUTER, zmq.ROUTER, zmq.PUSH)
    mon_in, client, server = _sockets(ctx, zmq.PULL, zmq.DEALER, zmq.DEALER)
    a.bind("inproc://mq-a")
    b.bind("inproc://mq-b")
    mon_out.bind("inproc://mq-mon")
    mon_in.connect("inproc://mq-mon")
    client.routing_id = b"client"
    server.routing_id = b"server"
    client.connect("inproc://mq-a")
    server.connect("inproc://mq-b")
    ended = []

    def run():
        with pytest.raises(zmq.ContextTerminated):
            zmq.devices.monitored_queue(a, b, mon_out)
        ended.append(True)

    t = threading.Thread(target=run)
    t.start()
    # the client addresses the server by its id: ROUTER a gets [client, server, body] and b sends [server, client, body]
    client.send_multipart([b"server", b"hello"])
    assert server.recv_multipart() == [b"client", b"hello"]
    assert mon_in.recv_multipart() == [b"in", b"server", b"client", b"hello"]
    with pytest.raises(TypeError):
        zmq.devices.monitored_queue(a, b, mon_out, "str prefix")
    ctx.shutdown()  # as zmq_ctx_shutdown: blocking calls raise ContextTerminated
    t.join(5)
    assert ended == [True]
