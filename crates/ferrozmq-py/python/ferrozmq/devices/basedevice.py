"""Device, ThreadDevice, ProcessDevice: a device (a proxy between two sockets) described up front — socket
types, addresses to bind and connect, options — and run in this thread, a background thread or a child
process, as pyzmq's ``zmq.devices`` does."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any, Callable

from ..constants import QUEUE
from ..error import ContextTerminated
from ..sugar.context import Context


class _Side:
    """How to set up one socket of a device: its type, options, binds and connects."""

    def __init__(self, socket_type: int | None) -> None:
        self.type = socket_type
        self.binds: list[str] = []
        self.connects: list[str] = []
        self.sockopts: list[tuple[int, Any]] = []
        self.random_binds: list[tuple[str, tuple, dict]] = []

    def make(self, ctx: Any) -> Any:
        s = ctx.socket(self.type)
        for opt, value in self.sockopts:
            s.setsockopt(opt, value)
        for addr in self.binds:
            s.bind(addr)
        for addr in self.connects:
            s.connect(addr)
        return s


def _side_methods(role: str) -> dict[str, Callable]:
    """``bind_<role>``, ``bind_<role>_to_random_port``, ``connect_<role>`` and ``setsockopt_<role>``."""

    def bind(self: Device, addr: str) -> None:
        self._sides[role].binds.append(addr)

    def connect(self: Device, addr: str) -> None:
        self._sides[role].connects.append(addr)

    def setsockopt(self: Device, opt: int, value: Any) -> None:
        self._sides[role].sockopts.append((opt, value))

    def bind_to_random_port(self: Device, addr: str, *args: Any, **kwargs: Any) -> int:
        # Reserve a port with a throwaway socket now; the device binds it when it starts.
        ctx = Context()
        try:
            s = ctx.socket(self._sides[role].type)
            port = s.bind_to_random_port(addr, *args, **kwargs)
            s.close(linger=0)
        finally:
            ctx.term()
        self._sides[role].binds.append(f"{addr}:{port}")
        return port

    bind.__doc__ = f"Binds the {role} socket to ``addr`` when the device starts."
    connect.__doc__ = f"Connects the {role} socket to ``addr`` when the device starts."
    setsockopt.__doc__ = f"Sets an option of the {role} socket when the device starts."
    bind_to_random_port.__doc__ = f"Reserves a random port of ``addr`` for the {role} socket; returns it."
    return {
        f"bind_{role}": bind,
        f"connect_{role}": connect,
        f"setsockopt_{role}": setsockopt,
        f"bind_{role}_to_random_port": bind_to_random_port,
    }


class Device:
    """A device run in the calling thread by ``start()`` (see ThreadDevice and ProcessDevice for background
    ones): ``Device(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)``, then ``bind_in``/``connect_out``/... and ``start``.
    It runs until its context is terminated."""

    #: Makes the context the device's sockets live in.
    context_factory: Callable[[], Any] = Context.instance

    locals().update(_side_methods("in"))
    locals().update(_side_methods("out"))

    def __init__(self, device_type: int = QUEUE, in_type: int | None = None, out_type: int | None = None) -> None:
        self.device_type = device_type
        if in_type is None or out_type is None:
            raise TypeError("in_type and out_type must be given")
        self.in_type = in_type
        self.out_type = out_type
        self._sides = {"in": _Side(in_type), "out": _Side(out_type)}
        self.daemon = True
        self.done = False
        self._sockets: list[Any] = []
        self._context: Any = None

    def _setup_sockets(self) -> tuple[Any, Any]:
        self._context = ctx = self.context_factory()
        ins = self._sides["in"].make(ctx)
        self._sockets.append(ins)
        outs = self._sides["out"].make(ctx)
        self._sockets.append(outs)
        return ins, outs

    def run_device(self) -> None:
        """Sets up the sockets and runs the proxy between them."""
        from .. import proxy

        ins, outs = self._setup_sockets()
        proxy(ins, outs)

    def _close_sockets(self) -> None:
        for s in self._sockets:
            if s is not None and not s.closed:
                s.close(linger=0)
        self._sockets = []

    def run(self) -> None:
        """Runs the device until its context is terminated."""
        try:
            self.run_device()
        except ContextTerminated:
            pass
        finally:
            self._close_sockets()
            self.done = True

    def start(self) -> None:
        """Runs the device (in this thread: returns only when it ends)."""
        return self.run()

    def join(self, timeout: float | None = None) -> None:
        """Returns once the device is done (at once for a device run in this thread)."""


class BackgroundDevice(Device):
    """A device run in the background by ``start()``."""

    _launch_class: Any = None

    def start(self) -> None:
        """Starts the device in the background."""
        self.launcher = self._launch_class(target=self.run)
        self.launcher.daemon = self.daemon
        return self.launcher.start()

    def join(self, timeout: float | None = None) -> None:
        """Waits up to ``timeout`` seconds for the device to end."""
        return self.launcher.join(timeout=timeout)


class ThreadDevice(BackgroundDevice):
    """A device in a background thread, with sockets of ``Context.instance()``."""

    _launch_class = threading.Thread


class ProcessDevice(BackgroundDevice):
    """A device in a child process, with sockets of a new context."""

    _launch_class = multiprocessing.Process
    context_factory = Context


__all__ = ["Device", "ThreadDevice", "ProcessDevice"]
