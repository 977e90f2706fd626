"""Devices as pyzmq's ``zmq.devices`` has them: a proxy (or a monitored queue) between sockets described up
front (types, addresses, options), run in the calling thread, a background thread or a child process."""

from __future__ import annotations

from .basedevice import Device, ProcessDevice, ThreadDevice
from .monitoredqueue import monitored_queue
from .proxydevice import (
    MonitoredQueue,
    ProcessMonitoredQueue,
    ProcessProxy,
    ProcessProxySteerable,
    Proxy,
    ProxySteerable,
    ThreadMonitoredQueue,
    ThreadProxy,
    ThreadProxySteerable,
)

__all__ = [
    "Device",
    "ThreadDevice",
    "ProcessDevice",
    "Proxy",
    "ThreadProxy",
    "ProcessProxy",
    "ProxySteerable",
    "ThreadProxySteerable",
    "ProcessProxySteerable",
    "MonitoredQueue",
    "ThreadMonitoredQueue",
    "ProcessMonitoredQueue",
    "monitored_queue",
]
