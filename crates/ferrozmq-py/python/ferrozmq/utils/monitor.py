"""Reading socket monitor events, as pyzmq's ``zmq.utils.monitor``."""

from __future__ import annotations

import struct
from typing import Any

from ..constants import Event
from ..error import ZMQError


def parse_monitor_message(msg: list) -> dict:
    """The ``{"event", "value", "endpoint"}`` of a two-frame monitor message (libzmq's format: a 16-bit event
    and a 32-bit value, then the endpoint)."""
    if len(msg) != 2 or len(msg[0]) != 6:
        raise RuntimeError(f"Invalid event message format: {msg}")
    event, value = struct.unpack("=hi", bytes(msg[0]))
    return {"event": Event(event & 0xFFFF), "value": int(value), "endpoint": bytes(msg[1])}


def recv_monitor_message(socket: Any, flags: int = 0) -> dict:
    """Receives one event from a monitor socket (``socket.get_monitor_socket()``) and parses it."""
    return parse_monitor_message(socket.recv_multipart(flags))


__all__ = ["parse_monitor_message", "recv_monitor_message"]
