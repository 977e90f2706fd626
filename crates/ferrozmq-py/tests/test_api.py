"""The pyzmq API of ferrozmq, one part at a time (ferrozmq sockets only)."""

from __future__ import annotations

import errno
import os
import pickle
import signal
import threading
import time

import pytest

import ferrozmq as zmq
from ferrozmq.utils import z85

from conftest import bind_any, pair


# --- module level ---------------------------------------------------------------------------------


def test_versions_and_capabilities():
    assert zmq.zmq_version_info() == (4, 3, 5)
    assert zmq.zmq_version() == "4.3.5"
    assert zmq.pyzmq_version_info()[0] >= 26
    assert isinstance(zmq.pyzmq_version(), str)
    assert zmq.has("ipc") is True
    assert zmq.has("curve") is True
    assert zmq.has("nonsense") is False
    assert isinstance(zmq.__version__, str)


def test_draft_api_answers_truthfully(ctx):
    """No draft sockets: DRAFT_API and has("draft") say so, and draft socket types are refused as by a
    libzmq built without them (EINVAL)."""
    assert zmq.DRAFT_API is False and zmq.PYZMQ_DRAFT_API is False and zmq.has("draft") is False
    for t in (zmq.SERVER, zmq.CLIENT, zmq.RADIO, zmq.DISH, zmq.GATHER, zmq.SCATTER):
        with pytest.raises(zmq.ZMQError) as e:
            ctx.socket(t)
        assert e.value.errno == errno.EINVAL


def test_constants_match_libzmq():
    assert (zmq.PAIR, zmq.PUB, zmq.SUB, zmq.REQ, zmq.REP, zmq.DEALER, zmq.ROUTER, zmq.PULL, zmq.PUSH) == tuple(range(9))
    assert zmq.XPUB == 9 and zmq.XSUB == 10 and zmq.STREAM == 11
    assert zmq.XREQ == zmq.DEALER and zmq.XREP == zmq.ROUTER
    assert zmq.NOBLOCK == zmq.DONTWAIT == 1 and zmq.SNDMORE == 2
    assert zmq.POLLIN == 1 and zmq.POLLOUT == 2 and zmq.POLLERR == 4
    assert zmq.LINGER == 17 and zmq.SUBSCRIBE == 6 and zmq.IDENTITY == zmq.ROUTING_ID == 5
    assert zmq.LAST_ENDPOINT == 32 and zmq.RCVMORE == 13 and zmq.EVENTS == 15
    assert zmq.EFSM == 156384712 + 51
    assert zmq.ETERM == 156384712 + 53
    assert zmq.ENOCOMPATPROTO == 156384712 + 52
    assert zmq.EHOSTUNREACH == errno.EHOSTUNREACH
    assert zmq.EAGAIN == errno.EAGAIN
    assert zmq.EVENT_CONNECTED == 1 and zmq.EVENT_ALL == 0xFFFF
    assert isinstance(zmq.REQ, zmq.SocketType)


def test_constants_cover_pyzmq():
    pyzmq = pytest.importorskip("zmq")
    for name in pyzmq.constants.__all__:
        assert hasattr(zmq, name), name
        ours, theirs = getattr(zmq, name), getattr(pyzmq, name)
        if isinstance(theirs, int):
            assert int(ours) == int(theirs), name


def test_errors():
    e = zmq.ZMQError(zmq.EFSM)
    assert e.errno == zmq.EFSM
    assert str(e) == "Operation cannot be accomplished in current state"
    assert str(zmq.ZMQError(zmq.ETERM)) == "Context was terminated"
    assert str(zmq.ZMQError(zmq.EAGAIN)) == "Resource temporarily unavailable"
    assert zmq.strerror(zmq.EHOSTUNREACH) == os.strerror(errno.EHOSTUNREACH)
    assert issubclass(zmq.Again, zmq.ZMQError)
    assert issubclass(zmq.ContextTerminated, zmq.ZMQError)
    assert issubclass(zmq.ZMQBindError, zmq.ZMQBaseError)
    assert zmq.Again().errno == errno.EAGAIN
    assert zmq.ContextTerminated().errno == zmq.ETERM
    assert repr(zmq.ZMQError(zmq.EFSM)) == "ZMQError('Operation cannot be accomplished in current state')"


def test_z85_rfc_vector():
    raw = bytes([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
    assert z85.encode(raw) == b"HelloWorld"
    assert z85.decode(b"HelloWorld") == raw
    assert z85.decode("HelloWorld") == raw
    with pytest.raises(ValueError):
        z85.encode(b"abc")


# --- Context --------------------------------------------------------------------------------------


def test_context_instance_and_term():
    a = zmq.Context.instance()
    assert zmq.Context.instance() is a
    a.term()
    assert a.closed
    b = zmq.Context.instance()
    assert b is not a and not b.closed
    b.term()


def test_context_manager_destroys_sockets():
    with zmq.Context() as c:
        s = c.socket(zmq.PUSH)
        s.bind("inproc://cm")
    assert c.closed
    assert s.closed


def test_context_destroy_with_linger(ctx):
    s = ctx.socket(zmq.PUSH)
    s.connect("tcp://127.0.0.1:1")  # nobody there: the message waits
    s.send(b"pending")
    t = time.monotonic()
    ctx.destroy(linger=0)
    assert time.monotonic() - t < 2
    assert s.closed and ctx.closed


def test_context_options(ctx):
    assert ctx.get(zmq.IO_THREADS) == 1
    assert ctx.get(zmq.MAX_SOCKETS) == 1023
    ctx.set(zmq.MAX_SOCKETS, 100)
    assert ctx.get(zmq.MAX_SOCKETS) == 100
    ctx.linger = 0  # a default socket option
    s = ctx.socket(zmq.PUSH)
    assert s.linger == 0
    assert ctx.linger == 0
    with pytest.raises(zmq.ZMQError):
        ctx.get(9999)


def test_blocked_recv_fails_on_term():
    c = zmq.Context()
    s = c.socket(zmq.PULL)
    s.bind("inproc://term")
    errors = []

    def run():
        try:
            s.recv()
        except zmq.ContextTerminated as e:
            errors.append(e)
        finally:
            s.close()

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.2)
    c.term()
    t.join(5)
    assert not t.is_alive()
    assert len(errors) == 1 and errors[0].errno == zmq.ETERM


def test_socket_after_term_fails():
    c = zmq.Context()
    c.term()
    with pytest.raises(zmq.ZMQError):
        c.socket(zmq.PUSH)


# --- Socket basics -----------------------------------------------------------------------------


def test_socket_context_manager_and_close(ctx):
    with ctx.socket(zmq.PUSH) as s:
        assert not s.closed
        assert s.type == zmq.PUSH
        assert s.socket_type == zmq.PUSH
        assert s.context is ctx
    assert s.closed
    s.close()  # twice is fine
    with pytest.raises(zmq.ZMQError) as exc:
        s.send(b"x")
    assert exc.value.errno == errno.ENOTSOCK


def test_socket_class_constructor(ctx):
    s = zmq.Socket(ctx, zmq.PAIR)
    assert s.type == zmq.PAIR
    s.close()


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_req_rep(ctx, transport):
    rep, req = pair(ctx, zmq.REP, zmq.REQ, transport)
    req.send(b"hello")
    assert rep.recv() == b"hello"
    rep.send(b"world")
    assert req.recv() == b"world"


def test_req_efsm(ctx):
    rep, req = pair(ctx, zmq.REP, zmq.REQ)
    req.send(b"a")
    with pytest.raises(zmq.ZMQError) as exc:
        req.send(b"b")
    assert exc.value.errno == zmq.EFSM


def test_bind_errors(ctx):
    s = ctx.socket(zmq.PUSH)
    ep = bind_any(s)
    t = ctx.socket(zmq.PUSH)
    with pytest.raises(zmq.ZMQError) as exc:
        t.bind(ep)
    assert exc.value.errno == errno.EADDRINUSE
    assert ep in str(exc.value)
    with pytest.raises(zmq.ZMQError) as exc:
        t.bind("nonsense://x")
    assert exc.value.errno == errno.EPROTONOSUPPORT


def test_unbind_and_disconnect(ctx):
    s = ctx.socket(zmq.PULL)
    ep = bind_any(s)
    s.unbind(ep)
    c = ctx.socket(zmq.PUSH)
    c.connect(ep)
    c.disconnect(ep)
    with pytest.raises(zmq.ZMQError):
        c.disconnect(ep)


def test_bind_to_random_port(ctx):
    s = ctx.socket(zmq.PULL)
    port = s.bind_to_random_port("tcp://127.0.0.1")
    assert 0 < port < 65536
    assert s.last_endpoint == f"tcp://127.0.0.1:{port}".encode()
    t = ctx.socket(zmq.PULL)
    port2 = t.bind_to_random_port("tcp://127.0.0.1", min_port=40000, max_port=50000, max_tries=50)
    assert 40000 <= port2 < 50000


def test_bind_to_random_port_gives_up(ctx):
    s = ctx.socket(zmq.PULL)
    port = s.bind_to_random_port("tcp://127.0.0.1")
    t = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQBindError):
        t.bind_to_random_port("tcp://127.0.0.1", min_port=port, max_port=port + 1, max_tries=3)


def test_bind_context_manager(ctx):
    s = ctx.socket(zmq.PULL)
    with s.bind("inproc://bcm"):
        pass
    s.bind("inproc://bcm")  # free again


def test_dontwait_again(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind("inproc://again")
    with pytest.raises(zmq.Again):
        s.recv(zmq.NOBLOCK)
    with pytest.raises(zmq.Again):
        s.recv(flags=zmq.DONTWAIT)


def test_rcvtimeo(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind("inproc://timeo")
    s.rcvtimeo = 150
    t = time.monotonic()
    with pytest.raises(zmq.Again):
        s.recv()
    assert 0.12 < time.monotonic() - t < 2


def test_sndtimeo_push_without_peer(ctx):
    s = ctx.socket(zmq.PUSH)
    s.bind("inproc://nobody")
    s.sndtimeo = 100
    with pytest.raises(zmq.Again):
        s.send(b"x")


def test_send_types(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(bytearray(b"ba"))
    a.send(memoryview(b"mv"))
    a.send(zmq.Frame(b"fr"))
    a.send(b"")
    assert [b.recv() for _ in range(4)] == [b"ba", b"mv", b"fr", b""]
    with pytest.raises(TypeError):
        a.send("str")
    with pytest.raises(TypeError):
        a.send(5)


def test_multipart(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send_multipart([b"a", b"", b"c" * 100000, zmq.Frame(b"d")])
    assert b.recv_multipart() == [b"a", b"", b"c" * 100000, b"d"]
    a.send(b"1", zmq.SNDMORE)
    a.send(b"2")
    assert b.recv() == b"1"
    assert b.rcvmore
    assert b.getsockopt(zmq.RCVMORE) == 1
    assert b.recv() == b"2"
    assert not b.rcvmore
    with pytest.raises(TypeError):
        a.send_multipart([b"ok", "not bytes"])


def test_copy_false_frames(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR, "tcp")
    payload = os.urandom(1 << 20)
    a.send_multipart([b"head", payload], copy=False)
    frames = b.recv_multipart(copy=False)
    assert all(isinstance(f, zmq.Frame) for f in frames)
    assert frames[0].more and not frames[1].more
    assert frames[0].bytes == b"head"
    assert bytes(frames[1]) == payload
    view = memoryview(frames[1])
    assert view.readonly and view.nbytes == len(payload) == len(frames[1])
    sub = view[10:20]
    del view, frames
    assert sub.tobytes() == payload[10:20]  # the slice keeps the core's memory alive
    a.send(b"x" * 1000)
    f = b.recv(copy=False)
    v1, v2 = f.buffer, memoryview(f)
    assert v1.obj is f and v2.obj is f  # views export the frame itself, not a copy


def test_frame_api():
    f = zmq.Frame(b"hello")
    assert len(f) == 5 and f.bytes == b"hello" and bytes(f) == b"hello" and str(f) == "hello"
    assert f.buffer.tobytes() == b"hello"
    assert f.get(zmq.MORE) == 0
    assert zmq.Message is zmq.Frame
    assert len(zmq.Frame()) == 0
    assert zmq.Frame(bytearray(b"ab")).bytes == b"ab"
    with pytest.raises(TypeError):
        zmq.Frame("text")
    g = f.fast_copy()
    assert g.bytes == b"hello"
    with pytest.raises(TypeError):
        memoryview(f).cast("B")[0:1] = b"x"  # read-only
    with pytest.raises(zmq.ZMQError):
        f.get("Socket-Type")


def test_track(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    data = b"t" * 100000
    tracker = a.send(data, copy=False, track=True)
    assert isinstance(tracker, zmq.MessageTracker)
    assert b.recv() == data
    tracker.wait(5)
    assert tracker.done
    assert a.send(b"x") is None
    assert b.recv() == b"x"


def test_strings_json_pyobj_serialized(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send_string("héllo")
    assert b.recv_string() == "héllo"
    a.send_string("x", encoding="latin-1")
    assert b.recv() == b"x"
    with pytest.raises(TypeError):
        a.send_string(b"bytes")
    a.send_json({"a": [1, 2]})
    assert b.recv_json() == {"a": [1, 2]}
    a.send_pyobj({"set": {1, 2}})
    assert b.recv_pyobj() == {"set": {1, 2}}
    a.send_serialized({"k": 1}, lambda m: [pickle.dumps(m)])
    assert b.recv_serialized(lambda frames: pickle.loads(frames[0])) == {"k": 1}
    a.send_serialized([1], lambda m: [b"x", pickle.dumps(m)], copy=False)
    assert b.recv_serialized(lambda fs: pickle.loads(fs[1].bytes), copy=False) == [1]


def test_recv_into(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    buf = bytearray(5)
    a.send(b"0123456789")
    assert b.recv_into(buf) == 10
    assert buf == b"01234"
    a.send(b"ab")
    assert b.recv_into(buf, nbytes=1) == 2
    assert buf == b"a1234"


def test_options(ctx):
    s = ctx.socket(zmq.DEALER)
    assert s.getsockopt(zmq.LINGER) == -1
    assert s.get(zmq.SNDHWM) == 1000 and s.rcvhwm == 1000
    s.setsockopt(zmq.LINGER, 0)
    assert s.linger == 0
    s.linger = 10
    assert s.getsockopt(zmq.LINGER) == 10
    s.set(zmq.IDENTITY, b"me")
    assert s.identity == b"me" and s.routing_id == b"me"
    s.setsockopt_string(zmq.ROUTING_ID, "you")
    assert s.getsockopt_string(zmq.ROUTING_ID) == "you"
    s.routing_id = "str-ok-as-attribute"
    assert s.routing_id == b"str-ok-as-attribute"
    s.hwm = 50
    assert s.sndhwm == 50 and s.rcvhwm == 50 and s.hwm == 50
    assert s.get(zmq.TYPE) == zmq.DEALER
    assert s.events == 0 or s.events == zmq.POLLOUT
    with pytest.raises(TypeError):
        s.setsockopt(zmq.LINGER, "0")
    with pytest.raises(TypeError):
        s.setsockopt(zmq.ROUTING_ID, "str")
    with pytest.raises(TypeError):
        s.getsockopt_string(zmq.LINGER)
    with pytest.raises(AttributeError):
        s.no_such_option = 1
    with pytest.raises(zmq.ZMQError) as exc:
        s.setsockopt(9999, 1)
    assert exc.value.errno == errno.EINVAL


def test_subscribe_helpers(ctx):
    pub, sub = pair(ctx, zmq.PUB, zmq.SUB)
    sub.subscribe("a")
    sub.setsockopt(zmq.SUBSCRIBE, b"b")
    sub.unsubscribe(b"b")
    time.sleep(0.1)
    for topic in (b"b1", b"a1"):
        pub.send(topic)
    assert sub.recv() == b"a1"


def test_socket_poll(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    assert b.poll(0) == 0
    assert a.poll(100, zmq.POLLOUT) == zmq.POLLOUT
    t = time.monotonic()
    assert b.poll(100) == 0
    assert time.monotonic() - t >= 0.08
    a.send(b"x")
    assert b.poll(1000) == zmq.POLLIN
    assert b.poll(None) == zmq.POLLIN
    b.close()
    with pytest.raises(zmq.ZMQError):
        b.poll(0)


def test_poller(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    c, d = pair(ctx, zmq.PAIR, zmq.PAIR)
    poller = zmq.Poller()
    poller.register(b, zmq.POLLIN)
    poller.register(d, zmq.POLLIN)
    assert b in poller
    assert poller.poll(50) == []
    c.send(b"x")
    assert dict(poller.poll(1000)) == {d: zmq.POLLIN}
    poller.modify(d, 0)
    assert d not in poller
    poller.unregister(b)
    assert poller.poll(0) == []
    poller.register(a, zmq.POLLOUT)
    assert dict(poller.poll(1000)) == {a: zmq.POLLOUT}


def test_poller_with_fd(ctx):
    r, w = os.pipe()
    try:
        a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
        poller = zmq.Poller()
        poller.register(b, zmq.POLLIN)
        poller.register(r, zmq.POLLIN)
        assert poller.poll(30) == []
        os.write(w, b"!")
        assert dict(poller.poll(1000)) == {r: zmq.POLLIN}
        os.read(r, 1)
        a.send(b"x")
        assert dict(poller.poll(1000)) == {b: zmq.POLLIN}
        rl, wl, xl = zmq.select([b], [], [], 1)
        assert rl == [b]
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_poller_over_socket_and_pipe_wakes_promptly_for_either(ctx, transport):
    """Sockets and plain descriptors are waited for in one OS poll (each socket through its FD): a poll
    blocked on both wakes as soon as either is ready, and reports the descriptor as an int, as pyzmq."""
    r, w = os.pipe()
    reader = os.fdopen(r, "rb", buffering=0)  # registered as an object with fileno()
    try:
        a, b = pair(ctx, zmq.PAIR, zmq.PAIR, transport)
        poller = zmq.Poller()
        poller.register(b, zmq.POLLIN)
        poller.register(reader, zmq.POLLIN)
        for fire, ready in ((lambda: os.write(w, b"!"), r), (lambda: a.send(b"x"), b)):
            fired = []
            # The event comes from another thread once the poll below is (almost surely) blocked.
            t = threading.Timer(0.1, lambda: (fired.append(time.monotonic()), fire()))
            t.start()
            events = poller.poll(10000)
            woke = time.monotonic()
            t.join()
            assert events == [(ready, zmq.POLLIN)]
            assert woke - fired[0] < 1.0, "the poll did not wake promptly"
            if ready is r:
                assert reader.read(1) == b"!"
            else:
                assert b.recv() == b"x"
        assert poller.poll(0) == []
    finally:
        reader.close()
        os.close(w)


def test_poller_with_a_regular_file_and_a_descriptor_twice(ctx, tmp_path):
    """As poll(2) has them: a regular file (stdin redirected from one, say) is always ready, and one
    descriptor may be registered through two objects."""
    f = tmp_path / "input.txt"
    f.write_bytes(b"line\n")
    r, w = os.pipe()
    try:
        with open(f, "rb") as stdin:
            a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
            poller = zmq.Poller()
            poller.register(b, zmq.POLLIN)
            poller.register(stdin, zmq.POLLIN)
            assert poller.poll(5000) == [(stdin.fileno(), zmq.POLLIN)]
            events = zmq.zmq_poll([(r, zmq.POLLIN), (b, zmq.POLLIN), (r, zmq.POLLIN)], 0)
            assert events == []
            os.write(w, b"!")
            events = zmq.zmq_poll([(r, zmq.POLLIN), (b, zmq.POLLIN), (r, zmq.POLLIN)], 5000)
            assert events == [(r, zmq.POLLIN), (r, zmq.POLLIN)]
    finally:
        os.close(r)
        os.close(w)


def test_proxy_steerable(ctx):
    front = ctx.socket(zmq.PULL)
    front.bind("inproc://front")
    back = ctx.socket(zmq.PUSH)
    back.bind("inproc://back")
    ctrl_srv = ctx.socket(zmq.PAIR)
    ctrl_srv.bind("inproc://ctrl")
    ctrl = ctx.socket(zmq.PAIR)
    ctrl.connect("inproc://ctrl")
    t = threading.Thread(target=zmq.proxy_steerable, args=(front, back, None, ctrl_srv))
    t.start()
    src, dst = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    src.connect("inproc://front")
    dst.connect("inproc://back")
    dst.rcvtimeo = 5000
    src.send(b"through")
    assert dst.recv() == b"through"
    ctrl.send(b"TERMINATE")
    t.join(5)
    assert not t.is_alive()


# --- GIL and signals ---------------------------------------------------------------------------


def test_blocking_recv_releases_gil(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind("inproc://gil")
    s.rcvtimeo = 1000
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        with pytest.raises(zmq.Again):
            s.recv()
    finally:
        stop.set()
        t.join()
    assert count[0] > 1000


def test_ctrl_c_interrupts_recv(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind("inproc://sigint")

    def fire():
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=fire).start()
    t = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        s.recv()
    elapsed = time.monotonic() - t
    assert elapsed < 0.3 + 0.25, elapsed


def test_signal_handler_runs_and_recv_resumes(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    seen = []
    old = signal.signal(signal.SIGUSR1, lambda *_: seen.append(time.monotonic()))
    try:
        def later():
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGUSR1)
            time.sleep(0.2)
            a.send(b"after")

        threading.Thread(target=later).start()
        assert b.recv() == b"after"
        assert len(seen) == 1
    finally:
        signal.signal(signal.SIGUSR1, old)


def test_close_from_other_thread_wakes_recv(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind("inproc://closewake")
    errors = []

    def run():
        try:
            s.recv()
        except zmq.ZMQError as e:
            errors.append(e.errno)

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.2)
    s.close()
    t.join(5)
    assert not t.is_alive() and errors == [errno.ENOTSOCK]
