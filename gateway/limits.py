"""Limits per client, per address and per dossier: token buckets by key.

Each key (a client's name, an address, a dossier code) gets a bucket of ``limit`` tokens that
refills evenly over ``window`` seconds; an event takes one token, and an empty bucket says how
long until the next one. A bucket costs two numbers whatever the limit (the demo server kept a
time per request), and at most ``max_keys`` keys are remembered: the least recently seen is
forgotten first, which only ever gives that key a full bucket again.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class KeyedLimiter:
    """At most ``limit`` events per ``window`` seconds per key; ``limit = 0`` means no limit."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._rate = limit / window if limit > 0 else 0.0
        self._clock = clock
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def take(self, key: Hashable) -> int | None:
        """Count one event for ``key`` if its bucket allows; None when it does, else the whole
        seconds to wait (at least 1), and the event is not counted."""
        if not self.enabled:
            return None
        bucket = self._refilled(key)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return self._wait(bucket)

    def check(self, key: Hashable) -> int | None:
        """Like :meth:`take` without counting: may an event happen now?"""
        if not self.enabled:
            return None
        bucket = self._refilled(key)
        return None if bucket.tokens >= 1 else self._wait(bucket)

    def count(self, key: Hashable) -> None:
        """Count an event that has happened, whether or not the bucket allowed it."""
        if self.enabled:
            bucket = self._refilled(key)
            bucket.tokens = max(bucket.tokens - 1, 0.0)

    def _wait(self, bucket: _Bucket) -> int:
        return max(1, math.ceil((1 - bucket.tokens) / self._rate))

    def _refilled(self, key: Hashable) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(float(self.limit), now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.limit, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
        return bucket
