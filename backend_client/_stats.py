"""How the status API has served this unit lately: requests, failures and answer times.

The heartbeat reports the last hour of them, so the fleet page shows a unit whose lookups
fail or crawl even while the unit itself is healthy.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ApiFigures:
    requests: int
    errors: int
    median_ms: int | None


class ApiStats:
    """A thread-safe record of requests over a sliding window (one hour by default)."""

    def __init__(
        self, *, window: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._samples: deque[tuple[float, float, bool]] = deque()

    def record(self, seconds: float, *, ok: bool) -> None:
        now = self._clock()
        with self._lock:
            self._samples.append((now, seconds, ok))
            self._forget(now)

    def figures(self) -> ApiFigures:
        now = self._clock()
        with self._lock:
            self._forget(now)
            samples = list(self._samples)
        times = [seconds for _, seconds, _ in samples]
        return ApiFigures(
            requests=len(samples),
            errors=sum(1 for *_, ok in samples if not ok),
            median_ms=round(statistics.median(times) * 1000) if times else None,
        )

    def _forget(self, now: float) -> None:
        while self._samples and self._samples[0][0] < now - self.window:
            self._samples.popleft()
