"""What the kiosk tells the gateway's fleet page: its heartbeat figures and a usage event for
each lookup.

The app notes what happens (screens, touches, its clock ticks, scans, lookups) in one
:class:`KioskVitals` on the UI thread; the fleet reporter's thread reads it once a minute.
Each note is a single assignment or append, so the reader sees one consistent value per
field without a lock on the UI thread's path. No code and no applicant ever goes in: a
lookup is kept as its outcome, the status told and how long it took.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from backend_client import (
    BackendError,
    CodeRejected,
    DossierNotFound,
    LookupKeyRejected,
    LookupKeyRequired,
)
from dossier import Dossier, Status
from onestop.fleet import Outcome, Role, UsageEvent, hour_of

Camera = Callable[[], tuple[str, float] | None]
"""The camera in use and its frames per second, or None without one."""


def lookup_outcome(result: Dossier | BackendError) -> tuple[Outcome, Status | None] | None:
    """How a lookup ended, as the usage report counts it; None when it has not ended (the
    dossier's system wants the receipt's lookup key, which the kiosk now asks for: the lookup
    with the key is the one counted)."""
    if isinstance(result, Dossier):
        return Outcome.FOUND, result.status
    if isinstance(result, LookupKeyRequired):
        return None
    if isinstance(result, DossierNotFound):  # a retired office's code too
        return Outcome.NOT_FOUND, None
    if isinstance(result, CodeRejected | LookupKeyRejected):
        return Outcome.REJECTED, None
    if result.last_known is not None:
        return Outcome.LAST_KNOWN, result.last_known.dossier.status
    return Outcome.UNAVAILABLE, None


class KioskVitals:
    def __init__(
        self,
        *,
        camera: Camera = lambda: None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.camera = camera
        """Set by the app once its camera runs."""
        self._clock = clock
        self._wall_clock = wall_clock
        now = clock()
        self.screen = "idle"
        self.screen_since = now
        self.last_touch: float | None = None
        self.last_tick = now
        self.last_scan: float | None = None
        self._lookups: deque[float] = deque()
        self._started: dict[int, float] = {}
        self._lock = threading.Lock()

    # -- noted by the app, on the UI thread ------------------------------------------------

    def showing(self, screen: str) -> None:
        if screen != self.screen:
            self.screen = screen
            self.screen_since = self._clock()

    def touched(self) -> None:
        self.last_touch = self._clock()

    def ticked(self) -> None:
        """The UI thread is alive (called from a clock event it runs): a kiosk whose UI
        thread hangs stops ticking, while this reporter's thread still sends heartbeats."""
        self.last_tick = self._clock()

    def scanned(self) -> None:
        self.last_scan = self._clock()

    def lookup_started(self, ticket: int) -> None:
        self._started[ticket] = self._clock()

    def lookup_ended(self, ticket: int, result: Dossier | BackendError) -> UsageEvent | None:
        """The usage event of a lookup that has its answer (shown or not); None for one that
        was not started as a citizen's (the offline screen trying again by itself: the
        citizen's request was counted when the offline screen showed)."""
        now = self._clock()
        started = self._started.pop(ticket, None)
        ended = lookup_outcome(result)
        if started is None or ended is None:
            return None
        outcome, status = ended
        return self._event(outcome, status, now - started)

    def invalid_code(self) -> UsageEvent:
        """A code the kiosk itself refused (typed or scanned wrong): no lookup was made."""
        return self._event(Outcome.INVALID_CODE, None, 0.0)

    def _event(self, outcome: Outcome, status: Status | None, seconds: float) -> UsageEvent:
        with self._lock:
            self._lookups.append(self._clock())
        return UsageEvent(
            hour=hour_of(self._wall_clock()),
            channel=Role.KIOSK,
            outcome=outcome,
            status=status if outcome.answered else None,
            latency_ms=max(0, round(seconds * 1000)),
        )

    # -- read by the fleet reporter, on its thread -------------------------------------------

    def figures(self) -> dict[str, Any]:
        """The kiosk's own heartbeat fields (see :class:`onestop.fleet.Heartbeat`)."""
        now = self._clock()
        with self._lock:
            while self._lookups and self._lookups[0] < now - 3600:
                self._lookups.popleft()
            lookups = len(self._lookups)
        camera = self.camera()
        last_touch, last_scan = self.last_touch, self.last_scan
        return {
            "screen": self.screen,
            "screen_since_s": round(now - self.screen_since, 1),
            "ui_stalled_s": round(max(now - self.last_tick, 0.0), 1),
            "last_touch_s": None if last_touch is None else round(now - last_touch, 1),
            "camera": None if camera is None else camera[0],
            "camera_fps": None if camera is None else round(camera[1], 1),
            "scanner_seen_s": None if last_scan is None else round(now - last_scan, 1),
            "lookups_hour": lookups,
        }
