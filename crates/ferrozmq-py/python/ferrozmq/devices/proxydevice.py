"""Proxy, ProxySteerable and MonitoredQueue devices (with Thread* and Process* variants), as in pyzmq's
``zmq.devices``: a device whose traffic is also copied to a monitor socket, steerable through a control
socket, or published with in/out prefixes."""

from __future__ import annotations

from typing import Any

from ..constants import PUB, QUEUE
from .basedevice import Device, ProcessDevice, ThreadDevice, _Side, _side_methods
from .monitoredqueue import monitored_queue


class ProxyBase:
    """Adds a monitor socket (``bind_mon``/``connect_mon``/``setsockopt_mon``): ``zmq.proxy``'s capture."""

    locals().update(_side_methods("mon"))

    def __init__(self, in_type: int, out_type: int, mon_type: int = PUB) -> None:
        Device.__init__(self, QUEUE, in_type, out_type)  # type: ignore[arg-type]
        self.mon_type = mon_type
        self._sides["mon"] = _Side(mon_type)  # type: ignore[attr-defined]

    def _setup_sockets(self) -> tuple[Any, Any, Any]:
        ins, outs = Device._setup_sockets(self)  # type: ignore[arg-type]
        mons = self._sides["mon"].make(self._context)  # type: ignore[attr-defined]
        self._sockets.append(mons)  # type: ignore[attr-defined]
        return ins, outs, mons

    def run_device(self) -> None:
        """Runs ``proxy(in, out, mon)``."""
        from .. import proxy

        ins, outs, mons = self._setup_sockets()
        proxy(ins, outs, mons)


class Proxy(ProxyBase, Device):
    """A proxy device with a monitor socket, run in the calling thread."""


class ThreadProxy(ProxyBase, ThreadDevice):
    """A proxy device with a monitor socket, in a background thread."""


class ProcessProxy(ProxyBase, ProcessDevice):
    """A proxy device with a monitor socket, in a child process."""


class ProxySteerableBase:
    """Adds a control socket (``bind_ctrl``/``connect_ctrl``/``setsockopt_ctrl``) that takes PAUSE, RESUME,
    TERMINATE and STATISTICS: ``zmq.proxy_steerable``."""

    locals().update(_side_methods("ctrl"))

    def __init__(self, in_type: int, out_type: int, mon_type: int = PUB, ctrl_type: int | None = None) -> None:
        super().__init__(in_type=in_type, out_type=out_type, mon_type=mon_type)  # type: ignore[call-arg]
        self.ctrl_type = ctrl_type
        self._sides["ctrl"] = _Side(ctrl_type)  # type: ignore[attr-defined]

    def _setup_sockets(self) -> tuple[Any, Any, Any, Any]:
        ins, outs, mons = super()._setup_sockets()  # type: ignore[misc]
        ctrl = self._sides["ctrl"].make(self._context)  # type: ignore[attr-defined]
        self._sockets.append(ctrl)  # type: ignore[attr-defined]
        return ins, outs, mons, ctrl

    def run_device(self) -> None:
        """Runs ``proxy_steerable(in, out, mon, ctrl)``; returns after TERMINATE."""
        from .. import proxy_steerable

        ins, outs, mons, ctrl = self._setup_sockets()
        proxy_steerable(ins, outs, mons, ctrl)


class ProxySteerable(ProxySteerableBase, Proxy):
    """A steerable proxy device, run in the calling thread."""


class ThreadProxySteerable(ProxySteerableBase, ThreadProxy):
    """A steerable proxy device, in a background thread."""


class ProcessProxySteerable(ProxySteerableBase, ProcessProxy):
    """A steerable proxy device, in a child process."""


class MonitoredQueueBase(ProxyBase):
    """A proxy whose monitor socket gets each message after a prefix frame telling where it came from."""

    def __init__(
        self, in_type: int, out_type: int, mon_type: int = PUB, in_prefix: bytes = b"in", out_prefix: bytes = b"out"
    ) -> None:
        ProxyBase.__init__(self, in_type=in_type, out_type=out_type, mon_type=mon_type)
        self._in_prefix = in_prefix
        self._out_prefix = out_prefix

    def run_device(self) -> None:
        """Runs ``monitored_queue(in, out, mon, in_prefix, out_prefix)``."""
        ins, outs, mons = self._setup_sockets()
        monitored_queue(ins, outs, mons, self._in_prefix, self._out_prefix)


class MonitoredQueue(MonitoredQueueBase, Proxy):
    """A monitored queue, run in the calling thread."""


class ThreadMonitoredQueue(MonitoredQueueBase, ThreadProxy):
    """A monitored queue in a background thread."""


class ProcessMonitoredQueue(MonitoredQueueBase, ProcessProxy):
    """A monitored queue in a child process."""


__all__ = [
    "Proxy",
    "ThreadProxy",
    "ProcessProxy",
    "ProxySteerable",
    "ThreadProxySteerable",
    "ProcessProxySteerable",
    "MonitoredQueue",
    "ThreadMonitoredQueue",
    "ProcessMonitoredQueue",
]
