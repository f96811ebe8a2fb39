"""Telling a keyboard-wedge barcode scanner from a person at a keyboard.

A USB scanner "types" the code it read: a burst of characters a few milliseconds apart,
usually ending in Enter, sometimes not. The kiosk has no text field for it to type into, so
every screen feeds the characters it receives here, and gets back whole scans. Each character
is stored once, in arrival order, and handed back exactly once: none is dropped when a burst
starts while a screen changes, none is delivered twice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Typed:
    """Characters that arrived together: ``burst`` when they came at scanner speed, and
    ``entered`` when an Enter closed them."""

    text: str
    burst: bool
    entered: bool

    @property
    def is_scan(self) -> bool:
        """Worth a lookup: closed by Enter, or a scanner-speed burst of a code's length."""
        return self.entered or self.burst


class WedgeReader:
    """Collects characters with their arrival times into :class:`Typed` groups.

    Feed :meth:`char` and :meth:`enter` with a monotonic time; call :meth:`flush` once
    :meth:`deadline` has passed, to close a scan that came without an Enter. A person typing
    slowly yields one group per key (each flushed before the next key), a scanner one group
    per code.
    """

    def __init__(self, *, max_gap: float = 0.08, min_length: int = 8) -> None:
        self.max_gap = max_gap
        self.min_length = min_length
        self._chars: list[str] = []
        self._last = 0.0

    def char(self, text: str, at: float) -> None:
        """One or more characters typed at ``at``.

        A pause never splits a group here: the characters may have waited in the toolkit's
        queue while the UI thread was busy, and arrive late but together. Groups end at Enter,
        or when :meth:`flush` finds the deadline passed.
        """
        self._chars.extend(text)
        self._last = at

    def enter(self) -> Typed | None:
        """Enter closes the group typed so far (None when nothing was typed)."""
        if not self._chars:
            return None
        return self._close(entered=True)

    def deadline(self) -> float | None:
        """When an unfinished group counts as complete without an Enter."""
        return self._last + self.max_gap if self._chars else None

    def flush(self, at: float) -> Typed | None:
        """Close the group if its deadline has passed."""
        deadline = self.deadline()
        if deadline is None or at < deadline:
            return None
        return self._close(entered=False)

    @property
    def pending(self) -> str:
        return "".join(self._chars)

    def _close(self, *, entered: bool) -> Typed:
        text = "".join(self._chars)
        self._chars = []
        return Typed(text, burst=len(text) >= self.min_length, entered=entered)
