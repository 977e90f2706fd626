"""MessageTracker: tells when the core has let go of a message sent with ``copy=False, track=True``."""

from __future__ import annotations

import time
from typing import Any

from ..error import NotDone


class MessageTracker:
    """Tracks whether the core has finished with one or more messages.

    ``towatch`` holds trackers from ``send(..., track=True)``, other MessageTrackers, or Frames.
    """

    def __init__(self, *towatch: Any) -> None:
        self.peers: set[MessageTracker] = set()
        self._cores: list[Any] = []
        for obj in towatch:
            if isinstance(obj, MessageTracker):
                self.peers.add(obj)
            elif hasattr(obj, "done") and not hasattr(obj, "tracker"):
                self._cores.append(obj)
            else:
                tracker = getattr(obj, "tracker", None)
                if tracker is not None:
                    self.peers.add(tracker)
                elif not hasattr(obj, "tracker"):
                    raise TypeError(f"Require Frames or MessageTrackers, not {type(obj)}")

    @property
    def done(self) -> bool:
        """True once every tracked message is done."""
        return all(c.done for c in self._cores) and all(p.done for p in self.peers)

    def wait(self, timeout: float | int = -1) -> None:
        """Waits until done; raises ``NotDone`` after ``timeout`` seconds (negative: forever)."""
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        delay = 0.0001
        while not self.done:
            if deadline is not None and time.monotonic() >= deadline:
                raise NotDone
            time.sleep(delay)
            delay = min(delay * 2, 0.01)


_FINISHED_TRACKER = MessageTracker()

__all__ = ["MessageTracker", "_FINISHED_TRACKER"]
