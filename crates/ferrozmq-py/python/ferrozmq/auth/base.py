"""``Authenticator``: pyzmq's ZAP policy API on the core's ZAP handler."""

from __future__ import annotations

import logging
import os
from typing import Any

from .. import _ferrozmq
from ..sugar.context import Context

#: ``configure_curve(location=CURVE_ALLOW_ANY)`` lets in every CURVE client that completes the handshake.
CURVE_ALLOW_ANY = "*"


def _text(value: Any, encoding: str) -> str:
    return value.decode(encoding) if isinstance(value, bytes) else str(value)


class Authenticator:
    """A ZAP handler for ``context``, run by the Rust core on its own thread (so the thread-based and the
    base API behave the same). As pyzmq's: an allow list of IP addresses (if any, every other address is
    denied) or else a deny list; then NULL clients are accepted, PLAIN clients need a password configured
    for the socket's ZAP domain (``"*"`` if it set none), CURVE clients a key allowed for it."""

    def __init__(self, context: Context | None = None, encoding: str = "utf-8", log: Any = None) -> None:
        self.context = context or Context.instance()
        self.encoding = encoding
        self.log = log or logging.getLogger("zmq.auth")
        self._core: Any = None

    def start(self) -> None:
        """Starts answering ZAP requests (``ZMQError(EADDRINUSE)`` if the context already has a handler)."""
        if self._core is None:
            self._core = _ferrozmq.Authenticator(self.context)

    def stop(self) -> None:
        """Stops answering ZAP requests."""
        if self._core is not None:
            self._core.stop()
            self._core = None

    def is_alive(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._core is not None and self._core.is_alive()

    def _running(self) -> Any:
        if self._core is None:
            raise RuntimeError("the authenticator is not started")
        return self._core

    def allow(self, *addresses: str) -> None:
        """Allows only these IP addresses (and denies every other)."""
        self._running().allow([_text(a, self.encoding) for a in addresses])

    def deny(self, *addresses: str) -> None:
        """Denies these IP addresses (unless some address is allowed)."""
        self._running().deny([_text(a, self.encoding) for a in addresses])

    def configure_plain(self, domain: str = "*", passwords: dict | None = None) -> None:
        """Sets the PLAIN user names and passwords of a ZAP domain."""
        pairs = [(_text(u, self.encoding).encode(self.encoding), _text(p, self.encoding).encode(self.encoding)) for u, p in (passwords or {}).items()]
        self._running().configure_plain(_text(domain, self.encoding), pairs)

    def configure_curve(self, domain: str = "*", location: str | os.PathLike | None = None) -> None:
        """Sets which CURVE clients a ZAP domain lets in: any (``location=CURVE_ALLOW_ANY``), or those whose
        public certificates (``*.key`` files) are in the directory ``location``."""
        domain = _text(domain, self.encoding)
        if location == CURVE_ALLOW_ANY or location == CURVE_ALLOW_ANY.encode():
            self._running().configure_curve_any(domain)
        elif location is None:
            self._running().configure_curve_keys(domain, [])
        else:
            self._running().configure_curve_dir(domain, os.fspath(location))

    def configure_curve_keys(self, domain: str = "*", keys: Any = ()) -> None:
        """Lets into a ZAP domain only the CURVE clients with these Z85 public keys (ferrozmq's addition)."""
        self._running().configure_curve_keys(_text(domain, self.encoding), [_text(k, "ascii") for k in keys])

    def __enter__(self) -> Authenticator:
        self.start()
        return self

    def __exit__(self, *args: Any) -> None:
        self.stop()
