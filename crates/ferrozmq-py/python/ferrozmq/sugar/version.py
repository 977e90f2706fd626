"""Version information: ferrozmq's own, the pyzmq API it follows, and the libzmq it behaves like."""

from __future__ import annotations

from .._ferrozmq import __version__ as _rust_version

__version__: str = _rust_version
#: The pyzmq release whose Python API ferrozmq follows.
PYZMQ_API_VERSION = (27, 0, 0)
#: The libzmq release whose behaviour and wire protocol ferrozmq follows.
LIBZMQ_VERSION = (4, 3, 5)
VERSION_MAJOR, VERSION_MINOR, VERSION_PATCH = LIBZMQ_VERSION
VERSION = VERSION_MAJOR * 10000 + VERSION_MINOR * 100 + VERSION_PATCH
__revision__ = ""


def pyzmq_version() -> str:
    """The pyzmq version whose API this ferrozmq provides, as a string."""
    return ".".join(map(str, PYZMQ_API_VERSION))


def pyzmq_version_info() -> tuple[int, int, int]:
    """The pyzmq version whose API this ferrozmq provides, as a tuple."""
    return PYZMQ_API_VERSION


def zmq_version() -> str:
    """The libzmq version ferrozmq behaves like, as a string."""
    return ".".join(map(str, LIBZMQ_VERSION))


def zmq_version_info() -> tuple[int, int, int]:
    """The libzmq version ferrozmq behaves like, as a tuple."""
    return LIBZMQ_VERSION


def ferrozmq_version() -> str:
    """ferrozmq's own version."""
    return __version__


__all__ = [
    "zmq_version",
    "zmq_version_info",
    "pyzmq_version",
    "pyzmq_version_info",
    "ferrozmq_version",
    "__version__",
    "__revision__",
]
