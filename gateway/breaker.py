"""A circuit breaker per upstream: a system that keeps failing is left alone for a while.

Without it, every lookup routed to a dead system would wait the whole time-out before its
last good answer is served, and a struggling system would get the full load of retries. After
``failures`` failures in a row the breaker opens: lookups fail at once (and are answered from
the last good answer) for ``cooldown`` seconds, or for as long as the system itself asked
(HTTP 429 ``Retry-After``). Then one trial lookup goes through (half open): its success
closes the breaker, its failure opens it again.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    """Lookups go through."""
    OPEN = "open"
    """Lookups fail at once until the cool-down ends."""
    HALF_OPEN = "half_open"
    """One trial lookup may go through."""


class CircuitBreaker:
    def __init__(
        self, *, failures: int, cooldown: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = failures
        self.cooldown = cooldown
        self._clock = clock
        self.failures = 0
        """Failures in a row."""
        self._open_until: float | None = None
        self._trial = False

    @property
    def state(self) -> BreakerState:
        if self._open_until is None:
            return BreakerState.CLOSED
        if self._clock() < self._open_until:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def admit(self) -> float | None:
        """None when a call may go ahead now, else the seconds until the next trial."""
        if self._open_until is None:
            return None
        wait = self._open_until - self._clock()
        if wait > 0:
            return wait
        if self._trial:
            return self.cooldown  # one trial at a time; the others need not wait for it
        self._trial = True
        return None

    def succeeded(self) -> None:
        self.failures = 0
        self._open_until = None
        self._trial = False

    def failed(self, *, retry_after: float | None = None) -> None:
        """Count a failure; ``retry_after`` (the system's own wish) opens the breaker at once."""
        self.failures += 1
        self._trial = False
        if retry_after is not None and retry_after > 0:
            pause = min(retry_after, 3600.0)
        elif self.failures >= self.threshold or self._open_until is not None:
            pause = self.cooldown
        else:
            return
        self._open_until = self._clock() + pause

    def abandoned(self) -> None:
        """A call was given up before it ended (the gateway is stopping): a trial may run again."""
        self._trial = False
