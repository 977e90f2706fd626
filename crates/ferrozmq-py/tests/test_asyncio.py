"""ferrozmq.asyncio: awaitable send/recv/poll on asyncio's event loop (and against pyzmq's zmq.asyncio)."""

from __future__ import annotations

import asyncio
import time

import pytest

import ferrozmq
import ferrozmq.asyncio as zaio


def run(coro, timeout: float = 10):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_req_rep_await():
    async def main():
        ctx = zaio.Context()
        try:
            rep = ctx.socket(ferrozmq.REP)
            rep.bind("tcp://127.0.0.1:*")
            req = ctx.socket(ferrozmq.REQ)
            req.connect(rep.last_endpoint.decode())

            async def server():
                for _ in range(3):
                    msg = await rep.recv_multipart()
                    await rep.send_multipart([b"re"] + msg)

            task = asyncio.ensure_future(server())
            for i in range(3):
                await req.send_string(f"n{i}")
                assert await req.recv_multipart() == [b"re", f"n{i}".encode()]
            await task
            await req.send_json({"k": 1})
            assert await rep.recv_json() == {"k": 1}
            await rep.send_pyobj((1, 2))
            assert await req.recv_pyobj() == (1, 2)
        finally:
            ctx.destroy(linger=0)

    run(main())


def test_recv_waits_without_blocking_loop():
    async def main():
        ctx = zaio.Context()
        try:
            pull = ctx.socket(ferrozmq.PULL)
            pull.bind("inproc://aio")
            push = ctx.socket(ferrozmq.PUSH)
            push.connect("inproc://aio")
            ticks = 0

            async def ticker():
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            t = asyncio.ensure_future(ticker())
            fut = pull.recv()
            await asyncio.sleep(0.2)
            assert not fut.done()
            await push.send(b"late")
            assert await fut == b"late"
            t.cancel()
            assert ticks >= 5
        finally:
            ctx.destroy(linger=0)

    run(main())


def test_poll_timeout_and_cancel():
    async def main():
        ctx = zaio.Context()
        try:
            s = ctx.socket(ferrozmq.PULL)
            s.bind("inproc://aiopoll")
            start = time.monotonic()
            assert await s.poll(100) == 0
            assert time.monotonic() - start >= 0.09
            fut = s.recv()
            await asyncio.sleep(0.05)
            fut.cancel()
            with pytest.raises(asyncio.CancelledError):
                await fut
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(s.recv(), 0.1)
            with pytest.raises(ferrozmq.Again):
                await s.recv(ferrozmq.DONTWAIT)
            s.rcvtimeo = 100
            with pytest.raises(ferrozmq.Again):
                await s.recv()
            poller = zaio.Poller()
            poller.register(s, ferrozmq.POLLIN)
            assert await poller.poll(50) == []
        finally:
            ctx.destroy(linger=0)

    run(main())


def test_asyncio_interop_with_pyzmq():
    zmq = pytest.importorskip("zmq")
    import zmq.asyncio

    async def main():
        fctx = zaio.Context()
        zctx = zmq.asyncio.Context()
        try:
            push = zctx.socket(zmq.PUSH)
            push.bind("tcp://127.0.0.1:*")
            pull = fctx.socket(ferrozmq.PULL)
            pull.connect(push.last_endpoint.decode())
            await push.send_multipart([b"a", b"b"])
            assert await pull.recv_multipart() == [b"a", b"b"]
        finally:
            fctx.destroy(linger=0)
            zctx.destroy(linger=0)

    run(main())


def test_waits_on_the_socket_fd_without_threads():
    import socket
    import threading

    async def main():
        ctx = zaio.Context()
        try:
            threads = threading.active_count()
            pulls, pushes = [], []
            for i in range(20):
                pull = ctx.socket(ferrozmq.PULL)
                pull.bind(f"tcp://127.0.0.1:*")
                push = ctx.socket(ferrozmq.PUSH)
                push.connect(pull.last_endpoint.decode())
                pulls.append(pull)
                pushes.append(push)
            # Two coroutines on one socket share its FD registration.
            first = [asyncio.ensure_future(p.recv()) for p in pulls]
            second = [asyncio.ensure_future(p.recv()) for p in pulls]
            await asyncio.sleep(0.05)
            assert not any(f.done() for f in first + second)
            assert threading.active_count() == threads
            for i, push in enumerate(pushes):
                await push.send_multipart([f"{i}".encode()])
                await push.send(f"{i}!".encode())
            got = await asyncio.gather(*first, *second)
            for i in range(20):
                assert sorted([got[i], got[20 + i]]) == sorted([f"{i}".encode(), f"{i}!".encode()])
            assert threading.active_count() == threads

            # An asyncio Poller over a socket and a plain descriptor.
            a, b = socket.socketpair()
            poller = zaio.Poller()
            poller.register(pulls[0], ferrozmq.POLLIN)
            poller.register(a, ferrozmq.POLLIN)
            waiting = poller.poll(5000)
            await asyncio.sleep(0.02)
            assert not waiting.done()
            b.send(b"x")
            assert await waiting == [(a.fileno(), ferrozmq.POLLIN)]  # descriptors come back as ints, as in pyzmq
            a.recv(1)
            waiting = poller.poll(5000)
            await asyncio.sleep(0.02)
            await pushes[0].send(b"zmq")
            assert await waiting == [(pulls[0], ferrozmq.POLLIN)]
            assert await pulls[0].recv() == b"zmq"
            a.close()
            b.close()
            # Closing a socket with a pending wait takes its FD off the loop.
            pending = pulls[1].recv()
            await asyncio.sleep(0.01)
            pulls[1].close()
            with pytest.raises(asyncio.CancelledError):
                await pending
        finally:
            ctx.destroy(linger=0)

    run(main())
