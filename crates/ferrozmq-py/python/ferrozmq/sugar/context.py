"""Context: pyzmq's ``zmq.Context`` on the ferrozmq core."""

from __future__ import annotations

import atexit
import errno as _errno
import os
import warnings
from threading import Lock
from typing import Any
from weakref import WeakSet

from .. import _ferrozmq
from ..constants import LINGER, ContextOption, SocketOption
from ..error import ZMQError
from .attrsettr import AttributeSetter
from .socket import Socket

_exiting = False


def _notice_atexit() -> None:
    global _exiting
    _exiting = True


atexit.register(_notice_atexit)

# Context options ferrozmq accepts, with libzmq's defaults; they are recorded, not all acted upon.
# (ZMQ_BLOCKY and ZMQ_IPV6 are context options too; pyzmq lists them with the socket options.)
_BLOCKY = int(SocketOption.BLOCKY)
_CTX_DEFAULTS = {
    int(ContextOption.IO_THREADS): 1,
    int(ContextOption.MAX_SOCKETS): 1023,
    int(ContextOption.THREAD_PRIORITY): -1,
    int(ContextOption.THREAD_SCHED_POLICY): -1,
    int(ContextOption.MAX_MSGSZ): 2**31 - 1,
    _BLOCKY: 1,
    int(SocketOption.IPV6): 0,
}
# Read-only values; SOCKET_LIMIT shares its number with the write-only THREAD_PRIORITY, as in libzmq.
_GET_ONLY = {int(ContextOption.SOCKET_LIMIT): 65535, int(ContextOption.MSG_T_SIZE): 64}


def _address(shadow: Any) -> int:
    """The address to shadow: an int, or an object's ``underlying``."""
    if not isinstance(shadow, int):
        shadow = shadow.underlying
    return int(shadow)


class Context(_ferrozmq.Context, AttributeSetter):
    """A ZeroMQ context: a factory of sockets. Socket options set on it (``ctx.linger = 0``) become the
    defaults of the sockets it makes afterwards."""

    sockopts: Any = None
    _instance: Any = None
    _instance_lock = Lock()
    _instance_pid: int | None = None
    _shadow = False
    _shadow_obj: Any = None
    _warn_destroy_close = False
    _sockets: Any = None

    def __init__(self, io_threads: Any = 1, shadow: Any = 0, **kwargs: Any) -> None:
        if isinstance(io_threads, _ferrozmq.Context):
            # Context(other_context): a shadow, as in pyzmq
            shadow, io_threads = io_threads, 1
        self.sockopts = {}
        self._sockets = WeakSet()
        if shadow:
            self._shadow = True
            self._shadow_obj = shadow
            self._open_shadow(_address(shadow))
        else:
            if int(io_threads) < 0:
                raise ZMQError(_errno.EINVAL)
            self._open()
            self._opt_set(int(ContextOption.IO_THREADS), int(io_threads))

    def __del__(self) -> None:
        if not self._shadow and not _exiting and not self.closed:
            self._warn_destroy_close = True
            try:
                self.destroy()
            except Exception:
                pass

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *args: Any) -> None:
        self._warn_destroy_close = True
        self.destroy()

    def __repr__(self) -> str:
        closed = " closed" if self.closed else ""
        n = len(self._sockets) if self._sockets is not None else 0
        return f"<{type(self).__module__}.{type(self).__name__}({n} sockets) at {hex(id(self))}{closed}>"

    def __copy__(self, memo: Any = None) -> Context:
        """Copying a context makes a shadow of it."""
        return self.__class__.shadow(self.underlying)

    __deepcopy__ = __copy__

    @classmethod
    def shadow(cls, address: Any) -> Context:
        """A new context object standing for the same core context as ``address`` (another context's
        ``underlying``, or the context itself). Terminating either terminates both; a shadow is not
        terminated when garbage collected."""
        return cls(shadow=address)

    # ``underlying`` (from the core): the context's address, what ``shadow`` takes.

    @classmethod
    def instance(cls, io_threads: int = 1) -> Context:
        """The process-wide shared context (a new one after fork or after it was terminated)."""
        if cls._instance is None or cls._instance.closed or cls._instance_pid != os.getpid():
            with cls._instance_lock:
                if cls._instance is None or cls._instance.closed or cls._instance_pid != os.getpid():
                    cls._instance = cls(io_threads=io_threads)
                    cls._instance_pid = os.getpid()
        return cls._instance

    # sockets

    _socket_class = Socket

    def socket(self, socket_type: int, socket_class: Any = None, **kwargs: Any) -> Any:
        """A new socket of ``socket_type`` (``zmq.REQ`` ...), with this context's default options."""
        if self.closed:
            raise ZMQError(_errno.ENOTSUP)
        cls = socket_class or self._socket_class
        s = cls(self, socket_type, **kwargs)
        for opt, value in self.sockopts.items():
            try:
                s.setsockopt(opt, value)
            except ZMQError:
                # an option that does not apply to this socket type
                pass
        self._add_socket(s)
        return s

    def _add_socket(self, socket: Any) -> None:
        self._sockets.add(socket)

    def _rm_socket(self, socket: Any) -> None:
        if self._sockets is not None:
            self._sockets.discard(socket)

    # lifecycle

    def term(self) -> None:
        """Terminates the context; blocks until every socket is closed (Ctrl-C interrupts)."""
        super().term()

    def destroy(self, linger: int | None = None) -> None:
        """Closes every socket of this context (setting LINGER first if given), then terminates it."""
        if self.closed:
            return
        sockets = list(self._sockets or ())
        self._sockets = WeakSet()
        for s in sockets:
            if s is not None and not s.closed:
                if self._warn_destroy_close and warnings is not None:
                    warnings.warn(f"Destroying context with unclosed socket {s}", ResourceWarning, stacklevel=3)
                s.close(linger)
        self.term()

    # options

    def set(self, option: int, optval: int) -> None:
        """Sets a context option (``zmq.IO_THREADS``, ``zmq.MAX_SOCKETS``, ``zmq.BLOCKY`` ...)."""
        option = int(option)
        if option not in _CTX_DEFAULTS:
            raise ZMQError(_errno.EINVAL)
        self._opt_set(option, int(optval))
        if option == _BLOCKY and not optval:
            self.sockopts.setdefault(int(LINGER), 0)

    def get(self, option: int) -> int:
        """Reads a context option."""
        option = int(option)
        if option in _GET_ONLY:
            return _GET_ONLY[option]
        if option not in _CTX_DEFAULTS:
            raise ZMQError(_errno.EINVAL)
        value = self._opt_get(option)
        return _CTX_DEFAULTS[option] if value is None else value

    def setsockopt(self, opt: int, value: Any) -> None:
        """Sets a default option for the sockets made afterwards."""
        self.sockopts[int(opt)] = value

    def getsockopt(self, opt: int) -> Any:
        """Reads a default socket option."""
        return self.sockopts[int(opt)]

    def _set_attr_opt(self, name: str, opt: int, value: Any) -> None:
        if name in ContextOption.__members__ or name == "BLOCKY":
            self.set(opt, value)
        elif name in SocketOption.__members__:
            self.setsockopt(opt, value)
        else:
            raise AttributeError(f"No such context or socket option: {name}")

    def _get_attr_opt(self, name: str, opt: int) -> Any:
        if name in ContextOption.__members__ or name == "BLOCKY":
            return self.get(opt)
        if opt not in self.sockopts:
            raise AttributeError(name)
        return self.getsockopt(opt)

    def __delattr__(self, key: str) -> None:
        if key in self.__dict__:
            object.__delattr__(self, key)
            return
        opt = getattr(SocketOption, key.upper(), None)
        if opt is None or int(opt) not in self.sockopts:
            raise AttributeError(key)
        del self.sockopts[int(opt)]


SyncContext = Context

__all__ = ["Context", "SyncContext"]
