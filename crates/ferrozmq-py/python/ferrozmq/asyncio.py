"""asyncio support, as pyzmq's ``zmq.asyncio``: ``send``/``recv``/``poll`` return awaitable futures.

The ferrozmq core has no file descriptor to register with the event loop yet, so a socket that is not
ready is waited for in a small thread pool (in slices of at most 100 ms, without the GIL), and the loop
is told when it becomes ready. Calls that can complete at once do so without leaving the loop's thread.
"""

from __future__ import annotations

import asyncio as _asyncio
import concurrent.futures
import threading
import time
from typing import Any, Awaitable, Callable

from . import _ferrozmq
from .constants import DONTWAIT, POLLIN, POLLOUT, RCVTIMEO, SNDMORE, SNDTIMEO
from .error import Again
from .sugar import context as _context
from .sugar import poll as _poll
from .sugar import socket as _socket

# Longest single wait in a helper thread, ms: bounds how long a cancelled wait keeps its thread.
_WAIT_SLICE_MS = 100

_executor_lock = threading.Lock()
_executor: concurrent.futures.ThreadPoolExecutor | None = None


def _get_executor() -> concurrent.futures.ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = concurrent.futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="ferrozmq-asyncio")
        return _executor


def _get_loop() -> _asyncio.AbstractEventLoop:
    try:
        return _asyncio.get_running_loop()
    except RuntimeError:
        return _asyncio.get_event_loop_policy().get_event_loop()


async def _wait_for(sock: Socket, event: int, deadline: float | None) -> None:
    """Waits, off the loop's thread, until ``sock`` has ``event`` or ``deadline`` passes."""
    loop = _get_loop()
    while True:
        if deadline is None:
            slice_ms = _WAIT_SLICE_MS
        else:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            slice_ms = min(_WAIT_SLICE_MS, max(1, int(left * 1000)))
        ready = await loop.run_in_executor(_get_executor(), _ferrozmq.Socket._poll, sock, event, slice_ms)
        if ready & event:
            return


def _deadline(sock: Socket, option: int) -> float | None:
    timeout = _ferrozmq.Socket._get_int(sock, option)
    return None if timeout < 0 else time.monotonic() + timeout / 1000


class Socket(_socket.Socket):
    """A socket whose ``send``/``recv``/``poll`` (and the ``*_multipart``, ``*_string``, ``*_json`` and
    ``*_pyobj`` variants) return futures to await on asyncio's event loop."""

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
            while True:
                ready = self._poll(int(flags), 0)
                if ready or (deadline is not None and time.monotonic() >= deadline):
                    return ready
                await _wait_for(self, int(flags), deadline)

        return self._future(wait())


class Poller(_poll.Poller):
    """A Poller whose ``poll`` returns a future."""

    def poll(self, timeout: int | None = None) -> _asyncio.Future:  # type: ignore[override]
        """Waits up to ``timeout`` ms (None: forever); returns a future of ``[(socket, events), ...]``."""
        loop = _get_loop()
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout / 1000

        async def wait() -> list:
            while True:
                ready = _poll.zmq_poll(self.sockets, 0)
                if ready or (deadline is not None and time.monotonic() >= deadline):
                    return ready
                slice_ms = _WAIT_SLICE_MS
                if deadline is not None:
                    slice_ms = min(slice_ms, max(1, int((deadline - time.monotonic()) * 1000)))
                await loop.run_in_executor(_get_executor(), _poll.zmq_poll, self.sockets, slice_ms)

        return _asyncio.ensure_future(wait(), loop=loop)


class Context(_context.Context):
    """A Context whose sockets are asyncio sockets."""

    _socket_class = Socket
    _instance = None
    _instance_pid = None


def install() -> None:
    """Nothing to install: ferrozmq's asyncio sockets work with any asyncio event loop."""


__all__ = ["Context", "Socket", "Poller", "install"]
