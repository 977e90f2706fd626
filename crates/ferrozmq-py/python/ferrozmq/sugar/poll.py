"""Poller, zmq_poll and select over ferrozmq sockets and plain file descriptors."""

from __future__ import annotations

from typing import Any

from .. import _ferrozmq
from ..constants import POLLERR, POLLIN, POLLOUT


def _fileno(obj: Any) -> int | None:
    if isinstance(obj, int):
        return obj
    if hasattr(obj, "fileno"):
        try:
            return int(obj.fileno())
        except Exception:
            return None
    return None


def zmq_poll(sockets: list[tuple[Any, int]], timeout: int | None = -1) -> list[tuple[Any, int]]:
    """Polls sockets and file descriptors (``[(socket_or_fd, events), ...]``; an fd is an int or an object
    with ``fileno()``) for up to ``timeout`` ms (negative or None: forever). Returns
    ``[(socket_or_fd, revents), ...]`` for the ready ones: the socket itself, or the integer fd for a
    descriptor, as pyzmq does.

    Sockets and descriptors are waited for together in one OS poll (each socket through its ``FD``), so
    either kind wakes the call as soon as it is ready."""
    if timeout is None or timeout < 0:
        timeout = -1
    items: list[Any] = []
    events: list[int] = []
    for obj, ev in sockets:
        if isinstance(obj, _ferrozmq.Socket):
            items.append(obj)
        else:
            fd = _fileno(obj)
            if fd is None:
                raise TypeError(f"Socket must be a ferrozmq Socket or an int/fileno(), not {obj!r}")
            items.append(fd)
        events.append(int(ev))
    if not items:
        return []
    revents = _ferrozmq.poll_sockets(items, events, int(timeout))
    return [(item, r) for item, r in zip(items, revents) if r]


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
