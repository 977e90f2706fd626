"""Shadow contexts and sockets: ``underlying`` addresses that resolve back to the same core object."""

from __future__ import annotations

import asyncio
import copy
import gc

import pytest

import ferrozmq as zmq
import ferrozmq.asyncio as zaio

from conftest import pair


def test_context_shadow_shares_the_core_context(ctx):
    assert ctx.underlying != 0
    shadow = zmq.Context.shadow(ctx.underlying)
    assert shadow.underlying == ctx.underlying and shadow._shadow and not ctx._shadow
    assert zmq.Context.shadow(ctx).underlying == ctx.underlying
    assert zmq.Context(ctx).underlying == ctx.underlying  # positional, as in pyzmq
    assert copy.copy(ctx).underlying == ctx.underlying
    # inproc endpoints belong to a context: a shadow's sockets reach the original's.
    pull = ctx.socket(zmq.PULL)
    pull.rcvtimeo = 5000
    pull.bind("inproc://shadow-ctx")
    push = shadow.socket(zmq.PUSH)
    push.connect("inproc://shadow-ctx")
    push.send(b"through the shadow")
    assert pull.recv() == b"through the shadow"
    push.close(linger=0)
    # Context options are the core context's, seen through every shadow.
    ctx.set(zmq.MAX_SOCKETS, 77)
    assert shadow.get(zmq.MAX_SOCKETS) == 77
    # A shadow going away leaves the context alone.
    del shadow
    gc.collect()
    assert not ctx.closed


def test_terminating_a_shadowed_context_and_bad_addresses():
    ctx = zmq.Context()
    shadow = zmq.Context.shadow(ctx.underlying)
    ctx.term()
    assert ctx.closed
    # As in pyzmq: the shadow's own `closed` stays False, and its calls fail like libzmq's on a
    # destroyed context.
    assert not shadow.closed
    with pytest.raises(zmq.ZMQError) as e:
        shadow.socket(zmq.PUB)
    assert e.value.errno == zmq.EFAULT
    shadow.term()
    del ctx, shadow
    gc.collect()
    with pytest.raises(zmq.ZMQError) as e:
        zmq.Context.shadow(123456789)
    assert e.value.errno == zmq.EFAULT


def test_socket_shadow_shares_messages_options_and_close(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    assert b.underlying not in (0, a.underlying, ctx.underlying)
    s = zmq.Socket.shadow(b.underlying)
    assert s.underlying == b.underlying and s._shadow and s.type == zmq.PAIR
    assert zmq.Socket(b).context is ctx  # positional, as in pyzmq; keeps the context
    assert copy.copy(b).underlying == b.underlying
    a.send(b"one")
    assert s.recv() == b"one"
    s.send(b"two")
    assert a.recv() == b"two"
    s.rcvtimeo = 1234
    assert b.rcvtimeo == 1234
    assert s.getsockopt(zmq.FD) == b.getsockopt(zmq.FD)
    # Garbage-collecting a shadow does not close the socket; closing it does, for both.
    del s
    gc.collect()
    assert not b.closed
    s = zmq.Socket.shadow(b)
    s.close()
    assert b.closed
    with pytest.raises(zmq.ZMQError) as e:
        b.recv(zmq.NOBLOCK)
    assert e.value.errno == zmq.ENOTSOCK
    # Addresses are not reused and never resolve to something else.
    with pytest.raises(zmq.ZMQError) as e:
        zmq.Socket.shadow(ctx.underlying)
    assert e.value.errno == zmq.ENOTSOCK
    with pytest.raises(TypeError):
        zmq.Socket()


def test_asyncio_socket_from_sync_socket(ctx):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)

    async def main():
        ab = zaio.Socket.from_socket(b)
        assert ab.underlying == b.underlying
        waiting = ab.recv()
        await asyncio.sleep(0.01)
        assert not waiting.done()
        a.send(b"async")
        assert await asyncio.wait_for(waiting, 5) == b"async"
        # An asyncio context shadowing a sync one reaches its inproc endpoints.
        actx = zaio.Context(ctx)
        assert actx.underlying == ctx.underlying
        pull = ctx.socket(zmq.PULL)
        pull.rcvtimeo = 5000
        pull.bind("inproc://shadow-async")
        push = actx.socket(zmq.PUSH)
        push.connect("inproc://shadow-async")
        await push.send(b"from asyncio")
        assert pull.recv() == b"from asyncio"
        push.close(linger=0)

    asyncio.run(main())
