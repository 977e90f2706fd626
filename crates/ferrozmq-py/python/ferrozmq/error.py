"""ferrozmq's exceptions: the same classes, attributes and messages as pyzmq's ``zmq.error``."""

from __future__ import annotations

import errno as _errno
import os

from .constants import Errno

__all__ = [
    "ZMQBaseError",
    "ZMQError",
    "Again",
    "ContextTerminated",
    "InterruptedSystemCall",
    "NotDone",
    "ZMQBindError",
    "ZMQVersionError",
    "strerror",
]

# libzmq's messages for its own error numbers (zmq_strerror); POSIX numbers use the C library's text.
_ZMQ_MESSAGES = {
    int(Errno.EFSM): "Operation cannot be accomplished in current state",
    int(Errno.ENOCOMPATPROTO): "The protocol is not compatible with the socket type",
    int(Errno.ETERM): "Context was terminated",
    int(Errno.EMTHREAD): "No thread available",
}


def strerror(errno: int) -> str:
    """libzmq's message for an error number (``zmq_strerror``)."""
    msg = _ZMQ_MESSAGES.get(errno)
    if msg is not None:
        return msg
    if errno >= 156384712:
        return "Unknown error"
    return os.strerror(errno)


class ZMQBaseError(Exception):
    """Base exception class for 0MQ errors in Python."""


class ZMQError(ZMQBaseError):
    """An error from a ZeroMQ call, with its ``errno`` and libzmq's message as ``strerror``."""

    errno: int | None = None
    strerror: str

    def __init__(self, errno: int | None = None, msg: str | None = None) -> None:
        if errno is None:
            errno = 0
        if isinstance(errno, int):
            self.errno = errno
            self.strerror = strerror(errno) if msg is None else msg
        else:
            self.strerror = str(errno) if msg is None else msg

    def __str__(self) -> str:
        return self.strerror

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}('{self}')"


class ZMQBindError(ZMQBaseError):
    """An error for ``Socket.bind_to_random_port``."""


class NotDone(ZMQBaseError):
    """Timeout while waiting on a ``MessageTracker``."""


class ContextTerminated(ZMQError):
    """Wrapper for ZMQ ETERM: the context was terminated."""

    def __init__(self, errno: int | None = None, msg: str | None = None) -> None:
        super().__init__(int(Errno.ETERM) if errno is None else errno, msg)


class Again(ZMQError):
    """Wrapper for ZMQ EAGAIN: the call would block."""

    def __init__(self, errno: int | None = None, msg: str | None = None) -> None:
        super().__init__(_errno.EAGAIN if errno is None else errno, msg)


class InterruptedSystemCall(ZMQError, InterruptedError):
    """Wrapper for EINTR (never raised by ferrozmq, whose blocking calls resume after signal handlers)."""

    def __init__(self, errno: int | None = None, msg: str | None = None) -> None:
        super().__init__(_errno.EINTR if errno is None else errno, msg)


class ZMQVersionError(NotImplementedError):
    """Raised for a feature that the library does not provide."""

    min_version = None

    def __init__(self, min_version: str | None = None, msg: str = "Feature") -> None:
        self.msg = msg
        self.min_version = min_version
        self.version = "ferrozmq"

    def __repr__(self) -> str:
        return f"ZMQVersionError('{self}')"

    def __str__(self) -> str:
        return f"{self.msg} is not available in ferrozmq"


def _check_version(min_version_info: tuple, msg: str = "Feature") -> None:
    """Raises ZMQVersionError if the emulated libzmq version is older than ``min_version_info``."""
    from .sugar.version import zmq_version_info

    if zmq_version_info() < min_version_info:
        raise ZMQVersionError(".".join(map(str, min_version_info)), msg)
