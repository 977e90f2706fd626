"""Frame (alias Message): one message part, sharing its memory with the Rust core."""

from __future__ import annotations

from typing import Any

from .. import _ferrozmq
from ..constants import MessageOption
from ..error import ZMQError
from .tracker import _FINISHED_TRACKER, MessageTracker


class Frame(_ferrozmq.FrameBase):
    """A message frame. ``memoryview(frame)`` and ``frame.buffer`` give its bytes without a copy (read-only);
    ``frame.bytes`` gives a copy. ``more`` tells whether more frames of the message follow (after recv).
    """

    tracker: MessageTracker | None = None

    def __init__(
        self,
        data: Any = None,
        track: bool = False,
        copy: bool | None = None,
        copy_threshold: int | None = None,
    ) -> None:
        if track:
            self.tracker = _FINISHED_TRACKER
        if data is None:
            return
        if isinstance(data, str):
            raise TypeError("Str objects not allowed. Only: bytes, buffer interfaces.")
        if not isinstance(data, (bytes, _ferrozmq.FrameBase)):
            data = bytes(memoryview(data))
        _ferrozmq.frame_set(self, data)

    @property
    def bytes(self) -> bytes:
        """A copy of the frame's data as ``bytes``."""
        return _ferrozmq.frame_bytes(self)

    @property
    def buffer(self) -> memoryview:
        """A read-only memoryview of the frame's data (no copy)."""
        return memoryview(self)

    def __bytes__(self) -> bytes:
        return _ferrozmq.frame_bytes(self)

    def __len__(self) -> int:
        return _ferrozmq.frame_len(self)

    def __str__(self) -> str:
        return self.bytes.decode()

    def __repr__(self) -> str:
        n = len(self)
        data = self.bytes[:32]
        return f"<ferrozmq.Frame({data!r}{'...' if n > 32 else ''}{f', more' if self.more else ''}, {n}B)>"

    def __copy__(self) -> Frame:
        return self.fast_copy()

    def fast_copy(self) -> Frame:
        """Another frame sharing this one's data."""
        f = Frame()
        _ferrozmq.frame_set(f, self)
        f.more = self.more
        return f

    def get(self, option: int | str) -> int | str:
        """A message option (``zmq.MORE``) or a property of the connection a received frame came from
        (``"Socket-Type"``, ``"Routing-Id"``, ``"Peer-Address"``, ``"User-Id"``...) as ``str``
        (``zmq_msg_gets``); ``ZMQError(EINVAL)`` for a property the frame does not have."""
        if isinstance(option, bytes):
            option = option.decode("utf8")
        if isinstance(option, str):
            value = _ferrozmq.frame_property(self, option)
            if value is None:
                raise ZMQError(22)
            return value.decode("utf8", "surrogateescape")
        if option == MessageOption.MORE:
            return int(self.more)
        if option == MessageOption.SHARED:
            return 0
        raise ZMQError(22)

    def set(self, option: int, value: int) -> None:
        """Message options cannot be set (as in libzmq for received messages)."""
        if option == MessageOption.MORE:
            self.more = bool(value)
            return
        raise ZMQError(22)

    @property
    def routing_id(self) -> int | None:
        """Thread-safe (draft) sockets' routing id: not supported."""
        return None

    @property
    def group(self) -> str | None:
        """RADIO/DISH (draft) group: not supported."""
        return None


Message = Frame

_ferrozmq.set_frame_class(Frame)

__all__ = ["Frame", "Message"]
