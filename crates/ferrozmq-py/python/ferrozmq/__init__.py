"""ferrozmq: ZeroMQ for Python on a pure-Rust core, with pyzmq's API.

``import ferrozmq as zmq`` runs pyzmq code unchanged: the same classes, functions, constants, exceptions and
behaviour, without libzmq. Blocking calls release the GIL and Ctrl-C interrupts them; ``copy=False`` shares
message memory with the Rust core.
"""

from __future__ import annotations

from typing import Any

from . import constants, error
from .constants import *  # noqa: F403
from .constants import __all__ as _constants_all
from .error import (
    Again,
    ContextTerminated,
    InterruptedSystemCall,
    NotDone,
    ZMQBaseError,
    ZMQBindError,
    ZMQError,
    ZMQVersionError,
    strerror,
)
from .sugar import *  # noqa: F403
from .sugar import __all__ as _sugar_all
from .sugar.socket import COPY_THRESHOLD
from . import _ferrozmq
from . import devices

#: ferrozmq has no draft sockets (SERVER, CLIENT, RADIO, ...).
DRAFT_API = False
PYZMQ_DRAFT_API = False
#: Longest ipc path (sun_path less the terminating NUL on Linux).
IPC_PATH_MAX_LEN = 107

_CAPABILITIES = {"ipc": True, "pgm": False, "tipc": False, "norm": False, "curve": True, "gssapi": False, "draft": False}


def has(capability: str) -> bool:
    """Whether ferrozmq supports a capability (``zmq_has``): ``ipc`` and ``curve`` yes; ``pgm``, ``tipc``,
    ``norm``, ``gssapi``, ``draft``, ``WS``, ``WSS`` not yet."""
    return _CAPABILITIES.get(capability, False)


def zmq_errno() -> int:
    """The last error number (libzmq's thread-local errno); ferrozmq reports errors only as exceptions."""
    return 0


def proxy(frontend: Any, backend: Any, capture: Any = None) -> None:
    """Forwards messages between two sockets (and copies them to ``capture``) until the context is
    terminated, then raises ``ContextTerminated`` (``zmq_proxy``)."""
    _ferrozmq.proxy(frontend, backend, capture)


def proxy_steerable(frontend: Any, backend: Any, capture: Any = None, control: Any = None) -> None:
    """Like ``proxy``, steered by ``PAUSE``/``RESUME``/``TERMINATE``/``STATISTICS`` on ``control``
    (``zmq_proxy_steerable``); returns after ``TERMINATE``."""
    _ferrozmq.proxy_steerable(frontend, backend, capture, control)


def device(device_type: int, frontend: Any, backend: Any) -> None:
    """The legacy ``zmq_device``: a proxy (``device_type`` is QUEUE, FORWARDER or STREAMER)."""
    proxy(frontend, backend)


def curve_keypair() -> tuple[bytes, bytes]:
    """A new CURVE key pair, Z85-encoded: ``(public, secret)`` (``zmq_curve_keypair``)."""
    return _ferrozmq.curve_keypair()


def curve_public(secret_key: bytes | str) -> bytes:
    """The Z85 public key of a Z85 secret key (``zmq_curve_public``)."""
    if isinstance(secret_key, str):
        secret_key = secret_key.encode("ascii")
    return _ferrozmq.curve_public(secret_key)


def get_includes() -> list[str]:
    """pyzmq's C headers; ferrozmq has none."""
    return []


def get_library_dirs() -> list[str]:
    """pyzmq's bundled libzmq; ferrozmq has none."""
    return []


__all__ = (
    [
        "constants",
        "devices",
        "error",
        "Again",
        "ContextTerminated",
        "InterruptedSystemCall",
        "NotDone",
        "ZMQBaseError",
        "ZMQBindError",
        "ZMQError",
        "ZMQVersionError",
        "strerror",
        "COPY_THRESHOLD",
        "DRAFT_API",
        "PYZMQ_DRAFT_API",
        "IPC_PATH_MAX_LEN",
        "has",
        "zmq_errno",
        "proxy",
        "proxy_steerable",
        "device",
        "curve_keypair",
        "curve_public",
        "get_includes",
        "get_library_dirs",
    ]
    + list(_sugar_all)
    + list(_constants_all)
)
