"""The Rust fast paths of send/recv/send_multipart/recv_multipart: pyzmq's arguments, return values and
errors, and the GIL being released whenever a call waits."""

from __future__ import annotations

import gc
import sys
import threading
import time

import pytest

import ferrozmq as zmq

from conftest import pair


def test_keyword_arguments(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(data=b"kw", flags=0, copy=True, track=False)
    assert b.recv(flags=0, copy=True, track=False) == b"kw"
    a.send_multipart(msg_parts=[b"1", b"2"], flags=0, copy=False)
    assert b.recv_multipart(flags=0, copy=True) == [b"1", b"2"]
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        a.send(b"x", bogus=1)
    with pytest.raises(TypeError, match="multiple values for argument 'flags'"):
        a.send(b"x", 0, flags=0)
    with pytest.raises(TypeError, match="missing required argument 'data'"):
        a.send()
    with pytest.raises(TypeError, match="at most 3 arguments"):
        b.recv(0, True, False, 1)
    with pytest.raises(zmq.ZMQError) as e:
        a.send(b"x", routing_id=1)
    assert e.value.errno == zmq.ENOTSUP
    with pytest.raises(zmq.ZMQError):
        a.send_multipart([b"x"], group="g")
    # truth values are accepted for copy/track, as Cython's bint does
    a.send(b"t", copy=0)
    assert b.recv(copy=1) == b"t"


def test_send_return_values_follow_pyzmq(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    assert a.send(b"small") is None
    # copy=False below copy_threshold copies and returns the finished tracker
    t = a.send(b"small", copy=False, track=True)
    assert t is zmq._FINISHED_TRACKER and t.done
    assert a.send(b"small", copy=False) is zmq._FINISHED_TRACKER
    # above it, a real tracker when asked for, else None
    big = b"B" * (a.copy_threshold + 1)
    t = a.send(big, copy=False, track=True)
    assert isinstance(t, zmq.MessageTracker) and t is not zmq._FINISHED_TRACKER
    assert a.send(big, copy=False) is None
    # a Frame returns its own tracker
    f = zmq.Frame(b"frame")
    assert a.send(f) is f.tracker
    with pytest.raises(ValueError, match="Not a tracked message"):
        a.send(f, track=True)
    for expected in (b"small", b"small", b"small", big, big, b"frame"):
        assert b.recv() == expected
    t.wait(5)
    assert t.done


def test_copy_threshold(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    assert a.copy_threshold == zmq.COPY_THRESHOLD
    a.copy_threshold = 0
    t = a.send(b"tiny", copy=False, track=True)
    assert isinstance(t, zmq.MessageTracker) and t is not zmq._FINISHED_TRACKER
    assert b.recv() == b"tiny"
    t.wait(5)
    s = ctx.socket(zmq.PUSH, copy_threshold=10)
    assert s.copy_threshold == 10
    s.close(0)


def test_recv_multipart_frames_carry_more(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send_multipart((b"a", bytearray(b"b"), memoryview(b"c")))
    frames = b.recv_multipart(copy=False)
    assert [f.more for f in frames] == [True, True, False]
    assert [f.bytes for f in frames] == [b"a", b"b", b"c"]
    a.send_multipart(iter([b"gen"]))
    assert b.recv_multipart() == [b"gen"]
    with pytest.raises(ValueError):
        a.send_multipart([])
    with pytest.raises(TypeError, match=r"Frame 1 \(1\) does not support the buffer interface"):
        a.send_multipart([b"ok", 1])


def test_blocked_send_and_recv_release_the_gil(ctx):
    """A send that waits (no peer) and a recv that waits let other Python threads run meanwhile."""
    push = ctx.socket(zmq.PUSH)
    push.sndtimeo = 300
    push.linger = 0
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 300
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        for call in (lambda: push.send(b"x"), lambda: pull.recv()):
            before = len(ticks)
            start = time.monotonic()
            with pytest.raises(zmq.Again):
                call()
            assert time.monotonic() - start >= 0.25
            assert len(ticks) - before >= 10
    finally:
        stop.set()
        t.join()
        pull.close(0)
        push.close(0)


def test_zero_copy_sends_release_their_bytes(ctx):
    """Shared bytes dropped by the core's I/O thread are released: they do not pile up."""
    a, b = pair(ctx, zmq.PUSH, zmq.PULL, "tcp")
    payload = b"z" * 200_000
    base = sys.getrefcount(payload)
    for _ in range(50):
        a.send(payload, copy=False)
        assert b.recv(copy=False).bytes[:1] == b"z"
    deadline = time.monotonic() + 5
    while sys.getrefcount(payload) > base + 2 and time.monotonic() < deadline:
        a.send(payload, copy=False)  # each new shared send applies the drops deferred so far
        b.recv()
        gc.collect()
        time.sleep(0.01)
    assert sys.getrefcount(payload) <= base + 2
