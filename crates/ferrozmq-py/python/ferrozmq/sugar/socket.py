"""Socket: pyzmq's ``zmq.Socket`` on the ferrozmq core."""

from __future__ import annotations

import errno as _errno
import pickle
import random
from typing import Any, Callable, Sequence

from .. import _ferrozmq
from ..constants import (
    EVENT_ALL,
    EVENTS,
    FD,
    LINGER,
    PAIR,
    POLLIN,
    RCVHWM,
    RCVMORE,
    SNDHWM,
    SUBSCRIBE,
    UNSUBSCRIBE,
    PollEvent,
    SocketOption,
    SocketType,
    _OptType,
)
from ..error import ZMQBindError, ZMQError
from ..utils import jsonapi
from .attrsettr import AttributeSetter
from .frame import Frame
from .tracker import _FINISHED_TRACKER, MessageTracker

COPY_THRESHOLD = 65536
#: The longest ipc path (``sun_path`` less its NUL, Linux).
_IPC_PATH_MAX_LEN = 107
DEFAULT_PROTOCOL = pickle.DEFAULT_PROTOCOL

_BYTES_OPTIONS = {int(o) for o in SocketOption if o._opt_type is _OptType.bytes}


def _opt_type(option: int) -> _OptType:
    try:
        return SocketOption(option)._opt_type
    except ValueError:
        return _OptType.int


def _check_ipc_path(addr: str, error: Any = ZMQError) -> None:
    """Raises ``error(ENAMETOOLONG)`` with pyzmq's message for an ipc path longer than sun_path holds."""
    if isinstance(addr, str) and addr.startswith("ipc://"):
        path = addr[len("ipc://") :]
        limit = _IPC_PATH_MAX_LEN + 1 if path.startswith("@") else _IPC_PATH_MAX_LEN
        if len(path.encode()) > limit:
            raise error(
                _errno.ENAMETOOLONG,
                f'ipc path "{path}" is longer than {_IPC_PATH_MAX_LEN} characters (sizeof(sockaddr_un.sun_path)). '
                "zmq.IPC_PATH_MAX_LEN constant can be used to check addr length (if it is defined).",
            )


class _SocketContext:
    """What ``bind``/``connect`` return: a context manager that undoes the call on exit."""

    def __init__(self, socket: Socket, kind: str, addr: str) -> None:
        self.socket = socket
        self.kind = kind
        self.addr = addr

    def __repr__(self) -> str:
        return f"<SocketContext({self.kind}={self.addr!r})>"

    def __enter__(self) -> Socket:
        return self.socket

    def __exit__(self, *args: Any) -> None:
        if self.socket.closed:
            return
        if self.kind == "bind":
            self.socket.unbind(self.addr)
        elif self.kind == "connect":
            self.socket.disconnect(self.addr)


class Socket(_ferrozmq.Socket, _ferrozmq.SocketMethods, AttributeSetter):
    """A ZeroMQ socket: ``ctx.socket(zmq.REQ)`` or ``Socket(ctx, zmq.REQ)``.

    Options can be set and read as attributes (``sock.linger = 0``). Blocking calls release the GIL and
    can be interrupted with Ctrl-C.
    """

    context: Any = None
    _shadow = False
    _shadow_obj: Any = None
    # What the Rust fast paths make: frames for recv(copy=False), trackers for send(copy=False).
    _frame_class = Frame
    _finished_tracker = _FINISHED_TRACKER

    def _new_tracker(self, core_tracker: Any) -> MessageTracker:
        return MessageTracker(core_tracker)

    def __init__(
        self,
        ctx_or_socket: Any = None,
        socket_type: int = 0,
        *,
        shadow: Any = 0,
        copy_threshold: int | None = None,
    ) -> None:
        if isinstance(ctx_or_socket, _ferrozmq.Socket):
            # Socket(other_socket): a shadow, as in pyzmq
            shadow, ctx_or_socket = ctx_or_socket, None
        if shadow:
            self._shadow = True
            self._shadow_obj = shadow
            if isinstance(shadow, int):
                self.context = ctx_or_socket
            else:
                self.context = getattr(shadow, "context", None) if ctx_or_socket is None else ctx_or_socket
                shadow = shadow.underlying
            self._open_shadow(int(shadow))
        else:
            if ctx_or_socket is None:
                raise TypeError("context must be specified")
            self._open(ctx_or_socket, int(socket_type))
            self.context = ctx_or_socket
        if copy_threshold is not None:
            self.copy_threshold = copy_threshold

    def __del__(self) -> None:
        try:
            if not self._shadow and not self.closed:
                self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        closed = " closed" if self.closed else ""
        try:
            name = SocketType(self.socket_type).name
        except ValueError:
            name = str(self.socket_type)
        return f"<{type(self).__module__}.{type(self).__name__}(zmq.{name}) at {hex(id(self))}{closed}>"

    def __enter__(self) -> Socket:
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()

    def __copy__(self, memo: Any = None) -> Socket:
        """Copying a socket makes a shadow of it."""
        return self.__class__.shadow(self.underlying)

    __deepcopy__ = __copy__

    @classmethod
    def shadow(cls, address: Any) -> Socket:
        """A new socket object standing for the same core socket as ``address`` (another socket's
        ``underlying``, or the socket itself): messages, options and ``close()`` are shared. A shadow is
        not closed when garbage collected."""
        return cls(shadow=address)

    # ``underlying`` (from the core): the socket's address, what ``shadow`` takes.

    @property
    def type(self) -> SocketType:
        """The socket's type."""
        return SocketType(self.socket_type)

    # lifecycle

    def close(self, linger: int | None = None) -> None:
        """Closes the socket, setting LINGER (ms) first if given."""
        ctx = self.context
        if ctx is not None and hasattr(ctx, "_rm_socket"):
            ctx._rm_socket(self)
        super().close(linger)

    # endpoints

    def bind(self, addr: str) -> _SocketContext:
        """Binds to ``addr``; usable as a context manager that unbinds on exit."""
        try:
            _check_ipc_path(addr)
            super().bind(addr)
        except ZMQError as e:
            e.strerror += f" (addr={addr!r})"
            raise
        return _SocketContext(self, "bind", addr)

    def connect(self, addr: str) -> _SocketContext:
        """Connects to ``addr``; usable as a context manager that disconnects on exit."""
        super().connect(addr)
        return _SocketContext(self, "connect", addr)

    def bind_to_random_port(
        self, addr: str, min_port: int = 49152, max_port: int = 65536, max_tries: int = 100
    ) -> int:
        """Binds to a random port of ``addr`` (``tcp://127.0.0.1``) and returns it."""
        if min_port == 49152 and max_port == 65536:
            self.bind(f"{addr}:*")
            url = self.last_endpoint.decode("ascii", "replace")
            _, port_s = url.rsplit(":", 1)
            return int(port_s)
        for _ in range(max_tries):
            try:
                port = random.randrange(min_port, max_port)
                self.bind(f"{addr}:{port}")
            except ZMQError as exception:
                en = exception.errno
                if en == _errno.EADDRINUSE or en == _errno.EACCES:
                    continue
                raise
            else:
                return port
        raise ZMQBindError("Could not bind socket to random port.")

    # options

    def set(self, option: int, optval: int | bytes) -> None:
        """Sets a socket option (``zmq.LINGER``, ``zmq.SUBSCRIBE``, ...)."""
        option = int(option)
        if isinstance(optval, str):
            raise TypeError("unicode not allowed, use setsockopt_string")
        if _opt_type(option) is _OptType.bytes:
            if not isinstance(optval, (bytes, bytearray, memoryview)):
                raise TypeError(f"expected bytes for option {option}, got {type(optval).__name__}")
            self._set_bytes(option, bytes(optval))
        else:
            if not isinstance(optval, int):
                raise TypeError(f"expected int for option {option}, got {type(optval).__name__}")
            self._set_int(option, optval)

    setsockopt = set

    def get(self, option: int) -> int | bytes:
        """Reads a socket option."""
        option = int(option)
        if option == EVENTS:
            return PollEvent(self._zmq_events())
        if option == FD:
            return self._zmq_fd()
        if _opt_type(option) is _OptType.bytes:
            return self._get_bytes(option)
        return self._get_int(option)

    getsockopt = get

    def setsockopt_string(self, option: int, optval: str, encoding: str = "utf-8") -> None:
        """Sets a bytes option from a ``str``."""
        if not isinstance(optval, str):
            raise TypeError(f"strings only, not {type(optval)}")
        return self.set(option, optval.encode(encoding))

    setsockopt_unicode = setsockopt_string

    def getsockopt_string(self, option: int, encoding: str = "utf-8") -> str:
        """Reads a bytes option as ``str``."""
        if int(option) not in _BYTES_OPTIONS:
            raise TypeError(f"option {option} will not return a string to be decoded")
        return self.get(option).decode(encoding)  # type: ignore[union-attr]

    getsockopt_unicode = getsockopt_string

    def _set_attr_opt(self, name: str, opt: int, value: Any) -> None:
        if name == "HWM":
            self.hwm = value
        elif isinstance(value, str) and _opt_type(opt) is _OptType.bytes:
            self.setsockopt_string(opt, value)
        else:
            self.set(opt, value)

    def _get_attr_opt(self, name: str, opt: int) -> Any:
        if name == "HWM":
            return self.hwm
        return self.get(opt)

    def get_hwm(self) -> int:
        """SNDHWM (pyzmq: the send high-water mark stands for both)."""
        return self.get(SNDHWM)  # type: ignore[return-value]

    def set_hwm(self, value: int) -> None:
        """Sets both SNDHWM and RCVHWM."""
        self.set(SNDHWM, value)
        self.set(RCVHWM, value)

    hwm = property(get_hwm, set_hwm, None, "SNDHWM and RCVHWM together")

    @property
    def rcvmore(self) -> bool:
        """True if the last frame received has more frames after it."""
        return bool(self._get_int(RCVMORE))

    def subscribe(self, topic: str | bytes) -> None:
        """Subscribes to a topic prefix (SUB)."""
        if isinstance(topic, str):
            topic = topic.encode("utf8")
        self.set(SUBSCRIBE, topic)

    def unsubscribe(self, topic: str | bytes) -> None:
        """Unsubscribes from a topic prefix (SUB)."""
        if isinstance(topic, str):
            topic = topic.encode("utf8")
        self.set(UNSUBSCRIBE, topic)

    def fileno(self) -> int:
        """The socket's ``FD``: readable when its ``EVENTS`` may have changed (edge-like, as libzmq's), for
        ``select``/``asyncio``; check ``EVENTS`` after each wake-up. Owned by the socket: never read or close it."""
        return self._zmq_fd()

    # messages

    def _deserialize(self, recvd: Any, load: Callable[[Any], Any]) -> Any:
        """Applies ``load`` to what was received (the async socket chains futures here)."""
        return load(recvd)

    def send_serialized(self, msg: Any, serialize: Callable[[Any], list], flags: int = 0, copy: bool = True, **kwargs: Any) -> Any:
        """Sends ``serialize(msg)``, a list of frames."""
        frames = serialize(msg)
        return self.send_multipart(frames, flags=flags, copy=copy, **kwargs)

    def recv_serialized(self, deserialize: Callable[[list], Any], flags: int = 0, copy: bool = True) -> Any:
        """Receives a multipart message and returns ``deserialize(frames)``."""
        frames = self.recv_multipart(flags=flags, copy=copy)
        return self._deserialize(frames, deserialize)

    def send_string(self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8", **kwargs: Any) -> Any:
        """Sends a ``str``, encoded."""
        if not isinstance(u, str):
            raise TypeError("str objects only")
        return self.send(u.encode(encoding), flags=flags, copy=copy, **kwargs)

    send_unicode = send_string

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> Any:
        """Receives a ``str``, decoded."""
        msg = self.recv(flags=flags)
        return self._deserialize(msg, lambda buf: buf.decode(encoding))

    recv_unicode = recv_string

    def send_pyobj(self, obj: Any, flags: int = 0, protocol: int = DEFAULT_PROTOCOL, **kwargs: Any) -> Any:
        """Sends a pickled object."""
        msg = pickle.dumps(obj, protocol)
        return self.send(msg, flags=flags, **kwargs)

    def recv_pyobj(self, flags: int = 0) -> Any:
        """Receives a pickled object. Only unpickle messages from peers you trust."""
        msg = self.recv(flags)
        return self._deserialize(msg, pickle.loads)

    def send_json(self, obj: Any, flags: int = 0, **kwargs: Any) -> Any:
        """Sends an object as JSON; keyword arguments go to ``json.dumps`` (except send's own)."""
        send_kwargs = {}
        for key in ("routing_id", "group", "copy", "track"):
            if key in kwargs:
                send_kwargs[key] = kwargs.pop(key)
        msg = jsonapi.dumps(obj, **kwargs)
        return self.send(msg, flags=flags, **send_kwargs)

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Any:
        """Receives a JSON object; keyword arguments go to ``json.loads``."""
        msg = self.recv(flags)
        return self._deserialize(msg, lambda buf: jsonapi.loads(buf, **kwargs))

    def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> int:
        """Receives one frame into a writable buffer (truncating); returns the frame's full length."""
        view = memoryview(buffer)
        if nbytes < 0:
            raise ValueError(f"nbytes={nbytes!r} must be non-negative")
        if view.readonly:
            raise BufferError("recv_into needs a writable buffer")
        if not view.c_contiguous:
            raise BufferError("recv_into needs a contiguous buffer")
        view = view.cast("B")
        if nbytes > view.nbytes:
            raise ValueError(f"nbytes={nbytes!r} is larger than the buffer ({view.nbytes})")
        limit = view.nbytes if nbytes == 0 else nbytes
        frame = self.recv(flags, copy=False)
        n = len(frame)
        k = min(n, limit)
        view[:k] = memoryview(frame)[:k]
        return n

    # polling

    def poll(self, timeout: int | None = None, flags: int = POLLIN) -> int:
        """Waits up to ``timeout`` ms (None: forever) for ``flags``; returns the ready events."""
        if self.closed:
            raise ZMQError(_errno.ENOTSUP)
        t = -1 if timeout is None or timeout < 0 else int(timeout)
        return PollEvent(self._poll(int(flags), t))

    # monitoring

    _monitor_socket: Socket | None = None

    def monitor(self, addr: str | None, events: int = EVENT_ALL) -> None:
        """Publishes this socket's ``EVENT_*`` in ``events`` on a PAIR socket bound at ``addr`` (inproc only);
        ``addr=None`` stops (``zmq_socket_monitor``). Read them with ``zmq.utils.monitor.recv_monitor_message``."""
        self._monitor(addr, int(events))

    def get_monitor_socket(self, events: int | None = None, addr: str | None = None) -> Socket:
        """Starts monitoring ``events`` (default: all) and returns a PAIR socket connected to the monitor."""
        if self._monitor_socket is not None and not self._monitor_socket.closed:
            return self._monitor_socket
        if addr is None:
            addr = f"inproc://monitor.s-{id(self):x}-{random.getrandbits(32):x}"
        self.monitor(addr, EVENT_ALL if events is None else events)
        self._monitor_socket = self.context.socket(PAIR)
        self._monitor_socket.connect(addr)
        return self._monitor_socket

    def disable_monitor(self) -> None:
        """Stops the monitor started by ``get_monitor_socket`` (or ``monitor``)."""
        self._monitor_socket = None
        self.monitor(None, 0)

    def join(self, group: str | bytes) -> None:
        """RADIO/DISH (draft) groups are not supported."""
        raise ZMQError(_errno.ENOTSUP)

    def leave(self, group: str | bytes) -> None:
        """RADIO/DISH (draft) groups are not supported."""
        raise ZMQError(_errno.ENOTSUP)


SyncSocket = Socket

__all__ = ["Socket", "SyncSocket"]
