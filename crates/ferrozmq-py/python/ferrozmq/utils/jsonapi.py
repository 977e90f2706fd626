"""JSON to and from UTF-8 bytes (as pyzmq's ``zmq.utils.jsonapi``)."""

from __future__ import annotations

import json
from typing import Any

jsonmod = json


def dumps(o: object, **kwargs: Any) -> bytes:
    """Serializes an object to JSON bytes (UTF-8); keyword arguments go to ``json.dumps``."""
    return json.dumps(o, **kwargs).encode("utf8")


def loads(s: bytes | str, **kwargs: Any) -> Any:
    """Loads an object from JSON bytes (UTF-8); keyword arguments go to ``json.loads``."""
    if isinstance(s, bytes):
        s = s.decode("utf8")
    return json.loads(s, **kwargs)


__all__ = ["dumps", "loads"]
