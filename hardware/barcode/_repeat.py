"""Dropping a code seen again within a few seconds.

A receipt held in front of the camera is read in every frame, ten or more times a second,
and is still there when the citizen goes back to the start. Only the first sighting should start
a lookup. The window slides: while the same receipt stays in view it stays suppressed, and once
it has been out of sight for the window it counts as new.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable


class RepeatFilter:
    """``accept(key)`` is True for a key not seen in the last ``window`` seconds."""

    def __init__(self, window: float = 3.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._last_seen: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def accept(self, key: Hashable) -> bool:
        now = self._clock()
        with self._lock:
            self._last_seen = {
                seen: at for seen, at in self._last_seen.items() if now - at < self.window
            }
            fresh = key not in self._last_seen
            self._last_seen[key] = now
        return fresh

    def forget(self) -> None:
        """Accept every code again (a citizen asked to look the same code up once more)."""
        with self._lock:
            self._last_seen.clear()
