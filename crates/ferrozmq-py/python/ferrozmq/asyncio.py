"""asyncio support, as pyzmq's ``zmq.asyncio``: ``send``/``recv``/``poll`` return awaitable futures.

As in pyzmq, a socket that is not ready is waited for on the event loop itself: its ``FD`` is registered
with ``loop.add_reader`` and, on each wake-up, its ``EVENTS`` tell whether what the call waits for is
there (the FD is edge-like: it signals that the state may have changed, and checking ``EVENTS`` resets
it). No thread is involved; calls that can complete at once do so directly.
"""

from __future__ import annotations

import asyncio as _asyncio
import time
from typing import Any, Awaitable, Callable

from . import _ferrozmq
from .constants import DONTWAIT, POLLIN, POLLOUT, RCVTIMEO, SNDMORE, SNDTIMEO
from .error import Again
from .sugar import context as _context
from .sugar import poll as _poll
from .sugar import socket as _socket


def _get_loop() -> _asyncio.AbstractEventLoop:
    try:
        return _asyncio.get_running_loop()
    except RuntimeError:
        return _asyncio.get_event_loop_policy().get_event_loop()


class _FdWatch:
    """One ``add_reader`` registration of a socket's FD on a loop, shared by every coroutine waiting on
    that socket; it wakes them all at once and unregisters when none is left."""

    def __init__(self, loop: _asyncio.AbstractEventLoop, fd: int) -> None:
        self.loop = loop
        self.fd = fd
        self.waiters: set[_asyncio.Future] = set()
        loop.add_reader(fd, self._wake)

    def _wake(self) -> None:
        for w in self.waiters:
            if not w.done():
                w.set_result(None)
        self.waiters.clear()
        self.close()

    def wait(self) -> _asyncio.Future:
        fut = self.loop.create_future()
        self.waiters.add(fut)
        return fut

    def forget(self, fut: _asyncio.Future) -> None:
        self.waiters.discard(fut)
        if not self.waiters:
            self.close()

    def close(self) -> None:
        if not self.loop.is_closed():
            self.loop.remove_reader(self.fd)
        for w in self.waiters:
            if not w.done():
                w.cancel()
        self.waiters.clear()


async def _fd_readable(sock: Socket, timeout: float | None) -> None:
    """Waits until ``sock``'s FD is readable (its state may have changed) or ``timeout`` s pass; raises
    ``CancelledError`` if the socket is closed meanwhile (as pyzmq cancels a closed socket's futures)."""
    loop = _get_loop()
    watch = sock._fd_watch
    if watch is None or watch.loop is not loop or not watch.waiters:
        watch = sock._fd_watch = _FdWatch(loop, sock._zmq_fd())
    fut = watch.wait()
    try:
        await _asyncio.wait({fut}, timeout=timeout)
    finally:
        if not fut.done():
            watch.forget(fut)
    if fut.cancelled():
        raise _asyncio.CancelledError()


async def _wait_for(sock: Socket, event: int, deadline: float | None) -> int:
    """Waits on the event loop until ``sock`` has one of ``event`` or ``deadline`` passes; returns the
    ready events (0 at the deadline)."""
    while True:
        ready = sock._zmq_events() & event
        if ready:
            return ready
        timeout = None if deadline is None else deadline - time.monotonic()
        if timeout is not None and timeout <= 0:
            return 0
        await _fd_readable(sock, timeout)


def _deadline(sock: Socket, option: int) -> float | None:
    timeout = _ferrozmq.Socket._get_int(sock, option)
    return None if timeout < 0 else time.monotonic() + timeout / 1000


class Socket(_socket.Socket):
    """A socket whose ``send``/``recv``/``poll`` (and the ``*_multipart``, ``*_string``, ``*_json`` and
    ``*_pyobj`` variants) return futures to await on asyncio's event loop."""

    #: The FD registration with the loop while some coroutine waits on this socket.
    _fd_watch: _FdWatch | None = None

    @classmethod
    def from_socket(cls, socket: Any, io_loop: Any = None) -> Socket:
        """An asyncio socket shadowing ``socket`` (a sync one): both stand for one core socket."""
        return cls(shadow=socket)

    def close(self, linger: int | None = None) -> None:
        """Closes the socket, first taking its FD off the event loop (pending waits are cancelled)."""
        if self._fd_watch is not None:
            self._fd_watch.close()
            self._fd_watch = None
        super().close(linger)

    def _future(self, coro: Awaitable[Any]) -> _asyncio.Future:
        return _asyncio.ensure_future(coro, loop=_get_loop())

    def _sync_recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        return _ferrozmq.SocketMethods.recv(self, flags, copy, track)

    def _sync_send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> Any:
        return _ferrozmq.SocketMethods.send(self, data, flags, copy, track, **kwargs)

    async def _retry(self, event: int, timeo: int, attempt: Callable[[], Any]) -> Any:
        deadline = _deadline(self, timeo)
        while True:
            try:
                return attempt()
            except Again:
                if deadline is not None and time.monotonic() >= deadline:
                    raise
            await _wait_for(self, event, deadline)

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> _asyncio.Future:  # type: ignore[override]
        """Receives a frame; returns a future."""
        return self._io(POLLIN, RCVTIMEO, flags, lambda: self._sync_recv(flags | DONTWAIT, copy, track))

    def send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> _asyncio.Future:  # type: ignore[override]
        """Sends a frame; returns a future."""
        return self._io(POLLOUT, SNDTIMEO, flags, lambda: self._sync_send(data, flags | DONTWAIT, copy, track, **kwargs))

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> _asyncio.Future:  # type: ignore[override]
        """Receives a whole message; returns a future of the list of frames."""

        def attempt() -> list:
            parts = [self._sync_recv(flags | DONTWAIT, copy, track)]
            while _ferrozmq.Socket._get_int(self, 13):
                # the rest of a message arrives with its first frame
                parts.append(self._sync_recv(flags & ~DONTWAIT, copy, track))
            return parts

        return self._io(POLLIN, RCVTIMEO, flags, attempt)

    def send_multipart(self, msg_parts: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> _asyncio.Future:  # type: ignore[override]
        """Sends a whole message; returns a future."""
        parts = list(msg_parts)
        if not parts:
            raise ValueError("cannot send an empty multipart message")

        def attempt() -> Any:
            self._sync_send(parts[0], flags | DONTWAIT | (SNDMORE if len(parts) > 1 else 0), copy, track)
            for i, part in enumerate(parts[1:], 1):
                more = SNDMORE if i < len(parts) - 1 else 0
                result = self._sync_send(part, (flags & ~DONTWAIT) | more, copy, track)
            return result if len(parts) > 1 else None

        return self._io(POLLOUT, SNDTIMEO, flags, attempt)

    def _io(self, event: int, timeo: int, flags: int, attempt: Callable[[], Any]) -> _asyncio.Future:
        loop = _get_loop()
        try:
            result = attempt()
        except Again as e:
            if flags & DONTWAIT:
                fut = loop.create_future()
                fut.set_exception(e)
                return fut
            return self._future(self._retry(event, timeo, attempt))
        except Exception as e:
            fut = loop.create_future()
            fut.set_exception(e)
            return fut
        fut = loop.create_future()
        fut.set_result(result)
        return fut

    def _deserialize(self, recvd: Any, load: Callable[[Any], Any]) -> _asyncio.Future:
        async def chain() -> Any:
            return load(await recvd)

        return self._future(chain())

    def poll(self, timeout: int | None = None, flags: int = POLLIN) -> _asyncio.Future:  # type: ignore[override]
        """Waits up to ``timeout`` ms (None: forever) for ``flags``; returns a future of the ready events."""

        async def wait() -> int:
            deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout / 1000
            return await _wait_for(self, int(flags), deadline)

        return self._future(wait())


class Poller(_poll.Poller):
    """A Poller whose ``poll`` returns a future."""

    def poll(self, timeout: int | None = None) -> _asyncio.Future:  # type: ignore[override]
        """Waits up to ``timeout`` ms (None: forever); returns a future of ``[(socket, events), ...]``.
        ferrozmq sockets are waited for through their FDs, plain descriptors through the loop's readers
        and writers."""
        loop = _get_loop()
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout / 1000

        async def wait() -> list:
            while True:
                for obj, _ in self.sockets:
                    if isinstance(obj, _ferrozmq.Socket):
                        obj._zmq_events()  # re-arms the FD: a change after this wakes the wait below
                ready = _poll.zmq_poll(self.sockets, 0)
                left = None if deadline is None else deadline - time.monotonic()
                if ready or (left is not None and left <= 0):
                    return ready
                await self._any_change(loop, left)

        return _asyncio.ensure_future(wait(), loop=loop)

    async def _any_change(self, loop: _asyncio.AbstractEventLoop, timeout: float | None) -> None:
        """Waits until a registered socket's FD or a plain descriptor may be ready, or ``timeout`` s pass."""
        woke = loop.create_future()

        def wake() -> None:
            if not woke.done():
                woke.set_result(None)

        tasks = []
        added: list[tuple[Callable[[int], Any], int]] = []
        try:
            for obj, ev in self.sockets:
                if isinstance(obj, Socket):
                    tasks.append(loop.create_task(_fd_readable(obj, timeout)))
                    tasks[-1].add_done_callback(lambda _: wake())
                    continue
                fd = obj._zmq_fd() if isinstance(obj, _ferrozmq.Socket) else _poll._fileno(obj)
                if isinstance(obj, _ferrozmq.Socket) or ev & POLLIN:
                    loop.add_reader(fd, wake)
                    added.append((loop.remove_reader, fd))
                if not isinstance(obj, _ferrozmq.Socket) and ev & POLLOUT:
                    loop.add_writer(fd, wake)
                    added.append((loop.remove_writer, fd))
            await _asyncio.wait({woke}, timeout=timeout)
        finally:
            for remove, fd in added:
                remove(fd)
            for t in tasks:
                t.cancel()


class Context(_context.Context):
    """A Context whose sockets are asyncio sockets."""

    _socket_class = Socket
    _instance = None
    _instance_pid = None


def install() -> None:
    """Nothing to install: ferrozmq's asyncio sockets work with any asyncio event loop."""


__all__ = ["Context", "Socket", "Poller", "install"]
