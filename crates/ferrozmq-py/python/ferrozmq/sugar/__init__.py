"""The pyzmq-compatible classes (pyzmq's ``zmq.sugar``)."""

from __future__ import annotations

from .context import Context, SyncContext
from .frame import Frame, Message
from .poll import Poller, select, zmq_poll
from .socket import Socket, SyncSocket
from .tracker import _FINISHED_TRACKER, MessageTracker
from .version import (
    __revision__,
    __version__,
    ferrozmq_version,
    pyzmq_version,
    pyzmq_version_info,
    zmq_version,
    zmq_version_info,
)

__all__ = [
    "Context",
    "SyncContext",
    "Frame",
    "Message",
    "Poller",
    "select",
    "zmq_poll",
    "Socket",
    "SyncSocket",
    "MessageTracker",
    "_FINISHED_TRACKER",
    "__revision__",
    "__version__",
    "ferrozmq_version",
    "pyzmq_version",
    "pyzmq_version_info",
    "zmq_version",
    "zmq_version_info",
]
