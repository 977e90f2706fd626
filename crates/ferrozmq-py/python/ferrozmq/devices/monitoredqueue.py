"""``monitored_queue``: a queue between two sockets that also copies every message, prefixed with the side it
came from, to a monitor socket (pyzmq's ``zmq.devices.monitored_queue``)."""

from __future__ import annotations

from typing import Any

from .. import _ferrozmq
from ..constants import POLLIN, ROUTER


def monitored_queue(
    in_socket: Any, out_socket: Any, mon_socket: Any, in_prefix: bytes = b"in", out_prefix: bytes = b"out"
) -> None:
    """Forwards messages between ``in_socket`` and ``out_socket`` and publishes each on ``mon_socket`` after a
    first frame ``in_prefix`` or ``out_prefix``. When both are ROUTERs the two leading routing ids are
    swapped, so replies find their way. Runs until the context is terminated (``ContextTerminated``)."""
    for p in (in_prefix, out_prefix):
        if not isinstance(p, (bytes, bytearray, memoryview)):
            raise TypeError(f"prefixes must be bytes, not {type(p).__name__}")
    in_prefix, out_prefix = bytes(in_prefix), bytes(out_prefix)
    swap_ids = in_socket.type == ROUTER and out_socket.type == ROUTER
    sides = ((in_socket, out_socket, in_prefix), (out_socket, in_socket, out_prefix))
    while True:
        ready = _ferrozmq.poll_sockets([in_socket, out_socket], [POLLIN, POLLIN], -1)
        for (src, dst, prefix), revents in zip(sides, ready):
            if not revents & POLLIN:
                continue
            msg = src.recv_multipart()
            if swap_ids and len(msg) >= 2:
                msg[0], msg[1] = msg[1], msg[0]
            dst.send_multipart(msg)
            mon_socket.send_multipart([prefix, *msg])
