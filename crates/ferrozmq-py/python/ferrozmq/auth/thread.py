"""``ThreadAuthenticator``, as pyzmq's ``zmq.auth.thread``: the ZAP handler answers on a thread of its own."""

from __future__ import annotations

from .base import Authenticator


class ThreadAuthenticator(Authenticator):
    """pyzmq's ``ThreadAuthenticator``: ``start()``, ``allow``/``deny``, ``configure_plain``,
    ``configure_curve``, ``stop()``. The core's handler already runs on its own thread."""


__all__ = ["ThreadAuthenticator"]
