"""ferrozmq as a backend of pyzmq: ``PYZMQ_BACKEND=ferrozmq.backend python app.py`` runs a pyzmq application
unchanged on the ferrozmq core, under pyzmq's own pure-Python layer (``zmq.sugar``, ``zmq.asyncio`` ...).

pyzmq's backend selector (``zmq/backend/select.py``) imports this module and takes from it the names of
its ``public_api`` list plus ``monitored_queue``. Exceptions raised by the core are then instances of both
pyzmq's and ferrozmq's classes (``zmq.Again`` and ``ferrozmq.Again`` ...), and ``recv(copy=False)`` returns
pyzmq's ``zmq.Frame``. pyzmq's modules are looked up lazily: this module is imported while ``zmq`` itself is
still being imported.
"""

from __future__ import annotations

import errno as _errno
import sys
import threading
import time
from typing import Any

from . import _ferrozmq
from . import error as _ferro_error
from .constants import EVENTS, FD, LINGER, ContextOption, SocketOption, _OptType
from .devices.monitoredqueue import monitored_queue
from .error import ZMQError, strerror
from .sugar.frame import Frame as _FerroFrame
from .sugar.poll import zmq_poll
from .sugar.socket import _check_ipc_path
from .sugar.version import zmq_version_info

#: The longest ipc path (``sun_path`` less its NUL, Linux).
IPC_PATH_MAX_LEN = 107
PYZMQ_DRAFT_API = False


def _zmq() -> Any:
    """pyzmq's top-level module (imported by now whenever a backend object is used)."""
    return sys.modules["zmq"]


#: What this module raises for an errno: pyzmq's and ferrozmq's ``ZMQError`` at once (once installed).
_ZMQError: Any = ZMQError


def _install_error_classes() -> None:
    """Makes the core (and this module) raise classes deriving from both pyzmq's and ferrozmq's
    exceptions."""
    global _ZMQError
    try:
        import zmq.error as zerr
    except ImportError:
        return

    class ZMQErrorBoth(zerr.ZMQError, _ferro_error.ZMQError):
        """A core error: both ``zmq.ZMQError`` and ``ferrozmq.ZMQError``."""

    class AgainBoth(zerr.Again, _ferro_error.Again):
        """EAGAIN: both ``zmq.Again`` and ``ferrozmq.Again``."""

    class ContextTerminatedBoth(zerr.ContextTerminated, _ferro_error.ContextTerminated):
        """ETERM: both ``zmq.ContextTerminated`` and ``ferrozmq.ContextTerminated``."""

    for cls, name in ((ZMQErrorBoth, "ZMQError"), (AgainBoth, "Again"), (ContextTerminatedBoth, "ContextTerminated")):
        cls.__name__ = cls.__qualname__ = name
        cls.__module__ = "zmq.error"
    _ZMQError = ZMQErrorBoth
    try:
        _ferrozmq.set_error_classes(ZMQErrorBoth, AgainBoth, ContextTerminatedBoth)
    except RuntimeError:
        # ferrozmq raised an error before pyzmq loaded it as a backend: its own classes stay.
        pass


_install_error_classes()


def has(capability: str) -> bool:
    """Whether a capability is available (``zmq_has``)."""
    from . import has as _has

    return _has(capability)


def zmq_errno() -> int:
    """libzmq's last errno; ferrozmq reports errors only as exceptions."""
    return 0


def curve_keypair() -> tuple[bytes, bytes]:
    """A new Z85 CURVE key pair ``(public, secret)`` (``zmq_curve_keypair``)."""
    from . import curve_keypair as _kp

    return _kp()


def curve_public(secret_key: bytes) -> bytes:
    """The Z85 public CURVE key of a secret one (``zmq_curve_public``)."""
    from . import curve_public as _cp

    return _cp(secret_key)


def proxy(frontend: Any, backend: Any, capture: Any = None) -> None:
    """``zmq_proxy`` on the core."""
    _ferrozmq.proxy(frontend, backend, capture)


def proxy_steerable(frontend: Any, backend: Any, capture: Any = None, control: Any = None) -> None:
    """``zmq_proxy_steerable`` on the core."""
    _ferrozmq.proxy_steerable(frontend, backend, capture, control)


class _CoreEvent(threading.Event):
    """A ``threading.Event`` (what pyzmq's ``MessageTracker`` watches) that is set once the core has let go
    of a message sent with ``copy=False, track=True``."""

    def __init__(self, core_tracker: Any) -> None:
        super().__init__()
        self._core = core_tracker

    def is_set(self) -> bool:
        return self._core.done

    isSet = is_set

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.0001
        while not self._core.done:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.01)
        return True


class Frame(_FerroFrame):
    """pyzmq's backend ``Frame`` on a ferrozmq frame (memory shared with the core)."""

    def __init__(self, data: Any = None, track: bool = False, copy: bool | None = None, copy_threshold: int | None = None, **kwargs: Any) -> None:
        super().__init__(data, track=False, copy=copy, copy_threshold=copy_threshold)
        self.tracker = _zmq()._FINISHED_TRACKER if track else None

    # pyzmq's frames have no __str__ of their own: str() is their repr.
    __str__ = object.__str__


Message = Frame


class Context(_ferrozmq.Context):
    """pyzmq's backend ``Context`` on a ferrozmq context."""

    _shadow = False

    def __init__(self, io_threads: int = 1, shadow: int = 0) -> None:
        if shadow:
            # ``shadow``: another context's ``underlying`` (the address of a core context)
            self._shadow = True
            self._open_shadow(int(shadow))
        else:
            if io_threads < 0:
                raise _ZMQError(_errno.EINVAL)
            self._open()
            self._opt_set(int(ContextOption.IO_THREADS), int(io_threads))

    # ``underlying`` (from the core): the address pyzmq's ``Context.shadow`` takes.

    def set(self, option: int, optval: int) -> None:
        """Sets a context option (recorded; the core has a fixed configuration)."""
        from .sugar.context import _CTX_DEFAULTS

        option = int(option)
        if option not in _CTX_DEFAULTS:
            raise _ZMQError(_errno.EINVAL)
        self._opt_set(option, int(optval))

    def get(self, option: int) -> int:
        """Reads a context option."""
        from .sugar.context import _CTX_DEFAULTS, _GET_ONLY

        option = int(option)
        if option in _GET_ONLY:
            return _GET_ONLY[option]
        if option not in _CTX_DEFAULTS:
            raise _ZMQError(_errno.EINVAL)
        value = self._opt_get(option)
        return _CTX_DEFAULTS[option] if value is None else value


def _opt_type(option: int) -> _OptType:
    try:
        return SocketOption(option)._opt_type
    except ValueError:
        return _OptType.int


class Socket(_ferrozmq.Socket, _ferrozmq.SocketMethods):
    """pyzmq's backend ``Socket`` on a ferrozmq socket: ``send``/``recv`` are ferrozmq's Rust fast paths."""

    _shadow = False
    context: Any = None

    def __init__(self, context: Any = None, socket_type: int = -1, shadow: int = 0, copy_threshold: int | None = None) -> None:
        self.context = context
        if shadow:
            # ``shadow``: another socket's ``underlying`` (the address of a core socket)
            self._shadow = True
            self._open_shadow(int(shadow))
        else:
            if context is None:
                raise TypeError("context must be specified")
            if socket_type < 0:
                raise TypeError("socket_type must be specified")
            self._open(context, int(socket_type))
        if copy_threshold is None:
            copy_threshold = _zmq().COPY_THRESHOLD
        self.copy_threshold = copy_threshold

    @property
    def _frame_class(self) -> type:
        return _zmq().Frame

    @property
    def _finished_tracker(self) -> Any:
        return _zmq()._FINISHED_TRACKER

    def _new_tracker(self, core_tracker: Any) -> Any:
        return _zmq().MessageTracker(_CoreEvent(core_tracker))

    # ``underlying`` (from the core): the address pyzmq's ``Socket.shadow`` takes.

    @property
    def _closed(self) -> bool:
        return self.closed

    def set(self, option: int, optval: Any) -> None:
        """Sets a socket option: bytes for binary options, int for the rest."""
        option = int(option)
        if isinstance(optval, str):
            raise TypeError("unicode not allowed, use setsockopt_string")
        if _opt_type(option) is _OptType.bytes:
            if not isinstance(optval, bytes):
                raise TypeError(f"expected bytes, got: {optval!r}")
            self._set_bytes(option, optval)
        else:
            if not isinstance(optval, int):
                raise TypeError(f"expected int, got: {optval!r}")
            self._set_int(option, optval)

    def get(self, option: int) -> Any:
        """Reads a socket option."""
        option = int(option)
        if option == EVENTS:
            return self._zmq_events()
        if option == FD:
            return self._zmq_fd()
        if _opt_type(option) is _OptType.bytes:
            return self._get_bytes(option)
        return self._get_int(option)

    def bind(self, addr: str | bytes) -> None:
        """Binds to an endpoint."""
        if isinstance(addr, bytes):
            addr = addr.decode()
        _check_ipc_path(addr, _ZMQError)
        super().bind(addr)

    def connect(self, addr: str | bytes) -> None:
        """Connects to an endpoint."""
        if isinstance(addr, bytes):
            addr = addr.decode()
        super().connect(addr)

    def unbind(self, addr: str | bytes) -> None:
        """Unbinds from an endpoint."""
        if isinstance(addr, bytes):
            addr = addr.decode()
        super().unbind(addr)

    def disconnect(self, addr: str | bytes) -> None:
        """Disconnects from an endpoint."""
        if isinstance(addr, bytes):
            addr = addr.decode()
        super().disconnect(addr)

    def monitor(self, addr: str | bytes | None, events: int = 0xFFFF) -> None:
        """Publishes the socket's events on a PAIR socket bound at ``addr`` (inproc; None stops)."""
        if isinstance(addr, bytes):
            addr = addr.decode()
        self._monitor(addr, int(events))

    def join(self, group: str | bytes) -> None:
        """RADIO/DISH (draft) groups are not supported."""
        raise _ZMQError(_errno.ENOTSUP)

    def leave(self, group: str | bytes) -> None:
        """RADIO/DISH (draft) groups are not supported."""
        raise _ZMQError(_errno.ENOTSUP)

    def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> int:
        """Receives one frame into a writable buffer (truncating); returns the frame's full length."""
        from .sugar.socket import Socket as _FerroSocket

        return _FerroSocket.recv_into(self, buffer, nbytes=nbytes, flags=flags)  # type: ignore[arg-type]


__all__ = [
    "Context",
    "Socket",
    "Frame",
    "Message",
    "proxy",
    "proxy_steerable",
    "zmq_poll",
    "strerror",
    "zmq_errno",
    "has",
    "curve_keypair",
    "curve_public",
    "zmq_version_info",
    "IPC_PATH_MAX_LEN",
    "PYZMQ_DRAFT_API",
    "monitored_queue",
]
