"""Poller, zmq_poll and select over ferrozmq sockets and plain file descriptors."""

from __future__ import annotations

import select as _select
import time
from typing import Any

from .. import _ferrozmq
from ..constants import POLLERR, POLLIN, POLLOUT

# How often sockets are looked at while also waiting on plain file descriptors, in ms.
_MIXED_SLICE_MS = 10


def _fileno(obj: Any) -> int | None:
    if isinstance(obj, int):
        return obj
    if hasattr(obj, "fileno"):
        try:
            return int(obj.fileno())
        except Exception:
            return None
    return None


def _poll_fds(fds: list[tuple[Any, int, int]], timeout_ms: int) -> dict[int, int]:
    """Polls plain file descriptors; returns {index: zmq events}."""
    poller = _select.poll()
    for _, fd, ev in fds:
        mask = 0
        if ev & POLLIN:
            mask |= _select.POLLIN | _select.POLLPRI
        if ev & POLLOUT:
            mask |= _select.POLLOUT
        poller.register(fd, mask)
    ready: dict[int, int] = {}
    index = {fd: i for i, (_, fd, _) in enumerate(fds)}
    for fd, mask in poller.poll(timeout_ms):
        ev = 0
        if mask & (_select.POLLIN | _select.POLLPRI | _select.POLLHUP):
            ev |= POLLIN
        if mask & _select.POLLOUT:
            ev |= POLLOUT
        if mask & (_select.POLLERR | _select.POLLNVAL):
            ev |= POLLERR
        i = index[fd]
        ev &= fds[i][2] | POLLERR
        if ev:
            ready[i] = ev
    return ready


def zmq_poll(sockets: list[tuple[Any, int]], timeout: int | None = -1) -> list[tuple[Any, int]]:
    """Polls sockets and file descriptors (``[(socket_or_fd, events), ...]``) for up to ``timeout`` ms
    (negative or None: forever). Returns ``[(socket_or_fd, revents), ...]`` for the ready ones."""
    if timeout is None or timeout < 0:
        timeout = -1
    timeout = int(timeout)
    socks: list[tuple[int, Any, int]] = []
    fds: list[tuple[int, int, int]] = []
    for i, (obj, ev) in enumerate(sockets):
        if isinstance(obj, _ferrozmq.Socket):
            socks.append((i, obj, int(ev)))
        else:
            fd = _fileno(obj)
            if fd is None:
                raise TypeError(f"Socket must be a ferrozmq Socket or an int/fileno(), not {obj!r}")
            fds.append((i, fd, int(ev)))
    if not fds:
        revents = _ferrozmq.poll_sockets([s for _, s, _ in socks], [e for _, _, e in socks], timeout)
        return [(sockets[i][0], r) for (i, _, _), r in zip(socks, revents) if r]
    deadline = None if timeout < 0 else time.monotonic() + timeout / 1000
    while True:
        result: dict[int, int] = {}
        if socks:
            revents = _ferrozmq.poll_sockets([s for _, s, _ in socks], [e for _, _, e in socks], 0)
            for (i, _, _), r in zip(socks, revents):
                if r:
                    result[i] = r
        wait = 0
        if not result:
            left = -1 if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
            wait = left if not socks else (_MIXED_SLICE_MS if left < 0 else min(left, _MIXED_SLICE_MS))
        for j, ev in _poll_fds([(None, fd, ev) for _, fd, ev in fds], wait).items():
            result[fds[j][0]] = ev
        if result or (deadline is not None and time.monotonic() >= deadline):
            return [(sockets[i][0], result[i]) for i in sorted(result)]


class Poller:
    """A set of sockets and file descriptors to poll together (``zmq.Poller``)."""

    def __init__(self) -> None:
        self.sockets: list[tuple[Any, int]] = []
        self._map: dict[Any, int] = {}

    def __contains__(self, socket: Any) -> bool:
        return socket in self._map

    def register(self, socket: Any, flags: int = POLLIN | POLLOUT) -> None:
        """Watches ``socket`` for ``flags``; 0 unregisters it."""
        if flags:
            if socket in self._map:
                idx = self._map[socket]
                self.sockets[idx] = (socket, flags)
            else:
                idx = len(self.sockets)
                self.sockets.append((socket, flags))
                self._map[socket] = idx
        elif socket in self._map:
            self.unregister(socket)

    def modify(self, socket: Any, flags: int = POLLIN | POLLOUT) -> None:
        """Changes the events watched on ``socket``."""
        self.register(socket, flags)

    def unregister(self, socket: Any) -> None:
        """Stops watching ``socket``."""
        idx = self._map.pop(socket)
        self.sockets.pop(idx)
        for s, _ in self.sockets[idx:]:
            self._map[s] -= 1

    def poll(self, timeout: int | None = None) -> list[tuple[Any, int]]:
        """Waits up to ``timeout`` ms (None or negative: forever); returns ``[(socket, events), ...]``."""
        if timeout is None or timeout < 0:
            timeout = -1
        elif isinstance(timeout, float):
            timeout = int(timeout)
        return zmq_poll(self.sockets, timeout=timeout)


def select(rlist: list, wlist: list, xlist: list, timeout: float | None = None) -> tuple[list, list, list]:
    """``select.select`` for sockets and file descriptors; ``timeout`` in seconds (None: forever)."""
    if timeout is None:
        timeout = -1
    timeout = int(timeout * 1000.0) if timeout >= 0 else -1
    sockets = []
    for s in set(rlist + wlist + xlist):
        flags = 0
        if s in rlist:
            flags |= POLLIN
        if s in wlist:
            flags |= POLLOUT
        if s in xlist:
            flags |= POLLERR
        sockets.append((s, flags))
    return_sockets = zmq_poll(sockets, timeout)
    rlist, wlist, xlist = [], [], []
    for s, flags in return_sockets:
        if flags & POLLIN:
            rlist.append(s)
        if flags & POLLOUT:
            wlist.append(s)
        if flags & POLLERR:
            xlist.append(s)
    return rlist, wlist, xlist


__all__ = ["Poller", "select", "zmq_poll"]
